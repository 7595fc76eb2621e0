"""Shape helpers shared by the op families.

Every helper follows numpy exactly and raises ``ValueError`` (or
``TypeError`` for arguments of the wrong kind) naming the op and the shapes.
"""

from __future__ import annotations

import math
import operator
from functools import lru_cache

from numpy.exceptions import AxisError


def prod(shape) -> int:
    """Number of elements of ``shape``.

    >>> prod((2, 3, 4))
    24
    """
    return math.prod(shape)


def broadcast_shapes(op: str, *shapes: tuple) -> tuple:
    """numpy broadcasting of ``shapes``, or a ``ValueError`` naming ``op``.

    >>> broadcast_shapes("add", (3, 1), (4,))
    (3, 4)
    """
    if len(shapes) == 2:
        a, b = shapes
        if a is b or a == b:
            return a
        return _broadcast2(op, a, b)
    out = ()
    for s in shapes:
        out = s if not out else (out if out == s else _broadcast2(op, out, s))
    return out


@lru_cache(maxsize=8192)
def _broadcast2(op, a, b):
    if len(a) < len(b):
        a, b = b, a
    off = len(a) - len(b)
    out = list(a)
    for i, db in enumerate(b):
        da = a[off + i]
        if da == db or db == 1:
            continue
        if da == 1:
            out[off + i] = db
        else:
            raise ValueError(
                f"{op}: operands could not be broadcast together with shapes "
                f"{_fmt(a)} and {_fmt(b)}"
            )
    return tuple(out)


def _fmt(shape):
    # numpy's style: (3,) and (2,3)
    return "(" + ",".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def as_index(op: str, value, what: str = "axis") -> int:
    """``value`` as a Python int, or a ``TypeError`` naming ``op``."""
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"{op}: {what} must be an integer, got {type(value).__name__} {value!r:.40}"
        ) from None


def normalize_axis(op: str, axis, ndim: int) -> int:
    """A possibly negative ``axis`` as a non-negative int below ``ndim``; out
    of bounds, numpy's ``AxisError`` (both a ``ValueError`` and, as the Array
    API asks, an ``IndexError``).

    >>> normalize_axis("sum", -1, 3)
    2
    """
    axis = as_index(op, axis)
    if not -ndim <= axis < ndim:
        raise AxisError(f"{op}: axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim if axis < 0 else axis


def normalize_axes(op: str, axis, ndim: int) -> tuple:
    """``axis`` (None, int or sequence) as a sorted tuple of distinct axes.

    >>> normalize_axes("sum", (-1, 0), 3)
    (0, 2)
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        axes = tuple(normalize_axis(op, a, ndim) for a in axis)
        if len(set(axes)) != len(axes):
            raise ValueError(f"{op}: repeated axis in {tuple(axis)}")
        return tuple(sorted(axes))
    return (normalize_axis(op, axis, ndim),)


def check_shape(op: str, shape) -> tuple:
    """Validate a requested shape (ints >= 0), returning it as a tuple."""
    if isinstance(shape, int) or hasattr(shape, "__index__"):
        shape = (shape,)
    try:
        shape = tuple(operator.index(d) for d in shape)
    except TypeError:
        raise TypeError(f"{op}: shape must be a sequence of integers, got {shape!r:.60}") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{op}: negative dimensions are not allowed, got {shape}")
    return shape


#: numpy's ufunc reductions and scans accept ``axis=0`` or ``-1`` on 0-d arrays
SCALAR_AXIS_OK = frozenset(
    "sum prod max min any all count_nonzero argmax argmin cumsum cumprod argsort squeeze".split()
)


def scalar_axis(name: str, shape: tuple, axis):
    """numpy's quirk: on a 0-d array, an int ``axis`` of 0 or -1 means None
    for the ops of :data:`SCALAR_AXIS_OK`; ``axis`` is returned unchanged
    otherwise.

    >>> scalar_axis("sum", (), -1), scalar_axis("mean", (), -1)
    (None, -1)
    """
    if not shape and name in SCALAR_AXIS_OK and not isinstance(axis, (tuple, list, type(None))):
        try:
            if operator.index(axis) in (0, -1):
                return None
        except TypeError:
            pass
    return axis
