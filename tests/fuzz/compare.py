"""How a path's values must agree with numpy's, and the comparisons.

Every value is compared on shape and dtype.  Its numbers are compared at one
of three levels, worked out per path kind by propagating through the
program (:func:`levels`):

``"exact"``
    Bit-identical, nan positions equal (nan payloads may differ) and signs of
    zero equal.  The level of every value on ``"exact"`` paths, except below
    ``linalg.eigvals`` (lazyray computes it with ``eig``, numpy with
    ``eigvals``: another LAPACK routine), ``einsum`` of three operands or more
    (lazyray calls ``einsum(..., optimize=True)``, as autoray does: another
    summation order), ``vecdot`` and ``inner`` (numpy rounds them by operand
    layout, which lazyray need not reproduce) and ``complex`` (``re + 1j * im``, not exact parts).
``"close"``
    Within a tolerance: finite numbers within ``atol + rtol * |ref|``, with
    ``atol = rtol * max(1, max |ref|)`` (cancellation in a sum makes small
    entries inexact in absolute terms) and ``rtol`` from :data:`RTOL` for
    the least precise inexact dtype computed on the way to the value
    (a float32 product promoted to complex128 carries float32 errors): a few
    hundred ulps, enough for lowered contractions (documented within 1e-12
    relative) and for another library's kernels, yet far below any real
    error.  Real nan and inf positions must match exactly; a complex element
    with a non-finite part must be non-finite on both sides, its parts are
    not compared (numpy, BLAS and torch multiply complex infinities by
    different formulas); below a contraction, nan positions are not
    compared at all (BLAS skips products with an exact zero scalar:
    numpy's ``dot([nan], 0)`` is 0, einsum's and torch's nan), nor below
    an FFT on torch (infinite input: inf - inf summed in another order puts
    nan elsewhere than numpy's pocketfft).  Signs of
    zero are not compared.  The level of values computed, on that kind of
    path, by a different but equivalent kernel (on optimized paths:
    contractions, which the lowering rules may rewrite, and ``linalg.eigh``,
    which dead code elimination narrows to ``eigvalsh`` when only the
    eigenvalues are used; on torch: every inexact op; on ``"moved"`` paths,
    whose values cross processes, every inexact op too: a view arrives as a
    contiguous copy, on which numpy's vector loops may round an elementwise
    op by an ulp otherwise, e.g. ``arccosh`` of a flipped array, seed
    17600000011464), or from such values through continuous ops.
``"unchecked"``
    Shape and dtype only: ``empty`` and ``pad(..., mode='empty')``
    (undefined values); on a path whose
    input to an op is inexact, ops that do not keep a tolerance -- integer or
    boolean results of inexact inputs (comparisons, ``floor``, ``argmax``,
    casts), ill-conditioned ops (``linalg``, division, ``log``, powers...);
    on torch, the decompositions (their signs and phases are a convention
    of the library) and ``argsort`` (ties are broken differently).  A value
    computed from an unchecked one is unchecked.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lazyray.graph import registry

from .program import Program

EXACT, CLOSE, UNCHECKED = 0, 1, 2
LEVEL_NAMES = ("exact", "close", "unchecked")

#: relative tolerance of "close" values, by real dtype
RTOL = {"float16": 2e-2, "float32": 2e-4, "float64": 1e-9}

#: ops whose lazyray implementation is not numpy's function of that name
_OTHER_KERNEL = {"linalg.eigvals", "einsum>2"}
#: contractions numpy rounds differently by operand layout (its BLAS call for
#: contiguous operands, its own loop for others): ``np.vecdot`` and
#: ``np.inner`` of a broadcast view and of its contiguous copy differ by an
#: ulp (in 1861 and 897 of 3000 random complex cases; matmul, dot, tensordot
#: and einsum in none), and lazyray may pass another layout than eager numpy
#: (``roll`` of a broadcast array is the array itself; seed 9970000013012)
LAYOUT_ROUNDED = {"vecdot", "inner"}
#: ops the default optimizations may replace by a call computing the same
#: within 1e-12 relative (``lazyray.passes.lower``; ``dce`` narrows ``eigh``
#: to ``eigvalsh`` when only the eigenvalues are used)
_LOWERED = {"linalg.eigh", "einsum>2"} | {
    n for n, o in registry.OPS.items() if o.family == registry.CONTRACTION
}
#: ops of undefined values
_UNDEFINED = {"empty"}
#: ops that amplify a small error in their input without bound
_ILL_CONDITIONED = {
    "divide",
    "reciprocal",
    "floor_divide",
    "mod",
    "power",
    "log",
    "log2",
    "log10",
    "log1p",
    "arctanh",
    "arccosh",
    "arcsin",
    "arccos",
    "tan",
    "angle",
    "arctan2",
    "sqrt",
    "sign",
    "floor",
    "ceil",
    "trunc",
    # the sign of a zero is not compared at the CLOSE level (numpy's own
    # inner/dot disagree on it): copysign turns it into +-1, and complex
    # arctan/arcsinh jump across their branch cuts with it
    "copysign",
    "arctan",
    "arcsinh",
    # the set of unique values changes with a one-ulp difference
    "unique_all",
    "unique_counts",
    "unique_inverse",
    "unique_values",
} | {n for n, o in registry.OPS.items() if o.family == registry.LINALG}
#: ops that order complex numbers lexicographically, by real part first:
#: where two real parts tie, a one-ulp error in one of them decides
#: (torch's fftn gives 1e-9 where numpy's gives 0.0; seed 13100000005691;
#: a sort below torch's pinv: -7e-18 against numpy's 0.0, seed 16800000006786)
_COMPLEX_ORDER = {"maximum", "minimum", "clip", "sort"}
#: ops that order or select by value: where nan positions upstream are not
#: compared (below a contraction, or an FFT on torch), neither is the order
_BY_VALUE = {"sort", "argsort", "searchsorted", "argmax", "argmin"} | {
    n for n in _ILL_CONDITIONED if n.startswith("unique_")
}
#: linear algebra ops (on another library: unchecked for a singular matrix;
#: a norm is continuous there)
_LINALG = {n for n, o in registry.OPS.items() if o.family == registry.LINALG} - {"linalg.norm"}
#: ops whose result on torch is another, equally valid, convention
_TORCH_CONVENTION = {
    "linalg.svd",
    "linalg.qr",
    "linalg.eigh",
    "linalg.eig",
    "linalg.eigvals",
    "argsort",
}


#: path kinds computed by another library's kernels (torch on the CPU; torch
#: CUDA and cupy on a GPU; jax)
_OTHER_LIBRARY = ("torch", "gpu", "jax")
#: ... of which those whose float-to-integer casts saturate (XLA's, CUDA's)
_SATURATING = ("gpu", "jax")
#: ops that cast floats to integers (on a GPU and in XLA, out-of-range values
#: differ): casts, and reductions given an integer ``dtype=``
_GPU_CASTS = {"astype", "linspace", "mean", "sum", "prod", "trace"} | {
    "cumsum",
    "cumprod",
    "cumulative_sum",
    "cumulative_prod",
}


def _inexact(dtype) -> bool:
    return np.dtype(dtype).kind in "fc"


class Level(NamedTuple):
    """How one value is compared: ``level`` (:data:`EXACT`, :data:`CLOSE`,
    :data:`UNCHECKED`), ``rtol`` for :data:`CLOSE`, and ``nan_free``: whether
    nan must appear exactly where numpy has it (not below a contraction on
    a :data:`CLOSE` path: BLAS skips products with an exact zero scalar, so
    numpy's ``dot([nan], 0)`` is 0 where einsum or torch give nan)."""

    level: int
    rtol: float = 0.0
    nan_free: bool = True
    #: whether the sign of a zero is compared (not after an unstable sort:
    #: -0.0 and 0.0 are equal keys, in an order it does not define)
    zero_sign: bool = True


def levels(prog: Program, values: dict, kind: str) -> dict:
    """``{name: Level}`` for every value of ``prog`` on a path of ``kind``;
    ``values`` are numpy's (the oracle's)."""
    out = {leaf.name: Level(EXACT) for leaf in prog.leaves}
    for s in prog.stmts:
        refs = [out.get(r, Level(EXACT)) for r in s.refs]
        base = max((x.level for x in refs), default=EXACT)
        # rounding may happen at the precision of any inexact operand or
        # intermediate upstream (inside a statement too: its operands' dtypes)
        rtol = max([x.rtol for x in refs] + [_rtol(values.get(r)) for r in s.refs] + [0.0])
        contraction = registry.OPS[s.op].family == registry.CONTRACTION
        # torch's FFTs (pocketfft in another order, or MKL) turn infinite
        # input into nan and inf in other places than numpy's pocketfft
        # (irfft, hfft: inf - inf summed in another order): nan positions
        # below an FFT are not compared on torch
        torch_fft = kind in _OTHER_LIBRARY and s.op.startswith("fft.")
        nan_free = all(x.nan_free for x in refs) and not contraction and not torch_fft
        op = s.op
        if op == "einsum" and len(s.refs) > 2:
            op = "einsum>2"  # numpy's einsum(optimize=True): another summation order
        # (take_along_axis of an argsort orders by value too; seed 13000000019478:
        # torch's hfft of an infinite input gives -inf where numpy's gives nan)
        by_value = s.op in _BY_VALUE or "argsort(" in s.template
        unordered = by_value and not all(x.nan_free for x in refs)
        unstable = s.op == "sort" and ("stable=False" in s.template or "quicksort" in s.template)
        # float-to-integer casts of out-of-range values are undefined (C's
        # rule; numpy documents them as platform-dependent): x86 wraps, CUDA
        # and XLA saturate
        cast = (
            kind in _SATURATING
            and s.op in _GPU_CASTS
            and any(_inexact(np.asarray(values[r]).dtype) for r in s.refs if r in values)
        )
        # on another library's kernels, a linalg op of a (numerically)
        # singular matrix depends on rounding: numpy's LU may leave a tiny
        # pivot where torch's finds an exact zero (slogdet sign -1 vs 0 of an
        # int matrix with two equal rows; seed 9973000017498)
        singular = kind in _OTHER_LIBRARY and s.op in _LINALG and _near_singular(values, s.refs)
        # where selects by the truthiness of its condition: a float condition
        # known only to CLOSE may be 0.0 on one side and -6e-17 on the other
        # (numpy's inverse of an int8 matrix against torch's; seed 19200000002886)
        by_truth = s.op == "where" and bool(refs) and refs[0].level == CLOSE
        # pad's 'empty' mode leaves the padded area undefined
        empty_pad = s.op == "pad" and "'empty'" in s.template
        for o in s.outs:
            dtype = np.asarray(values[o]).dtype
            undefined = unordered or singular or by_truth or empty_pad
            undefined = undefined or (cast and not _inexact(dtype))
            lv = UNCHECKED if undefined else _level(op, base, dtype, kind)
            out[o] = Level(lv, max(rtol, _rtol(values[o])), nan_free or lv == EXACT, not unstable)
    return out


def _near_singular(values: dict, refs) -> bool:
    """Whether the first operand is a stack of square matrices of which one
    is singular to working precision (condition number past 1e10, or not
    finite)."""
    a = np.asarray(values.get(refs[0])) if refs and refs[0] in values else None
    if a is None or a.ndim < 2 or a.shape[-1] != a.shape[-2] or a.size == 0:
        return False
    if a.dtype.kind not in "biufc":
        return False
    with np.errstate(all="ignore"):
        try:
            cond = np.linalg.cond(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64))
        except np.linalg.LinAlgError:
            return True
    return not bool(np.all(np.isfinite(cond) & (cond < 1e10)))


