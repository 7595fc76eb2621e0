"""Markdown report of :mod:`bench.clients_bench` (ratios and the issue-11 targets)."""

from __future__ import annotations

SMALL_GRAPH = 100  # the fresh-build target (<= 5 ms) is for small graphs
TARGETS = {
    "trace+compute": 0.7,
    "trace+compute shared": 0.7,
    "shared trace / unshared": 1.1,
    "call": 1.0,
    "call sliced": 0.5,
    "fresh build ms": 5.0,
}


def _t(r, impl, phase="trace+compute"):
    try:
        return r["times"][impl][phase]["median"]
    except KeyError:
        return None


def _div(a, b):
    return a / b if a is not None and b else None


def lazy_peers(r) -> list:
    """lazyray, and lazyray under ``patch_autoray()`` where it was run."""
    return [p for p in r.get("peers", ["lazyray"]) if "lazyray" in p]


def _row(r, lr) -> str:
    return r["name"] if lr == "lazyray" else f"{r['name']}, {lr}"


def ratios(r, lr="lazyray") -> dict:
    """Every ratio of one workload (lazyray over the peer, same run)."""
    ar = "autoray.lazy"
    f = r["function"]
    out = {
        "nodes lazyray": r["nodes"][lr],
        "nodes autoray.lazy": r["nodes"][ar],
        "nodes shared lazyray": r["nodes"][f"{lr} shared"],
        "nodes shared autoray.lazy": r["nodes"][f"{ar} shared"],
        "trace": _div(_t(r, lr, "trace"), _t(r, ar, "trace")),
        "compute": _div(_t(r, lr, "compute"), _t(r, ar, "compute")),
        "trace+compute": _div(_t(r, lr), _t(r, ar)),
        "trace+compute shared": _div(_t(r, f"{lr} shared"), _t(r, f"{ar} shared")),
        "shared trace / unshared": _div(_t(r, f"{lr} shared", "trace"), _t(r, lr, "trace")),
        "shared trace / unshared (autoray.lazy)": _div(
            _t(r, f"{ar} shared", "trace"), _t(r, ar, "trace")
        ),
        "trace+compute vs numpy": _div(_t(r, lr), _t(r, "numpy")),
        "trace+compute vs dask.array": _div(_t(r, lr), _t(r, "dask.array")),
        "build": _div(f["build_s"].get(lr), f["build_s"].get(ar)),
        "call vs numpy": _div(f["call_s"].get(lr), f["call_s"].get("numpy")),
    }
    if ar in f["call_s"]:
        out["call"] = _div(f["call_s"].get(lr), f["call_s"][ar])
        out["call peer"] = "Function"
    else:  # autoray's Function failed: its equivalent is re-tracing
        out["call"] = _div(f["call_s"].get(lr), _t(r, ar))
        out["call peer"] = "re-trace+compute"
    fresh = r.get("fresh", {}).get("build_s", {})
    out["fresh build ms"] = fresh[lr] * 1e3 if lr in fresh else None
    out["fresh build ms autoray.lazy"] = fresh[ar] * 1e3 if ar in fresh else None
    cold = r.get("fresh", {}).get("build_s_no_bytecode", {})
    out["fresh build ms no bytecode"] = cold[lr] * 1e3 if lr in cold else None
    out["fresh build ms no bytecode autoray.lazy"] = cold[ar] * 1e3 if ar in cold else None
    out["function nodes"] = f["nodes"].get(lr)
    return out


def targets(r, lr="lazyray") -> dict:
    """{target: (value, limit, holds)} for one workload."""
    q = ratios(r, lr)
    t = {}
    for k in ("trace+compute", "trace+compute shared", "shared trace / unshared"):
        if q[k] is not None:
            t[k] = (q[k], TARGETS[k], q[k] <= TARGETS[k])
    t["nodes <= autoray.lazy"] = (
        q["nodes lazyray"] / q["nodes autoray.lazy"],
        1.0,
        q["nodes lazyray"] <= q["nodes autoray.lazy"],
    )
    t["nodes shared <= autoray.lazy"] = (
        q["nodes shared lazyray"] / q["nodes shared autoray.lazy"],
        1.0,
        q["nodes shared lazyray"] <= q["nodes shared autoray.lazy"],
    )
    lim = TARGETS["call sliced"] if "sliced" in r["name"] else TARGETS["call"]
    if q["call"] is not None:
        t[f"Function call vs autoray.lazy {q['call peer']}"] = (q["call"], lim, q["call"] <= lim)
    n = q["function nodes"]
    if q["fresh build ms"] is not None and n is not None and n <= SMALL_GRAPH:
        ms = q["fresh build ms"]
        t[f"first build, fresh process, {n} nodes (ms)"] = (ms, 5.0, ms <= 5.0)
    return t


