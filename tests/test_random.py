"""``lazyray.random``: samples drawn now with numpy's global generator, as
leaves; checked against numpy's own draws from the same seed."""

from __future__ import annotations

import autoray as ar
import numpy as np
import pytest

import lazyray


@pytest.mark.parametrize(
    "name, params",
    [("uniform", ()), ("uniform", (-2.0, 3.0)), ("normal", ()), ("normal", (1.5, 0.25))],
)
@pytest.mark.parametrize("size", [None, 3, (2, 4), (0, 3)])
def test_draws_are_numpys(name, params, size):
    np.random.seed(7)
    ref = getattr(np.random, name)(*params, size=size)
    np.random.seed(7)
    x = getattr(lazyray.random, name)(*params, size=size)
    assert isinstance(x, lazyray.LazyArray) and x.fn_name == "array"
    assert x.shape == np.shape(ref) and str(x.dtype) == "float64"
    assert np.array_equal(lazyray.compute(x), ref)


@pytest.mark.parametrize("dtype", ["float32", np.float32, np.dtype("float16"), "float64"])
def test_dtype_casts_the_sample(dtype):
    np.random.seed(3)
    ref = np.random.uniform(size=(4, 2)).astype(dtype)
    np.random.seed(3)
    x = lazyray.random.uniform(size=(4, 2), dtype=dtype)
    assert str(x.dtype) == np.dtype(dtype).name
    got = lazyray.compute(x)
    assert got.dtype == ref.dtype and np.array_equal(got, ref)


def test_through_autoray_do():
    np.random.seed(11)
    ref = np.random.normal(size=(3, 2)).astype("float32")
    np.random.seed(11)
    dtype = ar.to_backend_dtype("float32", like="lazyray")
    x = ar.do("random.normal", size=(3, 2), dtype=dtype, like="lazyray")
    assert ar.infer_backend(x) == "lazyray" and ar.get_dtype_name(x) == "float32"
    assert np.array_equal(lazyray.compute(x), ref)


def test_parameters_broadcast_as_numpys():
    low = np.array([0.0, 10.0, 100.0])
    np.random.seed(5)
    ref = np.random.uniform(low, low + 1, size=(2, 3))
    np.random.seed(5)
    x = lazyray.random.uniform(low, low + 1, size=(2, 3))
    assert np.array_equal(lazyray.compute(x), ref)
    with pytest.raises(ValueError):  # numpy's own error: shapes that do not broadcast
        lazyray.random.uniform(low, low + 1, size=(2, 2))


@pytest.mark.parametrize("dtype", ["int64", "bool", "complex128"])
def test_non_real_floating_dtype_is_refused(dtype):
    with pytest.raises(TypeError, match=r"random\.uniform: dtype must be a real floating"):
        lazyray.random.uniform(size=2, dtype=dtype)


def test_lazy_parameters_are_refused():
    loc = lazyray.Variable((2,))
    with pytest.raises(TypeError, match=r"random\.normal: .* not lazy arrays"):
        lazyray.random.normal(loc, 1.0)


def test_a_graph_keeps_its_sample():
    np.random.seed(1)
    x = lazyray.random.uniform(size=5)
    y = (x * 2).sum()
    first = lazyray.compute(y)
    np.random.seed(99)  # drawing again elsewhere does not change the graph
    np.random.uniform(size=5)
    assert lazyray.compute(x * 2).sum() == first
