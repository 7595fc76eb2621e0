"""Argument generators of reductions, movement, joins and indexing.

Axes are drawn negative as often as not, tuples of axes and ``keepdims``
where numpy takes them, and now and then out of range or duplicated (numpy
then rejects the call, and lazyray must reject it at trace time).  Indices
are ints, slices (negative steps too), ``None``, ``Ellipsis``, integer arrays
and lists (empty ones included) -- never boolean masks, whose data-dependent
shape lazyray documents as an ``IndexError``.
"""

from __future__ import annotations

import numpy as np

from .draw import NUMERIC, Call, Draw, slot
from .program import lit

#: reductions taking a tuple of axes and keepdims
_AXES_KEEPDIMS = {"sum", "prod", "mean", "std", "var", "min", "max", "all", "any", "count_nonzero"}
#: method spellings available on both ndarray and LazyArray
_METHODS = {
    "sum",
    "prod",
    "mean",
    "std",
    "var",
    "min",
    "max",
    "all",
    "any",
    "argmin",
    "argmax",
    "cumsum",
    "cumprod",
}


def reduction(d: Draw, op: str) -> Call:
    """``op(x, axis=..., keepdims=...)`` in function or method form."""
    x = d.array()
    ndim = len(d.info(x)[0])
    kw = []
    if op in _AXES_KEEPDIMS:
        axis = d.axes(ndim)
    else:  # argmin, argmax, cumsum, cumprod: one axis or None
        axis = d.axis(ndim, allow_none=True)
        if d.bad():
            axis = (0,)
    if axis is not None or d.p(0.3):
        kw.append(f"axis={lit(axis)}")
    if op in _AXES_KEEPDIMS | {"argmin", "argmax"} and d.p(0.35):
        kw.append(f"keepdims={d.p(0.7)}")
    if op in ("std", "var") and d.p(0.3):
        kw.append(f"ddof={d.int(0, 2)}")
    if op in ("sum", "prod", "cumsum", "mean") and d.p(0.1):
        kw.append(f"dtype={d.choice(['float64', 'int64', 'complex128', 'float32'])!r}")
    args = ", ".join(kw)
    name = op
    if op in ("min", "max") and d.p(0.2):
        name = "a" + op
    if op in _METHODS and d.p(0.35):
        return Call(f"{{0}}.{op}({args})", (x,))
    return Call(f"{{ns}}.{name}({{0}}{', ' if args else ''}{args})", (x,))


# ---------------------------------------------------------------- movement


def _factor_shape(d: Draw, size: int) -> list:
    """A random shape with ``size`` elements (maybe with a -1)."""
    out, rest = [], size
    for _ in range(d.int(0, 3)):
        divs = [k for k in range(1, min(rest, 6) + 1) if rest % k == 0] if rest else [0, 1]
        k = d.choice(divs)
        out.append(k)
        rest = rest // k if k else rest
    if size == 0 and 0 not in out:
        out.append(0)
    elif rest != 1 or not out or d.p(0.3):
        out.append(rest)
    if out and size and d.p(0.3):
        out[d.int(0, len(out) - 1)] = -1
    if d.bad():
        out.append(2)
    return out


def reshape(d: Draw, op: str) -> Call:
    """reshape / ravel / flatten / squeeze / expand_dims."""
    x = d.array()
    shape, _ = d.info(x)
    r = d.rng.random()
    if r < 0.5:
        new = _factor_shape(d, int(np.prod(shape)))
        form = d.int(0, 2)
        if form == 0:
            return Call(f"{{ns}}.reshape({{0}}, {lit(tuple(new))})", (x,))
        if form == 1:
            return Call(f"{{0}}.reshape({lit(tuple(new))})", (x,))
        return Call(f"{{0}}.reshape({', '.join(map(str, new))})", (x,))
    if r < 0.65:
        return Call(d.choice(["{ns}.ravel({0})", "{0}.ravel()", "{0}.flatten()"]), (x,))
    if r < 0.82:
        ones = [i for i, s in enumerate(shape) if s == 1]
        if ones and d.p(0.6):
            axis = d.choice(ones) - (len(shape) if d.p(0.4) else 0)
        else:
            axis = None if d.p(0.5) or not shape else d.axis(len(shape))
        arg = "" if axis is None else f", axis={axis}"
        return Call(f"{{ns}}.squeeze({{0}}{arg})", (x,))
    axis = d.axis(len(shape) + 1)
    return Call(f"{{ns}}.expand_dims({{0}}, {axis})", (x,))