def _kind(target: str) -> str:
    if target.startswith("first build"):
        return "first Function build in a fresh process <= 5 ms (graphs <= 100 nodes)"
    if target.startswith("Function call"):
        return "Function call <= 1.0x autoray.lazy (<= 0.5x on the sliced cotengra tree)"
    return {
        "trace+compute": "trace+compute <= 0.7x autoray.lazy",
        "trace+compute shared": "trace+compute under sharing <= 0.7x autoray.lazy's",
        "shared trace / unshared": "trace under sharing <= 1.1x the unshared trace",
        "nodes <= autoray.lazy": "nodes <= autoray.lazy's",
        "nodes shared <= autoray.lazy": "nodes under sharing <= autoray.lazy's",
    }[target]


def summary(results) -> list:
    """One line per kind of target: where it holds and where it does not."""
    kinds = {}
    for r in results:
        for lr in lazy_peers(r):
            for k, (val, _, ok) in targets(r, lr).items():
                kinds.setdefault(_kind(k), ([], []))[0 if ok else 1].append(
                    f"{_row(r, lr)} {val:.3g}"
                )
    L = ["**Which targets hold** (value in this run):", ""]
    for kind, (yes, no) in kinds.items():
        verdict = "holds everywhere" if not no else ("fails everywhere" if not yes else "mixed")
        L.append(
            f"* {kind}: **{verdict}**"
            + (f"; holds on {', '.join(yes)}" if yes and no else "")
            + (f"; fails on {', '.join(no)}" if no else "")
        )
    return [*L, ""]


def _f(x, fmt="{:.2f}"):
    return "-" if x is None else fmt.format(x)


def _ms(s):
    if s is None:
        return "-"
    return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.3f} s"


def one_line(r) -> str:
    q = ratios(r)
    return (
        f"{r['name']}: t+c {_f(q['trace+compute'])} shared {_f(q['trace+compute shared'])} "
        f"share/unshared {_f(q['shared trace / unshared'])} call {_f(q['call'])} "
        f"({q['call peer']}) fresh {_f(q['fresh build ms'])} ms; {r['seconds']:.0f} s"
    )


