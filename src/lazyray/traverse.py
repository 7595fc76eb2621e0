"""Graph traversal and pytree helpers, all iterative.

Nothing here recurses over the graph, so million-node chains traverse, pickle
and are garbage collected without touching the recursion limit (recursion is
only used over the *nesting* of user containers such as ``args``).
"""

from __future__ import annotations

from collections.abc import Iterator

from .array import LazyArray

_CONTAINERS = (tuple, list, dict)


def find_lazy(tree) -> Iterator[LazyArray]:
    """Yield the lazy arrays inside a pytree of tuples, lists and dicts.

    >>> import lazyray
    >>> x, y = lazyray.Variable(()), lazyray.Variable(())
    >>> [n is x for n in find_lazy({"a": (1, [x, y])})]
    [True, False]
    """
    t = type(tree)
    if t is LazyArray:
        yield tree
    elif t is dict:
        for v in tree.values():
            yield from find_lazy(v)
    elif isinstance(tree, _CONTAINERS):
        for v in tree:
            yield from find_lazy(v)


def tree_map(f, tree, leaf_type=LazyArray):
    """Apply ``f`` to every ``leaf_type`` leaf of a pytree, keeping its structure.

    Tuples, lists, dicts and namedtuples are containers; other objects are
    returned unchanged.
    """
    if isinstance(tree, leaf_type):
        return f(tree)
    t = type(tree)
    if t is tuple or t is list:
        return t(tree_map(f, v, leaf_type) for v in tree)
    if t is dict:
        return {k: tree_map(f, v, leaf_type) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return t(*(tree_map(f, v, leaf_type) for v in tree))
    if isinstance(tree, (tuple, list)):
        return t(tree_map(f, v, leaf_type) for v in tree)
    if isinstance(tree, dict):
        return t((k, tree_map(f, v, leaf_type)) for k, v in tree.items())
    return tree


def to_list(tree) -> list:
    """The unique lazy arrays of a pytree, in order of first appearance."""
    seen, out = set(), []
    for x in find_lazy(tree):
        if id(x) not in seen:
            seen.add(id(x))
            out.append(x)
    return out


def descend(lz) -> Iterator[LazyArray]:
    """Yield each unique node of the graph once, outputs first.

    Parameters
    ----------
    lz : pytree of LazyArray
        Output node(s) of the graph.

    >>> import lazyray
    >>> x = lazyray.Variable((2,))
    >>> [n.fn_name for n in descend(lazyray.sin(x) + x)]
    ['add', 'sin', 'variable']
    """
    stack = to_list(lz)[::-1]
    seen = set()
    while stack:
        node = stack.pop()
        nid = id(node)
        if nid not in seen:
            seen.add(nid)
            yield node
            stack.extend(reversed(node._deps))


def _depth(node):
    return node._depth


def push_order(deps):
    """The order in which uncomputed dependencies are pushed on a stack, so
    that the *deepest* pops first (ties: the first argument first).

    Shared by :func:`ascend` and :func:`lazyray.execute.compute_nodes`, so that
    statistics computed along :func:`ascend` describe what ``compute`` does.
    """
    if len(deps) < 2:
        return deps
    return sorted(deps[::-1], key=_depth)


def ascend(lz) -> Iterator[LazyArray]:
    """Yield each unique node once, every node after all its dependencies.

    Among several unvisited dependencies the deepest is visited first (the
    seed's 'deepest first'); this is exactly the order :func:`lazyray.compute`
    runs nodes in.

    Parameters
    ----------
    lz : pytree of LazyArray
        Output node(s) of the graph.

    >>> import lazyray
    >>> x = lazyray.Variable((2,))
    >>> [n.fn_name for n in ascend(lazyray.sin(x) + x)]
    ['variable', 'sin', 'add']
    """
    stack = to_list(lz)[::-1]
    visited = set()
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        nid = id(node)
        if nid in visited:
            continue
        ready = True
        for d in push_order(node._deps):
            if id(d) not in visited:
                if ready:
                    push(node)
                    ready = False
                push(d)
        if ready:
            visited.add(nid)
            yield node


def topological(lz) -> list:
    """All nodes of the graph as a list in :func:`ascend` order."""
    return list(ascend(lz))


# ------------------------------------------------------------------ pickling


class _Ref:
    """Stands for the node with index ``i`` in a flattened, pickled graph."""

    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i

    def __reduce__(self):
        return (_Ref, (self.i,))


def reduce_node(node: LazyArray):
    """``__reduce__`` of a node: the whole graph behind it, flattened.

    The graph is stored as a list of node records in topological order whose
    references to other nodes are indices, so pickling never recurses along
    the graph.  Registry ops store only their name: the backend function is
    looked up again when unpickled.
    """
    nodes = topological(node)
    index = {id(n): i for i, n in enumerate(nodes)}

    def ref(x):
        return _Ref(index[id(x)])

    records = []
    for n in nodes:
        fn = n._fn if (n._fn is not None and type(n._op) is not str) else None
        records.append(
            (
                str(n._op),
                type(n._op) is not str,
                fn,
                tree_map(ref, n._args),
                tree_map(ref, n._kwargs),
                n._shape,
                n._dtype,
                n._backend,
                tuple(index[id(d)] for d in n._deps),
                n._data,
                n._depth,
                n._fn is not None,
            )
        )
    return (_rebuild, (records,))


def _rebuild(records):
    from .array import CustomOp, _new
    from .ops.registry import resolve

    nodes = []

    def deref(x):
        return nodes[x.i]

    for op, custom, fn, args, kwargs, shape, dtype, backend, deps, data, depth, has_fn in records:
        n = _new(LazyArray)
        n._op = CustomOp(op) if custom else op
        if has_fn and fn is None:
            fn = resolve(backend, op)
        n._fn = fn
        n._args = tree_map(deref, args, _Ref)
        n._kwargs = tree_map(deref, kwargs, _Ref)
        n._shape, n._dtype, n._backend = shape, dtype, backend
        n._deps = tuple(nodes[i] for i in deps)
        n._data, n._depth = data, depth
        nodes.append(n)
    return nodes[-1]
