"""lazyray.jit, lazyray.autojit and lazyray.compile.compilers (compile="jax" / "torch")."""

from __future__ import annotations

import collections
import inspect
import threading
import time
import warnings

import numpy as np
import pytest
from autoray import do

import lazyray
from lazyray.compile import compilers
from lazyray.compile.compilers import _untranslate
from lazyray.compile.jit import CacheInfo, JitFunction
from lazyray.examples import gram_schmidt

Pair = collections.namedtuple("Pair", ["a", "b"])


def _mlp(x, w, b):
    return do("tanh", x @ w + b).sum(axis=0)


# ------------------------------------------------------------ basic calling


@pytest.mark.parametrize("form", ["bare", "called", "function"])
def test_decorator_forms(form, rng):
    if form == "bare":
        f = lazyray.jit(_mlp)
    elif form == "called":
        f = lazyray.jit()(_mlp)
    else:
        f = lazyray.jit(optimize=False, cache_size=4)(_mlp)
    assert isinstance(f, JitFunction)
    x, w, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=(4,))
    np.testing.assert_allclose(f(x, w, b), _mlp(x, w, b), rtol=1e-12)


def test_wraps():
    def g(x):
        """doc of g"""
        return x + 1

    f = lazyray.jit(g)
    assert f.__name__ == "g" and f.__doc__ == "doc of g" and f.__wrapped__ is g
    assert "lazyray.jit of g" in repr(f)


@pytest.mark.parametrize("n", [1, 3, 8])
def test_gram_schmidt_equals_eager_numpy(n, rng):
    f = lazyray.jit(gram_schmidt)
    for _ in range(3):
        x = rng.normal(size=(n, n))
        np.testing.assert_allclose(f(x), gram_schmidt(x), rtol=1e-10, atol=1e-12)
    assert f.cache_info() == CacheInfo(hits=2, misses=1, maxsize=128, currsize=1)


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: do("exp", x) * 2.0 - x,
        lambda x: do("einsum", "ij,jk->ik", x, x.T),
        lambda x: do("linalg.norm", x, axis=0),
        lambda x: do("reshape", x[::-1, 1:], (-1,)),
        lambda x: do("stack", [x, x * 2], axis=-1).max(axis=1),
    ],
)
def test_results_equal_eager(fn, rng):
    f = lazyray.jit(fn)
    x = rng.normal(size=(4, 4))
    np.testing.assert_allclose(f(x), fn(x), rtol=1e-12)


# ------------------------------------------------------------ the cache


def test_cache_hits_on_same_signature_and_retraces_on_new(rng):
    traces = []

    def g(x):
        traces.append(x.shape)
        return do("sin", x) + 1

    f = lazyray.jit(g)
    f(rng.normal(size=(3,)))
    f(rng.normal(size=(3,)))
    assert len(traces) == 1 and f.cache_info().hits == 1
    f(rng.normal(size=(4,)))  # new shape
    assert traces == [(3,), (4,)]
    y = f(np.ones(3, dtype="float32"))  # new dtype
    assert len(traces) == 3 and y.dtype == np.float32
    f(np.ones((3,)))  # old signature: a hit
    assert len(traces) == 3
    assert f.cache_info() == CacheInfo(hits=2, misses=3, maxsize=128, currsize=3)
    assert f.signatures == [
        "g(numpy:float64[4])",
        "g(numpy:float32[3])",
        "g(numpy:float64[3])",
    ]


def test_lru_eviction():
    traces = []

    def g(x):
        traces.append(x.shape)
        return x * 2

    f = lazyray.jit(g, cache_size=2)
    for n in (1, 2, 1, 3, 1, 2):
        np.testing.assert_allclose(f(np.ones(n)), 2 * np.ones(n))
    # 1 and 2 traced, 1 hit, 3 evicts 2 (1 was used more recently), 1 hit, 2 again
    assert traces == [(1,), (2,), (3,), (2,)]
    assert f.cache_info().currsize == 2
    f.cache_clear()
    assert f.cache_info() == CacheInfo(0, 0, 2, 0)


