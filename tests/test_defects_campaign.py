"""Trace-time refusals found by the long fuzz campaign (seed 9601): where
numpy raises on values lazyray knows while tracing, lazyray raises too, with
the op's name; where numpy accepts, lazyray gives numpy's shape, dtype and
values."""

from __future__ import annotations

import numpy as np
import pytest

import lazyray as lr

I16 = np.array([1, 2, -3], "int16")
B = np.array([True, False])


@pytest.mark.parametrize(
    "base, exponent",
    [
        (I16, np.int8(-1)),  # seed 9601000012079
        (B, np.int8(-1)),  # bool ** int8: an int8 result
        (I16, np.array([1, -1, 2], "int64")),
        (I16, np.array(-2, "int8")),
    ],
)
def test_integer_to_negative_integer_power_refused(base, exponent):
    with pytest.raises(ValueError, match="Integers to negative integer powers"):
        base**exponent  # numpy's own error
    with pytest.raises(ValueError, match="power: integers to negative integer powers"):
        lr.array(base) ** exponent


@pytest.mark.parametrize(
    "base, exponent",
    [
        (I16, np.int8(2)),
        (I16.astype("float32"), np.int8(-1)),  # a float result: fine
        (np.zeros((0,), "int16"), np.int8(-1)),  # nothing to compute: fine
        (I16, np.array([1, 0, 2])),
    ],
)
def test_power_numpy_accepts(base, exponent):
    want = base**exponent
    got = lr.array(base) ** exponent
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got.compute(), want)


@pytest.mark.parametrize("start", [-(2**63) - 1, 2**64])
def test_linspace_endpoint_beyond_64_bits_refused(start):
    with pytest.raises(TypeError):
        np.linspace(start, 3.0, 0)  # numpy: an object array it cannot subtract
    with pytest.raises(TypeError, match="linspace"):
        lr.linspace(start, 3.0, 0, endpoint=False, dtype="bool")  # seed 9601000011060


@pytest.mark.parametrize("start", [2**63, 2**64 - 1, -(2**63)])
def test_linspace_endpoint_within_64_bits(start):
    want = np.linspace(start, 3.0, 4)
    got = lr.linspace(start, 3.0, 4)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got.compute(), want)


@pytest.mark.parametrize("dtype", ["bool", "int8", "float32", "complex64"])
@pytest.mark.parametrize("shape", [(0, 4), (3, 0), (2, 0, 3), (0, 2, 3)])
def test_pinv_of_empty_keeps_dtype(dtype, shape):  # seed 9702000025745
    a = np.zeros(shape, dtype)
    want = np.linalg.pinv(a)
    got = lr.linalg.pinv(lr.array(a))
    assert got.shape == want.shape and got.dtype == want.dtype
    assert got.compute().dtype == want.dtype


def test_linspace_huge_int_beside_an_array_endpoint():  # seed 9702000012910
    want = np.linspace(np.array(-3, "int64"), -(2**63) - 1, 2)
    got = lr.linspace(np.array(-3, "int64"), -(2**63) - 1, 2)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_array_equal(got.compute(), want)
