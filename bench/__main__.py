"""``python -m bench``: run the benchmarks and write ``bench/results.*``.

Options: ``--quick`` (small sizes, under a minute, writes
``bench/results-quick.*``), ``--only WORKLOAD ...``, ``--impls NAME ...``,
``--no-memory``, ``--profile`` (cProfile of lazyray's trace and compute),
``--keep-blas-env``.
"""

from __future__ import annotations

import os
import sys

BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
MARK = "LAZYRAY_BENCH_UNSET"


def _reexec_without_blas_env(argv):
    """Restart without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (and without
    LAZYRAY_STRICT): on this kind of machine they make a 64x128 @ 128x64
    matmul ~18x slower, which would distort every BLAS-bound comparison."""
    unset = {k: os.environ[k] for k in (*BLAS_VARS, "LAZYRAY_STRICT") if k in os.environ}
    if not unset or "--keep-blas-env" in argv or MARK in os.environ:
        return
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env[MARK] = ";".join(f"{k}={v}" for k, v in unset.items())
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "bench", *argv], env)


if __name__ == "__main__":
    _reexec_without_blas_env(sys.argv[1:])
    from .run import main

    sys.exit(main(sys.argv[1:]))
