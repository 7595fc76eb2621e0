"""lazyray as a drop-in for ``autoray.lazy`` (issue 11): node names after
partial evaluation, ``array`` of lists of lazy arrays, ``show`` options, the
plot options of autoray, autoray's dispatch specials and multi-dispatch,
the :func:`lazyray.patch_autoray` switch and ``complexity_tracing`` costs.

Oracles: eager numpy, and the real ``autoray.lazy`` run on the same program.
"""

from __future__ import annotations

import sys
import warnings

import autoray as ar
import numpy as np
import pytest

import lazyray
from lazyray.compat.switch import autoray_patched


def _rand(shape, seed=0):
    return np.random.default_rng(seed).random(shape)


def _program(lazy):
    """autoray's ``test_partial_evaluation`` program on a lazy module."""
    la, lb, lc, ld = (lazy.array(_rand((10, 10), s)) for s in range(4))
    lab = ar.do("tanh", la @ lb)
    lcd = lc @ ld
    ls = lab + lcd
    ld2 = ar.do("abs", lab / lcd)
    le = ar.do("einsum", "ab,ba->a", ls, ld2)
    return ar.do("sum", le), (la, lb, lc, ld)


# ------------------------------------------------------------ 1. fn_name


def test_fn_name_of_folded_nodes_matches_frequencies():
    lf, (la, lb, lc, ld) = _program(lazyray)
    assert lf.history_num_nodes() == 12
    lf.compute_constants(variables=[lc, ld])
    assert lf.history_num_nodes() == 9
    names = [n.fn_name for n in lf.descend()]
    assert "tanh" not in names and "matmul" in names
    freq = lf.history_fn_frequencies()
    assert sorted(freq) == sorted(set(names))
    assert sum(freq.values()) == len(names)
    # the folded tanh node is counted (and named) as an array, its op kept for repr
    folded = [n for n in lf.descend() if n._op == "tanh"]
    assert folded and folded[0].fn_name == "array" and "fn=tanh" in repr(folded[0])
    eager, _ = _program(ar.lazy)
    np.testing.assert_allclose(lf.compute(), eager.compute())


def test_fn_name_of_leaves_and_ops():
    x = lazyray.Variable((2,))
    c = lazyray.array(np.ones(2))
    y = lazyray.sin(c)
    assert (x.fn_name, c.fn_name, y.fn_name) == ("variable", "array", "sin")
    y.compute()
    assert y.fn_name == "array" and y.fn is None


# ------------------------------------------------------------ 2. array of lazies


def test_array_of_lazy_scalars_builds_a_stack_with_deps():
    vals = [0.3, -1.2, 2.5]
    la, lb, lc = (lazyray.array(np.float64(v)) for v in vals)
    y = lazyray.array([la, lb, lc])
    assert y.fn_name == "stack" and set(map(id, y.deps)) == {id(la), id(lb), id(lc)}
    assert (y.shape, y.dtype) == ((3,), "float64")
    np.testing.assert_array_equal(y.compute(), np.array(vals))


@pytest.mark.parametrize(
    "build, dtypes",
    [
        (lambda a, b: [a, b, 1.0], ("float32", "float32")),
        (lambda a, b: [[a, 1.0], [b, 2]], ("float64", "float32")),
        (lambda a, b: ([a, b], [3, 4]), ("float32", "float32")),
        (lambda a, b: [a, 1j], ("float32", "float64")),
        (lambda a, b: [[a], [b]], ("int32", "int64")),
        (lambda a, b: [a, b], ("int8", "bool")),
        (lambda a, b: [a, True], ("bool", "bool")),
    ],
)
def test_array_of_nested_lists_matches_numpy(build, dtypes):
    xa = np.asarray(1.5 if "float" in dtypes[0] else 3, dtype=dtypes[0])
    xb = np.asarray(-2.5 if "float" in dtypes[1] else 1, dtype=dtypes[1])
    y = lazyray.array(build(lazyray.array(xa), lazyray.array(xb)))
    ref = np.array(build(xa, xb))
    assert (y.shape, y.dtype) == (ref.shape, ref.dtype.name)
    out = y.compute()
    assert out.dtype == ref.dtype
    np.testing.assert_array_equal(out, ref)


