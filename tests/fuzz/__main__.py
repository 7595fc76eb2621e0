"""Command line of the differential fuzzer (run from the repository root).

Examples
--------
A long campaign on every path, two processes::

    python -m tests.fuzz --programs 100000 --seed 1 --jobs 2

Some paths only, some ops only, no shrinking::

    python -m tests.fuzz --programs 5000 --paths compute,function --ops einsum,tensordot

One program again (its seed is printed with each failure)::

    python -m tests.fuzz --only 1000000123

Progress is printed per block of ``--block`` programs: the block's rate (per
minute of wall time and of processor time in its worker) and the overall
rate.  Each worker process is replaced by a fresh one after
``--worker-programs`` programs; a block that hangs longer than
``--block-timeout`` seconds, or whose worker dies, is reported as lost and
the campaign goes on.  Each distinct failure is printed as a shrunk,
runnable reproducer, then a summary line; the exit status is 1 when any
program failed or any block was lost.
"""

from __future__ import annotations

import argparse
import sys
import time


def _parser() -> argparse.ArgumentParser:
    from .campaign import BLOCK, BLOCK_TIMEOUT, WORKER_PROGRAMS

    p = argparse.ArgumentParser(
        prog="python -m tests.fuzz",
        description="Differential fuzzer: random op programs on numpy and every lazyray path.",
    )
    p.add_argument("--programs", type=int, default=1000, help="number of programs (1000)")
    p.add_argument("--seed", type=int, default=0, help="campaign seed (0)")
    p.add_argument("--paths", default="all", help="comma-separated path names, or 'all'")
    p.add_argument("--ops", default="", help="comma-separated op names to draw (default all)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (1)")
    p.add_argument(
        "--block", type=int, default=BLOCK, help="programs per block of work (%(default)s)"
    )
    p.add_argument(
        "--worker-programs",
        type=int,
        default=WORKER_PROGRAMS,
        help="programs a worker process checks before a fresh one replaces it (%(default)s)",
    )
    p.add_argument(
        "--block-timeout",
        type=float,
        default=BLOCK_TIMEOUT,
        help="seconds after which a block is given up as hung (%(default)s)",
    )
    p.add_argument("--max-stmts", type=int, default=5, help="statements per program (5)")
    p.add_argument(
        "--expensive-every",
        type=int,
        default=1,
        help="run the expensive paths (pickles, sources, torch) on 1 program in N (1)",
    )
    p.add_argument("--no-shrink", action="store_true", help="print failures unshrunk")
    p.add_argument("--shrink-budget", type=int, default=300, help="checks per shrink (300)")
    p.add_argument("--only", type=int, help="check only the program of this seed")
    p.add_argument("--list", action="store_true", help="list the paths and fuzzed ops")
    return p


def main(argv=None) -> int:
    from .campaign import program_seed, run_campaign
    from .opgen import fuzzed_ops
    from .paths import PATHS, available_paths
    from .report import print_finding, print_only

    args = _parser().parse_args(argv)
    paths = available_paths() if args.paths == "all" else args.paths.split(",")
    unknown = [p for p in paths if p not in PATHS]
    if unknown:
        print(f"unknown paths {unknown}; known: {list(PATHS)}", file=sys.stderr)
        return 2
    missing = [p for p in paths if p not in available_paths()]
    if missing:
        print(f"paths {missing} cannot run here (library or GPU missing)", file=sys.stderr)
        return 2
    ops = tuple(args.ops.split(",")) if args.ops else None
    if args.list:
        print("paths:", ", ".join(f"{n} ({PATHS[n].kind})" for n in available_paths()))
        for fam, names in sorted(fuzzed_ops().items()):
            print(f"{fam}: {', '.join(sorted(names))}")
        return 0
    if args.only is not None:
        return print_only(args.only, paths, args.max_stmts, ops, args.shrink_budget)

    t0 = time.time()

    def progress(done, summary, b):
        overall = 60.0 * done / max(time.time() - t0, 1e-9)
        if not b.lost:
            how = (
                f"at {b.rate:.0f}/min ({b.cpu_rate:.0f}/min of cpu; "
                f"worker {b.worker}, its block {b.nth})"
            )
        else:
            how = f"LOST: {b.lost}"
        print(
            f"  block {b.number}/{b.blocks}: programs {b.first}-{b.first + b.count - 1} "
            f"{how}; {done}/{args.programs} done, {summary.failed} failed, "
            f"{overall:.0f}/min overall",
            file=sys.stderr,
            flush=True,
        )

    summary = run_campaign(
        args.programs,
        args.seed,
        paths,
        jobs=args.jobs,
        max_stmts=args.max_stmts,
        do_shrink=not args.no_shrink,
        shrink_budget=args.shrink_budget,
        expensive_every=args.expensive_every,
        block=args.block,
        ops=ops,
        progress=progress,
        worker_programs=args.worker_programs,
        timeout=args.block_timeout,
    )
    for i, f in enumerate(summary.findings, 1):
        print_finding(f, i, len(summary.findings))
    print(summary.line())
    print(
        f"(seed {args.seed}, paths {','.join(paths)}; program i has seed "
        f"{program_seed(args.seed, 0)} + i)"
    )
    return 1 if summary.failed or summary.lost else 0


if __name__ == "__main__":
    sys.exit(main())
