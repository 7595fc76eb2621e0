"""Movement ops: reshape, transpose and friends, broadcast_to, flip, and the
joining/splitting ops stack, concatenate and split.

``permute_dims``, ``moveaxis``, ``swapaxes`` and ``matrix_transpose`` are all
recorded as ``transpose`` with an explicit permutation, and ``expand_dims``,
``squeeze`` and ``ravel`` as ``reshape``, so passes see one canonical op.
As in autoray, movement that does nothing is elided while tracing (the
array itself is returned) and consecutive transposes, or reshapes, compose
into one node of the original array.
"""

from __future__ import annotations

import operator
import warnings

import numpy as np

from ..graph import dtypes
from ..graph.pytree import SEQ, kind_of
from ..graph.registry import COMBINE, MOVEMENT, register
from ..graph.shapes import as_index, check_shape, normalize_axes, normalize_axis, prod, scalar_axis
from .common import LazyArray, array_result_type, info, lazy, lazy_operands, make, multi_output
from .portable_torch import register_typed

__all__ = """broadcast_to concat concatenate expand_dims flatten flip matrix_transpose moveaxis
    permute_dims ravel reshape split squeeze stack swapaxes transpose""".split()

for _n in ("reshape", "transpose", "broadcast_to", "flip"):
    register(_n, MOVEMENT)
for _n in ("stack", "concatenate"):
    register_typed(_n, COMBINE, probe=None)
register("split", COMBINE, nout=-1)


