"""History statistics, FLOP estimates and the summary, on hand-countable
graphs, against autoray.lazy, and against the real memory peak of compute()."""

import gc
import json
import math
import tracemalloc

import numpy as np
import pytest

import lazyray
from lazyray.examples import gram_schmidt
from lazyray.inspect import stats, summary
from lazyray.inspect.flops import einsum_flops, node_flops

# ----------------------------------------------------------------- helpers


def chain():
    """tanh(a @ b) @ c with a (10, 20), b (20, 30) float32, c (30, 5).

    In ascend order: a, b, ab (10, 30, f64), tanh (10, 30), c, out (10, 5).
    """
    a = lazyray.Variable((10, 20))
    b = lazyray.Variable((20, 30), dtype="float32")
    c = lazyray.Variable((30, 5))
    ab = a @ b
    t = lazyray.tanh(ab)
    return a, b, c, ab, t, t @ c


# ---------------------------------------------------------- hand counted


def test_chain_counts_and_sizes():
    a, b, c, ab, t, out = chain()
    assert [n.fn_name for n in lazyray.ascend(out)] == [
        "variable",
        "variable",
        "matmul",
        "tanh",
        "variable",
        "matmul",
    ]
    assert stats.history_num_nodes(out) == 6
    assert stats.history_fn_frequencies(out) == {"variable": 3, "matmul": 2, "tanh": 1}
    assert stats.history_max_size(out) == 600  # b
    assert stats.history_max_size(out, bytes=True) == 2400  # b (float32) and ab
    assert stats.history_total_size(out) == 200 + 600 + 300 + 300 + 150 + 50
    # b is float32, everything else float64
    assert stats.history_total_size(out, bytes=True) == 8 * 1600 - 4 * 600
    assert stats.history_stats(out, "sizein") == {
        "variable": 0,
        "matmul": (200 + 600) + (300 + 150),
        "tanh": 300,
    }
    assert stats.history_stats(out, "sizeout") == {"variable": 950, "matmul": 350, "tanh": 300}
    assert stats.history_stats(out, "bytesin")["matmul"] == 8 * 200 + 4 * 600 + 8 * 450
    assert stats.history_stats(out, lambda n: n.ndim if n.fn_name == "tanh" else None) == {
        "tanh": 2
    }


def test_chain_footprint_and_peak():
    *_, out = chain()
    # inputs all present at the start (950); +ab; -b -a; +tanh; -ab; +out; -c -tanh
    assert stats.history_size_footprint(out) == [950, 1250, 650, 450, 750, 450, 500, 350, 50]
    assert stats.history_peak_size(out) == 1250
    assert stats.history_size_footprint(out, include_inputs=False) == [0, 300, 600, 300, 350, 50]
    assert stats.history_peak_size(out, include_inputs=False) == 600
    assert stats.history_peak_size(out, include_inputs=False, bytes=True) == 4800
    # bytes: a 1600, b 2400, c 1200, ab/tanh 2400, out 400
    assert stats.history_peak_size(out, bytes=True) == 1600 + 2400 + 1200 + 2400
    # one value per node: live size while it is computed
    assert stats.history_size_footprint(out, include_inputs=False, per_node=True) == [
        0,
        0,
        300,
        600,
        300,
        350,
    ]


def test_lazyarray_methods_delegate():
    *_, out = chain()
    assert out.history_num_nodes() == 6
    assert out.history_max_size() == 600
    assert out.history_peak_size() == 1250
    assert out.history_peak_size(include_inputs=False) == 600
    assert out.history_total_size() == 1600
    assert out.history_size_footprint(include_inputs=False) == [0, 300, 600, 300, 350, 50]
    assert out.history_fn_frequencies() == {"variable": 3, "matmul": 2, "tanh": 1}
    assert out.history_stats("count") == {"variable": 3, "matmul": 2, "tanh": 1}


