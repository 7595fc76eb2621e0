"""``lazyray.pad`` against eager ``np.pad``: every mode with and without its
keyword, every spelling of ``pad_width``, integer, float, complex and bool
dtypes, empty and 0-d arrays; the static shape and dtype before computing,
then the values bit for bit (nan where numpy has nan, the sign of zeros);
every bad call rejected at trace time, as numpy rejects it, naming ``pad``;
``autoray.do("pad", ...)``; the same graph run on torch, dask and jax.
"""

from __future__ import annotations

import warnings

import autoray
import numpy as np
import pytest

import lazyray
from fuzz.ops_api_movement import PAD_MODES
from lazyray import LazyArray

RNG = np.random.default_rng(7)
DTYPES = [
    "int64",
    "int8",
    "uint8",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "bool",
]
SHAPES = [(3, 4, 5), (2, 3), (5,), (1, 4), ()]


def data(shape, dtype) -> np.ndarray:
    """Random values of ``dtype``, with a nan and a -0.0 in float arrays."""
    x = RNG.normal(size=shape) * 10
    if np.dtype(dtype).kind == "c":
        x = x + 1j * RNG.normal(size=shape)
    x = np.asarray(x).astype(dtype)
    if x.dtype.kind == "f" and x.size > 2:
        x.flat[1], x.flat[2] = np.nan, -0.0
    return x


def widths(ndim: int) -> list:
    """Every spelling of pad_width for an ``ndim``-d array."""
    out = [1, 3, (2,), (2, 1), ((0, 3),), np.int8(2)]
    if ndim:
        per_axis = tuple((i % 3, (i + 2) % 4) for i in range(ndim))
        out += [per_axis, np.array(per_axis), {-1: (1, 6)}, {0: 2}]
    return out


def per_axis(ndim: int, values) -> tuple:
    """One (before, after) pair per axis (one pair for a 0-d array)."""
    n = max(ndim, 1)
    return tuple((values[i % len(values)], values[(i + 1) % len(values)]) for i in range(n))


def keywords(mode: str, ndim: int) -> list:
    """The mode without and with its keyword, in its spellings."""
    if mode == "constant":
        return [
            {},
            {"constant_values": 5},
            {"constant_values": (1, -2)},
            {"constant_values": ((7, 8),)},
            {"constant_values": per_axis(ndim, [1, 2, 3])},
            {"constant_values": 1.5},
            {"constant_values": np.int64(-1)},  # a numpy int wraps into uint8
            {"constant_values": True},
        ]
    if mode == "linear_ramp":
        return [
            {},
            {"end_values": 4},
            {"end_values": (1.5, -2)},
            {"end_values": np.float32(0.1)},
            {"end_values": per_axis(ndim, [1.0, 2.5, 3.0])},
        ]
    if mode in ("maximum", "minimum", "mean", "median"):
        return [
            {},
            {"stat_length": 1},
            {"stat_length": (1, 2)},
            {"stat_length": 2.6},
            {"stat_length": per_axis(ndim, [1, 3, 2])},
        ]
    if mode in ("reflect", "symmetric"):
        return [{}, {"reflect_type": "even"}, {"reflect_type": "odd"}]
    return [{}]


MODES = list(PAD_MODES)


def same_bits(got, ref) -> bool:
    """Equal shape, dtype, values, nan positions and signs of zeros."""
    got, ref = np.asarray(got), np.asarray(ref)
    if got.shape != ref.shape or got.dtype != ref.dtype:
        return False
    if ref.dtype.kind == "c":
        return same_bits(got.real, ref.real) and same_bits(got.imag, ref.imag)
    if ref.dtype.kind != "f":
        return bool(np.array_equal(got, ref))
    return bool(
        np.array_equal(got, ref, equal_nan=True)
        and np.array_equal(np.signbit(got), np.signbit(ref))
    )


def quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # (numpy's odd reflections overflow)
        return fn(*args, **kwargs)


