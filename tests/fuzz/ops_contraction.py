"""Argument generators of contractions, creation and ``linalg``.

``tensordot`` takes every ``axes`` form (an int, a pair of ints, a pair of
sequences); ``einsum`` subscripts mix upper- and lower-case labels, repeated
labels, ellipses and implicit outputs; the products take 0-d (scalars), 1-d
and batched operands.  Creation ops take numpy scalars, big Python ints and
array endpoints.  ``linalg`` operands are square or not, batched or not, and
of every dtype (numpy rejects some; a singular or non-converging input is
data-dependent, so :mod:`.gen` redraws it).
"""

from __future__ import annotations

import numpy as np

from .draw import COMPLEX, FLOAT, NUMERIC, Call, Draw, slot
from .ops_elementwise import Lit, render
from .program import lit

_PRODUCT_DTYPES = NUMERIC + ("bool",)
_LINALG_DTYPES = ("float32", "float64", "complex64", "complex128") * 4 + (
    "float16",
    "int64",
    "bool",
)


def _operand(d: Draw, shape, dtype=None):
    """An array of ``shape``, or sometimes a scalar when ``shape == ()``."""
    if shape == () and d.p(0.3):
        return Lit(d.scalar(d.choice("ifc")))
    return d.array(shape, dtype, dtypes=_PRODUCT_DTYPES)


def tensordot(d: Draw, op: str) -> Call:
    """``tensordot(a, b, axes)``: int, pair of ints, or pair of sequences."""
    k = d.int(0, 2)
    shared = [d.dim() or 1 for _ in range(k)]
    a_free, b_free = d.shape(d.int(0, 2)), d.shape(d.int(0, 2))
    form = d.int(0, 2) if k == 1 else d.choice([0, 2])
    if form == 0:  # int: last k of a with the first k of b
        a_shape, b_shape, axes = a_free + tuple(shared), tuple(shared) + b_free, k
    else:
        a_shape, pa = _scatter(d, a_free, shared)
        b_shape, pb = _scatter(d, b_free, shared)
        pa = [p - len(a_shape) if d.p(0.3) else p for p in pa]
        if form == 1:
            axes = (pa[0], pb[0])
        else:
            seqs = [list(pa), list(pb)] if d.p(0.5) else [tuple(pa), tuple(pb)]
            axes = tuple(seqs) if d.p(0.5) else seqs
    if d.bad():
        b_shape = b_shape[:-1] + (b_shape[-1] + 1,) if b_shape else (2,)
    a, b = _operand(d, a_shape), _operand(d, b_shape)
    parts, refs = render([a, b])
    kw = f"axes={lit(axes)}" if d.p(0.7) else lit(axes)
    return Call(f"{{ns}}.tensordot({parts[0]}, {parts[1]}, {kw})", refs)


def _scatter(d: Draw, free: tuple, shared: list) -> tuple:
    """A shape mixing ``free`` and ``shared`` dims, and where ``shared`` went."""
    n = len(free) + len(shared)
    pos = sorted(d.rng.choice(n, len(shared), replace=False).tolist()) if n else []
    d.rng.shuffle(pos)
    shape, it = [0] * n, iter(free)
    for p, s in zip(pos, shared):
        shape[p] = s
    for i in range(n):
        if i not in pos:
            shape[i] = next(it)
    return tuple(shape), [int(p) for p in pos]


