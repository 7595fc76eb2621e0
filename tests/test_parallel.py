"""Parallel and distributed runs: the partition, dask's schedulers (sync,
threads, processes, LocalCluster with threads and with processes), to_dask,
scheduled Functions, failures (a raising task, a Variable without data, a
worker killed mid-run) and the BLAS policy.  Results are compared with the
sequential run bit for bit; nothing here asserts on wall-clock time."""

from __future__ import annotations

import inspect
import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

import lazyray
from lazyray import LazyArray
from lazyray.execute.partitioning import partition
from lazyray.execute.scheduler import blas_threads_for, resolve
from lazyray.execute.todask import ScheduledFunction, compute_with_scheduler, to_dask

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def chains(n=4, size=120, depth=3, seed=0):
    """``n`` independent chains of matmuls on leaves, and their values."""
    xs = [lazyray.array(rand(size, size, seed=seed + i) / size**0.5) for i in range(n)]
    outs = []
    for x in xs:
        y = x
        for _ in range(depth):
            y = lazyray.tanh(y @ x)
        outs.append(y.sum())
    return outs


def sequential(make):
    """The values of ``make()`` computed by the sequential ``compute``."""
    return lazyray.compute(make())


def same(a, b) -> bool:
    """Bit-for-bit equality of two pytrees of arrays."""
    fa, fb = [], []
    lazyray.graph.pytree.flat_leaves(a, fa)
    lazyray.graph.pytree.flat_leaves(b, fb)
    return len(fa) == len(fb) and all(
        np.asarray(x).dtype == np.asarray(y).dtype
        and np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True)
        for x, y in zip(fa, fb)
    )


def _sleepy(x, seconds):
    time.sleep(seconds)
    return x + 1.0


def _boom(x):
    raise ValueError("boom in a user op")


def sleepy(x, seconds):
    return LazyArray("numpy", _sleepy, (x, seconds), None, x.shape)


# ----------------------------------------------------------------- clusters


def _cluster(processes):
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=processes,
        # in-process workers would measure this whole pytest process (torch,
        # jax... loaded by earlier tests) against the limit and pause
        memory_limit="768MiB" if processes else 0,
        dashboard_address=":0",
        silence_logs=50,
    )
    client = Client(cluster)
    return cluster, client


