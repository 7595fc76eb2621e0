"""Regressions of the torch path (issue 10): a graph traced on numpy and run
with torch tensors gives numpy's shape, dtype and values.

Each case is ``(name, leaves, lazy_fn, numpy_fn)``: the leaves are numpy
arrays, made ``Variable`` s for the ``Function`` and given as tensors.
"""

from __future__ import annotations

import numpy as np
import pytest

import lazyray as lr
from test_defects_torch_b import traced

try:
    import torch
except ImportError:  # (its cases are importable without torch: test_defects_jax)
    torch = None
pytestmark = pytest.mark.skipif(torch is None, reason="torch is not installed")

F16 = np.array([1.5, -2.0, 0.25], "float16")
I8 = np.array([1, -2, 3], "int8")
U8 = np.array([0, 1, 200], "uint8")
I64 = np.array([2, -3, 4], "int64")
F32 = np.array([0.5, np.nan, -1.0], "float32")
F64 = np.array([0.1, -0.0, 2.5], "float64")
C64 = np.array([1 + 2j, 1 - 1j, -3 + 0j], "complex64")
B = np.array([True, False, True])
M4 = np.arange(16.0).reshape(4, 4)


def _cases():
    return [
        ("sqrt int8 is float16", [I8], lr.sqrt, np.sqrt),
        ("reciprocal int8", [I8], lr.reciprocal, np.reciprocal),
        ("add float16 int64", [F16, I64], lr.add, np.add),
        (
            "greater uint8 int64 scalar",
            [U8],
            lambda x: x > np.int64(-2),
            lambda x: x > np.int64(-2),
        ),
        ("less than weak negative int", [U8], lambda x: lr.less(x, -2), lambda x: np.less(x, -2)),
        ("maximum scalar first", [F32], lambda x: lr.maximum(2.0, x), lambda x: np.maximum(2.0, x)),
        ("maximum complex", [C64, C64[::-1].copy()], lr.maximum, np.maximum),
        ("less complex", [C64, C64[::-1].copy()], lr.less, np.less),
        (
            "logical_and scalar",
            [I8],
            lambda x: lr.logical_and(x, 7),
            lambda x: np.logical_and(x, 7),
        ),
        ("hypot int", [I8, I8], lr.hypot, np.hypot),
        ("sign nan", [F32], lr.sign, np.sign),
        ("angle -0.0", [F64], lr.angle, np.angle),
        ("floor_divide by zero", [I8, np.zeros(3, "int8")], lr.floor_divide, np.floor_divide),
        ("where int8 cond", [I8, F16, I64], lr.where, np.where),
        (
            "where scalar",
            [B, F32],
            lambda c, x: lr.where(c, x, 2.0),
            lambda c, x: np.where(c, x, 2.0),
        ),
        (
            "clip float16 int bound",
            [F16],
            lambda x: lr.clip(x, -1, None),
            lambda x: np.clip(x, -1, None),
        ),
        ("clip complex", [C64], lambda x: lr.clip(x, 0, 1 + 1j), lambda x: np.clip(x, 0, 1 + 1j)),
        (
            "clip int8 bound on uint8",
            [U8],
            lambda x: x.clip(2, np.int8(-2)),
            lambda x: x.clip(2, np.int8(-2)).astype("uint8"),
        ),
        (
            "allclose mixed",
            [F16, I64],
            lambda a, b: lr.allclose(a, b, atol=1.0),
            lambda a, b: np.bool_(np.allclose(a, b, atol=1.0)),
        ),
        (
            "allclose scalar",
            [F32],
            lambda a: lr.allclose(a, 0.5),
            lambda a: np.bool_(np.allclose(a, 0.5)),
        ),
        (
            "isclose scalar first",
            [F32],
            lambda a: lr.isclose(-2.0, a),
            lambda a: np.isclose(-2.0, a),
        ),
        ("sort complex", [C64], lr.sort, np.sort),
        ("argmax complex", [C64], lambda x: lr.argmax(x, axis=0), lambda x: np.argmax(x, axis=0)),
        ("max complex", [C64], lr.max, np.max),
        ("mean int8", [I8], lr.mean, np.mean),
        ("var float16", [F16], lr.var, np.var),
        ("std bool ddof", [B], lambda x: x.std(ddof=1), lambda x: x.std(ddof=1)),
        ("prod uint8", [U8], lr.prod, np.prod),
        ("tril 1-d", [F64], lambda x: lr.tril(x, k=1), lambda x: np.tril(x, k=1)),
        ("triu 1-d", [I8], lr.triu, np.triu),
        ("trace offset", [M4], lambda x: lr.trace(x, offset=2), lambda x: np.trace(x, offset=2)),
        ("trace bool", [np.eye(3, dtype=bool)], lr.trace, np.trace),
        ("take axis None", [M4], lambda x: lr.take(x, [3, -1]), lambda x: np.take(x, [3, -1])),
        ("take negative", [M4], lambda x: lr.take(x, -1, axis=1), lambda x: np.take(x, -1, axis=1)),
        (
            "stack python scalar",
            [I8],
            lambda x: lr.stack([x, 2.0 + 0 * x]),
            lambda x: np.stack([x, 2.0 + 0 * x]),
        ),
        (
            "stack bool scalar",
            [I8[:1]],
            lambda x: lr.stack([x[0], False]),
            lambda x: np.stack([x[0], False]),
        ),
        (
            "concatenate mixed",
            [F16, I64],
            lambda a, b: lr.concat([a, b]),
            lambda a, b: np.concatenate([a, b]),
        ),
        ("negative step slice", [M4], lambda x: x[-1:0:-2, ::-1], lambda x: x[-1:0:-2, ::-1]),
        (
            "uint8 index array",
            [F64],
            lambda x: x[np.array([0, 2], "uint8")],
            lambda x: x[np.array([0, 2], "uint8")],
        ),
        (
            "linspace array ends",
            [F32[::2].copy(), F64],
            lambda a, b: lr.linspace(a[0] * 0, b, 3, axis=-1),
            lambda a, b: np.linspace(a[0] * 0, b, 3, axis=-1),
        ),
        (
            "linspace no endpoint",
            [F64],
            lambda b: lr.linspace(0, b, 4, endpoint=False),
            lambda b: np.linspace(0, b, 4, endpoint=False),
        ),
        ("outer scalar", [F16], lambda x: lr.outer(x, 1.5), lambda x: np.outer(x, 1.5)),
        ("dot scalar", [F16], lambda x: lr.dot(x, -2.0), lambda x: np.dot(x, -2.0)),
        ("kron scalar first", [F32], lambda x: lr.kron(2, x), lambda x: np.kron(2, x)),
        ("matmul bool", [np.eye(2, dtype=bool)], lambda x: x @ x, lambda x: x @ x),
        (
            "einsum bool",
            [np.ones((2, 2, 2), bool)],
            lambda x: lr.einsum("jjj->", x),
            lambda x: np.einsum("jjj->", x),
        ),
        ("complex big scalar", [I64], lambda x: lr.complex(1e300, x), lambda x: 1e300 + 1j * x),
        (
            "complex float16 uint8",
            [F16],
            lambda x: lr.complex(x, np.uint8(1)),
            lambda x: x + 1j * np.uint8(1),
        ),
        (
            "count_nonzero keepdims",
            [M4],
            lambda x: lr.count_nonzero(x, axis=(0,), keepdims=True),
            lambda x: np.count_nonzero(x, axis=(0,), keepdims=True),
        ),
    ]


