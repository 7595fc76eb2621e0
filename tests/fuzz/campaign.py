"""Run many programs, group the failures, shrink one program per group.

Program ``i`` of a campaign with seed ``S`` has seed ``S * 10**9 + i``, so
any program can be rerun alone (``python -m tests.fuzz --only SEED``).
Work is split in blocks over ``jobs`` processes (spawned, one torch thread
each), each process replaced by a fresh one after about
:data:`WORKER_PROGRAMS` programs (:mod:`.workers`), so that a campaign of
any length runs at the rate of its first blocks.  Failures are grouped by
(kind, op, detail, kind of path) and one program per group is shrunk; after
shrinking, groups with the same (kind, op, detail) and the same ops are
merged: they are one distinct failure.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from .check import check_program
from .gen import draw_program
from .shrink import shrink
from .workers import Done, Lost, run_tasks

PROGRAM_STRIDE = 10**9

#: programs per block (the unit of work and of progress) and about how many
#: programs a worker process checks before it is replaced by a fresh one:
#: a process slows down after some thousands of programs, and starting one
#: (importing numpy, torch, lazyray) costs about as much as 100 programs
BLOCK = 250
WORKER_PROGRAMS = 2000
#: seconds after which a block (or a shrink) is given up: a program hangs
BLOCK_TIMEOUT = 900.0

#: the statuses of a checked program (see :class:`.check.Report`)
STATUSES = ("ok", "failed", "rejected", "indeterminate")


def program_seed(seed: int, i: int) -> int:
    """Seed of program ``i`` of the campaign ``seed``."""
    return seed * PROGRAM_STRIDE + i


@dataclass
class Finding:
    """A distinct failure: the key it was shrunk with, the paths that showed
    it, how many programs did (at most, over those paths), the first of them,
    and the shrunk program."""

    key: tuple
    message: str
    count: int
    seed: int
    paths: set = field(default_factory=set)
    program: object = None

    @property
    def group(self) -> tuple:
        return group_of(self.key)


def group_of(key: tuple) -> tuple:
    """Failures that are one defect seen on several paths of a kind: (kind,
    op, detail, path kind)."""
    from .paths import PATHS

    path = key[0]
    pkind = "trace" if path.startswith("trace:") else PATHS[path].kind
    return (key[1], key[2], key[3], pkind)


@dataclass
class Summary:
    """Counts of a campaign and its distinct failures."""

    programs: int = 0
    status: Counter = field(default_factory=Counter)
    findings: list = field(default_factory=list)
    seconds: float = 0.0
    lost: list = field(default_factory=list)  # (first seed, programs, why)

    @property
    def failed(self) -> int:
        return self.status["failed"]

    def line(self) -> str:
        s = self.status
        per_path = sorted((k[1], n) for k, n in s.items() if isinstance(k, tuple))
        by_path = ", ".join(f"{p} {n}" for p, n in per_path) or "none"
        return (
            f"fuzz: {self.programs} programs run, {s['failed']} failed "
            f"({len(self.findings)} distinct failures); {s['ok']} ok, "
            f"{s['rejected']} rejected by numpy and lazyray, "
            f"{s['indeterminate']} indeterminate; {self.seconds:.0f} s\n"
            f"failed programs by path: {by_path}"
        ) + "".join(
            f"\nLOST: the programs of seeds {s0} to {s0 + n - 1}: {why}; rerun them with --only"
            for s0, n, why in self.lost
        )


def _init_worker():
    import os
    import warnings

    import numpy as np

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # on a GPU: a kernel's fault is reported by the op that made it
    os.environ.setdefault("CUDA_LAUNCH_BLOCKING", "1")
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass


def check_block(seeds, paths, max_stmts=5, expensive_every=1, ops=None, start=0) -> tuple:
    """Check the programs of ``seeds``: ``(status counts, {key: (count,
    first seed, message)})``; the counts also hold, under ``("path", name)``,
    the programs failing on each path.  Paths marked expensive run on every
    ``expensive_every``-th program only: program ``k`` of the block when
    ``(start + k) % expensive_every == 0`` (``start``: the index of the
    block's first program in its campaign, so that the choice does not
    depend on how the campaign is cut in blocks)."""
    from .paths import PATHS

    cheap = [p for p in paths if not PATHS[p].expensive]
    status, groups = Counter(), {}
    for k, seed in enumerate(seeds):
        i = start + k
        if i % expensive_every:
            use = cheap
        else:  # (a path of every=n on 1 expensive program in n)
            use = [p for p in paths if (i // expensive_every) % PATHS[p].every == 0]
        report = check_program(draw_program(seed, max_stmts, ops=ops), use)
        status[report.status] += 1
        for path in {f.path for f in report.failures}:
            status["path", path] += 1  # programs failing on that path
        for f in report.failures:
            n, first, msg = groups.get(f.key, (0, seed, str(f)))
            groups[f.key] = (n + 1, first, msg)
            if any(m in f.message for m in _FATAL_GPU):
                # the process's GPU context is lost: every later program would
                # fail the same way; the worker dies and its block is lost
                print(f"fuzz: fatal GPU error in program {seed}: {f}", file=sys.stderr, flush=True)
                os._exit(3)
    return status, groups


#: errors after which a process cannot use its GPU any more
_FATAL_GPU = ("illegal memory access", "device-side assert", "unspecified launch failure")


def _shrink_one(seed, key, max_stmts, budget, ops):
    return shrink(draw_program(seed, max_stmts, ops=ops), key, budget).copy()  # no code cache


@dataclass
class Block:
    """Progress of a campaign: one block of programs just checked.

    ``number`` counts blocks in order of completion (1 to ``blocks``),
    ``first`` is the index of the block's first program, ``count`` its
    programs; ``seconds`` is the time the block took in its worker, ``cpu``
    the processor time it used there, and
    ``worker``/``nth`` which worker ran it as its how-many-th block;
    ``lost`` says why, when the block is lost (its worker died or timed out).
    """

    number: int
    blocks: int
    first: int
    count: int
    seconds: float
    worker: int
    nth: int
    cpu: float = 0.0
    lost: str = ""

    @property
    def rate(self) -> float:
        """Programs per minute of this block, in its worker."""
        return 60.0 * self.count / max(self.seconds, 1e-9)

    @property
    def cpu_rate(self) -> float:
        """Programs per minute of processor time of this block: its rate
        had its worker had a core to itself."""
        return 60.0 * self.count / max(self.cpu, 1e-9)


def run_campaign(
    programs: int,
    seed: int,
    paths,
    jobs: int = 1,
    max_stmts: int = 5,
    do_shrink: bool = True,
    shrink_budget: int = 300,
    expensive_every: int = 1,
    block: int = BLOCK,
    ops=None,
    progress=None,
    worker_programs: int = WORKER_PROGRAMS,
    timeout: float | None = BLOCK_TIMEOUT,
) -> Summary:
    """Run ``programs`` programs of campaign ``seed`` on ``paths``.

    The programs are cut in blocks of ``block``, checked on ``jobs`` spawned
    worker processes (see :mod:`.workers`), each retired after about
    ``worker_programs`` programs (whole blocks) so that no process runs
    long enough to slow down.  ``expensive_every``: run the expensive paths
    on program ``i`` when ``i % expensive_every == 0``; ``ops``: draw only
    these ops; ``progress(done, summary, block)`` is called after each block
    (``block``: a :class:`Block`).  Failures are grouped as the blocks come
    in order, whatever order they finish in.  A block whose worker died, or
    that ran more than ``timeout`` seconds (a program that hangs), is listed
    in ``summary.lost``; the campaign goes on without it.
    """
    t0 = time.time()
    block = max(1, block)
    starts = list(range(0, programs, block))
    tasks = [
        (
            [program_seed(seed, i) for i in range(b, min(b + block, programs))],
            paths,
            max_stmts,
            expensive_every,
            ops,
            b,
        )
        for b in starts
    ]
    per_worker = max(1, worker_programs // block)
    summary = Summary(programs=programs)
    found: dict = {}
    results = run_tasks(check_block, tasks, jobs, per_worker, _init_worker, timeout)
    for n, r in enumerate(results, 1):
        first = starts[r.index]
        count = len(tasks[r.index][0])
        if isinstance(r, Lost):
            why = (
                f"timed out after {timeout:.0f} s"
                if r.timed_out
                else f"its worker died (exit code {r.exitcode})"
            )
            summary.lost.append((program_seed(seed, first), count, why))
            summary.programs -= count
            info = Block(n, len(tasks), first, count, 0.0, r.worker, 0, lost=why)
        else:
            status, found[r.index] = r.value
            summary.status.update(status)
            info = Block(n, len(tasks), first, count, r.seconds, r.worker, r.nth, cpu=r.cpu)
        if progress:
            progress(sum(summary.status[s] for s in STATUSES), summary, info)
    groups: dict = {}
    for i in sorted(found):  # in block order: the same groups and messages as one process
        for key, (n, first, msg) in found[i].items():
            m, f0, msg0 = groups.get(key, (0, first, msg))
            groups[key] = (m + n, min(f0, first), msg0 if m else msg)
    findings = _group(groups)
    if do_shrink and findings:
        work = [(f.seed, f.key, max_stmts, shrink_budget, ops) for f in findings]
        for r in run_tasks(_shrink_one, work, min(jobs, len(work)), 4, _init_worker, timeout):
            if isinstance(r, Done):
                findings[r.index].program = r.value
    summary.findings = merge(findings)
    summary.seconds = time.time() - t0
    return summary


def _group(groups: dict) -> list:
    """One finding per :func:`group_of`, keyed by its most frequent failure."""
    out: dict = {}
    for key, (n, first, msg) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        g = group_of(key)
        if g in out:
            f = out[g]
            f.paths.add(key[0])
            f.count = max(f.count, n)
        else:
            out[g] = Finding(key, msg, n, first, {key[0]})
    return list(out.values())


def merge(findings) -> list:
    """One finding per (kind, op, detail, ops of the shrunk program): the same
    defect seen on exact and on optimized paths is one; most frequent first."""
    out: dict = {}
    for f in findings:
        ops = f.program.ops() if f.program is not None else ()
        k = (f.group[:3], ops)
        if k in out:
            out[k].count = max(out[k].count, f.count)
            out[k].paths |= f.paths
        else:
            out[k] = f
    return sorted(out.values(), key=lambda f: (-f.count, f.key))
