"""Elementwise ops: unary and broadcasting binary (the ufunc-like tables),
and those of the Array API 2024.12 that numpy spells alike:
``bitwise_left_shift``, ``bitwise_right_shift``, ``copysign``,
``logaddexp``, ``nextafter``, ``signbit`` (declared with the same templates)
and ``round`` (numpy's ``round(x, decimals=0)``).

Shapes broadcast as in numpy; dtypes are numpy's (NEP 50), obtained from the
numpy function evaluated on zero-dimensional examples and cached per input
dtypes and backend (see :mod:`lazyray.graph.dtypes`).  Where torch's function
of the same name refuses numpy's call (a Python scalar operand, integer input
to ``logaddexp``, complex ``round``), the registry resolves the op, on torch,
to :mod:`lazyray.ops.portable`'s wrapper.

>>> import lazyray
>>> x = lazyray.Variable((2, 3), dtype="int16")
>>> str((x << 2).dtype), lazyray.bitwise_right_shift(x, x).shape
('int16', (2, 3))
"""

from __future__ import annotations

import autoray
import numpy as np

from ..graph import dtypes
from ..graph.node import _ACTIVE, SHARING, _new
from ..graph.registry import BINARY, UNARY, register, resolve
from ..graph.shapes import broadcast_shapes
from ..graph.sharing import share_new
from . import portable, portable_torch
from .common import LazyArray, backend_of, constant, info, lazy, make, named

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


#: op name: the numpy function of that name, used for the dtype rule
UNARY_OPS = {
    n: getattr(np, n)
    for n in """abs negative positive sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh
    arccosh arctanh sqrt square exp expm1 exp2 log log1p log2 log10 reciprocal conj real imag
    angle sign floor ceil trunc isnan isinf isfinite logical_not invert""".split()
}


def _lib_fn(name, *alternatives):
    """A registry ``impl`` factory: ``name`` from autoray, else the first of
    ``alternatives`` the backend has (torch calls ``invert`` ``bitwise_not``)."""

    def factory(backend):
        for n in (name, *alternatives):
            try:
                return autoray.get_lib_fn(backend, n)
            except ImportError:
                continue
        raise ImportError(f"no function {name!r} (or {alternatives}) for backend {backend!r}")

    return factory


_ALTERNATIVES = {"invert": ("bitwise_not",), "mod": ("remainder",)}


def _register(name, family, np_fn, impl=None):
    if impl is None and name in _ALTERNATIVES:
        impl = _lib_fn(name, *_ALTERNATIVES[name])
    impl = portable_torch.numpy_typed(name, impl, np_fn)
    register(name, family, np_fn=np_fn, impl=impl, impl_is_factory=True)


#: unary ops whose value on a real array is that array's own (numpy's
#: ``conj`` copies it; the lazy array is the operand itself)
_SELF_ON_REAL = frozenset(("conj", "real"))


def _make_unary(name, np_fn, impl=None):
    _register(name, UNARY, np_fn, impl)
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
            cache[key] = dtype, fn = dtype, resolve(backend, name)
        # inlined new_node: this is the tracing hot path
        t = (x,)
        if _ACTIVE[0]:
            key = SHARING._cache  # (a local reused: each new one costs every call)
            if key is not None:  # the sharing key first: a hit builds no node
                return share_new(key, name, fn, t, None, x._shape, dtype, backend, t)
        node = _new(LazyArray)
        node._op = name
        node._fn = fn
        node._args = node._deps = t
        node._kwargs = node._data = None
        node._shape = x._shape
        node._dtype = dtype
        node._backend = backend
        node._depth = x._depth + 1
        return node

    unary.__doc__ = (
        f"Elementwise ``{name}`` (numpy's ``{np_fn.__name__}`` rules).\n\n"
        f"    >>> import lazyray\n"
        f"    >>> lazyray.{name}(lazyray.Variable((2, 3), dtype={_example(name)!r}))"
        f".shape\n    (2, 3)\n"
    )
    return named(_itself_on_real(unary, name, np_fn) if name in _SELF_ON_REAL else unary, name)