def product(d: Draw, op: str) -> Call:
    """matmul (``@`` too) / dot / inner / outer / kron / vdot on 0-d, 1-d and
    batched operands."""
    n = d.dim() or 1
    a_nd, b_nd = d.int(0, 3), d.int(0, 3)
    if op in ("matmul", "vdot") and not d.bad():
        a_nd, b_nd = max(a_nd, 1), max(b_nd, 1)
    a_shape, b_shape = list(d.shape(a_nd)), list(d.shape(b_nd))
    if op == "matmul":  # batch dims broadcast (aligned from the right)
        for i in range(1, min(a_nd, b_nd) - 1):
            b_shape[-2 - i] = 1 if d.p(0.3) else a_shape[-2 - i]
    if a_nd and b_nd and op in ("matmul", "dot", "inner"):
        a_shape[-1] = n
        b_shape[-1 if op == "inner" or b_nd == 1 else -2] = n
    elif op == "vdot":
        b_shape = [int(np.prod(a_shape))] if d.p(0.5) else list(a_shape)
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    if d.bad() and b_shape:
        b_shape = b_shape[:-1] + (b_shape[-1] + 1,)
    a, b = _operand(d, a_shape), _operand(d, b_shape)
    if isinstance(a, Lit) and isinstance(b, Lit):
        b = d.array(b_shape)
    parts, refs = render([a, b])
    if op == "matmul" and d.p(0.4):
        return Call(f"{parts[0]} @ {parts[1]}", refs)
    if op == "dot" and d.p(0.2) and not isinstance(a, Lit):
        return Call(f"{parts[0]}.dot({parts[1]})", refs)
    return Call(f"{{ns}}.{op}({parts[0]}, {parts[1]})", refs)


_LABELS = "abcdeijkABCDE"


def einsum(d: Draw, op: str) -> Call:
    """einsum with repeated labels, upper and lower case, ellipses and
    implicit or explicit output."""
    n_ops = d.choice([1, 1, 2, 2, 2, 3])
    pool = list(d.rng.choice(list(_LABELS), d.int(1, 5), replace=False))
    size = {c: d.dim() or 1 for c in pool}
    ell = [d.int(1, 3) for _ in range(d.int(0, 2))] if d.p(0.25) else None
    terms, shapes = [], []
    for _ in range(n_ops):
        labels = [d.choice(pool) for _ in range(d.int(0, 3))]
        shape = [size[c] for c in labels]
        term = "".join(labels)
        if ell is not None and d.p(0.7):
            k = d.int(0, len(ell))
            pos = d.int(0, len(labels))
            term = term[:pos] + "..." + term[pos:]
            shape = shape[:pos] + [1 if d.p(0.2) else e for e in ell[len(ell) - k :]] + shape[pos:]
        terms.append(term)
        shapes.append(tuple(shape))
    if d.bad() and shapes[-1]:
        shapes[-1] = shapes[-1][:-1] + (shapes[-1][-1] + 1,)
    eq = ",".join(terms)
    if d.p(0.5):
        used = sorted(set("".join(terms)) - {"."})
        out = [c for c in used if d.p(0.6)]
        d.rng.shuffle(out)
        if any("..." in t for t in terms) and d.p(0.8):
            out.insert(d.int(0, len(out)), "...")
        eq += "->" + "".join(out)
    if d.p(0.1):
        eq = eq.replace(",", " , ").replace("->", " -> ")
    refs = tuple(d.array(s, dtypes=_PRODUCT_DTYPES) for s in shapes)
    args = ", ".join(slot(i) for i in range(n_ops))
    return Call(f"{{ns}}.einsum({eq!r}, {args})", refs)


# ---------------------------------------------------------------- creation


def _dtype_kw(d: Draw, prob: float = 0.4) -> str:
    return f", dtype={d.dtype()!r}" if d.p(prob) else ""


def filled(d: Draw, op: str) -> Call:
    """zeros / ones / empty / full, or their ``_like`` forms."""
    shape = d.shape()
    fill = f", {d.scalar()}" if op == "full" else ""
    if d.p(0.35):
        x = d.array()
        return Call(f"{{ns}}.{op}_like({{0}}{fill}{_dtype_kw(d)})", (x,))
    spelled = lit(shape) if d.p(0.8) or len(shape) != 1 else str(shape[0])
    return Call(f"{{ns}}.{op}({spelled}{fill}{_dtype_kw(d)})")


