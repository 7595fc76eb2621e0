"""Process-wide switches of lazyray, in the lowest layer (imports nothing).

>>> import lazyray
>>> lazyray.graph.config.implicit_compute_enabled()
True
"""

from __future__ import annotations

import contextlib
import gc
import os

_IMPLICIT = [os.environ.get("LAZYRAY_IMPLICIT_COMPUTE", "1") not in ("", "0")]


def implicit_compute_enabled() -> bool:
    """Whether ``bool()``, ``float()``, ``int()``, ``complex()``,
    ``__index__`` and ``__array__`` compute a determined lazy array."""
    return _IMPLICIT[0]


def set_implicit_compute(value: bool) -> bool:
    """Turn implicit compute on or off; returns the previous setting.

    With it on (the default, as in dask), converting a lazy array whose
    value depends on no :func:`lazyray.Variable` to a Python scalar or a
    numpy array computes it.  With it off, every such conversion of an
    uncomputed array raises ``TypeError``, so that every compute in a
    program is explicit.  ``LAZYRAY_IMPLICIT_COMPUTE=0`` turns it off at
    start-up.

    >>> import lazyray
    >>> old = lazyray.set_implicit_compute(False)
    >>> lazyray.set_implicit_compute(old)
    False
    """
    old, _IMPLICIT[0] = _IMPLICIT[0], bool(value)
    return old


@contextlib.contextmanager
def implicit_compute(value: bool = True):
    """Context manager form of :func:`set_implicit_compute`.

    >>> import lazyray
    >>> x = lazyray.array([1.0, 2.0]).sum()
    >>> with lazyray.implicit_compute(False):
    ...     try:
    ...         float(x)
    ...     except TypeError:
    ...         print("explicit compute needed")
    explicit compute needed
    >>> float(x)
    3.0
    """
    old = set_implicit_compute(value)
    try:
        yield
    finally:
        set_implicit_compute(old)


@contextlib.contextmanager
def paused_gc():
    """Pause the cyclic garbage collector inside the block: building,
    optimizing or unpickling a graph or a tape makes many acyclic objects,
    and each collection would traverse them all again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
