"""Text views (show tree, listing) and the compute progress bar."""

import io
import sys

import numpy as np
import pytest

import lazyray
from lazyray.inspect.show import aval, listing, show, tree_lines


def _shown(*args, **kwargs):
    f = io.StringIO()
    show(*args, file=f, **kwargs)
    return f.getvalue().splitlines()


def graph():
    x = lazyray.Variable((4, 4))
    a = lazyray.array(np.ones((4,), dtype="float32"))
    y = lazyray.tanh(x @ x) + a
    return x, a, y.sum(axis=0)


def test_tree_exact():
    *_, y = graph()
    assert _shown(y) == [
        "   0 sum(#, axis=0) → f64[4]",
        "   1 ╰─add(#, #) → f64[4,4]",
        "   2   ├─←array f32[4]",
        "   3   ╰─tanh(#) → f64[4,4]",
        "   4     ╰─matmul(#, #) → f64[4,4]",
        "   5       ├─←variable f64[4,4]",
        "   6       ╰─ ... [←variable f64[4,4] from line 5]",
    ]


def test_tree_limits_and_filler():
    *_, y = graph()
    lines = _shown(y, max_lines=3)
    assert len(lines) == 3 and lines[-1].strip().startswith("... (more lines")
    assert _shown(y, max_depth=1) == [
        "   0 sum(#, axis=0) → f64[4]",
        "   1 ╰─add(#, #) → f64[4,4]",
    ]
    assert _shown(y, filler=".")[3] == "   3 ..╰─tanh(#) → f64[4,4]"


def test_lazyarray_show_prints(capsys):
    *_, y = graph()
    y.show()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "   0 sum(#, axis=0) → f64[4]" and len(out) == 7


def test_listing_exact():
    x, a, y = graph()
    assert listing(y).splitlines() == [
        "x0:f64[4,4] = variable",
        "x1:f64[4,4] = matmul x0 x0",
        "x2:f64[4,4] = tanh x1",
        "x3:f32[4] = array",
        "x4:f64[4,4] = add x2 x3",
        "x5:f64[4] = sum[axis=0] x4",
        "out: x5",
    ]
    assert _shown(y, style="listing") == listing(y).splitlines()
    assert listing(y, max_lines=2).splitlines()[-1].startswith("... (more lines")


def test_listing_arguments_and_multi_output():
    x = lazyray.Variable((5, 4), dtype="complex64")
    u, s, vh = lazyray.linalg.svd(x)
    y = lazyray.stack([u[:, :2], u[:, 2:]], axis=0)
    text = listing([y, s])
    assert "x1:(c64[5,4], f32[4], c64[4,4]) = linalg.svd x0" in text
    assert "x2:c64[5,4] = item x1 0" in text
    assert "= getitem x2 (:, :2)" in text
    assert "= stack[axis=0] (x3, x4)" in text
    assert text.splitlines()[-1] == "out: x5, x6"
    tree = "\n".join(tree_lines([y, s]))
    assert "linalg.svd(#) → (c64[5,4], f32[4], c64[4,4])" in tree
    assert tree.count("from line") == 2  # the svd node, met again twice


def test_computed_nodes_and_constants():
    x = lazyray.array(np.arange(3.0))
    c = lazyray.exp(x)
    y = c * np.ones(3)
    c.compute()
    assert "x0:f64[3] = array  # computed exp" in listing(y)
    assert "x1:f64[3] = multiply x0 <ndarray f64[3]>" in listing(y)
    assert "←exp f64[3] (computed)" in "\n".join(tree_lines(y))


def test_aval():
    assert aval(lazyray.Variable((), dtype="bool")) == "bool[]"
    assert aval(lazyray.Variable((2, 3), dtype="int32")) == "i32[2,3]"


def test_show_deep_chain_is_iterative():
    n = 20_000
    x = lazyray.Variable((2,))
    y = x
    for _ in range(n):
        y = lazyray.sin(y)
    lines = _shown(y)
    assert len(lines) == n + 1
    assert lines[-1].endswith("╰─←variable f64[2]")
    assert "levels)" in lines[-1]  # deep prefixes are elided
    assert len(lines[-1]) < 200
    assert len(listing(y).splitlines()) == n + 2


def test_bad_style():
    with pytest.raises(ValueError, match="style"):
        show(lazyray.Variable((2,)), style="nope")


# ------------------------------------------------------------- progress bar


def _long_graph(n=500):
    x = lazyray.array(np.linspace(0, 1, 5))
    y = x
    for i in range(n):
        y = lazyray.sin(y) + i * 1e-3
    return x, y


def test_progbar_compute_tqdm(capsys):
    pytest.importorskip("tqdm")
    x, y = _long_graph()
    expected = x.data
    for i in range(500):
        expected = np.sin(expected) + i * 1e-3
    out = lazyray.compute(y, progbar=True)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    err = capsys.readouterr().err
    assert "1000/1000" in err
    assert y.fn is None and y.deps == ()


def test_progbar_without_tqdm(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    x, y = _long_graph(50)
    out = y.compute(progbar=True)
    assert out.shape == (5,)
    err = capsys.readouterr().err
    assert "100% 100/100 nodes" in err


def test_progbar_skips_computed_nodes(capsys):
    pytest.importorskip("tqdm")
    x, y = _long_graph(10)
    y.deps[0].compute()  # half of the graph is done already
    lazyray.compute(y, progbar=True)
    assert "1/1" in capsys.readouterr().err
