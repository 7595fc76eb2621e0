"""Tables, ratios, targets, the results files and the time-per-node plot."""

from __future__ import annotations

import json
import os

LR, AL, NP, DK = "lazyray", "autoray.lazy", "numpy", "dask"

# ------------------------------------------------------------------ access


def _phase(res, impl, phase, stat="median"):
    try:
        return res["impls"][impl]["phases"][phase][stat]
    except KeyError:
        return None


def _n(res, impl, phase):
    return _phase(res, impl, phase, "n")


def _nodes(res, impl):
    try:
        return res["impls"][impl]["nodes"]
    except KeyError:
        return None


def _ref_nodes(res):
    return _nodes(res, LR) or _nodes(res, AL)


def _mem(results, res, impl, field, label=None):
    m = results.get("memory", {}).get(res["key"], {}).get(impl, {})
    v = m.get(field)
    if label is not None and isinstance(v, dict):
        v = v.get(label)
    return v


def default_label(results, impl):
    return results["meta"]["function_default"].get(impl)


def _ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


# -------------------------------------------------------------- formatting


def fms(s):
    if s is None:
        return "-"
    ms = s * 1e3
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fus(s, nodes):
    if s is None or not nodes:
        return "-"
    return f"{s / nodes * 1e6:.2f}"


def fmb(b):
    if b is None:
        return "-"
    return f"{b / 2**20:,.1f}"


def fx(r):
    return "-" if r is None else f"{r:.2f}x"


def fint(v):
    return "-" if v is None else f"{v:,.0f}"


def _table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


# -------------------------------------------------------------- the tables


def graph_table(results):
    header = [
        "case",
        "impl",
        "nodes",
        "trace ms",
        "compute ms",
        "trace us/node",
        "compute us/node",
        "peak MB (RSS)",
        "peak MB (tracemalloc)",
        "B/node",
        "reps",
        "ok",
    ]
    rows = []
    for res in results["cases"]:
        ref_nodes = _ref_nodes(res)
        if res.get("graph_skip"):
            rows.append([res["label"], "-", "", f"not run ({res['graph_skip']})"] + [""] * 8)
            continue
        for impl in (NP, LR, AL, DK):
            if impl in res["skipped"]:
                rows.append(
                    [res["label"], impl, "", f"skipped ({res['skipped'][impl]})"] + [""] * 8
                )
                continue
            if impl not in res["impls"]:
                continue
            cell = res["impls"][impl]
            err = cell["errors"].get("graph")
            if impl == NP:
                t, c, nodes = None, _phase(res, NP, "eager"), ref_nodes
            else:
                t, c, nodes = (
                    _phase(res, impl, "trace"),
                    _phase(res, impl, "compute"),
                    cell["nodes"],
                )
            reps = _n(res, impl, "eager" if impl == NP else "compute")
            ok = cell["ok"].get("compute")
            rows.append(
                [
                    res["label"],
                    impl,
                    fint(nodes),
                    fms(t) if impl != NP else "-",
                    fms(c) + (" (eager)" if impl == NP else ""),
                    fus(t, nodes),
                    fus(c, nodes),
                    fmb(_mem(results, res, impl, "peak_graph")),
                    fmb(_mem(results, res, impl, "tm_peak")),
                    fint(_mem(results, res, impl, "bytes_per_node")),
                    reps or "-",
                    ("error: " + err[:60])
                    if err
                    else ("" if ok is None else ("yes" if ok else "NO")),
                ]
            )
    return _table(header, rows)


def function_table(results):
    header = [
        "case",
        "Function",
        "build ms",
        "build us/node",
        "call ms",
        "first call ms",
        "call / numpy",
        "peak MB (trace+build+call)",
        "reps",
        "ok",
    ]
    rows = []
    variants = results["meta"].get("function_variants", {})
    for res in results["cases"]:
        skipped = res.get("function_skipped", {})
        eager = _phase(res, NP, "eager")
        for impl in (LR, AL):
            if impl in res["skipped"]:
                continue
            if impl in skipped:
                rows.append([res["label"], impl, f"n/a ({skipped[impl]})"] + [""] * 7)
                continue
            cell = res["impls"].get(impl)
            if cell is None:
                continue
            for label in variants.get(impl, []):
                name = impl if label == "default" else f"{impl} ({label})"
                if label == default_label(results, impl) and label != "default":
                    name += " [default]"
                err = cell["errors"].get(f"function:{label}")
                b = _phase(res, impl, f"build:{label}")
                if b is None:
                    rows.append([res["label"], name, f"error: {err}" if err else "-"] + [""] * 7)
                    continue
                c = _phase(res, impl, f"call:{label}")
                ok = cell["ok"].get(f"call:{label}")
                rows.append(
                    [
                        res["label"],
                        name,
                        fms(b),
                        fus(b, cell["nodes"]),
                        fms(c),
                        fms(_phase(res, impl, f"call1:{label}")),
                        fx(_ratio(c, eager)),
                        fmb(_mem(results, res, impl, "peak_function", label)),
                        _n(res, impl, f"build:{label}") or "-",
                        ("error: " + err[:60])
                        if err
                        else ("" if ok is None else ("yes" if ok else "NO")),
                    ]
                )
    return _table(header, rows)


