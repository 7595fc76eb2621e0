"""Cutting a graph into compiled tasks by static cost: :func:`partition`.

A :class:`Plan` is what :func:`lazyray.to_dask` and the ``scheduler=``
option of :func:`lazyray.compute` and :class:`lazyray.Function` run: the
graph (after the default passes) cut into :class:`Task` s, each a connected
piece compiled into a :class:`~lazyray.Function` whose inputs are the
task's boundary values, so that running a task costs one call however many
ops it holds.  The cut is chosen from the static cost of every node, known
from shapes and dtypes before anything runs: tiny-op chains stay in one
task, independent heavy branches become tasks of their own: the algorithm
is :mod:`lazyray.execute.partition_cut`, the cost model
:mod:`lazyray.execute.partition_cost` plus a per-task :data:`OVERHEAD`, and
across processes cheap shared tasks are recomputed (:func:`recomputed`).
"""

from __future__ import annotations

import math
import os
from typing import Any

from ..graph import pytree
from ..graph.node import LazyArray
from ..inspect.stats_memory import nbytes
from .cluster import worker_slots, workers_of
from .partition_cost import NETWORK_BYTES_PER_SECOND, number, scan
from .partition_cut import cut
from .plan import Plan, Task
from .scheduler import _KINDS

__all__ = ["partition", "Plan", "Task", "OVERHEAD"]

#: per-task overhead (seconds) by scheduler: dask's own, plus calling the
#: task; on threads, also waking a pool thread and the caller for each task
#: (dask's own is ~0.1 ms; a 32-slice contraction cut in 10 tasks ran ~3 ms
#: slower on 2 cores than cut in 6, as this value cuts it)
OVERHEAD = {"sync": 5e-5, "threads": 1e-3, "processes": 5e-3, "distributed": 3e-3}
#: driver time to optimize, cut and compile, per node: a graph whose possible
#: gain from parallelism is below this runs as one task, compiled as traced
PARTITION_SECONDS_PER_NODE = 2e-5
#: array leaves of at least this many bytes are inputs of the tasks (keys of
#: the dask graph, scattered once to a cluster), smaller ones task constants
SCATTER_MIN_BYTES = 2**16


# ---------------------------------------------------------------- numbering


def _unfilled(node, function: bool):
    if function:
        return ValueError(
            f"the outputs depend on a Variable of shape {node._shape} and dtype "
            f"{node._dtype} that is not among the inputs of the Function"
        )
    return ValueError(
        f"cannot compute: the graph holds a Variable of shape {node._shape} and dtype "
        f"{node._dtype} with no data; use lazyray.Function to supply it (nothing was "
        "submitted to the scheduler)"
    )


def _scheduler_label(scheduler) -> str:
    if scheduler is None or isinstance(scheduler, str):
        s = scheduler or "threads"
        return _KINDS.get(s, s)
    return "distributed"


def _default_workers(label, scheduler) -> int:
    if label == "sync":
        return 1
    if label == "distributed" and hasattr(scheduler, "scheduler_info"):
        slots = worker_slots(workers_of(scheduler))
        if slots:  # else a client not connected yet
            return len(slots)
    return os.cpu_count() or 1


# ------------------------------------------------------------------ partition


