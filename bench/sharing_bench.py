"""``python -m bench.sharing_bench``: the cost of ``shared_intermediates()``
on tracing, lazyray vs ``autoray.lazy``, ratios from one run.

Each case traces a small program with one library's ``array`` leaves, plain
and inside the library's ``shared_intermediates()`` (a new cache per
sample, entering and leaving it timed, as a user pays it).  Reported per
case: *shared / unshared* trace time for each library (the issue 11 target:
<= 1.1 for lazyray) and lazyray's shared trace / autoray.lazy's.

Cases (``n`` ops each):

* ``misses``: a contraction tree over fresh leaves, no node repeats
  (every lookup misses: the cost of keying and inserting);
* ``hits``: the same elementwise and contraction expressions traced twice
  (half the lookups hit);
* ``scalars``: elementwise ops with Python int and float operands;
* ``index``: ``x[i, :]``, ``reshape`` and ``sum(axis=)`` (tuples, slices,
  kwargs in keys).

Samples of each (library, mode) are interleaved, the order rotating every
repeat; the medians of CPU time (``time.thread_time``, insensitive to other
processes on a loaded machine) are compared.  Options: ``--repeats N``
(default 30), ``--n N`` (ops per case, default 400), ``--wall`` (wall-clock
time instead).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time

import numpy as np


def _misses(lib, arrays):
    xs = [lib.array(a) for a in arrays]
    while len(xs) > 1:  # a balanced contraction tree: every node is new
        xs = [lib.tensordot(xs[i], xs[i + 1], 1) for i in range(0, len(xs) - 1, 2)] + (
            xs[-1:] if len(xs) % 2 else []
        )
    return xs


def _hits(lib, arrays):
    xs = [lib.array(a) for a in arrays[:8]]
    out = []
    for _ in range(2):
        for i in range(len(arrays) // 8):
            a, b = xs[i % 8], xs[(i + 1) % 8]
            out.append(lib.tanh(lib.tensordot(a, b, 1) + a) * b)
    return out


def _scalars(lib, arrays):
    x = lib.array(arrays[0])
    out = []
    for i in range(len(arrays) // 4):
        y = x * 2.0 + i
        out.append(lib.exp(y - 1) * 3)
    return out


def _index(lib, arrays):
    x = lib.array(np.ones((8, 8, 8)))
    out = []
    for i in range(len(arrays) // 3):
        out.append(x[i % 8, :])
        out.append(lib.reshape(x, (64, 8)))
        out.append(lib.sum(x, axis=i % 3))
    return out


CASES = {"misses": _misses, "hits": _hits, "scalars": _scalars, "index": _index}


def _sample(lib, case, arrays, shared, clock):
    gc.collect()
    t0 = clock()
    if shared:
        with lib.shared_intermediates():
            out = case(lib, arrays)
    else:
        out = case(lib, arrays)
    t = clock() - t0
    del out
    return t


def run(repeats=30, n=400, clock=time.thread_time):
    import autoray.lazy as al

    import lazyray

    libs = {"lazyray": lazyray, "autoray.lazy": al}
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(4, 4)) for _ in range(n)]
    rows = []
    for name, case in CASES.items():
        peers = [(lib, shared) for lib in libs for shared in (False, True)]
        samples = {p: [] for p in peers}
        for p in peers:  # warm up
            _sample(libs[p[0]], case, arrays, p[1], clock)
        for rep in range(repeats):
            k = rep % len(peers)
            for p in peers[k:] + peers[:k]:
                samples[p].append(_sample(libs[p[0]], case, arrays, p[1], clock))
        med = {p: statistics.median(v) for p, v in samples.items()}
        rows.append(
            {
                "case": name,
                "lazyray": med[("lazyray", False)],
                "lazyray shared": med[("lazyray", True)],
                "autoray.lazy": med[("autoray.lazy", False)],
                "autoray.lazy shared": med[("autoray.lazy", True)],
            }
        )
    return rows


def report(rows) -> str:
    lines = [
        "| case | lazyray (ms) | shared / unshared: lazyray | autoray.lazy | "
        "shared trace: lazyray / autoray.lazy |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        lr = r["lazyray shared"] / r["lazyray"]
        ar = r["autoray.lazy shared"] / r["autoray.lazy"]
        vs = r["lazyray shared"] / r["autoray.lazy shared"]
        lines.append(f"| {r['case']} | {r['lazyray'] * 1e3:.2f} | {lr:.2f} | {ar:.2f} | {vs:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.sharing_bench", description=__doc__)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--n", type=int, default=400, help="ops per case")
    p.add_argument("--wall", action="store_true", help="wall-clock time, not CPU time")
    a = p.parse_args(argv)
    clock = time.perf_counter if a.wall else time.thread_time
    print(report(run(a.repeats, a.n, clock)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