def ratios(results, res) -> dict:
    """Ratios of lazyray against each peer on one case (None where missing)."""
    out = {}
    for phase in ("trace", "compute"):
        out[f"{phase} vs autoray.lazy"] = _ratio(_phase(res, LR, phase), _phase(res, AL, phase))
        out[f"{phase} vs dask"] = _ratio(_phase(res, LR, phase), _phase(res, DK, phase))
    out["compute vs numpy eager"] = _ratio(_phase(res, LR, "compute"), _phase(res, NP, "eager"))
    out["trace+compute vs numpy eager"] = _ratio(
        _sum(_phase(res, LR, "trace"), _phase(res, LR, "compute")), _phase(res, NP, "eager")
    )
    out["bytes/node vs autoray.lazy"] = _ratio(
        _mem(results, res, LR, "bytes_per_node"), _mem(results, res, AL, "bytes_per_node")
    )
    out["graph peak vs autoray.lazy"] = _ratio(
        _mem(results, res, LR, "peak_graph"), _mem(results, res, AL, "peak_graph")
    )
    for lab in results["meta"].get("function_variants", {}).get(LR, []):
        build, call = _phase(res, LR, f"build:{lab}"), _phase(res, LR, f"call:{lab}")
        out[f"Fn build [{lab}] vs autoray.lazy"] = _ratio(build, _phase(res, AL, "build:default"))
        out[f"Fn call [{lab}] vs autoray.lazy"] = _ratio(call, _phase(res, AL, "call:default"))
        out[f"Fn call [{lab}] vs numpy eager"] = _ratio(call, _phase(res, NP, "eager"))
    return out


def _sum(a, b):
    return None if a is None or b is None else a + b


RATIO_COLS = [
    "trace vs autoray.lazy",
    "compute vs autoray.lazy",
    "bytes/node vs autoray.lazy",
    "compute vs numpy eager",
    "trace+compute vs numpy eager",
    "trace vs dask",
    "compute vs dask",
]
FN_RATIO_COLS = ["Fn build [{}] vs autoray.lazy", "Fn call [{}] vs numpy eager"]


def ratio_table(results):
    cols = list(RATIO_COLS)
    for fmt in FN_RATIO_COLS:
        cols += [
            fmt.format(lab) for lab in results["meta"].get("function_variants", {}).get(LR, [])
        ]
    header = ["case"] + [c.replace(" vs ", " / ") for c in cols]
    rows = []
    for res in results["cases"]:
        r = ratios(results, res)
        rows.append([res["label"]] + [fx(r.get(c)) for c in cols])
    return _table(header, rows)


# ----------------------------------------------------------------- targets

