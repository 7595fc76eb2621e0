"""``lazyray.fft``: the Array API 2024.12 ``fft`` extension.

Each transform is one op (``fft.fft``, ``fft.rfftn``, ...) with numpy's
shape rule (``n``, ``s``, ``axis``, ``axes``; an ``s`` entry of ``-1`` keeps
the input's length, on ``irfftn``'s last axis too) and numpy 2's dtype rule:
``float16``, ``float32`` and ``complex64`` give ``complex64`` (``float32``
for the real-output ``irfft``, ``irfftn`` and ``hfft``; ``float16`` stays
``float16``), the other dtypes ``complex128`` (``float64``).  ``rfft``,
``rfftn`` and ``ihfft`` take real input only.  ``norm`` is ``"backward"``
(default), ``"ortho"`` or ``"forward"``.  On torch, ``axis``/``axes`` are
passed as ``dim``.

>>> import lazyray
>>> y = lazyray.fft.rfft(lazyray.Variable((4, 10), dtype="float32"), n=16)
>>> y.shape, str(y.dtype)
((4, 9), 'complex64')
"""

from __future__ import annotations

import operator

import autoray

from ..graph import dtypes
from ..graph.registry import CREATION, MOVEMENT, OTHER, register
from ..graph.shapes import normalize_axis
from .common import LazyArray, lazy, make, named

__all__ = """fft ifft fftn ifftn rfft irfft rfftn irfftn hfft ihfft fftfreq rfftfreq fftshift
    ifftshift""".split()

_NORMS = ("backward", "ortho", "forward")


# ------------------------------------------------------------ backend impls


def _transform_impl(name):
    def factory(backend):
        fn = autoray.get_lib_fn(backend, f"fft.{name}")
        if backend != "torch":
            return fn

        def call(x, axis=None, axes=None, **kwargs):  # torch's ``dim``
            return fn(x, dim=axes if axis is None else axis, **kwargs)

        return named(call, name)

    return factory


def _freq_impl(name):
    def factory(backend):
        fn = autoray.get_lib_fn(backend, f"fft.{name}")

        def call(n, d=1.0, dtype="float64"):
            if backend == "numpy":
                return fn(n, d).astype(dtype, copy=False)
            return fn(n, d, dtype=autoray.to_backend_dtype(dtype, like=backend))

        return named(call, name)

    return factory


for _n in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftn", "ifftn", "rfftn", "irfftn"):
    register(f"fft.{_n}", OTHER, impl=_transform_impl(_n), impl_is_factory=True)
for _n in ("fftshift", "ifftshift"):
    register(f"fft.{_n}", MOVEMENT, impl=_transform_impl(_n), impl_is_factory=True)
for _n in ("fftfreq", "rfftfreq"):
    register(f"fft.{_n}", CREATION, impl=_freq_impl(_n), impl_is_factory=True)


# ------------------------------------------------------------ rules


def _result_dtype(op: str, name: str, x: LazyArray) -> str:
    """numpy 2's result dtype of transform ``name`` of ``x`` (complex, or real
    for the real-output ones; ``rfft``, ``rfftn`` and ``ihfft`` take real input)."""
    d = x._dtype
    if name in ("irfft", "irfftn", "hfft"):
        out = {"float16": "float16", "float32": "float32", "complex64": "float32"}.get(d, "float64")
    else:
        if name in ("rfft", "rfftn", "ihfft") and dtypes.is_complex(d):
            raise TypeError(f"{op}: input must be real, got dtype {d}")
        out = "complex64" if d in ("float16", "float32", "complex64") else "complex128"
    return dtypes.finalize(x._backend, out, (d,))


def _norm(op: str, norm) -> str | None:
    if norm is None or norm == "backward":
        return None
    if norm not in _NORMS:
        raise ValueError(f"{op}: invalid norm {norm!r}; expected one of {_NORMS}")
    return norm


def _points(op: str, n, what: str = "n") -> int:
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an integer, got {type(n).__name__}") from None
    if n < 1:
        raise ValueError(f"{op}: invalid number of data points ({n}) specified")
    return n


def _one_d(name, x, n, axis, norm):
    op = f"fft.{name}"
    x = lazy(op, x)
    ax = normalize_axis(op, axis, len(x._shape))
    length = x._shape[ax] if n is None else _points(op, n)
    if name in ("rfft", "ihfft"):
        length = length // 2 + 1
    elif n is None and name in ("irfft", "hfft"):
        length = 2 * (length - 1)
    if length < 1:
        raise ValueError(
            f"{op}: invalid number of data points ({length}) for axis {axis} of shape {x._shape}"
        )
    shape = x._shape[:ax] + (length,) + x._shape[ax + 1 :]
    kwargs = {"n": None if n is None else operator.index(n), "axis": ax, "norm": _norm(op, norm)}
    return make(op, (x,), kwargs, shape, _result_dtype(op, name, x))


