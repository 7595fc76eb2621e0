"""The Array API 2024.12 ``linalg`` extension against eager numpy 2.

Each record calls ``lazyray.linalg.<name>`` and ``numpy.linalg.<name>`` on
the same data: the static shape and dtype (before computing) and the values
must agree; named-tuple results keep their field names.  Bad inputs raise at
trace time.  The same calls are traced on torch and jax arrays (strict mode:
every node's real shape and dtype are checked) and retargeted through a
``Function``.
"""

from __future__ import annotations

import pickle
import warnings

import autoray
import numpy as np
import pytest

import lazyray
from lazyray import LazyArray

RNG = np.random.default_rng(12)


def rand(shape, dtype="float64"):
    x = RNG.standard_normal(shape)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    if np.dtype(dtype).kind in "iu":
        x = RNG.integers(-4, 5, shape)
    return x.astype(dtype)


def spd(shape, dtype="float64"):
    a = rand(shape, dtype)
    return (a @ np.swapaxes(a, -1, -2).conj() + 4 * np.eye(shape[-1])).astype(dtype)


def vec3(shape, dtype="float64"):
    return rand(shape, dtype)


#: (id, function name, inputs, kwargs)
CASES = [
    ("svdvals", "svdvals", [rand((4, 3))], {}),
    ("svdvals-batch-c64", "svdvals", [rand((2, 3, 5), "complex64")], {}),
    ("svdvals-int", "svdvals", [rand((3, 3), "int64")], {}),
    ("svd-no-uv", "svd", [rand((2, 4, 3), "complex64")], {"compute_uv": False}),
    ("rank", "matrix_rank", [rand((4, 3))], {}),
    ("rank-batch-rtol", "matrix_rank", [rand((2, 4, 3), "float32")], {"rtol": 0.5}),
    ("rank-rtol-array", "matrix_rank", [rand((2, 4, 3))], {"rtol": np.array([0.1, 0.9])}),
    ("vnorm", "vector_norm", [rand((2, 3, 4))], {}),
    ("vnorm-axes-keep", "vector_norm", [rand((2, 3, 4))], {"axis": (0, 2), "keepdims": True}),
    ("vnorm-neg-axis-ord", "vector_norm", [rand((2, 3, 4), "float32")], {"axis": -2, "ord": 3}),
    ("vnorm-inf", "vector_norm", [rand((2, 3), "complex64")], {"ord": float("inf")}),
    ("vnorm-ord0", "vector_norm", [rand((5,))], {"ord": 0}),
    ("vnorm-ord-neg", "vector_norm", [rand((2, 5))], {"ord": -1.5, "axis": 1}),
    ("vnorm-int", "vector_norm", [rand((2, 5), "int64")], {"keepdims": True}),
    ("vnorm-f16", "vector_norm", [rand((3,), "float16")], {}),
    ("vnorm-0d", "vector_norm", [np.float64(-3.0)], {}),
    ("vnorm-empty-neg", "vector_norm", [rand((0, 3))], {"ord": -1, "axis": 0}),
    ("vnorm-empty", "vector_norm", [rand((2, 0))], {"ord": 2, "keepdims": True}),
    ("cross", "cross", [vec3((3,)), vec3((3,))], {}),
    ("cross-bcast", "cross", [vec3((2, 1, 3)), vec3((4, 3), "float32")], {}),
    ("cross-axis", "cross", [vec3((3, 2)), vec3((5, 3, 2))], {"axis": -2}),
    ("cross-int", "cross", [vec3((3,), "int64"), vec3((3,), "int8")], {}),
    ("mnorm", "matrix_norm", [rand((2, 3, 4))], {}),
    ("mnorm-nuc-keep", "matrix_norm", [rand((2, 3, 4))], {"ord": "nuc", "keepdims": True}),
    ("mnorm-2-c64", "matrix_norm", [rand((3, 3), "complex64")], {"ord": 2}),
    ("mnorm-minf", "matrix_norm", [rand((2, 3, 4))], {"ord": -float("inf")}),
    ("diagonal", "diagonal", [rand((2, 3, 4))], {}),
    ("diagonal-offset", "diagonal", [rand((2, 3, 4))], {"offset": 1}),
    ("diagonal-neg", "diagonal", [rand((3, 4), "int8")], {"offset": -2}),
    ("trace", "trace", [rand((2, 3, 3))], {}),
    ("trace-offset", "trace", [rand((2, 3, 4))], {"offset": -1}),
    ("trace-int8", "trace", [rand((3, 3), "int8")], {}),
    ("trace-dtype", "trace", [rand((2, 3, 3), "float32")], {"dtype": "float64"}),
    ("matmul", "matmul", [rand((2, 3, 4)), rand((4,))], {}),
    ("matmul-bcast", "matmul", [rand((2, 1, 3, 4), "float32"), rand((5, 4, 2))], {}),
    ("tensordot", "tensordot", [rand((2, 3, 4)), rand((3, 4, 5))], {}),
    ("tensordot-axes", "tensordot", [rand((2, 3)), rand((3, 4))], {"axes": ([1], [0])}),
    ("tensordot-0", "tensordot", [rand((2,)), rand((3,))], {"axes": 0}),
    ("transpose", "matrix_transpose", [rand((2, 3, 4))], {}),
    ("outer", "outer", [rand((3,)), rand((4,), "complex64")], {}),
    ("pinv-rtol", "pinv", [rand((2, 4, 3))], {"rtol": 0.3}),
    ("pinv", "pinv", [rand((4, 3), "float32")], {}),
    ("cholesky", "cholesky", [spd((2, 3, 3))], {}),
    ("cholesky-upper", "cholesky", [spd((3, 3), "complex128")], {"upper": True}),
]


