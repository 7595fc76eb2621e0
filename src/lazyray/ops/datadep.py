"""Ops whose result shape depends on data: ``nonzero``, ``unique_all``,
``unique_counts``, ``unique_inverse``, ``unique_values`` and boolean-mask
indexing (``x[mask]``, through :func:`mask_key`), plus the portable sort
kernels behind ``sort``/``argsort``.

Shapes are static in a lazy graph, so a data-dependent shape is resolved at
trace time:

* with a static ``size=N`` (as JAX does), the result has ``N`` entries,
  truncated or padded with ``fill_value``: this works on arrays that depend
  on a :func:`lazyray.Variable`, and in a :class:`lazyray.Function`;
* without it, the input must be *determined* (depend on no Variable): it is
  computed (see :func:`lazyray.implicit_compute`), the size read from its
  value, and the result is a node of that static size computed from the
  (now computed) input;
* otherwise a ``TypeError`` names the op, the Variables and the ``size=``
  escape hatch.

>>> import lazyray, numpy as np
>>> x = lazyray.array(np.array([[0, 3], [4, 0]]))
>>> [i.compute().tolist() for i in lazyray.nonzero(x)]
[[0, 1], [1, 0]]
>>> v = lazyray.Variable((4,))
>>> lazyray.unique_values(v, size=3).shape
(3,)
"""

from __future__ import annotations

from typing import NamedTuple

import autoray
import numpy as np
from autoray import get_lib_fn as _lib

from ..graph import dtypes
from ..graph.conversion import variables_text
from ..graph.registry import INDEXING, register
from ..graph.shapes import as_index
from .common import LazyArray, lazy, make, multi_output, named

__all__ = """nonzero unique_all unique_counts unique_inverse unique_values UniqueAllResult
    UniqueCountsResult UniqueInverseResult""".split()


class UniqueAllResult(NamedTuple):
    """The result of :func:`unique_all`."""

    values: LazyArray
    indices: LazyArray
    inverse_indices: LazyArray
    counts: LazyArray


class UniqueCountsResult(NamedTuple):
    """The result of :func:`unique_counts`."""

    values: LazyArray
    counts: LazyArray


class UniqueInverseResult(NamedTuple):
    """The result of :func:`unique_inverse`."""

    values: LazyArray
    inverse_indices: LazyArray


# ------------------------------------------------------------ backend kernels


def _fit(backend, a, size, fill):
    """1-d ``a`` truncated, or padded with ``fill``, to ``size`` entries."""
    n = a.shape[0]
    if n >= size:
        return a[:size]
    if backend == "torch":
        return _lib(backend, "concatenate")([a, a.new_full((size - n,), fill)])
    pad = _lib(backend, "full")((size - n,), fill, dtype=a.dtype)
    return _lib(backend, "concatenate")([a, pad])


def _index_dtype(backend):
    return autoray.to_backend_dtype(dtypes.finalize(backend, "int64"), like=backend)


def _nonzero_impl(backend):
    find = _lib(backend, "nonzero")  # autoray's torch one returns a tuple

    def nonzero(x, size, fill_value=0):
        dt = _index_dtype(backend)
        if backend == "jax" and x.size:  # (jax ignores size for an empty x)
            import jax.numpy as jnp

            return tuple(i.astype(dt) for i in jnp.nonzero(x, size=size, fill_value=fill_value))
        return tuple(_fit(backend, _astype(backend, i, dt), size, fill_value) for i in find(x))

    return nonzero


def _astype(backend, a, dt):
    return a.to(dt) if backend == "torch" else a.astype(dt)


def _unique_numpy(backend, x):
    """``(values, first indices, inverse, counts)`` of ``x`` flattened, each
    NaN distinct (numpy 2's ``equal_nan=False``), on numpy-like backends."""
    v, i, inv, c = _lib(backend, "unique")(x.reshape(-1), **_UNIQUE_ALL)
    return v, i, inv.reshape(x.shape), c


#: the keywords of numpy's (and JAX's) ``unique`` giving all four outputs
_UNIQUE_ALL = {
    "return_index": True,
    "return_inverse": True,
    "return_counts": True,
    "equal_nan": False,
}


