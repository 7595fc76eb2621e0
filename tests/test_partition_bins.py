"""The cut's packing of light branches into balanced tasks, the memoized
cost scan, and tasks compiled by the threads that run them.  Results are
compared with the sequential run bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

import lazyray
from lazyray.execute import partition_cost
from lazyray.execute.partitioning import partition
from lazyray.execute.scheduler import run_plan, runners
from lazyray.execute.todask import compute_with_scheduler
from lazyray.inspect.flops import node_flops

pytest.importorskip("dask")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def sliced_sum(n=32, size=40):
    """``n`` light slices summed in order (as a sliced contraction is)."""
    a = lazyray.array(rand(n, size, size))
    total = None
    for i in range(n):
        s = lazyray.tanh(a[i] @ a[i]).sum()
        total = s if total is None else total + s
    return total, a


def slice_cost(total):
    """The estimated cost of one slice (4 ops) in the optimized graph."""
    plan = partition(total, workers=2, overhead=1e-9, split=True)
    return sum(t.cost for t in plan.tasks if t.n_ops % 4 == 0) / 32


@pytest.mark.parametrize("parts", [2, 4, 8])
def test_light_branches_packed_into_equal_tasks(parts):
    total, _ = sliced_sum()
    sc = slice_cost(total)
    # an overhead that forbids tasks under total / parts: bins of ~32 / parts slices
    overhead = 32 * sc / parts / 10
    plan = partition(total, workers=2, overhead=overhead, split=True)
    bins = [t for t in plan.tasks if t.n_ops % 4 == 0]  # 31 additions are left
    assert len(bins) >= 2
    # every slice in a bin (none left to the chain of additions), bins
    # differing by at most one slice
    assert sum(t.n_ops for t in bins) == 32 * 4
    costs = [t.cost for t in bins]
    assert max(costs) - min(costs) <= sc * 1.001
    ref = lazyray.compute(sliced_sum()[0])
    for sched in ("sync", "threads"):
        got = compute_with_scheduler(
            sliced_sum()[0], sched, workers=2, overhead=overhead, split=True
        )
        assert np.array_equal(got, ref)


def test_scan_flops_equal_node_flops():
    # contractions whose cost is remembered by shapes: same operand shapes,
    # other axes (other results); einsum and reductions are not remembered
    a, b = lazyray.array(rand(3, 4, 5)), lazyray.array(rand(4, 5, 3))
    c = lazyray.array(rand(5, 4, 3))
    outs = [
        lazyray.tensordot(a, b, 2),
        lazyray.tensordot(a, b, ([1], [0])),
        lazyray.tensordot(a, b, 0),
        lazyray.tensordot(a, c, ([1, 2], [1, 0])),
        lazyray.matmul(a, c[:, 0, :]),
        lazyray.matmul(a, c[:, :, 0]),
        lazyray.einsum("ijk,jkl->il", a, b),
        lazyray.einsum("ijk,jkl->", a, b),
        lazyray.trace(a[:, :3, :3], axis1=1, axis2=2),
        lazyray.sum(a, axis=0),
        lazyray.tanh(a),
        lazyray.tanh(b),
    ]
    outs += [lazyray.sum(o) for o in outs]
    n_ops, (seconds, flops, _), _ = partition_cost.scan(outs)
    nodes, deps, _ = partition_cost.number(outs, [])
    ops = [v for v, d in zip(nodes, deps) if d is not None]
    assert n_ops == len(ops)
    assert flops == sum(node_flops(v) for v in ops)
    w = partition_cost.costs(nodes, deps)[0]
    assert seconds == pytest.approx(sum(w), rel=1e-12)


def test_threads_tasks_compile_when_they_run():
    total, _ = sliced_sum(8, 30)
    ref = lazyray.compute(sliced_sum(8, 30)[0])
    plan = partition(total, workers=2, overhead=1e-6, split=True, optimize="exact")
    assert len(plan.tasks) > 1
    runners(plan)  # building the dask graph compiles nothing
    assert all(t._fn is None for t in plan.tasks)
    out = run_plan(plan, "threads", [v._data for v in plan.inputs])
    assert all(t._fn is not None for t in plan.tasks)
    assert np.array_equal(out[0], ref)
