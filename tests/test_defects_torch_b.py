"""Regressions of the torch path found by the differential fuzzer (second
batch): a graph traced on numpy and run with torch tensors gives numpy's
shape, dtype and values, or numpy's error at trace time.

Each case of :data:`CASES` is ``(name, leaves, lazy_fn, numpy_fn)``: the
leaves are numpy arrays, made ``Variable`` s for the ``Function`` and given
as tensors.  Values are compared with nan and infinite positions exact
(complex numbers part by part) and finite values within a few ulps.
"""

from __future__ import annotations

import numpy as np
import pytest

import lazyray as lr

nan, inf = np.nan, np.inf

U8 = np.array([1, 5, 200], "uint8")
I8 = np.array([[-4, 0, 3, 1]], "int8")
F64 = np.array([nan, 1.434, -0.894])
M2 = np.array(
    [[[-2.124, 2.137 - 2j], [-3.054 + 2j, 3.611 + 3j]], [[-0.789 + 2.096j, -3 + 3.8j], [0.5, 1j]]]
)
B2 = np.array([[1.0 + 0j, 1.0], [2.0, -1j]])
M3 = np.array(
    [
        [[3.2, -3, -1.7], [-1, -0.6, 3], [0.8, -2.3, -1]],
        [[0.7, 1, 3.1], [2, -0.4, 0.2], [0, -3, 2.6]],
    ]
)
C_INF = np.array(
    [
        [-3 - 3.086j, 0.688 - 1j, -1.921j, complex(-inf, 2)],
        [-1.373j, complex(-inf, 2), complex(-inf, -0.0), 1],
    ]
)
C_DIFF = np.array(
    [
        [0.715 - 2j, -1 + 2.841j, complex(-2, inf)],
        [-1 - 0.929j, complex(0.172, inf), complex(0.842, -0.0)],
    ]
)
C_ZERO = np.array([-0.996 + 0.985j, 0j, complex(-0.0, -0.0), complex(inf, 0)], "complex64")
F16_CUM = np.array(  # seed 9601000038035
    [[0.564, -3.1], [-3.0, -0.221], [-3.0, 2.0], [-0.978, 1.499], [-0.072, -3.291]]
    + [[2.0, 2.18], [-1.805, -1.068], [-2.0, -1.933], [-1.0, 3.998], [-3.275, -0.852]],
    "float16",
)
C_CUM = np.array([complex(-1.89, -inf), -3, -0.025 + 1.376j, 1.771j], "complex64")
F16 = np.array([[1.0, 200.0, -300.0, 5.0], [3.0, 4.0, 1.0, 2.0]], "float16")
X211 = np.array([[[1.0]], [[2.0]]], "float16")
X2345 = np.arange(120.0).reshape(2, 3, 4, 5)


def _searchsorted_cases():
    out = []
    for v in (-1, -129, 300, 2**63):
        for side in ("left", "right"):
            out.append(
                (
                    f"searchsorted uint8 {v} {side}",
                    [U8],
                    lambda a, v=v, side=side: lr.searchsorted(
                        a, v, side=side, sorter=lr.argsort(a)
                    ),
                    lambda a, v=v, side=side: np.searchsorted(
                        a, v, side=side, sorter=np.argsort(a)
                    ),
                )
            )
    sorter = np.array([0, 1, 2])
    for side in ("left", "right"):
        # numpy's binary search on a sequence its sorter does not sort
        out.append(
            (
                f"searchsorted unsorted nan {side}",
                [F64],
                lambda a, side=side: lr.searchsorted(a, 2, side=side, sorter=sorter),
                lambda a, side=side: np.searchsorted(a, 2, side=side, sorter=sorter),
            )
        )
        out.append(
            (
                f"searchsorted unsorted ints {side}",
                [np.array([5, 1, 3, 2, 9]), np.array([0, 2, 4, 10, 3])],
                lambda a, v, side=side: lr.searchsorted(a, v, side=side),
                lambda a, v, side=side: np.searchsorted(a, v, side=side),
            )
        )
    return out


def _getitem_cases():
    keys = [
        (1, None, [0, -1], slice(-2, 3, 1)),  # seed 5150000009116
        (1, slice(None), [0, 1]),
        (np.array(1), slice(None), [0, 1]),
        (None, [0, 1], None, 1),
        (slice(None), slice(None, None, -1), [[1], [0]], Ellipsis, -2),  # empty ... between
        (slice(None, None, -1), [1, 0], slice(None), [2, 3]),
        (Ellipsis, [0, 2], None, [1, 1]),
        ([1, 0], 2, slice(None, None, -2)),
    ]
    out = [
        ("getitem seed 5150000009116", [X211], lambda x: x[keys[0]], lambda x: x[keys[0]]),
    ]
    out += [(f"getitem {k!r}", [X2345], lambda x, k=k: x[k], lambda x, k=k: x[k]) for k in keys[1:]]
    return out


