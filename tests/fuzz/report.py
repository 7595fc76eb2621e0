"""Text output of the fuzzer: a failure with its shrunk reproducer."""

from __future__ import annotations

from .check import check_program
from .gen import draw_program
from .repro import reproducer
from .shrink import _MODE_PATH, shrink


def describe(prog, key) -> str:
    """The reproducer of ``prog`` for the failure ``key``, with the failure
    message of that very program as a comment."""
    path = _MODE_PATH.get(key[0], key[0])
    msg = next((str(f) for f in check_program(prog, [path]).failures if f.key == key), "")
    return reproducer(prog, key[0], msg)


def print_finding(f, i: int, n: int) -> None:
    """Print a :class:`.campaign.Finding`."""
    kind, op, detail = f.key[1:]
    paths = ", ".join(sorted(f.paths))
    print(f"==== failure {i}/{n}: {kind} {op} {detail}".rstrip())
    print(f"     paths: {paths}; {f.count} program(s), first seed {f.seed}")
    print(f"     {f.message}")
    if f.program is not None:
        print(f"---- shrunk to {len(f.program.stmts)} statement(s):")
        print(describe(f.program, f.key))
    print()


def print_only(seed: int, paths, max_stmts: int, ops, budget: int) -> int:
    """Check the program of ``seed``; print each failure, shrunk."""
    prog = draw_program(seed, max_stmts, ops=ops)
    report = check_program(prog, paths)
    print(f"program {seed}: {report.status}")
    print(reproducer(prog, "compute"))
    seen = set()
    for f in report.failures:
        if f.key in seen:
            continue
        seen.add(f.key)
        print(f"==== {f}")
        print(describe(shrink(prog, f.key, budget), f.key))
    return 1 if report.failures else 0
