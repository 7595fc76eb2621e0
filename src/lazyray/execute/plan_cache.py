"""Plans reused by graphs of the same structure.

Code that traces and computes again and again (an optimizer's loop, the
same contraction on new arrays) gives graphs that differ only in the values
of their leaves.  ``compute(..., scheduler=...)`` would cut and compile
each of them again (for a sliced contraction of ~2,000 nodes, 8 ms of a
60 ms run).  Instead, :func:`structure` gives a graph a key, exact on
everything but the values of the leaves that the plan reads as inputs:
each op node's op, function, backend, shape, dtype and static arguments,
which nodes it reads, each leaf's type, shape, dtype and backend, and the
value of each leaf that the plan holds as a task constant.  A plan (whose
passes fold nothing that depends on a leaf: :func:`lazyray.optimize` with
every leaf a variable) then runs any graph of its key on the values of its
input leaves; :data:`PLANS` keeps the last :data:`SIZE` plans,
:meth:`~.plan.Plan.detach` ed from the graph they were made for.

A graph is given no key (and is planned as usual) when it holds a Variable
without data, a node among its static or keyword arguments, or a task
constant that is neither a numpy array nor a scalar.  Objects compared by
identity in static arguments (arrays, callables) are kept alive with the
key, so that an equal key always means the same objects.
"""

from __future__ import annotations

import threading
from typing import Any, NamedTuple

import numpy as np

from ..graph.config import paused_gc
from ..graph.node import LazyArray
from ..graph.sharing import _STATIC_KWARGS, freeze
from ..passes.hashcons import arg_items
from .partition_cost import number
from .partitioning import _is_key
from .plan import Plan

__all__ = ["structure", "Key", "Kept", "PlanCache", "PLANS", "SIZE", "clear"]

_SCALARS = frozenset((int, float, complex, bool))
_NODE = object()  # marks a node among the items of a static argument


def structure(outputs: list, scatter_min: int = 0) -> tuple | None:
    """``(key, leaves, keep)`` of the graph of the flat ``outputs``: the
    structural key, the leaves in key order, and the objects the key holds
    by identity; None when the graph gets no key (module docstring).

    Leaves that a plan reads as inputs (arrays of at least ``scatter_min``
    bytes) are keyed by type, shape, dtype and backend; smaller ones, task
    constants of the plan, by their value too (numpy arrays and scalars; a
    small leaf of another kind gives no key).

    >>> import lazyray, numpy as np
    >>> def f(a):
    ...     x = lazyray.array(a)
    ...     return [lazyray.sin(x)[1:] + x[0]]
    >>> k1, leaves, _ = structure(f(np.ones(3)))
    >>> k2, _, _ = structure(f(np.zeros(3)))
    >>> k3, _, _ = structure(f(np.zeros(4)))
    >>> k1 == k2, k1 == k3, len(leaves)
    (True, False, 1)
    >>> structure(f(np.ones(3)), 1024)[0] == structure(f(np.zeros(3)), 1024)[0]
    False
    """
    with paused_gc():  # many small acyclic tuples
        return _structure(outputs, scatter_min)


def _structure(outputs, scatter_min):
    nodes, deps, pos = number(outputs, ())
    items, leaves, keep = [], [], []
    add = items.append
    static = _STATIC_KWARGS
    for node, d in zip(nodes, deps):
        if d is None:  # a leaf
            item = _leaf_item(node, scatter_min)
            if item is None:
                return None
            leaves.append(node)
        else:
            kw = node._kwargs
            nd = node._deps
            if node._args is nd and (kw is None or id(kw) in static):
                kw = None if kw is None else id(kw)
                # (number's index tuple, unless it merged a repeated operand)
                ix = d if len(d) == len(nd) else tuple([pos[x] for x in nd])
                item = (node._op, node._fn, node._backend, node._shape, node._dtype, kw, ix)
            else:
                item = _op_item(node, nd, pos, keep)
                if item is None:
                    return None
        add(item)
    add(tuple([pos[o] for o in outputs]))
    try:
        key = Key(tuple(items))
    except TypeError:  # an unhashable function or dtype: not keyed
        return None
    return key, leaves, keep


class Key:
    """A structural key, hashed once (a big tuple would be hashed again at
    every lookup); equal to another key holding an equal tuple."""

    __slots__ = ("items", "_hash")

    def __init__(self, items: tuple):
        self.items = items
        self._hash = hash(items)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other) -> bool:
        return type(other) is Key and other._hash == self._hash and other.items == self.items


def _leaf_item(node, scatter_min):
    data = node._data
    if data is None:  # a Variable: its value is not known here
        return None
    t = type(data)
    item = (t, node._shape, node._dtype, node._backend)
    if _is_key(node, scatter_min):
        return item  # an input of the plan
    if t is np.ndarray:
        return (*item, data.strides, data.tobytes())
    if t in _SCALARS or isinstance(data, np.generic):
        return (*item, freeze(data, []))
    return None


def _op_item(node, deps, pos, keep):
    n = len(keep)
    args = node._args
    a = arg_items(args, deps, lambda i: pos[deps[i]], keep) if type(args) is tuple else None
    if a is None or _holds_node(keep, n):  # nodes inside a container (stack's tuple)
        del keep[n:]
        a = _nested(args, pos, keep)
    kw = node._kwargs
    if kw is not None:
        kw = id(kw) if id(kw) in _STATIC_KWARGS else freeze(kw, keep)
    if _holds_node(keep, n):
        return None  # a node among the kwargs, or one that is no operand: not keyed
    return (node._op, node._fn, node._backend, node._shape, node._dtype, kw, tuple(a))


def _holds_node(keep, n) -> bool:
    return len(keep) > n and any(type(o) is LazyArray for o in keep[n:])


def _nested(x, pos, keep):
    t = type(x)
    if t is LazyArray:
        return (_NODE, pos[x]) if x in pos else freeze(x, keep)
    if t is tuple or t is list:
        return (t, *[_nested(v, pos, keep) for v in x])
    return freeze(x, keep)


class Kept(NamedTuple):
    """A :data:`PLANS` entry (made by
    :func:`lazyray.execute.todask.compute_with_scheduler`): the detached plan
    and where its input values come from (``sources[k]``: the index of a
    keyed leaf, or -1 for the constant ``consts[k]``), the client it was made
    for and the objects its key holds by identity; ``plan`` None: graphs of
    the key run as traced, and are compiled at the next run when
    ``compile_next`` (a plan of one task)."""

    plan: Plan | None
    sources: list
    consts: list
    client: Any
    held: list
    compile_next: bool = False


class PlanCache:
    """The last ``size`` plans by key (least recently used dropped first);
    safe to use from several threads."""

    def __init__(self, size: int):
        self.size = size
        self._plans: dict = {}
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            hit = self._plans.get(key)
            if hit is None:
                return None
            del self._plans[hit[0]]  # (the stored key: found by identity)
            self._plans[hit[0]] = hit  # now the most recent
            return hit[1]

    def put(self, key, value) -> None:
        with self._lock:
            self._plans.pop(key, None)
            self._plans[key] = (key, value)
            while len(self._plans) > self.size:
                self._plans.pop(next(iter(self._plans)))

    def drop(self, key) -> None:
        with self._lock:
            self._plans.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()

    def __len__(self) -> int:
        return len(self._plans)


#: plans kept by :data:`PLANS`
SIZE = 16
#: the plans of ``compute(..., scheduler=...)``
PLANS = PlanCache(SIZE)


def clear() -> None:
    """Forget every kept plan (:data:`PLANS`)."""
    PLANS.clear()