def _cases():
    return [
        *_searchsorted_cases(),
        *_getitem_cases(),
        (
            "complex uint8 with a uint64 Python int",
            [np.array(1, "uint8")],
            lambda a: lr.complex(a, 2**63),
            lambda a: a + 1j * 2**63,
        ),
        (
            "uint64 constant beyond int64",
            [np.array([1, 2], "uint64")],
            lambda a: a + np.asarray(2**63),
            lambda a: a + np.asarray(2**63),
        ),
        ("solve stack, matrix b", [M2, B2], lr.linalg.solve, np.linalg.solve),
        (
            "solve stack, matrix b 3x3",
            [M3[:1].repeat(3, 0) + np.eye(3), M3[0]],
            lr.linalg.solve,
            np.linalg.solve,
        ),
        (
            "solve then concatenate",
            [M2, B2.astype("complex64")],
            lambda a, b: lr.concatenate([lr.linalg.solve(a, b), a], axis=0),
            lambda a, b: np.concatenate([np.linalg.solve(a, b), a], axis=0),
        ),
        ("solve vector b", [M2, B2[0]], lr.linalg.solve, np.linalg.solve),
        (
            "power complex int exponents",
            [C_INF, np.array([[3], [-4]])],
            lr.power,
            np.power,
        ),
        (
            "power complex64 int8 exponent",
            [
                np.array([[-1.559 - 1.095j, complex(-inf, -1)], [1 - 3j, 2j]], "complex64"),
                np.array(-3, "int8"),
            ],
            lambda a, b: a**b,
            lambda a, b: a**b,
        ),
        (
            "power complex whole exponents",
            [C_INF, np.array([[2.0, 1, -1, 0.5]])],
            lr.power,
            np.power,
        ),
        (
            "arctan of diff, infinite parts",
            [C_DIFF],
            lambda a: lr.arctan(lr.diff(a, append=True)),
            lambda a: np.arctan(np.diff(a, append=True)),
        ),
        (
            "diff complex infinite parts",
            [C_DIFF],
            lambda a: lr.diff(a, n=2),
            lambda a: np.diff(a, n=2),
        ),
        ("add complex infinite parts", [C_DIFF, C_DIFF[:, ::-1].copy()], lr.add, np.add),
        (
            "subtract complex infinite parts",
            [C_DIFF, C_DIFF[:, ::-1].copy()],
            lr.subtract,
            np.subtract,
        ),
        ("subtract scalar complex", [C_DIFF], lambda a: 1 - a, lambda a: 1 - a),
        (
            "var float16 squares overflow",
            [I8, np.array(4, "int8")],
            lambda a, b: lr.var(lr.cumprod(lr.hypot(a, b), axis=-1), axis=1),
            lambda a, b: np.var(np.cumprod(np.hypot(a, b), axis=-1), axis=1),
        ),
        ("var float16", [F16], lambda a: lr.var(a, axis=0), lambda a: np.var(a, axis=0)),
        (
            "std float16 ddof",
            [F16],
            lambda a: lr.std(a, axis=1, ddof=1),
            lambda a: np.std(a, axis=1, ddof=1),
        ),
        ("mean float16", [F16], lambda a: lr.mean(a, axis=1), lambda a: np.mean(a, axis=1)),
        # seed 7300000004483: torch's cumprod starts from 1 * x[0]
        (
            "cumulative_prod complex infinite part",
            [C_CUM],
            lambda a: lr.cumulative_prod(a, axis=0),
            lambda a: np.cumulative_prod(a, axis=0),
        ),
        ("cumprod complex", [C_CUM], lambda a: lr.cumprod(a), lambda a: np.cumprod(a)),
        # the 100k campaign of seed 9601: torch accumulates half precision in
        # float32 (numpy rounds every step), its reciprocal(0j) is inf+nanj,
        # complex() cast a weak 2**31 to float16, isclose kept a bool b weak
        ("cumprod float16", [F16_CUM], lambda a: lr.cumprod(a), lambda a: np.cumprod(a)),
        (
            "cumsum float16",
            [F16_CUM],
            lambda a: lr.cumsum(a * 3, axis=0),
            lambda a: np.cumsum(a * 3, 0),
        ),
        ("cumsum complex inf", [C_CUM], lambda a: lr.cumsum(a), lambda a: np.cumsum(a)),
        ("reciprocal complex zero", [C_ZERO], lr.reciprocal, np.reciprocal),
        (
            "arctan of reciprocal of zero",
            [C_ZERO],
            lambda a: lr.arctan(lr.reciprocal(a)),
            lambda a: np.arctan(np.reciprocal(a)),
        ),
        (
            "complex weak int beside float16",
            [np.array([[-1.297]], "float16")],
            lambda a: lr.complex(2147483648, a),
            lambda a: 2147483648 + 1j * a,
        ),
        (  # seed 9601000084438: an integer sum divided in float32
            "mean integer dtype",
            [np.array([[2.0**40 + 1, 3.0, 2.0**40 + 7]])],
            lambda a: lr.mean(a, axis=1, dtype="int64"),
            lambda a: np.mean(a, axis=1, dtype="int64"),
        ),
        (  # seed 9702000017209: torch's complex x - y has nan parts
            "allclose complex huge b",
            [np.array(1 + 0j, "complex64")],
            lambda a: lr.allclose(a, 1e300, atol=1.0, equal_nan=True),
            lambda a: np.bool_(np.allclose(a, 1e300, atol=1.0, equal_nan=True)),
        ),
        (  # seed 20240610000000452: a complex part with torch's conjugate bit
            "complex of conjugated part",
            [np.array([1.0], "float32")],
            lambda a: lr.complex(True, lr.fft.ihfft(a, n=2, axis=0)),
            lambda a: True + 1j * np.fft.ihfft(a, n=2, axis=0),
        ),
        (  # seed 96000000002165: numpy's real x ** 0.5 is sqrt(x), torch's pow(-inf, .5) is inf
            "power by a scalar half",
            [np.array([-1.0, -2.0, -inf, inf, -0.0, 2.0], "float32")],
            lambda a: a ** np.float16(0.5),
            lambda a: a ** np.float16(0.5),
        ),
        (
            "isclose bool b",
            [np.array([[0], [1], [2]], "uint8")],
            lambda a: lr.isclose(a, True, atol=1.0),
            lambda a: np.isclose(a, True, atol=1.0),
        ),
    ]


