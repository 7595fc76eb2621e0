"""Reductions (``axis`` as int, negative int, tuple or None; ``keepdims``;
numpy's ``dtype``, ``initial`` and ``where`` keywords), scans (``cumsum``,
``cumprod``) and the Array API 2024.12's cumulative ops: ``cumulative_sum``,
``cumulative_prod`` (numpy 2's, with ``include_initial``) and ``diff``.

The keywords are recorded in the node with numpy's meaning; backends whose
functions lack them run numpy's definition (see
:mod:`lazyray.ops.reduce_impl`).  A lazy ``where`` mask is a dependency of
the node.  numpy and JAX have the cumulative functions; other backends run
them as ``cumsum``/``cumprod`` with the identity put in front (see
:func:`lazyray.ops.portable.cumulative_impl`).  ``diff`` with ``prepend`` or
``append`` is recorded as a ``concatenate`` followed by ``diff``, which every
backend understands.

>>> import lazyray
>>> x = lazyray.Variable((2, 3), dtype="int8")
>>> y = lazyray.cumulative_sum(x, axis=1, include_initial=True)
>>> y.shape, str(y.dtype)
((2, 4), 'int64')
"""

from __future__ import annotations

import builtins

import numpy as np

from ..graph import dtypes
from ..graph.node import new_node, supported_dtype
from ..graph.registry import REDUCTION, register, resolve
from ..graph.shapes import broadcast_shapes, normalize_axes, normalize_axis, scalar_axis
from . import portable
from .common import LazyArray, constant, intern_kwargs, lazy, make
from .movement import broadcast_to, concatenate, ravel
from .portable_torch import register_typed
from .reduce_impl import DEFAULT_DDOF, KEYWORDS, reduced_shape, reduction_impl

__all__ = """all any argmax argmin count_nonzero cumprod cumsum cumulative_prod cumulative_sum diff
    max mean min prod std sum var""".split()


def _reduce(name, x, axis, keepdims, np_fn, extra=None, single_axis=False, empty_ok=True):
    if (
        type(x) is LazyArray
        and not keepdims
        and x._shape
        and (axis is None or type(axis) is int)
        and (extra is None or builtins.all(v is None for v in extra.values()))
    ):
        node = _plain(name, x, axis, np_fn, empty_ok)
        if node is not None:
            return node
    x = lazy(name, x)
    if single_axis and isinstance(axis, (tuple, list)):
        raise TypeError(f"{name}: axis must be an integer or None, got {axis!r}")
    extra = dict(extra or {})
    extra["dtype"] = _dtype_or_none(extra.get("dtype"), name)
    where = _where(name, x, extra.pop("where", None))
    if where is not None and name in ("min", "max") and extra.get("initial") is None:
        raise ValueError(
            f"{name}: the reduction has no identity, so a where= mask needs initial= "
            f"(as numpy's 'maximum'/'minimum' reductions)"
        )
    axis = scalar_axis(name, x._shape, axis)
    axes = normalize_axes(name, axis, len(x._shape))
    if not empty_ok and extra.get("initial") is None:
        if builtins.any(x._shape[a] == 0 for a in axes):
            raise ValueError(
                f"{name}: zero-size reduction (shape {x._shape}, axis {axis}) has no identity"
            )
    shape = reduced_shape(x._shape, axes, bool(keepdims))
    dtype = _result_dtype(name, x, np_fn, extra.get("dtype"))
    if extra.get("initial") is not None:
        extra["initial"] = _initial(name, extra["initial"], dtype)
    if axis is not None and not isinstance(axis, (tuple, list)):
        axis = normalize_axis(name, axis, len(x._shape))
    elif isinstance(axis, list):
        axis = tuple(axis)
    kwargs = {"axis": axis, "keepdims": True if keepdims else None, **extra, "where": where}
    return make(name, (x,), kwargs, shape, dtype)


