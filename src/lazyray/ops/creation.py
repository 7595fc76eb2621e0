"""Creation ops: zeros, ones, empty, full, eye, identity, arange, linspace and
the ``*_like`` forms.

They are nodes without dependencies, computed when first needed (and folded
by constant folding).  The backend is ``numpy`` unless given with
``backend=`` (or ``like=``, an array or backend name).
"""

from __future__ import annotations

import math
import warnings

import autoray
import numpy as np

from ..graph import dtypes
from ..graph.node import supported_dtype
from ..graph.registry import CREATION, register
from ..graph.shapes import as_index, broadcast_shapes, check_shape, normalize_axis
from .common import (
    LazyArray,
    array_result_type,
    backend_of,
    constant,
    info,
    make,
    multi_output,
    numpy_decides,
)
from .portable import NUMPY_LIKE
from .portable_torch import register_typed

__all__ = """arange empty empty_like eye full full_like identity indices linspace ones ones_like
    zeros zeros_like""".split()

for _n in ("zeros", "ones", "empty", "full", "eye", "arange", "linspace"):
    # dtypes stay names in the graph; torch gets its dtype objects at call time
    register_typed(_n, CREATION, dtypes.backend_dtype_impl(_n), probe=None)


def _backend(like, backend):
    if backend is not None:
        return backend
    if like is None:
        return "numpy"
    if isinstance(like, str):
        return like
    if type(like) is LazyArray:
        return like._backend
    return autoray.infer_backend(like)


def _dtype(dtype, backend, fill=(), op="creation"):
    """The dtype a creation op gives on ``backend``: the one asked for, else
    that of numpy's array of the ``fill`` values (``np.full(2, 2**63)`` is
    ``uint64``), else the backend's default float; jax without x64 gives
    32-bit types whatever is asked."""
    if dtype is not None:
        name = supported_dtype(op, dtype)
        return dtypes.finalize(backend, name, (name,)) if backend in ("jax", "jaxlib") else name
    if fill:
        for v in fill:
            if type(v) not in dtypes.WEAK_TYPES and hasattr(v, "dtype"):
                supported_dtype(op, v.dtype)  # np.str_, np.datetime64...
        keys = tuple(dtypes.operand_key(v) for v in fill)
        return array_result_type("full", backend, fill, keys)
    return dtypes.default_float(backend)


def is_cpu(device) -> bool:
    """Whether ``device`` is None, ``"cpu"`` or a backend's cpu device
    (torch's ``device("cpu")``, a jax cpu device...).

    >>> is_cpu("cpu"), is_cpu(None), is_cpu("cuda:0")
    (True, True, False)
    """
    if device is None or device == "cpu" or getattr(device, "type", None) == "cpu":
        return True
    return getattr(device, "platform", None) == "cpu" or str(device) == "cpu"  # jax, others


def check_device(op: str, device, like=None) -> None:
    """Accept ``device`` None, ``"cpu"`` (or a backend's cpu device) or the
    ``device`` of ``like``; anything else is a ``ValueError`` naming ``op``.

    >>> check_device("zeros", "cpu")
    >>> check_device("zeros", "cuda:0")
    Traceback (most recent call last):
    ...
    ValueError: zeros: unsupported device 'cuda:0'; lazy arrays live on 'cpu'
    """
    if is_cpu(device):
        return
    if like is not None and not isinstance(like, str):
        try:
            if device == like.device:
                return
        except Exception:  # noqa: BLE001 - an array without .device, or a lazy ==
            pass
    raise ValueError(f"{op}: unsupported device {device!r}; lazy arrays live on 'cpu'")


def _filled(op, shape, dtype, like, backend, device=None, fill=(), args=None, **extra):
    """The node of creation op ``op`` of ``shape``, its arguments ``args``
    (default: the shape and the ``fill`` values) and keywords ``extra``."""
    check_device(op, device, like)
    shape = check_shape(op, shape)
    backend = _backend(like, backend)
    dtype = _dtype(dtype, backend, fill, op)
    for v in fill:
        dtypes.check_weak_int(op, v, dtype)
    args = (shape, *fill) if args is None else args
    return make(op, args, {**extra, "dtype": dtype}, shape, dtype, (), backend)


