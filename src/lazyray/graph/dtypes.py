"""Static dtype rules.

Every node carries its dtype as a *name* (``"float64"``, ``"complex64"``,
``"bool"``...).  The rules follow numpy 2 and NEP 50: Python scalars are
*weak* (``float32 * 2.0`` stays ``float32``), numpy scalars and arrays are
strong.

Elementwise and reduction dtypes are obtained from numpy itself, evaluated
once on a zero-dimensional example of each input dtype and cached, so they are
exactly numpy's.  Backends whose promotion differs from numpy's (torch's
default float dtype, jax without x64) are adjusted by :func:`finalize`.
"""

from __future__ import annotations

import warnings
from functools import cache, lru_cache

import autoray
import numpy as np

#: Python scalar types that take part in promotion as *weak* types (NEP 50).
WEAK_TYPES = (bool, int, float, complex)
_WEAK_EXAMPLES = {bool: True, int: 1, float: 1.0, complex: 1j}

_BUILTIN_NAMES = {bool: "bool", int: "int64", float: "float64", complex: "complex128"}


def dtype_name(dtype) -> str:
    """Return the canonical name of ``dtype``.

    Accepts dtype names, numpy dtypes and scalar types, Python builtin types
    and backend dtypes (``torch.float32``, ``jnp.float32``).

    Examples
    --------
    >>> dtype_name("float32"), dtype_name(complex), dtype_name(np.int8)
    ('float32', 'complex128', 'int8')
    """
    try:  # numpy's dtype.name is a slow property: cache names by dtype object
        return _NAMES[dtype]
    except (KeyError, TypeError):
        pass
    if isinstance(dtype, str):
        name = np.dtype(dtype).name if dtype not in _KNOWN else dtype
    elif dtype in _BUILTIN_NAMES:
        name = _BUILTIN_NAMES[dtype]
    elif isinstance(getattr(dtype, "name", None), str):
        name = dtype.name
    else:
        try:
            name = np.dtype(dtype).name
        except (TypeError, ValueError):  # e.g. torch.float32 -> 'float32'
            name = str(dtype).split(".")[-1].lower()
    try:
        _NAMES[dtype] = name
    except TypeError:  # pragma: no cover - unhashable dtype-like
        pass
    return name


_NAMES: dict = {}
_OBJECTS: dict = {}


def dtype_object(name: str):
    """The ``numpy.dtype`` of a dtype name (cached), or the name itself for a
    dtype numpy does not know (``bfloat16`` without ``ml_dtypes``).

    >>> dtype_object("int8"), dtype_object("int8") == "int8"
    (dtype('int8'), True)
    """
    try:
        return _OBJECTS[name]
    except KeyError:
        pass
    try:
        obj = np.dtype(name)
    except TypeError:
        try:
            import ml_dtypes  # noqa: F401 - registers bfloat16 & co. with numpy

            obj = np.dtype(name)
        except (ImportError, TypeError):
            obj = name
    _OBJECTS[name] = obj
    return obj


_KNOWN = frozenset(
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float16 bfloat16 "
    "float32 float64 complex64 complex128".split()
)


def operand_key(x):
    """The dtype key of an operand: a dtype name, or a weak Python type.

    Lazy arrays and any object with a ``dtype`` give their dtype name; Python
    ``bool``/``int``/``float``/``complex`` give their type (weak).
    """
    t = type(x)
    if t in _WEAK_EXAMPLES:
        return t
    dt = getattr(x, "_dtype", None)  # a LazyArray's dtype name
    if type(dt) is str:
        return dt
    dt = getattr(x, "dtype", None)
    if dt is not None:
        return dt if type(dt) is str else dtype_name(dt)
    raise TypeError(f"cannot determine the dtype of {t.__name__} object {x!r:.50}")


