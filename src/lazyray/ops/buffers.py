"""Reused buffers for numpy's ``tensordot`` on large operands.

A large array freed by numpy goes back to the C allocator, which returns it
to the operating system; the next one of that size is mapped again, page by
page, each page faulted in and zeroed by the kernel.  A contraction of large
tensors makes and drops such arrays at every step (the transposed copies of
its operands and its result): on a 2-core machine this was about a quarter of
the time of a 32-slice cotengra contraction, and two threads faulting pages
at once slowed each other down.

So lazyray's ``tensordot`` on numpy keeps, per thread, the buffers it gave
out, and reuses one as soon as nothing else holds it: the pool knows that by
the buffer's reference count (a result the caller keeps, or any view of it,
references the buffer, so it is never handed out twice).  At most
:func:`set_buffer_pool` bytes are kept per thread; smaller operands
(:data:`MIN_BYTES`) allocate as numpy does: the allocator reuses small
blocks well.

The results are numpy's, bit for bit: the same transposes, the same
``reshape`` (a view where numpy makes one, else a C-order copy, here into a
kept buffer) and the same ``numpy.dot`` call on the same matrices, given
``out=``.  Operands that are not native-order float or complex arrays of
one dtype take numpy's steps without kept buffers; operands that are not
plain numpy arrays, and axes that are not a pair of tuples of non-negative
ints, go to ``numpy.tensordot`` itself.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from functools import lru_cache
from math import prod

import numpy as np

__all__ = ["MIN_BYTES", "set_buffer_pool", "tensordot", "tensordot_plan", "planned"]

#: operands with fewer bytes than this (together) take numpy's steps without
#: kept buffers: the allocator reuses small blocks without page faults
MIN_BYTES = 1 << 17

#: smaller buffers are not kept (a small result of large operands)
MIN_BUFFER = 1 << 14

#: at most this many buffers of one size are kept
PER_SIZE = 16

_ndarray = np.ndarray
_dot = np.dot
_getrc = sys.getrefcount
_LIMIT = [int(os.environ.get("LAZYRAY_BUFFER_POOL", str(256 << 20)))]


class _Buffers:
    """One thread's buffers: ``lists`` maps a size in bytes to the uint8
    buffers of that size given out (in use or free); ``nbytes`` their sum;
    ``wait`` takes before the next attempt to drop free buffers."""

    __slots__ = ("lists", "nbytes", "wait", "__weakref__")

    def __init__(self):
        self.lists = {}
        self.nbytes = 0
        self.wait = 0
        with _ALL_LOCK:
            _ALL.add(self)


class _Pool(threading.local):
    def __init__(self):
        self.buffers = _Buffers()


_ALL: weakref.WeakSet = weakref.WeakSet()  # every thread's buffers
_ALL_LOCK = threading.Lock()
_POOL = _Pool()


def _scan(lst, free_rc):
    """The first buffer of ``lst`` that only the pool references."""
    for b in lst:
        if _getrc(b) == free_rc:
            return b
    return None


def _held(lst, free_rc):
    """The buffers of ``lst`` referenced elsewhere too (as :func:`_scan`)."""
    out = []
    for b in lst:
        if _getrc(b) != free_rc:
            out.append(b)
    return out


def _probe() -> int:
    """The reference count :func:`_scan` sees for a buffer only the pool
    holds (0, turning the pool off, where counts cannot be trusted: a
    free-threaded build, an interpreter that counts otherwise)."""
    if not getattr(sys, "_is_gil_enabled", lambda: True)():
        return 0
    try:  # numpy >= 2.1: a reshape that must not copy
        np.reshape(np.empty((2, 3)).T, (6,), copy=False)
    except ValueError:
        pass
    except TypeError:
        return 0
    lst = [np.empty(8, np.uint8)]
    for rc in range(1, 8):
        if _scan(lst, rc) is lst[0] and not _held(lst, rc):
            held = lst[0]
            kept = _held(lst, rc)
            return rc if _scan(lst, rc) is None and len(kept) == 1 and kept[0] is held else 0
    return 0


_FREE_RC = _probe()


def set_buffer_pool(max_bytes: int) -> int:
    """Set how many bytes of contraction buffers each thread keeps for reuse.

    lazyray's numpy ``tensordot`` on large operands reuses the buffers of
    its earlier results and copies once nothing references them any more,
    instead of having the allocator map and fault in fresh memory each time
    (see :mod:`lazyray.ops.buffers`).  Each thread keeps at most
    ``max_bytes`` of them, in use or free; ``0`` turns reuse off and drops
    every thread's buffers.  The default, 256 MiB, can be set with the
    environment variable ``LAZYRAY_BUFFER_POOL``.

    Parameters
    ----------
    max_bytes : int
        The limit per thread, in bytes (>= 0).

    Returns
    -------
    int
        The previous limit.

    Examples
    --------
    >>> import lazyray
    >>> old = lazyray.set_buffer_pool(0)  # numpy allocates every result
    >>> lazyray.set_buffer_pool(old)
    0
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
        raise ValueError(f"set_buffer_pool: max_bytes must be an int >= 0, got {max_bytes!r}")
    old, _LIMIT[0] = _LIMIT[0], max_bytes
    with _ALL_LOCK:
        pools = list(_ALL)
    for pool in pools:  # (a thread taking a buffer meanwhile keeps it)
        _drop_free(pool, max_bytes == 0)
    return old