def markdown(doc) -> str:
    meta, results = doc["meta"], doc["results"]
    v = meta["versions"]
    L = [
        f"# lazyray vs autoray.lazy on quimb and cotengra ({meta['mode']})",
        "",
        f"`{meta['command'].strip()}`, {meta['date']}, {meta['cpu_count']} CPUs, load average "
        f"{meta['loadavg_start']} at the start and {meta['loadavg_end']} at the end (a shared, "
        "loaded machine: the peers' repeats are interleaved so that load hits both alike; ratios "
        f"are indicative); {meta['seconds']:.0f} s.  lazyray {v['lazyray']}, autoray "
        f"{v['autoray']}, quimb {v['quimb']}, cotengra {v['cotengra']}, dask {v['dask']}, numpy "
        f"{v['numpy']}.  Medians of up to {meta['repeats']} interleaved repeats (order rotated "
        f"every repeat; a peer stops after {meta['budget_s']:g} s on a workload).  Every lazy, "
        "dask and Function result was checked against eager numpy (allclose).",
        "",
        "Ratios are lazyray / autoray.lazy (below 1: lazyray faster) unless named otherwise. "
        "*trace*: wrapping the leaves and running the client code (quimb's and cotengra's own "
        "Python work included: it is the same for both); *t+c*: trace then compute. "
        "*Function call*: a Function of Variables called with the numpy arrays, vs autoray.lazy's "
        "Function (or, where that fails, autoray's re-trace+compute); *vs numpy*: the call vs "
        "eager numpy running the workload.  *fresh build*: the first `Function` built in a fresh "
        "process (ms; the target applies to graphs <= 100 nodes), with a bytecode cache of "
        "lazyray's modules (as an installed package has; `PYTHONPYCACHEPREFIX`) and, in *same, "
        "no .pyc*, in the environment as it is here (`PYTHONDONTWRITEBYTECODE=1`, lazyray "
        "imported from a source checkout: its compile modules are compiled from source at the "
        "first build; autoray's have their installed .pyc).",
        "",
        "## Ratios",
        "",
        "| workload | nodes lr / ar (shared) | trace | compute | t+c | t+c shared | shared trace / "
        "unshared: lr (ar) | t+c vs numpy | t+c vs dask | Function build | Function call "
        "| call vs numpy | fresh build lr (ar) | same, no .pyc |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r, lr in [(x, lr) for x in results for lr in lazy_peers(x)]:
        q = ratios(r, lr)
        call = _f(q["call"]) + ("" if q["call peer"] == "Function" else " (re-trace)")
        L.append(
            f"| {_row(r, lr)} | {q['nodes lazyray']} / {q['nodes autoray.lazy']} "
            f"({q['nodes shared lazyray']} / {q['nodes shared autoray.lazy']}) "
            f"| {_f(q['trace'])} | {_f(q['compute'])} | **{_f(q['trace+compute'])}** "
            f"| **{_f(q['trace+compute shared'])}** | **{_f(q['shared trace / unshared'])}** "
            f"({_f(q['shared trace / unshared (autoray.lazy)'])}) "
            f"| {_f(q['trace+compute vs numpy'])} | {_f(q['trace+compute vs dask.array'])} "
            f"| {_f(q['build'])} | **{call}** | {_f(q['call vs numpy'])} "
            f"| {_f(q['fresh build ms'])} ({_f(q['fresh build ms autoray.lazy'])}) ms "
            f"| {_f(q['fresh build ms no bytecode'])} "
            f"({_f(q['fresh build ms no bytecode autoray.lazy'])}) ms |"
        )
    L += ["", "## Targets (issue 11)", "", "| workload | target | value | limit | holds |"]
    L.append("|---|---|---:|---:|---|")
    held = failed = 0
    for r, lr in [(x, lr) for x in results for lr in lazy_peers(x)]:
        for k, (val, lim, ok) in targets(r, lr).items():
            held += ok
            failed += not ok
            yes = "yes" if ok else "**no**"
            L.append(f"| {_row(r, lr)} | {k} | {val:.3g} | {lim:g} | {yes} |")
    L += ["", f"{held} targets hold, {failed} do not.", ""]
    L += summary(results)
    L += ["## Times", ""]
    for r in results:
        L += [f"### {r['name']}: {r['label']}", "", f"load before: {r['loadavg_before']}", ""]
        L += ["| peer | trace | compute | trace+compute | repeats |", "|---|---:|---:|---:|---:|"]
        for impl, ph in r["times"].items():
            n = max(p["n"] for p in ph.values())
            L.append(
                f"| {impl} | {_ms(_t(r, impl, 'trace'))} | {_ms(_t(r, impl, 'compute'))} "
                f"| {_ms(_t(r, impl))} | {n} |"
            )
        f = r["function"]
        L += [
            "",
            "| Function | nodes | build | call | fresh first build | fresh second build "
            "| fresh first build, no .pyc |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        fresh = r.get("fresh", {}).get("build_s", {})
        cold = r.get("fresh", {}).get("build_s_no_bytecode", {})
        for impl in r.get("peers", ("lazyray", "autoray.lazy")):
            if impl in f["errors"]:
                L.append(f"| {impl} | - | fails: {f['errors'][impl]} | - | - | - | - |")
                continue
            L.append(
                f"| {impl} | {f['nodes'].get(impl)} | {_ms(f['build_s'].get(impl))} "
                f"| {_ms(f['call_s'].get(impl))} | {_ms(fresh.get(impl))} "
                f"| {_ms(fresh.get(impl + ' second'))} | {_ms(cold.get(impl))} |"
            )
        L.append(
            f"| eager numpy (the workload) | - | - | {_ms(f['call_s'].get('numpy'))} | - | - | - |"
        )
        if r.get("fresh", {}).get("errors"):
            L.append(f"\nfresh-process build failed: {r['fresh']['errors']}")
        L.append("")
    return "\n".join(L)
