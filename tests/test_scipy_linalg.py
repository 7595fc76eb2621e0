"""``lazyray.scipy.linalg`` (``solve_triangular``, ``expm``) against eager
scipy on numpy.

Each record calls the lazy op and scipy on the same data: the op builds one
node (of op name ``scipy.linalg.<name>``) whose static shape and dtype equal
scipy's result's before computing, and whose computed value (strict mode:
the real shape and dtype are checked) equals scipy's.  Bad inputs raise at
trace time.  The same calls go through ``autoray.do``, through a compiled
``Function`` (its generated source, pickling) and, where installed, on torch
and jax arrays.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
import warnings

import autoray
import numpy as np
import pytest

import lazyray
import lazyray.scipy
from lazyray import LazyArray

sl = pytest.importorskip("scipy.linalg")

RNG = np.random.default_rng(7)
SOLVE = "scipy.linalg.solve_triangular"
EXPM = "scipy.linalg.expm"


def rand(shape, dtype="float64"):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        return RNG.integers(0 if dt.kind == "u" else -3, 4, shape).astype(dt)
    x = RNG.standard_normal(shape)
    if dt.kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    return x.astype(dt)


def tri(shape, dtype="float64", lower=False):
    """A well-conditioned triangular (stack of) matrices: its diagonal
    dominates (booleans: a diagonal of ones; integers: from 2 to 8)."""
    a = rand(shape, dtype)
    n = shape[-1]
    eye = np.eye(n, dtype=bool)
    if a.dtype.kind == "b":
        a = a | eye
    else:
        a = (a + (5 if a.dtype.kind in "iu" else 4) * eye).astype(dtype)
    return np.tril(a) if lower else np.triu(a)


def _close(got, ref):
    tol = 2e-3 if ref.dtype in (np.float16, np.float32, np.complex64) else 1e-10
    np.testing.assert_allclose(got, ref, rtol=tol, atol=tol)


def _one_node(out, op, n_deps):
    """``out`` is one node of ``op`` whose operands are leaves."""
    assert type(out) is LazyArray and out.fn_name == op
    assert out.depth == 1 and len(out.deps) == n_deps and all(d.depth == 0 for d in out.deps)


# ------------------------------------------------------------ solve_triangular


UNIT_LOWER = {"unit_diagonal": True, "lower": True}
#: (id, a shape, a dtype, b shape, b dtype, kwargs)
SOLVE_CASES = [
    ("f64-vec", (4, 4), "float64", (4,), "float64", {}),
    ("f64-mat-lower", (4, 4), "float64", (4, 2), "float64", {"lower": True}),
    ("f32", (3, 3), "float32", (3, 2), "float32", {}),
    ("f32-lower", (3, 3), "float32", (3,), "float32", {"lower": True}),
    ("c64", (3, 3), "complex64", (3, 2), "complex64", {}),
    ("c64-lower-vec", (3, 3), "complex64", (3,), "complex64", {"lower": True}),
    ("c128", (4, 4), "complex128", (4, 3), "complex128", {"lower": True}),
    ("c128-vec", (4, 4), "complex128", (4,), "complex128", {}),
    ("trans1", (3, 3), "float64", (3, 2), "float64", {"trans": 1}),
    ("trans2-lower", (3, 3), "complex128", (3,), "complex128", {"trans": 2, "lower": True}),
    ("trans-N", (3, 3), "complex64", (3, 2), "complex64", {"trans": "N", "lower": True}),
    ("trans-T", (3, 3), "complex128", (3, 2), "complex128", {"trans": "T"}),
    ("trans-C", (3, 3), "complex128", (3, 2), "complex128", {"trans": "C", "lower": True}),
    ("trans-T-lower", (3, 3), "float32", (3,), "float32", {"trans": "T", "lower": True}),
    ("unit-diag", (4, 4), "float64", (4, 2), "float64", {"unit_diagonal": True}),
    ("unit-lower-C", (4, 4), "complex128", (4,), "complex128", {**UNIT_LOWER, "trans": 2}),
    ("no-check-overwrite", (3, 3), "float64", (3,), "float64", {"check_finite": False}),
    ("overwrite", (3, 3), "float64", (3, 2), "float64", {"overwrite_b": True}),
    # scipy's LAPACK dtypes: small ints, bools, float16 as float32...
    ("int8", (3, 3), "int8", (3,), "int8", {}),
    ("int64", (3, 3), "int64", (3, 2), "int64", {"lower": True}),
    ("bool", (3, 3), "bool", (3,), "bool", {"lower": True}),
    ("bool-int64", (3, 3), "bool", (3,), "int64", {}),
    ("f16", (3, 3), "float16", (3,), "float16", {}),
    ("uint8-f32", (3, 3), "uint8", (3, 2), "float32", {}),
    ("int32-f32", (3, 3), "int32", (3,), "float32", {}),
    ("f32-f64", (3, 3), "float32", (3,), "float64", {}),
    ("f64-f32", (3, 3), "float64", (3, 2), "float32", {"lower": True}),
    ("c64-f64", (3, 3), "complex64", (3,), "float64", {}),
    ("f64-c64", (3, 3), "float64", (3,), "complex64", {}),
    ("f32-c64", (3, 3), "float32", (3, 2), "complex64", {}),
    ("c64-int64", (3, 3), "complex64", (3,), "int64", {}),
    ("int16-c128", (3, 3), "int16", (3,), "complex128", {}),
    # stacks (scipy 1.17 batches: a (..., M, M), b broadcast against it)
    ("batch-a-vec", (2, 3, 3), "float64", (3,), "float64", {}),
    ("batch-a-mat", (2, 3, 3), "float32", (3, 2), "float32", {"lower": True}),
    ("batch-b", (3, 3), "float64", (5, 3, 2), "float64", {}),
    ("batch-both", (2, 3, 3), "complex64", (2, 3, 1), "complex64", {"trans": 1}),
    ("batch-bcast", (2, 1, 3, 3), "float64", (4, 3, 2), "float64", {"lower": True}),
    ("batch-square-b", (2, 3, 3), "float64", (3, 3), "float64", {}),
    # empty
    ("empty-k", (3, 3), "int8", (3, 0), "int8", {}),
    ("empty-n", (0, 0), "float64", (0,), "float32", {}),
    ("empty-n-mat", (0, 0), "complex64", (0, 2), "float32", {"lower": True}),
]


def _solve_inputs(ash, ad, bsh, bd, kwargs):
    return tri(ash, ad, kwargs.get("lower", False)), rand(bsh, bd)


@pytest.mark.parametrize(
    "cid, ash, ad, bsh, bd, kwargs", SOLVE_CASES, ids=[c[0] for c in SOLVE_CASES]
)
def test_solve_triangular_against_scipy(cid, ash, ad, bsh, bd, kwargs):
    a, b = _solve_inputs(ash, ad, bsh, bd, kwargs)
    ref = sl.solve_triangular(a, b, **kwargs)
    out = lazyray.scipy.linalg.solve_triangular(lazyray.array(a), lazyray.array(b), **kwargs)
    _one_node(out, SOLVE, 2)
    assert (out.shape, out.dtype) == (ref.shape, ref.dtype.name), cid  # before computing
    assert "overwrite_b" not in (out.kwargs or {})
    got = out.compute()
    assert (got.shape, got.dtype) == (ref.shape, ref.dtype)
    _close(got, ref)


def test_solve_triangular_solves():
    """The values are a solution (not only scipy's numbers): op(a) @ x == b."""
    a, b = tri((3, 4, 4), "complex128", lower=True), rand((4, 2), "complex128")
    for trans, op in ((0, lambda m: m), (1, np.matrix_transpose), (2, lambda m: m.conj().mT)):
        x = lazyray.scipy.linalg.solve_triangular(a, b, trans=trans, lower=True).compute()
        np.testing.assert_allclose(op(np.tril(a)) @ x, np.broadcast_to(b, (3, 4, 2)), atol=1e-10)
    # only the named triangle is read, and with unit_diagonal not the diagonal
    junk = a + np.triu(rand((4, 4), "complex128"), 0)
    x = lazyray.scipy.linalg.solve_triangular(junk, b, lower=True, unit_diagonal=True).compute()
    unit = np.tril(a, -1) + np.eye(4)
    np.testing.assert_allclose(unit @ x, np.broadcast_to(b, (3, 4, 2)), atol=1e-10)


def test_solve_triangular_non_array_operands():
    """Lists, numpy arrays and scalars are wrapped as with other ops."""
    a, b = [[2.0, 0.0], [1, 1]], [2, 3]
    out = lazyray.scipy.linalg.solve_triangular(a, b, lower=True)
    assert type(out) is LazyArray and (out.shape, out.dtype) == ((2,), "float64")
    np.testing.assert_allclose(out.compute(), sl.solve_triangular(a, b, lower=True))
    out = lazyray.scipy.linalg.solve_triangular(lazyray.array(np.array(a)), np.array(b), lower=True)
    np.testing.assert_allclose(out.compute(), [1.0, 2.0])


def test_solve_triangular_check_finite():
    a, b = tri((3, 3)), rand((3,))
    a[0, 0] = np.nan
    with pytest.raises(ValueError, match="infs or NaNs"):
        lazyray.scipy.linalg.solve_triangular(lazyray.array(a), b).compute()
    out = lazyray.scipy.linalg.solve_triangular(lazyray.array(a), b, check_finite=False)
    assert out.kwargs == {"check_finite": False}
    assert np.isnan(out.compute()).any()


def V(shape, dtype="float64"):  # noqa: N802
    return lazyray.Variable(shape, dtype=dtype)


def _st(*args, **kwargs):
    return lambda: lazyray.scipy.linalg.solve_triangular(*args, **kwargs)


SOLVE_BAD = [
    ("non-square", _st(V((3, 4)), V((3,))), ValueError, "square"),
    ("1d-a", _st(V((3,)), V((3,))), ValueError, "square"),
    ("0d-a", _st(V(()), V((3,))), ValueError, "square"),
    ("non-square-stack", _st(V((2, 3, 4)), V((2, 3, 1))), ValueError, "square"),
    ("b-vec-mismatch", _st(V((3, 3)), V((4,))), ValueError, "incompatible"),
    ("b-mat-mismatch", _st(V((3, 3)), V((4, 2))), ValueError, "incompatible"),
    # a stack of vectors is no vector (scipy: b is a vector only when 1-d)
    ("b-stack-of-vectors", _st(V((5, 3, 3)), V((5, 3))), ValueError, "incompatible"),
    ("b-0d", _st(V((3, 3)), V(())), ValueError, "1-d"),
    ("batch", _st(V((2, 3, 3)), V((4, 3, 2))), ValueError, "solve_triangular"),
    ("empty-batch", _st(V((0, 3, 3)), V((3,))), ValueError, "zero-size"),
    ("trans-3", _st(V((3, 3)), V((3,)), trans=3), ValueError, "trans"),
    ("trans-neg", _st(V((3, 3)), V((3,)), trans=-1), ValueError, "trans"),
    ("trans-lower", _st(V((3, 3)), V((3,)), trans="t"), ValueError, "trans"),
    ("trans-X", _st(V((3, 3)), V((3,)), trans="X"), ValueError, "trans"),
    ("trans-float", _st(V((3, 3)), V((3,)), trans=1.5), ValueError, "trans"),
    ("trans-None", _st(V((3, 3)), V((3,)), trans=None), ValueError, "trans"),
    ("str-dtype", _st(np.array([["a"]]), V((1,))), TypeError, "solve_triangular"),
    ("object", _st(object(), V((1,))), TypeError, "solve_triangular"),
]


def test_scipy_raises_on_the_same_inputs():
    """The trace-time errors are scipy's own refusals (not lazyray's extras)."""
    # non-square, mismatched vector, a stack of vectors, batch, empty batch
    pairs = [((3, 4), (3,)), ((3, 3), (4,)), ((5, 3, 3), (5, 3)), ((2, 3, 3), (4, 3, 2))]
    for ash, bsh in [*pairs, ((0, 3, 3), (3,))]:
        with pytest.raises(ValueError):
            sl.solve_triangular(np.ones(ash), np.ones(bsh))


# ------------------------------------------------------------ expm


EXPM_DTYPES = "bool int8 int16 int32 int64 uint8 float16 float32 float64 complex64 complex128"

#: (id, shape, dtype)
EXPM_CASES = [(f"{d}-3x3", (3, 3), d) for d in EXPM_DTYPES.split()]
EXPM_CASES += [(f"{d}-1x1", (1, 1), d) for d in "bool int8 int16 float16 float32".split()]
EXPM_CASES += [
    ("batch", (2, 4, 4), "float64"),
    ("batch-c64", (2, 3, 3, 3), "complex64"),
    ("batch-1x1-int8", (3, 1, 1), "int8"),
    ("empty", (0, 0), "float32"),
    ("empty-int", (0, 0), "int8"),
    ("empty-stack", (2, 0, 0), "float16"),
    ("empty-batch", (0, 3, 3), "float64"),
    ("empty-batch-1x1", (0, 1, 1), "int8"),
    ("0d", (), "float32"),
    ("0d-bool", (), "bool"),
    ("0d-c64", (), "complex64"),
    ("1-element", (1,), "int8"),
]


def _expm_input(shape, dtype):
    a = rand(shape, dtype)
    return a / 2 if a.dtype.kind in "fc" else a


@pytest.mark.parametrize("cid, shape, dtype", EXPM_CASES, ids=[c[0] for c in EXPM_CASES])
def test_expm_against_scipy(cid, shape, dtype):
    a = _expm_input(shape, dtype)
    ref = sl.expm(a)
    out = lazyray.scipy.linalg.expm(lazyray.array(a))
    assert out.fn_name == EXPM
    if len(shape) >= 2:
        _one_node(out, EXPM, 1)
    assert (out.shape, out.dtype) == (ref.shape, ref.dtype.name), cid  # before computing
    got = out.compute()
    assert (got.shape, got.dtype) == (ref.shape, ref.dtype)
    _close(got, ref)


def test_expm_values():
    """expm of a nilpotent matrix is a finite series; of a diagonal, exp."""
    n = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    got = lazyray.scipy.linalg.expm(lazyray.array(n)).compute()
    np.testing.assert_allclose(got, np.eye(3) + n + n @ n / 2, atol=1e-12)
    d = lazyray.scipy.linalg.expm(np.diag([1.0, 2.0])).compute()
    np.testing.assert_allclose(d, np.diag(np.exp([1.0, 2.0])))


def _ex(x):
    return lambda: lazyray.scipy.linalg.expm(x)


EXPM_BAD = [
    ("non-square", _ex(V((3, 4))), ValueError, "square"),
    ("non-square-stack", _ex(V((2, 2, 3))), ValueError, "square"),
    ("1d", _ex(V((3,))), ValueError, "2 dimensions"),
    ("str-dtype", _ex(np.array([["a"]])), TypeError, "expm"),
    ("object", _ex(object()), TypeError, "expm"),
]


BAD = [(SOLVE, *b) for b in SOLVE_BAD] + [(EXPM, *b) for b in EXPM_BAD]


@pytest.mark.parametrize("op, bid, fn, exc, words", BAD, ids=[f"{b[0]}-{b[1]}" for b in BAD])
def test_bad_inputs_raise_at_trace_time_naming_the_op(op, bid, fn, exc, words):
    with pytest.raises(exc, match=words) as info:
        fn()
    assert op in str(info.value)


def test_tracing_needs_no_scipy():
    """scipy is imported when a node computes on numpy, never to trace."""
    code = (
        "import sys; sys.modules['scipy'] = None\n"  # (any `import scipy` fails)
        "import lazyray, lazyray.scipy\n"
        "x = lazyray.scipy.linalg.solve_triangular(lazyray.Variable((2, 3, 3)), [1, 2, 3])\n"
        "e = lazyray.scipy.linalg.expm(lazyray.array([[0.0, 1.0], [0.0, 0.0]]))\n"
        "print(x.shape, e.shape, str(e.dtype))\n"
        "try:\n    e.compute()\nexcept ImportError:\n    print('no scipy')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["(2, 3) (2, 2) float64", "no scipy"]
    assert lazyray.scipy.linalg.__all__ == ["expm", "solve_triangular"]


# ------------------------------------------------------------ autoray dispatch


def test_autoray_do_on_lazy_arrays():
    a, b = tri((4, 4), "float32", lower=True), rand((4,), "float32")
    la, lb = lazyray.array(a), lazyray.array(b)
    x = autoray.do("scipy.linalg.solve_triangular", la, lb, lower=True)
    _one_node(x, SOLVE, 2)
    assert (x.shape, x.dtype) == ((4,), "float32")
    _close(x.compute(), sl.solve_triangular(a, b, lower=True))
    e = autoray.do("scipy.linalg.expm", la)
    _one_node(e, EXPM, 1)
    _close(e.compute(), sl.expm(a))
    # by name, with numpy operands
    x = autoray.do("scipy.linalg.solve_triangular", a, b, lower=True, like="lazyray")
    assert type(x) is LazyArray and x.backend == "numpy"
    _close(x.compute(), sl.solve_triangular(a, b, lower=True))
    e = autoray.do("scipy.linalg.expm", a, like="lazyray")
    assert type(e) is LazyArray
    _close(e.compute(), sl.expm(a))
    assert autoray.get_lib_fn("lazyray", SOLVE) is lazyray.scipy.linalg.solve_triangular
    assert autoray.get_lib_fn("lazyray", EXPM) is lazyray.scipy.linalg.expm


def test_autoray_namespace():
    a = tri((3, 3), "complex64")
    xp = autoray.get_namespace(lazyray.array(a))
    x = xp.scipy.linalg.solve_triangular(lazyray.array(a), lazyray.array(rand((3, 1), "complex64")))
    assert type(x) is LazyArray and (x.shape, x.dtype) == ((3, 1), "complex64")
    assert xp.scipy.linalg.expm(lazyray.array(a)).fn_name == EXPM


# ------------------------------------------------------------ Function, source, pickle


def _graph():
    a, b = V((2, 3, 3), "float32"), V((3, 2), "float64")
    x = lazyray.scipy.linalg.solve_triangular(a, b, trans="C", lower=True, unit_diagonal=True)
    return [a, b], [x, lazyray.scipy.linalg.expm(a), lazyray.scipy.linalg.expm(x[..., :2, :])]


def _refs(a, b):
    x = sl.solve_triangular(a, b, trans="C", lower=True, unit_diagonal=True)
    return [x, sl.expm(a), sl.expm(x[..., :2, :])]


def test_function_source_and_pickle():
    ins, outs = _graph()
    shapes = [((2, 3, 2), "float64"), ((2, 3, 3), "float32"), ((2, 2, 2), "float64")]
    assert [(o.shape, o.dtype) for o in outs] == shapes
    f = lazyray.Function(ins, outs)
    a, b = tri((2, 3, 3), "float32", lower=True), rand((3, 2))
    refs = _refs(a, b)
    params: dict = {}
    src = f.get_source(params)
    assert "solve_triangular(x0, x1, trans=2, lower=True, unit_diagonal=True)" in src
    exec(src, params)  # the generated source runs
    g = pickle.loads(pickle.dumps(f))
    for run in (f, params["graph"], g):
        for got, ref in zip(run(a, b), refs):
            assert got.dtype == ref.dtype
            _close(got, ref)
    # an uncomputed graph pickles too, and computes after
    la, lb = lazyray.array(a), lazyray.array(b)
    x = lazyray.scipy.linalg.solve_triangular(la, lb, trans="C", lower=True, unit_diagonal=True)
    y = pickle.loads(pickle.dumps(lazyray.scipy.linalg.expm(x[..., :2, :])))
    assert y.fn_name == EXPM and y.deps[0].deps[0].fn_name == SOLVE
    _close(y.compute(), refs[2])
    # and in a fresh process, where only unpickling imports lazyray
    code = (
        "import pickle, sys, numpy as np\n"
        "f = pickle.load(sys.stdin.buffer)\n"
        "np.save(sys.stdout.buffer, f(*pickle.load(sys.stdin.buffer))[2])\n"
    )
    blob = pickle.dumps(f) + pickle.dumps((a, b))
    run = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode()
    _close(np.load(io.BytesIO(run.stdout)), refs[2])


# ------------------------------------------------------------ torch and jax


def _convert(backend, a):
    if backend == "torch":
        import torch

        return torch.from_numpy(np.ascontiguousarray(a))
    import jax.numpy as jnp

    return jnp.asarray(a)


def _to_numpy(x):
    return x.detach().resolve_conj().numpy() if hasattr(x, "detach") else np.asarray(x)


def _name(x):
    return str(x.dtype).removeprefix("torch.")


def _backend_dtype(backend, ref):
    """scipy's dtype as the backend gives it (jax without x64: 32-bit)."""
    d = ref.dtype.name
    if backend == "jax" and not __import__("jax").config.jax_enable_x64:
        return {"float64": "float32", "complex128": "complex64"}.get(d, d)
    return d


def _check_backend(backend, out, got, ref, inexact):
    assert out.backend == backend and autoray.infer_backend(got) == backend
    assert out.shape == ref.shape
    if inexact:  # (else the backend's own promotion; strict mode checked it)
        assert out.dtype == _backend_dtype(backend, ref)
    tol = 2e-3 if backend == "jax" or ref.dtype.itemsize <= 8 else 1e-9
    np.testing.assert_allclose(_to_numpy(got), ref, rtol=tol, atol=1e-4)


_ON_BACKEND = """f64-vec f64-mat-lower f32 c64 c128-vec trans1 trans2-lower trans-T trans-C
    unit-diag
    unit-lower-C no-check-overwrite int8 bool f32-f64 c64-f64 batch-a-vec batch-a-mat batch-b
    batch-both batch-bcast batch-square-b empty-k empty-n float32-3x3 float64-3x3 complex64-3x3
    complex128-3x3 int64-3x3 float32-1x1 int8-1x1 batch batch-c64 batch-1x1-int8 empty
    empty-batch""".split()
BACKEND_SOLVE = [c for c in SOLVE_CASES if c[0] in _ON_BACKEND]
BACKEND_EXPM = [c for c in EXPM_CASES if c[0] in _ON_BACKEND]
assert len(BACKEND_SOLVE) + len(BACKEND_EXPM) == len(_ON_BACKEND)


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize(
    "cid, ash, ad, bsh, bd, kwargs", BACKEND_SOLVE, ids=[c[0] for c in BACKEND_SOLVE]
)
def test_solve_triangular_on_backend(backend, cid, ash, ad, bsh, bd, kwargs):
    pytest.importorskip(backend)
    a, b = _solve_inputs(ash, ad, bsh, bd, kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        la, lb = lazyray.array(_convert(backend, a)), lazyray.array(_convert(backend, b))
        with lazyray.strict():  # the real shape and dtype are checked
            out = lazyray.scipy.linalg.solve_triangular(la, lb, **kwargs)
            _one_node(out, SOLVE, 2)
            got = out.compute()
    inexact = np.dtype(ad).kind in "fc" and np.dtype(bd).kind in "fc"
    _check_backend(backend, out, got, sl.solve_triangular(a, b, **kwargs), inexact)


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("cid, shape, dtype", BACKEND_EXPM, ids=[c[0] for c in BACKEND_EXPM])
def test_expm_on_backend(backend, cid, shape, dtype):
    pytest.importorskip(backend)
    a = _expm_input(shape, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        la = lazyray.array(_convert(backend, a))
        with lazyray.strict():
            out = autoray.do("scipy.linalg.expm", la)
            _one_node(out, EXPM, 1)
            got = out.compute()
    _check_backend(backend, out, got, sl.expm(a), np.dtype(dtype).kind in "fc")


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_function_retargeted(backend):
    """A graph traced on numpy Variables, called with the backend's arrays
    (numpy's, that is scipy's, dtypes), and compiled by jax."""
    pytest.importorskip(backend)
    ins, outs = _graph()
    f = lazyray.Function(ins, outs)
    a, b = tri((2, 3, 3), "float32", lower=True), rand((3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = f(_convert(backend, a), _convert(backend, b))
        compiled = f.compile("jax")(a, b) if backend == "jax" else got
    for g, c, ref in zip(got, compiled, _refs(a, b)):
        assert autoray.infer_backend(g) == backend
        assert _name(g) == _backend_dtype(backend, ref)
        np.testing.assert_allclose(_to_numpy(g), ref, rtol=2e-3, atol=1e-4)
        np.testing.assert_allclose(_to_numpy(c), ref, rtol=2e-3, atol=1e-4)


def test_torch_retarget_keeps_scipy_dtypes_of_integers():
    """numpy's meaning on torch: an int8 system is solved in float32, an
    int64 one in float64, a 1x1 int8 expm is float16 (numpy's exp)."""
    torch = pytest.importorskip("torch")
    a8, b8, a64, c8 = V((3, 3), "int8"), V((3,), "int8"), V((3, 3), "int64"), V((1, 1), "int8")
    outs = [
        lazyray.scipy.linalg.solve_triangular(a8, b8),
        lazyray.scipy.linalg.solve_triangular(a64, b8, lower=True),
        lazyray.scipy.linalg.expm(c8),
    ]
    assert [o.dtype for o in outs] == ["float32", "float64", "float16"]
    f = lazyray.Function([a8, b8, a64, c8], outs)
    x8, y8, z = tri((3, 3), "int8"), rand((3,), "int8"), rand((1, 1), "int8")
    x64 = tri((3, 3), "int64", lower=True)
    refs = [sl.solve_triangular(x8, y8), sl.solve_triangular(x64, y8, lower=True), sl.expm(z)]
    got = f(*(torch.from_numpy(v) for v in (x8, y8, x64, z)))
    for g, r in zip(got, refs):
        assert _name(g) == r.dtype.name
        np.testing.assert_allclose(_to_numpy(g), r, rtol=2e-3)