TARGETS = [
    # issue, text, workload, size, ratio key (or "abs:..."), threshold;
    # "{fn}" expands to each lazyray Function variant, the default first
    ("6", "trace <= 0.3x autoray.lazy", "gram_schmidt", 100, "trace vs autoray.lazy", 0.3),
    ("6", "trace <= 0.3x autoray.lazy", "chain", 200_000, "trace vs autoray.lazy", 0.3),
    ("6", "compute <= 0.4x autoray.lazy", "gram_schmidt", 100, "compute vs autoray.lazy", 0.4),
    ("6", "compute <= 0.4x autoray.lazy", "chain", 200_000, "compute vs autoray.lazy", 0.4),
    (
        "6",
        "bytes/node <= 0.6x autoray.lazy",
        "gram_schmidt",
        100,
        "bytes/node vs autoray.lazy",
        0.6,
    ),
    ("6", "bytes/node <= 0.6x autoray.lazy", "chain", 200_000, "bytes/node vs autoray.lazy", 0.6),
    ("6", "compute <= 1.5x eager numpy", "chain", 2_000_000, "compute vs numpy eager", 1.5),
    (
        "3",
        "Function{fn} build <= 0.1x autoray.lazy",
        "gram_schmidt",
        100,
        "Fn build [{}] vs autoray.lazy",
        0.1,
    ),
    (
        "3",
        "Function{fn} build <= 0.1x autoray.lazy",
        "chain",
        1_000_000,
        "Fn build [{}] vs autoray.lazy",
        0.1,
    ),
    (
        "3",
        "Function{fn} call <= 1.0x eager numpy",
        "gram_schmidt",
        100,
        "Fn call [{}] vs numpy eager",
        1.0,
    ),
    (
        "3",
        "Function{fn} call <= 1.1x eager numpy",
        "chain",
        1_000_000,
        "Fn call [{}] vs numpy eager",
        1.1,
    ),
    ("3", "Function{fn} build+call peak < 1 GB", "chain", 1_000_000, "abs:fn_peak:{}", 2**30),
    (
        "4",
        "Function(optimize=True) call <= 0.5x eager numpy",
        "gram_schmidt",
        100,
        "Fn call [opt=True] vs numpy eager",
        0.5,
    ),
    ("4", "optimized predicted peak <= unoptimized", "gram_schmidt", 100, "abs:pred_peak", 1.0),
    ("6", "(all cases) worst trace vs autoray.lazy <= 0.3x", "*", 0, "trace vs autoray.lazy", 0.3),
    (
        "6",
        "(all cases) worst compute vs autoray.lazy <= 0.4x",
        "*",
        0,
        "compute vs autoray.lazy",
        0.4,
    ),
]


def _expand_targets(results):
    labels = list(results["meta"].get("function_variants", {}).get(LR, []))
    default = default_label(results, LR)
    if default in labels:  # the default variant first
        labels.remove(default)
        labels.insert(0, default)
    for issue, text, workload, size, key, thr in TARGETS:
        if "{fn}" not in text:
            yield issue, text, workload, size, key, thr
            continue
        for lab in labels:
            tag = "" if lab == "default" else f" [{lab}{', default' if lab == default else ''}]"
            yield issue, text.format(fn=tag), workload, size, key.format(lab), thr


def _find_case(results, workload, size):
    """The case, or the largest run size of the workload as a stand-in."""
    same = [r for r in results["cases"] if r["workload"] == workload]
    for r in same:
        if r["size"] == size:
            return r, ""
    if not same:
        return None, ""
    r = max(same, key=lambda r: r["size"])
    return r, f" (stand-in for {workload} {size:,})"


def evaluate_targets(results) -> list[dict]:
    out = []
    for issue, text, workload, size, key, thr in _expand_targets(results):
        note = ""
        if workload == "*":
            vals = [(ratios(results, r).get(key), r["label"]) for r in results["cases"]]
            vals = [v for v in vals if v[0] is not None]
            value, note = max(vals) if vals else (None, "")
            where = f"worst: {note}" if note else "-"
            note = ""
        else:
            res, note = _find_case(results, workload, size)
            where = (res["label"] if res else f"{workload} {size:,} (not run)") + note
            value = None
            if res is None:
                pass
            elif key.startswith("abs:fn_peak:"):
                value = _mem(results, res, LR, "peak_function", key.split(":", 2)[2])
            elif key == "abs:pred_peak":
                pp = results.get("predicted_peak", {})
                if pp.get("optimized") is not None and pp.get("unoptimized"):
                    value = pp["optimized"] / pp["unoptimized"]
                    where += f" ({pp['optimized']:,} vs {pp['unoptimized']:,} bytes)"
                elif pp.get("na"):
                    where += f" ({pp['na']})"
            else:
                value = ratios(results, res).get(key)
        if value is None:
            status, shown = "n/a", "-"
        else:
            status = "PASS" if value <= thr else "FAIL"
            if key.startswith("abs:fn_peak"):
                shown = f"{value / 2**20:,.0f} MB"
            else:
                shown = f"{value:.2f}x"
        out.append(
            {
                "issue": issue,
                "target": text,
                "case": where,
                "value": value,
                "shown": shown,
                "threshold": thr,
                "status": status,
            }
        )
    return out


def targets_table(targets):
    rows = [[t["issue"], t["target"], t["case"], t["shown"], t["status"]] for t in targets]
    return _table(["issue", "target", "case", "measured", "status"], rows)


# ------------------------------------------------------------------ output


def meta_text(meta):
    lines = [
        f"- date: {meta['date']}",
        f"- mode: {meta['mode']} (total wall time {meta.get('wall_s', 0):.0f} s)",
        f"- machine: {meta['cpu_count']} CPUs ({meta['cpu_model']}), {meta['platform']}",
        f"- python {meta['python']}; numpy {meta['numpy']}; autoray {meta['autoray']}; "
        f"dask {meta['dask']}; lazyray {meta['lazyray']} (git {meta['git']})",
        f"- BLAS environment: {meta['blas_env']}",
        f"- load average (1, 5, 15 min) at start {meta.get('loadavg_start')}, "
        f"at end {meta.get('loadavg_end')} (other work on the machine adds noise)",
        f"- method: {meta['method']}",
    ]
    return "\n".join(lines)