I22 = np.array([[2, 1], [1, 3]], "int64")
B22 = np.array([[True, False], [True, True]])
F16_22 = np.array([[2.0, 1.0], [1.0, 3.0]], "float16")
C_NAN = np.array(
    [[complex(-np.inf, np.nan), complex(0.5, 1.0)], [complex(0.2, -np.inf), 3j]], "complex128"
)
F_INF = np.array([[np.inf, 1.0], [2.0, 3.0]])
C_SIGN = np.array(
    [complex(np.inf, -1), complex(0.1, -0.0), complex(np.inf, np.inf), complex(1, -np.inf)]
    + [complex(np.nan, 1), complex(np.inf, np.nan), 0j, 3 - 4j],
    "complex128",
)
C_POW = np.array([0j, complex(-3, 1.9), 2 + 3j, 1j, 1 + 0j, -1 + 0j], "complex128")


def _linalg_cases():
    """Second round (issue 10): linalg of integer, boolean and float16
    input, mixed operands, unique of complex numbers, and the value
    conventions numpy has where torch's kernels differ."""
    la = lr.linalg
    return [
        ("solve int", [I22, I22[0].copy()], la.solve, np.linalg.solve),
        ("solve float32 int64", [I22.astype("float32"), I22], la.solve, np.linalg.solve),
        ("eigvals bool", [B22], la.eigvals, lambda x: np.linalg.eigvals(x).astype("complex128")),
        ("eigvalsh int", [I22], la.eigvalsh, np.linalg.eigvalsh),
        ("norm float16", [F16_22], la.norm, np.linalg.norm),
        ("pinv bool", [B22], la.pinv, np.linalg.pinv),
        ("det int", [I22], la.det, np.linalg.det),
        ("inv int", [I22], la.inv, np.linalg.inv),
        ("slogdet bool", [B22], lambda x: la.slogdet(x)[1], lambda x: np.linalg.slogdet(x)[1]),
        ("svd int S", [I22], lambda x: la.svd(x)[1], lambda x: np.linalg.svd(x)[1]),
        ("qr bool |R|", [B22], lambda x: abs(la.qr(x)[1]), lambda x: abs(np.linalg.qr(x)[1])),
        ("matrix_power int -1", [I22], lambda x: la.matrix_power(x, -1), _mp_inv),
        (
            "matrix_power int16 2 then -1",
            [I22.astype("int16")],
            lambda x: la.matrix_power(x, 2) + la.matrix_power(x, -1),
            lambda x: np.linalg.matrix_power(x, 2) + _mp_inv(x),
        ),
        ("norm int", [I22], la.norm, np.linalg.norm),
        ("norm int ord 2", [I22], lambda x: la.norm(x, 2), lambda x: np.linalg.norm(x, 2)),
        ("norm 2 inf entry", [F_INF], lambda x: la.norm(x, 2), lambda x: np.linalg.norm(x, 2)),
        ("norm 2 complex inf", [C_NAN], lambda x: la.norm(x, 2), lambda x: np.linalg.norm(x, 2)),
        (
            "norm complex nan part",
            [C_NAN],
            lambda x: la.norm(x, 2, axis=0),
            lambda x: np.linalg.norm(x, 2, axis=0),
        ),
        ("norm fro complex nan part", [C_NAN], lambda x: la.norm(x, "fro"), _fro),
        ("vector_norm bool", [B], la.vector_norm, np.linalg.vector_norm),
        ("svdvals int", [I22], la.svdvals, np.linalg.svdvals),
        ("matrix_rank bool", [B22], la.matrix_rank, np.linalg.matrix_rank),
        (
            "vector_norm inf empty",
            [np.empty((0, 3), bool)],
            lambda x: la.vector_norm(x, ord=np.inf, axis=0),
            lambda x: np.linalg.vector_norm(x, ord=np.inf, axis=0),
        ),
        (
            "unique_counts complex",
            [C64],
            lambda x: lr.unique_counts(x, size=3).values,
            lambda x: np.unique_counts(x).values,
        ),
        (
            "unique_inverse complex",
            [np.concatenate([C64, C64])],
            lambda x: lr.unique_inverse(x, size=3).inverse_indices,
            lambda x: np.unique_inverse(x).inverse_indices,
        ),
        (
            "var complex tuple axis",
            [C64.reshape(1, 3)],
            lambda x: lr.var(x, axis=(-1, 0)),
            lambda x: np.var(x, axis=(-1, 0)),
        ),
        ("std of round bool", [B], lambda x: lr.std(lr.round(x)), lambda x: np.std(np.round(x))),
        ("angle int", [I64], lr.angle, np.angle),
        ("sign complex infinities", [C_SIGN], lr.sign, np.sign),
        ("power int8 complex", [I8[:2].reshape(2, 1) * 0, C_POW], lr.power, np.power),
        ("clip uint8 low bound below", [U8], lambda x: lr.clip(x, -2, None), _clip_low),
        ("clip uint8 high bound above", [U8], lambda x: lr.clip(x, 1, 300), _clip_high),
        (
            "isclose bound overflows complex64",
            [np.array([1 + 0j, 2j], "complex64")],
            lambda x: lr.isclose(x, 1e300, rtol=0.1),
            lambda x: np.isclose(x, 1e300, rtol=0.1),
        ),
        ("left_shift numpy scalar first", [I64], lambda x: np.int8(-2) << x, _shift),
    ]


