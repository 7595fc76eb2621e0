"""numpy's meaning on torch: the registry ``impl`` factory
:func:`numpy_typed`, used by the op modules for ops whose torch functions
promote, accept arguments or lack kernels otherwise than numpy's.

On every other backend the factory returns the backend's own function
unchanged, so numpy graphs run exactly numpy's calls.

>>> import numpy as np
>>> numpy_typed("sign")("numpy") is np.sign
True
"""

from __future__ import annotations

import math

import numpy as np

from ..graph.registry import register
from .common import named, planned
from .torch_numpy import (
    _cast_to,
    _common,
    _device,
    _fits,
    _lib,
    _loop_dtypes,
    _np_dtype,
    _result_dtypes,
    _sig,
    _torch_dtype,
    _via_numpy,
    _weak,
)

__all__ = ["numpy_typed", "register_typed"]


def _sign(torch, fn, x):
    if x.is_complex():
        return _complex_sign(torch, x)
    return torch.where(torch.isnan(x), x, fn(x)) if x.is_floating_point() else fn(x)


def _complex_sign(torch, x):
    """numpy's ``sign`` of complex numbers: ``z / |z|``; 0 at 0; nan where
    ``|z|`` (a hypot) is nan or both parts are infinite; a unit along the
    infinite part where only one is (``(inf, nan)`` is ``1``)."""
    re, im = x.real, x.imag
    a = torch.hypot(re, im)
    zero, nan = torch.zeros_like(re), torch.full_like(re, float("nan"))
    ri, ii = torch.isinf(re), torch.isinf(im)
    out_re = torch.where(a == 0, zero, re / a)
    out_im = torch.where(a == 0, zero, im / a)
    inf = torch.isinf(a)
    out_re = torch.where(inf, torch.where(ri, torch.where(ii, nan, torch.sign(re)), zero), out_re)
    out_im = torch.where(inf, torch.where(ri, torch.where(ii, nan, zero), torch.sign(im)), out_im)
    out_re = torch.where(torch.isnan(a), nan, out_re)
    out_im = torch.where(torch.isnan(a), nan, out_im)
    return torch.complex(out_re, out_im)


def _power(torch, fn, a, b):
    out = fn(a, b)
    if not (isinstance(out, torch.Tensor) and out.is_complex()):
        if isinstance(out, torch.Tensor) and out.is_floating_point() and _half(torch, b):
            # numpy's real power by a scalar 0.5 is its sqrt: (-inf) ** 0.5
            # is nan (torch's pow of a float16 0.5 tensor: inf)
            return torch.sqrt(torch.as_tensor(a).to(out.dtype))
        return out
    # numpy's complex power (``npy_cpow``): x ** 0 is 1; 0 ** y is 0 for
    # real(y) > 0, else nan; x ** n for an integer n with |n| < 100 by
    # repeated multiplication (torch: exp(y log x), another value on
    # infinities: (-inf + 2j) ** -4 is nan in numpy, 0 in torch)
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    a, b = torch.broadcast_tensors(a.to(out.dtype), b.to(out.dtype))
    whole = (b.imag == 0) & (b.real == torch.round(b.real)) & (b.real.abs() < 100)
    if bool(whole.any()):
        out = torch.where(whole, _int_power(torch, a, b.real, whole), out)
    nan = torch.full_like(out, complex(float("nan"), float("nan")))
    zero = torch.where(b.real > 0, torch.zeros_like(out), nan)
    out = torch.where(a == 0, zero, out)
    return torch.where(b == 0, torch.ones_like(out), out)


def _half(torch, b) -> bool:
    """Whether ``b`` is a real scalar (0-d) equal to 0.5."""
    if isinstance(b, torch.Tensor):
        return b.dim() == 0 and b.is_floating_point() and float(b) == 0.5
    return isinstance(b, (float, np.floating)) and float(b) == 0.5


def _cmul(ar, ai, br, bi):
    """numpy's complex product by the schoolbook formula (``cmul``)."""
    return ar * br - ai * bi, ar * bi + ai * br