def check(x: np.ndarray, pad_width, mode: str = "constant", **kw) -> LazyArray:
    """Trace ``pad`` on a lazy leaf and on a Variable; shape and dtype before
    computing, then the values of both against ``np.pad``."""
    ref = quiet(np.pad, x, pad_width, mode=mode, **kw)
    y = quiet(lazyray.pad, lazyray.array(x), pad_width, mode=mode, **kw)
    assert isinstance(y, LazyArray)
    assert y.shape == ref.shape, (pad_width, mode, kw)
    assert y.dtype == ref.dtype
    v = lazyray.Variable(x.shape, dtype=x.dtype.name)
    f = lazyray.Function([v], [quiet(lazyray.pad, v, pad_width, mode, **kw)])
    if mode == "empty":  # undefined values in numpy: zeros in lazyray
        ref = np.pad(x, pad_width)
    for got in (quiet(y.compute), quiet(f, x)[0]):
        assert isinstance(got, np.ndarray)
        assert same_bits(got, ref), (x.dtype, x.shape, pad_width, mode, kw)
    return y


# ------------------------------------------------------------ values


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", MODES)
def test_pad_matches_numpy(mode, dtype):
    for shape in SHAPES:
        x = data(shape, dtype)
        for w in widths(len(shape)):
            for kw in keywords(mode, len(shape)):
                check(x, w, mode, **kw)


@pytest.mark.parametrize("mode", MODES)
def test_wide_padding_past_the_axis(mode):
    """Reflections and wraps repeated several times over a short axis."""
    x = data((3, 2), "float64")
    for w in [((7, 9), (5, 0)), 11, ((0, 4), (3, 8))]:
        for kw in keywords(mode, 2):
            check(x, w, mode, **kw)


@pytest.mark.parametrize("mode", MODES)
def test_empty_arrays(mode):
    """An empty axis may be padded by 'constant' and 'empty' only; the other
    axes of an empty array by any mode (the result is empty)."""
    x = np.zeros((0, 3), "float32")
    check(x, ((0, 0), (1, 2)), mode)
    if mode in ("constant", "empty"):
        y = check(x, 2, mode)
        assert y.shape == (4, 7)
    else:
        with pytest.raises(ValueError, match="pad.*empty axis 0"):
            lazyray.pad(lazyray.array(x), 2, mode)
        with pytest.raises(ValueError):
            np.pad(x, 2, mode)


def test_constant_values_cast_as_numpy_casts_them():
    u8 = data((2, 3), "uint8")
    check(u8, 1, constant_values=-1)  # a numpy scalar: wraps to 255
    check(u8, 1, constant_values=300)
    check(u8, 1, constant_values=(-1, 7))
    check(data((2, 3), "int64"), 1, constant_values=2.7)  # truncated
    check(data((3,), "float64"), 2, constant_values=None)  # numpy: nan
    check(data((3,), "bool"), 2, constant_values=None)  # numpy: False
    check(data((2, 2), "float32"), 1, constant_values=((np.nan, -0.0), (np.inf, 1e300)))
    check(data((2, 2), "float16"), 1, constant_values=70000.0)  # inf


def test_end_values_keep_numpy_precision():
    """A float32 end value makes numpy's ramp in float32, a Python float one
    weak in the promotion: the two differ, and each is numpy's."""
    x = (np.arange(5, dtype=np.float32) * np.float32(0.37)).reshape(1, 5)
    a = check(x, 7, "linear_ramp", end_values=np.float32(1 / 3)).compute()
    b = check(x, 7, "linear_ramp", end_values=float(np.float32(1 / 3))).compute()
    assert not np.array_equal(a, b)  # (the case is worth checking)
    check(x, 7, "linear_ramp", end_values=((0.1, 0.2), (0.3, 0.4)))
    check(x, 7, "linear_ramp", end_values=(np.float16(2), np.float16(3)))
    check(x.astype("int8"), 3, "linear_ramp", end_values=(100, -100))


# ------------------------------------------------------------ the node


def test_one_node_with_normalized_arguments():
    x = lazyray.Variable((3, 4))
    y = lazyray.pad(x, (1, 2), constant_values=((5, 5), (5, 5)))
    assert y.fn_name == "pad" and y.deps == (x,)
    assert y.args[1] == ((1, 2), (1, 2)) and y.kwargs == {"constant_values": 5.0}
    z = lazyray.pad(x, {1: 3}, mode="reflect", reflect_type="even")
    assert z.args[1] == ((0, 0), (3, 3)) and z.kwargs == {"mode": "reflect"}
    s = lazyray.pad(x, 1, mode="mean", stat_length=((9, 9),))  # (past the axis: the default)
    assert s.kwargs == {"mode": "mean"}
    s = lazyray.pad(x, 1, mode="mean", stat_length=2.6)
    assert s.kwargs == {"mode": "mean", "stat_length": 3}  # (rounded as numpy rounds)
    assert all(type(v) is int for pair in y.args[1] for v in pair)


