"""Fuzzer generators of the Array API ops (datadep); wired in by opgen.

Programs run on Variables too, so the data-dependent ops are drawn with a
static ``size=`` (padded or truncated, as JAX); the numpy side pads
numpy's own result the same way (see the ``np_template`` of each call).
"""

from __future__ import annotations

from .draw import NUMERIC, Call, Draw


def _fit(a: str, n: int, fill: str) -> str:
    """numpy source: 1-d ``a`` truncated or padded with ``fill`` to ``n``."""
    return f"np.concatenate([{a}[:{n}], np.full(max(0, {n} - {a}.size), {fill}, {a}.dtype)])"


def nonzero(d: Draw, op: str) -> Call:
    """``nonzero(x, size=N, fill_value=F)`` (0-d x: an error both sides)."""
    x = d.array(min_ndim=0 if d.bad() else 1)
    size = 1
    for s in d.info(x)[0]:
        size *= s
    n, fill = d.int(0, size + 1), d.choice([0, -1])
    return Call(
        f"{{ns}}.nonzero({{0}}, size={n}, fill_value={fill})",
        (x,),
        multi=True,
        np_template=f"tuple({_fit('i', n, fill)} for i in np.nonzero({{0}}))",
    )


_WANT = {
    "unique_all": (0, 1, 2, 3),
    "unique_counts": (0, 3),
    "unique_inverse": (0, 2),
    "unique_values": (0,),
}


def unique(d: Draw, op: str) -> Call:
    """``unique_*(x, size=N, fill_value=0)``; each NaN distinct."""
    x = d.array()
    size = 1
    for s in d.info(x)[0]:
        size *= s
    n = d.int(0, size + 1)
    parts = (
        "np.unique(np.ravel({0}), return_index=True, return_inverse=True, "
        "return_counts=True, equal_nan=False)"
    )
    ref = (
        f"tuple((a.reshape(np.shape({{0}})) if k == 2 else {_fit('a', n, 0)}) "
        f"for k, a in enumerate({parts}) if k in {_WANT[op]})"
    )
    multi = op != "unique_values"
    return Call(
        f"{{ns}}.{op}({{0}}, size={n}, fill_value=0)",
        (x,),
        multi=multi,
        np_template=ref if multi else ref + "[0]",
    )


def sort(d: Draw, op: str) -> Call:
    """``sort``/``argsort`` along an axis (or None), maybe ``descending``;
    stable by default, so numpy's reference is ``kind="stable"`` (a
    descending one flips an ascending sort of the flipped array)."""
    x = d.array(dtypes=NUMERIC + ("bool",))
    ndim = len(d.info(x)[0])
    axis = d.axis(ndim, allow_none=True) if ndim or d.p(0.5) else None
    desc = d.p(0.4)
    kw = f"axis={axis}" + (", descending=True" if desc else "")
    if op == "sort" and d.p(0.2):
        kw += d.choice([", stable=False", ", kind='quicksort'", ", stable=True"])
    arr, ax = ("np.ravel({0})", 0) if axis is None else ("{0}", axis)
    if not desc or (ndim == 0 and axis is not None):  # numpy's 0-d argsort
        ref = f"np.{op}({arr}, axis={ax}, kind='stable')"
    else:
        ref = f"np.flip(np.{op}(np.flip({arr}, {ax}), axis={ax}, kind='stable'), {ax})"
        if op == "argsort":
            ref = f"(np.shape({arr})[{ax}] - 1) - {ref}"
    return Call(f"{{ns}}.{op}({{0}}, {kw})", (x,), np_template=ref)


GENERATORS: dict = {
    "sort": sort,
    "argsort": sort,
    "nonzero": nonzero,
    "unique_all": unique,
    "unique_counts": unique,
    "unique_inverse": unique,
    "unique_values": unique,
}
EXCLUDED: dict = {}
