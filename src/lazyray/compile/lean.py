"""Lean numpy calls for a compiled tape: work that depends only on static
shapes is done once, when the tape is built, instead of at every call.

:func:`specialize` replaces, in a tape instruction, numpy's (or lazyray's,
:mod:`lazyray.ops.buffers`) ``tensordot`` by :func:`planned_tensordot` bound
to the permutations and matrix shapes of the operands' static shapes: numpy's
own steps, bit for bit (:func:`lazyray.ops.buffers.steps`).  Other operands
(a Function called with ``check_inputs=False`` and other shapes, a subclass)
go to ``numpy.tensordot``.  The instruction keeps its op name and ``axes``,
so a retargeted or pickled program is unaffected.
"""

from __future__ import annotations

from functools import lru_cache, partial
from math import prod

import numpy as np

from ..graph.node import LazyArray
from ..ops.buffers import MIN_BYTES, matmul_into, tensordot_plan, ufunc_into
from ..ops.buffers import steps as _steps
from ..ops.buffers import tensordot as _lazyray_tensordot

__all__ = ["into", "planned_tensordot", "specialize", "tensordot_plan"]

_ndarray = np.ndarray
_tensordot = np.tensordot
_ufunc = np.ufunc


def planned_tensordot(plan: tuple, a, b, axes):
    """``numpy.tensordot(a, b, axes)`` with its shape work precomputed in
    ``plan`` (:func:`tensordot_plan`); other operands go to numpy's.

    Examples
    --------
    >>> a, b = np.arange(24.0).reshape(2, 3, 4), np.arange(60.0).reshape(4, 3, 5)
    >>> axes = ((1, 2), (1, 0))
    >>> plan = tensordot_plan(a.shape, b.shape, axes)
    >>> bool((planned_tensordot(plan, a, b, axes) == np.tensordot(a, b, axes)).all())
    True
    """
    if type(a) is _ndarray and type(b) is _ndarray:
        if a.shape == plan[0] and b.shape == plan[1]:
            return _steps(plan, a, b)
    return _tensordot(a, b, axes)


def _reshape(a, shape):
    """``numpy.reshape(a, shape)``: an ndarray's own method (which numpy
    calls), without numpy's dispatch."""
    return a.reshape(shape) if type(a) is _ndarray else np.reshape(a, shape)


def _transpose(a, axes):
    """``numpy.transpose(a, axes)``, as :func:`_reshape`."""
    return a.transpose(axes) if type(a) is _ndarray else np.transpose(a, axes)


def specialize(fn, node, kwargs):
    """The function a tape instruction of ``node`` should call: ``fn``, or
    a planned version of it (numpy's ``tensordot`` on two lazy operands,
    ``reshape`` and ``transpose`` to a static shape or order, a ufunc of
    lazy operands with a large result into a kept buffer: :func:`into`)."""
    if not kwargs:  # (by identity: an op's function may be unhashable)
        if type(fn) is _ufunc:
            return into(fn, node)
        return _reshape if fn is np.reshape else _transpose if fn is np.transpose else fn
    if (fn is _lazyray_tensordot or fn is _tensordot) and len(node._args) == 2:
        a, b = node._args
        axes = kwargs.get("axes")
        if type(axes) is tuple and len(kwargs) == 1 and len(a._shape) and len(b._shape):
            return _planned(a._shape, b._shape, axes)
    return fn


def into(fn, node):
    """``fn`` (a numpy ufunc of ``node``'s lazy operands), or, when
    ``node``'s result is a numpy array of a native float or complex dtype of
    at least :data:`~lazyray.ops.buffers.MIN_BYTES`, a version of it that
    writes into a buffer its thread keeps and reuses
    (:func:`~lazyray.ops.buffers.ufunc_into`,
    :func:`~lazyray.ops.buffers.matmul_into`): a big temporary is then not
    mapped and faulted in afresh at every call, as it is in a dask worker,
    whose allocator hands freed memory back at once."""
    args = node._args
    if (
        prod(node._shape) * 16 < MIN_BYTES  # (small: the common case, cheap to tell)
        or fn.nout != 1
        or node._backend != "numpy"
        or type(node._dtype) is not str
        or len(args) != fn.nin
        or any(type(a) is not LazyArray for a in args)
    ):
        return fn
    dt = np.dtype(node._dtype)
    nbytes = prod(node._shape) * dt.itemsize
    if dt.kind not in "fc" or not dt.isnative or nbytes < MIN_BYTES:
        return fn
    if fn is np.matmul:
        return partial(matmul_into, node._shape, dt, nbytes)
    if fn.signature is None and fn.nin in (1, 2):  # elementwise
        return partial(ufunc_into, fn, node._shape, dt, nbytes)
    return fn


@lru_cache(maxsize=4096)
def _planned(sa, sb, axes):
    # one planned function per signature, shared by the instructions
    return partial(planned_tensordot, tensordot_plan(sa, sb, axes))