def _int_power(torch, a, n, whole):
    """numpy's ``a ** n`` for whole ``n`` (|n| < 100) by squaring, with its
    unrolled cases (n = 1, 2, 3) and ``1 / a ** -n`` by Smith's division."""
    ar, ai = a.real, a.imag
    k = torch.where(whole, n.abs(), torch.zeros_like(n)).to(torch.int64)
    one, zero = torch.ones_like(ar), torch.zeros_like(ar)
    rr, ri, pr, pi = one, zero, ar, ai
    for bit in range(7):
        m = 1 << bit
        take = (k & m) != 0
        qr, qi = _cmul(rr, ri, pr, pi)
        rr, ri = torch.where(take, qr, rr), torch.where(take, qi, ri)
        if bit < 6:
            more = k >= 2 * m
            sr, si = _cmul(pr, pi, pr, pi)
            pr, pi = torch.where(more, sr, pr), torch.where(more, si, pi)
    # numpy's unrolled n = 1, 2, 3 (n = -1, -2, -3 go by squaring)
    sqr, sqi = _cmul(ar, ai, ar, ai)
    cur, cui = _cmul(ar, ai, sqr, sqi)
    for v, (xr, xi) in ((1, (ar, ai)), (2, (sqr, sqi)), (3, (cur, cui))):
        rr, ri = torch.where(n == v, xr, rr), torch.where(n == v, xi, ri)
    # 1 / r for negative n: numpy's cdiv of 1 + 0j by r (Smith's)
    big = rr.abs() >= ri.abs()
    rat = torch.where(big, ri / rr, rr / ri)
    scl = 1.0 / torch.where(big, rr + ri * rat, ri + rr * rat)
    dr = torch.where(big, (1.0 + 0.0 * rat) * scl, (rat + 0.0) * scl)
    di = torch.where(big, (0.0 - rat) * scl, (0.0 * rat - 1.0) * scl)
    both0 = (rr == 0) & (ri == 0)
    dr = torch.where(both0, 1.0 / rr.abs(), dr)
    di = torch.where(both0, 0.0 / ri.abs(), di)
    neg = n < 0
    return torch.complex(torch.where(neg, dr, rr), torch.where(neg, di, ri))


def _partwise(torch, fn, a, b):
    """``add``/``subtract``: numpy adds complex numbers part by part; torch's
    kernels compute ``a + alpha * b``, a complex product that turns an
    infinite part into a nan in the other (``1 - (-2 + inf j)`` is
    ``nan - inf j`` on torch, ``3 - inf j`` in numpy)."""
    if not any(isinstance(t, torch.Tensor) and t.is_complex() for t in (a, b)):
        return fn(a, b)
    a, b = torch.as_tensor(a), torch.as_tensor(b)
    dt = torch.promote_types(a.dtype, b.dtype)
    a, b = torch.broadcast_tensors(a.to(dt), b.to(dt))
    return torch.complex(fn(a.real, b.real), fn(a.imag, b.imag))


def _angle(torch, fn, x):
    if x.is_complex():
        return fn(x)
    if not x.is_floating_point():  # numpy's float64 (torch's atan2 of integers: float32)
        x = x.to(torch.float64)
    return torch.atan2(torch.zeros_like(x), x)


def _where(torch, fn, c, x, y):
    c = c if isinstance(c, torch.Tensor) else torch.as_tensor(np.asarray(c))
    return fn(c if c.dtype == torch.bool else c != 0, *_common(torch, (x, y)))


