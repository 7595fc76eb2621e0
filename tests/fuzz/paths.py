"""The lazyray execution paths a program runs through.

Each :class:`Path` traces the program afresh (``"const"``: every leaf a
``lazyray.array``; ``"var"``: the leaves marked ``var`` are
``lazyray.Variable`` s, fed their data at call time) and returns the values
of the program's outputs, in order.  ``kind`` says how its values must agree
with numpy (see :mod:`.compare`):

- ``"exact"``: the path calls the same numpy functions on the same data, so
  bit-identical (``compute``, strict mode, ``shared`` (traced under
  ``shared_intermediates`` among decoys, see :func:`trace`), the unoptimized and the
  ``{"exact": True}`` Function, ``get_source`` of the unoptimized graph, a
  pickled graph, ``compute(scheduler="threads")`` with the graph cut into
  tasks run by dask, reusing the plan made for the program traced on other
  leaf values: ``threads``; with the default options, the third time its
  structure is seen, when a program of one task runs that task compiled in
  this thread: ``threads_reused``);
- ``"lowered"``: the default optimizations, whose lowering of contractions
  is documented as within 1e-12 relative (``compute(optimize=True)``,
  ``lazyray.optimize``, the default Function, its source and its pickle,
  the program as a function under ``lazyray.jit`` (``jit``), and a Function
  run as dask tasks on threads: ``threads_function``);
- ``"moved"``: the same cut run in two other processes (``processes``, and
  the Function: ``processes_function``; on a LocalCluster of 2 worker
  processes, on 1 expensive program in 10: ``distributed``): values crossing
  processes arrive as contiguous copies, which numpy may round otherwise
  (see :mod:`.compare`);
- ``"torch"``: the default Function called with torch tensors (another
  library's kernels), and with dask arrays (``dask_arrays``: dask.array's
  functions chunk by chunk, or numpy's in one task);
- ``"gpu"``: on a machine with a GPU, the default Function called with torch
  CUDA tensors (``torch_cuda``) and cupy arrays (``cupy``), compared as torch
  is, except float-to-integer casts of out-of-range values (undefined);
- ``"jax"``: the default Function called with jax arrays (jax's kernels,
  64-bit types enabled), compared as on a GPU, on 1 expensive program in 4.

``expensive`` paths (pickles, sources, jit, schedulers, torch, dask arrays, jax)
are the ones CI runs on a subset of its programs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import pickle
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import lazyray
from lazyray.compile.codegen import get_source

from .compare import LAYOUT_ROUNDED
from .program import Outcome, Program, decoy, environment, run_statements


@dataclass
class Traced:
    """A program traced on lazyray: its outcome, outputs and inputs."""

    outcome: Outcome
    outputs: list
    inputs: list
    data: list
    prog: Program | None = None


def trace(prog: Program, mode: str) -> Traced:
    """Trace ``prog`` in ``mode``: ``"const"``, ``"var"``, or ``"shared"``
    (as ``"const"``, inside one :func:`lazyray.shared_intermediates` cache in
    which each statement is preceded by its *decoy*, the same call with every
    number in it changed, on the same lazy operands: a cache key that misses
    a static argument then hands the statement the decoy's node)."""
    env = environment()
    inputs, data = [], []
    for leaf in prog.leaves:
        x = leaf.data()
        if mode == "var" and leaf.var:
            env[leaf.name] = lazyray.Variable(leaf.shape, dtype=leaf.dtype)
            inputs.append(env[leaf.name])
            data.append(x)
        else:
            env[leaf.name] = lazyray.array(x)
    if mode == "shared":
        with lazyray.shared_intermediates():
            out = run_statements(prog, "lr", env, before=_decoy(prog))
    else:
        out = run_statements(prog, "lr", env)
    outputs = [env.get(o) for o in prog.outputs] if out.error is None else []
    return Traced(out, outputs, inputs, data, prog)


def _decoy(prog: Program):
    """``before`` of :func:`run_statements`: run statement ``i``'s decoy
    (:func:`.program.decoy`) in a copy of ``env``, dropping its errors and
    results."""

    def before(i: int, env: dict) -> None:
        line = prog.stmts[i].line("lr")
        if (other := decoy(line)) != line:
            with contextlib.suppress(Exception):
                exec(other, dict(env))

    return before


def _unique(nodes) -> list:
    seen, out = set(), []
    for n in nodes:
        if id(n) not in seen:
            seen.add(id(n))
            out.append(n)
    return out


def _by_identity(nodes, unique, values) -> list:
    where = {id(n): v for n, v in zip(unique, values)}
    return [where[id(n)] for n in nodes]


# ---------------------------------------------------------------- runners


def _compute(t: Traced) -> list:
    with lazyray.strict(False):
        return list(lazyray.compute(list(t.outputs)))


def _strict(t: Traced) -> list:
    with lazyray.strict(True):
        return list(lazyray.compute(list(t.outputs)))


def _compute_opt(t: Traced) -> list:
    with lazyray.strict(False):
        return list(lazyray.compute(list(t.outputs), optimize=True))


def _optimize(t: Traced) -> list:
    opt = lazyray.optimize(list(t.outputs))
    for a, b in zip(t.outputs, opt):
        if (tuple(a.shape), str(a.dtype)) != (tuple(b.shape), str(b.dtype)):
            raise AssertionError(
                f"optimize changed a static shape/dtype: {a.shape} {a.dtype} -> {b.shape} {b.dtype}"
            )
    with lazyray.strict(False):
        return list(lazyray.compute(opt))


def _function(optimize) -> Callable:
    def run(t: Traced) -> list:
        f = lazyray.Function(t.inputs, list(t.outputs), optimize=optimize)
        return list(f(*t.data))

    return run


def _jit(t: Traced) -> list:
    """The program as a Python function of its ``var`` leaves under
    :func:`lazyray.jit`, called twice: traced and compiled, then from its
    cache; both calls must give the same bits."""
    prog = t.prog

    @lazyray.jit
    def program(*xs):
        env, given = environment(), iter(xs)
        for leaf in prog.leaves:
            env[leaf.name] = next(given) if leaf.var else lazyray.array(leaf.data())
        run_statements(prog, "lr", env)
        return [env[o] for o in prog.outputs]

    first, again = program(*t.data), program(*t.data)
    if program.cache_info().misses != 1:
        raise AssertionError(f"the second call traced again: {program.cache_info()}")
    for i, (a, b) in enumerate(zip(first, again)):
        if not _identical(a, b):
            raise AssertionError(f"output {i} differs between the two calls: {a!r} then {b!r}")
    return list(again)


def _source(t: Traced) -> list:
    unique = _unique(t.outputs)
    params: dict = {}
    exec(get_source(unique, params), params)
    res = params["graph"]()
    return _by_identity(t.outputs, unique, res if len(unique) > 1 else [res])


def _source_opt(t: Traced) -> list:
    f = lazyray.Function(t.inputs, list(t.outputs))
    params: dict = {}
    exec(f.get_source(params), params)
    res = params["graph"](*t.data)
    # the source returns one value per distinct output slot of the optimized
    # program (outputs the optimizer merged share one), a tuple when several
    slots = f._prog.out_slots
    value = dict(zip(slots, res if len(slots) > 1 else [res]))
    return [value[s] for s in f._flat_out_slots()]


def _pickle_function(t: Traced) -> list:
    """The default Function after a pickle round trip; it, and the
    unoptimized one, must give the same bits as before pickling (unless the
    graph has an op numpy rounds by operand layout: a pickled constant comes
    back contiguous; the values are still compared with numpy's)."""
    outs = list(t.outputs)
    layout = _has_op(outs, LAYOUT_ROUNDED)
    for optimize in (False, True):
        f = lazyray.Function(t.inputs, outs, optimize=optimize)
        before = f(*t.data)
        after = list(pickle.loads(pickle.dumps(f))(*t.data))
        for i, (a, b) in enumerate(zip(before, after)):
            if not layout and not _identical(a, b):
                raise AssertionError(
                    f"output {i} (optimize={optimize}) differs after a pickle round trip: "
                    f"{a!r} then {b!r}"
                )
    return after


def _has_op(outputs, ops) -> bool:
    """Whether a node of the graph behind ``outputs`` is one of ``ops``."""
    seen, stack = set(), [o for o in outputs if isinstance(o, lazyray.LazyArray)]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            if node.fn_name in ops:
                return True
            stack.extend(node.deps)
    return False


def _identical(a, b) -> bool:
    from .compare import same_bits

    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and same_bits(a, b)


def _pickle_graph(t: Traced) -> list:
    outs = pickle.loads(pickle.dumps(list(t.outputs)))
    with lazyray.strict(False):
        return list(lazyray.compute(outs))


def _torch(t: Traced, device: str = "cpu") -> list:
    import torch

    f = lazyray.Function(t.inputs, list(t.outputs))
    return list(f(*[torch.from_numpy(x).to(device) for x in t.data]))


def _torch_cuda(t: Traced) -> list:
    return _torch(t, "cuda")


#: a plan cut into every task the cost model can find (two workers, no
#: per-task overhead), whatever the gain: the cut, the task programs and the
#: values passed between tasks are what these paths check
SCHEDULER_OPTIONS = {"workers": 2, "overhead": 0.0, "split": True}


def _threads(t: Traced) -> list:
    with lazyray.strict(False):
        _plan_on_other_values(t.prog)
        return list(lazyray.compute(list(t.outputs), scheduler="threads", **SCHEDULER_OPTIONS))


def _threads_reused(t: Traced) -> list:
    # default options: a small program is one task, run as traced the first
    # time its structure is seen, compiled the second, reused the third
    with lazyray.strict(False):
        for _ in range(2):
            _plan_on_other_values(t.prog, {})
        return list(lazyray.compute(list(t.outputs), scheduler="threads"))


def _plan_on_other_values(prog: Program, options: dict = SCHEDULER_OPTIONS) -> None:
    """Compute ``prog`` traced on other leaf values (each array leaf rolled
    by one) on threads with ``options``: the plan kept for its structure is
    the one the ``threads`` path then reuses, and must read the new leaves'
    values (:mod:`lazyray.execute.plan_cache`)."""
    env = environment()
    for leaf in prog.leaves:
        x = leaf.data()
        env[leaf.name] = lazyray.array(np.roll(x, 1) if np.size(x) > 1 else x)
    if run_statements(prog, "lr", env).error is None:
        with contextlib.suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outs = [env[o] for o in prog.outputs]
            lazyray.compute(outs, scheduler="threads", **options)


def _threads_function(t: Traced) -> list:
    f = lazyray.Function(
        t.inputs, list(t.outputs), scheduler="threads", scheduler_options=SCHEDULER_OPTIONS
    )
    return list(f(*t.data))


#: the process pool of the ``processes`` paths, started at their first use
#: (dask starts one per call otherwise: about 0.7 s a program)
_POOL: list = []


@contextlib.contextmanager
def _process_pool():
    import concurrent.futures
    import multiprocessing
    import multiprocessing.util

    import dask

    if not _POOL:
        ctx = multiprocessing.get_context("spawn")
        pool = concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx)
        # a fuzz worker process ends with os._exit, which skips the pool's
        # own clean-up: multiprocessing's exit hook ends it
        multiprocessing.util.Finalize(None, _end_pool, (pool,), exitpriority=10)
        _POOL.append(pool)
    with dask.config.set(pool=_POOL[0]):
        yield