def reshape_shape(op: str, shape: tuple, newshape) -> tuple:
    """numpy's reshape rule, with at most one ``-1``.

    >>> reshape_shape("reshape", (2, 3, 4), (4, -1))
    (4, 6)
    """
    if type(newshape) is tuple:  # the usual forms, at once: (-1,), or sizes that fit
        if newshape == (-1,) and type(newshape[0]) is int:
            return (prod(shape),)
        for d in newshape:
            if type(d) is not int or d < 0:
                break
        else:
            if prod(newshape) == prod(shape):
                return newshape
    if isinstance(newshape, int) or hasattr(newshape, "__index__"):
        newshape = (newshape,)
    try:
        newshape = tuple(operator.index(d) for d in newshape)
    except TypeError:
        raise TypeError(f"{op}: shape must be integers, got {newshape!r:.60}") from None
    size = prod(shape)
    # like numpy, any negative entry (usually -1) is the one unknown dimension
    unknown = [i for i, d in enumerate(newshape) if d < 0]
    if len(unknown) > 1:
        raise ValueError(f"{op}: can only specify one unknown dimension, got {newshape}")
    known = prod(d for d in newshape if d >= 0)
    if unknown and known and not size % known:
        newshape = tuple(size // known if d < 0 else d for d in newshape)
    if any(d < 0 for d in newshape) or prod(newshape) != size:
        raise ValueError(
            f"{op}: cannot reshape array of size {size} (shape {shape}) into shape {newshape}"
        )
    return newshape


def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    """Give ``a`` a new shape with the same number of elements (one ``-1``
    allowed), with numpy's signature (``newshape`` is its older spelling).

    ``copy`` (None, True or False) is accepted for the Array API and numpy:
    lazy arrays are immutable, so a copy and a view are the same.
    ``order="F"`` is recorded as transposes around a C-order reshape.

    As autoray's lazy arrays, while tracing: a reshape to ``a``'s own shape
    is ``a`` itself, and a reshape of an (uncomputed) reshape reshapes the
    original array (C order composes).

    >>> import lazyray
    >>> x = lazyray.Variable((2, 3, 4))
    >>> lazyray.reshape(x, (-1, 4)).shape
    (6, 4)
    >>> lazyray.reshape(x, (2, 3, 4)) is x, lazyray.reshape(x.reshape(6, 4), -1).args[0] is x
    (True, True)
    """
    a = lazy("reshape", a)
    if shape is None:
        shape = newshape
    elif newshape is not None:
        raise TypeError("reshape: give the new shape once (shape or newshape), not both")
    if shape is None:
        raise TypeError("reshape: missing the new shape")
    if copy is not None and not isinstance(copy, (bool, np.bool_)):
        raise TypeError(f"reshape: copy must be None, True or False, got {copy!r:.40}")
    if order in ("F", "f"):
        new = reshape_shape("reshape", a._shape, shape)
        return transpose(reshape(transpose(a), new[::-1]))
    if order not in ("C", "c", "A", "a"):  # a lazy array is C-contiguous: "A" is "C"
        raise ValueError(f"reshape: order must be one of 'C', 'F', 'A', got {order!r:.40}")
    newshape = reshape_shape("reshape", a._shape, shape)
    if newshape == a._shape:
        return a
    inner = _uncomputed_input(a, "reshape")
    if inner is not None:
        a = inner
        if newshape == a._shape:
            return a
    return make("reshape", (a, newshape), None, newshape, a._dtype, (a,))


def _uncomputed_input(a, op):
    """The array input of ``a`` when ``a`` is an uncomputed node of registry
    op ``op`` (a movement op, which a following one of its kind composes
    with), else None."""
    args = a._args
    if args and a._fn is not None and type(a._op) is str and a._op == op:
        inner = args[0]
        if type(inner) is LazyArray:
            return inner
    return None


def _perm(op, axes, ndim):
    try:
        axes = tuple(operator.index(i) for i in axes)
    except TypeError:
        raise TypeError(f"{op}: axes must be integers, got {axes!r:.60}") from None
    if len(axes) != ndim:
        raise ValueError(f"{op}: axes {axes} don't match array of dimension {ndim}")
    norm = tuple(normalize_axis(op, i, ndim) for i in axes)
    if len(set(norm)) != ndim:
        raise ValueError(f"{op}: repeated axis in transpose axes {axes}")
    return norm


def transpose(a, axes=None):
    """Permute the axes of ``a`` (reversed when ``axes`` is None).

    As autoray's lazy arrays, while tracing: the identity permutation is
    ``a`` itself, and a transpose of an (uncomputed) transpose is one
    transpose of the original array, kept even when the composed permutation
    is the identity (autoray's ``test_transpose_chain``; the optimizer's
    ``transpose_identity`` rule removes it).

    >>> import lazyray
    >>> x = lazyray.Variable((2, 3, 4))
    >>> lazyray.transpose(x, (1, -1, 0)).shape
    (3, 4, 2)
    >>> lazyray.transpose(x, (0, 1, 2)) is x, x.T.T.args[0] is x, x.T.T.args[1]
    (True, True, (0, 1, 2))
    """
    a = lazy("transpose", a)
    ndim = len(a._shape)
    perm = tuple(range(ndim))[::-1] if axes is None else _perm("transpose", axes, ndim)
    if perm == tuple(range(ndim)):
        return a
    shape = tuple(a._shape[i] for i in perm)
    inner = _uncomputed_input(a, "transpose")
    if inner is not None:
        perm = tuple(a._args[1][i] for i in perm)
        a = inner
    return make("transpose", (a, perm), None, shape, a._dtype, (a,))


def permute_dims(a, axes):
    """Array API name of :func:`transpose` (``axes`` required)."""
    return transpose(a, axes)


def swapaxes(a, axis1, axis2):
    """Interchange two axes (recorded as a ``transpose``).

    >>> import lazyray
    >>> lazyray.swapaxes(lazyray.Variable((2, 3, 4)), 0, -1).shape
    (4, 3, 2)
    """
    a = lazy("swapaxes", a)
    ndim = len(a._shape)
    i, j = (normalize_axis("swapaxes", ax, ndim) for ax in (axis1, axis2))
    perm = list(range(ndim))
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def matrix_transpose(a):
    """Swap the last two axes (``a.mT``)."""
    a = lazy("matrix_transpose", a)
    if len(a._shape) < 2:
        raise ValueError(f"matrix_transpose: needs at least 2 dimensions, got {a._shape}")
    return swapaxes(a, -1, -2)


def moveaxis(a, source, destination):
    """Move axes to new positions (recorded as a ``transpose``).

    >>> import lazyray
    >>> lazyray.moveaxis(lazyray.Variable((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    a = lazy("moveaxis", a)
    ndim = len(a._shape)
    if not isinstance(source, (tuple, list)):
        source, destination = (source,), (destination,)
    src = tuple(normalize_axis("moveaxis", s, ndim) for s in source)
    dst = tuple(normalize_axis("moveaxis", d, ndim) for d in destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same length")
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError("moveaxis: repeated axis")
    order = [n for n in range(ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


def expand_dims(a, axis=0):
    """Insert unit axes at ``axis`` (int or tuple, default 0 as the Array
    API's; recorded as ``reshape``).

    >>> import lazyray
    >>> lazyray.expand_dims(lazyray.Variable((2, 3)), (0, -1)).shape
    (1, 2, 3, 1)
    """
    a = lazy("expand_dims", a)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out_ndim = len(a._shape) + len(axes)
    axes = normalize_axes("expand_dims", axes, out_ndim)
    it = iter(a._shape)
    shape = tuple(1 if i in axes else next(it) for i in range(out_ndim))
    return reshape(a, shape)


def squeeze(a, axis=None):
    """Remove unit axes (all of them, or those in ``axis``).

    >>> import lazyray
    >>> lazyray.squeeze(lazyray.Variable((1, 3, 1)), -1).shape
    (1, 3)
    """
    a = lazy("squeeze", a)
    axis = scalar_axis("squeeze", a._shape, axis)
    if axis is None:
        axes = tuple(i for i, d in enumerate(a._shape) if d == 1)
    else:
        axes = normalize_axes("squeeze", axis, len(a._shape))
        if any(a._shape[i] != 1 for i in axes):
            raise ValueError(
                f"squeeze: cannot select an axis to squeeze out which has size not "
                f"equal to one (shape {a._shape}, axis {axis})"
            )
    return reshape(a, tuple(d for i, d in enumerate(a._shape) if i not in axes))


def ravel(a):
    """The flattened array (recorded as ``reshape``)."""
    a = lazy("ravel", a)
    return reshape(a, (prod(a._shape),))


flatten = ravel


def broadcast_to(a, shape):
    """Broadcast ``a`` to ``shape`` (``a`` itself when it has that shape).

    >>> import lazyray
    >>> lazyray.broadcast_to(lazyray.Variable((3, 1)), (2, 3, 4)).shape
    (2, 3, 4)
    """
    a = lazy("broadcast_to", a)
    shape = check_shape("broadcast_to", shape)
    ok = len(shape) >= len(a._shape) and all(
        d == t or d == 1 for d, t in zip(a._shape[::-1], shape[::-1])
    )
    if not ok:
        raise ValueError(f"broadcast_to: array of shape {a._shape} cannot be broadcast to {shape}")
    if shape == a._shape:  # as autoray: no broadcasting required
        return a
    return make("broadcast_to", (a, shape), None, shape, a._dtype, (a,))


def flip(a, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None)."""
    a = lazy("flip", a)
    if axis is not None:
        axes = normalize_axes("flip", axis, len(a._shape))
        axis = axes if isinstance(axis, (tuple, list)) else axes[0]
    return make("flip", (a,), {"axis": axis}, a._shape, a._dtype, (a,))


# ------------------------------------------------------------ joining


def _operands(op, arrays, strong):
    """``(arrays, infos, backend, dtype)`` of a join; ``strong``: numpy makes
    arrays of the operands first (``stack``), so Python scalars are strong,
    else they are weak (``concatenate``)."""
    if type(arrays) is not list and type(arrays) is not tuple:
        if kind_of(type(arrays)) != SEQ:  # a deque, a UserList...: any pytree sequence
            raise TypeError(f"{op}: expected a sequence of arrays, got {type(arrays).__name__}")
        arrays = tuple(arrays)
    if not arrays:
        raise ValueError(f"{op}: need at least one array")
    arrays, backend = lazy_operands(op, arrays)
    infos = [info(x) for x in arrays]
    keys = tuple(k for _, k in infos)
    if strong:
        dtype = array_result_type(op, backend, arrays, keys)
    else:
        dtype = dtypes.finalize(backend, dtypes.result_type(*keys), keys)
    return arrays, infos, backend, dtype


def stack(arrays, axis=0):
    """Join arrays of one shape along a new axis (negative axes count from the
    end of the *result*).

    >>> import lazyray
    >>> x = lazyray.Variable((2, 3))
    >>> lazyray.stack([x, x], axis=-1).shape
    (2, 3, 2)
    """
    arrays, infos, backend, dtype = _operands("stack", arrays, strong=True)
    shapes = {s for s, _ in infos}
    if len(shapes) > 1:
        raise ValueError(
            f"stack: all input arrays must have the same shape, got {[s for s, _ in infos]}"
        )
    (shape,) = shapes
    axis = normalize_axis("stack", axis, len(shape) + 1)
    out = shape[:axis] + (len(arrays),) + shape[axis:]
    return make("stack", (arrays,), {"axis": axis}, out, dtype, backend=backend)


def concatenate(arrays, axis=0):
    """Join arrays along an existing axis (``axis=None`` flattens them first).

    >>> import lazyray
    >>> lazyray.concatenate([lazyray.Variable((2, 3)), lazyray.Variable((2, 5))],
    ...                     axis=-1).shape
    (2, 8)
    """
    arrays, infos, backend, dtype = _operands("concatenate", arrays, strong=False)
    shapes = [s for s, _ in infos]
    if axis is None:
        # numpy flattens the arrays first: recorded as ravel + concatenate(axis=0),
        # a Python scalar cast (C-style, wrapping) to the result dtype as numpy does
        arrays = tuple(
            ravel(x if type(x) is LazyArray else lazy("concatenate", _weak_cast(x, dtype)))
            for x in arrays
        )
        out = (sum(prod(s) for s in shapes),)
        return make("concatenate", (arrays,), {"axis": 0}, out, dtype, backend=backend)
    ndim = len(shapes[0])
    if ndim == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    if any(len(s) != ndim for s in shapes):
        raise ValueError(
            f"concatenate: all arrays must have the same number of dimensions, got shapes {shapes}"
        )
    axis = normalize_axis("concatenate", axis, ndim)
    for s in shapes:
        if s[:axis] + s[axis + 1 :] != shapes[0][:axis] + shapes[0][axis + 1 :]:
            raise ValueError(f"concatenate: shapes {shapes} differ outside axis {axis}")
    out = list(shapes[0])
    out[axis] = sum(s[axis] for s in shapes)
    return make("concatenate", (arrays,), {"axis": axis}, tuple(out), dtype, backend=backend)


concat = concatenate


def _weak_cast(x, dtype):
    """A Python scalar as a 0-d numpy array of ``dtype``, cast as numpy casts a
    weak scalar it joins (out-of-range values wrap); other operands as they are."""
    if type(x) not in dtypes.WEAK_TYPES:
        return x
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(x).astype(dtype)


def _sections(ios, n, axis):
    """numpy's number of sections: ``n % ios`` must be 0 (a Python 0 raises
    ``ZeroDivisionError``), then ``int(ios)`` must be positive; a float such as
    ``2.0`` counts as its integer."""
    try:
        k = as_index("split", ios, "number of sections")
    except TypeError:
        if not (
            isinstance(ios, (float, np.floating))
            or (isinstance(ios, np.ndarray) and ios.ndim == 0 and ios.dtype.kind == "f")
        ):
            raise
        k = float(ios)
    if k == 0 and type(ios) in (int, bool, float):  # Python's n % 0
        raise ZeroDivisionError("split: integer modulo by zero (0 sections)")
    if k and n % k:
        raise ValueError(
            f"split: array split does not result in an equal division "
            f"(axis {axis} of size {n} into {ios!r} sections)"
        )
    k = int(k)
    if k <= 0:
        raise ValueError(f"split: number sections must be larger than 0 (got {k})")
    return k


def split(ary, indices_or_sections, axis=0):
    """Split into several arrays along ``axis``: ``N`` equal sections, or at
    the given indices.

    >>> import lazyray
    >>> [p.shape for p in lazyray.split(lazyray.Variable((7, 2)), [2, 5])]
    [(2, 2), (3, 2), (2, 2)]
    """
    ary = lazy("split", ary)
    axis = normalize_axis("split", axis, len(ary._shape))
    n = ary._shape[axis]
    ios = indices_or_sections
    try:  # numpy: anything with a length holds indices (a list, tuple or array)
        len(ios)
        has_len = not isinstance(ios, str)
    except TypeError:
        has_len = False
    if has_len:
        idx = [as_index("split", i, "index") for i in ios]
        bounds = [0] + [min(max(i + n if i < 0 else i, 0), n) for i in idx] + [n]
        sizes = [max(b - a, 0) for a, b in zip(bounds, bounds[1:])]
        static = tuple(idx)
    else:
        k = _sections(ios, n, axis)
        sizes = [n // k] * k
        static = k
    shapes = [ary._shape[:axis] + (s,) + ary._shape[axis + 1 :] for s in sizes]
    dts = [ary._dtype] * len(shapes)
    return list(multi_output("split", (ary, static), {"axis": axis}, shapes, dts, (ary,)))
