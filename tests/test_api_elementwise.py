"""Array API 2024.12 elementwise and cumulative ops against eager numpy:
shifts, ``copysign``, ``logaddexp``, ``nextafter``, ``round``, ``signbit``,
the ``<<``/``>>`` operators, ``clip``/``astype``/``std``/``var`` keywords,
``cumulative_sum``, ``cumulative_prod`` and ``diff``."""

from __future__ import annotations

import autoray
import numpy as np
import pytest

import lazyray as lr

RNG = np.random.default_rng(0)


def _data(shape, dtype):
    if dtype == "bool":
        return RNG.random(shape) > 0.5
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(0, 7, size=shape).astype(dtype)
    a = (RNG.standard_normal(shape) * 3).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * (RNG.standard_normal(shape) * 3).astype(dtype)
    return a


def check(lazy, ref):
    """Static shape and dtype before computing, then the values."""
    ref = np.asarray(ref)
    assert lazy.shape == ref.shape and lazy.dtype == ref.dtype.name, (lazy, ref.dtype)
    got = np.asarray(lazy.compute())
    assert got.dtype == ref.dtype
    np.testing.assert_array_equal(got, ref)


def lazy(a):
    return lr.array(a)


# ------------------------------------------------------------ elementwise

BINARY = [
    ("bitwise_left_shift", np.left_shift, "int16", "int16"),
    ("bitwise_left_shift", np.left_shift, "uint8", "int8"),
    ("bitwise_right_shift", np.right_shift, "int64", "uint8"),
    ("copysign", np.copysign, "float32", "float64"),
    ("copysign", np.copysign, "float16", "int8"),
    ("logaddexp", np.logaddexp, "float64", "float32"),
    ("logaddexp", np.logaddexp, "int32", "int32"),
    ("nextafter", np.nextafter, "float32", "float32"),
    ("nextafter", np.nextafter, "float64", "float16"),
]


@pytest.mark.parametrize("name,np_fn,d1,d2", BINARY)
def test_binary(name, np_fn, d1, d2):
    a, b = _data((2, 3), d1), _data((3,), d2)
    f = getattr(lr, name)
    check(f(lazy(a), lazy(b)), np_fn(a, b))
    check(f(lazy(a), 2), np_fn(a, 2))
    check(f(3, lazy(b)), np_fn(3, b))
    check(autoray.do(name, lazy(a), lazy(b)), np_fn(a, b))


@pytest.mark.parametrize(
    "expr", ["x << y", "x >> y", "x << 2", "2 << y", "x >> 1", "100 >> y"], ids=str
)
def test_shift_operators(expr):
    x, y = _data((2, 3), "int32"), _data((3,), "int32")
    check(eval(expr, {"x": lazy(x), "y": lazy(y)}), eval(expr, {"x": x, "y": y}))


def test_shift_errors_at_trace_time():
    x = lr.Variable((2, 3), dtype="float64")
    with pytest.raises(TypeError, match="bitwise_left_shift"):
        x << 1
    with pytest.raises(ValueError, match="bitwise_right_shift"):
        lr.Variable((2, 3), dtype="int8") >> lr.Variable((4,), dtype="int8")
    with pytest.raises(OverflowError, match="bitwise_left_shift"):
        lr.Variable((2,), dtype="uint8") << 300


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "uint8", "bool"])
def test_signbit(dtype):
    a = _data((4, 2), dtype)
    if dtype.startswith("float"):
        a[0, 0], a[0, 1] = -0.0, np.nan
    check(lr.signbit(lazy(a)), np.signbit(a))


def test_signbit_complex_rejected():
    with pytest.raises(TypeError, match="signbit"):
        lr.signbit(lr.Variable((2,), dtype="complex128"))


@pytest.mark.parametrize(
    "dtype,decimals",
    [
        ("float64", 0),
        ("float32", 1),
        ("float64", -1),
        ("float16", 0),
        ("complex128", 0),
        ("complex64", 1),
        ("int64", 0),
        ("int8", -1),
        ("uint8", 2),
        ("bool", 0),
    ],
)
def test_round(dtype, decimals):
    a = _data((3, 4), dtype)
    if dtype == "float64":
        a[0, :3] = [0.5, 1.5, 2.5]
    check(lr.round(lazy(a), decimals), np.round(a, decimals))
    check(lr.round(lazy(a), decimals=decimals), np.round(a, decimals=decimals))
    check(lazy(a).round(decimals), a.round(decimals))


def test_round_errors():
    with pytest.raises(TypeError, match="round"):
        lr.round(lr.Variable((2,), dtype="bool"), 1)
    with pytest.raises(TypeError, match="decimals"):
        lr.round(lr.Variable((2,)), 1.5)


# ------------------------------------------------------------------ clip

