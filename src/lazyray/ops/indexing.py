"""Indexing and selection: ``getitem`` (basic, integer-array and boolean-mask
indexing), ``take``, ``take_along_axis``, ``diagonal``, ``diag``, ``trace``,
``tril``, ``triu`` (``sort`` / ``argsort``: :mod:`.sorting`).

Boolean masks select a data-dependent number of elements: ``getitem``
rewrites them into their ``nonzero`` indices (:func:`lazyray.ops.datadep.mask_key`).
"""

from __future__ import annotations

import operator

import autoray
import numpy as np

from ..graph import dtypes
from ..graph.registry import INDEXING
from ..graph.shapes import as_index, broadcast_shapes, normalize_axis, prod
from .common import LazyArray, constant, lazy, make
from .datadep import has_mask, mask_key
from .elementwise_general import astype
from .movement import ravel
from .portable_torch import register_typed

__all__ = "diag diagonal getitem take take_along_axis trace tril triu".split()

register_typed("getitem", INDEXING, lambda b: operator.getitem, probe=None)
for _n in ("take", "take_along_axis", "diagonal", "diag", "trace", "tril", "triu"):
    register_typed(_n, INDEXING, probe="reduction")

_VALID = (
    "only integers, slices (`:`), ellipsis (`...`), None and integer arrays are valid lazy indices"
)
_MASK = (
    "boolean mask indexing has a data-dependent shape, unknown at trace "
    "time; use lazyray.where(mask, x, 0) or compute() first"
)


def _index_array(op, k):
    """Classify an array-like index: returns ``(shape, value, concrete)``."""
    if type(k) is LazyArray:
        if k._dtype == "bool":
            raise IndexError(f"{op}: {_MASK}")
        if not dtypes.is_integer(k._dtype):
            raise IndexError(f"{op}: {_VALID}; got a lazy {k._dtype} array")
        return k._shape, k, None
    arr = np.asarray(k)
    if arr.dtype == bool:
        raise IndexError(f"{op}: {_MASK}")
    if arr.size == 0 and isinstance(k, (list, tuple)):
        arr = arr.astype(np.intp)  # as numpy: an empty sequence is an intp index
    if not np.issubdtype(arr.dtype, np.integer):
        raise IndexError(f"{op}: {_VALID}; got an array of dtype {arr.dtype}")
    return arr.shape, k, arr


def _check_bounds(op, arr, n, axis):
    if arr is not None and arr.size and (arr.min() < -n or arr.max() >= n):
        bad = arr.max() if arr.max() >= n else arr.min()
        raise IndexError(f"{op}: index {bad} is out of bounds for axis {axis} with size {n}")


