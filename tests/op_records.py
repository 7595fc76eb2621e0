"""The shared table of op records, checked against eager numpy / torch / jax.

Each :class:`OpRecord` describes one call of a public lazyray op: the op's
name in the ``lazyray`` namespace (``"add"``, ``"linalg.svd"``), the shapes,
dtypes and value kinds of its array inputs, and its static arguments, written
as a template in which ``X[i]`` stands for the ``i``-th array input.

Other test files import :data:`RECORDS` and the helpers:

>>> rec = by_id("tensordot-int")
>>> arrays = numpy_inputs(rec)          # eager numpy inputs
>>> xs = lazy_inputs(rec, arrays)       # lazyray.array leaves (or variables(rec))
>>> out = call_lazy(rec, xs)            # a LazyArray, or a tuple of them
>>> ref = call_eager(rec, arrays)       # the eager numpy result
>>> out.shape == ref.shape
True
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np

import lazyray

# ------------------------------------------------------------------ model


@dataclass(frozen=True)
class In:
    """One array input: shape, dtype name and the kind of values it holds.

    kinds: ``normal`` (random, ints in [-5, 5]), ``positive`` (in [0.5, 2],
    ints in [1, 5]), ``unit`` (in (-0.9, 0.9)), ``ge1`` (in [1.1, 3]),
    ``nonzero`` (no zeros), ``spd`` (symmetric positive definite matrices),
    ``index:N`` (integers in [-N, N)), ``uindex:N`` (integers in [0, N)),
    ``small`` (ints in [0, 3], for powers).
    """

    shape: tuple
    dtype: str = "float64"
    kind: str = "normal"


@dataclass(frozen=True)
class _Slot:
    i: int


class _Slots:
    def __getitem__(self, i):
        return _Slot(i)


#: ``X[i]`` in an args template stands for the i-th array input
X = _Slots()


@dataclass
class OpRecord:
    """One op call to check.

    Attributes
    ----------
    id : str
        Unique test id.
    op : str
        Name in the lazyray namespace (dotted for ``lazyray.linalg``).
    inputs : tuple of In
        The array inputs.
    args, kwargs :
        Argument template (``X[i]`` for inputs); ``args`` defaults to the
        inputs in order.
    np_fn : callable, optional
        The eager numpy reference when it is not ``numpy.<op>``.
    eager_fn : callable, optional
        The eager reference on every backend (called with backend arrays)
        when not ``autoray.do(op, ...)``; overrides ``np_fn`` too.
    creation : bool
        A creation op: the backend is passed as ``like=``.
    values : bool
        Compare values (False for ``empty``).
    skip : dict
        Backend name -> reason, for backends that do not support the call.
    xfail : dict
        Backend name (or ``"numpy"``) -> reason, for known lazyray bugs in
        files this table's owner does not edit (checked strictly).
    """

    id: str
    op: str
    inputs: tuple = ()
    args: tuple | None = None
    kwargs: dict = field(default_factory=dict)
    np_fn: object = None
    eager_fn: object = None
    creation: bool = False
    values: bool = True
    skip: dict = field(default_factory=dict)
    xfail: dict = field(default_factory=dict)


# ----------------------------------------------------------- the helpers


def _fill(tree, xs):
    t = type(tree)
    if t is _Slot:
        return xs[tree.i]
    if t is tuple or t is list:
        return t(_fill(v, xs) for v in tree)
    if t is dict:
        return {k: _fill(v, xs) for k, v in tree.items()}
    return tree


def _args(rec):
    return tuple(X[i] for i in range(len(rec.inputs))) if rec.args is None else rec.args


def _attr(mod, dotted):
    for part in dotted.split("."):
        mod = getattr(mod, part)
    return mod


def _values(shape, dtype, kind, rng):
    n = int(np.prod(shape, dtype=np.int64))
    if kind.startswith(("index:", "uindex:")):
        k = int(kind.split(":")[1])
        lo = -k if kind.startswith("index") else 0
        return rng.integers(lo, k, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith(("int", "uint")):
        lo, hi = {"positive": (1, 6), "nonzero": (1, 6), "small": (0, 4)}.get(kind, (-5, 6))
        if dtype.startswith("uint"):
            lo = max(lo, 0)
        a = rng.integers(lo, hi, size=shape)
        if kind == "nonzero":
            a = a * rng.choice([-1, 1], size=shape) if not dtype.startswith("uint") else a
        return a.astype(dtype)
    if kind == "spd":
        m = rng.normal(size=shape)
        if dtype.startswith("complex"):
            m = m + 1j * rng.normal(size=shape)
        a = m @ np.conj(np.swapaxes(m, -1, -2)) + shape[-1] * np.eye(shape[-1])
        return a.astype(dtype)

    def real():
        if kind == "positive":
            return rng.uniform(0.5, 2.0, size=shape)
        if kind == "unit":
            return rng.uniform(-0.9, 0.9, size=shape)
        if kind == "ge1":
            return rng.uniform(1.1, 3.0, size=shape)
        if kind == "nonzero":
            return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
        return rng.normal(size=shape) if n else np.zeros(shape)

    if dtype.startswith("complex"):
        return (real() + 1j * real()).astype(dtype)
    return real().astype(dtype)


def numpy_inputs(rec: OpRecord, seed: int = 0) -> list:
    """The record's array inputs as numpy arrays (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    return [np.asarray(_values(tuple(s.shape), s.dtype, s.kind, rng)) for s in rec.inputs]


def backend_inputs(rec: OpRecord, backend: str, seed: int = 0) -> list:
    """The inputs as arrays of ``backend`` (``"numpy"``, ``"torch"``, ``"jax"``)."""
    arrays = numpy_inputs(rec, seed)
    if backend == "numpy":
        return arrays
    if backend == "torch":
        import torch

        return [torch.from_numpy(np.array(a, copy=True)) for a in arrays]
    if backend == "jax":
        import jax.numpy as jnp

        return [jnp.asarray(a) for a in arrays]
    raise ValueError(backend)


def lazy_inputs(rec: OpRecord, arrays: list) -> list:
    """``lazyray.array`` leaves wrapping ``arrays``."""
    return [lazyray.array(a) for a in arrays]


def variables(rec: OpRecord, backend: str = "numpy") -> list:
    """``lazyray.Variable`` placeholders with the inputs' shapes and dtypes."""
    return [lazyray.Variable(s.shape, backend=backend, dtype=s.dtype) for s in rec.inputs]


def call_lazy(rec: OpRecord, xs: list, backend: str | None = None):
    """Call the lazyray op on the lazy inputs ``xs`` (a node or tuple of nodes)."""
    kwargs = _fill(rec.kwargs, xs)
    if rec.creation and backend not in (None, "numpy"):
        kwargs = {**kwargs, "like": backend}
    out = _attr(lazyray, rec.op)(*_fill(_args(rec), xs), **kwargs)
    return tuple(out) if isinstance(out, list) else out