def transpose(d: Draw, op: str) -> Call:
    """transpose (with a permutation) / .T / moveaxis / swapaxes / permute_dims
    / matrix_transpose."""
    x = d.array()
    ndim = len(d.info(x)[0])
    perm = [int(a) - (ndim if d.p(0.3) else 0) for a in d.rng.permutation(ndim)]
    if d.bad() and ndim:
        perm[0] = perm[-1] if ndim > 1 else ndim
    r = d.int(0, 7)
    if r == 0:
        return Call("{ns}.transpose({0})", (x,))
    if r == 1:
        return Call(f"{{ns}}.transpose({{0}}, {lit(tuple(perm))})", (x,))
    if r == 2:
        return Call(d.choice(["{0}.T", f"{{0}}.transpose({lit(tuple(perm))})"]), (x,))
    if r == 3:
        return Call(f"{{ns}}.moveaxis({{0}}, {d.axis(ndim)}, {d.axis(ndim)})", (x,))
    if r == 4:
        return Call(f"{{ns}}.swapaxes({{0}}, {d.axis(ndim)}, {d.axis(ndim)})", (x,))
    if r == 5:
        return Call(f"{{ns}}.permute_dims({{0}}, {lit(tuple(perm))})", (x,))
    return Call(d.choice(["{ns}.matrix_transpose({0})", "{0}.mT"]), (x,))


def broadcast_to(d: Draw, op: str) -> Call:
    """``broadcast_to(x, shape)`` for a shape ``x`` broadcasts to."""
    x = d.array()
    shape, _ = d.info(x)
    target = [d.int(1, 3) for _ in range(d.int(0, 1))]
    target += [d.int(1, 3) if s == 1 and d.p(0.5) else s for s in shape]
    if d.bad():
        target = target[1:] or [2]
    return Call(f"{{ns}}.broadcast_to({{0}}, {lit(tuple(target))})", (x,))


def flip(d: Draw, op: str) -> Call:
    """``flip(x, axis)`` with ``None``, an axis or a tuple of axes."""
    x = d.array()
    axis = d.axes(len(d.info(x)[0]))
    return Call(f"{{ns}}.flip({{0}}{'' if axis is None else f', axis={lit(axis)}'})", (x,))


# ---------------------------------------------------------------- joins


def _same_shape_arrays(d: Draw, k: int) -> tuple:
    first = d.array()
    shape, dtype = d.info(first)
    refs = [first]
    for _ in range(k - 1):
        dt = dtype if d.p(0.6) else None
        refs.append(d.array(shape, dt, reuse=0.5))
    return shape, refs


def stack(d: Draw, op: str) -> Call:
    """``stack([...], axis)``; sometimes a scalar among the arrays."""
    shape, refs = _same_shape_arrays(d, d.int(1, 3))
    items = [slot(i) for i in range(len(refs))]
    if not shape and d.p(0.4):
        items.insert(d.int(0, len(items)), d.scalar())
    axis = d.axis(len(shape) + 1)
    arg = "" if d.p(0.2) else f", axis={axis}"
    return Call(f"{{ns}}.stack([{', '.join(items)}]{arg})", tuple(refs))


def concatenate(d: Draw, op: str) -> Call:
    """``concatenate``/``concat`` along an axis (sizes differ there) or ``None``."""
    first = d.array(min_ndim=0 if d.bad() else 1)
    shape, dtype = d.info(first)
    refs = [first]
    axis = d.axis(len(shape), allow_none=True)
    for _ in range(d.int(0, 2)):
        s = list(shape)
        if axis is None:
            s = list(d.shape())
        elif -len(s) <= axis < len(s):
            s[axis] = d.int(0, 3)
        refs.append(d.array(tuple(s), dtype if d.p(0.6) else None, reuse=0.4))
    name = d.choice(["concatenate", "concatenate", "concat"])
    items = ", ".join(slot(i) for i in range(len(refs)))
    seq = f"({items},)" if d.p(0.3) else f"[{items}]"
    arg = "" if axis == 0 and d.p(0.3) else f", axis={axis}"
    return Call(f"{{ns}}.{name}({seq}{arg})", tuple(refs))


