"""Fuzzer generators of the Array API ops (movement, searching, vecdot);
wired in by opgen.

``repeat`` draws an int or constant per-element counts (a list or an array;
lazy counts that depend on a Variable are refused by design, see
``lazyray.repeat``), ``roll`` ints and tuples of shifts and axes (numpy
broadcasts them), ``tile`` ints and tuples of repetitions; the ``tile``
generator also draws the compositions ``unstack``, ``meshgrid`` and
``broadcast_arrays`` (unpacked: numpy's tuples against lazyray's lists).
``pad`` draws every spelling of ``pad_width`` (an int, ``(n,)``, a pair,
per-axis pairs, an array, a dict) and every mode with and without its
keyword (scalars of every kind, pairs and per-axis pairs); now and then a
negative or float width, widths that do not broadcast, an unknown mode or a
keyword the mode does not take.
``searchsorted`` searches a sorted 1-d array (``sort`` of an operand), with
a ``sorter`` from ``argsort`` now and then; ``vecdot`` draws operands that
broadcast, with the contracted axis of one size in both.
"""

from __future__ import annotations

import numpy as np

from .draw import INT, NUMERIC, Call, Draw, slot
from .program import lit

_REAL = tuple(t for t in NUMERIC if not t.startswith("complex"))


def _axis_size(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    return shape[axis] if -len(shape) <= axis < len(shape) else 1


def repeat(d: Draw, op: str) -> Call:
    """``repeat(x, repeats, axis=...)`` with an int or per-element counts."""
    x = d.array()
    shape, _ = d.info(x)
    axis = d.axis(len(shape), allow_none=True) if shape or d.bad() else None
    n = _axis_size(shape, axis)
    if d.p(0.45) or n > 12:
        reps = lit(d.int(0, 3) if not d.bad() else -1)
    else:
        counts = [d.int(0, 3) for _ in range(n)]
        if d.bad():
            counts.append(1)
        if d.p(0.2) and counts:
            counts = counts[:1]
        if d.p(0.5):
            reps = lit(counts)
        else:
            reps = lit(np.array(counts, dtype=d.choice(["int64", "int8", "uint8"])))
    arg = "" if axis is None and d.p(0.5) else f", axis={axis}"
    return Call(f"{{ns}}.repeat({{0}}, {reps}{arg})", (x,))


def roll(d: Draw, op: str) -> Call:
    """``roll(x, shift, axis)`` with int or tuple shifts and axes."""
    x = d.array()
    shape, _ = d.info(x)
    ndim = len(shape)
    r = d.rng.random()
    if r < 0.35 or not ndim:
        return Call(f"{{ns}}.roll({{0}}, {d.int(-7, 7)})", (x,))
    if r < 0.65:
        axis = d.axis(ndim)
        return Call(f"{{ns}}.roll({{0}}, {d.int(-7, 7)}, axis={axis})", (x,))
    k = d.int(1, ndim + (1 if d.p(0.2) else 0))
    axes = tuple(d.axis(ndim) for _ in range(k))  # repeated axes add up, as numpy's
    shifts = tuple(d.int(-5, 5) for _ in range(k if not d.bad() else k + 1))
    if d.p(0.2):
        shifts = shifts[0]
    return Call(f"{{ns}}.roll({{0}}, {lit(shifts)}, axis={lit(axes)})", (x,))


def tile(d: Draw, op: str) -> Call:
    """``tile(x, reps)``; now and then a composition (see :func:`composed`)."""
    if d.p(0.35):
        return composed(d)
    x = d.array()
    k = d.int(0, 4)
    reps = tuple(d.int(0 if d.p(0.1) else 1, 3) for _ in range(k))
    if d.bad():
        reps = reps + (-1,)
    spelled = lit(reps[0]) if len(reps) == 1 and d.p(0.4) else lit(reps)
    return Call(f"{{ns}}.tile({{0}}, {spelled})", (x,))


def composed(d: Draw) -> Call:
    """``unstack`` / ``meshgrid`` / ``broadcast_arrays`` (unpacked)."""
    r = d.rng.random()
    if r < 0.35:
        x = d.array(min_ndim=0 if d.bad() else 1)
        shape, _ = d.info(x)
        axis = d.axis(len(shape)) if shape else 0
        if _axis_size(shape, axis) > 6:
            axis = None
        arg = "" if axis == 0 and d.p(0.4) else f", axis={axis}"
        return Call(f"{{ns}}.unstack({{0}}{arg})", (x,), multi=True)
    if r < 0.7:
        refs = tuple(d.array(ndim=1 if not d.bad() else 2) for _ in range(d.int(1, 3)))
        kw = f", indexing={d.choice(['xy', 'ij'])!r}" if d.p(0.6) else ""
        items = ", ".join(slot(i) for i in range(len(refs)))
        # numpy's default copy=True gives contiguous copies, lazyray broadcast
        # views (numpy's copy=False): the same values, but a later contraction
        # (vecdot) may round its sums differently on the two memory layouts
        return Call(
            f"{{ns}}.meshgrid({items}{kw})",
            refs,
            multi=True,
            np_template=f"{{ns}}.meshgrid({items}{kw}, copy=False)",
        )
    first = d.array()
    shape, _ = d.info(first)
    refs = (first,) + tuple(d.array(d.broadcastable(shape)) for _ in range(d.int(0, 2)))
    items = ", ".join(slot(i) for i in range(len(refs)))
    return Call(f"{{ns}}.broadcast_arrays({items})", refs, multi=True)


def searchsorted(d: Draw, op: str) -> Call:
    """``searchsorted(sort(a), v, side=..., sorter=...)`` of a 1-d ``a``."""
    a = d.array(ndim=1 if not d.bad() else 2, dtypes=_REAL)
    v = d.array(dtypes=_REAL + ("bool",)) if d.p(0.8) else None
    kw = []
    if d.p(0.5):
        kw.append(f"side={d.choice(['left', 'right'])!r}")
    values = slot(1) if v is not None else d.scalar(d.choice("if"))
    refs = (a, v) if v is not None else (a,)
    if d.p(0.25):
        sorter = "{ns}.argsort({0})" if not d.bad() else lit(np.arange(3))
        kw.append(f"sorter={sorter}")
        sorted_a = "{0}"
    else:
        sorted_a = "{ns}.sort({0})"
    args = "".join(", " + k for k in kw)
    return Call(f"{{ns}}.searchsorted({sorted_a}, {values}{args})", refs)


def vecdot(d: Draw, op: str) -> Call:
    """``vecdot(x1, x2, axis=...)`` on broadcasting operands."""
    a = d.array(min_ndim=1 if not d.bad() else 0, dtypes=NUMERIC + ("bool",))
    shape, dtype = d.info(a)
    ndim = len(shape)
    if not ndim:
        return Call("{ns}.vecdot({0}, {0})", (a,))
    neg = -d.int(1, ndim)
    m = d.int(-neg, ndim)
    b_shape = [
        s if i == ndim + neg or d.p(0.7) else 1 for i, s in enumerate(shape) if i >= ndim - m
    ]
    if d.bad():
        b_shape[neg] += 1
    b = d.array(tuple(b_shape), dtype if d.p(0.5) else None, dtypes=NUMERIC + INT)
    refs = (a, b) if d.p(0.5) else (b, a)
    # a positive axis only where both have the same ndim: numpy's gufunc counts
    # it per operand, the Array API on the broadcast shape
    axis = ndim + neg if len(b_shape) == ndim and d.p(0.3) else neg
    if neg == -1 and d.p(0.4):
        return Call("{ns}.vecdot({0}, {1})", refs)
    return Call(f"{{ns}}.vecdot({{0}}, {{1}}, axis={axis})", refs)


#: numpy's pad modes (also tests/test_pad.py's)
PAD_MODES = (
    "constant",
    "edge",
    "wrap",
    "reflect",
    "symmetric",
    "linear_ramp",
    "maximum",
    "minimum",
    "mean",
    "median",
    "empty",
)
_PAD_KEYWORD = {
    "constant": "constant_values",
    "linear_ramp": "end_values",
    "maximum": "stat_length",
    "minimum": "stat_length",
    "mean": "stat_length",
    "median": "stat_length",
    "reflect": "reflect_type",
    "symmetric": "reflect_type",
}


def _pad_width(d: Draw, ndim: int) -> str:
    """A ``pad_width`` in one of numpy's spellings (small: the result has at
    most a few hundred elements; wide, past the axis, in 1-d and 2-d)."""
    top = 2 if ndim > 2 else 6

    def w():
        return d.int(0, top if d.p(0.3) else 2)

    r = d.rng.random()
    if d.bad():
        return d.choice(["-1", "((1, -2),)", "1.5", "((1, 2), (1, 2), (1, 2), (1, 2), (1, 2))"])
    if r < 0.2 or not ndim:
        return lit(w())
    if r < 0.3:
        return lit((w(),))
    if r < 0.45:
        return lit((w(), w()))
    if r < 0.55:
        return lit(((w(), w()),))
    if r < 0.65:
        axis = d.axis(ndim)
        width = w() if d.p(0.5) else (w(), w())
        return "{{" + f"{axis}: {lit(width)}" + "}}"  # (braces doubled: a template)
    pairs = tuple((w(), w()) for _ in range(ndim))
    if d.p(0.2):
        return lit(np.array(pairs, dtype=d.choice(["int64", "int8"])))
    return lit(pairs)


def _pad_values(d: Draw, ndim: int, kind: str | None = None) -> str:
    """A scalar, a pair or per-axis pairs of scalars (for constant_values
    and end_values)."""
    r = d.rng.random()
    if r < 0.5 or not ndim:
        return d.scalar(kind)
    if r < 0.75:
        return f"({d.scalar(kind)}, {d.scalar(kind)})"
    pairs = ", ".join(f"({d.scalar(kind)}, {d.scalar(kind)})" for _ in range(ndim))
    return f"({pairs},)"


def _stat_length(d: Draw, ndim: int) -> str:
    """An int (0 now and then), a float, a pair or per-axis pairs."""
    if d.p(0.1):
        return "None"
    if d.p(0.1):
        return lit(d.choice([1.4, 2.5, 0.6]))
    if d.p(0.5) or not ndim:
        return lit(d.int(0 if d.p(0.15) else 1, 5))
    if d.p(0.4):
        return lit((d.int(1, 4), d.int(1, 4)))
    return lit(tuple((d.int(1, 4), d.int(1, 4)) for _ in range(ndim)))


def pad(d: Draw, op: str) -> Call:
    """``pad(x, pad_width, mode, **keyword)``: every mode, every spelling."""
    x = d.array(dtypes=NUMERIC + ("bool",))
    shape, _ = d.info(x)
    ndim = len(shape)
    width = _pad_width(d, ndim)
    mode = d.choice(PAD_MODES)
    kw = []
    if d.bad():
        kw.append("mode='nope'")
    elif mode != "constant" or d.p(0.6):
        kw.append(f"mode={mode!r}" if d.p(0.7) else repr(mode))  # (positional)
    key = _PAD_KEYWORD.get(mode)
    if key is not None and d.p(0.6):
        if key == "constant_values":
            value = _pad_values(d, ndim)
        elif key == "end_values":
            value = _pad_values(d, ndim, d.choice("bif"))
        elif key == "stat_length":
            value = _stat_length(d, ndim)
        else:
            value = repr(d.choice(["even", "odd"]))
        kw.append(f"{key}={value}")
    if d.bad():
        extra = d.choice(["reflect_type='odd'", "stat_length=-1", "foo=1", "end_values=(1, 2, 3)"])
        if not any(k.startswith(extra.split("=")[0]) for k in kw):
            kw.append(extra)
    args = "".join(", " + k for k in kw)
    return Call(f"{{ns}}.pad({{0}}, {width}{args})", (x,))


GENERATORS: dict = {
    "pad": pad,
    "repeat": repeat,
    "roll": roll,
    "tile": tile,
    "searchsorted": searchsorted,
    "vecdot": vecdot,
}
EXCLUDED: dict = {}