def _itself_on_real(unary, name, np_fn):
    """``unary`` (``conj``, ``real``) answering a real lazy array with itself:
    its values (numpy's copies them; jax and torch return the array).  A
    wrapper, so that no other op's hot path pays for the test."""
    itself = {}  # (dtype, backend) -> whether the result is the operand

    def op(x):
        if type(x) is not LazyArray:
            x = lazy(name, x)
        key = (x._dtype, x._backend)
        same = itself.get(key)
        if same is None:
            dtype = dtypes.finalize(key[1], _dtype_rule(name, np_fn, key[:1]), key[:1])
            same = itself[key] = dtype == x._dtype and not dtypes.is_complex(dtype)
        return x if same else unary(x)

    op.__doc__ = unary.__doc__
    return op


for _name, _np_fn in UNARY_OPS.items():
    globals()[_name] = _make_unary(_name, _np_fn)


# ----------------------------------------------------------------- binary

BINARY_OPS = {
    n: getattr(np, n)
    for n in """add subtract multiply divide floor_divide mod power maximum minimum equal
    not_equal less less_equal greater greater_equal logical_and logical_or logical_xor arctan2
    hypot bitwise_and bitwise_or bitwise_xor""".split()
}


def _int_scalar(name, value, dtype, right, shape):
    """numpy 2 rejects a Python int that does not fit the integer dtype it is
    cast to (``uint8 + 300``), and integer arrays to negative int powers (when
    there is an element to compute: an empty result is fine)."""
    dtypes.check_weak_int(name, value, dtype)
    if name == "power" and right and value < 0 and 0 not in shape:
        raise ValueError(
            f"power: integers to negative integer powers are not allowed ({dtype} array ** {value})"
        )


def _negative_power(x1, x2):
    """numpy refuses integer arrays to negative integer powers (unless empty)."""
    if x1._dtype[0] in "biu" and x2.dtype.kind in "iu" and 0 not in x1._shape and np.any(x2 < 0):
        msg = f"integers to negative integer powers are not allowed ({x1._dtype} ** {x2.dtype})"
        raise ValueError(f"power: {msg}")


def _int_operand(name, np_fn, value, other, right):
    """A Python int beside an array whose result is not an integer
    (``logical_and(int64, 2**63)``): when it does not fit the array's integer
    dtype or int64 (``logical_or(2**63, float32)``: a C long), numpy decides
    on 0-d examples, and its error is raised at trace time."""
    if -(2**63) <= value < 2**63 and (
        other[0] not in "iu" or np.iinfo(other).min <= value <= np.iinfo(other).max
    ):
        return
    a = np.zeros((), other)
    try:
        with np.errstate(all="ignore"):
            np_fn(a, value) if right else np_fn(value, a)
    except (OverflowError, TypeError, ValueError) as e:
        raise type(e)(f"{name}: {e}") from None


def _make_binary(name, np_fn, impl=None):
    _register(name, BINARY, np_fn, impl)
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
                    backend = backend_of(name, (x1, x2))
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
                    if name == "power" and isinstance(x2, (np.generic, np.ndarray)):
                        _negative_power(x1, x2)
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
        if t2 is int or t1 is int:  # a Python int must fit
            if dtype[0] in "iu":
                _int_scalar(name, x2 if t2 is int else x1, dtype, t2 is int, shape)
            else:  # (bool or float results: numpy casts it to the array's dtype)
                _int_operand(name, np_fn, x2 if t2 is int else x1, key[t1 is int], t2 is int)
        # inlined new_node: this is the tracing hot path
        if _ACTIVE[0]:
            key = SHARING._cache  # (a local reused: each new one costs every call)
            if key is not None:  # the sharing key first: a hit builds no node
                return share_new(key, name, fn, args, None, shape, dtype, backend, deps)
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
        return node

    def reflected(x2, x1):
        return binary(x1, x2)

    REFLECTED[name] = reflected
    binary.__doc__ = (
        f"Broadcasting elementwise ``{name}`` (numpy's rules).\n\n"
        f"    >>> import lazyray\n"
        f"    >>> x = lazyray.Variable((2, 1), dtype={_example(name)!r})\n"
        f"    >>> lazyray.{name}(x, lazyray.Variable((3,), dtype=x.dtype)).shape\n"
        f"    (2, 3)\n"
    )
    return named(binary, name)