def fft(x, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> LazyArray:
    """One-dimensional discrete Fourier transform along ``axis``, the input
    cropped or zero-padded to ``n`` points.

    >>> import lazyray
    >>> y = lazyray.fft.fft(lazyray.Variable((3, 8), dtype="complex64"), n=5, axis=0)
    >>> y.shape, str(y.dtype)
    ((5, 8), 'complex64')
    """
    return _one_d("fft", x, n, axis, norm)


def ifft(x, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> LazyArray:
    """One-dimensional inverse discrete Fourier transform along ``axis``.

    >>> import lazyray
    >>> lazyray.fft.ifft(lazyray.Variable((3, 8), dtype="complex128")).shape
    (3, 8)
    """
    return _one_d("ifft", x, n, axis, norm)


def rfft(x, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> LazyArray:
    """Transform of real input: the ``n // 2 + 1`` non-negative frequencies.

    >>> import lazyray
    >>> lazyray.fft.rfft(lazyray.Variable((3, 8), dtype="float32")).shape
    (3, 5)
    """
    return _one_d("rfft", x, n, axis, norm)


def irfft(x, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> LazyArray:
    """Inverse of :func:`rfft`: ``n`` real points (default ``2 * (m - 1)``).

    >>> import lazyray
    >>> y = lazyray.fft.irfft(lazyray.Variable((3, 5), dtype="complex64"))
    >>> y.shape, str(y.dtype)
    ((3, 8), 'float32')
    """
    return _one_d("irfft", x, n, axis, norm)


def hfft(x, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> LazyArray:
    """Transform of a signal with Hermitian symmetry (a real spectrum of
    ``n`` points, default ``2 * (m - 1)``).

    >>> import lazyray
    >>> lazyray.fft.hfft(lazyray.Variable((5,), dtype="complex128"), n=7).shape
    (7,)
    """
    return _one_d("hfft", x, n, axis, norm)


def ihfft(x, /, *, n: int | None = None, axis: int = -1, norm: str = "backward") -> LazyArray:
    """Inverse of :func:`hfft` for real input: ``n // 2 + 1`` points.

    >>> import lazyray
    >>> lazyray.fft.ihfft(lazyray.Variable((8,), dtype="float64")).shape
    (5,)
    """
    return _one_d("ihfft", x, n, axis, norm)


def _n_d(name, x, s, axes, norm):
    op = f"fft.{name}"
    x = lazy(op, x)
    nd = len(x._shape)
    if axes is None:
        if s is not None and len(tuple(s)) > nd:
            raise ValueError(f"{op}: s {tuple(s)} has more entries than shape {x._shape}")
        axes_ = tuple(range(nd)) if s is None else tuple(range(nd - len(tuple(s)), nd))
    else:
        axes_ = tuple(normalize_axis(op, a, nd) for a in axes)
    if len(set(axes_)) != len(axes_):
        raise ValueError(f"{op}: repeated axis in {tuple(axes)} (shape {x._shape})")
    if not axes_:
        raise ValueError(f"{op}: needs at least one axis (shape {x._shape})")
    if s is None:
        lens = [x._shape[a] for a in axes_]
        if name == "irfftn":
            lens[-1] = 2 * (lens[-1] - 1)
    else:
        s = tuple(s)
        if len(s) != len(axes_):
            raise ValueError(f"{op}: s {s} and axes {tuple(axes_)} have different lengths")
        lens = [_points(op, x._shape[a] if k == -1 else k, "s") for a, k in zip(axes_, s)]
    shape = list(x._shape)
    for a, k in zip(axes_, lens):
        if k < 1:
            raise ValueError(
                f"{op}: invalid number of data points ({k}) for axis {a} of shape {x._shape}"
            )
        shape[a] = k
    if name == "rfftn":
        shape[axes_[-1]] = lens[-1] // 2 + 1
    kwargs = {"s": None if s is None else tuple(lens), "axes": axes_, "norm": _norm(op, norm)}
    return make(op, (x,), kwargs, tuple(shape), _result_dtype(op, name, x))


def fftn(x, /, *, s=None, axes=None, norm: str = "backward") -> LazyArray:
    """n-dimensional discrete Fourier transform over ``axes`` (default all),
    each cropped or zero-padded to ``s``.

    >>> import lazyray
    >>> x = lazyray.Variable((3, 4, 5), dtype="complex64")
    >>> lazyray.fft.fftn(x, s=(6, 2), axes=(0, 2)).shape
    (6, 4, 2)
    """
    return _n_d("fftn", x, s, axes, norm)


def ifftn(x, /, *, s=None, axes=None, norm: str = "backward") -> LazyArray:
    """n-dimensional inverse discrete Fourier transform.

    >>> import lazyray
    >>> lazyray.fft.ifftn(lazyray.Variable((3, 4), dtype="complex64")).shape
    (3, 4)
    """
    return _n_d("ifftn", x, s, axes, norm)


def rfftn(x, /, *, s=None, axes=None, norm: str = "backward") -> LazyArray:
    """n-dimensional transform of real input (the last axis halved).

    >>> import lazyray
    >>> lazyray.fft.rfftn(lazyray.Variable((3, 4, 8), dtype="float32")).shape
    (3, 4, 5)
    """
    return _n_d("rfftn", x, s, axes, norm)


def irfftn(x, /, *, s=None, axes=None, norm: str = "backward") -> LazyArray:
    """Inverse of :func:`rfftn` (the last axis ``2 * (m - 1)`` unless ``s``
    says).

    >>> import lazyray
    >>> lazyray.fft.irfftn(lazyray.Variable((3, 4, 5), dtype="complex64")).shape
    (3, 4, 8)
    """
    return _n_d("irfftn", x, s, axes, norm)


def _freq(name, n, d, dtype, backend, length):
    op = f"fft.{name}"
    n = _points(op, n)
    if isinstance(d, bool) or not isinstance(d, (int, float)):
        try:
            d = float(d)
        except (TypeError, ValueError):
            raise TypeError(f"{op}: d must be a real number, got {type(d).__name__}") from None
    backend = backend or "numpy"
    if dtype is None:
        dt = dtypes.default_float(backend)
    else:
        dt = dtypes.dtype_name(dtype)
        if not dtypes.is_floating(dt):
            raise TypeError(f"{op}: dtype must be a real floating dtype, got {dt}")
        dt = dtypes.finalize(backend, dt, (dt,)) if backend in ("jax", "jaxlib") else dt
    return make(op, (n,), {"d": float(d), "dtype": dt}, (length,), dt, (), backend)


def fftfreq(n: int, /, *, d: float = 1.0, dtype=None, device=None, backend=None) -> LazyArray:
    """The sample frequencies of an ``n``-point transform with sample
    spacing ``d`` (dtype: the default float unless given).

    >>> import lazyray
    >>> lazyray.fft.fftfreq(4, d=0.5).compute()
    array([ 0. ,  0.5, -1. , -0.5])
    """
    return _freq("fftfreq", n, d, dtype, backend, operator.index(n))


def rfftfreq(n: int, /, *, d: float = 1.0, dtype=None, device=None, backend=None) -> LazyArray:
    """The non-negative sample frequencies of :func:`rfft` (``n // 2 + 1``).

    >>> import lazyray
    >>> lazyray.fft.rfftfreq(5, dtype="float32").shape
    (3,)
    """
    return _freq("rfftfreq", n, d, dtype, backend, operator.index(n) // 2 + 1)


def _shift(name, x, axes):
    op = f"fft.{name}"
    x = lazy(op, x)
    nd = len(x._shape)
    if axes is not None:
        if isinstance(axes, (list, tuple)):
            axes = tuple(normalize_axis(op, a, nd) for a in axes)
        else:
            axes = normalize_axis(op, axes, nd)
    return make(op, (x,), {"axes": axes}, x._shape, x._dtype)


def fftshift(x, /, *, axes=None) -> LazyArray:
    """Move the zero frequency to the centre (a roll by ``n // 2`` over
    ``axes``, default all).

    >>> import lazyray
    >>> lazyray.fft.fftshift(lazyray.fft.fftfreq(4)).compute()
    array([-0.5 , -0.25,  0.  ,  0.25])
    """
    return _shift("fftshift", x, axes)


def ifftshift(x, /, *, axes=None) -> LazyArray:
    """Inverse of :func:`fftshift`.

    >>> import lazyray
    >>> lazyray.fft.ifftshift(lazyray.fft.fftshift(lazyray.fft.fftfreq(5))).compute()
    array([ 0. ,  0.2,  0.4, -0.4, -0.2])
    """
    return _shift("ifftshift", x, axes)
