"""``python -m bench.clients_bench``: quimb and cotengra workloads, lazyray vs
``autoray.lazy`` (and dask.array, eager numpy), ratios from one run.

Workloads (:mod:`bench.clients_workloads`): local expectations of a random
quimb circuit, an MPS energy swept site by site (DMRG's environments), an MPO
applied to an MPS with SVD compression (``tensor_network_apply_op_vec``), a
cotengra contraction tree on a random regular graph and a sliced one on a
lattice.  For each, in the same process:

* **trace / compute / trace+compute**, unshared and under each library's
  ``shared_intermediates()``; eager numpy and (few-op workloads) dask.array
  (one chunk per input, synchronous scheduler) as peers;
* **Function**: the same computation traced with ``Variable`` leaves, built
  with each library's ``Function`` (build time) and called with the numpy
  arrays (call time), against eager numpy running the workload; where
  autoray's ``Function`` fails, its equivalent is re-tracing (trace+compute);
* **first Function build in a fresh process** (a subprocess per repeat that
  traces both graphs, then times each library's first and second build, the
  order alternating between repeats).

Every timing is the median over repeats interleaved A, B, A, B... (the order
rotates each repeat), ``time.perf_counter``, ``gc.collect()`` before each
sample, gc enabled while timing.  Every lazy, dask and Function result is
compared with eager numpy (``allclose``); a mismatch raises.

Options: ``--quick`` (small sizes, 3 repeats, < 2 min), ``--only NAME ...``,
``--repeats N``, ``--no-fresh``, ``--out PATH`` (default
``bench/clients_results`` or ``bench/clients_results-quick``; ``.md`` and
``.json`` are written).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

from . import clients_report
from .clients_workloads import FULL, NAMES, QUICK, _ident, workloads

pc = time.perf_counter
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LIBS = ("lazyray", "autoray.lazy")


PATCHED = "lazyray (patch_autoray)"


class Peer:
    """A lazy library; ``patched``: lazyray run inside ``lazyray.patch_autoray()``
    (quimb's decompositions registered for autoray's lazy backend then apply)."""

    def __init__(self, name, mod, patched=False):
        self.__name__, self.mod, self.patched = name, mod, patched

    def __getattr__(self, k):
        return getattr(self.mod, k)

    def ctx(self):
        return self.mod.patch_autoray() if self.patched else contextlib.nullcontext()


def _libs(w):
    import autoray.lazy as al

    import lazyray

    libs = {"lazyray": Peer("lazyray", lazyray), "autoray.lazy": Peer("autoray.lazy", al)}
    if w.hardcoded:
        libs[PATCHED] = Peer(PATCHED, lazyray, patched=True)
    return libs


def _loadavg():
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


def _as_values(out):
    return [np.asarray(o) for o in out]


def check(name, got, ref, what):
    got = _as_values(got)
    for g, r in zip(got, ref, strict=True):
        if g.shape != r.shape or not np.allclose(g, r, rtol=1e-8, atol=1e-10):
            err = np.max(np.abs(g - r)) if g.shape == r.shape else f"shape {g.shape} vs {r.shape}"
            raise AssertionError(f"{name}: {what} differs from eager numpy (max abs diff {err})")


def _interleave(thunks, repeats, budget_s=None, min_repeats=2):
    """``thunks``: {name: f() -> dict of seconds}; returns {name: {phase: [s, ...]}}.
    The order rotates each repeat; a thunk stops after ``budget_s`` seconds of
    its own once it has ``min_repeats`` samples."""
    samples = {k: {} for k in thunks}
    spent = dict.fromkeys(thunks, 0.0)
    names = list(thunks)
    for rep in range(repeats):
        k = rep % len(names)
        for name in names[k:] + names[:k]:
            n = len(next(iter(samples[name].values()), []))
            if budget_s is not None and n >= min_repeats and spent[name] > budget_s:
                continue
            gc.collect()
            t0 = pc()
            for phase, s in thunks[name]().items():
                samples[name].setdefault(phase, []).append(s)
            spent[name] += pc() - t0
    return samples


def _medians(samples):
    return {
        name: {
            p: {"median": statistics.median(v), "min": min(v), "n": len(v)}
            for p, v in phases.items()
        }
        for name, phases in samples.items()
    }


# ------------------------------------------------------------------ trace / compute


def _sample(k, one):
    """Sum ``k`` runs of ``one() -> dict of seconds``; the per-run means."""
    tot = {}
    for _ in range(k):
        for p, s in one().items():
            tot[p] = tot.get(p, 0.0) + s
    return {p: s / k for p, s in tot.items()}


def _lazy_thunk(w, lib, ref, shared, k):
    label = f"{lib.__name__}{' shared' if shared else ''}"

    def one():
        state = w.prepare()
        with lib.ctx():  # (entering patch_autoray costs ms: not timed, users enter it once)
            t0 = pc()
            if shared:
                with lib.shared_intermediates():
                    out = w.run(state, lib.array)
            else:
                out = w.run(state, lib.array)
            t1 = pc()
            vals = lib.compute(out)
            t2 = pc()
        check(w.name, vals, ref, label)
        return {"trace": t1 - t0, "compute": t2 - t1, "trace+compute": t2 - t0}

    return lambda: _sample(k, one)


def _numpy_thunk(w, ref, k):
    def one():
        state = w.prepare()
        t0 = pc()
        out = w.run(state, _ident)
        t = pc() - t0
        check(w.name, out, ref, "eager numpy (repeat)")
        return {"trace+compute": t}

    return lambda: _sample(k, one)


def _dask_thunk(w, ref):
    import dask
    import dask.array as da

    def wrap(a):
        return da.from_array(a, chunks=a.shape)

    def thunk():
        state = w.prepare()
        t0 = pc()
        out = w.run(state, wrap)
        t1 = pc()
        vals = dask.compute(*out, scheduler="synchronous")
        t2 = pc()
        check(w.name, vals, ref, "dask.array")
        return {"trace": t1 - t0, "compute": t2 - t1, "trace+compute": t2 - t0}

    return thunk


def _nodes(out):
    seen = set()
    for o in out:
        seen.update(id(n) for n in o.descend())
    return len(seen)


def bench_trace(w, ref, libs, args, t_run):
    # runs per sample: about ``args.sample_s`` seconds of the slowest peer
    k = int(min(30, max(1, args.sample_s // max(t_run, 1e-6))))
    nodes = {}
    for name, lib in libs.items():
        for shared in (False, True):
            state = w.prepare()
            with lib.ctx():
                if shared:
                    with lib.shared_intermediates():
                        out = w.run(state, lib.array)
                else:
                    out = w.run(state, lib.array)
            nodes[f"{name}{' shared' if shared else ''}"] = _nodes(out)
    thunks = {"numpy": _numpy_thunk(w, ref, k)}
    for name, lib in libs.items():
        thunks[name] = _lazy_thunk(w, lib, ref, False, k)
        thunks[f"{name} shared"] = _lazy_thunk(w, lib, ref, True, k)
    samples = _interleave(thunks, args.repeats, args.budget)
    dask_res = None
    if w.dask and not args.no_dask:
        # dask alone after the others, a few repeats (it is slow to build graphs)
        d = _dask_thunk(w, ref)
        d()  # warm
        dask_res = _interleave({"dask.array": d}, min(args.repeats, 3), args.budget, 1)
        samples.update(dask_res)
    return {"nodes": nodes, "times": _medians(samples), "runs_per_sample": k}


# ------------------------------------------------------------------ Function


def _build(lib, w):
    with lib.ctx():
        ins, outs, call_args = w.function_graph(lib)
        nodes = _nodes(outs)
        gc.collect()
        t0 = pc()
        f = lib.Function(ins, outs)
        return pc() - t0, f, call_args, nodes


def _per_call(f, call_args, calls):
    t0 = pc()
    for _ in range(calls):
        f(*call_args)
    return (pc() - t0) / calls


def bench_function(w, ref, libs, args):
    res = {"build_s": {}, "call_s": {}, "nodes": {}, "errors": {}}
    fns = {}
    for name, lib in libs.items():
        try:
            builds = []
            for _ in range(args.build_repeats):
                t, f, call_args, n = _build(lib, w)
                builds.append(t)
            check(w.name, f(*call_args), ref, f"{name} Function")
        except Exception as e:  # autoray's Function fails on some quimb graphs
            res["errors"][name] = f"{type(e).__name__}: {str(e)[:160]}"
            continue
        fns[name] = (f, call_args)
        res["build_s"][name] = statistics.median(builds)
        res["nodes"][name] = n
    # calls per sample: about ``args.sample_s`` seconds of each peer
    thunks = {}
    for name, (f, a) in fns.items():
        k = int(min(50, max(1, args.sample_s // max(_per_call(f, a, 1), 1e-6))))
        thunks[name] = lambda f=f, a=a, k=k: {"call": _per_call(f, a, k)}
        res.setdefault("calls_per_sample", {})[name] = k

    def eager():
        state = w.prepare()
        t0 = pc()
        w.run(state, _ident)
        return {"call": pc() - t0}

    k = int(min(50, max(1, args.sample_s // max(eager()["call"], 1e-6))))
    thunks["numpy"] = lambda: _sample(k, eager)
    res.setdefault("calls_per_sample", {})["numpy"] = k
    samples = _interleave(thunks, args.repeats, args.budget)
    res["call_s"] = {k: statistics.median(v["call"]) for k, v in samples.items()}
    res["call_s_min"] = {k: min(v["call"]) for k, v in samples.items()}
    return res


# ------------------------------------------------------------------ fresh-process build

FRESH_CODE = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
sys.path.insert(0, {root!r})
from bench.clients_workloads import workloads
import autoray.lazy as al
import lazyray
w = workloads({mode!r}, [{name!r}])[0]
libs = {{"lazyray": lazyray, "autoray.lazy": al}}
order = {order!r}
graphs = {{k: w.function_graph(libs[k]) for k in order}}
graphs2 = {{k: w.function_graph(libs[k]) for k in order}}
res = {{}}
for k in order:
    ins, outs, _ = graphs[k]
    t0 = time.perf_counter(); libs[k].Function(ins, outs); res[k] = time.perf_counter() - t0
for k in order:
    ins, outs, _ = graphs2[k]
    t0 = time.perf_counter(); libs[k].Function(ins, outs)
    res[k + " second"] = time.perf_counter() - t0
print(json.dumps(res))
"""


