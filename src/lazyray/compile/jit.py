""":func:`jit`: trace a function once per call signature, compile, cache
(a bounded, thread-safe LRU cache) and call; :func:`lazyray.autojit`
(:mod:`lazyray.compile.autojit`) has the call signature of ``autoray.autojit``.
"""

from __future__ import annotations

import functools
import threading
import types
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, NamedTuple

from ..graph.node import LazyArray
from .jit_keys import (
    _TREE,
    _describe,
    _Inline,
    _is_array,
    _map_arrays,
    _static_key,
    _static_sets,
    _variable,
    _walk,
)
from .tape import paused_gc

__all__ = ["jit", "JitFunction", "CacheInfo", "Traced"]

_COMPILERS = (None, "jax", "torch")


class CacheInfo(NamedTuple):
    """Statistics of a jitted function's cache (as ``functools.lru_cache``)."""

    hits: int
    misses: int
    maxsize: int | None
    currsize: int


class Traced(NamedTuple):
    """A function traced on Variables: the flat inputs and the output pytree."""

    inputs: list
    outputs: Any


class JitFunction:
    """A function traced and compiled once per signature of its arguments.

    Made by :func:`jit`; see there.  Besides being called, it can be
    inspected: :meth:`lower`, :meth:`trace`, :meth:`summary`,
    :meth:`get_source`, :meth:`cache_info`, :attr:`signatures`.

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> f = lazyray.jit(lambda x: x * 2)
    >>> f(np.ones(2)), f
    (array([2., 2.]), <lazyray.jit of <lambda>, 1 signature(s)>)
    """

    def __init__(
        self,
        fn: Callable,
        *,
        static_argnums=(),
        static_argnames=(),
        backend: str | None = None,
        compile: str | None = None,  # noqa: A002
        optimize=True,
        cache_size: int | None = 128,
        compile_options: dict | None = None,
    ):
        if not callable(fn):
            raise TypeError(f"lazyray.jit needs a callable, got {type(fn).__name__}")
        if compile not in _COMPILERS:
            raise ValueError(f"compile must be one of {_COMPILERS}, got {compile!r}")
        if cache_size is not None and cache_size < 1:
            raise ValueError(f"cache_size must be at least 1 or None, got {cache_size!r}")
        functools.update_wrapper(self, fn)
        self._fun = fn
        self._name = getattr(fn, "__name__", type(fn).__name__)
        self._nums, self._names = _static_sets(fn, static_argnums, static_argnames)
        self._neg = any(i < 0 for i in self._nums)
        self._plain = not self._nums and not self._names
        self._backend = backend
        self._compile = compile
        self._compile_options = dict(compile_options or {})
        self._optimize = optimize
        self._maxsize = cache_size
        self._cache: OrderedDict = OrderedDict()
        self._described: dict = {}
        self._pending: dict = {}
        self._lock = threading.Lock()
        self._hits = self._misses = 0

    # -------------------------------------------------------------- calling

    def __call__(self, *args, **kwargs):
        if self._plain and not kwargs:
            # fast path: every argument an array, the key their (type, shape, dtype)
            try:
                key = tuple([(type(a), a.shape, a.dtype) for a in args])
                entry = self._cache.get(key)
            except (AttributeError, TypeError):
                entry = None
            if entry is not None:
                self._hits += 1
                try:
                    self._cache.move_to_end(key)
                except KeyError:  # evicted by another thread meanwhile
                    pass
                return entry(*args)
        try:
            key, leaves = self._signature(args, kwargs)
        except _Inline:  # called on lazy arrays (from inside a trace): trace through
            return self._fun(*args, **kwargs)
        return self._entry(key, leaves, args, kwargs)(*leaves)

    def __get__(self, obj, objtype=None):
        # decorating a method: ``self`` becomes a static (hashable) argument
        return self if obj is None else types.MethodType(self, obj)

    def _signature(self, args, kwargs):
        """The cache key of a call and its array leaves, in order."""
        if self._plain and not kwargs and all(map(_is_array, args)):
            if any(isinstance(a, LazyArray) for a in args):
                raise _Inline
            return tuple([(type(a), a.shape, a.dtype) for a in args]), list(args)
        nums = self._static_nums(len(args))
        parts: list = [_TREE]
        leaves: list = []
        for i, a in enumerate(args):
            if i in nums:
                parts.append(("static", _static_key(a, f"static argument {i}")))
            else:
                _walk(a, f"argument {i}", parts, leaves)
        for name in sorted(kwargs):
            v = kwargs[name]
            if name in self._names:
                parts.append((name, "static", _static_key(v, f"static argument {name!r}")))
            else:
                parts.append(name)
                _walk(v, f"argument {name!r}", parts, leaves)
        return tuple(parts), leaves

    def _concrete(self, method: str, args, kwargs):
        """:meth:`_signature` of a call of ``method`` (not on lazy arrays)."""
        try:
            return self._signature(args, kwargs)
        except _Inline:
            raise TypeError(f"{method}() needs concrete arrays, not lazy ones") from None

    def _static_nums(self, n: int) -> set:
        """The positions of the static arguments of a call of ``n`` arguments."""
        return {i + n if i < 0 else i for i in self._nums} if self._neg else self._nums

    def _entry(self, key, leaves, args, kwargs):
        """The compiled function of ``key``: from the cache, or built once
        (other threads missing the same key meanwhile wait for it)."""
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None:
                self._hits += 1
                self._cache.move_to_end(key)
                return entry
            pending = self._pending.get(key)
            if pending is None:
                self._misses += 1
                fut: Future = Future()
                self._pending[key] = (fut, threading.get_ident())
            elif pending[1] == threading.get_ident():
                raise RuntimeError(
                    f"lazyray.jit: {self._name} called itself with concrete arrays of "
                    "the signature it is tracing"
                )
        if pending is not None:
            return pending[0].result()
        try:
            entry = self._build(leaves, args, kwargs)
        except BaseException as e:
            with self._lock:
                del self._pending[key]
            fut.set_exception(e)
            raise
        with self._lock:
            self._cache[key] = entry
            self._described[key] = self._describe_call(args, kwargs)
            if self._maxsize is not None:
                while len(self._cache) > self._maxsize:
                    old, _ = self._cache.popitem(last=False)
                    self._described.pop(old, None)
            del self._pending[key]
        fut.set_result(entry)
        return entry

    # ------------------------------------------------------------- building

    def _trace(self, leaves, args, kwargs) -> Traced:
        variables = [_variable(x) for x in leaves]
        it = iter(variables)
        nums = self._static_nums(len(args))

        def put(_):
            return next(it)

        targs = [a if i in nums else _map_arrays(a, put) for i, a in enumerate(args)]
        tkwargs = {k: v if k in self._names else _map_arrays(v, put) for k, v in kwargs.items()}
        try:
            with paused_gc():  # tracing makes many acyclic objects
                outputs = self._fun(*targs, **tkwargs)
        except TypeError as e:
            msg = str(e)
            lazy = "LazyArray" in msg or "Variable" in msg or "trace time" in msg
            if lazy and hasattr(e, "add_note"):
                e.add_note(
                    "(lazyray.jit traces the function on lazy Variables in place of its array "
                    "arguments, so their values are unknown: mark an argument whose value "
                    "decides control flow as static (static_argnums / static_argnames), or "
                    "use lazyray.where)"
                )
            raise
        return Traced(variables, outputs)

    def _build(self, leaves, args, kwargs):
        from .function import Function

        traced = self._trace(leaves, args, kwargs)
        function = Function(
            traced.inputs, traced.outputs, backend=self._backend, optimize=self._optimize
        )
        if self._compile is None:
            return function
        from .compilers import compile_function

        return compile_function(function, self._compile, options=self._compile_options)

    def _describe_call(self, args, kwargs) -> str:
        parts = [_describe(a) for a in args]
        parts += [f"{k}={_describe(v)}" for k, v in kwargs.items()]
        return f"{self._name}({', '.join(parts)})"

    # ----------------------------------------------------------- inspection

    def lower(self, *args, **kwargs):
        """The compiled function for these arguments (built and cached if
        needed, not called).

        Returns
        -------
        Function or CompiledFunction
            Called with the flat array leaves of the arguments, in order.

        Examples
        --------
        >>> import lazyray, numpy as np
        >>> f = lazyray.jit(lambda x: lazyray.tanh(x) * 2)
        >>> f.lower(np.ones(3))
        <Function(1 input(s)) -> 1 output(s), 2 op(s), backend='numpy'>
        """
        return self._entry(*self._concrete("lower", args, kwargs), args, kwargs)

    def trace(self, *args, **kwargs) -> Traced:
        """Trace the function on Variables shaped like these arguments
        (not cached): the Variables (flat, in order) and the output graph.

        Examples
        --------
        >>> import lazyray, numpy as np
        >>> f = lazyray.jit(lambda x: lazyray.tanh(x) * 2)
        >>> t = f.trace(np.ones((2, 3), dtype="float32"))
        >>> t.outputs.shape, t.outputs.dtype, t.inputs[0].fn_name
        ((2, 3), dtype('float32'), 'variable')
        """
        return self._trace(self._concrete("trace", args, kwargs)[1], args, kwargs)

    def summary(self, *args, **kwargs):
        """``lazyray.summary`` of the graph traced for these arguments.

        Examples
        --------
        >>> import lazyray, numpy as np
        >>> f = lazyray.jit(lambda x: (x @ x).sum())
        >>> f.summary(np.ones((10, 10))).num_nodes
        3
        """
        from ..inspect.summary import summary

        return summary(self.trace(*args, **kwargs).outputs)

    def get_source(self, *args, **kwargs) -> str:
        """The source of the compiled (optimized) function for these arguments.

        Examples
        --------
        >>> import lazyray, numpy as np
        >>> f = lazyray.jit(lambda x: lazyray.sin(x) + 1)
        >>> print(f.get_source(np.ones(2)))
        def graph(x0):
            sin_1 = sin(x0)
            del x0
            add_2 = add(sin_1, 1)
            del sin_1
            return add_2
        """
        return self.lower(*args, **kwargs).get_source()

    @property
    def signatures(self) -> list[str]:
        """The calls compiled and cached, least recently used first."""
        with self._lock:
            return [self._described[k] for k in self._cache]

    def cache_info(self) -> CacheInfo:
        """Hits, misses, maximum and current size of the cache."""
        with self._lock:
            return CacheInfo(self._hits, self._misses, self._maxsize, len(self._cache))

    def cache_clear(self) -> None:
        """Empty the cache and reset its statistics."""
        with self._lock:
            self._cache.clear()
            self._described.clear()
            self._hits = self._misses = 0

    def __repr__(self) -> str:
        extra = f", compile={self._compile!r}" if self._compile else ""
        return f"<lazyray.jit of {self._name}{extra}, {len(self._cache)} signature(s)>"