def getitem_shape(shape: tuple, key) -> tuple:
    """The shape of ``x[key]`` for ``x`` of ``shape``, by numpy's rules.

    Integer-array indices broadcast together; their dimensions replace the
    indexed ones in place when all advanced indices are adjacent, and go
    first otherwise.

    >>> getitem_shape((2, 3, 4, 5), (slice(None), [0, 1], slice(None), 0))
    (2, 2, 4)
    >>> getitem_shape((2, 3, 4, 5), (slice(None), 0, slice(None), [0, 1]))
    (2, 2, 4)
    """
    op = "getitem"
    if type(key) is not tuple:
        key = (key,)
    if len(key) <= len(shape):  # the common case: in-range ints and slices
        out = []
        for n, k in zip(shape, key):
            if type(k) is int and -n <= k < n:
                continue
            if type(k) is not slice or not _int_slice(k):
                break
            out.append(len(range(*k.indices(n))))
        else:
            return (*out, *shape[len(key) :])
    entries = []
    n_ellipsis = 0
    for k in key:
        if k is None:
            entries.append(("none", None, None))
        elif k is Ellipsis:
            n_ellipsis += 1
            if n_ellipsis > 1:
                raise IndexError(f"{op}: an index can only have a single ellipsis")
            entries.append(("ellipsis", None, None))
        elif isinstance(k, slice):
            entries.append(("slice", k, None))
        elif isinstance(k, (bool, np.bool_)):
            raise IndexError(f"{op}: {_MASK}")
        elif isinstance(k, np.ndarray) and k.ndim == 0 and np.issubdtype(k.dtype, np.integer):
            # numpy treats a 0-d integer array as an int (checked even when
            # the advanced-index broadcast is empty)
            entries.append(("int", int(k), None))
        elif (
            type(k) is LazyArray
            or isinstance(k, (list, tuple, np.ndarray))
            or (
                hasattr(k, "shape")
                and hasattr(k, "dtype")
                and not isinstance(k, np.generic)
                and len(k.shape) > 0
            )
        ):
            ishape, _, arr = _index_array(op, k)
            entries.append(("array", ishape, arr))
        else:
            try:
                i = operator.index(k)
            except TypeError:
                raise IndexError(f"{op}: {_VALID}; got {type(k).__name__}") from None
            entries.append(("int", i, None))
    consumed = sum(kind not in ("none", "ellipsis") for kind, _, _ in entries)
    ndim = len(shape)
    if consumed > ndim:
        raise IndexError(
            f"{op}: too many indices for array: array is {ndim}-"
            f"dimensional, but {consumed} were indexed"
        )
    has_array = any(e[0] == "array" for e in entries)
    out = []
    adv_shapes, adv_entries, adv_pos, checks = [], [], None, []
    d = 0
    for j, (kind, v, arr) in enumerate(entries):
        if kind == "none":
            out.append(1)
        elif kind == "ellipsis":
            out.extend(shape[d : d + ndim - consumed])
            d += ndim - consumed
        elif kind == "slice":
            try:
                out.append(len(range(*v.indices(shape[d]))))
            except TypeError:  # numpy's error types
                raise TypeError(f"{op}: slice indices must be integers or None, got {v}") from None
            except ValueError as e:
                raise ValueError(f"{op}: {e} ({v})") from None
            d += 1
        else:
            n = shape[d]
            if kind == "int":
                if not -n <= v < n:
                    raise IndexError(f"{op}: index {v} is out of bounds for axis {d} with size {n}")
                if not has_array:
                    d += 1
                    continue
                adv_shapes.append(())
            else:
                checks.append((arr, n, d))
                adv_shapes.append(tuple(v))
            if adv_pos is None:
                adv_pos = len(out)
            adv_entries.append(j)
            d += 1
    out.extend(shape[d:])
    if adv_entries:
        try:
            bshape = broadcast_shapes(op, *adv_shapes)
        except ValueError:
            raise IndexError(
                f"{op}: shape mismatch: indexing arrays could not be broadcast "
                f"together with shapes {adv_shapes}"
            ) from None
        if prod(bshape):  # like numpy, an empty broadcast reads no index array
            for arr, n, axis in checks:
                _check_bounds(op, arr, n, axis)
        adjacent = adv_entries == list(range(adv_entries[0], adv_entries[-1] + 1))
        pos = adv_pos if adjacent else 0
        out[pos:pos] = bshape
    return tuple(out)


def _int_slice(k: slice) -> bool:
    """Whether the bounds and step of ``k`` are ints or None."""
    return all(type(v) is int or v is None for v in (k.start, k.stop, k.step)) and k.step != 0


def getitem(x, key):
    """``x[key]``: ints, negative ints, slices of any step, None, Ellipsis and
    integer arrays (numpy, lists or lazy) with numpy's placement rules.

    >>> import lazyray
    >>> x = lazyray.Variable((5, 6, 7))
    >>> x[None, ::-2, ..., [0, -1]].shape
    (1, 3, 6, 2)
    """
    if type(x) is LazyArray:  # the usual key, ints and slices: nothing to freeze
        t = type(key)
        plain = t is int or t is slice
        if t is tuple:  # (a loop, inline: this is a tracing hot path)
            plain = True
            for k in key:
                if type(k) is not int and type(k) is not slice:
                    plain = False
                    break
        if plain:
            return make("getitem", (x, key), None, getitem_shape(x._shape, key), x._dtype, (x,))
    x = lazy("getitem", x)
    if type(key) not in _PLAIN and has_mask(key) or type(key) is LazyArray and key._dtype == "bool":
        x, key = mask_key(x, key)
    shape = getitem_shape(x._shape, key)
    if type(key) is tuple:
        if not all(type(k) in _PLAIN for k in key):
            key = tuple(map(_frozen, key))
        static = all(type(k) in _STATIC for k in key)
    elif type(key) is list:
        key = (_frozen(key),)
        static = type(key[0]) in _STATIC
    else:
        if type(key) not in _PLAIN:
            key = _frozen(key)
        static = type(key) in _STATIC
    # an index of static entries holds no lazy array: x is the only operand
    return make("getitem", (x, key), None, shape, x._dtype, (x,) if static else None)


#: index entries that are values (nothing to freeze)
_PLAIN = frozenset({int, slice, type(None), type(Ellipsis), LazyArray})

#: index entries that hold no lazy array
_STATIC = frozenset({int, slice, type(None), type(Ellipsis)})


