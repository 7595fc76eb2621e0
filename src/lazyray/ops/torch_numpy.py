"""Helpers that run an op on torch with numpy's meaning (used by
:mod:`.portable` and :mod:`.portable_torch`, which it does not import), and
the registry ``impl`` factory :func:`numpy_linalg`.

torch promotes otherwise than numpy (``sqrt(int8)`` is float32, numpy's
float16; ``float16 + int64`` stays float16), takes Python scalars in few
places, refuses mixed dtypes in some functions and lacks some kernels
(complex ordering, a few integer, boolean and half kernels).  The wrappers
run an op on torch in numpy's loop dtypes (``ufunc.resolve_dtypes``, found
on tiny stand-ins), cast its result to numpy's result dtype (that of the
node), and run what torch refuses through the op's numpy implementation on
the host (a device round trip, without gradient: those calls raised before).

torch's ``linalg`` refuses integer and boolean matrices, mixed operand
dtypes (``solve(float32, int64)``) and lacks half kernels; numpy computes
integers and booleans as ``float64`` and promotes the operands to their
common type.  :func:`numpy_linalg`'s wrapper casts the operands so, calls
torch, casts the results to numpy's dtypes (found on 1-element stand-ins)
and runs calls torch still refuses through numpy on the host.  Every other
backend gets its own function unchanged (but dask's complex norms:
:func:`_dask_norm`; jax's and cupy's are wrapped by :mod:`.numpy_host`).

>>> import numpy as np
>>> _fits(300, np.dtype("uint8")), _fits(3, np.dtype("int8"))
(False, True)
>>> numpy_linalg("linalg.det")("numpy") is np.linalg.det
True
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
from autoray import get_lib_fn as _lib  # noqa: F401  (for the portable modules)

from ..graph import registry
from .common import named, planned


def _np_dtype(d):
    """numpy's dtype of a torch dtype, tensor, numpy value or scalar type."""
    name = str(getattr(d, "dtype", d))
    return np.dtype(name[6:] if name.startswith("torch.") else name)


def _torch_dtype(torch, d):
    return getattr(torch, np.dtype(d).name)


def plain_array(x):
    """numpy array ``x`` as other libraries convert it: ``longlong`` and
    ``ulonglong`` (numpy's types of Python ints beyond ``int64``,
    ``np.asarray(2**63)``) viewed as their sized types ``int64`` and
    ``uint64`` (torch refuses the former), negative strides (a folded flip)
    copied away.

    >>> plain_array(np.asarray(2**63)).dtype.type is np.uint64
    True
    """
    x = np.asarray(x)
    if x.dtype.kind in "iu" and x.dtype.type is not np.dtype(x.dtype.name).type:
        x = x.view(np.dtype(x.dtype.name))
    if any(s < 0 for s in x.strides):
        x = x.copy()
    return x


def _device(torch, args):
    for a in args:
        if isinstance(a, torch.Tensor):
            return a.device
        if type(a) in (list, tuple):
            for b in a:
                if isinstance(b, torch.Tensor):
                    return b.device
    return None


def on_host(np_fn, args, kwargs, kind, down, up):
    """``np_fn`` on host copies (``down(a)``) of the arrays of type ``kind``
    in ``args``/``kwargs`` (lists and tuples of them too), each of its
    results through ``up``."""

    def to_np(a):
        if isinstance(a, kind):
            return down(a)
        return type(a)(to_np(b) for b in a) if type(a) in (list, tuple) else a

    out = np_fn(*[to_np(a) for a in args], **{k: to_np(v) for k, v in kwargs.items()})
    return tuple(up(o) for o in out) if isinstance(out, (tuple, list)) else up(out)


def _via_numpy(torch, np_fn, args, kwargs):
    """:func:`on_host` for tensors: the results as tensors on their device."""
    dev = _device(torch, list(args) + list(kwargs.values()))
    return on_host(
        np_fn,
        args,
        kwargs,
        torch.Tensor,
        lambda a: a.detach().cpu().resolve_conj().resolve_neg().numpy(),
        lambda o: torch.from_numpy(plain_array(np.array(o, copy=True))).to(dev),
    )


def _probe(x, nd_shape, fill=np.zeros):
    """A stand-in of ``x`` for finding numpy's result dtype (``fill``: the
    numpy function making it, ``np.ones`` for linalg's non-singular ones)."""
    if hasattr(x, "dtype") and hasattr(x, "shape") and not isinstance(x, np.generic):
        return fill((1,) * len(x.shape) if nd_shape else (), _np_dtype(x))
    if type(x) in (list, tuple):
        return type(x)(_probe(b, nd_shape, fill) for b in x)
    return x


