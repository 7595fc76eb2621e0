"""The memory model behind the ``history_*`` size statistics.

:func:`memory_plan` walks the nodes once (in :func:`lazyray.ascend` order)
and records, per node, the memory it allocates, the memory released after
its last use, and the step of that last use, in elements and bytes.  Peaks
and per-node footprints are then computed with numpy, so statistics of
million-node graphs take about a second.

Every statistic is an exact Python integer: sizes are products of Python
ints (:func:`math.prod`), and the numpy arrays are ``int64`` only when the
total size of the graph fits in it (every live size is at most that total);
otherwise they hold Python ints (``dtype=object``), slower but exact.

See :mod:`lazyray.inspect.stats` for the conventions (inputs, outputs, multi-output
nodes).
"""

from __future__ import annotations

import math

import numpy as np

from ..graph.dtypes import itemsize
from ..graph.node import LazyArray

__all__ = ["MemoryPlan", "memory_plan", "peak", "footprint_per_node", "footprint_events"]

#: totals at or above this use Python ints (object arrays) instead of int64
_INT64_LIMIT = 2**63


def is_multi(node) -> bool:
    """A hidden multi-output node (tuple shape and dtype)?"""
    return type(node._dtype) is tuple


def is_item_of(node) -> bool:
    """An uncomputed ``item`` of a multi-output node?"""
    return (
        node._fn is not None
        and type(node._op) is str
        and node._op == "item"
        and type(node._deps[0]._dtype) is tuple
    )


#: a node's size in elements and in bytes (for a hidden multi-output node,
#: the total over its outputs): the node's ``size`` and ``nbytes``
elements = LazyArray.size.fget
nbytes = LazyArray.nbytes.fget


def component(base, i, bytes):  # noqa: A002
    """Size of output ``i`` of the multi-output node ``base``."""
    n = math.prod(base._shape[i])
    return n * itemsize(base._dtype[i]) if bytes else n


class MemoryPlan:
    """Per-node memory records of a graph (arrays indexed like ``nodes``).

    Attributes
    ----------
    nodes : list
        The nodes, in :func:`lazyray.ascend` order.
    index : dict
        ``id(node)`` to its position.
    is_input : bool array
        Nodes with nothing to compute (leaves, computed nodes).
    size : (elements, bytes) int64 arrays (object arrays of Python ints if
        the graph's total size does not fit int64)
        The array(s) each node holds (sum of outputs for multi-output nodes).
    own : (elements, bytes)
        ``size``, but 0 for ``item`` nodes (they refer to their base's memory).
    alloc : (elements, bytes)
        Memory allocated when the node is computed (0 for inputs, items).
    release : dict
        ``include_inputs -> (elements, bytes)``: memory released after the
        node's last use.
    last : int64 array
        Step of the node's last use; -1 for outputs (never released).
    dtype : type
        ``np.int64`` or ``object``: the dtype of the size arrays.
    """

    __slots__ = ("nodes", "index", "is_input", "size", "own", "alloc", "release", "last", "dtype")


