"""Placement of a plan's tasks on a cluster's workers
(:mod:`lazyray.execute.cluster`): a task goes to the worker that already
holds the big input it reads, rather than fetching it on every run."""

from __future__ import annotations

import numpy as np
import pytest

import lazyray
from lazyray.execute.cluster import assign, holders, scatter
from lazyray.execute.partitioning import partition
from lazyray.execute.todask import compute_with_scheduler

pytest.importorskip("distributed")


def two_chains(size=120):
    rng = np.random.default_rng(0)
    xs = [lazyray.array(rng.normal(size=(size, size)) / size) for _ in range(2)]
    outs = []
    for x in xs:
        y = x
        for _ in range(3):
            y = lazyray.tanh(y @ x)
        outs.append(y.sum())
    return outs


def input_of_task(plan):
    """The plan input each (one-input) task reads."""
    got = []
    for task in plan.tasks:
        ks = [r[1] for r in task.inputs if r[0] == "i"]
        assert len(ks) == 1
        got.append(ks[0])
    return got


@pytest.mark.parametrize("swap", [False, True])
def test_a_task_runs_where_its_input_is(swap):
    plan = partition(two_chains(), workers=2, overhead=1e-6, split=True, scatter_min=1)
    assert len(plan.tasks) == 2 and len(plan.inputs) == 2
    k0, k1 = input_of_task(plan)
    at = ("w1", "w0") if swap else ("w0", "w1")
    held = [set(), set()]
    held[k0].add(at[0])  # task 0's input is on at[0], task 1's on at[1]
    held[k1].add(at[1])
    assert assign(plan, ["w0", "w1"], held=held) == list(at)
    assert held[k0] == {at[0]} and held[k1] == {at[1]}  # the caller's sets are not changed


def test_without_holders_the_costs_alone_decide():
    plan = partition(two_chains(), workers=2, overhead=1e-6, split=True, scatter_min=1)
    assert sorted(assign(plan, ["w0", "w1"])) == ["w0", "w1"]


def test_holders_and_placed_run_on_a_local_cluster():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        arrays = [np.ones((50, 50)), np.arange(2500.0).reshape(50, 50)]
        futs = scatter(client, arrays)
        got = holders(client, futs)
        who = client.who_has(futs)
        workers = set(client.scheduler_info()["workers"])
        assert got == [set(who[f.key]) for f in futs]
        assert all(h and h <= workers for h in got)
        outs = two_chains()
        expect = lazyray.compute(two_chains())
        res = compute_with_scheduler(outs, client, split=True, scatter_min=1)
        assert all(np.array_equal(a, b) for a, b in zip(res, expect))