def test_build_error_is_raised_and_not_cached():
    calls = []

    def g(x):
        calls.append(1)
        return x @ x  # (3,) @ (3,) works; (3, 2) @ (3, 2) does not

    f = lazyray.jit(g)
    with pytest.raises(ValueError):
        f(np.ones((3, 2)))
    with pytest.raises(ValueError):
        f(np.ones((3, 2)))
    assert len(calls) == 2 and f.cache_info().currsize == 0


# ------------------------------------------------------------ pytrees and statics


def test_pytrees_in_and_out(rng):
    def g(xs, params, pair, scale=2.0):
        a, b = xs
        out = {"sum": (a + b) * scale, "w": [params["w"] @ a, params["w"]]}
        return out, Pair(pair.a - pair.b, 7), None

    f = lazyray.jit(g)
    a, b = rng.normal(size=(3,)), rng.normal(size=(3,))
    w = rng.normal(size=(2, 3))
    args = ([a, b], {"w": w}, Pair(a, b))
    out, pair, none = f(*args)
    ref_out, ref_pair, _ = g(*args)
    assert none is None and isinstance(pair, Pair) and pair.b == 7
    np.testing.assert_allclose(pair.a, ref_pair.a)
    assert set(out) == {"sum", "w"} and isinstance(out["w"], list)
    np.testing.assert_allclose(out["sum"], ref_out["sum"])
    np.testing.assert_allclose(out["w"][0], ref_out["w"][0])
    assert out["w"][1] is w or np.array_equal(out["w"][1], w)
    # the same structure with new values: a hit; scale as keyword: a new signature
    f([b, a], {"w": w}, Pair(b, a))
    assert f.cache_info().hits == 1
    out2, _, _ = f(*args, scale=3.0)
    np.testing.assert_allclose(out2["sum"], (a + b) * 3.0)
    assert f.cache_info().misses == 2
    # tuple vs list of the same arrays are different structures
    f((a, b), {"w": w}, Pair(a, b))
    assert f.cache_info().misses == 3


def test_static_argnums_and_argnames(rng):
    traces = []

    def power(x, n, mode="mul"):
        traces.append((n, mode))
        for _ in range(n - 1):
            x = x * x if mode == "mul" else x + x
        return x

    x = np.full(2, 2.0)
    f = lazyray.jit(power, static_argnums=1)
    np.testing.assert_allclose(f(x, 3), [16.0, 16.0])
    np.testing.assert_allclose(f(x, n=3), [16.0, 16.0])  # argnums imply argnames
    np.testing.assert_allclose(f(x, 3, mode="add"), [8.0, 8.0])  # strings are static too
    assert traces == [(3, "mul"), (3, "mul"), (3, "add")]
    g = lazyray.jit(power, static_argnames=("n",))
    np.testing.assert_allclose(g(x, 2), [4.0, 4.0])  # argnames imply argnums
    h = lazyray.jit(power, static_argnums=-2)  # negative: counted from the end
    np.testing.assert_allclose(h(x, 2, "mul"), [4.0, 4.0])


def test_python_scalars_are_static_and_keyed_by_type_and_value():
    traces = []

    def g(x, c):
        traces.append(c)
        return x * c

    f = lazyray.jit(g)
    x = np.ones(2)
    for c in (2, 2, 2.0, True, 0.0, -0.0, float("nan"), float("nan")):
        f(x, c)
    assert [repr(c) for c in traces] == ["2", "2.0", "True", "0.0", "-0.0", "nan"]
    assert f(x, 0.5)[0] == 0.5
    # a numpy scalar is an array: traced, so a new value is a hit
    f(x, np.float64(3.0))
    assert f(x, np.float64(4.0))[0] == 4.0
    assert isinstance(traces[-1], lazyray.LazyArray)


def test_unhashable_static_argument_raises_clearly():
    f = lazyray.jit(lambda x, opts: x * 2)
    with pytest.raises(TypeError, match="neither an array nor hashable"):
        f(np.ones(2), {"a": {1, 2}})  # (containers are walked; a set is a leaf)
    g = lazyray.jit(lambda x, n: x * n, static_argnums=1)
    with pytest.raises(TypeError, match="static argument 1"):
        g(np.ones(2), [2])


