"""Plans reused across graphs of the same structure
(:mod:`lazyray.execute.plan_cache`): the structural key tells apart what
computes differently, a reused plan gives the values of a new plan and of
the sequential run bit for bit (and of eager numpy), and a kept plan holds
no array of the graph it was made for."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import lazyray
from lazyray import LazyArray
from lazyray.execute import plan_cache
from lazyray.execute.partitioning import partition
from lazyray.execute.plan_cache import PLANS, structure

pytest.importorskip("dask")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def key(outs):
    found = structure(outs if isinstance(outs, list) else [outs])
    return None if found is None else found[0]


def branches(arrays, scale=0.5):
    """Independent heavy branches on leaves of ``arrays``, joined."""
    xs = [lazyray.array(a) for a in arrays]
    ys = [lazyray.tanh((x @ x) * scale).sum(axis=0) for x in xs]
    return [ys[0] + ys[1], lazyray.stack(ys)[1:, ::2], xs[0]]


def eager(arrays, scale=0.5):
    ys = [np.tanh((a @ a) * scale).sum(axis=0) for a in arrays]
    return [ys[0] + ys[1], np.stack(ys)[1:, ::2], arrays[0]]


def same(a, b):
    return all(
        np.asarray(x).dtype == np.asarray(y).dtype and np.array_equal(x, y)
        for x, y in zip(a, b, strict=True)
    )


#: options that cut the small graphs of these tests into several tasks
CUT = {"workers": 2, "overhead": 1e-6, "split": True}


@pytest.fixture(autouse=True)
def empty_cache():
    plan_cache.clear()
    yield
    plan_cache.clear()


# ---------------------------------------------------------------- the key


def test_key_ignores_values_only():
    a, b = rand(4, 4), rand(4, 4, seed=1)
    assert key(branches([a, a])) == key(branches([a, b]))  # two leaves either way
    x = lazyray.array(a)
    assert key([x @ x, x]) != key([x @ lazyray.array(b), x])  # one leaf vs two
    assert key(branches([a, b])) == key(branches([b, a]))
    assert key(branches([a, b])) != key(branches([rand(5, 5), rand(5, 5)]))
    assert key(branches([a, b])) != key(branches([a, b.astype(np.float32)]))
    assert key(branches([a, b], 0.5)) != key(branches([a, b], 0.25))
    assert key(x * 0.0) != key(x * -0.0)
    assert key(x * 1) != key(x * 1.0) != key(x * True)
    assert key(x[1]) != key(x[True]) and key(x[1]) == key(lazyray.array(b)[1])
    assert key(x[:, 1:3]) != key(x[:, 1:2]) and key(x[:, 1:3]) == key(x[:, 1:3])
    assert key([x.sum(), x.max()]) != key([x.max(), x.sum()])
    assert key(lazyray.tanh(x)) != key(lazyray.sin(x))


def test_key_custom_ops_and_unkeyed_graphs():
    def f(v):
        return v + 1

    def g(v):
        return v + 2

    x = lazyray.array(rand(3))
    fa = LazyArray("numpy", f, (x,), None, (3,))
    ga = LazyArray("numpy", g, (x,), None, (3,))
    assert key(fa) != key(ga)
    assert key(lazyray.sin(lazyray.Variable((3,)))) is None  # a Variable: no value


def test_small_leaves_are_keyed_by_value():
    a = rand(4, 4)
    outs = [lazyray.tanh(lazyray.array(a)).sum()]
    same_values = [lazyray.tanh(lazyray.array(a.copy())).sum()]
    other = [lazyray.tanh(lazyray.array(a + 1)).sum()]
    k = structure(outs, 1024)[0]  # 128 bytes: a task constant
    assert k == structure(same_values, 1024)[0] and k != structure(other, 1024)[0]
    assert structure(outs, 128)[0] == structure(other, 128)[0]  # an input
    assert structure([lazyray.array(a).T], 1024)[0] != structure([lazyray.array(a.T)], 1024)[0]


def test_plan_inputs_are_the_keyed_leaves():
    small, big = rand(3, 3), rand(100, 100)
    outs = branches([small, small[::-1].copy()]) + [lazyray.array(big).sum()]
    plan = partition(outs, workers=2, overhead=1e-6, split=True)
    assert [v.shape for v in plan.inputs] == [(100, 100)]  # only the big leaf
    every = partition(outs, workers=2, overhead=1e-6, split=True, scatter_min=0)
    assert {id(v) for v in every.inputs} == {id(v) for v in structure(outs)[1]}


# ------------------------------------------------------------- reused runs


@pytest.mark.parametrize("scheduler", ["threads", "sync", "processes"])
def test_reused_plan_gives_new_values(scheduler):
    opts = {"workers": 2, "overhead": 1e-6, "split": True}
    # 60x60 leaves are below scatter_min: a plan made without reusable=True
    # would hold the first run's values as task constants
    runs = [[rand(60, 60, seed=s), rand(60, 60, seed=s + 7)] for s in range(3)]
    got = [lazyray.compute(branches(arrays), scheduler=scheduler, **opts) for arrays in runs]
    assert len(PLANS) == 1  # one structure, one plan, reused twice
    for arrays, values in zip(runs, got):
        assert same(values, lazyray.compute(branches(arrays)))  # the sequential run
        assert all(np.allclose(v, e) for v, e in zip(values, eager(arrays)))
    assert got[2][2] is runs[2][0]  # a leaf output is the new leaf's array
    fresh = lazyray.compute(branches(runs[2]), scheduler=scheduler, reuse_plan=False, **opts)
    assert same(fresh, got[2])


def test_kept_plan_holds_no_array():
    arrays = [rand(80, 80), rand(80, 80, seed=1)]
    refs = [weakref.ref(a) for a in arrays]
    lazyray.compute(branches(arrays), scheduler="threads", **CUT)
    assert len(PLANS) == 1
    del arrays
    gc.collect()
    assert all(r() is None for r in refs)


def test_constant_creation_folded_once_is_reused_right():
    def make(a):
        x = lazyray.array(a)
        c = lazyray.ones((40, 40)) * 3.0  # no leaf: folded into the plan
        return [lazyray.tanh(x @ c).sum(), lazyray.sin(x @ x).sum()]

    vals = [rand(40, 40, seed=s) for s in range(2)]
    got = [lazyray.compute(make(v), scheduler="threads", **CUT) for v in vals]
    assert len(PLANS) == 1
    for v, g in zip(vals, got):
        assert same(g, lazyray.compute(make(v)))


def test_sequential_decision_is_kept():
    x = lazyray.array(rand(5))
    assert float(lazyray.compute((x + 1).sum(), scheduler="threads")) == (rand(5) + 1).sum()
    assert len(PLANS) == 1 and next(iter(PLANS._plans.values()))[1][0] is None
    z = (lazyray.array(rand(5, seed=3)) + 1).sum()
    assert float(lazyray.compute(z, scheduler="threads")) == (rand(5, seed=3) + 1).sum()
    assert z.fn is None and len(PLANS) == 1  # computed in place, as compute() does


@pytest.mark.parametrize("scheduler", ["threads", "sync", "processes"])
def test_one_task_structure_seen_again_runs_compiled_here(scheduler):
    from lazyray.execute import todask

    # a fine-grained graph (one task as traced) runs as compute() the first
    # time; a graph of the same structure then runs the task compiled once,
    # in this thread, on its own leaves' values, bit for bit as compute()
    def make(a):
        x = lazyray.array(a)
        mid = lazyray.sin(x) * 2.0 + x[::-1]
        return [(mid @ x).sum(axis=0), lazyray.cumsum(mid, axis=1)[1:], x], mid

    runs = [rand(6, 6, seed=s) for s in range(4)]
    entries = []
    for i, a in enumerate(runs):
        outs, mid = make(a)
        got = lazyray.compute(outs, scheduler=scheduler)
        ref_outs, _ = make(a)
        assert same(got, lazyray.compute(ref_outs))
        assert np.allclose(got[0], ((np.sin(a) * 2.0 + a[::-1]) @ a).sum(axis=0))
        assert got[2] is a  # a leaf output is the new leaf's array
        # computed as compute() does, intermediates included, the first time
        # only: a compiled task leaves them untouched
        assert (mid.fn is None) == (i == 0)
        assert len(PLANS) == 1
        entries.append(next(iter(PLANS._plans.values()))[1])
    assert entries[0].plan is None  # the first time: run as traced, no plan kept
    assert entries[0].compile_next is True  # (one task: compiled at the next run)
    plan = entries[1].plan
    assert len(plan.tasks) == 1 and plan.tasks[0].nodes == []
    assert todask._local(plan, scheduler, todask.LOCAL_BELOW)  # run in this thread
    assert all(e is entries[1] for e in entries[2:])  # compiled once, reused


def test_plan_of_no_task_is_not_made_again(monkeypatch):
    # outputs that are leaves: nothing to compile, so the kept decision is
    # final (no plan is made for later graphs of the structure)
    from lazyray.execute import todask

    made = []
    real = todask._partition

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(todask, "_partition", counting)
    for s in range(3):
        a = rand(4, seed=s)
        got = lazyray.compute([lazyray.array(a)], scheduler="threads")
        assert got[0] is a
    assert len(made) == 1 and next(iter(PLANS._plans.values()))[1].compile_next is False


def test_compiled_one_task_failure_names_the_node():
    def make(a):
        x = lazyray.array(a)
        return LazyArray("numpy", _boom_if_negative, (x - 1.0,), None, x.shape).sum()

    for _ in range(2):  # the second run compiles the one task and keeps it
        lazyray.compute(make(np.full(3, 2.0)), scheduler="threads")
    assert next(iter(PLANS._plans.values()))[1][0] is not None
    with pytest.raises(ValueError, match="negative input") as info:
        lazyray.compute(make(np.full(3, 0.5)), scheduler="threads")
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "lazyray node: _boom_if_negative(f64[3]) -> f64[3]" in notes


def _boom_if_negative(v):
    if (v < 0).any():
        raise ValueError("negative input")
    return v * 2


def test_failure_of_reused_plan_names_the_node():
    def make(a):
        x = lazyray.array(a)
        bad = LazyArray("numpy", _boom_if_negative, (lazyray.abs(x) - 1.0,), None, x.shape)
        return [bad.sum(), lazyray.tanh(x @ x).sum()]

    opts = CUT
    lazyray.compute(make(np.full((30, 30), 2.0)), scheduler="threads", **opts)
    assert len(PLANS) == 1
    with pytest.raises(ValueError, match="negative input") as info:
        lazyray.compute(make(np.full((30, 30), 0.5)), scheduler="threads", **opts)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "lazyray node: _boom_if_negative(f64[30,30]) -> f64[30,30]" in notes
    assert len(PLANS) == 0  # the failing plan was dropped, the new one not kept


def test_cache_keeps_the_most_recent():
    cache = plan_cache.PlanCache(2)
    for k in "abc":
        cache.put(k, k.upper())
    assert cache.get("a") is None and cache.get("b") == "B"
    cache.put("d", "D")  # "c" is now the least recently used
    assert cache.get("c") is None and len(cache) == 2


class _Opaque:
    """A static argument keyed by identity (no value to compare)."""


def _scaled(v, o):
    return v * 2.0


def test_objects_keyed_by_identity_live_as_long_as_the_plan():
    o = _Opaque()
    ref = weakref.ref(o)
    x = lazyray.array(rand(30, 30))
    y = LazyArray("numpy", _scaled, (x, o), None, (30, 30))
    got = lazyray.compute([y.sum(), lazyray.tanh(x @ x).sum()], scheduler="threads", **CUT)
    assert np.isclose(got[0], 2 * rand(30, 30).sum())
    del y, o
    gc.collect()
    assert len(PLANS) == 1 and ref() is not None  # its id stays its own while keyed
    plan_cache.clear()
    gc.collect()
    assert ref() is None
