"""Shared helpers of the drawing modules: colours, axes, legends, edges, and
the layered layout of a DAG that the graph and circuit plots share."""

from __future__ import annotations

import colorsys
import hashlib
import inspect
from collections import Counter
from functools import lru_cache

import numpy as np

from ..graph.traverse import to_list

FIXED_COLORS = {"array": (0.45, 0.53, 0.62), "variable": (0.15, 0.6, 0.35), "item": (0.6, 0.6, 0.6)}

#: up to this many nodes, plots label every node; above, a legend names ops
LABEL_LIMIT = 120


@lru_cache(maxsize=4096)
def op_color(name: str) -> tuple:
    """The RGB colour of an op name, the same in every run and process.

    The hue comes from a SHA-256 hash of the name (Python's ``hash`` varies
    between processes), saturation and value from further bits of it, in
    ranges that read well on light and dark backgrounds.  Inputs and
    ``item`` nodes have fixed colours (:data:`FIXED_COLORS`).

    >>> op_color("tensordot") == op_color("tensordot") != op_color("add")
    True
    >>> op_color("variable")
    (0.15, 0.6, 0.35)
    """
    if name in FIXED_COLORS:
        return FIXED_COLORS[name]
    h = hashlib.sha256(name.encode()).digest()
    hue = int.from_bytes(h[:4], "big") / 2**32
    sat = 0.45 + 0.35 * h[4] / 255
    val = 0.72 + 0.23 * h[5] / 255
    return tuple(round(c, 4) for c in colorsys.hsv_to_rgb(hue, sat, val))


def _color_fn(colors):
    """``name -> colour`` with user overrides from the dict ``colors``."""
    if not colors:
        return op_color
    from matplotlib.colors import to_rgb

    colors = {k: to_rgb(v) for k, v in dict(colors).items()}

    def color(name):
        c = colors.get(name)
        return op_color(name) if c is None else c

    return color


def _new_axes(ax, figsize, dpi=None, **kwargs):
    """``(fig, ax)``: the given axes' figure, or a new figure (of ``dpi``
    dots per inch when given; a given axes' figure is left as it is)."""
    if ax is not None:
        return ax.figure, ax
    import matplotlib.pyplot as plt

    kwargs.setdefault("layout", "constrained")
    if dpi is not None:
        kwargs["dpi"] = dpi
    return plt.subplots(figsize=figsize, **kwargs)


def _finish(fig, show_and_close):
    if show_and_close:
        import matplotlib.pyplot as plt

        plt.show()
        plt.close(fig)


def _legend(ax, names, color, max_items=14, **kwargs):
    """A legend of op colours, the most frequent first."""
    from matplotlib.patches import Patch

    counts = Counter(names)
    top = sorted(counts, key=lambda k: (-counts[k], k))
    handles = [Patch(facecolor=color(n), label=f"{n} ({counts[n]:,})") for n in top[:max_items]]
    if len(top) > max_items:
        rest = sum(counts[n] for n in top[max_items:])
        handles.append(
            Patch(facecolor=(0.8, 0.8, 0.8), label=f"{len(top) - max_items} more ({rest:,})")
        )
    ncol = max(1, round(len(handles) / 8))
    kwargs = {"loc": "upper left", "bbox_to_anchor": (1.0, 1.0), "frameon": False, **kwargs}
    return ax.legend(handles=handles, **{"fontsize": 8, "ncol": ncol, **kwargs})


def variable_flags(nodes, variables) -> list:
    """For each node (topological order): does it depend on ``variables``?"""
    var_ids = {id(v) for v in to_list(variables)} if variables is not None else set()
    flags = []
    dependent = set()
    for node in nodes:
        v = id(node) in var_ids or any(id(d) in dependent for d in node._deps)
        if v:
            dependent.add(id(node))
        flags.append(v)
    return flags


def _marker_kind(node):
    """'input', 'item' or 'op'."""
    if node._fn is None:
        return "input"
    if node._op == "item" and type(node._op) is str:
        return "item"
    return "op"


# ------------------------------------------------------- layered layout
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


# ------------------------------------------- networkx layouts of plot_graph


def _positions_from(pos, n, dim):
    """``(n, dim)`` array of the positions ``{i: (x, y[, z])}``."""
    try:
        xy = np.array([tuple(pos[i]) for i in range(n)], dtype=float).reshape(n, -1)
    except KeyError as e:
        raise ValueError(f"plot_graph: the layout dict has no position for node {e}") from None
    if xy.shape[1] < dim:
        xy = np.concatenate([xy, np.zeros((n, dim - xy.shape[1]))], axis=1)
    return xy


