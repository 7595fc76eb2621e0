"""``lazyray.scipy.linalg``: scipy's ``solve_triangular`` and ``expm``.

Each call builds one node with scipy 1.17's static shape and dtype (a
stack of matrices is accepted, as scipy's ``linalg`` batches).  The node
computes with ``scipy.linalg`` on numpy (scipy is imported when the node
runs, never when lazyray is imported), with ``torch.linalg`` on torch and
``jax.scipy.linalg`` on jax (operands first cast to the node's dtype, so
that every backend agrees with its static dtype), and with what
``autoray.get_lib_fn(backend, "scipy.linalg.<name>")`` finds elsewhere.

scipy picks the LAPACK precision of ``solve_triangular`` from the widest
operand (:func:`lapack_dtype`): booleans, 8- and 16-bit integers, ``float16``
and ``float32`` as ``float32``; wider integers and ``float64`` as
``float64``; a complex operand makes the result complex.  ``expm`` computes
integers and booleans as ``float64`` and ``float16`` as ``float32``, except
that a ``(..., 1, 1)`` stack is numpy's ``exp`` of it (:func:`expm_dtype`).

>>> import lazyray
>>> x = lazyray.scipy.linalg.solve_triangular(
...     lazyray.Variable((3, 3), dtype="float32"), lazyray.Variable((3, 2), dtype="int8"))
>>> x.shape, str(x.dtype)
((3, 2), 'float32')
"""

from __future__ import annotations

import operator

import autoray

from ..graph import dtypes
from ..graph.registry import LINALG, register
from ..graph.shapes import broadcast_shapes
from .common import LazyArray, lazy, lazy_operands, make, named
from .elementwise_general import astype
from .movement import reshape

__all__ = ["expm", "solve_triangular"]

_SOLVE = "scipy.linalg.solve_triangular"
_EXPM = "scipy.linalg.expm"


# ------------------------------------------------------------ dtype rules


def _score(d: str) -> int:
    """scipy's LAPACK type score (``scipy.linalg.blas._type_score``): 1 single,
    2 double, 3 single complex, 4 double complex."""
    if dtypes.is_complex(d):
        return 3 if d == "complex64" else 4
    if d == "bool":
        return 1
    return 1 if dtypes.itemsize(d) <= (4 if dtypes.is_floating(d) else 2) else 2


_LAPACK = {1: "float32", 2: "float64", 3: "complex64", 4: "complex128"}


def lapack_dtype(*keys: str) -> str:
    """The dtype scipy's LAPACK wrappers compute operands of dtypes ``keys``
    in (``scipy.linalg.get_lapack_funcs``): the widest operand's precision,
    where a ``complex64`` operand beside a double one is ``complex128``.

    >>> lapack_dtype("int8", "bool"), lapack_dtype("int32", "float32")
    ('float32', 'float64')
    >>> lapack_dtype("complex64", "float64"), lapack_dtype("complex64", "float16")
    ('complex128', 'complex64')
    """
    scores = [_score(k) for k in keys]
    best = max(scores)
    if best == 3 and 2 in scores:
        best = 4
    return _LAPACK[best]


def expm_dtype(d: str, shape: tuple) -> str:
    """The dtype of scipy's ``expm`` of a ``(..., n, n)`` array of dtype ``d``:
    numpy's ``exp`` of it when ``n == 1`` (and it is not empty), else
    integers and booleans as ``float64``, ``float16`` as ``float32``.

    >>> expm_dtype("int8", (3, 3)), expm_dtype("int8", (1, 1)), expm_dtype("float16", (2, 2))
    ('float64', 'float16', 'float32')
    """
    if shape[-2:] == (1, 1) and 0 not in shape:
        import numpy as np

        return dtypes.probe(np.exp, (d,))
    if dtypes.is_complex(d) or d in ("float32", "float64"):
        return d
    return "float32" if dtypes.is_floating(d) else "float64"


def _backend_dtype(backend: str, d: str, keys: tuple, numpy_semantics: bool) -> str:
    """``d`` (scipy's rule) as ``backend`` computes it: its own promotion
    (:func:`lazyray.graph.dtypes.finalize`), or scipy's dtype itself for a
    graph traced on numpy (32-bit on jax without x64)."""
    return dtypes.finalize(backend, d, (d,) if numpy_semantics else keys)


def _cast(x, want: str):
    """Array ``x`` (torch or jax) as dtype ``want`` (autoray's ``astype``)."""
    return x if dtypes.dtype_name(x.dtype) == want else autoray.astype(x, want)


# ------------------------------------------------------------ backend impls