def test_control_flow_on_traced_values_explains():
    def g(x):
        if x.sum() > 0:
            return x
        return -x

    f = lazyray.jit(g)
    with pytest.raises(TypeError) as info:
        f(np.ones(3))
    assert "static_argnums" in "".join(getattr(info.value, "__notes__", [""]))


def test_lazy_arguments_trace_through(rng):
    inner = lazyray.jit(lambda x: do("tanh", x) * 2)
    outer = lazyray.jit(lambda x: inner(x) + 1)
    x = rng.normal(size=(3,))
    np.testing.assert_allclose(outer(x), np.tanh(x) * 2 + 1)
    assert inner.cache_info().currsize == 0  # traced through, not compiled on its own
    v = lazyray.Variable((3,))
    assert isinstance(inner(v), lazyray.LazyArray)


def test_method():
    class Model:
        def __init__(self, k):
            self.k = k

        @lazyray.jit
        def apply(self, x):
            return x * self.k

    m = Model(3.0)
    np.testing.assert_allclose(m.apply(np.ones(2)), [3.0, 3.0])
    np.testing.assert_allclose(m.apply(np.ones(2)), [3.0, 3.0])
    assert Model.apply.cache_info().hits == 1


def test_no_array_arguments():
    f = lazyray.jit(lambda n: lazyray.array(np.arange(float(n))) * 2)
    np.testing.assert_allclose(f(3), [0.0, 2.0, 4.0])


# ------------------------------------------------------------ inspection


def test_inspection(rng):
    f = lazyray.jit(gram_schmidt)
    x = rng.normal(size=(4, 4))
    fn = f.lower(x)
    assert isinstance(fn, lazyray.Function) and f.cache_info().misses == 1
    np.testing.assert_allclose(fn(x), gram_schmidt(x))
    f(x)
    assert f.cache_info().hits == 1
    traced = f.trace(x)
    assert traced.outputs.shape == (4, 4) and traced.inputs[0].shape == (4, 4)
    assert f.summary(x).num_nodes == len(list(lazyray.ascend(traced.outputs)))
    src = f.get_source(x)
    assert src.startswith("def graph(x0):") and "stack" in src
    assert f.signatures == ["gram_schmidt(numpy:float64[4,4])"]
    with pytest.raises(TypeError, match="concrete arrays"):
        f.lower(lazyray.Variable((4, 4)))


# ------------------------------------------------------------ threads


