"""``python -m bench --profile``: cProfile of lazyray's hot paths.

Profiles tracing and computing the 200,000-node chain and Gram-Schmidt
N=100 (``--quick``: 20,000 nodes and N=50) and writes the top functions by
own time to ``bench/profile.txt``.
"""

from __future__ import annotations

import cProfile
import gc
import io
import os
import pstats
import time

from .workloads import make_case


def _profile(label, fn, top=18):
    gc.collect()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    value = fn()
    prof.disable()
    wall = time.perf_counter() - t0
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    text = buf.getvalue()
    body = text[text.index("   ncalls") :] if "   ncalls" in text else text
    return value, f"### {label} (wall under cProfile {wall:.2f} s)\n\n```\n{body.rstrip()}\n```\n"


def _gc_share(fn):
    """(wall seconds, seconds spent in cyclic gc, collections) of ``fn()``,
    without the profiler (cProfile does not show gc pauses)."""
    spent = [0.0, 0, 0.0]

    def cb(phase, info):
        if phase == "start":
            spent[2] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - spent[2]
            spent[1] += 1

    gc.collect()
    gc.callbacks.append(cb)
    try:
        t0 = time.perf_counter()
        value = fn()
        wall = time.perf_counter() - t0
    finally:
        gc.callbacks.remove(cb)
    return value, wall, spent[0], spent[1]


def main(quick=False, out_dir=None) -> int:
    import lazyray

    sizes = [("chain", 20_000 if quick else 200_000), ("gram_schmidt", 50 if quick else 100)]
    parts = ["# cProfile of lazyray trace and compute", ""]
    for workload, size in sizes:
        case = make_case(workload, size)
        # warm-up (caches, imports)
        small = make_case(workload, 20 if workload == "gram_schmidt" else 300)
        lazyray.compute(small.run([lazyray.array(a) for a in small.inputs]))
        out, wall, gct, ncol = _gc_share(lambda c=case: c.run([lazyray.array(a) for a in c.inputs]))
        _, cwall, cgct, cncol = _gc_share(lambda o=out: lazyray.compute(o))
        del out
        parts.append(
            f"### {case.label}: without profiler\n\n"
            f"- trace {wall * 1e3:.1f} ms, of which cyclic gc {gct * 1e3:.1f} ms "
            f"({ncol} collections, {gct / wall:.0%})\n"
            f"- compute {cwall * 1e3:.1f} ms, of which cyclic gc {cgct * 1e3:.1f} ms "
            f"({cncol} collections)\n"
        )
        out, txt = _profile(
            f"{case.label}: trace", lambda c=case: c.run([lazyray.array(a) for a in c.inputs])
        )
        parts.append(txt)
        _, txt = _profile(f"{case.label}: compute", lambda o=out: lazyray.compute(o))
        parts.append(txt)
        del out
    text = "\n".join(parts)
    print(text)
    if out_dir:
        path = os.path.join(out_dir, "profile-quick.txt" if quick else "profile.txt")
        with open(path, "w") as f:
            f.write(text)
        print(f"written: {path}")
    return 0
