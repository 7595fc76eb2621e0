"""What :func:`lazyray.partition` returns: a :class:`Plan` of :class:`Task`
objects (their nodes, costs and dependencies), which the dask runners
submit and which prints as a table before anything runs."""

from __future__ import annotations

from ..inspect.stats_memory import nbytes
from .partition_cut import critical_path, simulate


class Task:
    """One task of a :class:`Plan`: a piece of the graph compiled into one call.

    Attributes
    ----------
    index : int
        Its position in :attr:`Plan.tasks` (a topological order).
    nodes : list of LazyArray
        Its op nodes (of the optimized graph), dependencies first.
    n_ops : int
        The number of its op nodes.
    inputs : list of tuple
        Where each input of its function comes from: ``("t", task, j)``
        output ``j`` of another task, or ``("i", k)`` input ``k`` of the plan.
    outputs : list of LazyArray
        The nodes it returns (read by other tasks or returned by the plan).
    deps : tuple of int
        The tasks it needs.
    flops, bytes : int
        Its floating point operations, and the bytes its ops read and write.
    cost : float
        Its estimated run time in seconds (without the per-task overhead).
    """

    __slots__ = (
        "index",
        "_nodes",
        "n_ops",
        "inputs",
        "outputs",
        "deps",
        "flops",
        "bytes",
        "cost",
        "_in_nodes",
        "_fn",
        "_optimize",
    )

    def __init__(self, index, nodes, n_ops, inputs, outputs, deps, totals, in_nodes, optimize):
        self.index, self._nodes, self.n_ops = index, nodes, n_ops
        self.inputs, self.outputs, self.deps = inputs, outputs, deps
        self.cost, self.flops, self.bytes = totals
        self._in_nodes, self._fn, self._optimize = in_nodes, None, optimize

    @property
    def nodes(self) -> list:
        """Its op nodes, dependencies first."""
        if self._nodes is None:
            from ..graph.traverse import ascend

            self._nodes = [v for v in ascend(self.outputs) if v._fn is not None and v._data is None]
        return self._nodes

    @property
    def function(self):
        """The compiled :class:`~lazyray.Function` of the task (built once):
        flat inputs (as :attr:`inputs`) to a list of the :attr:`outputs`."""
        if self._fn is None:
            from ..compile.function import Function

            kw = {"fold_constants": False, "optimize": self._optimize, "check_inputs": False}
            self._fn = Function(self._in_nodes, list(self.outputs), **kw)
        return self._fn

    def node_of_op(self, k: int):
        """The node computed by op instruction ``k`` of :attr:`function`
        (counting ops only), or None when it cannot be told (a task compiled
        with optimization, or of a :meth:`Plan.detach` ed plan)."""
        if self._optimize is not False or self._in_nodes is None:
            return None
        from ..compile.numbering import number as tape_number

        g = tape_number(list(self.outputs), list(self._in_nodes))
        ops = [v for v, d in zip(g.nodes, g.deps) if d is not None]
        return ops[k] if 0 <= k < len(ops) else None

    def __repr__(self) -> str:
        from ..inspect.summary import format_bytes, format_si

        return (
            f"<Task {self.index}: {self.n_ops} ops, {format_si(self.flops)}FLOP, "
            f"{format_bytes(self.bytes)}, ~{_secs(self.cost)}, needs {list(self.deps)}>"
        )


class Plan:
    """A graph cut into tasks: what :func:`partition` returns.

    Attributes
    ----------
    tasks : list of Task
        In a topological order (a task only needs tasks before it).
    inputs : list of LazyArray
        The leaves whose values are keys of the dask graph: arrays of at
        least ``scatter_min`` bytes (sent once to a cluster) and, for a
        :class:`~lazyray.Function`, its input variables.
    workers, overhead : int, float
        The workers and per-task overhead the cut was made for.
    sequential, estimate : float
        Estimated seconds to run everything in one task, and with the tasks
        scheduled on ``workers`` workers.
    critical_path : list of int
        The longest chain of tasks (with overheads), and ``span`` its length.
    """

    def __init__(self, tasks, inputs, out_spec, out_refs, workers, overhead, comm, scheduler):
        self.tasks, self.inputs, self.out_spec, self.out_refs = tasks, inputs, out_spec, out_refs
        self.workers, self.overhead, self.scheduler = workers, overhead, scheduler
        self.sequential = sum(t.cost for t in tasks) + (overhead if tasks else 0.0)
        costs = [t.cost for t in tasks]
        preds = [t.deps for t in tasks]
        tin = [in_bytes(t, tasks) for t in tasks]
        self.estimate = simulate(costs, preds, tin, workers, overhead, comm)
        self.critical_path, self.span = critical_path(costs, preds, overhead)

    def __len__(self) -> int:
        return len(self.tasks)

    def detach(self) -> Plan:
        """Compile every task, then drop the references to the graph's nodes
        (and so to the arrays of its leaves): inputs and task outputs become
        leaves of the same shapes and dtypes, which is all a run reads; the
        tasks then list no nodes.  Returns the plan itself.

        >>> import lazyray, numpy as np
        >>> x = lazyray.array(np.ones(3))
        >>> plan = lazyray.partition([x.sum(), (2 * x).sum()], split=False, scatter_min=0)
        >>> plan = plan.detach()
        >>> plan.inputs[0].shape, plan.inputs[0]._data is None, plan.tasks[0].nodes
        ((3,), True, [])
        """
        from ..graph.node import _leaf

        def aval(v):
            return _leaf("variable", None, v._shape, v._dtype, v._backend)

        for t in self.tasks:
            t.function  # noqa: B018 - compiled now: its nodes are dropped below
            t.outputs = [aval(v) for v in t.outputs]
            t._nodes, t._in_nodes = [], None
        self.inputs = [aval(v) for v in self.inputs]
        return self

    def __repr__(self) -> str:
        return (
            f"<Plan: {len(self.tasks)} task(s) for {self.workers} worker(s) ({self.scheduler}), "
            f"estimated {_secs(self.estimate)} vs {_secs(self.sequential)} in one task>"
        )

    def summary(self, max_tasks: int = 40) -> str:
        """A table of the tasks, their costs and the critical path."""
        from ..inspect.summary import format_bytes, format_si

        speed = self.sequential / self.estimate if self.estimate else 1.0
        path = " -> ".join(map(str, self.critical_path))
        lines = [
            f"Plan: {len(self.tasks)} task(s) for {self.workers} worker(s) ({self.scheduler}, "
            f"overhead {_secs(self.overhead)}/task), {len(self.inputs)} input key(s)",
            f"estimated: one task {_secs(self.sequential)}, planned {_secs(self.estimate)} "
            f"(x{speed:.2f}); critical path {_secs(self.span)}: tasks {path}",
            f"{'task':>5} {'ops':>7} {'FLOPs':>10} {'bytes':>11} {'est.':>9}  needs",
        ]
        for t in self.tasks[:max_tasks]:
            needs = ",".join(map(str, t.deps)) or "-"
            if len(needs) > 30:
                needs = needs[:27] + "..."
            lines.append(
                f"{t.index:>5} {t.n_ops:>7} {format_si(t.flops):>10} "
                f"{format_bytes(t.bytes):>11} {_secs(t.cost):>9}  {needs}"
            )
        if len(self.tasks) > max_tasks:
            lines.append(f"... ({len(self.tasks) - max_tasks} more tasks)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _secs(s: float) -> str:
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} us"


def in_bytes(task, tasks):
    return sum(nbytes(tasks[r[1]].outputs[r[2]]) for r in task.inputs if r[0] == "t")
