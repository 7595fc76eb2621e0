"""Regression tests for defects found by the differential fuzzer (batch a):
einsum, allclose, clip, conj, weak Python ints, complex; numpy is the oracle."""

import numpy as np
import pytest

import lazyray as lr
from lazyray.ops.elementwise_general import conj_method


def same(got, expected):
    got = lr.compute([got])[0] if isinstance(got, lr.LazyArray) else got
    assert np.shape(got) == np.shape(expected)
    assert np.asarray(got).dtype == np.asarray(expected).dtype
    np.testing.assert_array_equal(got, expected)


def test_einsum_three_bool_operands_as_plain_numpy():
    a, b, c = np.array([[True]]), np.array([True, True]), np.array([1])
    got = lr.einsum("Ca,D,C->C", lr.array(a), lr.array(b), lr.array(c))
    assert got.dtype == "int64"
    same(got, np.einsum("Ca,D,C->C", a, b, c))  # [2]


def test_einsum_mixed_dtypes_keeps_complex128_precision():
    # numpy's optimize=True is off by ~2.5e-9 here (float32 precision)
    a = np.array([0.1, 0.2, 0.3], "float32")
    b = np.array([[1 + 1j]] * 3, "complex64")
    c = np.array([[1 / 3]])
    got = lr.einsum("B,Bi,ii", lr.array(a), lr.array(b), lr.array(c))
    expected = np.einsum("B,Bi,ii", a, b, c)
    assert got.dtype == "complex128"
    out = got.compute()
    assert type(out) is type(expected)  # a numpy scalar, as plain einsum
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, rtol=1e-13)


def test_einsum_float16_three_operands():
    # numpy's optimize=True gives +inf here, plain einsum -inf
    a = np.array([2.0, -6.0e4], "float16")
    b = np.array([[-300.0, 2.0], [0.5, 2.0]], "float16")
    c = np.array([[300.0, 300.0], [-2.0, -2.0]], "float16")
    with np.errstate(all="ignore"):
        expected = np.einsum("B,Bi,ii", a, b, c)
        same(lr.einsum("B,Bi,ii", lr.array(a), lr.array(b), lr.array(c)), expected)


def test_einsum_optimize_argument():
    a = np.arange(6.0).reshape(2, 3)
    got = lr.einsum("ij,jk,kl->il", lr.array(a), lr.array(a.T), lr.array(a), optimize=True)
    np.testing.assert_allclose(got.compute(), np.einsum("ij,jk,kl->il", a, a.T, a))
    assert type(lr.einsum("i,i,i", *[lr.array(np.ones(3))] * 3).compute()) is np.float64


def test_allclose_is_a_0d_bool_array():
    x = lr.array(np.array([1.0, 2.0]))
    v = lr.allclose(x, x)
    out = v.compute()
    assert isinstance(out, np.bool_) and out
    same(lr.astype(v, "uint8"), np.asarray(np.allclose(1.0, 1.0)).astype("uint8"))
    same(v[None], np.array([True]))
    assert lr.real(v).dtype == "bool"
    same(lr.real(v), np.real(np.bool_(True)))
    same(lr.imag(v), np.imag(np.bool_(True)))


def test_clip_without_bounds_is_a_copy():
    for a in (np.arange(3, dtype="int8"), np.float16(2.0), np.array([[1.5, -2.0]])):
        same(lr.clip(lr.array(a), None, None), np.clip(a, None, None))
    with pytest.raises(TypeError):  # numpy: no 'positive' loop for bool
        np.clip(np.array([True]), None, None)
    with pytest.raises(TypeError):
        lr.clip(lr.array(np.array([True])), None, None)


def test_conj_method_keeps_bool():
    a = np.array([True, False])
    x = lr.array(a)
    same(conj_method(x), a.conj())
    same(lr.conj(x), np.conj(a))  # the ufunc: int8
    z = np.array([1 + 2j])
    same(conj_method(lr.array(z)), z.conj())


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.where(np.array([True]), np.array([1], "int8"), -(2**63) - 1),
        lambda m: m.clip(np.array([True]), -2, np.array([1], "uint8")),
        lambda m: m.where(np.array([True]), np.array([1], "uint8"), 2**64),
    ],
)
def test_out_of_range_python_ints_raise_at_trace(make):
    class L:  # lazyray with the first array operand lazy
        @staticmethod
        def where(c, x, y):
            return lr.where(lr.array(c), x, y)

        @staticmethod
        def clip(a, lo, hi):
            return lr.clip(lr.array(a), lo, hi)

    with pytest.raises(Exception) as np_err:
        make(np)
    with pytest.raises(type(np_err.value)):
        make(L)


def test_in_range_python_ints_still_accepted():
    c, x = np.array([True, False]), np.array([1, 2], "int8")
    same(lr.where(lr.array(c), x, 100), np.where(c, x, 100))
    z = np.array([1.0])
    same(lr.allclose(-(2**63) - 1, lr.array(z)), np.bool_(np.allclose(-(2**63) - 1, z)))
    same(lr.where(lr.array(c), np.array([1.0, 2.0]), 2**64), np.where(c, [1.0, 2.0], 2**64))


def test_complex_dtype_and_infinite_parts():
    from tests.fuzz import npref

    f = np.ones(2, "float32")
    got = lr.complex(lr.array(f), np.float64(3.0))
    expected = npref.complex(f, np.float64(3.0))
    assert got.dtype == expected.dtype.name == "complex64"
    same(got, expected)
    got = lr.complex(lr.array(f), np.inf)
    same(got, npref.complex(f, np.inf))
    assert np.all(got.compute().real == 1.0)
    got = lr.complex(lr.array(f), np.complex128(1j))
    expected = npref.complex(f, np.complex128(1j))
    assert got.dtype == expected.dtype.name
    same(got, expected)


def test_identity_einsums_on_different_operands_stay_apart():
    # the default passes once lowered ``einsum("i->i", a)`` to ``a`` itself,
    # and a walk then memoized the first operand for every such einsum
    a0, a3 = lr.array(np.array([1.0])), lr.array(np.array([3.0]))
    got = lr.compute([lr.einsum("i->i", a0), lr.einsum("i->i", a3)], optimize=True)
    np.testing.assert_array_equal(got[0], [1.0])
    np.testing.assert_array_equal(got[1], [3.0])
    x, y = lr.Variable((2,)), lr.Variable((2,))
    f = lr.Function(
        [x, y], [lr.einsum("i->i", x), lr.einsum("i->i", y), lr.einsum("ij->ij", x[None])]
    )
    out = f(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_array_equal(out[0], [1.0, 2.0])
    np.testing.assert_array_equal(out[1], [3.0, 4.0])
    np.testing.assert_array_equal(out[2], [[1.0, 2.0]])


@pytest.mark.parametrize("fn", ["logical_and", "logical_or", "logical_xor", "arctan2", "equal"])
@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 300, -1])
def test_python_int_beside_an_integer_array_with_a_non_integer_result(fn, value):
    # the fuzzer's last find: logical_and(int64, 2**63) traced, numpy raises
    for arr in (np.array([1, 2]), np.array([1, 2], dtype="uint8")):
        try:
            ref = getattr(np, fn)(arr, value)
        except Exception as e:  # noqa: BLE001 - the same class at trace time
            with pytest.raises(type(e)):
                getattr(lr, fn)(lr.array(arr), value)
            continue
        out = getattr(lr, fn)(lr.array(arr), value)
        assert out.dtype == ref.dtype
        np.testing.assert_array_equal(out.compute(), ref)
