"""Argument generators of the elementwise families (unary, binary, ternary).

Each generator takes a :class:`~.draw.Draw` and the registry name of the op
and returns a :class:`~.draw.Call`.  Operands are arrays of any dtype (numpy
decides what is valid) or, for binary and ternary ops, Python ``bool`` /
``int`` / ``float`` / ``complex`` scalars and numpy scalars on either side,
in function form or operator form.
"""

from __future__ import annotations

import numpy as np

from .draw import Call, Draw, slot

#: operator spelling of unary ops (besides the function form)
UNARY_OPERATORS = {
    "negative": "-{0}",
    "positive": "+{0}",
    "abs": "abs({0})",
    "invert": "~{0}",
    "conj": "{0}.conj()",
    "real": "{0}.real",
    "imag": "{0}.imag",
}

#: operator spelling of binary ops
BINARY_OPERATORS = {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "divide": "/",
    "floor_divide": "//",
    "mod": "%",
    "power": "**",
    "equal": "==",
    "not_equal": "!=",
    "less": "<",
    "less_equal": "<=",
    "greater": ">",
    "greater_equal": ">=",
    "bitwise_and": "&",
    "bitwise_or": "|",
    "bitwise_xor": "^",
}

#: other public spellings of an op (numpy and lazyray both have them)
ALIASES = {"mod": ["mod", "remainder"], "abs": ["abs", "absolute"], "conj": ["conj", "conjugate"]}


def unary(d: Draw, op: str) -> Call:
    """``{ns}.op(x)``, or the operator / method spelling."""
    x = d.array()
    if op in UNARY_OPERATORS and d.p(0.4):
        return Call(UNARY_OPERATORS[op], (x,))
    name = d.choice(ALIASES.get(op, [op]))
    return Call(f"{{ns}}.{name}({{0}})", (x,))


def astype(d: Draw, op: str) -> Call:
    """``x.astype(dtype)`` or ``{ns}.astype(x, dtype)``, dtype as a name or type."""
    x = d.array()
    dt = d.dtype()
    spelled = repr(dt) if d.p(0.5) else f"np.{dt if dt != 'bool' else 'bool_'}"
    if d.p(0.5):
        return Call(f"{{0}}.astype({spelled})", (x,))
    return Call(f"{{ns}}.astype({{0}}, {spelled})", (x,))


class Lit(str):
    """Source of a literal operand (as opposed to a value name)."""


def render(values) -> tuple:
    """Template parts and refs for a list of value names and :class:`Lit` s."""
    refs, parts = [], []
    for v in values:
        if isinstance(v, Lit):
            parts.append(str(v))
        else:
            parts.append(slot(len(refs)))
            refs.append(v)
    return parts, tuple(refs)


def operands(d: Draw, n: int = 2) -> tuple:
    """Parts and refs of ``n`` operands: arrays that broadcast together (or
    not, when ``bad``), and sometimes one scalar, on either side."""
    first = d.array()
    shape, _ = d.info(first)
    values = [first] + [d.array(d.broadcastable(shape), reuse=0.4) for _ in range(n - 1)]
    if d.p(0.4):
        values[d.int(0, n - 1)] = Lit(d.scalar())
    if d.p(0.3):
        d.rng.shuffle(values)
    return render(values)


def binary(d: Draw, op: str) -> Call:
    """Function form with arrays / scalars on either side, or the operator."""
    parts, refs = operands(d)
    if op in BINARY_OPERATORS and d.p(0.5):
        return Call(f"{parts[0]} {BINARY_OPERATORS[op]} {parts[1]}", refs)
    name = d.choice(ALIASES.get(op, [op]))
    return Call(f"{{ns}}.{name}({parts[0]}, {parts[1]})", refs)


def complex_(d: Draw, op: str) -> Call:
    """``lazyray.complex(re, im)``; numpy's meaning is :func:`.npref.complex`."""
    parts, refs = operands(d)
    return Call(
        f"{{ns}}.complex({parts[0]}, {parts[1]})",
        refs,
        np_template=f"ref.complex({parts[0]}, {parts[1]})",
    )


def isclose(d: Draw, op: str) -> Call:
    """``isclose`` / ``allclose`` with default or given tolerances."""
    parts, refs = operands(d)
    extra = d.choice(["", ", equal_nan=True", ", rtol=0.1", ", atol=1.0, equal_nan=True"])
    return Call(f"{{ns}}.{op}({parts[0]}, {parts[1]}{extra})", refs)


def where(d: Draw, op: str) -> Call:
    """``where(cond, x, y)``: a boolean (or other) condition, scalars allowed."""
    cond = d.array(dtypes=("bool",) if d.p(0.8) else ("int8", "float64", "bool"))
    shape, _ = d.info(cond)
    values = [cond] + [
        Lit(d.scalar()) if d.p(0.3) else d.array(d.broadcastable(shape), reuse=0.4)
        for _ in range(2)
    ]
    parts, refs = render(values)
    return Call(f"{{ns}}.where({parts[0]}, {parts[1]}, {parts[2]})", refs)


def clip(d: Draw, op: str) -> Call:
    """``clip(x, lo, hi)`` with scalar, array or ``None`` bounds."""
    parts, refs = clip_operands(d, none=0.15, scalar=0.7)
    if d.p(0.3):
        return Call(f"{parts[0]}.clip({parts[1]}, {parts[2]})", refs)
    return Call(f"{{ns}}.clip({parts[0]}, {parts[1]}, {parts[2]})", refs)


def clip_operands(d: Draw, none: float, scalar: float) -> tuple[list, list]:
    """``x`` and two bounds of ``clip`` (each None with probability ``none``,
    a scalar below ``scalar``, else an array broadcastable to ``x``).

    numpy defines ``clip(x, lo, hi)`` as ``minimum(maximum(x, lo), hi)`` (so
    crossed bounds give ``hi``), but breaks that on some mixed dtypes:
    ``np.clip(int8 1, np.uint8(255), 127)`` is 255, while the same call on
    int16 operands is 127 (seed 9961000052319).  Where numpy's result
    contradicts its definition on the drawn operands, the lower bound is
    dropped: the oracle would be numpy's accident, not numpy's meaning.
    """
    x = d.array()
    shape, _ = d.info(x)
    values = [x]
    for _ in range(2):
        r = d.rng.random()
        if r < none:
            values.append(Lit("None"))
        elif r < scalar:
            values.append(Lit(d.scalar(d.choice("iif"))))
        else:
            values.append(d.array(d.broadcastable(shape), reuse=0.3))
    parts, refs = render(values)
    if "None" not in parts[1:]:
        clip_src = "np.clip({}, {}, {})".format(*parts)
        definition = "np.minimum(np.maximum({}, {}), {})".format(*parts)
        try:
            with np.errstate(all="ignore"):
                got, want = (eval(s.format(*refs), dict(d.env)) for s in (clip_src, definition))  # noqa: S307 - drawn source
            agree = np.array_equal(got, want, equal_nan=True)
        except Exception:  # numpy refuses: the program checks that lazyray does too
            agree = True
        if not agree:
            parts, refs = render([values[0], Lit("None"), values[2]])
    return parts, refs