def _frozen(k):
    """An index entry the caller can no longer change (the node's static
    shape comes from it at trace time): a list, or a tuple inside the key,
    becomes a numpy integer array as numpy reads it (an empty one ``intp``;
    JAX rejects lists, torch reads a nested list as a tuple of indices), and
    a concrete array is copied (a numpy one stays numpy: every backend
    accepts it as an index).

    >>> idx = [0, 2]
    >>> f = _frozen(idx)
    >>> idx.append(1)
    >>> f.tolist()
    [0, 2]
    """
    t = type(k)
    if t in _PLAIN or isinstance(k, np.generic):
        return k
    if t is list or t is tuple or isinstance(k, np.ndarray):
        arr = np.array(k)  # a private copy
        if arr.size == 0 and arr.dtype != np.intp and not isinstance(k, np.ndarray):
            arr = arr.astype(np.intp)  # numpy: an empty sequence is an intp index
        if arr.ndim == 0 and np.issubdtype(arr.dtype, np.integer):
            return int(arr)  # numpy's rule: a 0-d integer array is an int
        return arr
    if hasattr(k, "shape") and hasattr(k, "dtype"):  # another backend's array
        return autoray.do("copy", k)
    return k


def _take_indices(indices, backend):
    """take's indices as numpy converts them: cast to intp under ``same_kind``
    rules (integer and boolean arrays; Python numbers and sequences of them
    are converted by value, ``2.7`` -> ``2``), a ``TypeError`` otherwise.

    Returns ``(recorded indices, shape, concrete intp array or None)``; a
    0-d index is recorded as a Python int.
    """
    op = "take"
    if type(indices) is LazyArray:
        if indices._dtype == "bool":
            indices = astype(indices, "int64")
        elif not dtypes.is_integer(indices._dtype):
            raise TypeError(
                f"{op}: cannot cast indices of dtype {indices._dtype} to an integer dtype"
            )
        return indices, indices._shape, None
    if type(indices) is int:
        return indices, (), np.asarray(indices)
    if hasattr(indices, "dtype"):  # numpy (or a backend's) array or scalar
        arr = np.array(indices)  # a copy: the caller may mutate theirs later
        if not np.can_cast(arr.dtype, np.intp, "same_kind"):
            raise TypeError(f"{op}: cannot cast indices of dtype {arr.dtype} to an integer dtype")
    else:
        try:
            arr = np.array(indices, dtype=np.intp)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{op}: invalid indices {indices!r:.60}: {e}") from None
    if arr.dtype != np.intp:
        arr = arr.astype(np.intp)
    if arr.ndim == 0:
        return int(arr), (), arr
    return constant(op, arr, backend), arr.shape, arr


def _take_bounds(shape, arr, axis, ishape):
    """numpy's take checks: a non-empty take from an empty axis is an error,
    and indices are checked against the axis for each outer row (none when
    there are no rows)."""
    n = prod(shape) if axis is None else shape[axis]
    outer = 1 if axis is None else prod(shape[:axis])
    out_size = prod(ishape) * (1 if axis is None else outer * prod(shape[axis + 1 :]))
    if n == 0 and out_size:
        raise IndexError(
            f"take: cannot do a non-empty take from an empty axis "
            f"(axis {axis} of shape {shape}, indices of shape {ishape})"
        )
    if outer:
        _check_bounds("take", arr, n, 0 if axis is None else axis)


def take(x, indices, axis=None):
    """Take elements along ``axis`` (of the flattened array when None).

    Indices are converted as numpy's ``take`` converts them (see
    :func:`_take_indices`).

    >>> import lazyray
    >>> lazyray.take(lazyray.Variable((3, 4)), [[0, 2]], axis=1).shape
    (3, 1, 2)
    """
    x = lazy("take", x)
    ind, ishape, arr = _take_indices(indices, x._backend)
    if axis is None:
        shape = ishape
    else:
        axis = normalize_axis("take", axis, len(x._shape))
        shape = x._shape[:axis] + ishape + x._shape[axis + 1 :]
    _take_bounds(x._shape, arr, axis, ishape)
    return make("take", (x, ind), {"axis": axis}, shape, x._dtype)


def _along_indices(indices, backend):
    """take_along_axis's indices: an integer array (numpy's rule), lazy or
    concrete; returns ``(recorded indices, shape, concrete array or None)``."""
    op = "take_along_axis"
    if type(indices) is not LazyArray and not hasattr(indices, "dtype"):
        raise TypeError(f"{op}: indices must be an integer array, got {type(indices).__name__}")
    dt = indices._dtype if type(indices) is LazyArray else dtypes.dtype_name(indices.dtype)
    if not dtypes.is_integer(dt):
        raise IndexError(f"{op}: indices must be an integer array, got dtype {dt}")
    if type(indices) is LazyArray:
        return indices, indices._shape, None
    arr = np.asarray(indices)
    return constant(op, _frozen(indices), backend), arr.shape, arr