def test_array_of_variables_keeps_them_as_inputs():
    a, b = lazyray.Variable(()), lazyray.Variable((), dtype="float32")
    y = lazyray.array([[a, 1.0], [b, a * 2]]) * 3
    assert y.shape == (2, 2) and y.dtype == "float64"
    assert {id(a), id(b)} <= {id(n) for n in lazyray.ascend(y)}
    f = lazyray.Function([a, b], y)
    out = f(np.float64(2.0), np.float32(5.0))
    np.testing.assert_allclose(out, 3 * np.array([[2.0, 1.0], [5.0, 4.0]]))
    with pytest.raises(TypeError):
        np.asarray(y)  # still unknown: depends on Variables


def test_array_of_lazy_vectors_and_through_autoray():
    xs = [_rand(4, s) for s in range(3)]
    lx = [lazyray.array(x) for x in xs]
    y = ar.do("array", lx, like="lazyray")
    assert y.fn_name == "stack" and y.shape == (3, 4)
    np.testing.assert_array_equal(y.compute(), np.array(xs))
    with pytest.raises(ValueError):
        lazyray.array([lazyray.Variable((2,)), lazyray.Variable((3,))])  # ragged


def test_array_of_lazies_is_shared():
    a, v = lazyray.array(np.float64(0.5)), lazyray.Variable(())
    with lazyray.shared_intermediates():
        y1, y2 = lazyray.array([a, v, 1.0]), lazyray.array([a, v, 1.0])
    assert y1 is y2


def test_asarray():
    x = lazyray.Variable((2,), dtype="float32")
    assert lazyray.asarray(x) is x and lazyray.asarray(x, dtype="float32") is x
    assert lazyray.asarray(x, dtype="float64").dtype == "float64"
    assert lazyray.asarray([1, 2]).dtype == "int64"
    with pytest.raises(ValueError, match="device"):
        lazyray.asarray(x, device="cuda:0")


# ------------------------------------------------------------ 3. show


def _graph():
    x = lazyray.Variable((4, 4))
    return lazyray.tanh(x @ x + 1).sum(axis=0)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 6, 7, 100])
def test_show_max_lines_is_a_total(capsys, n):
    y = _graph()
    y.show()
    full = capsys.readouterr().out.splitlines()
    y.show(max_lines=n)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == min(n, len(full))
    if n < len(full) and n > 1:
        assert lines[:-1] == full[: n - 1] and "more lines not shown" in lines[-1]
    else:
        assert lines == full[:n]
    y.show(style="listing", max_lines=n)
    assert len(capsys.readouterr().out.splitlines()) <= n


def test_show_args(capsys):
    y = _graph()
    y.show(show_args=False)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["0", "sum", "→", "f64[4]"]
    assert "#" not in "".join(lines) and "axis" not in "".join(lines)
    y.show(show_args=True)
    assert "sum(#, axis=0)" in capsys.readouterr().out
    y.show(style="listing", show_args=False)
    assert "matmul" in capsys.readouterr().out


def test_show_signature_is_autorays():
    import inspect

    ours = inspect.signature(lazyray.inspect.show.show).parameters
    theirs = inspect.signature(ar.lazy.LazyArray.show).parameters
    assert [p for p in theirs if p != "self"] == list(ours)[1 : len(theirs)]


# ------------------------------------------------------------ 4. plots


@pytest.fixture
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    pytest.importorskip("networkx")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _paths_equal(collection, marker):
    from matplotlib.markers import MarkerStyle

    m = MarkerStyle(marker)
    ref = m.get_path().transformed(m.get_transform())
    got = collection.get_paths()[0]
    return got.vertices.shape == ref.vertices.shape and np.allclose(got.vertices, ref.vertices)


def test_plot_graph_autoray_calls(plt):
    lf, (_, _, lc, ld) = _program(lazyray)
    for kw in (
        {},
        {"initial_layout": "layers"},
        {"variables": [lc, ld], "color_by": "variables"},
        {"layout": "auto"},
        {"initial_layout": "spiral", "iterations": 5},
        {"layout": "kamada_kawai"},
    ):
        fig, ax = lf.plot_graph(**kw)
        assert fig is ax.figure and ax.collections


