"""lazyray on GPU arrays: torch CUDA tensors, cupy arrays, jax on a GPU.

A :class:`lazyray.Function` traced on numpy is called with GPU arrays; its
results must be arrays of that library, on the GPU, with the static shapes
and dtypes, and values close to the same Function called with numpy (the
oracle: the exact numpy path).  Graphs traced directly from GPU arrays are
computed and compared with the same code run eagerly by that library.

These tests skip without a GPU.  The device logic itself (a torch program's
constants follow the inputs' device) is also checked on CPU with torch's
``meta`` device, which refuses tensors of another device as CUDA does.
"""

from __future__ import annotations

import numpy as np
import pytest
from autoray import do

import lazyray
from lazyray.examples import gram_schmidt

# ------------------------------------------------------------ the libraries


def _torch_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch sees no CUDA device")
    return torch


def _cupy():
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("cupy sees no GPU")
    except Exception as e:  # noqa: BLE001 - no driver
        pytest.skip(f"cupy sees no GPU ({e})")
    return cupy


def _jax_gpu():
    jax = pytest.importorskip("jax")
    try:
        jax.devices("gpu")
    except RuntimeError:
        pytest.skip("jax sees no GPU")
    return jax


def _to_gpu(lib: str, x: np.ndarray):
    """``x`` on the GPU of ``lib``."""
    if lib == "torch":
        return _torch_cuda().from_numpy(x).cuda()
    if lib == "cupy":
        return _cupy().asarray(x)
    jax = _jax_gpu()
    return jax.device_put(x, jax.devices("gpu")[0])


def _on_gpu(lib: str, y) -> bool:
    if lib == "torch":
        return type(y).__module__.startswith("torch") and y.device.type == "cuda"
    if lib == "cupy":
        return type(y).__module__.startswith("cupy")
    return {d.platform for d in y.devices()} == {"gpu"}


def _to_numpy(lib: str, y) -> np.ndarray:
    if lib == "torch":
        return y.detach().cpu().resolve_conj().numpy()
    if lib == "cupy":
        return _cupy().asnumpy(y)
    return np.asarray(y)


# ------------------------------------------------------------ the workloads


def _gs(a):
    return list(gram_schmidt(a))


def _mps(a, b):
    """A small MPS-like contraction sweep (tensordot and einsum)."""
    env = do("ones", (1, 1), like=a)
    for i in range(4):
        t = a[i].reshape((1, 2, 1)) * b[i].reshape((1, 2, 1)) + 0.5
        env = do("einsum", "ab,apc->bpc", env, t)
        env = do("tensordot", env, do("conj", t), axes=[[0, 1], [0, 1]])
    return [env.reshape(()), do("sum", a * b)]


def _linalg(a, b):
    q, r = do("linalg.qr", a)
    x = do("linalg.solve", a + 4 * do("eye", a.shape[0], like=a), b)
    w = do("linalg.eigvalsh", a + do("transpose", a))
    s = do("linalg.svd", a, compute_uv=False)
    return [do("abs", do("diag", r)), x, w, s, do("linalg.norm", q @ r - a)]


def _fft(a, b):
    f = do("fft.rfft", a, axis=-1)
    return [do("abs", f), do("real", do("fft.ifft", do("fft.fft", b)))]


def _indexing(a, b):
    idx = np.array([2, 0, 1])
    picked = a[idx]
    masked = do("where", a > 0.5, a, -b)
    return [picked, masked, do("cumsum", masked, axis=0), do("sort", a, axis=1), do("max", b)]


WORKLOADS = {
    # name: (function, input shapes)
    "gram_schmidt": (_gs, [(6, 6)]),
    "mps": (_mps, [(4, 2), (4, 2)]),
    "linalg": (_linalg, [(5, 5), (5, 2)]),
    "fft": (_fft, [(4, 8), (4, 8)]),
    "indexing": (_indexing, [(4, 3), (4, 3)]),
}
LIBS = ["torch", "cupy", "jax"]
#: jax runs in its default configuration (32-bit); its float32 matmuls may
#: use TF32 on a GPU, so its values are compared loosely
DTYPE = {"torch": "float64", "cupy": "float64", "jax": "float32"}
RTOL = {"float64": 1e-9, "float32": 2e-2}


def _inputs(shapes, dtype):
    rng = np.random.default_rng(42)
    return [rng.random(s).astype(dtype) for s in shapes]


# ------------------------------------------------------------ the tests