def _unique_sorting(backend, x):
    """A sort-based unique for backends without numpy's (torch): stable
    argsort, group starts where neighbours differ (NaN != NaN: each NaN is
    its own group); complex numbers through numpy on the host."""
    import torch

    if x.is_complex():  # torch sorts no complex numbers: numpy's unique on the host
        host = x.detach().cpu().resolve_conj().resolve_neg().numpy()
        return tuple(torch.from_numpy(o).to(x.device) for o in _unique_numpy("numpy", host))
    flat = x.reshape(-1)
    n = flat.shape[0]
    perm = torch.sort(flat, stable=True).indices
    s = flat[perm]
    new = torch.ones(n, dtype=torch.bool, device=x.device)
    if n > 1:
        new[1:] = s[1:] != s[:-1]
    group = torch.cumsum(new.to(torch.int64), 0) - 1
    inv = torch.empty(n, dtype=torch.int64, device=x.device)
    inv[perm] = group
    starts = torch.nonzero(new).reshape(-1)
    ends = torch.cat([starts[1:], torch.tensor([n], device=x.device)])
    return s[new], perm[starts], inv.reshape(x.shape), ends - starts


#: which of the four outputs of ``unique_all`` each ``unique_<which>`` gives
_WANT = {"all": (0, 1, 2, 3), "counts": (0, 3), "inverse": (0, 2), "values": (0,)}


def _unique_impl(which):
    """A factory of the kernel of ``unique_<which>``: a tuple of its outputs
    (values, indices, inverse_indices, counts; those of ``which``), the 1-d
    ones fitted to ``size``."""

    def factory(backend):
        def unique(x, size, fill_value=None):
            dt = _index_dtype(backend)
            if backend == "jax" and x.size:  # (jax ignores size for an empty x)
                import jax.numpy as jnp

                v, i, inv, c = jnp.unique(
                    x.reshape(-1), **_UNIQUE_ALL, size=size, fill_value=fill_value
                )
                i = jnp.where(c > 0, i, 0)  # (jax pads indices otherwise than with 0)
                outs = (v, i.astype(dt), inv.reshape(x.shape).astype(dt), c.astype(dt))
            else:
                kernel = _unique_sorting if backend == "torch" else _unique_numpy
                v, i, inv, c = kernel(backend, x)
                fill = fill_value if fill_value is not None else v[0] if v.shape[0] else 0
                outs = (
                    _fit(backend, v, size, fill),
                    _fit(backend, _astype(backend, i, dt), size, 0),
                    _astype(backend, inv, dt),
                    _fit(backend, _astype(backend, c, dt), size, 0),
                )
            picked = tuple(outs[k] for k in _WANT[which])
            return picked if len(picked) > 1 else picked[0]

        return named(unique, f"unique_{which}")

    return factory


register("nonzero", INDEXING, impl=_nonzero_impl, impl_is_factory=True)
for _w in ("all", "counts", "inverse", "values"):
    register(f"unique_{_w}", INDEXING, impl=_unique_impl(_w), impl_is_factory=True)


# ------------------------------------------------------------ static sizes


def _resolve_size(op, x, size, count, hint):
    """The static size of ``op``'s result: ``size`` if given, else counted
    (by ``count`` on a numpy value) from ``x`` computed if it is determined."""
    if size is not None:
        size = as_index(op, size, "size")
        if size < 0:
            raise ValueError(f"{op}: size must be >= 0, got {size}")
        return size
    free = x._free_variables()
    if free:
        raise TypeError(
            f"{op}: the shape of the result depends on the values of its input "
            f"(shape {x._shape}), which depends on {variables_text(free)}; "
            f"give a static size, e.g. {hint}, to pad or truncate the result "
            "to that many entries (as JAX does)"
        )
    value = x._determined_value(f"{op}()")
    return int(count(np.asarray(value)))


def nonzero(x, /, *, size: int | None = None, fill_value=0) -> tuple:
    """The indices of the nonzero elements of ``x``, one int64 array per axis
    (numpy's and the Array API's ``nonzero``), in row-major order.

    Without ``size``, ``x`` must be determined (depend on no
    :func:`lazyray.Variable`): it is computed to count its nonzeros.  With a
    static ``size`` (as ``jax.numpy.nonzero``), each index array has ``size``
    entries: the first ``size`` indices, padded with ``fill_value``; this also
    works on Variables.

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.array([0.0, 2.0, 0.0, 5.0]))
    >>> (i,) = lazyray.nonzero(x)
    >>> i.shape, i.dtype == "int64", i.compute().tolist()
    ((2,), True, [1, 3])
    >>> (j,) = lazyray.nonzero(lazyray.Variable((4,)), size=3, fill_value=-1)
    >>> j.shape
    (3,)
    """
    op = "nonzero"
    x = lazy(op, x)
    if not x._shape:
        raise ValueError(f"{op}: a 0-d array has no nonzero indices; use atleast_1d first")
    n = _resolve_size(op, x, size, np.count_nonzero, "lazyray.nonzero(x, size=N, fill_value=0)")
    fill = as_index(op, fill_value, "fill_value")
    dt = dtypes.finalize(x._backend, "int64")
    nd = len(x._shape)
    return multi_output(op, (x, n), {"fill_value": fill or None}, [(n,)] * nd, [dt] * nd)


