"""Creation ops: zeros, ones, empty, full, eye, identity, arange, linspace and
the ``*_like`` forms.

They are nodes without dependencies, computed when first needed (and folded
by constant folding).  The backend is ``numpy`` unless given with
``backend=`` (or ``like=``, an array or backend name).
"""

from __future__ import annotations

import math

from . import dtypes
from .common import LazyArray, make
from .registry import CREATION, register
from .shapes import as_index, check_shape

for _n in ("zeros", "ones", "empty", "full", "eye", "arange", "linspace"):
    # dtypes stay names in the graph; torch gets its dtype objects at call time
    register(_n, CREATION, impl=dtypes.backend_dtype_impl(_n), impl_is_factory=True)


def _backend(like, backend):
    if backend is not None:
        return backend
    if like is None:
        return "numpy"
    if isinstance(like, str):
        return like
    if type(like) is LazyArray:
        return like._backend
    import autoray

    return autoray.infer_backend(like)


def _dtype(dtype, backend, keys=()):
    """The dtype a creation op gives on ``backend``: the one asked for, else
    ``keys``' (fill values) or the backend's default float; jax without x64
    gives 32-bit types whatever is asked."""
    if dtype is not None:
        name = dtypes.dtype_name(dtype)
        return dtypes.finalize(backend, name, (name,)) if backend in ("jax", "jaxlib") else name
    if keys:
        return dtypes.finalize(backend, dtypes.result_type(*keys), keys)
    return dtypes.default_float(backend)


def _filled(op, shape, dtype, like, backend, **extra):
    shape = check_shape(op, shape)
    backend = _backend(like, backend)
    dtype = _dtype(dtype, backend)
    return make(op, (shape,), {**extra, "dtype": dtype}, shape, dtype, (), backend)


def zeros(shape, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """An array of zeros.

    >>> import lazyray
    >>> z = lazyray.zeros((2, 3), dtype="int32")
    >>> z.shape, z.dtype, z.compute().sum()
    ((2, 3), 'int32', np.int64(0))
    """
    return _filled("zeros", shape, dtype, like, backend)


def ones(shape, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """An array of ones."""
    return _filled("ones", shape, dtype, like, backend)


def empty(shape, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """An uninitialized array."""
    return _filled("empty", shape, dtype, like, backend)


def full(shape, fill_value, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """An array filled with ``fill_value`` (dtype inferred from it if not given).

    >>> import lazyray
    >>> lazyray.full((2,), 3).dtype
    'int64'
    """
    shape = check_shape("full", shape)
    backend = _backend(like, backend)
    dtype = _dtype(dtype, backend, (dtypes.operand_key(fill_value),))
    dtypes.check_weak_int("full", fill_value, dtype)
    return make("full", (shape, fill_value), {"dtype": dtype}, shape, dtype, (), backend)


def eye(
    N,
    M=None,
    k=0,
    dtype=None,
    like=None,
    backend=None,  # noqa: N803
    device=None,
) -> LazyArray:
    """A 2-d array with ones on the ``k``-th diagonal.

    >>> import lazyray
    >>> lazyray.eye(3, M=5).shape
    (3, 5)
    """
    n = as_index("eye", N, "N")
    m = n if M is None else as_index("eye", M, "M")
    shape = check_shape("eye", (n, m))
    backend = _backend(like, backend)
    dtype = _dtype(dtype, backend)
    kwargs = {
        "M": m if M is not None else None,
        "k": as_index("eye", k, "k") or None,
        "dtype": dtype,
    }
    return make("eye", (n,), kwargs, shape, dtype, (), backend)


def identity(n, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """The ``n x n`` identity (recorded as ``eye``)."""
    return eye(n, dtype=dtype, like=like, backend=backend)


def arange(start, stop=None, step=1, dtype=None, like=None, backend=None, device=None) -> LazyArray:
    """Evenly spaced values in ``[start, stop)``.

    >>> import lazyray
    >>> lazyray.arange(1, 10, 3).compute().tolist()
    [1, 4, 7]
    """
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be zero")
    n = max(0, math.ceil((stop - start) / step))
    backend = _backend(like, backend)
    dtype = _dtype(dtype, backend, tuple(dtypes.operand_key(v) for v in (start, stop, step)))
    return make("arange", (start, stop, step), {"dtype": dtype}, (n,), dtype, (), backend)


def linspace(
    start, stop, num=50, endpoint=True, dtype=None, like=None, backend=None, device=None
) -> LazyArray:
    """``num`` evenly spaced values from ``start`` to ``stop``."""
    num = as_index("linspace", num, "num")
    if num < 0:
        raise ValueError(f"linspace: number of samples {num} must be non-negative")
    backend = _backend(like, backend)
    dtype = _dtype(dtype, backend)
    return make(
        "linspace",
        (start, stop, num),
        {"endpoint": None if endpoint else False, "dtype": dtype},
        (num,),
        dtype,
        (),
        backend,
    )


def _like(fn):
    def like_fn(x, dtype=None, **kwargs):
        shape = x.shape
        d = dtypes.dtype_name(dtype) if dtype is not None else dtypes.operand_key(x)
        return fn(shape, **kwargs, dtype=d, like=x)

    like_fn.__name__ = fn.__name__ + "_like"
    like_fn.__doc__ = f"Like :func:`{fn.__name__}`, with the shape and dtype of ``x``."
    return like_fn


zeros_like = _like(zeros)
ones_like = _like(ones)
empty_like = _like(empty)


def full_like(x, fill_value, dtype=None, **kwargs) -> LazyArray:
    """Like :func:`full`, with the shape (and dtype) of ``x``."""
    d = dtypes.dtype_name(dtype) if dtype is not None else dtypes.operand_key(x)
    return full(x.shape, fill_value, dtype=d, like=x, **kwargs)