def test_nothing_to_pad_returns_the_input():
    x = lazyray.Variable((3, 4))
    assert lazyray.pad(x, 0) is x
    assert lazyray.pad(x, ((0, 0), (0, 0)), mode="reflect") is x
    s = lazyray.array(np.float32(2.5))
    assert lazyray.pad(s, 3) is s  # numpy: a 0-d array has no axis to pad
    assert same_bits(lazyray.pad(s, 3).compute(), np.pad(np.float32(2.5), 3))


def test_empty_mode_pads_with_zeros_every_time():
    x = lazyray.array(np.ones((2, 2)))
    y = lazyray.pad(x, 1, mode="empty")
    assert not y.kwargs and same_bits(y.compute(), np.pad(np.ones((2, 2)), 1))


def test_autoray_do_pad():
    """autoray's own test_pad, on a lazyray array."""
    A = data((3, 4, 5), "float64")
    for pad_width in [2, ((1, 2),), ((4, 3), (2, 4), (3, 2)), ((0, 1), (2, 0), (3, 1))]:
        B = autoray.do("pad", lazyray.array(A), pad_width)
        assert isinstance(B, LazyArray) and B.fn_name == "pad"
        assert B.shape == np.pad(A, pad_width).shape
        assert same_bits(B.compute(), np.pad(A, pad_width))
    y = autoray.do("pad", lazyray.array(A), 1, mode="edge")
    assert same_bits(y.compute(), np.pad(A, 1, mode="edge"))


def test_the_docstring_example_values():
    x = lazyray.array(np.array([[1, 2], [3, 4]]))
    assert (
        lazyray.pad(x, 1, "reflect").compute().tolist()
        == np.pad([[1, 2], [3, 4]], 1, "reflect").tolist()
    )


# ------------------------------------------------------------ errors


X3 = data((3, 4, 5), "float64")
U8 = data((2, 3), "uint8")
I64 = data((2, 3), "int64")
LAZY = lazyray.Variable((2,), dtype="int64")

