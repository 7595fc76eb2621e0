""":func:`autojit`: :func:`lazyray.jit` behind ``autoray.autojit``'s call signature."""

from __future__ import annotations

import functools
import threading
import types
import warnings
from collections.abc import Callable

from autoray import do, infer_backend, to_numpy

from .jit import JitFunction
from .jit_keys import _Inline, _map_arrays, _walk

#: autoray's compiler names -> lazyray.jit's ``compile``
_AUTORAY_COMPILERS = {"python": None, "jax": "jax", "torch": "torch"}


class AutoJit:
    """``autoray.autojit``'s interface on :func:`jit`; see :func:`autojit`."""

    def __init__(self, fn, backend=None, compiler_opts=None):
        functools.update_wrapper(self, fn)
        self._fun = fn
        self._backend = backend
        self._opts = dict(compiler_opts or {})
        self._jits: dict = {}
        self._lock = threading.Lock()

    def _jit_for(self, compiler):
        j = self._jits.get(compiler)
        if j is None:
            with self._lock:
                j = self._jits.get(compiler)
                if j is None:
                    opts = dict(self._opts.get(compiler or "python", {}))
                    if compiler is not None:  # (else the options of lazyray.jit)
                        opts = {"compile": compiler, "compile_options": opts}
                    j = self._jits[compiler] = JitFunction(self._fun, **opts)
        return j

    def __call__(self, *args, backend=None, **kwargs):
        leaves: list = []
        for a in (*args, *kwargs.values()):
            try:
                _walk(a, "", [], leaves)
            except (_Inline, TypeError):
                pass
            if leaves:
                break
        array_backend = infer_backend(leaves[0]) if leaves else "numpy"
        which = backend or self._backend or array_backend
        # arrays of another backend: the tape ("python"), without a warning
        compiler = _AUTORAY_COMPILERS.get(which)
        if which not in _AUTORAY_COMPILERS and (backend or self._backend):  # e.g. "tensorflow"
            warnings.warn(
                f"lazyray.autojit has no {which!r} compiler; running the tape",
                RuntimeWarning,
                stacklevel=2,
            )
        out = self._jit_for(compiler)(*args, **kwargs)
        if compiler is not None and compiler != array_backend:
            out = _to_backend(out, array_backend)
        return out

    def __get__(self, obj, objtype=None):
        return self if obj is None else types.MethodType(self, obj)


def _to_backend(tree, backend):
    """Convert the arrays of a pytree to ``backend`` (as autoray does for
    arrays returned by a compiler of another backend)."""

    def conv(x):
        y = to_numpy(x)
        return y if backend == "numpy" else do("asarray", y, like=backend)

    return _map_arrays(tree, conv)


def autojit(
    fn: Callable | None = None, *, backend: str | None = None, compiler_opts: dict | None = None
):
    """``autoray.autojit``'s signature on :func:`jit`, so that code written for
    it (cotengra-style) can swap the decorator.

    Parameters
    ----------
    fn : callable
        The function to compile.
    backend : {None, "python", "jax", "torch"}, optional
        The compiler: ``"python"`` runs lazyray's tape (any array backend),
        ``"jax"`` / ``"torch"`` hand the graph to ``jax.jit`` /
        ``torch.compile``.  By default the arrays' backend decides (jax
        arrays: jax, torch tensors: torch, anything else: the tape).  A call
        may override it: ``cfn(*arrays, backend="jax")``.  Results come back
        as arrays of the inputs' backend.
    compiler_opts : dict of dict, optional
        Options per compiler, e.g. ``{"jax": {...}}`` (keyword arguments of
        ``jax.jit``), ``{"torch": {...}}`` (of ``torch.compile``),
        ``{"python": {...}}`` (of :func:`jit`, e.g. ``optimize``).

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> from autoray import do
    >>> @lazyray.autojit
    ... def f(x):
    ...     return do("sum", do("exp", x))
    >>> float(f(np.zeros(4)))
    4.0
    """
    if fn is None:
        return functools.partial(autojit, backend=backend, compiler_opts=compiler_opts)
    return AutoJit(fn, backend=backend, compiler_opts=compiler_opts)
