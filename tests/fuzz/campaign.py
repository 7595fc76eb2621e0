"""Run many programs, group the failures, shrink one program per group.

Program ``i`` of a campaign with seed ``S`` has seed ``S * 10**9 + i``, so
any program can be rerun alone (``python -m tests.fuzz --only SEED``).
Work is split in blocks over ``jobs`` processes (spawned, one torch thread
each).  Failures are grouped by (kind, op, detail, kind of path) and one program
per group is shrunk; after shrinking, groups with the same (kind, op,
detail) and the same ops are merged: they are one distinct failure.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from .check import check_program
from .gen import draw_program
from .shrink import shrink

PROGRAM_STRIDE = 10**9


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
        )


def _init_worker():
    import os
    import warnings

    import numpy as np

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    warnings.simplefilter("ignore")
    np.seterr(all="ignore")
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass


def check_block(seeds, paths, max_stmts=5, expensive_every=1, ops=None) -> tuple:
    """Check the programs of ``seeds``: ``(status counts, {key: (count,
    first seed, message)})``; the counts also hold, under ``("path", name)``,
    the programs failing on each path.  Paths marked expensive run on every
    ``expensive_every``-th program only."""
    from .paths import PATHS

    cheap = [p for p in paths if not PATHS[p].expensive]
    status, groups = Counter(), {}
    for k, seed in enumerate(seeds):
        use = paths if k % expensive_every == 0 else cheap
        report = check_program(draw_program(seed, max_stmts, ops=ops), use)
        status[report.status] += 1
        for path in {f.path for f in report.failures}:
            status["path", path] += 1  # programs failing on that path
        for f in report.failures:
            n, first, msg = groups.get(f.key, (0, seed, str(f)))
            groups[f.key] = (n + 1, first, msg)
    return status, groups


def _shrink_one(args):
    seed, key, max_stmts, budget, ops = args
    return shrink(draw_program(seed, max_stmts, ops=ops), key, budget).copy()  # no code cache


def run_campaign(
    programs: int,
    seed: int,
    paths,
    jobs: int = 1,
    max_stmts: int = 5,
    do_shrink: bool = True,
    shrink_budget: int = 300,
    expensive_every: int = 1,
    block: int = 100,
    ops=None,
    progress=None,
) -> Summary:
    """Run ``programs`` programs of campaign ``seed`` on ``paths``.

    ``expensive_every``: run the expensive paths on one program in that
    many; ``ops``: draw only these ops; ``progress(done, summary)`` is
    called after each block.
    """
    t0 = time.time()
    seeds = [program_seed(seed, i) for i in range(programs)]
    blocks = [seeds[i : i + block] for i in range(0, programs, block)]
    summary = Summary(programs=programs)
    groups: dict = {}
    pool = None
    if jobs > 1:
        ctx = multiprocessing.get_context("spawn")  # torch's thread pools do not fork
        pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker)
    try:
        if pool is None:
            _init_worker()
            results = (check_block(b, paths, max_stmts, expensive_every, ops) for b in blocks)
        else:
            args = [(b, paths, max_stmts, expensive_every, ops) for b in blocks]
            results = pool.map(check_block, *zip(*args))
        done = 0
        for status, found in results:
            summary.status.update(status)
            for key, (n, first, msg) in found.items():
                m, f0, msg0 = groups.get(key, (0, first, msg))
                groups[key] = (m + n, min(f0, first), msg0 if m else msg)
            done += sum(status.values())
            if progress:
                progress(done, summary)
        findings = _group(groups)
        if do_shrink and findings:
            work = [(f.seed, f.key, max_stmts, shrink_budget, ops) for f in findings]
            shrunk = pool.map(_shrink_one, work) if pool else map(_shrink_one, work)
            for f, prog in zip(findings, shrunk):
                f.program = prog
        summary.findings = merge(findings)
    finally:
        if pool is not None:
            pool.shutdown()
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