#: ``(op, dtype, backend) -> result dtype`` of a reduction with no keyword
_PLAIN: dict = {}
#: the interned kwargs ``{"axis": a}`` (:func:`~lazyray.ops.common.intern_kwargs`)
_AXIS_KW: dict = {}


def _plain(name, x, axis, np_fn, empty_ok):
    """:func:`_reduce` of a lazy array of at least one dimension over one
    in-range int ``axis`` or all (``None``), with no keyword: the node it
    makes, built at once; None for anything else (an empty reduction with no
    identity: :func:`_reduce` raises)."""
    shape = x._shape
    nd = len(shape)
    if axis is None:
        if not empty_ok and 0 in shape:
            return None
        out, kw = (), None
    elif -nd <= axis < nd:
        if axis < 0:
            axis += nd
        if not empty_ok and shape[axis] == 0:
            return None
        out = shape[:axis] + shape[axis + 1 :]
        kw = _AXIS_KW.get(axis)
        if kw is None:
            kw = _AXIS_KW[axis] = intern_kwargs({"axis": axis})[0]
    else:
        return None
    backend = x._backend
    key = (name, x._dtype, backend)
    dtype = _PLAIN.get(key)
    if dtype is None:
        dtype = _PLAIN[key] = _result_dtype(name, x, np_fn, None)
    return new_node(name, resolve(backend, name), (x,), kw, out, dtype, backend, (x,))


def _result_dtype(name, x, np_fn, dtype):
    """numpy's result dtype of reduction ``name`` of ``x`` (``dtype=`` wins),
    as ``x``'s backend gives it."""
    static = () if dtype is None else (("dtype", dtype),)
    try:
        out = dtypes.probe(np_fn, (x._dtype,), static)
    except (TypeError, ValueError) as e:
        what = x._dtype if dtype is None else f"{x._dtype} with dtype={dtype}"
        raise TypeError(f"{name}: not supported for dtype {what}: {e}") from None
    # a dtype asked for is what every backend gives (jax without x64: 32-bit)
    return dtypes.finalize(x._backend, out, (x._dtype,) if dtype is None else (out,))


def _where(name, x, where):
    """A ``where=`` mask: None for no mask (or ``True``, numpy's default), else
    a boolean array (lazy, or a private copy) that broadcasts to ``x``'s shape."""
    if where is None or (type(where) in (bool, np.bool_) and where):
        return None
    if type(where) is LazyArray:
        wshape, wdtype = where._shape, where._dtype
    else:
        arr = np.array(where)  # a private copy: the caller may mutate theirs
        wshape, wdtype = arr.shape, dtypes.dtype_name(arr.dtype)
        where = constant(name, arr, x._backend)
    if wdtype != "bool":
        raise TypeError(
            f"{name}: where= must be a boolean array (numpy casts it with the 'safe' rule), "
            f"got dtype {wdtype}"
        )
    if broadcast_shapes(name, wshape, x._shape) != x._shape:
        raise ValueError(
            f"{name}: where= of shape {wshape} does not broadcast to the input's shape {x._shape}"
        )
    return where


def _initial(name, value, dtype):
    """``initial=`` as a Python scalar of the result ``dtype``, converted as
    numpy converts it (unsafely: ``initial=1.5`` on integers is 1; a Python
    int out of range is an ``OverflowError``)."""
    if type(value) is LazyArray:
        raise TypeError(f"{name}: initial= must be a scalar known at trace time, got a lazy array")
    try:
        buf = np.empty((), dtype)
    except TypeError:  # pragma: no cover - a dtype numpy lacks (bfloat16)
        return value
    try:
        buf[()] = value
    except (TypeError, ValueError, OverflowError) as e:
        raise type(e)(f"{name}: initial={value!r:.40} as {dtype}: {e}") from None
    return buf.item()


for _n in KEYWORDS:
    # numpy's keywords on every backend; a ``dtype=`` stays a name in the graph
    register_typed(_n, REDUCTION, reduction_impl(_n), probe="reduction")
for _n in ("argmin", "argmax", "count_nonzero"):
    register_typed(_n, REDUCTION, probe="reduction")