PYCACHE = os.path.join(os.environ.get("TMPDIR", "/tmp"), "lazyray_clients_bench_pycache")


def _fresh_env(bytecode):
    """``bytecode``: read and write .pyc files in :data:`PYCACHE` (as an
    installed package would have them); else the environment as it is (here
    ``PYTHONDONTWRITEBYTECODE=1``: lazyray's modules compile from source)."""
    env = dict(os.environ)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = PYCACHE
    return env


def _fresh_run(w, mode, order, bytecode):
    code = FRESH_CODE.format(root=ROOT, mode=mode, name=w.name, order=order)
    p = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=_fresh_env(bytecode),
    )
    if p.returncode:
        raise RuntimeError(p.stderr.strip().splitlines()[-1][:200])
    return json.loads(p.stdout.strip().splitlines()[-1])


def bench_fresh(w, mode, repeats, skip=()):
    """First ``Function`` builds in fresh processes: ``repeats`` with a
    bytecode cache (the first of them after an untimed warm-up run that
    fills it) and one as the environment is (see :func:`_fresh_env`)."""
    samples, nocache, errors = {}, {}, {}
    order = [k for k in LIBS if k not in skip]
    try:
        _fresh_run(w, mode, order, True)  # fills the bytecode cache, untimed
        for rep in range(repeats):
            o = order if rep % 2 == 0 else order[::-1]
            for k, v in _fresh_run(w, mode, o, True).items():
                samples.setdefault(k, []).append(v)
        nocache = _fresh_run(w, mode, order, False)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        errors["fresh"] = str(e)
    return {
        "build_s": {k: statistics.median(v) for k, v in samples.items()},
        "build_s_no_bytecode": nocache,
        "n": repeats,
        "env_no_bytecode": "PYTHONDONTWRITEBYTECODE" in os.environ,
        "errors": errors,
    }