def _unique(which, x, size, fill_value):
    op = f"unique_{which}"
    x = lazy(op, x)
    if fill_value is not None and type(fill_value) is LazyArray:
        raise TypeError(f"{op}: fill_value must be a Python or numpy scalar")
    if fill_value is not None and not isinstance(fill_value, (int, float, complex, np.generic)):
        raise TypeError(f"{op}: fill_value must be a scalar, got {type(fill_value).__name__}")

    def count(v):
        return np.unique(v.reshape(-1), equal_nan=False).size

    n = _resolve_size(op, x, size, count, f"lazyray.{op}(x, size=N)")
    kwargs = {"fill_value": fill_value}
    if which == "values":
        return make(op, (x, n), kwargs, (n,), x._dtype)
    it = dtypes.finalize(x._backend, "int64")
    shapes, dts = ((n,), (n,), x._shape, (n,)), (x._dtype, it, it, it)
    want = _WANT[which]
    return multi_output(op, (x, n), kwargs, [shapes[k] for k in want], [dts[k] for k in want])


def unique_all(x, /, *, size: int | None = None, fill_value=None) -> UniqueAllResult:
    """The unique elements of ``x`` (flattened, sorted), the index of the
    first occurrence of each, the inverse indices (shape of ``x``) and the
    counts, as the Array API's ``unique_all``.  Each NaN is distinct (numpy
    2's ``unique(..., equal_nan=False)``).

    The number of unique elements is data-dependent: without ``size``, ``x``
    must be determined (it is computed); with a static ``size`` (as
    ``jax.numpy.unique_all``) ``values``/``indices``/``counts`` are truncated
    or padded to ``size`` entries (values with ``fill_value``, by default the
    smallest unique value; indices and counts with 0), which also works on
    Variables.

    >>> import lazyray, numpy as np
    >>> r = lazyray.unique_all(lazyray.array(np.array([3, 1, 3, 2])))
    >>> [a.compute().tolist() for a in r]
    [[1, 2, 3], [1, 3, 0], [2, 0, 2, 1], [1, 1, 2]]
    >>> r.counts.dtype == "int64"
    True
    """
    return UniqueAllResult(*_unique("all", x, size, fill_value))


def unique_counts(x, /, *, size: int | None = None, fill_value=None) -> UniqueCountsResult:
    """The unique elements of ``x`` and their counts (see :func:`unique_all`).

    >>> import lazyray, numpy as np
    >>> r = lazyray.unique_counts(lazyray.array(np.array([3.0, 1.0, 3.0])))
    >>> r.values.compute().tolist(), r.counts.compute().tolist()
    ([1.0, 3.0], [1, 2])
    """
    return UniqueCountsResult(*_unique("counts", x, size, fill_value))


def unique_inverse(x, /, *, size: int | None = None, fill_value=None) -> UniqueInverseResult:
    """The unique elements of ``x`` and the inverse indices that rebuild
    ``x`` from them (see :func:`unique_all`).

    >>> import lazyray, numpy as np
    >>> r = lazyray.unique_inverse(lazyray.array(np.array([[3, 1], [3, 2]])))
    >>> r.inverse_indices.shape, r.inverse_indices.compute().tolist()
    ((2, 2), [[2, 0], [2, 1]])
    """
    return UniqueInverseResult(*_unique("inverse", x, size, fill_value))


def unique_values(x, /, *, size: int | None = None, fill_value=None) -> LazyArray:
    """The unique elements of ``x``, flattened and sorted (see
    :func:`unique_all`).

    >>> import lazyray, numpy as np
    >>> lazyray.unique_values(lazyray.array(np.array([2, 1, 2]))).compute().tolist()
    [1, 2]
    >>> v = lazyray.Variable((5,))
    >>> lazyray.unique_values(v, size=4, fill_value=0.0).shape
    (4,)
    """
    return _unique("values", x, size, fill_value)


# ------------------------------------------------------------ boolean masks


