"""Array API movement ops: ``repeat``, ``roll``, ``tile`` (registry ops),
and ``meshgrid``, ``broadcast_arrays``, ``unstack`` (made of ``reshape``,
``broadcast_to`` and ``getitem``), ``from_dlpack``; ``searchsorted`` lives in
:mod:`lazyray.ops.sorting` and ``vecdot`` in :mod:`lazyray.ops.contraction`.

Shape rules follow numpy; the static parameters are normalized at trace time
(``roll``'s shifts and axes as tuples, ``tile``'s repetitions as a tuple,
``repeat``'s repeats as an int or a tuple of ints), so that every backend gets
the same call.
"""

from __future__ import annotations

import operator

import numpy as np
from autoray import get_lib_fn as _lib

from ..graph.registry import MOVEMENT, register
from ..graph.shapes import as_index, broadcast_shapes, normalize_axis, prod
from .common import LazyArray, array, backend_of, lazy, make
from .contraction import vecdot
from .creation import check_device
from .indexing import getitem
from .movement import broadcast_to, ravel, reshape
from .portable import NUMPY_LIKE
from .sorting import searchsorted

__all__ = [
    "broadcast_arrays",
    "from_dlpack",
    "meshgrid",
    "repeat",
    "roll",
    "searchsorted",
    "tile",
    "unstack",
    "vecdot",
]


# ------------------------------------------------------------ per-backend


def _repeat_impl(backend):
    """numpy's ``repeat(x, repeats, axis=None)`` on ``backend``: the repeats
    are an int or a tuple of ints (torch: ``repeat_interleave``; jax: with a
    static total length)."""
    if backend == "torch":
        import torch

        def repeat(x, repeats, axis=None):
            if type(repeats) is tuple:
                repeats = torch.tensor(repeats, dtype=torch.int64, device=x.device)
            return torch.repeat_interleave(x, repeats, dim=axis)

        return repeat
    fn = _lib(backend, "repeat")
    if backend in ("jax", "jaxlib"):

        def repeat(x, repeats, axis=None):
            if type(repeats) is tuple:
                return fn(x, np.asarray(repeats), axis=axis, total_repeat_length=sum(repeats))
            return fn(x, repeats, axis=axis)

        return repeat
    return fn


def _roll_impl(backend):
    """numpy's ``roll(x, shift, axis=None)`` on ``backend`` (torch's
    keywords are ``shifts`` and ``dims``)."""
    fn = _lib(backend, "roll")
    if backend in NUMPY_LIKE:
        return fn

    def roll(x, shift, axis=None):
        return fn(x, shift, axis) if axis is not None else fn(x, shift)

    return roll


register("repeat", MOVEMENT, impl=_repeat_impl, impl_is_factory=True)
register("roll", MOVEMENT, impl=_roll_impl, impl_is_factory=True)
register("tile", MOVEMENT)


# ------------------------------------------------------------ repeat


def _repeats_value(r):
    """The value of an array of repeats (computed if determined)."""
    if type(r) is LazyArray:
        if not (r._dtype == "bool" or r._dtype.startswith(("int", "uint"))):
            raise TypeError(f"repeat: repeats must be integers, got a lazy {r._dtype} array")
        try:
            return np.asarray(r)
        except TypeError as e:
            raise TypeError(
                "repeat: the output shape depends on the values of the lazy repeats "
                f"(shape {r.shape}); give repeats whose value is determined (no Variable), "
                f"or an int ({e})"
            ) from None
    return np.asarray(r)