def _mp_inv(x):
    return np.linalg.matrix_power(x, -1)


def _fro(x):
    return np.linalg.norm(x, "fro")


def _clip_low(x):
    return np.clip(x, -2, None)


def _clip_high(x):
    return np.clip(x, 1, 300)


def _shift(x):
    return np.int8(-2) << x


CASES = _cases() + _linalg_cases()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_torch_matches_numpy(case):
    ref, f, leaves = traced(case)
    got = f(*[torch.from_numpy(x.copy()) for x in leaves])[0]
    got = got.resolve_conj().numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    assert got.shape == ref.shape
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    if ref.dtype.kind in "fc":
        tol = 1e-3 if ref.dtype.itemsize <= 4 else 1e-12  # (atol: pinv's roundoff zeros)
        np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)
    else:
        np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("scalar", [0.0, 0, 1.5])
def test_where_scalar_kinds_keep_their_plans(scalar):
    """numpy_typed's plans are keyed by the Python scalar's type too:
    ``False == 0 == 0.0`` as dict keys, yet ``where(c, 0.0, c)`` is float64
    and ``where(c, False, c)`` bool."""
    c = lr.Variable((3,), dtype="bool")
    for other in (scalar, False):
        y = lr.where(c, other, c)
        got = lr.Function([c], [y])(torch.from_numpy(B.copy()))[0]
        ref = np.where(B, other, B)
        assert str(y.dtype) == ref.dtype.name
        assert got.numpy().dtype == ref.dtype
        np.testing.assert_array_equal(got.numpy(), ref)