# ------------------------------------------------------------------ driver


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench.clients_bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes, 3 repeats (< 2 min)")
    p.add_argument("--only", nargs="*", choices=NAMES, help="workloads to run")
    p.add_argument("--repeats", type=int, help="interleaved repeats (default 3 quick, 9 full)")
    p.add_argument("--budget", type=float, help="seconds per (workload, peer) before stopping")
    p.add_argument("--fresh-repeats", type=int, help="fresh-process builds (default 1 / 5)")
    p.add_argument("--no-fresh", action="store_true", help="skip the fresh-process builds")
    p.add_argument("--no-dask", action="store_true")
    p.add_argument("--out", help="output path without extension")
    a = p.parse_args(argv)
    a.mode = QUICK if a.quick else FULL
    a.repeats = a.repeats or (3 if a.quick else 9)
    a.budget = a.budget or (4.0 if a.quick else 25.0)
    a.build_repeats = 2 if a.quick else 3
    a.sample_s = 0.02 if a.quick else 0.1
    a.fresh_repeats = a.fresh_repeats or (1 if a.quick else 5)
    a.out = a.out or os.path.join(HERE, "clients_results" + ("-quick" if a.quick else ""))
    return a


def _versions():
    import autoray
    import cotengra
    import dask
    import quimb

    import lazyray

    return {
        "numpy": np.__version__,
        "autoray": autoray.__version__,
        "lazyray": lazyray.__version__,
        "quimb": quimb.__version__,
        "cotengra": cotengra.__version__,
        "dask": dask.__version__,
    }


