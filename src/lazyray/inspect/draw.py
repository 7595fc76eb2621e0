"""Drawing graphs: networkx and graphviz export, circuit and graph plots.

matplotlib is needed for the plots, networkx for :func:`to_nx_digraph`
(and optionally for the ``"spring"`` layout of :func:`plot_graph`); nothing
else (no scipy, no graphviz: :func:`to_dot` writes DOT text).  Each plot
accepts ``ax=`` and returns ``(fig, ax)``.  Colours are stable per op name:
a hash of the name picks the hue (see :func:`op_color`).

Large graphs are drawn with a few collections instead of one artist per node,
rasterized, and without per-node labels (a legend names the most frequent
ops instead), so a 20,000-node graph renders in seconds.

The plots live in :mod:`lazyray.inspect.draw_circuit`, :mod:`lazyray.inspect.draw_graph` and
:mod:`lazyray.inspect.draw_history` (memory footprint, ops, statistics), and are all
re-exported here.
"""

from ..graph.traverse import ascend, to_list
from .draw_circuit import circuit_layout, plot_circuit
from .draw_common import FIXED_COLORS, LABEL_LIMIT, _edges, op_color, variable_flags
from .draw_graph import graph_layout, plot_graph
from .draw_history import plot_history_functions, plot_history_size_footprint, plot_history_stats
from .show import aval
from .stats import node_name

__all__ = [
    "FIXED_COLORS",
    "LABEL_LIMIT",
    "op_color",
    "to_nx_digraph",
    "to_dot",
    "plot_graph",
    "plot_circuit",
    "plot_history_size_footprint",
    "plot_history_functions",
    "plot_history_stats",
    "graph_layout",
    "circuit_layout",
]


# ------------------------------------------------------------------ export


def to_nx_digraph(lz, variables=None):
    """The graph as a ``networkx.DiGraph``.

    Nodes are integers in :func:`lazyray.ascend` order, with attributes
    ``array`` (the lazy array), ``variable`` (whether it depends on one of
    ``variables``), ``fn_name`` (the op name, see
    :func:`lazyray.inspect.stats.node_name`), ``shape`` and ``dtype``.  Edges go from
    each operand to the node using it.

    >>> import lazyray
    >>> x = lazyray.Variable((3,))
    >>> c = lazyray.Variable((3,))
    >>> G = to_nx_digraph(lazyray.sin(x) + c, variables=[x])
    >>> sorted(G.edges), [G.nodes[i]["variable"] for i in G]
    ([(0, 1), (1, 3), (2, 3)], [True, True, False, True])
    """
    import networkx as nx

    nodes = list(ascend(lz))
    flags = variable_flags(nodes, variables)
    G = nx.DiGraph()
    for i, (node, var) in enumerate(zip(nodes, flags)):
        G.add_node(
            i,
            array=node,
            variable=var,
            fn_name=node_name(node),
            shape=node._shape,
            dtype=node._dtype,
        )
    G.add_edges_from(zip(*(e.tolist() for e in _edges(nodes))))
    return G


def _dot_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(lz, variables=None, rankdir: str = "LR", name: str = "lazyray") -> str:
    """The graph in graphviz's DOT language (render it with ``dot -Tpng``).

    Each node is a box labelled with its op, dtype and shape and filled
    with its op colour; nodes depending on ``variables`` are drawn bold,
    outputs with a double border.

    >>> import lazyray
    >>> x = lazyray.Variable((2, 2))
    >>> print(to_dot(lazyray.tanh(x)))  # doctest: +ELLIPSIS
    digraph lazyray {
      rankdir=LR;
      node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];
      n0 [label="variable\\nf64[2,2]", fillcolor="#269959"];
      n1 [label="tanh\\nf64[2,2]", fillcolor="#...", peripheries=2];
      n0 -> n1;
    }
    """
    nodes = list(ascend(lz))
    out_ids = {id(n) for n in to_list(lz)}
    flags = variable_flags(nodes, variables)
    lines = [
        f"digraph {name} {{",
        f"  rankdir={rankdir};",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
    ]
    for i, (node, var) in enumerate(zip(nodes, flags)):
        op = node_name(node)
        r, g, b = op_color(op)
        attrs = [
            f'label="{_dot_escape(op)}\\n{_dot_escape(aval(node))}"',
            f'fillcolor="#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"',
        ]
        if var and variables is not None:
            attrs.append("penwidth=2")
        if id(node) in out_ids:
            attrs.append("peripheries=2")
        lines.append(f"  n{i} [{', '.join(attrs)}];")
    lines += [f"  n{a} -> n{b};" for a, b in zip(*_edges(nodes))]
    lines.append("}")
    return "\n".join(lines)
