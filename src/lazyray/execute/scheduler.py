"""The engine that runs a :class:`~lazyray.execute.partitioning.Plan` on dask's schedulers.

Each task of the plan becomes one task of a dask graph (the legacy dict
spec, which every dask scheduler accepts): a :class:`TaskRunner` called on
the tuples of the tasks it needs and on the plan's input keys, returning the
tuple of its outputs.  :func:`run_plan` resolves the scheduler, sends big
inputs to a cluster once and places the tasks there (a cheap last task
excepted, run here: :mod:`lazyray.execute.cluster`), limits BLAS threads
while tasks run side by side (:mod:`lazyray.execute.blas`) and runs the
graph.  To other processes a task's program travels pickled once
(:class:`Packed`, :func:`dumps`), and the arrays a task receives from
another process are realigned (:func:`aligned`) so that numpy rounds as in
the sequential run.

Threads and BLAS
----------------
A multithreaded BLAS called from several tasks at once oversubscribes the
cores (2 tasks x 2 BLAS threads on 2 cores run slower than either alone).
``blas_threads="auto"`` (the default) therefore gives each task
``max(1, cores // concurrent)`` BLAS threads while ``concurrent > 1`` tasks
can run at once (``concurrent``: the workers, at most the plan's width):

* ``"threads"``, and a ``distributed`` cluster whose workers live in this
  process (``LocalCluster(processes=False)``): the BLAS of this process is
  limited with :mod:`threadpoolctl` for the duration of the run, then
  restored (a limit is process-wide: it cannot differ between threads);
* ``"processes"``: each worker process sets it once when it starts;
* a ``distributed`` cluster of worker processes: left to dask, whose nannies
  already start workers with ``OMP/MKL/OPENBLAS_NUM_THREADS=1``;
* ``"sync"`` or a one-task plan: BLAS is left as it is (it has the cores).

An int fixes the count; ``None`` leaves BLAS alone.  Every task makes the
calls the sequential run makes, on the same values, so results are equal bit
for bit **given the same number of BLAS threads**: OpenBLAS may round a large
``gemm`` or ``dot`` differently with another thread count, so compare with a
sequential run under the same limit (``threadpoolctl.threadpool_limits(1,
"blas")``), or pass ``blas_threads=None``.
"""

from __future__ import annotations

import functools
import math
import operator
import uuid

import numpy as np

from ..compile.tape import paused_gc, run
from .blas import _init_blas, blas_limit, blas_threads_for, width  # noqa: F401 - part of this API
from .cluster import _SCATTERED, _forget, here_tasks, scatter  # noqa: F401 - part of this API

__all__ = [
    "TaskRunner",
    "Packed",
    "dumps",
    "remote_runners",
    "run_plan",
    "resolve",
    "blas_threads_for",
    "scatter",
    "graph",
    "task_keys",
    "aligned",
]

_KINDS = {
    "threads": "threads",
    "threading": "threads",
    "sync": "sync",
    "synchronous": "sync",
    "single-threaded": "sync",
    "processes": "processes",
    "multiprocessing": "processes",
}


def resolve(scheduler) -> tuple:
    """``(kind, client)`` of a scheduler given as dask names them.

    >>> resolve("threading"), resolve("sync")
    (('threads', None), ('sync', None))
    """
    if isinstance(scheduler, str):
        if scheduler in _KINDS:
            return _KINDS[scheduler], None
        if scheduler in ("distributed", "dask.distributed"):
            from distributed import get_client

            return "distributed", get_client()
        raise ValueError(
            f"unknown scheduler {scheduler!r}: use 'threads', 'sync', 'processes', "
            "'distributed' (the current client) or a distributed.Client"
        )
    if hasattr(scheduler, "scatter") and hasattr(scheduler, "get"):
        return "distributed", scheduler
    raise TypeError(
        f"scheduler must be a name or a distributed.Client, not {type(scheduler).__name__}"
    )


# ------------------------------------------------------------------ tasks


class TaskRunner:
    """The callable of one dask task: runs a task's compiled program.

    Called with the tuples of the tasks it needs and the plan's input values
    (in :attr:`keys` order), it picks its inputs, replays the program and
    returns the tuple of the task's outputs.  An exception gets a note naming
    the op that raised it and the task, and the attributes
    ``lazyray_task`` / ``lazyray_op`` (the op's position in the task).
    """

    __slots__ = ("_function", "_task", "picks", "index", "keys")

    def __init__(self, function, picks, index, keys, task=None):
        self._function = function
        self._task = task
        self.picks = picks
        self.index = index
        self.keys = keys

    @property
    def function(self):
        """The task's compiled :class:`~lazyray.Function`: given, or compiled
        from the plan's task at the first call (in the thread that runs it,
        not in the one that submits the plan)."""
        fn = self._function
        if fn is None:  # compiled here, in the thread that runs the task
            fn = self._function = self._task.function
        return fn

    def __call__(self, *args):
        flat = [aligned(args[a] if j is None else args[a][j]) for a, j in self.picks]
        prog = self.function._prog
        r = prog.registers(flat)
        try:
            run(prog.tape, r)
        except Exception as e:
            r = None
            _annotate(e, prog, flat, self.index)
            raise
        return tuple([r[s] for s in prog.out_slots])

    def __reduce__(self):
        return (TaskRunner, (self.function, self.picks, self.index, self.keys))