def test_outputs_are_kept_and_shared_inputs_freed_once():
    x = lazyray.Variable((4,))
    s = lazyray.sin(x)
    y = s * 2
    # s is an output too: never freed, although y uses it
    assert stats.history_size_footprint([y, s], include_inputs=False) == [0, 4, 8]
    assert stats.history_size_footprint(y, include_inputs=False) == [0, 4, 8, 4]
    z = x + x  # one operand used twice is freed once
    assert stats.history_size_footprint(z) == [4, 8, 4]


def test_input_names_never_none():
    x = lazyray.array(np.ones((3, 3)))
    v = lazyray.Variable((3, 3))
    c = lazyray.exp(x)  # will be computed: then reported as an array input
    y = lazyray.tanh(v @ c)
    assert "None" not in stats.history_fn_frequencies(y)
    assert stats.history_fn_frequencies(y) == {
        "array": 1,
        "exp": 1,
        "variable": 1,
        "matmul": 1,
        "tanh": 1,
    }
    lazyray.compute_constants(y, [v])
    assert stats.history_fn_frequencies(y) == {"array": 1, "variable": 1, "matmul": 1, "tanh": 1}
    assert stats.node_name(c) == "array"


def test_multi_output_not_double_counted():
    x = lazyray.Variable((5, 4))
    u, s, vh = lazyray.linalg.svd(x)
    y = u @ vh  # s unused
    hidden = u.deps[0]
    assert stats.node_size(hidden) == 20 + 4 + 16
    assert stats.node_size(hidden, bytes=True) == 8 * 40
    assert stats.history_total_size(y) == 20 + 40 + 20
    assert stats.history_stats(y, "sizeout") == {
        "variable": 20,
        "linalg.svd": 40,
        "item": 0,
        "matmul": 20,
    }
    assert stats.history_stats(y, "sizein") == {
        "variable": 0,
        "linalg.svd": 20,
        "item": 0,
        "matmul": 36,
    }
    assert stats.history_max_size(y) == 20
    # +svd 40; items 0 0; the unused s (4) dies with the hidden tuple;
    # +matmul 20; u and vh released after their last use
    fp = stats.history_size_footprint(y, include_inputs=False, per_node=True)
    assert fp == [0, 40, 40, 40, 56]
    assert stats.history_peak_size(y, include_inputs=False) == 56
    assert stats.history_size_footprint(y, include_inputs=False)[-1] == 20
    # with the input: x (20) freed right after the svd
    assert stats.history_peak_size(y) == 60


def test_matches_autoray_lazy_semantics():
    al = pytest.importorskip("autoray.lazy")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 6)) + 1j * rng.normal(size=(6, 6))  # (complex: lazyray keeps conj)
    ours, theirs = gram_schmidt(lazyray.array(x)), gram_schmidt(al.array(x))
    for inc in (True, False):
        assert stats.history_size_footprint(ours, include_inputs=inc) == (
            theirs.history_size_footprint(include_inputs=inc)
        )
        assert stats.history_peak_size(ours, include_inputs=inc) == theirs.history_peak_size(
            include_inputs=inc
        )
    assert stats.history_total_size(ours) == theirs.history_total_size()
    assert stats.history_max_size(ours) == theirs.history_max_size()
    assert stats.history_num_nodes(ours) == theirs.history_num_nodes()
    assert sum(stats.history_stats(ours, "sizein").values()) == sum(
        theirs.history_stats("sizein").values()
    )


def test_unknown_statistic():
    with pytest.raises(ValueError, match="unknown statistic 'nope'"):
        stats.history_stats(lazyray.Variable((2,)), "nope")


# ------------------------------------------------------------------- FLOPs