@pytest.fixture(scope="module")
def thread_client():
    cluster, client = _cluster(False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def process_client():
    cluster, client = _cluster(True)
    yield client
    client.close()
    cluster.close()


# --------------------------------------------------------------- partition


def test_partition_independent_branches_are_tasks():
    plan = partition(chains(4), workers=2, overhead=1e-6)
    assert len(plan.tasks) == 4
    assert all(t.deps == () and len(t.nodes) == 7 for t in plan.tasks)
    assert plan.estimate < plan.sequential
    assert len(plan.critical_path) == 1
    assert "critical path" in plan.summary() and "Plan: 4 task(s)" in str(plan)


def test_partition_tiny_chain_stays_one_task():
    x = lazyray.array(rand(8))
    y = x
    for i in range(300):
        y = lazyray.tanh(y) if i % 2 else y * 1.5
    assert len(partition(y, workers=4)) == 1
    assert len(partition(y, workers=4, overhead=0.0, split=True)) == 1  # a chain never splits
    assert len(partition(chains(4), workers=4, split=False)) == 1


def test_partition_branches_then_join():
    ys = chains(4)
    total = ys[0] + ys[1] + ys[2] + ys[3]
    plan = partition(total, workers=2, overhead=1e-6)
    join = plan.tasks[-1]
    assert len(plan.tasks) == 5 and join.deps == (0, 1, 2, 3)
    assert [n.fn_name for n in join.nodes] == ["add", "add", "add"]
    assert plan.critical_path[-1] == join.index


def test_partition_packs_light_branches():
    # 32 light slices summed in a chain: packed into a few tasks, not 32
    a = lazyray.array(rand(32, 40, 40))
    total = None
    for i in range(32):
        s = lazyray.tanh(a[i] @ a[i]).sum()
        total = s if total is None else total + s
    plan = partition(total, workers=2, overhead=2e-4, split=True)
    assert 2 <= len(plan.tasks) <= 16
    assert same(
        compute_with_scheduler(total, "threads", workers=2, overhead=2e-4, split=True),
        sequential(lambda: total),
    )


def _random_graph(seed, n_ops=60):
    rng = np.random.default_rng(seed)
    pool = [lazyray.array(rng.normal(size=(6, 6))) for _ in range(3)]
    for _ in range(n_ops):
        k = rng.integers(5)
        a, b = (pool[i] for i in rng.integers(len(pool), size=2))
        if k == 0:
            pool.append(a + b)
        elif k == 1:
            pool.append(lazyray.tanh(a @ b))
        elif k == 2:
            pool.append(a * 0.5 - b)
        elif k == 3:
            pool.append(lazyray.sin(a).T)
        else:
            pool.append(lazyray.linalg.qr(a)[0] * b.sum())
    return pool[-8:]


@pytest.mark.parametrize("seed", range(6))
def test_partition_random_graphs_valid_and_exact(seed):
    outs = _random_graph(seed)
    plan = partition(outs, workers=4, overhead=0.0, split=True)
    seen = set()
    for t in plan.tasks:
        assert all(d < t.index for d in t.deps)  # a topological order
        for v in t.nodes:
            assert id(v) not in seen
            seen.add(id(v))
    ref = lazyray.compute(_random_graph(seed))
    got = compute_with_scheduler(outs, "sync", workers=4, overhead=0.0, split=True)
    assert same(got, ref)


# ----------------------------------------------------------- local schedulers


@pytest.mark.parametrize("scheduler", ["sync", "threads", "processes"])
def test_local_schedulers_bit_identical(scheduler):
    def make():
        ys = chains(3)
        return {"sum": ys[0] + ys[1], "each": ys, "const": 7}

    got = compute_with_scheduler(make(), scheduler, workers=2, overhead=1e-6)
    assert same(got, sequential(make)) and got["const"] == 7


def test_outputs_keep_values_and_structure():
    x = lazyray.array(np.arange(6.0).reshape(2, 3))
    y = (x * 2).T
    out = compute_with_scheduler({"y": y, "t": (x.sum(), x)}, "threads")
    assert y.fn is None and np.array_equal(y.data, out["y"])
    assert out["t"][1] is x.data  # a leaf comes back as it is
    big = lazyray.array(rand(100, 100))  # over scatter_min: an input key
    assert compute_with_scheduler([big, x], "threads")[0] is big.data


def test_variable_refused_before_submission():
    class Recorder:
        calls = []

        def scatter(self, *a, **k):
            self.calls.append("scatter")

        def get(self, *a, **k):
            self.calls.append("get")

    x = lazyray.Variable((3,))
    y = lazyray.sin(x) + lazyray.array(np.ones(3))
    rec = Recorder()
    with pytest.raises(ValueError, match=r"Variable of shape \(3,\).*nothing was submitted"):
        compute_with_scheduler(y, rec)
    with pytest.raises(ValueError, match="Variable"):
        to_dask(y)
    assert rec.calls == []
    with pytest.raises(ValueError, match="unknown scheduler"):
        resolve("gpu-please")


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
def test_raising_task_names_op_and_node(scheduler):
    x = lazyray.array(rand(4, 4))
    bad = LazyArray("numpy", _boom, (lazyray.tanh(x),), None, (4, 4))
    with pytest.raises(ValueError, match="boom") as info:
        compute_with_scheduler([bad + 1, chains(1)[0]], scheduler, workers=2, overhead=1e-6)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "'_boom'" in notes and "lazyray task" in notes
    assert "lazyray node: _boom(f64[4,4]) -> f64[4,4]" in notes


@pytest.mark.parametrize(
    "opts",
    [{}, {"optimize": True}, {"progbar": True}, {"scheduler": "sync"}, {"scheduler": "threads"}],
)
def test_failure_of_a_run_in_this_thread_names_the_node(opts):
    # a graph too fine to cut runs as compute() does, on a scheduler too:
    # the error is the op's own, with a note naming the node
    if opts.get("progbar"):
        pytest.importorskip("tqdm")
    x = lazyray.array(rand(3))
    bad = LazyArray("numpy", _boom, (lazyray.tanh(x),), None, (3,))
    with pytest.raises(ValueError, match="boom") as info:
        lazyray.compute([bad * 2, x.sum()], **opts)
    notes = getattr(info.value, "__notes__", [])
    if sys.version_info >= (3, 11):
        assert notes == ["(lazyray node: _boom(f64[3]) -> f64[3])"]


def test_blas_policy():
    plan = partition(chains(4), workers=2, overhead=1e-6)
    assert blas_threads_for(plan, 2) == max(1, (os.cpu_count() or 1) // 2)
    assert blas_threads_for(plan, 1) is None  # one task at a time: BLAS keeps the cores
    assert blas_threads_for(plan, 2, None) is None and blas_threads_for(plan, 2, 3) == 3
    one = partition(chains(1), workers=2)
    assert blas_threads_for(one, 2) is None


def test_blas_limited_inside_parallel_tasks():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    seen = []

    def record(x):
        info = threadpoolctl.threadpool_info()
        seen.append(min([i["num_threads"] for i in info if i["user_api"] == "blas"] or [1]))
        return x

    ys = [LazyArray("numpy", record, (y,), None, ()) for y in chains(2)]
    compute_with_scheduler(ys, "threads", workers=2, overhead=1e-6, num_workers=2)
    assert seen and max(seen) <= max(1, (os.cpu_count() or 1) // 2)


# -------------------------------------------------------------------- to_dask


def test_to_dask_composes_with_dask():
    ys = chains(2)
    ds = to_dask({"a": ys[0], "b": ys[1]}, workers=2, overhead=1e-6)
    other = dask.delayed(lambda: 3.0)()
    (got, three) = dask.compute(ds, other, scheduler="threads")
    assert same(got, dict(zip("ab", sequential(lambda: chains(2))))) and three == 3.0
    (persisted,) = dask.persist(ds["a"], scheduler="sync")
    assert persisted.compute() == got["a"]
    arr = to_dask(lazyray.array(rand(5, 5)) * 2, kind="array")
    assert arr.shape == (5, 5) and arr.dtype == np.float64
    assert np.array_equal((arr + 1).compute(), rand(5, 5) * 2 + 1)


def test_scheduled_function_threads():
    x = lazyray.Variable((60, 60))
    outs = [lazyray.tanh(x @ x * i).sum() for i in range(3)]
    f = ScheduledFunction([x], outs, "threads", overhead=1e-6, workers=2)
    g = lazyray.Function([x], outs)
    a = rand(60, 60)
    assert len(f.plan.tasks) >= 2
    assert same(f(a), g(a)) and same(f([a]), g(a))
    with pytest.raises(ValueError, match="shape"):
        f(np.ones((2, 2)))


# ------------------------------------------------------------------ clusters


def test_distributed_in_process_cluster(thread_client):
    def make():
        ys = chains(3)
        return [ys, ys[0] * ys[1]]

    got = compute_with_scheduler(make(), thread_client, overhead=1e-6)
    assert same(got, sequential(make))


def test_distributed_processes_cluster_and_scatter_once(process_client):
    from lazyray.execute import scheduler

    x = lazyray.Variable((80, 80))
    outs = {"a": lazyray.tanh(x @ x).sum(), "b": (x * 3).sum(axis=0)}
    f = ScheduledFunction(x, outs, process_client, overhead=1e-6)
    a = rand(80, 80)
    ref = lazyray.Function(x, outs)(a)
    assert same(f(a), ref)
    keys = {f.key for _, f in scheduler._SCATTERED[process_client].values()}
    assert same(f(a), ref)  # the same array: not sent again
    assert {f.key for _, f in scheduler._SCATTERED[process_client].values()} == keys

    def make():
        ys = chains(2)
        return ys[0] - ys[1]

    assert same(compute_with_scheduler(make(), process_client, overhead=1e-6), sequential(make))


def test_distributed_reuses_plan(process_client):
    from lazyray.execute import plan_cache

    plan_cache.clear()

    def make(seed, size):
        ys = chains(2, size=size, seed=seed)
        return [ys[0] * ys[1], ys[1]]

    for size in (100, 60):  # leaves over / under scatter_min (scattered / task constants)
        for seed in (0, 5, 5):
            got = compute_with_scheduler(
                make(seed, size), process_client, overhead=1e-6, split=True
            )
            assert same(got, sequential(lambda s=seed, n=size: make(s, n)))
    # one plan for the big leaves, and one per value of the small ones
    assert len(plan_cache.PLANS) == 3


def test_distributed_fine_grained_graph_is_one_exact_task(process_client):
    from lazyray.examples import gram_schmidt
    from lazyray.execute.scheduler import aligned

    a = rand(40, 40)
    plan = partition(gram_schmidt(lazyray.array(a)), scheduler=process_client)
    assert len(plan.tasks) == 1  # 3k tiny ops: cutting would only cost
    # arrays arrive unaligned from other processes; numpy's unaligned loops
    # round differently, so tasks realign them (bit-identical results)
    got = compute_with_scheduler(gram_schmidt(lazyray.array(a)), process_client)
    assert same(got, gram_schmidt(a)) and got.flags.aligned
    raw = np.frombuffer(b"\0" + a.tobytes(), offset=1).reshape(a.shape)
    assert not raw.flags.aligned and aligned(raw).flags.aligned
    assert np.array_equal(aligned(raw), a) and aligned(a) is a


def test_to_dask_with_client(process_client):
    a = rand(200, 200)  # over scatter_min: scattered now, a future in the graph
    x = lazyray.array(a)
    d = to_dask({"s": (x @ x).sum(), "t": x.T}, client=process_client)
    got = process_client.compute(d, sync=True)
    assert got["s"] == (a @ a).sum() and np.array_equal(got["t"], a.T)
    (persisted,) = dask.persist(d["t"], scheduler=process_client)
    assert np.array_equal(persisted.compute(scheduler=process_client), a.T)


def test_distributed_error_names_op(process_client):
    bad = LazyArray("numpy", _boom, (lazyray.array(rand(3)),), None, (3,))
    with pytest.raises(ValueError, match="boom") as info:
        compute_with_scheduler(bad * 2, process_client, local_below=0)  # (on a worker)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "'_boom'" in notes and "lazyray node: _boom(f64[3]) -> f64[3]" in notes


def test_function_with_chunked_dask_arrays(process_client):
    x = lazyray.Variable((40, 30))
    expr = {"y": lazyray.tanh(x * 2.0) + 1.0, "s": (x @ x.T).sum(axis=1)}
    f = lazyray.Function(x, expr)
    a = rand(40, 30)
    xd = da.from_array(a, chunks=(10, 15))
    out = f(xd)  # a Function called with dask arrays returns lazy dask arrays
    assert isinstance(out["y"], da.Array) and out["y"].chunks == ((10,) * 4, (15, 15))
    got = process_client.compute(out).result()
    ref = f(a)
    assert np.array_equal(got["y"], ref["y"]) and np.allclose(got["s"], ref["s"])
    g = ScheduledFunction(x, expr, process_client)
    assert isinstance(g(xd)["s"], da.Array)


def test_function_with_dask_arrays_keeps_numpy_meaning():
    # dask.array has no sort, and contracts small ints to int64 where numpy
    # keeps int8: those graphs run on numpy as one dask task, with numpy's
    # values and dtypes; a graph dask computes as numpy does stays chunked
    x, k = lazyray.Variable((6, 4)), lazyray.Variable((4, 3), dtype="int8")
    kn = np.arange(12, dtype="int8").reshape(4, 3)
    cases = [
        ([x], [lazyray.sort(x, axis=0), x.sum()], [rand(6, 4)]),
        ([k], [lazyray.tensordot(k, k, ((0,), (0,)))], [kn]),
        ([x], [lazyray.tanh(x) * 2.0, (x @ x.T).sum(axis=1)], [rand(6, 4)]),
    ]
    for ins, outs, data in cases:
        f = lazyray.Function(ins, outs)
        got = f(*[da.from_array(a, chunks=2) for a in data])
        assert all(isinstance(g, da.Array) for g in got)
        values = dask.compute(got, scheduler="sync")[0]
        for g, want in zip(values, f(*data)):
            assert g.dtype == want.dtype and np.allclose(g, want, rtol=1e-13, atol=0)
    # the last graph ran chunk by chunk: its first output keeps the chunks
    assert got[0].chunks == ((2, 2, 2), (2, 2))
    g = lazyray.Function([x], [lazyray.sort(x, axis=0)], backend="dask")(da.from_array(rand(6, 4)))
    assert np.array_equal(g[0].compute(), np.sort(rand(6, 4), axis=0))
    # numpy inverts this matrix; dask's blocked LU (chunks of 2) finds a zero
    # pivot in its second diagonal block (found by the fuzzer, seed 92000012409)
    m = np.array([[1, -4, -3, 4], [0, 0, -1, -2], [-3, 2, -2, -4], [-2, -2, 4, 0]])
    a = lazyray.Variable((4, 4), dtype="int64")
    f = lazyray.Function([a], [lazyray.linalg.inv(a), lazyray.linalg.solve(a, a * 2)])
    got = dask.compute(f(da.from_array(m, chunks=2)), scheduler="sync")[0]
    assert np.allclose(got[0], np.linalg.inv(m)) and np.allclose(got[1], 2 * np.eye(4))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_dask_complex_norms_are_numpys_with_nan_parts():
    """numpy's norms through squares of complex numbers are nan where an
    element has a nan part (``(conj(x) * x).real``); dask's ``abs(x) ** 2``
    gave inf beside an infinite part (fuzz seed 136000000000000000001853)."""
    a = np.array(
        [[4.09 + 3j, 1.891 - 0.226j, -1 + 3j], [-0.955, -3.79 - 1.885j, 0.457j]]
        + [[complex(0, -np.inf), 2.441 + 0.703j, complex(np.inf, np.nan)]],
        "complex64",
    )
    x = lazyray.Variable(a.shape, dtype="complex64")
    la = lazyray.linalg
    outs = [la.norm(x, axis=1), la.norm(x), la.norm(x, "fro", keepdims=True)]
    outs.append(la.norm(x, 1, axis=0))  # (no squares: dask's own)
    got = dask.compute(lazyray.Function([x], outs)(da.from_array(a, chunks=2)), scheduler="sync")
    want = [np.linalg.norm(a, axis=1), np.linalg.norm(a), np.linalg.norm(a, "fro", keepdims=True)]
    want.append(np.linalg.norm(a, 1, axis=0))
    for g, w in zip(got[0], want):
        assert g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=1e-6)  # (nan and inf at the same places)


def test_worker_killed_mid_run(process_client):
    def make():
        xs = [lazyray.array(np.full(4, float(i))) for i in range(4)]
        return [sleepy(sleepy(x, 0.5), 0.5).sum() for x in xs]

    addr, victim = sorted(process_client.run(os.getpid).items())[0]

    def kill():  # once the victim runs a task of ours
        for _ in range(200):
            if process_client.processing().get(addr):
                break
            time.sleep(0.05)
        os.kill(victim, signal.SIGKILL)

    killer = threading.Thread(target=kill)
    killer.start()
    try:
        # scatter_min=0: the leaves are scattered too, so the lost worker may
        # also take scattered inputs with it (sent again and resubmitted)
        got = compute_with_scheduler(
            make(), process_client, overhead=1e-6, split=True, scatter_min=0
        )
    finally:
        killer.join()
    assert same(got, sequential(make))
    assert victim not in process_client.run(os.getpid).values()


# ------------------------------------------------------------ hooked APIs


def _compute_hooked() -> bool:
    from lazyray.execute.compute import compute

    src = inspect.getsource(compute)
    return "scheduler" in src


def _function_hooked() -> bool:
    return "scheduler" in inspect.signature(lazyray.Function.__init__).parameters


@pytest.mark.skipif(not _compute_hooked(), reason="compute(scheduler=) hook not installed")
def test_compute_scheduler_hook(thread_client):
    def make():
        return chains(3)

    for sched in ("threads", "sync", thread_client):
        assert same(lazyray.compute(make(), scheduler=sched), sequential(make))
    y = chains(1)[0]
    assert same(y.compute(scheduler="threads"), sequential(lambda: chains(1)[0]))


@pytest.mark.skipif(not _function_hooked(), reason="Function(scheduler=) hook not installed")
def test_function_scheduler_hook(thread_client):
    x = lazyray.Variable((30, 30))
    outs = [lazyray.tanh(x @ x * i).sum() for i in range(3)]
    a = rand(30, 30)
    ref = lazyray.Function(x, outs)(a)
    for sched in ("threads", thread_client):
        assert same(lazyray.Function(x, outs, scheduler=sched)(a), ref)
    lazy = lazyray.Function(x, outs, scheduler="threads")(da.from_array(a, chunks=10))
    assert isinstance(lazy[0], da.Array)


# ------------------------------------------------ placement, one-task runs


def shared_prefix(size=100, branches=2, depth=4):
    """Heavy independent branches that all read one shared prefix."""
    a = lazyray.array(rand(size, size, seed=7) / size**0.5)
    p = lazyray.tanh(a @ a)
    outs = []
    for i in range(branches):
        y = p * (i + 1)
        for _ in range(depth):
            y = lazyray.tanh(y @ a)
        outs.append(y.sum())
    return outs


def test_task_keys_group_tasks_by_cost():
    from lazyray.execute.scheduler import task_keys

    plan = partition(shared_prefix(), workers=2, overhead=1e-6, split=True)
    keys = task_keys(plan, "lazyray-abc")
    assert [k[1] for k in keys] == list(range(len(plan.tasks)))
    for k, t in zip(keys, plan.tasks):
        b = int(k[0].split("_c")[1].split("-")[0])
        assert 2 ** (b - 1) <= t.cost * 1e6 <= 2 ** (b + 1) and k[0].endswith("-abc")


def test_assign_spreads_branches_of_a_shared_prefix():
    from lazyray.execute.cluster import assign

    plan = partition(shared_prefix(), workers=2, overhead=1e-6, split=True)
    heavy = [t.index for t in plan.tasks if t.deps and t.cost > plan.tasks[0].cost / 2]
    assert len(plan.tasks[0].deps) == 0 and len(heavy) == 2
    where = assign(plan, ["w0", "w1"])
    assert {where[t] for t in heavy} == {"w0", "w1"}


def test_distributed_branches_run_on_both_workers(process_client):
    from distributed import get_task_stream

    plan = partition(shared_prefix(), scheduler=process_client, overhead=1e-6, split=True)
    assert len(plan.tasks) >= 3
    with get_task_stream(process_client) as ts:
        got = compute_with_scheduler(shared_prefix(), process_client, overhead=1e-6, split=True)
    assert same(got, sequential(shared_prefix))
    ran = {str(x["key"]): x["worker"] for x in ts.data if "lazyray_c" in str(x["key"])}
    assert len(ran) == len(plan.tasks) and len(set(ran.values())) == 2


def test_one_task_on_threads_is_the_sequential_run():
    from lazyray.examples import gram_schmidt

    a = rand(20, 20)
    q = gram_schmidt(lazyray.array(a))
    plan = partition(gram_schmidt(lazyray.array(a)), scheduler="threads")
    assert len(plan.tasks) == 1
    mid = q._deps[0] if q._deps else None
    got = compute_with_scheduler(q, "threads")
    assert same(got, gram_schmidt(a)) and q.fn is None
    if mid is not None:  # computed in place, as lazyray.compute does
        assert mid.fn is None


def test_cheap_one_task_plan_on_a_cluster_runs_here(process_client):
    """A one-task plan estimated under ``local_below`` seconds runs in this
    process (its nodes computed in place, as ``lazyray.compute`` does); with
    ``local_below=0`` it runs on a worker and the user's nodes stay lazy."""
    from lazyray.examples import gram_schmidt

    a = rand(12, 12)
    want = gram_schmidt(a)
    for local_below, in_place in [(None, True), (0, False)]:
        q = gram_schmidt(lazyray.array(a))
        mid = q._deps[0]
        opts = {} if local_below is None else {"local_below": local_below}
        got = compute_with_scheduler(q, process_client, **opts)
        assert same(got, want)
        assert (mid.fn is None) is in_place


@pytest.mark.parametrize("where", ["threads", "processes", "cluster"])
def test_cheap_last_task_runs_here_whatever_the_output_order(where, request):
    """The sum of the branches (a cheap last task) runs in this process on
    threads, processes and a process cluster; its output comes first among
    outputs of tasks fetched after it, and each output still gets its own
    value."""
    from lazyray.execute.cluster import here_tasks

    def make():
        ys = chains(3)
        return {"sum": ys[0] + ys[1], "each": ys}  # ys[2]: fetched after the sum

    plan = partition(make(), workers=2, overhead=1e-6, optimize="exact")
    assert here_tasks(plan)  # the sum
    scheduler = request.getfixturevalue("process_client") if where == "cluster" else where
    got = compute_with_scheduler(make(), scheduler, workers=2, overhead=1e-6)
    assert same(got, sequential(make))


def test_workers_of_reuses_a_recent_answer(thread_client):
    """A run that follows another within WORKERS_MAX_AGE reads the workers
    the scheduler described then; ``max_age=0`` asks again."""
    from lazyray.execute.cluster import workers_of

    first = workers_of(thread_client, 0)
    assert len(first) == 2 and all(w["nthreads"] == 1 for w in first.values())
    assert workers_of(thread_client) is first
    again = workers_of(thread_client, 0)
    assert again is not first and again.keys() == first.keys()


def test_graph_inline_holds_inputs_in_tasks():
    """A run in this process hands dask the tasks alone, each holding its
    input arrays (no key per input); the run's values are unchanged."""
    from lazyray.execute.scheduler import graph, task_keys

    def make():
        ys = chains(3)
        return [ys[0] + ys[1], ys[2]]

    plan = partition(make(), workers=2, overhead=1e-6, optimize="exact", scatter_min=0)
    values = [v._data for v in plan.inputs]
    assert values
    keyed, _ = graph(plan, "lazyray-t", values, None, False)
    inline, _ = graph(plan, "lazyray-t", values, None, False, inline=True)
    assert len(keyed) == len(plan.tasks) + len(values)
    assert set(inline) == set(task_keys(plan, "lazyray-t"))
    held = [a for task in inline.values() for a in task[1:] if isinstance(a, np.ndarray)]
    assert {id(a) for a in held} == {id(v) for v in values}
    with pytest.raises(ValueError, match="inline"):
        graph(plan, "lazyray-t", values, None, True, inline=True)
    got = compute_with_scheduler(make(), "threads", workers=2, overhead=1e-6)
    assert same(got, sequential(make))


def test_folded_graph_on_a_process_cluster(process_client):
    """A graph with no leaf folds into a plan of no task: nothing is sent to
    the workers (distributed cannot scatter an empty list), twice (the
    second run reuses the kept plan).  Found by the fuzzer's distributed
    path (program 95000000000380)."""
    from lazyray.execute import plan_cache

    plan_cache.clear()
    for _ in range(2):
        v = lazyray.arange(1, np.int8(4), 0.5)
        opts = {"workers": 2, "overhead": 0.0, "split": True, "scatter_min": 0}
        got = compute_with_scheduler([v], process_client, local_below=0, **opts)
        assert same(got, [np.arange(1, np.int8(4), 0.5)])
