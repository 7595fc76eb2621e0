"""Ops with numpy's meaning on every backend: contractions, and the
elementwise, cumulative, ``complex`` and ``allclose`` implementations the
registry resolves for backends whose functions of numpy's names differ (see
the sections below).

A graph is retargeted by op name, so an op must mean the same on every
backend.  numpy, JAX, CuPy and dask agree with numpy on the contractions
(``tensordot``, ``matmul``, ``dot``, ``einsum``, ``kron``, ``outer``,
``inner``, ``vdot``), and the registry resolves them to the backend's own
functions (on numpy: numpy's, the same calls and the same values).  Other
backends differ, so the registry resolves the contractions, for those, to
the implementations below:

* ``dot``, ``outer`` and ``vdot`` are made of the backend's ``matmul``,
  ``tensordot``, ``multiply``, ``reshape`` and 1-d ``vdot`` (``torch.dot``
  and ``torch.vdot`` take 1-d tensors only, ``torch.outer`` does not
  flatten);
* operands of different dtypes are first cast to the dtype numpy's rules
  give (the static dtype of the node): torch's contractions refuse mixed
  dtypes (``int64 @ complex128``) and its promotion differs from numpy's
  (``float16 * int64`` is ``float16``).

>>> import numpy as np
>>> impl("dot", "numpy") is np.dot
True
"""

from __future__ import annotations

import autoray
import numpy as np

from ..graph.dtypes import dtype_name, finalize
from .common import named
from .torch_numpy import (
    _cast_to,
    _common,
    _device,
    _lib,
    _np_dtype,
    _probe,
    _torch_dtype,
    _via_numpy,
    plain_array,
)

__all__ = [
    "NUMPY_LIKE",
    "impl",
    "ELEMENTWISE",
    "round_impl",
    "cumulative_impl",
    "diff_impl",
    "clip_impl",
    "complex_impl",
    "allclose_impl",
]

#: backends whose contractions are numpy's
NUMPY_LIKE = frozenset({"numpy", "jax", "cupy", "dask"})


def _promoting(fn, backend, name):
    """``fn`` on its array arguments cast, when their dtypes differ, to the
    dtype numpy's rules give them."""
    scalars = (bool, int, float, complex)

    def call(*args, **kwargs):
        first = None
        for a in args:
            dt = getattr(a, "dtype", None)
            if dt is not None:
                if first is None:
                    first = dt
                elif dt is not first and dt != first:
                    break
            elif type(a) in scalars:
                break
        else:  # one dtype (the usual case)
            return _guarded(fn, args, kwargs, first)
        # (numpy's contractions take Python scalars as arrays: strong)
        names = [dtype_name(a.dtype) if hasattr(a, "dtype") else None for a in args]
        keys = [n or np.asarray(a).dtype for a, n in zip(args, names) if n or type(a) in scalars]
        target = np.result_type(*keys).name
        args = [
            autoray.do("asarray", np.asarray(a, target), like=backend)
            if type(a) in scalars
            else a
            if n is None or n == target
            else autoray.do("astype", a, target, like=backend)
            for a, n in zip(args, names)
        ]
        return _guarded(fn, args, kwargs, target)

    def _guarded(fn, args, kwargs, target):
        if backend != "torch":
            return fn(*args, **kwargs)
        import torch

        try:  # (torch sums booleans as int64: numpy's bool result is their any)
            out = fn(*args, **kwargs)
        except (RuntimeError, NotImplementedError):  # (torch: no bool matmul...)
            out = _via_numpy(torch, _lib("numpy", name), args, kwargs)
        return out if target is None else _cast_to(torch, out, _np_dtype(target))

    return named(call, name)


def _own(name, backend):
    """numpy's ``dot``, ``outer`` or ``vdot`` (``name``) of the backend's
    ``matmul``, ``tensordot``, ``multiply``, ``reshape`` and 1-d ``vdot``."""
    fn, reshape, multiply = (_lib(backend, n) for n in (name, "reshape", "multiply"))
    if name == "vdot":
        return lambda a, b: fn(reshape(a, (-1,)), reshape(b, (-1,)))
    if name == "outer":
        return lambda a, b: multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))
    matmul, tensordot = _lib(backend, "matmul"), _lib(backend, "tensordot")

    def dot(a, b):
        na, nb = len(a.shape), len(b.shape)
        if na == 0 or nb == 0:
            return multiply(a, b)
        if na <= 2 and nb <= 2:
            return matmul(a, b)
        return tensordot(a, b, ((na - 1,), (max(nb - 2, 0),)))

    return dot