CASES = _cases()


def traced(case):
    """``(numpy's result, the Function, the leaves)`` of a case, the static
    shape and dtype of its graph checked against numpy's."""
    _, leaves, lazy_fn, np_fn = case
    ref = np.asarray(np_fn(*[x.copy() for x in leaves]))
    xs = [lr.Variable(x.shape, dtype=str(x.dtype)) for x in leaves]
    y = lazy_fn(*xs)
    assert tuple(y.shape) == ref.shape and str(y.dtype) == ref.dtype.name
    return ref, lr.Function(xs, [y]), leaves


def _same(got, ref):
    assert got.shape == ref.shape, (got.shape, ref.shape)
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    if ref.dtype.kind == "c":
        _same(got.real.copy(), ref.real.copy())
        _same(got.imag.copy(), ref.imag.copy())
    elif ref.dtype.kind == "f":
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
        np.testing.assert_array_equal(np.isposinf(got), np.isposinf(ref))
        np.testing.assert_array_equal(np.isneginf(got), np.isneginf(ref))
        fin = np.isfinite(ref)
        tol = 4 * np.finfo(ref.dtype).eps
        np.testing.assert_allclose(
            got[fin], ref[fin], rtol=tol, atol=tol * max(1, np.abs(ref[fin]).max(initial=0))
        )
    else:
        np.testing.assert_array_equal(got, ref)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_torch_matches_numpy(case):
    torch = pytest.importorskip("torch")
    ref, f, leaves = traced(case)
    _same(np.asarray(f(*[x.copy() for x in leaves])[0]), ref)  # numpy itself
    got = f(*[torch.from_numpy(x.copy()) for x in leaves])[0]
    _same(got.resolve_conj().resolve_neg().numpy(), ref)


@pytest.mark.parametrize("op", ["logical_or", "logical_and", "logical_xor"])
@pytest.mark.parametrize("value", [-(2**63) - 1, 2**63, 2**64])
@pytest.mark.parametrize("dtype", ["float32", "uint64", "bool"])
def test_logical_ops_refuse_ints_beyond_c_long(op, value, dtype):
    """numpy's logical ops convert a Python int to a C long whatever the other
    operand: beyond int64 they raise OverflowError, and so does tracing
    (seed 7007000005605)."""
    a = np.ones(2, dtype)
    with pytest.raises(OverflowError):
        getattr(np, op)(value, a)
    x = lr.Variable((2,), dtype=dtype)
    for args in ((value, x), (x, value)):
        with pytest.raises(OverflowError, match=op):
            getattr(lr, op)(*args)
    assert getattr(lr, op)(-(2**63), x).dtype == "bool"  # (fits a C long)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_other_ops_keep_ints_beyond_int64_on_torch():
    torch = pytest.importorskip("torch")
    a = np.array([1.0, 2.0], "float32")
    x = lr.Variable((2,), dtype="float32")
    for v in (2**64, -(2**63) - 1):
        ys = [lr.add(x, v), lr.equal(x, v), lr.maximum(v, x)]
        refs = [np.add(a, v), np.equal(a, v), np.maximum(v, a)]
        for got, ref in zip(lr.Function([x], ys)(torch.from_numpy(a)), refs):
            _same(got.numpy(), ref)
