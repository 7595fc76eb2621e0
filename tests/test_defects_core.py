"""Regression tests for the core defects of issue 10 (F4, F10, F11, F17,
F18, F19, F20, F23), each against eager numpy or the exact documented
behaviour."""

import collections
import functools
import io
import os
import pickle
import sys
import threading
import time
import types

import numpy as np
import pytest

import lazyray as lr
from lazyray import cli
from lazyray.graph.pytree import rebuild_container
from lazyray.inspect.show import listing, show, tree_lines

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.join(HERE, "examples_cli.py")


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


# --------------------------------------------------- F4: pytree containers

Point = collections.namedtuple("Point", "x y")


class MyList(list):
    pass


class MyTuple(tuple):
    pass


class MyDict(dict):
    pass


class Frozen(collections.abc.Mapping):
    """A read-only Mapping built from a dict."""

    def __init__(self, data):
        self._d = dict(data)

    def __getitem__(self, k):
        return self._d[k]

    def __iter__(self):
        return iter(self._d)

    def __len__(self):
        return len(self._d)


class Pair(collections.abc.Sequence):
    """A Sequence whose constructor takes two items: cannot be rebuilt."""

    def __init__(self, a, b):
        self._items = (a, b)

    def __getitem__(self, i):
        return self._items[i]

    def __len__(self):
        return 2


def _x():
    return np.arange(3.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda v: collections.OrderedDict(a=v * 2, b=v + 1),
        lambda v: collections.defaultdict(list, a=v * 2, b=v + 1),
        lambda v: collections.Counter(a=v * 2),
        lambda v: MyDict(a=v * 2),
        lambda v: Frozen({"a": v * 2}),
        lambda v: types.MappingProxyType({"a": v * 2}),
        lambda v: Point(v * 2, v + 1),
        lambda v: MyList([v * 2, v + 1]),
        lambda v: MyTuple([v * 2, v + 1]),
        lambda v: collections.deque([v * 2, v + 1], maxlen=5),
        lambda v: collections.UserList([v * 2, "s"]),
        lambda v: collections.UserDict(a=v * 2),
    ],
)
def test_f4_compute_keeps_container_types(make):
    x = lr.array(_x())
    out = lr.compute(make(x))
    ref = make(_x())
    assert type(out) is type(ref)
    assert all(same(a, b) if not isinstance(a, str) else a == b for a, b in _pairs(out, ref))
    if isinstance(ref, collections.defaultdict):
        assert out.default_factory is list
    if isinstance(ref, collections.deque):
        assert out.maxlen == 5


def _pairs(out, ref):
    if isinstance(ref, collections.abc.Mapping):
        assert list(out) == list(ref)
        return [(out[k], ref[k]) for k in ref]
    assert len(out) == len(ref)
    return list(zip(out, ref))


def test_f4_ordered_dict_is_not_none():
    x = lr.array(_x())
    out = lr.compute(collections.OrderedDict(a=x * 2))
    assert type(out) is collections.OrderedDict and same(out["a"], _x() * 2)


def _first_plus_one(expected_type, d):
    assert type(d) is expected_type  # the node's argument, same container type
    v = d["a"] if isinstance(d, collections.abc.Mapping) else d[0]
    assert type(v) is np.ndarray
    return v + 1


def test_f4_custom_node_finds_dependencies_in_any_container():
    x = lr.array(_x())
    y = x * 5
    for box in (
        collections.OrderedDict(a=y),
        collections.defaultdict(list, a=y),
        collections.deque([y]),
        Point(y, 0),
    ):
        fn = functools.partial(_first_plus_one, type(box))
        node = lr.LazyArray("numpy", fn, (box,), None, (3,))
        assert node.deps == (y,) and node.depth == 2
        clone = pickle.loads(pickle.dumps(node))
        assert f"{type(box).__name__}(" in listing(node)
        res = node.compute()
        assert type(res) is np.ndarray and same(res, _x() * 5 + 1)
        assert same(clone.compute(), _x() * 5 + 1)


