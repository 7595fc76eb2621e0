"""Machinery shared by the graph passes: copying nodes with new
dependencies and the :class:`Rule` record of the rule tables.

Passes never mutate a node they are given.  The engine (:mod:`.engine`)
walks the graph leaves first and builds a *new* node for every op node
(``copy=True``, the default), so the optimized graph shares only its leaves
(arrays, Variables and already computed nodes, which nothing mutates) with
the user's graph: computing it never fills in, or keeps alive, the user's
intermediate nodes.  With ``copy=False`` (the engine after a first pass,
and :class:`~lazyray.Function`, which only reads the graph) they reuse the
nodes they leave unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..graph.node import LazyArray
from ..graph.traverse import tree_map

__all__ = ["Rule"]


def post_order(roots, done: dict, deps_of, make) -> None:
    """Fill ``done`` (``id(node) -> make(node)``) for ``roots``, each node
    after the nodes ``deps_of(node)`` that are not in ``done`` yet."""
    stack = list(roots)
    while stack:
        x = stack[-1]
        if id(x) in done:
            stack.pop()
            continue
        pending = [d for d in deps_of(x) if id(d) not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        done[id(x)] = make(x)


def _remap_one(a, mapping):
    ta = type(a)
    if ta is LazyArray:
        return mapping[id(a)]
    if ta is tuple or ta is dict or isinstance(a, (tuple, list, dict)):
        return _remap(a, mapping)
    return a


def _remap(tree, mapping):
    """``tree`` (args or kwargs) with every node replaced through ``mapping``."""
    t = type(tree)
    if t is tuple:
        return tuple([_remap_one(a, mapping) for a in tree])
    if t is dict:
        return {k: _remap_one(v, mapping) for k, v in tree.items()}
    if tree is None:
        return None
    return tree_map(lambda n: mapping[id(n)], tree)


@dataclass(frozen=True)
class Rule:
    """One rewrite rule of the engine (:mod:`.engine`).

    Attributes
    ----------
    name : str
        Short name, used as the key of the ``stats`` counts.
    op : str
        The op of the nodes the rule looks at (the engine dispatches by it).
    fn : callable
        ``fn(node, ctx) -> LazyArray | None``: the replacement, or None when
        the rule does not apply.  ``node``'s operands are already rewritten;
        ``ctx`` is the engine (``ctx.norm(n)`` rewrites a node the rule built,
        ``ctx.options`` holds ``backends``).  The engine only accepts a
        replacement with the node's exact shape and dtype, and runs it through
        the table and the rules in turn.
    exact : bool
        True when the replacement gives bit-for-bit identical values; False
        when it agrees within 1e-12 relative (documented per rule).
    trigger : int, optional
        A necessary condition, as data: the rule applies only to nodes with an
        operand that is this number (a Python ``int``, ``float`` or ``bool``
        equal to it) or a scalar of another type (a numpy scalar...).  The
        engine tests it before calling ``fn``, without a call.
    local : bool
        True when ``fn`` decides by the node's op, backend, shape, dtype and
        static arguments and its operands' shapes and dtypes only, and builds
        its result on the node's operands: the engine then works out what the
        op's rules do once per such signature and replays it
        (:mod:`.rewrite`).
    """

    name: str
    op: str
    fn: Callable
    exact: bool = True
    trigger: int | None = None
    local: bool = False