def partition(
    outputs: Any,
    *,
    scheduler: str | Any = None,
    workers: int | None = None,
    overhead: float | None = None,
    optimize: bool | str | dict = True,
    variables: Any = None,
    split: bool | None = None,
    scatter_min: int = SCATTER_MIN_BYTES,
) -> Plan:
    """Cut the graph of ``outputs`` into compiled tasks by static cost.

    Parameters
    ----------
    outputs : pytree of LazyArray
        What to compute.
    scheduler : str or distributed.Client, optional
        The scheduler the plan is for (``"threads"``, the default, ``"sync"``,
        ``"processes"``, or a client): sets the default ``workers`` (the
        client's threads, else the CPU count; 1 for ``"sync"``) and
        ``overhead`` (:data:`OVERHEAD`).
    workers : int, optional
        Tasks that may run at once.
    overhead : float, optional
        Seconds each task costs beyond its work.
    optimize : bool, str or dict, optional
        The passes applied first: ``True`` the default passes of
        :func:`lazyray.optimize`, ``"exact"`` the same with only its
        bit-for-bit rules (what ``compute(..., scheduler=...)`` uses, so that
        results equal the sequential run's), a dict its keyword arguments,
        ``False`` none.
    variables : pytree of LazyArray, optional
        Nodes whose values are supplied at run time (a
        :class:`~lazyray.Function`'s inputs): they are inputs of the plan,
        and every other Variable is refused.
    split : bool, optional
        ``False``: one task.  ``True``: cut even when the cost model expects
        no gain.  By default a graph is cut when its parallel gain could pay
        for cutting it (:data:`PARTITION_SECONDS_PER_NODE`); otherwise it is
        one task compiled as traced.
    scatter_min : int, optional
        Array leaves of at least this many bytes become inputs of the plan.

    Returns
    -------
    Plan

    Raises
    ------
    ValueError
        The graph holds a Variable without data (not among ``variables``).

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> xs = [lazyray.array(np.full((300, 300), 0.01 * i)) for i in range(4)]
    >>> ys = [lazyray.tanh(x @ x @ x).sum() for x in xs]
    >>> plan = lazyray.partition(ys, workers=2, overhead=1e-6)
    >>> len(plan.tasks), [len(t.nodes) for t in plan.tasks]
    (4, [4, 4, 4, 4])
    >>> plan.critical_path, plan.estimate < plan.sequential
    ([0], True)
    """
    label = _scheduler_label(scheduler)
    workers = _default_workers(label, scheduler) if workers is None else workers
    overhead = OVERHEAD.get(label, OVERHEAD["distributed"]) if overhead is None else overhead
    comm = None if label in ("threads", "sync") else NETWORK_BYTES_PER_SECOND
    setting = (workers, overhead, comm, label)  # (as Plan takes them)
    out_leaves = []
    out_spec = pytree.flatten_nodes(outputs, out_leaves, "outputs")
    function = variables is not None
    var_nodes = []
    if variables is not None:
        pytree.flatten_nodes(variables, var_nodes, "inputs")
        var_nodes = list(dict.fromkeys(var_nodes))  # (nodes hash by identity)
    var_ids = {id(v) for v in var_nodes}

    unique = list(dict.fromkeys(out_leaves))
    per_node = 0.0 if function else PARTITION_SECONDS_PER_NODE
    share = 1 - 1 / max(1, workers)  # of the work that workers - 1 others can take

    def worth(n: int) -> float:
        # the summed seconds above which the parallel gain, ``share`` of
        # them, pays for cutting a graph of ``n`` op nodes
        return (2 * overhead + n * per_node) / share if share > 0 else math.inf

    if split is None:
        until = worth  # a lower bound of the cost is enough to decide to cut
    else:
        # the sums are read only by a one-task plan (not split, no Function)
        until = None if not split and not function else (lambda n: -1.0)
    n_ops, totals, leaves = scan(unique, var_nodes, until)
    for node in leaves:
        if node._data is None and node._fn is None and id(node) not in var_ids:
            raise _unfilled(node, function)
    if split is None:
        split = workers > 1 and totals[0] > worth(n_ops)
    if not split and not function:
        # one task; compiled as traced unless optimization was asked for
        # (by the task's Function then): optimizing a graph this cheap
        # would cost more than it saves
        opt = False if optimize in ("exact", False) else optimize
        keys = [v for v in leaves if _is_key(v, scatter_min)]
        ops = [o for o in unique if o._fn is not None and o._data is None]
        return _one_task(out_leaves, out_spec, keys, ops, n_ops, totals, setting, opt)
    if any(v._fn is not None for v in var_nodes):
        optimize = False  # the passes copy op nodes: an op node as input would be lost
    if optimize is not False:
        out_leaves = _optimized(out_leaves, optimize, var_nodes if function else None)
    numbered = number(list(dict.fromkeys(out_leaves)), var_nodes, with_costs=True)
    return _build(*numbered, out_leaves, out_spec, var_nodes, setting, scatter_min, split)


