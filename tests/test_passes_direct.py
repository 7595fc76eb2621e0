"""The direct walk (:mod:`lazyray.passes.direct`), which applies the default
passes while numbering a graph for a Function, gives the program that
``optimize`` followed by the tape builder gives: the same instructions on the
same operands (up to their order), the same outputs, the same values; and it
stops (falls back) exactly where it does not model the passes."""

from collections import Counter

import numpy as np
import pytest

import lazyray
from lazyray.compile import function as function_module
from lazyray.compile.tape import BIN, BINC, FREE, GEN, ITEMS, ITKW, KW, UN, Slot, _Rebuild
from lazyray.examples import gram_schmidt
from lazyray.graph.sharing import freeze
from lazyray.ops.common import make as _make
from lazyray.passes.direct import Fallback, direct
from test_passes_fused import _custom, duplicated_graph, flat, random_graph

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")


# ------------------------------------------------------------------ helpers


def program_form(f, names):
    """Function ``f``'s program as a multiset of instructions, each naming
    its operands by what computed them (``names`` interns those names and is
    shared by the programs compared), and the names of its outputs."""
    p = f._prog
    keep = []

    def name(key):
        return names.setdefault(key, len(names))

    reg = {k: name(("input", k)) for k in range(p.n_in)}

    def const(c):
        if isinstance(c, np.ndarray):
            return name(("const", c.dtype.str, c.shape, c.tobytes()))
        return name(("const", freeze(c, keep)))

    def r(s):
        return const(p.consts[-s - 1]) if s < 0 else reg[s]

    def tmpl(t):
        if type(t) is Slot:
            return ("slot", r(t.i))
        if type(t) is _Rebuild:
            if t.kind is dict:
                return (dict, tuple((k, tmpl(v)) for k, v in t.items))
            return (t.kind, tuple(tmpl(v) for v in t.items))
        return freeze(t, keep)

    instrs = Counter()
    for (code, _fn, out, a, b), op in zip(p.tape, p.ops):
        if code == FREE:
            continue
        if code == BIN:
            args = (r(a), r(b))
        elif code == UN:
            args = (r(a),)
        elif code in (BINC, KW):
            args = (r(a), freeze(b, keep))
        elif code in (ITEMS, ITKW):
            slots = a.__reduce__()[1]
            args = (tuple(r(s) for s in slots), freeze(b, keep) if code == ITKW else None)
        else:
            assert code == GEN
            args = (tuple(tmpl(t) for t in a.args), tmpl(a.kwargs) if a.kwargs else None)
        key = name((str(op), type(op).__name__, args))
        instrs[key] += 1
        reg[out] = key
    return instrs, tuple(r(s) for s in f._flat_out_slots())


def reference(inputs, outputs, **kwargs):
    """The Function as ``optimize`` + the tape builder make it."""
    saved = function_module._direct
    function_module._direct = lambda *a: None
    try:
        return lazyray.Function(inputs, outputs, **kwargs)
    finally:
        function_module._direct = saved


def assert_same_program(inputs, outputs, args, **kwargs):
    """Both Functions: equal programs (up to order) and bit-identical results."""
    f = lazyray.Function(inputs, outputs, **kwargs)
    g = reference(inputs, outputs, **kwargs)
    names = {}
    assert program_form(f, names) == program_form(g, names)
    for p, q in zip(flat(f(*args)), flat(g(*args)), strict=True):
        assert p.dtype == q.dtype and p.shape == q.shape and p.tobytes() == q.tobytes()
    return f


def uses_direct(inputs, outputs, fold=True):
    unique = list({id(o): o for o in lazyray.graph.traverse.find_lazy(outputs)}.values())
    try:
        direct(unique, list(inputs), fold=fold)
        return True
    except Fallback:
        return False