def call_eager(rec: OpRecord, arrays: list, backend: str = "numpy"):
    """The eager reference result on ``backend`` arrays (tuple when several)."""
    args, kwargs = _fill(_args(rec), arrays), _fill(rec.kwargs, arrays)
    if rec.eager_fn is not None:
        out = rec.eager_fn(*args, **kwargs)
    elif backend == "numpy":
        fn = rec.np_fn if rec.np_fn is not None else _attr(np, rec.op)
        out = fn(*args, **kwargs)
    else:
        import autoray

        if isinstance(kwargs.get("dtype"), str):
            kwargs["dtype"] = autoray.to_backend_dtype(kwargs["dtype"], like=backend)
        out = autoray.do(rec.op, *args, like=backend, **kwargs)
    if isinstance(out, (list, tuple)):
        return tuple(out)
    if hasattr(out, "_fields"):  # numpy's namedtuple results (svd, qr, eigh...)
        return tuple(out)
    return out


def outputs(out) -> tuple:
    """A result as a flat tuple of outputs."""
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def by_id(rid: str) -> OpRecord:
    """The record with id ``rid``."""
    for r in RECORDS:
        if r.id == rid:
            return r
    raise KeyError(rid)


# ---------------------------------------------------------- the records

RECORDS: list[OpRecord] = []
_IDS: set = set()


def rec(id, op, inputs=(), args=None, kwargs=None, **extra):  # noqa: A002
    """Add a record (ids must be unique)."""
    if id in _IDS:
        raise ValueError(f"duplicate record id {id}")
    _IDS.add(id)
    inputs = tuple(i if isinstance(i, In) else In(*i) for i in inputs)
    r = OpRecord(id, op, inputs, args, dict(kwargs or {}), **extra)
    RECORDS.append(r)
    return r


_F = ("float32", "float64", "complex64", "complex128")
_NO_INT_TORCH = "torch: op not implemented for integer tensors"
_NO_BOOL_TORCH = "torch: op not implemented for bool tensors"

# ---------------------------------------------------------------- unary

# name -> (dtypes, kind)
_UNARY = {
    "abs": (_F + ("int32", "int64", "int8"), "normal"),
    "negative": (_F + ("int32", "int64"), "normal"),
    "positive": (_F + ("int32",), "normal"),
    "sin": (_F + ("int32",), "normal"),
    "cos": (_F + ("int64",), "normal"),
    "tan": (("float32", "float64"), "unit"),
    "arcsin": (("float32", "float64"), "unit"),
    "arccos": (("float32", "float64"), "unit"),
    "arctan": (("float32", "float64", "complex64"), "unit"),
    "sinh": (_F, "normal"),
    "cosh": (_F, "normal"),
    "tanh": (_F + ("int32",), "normal"),
    "arcsinh": (("float32", "float64", "complex128"), "normal"),
    "arccosh": (("float32", "float64"), "ge1"),
    "arctanh": (("float32", "float64"), "unit"),
    "sqrt": (_F + ("int64", "int32", "bool"), "positive"),
    "square": (_F + ("int32",), "normal"),
    "exp": (_F + ("int64",), "normal"),
    "expm1": (("float32", "float64"), "normal"),
    "exp2": (("float32", "float64"), "normal"),
    "log": (_F + ("int64",), "positive"),
    "log1p": (("float32", "float64"), "positive"),
    "log2": (("float32", "float64", "complex64"), "positive"),
    "log10": (("float32", "float64", "complex128"), "positive"),
    "reciprocal": (("float32", "float64", "complex64"), "nonzero"),
    "conj": (_F + ("int32", "float32"), "normal"),
    "real": (_F + ("int32",), "normal"),
    "imag": (_F + ("float32",), "normal"),
    "angle": (_F, "normal"),
    "sign": (("float32", "float64", "int32", "int64"), "normal"),
    "floor": (("float32", "float64", "int32"), "normal"),
    "ceil": (("float32", "float64"), "normal"),
    "trunc": (("float32", "float64"), "normal"),
    "isnan": (("float32", "float64", "complex64", "int32"), "normal"),
    "isinf": (("float32", "float64"), "normal"),
    "isfinite": (("float32", "complex128", "int64"), "normal"),
    "logical_not": (("bool", "float64", "int32"), "normal"),
    "invert": (("int32", "int64", "bool", "uint8"), "normal"),
}

for _name, (_dts, _kind) in _UNARY.items():
    for _dt in dict.fromkeys(_dts):
        _shape = (2, 3) if _dt != "int64" else (4,)
        rec(f"{_name}-{_dt}", _name, [In(_shape, _dt, _kind)])
rec("abs-scalar0d", "abs", [In((), "float64")])
rec("sin-empty", "sin", [In((0, 3), "float32")])
rec("exp-4d", "exp", [In((2, 1, 3, 2), "float64")])

# numpy 2 / Array API aliases of unary ops
for _alias, _kind in [
    ("absolute", "normal"),
    ("conjugate", "normal"),
    ("asin", "unit"),
    ("acos", "unit"),
    ("atan", "normal"),
    ("asinh", "normal"),
    ("acosh", "ge1"),
    ("atanh", "unit"),
]:
    rec(f"{_alias}-alias", _alias, [In((3,), "float64", _kind)])
for _alias in ("bitwise_invert", "bitwise_not"):
    rec(f"{_alias}-alias", _alias, [In((3,), "int32")])

# ---------------------------------------------------------------- binary

_ARITH = ("add", "subtract", "multiply")
_BIN_SHAPES = [((2, 3), (2, 3)), ((2, 1), (3,)), ((4, 1, 3), (2, 1)), ((), (2, 3))]
_BIN_DTYPES = [
    ("float32", "float32"),
    ("float64", "float32"),
    ("float32", "int64"),
    ("int32", "int64"),
    ("int32", "int32"),
    ("int8", "uint8"),
    ("complex64", "float64"),
    ("complex64", "float32"),
    ("bool", "bool"),
    ("bool", "int32"),
]
for _name in _ARITH:
    for _sa, _sb in _BIN_SHAPES:
        rec(f"{_name}-{_sa}-{_sb}", _name, [In(_sa), In(_sb)])
    for _da, _db in _BIN_DTYPES:
        if _name == "subtract" and _da == _db == "bool":
            continue  # numpy rejects boolean subtract (checked in the error table)
        rec(f"{_name}-{_da}-{_db}", _name, [In((2, 3), _da), In((3,), _db)])

