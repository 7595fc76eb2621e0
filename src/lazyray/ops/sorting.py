"""Sorting: ``sort`` and ``argsort``, stable by default, with the Array
API's ``descending=`` and numpy's ``kind=``."""

from __future__ import annotations

import autoray

from ..graph import dtypes
from ..graph.registry import INDEXING, register
from ..graph.shapes import normalize_axis, scalar_axis
from . import portable_torch
from .common import LazyArray, lazy, make
from .movement import ravel

__all__ = ["argsort", "sort"]


def _sort_impl(name):
    """A factory of ``name`` (``sort``/``argsort``) with numpy's ``axis`` and
    ``kind`` and the Array API's ``descending`` and ``stable`` (default
    True) on every backend: a descending sort is the flip of an ascending
    sort of the flipped array, which keeps equal elements in order."""

    def factory(backend):
        if backend in ("torch", "jax"):
            lib = __import__("torch" if backend == "torch" else "jax.numpy", fromlist=["_"])
            fn, dim = getattr(lib, name), "dim" if backend == "torch" else "axis"

            def call(x, axis=-1, descending=False, stable=True, kind=None):
                out = fn(x, **{dim: axis}, descending=descending, stable=stable)
                return out.values if name == "sort" and backend == "torch" else out

        else:
            fn, flip = autoray.get_lib_fn(backend, name), autoray.get_lib_fn(backend, "flip")

            def call(x, axis=-1, descending=False, stable=True, kind=None):
                kind = kind or ("stable" if stable else "quicksort")
                if not descending:
                    return fn(x, axis=axis, kind=kind)
                out = flip(fn(flip(x, axis), axis=axis, kind=kind), axis)
                return out if name == "sort" else (x.shape[axis] - 1) - out

        call.__name__ = call.__qualname__ = name
        return call

    return factory


for _n in ("sort", "argsort"):
    register(
        _n,
        INDEXING,
        impl=portable_torch.numpy_typed(_n, _sort_impl(_n), probe=None),
        impl_is_factory=True,
    )

_STABLE_KINDS = {"stable": True, "mergesort": True, "quicksort": False, "heapsort": False}


def _sort_like(op, a, axis, kind, order, descending, stable, dtype=None):
    a = lazy(op, a)
    if order is not None:
        raise ValueError(f"{op}: order= (structured arrays) is not supported by lazy arrays")
    if kind is not None and kind not in _STABLE_KINDS:
        raise ValueError(f"{op}: kind must be one of {sorted(_STABLE_KINDS)}, got {kind!r}")
    if kind is not None and stable is not None:
        raise ValueError(f"{op}: kind and stable cannot both be given (numpy's rule)")
    stable = _STABLE_KINDS[kind] if stable is None and kind is not None else stable
    axis = scalar_axis(op, a._shape, axis)
    if axis is None:
        # numpy sorts the flattened array; recorded as ravel + sort(axis=0),
        # which every backend understands
        a, axis = ravel(a), 0
    axis = normalize_axis(op, axis, len(a._shape))
    kwargs = {
        "axis": axis,
        "descending": True if descending else None,
        "stable": False if stable is not None and not stable else None,
        "kind": kind if kind is not None and not _STABLE_KINDS[kind] else None,
    }
    return make(op, (a,), kwargs, a._shape, dtype or a._dtype)


def sort(a, axis=-1, kind=None, order=None, *, descending=False, stable=None) -> LazyArray:
    """Sorted copy along ``axis`` (flattened when None): numpy's ``sort``
    with the Array API's ``descending``; stable unless ``stable=False`` or an
    unstable numpy ``kind`` is given.  NaNs sort last (first when
    descending).

    >>> import lazyray, numpy as np
    >>> lazyray.sort(lazyray.array(np.array([3, 1, 2])), descending=True).compute().tolist()
    [3, 2, 1]
    """
    return _sort_like("sort", a, axis, kind, order, descending, stable)


def argsort(a, axis=-1, kind=None, order=None, *, descending=False, stable=None) -> LazyArray:
    """Indices that sort ``a`` along ``axis`` (int64; int32 on jax without
    x64), stable by default: equal elements keep their relative order, also
    when ``descending`` (the Array API's rule).

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.array([1, 2, 1, 2]))
    >>> lazyray.argsort(x, descending=True).compute().tolist()
    [1, 3, 0, 2]
    """
    a = lazy("argsort", a)
    dt = dtypes.finalize(a._backend, "int64")
    return _sort_like("argsort", a, axis, kind, order, descending, stable, dt)
