"""numpy's reduction keywords on every backend.

A reduction node records numpy's keywords (``where=``, ``initial=``,
``dtype=``, ``ddof=``) with numpy's meaning.  numpy and JAX take them all;
elsewhere the function of the same name lacks some of them or gives them
another meaning (``torch.sum`` has no ``where``, ``torch.std`` calls ``ddof``
``correction`` and has no ``dtype``, ``torch.mean`` refuses integers,
``torch.prod`` one axis at a time), so the registry resolves a reduction, for
those backends, to :func:`reduction_impl`'s wrapper: the backend's own
function when the call means the same there, else numpy's definition written
with the backend's ``where``, ``sum``, ``max``... (``sum(x, where=w)`` is
``sum(where(w, x, 0))``, ``max(x, where=w, initial=i)`` is
``max(where(w, x, i))`` raised to at least ``i``, ``var`` is numpy's two-pass
formula).

>>> import numpy as np
>>> reduction_impl("sum")("numpy") is np.sum
True
"""

from __future__ import annotations

import math

import autoray

from ..graph import dtypes
from ..graph.dtypes import is_inexact
from .portable import torch_needs_running, torch_running

__all__ = ["DEFAULT_DDOF", "KEYWORDS", "NATIVE", "reduced_shape", "reduction_impl"]

#: the numpy keywords (beyond ``axis``/``keepdims``) each reduction takes
KEYWORDS = {
    "sum": ("dtype", "where", "initial"),
    "prod": ("dtype", "where", "initial"),
    "mean": ("dtype", "where"),
    "std": ("dtype", "where", "ddof"),
    "var": ("dtype", "where", "ddof"),
    "min": ("where", "initial"),
    "max": ("where", "initial"),
    "all": ("where",),
    "any": ("where",),
    "cumsum": ("dtype",),
    "cumprod": ("dtype",),
}

#: backends whose reductions take every keyword of :data:`KEYWORDS` with
#: numpy's meaning
NATIVE = frozenset({"numpy", "jax", "jaxlib"})
#: backends whose reductions take ``dtype`` and ``ddof`` with numpy's
#: meaning, but not ``where``/``initial``
NUMPY_DTYPE = frozenset({"cupy", "dask"})
#: the ``ddof`` of ``std``/``var`` when none is given, where a backend's
#: default is not numpy's 0 (``torch.std`` is unbiased): recorded in the node
#: while tracing, so that a lazy array means what the eager call on its
#: backend gives, and a graph means the same on every backend it runs on
DEFAULT_DDOF = {"torch": 1}


class _Lib:
    """The functions of one backend, looked up by attribute (cached)."""

    def __init__(self, backend):
        self.backend = backend

    def __getattr__(self, name):
        fn = autoray.get_lib_fn(self.backend, name)
        setattr(self, name, fn)
        return fn

    def dtype(self, name):
        return autoray.to_backend_dtype(name, like=self.backend)

    def dtype_name(self, x) -> str:
        return dtypes.dtype_name(x.dtype)

    def cast(self, x, name):
        return x if self.dtype_name(x) == name else autoray.astype(x, name)

    def mask(self, w):
        """A ``where=`` mask as an array of this backend (a graph built on
        numpy and retargeted holds a numpy mask)."""
        if autoray.infer_backend(w) == self.backend:
            return w
        return autoray.do("asarray", w, like=self.backend)


def _axes(axis, ndim) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(a % ndim for a in axis)
    return (axis % ndim,)


def reduced_shape(shape: tuple, axes: tuple, keepdims: bool) -> tuple:
    """Shape after reducing ``axes`` (normalized, sorted).

    >>> reduced_shape((2, 3, 4), (0, 2), False), reduced_shape((2, 3), (1,), True)
    ((3,), (2, 1))
    """
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _ax(x, axis, keepdims) -> dict:
    """The ``axis``/``keepdims`` keywords of a reduction of ``x`` (all axes
    named when ``keepdims`` is set: ``torch.sum`` needs them then)."""
    if not keepdims:
        return {} if axis is None else {"axis": axis}
    return {"axis": tuple(range(len(x.shape))) if axis is None else axis, "keepdims": True}


def _sum(L, x, axis, keepdims, dtype=None):
    kw = _ax(x, axis, keepdims)
    if dtype is not None:
        kw["dtype"] = L.dtype(dtype)
    return L.sum(x, **kw)


