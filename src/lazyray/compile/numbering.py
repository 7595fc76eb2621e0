"""Numbering a graph for the tape builder (:mod:`.tapebuild`): each value a
number, in the order of :func:`lazyray.graph.traverse.ascend`, with its
dependencies' numbers, its last reader, and what the builder needs of the
common op nodes (:func:`spec`)."""

from __future__ import annotations

from .tape import BIN, BINC, UN

__all__ = ["Numbered", "number", "spec"]

_ATOMS = frozenset({int, float, str, bool, type(None), complex, slice})


def _depth(node):
    return node._depth


class Numbered:
    """A graph between inputs and outputs, numbered for the tape builder.

    ``nodes[j]`` computes value ``j``: the inputs first, then leaves and op
    nodes in a topological order.  ``deps[j]`` is the value of the single
    dependency of an op node, a tuple of the (distinct) values of its
    dependencies, aligned with ``nodes[j]._deps``, or None for inputs and
    leaves; ``last[j]`` is the value of the last op node reading value ``j``
    (-1 if none); ``pos`` maps every node numbered to its value (keyed by
    the node itself: lazy arrays hash by identity, and a dict compares keys
    of equal hashes only, which distinct live objects never have).
    ``specs[j]`` is what the tape builder needs of an op node it can emit
    without reading the node again (see :func:`spec`), or None.
    """

    __slots__ = ("nodes", "deps", "last", "pos", "specs")

    def __init__(self, nodes, deps, last, pos, specs):
        self.nodes, self.deps, self.last, self.pos, self.specs = nodes, deps, last, pos, specs


def number(outputs, inputs, sub=None) -> Numbered:
    """Number the graph between ``inputs`` and ``outputs`` (lists of nodes)
    in the order of :func:`lazyray.graph.traverse.ascend` (deepest dependency
    first).  ``sub``: the lean result of the rewrite engine
    (:class:`lazyray.passes.engine.Engine`), ``{node: its operands}``
    for the nodes that compute their value on other operands than their own
    (``deps[j]`` then holds the values of its replacements, and ``pos`` has
    no entry for an old operand, which only such a node reads)."""
    pos = {v: j for j, v in enumerate(inputs)}
    nodes = list(inputs)
    deps_of = [None] * len(nodes)
    last = [-1] * len(nodes)
    specs = [None] * len(nodes)
    add_node, add_deps, add_last = nodes.append, deps_of.append, last.append
    add_spec = specs.append
    getpos = pos.get
    stack = outputs[::-1]
    push, pop = stack.append, stack.pop
    while stack:
        node = stack[-1]
        if node in pos:
            pop()
            continue
        if node._data is not None or node._fn is None:  # a leaf
            pop()
            pos[node] = len(nodes)
            add_node(node)
            add_deps(None)
            add_last(-1)
            add_spec(None)
            continue
        deps = sub.get(node, node._deps) if sub else node._deps
        nd = len(deps)
        if nd == 1:
            j = getpos(deps[0])
            if j is None:
                # a run of one-operand nodes: descend it at once and, when
                # its bottom operand is numbered, number it on the way up
                run = [node]
                d = deps[0]
                while d._data is None and d._fn is not None:
                    dd = sub.get(d, d._deps) if sub else d._deps
                    if len(dd) != 1:
                        break
                    run.append(d)
                    d = dd[0]
                    j = getpos(d)
                    if j is not None:
                        break
                if j is None:
                    stack.extend(run[1:])
                    push(d)
                    continue
                pop()
                # the run, bottom first, takes values i0 .. i0 + k - 1: each
                # reads the one before (value j for the first), and is read
                # by the next
                run.reverse()
                i0 = len(nodes)
                k = len(run)
                last[j] = i0
                add_deps(j)
                deps_of.extend(range(i0, i0 + k - 1))
                last.extend(range(i0 + 1, i0 + k))
                add_last(-1)
                nodes.extend(run)
                pos.update(zip(run, range(i0, i0 + k)))
                for x in run:
                    xd = x._deps
                    a = x._args  # spec(x), inline
                    if x._kwargs is not None:
                        add_spec(None)
                    elif a is xd:
                        add_spec((UN, x._fn, None, x._op, x._backend))
                    elif len(a) == 2 and a[0] is xd[0] and type(a[1]) in _ATOMS:
                        add_spec((BINC, x._fn, a[1], x._op, x._backend))
                    else:
                        add_spec(None)
                continue
            i = len(nodes)
            last[j] = i
            add_deps(j)
        elif nd == 2:
            d0, d1 = deps
            j0 = getpos(d0)
            j1 = getpos(d1)
            if j0 is None:
                if j1 is None:
                    # as traverse.push_order: the deepest pops first, ties
                    # by argument order
                    if d1._depth > d0._depth:
                        push(d0)
                        push(d1)
                    else:
                        push(d1)
                        push(d0)
                else:
                    push(d0)
                continue
            if j1 is None:
                push(d1)
                continue
            i = len(nodes)
            last[j0] = i
            last[j1] = i
            add_deps((j0, j1))
        else:
            idx = [getpos(d) for d in deps]
            if None in idx:
                pending = [d for d, j in zip(deps, idx) if j is None]
                if len(pending) > 1:
                    # as traverse.push_order: the deepest pops first, ties
                    # by argument order
                    pending.reverse()
                    pending.sort(key=_depth)
                stack.extend(pending)
                continue
            i = len(nodes)
            for j in idx:
                last[j] = i
            add_deps(tuple(idx))
        pop()
        pos[node] = i
        add_node(node)
        add_last(-1)
        if nd == 2 and node._args is node._deps and node._kwargs is None:
            add_spec((BIN, node._fn, None, node._op, node._backend))  # spec(node)
        else:
            add_spec(spec(node) if nd <= 2 else None)
    return Numbered(nodes, deps_of, last, pos, specs)


def spec(node):
    """``(code, fn, b, op, backend)`` of an op node on one or two
    dependencies that is one ``UN``, ``BINC`` or ``BIN`` instruction on them
    (``b``: the static argument of ``BINC``), else None."""
    args, deps = node._args, node._deps
    if node._kwargs is not None:
        return None
    if args is deps and len(deps) in (1, 2):
        code, b = (UN if len(deps) == 1 else BIN), None
    elif len(deps) == 1 and len(args) == 2 and args[0] is deps[0] and type(args[1]) in _ATOMS:
        code, b = BINC, args[1]
    else:
        return None
    return (code, node._fn, b, node._op, node._backend)
