"""Timings of one case, measured in a fresh process.

Usage (internal): ``python -m bench.timejob '{"workload": ..., "size": ...,
"impls": [...], "config": {...}}'``; prints the case's summary
(:func:`bench.measure.time_case`) as one JSON line, after its log lines.

Each case runs in a process of its own, after an untimed warm-up run of a
small case of the same workload on every implementation (imports, dtype
rules, resolved backend functions), so that no case is timed in a heap that
an earlier case -- or a peer in an earlier case -- has filled and
fragmented: a dask run at GS N=50, for instance, made every graph walk of the
next case in the same process about 1.5x slower (tracing, compiling), and
which case follows which should not change its figures.
"""

from __future__ import annotations

import json
import sys


def main(argv) -> int:
    from .impls import get_impls
    from .measure import Config, time_case
    from .run import warmup
    from .workloads import make_case

    spec = json.loads(argv[0])
    impls = get_impls(spec["impls"])
    case = make_case(spec["workload"], spec["size"])

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    warmup(impls, [case], log)
    res = time_case(case, impls, Config(**spec["config"]), log)
    print(json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