#: (id, array, args, kwargs, error): numpy raises it too (or, for a pair,
#: numpy raises the first and lazyray the second)
ERRORS = [
    ("negative", X3, (-1,), {}, ValueError),
    ("negative-pair", X3, (((1, -2),),), {}, ValueError),
    ("negative-axis", X3, (((1, 2), (0, 0), (0, -1)),), {}, ValueError),
    ("float", X3, (1.5,), {}, TypeError),
    ("float-pair", X3, (((1.0, 2),),), {}, TypeError),
    ("bool", X3, (True,), {}, TypeError),
    ("unsigned", X3, (np.uint8(2),), {}, TypeError),
    ("string", X3, ("a",), {}, TypeError),
    ("none", X3, (None,), {}, TypeError),
    ("empty-tuple", X3, ((),), {}, TypeError),
    ("too-many-pairs", X3, (((1, 2),) * 4,), {}, ValueError),
    ("three-widths", X3, ([1, 2, 3],), {}, ValueError),
    ("column-on-3d", X3, ([[1], [2]],), {}, ValueError),
    ("3d-widths", X3, ([[[1, 2]]],), {}, ValueError),
    ("ragged", X3, (((1, 2), (3,)),), {}, ValueError),
    ("pairs-on-0d", np.float64(1), (((1, 2), (3, 4)),), {}, ValueError),
    ("dict-axis", X3, ({3: 1},), {}, IndexError),
    ("dict-width", X3, ({0: 1.0},), {}, (AssertionError, TypeError)),
    ("mode", X3, (1, "nope"), {}, ValueError),
    ("mode-none", X3, (1, None), {}, ValueError),
    ("kw-edge", X3, (1, "edge"), {"constant_values": 1}, ValueError),
    ("kw-wrap", X3, (1, "wrap"), {"reflect_type": "odd"}, ValueError),
    ("kw-empty", X3, (1, "empty"), {"stat_length": 1}, ValueError),
    ("kw-constant", X3, (1,), {"end_values": 1}, ValueError),
    ("kw-ramp", X3, (1, "linear_ramp"), {"constant_values": 1}, ValueError),
    ("kw-reflect", X3, (1, "reflect"), {"stat_length": 1}, ValueError),
    ("kw-mean", X3, (1, "mean"), {"reflect_type": "odd"}, ValueError),
    ("kw-unknown", X3, (1,), {"foo": 1}, ValueError),
    ("cv-shape", X3, (1,), {"constant_values": (1, 2, 3)}, ValueError),
    ("cv-overflow", U8, (1,), {"constant_values": ((-1, 1), (1, 1))}, OverflowError),
    ("cv-nan-int", I64, (1,), {"constant_values": np.nan}, ValueError),
    ("cv-complex-float", X3, (1,), {"constant_values": per_axis(3, [1j, 2])}, TypeError),
    ("cv-string", I64, (1,), {"constant_values": "a"}, ValueError),
    ("cv-none-int", I64, (1,), {"constant_values": None}, TypeError),
    ("ev-shape", X3, (1, "linear_ramp"), {"end_values": (1, 2, 3)}, ValueError),
    ("ev-string", X3, (1, "linear_ramp"), {"end_values": "a"}, TypeError),
    ("sl-negative", X3, (1, "maximum"), {"stat_length": -1}, ValueError),
    ("sl-negative-pair", X3, (1, "mean"), {"stat_length": (2, -1)}, ValueError),
    ("sl-zero-max", X3, (1, "maximum"), {"stat_length": 0}, ValueError),
    ("sl-zero-min", X3, (1, "minimum"), {"stat_length": ((1, 0),)}, ValueError),
    ("sl-string", X3, (1, "median"), {"stat_length": "a"}, TypeError),
    ("sl-shape", X3, (1, "median"), {"stat_length": (1, 2, 3)}, ValueError),
]
for _mode in ("edge", "wrap", "reflect", "symmetric", "linear_ramp", "maximum", "minimum"):
    ERRORS.append((f"empty-axis-{_mode}", np.zeros((2, 0)), (1, _mode), {}, ValueError))
    ERRORS.append((f"empty-axis-0-{_mode}", np.zeros((0,)), ((0, 1), _mode), {}, ValueError))


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_at_trace_time(case):
    _, x, args, kwargs, error = case
    np_error, lazy_error = error if isinstance(error, tuple) else (error, error)
    with pytest.raises(np_error):
        quiet(np.pad, x, *args, **kwargs)
    for leaf in (lazyray.array(x), lazyray.Variable(np.shape(x), dtype=x.dtype.name)):
        with pytest.raises(lazy_error, match=r"^pad: "):
            lazyray.pad(leaf, *args, **kwargs)


#: rejections numpy does not make (lazyray's: a graph must mean the same on
#: every backend, and its static arguments must be static)
STRICTER = [
    ("lazy-width", (LAZY,), {}, TypeError),
    ("lazy-width-pair", (((LAZY, 1),),), {}, TypeError),
    ("lazy-constant", (1,), {"constant_values": LAZY}, TypeError),
    ("lazy-end", (1, "linear_ramp"), {"end_values": (LAZY, 1)}, TypeError),
    ("lazy-stat", (1, "mean"), {"stat_length": LAZY}, TypeError),
    ("function-mode", (1, lambda *a: None), {}, TypeError),
    ("reflect-type", (1, "reflect"), {"reflect_type": "sideways"}, ValueError),
]


@pytest.mark.parametrize("case", STRICTER, ids=[c[0] for c in STRICTER])
def test_stricter_than_numpy(case):
    _, args, kwargs, error = case
    with pytest.raises(error, match=r"^pad: "):
        lazyray.pad(lazyray.Variable((2, 3)), *args, **kwargs)


def test_numpy_accepts_what_numpy_skips():
    """numpy reads no statistic keyword of an empty array: neither does pad."""
    x = np.zeros((0, 3))
    for kw in ({"stat_length": -1}, {"stat_length": "a"}):
        check(x, ((0, 0), (1, 1)), "maximum", **kw)
    check(x, ((0, 0), (1, 1)), "linear_ramp", end_values=(1, 2, 3))
    check(np.array(1.0), 0, constant_values=(1, 2))  # 0-d: no axis, nothing cast


