"""History statistics of a lazy graph: nodes, memory, FLOPs, and a summary.

Every function takes the output(s) of a graph (a lazy array, or a pytree of
them) and walks it once, iteratively, so graphs of millions of nodes are
fine.  Memory is given in elements (as autoray's lazy module does) or, since every
node's dtype is static, in bytes with ``bytes=True``.

Conventions
-----------
- *Inputs* are the nodes with nothing left to compute: ``array`` leaves,
  ``variable`` placeholders and nodes computed earlier.  Statistics keyed by
  op name report them as ``"array"`` (leaves and computed nodes) and
  ``"variable"``; never as ``'None'``.
- The order of computation is that of :func:`lazyray.ascend`, the order
  :func:`lazyray.compute` uses.  Each intermediate is assumed freed right
  after its last use, as :func:`lazyray.compute` does; the outputs are never
  freed.
- A multi-output op (``linalg.svd``, ``split``...) is a hidden node whose
  size is the sum of its outputs, followed by one ``item`` node per output
  used.  An ``item`` node only refers to its output, so it allocates nothing
  and counts 0 towards the totals and the ``'sizeout'`` statistics; the
  memory of an output used through an ``item`` is released when that
  ``item`` is last used, the rest of the hidden node's memory when the
  hidden node is.
"""

from __future__ import annotations

import collections
from collections.abc import Callable

from ..graph.traverse import ascend, to_list, topological
from . import stats_memory as _mem
from .flops import node_flops
from .stats_memory import elements, footprint_events, footprint_per_node, memory_plan, nbytes, peak

__all__ = [
    "node_name",
    "node_size",
    "history_num_nodes",
    "history_max_size",
    "history_size_footprint",
    "history_peak_size",
    "history_total_size",
    "history_stats",
    "history_fn_frequencies",
    "history_flops",
]


# ------------------------------------------------------------------ per node


def node_name(node) -> str:
    """The name a node is reported under in statistics.

    The op name for nodes still to compute; ``"variable"`` for placeholders
    and ``"array"`` for leaves holding data and for nodes already computed.

    >>> import lazyray, numpy as np
    >>> x = lazyray.Variable((2,))
    >>> node_name(x), node_name(lazyray.array(np.ones(2))), node_name(x + 1)
    ('variable', 'array', 'add')
    """
    if node._fn is None:
        return "variable" if node._data is None else "array"
    return str(node._op)


def node_size(node, bytes: bool = False) -> int:  # noqa: A002
    """The number of elements (or bytes) of the array(s) ``node`` produces.

    For a hidden multi-output node, the sum over its outputs.

    >>> import lazyray
    >>> u, s, vh = lazyray.linalg.svd(lazyray.Variable((4, 3), dtype="float32"))
    >>> node_size(u), node_size(u.deps[0]), node_size(u.deps[0], bytes=True)
    (12, 24, 96)
    """
    return nbytes(node) if bytes else elements(node)


def _own(node, bytes) -> int:  # noqa: A002
    """Memory a node adds to the graph's total (0 for ``item`` nodes)."""
    return 0 if _mem.is_item_of(node) else node_size(node, bytes)


def _largest(node, bytes) -> int:  # noqa: A002
    """The largest single array a node produces."""
    if _mem.is_multi(node):
        return max((_mem.component(node, i, bytes) for i in range(len(node._shape))), default=0)
    return nbytes(node) if bytes else elements(node)


# ------------------------------------------------------------------ counting


def history_num_nodes(lz) -> int:
    """The number of unique nodes in the graph, inputs included.

    >>> import lazyray
    >>> x = lazyray.Variable((3,))
    >>> history_num_nodes(lazyray.sin(x) + x)
    3
    """
    return sum(1 for _ in ascend(lz))


def history_max_size(lz, bytes: bool = False) -> int:  # noqa: A002
    """The size of the largest single array of the graph.

    >>> import lazyray
    >>> x = lazyray.Variable((3,), dtype="float32")
    >>> y = (x[:, None] * x).sum()
    >>> history_max_size(y), history_max_size(y, bytes=True)
    (9, 36)
    """
    return max(_largest(n, bytes) for n in ascend(lz))


def history_total_size(lz, bytes: bool = False) -> int:  # noqa: A002
    """The total size of all unique arrays of the graph (inputs included).

    The memory needed to keep every intermediate, e.g. for backpropagation.

    >>> import lazyray
    >>> x = lazyray.Variable((3,))
    >>> history_total_size(lazyray.sin(x) + x), history_total_size(x + 1, bytes=True)
    (9, 48)
    """
    return sum(_own(n, bytes) for n in ascend(lz))


# ----------------------------------------------------------------- footprint


