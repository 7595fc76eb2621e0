"""``asarray``: numpy's and the Array API's conversion to a lazy array,
with ``dtype``, ``device`` and ``copy``."""

from __future__ import annotations

import autoray
import numpy as np

from ..graph.dtypes import dtype_object
from ..graph.node import LazyArray, _holds_lazy, array, supported_dtype
from .elementwise_general import astype

__all__ = ["asarray"]


def asarray(obj, /, dtype=None, *, device=None, copy=None) -> LazyArray:
    """numpy / Array API ``asarray``: :func:`array` of ``obj``, of ``dtype``
    when given.

    ``copy=True`` copies concrete data (later changes to ``obj`` do not reach
    the graph); ``copy=False`` never copies, and raises ``ValueError`` where
    numpy would have to (a list, another dtype); ``None`` copies only when
    needed.  A lazy ``obj`` of that dtype is returned as is (lazy arrays are
    immutable: a copy and a view are the same).  ``device`` may be None or
    ``"cpu"``.

    >>> import lazyray
    >>> str(lazyray.asarray([1, 2], dtype="float32").dtype)
    'float32'
    >>> lazyray.asarray(lazyray.Variable((2,)), dtype="int32", copy=False)
    Traceback (most recent call last):
    ...
    ValueError: asarray: copy=False, but a cast from float64 to int32 needs a copy
    """
    if device is not None and getattr(device, "type", device) != "cpu" and str(device) != "cpu":
        raise ValueError(f"asarray: unsupported device {device!r}; lazy arrays live on 'cpu'")
    if copy is not None and type(copy) is not bool:
        if not isinstance(copy, np.bool_):
            raise TypeError(f"asarray: copy must be None, True or False, got {copy!r:.40}")
        copy = bool(copy)
    name = None if dtype is None else supported_dtype("asarray", dtype)
    if isinstance(obj, LazyArray) or (isinstance(obj, (list, tuple)) and _holds_lazy(obj)):
        return _cast(array(obj), name, copy)
    backend = autoray.infer_backend(obj)
    if backend in ("numpy", "builtins") or isinstance(obj, (list, tuple)):
        if name is None and copy is None:
            return array(obj)
        dt = None if name is None else dtype_object(name)
        try:
            data = np.asarray(obj, dtype=dt, copy=copy)
        except ValueError as e:
            if copy is False:
                raise ValueError(f"asarray: copy=False, but {e}") from None
            raise
        return LazyArray.from_data(data)
    # another backend's array (torch, jax, ...): stays on that backend
    if copy:
        obj = autoray.do("copy", obj)
    return _cast(array(obj), name, copy)


def _cast(lx: LazyArray, name, copy) -> LazyArray:
    """``lx`` cast to dtype ``name`` (None: as is); a cast is a copy."""
    if name is None or name == lx._dtype:
        return lx
    if copy is False:
        raise ValueError(f"asarray: copy=False, but a cast from {lx._dtype} to {name} needs a copy")
    return astype(lx, name)
