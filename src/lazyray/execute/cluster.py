"""A plan on a ``distributed`` cluster: inputs sent once (:func:`scatter`),
and where the tasks should run (hints for dask's scheduler).

Placement
---------

distributed's scheduler sends a task to a worker that holds one of its
inputs, and moves work elsewhere only by stealing, every 100 ms.  A plan's
independent tasks that read the output of one shared task (the 32 slices of
a sliced contraction all read the slice-independent part) would then all
run, one after the other, on the worker that computed the shared task.
The plan knows the estimated cost of every task and the bytes each one
reads from another, so :func:`assign` places the tasks by list scheduling
(the task with the longest remaining path first, on the worker where it can
start first, counting the transfer of inputs computed elsewhere), and
:func:`annotated` hands the placement to dask as per-key annotations
``workers=[address]`` with ``allow_other_workers=True``: dask still
schedules, and a task whose worker is lost runs on another one.

A cheap last task that reads little runs in the calling process instead
(:func:`here_tasks`).  The workers are asked once per run, or once a
second when runs follow each other (:func:`workers_of`).
"""

from __future__ import annotations

import functools
import time
import weakref

from ..inspect.stats_memory import nbytes
from .partition_cost import NETWORK_BYTES_PER_SECOND
from .partition_cut import list_order
from .plan import in_bytes

__all__ = ["assign", "here_tasks", "workers_of", "worker_slots", "holders", "annotated", "scatter"]


#: seconds for which the answer of :func:`workers_of` is reused: a round
#: trip to the scheduler (1-2 ms) less for a run that follows another
WORKERS_MAX_AGE = 1.0
_WORKERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def workers_of(client, max_age: float = WORKERS_MAX_AGE) -> dict | None:
    """The workers of ``client``'s cluster, by address, as its scheduler
    describes them (``nthreads`` ...), in one round trip, or as it described
    them less than ``max_age`` seconds ago; None when it cannot say.  A run
    asks once and reads the answer for every use.

    The answer sizes the cut and places the tasks, as hints only (a task
    whose worker is gone runs elsewhere); a run that fails asks again with
    ``max_age=0``."""
    now = time.monotonic()
    hit = _WORKERS.get(client)
    if hit is not None and now - hit[0] < max_age:
        return hit[1]
    try:
        info = client.scheduler_info()["workers"]
    except Exception:  # a client not connected, or no such information
        return None
    _WORKERS[client] = (now, info)
    return info


def worker_slots(workers: dict | None) -> list:
    """The address of every worker thread of a cluster whose workers are
    ``workers`` (:func:`workers_of`; a worker of ``n`` threads is listed
    ``n`` times), in a stable order; none when they are not known (the
    placement is then left to dask).

    >>> worker_slots({"tcp://b": {"nthreads": 1}, "tcp://a": {"nthreads": 2}})
    ['tcp://a', 'tcp://a', 'tcp://b']
    """
    threads = {a: max(1, int(w.get("nthreads", 1) or 1)) for a, w in (workers or {}).items()}
    return [a for a in sorted(threads) for _ in range(threads[a])]


def assign(
    plan, slots: list, comm_rate: float = NETWORK_BYTES_PER_SECOND, held: list | None = None
) -> list:
    """The worker address of each task of ``plan`` by list scheduling on
    ``slots`` (see the module docstring).  ``held``: for each input of the
    plan, the addresses of the workers that hold it (:func:`holders`); a
    task placed elsewhere starts later by the time to fetch it, after which
    its worker holds a copy.

    >>> class T:
    ...     def __init__(self, cost, deps):
    ...         self.cost, self.deps, self.inputs = cost, deps, []
    >>> class P:
    ...     overhead = 0.0
    ...     tasks = [T(1.0, ()), T(1.0, ()), T(0.1, (0, 1))]
    >>> assign(P(), ["a", "b"])
    ['a', 'b', 'a']
    """
    tasks = plan.tasks
    nt = len(tasks)
    cost = [t.cost + plan.overhead for t in tasks]
    # bytes each task reads from each task it needs
    reads = []
    for task in tasks:
        got = {}
        for r in task.inputs:
            if r[0] == "t":
                got[r[1]] = got.get(r[1], 0) + nbytes(tasks[r[1]].outputs[r[2]])
        reads.append(got)
    # bytes of each plan input each task reads (only where their holders are
    # known; copied: a worker that fetches an input holds it afterwards)
    held = [set(h) for h in held] if held else None
    fetch = [
        [(r[1], nbytes(plan.inputs[r[1]])) for r in task.inputs if r[0] == "i"] if held else []
        for task in tasks
    ]
    free = [0.0] * len(slots)
    finish = [0.0] * nt
    where = [""] * nt
    for t in list_order(cost, [task.deps for task in tasks]):
        best, best_s = None, 0
        for s, addr in enumerate(slots):
            start = free[s]
            for p, b in reads[t].items():
                start = max(start, finish[p] + (0.0 if where[p] == addr else b / comm_rate))
            for k, b in fetch[t]:
                if addr not in held[k]:
                    start += b / comm_rate
            if best is None or start < best:
                best, best_s = start, s
        finish[t] = best + cost[t]
        free[best_s] = finish[t]
        where[t] = slots[best_s]
        for k, _ in fetch[t]:
            held[k].add(where[t])
    return where


