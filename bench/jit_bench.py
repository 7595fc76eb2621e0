"""``python -m bench.jit_bench``: ``lazyray.jit`` against its peers, one run.

Gram-Schmidt (``lazyray.examples.gram_schmidt``, the workload of
:mod:`bench.workloads`) at N=40 by default:

* **numpy**: eager numpy per call; a hand-built ``Function`` (trace + build,
  call); ``@lazyray.jit`` (first call = key + trace + build + call; later
  calls).  Targets: jit call <= 0.5x eager, jit first call <= 1.5x the
  hand-built trace + build.
* **jax** (float64, CPU): the tape of the same ``Function`` replayed on jax
  arrays; ``lazyray.jit(compile="jax")`` (first call includes the XLA
  compile); ``jax.jit`` of the original function.  Target: compiled call
  <= 0.3x the tape replay; compile and call times side by side with jax.jit.
* **torch** (``--torch``, off by default: inductor compiles a big graph for
  minutes on a small machine): eager torch, the tape, and
  ``lazyray.jit(compile="torch")``, at ``--torch-n`` (default 10).

Per-call times are medians over interleaved repeats (the order rotates every
repeat) of the mean of ``--calls`` back-to-back calls; first-call and
compile times are medians over ``--first-repeats`` fresh jitted functions
(jax: one, its compile takes seconds; ``jax.clear_caches()`` between).
Ratios are between figures of this one run.  OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE are unset (see ``bench/__main__.py``).

Options: ``--n``, ``--repeats``, ``--calls``, ``--first-repeats``,
``--no-jax``, ``--torch``, ``--torch-n``, ``--json PATH``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
import warnings

pc = time.perf_counter

BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
MARK = "LAZYRAY_BENCH_UNSET"


def _reexec_without_blas_env(argv):
    unset = [k for k in (*BLAS_VARS, "LAZYRAY_STRICT") if k in os.environ]
    if not unset or MARK in os.environ:
        return
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env[MARK] = ";".join(unset)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "bench.jit_bench", *argv], env)


def _per_call(fn, calls, sync=None):
    t0 = pc()
    for _ in range(calls):
        r = fn()
    if sync is not None:
        sync(r)
    return (pc() - t0) / calls


def _interleaved(entries, repeats):
    """``entries``: {name: thunk returning seconds}; medians over rotated repeats."""
    samples = {k: [] for k in entries}
    names = list(entries)
    for rep in range(repeats):
        k = rep % len(names)
        for name in names[k:] + names[:k]:
            gc.collect()
            samples[name].append(entries[name]())
    return {k: statistics.median(v) for k, v in samples.items()}


def _close(a, b):
    import numpy as np

    return bool(np.allclose(np.asarray(a), np.asarray(b), rtol=1e-8, atol=1e-10))


# ------------------------------------------------------------------ numpy


def bench_numpy(x, args):
    import lazyray
    from lazyray.examples import gram_schmidt

    ref = gram_schmidt(x)
    n = x.shape[0]

    def hand_built():
        gc.collect()
        t0 = pc()
        v = lazyray.Variable((n, n))
        f = lazyray.Function(v, gram_schmidt(v))
        return pc() - t0, f

    def jit_first():
        gc.collect()
        j = lazyray.jit(gram_schmidt)
        t0 = pc()
        y = j(x)
        return pc() - t0, j, y

    # first calls and trace + build, interleaved
    tb, first = [], []
    for _ in range(args.first_repeats):
        tb.append(hand_built()[0])
        first.append(jit_first()[0])
    _, fn = hand_built()
    _, jitted, y = jit_first()
    ok = _close(y, ref) and _close(fn(x), ref)
    calls = _interleaved(
        {
            "eager numpy": lambda: _per_call(lambda: gram_schmidt(x), args.calls),
            "Function (hand-built)": lambda: _per_call(lambda: fn(x), args.calls),
            "lazyray.jit": lambda: _per_call(lambda: jitted(x), args.calls),
        },
        args.repeats,
    )
    tb_m, first_m = statistics.median(tb), statistics.median(first)
    return {
        "n": n,
        "ok": ok,
        "ops": len(fn),
        "call_s": calls,
        "trace_build_s": tb_m,
        "jit_first_call_s": first_m,
        "ratio_jit_call_vs_eager": calls["lazyray.jit"] / calls["eager numpy"],
        "ratio_jit_call_vs_function": calls["lazyray.jit"] / calls["Function (hand-built)"],
        "ratio_jit_first_vs_trace_build": first_m / tb_m,
    }


# -------------------------------------------------------------------- jax


def bench_jax(x, args):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    import lazyray
    from lazyray.examples import gram_schmidt

    ref = gram_schmidt(x)
    xj = jnp.asarray(x)
    sync = jax.block_until_ready
    first = {"lazyray.jit(compile='jax')": [], "jax.jit": []}
    for _ in range(args.jax_first_repeats):
        jax.clear_caches()
        gc.collect()
        lj = lazyray.jit(gram_schmidt, compile="jax")
        t0 = pc()
        sync(lj(xj))
        first["lazyray.jit(compile='jax')"].append(pc() - t0)
        jax.clear_caches()
        gc.collect()
        jj = jax.jit(gram_schmidt)
        t0 = pc()
        sync(jj(xj))
        first["jax.jit"].append(pc() - t0)
    first = {k: statistics.median(v) for k, v in first.items()}
    tape = lj.lower(xj).function  # the same Function, replayed op by op on jax
    ok = _close(lj(xj), ref) and _close(jj(xj), ref) and _close(tape(xj), ref)
    tape_calls = max(1, args.calls // 10)  # ~0.1 s per replay
    calls = _interleaved(
        {
            "tape replay on jax": lambda: _per_call(lambda: tape(xj), tape_calls, sync),
            "lazyray.jit(compile='jax')": lambda: _per_call(lambda: lj(xj), args.calls, sync),
            "jax.jit": lambda: _per_call(lambda: jj(xj), args.calls, sync),
        },
        args.repeats,
    )
    return {
        "n": x.shape[0],
        "ok": ok,
        "jax": jax.__version__,
        "call_s": calls,
        "first_call_s": first,
        "ratio_compiled_vs_tape": calls["lazyray.jit(compile='jax')"] / calls["tape replay on jax"],
        "ratio_compiled_vs_jax_jit_call": calls["lazyray.jit(compile='jax')"] / calls["jax.jit"],
        "ratio_compiled_vs_jax_jit_first": first["lazyray.jit(compile='jax')"] / first["jax.jit"],
    }


# ------------------------------------------------------------------ torch


def bench_torch(x, args):
    import torch

    import lazyray
    from lazyray.examples import gram_schmidt

    ref = gram_schmidt(x)
    xt = torch.tensor(x)
    lt = lazyray.jit(gram_schmidt, compile="torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        t0 = pc()
        y = lt(xt)
        first = pc() - t0
    compiled = lt.lower(xt)
    tape = compiled.function
    ok = _close(y, ref) and _close(tape(xt), ref)
    calls = _interleaved(
        {
            "eager torch": lambda: _per_call(lambda: gram_schmidt(xt), args.calls),
            "tape replay on torch": lambda: _per_call(lambda: tape(xt), args.calls),
            "lazyray.jit(compile='torch')": lambda: _per_call(lambda: lt(xt), args.calls),
        },
        args.repeats,
    )
    return {
        "n": x.shape[0],
        "ok": ok,
        "torch": torch.__version__,
        "fallback": compiled.fallback,
        "call_s": calls,
        "first_call_s": first,
        "ratio_compiled_vs_tape": calls["lazyray.jit(compile='torch')"]
        / calls["tape replay on torch"],
        "ratio_compiled_vs_eager": calls["lazyray.jit(compile='torch')"] / calls["eager torch"],
    }


# ------------------------------------------------------------------ report


def _ms(s):
    return f"{s * 1e3:.3f} ms" if s < 1 else f"{s:.2f} s"


def report(res) -> str:
    lines = [f"# lazyray.jit bench: Gram-Schmidt (machine load {os.getloadavg()[0]:.1f})", ""]
    r = res.get("numpy")
    if r:
        lines += [
            f"## numpy, N={r['n']} ({r['ops']} ops after optimization; results ok: {r['ok']})",
            "",
            "| | time |",
            "|---|---|",
            *(f"| call: {k} | {_ms(v)} |" for k, v in r["call_s"].items()),
            f"| hand-built Function: trace + build | {_ms(r['trace_build_s'])} |",
            f"| lazyray.jit first call (trace + build + call) | {_ms(r['jit_first_call_s'])} |",
            "",
            f"* jit call / eager numpy: **{r['ratio_jit_call_vs_eager']:.3f}** (target <= 0.5)",
            f"* jit first call / (trace + build): **{r['ratio_jit_first_vs_trace_build']:.3f}** "
            "(target <= 1.5)",
            f"* jit call / hand-built Function call: {r['ratio_jit_call_vs_function']:.3f}",
            "",
        ]
    r = res.get("jax")
    if r:
        if "skipped" in r:
            lines += [f"## jax: skipped ({r['skipped']})", ""]
        else:
            lines += [
                f"## jax {r['jax']}, float64 CPU, N={r['n']} (results ok: {r['ok']})",
                "",
                "| | first call (compile) | later calls |",
                "|---|---|---|",
                f"| tape replay on jax | - | {_ms(r['call_s']['tape replay on jax'])} |",
            ]
            for k in ("lazyray.jit(compile='jax')", "jax.jit"):
                lines.append(f"| {k} | {_ms(r['first_call_s'][k])} | {_ms(r['call_s'][k])} |")
            lines += [
                "",
                f"* compiled call / tape replay: **{r['ratio_compiled_vs_tape']:.4f}** "
                "(target <= 0.3)",
                f"* vs jax.jit of the original: call {r['ratio_compiled_vs_jax_jit_call']:.2f}x, "
                f"first call {r['ratio_compiled_vs_jax_jit_first']:.2f}x",
                "",
            ]
    r = res.get("torch")
    if r:
        if "skipped" in r:
            lines += [f"## torch: skipped ({r['skipped']})", ""]
        else:
            lines += [
                f"## torch {r['torch']}, float64 CPU, N={r['n']} (results ok: {r['ok']}, "
                f"fallback: {r['fallback']})",
                "",
                "| | time |",
                "|---|---|",
                *(f"| call: {k} | {_ms(v)} |" for k, v in r["call_s"].items()),
                f"| lazyray.jit(compile='torch') first call | {_ms(r['first_call_s'])} |",
                "",
                f"* compiled call / tape: {r['ratio_compiled_vs_tape']:.3f}; "
                f"/ eager torch: {r['ratio_compiled_vs_eager']:.3f}",
                "",
            ]
    return "\n".join(lines)


def parse(argv):
    p = argparse.ArgumentParser(prog="python -m bench.jit_bench", description=__doc__)
    p.add_argument("--n", type=int, default=40, help="Gram-Schmidt size (default 40)")
    p.add_argument("--repeats", type=int, default=7, help="interleaved repeats of the calls")
    p.add_argument("--calls", type=int, default=20, help="calls per timed repeat")
    p.add_argument("--first-repeats", type=int, default=5, help="fresh first calls (numpy)")
    p.add_argument("--jax-first-repeats", type=int, default=1, help="fresh jax compiles")
    p.add_argument("--no-jax", action="store_true")
    p.add_argument("--torch", action="store_true", help="also time compile='torch'")
    p.add_argument("--torch-n", type=int, default=10)
    p.add_argument("--json", help="write the figures to this file")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    import numpy as np

    x = np.random.default_rng(args.n).normal(size=(args.n, args.n))
    # warm one-time caches (op resolution, imports) at a tiny size, untimed
    import lazyray
    from lazyray.examples import gram_schmidt

    lazyray.jit(gram_schmidt)(np.eye(4))
    res = {"numpy": bench_numpy(x, args)}
    if not args.no_jax:
        try:
            import jax  # noqa: F401
        except ImportError:
            res["jax"] = {"skipped": "jax not installed"}
        else:
            res["jax"] = bench_jax(x, args)
    if args.torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            res["torch"] = {"skipped": "torch not installed"}
        else:
            xt = np.random.default_rng(args.torch_n).normal(size=(args.torch_n,) * 2)
            res["torch"] = bench_torch(xt, args)
    print(report(res))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    _reexec_without_blas_env(sys.argv[1:])
    sys.exit(main())
