"""shared_intermediates: exact keys, keep-alive, nesting, threads, and the
autoray.lazy sharing pitfalls as regression tests."""

import contextlib
import gc
import threading
import weakref

import numpy as np
import pytest

import lazyray
from lazyray.examples import gram_schmidt
from lazyray.graph.sharing import freeze, shared_intermediates


def n_nodes(y):
    return len(list(lazyray.ascend(y)))


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_identical_ops_give_the_same_node():
    x = lazyray.array(np.arange(6.0).reshape(2, 3))
    with shared_intermediates() as cache:
        a = lazyray.tanh(x) @ x.T
        b = lazyray.tanh(x) @ x.T
        c = lazyray.sum(x, axis=1, keepdims=True)
        d = lazyray.sum(x, axis=1, keepdims=True)
        e = lazyray.sum(x, axis=1)
    assert a is b and c is d and e is not c
    assert len(cache) > 0
    ref = np.tanh(x.data) @ x.data.T
    assert same_bits(a.compute(), ref)


def test_outside_the_context_nothing_is_shared():
    x = lazyray.Variable((3,))
    with shared_intermediates():
        a = lazyray.sin(x)
    assert lazyray.sin(x) is not lazyray.sin(x)
    assert lazyray.sin(x) is not a


# ------------------------------------------------------ autoray.lazy pitfalls


def test_minus_one_and_minus_two_differ():
    # hash(-1) == hash(-2) in CPython: a hash-string key merges them
    x = lazyray.array(np.arange(4.0))
    with shared_intermediates():
        a, b = x * -1, x * -2
    assert a is not b
    assert same_bits(a.compute(), np.arange(4.0) * -1)
    assert same_bits(b.compute(), np.arange(4.0) * -2)


def test_negative_indices_differ():
    x = lazyray.array(np.arange(5))
    with shared_intermediates():
        a, b, c = x[-1], x[-2], x[-1]
        s1, s2 = x[-2:], x[-1:]
    assert a is not b and a is c and s1 is not s2
    assert (a.compute(), b.compute()) == (4, 3)
    assert s1.compute().tolist() == [3, 4] and s2.compute().tolist() == [4]


def test_int_float_bool_scalars_differ():
    xi = np.arange(4)
    x = lazyray.array(xi)
    with shared_intermediates():
        a, b, c = x * 2, x * 2.0, x * True
    assert len({id(a), id(b), id(c)}) == 3
    assert (a.dtype, b.dtype, c.dtype) == ("int64", "float64", "int64")
    # x * 2.0 on an int array must give floats, not the cached integer node
    assert same_bits(b.compute(), xi * 2.0)
    assert same_bits(a.compute(), xi * 2)


def test_one_and_true_differ():
    xb = np.array([True, False, True])
    x = lazyray.array(xb)
    with shared_intermediates():
        a, b = x + True, x + 1
    assert a is not b and (a.dtype, b.dtype) == ("bool", "int64")
    assert same_bits(a.compute(), xb + True) and same_bits(b.compute(), xb + 1)


def test_signed_zeros_differ():
    xv = np.array([-0.0, 0.0, 1.0])
    x = lazyray.array(xv)
    with shared_intermediates():
        a, b = x + 0.0, x + -0.0
    assert a is not b
    assert np.signbit(b.compute()[0]) and not np.signbit(a.compute()[0])


def test_nan_keys():
    xv = np.arange(3.0)
    x = lazyray.array(xv)
    with shared_intermediates():
        a = x * float("nan")
        b = x * float("nan")  # another nan object with the same bits: same value
        c = x * 0.0
        d = lazyray.maximum(x, float("inf"))
        e = lazyray.maximum(x, float("nan"))
    assert a is b and a is not c and d is not e
    assert np.isnan(a.compute()).all() and same_bits(c.compute(), xv * 0.0)
    assert np.isnan(e.compute()).all() and np.isinf(d.compute()).all()