def sum(x, axis=None, keepdims=False, *, dtype=None, initial=None, where=None):  # noqa: A001
    """Sum over ``axis``, with numpy's keywords: the result ``dtype``, an
    ``initial`` value added, and a boolean ``where`` mask (lazy or not,
    broadcast to ``x``; masked elements count as 0).

    >>> import lazyray, numpy as np
    >>> str(lazyray.sum(lazyray.Variable((2, 3, 4), dtype="int8"), axis=(0, -1)).dtype)
    'int64'
    >>> x = lazyray.array(np.arange(4.0))
    >>> lazyray.sum(x, where=x > 1, initial=10).compute()
    np.float64(15.0)
    """
    return _reduce("sum", x, axis, keepdims, np.sum, _kw(dtype, initial, where))


def prod(x, axis=None, keepdims=False, *, dtype=None, initial=None, where=None):  # noqa: F811
    """Product over ``axis`` (keywords as :func:`sum`; masked elements count as 1)."""
    return _reduce("prod", x, axis, keepdims, np.prod, _kw(dtype, initial, where))


def mean(x, axis=None, keepdims=False, *, dtype=None, where=None):
    """Mean over ``axis`` (integers give float64), of the elements ``where``
    selects, accumulated in ``dtype`` when given.

    >>> import lazyray
    >>> str(lazyray.mean(lazyray.Variable((2, 3), dtype="int32"), axis=1).dtype)
    'float64'
    >>> str(lazyray.mean(lazyray.Variable((2, 3)), dtype="float32").dtype)
    'float32'
    """
    return _reduce("mean", x, axis, keepdims, np.mean, _kw(dtype, None, where))


def std(x, axis=None, ddof=None, keepdims=False, *, dtype=None, where=None, correction=None):
    """Standard deviation over ``axis``, with ``ddof`` (``correction``, its
    Array API name) degrees of freedom removed.

    When neither is given, ``ddof`` is the default of ``x``'s backend,
    recorded in the node: 0 as numpy's, but 1 for torch (``torch.std`` is
    unbiased), so a lazy torch array gives what eager torch gives, and a
    graph gives the same numbers on every backend it is run on.

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.arange(4.0))
    >>> float(lazyray.var(x).compute()), float(lazyray.var(x, ddof=1).compute())
    (1.25, 1.6666666666666667)
    """
    return _moment("std", np.std, x, axis, ddof, keepdims, dtype, where, correction)


def var(x, axis=None, ddof=None, keepdims=False, *, dtype=None, where=None, correction=None):
    """Variance over ``axis`` (complex input gives a real dtype; ``ddof`` as
    in :func:`std`)."""
    return _moment("var", np.var, x, axis, ddof, keepdims, dtype, where, correction)


def min(x, axis=None, keepdims=False, *, initial=None, where=None):  # noqa: A001
    """Minimum over ``axis``; an empty reduction, or a ``where`` mask, needs
    ``initial`` (as in numpy)."""
    return _reduce("min", x, axis, keepdims, np.min, _kw(None, initial, where), empty_ok=False)


def max(x, axis=None, keepdims=False, *, initial=None, where=None):  # noqa: A001
    """Maximum over ``axis``; an empty reduction, or a ``where`` mask, needs
    ``initial`` (as in numpy).

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.arange(6.0).reshape(2, 3))
    >>> lazyray.max(x, axis=0, where=x < 4, initial=-1.0).compute()
    array([3., 1., 2.])
    """
    return _reduce("max", x, axis, keepdims, np.max, _kw(None, initial, where), empty_ok=False)


def all(x, axis=None, keepdims=False, *, where=None):  # noqa: A001
    """Whether all elements along ``axis`` (that ``where`` selects) are true."""
    return _reduce("all", x, axis, keepdims, np.all, _kw(None, None, where))


def any(x, axis=None, keepdims=False, *, where=None):  # noqa: A001
    """Whether any element along ``axis`` (that ``where`` selects) is true."""
    return _reduce("any", x, axis, keepdims, np.any, _kw(None, None, where))