def repeat(x, repeats, /, axis=None) -> LazyArray:
    """Repeat each element of ``x`` (flattened when ``axis`` is None)
    ``repeats`` times: an int, or one count per element along ``axis``.

    The output shape depends on the counts: a 1-d array of counts must have a
    determined value (a constant, or a lazy array depending on no Variable,
    computed here); counts that depend on a Variable are a ``TypeError``.

    >>> import lazyray, numpy as np
    >>> x = lazyray.asarray(np.array([[1, 2], [3, 4]]))
    >>> lazyray.repeat(x, 2).shape, lazyray.repeat(x, np.array([1, 3]), axis=0).shape
    ((8,), (4, 2))
    >>> lazyray.repeat(x, [0, 2], axis=1).compute().tolist()
    [[2, 2], [4, 4]]
    """
    op = "repeat"
    x = lazy(op, x)
    if axis is None:
        n = prod(x._shape)
    else:  # numpy: a 0-d array repeats as a 1-d one
        ax = normalize_axis(op, axis, max(len(x._shape), 1))
        n = x._shape[ax] if x._shape else 1
    if isinstance(repeats, (int, np.integer, bool, np.bool_)):
        reps = operator.index(repeats)
    else:
        if isinstance(repeats, (list, tuple)):  # converted as numpy does (unsafe)
            r = np.asarray(repeats, dtype=np.intp)
        else:
            r = _repeats_value(repeats)
            if r.dtype.kind not in "biu" or not np.can_cast(r.dtype, np.intp, "safe"):
                raise TypeError(
                    f"repeat: cannot cast repeats of dtype {r.dtype} to int64 (the 'safe' rule)"
                )
        if r.ndim > 1:
            raise ValueError(f"repeat: repeats must be 0-d or 1-d, got shape {r.shape}")
        if r.ndim == 0 or r.shape == (1,):
            reps = int(r.reshape(()))
        elif r.shape[0] != n:
            raise ValueError(
                f"repeat: {r.shape[0]} repeats for {n} elements along axis {axis} "
                f"(array of shape {x._shape})"
            )
        else:
            reps = tuple(int(v) for v in r)
            if any(v < 0 for v in reps):
                raise ValueError(f"repeat: repeats may not contain negative values, got {reps}")
    if type(reps) is int and reps < 0:
        if n:
            raise ValueError(f"repeat: repeats may not be negative, got {reps}")
        reps = 0  # numpy: nothing to repeat (the same empty result)
    total = sum(reps) if type(reps) is tuple else n * reps
    axis = None if axis is None or not x._shape else ax  # 0-d: flattening is the same
    shape = (total,) if axis is None else x._shape[:axis] + (total,) + x._shape[axis + 1 :]
    return make(op, (x, reps), {"axis": axis}, shape, x._dtype, (x,))


# ------------------------------------------------------------ roll, tile


def _ints(op, value, what):
    if isinstance(value, (tuple, list)):
        return tuple(as_index(op, v, what) for v in value)
    return (as_index(op, value, what),)


