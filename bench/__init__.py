"""Benchmarks of lazyray against eager numpy, ``autoray.lazy`` and ``dask.array``.

Run from the repository root::

    python -m bench            # full run (about 10-15 minutes on 2 cores)
    python -m bench --quick    # smoke run (under a minute)

Every workload is written once against ``autoray.do`` (see
:mod:`bench.workloads`) and run unchanged on every implementation
(:mod:`bench.impls`).  Timings are medians of interleaved repeats, each case
in a fresh process of its own (:mod:`bench.timejob`, :mod:`bench.measure`;
``--in-process`` runs them all in one); memory is measured in fresh processes
(:mod:`bench.memjob`).  Results go to ``bench/results.md``,
``bench/results.json`` and ``bench/time_per_node.png`` (:mod:`bench.report`).
"""