def _kw(dtype, initial, where) -> dict:
    return {"dtype": dtype, "initial": initial, "where": where}


def _moment(name, np_fn, x, axis, ddof, keepdims, dtype, where, correction):
    """``std``/``var`` recording ``ddof``: the one given, else the backend's
    default (:data:`~lazyray.ops.reduce_impl.DEFAULT_DDOF`); None for 0."""
    x = lazy(name, x)
    if correction is not None:
        if ddof:  # as numpy: an explicit ddof=0 goes with a correction
            raise ValueError(f"{name}: ddof and correction can't be provided simultaneously")
        ddof = correction
    ddof = DEFAULT_DDOF.get(x._backend, 0) if ddof is None else ddof
    extra = {"ddof": ddof or None, **_kw(dtype, None, where)}
    return _reduce(name, x, axis, keepdims, np_fn, extra)


def argmin(x, axis=None, keepdims=False):
    """Index of the minimum along ``axis`` (int or None: flattened)."""
    return _reduce("argmin", x, axis, keepdims, np.argmin, single_axis=True, empty_ok=False)


def argmax(x, axis=None, keepdims=False):
    """Index of the maximum along ``axis`` (int or None: flattened)."""
    return _reduce("argmax", x, axis, keepdims, np.argmax, single_axis=True, empty_ok=False)


def count_nonzero(x, axis=None, keepdims=False):
    """Number of non-zero elements along ``axis``."""
    return _reduce("count_nonzero", x, axis, keepdims, np.count_nonzero)


def _scan(name, x, axis, np_fn, dtype=None):
    x = lazy(name, x)
    dtype = _dtype_or_none(dtype, name)
    if dtype is None and x._backend in ("jax", "jaxlib") and dtypes.is_integer(x._dtype):
        # jax scans keep small integer types (numpy widens them)
        out = dtypes.finalize(x._backend, x._dtype, (x._dtype,))
    else:
        out = _result_dtype(name, x, np_fn, dtype)
    axis = scalar_axis(name, x._shape, axis)
    if axis is None:
        # numpy scans the flattened array: recorded as ravel + scan(axis=0),
        # which every backend understands
        x, axis = ravel(x), 0
    axis = normalize_axis(name, axis, len(x._shape))
    return make(name, (x,), {"axis": axis, "dtype": dtype}, x._shape, out)