def _mask_array(k):
    """``k`` as a boolean mask: a LazyArray, a numpy array, or None when it is
    not one (a Python or numpy bool scalar gives a 0-d numpy array)."""
    t = type(k)
    if t is LazyArray:
        return k if k._dtype == "bool" else None
    if t is bool or t is np.bool_:
        return np.asarray(k)
    if t is list:
        try:
            arr = np.asarray(k)
        except (TypeError, ValueError):
            return None
        return arr if arr.dtype == bool else None
    dt = getattr(k, "dtype", None)
    if dt is not None and hasattr(k, "shape") and str(dt).endswith("bool"):
        return np.asarray(k)  # numpy, or another backend's array (torch, jax)
    return None


def has_mask(key) -> bool:
    """Does the index ``key`` hold a boolean (mask or scalar) entry?"""
    if type(key) is not tuple:
        key = (key,)
    return any(_mask_array(k) is not None for k in key)


def mask_key(x: LazyArray, key) -> tuple:
    """Rewrite an index holding boolean masks into an integer-array index:
    returns ``(x2, key2)`` with ``x[key] == x2[key2]`` (numpy's rules).

    A mask of ``k`` dims becomes its ``k`` nonzero index arrays (numpy's own
    definition of mask indexing); a concrete mask's are constants, so the
    shape is static even on Variables.  A lazy mask is resolved by
    :func:`nonzero` (computed when determined, else a ``TypeError``).  A 0-d
    mask (``True``/``False``) indexes a new axis of length 1 with ``[0]`` or
    ``[]``.

    >>> import lazyray, numpy as np
    >>> x = lazyray.Variable((3, 4))
    >>> x[np.array([True, False, True])].shape
    (2, 4)
    """
    op = "getitem"
    if type(key) is not tuple:
        key = (key,)
    masks = [_mask_array(k) for k in key]
    n_scalar = sum(m is not None and not m.shape for m in masks)
    consumed = sum(
        (len(m.shape) or 1) if m is not None else (0 if k is None or k is Ellipsis else 1)
        for k, m in zip(key, masks)
    )
    ndim = len(x._shape) + n_scalar
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError(f"{op}: an index can only have a single ellipsis")
    if consumed > ndim:
        raise IndexError(
            f"{op}: too many indices for array: array is {len(x._shape)}-"
            f"dimensional, but {consumed - n_scalar} were indexed"
        )
    out, new_axes, d = [], [], 0  # d: axis of x (with the new axes) reached
    dims = list(x._shape)
    for k, m in zip(key, masks):
        if k is Ellipsis:
            span = ndim - consumed
            out.extend([slice(None)] * span)
            d += span
        elif m is None:
            out.append(k)
            d += k is not None
        elif not m.shape:
            value = _scalar_mask(m)
            new_axes.append(d)
            dims.insert(d, 1)
            out.append(np.zeros(int(value), dtype=np.intp))
            d += 1
        else:
            mshape = tuple(m.shape)
            for j, (km, kx) in enumerate(zip(mshape, dims[d : d + len(mshape)])):
                if km != kx and km != 0:  # numpy lets a 0-length mask axis pass
                    raise IndexError(
                        f"{op}: boolean index did not match indexed array along axis "
                        f"{d + j}; size of axis is {kx} but size of corresponding "
                        f"boolean axis is {km} (array shape {x._shape}, mask shape {mshape})"
                    )
            out.extend(_mask_indices(m))
            d += len(mshape)
    if new_axes:
        from .movement import reshape

        x = reshape(x, tuple(dims))
    return x, tuple(out)


def _scalar_mask(m) -> bool:
    if type(m) is not LazyArray:
        return bool(m)
    if m._free_variables():
        raise TypeError(
            "getitem: indexing with a 0-d boolean LazyArray gives a data-dependent "
            f"shape, and the mask depends on {variables_text(m._free_variables())}; "
            "use lazyray.where(mask, x, 0) instead"
        )
    return bool(m)


def _mask_indices(m) -> tuple:
    if type(m) is not LazyArray:
        return np.nonzero(m)
    if m._free_variables():
        raise TypeError(
            f"getitem: boolean mask indexing x[mask] has a data-dependent shape, and "
            f"the mask (shape {m._shape}) depends on {variables_text(m._free_variables())}; "
            "use lazyray.where(mask, x, 0) to keep the shape, or index with "
            "lazyray.nonzero(mask, size=N) for a static number N of entries"
        )
    return nonzero(m)