def test_folded_uint64_scalar_constant():
    c = lr.array(np.array(1, "uint8")).sum(axis=0)  # numpy's sum of uint8: np.uint64
    x = lr.Variable((2,), dtype="float32")
    y = x + c
    got = lr.Function([x], [y])(torch.from_numpy(F32[:2].copy()))[0]
    np.testing.assert_array_equal(got.numpy(), F32[:2] + np.uint64(1))
    assert got.numpy().dtype == (F32[:2] + np.uint64(1)).dtype


def test_std_var_with_ddof_at_least_n_divide_by_zero_as_numpy():
    """numpy divides by ``max(n - ddof, 0)``: ``inf`` where torch gives ``nan``
    (long campaign seed 5150000004579)."""
    a = np.array([[2.0, 0.0], [1 + 1j, 1.5]])  # (torch: nan for the first row)
    x = lr.Variable((2, 2), dtype="complex128")
    for fn in ("std", "var"):
        y = getattr(lr, fn)(x, axis=1, ddof=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = getattr(np, fn)(a, axis=1, ddof=2)
        got = lr.Function([x], [y])(torch.from_numpy(a))[0].numpy()
        assert got.dtype == ref.dtype and str(y.dtype) == ref.dtype.name
        np.testing.assert_array_equal(got, ref)


def test_python_bool_operand_resolves_numpys_loop():
    """A Python bool is numpy's bool in ``resolve_dtypes``: ``logaddexp(int64,
    True)`` runs in float64, not in torch's default float32 (seed
    5150000008275)."""
    a = np.array([-1, 1, -1])
    x = lr.Variable((3,), dtype="int64")
    got = lr.Function([x], [lr.logaddexp(x, True)])(torch.from_numpy(a))[0].numpy()
    ref = np.logaddexp(a, True)
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_of_a_complex_part_is_numpys_with_infinities(dtype):
    """``complex(re, im)`` with a complex ``im`` is numpy's ``re + 1j * im``
    bit for bit, infinities included: torch's complex add scales its second
    operand by ``1 + 0j``, which made ``inf + nan j`` a nan (fuzz seed
    9967000016729: ``sum(complex(False, -0 - inf j), dtype="float32")``)."""
    special = [0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan]
    im = np.array([complex(a, b) for a in special for b in special], dtype=dtype)
    v = lr.Variable(im.shape, dtype=dtype)
    f = lr.Function([v], [lr.complex(False, v), lr.complex(v[::-1], v)])
    with np.errstate(all="ignore"):
        want = [np.add(False, np.multiply(1j, im)), np.add(im[::-1], np.multiply(1j, im))]
    for got, ref in zip(f(torch.from_numpy(im)), want):
        ints = np.int32 if dtype == "complex64" else np.int64
        g, r = got.numpy().view(ints), ref.view(ints)
        nan = np.isnan(got.numpy().view(ref.real.dtype)) & np.isnan(ref.view(ref.real.dtype))
        assert ((g == r) | nan).all()


@pytest.mark.parametrize(
    ("re", "im"),
    [
        (-(2**63) - 1, np.array(True)),
        (2**64 + 5, np.array([1.5, -2.0], dtype="float32")),
        (-(2**63) - 1, np.array([1 + 1j], dtype="complex64")),
        (2**53 + 1, np.array([0.0])),
        (2**70, np.array([np.inf], dtype="float16")),
    ],
)
def test_complex_of_a_python_int_beyond_int64(re, im):
    """A Python int part beyond int64 becomes a float as numpy converts it
    (it crashed: torch has no integer tensor for it; fuzz seed
    9967000021912: ``complex(-2**63 - 1, bool)``)."""
    with np.errstate(all="ignore"):
        want = np.add(re, np.multiply(1j, im))  # numpy's dtype (and value: im complex)
    if not np.iscomplexobj(im):  # real parts are kept exactly (1j * inf is nan + inf j)
        want = np.empty(want.shape, want.dtype)
        want.real, want.imag = re, im
    v = lr.Variable(im.shape, dtype=str(im.dtype))
    got = lr.Function([v], [lr.complex(re, v)])(torch.from_numpy(im))[0].numpy()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(
    ("data", "axis"),
    [(np.array(1e300), None), (np.array([[1e300], [2.0]]), 1), (np.array([[1e300, -1e-200]]), 0)],
)
def test_vector_norm_of_one_element_overflows_as_numpy(data, axis):
    """numpy's 2-norm is ``sqrt(sum(conj(x) x))``, inf past 1e154 even for
    one element, where torch returns ``|x|`` (fuzz seed 9970000010962)."""
    v = lr.Variable(data.shape, dtype=str(data.dtype))
    got = lr.Function([v], [lr.linalg.vector_norm(v, axis=axis)])(torch.from_numpy(data))[0]
    with np.errstate(all="ignore"):
        want = np.linalg.vector_norm(data, axis=axis)
    np.testing.assert_array_equal(got.numpy(), want)