def memory_plan(nodes: list, outputs: list) -> MemoryPlan:
    """Build the :class:`MemoryPlan` of ``nodes`` (topological order)."""
    n = len(nodes)
    index = {id(x): i for i, x in enumerate(nodes)}
    sizes: dict = {}
    isz: dict = {}
    size_e, size_b = [0] * n, [0] * n
    is_input = [False] * n
    last = [-1] * n
    items = []  # (i, base index, output number)
    for i, x in enumerate(nodes):
        for d in x._deps:
            last[index[id(d)]] = i
        is_input[i] = x._fn is None
        dt = x._dtype
        if type(dt) is tuple:
            size_e[i], size_b[i] = elements(x), nbytes(x)
        else:
            shape = x._shape
            e = sizes.get(shape)
            if e is None:
                e = sizes[shape] = math.prod(shape)
            b = isz.get(dt)
            if b is None:
                b = isz[dt] = itemsize(dt)
            size_e[i], size_b[i] = e, e * b
            if is_item_of(x):
                items.append((i, index[id(x._deps[0])], x._args[1]))
    for o in outputs:
        last[index[id(o)]] = -1
    plan = MemoryPlan()
    plan.nodes, plan.index = nodes, index
    plan.is_input = np.array(is_input, dtype=bool)
    # every live size is a sum of distinct nodes' sizes: at most the total
    exact = np.int64 if sum(size_b) < _INT64_LIMIT else object
    se = np.array(size_e, dtype=exact)
    sb = np.array(size_b, dtype=exact)
    plan.size = (se, sb)
    plan.dtype = exact
    alloc_e, alloc_b = np.where(plan.is_input, 0, se), np.where(plan.is_input, 0, sb)
    rel_e, rel_b = se.copy(), sb.copy()
    own_e, own_b = se.copy(), sb.copy()
    excl = plan.is_input.copy()  # released only when inputs are counted
    taken: dict = {}
    for i, base, k in items:
        alloc_e[i] = alloc_b[i] = own_e[i] = own_b[i] = 0
        got = taken.setdefault(base, set())
        if k in got:  # a second item of the same output: the first owns it
            rel_e[i] = rel_b[i] = 0
        else:
            got.add(k)
            b = nodes[base]
            rel_e[i], rel_b[i] = component(b, k, False), component(b, k, True)
            rel_e[base] -= rel_e[i]
            rel_b[base] -= rel_b[i]
        if plan.is_input[base]:
            excl[i] = True
    plan.own = (own_e, own_b)
    plan.alloc = (alloc_e, alloc_b)
    plan.release = {
        True: (rel_e, rel_b),
        False: (np.where(excl, 0, rel_e), np.where(excl, 0, rel_b)),
    }
    plan.last = np.array(last, dtype=np.int64)
    return plan


def _start(plan, include_inputs, bytes):  # noqa: A002
    return int(plan.size[bytes][plan.is_input].sum()) if include_inputs else 0


def footprint_per_node(plan: MemoryPlan, include_inputs: bool, bytes: bool) -> np.ndarray:  # noqa: A002
    """Live memory while each node is computed (its operands and result
    included), as an array of the plan's dtype (int64 or Python ints)."""
    alloc = plan.alloc[bytes]
    rel = plan.release[include_inputs][bytes]
    freed = np.zeros(len(alloc), dtype=plan.dtype)
    mask = plan.last >= 0
    np.add.at(freed, plan.last[mask], rel[mask])
    # live after node i, plus what its last use released: live while computing it
    return _start(plan, include_inputs, bytes) + np.cumsum(alloc - freed) + freed


def peak(plan: MemoryPlan, include_inputs: bool, bytes: bool) -> int:  # noqa: A002
    """The largest live memory during the computation."""
    start = _start(plan, include_inputs, bytes)
    if not len(plan.nodes):
        return start
    return max(start, int(footprint_per_node(plan, include_inputs, bytes).max()))


def footprint_events(plan: MemoryPlan, include_inputs: bool, bytes: bool) -> list:  # noqa: A002
    """The live memory at the start and after each allocation and release,
    in the order (and with the entries) autoray's lazy module lists them."""
    alloc = plan.alloc[bytes].tolist()
    rel = plan.release[include_inputs][bytes].tolist()
    last = plan.last.tolist()
    is_input = plan.is_input.tolist()
    index = plan.index
    live = _start(plan, include_inputs, bytes)
    out = [live]
    for i, node in enumerate(plan.nodes):
        if not is_input[i]:
            live += alloc[i]
            out.append(live)
        deps = node._deps
        for j in range(len(deps) - 1, -1, -1):
            k = index[id(deps[j])]
            if last[k] != i or (is_input[k] and not include_inputs):
                continue
            if any(d is deps[j] for d in deps[j + 1 :]):
                continue  # an operand listed twice (``x + x``) is released once
            live -= rel[k]
            out.append(live)
    return out
