"""Helpers shared by the op families: operands, backends, node creation."""

from __future__ import annotations

import operator
import warnings

import autoray
import numpy as np

from ..graph import dtypes
from ..graph.node import LazyArray, array, new_node, supported_dtype
from ..graph.pytree import LEAF, kind_of
from ..graph.registry import OTHER, register, resolve
from ..graph.sharing import static_kwargs
from ..graph.traverse import to_list

register("item", OTHER, impl=operator.getitem)

__all__ = """LazyArray array new_node backend_of constant make info array_result_type multi_output
    pair_operands""".split()


def backend_of(op: str, deps) -> str:
    """The common backend of ``deps``: mixing backends is an error, except lazy numpy
    arrays in a graph of autoray's dispatching ``"autoray.numpy"`` (cotengra's constants)."""
    b = deps[0]._backend
    for d in deps:
        if (e := d._backend) != b:
            if {b, e} != {"numpy", "autoray.numpy"}:
                raise ValueError(f"{op}: cannot mix lazy arrays of backends {b!r} and {e!r}")
            b = "autoray.numpy"
    return b


def constant(op: str, x, backend: str | None):
    """Prepare a non-lazy array operand for a graph on ``backend``.

    Python scalars pass through (they are weak in promotion); lists become
    numpy arrays; numpy data is converted to ``backend``'s array type; an
    array of a third backend is an error, and so is an array of a dtype lazy
    arrays do not hold (see :func:`lazyray.graph.node.supported_dtype`).

    >>> constant("add", np.array(["a"]), "numpy")
    Traceback (most recent call last):
    ...
    TypeError: add: unsupported dtype 'str32'; lazy arrays are bool, integer, float or complex
    """
    if type(x) in dtypes.WEAK_TYPES:
        return x
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise TypeError(f"{op}: unsupported operand of type {type(x).__name__}")
    b = "numpy" if isinstance(x, (np.ndarray, np.generic)) else autoray.infer_backend(x)
    if b.endswith(".lazy"):  # another library's lazy array (autoray's lazy module)
        raise TypeError(f"{op}: cannot mix {b} and lazyray arrays; compute it first")
    supported_dtype(op, x.dtype)  # strings, objects, datetimes...: a TypeError naming op
    if b == (backend or "numpy"):
        return x
    if b == "numpy":  # numpy data on another backend
        return autoray.do("asarray", x, like=backend)
    raise ValueError(f"{op}: cannot mix a {b} array with lazy {backend or 'numpy'} arrays")


def lazy_operands(op: str, values) -> tuple:
    """``(values, backend)``: the lazy arrays' backend (that of ``values[0]``
    when none is lazy) and the other values as its constants (None stays)."""
    lazies = [x for x in values if type(x) is LazyArray] or [lazy(op, values[0])]
    backend = backend_of(op, lazies)
    values = [x if type(x) is LazyArray or x is None else constant(op, x, backend) for x in values]
    return tuple(values), backend


def info(x):
    """``(shape, dtype key)`` of an operand (lazy array, array or scalar)."""
    t = type(x)
    if t is LazyArray:
        return x._shape, x._dtype
    if t in dtypes.WEAK_TYPES:
        return (), t
    return tuple(int(d) for d in x.shape), dtypes.dtype_name(x.dtype)


def array_result_type(op: str, backend: str | None, operands, keys) -> str:
    """The result dtype of an op that numpy runs on ``asarray`` of each operand
    (contractions, joins), where a Python scalar is strong (see
    :func:`lazyray.graph.dtypes.array_key`); ``keys`` are the operands' keys
    from :func:`info`.  Backends that keep scalars weak (jax) are adjusted by
    :func:`lazyray.graph.dtypes.finalize`.

    >>> array_result_type("outer", "numpy", (np.ones(2, "float32"), 2.0), ("float32", float))
    'float64'
    """
    strong = keys
    if any(type(k) is type for k in keys):
        try:
            strong = tuple(dtypes.array_key(x) for x in operands)
        except TypeError as e:
            raise TypeError(f"{op}: {e}") from None
    return dtypes.finalize(backend, dtypes.result_type(*strong), keys)


_CONTAINERS = (tuple, list, dict)


def find_deps(args: tuple, kwargs=None) -> tuple:
    """Unique lazy arrays in ``args`` and ``kwargs`` (fast path: flat args and
    no ``kwargs``; pass ``kwargs`` only when they may hold lazy arrays).

    Every pytree container is searched (see :mod:`lazyray.graph.pytree`: any
    sequence or mapping, a ``deque`` or an ``OrderedDict`` subclass too).

    >>> import collections, lazyray
    >>> x = lazyray.Variable((2,))
    >>> find_deps((collections.deque([x, 1]),)) == (x,)
    True
    """
    deps = []
    for a in args:
        t = type(a)
        if t is LazyArray:
            deps.append(a)
        elif t in _CONTAINERS or kind_of(t) is not LEAF:
            # any pytree container (deque, UserList, Mapping...) may hold lazy arrays
            return tuple(to_list((args, kwargs)))
    if kwargs:  # only called with kwargs that may hold lazy arrays
        return tuple(to_list((args, kwargs)))
    n = len(deps)
    if n == 2:  # the common pair: one identity test
        return (deps[0],) if deps[0] is deps[1] else tuple(deps)
    if n > 2 and len({id(d) for d in deps}) < n:
        return tuple(to_list(deps))
    return tuple(deps)


_STATIC = (int, bool, str, type(None))
_KWARGS: dict = {}


def _static(v) -> bool:
    """A value that can share a dict: a scalar of ``_STATIC`` type, or a tuple
    holding only ints and such tuples (so equal values have equal types)."""
    t = type(v)
    return t in _STATIC or (t is tuple and _int_tuple(v))