def array_key(x):
    """The dtype key of an operand that numpy converts with ``asarray`` first.

    Contractions (``dot``, ``outer``, ``kron``, ``einsum``...) and ``stack``
    turn every operand into an array before they promote, so a Python scalar
    there is *strong*, with the dtype ``np.asarray`` gives it (``concatenate``
    keeps it weak); anything else has its :func:`operand_key`.

    Examples
    --------
    >>> array_key(2.0), array_key(3), array_key(2**63), array_key(True), array_key(1j)
    ('float64', 'int64', 'uint64', 'bool', 'complex128')
    """
    if type(x) not in _WEAK_EXAMPLES:
        return operand_key(x)
    name = np.asarray(x).dtype.name
    if name not in _KNOWN:  # a Python int beyond 64 bits: numpy's object array
        raise TypeError(f"Python {type(x).__name__} {x!r:.40} has no numeric array dtype")
    return name


#: prefixes of the dtype names lazy arrays may have (:func:`supported_dtype`):
#: booleans, integers, floating point (``bfloat16`` and ``ml_dtypes`` floats
#: included) and complex
NUMERIC_PREFIXES = ("bool", "int", "uint", "float", "bfloat", "complex")


def _example(key):
    if key in _WEAK_EXAMPLES:
        return _WEAK_EXAMPLES[key]
    if not key.startswith(NUMERIC_PREFIXES):  # no rule covers strings, objects...
        raise TypeError(
            f"unsupported dtype {key!r}; lazy arrays are bool, integer, float or complex"
        )
    try:
        return np.ones((), dtype=key)
    except TypeError:  # pragma: no cover - e.g. bfloat16 without ml_dtypes
        return np.ones((), dtype="float32")


@lru_cache(maxsize=4096)
def probe(np_fn, keys: tuple, static: tuple = ()) -> str:
    """The dtype numpy's ``np_fn`` gives on zero-dimensional examples.

    ``keys`` are operand keys (see :func:`operand_key`); ``static`` holds
    ``(name, value)`` pairs of hashable keyword arguments.  The result is
    cached, so a rule costs one dictionary lookup after its first use.

    Examples
    --------
    >>> probe(np.multiply, ("float32", float))
    'float32'
    >>> probe(np.true_divide, ("int64", "int64"))
    'float64'
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = np_fn(*map(_example, keys), **dict(static))
    if isinstance(out, tuple):
        out = out[0]
    return np.asarray(out).dtype.name


@lru_cache(maxsize=4096)
def result_type(*keys) -> str:
    """numpy's ``result_type`` of operand keys (weak Python scalars allowed)."""
    return np.result_type(*map(_example, keys)).name


def check_weak_int(op: str, value: int, name: str) -> None:
    """numpy 2 (NEP 50) rejects a Python int that does not fit an integer
    dtype it meets (``uint8 + 300``, ``np.full(2, -1, dtype="uint8")``):
    raise the same ``OverflowError``, naming ``op``.

    >>> check_weak_int("add", 255, "uint8")
    >>> check_weak_int("add", 300, "uint8")
    Traceback (most recent call last):
    ...
    OverflowError: add: Python integer 300 out of bounds for uint8
    """
    if type(value) is int and is_integer(name):
        info = np.iinfo(name)
        if not info.min <= value <= info.max:
            raise OverflowError(f"{op}: Python integer {value} out of bounds for {name}")


def is_complex(name: str) -> bool:
    return name.startswith("complex")


def is_floating(name: str) -> bool:
    return name.startswith(("float", "bfloat"))


def is_integer(name: str) -> bool:
    return name.startswith(("int", "uint"))


def real_dtype(name: str) -> str:
    """The real counterpart of a complex dtype (``complex64`` -> ``float32``)."""
    return {"complex64": "float32", "complex128": "float64"}.get(name, name)


def to_complex(name: str) -> str:
    """The complex dtype matching a real one (``float32`` -> ``complex64``)."""
    if is_complex(name):
        return name
    return "complex64" if name in ("float32", "float16", "bfloat16") else "complex128"