def test_f4_function_inputs_and_outputs_keep_types():
    v = lr.Variable((3,))
    w = lr.Variable((3,))
    ins = collections.OrderedDict(b=v, a=w)
    outs = collections.defaultdict(int, s=v * 2 + w, p=Point(v - w, lr.sin(v)))
    arg = collections.OrderedDict(b=_x(), a=np.ones(3))
    for opt in (True, False):
        f = lr.Function(ins, outs, optimize=opt)
        res = f(arg)
        assert type(res) is collections.defaultdict and res.default_factory is int
        assert list(res) == ["s", "p"]
        assert same(res["s"], _x() * 2 + 1)
        assert type(res["p"]) is Point
        assert same(res["p"].x, _x() - 1) and same(res["p"].y, np.sin(_x()))
        g = pickle.loads(pickle.dumps(f))
        assert same(g(arg)["p"].y, np.sin(_x()))


def test_f4_strings_and_ranges_are_leaves():
    x = lr.array(_x())
    out = lr.compute(("abc", b"b", range(2), [x]))
    assert out[:3] == ("abc", b"b", range(2)) and same(out[3][0], _x())


def test_f4_unrebuildable_container_is_a_clear_type_error():
    x = lr.array(_x())
    assert lr.LazyArray("numpy", lambda p: p[0], (Pair(x * 2, 1),), None, (3,)).deps
    with pytest.raises(TypeError, match="Pair"):
        lr.compute(Pair(x * 2, x))
    with pytest.raises(TypeError, match="Pair"):
        lr.Function(lr.Variable(()), Pair(1, 2))


def test_f4_rebuild_container_rule():
    d = collections.defaultdict(set, a=1)
    assert rebuild_container(d, ["a"], [2]) == {"a": 2}
    assert rebuild_container(d, ["a"], [2]).default_factory is set
    c = rebuild_container(collections.Counter(a=1), ["a"], [5])
    assert type(c) is collections.Counter and c == {"a": 5}
    assert rebuild_container(Point(1, 2), None, [3, 4]) == Point(3, 4)


# ---------------------------------------------- F10: non-numeric dtypes


@pytest.mark.parametrize(
    "data",
    [
        np.array(["a", "b"]),
        np.array([b"a"]),
        np.array([object(), 1], dtype=object),
        np.array(["2020-01-01"], dtype="datetime64[D]"),
        np.zeros(2, dtype=[("a", "f8")]),
        "abc",
        ["a", 1],
    ],
)
def test_f10_unsupported_data_is_a_trace_time_type_error(data):
    with pytest.raises(TypeError, match="unsupported dtype"):
        lr.array(data)
    with pytest.raises(TypeError, match="unsupported dtype"):
        lr.LazyArray.from_data(data)
    with lr.shared_intermediates(), pytest.raises(TypeError, match="unsupported dtype"):
        lr.array(data)


@pytest.mark.parametrize("dtype", ["U3", "S2", object, str, "O", "datetime64[s]", "V8"])
def test_f10_unsupported_variable_dtype(dtype):
    with pytest.raises(TypeError, match="unsupported dtype"):
        lr.Variable((2,), dtype=dtype)
    with pytest.raises(TypeError, match="unsupported dtype"):
        lr.LazyArray.from_shape((2,), dtype=dtype)


@pytest.mark.parametrize(
    "dtype", ["bool", "int8", "uint16", "int64", "float16", "float32", "float64", "complex64"]
)
def test_f10_numeric_dtypes_still_work(dtype):
    a = np.ones(3, dtype=dtype)
    assert lr.array(a).dtype == dtype
    assert lr.Variable((2,), dtype=dtype).dtype == dtype
    assert same(lr.compute(lr.array(a) * 1), a * 1)


def test_f10_sin_of_strings_fails_at_trace_time():
    with pytest.raises(TypeError):
        lr.sin(lr.array(np.array(["a", "b"])))
    with pytest.raises(TypeError):
        lr.sin(np.array(["a", "b"]))


# ------------------------------------------------------- F11: sharing keys


def test_f11_mutated_list_is_not_confused_with_its_old_value():
    with lr.shared_intermediates():
        lst = [1.0, 2.0]
        a = lr.array(lst)
        lst.append(3.0)
        b = lr.array(lst)
        assert b is not a and b.shape == (3,)
        assert same(b.compute(), np.array([1.0, 2.0, 3.0]))
        assert same(a.compute(), np.array([1.0, 2.0]))
        lst[0] = 7.0
        c = lr.array(lst)
        assert same(c.compute(), np.array([7.0, 2.0, 3.0]))
        # the same content gives the same leaf, whatever the object
        assert lr.array([7.0, 2.0, 3.0]) is c
        assert lr.array((7.0, 2.0, 3.0)) is c
        # but not the same dtype or bits
        assert lr.array([7, 2, 3]) is not c
        assert lr.array(0.0) is not lr.array(-0.0)