# NEP 50: Python scalars are weak, numpy scalars and 0-d arrays are strong
_WEAK_CASES = [
    ("multiply", "float32", 2.0),
    ("multiply", "float32", 2),
    ("multiply", "int32", 2),
    ("multiply", "int32", 2.5),
    ("add", "int8", 3),
    ("add", "uint8", 3),
    ("add", "float32", 1j),
    ("add", "complex64", 2.0),
    ("add", "bool", 1),
    ("add", "bool", True),
    ("multiply", "bool", 1.5),
    ("divide", "int32", 2),
    ("divide", "float32", 3),
    ("subtract", "float64", 1),
    ("power", "float32", 2),
    ("power", "float32", 0.5),
    ("power", "int64", 2),
    ("maximum", "float32", 0.0),
    ("minimum", "int32", 0),
    ("mod", "float32", 0.7),
    ("floor_divide", "int32", 2),
    ("greater", "float32", 0.5),
    ("equal", "int32", 1),
    ("less", "int64", 1.5),
]
for _name, _dt, _s in _WEAK_CASES:
    _kind = "positive" if _name == "power" else "normal"
    rec(f"{_name}-{_dt}-weak{type(_s).__name__}", _name, [In((2, 3), _dt, _kind)], (X[0], _s))
    _rk = "small" if _name == "power" else "nonzero"
    rec(f"{_name}-weak{type(_s).__name__}-{_dt}-reflected", _name, [In((3,), _dt, _rk)], (_s, X[0]))

_NUMPY_ONLY = {
    "torch": "numpy constant operand: eager torch does not take numpy arrays",
    "jax": "numpy float64 constant: jax without x64 treats it differently",
}
rec(
    "multiply-float32-npfloat64scalar",
    "multiply",
    [In((3,), "float32")],
    (X[0], np.float64(2.0)),
    skip=_NUMPY_ONLY,
)
rec(
    "add-float32-0d-float64-array",
    "add",
    [In((3,), "float32"), In((), "float64")],
    skip={"torch": "torch: 0-d tensors do not take part in type promotion (numpy: they do)"},
)
rec(
    "add-float32-nparray",
    "add",
    [In((2, 3), "float32")],
    (X[0], np.arange(3.0)),
    skip=_NUMPY_ONLY,
)
rec(
    "add-nparray-float32-reflected",
    "add",
    [In((2, 3), "float32")],
    (np.arange(3, dtype="int16"), X[0]),
    skip=_NUMPY_ONLY,
)
rec("add-list-operand", "add", [In((2, 3))], (X[0], [1.0, 2.0, 3.0]), skip=_NUMPY_ONLY)

_DIVISION = {
    "divide": [("float32", "float32"), ("int32", "int32"), ("int64", "int64"), ("int8", "float32")],
    "floor_divide": [("float64", "float64"), ("int32", "int32"), ("int64", "int32")],
    "mod": [("float32", "float32"), ("int64", "int64"), ("int32", "int8")],
    "power": [("float32", "float32"), ("float64", "int32"), ("int64", "int64")],
    "true_divide": [("int32", "int64")],
    "truedivide": [("float32", "float64")],
    "floordivide": [("int32", "int32")],
    "remainder": [("float64", "float64")],
    "pow": [("float32", "float32")],
    "arctan2": [("float32", "float32"), ("float64", "int32"), ("int32", "int32")],
    "atan2": [("float32", "float32")],
    "hypot": [("float32", "float32"), ("float64", "float32")],
    "maximum": [("float32", "float32"), ("int32", "float32"), ("bool", "bool")],
    "minimum": [("float64", "float64"), ("int64", "int8")],
}
for _name, _pairs in _DIVISION.items():
    _ka = "positive" if _name in ("power", "pow") else "normal"
    _kb = "small" if _name in ("power", "pow") else "nonzero"
    for _da, _db in _pairs:
        _eager = None
        if _name in ("truedivide", "floordivide"):
            _eager = {"truedivide": operator.truediv, "floordivide": operator.floordiv}[_name]
        rec(
            f"{_name}-{_da}-{_db}",
            _name,
            [In((2, 3), _da, _ka), In((2, 3), _db, _kb)],
            eager_fn=_eager,
        )

_COMPARE = ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")
for _name in _COMPARE:
    for _da, _db in [("float32", "float64"), ("int32", "float32"), ("bool", "bool")]:
        rec(f"{_name}-{_da}-{_db}", _name, [In((2, 3), _da), In((2, 1), _db)])
rec("equal-complex", "equal", [In((3,), "complex64"), In((3,), "complex64")])

for _name in ("logical_and", "logical_or", "logical_xor"):
    for _da, _db in [("bool", "bool"), ("float64", "int32")]:
        rec(f"{_name}-{_da}-{_db}", _name, [In((2, 3), _da), In((3,), _db)])

for _name in ("bitwise_and", "bitwise_or", "bitwise_xor"):
    for _da, _db in [("int32", "int32"), ("int64", "int8"), ("bool", "bool"), ("uint8", "uint8")]:
        rec(f"{_name}-{_da}-{_db}", _name, [In((2, 3), _da), In((3,), _db)])

# ----------------------------------------------------- where, clip, complex

rec("where-bcast3", "where", [In((3, 1), "bool"), In((4,)), In((2, 1, 1))])
rec("where-y-shape", "where", [In((3,), "bool"), In((3,)), In((2, 3))])
rec("where-dtypes", "where", [In((3,), "bool"), In((3,), "float32"), In((3,), "int64")])
rec("where-scalars", "where", [In((2, 3), "bool")], (X[0], 1.0, 0.0))
rec("where-weak-f32", "where", [In((2, 3), "bool"), In((3,), "float32")], (X[0], X[1], 0.0))
rec("where-nonbool-cond", "where", [In((2, 3), "float64"), In((3,)), In((2, 3))])
rec("clip-f32-weak", "clip", [In((2, 3), "float32")], (X[0], 0, 1.0))
rec("clip-int", "clip", [In((2, 3), "int32")], (X[0], -2, 3))
rec("clip-min-only", "clip", [In((2, 3))], (X[0], 0.0, None))
rec("clip-max-only", "clip", [In((2, 3))], (X[0], None, 0.5))
rec("clip-arrays", "clip", [In((2, 3)), In((3,)), In((2, 1))], (X[0], X[1], X[2]))

_COMPLEX_NP = lambda re, im: re + 1j * im  # noqa: E731
_torch_complex_skip = {"torch": "torch.complex needs float tensors of one dtype"}
rec("complex-f32", "complex", [In((2, 3), "float32"), In((2, 3), "float32")], np_fn=_COMPLEX_NP)
rec(
    "complex-f64",
    "complex",
    [In((2, 3), "float64"), In((3,), "float64")],
    np_fn=_COMPLEX_NP,
    skip={"torch": "torch.complex does not broadcast"},
)
rec(
    "complex-f32-weak",
    "complex",
    [In((2, 3), "float32")],
    (X[0], 0.0),
    np_fn=_COMPLEX_NP,
    skip=_torch_complex_skip,
)
rec(
    "complex-mixed",
    "complex",
    [In((3,), "float32"), In((3,), "float64")],
    np_fn=_COMPLEX_NP,
    skip=_torch_complex_skip,
)