def test_numpy_scalars_keyed_by_type_and_bytes():
    x = lazyray.array(np.arange(3, dtype="float32"))
    with shared_intermediates():
        a = x * np.float32(2)
        b = x * np.float64(2)
        c = x * np.float32(2)
        d = x * np.float32(3)
    assert a is c and a is not b and a is not d
    assert (a.dtype, b.dtype) == ("float32", "float64")


def test_array_constants_by_identity_and_kept_alive():
    x = lazyray.array(np.arange(3.0))
    c1 = np.ones(3)
    with shared_intermediates() as cache:
        a, b = x + c1, x + c1
        c = x + np.ones(3)  # equal content, another object: not the same node
        ref = weakref.ref(c1)
        del c1
        gc.collect()
        assert ref() is not None  # the cache holds the constant
    assert a is b and a is not c
    del cache, a, b
    gc.collect()
    assert ref() is None


def test_freed_input_ids_are_never_reused():
    # autoray.lazy keyed leaves by id(): a new array reusing a freed array's
    # id hit the stale entry and gave the old values
    with shared_intermediates():
        for i in range(200):
            y = lazyray.sum(lazyray.array(np.full(3, float(i))) * 2)
            assert y.compute() == 6.0 * i


def test_freed_list_inputs_are_never_reused():
    # a list is converted to an array: only the cache keeps the list alive
    with shared_intermediates():
        for i in range(200):
            y = lazyray.array([float(i)] * 3) * 2
            assert y.compute().tolist() == [2.0 * i] * 3


def test_freed_constants_and_outside_nodes_are_never_reused():
    with shared_intermediates() as cache:
        pass
    x = lazyray.array(np.arange(3.0))
    for i in range(200):
        outside = x + float(i)  # built outside the context: not in the cache
        with shared_intermediates(cache):
            y = outside * 2  # computed: drops its reference to ``outside``
            z = x + np.full(3, float(i))  # an array constant, dropped likewise
            assert same_bits(y.compute(), (np.arange(3.0) + i) * 2)
            assert same_bits(z.compute(), np.arange(3.0) + i)
        del outside, y, z


def _alive(node):
    """A probe for whether ``node`` is still alive once the caller drops it:
    its id alone is not enough, since a freed address is soon reused by
    another object, so the probe also matches the node's type and shape."""
    oid, shape = id(node), node.shape

    def probe():
        gc.collect()
        return any(
            id(o) == oid and type(o) is lazyray.LazyArray and o.shape == shape
            for o in gc.get_objects()
        )

    return probe


def test_cache_keeps_dependencies_alive_after_compute():
    # a computed node forgets its arguments; the cache must still hold every
    # object whose id is in a key, or a new object could take that id
    x = lazyray.array(np.arange(3.0))
    outside = x + 1.0  # built outside the context: not in the cache itself
    with shared_intermediates() as cache:
        y = outside * 2
        y.compute()
    assert y.deps == ()
    alive = _alive(outside)
    del outside
    assert alive()
    del cache
    assert not alive()


def test_freed_node_ids_are_never_reused():
    base = lazyray.array(np.arange(3.0))
    with shared_intermediates():
        for i in range(200):
            x = base + float(i)  # computed and dropped each time
            y = x * 3
            assert same_bits(y.compute(), (np.arange(3.0) + i) * 3)
            del x, y


def test_array_of_same_object_gives_same_leaf():
    a, b = np.ones(3), np.ones(3)
    with shared_intermediates() as cache:
        x1, x2, y = lazyray.array(a), lazyray.array(a), lazyray.array(b)
        ref = weakref.ref(a)
    assert x1 is x2 and x1 is not y
    del a, x1, x2
    gc.collect()
    assert ref() is not None  # the cache keeps the raw input alive
    del cache
    gc.collect()
    assert ref() is None


def test_multi_output_ops_are_shared():
    a = lazyray.array(np.random.default_rng(0).normal(size=(4, 3)))
    with shared_intermediates():
        u1, s1, v1 = lazyray.linalg.svd(a)
        u2, s2, v2 = lazyray.linalg.svd(a)
        q1, r1 = lazyray.linalg.qr(a)
    assert u1 is u2 and s1 is s2 and v1 is v2 and q1 is not u1
    assert same_bits(s1.compute(), np.linalg.svd(a.data, full_matrices=False)[1])