def _take(nbytes: int):
    """A uint8 buffer of ``nbytes`` that nothing else references: a kept
    one, else a new one, kept if the limits allow (after dropping the free
    buffers of other sizes when the bytes would exceed it)."""
    if nbytes < MIN_BUFFER:
        return np.empty(nbytes, np.uint8)
    pool = _POOL.buffers
    lst = pool.lists.get(nbytes)
    if lst is not None:
        b = _scan(lst, _FREE_RC)
        if b is not None:
            return b
    b = np.empty(nbytes, np.uint8)
    if lst is not None and len(lst) >= PER_SIZE:
        return b  # (many of this size are held: scans stay short)
    limit = _LIMIT[0]
    if pool.nbytes + nbytes > limit:
        if pool.wait:  # (the last drop freed too little: not at every take)
            pool.wait -= 1
        else:
            _drop_free(pool)
            pool.wait = 64 if pool.nbytes + nbytes > limit else 0
    if pool.nbytes + nbytes <= limit:
        pool.lists.setdefault(nbytes, []).append(b)
        pool.nbytes += nbytes
    return b


def _drop_free(pool, everything: bool = False) -> None:
    """Forget the buffers nothing else references (``everything``: all)."""
    lists, nbytes = {}, 0
    if not everything:
        for n, lst in list(pool.lists.items()):
            kept = _held(lst, _FREE_RC)
            if kept:
                lists[n] = kept
                nbytes += n * len(kept)
    pool.lists, pool.nbytes = lists, nbytes


def _matrix(x, perm, shape, dt):
    """``x.transpose(perm).reshape(shape)`` as numpy makes it: a view when
    one exists, else a C-order copy, here into a kept buffer."""
    t = x.transpose(perm)
    try:
        return np.reshape(t, shape, copy=False)
    except ValueError:
        m = _take(t.size * dt.itemsize).view(dt).reshape(t.shape)
        np.copyto(m, t)
        return m.reshape(shape)


def planned(plan: tuple, a, b):
    """``numpy.tensordot`` of ``a`` and ``b`` (numpy arrays of the plan's
    shapes) by the steps of ``plan`` (:func:`tensordot_plan`) into kept
    buffers, or None when the operands are not for the pool (then numpy's
    own steps apply)."""
    dt = a.dtype
    if (
        not _FREE_RC
        or not _LIMIT[0]
        or dt != b.dtype
        or dt.kind not in "fc"
        or not dt.isnative
        or a.nbytes + b.nbytes < MIN_BYTES
    ):
        return None
    _, _, pa, ma, pb, mb, out_shape = plan
    if not (ma[0] and mb[1] and ma[1]):
        return None  # (empty: numpy's)
    out = _take(ma[0] * mb[1] * dt.itemsize).view(dt).reshape(ma[0], mb[1])
    _dot(_matrix(a, pa, ma, dt), _matrix(b, pb, mb, dt), out=out)
    return out.reshape(out_shape)


