"""Timing (interleaved repeats in one process per case) and memory (fresh processes).

For each case, every implementation runs once per repeat, in an order rotated
from one repeat to the next, so that slow drifts of the machine hit all of
them alike; each figure is the median over repeats.  An implementation stops
repeating a case once it has used ``cap_s`` seconds on it (after at least
``min_repeats`` repeats), which bounds the whole run.

Memory is measured in a fresh Python process per (case, implementation), see
:mod:`bench.memjob`.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np

from .impls import Impl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

pc = time.perf_counter


@dataclass
class Config:
    repeats: int = 7
    min_repeats: int = 3
    cap_s: float = 20.0  # per (case, implementation, group) time budget
    cap_dask_s: float = 8.0
    calls: int = 3  # timed Function calls per repeat (small graphs)
    big_nodes: int = 100_000  # graphs at least this big: one timed call per repeat
    mem_timeout_s: float = 400.0


def _close(a, b) -> bool:
    try:
        return bool(np.allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-9))
    except Exception:
        return False


class _Cell:
    """Samples of one implementation on one case."""

    def __init__(self):
        self.samples: dict[str, list[float]] = {}
        self.nodes: int | None = None
        self.ok: dict[str, bool] = {}
        self.errors: dict[str, str] = {}
        self.spent: dict[str, float] = {}

    def add(self, phase, seconds):
        self.samples.setdefault(phase, []).append(seconds)

    def summary(self) -> dict:
        phases = {
            p: {"median": statistics.median(s), "min": min(s), "n": len(s), "samples": s}
            for p, s in self.samples.items()
        }
        return {"nodes": self.nodes, "phases": phases, "ok": self.ok, "errors": self.errors}


def _graph_rep(case, impl: Impl, cell: _Cell, ref):
    gc.collect()
    t0 = pc()
    xs = impl.wrap(case.inputs)
    out = case.run(xs)
    t1 = pc()
    if not impl.lazy:
        cell.add("eager", t1 - t0)
        return
    cell.add("trace", t1 - t0)
    if cell.nodes is None:
        cell.nodes = impl.nodes(out)
    t2 = pc()
    res = impl.compute(out)
    t3 = pc()
    cell.add("compute", t3 - t2)
    if "compute" not in cell.ok:
        cell.ok["compute"] = _close(res, ref)


def _function_rep(case, impl: Impl, label, kwargs, cell: _Cell, ref, cfg: Config):
    if not impl.lazy:  # the eager reference, interleaved with the Function calls
        t0 = pc()
        impl.wrap(case.inputs)
        case.run(case.inputs)
        cell.add("eager", pc() - t0)
        return
    vs = impl.variables(case.inputs)
    out = case.run(vs)
    if cell.nodes is None:
        cell.nodes = impl.nodes(out)
    gc.collect()
    t0 = pc()
    f = impl.build(vs, out, **kwargs)
    t1 = pc()
    cell.add(f"build:{label}", t1 - t0)
    del out, vs
    ncalls = 1 if case.nodes_hint >= cfg.big_nodes else cfg.calls
    t0 = pc()
    res = impl.call(f, case.inputs)
    cell.add(f"call1:{label}", pc() - t0)  # first call, reported apart
    if f"call:{label}" not in cell.ok:
        cell.ok[f"call:{label}"] = _close(res, ref)
    del res
    for _ in range(ncalls):
        t0 = pc()
        res = impl.call(f, case.inputs)
        cell.add(f"call:{label}", pc() - t0)
        del res


def _rotate(seq, k):
    k %= max(len(seq), 1)
    return seq[k:] + seq[:k]


def _loop(entries, cfg: Config, log):
    """Run ``entries`` [(key, cell, fn)] interleaved for up to ``cfg.repeats``."""
    stopped = set()
    for rep in range(cfg.repeats):
        active = [e for e in entries if e[0] not in stopped]
        if not active:
            break
        for key, cell, fn in _rotate(active, rep):
            t0 = pc()
            try:
                fn()
            except Exception as e:  # record and stop this entry
                cell.errors[key[1]] = f"{type(e).__name__}: {e}"[:300]
                log(f"    ! {key[0]} {key[1]}: {type(e).__name__}: {str(e)[:200]}")
                stopped.add(key)
                continue
            spent = cell.spent[key[1]] = cell.spent.get(key[1], 0.0) + pc() - t0
            cap = cfg.cap_dask_s if key[0] == "dask" else cfg.cap_s
            if spent > cap:
                # over budget: stop after min_repeats, or now if one more
                # repeat would take the total past 1.5x the budget
                per_rep = spent / (rep + 1)
                if rep + 1 >= cfg.min_repeats or spent + per_rep > 1.5 * cap:
                    stopped.add(key)


def time_case(case, impls: list[Impl], cfg: Config, log=print) -> dict:
    """Time ``case`` on every implementation; returns a JSON-able summary."""
    ref = case.run(case.inputs)
    cells = {impl.name: _Cell() for impl in impls}
    skipped = {}
    entries = []
    for impl in impls:
        why = impl.available()
        if why is None and impl.name == "dask" and case.dask_skip:
            why = case.dask_skip
        if why:
            skipped[impl.name] = why
            continue
        if not case.graph:
            continue
        cell = cells[impl.name]
        entries.append(
            ((impl.name, "graph"), cell, lambda i=impl, c=cell: _graph_rep(case, i, c, ref))
        )
    _loop(entries, cfg, log)

    fn_skipped = {}
    entries = []
    if not case.function:
        fn_skipped = {i.name: case.function_skip for i in impls if i.lazy}
    else:
        for impl in impls:
            if impl.name in skipped:
                continue
            if not impl.lazy:
                cell = cells[impl.name]
                entries.append(
                    (
                        (impl.name, "eager-ref"),
                        cell,
                        lambda i=impl, c=cell: _function_rep(case, i, None, {}, c, ref, cfg),
                    )
                )
                continue
            if not impl.function_variants:
                fn_skipped[impl.name] = impl.function_na
                continue
            for label, kwargs in impl.function_variants:
                cell = cells[impl.name]
                entries.append(
                    (
                        (impl.name, f"function:{label}"),
                        cell,
                        lambda i=impl, c=cell, lb=label, kw=kwargs: _function_rep(
                            case, i, lb, kw, c, ref, cfg
                        ),
                    )
                )
    _loop(entries, cfg, log)
    gc.collect()
    return {
        "key": case.key,
        "workload": case.workload,
        "size": case.size,
        "label": case.label,
        "impls": {name: c.summary() for name, c in cells.items() if name not in skipped},
        "skipped": skipped,
        "graph_skip": case.graph_skip,
        "function_skipped": fn_skipped,
    }


# ------------------------------------------------------------------ memory


def hwm_resettable() -> bool:
    """Whether the RSS high-water mark can be reset (Linux ``clear_refs``)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        with open("/proc/self/status") as f:
            return any(line.startswith("VmHWM") for line in f)
    except OSError:
        return False


