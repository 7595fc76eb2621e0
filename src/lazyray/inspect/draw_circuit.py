"""The circuit plot: computation steps left to right, arrays as wires."""

from __future__ import annotations

import itertools

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
    op_color,
)
from .stats import node_name

__all__ = ["circuit_layout", "plot_circuit"]


def _count_around(c, layout):
    if layout == "wide":
        yield from itertools.count(c)
    elif layout == "compact":
        yield from range(c, -1, -1)
        yield from itertools.count(c + 1)
    else:  # balanced: c, then alternately further on each side
        sgn = -1 if c > 0 else 1
        yield c
        for step in itertools.count(1):
            yield c + sgn * step
            yield c - sgn * step


def circuit_layout(nodes, outputs, layout: str = "balanced"):
    """Rails (rows) of the nodes of a circuit plot, nodes in topological order.

    Walking back from the outputs, each node frees its rail and its operands
    take the nearest free rails, the deepest operand first (so a chain runs
    straight along one rail).  ``layout`` is ``"balanced"`` (rails on both
    sides), ``"compact"`` or ``"wide"``.
    """
    if layout not in ("balanced", "compact", "wide"):
        raise ValueError("layout must be 'balanced', 'compact' or 'wide'")
    rails: dict = {}
    active: set = set()
    for o in outputs:
        r = next(r for r in _count_around(0, layout) if r not in active)
        rails[id(o)] = r
        active.add(r)
    for node in reversed(nodes):
        r = rails[id(node)]
        active.discard(r)
        if not node._deps:
            continue
        free = (c for c in _count_around(r, layout) if c not in active)
        for d in sorted(node._deps, key=lambda d: -d._depth):
            if id(d) not in rails:
                rails[id(d)] = c = next(free)
                active.add(c)
    return [rails[id(n)] for n in nodes]