def _solve_triangular_impl(backend: str, numpy_semantics: bool = False):
    """``solve_triangular(a, b, trans, lower, unit_diagonal, check_finite)``
    on ``backend``, with scipy's meaning (``b`` a vector only when 1-d, the
    batch dimensions broadcast)."""
    if backend in ("numpy", "autoray.numpy"):

        def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, check_finite=True):
            from scipy.linalg import solve_triangular as fn

            return fn(
                a,
                b,
                trans=trans,
                lower=lower,
                unit_diagonal=unit_diagonal,
                check_finite=check_finite,
            )

        return solve_triangular
    if backend not in ("torch", "jax"):
        return autoray.get_lib_fn(backend, _SOLVE)

    def cast(a, b):  # both operands in the node's dtype
        keys = (dtypes.dtype_name(a.dtype), dtypes.dtype_name(b.dtype))
        want = _backend_dtype(backend, lapack_dtype(*keys), keys, numpy_semantics)
        return _cast(a, want), _cast(b, want)

    if backend == "torch":
        import torch

        def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, check_finite=True):
            # (check_finite: torch has no such check)
            a, b = cast(a, b)
            if trans:  # solve op(a) x = b: op(a) is triangular the other way
                a = a.mT if trans == 1 else a.mH
            vector = b.ndim == 1
            x = torch.linalg.solve_triangular(
                a,
                b.unsqueeze(-1) if vector else b,
                upper=bool(lower) if trans else not lower,
                unitriangular=bool(unit_diagonal),
            )
            return x.squeeze(-1) if vector else x

        return named(solve_triangular, _SOLVE)

    import jax.numpy as jnp
    from jax.scipy.linalg import solve_triangular as jfn

    def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, check_finite=True):
        a, b = cast(a, b)
        if b.ndim >= 2:  # equal batch dimensions: jax reads b as scipy does, matrices
            batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
            a = jnp.broadcast_to(a, batch + a.shape[-2:])
            b = jnp.broadcast_to(b, batch + b.shape[-2:])
        return jfn(
            a, b, trans=trans, lower=lower, unit_diagonal=unit_diagonal, check_finite=check_finite
        )

    return named(solve_triangular, _SOLVE)


def _expm_impl(backend: str, numpy_semantics: bool = False):
    """``expm(a)`` of a ``(..., n, n)`` array on ``backend``, with scipy's
    result dtype (``exp`` of each element when ``n == 1``)."""
    if backend in ("numpy", "autoray.numpy"):

        def expm(a):
            from scipy.linalg import expm as fn

            return fn(a)

        return expm
    if backend not in ("torch", "jax"):
        return autoray.get_lib_fn(backend, _EXPM)
    if backend == "torch":
        import torch

        exp, mexp = torch.exp, torch.linalg.matrix_exp
    else:
        import jax.numpy as jnp
        from jax.scipy.linalg import expm as mexp

        exp = jnp.exp

    def expm(a):
        d = dtypes.dtype_name(a.dtype)
        shape = tuple(a.shape)
        want = _backend_dtype(backend, expm_dtype(d, shape), (d,), numpy_semantics)
        a = _cast(a, want)
        if shape[-1] == 1:  # scipy's shortcut: exp of each 1x1 matrix
            return exp(a)
        if 0 in shape:
            return a
        return mexp(a)

    return named(expm, _EXPM)


_solve_triangular_impl.numpy_semantics = True
_expm_impl.numpy_semantics = True
register(_SOLVE, LINALG, impl=_solve_triangular_impl, impl_is_factory=True)
register(_EXPM, LINALG, impl=_expm_impl, impl_is_factory=True)


# ------------------------------------------------------------ the ops

_TRANS = {"N": 0, "T": 1, "C": 2}