def test_plot_graph_dim3(plt):
    lf, _ = _program(lazyray)
    fig, ax = lf.plot_graph(dim=3, iterations=5)
    assert ax.name == "3d"
    pts = [c for c in ax.collections if hasattr(c, "_offsets3d")]
    assert sum(len(c._offsets3d[2]) for c in pts) == lf.history_num_nodes()
    zs = np.concatenate([np.asarray(c._offsets3d[2]) for c in pts])
    assert np.ptp(zs) > 0  # a real 3-d layout
    fig, ax = lf.plot_graph(dim=2.5, iterations=5)
    assert ax.name == "rectilinear"
    with pytest.raises(ValueError, match="3-d axes"):
        lf.plot_graph(dim=3, ax=plt.subplots()[1])
    with pytest.raises(ValueError, match="dim"):
        lf.plot_graph(dim=4)


def test_plot_graph_node_shape_arrows_labels(plt):
    lf, _ = _program(lazyray)
    fig, ax = lf.plot_graph(
        node_shape="^",
        arrowsize=13,
        connectionstyle="arc3,rad=0.3",
        label_color="red",
        label_alpha=0.25,
    )
    assert any(_paths_equal(c, "^") for c in ax.collections)
    assert not any(_paths_equal(c, "s") for c in ax.collections)
    arrows = ax.patches
    assert len(arrows) == sum(len(n.deps) for n in lf.descend())
    assert {a.get_mutation_scale() for a in arrows} == {13}
    style = arrows[0].get_connectionstyle()
    assert type(style).__name__ == "Arc3" and style.rad == 0.3
    labels = [t for t in ax.texts if t.get_text() == "tanh"]
    assert labels and labels[0].get_color() == "red" and labels[0].get_alpha() == 0.25


def test_plot_graph_layout_options(plt):
    lf, _ = _program(lazyray)
    n = lf.history_num_nodes()

    def xy(ax):
        return np.concatenate([c.get_offsets() for c in ax.collections if len(c.get_offsets())])

    # layout_opts (and extra keywords, as autoray's **layout_opts) reach networkx
    a = xy(lf.plot_graph(layout="circular", show_labels=False)[1])
    b = xy(lf.plot_graph(layout="circular", layout_opts={"scale": 3}, show_labels=False)[1])
    c = xy(lf.plot_graph(layout="circular", scale=3, show_labels=False)[1])
    assert a.shape == (n, 2)
    np.testing.assert_allclose(np.ptp(b, axis=0), 3 * np.ptp(a, axis=0), rtol=1e-6)
    np.testing.assert_allclose(b, c)
    # k changes the spring relaxation; a dict is a start position
    k1 = xy(lf.plot_graph(layout="auto", k=0.05, iterations=20)[1])
    k2 = xy(lf.plot_graph(layout="auto", k=2.0, iterations=20)[1])
    assert not np.allclose(k1, k2)
    start = {i: (float(i), float(i % 3)) for i in range(n)}
    fixed = xy(lf.plot_graph(initial_layout=start, iterations=0)[1])
    assert fixed.shape == (n, 2)
    fa = xy(lf.plot_graph(layout="auto", use_forceatlas2=True, iterations=10)[1])
    sp = xy(lf.plot_graph(layout="auto", use_forceatlas2=False, iterations=10)[1])
    assert fa.shape == sp.shape == (n, 2)
    with pytest.raises(ValueError, match="no layout"):
        lf.plot_graph(layout="nonexistent")


def test_history_plots_rasterize_dpi(plt):
    lf, _ = _program(lazyray)
    for method in (
        lf.plot_history_size_footprint,
        lf.plot_history_functions_scatter,
        lf.plot_history_functions_image,
        lf.plot_history_stats,
    ):
        fig, _ = method(rasterize_dpi=123)
        assert fig.dpi == 123
        fig, ax = plt.subplots(dpi=50)
        method(rasterize_dpi=123, ax=ax)
        assert fig.dpi == 50  # a given axes' figure is left alone


# ------------------------------------------------------------ 5. dispatch


def test_dispatch_specials_match_autoray_lazy():
    x = _rand((2, 3))
    for like, lazy in (("lazyray", lazyray), ("autoray.lazy", ar.lazy)):
        lx = lazy.array(x)
        assert ar.to_device(lx, None) is lx
        for device in ("cpu", "cuda:0"):
            with pytest.raises(TypeError, match="device"):
                ar.to_device(lx, device)
            with pytest.raises(TypeError, match="device"):
                ar.to(lx, device=device)
        ly = ar.do("from_numpy", x, like=like)
        assert ly.shape == (2, 3)
        np.testing.assert_array_equal(ly.compute(), x)
        lz = ar.do("from_numpy", x, dtype="float32", like=like)
        assert lz.compute().dtype == np.float32  # (autoray.lazy's dtype is itself lazy)
        with pytest.raises(TypeError, match="device"):
            ar.do("from_numpy", x, device="cuda:0", like=like)
        assert ar.astype(lx, "complex128").compute().dtype == np.complex128
        with pytest.raises(TypeError, match="compute"):
            ar.to_numpy(lx * 2)
    lx = lazyray.array(x)
    assert ar.astype(lx, "float64") is lx and ar.get_dtype_name(ar.astype(lx, "int8")) == "int8"
    assert ar.get_dtype_name(ar.do("from_numpy", x, dtype="float32", like="lazyray")) == "float32"
    y = lazyray.array(x) * 2
    y.compute()
    np.testing.assert_array_equal(ar.to_numpy(y), 2 * x)


