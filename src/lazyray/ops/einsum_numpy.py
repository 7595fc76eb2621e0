"""numpy's kernels of einsum nodes: numpy's optimized (BLAS) einsum, and a
two-operand einsum that is one ``tensordot`` planned from the static shapes.
"""

from __future__ import annotations

import numpy as np

from .buffers import steps, tensordot_plan

__all__ = ["PairEinsum", "einsum_optimized"]

_ndarray = np.ndarray


def einsum_optimized(*operands):
    """``numpy.einsum(*operands, optimize=True)``, a 0-d result as a numpy
    scalar (as numpy's plain einsum gives it)."""
    out = np.einsum(*operands, optimize=True)
    # plain einsum gives a numpy scalar for a 0-d result, the optimized one a
    # 0-d array: keep the type the other einsum paths give
    return out[()] if type(out) is np.ndarray and out.ndim == 0 else out


einsum_optimized.__name__ = "einsum"


class PairEinsum:
    """numpy's optimized einsum of two operands when it is one ``tensordot``
    (and a transpose of its result): the steps planned once from the static
    shapes, so that a call skips numpy's path search (about 12 us).

    >>> import numpy as np
    >>> fn = PairEinsum.of("ab,apc->bpc", ((3, 4), (3, 2, 5)))
    >>> a, b = np.ones((3, 4)), np.ones((3, 2, 5))
    >>> bool((fn("ab,apc->bpc", a, b) == np.einsum("ab,apc->bpc", a, b)).all())
    True
    >>> PairEinsum.of("ab,ab->ab", ((3, 4), (3, 4))) is None  # a batch label
    True
    """

    __slots__ = ("plan", "axes", "perm")
    __name__ = "einsum"

    def __init__(self, plan, axes, perm):
        self.plan, self.axes, self.perm = plan, axes, perm

    @classmethod
    def of(cls, eq: str, shapes: tuple):
        """The planned einsum of ``eq`` on operands of ``shapes``, or None
        where it is not one tensordot: not two operands, an ellipsis, a label
        repeated in an operand, summed from one operand or kept from both, or
        sizes that differ (a broadcast 1)."""
        if len(shapes) != 2 or "." in eq:
            return None
        lhs, out = eq.split("->")
        ta, tb = lhs.split(",")
        if len(set(ta)) < len(ta) or len(set(tb)) < len(tb):
            return None
        both = [c for c in ta if c in tb]
        free = [c for c in ta + tb if c not in both]
        if any(c in out for c in both) or len(free) != len(out):
            return None
        axes = (tuple(ta.index(c) for c in both), tuple(tb.index(c) for c in both))
        sa, sb = shapes
        if any(sa[i] != sb[j] for i, j in zip(*axes)):
            return None
        perm = tuple(free.index(c) for c in out)
        perm = None if perm == tuple(range(len(perm))) else perm
        return cls(tensordot_plan(sa, sb, axes), axes, perm)

    def __call__(self, eq, a, b):
        plan = self.plan
        if not (type(a) is type(b) is _ndarray and a.shape == plan[0] and b.shape == plan[1]):
            return einsum_optimized(eq, a, b)
        out = steps(plan, a, b)
        if self.perm is not None:
            return out.transpose(self.perm)
        return out[()] if out.ndim == 0 else out
