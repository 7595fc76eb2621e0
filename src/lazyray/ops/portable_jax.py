"""numpy's meaning on jax: what a graph traced on numpy runs when its
:class:`~lazyray.Function` is called with jax arrays.

jax's ``jax.numpy`` follows numpy's signatures, but promotes otherwise
(``sin(bool)`` is float32, numpy's float16), refuses some inputs numpy
takes (``tril`` of a vector, negative split sizes, Python ints beyond
64 bits) and lacks a few functions.  Each op is wrapped by
:func:`~.numpy_host.hosted`: numpy's result dtypes, and numpy's
implementation on host copies for the calls jax refuses.  numpy's 64-bit
dtypes need jax's ``jax_enable_x64`` (without it jax makes them 32-bit).

>>> from lazyray.graph.registry import NUMPY_HOSTS
>>> "jax" in NUMPY_HOSTS
True
"""

from __future__ import annotations

import numpy as np

from ..graph import registry
from .numpy_host import hosted
from .portable_cupy import _clip, _complex_on_host, _reciprocal
from .portable_torch import _moment
from .torch_numpy import _fits

__all__ = ["numpy_on_jax"]

_SCALARS = (bool, int, float, complex)


def _lower_hermitian(jnp, fn, a):
    """numpy's ``eigh`` / ``eigvalsh`` / ``cholesky``: of the Hermitian
    matrix read from the lower triangle, the diagonal's imaginary part
    ignored (jax's symmetrizes the whole matrix, ``(a + a^H) / 2``: of the
    matrix built here, that is the matrix itself, exactly)."""
    off = jnp.tril(a, -1)
    eye = jnp.eye(a.shape[-1], dtype=a.dtype)
    diag = jnp.real(jnp.diagonal(a, axis1=-2, axis2=-1))[..., None, :] * eye
    return fn(off + jnp.conj(jnp.swapaxes(off, -1, -2)) + diag.astype(a.dtype))


def _on_host(jnp, fn, *args, **kwargs):
    """Run by numpy (jax's kernel differs on some values: ``isclose`` of an
    overflowing Python float, ``linspace`` from infinities)."""
    raise TypeError("numpy's rules")


def _truth(jnp, fn, x, *args, **kwargs):
    """``all`` / ``any``: a complex number is true when either part is
    nonzero (jax's reductions read the real part only)."""
    if isinstance(x, jnp.ndarray) and x.dtype.kind == "c":
        x = x != 0
    return fn(x, *args, **kwargs)


def _int_divide(jnp, fn, a, b):
    """numpy's integer ``floor_divide`` / ``mod`` by zero: 0 (jax's
    ``floor_divide`` gives -1 or -2)."""
    if any(np.result_type(getattr(v, "dtype", v)).kind in "fc" for v in (a, b)):
        return fn(a, b)
    if not hasattr(b, "dtype"):  # a Python int
        return fn(a, b) if b else jnp.zeros_like(fn(a, 1))
    zero = b == 0
    out = fn(a, jnp.where(zero, jnp.ones_like(b), b))
    return jnp.where(zero, jnp.zeros_like(out), out)


def _wide_ints(jnp, *args) -> None:
    """Refuse (to numpy) a Python int outside the dtype of the integer
    arrays it meets, which numpy compares as the number it is and jax wraps
    into the dtype (``greater(-2, uint8)``, ``clip(uint8, -1, 7)``)."""
    dts = [np.dtype(a.dtype) for a in args if isinstance(a, jnp.ndarray)]
    if any(type(v) is int and not all(_fits(v, d) for d in dts) for v in args):
        raise TypeError("a Python int out of the dtype's range: numpy's rules")


def _clip_ints(jnp, fn, x, lo=None, hi=None):
    """numpy's ``clip`` (:func:`~.portable_cupy._clip`), a Python int bound
    out of ``x``'s dtype as :func:`_wide_ints`."""
    _wide_ints(jnp, x, lo, hi)
    return _clip(jnp, fn, x, lo, hi)


def _moment16(jnp, fn, x, *args, **kwargs):
    """``var`` / ``std``: of float16 by numpy (its squares are float16 and
    may overflow where jax's, float32, do not), else as
    :func:`~.portable_torch._moment`."""
    if x.dtype == np.float16:
        raise TypeError("float16 moments: numpy's rules")
    return _moment(jnp, fn, x, *args, **kwargs)