def history_size_footprint(
    lz,
    include_inputs: bool = True,
    bytes: bool = False,
    per_node: bool = False,  # noqa: A002
) -> list:
    """The combined size of the live arrays at each step of the computation.

    Intermediates are assumed freed as soon as they are no longer needed
    (as :func:`lazyray.compute` does), and the outputs kept.

    Parameters
    ----------
    lz : as in :func:`lazyray.inspect.show.show`
    include_inputs : bool, optional
        Whether to count the inputs: if True they are all present at the
        start and freed after their last use.
    bytes : bool, optional
        Count bytes instead of elements.
    per_node : bool, optional
        If False (the default, as in autoray's lazy module), one value at the start
        and after each allocation and each release.  If True, one value per
        node in :func:`lazyray.ascend` order: the size live while that node
        is computed (its result and its operands included).

    Returns
    -------
    list of int

    Examples
    --------
    >>> import lazyray
    >>> x = lazyray.Variable((4,))
    >>> y = lazyray.sin(x) * 2
    >>> history_size_footprint(y)  # x; +sin; -x; +multiply; -sin
    [4, 8, 4, 8, 4]
    >>> history_size_footprint(y, include_inputs=False, per_node=True)
    [0, 4, 8]
    """
    outputs = to_list(lz)
    plan = memory_plan(topological(outputs), outputs)
    if per_node:
        return footprint_per_node(plan, include_inputs, bytes).tolist()
    return footprint_events(plan, include_inputs, bytes)


def history_peak_size(lz, include_inputs: bool = True, bytes: bool = False) -> int:  # noqa: A002
    """The peak combined size of the live arrays during the computation.

    See :func:`history_size_footprint` for the parameters.  It is the
    memory :func:`lazyray.compute` really needs (in ``bytes=True`` form) up
    to backend temporaries and allocator overhead.

    >>> import lazyray
    >>> a, b, c = (lazyray.Variable((10, 10)) for _ in range(3))
    >>> d = (a @ b) @ c
    >>> history_peak_size(d), history_peak_size(d, include_inputs=False, bytes=True)
    (400, 1600)
    """
    outputs = to_list(lz)
    return peak(memory_plan(topological(outputs), outputs), include_inputs, bytes)


# --------------------------------------------------------------- statistics


def _sizein(node, bytes=False):  # noqa: A002
    if _mem.is_item_of(node):
        return 0
    size = nbytes if bytes else elements
    return sum(size(d) for d in node._deps)


_STATS = {
    "count": lambda node: 1,
    "sizein": _sizein,
    "sizeout": lambda node: _own(node, False),
    "bytesin": lambda node: _sizein(node, True),
    "bytesout": lambda node: _own(node, True),
    "flops": node_flops,
}


def history_stats(lz, fn: str | Callable) -> dict:
    """Aggregate a per-node statistic by op name.

    Parameters
    ----------
    lz : as in :func:`history_size_footprint`
    fn : str or callable
        ``fn(node)`` giving a number (or None to skip the node), or one of
        ``'count'`` (nodes), ``'sizein'`` / ``'bytesin'`` (total size of the
        operands), ``'sizeout'`` / ``'bytesout'`` (total size of the
        results), ``'flops'`` (see :mod:`lazyray.inspect.flops`).

    Returns
    -------
    dict
        Op name (see :func:`node_name`) to the sum of ``fn`` over its nodes.

    Examples
    --------
    >>> import lazyray
    >>> x = lazyray.Variable((4,))
    >>> y = lazyray.sin(x) * lazyray.cos(x)
    >>> history_stats(y, "sizein")
    {'variable': 0, 'sin': 4, 'cos': 4, 'multiply': 8}
    """
    if not callable(fn):
        if fn not in _STATS:
            raise ValueError(
                f"history_stats: unknown statistic {fn!r}; "
                f"use a callable or one of {sorted(_STATS)}"
            )
        fn = _STATS[fn]
    stats: dict = collections.defaultdict(int)
    for node in ascend(lz):
        value = fn(node)
        if value is not None:
            stats[node_name(node)] += value
    return dict(stats)


def history_fn_frequencies(lz) -> dict:
    """Op name to the number of nodes computing it (inputs included).

    >>> import lazyray
    >>> x = lazyray.Variable((4,))
    >>> history_fn_frequencies(lazyray.sin(x) + lazyray.sin(x))
    {'variable': 1, 'sin': 2, 'add': 1}
    """
    return history_stats(lz, "count")


def history_flops(lz) -> int:
    """Estimated total floating point operations to compute the graph.

    Nodes of unknown cost (user callables) count 0; see
    :func:`lazyray.inspect.flops.node_flops` for the conventions.

    >>> import lazyray
    >>> a, b, c = lazyray.Variable((2, 3)), lazyray.Variable((3, 4)), lazyray.Variable((4, 5))
    >>> history_flops((a @ b) @ c)  # 2*2*3*4 + 2*2*4*5
    128
    """
    return sum(node_flops(n) or 0 for n in ascend(lz))