def _np(name):
    return getattr(np.linalg, name)


def _lazy_inputs(arrays):
    return [lazyray.array(a) for a in arrays]


def _lazy_kwargs(kwargs):
    return {k: lazyray.array(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # numpy's 0 ** (1 / -1)
@pytest.mark.parametrize("cid, name, arrays, kwargs", CASES, ids=[c[0] for c in CASES])
def test_against_numpy(cid, name, arrays, kwargs):
    ref = _np(name)(*arrays, **kwargs)
    out = getattr(lazyray.linalg, name)(*_lazy_inputs(arrays), **_lazy_kwargs(kwargs))
    assert type(out) is LazyArray
    assert (out.shape, out.dtype) == (ref.shape, ref.dtype.name), cid  # before computing
    with lazyray.strict():
        got = out.compute()
    assert got.dtype == ref.dtype and got.shape == ref.shape
    np.testing.assert_allclose(got, ref, rtol=1e-5 if ref.dtype.itemsize <= 8 else 1e-12)


def test_vecdot():
    if not hasattr(lazyray, "vecdot"):
        pytest.skip("lazyray.vecdot is not written yet")
    a, b = rand((2, 3), "complex128"), rand((3,), "complex128")
    out = lazyray.linalg.vecdot(lazyray.array(a), lazyray.array(b))
    assert out.shape == (2,) and out.dtype == "complex128"
    np.testing.assert_allclose(out.compute(), np.linalg.vecdot(a, b))
    out = lazyray.linalg.vecdot(lazyray.array(a.T.copy()), lazyray.array(b[:, None]), axis=0)
    np.testing.assert_allclose(out.compute(), np.linalg.vecdot(a.T, b[:, None], axis=0))


# ------------------------------------------------------------ decompositions


DECOMPS = [
    ("svd", rand((2, 5, 3)), {}, ("U", "S", "Vh")),
    ("svd", rand((5, 3), "complex64"), {"full_matrices": True}, ("U", "S", "Vh")),
    ("qr", rand((2, 5, 3)), {"mode": "complete"}, ("Q", "R")),
    ("qr", rand((3, 5), "float32"), {}, ("Q", "R")),
    ("eigh", spd((2, 3, 3)), {}, ("eigenvalues", "eigenvectors")),
    ("eigh", spd((3, 3), "complex64"), {}, ("eigenvalues", "eigenvectors")),
    ("slogdet", rand((2, 3, 3)), {}, ("sign", "logabsdet")),
    ("eig", rand((3, 3)), {}, ("eigenvalues", "eigenvectors")),
]


RESULTS = {
    "svd": lazyray.linalg.SVDResult,
    "qr": lazyray.linalg.QRResult,
    "eigh": lazyray.linalg.EighResult,
    "slogdet": lazyray.linalg.SlogdetResult,
    "eig": lazyray.linalg.EigResult,
}


@pytest.mark.parametrize("name, a, kwargs, fields", DECOMPS)
def test_named_tuples(name, a, kwargs, fields):
    full = {"full_matrices": False} if name == "svd" and not kwargs else {}
    ref = _np(name)(a, **kwargs, **full)
    out = getattr(lazyray.linalg, name)(lazyray.array(a), **kwargs)
    assert type(out) is RESULTS[name] and type(out).__name__ == type(ref).__name__
    assert out._fields == fields == ref._fields
    for f in fields:  # by name, and positionally
        node = getattr(out, f)
        assert node is out[fields.index(f)]
        r = getattr(ref, f)
        if name == "eig":  # lazyray's eig is always complex
            continue
        assert (node.shape, node.dtype) == (r.shape, r.dtype.name), f
    got = lazyray.compute(out)
    assert type(got) is type(out) and got._fields == fields
    if name in ("slogdet", "eigh"):
        np.testing.assert_allclose(got[0], ref[0], rtol=1e-5)
    elif name == "svd":
        np.testing.assert_allclose(got.S, ref.S, rtol=1e-5)
        k = got.S.shape[-1]
        recon = (got.U[..., :k] * got.S[..., None, :]) @ got.Vh[..., :k, :]
        np.testing.assert_allclose(recon, a, rtol=1e-4, atol=1e-5)
    elif name == "qr":
        np.testing.assert_allclose(got.Q @ got.R, a, rtol=1e-5, atol=1e-5)


def test_named_tuple_through_function_and_pickle():
    x = lazyray.Variable((4, 3))
    out = lazyray.linalg.svd(x)
    f = lazyray.Function([x], {"s": out.S, "u": out.U})
    a = rand((4, 3))
    np.testing.assert_allclose(f(a)["s"], np.linalg.svdvals(a))
    g = pickle.loads(pickle.dumps(f))
    np.testing.assert_allclose(g(a)["s"], np.linalg.svdvals(a))
    assert pickle.loads(pickle.dumps(lazyray.compute(lazyray.linalg.qr(lazyray.array(a)))))._fields


def test_autoray_dispatch():
    a = lazyray.array(rand((2, 3, 3)))
    assert autoray.do("linalg.svdvals", a).shape == (2, 3)
    assert autoray.do("linalg.vector_norm", a, axis=(1, 2)).shape == (2,)
    assert autoray.do("linalg.trace", a).shape == (2,)
    assert autoray.do("linalg.matrix_norm", a, ord=1).shape == (2,)
    assert autoray.do("linalg.eigh", a + a.mT).eigenvalues.shape == (2, 3)


def test_functions_with_variables():
    x = lazyray.Variable((2, 4, 3), dtype="float32")
    outs = [
        lazyray.linalg.svdvals(x),
        lazyray.linalg.matrix_rank(x, rtol=0.2),
        lazyray.linalg.vector_norm(x, axis=(-1, 0), ord=1),
        lazyray.linalg.matrix_norm(x, ord="nuc"),
        lazyray.linalg.cross(x[..., 0, :], x[..., 1, :]),
        lazyray.linalg.trace(x, offset=1),
        lazyray.linalg.pinv(x, rtol=lazyray.array(np.array([0.1, 0.5]))),
    ]
    f = lazyray.Function([x], outs)
    a = rand((2, 4, 3), "float32")
    refs = [
        np.linalg.svdvals(a),
        np.linalg.matrix_rank(a, rtol=0.2),
        np.linalg.vector_norm(a, axis=(-1, 0), ord=1),
        np.linalg.matrix_norm(a, ord="nuc"),
        np.linalg.cross(a[..., 0, :], a[..., 1, :]),
        np.linalg.trace(a, offset=1),
        np.linalg.pinv(a, rtol=np.array([0.1, 0.5])),
    ]
    for o, got, r in zip(outs, f(a), refs):
        assert (o.shape, o.dtype) == (r.shape, r.dtype.name)
        np.testing.assert_allclose(got, r, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ bad inputs


def V(shape, dtype="float64"):  # noqa: N802
    return lazyray.Variable(shape, dtype=dtype)


BAD = [
    ("svdvals-1d", lambda: lazyray.linalg.svdvals(V((3,))), ValueError, "svdvals"),
    ("svdvals-f16", lambda: lazyray.linalg.svdvals(V((3, 3), "float16")), TypeError, "float16"),
    ("rank-1d", lambda: lazyray.linalg.matrix_rank(V((3,))), ValueError, "matrix_rank"),
    (
        "rank-rtol-shape",
        lambda: lazyray.linalg.matrix_rank(V((2, 3, 3)), rtol=V((3,))),
        ValueError,
        "rtol",
    ),
    ("vnorm-str-ord", lambda: lazyray.linalg.vector_norm(V((3,)), ord="fro"), ValueError, "ord"),
    ("vnorm-axis", lambda: lazyray.linalg.vector_norm(V((3,)), axis=1), ValueError, "axis"),
    (
        "vnorm-dup",
        lambda: lazyray.linalg.vector_norm(V((3, 2)), axis=(0, 0)),
        ValueError,
        "repeated",
    ),
    ("cross-size", lambda: lazyray.linalg.cross(V((2,)), V((2,))), ValueError, "size 3"),
    ("cross-bcast", lambda: lazyray.linalg.cross(V((2, 3)), V((4, 3))), ValueError, "cross"),
    ("cross-bool", lambda: lazyray.linalg.cross(V((3,), "bool"), V((3,))), TypeError, "bool"),
    ("cross-0d", lambda: lazyray.linalg.cross(V(()), V((3,))), ValueError, "1-d"),
    ("outer-2d", lambda: lazyray.linalg.outer(V((2, 2)), V((3,))), ValueError, "1-d"),
    ("mnorm-1d", lambda: lazyray.linalg.matrix_norm(V((3,))), ValueError, "2 dimensions"),
    ("mnorm-ord", lambda: lazyray.linalg.matrix_norm(V((3, 3)), ord=3), ValueError, "ord"),
    ("trace-1d", lambda: lazyray.linalg.trace(V((3,))), ValueError, "2-d"),
    ("trace-1d-dtype", lambda: lazyray.linalg.trace(V((3,)), dtype="float32"), ValueError, "2-d"),
    ("diagonal-1d", lambda: lazyray.linalg.diagonal(V((3,))), ValueError, "2-d"),
    ("matmul", lambda: lazyray.linalg.matmul(V((2, 3)), V((2, 3))), ValueError, "matmul"),
    ("transpose-1d", lambda: lazyray.linalg.matrix_transpose(V((3,))), ValueError, "2"),
    ("cholesky-rect", lambda: lazyray.linalg.cholesky(V((3, 2)), upper=True), ValueError, "square"),
    ("pinv-1d", lambda: lazyray.linalg.pinv(V((3,)), rtol=0.1), ValueError, "pinv"),
    ("qr-mode", lambda: lazyray.linalg.qr(V((3, 3)), mode="r"), ValueError, "mode"),
    ("eigh-rect", lambda: lazyray.linalg.eigh(V((3, 2))), ValueError, "square"),
]


@pytest.mark.parametrize("bid, fn, exc, words", BAD, ids=[b[0] for b in BAD])
def test_bad_inputs_raise_at_trace_time(bid, fn, exc, words):
    with pytest.raises(exc, match=words):
        fn()


def test_all_spec_names():
    spec = """cholesky cross det diagonal eigh eigvalsh inv matmul matrix_norm
    matrix_power matrix_rank matrix_transpose outer pinv qr slogdet solve svd
    svdvals tensordot trace vecdot vector_norm""".split()
    assert len(spec) == 23
    missing = [n for n in spec if n not in lazyray.linalg.__all__]
    assert not missing
    assert all(callable(getattr(lazyray.linalg, n)) for n in spec)
    # the result types (numpy's names) are public too
    results = ["EigResult", "EighResult", "QRResult", "SlogdetResult", "SVDResult"]
    assert all(n in lazyray.linalg.__all__ for n in results)


# ------------------------------------------------------------ torch and jax


BACKEND_CASES = [c for c in CASES if c[0] not in ("vnorm-f16", "vnorm-0d", "rank-rtol-array")]
# torch's trace has no offset (lazyray.trace's torch implementation, not linalg's)
_TORCH_SKIP = {"trace-offset": "lazyray.trace(offset=) on torch"}


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


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")
@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize(
    "cid, name, arrays, kwargs", BACKEND_CASES, ids=[c[0] for c in BACKEND_CASES]
)
def test_on_backend(backend, cid, name, arrays, kwargs):
    pytest.importorskip(backend)
    if backend == "torch" and cid in _TORCH_SKIP:
        pytest.skip(_TORCH_SKIP[cid])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xs = [lazyray.array(_convert(backend, a)) for a in arrays]
        with lazyray.strict():  # the real shape and dtype of every node are checked
            out = getattr(lazyray.linalg, name)(*xs, **kwargs)
            got = out.compute()
    assert out.backend == backend
    ref = _np(name)(*arrays, **kwargs)
    np.testing.assert_allclose(_to_numpy(got), ref, rtol=2e-4, atol=1e-4)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_retarget_function(backend):
    pytest.importorskip(backend)
    x = lazyray.Variable((2, 4, 3), dtype="float32")
    outs = [
        lazyray.linalg.svdvals(x),
        lazyray.linalg.vector_norm(x, axis=(0, 2), keepdims=True),
        lazyray.linalg.matrix_norm(x, ord=2),
        lazyray.linalg.cross(x[:, :3, :], x[:, 1:, :], axis=-2),
        lazyray.linalg.matrix_rank(x, rtol=0.3),
        lazyray.linalg.qr(x).R,
    ]
    f = lazyray.Function([x], outs)
    a = rand((2, 4, 3), "float32")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = f(_convert(backend, a))
    for g, r in zip(got, f(a)):
        assert autoray.infer_backend(g) == backend
        np.testing.assert_allclose(np.abs(_to_numpy(g)), np.abs(r), rtol=2e-4, atol=1e-4)