def split(d: Draw, op: str) -> Call:
    """``split(x, sections or indices, axis)``, unpacked."""
    x = d.array(min_ndim=1)
    shape, _ = d.info(x)
    axis = d.axis(len(shape))
    n = shape[axis] if -len(shape) <= axis < len(shape) else 1
    if d.p(0.5):
        divs = [k for k in range(1, 5) if n % k == 0] if n else [1, 2]
        sections = lit(d.choice(divs) if not d.bad() else n + 1)
    else:
        cuts = sorted(d.int(-n - 1, n + 1) for _ in range(d.int(0, 3)))
        sections = lit(cuts if d.p(0.7) else np.array(cuts, dtype="int64"))
    arg = f", axis={axis}" if axis or d.p(0.5) else ""
    return Call(f"{{ns}}.split({{0}}, {sections}{arg})", (x,), multi=True)


# ---------------------------------------------------------------- indexing


def _index_item(d: Draw, size: int) -> object:
    r = d.rng.random()
    if r < 0.3:
        lo = -size - (1 if d.bad() else 0)
        return d.int(lo, max(size - 1, lo)) if size or d.bad() else slice(None)
    if r < 0.65:
        parts = [d.choice([None, d.int(-size - 1, size + 1)]) for _ in range(2)]
        step = d.choice([None, None, 1, 2, -1, -2, 3])
        return slice(parts[0], parts[1], step)
    if r < 0.85:
        k = d.int(0, 3)
        vals = [d.int(-size, size - 1) for _ in range(k)] if size else []
        if d.bad():
            vals.append(size)
        if not vals and d.p(0.3):
            return np.array([], dtype="float64" if d.p(0.5) else "int64")
        if d.p(0.5):
            return vals
        dt = (
            "uint8" if all(0 <= v < 256 for v in vals) and d.p(0.3) else d.choice(["int64", "int8"])
        )
        return np.array(vals, dtype=dt)
    return d.choice([None, Ellipsis])


def getitem(d: Draw, op: str) -> Call:
    """``x[index]`` with basic and integer-array indices."""
    x = d.array()
    shape, _ = d.info(x)
    items, dim = [], 0
    for _ in range(d.int(1, len(shape) + 1)):
        item = _index_item(d, shape[dim] if dim < len(shape) else 1)
        if item is Ellipsis and any(i is Ellipsis for i in items) and not d.bad():
            continue
        items.append(item)
        if item is not None and item is not Ellipsis:
            dim += 1
    index = items[0] if len(items) == 1 and d.p(0.6) else tuple(items)
    text = lit(index)
    if isinstance(index, tuple) and index and d.p(0.7):
        text = ", ".join(_index_text(i) for i in index) + ("," if len(index) == 1 else "")
    elif isinstance(index, slice):
        text = _index_text(index)
    return Call(f"{{0}}[{text}]", (x,))


