"""Running lazyray graphs on dask: :func:`compute_with_scheduler`,
:func:`to_dask` and :class:`ScheduledFunction`.

The graph is cut into compiled tasks by :func:`lazyray.partition` and the
tasks are handed to dask's schedulers (:mod:`lazyray.execute.scheduler`); lazyray
has no scheduler of its own.  ``scheduler`` is named as dask names it:
``"threads"``, ``"sync"``, ``"processes"``, ``"distributed"`` (the current
client) or a ``distributed.Client``.

>>> import lazyray, numpy as np
>>> x = lazyray.array(np.arange(6.0).reshape(2, 3))
>>> compute_with_scheduler({"s": x.sum(), "t": x.T * 2}, "sync")["s"]
np.float64(15.0)
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from typing import Any

from ..compile import function as _function
from ..graph import pytree
from ..graph.evaluate import _STRICT, _get_data, check_result, compute_nodes
from ..graph.node import LazyArray
from ..graph.sharing import freeze
from ..graph.traverse import tree_map
from .cluster import worker_slots, workers_of
from .partitioning import SCATTER_MIN_BYTES, partition
from .plan import Plan
from .plan_cache import PLANS, Kept, structure
from .scheduler import (
    _in_process,
    blas_limit,
    blas_threads_for,
    graph,
    remote_runners,
    resolve,
    run_plan,
    runners,
    scatter,
)

__all__ = ["compute_with_scheduler", "to_dask", "ScheduledFunction", "is_dask_collection_args"]

_RUN_OPTS = ("num_workers", "blas_threads", "retries")


def _split_opts(opts):
    """The options of :func:`run_plan` and those of :func:`partition`
    (whose ``workers`` defaults to ``num_workers``)."""
    run = {k: opts.pop(k) for k in _RUN_OPTS if k in opts}
    if "workers" not in opts and run.get("num_workers"):
        opts["workers"] = run["num_workers"]
    return run, opts


def _partition(outputs, kind, client, optimize, opts, variables=None) -> Plan:
    scheduler = client if client is not None else kind
    return partition(outputs, scheduler=scheduler, optimize=optimize, variables=variables, **opts)


def _reraise_with_node(e, plan):
    """Name the node behind a task's failure (the task itself named its op)."""
    t, k = getattr(e, "lazyray_task", None), getattr(e, "lazyray_op", None)
    if t is None or k is None or not hasattr(e, "add_note") or t >= len(plan.tasks):
        return
    try:
        node = plan.tasks[t].node_of_op(k)
    except Exception:  # describing must never hide the real error
        node = None
    if node is not None:
        e.add_note(f"(lazyray node: {describe(node)})")


def describe(node: LazyArray) -> str:
    """A one-line description of a node: op, arguments' avals, result.

    >>> import lazyray
    >>> x = lazyray.Variable((3, 4))
    >>> describe(lazyray.tensordot(x, x.T, 1))
    'tensordot(f64[3,4], f64[4,3], axes=((1,), (0,))) -> f64[3,3]'
    """
    from ..inspect.show import _fmt, aval

    args = [_fmt(a, aval) for a in node._args or ()]
    args += [f"{k}={_fmt(v, aval)}" for k, v in (node._kwargs or {}).items()]
    return f"{node._op}({', '.join(args)}) -> {aval(node)}"