def _isclose(torch, fn, a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    # numpy's formula, each step with numpy's promotion (Python scalars
    # weak): |a - b| <= atol + rtol * |b|, b finite, or a == b; so a float
    # b that overflows a's dtype compares as numpy's does
    if isinstance(b, torch.Tensor):
        b = b.to(_torch_dtype(torch, np.result_type(_np_dtype(b), 1.0)))
    elif type(b) is int or type(b) is bool:  # (numpy: isinstance(b, int))
        b = float(b)
    x, y = _common(torch, (a, b))
    bound = atol + rtol * (b.abs() if isinstance(b, torch.Tensor) else abs(b))
    diff = _partwise(torch, torch.subtract, x, y)  # (torch's complex x - y: nan parts)
    le = torch.le(*_common(torch, (diff.abs(), bound)))
    fin = torch.isfinite(b) if isinstance(b, torch.Tensor) else math.isfinite(b.real)
    out = (le & fin) | (x == y)
    if equal_nan:
        out = out | (torch.isnan(x) & torch.isnan(y))
    return out


def _allclose(torch, fn, a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """numpy's ``allclose``: ``all(isclose(...))`` (torch's own subtracts
    complex numbers with nan parts)."""
    return _isclose(torch, None, a, b, rtol, atol, equal_nan).all()


def _tri(torch, fn, m, k=0):
    if len(m.shape) < 2:
        m = m.expand(m.shape[-1], m.shape[-1])
    return fn(m, k)


def _trace(torch, fn, a, offset=0, axis1=0, axis2=1, dtype=None):
    return torch.diagonal(a, offset, axis1, axis2).sum(-1)


def _take(torch, fn, x, indices, axis=None):
    idx = torch.as_tensor(np.asarray(indices), device=x.device).to(torch.int64)
    if axis is None:
        x, axis = x.reshape(-1), 0
    idx = torch.where(idx < 0, idx + x.shape[axis], idx)
    out = torch.index_select(x, axis, idx.reshape(-1))
    return out.reshape(x.shape[:axis] + idx.shape + x.shape[axis + 1 :])


def _combine(torch, fn, arrays, axis=0, **kwargs):
    return fn(_common(torch, list(arrays), strong=True), axis, **kwargs)


def _getitem(torch, fn, x, key):
    key = key if type(key) is tuple else (key,)
    if any(isinstance(k, (np.ndarray, torch.Tensor)) and k.ndim > 0 for k in key):
        return _advanced_getitem(torch, fn, x, key)
    key = tuple(int(k) if isinstance(k, (np.ndarray, torch.Tensor)) else k for k in key)
    if not any(type(k) is slice and (k.step or 1) < 0 for k in key):
        return fn(x, key)
    basic = all(type(k) in (int, slice) or k is None or k is Ellipsis for k in key)
    if not basic or sum(k is Ellipsis for k in key) > 1:
        raise NotImplementedError("negative steps beside other indices")
    if Ellipsis in key:
        i = key.index(Ellipsis)
        n_in = sum(k is not None for k in key) - 1
        key = key[:i] + (slice(None),) * (len(x.shape) - n_in) + key[i + 1 :]
    flips, plain, dim, od = [], [], 0, 0
    for k in key:
        if type(k) is slice and (k.step or 1) < 0:
            r = range(*k.indices(x.shape[dim]))
            n = x.shape[dim]
            start = n - 1 - r[0] if len(r) else 0
            flips.append((od, slice(start, start + len(r) * -k.step, -k.step)))
            plain.append(slice(None))
        else:
            plain.append(k)
        dim += k is not None
        od += type(k) is not int
    out = fn(x, tuple(plain))
    for d, sl in flips:
        out = out.flip(d)[(slice(None),) * d + (sl,)]
    return out


def _advanced_getitem(torch, fn, x, key):
    """``x[key]`` with integer-array indices, in numpy's meaning.  torch reads
    an int beside index arrays as a basic index (numpy: an advanced index,
    broadcast with the others, which decides where their dimensions go) and
    does not count a ``None`` or an empty ``...`` between index arrays as
    separating them: the key is rewritten in terms both read alike -- each
    ``None`` a new axis of ``x`` taken whole, each int a one-element index
    array, each negative step a flip of ``x``, index arrays ``int64``
    tensors -- and the indexed dimensions moved first where numpy puts them
    first."""
    adv = [j for j, k in enumerate(key) if not (k is None or k is Ellipsis or type(k) is slice)]
    apart = adv != list(range(adv[0], adv[-1] + 1))  # numpy: indexed dimensions first
    i = next((j for j, k in enumerate(key) if k is Ellipsis), None)
    if i is not None:
        n_in = sum(k is not None for k in key) - 1
        key = key[:i] + (slice(None),) * (x.ndim - n_in) + key[i + 1 :]
    new, first, ndim = [], None, 0
    for k in key:
        d = len(new)
        if k is None:
            x, k = x.unsqueeze(d), slice(None)
        elif type(k) is slice:
            if (k.step or 1) < 0:
                r = range(*k.indices(x.shape[d]))
                start = x.shape[d] - 1 - r[0] if len(r) else 0
                x, k = x.flip(d), slice(start, start + len(r) * -k.step, -k.step)
        else:
            k = torch.as_tensor(k, device=x.device).to(torch.int64)
            k = k.reshape(1) if k.ndim == 0 else k
            first = d if first is None else first
            ndim = max(ndim, k.ndim)
        new.append(k)
    out = fn(x, tuple(new))
    pos = [j for j, k in enumerate(new) if type(k) is not slice]
    if apart and pos == list(range(pos[0], pos[-1] + 1)) and first:
        # (torch keeps adjacent indexed dimensions in place)
        out = torch.movedim(out, tuple(range(first, first + ndim)), tuple(range(ndim)))
    return out


def _linspace(torch, fn, start, stop, num, endpoint=True, retstep=False, dtype=None, axis=0):
    ends = [
        a if isinstance(a, torch.Tensor) else torch.as_tensor(np.asarray(a)) for a in (start, stop)
    ]
    dt = np.result_type(*[_weak(a) for a in (start, stop)])
    dt = dt if dt.kind in "fc" else np.dtype("float64")
    start, stop = (e.to(_torch_dtype(torch, dt)) for e in ends)
    start, stop = torch.broadcast_tensors(start, stop)
    div = num - 1 if endpoint is not False else num
    y = torch.arange(num, device=start.device).to(start.dtype).reshape((-1,) + (1,) * start.ndim)
    delta = stop - start
    step = delta / div if div > 0 else torch.tensor(float("nan"), dtype=torch.float64)
    y = (y / div * delta if bool((step == 0).any()) else y * step) if div > 0 else y * delta
    y = y + start
    if endpoint is not False and num > 1:
        y[-1] = stop
    y = torch.movedim(y, 0, axis or 0)
    want = np.dtype(dtype) if dtype is not None else dt
    if want.kind in "iu":
        y = torch.floor(y)
    y = y.to(_torch_dtype(torch, want))
    return (y, step) if retstep else y


_MOMENTS = frozenset({"mean", "var", "std"})


def _moment(torch, fn, x, *args, **kwargs):
    """``var``/``std``: numpy divides by ``max(n - ddof, 0)`` (``inf`` where
    torch gives ``nan``): such calls run numpy's (the ValueError is caught)."""
    ddof = kwargs.get("ddof", 0)
    if ddof:
        axis = kwargs.get("axis", args[0] if args else None)
        axes = range(x.ndim) if axis is None else axis if type(axis) is tuple else (axis,)
        if math.prod(x.shape[a] for a in axes) - ddof <= 0:
            raise ValueError("var/std with ddof >= n: numpy's division by zero")
    return fn(x, *args, **kwargs)


def _reciprocal(torch, fn, x):
    """numpy's complex ``reciprocal``, Smith's division of 1 by ``x``
    (``1 / 0j`` is nan+nanj; torch's kernel gives inf+nanj); integers as
    :func:`int_reciprocal`."""
    if not (x.is_complex() or x.is_floating_point()):
        return int_reciprocal(torch, x)
    if not x.is_complex():
        return fn(x)
    re, im = x.real, x.imag
    small = im.abs() <= re.abs()
    r = torch.where(small, im / re, re / im)
    d = torch.where(small, re + im * r, re * r + im)
    return torch.complex(torch.where(small, 1 / d, r / d), torch.where(small, -r / d, -1 / d))


def _int_divide(torch, fn, a, b):
    """numpy's integer ``floor_divide``/``mod`` by zero, 0 (torch raises
    on CPU and returns garbage on CUDA)."""
    if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
        return fn(a, b)
    if a.is_floating_point() or a.is_complex() or b.is_floating_point() or b.is_complex():
        return fn(a, b)
    zero = b == 0
    out = fn(a, torch.where(zero, torch.ones_like(b), b))
    return torch.where(zero, torch.zeros_like(out), out)


def int_reciprocal(xp, x):
    """numpy's integer ``reciprocal`` on the integer or boolean array ``x``
    of array library ``xp`` (torch, cupy): ``1 // x`` for ``x != 0`` and,
    for ``x == 0``, what numpy gives on this machine (its float ``inf``
    cast: ``INT_MIN`` for 32 and 64-bit signed integers on x86, else 0);
    the libraries' casts of ``inf`` differ on CUDA.

    >>> int_reciprocal(np, np.array([0, 1, 2, -1], dtype="int8"))
    array([ 0,  1,  0, -1], dtype=int8)
    """
    at_zero = np.reciprocal(np.zeros(1, _np_dtype(x)))[0].item()
    one = x if str(x.dtype).endswith("bool") else (x == 1) | (x == -1)
    out = xp.where(one, x, xp.zeros_like(x))
    return xp.where(x == 0, xp.full_like(x, at_zero), out)


_TORCH_FIX = {
    "reciprocal": _reciprocal,
    "floor_divide": _int_divide,
    "mod": _int_divide,
    "add": _partwise,
    "subtract": _partwise,
    "var": _moment,
    "std": _moment,
    "sign": _sign,
    "power": _power,
    "angle": _angle,
    "where": _where,
    "isclose": _isclose,
    "allclose": _allclose,
    "tril": _tri,
    "triu": _tri,
    "trace": _trace,
    "take": _take,
    "stack": _combine,
    "concatenate": _combine,
    "getitem": _getitem,
    "linspace": _linspace,
}


def numpy_typed(name, base=None, np_fn=None, probe="elementwise"):
    """A registry ``impl`` factory of op ``name`` (``base(backend)``, else
    the backend's function of that name) that keeps numpy's meaning on torch:
    operands of ufuncs cast to numpy's loop dtypes, Python scalars as
    tensors, the result cast to numpy's dtype (found on stand-ins: 0-d for
    ``probe="elementwise"``, ones of the operand's rank for ``"reduction"``,
    none for None), and calls torch refuses run by the numpy implementation.
    """

    def factory(backend, numpy_semantics=False):
        fn = base(backend) if base is not None else _lib(backend, name)
        if backend != "torch" or not numpy_semantics:
            return fn  # (a graph traced on torch has torch's static dtypes)
        import torch

        np_impl = np_fn if np_fn is not None else (base("numpy") if base else _lib("numpy", name))
        fix = _TORCH_FIX.get(name)
        plans: dict = {}

        def plan(args, kwargs):
            out = _result_dtypes(np_impl, args, kwargs, probe == "reduction") if probe else None
            return _loop_dtypes(np_impl, args), out

        def call(*args, **kwargs):
            key = (_sig(list(args)), _sig(tuple(sorted(kwargs.items()))))
            loops, out = planned(plans, key, plan, args, kwargs)
            if loops is not None:
                dev = _device(torch, args)
                conv = []
                for a, d in zip(args, loops):
                    if isinstance(a, torch.Tensor):
                        conv.append(a if _np_dtype(a) == d else a.to(_torch_dtype(torch, d)))
                    elif type(a) is int and not _fits(a, d):
                        return _via_numpy(torch, np_impl, args, kwargs)
                    else:
                        conv.append(torch.tensor(a, dtype=_torch_dtype(torch, d), device=dev))
                args = conv
            if (
                name in _MOMENTS
                and out is not None
                and isinstance(args[0], torch.Tensor)
                and not args[0].is_complex()  # complex moments: a real result, complex sums
            ):
                # numpy's moments of integers in their float result dtype; its
                # mean of float16 with float32 sums (its var and std square
                # and sum in float16: see reduce_impl._needs_portable)
                kind = "float32" if out == np.float16 and name == "mean" else out
                args = (args[0].to(_torch_dtype(torch, kind)), *args[1:])
            try:
                res = fix(torch, fn, *args, **kwargs) if fix else fn(*args, **kwargs)
            except (RuntimeError, NotImplementedError, TypeError, ValueError, OverflowError):
                res = _via_numpy(torch, np_impl, args, kwargs)
            return _cast_to(torch, res, out)

        return named(call, name)

    factory.numpy_semantics = True
    return factory


def register_typed(name, family, base=None, np_fn=None, probe="elementwise") -> None:
    """Register op ``name`` of ``family`` with the :func:`numpy_typed` factory."""
    register(name, family, impl=numpy_typed(name, base, np_fn, probe), impl_is_factory=True)
