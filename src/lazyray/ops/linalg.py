"""``lazyray.linalg``: the Array API 2024.12 ``linalg`` extension, plus
numpy's ``eig``, ``eigvals`` and ``norm``.

Multi-output ops (``svd``, ``qr``, ``eig``, ``eigh``, ``slogdet``) return
named tuples (``SVDResult(U, S, Vh)``, ``QRResult(Q, R)``...) of lazy arrays,
each with its true shape and dtype, that also unpack positionally.  ``svd``
computes the reduced decomposition unless ``full_matrices=True`` (autoray's
convention).  ``eig`` always returns complex arrays (numpy returns real ones
when all eigenvalues happen to be real, a data-dependent dtype).  Everything
is batched over the leading dimensions.  The spec's functions that numpy 1's
``linalg`` lacks are in :mod:`lazyray.ops.linalg_api`.
"""

from __future__ import annotations

import autoray

from ..graph import dtypes
from ..graph.node import LazyArray, new_node
from ..graph.registry import LINALG, register, resolve
from ..graph.shapes import broadcast_shapes, normalize_axes
from . import linalg_api
from .common import lazy, make, multi_output
from .linalg_api import *  # noqa: F403 - re-exported: see __all__
from .linalg_api import (
    EighResult,
    EigResult,
    QRResult,
    SlogdetResult,
    SVDResult,
    check_ord,
    matrix_operand,
    rtol_operand,
    svdvals,
)
from .linalg_api import float_dtype as _float
from .reductions import reduced_shape
from .torch_numpy import numpy_linalg

#: this module's own ops, then the ones :mod:`lazyray.ops.linalg_api` adds
__all__ = (
    """cholesky det eig eigh eigvals eigvalsh inv matrix_norm matrix_power norm pinv qr
    slogdet solve svd""".split()
    + linalg_api.__all__
)


def _eig_impl(backend):
    fn = autoray.get_lib_fn(backend, "linalg.eig")
    if backend != "numpy":
        return fn

    def eig(a):
        w, v = fn(a)
        c = "complex64" if w.dtype.name in ("float32", "complex64") else "complex128"
        return w.astype(c, copy=False), v.astype(c, copy=False)

    return eig


def _eigvals_impl(backend):
    fn = _eig_impl(backend)
    return lambda a: fn(a)[0]


# on torch: numpy's operand dtypes (integers and booleans as float64...)
_NOUT = {"svd": 3, "qr": 2, "eigh": 2, "slogdet": 2, "eig": 2, "eigvals": 1, "eigvalsh": 1}
_NOUT.update(dict.fromkeys(("inv", "pinv", "det", "cholesky", "solve", "norm", "matrix_power"), 1))
_BASE = {"eig": _eig_impl, "eigvals": _eigvals_impl}
for _n, _k in _NOUT.items():
    _impl = numpy_linalg(f"linalg.{_n}", _BASE.get(_n))
    register(f"linalg.{_n}", LINALG, impl=_impl, impl_is_factory=True, nout=_k)


def svd(a, full_matrices: bool = False, compute_uv: bool = True) -> SVDResult | LazyArray:
    """Singular value decomposition ``SVDResult(U, S, Vh)``, reduced unless
    ``full_matrices=True`` (autoray's convention; numpy's default is full);
    with ``compute_uv=False`` only the singular values ``S`` (as numpy).

    >>> import lazyray
    >>> [x.shape for x in lazyray.linalg.svd(lazyray.Variable((5, 4, 3)))]
    [(5, 4, 3), (5, 3), (5, 3, 3)]
    >>> lazyray.linalg.svd(lazyray.Variable((4, 3)), full_matrices=True).U.shape
    (4, 4)
    >>> lazyray.linalg.svd(lazyray.Variable((4, 3)), compute_uv=False).shape
    (3,)
    """
    if not compute_uv:
        return svdvals(a)
    a, b, m, n, d = matrix_operand("linalg.svd", a)
    k = min(m, n)
    km, kn = (m, n) if full_matrices else (k, k)
    shapes = [b + (m, km), b + (k,), b + (kn, n)]
    kwargs = {"full_matrices": True if full_matrices else None}
    dts = [d, dtypes.real_dtype(d), d]
    return SVDResult(*multi_output("linalg.svd", (a,), kwargs, shapes, dts))


def qr(a, mode: str = "reduced") -> QRResult:
    """QR decomposition ``QRResult(Q, R)`` (``mode="reduced"`` or ``"complete"``).

    >>> import lazyray
    >>> q, r = lazyray.linalg.qr(lazyray.Variable((2, 5, 3)), mode="complete")
    >>> q.shape, r.shape
    ((2, 5, 5), (2, 5, 3))
    """
    a, b, m, n, d = matrix_operand("linalg.qr", a)
    if mode not in ("reduced", "complete"):
        raise ValueError(f"linalg.qr: unsupported mode {mode!r}")
    k = m if mode == "complete" else min(m, n)
    kwargs = {"mode": None if mode == "reduced" else mode}
    return QRResult(*multi_output("linalg.qr", (a,), kwargs, [b + (m, k), b + (k, n)], [d, d]))