def memory_jobs(case, impl: Impl, resettable: bool) -> list[list[str]]:
    """The phase lists to run, one list per fresh process."""
    phases = ["graph"] if case.graph else []
    if case.function and impl.lazy:
        phases += [f"function:{label}" for label, _ in impl.function_variants]
    if case.memory_tm and (impl.name != "dask" or case.nodes_hint <= 1_200):
        phases.append("tm")
    return [phases] if resettable else [[p] for p in phases]


def run_memjob(case, impl_name: str, phases: list[str], mode: str, timeout: float) -> dict:
    """Run :mod:`bench.memjob` in a fresh process; returns its JSON answer."""
    spec = {
        "workload": case.workload,
        "size": case.size,
        "impl": impl_name,
        "phases": phases,
        "mode": mode,
    }
    cmd = [sys.executable, "-m", "bench.memjob", json.dumps(spec)]
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:.0f} s"}
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {p.returncode}: {tail[0][:300]}"}
    return json.loads(lines[-1])


def run_timejob(case, impl_names: list[str], cfg: Config, log) -> dict:
    """Time ``case`` with :mod:`bench.timejob` in a fresh process; returns
    :func:`time_case`'s summary (its log lines are passed on to ``log``)."""
    spec = {"workload": case.workload, "size": case.size, "impls": impl_names, "config": vars(cfg)}
    cmd = [sys.executable, "-m", "bench.timejob", json.dumps(spec)]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    for line in p.stderr.splitlines():
        if line.strip():
            log(line)
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"bench.timejob failed for {case.label} (exit {p.returncode})")
    return json.loads(lines[-1])
