"""Sorting and searching: ``sort`` and ``argsort``, stable by default, with
the Array API's ``descending=`` and numpy's ``kind=``; ``searchsorted``
(numpy's meaning on every backend).

torch's ``searchsorted`` takes ``side`` as a keyword only, wants the sorted
sequence and the values of one dtype and an ``int64`` sorter: the registry
resolves the op, on torch, to an implementation that casts them first (to the
dtype numpy's promotion gives).
"""

from __future__ import annotations

import autoray
import numpy as np

from ..graph import dtypes
from ..graph.registry import INDEXING, register
from ..graph.shapes import normalize_axis, scalar_axis
from .common import LazyArray, info, lazy, lazy_operands, make, named
from .movement import ravel
from .portable_torch import register_typed
from .torch_numpy import _via_numpy

__all__ = ["argsort", "searchsorted", "sort"]


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

        return named(call, name)

    return factory


for _n in ("sort", "argsort"):
    register_typed(_n, INDEXING, _sort_impl(_n), probe=None)

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


def _searchsorted_impl(backend):
    fn = autoray.get_lib_fn(backend, "searchsorted")
    if backend != "torch":  # numpy's meaning already, or autoray's function as it is
        return fn
    import torch

    def searchsorted(a, v, side="left", sorter=None):
        if not isinstance(v, torch.Tensor):  # a scalar, weak as numpy's (NEP 50)
            if type(v) is int and not a.is_floating_point() and not a.is_complex():
                info = np.iinfo(np.int64 if a.dtype == torch.bool else dtypes.dtype_name(a.dtype))
                if not info.min <= v <= info.max:
                    # numpy compares the value itself: below (above) every element
                    n = 0 if v < 0 else a.shape[0]
                    return torch.tensor(n, dtype=torch.int64, device=a.device)
            dt = np.result_type(dtypes.dtype_name(a.dtype), v)
            v = torch.as_tensor(np.asarray(v, dtype=dt), device=a.device)
        if v.dtype != a.dtype:
            names = [dtypes.dtype_name(t.dtype) for t in (a, v)]
            dt = autoray.to_backend_dtype(np.result_type(*names).name, like="torch")
            a, v = a.to(dt), v.to(dt)
        if sorter is not None:
            sorter = torch.as_tensor(sorter, device=a.device).to(torch.int64)
        s = a if sorter is None else a[sorter]
        if a.is_complex():
            return _via_numpy(torch, np.searchsorted, (a, v, side, sorter), {})
        if a.is_floating_point():
            nan = torch.isnan(s)
            # sorted in numpy's order: nan last
            ok = nan[1:] | (~nan[:-1] & (s[:-1] <= s[1:]))
            ordered, has_nan = torch.stack([ok.all(), nan.any() | torch.isnan(v).any()]).tolist()
        else:
            ordered, has_nan = bool((s[:-1] <= s[1:]).all()), False
        if not ordered:
            # numpy's binary search on an unsorted sequence (its bounds carry
            # from one value to the next): numpy's answer, not torch's
            return _via_numpy(torch, np.searchsorted, (a, v, side, sorter), {})
        if has_nan:
            # numpy orders nan after everything, torch's binary search does not:
            # count the elements before each value in numpy's order instead
            s = s.reshape(s.shape + (1,) * v.ndim)
            if side == "left":
                before = (s < v) | (torch.isnan(v) & ~torch.isnan(s))
            else:
                before = (s <= v) | torch.isnan(v)
            return before.sum(dim=0, dtype=torch.int64)
        return torch.searchsorted(a, v, side=side, sorter=sorter)

    return searchsorted


register("searchsorted", INDEXING, impl=_searchsorted_impl, impl_is_factory=True)


def searchsorted(x1, x2, /, side="left", sorter=None) -> LazyArray:
    """Indices where the values ``x2`` would be inserted into the sorted 1-d
    ``x1`` (sorted by the indices ``sorter`` when given) to keep it sorted:
    before equal elements with ``side="left"``, after them with ``"right"``.

    The result has the shape of ``x2`` and the default index dtype
    (``int64``).

    >>> import lazyray, numpy as np
    >>> x = lazyray.asarray(np.array([1.0, 2.0, 2.0, 5.0]))
    >>> lazyray.searchsorted(x, np.array([2.0, 6.0])).compute().tolist()
    [1, 4]
    >>> lazyray.searchsorted(x, 2.0, side="right").shape
    ()
    """
    op = "searchsorted"
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r:.40}")
    (x1, x2, sorter), backend = lazy_operands(op, (x1, x2, sorter))
    x1 = lazy(op, x1)
    if len(x1._shape) != 1:
        raise ValueError(f"searchsorted: x1 must be 1-d, got shape {x1._shape}")
    (s2, k2) = info(x2)
    try:
        dtypes.result_type(x1._dtype, k2)
    except TypeError:
        raise TypeError(f"searchsorted: cannot compare {x1._dtype} and {k2} values") from None
    if sorter is not None:
        ss, ks = info(sorter)
        if ss != x1._shape:
            raise ValueError(
                f"searchsorted: sorter of shape {ss} must have the shape of x1 {x1._shape}"
            )
        if type(ks) is type or not dtypes.is_integer(ks):
            raise TypeError(f"searchsorted: sorter must be an integer array, got {ks}")
    dtype = dtypes.finalize(backend, "int64", ("int64",))
    if sorter is not None:  # positional: a lazy sorter is a dependency, not an option
        return make(op, (x1, x2, side, sorter), None, s2, dtype, backend=backend)
    kwargs = {"side": None if side == "left" else side}
    return make(op, (x1, x2), kwargs, s2, dtype, backend=backend)