def _sig(x, by_value=False):
    """A plan's key of ``x``: arrays by dtype and rank, anything else by type
    and value (ints by size unless ``by_value``: ``matrix_power(int64, -1)``
    is float64, ``(int64, 2)`` int64)."""
    if hasattr(x, "dtype") and hasattr(x, "shape"):
        return (str(x.dtype), len(x.shape), type(x) is np.ndarray)
    if type(x) in (list, tuple):
        return tuple(_sig(b, by_value) for b in x)
    if by_value:
        return (type(x), repr(x))
    if type(x) is int:
        return (int, x.bit_length() > 62)
    # typed: False == 0 == 0.0 as dict keys, yet numpy types them apart
    return (type(x), x) if type(x) in (float, complex, bool) else (type(x), repr(x))


def _result_dtypes(np_fn, args, kwargs, nd_shape, fill=None):
    """numpy's result dtype(s) of ``np_fn`` on stand-ins, or None.  With
    ``fill`` (as :func:`_probe`'s), the arrays among ``kwargs`` are stand-ins
    too (else they are passed as given)."""
    if fill is not None:
        kwargs = {k: _probe(v, nd_shape, fill) for k, v in kwargs.items()}
    return dtypes_of(np_fn, _probe(list(args), nd_shape, fill or np.zeros), kwargs)


def dtypes_of(np_fn, args, kwargs):
    """The dtype(s) of ``np_fn(*args, **kwargs)`` (stand-ins), or None when
    it raises."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = np_fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - no stand-in result: no cast
        return None
    if isinstance(out, (tuple, list)):  # (numpy's named tuples too)
        return tuple(np.asarray(o).dtype for o in out)
    return np.asarray(out).dtype


def _cast_to(torch, out, dts):
    if dts is None:
        return out
    if type(out) in (tuple, list):
        return type(out)(_cast_to(torch, o, d) for o, d in zip(out, dts))
    if not isinstance(out, torch.Tensor):
        return out
    want = _torch_dtype(torch, dts)
    return out if out.dtype == want else out.to(want)


_BOOL = np.dtype("bool")


def _loop_dtypes(np_fn, args):
    """numpy's loop dtypes for ufunc ``np_fn`` on ``args`` (Python scalars
    weak), or None."""
    if not isinstance(np_fn, np.ufunc):
        return None
    # (a Python bool is numpy's bool: resolve_dtypes takes only int, float and
    # complex as weak Python types)
    key = [
        type(a) if type(a) in (int, float, complex) else _BOOL if type(a) is bool else _np_dtype(a)
        for a in args
    ]
    try:
        return np_fn.resolve_dtypes(tuple(key) + (None,) * np_fn.nout)
    except (TypeError, ValueError, OverflowError):
        return None


def _fits(value, dtype) -> bool:
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return info.min <= value <= info.max
    return dtype.kind != "b" or value in (0, 1)


def _weak(a):
    """``a`` as :func:`numpy.result_type` takes it: Python scalars weak."""
    return a if type(a) in (bool, int, float, complex) else _np_dtype(a)


def _common(torch, args, strong=False):
    """The tensors (Python scalars too, weak unless ``strong``) in ``args``
    as tensors of numpy's common dtype; ``None`` stays None."""
    given = [a for a in args if a is not None]
    keys = [np.asarray(a).dtype if strong and not hasattr(a, "dtype") else _weak(a) for a in given]
    dt = np.result_type(*keys)
    if any(type(a) is int and not _fits(a, dt) for a in given):
        # a Python int beyond the integer dtype (``complex(uint8, 2**63)``):
        # as an array of its own dtype, not wrapped around
        keys = [plain_array(a).dtype if type(a) is int else k for a, k in zip(given, keys)]
        dt = np.result_type(*keys)
    dt = _torch_dtype(torch, dt)
    dev = _device(torch, given)
    return [
        None
        if a is None
        else a.to(dt)
        if isinstance(a, torch.Tensor)
        else torch.as_tensor(plain_array(a), device=dev).to(dt)
        for a in args
    ]


# --------------------------- ops declared elsewhere, fixed on torch