def test_kwargs_are_part_of_the_key():
    x = lazyray.array(np.arange(6.0).reshape(2, 3))
    with shared_intermediates():
        a, b, c = lazyray.sum(x, axis=0), lazyray.sum(x, axis=1), lazyray.sum(x, axis=-1)
        t1, t2 = lazyray.tensordot(x, x, ((0,), (0,))), lazyray.tensordot(x, x, ((1,), (1,)))
    assert a is not b and b is c  # -1 is normalized to 1 at trace time
    assert t1 is not t2 and t1.shape == (3, 3) and t2.shape == (2, 2)


def test_freeze_is_exact():
    keep = []
    keys = [
        freeze(v, keep)
        for v in (1, True, 1.0, -1, -2, 0.0, -0.0, 1j, np.int64(1), np.float64(1.0), "1", None)
    ]
    assert len(set(keys)) == len(keys)
    assert freeze(float("nan"), keep) == freeze(float("nan"), keep)
    assert freeze((slice(None, -1),), keep) != freeze((slice(None, -2),), keep)
    arr = np.ones(2)
    assert freeze(arr, keep) == freeze(arr, keep) != freeze(np.ones(2), keep)
    assert any(k is arr for k in keep)


# --------------------------------------------------- nesting, resume, threads


def test_nested_contexts_restore_the_outer_cache():
    x = lazyray.Variable((3,))
    with shared_intermediates() as outer:
        a = lazyray.sin(x)
        with shared_intermediates() as inner:
            b = lazyray.sin(x)  # a fresh cache: not the outer node
            assert lazyray.sin(x) is b
        assert inner is not outer
        assert lazyray.sin(x) is a
    assert a is not b


def test_resume_with_the_yielded_cache():
    x = lazyray.Variable((3,))
    with shared_intermediates() as cache:
        a = lazyray.exp(x) + 1
    with shared_intermediates(cache) as again:
        b = lazyray.exp(x) + 1
    assert again is cache and a is b
    with shared_intermediates():
        assert lazyray.exp(x) + 1 is not a
    with pytest.raises(TypeError, match="dict"):
        with shared_intermediates([]):
            pass


def test_context_restored_after_an_exception():
    from lazyray.graph.node import SHARING

    with pytest.raises(RuntimeError):
        with shared_intermediates():
            raise RuntimeError
    assert SHARING.cache is None


def test_thread_local_caches():
    x = lazyray.Variable((3,))
    barrier = threading.Barrier(2)
    results = {}

    def work(name):
        with shared_intermediates() as cache:
            barrier.wait()  # both threads are inside their contexts now
            a = lazyray.cos(x) * 2
            barrier.wait()
            b = lazyray.cos(x) * 2
            results[name] = (cache, a, b)

    threads = [threading.Thread(target=work, args=(n,)) for n in "AB"]
    with shared_intermediates() as main_cache:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        m = lazyray.cos(x) * 2
    (ca, a1, a2), (cb, b1, b2) = results["A"], results["B"]
    assert a1 is a2 and b1 is b2  # each thread shares within its own cache
    assert a1 is not b1 and m is not a1 and m is not b1  # ...and only there
    assert ca is not cb and main_cache is not ca
    nodes_a = {id(v[0]) for v in ca.values()}
    assert not nodes_a & {id(v[0]) for v in cb.values()}


def test_a_new_thread_does_not_see_the_context():
    seen = []
    with shared_intermediates():
        t = threading.Thread(target=lambda: seen.append(lazyray.graph.sharing.SHARING.cache))
        t.start()
        t.join()
    assert seen == [None]


# ----------------------------------------------------------------- examples


