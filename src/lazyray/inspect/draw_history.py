"""Plots of a computation's history: memory footprint, ops, statistics.

Each accepts ``ax=`` and returns ``(fig, ax)``; the x axis of the footprint
and function plots is the node's position in :func:`lazyray.ascend` order
(the order :func:`lazyray.compute` runs), so the two line up.  Above
``rasterize`` points (4096 by default) the data artists are rasterized.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..graph.traverse import ascend
from .draw_common import _color_fn, _finish, _legend, _new_axes
from .stats import history_size_footprint, history_stats, node_name, node_size
from .summary import format_bytes, format_si

__all__ = ["plot_history_size_footprint", "plot_history_functions", "plot_history_stats"]

#: a style that reads on light and dark backgrounds (as autoray's lazy plots)
NEUTRAL_STYLE = {
    "axes.edgecolor": (0.5, 0.5, 0.5),
    "axes.facecolor": (0, 0, 0, 0),
    "axes.grid": True,
    "axes.labelcolor": (0.5, 0.5, 0.5),
    "axes.spines.right": False,
    "axes.spines.top": False,
    "figure.facecolor": (0, 0, 0, 0),
    "grid.alpha": 0.15,
    "grid.color": (0.5, 0.5, 0.5),
    "legend.frameon": False,
    "text.color": (0.5, 0.5, 0.5),
    "xtick.color": (0.5, 0.5, 0.5),
    "ytick.color": (0.5, 0.5, 0.5),
}


def _style(style):
    """A matplotlib style context: ``"neutral"``, a dict/name, or None."""
    if style is None or style is False:
        return contextlib.nullcontext()
    import matplotlib.pyplot as plt

    return plt.style.context(NEUTRAL_STYLE if style == "neutral" else style)


def _byte_unit(peak):
    """``(scale, unit)`` to show byte counts up to ``peak`` with round ticks."""
    for k, unit in enumerate(("B", "KiB", "MiB", "GiB")):
        if peak < 1024 ** (k + 1):
            return 1024**k, unit
    return 1024**4, "TiB"


def plot_history_size_footprint(
    lz,
    log=None,
    include_inputs: bool = True,
    bytes: bool = False,  # noqa: A002
    per_node: bool = True,
    color="purple",
    alpha: float = 0.5,
    annotate_peak: bool = True,
    rasterize=4096,
    rasterize_dpi=None,
    figsize=(8, 2),
    style="neutral",
    ax=None,
    show_and_close: bool = False,
):
    """Plot the live memory through the computation.

    Parameters
    ----------
    lz : as in :func:`lazyray.inspect.show.show`
    log : float, optional
        Show sizes in this log base.
    include_inputs, bytes, per_node : bool, optional
        As in :func:`lazyray.inspect.stats.history_size_footprint`; ``per_node``
        (default here) gives one point per node, aligned with
        :func:`plot_history_functions`.
    color, alpha : optional
        Fill colour and transparency.
    annotate_peak : bool, optional
        Mark the peak and write its value.
    rasterize : bool or int, optional
        Rasterize the fill (above this many points when an int).
    rasterize_dpi : float, optional
        The resolution (dots per inch) of a figure this function creates,
        and so of its rasterized parts when saved (``savefig``'s default
        dpi is the figure's); matplotlib's default when None.  As
        the option of autoray's lazy module (whose default is 300).
    figsize, style, ax, show_and_close : optional
        ``style`` is ``"neutral"`` (transparent background, grey text), a
        matplotlib style, or None.

    Returns
    -------
    (fig, ax)
    """
    from matplotlib.ticker import EngFormatter

    y = np.asarray(history_size_footprint(lz, include_inputs, bytes, per_node), dtype=float)
    x = np.arange(y.size)
    raster = rasterize if isinstance(rasterize, bool) else y.size > rasterize
    unit = "bytes" if bytes else "elements"
    with _style(style):
        fig, ax = _new_axes(ax, figsize, dpi=rasterize_dpi)
        ipeak = int(np.argmax(y)) if y.size else 0
        peak = y[ipeak] if y.size else 0.0
        if log:
            y = np.log(np.maximum(y, 1)) / np.log(log)
            ax.set_ylabel(f"log$_{{{log}}}$ live {unit}")
        elif bytes:
            scale, unit = _byte_unit(peak)
            y = y / scale
            ax.set_ylabel(f"live memory ({unit})")
        else:
            ax.set_ylabel(f"live {unit}")
            ax.yaxis.set_major_formatter(EngFormatter())
        ax.fill_between(
            x, 0, y, step="mid", alpha=alpha, color=color, linewidth=0, rasterized=raster
        )
        ax.set_xlim(-0.5, max(y.size - 0.5, 0.5))
        ax.set_ylim(0, max(float(y.max()) if y.size else 1.0, 1e-12) * 1.15)
        ax.set_xlabel("node (computation order)" if per_node else "allocation / release event")
        if annotate_peak and y.size:
            text = format_bytes(peak) if bytes else f"{format_si(peak)} elements"
            ax.plot([ipeak], [y[ipeak]], marker="v", color=color, markersize=5)
            ax.annotate(
                f"peak {text}",
                (ipeak, y[ipeak]),
                xytext=(4, 2),
                textcoords="offset points",
                fontsize=8,
                ha="left" if ipeak < 0.7 * y.size else "right",
                va="bottom",
            )
    _finish(fig, show_and_close)
    return fig, ax


def plot_history_functions(
    lz,
    *,
    fn=None,
    log=None,
    bytes: bool = False,  # noqa: A002
    colors=None,
    kind: str = "scatter",
    scatter_size: float = 5,
    scatter_marker: str = "s",
    lines_width=None,
    image_alpha_pow: float = 2 / 3,
    image_aspect: float = 4,
    legend: bool = True,
    legend_ncol=None,
    legend_bbox_to_anchor=None,
    legend_loc=None,
    rasterize=4096,
    rasterize_dpi=None,
    figsize=(8, 2),
    style="neutral",
    ax=None,
    show_and_close: bool = False,
):
    """Plot the op of each node in computation order, coloured by op name,
    against the size of its result (or ``fn(node)``).

    Parameters
    ----------
    lz : as in :func:`plot_history_size_footprint`
    fn : callable, optional
        ``fn(node) -> number`` to plot instead of the node's size.
    log : float, optional
        Show values in this log base.
    bytes : bool, optional
        Sizes in bytes instead of elements.
    colors : as in :func:`lazyray.inspect.draw_circuit.plot_circuit`
    kind : {"scatter", "lines", "image"}, optional
        Points, vertical bars, or an image of one pixel per node (row by
        row) whose opacity grows with the size.
    legend : bool, optional
        Show a legend of the most frequent ops.
    rasterize : bool or int, optional
        Rasterize (above this many nodes when an int).
    rasterize_dpi, figsize, style, ax, show_and_close : optional
        As in :func:`plot_history_size_footprint`.

    Returns
    -------
    (fig, ax)
    """
    from matplotlib.collections import LineCollection
    from matplotlib.ticker import EngFormatter

    if kind not in ("scatter", "lines", "image"):
        raise ValueError(f"kind must be 'scatter', 'lines' or 'image', got {kind!r}")
    ylabel = f"node size ({'bytes' if bytes else 'elements'})" if fn is None else "custom"
    nodes = list(ascend(lz))
    names = [node_name(v) for v in nodes]
    ys = np.array([node_size(v, bytes) if fn is None else fn(v) for v in nodes], dtype=float)
    del nodes
    if log:
        ys = np.log(np.maximum(ys, 1e-300)) / np.log(log)
        ylabel = f"log$_{{{log}}}$ {ylabel}"
    elif bytes and ylabel.startswith("node size") and len(ys):
        scale, unit = _byte_unit(ys.max())
        ys = ys / scale
        ylabel = f"node size ({unit})"
    color = _color_fn(colors)
    cs = np.array([color(nm) for nm in names], dtype=float).reshape(-1, 3)
    n = len(ys)
    xs = np.arange(n)
    raster = rasterize if isinstance(rasterize, bool) else n > rasterize
    with _style(style):
        fig, ax = _new_axes(ax, figsize, dpi=rasterize_dpi)
        if kind == "scatter":
            ax.scatter(
                xs, ys, c=cs, s=scatter_size, marker=scatter_marker, linewidths=0, rasterized=raster
            )
        elif kind == "lines":
            if lines_width is None:
                width_pt = 72 * fig.get_size_inches()[0] * ax.get_position().width
                lines_width = min(5.0, max(0.8 * width_pt / max(n, 1), 0.1))
            base = min(0.0, float(ys.min())) if n else 0.0
            segs = np.stack([np.stack([xs, np.full(n, base)], 1), np.stack([xs, ys], 1)], axis=1)
            ax.add_collection(
                LineCollection(segs, colors=cs, linewidths=lines_width, rasterized=raster)
            )
            ax.set_xlim(-0.5, n - 0.5)
            top = float(ys.max()) if n else 1.0
            ax.set_ylim(base, 1.05 * top if top > base else base + 1)
        else:
            ax.axis("off")
            span = float(ys.max() - min(ys.min(), 0)) if n else 1.0
            frac = ((ys - min(ys.min(), 0)) / (span or 1.0)).reshape(-1, 1)
            alpha = 0.15 + 0.85 * frac**image_alpha_pow  # every node stays visible
            rows = max(1, round((n / image_aspect) ** 0.5))
            cols = -(-n // rows)
            img = np.zeros((rows * cols, 4))
            img[:n, :3] = cs
            img[:n, 3:] = alpha
            ax.imshow(img.reshape(rows, cols, 4), interpolation="nearest", aspect="equal")
        if kind != "image":
            ax.set_xlabel("node (computation order)")
            ax.set_ylabel(ylabel)
            if ylabel == "node size (elements)":
                ax.yaxis.set_major_formatter(EngFormatter())
        if legend:
            kw = {"ncol": legend_ncol, "bbox_to_anchor": legend_bbox_to_anchor, "loc": legend_loc}
            _legend(ax, names, color, **{k: v for k, v in kw.items() if v is not None})
    _finish(fig, show_and_close)
    return fig, ax


def plot_history_stats(
    lz,
    *,
    fn="count",
    colors=None,
    kind: str = "pie",
    top: int = 10,
    rasterize_dpi=None,
    figsize=None,
    style="neutral",
    ax=None,
    show_and_close: bool = False,
):
    """Plot a per-op statistic of the graph as a pie or bar chart.

    Parameters
    ----------
    lz : as in :func:`plot_history_size_footprint`
    fn : str or callable, optional
        The statistic, as in :func:`lazyray.inspect.stats.history_stats`:
        ``'count'`` (default), ``'sizein'``, ``'sizeout'``, ``'bytesin'``,
        ``'bytesout'``, ``'flops'`` or ``fn(node) -> number``.
    colors : as in :func:`plot_history_functions`
    kind : {"pie", "bar"}, optional
    top : int, optional
        Show the ``top`` largest ops; the rest are grouped as "other".
    rasterize_dpi, figsize, style, ax, show_and_close : optional
        As in :func:`plot_history_size_footprint`.

    Returns
    -------
    (fig, ax)
    """
    if kind not in ("pie", "bar"):
        raise ValueError(f"kind must be 'pie' or 'bar', got {kind!r}")
    stats = history_stats(lz, fn)
    items = sorted(((k, v) for k, v in stats.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
    if len(items) > top + 1:
        items = items[:top] + [("other", sum(v for _, v in items[top:]))]
    color = _color_fn(colors)
    clrs = [(0.8, 0.8, 0.8) if k == "other" else color(k) for k, _ in items]
    fmt = format_bytes if fn in ("bytesin", "bytesout") else format_si
    titles = {
        "count": "nodes per op",
        "sizein": "operand elements per op",
        "sizeout": "result elements per op",
        "bytesin": "operand bytes per op",
        "bytesout": "result bytes per op",
        "flops": "estimated FLOPs per op",
    }
    title = titles.get(fn, fn) if isinstance(fn, str) else getattr(fn, "__name__", "custom")
    with _style(style):
        if figsize is None:
            figsize = (5, 2.8) if kind == "pie" else (5, 0.3 * len(items) + 1)
        fig, ax = _new_axes(ax, figsize, dpi=rasterize_dpi)
        if not items:
            ax.text(0.5, 0.5, f"no {title} to show", ha="center", va="center")
            ax.axis("off")
        elif kind == "pie":
            total = sum(v for _, v in items)
            wedges, _ = ax.pie(
                [v for _, v in items],
                colors=clrs,
                startangle=90,
                counterclock=False,
                wedgeprops={"linewidth": 0.5, "edgecolor": "white"},
            )
            ax.legend(
                wedges,
                [f"{k}: {fmt(v)} ({100 * v / total:.0f}%)" for k, v in items],
                loc="center left",
                bbox_to_anchor=(1.0, 0.5),
                frameon=False,
                fontsize=8,
            )
            ax.set_title(title, fontsize=9)
        else:
            ys = range(len(items))
            ax.barh(list(ys), [v for _, v in items], color=clrs)
            ax.set_yticks(list(ys), [k for k, _ in items], fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel(title)
            note = dict(xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
            for y, (_, v) in zip(ys, items):
                ax.annotate(fmt(v), (v, y), **note)
    _finish(fig, show_and_close)
    return fig, ax