def plot_circuit(
    lz,
    color_by: str = "function",
    colors=None,
    layout: str = "balanced",
    linewidth=None,
    linewidth_scale: float = 1.0,
    linealpha=None,
    fontsize=None,
    fontsize_scale: float = 1.0,
    show_labels=None,
    legend=None,
    rasterize=None,
    figsize=None,
    ax=None,
    show_and_close: bool = False,
):
    """Plot the graph as a circuit: computation steps left to right, each
    array a wire (rail) from where it is computed to its last use.

    Parameters
    ----------
    lz : as in :func:`lazyray.inspect.show.show`
    color_by : {"function", "id"}, optional
        Colour nodes and wires by op name or by node.
    colors : dict, optional
        Op name to colour overrides.
    layout : {"balanced", "compact", "wide"}, optional
        How rails are assigned (see :func:`circuit_layout`).
    linewidth, fontsize : float, optional
        Wire width and label size in points (chosen from the size of the
        figure when omitted); scaled by ``linewidth_scale`` and
        ``fontsize_scale``.
    show_labels : bool, optional
        Label each step with its op and shape (default: up to
        :data:`LABEL_LIMIT` nodes); otherwise a legend names the ops.
    legend : bool, optional
        Show a legend of op colours (default: when not labelling).
    rasterize : bool, optional
        Rasterize the collections (default: above 2,000 nodes).
    figsize : tuple, optional
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    show_and_close : bool, optional
        Call ``plt.show()`` then close the figure.

    Returns
    -------
    (fig, ax)
    """
    from matplotlib.collections import LineCollection, PolyCollection

    if color_by not in ("function", "id"):
        raise ValueError("color_by must be 'function' or 'id'")
    outputs = to_list(lz)
    nodes = list(ascend(outputs))
    n = len(nodes)
    rails = np.asarray(circuit_layout(nodes, outputs, layout), dtype=float)
    steps = np.arange(n, dtype=float)
    names = [node_name(x) for x in nodes]
    color = _color_fn(colors)
    if color_by == "function":
        node_rgb = np.array([color(nm) for nm in names])
    else:
        node_rgb = np.array([op_color(str(i)) for i in range(n)])
    kinds = [_marker_kind(x) for x in nodes]
    index = {id(x): i for i, x in enumerate(nodes)}
    # an item's wire and dot carry its base's colour
    for i, x in enumerate(nodes):
        if kinds[i] == "item":
            node_rgb[i] = node_rgb[index[id(x._deps[0])]]

    ymin, ymax = rails.min(), rails.max()
    show_labels = n <= LABEL_LIMIT if show_labels is None else show_labels
    legend = not show_labels if legend is None else legend
    rasterize = n > 2000 if rasterize is None else rasterize
    label_space = 4.0 if show_labels else 0.0
    if ax is None and figsize is None:
        if show_labels:
            s = min(0.4, 14 / max(n, 1), 9 / (ymax - ymin + 1 + label_space))
            figsize = (max(n * s, 3.0), max((ymax - ymin + 1 + label_space) * s, 2.0))
        else:
            figsize = (14, min(max(0.04 * (ymax - ymin + 1), 2.5), 8))
    fig, ax = _new_axes(ax, figsize)
    width_in = fig.get_size_inches()[0] * ax.get_position().width
    unit_pt = 72 * width_in / max(n, 1)  # points per computation step
    linewidth = min(max(0.12 * unit_pt, 0.2), 3.0) if linewidth is None else linewidth
    linewidth *= linewidth_scale
    linealpha = (1.0 if n <= 2000 else 0.6) if linealpha is None else linealpha

    # wires: operand (b) -> consumer (a), along b's rail then into a
    src, dst = _edges(nodes)
    xa, ya, xb, yb = steps[dst], rails[dst], steps[src], rails[src]
    off = np.where(ya > yb, -0.25, 0.25)
    same = ya == yb
    segs = np.empty((len(src), 4, 2))
    segs[:, 0, 0], segs[:, 0, 1] = xa, ya
    segs[:, 1, 0], segs[:, 1, 1] = xa, np.where(same, ya, yb - off)
    segs[:, 2, 0], segs[:, 2, 1] = np.where(same, xa, xa - 0.25), yb
    segs[:, 3, 0], segs[:, 3, 1] = xb, yb
    wires = LineCollection(
        segs,
        colors=node_rgb[src],
        linewidths=linewidth,
        alpha=linealpha,
        zorder=2,
        rasterized=rasterize,
        capstyle="round",
        joinstyle="round",
    )
    ax.add_collection(wires)

    # nodes: circles for inputs, small dots for items, 'houses' for ops
    t = np.linspace(0, 2 * np.pi, 13)[:-1]
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)
    house = np.array([[-1, -1], [-1, 1], [0, 1], [1, 0], [0, -1]], dtype=float)
    for kind, shape, r in (("input", circle, 0.4), ("op", house, 0.3), ("item", circle, 0.15)):
        sel = np.array([k == kind for k in kinds])
        if not sel.any():
            continue
        verts = shape[None] * r + np.stack([steps[sel], rails[sel]], axis=1)[:, None]
        ax.add_collection(
            PolyCollection(
                verts, facecolors=node_rgb[sel], edgecolors="none", zorder=3, rasterized=rasterize
            )
        )

    if show_labels:
        fontsize = min(max(0.45 * unit_pt, 3.0), 10.0) if fontsize is None else fontsize
        fontsize *= fontsize_scale
        top = ymax + 1.0
        guides = np.stack(
            [np.stack([steps, np.full(n, top)], 1), np.stack([steps, rails], 1)], axis=1
        )
        ax.add_collection(
            LineCollection(
                guides, colors=node_rgb, linewidths=linewidth / 2, alpha=0.3, linestyles=":"
            )
        )
        label = dict(ha="left", va="bottom", fontsize=fontsize, rotation=45, rotation_mode="anchor")
        for i, x in enumerate(nodes):
            text = names[i] + ("" if type(x._dtype) is tuple else str(list(x._shape)))
            ax.text(steps[i] - 0.25, top, text, color=node_rgb[i], **label)
        ax.set_aspect("equal")
    if legend:
        _legend(ax, names, color)
    ax.set_xlim(-0.75, n - 0.25)
    ax.set_ylim(ymin - 0.6, ymax + 0.6 + label_space)
    ax.axis("off")
    _finish(fig, show_and_close)
    return fig, ax