def test_gram_schmidt_shared_has_fewer_nodes_and_equal_values():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(10, 10)) + 1j * rng.normal(size=(10, 10))  # (complex: conj stays)
    plain = gram_schmidt(lazyray.array(x))
    with shared_intermediates():
        shared = gram_schmidt(lazyray.array(x))
    n_plain, n_shared = n_nodes(plain), n_nodes(shared)
    # the conj(q) of every earlier q is traced again for every later column
    assert n_shared < n_plain
    assert n_plain - n_shared == 9 * 8 // 2
    ref = gram_schmidt(x)
    assert same_bits(shared.compute(), ref) and same_bits(plain.compute(), ref)


# ------------------------------------------------- the fast keys (flat_key)


def test_fast_keys_are_exact_and_keep_operands_alive():
    from lazyray.graph.sharing import flat_key, node_key

    base = lazyray.array(np.arange(6.0).reshape(2, 3))
    with shared_intermediates() as cache:
        for i in range(100):  # ids of freed operands must never be reused
            x = base + float(i)  # a fresh node each time, computed and dropped
            ys = [
                lazyray.sin(x),  # unary (elementwise hot path)
                x * x,  # binary, two lazy arrays
                lazyray.tensordot(x, x, ((1,), (1,))),  # new_node, interned kwargs
                x[-1, 1:],  # an index tuple with a slice
                lazyray.reshape(x, (3, 2)),  # a shape tuple
                lazyray.sum(x, axis=0),  # make(), interned kwargs
            ]
            ref = np.arange(6.0).reshape(2, 3) + i
            refs = [np.sin(ref), ref * ref, ref @ ref.T, ref[-1, 1:], ref.reshape(3, 2)]
            refs.append(ref.sum(axis=0))
            for y, r in zip(ys, refs):
                assert same_bits(y.compute(), r)
            del x, ys
    flat = [k for k in cache if type(k) is tuple and type(k[1]) is str and k[0] != "<leaf>"]
    # ops on a lazy array and a lazy array, a tuple of ints or a float get
    # the shorter (op, kwargs id, id, item) key (tensordot its own 4-tuple),
    # ops on one lazy array (op, kwargs id, id)
    pairs = [k for k in cache if type(k) is tuple and len(k) == 4 and type(k[1]) is not str]
    singles = [k for k in cache if type(k) is tuple and len(k) == 3]
    # every node above had a fast key: sin and sum a single's, the index a flat one
    assert len(singles) == 200 and len(pairs) >= 400 and len(flat) >= 100
    y = lazyray.tensordot(base, base, ((1,), (1,)))
    fk = flat_key("tensordot", y.args, y._kwargs, y.shape, y._dtype, y.backend)
    assert fk is not None and fk != node_key(y, [])
    assert flat_key("add", (base, np.ones(3)), None, (2, 3), "float64", "numpy") is None


def test_short_key_found_with_another_aval_is_not_reused():
    # the short key holds no shape, dtype or backend: a node found under it
    # is checked against the requested ones, else the exact key is used
    from lazyray.graph.sharing import share_new

    x = lazyray.array(np.arange(6.0))
    cache: dict = {}
    for b in (x, (3, 2), 2, 2.0):
        args = (x, b)
        deps = (x,)
        one = share_new(cache, "op", None, args, None, (6,), "float64", "numpy", deps)
        assert share_new(cache, "op", None, args, None, (6,), "float64", "numpy", deps) is one
        other = share_new(cache, "op", None, args, None, (6,), "float32", "numpy", deps)
        assert other is not one and other.dtype == "float32"
        wide = share_new(cache, "op", None, args, None, (7,), "float64", "numpy", deps)
        assert wide is not one and wide.shape == (7,)
        assert share_new(cache, "op", None, args, None, (6,), "float32", "numpy", deps) is other


