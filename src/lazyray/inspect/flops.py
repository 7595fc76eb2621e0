"""FLOP estimates per node, by op name and family.

The counts are the usual textbook estimates of floating point operations on
the array's scalars, whatever their dtype (a complex multiply-add counts as
2, not 8):

- contractions (``matmul``, ``tensordot``, ``dot``, ``inner``, ``vdot``,
  ``einsum``...) follow opt_einsum's convention: the product of the sizes of
  all distinct indices, times ``max(1, n_operands - 1)``, plus one more time
  when some index is summed over.  A matrix product ``(m, k) @ (k, n)`` thus
  costs ``2 m k n`` (one multiply and one add per term), an outer product
  ``m n``;
- elementwise ops cost one operation per output element (data movement
  such as ``astype``, ``real`` or ``positive`` costs nothing);
- reductions cost one operation per input element (``std``/``var`` three);
- movement, indexing, creation and joining cost nothing (``sort`` costs
  ``n log2(n)`` comparisons, ``trace`` one add per diagonal element);
- linear algebra is counted at the textbook cost of the standard algorithm
  (Golub & Van Loan, *Matrix Computations*): ``inv`` ``2n^3``, ``solve``
  ``2n^3/3 + 2n^2 k``, ``cholesky`` ``n^3/3``, ``det``/``slogdet``
  ``2n^3/3``, ``qr`` (reduced, Householder with thin Q) ``4mn^2 - 4n^3/3``,
  ``svd`` (thin, Golub-Reinsch) ``14mn^2 + 8n^3``, ``eigh`` ``9n^3``,
  ``eigvalsh`` ``4n^3/3``, ``eig`` ``25n^3``, ``eigvals`` ``10n^3``, with
  ``m >= n`` the larger and smaller matrix dimensions, times the number of
  matrices in a batch;
- leaves and already computed nodes cost nothing (they need no more work);
  a node computed by a user callable has unknown cost: :func:`node_flops`
  gives ``None`` for it.
"""

from __future__ import annotations

import math

from ..graph.node import LazyArray
from ..graph.registry import OPS
from ..ops.cost import einsum_flops

__all__ = ["node_flops", "einsum_flops"]

_ELEMENTWISE = frozenset(("unary", "binary", "ternary"))
_FREE_ELEMENTWISE = frozenset(("positive", "real", "imag", "astype", "conj"))
_FREE_FAMILIES = frozenset(("movement", "indexing", "creation", "combine", "leaf"))


def operand_shape(x) -> tuple:
    """The shape of an op's argument: a lazy array's, an array's, or ``()``."""
    return x._shape if type(x) is LazyArray else tuple(getattr(x, "shape", ()))


def _size(x) -> int:
    return math.prod(operand_shape(x))


def _contraction(node) -> int:
    op = node._op
    args = node._args
    if op == "einsum":
        return einsum_flops(args[0], [operand_shape(a) for a in args[1:]])
    sa, sb = operand_shape(args[0]), operand_shape(args[1])
    out = math.prod(node._shape)
    if op == "tensordot":
        axes = (node._kwargs or {}).get("axes", ((), ()))
        k = math.prod(sa[i] for i in axes[0])
        return 2 * out * k if axes[0] else out
    if op in ("matmul", "dot", "inner"):
        if not sa or not sb:  # dot with a scalar: a plain product
            return out
        return 2 * out * sa[-1]
    if op == "vdot":
        return 2 * math.prod(sa)
    if op == "vecdot":  # the contracted axis counts on the broadcast shape
        ax = (node._kwargs or {}).get("axis", -1)
        ax = ax - max(len(sa), len(sb)) if ax >= 0 else ax
        return 2 * out * max((s[ax] for s in (sa, sb) if len(s) >= -ax), default=1)
    return out  # outer, kron


def _matrix_dims(shape) -> tuple:
    """``(batch, m, n)`` with ``m >= n`` of a (batch of) matrices."""
    m, n = shape[-2], shape[-1]
    return math.prod(shape[:-2]), max(m, n), min(m, n)


