"""Elementwise ops: unary, broadcasting binary, and ternary (where, clip).

Shapes broadcast as in numpy; dtypes are numpy's (NEP 50), obtained from the
numpy function evaluated on zero-dimensional examples and cached per input
dtypes and backend (see :mod:`lazyray.ops.dtypes`).
"""

from __future__ import annotations

import numpy as np

from ..array import _ACTIVE, _new, shared
from . import dtypes
from .common import LazyArray, backend_of, constant, info, lazy, make
from .registry import BINARY, OTHER, TERNARY, UNARY, register, resolve
from .shapes import broadcast_shapes

_WEAK = dtypes.WEAK_TYPES


def _dtype_rule(name, np_fn, keys, static=()):
    try:
        return dtypes.probe(np_fn, keys, static)
    except TypeError as e:
        kinds = ", ".join(k if isinstance(k, str) else k.__name__ for k in keys)
        raise TypeError(f"{name}: not supported for input dtypes ({kinds}): {e}") from None


# ------------------------------------------------------------------ unary


def _example(name):
    """A dtype the op accepts, for generated docstring examples."""
    return "int64" if name.startswith(("bitwise", "invert")) else "float64"


# name: numpy function used for the dtype rule
UNARY_OPS = {
    "abs": np.abs,
    "negative": np.negative,
    "positive": np.positive,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "arcsin": np.arcsin,
    "arccos": np.arccos,
    "arctan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "arcsinh": np.arcsinh,
    "arccosh": np.arccosh,
    "arctanh": np.arctanh,
    "sqrt": np.sqrt,
    "square": np.square,
    "exp": np.exp,
    "expm1": np.expm1,
    "exp2": np.exp2,
    "log": np.log,
    "log1p": np.log1p,
    "log2": np.log2,
    "log10": np.log10,
    "reciprocal": np.reciprocal,
    "conj": np.conj,
    "real": np.real,
    "imag": np.imag,
    "angle": np.angle,
    "sign": np.sign,
    "floor": np.floor,
    "ceil": np.ceil,
    "trunc": np.trunc,
    "isnan": np.isnan,
    "isinf": np.isinf,
    "isfinite": np.isfinite,
    "logical_not": np.logical_not,
    "invert": np.invert,
}


def _lib_fn(name, *alternatives):
    """A registry ``impl`` factory: ``name`` from autoray, else the first of
    ``alternatives`` the backend has (torch calls ``invert`` ``bitwise_not``)."""

    def factory(backend):
        import autoray

        for n in (name, *alternatives):
            try:
                return autoray.get_lib_fn(backend, n)
            except ImportError:
                continue
        raise ImportError(f"no function {name!r} (or {alternatives}) for backend {backend!r}")

    return factory


_ALTERNATIVES = {"invert": ("bitwise_not",), "mod": ("remainder",)}


def _register(name, family, np_fn):
    if name in _ALTERNATIVES:
        impl = _lib_fn(name, *_ALTERNATIVES[name])
        register(name, family, np_fn=np_fn, impl=impl, impl_is_factory=True)
    else:
        register(name, family, np_fn=np_fn)


def _make_unary(name, np_fn):
    _register(name, UNARY, np_fn)
    cache = {}

    def unary(x):
        if type(x) is not LazyArray:
            x = lazy(name, x)
        backend = x._backend
        key = (x._dtype, backend)
        try:
            dtype, fn = cache[key]
        except KeyError:
            dtype = dtypes.finalize(backend, _dtype_rule(name, np_fn, key[:1]), key[:1])
            fn = resolve(backend, name)
            cache[key] = dtype, fn
        # inlined new_node: this is the tracing hot path
        t = (x,)
        node = _new(LazyArray)
        node._op = name
        node._fn = fn
        node._args = node._deps = t
        node._kwargs = node._data = None
        node._shape = x._shape
        node._dtype = dtype
        node._backend = backend
        node._depth = x._depth + 1
        return shared(node) if _ACTIVE[0] else node

    unary.__name__ = unary.__qualname__ = name
    unary.__doc__ = (
        f"Elementwise ``{name}`` (numpy's ``{np_fn.__name__}`` rules).\n\n"
        f"    >>> import lazyray\n"
        f"    >>> lazyray.{name}(lazyray.Variable((2, 3), dtype={_example(name)!r}))"
        f".shape\n    (2, 3)\n"
    )
    return unary