def test_user_callable_nodes_keyed_by_the_callable():
    # quimb's lazy decompositions are nodes of user callables: equal names
    # and arguments share only when the callable is the same object
    from lazyray.graph.node import CustomOp
    from lazyray.graph.sharing import share_new

    def make():
        def f(a, k, n, unused):
            return a * k * n

        return f

    f, g = make(), make()  # two callables, one name
    x = lazyray.array(np.arange(3.0))
    cache: dict = {}

    def node(op, fn, k=2.0):
        return share_new(cache, op, fn, (x, k, 1, None), None, (3,), "float64", "numpy", (x,))

    one = node(CustomOp("f"), f)
    assert node(CustomOp("f"), f) is one
    assert node(CustomOp("f"), g) is not one
    assert node("f", f) is not one  # a registry op's name is another op
    assert node(CustomOp("f"), f, 3.0) is not one
    assert same_bits(node(CustomOp("f"), g, 3.0).compute(), np.arange(3.0) * 3.0)


def test_fast_and_general_keys_distinguish_arguments():
    x = lazyray.array(np.arange(12.0).reshape(3, 4))
    with shared_intermediates():
        a = [x[0, 1:], x[0, 1:], x[0, :1], x[0, 1::2], x[(0, Ellipsis)], x[0, None]]
        b = [x * 3, x * 3, x * 3.0, x * True, x * np.int64(3), x * np.int64(3)]
        c = [lazyray.reshape(x, (4, 3)), lazyray.reshape(x, (4, 3)), lazyray.reshape(x, (2, 6))]
        d = [lazyray.sum(x, axis=0), lazyray.sum(x, axis=0), lazyray.sum(x, axis=0, keepdims=True)]
        e = [lazyray.einsum("ij,kj->ik", x, x), lazyray.einsum("ij,kj->ik", x, x)]
        f = [lazyray.einsum("ij,kj->ki", x, x)]
    assert a[0] is a[1] and len({id(v) for v in a}) == 5
    assert b[0] is b[1] and b[4] is b[5] and len({id(v) for v in b}) == 4
    assert c[0] is c[1] and c[2] is not c[0]
    assert d[0] is d[1] and d[2] is not d[0]
    assert e[0] is e[1] and f[0] is not e[0]
    xv = np.arange(12.0).reshape(3, 4)
    for v, r in [
        (a[3], xv[0, 1::2]),
        (a[5], xv[0, None]),
        (b[3], xv * True),
        (d[2], xv.sum(0, keepdims=True)),
    ]:
        assert same_bits(v.compute(), r)


def test_general_keys_still_used_for_other_arguments():
    # an array constant and a complex scalar: keyed by freeze(), kept alive
    x = lazyray.array(np.arange(3.0))
    c = np.arange(3.0)
    with shared_intermediates() as cache:
        a, b = x + c, x + c
        z1, z2, z3 = x * 1j, x * 1j, x * 2j
    assert a is b and z1 is z2 and z3 is not z1
    kept = [v[1] for v in cache.values() if v[0] is a]
    assert any(o is c for o in kept[0])


def test_tensordot_axes_spellings_share_and_match_numpy():
    # axes as tuples (cotengra's, quimb's), lists, nested mixes, an int: the
    # same contraction is one node, whichever spelling comes first
    av, bv = np.arange(24.0).reshape(2, 3, 4), np.arange(60.0).reshape(4, 3, 5)
    a, b = lazyray.array(av), lazyray.array(bv)
    spellings = [((1, 2), (1, 0)), [[1, 2], [1, 0]], ([1, 2], (1, 0)), [(1, -1), [1, 0]]]
    with shared_intermediates():
        ys = [lazyray.tensordot(a, b, ax) for ax in spellings]
        z1, z2 = lazyray.tensordot(a, b, 0), lazyray.tensordot(a, b, [[], []])
    assert all(y is ys[0] for y in ys) and z1 is z2
    ref = np.tensordot(av, bv, ((1, 2), (1, 0)))
    assert same_bits(ys[0].compute(), ref)
    assert same_bits(z1.compute(), np.tensordot(av, bv, 0))
    with pytest.raises(ValueError):
        lazyray.tensordot(a, b, ((1, 2), (0, 1)))  # sizes differ: 3 vs 4
    with pytest.raises(TypeError):
        lazyray.tensordot(a, b, "x")


