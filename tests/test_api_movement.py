"""Array API movement, creation and searching ops against eager numpy:
``repeat``, ``roll``, ``tile``, ``unstack``, ``meshgrid``,
``broadcast_arrays``, ``searchsorted``, ``vecdot``, ``from_dlpack``, and the
spec keywords of ``reshape``, ``asarray``, the creation functions
(``device=``) and ``expand_dims``.

Each record is traced from lazy leaves (constants and Variables), its static
shape and dtype compared with numpy's result before computing, then its
values; bad inputs must raise at trace time, with numpy raising too.
"""

from __future__ import annotations

import warnings

import autoray
import numpy as np
import pytest

import lazyray
from lazyray import LazyArray

RNG = np.random.default_rng(42)
A = RNG.normal(size=(3, 4))
I8 = RNG.integers(-5, 5, size=(2, 3, 4)).astype("int8")
Z = A + 1j * RNG.normal(size=(3, 4))
V = np.array([1.0, 2.0, 2.0, 5.0, np.nan])
S = np.array([3.0, 1.0, 2.0])

#: (id, function name, arguments (arrays become lazy leaves), kwargs)
CASES = [
    ("repeat-int", "repeat", (A, 2), {}),
    ("repeat-int-axis", "repeat", (A, 3), {"axis": -1}),
    ("repeat-zero", "repeat", (I8, 0), {"axis": 1}),
    ("repeat-list", "repeat", (A, [1, 0, 2]), {"axis": 0}),
    ("repeat-array", "repeat", (I8, np.array([2, 1, 0, 3])), {"axis": 2}),
    ("repeat-len1", "repeat", (A, np.array([2])), {}),
    ("repeat-0d", "repeat", (np.float32(3), 2), {"axis": 0}),
    ("roll-flat", "roll", (A, 5), {}),
    ("roll-neg", "roll", (I8, -7), {"axis": 1}),
    ("roll-tuple", "roll", (I8, (1, -2)), {"axis": (0, 2)}),
    ("roll-bcast", "roll", (A, 2), {"axis": (0, 1)}),
    ("roll-same-axis", "roll", (A, (1, 2)), {"axis": (1, 1)}),
    ("roll-0d", "roll", (np.float64(1.5), 3), {}),
    ("tile-int", "tile", (A, 2), {}),
    ("tile-more", "tile", (A, (2, 1, 3)), {}),
    ("tile-fewer", "tile", (I8, (2,)), {}),
    ("tile-ones", "tile", (A, (1, 1)), {}),
    ("tile-zero", "tile", (I8, (0, 2)), {}),
    ("searchsorted", "searchsorted", (np.sort(A[0]), A), {}),
    ("searchsorted-right", "searchsorted", (V, np.array([2.0, np.nan, 0])), {"side": "right"}),
    ("searchsorted-nan-left", "searchsorted", (V, np.array([np.nan, np.inf])), {}),
    ("searchsorted-sorter", "searchsorted", (S, np.array([2.5, 0])), {"sorter": np.argsort(S)}),
    ("searchsorted-int-float", "searchsorted", (np.arange(5), np.array([1.5, -1])), {}),
    ("vecdot", "vecdot", (A, A), {}),
    ("vecdot-complex", "vecdot", (Z, Z[::-1]), {}),
    ("vecdot-axis0", "vecdot", (Z, Z), {"axis": 0}),
    ("vecdot-bcast", "vecdot", (I8, I8[0, 0]), {}),
    ("vecdot-bcast-axis", "vecdot", (I8, I8[0, :, :1]), {"axis": -2}),
    ("vecdot-bool", "vecdot", (A > 0, A < 1), {}),
    ("reshape-shape-kw", "reshape", (A,), {"shape": (4, 3), "copy": False}),
    ("reshape-F", "reshape", (A, (2, 6), "F"), {}),
    ("reshape-copy", "reshape", (I8, (-1,)), {"copy": True}),
    ("expand_dims-neg", "expand_dims", (A,), {"axis": -3}),
    ("expand_dims-tuple", "expand_dims", (A,), {"axis": (0, -1)}),
    ("concat-none", "concat", ([A, I8],), {"axis": None}),
    ("zeros_like-device", "zeros_like", (I8,), {"device": "cpu"}),
    ("full_like-shape", "full_like", (I8, 3), {"shape": (2, 2)}),
]