def _int_tuple(v) -> bool:
    return all(type(x) is int or (type(x) is tuple and _int_tuple(x)) for x in v)


def intern_kwargs(kwargs: dict) -> tuple:
    """Drop None entries and share one dict among nodes with equal static
    options (ints, bools, strings, tuples of them), which are never mutated:
    a dict costs ~200 bytes, and many nodes carry the same ``axis=...``.

    Returns ``(kwargs or None, static)``.
    """
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    if not kwargs:
        return None, True
    if all(map(_static, kwargs.values())):
        key = tuple((k, type(v), v) for k, v in kwargs.items())
        d = _KWARGS.get(key)
        if d is None:
            d = _KWARGS.setdefault(key, kwargs)
            if d is kwargs:  # the interned dict: its sharing key, computed once
                static_kwargs(d)
        return d, True
    return kwargs, False


_PAIR_DTYPES: dict = {}


def pair_operands(op: str, a, b) -> tuple:
    """The two operands of a contraction as lazy arrays or constants:
    ``(a, b, shape of a, shape of b, result dtype, backend)``."""
    if type(a) is LazyArray and type(b) is LazyArray:  # fast path
        backend = a._backend
        if b._backend != backend:
            backend = backend_of(op, (a, b))
        key = (a._dtype, b._dtype, backend)
        dtype = _PAIR_DTYPES.get(key)
        if dtype is None:
            dtype = _PAIR_DTYPES[key] = dtypes.finalize(
                backend, dtypes.result_type(*key[:2]), key[:2]
            )
        return a, b, a._shape, b._shape, dtype, backend
    if type(a) is not LazyArray and type(b) is not LazyArray:
        a = lazy(op, a)
    lazies = [x for x in (a, b) if type(x) is LazyArray]
    backend = backend_of(op, lazies)
    a, b = (x if type(x) is LazyArray else constant(op, x, backend) for x in (a, b))
    (sa, ka), (sb, kb) = info(a), info(b)
    dtype = array_result_type(op, backend, (a, b), (ka, kb))
    return a, b, sa, sb, dtype, backend


def planned(plans: dict, key, fn, *args):
    """``plans[key]``, else ``fn(*args)``, kept under ``key`` when it hashes."""
    try:
        return plans[key]
    except KeyError:
        plans[key] = plan = fn(*args)
    except TypeError:  # an unhashable argument
        plan = fn(*args)
    return plan


def named(fn, name: str):
    """``fn``, named after op ``name`` (its last dotted part)."""
    fn.__name__ = fn.__qualname__ = name.rpartition(".")[2]
    return fn


def numpy_decides(op: str, np_fn, *args, **kwargs) -> None:
    """Call ``np_fn`` on the static arguments, a lazy array standing as a
    0-d zero of its dtype, and raise numpy's error (naming ``op``) if it
    raises: for the rare calls whose acceptance depends on the values of
    Python scalars in a way no dtype rule says (``linspace(-2**63 - 1,
    3.0, 0, dtype=bool)``)."""
    stand = [np.zeros((), a._dtype) if type(a) is LazyArray else a for a in args]
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np_fn(*stand, **kwargs)
    except (OverflowError, TypeError, ValueError) as e:  # (plain types: numpy's take other args)
        kind = next(k for k in (OverflowError, TypeError, ValueError) if isinstance(e, k))
        raise kind(f"{op}: {e}") from None


def make(
    op: str,
    args: tuple,
    kwargs,
    shape: tuple,
    dtype: str,
    deps: tuple | None = None,
    backend: str | None = None,
) -> LazyArray:
    """Create a node of registry op ``op`` (deps found from args if omitted).

    ``kwargs`` may be None; entries whose value is None are dropped so that
    backends that do not know an option are not passed it.
    """
    static = True
    if type(dtype) is not str and type(dtype) is not tuple:
        dtype = dtypes.dtype_name(dtype)  # a dtype object (``x.dtype``)
    if kwargs:
        kwargs, static = intern_kwargs(kwargs)
    if deps is None:
        deps = find_deps(args, None if static else kwargs)
    if backend is None:
        backend = backend_of(op, deps) if deps else "numpy"
    return new_node(op, resolve(backend, op), args, kwargs, shape, dtype, backend, deps)


def lazy(op: str, x) -> LazyArray:
    """``x`` as a lazy array (concrete arrays become leaves); a ``TypeError``
    naming ``op`` for anything else, or for an array of a dtype lazy arrays
    do not hold.

    >>> lazy("sin", np.array(["a"]))
    Traceback (most recent call last):
    ...
    TypeError: sin: unsupported dtype 'str32'; lazy arrays are bool, integer, float or complex
    """
    if type(x) is LazyArray:
        return x
    dt = getattr(x, "dtype", None)
    if dt is None and isinstance(x, (list, tuple)):
        try:
            dt = np.asarray(x).dtype
        except (TypeError, ValueError):
            dt = None
    if dt is not None:
        supported_dtype(op, dt)
    try:
        return array(x)
    except Exception:
        raise TypeError(f"{op}: expected an array, got {type(x).__name__}") from None


def multi_output(op, args, kwargs, shapes, dtype_list, deps=None, backend=None):
    """A multi-output node and one ``item`` node per output.

    The hidden node's ``shape`` and ``dtype`` are tuples (one entry per
    output); each returned node has its own true shape and dtype.
    """
    base = make(op, args, kwargs, tuple(shapes), tuple(dtype_list), deps, backend)
    fn = resolve(base._backend, "item")
    t = (base,)
    return tuple(
        new_node("item", fn, (base, i), None, s, d, base._backend, t)
        for i, (s, d) in enumerate(zip(shapes, dtype_list))
    )