@cache
def itemsize(name: str) -> int:
    """Bytes per element of the dtype ``name``.

    >>> itemsize("complex64")
    8
    """
    return 2 if name == "bfloat16" else np.dtype(name).itemsize


def _jax_x64() -> bool:
    try:
        import jax

        return bool(jax.config.jax_enable_x64)
    except Exception:  # pragma: no cover - jax missing
        return False


def _torch_default() -> str:
    try:
        import torch

        return dtype_name(torch.get_default_dtype())
    except Exception:  # pragma: no cover - torch missing
        return "float32"


_TO_32 = {"float64": "float32", "int64": "int32", "uint64": "uint32", "complex128": "complex64"}


def default_float(backend: str | None) -> str:
    """The dtype ``backend`` gives a float array when none is asked for.

    >>> default_float("numpy")
    'float64'
    """
    if backend == "torch":
        return _torch_default()
    if backend in ("jax", "jaxlib"):
        return "float64" if _jax_x64() else "float32"
    return "float64"


def is_inexact(name) -> bool:
    return type(name) is str and (is_floating(name) or is_complex(name))


def _by_category(dtype: str, keys: tuple, default: str) -> str:
    """torch's and jax's promotion: an inexact result takes the widest
    inexact *array* operand's precision (integer widths do not count), or the
    default float when there is none; numpy gives e.g. ``float64`` for
    ``float32 + int64`` and ``float16`` for ``sqrt(bool)``."""
    if not is_inexact(dtype):
        return dtype
    inexact = tuple(k for k in keys if is_inexact(k))
    if not inexact:
        return to_complex(default) if is_complex(dtype) else default
    if dtype in ("float64", "complex128") and not any(
        k in ("float64", "complex128") for k in inexact
    ):
        narrow = result_type(*inexact)
        return to_complex(narrow) if is_complex(dtype) else real_dtype(narrow)
    return dtype


def finalize(backend: str | None, dtype: str, keys: tuple = ()) -> str:
    """Adjust a numpy-rule dtype to what ``backend`` really produces.

    ``keys`` are the operands' dtype keys (names, or weak Python types).

    * torch and jax promote by category: a float (complex) result takes the
      precision of the widest float (complex) *array* operand, integer widths
      do not count (``float32 + int64`` is ``float32``, numpy's is
      ``float64``), and a result from integer or boolean arrays only takes the
      backend's default float (numpy: ``float64``, or ``float16`` for
      ``sqrt`` of ``bool``);
    * torch: ``uint64`` (numpy's sum of ``uint8``) is ``int64``;
    * jax without x64: 64-bit results are 32-bit.

    >>> finalize("torch", "float64", ("int64", "int64"))
    'float32'
    >>> finalize("torch", "float64", ("float32", "int64"))
    'float32'
    >>> finalize("jax", "float16", ("bool",))
    'float32'
    >>> finalize("numpy", "float64", ("int64", "int64"))
    'float64'
    """
    if backend is None or backend == "numpy":
        return dtype
    if backend == "torch":
        if dtype == "uint64" and "uint64" not in keys:
            return "int64"
        return _by_category(dtype, keys, _torch_default())
    if backend in ("jax", "jaxlib"):
        x64 = _jax_x64()
        dtype = _by_category(dtype, keys, "float64" if x64 else "float32")
        return dtype if x64 else _TO_32.get(dtype, dtype)
    return dtype


def backend_dtype_impl(fn_name: str):
    """A registry ``impl`` factory for ops with a ``dtype`` keyword.

    Graphs keep dtypes as names (portable between backends); at call time the
    name is converted to the backend's dtype object (torch wants
    ``torch.float32``, not ``"float32"``).
    """

    def factory(backend):
        fn = autoray.get_lib_fn(backend, fn_name)
        if backend == "numpy":
            return fn

        def with_dtype(*args, dtype=None, **kwargs):
            if dtype is not None:
                kwargs["dtype"] = autoray.to_backend_dtype(dtype, like=backend)
            return fn(*args, **kwargs)

        with_dtype.__name__ = with_dtype.__qualname__ = fn_name
        return with_dtype

    return factory