def compute_with_scheduler(
    outputs: Any, scheduler: str | Any = "threads", *, optimize: bool | str | dict = "exact", **opts
) -> Any:
    """Compute ``outputs`` as dask tasks on ``scheduler``.

    The graph is cut into compiled tasks (:func:`lazyray.partition`) run by
    dask; the results are those of :func:`lazyray.compute`, bit for bit
    (BLAS threads: :mod:`lazyray.execute.scheduler`; in other processes a
    view arrives contiguous, and numpy may round an op on it an ulp off).  As with
    ``compute(..., optimize=True)``, the outputs keep their values and the
    user's intermediate nodes are left untouched, except when the plan is
    one task compiled as traced (a graph too fine-grained to gain from a
    cut) on ``"sync"`` or ``"threads"``, or on any scheduler when that task
    is estimated to run in under ``local_below`` seconds (shipping it to
    another process would cost about as much as running it): that runs in
    this thread, the first time as :func:`lazyray.compute` does
    (intermediate nodes included: compiling would cost about as much as
    running), and for a later graph of the same structure (see
    ``reuse_plan``) as the task compiled once, as a
    :class:`~lazyray.Function` runs (Gram-Schmidt N=100: ~40 ms
    sequential, ~15 ms the compiled task, plus ~13 ms to key the graph).

    Parameters
    ----------
    outputs : as in :func:`lazyray.partition`
    scheduler : str or distributed.Client
        ``"threads"``, ``"sync"``, ``"processes"``, ``"distributed"`` (the
        current client) or a client; ``None`` runs :func:`lazyray.compute`.
    optimize : bool, str or dict, optional
        Passes applied before cutting (see :func:`lazyray.partition`); by
        default the default passes with bit-exact rules only.
    num_workers : int, optional
        Threads or processes of a local scheduler (dask's option).
    blas_threads : "auto", int or None, optional
        BLAS threads per task (:mod:`lazyray.execute.scheduler`).
    retries : int, optional
        Resubmissions after the cluster lost scattered inputs (default 2).
    local_below : float, optional
        A one-task plan estimated under this many seconds runs in this
        process on every scheduler (default :data:`LOCAL_BELOW`; 0: never
        on ``"processes"`` and clusters).
    progbar : bool, optional
        dask's progress bar (local schedulers).
    reuse_plan : bool, optional
        Reuse the plan (cut and compiled tasks) made for an earlier graph of
        the same structure, whose leaves held other values (default True:
        :mod:`lazyray.execute.plan_cache`).  Every array leaf is then an
        input of the plan, except on a cluster, where those below
        ``scatter_min`` bytes stay task constants (sent with the task, once)
        and a graph reuses a plan only if they hold the same values.  A run
        of a reused plan that raises is run again with a new plan, whose
        error names the node.
    **opts
        Options of :func:`lazyray.partition` (``workers``, ``overhead``,
        ``split``, ``scatter_min``).

    Returns
    -------
    The values, in the structure of ``outputs``.

    Raises
    ------
    ValueError
        A Variable without data, before anything is submitted.

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> a = lazyray.array(np.ones((50, 50)))
    >>> ys = [lazyray.tanh(a * i).sum() for i in range(3)]
    >>> [round(float(v), 3) for v in compute_with_scheduler(ys, "threads")]
    [0.0, 1903.985, 2410.069]
    """
    if scheduler is None:
        raise ValueError(
            "compute_with_scheduler: no scheduler given (lazyray.compute runs in this thread)"
        )
    given = dict(opts)
    progbar = opts.pop("progbar", False)
    below = opts.pop("local_below", LOCAL_BELOW)
    reuse = opts.pop("reuse_plan", True)
    run, opts = _split_opts(opts)
    kind, client = resolve(scheduler)
    if client is not None:  # asked once: for the cut, then for the run
        info = run["workers_info"] = workers_of(client)
        if info and "workers" not in opts:
            opts["workers"] = len(worker_slots(info))
    out_leaves = []
    pytree.flatten_nodes(outputs, out_leaves, "outputs")
    found = None
    if reuse:
        if kind != "distributed":  # no leaf is sent once: each is an input
            opts.setdefault("scatter_min", 0)
        found = structure(out_leaves, opts.get("scatter_min", SCATTER_MIN_BYTES))
    key = kept = None
    if found is not None:
        held = list(found[2])  # objects keyed by identity: kept alive with the entry
        key = (found[0], kind, id(client), freeze((optimize, below, sorted(opts.items())), held))
        kept = PLANS.get(key)
        if kept is not None and kept.client is not client:
            kept = None
    here = False  # (a plan of one task, run in this thread)
    if kept is not None and kept.plan is None:  # run as traced the last time
        if not kept.compile_next:
            return _sequential(outputs, out_leaves, run)
        kept, here = None, True  # its one task, compiled this time
    if kept is None:
        plan = _partition(outputs, kind, client, optimize, opts)
        local = _local(plan, kind, below)
        if local and not here:
            if key is not None:  # (kept: the same graph will run here again)
                PLANS.put(key, Kept(None, (), (), client, held, len(plan.tasks) == 1))
            return _sequential(outputs, out_leaves, run)
        here = local
        values = [v._data for v in plan.inputs]
    else:
        plan, sources, consts = kept.plan, kept.sources, kept.consts
        here = _local(plan, kind, below)
        data = [v._data for v in found[1]]
        values = [data[k] if k >= 0 else c for k, c in zip(sources, consts)]
    futs = None
    if key is not None and client is not None and not here:
        if not _in_process(run["workers_info"]):  # kept on the cluster with the plan
            futs = functools.partial(remote_runners, plan)
    try:
        if here:  # its one task, in this thread
            with _blas_here(run):
                flat = _run(plan, "sync", values, {})
        else:
            flat = _run(plan, scheduler, values, run, progbar and client is None, futs)
    except Exception:
        if kept is None:
            raise
        # a kept plan lists no nodes: run again with a new plan, whose
        # error names the node that raised
        PLANS.drop(key)
        given["reuse_plan"] = False
        return compute_with_scheduler(outputs, scheduler, optimize=optimize, **given)
    if kept is None and key is not None:  # kept without the graph (nor its arrays)
        at = {id(v): k for k, v in enumerate(found[1])}
        sources = [at.get(id(v), -1) for v in plan.inputs]
        consts = [None if k >= 0 else v._data for k, v in zip(sources, plan.inputs)]
        PLANS.put(key, Kept(plan.detach(), sources, consts, client, held))
    for node, v in zip(out_leaves, flat):
        if _STRICT[0] and node._data is None:
            check_result(node, v)
        if node._data is None:  # the outputs take their values, as compute() does
            node._data = v
            node._fn = node._args = node._kwargs = None
            node._deps = ()
    return tree_map(_get_data, outputs)