def _nx_graph(nodes):
    import networkx as nx

    G = nx.Graph()
    G.add_nodes_from(range(len(nodes)))
    G.add_edges_from(zip(*(e.tolist() for e in _edges(nodes))))
    return G


def _nx_layout(nodes, layout, initial_layout, dim, iterations, k, use_forceatlas2, seed, opts):
    """autoray's layouts (``get_nice_pos`` of its lazy ``draw`` module) on networkx:
    ``layout`` a networkx layout name used as is, or ``"auto"``:
    ``initial_layout`` relaxed by a spring or ForceAtlas2 layout; 2-d layouts
    are finally rotated to cover a small vertical span.  ``(n, dim)`` array
    (``dim=2.5`` is laid out in 3-d and projected back to 2-d)."""
    import networkx as nx

    n = len(nodes)
    ldim = 3 if dim in (2.5, 3) else 2
    G = _nx_graph(nodes)

    def named(name, **kw):
        fn = getattr(nx, f"{name}_layout", None)
        if fn is None or not callable(fn):
            raise ValueError(f"plot_graph: networkx has no layout {name!r} ({name}_layout)")
        if ldim != 2:
            kw["dim"] = ldim
        if "seed" in inspect.signature(fn).parameters:
            kw.setdefault("seed", seed)
        return fn(G, **kw)

    if n == 0:
        return np.zeros((0, 2 if dim == 2.5 else ldim))
    if layout != "auto":
        xy = _positions_from(named(layout, **opts), n, ldim)
    else:
        if initial_layout is None or initial_layout == "auto":
            initial_layout = "kamada_kawai" if n <= 100 else "spectral"
        if isinstance(initial_layout, dict):
            xy = _positions_from(initial_layout, n, ldim)
        elif initial_layout in ("layers", "layered"):
            xy = np.stack(graph_layout(nodes), axis=1)
            if ldim == 3:
                xy = np.concatenate([xy, np.zeros((n, 1))], axis=1)
            iterations = 0  # as autoray: a multipartite layout, not relaxed
        else:
            if initial_layout == "spiral":
                opts.setdefault("equidistant", True)
            if n < 3 and initial_layout in ("kamada_kawai", "spectral"):
                initial_layout = "circular"  # scipy's eigensolvers need 3 nodes
            xy = _positions_from(named(initial_layout, **opts), n, ldim)
        if iterations:
            pos0 = {i: xy[i] for i in range(n)}
            if use_forceatlas2 is True:
                use_forceatlas2 = 1
            elif use_forceatlas2 is False or use_forceatlas2 == 0:
                use_forceatlas2 = float("inf")
            if n > use_forceatlas2 and ldim == 2:
                pos = _forceatlas2(G, pos0, iterations, seed)
            else:
                pos = nx.spring_layout(G, pos=pos0, k=k, dim=ldim, iterations=iterations, seed=seed)
            xy = np.array([pos[i] for i in range(n)], dtype=float)
        if initial_layout in ("layers", "layered") and dim == 2:
            return xy
    if dim == 2.5:
        xy = xy[:, :2]
    if xy.shape[1] == 2:
        xy = _massage(xy)
    return xy


def _forceatlas2(G, pos0, iterations, seed):
    """ForceAtlas2: the ``fa2`` package if installed (as autoray), else
    networkx's own (networkx >= 3.4)."""
    import importlib.util

    if importlib.util.find_spec("fa2") is not None:  # pragma: no cover - optional
        from fa2 import ForceAtlas2

        return ForceAtlas2(verbose=False).forceatlas2_networkx_layout(
            G, pos=pos0, iterations=iterations
        )
    import networkx as nx

    if not hasattr(nx, "forceatlas2_layout"):  # pragma: no cover - old networkx
        return nx.spring_layout(G, pos=pos0, iterations=iterations, seed=seed)
    return nx.forceatlas2_layout(G, pos=pos0, max_iter=iterations, seed=seed)


def _massage(xy, nangles: int = 180):
    """Rotate 2-d positions to cover the smallest vertical span (autoray's
    ``massage_pos``)."""
    thetas = np.linspace(0, np.pi, nangles, endpoint=False)
    ys = xy[:, 0:1] * np.sin(thetas) + xy[:, 1:2] * np.cos(thetas)
    best = thetas[int(np.argmin(np.ptp(ys, axis=0)))]
    c, s = np.cos(best), np.sin(best)
    return xy @ np.array([[c, -s], [s, c]])