def test_flops_matmul_chain():
    a, b, c, ab, t, out = chain()
    assert node_flops(ab) == 2 * 10 * 20 * 30
    assert node_flops(t) == 300
    assert node_flops(out) == 2 * 10 * 30 * 5
    assert node_flops(a) == 0
    assert stats.history_flops(out) == 12000 + 300 + 3000
    assert stats.history_stats(out, "flops") == {"variable": 0, "matmul": 15000, "tanh": 300}


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda a, b: lazyray.einsum("ij,jk->ik", a, b), 2 * 4 * 5 * 6),
        (lambda a, b: lazyray.einsum("ij,jk", a, b), 2 * 4 * 5 * 6),
        (lambda a, b: lazyray.tensordot(a, b, 1), 2 * 4 * 5 * 6),
        (lambda a, b: lazyray.tensordot(a, b, ((1,), (0,))), 2 * 4 * 5 * 6),
        (lambda a, b: lazyray.dot(a, b), 2 * 4 * 5 * 6),
        (lambda a, b: lazyray.tensordot(a, b, 0), 4 * 5 * 5 * 6),  # outer: no sum
        (lambda a, b: lazyray.einsum("ij,kl->ijkl", a, b), 4 * 5 * 5 * 6),
        (lambda a, b: lazyray.einsum("ij,jk->", a, b), 2 * 4 * 5 * 6),
        (lambda a, b: a + 1.0, 20),
        (lambda a, b: lazyray.exp(a) * 2, 20),
        (lambda a, b: a.sum(axis=0), 20),
        (lambda a, b: a.std(), 60),
        (lambda a, b: a.T, 0),
        (lambda a, b: a.reshape(20), 0),
        (lambda a, b: a[1:], 0),
        (lambda a, b: a.astype("float32"), 0),
        (lambda a, b: lazyray.outer(a, b), 20 * 30),
        (lambda a, b: lazyray.vdot(a, a), 2 * 20),
    ],
)
def test_flops_rules(make, expected):
    a, b = lazyray.Variable((4, 5)), lazyray.Variable((5, 6))
    assert node_flops(make(a, b)) == expected


