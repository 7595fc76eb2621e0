"""Fuzzer generators of the Array API ops (elementwise and cumulative);
wired in by opgen.

``copysign``, ``logaddexp``, ``nextafter`` and ``signbit`` use their
family's default generator (numpy spells them alike); the shifts are drawn in
operator form too, ``round`` with ``decimals``, ``clip`` with the Array API
keywords (its numpy reference casts back to ``x``'s dtype where lazyray
follows the standard), and the cumulative ops with their keywords.
"""

from __future__ import annotations

import numpy as np

from .draw import NUMERIC, Call, Draw
from .ops_elementwise import clip_operands, operands
from .program import lit

_SHIFTS = {"bitwise_left_shift": "<<", "bitwise_right_shift": ">>"}


def shift(d: Draw, op: str) -> Call:
    """``x1 << x2`` / ``{ns}.bitwise_left_shift(x1, x2)`` (and right)."""
    parts, refs = operands(d)
    if d.p(0.5):
        return Call(f"{parts[0]} {_SHIFTS[op]} {parts[1]}", refs)
    return Call(f"{{ns}}.{op}({parts[0]}, {parts[1]})", refs)


def round_(d: Draw, op: str) -> Call:
    """``{ns}.round(x)`` or with ``decimals`` (negative too)."""
    x = d.array()
    if d.p(0.5):
        return Call("{ns}.round({0})", (x,))
    dec = d.choice([0, 1, 2, -1, -2])
    spelled = f"decimals={dec}" if d.p(0.5) else str(dec)
    return Call(f"{{ns}}.round({{0}}, {spelled})", (x,))


def _kind(dt: str) -> str:
    k = np.dtype(dt).kind
    return "i" if k == "u" else k


def clip(d: Draw, op: str) -> Call:
    """``clip(x, lo, hi)`` positional or as ``min=``/``max=`` (``a_min=``,
    ``a_max=`` too), with scalar, array or ``None`` bounds.  lazyray keeps
    ``x``'s dtype where the bounds are of its kind (the Array API's rule),
    so numpy's result is cast back to it there."""
    parts, refs = clip_operands(d, none=0.2, scalar=0.65)
    xdt = d.info(refs[0])[1]
    style = d.choice(["pos", "kw", "np_kw", "method"])
    if style == "pos":
        call = f"{{ns}}.clip({parts[0]}, {parts[1]}, {parts[2]})"
    elif style == "method":
        call = f"{parts[0]}.clip({parts[1]}, {parts[2]})"
    else:
        lo, hi = ("min", "max") if style == "kw" else ("a_min", "a_max")
        call = f"{{ns}}.clip({parts[0]}, {lo}={parts[1]}, {hi}={parts[2]})"
    np_call = f"np.clip({parts[0]}, {parts[1]}, {parts[2]})"
    # numpy's dtype for these very operands (None if numpy rejects them)
    env = dict(d.env)
    try:
        with np.errstate(all="ignore"):
            got = eval(np_call.format(*refs), env)  # noqa: S307 - drawn source
        ndt = np.asarray(got).dtype.name
    except Exception:
        ndt = None
    if ndt is not None and ndt != xdt and _kind(ndt) == _kind(xdt):
        return Call(call, refs, np_template=f"{np_call}.astype({xdt!r})")
    return Call(call, refs, np_template=np_call)


def cumulative(d: Draw, op: str) -> Call:
    """``{ns}.cumulative_sum(x, axis=..., dtype=..., include_initial=...)``
    (axis omitted only for 1-d ``x``, or wrongly when ``bad``)."""
    x = d.array(min_ndim=1 if not d.bad() else 0)
    ndim = len(d.info(x)[0])
    kw = []
    if ndim > 1 or d.p(0.5) or d.bad():
        kw.append(f"axis={lit(d.axis(ndim))}")
    if d.p(0.2):
        kw.append(f"dtype={d.choice(['float64', 'int64', 'complex128', 'float32', 'int8'])!r}")
    if d.p(0.5):
        kw.append(f"include_initial={d.p(0.6)}")
    extra = "".join(", " + k for k in kw)
    return Call(f"{{ns}}.{op}({{0}}{extra})", (x,))


def diff(d: Draw, op: str) -> Call:
    """``{ns}.diff(x, n=..., axis=..., prepend=..., append=...)``: edges as
    scalars or arrays of matching shape (mismatched when ``bad``)."""
    x = d.array(min_ndim=1 if not d.bad() else 0, dtypes=NUMERIC + ("bool",))
    shape, dt = d.info(x)
    ndim = len(shape)
    axis = d.axis(ndim) if d.p(0.6) else -1
    kw, values = [], [x]
    if d.p(0.5):
        kw.append(f"n={d.choice([0, 1, 2, 3]) if not d.bad() else -1}")
    if axis != -1 or d.p(0.3):
        kw.append(f"axis={lit(axis)}")
    for edge in ("prepend", "append"):
        if d.p(0.3) and ndim:
            if d.p(0.4):
                kw.append(f"{edge}={d.scalar(d.choice('bif'))}")
            else:
                ax = axis % ndim if -ndim <= axis < ndim else 0
                es = list(shape)
                es[ax] = d.int(1, 2)
                if d.bad() and ndim > 1:
                    es[(ax + 1) % ndim] += 1
                values.append(d.array(tuple(es), dtypes=(dt,)))
                kw.append(f"{edge}={{{len(values) - 1}}}")
    extra = "".join(", " + k for k in kw)
    return Call(f"{{ns}}.diff({{0}}{extra})", tuple(values))


GENERATORS: dict = {
    "bitwise_left_shift": shift,
    "bitwise_right_shift": shift,
    "round": round_,
    "clip": clip,
    "cumulative_sum": cumulative,
    "cumulative_prod": cumulative,
    "diff": diff,
}
EXCLUDED: dict = {}