def test_from_numpy_accepts_the_cpu_device():
    # autoray passes the device of an example array (ar.from_numpy(x, like=example))
    x = _rand((2, 3))
    for device in ("cpu", None):
        y = ar.do("from_numpy", x, dtype="float32", device=device, like="lazyray")
        assert y.dtype == "float32" and np.array_equal(y.compute(), x.astype("float32"))
    example = lazyray.array(x.astype("float32"))
    z = ar.from_numpy(x, like=example)
    assert ar.infer_backend(z) == "lazyray" and ar.get_dtype_name(z) == "float32"
    with pytest.raises(TypeError, match="device"):
        ar.do("from_numpy", x, device="cuda:0", like="lazyray")


@pytest.mark.parametrize("order", ["eager_first", "lazy_first"])
def test_multi_dispatch_prefers_lazy(order):
    torch = pytest.importorskip("torch")
    a = torch.rand(3, 4, dtype=torch.float64)
    b = torch.rand(4, 5, dtype=torch.float64)
    lb = lazyray.array(b)
    ops = (a, lb) if order == "eager_first" else (lb.T, a.T)
    y = ar.do("tensordot", *ops, axes=1)
    assert type(y) is lazyray.LazyArray and y.backend == "torch"
    ref = a @ b if order == "eager_first" else (a @ b).T
    torch.testing.assert_close(y.compute(), ref)
    e = ar.do("einsum", "ij,jk->ik", a, lb)
    assert type(e) is lazyray.LazyArray
    torch.testing.assert_close(e.compute(), a @ b)
    # numpy arrays lose against lazy ones as against anything else
    n = ar.do("tensordot", np.ones((2, 3)), lazyray.array(np.ones((3, 2))), axes=1)
    assert type(n) is lazyray.LazyArray


@pytest.mark.parametrize("numpy_first", [True, False])
def test_lazy_numpy_arrays_join_autoray_numpy_graphs(numpy_first):
    # cotengra's constants: Variables of autoray's dispatching backend meet
    # lazy numpy nodes (constants contracted together); autoray.lazy gives
    # the result the backend of higher priority, "autoray.numpy" (numpy: -1)
    a, b, c = _rand((3, 4), 1), _rand((4, 5), 2), _rand((5,), 3)
    v = lazyray.Variable((3, 4), backend="autoray.numpy")
    k = lazyray.tensordot(lazyray.array(b), lazyray.array(np.diag(c)), 1)  # a numpy node
    assert k.backend == "numpy"
    args = (k.T, v.T) if numpy_first else (v, k)
    for y in (lazyray.tensordot(*args, 1), lazyray.matmul(*args), (v @ k) + lazyray.array(c)):
        assert y.backend == "autoray.numpy"
    ref = (b * c).T @ a.T if numpy_first else a @ (b * c)
    f = lazyray.Function([v], [lazyray.tensordot(*args, 1), (v @ k) * 2.0 - lazyray.array(c)])
    np.testing.assert_allclose(f(a)[0], ref, rtol=1e-12)
    np.testing.assert_allclose(f(a)[1], 2 * (a @ (b * c)) - c, rtol=1e-12)
    # any other pair of backends is still an error at trace time
    torch = pytest.importorskip("torch")
    t = lazyray.array(torch.ones(4, 5, dtype=torch.float64))
    with pytest.raises(ValueError, match="tensordot: cannot mix lazy arrays of backends"):
        lazyray.tensordot(v, t, 1)
    with pytest.raises(ValueError, match="add: cannot mix lazy arrays of backends"):
        lazyray.array(b) + t


