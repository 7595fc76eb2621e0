"""Machinery shared by the graph passes: copying nodes with new dependencies,
and a rule-driven rewriter used by :mod:`.simplify` and :mod:`.lower`.

Passes never mutate a node they are given.  They walk the graph leaves first
and build a *new* node for every op node (``copy=True``, the default), so
the optimized graph shares only its leaves (arrays, Variables and already
computed nodes, which nothing mutates) with the user's graph.  Computing the
optimized graph therefore never fills in, or keeps alive, the user's
intermediate nodes.  :func:`lazyray.optimize` passes ``copy=False`` to the
passes after the first, which then reuse the nodes they leave unchanged
(nodes that the first pass built and nobody else holds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..graph.node import LazyArray, new_node
from ..graph.sharing import no_sharing
from ..graph.traverse import find_lazy, tree_map

__all__ = [
    "Rule",
    "is_leaf",
    "rebuilt",
    "copy_graph",
    "map_outputs",
    "rewrite",
    "Context",
    "replaces",
    "variable_ids",
]


def is_leaf(node: LazyArray) -> bool:
    """Leaves: arrays, Variables and computed nodes (no function to run)."""
    return node._fn is None


def topo(outputs) -> list:
    """Every node of the graph once, each after its dependencies (a cheaper
    walk than :func:`lazyray.ascend`, whose deepest-first order the passes do
    not need)."""
    order = []
    done = set()
    stack = list(find_lazy(outputs))[::-1]
    pop, push, add = stack.pop, stack.append, done.add
    while stack:
        node = pop()
        nid = id(node)
        if nid in done:
            continue
        ready = True
        for d in node._deps:
            if id(d) not in done:
                if ready:
                    push(node)
                    ready = False
                push(d)
        if ready:
            add(nid)
            order.append(node)
    return order


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


def rebuilt(node: LazyArray, mapping: dict, copy: bool = True) -> LazyArray:
    """``node`` with each dependency ``d`` replaced by ``mapping[id(d)]``.

    A new node is built unless ``copy`` is false and no dependency changed,
    in which case ``node`` itself is returned.
    """
    deps = node._deps
    new_deps = [mapping[id(d)] for d in deps]
    if not copy and all(a is b for a, b in zip(new_deps, deps)):
        return node
    if len(new_deps) > 1:  # two deps may have been merged into one
        seen, uniq = set(), []
        for d in new_deps:
            if id(d) not in seen:
                seen.add(id(d))
                uniq.append(d)
        new_deps = uniq
    return new_node(
        node._op,
        node._fn,
        _remap(node._args, mapping),
        _remap(node._kwargs, mapping),
        node._shape,
        node._dtype,
        node._backend,
        tuple(new_deps),
    )


def copy_graph(outputs):
    """A copy of the graph: new op nodes, the same leaves.

    >>> import lazyray
    >>> x = lazyray.Variable((2,))
    >>> y = lazyray.sin(x)
    >>> z = copy_graph(y)
    >>> z is y, z.deps[0] is x
    (False, True)
    """
    mapping = {}
    with no_sharing():
        for node in topo(outputs):
            mapping[id(node)] = node if node._fn is None else rebuilt(node, mapping)
        return map_outputs(outputs, mapping)


def map_outputs(outputs, mapping: dict):
    """The outputs pytree with every node replaced through ``mapping``."""
    return tree_map(lambda n: mapping[id(n)], outputs)


def variable_ids(nodes: list, variables) -> set:
    """Ids of the nodes of ``nodes`` (a whole graph) treated as variables.

    With ``variables=None`` every leaf is a variable; otherwise the given lazy
    arrays and every leaf without data (a :func:`~lazyray.Variable`).
    """
    if variables is None:
        return {id(n) for n in nodes if n._fn is None}
    ids = {id(v) for v in find_lazy(variables)}
    ids.update(id(n) for n in nodes if n._fn is None and n._data is None)
    return ids


@dataclass(frozen=True)
class Rule:
    """One rewrite rule.

    Attributes
    ----------
    name : str
        Short name, used as the key of the ``stats`` counts.
    op : str
        The op of the nodes the rule looks at.
    fn : callable
        ``fn(node, ctx) -> LazyArray | None``: the replacement, or None when
        the rule does not apply.  The driver only accepts a replacement with
        the node's exact shape and dtype.
    exact : bool
        True when the replacement gives bit-for-bit identical values; False
        when it agrees within 1e-12 relative (documented per rule).
    shallow : bool
        True when whether the rule applies depends only on the node's own op,
        its non-lazy arguments and the shapes and dtypes of its operands (not
        on the ops that computed them), and the replacement is one of the
        node's operands.  The fused pipeline (:mod:`.fused`) relies on it: it
        decides such a rule once, on the user's node, for every pass.
    pre : callable, optional
        ``pre(node) -> bool``, a cheap necessary condition (False: the rule
        certainly does not apply), checked before ``fn`` by the fused
        pipeline.
    """

    name: str
    op: str
    fn: Callable
    exact: bool = True
    shallow: bool = False
    pre: Callable | None = None


def replaces(new, node) -> bool:
    """Whether a rule's result ``new`` is a replacement for ``node`` the
    drivers accept: a node other than ``node``, of its shape and dtype."""
    return (
        new is not None
        and new is not node
        and new._shape == node._shape
        and new._dtype == node._dtype
    )


class Context:
    """State of one :func:`rewrite` walk, handed to the rules.

    ``ctx.norm(node)`` applies the rules to a node a rule has just built
    (e.g. each pairwise contraction of a split einsum) until none applies.
    """

    def __init__(self, rules, exact: bool, stats: dict | None, options=None, max_steps=32):
        table = {}
        for r in rules:
            if r.exact or not exact:
                table.setdefault(r.op, []).append(r)
        self.table = table
        self.stats = stats
        self.options = options or {}
        self.max_steps = max_steps
        self.exhausted = False  # a node still had a rule to apply after max_steps

    def norm(self, node: LazyArray) -> LazyArray:
        table = self.table
        for _ in range(self.max_steps):
            op = node._op
            if type(op) is not str or node._fn is None:
                return node
            for rule in table.get(op, ()):
                new = rule.fn(node, self)
                if replaces(new, node):
                    if self.stats is not None:
                        self.stats[rule.name] = self.stats.get(rule.name, 0) + 1
                    node = new
                    break
            else:
                return node
        self.exhausted = True
        return node


def rewrite(outputs, rules, *, exact=False, copy=True, stats=None, options=None):
    """Apply ``rules`` to every op node, leaves first, until none applies.

    Returns the new outputs (same pytree).  ``stats``, if a dict, receives the
    number of times each rule fired; ``options`` is handed to the rules as
    ``ctx.options``.
    """
    ctx = Context(rules, exact, stats, options)
    mapping = {}
    with no_sharing():
        for node in topo(outputs):
            if node._fn is None:
                mapping[id(node)] = node
            else:
                mapping[id(node)] = ctx.norm(rebuilt(node, mapping, copy))
        return map_outputs(outputs, mapping)