def test_f11_nested_mutation_and_op_arguments():
    x = lr.array(np.arange(4.0))
    with lr.shared_intermediates():
        rows = [[1.0, 2.0]]
        a = lr.array(rows)
        rows[0][1] = 5.0
        assert same(lr.array(rows).compute(), np.array([[1.0, 5.0]]))
        assert same(a.compute(), np.array([[1.0, 2.0]]))
        shape = [2, 2]
        y = lr.reshape(x, shape)
        shape[:] = [4, 1]
        z = lr.reshape(x, shape)
        assert y.shape == (2, 2) and z.shape == (4, 1)


def test_f11_ndarray_rule_is_identity_and_documented():
    # ndarrays are keyed by identity (documented): mutating one in place while
    # the cache lives is not detected, and a new array always gives a new leaf
    from lazyray.graph import sharing

    assert "mutat" in sharing.__doc__ and "identity" in sharing.__doc__
    assert "mutat" in lr.shared_intermediates.__doc__
    a = np.ones(3)
    with lr.shared_intermediates():
        assert lr.array(a) is lr.array(a)
        b = a.copy()
        b[0] = 5
        assert same((lr.array(b) * 2).compute(), b * 2)


# --------------------------------------------------- F17: exact statistics


def test_f17_statistics_are_exact_python_integers():
    y = lr.sin(lr.Variable((2**29, 2**30)))
    assert y.history_peak_size(bytes=True) == 2**63
    assert y.history_peak_size() == 2**60
    assert y.history_total_size(bytes=True) == 2**63
    assert y.history_size_footprint(bytes=True) == [2**62, 2**63, 2**62]
    assert y.history_size_footprint(bytes=True, per_node=True) == [2**62, 2**63]
    big = lr.sin(lr.Variable((10**10, 10**10)))
    assert big.size == 10**20 and big.nbytes == 8 * 10**20
    assert big.history_peak_size() == 2 * 10**20
    assert big.history_peak_size(bytes=True) == 16 * 10**20
    assert big.history_max_size(bytes=True) == 8 * 10**20
    s = lr.summary(big)
    assert s.peak_bytes == 16 * 10**20 and s.total_bytes == 16 * 10**20
    assert s.flops == 10**20 and s.input_bytes == 8 * 10**20
    assert all(type(v) is int for v in s.to_dict().values() if not isinstance(v, dict))
    assert "200,000,000,000,000,000,000" in repr(s)
    assert big.history_stats("bytesout") == {"variable": 8 * 10**20, "sin": 8 * 10**20}
    u, sv, vh = lr.linalg.svd(lr.Variable((10**10, 10**10)))
    assert lr.summary([u, sv, vh]).output_size == 2 * 10**20 + 10**10


def test_f17_statistics_small_graphs_unchanged():
    a, b, c = (lr.Variable((10, 10)) for _ in range(3))
    d = (a @ b) @ c
    assert d.history_peak_size() == 400
    assert type(d.history_peak_size()) is int
    assert all(type(v) is int for v in d.history_size_footprint())