for _src, _dst in [
    ("float64", "float32"),
    ("float32", "int32"),
    ("int64", "float64"),
    ("float64", "complex64"),
    ("int32", "bool"),
    ("bool", "float32"),
]:
    rec(f"astype-{_src}-{_dst}", "astype", [In((2, 3), _src)], (X[0], _dst))
_ASTYPE_JAX = {"jax": "needs fix in ops/elementwise.py: astype must apply dtypes.finalize"}
by_id("astype-int64-float64").xfail.update(_ASTYPE_JAX)
rec("astype-float32-int64", "astype", [In((2, 3), "float32")], (X[0], "int64"), xfail=_ASTYPE_JAX)
rec(
    "astype-nptype",
    "astype",
    [In((3,), "float64")],
    (X[0], np.float32),
    skip={"torch": "torch astype takes a dtype name"},
)

rec("isclose", "isclose", [In((2, 3)), In((3,))])
rec(
    "isclose-f32-tol",
    "isclose",
    [In((3,), "float32"), In((3,), "float32")],
    kwargs={"rtol": 1e-3, "atol": 1e-6},
)
rec("allclose", "allclose", [In((2, 3)), In((3,))])
rec("allclose-self", "allclose", [In((2, 3))], (X[0], X[0]))

# ------------------------------------------------------------ reductions

_RED_AXES = [None, 0, -1, (0, 2), (-1, 0), ()]
_RED = {
    "sum": ("float32", "float64", "int32", "int8", "bool", "complex64"),
    "prod": ("float64", "int32", "uint8"),
    "mean": ("float32", "int32", "complex64"),
    "std": ("float64", "float32", "complex64"),
    "var": ("float64", "complex128"),
    "min": ("float32", "int64"),
    "max": ("float64", "int32", "bool"),
    "amax": ("float64",),
    "amin": ("int32",),
    "all": ("bool", "float64"),
    "any": ("bool", "int32"),
    "count_nonzero": ("float64", "bool"),
}
_SKIP_RED = {
    "mean": {"int32": {"torch": "torch.mean rejects integer tensors"}},
}


def _torch_red_skip(name, axis, keepdims):
    """Why eager torch (through autoray) cannot make this reduction."""
    if axis == ():
        return "torch reduces every axis for dim=() (numpy: none)"
    if keepdims and axis is None:
        return "torch: keepdim needs a dim"
    if name == "prod" and isinstance(axis, tuple):
        return "torch.prod takes a single dim"
    if name == "count_nonzero" and keepdims:
        return "torch.count_nonzero has no keepdim"
    return None


for _name, _dts in _RED.items():
    for _dt in _dts:
        _axes = _RED_AXES if _dt == _dts[0] else [None, 1]
        for _ax in _axes:
            for _kd in (False, True) if _dt == _dts[0] else (False,):
                if _name == "count_nonzero" and _kd and _ax is None:
                    continue
                _kw = {"axis": _ax} if _ax is not None else {}
                if _kd:
                    _kw["keepdims"] = True
                _skip = dict(_SKIP_RED.get(_name, {}).get(_dt, {}))
                _why = _torch_red_skip(_name, _ax, _kd)
                if _why:
                    _skip["torch"] = _why
                rec(
                    f"{_name}-{_dt}-axis{_ax}-kd{int(_kd)}",
                    _name,
                    [In((2, 3, 4), _dt)],
                    kwargs=_kw,
                    skip=_skip,
                )
rec("sum-dtype-kwarg", "sum", [In((2, 3), "int32")], kwargs={"axis": 0, "dtype": "float32"})
rec("sum-0d", "sum", [In((), "float32")])
rec("prod-empty", "prod", [In((0, 3), "float64")], kwargs={"axis": 0})
_DDOF = {"torch": "torch.std/var take correction=, not ddof="}
rec("std-ddof", "std", [In((4, 3))], kwargs={"axis": 0, "ddof": 1}, skip=_DDOF)
rec(
    "var-ddof-kd",
    "var",
    [In((4, 3), "float32")],
    kwargs={"axis": -1, "ddof": 1, "keepdims": True},
    skip=_DDOF,
)
for _name in ("argmin", "argmax"):
    for _ax, _kd in [(None, False), (0, False), (-1, True), (1, False)]:
        _kw = {"axis": _ax} if _ax is not None else {}
        if _kd:
            _kw["keepdims"] = True
        rec(f"{_name}-axis{_ax}-kd{int(_kd)}", _name, [In((3, 4, 2))], kwargs=_kw)
    rec(f"{_name}-int32", _name, [In((5,), "int32")])
for _name in ("cumsum", "cumprod"):
    for _dt in ("float32", "float64", "int32", "bool"):
        rec(
            f"{_name}-{_dt}-axisNone",
            _name,
            [In((2, 3), _dt)],
            skip={"torch": f"torch.{_name} needs a dim (numpy: None flattens)"},
        )
    rec(f"{_name}-axis-neg", _name, [In((2, 3, 4))], kwargs={"axis": -2})
    rec(f"{_name}-axis0-int8", _name, [In((3, 2), "int8")], kwargs={"axis": 0})

# -------------------------------------------------------------- movement

rec("reshape-minus1", "reshape", [In((2, 3, 4))], (X[0], (4, -1)))
rec("reshape-flat", "reshape", [In((2, 3))], (X[0], -1))
rec("reshape-int", "reshape", [In((6,))], (X[0], (2, 3)))
rec("reshape-scalar", "reshape", [In((1, 1))], (X[0], ()))
rec("reshape-empty", "reshape", [In((0, 3))], (X[0], (3, 0, 2)))
rec("reshape-empty-minus1", "reshape", [In((4, 0))], (X[0], (-1, 2)))
rec("reshape-any-negative-is-unknown", "reshape", [In((2, 3))], (X[0], (-2, 3)))
rec("reshape-same", "reshape", [In((2, 3), "int32")], (X[0], (2, 3)))
rec("transpose-default", "transpose", [In((2, 3, 4))])
rec("transpose-perm", "transpose", [In((2, 3, 4))], (X[0], (1, 2, 0)))
rec("transpose-negperm", "transpose", [In((2, 3, 4))], (X[0], (-1, 0, -2)))
rec("transpose-1d", "transpose", [In((3,), "int32")])
rec("permute_dims", "permute_dims", [In((2, 3, 4))], (X[0], (2, 0, 1)))
rec("swapaxes", "swapaxes", [In((2, 3, 4))], (X[0], 0, -1))
rec("swapaxes-same", "swapaxes", [In((2, 3))], (X[0], 1, -1))
rec("moveaxis", "moveaxis", [In((2, 3, 4))], (X[0], 0, -1))
rec("moveaxis-neg", "moveaxis", [In((2, 3, 4, 5))], (X[0], -1, 1))
rec("moveaxis-multi", "moveaxis", [In((2, 3, 4, 5))], (X[0], (0, 1), (-1, 0)))
rec("matrix_transpose", "matrix_transpose", [In((2, 3, 4))])
rec("expand_dims", "expand_dims", [In((2, 3))], (X[0], 0))
rec("expand_dims-neg", "expand_dims", [In((2, 3))], (X[0], -1))
rec("expand_dims-tuple", "expand_dims", [In((2, 3))], (X[0], (0, -1)))
rec("expand_dims-tuple-mid", "expand_dims", [In((2, 3))], (X[0], (1, 3)))
rec("squeeze-all", "squeeze", [In((1, 3, 1))])
rec("squeeze-axis", "squeeze", [In((1, 3, 1))], (X[0], -1))
rec("squeeze-tuple", "squeeze", [In((1, 3, 1))], (X[0], (0, 2)))
rec("ravel", "ravel", [In((2, 3, 4))])
rec("flatten", "flatten", [In((2, 3))], np_fn=np.ravel, eager_fn=None)
rec("broadcast_to", "broadcast_to", [In((3, 1))], (X[0], (2, 3, 4)))
rec("broadcast_to-0d", "broadcast_to", [In(())], (X[0], (2, 2)))
rec("flip-all", "flip", [In((2, 3))])
rec("flip-axis", "flip", [In((2, 3, 4))], (X[0], -1))
rec("flip-tuple", "flip", [In((2, 3, 4))], (X[0], (0, 2)))