#: (id, function name, arguments, kwargs, exception) - numpy raises too
BAD = [
    ("repeat-negative", "repeat", (A, -1), {}, ValueError),
    ("repeat-len", "repeat", (A, [1, 2]), {"axis": 0}, ValueError),
    ("repeat-float", "repeat", (A, np.array([1.0, 2.0, 1.0])), {"axis": 0}, TypeError),
    ("repeat-2d", "repeat", (A, np.ones((3, 1), int)), {"axis": 0}, ValueError),
    ("repeat-axis", "repeat", (A, 2), {"axis": 2}, IndexError),
    ("roll-axis", "roll", (A, 1), {"axis": 3}, IndexError),
    ("roll-mismatch", "roll", (A, (1, 2, 3)), {"axis": (0, 1)}, ValueError),
    ("tile-negative", "tile", (A, (-1, 2)), {}, ValueError),
    ("searchsorted-side", "searchsorted", (V, V), {"side": "middle"}, ValueError),
    ("searchsorted-2d", "searchsorted", (A, V), {}, ValueError),
    ("searchsorted-sorter-len", "searchsorted", (S, S), {"sorter": np.arange(2)}, ValueError),
    ("vecdot-size", "vecdot", (A, A[:, :3]), {}, ValueError),
    ("vecdot-axis", "vecdot", (A, A), {"axis": 2}, IndexError),
    ("vecdot-0d", "vecdot", (np.float64(1), np.float64(1)), {}, ValueError),
    ("expand_dims-axis", "expand_dims", (A,), {"axis": 3}, IndexError),
    ("reshape-size", "reshape", (A, (5, 2)), {}, ValueError),
]


def _lazy(args):
    def one(a):
        if isinstance(a, list):
            return [one(b) for b in a]
        return lazyray.asarray(a) if isinstance(a, (np.ndarray, np.generic)) else a

    return tuple(one(a) for a in args)


def _variables(args):
    """The array arguments as Variables (the first only; others constant)."""
    first = args[0]
    if isinstance(first, list):
        return args, []
    v = lazyray.Variable(np.shape(first), dtype=np.asarray(first).dtype.name)
    return (v, *_lazy(args[1:])), [v]


def _check(out, ref):
    assert type(out) is LazyArray
    ref = np.asarray(ref)
    assert (out.shape, out.dtype) == (ref.shape, ref.dtype), (out.shape, out.dtype, ref.dtype)
    got = out.compute()
    assert np.asarray(got).dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


