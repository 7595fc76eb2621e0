"""The benchmark workloads, written once against ``autoray.do``.

Each workload is a plain function of a list of input arrays: it runs eagerly
on numpy arrays, traces a graph on lazyray or ``autoray.lazy`` arrays, and
builds a task graph on ``dask.array`` arrays, without any change.

A :class:`Case` is one workload at one size: its deterministic inputs, the
function to run, and which peers it is reasonable to run it on (dask is
limited to small graphs: it needs about 4 s for 6,500 tasks and ~50 s for
20,000 on this kind of machine).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from autoray import do

from lazyray.examples import gram_schmidt, mps_overlap

# ------------------------------------------------------------ the workloads


def mps_overlap_einsum(tensors_a, tensors_b):
    """:func:`lazyray.examples.mps_overlap` with ``einsum`` in place of
    ``tensordot`` (the same two pairwise contractions per site)."""
    env = do("ones", (1, 1), like=tensors_a[0])
    for a, b in zip(tensors_a, tensors_b):
        env = do("einsum", "ab,apc->bpc", env, a)
        env = do("einsum", "bpc,bpd->cd", env, do("conj", b))
    return do("reshape", env, ())


def chain(x, n):
    """A deep elementwise chain of ``n`` ops (``tanh``, ``* 1.5``, ``- 0.25``)."""
    for i in range(n):
        k = i % 3
        if k == 0:
            x = do("tanh", x)
        elif k == 1:
            x = x * 1.5
        else:
            x = x - 0.25
    return x


def wide(x, depth=9):
    """A wide graph: one short independent branch per row of ``x`` (a
    ``getitem`` then ``depth`` elementwise ops), joined by a stack and a sum."""
    outs = []
    for i in range(x.shape[0]):
        y = x[i]
        for k in range(depth):
            if k % 3 == 0:
                y = do("sin", y)
            elif k % 3 == 1:
                y = y * 0.5
            else:
                y = y + 1.0
        outs.append(y)
    return do("sum", do("stack", outs, axis=0), axis=0)


# ------------------------------------------------------------------ cases


@dataclass
class Case:
    """One workload at one size."""

    workload: str
    size: int
    label: str
    nodes_hint: int
    run: object  # callable: list of arrays -> output array
    dask_skip: str | None = None  # reason dask is not run, or None
    function: bool = True  # measure Function build / call
    function_skip: str | None = None
    graph: bool = True  # measure trace / compute
    graph_skip: str | None = None
    memory_tm: bool = True  # measure bytes per node with tracemalloc
    inputs: list = field(default_factory=list, repr=False)

    @property
    def key(self) -> str:
        return f"{self.workload}:{self.size}"


def _mps_tensors(bond, sites=200, phys=2, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(sites):
        left = 1 if i == 0 else bond
        right = 1 if i == sites - 1 else bond
        t = rng.normal(size=(left, phys, right)) / np.sqrt(bond * phys)
        out.append(t)
    return out


DASK_MAX = {"gram_schmidt": 50, "mps_tensordot": 64, "mps_einsum": 64, "chain": 2_000, "wide": 200}
DASK_REASON = {
    "gram_schmidt": "dask needs ~50 s per trace+compute at N=100 (issue 6); capped at N<=50",
    "chain": "dask graph building is superlinear (~10 s for 3,000 ops); capped at 2,000 nodes",
    "wide": "dask capped at 200 branches (~2,000 tasks)",
}
FUNCTION_MAX = {"chain": 1_000_000}
#: sizes run for the Function phases only (trace / compute are measured around them)
FUNCTION_ONLY = {("chain", 1_000_000)}
TRACEMALLOC_MAX_NODES = 250_000
#: tiny sizes run once, untimed, to fill one-time caches before measuring
WARMUP_SIZES = {"gram_schmidt": 6, "mps_tensordot": 2, "mps_einsum": 2, "chain": 60, "wide": 5}

SIZES = {
    "quick": {
        "gram_schmidt": [20, 50],
        "mps_tensordot": [16],
        "mps_einsum": [16],
        "chain": [2_000, 20_000],
        "wide": [200],
    },
    "full": {
        "gram_schmidt": [20, 50, 100],
        "mps_tensordot": [16, 32, 64],
        "mps_einsum": [16, 32, 64],
        "chain": [2_000, 20_000, 200_000, 1_000_000, 2_000_000],
        "wide": [200, 2_000, 10_000],
    },
}


def make_case(workload: str, size: int) -> Case:
    """Build the case ``workload`` at ``size`` (inputs are deterministic)."""
    rng = np.random.default_rng(size)
    if workload == "gram_schmidt":
        inputs = [rng.normal(size=(size, size))]
        case = Case(workload, size, f"GS N={size}", 2 * size * size + 2, _run_gs)
    elif workload in ("mps_tensordot", "mps_einsum"):
        tensors = _mps_tensors(size, seed=size)
        tensors_b = _mps_tensors(size, seed=size + 1)
        inputs = tensors + tensors_b
        fn = _run_mps_td if workload == "mps_tensordot" else _run_mps_es
        kind = "tensordot" if workload == "mps_tensordot" else "einsum"
        case = Case(workload, size, f"MPS {kind} D={size}", 5 * 200 + 3, fn)
    elif workload == "chain":
        inputs = [rng.normal(size=(8,))]
        case = Case(workload, size, f"chain {size:,}", size + 1, _ChainRun(size))
    elif workload == "wide":
        inputs = [rng.normal(size=(size, 8))]
        case = Case(workload, size, f"wide {size:,}x10", 10 * size + 3, _run_wide)
    else:
        raise KeyError(f"unknown workload {workload!r}; known: {sorted(DASK_MAX)}")
    case.inputs = inputs
    if size > DASK_MAX[workload]:
        case.dask_skip = DASK_REASON.get(workload, "over the dask size cap")
    fmax = FUNCTION_MAX.get(workload)
    if fmax is not None and size > fmax:
        case.function = False
        case.function_skip = f"Function phases measured up to {fmax:,} nodes (time budget)"
    if (workload, size) in FUNCTION_ONLY:
        case.graph = False
        case.graph_skip = "Function phases only at this size (trace/compute: 200k and 2M chains)"
        case.dask_skip = case.dask_skip or case.graph_skip
    case.memory_tm = case.graph and case.nodes_hint <= TRACEMALLOC_MAX_NODES
    return case


def cases(mode: str, only: list[str] | None = None) -> list[Case]:
    """All cases of ``mode`` ("quick" or "full"), optionally only some workloads."""
    out = []
    for workload, sizes in SIZES[mode].items():
        if only and workload not in only:
            continue
        for s in sizes:
            case = make_case(workload, s)
            if mode == "quick" and case.dask_skip is None and case.nodes_hint > 900:
                case.dask_skip = "quick mode: dask only on graphs up to ~900 nodes"
            out.append(case)
    return out


# module-level runners (picklable, and usable by the memory subprocess)


def _run_gs(xs):
    return gram_schmidt(xs[0])


def _run_mps_td(xs):
    n = len(xs) // 2
    return mps_overlap(xs[:n], xs[n:])


def _run_mps_es(xs):
    n = len(xs) // 2
    return mps_overlap_einsum(xs[:n], xs[n:])


def _run_wide(xs):
    return wide(xs[0])


class _ChainRun:
    def __init__(self, n):
        self.n = n

    def __call__(self, xs):
        return chain(xs[0], self.n)