def _sequential(outputs, out_leaves, run):
    """The sequential run itself, in this thread: without compiling the one
    task (which would cost about as much as running it: done if a graph of
    the same structure comes again), nor, on a cluster, pickling and
    sending it for a short run."""
    with _blas_here(run):
        try:
            compute_nodes(out_leaves)
        except Exception as e:
            note_failed_node(e)
            raise
    return tree_map(_get_data, outputs)


def note_failed_node(e: BaseException) -> None:
    """Name in a note of ``e`` the node whose op raised it in a sequential
    run (:func:`~lazyray.graph.evaluate.compute_nodes` tags it), as a task's
    failure is named (Python >= 3.11)."""
    node = getattr(e, "lazyray_node", None)
    if node is not None and hasattr(e, "add_note"):
        e.add_note(f"(lazyray node: {describe(node)})")


#: a one-task plan estimated to run in less than this many seconds runs in
#: the calling process on every scheduler (a longer one still goes to the
#: cluster: its memory may be what the user needs)
LOCAL_BELOW = 1.0


def _as_traced(plan) -> bool:
    """Whether ``plan`` is at most one task, compiled as traced (nothing to
    run side by side, no pass to apply)."""
    return len(plan.tasks) == 0 or (len(plan.tasks) == 1 and plan.tasks[0]._optimize is False)


def _local(plan, kind: str, below: float) -> bool:
    """Whether ``plan`` runs in this thread: at most one task compiled as
    traced, on ``"sync"`` or ``"threads"`` or estimated under ``below``."""
    return (kind in ("sync", "threads") or plan.sequential < below) and _as_traced(plan)


def _blas_here(run: dict):
    """BLAS threads for a run in this thread: one task at a time."""
    return blas_limit(blas_threads_for(None, 1, run.get("blas_threads", "auto")))