_SEQ = lambda n: [X[i] for i in range(n)]  # noqa: E731
for _ax in (0, 1, 2, -1, -2, -3):
    rec(f"stack-axis{_ax}", "stack", [In((2, 3)), In((2, 3))], (_SEQ(2),), {"axis": _ax})
rec(
    "stack-dtypes", "stack", [In((3,), "float32"), In((3,), "int64"), In((3,), "int32")], (_SEQ(3),)
)
rec("stack-single", "stack", [In((2,), "int32")], ((X[0],),))
rec("stack-0d", "stack", [In(()), In(())], (_SEQ(2),), {"axis": -1})
for _ax in (0, 1, -1, -2):
    rec(
        f"concatenate-axis{_ax}", "concatenate", [In((2, 3)), In((2, 3))], (_SEQ(2),), {"axis": _ax}
    )
rec(
    "concatenate-axisNone",
    "concatenate",
    [In((2, 3)), In((4,)), In((1, 1, 2))],
    (_SEQ(3),),
    {"axis": None},
    skip={"torch": "torch.cat has no axis=None"},
)
rec(
    "concatenate-sizes",
    "concatenate",
    [In((2, 3)), In((2, 5), "float32")],
    (_SEQ(2),),
    {"axis": -1},
)
rec("concatenate-dtypes", "concatenate", [In((2,), "int32"), In((3,), "float32")], (_SEQ(2),))
rec("concat", "concat", [In((2, 3)), In((1, 3))], (_SEQ(2),))

_SPLIT_SKIP = {"torch": "torch.tensor_split takes sections, not numpy's equal-division rule"}
rec("split-sections", "split", [In((6, 2))], (X[0], 3))
rec("split-sections-axis", "split", [In((2, 6))], (X[0], 2), {"axis": -1})
rec("split-indices", "split", [In((7, 2))], (X[0], [2, 5]))
rec("split-indices-neg", "split", [In((2, 7))], (X[0], [-3, 10]), {"axis": 1})
rec("split-indices-unsorted", "split", [In((7,))], (X[0], [5, 2]))
rec("split-indices-empty", "split", [In((4,), "int32")], (X[0], []))

# -------------------------------------------------------------- indexing

_GETITEM_KEYS = {
    "int": 1,
    "negint": -1,
    "slice": slice(1, None),
    "slice-step": slice(None, None, 2),
    "slice-negstep": slice(None, None, -2),
    "slice-big": slice(-10, 10, 3),
    "slice-empty": slice(3, 1),
    "tuple-int-slice": (0, slice(1, 3)),
    "none": None,
    "none-mid": (slice(None), None, 0),
    "ellipsis": Ellipsis,
    "ellipsis-int": (Ellipsis, -1),
    "ellipsis-mid": (0, Ellipsis, 1),
    "ellipsis-none": (None, Ellipsis, None),
    "all-ints": (1, 2, 3),
    "list": [0, 1, -2],
    "list-neg": ([-1, 0],),
    "list-2d": [[0, 1], [1, 0]],
    "nparray": np.array([1, 0]),
    "nparray-2d": (slice(None), np.array([[0, 1, 2], [2, 1, 0]])),
    "adv-adjacent": (slice(None), [0, 1], [1, 2]),
    "adv-separated": ([0, 1], slice(None), [1, 2]),
    "adv-int-separated": (0, slice(None), [0, 3]),
    "adv-bcast": (np.array([[0], [1]]), np.array([0, 2, 1])),
    "adv-slice-none": (None, [1, 0], None, slice(1, 3)),
    "adv-ellipsis": (Ellipsis, [0, 3, 3]),
    "adv-empty-list": ([],),
    "adv-int-adjacent": (slice(None), 1, [0, 2]),
    "int-arr-int": (1, [0, 2], 2),
    "nparray-int8": np.array([1, 0], dtype="int8"),
    "np-integer": np.int64(1),
}
for _kid, _key in _GETITEM_KEYS.items():
    rec(
        f"getitem-{_kid}",
        "getitem",
        [In((2, 3, 4))],
        (X[0], _key),
        np_fn=operator.getitem,
        eager_fn=operator.getitem,
    )
rec(
    "getitem-lazy-index",
    "getitem",
    [In((5, 3)), In((2, 2), "int64", "index:5")],
    (X[0], X[1]),
    eager_fn=operator.getitem,
)
rec(
    "getitem-lazy-index-tuple",
    "getitem",
    [In((5, 3)), In((4,), "int32", "uindex:3")],
    (X[0], (slice(1, 3), X[1])),
    eager_fn=operator.getitem,
    skip={"torch": "torch indexes with int32 tensors as numpy does, but broadcasts differently"},
)
rec("getitem-0d-ellipsis", "getitem", [In(())], (X[0], ...), eager_fn=operator.getitem)
rec("getitem-0d-none", "getitem", [In((), "int32")], (X[0], None), eager_fn=operator.getitem)

for _ax, _ind in [(None, [0, 5, -1]), (0, [1, 0, 1]), (1, [[0, 2], [1, -1]]), (-1, 2)]:
    rec(
        f"take-axis{_ax}",
        "take",
        [In((2, 3))],
        (X[0], _ind),
        {"axis": _ax} if _ax is not None else {},
        skip={"torch": "torch.take has no axis and no negative indices"},
    )