def render(results) -> str:
    meta = results["meta"]
    parts = [
        "# lazyray benchmarks",
        "",
        f"Command: `{meta['command']}`",
        "",
        meta_text(meta),
        "",
        "## Targets",
        "",
        targets_table(results["targets"]),
        "",
        "## Ratios (lazyray / peer, same run)",
        "",
        ratio_table(results),
        "",
        "## Trace and compute",
        "",
        "numpy's compute column is the eager run of the same code. "
        "Peak MB: RSS high-water above the RSS before, in a fresh process. "
        "B/node: bytes held by the traced graph (tracemalloc) / nodes.",
        "",
        graph_table(results),
        "",
        "## Function (compiled graph)",
        "",
        "build: `Function(inputs, outputs)` on a graph traced from placeholders; "
        "call: median of repeated calls after the first (first call shown apart).",
        "",
        function_table(results),
        "",
    ]
    notes = list(READING) + list(results.get("notes") or [])
    parts += ["## Notes", ""] + [f"- {n}" for n in notes] + [""]
    return "\n".join(parts)


READING = [
    "numpy eager runs the same `autoray.do` code on numpy arrays, so it includes "
    "autoray's dispatch (about 0.5-0.8 us per `do` call, a third of the chain's ops); "
    "a compiled Function call does not pay it.",
    "autoray.lazy calls `numpy.einsum` with `optimize=True` (BLAS-backed pairwise "
    "contraction); the eager reference calls it as written.",
    "Function build times exclude tracing the graph on placeholders; trace times include "
    "wrapping the inputs; gc is enabled while timing, and at 10^5+ nodes Python's cyclic "
    "gc is a large share of tracing time for both lazy implementations.",
]


def write(results, out_dir, suffix=""):
    os.makedirs(out_dir, exist_ok=True)
    md = render(results)
    with open(os.path.join(out_dir, f"results{suffix}.md"), "w") as f:
        f.write(md)
    with open(os.path.join(out_dir, f"results{suffix}.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    return md


def plot(results, path):
    """Time per node against graph size, one line per implementation and
    workload, for tracing, computing and calling a Function."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {NP: "tab:gray", LR: "tab:blue", AL: "tab:orange", DK: "tab:green"}
    markers = {
        "gram_schmidt": "o",
        "mps_tensordot": "s",
        "mps_einsum": "D",
        "chain": "^",
        "wide": "v",
    }
    panels = [
        ("trace", "trace"),
        ("compute", "compute (numpy: eager run)"),
        ("call", "Function call (numpy: eager run)"),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2), sharey=True)
    for ax, (phase, title) in zip(axes, panels):
        for impl in (NP, LR, AL, DK):
            for wl, mk in markers.items():
                pts = []
                for res in results["cases"]:
                    if res["workload"] != wl or impl not in res["impls"]:
                        continue
                    if impl == NP:
                        t, n = _phase(res, NP, "eager"), _ref_nodes(res)
                    elif phase == "call":
                        lab = default_label(results, impl)
                        t = _phase(res, impl, f"call:{lab}") if lab else None
                        n = _nodes(res, impl)
                    else:
                        t, n = _phase(res, impl, phase), _nodes(res, impl)
                    if t and n:
                        pts.append((n, t / n * 1e6))
                if phase == "trace" and impl == NP:
                    continue
                if not pts:
                    continue
                pts.sort()
                ax.plot(
                    [p[0] for p in pts],
                    [p[1] for p in pts],
                    marker=mk,
                    color=colors[impl],
                    lw=1.5 if wl == "chain" else 0.8,
                    ls="-" if wl == "chain" else ":",
                    ms=5,
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("graph size (nodes)")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("time per node (us)")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, lw=2, label=i) for i, c in colors.items()]
    handles += [
        Line2D([], [], color="k", marker=m, ls="-" if w == "chain" else ":", label=w)
        for w, m in markers.items()
    ]
    axes[2].legend(handles=handles, fontsize=8, loc="upper right")
    meta = results["meta"]
    fig.suptitle(
        f"lazyray benchmarks ({meta['mode']}, {meta['date'][:10]}, "
        f"{meta['cpu_count']} CPUs, numpy {meta['numpy']}, autoray {meta['autoray']})"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
