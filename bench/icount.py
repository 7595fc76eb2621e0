"""Instruction counts of lazyray's trace and compute per bench case (callgrind).

Timings on a shared 2-core machine move by 10% from run to run; callgrind's
instruction counts do not (the same count twice), so two versions of lazyray
can be compared case by case to well under 1%.  For each case of
:mod:`bench.workloads` and each phase, a fresh process warms up as
``python -m bench`` does (a small case of the workload, then the case
itself), and only the measured phase runs inside ``sys.call_tracing``,
which callgrind toggles collection on (``--toggle-collect``).  BLAS runs on
one thread: callgrind would count the spinning of its idle threads, which
varies from run to run (MPS D=64 compute: 1.57 or 2.21 G instructions).

    python -m bench.icount --src /path/to/old/src --src src            # every full case
    python -m bench.icount --src src --cases gram_schmidt:20 chain:2000 --phases trace

Each ``--src`` is put first on ``PYTHONPATH`` (a ``src`` folder of a checkout,
e.g. of ``git worktree add --detach /tmp/old <rev>``); the table gives the
counts and their ratio to the first.  Needs ``valgrind``; a 2M-node case
takes several minutes per run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

PHASES = ("trace", "compute")


def _child(case: str, phase: str) -> None:
    import gc

    import lazyray

    from .workloads import WARMUP_SIZES, make_case

    workload, size = case.split(":")

    def trace(c):
        return c.run([lazyray.array(a) for a in c.inputs])

    for c in (make_case(workload, WARMUP_SIZES[workload]), make_case(workload, int(size))):
        lazyray.compute(trace(c))
    gc.collect()
    if phase == "trace":
        sys.call_tracing(trace, (c,))
    else:
        out = trace(c)
        gc.collect()
        sys.call_tracing(lazyray.compute, (out,))


def count(src: str, case: str, phase: str) -> int:
    """Instructions of ``phase`` of ``case`` with lazyray from ``src``."""
    blas = dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1")
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=os.path.abspath(src), **blas)
    cmd = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        "--collect-atstart=no", "--toggle-collect=sys_call_tracing",
        sys.executable, "-m", "bench.icount", "--child", case, phase,
    ]  # fmt: skip
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    err = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True).stderr
    for line in err.splitlines():
        if "Collected :" in line:
            return int(line.split()[-1])
    raise RuntimeError(f"no count from callgrind for {case} {phase}:\n{err[-2000:]}")


def main(argv=None) -> int:
    from .workloads import cases

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", action="append", default=[], help="a src folder (repeatable)")
    ap.add_argument("--cases", nargs="*", help="workload:size (default: every full case)")
    ap.add_argument("--phases", nargs="*", default=PHASES, choices=PHASES, help="(default: both)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    if not args.src:
        ap.error("give at least one --src")
    names = args.cases or [c.key for c in cases("full") if c.graph]
    print("| case | phase | " + " | ".join(args.src) + " | ratio to the first |")
    print("|---|---|" + "---:|" * (len(args.src) + 1))
    for case in names:
        for phase in args.phases:
            n = [count(src, case, phase) for src in args.src]
            ratios = ", ".join(f"{x / n[0]:.3f}" for x in n[1:]) or "-"
            print(f"| {case} | {phase} | " + " | ".join(f"{x:,}" for x in n) + f" | {ratios} |")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
