"""The Array API 2024.12 ``linalg`` functions beyond numpy 1's ``linalg``.

``cross``, ``matrix_rank``, ``svdvals`` and ``vector_norm`` are ops of their
own; ``diagonal``, ``trace``, ``matmul``, ``matrix_transpose``, ``outer``,
``tensordot`` and ``vecdot`` are the main namespace's ops called with the
spec's meaning (the last two axes, 1-d operands for ``outer``);
``matrix_norm`` (in :mod:`lazyray.linalg`) is ``norm`` over the last two
axes.  Also here: the named tuples the decompositions return and the
operand checks shared with :mod:`lazyray.linalg`.

>>> import lazyray
>>> lazyray.linalg.trace(lazyray.Variable((2, 3, 3))).shape
(2,)
"""

from __future__ import annotations

from math import prod
from typing import NamedTuple

from autoray import get_lib_fn as _lib

from ..graph import dtypes
from ..graph.registry import LINALG, OTHER, register
from ..graph.shapes import broadcast_shapes, normalize_axes, normalize_axis
from . import contraction, indexing, movement
from .common import LazyArray, array_result_type, info, lazy, make
from .elementwise_general import astype
from .portable import _promoting
from .reductions import reduced_shape
from .torch_numpy import numpy_linalg

__all__ = """EigResult EighResult QRResult SlogdetResult SVDResult cross diagonal matmul matrix_rank
    matrix_transpose outer svdvals tensordot trace vecdot vector_norm""".split()


class EigResult(NamedTuple):
    """``linalg.eig``'s result."""

    eigenvalues: LazyArray
    eigenvectors: LazyArray


class EighResult(NamedTuple):
    """``linalg.eigh``'s result."""

    eigenvalues: LazyArray
    eigenvectors: LazyArray


class QRResult(NamedTuple):
    """``linalg.qr``'s result."""

    Q: LazyArray
    R: LazyArray


class SlogdetResult(NamedTuple):
    """``linalg.slogdet``'s result."""

    sign: LazyArray
    logabsdet: LazyArray


class SVDResult(NamedTuple):
    """``linalg.svd``'s result."""

    U: LazyArray
    S: LazyArray
    Vh: LazyArray


# ------------------------------------------------------------ shared checks


def float_dtype(op: str, a: LazyArray, half_ok: bool = False) -> str:
    """numpy's linalg dtype of ``a``: ints and bools as ``float64``,
    ``float16`` rejected (unless ``half_ok``), adjusted to the backend."""
    d = a._dtype
    if d in ("float16", "bfloat16") and not (half_ok and d == "float16"):
        raise TypeError(f"{op}: array type {d} is unsupported in linalg")
    if dtypes.is_integer(d) or d == "bool":
        d = "float64"
    return dtypes.finalize(a._backend, d, (a._dtype,))


def matrix_operand(op: str, a, square: bool = False) -> tuple:
    """``(a, batch shape, rows, cols, float dtype)`` of a (stack of) matrices."""
    a = lazy(op, a)
    if len(a._shape) < 2:
        raise ValueError(f"{op}: needs an array of at least 2 dimensions, got shape {a._shape}")
    if square and a._shape[-1] != a._shape[-2]:
        raise ValueError(f"{op}: last 2 dimensions must be square, got {a._shape}")
    return a, a._shape[:-2], a._shape[-2], a._shape[-1], float_dtype(op, a)


def check_ord(op: str, ord, n_axes: int) -> None:  # noqa: A002
    """numpy's valid ``ord`` values: any number for vectors; for matrices
    +-1, +-2, +-inf, ``"fro"`` and ``"nuc"``."""
    if n_axes == 1:
        if isinstance(ord, str):
            raise ValueError(f"{op}: invalid norm order {ord!r} for vectors")
        try:
            float(ord)
        except (TypeError, ValueError):
            raise ValueError(f"{op}: invalid norm order {ord!r} for vectors") from None
    elif ord not in (2, -2, 1, -1, float("inf"), float("-inf"), "fro", "f", "nuc"):
        raise ValueError(f"{op}: invalid norm order {ord!r} for matrices")