def _end_pool(pool) -> None:
    """End ``pool``'s processes (a waiting ``shutdown`` hangs in an exit hook)."""
    procs = list(pool._processes.values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()
        proc.join()


def _processes(t: Traced) -> list:
    with lazyray.strict(False), _process_pool():
        outs, opts = list(t.outputs), SCHEDULER_OPTIONS
        return list(lazyray.compute(outs, scheduler="processes", local_below=0, **opts))


def _processes_function(t: Traced) -> list:
    f = lazyray.Function(
        t.inputs, list(t.outputs), scheduler="processes", scheduler_options=SCHEDULER_OPTIONS
    )
    with _process_pool():
        return list(f(*t.data))


#: the client of the ``distributed`` path's LocalCluster, started at its first use
_CLIENT: list = []


def _cluster_client():
    import multiprocessing.util

    from distributed import Client, LocalCluster

    if not _CLIENT:
        # (2 worker processes of 1 thread, no memory limit, quiet)
        opts = {"threads_per_worker": 1, "memory_limit": 0, "silence_logs": 50}
        cluster = LocalCluster(2, dashboard_address=":0", **opts)
        client = Client(cluster)
        multiprocessing.util.Finalize(None, _end_cluster, (client, cluster), exitpriority=10)
        _CLIENT.append(client)
    return _CLIENT[0]


def _end_cluster(client, cluster) -> None:
    with contextlib.suppress(Exception):
        client.close()
        cluster.close()


def _distributed(t: Traced) -> list:
    """The cut of ``threads`` on a LocalCluster of 2 worker processes, every
    array leaf scattered (``scatter_min=0``), the tasks placed by lazyray,
    the cheap last tasks run here."""
    with lazyray.strict(False):
        outs, opts = list(t.outputs), SCHEDULER_OPTIONS
        client = _cluster_client()
        return list(lazyray.compute(outs, scheduler=client, local_below=0, scatter_min=0, **opts))


def _dask_arrays(t: Traced) -> list:
    """The default Function called with dask arrays of chunks of 2 along
    every axis: lazy dask arrays, computed by dask's synchronous scheduler."""
    import dask
    import dask.array as da

    f = lazyray.Function(t.inputs, list(t.outputs))
    got = f(*[da.from_array(x, chunks=2) for x in t.data])
    return list(dask.compute(got, scheduler="sync")[0])


def _jax(t: Traced) -> list:
    """The default Function called with jax arrays (64-bit types enabled,
    as numpy's dtypes need)."""
    import jax

    with jax.enable_x64(True):
        f = lazyray.Function(t.inputs, list(t.outputs))
        return list(f(*[jax.numpy.asarray(x) for x in t.data]))


def _cupy(t: Traced) -> list:
    import cupy

    f = lazyray.Function(t.inputs, list(t.outputs))
    return list(f(*[cupy.asarray(x) for x in t.data]))


@dataclass(frozen=True)
class Path:
    """One execution path (see the module docstring)."""

    name: str
    kind: str
    mode: str
    run: Callable
    expensive: bool = False
    needs_inputs: bool = False
    #: run on 1 expensive program in ``every`` (a path that costs much more)
    every: int = 1


PATHS = {
    p.name: p
    for p in [
        Path("compute", "exact", "const", _compute),
        Path("strict", "exact", "const", _strict),
        Path("shared", "exact", "shared", _compute),
        Path("compute_opt", "lowered", "const", _compute_opt),
        Path("optimize", "lowered", "const", _optimize),
        Path("function", "lowered", "var", _function(True)),
        Path("function_noopt", "exact", "var", _function(False)),
        Path("function_exact", "exact", "var", _function({"exact": True})),
        Path("jit", "lowered", "var", _jit, expensive=True),
        Path("source", "exact", "const", _source, expensive=True),
        Path("source_opt", "lowered", "var", _source_opt, expensive=True),
        Path("pickle_function", "lowered", "var", _pickle_function, expensive=True),
        Path("pickle_graph", "exact", "const", _pickle_graph, expensive=True),
        Path("threads", "exact", "const", _threads, expensive=True),
        Path("threads_reused", "exact", "const", _threads_reused, expensive=True),
        Path("threads_function", "lowered", "var", _threads_function, expensive=True),
        Path("processes", "moved", "const", _processes, expensive=True),
        Path("processes_function", "moved", "var", _processes_function, expensive=True),
        Path("distributed", "moved", "const", _distributed, expensive=True, every=10),
        Path("torch", "torch", "var", _torch, expensive=True, needs_inputs=True),
        Path("dask_arrays", "torch", "var", _dask_arrays, expensive=True, needs_inputs=True),
        # (jax compiles each new op signature: ~0.2 s a program)
        Path("jax", "jax", "var", _jax, expensive=True, needs_inputs=True, every=4),
        # on a GPU: another library's kernels, compared as torch's are
        Path("torch_cuda", "gpu", "var", _torch_cuda, expensive=True, needs_inputs=True),
        Path("cupy", "gpu", "var", _cupy, expensive=True, needs_inputs=True),
    ]
}


def _usable(library: str, gpu: bool = False) -> bool:
    """Whether ``library`` is installed (and, with ``gpu``, sees a GPU)."""
    if importlib.util.find_spec(library) is None:
        return False
    if not gpu:
        return True
    try:
        if library == "torch":
            import torch

            return torch.cuda.is_available()
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no driver, no device
        return False


def available_paths() -> list:
    """Names of the paths that can run here (torch only when installed, the
    GPU paths only with a GPU)."""
    usable = {
        "torch": _usable("torch"),
        "jax": _usable("jax"),
        "torch_cuda": _usable("torch", gpu=True),
        "cupy": _usable("cupy", gpu=True),
    }
    return [n for n in PATHS if usable.get(n, True)]