def _one_task(out_leaves, out_spec, keys, ops, n_ops, totals, setting, optimize):
    """The plan of one task computing every op output from the key leaves."""
    tasks = []
    if ops:  # (its nodes listed on demand)
        inputs = [("i", k) for k in range(len(keys))]
        tasks.append(Task(0, None, n_ops, inputs, ops, (), totals, keys, optimize))
    ref = {id(v): ("i", k) for k, v in enumerate(keys)}
    ref.update((id(o), ("t", 0, j)) for j, o in enumerate(ops))
    out_refs = [ref.get(id(o), ("v", o._data)) for o in out_leaves]
    return Plan(tasks, keys, out_spec, out_refs, *setting)


def _optimized(out_leaves, optimize, variables):
    from .. import passes

    kw = dict(optimize) if isinstance(optimize, dict) else {}
    if optimize == "exact":
        kw["exact"] = True
    if variables is not None:
        kw.setdefault("variables", variables)
    return passes.optimize(list(out_leaves), **kw)


def _build(nodes, deps, pos, costs, out_leaves, out_spec, var_nodes, setting, scatter_min, split):
    """The plan of a numbered graph cut into tasks (compiled as cut)."""
    workers, overhead, comm, _ = setting

    def item_of(i):
        node = nodes[i]
        if node._op == "item" and type(node._op) is str:
            j = deps[i][0]
            if deps[j] is not None and type(nodes[j]._dtype) is tuple:
                return j
        return None

    n = len(nodes)
    w, fl, ob, tb = costs
    is_out = [False] * n
    for o in out_leaves:
        is_out[pos[o]] = True
    task_of = cut(deps, w, ob, is_out, item_of, workers, overhead, comm, split)
    task_of, extra = per_slot(deps, *recomputed(deps, task_of, w, ob, is_out, comm), w, workers)

    # plan inputs: variables, then array leaves big enough to be keys
    key_of = {}
    inputs = []
    for i, node in enumerate(nodes):
        if deps[i] is None and (i < len(var_nodes) or _is_key(node, scatter_min)):
            key_of[i] = len(inputs)
            inputs.append(node)
    nt = max(task_of, default=-1) + 1
    members = [[] for _ in range(nt)]
    exported = [dict() for _ in range(nt)]  # node index -> output position
    if nt == 1:  # one task (the common case of cheap graphs): nothing crosses
        members[0] = [i for i in range(n) if deps[i] is not None]
    else:
        for i in range(n):
            t = task_of[i]
            if t >= 0:
                members[t].append(i)
            for d in deps[i] or ():
                td = task_of[d]
                if td >= 0 and td != t:
                    exported[td].setdefault(d, len(exported[td]))
        for t, more in extra.items():  # (node indices are a topological order)
            members[t] = sorted(members[t] + more)
    out_refs = []
    for o in out_leaves:  # (an output of a task is exported by it)
        i = pos[o]
        t = task_of[i]
        if t >= 0:
            out_refs.append(("t", t, exported[t].setdefault(i, len(exported[t]))))
        elif i in key_of:
            out_refs.append(("i", key_of[i]))
        else:
            out_refs.append(("v", o._data))

    tasks = []
    for t in range(nt):
        ins, refs = [], []
        seen = set(extra.get(t, ()))  # recomputed here: not inputs
        for i in members[t]:
            for d in deps[i]:
                td = task_of[d]
                if td == t or d in seen:
                    continue
                seen.add(d)
                if td >= 0:
                    refs.append(("t", td, exported[td][d]))
                elif d in key_of:
                    refs.append(("i", key_of[d]))
                else:
                    continue  # a small leaf: a constant of the task
                ins.append(nodes[d])
        mt = members[t]
        outs = [nodes[i] for i in exported[t]]
        deps_t = tuple(sorted({r[1] for r in refs if r[0] == "t"}))
        totals = (sum(w[i] for i in mt), sum(fl[i] for i in mt), sum(tb[i] for i in mt))
        task = Task(t, [nodes[i] for i in mt], len(mt), refs, outs, deps_t, totals, ins, False)
        tasks.append(task)
    return Plan(tasks, inputs, out_spec, out_refs, *setting)