def take_along_axis(arr, indices, axis=-1):
    """Pick values along ``axis`` with an index array of the same ndim.

    >>> import lazyray
    >>> x = lazyray.Variable((3, 4))
    >>> lazyray.take_along_axis(x, lazyray.argsort(x, axis=1), axis=1).shape
    (3, 4)
    """
    op = "take_along_axis"
    arr = lazy(op, arr)
    ind, ishape, concrete = _along_indices(indices, arr._backend)
    if axis is None:
        if len(ishape) != 1:
            raise ValueError(f"{op}: with axis=None indices must be 1-D, got shape {ishape}")
        # recorded on the flattened array, as numpy computes it
        arr, axis = ravel(arr), 0
        shape = ishape
    else:
        if len(ishape) != len(arr._shape):
            raise ValueError(
                f"{op}: indices (shape {ishape}) and arr (shape "
                f"{arr._shape}) must have the same number of dimensions"
            )
        axis = normalize_axis(op, axis, len(arr._shape))
        a = arr._shape[:axis] + (1,) + arr._shape[axis + 1 :]
        i = ishape[:axis] + (1,) + ishape[axis + 1 :]
        try:
            b = broadcast_shapes(op, a, i)
        except ValueError:
            raise IndexError(
                f"{op}: shape mismatch: indices of shape {ishape} do not "
                f"broadcast against arr of shape {arr._shape} outside axis {axis}"
            ) from None
        shape = b[:axis] + (ishape[axis],) + b[axis + 1 :]
    if prod(shape):  # numpy's fancy index: an empty result reads no index
        _check_bounds(op, concrete, arr._shape[axis], axis)
    return make(op, (arr, ind), {"axis": axis}, shape, arr._dtype)


def _diag_len(n1, n2, offset):
    return max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))


def _diag_axes(op, a, offset, axis1, axis2):
    """``(a, keywords, shape)`` of the diagonal ``op`` of ``a`` (the
    diagonal's axis last)."""
    a = lazy(op, a)
    ndim = len(a._shape)
    if ndim < 2:
        raise ValueError(f"{op}: array must be at least 2-d, got shape {a._shape}")
    i = normalize_axis(op, axis1, ndim)
    j = normalize_axis(op, axis2, ndim)
    if i == j:
        raise ValueError(
            f"{op}: axis1 and axis2 cannot be the same (axes {axis1}, {axis2} of shape {a._shape})"
        )
    offset = as_index(op, offset, "offset")
    rest = tuple(d for k, d in enumerate(a._shape) if k not in (i, j))
    kwargs = {"offset": offset or None, "axis1": i, "axis2": j}
    return a, kwargs, rest + (_diag_len(a._shape[i], a._shape[j], offset),)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal over ``axis1``/``axis2``, appended as the last axis.

    >>> import lazyray
    >>> lazyray.diagonal(lazyray.Variable((3, 4, 5)), 1, 0, 2).shape
    (4, 3)
    """
    a, kwargs, shape = _diag_axes("diagonal", a, offset, axis1, axis2)
    return make("diagonal", (a,), kwargs, shape, a._dtype)


def trace(a, offset=0, axis1=0, axis2=1):
    """Sum along a diagonal; for n-d input the other axes remain.

    >>> import lazyray
    >>> lazyray.trace(lazyray.Variable((2, 3, 4))).shape
    (4,)
    """
    a, kwargs, shape = _diag_axes("trace", a, offset, axis1, axis2)
    # a trace is a sum: same dtype rule (small ints widen)
    dtype = dtypes.finalize(a._backend, dtypes.probe(np.sum, (a._dtype,)), (a._dtype,))
    return make("trace", (a,), kwargs, shape[:-1], dtype)


def diag(a, k=0):
    """Extract a diagonal (2-d input) or build a diagonal matrix (1-d input).

    >>> import lazyray
    >>> lazyray.diag(lazyray.Variable((3,)), k=1).shape
    (4, 4)
    """
    a = lazy("diag", a)
    k = as_index("diag", k, "k")
    if len(a._shape) == 1:
        n = a._shape[0] + abs(k)
        shape = (n, n)
    elif len(a._shape) == 2:
        shape = (_diag_len(*a._shape, k),)
    else:
        raise ValueError(f"diag: input must be 1- or 2-d, got shape {a._shape}")
    # k is positional: numpy's ``k`` is torch's ``diagonal``
    return make("diag", (a, k) if k else (a,), None, shape, a._dtype)


def _tri(op, m, k):
    m = lazy(op, m)
    k = as_index(op, k, "k")
    if not m._shape:
        raise ValueError(f"{op}: input must be at least 1-d")
    shape = m._shape if len(m._shape) > 1 else m._shape * 2
    return make(op, (m,), {"k": k or None}, shape, m._dtype)


def tril(m, k=0):
    """Lower triangle (zero above the ``k``-th diagonal)."""
    return _tri("tril", m, k)


def triu(m, k=0):
    """Upper triangle (zero below the ``k``-th diagonal)."""
    return _tri("triu", m, k)