def test_threads_call_with_different_shapes_at_once():
    f = lazyray.jit(gram_schmidt)
    shapes = [3, 4, 5, 6, 3, 4, 5, 6]
    barrier = threading.Barrier(len(shapes))
    errors = []

    def work(i, n):
        rng = np.random.default_rng(i)
        try:
            barrier.wait()
            for _ in range(5):
                x = rng.normal(size=(n, n))
                np.testing.assert_allclose(f(x), gram_schmidt(x), rtol=1e-9, atol=1e-12)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i, n)) for i, n in enumerate(shapes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    info = f.cache_info()
    assert info.misses == 4 and info.currsize == 4


def test_threads_missing_the_same_key_build_once():
    count = []
    lock = threading.Lock()

    def g(x):
        with lock:
            count.append(1)
        time.sleep(0.05)  # a slow trace: the other threads miss meanwhile
        return x + 1

    f = lazyray.jit(g)
    barrier = threading.Barrier(8)
    results = [None] * 8

    def work(i):
        barrier.wait()
        results[i] = f(np.full(3, float(i)))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(count) == 1
    for i, r in enumerate(results):
        np.testing.assert_allclose(r, np.full(3, i + 1.0))


def test_threads_share_a_build_error():
    def g(x):
        time.sleep(0.05)
        return x @ x

    f = lazyray.jit(g)
    barrier = threading.Barrier(4)
    errors = []

    def work():
        barrier.wait()
        try:
            f(np.ones((3, 2)))
        except ValueError as e:
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 4 and f.cache_info().currsize == 0


# ------------------------------------------------------------ compilers


def test_unknown_compiler():
    with pytest.raises(ValueError, match="compile must be one of"):
        lazyray.jit(_mlp, compile="xla")
    x = lazyray.Variable((2,))
    with pytest.raises(ValueError, match="unknown compiler"):
        compilers.compile_function(lazyray.Function(x, x * 2), "tvm")


def _fake_compiler(behaviour):
    def build(function, options):
        def compiled(*flat):
            if behaviour == "raise":
                raise RuntimeError("no C compiler here")
            return tuple(np.zeros_like(v) for v in np.atleast_1d(*flat)[:1])

        return compiled

    return build


@pytest.mark.parametrize("behaviour", ["raise", "wrong"])
def test_compiler_failure_falls_back_with_a_warning(behaviour, monkeypatch):
    monkeypatch.setitem(compilers._BUILDERS, "torch", _fake_compiler(behaviour))
    f = lazyray.jit(lambda x: x * 2 + 1, compile="torch")
    x = np.arange(3.0)
    with pytest.warns(RuntimeWarning, match="running it on the tape"):
        y = f(x)
    np.testing.assert_allclose(y, x * 2 + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(f(x), x * 2 + 1)  # no second warning
    assert f.lower(x).fallback is not None


def test_compiler_failure_on_wrong_inputs_raises_the_tape_error(monkeypatch):
    monkeypatch.setitem(compilers._BUILDERS, "torch", _fake_compiler("raise"))
    x = lazyray.Variable((3,))
    g = compilers.compile_function(lazyray.Function(x, x * 2), "torch")
    with pytest.raises(TypeError):
        g(np.ones(3), np.ones(3), np.ones(3))


@pytest.fixture
def jax_x64():
    jax = pytest.importorskip("jax")
    old = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", old)


def test_jit_compile_jax_equals_eager(jax_x64, rng):
    jnp = jax_x64.numpy
    f = lazyray.jit(gram_schmidt, compile="jax")
    x = rng.normal(size=(6, 6))
    y = f(jnp.asarray(x))
    assert lazyray.jit(lambda v: v).__name__  # (sanity)
    assert type(y).__module__.startswith("jax") and y.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(y), gram_schmidt(x), rtol=1e-10, atol=1e-12)
    c = f.lower(jnp.asarray(x))
    assert isinstance(c, compilers.CompiledFunction) and c.fallback is None
    # numpy inputs: jax.jit takes them, the result is a jax array
    np.testing.assert_allclose(np.asarray(f(x)), gram_schmidt(x), rtol=1e-10, atol=1e-12)


def test_jit_compile_jax_pytrees(jax_x64, rng):
    jnp = jax_x64.numpy

    def g(d, k):
        return {"p": d["a"] @ d["b"] * k, "s": [d["a"].sum(), d["a"]]}

    f = lazyray.jit(g, compile="jax")
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    out = f({"a": jnp.asarray(a), "b": jnp.asarray(b)}, 2.0)
    np.testing.assert_allclose(np.asarray(out["p"]), a @ b * 2.0, rtol=1e-12)
    np.testing.assert_allclose(float(out["s"][0]), a.sum())
    np.testing.assert_allclose(np.asarray(out["s"][1]), a)


def test_compile_function_jax(jax_x64, rng):
    x = lazyray.Variable((5, 5))
    fn = lazyray.Function(x, gram_schmidt(x))
    g = compilers.compile_function(fn, "jax")
    xs = rng.normal(size=(5, 5))
    np.testing.assert_allclose(np.asarray(g(xs)), gram_schmidt(xs), rtol=1e-10, atol=1e-12)
    assert g.get_source() == fn.get_source() and len(g) == len(fn)
    assert "CompiledFunction(jax" in repr(g)
    with pytest.raises(ValueError, match="shape"):
        g(np.ones((4, 4)))  # shapes are static


@pytest.mark.skipif(not hasattr(lazyray.Function, "compile"), reason="no Function.compile")
def test_function_compile_method(jax_x64, rng):
    x = lazyray.Variable((3,))
    fn = lazyray.Function([x], {"y": do("sin", x) * 2})
    g = fn.compile("jax")
    xs = rng.normal(size=(3,))
    np.testing.assert_allclose(np.asarray(g([xs])["y"]), np.sin(xs) * 2)


def test_jit_compile_torch_equals_eager(rng):
    torch = pytest.importorskip("torch")
    f = lazyray.jit(gram_schmidt, compile="torch")
    x = rng.normal(size=(3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        y = f(torch.tensor(x))
    assert isinstance(y, torch.Tensor)
    np.testing.assert_allclose(y.numpy(), gram_schmidt(x), rtol=1e-10, atol=1e-12)
    c = f.lower(torch.tensor(x))
    if _torch_compile_works(torch):  # then the graph compiles (no fallback)
        assert c.fallback is None and c.compiled is not None
    y2 = f(torch.tensor(x * 2))
    np.testing.assert_allclose(y2.numpy(), gram_schmidt(x * 2), rtol=1e-10, atol=1e-12)


def _torch_compile_works(torch) -> bool:
    """Whether ``torch.compile`` (inductor) runs on this machine at all."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = torch.compile(lambda t: t.sin() + 1, dynamic=False)
            return bool(torch.allclose(g(torch.ones(2)), torch.ones(2).sin() + 1))
    except Exception:
        return False


def test_untranslate_looks_through_lazyray_wrappers(rng):
    # the tape's torch functions wrap autoray's translated functions: the
    # copy calls the rewritten one, the original wrapper is left as it was
    torch = pytest.importorskip("torch")
    from lazyray.compile.codegen import render
    from lazyray.compile.retarget import retarget

    x = lazyray.Variable((4, 3))
    fn = lazyray.Function([x], [lazyray.linalg.norm(x, axis=0), lazyray.stack([x, x], axis=1)])
    params = {}
    render(retarget(fn._prog, "torch"), params)
    t = torch.tensor(rng.normal(size=(4, 3)))
    for name, kwargs in [("linalg_norm", {"axis": 0}), ("stack", {"axis": 1})]:
        wrapper = params[name]
        new = _untranslate(wrapper)
        assert new is not wrapper and new.__wrapped__ is wrapper
        args = ([t, t],) if name == "stack" else (t,)
        torch.testing.assert_close(new(*args, **kwargs), wrapper(*args, **kwargs))


def test_untranslate_matches_autoray_translations(rng):
    torch = pytest.importorskip("torch")
    from autoray import get_lib_fn

    t = torch.tensor(rng.normal(size=(3, 4)))
    norm = get_lib_fn("torch", "linalg.norm")
    stack = get_lib_fn("torch", "stack")
    assert norm.__code__.co_name == "translated_function"
    for fn, args, kwargs in [
        (norm, (t,), {}),
        (norm, (t, None, 1), {}),
        (norm, (t,), {"axis": 0, "keepdims": True}),
        (stack, ([t, t],), {"axis": -1}),
        (stack, ([t, t], 1), {}),
    ]:
        new = _untranslate(fn)
        assert new is not fn
        torch.testing.assert_close(new(*args, **kwargs), fn(*args, **kwargs))
    assert _untranslate(torch.sin) is torch.sin


# ------------------------------------------------------------ autojit


def test_autojit_signature_matches_autoray():
    autoray = pytest.importorskip("autoray")
    ours = inspect.signature(lazyray.autojit)
    theirs = inspect.signature(autoray.autojit)
    assert list(ours.parameters) == list(theirs.parameters)
    for name, p in theirs.parameters.items():
        assert ours.parameters[name].kind == p.kind
        assert ours.parameters[name].default == p.default


def test_autojit_numpy_runs_the_tape(rng):
    @lazyray.autojit
    def f(x, y):
        return do("tanh", x @ y)

    x, y = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    np.testing.assert_allclose(f(x, y), np.tanh(x @ y), rtol=1e-12)
    g = lazyray.autojit(backend="python", compiler_opts={"python": {"optimize": False}})(
        lambda x: x * 2
    )
    np.testing.assert_allclose(g(x), 2 * x)


def test_autojit_jax_backend_converts_back(jax_x64, rng):
    f = lazyray.autojit(lambda x: do("sin", x) * 2)
    x = rng.normal(size=(3,))
    y = f(x, backend="jax")  # compiled by jax, returned as numpy (as autoray does)
    assert isinstance(y, np.ndarray)
    np.testing.assert_allclose(y, np.sin(x) * 2)
    yj = f(jax_x64.numpy.asarray(x))  # jax arrays: jax by default
    assert not isinstance(yj, np.ndarray)
    np.testing.assert_allclose(np.asarray(yj), np.sin(x) * 2)