def direct_graph(seed, cplx):
    """About 40 random ops of the kinds the direct walk models: elementwise
    ops, scalar identities, conj, contractions that lower to one ``dot``,
    constants to fold, duplicates to merge, custom ops, multi-output ops."""
    rng = np.random.default_rng(seed)
    dt = "complex128" if cplx else "float64"
    n = 3
    x = lazyray.Variable((n, n), dtype=dt)
    v = lazyray.Variable((n,), dtype=dt)
    data = rng.normal(size=(n, n)).astype(dt)
    mats = [x, lazyray.array(data), lazyray.array(data), lazyray.eye(n, dtype=dt), x]
    vecs = [v, lazyray.array(rng.normal(size=n)), lazyray.ones(n, dtype=dt)]
    E = lazyray.einsum
    ops = [
        lambda a, b, u, w: a * 1,
        lambda a, b, u, w: a * 1.5 - 0.0,
        lambda a, b, u, w: (a + (-0.0)) / 1,
        lambda a, b, u, w: lazyray.conj(a) * 2.5,
        lambda a, b, u, w: lazyray.sin(a) + b,
        lambda a, b, u, w: lazyray.tensordot(a, b, 1),
        lambda a, b, u, w: lazyray.tensordot(a, u, 1)[None, :] + b,
        lambda a, b, u, w: lazyray.tensordot(u, a, 1)[:, None] * b,
        lambda a, b, u, w: lazyray.tensordot(lazyray.conj(u), w, 1) * a,
        lambda a, b, u, w: E("ij,jk->ik", a, b),
        lambda a, b, u, w: a @ b + a * b,
        lambda a, b, u, w: lazyray.astype(a, a.dtype) + lazyray.reshape(b, (n, n)),
        lambda a, b, u, w: lazyray.broadcast_to(a, (n, n))[:][...],
        lambda a, b, u, w: lazyray.LazyArray("numpy", _custom, (a, 2.0), None, (n, n)),
        lambda a, b, u, w: lazyray.linalg.svd(a)[2],
        lambda a, b, u, w: lazyray.stack([a[0], b[1], a[2]], axis=0),
        lambda a, b, u, w: lazyray.sum(a, axis=0)[None, :] + b,
        lambda a, b, u, w: lazyray.where(lazyray.real(a) > 0, a, b),
        lambda a, b, u, w: a * np.float64(1.0) + b * True,
        lambda a, b, u, w: a - lazyray.conj(a),
        lambda a, b, u, w: lazyray.exp(lazyray.eye(n)) * a,
    ]
    for _ in range(40):
        a, b = mats[rng.integers(len(mats))], mats[rng.integers(len(mats))]
        u, w = vecs[rng.integers(len(vecs))], vecs[rng.integers(len(vecs))]
        k = rng.integers(len(ops) + 2)
        if k == len(ops):
            vecs.append(lazyray.tensordot(a, u, 1))
        elif k == len(ops) + 1:
            vecs.append(a[rng.integers(n)] * 2.0 + w)
        else:
            mats.append(ops[k](a, b, u, w))
        if rng.integers(4) == 0:  # a duplicate, traced again
            mats.append(ops[k % len(ops)](a, b, u, w))
    outputs = {"a": mats[-1], "b": (mats[-2], vecs[-1]), "c": [mats[len(mats) // 2]]}
    return outputs, x, v


def inputs_for(seed, cplx):
    rng = np.random.default_rng(seed)
    dt = "complex128" if cplx else "float64"
    return rng.normal(size=(3, 3)).astype(dt), rng.normal(size=3).astype(dt)


# -------------------------------------------------------------------- tests


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("cplx", [False, True])
def test_direct_gives_the_program_of_optimize_then_build(seed, cplx):
    outputs, x, v = direct_graph(seed, cplx)
    args = inputs_for(seed, cplx)
    for fold in (True, False):
        assert_same_program([x, v], outputs, args, fold_constants=fold)
    assert_same_program([x, v], outputs, args, optimize={"exact": True})


def test_direct_models_most_of_those_graphs():
    # the test above compares something: the walk did not fall back
    graphs = [direct_graph(s, c) for s in range(20) for c in (False, True)]
    used = [uses_direct([x, v], out) for out, x, v in graphs]
    assert sum(used) >= 30, used


@pytest.mark.parametrize("seed", range(12))
def test_direct_on_the_fused_tests_graphs(seed):
    # graphs that exercise every rule: the walk often falls back, and the
    # program is the same either way
    outputs, x, v = random_graph(seed, seed % 2 == 1)
    # (random_graph's v is float64 either way: Functions check input dtypes)
    a, b = inputs_for(seed, seed % 2 == 1)
    assert_same_program([x, v], outputs, (a, b.real.copy()))
    outputs, x, y = duplicated_graph(seed)
    rng = np.random.default_rng(seed)
    assert_same_program([x, y], outputs, (rng.normal(size=(3, 3)), rng.normal(size=(3, 3))))


def test_direct_gram_schmidt(rng):
    x = lazyray.Variable((12, 12))
    q = gram_schmidt(x)
    g = direct([q], [x])
    names = [n.fn_name for n in g.nodes]
    assert "tensordot" not in names and "conj" not in names
    assert names.count("dot") == 12 * 11 // 2
    xv = rng.normal(size=(12, 12))
    f = assert_same_program([x], q, (xv,))
    np.testing.assert_allclose(f(xv), gram_schmidt(xv), atol=1e-12)
    # complex: conj stays (and is not pristine-checked away)
    xc = lazyray.Variable((6, 6), dtype="complex128")
    assert uses_direct([xc], gram_schmidt(xc))
    zc = rng.normal(size=(6, 6)) + 1j * rng.normal(size=(6, 6))
    assert_same_program([xc], gram_schmidt(xc), (zc,))


def test_direct_merges_equal_nodes_and_aliases():
    x = lazyray.Variable((4,))
    a, b = lazyray.sin(x) * 2.0, lazyray.sin(x) * 2.0  # equal: one value
    c = (a + 0) * 1  # (float: + 0 stays, * 1 goes)
    one = x * 1
    g = direct([a + b, c, one], [x])
    assert [n.fn_name for n in g.nodes] == ["variable", "sin", "multiply", "add", "add"]
    assert g.pos[a] == g.pos[b] == 2
    assert g.pos[c] == 4 and g.pos[one] == 0
    # exact keys: x * -1 and x * -2 stay apart, and so do 2 and 2.0
    g = direct([x * -1, x * -2, x * 2, x * 2.0, x * -1], [x])
    assert len(g.nodes) == 5


def test_direct_operands_merged_into_one_value(rng):
    # x - conj(x) on real x: conj goes, the subtract reads one value twice
    x = lazyray.Variable((3,))
    y = x - lazyray.conj(x)
    g = direct([y], [x])
    assert len(g.nodes) == 2 and g.deps[1] == 0
    assert g.nodes[1].fn_name == "subtract" and len(g.nodes[1]._deps) == 1
    assert_same_program([x], y, (rng.normal(size=3),))


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda x: _make("transpose", (x.T, (1, 0)), None, (4, 4), x.dtype, None), "applies"),
        (lambda x: lazyray.conj(lazyray.conj(x)), "applies"),
        (lambda x: lazyray.conj(x[...]), "rewritten"),
        (lambda x: lazyray.tensordot(x, x, ((0,), (0,))), "more than one"),
        (lambda x: lazyray.concatenate(lazyray.split(x, 2)), "narrowed|not modelled"),
        (lambda x: lazyray.linalg.eigh(x + x.T)[0], "not modelled"),
    ],
)
def test_direct_falls_back_where_it_does_not_model_the_passes(make, reason, rng):
    dt = "complex128"
    x = lazyray.Variable((4, 4), dtype=dt)
    y = make(x)
    with pytest.raises(Fallback, match=reason):
        direct([y], [x])
    xv = rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4))
    assert_same_program([x], y, (xv,))