def zeros(shape, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """An array of zeros.

    >>> import lazyray
    >>> z = lazyray.zeros((2, 3), dtype="int32")
    >>> z.shape, str(z.dtype), z.compute().sum()
    ((2, 3), 'int32', np.int64(0))
    """
    return _filled("zeros", shape, dtype, like, backend, device)


def ones(shape, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """An array of ones."""
    return _filled("ones", shape, dtype, like, backend, device)


def empty(shape, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """An uninitialized array."""
    return _filled("empty", shape, dtype, like, backend, device)


def full(shape, fill_value, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """An array filled with ``fill_value`` (dtype inferred from it if not given).

    >>> import lazyray
    >>> str(lazyray.full((2,), 3).dtype)
    'int64'
    """
    if type(fill_value) is int and not -(2**63) <= fill_value < 2**64:  # (numpy's own checks)
        numpy_decides("full", np.full, (), fill_value, dtype=dtype)
    return _filled("full", shape, dtype, like, backend, device, (fill_value,))


def eye(N, M=None, k=0, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """A 2-d array with ones on the ``k``-th diagonal.

    >>> import lazyray
    >>> lazyray.eye(3, M=5).shape
    (3, 5)
    """
    n = as_index("eye", N, "N")
    m = n if M is None else as_index("eye", M, "M")
    k = as_index("eye", k, "k") or None
    return _filled(
        "eye", (n, m), dtype, like, backend, device, args=(n,), M=None if M is None else m, k=k
    )


def identity(n, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """The ``n x n`` identity (recorded as ``eye``)."""
    return eye(n, dtype=dtype, like=like, backend=backend, device=device)


def arange(
    start, stop=None, step=None, dtype=None, like=None, backend=None, device=None
) -> LazyArray:
    """Evenly spaced values in ``[start, stop)``, with numpy's length and dtype.

    The length is numpy's ``ceil((stop - start) / step)``, computed as numpy
    does on the given objects (see :func:`arange_length`); the dtype is at
    least ``int64``, promoted with each argument's array dtype (see
    :func:`arange_dtype`): ``arange(np.int8(5))`` is ``int64``,
    ``arange(0, 1, np.float32(0.1))`` is ``float64``.

    >>> import lazyray
    >>> lazyray.arange(1, 10, 3).compute().tolist()
    [1, 4, 7]
    >>> str(lazyray.arange(2**62, 2**63 + 5, 2**60).dtype)
    'float64'
    """
    op = "arange"
    check_device(op, device, like)
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    for v in (start, stop, step):
        if type(v) is LazyArray:
            raise TypeError(
                f"arange: the length would depend on the values of a lazy array; "
                f"give Python or numpy scalars (got a lazy {v.dtype} array of shape {v.shape})"
            )
    backend = _backend(like, backend)
    # numpy's rule ignores the implicit start 0 and step 1: both are int64 anyway
    name = arange_dtype(start, stop, step) if dtype is None else supported_dtype(op, dtype)
    n = arange_length(start, stop, step, dtypes.is_complex(name))
    if name not in dtypes._KNOWN:
        raise TypeError(f"arange: unsupported dtype {name}")
    if name == "bool" and n > 2:
        raise TypeError(f"arange: booleans only for a length of at most 2 (got length {n})")
    if n:
        _check_first_values(start, step, n, name)
    if dtype is None:
        keys = tuple(dtypes.operand_key(v) for v in (start, stop, step))
        name = dtypes.finalize(backend, name, keys)
    else:
        name = _dtype(name, backend, op=op)
    return make(op, (start, stop, step), {"dtype": name}, (n,), name, (), backend)


def arange_dtype(*values) -> str:
    """numpy's ``arange`` dtype for the given ``start``/``stop``/``step``: at
    least ``int64`` (intp), promoted with the dtype ``np.asarray`` gives each
    value (Python scalars are strong here: ``2**63`` is ``uint64``).

    >>> arange_dtype(np.int8(5)), arange_dtype(0, 1, np.float32(0.1)), arange_dtype(0, 2**63)
    ('int64', 'float64', 'float64')
    """
    dt = np.dtype(np.intp)
    for v in values:
        try:
            dt = np.promote_types(dt, np.asarray(v).dtype)
        except TypeError:
            raise TypeError(f"arange: unsupported argument {v!r:.40}") from None
    if dt.kind not in "biufcO":  # numpy: no fill function for strings, voids...
        raise TypeError(f"arange: not supported for arguments of dtype {dt}")
    return dt.name


def arange_length(start, stop, step, cmplx: bool = False) -> int:
    """The length of ``np.arange(start, stop, step)``, computed as numpy
    computes it (``_calc_length`` in numpy's ``ctors.c``): ``ceil((stop -
    start) / step)`` with the objects' own arithmetic (numpy scalars wrap as
    numpy's do), the smaller of the real and imaginary parts' for a complex
    result, and 0 or 1 when the quotient underflows to zero.

    >>> arange_length(1, 1.3, 0.1), arange_length(np.int8(-100), np.int8(100), 1)
    (4, 0)
    """
    op = "arange"
    for v in (start, stop, step):
        if getattr(v, "ndim", 0):
            raise TypeError(f"{op}: scalar arguments expected, got an array of shape {v.shape}")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            n = _calc_length(start, stop, step, cmplx)
        except ZeroDivisionError:
            raise ValueError(f"{op}: step must not be zero") from None
        except OverflowError as e:  # numpy's message for any overflow here
            raise ValueError(f"{op}: maximum allowed size exceeded ({e})") from None
        except TypeError as e:
            raise TypeError(f"{op}: {e}") from None
    return max(n, 0)


def _check_first_values(start, step, n, name):
    """numpy's arange writes ``start`` and ``start + step`` into the result
    with the dtype's item setter (the rest it extrapolates): raise its errors.

    The setter of an integer dtype takes any non-array value through a Python
    int, which must fit (``arange(np.float64(-1), 5, dtype="uint8")`` is an
    ``OverflowError``); the others convert as an item assignment does.
    """
    try:
        buf = np.empty(1, name)
    except TypeError:  # pragma: no cover - a dtype numpy lacks (bfloat16)
        return
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for v in (start, start + step)[: min(n, 2)]:
            try:
                if dtypes.is_integer(name) and not isinstance(v, np.ndarray):
                    dtypes.check_weak_int("arange", int(v), name)
                else:
                    buf[0] = v
            except (TypeError, ValueError, OverflowError) as e:
                raise type(e)(f"arange: cannot write {v!r:.40} as {name}: {e}") from None


def _calc_length(start, stop, step, cmplx):
    delta = stop - start
    nonzero = bool(delta != 0)
    val = delta / step
    if cmplx and isinstance(val, complex):
        return min(_ceil_length(val.real), _ceil_length(val.imag))
    value = float(val)
    if bool(val == 0) and nonzero:  # underflow, or a division by inf
        n = 0 if math.copysign(1.0, value) < 0 else 1
    else:
        n = _ceil_length(value)
    if n > 0:
        start + step  # numpy computes the second value here: its errors are length errors
    return n


_MAX_LENGTH = float(2**63)  # numpy's (double)NPY_MAX_INTP, rounded up


def _ceil_length(value: float) -> int:
    if math.isnan(value):
        raise ValueError("arange: cannot compute length")
    c = math.ceil(value) if math.isfinite(value) else value
    if not -_MAX_LENGTH <= c <= _MAX_LENGTH:
        raise OverflowError(f"length {value}")
    # numpy's C cast of exactly 2.0**63 to intp overflows to a negative length
    return int(c) if c < _MAX_LENGTH else 0


def linspace(
    start,
    stop,
    num=50,
    endpoint=True,
    retstep=False,
    dtype=None,
    axis=0,
    like=None,
    backend=None,
    device=None,
):
    """``num`` evenly spaced values from ``start`` to ``stop``, as numpy's.

    ``start`` and ``stop`` may be scalars or (lazy) arrays, broadcast
    together; the samples run along a new axis ``axis`` of the result.  The
    dtype is numpy's: inexact, from the endpoints (Python scalars weak), or
    ``dtype``.  With ``retstep``, returns ``(samples, step)``, ``step`` a
    lazy array too.

    >>> import lazyray, numpy as np
    >>> lazyray.linspace(np.zeros(2), 1, 5).shape
    (5, 2)
    >>> lazyray.linspace(0, np.ones((2, 1)), 3, axis=-1).shape
    (2, 1, 3)
    """
    op = "linspace"
    check_device(op, device, like)
    num = as_index(op, num, "num")
    if num < 0:
        raise ValueError(f"{op}: number of samples {num} must be non-negative")
    lazies = [x for x in (start, stop) if type(x) is LazyArray]
    if lazies and like is None and backend is None:
        backend = backend_of(op, lazies)
    else:
        backend = _backend(like, backend)
    ends = tuple(
        x if type(x) is LazyArray or type(x) in dtypes.WEAK_TYPES else constant(op, x, backend)
        for x in (start, stop)
    )
    if any(type(x) is int and not -(2**63) <= x < 2**64 for x in (start, stop)):
        numpy_decides(op, np.linspace, start, stop, 2, endpoint=endpoint, dtype=dtype)
    (sa, ka), (sb, kb) = info(ends[0]), info(ends[1])
    bshape = broadcast_shapes(op, sa, sb)
    ax = normalize_axis(op, axis, len(bshape) + 1)
    shape = bshape[:ax] + (num,) + bshape[ax:]
    keys = (ka, kb)
    try:  # numpy's rule, from numpy itself: inexact, Python scalars weak
        dt = dtypes.probe(np.linspace, keys, (("num", 2),))
        asked = None if dtype is None else (("dtype", supported_dtype(op, dtype)),)
        name = dt if asked is None else dtypes.probe(np.linspace, keys, asked)
    except TypeError as e:
        raise TypeError(f"{op}: unsupported endpoints of dtypes {keys}: {e}") from None
    name = dtypes.finalize(backend, name, keys) if dtype is None else _dtype(name, backend, op=op)
    kwargs = {
        "endpoint": None if endpoint else False,
        "retstep": True if retstep else None,
        "dtype": name,
        "axis": ax or None,
    }
    if not retstep:
        return make(op, (*ends, num), kwargs, shape, name, backend=backend)
    # numpy's step: (stop - start) / div in the endpoints' inexact dtype, or nan
    div = num - 1 if endpoint else num
    step = (bshape, dtypes.finalize(backend, dt, keys)) if div > 0 else ((), "float64")
    shapes, names = [shape, step[0]], [name, step[1]]
    return multi_output(op, (*ends, num), kwargs, shapes, names, backend=backend)


def _indices_impl(backend):
    """``indices`` on ``backend``: its own function where it has one
    (numpy, JAX, CuPy, dask), else numpy's definition from the backend's
    ``arange``, ``reshape``, ``broadcast_to`` and ``stack`` (autoray's torch
    ``indices`` is a tuple from ``meshgrid``, without ``dtype``)."""
    if backend in NUMPY_LIKE:
        return dtypes.backend_dtype_impl("indices")(backend)

    def lib(name):
        return autoray.get_lib_fn(backend, name)

    def indices(dimensions, dtype="int64"):
        dt = autoray.to_backend_dtype(dtype, like=backend)
        n = len(dimensions)
        if not n:
            return lib("zeros")((0,), dtype=dt)
        grids = [
            lib("broadcast_to")(
                lib("reshape")(lib("arange")(d, dtype=dt), (1,) * i + (d,) + (1,) * (n - i - 1)),
                tuple(dimensions),
            )
            for i, d in enumerate(dimensions)
        ]
        return lib("stack")(grids)

    return indices


register("indices", CREATION, impl=_indices_impl, impl_is_factory=True)


def indices(dimensions, dtype=int, sparse=False, like=None, backend=None, device=None):
    """numpy's ``indices``: the index grid of an array of shape
    ``dimensions``, one row per axis (shape ``(len(dimensions), *dimensions)``),
    or with ``sparse``, a tuple of broadcastable arrays (the ``i``-th of shape
    ``(1, ..., dimensions[i], ..., 1)``).

    >>> import lazyray
    >>> g = lazyray.indices((2, 3))
    >>> g.shape, str(g.dtype), g.compute()[1].tolist()
    ((2, 2, 3), 'int64', [[0, 1, 2], [0, 1, 2]])
    >>> [a.shape for a in lazyray.indices((2, 3), sparse=True)]
    [(2, 1), (1, 3)]
    """
    op = "indices"
    check_device(op, device, like)
    dims = check_shape(op, dimensions)
    backend = _backend(like, backend)
    name = _dtype(dtype, backend, op=op)
    if sparse:
        from .movement import reshape

        n = len(dims)
        return tuple(
            reshape(arange(d, dtype=name, backend=backend), (1,) * i + (d,) + (1,) * (n - i - 1))
            for i, d in enumerate(dims)
        )
    return make(op, (dims,), {"dtype": name}, (len(dims), *dims), name, (), backend)


def _like_args(x, dtype, shape) -> tuple:
    """``(x, shape, dtype)`` of a ``*_like`` call: ``x``'s unless given."""
    if type(x) is not LazyArray and not hasattr(x, "shape"):
        x = np.asarray(x)  # numpy's *_like take lists and scalars
    d = dtype if dtype is not None else dtypes.operand_key(x)
    return x, (x.shape if shape is None else shape), d


def _like(fn):
    def like_fn(
        x, dtype=None, order="K", subok=True, shape=None, *, device=None, **kwargs
    ) -> LazyArray:
        x, shp, d = _like_args(x, dtype, shape)
        return fn(shp, **kwargs, dtype=d, like=x, device=device)

    like_fn.__name__ = like_fn.__qualname__ = fn.__name__ + "_like"
    like_fn.__doc__ = (
        f"Like :func:`{fn.__name__}`, with the shape (or ``shape``) and dtype (or\n"
        f'``dtype``) of ``x``; ``device`` may be None, ``"cpu"`` or ``x.device``.\n\n'
        f">>> import lazyray\n"
        f">>> str(lazyray.{fn.__name__}_like(lazyray.Variable((2, 3), dtype='int8')).dtype)\n"
        f"'int8'\n"
    )
    return like_fn


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)


def full_like(
    x, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None, **kwargs
) -> LazyArray:
    """Like :func:`full`, with the shape (and dtype) of ``x``.

    >>> import lazyray
    >>> str(lazyray.full_like(lazyray.Variable((2,), dtype="int32"), 7).dtype)
    'int32'
    """
    x, shp, d = _like_args(x, dtype, shape)
    return full(shp, fill_value, dtype=d, like=x, device=device, **kwargs)