rec(
    "take-lazy-ind",
    "take",
    [In((4, 3)), In((2, 2), "int64", "uindex:4")],
    kwargs={"axis": 0},
    skip={"torch": "torch.take has no axis"},
)
rec(
    "take_along_axis",
    "take_along_axis",
    [In((3, 4)), In((3, 2), "int64", "uindex:4")],
    kwargs={"axis": 1},
)
rec(
    "take_along_axis-bcast",
    "take_along_axis",
    [In((3, 4, 2)), In((5, 1, 2), "int64", "uindex:3")],
    kwargs={"axis": 0},
    skip={"torch": "torch.take_along_dim broadcasting differs"},
)
rec(
    "take_along_axis-neg",
    "take_along_axis",
    [In((3, 4)), In((3, 4), "int64", "uindex:4")],
    kwargs={"axis": -1},
)

rec("diagonal", "diagonal", [In((3, 4))])
rec("diagonal-offset", "diagonal", [In((3, 4, 5))], kwargs={"offset": 1, "axis1": 0, "axis2": 2})
rec(
    "diagonal-negoffset",
    "diagonal",
    [In((3, 4, 5))],
    kwargs={"offset": -1, "axis1": -1, "axis2": 0},
)
rec("diagonal-empty", "diagonal", [In((3, 4))], kwargs={"offset": 5})
rec(
    "diagonal-positional",
    "diagonal",
    [In((3, 4, 5))],
    (X[0], 1, 0, 2),
    skip={"torch": "autoray's torch translator rejects positional axis1/axis2"},
)
rec("diag-1d", "diag", [In((3,))])
rec("diag-1d-k", "diag", [In((3,), "int32")], (X[0], -2))
rec("diag-2d", "diag", [In((3, 4))])
rec("diag-2d-k", "diag", [In((3, 4))], (X[0], 1))
rec("trace-2d", "trace", [In((3, 4))])
rec("trace-3d", "trace", [In((2, 3, 4))])
rec("trace-3d-axes", "trace", [In((2, 3, 4))], (X[0], 0, -1, 0))
rec(
    "trace-offset",
    "trace",
    [In((4, 4), "int32")],
    (X[0], 1),
    skip={"torch": "torch.trace has no offset"},
)
rec("trace-int8", "trace", [In((3, 3), "int8")])
rec("trace-bool", "trace", [In((3, 3), "bool")], skip={"torch": _NO_BOOL_TORCH})
for _ax in (-1, 0, None):
    rec(
        f"sort-axis{_ax}",
        "sort",
        [In((3, 4))],
        (X[0],),
        {"axis": _ax},
        skip={"torch": "torch.sort returns (values, indices)"},
    )
    rec(
        f"argsort-axis{_ax}",
        "argsort",
        [In((3, 4))],
        (X[0],),
        {"axis": _ax},
        skip={"torch": "torch.argsort has no axis=None"} if _ax is None else {},
    )
rec("sort-int", "sort", [In((5,), "int32")], skip={"torch": "torch.sort returns (values, indices)"})
rec("argsort-int", "argsort", [In((5,), "int32")])
for _name in ("tril", "triu"):
    rec(f"{_name}", _name, [In((3, 4))])
    rec(f"{_name}-k", _name, [In((3, 4))], (X[0], -1))
    rec(f"{_name}-batch", _name, [In((2, 3, 3), "int32")], (X[0], 1))

# ----------------------------------------------------------- contraction

rec("tensordot-int", "tensordot", [In((2, 3, 4)), In((3, 4, 5))], (X[0], X[1], 2))
rec("tensordot-int0", "tensordot", [In((2, 3)), In((4,))], (X[0], X[1], 0))
rec("tensordot-int1", "tensordot", [In((2, 3)), In((3, 4), "float32")], (X[0], X[1], 1))
rec("tensordot-pairs", "tensordot", [In((2, 3, 4)), In((4, 3, 5))], (X[0], X[1], ([1, 2], [1, 0])))
rec("tensordot-pair-ints", "tensordot", [In((2, 3)), In((3, 4))], (X[0], X[1], (1, 0)))
rec("tensordot-neg", "tensordot", [In((2, 3)), In((5, 3))], (X[0], X[1], ((-1,), (-1,))))
rec("tensordot-default", "tensordot", [In((2, 3, 4)), In((3, 4))])
rec(
    "tensordot-complex-int",
    "tensordot",
    [In((2, 3), "complex64"), In((3,), "int32")],
    (X[0], X[1], 1),
    skip={"torch": "torch.tensordot needs one dtype"},
)

