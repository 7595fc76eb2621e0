"""Shared helpers of the drawing modules: colours, axes, legends, edges."""

from __future__ import annotations

import colorsys
import hashlib
from functools import lru_cache

from .traverse import to_list

FIXED_COLORS = {
    "array": (0.45, 0.53, 0.62),
    "variable": (0.15, 0.6, 0.35),
    "item": (0.6, 0.6, 0.6),
}

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


def _pyplot():
    import matplotlib.pyplot as plt

    return plt


def _new_axes(ax, figsize, **kwargs):
    """``(fig, ax)``: the given axes' figure, or a new figure."""
    if ax is not None:
        return ax.figure, ax
    plt = _pyplot()
    kwargs.setdefault("layout", "constrained")
    fig, ax = plt.subplots(figsize=figsize, **kwargs)
    return fig, ax


def _finish(fig, show_and_close):
    if show_and_close:
        plt = _pyplot()
        plt.show()
        plt.close(fig)


def _legend(ax, names, color, max_items=14, **kwargs):
    """A legend of op colours, the most frequent first."""
    from matplotlib.patches import Patch

    counts = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    top = sorted(counts, key=lambda k: (-counts[k], k))
    handles = [Patch(facecolor=color(n), label=f"{n} ({counts[n]:,})") for n in top[:max_items]]
    if len(top) > max_items:
        rest = sum(counts[n] for n in top[max_items:])
        handles.append(
            Patch(facecolor=(0.8, 0.8, 0.8), label=f"{len(top) - max_items} more ({rest:,})")
        )
    kwargs.setdefault("loc", "upper left")
    kwargs.setdefault("bbox_to_anchor", (1.0, 1.0))
    kwargs.setdefault("frameon", False)
    kwargs.setdefault("fontsize", 8)
    kwargs.setdefault("ncol", max(1, round(len(handles) / 8)))
    return ax.legend(handles=handles, **kwargs)


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


def _edges(nodes):
    """``(src, dst)`` index arrays: operand -> consumer."""
    import numpy as np

    index = {id(n): i for i, n in enumerate(nodes)}
    src = [index[id(d)] for node in nodes for d in node._deps]
    dst = [i for i, node in enumerate(nodes) for _ in node._deps]
    return np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)


def _marker_kind(node):
    """'input', 'item' or 'op'."""
    if node._fn is None:
        return "input"
    if node._op == "item" and type(node._op) is str:
        return "item"
    return "op"
