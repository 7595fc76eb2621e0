"""numpy's meaning on cupy: what a graph traced on numpy runs when its
:class:`~lazyray.Function` is called with cupy arrays.

cupy follows numpy closely, but lacks some functions (``vecdot``,
``linalg.vector_norm``...), takes only arrays where numpy also takes Python
scalars, refuses some dtype mixes (``clip`` with complex bounds, logical ops
on complex numbers), lacks some keywords (``count_nonzero(keepdims=...)``)
and returns other dtypes in places: each op is wrapped by
:func:`~.numpy_host.hosted` (numpy's dtypes, numpy's implementation on host
copies for the calls cupy refuses), with the fixes below for kernels that
differ from numpy's on some values.

>>> from lazyray.graph.registry import NUMPY_HOSTS
>>> "cupy" in NUMPY_HOSTS
True
"""

from __future__ import annotations

from ..graph import registry
from .numpy_host import hosted
from .portable_torch import _moment, int_reciprocal

__all__ = ["numpy_on_cupy"]


def _clip(cupy, fn, x, lo=None, hi=None):
    """numpy's ``clip``: ``minimum(maximum(x, lo), hi)``, nan bounds and
    values propagated (cupy's kernel drops nan bounds)."""
    if any(
        getattr(v, "dtype", None) is not None and v.dtype.kind == "c" or type(v) is complex
        for v in (x, lo, hi)
    ):  # (numpy's clip of complex numbers: run by numpy)
        raise TypeError("clip of complex numbers")
    out = x if lo is None else cupy.maximum(x, lo)
    return out if hi is None else cupy.minimum(out, hi)


def _float_divmod(cupy, a, b):
    """numpy's floating ``divmod`` (``npy_divmod``): the remainder from
    ``fmod``, the quotient ``(a - mod) / b`` rounded, so that ``inf // 2``
    is nan as in numpy (cupy's ``floor(a / b)`` gives inf)."""
    mod = cupy.fmod(a, b)
    div = (a - mod) / b
    fix = (mod != 0) & ((b < 0) != (mod < 0))
    mod = cupy.where(fix, mod + b, cupy.where(mod != 0, mod, cupy.copysign(0 * mod, b)))
    div = cupy.where(fix, div - 1, div)
    floor = cupy.floor(div)
    floor = cupy.where(div - floor > 0.5, floor + 1, floor)
    quotient = a / b
    floor = cupy.where(div != 0, floor, cupy.copysign(0 * floor, quotient))
    zero = b == 0
    return cupy.where(zero, quotient, floor), cupy.where(zero, cupy.fmod(a, b), mod)


def _divide_floats(which):
    def call(cupy, fn, a, b):
        a, b = cupy.asarray(a), cupy.asarray(b)
        if a.dtype.kind != "f" and b.dtype.kind != "f":
            return fn(a, b)
        dt = cupy.result_type(a, b)
        return _float_divmod(cupy, a.astype(dt), b.astype(dt))[which]

    return call


def _split(cupy, fn, x, indices_or_sections, axis=0):
    """numpy's ``split`` at indices, by slicing: negative, out-of-range and
    decreasing indices are slice bounds (cupy 14 makes views outside the
    array of them: an illegal memory access)."""
    if type(indices_or_sections) is int:
        return fn(x, indices_or_sections, axis=axis)
    points = [0, *indices_or_sections, x.shape[axis]]
    index = [slice(None)] * x.ndim
    out = []
    for start, stop in zip(points, points[1:]):
        index[axis] = slice(start, stop)
        out.append(x[tuple(index)])
    return out


def _reciprocal(cupy, fn, x):
    """numpy's integer ``reciprocal`` (:func:`~.portable_torch.int_reciprocal`;
    cupy's gives 0 at 0); complex numbers as :func:`_complex_on_host`."""
    if x.dtype.kind == "c":
        return _complex_on_host(cupy, fn, x)
    return int_reciprocal(cupy, x) if x.dtype.kind in "iu" else fn(x)


def _complex_on_host(cupy, fn, *args, **kwargs):
    """Ordering and reciprocals of complex numbers run by numpy: cupy's
    differ where a part is nan or infinite (numpy's lexicographic order, its
    Smith division)."""
    if any(isinstance(a, cupy.ndarray) and a.dtype.kind == "c" for a in args):
        raise TypeError("complex operands: numpy's rules")
    return fn(*args, **kwargs)


def _fftn(cupy, fn, x, *args, s=None, **kwargs):
    """The n-d FFTs with ``s`` run by numpy: cupy 14 reads ``s`` against
    ``axes`` in another order and lacks numpy 2's ``-1`` entries."""
    if s is not None:
        raise TypeError("fftn with s: numpy's rules")
    return fn(x, *args, **kwargs)


_COMPLEX_RULES = ("less", "less_equal", "greater", "greater_equal", "argmin", "argmax")
_FFTN = ("fftn", "ifftn", "rfftn", "irfftn", "fft2", "ifft2", "rfft2", "irfft2")

#: ops whose cupy kernel differs from numpy's on some values
_FIX = {
    **{name: _complex_on_host for name in _COMPLEX_RULES},
    **{f"fft.{name}": _fftn for name in _FFTN},
    "clip": _clip,
    "floor_divide": _divide_floats(0),
    "mod": _divide_floats(1),
    "split": _split,
    "reciprocal": _reciprocal,
    # numpy's var/std with ddof >= n: inf where cupy gives nan (run by numpy)
    "var": _moment,
    "std": _moment,
}


def numpy_on_cupy(fn, name: str):
    """Op ``name`` on cupy with numpy's meaning (``fn``: cupy's function,
    or None where cupy has none)."""
    import cupy

    return hosted(fn, name, cupy, cupy.ndarray, cupy.asnumpy, cupy.asarray, _FIX)


registry.NUMPY_HOSTS["cupy"] = numpy_on_cupy
