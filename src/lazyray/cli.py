"""The ``lazyray`` command line (also ``python -m lazyray``)."""

from __future__ import annotations

import argparse
import sys
import time


def _demo(args) -> int:
    import numpy as np

    import lazyray
    from lazyray.examples import gram_schmidt

    x = np.random.default_rng(args.seed).normal(size=(args.n, args.n))
    t0 = time.perf_counter()
    q = gram_schmidt(lazyray.array(x))
    t1 = time.perf_counter()
    nodes = sum(1 for _ in lazyray.ascend(q))
    with lazyray.strict():
        result = lazyray.compute(q)
    t2 = time.perf_counter()
    expected = gram_schmidt(x)
    ok = bool(np.allclose(result, expected, rtol=1e-10, atol=1e-12))
    print(f"modified Gram-Schmidt on a {args.n}x{args.n} matrix")
    print(f"  nodes         {nodes}")
    print(f"  output shape  {q.shape}")
    print(f"  output dtype  {q.dtype}")
    print(f"  trace time    {1e3 * (t1 - t0):.1f} ms")
    print(f"  compute time  {1e3 * (t2 - t1):.1f} ms")
    print(f"  matches eager numpy: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lazyray",
        description="Trace array code lazily into a graph; inspect and run it.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="trace modified Gram-Schmidt and check it against numpy")
    demo.add_argument("-n", type=int, default=50, help="matrix size (default 50)")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_demo)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