CLIPS = [
    # x dtype, args, kwargs, expected dtype (None: numpy's)
    ("float64", (0.0, 1.0), {}, None),
    ("float32", (), {"min": -1, "max": 1}, None),
    ("float32", (), {"a_min": -1.5}, None),
    ("float32", (None, None), {}, None),
    ("int8", (), {"max": 3}, None),
    ("float32", (), {"min": np.zeros(3)}, "float32"),  # Array API: x's dtype
    ("int8", (np.zeros(3, "int64"), None), {}, "int8"),
    ("uint8", (np.ones(3, "int8"),), {}, "uint8"),
    ("int8", (0.5, None), {}, None),  # another kind: numpy's float64
]


@pytest.mark.parametrize("dtype,args,kwargs,expected", CLIPS)
def test_clip(dtype, args, kwargs, expected):
    a = _data((2, 3), dtype)
    lo = args[0] if args else kwargs.get("min", kwargs.get("a_min"))
    hi = args[1] if len(args) > 1 else kwargs.get("max", kwargs.get("a_max"))
    ref = np.clip(a, lo, hi)
    if expected is not None:
        assert ref.dtype != expected
        ref = ref.astype(expected)
    check(lr.clip(lazy(a), *args, **kwargs), ref)
    check(lazy(a).clip(*args, **kwargs), ref)


def test_clip_errors():
    x = lr.Variable((2, 3))
    with pytest.raises(TypeError, match="clip"):
        lr.clip(x, 0, min=1)
    with pytest.raises(ValueError, match="clip"):
        lr.clip(x, lr.Variable((4,)), None)
    with pytest.raises(OverflowError, match="clip"):
        lr.clip(lr.Variable((2,), dtype="int8"), 1000, None)


def test_astype_keywords():
    a = _data((2, 3), "float64")
    x = lazy(a)
    check(lr.astype(x, "int32", copy=False, device="cpu"), a.astype("int32"))
    assert lr.astype(x, "float64", copy=True) is x  # a lazy graph never needs a copy
    with pytest.raises(ValueError, match="astype"):
        lr.astype(x, "int32", device="gpu")


@pytest.mark.parametrize(
    "dtype", ["float32", "float64", "int8", "uint16", "int64", "bool", "complex64"]
)
def test_conj_and_real_of_a_real_array_are_the_array(dtype):
    # as jax and torch: numpy's conj copies a real array, a lazy graph needs no copy
    a = _data((3, 4), dtype)
    x = lazy(a)
    kind = np.dtype(dtype).kind
    check(lr.conj(x), np.conj(a))  # (of bool: int8, numpy's)
    check(lr.real(x), np.real(a))
    assert (lr.conj(x) is x) == (kind in "fiu") and (lr.real(x) is x) == (kind != "c")
    assert (autoray.do("conj", x) is x) == (np.conj(x) is x) == (kind in "fiu")
    assert (x.conj() is x) == (kind != "c")  # (ndarray.conj keeps a bool array)


def test_std_var_correction():
    a = _data((4, 5), "float64")
    for f, g in ((lr.std, np.std), (lr.var, np.var)):
        got = f(lazy(a), axis=1, correction=1.5, keepdims=True)
        np.testing.assert_allclose(got.compute(), g(a, axis=1, ddof=1.5, keepdims=True))
        assert got.shape == (4, 1) and got.dtype == "float64"
        with pytest.raises(ValueError, match="correction"):
            f(lazy(a), ddof=1, correction=1)


# ------------------------------------------------------------ cumulative

CUMULATIVE = [
    ("int8", (5,), {}),
    ("uint8", (2, 3), {"axis": 1}),
    ("bool", (2, 3), {"axis": 0, "include_initial": True}),
    ("float32", (2, 3, 4), {"axis": -2, "include_initial": True}),
    ("int64", (3, 2), {"axis": 1, "dtype": "float32"}),
    ("complex64", (4,), {"include_initial": True, "dtype": "complex128"}),
    ("float64", (2, 0), {"axis": 1, "include_initial": True}),
    ("float64", (), {}),
]


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
@pytest.mark.parametrize("dtype,shape,kwargs", CUMULATIVE)
def test_cumulative(name, dtype, shape, kwargs):
    a = _data(shape, dtype)
    ref = getattr(np, name)(a, **kwargs)
    check(getattr(lr, name)(lazy(a), **kwargs), ref)
    check(autoray.do(name, lazy(a), **kwargs), ref)


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
def test_cumulative_errors(name):
    f = getattr(lr, name)
    with pytest.raises(ValueError, match=f"{name}: axis is required"):
        f(lr.Variable((2, 3)))
    with pytest.raises(ValueError, match=name):
        f(lr.Variable((2, 3)), axis=2)
    with pytest.raises(TypeError, match=name):
        f(lr.Variable((2, 3)), axis=(0,))


DIFFS = [
    ("float64", (5,), {}),
    ("int8", (3, 4), {"axis": 0}),
    ("uint8", (3, 4), {"n": 2}),
    ("bool", (6,), {"n": 2}),
    ("float32", (2, 5), {"n": 7}),
    ("int8", (3, 4), {"n": 0, "axis": 5}),
    ("int8", (2, 3), {"prepend": 1, "append": 2.5}),
    ("float32", (2, 3), {"axis": 0, "prepend": np.ones((1, 3), "float64")}),
    ("int16", (2, 3), {"append": np.ones((2, 2), "int16"), "n": 3}),
]