def _run(plan, scheduler, values, run, progbar=False, runner_futures=None):
    from dask.diagnostics import ProgressBar

    try:
        with ProgressBar() if progbar else contextlib.nullcontext():
            return run_plan(plan, scheduler, values, runner_futures=runner_futures, **run)
    except Exception as e:
        _reraise_with_node(e, plan)
        raise


# -------------------------------------------------------------------- to_dask


def to_dask(
    outputs: Any,
    *,
    client: Any = None,
    kind: str = "delayed",
    optimize: bool | str | dict = "exact",
    **opts,
) -> Any:
    """The graph of ``outputs`` as dask objects, to compose with dask code.

    The graph is cut into compiled tasks (:func:`lazyray.partition`), one
    dask task each.  The results compose with ``dask.compute``,
    ``dask.persist``, ``client.compute`` and other dask collections.

    Parameters
    ----------
    outputs : as in :func:`compute_with_scheduler`
    client : distributed.Client, optional
        Scatter big arrays to its cluster now (each sent once) instead of
        embedding them in the graph; also sizes the cut for its threads.
    kind : {"delayed", "array"}
        ``dask.delayed.Delayed`` objects, or ``dask.array`` arrays of one
        chunk (with the static shapes and dtypes).
    optimize : bool, str or dict, optional
        As for :func:`compute_with_scheduler`.
    **opts
        Options of :func:`lazyray.partition`.

    Returns
    -------
    The dask objects, in the structure of ``outputs`` (other leaves as they are).

    Examples
    --------
    >>> import dask, lazyray, numpy as np
    >>> x = lazyray.array(np.arange(4.0))
    >>> d = to_dask({"sum": x.sum(), "sq": x * x})
    >>> dask.compute(d, scheduler="sync")[0]["sum"]
    np.float64(6.0)
    >>> to_dask(x * 2, kind="array")
    dask.array<lazyray-out, shape=(4,), dtype=float64, chunksize=(4,), chunktype=numpy.ndarray>
    """
    from dask.delayed import Delayed
    from dask.highlevelgraph import HighLevelGraph

    if kind not in ("delayed", "array"):
        raise ValueError(f"kind must be 'delayed' or 'array', not {kind!r}")
    plan = _partition(outputs, "distributed" if client else "threads", client, optimize, opts)
    values = [v._data for v in plan.inputs]
    if client is not None and values:
        values = scatter(client, values)
    name = "lazyray-" + uuid.uuid4().hex[:16]
    dsk, keys = graph(plan, name, values)
    hlg = HighLevelGraph.from_collections(name, dsk, dependencies=())
    out_leaves = []
    pytree.flatten_nodes(outputs, out_leaves, "outputs")
    objs = []
    for node, key in zip(out_leaves, keys):
        d = Delayed(key, hlg, layer=name)
        if kind == "array" and type(node._dtype) is not tuple:
            import dask.array as da

            d = da.from_delayed(d, node._shape, dtype=node._dtype, name=f"lazyray-out-{key[1]}")
        objs.append(d)
    return pytree.rebuild(plan.out_spec, iter(objs))


# ------------------------------------------------------------------ Function


def is_dask_collection_args(args) -> bool:
    """Whether call arguments hold a dask collection (then a
    :class:`ScheduledFunction` returns lazy dask arrays instead)."""
    flat = []
    pytree.flat_leaves(args, flat)
    return any(type(a).__module__.startswith("dask.") and hasattr(a, "dask") for a in flat)