def aligned(x):
    """``x``, or an aligned copy of a numpy array that is not aligned.

    Arrays received from another process may be unpickled in place from
    a message at any address; numpy then takes its unaligned loops (and no
    BLAS), which round sums differently (a view arrives contiguous: see
    :func:`~lazyray.execute.todask.compute_with_scheduler`).
    """
    if type(x) is np.ndarray and not x.flags.aligned:
        return np.array(x)
    return x


def _annotate(e, prog, flat, index):
    """Find the failing op by replaying the task one instruction at a time
    (ops are deterministic), and note it on the exception."""
    k, op = _locate(prog, flat)
    n_ops = sum(1 for o in prog.ops if o is not None)
    where = f"op {k} of {n_ops}" if k is not None else f"one of its {n_ops} ops"
    what = f"op {str(op)!r}" if op is not None else "an op"
    e.lazyray_task = index
    e.lazyray_op = k
    if hasattr(e, "add_note"):
        e.add_note(f"(raised by {what} in lazyray task {index}, {where})")


def _locate(prog, flat):
    r = prog.registers(flat)
    k = 0
    for ins, op in zip(prog.tape, prog.ops):
        try:
            run([ins], r)
        except Exception:
            return k, op
        if op is not None:
            k += 1
    return None, None


def _runner(task):
    """The :class:`TaskRunner` of a plan task; its function is compiled when
    it is first called or pickled (then cached on the task)."""
    fn = task._fn
    deps = list(task.deps)
    dep_pos = {t: a for a, t in enumerate(deps)}
    ins = sorted({r[1] for r in task.inputs if r[0] == "i"})
    in_pos = {k: len(deps) + a for a, k in enumerate(ins)}
    picks = tuple(
        (dep_pos[r[1]], r[2]) if r[0] == "t" else (in_pos[r[1]], None) for r in task.inputs
    )
    keys = tuple([("t", t) for t in deps] + [("i", k) for k in ins])
    return TaskRunner(fn, picks, task.index, keys, None if fn is not None else task)


def runners(plan) -> list:
    """The runners of a plan's tasks (built once per plan)."""
    got = getattr(plan, "_runners", None)
    if got is None:
        got = plan._runners = [_runner(t) for t in plan.tasks]
    return got


class Packed:
    """A :class:`TaskRunner` pickled once, to send to other processes.

    A task's program can be big (one instruction per op); sent as it is, it
    would be pickled and unpickled again by dask's scheduler, and once per
    task.  Packed, it travels as bytes and each process unpickles it once
    (the last :data:`KEEP` are kept, by token).
    """

    __slots__ = ("token", "blob")

    def __init__(self, token: str, blob: bytes):
        self.token = token
        self.blob = blob

    def __call__(self, *args):
        runner = _UNPACKED.get(self.token)
        if runner is None:
            import pickle

            with paused_gc():  # a long tape is many acyclic tuples
                runner = pickle.loads(self.blob)
            _UNPACKED[self.token] = runner
            while len(_UNPACKED) > KEEP:
                _UNPACKED.pop(next(iter(_UNPACKED)), None)
        return runner(*args)

    def __reduce__(self):
        return (Packed, (self.token, self.blob))


#: unpickled runners kept per process
KEEP = 64
_UNPACKED: dict = {}


def packed(plan) -> list:
    """The plan's runners as :class:`Packed` (built once per plan)."""
    got = getattr(plan, "_packed", None)
    if got is None:
        token = uuid.uuid4().hex
        got = plan._packed = [Packed(f"{token}-{t}", dumps(r)) for t, r in enumerate(runners(plan))]
    return got


def remote_runners(plan, client) -> list:
    """Futures of the plan's :func:`packed` runners on ``client``'s
    cluster: sent once to every worker (a run then sends only the futures'
    keys, not the programs and their constants), and again when the cluster
    lost them; none for a plan of no task (all of it folded)."""
    if not plan.tasks:
        return []
    got = getattr(plan, "_remote", None)
    if got is None or got[0] is not client or any(f.status != "finished" for f in got[1]):
        got = plan._remote = (client, client.scatter(packed(plan), hash=False, broadcast=True))
    return got[1]


