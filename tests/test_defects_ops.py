"""Regression tests for the op defects of issue 10 (F1, F5, F8, F9, F14, F15,
F16) and their neighbours: every case against eager numpy 2 (static shape,
static dtype, values), or the same class of exception at trace time."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lazyray as lr


def check(lazy, ref, exact=True):
    """``lazy`` (a lazy array) agrees with eager ``ref`` on static shape,
    static dtype and computed values (bit for bit unless ``exact`` is False),
    with and without the optimizer."""
    ref = np.asarray(ref)
    assert (lazy.shape, lazy.dtype) == (ref.shape, ref.dtype.name)
    for optimize in (False, True):
        with np.errstate(all="ignore"):
            got = lr.compute(lazy, optimize=optimize)
        got = np.asarray(got)
        assert (got.shape, got.dtype) == (ref.shape, ref.dtype)
        if exact:
            np.testing.assert_array_equal(got, ref)
        else:
            np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-12)


def both(f, *arrays, exact=True):
    """Run ``f(xp, *arrays)`` eagerly and lazily and compare."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = f(np, *arrays)
        out = f(lr, *(lr.array(a) for a in arrays))
        check(out, ref, exact)


def raises_like(f, *arrays):
    """numpy rejects ``f``; lazyray rejects it at trace time with the same
    exception class."""
    with pytest.raises(Exception) as e_np:
        f(np, *arrays)
    with pytest.raises(type(e_np.value)):
        f(lr, *(lr.array(a) for a in arrays))


RNG = np.random.default_rng(0)


# ---------------------------------------------------------------- F1 einsum

A23, B34 = RNG.random((2, 3)), RNG.random((3, 4))


@pytest.mark.parametrize(
    "eq, shapes",
    [
        ("Ba", [(2, 3)]),
        ("aB", [(2, 3)]),
        ("Ab,bc", [(2, 3), (3, 4)]),
        ("ab,bC", [(2, 3), (3, 4)]),
        ("bA,c", [(2, 3), (4,)]),
        ("zAa", [(2, 3, 4)]),
        ("...b,bA", [(5, 2, 3), (3, 4)]),
        ("Z...,aZ", [(3, 5), (2, 3)]),
        ("Baa", [(2, 3, 3)]),
        ("aBa,C", [(3, 2, 3), (4,)]),
        ("Bb,bB", [(2, 3), (3, 2)]),
        ("b a", [(2, 3)]),
    ],
)
def test_f1_einsum_implicit_output_by_character_code(eq, shapes):
    arrays = [RNG.random(s) for s in shapes]
    both(lambda xp, *a: xp.einsum(eq, *a), *arrays, exact=False)


def test_f1_einsum_equation_is_explicit_and_sorted():
    node = lr.einsum("Ba", lr.array(A23))
    assert node._args[0] == "Ba->Ba"
    node = lr.einsum("Ab,bc", lr.array(A23), lr.array(B34))
    assert node._args[0] == "Ab,bc->Ac"
    node = lr.einsum("b...,a", lr.array(np.ones((2, 5))), lr.array(np.ones(3)))
    assert node._args[0] == "b...,a->...ab"


def test_f1_einsum_interleaved_implicit():
    # numpy's sublist ints 0-25 are 'A'-'Z' and 26-51 are 'a'-'z'
    both(lambda xp, a, b: xp.einsum(a, [27, 1], b, [1, 0]), A23, B34, exact=False)
    both(lambda xp, a, b: xp.einsum(a, [0, 30], b, [30, 27]), A23, B34, exact=False)
    both(lambda xp, a: xp.einsum(a, [Ellipsis, 40]), A23, exact=False)