def holders(client, futures) -> list | None:
    """For each future, the set of addresses of the workers holding its
    value (None when the scheduler cannot say)."""
    try:
        who = client.who_has(futures)
        return [set(who.get(f.key, ())) for f in futures]
    except Exception:  # no information: place the tasks by their own costs only
        return None


#: a last task estimated under HERE_SECONDS, of at most HERE_FLOPS (too few
#: for a BLAS to use threads: its results do not depend on their number),
#: that reads at most HERE_BYTES from other tasks runs in the calling
#: process (:func:`here_tasks`)
HERE_SECONDS, HERE_FLOPS, HERE_BYTES = 1e-3, 2**16, 2**16


def here_tasks(plan) -> tuple:
    """The tasks of ``plan`` to run in the calling process rather than on
    the cluster: cheap last tasks (read by no other task) that read little
    from other tasks, e.g. the sum of the slices of a sliced contraction.
    Fetching what they read costs what fetching their result would; run
    there, they would cost a transfer between workers and a dispatch more.

    >>> import lazyray, numpy as np
    >>> xs = [lazyray.array(np.full((300, 300), 0.01 * i)) for i in range(2)]
    >>> ys = [lazyray.tanh(x @ x @ x).sum() for x in xs]
    >>> plan = lazyray.partition(ys[0] + ys[1], workers=2, overhead=1e-6)
    >>> [t.deps for t in plan.tasks], here_tasks(plan)
    ([(), (), (0, 1)], (2,))
    """
    tasks = plan.tasks
    if len(tasks) < 2:
        return ()
    read = {r[1] for t in tasks for r in t.inputs if r[0] == "t"}
    out = []
    for t in tasks:
        if t.index in read or not t.deps or t.cost >= HERE_SECONDS or t.flops > HERE_FLOPS:
            continue
        if in_bytes(t, tasks) <= HERE_BYTES:
            out.append(t.index)
    return tuple(out) if len(out) < len(tasks) else ()


def annotated(dsk: dict, task_keys: list, where: list):
    """``dsk`` as a ``HighLevelGraph`` whose task keys carry the placement
    ``where`` (one layer per worker), the other keys in a plain layer."""
    from dask.highlevelgraph import HighLevelGraph, MaterializedLayer

    by_worker = {}
    for key, addr in zip(task_keys, where):
        if key in dsk:  # (not the tasks run here)
            by_worker.setdefault(addr, {})[key] = dsk[key]
    placed = {k for k in task_keys}
    layers = {"lazyray-rest": MaterializedLayer({k: v for k, v in dsk.items() if k not in placed})}
    for j, (addr, part) in enumerate(by_worker.items()):
        layers[f"lazyray-on-{j}"] = MaterializedLayer(
            part, annotations={"workers": [addr], "allow_other_workers": True}
        )
    return HighLevelGraph(layers, {name: set() for name in layers})


# ----------------------------------------------------------------- scatter

_SCATTERED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def scatter(client, values) -> list:
    """Futures of ``values`` on the cluster, each sent once: a value already
    scattered to this client (the same object, still alive) reuses its
    future while the cluster holds it."""
    cache = _SCATTERED.setdefault(client, {})
    out = [None] * len(values)
    todo = []
    for i, v in enumerate(values):
        hit = cache.get(id(v))
        if hit is not None and hit[0]() is v and hit[1].status == "finished":
            out[i] = hit[1]
        else:
            todo.append(i)
    if todo:
        futs = client.scatter([values[i] for i in todo], hash=False)
        for i, f in zip(todo, futs):
            out[i] = f
            try:
                ref = weakref.ref(values[i], functools.partial(_drop, cache, id(values[i])))
            except TypeError:  # not weakly referenceable: not cached
                continue
            cache[id(values[i])] = (ref, f)
    return out


def _drop(cache, key, ref):
    """The array died: release its future (and the cluster's copy)."""
    hit = cache.get(key)
    if hit is not None and hit[0] is ref:
        del cache[key]


def _forget(client, futures):
    cache = _SCATTERED.get(client, {})
    dead = {f.key for f in futures if f.status != "finished"}
    for k, (_, f) in list(cache.items()):
        if f.key in dead:
            del cache[k]
    return bool(dead)
