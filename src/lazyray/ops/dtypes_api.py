"""The Array API's data type functions: ``can_cast``, ``isdtype``,
``result_type``; and the namespace's dtype objects.

dtypes are ``numpy.dtype`` objects, which compare equal to their names, so
``lazyray.float32 == "float32"`` and every function that takes a dtype takes
either spelling.
"""

from __future__ import annotations

import numpy as np

from ..graph.dtypes import dtype_name, dtype_object

__all__ = ["can_cast", "isdtype", "result_type"]

#: the 13 dtypes of the Array API standard
DTYPE_NAMES = (
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float32 float64 complex64 complex128"
).split()

_KINDS = {
    "bool": ("b",),
    "signed integer": ("i",),
    "unsigned integer": ("u",),
    "integral": ("i", "u"),
    "real floating": ("f",),
    "complex floating": ("c",),
    "numeric": ("i", "u", "f", "c"),
}


def _as_dtype(op: str, x, allow_scalars: bool = False):
    """The ``numpy.dtype`` of a dtype, a dtype name or an array (lazy or not)."""
    if hasattr(x, "_dtype") and hasattr(x, "_shape"):  # a LazyArray
        d = x._dtype
        if type(d) is tuple:
            raise TypeError(f"{op}: got the hidden node of a multi-output op")
        return dtype_object(d)
    if allow_scalars and type(x) in (bool, int, float, complex):
        return x
    if hasattr(x, "dtype") and not isinstance(x, type):
        return np.dtype(dtype_name(x.dtype))
    try:
        return np.dtype(dtype_name(x))
    except TypeError:
        raise TypeError(f"{op}: expected a dtype or an array, got {x!r}") from None


def can_cast(from_, to, /) -> bool:
    """Whether ``from_`` (a dtype or an array) can be cast to ``to`` under
    the promotion rules (numpy's ``can_cast(..., casting="safe")``).

    >>> import lazyray
    >>> lazyray.can_cast(lazyray.int8, lazyray.float32), lazyray.can_cast("float64", "int64")
    (True, False)
    """
    return bool(np.can_cast(_as_dtype("can_cast", from_), _as_dtype("can_cast", to)))


def isdtype(dtype, kind) -> bool:
    """Whether ``dtype`` is of ``kind``: a dtype, a kind name (``"bool"``,
    ``"signed integer"``, ``"unsigned integer"``, ``"integral"``,
    ``"real floating"``, ``"complex floating"``, ``"numeric"``) or a tuple
    of them.

    >>> import lazyray
    >>> lazyray.isdtype(lazyray.float32, ("integral", "real floating"))
    True
    """
    dt = _as_dtype("isdtype", dtype)
    if isinstance(kind, tuple):
        return any(isdtype(dt, k) for k in kind)
    if isinstance(kind, str) and kind in _KINDS:
        return dt.kind in _KINDS[kind]
    try:
        other = _as_dtype("isdtype", kind)
    except TypeError:
        raise ValueError(
            f"isdtype: unknown kind {kind!r}; one of {sorted(_KINDS)}, a dtype, or a tuple of them"
        ) from None
    return dt == other


def result_type(*arrays_and_dtypes):
    """The dtype the promotion rules give for these arrays, dtypes and
    Python scalars (weak, as in numpy 2).

    >>> import lazyray
    >>> lazyray.result_type(lazyray.Variable((2,), dtype="float32"), "int8", 2.0)
    dtype('float32')
    """
    if not arrays_and_dtypes:
        raise ValueError("result_type: at least one array or dtype is required")
    args = [_as_dtype("result_type", a, allow_scalars=True) for a in arrays_and_dtypes]
    if all(type(a) in (bool, int, float, complex) for a in args):
        raise TypeError("result_type: at least one array or dtype is required besides scalars")
    return np.result_type(*args)