@pytest.mark.parametrize("lib", LIBS)
@pytest.mark.parametrize("name", list(WORKLOADS))
def test_function_called_with_gpu_arrays(lib, name):
    """A Function traced on numpy, called with GPU arrays, against numpy."""
    fn, shapes = WORKLOADS[name]
    dtype = DTYPE[lib]
    data = _inputs(shapes, dtype)
    gpu = [_to_gpu(lib, x) for x in data]  # (skips without that GPU)
    xs = [lazyray.Variable(s, dtype=dtype) for s in shapes]
    outs = fn(*xs)
    f = lazyray.Function(xs, outs)
    ref = lazyray.Function(xs, outs, optimize=False)(*data)
    got = f(*gpu)
    assert len(got) == len(ref)
    for g, r, o in zip(got, ref, outs):
        assert _on_gpu(lib, g), (name, type(g))
        h = _to_numpy(lib, g)
        assert (h.shape, str(h.dtype)) == (o.shape, str(o.dtype)) == (r.shape, str(r.dtype))
        np.testing.assert_allclose(h, r, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("lib", LIBS)
def test_graph_traced_on_gpu_arrays(lib):
    """A graph whose leaves are GPU arrays computes on the GPU, as eager code."""
    dtype = DTYPE[lib]
    a, b, i = (_to_gpu(lib, x) for x in _inputs([(5, 5), (5, 2)], dtype) + [np.eye(5, dtype=dtype)])

    def work(a, b, i):
        c = do("tanh", a @ do("transpose", a)) + 1.5
        return [do("sum", c, axis=0), do("linalg.solve", c + 5 * i, b), do("linalg.norm", c)]

    want = work(a, b, i)
    outs = work(*map(lazyray.array, (a, b, i)))
    got = lazyray.compute(outs)
    for g, w, o in zip(got, want, outs):
        assert _on_gpu(lib, g)
        h, e = _to_numpy(lib, g), _to_numpy(lib, w)
        assert (h.shape, str(h.dtype)) == (o.shape, str(o.dtype)) == (e.shape, str(e.dtype))
        np.testing.assert_allclose(h, e, rtol=RTOL[dtype], atol=RTOL[dtype])


@pytest.mark.parametrize("optimize", [True, False])
@pytest.mark.parametrize("backend", [None, "torch"])
def test_torch_constants_follow_the_input_device(optimize, backend):
    """A torch program's constants are moved to the device of its inputs
    (``meta`` here: torch refuses to mix it with CPU tensors, as CUDA does),
    and the CPU program stays as it was."""
    torch = pytest.importorskip("torch")
    x = lazyray.Variable((3, 3))
    idx = np.array([0, 2])
    y = x @ lazyray.eye(3) + lazyray.arange(3) + lazyray.asarray(np.linspace(0, 1, 9).reshape(3, 3))
    outs = [y, lazyray.sum(y[idx], axis=0)]
    f = lazyray.Function([x], outs, optimize=optimize, backend=backend)
    meta = f(torch.empty((3, 3), dtype=torch.float64, device="meta"))
    assert [(m.device.type, tuple(m.shape), m.dtype) for m in meta] == [
        ("meta", (3, 3), torch.float64),
        ("meta", (3,), torch.float64),
    ]
    data = np.arange(9.0).reshape(3, 3)
    cpu = f(torch.from_numpy(data))
    ref = lazyray.Function([x], outs, optimize=False)(data)
    for c, r in zip(cpu, ref):
        assert c.device.type == "cpu"
        np.testing.assert_allclose(c.numpy(), r, rtol=1e-12)


# ------------------------------------------- the rules, checked on the CPU

_SPECIAL = np.array(
    [0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 3.0, 7.0, 1e-300, -1e300, np.inf, -np.inf, np.nan]
)


def _same(x, y) -> bool:
    """Equal values, nan positions and signs of zero."""
    x, y = np.asarray(x), np.asarray(y)
    keep = ~np.isnan(y)
    return (
        x.dtype == y.dtype
        and np.array_equal(x, y, equal_nan=True)
        and np.array_equal(np.signbit(x[keep]), np.signbit(y[keep]))
    )


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_cupy_float_divmod_is_numpys(dtype):
    """cupy's floor_divide/mod rule, run with numpy as the array module,
    equals numpy's own on special values (``inf // 2`` is nan, zeros signed)."""
    from lazyray.ops.portable_cupy import _float_divmod

    a, b = (v.astype(dtype) for v in np.meshgrid(_SPECIAL, _SPECIAL))
    with np.errstate(all="ignore"):
        q, m = _float_divmod(np, a, b)
        assert _same(q, np.floor_divide(a, b))
        assert _same(m, np.mod(a, b))


def test_cupy_split_and_clip_rules_are_numpys():
    """Split at negative, out-of-range and decreasing indices by slicing;
    clip propagating nan values and bounds; integer reciprocal at 0."""
    from lazyray.ops.portable_cupy import _clip, _reciprocal, _split

    x = np.arange(12).reshape(3, 4)
    for idx in [(-1, -1, 1), (0, 3, 4), (-3,), (2, 1), (5,)]:
        got, want = _split(np, np.split, x, idx, axis=1), np.split(x, list(idx), axis=1)
        assert [g.shape for g in got] == [w.shape for w in want]
        assert all(np.array_equal(g, w) for g, w in zip(got, want))
    v = np.array([1.0, np.nan, 5.0, -3.0])
    for lo, hi in [(0.0, 4.0), (np.nan, 4.0), (2.0, np.nan), (None, 1.0), (4.0, 0.0)]:
        assert _same(_clip(np, None, v, lo, hi), np.clip(v, lo, hi))
    with np.errstate(all="ignore"):
        for dtype in ["int8", "uint8", "int32", "int64", "uint64"]:
            i = np.array([0, 1, 2, 3], dtype=dtype)
            assert _same(_reciprocal(np, np.reciprocal, i), np.reciprocal(i))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "int64"])
def test_torch_integer_division_by_zero_is_numpys(dtype):
    """Integer floor_divide, mod and reciprocal at 0 on torch give numpy's
    values without relying on torch raising (CUDA returns garbage instead)."""
    torch = pytest.importorskip("torch")
    x, y = lazyray.Variable((5,), dtype=dtype), lazyray.Variable((5,), dtype=dtype)
    outs = [lazyray.floor_divide(x, y), lazyray.mod(x, y), lazyray.reciprocal(x), x // 0]
    a = np.array([0, 1, 2, 3, 7], dtype=dtype)
    b = np.array([0, 2, 0, 2, 0], dtype=dtype)
    with np.errstate(all="ignore"):
        want = lazyray.Function([x, y], outs, optimize=False)(a, b)
    got = lazyray.Function([x, y], outs)(torch.from_numpy(a), torch.from_numpy(b))
    for g, w in zip(got, want):
        assert _same(g.numpy(), w)