def _prod(L, x, axis, keepdims, dtype=None):
    """``prod`` over several axes one at a time (``torch.prod`` takes one)."""
    if dtype is not None:
        x = L.cast(x, dtype)
    if isinstance(axis, (tuple, list)) or (axis is None and keepdims):
        axes = _axes(axis, len(x.shape))
        for a in sorted(axes, reverse=True):
            x = L.prod(x, axis=a, keepdims=True)
        return x if keepdims else L.reshape(x, reduced_shape(tuple(x.shape), axes, False))
    return L.prod(x, **_ax(x, axis, keepdims))


def _count(L, x, where, axis, keepdims):
    """The number of elements reduced: a Python int, or an array for a mask."""
    axes = _axes(axis, len(x.shape))
    if where is None:
        return math.prod(int(x.shape[a]) for a in axes)
    w = L.broadcast_to(where, tuple(x.shape))
    return L.sum(w, **_ax(w, axis, keepdims))


def p_sum(L, x, axis=None, keepdims=False, dtype=None, where=None, initial=None):
    """numpy's ``sum``: masked elements count as 0, ``initial`` is added."""
    if where is not None:
        x = L.where(where, x, 0)
    r = _sum(L, x, axis, keepdims, dtype)
    return r if initial is None else r + initial


def p_prod(L, x, axis=None, keepdims=False, dtype=None, where=None, initial=None):
    """numpy's ``prod``: masked elements count as 1, ``initial`` multiplies."""
    if where is not None:
        x = L.where(where, x, 1)
    r = _prod(L, x, axis, keepdims, dtype)
    return r if initial is None else r * initial


def _extremum(name):
    def extremum(L, x, axis=None, keepdims=False, where=None, initial=None):
        if where is not None:  # the trace checked that ``initial`` is given
            x = L.where(where, x, initial)
        shape = tuple(int(d) for d in x.shape)
        axes = _axes(axis, len(shape))
        if initial is not None and any(shape[a] == 0 for a in axes):
            # an empty reduction with ``initial`` is ``initial``
            out = reduced_shape(shape, axes, keepdims)
            kw = {"device": x.device} if L.backend == "torch" else {}
            return L.full(out, initial, dtype=x.dtype, **kw)
        r = getattr(L, name)(x, **_ax(x, axis, keepdims))
        if initial is None:
            return r
        # ``r`` below (above) ``initial`` becomes ``initial``; nan stays nan
        beyond = r < initial if name == "max" else r > initial
        return L.where(beyond, initial, r)

    extremum.__name__ = f"p_{name}"
    extremum.__doc__ = f"numpy's ``{name}``: masked elements are ``initial``."
    return extremum


p_max, p_min = _extremum("max"), _extremum("min")


def p_all(L, x, axis=None, keepdims=False, where=None):
    """numpy's ``all``: masked elements count as true."""
    if where is not None:
        x = L.logical_or(L.logical_not(where), x)
    return L.all(x, **_ax(x, axis, keepdims))


def p_any(L, x, axis=None, keepdims=False, where=None):
    """numpy's ``any``: masked elements count as false."""
    if where is not None:
        x = L.logical_and(where, x)
    return L.any(x, **_ax(x, axis, keepdims))


def _mean_dtypes(L, x, dtype):
    """``(accumulate in, result)`` dtypes of numpy's ``mean``: integers give
    the default float, ``float16`` accumulates in ``float32``."""
    name = L.dtype_name(x)
    if dtype is not None:
        return dtype, dtype
    out = name if is_inexact(name) else dtypes.default_float(L.backend)
    return ("float32" if out == "float16" else out), out


def p_mean(L, x, axis=None, keepdims=False, dtype=None, where=None):
    """numpy's ``mean``: the (masked) sum over the number of elements summed."""
    acc, out = _mean_dtypes(L, x, dtype)
    x = L.cast(x, acc)
    if where is not None:
        x = L.where(where, x, 0)
    total = _sum(L, x, axis, keepdims)
    if not is_inexact(L.dtype_name(total)):  # numpy divides an integer sum in float64
        total = L.cast(total, "float64")
    return L.cast(total / _count(L, x, where, axis, keepdims), out)