def jit(
    fn: Callable | None = None,
    *,
    static_argnums: int | tuple = (),
    static_argnames: str | tuple = (),
    backend: str | None = None,
    compile: str | None = None,  # noqa: A002
    optimize=True,
    cache_size: int | None = 128,
    compile_options: dict | None = None,
) -> JitFunction | Callable[[Callable], JitFunction]:
    """Trace ``fn`` once per signature of its arguments, compile it, and call it.

    Usable as ``@jit`` and ``@jit(...)``.  At each call the shapes, dtypes and
    types (hence backends) of the array arguments are read; the first time
    a signature is seen, ``fn`` is traced on :func:`~lazyray.Variable` s in
    their place and the graph compiled into a :class:`~lazyray.Function`;
    later calls with the same signature only run that function.

    Parameters
    ----------
    fn : callable
        A function of arrays, written with ``autoray.do`` or lazyray's
        namespace.  Arguments are any pytree (tuples, lists, dicts,
        namedtuples) of arrays and other values; the result is any pytree.
    static_argnums, static_argnames : int, str or tuple of them
        Arguments (by position or name) passed to ``fn`` as they are, and part
        of the cache key (a new value retraces); they must be hashable.
        Each implies the other where ``fn``'s signature tells (as ``jax.jit``).
    backend : str, optional
        Resolve the graph's ops for this backend (see ``Function``); by
        default the backend of the arguments.
    compile : {None, "jax", "torch"}
        None: run the tape (on any backend).  ``"jax"``: hand the graph to
        ``jax.jit`` (XLA fuses it; the results are jax arrays).  ``"torch"``:
        to ``torch.compile`` (the results are torch tensors); where it cannot
        run, the first call warns and the tape is used.  See
        :func:`lazyray.compile.compilers.compile_function`.
    optimize : bool or sequence of str or dict, optional
        The ``optimize`` argument of ``Function``.
    cache_size : int or None, optional
        How many signatures to keep (least recently used dropped first);
        None: no bound.
    compile_options : dict, optional
        Keyword arguments of ``jax.jit`` / ``torch.compile``.

    Returns
    -------
    JitFunction
        Wraps ``fn`` (``functools.wraps``).  Inspect it with
        ``.lower(*args)`` (the compiled ``Function``), ``.trace(*args)``
        (the graph), ``.summary(*args)``, ``.get_source(*args)``,
        ``.signatures``, ``.cache_info()`` and ``.cache_clear()``.

    Notes
    -----
    * An argument is an array if it has ``shape`` and ``dtype`` (numpy
      scalars included); it is traced.  Every other leaf is static:
      **Python scalars are static** (unlike ``jax.jit``, which traces them):
      ``f(x, 0.5)`` and ``f(x, 0.25)`` are two signatures.  Pass a 0-d
      array to trace a scalar instead.  Static values are keyed by type and
      value (``1``, ``1.0`` and ``True`` differ).
    * The signature does not include the device of an array.
    * Array values are unknown while tracing: Python control flow on them
      raises ``TypeError``; make those arguments static.
    * Called on lazy arrays (e.g. from inside another traced function), the
      function is simply traced through.
    * Thread-safe: threads may call it at once; two threads that miss the same
      signature together build it once.  Cache hits are counted without a
      lock, so under heavy threading ``cache_info().hits`` is approximate.

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> @lazyray.jit
    ... def f(x, y):
    ...     return {"s": lazyray.tanh(x @ y).sum(), "y": y}
    >>> out = f(np.ones((2, 3)), np.ones((3, 2)))
    >>> round(float(out["s"]), 2), f.cache_info().misses
    (3.98, 1)
    >>> _ = f(np.zeros((2, 3)), np.zeros((3, 2)))  # same signature: a hit
    >>> f.cache_info()
    CacheInfo(hits=1, misses=1, maxsize=128, currsize=1)
    >>> f.signatures
    ['f(numpy:float64[2,3], numpy:float64[3,2])']

    Static arguments:

    >>> @lazyray.jit(static_argnames="n")
    ... def power(x, n):
    ...     for _ in range(n - 1):
    ...         x = x * x
    ...     return x
    >>> power(np.full(2, 2.0), n=3)
    array([16., 16.])
    """
    kws = dict(
        static_argnums=static_argnums,
        static_argnames=static_argnames,
        backend=backend,
        compile=compile,
        optimize=optimize,
        cache_size=cache_size,
        compile_options=compile_options,
    )
    if fn is None:
        return functools.partial(jit, **kws)
    return JitFunction(fn, **kws)