def _diff(fn):
    """``diff`` of complex numbers part by part, as numpy subtracts them
    (torch's complex subtraction ``a - 1 * b`` turns an infinite part into a
    nan in the other)."""
    import torch

    def diff(x, *args, **kwargs):
        if not (isinstance(x, torch.Tensor) and x.is_complex()):
            return fn(x, *args, **kwargs)

        def part(p, i):
            if not isinstance(p, torch.Tensor):
                return p if p is None else part(torch.as_tensor(p, device=x.device), i)
            if p.is_complex():
                return p.imag if i else p.real
            return torch.zeros_like(p, dtype=x.real.dtype) if i else p

        re, im = (
            fn(
                part(x, i),
                *args,
                **{k: part(v, i) for k, v in kwargs.items() if k in _ENDS},
                **{k: v for k, v in kwargs.items() if k not in _ENDS},
            )
            for i in (0, 1)
        )
        return torch.complex(re, im)

    return named(diff, "diff")


_ENDS = ("prepend", "append")

#: ``{op name: wrapper}``: numpy's meaning on torch of ops whose registry
#: implementation is declared by another module without it (see
#: :func:`lazyray.graph.registry.resolve_numpy`)
TORCH_NUMPY_WRAPS = {"diff": _diff}
registry.NUMPY_WRAPS.update({("torch", k): v for k, v in TORCH_NUMPY_WRAPS.items()})


# ------------------------------------------- numpy's linalg on torch


def _compute_dtype(dts):
    """numpy's ``linalg._commonType``: integers and booleans as float64,
    float16 computed in float32 (torch has few half kernels), then promoted."""
    return np.result_type(
        *[np.float64 if d.kind in "biu" else np.float32 if d == np.float16 else d for d in dts]
    )


def _fix_norm(torch, res, x, kwargs):
    """torch's ``norm`` ``res`` of ``x``, nan where numpy's is: norms through
    squares (vector ``ord`` None or 2, matrix ``ord`` None or ``"fro"``) of
    a complex element with a nan part (numpy's ``(conj(x) * x).real`` is
    nan, torch's ``|x|`` of ``complex(inf, nan)`` inf)."""
    axes, squares = _square_norm(x, kwargs)
    if not (x.is_complex() and squares):
        return res
    bad = torch.isnan(x.real) | torch.isnan(x.imag)
    for a in sorted(axes, reverse=True):
        bad = bad.any(dim=a, keepdim=True)
    if not bool(bad.any()):
        return res
    if not kwargs.get("keepdims") and axes:
        bad = bad.squeeze(axes)
    return torch.where(bad, torch.full_like(res, float("nan")), res)


def _square_norm(x, kwargs) -> tuple:
    """``(axes, squares)`` of numpy's ``norm(x, **kwargs)``: the axes it
    reduces, and whether it sums squares (vector ``ord`` None or 2, matrix
    ``ord`` None or ``"fro"``)."""
    ord_ = kwargs.get("ord")
    axis = kwargs.get("axis")
    axes = tuple(range(x.ndim)) if axis is None else (axis,) if type(axis) is int else axis
    axes = tuple(a % x.ndim for a in axes)
    matrix = len(axes) == 2 and not (axis is None and ord_ in (None, "fro", "f"))
    return axes, ord_ in (None, "fro", "f") or (ord_ == 2 and not matrix)


def _dask_norm(fn):
    """numpy's ``norm`` on dask: of complex numbers through squares, numpy's
    ``sqrt(sum((conj(x) * x).real))`` (dask's sums ``abs(x) ** 2``: inf
    where an element with a nan part makes numpy's nan)."""

    def norm(x, **kwargs):
        axes, squares = _square_norm(x, kwargs)
        if not (squares and x.dtype.kind == "c"):
            return fn(x, **kwargs)
        return np.sqrt((x.conj() * x).real.sum(axis=axes, keepdims=kwargs.get("keepdims", False)))

    return named(norm, "norm")


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
        if backend == "dask" and numpy_semantics and name == "linalg.norm":
            return _dask_norm(fn)
        if backend != "torch":
            return fn
        if not numpy_semantics:  # a graph traced on torch: torch's dtypes
            return _torch_typed(name, fn)
        import torch

        np_impl = base("numpy") if base is not None else _lib("numpy", name)
        plans: dict = {}

        def plan(args, kwargs):
            tens = [_np_dtype(a) for a in args if isinstance(a, torch.Tensor)]
            comp = _compute_dtype(tens) if tens else None
            return comp, _result_dtypes(np_impl, args, kwargs, True, np.ones)

        def call(*args, **kwargs):
            # every non-array argument by value: matrix_power(int, -1) is float64
            key = _sig(list(args) + sorted(kwargs.items()), True)
            comp, out = planned(plans, key, plan, args, kwargs)
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

        return named(call, name)

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
        dt = functools.reduce(torch.promote_types, dts)
        conv = [a.to(dt) if isinstance(a, torch.Tensor) and a.dtype != dt else a for a in args]
        return fn(*conv, **kwargs)

    return named(call, name)
