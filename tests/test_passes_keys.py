"""Hash-consing keys of the rewrite engine (:mod:`lazyray.passes.hashcons`): a node
is looked up before it is built (``key_of``), so its key must be exactly the key of
the node it would build; static arguments are frozen at once (``_static``) exactly as
:func:`lazyray.graph.sharing.freeze` does; equal static kwargs in distinct dicts are
one key.  Merging is checked against eager numpy, bit for bit."""

import struct

import numpy as np
import pytest

import lazyray
from lazyray.graph.node import build_node
from lazyray.graph.sharing import freeze
from lazyray.passes import optimize
from lazyray.passes.engine import Engine
from lazyray.passes.hashcons import _static

STATICS = [
    (slice(None), 0, slice(1, None, 2), None, Ellipsis, True),
    (slice(None, np.int64(3)), slice(False, True), -1),
    (slice(0, 1), slice(0.5, None)),
    ((1, 2), [3, (4,)], "a", 1.5, 2j),
    (np.float32(1.0), np.dtype("int8"), int),
    (),
    3,
    [slice(None), 1],
    {"axis": (0, 1)},
    np.int64(2),
]


@pytest.mark.parametrize("x", STATICS, ids=range(len(STATICS)))
def test_static_is_freeze(x):
    k1, k2 = [], []
    assert _static(x, k1) == freeze(x, k2)
    assert [id(o) for o in k1] == [id(o) for o in k2]


def _graph():
    rng = np.random.default_rng(0)
    a = lazyray.array(rng.normal(size=(3, 4)))
    b = lazyray.array(rng.normal(size=(4, 5)))
    c = lazyray.array(rng.normal(size=(3, 4)))
    idx = rng.integers(0, 3, size=2)
    outs = []
    for i in range(2):  # equal nodes in distinct objects: merged
        outs.append(lazyray.tensordot(a, b, axes=((1,), (0,))))
        outs.append(lazyray.tensordot(a, b, axes=1))
        outs.append(a[(slice(None), slice(1, 3))])
        outs.append(a[(slice(None), slice(True, 3))])  # bool bound: another key
        outs.append(a[0])
        outs.append(a * 2)
        outs.append(a * 2.0)  # float scalar: another key
        outs.append(a + c)
        outs.append(lazyray.stack([a, c, a], axis=0))
        outs.append(lazyray.einsum("ij,jk->ik", a, b))
        outs.append(lazyray.sum(a, axis=(0, 1)))
        outs.append(lazyray.transpose(a))
        outs.append(a[lazyray.array(idx)])  # an operand in the index
        outs.append(lazyray.tensordot(a + i, b, axes=1))
        outs.append(lazyray.tensordot(a, a, axes=((0, 1), (0, 1))))
    return outs


def _ref_key(eng, n):
    """The key of op node ``n`` by its definition: op, callable (custom ops),
    backend, shape, dtype, static kwargs, then each argument: an operand by
    identity, a float by its bits, a simple value with its type, else frozen."""
    kw = n._kwargs
    fk = None
    if kw is not None:
        fk = eng.kwinfo(kw)[1] if type(kw) is dict else None
        if fk is None:
            fk = freeze(kw, [])
    items = [n._op, None if type(n._op) is str else id(n._fn), n._backend, n._shape, n._dtype, fk]
    for a in n._args:
        t = type(a)
        if t is lazyray.LazyArray:
            items.append(id(a))
        elif t is float:
            items.append(struct.pack("<d", a))
        elif t in (int, str, bool, type(None)):
            items.append((t, a))
        else:
            items.append(freeze(a, []))
    return tuple(items)


def test_key_of_is_the_key_of_the_rebuilt_node():
    outs = _graph()
    eng = Engine((), copy=True)
    checked = [0, 0]
    orig = eng.key_of

    def key_of(node, cd):
        k = orig(node, cd)
        checked[k is None] += 1
        if k is not None:
            assert k == _ref_key(eng, eng.rebuild(node, list(cd)))
        return k

    eng.key_of = key_of
    eng.run(outs)
    assert checked[0] > 10  # (the walk builds the usual key itself)
    # an operand of another type of node: also when looking up by hand
    eng2 = Engine(())
    m = eng2.walk(outs)
    for n in lazyray.ascend(outs):
        if n._fn is not None:
            cd = [m[d] for d in n._deps]
            eng2.ready(cd)
            k = eng2.key_of(n, cd)
            if k is not None:
                assert k == _ref_key(eng2, eng2.rebuild(n, cd)), n


def test_merging_is_exact_and_matches_numpy():
    outs = _graph()
    st = {}
    opt = optimize(outs, exact=True, stats=st)
    # the second copy of each of the 15 outputs merges (but the one on a + i)
    firsts, seconds = opt[:15], opt[15:]
    same = [x is y for x, y in zip(firsts, seconds)]
    assert same == [True] * 13 + [False, True]
    # 2 vs 2.0 and slice(1, 3) vs slice(True, 3) are distinct nodes
    assert firsts[5] is not firsts[6]
    assert firsts[2] is not firsts[3]
    # equal axes kwargs in distinct dicts: one key
    assert firsts[0] is firsts[1] or firsts[0].fn_name != firsts[1].fn_name
    want = lazyray.compute(outs)
    got = lazyray.compute(opt)
    for w, g in zip(want, got):
        assert np.asarray(w).dtype == np.asarray(g).dtype
        assert np.array_equal(np.asarray(w), np.asarray(g))


def test_equal_kwargs_in_distinct_dicts_share_a_key():
    x = lazyray.Variable((4, 4))
    z = lazyray.Variable((4, 4))
    y1 = lazyray.tensordot(x, z, axes=((1,), (0,)))
    y3 = lazyray.tensordot(x, z, axes=((0,), (1,)))
    # the tracer shares equal static kwargs: a node with a copy of them
    y2 = build_node(
        y1._op, y1._fn, y1._args, dict(y1._kwargs), y1._shape, y1._dtype, y1._backend, y1._deps
    )
    assert y1._kwargs is not y2._kwargs
    eng = Engine(())
    m = eng.walk([y1, y2, y3])
    assert m[y1] is m[y2] and m[y1] is not m[y3]
    fks = {eng.kwinfo(y._kwargs)[1] for y in (y1, y2, y3)}
    assert len(fks) == 2 and all(type(k) is int for k in fks)
    f = lazyray.Function([x, z], [y1 + y2, y3])
    xv = np.arange(16.0).reshape(4, 4)
    zv = np.sqrt(xv)
    r = f(xv, zv)
    assert np.array_equal(r[0], 2 * np.tensordot(xv, zv, ((1,), (0,))))
    assert np.array_equal(r[1], np.tensordot(xv, zv, ((0,), (1,))))
