"""Op records: elementwise (unary, binary, NEP 50 scalars, where, clip,
complex, astype, isclose) and reductions.  See :mod:`op_records`.
"""

from __future__ import annotations

import operator

import numpy as np


def define(rec, In, X, by_id) -> None:  # noqa: N803 - the model's names
    """Add this family's records with ``rec`` (see :mod:`op_records`)."""
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
        rec(
            f"{_name}-weak{type(_s).__name__}-{_dt}-reflected",
            _name,
            [In((3,), _dt, _rk)],
            (_s, X[0]),
        )

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
        "divide": [
            ("float32", "float32"),
            ("int32", "int32"),
            ("int64", "int64"),
            ("int8", "float32"),
        ],
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
        for _da, _db in [
            ("int32", "int32"),
            ("int64", "int8"),
            ("bool", "bool"),
            ("uint8", "uint8"),
        ]:
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
    rec(
        "astype-float32-int64",
        "astype",
        [In((2, 3), "float32")],
        (X[0], "int64"),
    )
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