class ScheduledFunction:
    """A graph ``inputs -> outputs`` cut into tasks once, called on dask.

    The plan (:func:`lazyray.partition`) is made and its tasks compiled at
    construction; a call only builds the dask graph of the plan (one entry
    per task) with the call's arrays as inputs.  With a client, the tasks'
    programs and the function's constants are scattered once per client,
    and the call's arrays once per call (an array passed again, the same
    object, is not sent again while the cluster holds it).

    Called with ``dask.array`` inputs, it runs the graph's ops on them
    instead and returns lazy dask arrays (chunked as dask decides), as a
    :class:`~lazyray.Function` does.

    Parameters
    ----------
    inputs, outputs, fold_constants, optimize
        As for :class:`~lazyray.Function`.
    scheduler : str or distributed.Client
        As for :func:`compute_with_scheduler`.
    **opts
        ``num_workers``, ``blas_threads``, ``retries``, and the options of
        :func:`lazyray.partition`.

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> x = lazyray.Variable((3,))
    >>> f = ScheduledFunction([x], {"s": lazyray.sin(x).sum(), "d": 2 * x}, "threads")
    >>> f(np.zeros(3))
    {'s': np.float64(0.0), 'd': array([0., 0., 0.])}
    """

    def __init__(
        self,
        inputs: Any,
        outputs: Any,
        scheduler: str | Any = "threads",
        *,
        fold_constants: bool = True,
        optimize: bool | str | dict = True,
        **opts,
    ):
        self.scheduler = scheduler
        self._run, opts = _split_opts(dict(opts))
        kind, client = resolve(scheduler)
        in_leaves = []
        self._in_spec = pytree.flatten_nodes(inputs, in_leaves, "inputs")
        self._in_info = [(v._shape, v._dtype) for v in in_leaves]
        if not fold_constants:
            optimize = _no_fold(optimize)
        self._serial_args = (inputs, outputs, fold_constants, optimize)
        self._serial = None
        self.plan = _partition(outputs, kind, client, optimize, opts, variables=in_leaves)
        pos = {id(v): k for k, v in enumerate(in_leaves)}
        self._sources = [pos.get(id(v), -1) for v in self.plan.inputs]
        self._consts = [v._data if pos.get(id(v)) is None else None for v in self.plan.inputs]
        for t in self.plan.tasks:
            t.function  # noqa: B018 - compile now, not at the first call
        runners(self.plan)

    def accepts(self, args) -> bool:
        """Whether a call with ``args`` runs as tasks (not on dask collections,
        which the sequential function turns into lazy dask arrays)."""
        return not is_dask_collection_args(args)

    def __call__(self, *args):
        if is_dask_collection_args(args):
            return self._serial_function()(*args)
        flat = self._flat(args)
        values = [flat[s] if s >= 0 else c for s, c in zip(self._sources, self._consts)]
        _, client = resolve(self.scheduler)
        run, futs = self._run, None
        if client is not None:  # the workers asked once per call
            run = {**run, "workers_info": workers_of(client)}
            if not _in_process(run["workers_info"]):
                futs = functools.partial(remote_runners, self.plan)
        out = _run(self.plan, self.scheduler, values, run, runner_futures=futs)
        return pytree.rebuild(self.plan.out_spec, iter(out))

    def _serial_function(self):
        if self._serial is None:
            from ..compile.function import Function

            inputs, outputs, fold, optimize = self._serial_args
            self._serial = Function(inputs, outputs, fold_constants=fold, optimize=optimize)
        return self._serial

    def _flat(self, args) -> list:
        out = _function.flat_args(self._in_spec, len(self._in_info), args)
        for i, (a, (shape, _)) in enumerate(zip(out, self._in_info)):
            got = tuple(getattr(a, "shape", ()))
            if got != shape:
                raise ValueError(f"input {i} has shape {shape}, but was given shape {got}")
        return out

    def __repr__(self) -> str:
        return f"<ScheduledFunction: {len(self.plan.tasks)} task(s) on {self.scheduler!r}>"


def _no_fold(optimize):
    """``optimize`` without the folding pass (``fold_constants=False``)."""
    if optimize is False:
        return False
    from ..passes import DEFAULT_PASSES

    kw = dict(optimize) if isinstance(optimize, dict) else {}
    if optimize == "exact":
        kw["exact"] = True
    kw["passes"] = [p for p in kw.get("passes") or DEFAULT_PASSES if p != "fold"]
    return kw


_function.SCHEDULED["dask"] = ScheduledFunction  # Function(..., scheduler=...)
