"""Cumulative ops of the Array API 2024.12: ``cumulative_sum``,
``cumulative_prod`` (numpy 2's, with ``include_initial``) and ``diff``.

numpy and JAX have the cumulative functions; other backends run them as
``cumsum``/``cumprod`` with the identity put in front (see
:func:`lazyray.ops.portable.cumulative_impl`).  ``diff`` with ``prepend`` or
``append`` is recorded as a ``concatenate`` followed by ``diff``, which every
backend understands.

>>> import lazyray
>>> x = lazyray.Variable((2, 3), dtype="int8")
>>> y = lazyray.cumulative_sum(x, axis=1, include_initial=True)
>>> y.shape, str(y.dtype)
((2, 4), 'int64')
"""

from __future__ import annotations

import numpy as np

from ..graph import dtypes
from ..graph.node import supported_dtype
from ..graph.registry import REDUCTION, register
from ..graph.shapes import normalize_axis
from . import portable
from .common import LazyArray, constant, info, lazy, make
from .movement import broadcast_to, concatenate, ravel

__all__ = ["cumulative_sum", "cumulative_prod", "diff"]

for _name in ("cumulative_sum", "cumulative_prod"):
    register(_name, REDUCTION, impl=portable.cumulative_impl(_name), impl_is_factory=True)
register("diff", REDUCTION, impl=portable.diff_impl, impl_is_factory=True)


def _cumulative(name, np_fn, x, axis, dtype, include_initial):
    x = lazy(name, x)
    if x._shape == ():  # numpy's: a 0-d array scans as a 1-d one
        x = ravel(x)
    if axis is None:
        if len(x._shape) > 1:
            raise ValueError(
                f"{name}: axis is required for arrays of more than one dimension (shape {x._shape})"
            )
        axis = 0
    if type(axis) is not int and not isinstance(axis, np.integer):
        raise TypeError(f"{name}: axis must be an integer or None, got {axis!r}")
    axis = normalize_axis(name, int(axis), len(x._shape))
    name_dt = None if dtype is None else supported_dtype(name, dtype)
    static = () if name_dt is None else (("dtype", name_dt),)
    try:
        out = dtypes.probe(np_fn, (x._dtype,), static)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name}: not supported for dtype {x._dtype}: {e}") from None
    out = dtypes.finalize(x._backend, out, (x._dtype,) if name_dt is None else (out,))
    shape = list(x._shape)
    if include_initial:
        shape[axis] += 1
    # the result dtype is recorded when it is not x's (numpy widens small
    # integers; jax's scans would not), so that every backend gives it
    kwargs = {
        "axis": axis,
        "dtype": out if (name_dt is not None or out != x._dtype) else None,
        "include_initial": True if include_initial else None,
    }
    return make(name, (x,), kwargs, tuple(shape), out)


def cumulative_sum(
    x, /, *, axis: int | None = None, dtype=None, include_initial: bool = False
) -> LazyArray:
    """Cumulative sum along ``axis`` (which may be None only for 1-d ``x``),
    in ``dtype`` when given, else in numpy's (small integers widen to
    ``int64``/``uint64``); ``include_initial`` puts the sum of no elements,
    0, first.

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.array([1, 2, 3]))
    >>> lazyray.cumulative_sum(x, include_initial=True).compute()
    array([0, 1, 3, 6])
    """
    return _cumulative("cumulative_sum", np.cumulative_sum, x, axis, dtype, include_initial)


def cumulative_prod(
    x, /, *, axis: int | None = None, dtype=None, include_initial: bool = False
) -> LazyArray:
    """Cumulative product along ``axis`` (as :func:`cumulative_sum`; the
    initial value is 1).

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> lazyray.cumulative_prod(x, axis=0).compute()
    array([[1., 2.],
           [3., 8.]])
    """
    return _cumulative("cumulative_prod", np.cumulative_prod, x, axis, dtype, include_initial)


def _edge(value, x: LazyArray, axis: int):
    """``prepend``/``append`` as numpy takes them: an array (a Python scalar
    is strong, as ``np.asanyarray`` makes it), a 0-d one broadcast to ``x``'s
    shape with length 1 along ``axis``."""
    if type(value) is not LazyArray:
        if type(value) in dtypes.WEAK_TYPES or isinstance(value, (list, tuple)):
            value = np.asarray(value)
        value = lazy("diff", constant("diff", value, x._backend))
    if value._shape == ():
        shape = list(x._shape)
        shape[axis] = 1
        value = broadcast_to(value, tuple(shape))
    return value


def diff(x, /, n: int = 1, axis: int = -1, prepend=None, append=None) -> LazyArray:
    """The ``n``-th discrete difference along ``axis`` (numpy's ``diff``;
    ``n`` and ``axis`` by position or name), of ``x`` with ``prepend`` and
    ``append`` (arrays, or scalars repeated along ``axis``) put around it.

    Booleans differ by ``!=`` (as in numpy); ``n=0`` gives ``x`` itself.

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.array([1, 4, 9, 16]))
    >>> lazyray.diff(x).compute(), lazyray.diff(x, n=2, prepend=0).shape
    (array([3, 5, 7]), (3,))
    """
    x = lazy("diff", x)
    if type(n) is not int and not isinstance(n, np.integer):
        raise TypeError(f"diff: n must be an integer, got {type(n).__name__}")
    n = int(n)
    if n == 0:  # as numpy's: before axis and edges are looked at
        return x
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if x._shape == ():
        raise ValueError("diff: requires input that is at least one dimensional (shape ())")
    axis = normalize_axis("diff", axis, len(x._shape))
    parts = [
        *([_edge(prepend, x, axis)] if prepend is not None else []),
        x,
        *([_edge(append, x, axis)] if append is not None else []),
    ]
    if len(parts) > 1:
        # numpy concatenates arrays: no weak scalars are left here
        x = concatenate(parts, axis=axis)
    shape = list(x._shape)
    shape[axis] = max(shape[axis] - n, 0)
    dtype = info(x)[1]
    kwargs = {"n": n if n != 1 else None, "axis": axis}
    return make("diff", (x,), kwargs, tuple(shape), dtype)
