"""A cheap shared prefix recomputed by the tasks that read it on a cluster
(:func:`lazyray.execute.partitioning.recomputed`), one round trip for the
cluster's workers per run, and task programs pickled as dask pickles them.
Results are compared with the sequential run bit for bit."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import lazyray
from lazyray.execute import cluster
from lazyray.execute.cluster import here_tasks
from lazyray.execute.partitioning import partition, per_slot, recomputed
from lazyray.execute.scheduler import dumps
from lazyray.execute.todask import ScheduledFunction, compute_with_scheduler

pytest.importorskip("distributed")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def sliced(prefix: str = "cheap", n=8, size=160, slices=False):
    """``n`` slices summed in order, all reading one shared prefix: cheap
    to compute for its size (elementwise), or dear (matmuls); with
    ``slices``, also the slices."""
    x = lazyray.array(rand(n, size, size, seed=1) / size**0.5)
    b = lazyray.array(rand(size, size, seed=2) / size**0.5)
    p = lazyray.tanh(x) * 0.5 if prefix == "cheap" else lazyray.tanh(x @ x @ x) * 0.5
    total, ss = None, []
    for i in range(n):
        ss.append(lazyray.tanh(p[i] @ b @ b @ b).sum())
        total = ss[-1] if total is None else total + ss[-1]
    return (total, ss) if slices else total


def plan_for(scheduler, prefix="cheap"):
    opts = {"workers": 2, "overhead": 1e-4, "split": True, "optimize": "exact"}
    return partition(sliced(prefix), scheduler=scheduler, **opts)


def readers(plan) -> dict:
    """Task -> the tasks that read it."""
    got = {}
    for t in plan.tasks:
        for d in t.deps:
            got.setdefault(d, set()).add(t.index)
    return got


def prefix_tasks(plan) -> list:
    """The tasks computing the prefix's ``tanh(x)``."""
    return [
        t.index for t in plan.tasks if any(v._op == "tanh" and len(v._shape) == 3 for v in t.nodes)
    ]


def test_cluster_recomputes_cheap_prefix_threads_share_it():
    threads = plan_for("threads")
    shared = [t for t, rs in readers(threads).items() if not threads.tasks[t].deps]
    assert shared and len(readers(threads)[shared[0]]) >= 2
    assert prefix_tasks(threads) == shared[:1]

    cluster = plan_for("distributed")
    at = prefix_tasks(cluster)
    assert len(at) >= 2  # recomputed by every task that needs it
    for t in at:
        assert cluster.tasks[t].deps == ()
    sent = [
        cluster.tasks[r[1]].outputs[r[2]] for t in cluster.tasks for r in t.inputs if r[0] == "t"
    ]
    assert sent and all(v._shape == () for v in sent)  # the slices' sums only
    assert len(at) == 2 and len(cluster.tasks) == 3  # one per worker, and the sum


def test_dear_prefix_is_sent_not_recomputed():
    plan = plan_for("distributed", "dear")
    at = prefix_tasks(plan)
    assert len(at) == 1 and len(readers(plan).get(at[0], ())) >= 2


def test_recomputed_rule():
    deps = [None, (0,), (1,), (1,), (2, 3)]
    outs = [False, False, False, False, True]
    # root task 0 (node 1) read by tasks 1 and 2, which task 3 reads
    cheap = recomputed(deps, [-1, 0, 1, 2, 3], [0, 1e-6, 1, 1, 0], [0, 8000, 8, 8, 8], outs, 1e6)
    assert cheap == ([-1, -2, 0, 1, 2], {0: [1], 1: [1]})
    dear = recomputed(deps, [-1, 0, 1, 2, 3], [0, 1.0, 1, 1, 0], [0, 8000, 8, 8, 8], outs, 1e6)
    assert dear == ([-1, 0, 1, 2, 3], {})
    assert recomputed(deps, [-1, 0, 1, 2, 3], [0, 1e-6, 1, 1, 0], [0] * 5, outs, None)[1] == {}
    # a root holding an output of the plan is not a prefix
    held = recomputed(deps, [-1, 0, 1, 2, 3], [0, 1e-6, 1, 1, 0], [0, 8000, 8, 8, 8],
                      [False, True, False, False, True], 1e6)  # fmt: skip
    assert held[1] == {}