REFLECTED = {}
for _name, _np_fn in BINARY_OPS.items():
    globals()[_name] = _make_binary(_name, _np_fn)


#: numpy's ``ndarray.__pow__`` fast paths (``fast_scalar_power`` in numpy's
#: ``number.c``): an exact Python int or float exponent -> (unary op, whether
#: it applies to every dtype, else only to float and complex arrays)
POW_FAST_PATHS = {
    (int, 2): ("square", True),
    (int, -1): ("reciprocal", False),
    (float, 0.5): ("sqrt", False),
}
_NUMPY = (None, "numpy")


def power_operator(x1, x2):
    """``x1 ** x2``: numpy's ``**`` operator, which computes ``x ** 2`` as
    ``square(x)`` (any dtype: ``bool ** 2`` is ``int8``), and ``x ** -1`` and
    ``x ** 0.5`` of float and complex arrays as ``reciprocal(x)`` and
    ``sqrt(x)`` (which differ from :func:`power` on complex infinities); any
    other exponent, and :func:`power` itself, is ``np.power``.  Arrays of
    other backends keep their library's operator: ``power``.

    >>> import lazyray
    >>> str((lazyray.Variable((2,), dtype="bool") ** 2).dtype)
    'int8'
    >>> (lazyray.Variable((2,)) ** 0.5).fn_name
    'sqrt'
    """
    t2 = type(x2)
    if type(x1) is LazyArray and (t2 is int or t2 is float) and x1._backend in _NUMPY:
        fast = POW_FAST_PATHS.get((t2, x2))
        if fast is not None and (fast[1] or x1._dtype[0] in "fc"):
            return globals()[fast[0]](x1)
    return power(x1, x2)  # noqa: F821 - made by _make_binary above


# ------------------------------------------------ Array API spellings

_P = portable.ELEMENTWISE
bitwise_left_shift = _make_binary("bitwise_left_shift", np.left_shift, _P["bitwise_left_shift"])
bitwise_right_shift = _make_binary("bitwise_right_shift", np.right_shift, _P["bitwise_right_shift"])
copysign = _make_binary("copysign", np.copysign, _P["copysign"])
logaddexp = _make_binary("logaddexp", np.logaddexp, _P["logaddexp"])
nextafter = _make_binary("nextafter", np.nextafter, _P["nextafter"])
signbit = _make_unary("signbit", np.signbit)
# numpy's ufunc names (``np.int8(-2) << x`` calls ``left_shift`` on x's
# ``__array_ufunc__``, which looks the op up by that name)
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


register("round", UNARY, impl=portable.round_impl, impl_is_factory=True)


def round(x, decimals: int = 0) -> LazyArray:  # noqa: A001 - numpy's and the Array API's name
    """Round to ``decimals`` decimal places, halves to even (numpy's
    ``round``; the Array API's ``round(x)`` is ``decimals=0``).

    The dtype is ``x``'s (booleans give ``float16``, as numpy's); complex
    numbers have both parts rounded; integers are unchanged unless
    ``decimals`` is negative.

    >>> import lazyray, numpy as np
    >>> lazyray.round(lazyray.array(np.array([0.5, 1.5, 2.675]))).compute()
    array([0., 2., 3.])
    >>> lazyray.round(lazyray.array(np.array([1.5 + 2.5j])), 0).compute()
    array([2.+2.j])
    """
    x = lazy("round", x)
    if type(decimals) is not int and not isinstance(decimals, np.integer):
        raise TypeError(f"round: decimals must be an integer, got {type(decimals).__name__}")
    decimals = int(decimals)
    static = (("decimals", decimals),) if decimals else ()
    keys = (x._dtype,)
    dtype = dtypes.finalize(x._backend, _dtype_rule("round", np.round, keys, static), keys)
    return make("round", (x,), {"decimals": decimals or None}, x._shape, dtype)


__all__ = (
    [*UNARY_OPS, *BINARY_OPS]
    + """bitwise_left_shift bitwise_right_shift copysign logaddexp
    nextafter signbit left_shift right_shift round""".split()
)
