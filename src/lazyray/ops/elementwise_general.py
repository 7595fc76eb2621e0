"""Elementwise ops beyond the unary and binary tables of
:mod:`.elementwise`: ``where``, ``clip``, ``complex``, ``astype``,
``isclose``/``allclose``, ``ndarray.conj``, and ``asarray`` (numpy's and the
Array API's conversion to a lazy array, with ``dtype``, ``device`` and ``copy``)."""

from __future__ import annotations

import warnings

import autoray
import numpy as np

from ..graph import dtypes
from ..graph.dtypes import dtype_object
from ..graph.node import _holds_lazy, array, supported_dtype
from ..graph.registry import BINARY, OTHER, TERNARY, UNARY, register
from ..graph.shapes import broadcast_shapes
from . import portable
from .common import LazyArray, info, lazy, lazy_operands, make
from .creation import check_device
from .elementwise import _dtype_rule, conj  # (conj: made by the unary table)
from .portable_torch import register_typed

__all__ = "allclose asarray astype clip complex isclose where".split()


def _nary(name, operands, np_fn, static=(), kwargs=None):
    """Elementwise op over several broadcast operands (None passes through)."""
    if not any(type(x) is LazyArray for x in operands):
        operands = (lazy(name, operands[0]), *operands[1:])
    operands, backend = lazy_operands(name, operands)
    infos = [info(x) for x in operands if x is not None]
    shape = broadcast_shapes(name, *(s for s, _ in infos))
    keys = tuple(k for _, k in infos)
    dtype = dtypes.finalize(backend, _dtype_rule(name, np_fn, keys, static), keys)
    try:
        _check_weak_ints(np_fn, [x for x in operands if x is not None], keys, static)
    except (OverflowError, TypeError, ValueError) as e:
        raise type(e)(f"{name}: {e}") from None
    return make(name, operands, kwargs, shape, dtype, backend=backend)


def _check_weak_ints(np_fn, operands, keys, static=()):
    """Raise what numpy raises for a Python int operand it cannot take (out of
    int64, or of the integer dtype it meets: NEP 50), at trace time: numpy's
    ``np_fn`` runs on zero-dimensional examples holding the ints' own values.
    Ints that every dtype holds cost nothing."""
    if not any(type(x) is int and not 0 <= x <= 127 for x in operands):
        return
    args = [x if type(x) is int else dtypes._example(k) for x, k in zip(operands, keys)]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np_fn(*args, **dict(static))


register_typed("where", TERNARY, None, np.where)


