"""Cutting a graph into compiled tasks by static cost: :func:`partition`.

A :class:`Plan` is what :func:`lazyray.to_dask` and the ``scheduler=``
option of :func:`lazyray.compute` and :class:`lazyray.Function` run: the
graph (after the default passes) cut into :class:`Task` s, each a connected
piece compiled into a :class:`~lazyray.Function` whose inputs are the
task's boundary values, so that running a task costs one call however many
ops it holds.  The cut is chosen from the static cost of every node, known
from shapes and dtypes before anything runs: tiny-op chains stay in one
task, independent heavy branches become tasks of their own (see
:mod:`lazyray.execute.partition_cut` for the algorithm).

The cost model is that of :mod:`lazyray.execute.partition_cost`: FLOPs, elements
and bytes from the shapes and dtypes, and a per-task ``overhead``
(:data:`OVERHEAD`).
"""

from __future__ import annotations

import math
import os
from typing import Any

from ..graph import pytree
from ..graph.node import LazyArray
from ..inspect.stats_memory import nbytes
from .partition_cost import NETWORK_BYTES_PER_SECOND, number, scan
from .partition_cut import cut
from .plan import Plan, Task
from .scheduler import _KINDS

__all__ = ["partition", "Plan", "Task", "OVERHEAD"]

#: per-task overhead (seconds) by scheduler: dask's own, plus calling the task
OVERHEAD = {"sync": 5e-5, "threads": 3e-4, "processes": 5e-3, "distributed": 3e-3}
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
    if label == "distributed" and hasattr(scheduler, "nthreads"):
        try:
            return max(1, sum(scheduler.nthreads().values()))
        except Exception:  # a client not connected yet
            pass
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
    if workers is None:
        workers = _default_workers(label, scheduler)
    if overhead is None:
        overhead = OVERHEAD.get(label, OVERHEAD["distributed"])
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
    key_of = {id(v): k for k, v in enumerate(keys)}
    tasks = []
    if ops:  # (its nodes listed on demand)
        inputs = [("i", k) for k in range(len(keys))]
        tasks.append(Task(0, None, n_ops, inputs, ops, (), totals, keys, optimize))
    at = {id(o): j for j, o in enumerate(ops)}
    out_refs = []
    for o in out_leaves:
        if id(o) in at:
            out_refs.append(("t", 0, at[id(o)]))
        elif id(o) in key_of:
            out_refs.append(("i", key_of[id(o)]))
        else:
            out_refs.append(("v", o._data))
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
            if task_of[i] >= 0:
                members[task_of[i]].append(i)
        for i in range(n):
            if deps[i] is None:
                continue
            t = task_of[i]
            for d in deps[i]:
                td = task_of[d]
                if td >= 0 and td != t and d not in exported[td]:
                    exported[td][d] = len(exported[td])
    for o in out_leaves:
        i = pos[o]
        if task_of[i] >= 0 and i not in exported[task_of[i]]:
            exported[task_of[i]][i] = len(exported[task_of[i]])

    tasks = []
    for t in range(nt):
        ins, refs, seen = [], [], set()
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

    out_refs = []
    for o in out_leaves:
        i = pos[o]
        if task_of[i] >= 0:
            out_refs.append(("t", task_of[i], exported[task_of[i]][i]))
        elif i in key_of:
            out_refs.append(("i", key_of[i]))
        else:
            out_refs.append(("v", o._data))
    return Plan(tasks, inputs, out_spec, out_refs, *setting)


def _is_key(node: LazyArray, scatter_min: int) -> bool:
    data = node._data
    if data is None or not (hasattr(data, "shape") and hasattr(data, "dtype")):
        return False
    return nbytes(node) >= scatter_min