def eig(a) -> EigResult:
    """Eigenvalues and right eigenvectors ``EigResult(eigenvalues,
    eigenvectors)`` of a square matrix (always complex).

    >>> import lazyray
    >>> str(lazyray.linalg.eig(lazyray.Variable((3, 3), dtype="float32")).eigenvalues.dtype)
    'complex64'
    """
    a, b, m, _, d = matrix_operand("linalg.eig", a, square=True)
    c = dtypes.to_complex(d)
    return EigResult(*multi_output("linalg.eig", (a,), None, [b + (m,), b + (m, m)], [c, c]))


def eigvals(a):
    """Eigenvalues of a square matrix (complex)."""
    a, b, m, _, d = matrix_operand("linalg.eigvals", a, square=True)
    return make("linalg.eigvals", (a,), None, b + (m,), dtypes.to_complex(d))


def eigh(a) -> EighResult:
    """Eigenvalues (ascending, real) and eigenvectors ``EighResult(eigenvalues,
    eigenvectors)`` of a Hermitian matrix (its lower triangle is read).

    >>> import lazyray
    >>> w, v = lazyray.linalg.eigh(lazyray.Variable((3, 3), dtype="complex64"))
    >>> (w.shape, str(w.dtype)), (v.shape, str(v.dtype))
    (((3,), 'float32'), ((3, 3), 'complex64'))
    """
    a, b, m, _, d = matrix_operand("linalg.eigh", a, square=True)
    shapes, dts = [b + (m,), b + (m, m)], [dtypes.real_dtype(d), d]
    return EighResult(*multi_output("linalg.eigh", (a,), None, shapes, dts))


def eigvalsh(a):
    """Eigenvalues of a Hermitian matrix (real)."""
    a, b, m, _, d = matrix_operand("linalg.eigvalsh", a, square=True)
    return make("linalg.eigvalsh", (a,), None, b + (m,), dtypes.real_dtype(d))


def inv(a):
    """Matrix inverse."""
    a, b, m, _, d = matrix_operand("linalg.inv", a, square=True)
    return make("linalg.inv", (a,), None, a._shape, d)


def pinv(a, *, rtol=None):
    """Moore-Penrose pseudo-inverse; singular values at most ``rtol`` times
    the largest count as zero (``rtol`` a float or an array broadcasting
    against the stack shape; default ``max(M, N) * eps``).

    >>> import lazyray
    >>> lazyray.linalg.pinv(lazyray.Variable((2, 5, 3)), rtol=1e-6).shape
    (2, 3, 5)
    """
    a, b, m, n, d = matrix_operand("linalg.pinv", a)
    d = a._dtype if 0 in a._shape[-2:] else d  # numpy: empty matrices keep their dtype
    r = rtol_operand("linalg.pinv", rtol, b)
    return make("linalg.pinv", (a,), {"rtol": r}, b + (n, m), d)


def det(a):
    """Determinant."""
    a, b, m, _, d = matrix_operand("linalg.det", a, square=True)
    return make("linalg.det", (a,), None, b, d)


def slogdet(a) -> SlogdetResult:
    """Sign and log of the absolute determinant, ``SlogdetResult(sign, logabsdet)``.

    >>> import lazyray
    >>> sign, logabsdet = lazyray.linalg.slogdet(lazyray.Variable((2, 3, 3), dtype="complex64"))
    >>> (sign.shape, str(sign.dtype)), (logabsdet.shape, str(logabsdet.dtype))
    (((2,), 'complex64'), ((2,), 'float32'))
    """
    a, b, m, _, d = matrix_operand("linalg.slogdet", a, square=True)
    dts = [d, dtypes.real_dtype(d)]
    return SlogdetResult(*multi_output("linalg.slogdet", (a,), None, [b, b], dts))


def cholesky(a, *, upper: bool = False):
    """Cholesky factor of a Hermitian positive-definite matrix: lower
    (``a = L @ L^H``), or upper with ``upper=True`` (``a = U^H @ U``).

    >>> import lazyray
    >>> lazyray.linalg.cholesky(lazyray.Variable((2, 3, 3)), upper=True).shape
    (2, 3, 3)
    """
    a, b, m, _, d = matrix_operand("linalg.cholesky", a, square=True)
    return make("linalg.cholesky", (a,), {"upper": True if upper else None}, a._shape, d)


def matrix_power(a, n):
    """Integer power of a square matrix."""
    a = lazy("linalg.matrix_power", a)
    if len(a._shape) < 2 or a._shape[-1] != a._shape[-2]:
        raise ValueError(f"linalg.matrix_power: needs square matrices, got {a._shape}")
    d = _float("linalg.matrix_power", a) if n < 0 else a._dtype
    return make("linalg.matrix_power", (a, int(n)), None, a._shape, d)


