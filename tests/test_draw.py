"""Graph export (networkx, DOT) and every plot, rendered with Agg for a small
and a large graph, with and without ``ax=``."""

import os
import subprocess
import sys

import numpy as np
import pytest

import lazyray
from lazyray.examples import gram_schmidt
from lazyray.inspect import draw

mpl = pytest.importorskip("matplotlib")
pytest.importorskip("networkx")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def small_graph():
    """About 20 nodes: variables, an array leaf, a multi-output op."""
    x = lazyray.Variable((6, 4))
    a = lazyray.array(np.linspace(1, 2, 4))
    u, s, vh = lazyray.linalg.svd(x)
    y = lazyray.tanh(u * s) @ vh + a
    z = lazyray.einsum("ij,j->i", y, a)
    w = lazyray.exp(-(z**2)).sum() + lazyray.linalg.norm(y)
    return lazyray.sin(w) * lazyray.cos(w) - w


@pytest.fixture(scope="module")
def graphs():
    small = small_graph()
    large = gram_schmidt(lazyray.Variable((100, 100)))
    n_small = lazyray.inspect.stats.history_num_nodes(small)
    n_large = lazyray.inspect.stats.history_num_nodes(large)
    assert 15 <= n_small <= 30 and 15_000 <= n_large <= 22_000, (n_small, n_large)
    return {"small": small, "large": large}


def _check_png(fig, path):
    fig.savefig(path, dpi=40)
    plt.close(fig)
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    img = mpl.image.imread(path)
    rgb = img[..., :3] * img[..., 3:] if img.shape[-1] == 4 else img
    # something was drawn: not a blank canvas
    assert (np.abs(rgb - rgb[0, 0]).sum(axis=-1) > 0.05).mean() > 0.002


PLOTS = {
    "circuit": draw.plot_circuit,
    "graph": draw.plot_graph,
    "footprint": draw.plot_history_size_footprint,
    "functions_scatter": lambda g, **kw: draw.plot_history_functions(g, kind="scatter", **kw),
    "functions_lines": lambda g, **kw: draw.plot_history_functions(g, kind="lines", **kw),
    "functions_image": lambda g, **kw: draw.plot_history_functions(g, kind="image", **kw),
    "stats_counts": lambda g, **kw: draw.plot_history_stats(g, fn="count", **kw),
    "stats_sizein": lambda g, **kw: draw.plot_history_stats(g, fn="sizein", kind="bar", **kw),
}


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("name", sorted(PLOTS))
def test_plot_renders(graphs, tmp_path, name, size):
    g = graphs[size]
    fig, ax = PLOTS[name](g)
    assert ax.figure is fig
    _check_png(fig, tmp_path / f"{name}.png")
    # into given axes: returns that figure and those axes
    fig2, axs = plt.subplots(1, 2, figsize=(6, 3))
    f, a = PLOTS[name](g, ax=axs[1])
    assert f is fig2 and a is axs[1]
    _check_png(fig2, tmp_path / f"{name}_ax.png")


def test_lazyarray_plot_methods(graphs, tmp_path):
    g = graphs["small"]
    for meth in [
        "plot",
        "plot_circuit",
        "plot_graph",
        "plot_history_size_footprint",
        "plot_history_functions",
        "plot_history_functions_scatter",
        "plot_history_functions_lines",
        "plot_history_functions_image",
        "plot_history_stats",
        "plot_history_stats_counts",
        "plot_history_stats_sizein",
    ]:
        fig, ax = getattr(g, meth)()
        assert ax.figure is fig, meth
        _check_png(fig, tmp_path / f"{meth}.png")


def test_plot_options(graphs, tmp_path):
    g = graphs["small"]
    x = lazyray.inspect.stats.history_num_nodes(g)
    for fig, _ in [
        draw.plot_graph(g, color_by="variables", variables=[]),
        draw.plot_graph(g, layout="spring", color_by="id"),
        draw.plot_circuit(g, layout="compact", color_by="id", show_labels=False),
        draw.plot_circuit(g, layout="wide", colors={"sin": "red"}),
        draw.plot_history_size_footprint(g, log=2, bytes=True, include_inputs=False),
        draw.plot_history_size_footprint(g, per_node=False, style=None),
        draw.plot_history_functions(g, log=10, bytes=True, legend=False),
        draw.plot_history_functions(g, fn=lambda n: n.ndim),
        draw.plot_history_stats(g, fn="flops", top=3),
        draw.plot_history_stats(g, fn=lambda n: None),  # nothing to show
    ]:
        _check_png(fig, tmp_path / "opt.png")
    with pytest.raises(ValueError, match="spring"):
        draw.plot_graph(gram_schmidt(lazyray.Variable((20, 20))), layout="spring")
    with pytest.raises(ValueError, match="kind"):
        draw.plot_history_functions(g, kind="pie")
    assert x > 0