def recomputed(deps, task_of, w, out_bytes, is_out, comm) -> tuple:
    """Cheap root tasks recomputed by each task that reads them, instead of
    sent to it (across processes only: ``comm`` is None in shared memory).

    A root task reads no other task and holds no output of the plan (the
    slice-independent part of a sliced contraction, read by every slice).
    It is recomputed when, for every task reading it, the part of it that
    task needs is estimated to cost less than receiving what it reads
    (``out_bytes / comm`` seconds): that saves a transfer and a dependency
    hop per task.  The reading tasks make the calls the root task would
    have made, on the same values, so results are unchanged bit for bit.

    Returns the task of every node (``-2`` for the nodes of recomputed
    tasks, the other tasks renumbered densely in the same order) and, per
    task, the sorted indices of the nodes it recomputes.

    >>> deps = [None, (0,), (1,), (1,)]  # a leaf, a root op read by two tasks
    >>> recomputed(deps, [-1, 0, 1, 2], [0, 1e-6, 1.0, 1.0], [0, 8000, 8, 8],
    ...            [False, False, True, True], 1e6)
    ([-1, -2, 0, 1], {0: [1], 1: [1]})
    """
    nt = max(task_of, default=-1) + 1
    if comm is None or nt < 2:
        return task_of, {}
    root = [True] * nt
    reads = {}  # (root task, reading task) -> the nodes of one read by the other
    for i, di in enumerate(deps):
        if di is None:
            continue
        t = task_of[i]
        if is_out[i]:
            root[t] = False
        for d in di:
            td = task_of[d]
            if td >= 0 and td != t:
                root[t] = False
                reads.setdefault((td, t), set()).add(d)
    share = {}
    for (r, t), got in reads.items():
        if not root[r]:
            continue
        need, stack = set(got), list(got)
        while stack:  # what the reads need, within the root task
            for d in deps[stack.pop()]:
                if task_of[d] == r and d not in need:
                    need.add(d)
                    stack.append(d)
        if sum(w[i] for i in need) >= sum(out_bytes[d] for d in got) / comm:
            root[r] = False
        share[(r, t)] = need
    gone = {r for r, _ in share if root[r]}
    if not gone:
        return task_of, {}
    new = [-2 if t in gone else t - sum(1 for g in gone if g < t) for t in range(nt)]
    extra = {}
    for (r, t), need in share.items():
        if r in gone:
            extra.setdefault(new[t], set()).update(need)
    out = [new[t] if t >= 0 else t for t in task_of]
    return out, {t: sorted(s) for t, s in extra.items()}


def per_slot(deps, task_of, extra, w, workers: int) -> tuple:
    """Tasks that recompute a prefix (:func:`recomputed`) and read no other
    task, merged into ``workers`` tasks of about equal cost (the costliest
    first, to the lightest), each recomputing what its members did: each
    worker then recomputes the prefix once, and the cluster has fewer tasks
    to compile, send and dispatch.  Returns the task of every node and the
    nodes each task recomputes, as :func:`recomputed` does.

    >>> deps = [None, (0,), (1,), (1,), (1,)]  # a prefix read by three tasks
    >>> per_slot(deps, [-1, -2, 0, 1, 2], {0: [1], 1: [1], 2: [1]}, [0, 0, 2, 1, 1], 2)
    ([-1, -2, 0, 1, 1], {0: [1], 1: [1]})
    """
    if len(extra) <= workers:
        return task_of, extra
    nt = max(task_of) + 1
    free, cost = [True] * nt, [0.0] * nt
    for i, di in enumerate(deps):
        t = task_of[i]
        if di is None or t < 0:
            continue
        cost[t] += w[i]
        if any(task_of[d] >= 0 and task_of[d] != t for d in di):
            free[t] = False
    ts = [t for t in extra if free[t]]
    if len(ts) <= workers:
        return task_of, extra
    to = list(range(nt))
    bins = [[0.0, j, []] for j in range(workers)]
    for t in sorted(ts, key=lambda t: -cost[t]):
        b = min(bins)
        b[0] += cost[t]
        b[2].append(t)
    for b in bins:
        for t in b[2]:
            to[t] = min(b[2])
    new = {t: k for k, t in enumerate(sorted(set(to)))}  # (a merged task has no deps)
    out = [new[to[t]] if t >= 0 else t for t in task_of]
    merged = {}
    for t, more in extra.items():
        merged.setdefault(new[to[t]], set()).update(more)
    return out, {t: sorted(more) for t, more in merged.items()}


def _is_key(node: LazyArray, scatter_min: int) -> bool:
    data = node._data  # (None has neither attribute)
    return hasattr(data, "shape") and hasattr(data, "dtype") and nbytes(node) >= scatter_min
