"""The graph plot: nodes and edges in layers, inputs left, outputs right."""

from __future__ import annotations

import math

import numpy as np

from ..graph.traverse import ascend, to_list
from .draw_common import (
    LABEL_LIMIT,
    _color_fn,
    _edges,
    _finish,
    _legend,
    _marker_kind,
    _new_axes,
    _nx_graph,
    _nx_layout,
    _positions_from,
    graph_layout,
    op_color,
    variable_flags,
)
from .stats import node_name, node_size

__all__ = ["graph_layout", "plot_graph"]


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
    iterations=50,
    seed: int = 0,
    figsize=None,
    ax=None,
    show_and_close: bool = False,
    *,
    dim=2,
    initial_layout=None,
    layout_opts: dict | None = None,
    k: float | None = None,
    use_forceatlas2=False,
    node_shape: str = "s",
    arrowsize: float = 7,
    connectionstyle: str = "arc3,rad=-0.08",
    label_color=(0.4, 0.4, 0.4),
    label_alpha: float = 1.0,
    **more_layout_opts,
):
    """Plot the graph as nodes and edges, inputs on the left, outputs right.

    Accepts the ``plot_graph`` options of autoray's lazy module too (``dim``,
    ``initial_layout``, ``layout_opts``, ``k``, ``use_forceatlas2``,
    ``node_shape``, ``arrowsize``, ``connectionstyle``, ``label_color``,
    ``label_alpha``, and further keywords passed to the networkx layout).

    Parameters
    ----------
    lz : as in :func:`lazyray.inspect.show.show`
    variables : sequence of LazyArray, optional
        With ``color_by="variables"``: nodes depending on them are drawn in
        ``var_color``, the others in ``const_color``, outputs in
        ``root_color``.
    layout : str or dict, optional
        ``"layered"`` (default, any size): see :func:`graph_layout`.
        ``"spring"``: networkx's force-directed layout started from the
        layered one (graphs up to 500 nodes).  ``"auto"``: autoray's layout,
        ``initial_layout`` relaxed by a spring (or ForceAtlas2) layout.  The
        name of any other networkx layout (``"kamada_kawai"``,
        ``"spectral"``, ``"spiral"``...: ``networkx.<name>_layout``), used as
        is.  Or a dict ``{i: (x, y)}`` by node index in
        :func:`lazyray.ascend` order.
    color_by : {"function", "variables", "id"}, optional
    colors : as in :func:`lazyray.inspect.draw_circuit.plot_circuit`
    node_scale, node_alpha, edge_color, edge_alpha : optional
        Node size factor (markers grow with the log of the array size),
        transparency and edge style.
    show_labels : bool, optional
        Write op names beside the nodes (default: up to :data:`LABEL_LIMIT`
        nodes); otherwise a legend names the ops.
    arrows : bool, optional
        Draw arrow heads (default: up to 300 nodes; never in 3-d).
    rasterize : bool, optional
        Rasterize nodes and edges (default: above 2,000 nodes).
    iterations : int or "auto", optional
        Iterations of the spring (or ForceAtlas2) relaxation; ``"auto"`` is
        autoray's ``max(200, 1000 - n)``.
    seed : int, optional
        Seed of the networkx layouts.
    figsize, ax, show_and_close : optional
        As in :func:`plot_circuit`.  With ``dim=3`` a given ``ax`` must be a
        3-d axes (``projection="3d"``).
    dim : {2, 2.5, 3}, optional
        Dimension of the layout: 3 draws in a 3-d axes, 2.5 lays the graph
        out in 3-d and projects it back to the plane (as autoray does).  For
        ``dim != 2`` the default layout becomes ``"auto"``.
    initial_layout : str or dict, optional
        Start positions relaxed by a spring layout (implies
        ``layout="auto"``): ``"auto"`` (``"kamada_kawai"`` up to 100 nodes,
        else ``"spectral"``), a networkx layout name, a dict of positions,
        or ``"layers"``: the layered layout (not relaxed; as autoray's
        ``initial_layout="layers"``).
    layout_opts : dict, optional
        Keyword arguments of the networkx layout function (e.g.
        ``{"scale": 2}``); further keyword arguments of this function are
        added to them.
    k : float, optional
        Optimal node distance of the spring relaxation.
    use_forceatlas2 : bool or int, optional
        Relax with ForceAtlas2 instead of a spring layout (``True``, or for
        graphs of more than this many nodes); needs ``dim=2``.
    node_shape : str, optional
        Matplotlib marker of op nodes (inputs are ``"o"``, outputs ``"X"``).
    arrowsize : float, optional
        Size of the arrow heads.
    connectionstyle : str, optional
        Matplotlib connection style of the edges (``"arc3,rad=0"`` for
        straight ones).
    label_color, label_alpha : optional
        Colour and transparency of the labels.

    Returns
    -------
    (fig, ax)

    Examples
    --------
    >>> import matplotlib, lazyray
    >>> matplotlib.use("Agg")
    >>> x = lazyray.Variable((3, 3))
    >>> fig, ax = lazyray.tanh(x @ x).plot_graph(dim=3, node_shape="^")
    >>> ax.name
    '3d'
    """
    from matplotlib.collections import LineCollection

    if color_by not in ("function", "variables", "id"):
        raise ValueError("color_by must be 'function', 'variables' or 'id'")
    if dim not in (2, 2.5, 3):
        raise ValueError(f"plot_graph: dim must be 2, 2.5 or 3, got {dim!r}")
    opts = {**(layout_opts or {}), **more_layout_opts}
    outputs = to_list(lz)
    nodes = list(ascend(outputs))
    n = len(nodes)
    if initial_layout is not None or (dim != 2 and layout == "layered"):
        layout = "auto"
    if iterations == "auto":
        iterations = max(200, 1000 - n)
    if isinstance(layout, dict):
        xy = _positions_from(layout, n, 2)
    elif layout in ("layered", "spring"):
        xy = np.stack(graph_layout(nodes), axis=1)
        if layout == "spring":
            xy = _spring(nodes, xy, iterations, seed, k=k)
    elif isinstance(layout, str):
        xy = _nx_layout(
            nodes, layout, initial_layout, dim, iterations, k, use_forceatlas2, seed, opts
        )
    else:
        raise ValueError(
            f"layout must be 'layered', 'spring', 'auto', a networkx layout name or a "
            f"dict, got {layout!r}"
        )
    three_d = xy.shape[1] == 3
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
    show_labels = n <= LABEL_LIMIT if show_labels is None else show_labels
    legend = not show_labels and color_by == "function" if legend is None else legend
    arrows = n <= 300 if arrows is None else arrows
    rasterize = n > 2000 if rasterize is None else rasterize

    span_x = max(np.ptp(xy[:, 0]), 1.0) if n else 1.0
    span_y = max(np.ptp(xy[:, 1]), 1.0) if n else 1.0
    if ax is None and figsize is None:
        if three_d or layout not in ("layered", "spring"):
            w = h = min(max((n + 1) ** 0.5, 4.0), 12.0)
        else:
            w = min(max(2.0 + 0.45 * span_x, 4.0), 16.0)
            h = min(max(1.5 + 0.45 * span_y, 2.5), 10.0)
        figsize = (w, h)
    if three_d and ax is not None and getattr(ax, "name", None) != "3d":
        raise ValueError("plot_graph: dim=3 needs a 3-d axes (projection='3d')")
    fig, ax = _new_axes(ax, figsize, subplot_kw={"projection": "3d"} if three_d else None)

    src, dst = _edges(nodes)
    edge_alpha = (0.6 if n <= 300 else 0.25) if edge_alpha is None else edge_alpha
    sizes = np.array([math.log2(max(node_size(v), 1)) for v in nodes])
    scale = node_scale * (1.0 if n <= 300 else max(0.05, (300 / n) ** 0.5))
    marker_size = scale * 12 * (sizes + 1)
    if arrows and not three_d:
        from matplotlib.patches import FancyArrowPatch

        arrow = dict(arrowstyle="-|>", mutation_scale=arrowsize, color=edge_color, alpha=edge_alpha)
        arrow.update(lw=0.8, shrinkA=4, shrinkB=5, connectionstyle=connectionstyle, zorder=1)
        for a, b in zip(src, dst):
            ax.add_patch(FancyArrowPatch(xy[a], xy[b], **arrow))
    else:
        if three_d:  # the same edges as a 3-d collection
            from mpl_toolkits.mplot3d.art3d import Line3DCollection as LineCollection
        edges = LineCollection(
            np.stack([xy[src], xy[dst]], axis=1),
            colors=[edge_color],
            linewidths=0.8 if n <= 2000 or three_d else 0.3,
            alpha=edge_alpha,
            zorder=1,
            rasterized=rasterize,
        )
        (ax.add_collection3d if three_d else ax.add_collection)(edges)
    kinds = [_marker_kind(v) for v in nodes]
    groups = {"input": "o", "op": node_shape, "item": ".", "output": "X"}
    group = ["output" if id(v) in out_ids else kd for v, kd in zip(nodes, kinds)]
    for kind, marker in groups.items():  # outputs: twice the size, on top
        out = kind == "output"
        sel = np.array([g == kind for g in group], dtype=bool)
        if sel.any():
            ax.scatter(
                *xy[sel].T,
                s=marker_size[sel] * (2 if out else 1),
                c=rgb[sel],
                marker=marker,
                alpha=node_alpha,
                linewidths=0,
                zorder=3 if out else 2,
                rasterized=rasterize and not out,
            )
    if show_labels:
        text = {"fontsize": font_size, "color": label_color, "alpha": label_alpha}
        note = {"textcoords": "offset points", "rotation": label_rotation, "zorder": 4, **text}
        for i in range(n):
            if kinds[i] == "item":
                continue
            if three_d:
                ax.text(*xy[i], names[i], **text)
            else:
                ax.annotate(names[i], xy[i], xytext=(3, 3), **note)
    if legend:
        _legend(ax, names, color)
    if not three_d and n:
        layered = layout in ("layered", "spring")  # (networkx layouts span about [-1, 1])
        pad_x = 0.04 * span_x + 0.3 if layered else 0.06 * span_x
        pad_y = 0.06 * span_y + 0.3 if layered else 0.06 * span_y
        label_x = (0.6 if layered else 0.1 * span_x) * show_labels
        label_y = (0.4 if layered else 0.05 * span_y) * show_labels
        ax.set_xlim(xy[:, 0].min() - pad_x, xy[:, 0].max() + pad_x + label_x)
        ax.set_ylim(xy[:, 1].min() - pad_y, xy[:, 1].max() + pad_y + label_y)
    ax.axis("off")
    _finish(fig, show_and_close)
    return fig, ax


def _spring(nodes, xy, iterations, seed, k=None):
    """networkx's spring layout, from the layered positions."""
    if len(nodes) > 500:
        raise ValueError(
            f"plot_graph: layout='spring' is for graphs of up to 500 nodes "
            f"(this one has {len(nodes)}); use layout='layered'"
        )
    import networkx as nx

    G = _nx_graph(nodes)
    span = max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1.0)
    pos0 = {i: tuple(p / span) for i, p in enumerate(xy)}
    pos = nx.spring_layout(G, pos=pos0, k=k, iterations=iterations, seed=seed)
    return np.array([pos[i] for i in range(len(nodes))]) * span