def eye(d: Draw, op: str) -> Call:
    """``eye(N, M, k, dtype)``."""
    args = [str(d.int(0, 4))]
    if d.p(0.5):
        args.append(str(d.int(0, 4)))
    if d.p(0.4):
        args.append(f"k={d.int(-2, 2)}")
    return Call(f"{{ns}}.eye({', '.join(args)}{_dtype_kw(d)})")


def indices(d: Draw, op: str) -> Call:
    """``indices(dimensions, dtype, sparse)`` (sparse: a tuple, unpacked)."""
    dims = lit(d.shape(d.int(0, 3)))
    dt = f", dtype={d.choice(['int8', 'int64', 'float32', 'uint8'])!r}" if d.p(0.4) else ""
    if d.p(0.3):
        return Call(f"{{ns}}.indices({dims}{dt}, sparse=True)", multi=True)
    return Call(f"{{ns}}.indices({dims}{dt})")


def arange(d: Draw, op: str) -> Call:
    """``arange`` with Python and numpy scalars (ints, floats, big ints)."""
    r = d.rng.random()
    if r < 0.1:
        start = 2**62
        vals = [start, start + 2**60 * d.int(1, 6), 2**60]
    else:
        start = d.choice([0, 1, -2, 0.5, -1.5])
        stop = start + d.choice([0, 1, 3, 5, 2.5, -2])
        step = d.choice([1, 2, 0.5, -1, 0.75])
        vals = [start, stop, step]
    k = d.int(1, 3) if r >= 0.1 else 3  # (a big range needs its big step)
    vals = vals[1:2] if k == 1 else vals[:k]
    texts = []
    for v in vals:
        if d.p(0.25) and abs(v) < 100:
            dt = d.choice(["int8", "int64", "float32", "uint8"] if v == int(v) else FLOAT)
            v = getattr(np, dt)(abs(v) if dt == "uint8" else v)
        texts.append(lit(v))
    return Call(f"{{ns}}.arange({', '.join(texts)}{_dtype_kw(d, 0.2)})")


def linspace(d: Draw, op: str) -> Call:
    """``linspace(start, stop, num)`` with scalar, constant-array or lazy
    endpoints, ``endpoint``, ``dtype`` and ``axis``."""
    values = []
    for _ in range(2):
        r = d.rng.random()
        if r < 0.5:
            values.append(Lit(d.scalar(d.choice("iif"))))
        elif r < 0.75:
            a = d.rng.integers(-3, 4, d.shape(d.int(0, 2))).astype(d.choice(["float64", "int64"]))
            values.append(Lit(lit(a)))
        else:
            values.append(d.array(dtypes=("float64", "float32", "int64", "complex128")))
    parts, refs = render(values)
    kw = [str(d.int(0, 5))]
    if d.p(0.3):
        kw.append(f"endpoint={d.p(0.5)}")
    if d.p(0.3):
        kw.append(f"axis={d.choice([0, -1, 1])}")
    dt = _dtype_kw(d, 0.2)
    return Call(f"{{ns}}.linspace({parts[0]}, {parts[1]}, {', '.join(kw)}{dt})", refs)


# ---------------------------------------------------------------- linalg


def _matrix(d: Draw, square: bool = True, dtypes=_LINALG_DTYPES) -> str:
    n = d.int(1, 4)
    m = n if square and not d.bad() else d.int(1, 4)
    batch = d.shape(d.choice([0, 0, 1])) if not d.bad() else ()
    shape = batch + ((m, n) if not (d.bad() and not square) else (n,))
    return d.array(shape, dtypes=dtypes)


_DECOMP = {
    "linalg.svd": ("{ns}.linalg.svd({0}, full_matrices=%s)", False),
    "linalg.qr": ("{ns}.linalg.qr({0}, mode=%r)", False),
    "linalg.eigh": ("{ns}.linalg.eigh({0})", True),
    "linalg.slogdet": ("{ns}.linalg.slogdet({0})", True),
    "linalg.eig": ("{ns}.linalg.eig({0})", True),
}


