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

import numpy as np

from ..ops.buffers import steps as _steps
from ..ops.buffers import tensordot as _lazyray_tensordot
from ..ops.buffers import tensordot_plan

__all__ = ["planned_tensordot", "specialize", "tensordot_plan"]

_ndarray = np.ndarray
_tensordot = np.tensordot


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
    ``reshape`` and ``transpose`` to a static shape or order)."""
    if not kwargs:  # (by identity: an op's function may be unhashable)
        return _reshape if fn is np.reshape else _transpose if fn is np.transpose else fn
    if (fn is _lazyray_tensordot or fn is _tensordot) and len(node._args) == 2:
        a, b = node._args
        axes = kwargs.get("axes")
        if type(axes) is tuple and len(kwargs) == 1 and len(a._shape) and len(b._shape):
            return _planned(a._shape, b._shape, axes)
    return fn


@lru_cache(maxsize=4096)
def _planned(sa, sb, axes):
    # one planned function per signature, shared by the instructions
    return partial(planned_tensordot, tensordot_plan(sa, sb, axes))