def dumps(obj) -> bytes:
    """``obj`` pickled as dask pickles tasks: by :mod:`pickle` (about twice
    as fast), or by ``cloudpickle`` when that fails or refers to
    ``__main__`` (user ops defined in a script or a notebook, which the
    workers cannot import).

    >>> import pickle
    >>> pickle.loads(dumps(len))([1, 2])
    2
    """
    import pickle

    try:
        blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # a local function, a lambda ...: pickled by value
        blob = None
    if blob is None or b"__main__" in blob:
        import cloudpickle  # a dependency of dask

        blob = cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return blob


def task_keys(plan, name: str) -> list:
    """The dask key of each task of ``plan`` in a run named ``name``
    (``"lazyray-<token>"``): ``("lazyray_c<b>-<token>", t)``, ``b`` the
    base-2 logarithm of the task's estimated microseconds.

    distributed learns task durations per key prefix, for its occupancy
    estimates and work stealing; one prefix for every lazyray task would
    average heavy tasks with tiny ones.  Tasks of similar estimated cost
    share a prefix instead (at most a few dozen prefixes in all).

    >>> class T:
    ...     cost = 0.0066
    >>> class P:
    ...     tasks = [T()]
    >>> task_keys(P(), "lazyray-abc")
    [('lazyray_c13-abc', 0)]
    """
    head, _, tail = name.partition("-")
    bits = [max(0, round(math.log2(max(task.cost, 1e-6) * 1e6))) for task in plan.tasks]
    return [(f"{head}_c{b}-{tail}", t) for t, b in enumerate(bits)]


def graph(
    plan, name: str, values, runner_objs=None, outputs: bool = True, inline: bool = False
) -> tuple:
    """The dask graph (a dict) of ``plan`` with input values ``values``
    (arrays or futures); returns it and the key of each flat output (with
    ``outputs=False``, neither the outputs' keys nor their tasks).

    ``inline=True`` (a run in this process; needs ``outputs=False``): tasks
    hold the input values, not keys of them, so dask orders and tracks the
    tasks alone (0.5 ms less per run for 48 inputs and 6 tasks)."""
    if inline and outputs:
        raise ValueError("graph: inline=True needs outputs=False")
    in_key = [(name + "-in", k) for k in range(len(plan.inputs))]
    dsk = {} if inline else dict(zip(in_key, values))
    at = values if inline else in_key
    rs = runners(plan)
    objs = rs if runner_objs is None else runner_objs
    tkey = task_keys(plan, name)
    for t, runner in enumerate(rs):
        args = [tkey[a] if kind == "t" else at[a] for kind, a in runner.keys]
        obj = objs[t]  # a runner, a packed one, or a future of one
        dsk[tkey[t]] = (obj, *args) if callable(obj) else (_call, obj, *args)
    out_keys = []
    for k, ref in enumerate(plan.out_refs if outputs else ()):
        if ref[0] == "i":
            out_keys.append(in_key[ref[1]])
            continue
        key = (name + "-out", k)
        dsk[key] = (operator.getitem, tkey[ref[1]], ref[2]) if ref[0] == "t" else (_const, ref[1])
        out_keys.append(key)
    return dsk, out_keys


def fetch_plan(plan, name: str, values, dsk: dict, here=()) -> tuple:
    """How to get each flat output of a run of ``plan``: the keys to fetch,
    and per output ``(i, j)`` (item ``j`` of fetched value ``i``; ``j`` None
    for the value itself) or ``(None, value)`` (known here: inputs and
    constants).  Tasks read by no other task are fetched whole (their
    outputs are all outputs of the plan): no extra task to pick items; the
    items of others are picked by tasks added to ``dsk``.

    ``here``: tasks run in this process after the fetch (:func:`run_here`),
    removed from ``dsk``; the tasks they read come first among the keys (in
    increasing order), and value ``len(keys) + h`` is the tuple of outputs
    of ``here[h]``."""
    tkey = task_keys(plan, name)
    read = {r[1] for t in plan.tasks if t.index not in here for r in t.inputs if r[0] == "t"}
    keys = [tkey[d] for d in sorted({d for t in here for d in plan.tasks[t].deps})]
    at = {key: i for i, key in enumerate(keys)}
    ran = {t: h for h, t in enumerate(here)}
    how = []
    for t in here:
        del dsk[tkey[t]]
    for k, ref in enumerate(plan.out_refs):
        if ref[0] != "t":  # an input, or a value
            how.append((None, values[ref[1]] if ref[0] == "i" else ref[1]))
            continue
        if ref[1] in ran:  # appended after the fetched values: placed below
            how.append((-1 - ran[ref[1]], ref[2]))
            continue
        whole = ref[1] not in read
        key = tkey[ref[1]] if whole else (name + "-out", k)
        if not whole:
            dsk[key] = (operator.getitem, tkey[ref[1]], ref[2])
        if key not in at:
            at[key] = len(keys)
            keys.append(key)
        how.append((at[key], ref[2] if whole else None))
    n = len(keys)
    return keys, [(n - 1 - i, v) if i is not None and i < 0 else (i, v) for i, v in how]


