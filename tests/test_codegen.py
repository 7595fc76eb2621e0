"""get_source / as_string: readable, deterministic, exact and safe source.

The literal tests push awkward static arguments through a user callable node
and compare what the callable receives, through the generated source and
through a Function, with the originals (types included).
"""

from __future__ import annotations

import math
import os
from collections import namedtuple

import numpy as np
import pytest

import lazyray
from lazyray import LazyArray
from lazyray.compile.codegen import as_string, get_source, literal
from lazyray.ops import buffers


def run_source(outputs, *args):
    params = {}
    src = get_source(outputs, params)
    exec(src, params)
    return params["graph"](*args), src, params


# ------------------------------------------------------------- golden text

GOLDEN = """\
def graph(x0, x1):
    tensordot_2 = tensordot(x0, x1, axes=((1,), (0,)))
    del x1
    tanh_3 = tanh(tensordot_2)
    del tensordot_2
    sum_4 = sum(tanh_3, axis=0)
    del tanh_3
    getitem_5 = getitem(x0, (slice(None, None, None), 0))
    del x0
    multiply_6 = multiply(getitem_5, 0.5)
    del getitem_5
    add_7 = add(sum_4, multiply_6)
    del multiply_6, sum_4
    einsum_8 = einsum('i,i->', add_7, const_0)
    del add_7
    return einsum_8"""


def _small_graph():
    x = lazyray.Variable((3, 4))
    y = lazyray.Variable((4, 3))
    c = lazyray.array(np.arange(3.0))
    t = lazyray.tanh(lazyray.tensordot(x, y, axes=1)).sum(axis=0) + x[:, 0] * 0.5
    return x, y, c, lazyray.einsum("i,i->", t, c)


def test_golden_source():
    x, y, c, out = _small_graph()
    params = {}
    src = get_source(out, params)
    assert src == GOLDEN
    assert params["const_0"] is c.data
    # (numpy's tensordot, into reused buffers for large operands: lazyray.ops.buffers)
    assert params["tensordot"] is buffers.tensordot and params["tanh"] is np.tanh
    exec(src, params)
    a, b = (
        np.random.default_rng(0).normal(size=(3, 4)),
        np.random.default_rng(1).normal(size=(4, 3)),
    )
    ref = np.einsum("i,i->", np.tanh(a @ b).sum(axis=0) + a[:, 0] * 0.5, np.arange(3.0))
    assert np.allclose(params["graph"](a, b), ref)


def test_source_is_deterministic():
    texts = {get_source(_small_graph()[-1]) for _ in range(3)}
    assert len(texts) == 1
    assert "0x" not in texts.pop()  # no id()s


def test_lazyarray_methods_delegate():
    x, y, c, out = _small_graph()
    assert out.get_source() == GOLDEN
    params = {}
    line = as_string(out, params)
    assert line == "einsum_2 = einsum('i,i->', x0, x1)"
    assert params["x1"] is c.data and "x0" not in params  # x0 is computed, unknown


def test_as_string_exec():
    a = np.arange(6.0).reshape(2, 3)
    x = lazyray.array(a)
    node = lazyray.transpose(x) * 3.0
    params = {}
    line = node.as_string(params)
    # the dependency of multiply is the transpose node (no data): x0 is a free name
    assert line == "multiply_1 = multiply(x0, 3.0)" and "x0" not in params
    params2 = {"x0": a.T}
    exec(line, {**params, **params2}, params2)
    assert np.array_equal(params2[line.split(" = ")[0]], a.T * 3.0)


def test_as_string_leaf():
    a = np.ones(2)
    params = {}
    assert as_string(lazyray.array(a), params) == "x0 = x0"
    assert params["x0"] is a
    with pytest.raises(ValueError, match="Variable"):
        as_string(lazyray.Variable((2,)), {})


def test_source_frees_every_intermediate():
    x = lazyray.Variable((2, 2))
    y = x
    for _ in range(5):
        y = lazyray.sin(y) @ x
    src = get_source(y)
    body = src.splitlines()[1:-1]
    assigned = [line.split(" = ")[0].strip() for line in body if " = " in line]
    deleted = [n for line in body if line.strip().startswith("del ") for n in line[8:].split(", ")]
    assert sorted(deleted) == sorted(["x0", *assigned[:-1]])


def test_multi_output_source():
    x = lazyray.Variable((4, 3))
    q, r = lazyray.linalg.qr(x)
    out, src, params = run_source((q @ r, r), np.arange(12.0).reshape(4, 3))
    assert "linalg_qr_1 = linalg_qr(x0)" in src
    assert "item(linalg_qr_1, 0)" in src
    assert np.allclose(out[0], np.arange(12.0).reshape(4, 3))


