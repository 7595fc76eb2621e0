"""Lean compiled contractions (:mod:`lazyray.compile.lean`), the tensordot
axes cache, and the short sharing keys of ops on two lazy arrays."""

import pickle

import numpy as np
import pytest

import lazyray
from lazyray.compile.lean import planned_tensordot, tensordot_plan
from lazyray.graph import sharing


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


CASES = [
    ((2, 3, 4), (4, 3, 5), ((1, 2), (1, 0))),
    ((3, 4), (4, 5), ((1,), (0,))),
    ((2, 2, 2, 2, 12, 2), (2, 12, 2, 2, 2, 2), ((1, 2, 3, 5), (5, 3, 0, 2))),
    ((3,), (4,), ((), ())),  # an outer product
    ((2, 3), (2, 3), ((0, 1), (0, 1))),  # a full contraction: 0-d result
    ((5, 1, 3), (3, 1), ((2, 1), (0, 1))),
]


def _planned(f):
    return [ins[1] for ins in f._prog.tape if getattr(ins[1], "func", None) is planned_tensordot]


@pytest.mark.parametrize("sa, sb, axes", CASES)
def test_planned_tensordot_is_numpy_bit_for_bit(sa, sb, axes):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    plan = tensordot_plan(sa, sb, axes)
    assert same_bits(planned_tensordot(plan, a, b, axes), np.tensordot(a, b, axes))
    # non-contiguous operands, complex and mixed dtypes
    at = np.asfortranarray(a)
    bc = (b + 1j * rng.normal(size=sb)).astype("complex64")
    assert same_bits(planned_tensordot(plan, at, bc, axes), np.tensordot(at, bc, axes))


def test_function_plans_numpy_tensordot_and_matches_eager():
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=s) for s in ((2, 3, 4), (4, 3, 5), (5, 6), (6, 2))]
    vs = [lazyray.Variable(x.shape) for x in arrays]
    y = lazyray.tensordot(vs[0], vs[1], ((1, 2), (1, 0)))
    y = lazyray.tensordot(lazyray.tensordot(y, vs[2], 1), vs[3], ((0, 1), (1, 0)))
    z = lazyray.tensordot(vs[2], vs[2], ((0,), (0,)))  # the same operand twice
    f = lazyray.Function(vs, [y, z])
    assert len(_planned(f)) >= 2  # (2-d contractions may be lowered to dot)
    ey = np.tensordot(arrays[0], arrays[1], ((1, 2), (1, 0)))
    ey = np.tensordot(np.tensordot(ey, arrays[2], 1), arrays[3], ((0, 1), (1, 0)))
    ez = np.tensordot(arrays[2], arrays[2], ((0,), (0,)))
    out = f(*arrays)
    assert same_bits(out[0], ey) and same_bits(out[1], ez)
    # the generated source, a pickled copy: the same bits
    params = {}
    exec(f.get_source(params), params)
    assert all(same_bits(u, v) for u, v in zip(params["graph"](*arrays), (ey, ez)))
    g = pickle.loads(pickle.dumps(f))
    assert all(same_bits(u, v) for u, v in zip(g(*arrays), (ey, ez)))


def test_planned_tensordot_other_operands_go_to_numpy():
    with lazyray.strict(False):  # (outputs of unchecked shapes)
        _other_operands()


def _other_operands():
    a, b = lazyray.Variable((2, 3, 2)), lazyray.Variable((3, 2, 4))
    f = lazyray.Function([a, b], lazyray.tensordot(a, b, 2), check_inputs=False)
    assert len(_planned(f)) == 1
    # unchecked calls with other shapes, a subclass: numpy's own tensordot
    x, y = np.arange(24.0).reshape(4, 3, 2), np.arange(12.0).reshape(3, 2, 2)
    assert same_bits(f(x, y), np.tensordot(x, y, 2))
    m = np.arange(12.0).reshape(2, 3, 2).view(np.recarray)
    assert same_bits(f(m, y), np.tensordot(m, y, 2))
    with pytest.raises(ValueError):
        f(np.ones((2, 3, 2)), np.ones((4, 2, 4)))


def test_planned_tensordot_retargets_to_torch():
    torch = pytest.importorskip("torch")
    a, b = lazyray.Variable((2, 3, 4)), lazyray.Variable((4, 3))
    f = lazyray.Function([a, b], lazyray.tensordot(a, b, ((1, 2), (1, 0))))
    x, y = np.random.default_rng(2).normal(size=(2, 3, 4)), np.ones((4, 3))
    out = f(torch.as_tensor(x), torch.as_tensor(y))
    assert isinstance(out, torch.Tensor)
    assert np.allclose(out.numpy(), np.tensordot(x, y, ((1, 2), (1, 0))))