def solve(a, b):
    """Solve ``a @ x = b`` (numpy 2 rules: ``b`` is a vector only when 1-d).

    >>> import lazyray
    >>> lazyray.linalg.solve(lazyray.Variable((2, 3, 3)), lazyray.Variable((3,))).shape
    (2, 3)
    """
    a, ba, m, _, d = matrix_operand("linalg.solve", a, square=True)
    b = lazy("linalg.solve", b)
    vector = len(b._shape) == 1
    if b._shape[0 if vector else -2] != m:
        raise ValueError(f"linalg.solve: shapes {a._shape} and {b._shape} mismatch")
    if vector:
        shape = ba + (m,)
    else:
        shape = broadcast_shapes("linalg.solve", ba, b._shape[:-2]) + b._shape[-2:]
    # numpy's linalg._commonType: each operand on its own (ints and bools as
    # float64, float16 rejected), then promoted: solve(float32, bool) is float64
    db = _float("linalg.solve", b)
    dt = dtypes.finalize(a._backend, dtypes.result_type(d, db), (a._dtype, b._dtype))
    return make("linalg.solve", (a, b), None, shape, dt)


def _check_empty_norm(shape, axes, ord, matrix):  # noqa: A002
    """numpy's norms that end in a ``min`` reduction (no identity) raise on
    an empty reduced axis: vector ``-inf``; matrix ``-1`` (columns), ``-inf``
    (rows) and ``-2`` (singular values)."""
    if ord is None or isinstance(ord, str):
        return
    if not matrix:
        empty = ord == float("-inf") and shape[axes[0]] == 0
    else:
        rows, cols = shape[axes[0]], shape[axes[1]]
        empty = (
            (ord == -1 and cols == 0)
            or (ord == float("-inf") and rows == 0)
            or (ord == -2 and min(rows, cols) == 0)
        )
    if empty:
        raise ValueError(
            f"linalg.norm: zero-size array to reduction operation minimum which has "
            f"no identity (ord={ord!r}, axes {axes} of shape {shape})"
        )


#: ``(dtype, backend) -> dtype`` of ``norm(x)`` with no other argument
_NORM_DTYPES: dict = {}


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """Vector or matrix norm (numpy's rules for ``ord`` and ``axis``).

    >>> import lazyray
    >>> str(lazyray.linalg.norm(lazyray.Variable((3, 4), dtype="complex64"), axis=1).dtype)
    'float32'
    """
    if ord is None and axis is None and not keepdims and type(x) is LazyArray:
        # the usual call (the 2-norm of every entry), built at once
        backend = x._backend
        key = (x._dtype, backend)
        d = _NORM_DTYPES.get(key)
        if d is None:
            d = _NORM_DTYPES[key] = dtypes.real_dtype(_float("linalg.norm", x, half_ok=True))
        fn = resolve(backend, "linalg.norm")
        return new_node("linalg.norm", fn, (x,), None, (), d, backend, (x,))
    x = lazy("linalg.norm", x)
    nd = len(x._shape)
    if axis is None:
        if ord is not None and nd not in (1, 2):
            raise ValueError(
                f"linalg.norm: improper number of dimensions {nd} for ord={ord!r} "
                f"(shape {x._shape})"
            )
        axes = tuple(range(nd))
    else:
        axes = normalize_axes("linalg.norm", axis, nd)
        if len(axes) not in (1, 2):
            raise ValueError(
                f"linalg.norm: improper number of dimensions to norm: axis {axis} "
                f"of shape {x._shape}"
            )
    if ord is not None and (axis is not None or nd in (1, 2)):
        check_ord("linalg.norm", ord, len(axes) if axis is not None else nd)
    # numpy computes float16 norms in float16, except those through an svd
    matrix = len(axes) == 2 and not (axis is None and ord in (None, "fro", "f"))
    svd_ord = matrix and isinstance(ord, (int, float, str)) and ord in (2, -2, "nuc")
    d = dtypes.real_dtype(_float("linalg.norm", x, half_ok=not svd_ord))
    if axis is not None and not isinstance(axis, (list, tuple)):
        order = axes
    else:  # numpy's own order: rows, then columns (normalize_axes sorts)
        order = tuple(a % nd if nd else a for a in (axes if axis is None else axis))
    _check_empty_norm(x._shape, order, ord, matrix)
    shape = reduced_shape(x._shape, axes, keepdims)
    if isinstance(axis, list):
        axis = tuple(axis)
    kwargs = {"ord": ord, "axis": axis, "keepdims": True if keepdims else None}
    return make("linalg.norm", (x,), kwargs, shape, d)


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):  # noqa: A002
    """The matrix ``ord``-norm of each matrix (the last two axes): numpy's
    ``norm(x, ord, axis=(-2, -1), keepdims)``.

    >>> import lazyray
    >>> n = lazyray.linalg.matrix_norm(lazyray.Variable((4, 2, 3), dtype="complex64"), ord=2)
    >>> n.shape, str(n.dtype)
    ((4,), 'float32')
    """
    x = lazy("linalg.matrix_norm", x)
    if len(x._shape) < 2:
        raise ValueError(
            f"linalg.matrix_norm: needs an array of at least 2 dimensions, got shape {x._shape}"
        )
    check_ord("linalg.matrix_norm", ord, 2)
    return norm(x, ord=ord, axis=(-2, -1), keepdims=keepdims)