for _name, _np_fn in UNARY_OPS.items():
    globals()[_name] = _make_unary(_name, _np_fn)


# ----------------------------------------------------------------- binary

BINARY_OPS = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "divide": np.divide,
    "floor_divide": np.floor_divide,
    "mod": np.mod,
    "power": np.power,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "equal": np.equal,
    "not_equal": np.not_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "logical_and": np.logical_and,
    "logical_or": np.logical_or,
    "logical_xor": np.logical_xor,
    "arctan2": np.arctan2,
    "hypot": np.hypot,
    "bitwise_and": np.bitwise_and,
    "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor,
}


def _int_scalar(name, value, dtype, right):
    """numpy 2 rejects a Python int that does not fit the integer dtype it is
    cast to (``uint8 + 300``), and integer arrays to negative int powers."""
    dtypes.check_weak_int(name, value, dtype)
    if name == "power" and right and value < 0:
        raise ValueError(
            f"power: integers to negative integer powers are not allowed ({dtype} array ** {value})"
        )


def _make_binary(name, np_fn):
    _register(name, BINARY, np_fn)
    cache = {}

    def binary(x1, x2):
        t1, t2 = type(x1), type(x2)
        if t1 is LazyArray:
            backend = x1._backend
            if t2 is float or t2 is int:
                shape = x1._shape
                key = (x1._dtype, t2, backend)
                args, deps = (x1, x2), (x1,)
                depth = x1._depth + 1
            elif t2 is LazyArray:
                if x2._backend != backend:
                    backend_of(name, (x1, x2))
                s1, s2 = x1._shape, x2._shape
                shape = s1 if s1 == s2 else broadcast_shapes(name, s1, s2)
                key = (x1._dtype, x2._dtype, backend)
                if x1 is x2:  # deps are unique: x + x depends on x once
                    args, deps = (x1, x1), (x1,)
                    depth = x1._depth + 1
                else:
                    args = deps = (x1, x2)
                    d1, d2 = x1._depth, x2._depth
                    depth = (d1 if d1 > d2 else d2) + 1
            else:
                if t2 not in _WEAK:
                    x2 = constant(name, x2, backend)
                s2, k2 = info(x2)
                shape = broadcast_shapes(name, x1._shape, s2)
                key = (x1._dtype, k2, backend)
                args, deps = (x1, x2), (x1,)
                depth = x1._depth + 1
        elif t2 is LazyArray:
            backend = x2._backend
            if t1 not in _WEAK:
                x1 = constant(name, x1, backend)
            s1, k1 = info(x1)
            shape = broadcast_shapes(name, s1, x2._shape)
            key = (k1, x2._dtype, backend)
            args, deps = (x1, x2), (x2,)
            depth = x2._depth + 1
        else:
            return binary(lazy(name, x1), x2)
        try:
            dtype, fn = cache[key]
        except KeyError:
            keys = key[:2]
            dtype = dtypes.finalize(backend, _dtype_rule(name, np_fn, keys), keys)
            fn = resolve(backend, name)
            cache[key] = dtype, fn
        if (t2 is int or t1 is int) and dtype[0] in "iu":  # a Python int must fit
            _int_scalar(name, x2 if t2 is int else x1, dtype, t2 is int)
        # inlined new_node: this is the tracing hot path
        node = _new(LazyArray)
        node._op = name
        node._fn = fn
        node._args = args
        node._deps = deps
        node._kwargs = node._data = None
        node._shape = shape
        node._dtype = dtype
        node._backend = backend
        node._depth = depth
        return shared(node) if _ACTIVE[0] else node

    def reflected(x2, x1):
        return binary(x1, x2)

    binary.__name__ = binary.__qualname__ = name
    binary.__doc__ = (
        f"Broadcasting elementwise ``{name}`` (numpy's rules).\n\n"
        f"    >>> import lazyray\n"
        f"    >>> x = lazyray.Variable((2, 1), dtype={_example(name)!r})\n"
        f"    >>> lazyray.{name}(x, lazyray.Variable((3,), dtype=x.dtype)).shape\n"
        f"    (2, 3)\n"
    )
    REFLECTED[name] = reflected
    return binary


REFLECTED = {}
for _name, _np_fn in BINARY_OPS.items():
    globals()[_name] = _make_binary(_name, _np_fn)