def roll(x, /, shift, axis=None) -> LazyArray:
    """Roll the elements of ``x`` by ``shift`` along ``axis`` (of the
    flattened array when None); elements leaving one end come back at the
    other.  Shifts and axes broadcast as numpy's (shifts of one axis add up).

    >>> import lazyray, numpy as np
    >>> lazyray.roll(lazyray.asarray(np.arange(5)), 2).compute().tolist()
    [3, 4, 0, 1, 2]
    >>> lazyray.roll(lazyray.Variable((2, 3)), (1, -1), axis=(0, 1)).args[1:]
    ((1, 2), (0, 1))
    """
    op = "roll"
    x = lazy(op, x)
    shape, ndim = x._shape, len(x._shape)
    shifts = _ints(op, shift, "shift")
    if axis is None:
        n = prod(shape)
        total = sum(shifts) % n if n else 0
        if not total:
            return x
        return make(op, (x, total), None, shape, x._dtype, (x,))
    axes = tuple(normalize_axis(op, a, ndim) for a in _ints(op, axis, "axis"))
    if len(shifts) != len(axes) and len(shifts) != 1 and len(axes) != 1:
        raise ValueError(
            f"roll: shift {shift!r} and axis {axis!r} do not broadcast together "
            f"({len(shifts)} shifts, {len(axes)} axes)"
        )
    k = max(len(shifts), len(axes))
    per_axis: dict = {}
    for s, a in zip(shifts * (k // len(shifts)), axes * (k // len(axes))):
        per_axis[a] = per_axis.get(a, 0) + s
    items = sorted((a, s % shape[a]) for a, s in per_axis.items() if shape[a] and s % shape[a])
    if not items:
        return x
    axes, shifts = zip(*items)
    return make(op, (x, shifts, axes), None, shape, x._dtype, (x,))


def tile(x, repetitions, /) -> LazyArray:
    """``x`` repeated ``repetitions`` times along each axis (numpy's and the
    Array API's rule: the shorter of ``x.shape`` and ``repetitions`` is padded
    with leading ones).

    >>> import lazyray
    >>> lazyray.tile(lazyray.Variable((2, 3)), (2, 1, 2)).shape
    (2, 2, 6)
    """
    op = "tile"
    x = lazy(op, x)
    reps = _ints(op, repetitions, "repetitions")
    n = max(len(reps), len(x._shape))
    full_reps = (1,) * (n - len(reps)) + reps
    shape = (1,) * (n - len(x._shape)) + x._shape
    out = tuple(r * d for r, d in zip(full_reps, shape))
    # numpy refuses negative repetitions of a non-empty array only
    if any(r < 0 for r in reps) and (prod(x._shape) or any(d < 0 for d in out)):
        raise ValueError(f"tile: repetitions may not be negative, got {reps}")
    if any(r < 0 for r in reps):  # an empty result either way: portable repetitions
        reps = tuple(max(r, 0) for r in full_reps)
        out = tuple(r * d for r, d in zip(reps, shape))
    if all(r == 1 for r in full_reps):
        return reshape(x, out)
    return make(op, (x, reps), None, out, x._dtype, (x,))


# ------------------------------------------------------------ compositions


def unstack(x, /, *, axis=0) -> tuple:
    """Split ``x`` into a tuple of arrays along ``axis`` (each without that
    axis; recorded as indexing).

    >>> import lazyray
    >>> [a.shape for a in lazyray.unstack(lazyray.Variable((2, 3)), axis=-1)]
    [(2,), (2,), (2,)]
    """
    op = "unstack"
    x = lazy(op, x)
    if not x._shape:
        raise ValueError("unstack: input array must be at least 1-d, got shape ()")
    ax = normalize_axis(op, axis, len(x._shape))
    pre = (slice(None),) * ax
    return tuple(getitem(x, (*pre, i) if ax else i) for i in range(x._shape[ax]))


def _lazies(op, arrays):
    lazies = [a for a in arrays if type(a) is LazyArray]
    if lazies:
        backend_of(op, lazies)
    return [lazy(op, a) for a in arrays]


def broadcast_arrays(*arrays) -> list:
    """The arrays broadcast against each other (a list, as the Array API's).

    >>> import lazyray
    >>> [a.shape for a in lazyray.broadcast_arrays(lazyray.Variable((3, 1)),
    ...                                            lazyray.Variable((4,)))]
    [(3, 4), (3, 4)]
    """
    op = "broadcast_arrays"
    arrays = _lazies(op, arrays)
    shape = broadcast_shapes(op, *(a._shape for a in arrays)) if arrays else ()
    return [broadcast_to(a, shape) for a in arrays]


def meshgrid(*arrays, indexing="xy", sparse=False, copy=True) -> list:
    """Coordinate matrices of 1-d coordinate vectors (numpy's ``meshgrid``,
    returning a list as the Array API's): with ``"xy"`` indexing the first
    two output axes are swapped.  Inputs of another shape are flattened.

    >>> import lazyray
    >>> a, b = lazyray.Variable((2,)), lazyray.Variable((3,))
    >>> [g.shape for g in lazyray.meshgrid(a, b)], lazyray.meshgrid(a, b, indexing="ij")[0].shape
    ([(3, 2), (3, 2)], (2, 3))
    """
    op = "meshgrid"
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r:.40}")
    arrays = [ravel(a) for a in _lazies(op, arrays)]
    n = len(arrays)
    sizes = [a._shape[0] for a in arrays]
    swap = indexing == "xy" and n > 1

    def order(seq):
        return (seq[1], seq[0], *seq[2:]) if swap else tuple(seq)

    out_shape = order(sizes)
    grids = []
    for i, a in enumerate(arrays):
        s = [1] * n
        s[i] = sizes[i]
        g = reshape(a, order(s))
        grids.append(g if sparse else broadcast_to(g, out_shape))
    return grids


def from_dlpack(x, /, *, device=None, copy=None) -> LazyArray:
    """A lazy leaf (numpy backend) holding the data of any DLPack-exporting
    array ``x`` (a torch tensor, a jax array, ...); a lazy array is returned
    as is.  ``device`` may be None or ``"cpu"``; ``copy`` as numpy's.

    >>> import lazyray, numpy as np
    >>> lazyray.from_dlpack(np.arange(3)).shape
    (3,)
    """
    check_device("from_dlpack", device)
    if type(x) is LazyArray:
        return x
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack: {type(x).__name__} does not support DLPack")
    kwargs = {} if copy is None else {"copy": copy}
    return array(np.from_dlpack(x, **kwargs))