def rtol_operand(op: str, rtol, batch: tuple):
    """A relative tolerance: a Python number, or an array broadcasting
    against the stack shape ``batch``."""
    if rtol is None or type(rtol) in (int, float):
        return None if rtol is None else float(rtol)
    r = lazy(op, rtol)
    if dtypes.is_complex(r._dtype):
        raise TypeError(f"{op}: rtol must be real, got dtype {r._dtype}")
    try:
        ok = broadcast_shapes(op, r._shape, batch) == batch
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{op}: rtol of shape {r._shape} does not broadcast to stack {batch}")
    return r


# ------------------------------------------------------------ backend impls


def _vector_norm_impl(backend):
    if backend != "torch":
        return _lib(backend, "linalg.vector_norm")
    import torch

    fn = _lib("torch", "linalg.vector_norm")

    def vector_norm(x, axis=None, keepdims=False, ord=2):  # noqa: A002
        dims = range(x.ndim) if axis is None else (axis,) if type(axis) is int else axis
        if ord == float("inf") and any(x.shape[i] == 0 for i in dims):
            # numpy's max(|x|, initial=0) of an empty axis: 0 (torch raises)
            return torch.sum(torch.abs(x), dim=tuple(dims), keepdim=keepdims)
        if ord < 0 and any(x.shape[i] == 0 for i in dims):
            # numpy's sum(|x|**ord) ** (1/ord) of an empty axis: inf (torch raises)
            s = torch.sum(torch.abs(x) ** ord, dim=tuple(dims), keepdim=keepdims)
            return s ** (1.0 / ord)
        if ord == 2 and prod(x.shape[i] for i in dims) == 1:
            # numpy's sqrt(sum(conj(x) x)), which overflows past 1e154 (torch
            # returns |x| for one element)
            s = torch.sum((x.conj() * x).real, dim=tuple(dims), keepdim=keepdims)
            return torch.sqrt(s)
        return fn(x, ord=ord, dim=axis, keepdim=keepdims)

    return vector_norm


def _cross_impl(backend):
    if backend != "torch":
        return _lib(backend, "linalg.cross")
    import torch

    def cross(a, b, axis=-1):
        # numpy's rule: each operand's vector axis moves last, the rest
        # broadcast (torch wants equal ranks), the result's goes back to axis
        a, b = torch.movedim(a, axis, -1), torch.movedim(b, axis, -1)
        nd = max(a.ndim, b.ndim)
        a = a.reshape((1,) * (nd - a.ndim) + tuple(a.shape))
        b = b.reshape((1,) * (nd - b.ndim) + tuple(b.shape))
        return torch.movedim(torch.linalg.cross(a, b, dim=-1), -1, axis)

    return _promoting(cross, backend, "cross")


def _matrix_rank_impl(backend):
    """numpy's ``matrix_rank``; jax's takes ``rtol`` as an absolute
    tolerance, so jax runs numpy's definition on its own ``svdvals``."""
    if backend != "jax":
        return _lib(backend, "linalg.matrix_rank")
    import jax.numpy as jnp

    def matrix_rank(x, rtol=None):
        s = jnp.linalg.svdvals(x)
        if rtol is None:
            rtol = max(x.shape[-2:]) * jnp.finfo(s.dtype).eps
        tol = s.max(axis=-1, keepdims=True) * jnp.expand_dims(jnp.asarray(rtol), -1)
        return jnp.sum(s > tol, axis=-1)

    return matrix_rank


def _svdvals_impl(backend):
    """``linalg.svdvals``; a library without it (cupy) computes numpy's
    ``svd(x, compute_uv=False)``."""
    try:
        return _lib(backend, "linalg.svdvals")
    except ImportError:
        svd = _lib(backend, "linalg.svd")

    def svdvals(x):
        return svd(x, compute_uv=False)

    return svdvals