# ------------------------------------------------------------ other backends


def _graph(shape, dtype, pad_width, mode, **kw):
    v = lazyray.Variable(shape, dtype=dtype)
    return lazyray.Function([v], [lazyray.pad(v, pad_width, mode, **kw)])


BACKEND_CASES = [
    ((3, 4), "float64", ((1, 2), (3, 0)), "constant", {}),
    ((3, 4), "int64", 2, "constant", {"constant_values": ((1, 2), (3, 4))}),
    ((3, 4), "bool", (1, 2), "constant", {"constant_values": True}),
    ((3, 4), "complex128", 1, "constant", {"constant_values": 2 - 1j}),
    ((2, 3, 2), "float32", 1, "empty", {}),
    ((3, 2), "float64", ((7, 1), (2, 5)), "reflect", {}),
    ((3, 2), "int64", ((7, 1), (2, 5)), "symmetric", {}),
    ((3, 2), "uint8", ((7, 1), (2, 5)), "wrap", {}),
    ((3, 2), "float16", 3, "edge", {}),
    ((3, 4), "float64", 3, "reflect", {"reflect_type": "odd"}),
    ((3, 4), "int8", 3, "linear_ramp", {"end_values": (5, -5)}),
    ((3, 4), "float32", 3, "maximum", {"stat_length": 2}),
    ((3, 4), "int64", 2, "mean", {}),
    ((3, 4), "float64", 2, "median", {"stat_length": ((1, 2), (3, 1))}),
    ((3, 4), "complex64", 2, "minimum", {}),
]


def _run_on(convert, back, case):
    shape, dtype, pad_width, mode, kw = case
    x = data(shape, dtype)
    ref = quiet(np.pad, x, pad_width, mode=mode, **kw)
    got = np.asarray(back(quiet(_graph(shape, dtype, pad_width, mode, **kw), convert(x))[0]))
    if mode == "empty":
        assert got.shape == ref.shape and got.dtype == ref.dtype
    else:
        assert same_bits(got, ref), case


@pytest.mark.parametrize("case", BACKEND_CASES, ids=lambda c: f"{c[3]}-{c[1]}")
def test_torch(case):
    torch = pytest.importorskip("torch")
    _run_on(torch.from_numpy, lambda t: t.numpy(), case)


def test_torch_leaves_trace_on_torch():
    torch = pytest.importorskip("torch")
    x = data((3, 4), "float32")
    t = lazyray.array(torch.from_numpy(x))
    for mode, kw in [("constant", {"constant_values": (1, 2)}), ("wrap", {}), ("mean", {})]:
        y = lazyray.pad(t, ((1, 2), (5, 0)), mode, **kw)
        assert y.backend == "torch" and y.shape == (6, 9)
        out = y.compute()
        assert isinstance(out, torch.Tensor)
        assert same_bits(out.numpy(), np.pad(x, ((1, 2), (5, 0)), mode, **kw))


@pytest.mark.parametrize("case", BACKEND_CASES, ids=lambda c: f"{c[3]}-{c[1]}")
def test_dask(case):
    da = pytest.importorskip("dask.array")
    _run_on(lambda x: da.from_array(x, chunks=2), lambda d: d.compute(scheduler="sync"), case)


_JAX_DTYPES = {"float64": "float32", "int64": "int32", "complex128": "complex64"}


@pytest.mark.parametrize("case", BACKEND_CASES, ids=lambda c: f"{c[3]}-{c[1]}")
def test_jax(case):
    """jax's default types are 32-bit: the cases in those."""
    jnp = pytest.importorskip("jax.numpy")
    shape, dtype, pad_width, mode, kw = case
    case = (shape, _JAX_DTYPES.get(dtype, dtype), pad_width, mode, kw)
    _run_on(jnp.asarray, np.asarray, case)


def test_jax_under_jit():
    """Under a jax transformation the modes that compute values are jax's."""
    jax = pytest.importorskip("jax")
    x = data((3, 4), "float32")
    for mode in ("mean", "reflect", "constant"):
        f = _graph(x.shape, "float32", 2, mode)
        got = jax.jit(lambda a, f=f: f(a)[0])(jax.numpy.asarray(x))
        np.testing.assert_allclose(np.asarray(got), np.pad(x, 2, mode), rtol=1e-6)