def _info_dtype(op: str, x):
    """The numpy dtype of ``x``: an array (lazy or not) or a dtype-like
    (name, numpy dtype or scalar type, Python type, torch/jax dtype)."""
    dt = getattr(x, "dtype", None)
    if dt is None or isinstance(x, (type, np.dtype)):
        dt = x
    obj = dtype_object(dtype_name(dt))  # (bfloat16: when ml_dtypes is installed)
    if type(obj) is str:
        raise TypeError(f"{op}: no numpy dtype for {dt!r:.40}")
    return obj


def finfo(x):
    """numpy's ``finfo`` of the floating point (or complex) dtype of ``x``: a
    lazy array (known statically, no node is built), any array, or a dtype.

    >>> import lazyray
    >>> lazyray.finfo(lazyray.Variable((2,), dtype="float32")).eps
    1.1920928955078125e-07
    >>> finfo("complex128").bits
    64
    """
    dt = _info_dtype("finfo", x)
    if dt.name == "bfloat16":
        import ml_dtypes

        return FloatInfo(ml_dtypes.finfo(dt))
    try:
        return FloatInfo(np.finfo(dt))
    except ValueError as e:
        raise ValueError(f"finfo: {e}") from None


class FloatInfo:
    """numpy's ``finfo``, with the Array API's fields as Python numbers:
    ``bits``, ``eps``, ``max``, ``min``, ``smallest_normal`` and ``dtype``
    (the real floating dtype); numpy's other fields (``tiny``,
    ``resolution``, ``precision``...) are numpy's.

    >>> import lazyray
    >>> info = lazyray.finfo("complex64")
    >>> type(info.eps), info.dtype, info.bits
    (<class 'float'>, dtype('float32'), 32)
    """

    __slots__ = ("_np", "bits", "eps", "max", "min", "smallest_normal", "dtype")

    def __init__(self, info):
        self._np = info
        self.bits, self.dtype = int(info.bits), info.dtype
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.smallest_normal = float(info.smallest_normal)

    def __getattr__(self, name):
        return getattr(self._np, name)

    def __eq__(self, other) -> bool:
        return self._np == getattr(other, "_np", other)

    def __hash__(self) -> int:
        return hash(self._np)

    def __repr__(self) -> str:
        return repr(self._np)


def iinfo(x):
    """numpy's ``iinfo`` of the integer dtype of ``x``: a lazy array (known
    statically, no node is built), any array, or a dtype.

    >>> import lazyray
    >>> lazyray.iinfo(lazyray.Variable((2,), dtype="uint8")).max
    255
    """
    dt = _info_dtype("iinfo", x)
    try:
        return np.iinfo(dt)
    except ValueError as e:
        raise ValueError(f"iinfo: {e}") from None


_SUPPORTED: set = set()


def supported_dtype(op: str, dtype) -> str:
    """The name of ``dtype`` if lazy arrays support it, else ``TypeError``.

    Lazy arrays hold booleans, integers, floating point and complex numbers
    (any backend's); strings, bytes, objects, datetimes and structured dtypes
    are refused at trace time, since no op rule covers them.

    >>> supported_dtype("Variable", "float32")
    'float32'
    >>> supported_dtype("Variable", "U3")
    Traceback (most recent call last):
    ...
    TypeError: Variable: unsupported dtype 'str96'; lazy arrays are bool, integer, float or complex
    """
    name = dtype_name(dtype)
    if name in _SUPPORTED:
        return name
    if name.startswith(NUMERIC_PREFIXES):
        _SUPPORTED.add(name)
        return name
    raise TypeError(
        f"{op}: unsupported dtype {name!r}; lazy arrays are bool, integer, float or complex"
    )
