"""The graph plot: nodes and edges in layers, inputs left, outputs right."""

from __future__ import annotations

from .draw_common import (
    LABEL_LIMIT,
    _color_fn,
    _edges,
    _finish,
    _legend,
    _marker_kind,
    _new_axes,
    op_color,
    variable_flags,
)
from .stats import node_name
from .traverse import ascend, to_list

__all__ = ["graph_layout", "plot_graph"]


def graph_layout(nodes, sweeps: int = 8):
    """A layered left-to-right layout of a DAG given in topological order.

    ``x`` is the node's layer: as late as possible, i.e. one before its
    first consumer, with the outputs in the last layer.  Nodes of a layer
    are ordered by the barycentre of their neighbours over a few up and
    down sweeps, which straightens chains and reduces crossings.  Linear
    time per sweep (numpy).

    Returns ``(x, y)`` float arrays.
    """
    import numpy as np

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
    import numpy as np

    order = np.lexsort((key, layer))
    sorted_layer = layer[order]
    first = np.searchsorted(sorted_layer, sorted_layer, side="left")
    rank = np.empty(len(layer), dtype=float)
    rank[order] = np.arange(len(layer)) - first
    size = np.bincount(layer)
    return rank - (size[layer] - 1) / 2


def plot_graph(
    lz,
    variables=None,
    layout="layered",
    color_by: str = "function",
    colors=None,
    var_color=(0.0, 0.5, 0.25),
    const_color=(0.0, 0.5, 1.0),
    root_color=(1.0, 0.0, 0.5),
    edge_color=(0.5, 0.5, 0.5),
    edge_alpha=None,
    node_scale: float = 1.0,
    node_alpha: float = 1.0,
    show_labels=None,
    font_size: float = 7,
    label_rotation: float = 30,
    legend=None,
    arrows=None,
    rasterize=None,
    iterations: int = 50,
    seed: int = 0,
    figsize=None,
    ax=None,
    show_and_close: bool = False,
):
    """Plot the graph as nodes and edges, inputs on the left, outputs right.

    Parameters
    ----------
    lz : pytree of LazyArray
        The output(s) of the graph.
    variables : sequence of LazyArray, optional
        With ``color_by="variables"``: nodes depending on them are drawn in
        ``var_color``, the others in ``const_color``, outputs in
        ``root_color``.
    layout : {"layered", "spring"} or dict, optional
        ``"layered"`` (default, any size): see :func:`graph_layout`.
        ``"spring"``: networkx's force-directed layout started from the
        layered one (graphs up to 500 nodes).  Or a dict ``{i: (x, y)}`` by
        node index in :func:`lazyray.ascend` order.
    color_by : {"function", "variables", "id"}, optional
    colors : dict, optional
        Op name to colour overrides.
    node_scale, node_alpha, edge_color, edge_alpha : optional
        Node size factor (markers grow with the log of the array size),
        transparency and edge style.
    show_labels : bool, optional
        Write op names beside the nodes (default: up to :data:`LABEL_LIMIT`
        nodes); otherwise a legend names the ops.
    arrows : bool, optional
        Draw arrow heads (default: up to 300 nodes).
    rasterize : bool, optional
        Rasterize nodes and edges (default: above 2,000 nodes).
    figsize, ax, show_and_close : optional
        As in :func:`plot_circuit`.

    Returns
    -------
    (fig, ax)
    """
    import numpy as np
    from matplotlib.collections import LineCollection

    if color_by not in ("function", "variables", "id"):
        raise ValueError("color_by must be 'function', 'variables' or 'id'")
    outputs = to_list(lz)
    nodes = list(ascend(outputs))
    n = len(nodes)
    if isinstance(layout, dict):
        xy = np.array([layout[i] for i in range(n)], dtype=float)
    elif layout in ("layered", "spring"):
        x, y = graph_layout(nodes)
        xy = np.stack([x, y], axis=1)
        if layout == "spring":
            xy = _spring(nodes, xy, iterations, seed)
    else:
        raise ValueError(f"layout must be 'layered', 'spring' or a dict, got {layout!r}")
    names = [node_name(v) for v in nodes]
    color = _color_fn(colors)
    out_ids = {id(o) for o in outputs}
    if color_by == "function":
        rgb = [color(nm) for nm in names]
    elif color_by == "id":
        rgb = [op_color(str(i)) for i in range(n)]
    else:
        flags = variable_flags(nodes, variables)
        rgb = [
            root_color if id(v) in out_ids else var_color if f else const_color
            for v, f in zip(nodes, flags)
        ]
    rgb = np.asarray(rgb, dtype=float)
    if show_labels is None:
        show_labels = n <= LABEL_LIMIT
    if legend is None:
        legend = not show_labels and color_by == "function"
    if arrows is None:
        arrows = n <= 300
    if rasterize is None:
        rasterize = n > 2000

    # normalize: x to [0, width], y to a span proportional to the widest layer
    span_x = max(xy[:, 0].max() - xy[:, 0].min(), 1.0)
    span_y = max(xy[:, 1].max() - xy[:, 1].min(), 1.0)
    if ax is None and figsize is None:
        w = min(max(2.0 + 0.45 * span_x, 4.0), 16.0)
        h = min(max(1.5 + 0.45 * span_y, 2.5), 10.0)
        figsize = (w, h)
    fig, ax = _new_axes(ax, figsize)

    src, dst = _edges(nodes)
    if edge_alpha is None:
        edge_alpha = 0.6 if n <= 300 else 0.25
    sizes = np.array([max(_log_size(v), 0.0) for v in nodes])
    scale = node_scale * (1.0 if n <= 300 else max(0.05, (300 / n) ** 0.5))
    marker_size = scale * 12 * (sizes + 1)
    if arrows:
        from matplotlib.patches import FancyArrowPatch

        for a, b in zip(src, dst):
            ax.add_patch(
                FancyArrowPatch(
                    xy[a],
                    xy[b],
                    arrowstyle="-|>",
                    mutation_scale=7,
                    color=edge_color,
                    alpha=edge_alpha,
                    lw=0.8,
                    shrinkA=4,
                    shrinkB=5,
                    connectionstyle="arc3,rad=-0.08",
                    zorder=1,
                )
            )
    else:
        segs = np.stack([xy[src], xy[dst]], axis=1)
        ax.add_collection(
            LineCollection(
                segs,
                colors=[edge_color],
                linewidths=0.8 if n <= 2000 else 0.3,
                alpha=edge_alpha,
                zorder=1,
                rasterized=rasterize,
            )
        )
    kinds = [_marker_kind(v) for v in nodes]
    groups = {
        "input": "o",
        "op": "s",
        "item": ".",
    }
    is_out = np.array([id(v) in out_ids for v in nodes])
    for kind, marker in groups.items():
        sel = np.array([k == kind for k in kinds]) & ~is_out
        if sel.any():
            ax.scatter(
                xy[sel, 0],
                xy[sel, 1],
                s=marker_size[sel],
                c=rgb[sel],
                marker=marker,
                alpha=node_alpha,
                linewidths=0,
                zorder=2,
                rasterized=rasterize,
            )
    ax.scatter(
        xy[is_out, 0],
        xy[is_out, 1],
        s=marker_size[is_out] * 2,
        c=rgb[is_out],
        marker="X",
        alpha=node_alpha,
        linewidths=0,
        zorder=3,
    )
    if show_labels:
        for i in range(n):
            if kinds[i] != "item":
                ax.annotate(
                    names[i],
                    xy[i],
                    xytext=(3, 3),
                    textcoords="offset points",
                    fontsize=font_size,
                    color=(0.4, 0.4, 0.4),
                    rotation=label_rotation,
                    zorder=4,
                )
    if legend:
        _legend(ax, names, color)
    pad_x, pad_y = 0.04 * span_x + 0.3, 0.06 * span_y + 0.3
    ax.set_xlim(xy[:, 0].min() - pad_x, xy[:, 0].max() + pad_x + (0.6 if show_labels else 0))
    ax.set_ylim(xy[:, 1].min() - pad_y, xy[:, 1].max() + pad_y + (0.4 if show_labels else 0))
    ax.axis("off")
    _finish(fig, show_and_close)
    return fig, ax


def _log_size(node):
    import math

    from .stats import node_size

    return math.log2(max(node_size(node), 1))


def _spring(nodes, xy, iterations, seed):
    """networkx's spring layout, from the layered positions."""
    if len(nodes) > 500:
        raise ValueError(
            f"plot_graph: layout='spring' is for graphs of up to 500 nodes "
            f"(this one has {len(nodes)}); use layout='layered'"
        )
    import networkx as nx
    import numpy as np

    G = nx.Graph()
    G.add_nodes_from(range(len(nodes)))
    src, dst = _edges(nodes)
    G.add_edges_from(zip(src.tolist(), dst.tolist()))
    span = max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1.0)
    pos0 = {i: tuple(p / span) for i, p in enumerate(xy)}
    pos = nx.spring_layout(G, pos=pos0, iterations=iterations, seed=seed)
    out = np.array([pos[i] for i in range(len(nodes))]) * span
    return out


# the history plots live in draw_history.py; imported on first use