_MATMUL_SHAPES = [
    ((2, 3), (3, 4)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((3,), (3,)),
    ((5, 1, 2, 3), (4, 3, 6)),
    ((3,), (2, 3, 4)),
    ((2, 2, 3), (3,)),
    ((1, 2, 3), (5, 3, 2)),
]
for _sa, _sb in _MATMUL_SHAPES:
    rec(f"matmul-{_sa}-{_sb}", "matmul", [In(_sa), In(_sb)])
rec(
    "matmul-f32-f64",
    "matmul",
    [In((2, 3), "float32"), In((3, 2), "float64")],
    skip={"torch": "torch.matmul needs one dtype"},
)
rec("matmul-int", "matmul", [In((2, 3), "int32"), In((3, 2), "int32")])
rec("matmul-complex", "matmul", [In((2, 3), "complex64"), In((3, 2), "complex64")])
rec(
    "matmul-bool",
    "matmul",
    [In((2, 3), "bool"), In((3, 2), "bool")],
    skip={"torch": "torch.matmul rejects bool"},
)
for _sa, _sb in [
    ((2, 3), (3, 4)),
    ((3,), (3,)),
    ((2, 3, 4), (5, 4, 6)),
    ((), (2, 3)),
    ((2, 3), (3,)),
]:
    rec(
        f"dot-{_sa}-{_sb}",
        "dot",
        [In(_sa), In(_sb)],
        skip={"torch": "torch.dot is for 1-d only"} if len(_sa) != 1 else {},
    )
for _sa, _sb in [((2, 3), (4,)), ((2,), (3, 2)), ((), (3,))]:
    rec(
        f"kron-{_sa}-{_sb}",
        "kron",
        [In(_sa), In(_sb)],
        skip={"torch": "torch.kron needs tensors"} if not _sa else {},
    )
rec(
    "kron-int-f32",
    "kron",
    [In((2,), "int32"), In((2, 2), "float32")],
    skip={"torch": "torch.kron needs one dtype"},
)
rec("outer", "outer", [In((3,)), In((4,))])
rec("outer-2d", "outer", [In((2, 3)), In((4,), "float32")], skip={"torch": "torch.outer is 1-d"})
for _sa, _sb in [((3,), (3,)), ((2, 3), (4, 3)), ((), (2, 2)), ((2, 3, 2), (2,))]:
    rec(
        f"inner-{_sa}-{_sb}",
        "inner",
        [In(_sa), In(_sb)],
        skip={"torch": "torch.inner needs tensors"} if not _sa else {},
    )
rec("vdot", "vdot", [In((3,), "complex64"), In((3,), "complex64")])
rec("vdot-2d", "vdot", [In((2, 3)), In((3, 2))], skip={"torch": "torch.vdot is 1-d"})

_EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ij, jk -> ki", [(2, 3), (3, 4)]),
    (" i j , j k ", [(2, 3), (3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("ij->", [(2, 3)]),
    ("ba", [(2, 3)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
    ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 2)]),
    ("i...->...", [(2, 3, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i...i", [(3, 2, 3)]),
    ("ij...,jk...->ik...", [(2, 3, 5), (3, 4, 1)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ij,ij->ij", [(2, 1), (2, 3)]),
    ("abc,cd,dbe->ae", [(2, 3, 4), (4, 5), (5, 3, 2)]),
    ("...", [(2, 3)]),
    ("->", [()]),
    ("i->", [(4,)]),
    ("Ab,bC->AC", [(2, 3), (3, 4)]),
]
for _k, (_eq, _shapes) in enumerate(_EINSUM):
    rec(
        f"einsum-{_k}-{_eq.replace(' ', '_')}",
        "einsum",
        [In(s) for s in _shapes],
        (_eq, *_SEQ(len(_shapes))),
    )
rec(
    "einsum-dtypes",
    "einsum",
    [In((2, 3), "float32"), In((3,), "int64")],
    ("ij,j->i", X[0], X[1]),
    skip={"torch": "torch.einsum needs one dtype"},
)
rec(
    "einsum-complex",
    "einsum",
    [In((2, 3), "complex64"), In((3,), "complex64")],
    ("ij,j->i", X[0], X[1]),
)
rec(
    "einsum-interleaved",
    "einsum",
    [In((2, 3)), In((3, 4))],
    (X[0], [0, 1], X[1], [1, 2], [2, 0]),
    skip={
        "torch": "autoray passes the interleaved form to torch.einsum unchanged",
        "jax": "autoray passes the interleaved form to jnp.einsum unchanged",
    },
)
rec(
    "einsum-interleaved-implicit",
    "einsum",
    [In((2, 3)), In((3, 4))],
    (X[0], [0, 1], X[1], [1, 2]),
    skip={"torch": "interleaved form", "jax": "interleaved form"},
)
rec(
    "einsum-interleaved-ellipsis",
    "einsum",
    [In((5, 2, 3))],
    (X[0], [..., 0, 1], [..., 1]),
    skip={"torch": "interleaved form", "jax": "interleaved form"},
)

# -------------------------------------------------------------- creation

_CREATE = {"creation": True}
for _name in ("zeros", "ones"):
    rec(f"{_name}", _name, (), ((2, 3),), **_CREATE)
    rec(f"{_name}-int32", _name, (), ((3,),), {"dtype": "int32"}, **_CREATE)
    rec(f"{_name}-int-shape", _name, (), (4,), {"dtype": "float32"}, **_CREATE)
    rec(f"{_name}-empty", _name, (), ((0, 2),), {"dtype": "complex64"}, **_CREATE)
rec("empty", "empty", (), ((2, 3),), values=False, **_CREATE)
rec("empty-bool", "empty", (), ((2,),), {"dtype": "bool"}, values=False, **_CREATE)
rec("full-int", "full", (), ((2, 3), 7), **_CREATE)
rec("full-float", "full", (), ((2,), 1.5), **_CREATE)
rec("full-bool", "full", (), ((2,), True), **_CREATE)
rec("full-dtype", "full", (), ((2,), 3), {"dtype": "float32"}, **_CREATE)
rec("full-complex", "full", (), ((2,), 1j), **_CREATE)
rec("eye", "eye", (), (3,), **_CREATE)
rec("eye-M", "eye", (), (3,), {"M": 5}, **_CREATE)
rec(
    "eye-k",
    "eye",
    (),
    (4,),
    {"M": 3, "k": 1, "dtype": "int32"},
    **_CREATE,
    skip={"torch": "torch.eye has no k"},
)
rec("eye-kneg", "eye", (), (3,), {"k": -1}, **_CREATE, skip={"torch": "torch.eye has no k"})
rec("identity", "identity", (), (3,), **_CREATE)
rec("identity-int", "identity", (), (2,), {"dtype": "int64"}, **_CREATE)
rec("arange-stop", "arange", (), (5,), **_CREATE)
rec("arange-start-stop-step", "arange", (), (1, 10, 3), **_CREATE)
rec("arange-float", "arange", (), (0.0, 1.0, 0.25), **_CREATE)
rec("arange-negstep", "arange", (), (5, 1, -2), **_CREATE)
rec("arange-empty", "arange", (), (5, 1), **_CREATE)
rec("arange-dtype", "arange", (), (4,), {"dtype": "float32"}, **_CREATE)
rec("arange-float-step", "arange", (), (1, 2, 0.1), **_CREATE)
rec("linspace", "linspace", (), (0.0, 1.0, 5), **_CREATE)
rec("linspace-noend", "linspace", (), (0, 1), {"num": 4, "endpoint": False}, **_CREATE)
rec("linspace-dtype", "linspace", (), (0, 1, 3), {"dtype": "float32"}, **_CREATE)
for _name in ("zeros_like", "ones_like"):
    rec(f"{_name}", _name, [In((2, 3), "float32")])
    rec(f"{_name}-dtype", _name, [In((2,), "int32")], kwargs={"dtype": "float64"})
rec("empty_like", "empty_like", [In((2, 3), "int32")], values=False)
rec("full_like", "full_like", [In((2, 3), "float32")], (X[0], 2))
rec(
    "full_like-int",
    "full_like",
    [In((2,), "int64")],
    (X[0], 2.7),
    skip={"torch": "torch.full_like keeps the float fill for int tensors differently"},
)

# ---------------------------------------------------------------- linalg


def _eig_complex(a):
    w, v = np.linalg.eig(a)
    c = np.result_type(a.dtype, np.complex64)
    return w.astype(c), v.astype(c)


_L = "linalg."
for _dt in ("float64", "float32", "complex64"):
    rec(f"svd-{_dt}", _L + "svd", [In((4, 3), _dt)], kwargs={"full_matrices": False})
rec(
    "svd-default-reduced",
    _L + "svd",
    [In((3, 5))],
    np_fn=lambda a: np.linalg.svd(a, full_matrices=False),
)
rec("svd-full", _L + "svd", [In((4, 3))], kwargs={"full_matrices": True})
rec("svd-batch", _L + "svd", [In((2, 3, 4), "float32")], kwargs={"full_matrices": False})
rec("qr", _L + "qr", [In((4, 3))])
rec("qr-wide", _L + "qr", [In((3, 5), "float32")])
rec("qr-complete", _L + "qr", [In((4, 3))], kwargs={"mode": "complete"})
rec("qr-batch", _L + "qr", [In((2, 4, 3), "complex128")])
rec("eig", _L + "eig", [In((4, 4))], np_fn=_eig_complex)
rec("eig-f32", _L + "eig", [In((3, 3), "float32")], np_fn=_eig_complex)
rec("eigvals", _L + "eigvals", [In((4, 4))], np_fn=lambda a: _eig_complex(a)[0])
rec("eigh", _L + "eigh", [In((4, 4), "float64", "spd")])
rec("eigh-c64", _L + "eigh", [In((3, 3), "complex64", "spd")])
rec("eigvalsh", _L + "eigvalsh", [In((2, 3, 3), "float32", "spd")])
rec("inv", _L + "inv", [In((3, 3), "float64", "spd")])
rec("inv-batch-f32", _L + "inv", [In((2, 3, 3), "float32", "spd")])
rec("pinv", _L + "pinv", [In((4, 3))])
rec("det", _L + "det", [In((3, 3))])
rec("det-batch-c", _L + "det", [In((2, 3, 3), "complex64")])
rec("slogdet", _L + "slogdet", [In((3, 3))])
rec("slogdet-c64", _L + "slogdet", [In((2, 3, 3), "complex64")])
rec("cholesky", _L + "cholesky", [In((4, 4), "float64", "spd")])
rec("cholesky-f32", _L + "cholesky", [In((2, 3, 3), "float32", "spd")])
rec("solve-vec", _L + "solve", [In((3, 3), "float64", "spd"), In((3,))])
rec("solve-mat", _L + "solve", [In((3, 3), "float64", "spd"), In((3, 2))])
rec(
    "solve-batch",
    _L + "solve",
    [In((2, 3, 3), "float64", "spd"), In((1, 3, 2))],
    skip={"torch": "torch.linalg.solve broadcasting of b differs"},
)
rec("solve-f32", _L + "solve", [In((3, 3), "float32", "spd"), In((3,), "float32")])
for _kid, _x, _kw in [
    ("vec", (5,), {}),
    ("vec-ord1", (5,), {"ord": 1}),
    ("vec-ordinf", (5,), {"ord": np.inf}),
    ("vec-ord0", (5,), {"ord": 0}),
    ("mat", (3, 4), {}),
    ("mat-fro", (3, 4), {"ord": "fro"}),
    ("mat-nuc", (3, 4), {"ord": "nuc"}),
    ("mat-ord2", (3, 4), {"ord": 2}),
    ("mat-ord-inf", (3, 4), {"ord": -np.inf}),
    ("axis1", (3, 4), {"axis": 1}),
    ("axis-neg-kd", (2, 3, 4), {"axis": -1, "keepdims": True}),
    ("axis-pair", (2, 3, 4), {"axis": (0, 2)}),
    ("axis-pair-ord1", (2, 3, 4), {"axis": (-1, 0), "ord": 1}),
    ("nd", (2, 3, 4), {}),
    ("kd", (3, 4), {"keepdims": True}),
]:
    rec(f"norm-{_kid}", _L + "norm", [In(_x)], kwargs=_kw)
rec("norm-c64", _L + "norm", [In((3,), "complex64")])
rec("norm-f32-axis", _L + "norm", [In((3, 4), "float32")], kwargs={"axis": 0})
rec("norm-int", _L + "norm", [In((3,), "int32")], skip={"torch": _NO_INT_TORCH})
for _n in (0, 1, 3, -2):
    rec(f"matrix_power-{_n}", _L + "matrix_power", [In((3, 3), "float64", "spd")], (X[0], _n))
rec("matrix_power-int", _L + "matrix_power", [In((2, 2), "int64")], (X[0], 2))

# ------------------------------------------------- backend limitations
# (fnmatch pattern of record ids, backend, why the backend itself -- or
# autoray's translation for it -- cannot make the eager call)

_LIMITS = [
    ("invert-*", "torch", "autoray has no torch 'invert' (torch.bitwise_not)"),
    ("bitwise_*-alias", "torch", "autoray has no torch 'invert' (torch.bitwise_not)"),
    ("mod-*", "torch", "autoray has no torch 'mod' (torch.remainder)"),
    ("remainder-*", "torch", "autoray has no torch 'mod' (torch.remainder)"),
    ("subtract-bool-*", "torch", "torch rejects subtraction of bool tensors"),
    ("maximum-*weak*", "torch", "torch.maximum takes tensors only"),
    ("minimum-*weak*", "torch", "torch.minimum takes tensors only"),
    ("greater-weak*-reflected", "torch", "torch.greater needs a tensor first"),
    ("equal-weak*-reflected", "torch", "torch.eq needs a tensor first"),
    ("less-weak*-reflected", "torch", "torch.less needs a tensor first"),
    ("where-nonbool-cond", "torch", "torch.where needs a boolean condition"),
    ("reshape-flat", "torch", "torch.reshape needs a tuple shape"),
    ("reshape-any-negative-is-unknown", "torch", "torch.reshape only takes -1 as unknown"),
    ("reshape-any-negative-is-unknown", "jax", "jnp.reshape only takes -1 as unknown"),
    ("permute_dims", "torch", "autoray has no torch 'permute_dims'"),
    ("matrix_transpose", "torch", "autoray has no torch 'matrix_transpose'"),
    ("expand_dims-tuple*", "torch", "torch.unsqueeze takes a single dim"),
    ("getitem-slice-negstep", "torch", "torch slicing needs a positive step"),
    ("getitem-list-2d", "torch", "torch reads a nested list index as a tuple of indices"),
    ("getitem-adv-int-separated", "torch", "torch places the advanced dim after basic ints"),
    ("trace-3d-axes", "torch", "autoray's torch trace takes no axis1/axis2"),
    ("tensordot-int1", "torch", "torch.tensordot needs one dtype"),
    ("tensordot-pair-ints", "torch", "torch.tensordot needs lists of dims"),
    ("arange-empty", "torch", "torch.arange rejects an empty range with positive step"),
    ("linspace-noend", "torch", "torch.linspace has no endpoint"),
    ("complex-f64", "jax", "jax.lax.complex does not broadcast"),
    ("flatten", "jax", "autoray has no jax 'flatten'"),
    ("split-indices-neg", "jax", "jnp.split rejects out-of-range split points"),
    ("split-indices-unsorted", "jax", "jnp.split rejects unsorted split points"),
    ("getitem-list*", "jax", "jax rejects Python lists as indices"),
    ("take-axis*", "jax", "jnp.take rejects Python lists as indices"),
]


def _apply_limits():
    from fnmatch import fnmatchcase

    for pattern, backend, why in _LIMITS:
        hits = [r for r in RECORDS if fnmatchcase(r.id, pattern)]
        if not hits:
            raise ValueError(f"limit pattern {pattern!r} matches no record")
        for r in hits:
            r.skip.setdefault(backend, why)


_apply_limits()
