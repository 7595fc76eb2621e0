"""The short paths of tracing: a reduction over one int axis or all with no
keyword, and ``x[key]`` with a key of ints and slices, build the node at
once.  Each must build what the general path builds (the same kwargs dict,
shape, dtype, sharing) and compute what numpy computes; anything else takes
the general path and its errors."""

import numpy as np
import pytest

import lazyray

REDUCTIONS = ["sum", "prod", "mean", "min", "max", "all", "any", "argmin", "argmax"]


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "int8", "bool", "complex128"])
@pytest.mark.parametrize("axis", [None, 0, 2, -1, -3])
def test_reduction_short_path_is_the_general_node(name, dtype, axis):
    if name in ("argmin", "argmax", "min", "max") and dtype == "complex128":
        pytest.skip("ordering of complex numbers")
    a = (np.arange(24) % 5 - 2).reshape(2, 3, 4).astype(dtype)
    x = lazyray.array(a)
    short = getattr(lazyray, name)(x, axis=axis)
    # a numpy int axis (not an int) goes the general way, to the same node
    general = getattr(lazyray, name)(x, axis=None if axis is None else np.int64(axis))
    assert short.kwargs is general.kwargs or short.kwargs == general.kwargs
    assert (short.shape, short.dtype, short.fn) == (general.shape, general.dtype, general.fn)
    expect = getattr(np, name)(a, axis=axis)
    assert same_bits(short.compute(), expect) and str(short.dtype) == str(expect.dtype)


def test_reduction_short_path_errors_and_sharing():
    x = lazyray.array(np.ones((2, 0, 3)))
    with pytest.raises(ValueError, match="max: zero-size reduction"):
        lazyray.max(x, axis=1)
    assert lazyray.max(x, axis=2).shape == (2, 0)
    with pytest.raises(Exception, match="axis 3 is out of bounds|out of range"):
        lazyray.sum(x, axis=3)
    y = lazyray.array(np.arange(6.0).reshape(2, 3))
    with lazyray.shared_intermediates():
        assert lazyray.sum(y, axis=1) is lazyray.sum(y, axis=-1)
        assert lazyray.sum(y, axis=1) is not lazyray.sum(y, axis=0)


@pytest.mark.parametrize(
    "key",
    [1, -1, slice(1, None), slice(None, None, -2), (0, slice(None)), (slice(1, 3), -1, 2)],
)
def test_getitem_short_path(key):
    a = np.arange(60.0).reshape(3, 4, 5)
    x = lazyray.array(a)
    got = x[key]
    assert got.deps == (x,) and got.args == (x, key)
    assert got.shape == a[key].shape and same_bits(got.compute(), a[key])


def test_getitem_short_path_errors():
    x = lazyray.array(np.ones((3, 4)))
    with pytest.raises(IndexError, match="getitem"):
        x[3, 0]
    with pytest.raises(IndexError, match="getitem"):
        x[0, 0, 0]
    with pytest.raises(ValueError, match="getitem"):
        x[::0]
    with lazyray.shared_intermediates():
        assert x[1, 2:] is x[1, 2:]


@pytest.mark.parametrize("dtype", ["float32", "float16", "int8", "bool", "complex64"])
@pytest.mark.parametrize("shape", [(3, 4), (5,), (2, 0), (), (2, 3, 2)])
def test_norm_short_path(dtype, shape):
    a = (np.arange(int(np.prod(shape))) % 3 - 1).reshape(shape).astype(dtype)
    x = lazyray.array(a)
    short = lazyray.linalg.norm(x)
    if shape:  # the general path: every axis named (a vector or matrix norm)
        general = lazyray.linalg.norm(x.reshape(-1), axis=0)
        assert (short.shape, short.dtype) == (general.shape, general.dtype)
    expect = np.linalg.norm(a)
    assert same_bits(short.compute(), expect) and str(short.dtype) == str(expect.dtype)


@pytest.mark.parametrize("new", [(-1,), (4, 6), (2, 3, 4), (24,), (6, -1), (1, 24, 1)])
def test_reshape_short_path(new):
    a = np.arange(24.0).reshape(2, 12)
    got = lazyray.array(a).reshape(new)
    assert got.shape == a.reshape(new).shape and same_bits(got.compute(), a.reshape(new))


@pytest.mark.parametrize("bad", [(5, 5), (-1, -1), (7, -1), (2.0, 12)])
def test_reshape_short_path_errors(bad):
    x = lazyray.array(np.arange(24.0))
    with pytest.raises((ValueError, TypeError), match="reshape"):
        x.reshape(bad)
