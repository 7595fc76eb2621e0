"""The layered layout of a DAG that the graph and circuit plots share."""

from __future__ import annotations

import numpy as np

__all__ = ["graph_layout"]


def _edges(nodes):
    """``(src, dst)`` index arrays: operand -> consumer."""
    index = {id(n): i for i, n in enumerate(nodes)}
    src = [index[id(d)] for node in nodes for d in node._deps]
    dst = [i for i, node in enumerate(nodes) for _ in node._deps]
    return np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)


def graph_layout(nodes, sweeps: int = 8):
    """A layered left-to-right layout of a DAG given in topological order.

    ``x`` is the node's layer: as late as possible, i.e. one before its
    first consumer, with the outputs in the last layer.  Nodes of a layer
    are ordered by the barycentre of their neighbours over a few up and
    down sweeps, which straightens chains and reduces crossings.  Linear
    time per sweep (numpy).

    Returns ``(x, y)`` float arrays.
    """
    n = len(nodes)
    src, dst = _edges(nodes)
    # longest path from an input, in topological order (edges grouped by dst)
    asap = np.zeros(n, dtype=np.int64)
    starts = np.searchsorted(dst, np.arange(n + 1))
    for i in range(n):
        a, b = starts[i], starts[i + 1]
        if b > a:
            asap[i] = asap[src[a:b]].max() + 1
    # then as late as possible: each node just before its first consumer,
    # nodes used by nothing (the outputs) in the last layer
    order = np.argsort(src, kind="stable")
    by_src, consumers = src[order], dst[order]
    cstarts = np.searchsorted(by_src, np.arange(n + 1))
    top = int(asap.max()) if n else 0
    gen = np.full(n, top, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        a, b = cstarts[i], cstarts[i + 1]
        if b > a:
            gen[i] = gen[consumers[a:b]].min() - 1
    y = _rank_within(gen, np.arange(n, dtype=float))
    for sweep in range(sweeps):
        # barycentre of operands (even sweeps) or of consumers (odd sweeps)
        a, b = (src, dst) if sweep % 2 == 0 else (dst, src)
        total = np.bincount(b, weights=y[a], minlength=n)
        count = np.bincount(b, minlength=n)
        bary = np.where(count > 0, total / np.maximum(count, 1), y)
        y = _rank_within(gen, bary)
    return gen.astype(float), y


def _rank_within(layer, key):
    """Centred rank of each node by ``key`` within its layer."""
    order = np.lexsort((key, layer))
    sorted_layer = layer[order]
    first = np.searchsorted(sorted_layer, sorted_layer, side="left")
    rank = np.empty(len(layer), dtype=float)
    rank[order] = np.arange(len(layer)) - first
    size = np.bincount(layer)
    return rank - (size[layer] - 1) / 2