def test_reshape_and_transpose_call_the_arrays_method_bit_for_bit():
    from lazyray.compile import lean

    x = lazyray.Variable((4, 6))
    y = (x.reshape((2, 12)).T * 2).reshape((24,))
    z = lazyray.transpose(x, (1, 0))
    f = lazyray.Function([x], [y, z])
    fns = [ins[1] for ins in f._prog.tape]
    assert fns.count(lean._reshape) == 2 and fns.count(lean._transpose) == 2
    a = np.random.default_rng(1).normal(size=(4, 6))
    ry, rz = f(a)
    assert same_bits(ry, (a.reshape(2, 12).T * 2).reshape(24)) and same_bits(rz, a.T)
    assert same_bits(pickle.loads(pickle.dumps(f))(a)[0], ry)
    # anything but an ndarray goes to numpy's functions (a masked array stays one)
    m = np.ma.masked_array(a, mask=a > 0)
    assert type(lean._reshape(m, (24,))) is np.ma.MaskedArray
    assert type(lean._transpose(m, (1, 0))) is np.ma.MaskedArray
    assert same_bits(lean._transpose(m, (1, 0)).mask, m.mask.T)


def test_function_of_an_unhashable_callable_with_a_static_argument():
    class Scale:  # defines equality, so it is unhashable
        __hash__ = None

        def __eq__(self, other):
            return isinstance(other, Scale)

        def __call__(self, a, k):
            return a * k[0]

    x = lazyray.Variable((3,))
    y = x.to(Scale(), args=(x, (2.0,)))
    a = np.arange(3.0)
    assert same_bits(lazyray.Function([x], y)(a), a * 2.0)


@pytest.mark.parametrize("bad", [1.0, ((1.0,), (0,)), ([1.0], [0]), (1.0, 0)])
def test_tensordot_axes_cache_refuses_floats_after_ints(bad):
    a, b = lazyray.Variable((2, 3)), lazyray.Variable((3, 4))
    good = 1 if bad == 1.0 else (1, 0) if bad == (1.0, 0) else ((1,), (0,))
    assert lazyray.tensordot(a, b, good).shape == (2, 4)  # cached
    with pytest.raises(TypeError):
        lazyray.tensordot(a, b, bad)
    with pytest.raises(TypeError):  # and so does numpy
        np.tensordot(np.ones((2, 3)), np.ones((3, 4)), bad)


@pytest.mark.parametrize("axes", [1, True, np.int64(1), [[1], [0]], ((-1,), (0,)), ([1], (0,))])
def test_tensordot_axes_accepted_like_numpy(axes):
    x, y = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    for _ in range(2):  # the second call may hit the cache
        z = lazyray.tensordot(lazyray.array(x), lazyray.array(y), axes)
        assert same_bits(z.compute(), np.tensordot(x, y, axes))


def test_short_sharing_key_checks_shape_dtype_and_backend():
    x, y = lazyray.Variable((2, 3)), lazyray.Variable((2, 3))
    fn = np.add
    with lazyray.shared_intermediates() as cache:
        new = sharing.share_new
        n1 = new(cache, "add", fn, (x, y), None, (2, 3), x._dtype, "numpy", (x, y))
        assert new(cache, "add", fn, (x, y), None, (2, 3), x._dtype, "numpy", (x, y)) is n1
        f32 = np.dtype("float32")
        n2 = new(cache, "add", fn, (x, y), None, (2, 3), f32, "numpy", (x, y))
        n3 = new(cache, "add", fn, (x, y), None, (3, 2), x._dtype, "numpy", (x, y))
        n4 = new(cache, "add", fn, (x, y), None, (2, 3), x._dtype, "torch", (x, y))
        assert len({id(n) for n in (n1, n2, n3, n4)}) == 4
        assert new(cache, "add", fn, (x, y), None, (2, 3), f32, "numpy", (x, y)) is n2
        assert new(cache, "add", fn, (x, y), None, (3, 2), x._dtype, "numpy", (x, y)) is n3
        assert new(cache, "add", fn, (y, x), None, (2, 3), x._dtype, "numpy", (y, x)) is not n1


def test_shared_numpy_leaves_by_identity():
    a = np.arange(3.0)
    with lazyray.shared_intermediates():
        assert lazyray.array(a) is lazyray.array(a)
        assert lazyray.array(a) is not lazyray.array(a.copy())
        assert lazyray.array([1.0, 2.0]) is lazyray.array([1.0, 2.0])


# ------------------------------------- two-operand einsum planned as tensordot