@pytest.mark.parametrize("name, args, kwargs", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_against_numpy(name, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = getattr(np, name)(*args, **kwargs)
        _check(getattr(lazyray, name)(*_lazy(args), **kwargs), ref)
        # the same through autoray's dispatch
        _check(autoray.do(name, *_lazy(args), **kwargs), ref)
        # and as a Function of a Variable
        vargs, variables = _variables(args)
        if variables:
            out = getattr(lazyray, name)(*vargs, **kwargs)
            f = lazyray.Function(variables, out)
            np.testing.assert_array_equal(f(np.asarray(args[0])), ref)


@pytest.mark.parametrize("name, args, kwargs, exc", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_inputs_raise_at_trace_time(name, args, kwargs, exc):
    with pytest.raises(exc):
        getattr(np, name)(*args, **kwargs)
    vargs, _ = _variables(args)
    with pytest.raises(exc):
        getattr(lazyray, name)(*vargs, **kwargs)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack(axis):
    out = lazyray.unstack(lazyray.Variable(I8.shape, dtype="int8"), axis=axis)
    ref = np.unstack(I8, axis=axis)
    assert type(out) is tuple and len(out) == len(ref)
    for o, r in zip(lazyray.unstack(lazyray.asarray(I8), axis=axis), ref):
        _check(o, r)
    assert [o.shape for o in out] == [r.shape for r in ref]
    with pytest.raises(ValueError):
        lazyray.unstack(lazyray.asarray(np.float64(1)))
    with pytest.raises(IndexError):
        lazyray.unstack(lazyray.asarray(I8), axis=3)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("sparse", [False, True])
def test_meshgrid(indexing, sparse):
    arrays = [np.arange(3.0), np.arange(4, dtype="int8"), np.arange(2.0)]
    for k in (0, 1, 2, 3):
        ref = np.meshgrid(*arrays[:k], indexing=indexing, sparse=sparse)
        out = lazyray.meshgrid(*map(lazyray.asarray, arrays[:k]), indexing=indexing, sparse=sparse)
        assert type(out) is list and len(out) == len(ref)
        for o, r in zip(out, ref):
            _check(o, r)
    with pytest.raises(ValueError):
        lazyray.meshgrid(lazyray.asarray(arrays[0]), indexing="yx")


def test_broadcast_arrays():
    a, b, c = np.ones((3, 1)), np.arange(4, dtype="int8"), np.float32(2)
    out = lazyray.broadcast_arrays(lazyray.asarray(a), b, lazyray.asarray(c))
    ref = np.broadcast_arrays(a, b, c)
    assert type(out) is list
    for o, r in zip(out, ref):
        _check(o, r)
    assert lazyray.broadcast_arrays() == []
    with pytest.raises(ValueError):
        lazyray.broadcast_arrays(lazyray.asarray(a), np.ones((2, 2)))


def test_repeat_lazy_counts():
    x = lazyray.asarray(A)
    counts = lazyray.asarray(np.array([1, 0, 2])) + 1  # determined: computed
    _check(lazyray.repeat(x, counts, axis=0), np.repeat(A, [2, 1, 3], axis=0))
    with pytest.raises(TypeError, match="Variable"):
        lazyray.repeat(x, lazyray.Variable((3,), dtype="int64"), axis=0)
    with pytest.raises(TypeError, match="integers"):
        lazyray.repeat(x, lazyray.Variable((3,)), axis=0)


def test_elided_movement():
    x = lazyray.Variable((3, 4))
    assert lazyray.expand_dims(x).shape == (1, 3, 4)  # the Array API's default axis=0
    assert lazyray.roll(x, 0) is x and lazyray.roll(x, 4, axis=1) is x
    assert lazyray.tile(x, (1, 1)) is x


def test_searchsorted_lazy_sorter_and_scalar():
    s = lazyray.asarray(S)
    out = lazyray.searchsorted(s, s, sorter=lazyray.argsort(s))
    _check(out, np.searchsorted(S, S, sorter=np.argsort(S)))
    _check(lazyray.searchsorted(lazyray.sort(s), 2.5), np.searchsorted(np.sort(S), 2.5))


def test_from_dlpack():
    torch = pytest.importorskip("torch")
    t = torch.arange(6.0).reshape(2, 3)
    x = lazyray.from_dlpack(t)
    assert x.backend == "numpy" and (x.shape, x.dtype) == ((2, 3), "float32")
    np.testing.assert_array_equal(x.compute(), t.numpy())
    lz = lazyray.asarray(A)
    assert lazyray.from_dlpack(lz) is lz
    _check(lazyray.from_dlpack(np.arange(3), copy=True), np.arange(3))
    with pytest.raises(ValueError):
        lazyray.from_dlpack(np.arange(3), device="gpu")
    with pytest.raises(TypeError):
        lazyray.from_dlpack([1, 2])


def test_asarray_copy_and_device():
    data = np.arange(4.0)
    kept, copied = lazyray.asarray(data, copy=False), lazyray.asarray(data, copy=True)
    data[0] = 10.0
    assert kept.compute()[0] == 10.0 and copied.compute()[0] == 0.0
    assert lazyray.asarray([1, 2], dtype=lazyray.float32).dtype == "float32"
    with pytest.raises(ValueError):
        lazyray.asarray([1, 2], copy=False)  # as numpy: a list needs a copy
    with pytest.raises(ValueError):
        lazyray.asarray(data, dtype="float32", copy=False)
    with pytest.raises(ValueError):
        lazyray.asarray(lazyray.Variable((2,)), dtype="int32", copy=False)
    v = lazyray.Variable((2,))
    assert lazyray.asarray(v, copy=True) is v and lazyray.asarray(v, device="cpu") is v
    with pytest.raises(ValueError):
        lazyray.asarray(data, device="cuda")


@pytest.mark.parametrize(
    "make",
    [
        lambda d: lazyray.zeros((2,), device=d),
        lambda d: lazyray.ones((2,), device=d),
        lambda d: lazyray.empty((2,), device=d),
        lambda d: lazyray.full((2,), 1.0, device=d),
        lambda d: lazyray.arange(3, device=d),
        lambda d: lazyray.linspace(0, 1, 3, endpoint=False, device=d),
        lambda d: lazyray.eye(2, 3, k=1, device=d),
        lambda d: lazyray.ones_like(lazyray.Variable((2,)), device=d),
        lambda d: lazyray.empty_like(lazyray.Variable((2,)), device=d),
    ],
)
def test_creation_device(make):
    x = lazyray.Variable((2,))
    for d in (None, "cpu", x.device):
        assert type(make(d)) is LazyArray
    with pytest.raises(ValueError, match="device"):
        make("cuda:0")


def test_reshape_method():
    x = lazyray.asarray(A)
    for out in (x.reshape(4, 3), x.reshape((4, 3)), x.reshape(shape=(4, 3), copy=True)):
        _check(out, A.reshape(4, 3))
    _check(x.reshape(2, 6, order="F"), A.reshape(2, 6, order="F"))
    with pytest.raises(TypeError):
        x.reshape((4, 3), shape=(4, 3))


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_retarget(backend):
    mod = pytest.importorskip(backend)
    if backend == "jax":
        mod = pytest.importorskip("jax.numpy")
    x = lazyray.Variable((3, 4))
    xi = lazyray.Variable((3, 4), dtype="int64")
    outs = [
        lazyray.repeat(x, 2, axis=0),
        lazyray.repeat(x, [1, 0, 2], axis=0),
        lazyray.repeat(x, 2),
        lazyray.roll(x, (1, 2), axis=(0, 1)),
        lazyray.roll(x, 3),
        lazyray.tile(x, (2, 1, 2)),
        lazyray.searchsorted(lazyray.sort(x[0]), x),
        lazyray.searchsorted(x[0], x, side="right", sorter=lazyray.argsort(x[0])),
        lazyray.vecdot(x, x),
        lazyray.vecdot(xi, xi, axis=0),
        *lazyray.unstack(x, axis=1),
        *lazyray.meshgrid(x[0], x[:, 0]),
        *lazyray.broadcast_arrays(x, x[0]),
    ]
    f = lazyray.Function([x, xi], outs)
    a = A.astype("float32")
    ai = np.arange(12).reshape(3, 4)
    ref = f(a, ai)
    got = f(mod.asarray(a), mod.asarray(ai))
    for g, r in zip(got, ref):
        np.testing.assert_allclose(np.asarray(g), r, rtol=1e-6)