def _strong(jnp, fn, a, b, *args, **kwargs):
    """numpy's contractions read a Python scalar operand as an array of its
    own dtype (``kron(-2, uint8)`` is int64), jax's as a weak scalar."""
    a, b = (jnp.asarray(np.asarray(v)) if type(v) in _SCALARS else v for v in (a, b))
    return fn(a, b, *args, **kwargs)


def _combine(jnp, fn, arrays, *args, **kwargs):
    """``stack`` / ``concatenate``: Python scalars as :func:`_strong`."""
    arrays = [jnp.asarray(np.asarray(v)) if type(v) in _SCALARS else v for v in arrays]
    return fn(arrays, *args, **kwargs)


def _compare(jnp, fn, a, b, *args, **kwargs):
    """Comparisons and ``searchsorted``: Python ints as :func:`_wide_ints`,
    complex numbers as :func:`~.portable_cupy._complex_on_host`."""
    _wide_ints(jnp, a, b)
    return _complex_on_host(jnp, fn, a, b, *args, **kwargs)


def _sign(jnp, fn, x):
    """numpy's ``sign``: +0.0 at -0.0 (jax keeps the sign), complex numbers
    by numpy (``z / |z|`` with infinities)."""
    out = _complex_on_host(jnp, fn, x)
    return jnp.where(x == 0, jnp.zeros_like(out), out) if x.dtype.kind == "f" else out


def _power(jnp, fn, a, b):
    """numpy's ``power``: by a real scalar 0.5 its ``sqrt`` (``(-inf) **
    0.5`` is nan, ``(-0.0) ** 0.5`` is -0.0), complex numbers by numpy
    (``npy_cpow``)."""
    out = _complex_on_host(jnp, fn, a, b)
    half = getattr(b, "ndim", 0) == 0 and np.result_type(getattr(b, "dtype", b)).kind == "f"
    if half and out.dtype.kind == "f" and float(b) == 0.5:
        return jnp.sqrt(jnp.asarray(a).astype(out.dtype))
    return out


#: ops whose jax kernels differ from numpy's on complex numbers: orders
#: (numpy's is lexicographic, nan last), special values and branch cuts
#: (``sqrt(-2 - 0j)`` is ``-1.41j`` in numpy, ``1.41j`` in jax), Smith's
#: division: run by numpy
_COMPLEX_BY_NUMPY = (
    "maximum minimum max min argmin argmax sort argsort unique_all unique_counts "
    "unique_inverse unique_values divide cumprod cumulative_prod abs sin cos tan arcsin "
    "arccos arctan sinh cosh tanh arcsinh arccosh arctanh exp exp2 expm1 log log2 log10 "
    "log1p sqrt"
).split()

#: ops whose jax kernel differs from numpy's on some values
_FIX = {
    **dict.fromkeys(_COMPLEX_BY_NUMPY, _complex_on_host),
    **dict.fromkeys(
        "less less_equal greater greater_equal equal not_equal searchsorted".split(), _compare
    ),
    **dict.fromkeys(("isclose", "allclose", "linspace"), _on_host),
    **dict.fromkeys(("all", "any"), _truth),
    **dict.fromkeys(("floor_divide", "mod"), _int_divide),
    **dict.fromkeys(("dot", "vdot", "inner", "outer", "kron", "tensordot"), _strong),
    **dict.fromkeys(("var", "std"), _moment16),
    **dict.fromkeys(("stack", "concatenate"), _combine),
    "sign": _sign,
    "power": _power,
    "clip": _clip_ints,
    "reciprocal": _reciprocal,
    **dict.fromkeys(("linalg.eigh", "linalg.eigvalsh", "linalg.cholesky"), _lower_hermitian),
}


def numpy_on_jax(fn, name: str):
    """Op ``name`` on jax with numpy's meaning (``fn``: jax's function, or
    None where jax has none)."""
    import jax

    jnp = jax.numpy
    return hosted(
        fn, name, jnp, jax.Array, np.asarray, jnp.asarray, _FIX, operands=True, traced=_traced
    )


def _traced(args) -> bool:
    """Whether ``args`` hold abstract values of a jax transformation."""
    from jax.core import Tracer

    return any(isinstance(a, Tracer) for a in args)


registry.NUMPY_HOSTS["jax"] = numpy_on_jax