def _trans(trans) -> int:
    """``trans`` as 0, 1 or 2 (scipy's spellings: those numbers, ``"N"``,
    ``"T"``, ``"C"``)."""
    if isinstance(trans, str):
        t = _TRANS.get(trans)
    else:
        try:
            t = operator.index(trans)
        except TypeError:
            t = None
    if t not in (0, 1, 2):
        raise ValueError(f"{_SOLVE}: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
    return t


def _no_empty_batch(op: str, batch: tuple, shapes: str) -> None:
    if batch and 0 in batch:  # scipy's batching loop needs one matrix at least
        raise ValueError(f"{op}: zero-size batches are not supported (scipy's rule), got {shapes}")


def solve_triangular(
    a,
    b,
    trans: int | str = 0,
    lower: bool = False,
    unit_diagonal: bool = False,
    overwrite_b: bool = False,
    check_finite: bool = True,
) -> LazyArray:
    """Solve ``op(a) @ x = b`` for a triangular ``a`` (scipy's
    ``solve_triangular``).

    Parameters
    ----------
    a : array_like, (..., M, M)
        Triangular matrix, or a stack of them; only the triangle named by
        ``lower`` is read.
    b : array_like, (M,) or (..., M, N)
        Right-hand side: a vector only when 1-d, else a (stack of) matrices
        whose batch dimensions broadcast against ``a``'s.
    trans : {0, 1, 2, 'N', 'T', 'C'}
        ``op(a)``: ``a``, its transpose or its conjugate transpose.
    lower : bool
        Read the lower triangle of ``a`` (default: the upper one).
    unit_diagonal : bool
        Take the diagonal of ``a`` as ones, without reading it.
    overwrite_b : bool
        Accepted and ignored: a lazy graph never overwrites its inputs.
    check_finite : bool
        Passed to the backend where it has such a check (scipy: a
        ``ValueError`` at compute time for infinities or nans).

    Returns
    -------
    LazyArray
        ``x``, of shape ``batch + b.shape[-1:]`` (``b`` 1-d) or ``batch +
        b.shape[-2:]``, and scipy's LAPACK dtype of the operands
        (:func:`lapack_dtype`).

    Raises
    ------
    ValueError
        ``a`` is not a (stack of) square matrices, ``b`` is 0-d or does not
        match ``a``, the batch dimensions do not broadcast or are empty, or
        ``trans`` is not one of scipy's values.

    Examples
    --------
    >>> import numpy as np, lazyray
    >>> a = lazyray.array(np.array([[2.0, 0.0], [1.0, 1.0]]))
    >>> x = lazyray.scipy.linalg.solve_triangular(a, np.array([2.0, 3.0]), lower=True)
    >>> x.shape, str(x.dtype), x.compute()
    ((2,), 'float64', array([1., 2.]))
    >>> lazyray.scipy.linalg.solve_triangular(
    ...     lazyray.Variable((5, 1, 3, 3)), lazyray.Variable((4, 3, 2)), trans="T").shape
    (5, 4, 3, 2)
    """
    del overwrite_b  # a lazy graph never overwrites its inputs
    (a, b), _ = lazy_operands(_SOLVE, (a, b))
    a, b = lazy(_SOLVE, a), lazy(_SOLVE, b)
    t = _trans(trans)
    sa, sb = a._shape, b._shape
    if len(sa) < 2 or sa[-1] != sa[-2]:
        raise ValueError(f"{_SOLVE}: expected a square matrix (or a stack of them), got {sa}")
    if not sb:
        raise ValueError(f"{_SOLVE}: b must be at least 1-d, got shape {sb}")
    core = sb[-2:] if len(sb) >= 2 else sb
    if core[0] != sa[-1]:
        raise ValueError(f"{_SOLVE}: shapes of a {sa} and b {sb} are incompatible")
    batch = broadcast_shapes(_SOLVE, sa[:-2], sb[: len(sb) - len(core)])
    _no_empty_batch(_SOLVE, batch, f"a {sa} and b {sb}")
    keys = (a._dtype, b._dtype)
    dt = dtypes.finalize(a._backend, lapack_dtype(*keys), keys)
    kwargs = {
        "trans": t or None,
        "lower": True if lower else None,
        "unit_diagonal": True if unit_diagonal else None,
        "check_finite": None if check_finite else False,
    }
    return make(_SOLVE, (a, b), kwargs, batch + core, dt)


def expm(A) -> LazyArray:  # noqa: N803 - scipy's name
    """Matrix exponential (scipy's ``expm``) of a square matrix, or of each
    matrix of a stack.

    Parameters
    ----------
    A : array_like, (..., N, N)
        The matrices (scipy also takes a single element, 0-d or 1-d, as a
        ``(1, 1)`` matrix of a Python number).

    Returns
    -------
    LazyArray
        ``exp(A)``, of ``A``'s shape, in scipy's dtype (:func:`expm_dtype`):
        integers and booleans as ``float64``, ``float16`` as ``float32``.

    Raises
    ------
    ValueError
        ``A`` has fewer than 2 dimensions (and more than one element), or is
        not square in its last two.

    Examples
    --------
    >>> import numpy as np, lazyray
    >>> e = lazyray.scipy.linalg.expm(lazyray.array(np.zeros((2, 2), dtype="int64")))
    >>> e.shape, str(e.dtype), e.compute()
    ((2, 2), 'float64', array([[1., 0.],
           [0., 1.]]))
    >>> str(lazyray.scipy.linalg.expm(lazyray.Variable((4, 3, 3), dtype="complex64")).dtype)
    'complex64'
    """
    a = lazy(_EXPM, A)
    s = a._shape
    if len(s) < 2:
        if s not in ((), (1,)):
            raise ValueError(f"{_EXPM}: needs an array of at least 2 dimensions, got shape {s}")
        # scipy: exp of the element as a Python number, in a (1, 1) matrix
        d = a._dtype
        kind = "complex128" if dtypes.is_complex(d) else "float16" if d == "bool" else "float64"
        a = astype(reshape(a, (1, 1)), kind)
        s = a._shape
    if s[-1] != s[-2]:
        raise ValueError(f"{_EXPM}: last 2 dimensions must be square, got shape {s}")
    dt = dtypes.finalize(a._backend, expm_dtype(a._dtype, s), (a._dtype,))
    return make(_EXPM, (a,), None, s, dt)
