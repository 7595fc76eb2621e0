"""The cost scan that decides whether a graph is cut: stopped early once the
graph is known to be worth cutting, complete otherwise (a one-task plan
shows the full cost), and the same decision and results as before."""

from __future__ import annotations

import math

import numpy as np
import pytest

import lazyray
from lazyray.execute import partition_cost
from lazyray.execute.partitioning import PARTITION_SECONDS_PER_NODE, partition
from lazyray.execute.todask import compute_with_scheduler

pytest.importorskip("dask")

from test_partition_bins import rand  # noqa: E402
from test_partition_bins import sliced_sum as sliced_sum_and_leaf  # noqa: E402


def sliced_sum(n=16, size=60):
    """``n`` light slices summed in order (see test_partition_bins)."""
    return sliced_sum_and_leaf(n, size)[0]


def chain(n=200):
    """A fine-grained chain: far too cheap to cut."""
    x = lazyray.array(rand(8))
    for i in range(n):
        x = lazyray.sin(x) * 1.0001 + i
    return x.sum()


@pytest.mark.parametrize("make", [sliced_sum, chain])
def test_scan_until_a_bound(make):
    out = make()
    n_ops, full, leaves = partition_cost.scan([out])
    # a bound above the total: the complete sums, bit for bit
    n2, same, leaves2 = partition_cost.scan([out], (), lambda n: full[0] * 2)
    assert (n2, same, leaves2) == (n_ops, full, leaves)
    # a bound below it: stopped past the bound, never past the total
    limit = full[0] / 3
    n3, part, leaves3 = partition_cost.scan([out], (), lambda n: limit)
    assert (n3, leaves3) == (n_ops, leaves)
    assert limit < part[0] <= full[0]
    assert part[1] <= full[1] and part[2] <= full[2]
    # the bound is a function of the number of op nodes
    seen = []
    partition_cost.scan([out], (), lambda n: seen.append(n) or math.inf)
    assert seen == [n_ops]


def test_cheap_graph_is_one_task_with_its_full_cost():
    out = chain()
    n_ops, full, _ = partition_cost.scan([out])
    plan = partition(out, workers=2, optimize="exact")
    assert len(plan.tasks) == 1
    task = plan.tasks[0]
    assert (task.cost, task.flops, task.bytes) == full
    assert task.n_ops == n_ops
    # the complete sums, as the walk in order computes them
    nodes, deps, _ = partition_cost.number([out], [])
    w, fl, _, tb = partition_cost.costs(nodes, deps)
    assert (task.flops, task.bytes) == (sum(fl), sum(tb))
    assert task.cost == pytest.approx(sum(w), rel=1e-12)
    # the decision of the complete sums: not worth cutting
    assert full[0] * (1 - 1 / 2) <= 2 * plan.overhead + n_ops * PARTITION_SECONDS_PER_NODE
    assert np.array_equal(compute_with_scheduler(out, "threads"), lazyray.compute(chain()))


def test_heavy_graph_is_cut_after_a_partial_scan():
    out = sliced_sum()
    n_ops, full, _ = partition_cost.scan([out])
    overhead = 1e-5
    need = 2 * overhead + n_ops * PARTITION_SECONDS_PER_NODE
    assert full[0] * (1 - 1 / 2) > need  # worth cutting by the complete sums
    plan = partition(out, workers=2, overhead=overhead, optimize="exact")
    assert len(plan.tasks) > 1
    # the plan's costs are those of the optimized graph's nodes, complete
    w = sum(t.cost for t in plan.tasks)
    assert w == pytest.approx(sum(partition_cost.costs(*_numbered(plan))[0]), rel=1e-12)
    ref = lazyray.compute(sliced_sum())
    for sched in ("sync", "threads"):
        got = compute_with_scheduler(sliced_sum(), sched, workers=2, overhead=overhead)
        assert np.array_equal(got, ref)


def test_one_worker_never_cuts():
    out = sliced_sum()
    plan = partition(out, workers=1, optimize="exact")
    assert len(plan.tasks) == 1
    nodes, deps, _ = partition_cost.number([out], [])
    assert plan.tasks[0].flops == sum(partition_cost.costs(nodes, deps)[1])


def _numbered(plan):
    outs = [o for t in plan.tasks for o in t.outputs]
    nodes, deps, _ = partition_cost.number(outs, [])
    return nodes, deps
