"""Reductions (``axis`` as int, negative int, tuple or None; ``keepdims``)
and scans (``cumsum``, ``cumprod``)."""

from __future__ import annotations

import builtins

import numpy as np

from . import dtypes
from .common import lazy, make
from .movement import ravel
from .registry import REDUCTION, register
from .shapes import normalize_axes, normalize_axis, scalar_axis


def reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    """Shape after reducing ``axes`` (normalized, sorted).

    >>> reduced_shape((2, 3, 4), (0, 2), False), reduced_shape((2, 3), (1,), True)
    ((3,), (2, 1))
    """
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _reduce(name, x, axis, keepdims, np_fn, extra=None, single_axis=False, empty_ok=True):
    x = lazy(name, x)
    if single_axis and isinstance(axis, (tuple, list)):
        raise TypeError(f"{name}: axis must be an integer or None, got {axis!r}")
    axis = scalar_axis(name, x._shape, axis)
    axes = normalize_axes(name, axis, len(x._shape))
    if not empty_ok and builtins.any(x._shape[a] == 0 for a in axes):
        raise ValueError(
            f"{name}: zero-size reduction (shape {x._shape}, axis {axis}) has no identity"
        )
    shape = reduced_shape(x._shape, axes, bool(keepdims))
    static = tuple(sorted((extra or {}).items()))
    static = tuple((k, v) for k, v in static if k == "dtype" and v is not None)
    try:
        dtype = dtypes.probe(np_fn, (x._dtype,), static)
    except TypeError as e:
        raise TypeError(f"{name}: not supported for dtype {x._dtype}: {e}") from None
    dtype = dtypes.finalize(x._backend, dtype, (x._dtype,))
    if axis is not None and not isinstance(axis, (tuple, list)):
        axis = normalize_axis(name, axis, len(x._shape))
    elif isinstance(axis, list):
        axis = tuple(axis)
    kwargs = {"axis": axis, "keepdims": True if keepdims else None, **(extra or {})}
    return make(name, (x,), kwargs, shape, dtype)


for _n in ("sum", "prod"):
    # a ``dtype=`` keyword stays a name in the graph (torch gets its dtype object)
    register(_n, REDUCTION, impl=dtypes.backend_dtype_impl(_n), impl_is_factory=True)
for _n in (
    "mean",
    "std",
    "var",
    "min",
    "max",
    "all",
    "any",
    "argmin",
    "argmax",
    "count_nonzero",
    "cumsum",
    "cumprod",
):
    register(_n, REDUCTION)


def sum(x, axis=None, keepdims=False, dtype=None):  # noqa: A001
    """Sum over ``axis``.

    >>> import lazyray
    >>> lazyray.sum(lazyray.Variable((2, 3, 4), dtype="int8"), axis=(0, -1)).dtype
    'int64'
    """
    return _reduce("sum", x, axis, keepdims, np.sum, {"dtype": _dtype_or_none(dtype)})


def prod(x, axis=None, keepdims=False, dtype=None):  # noqa: F811 - numpy name
    """Product over ``axis``."""
    return _reduce("prod", x, axis, keepdims, np.prod, {"dtype": _dtype_or_none(dtype)})


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (integers give float64).

    >>> import lazyray
    >>> lazyray.mean(lazyray.Variable((2, 3), dtype="int32"), axis=1).dtype
    'float64'
    """
    return _reduce("mean", x, axis, keepdims, np.mean)


def std(x, axis=None, ddof=0, keepdims=False):
    """Standard deviation over ``axis``."""
    return _reduce("std", x, axis, keepdims, np.std, {"ddof": ddof or None})


def var(x, axis=None, ddof=0, keepdims=False):
    """Variance over ``axis`` (complex input gives a real dtype)."""
    return _reduce("var", x, axis, keepdims, np.var, {"ddof": ddof or None})


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over ``axis`` (an empty reduction is an error)."""
    return _reduce("min", x, axis, keepdims, np.min, empty_ok=False)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over ``axis`` (an empty reduction is an error)."""
    return _reduce("max", x, axis, keepdims, np.max, empty_ok=False)


def all(x, axis=None, keepdims=False):  # noqa: A001
    """Whether all elements along ``axis`` are true."""
    return _reduce("all", x, axis, keepdims, np.all)


def any(x, axis=None, keepdims=False):  # noqa: A001
    """Whether any element along ``axis`` is true."""
    return _reduce("any", x, axis, keepdims, np.any)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along ``axis`` (int or None: flattened)."""
    return _reduce("argmin", x, axis, keepdims, np.argmin, single_axis=True, empty_ok=False)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along ``axis`` (int or None: flattened)."""
    return _reduce("argmax", x, axis, keepdims, np.argmax, single_axis=True, empty_ok=False)


def count_nonzero(x, axis=None, keepdims=False):
    """Number of non-zero elements along ``axis``."""
    return _reduce("count_nonzero", x, axis, keepdims, np.count_nonzero)


def _scan(name, x, axis, np_fn):
    x = lazy(name, x)
    if x._backend in ("jax", "jaxlib") and dtypes.is_integer(x._dtype):
        # jax scans keep small integer types (numpy widens them)
        dtype = dtypes.finalize(x._backend, x._dtype, (x._dtype,))
    else:
        dtype = dtypes.finalize(x._backend, dtypes.probe(np_fn, (x._dtype,)), (x._dtype,))
    axis = scalar_axis(name, x._shape, axis)
    if axis is None:
        # numpy scans the flattened array: recorded as ravel + scan(axis=0),
        # which every backend understands
        x, axis = ravel(x), 0
    axis = normalize_axis(name, axis, len(x._shape))
    return make(name, (x,), {"axis": axis}, x._shape, dtype)


def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (None: of the flattened array).

    >>> import lazyray
    >>> lazyray.cumsum(lazyray.Variable((2, 3))).shape
    (6,)
    """
    return _scan("cumsum", x, axis, np.cumsum)


def cumprod(x, axis=None):
    """Cumulative product along ``axis`` (None: of the flattened array)."""
    return _scan("cumprod", x, axis, np.cumprod)


def _dtype_or_none(dtype):
    return None if dtype is None else dtypes.dtype_name(dtype)