def run_here(plan, here, got: list, values) -> list:
    """``got`` (the values fetched for :func:`fetch_plan`'s keys) followed
    by the output tuple of each task of ``here``, run in this thread on
    the outputs of the tasks it reads (fetched first) and the input
    ``values``."""
    deps = sorted({d for t in here for d in plan.tasks[t].deps})
    of = dict(zip(deps, got))
    out = list(got)
    rs = runners(plan)
    for t in here:
        args = [of[a] if kind == "t" else values[a] for kind, a in rs[t].keys]
        out.append(rs[t](*args))
    return out


def _assemble(got, how) -> list:
    return [v if i is None else got[i] if v is None else got[i][v] for i, v in how]


def _call(runner, *args):
    return runner(*args)


def _const(x):
    return x


def _in_process(workers: dict | None) -> bool:
    """Whether every worker of a cluster (:func:`.cluster.workers_of`) lives
    in this process."""
    return bool(workers) and all(str(a).startswith("inproc://") for a in workers)


# --------------------------------------------------------------------- run


def run_plan(
    plan,
    scheduler,
    values,
    *,
    num_workers=None,
    blas_threads="auto",
    retries: int = 2,
    runner_futures=None,
    workers_info: dict | None = None,
) -> list:
    """Run ``plan`` on ``scheduler`` with the plan's input ``values``;
    returns the flat outputs (see :attr:`Plan.out_refs`).  ``workers_info``:
    a cluster's workers, if the caller already asked
    (:func:`.cluster.workers_of`); else asked once here."""
    kind, client = resolve(scheduler)
    workers = num_workers or plan.workers
    n_blas = blas_threads_for(plan, workers, blas_threads)
    name = "lazyray-" + uuid.uuid4().hex[:16]
    if kind == "sync":
        from dask.local import get_sync

        dsk, _ = graph(plan, name, values, None, False, inline=True)
        keys, how = fetch_plan(plan, name, values, dsk)
        return _assemble(get_sync(dsk, keys), how)
    if kind != "distributed":
        # the cheap last tasks run here, as on a cluster: a round trip less
        here = here_tasks(plan)
        objs = packed(plan) if kind == "processes" else None
        dsk, _ = graph(plan, name, values, objs, False, inline=kind == "threads")
        keys, how = fetch_plan(plan, name, values, dsk, here)
        if kind == "threads":
            from dask.threaded import get

            with blas_limit(n_blas):
                got = get(dsk, keys, num_workers=num_workers)
                return _assemble(run_here(plan, here, got, values), how)
        from dask.multiprocessing import get

        init = functools.partial(_init_blas, n_blas) if n_blas else None
        got = get(dsk, keys, num_workers=num_workers, initializer=init)
        return [aligned(v) for v in _assemble(run_here(plan, here, got, values), how)]
    # worker processes have their own BLAS (set up by dask's nannies)
    from .cluster import annotated, assign, holders, worker_slots, workers_of

    info = workers_info if workers_info is not None else workers_of(client)
    local = _in_process(info)
    here = () if local else here_tasks(plan)
    for attempt in range(retries + 1):
        futs = scatter(client, list(values)) if values else []
        if local:
            objs = None
        elif runner_futures is not None:
            objs = runner_futures(client)
        else:
            objs = packed(plan)
        run = f"{name}-{attempt}"
        dsk, _ = graph(plan, run, futs, objs, False)
        keys, how = fetch_plan(plan, run, values, dsk, here)
        if len(plan.tasks) > 1:  # placement hints (lazyray.execute.cluster)
            slots = worker_slots(info)
            if len(slots) > 1:
                where = assign(plan, slots, held=holders(client, futs) if futs else None)
                dsk = annotated(dsk, task_keys(plan, run), where)
        try:
            with blas_limit(n_blas if local else None):
                got = run_here(plan, here, client.get(dsk, keys), values)
                return [aligned(v) for v in _assemble(got, how)]
        except Exception:
            # scattered data lost with a worker cannot be recomputed by
            # dask: send it again and resubmit (tasks are retried by dask)
            lost = _forget(client, futs)
            info = workers_of(client, 0)  # (the cluster may have changed)
            if objs is not None and not callable(objs[0]):
                lost = _forget(client, objs) or lost
            if not lost or attempt == retries:
                raise
    raise AssertionError("unreachable")  # pragma: no cover
