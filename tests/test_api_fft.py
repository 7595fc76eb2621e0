"""The Array API 2024.12 ``fft`` extension against eager numpy 2.

Each record calls ``lazyray.fft.<name>`` and ``numpy.fft.<name>`` on the
same data: the static shape and dtype (before computing) and the values must
agree (numpy 2's dtypes: ``float32``/``complex64`` stay single precision).
Bad inputs raise at trace time.  The same calls are traced on torch and jax
arrays (strict mode) and retargeted through a ``Function``.
"""

from __future__ import annotations

import pickle
import warnings

import autoray
import numpy as np
import pytest

import lazyray
from lazyray import LazyArray

# numpy's own fftn(s=...) without axes (the reference of "fftn-s-only")
pytestmark = pytest.mark.filterwarnings("ignore:`axes` should not be `None`:DeprecationWarning")

RNG = np.random.default_rng(7)


def rand(shape, dtype="float64"):
    x = RNG.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    if np.dtype(dtype).kind in "iub":
        x = RNG.integers(0, 3, shape)
    return x.astype(dtype)


C = rand((3, 4, 6), "complex128")
C64 = rand((3, 4, 6), "complex64")
R = rand((3, 4, 6))
R32 = rand((3, 4, 6), "float32")

#: (id, function name, input, kwargs)
CASES = [
    ("fft", "fft", C, {}),
    ("fft-n-axis-ortho", "fft", C64, {"n": 5, "axis": 1, "norm": "ortho"}),
    ("fft-pad", "fft", C, {"n": 9, "axis": 0, "norm": "forward"}),
    ("fft-real32", "fft", R32, {}),
    ("fft-int", "fft", rand((5,), "int64"), {}),
    ("fft-f16", "fft", rand((4,), "float16"), {}),
    ("ifft", "ifft", C64, {"axis": -2}),
    ("rfft", "rfft", R32, {"n": 7}),
    ("rfft-axis0", "rfft", R, {"axis": 0, "norm": "ortho"}),
    ("irfft", "irfft", C, {}),
    ("irfft-n-axis", "irfft", C64, {"n": 5, "axis": 0}),
    ("irfft-real", "irfft", R32, {}),
    ("hfft", "hfft", C, {"n": 5}),
    ("hfft-default", "hfft", C64, {"axis": 1, "norm": "forward"}),
    ("ihfft", "ihfft", R32, {}),
    ("ihfft-n", "ihfft", R, {"n": 3, "axis": 0}),
    ("fftn", "fftn", C, {}),
    ("fftn-s-axes", "fftn", C64, {"s": (2, 7), "axes": (0, 2)}),
    ("fftn-s-minus1", "fftn", C, {"s": (-1, 3), "axes": (2, 1), "norm": "ortho"}),
    ("fftn-s-only", "fftn", C, {"s": (3, 3)}),
    ("ifftn", "ifftn", C64, {"axes": (1,)}),
    ("rfftn", "rfftn", R32, {}),
    ("rfftn-s-axes", "rfftn", R, {"s": (5, 3), "axes": (2, 0)}),
    ("irfftn", "irfftn", C, {}),
    ("irfftn-s-axes", "irfftn", C64, {"s": (4, 5), "axes": (0, 1), "norm": "forward"}),
    ("irfftn-axes", "irfftn", C, {"axes": (-1, 0)}),
    ("fftshift", "fftshift", R32, {}),
    ("fftshift-axes", "fftshift", C, {"axes": (0, 2)}),
    ("fftshift-axis", "fftshift", R, {"axes": -1}),
    ("ifftshift", "ifftshift", rand((5, 3), "int64"), {"axes": (0,)}),
    ("ifftshift-all", "ifftshift", rand((5, 3), "bool"), {}),
]


@pytest.mark.parametrize("cid, name, x, kwargs", CASES, ids=[c[0] for c in CASES])
def test_against_numpy(cid, name, x, kwargs):
    ref = getattr(np.fft, name)(x, **kwargs)
    out = getattr(lazyray.fft, name)(lazyray.array(x), **kwargs)
    assert type(out) is LazyArray
    assert (out.shape, out.dtype) == (ref.shape, ref.dtype.name), cid  # before computing
    with lazyray.strict():
        got = out.compute()
    assert got.dtype == ref.dtype and got.shape == ref.shape
    assert np.array_equal(got, ref)  # numpy's own call: bit-identical


@pytest.mark.parametrize("name", ["fftfreq", "rfftfreq"])
@pytest.mark.parametrize("n", [1, 2, 7, 8])
@pytest.mark.parametrize("d, dtype", [(1.0, None), (0.25, "float32"), (3, "float64")])
def test_freq(name, n, d, dtype):
    kwargs = {"d": d} if dtype is None else {"d": d, "dtype": dtype}
    out = getattr(lazyray.fft, name)(n, **kwargs)
    ref = getattr(np.fft, name)(n, d=d).astype(dtype or "float64")
    assert (out.shape, out.dtype) == (ref.shape, ref.dtype.name)
    got = out.compute()
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


def test_through_function_autoray_and_pickle():
    x = lazyray.Variable((4, 6), dtype="complex64")
    y = lazyray.fft.fftshift(lazyray.fft.fftn(x, axes=(1,)) * lazyray.fft.fftfreq(6), axes=1)
    z = autoray.do("fft.irfft", x, n=10)
    f = lazyray.Function([x], [y, z])
    a = rand((4, 6), "complex64")
    ref_y = np.fft.fftshift(np.fft.fftn(a, axes=(1,)) * np.fft.fftfreq(6), axes=1)
    got_y, got_z = f(a)
    assert got_y.dtype == ref_y.dtype == y.dtype
    np.testing.assert_allclose(got_y, ref_y, rtol=1e-6)
    np.testing.assert_allclose(got_z, np.fft.irfft(a, n=10), rtol=1e-6)
    g = pickle.loads(pickle.dumps(f))
    np.testing.assert_allclose(g(a)[1], got_z)
    assert "fft.fftn" in lazyray.fft.__name__ + ".fftn" and z.shape == (4, 10)