def impl(name: str, backend: str):
    """The registry's implementation of contraction ``name`` on ``backend``
    (a factory for :func:`lazyray.graph.registry.register`, with ``name``
    bound)."""
    if backend in NUMPY_LIKE:
        if backend == "numpy" and name == "tensordot":
            from .buffers import tensordot  # (into reused buffers: see .buffers)

            return tensordot
        return _lib(backend, name)
    fn = _own(name, backend) if name in ("dot", "outer", "vdot") else _lib(backend, name)
    return _promoting(fn, backend, name)


def vecdot_impl(backend):
    """numpy's ``vecdot(x1, x2, axis=-1)`` (``x1`` conjugated); torch's is
    ``linalg.vecdot(x, y, dim=)``, of one dtype."""
    if backend != "torch":  # numpy, jax, cupy, dask: numpy's own
        return autoray.get_lib_fn(backend, "vecdot")
    import torch

    def vecdot(x1, x2, axis=-1):
        if x1.dtype.is_floating_point or x1.dtype.is_complex:
            return torch.linalg.vecdot(x1, x2, dim=axis)  # for inexact dtypes only
        if x1.dtype == torch.bool:
            return torch.any(x1 & x2, dim=axis)
        return torch.sum(x1 * x2, dim=axis).to(x1.dtype)

    return _promoting(vecdot, backend, "vecdot")


# ----------------------------------------------- elementwise on torch
#
# torch's elementwise functions of numpy's names refuse some of numpy's
# calls: a Python scalar as either operand (``torch.nextafter(x, 2.0)``,
# ``torch.copysign(2.0, x)``), integer or boolean input to ``logaddexp`` and
# ``nextafter`` (numpy computes them in the default float), boolean shifts
# (numpy: ``int8``), and ``round`` of integers (with ``decimals``), booleans
# and complex numbers (numpy rounds both parts).


def _torch_binary(name):
    def factory(backend):
        fn = _lib(backend, name)
        if backend != "torch":
            return fn
        import torch

        floating = name in ("logaddexp", "nextafter")
        shift = name in ("bitwise_left_shift", "bitwise_right_shift")

        def call(x1, x2):
            # Python scalars as 0-d tensors: weak in torch's promotion, as in numpy's
            a, b = (t if isinstance(t, torch.Tensor) else torch.as_tensor(t) for t in (x1, x2))
            if floating:  # integers and booleans in the default float
                real = torch.get_default_dtype()
                a, b = (
                    t if t.is_floating_point() or t.is_complex() else t.to(real) for t in (a, b)
                )
            if shift and a.dtype == torch.bool and b.dtype == torch.bool:
                a, b = a.to(torch.int8), b.to(torch.int8)
            return fn(a, b)

        return named(call, name)

    return factory


def clip_impl(backend):
    """numpy's ``clip(x, lo, hi)`` on ``backend`` (``torch.clamp`` takes
    neither two Python scalars of other kinds nor a scalar beside a tensor,
    and refuses two missing bounds)."""
    fn = _lib(backend, "clip")
    if backend != "torch":
        return fn
    import torch

    def clip(x, lo=None, hi=None):
        if isinstance(x, torch.Tensor) and not x.is_floating_point() and not x.is_complex():
            # numpy drops a Python int bound beyond the integer dtype's range
            # on its side (a lower bound below the minimum, an upper above the max)
            info = torch.iinfo(x.dtype) if x.dtype != torch.bool else None
            if info is not None and type(lo) is int and lo < info.min:
                lo = None
            if info is not None and type(hi) is int and hi > info.max:
                hi = None
        if lo is None and hi is None:
            return x.clone()
        x, lo, hi = _common(torch, (x, lo, hi))
        if x.is_complex():  # (numpy's order of complex numbers: lexicographic)
            raise NotImplementedError("clamp of complex numbers")
        return fn(x, lo, hi)

    return clip