def tensordot_plan(sa: tuple, sb: tuple, axes: tuple) -> tuple:
    """numpy's ``tensordot`` steps for operands of shapes ``sa``, ``sb``.

    Parameters
    ----------
    sa, sb : tuple of int
        The operands' shapes.
    axes : tuple
        Normalized axes: a pair of tuples of non-negative ints.

    Returns
    -------
    tuple
        ``(sa, sb, perm_a, mat_a, perm_b, mat_b, out_shape)``, as
        ``numpy.tensordot`` computes them.

    Examples
    --------
    >>> tensordot_plan((2, 3, 4), (4, 3, 5), ((1, 2), (1, 0)))
    ((2, 3, 4), (4, 3, 5), (0, 1, 2), (2, 12), (1, 0, 2), (12, 5), (2, 5))
    """
    ax_a, ax_b = (list(ax) for ax in axes)
    keep_a = [k for k in range(len(sa)) if k not in ax_a]
    keep_b = [k for k in range(len(sb)) if k not in ax_b]
    n = prod(sa[k] for k in ax_a)
    mat_a = (prod(sa[k] for k in keep_a), n)
    mat_b = (prod(sb[k] for k in ax_b), prod(sb[k] for k in keep_b))
    out = tuple(sa[k] for k in keep_a) + tuple(sb[k] for k in keep_b)
    return (sa, sb, tuple(keep_a + ax_a), mat_a, tuple(ax_b + keep_b), mat_b, out)


@lru_cache(maxsize=4096)
def _checked_plan(sa, sb, axes):
    """The plan of normalized ``axes`` that numpy accepts on these shapes
    (distinct in-range axes of equal sizes), else None."""
    try:
        ax_a, ax_b = axes
        ok = (
            type(ax_a) is tuple
            and type(ax_b) is tuple
            and len(ax_a) == len(ax_b)
            and len(set(ax_a)) == len(ax_a)
            and len(set(ax_b)) == len(ax_b)
            and all(type(i) is int and 0 <= i < len(sa) for i in ax_a)
            and all(type(j) is int and 0 <= j < len(sb) for j in ax_b)
            and all(sa[i] == sb[j] for i, j in zip(ax_a, ax_b))
        )
    except (TypeError, ValueError):
        return None
    return tensordot_plan(sa, sb, axes) if ok else None


def tensordot(a, b, axes=2):
    """``numpy.tensordot(a, b, axes)``, into kept buffers for large operands.

    The numpy implementation of lazyray's ``tensordot`` op (see
    :mod:`lazyray.ops.buffers`): identical results, bit for bit.  numpy's
    own steps are taken, their shape work cached by the operands' shapes
    and ``axes`` (lazyray's normalized pair of tuples; other axes go to
    ``numpy.tensordot``).

    Examples
    --------
    >>> a, b = np.ones((64, 32, 16)), np.ones((16, 32, 8))
    >>> bool((tensordot(a, b, ((1, 2), (1, 0))) == np.tensordot(a, b, ((1, 2), (1, 0)))).all())
    True
    """
    if type(a) is _ndarray and type(b) is _ndarray and type(axes) is tuple:
        try:  # (ints only: a float equals and hashes as an int, numpy refuses it)
            bytes(axes[0] + axes[1])
            plan = _checked_plan(a.shape, b.shape, axes)
        except (TypeError, ValueError, IndexError):
            plan = None
        if plan is not None:  # numpy's steps, its shape work cached
            if a.nbytes + b.nbytes >= MIN_BYTES:
                got = planned(plan, a, b)
                if got is not None:
                    return got
            _, _, pa, ma, pb, mb, out = plan
            return _dot(a.transpose(pa).reshape(ma), b.transpose(pb).reshape(mb)).reshape(out)
    return np.tensordot(a, b, axes)