def test_autoray_lazy_arrays_are_refused_naming_the_op():
    # a user migrating from autoray.lazy may hold arrays of both libraries;
    # numpy's own error here was "Could not convert <LazyArray...> to a NumPy dtype"
    al = pytest.importorskip("autoray.lazy")
    x, y = lazyray.array(_rand((2, 2))), al.array(_rand((2, 2), 1))
    calls = {
        "add": lambda: x + y,
        "tensordot": lambda: ar.do("tensordot", x, y, 1),
        "einsum": lambda: ar.do("einsum", "ij,jk->ik", x, y),
        "stack": lambda: lazyray.stack([x, y]),
        "where": lambda: lazyray.where(x > 0, x, y),
    }
    for op, call in calls.items():
        with pytest.raises(TypeError, match=f"^{op}: cannot mix autoray.lazy and lazyray arrays"):
            call()
    with pytest.raises(TypeError, match="^array: unsupported dtype"):
        lazyray.array(y)


# ------------------------------------------------------------ 6. the switch


def _funcs_snapshot():
    return dict(sys.modules["autoray.autoray"]._FUNCS)


def test_patch_autoray_replaces_and_restores():
    import autoray.compiler

    original = sys.modules["autoray.lazy"]
    orig_core = sys.modules["autoray.lazy.core"]
    before = {k: v for k, v in _funcs_snapshot().items() if k[0] == "autoray.lazy"}
    with lazyray.patch_autoray() as handle:
        assert autoray_patched() and "active" in repr(handle)
        assert ar.lazy is lazyray and autoray.compiler.lazy is lazyray
        assert sys.modules["autoray.lazy"] is lazyray
        assert sys.modules["autoray.lazy.core"] is lazyray.core
        assert sys.modules["autoray.lazy.linalg"] is lazyray.linalg
        from autoray.lazy import Variable  # noqa: PLC0415
        from autoray.lazy.core import lazy_cache

        assert Variable is lazyray.Variable and lazy_cache is lazyray.core.lazy_cache
        x = ar.do("array", _rand(3), like="autoray.lazy")
        assert type(x) is lazyray.LazyArray and ar.infer_backend(x) == "autoray.lazy"
        assert type(ar.do("tanh", x)) is lazyray.LazyArray
        with pytest.raises(TypeError, match="device"):
            ar.to_device(x, "cpu")
    assert not autoray_patched() and "closed" in repr(handle)
    assert ar.lazy is original and autoray.compiler.lazy is original
    assert sys.modules["autoray.lazy.core"] is orig_core
    assert ar.infer_backend(lazyray.Variable((2,))) == "lazyray"
    after = {k: v for k, v in _funcs_snapshot().items() if k[0] == "autoray.lazy"}
    assert all(after.get(k) is v for k, v in before.items())
    assert not [k for k, v in after.items() if str(v.__module__).startswith("lazyray")]
    # the original works again
    z = ar.do("tanh", original.array(_rand(2)))
    assert type(z) is original.LazyArray


def test_patch_autoray_nests_and_unpatch():
    original = sys.modules["autoray.lazy"]
    h1 = lazyray.patch_autoray()
    try:
        with lazyray.patch_autoray():
            assert ar.lazy is lazyray
        assert ar.lazy is lazyray  # the outer call still holds
        h1.close()
        h1.close()  # once only
        assert ar.lazy is original
    finally:
        while lazyray.unpatch_autoray():
            pass
    assert lazyray.unpatch_autoray() is False


def test_patched_submodule_dispatch_uses_lazyray_modules():
    # autoray imports "autoray.lazy.fft" (etc.) for do("fft.fft", x) on the
    # backend "autoray.lazy": under the switch that must be lazyray's module,
    # not a second copy of lazyray imported under autoray.lazy.*
    scipy_linalg = pytest.importorskip("scipy.linalg")
    a = _rand((3, 3)) / 4
    with lazyray.patch_autoray():
        x = ar.do("array", a, like="autoray.lazy")
        calls = {
            "fft.fft": (ar.do("fft.fft", x), np.fft.fft(a)),
            "scipy.linalg.expm": (ar.do("scipy.linalg.expm", x), scipy_linalg.expm(a)),
            "linalg.inv": (ar.do("linalg.inv", x), np.linalg.inv(a)),
            "pad": (ar.do("pad", x, 1), np.pad(a, 1)),
        }
        np.random.seed(4)
        calls["random.uniform"] = (
            ar.do("random.uniform", size=(2,), like="autoray.lazy"),
            (np.random.seed(4), np.random.uniform(size=(2,)))[1],
        )
        for name, (y, ref) in calls.items():
            assert type(y) is lazyray.LazyArray, name
            np.testing.assert_allclose(y.compute(), ref, rtol=1e-12, err_msg=name)
        copies = [k for k in sys.modules if k.startswith("autoray.lazy.graph")]
        assert not copies, copies


