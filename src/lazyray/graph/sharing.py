"""Shared intermediates: inside :func:`shared_intermediates`, building a node
that already exists returns the existing node.

The cache keys are *exact*.  A node's key is a tuple of its op name, the
identities of the lazy arrays it depends on, and every static argument
together with its type, so that

* ``x * 2``, ``x * 2.0`` and ``x * True`` are three different nodes (their
  dtypes differ), and so are ``x * -1`` and ``x * -2`` (``hash(-1) ==
  hash(-2)`` does not matter: keys are compared, not hashed to a string);
* ``x[-1]`` and ``x[-2]`` differ, ``x + 0.0`` and ``x + -0.0`` differ (floats
  are keyed by their IEEE-754 bits, so ``-0.0`` is not ``0.0`` and a ``nan``
  only ever meets the very same ``nan``);
* numpy scalars are keyed by type and bytes, numpy arrays and any other
  object by identity;
* lists and tuples are keyed by their content *at the time of the call*
  (a frozen copy), so a list mutated later is never confused with its earlier
  value; :func:`lazyray.array` of a list, tuple or Python scalar is keyed by
  the content of the numpy array it becomes (dtype, shape and bytes).

Everything keyed by identity is kept alive by the cache, so an ``id()``
is never reused for another object while the cache lives.  :func:`node_key`
is also the key of the whole-graph CSE pass; the usual nodes get the cheaper,
equally exact :func:`flat_key` (a ``tensordot`` of two lazy arrays:
:data:`TENSORDOT_KEY`), computed before the node is built.

Arrays (numpy, torch...) are keyed by identity, as autoray's lazy module
does (hashing their content would cost about 1 ms per MB at every call), so
an array must not be mutated in place while a cache that has seen it is in
use: after ``a[0] = 5``, ``lazyray.array(a)`` still returns the leaf (and
intermediates) built before.  Wrap a copy or start a new cache instead.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Iterator

import numpy as np

from .node import LATE, SHARING, LazyArray, build_node

__all__ = [
    "shared_intermediates",
    "node_key",
    "freeze",
    "flat_key",
    "static_kwargs",
    "share_new",
    "share_leaf",
    "TENSORDOT_KEY",
]

_pack = struct.Struct("<d").pack
_OBJ = "<object>"  # marks any other object keyed by identity
_LEAF = "<leaf>"  # first item of the key of a leaf made by ``array(x)``
#: first item of the key of a ``tensordot`` of two lazy arrays while sharing:
#: ``(TENSORDOT_KEY, id(a), id(b), ((axes of a), (axes of b)))``, axes
#: normalized (see :func:`lazyray.ops.contraction.tensordot`)
TENSORDOT_KEY = "<tensordot>"
_NONE = type(None)
_ELLIPSIS = type(Ellipsis)
_NDARRAY = np.ndarray
_from_data = LazyArray.from_data


def freeze(x, keep: list):
    """An exact, hashable key for a static argument ``x`` (a pytree).

    Objects compared by identity (lazy arrays, numpy arrays, callables...)
    are appended to ``keep``, which the caller must keep alive as long as the
    key is in use.

    >>> keep = []
    >>> freeze(2, keep) == freeze(2.0, keep), freeze(-1, keep) == freeze(-2, keep)
    (False, False)
    >>> freeze(0.0, keep) == freeze(-0.0, keep), freeze((1, [2]), keep)
    (False, (<class 'tuple'>, (<class 'int'>, 1), (<class 'list'>, (<class 'int'>, 2))))
    """
    t = type(x)
    if t is LazyArray:  # a plain int: every other value is keyed by a tuple
        keep.append(x)
        return id(x)
    if t is int or t is str or t is bool or t is _NONE or t is _ELLIPSIS:
        return (t, x)
    if t is float:
        return (t, _pack(x))
    if t is tuple or t is list:
        return (t, *[freeze(v, keep) for v in x])
    if t is slice:
        return (t, freeze(x.start, keep), freeze(x.stop, keep), freeze(x.step, keep))
    if t is complex:
        return (t, _pack(x.real), _pack(x.imag))
    if t is dict:
        return (t, *[(freeze(k, keep), freeze(v, keep)) for k, v in x.items()])
    if isinstance(x, np.generic):
        return (t, x.dtype.str, x.tobytes())
    if t is type:
        return (t, x)
    if isinstance(x, np.dtype):
        return (np.dtype, x.str, x.name)
    keep.append(x)
    return (_OBJ, id(x))


def node_key(node: LazyArray, keep: list) -> tuple:
    """The exact key of an op node (see the module docstring).

    The key holds the op name, the identity of a user callable (custom ops),
    backend, shape, dtype, and the frozen ``args`` and ``kwargs``.  Objects
    keyed by identity are appended to ``keep``.
    """
    op = node._op
    if type(op) is str:
        fn_key = None
    else:  # a user callable: its identity is part of what the node computes
        keep.append(node._fn)
        fn_key = id(node._fn)
    return (
        op,
        fn_key,
        node._backend,
        node._shape,
        node._dtype,
        freeze(node._args, keep),
        freeze(node._kwargs, keep),
    )


#: ``id(kwargs) -> kwargs`` for the kwargs dicts that op constructors intern
#: (:func:`lazyray.ops.common.intern_kwargs`): dicts of ints, bools, strings,
#: None and tuples of ints, shared by many nodes and never mutated.  Each is
#: kept alive here, so its id stands for its content.
_STATIC_KWARGS: dict = {}


def static_kwargs(kwargs: dict) -> None:
    """Record an interned kwargs dict: never mutated, holding only ints, bools,
    strings, None and tuples of ints, the one dict of its content (see
    :func:`flat_key`)."""
    _STATIC_KWARGS[id(kwargs)] = kwargs


def flat_key(op, args, kwargs, shape, dtype, backend):
    """The sharing key of a registry op node, cheap to build and to hash, when
    ``args`` (a tuple) holds only lazy arrays, Python scalars, slices of ints
    and tuples of ints, None, Ellipsis and such slices (shapes, axes,
    indices), and ``kwargs`` is None or interned (:func:`static_kwargs`);
    None otherwise (then :func:`node_key` is the key).

    The key is ``(op, backend, shape, dtype, kwargs, *items)``: ``kwargs`` is
    None or the id of the interned dict (one dict per content, kept alive),
    and an item is per argument: a lazy array's id (an int), a float's
    IEEE-754 bits (bytes), ``(int, v)`` or ``(bool, v)``, a string or None
    itself, a slice as ``(slice, start, stop, step)``, a tuple as the tuple of
    its entries (ints, None and Ellipsis themselves, slices as above).  Items
    of different kinds never compare equal, and the key never equals a
    :func:`node_key` (whose second item is None or an int, never a backend
    name) nor a leaf's.  Every object keyed by identity is a lazy array of
    ``args``: keeping ``args`` keeps them alive.

    >>> import lazyray
    >>> x = lazyray.Variable((2,))
    >>> y = x * 2.0
    >>> flat_key("multiply", y.args, None, y.shape, y.dtype, y.backend)[-1]
    b'\\x00\\x00\\x00\\x00\\x00\\x00\\x00@'
    >>> flat_key("multiply", (x, 2), None, (2,), "float64", "numpy")[-1]
    (<class 'int'>, 2)
    """
    if kwargs is not None:
        kwargs = id(kwargs)
        if kwargs not in _STATIC_KWARGS:
            return None
    n = len(args)
    if n == 2:  # the usual binary ops and contractions
        a, b = args
        if type(a) is LazyArray:
            t = type(b)
            if t is LazyArray:
                return (op, backend, shape, dtype, kwargs, id(a), id(b))
            if t is float:
                return (op, backend, shape, dtype, kwargs, id(a), _pack(b))
            if t is int:
                return (op, backend, shape, dtype, kwargs, id(a), (t, b))
            if t is tuple:  # a shape or axes: the tuple itself when all ints
                for v in b:
                    if type(v) is not int:
                        break
                else:
                    return (op, backend, shape, dtype, kwargs, id(a), b)
    elif n == 1 and type(args[0]) is LazyArray:
        return (op, backend, shape, dtype, kwargs, id(args[0]))
    key = [op, backend, shape, dtype, kwargs]
    for a in args:
        t = type(a)
        if t is LazyArray:
            key.append(id(a))
        elif t is float:
            key.append(_pack(a))
        elif t is int or t is bool:
            key.append((t, a))
        elif t is str or t is _NONE:
            key.append(a)
        elif t is tuple:  # a shape, axes, an index
            fa = []
            for v in a:
                t = type(v)
                if t is int or t is _NONE or t is _ELLIPSIS:
                    fa.append(v)
                elif t is slice:
                    v = _slice_key(v)
                    if v is None:
                        return None
                    fa.append(v)
                else:
                    return None
            key.append(tuple(fa))
        elif t is slice:
            a = _slice_key(a)
            if a is None:
                return None
            key.append(a)
        else:
            return None
    return tuple(key)


def _slice_key(s: slice):
    """``(slice, start, stop, step)`` when each is an int or None, else None."""
    a, b, c = s.start, s.stop, s.step
    if (
        (a is None or type(a) is int)
        and (b is None or type(b) is int)
        and (c is None or type(c) is int)
    ):
        return (slice, a, b, c)
    return None


def share_new(cache: dict, op, fn, args, kwargs, shape, dtype, backend, deps) -> LazyArray:
    """:func:`lazyray.graph.node.new_node` while sharing: the node of
    ``cache`` with this key, else a new node, inserted.  The key is computed
    first, so that a hit builds no node (only a node that :func:`flat_key`
    cannot key is built first, for :func:`node_key`).  The cache maps keys to
    ``(node, kept)``, ``kept`` holding every object whose identity is in the
    key (the ``args`` tuple, for a :func:`flat_key`: a computed node forgets
    its ``args``, the cache does not).

    A node of a user callable (a :class:`~lazyray.graph.node.CustomOp`
    name) that :func:`flat_key` can key is keyed by ``(flat key, callable)``
    (the callable kept alive by the key; a 2-tuple whose first item is a
    tuple: no other key is one).

    An op on a lazy array and a second argument that is a lazy array, a
    tuple of ints, an int or a float, with no or interned kwargs (binary
    elementwise ops, contractions, reshapes, transposes, indexing by an int:
    most nodes) is keyed by ``(op, kwargs id or None, id(a), item)`` alone,
    ``item`` as in :func:`flat_key` (a lazy array's id, the tuple, ``(int,
    v)``, the float's bits), and an op on one lazy array (unary ops,
    reductions) by ``(op, kwargs id or None, id(a))``: cheaper to build and
    to hash.  The shape, dtype and backend of the node found are then
    compared with the requested ones, and on any difference the exact
    :func:`flat_key` is used instead (these 3- and 4-tuples never equal a
    :func:`flat_key`, a :func:`node_key`, a ``tensordot`` key or a leaf's
    key: their lengths or first or second items differ).
    """
    key = None
    if type(args) is tuple and type(op) is str:
        kw = None if kwargs is None else id(kwargs)
        if kw is None or kw in _STATIC_KWARGS:
            n = len(args)
            if n == 2:  # the commonest cases, inlined
                a, b = args
                if type(a) is LazyArray:
                    tb = type(b)
                    if tb is LazyArray:
                        key = (op, kw, id(a), id(b))
                    elif tb is tuple:  # a shape or axes: the tuple itself when all ints
                        key = (op, kw, id(a), b)
                        for v in b:
                            if type(v) is not int:
                                key = None
                                break
                    elif tb is int:
                        key = (op, kw, id(a), (int, b))
                    elif tb is float:
                        key = (op, kw, id(a), _pack(b))
            elif n == 1 and type(args[0]) is LazyArray:  # unary ops, reductions
                key = (op, kw, id(args[0]))
        if key is not None:
            hit = cache.get(key)
            if hit is None:
                node = build_node(op, fn, args, kwargs, shape, dtype, backend, deps)
                cache[key] = (node, args)
                return node
            node = hit[0]
            nd = node._dtype
            if (nd is dtype or nd == dtype) and node._shape == shape:
                if node._backend == backend:
                    return node
            key = None  # (another node of the same arguments: the exact key)
    if type(args) is tuple:
        key = flat_key(op, args, kwargs, shape, dtype, backend)
        if key is not None:
            if type(op) is not str:  # a user callable: its identity too (held by the key)
                key = (key, fn)
            hit = cache.get(key)
            if hit is not None:
                return hit[0]
    node = build_node(op, fn, args, kwargs, shape, dtype, backend, deps)
    if key is None:  # the exact key, built from the node
        keep = []
        key = node_key(node, keep)
        hit = cache.get(key)
        if hit is not None:
            return hit[0]
        args = tuple(keep)
    cache[key] = (node, args)
    return node


_BUILTIN = frozenset((list, tuple, int, float, complex, bool))


def share_leaf(cache: dict, x) -> LazyArray:
    """The leaf wrapping ``x``: the same array gives the same leaf.

    Arrays (numpy, torch...) are keyed by identity and kept alive by the
    cache, so an ``id`` cannot be reused by a new array while the cache
    lives; they must not be mutated in place meanwhile (see
    :func:`shared_intermediates`).  Lists, tuples and Python scalars are
    converted to a new numpy array and keyed by its *content* (dtype, shape
    and bytes), so a list mutated after wrapping is a new leaf, and equal
    lists share one.
    """
    t = type(x)
    if t is _NDARRAY:  # the usual leaf: keyed by the id alone (an int: no other key is one)
        hit = cache.get(id(x))  # (_leaf_of, inlined)
        if hit is not None:
            return hit[0]
        entry = cache[id(x)] = (_from_data(x), x)
        return entry[0]
    if t in _BUILTIN or isinstance(x, (list, tuple)):
        data = np.asarray(x)
        return _leaf_of(cache, (_LEAF, data.dtype.str, data.shape, data.tobytes()), data, None)
    return _leaf_of(cache, (_LEAF, id(x)), x, x)


def _leaf_of(cache: dict, key, data, keep) -> LazyArray:
    """The leaf of ``cache`` under ``key``, else a new leaf of ``data``,
    inserted with ``keep`` (what the entry keeps alive)."""
    hit = cache.get(key)
    if hit is not None:
        return hit[0]
    node = _from_data(data)
    cache[key] = (node, keep)
    return node


def shared_intermediates(cache: dict | None = None) -> contextlib.AbstractContextManager[dict]:
    """Context in which identical intermediate lazy arrays are built once.

    Inside the context, an op applied to the same inputs with the same static
    arguments returns the node already built, and ``array(x)`` of the same
    object returns the same leaf.  Keys are exact (see
    :mod:`lazyray.graph.sharing`): ``x * 2`` and ``x * 2.0`` are different nodes.

    The context is thread-local (another thread does not see it) and
    nestable: an inner context uses its own cache and the outer one is
    restored on exit.  Intermediates, and the raw arrays given to
    :func:`lazyray.array`, are kept alive until the context exits and the
    yielded cache is garbage collected.

    Arrays are keyed by identity: do not mutate an array in place while
    the cache is in use (wrap a copy instead), or the nodes built from its
    old value are returned.  Lists, tuples and scalars are keyed by content,
    so mutating them is safe.  See :mod:`lazyray.graph.sharing`.

    Parameters
    ----------
    cache : dict, optional
        A cache yielded by an earlier context, to resume sharing with it.

    Returns
    -------
    contextlib.AbstractContextManager
        A context (also usable as a decorator) whose ``with ... as cache``
        gives the cache used, a dict: pass it to another context to resume
        sharing.

    Examples
    --------
    >>> import lazyray
    >>> x = lazyray.Variable((3,))
    >>> with lazyray.shared_intermediates() as cache:
    ...     a, b = lazyray.sin(x) * 2, lazyray.sin(x) * 2
    ...     c = lazyray.sin(x) * 2.0
    >>> a is b, a is c
    (True, False)
    >>> with lazyray.shared_intermediates(cache):
    ...     lazyray.sin(x) * 2 is a
    True
    """
    if cache is not None and not isinstance(cache, dict):
        raise TypeError(f"shared_intermediates: cache must be a dict, got {type(cache).__name__}")
    return _SharedIntermediates(cache)


class _SharedIntermediates(contextlib.ContextDecorator):
    """The context :func:`shared_intermediates` returns (a class: entering
    and leaving it is part of every shared trace, and a generator-based
    context costs several times more).  Each entry uses ``cache``, or a new
    dict when it is None, and restores the outer cache on exit; as a
    decorator, each call enters a fresh copy."""

    def __init__(self, cache):
        self._arg = cache
        self._old = []

    def __enter__(self) -> dict:
        cache = self._arg
        if cache is None:
            cache = {}
        self._old.append(SHARING.cache)
        SHARING.cache = cache
        return cache

    def __exit__(self, *exc) -> bool:
        SHARING.cache = self._old.pop()
        return False

    def _recreate_cm(self):
        return _SharedIntermediates(self._arg)


@contextlib.contextmanager
def no_sharing() -> Iterator[None]:
    """Suspend sharing in this thread (graph passes build nodes under it)."""
    old, SHARING.cache = SHARING.cache, None
    try:
        yield
    finally:
        SHARING.cache = old


# called by new nodes while sharing
LATE.share_new, LATE.share_leaf = share_new, share_leaf
