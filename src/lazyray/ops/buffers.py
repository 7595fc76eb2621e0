"""numpy's ``tensordot`` (and, in compiled tapes, ``matmul`` and elementwise
ufuncs: :func:`ufunc_into`, :func:`matmul_into`) into reused buffers for
large operands.

numpy gives a large freed array back to the C allocator, which unmaps it: the
next one is faulted in and zeroed page by page again.  A contraction of large
tensors makes and drops such arrays at every step (transposed copies, its
result): a quarter of a 32-slice cotengra contraction's time on 2 cores, and
threads faulting at once slow each other down.  So each thread keeps the
buffers it gave out (at most :func:`set_buffer_pool` bytes) and reuses one
once nothing else references it, by its reference count: a result the caller
keeps, or a view of it, keeps its buffer.  Results are numpy's, bit for bit:
its steps (``transpose``, ``reshape`` -- a view where numpy makes one, else a
C-order copy into a kept buffer --, ``numpy.dot`` with ``out=``), their shape
work cached.  Operands that are not plain numpy arrays, and axes other than a
pair of tuples of non-negative ints, go to ``numpy.tensordot``.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from functools import lru_cache
from math import prod

import numpy as np

__all__ = [
    "MIN_BYTES",
    "set_buffer_pool",
    "steps",
    "tensordot",
    "tensordot_plan",
    "ufunc_into",
    "matmul_into",
]

#: operands of fewer bytes (together) allocate as numpy does
MIN_BYTES = 1 << 17
#: smaller buffers are not kept (a small result of large operands)
MIN_BUFFER = 1 << 14
#: at most this many buffers of one size are kept (scans stay short)
PER_SIZE = 16

_ndarray = np.ndarray
_dot = np.dot
_getrc = sys.getrefcount
_LIMIT = [int(os.environ.get("LAZYRAY_BUFFER_POOL", str(256 << 20)))]
_ALL: weakref.WeakSet = weakref.WeakSet()  # every thread's buffers
_ALL_LOCK = threading.Lock()


class _Buffers:
    """One thread's buffers: ``lists`` maps a size in bytes to the uint8
    buffers of that size given out (in use or free), ``nbytes`` is their
    sum, ``wait`` the takes before the next try to drop free buffers."""

    __slots__ = ("lists", "nbytes", "wait", "__weakref__")

    def __init__(self):
        self.lists, self.nbytes, self.wait = {}, 0, 0
        with _ALL_LOCK:
            _ALL.add(self)


class _Pool(threading.local):
    def __init__(self):
        self.buffers = _Buffers()


_POOL = _Pool()


def _scan(lst, free_rc):
    """The first buffer of ``lst`` that only the pool references."""
    for b in lst:
        if _getrc(b) == free_rc:
            return b
    return None


def _held(lst, free_rc):
    """The buffers of ``lst`` referenced elsewhere too."""
    return [b for b in lst if _getrc(b) != free_rc]


def _probe() -> int:
    """The count :func:`_scan` and :func:`_held` see for a buffer only the
    pool holds; 0 (no reuse) where counts cannot be trusted (a free-threaded
    build) or numpy lacks ``reshape(copy=False)`` (before 2.1)."""
    if not getattr(sys, "_is_gil_enabled", lambda: True)():
        return 0
    try:
        np.reshape(np.empty((2, 3)).T, (6,), copy=False)
    except ValueError:
        pass
    except TypeError:
        return 0
    lst = [np.empty(8, np.uint8)]
    rc = _getrc(lst[0]) + 1  # (the loop variable)
    if _scan(lst, rc) is not lst[0] or _held(lst, rc):
        return 0
    held = lst[0]
    return rc if _scan(lst, rc) is None and _held(lst, rc)[0] is held else 0


_FREE_RC = _probe()


def set_buffer_pool(max_bytes: int) -> int:
    """Set how many bytes of contraction buffers each thread keeps for reuse.

    lazyray's numpy ``tensordot`` on large operands writes into buffers of
    its earlier results and copies that nothing references any more, instead
    of having the allocator map and fault in fresh memory each time (see
    :mod:`lazyray.ops.buffers`).  Each thread keeps at most ``max_bytes`` of
    them, in use or free; ``0`` turns reuse off and drops every thread's
    buffers.  The default, 256 MiB, can be set with the environment variable
    ``LAZYRAY_BUFFER_POOL``.

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
    buffers of other sizes when the bytes would exceed them)."""
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
        return b
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


def _kept(shape: tuple, dt, nbytes: int):
    """An array of ``shape`` and ``dt`` (``nbytes`` in all) on a buffer of
    :func:`_take`."""
    return _take(nbytes).view(dt).reshape(shape)


def _drop_free(pool, everything: bool = False) -> None:
    """Forget the buffers nothing else references (``everything``: all)."""
    lists = {} if everything else {n: _held(lst, _FREE_RC) for n, lst in list(pool.lists.items())}
    pool.lists = {n: lst for n, lst in lists.items() if lst}
    pool.nbytes = sum(n * len(lst) for n, lst in pool.lists.items())


def _matrix(x, perm, shape, dt):
    """``x.transpose(perm).reshape(shape)`` as numpy makes it: a view when
    one exists, else a C-order copy, here into a kept buffer."""
    t = x.transpose(perm)
    try:
        return np.reshape(t, shape, copy=False)
    except ValueError:
        m = _kept(t.shape, dt, t.size * dt.itemsize)
        np.copyto(m, t)
        return m.reshape(shape)


def steps(plan: tuple, a, b):
    """``numpy.tensordot`` of numpy arrays ``a``, ``b`` of the shapes of
    ``plan`` (:func:`tensordot_plan`) by numpy's steps: into kept buffers
    for large operands of one native float or complex dtype."""
    _, _, pa, ma, pb, mb, out = plan
    dt = a.dtype
    if (
        a.nbytes + b.nbytes >= MIN_BYTES
        and _FREE_RC
        and _LIMIT[0]
        and dt == b.dtype
        and dt.kind in "fc"
        and dt.isnative
        and ma[0] * ma[1] * mb[1]
    ):
        m = _kept((ma[0], mb[1]), dt, ma[0] * mb[1] * dt.itemsize)
        _dot(_matrix(a, pa, ma, dt), _matrix(b, pb, mb, dt), out=m)
        return m.reshape(out)
    return _dot(a.transpose(pa).reshape(ma), b.transpose(pb).reshape(mb)).reshape(out)


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
    """The plan of ``axes`` (a pair of tuples of ints) if numpy accepts
    them on these shapes as they are (distinct, in range, equal sizes)."""
    ax_a, ax_b = axes
    ok = (
        type(ax_a) is tuple
        and type(ax_b) is tuple
        and len(ax_a) == len(ax_b) == len(set(ax_a)) == len(set(ax_b))
        and all(i < len(sa) for i in ax_a)
        and all(j < len(sb) for j in ax_b)
        and all(sa[i] == sb[j] for i, j in zip(ax_a, ax_b))
    )
    return tensordot_plan(sa, sb, axes) if ok else None


def tensordot(a, b, axes=2):
    """``numpy.tensordot(a, b, axes)``, into kept buffers for large operands:
    the numpy implementation of lazyray's ``tensordot`` op (see
    :mod:`lazyray.ops.buffers`), numpy's results bit for bit.

    Examples
    --------
    >>> a, b = np.ones((64, 32, 16)), np.ones((16, 32, 8))
    >>> bool((tensordot(a, b, ((1, 2), (1, 0))) == np.tensordot(a, b, ((1, 2), (1, 0)))).all())
    True
    """
    if type(a) is _ndarray and type(b) is _ndarray and type(axes) is tuple:
        try:  # ints in 0..255 only (a float equals and hashes as an int)
            bytes(axes[0] + axes[1])
            plan = _checked_plan(a.shape, b.shape, axes)
        except (TypeError, ValueError, IndexError):
            plan = None
        if plan is not None:
            return steps(plan, a, b)
    return np.tensordot(a, b, axes)


# ---------------------------------------------------- ufuncs of a compiled tape


def ufunc_into(ufunc, shape: tuple, dt, nbytes: int, *xs):
    """``ufunc(*xs)`` into a kept buffer of ``nbytes``: an elementwise ufunc
    of one output, on C-contiguous numpy arrays of ``dt`` and of the result's
    ``shape`` (no broadcasting), whose result numpy makes of ``dt`` too (and
    C-contiguous); any other operands go to ``ufunc(*xs)``.  A compiled
    tape calls it for large nodes (:func:`lazyray.compile.lean.specialize`);
    numpy's values bit for bit.

    Examples
    --------
    >>> x = np.linspace(0.0, 1.0, 1 << 15)
    >>> y = ufunc_into(np.tanh, x.shape, x.dtype, x.nbytes, x)
    >>> bool((y == np.tanh(x)).all()), y.flags.c_contiguous
    (True, True)
    """
    if _FREE_RC and _LIMIT[0]:
        for x in xs:
            if type(x) is not _ndarray or x.dtype != dt or x.shape != shape:
                break
            if not x.flags.c_contiguous:
                break
        else:
            try:  # (casting="no": a ufunc whose result is of another dtype raises)
                return ufunc(*xs, out=_kept(shape, dt, nbytes), casting="no")
            except TypeError:
                pass
    return ufunc(*xs)


def matmul_into(shape: tuple, dt, nbytes: int, a, b):
    """``numpy.matmul(a, b)`` into a kept buffer of ``nbytes`` when ``a`` and
    ``b`` are C-contiguous numpy arrays of ``dt`` of at least 2 dimensions,
    with equal batch dimensions, whose product has ``shape``; else numpy's
    own.  Values bit for bit numpy's.

    Examples
    --------
    >>> a, b = np.ones((64, 128)), np.ones((128, 256))
    >>> bool((matmul_into((64, 256), a.dtype, 64 * 256 * 8, a, b) == a @ b).all())
    True
    """
    if (
        _FREE_RC
        and _LIMIT[0]
        and type(a) is _ndarray
        and type(b) is _ndarray
        and a.dtype == dt
        and b.dtype == dt
        and a.ndim == b.ndim == len(shape) >= 2
        and a.shape[:-1] == shape[:-1]
        and b.shape[:-2] == shape[:-2]
        and b.shape[-1] == shape[-1]
        and a.shape[-1] == b.shape[-2]
        and a.flags.c_contiguous
        and b.flags.c_contiguous
    ):
        return np.matmul(a, b, out=_kept(shape, dt, nbytes))
    return np.matmul(a, b)