# on torch: numpy's operand and result dtypes (integers and booleans as float64...)
_impl = numpy_linalg("linalg.vector_norm", _vector_norm_impl)
register("linalg.vector_norm", OTHER, impl=_impl, impl_is_factory=True)
register("linalg.cross", OTHER, impl=_cross_impl, impl_is_factory=True)
for _n, _impl in (("linalg.svdvals", _svdvals_impl), ("linalg.matrix_rank", _matrix_rank_impl)):
    register(_n, LINALG, impl=numpy_linalg(_n, _impl), impl_is_factory=True)


# ------------------------------------------------------------ new ops


def svdvals(x, /) -> LazyArray:
    """Singular values, descending, of a (stack of) matrices.

    >>> import lazyray
    >>> s = lazyray.linalg.svdvals(lazyray.Variable((2, 5, 3), dtype="complex64"))
    >>> s.shape, str(s.dtype)
    ((2, 3), 'float32')
    """
    a, b, m, n, d = matrix_operand("linalg.svdvals", x)
    return make("linalg.svdvals", (a,), None, b + (min(m, n),), dtypes.real_dtype(d))


def matrix_rank(x, /, *, rtol=None) -> LazyArray:
    """Rank of a (stack of) matrices: the singular values above
    ``rtol * max(M, N) * eps * largest`` (the default integer dtype).

    >>> import lazyray
    >>> r = lazyray.linalg.matrix_rank(lazyray.Variable((4, 2, 3)))
    >>> r.shape, str(r.dtype)
    ((4,), 'int64')
    """
    a, b, _, _, _ = matrix_operand("linalg.matrix_rank", x)
    r = rtol_operand("linalg.matrix_rank", rtol, b)
    dt = dtypes.finalize(a._backend, "int64", (a._dtype,))
    return make("linalg.matrix_rank", (a,), {"rtol": r}, b, dt)


def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2) -> LazyArray:  # noqa: A002
    """The vector ``ord``-norm over ``axis`` (None: every axis, a tuple:
    those axes as one vector).

    >>> import lazyray
    >>> n = lazyray.linalg.vector_norm(lazyray.Variable((2, 3, 4)), axis=(0, 2), keepdims=True)
    >>> n.shape, str(n.dtype)
    ((1, 3, 1), 'float64')
    """
    op = "linalg.vector_norm"
    x = lazy(op, x)
    check_ord(op, ord, 1)
    nd = len(x._shape)
    if isinstance(axis, list):
        axis = tuple(axis)
    axes = normalize_axes(op, axis, nd)
    # numpy 2's inf-norm of an empty vector is 0 (a max with initial 0);
    # its -inf-norm raises (a min of nothing)
    if ord == float("-inf") and any(x._shape[i] == 0 for i in axes):
        raise ValueError(
            f"{op}: zero-size array to reduction operation (ord={ord!r}) which has no "
            f"identity (axes {axes} of shape {x._shape})"
        )
    d = dtypes.real_dtype(float_dtype(op, x, half_ok=True))
    if type(axis) is tuple:
        axis = tuple(normalize_axis(op, i, nd) for i in axis)
    elif axis is not None:
        axis = normalize_axis(op, axis, nd)
    shape = reduced_shape(x._shape, axes, bool(keepdims))
    ord_ = None if type(ord) is int and ord == 2 else ord
    kwargs = {"axis": axis, "keepdims": True if keepdims else None, "ord": ord_}
    return make(op, (x,), kwargs, shape, d)


