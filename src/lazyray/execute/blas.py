"""BLAS threads while tasks run side by side (the policy is described in
:mod:`lazyray.execute.scheduler`): :func:`blas_threads_for` and
:func:`blas_limit`."""

from __future__ import annotations

import contextlib
import functools
import os
from collections import Counter

__all__ = ["blas_threads_for", "blas_limit", "width"]


@functools.cache
def _controller():
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is optional
        return None
    return ThreadpoolController()


@contextlib.contextmanager
def blas_limit(n: int | None):
    """Limit this process's BLAS to ``n`` threads inside the block (nothing
    when ``n`` is None or threadpoolctl is missing)."""
    c = _controller() if n else None
    with contextlib.nullcontext() if c is None else c.limit(limits=n, user_api="blas"):
        yield


def _init_blas(n):  # a worker process's initializer
    c = _controller()
    if c is not None:
        c.limit(limits=n, user_api="blas")


def width(plan) -> int:
    """Most tasks of the plan on one level (a bound on tasks run at once)."""
    level = []
    for t in plan.tasks:
        level.append(1 + max((level[d] for d in t.deps), default=-1))
    return max(Counter(level).values(), default=0)


def blas_threads_for(plan, workers: int, blas_threads="auto") -> int | None:
    """BLAS threads per task under the policy of the module docstring.

    >>> class P: tasks = []
    >>> blas_threads_for(P(), 4, 3), blas_threads_for(P(), 4, None), blas_threads_for(None, 1)
    (3, None, None)
    """
    if blas_threads is None:
        return None
    if blas_threads != "auto":
        return max(1, int(blas_threads))
    if workers <= 1:  # one task at a time: BLAS keeps the cores (no plan read)
        return None
    concurrent = min(workers, width(plan))
    if concurrent <= 1:
        return None
    return max(1, (os.cpu_count() or 1) // concurrent)