def test_params_not_clobbered():
    x = lazyray.Variable((2,))
    params = {"sin": "user's", "const_0": "also"}
    src = get_source(lazyray.sin(x) + lazyray.array(np.ones(2)), params)
    assert params["sin"] == "user's" and params["const_0"] == "also"
    exec(src, params)
    assert np.allclose(params["graph"](np.zeros(2)), 1.0)


# -------------------------------------------------------------- literals

Point = namedtuple("Point", "a b")


class Weird:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return type(other) is Weird and other.v == self.v

    def __repr__(self):  # a repr that is code
        return "__import__('os').environ.__setitem__('LAZYRAY_PWNED', 'repr')"


PAYLOAD = "__import__('os').environ.__setitem__('LAZYRAY_PWNED', '1')"

HOSTILE = [
    PAYLOAD,
    f"'); {PAYLOAD}; ('",
    f'"); {PAYLOAD}; ("',
    f"'''); {PAYLOAD}; ('''",
    f'"""); {PAYLOAD}; ("""',
    f"\\'); {PAYLOAD}; #",
    f"\n{PAYLOAD}\n",
    f"x\n    {PAYLOAD}\n",
    f"\r\n{PAYLOAD}",
    f"\\\n{PAYLOAD}",
    f"' + {PAYLOAD} + '",
    f"{{{PAYLOAD}}}",
    f"\x00'); {PAYLOAD} #",
    f"\u2028{PAYLOAD}",
    f"# coding: x\n{PAYLOAD}",
    f"{PAYLOAD} if 1 else ''" * 3,
]

AWKWARD = [
    "plain",
    "it's",
    'say "hi"',
    "both ' and \"",
    "a\nb",
    "back\\slash",
    "\\",
    "tab\t",
    "\x00nul",
    "ünïcødé 🎉",
    "'''",
    '"""',
    "",
    "x" * 300,
    float("nan"),
    float("inf"),
    -float("inf"),
    -0.0,
    0.1,
    1e300,
    5e-324,
    np.float64(1.5),
    np.float64("nan"),
    np.float32(2.5),
    np.int64(3),
    np.int8(-3),
    np.bool_(True),
    np.complex128(1 + 2j),
    1 + 2j,
    complex(float("nan"), 1.0),
    np.dtype("float32"),
    np.float32,
    int,
    slice(np.int64(1), np.int64(5), None),
    slice(1, None, 2),
    slice(None),
    slice("a", 1.5),
    Ellipsis,
    None,
    True,
    False,
    0,
    -7,
    2**70,
    10**40,
    (),
    (1,),
    (1, (2.5, "x"), None),
    (1.0, float("nan")),
    (slice(None), 0, Ellipsis, None, np.int64(2)),
    [1, [2, "y"]],
    {"a": 1},
    {(1, 2): "t", 1.5: None, None: 3, frozenset({1}): 2, np.int64(4): "n", "k'\n": b"v"},
    {1, 2},
    frozenset({"a"}),
    b"\x00'\"",
    bytearray(b"ab"),
    Point(1, "p"),
    Weird(3),
    *HOSTILE,
]


