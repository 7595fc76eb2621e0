"""Graph traversal and pytree helpers, all iterative.

Nothing here recurses over the graph, so million-node chains traverse, pickle
and are garbage collected without touching the recursion limit (recursion is
only used over the *nesting* of user containers such as ``args``).
"""

from __future__ import annotations

from collections.abc import Iterator

from .node import LATE, CustomOp, LazyArray, _new
from .pytree import _KINDS, LEAF, children, kind_of, rebuild_container
from .registry import resolve

#: containers expanded by :func:`find_lazy` before it checks for a cycle
_CYCLE_CHECK_AFTER = 100_000


def find_lazy(tree) -> Iterator[LazyArray]:
    """Yield the lazy arrays inside a pytree, depth first, in order.

    Containers are every sequence and mapping (see :mod:`lazyray.graph.pytree`);
    the walk is iterative, whatever the nesting.  A container that holds
    itself is a ``ValueError``.

    >>> import lazyray
    >>> x, y = lazyray.Variable(()), lazyray.Variable(())
    >>> [n is x for n in find_lazy({"a": (1, [x, y])})]
    [True, False]
    """
    if type(tree) is LazyArray:
        yield tree
        return
    stack = [tree]
    pop, extend, known = stack.pop, stack.extend, _KINDS.get
    expanded = 0
    while stack:
        x = pop()
        t = type(x)
        if t is LazyArray:
            yield x
            continue
        k = known(t, 0)
        if k is LEAF:
            continue
        if t is tuple or t is list:
            extend(x[::-1])
        elif t is dict:
            extend(reversed(x.values()))
        else:
            if k == 0:  # a type not met before
                k = kind_of(t)
                if k is LEAF:
                    continue
            extend(children(x, k)[1][::-1])
        expanded += 1
        if expanded == _CYCLE_CHECK_AFTER:  # a cycle would never end: check once
            _check_acyclic(tree)


def _check_acyclic(tree) -> None:
    """Raise ``ValueError`` if a container of ``tree`` holds itself."""
    done = object()
    stack = [tree]
    open_ids: set = set()  # the containers on the current path
    while stack:
        x = stack.pop()
        if x is done:
            open_ids.discard(stack.pop())
            continue
        k = kind_of(type(x))
        if k is LEAF:
            continue
        i = id(x)
        if i in open_ids:
            raise ValueError(f"a pytree of lazy arrays contains itself (a {type(x).__name__})")
        open_ids.add(i)
        stack += [i, done, *children(x, k)[1]]


def tree_map(f, tree, leaf_type=LazyArray):
    """Apply ``f`` to every ``leaf_type`` leaf of a pytree, keeping its structure.

    Every sequence and mapping is a container, rebuilt with its own type
    (see :mod:`lazyray.graph.pytree` for the rule); other objects are returned
    unchanged.

    >>> import collections, lazyray
    >>> x = lazyray.Variable(())
    >>> out = tree_map(lambda n: n.shape, collections.OrderedDict(a=[x, 1]))
    >>> type(out).__name__, dict(out)
    ('OrderedDict', {'a': [(), 1]})
    """
    if isinstance(tree, leaf_type):
        return f(tree)
    t = type(tree)
    if t is tuple or t is list:
        return t([tree_map(f, v, leaf_type) for v in tree])
    if t is dict:
        return {k: tree_map(f, v, leaf_type) for k, v in tree.items()}
    k = kind_of(t)
    if k is LEAF:
        return tree
    keys, values = children(tree, k)
    return rebuild_container(tree, keys, [tree_map(f, v, leaf_type) for v in values])


def to_list(tree) -> list:
    """The unique lazy arrays of a pytree, in order of first appearance."""
    if type(tree) is LazyArray:
        return [tree]
    return list({id(x): x for x in find_lazy(tree)}.values())


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


def push_order(deps):
    """The order in which uncomputed dependencies are pushed on a stack, so
    that the *deepest* pops first (ties: the first argument first).

    Shared by :func:`ascend` and :func:`lazyray.execute.compute.compute_nodes`, so that
    statistics computed along :func:`ascend` describe what ``compute`` does.
    """
    if len(deps) < 2:
        return deps
    return sorted(deps[::-1], key=LazyArray.depth.fget)


def ascend(lz) -> Iterator[LazyArray]:
    """Yield each unique node once, every node after all its dependencies.

    Among several unvisited dependencies the deepest is visited first (the
    seed's 'deepest first'); this is exactly the order :func:`lazyray.compute`
    runs nodes in.

    Parameters
    ----------
    lz : as in :func:`descend`

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
    looked up again when unpickled (unless the node holds another function
    than its name resolves to, such as numpy's path-optimized ``einsum``).
    """
    nodes = topological(node)
    index = {id(n): i for i, n in enumerate(nodes)}

    def ref(x):
        return _Ref(index[id(x)])

    records = []
    for n in nodes:
        fn = n._fn
        if type(n._op) is str and fn is not None and fn is resolve(n._backend, n._op):
            fn = None  # stored by name (a specialised function is stored itself)
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


LATE.find_lazy = to_list  # for LazyArray(...) without deps (the node cannot import us)