def decomposition(d: Draw, op: str) -> Call:
    """svd / qr / eigh / slogdet / eig, unpacked."""
    tmpl, square = _DECOMP[op]
    x = _matrix(d, square)
    if op == "linalg.svd":
        tmpl = tmpl % d.p(0.3)
    elif op == "linalg.qr":
        tmpl = tmpl % d.choice(["reduced", "complete"])
    np_tmpl = "ref.eig({0})" if op == "linalg.eig" else None
    return Call(tmpl, (x,), multi=True, np_template=np_tmpl)


def matrix_fn(d: Draw, op: str) -> Call:
    """eigvals / eigvalsh / inv / pinv / det of a (batched) matrix."""
    x = _matrix(d, op != "linalg.pinv")
    name = op.split(".")[1]
    np_tmpl = "ref.eigvals({0})" if op == "linalg.eigvals" else None
    return Call(f"{{ns}}.linalg.{name}({{0}})", (x,), np_template=np_tmpl)


def cholesky(d: Draw, op: str) -> Call:
    """``cholesky`` of ``x x^H + 4 I`` (positive definite, whatever ``x``)."""
    x = _matrix(d, True, dtypes=FLOAT[1:] + COMPLEX)
    shape, _ = d.info(x)
    # x x^H is (rows x rows): an identity of the columns' size would be
    # broadcast, adding 4 everywhere (singular; seed 9961000017408)
    n = shape[-2] if len(shape) >= 2 else 1
    spd = f"{{0}} @ {{ns}}.swapaxes({{0}}, -1, -2).conj() + 4 * {{ns}}.eye({n})"
    if d.bad():
        spd = "{0}"
    return Call(f"{{ns}}.linalg.cholesky({spd})", (x,))


def solve(d: Draw, op: str) -> Call:
    """``solve(a, b)`` with a vector or matrix right-hand side."""
    a = _matrix(d, True)
    shape, _ = d.info(a)
    n = shape[-1] if shape else 1
    if d.p(0.5):
        b_shape = (n,)
    else:
        b_shape = shape[:-2] + (n, d.int(1, 3))
        if d.p(0.2):
            b_shape = b_shape[-2:]
    b = d.array(b_shape, dtypes=_LINALG_DTYPES)
    return Call("{ns}.linalg.solve({0}, {1})", (a, b))


def norm(d: Draw, op: str) -> Call:
    """``norm(x, ord, axis, keepdims)`` for vectors and matrices."""
    x = d.array(dtypes=FLOAT + COMPLEX + ("int64",), min_ndim=0 if d.bad() else 1)
    ndim = len(d.info(x)[0])
    kw = []
    r = d.rng.random()
    if r < 0.3 or ndim == 0:
        axis = None
    elif r < 0.6 or ndim == 1:
        axis = d.axis(ndim)
    else:
        a1 = d.int(0, ndim - 1)
        a2 = d.choice([i for i in range(ndim) if i != a1])
        axis = (a1, a2 - ndim if d.p(0.3) else a2)
    if axis is not None:
        kw.append(f"axis={lit(axis)}")
    if d.p(0.6):
        kw.append(f"ord={d.choice(['None', 1, 2, -1, -2, 0, 3, 'inf', '-inf', repr('fro')])}")
    if d.p(0.3):
        kw.append(f"keepdims={d.p(0.7)}")
    return Call(f"{{ns}}.linalg.norm({{0}}{''.join(', ' + k for k in kw)})", (x,))


def matrix_power(d: Draw, op: str) -> Call:
    """``matrix_power(a, n)`` with n >= 0 or negative (an inverse)."""
    x = _matrix(d, True, dtypes=_LINALG_DTYPES + ("int64", "int8"))
    return Call(f"{{ns}}.linalg.matrix_power({{0}}, {d.int(-2, 3)})", (x,))
