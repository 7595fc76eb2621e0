"""Interop: autoray dispatch reaches lazyray, numpy arrays and Python
scalars mix with lazy arrays, and code written against ``autoray.do``
(modified Gram-Schmidt) traces into a graph equal to eager numpy / torch."""

from __future__ import annotations

import autoray
import numpy as np
import pytest

import lazyray
from lazyray import LazyArray
from lazyray.examples import gram_schmidt


@pytest.fixture
def x():
    return lazyray.array(np.random.default_rng(0).normal(size=(4, 3)))


# ------------------------------------------------------------ autoray


def test_autoray_introspection(x):
    assert autoray.infer_backend(x) == "lazyray"
    assert autoray.get_dtype_name(x) == "float64"
    assert type(autoray.get_dtype_name(x)) is str
    assert autoray.get_dtype_name(x.astype("complex64")) == "complex64"
    assert autoray.shape(x) == (4, 3)
    assert autoray.ndim(x) == 2 and autoray.size(x) == 12
    assert autoray.to_backend_dtype("float32", like="lazyray") == "float32"


# name, args builder (x -> args), kwargs, expected fn_name of (first) output,
# numpy reference (a -> value)
DO_CASES = [
    ("tanh", lambda x: (x,), {}, "tanh", np.tanh),
    ("abs", lambda x: (x,), {}, "abs", np.abs),
    ("conj", lambda x: (x + 1j,), {}, "conj", lambda a: np.conj(a + 1j)),
    ("sum", lambda x: (x,), {"axis": 0}, "sum", lambda a: a.sum(0)),
    ("max", lambda x: (x,), {}, "max", np.max),
    ("transpose", lambda x: (x,), {}, "transpose", np.transpose),
    ("reshape", lambda x: (x, (3, 4)), {}, "reshape", lambda a: a.reshape(3, 4)),
    ("expand_dims", lambda x: (x, 0), {}, "reshape", lambda a: a[None]),
    ("tensordot", lambda x: (x, x, [[0], [0]]), {}, "tensordot", lambda a: a.T @ a),
    ("einsum", lambda x: ("ij,ik->jk", x, x), {}, "einsum", lambda a: a.T @ a),
    ("matmul", lambda x: (x.T, x), {}, "matmul", lambda a: a.T @ a),
    ("stack", lambda x: ([x, x],), {"axis": -1}, "stack", lambda a: np.stack([a, a], -1)),
    ("concatenate", lambda x: ([x, x],), {"axis": -1}, "concatenate", lambda a: np.hstack([a, a])),
    ("clip", lambda x: (x, 0.0, 1.0), {}, "clip", lambda a: np.clip(a, 0, 1)),
    ("where", lambda x: (x > 0, x, 0.0), {}, "where", lambda a: np.where(a > 0, a, 0.0)),
    ("take", lambda x: (x, [0, 2]), {"axis": 0}, "take", lambda a: a[[0, 2]]),
    ("trace", lambda x: (x[:3],), {}, "trace", lambda a: np.trace(a[:3])),
    ("astype", lambda x: (x, "float32"), {}, "astype", lambda a: a.astype("float32")),
    ("linalg.norm", lambda x: (x,), {}, "linalg.norm", np.linalg.norm),
    ("linalg.svd", lambda x: (x,), {}, "item", lambda a: np.linalg.svd(a, full_matrices=False)),
    ("linalg.qr", lambda x: (x,), {}, "item", np.linalg.qr),
    ("linalg.inv", lambda x: (x[:3],), {}, "linalg.inv", lambda a: np.linalg.inv(a[:3])),
    ("linalg.eigh", lambda x: (x.T @ x,), {}, "item", lambda a: np.linalg.eigh(a.T @ a)),
    ("split", lambda x: (x, 2), {}, "item", lambda a: np.split(a, 2)),
]


@pytest.mark.parametrize("case", DO_CASES, ids=lambda c: c[0])
def test_autoray_do_reaches_lazyray(case, x):
    name, args, kwargs, fn_name, ref = case
    out = autoray.do(name, *args(x), **kwargs)
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    assert all(type(o) is LazyArray for o in outs)
    assert outs[0].fn_name == fn_name
    expected = ref(x.compute())
    expected = tuple(expected) if isinstance(expected, (tuple, list)) else (expected,)
    for o, e in zip(lazyray.compute(outs), expected):
        np.testing.assert_allclose(o, e, rtol=1e-6 if o.dtype == np.float32 else 1e-12)


def test_autoray_creation_like_lazy(x):
    z = autoray.do("zeros", (2, 3), like=x)
    assert type(z) is LazyArray and (z.shape, z.dtype, z.fn_name) == ((2, 3), "float64", "zeros")
    e = autoray.do("eye", 3, like=x)
    assert e.shape == (3, 3)
    o = autoray.do("ones_like", x)
    assert (o.shape, o.dtype) == (x.shape, x.dtype)
    y = autoray.do("astype", x, "float32")
    assert y.dtype == "float32"
    np.testing.assert_array_equal(y.compute(), x.compute().astype("float32"))


# ------------------------------------------------------- mixing operands