def test_patched_autojit_traces_with_lazyray():
    import autoray.compiler

    calls = []
    real_function = lazyray.Function

    with lazyray.patch_autoray():

        @ar.autojit
        def f(x, y):
            calls.append(type(x))
            return ar.do("tanh", x @ y).sum(axis=0)

        x, y = _rand((3, 4)), _rand((4, 5), 1)
        np.testing.assert_allclose(f(x, y), np.tanh(x @ y).sum(axis=0))
        np.testing.assert_allclose(f(2 * x, y), np.tanh(2 * x @ y).sum(axis=0))
        assert autoray.compiler.lazy.Function is real_function
    assert calls == [lazyray.LazyArray]  # traced once, on lazyray


def test_lazy_cache_shares_through_lazyray():
    from lazyray.core import lazy_cache

    seen = []

    @lazy_cache("double")
    def double(x, factor=2):
        seen.append(factor)
        return x * factor

    x = lazyray.Variable((3,))
    with lazyray.shared_intermediates():
        assert double(x) is double(x)
        assert double(x, 2.0) is not double(x, 2)  # exact keys
    assert double(x) is not double(x)
    assert seen == [2, 2.0, 2, 2, 2]


def test_original_lazy_cache_shares_under_patch():
    original_core = sys.modules["autoray.lazy.core"]

    @original_core.lazy_cache("triple")
    def triple(x):
        return [x * 3]  # a new list each call unless the cache returns it

    x = lazyray.Variable((3,))
    with lazyray.patch_autoray():
        with lazyray.shared_intermediates():
            assert triple(x) is triple(x)
    with lazyray.shared_intermediates():
        assert triple(x) is not triple(x)  # autoray's own sharing stack, not ours


def test_core_names():
    import lazyray.core as core

    assert core.is_lazy_array(lazyray.Variable(()))
    assert core.ensure_lazy(np.ones(2)).shape == (2,)
    assert core.dtype_real_equiv("complex128") == "float64"
    assert core.find_broadcast_shape((3, 1), (2, 1, 4)) == (2, 3, 4)
    assert core.tensordot is lazyray.tensordot
    x = lazyray.Variable((2,), dtype="float32")
    assert core.find_common_dtype(x, lazyray.Variable((2,), dtype="int64")) == "float64"
    assert core.find_common_backend(x, np.ones(2)) == "numpy"
    with pytest.raises(AttributeError):
        core.no_such_name  # noqa: B018
    assert not core.currently_sharing() and core.get_sharing_cache() is None


# ------------------------------------------------------------ 7. complexity tracing


def _cost_program(lazy):
    a = lazy.Variable((6, 8), backend="numpy")
    b = lazy.Variable((8, 5), backend="numpy")
    c = lazy.Variable((5, 5), backend="numpy")
    t = ar.do("tensordot", a, b, 1)
    m = t @ c
    e = ar.do("einsum", "ij,jk->ik", m, c)
    u, s, vh = ar.do("linalg.svd", e * 2)
    q, r = ar.do("linalg.qr", e / 3)
    w = ar.do("linalg.eigh", c + c.T)[0]
    return ar.do("sum", u) + ar.do("sum", s) + ar.do("sum", q) + ar.do("sum", w) + ar.do("sum", -r)


def test_compute_cost_under_patch_matches_autoray_lazy():
    from autoray.experimental.complexity_tracing import compute_cost

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = compute_cost(_cost_program(ar.lazy))
    with lazyray.patch_autoray():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = compute_cost(_cost_program(ar.lazy))
        # tensordot with int and sequence axes
        a, b = lazyray.Variable((2, 3, 4)), lazyray.Variable((3, 4, 5))
        assert compute_cost(lazyray.tensordot(a, b, 2)) == 2 * 3 * 4 * 5
        assert compute_cost(lazyray.tensordot(a, b, [[1], [0]])) == 2 * 3 * 4 * 4 * 5
    assert ours == pytest.approx(ref)
    from autoray.experimental import complexity_tracing as ct

    assert "linalg.svd" not in ct.COSTS  # restored