def test_module_names():
    assert sorted(lazyray.fft.__all__) == sorted(
        "fft ifft fftn ifftn rfft irfft rfftn irfftn hfft ihfft fftfreq rfftfreq "
        "fftshift ifftshift".split()
    )


# ------------------------------------------------------------ bad inputs


def V(shape, dtype="complex128"):  # noqa: N802
    return lazyray.Variable(shape, dtype=dtype)


BAD = [
    ("n0", lambda: lazyray.fft.fft(V((4,)), n=0), ValueError, "data points"),
    ("n-float", lambda: lazyray.fft.fft(V((4,)), n=2.5), TypeError, "integer"),
    ("axis", lambda: lazyray.fft.ifft(V((4,)), axis=1), ValueError, "axis"),
    ("0d", lambda: lazyray.fft.fft(V(())), ValueError, "axis"),
    ("empty", lambda: lazyray.fft.fft(V((0, 3)), axis=0), ValueError, "data points"),
    ("norm", lambda: lazyray.fft.fft(V((4,)), norm="Ortho"), ValueError, "norm"),
    ("rfft-complex", lambda: lazyray.fft.rfft(V((4,))), TypeError, "real"),
    ("ihfft-complex", lambda: lazyray.fft.ihfft(V((4,))), TypeError, "real"),
    ("rfftn-complex", lambda: lazyray.fft.rfftn(V((4, 4))), TypeError, "real"),
    ("irfft-1", lambda: lazyray.fft.irfft(V((3, 1))), ValueError, "data points"),
    ("hfft-1", lambda: lazyray.fft.hfft(V((1,))), ValueError, "data points"),
    ("s-len", lambda: lazyray.fft.fftn(V((3, 4)), s=(2,), axes=(0, 1)), ValueError, "lengths"),
    ("s-0", lambda: lazyray.fft.fftn(V((3, 4)), s=(0, 2), axes=(0, 1)), ValueError, "points"),
    ("s-too-long", lambda: lazyray.fft.fftn(V((3,)), s=(2, 2)), ValueError, "fftn"),
    ("axes-dup", lambda: lazyray.fft.ifftn(V((3, 4)), axes=(0, 0)), ValueError, "repeated"),
    ("axes-empty", lambda: lazyray.fft.fftn(V((3, 4)), axes=()), ValueError, "axis"),
    ("axes-range", lambda: lazyray.fft.rfftn(V((3, 4), "float32"), axes=(2,)), ValueError, "axis"),
    ("irfftn-1", lambda: lazyray.fft.irfftn(V((3, 1))), ValueError, "data points"),
    ("freq-0", lambda: lazyray.fft.fftfreq(0), ValueError, "data points"),
    ("freq-dtype", lambda: lazyray.fft.rfftfreq(4, dtype="int64"), TypeError, "floating"),
    ("freq-d", lambda: lazyray.fft.fftfreq(4, d="x"), TypeError, "real number"),
    ("shift-axis", lambda: lazyray.fft.fftshift(V((3,)), axes=(1,)), ValueError, "axis"),
]


@pytest.mark.parametrize("bid, fn, exc, words", BAD, ids=[b[0] for b in BAD])
def test_bad_inputs_raise_at_trace_time(bid, fn, exc, words):
    with pytest.raises(exc, match=words):
        fn()


# ------------------------------------------------------------ torch and jax


BACKEND_CASES = [c for c in CASES if c[0] not in ("fft-f16", "fft-int")]


def _convert(backend, a):
    if backend == "torch":
        import torch

        return torch.from_numpy(np.ascontiguousarray(a))
    import jax.numpy as jnp

    return jnp.asarray(a)


def _to_numpy(x):
    if hasattr(x, "detach"):
        return x.detach().resolve_conj().numpy()
    return np.asarray(x)


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("cid, name, x, kwargs", BACKEND_CASES, ids=[c[0] for c in BACKEND_CASES])
def test_on_backend(backend, cid, name, x, kwargs):
    pytest.importorskip(backend)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lazyray.strict():  # every node's real shape and dtype are checked
            out = getattr(lazyray.fft, name)(lazyray.array(_convert(backend, x)), **kwargs)
            got = out.compute()
    assert out.backend == backend
    ref = getattr(np.fft, name)(x, **kwargs)
    np.testing.assert_allclose(_to_numpy(got), ref, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_freq_and_retarget_on_backend(backend):
    pytest.importorskip(backend)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with lazyray.strict():
            fr = lazyray.fft.rfftfreq(9, d=0.5, dtype="float32", backend=backend).compute()
        np.testing.assert_allclose(_to_numpy(fr), np.fft.rfftfreq(9, 0.5), rtol=1e-6)
        x = lazyray.Variable((3, 8), dtype="float32")
        y = lazyray.fft.irfft(lazyray.fft.rfft(x) * lazyray.fft.rfftfreq(8), n=8)
        f = lazyray.Function([x], [y, lazyray.fft.ifftshift(x, axes=1)])
        a = rand((3, 8), "float32")
        got = f(_convert(backend, a))
    for g, r in zip(got, f(a)):
        assert autoray.infer_backend(g) == backend
        np.testing.assert_allclose(_to_numpy(g), r, rtol=1e-4, atol=1e-5)