def cross(x1, x2, /, *, axis: int = -1) -> LazyArray:
    """Cross product of 3-element vectors along ``axis`` (the other axes
    broadcast).

    >>> import lazyray
    >>> lazyray.linalg.cross(lazyray.Variable((2, 3)), lazyray.Variable((4, 1, 3))).shape
    (4, 2, 3)
    """
    op = "linalg.cross"
    a, b = lazy(op, x1), lazy(op, x2)
    sa, sb = a._shape, b._shape
    if not sa or not sb:
        raise ValueError(f"{op}: operands must be at least 1-d, got shapes {sa} and {sb}")
    i, j = normalize_axis(op, axis, len(sa)), normalize_axis(op, axis, len(sb))
    if sa[i] != 3 or sb[j] != 3:
        raise ValueError(
            f"{op}: both inputs must have size 3 along axis {axis}, got shapes {sa} and {sb}"
        )
    rest = broadcast_shapes(op, sa[:i] + sa[i + 1 :], sb[:j] + sb[j + 1 :])
    k = normalize_axis(op, axis, len(rest) + 1)
    shape = rest[:k] + (3,) + rest[k:]
    keys = (a._dtype, b._dtype)
    if "bool" in keys:
        raise TypeError(f"{op}: boolean inputs are not supported (dtypes {keys})")
    dt = array_result_type(op, a._backend, (a, b), keys)
    return make(op, (a, b), {"axis": axis if axis != -1 else None}, shape, dt)


# ------------------------------------------------------------ spec spellings of main ops


def matmul(x1, x2, /) -> LazyArray:
    """``x1 @ x2`` (the main namespace's :func:`lazyray.matmul`).

    >>> import lazyray
    >>> lazyray.linalg.matmul(lazyray.Variable((2, 3)), lazyray.Variable((3,))).shape
    (2,)
    """
    return contraction.matmul(x1, x2)


def tensordot(x1, x2, /, *, axes=2) -> LazyArray:
    """Contract ``axes`` of ``x1`` and ``x2`` (:func:`lazyray.tensordot`).

    >>> import lazyray
    >>> lazyray.linalg.tensordot(lazyray.Variable((2, 3)), lazyray.Variable((3, 4)), axes=1).shape
    (2, 4)
    """
    return contraction.tensordot(x1, x2, axes)


def matrix_transpose(x, /) -> LazyArray:
    """Swap the last two axes.

    >>> import lazyray
    >>> lazyray.linalg.matrix_transpose(lazyray.Variable((5, 2, 3))).shape
    (5, 3, 2)
    """
    return movement.matrix_transpose(x)


def outer(x1, x2, /) -> LazyArray:
    """Outer product of two vectors (1-d only, unlike numpy's ``outer``).

    >>> import lazyray
    >>> lazyray.linalg.outer(lazyray.Variable((2,)), lazyray.Variable((3,))).shape
    (2, 3)
    """
    for v in (x1, x2):
        s = info(v)[0] if hasattr(v, "shape") else ()
        if len(s) != 1:
            raise ValueError(f"linalg.outer: operands must be 1-d, got shape {s}")
    return contraction.outer(x1, x2)


def diagonal(x, /, *, offset: int = 0) -> LazyArray:
    """The ``offset`` diagonal of each matrix (the last two axes).

    >>> import lazyray
    >>> lazyray.linalg.diagonal(lazyray.Variable((4, 2, 3)), offset=1).shape
    (4, 2)
    """
    return indexing.diagonal(x, offset, -2, -1)


def trace(x, /, *, offset: int = 0, dtype=None) -> LazyArray:
    """Sum of the ``offset`` diagonal of each matrix (the last two axes);
    with ``dtype``, ``x`` is cast to it first.

    >>> import lazyray
    >>> t = lazyray.linalg.trace(lazyray.Variable((4, 3, 3), dtype="int8"))
    >>> t.shape, str(t.dtype)
    ((4,), 'int64')
    """
    if dtype is not None:
        x = lazy("linalg.trace", x)
        if len(x._shape) < 2:
            raise ValueError(f"linalg.trace: array must be at least 2-d, got shape {x._shape}")
        x = astype(x, dtype)
    return indexing.trace(x, offset, -2, -1)


def vecdot(x1, x2, /, *, axis: int = -1) -> LazyArray:
    """``sum(conj(x1) * x2, axis)`` with broadcasting (:func:`lazyray.vecdot`).

    >>> import lazyray
    >>> lazyray.linalg.vecdot(lazyray.Variable((2, 3)), lazyray.Variable((3,))).shape
    (2,)
    """
    return contraction.vecdot(x1, x2, axis=axis)