#: registry ``impl`` factories of the elementwise ops torch needs wrapped
ELEMENTWISE = {
    n: _torch_binary(n)
    for n in ("copysign", "logaddexp", "nextafter", "bitwise_left_shift", "bitwise_right_shift")
}


def round_impl(backend, numpy_semantics=False):
    """numpy's ``round(x, decimals=0)`` on ``backend`` (torch: complex parts
    rounded apart, integers rounded in float64 when ``decimals < 0``, and
    booleans as numpy's ``float16`` with ``numpy_semantics``, else in the
    default float, as a graph traced on torch infers)."""
    fn = _lib(backend, "round")
    if backend != "torch":
        return fn
    import torch

    def round(x, decimals=0):  # noqa: A001 - numpy's name
        if x.is_complex():
            re, im = round(x.real, decimals), round(x.imag, decimals)
            return torch.complex(re, im)
        if x.dtype == torch.bool:  # rounding leaves 0 and 1 as they are
            return x.to(torch.float16 if numpy_semantics else torch.get_default_dtype())
        if not x.is_floating_point():
            if decimals >= 0:
                return x.clone()
            return fn(x.to(torch.float64), decimals=decimals).to(x.dtype)
        return fn(x, decimals=decimals) if decimals else fn(x)

    return round


round_impl.numpy_semantics = True


# ------------------------------------------------------ cumulative ops


def cumulative_impl(name):
    """A registry ``impl`` factory of ``cumulative_sum`` / ``cumulative_prod``
    (``name``), called as ``f(x, axis=int, dtype=name or None,
    include_initial=bool)``: numpy 2's and jax's own functions, else the
    backend's ``cumsum``/``cumprod`` with the identity concatenated in front
    for ``include_initial``."""
    scan = {"cumulative_sum": "cumsum", "cumulative_prod": "cumprod"}[name]
    identity = 0 if name == "cumulative_sum" else 1

    def factory(backend):
        if backend in ("numpy", "jax"):
            own = _lib(backend, name)
            if backend == "numpy":
                return own

            def jax_call(x, axis, dtype=None, include_initial=False):
                if dtype is not None:  # (32-bit without x64: no warning)
                    dtype = finalize(backend, dtype, (dtype,))
                    dtype = autoray.to_backend_dtype(dtype, like=backend)
                return own(x, axis=axis, dtype=dtype, include_initial=include_initial)

            return jax_call
        fn = _lib(backend, scan)

        def call(x, axis, dtype=None, include_initial=False):
            if dtype is not None:  # scanned in ``dtype``, kept in it (torch widens ints)
                x = autoray.astype(x, dtype)
            if backend == "torch" and torch_needs_running(x):
                out = torch_running(x, axis, scan)
            else:
                out = fn(x, axis)
            if dtype is not None:
                out = autoray.astype(out, dtype)
            if include_initial:
                shape = list(out.shape)
                shape[axis] = 1
                kw = {"device": x.device} if backend == "torch" else {}
                first = _lib(backend, "full")(tuple(shape), identity, dtype=out.dtype, **kw)
                out = _lib(backend, "concatenate")((first, out), axis)
            return out

        return named(call, name)

    return factory


def torch_needs_running(x) -> bool:
    """Whether torch's ``cumsum``/``cumprod`` of ``x`` differ from numpy's:
    complex (torch's cumprod starts from ``1 * x[0]``, a complex product that
    turns ``-1.9 - inf j`` into ``nan - inf j``, and its complex sums are
    products too) and half precision (torch accumulates in float32, numpy
    rounds every step)."""
    import torch

    return x.is_complex() or x.dtype in (torch.float16, torch.bfloat16)