def test_per_slot_rule():
    # a prefix (node 1) recomputed by tasks 0, 1, 2; task 3 also reads task 0
    deps = [None, (0,), (1,), (1,), (1,), (1, 2), (3, 4, 5)]
    task_of = [-1, -2, 0, 1, 2, 3, 4]
    extra = {0: [1], 1: [1], 2: [1], 3: [1]}
    w = [0, 0, 3, 2, 2, 1, 0]
    got, more = per_slot(deps, task_of, extra, w, 2)
    # task 3 reads task 0: left alone; 0 alone (the costliest), 1 and 2 merged
    assert got == [-1, -2, 0, 1, 1, 2, 3] and more == {0: [1], 1: [1], 2: [1]}
    assert per_slot(deps, task_of, extra, w, 3) == (task_of, extra)


def test_dumps_pickles_as_dask_does():
    assert dumps(np.add) == pickle.dumps(np.add, protocol=pickle.HIGHEST_PROTOCOL)
    assert pickle.loads(dumps(lambda v: v + 1))(1) == 2  # by value (cloudpickle)


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit="768MiB",
        dashboard_address=":0",
        silence_logs=50,
    )
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.mark.parametrize("prefix", ["cheap", "dear"])
def test_recomputed_prefix_bit_identical_on_a_local_cluster(client, prefix):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):  # the workers run one BLAS thread
        want = lazyray.compute(sliced(prefix))
        plan = partition(sliced(prefix), scheduler=client, overhead=1e-4, split=True)
        assert len(plan.tasks) >= 3
        got = compute_with_scheduler(sliced(prefix), client, overhead=1e-4, split=True)
    assert np.array_equal(got, want)


def test_one_round_trip_for_the_workers(client, monkeypatch):
    x = lazyray.Variable((50,))
    f = ScheduledFunction(x, [lazyray.sin(x) @ x, lazyray.cos(x) @ x], client, split=True)
    calls = []
    info = client.scheduler_info
    monkeypatch.setattr(client, "scheduler_info", lambda *a, **k: calls.append(1) or info(*a, **k))
    monkeypatch.setattr(client, "nthreads", lambda *a, **k: calls.append(2) / 0)
    want = lazyray.compute(sliced())
    cluster._WORKERS.clear()  # (no answer kept from an earlier run)
    got = compute_with_scheduler(sliced(), client, overhead=1e-4, split=True)
    assert calls == [1] and np.array_equal(got, want)
    a = rand(50)
    wants = [np.sin(a) @ a, np.cos(a) @ a]
    got = f(a)  # a run right after: the answer is reused (WORKERS_MAX_AGE)
    assert calls == [1] and all(np.array_equal(g, w) for g, w in zip(got, wants))
    cluster._WORKERS.clear()
    got = f(a)
    assert calls == [1, 1] and all(np.array_equal(g, w) for g, w in zip(got, wants))


def test_last_cheap_task_runs_here(client):
    """The sum of the slices runs in this process, on the slices fetched
    (one of them also an output); the other tasks on the cluster."""
    from distributed import get_task_stream

    def make():
        return sliced("dear", slices=True)

    plan = partition(make(), scheduler=client, overhead=1e-4, split=True)
    here = here_tasks(plan)
    assert here == (len(plan.tasks) - 1,) and plan.out_refs[0][1] == here[0]
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, "blas"):  # the workers run one BLAS thread
        want = lazyray.compute(make())
    with get_task_stream(client) as ts:
        got = compute_with_scheduler(make(), client, overhead=1e-4, split=True)
    ran = {str(x["key"]) for x in ts.data if "lazyray_c" in str(x["key"])}
    assert len(ran) == len(plan.tasks) - 1
    assert np.array_equal(got[0], want[0])
    assert all(np.array_equal(a, b) for a, b in zip(got[1], want[1]))


def test_scheduled_function_recomputes_and_runs_here(client):
    from threadpoolctl import threadpool_limits

    n, size = 8, 160
    x = lazyray.Variable((n, size, size))
    b = lazyray.array(rand(size, size, seed=2) / size**0.5)
    p = lazyray.tanh(x) * 0.5
    ss = [lazyray.tanh(p[i] @ b @ b @ b).sum() for i in range(n)]
    total = ss[0]
    for s in ss[1:]:
        total = total + s
    f = ScheduledFunction(x, total, client, overhead=1e-4, split=True)
    plan = f.plan
    assert here_tasks(plan) == (len(plan.tasks) - 1,)
    assert all(t.deps == () for t in plan.tasks[:-1])  # the prefix recomputed
    a = rand(n, size, size, seed=1) / size**0.5
    with threadpool_limits(1, "blas"):
        want = lazyray.Function(x, total)(a)
    assert np.array_equal(f(a), want) and np.array_equal(f(a + 1), f(a + 1))
