"""Memory-aware execution order.

:func:`memory_order` chooses an order in which to compute the nodes of a
graph so that the peak of live bytes is small, and reports that predicted
peak; :func:`peak_memory` predicts the peak of any given order.

The memory model (bytes are ``size * dtypes.itemsize(dtype)``):

* leaves (arrays, Variables, computed nodes) are held by the caller: they
  are live for the whole run (counted when ``include_inputs``);
* an op node's result is allocated when it runs, while its inputs are still
  live, and freed once every node using it has run; outputs are never freed;
* a multi-output node allocates all its outputs at once; its ``item`` nodes
  are views of that result (no new bytes) and keep it alive while any of
  them is used.

Finding the order of least peak is NP-hard; :func:`memory_order` tries three
heuristics and keeps the best: the default depth-first order of
:func:`lazyray.ascend`, a depth-first order that evaluates the dependency
needing the most memory first (Sethi-Ullman), and a greedy list schedule
that always runs the ready node that adds the fewest net bytes.  The chosen
order's peak is therefore never above that of :func:`lazyray.ascend`.
"""

from __future__ import annotations

import heapq
from typing import NamedTuple

from ..graph.evaluate import compute_nodes
from ..graph.node import LazyArray
from ..graph.traverse import ascend, find_lazy

__all__ = ["Schedule", "memory_order", "peak_memory", "compute_in_order"]


class Schedule(NamedTuple):
    """An execution order and its predicted peak of live bytes."""

    order: list
    peak: int
    method: str


class _Graph:
    """Integer-indexed view of a graph for the schedulers."""

    def __init__(self, outputs, include_inputs):
        nodes = list(ascend(outputs))
        index = {id(n): i for i, n in enumerate(nodes)}
        n = len(nodes)
        self.outputs = outputs
        self.nodes = nodes
        self.index = index
        self.leaf = [x._fn is None for x in nodes]
        self.deps = [tuple(dict.fromkeys(index[id(d)] for d in x._deps)) for x in nodes]
        owner = list(range(n))
        nbytes = [0] * n
        for i, x in enumerate(nodes):
            if x._op == "item" and type(x._op) is str and not self.leaf[i] and self.deps[i]:
                owner[i] = owner[self.deps[i][0]]  # a view of the multi-output result
            else:
                nbytes[i] = x.nbytes
        self.owner = owner
        self.nbytes = nbytes
        pinned = list(self.leaf)  # leaves and outputs are never freed
        for x in find_lazy(outputs):
            pinned[owner[index[id(x)]]] = True
        self.pinned = pinned
        users = [[] for _ in range(n)]  # owner -> nodes reading its storage
        consumers = [[] for _ in range(n)]  # node -> nodes using it directly
        for j in range(n):
            for d in self.deps[j]:
                consumers[d].append(j)
            for o in self.dep_owners(j):
                users[o].append(j)
        self.users = users
        self.consumers = consumers
        self.base = sum(nbytes[i] for i in range(n) if self.leaf[i]) if include_inputs else 0

    def dep_owners(self, j):
        return dict.fromkeys(self.owner[d] for d in self.deps[j])

    def peak(self, order) -> int:
        """Predicted peak of live bytes of ``order`` (a list of indices)."""
        remaining = [len(u) for u in self.users]
        done = [False] * len(self.nodes)
        live = peak = self.base
        for j in order:
            for d in self.deps[j]:
                if not done[d]:
                    raise ValueError(
                        f"order is not topological: {self.nodes[j]!r} comes before "
                        f"its dependency {self.nodes[d]!r}"
                    )
            done[j] = True
            if self.leaf[j]:
                continue
            live += self.nbytes[j]
            if live > peak:
                peak = live
            for o in self.dep_owners(j):
                remaining[o] -= 1
                if remaining[o] == 0 and not self.pinned[o]:
                    live -= self.nbytes[o]
        if not all(done):
            raise ValueError("order does not contain every node of the graph")
        return peak

    # ------------------------------------------------------------ heuristics

    def sethi_ullman(self) -> list:
        """Depth-first, visiting first the dependency that needs most memory."""
        n = len(self.nodes)
        need = [0] * n
        order_deps = [()] * n
        for i in range(n):
            if self.leaf[i]:
                continue
            ds = sorted(
                (d for d in self.deps[i] if not self.leaf[d]),
                key=lambda d: need[d] - self.nbytes[d],
                reverse=True,
            )
            order_deps[i] = ds
            acc = top = 0
            for d in ds:
                top = max(top, acc + need[d])
                acc += self.nbytes[d]
            need[i] = max(top, acc + self.nbytes[i])
        order = [i for i in range(n) if self.leaf[i]]
        done = list(self.leaf)
        for x in find_lazy(self.outputs):
            stack = [(self.index[id(x)], 0)]
            while stack:
                i, k = stack.pop()
                if done[i]:
                    continue
                ds = order_deps[i]
                while k < len(ds) and done[ds[k]]:
                    k += 1
                if k < len(ds):
                    stack.append((i, k + 1))
                    stack.append((ds[k], 0))
                else:
                    done[i] = True
                    order.append(i)
        return order

    def greedy(self) -> list:
        """List scheduling: run the ready node adding the fewest net bytes."""
        n = len(self.nodes)
        remaining = [len(u) for u in self.users]
        indeg = [len(d) for d in self.deps]
        done = list(self.leaf)
        key = [None] * n
        heap = []
        stamp = 0

        def delta(j):
            freed = 0
            for o in self.dep_owners(j):
                if remaining[o] == 1 and not self.pinned[o]:
                    freed += self.nbytes[o]
            return self.nbytes[j] - freed

        def push(j):
            nonlocal stamp
            stamp += 1
            key[j] = (delta(j), -stamp)
            heapq.heappush(heap, (*key[j], j))

        order = [i for i in range(n) if self.leaf[i]]
        for i in order:
            for c in self.consumers[i]:
                indeg[c] -= 1
        for j in range(n):
            if not done[j] and indeg[j] == 0:
                push(j)
        while heap:
            dl, st, j = heapq.heappop(heap)
            if done[j] or key[j] != (dl, st):
                continue
            done[j] = True
            order.append(j)
            for o in self.dep_owners(j):
                remaining[o] -= 1
                if remaining[o] == 1:
                    for u in self.users[o]:
                        if not done[u] and indeg[u] == 0:
                            push(u)  # it may now free ``o``: its key went down
            for c in self.consumers[j]:
                indeg[c] -= 1
                if indeg[c] == 0:
                    push(c)
        return order