def test_no_scipy_needed(monkeypatch, graphs, tmp_path):
    monkeypatch.setitem(sys.modules, "scipy", None)
    for fig, _ in [
        draw.plot_graph(graphs["small"], layout="spring"),
        draw.plot_graph(graphs["large"]),
    ]:
        _check_png(fig, tmp_path / "noscipy.png")


def test_layouts_structure():
    x = lazyray.Variable((3,))
    y = x
    for _ in range(10):
        y = lazyray.sin(y)
    nodes = list(lazyray.ascend(y))
    # a chain runs along one rail, and one layer per step
    assert draw.circuit_layout(nodes, [y]) == [0] * 11
    gx, gy = draw.graph_layout(nodes)
    assert gx.tolist() == [float(n.depth) for n in nodes] and set(gy.tolist()) == {0.0}
    # two operands of a node take distinct rails
    a, b = lazyray.Variable((3,)), lazyray.Variable((3,))
    z = lazyray.sin(a) + lazyray.cos(b)
    nodes = list(lazyray.ascend(z))
    rails = draw.circuit_layout(nodes, [z])
    by_name = {n.fn_name: r for n, r in zip(nodes, rails)}
    assert by_name["sin"] != by_name["cos"] and rails[-1] == 0
    gx, gy = draw.graph_layout(nodes)
    assert sorted(gy[[0, 2]].tolist()) == [-0.5, 0.5]


def test_colors_stable_across_processes():
    names = ["tensordot", "add", "linalg.svd", "my_fn"]
    here = [draw.op_color(n) for n in names]
    code = f"from lazyray.inspect.draw import op_color;print([op_color(n) for n in {names!r}])"
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        ).stdout
        assert out.strip() == str(here)
    assert len(set(here)) == len(here)
    assert all(0 <= c <= 1 for rgb in here for c in rgb)


# ------------------------------------------------------------------- export


def test_to_nx_digraph():
    x = lazyray.Variable((3,))
    c = lazyray.array(np.ones(3))
    y = lazyray.sin(x) * c + c
    G = draw.to_nx_digraph(y, variables=[x])
    nodes = list(lazyray.ascend(y))
    assert G.number_of_nodes() == len(nodes) == 5
    assert [G.nodes[i]["array"] for i in G] == nodes
    assert {i: G.nodes[i]["fn_name"] for i in G} == {
        0: "variable",
        1: "sin",
        2: "array",
        3: "multiply",
        4: "add",
    }
    assert [G.nodes[i]["variable"] for i in G] == [True, True, False, True, True]
    assert sorted(G.edges) == [(0, 1), (1, 3), (2, 3), (2, 4), (3, 4)]
    G2 = y.to_nx_digraph()
    assert not any(G2.nodes[i]["variable"] for i in G2)
    assert G2.nodes[4]["shape"] == (3,) and G2.nodes[4]["dtype"] == "float64"


def test_to_dot():
    x = lazyray.Variable((3,), dtype="float32")
    y = lazyray.exp(x) + x
    dot = draw.to_dot(y, variables=[x])
    lines = dot.splitlines()
    assert lines[0] == "digraph lazyray {" and lines[-1] == "}"
    node_lines = [ln for ln in lines if ln.strip()[:2] in ("n0", "n1", "n2") and "->" not in ln]
    edge_lines = [ln.strip() for ln in lines if "->" in ln]
    assert len(node_lines) == 3
    assert sorted(edge_lines) == ["n0 -> n1;", "n0 -> n2;", "n1 -> n2;"]
    assert 'label="exp\\nf32[3]"' in dot and "peripheries=2" in node_lines[-1]
    r, g, b = draw.op_color("exp")
    assert f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}" in node_lines[1]
    assert all("penwidth=2" in ln for ln in node_lines)