@pytest.mark.parametrize("dtype,shape,kwargs", DIFFS)
def test_diff(dtype, shape, kwargs):
    a = _data(shape, dtype)
    ref = np.diff(a, **kwargs)
    check(lr.diff(lazy(a), **kwargs), ref)
    check(autoray.do("diff", lazy(a), **kwargs), ref)


def test_diff_lazy_edges():
    a, p = _data((2, 3), "float64"), _data((2, 1), "float64")
    check(lr.diff(lazy(a), prepend=lazy(p), append=lazy(a)), np.diff(a, prepend=p, append=a))


def test_diff_errors():
    with pytest.raises(ValueError, match="diff"):
        lr.diff(lr.Variable(()))
    with pytest.raises(ValueError, match="diff"):
        lr.diff(lr.Variable((3,)), n=-1)
    with pytest.raises(ValueError, match="concatenate|diff"):
        lr.diff(lr.Variable((2, 3)), prepend=lr.Variable((3, 1)))
    with pytest.raises(ValueError, match="diff"):
        lr.diff(lr.Variable((2, 3)), axis=2)


# ------------------------------------------------ Function and backends


def _program(x, y):
    return [
        x << 1,
        y >> x,
        lr.copysign(lr.astype(x, "float64"), -1.0),
        lr.logaddexp(lr.astype(x, "float32"), lr.astype(y, "float32")),
        lr.nextafter(lr.astype(x, "float64"), 0.0),
        lr.signbit(lr.astype(x, "float64") - 3),
        lr.round(lr.astype(x, "float64") / 3, 1),
        lr.clip(x, 1, 4),
        lr.cumulative_sum(x, axis=1, include_initial=True),
        lr.cumulative_prod(lr.astype(x, "float64"), axis=0),
        lr.diff(x, axis=1, prepend=0),
    ]


def _np_program(x, y):
    return [
        x << 1,
        y >> x,
        np.copysign(x.astype("float64"), -1.0),
        np.logaddexp(x.astype("float32"), y.astype("float32")),
        np.nextafter(x.astype("float64"), 0.0),
        np.signbit(x.astype("float64") - 3),
        np.round(x.astype("float64") / 3, 1),
        np.clip(x, 1, 4),
        np.cumulative_sum(x, axis=1, include_initial=True),
        np.cumulative_prod(x.astype("float64"), axis=0),
        np.diff(x, axis=1, prepend=0),
    ]


def test_function_numpy():
    a, b = _data((2, 3), "int64"), _data((2, 3), "int64") + 64
    x, y = lr.Variable((2, 3), dtype="int64"), lr.Variable((2, 3), dtype="int64")
    f = lr.Function([x, y], _program(x, y))
    for g, r in zip(f(a, b), _np_program(a, b)):
        np.testing.assert_array_equal(g, r)
        assert np.asarray(g).dtype == r.dtype


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_retargeted(backend):
    mod = pytest.importorskip(backend)
    a, b = _data((2, 3), "int32"), _data((2, 3), "int32") + 64
    x, y = lr.Variable((2, 3), dtype="int32"), lr.Variable((2, 3), dtype="int32")
    f = lr.Function([x, y], _program(x, y))
    if backend == "torch":
        got = f(mod.from_numpy(a), mod.from_numpy(b))
    else:
        got = f(mod.numpy.asarray(a), mod.numpy.asarray(b))
    for g, r in zip(got, _np_program(a, b)):
        assert autoray.infer_backend(g) == backend
        np.testing.assert_allclose(np.asarray(g), r, rtol=1e-6)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_traced_on_backend(backend):
    mod = pytest.importorskip(backend)
    a = _data((2, 3), "float32")
    t = mod.from_numpy(a) if backend == "torch" else mod.numpy.asarray(a)
    x = lr.array(t)
    outs = {
        "round": (lr.round(x, 1), np.round(a, 1)),
        "copysign": (lr.copysign(x, -2.0), np.copysign(a, np.float32(-2.0))),
        "nextafter": (lr.nextafter(x, 0.0), np.nextafter(a, np.float32(0.0))),
        "cumsum": (lr.cumulative_sum(x, axis=0, include_initial=True), None),
        "diff": (lr.diff(x, n=2), np.diff(a, n=2)),
        "complex_round": (lr.round(lr.complex(x, x), 0), np.round(a + 1j * a, 0)),
    }
    for key, (node, ref) in outs.items():
        got = np.asarray(node.compute())
        if ref is None:
            ref = np.cumulative_sum(a, axis=0, include_initial=True)
        assert got.shape == ref.shape and node.shape == ref.shape, key
        assert str(got.dtype) == str(node.dtype), key
        np.testing.assert_allclose(got, ref, rtol=1e-6, err_msg=key)
