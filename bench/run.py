"""The benchmark driver: timing, memory, predicted peaks, report."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time

from . import report
from .impls import get_impls
from .measure import (
    ROOT,
    Config,
    hwm_resettable,
    memory_jobs,
    run_memjob,
    run_timejob,
    time_case,
)
from .workloads import SIZES, WARMUP_SIZES, cases, make_case

HERE = os.path.dirname(os.path.abspath(__file__))

METHOD = (
    "{where}; "
    "each timing is the median over interleaved repeats in that process (order rotated "
    "every repeat, gc.collect() before each trace/build, gc enabled while timing); an "
    "implementation stops repeating a case once it has spent {cap:g} s on it ({dcap:g} s for "
    "dask) and has {minr} repeats, or earlier when one more repeat would take it past 1.5x "
    "that budget; memory in a fresh process per "
    "(case, implementation) after a small warm-up run; dask uses one chunk per input "
    "and the synchronous scheduler"
)


def _loadavg():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git():
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return head + (" + uncommitted changes in src/" if dirty else "")
    except OSError:
        return "unknown"


def _versions():
    import autoray
    import numpy

    import lazyray

    try:
        import dask

        dv = dask.__version__
    except ImportError:
        dv = "not installed"
    return numpy.__version__, autoray.__version__, dv, lazyray.__version__


def predicted_peak(size=100):
    """Predicted peak memory of GS N=``size`` before and after lazyray.optimize."""
    import lazyray

    case = make_case("gram_schmidt", size)
    try:
        opt = lazyray.optimize
    except Exception as e:
        return {"na": f"lazyray.optimize unavailable ({type(e).__name__})"}
    try:
        out = case.run([lazyray.array(a) for a in case.inputs])
        p0 = out.history_peak_size()
        p1 = opt(out).history_peak_size()
    except Exception as e:
        return {"na": f"{type(e).__name__}: {str(e)[:120]}"}
    return {"unoptimized": p0, "optimized": p1, "case": case.label}


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes: a smoke run in < 1 min")
    p.add_argument("--only", nargs="*", choices=sorted(SIZES["full"]), help="workloads to run")
    p.add_argument("--impls", nargs="*", help="implementations (numpy lazyray autoray.lazy dask)")
    p.add_argument("--repeats", type=int, help="max repeats per case")
    p.add_argument("--cap", type=float, help="seconds per (case, implementation) before stopping")
    p.add_argument("--no-memory", action="store_true", help="skip the fresh-process memory runs")
    p.add_argument("--no-plot", action="store_true")
    p.add_argument("--out-dir", default=HERE, help="where results*.md/json/png go")
    p.add_argument("--profile", action="store_true", help="cProfile lazyray trace and compute")
    p.add_argument(
        "--in-process",
        action="store_true",
        help="time every case in this one process (by default: a fresh process per case)",
    )
    p.add_argument(
        "--keep-blas-env",
        action="store_true",
        help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (unset by default)",
    )
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse(argv if argv is not None else sys.argv[1:])
    if args.profile:
        from .profile import main as profile_main

        return profile_main(quick=args.quick, out_dir=args.out_dir)
    mode = "quick" if args.quick else "full"
    cfg = (
        Config(repeats=3, min_repeats=2, cap_s=1.5, cap_dask_s=1.5, calls=3, mem_timeout_s=60)
        if args.quick
        else Config()
    )
    if args.repeats:
        cfg.repeats = args.repeats
        cfg.min_repeats = min(cfg.min_repeats, args.repeats)
    if args.cap:
        cfg.cap_s = args.cap
    t_start = time.perf_counter()
    log = _logger()

    impls = get_impls(args.impls)
    npv, arv, dkv, lrv = _versions()
    blas = os.environ.get("LAZYRAY_BENCH_UNSET")
    blas_env = (
        f"unset for this run (was {blas.replace(';', ', ')}): with them a 64x128 @ 128x64 "
        "matmul took ~18x longer here"
        if blas
        else ", ".join(
            f"{k}={os.environ[k]}"
            for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
            if k in os.environ
        )
        or "no OPENBLAS_* overrides"
    )
    lr = next((i for i in impls if i.name == "lazyray"), None)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": mode,
        "command": " ".join(["python -m bench", *(argv if argv is not None else sys.argv[1:])]),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": npv,
        "autoray": arv,
        "dask": dkv,
        "lazyray": lrv,
        "git": _git(),
        "blas_env": blas_env,
        "method": METHOD.format(
            cap=cfg.cap_s,
            dcap=cfg.cap_dask_s,
            minr=cfg.min_repeats,
            where="all cases are timed in one process (--in-process), after an untimed "
            "warm-up run of a small case of each workload"
            if args.in_process
            else "each case is timed in a fresh process of its own, after an untimed warm-up "
            "run of a small case of the same workload (so that no case is timed in a heap "
            "that an earlier case filled)",
        ),
        "config": vars(cfg),
        "loadavg_start": _loadavg(),
        "function_default": {i.name: i.function_default for i in impls if i.lazy},
        "function_variants": {i.name: [lb for lb, _ in i.function_variants] for i in impls},
    }
    notes = []
    failures = {}  # (impl, phase, error) -> case labels
    if lr is not None and lr.function_na:
        notes.append(lr.function_na + ": lazyray Function phases are n/a")
    log(
        f"lazyray benchmarks ({mode}): {meta['cpu_count']} CPUs, numpy {npv}, autoray {arv}, "
        f"dask {dkv}; BLAS env: {blas_env}"
    )

    all_cases = cases(mode, args.only)
    if args.in_process:
        warmup(impls, all_cases, log)
    results = {"meta": meta, "cases": [], "memory": {}, "notes": notes}
    for case in all_cases:
        t0 = time.perf_counter()
        if args.in_process:
            res = time_case(case, impls, cfg, log)
        else:
            res = run_timejob(case, [i.name for i in impls], cfg, log)
        results["cases"].append(res)
        log(
            f"  {case.label:<22} timed in {time.perf_counter() - t0:6.1f} s "
            f"(total {time.perf_counter() - t_start:6.0f} s)" + _brief(res)
        )
        for name, why in res["skipped"].items():
            log(f"    {name}: skipped ({why})")
        for name, cell in res["impls"].items():
            for phase, err in cell["errors"].items():
                failures.setdefault((name, phase, err), []).append(case.label)

    if not args.no_memory:
        resettable = hwm_resettable()
        if not resettable:
            notes.append("RSS high-water mark not resettable: one process per memory phase")
        for case in all_cases:
            t0 = time.perf_counter()
            mem = results["memory"].setdefault(case.key, {})
            for impl in impls:
                if impl.available() or (impl.name == "dask" and case.dask_skip):
                    continue
                for phases in memory_jobs(case, impl, resettable):
                    r = run_memjob(case, impl.name, phases, mode, cfg.mem_timeout_s)
                    if "error" in r:
                        log(f"    ! memory {case.label} {impl.name} {phases}: {r['error']}")
                        failures.setdefault((impl.name, "memory job", r["error"]), []).append(
                            case.label
                        )
                    for ph, err in r.get("errors", {}).items():
                        log(f"    ! memory {case.label} {impl.name} {ph}: {err}")
                        failures.setdefault((impl.name, f"memory {ph}", err), []).append(case.label)
                    cur = mem.setdefault(impl.name, {})
                    for k, v in r.items():
                        if isinstance(v, dict) and isinstance(cur.get(k), dict):
                            cur[k].update(v)
                        else:
                            cur[k] = v
            log(
                f"  memory {case.label:<15} {time.perf_counter() - t0:6.1f} s "
                f"(total {time.perf_counter() - t_start:6.0f} s)"
            )
    else:
        notes.append("memory not measured (--no-memory)")

    for (name, phase, err), labels in failures.items():
        notes.append(f"{name} {phase} failed: `{err}` (cases: {', '.join(labels)})")
    results["predicted_peak"] = predicted_peak(100 if mode == "full" else 50)
    results["targets"] = report.evaluate_targets(results)
    meta["wall_s"] = time.perf_counter() - t_start
    meta["loadavg_end"] = _loadavg()
    suffix = "" if mode == "full" else "-quick"
    md = report.write(results, args.out_dir, suffix)
    if not args.no_plot:
        try:
            report.plot(results, os.path.join(args.out_dir, f"time_per_node{suffix}.png"))
        except Exception as e:  # matplotlib missing
            log(f"plot skipped: {type(e).__name__}: {e}")
    print()
    print(md)
    print(
        f"written: {os.path.join(args.out_dir, f'results{suffix}.md')} (+ .json, .png); "
        f"total {meta['wall_s']:.0f} s"
    )
    return 0


def _brief(res):
    parts = []
    for impl in ("numpy", "lazyray", "autoray.lazy", "dask"):
        c = res["impls"].get(impl)
        if not c:
            continue
        ph = c["phases"]
        if impl == "numpy":
            if "eager" in ph:
                parts.append(f"np {ph['eager']['median'] * 1e3:.1f}ms")
        elif "trace" in ph and "compute" in ph:
            parts.append(
                f"{impl.split('.')[0][:2]} {ph['trace']['median'] * 1e3:.1f}"
                f"+{ph['compute']['median'] * 1e3:.1f}ms"
            )
    return "  [" + ", ".join(parts) + "]"


def warmup(impls, all_cases, log):
    """One untimed small run of each workload on each implementation."""
    seen = set()
    for case in all_cases:
        if case.workload in seen:
            continue
        seen.add(case.workload)
        small = make_case(case.workload, WARMUP_SIZES[case.workload])
        for impl in impls:
            if impl.available() or (impl.name == "dask" and small.dask_skip):
                continue
            try:
                impl.compute(small.run(impl.wrap(small.inputs)))
                for _, kw in impl.function_variants:
                    vs = impl.variables(small.inputs)
                    impl.call(impl.build(vs, small.run(vs), **kw), small.inputs)
            except Exception as e:
                log(f"    ! warm-up {small.label} {impl.name}: {type(e).__name__}: {e}")


def _logger():
    def log(msg):
        print(msg, flush=True)

    return log
