"""Fuzzer generators of the Array API ops (linalg and fft); wired in by opgen.

The spec's ``linalg`` functions that are ops of their own (``svdvals``,
``matrix_rank``, ``vector_norm``, ``cross``) and the ``fft`` extension's
transforms, frequencies and shifts.  numpy spells them all alike
(``np.linalg.vector_norm``, ``np.fft.rfftn``...), except ``fftfreq``'s
``dtype``, which numpy lacks (its numpy side casts).  Repeated ``axes`` of
the n-d transforms are not drawn: numpy transforms such an axis twice,
lazyray rejects them, as torch and jax do.  Transforms draw
``float32``/``float64``/complex operands: torch has no ``float16`` FFT.
"""

from __future__ import annotations

from .draw import COMPLEX, Call, Draw
from .program import lit

_FFT_REAL = ("float32", "float64")
_FFT_DTYPES = _FFT_REAL + COMPLEX
_LINALG = ("float32", "float64", "complex64", "complex128")


def _kw(parts: list) -> str:
    return "".join(", " + p for p in parts)


def _matrix(d: Draw, dtypes=_LINALG) -> str:
    m, n = d.int(1, 4), d.int(1, 4)
    batch = d.shape(d.choice([0, 0, 1]))
    shape = batch + ((m, n) if not d.bad() else (n,))
    return d.array(shape, dtypes=dtypes)


def svdvals(d: Draw, op: str) -> Call:
    """``svdvals`` of a (batched) matrix."""
    return Call("{ns}.linalg.svdvals({0})", (_matrix(d),))


def matrix_rank(d: Draw, op: str) -> Call:
    """``matrix_rank(x, rtol=...)`` with the default or a float tolerance."""
    x = _matrix(d)
    kw = [f"rtol={d.choice([0.0, 0.1, 0.5, 1e-6])}"] if d.p(0.4) else []
    return Call(f"{{ns}}.linalg.matrix_rank({{0}}{_kw(kw)})", (x,))


def vector_norm(d: Draw, op: str) -> Call:
    """``vector_norm(x, axis, keepdims, ord)``: any axes, any order."""
    # no integers: numpy's norm of int64 is float64, torch's (the torch path
    # retargets the graph) the default float32, as for every int -> float op
    x = d.array(dtypes=_LINALG, min_ndim=0)
    ndim = len(d.info(x)[0])
    kw = []
    axes = d.axes(ndim) if ndim else None
    if axes is not None:
        kw.append(f"axis={lit(axes)}")
    if d.p(0.4):
        kw.append(f"keepdims={d.p(0.6)}")
    if d.p(0.6):
        kw.append(f"ord={d.choice([1, 2, 0, -1, 3, 0.5, 'inf', '-inf'])}")
    return Call(f"{{ns}}.linalg.vector_norm({{0}}{_kw(kw)})", (x,))


def cross(d: Draw, op: str) -> Call:
    """``cross(a, b, axis)`` of 3-vectors with broadcast stacks."""
    nd = d.int(1, 3)
    axis = d.int(-nd, -1)
    sa = list(d.shape(nd - 1))
    sa.insert(len(sa) + axis + 1, 3 if not d.bad() else 2)
    sb = list(d.broadcastable(tuple(sa)))
    if sb:
        sb[axis if -len(sb) <= axis else -1] = 3
    dts = ("int64", "float32", "float64", "complex128")
    a, b = d.array(tuple(sa), dtypes=dts), d.array(tuple(sb), dtypes=dts)
    kw = [f"axis={axis}"] if axis != -1 or d.p(0.3) else []
    return Call(f"{{ns}}.linalg.cross({{0}}, {{1}}{_kw(kw)})", (a, b))


_REAL_IN = {"rfft", "ihfft", "rfftn"}


def transform(d: Draw, op: str) -> Call:
    """A transform with ``n``/``axis`` (1-d) or ``s``/``axes`` (n-d) and
    ``norm``."""
    name = op.split(".")[1]
    dts = _FFT_REAL if name in _REAL_IN else _FFT_DTYPES
    # no empty axis: numpy's irfft / hfft of an empty axis padded to n read
    # uninitialized memory
    shape = tuple(max(k, 1) for k in d.shape(min_ndim=1))
    x = d.array(shape, dtypes=dts)
    nd = len(shape)
    kw = []
    if name.endswith("n"):
        if d.p(0.6):
            k = d.int(1, nd)
            axes = [int(a) for a in d.rng.choice(nd, k, replace=False)]
            kw.append(f"axes={lit(tuple(axes))}")
            if d.p(0.5):
                s = tuple(d.choice([-1, 1, 2, 3, 5]) for _ in axes)
                kw.append(f"s={lit(s)}")
    else:
        if d.p(0.5):
            kw.append(f"n={d.int(0 if d.bad() else 1, 6)}")
        if d.p(0.5):
            kw.append(f"axis={d.axis(nd)}")
    if d.p(0.5):
        kw.append(f"norm={d.choice(['backward', 'ortho', 'forward'])!r}")
    return Call(f"{{ns}}.fft.{name}({{0}}{_kw(kw)})", (x,))


def freq(d: Draw, op: str) -> Call:
    """``fftfreq`` / ``rfftfreq`` with ``d`` and ``dtype``."""
    name = op.split(".")[1]
    n = d.int(0 if d.bad() else 1, 7)
    step = d.choice([1.0, 0.5, 2, 0.1])
    if d.p(0.5):
        dt = d.choice(["float32", "float64"])
        return Call(
            f"{{ns}}.fft.{name}({n}, d={step}, dtype={dt!r})",
            (),
            np_template=f"{{ns}}.fft.{name}({n}, d={step}).astype({dt!r})",
        )
    return Call(f"{{ns}}.fft.{name}({n}, d={step})", ())


def shift(d: Draw, op: str) -> Call:
    """``fftshift`` / ``ifftshift`` over ``axes``."""
    name = op.split(".")[1]
    x = d.array(min_ndim=1)
    nd = len(d.info(x)[0])
    axes = d.axes(nd)
    kw = [] if axes is None else [f"axes={lit(axes)}"]
    return Call(f"{{ns}}.fft.{name}({{0}}{_kw(kw)})", (x,))


GENERATORS: dict = {
    "linalg.svdvals": svdvals,
    "linalg.matrix_rank": matrix_rank,
    "linalg.vector_norm": vector_norm,
    "linalg.cross": cross,
    **{
        f"fft.{n}": transform
        for n in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")
        + ("fftn", "ifftn", "rfftn", "irfftn")
    },
    "fft.fftfreq": freq,
    "fft.rfftfreq": freq,
    "fft.fftshift": shift,
    "fft.ifftshift": shift,
}
#: scipy, not numpy, is their oracle: checked against scipy's results in
#: tests/test_scipy_linalg.py (and by autoray's own tests: tests.autoray_suite)
EXCLUDED: dict = {
    "scipy.linalg.solve_triangular": "scipy's op: checked against scipy in test_scipy_linalg",
    "scipy.linalg.expm": "scipy's op: checked against scipy in test_scipy_linalg",
}
