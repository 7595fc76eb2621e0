"""The helpers of ``autoray.lazy.core`` that client libraries import (quimb's
``lazy_cache``, ``ensure_lazy``, ``find_lazy``...), each as its namesake on
lazyray's nodes and :func:`~lazyray.shared_intermediates` cache; re-exported
by :mod:`lazyray.core`."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from ..graph.dtypes import real_dtype
from ..graph.node import _ACTIVE, SHARING, LazyArray
from ..graph.sharing import freeze
from ..graph.traverse import find_lazy  # the pytree walk, as autoray's

__all__ = [
    "is_lazy_array",
    "ensure_lazy",
    "find_lazy",
    "to_queue",
    "maybe_materialize",
    "currently_sharing",
    "get_sharing_cache",
    "maybe_id",
    "hash_args_kwargs",
    "lazy_cache",
    "dtype_real_equiv",
    "dtype_complex_equiv",
    "find_common_dtype",
    "find_common_backend",
    "find_broadcast_shape",
]


def is_lazy_array(x) -> bool:
    """Whether ``x`` is a lazy array.

    >>> import lazyray
    >>> is_lazy_array(lazyray.Variable((2,))), is_lazy_array(2.0)
    (True, False)
    """
    return isinstance(x, LazyArray)


def ensure_lazy(array) -> LazyArray:
    """``array`` itself if lazy, else a leaf wrapping it.

    >>> import numpy as np
    >>> ensure_lazy(np.ones(2)).fn_name
    'array'
    """
    return array if isinstance(array, LazyArray) else LazyArray.from_data(array)


def to_queue(lz) -> list:
    """The lazy arrays of the pytree ``lz``, sorted by depth.

    >>> import lazyray
    >>> x = lazyray.Variable((2,))
    >>> [n.depth for n in to_queue([lazyray.sin(x), x])]
    [0, 1]
    """
    return sorted(find_lazy(lz), key=LazyArray.depth.fget)


def maybe_materialize(x):
    """Compute the lazy arrays inside the pytree ``x`` and return it with
    their values.

    >>> import lazyray, numpy as np
    >>> maybe_materialize([lazyray.array(np.ones(2)) * 2, 3])
    [array([2., 2.]), 3]
    """
    from ..execute.compute import compute

    return compute(x)


def currently_sharing() -> bool:
    """Whether this thread is inside :func:`lazyray.shared_intermediates`.

    >>> import lazyray
    >>> with lazyray.shared_intermediates():
    ...     currently_sharing()
    True
    >>> currently_sharing()
    False
    """
    return _ACTIVE[0] > 0 and SHARING._cache is not None


def get_sharing_cache() -> dict | None:
    """The cache of this thread's innermost sharing context (None outside
    of one)."""
    return SHARING._cache if _ACTIVE[0] else None


def maybe_id(x):
    """autoray's key of one argument: arrays by identity, lists as tuples."""
    if hasattr(x, "shape"):
        return id(x)
    return tuple(x) if isinstance(x, list) else x


def hash_args_kwargs(fn_name: str, *args, **kwargs) -> str:
    """autoray's default ``lazy_cache`` key (arrays by identity).

    >>> hash_args_kwargs("f", 1, b=2) == hash_args_kwargs("f", 1, b=2)
    True
    """
    hargs = tuple(map(maybe_id, args))
    hkwargs = tuple(sorted((k, maybe_id(v)) for k, v in kwargs.items())) if kwargs else None
    return f"{fn_name}-{hash((hargs, hkwargs))}"


_LAZY_CACHE = "<lazy_cache>"


def lazy_cache(fn_name: str, hasher: Callable | None = None) -> Callable:
    """Decorator: inside :func:`lazyray.shared_intermediates`, calls with the
    same arguments return the first call's result (as
    ``autoray.lazy.core.lazy_cache``).

    The result is kept in the sharing cache, under an exact key by default
    (lazyray's sharing keys: arrays by identity and kept alive, ``2`` and
    ``2.0`` differ), or under ``hasher(fn_name, *args, **kwargs)`` when given.

    Parameters
    ----------
    fn_name : str
        The name of the function in the cache.
    hasher : callable, optional
        ``hasher(fn_name, *args, **kwargs) -> hashable key``.

    Examples
    --------
    >>> import lazyray
    >>> @lazy_cache("double")
    ... def double(x):
    ...     return x * 2
    >>> x = lazyray.Variable((3,))
    >>> with lazyray.shared_intermediates():
    ...     double(x) is double(x)
    True
    >>> double(x) is double(x)
    False
    """

    def wrapper(fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            cache = SHARING._cache if _ACTIVE[0] else None
            if cache is None:
                return fn(*args, **kwargs)
            if hasher is None:
                keep: list = []
                kw = freeze(kwargs, keep) if kwargs else None
                key = (_LAZY_CACHE, fn_name, freeze(args, keep), kw)
            else:
                keep, key = None, (_LAZY_CACHE, hasher(fn_name, *args, **kwargs))
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = (fn(*args, **kwargs), keep)
            return hit[0]

        return wrapped

    return wrapper


_DTYPES_COMPLEX_EQUIV = {"float64": "complex128", "float32": "complex64"}


def dtype_real_equiv(dtype_name: str) -> str:
    """The real dtype of the same precision.

    >>> dtype_real_equiv("complex64"), dtype_real_equiv("int8")
    ('float32', 'int8')
    """
    return real_dtype(dtype_name)


def dtype_complex_equiv(dtype_name: str) -> str:
    """The complex dtype of the same precision.

    >>> dtype_complex_equiv("float32")
    'complex64'
    """
    return _DTYPES_COMPLEX_EQUIV.get(dtype_name, dtype_name)


def find_common_dtype(*xs) -> str:
    """The dtype numpy gives to an operation on the arrays ``xs``.

    >>> import lazyray
    >>> find_common_dtype(lazyray.Variable((2,), dtype="float32"), lazyray.Variable(()))
    'float64'
    """
    from autoray import get_dtype_name

    return np.result_type(*[get_dtype_name(x) for x in xs]).name


def find_common_backend(*xs) -> str:
    """The backend of the highest autoray multi-dispatch priority among
    ``xs`` (lazy arrays count as their own ``backend``)."""
    from autoray import autoray as _ar

    names = [x._backend if isinstance(x, LazyArray) else _ar.infer_backend(x) for x in xs]
    return max(names, key=lambda n: _ar.multi_class_priorities.get(n, 0))


@functools.lru_cache(1024)
def find_broadcast_shape(xshape: tuple, yshape: tuple) -> tuple:
    """The broadcast shape of two shapes (numpy's rules).

    >>> find_broadcast_shape((3, 1), (4,))
    (3, 4)
    """
    return tuple(int(d) for d in np.broadcast_shapes(tuple(xshape), tuple(yshape)))
