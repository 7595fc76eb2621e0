"""Evaluating nodes: :func:`compute_nodes` (the walk every runner shares)
and strict mode (:func:`strict`, :func:`set_strict`).

:func:`compute_nodes` walks the graph iteratively in topological order
(deepest dependency first).  Each computed node keeps its result and drops
its function, arguments and dependencies, so an intermediate the user does
not hold is freed as soon as its last consumer has run, and real peak memory
follows the predicted one.
"""

from __future__ import annotations

import contextlib
import os
from operator import attrgetter

from .dtypes import dtype_name
from .node import LazyArray
from .pytree import LEAF, kind_of
from .traverse import push_order, tree_map

_STRICT = [os.environ.get("LAZYRAY_STRICT", "") not in ("", "0")]


def set_strict(value: bool) -> bool:
    """Turn strict mode on or off globally; returns the previous setting.

    In strict mode every computed node's real shape and dtype are checked
    against the ones inferred at trace time, raising ``AssertionError`` on
    any difference.  It can also be enabled with ``LAZYRAY_STRICT=1``.
    """
    old = _STRICT[0]
    _STRICT[0] = bool(value)
    return old


@contextlib.contextmanager
def strict(value: bool = True):
    """Context manager form of :func:`set_strict`.

    >>> import lazyray, numpy as np
    >>> with lazyray.strict():
    ...     lazyray.compute(lazyray.array(np.ones(3)) * 2).shape
    (3,)
    """
    old = set_strict(value)
    try:
        yield
    finally:
        set_strict(old)


_PLAIN = frozenset((int, float, complex, bool, str, type(None), slice))
_get_data = attrgetter("_data")


def _resolve(a):
    """Replace lazy arrays inside an argument pytree by their data."""
    t = type(a)
    if t is LazyArray:
        return a._data
    if t in _PLAIN:
        return a
    if t is tuple or t is list:
        return t([_resolve(v) for v in a])
    if t is dict:
        return {k: _resolve(v) for k, v in a.items()}
    if kind_of(t) is not LEAF:  # any other sequence or mapping (lazyray.graph.pytree)
        return tree_map(_get_data, a)
    return a


def check_result(node: LazyArray, data) -> None:
    """Strict-mode check of a computed value against the node's static info."""
    if type(node._dtype) is tuple:  # multi-output node: checked through its items
        return
    if type(data) in (tuple, list) and type(node._op) is not str and node._shape == (len(data),):
        return  # a user callable returning k outputs, declared with .to(shape=(k,))
    shape = tuple(int(d) for d in getattr(data, "shape", ()))
    dtype = dtype_name(getattr(data, "dtype", type(data)))
    if shape != node._shape or dtype != node._dtype:
        raise AssertionError(
            f"strict mode: {node._op} on backend {node._backend!r} produced "
            f"shape {shape} dtype {dtype}, but shape {node._shape} dtype "
            f"{node._dtype} was inferred"
        )


def compute_nodes(outputs: list) -> None:
    """Compute every listed node (and what it needs) in place.

    A node is pushed on the stack, then its uncomputed dependencies above it
    (deepest on top, see :func:`lazyray.graph.traverse.push_order`); it runs when
    it resurfaces with every dependency computed.  The order is exactly that
    of :func:`lazyray.ascend`.

    Several threads may compute the same graph at once: a node is then
    possibly computed twice (with the same result), never read half-cleared.
    """
    check = _STRICT[0]
    stack = [n for n in outputs[::-1] if n._data is None]
    pop, push = stack.pop, stack.append
    node = None
    try:
        while stack:
            node = pop()
            if node._data is not None:
                continue
            deps = node._deps
            ready = True
            for d in push_order(deps) if len(deps) > 1 else deps:
                if d._data is None:
                    if ready:
                        push(node)
                        ready = False
                    push(d)
            if not ready:
                continue
            # Read each slot once: another thread computing the same graph sets
            # ``_data`` before it clears ``_fn``, ``_args``, ``_kwargs`` and
            # ``_deps``, so a snapshot taken while ``_data`` is still None is whole.
            fn = node._fn
            args = node._args
            kwargs = node._kwargs
            deps = node._deps
            if node._data is not None:  # computed meanwhile by another thread
                continue
            if fn is None:
                raise ValueError(
                    f"cannot compute: the graph holds a Variable of shape {node._shape} and "
                    f"dtype {node._dtype} with no data; use lazyray.Function to supply it"
                )
            if args is deps and kwargs is None:  # all arguments are nodes
                if len(deps) == 1:
                    data = fn(deps[0]._data)
                else:
                    data = fn(*[d._data for d in deps])
            elif deps:
                if len(args) == 2:  # x * 2.0, tensordot(a, b, axes=...), x[key]: no list
                    a, b = args
                    ta, tb = type(a), type(b)
                    # the deps found in a and b (x * x is one dependency, not two)
                    nab = (ta is LazyArray) + (tb is LazyArray and b is not a)
                    a = a._data if ta is LazyArray else a if ta in _PLAIN else _resolve(a)
                    b = b._data if tb is LazyArray else b if tb in _PLAIN else _resolve(b)
                    if not kwargs:
                        data = fn(a, b)
                    elif nab == len(deps):
                        data = fn(a, b, **kwargs)  # no dependency hides in kwargs
                    else:
                        data = fn(a, b, **_resolve(kwargs))
                    a = b = None  # hold no input beyond its last use
                else:
                    args = [
                        a._data if type(a) is LazyArray else a if type(a) in _PLAIN else _resolve(a)
                        for a in args
                    ]
                    data = fn(*args, **_resolve(kwargs)) if kwargs else fn(*args)
            else:
                data = fn(*args, **(kwargs or {}))
            if check:
                check_result(node, data)
            node._data = data
            node._fn = node._args = node._kwargs = None
            node._deps = ()
    except Exception as e:
        # the node whose op raised, for the caller to name (lazyray.execute)
        with contextlib.suppress(AttributeError):
            e.lazyray_node = node
        raise