def test_flops_batched_and_einsum_ellipsis():
    a, b = lazyray.Variable((7, 4, 5)), lazyray.Variable((5, 6))
    assert node_flops(a @ b) == 7 * 2 * 4 * 5 * 6
    assert node_flops(lazyray.einsum("...ij,jk->...ik", a, b)) == 7 * 2 * 4 * 5 * 6
    assert einsum_flops("ii->", [(3, 3)]) == 3 * 2  # a trace: indices summed
    assert einsum_flops("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]) == 2 * 3 * 4 * 5 * 3


def test_flops_linalg():
    n = 10
    x = lazyray.Variable((3, n, n))
    assert node_flops(lazyray.linalg.inv(x)) == 3 * 2 * n**3
    assert node_flops(lazyray.linalg.cholesky(x)) == 3 * (n**3 // 3)
    assert node_flops(lazyray.linalg.eigh(x)[0].deps[0]) == 3 * 9 * n**3
    m, k = 20, 10
    u = lazyray.linalg.svd(lazyray.Variable((m, k)))[0]
    assert node_flops(u.deps[0]) == 14 * m * k * k + 8 * k**3
    q = lazyray.linalg.qr(lazyray.Variable((m, k)))[0]
    assert node_flops(q.deps[0]) == 4 * m * k * k - 4 * k**3 // 3
    s = lazyray.linalg.solve(lazyray.Variable((n, n)), lazyray.Variable((n, 4)))
    assert node_flops(s) == 2 * n**3 // 3 + 2 * n * n * 4
    assert node_flops(lazyray.linalg.matrix_power(lazyray.Variable((n, n)), 5)) == 3 * 2 * n**3
    a, rhs = lazyray.Variable((n, n)), lazyray.Variable((n, 4))
    assert node_flops(lazyray.scipy.linalg.solve_triangular(a, rhs)) == n * n * 4
    assert node_flops(lazyray.scipy.linalg.expm(x)) == 3 * (12 * n**3 + 8 * n**3 // 3)


def test_flops_unknown_for_user_callables():
    x = lazyray.Variable((3,))
    y = x.to(np.cumsum) + 1
    assert node_flops(y.deps[0]) is None
    s = summary.summary(y)
    assert s.unknown_flops == 1
    assert s.flops == 3
    assert s.op_flops["cumsum"] is None
    assert "unknown cost" in repr(s)


# ----------------------------------------------------------------- summary


def test_summary_numbers_and_table():
    *_, out = chain()
    s = lazyray.summary(out)
    assert (s.num_nodes, s.num_ops, s.num_inputs, s.num_outputs, s.depth) == (6, 3, 3, 1, 3)
    assert s.flops == 15300
    assert s.peak_size == 1250 and s.peak_intermediate_size == 600
    assert s.peak_bytes == 7600 and s.peak_intermediate_bytes == 4800
    assert (s.total_size, s.max_size, s.input_size, s.output_size) == (1600, 600, 950, 50)
    assert (s.input_bytes, s.output_bytes, s.max_bytes) == (5200, 400, 2400)
    assert s.op_counts == {"variable": 3, "matmul": 2, "tanh": 1}
    assert s.op_flops == {"variable": 0, "matmul": 15000, "tanh": 300}
    d = json.loads(json.dumps(s.to_dict()))
    assert d["peak_bytes"] == 7600 and d["op_counts"]["matmul"] == 2
    table = repr(s)
    lines = table.splitlines()
    assert lines[0] == "lazyray graph summary"
    assert "6 (3 to compute, 3 inputs: 3 variable; 1 output)" in lines[1]
    row = next(ln for ln in lines if ln.strip().startswith("peak (inputs included)"))
    assert row.split()[-3:] == ["1,250", "7.42", "KiB"]
    row = next(ln for ln in lines if ln.strip().startswith("matmul"))
    assert row.split()[:3] == ["matmul", "2", "15.00"]


def test_summary_of_several_outputs_and_formatting():
    x = lazyray.Variable((1000, 1000), dtype="float32")
    s = lazyray.summary({"a": x.sum(axis=0), "b": lazyray.exp(x)})
    assert s.num_outputs == 2 and s.num_nodes == 3
    assert s.output_bytes == 4 * (1000 + 10**6)
    assert summary.format_bytes(4 * 10**6) == "3.81 MiB"
    assert summary.format_si(2_000_000) == "2.00 M"


# ------------------------------------------------- predicted vs real memory


def _traced_peak(fn):
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def test_peak_matches_tracemalloc_intermediates():
    n = 400  # 1.28 MB per matrix
    rng = np.random.default_rng(0)
    mats = [rng.normal(size=(n, n)) for _ in range(5)]
    leaves = [lazyray.array(m) for m in mats]
    out = leaves[0]
    for leaf in leaves[1:]:
        out = out @ leaf
    out = lazyray.tanh(out)
    predicted = stats.history_peak_size(out, include_inputs=False, bytes=True)
    assert predicted == 2 * n * n * 8
    real = _traced_peak(lambda: lazyray.compute(out))
    assert abs(real - predicted) <= 0.25 * predicted, (real, predicted)


def test_peak_matches_tracemalloc_with_inputs():
    n = 300
    box = {}

    def build_and_run():
        # the inputs are created inside the traced region and held only by
        # the graph, so compute() frees them after their last use
        rng = np.random.default_rng(1)
        out = lazyray.array(rng.normal(size=(n, n)))
        for _ in range(4):
            out = lazyray.sin(out @ lazyray.array(rng.normal(size=(n, n))))
        box["predicted"] = stats.history_peak_size(out, bytes=True)
        lazyray.compute(out)

    real = _traced_peak(build_and_run)
    predicted = box["predicted"]
    assert predicted == (5 + 1) * n * n * 8  # all five inputs, then the first product
    assert abs(real - predicted) <= 0.25 * predicted, (real, predicted)


# --------------------------------------------------------------- large graphs


def test_long_chain_statistics_are_iterative():
    n = 100_000
    x = lazyray.Variable((2,))
    y = x
    for _ in range(n):
        y = lazyray.sin(y)
    assert stats.history_num_nodes(y) == n + 1
    assert stats.history_peak_size(y) == 4
    assert stats.history_peak_size(y, include_inputs=False) == 4
    s = summary.summary(y)
    assert s.depth == n and s.flops == 2 * n and s.op_counts["sin"] == n
    assert math.isclose(s.total_bytes, 16 * (n + 1))