def where(condition, x=None, y=None):
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (all three
    broadcast together).

    The one-argument form (``where(condition)``, like ``nonzero``) has a
    data-dependent shape and raises ``ValueError``.

    >>> import lazyray
    >>> lazyray.where(lazyray.Variable((3, 1)) > 0, 1.0, lazyray.Variable((4,))).shape
    (3, 4)
    """
    if x is None or y is None:
        raise ValueError(
            "where: the one-argument form has a data-dependent shape, which a lazy "
            "graph cannot know; give both x and y"
        )
    return _nary("where", (condition, x, y), np.where)  # (one function: its dtype rule is cached)


register_typed("clip", TERNARY, portable.clip_impl)


def clip(x, /, min=None, max=None, *, a_min=None, a_max=None):  # noqa: A002
    """Clip values to ``[min, max]``; either bound may be None (numpy's
    ``a_min``/``a_max``, positional or by either name).

    The result has ``x``'s dtype when the bounds are of its kind (boolean,
    integer, floating or complex), as the Array API asks, where numpy would
    promote (``clip(float32, float64 array)`` is ``float32``); bounds of
    another kind, which the standard leaves unspecified, promote as in numpy.

    >>> import lazyray, numpy as np
    >>> str(lazyray.clip(lazyray.Variable((3,), dtype="float32"), 0, 1.0).dtype)
    'float32'
    >>> str(lazyray.clip(lazyray.Variable((3,), dtype="float32"), max=np.ones(3)).dtype)
    'float32'
    """
    if (a_min is not None and min is not None) or (a_max is not None and max is not None):
        raise TypeError("clip: give each bound once (min= or a_min=, max= or a_max=)")
    lo = a_min if min is None else min
    hi = a_max if max is None else max

    # numpy 2.x accepts neither bound: a copy of ``a``
    def np_clip(v, *bounds):
        return np.clip(
            v, bounds[0] if lo is not None else None, bounds[-1] if hi is not None else None
        )

    out = _nary("clip", (x, lo, hi), np_clip)
    kind = info(out._args[0])[1]
    if type(kind) is str and out._dtype != kind and _kind(out._dtype) == _kind(kind):
        return astype(out, kind)
    return out


def _kind(name: str) -> str:
    if dtypes.is_complex(name) or dtypes.is_floating(name):
        return name[0]
    return "i" if dtypes.is_integer(name) else name


register("complex", BINARY, impl=portable.complex_impl, impl_is_factory=True)


def complex(re, im):  # noqa: A001 - numpy-style name, as in the seed
    """A complex array from real and imaginary parts.

    >>> import lazyray
    >>> str(lazyray.complex(lazyray.Variable((2,), dtype="float32"), 0.0).dtype)
    'complex64'
    """
    # numpy's float64 scalar subclasses Python's float, so ``1j * im`` makes a
    # weak Python complex of it: take it as weak (a complex128 scalar, a
    # complex subclass, multiplies itself and stays strong)
    if type(im) is np.float64:
        im = float(im)
    return _nary("complex", (re, im), _complex_rule)


def conj_method(self):
    """``x.conj()`` / ``x.conjugate()`` as numpy's ``ndarray.conj``: a bool
    array stays bool (the function ``conj`` is numpy's ufunc ``np.conj``,
    int8 for bool).  A lazy graph never writes into its arrays, so a bool
    ``x`` is its own conjugate (as ``astype`` to its own dtype).

    >>> import lazyray, numpy as np
    >>> str(conj_method(lazyray.array(np.array([True]))).dtype)
    'bool'
    """
    if type(self) is LazyArray and self._dtype == "bool":
        return self
    return conj(self)  # noqa: F821 - made by _make_unary above


def _complex_rule(r, i):
    return r + 1j * i


register("astype", UNARY)


def astype(x, dtype, /, copy=True, *, device=None):
    """Cast to ``dtype`` (a name, numpy dtype or Python type; bool, integer,
    floating point or complex); ``device`` may be None or ``"cpu"``.

    As autoray's lazy arrays, a cast to ``x``'s own dtype is ``x`` itself,
    whatever ``copy`` says: a lazy graph never writes into its arrays, so it
    never needs a copy (``copy`` is accepted for numpy and Array API
    compatibility).  Like any op that moves no data (``reshape``, ``transpose``),
    the computed result may then be the input's own buffer.

    >>> import lazyray
    >>> x = lazyray.Variable((2,))
    >>> str(lazyray.astype(x, "int32").dtype), lazyray.astype(x, "float64") is x
    ('int32', True)
    """
    x = lazy("astype", x)
    check_device("astype", device)
    name = supported_dtype("astype", dtype)
    if name not in dtypes._KNOWN:
        raise TypeError(f"astype: unsupported dtype {dtype!r}")
    name = dtypes.finalize(x._backend, name, (name,))  # jax without x64: 32-bit
    if name == x._dtype:
        return x
    return make("astype", (x, name), None, x._shape, name)


register_typed("allclose", OTHER, portable.allclose_impl, probe=None)
register_typed("isclose", BINARY, None, np.isclose)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise closeness test (numpy's ``isclose``)."""
    kwargs = {"rtol": rtol, "atol": atol, "equal_nan": equal_nan}
    return _nary("isclose", (a, b), np.isclose, kwargs=kwargs)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements are close (a 0-d boolean array).

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.ones(3))
    >>> bool(lazyray.allclose(x, x + 1e-12).compute())
    True
    """
    ops, backend = lazy_operands("allclose", (a, b))
    (sa, ka), (sb, kb) = info(ops[0]), info(ops[1])
    broadcast_shapes("allclose", sa, sb)
    kw = {"rtol": rtol, "atol": atol, "equal_nan": equal_nan}
    _check_weak_ints(lambda x, y: np.allclose(x, y, **kw), ops, (ka, kb))
    kw["equal_nan"] = equal_nan or None
    return make("allclose", ops, kw, (), "bool", backend=backend)


def asarray(obj, /, dtype=None, *, device=None, copy=None) -> LazyArray:
    """numpy / Array API ``asarray``: :func:`array` of ``obj``, of ``dtype``
    when given.

    ``copy=True`` copies concrete data (later changes to ``obj`` do not reach
    the graph); ``copy=False`` never copies, and raises ``ValueError`` where
    numpy would have to (a list, another dtype); ``None`` copies only when
    needed.  A lazy ``obj`` of that dtype is returned as is (lazy arrays are
    immutable: a copy and a view are the same).  ``device`` may be None or
    ``"cpu"``.

    >>> import lazyray
    >>> str(lazyray.asarray([1, 2], dtype="float32").dtype)
    'float32'
    >>> lazyray.asarray(lazyray.Variable((2,)), dtype="int32", copy=False)
    Traceback (most recent call last):
    ...
    ValueError: asarray: copy=False, but a cast from float64 to int32 needs a copy
    """
    check_device("asarray", device)
    if copy is not None and type(copy) is not bool:
        if not isinstance(copy, np.bool_):
            raise TypeError(f"asarray: copy must be None, True or False, got {copy!r:.40}")
        copy = bool(copy)
    name = None if dtype is None else supported_dtype("asarray", dtype)
    if isinstance(obj, LazyArray) or (isinstance(obj, (list, tuple)) and _holds_lazy(obj)):
        return _cast(array(obj), name, copy)
    backend = autoray.infer_backend(obj)
    if backend in ("numpy", "builtins") or isinstance(obj, (list, tuple)):
        if name is None and copy is None:
            return array(obj)
        dt = None if name is None else dtype_object(name)
        try:
            data = np.asarray(obj, dtype=dt, copy=copy)
        except ValueError as e:
            if copy is False:
                raise ValueError(f"asarray: copy=False, but {e}") from None
            raise
        return LazyArray.from_data(data)
    # another backend's array (torch, jax, ...): stays on that backend
    if copy:
        obj = autoray.do("copy", obj)
    return _cast(array(obj), name, copy)


def _cast(lx: LazyArray, name, copy) -> LazyArray:
    """``lx`` cast to dtype ``name`` (None: as is); a cast is a copy."""
    if name is None or name == lx._dtype:
        return lx
    if copy is False:
        raise ValueError(f"asarray: copy=False, but a cast from {lx._dtype} to {name} needs a copy")
    return astype(lx, name)
