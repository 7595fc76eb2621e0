"""``python -m bench.parallel_bench``: lazyray on dask's schedulers.

Each workload is written once against ``autoray.do`` and run, in the same
process and the same run, by:

* ``sequential``: ``lazyray.compute`` (one thread, today's default);
* ``threads``: ``lazyray.compute(..., scheduler="threads")`` (the graph cut
  into compiled tasks run by dask's threaded scheduler); in the default-BLAS
  mode also ``threads, BLAS as is`` (``blas_threads=None``: tasks and BLAS
  threads share the cores, the oversubscription the default policy avoids);
* ``LocalCluster``: the same on a ``distributed.LocalCluster`` of 2 worker
  processes (1 thread each);
* ``dask.array``: the same code on ``dask.array`` inputs (one chunk each),
  computed on the same cluster.

Workloads: 8 independent chains of 1500x1500 matmuls (3 per chain), two
cotengra contractions sliced into 32 slices summed in order (slices of ~2 ms
and, "larger", of ~3.5 ms with BLAS=1 on the 2-CPU VM), and modified
Gram-Schmidt on 100x100 (~15k ops after the passes: the fine-grained case).
The heavy workloads run twice: with BLAS limited to one thread in this
process (``threadpoolctl``; the workers of a cluster always run one BLAS
thread, as dask's nannies set it) so that the ratio is lazyray's
parallelism, and with the default BLAS.  Every result is compared bit for
bit with the sequential run of the same mode; dask.array's by its largest
relative difference.

With BLAS=1, a last row measures dask's own floor on the same cluster
(:func:`dask_floor`): the sequential run's time split into one busy-loop
task per worker, submitted and gathered with no lazyray code, so that
sequential / floor is the most a LocalCluster run can gain on this machine.

Timings are medians over interleaved repeats (the order rotated every
round; at least 15 for the cotengra contraction, whose 60 ms runs on 2 shared
cores are noisy, and 9 for Gram-Schmidt, whose one-task plan is compiled at
its second run), trace included (it is the same code for every implementation).
Where there are at least 6 repeats, a round runs each implementation 3
times in a row (:data:`BLOCK`), as a user who picked one runs it: on this
2-CPU VM, a threads run that directly follows a one-thread run often has
both of its threads on one CPU for a while (the 32-slice contraction:
35-58 ms against 30-42 ms after another threads run; ``sched_getcpu`` in
the tasks shows the two threads on the same CPU in the slow runs).
lazyray sends an input array to a cluster once (a repeat reuses it);
dask.array embeds its inputs in every graph.  Options: ``--quick`` (small
sizes, one repeat), ``--repeats N``, ``--no-dask-gs`` (skip dask.array on
Gram-Schmidt, ~1 min), ``--only KEYS`` (comma-separated: ``matmul``,
``cotengra``, ``cotengra-larger``, ``gram_schmidt``), ``--out PATH`` (default
``bench/parallel_results.md`` and ``.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from functools import reduce

import numpy as np
from autoray import do

HERE = os.path.dirname(os.path.abspath(__file__))
BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "LAZYRAY_STRICT")


# ---------------------------------------------------------------- workloads


def matmul_chains(xs, depth):
    """``len(xs) - 1`` independent chains ``tanh(y @ b) ...`` (b = xs[-1])."""
    b = xs[-1]
    outs = []
    for a in xs[:-1]:
        y = a
        for _ in range(depth):
            y = do("tanh", y @ b)
        outs.append(do("sum", y))
    return outs


class Sliced:
    """A cotengra contraction tree sliced into ``nslices`` slices, summed in order."""

    def __init__(self, n, reg, seed):
        import cotengra as ctg

        inputs, output, _, size = ctg.utils.rand_equation(n, reg, d_min=2, d_max=2, seed=seed)
        # greedy path and seeded slicing: the same tree at every run
        tree = ctg.array_contract_tree(inputs, output, size, optimize="greedy")
        self.tree = tree.slice(target_slices=32, seed=0)
        rng = np.random.default_rng(seed)
        self.arrays = [rng.normal(size=tuple(size[i] for i in t)) / 1.5 for t in inputs]

    def __call__(self, xs):
        tree = self.tree
        return reduce(lambda a, b: a + b, (tree.contract_slice(xs, i) for i in range(tree.nslices)))


def workloads(quick: bool):
    from lazyray.examples import gram_schmidt

    rng = np.random.default_rng(0)
    size, depth = (600, 2) if quick else (1500, 3)
    mats = [rng.normal(size=(size, size)) / size**0.5 for _ in range(9)]
    sliced = Sliced(50, 4, 3) if quick else Sliced(48, 4, 5)
    # the "slices of a few ms": ~3.5 ms each here (the one above: ~2 ms)
    larger = Sliced(48, 4, 2) if quick else Sliced(54, 4, 3)
    n = 30 if quick else 100
    return [
        (
            "matmul",
            f"8 chains of {depth} {size}x{size} matmuls",
            mats,
            lambda xs: matmul_chains(xs, depth),
            True,
        ),
        (
            "cotengra",
            f"cotengra contraction, {sliced.tree.nslices} slices",
            sliced.arrays,
            sliced,
            True,
        ),
        (
            "cotengra-larger",
            f"cotengra contraction, {larger.tree.nslices} larger slices",
            larger.arrays,
            larger,
            True,
        ),
        (
            "gram_schmidt",
            f"Gram-Schmidt N={n}",
            [rng.normal(size=(n, n))],
            lambda xs: gram_schmidt(xs[0]),
            False,
        ),
    ]


# ------------------------------------------------------------ implementations


def lazy_inputs(arrays):
    import lazyray

    return [lazyray.array(a) for a in arrays]


def timed(trace, run, keep=None):
    """An implementation: ``(f, xs) -> (trace seconds, run seconds, result)``;
    ``keep`` (a list) receives the traced outputs."""

    def impl(f, xs):
        t0 = time.perf_counter()
        outs = trace(f, xs)
        t1 = time.perf_counter()
        if keep is not None:
            keep[:] = [outs]
        result = run(outs)
        return t1 - t0, time.perf_counter() - t1, result

    return impl


#: the last outputs traced by dask.array (for its task count)
DASK_TRACED: list = []


def impls(client, default_blas: bool, dask_ok: bool):
    import dask.array as da

    import lazyray
    from lazyray.execute.todask import compute_with_scheduler

    def lz(f, xs):
        return f(lazy_inputs(xs))

    out = {
        "sequential": timed(lz, lazyray.compute),
        "threads": timed(lz, lambda o: compute_with_scheduler(o, "threads")),
    }
    if default_blas:
        out["threads, BLAS as is"] = timed(
            lz, lambda o: compute_with_scheduler(o, "threads", blas_threads=None)
        )
    out["LocalCluster"] = timed(lz, lambda o: compute_with_scheduler(o, client))
    if dask_ok:
        out["dask.array"] = timed(
            lambda f, xs: f([da.from_array(a, chunks=a.shape) for a in xs]),
            lambda o: client.compute(o, sync=True),
            DASK_TRACED,
        )
    return out


def n_tasks(f, xs, client, scheduler):
    from lazyray.execute.partitioning import partition

    plan = partition(f(lazy_inputs(xs)), scheduler=scheduler, optimize="exact")
    return len(plan.tasks)


def dask_tasks(outs):
    """Tasks of the (optimized) dask graph of ``outs`` that the cluster runs."""
    import dask

    outs = outs if isinstance(outs, list) else [outs]
    to_expr = getattr(dask.base, "collections_to_expr", None)
    if to_expr is not None:
        return len(to_expr(outs).__dask_graph__())
    return len(dask.base.collections_to_dsk(outs))  # older dask


def compare(a, b) -> str:
    fa = [np.asarray(v) for v in (a if isinstance(a, list) else [a])]
    fb = [np.asarray(v) for v in (b if isinstance(b, list) else [b])]
    if all(np.array_equal(x, y) for x, y in zip(fa, fb)):
        return "identical"
    rel = max(
        float(np.max(np.abs(x - y)) / max(float(np.max(np.abs(x))), 1e-300)) for x, y in zip(fa, fb)
    )
    return f"max rel diff {rel:.1e}"


# ---------------------------------------------------------------------- main


#: runs of an implementation in a row, per round (with at least two rounds)
BLOCK = 3

#: the row of :func:`dask_floor` (BLAS=1 rows: its trace is the sequential one)
FLOOR = "LocalCluster floor (dask alone, busy tasks)"


def measure(name, f, xs, runs, repeats, blas1, reference=None):
    from threadpoolctl import threadpool_limits

    limit = (lambda: threadpool_limits(1, "blas")) if blas1 else contextlib.nullcontext
    times = {k: [] for k in runs}
    results = {}
    order = list(runs)
    block = BLOCK if repeats >= 2 * BLOCK else 1
    for rnd in range(-(-repeats // block)):
        for k in order[rnd % len(order) :] + order[: rnd % len(order)]:
            for _ in range(min(block, repeats - rnd * block)):
                with limit():
                    t_trace, t_run, r = runs[k](f, xs)
                times[k].append((t_trace, t_run))
                results.setdefault(k, r)
                print(
                    f"  {name} [{'BLAS=1' if blas1 else 'default BLAS'}] {k}: trace "
                    f"{t_trace:.3f} s, run {t_run:.3f} s",
                    flush=True,
                )
    med = {
        k: (statistics.median(t for t, _ in v), statistics.median(r for _, r in v))
        for k, v in times.items()
    }
    ref = results["sequential"] if reference is None else reference
    checks = {k: compare(results[k], ref) for k in runs if k != "sequential"}
    return med, times, checks, ref


def busy(seconds: float) -> float:
    """Keep one CPU busy for ``seconds`` (holding the GIL: a worker process's)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass
    return seconds


def dask_floor(client, seconds: float, repeats: int) -> list:
    """dask's own cost of a parallel run on ``client``, without lazyray: one
    busy task of ``seconds`` / workers per worker, submitted and gathered;
    the time of each of ``repeats`` runs.  ``seconds`` / that time is the
    best speed-up any library handing the cluster that much work can get."""
    workers = list(client.scheduler_info()["workers"])
    share = seconds / len(workers)
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        client.gather([client.submit(busy, share, pure=False, workers=[w]) for w in workers])
        out.append(time.perf_counter() - t0)
    return out


def warm_up(client):
    """First calls out of the timings: imports on the workers, dask's pools."""
    import dask.array as da

    import lazyray
    from lazyray.execute.todask import compute_with_scheduler

    x = lazyray.array(np.ones((4, 4)))
    for sched in ("threads", client):
        compute_with_scheduler([(x @ x).sum(), x.sum()], sched, split=True, overhead=0.0)
    client.compute(da.ones((4, 4)).sum(), sync=True)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.parallel_bench")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--dask-repeats", type=int, default=1)
    p.add_argument("--no-dask-gs", action="store_true")
    p.add_argument("--only", default=None, help="comma-separated workload keys")
    p.add_argument("--out", default=os.path.join(HERE, "parallel_results"))
    args = p.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)

    from distributed import Client, LocalCluster

    from lazyray.execute import plan_cache

    load0 = os.getloadavg()
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit=0,
        dashboard_address=":0",
        silence_logs=40,
    )
    client = Client(cluster)
    rows, raw = [], {}
    try:
        warm_up(client)
        for key, label, xs, f, heavy in workloads(args.quick):
            if args.only and key not in args.only.split(","):
                continue
            tasks = {
                "threads": n_tasks(f, xs, client, "threads"),
                "LocalCluster": n_tasks(f, xs, client, client),
            }
            dask_ok = heavy or not args.no_dask_gs
            runs = impls(client, False, False)
            runs["LocalCluster"](f, xs)  # untimed: sends the inputs to the cluster once
            for blas1 in [True, False] if heavy else [False]:
                runs = impls(client, not blas1 and heavy, dask_ok)
                dask_run = {"dask.array": runs.pop("dask.array")} if dask_ok else {}
                # a cheap workload gets more repeats (medians of 60 ms runs on 2
                # shared cores are noisy); the first run of an implementation
                # plans and compiles (later ones reuse the plan: plan_cache)
                reps = repeats if heavy else max(repeats, 9)
                reps = max(reps, 15) if key.startswith("cotengra") else reps
                plan_cache.clear()
                med, times, checks, ref = measure(key, f, xs, runs, reps, blas1)
                if dask_run:  # dask.array alone: it takes from seconds to minutes
                    m2, t2, c2, _ = measure(key, f, xs, dask_run, args.dask_repeats, blas1, ref)
                    med.update(m2)
                    times.update(t2)
                    checks.update(c2)
                    tasks["dask.array"] = dask_tasks(DASK_TRACED[0])
                mode = "BLAS=1" if blas1 else "default BLAS"
                seq = med["sequential"]
                if blas1:  # what dask alone costs for the same work (see dask_floor)
                    floor = dask_floor(client, seq[1], reps)
                    times[FLOOR] = [(seq[0], t) for t in floor]
                    med[FLOOR] = (seq[0], statistics.median(floor))
                    tasks[FLOOR] = len(client.scheduler_info()["workers"])
                    checks[FLOOR] = "- (no result: busy loops)"
                raw[f"{key}/{mode}"] = {"times": times, "checks": checks, "tasks": tasks}
                for k, (tt, tr) in med.items():
                    nt = "-" if k == "sequential" else tasks.get(k, tasks["threads"])
                    rows.append(
                        (
                            label,
                            mode,
                            k,
                            tr,
                            seq[1] / tr,
                            tt + tr,
                            sum(seq) / (tt + tr),
                            times[k][0][1],
                            nt,
                            checks.get(k, "reference"),
                        )
                    )
    finally:
        client.close()
        cluster.close()
    write(args.out, rows, raw, load0, repeats, args.quick)