def _rtol(value) -> float:
    if value is None:
        return 0.0
    dt = np.asarray(value).dtype
    if dt.kind == "c":
        return RTOL["float32" if dt.itemsize == 8 else "float64"]
    return RTOL.get(dt.name, 0.0)


def _level(op: str, base: int, dtype, kind: str) -> int:
    if op in _UNDEFINED or base == UNCHECKED:
        return UNCHECKED
    if kind in _OTHER_LIBRARY and op in _TORCH_CONVENTION:
        return UNCHECKED
    if base == CLOSE and (op in _ILL_CONDITIONED or not _inexact(dtype)):
        return UNCHECKED
    if base == CLOSE and op in _COMPLEX_ORDER and np.dtype(dtype).kind == "c":
        return UNCHECKED
    if base == CLOSE:
        return CLOSE
    if not _inexact(dtype):
        return EXACT
    if op in _OTHER_KERNEL or op == "complex" or op in LAYOUT_ROUNDED:
        return CLOSE
    if op == "square" and np.dtype(dtype).kind == "c":
        # numpy's own complex square differs by an ulp between its scalar and
        # array paths (seed 9904000043685: np.square(np.complex64) vs 0-d)
        return CLOSE
    if kind in _OTHER_LIBRARY or kind == "moved":
        return CLOSE
    if kind == "lowered" and op in _LOWERED:
        return CLOSE
    return EXACT