def _linalg(node) -> int:
    op = node._op.removeprefix("scipy.")[7:]  # strip "linalg."
    sa = operand_shape(node._args[0])
    kw = node._kwargs or {}
    if op == "norm":
        if kw.get("ord") in (2, -2, "nuc") and len(sa) >= 2:
            b, m, n = _matrix_dims(sa)
            return b * (4 * m * n * n - 4 * n**3 // 3)
        return 2 * math.prod(sa)
    b, m, n = _matrix_dims(sa)
    if op == "svd":
        if kw.get("full_matrices"):
            return b * (4 * m * m * n + 8 * m * n * n + 9 * n**3)
        return b * (14 * m * n * n + 8 * n**3)
    if op == "pinv":
        return b * (14 * m * n * n + 8 * n**3 + 2 * m * n * n)
    if op == "qr":
        if kw.get("mode") == "complete":
            return b * (2 * n * n * m - 2 * n**3 // 3 + 4 * (m * m * n - m * n * n + n**3 // 3))
        return b * (4 * m * n * n - 4 * n**3 // 3)
    if op in ("solve", "solve_triangular"):  # (an LU first, or a triangle already)
        sb = operand_shape(node._args[1])
        k = 1 if len(sb) == 1 else sb[-1]
        batch = math.prod(node._shape[:-2]) if len(sb) > 1 else math.prod(node._shape[:-1])
        if op == "solve_triangular":
            return max(batch, 1) * n * n * k
        return max(batch, 1) * (2 * n**3 // 3 + 2 * n * n * k)
    if op == "expm":  # Pade 13: 6 products and a solve (the squarings depend on the norm)
        return b * (12 * n**3 + 8 * n**3 // 3)
    cubic = {
        "inv": 2.0,
        "det": 2 / 3,
        "slogdet": 2 / 3,
        "cholesky": 1 / 3,
        "eigh": 9.0,
        "eigvalsh": 4 / 3,
        "eig": 25.0,
        "eigvals": 10.0,
    }
    if op in cubic:
        return b * int(cubic[op] * n**3)
    if op == "matrix_power":  # squarings and products, and an inverse for p < 0
        p = node._args[1]
        q = abs(p)
        mults = q.bit_length() + bin(q).count("1") - 2 if q > 1 else 0
        return b * (mults + (p < 0)) * 2 * n**3
    return None


def node_flops(node: LazyArray) -> int | None:
    """Estimated floating point operations to compute ``node``.

    Returns 0 for leaves and computed nodes, and None when the cost is
    unknown (a node computed by a user callable).  See the module docstring
    for the conventions.

    >>> import lazyray
    >>> a, b = lazyray.Variable((2, 3)), lazyray.Variable((3, 4))
    >>> node_flops(a @ b), node_flops(lazyray.tanh(a)), node_flops(a.sum())
    (48, 6, 6)
    """
    if node._fn is None:
        return 0
    op = node._op
    opdef = OPS.get(op) if type(op) is str else None
    if opdef is None:
        return None
    family = opdef.family
    if family in _ELEMENTWISE:
        return 0 if op in _FREE_ELEMENTWISE else math.prod(node._shape)
    if family == "contraction":
        return _contraction(node)
    if family == "reduction":
        return (3 if op in ("std", "var") else 1) * _size(node._args[0])
    if family == "linalg":
        return _linalg(node)
    if family in _FREE_FAMILIES:
        kw = node._kwargs or {}
        if op == "trace":
            s = operand_shape(node._args[0])
            return math.prod(node._shape) * min(s[kw.get("axis1", 0)], s[kw.get("axis2", 1)])
        if op in ("sort", "argsort"):
            s = operand_shape(node._args[0])
            n = _size(node._args[0])
            axis = kw.get("axis")
            k = s[axis] if axis is not None else n
            return int(n * math.log2(k)) if k > 1 else 0
        return 0
    if op == "allclose":
        return 3 * max(_size(node._args[0]), _size(node._args[1]))
    return 0 if op == "item" else None
