"""numpy's meaning on a numpy-like library: the wrapper an op gets when a
graph traced on numpy runs on cupy or jax arrays (registered as the
library's :data:`~lazyray.graph.registry.NUMPY_HOSTS` entry by
:mod:`.portable_cupy` and :mod:`.portable_jax`).

Such libraries follow numpy closely but lack some functions, take arrays
only where numpy also takes Python scalars, refuse some dtype mixes and
return other dtypes in places.  :func:`hosted` therefore runs the library's
function (or a fix of it, for ops whose kernels differ from numpy's on some
values), casts its result to numpy's result dtype (found on tiny
stand-ins, cached per signature), and runs a call the library refuses with
the op's numpy implementation on host copies, returning arrays of the
library.  With ``operands=True`` it first casts the array operands to the
dtypes numpy computes in (a ufunc's loop dtypes, ``float64`` for the
integer operands of ``linalg`` and of ``mean`` / ``var`` / ``std``,
``float32`` for the float16 operand of ``mean``, the result's dtype for the
integer operand of a sum or product), for a library that computes them in
other dtypes (jax: ``int8 / int8`` in ``float32``).

>>> import numpy as np
>>> f = hosted(None, "sin", np, np.ndarray, np.asarray, np.asarray, {})
>>> f(np.arange(3, dtype=np.int8)).dtype
dtype('float16')
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..graph import registry
from .common import named, planned
from .torch_numpy import (
    _compute_dtype,
    _loop_dtypes,
    _np_dtype,
    _result_dtypes,
    _sig,
    dtypes_of,
    on_host,
)

__all__ = ["hosted"]

_MISSING = object()


def _cast(kind, out, dts):
    if dts is None:
        return out
    if isinstance(out, (tuple, list)):  # (named tuples too)
        if type(dts) is not tuple or len(dts) != len(out):
            return out
        return tuple(_cast(kind, o, d) for o, d in zip(out, dts))
    if not isinstance(out, kind) or type(dts) is tuple:
        return out
    return out if out.dtype == dts else out.astype(dts)


#: reductions that numpy computes in ``float64`` for integer operands
_FLOAT_REDUCTIONS = frozenset(("mean", "var", "std"))
#: reductions that numpy accumulates in their result's dtype (``int64`` for
#: the smaller integers)
_ACCUMULATING = frozenset(
    ("sum", "prod", "cumsum", "cumprod", "cumulative_sum", "cumulative_prod", "trace")
)


def _kind(a) -> str:
    """numpy's kind of ``a``'s dtype, ``"e"`` for float16."""
    dt = _np_dtype(a)
    return "e" if dt == np.float16 else dt.kind


def _operand_dtypes(name, np_fn, args, kind, linalg, dts):
    """``{position: dtype}`` of the array operands numpy computes in another
    dtype than their own (see the module docstring), or None."""
    at = [i for i, a in enumerate(args) if isinstance(a, kind)]
    if not at:
        return None
    if isinstance(np_fn, np.ufunc):
        loop = _loop_dtypes(np_fn, args)
        want = {i: loop[i] for i in at if i < np_fn.nin} if loop is not None else {}
    elif linalg and not (name == "linalg.matrix_power" and args[1] >= 0):
        comp = _compute_dtype([_np_dtype(args[i]) for i in at])
        want = dict.fromkeys(at, comp)
    elif name in _ACCUMULATING and type(dts) is not tuple:  # (in the result's dtype)
        want = {i: dts for i in at if _kind(args[i]) in "biu"} if dts is not None else {}
    elif name in _FLOAT_REDUCTIONS:
        low = {"b": "float64", "i": "float64", "u": "float64"}
        if name == "mean":  # (numpy sums float16 in float32)
            low["e"] = "float32"
        want = {i: np.dtype(low[k]) for i in at if (k := _kind(args[i])) in low}
    else:
        return None
    want = {i: d for i, d in want.items() if d != _np_dtype(args[i])}
    return want or None


#: the most elements of the full-size stand-ins of :func:`_full_size_dtypes`
FULL_SIZE_PROBE = 4096


def _full_size_dtypes(np_fn, args, kwargs, kind):
    """numpy's result dtype(s) on zeros of the operands' own shapes (small
    operands only), or None."""
    if sum(math.prod(a.shape) for a in args if isinstance(a, kind)) > FULL_SIZE_PROBE:
        return None
    stand = [np.zeros(a.shape, _np_dtype(a)) if isinstance(a, kind) else a for a in args]
    return dtypes_of(np_fn, stand, kwargs)


def hosted(
    fn,
    name: str,
    lib,
    kind: type,
    down: Callable,
    up: Callable,
    fixes: dict,
    operands: bool = False,
    traced: Callable | None = None,
):
    """Op ``name`` with numpy's meaning on the library ``lib`` (its numpy-like
    module, whose arrays are of type ``kind``): ``fn`` is the library's
    function (None where it has none), ``fixes[name]`` (if any) is called as
    ``fix(lib, fn, *args, **kwargs)`` instead of it, ``down`` / ``up`` copy
    an array to numpy and back for the calls run by numpy, and ``operands``
    casts the operands first (see the module docstring).  Where
    ``traced(args)`` is true (abstract values of a jax transformation, which
    cannot go to the host) a call the fix refuses runs the library's own
    function."""
    np_fn = registry.resolve_numpy("numpy", name)
    fix = fixes.get(name)
    linalg = registry.get_op(name).family == registry.LINALG
    plans: dict = {}

    def plan(args, kwargs):
        # (linalg's stand-ins are ones: a zero matrix is singular)
        dts = _result_dtypes(np_fn, args, kwargs, True, np.ones if linalg else None)
        if dts is None:  # (an op refusing 1-element stand-ins: cross)
            dts = _full_size_dtypes(np_fn, args, kwargs, kind)
        cast = _operand_dtypes(name, np_fn, args, kind, linalg, dts) if operands else None
        return dts, cast

    def call(*args, **kwargs):
        key = _sig(args, True), _sig(sorted(kwargs.items()), True)
        dts, cast = planned(plans, key, plan, args, kwargs)
        res = _MISSING
        if fn is not None:
            try:
                conv = args
                if cast is not None:
                    conv = [a.astype(cast[i]) if i in cast else a for i, a in enumerate(args)]
                res = fix(lib, fn, *conv, **kwargs) if fix else fn(*conv, **kwargs)
            except Exception:  # noqa: BLE001 - a call the library refuses: numpy's on the host
                res = _MISSING
                if fix is not None and traced is not None and traced(args):
                    res = fn(*conv, **kwargs)
        if res is _MISSING:
            res = on_host(np_fn, args, kwargs, kind, down, up)
        return _cast(kind, res, dts)

    return named(call, name)