def _variance(L, x, axis, keepdims, dtype, where, ddof):
    """numpy's two-pass ``var`` (``_var`` in ``numpy/_core/_methods.py``):
    sums in ``dtype`` (integers: the default float), the deviations from the
    mean in the promoted type, their squared modulus summed, divided by
    ``max(n - ddof, 0)``.  Returns ``(variance, result dtype)``."""
    name = L.dtype_name(x)
    if dtype is None:
        out = dtypes.real_dtype(name) if is_inexact(name) else dtypes.default_float(L.backend)
        dtype = None if is_inexact(name) else out
    else:
        out = dtype
    if not is_inexact(name):  # the same deviations, and torch cannot subtract booleans
        x = L.cast(x, dtype)
    m = L.where(where, x, 0) if where is not None else x
    s = _sum(L, m if dtype is None else L.cast(m, dtype), axis, True)
    d = x - s / _count(L, x, where, axis, True)
    sq = L.real(d * L.conj(d)) if dtypes.is_complex(L.dtype_name(d)) else d * d
    if where is not None:
        sq = L.where(where, sq, 0)
    n = _count(L, x, where, axis, keepdims)
    den = max(n - ddof, 0) if type(n) is int else L.where(n > ddof, n - ddof, 0)
    return _sum(L, sq if dtype is None else L.cast(sq, dtype), axis, keepdims) / den, out


def p_var(L, x, axis=None, keepdims=False, dtype=None, where=None, ddof=0):
    """numpy's ``var`` (``ddof`` 0 by default; complex input gives a real)."""
    v, out = _variance(L, x, axis, keepdims, dtype, where, ddof)
    return L.cast(v, out)


def p_std(L, x, axis=None, keepdims=False, dtype=None, where=None, ddof=0):
    """numpy's ``std``: the square root of :func:`p_var`."""
    v, out = _variance(L, x, axis, keepdims, dtype, where, ddof)
    return L.cast(L.sqrt(v), out)


PORTABLE = {
    "sum": p_sum,
    "prod": p_prod,
    "mean": p_mean,
    "std": p_std,
    "var": p_var,
    "min": p_min,
    "max": p_max,
    "all": p_all,
    "any": p_any,
}


def _needs_portable(name, backend, x, kwargs) -> bool:
    """Whether ``backend``'s own function would not mean numpy's call."""
    if backend in NATIVE:  # jax refuses a real dtype= for the variance of complex input
        dtype = kwargs.get("dtype")
        return (
            name in ("std", "var")
            and dtype is not None
            and dtypes.is_complex(dtypes.dtype_name(x.dtype))
            and not dtypes.is_complex(dtypes.dtype_name(dtype))
        )
    if kwargs.get("where") is not None or kwargs.get("initial") is not None:
        return True
    if backend in NUMPY_DTYPE:
        return False
    if name in ("std", "var"):  # torch: no dtype, no integers; ddof is correction
        if backend == "torch" and kwargs.get("dtype") is None:
            # (numpy squares and sums float16 in float16: inf where the
            # squares overflow; torch's var computes in float32)
            name = dtypes.dtype_name(x.dtype)
            return not is_inexact(name) or name == "float16"
        return True
    if name == "mean":  # torch: no integers
        return kwargs.get("dtype") is not None or not is_inexact(dtypes.dtype_name(x.dtype))
    if name == "prod":
        return isinstance(kwargs.get("axis"), (tuple, list)) or (
            kwargs.get("axis") is None and bool(kwargs.get("keepdims"))
        )
    return False


def reduction_impl(name: str):
    """A registry ``impl`` factory for the reduction ``name``: the backend's
    own function where it takes numpy's keywords with numpy's meaning (numpy,
    JAX), else a wrapper that calls it when the call means the same there and
    numpy's definition (:data:`PORTABLE`) otherwise.  A ``dtype`` recorded as
    a name is given to the backend as its dtype object.
    """

    def factory(backend):
        fn = autoray.get_lib_fn(backend, name)
        if backend == "numpy":
            return fn
        L = _Lib(backend)
        portable = PORTABLE.get(name)

        def reduction(x, *args, **kwargs):
            if portable is not None and _needs_portable(name, backend, x, kwargs):
                if kwargs.get("where") is not None:
                    kwargs["where"] = L.mask(kwargs["where"])
                return portable(L, x, *args, **kwargs)
            if kwargs.get("dtype") is not None:
                kwargs["dtype"] = L.dtype(kwargs["dtype"])
            if backend == "torch" and name in ("std", "var"):
                # always explicit: torch's own default is 1
                kwargs["correction"] = kwargs.pop("ddof", 0)
            if backend == "torch" and name in ("cumsum", "cumprod"):
                dt = kwargs.get("dtype")
                y = x if dt is None else x.to(dt)  # (numpy accumulates in dtype)
                if torch_needs_running(y):
                    return torch_running(y, kwargs.get("axis", args[0] if args else 0), name)
            return fn(x, *args, **kwargs)

        reduction.__name__ = reduction.__qualname__ = name
        reduction.__doc__ = f"numpy's ``{name}`` on {backend} (see :mod:`{__name__}`)."
        return reduction

    return factory