def test_tensordot_early_key_is_exact_and_keeps_operands_alive():
    # cotengra's axes (pairs of tuples of ints) are looked up before any rule
    # runs: equal axes of ints (a bool is the int it equals) hit, a float axis
    # is refused as numpy refuses it, negative axes find the normalized node
    av, bv = np.arange(24.0).reshape(2, 3, 4), np.arange(12.0).reshape(4, 3)
    a, b = lazyray.array(av), lazyray.array(bv)
    u = a + 1.0
    with shared_intermediates() as cache:
        y = lazyray.tensordot(a, b, ((1, 2), (1, 0)))
        assert lazyray.tensordot(a, b, ((-2, -1), (1, 0))) is y
        assert lazyray.tensordot(a, b, ((True, 2), (True, False))) is y
        assert lazyray.tensordot(a, b, ((2, 1), (0, 1))) is not y
        z = lazyray.tensordot(b, a, ((0, 1), (2, 1)))
        assert z is not y and z.shape == (2,)
        with pytest.raises(TypeError):
            lazyray.tensordot(a, b, ((1.0, 2), (1, 0)))
        t = lazyray.tensordot(u, b, ((1, 2), (1, 0)))
        assert same_bits(t.compute(), np.tensordot(av + 1.0, bv, ((1, 2), (1, 0))))
    with pytest.raises(TypeError):
        np.tensordot(av, bv, ((1.0, 2), (1, 0)))
    assert same_bits(y.compute(), np.tensordot(av, bv, ((1, 2), (1, 0))))
    assert same_bits(z.compute(), np.tensordot(bv, av, ((0, 1), (2, 1))))
    # t was computed (it forgot its operands): its entry keeps u (built
    # outside the context) alive, so no new node can take u's id
    alive = _alive(u)
    del u
    assert t.deps == () and alive()
    del cache
    assert not alive()


def test_tuple_arguments_keyed_exactly():
    # a shape/axes tuple of ints is its own key item (fast path); other
    # tuples go through the general path: the two never mix up arguments
    xv = np.arange(6.0).reshape(2, 3)
    x = lazyray.array(xv)
    with shared_intermediates():
        t = [lazyray.transpose(x, (1, 0)), lazyray.transpose(x, [1, 0]), lazyray.transpose(x)]
        r = [lazyray.reshape(x, (3, 2)), lazyray.reshape(x, (3, 2)), lazyray.reshape(x, (6,))]
        i = [x[(0, 1)], x[0, 1], x[(0, slice(1, None))]]
    assert t[0] is t[1] and r[0] is r[1] and r[2] is not r[0]
    assert i[0] is i[1] and i[2] is not i[0]
    cv = np.arange(8.0).reshape(2, 2, 2)
    cube = lazyray.array(cv)
    with shared_intermediates():  # same shape, dtype, op: only the tuple differs
        p, q = lazyray.transpose(cube, (1, 0, 2)), lazyray.transpose(cube, (0, 2, 1))
    assert p is not q and same_bits(q.compute(), cv.transpose(0, 2, 1))
    for v, ref in [(t[2], xv.T), (r[2], xv.reshape(6)), (i[2], xv[0, 1:]), (i[0], xv[0, 1])]:
        assert same_bits(v.compute(), ref)


def test_leaves_of_numpy_arrays_and_subclasses():
    class Sub(np.ndarray):
        pass

    v = np.arange(4.0)
    s = v.view(Sub)
    for shared in (False, True):
        with shared_intermediates() if shared else contextlib.nullcontext():
            a, b, c = lazyray.array(v), lazyray.array(v), lazyray.array(s)
            d = lazyray.array([1, 2])
        assert (a is b) == shared and c is not a
        assert a.backend == c.backend == d.backend == "numpy" and a.data is v and c.data is s
        assert (a.shape, a.dtype, d.dtype) == ((4,), "float64", "int64")
        assert same_bits((c + a).compute(), v + v)