def torch_running(x, axis, scan):
    """numpy's ``cumsum``/``cumprod`` (``scan``) on torch, one add or
    multiply per step (see :func:`torch_needs_running`)."""
    import torch

    parts = list(torch.unbind(x, axis))
    for i in range(1, len(parts)):
        a, b = parts[i - 1], parts[i]
        if scan == "cumprod":
            parts[i] = a * b
        elif a.is_complex():  # part by part, as numpy adds
            parts[i] = torch.complex(a.real + b.real, a.imag + b.imag)
        else:
            parts[i] = a + b
    return torch.stack(parts, axis) if parts else x.clone()


def diff_impl(backend):
    """numpy's ``diff(x, n, axis, prepend, append)`` on ``backend`` (torch
    calls the axis ``dim``; booleans differ by ``not_equal``, as numpy's)."""
    fn = _lib(backend, "diff")
    if backend != "torch":
        return fn

    def diff(x, n=1, axis=-1, prepend=None, append=None):
        return fn(x, n=n, dim=axis, prepend=prepend, append=append)

    return diff


# ------------------------------------------------- complex, allclose


def complex_impl(backend):
    """numpy's meaning of lazyray's ``complex`` on numpy (exact parts), else the backend's."""
    if backend == "torch":
        return _torch_complex
    if backend != "numpy":
        return autoray.get_lib_fn(backend, "complex")
    return _np_complex


def _torch_complex(re, im):
    """torch's ``complex`` of parts of numpy's real dtype (the one of numpy's
    ``re + 1j * im``); ``re + 1j * im`` when a part is complex."""
    import torch

    dt = np.asarray(_np_complex(*[_probe(a, False) for a in (re, im)])).dtype
    # the parts are inexact: a Python int becomes a float as numpy converts it
    # (an int beyond int64 has no integer tensor: -2**63 - 1)
    re, im = (float(a) if type(a) is int else a for a in (re, im))
    if any(a.is_complex() if isinstance(a, torch.Tensor) else np.iscomplexobj(a) for a in (re, im)):
        # numpy's re + 1j * im part by part: torch's complex add scales its
        # second operand by alpha = 1 + 0j, which turns inf + nan j into nan
        re, im = _common(torch, (re, im))
        c, d = im.real, im.imag
        zero = torch.zeros((), dtype=c.dtype, device=c.device)
        z = torch.complex(re.real + (zero * c - d), re.imag + (zero * d + c))
        return z.to(_torch_dtype(torch, dt))
    # real parts: each straight to the parts' dtype (a weak 2**31 beside a
    # float16 part is float32's 2**31 in numpy, not float16's inf)
    part = _torch_dtype(torch, np.finfo(dt).dtype)
    dev = _device(torch, [a for a in (re, im) if isinstance(a, torch.Tensor)])
    re, im = (
        (a if isinstance(a, torch.Tensor) else torch.as_tensor(plain_array(a), device=dev)).to(part)
        for a in (re, im)
    )
    return torch.complex(re, im)


def _np_complex(re, im):
    """``re + i im`` with exactly these parts when both are real (``1j * inf``
    has a nan real part), of the dtype of numpy's ``re + 1j * im``."""
    # (ufuncs, not operators: np.float64 is a Python float, so 1j * it would
    # be a Python complex, without a dtype; Python scalars stay weak)
    jim = 1j * im if type(im) in (bool, int, float, complex) else np.multiply(1j, im)
    z = np.add(re, jim)
    if np.iscomplexobj(re) or np.iscomplexobj(im):
        return z
    out = np.empty(np.shape(z), z.dtype)
    out.real, out.imag = re, im
    return out if type(z) is np.ndarray else out[()]


def allclose_impl(backend):
    """The backend's ``allclose``, its result a 0-d bool array (numpy's and
    torch's are Python bools, which later ops cannot take as arrays)."""
    if backend == "numpy":

        def np_allclose(a, b, **kwargs):
            return np.bool_(np.allclose(a, b, **kwargs))

        return np_allclose
    fn = autoray.get_lib_fn(backend, "allclose")
    asarray = autoray.get_lib_fn(backend, "asarray")

    def allclose(a, b, **kwargs):
        if backend == "torch":
            import torch

            a, b, _ = _common(torch, (a, b, 1.0))
        out = fn(a, b, **kwargs)
        return asarray(out) if type(out) is bool else out

    return allclose