def main(argv=None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    warnings.simplefilter("ignore")
    t_start = pc()
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "mode": args.mode,
        "command": "python -m bench.clients_bench " + " ".join(argv or sys.argv[1:]),
        "cpu_count": os.cpu_count(),
        "versions": _versions(),
        "loadavg_start": _loadavg(),
        "repeats": args.repeats,
        "budget_s": args.budget,
    }
    print(f"clients bench ({args.mode}), load {meta['loadavg_start']}", flush=True)
    results = []
    for w in workloads(args.mode, args.only):
        libs = _libs(w)
        t0 = pc()
        ref = _as_values(w.run(w.prepare(), _ident))  # also warms imports and path caches
        t_run = 0.0
        for lib in libs.values():
            state = w.prepare()
            t1 = pc()
            with lib.ctx():
                vals = lib.compute(w.run(state, lib.array))
            t_run = max(t_run, pc() - t1)
            check(w.name, vals, ref, f"{lib.__name__} warm")
        r = {"name": w.name, "label": w.label, "loadavg_before": _loadavg(), "peers": list(libs)}
        r.update(bench_trace(w, ref, libs, args, t_run))
        r["function"] = bench_function(w, ref, libs, args)
        if not args.no_fresh:
            r["fresh"] = bench_fresh(w, args.mode, args.fresh_repeats, skip=r["function"]["errors"])
        r["seconds"] = pc() - t0
        results.append(r)
        print(clients_report.one_line(r), flush=True)
    meta["loadavg_end"] = _loadavg()
    meta["seconds"] = pc() - t_start
    doc = {"meta": meta, "results": results}
    with open(args.out + ".json", "w") as f:
        json.dump(doc, f, indent=1)
    md = clients_report.markdown(doc)
    with open(args.out + ".md", "w") as f:
        f.write(md)
    print(md)
    print(f"wrote {args.out}.md and .json in {meta['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