def test_direct_other_fallbacks(rng):
    x = lazyray.Variable((3,))
    w = lazyray.Variable((3,))
    with pytest.raises(Fallback, match="not an input"):
        direct([x + w], [x])
    with pytest.raises(ValueError, match="not among the inputs"):
        lazyray.Function([x], x + w)
    m = lazyray.Variable((3, 3))
    u, s, vh = lazyray.linalg.svd(m)
    with pytest.raises(Fallback, match="multi-output"):
        direct([u.deps[0]], [m])
    done = lazyray.sin(lazyray.array(rng.normal(size=3)))
    done.compute()  # now a leaf with data: a constant
    assert uses_direct([x], x + done)
    f = lazyray.Function([x], x + done)
    assert np.array_equal(f(np.ones(3)), np.ones(3) + done.data)


def test_direct_folds_constants(rng):
    x = lazyray.Variable((3,))
    c = lazyray.array(rng.normal(size=3))
    k = lazyray.exp(c) + lazyray.sum(lazyray.ones((3, 3)), axis=0)
    y = [x * k, x * (lazyray.exp(c) + lazyray.sum(lazyray.ones((3, 3)), axis=0)), c * 2]
    assert uses_direct([x], y)
    f = assert_same_program([x], y, (rng.normal(size=3),))
    assert len(f) == 1  # one multiply: both constants are one, folded
    assert k.data is None  # the user's nodes are never computed
    assert_same_program([x], y, (rng.normal(size=3),), fold_constants=False)


def test_direct_custom_ops_with_dependencies_in_another_order():
    x, y = lazyray.Variable((3,)), lazyray.Variable((3,))
    a = lazyray.LazyArray("numpy", _custom, (x, y), None, (3,), deps=(x, y))
    b = lazyray.LazyArray("numpy", _custom, (x, y), None, (3,), deps=(y, x))
    outs = [lazyray.sin(a), lazyray.sin(b), a + b]
    with pytest.raises(Fallback, match="dependencies"):
        direct(outs, [x, y])
    assert_same_program([x, y], outs, (np.ones(3), np.arange(3.0)))


def test_direct_deep_chain_is_iterative():
    x = lazyray.Variable((2,))
    y = x
    for i in range(60_000):
        y = lazyray.tanh(y) if i % 3 == 0 else (y * 1.5 if i % 3 == 1 else y - 0.25)
    g = direct([y], [x])
    assert len(g.nodes) == 60_001
    f = lazyray.Function([x], y)
    assert len(f) == 60_000
    ref = np.array([0.1, -0.2])
    for i in range(60_000):
        ref = np.tanh(ref) if i % 3 == 0 else (ref * 1.5 if i % 3 == 1 else ref - 0.25)
    assert np.array_equal(f(np.array([0.1, -0.2])), ref)


def test_direct_leaves_of_one_array_merge_but_inputs_stay(rng):
    data = rng.normal(size=(3, 3))
    a, b, c = lazyray.array(data), lazyray.array(data), lazyray.array(data)
    x = lazyray.Variable((3, 3))
    y = [b * x + a * x, c @ x]
    g = direct(y, [x, a])  # a is an input: never merged with b and c
    leaves = [n for n in g.nodes if n._fn is None]
    assert leaves[0] is x and leaves[1] is a and len(leaves) == 3
    assert g.pos[b] == g.pos[c] != g.pos[a]
    assert_same_program([x, a], y, (rng.normal(size=(3, 3)), rng.normal(size=(3, 3))))
