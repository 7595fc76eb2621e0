"""numpy's ``linalg`` meaning on torch: the registry ``impl`` factory
:func:`numpy_linalg`.

torch's ``linalg`` refuses integer and boolean matrices, mixed operand
dtypes (``solve(float32, int64)``) and lacks half kernels; numpy computes
integers and booleans as ``float64`` and promotes the operands to their
common type.  The wrapper casts the operands so, calls torch, casts the
results to numpy's dtypes (found on 1-element stand-ins) and runs calls
torch still refuses through numpy on the host.  Every other backend gets
its own function unchanged.

>>> import numpy as np
>>> numpy_linalg("linalg.det")("numpy") is np.linalg.det
True
"""

from __future__ import annotations

import numpy as np

from .torch_numpy import _cast_to, _lib, _np_dtype, _result_dtypes, _sig, _torch_dtype, _via_numpy

__all__ = ["numpy_linalg"]


def _compute_dtype(dts):
    """numpy's ``linalg._commonType``: integers and booleans as float64,
    float16 computed in float32 (torch has few half kernels), then promoted."""
    out = []
    for d in dts:
        if d.kind in "biu":
            d = np.dtype("float64")
        elif d == np.float16:
            d = np.dtype("float32")
        out.append(d)
    return np.result_type(*out)


def _norm_nan_mask(torch, x, kwargs):
    """Where numpy's ``norm`` is nan and torch's is not, shaped like the
    result with kept axes, and the reduced axes; or None.  Norms through
    squares (vector ``ord`` None or 2, matrix ``ord`` None or ``"fro"``) of
    a complex element with a nan part: numpy's ``(conj(x) * x).real`` is
    nan, torch's ``|x|`` of ``complex(inf, nan)`` inf."""
    ord_ = kwargs.get("ord")
    axis = kwargs.get("axis")
    axes = tuple(range(x.ndim)) if axis is None else (axis,) if type(axis) is int else axis
    axes = tuple(a % x.ndim for a in axes)
    matrix = len(axes) == 2 and not (axis is None and ord_ in (None, "fro", "f"))
    squares = ord_ in (None, "fro", "f") or (ord_ == 2 and not matrix)
    if not (x.is_complex() and squares):
        return None
    bad = torch.isnan(x.real) | torch.isnan(x.imag)
    for a in sorted(axes, reverse=True):
        bad = bad.any(dim=a, keepdim=True)
    return bad, axes


def _fix_norm(torch, res, x, kwargs):
    found = _norm_nan_mask(torch, x, kwargs)
    if found is None or not bool(found[0].any()):
        return res
    mask, axes = found
    if not kwargs.get("keepdims"):
        mask = mask.squeeze(axes) if axes else mask
    return torch.where(mask, torch.full_like(res, float("nan")), res)


def _key(a):
    """A plan's key: arrays by dtype and rank, anything else by value
    (``matrix_power(int64, -1)`` is float64, ``(int64, 2)`` int64)."""
    if hasattr(a, "dtype") and hasattr(a, "shape"):
        return _sig(a)
    if type(a) in (list, tuple):
        return tuple(_key(b) for b in a)
    return (type(a), repr(a))


def _solve_operands(a, b, *rest):
    """numpy 2's ``solve`` reads ``b`` as a vector only when it is 1-d, torch
    also when ``b.shape == a.shape[:-1]`` (a stack of vectors): such a ``b``
    gets a leading axis, so that torch reads it as numpy does, a matrix
    broadcast against the stack ``a``."""
    if 2 <= b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]):
        b = b.unsqueeze(0)
    return (a, b, *rest)


def numpy_linalg(name, base=None):
    """A registry ``impl`` factory of linalg op ``name`` (``base(backend)``,
    else the backend's function of that name) with numpy's operand and
    result dtypes on torch when called with ``numpy_semantics=True`` (a
    graph traced on numpy, retargeted; see the module docstring), torch's
    own otherwise."""

    def factory(backend, numpy_semantics=False):
        fn = base(backend) if base is not None else _lib(backend, name)
        if backend != "torch":
            return fn
        if not numpy_semantics:  # a graph traced on torch: torch's dtypes
            return _torch_typed(name, fn)
        import torch

        np_impl = base("numpy") if base is not None else _lib("numpy", name)
        plans: dict = {}

        def call(*args, **kwargs):
            # every non-array argument by value: matrix_power(int, -1) is float64
            key = _key(list(args) + sorted(kwargs.items()))
            try:
                comp, out = plans[key]
            except (KeyError, TypeError):
                tens = [_np_dtype(a) for a in args if isinstance(a, torch.Tensor)]
                comp = _compute_dtype(tens) if tens else None
                out = _result_dtypes(np_impl, args, kwargs, True, np.ones)
                try:
                    plans[key] = comp, out
                except TypeError:
                    pass
            conv = args
            if comp is not None and not (name == "linalg.matrix_power" and args[1] >= 0):
                t = _torch_dtype(torch, comp)
                conv = [
                    a.to(t) if isinstance(a, torch.Tensor) and a.dtype != t else a for a in args
                ]
            if name == "linalg.solve":
                conv = _solve_operands(*conv)
            try:
                res = fn(*conv, **kwargs)
                if name == "linalg.norm":
                    res = _fix_norm(torch, res, conv[0], kwargs)
            except (RuntimeError, NotImplementedError, TypeError, ValueError):
                res = _via_numpy(torch, np_impl, args, kwargs)
            if isinstance(res, tuple):  # torch's named tuples: numpy's plain ones
                res = tuple(res)
            return _cast_to(torch, res, out)

        call.__name__ = call.__qualname__ = name.rpartition(".")[2]
        return call

    factory.numpy_semantics = True
    return factory


def _torch_typed(name, fn):
    """``fn`` on torch with torch's own dtype rules where its linalg refuses
    a call: integer and boolean operands in the default float, operands of
    mixed dtypes promoted (a graph traced on torch infers those dtypes)."""
    import torch

    def call(*args, **kwargs):
        tens = [a for a in args if isinstance(a, torch.Tensor)]
        if not tens or (name == "linalg.matrix_power" and args[1] >= 0):
            return fn(*args, **kwargs)
        dts = [
            a.dtype if a.is_floating_point() or a.is_complex() else torch.get_default_dtype()
            for a in tens
        ]
        dt = dts[0]
        for d in dts[1:]:
            dt = torch.promote_types(dt, d)
        conv = [a.to(dt) if isinstance(a, torch.Tensor) and a.dtype != dt else a for a in args]
        return fn(*conv, **kwargs)

    call.__name__ = call.__qualname__ = name.rpartition(".")[2]
    return call