# ---------------------------------------------------------------- general


def _nary(name, operands, np_fn, static=(), kwargs=None):
    """Elementwise op over several broadcast operands (None passes through)."""
    lazies = [x for x in operands if type(x) is LazyArray]
    if not lazies:
        operands = [lazy(name, operands[0]), *operands[1:]]
        lazies = [operands[0]]
    backend = backend_of(name, lazies)
    operands = tuple(
        x if x is None or type(x) is LazyArray else constant(name, x, backend) for x in operands
    )
    infos = [info(x) for x in operands if x is not None]
    shape = broadcast_shapes(name, *(s for s, _ in infos))
    keys = tuple(k for _, k in infos)
    dtype = dtypes.finalize(backend, _dtype_rule(name, np_fn, keys, static), keys)
    return make(name, operands, kwargs, shape, dtype, backend=backend)


register("where", TERNARY)


def where(condition, x=None, y=None):
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (all three
    broadcast together).

    The one-argument form (``where(condition)``, like ``nonzero``) has a
    data-dependent shape and raises ``ValueError``.

    >>> import lazyray
    >>> lazyray.where(lazyray.Variable((3, 1)) > 0, 1.0, lazyray.Variable((4,))).shape
    (3, 4)
    """
    if x is None or y is None:
        raise ValueError(
            "where: the one-argument form has a data-dependent shape, which a lazy "
            "graph cannot know; give both x and y"
        )
    return _nary("where", (condition, x, y), lambda c, a, b: np.where(c, a, b))


register("clip", TERNARY)


def clip(a, a_min=None, a_max=None):
    """Clip values to ``[a_min, a_max]`` (either may be None).

    >>> import lazyray
    >>> lazyray.clip(lazyray.Variable((3,), dtype="float32"), 0, 1.0).dtype
    'float32'
    """
    if a_min is None and a_max is None:
        raise ValueError("clip: one of a_min or a_max must be given")

    def np_clip(x, *bounds):
        lo = bounds[0] if a_min is not None else None
        hi = bounds[-1] if a_max is not None else None
        return np.clip(x, lo, hi)

    return _nary("clip", (a, a_min, a_max), np_clip)


register("complex", BINARY)


def complex(re, im):  # noqa: A001 - numpy-style name, as in the seed
    """A complex array from real and imaginary parts.

    >>> import lazyray
    >>> lazyray.complex(lazyray.Variable((2,), dtype="float32"), 0.0).dtype
    'complex64'
    """
    return _nary("complex", (re, im), lambda r, i: r + 1j * i)


register("astype", UNARY, impl=lambda backend: _astype_impl(backend), impl_is_factory=True)


def _astype_impl(backend):
    import autoray

    return autoray.get_lib_fn(backend, "astype")


def astype(x, dtype):
    """Cast to ``dtype`` (a name, numpy dtype or Python type).

    >>> import lazyray
    >>> lazyray.astype(lazyray.Variable((2,)), "int32").dtype
    'int32'
    """
    x = lazy("astype", x)
    name = dtypes.dtype_name(dtype)
    if name not in dtypes._KNOWN:
        raise TypeError(f"astype: unknown dtype {dtype!r}")
    name = dtypes.finalize(x._backend, name, (name,))  # jax without x64: 32-bit
    return make("astype", (x, name), None, x._shape, name)


register("allclose", OTHER)
register("isclose", BINARY)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise closeness test (numpy's ``isclose``)."""
    return _nary(
        "isclose", (a, b), np.isclose, kwargs={"rtol": rtol, "atol": atol, "equal_nan": equal_nan}
    )


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements are close (a 0-d boolean array).

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.ones(3))
    >>> bool(lazyray.allclose(x, x + 1e-12).compute())
    True
    """
    lazies = [v for v in (a, b) if type(v) is LazyArray] or [lazy("allclose", a)]
    backend = backend_of("allclose", lazies)
    ops = tuple(v if type(v) is LazyArray else constant("allclose", v, backend) for v in (a, b))
    broadcast_shapes("allclose", info(ops[0])[0], info(ops[1])[0])
    return make(
        "allclose",
        ops,
        {"rtol": rtol, "atol": atol, "equal_nan": equal_nan or None},
        (),
        "bool",
        backend=backend,
    )