def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along ``axis`` (None: of the flattened array), in
    ``dtype`` when given.

    >>> import lazyray
    >>> lazyray.cumsum(lazyray.Variable((2, 3))).shape
    (6,)
    """
    return _scan("cumsum", x, axis, np.cumsum, dtype)


def cumprod(x, axis=None, dtype=None):
    """Cumulative product along ``axis`` (None: of the flattened array), in
    ``dtype`` when given."""
    return _scan("cumprod", x, axis, np.cumprod, dtype)


def _dtype_or_none(dtype, op="reduction"):
    return None if dtype is None else supported_dtype(op, dtype)


# ------------------------------------------------ cumulative ops

for _name in ("cumulative_sum", "cumulative_prod"):
    register(_name, REDUCTION, impl=portable.cumulative_impl(_name), impl_is_factory=True)
register("diff", REDUCTION, impl=portable.diff_impl, impl_is_factory=True)


def _cumulative(name, np_fn, x, axis, dtype, include_initial):
    x = lazy(name, x)
    if x._shape == ():  # numpy's: a 0-d array scans as a 1-d one
        x = ravel(x)
    if axis is None:
        if len(x._shape) > 1:
            raise ValueError(
                f"{name}: axis is required for arrays of more than one dimension (shape {x._shape})"
            )
        axis = 0
    if type(axis) is not int and not isinstance(axis, np.integer):
        raise TypeError(f"{name}: axis must be an integer or None, got {axis!r}")
    axis = normalize_axis(name, int(axis), len(x._shape))
    name_dt = _dtype_or_none(dtype, name)
    out = _result_dtype(name, x, np_fn, name_dt)
    shape = list(x._shape)
    if include_initial:
        shape[axis] += 1
    # the result dtype is recorded when it is not x's (numpy widens small
    # integers; jax's scans would not), so that every backend gives it
    kwargs = {
        "axis": axis,
        "dtype": out if (name_dt is not None or out != x._dtype) else None,
        "include_initial": True if include_initial else None,
    }
    return make(name, (x,), kwargs, tuple(shape), out)


def cumulative_sum(
    x, /, *, axis: int | None = None, dtype=None, include_initial: bool = False
) -> LazyArray:
    """Cumulative sum along ``axis`` (which may be None only for 1-d ``x``),
    in ``dtype`` when given, else in numpy's (small integers widen to
    ``int64``/``uint64``); ``include_initial`` puts the sum of no elements,
    0, first.

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.array([1, 2, 3]))
    >>> lazyray.cumulative_sum(x, include_initial=True).compute()
    array([0, 1, 3, 6])
    """
    return _cumulative("cumulative_sum", np.cumulative_sum, x, axis, dtype, include_initial)


def cumulative_prod(
    x, /, *, axis: int | None = None, dtype=None, include_initial: bool = False
) -> LazyArray:
    """Cumulative product along ``axis`` (as :func:`cumulative_sum`; the
    initial value is 1).

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> lazyray.cumulative_prod(x, axis=0).compute()
    array([[1., 2.],
           [3., 8.]])
    """
    return _cumulative("cumulative_prod", np.cumulative_prod, x, axis, dtype, include_initial)


def _edge(value, x: LazyArray, axis: int):
    """``prepend``/``append`` as numpy takes them: an array (a Python scalar
    is strong, as ``np.asanyarray`` makes it), a 0-d one broadcast to ``x``'s
    shape with length 1 along ``axis``."""
    if type(value) is not LazyArray:
        if type(value) in dtypes.WEAK_TYPES or isinstance(value, (list, tuple)):
            value = np.asarray(value)
        value = lazy("diff", constant("diff", value, x._backend))
    if value._shape == ():
        shape = list(x._shape)
        shape[axis] = 1
        value = broadcast_to(value, tuple(shape))
    return value


def diff(x, /, n: int = 1, axis: int = -1, prepend=None, append=None) -> LazyArray:
    """The ``n``-th discrete difference along ``axis`` (numpy's ``diff``;
    ``n`` and ``axis`` by position or name), of ``x`` with ``prepend`` and
    ``append`` (arrays, or scalars repeated along ``axis``) put around it.

    Booleans differ by ``!=`` (as in numpy); ``n=0`` gives ``x`` itself.

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.array([1, 4, 9, 16]))
    >>> lazyray.diff(x).compute(), lazyray.diff(x, n=2, prepend=0).shape
    (array([3, 5, 7]), (3,))
    """
    x = lazy("diff", x)
    if type(n) is not int and not isinstance(n, np.integer):
        raise TypeError(f"diff: n must be an integer, got {type(n).__name__}")
    n = int(n)
    if n == 0:  # as numpy's: before axis and edges are looked at
        return x
    if n < 0:
        raise ValueError(f"diff: order n must be non-negative, got {n}")
    if x._shape == ():
        raise ValueError("diff: requires input that is at least one dimensional (shape ())")
    axis = normalize_axis("diff", axis, len(x._shape))
    if prepend is not None or append is not None:
        # numpy concatenates arrays: no weak scalars are left here
        before = [] if prepend is None else [_edge(prepend, x, axis)]
        after = [] if append is None else [_edge(append, x, axis)]
        x = concatenate([*before, x, *after], axis=axis)
    shape = list(x._shape)
    shape[axis] = builtins.max(shape[axis] - n, 0)
    kwargs = {"n": n if n != 1 else None, "axis": axis}
    return make("diff", (x,), kwargs, tuple(shape), x._dtype)