def test_f17_cli_huge_shapes(capsys):
    rc = cli.main(["inspect", f"{EXAMPLES}:two_outputs", "--arg", "9999999999,9999999999"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "Traceback" not in err
    assert "lazyray graph summary" in out


# ----------------------------------------------------- F18: node sizes


def test_f18_multi_output_node_answers_size_shape_ndim():
    u, s, vh = lr.linalg.svd(lr.Variable((4, 3), dtype="float32"))
    base = u.deps[0]
    assert base.shape == ((4, 3), (3,), (3, 3))
    assert base.size == 12 + 3 + 9
    assert base.nbytes == (12 + 3 + 9) * 4
    assert base.ndim == 3 == len(base.shape)  # ndim is len(shape): an int for every node
    assert base.itemsize == (4, 4, 4)
    assert sum(n.size for n in lr.ascend(s)) == 12 + 24 + 3
    assert sum(n.nbytes for n in lr.ascend([u, s, vh])) == 4 * (12 + 24 + 12 + 3 + 9)
    assert len(base) == 3
    assert [n.size for n in (u, s, vh)] == [12, 3, 9]
    assert [(n.shape, n.dtype, n.fn_name) for n in base] == [
        ((4, 3), "float32", "item"),
        ((3,), "float32", "item"),
        ((3, 3), "float32", "item"),
    ]
    a = np.random.default_rng(0).normal(size=(4, 3))
    items = list(lr.linalg.svd(lr.array(a))[0].deps[0])
    assert same(lr.compute(items[1]), np.linalg.svd(a, full_matrices=False)[1])
    assert sum(n.ndim for n in lr.ascend([u, s, vh])) == 2 + 3 + 2 + 1 + 2


# ------------------------------------------------- F19: concurrent compute


def _shared_graph(n=40):
    x = lr.array(np.linspace(0, 1, 3))
    y = x
    for _ in range(n):
        y = lr.sin(y) + x * 0.5
    ref = np.linspace(0, 1, 3)
    r = ref
    for _ in range(n):
        r = np.sin(r) + ref * 0.5
    return y, r


def test_f19_concurrent_compute_of_a_shared_graph():
    nthreads = 8
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often: makes races likely
    errors, wrong, reps = [], [], 0
    try:
        t_end = time.monotonic() + 2.0
        while time.monotonic() < t_end or reps < 20:
            y, ref = _shared_graph()
            barrier = threading.Barrier(nthreads)

            def work(y=y, ref=ref, barrier=barrier):
                barrier.wait()
                try:
                    got = lr.compute([y, y * 1])
                except Exception as e:  # noqa: BLE001 - collected and reported
                    errors.append(e)
                    return
                if not (same(got[0], ref) and same(got[1], ref)):
                    wrong.append(got)

            threads = [threading.Thread(target=work) for _ in range(nthreads)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            reps += 1
    finally:
        sys.setswitchinterval(old)
    assert not errors, f"{len(errors)} failures in {reps} repetitions: {errors[0]!r}"
    assert not wrong


def test_f19_concurrent_compute_with_progress():
    y, ref = _shared_graph(20)
    results, errors = [], []

    def work():
        try:
            results.append(lr.compute(y, progbar=True))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    import contextlib

    with contextlib.redirect_stderr(io.StringIO()):
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors and all(same(r, ref) for r in results)


# ------------------------------------------------------- F20: CLI input


@pytest.mark.parametrize(
    "spec",
    ["8,8:U5", "8,8:object", "8:str", "8:datetime64", "2x3x", ",,", "2,,3", "x", "8:nosuch", "-1"],
)
def test_f20_bad_arg_is_a_one_line_error(spec, capsys):
    rc = cli.main(["inspect", f"{EXAMPLES}:two_outputs", f"--arg={spec}"])
    out, err = capsys.readouterr()
    assert rc == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lazyray inspect: error: bad --arg"), err


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("2x3", ((2, 3), "float64")),
        ("2, 3", ((2, 3), "float64")),
        ("(2,3)", ((2, 3), "float64")),
        ("4,", ((4,), "float64")),
        ("(4,)", ((4,), "float64")),
        ("()", ((), "float64")),
        ("", ((), "float64")),
        ("scalar:int8", ((), "int8")),
        ("3:complex64", ((3,), "complex64")),
    ],
)
def test_f20_good_arg_specs(spec, expected):
    assert cli.parse_arg_spec(spec) == expected


def test_f20_bad_backend_is_a_one_line_error(capsys):
    rc = cli.main(["inspect", f"{EXAMPLES}:two_outputs", "--arg", "3", "--backend", "nosuch"])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


# -------------------------------------------------- F23: unrepresentable


class BadRepr:
    def __repr__(self):
        raise RuntimeError("no repr")


class Hostile:
    """Every attribute access and repr raises."""

    def __getattr__(self, name):
        raise RuntimeError(name)

    def __repr__(self):
        raise ValueError("no")


def _node_with(*extra, **kw):
    x = lr.array(np.arange(3.0))
    return x.to(lambda a, *args, **kwargs: a, args=(x, *extra), kwargs=kw)


def test_f23_show_and_listing_survive_bad_reprs():
    y = _node_with(BadRepr(), [Hostile()], {BadRepr(): 1}, k=BadRepr())
    text = listing(y)
    assert "<unrepresentable BadRepr>" in text and "<unrepresentable Hostile>" in text
    buf = io.StringIO()
    show(y, file=buf)
    assert "<unrepresentable BadRepr>" in buf.getvalue()
    show(y, style="listing", file=io.StringIO())
    assert "<unrepresentable BadRepr>" in "\n".join(tree_lines(y))
    assert same(y.compute(), np.arange(3.0))