PAIR_EINSUMS = [
    # (equation, shapes, planned as one tensordot); big enough for numpy's
    # optimized einsum (smaller ones call its plain einsum)
    ("ab,apc->bpc", [(30, 20), (30, 4, 25)], True),
    ("bpc,bpd->cd", [(20, 3, 25), (20, 3, 30)], True),
    ("ij,jk->ki", [(30, 20), (20, 40)], True),  # a transposed result
    ("ij,ij->", [(100, 90), (100, 90)], True),  # a 0-d result
    ("i,j->ji", [(90,), (100,)], True),  # an outer product
    ("ijk,kj->i", [(30, 20, 25), (25, 20)], True),  # contracted in another order
    ("ij,jk->ijk", [(20, 30), (30, 40)], False),  # j kept from both
    ("ij,jk->k", [(20, 30), (30, 40)], False),  # i summed from one operand
    ("ii,ij->j", [(30, 30), (30, 40)], False),  # a repeated label
    ("...j,jk->...k", [(5, 6, 30), (30, 40)], False),  # an ellipsis
    ("ij,jk->ik", [(30, 1), (20, 40)], False),  # a broadcast 1 (numpy's einsum)
]


@pytest.mark.parametrize("eq, shapes, planned", PAIR_EINSUMS)
def test_pair_einsum_planned_as_tensordot_matches_numpy(eq, shapes, planned):
    from lazyray.ops.einsum_numpy import PairEinsum

    rng = np.random.default_rng(1)
    xs = [rng.normal(size=s) for s in shapes]
    node = lazyray.einsum(eq, *map(lazyray.array, xs))
    assert isinstance(node._fn, PairEinsum) is planned  # the structure chosen
    got = node.compute()
    plain = np.einsum(eq, *xs)
    assert type(got) is type(plain)  # a numpy scalar for a 0-d result
    assert np.shape(got) == np.shape(plain) and got.dtype == plain.dtype
    np.testing.assert_allclose(got, np.einsum(eq, *xs, optimize=True), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(got, plain, rtol=1e-12, atol=1e-12)


def test_pair_einsum_plan_falls_back_on_other_operands():
    from lazyray.ops.einsum_numpy import PairEinsum

    fn = PairEinsum.of("ij,jk->ki", ((3, 4), (4, 5)))
    a, b = np.arange(12.0).reshape(3, 4), np.arange(20.0).reshape(4, 5)
    # other shapes than planned (a Function with check_inputs=False) and
    # subclasses go to numpy's einsum
    a2, b2 = np.arange(8.0).reshape(2, 4), np.arange(8.0).reshape(4, 2)
    assert np.array_equal(fn("ij,jk->ki", a2, b2), np.einsum("ij,jk->ki", a2, b2))
    m = np.ma.masked_array(a)
    assert np.array_equal(fn("ij,jk->ki", m, b), np.einsum("ij,jk->ki", a, b))
    assert np.array_equal(fn("ij,jk->ki", a, b), (a @ b).T)


def test_pair_einsum_plan_is_not_used_for_integers_by_default():
    # numpy's plain einsum for integer operands (exact in every order anyway)
    a = lazyray.array(np.arange(2000).reshape(40, 50))
    b = lazyray.array(np.arange(2000).reshape(50, 40))
    node = lazyray.einsum("ij,jk->ik", a, b)
    assert node._fn is not None and type(node._fn).__name__ != "PairEinsum"
    assert np.array_equal(
        node.compute(), np.arange(2000).reshape(40, 50) @ np.arange(2000).reshape(50, 40)
    )


def test_random_pair_einsums_match_numpy():
    # random two-operand equations (contracted, kept, batch, summed and
    # repeated labels, permuted outputs) big enough for the optimized path
    rng = np.random.default_rng(7)
    planned = 0
    for _ in range(150):
        labels = list("abcdefg")
        rng.shuffle(labels)
        size = {c: int(rng.integers(1, 6)) for c in labels}
        if rng.random() < 0.5:  # a pure contraction: one tensordot
            k, fa, fb = (int(n) for n in rng.integers(0, 3, size=3))
            both, free_a, free_b = labels[:k], labels[k : k + fa], labels[k + fa : k + fa + fb]
            ta = "".join(rng.permutation(both + free_a))
            tb = "".join(rng.permutation(both + free_b))
            out = "".join(rng.permutation(free_a + free_b))
        else:
            ta = "".join(rng.choice(labels, size=rng.integers(1, 5)))
            tb = "".join(rng.choice(labels, size=rng.integers(1, 5)))
            pool = sorted(set(ta + tb))
            out = "".join(rng.permutation([c for c in pool if rng.random() < 0.6]))
        eq = f"{ta},{tb}->{out}"
        dtype = rng.choice([np.float64, np.float32, np.complex128])
        xs = [(rng.normal(size=[size[c] * 3 for c in t]) + 0.5).astype(dtype) for t in (ta, tb)]
        node = lazyray.einsum(eq, *map(lazyray.array, xs))
        planned += type(node._fn).__name__ == "PairEinsum"
        got, want = node.compute(), np.einsum(eq, *xs)
        assert np.shape(got) == want.shape and got.dtype == want.dtype, eq
        rtol = 1e-4 if dtype == np.float32 else 1e-11
        np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 100, err_msg=eq)
    assert planned >= 10  # the planned kernel was exercised