def same(a, b) -> bool:
    """Exact equality, types included; nan equals nan."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (float, complex, np.floating, np.complexfloating)):
        return repr(a) == repr(b) or (a != a and b != b and repr(a) == repr(b))
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, slice):
        return same((a.start, a.stop, a.step), (b.start, b.stop, b.step))
    return bool(a == b)


def _recording_node(x, value):
    seen = []

    def record(arr, *args, **kwargs):
        seen.append((args, kwargs))
        return arr

    node = LazyArray(
        "numpy", record, (x, value), {"kw": value, "nested": [value, (value,)]}, x.shape
    )
    return node, seen


@pytest.fixture(autouse=True)
def no_side_effects():
    os.environ.pop("LAZYRAY_PWNED", None)
    yield
    assert "LAZYRAY_PWNED" not in os.environ, "a static value was executed as code"


@pytest.mark.parametrize("value", AWKWARD, ids=lambda v: type(v).__name__)
def test_literal_round_trip_source(value):
    x = lazyray.Variable((2,))
    node, seen = _recording_node(x, value)
    a = np.ones(2)
    out, src, params = run_source(node, a)
    assert out is a
    ((args, kwargs),) = seen
    assert same(args[0], value)
    assert same(kwargs["kw"], value)
    assert same(kwargs["nested"], [value, (value,)])


@pytest.mark.parametrize("value", AWKWARD, ids=lambda v: type(v).__name__)
def test_literal_round_trip_function(value):
    x = lazyray.Variable((2,))
    node, seen = _recording_node(x, value)
    f = lazyray.Function([x], node)
    a = np.ones(2)
    assert f(a) is a
    assert "record" in f.source  # writing the source executes nothing
    ((args, kwargs),) = seen
    assert same(args[0], value) and same(kwargs["kw"], value)


def test_binary_static_argument_round_trip():
    # the ``fn(r[a], b)`` fast path and a static argument in first position
    for value in AWKWARD:
        x = lazyray.Variable((2,))
        seen = []

        def record(arr, v, seen=seen):
            seen.append(v)
            return arr

        node = LazyArray("numpy", record, (x, value), None, (2,))
        out, src, _ = run_source(node, np.ones(2))
        lazyray.Function([x], node)(np.ones(2))
        assert len(seen) == 2 and same(seen[0], value) and same(seen[1], value), src


def test_hostile_kwarg_names_and_op_names():
    x = lazyray.Variable((2,))
    seen = []

    def record(arr, **kwargs):
        seen.append(kwargs)
        return arr

    record.__name__ = PAYLOAD
    kw = {h: i for i, h in enumerate(HOSTILE)}
    node = LazyArray("numpy", record, (x,), kw, (2,))
    out, src, params = run_source(node, np.ones(2))
    assert seen[0] == kw
    f = lazyray.Function([x], node)
    f(np.ones(2))
    assert seen[1] == kw
    assert PAYLOAD not in src.replace("\\", "")  # only ever a name of params


@pytest.mark.parametrize(
    "value, text",
    [
        (1, "1"),
        (-2.5, "-2.5"),
        (-0.0, "-0.0"),
        ("it's", '"it\'s"'),
        ("a\nb", "'a\\nb'"),
        ((1, (None, True)), "(1, (None, True))"),
        ((1,), "(1,)"),
        (slice(1, None, -1), "slice(1, None, -1)"),
        (float("nan"), None),
        (float("inf"), None),
        (np.int64(1), None),
        (np.float64(1.0), None),
        (1j, None),
        (np.dtype("int8"), None),
        (slice(np.int64(1), 2), None),
        (Ellipsis, None),
        ([1], None),
        ({"a": 1}, None),
        ((1, float("nan")), None),
        (True, "True"),
        (None, "None"),
        (Weird(1), None),
    ],
)
def test_literal_table(value, text):
    assert literal(value) == text
    if text is not None and "slice" not in text:
        assert same(eval(text, {"__builtins__": {}}), value)


def test_literal_float_exact():
    rng = np.random.default_rng(0)
    for v in rng.normal(size=200) * 10.0 ** rng.integers(-300, 300, size=200):
        v = float(v)
        assert float(literal(v)) == v


def test_str_subclass_is_injected():
    class S(str):
        def __repr__(self):
            return PAYLOAD

    assert literal(S("x")) is None


def test_nested_lazy_arguments_in_containers():
    x, y = lazyray.Variable((2,)), lazyray.Variable((2,))
    seen = []

    def record(pack, **kw):
        seen.append((pack, kw))
        return pack["a"][0]

    node = LazyArray(
        "numpy",
        record,
        ({"a": [x, (y, 1.5)], (1, 2): Point(x, "s")},),
        {"opt": {"k": y}},
        (2,),
    )
    a, b = np.ones(2), np.zeros(2)
    out, src, _ = run_source(node, a, b)
    lazyray.Function([x, y], node)(a, b)
    for pack, kw in seen:
        assert pack["a"][0] is a and pack["a"][1][0] is b and pack["a"][1][1] == 1.5
        assert type(pack[(1, 2)]) is Point and pack[(1, 2)].a is a
        assert kw["opt"]["k"] is b
    assert len(seen) == 2


def test_nan_and_inf_constants():
    x = lazyray.Variable((3,))
    y = lazyray.where(lazyray.isnan(x), float("inf"), x) + float("nan") * 0
    params = {}
    src = get_source(lazyray.maximum(y, -math.inf), params)
    assert "nan" not in src.replace("isnan", "").replace("float_", "")
    exec(src, params)
    got = params["graph"](np.array([np.nan, 1.0, 2.0]))
    assert np.isnan(got).all()


def test_names_are_ascii_identifiers():
    x = lazyray.Variable((2,))

    def f(a):
        return a

    for name in ["x²", "ünï", "1st", "a.b-c", "", "class", "None", "graph", "slice"]:
        f.__name__ = name
        params = {}
        src = get_source(x.to(f), params)
        exec(src, params)  # a SyntaxError here would mean a bad name
        assert params["graph"](np.ones(2)).tolist() == [1.0, 1.0]