def write(out, rows, raw, load0, repeats, quick):
    import dask
    import distributed

    load1 = os.getloadavg()
    head = [
        "# lazyray on dask's schedulers",
        "",
        f"{os.cpu_count()} CPU(s), load average {load0[0]:.2f} before and {load1[0]:.2f} "
        f"after the run (other processes share the cores: ratios are indicative); "
        f"dask {dask.__version__}, distributed {distributed.__version__}, numpy "
        f"{np.__version__}.  Medians of {repeats} interleaved repeat(s) (the cotengra "
        "contractions: at least 15, Gram-Schmidt: at least 9; dask.array: run alone after "
        f"them){' at quick sizes' if quick else ''}.  *run*: from the traced "
        "graph to the values; *total*: trace + run; speed-ups are sequential / time in the "
        "same BLAS mode; *first run*: the run of the first repeat (for lazyray on dask, "
        "the one that plans and compiles: the others reuse its plan, see the README; a "
        "plan of one task runs as traced the first time, and is compiled by the second "
        "run); "
        "tasks: lazyray's plan for that scheduler (dask.array: the tasks of its optimized "
        "graph).  *LocalCluster floor*: no lazyray, the sequential run's time split into "
        "one busy-loop task per worker of the same cluster, submitted and gathered: "
        "dask's own cost, the best a LocalCluster run can do here.",
        "",
        "| workload | BLAS | implementation | run | speed-up | total | speed-up | first run "
        "| tasks | result vs sequential |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    lines = [
        f"| {w} | {m} | {k} | {tr:.3f} s | x{s:.2f} | {tot:.3f} s | x{s2:.2f} | {t1:.3f} s "
        f"| {nt} | {c} |"
        for w, m, k, tr, s, tot, s2, t1, nt, c in rows
    ]
    text = "\n".join(head + lines) + "\n"
    print(text)
    with open(out + ".md", "w") as f:
        f.write(text)
    with open(out + ".json", "w") as f:
        json.dump({"rows": rows, "raw": raw, "load": [load0, load1]}, f, indent=1, default=str)


def _reexec_without_blas_env():
    """As ``python -m bench`` does: drop OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
    (they slow small matmuls ~18x on this kind of machine) and strict mode."""
    if any(k in os.environ for k in BLAS_VARS) and "LAZYRAY_PARBENCH" not in os.environ:
        env = {k: v for k, v in os.environ.items() if k not in BLAS_VARS}
        env["LAZYRAY_PARBENCH"] = "1"
        sys.stdout.flush()
        os.execve(
            sys.executable, [sys.executable, "-m", "bench.parallel_bench", *sys.argv[1:]], env
        )


if __name__ == "__main__":
    _reexec_without_blas_env()
    main()