def peak_memory(outputs, order=None, include_inputs: bool = True) -> int:
    """Predicted peak of live bytes when computing ``outputs`` in ``order``.

    Parameters
    ----------
    outputs : as in :func:`lazyray.passes.cse`
    order : list of LazyArray, optional
        Every node of the graph in a topological order (default: the order of
        :func:`lazyray.ascend`).
    include_inputs : bool, optional
        Count the leaves (held by the caller for the whole run).

    Examples
    --------
    >>> import lazyray
    >>> x = lazyray.Variable((1000,))
    >>> peak_memory(lazyray.sum(lazyray.exp(x)))  # x, exp(x), and the sum
    16008
    >>> peak_memory(lazyray.sum(lazyray.exp(x)), include_inputs=False)
    8008
    """
    g = _Graph(outputs, include_inputs)
    if order is None:
        return g.peak(range(len(g.nodes)))
    try:
        idx = [g.index[id(x)] for x in order]
    except KeyError:
        raise ValueError("order holds a node that is not part of the graph") from None
    return g.peak(idx)


def memory_order(outputs, include_inputs: bool = True) -> Schedule:
    """An execution order of small peak memory, and its predicted peak.

    Parameters
    ----------
    outputs : as in :func:`lazyray.passes.cse`
    include_inputs : bool, optional
        Count the leaves in the peak.

    Returns
    -------
    Schedule
        ``order`` (every node, leaves first, in a topological order),
        ``peak`` (predicted peak bytes, see the module docstring) and
        ``method`` (the heuristic that found it).

    Examples
    --------
    >>> import lazyray
    >>> x = lazyray.Variable((100,))
    >>> big = lazyray.exp(x[:, None] * x[None, :]).sum()   # 80 kB intermediate
    >>> y = lazyray.sin(lazyray.cos(x * 2) * 3) * big
    >>> s = memory_order(y)
    >>> s.peak <= peak_memory(y), len(s.order) == len(list(lazyray.ascend(y)))
    (True, True)
    """
    g = _Graph(outputs, include_inputs)
    orders = {
        "depth-first": list(range(len(g.nodes))),
        "sethi-ullman": g.sethi_ullman(),
        "greedy": g.greedy(),
    }
    peaks = {m: g.peak(o) for m, o in orders.items()}
    method = min(peaks, key=peaks.get)  # the smallest peak; on a tie, the first
    return Schedule([g.nodes[i] for i in orders[method]], peaks[method], method)


def compute_in_order(order: list) -> None:
    """Compute the nodes of ``order`` one after another, in place.

    The list is emptied as the nodes run, so that each intermediate is freed
    after its last use (as :func:`lazyray.compute` does).

    >>> import lazyray, numpy as np
    >>> y = lazyray.sum(lazyray.array(np.arange(4.0)) * 2)
    >>> compute_in_order(memory_order(y).order)
    >>> y.data
    np.float64(12.0)
    """
    order.reverse()
    while order:
        node = order.pop()
        if type(node) is LazyArray and node._data is None and node._fn is not None:
            compute_nodes([node])
        del node
