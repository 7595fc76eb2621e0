"""Regressions for defects found by the differential fuzzer (batch b):
split with array indices, float16 norms, linalg dtype rules, bool arange,
and norms of empty matrices.  Each compares against eager numpy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lazyray as lr


def _same(got, want):
    got = lr.compute(list(got)) if isinstance(got, (list, tuple)) else [got.compute()]
    want = list(want) if isinstance(want, (list, tuple)) else [want]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-3)


def _static(lazy, want):
    lazy = lazy if isinstance(lazy, (list, tuple)) else [lazy]
    want = want if isinstance(want, (list, tuple)) else [want]
    assert [(x.shape, x.dtype) for x in lazy] == [(w.shape, w.dtype.name) for w in want]


# 1. split: indices as an array (or anything with a length), sections as a
# numpy integer or a float numpy accepts
@pytest.mark.parametrize(
    "ios",
    [
        np.array([1]),
        np.array([-1, 9, 2]),
        np.array([], dtype=np.int64),
        (1, 3),
        [True],
        np.int8(2),
        np.array(2),
        2.0,
        np.float64(4.0),
    ],
    ids=repr,
)
def test_split_indices_and_sections(ios):
    x = np.arange(12.0).reshape(4, 3)
    _same(lr.split(lr.array(x), ios), np.split(x, ios))
    y = np.arange(4.0).reshape(1, 4)
    _same(lr.split(lr.array(y), ios, axis=1), np.split(y, ios, axis=1))


@pytest.mark.parametrize(
    "ios", [2.5, 0, 0.0, np.int64(0), -1, [1.0], np.array([1.5]), "ab"], ids=repr
)
def test_split_errors_match_numpy(ios):
    x = np.ones((4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception) as np_err:
            np.split(x, ios)
    with pytest.raises(np_err.type):
        lr.split(lr.array(x), ios)


# 2. float16 norms (float16 result; svd-based ords are rejected as numpy does)
@pytest.mark.parametrize(
    "ord_, axis",
    [
        (None, None),
        (1, None),
        (-1, 0),
        (np.inf, None),
        ("fro", None),
        (0, 0),
        (3, 1),
        (2, 0),
        (None, 1),
        (-np.inf, (1, 0)),
    ],
)
def test_norm_float16(ord_, axis):
    x = (np.arange(12).reshape(3, 4) - 5).astype(np.float16)
    _same(lr.linalg.norm(lr.array(x), ord=ord_, axis=axis), np.linalg.norm(x, ord=ord_, axis=axis))


@pytest.mark.parametrize("ord_", [2, -2, "nuc"])
def test_norm_float16_svd_rejected(ord_):
    x = np.ones((3, 4), np.float16)
    with pytest.raises(TypeError):
        np.linalg.norm(x, ord=ord_)
    with pytest.raises(TypeError):
        lr.linalg.norm(lr.array(x), ord=ord_)


# 3. linalg dtype rules: each operand alone (ints/bools -> float64, float16
# rejected), then promoted
_DTYPES = [
    "bool",
    "int8",
    "uint8",
    "int64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
]


@pytest.mark.parametrize("da", _DTYPES)
@pytest.mark.parametrize("db", _DTYPES)
def test_solve_dtype(da, db):
    a = (np.eye(3) * 2 + np.ones((3, 3))).astype(da) if da != "bool" else np.eye(3, dtype=bool)
    b = np.ones((3, 2), db)
    try:
        want = np.linalg.solve(a, b)
    except TypeError:
        with pytest.raises(TypeError):
            lr.linalg.solve(lr.array(a), lr.array(b))
        return
    _same(lr.linalg.solve(lr.array(a), lr.array(b)), want)


@pytest.mark.parametrize("dt", _DTYPES)
@pytest.mark.parametrize(
    "name", ["inv", "det", "eigh", "eigvalsh", "svd", "qr", "cholesky", "pinv", "slogdet"]
)
def test_linalg_unary_dtypes(name, dt):
    a = np.eye(3, dtype=dt)
    try:
        want = getattr(np.linalg, name)(a)
    except TypeError:
        with pytest.raises(TypeError):
            getattr(lr.linalg, name)(lr.array(a))
        return
    _static(getattr(lr.linalg, name)(lr.array(a)), list(want) if isinstance(want, tuple) else want)


# 4. bool arange longer than 2: numpy's TypeError, at trace time
@pytest.mark.parametrize("args", [(0, 5), (0, 3), (3,), (0, 2, 0.5), (5, 0, -1)])
def test_arange_bool_too_long(args):
    with pytest.raises(TypeError):
        np.arange(*args, dtype=bool)
    with pytest.raises(TypeError):
        lr.arange(*args, dtype="bool")


@pytest.mark.parametrize("args", [(0, 2), (1, 3), (0,), (-1, 1), (2, 0, -1)])
def test_arange_bool_short(args):
    _same(lr.arange(*args, dtype="bool"), np.arange(*args, dtype=bool))


# 5. norms ending in a min reduction over an empty axis raise ValueError
@pytest.mark.parametrize(
    "shape, ord_, axis",
    [
        ((4, 0), -1, None),
        ((0, 4), -np.inf, None),
        ((0, 4), -2, None),
        ((0,), -np.inf, None),
        ((4, 0), -np.inf, -1),
        ((2, 0, 3), -1, (0, 1)),
        ((0, 4), -1, (1, 0)),
    ],
)
def test_norm_empty_raises(shape, ord_, axis):
    x = np.ones(shape)
    with pytest.raises(ValueError):
        np.linalg.norm(x, ord=ord_, axis=axis)
    with pytest.raises(ValueError):
        lr.linalg.norm(lr.array(x), ord=ord_, axis=axis)


@pytest.mark.parametrize(
    "shape, ord_, axis",
    [
        ((0, 4), -1, None),
        ((4, 0), 1, None),
        ((4, 0), -np.inf, None),
        ((4, 0), 2, None),
        ((0,), np.inf, None),
        ((4, 0), -1, (1, 0)),
        ((0, 4), -np.inf, 1),
    ],
)
def test_norm_empty_ok(shape, ord_, axis):
    x = np.ones(shape)
    _same(lr.linalg.norm(lr.array(x), ord=ord_, axis=axis), np.linalg.norm(x, ord=ord_, axis=axis))


def test_complex_of_a_numpy_float64_scalar_part():
    """``complex(7, v)`` with ``v`` a 0-d matmul result (numpy returns an
    ``np.float64``, a Python float subclass, so ``1j * v`` was a Python
    complex without a dtype and compute crashed; long campaign seed
    5150000028607)."""
    a, b = np.ones(4, "int64"), np.ones(4)
    v = lr.matmul(lr.array(a), lr.array(b))
    y = lr.complex(7, v)
    got = y.compute()
    ref = 7 + 1j * np.matmul(a, b)
    assert str(y.dtype) == np.asarray(ref).dtype.name == np.asarray(got).dtype.name
    assert got == ref
    x = lr.array(np.array([1.0, np.inf], "float32"))
    for im in (2.0, complex(0.5, 2.0), 2, True):  # weak Python parts
        assert lr.complex(x, im).compute().dtype == np.complex64


def test_folded_outputs_narrowed_to_one_node_each_keep_their_value():
    # two split outputs narrow to one node (both a1[1:1]): each folded leaf
    # gets the value (one came back a data-less placeholder); seed 16800000012399
    data = np.array([[1 + 0j]], dtype="complex64")
    parts = lr.split(lr.array(data), [-2, 1, 1], axis=-2)
    want = np.split(data, [-2, 1, 1], axis=-2)
    for outs in ([2, 3], [3, 2]):
        opt = lr.optimize([parts[i] for i in outs], variables=[])
        assert all(o._data is not None for o in opt)
        _same(opt, [want[i] for i in outs])
    f = lr.Function([], [parts[2], parts[3]], scheduler="threads")
    _same([lr.array(v) for v in f()], [want[2], want[3]])


def test_full_of_an_int_beyond_64_bits_is_refused_as_numpy_refuses():
    # seed 18300000006983: accepted at trace time, numpy raises OverflowError
    with pytest.raises(OverflowError):
        np.full((4, 2), -(2**63) - 1, dtype="bool")
    with pytest.raises(OverflowError, match="full"):
        lr.full((4, 2), -(2**63) - 1, dtype="bool")
    _same(lr.full((2,), 2**64, dtype="float64"), np.full((2,), 2**64, dtype="float64"))