# ---------------------------------------------------------------- numbers


def same_bits(a: np.ndarray, b: np.ndarray, zero_sign: bool = True) -> bool:
    """Equal values, nan positions and (with ``zero_sign``) signs of zero
    (same shape and dtype)."""
    if a.dtype.kind == "c":
        return same_bits(a.real, b.real, zero_sign) and same_bits(a.imag, b.imag, zero_sign)
    if a.dtype.kind != "f":
        return bool(np.array_equal(a, b))
    na, nb = np.isnan(a), np.isnan(b)
    if not np.array_equal(na, nb):
        return False
    m = ~na
    signs = not zero_sign or np.array_equal(np.signbit(a[m]), np.signbit(b[m]))
    return bool(np.array_equal(a[m], b[m]) and signs)


def close(got: np.ndarray, ref: np.ndarray, rtol: float = 0.0, nan_free: bool = True) -> bool:
    """Within ``rtol`` (at least the dtype's :data:`RTOL`); with ``nan_free``
    false, elements that are nan on either side are not compared (see the
    module docstring)."""
    rtol = max(rtol, _rtol(ref))
    if ref.dtype.kind == "c":
        bad_g = ~(np.isfinite(got.real) & np.isfinite(got.imag))
        bad_r = ~(np.isfinite(ref.real) & np.isfinite(ref.imag))
        if not nan_free:
            nan = np.isnan(got) | np.isnan(ref)
            got, ref, bad_g, bad_r = got[~nan], ref[~nan], bad_g[~nan], bad_r[~nan]
        if not np.array_equal(bad_g, bad_r):
            return False
        g, r = got[~bad_r], ref[~bad_r]
        scale = _scale(np.abs(r))
        return _close(g.real, r.real, scale, rtol) and _close(g.imag, r.imag, scale, rtol)
    if ref.dtype.kind != "f":
        return bool(np.array_equal(got, ref))
    if not nan_free:
        keep = ~(np.isnan(got) | np.isnan(ref))
        got, ref = got[keep], ref[keep]
    return _close(got, ref, _scale(ref), rtol)


def _scale(ref) -> float:
    finite = np.abs(ref[np.isfinite(ref)])
    return max(1.0, float(finite.max())) if finite.size else 1.0


def _close(got, ref, scale, rtol) -> bool:
    got = got.astype(ref.dtype)
    ng, nr = np.isnan(got), np.isnan(ref)
    if not np.array_equal(ng, nr):
        return False
    ig, ir = np.isinf(got), np.isinf(ref)
    if not np.array_equal(ig, ir) or not np.array_equal(got[ir], ref[ir]):
        return False
    m = np.isfinite(ref)
    g, r = got[m].astype("float64"), ref[m].astype("float64")
    return bool(np.all(np.abs(g - r) <= rtol * scale + rtol * np.abs(r)))


def agree(got: np.ndarray, ref: np.ndarray, level: Level) -> bool:
    """Whether ``got`` agrees with ``ref`` at ``level`` (from :func:`levels`;
    same shape and dtype)."""
    if level.level == UNCHECKED:
        return True
    if level.level == EXACT:
        return same_bits(got, ref, level.zero_sign)
    return close(got, ref, level.rtol, level.nan_free)
