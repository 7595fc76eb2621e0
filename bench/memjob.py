"""Memory of one (case, implementation), measured in a fresh process.

Usage (internal): ``python -m bench.memjob '{"workload": ..., "size": ...,
"impl": ..., "phases": [...], "mode": "full"}'``; prints one JSON line.

Phases:

``graph``
    RSS high-water mark above the RSS before, over wrapping the inputs,
    tracing and computing (numpy: the eager run).
``function:LABEL``
    the same over tracing on placeholder variables, building the Function
    and calling it once (the "build + call" peak of issue 3).
``tm``
    with ``tracemalloc``: bytes held by the traced graph (after
    ``gc.collect``; the inputs exist before and are not counted) divided by
    its node count, and the peak of traced memory over trace + compute
    (numpy: the eager run).

A small case of the same workload is run first, so that one-time caches
(imports, dtype rules, resolved backend functions) are not counted.  The RSS
high-water mark is reset between phases through ``/proc/self/clear_refs``
when possible; otherwise the caller runs one phase per process.
"""

from __future__ import annotations

import gc
import json
import resource
import sys


def _status(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _rss():
    v = _status("VmRSS:")
    if v is None:  # not Linux: fall back to the max so far
        v = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return v


def _hwm():
    v = _status("VmHWM:")
    if v is None:
        v = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return v


def _warmup(workload, impl, mode):
    from .workloads import WARMUP_SIZES, make_case

    small = make_case(workload, WARMUP_SIZES[workload])
    try:
        impl.compute(small.run(impl.wrap(small.inputs)))
    except Exception:
        pass  # the phase itself will report the error
    if impl.lazy and small.function:
        for _, kw in impl.function_variants:
            try:
                vs = impl.variables(small.inputs)
                impl.call(impl.build(vs, small.run(vs), **kw), small.inputs)
            except Exception:
                pass


def _phase(phase, case, impl, variants, res):
    _reset_hwm()
    base = _rss()
    if phase == "graph":
        xs = impl.wrap(case.inputs)
        out = case.run(xs)
        r = impl.compute(out)
        res["peak_graph"] = _hwm() - base
        del xs, out, r
    elif phase.startswith("function:"):
        label = phase.split(":", 1)[1]
        vs = impl.variables(case.inputs)
        out = case.run(vs)
        f = impl.build(vs, out, **variants[label])
        del vs, out
        r = impl.call(f, case.inputs)
        res.setdefault("peak_function", {})[label] = _hwm() - base
        del f, r
    elif phase == "tm":
        import tracemalloc

        tracemalloc.start()
        try:
            gc.collect()
            b0 = tracemalloc.get_traced_memory()[0]
            xs = impl.wrap(case.inputs)
            out = case.run(xs)
            peak = tracemalloc.get_traced_memory()[1]
            if impl.lazy:
                gc.collect()
                held = tracemalloc.get_traced_memory()[0] - b0
                nodes = impl.nodes(out)  # its own memory is kept out of the peak
                res["graph_bytes"] = held
                res["nodes"] = nodes
                res["bytes_per_node"] = held / nodes if nodes else None
                tracemalloc.reset_peak()
                out = impl.compute(out)
                peak = max(peak, tracemalloc.get_traced_memory()[1])
            res["tm_peak"] = peak - b0
            del xs, out
        finally:
            tracemalloc.stop()
    else:
        raise ValueError(f"unknown phase {phase!r}")


def main(spec: dict) -> dict:
    from .impls import get_impl
    from .workloads import make_case

    case = make_case(spec["workload"], spec["size"])
    impl = get_impl(spec["impl"])
    _warmup(case.workload, impl, spec.get("mode", "full"))
    variants = dict(impl.function_variants)
    res: dict = {"phases": spec["phases"]}
    for phase in spec["phases"]:
        gc.collect()
        try:
            _phase(phase, case, impl, variants, res)
        except Exception as e:  # record and go on with the next phase
            res.setdefault("errors", {})[phase] = f"{type(e).__name__}: {e}"[:300]
        gc.collect()
    return res


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