def _index_text(item) -> str:
    if isinstance(item, slice):
        parts = ["" if v is None else str(v) for v in (item.start, item.stop, item.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if parts[2] else "")
    return lit(item)


def take(d: Draw, op: str) -> Call:
    """``take(x, indices, axis)`` with ints, lists and arrays (empty too)."""
    x = d.array()
    shape, _ = d.info(x)
    axis = d.axis(len(shape), allow_none=True) if shape else None
    n = (
        int(np.prod(shape))
        if axis is None
        else shape[axis]
        if -len(shape) <= axis < len(shape)
        else 1
    )
    item = _index_item(d, n)
    if isinstance(item, slice) or item is None or item is Ellipsis:
        item = [] if d.p(0.3) else d.int(-n, n - 1) if n else 0
    arg = "" if axis is None and d.p(0.5) else f", axis={axis}"
    return Call(f"{{ns}}.take({{0}}, {lit(item)}{arg})", (x,))


def take_along_axis(d: Draw, op: str) -> Call:
    """``take_along_axis(x, idx, axis)`` with a constant in-range index array,
    or the argsort of ``x`` (stable in lazyray by default, so numpy's
    reference sorts with ``kind="stable"``: its default quicksort orders
    ties such as -0.0 and 0.0 otherwise; seed 9960000043807)."""
    x = d.array(min_ndim=1)
    shape, _ = d.info(x)
    axis = d.axis(len(shape))
    if d.p(0.4):
        return Call(
            f"{{ns}}.take_along_axis({{0}}, {{ns}}.argsort({{0}}, axis={axis}), axis={axis})",
            (x,),
            np_template=(
                f"np.take_along_axis({{0}}, np.argsort({{0}}, axis={axis}, kind='stable'), "
                f"axis={axis})"
            ),
        )
    ishape = list(shape)
    if -len(shape) <= axis < len(shape):
        ishape[axis] = d.int(0, 3)
    n = shape[axis] if -len(shape) <= axis < len(shape) else 1
    idx = d.rng.integers(-n, n, ishape) if n else np.zeros(ishape, "int64")
    return Call(f"{{ns}}.take_along_axis({{0}}, {lit(idx)}, axis={axis})", (x,))


def _offset_axes(d: Draw, ndim: int) -> str:
    kw = []
    if d.p(0.5):
        kw.append(f"offset={d.int(-3, 3)}")
    if ndim > 2 or d.p(0.2):
        a1 = d.axis(ndim)
        a2 = d.axis(ndim)
        if not d.bad():
            while ndim > 1 and a1 % max(ndim, 1) == a2 % max(ndim, 1):
                a2 = d.axis(ndim)
        kw += [f"axis1={a1}", f"axis2={a2}"]
    return "".join(", " + k for k in kw)


def diagonal(d: Draw, op: str) -> Call:
    """``diagonal(x, offset, axis1, axis2)``, function or method."""
    x = d.array(min_ndim=1 if d.bad() else 2)
    kw = _offset_axes(d, len(d.info(x)[0]))
    if d.p(0.3):
        return Call(f"{{0}}.diagonal({kw[2:]})", (x,))
    return Call(f"{{ns}}.diagonal({{0}}{kw})", (x,))


def trace(d: Draw, op: str) -> Call:
    """``trace(x, offset, axis1, axis2)``."""
    x = d.array(min_ndim=1 if d.bad() else 2)
    kw = _offset_axes(d, len(d.info(x)[0]))
    return Call(f"{{ns}}.trace({{0}}{kw})", (x,))


def diag(d: Draw, op: str) -> Call:
    """``diag(v, k)`` of a vector (builds) or a matrix (extracts)."""
    x = d.array(ndim=d.choice([1, 2, 2, 0 if d.bad() else 1]))
    k = f", k={d.int(-2, 2)}" if d.p(0.5) else ""
    return Call(f"{{ns}}.diag({{0}}{k})", (x,))


def sort(d: Draw, op: str) -> Call:
    """``sort``/``argsort`` along an axis (default last, or ``None``)."""
    x = d.array(dtypes=NUMERIC + ("bool",))
    ndim = len(d.info(x)[0])
    axis = d.axis(ndim, allow_none=True) if ndim or d.p(0.5) else None
    arg = "" if d.p(0.2) else f", axis={axis}"
    if op == "argsort" and d.p(0.2) and arg:  # (ndarray.sort sorts in place)
        return Call(f"{{0}}.argsort({arg[2:]})", (x,))
    return Call(f"{{ns}}.{op}({{0}}{arg})", (x,))


def tril(d: Draw, op: str) -> Call:
    """``tril``/``triu(x, k)``."""
    x = d.array(min_ndim=0 if d.bad() else 1)
    k = f", k={d.int(-2, 2)}" if d.p(0.5) else ""
    return Call(f"{{ns}}.{op}({{0}}{k})", (x,))