def test_f1_einsum_lowered_graphs_agree():
    # the optimizer lowers einsum (transpose, tensordot/matmul): from the
    # canonical, explicit equation
    a, b = RNG.random((40, 30)), RNG.random((30, 20))
    both(lambda xp, a, b: xp.einsum("Ab,bC", a, b), a, b, exact=False)
    both(lambda xp, a, b: xp.einsum("bA,Cb", a, b), a.T, b.T, exact=False)
    both(lambda xp, a: xp.einsum("Ba", a), a)
    c = RNG.random((20, 10))
    both(lambda xp, a, b, c: xp.einsum("Ab,bc,cD", a, b, c), a, b, c, exact=False)


# ------------------------------------------------- F5 scalars are strong here

X32 = np.array([1.5, -2.0, 3.25], np.float32)
I8 = np.array([1, -2, 3], np.int8)
B = np.array([True, False, True])


@pytest.mark.parametrize("x", [X32, I8, B], ids=["float32", "int8", "bool"])
@pytest.mark.parametrize("scalar", [2.0, 3, True, 1 - 2j, 2**63 + 5], ids=repr)
@pytest.mark.parametrize(
    "name, f",
    [
        ("outer", lambda xp, x, s: xp.outer(x, s)),
        ("outer-left", lambda xp, x, s: xp.outer(s, x)),
        ("kron", lambda xp, x, s: xp.kron(x, s)),
        ("kron-left", lambda xp, x, s: xp.kron(s, x)),
        ("dot", lambda xp, x, s: xp.dot(x, s)),
        ("dot-left", lambda xp, x, s: xp.dot(s, x)),
        ("inner", lambda xp, x, s: xp.inner(x, s)),
        ("tensordot", lambda xp, x, s: xp.tensordot(x, s, 0)),
        ("einsum", lambda xp, x, s: xp.einsum("i,->i", x, s)),
        ("einsum-implicit", lambda xp, x, s: xp.einsum(",i", s, x)),
        ("stack", lambda xp, x, s: xp.stack([x[0], s])),
        ("stack-first", lambda xp, x, s: xp.stack([s, x[1], x[0]])),
        ("concatenate-none", lambda xp, x, s: xp.concatenate([x, s], axis=None)),
        ("concatenate-list", lambda xp, x, s: xp.concatenate([x, [s]])),
        ("matmul-list", lambda xp, x, s: xp.matmul(x, [s, s, s])),
        ("vdot-list", lambda xp, x, s: xp.vdot(x, [s, s, s])),
        # elementwise functions keep Python scalars weak (NEP 50)
        ("where", lambda xp, x, s: xp.where(x != 0, x, s)),
        ("clip", lambda xp, x, s: xp.clip(x, 0, s)),
        ("multiply", lambda xp, x, s: xp.multiply(x, s)),
    ],
)
def test_f5_python_scalars(name, f, x, scalar):
    if name in ("where", "clip") and scalar == 2**63 + 5:
        pytest.skip("numpy's clip of out-of-range Python ints is value-dependent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ref = f(np, x, scalar)
        except Exception as e:  # numpy rejects it: so must lazyray, at trace time
            with pytest.raises(type(e)):
                f(lr, lr.array(x), scalar)
            return
        check(f(lr, lr.array(x), scalar), ref, exact=False)


def test_f5_reproducers():
    x32 = lr.array(X32)
    assert lr.outer(x32, 2.0).dtype == "float64"
    assert lr.kron(lr.array(I8), 3).dtype == "int64"
    assert lr.stack([lr.array(np.float32(1.5)), 1.0]).dtype == "float64"
    assert lr.stack([lr.array(np.float32(1.5)), 1j]).dtype == "complex128"


def test_f5_scalar_beyond_64_bits_is_refused():
    # numpy makes an object array of it: an unsupported dtype, refused at trace time
    assert np.stack([np.float32(1), 2**70]).dtype == object
    for f in (
        lambda: lr.stack([lr.array(X32[0]), 2**70]),
        lambda: lr.outer(lr.array(X32), 2**70),
        lambda: lr.einsum("i,", lr.array(X32), 2**70),
    ):
        with pytest.raises(TypeError, match="stack|outer|einsum"):
            f()


# ------------------------------------------------------ F8 / F16 take, index


def test_f8_take_empty_list():
    x = np.arange(3.0)
    both(lambda xp, x: xp.take(x, []), x)
    both(lambda xp, x: xp.take(x, [[]], axis=0), x)
    both(lambda xp, x: xp.take(x, ()), x)
    both(lambda xp, x: x[[]], x)
    both(lambda xp, x: x[[[]]], x)
    both(lambda xp, x: x[([],)], x)
    both(lambda xp, x: xp.take_along_axis(x, np.array([], np.intp), axis=0), x)


def test_f8_take_converts_like_numpy():
    # numpy's take casts its indices to intp: Python floats and bools too
    x = np.arange(4.0)
    both(lambda xp, x: xp.take(x, [1.0, 2.7]), x)
    both(lambda xp, x: xp.take(x, 2.5), x)
    both(lambda xp, x: xp.take(x, True), x)
    both(lambda xp, x: xp.take(x, [True, False]), x)
    both(lambda xp, x: xp.take(x, np.array([True, False])), x)
    both(lambda xp, x: xp.take(x, np.array([3], np.uint8)), x)
    both(lambda xp, x: xp.take(x, np.int8(-1)), x)
    both(lambda xp, x, i: xp.take(x, i), x, np.array([True, True, False]))


@pytest.mark.parametrize(
    "f",
    [
        lambda xp, x: x[np.array([])],
        lambda xp, x: x[np.array([], np.float32), ...],
        lambda xp, x: x[np.array([1.0])],
        lambda xp, x: xp.take(x, np.array([])),
        lambda xp, x: xp.take(x, np.array([1.0])),
        lambda xp, x: xp.take(x, np.array(1.0)),
        lambda xp, x: xp.take_along_axis(x, np.array([]), axis=0),
        lambda xp, x: xp.take_along_axis(x, np.array([True]), axis=0),
        lambda xp, x: xp.take_along_axis(x, np.array([1.0]), axis=0),
        lambda xp, x: xp.take(x, [5]),
        lambda xp, x: xp.take(x, [[0], [-4]], axis=0),
    ],
)
def test_f16_bad_indices_rejected_at_trace(f):
    raises_like(f, np.arange(3.0))


def test_f16_take_lazy_float_indices_rejected():
    x = lr.array(np.arange(3.0))
    with pytest.raises(TypeError, match="take"):
        lr.take(x, lr.array(np.array([1.0])))


@pytest.mark.parametrize(
    "shape, indices, axis",
    [
        ((0, 3), [3], -1),  # numpy loops over no outer rows: no bounds check
        ((0, 3), [3], 1),
        ((0, 0), [1], 1),
        ((0, 0), [], 1),
        ((2, 3), [], 1),
        ((2, 0), [0], 0),
        ((0, 3), [], None),
        ((2, 0, 2), [1], 0),
    ],
)
def test_f16_take_empty(shape, indices, axis):
    both(lambda xp, x: xp.take(x, indices, axis=axis), np.zeros(shape))


@pytest.mark.parametrize(
    "shape, indices, axis",
    [
        ((0, 3), [3], 0),  # non-empty take from an empty axis
        ((3, 0), [1], 1),
        ((0, 3), [3], None),
        ((2, 0), [5], 0),
        ((2, 0, 0), [0], 1),  # an empty output, but the rows are looped over
    ],
)
def test_f16_take_empty_rejected(shape, indices, axis):
    raises_like(lambda xp, x: xp.take(x, indices, axis=axis), np.zeros(shape))


@pytest.mark.parametrize(
    "shape, indices, axis",
    [
        ((0, 3), np.full((1, 1), 5), 1),  # an empty fancy index reads nothing
        ((0, 3), np.full((0, 1), 5), 1),
        ((2, 3), np.full((2, 0), 5), 1),
        ((3,), np.zeros(0, int), None),
    ],
)
def test_f16_take_along_axis_empty(shape, indices, axis):
    both(lambda xp, x: xp.take_along_axis(x, indices, axis=axis), np.zeros(shape))


@pytest.mark.parametrize(
    "shape, indices, axis",
    [
        ((2, 0), np.full((2, 1), 5), 1),
        ((0,), np.array([5]), None),
        ((2, 3), np.array([[5]], np.uint8), 1),
    ],
)
def test_f16_take_along_axis_rejected(shape, indices, axis):
    raises_like(lambda xp, x: xp.take_along_axis(x, indices, axis=axis), np.zeros(shape))


def test_f16_empty_integer_negative_power():
    both(lambda xp, x: x**-1, np.zeros((0, 2), int))
    both(lambda xp, x: xp.power(x, -2), np.zeros((2, 0), np.int8))
    both(lambda xp, x, y: xp.power(x, -1) + y, np.zeros((0, 1), int), np.zeros((3,), int))
    raises_like(lambda xp, x: x**-1, np.zeros((2,), int))
    raises_like(lambda xp, x: xp.power(x, -1), np.zeros((1, 1), np.uint8))


# ------------------------------------------------------------- F9 linspace

Z2 = np.zeros(2)


@pytest.mark.parametrize(
    "args, kwargs",
    [
        ((Z2, 1, 5), {}),
        ((0, np.ones((2, 1)), 3), {}),
        ((np.arange(3.0), np.ones((2, 1)), 4), {"axis": -1}),
        ((np.arange(3.0), np.ones((2, 1)), 4), {"axis": 1}),
        ((np.arange(3.0), 10.0, 4), {"endpoint": False}),
        ((np.arange(3.0), 10.0, 1), {}),
        ((np.arange(3.0), 10.0, 0), {"axis": -1}),
        ((np.arange(3, dtype=np.float32), 10, 6), {}),
        ((np.float32(1), 10, 6), {}),
        ((np.int8(1), 10, 6), {}),
        ((0, 1 + 1j, 3), {}),
        ((0, 5, 7), {"dtype": "int64"}),
        (([0, 1], [[4], [7]], 5), {"dtype": np.int8, "axis": 2}),
        ((0, 1), {"num": 4, "endpoint": False}),
        ((0.0, 1.0, 5), {}),
        ((0, 1, 3), {"dtype": "float32"}),
    ],
)
def test_f9_linspace(args, kwargs):
    both(lambda xp: xp.linspace(*args, **kwargs))


@pytest.mark.parametrize("num, endpoint", [(5, True), (5, False), (1, True), (0, True)])
@pytest.mark.parametrize("start", [0.5, np.arange(3.0)], ids=["scalar", "array"])
def test_f9_linspace_retstep(num, endpoint, start):
    with np.errstate(all="ignore"):
        ref, ref_step = np.linspace(start, 4.0, num, endpoint=endpoint, retstep=True)
    out, step = lr.linspace(start, 4.0, num, endpoint=endpoint, retstep=True)
    check(out, ref)
    ref_step = np.asarray(ref_step)
    assert (step.shape, step.dtype) == (ref_step.shape, ref_step.dtype.name)
    np.testing.assert_array_equal(np.asarray(step.compute()), ref_step)


def test_f9_linspace_lazy_endpoints():
    a, b = np.arange(3.0), np.array([[1.0], [5.0]])
    both(lambda xp, a, b: xp.linspace(a, b, 4, axis=-1), a, b)
    v = lr.Variable((3,), dtype="float32")
    out = lr.linspace(v, 1.0, 5)
    assert (out.shape, out.dtype) == ((5, 3), "float32")
    assert out.deps == (v,)


@pytest.mark.parametrize(
    "f",
    [
        lambda xp: xp.linspace(Z2, np.ones(3), 4),
        lambda xp: xp.linspace(Z2, 1, 4, axis=2),
        lambda xp: xp.linspace(0, 1, 2.5),
        lambda xp: xp.linspace(0, 1, -1),
    ],
)
def test_f9_linspace_rejected(f):
    with pytest.raises(Exception) as e:
        f(np)
    with pytest.raises(
        type(e.value) if type(e.value) is not np.exceptions.AxisError else ValueError
    ):
        f(lr)


# ----------------------------------------------------------- F14 ** operator

SPECIAL_C = np.array(
    [complex(np.inf, 0), complex(np.inf, np.inf), complex(0, np.inf), complex(np.nan, 1)]
    + [complex(-np.inf, 0), -0.0, 2 + 1j, complex(0, -np.inf)]
)
SPECIAL_F = np.array([np.inf, -np.inf, np.nan, -0.0, 0.0, 2.5, -3.0])


def _data(dtype):
    if dtype == "bool":
        return np.array([True, False])
    if dtype.startswith(("int", "uint")):
        return np.array([1, 2, 3], dtype)
    if dtype.startswith("float"):
        return SPECIAL_F.astype(dtype)
    return SPECIAL_C.astype(dtype)


DTYPES = "bool int8 uint8 int64 float16 float32 float64 complex64 complex128".split()
EXPONENTS = [2, -1, 0.5, 2.0, -1.0, 1, 3, np.float64(0.5), np.int64(2), True]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("e", EXPONENTS, ids=lambda e: f"{type(e).__name__}({e})")
def test_f14_pow_operator_and_power(dtype, e):
    x = _data(dtype)
    with np.errstate(all="ignore"):
        try:
            ref = x**e
        except (ValueError, OverflowError) as err:
            with pytest.raises(type(err)):
                lr.array(x) ** e
            return
        ref_power = np.power(x, e)
    # the ** operator takes numpy's fast paths (square, reciprocal, sqrt)
    check(lr.array(x) ** e, ref)
    # np.power / lr.power never does
    check(lr.power(lr.array(x), e), ref_power)
    # reflected: no fast path
    with np.errstate(all="ignore"):
        ref_r = e**x if not isinstance(e, bool) else np.power(e, x)
    check(e ** lr.array(x) if not isinstance(e, bool) else lr.power(e, lr.array(x)), ref_r)


def test_f14_reproducers():
    assert (lr.array(np.array([True])) ** 2).dtype == "int8"
    x = lr.array(SPECIAL_C)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal((x**0.5).compute(), SPECIAL_C**0.5)
        np.testing.assert_array_equal((x**-1).compute(), SPECIAL_C**-1)


# ------------------------------------------------------------- F15 arange

ARANGE_CASES = [
    (np.int8(5),),
    (0, 1, np.float32(0.1)),
    (2**62, 2**63 + 5, 2**60),
    (np.int8(-100), np.int8(100)),
    (np.uint8(3), np.uint8(1), -1),
    (True,),
    (np.bool_(True),),
    (np.float16(3),),
    (np.uint64(3),),
    (np.uint8(3),),
    (np.int32(7),),
    (np.array(3),),
    (np.array(3, np.int8),),
    (3j,),
    (0, 3 + 2j, 1),
    (0, 1e-320, 1e300),
    (0, -1e-320, 1e300),
    (0.1, 0.5, 0.1),
    (1, 1.3, 0.1),
    (1, 2, 0.1),
    (0.0, 1.0, 0.25),
    (5, 1, -2),
    (5, 1),
    (5,),
    (-3,),
    (1, 10, 3),
    (0, 1, None),
    (3, None),
    (np.float32(0.5), 3),
    (0, np.float32(2.5), 0.5),
    (np.complex64(1 + 1j),),
    (2**63 - 3, 2**63 - 1),
    (-(2**63), -(2**63) + 3),
    (1.5, 4, np.int8(1)),
]


@pytest.mark.parametrize("args", ARANGE_CASES, ids=repr)
@pytest.mark.parametrize("dtype", [None, "float32", "int16", "complex128"])
def test_f15_arange(args, dtype):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ref = np.arange(*args, dtype=dtype)
        except Exception as e:
            with pytest.raises(type(e)):
                lr.arange(*args, dtype=dtype)
            return
        out = lr.arange(*args, dtype=dtype)
        assert (out.shape, out.dtype) == (ref.shape, ref.dtype.name)
        np.testing.assert_array_equal(out.compute(), ref)


@pytest.mark.parametrize(
    "args",
    [(0, 5, 0), (0, 5, 0.0), (0, np.inf), (0, np.nan), (2**64,), (0, 10, 1e-300), ("a",)],
    ids=repr,
)
def test_f15_arange_rejected(args):
    with pytest.raises(Exception) as e:
        np.arange(*args)
    expected = (ValueError, TypeError) if type(e.value) is ZeroDivisionError else type(e.value)
    with pytest.raises(expected, match="arange"):
        lr.arange(*args)


def test_f15_arange_dtype_many():
    """The dtype rule equals numpy's for every pair of start/stop kinds."""
    values = [
        3,
        True,
        2.0,
        2**63 + 1,
        np.int8(2),
        np.uint8(2),
        np.int64(2),
        np.uint64(2),
        np.float16(2),
        np.float32(2),
        np.float64(2),
        np.bool_(True),
    ]
    for a in values:
        for b in values:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    ref = np.arange(a, b)
                except Exception as e:
                    with pytest.raises(type(e)):
                        lr.arange(a, b)
                    continue
            out = lr.arange(a, b)
            assert (out.shape, out.dtype) == (ref.shape, ref.dtype.name), (a, b)


def test_f15_arange_random_against_numpy():
    """A seeded sample of start/stop/step kinds and values, with and without
    ``dtype``: static length and dtype, values, and errors, as numpy's."""
    rnd = np.random.default_rng(15)
    kinds = [int, float, bool, complex, np.int8, np.uint8, np.int32, np.int64, np.uint64]
    kinds += [np.float16, np.float32, np.float64, np.complex64]
    values = [0, 1, -1, 3, -7, 10, 0.5, 0.1, 2.5, -0.3, 100, 1e-3, 2**62, 2**63, 1e-310]
    done = 0
    while done < 600:
        args = []
        for _ in range(rnd.integers(1, 4)):
            kind, v = kinds[rnd.integers(len(kinds))], values[rnd.integers(len(values))]
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    args.append(kind(v) if kind is not bool else bool(rnd.integers(2)))
                except OverflowError:
                    break
        dtype = [None, None, "float32", "int16", "uint8", "complex128"][rnd.integers(6)]
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                out = lr.arange(*args, dtype=dtype)
            except Exception as e:
                out = e
            if isinstance(out, lr.LazyArray) and out.shape[0] > 10**5:
                continue  # numpy would allocate it
            try:
                ref = np.arange(*args, dtype=dtype)
            except ZeroDivisionError:
                assert isinstance(out, ValueError), (args, dtype)
            except MemoryError:
                continue
            except Exception as e:
                if "too big" in str(e):  # an allocation limit, not a rule
                    continue
                assert type(out) is type(e), (args, dtype, e, out)
            else:
                assert isinstance(out, lr.LazyArray), (args, dtype, out)
                assert (out.shape, out.dtype) == (ref.shape, ref.dtype.name), (args, dtype)
                np.testing.assert_array_equal(out.compute(), ref)
        done += 1


@pytest.mark.parametrize("fill", [3, 2**63 + 5, -(2**63), 2.5, True, 1j, np.float32(1), np.int8(3)])
def test_f5_full_dtype_is_numpys_array_of_the_fill(fill):
    both(lambda xp: xp.full((2, 1), fill))


def test_f5_full_beyond_64_bits_is_refused():
    assert np.full(2, 2**70).dtype == object
    with pytest.raises(TypeError, match="full"):
        lr.full(2, 2**70)


def test_f14_other_backends_keep_their_operator():
    torch = pytest.importorskip("torch")
    b = lr.array(torch.tensor([True, False]))
    out = b**2  # torch's ``**`` is pow: int64, where numpy's square gives int8
    assert (out.fn_name, out.dtype) == ("power", "int64")
    assert out.compute().dtype == torch.int64