def test_numpy_arrays_and_scalars_mix_both_orders():
    a = np.arange(1.0, 4.0)
    b = np.array([[1.0], [2.0]])
    x = lazyray.array(a)
    cases = [
        (x * b, a * b),
        (b * x, b * a),  # ndarray.__mul__ defers via __array_ufunc__
        (x + 2, a + 2),
        (2 + x, 2 + a),
        (x - b, a - b),
        (b - x, b - a),
        (1 / x, 1 / a),
        (b / x, b / a),
        (x**2, a**2),
        (2.0**x, 2.0**a),
        (b.T @ x[None, :2].T, b.T @ a[None, :2].T),
        (np.float32(2) * x, np.float32(2) * a),
        (x > b, a > b),
        (b < x, b < a),
    ]
    for lz, ref in cases:
        assert type(lz) is LazyArray
        assert lz.backend == "numpy"
        assert (lz.shape, lz.dtype) == (ref.shape, ref.dtype.name)
        np.testing.assert_array_equal(lz.compute(), ref)


def test_numpy_functions_on_lazy_arrays():
    a = np.linspace(0.1, 1.0, 6).reshape(2, 3)
    x = lazyray.array(a)
    cases = [
        (np.sin(x), np.sin(a)),  # ufunc: __array_ufunc__
        (np.add(a, x), a + a),
        (np.maximum(x, 0.5), np.maximum(a, 0.5)),
        (np.sum(x, axis=1), a.sum(1)),  # __array_function__
        (np.tensordot(a.T, x, 1), a.T @ a),
        (np.stack([x, x], axis=-1), np.stack([a, a], -1)),
        (np.linalg.norm(x, axis=0), np.linalg.norm(a, axis=0)),
        (np.transpose(x), a.T),
    ]
    for lz, ref in cases:
        assert type(lz) is LazyArray, lz
        assert (lz.shape, lz.dtype) == (ref.shape, ref.dtype.name)
        np.testing.assert_allclose(lz.compute(), ref, rtol=1e-12)


def test_weak_python_scalars_keep_float32():
    x = lazyray.Variable((3,), dtype="float32")
    assert (x * 2.0).dtype == "float32"
    assert (2.0 * x).dtype == "float32"
    assert (x + 1).dtype == "float32"
    assert (x * np.float64(2.0)).dtype == "float64"  # numpy scalars are strong
    assert (x + np.ones(3)).dtype == "float64"


def test_mixed_numpy_operand_takes_lazy_backend():
    torch = pytest.importorskip("torch")
    x = lazyray.array(torch.ones(3, dtype=torch.float64))
    y = x + np.arange(3.0)
    assert y.backend == "torch"
    out = y.compute()
    assert isinstance(out, torch.Tensor)
    np.testing.assert_array_equal(out.numpy(), np.arange(1.0, 4.0))


# ------------------------------------------------------- Gram-Schmidt


@pytest.mark.parametrize("n", [10, 30])
def test_gram_schmidt_traced_equals_eager_numpy(n):
    a = np.random.default_rng(n).normal(size=(n, n))
    ref = gram_schmidt(a)
    q = gram_schmidt(lazyray.array(a))
    assert type(q) is LazyArray
    assert (q.shape, q.dtype) == (ref.shape, ref.dtype.name)
    nodes = list(lazyray.ascend(q))
    assert len(nodes) > n * n  # a real graph: one tensordot per pair at least
    np.testing.assert_allclose(q.compute(), ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ref.T @ ref, np.eye(n), atol=1e-8)


@pytest.mark.parametrize("n", [10, 30])
def test_gram_schmidt_traced_from_variable(n):
    v = lazyray.Variable((n, n), dtype="complex64")
    q = gram_schmidt(v)
    assert (q.shape, q.dtype) == ((n, n), "complex64")


def test_gram_schmidt_traced_from_torch_equals_eager_torch():
    torch = pytest.importorskip("torch")
    for n, dtype in [(10, torch.float64), (30, torch.float32)]:
        a = torch.from_numpy(np.random.default_rng(n).normal(size=(n, n))).to(dtype)
        ref = gram_schmidt(a)
        q = gram_schmidt(lazyray.array(a))
        assert q.backend == "torch"
        assert (q.shape, q.dtype) == (tuple(ref.shape), str(ref.dtype).split(".")[-1])
        out = q.compute()
        assert isinstance(out, torch.Tensor) and out.dtype == ref.dtype
        tol = 1e-10 if dtype == torch.float64 else 1e-4
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=tol, atol=tol)


def test_gram_schmidt_traced_from_jax_equals_eager_jax():
    jnp = pytest.importorskip("jax.numpy")
    a = jnp.asarray(np.random.default_rng(3).normal(size=(10, 10)).astype("float32"))
    ref = gram_schmidt(a)
    q = gram_schmidt(lazyray.array(a))
    assert (q.backend, q.shape, q.dtype) == ("jax", tuple(ref.shape), "float32")
    np.testing.assert_allclose(np.asarray(q.compute()), np.asarray(ref), rtol=1e-4, atol=1e-5)
