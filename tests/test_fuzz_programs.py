"""The differential fuzzer (``tests/fuzz``) in CI: a fixed, seeded budget.

``N_PROGRAMS`` random programs of campaign ``CI_SEED``, in ``N_CHUNKS``
chunks so that failures show separately.  The cheap paths (``compute``,
strict mode, ``compute(optimize=True)``, ``optimize``, the three
``Function`` s) run on every program; the expensive ones (``get_source`` of
both graphs, both pickles, the program under ``lazyray.jit`` called twice,
``compute`` and a ``Function`` cut into dask
tasks run on threads and in two other processes, ``compute`` on a 2-process
``LocalCluster`` (on 1 expensive program in 10), and the ``Function``
called with torch tensors, with dask arrays and (on 1 expensive program in
4) with jax arrays) on every ``EXPENSIVE_EVERY``-th program.
``CI_SKIPPED_PATHS`` names paths left out of CI, with their reasons (none
today).
A failing chunk prints each distinct failure shrunk to a runnable
reproducer.  The long campaign is ``python -m tests.fuzz --programs 100000
--seed N --jobs 2`` (see ``tests/fuzz/__main__.py``).

Also checked here: every registered op has an argument generator (or a
reason in ``fuzz.opgen.EXCLUDED``), every generator draws calls numpy
accepts, and the comparison, shrinker, reproducer and command line work.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import lazyray
from fuzz import opgen
from fuzz.campaign import check_block, group_of, program_seed
from fuzz.check import check_program
from fuzz.compare import close, same_bits
from fuzz.gen import draw_program
from fuzz.paths import PATHS, Path, available_paths
from fuzz.program import DTYPES, Leaf, Program, Stmt
from fuzz.report import describe
from fuzz.repro import reproducer
from fuzz.shrink import shrink

CI_SEED = 20240610
N_PROGRAMS = 2000
N_CHUNKS = 20
EXPENSIVE_EVERY = 2
MAX_SHOWN = 3  # shrunk reproducers printed per failing chunk

_CHUNK = N_PROGRAMS // N_CHUNKS

#: paths left out of the CI budget, each with its reason; the long campaign
#: (``python -m tests.fuzz``) still runs them and prints their reproducers
CI_SKIPPED_PATHS: dict = {}


def ci_paths() -> list:
    """The paths checked in CI: every available one but :data:`CI_SKIPPED_PATHS`."""
    return [p for p in available_paths() if p not in CI_SKIPPED_PATHS]


@pytest.mark.parametrize("chunk", range(N_CHUNKS))
def test_random_programs(chunk):
    seeds = [program_seed(CI_SEED, chunk * _CHUNK + i) for i in range(_CHUNK)]
    status, groups = check_block(seeds, ci_paths(), expensive_every=EXPENSIVE_EVERY)
    if not groups:
        return
    shown, seen, lines = [], set(), []
    for key, (n, seed, msg) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
        if group_of(key) in seen:
            continue
        seen.add(group_of(key))
        lines.append(f"  {n:3d} x {msg[:150]}")
        if len(shown) < MAX_SHOWN:
            prog = shrink(draw_program(seed), key, budget=150)
            shown.append(f"{n} program(s), first seed {seed}: {msg}\n{describe(prog, key)}")
    pytest.fail(
        f"{status['failed']} of {_CHUNK} programs failed, "
        f"{len(seen)} distinct failures:\n" + "\n".join(lines) + "\n\n"
        f"shrunk reproducers of the first {len(shown)}:\n\n" + "\n\n".join(shown),
        pytrace=False,
    )


#: programs of long campaigns that failed, each fixed since (in the fuzzer's
#: reference or generator, or in lazyray): they must now pass on every path
CAMPAIGN_SEEDS = {
    9960000043807: "take_along_axis over argsort: numpy's stable order of -0.0/0.0 ties",
    9961000017408: "cholesky of x x^H + 4 I sized by x's rows, not its columns",
    9961000052319: "np.clip(int8 1, np.uint8(255), 127) is 255, against numpy's definition",
    9970000013012: "np.vecdot rounds a broadcast view and its contiguous copy differently",
    9973000017498: "slogdet of a singular int matrix: numpy's LU leaves a tiny pivot, torch's a 0",
    13000000019478: "take_along_axis over argsort of torch's hfft of inf: -inf where numpy has nan",
    13100000005691: "complex clip below torch's fftn: 1e-9 where numpy has 0.0 decides the order",
    16800000006786: "complex sort below torch's pinv: -7e-18 where numpy has 0.0 decides the order",
    16800000012399: "two folded split outputs narrowed to one node: one came back data-less",
    17600000011464: "arccosh of a flipped array sent to another process: an ulp off the view's",
    17900000009926: "dask.array's linspace from -inf gives nan at stop, numpy's stop itself",
    17800000001381: "dask.array's fancy index beside a None fails while computing",
    18300000006983: "full(-2**63 - 1, dtype=bool) accepted where numpy raises OverflowError",
    19200000002886: "where on torch's inverse of an int8 matrix: -0.0 where numpy has -6e-17",
    92000000012409: "dask.array's blocked LU finds a zero pivot where numpy inverts",
    95000000000380: "a graph folded into a plan of no task crashed on a cluster",
    96000000002165: "torch's pow(-inf, float16 0.5) is inf, numpy's real x ** 0.5 sqrt(x): nan",
}
#: the ``--max-stmts`` of the campaigns above that did not use the default 5
CAMPAIGN_MAX_STMTS = {13000000019478: 8, 13100000005691: 10}
CAMPAIGN_MAX_STMTS |= dict.fromkeys([16800000006786, 16800000012399, 17600000011464], 10)
CAMPAIGN_MAX_STMTS[17800000001381] = CAMPAIGN_MAX_STMTS[18300000006983] = 10


def test_linalg_of_a_singular_matrix_is_unchecked_on_torch_only():
    from fuzz.compare import _near_singular

    singular = np.array([[1, -3, 4], [-3, -4, 1], [1, -3, 4]])
    assert _near_singular({"a": singular}, ["a"])
    assert not _near_singular({"a": np.eye(3) + 0.5}, ["a"])
    assert not _near_singular({"a": np.ones((2, 3))}, ["a"])  # not square
    assert _near_singular({"a": np.stack([np.eye(2), np.zeros((2, 2))])}, ["a"])


@pytest.mark.parametrize("seed", sorted(CAMPAIGN_SEEDS))
def test_campaign_failures_stay_fixed(seed):
    max_stmts = CAMPAIGN_MAX_STMTS.get(seed, 5)
    status, groups = check_block([seed], ci_paths(), max_stmts, expensive_every=1)
    assert status["failed"] == 0, (CAMPAIGN_SEEDS[seed], groups)


def test_clip_drops_a_lower_bound_numpy_contradicts():
    """numpy's ``clip`` with crossed mixed-dtype bounds breaks its own
    definition; the generator then draws no lower bound (see
    ``fuzz.ops_elementwise.clip_operands``)."""
    calls = [s.template for s in draw_program(9961000052319).stmts if s.op == "clip"]
    a = np.array(1, dtype="int8")
    contradicts = np.clip(a, np.uint8(255), 127) != np.minimum(np.maximum(a, np.uint8(255)), 127)
    want = "a_min=None" if contradicts else "a_min=np.uint8(255)"
    assert calls and all(want in c for c in calls), calls


# ------------------------------------------------------------- coverage


def test_every_registered_op_has_a_generator():
    """A new op is fuzzed the day it is registered: give it a generator in
    ``fuzz/opgen.py`` (or a family default), or an excuse in ``EXCLUDED``."""
    assert opgen.missing_generators() == []
    assert set(opgen.EXCLUDED) <= set(lazyray.graph.registry.OPS), "stale exclusions"


@pytest.mark.parametrize("op", sorted(op for ops in opgen.fuzzed_ops().values() for op in ops))
def test_generator_draws_valid_calls(op):
    """Each generator draws calls numpy accepts (not only rejections)."""
    accepted = 0
    for seed in range(12):
        prog = draw_program(seed, max_stmts=1, reject_prob=0.0, ops=(op,))
        accepted += any(s.op == op for s in prog.stmts)
    assert accepted >= 3, f"{op}: only {accepted} of 12 draws accepted by numpy"


def test_programs_cover_families_dtypes_and_specials():
    progs = [draw_program(program_seed(CI_SEED, i)) for i in range(400)]
    families = {lazyray.graph.registry.OPS[s.op].family for p in progs for s in p.stmts}
    assert families >= set(opgen.fuzzed_ops())
    assert {leaf.dtype for p in progs for leaf in p.leaves} == set(DTYPES)
    assert any(leaf.special for p in progs for leaf in p.leaves)
    assert any(leaf.var for p in progs for leaf in p.leaves)
    assert any(not leaf.var for p in progs for leaf in p.leaves)
    assert any(
        any(len(s.refs) and s.refs[0] in p.stmts[0].outs for s in p.stmts[1:]) for p in progs
    )


# ------------------------------------------------------------- machinery


def test_compare_levels():
    a = np.array([0.0, np.nan, 1.0])
    assert same_bits(a, a.copy())
    assert not same_bits(np.array([-0.0]), np.array([0.0]))
    assert close(np.array([-0.0]), np.array([0.0]))
    assert close(a + 1e-12, a) and not close(a + 1e-6, a)
    assert not close(np.array([np.inf]), np.array([-np.inf]))
    z = np.array([complex(1, np.nan)])
    assert same_bits(z, z.copy()) and not same_bits(z, np.array([complex(np.nan, 1)]))


def _sin_program():
    leaves = [Leaf("a0", (3, 2), "float64", 1, special=True), Leaf("a1", (2,), "int8", 2)]
    stmts = [
        Stmt(("v0",), "add", "{0} + {1}", ("a0", "a1")),
        Stmt(("v1",), "sin", "{ns}.sin({0})", ("v0",)),
        Stmt(("v2",), "sum", "{ns}.sum({0}, axis=-1)", ("v1",)),
        Stmt(("v3",), "cos", "{ns}.cos({0})", ("a1",)),
    ]
    return Program(leaves, stmts, ["v2", "v3"])


def _no_sin(t):
    if any(n.fn_name == "sin" for n in lazyray.ascend(t.outputs)):
        raise ZeroDivisionError("sin found")
    return PATHS["compute"].run(t)


def test_shrinker_finds_the_minimal_program(monkeypatch):
    monkeypatch.setitem(PATHS, "no_sin", Path("no_sin", "exact", "const", _no_sin))
    prog = _sin_program()
    (failure,) = check_program(prog, ["no_sin"]).failures
    small = shrink(prog, failure.key)
    assert small.ops() == ("sin",)
    assert [leaf.shape for leaf in small.leaves] == [()]


@pytest.mark.parametrize("path", available_paths())
def test_reproducers_run(path):
    for seed in range(3):
        prog = draw_program(program_seed(CI_SEED, seed), reject_prob=0.0)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            try:
                exec(reproducer(prog, path), {})
            except Exception as e:  # noqa: BLE001 - a failure the fuzzer reports itself
                print(f"raised {e!r}")
        assert "numpy:" in out.getvalue()


def test_rejections_are_checked():
    leaves = [Leaf("a0", (3,), "float64", 1), Leaf("a1", (4,), "float64", 2)]
    prog = Program(leaves, [Stmt(("v0",), "add", "{0} + {1}", ("a0", "a1"))], [])
    assert check_program(prog, ["compute", "function"]).status == "rejected"


def test_command_line_runs_from_the_repository_root():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cmd = [sys.executable, "-m", "tests.fuzz", "--programs", "10", "--paths", "compute"]
    res = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300)
    assert "fuzz: 10 programs run" in res.stdout, res.stderr


def test_shared_path_catches_a_sharing_key_that_drops_an_argument(monkeypatch):
    # each statement runs after its decoy (``a0 * 3.5``) in one sharing cache
    from lazyray.graph import sharing

    prog = Program(
        [Leaf("a0", (3,), "float64", 1)],
        [Stmt(("v0",), "multiply", "{0} * 2.0", ("a0",))],
        ["v0"],
    )
    assert check_program(prog, ["shared"]).status == "ok"

    def loose(x):  # every float keyed alike: the keys drop the scalar's bits
        return b""

    monkeypatch.setattr(sharing, "_pack", loose)
    report = check_program(prog, ["shared"])
    assert report.status == "failed", report
    assert [(f.path, f.kind) for f in report.failures] == [("shared", "value")], report


def test_scheduler_paths_catch_a_value_altered_between_tasks(monkeypatch):
    # the graph is cut into two tasks (two independent branches), run by dask
    from lazyray.execute import scheduler

    leaves = [Leaf("a0", (3,), "float64", 1, var=True), Leaf("a1", (3,), "float64", 2, var=True)]
    stmts = [
        Stmt(("v0",), "sin", "{ns}.sin({0})", ("a0",)),
        Stmt(("v1",), "cos", "{ns}.cos({0})", ("a1",)),
        Stmt(("v2",), "add", "{0} + {1}", ("v0", "v1")),
    ]
    prog = Program(leaves, stmts, ["v2"])
    paths = ["processes", "processes_function", "threads", "threads_function"]
    assert check_program(prog, paths).status == "ok"
    real = scheduler.aligned

    def off(x):  # what a task receives, or a process sends back, 0.1% off
        return real(x) * (1 + 1e-3)

    monkeypatch.setattr(scheduler, "aligned", off)
    report = check_program(prog, paths)
    assert report.status == "failed", report
    assert sorted(f.path for f in report.failures) == sorted(paths), report


def test_jit_path_catches_a_cached_call_that_differs_from_the_first(monkeypatch):
    from lazyray.compile.jit import JitFunction

    prog = Program(
        [Leaf("a0", (3,), "float64", 1, var=True)],
        [Stmt(("v0",), "sin", "{ns}.sin({0})", ("a0",))],
        ["v0"],
    )
    assert check_program(prog, ["jit"]).status == "ok"
    real = JitFunction._build

    def drifting(self, *args):  # the cached function, called again, 0.1% off
        entry, calls = real(self, *args), []

        def call(*xs):
            calls.append(1)
            out = entry(*xs)
            return out if len(calls) == 1 else [o * (1 + 1e-3) for o in out]

        return call

    monkeypatch.setattr(JitFunction, "_build", drifting)
    report = check_program(prog, ["jit"])
    assert [(f.path, f.kind) for f in report.failures] == [("jit", "crash")], report
    assert "differs between the two calls" in report.failures[0].detail, report
