"""The cost of an einsum from its equation and shapes (opt_einsum's
convention): :mod:`lazyray.inspect.flops` counts it, and ``einsum`` uses it
to choose numpy's path search."""

from __future__ import annotations

import math

__all__ = ["einsum_flops"]


def einsum_flops(eq: str, shapes) -> int:
    """Cost of ``einsum(eq, *operands)`` in opt_einsum's convention.

    ``eq`` must have an explicit output (``"ij,jk->ik"``); ellipses are
    allowed.

    >>> einsum_flops("ij,jk->ik", [(2, 3), (3, 4)])  # 2 * 2*3*4
    48
    >>> einsum_flops("i,j->ij", [(5,), (6,)])  # an outer product: no sum
    30
    """
    lhs, _, rhs = eq.partition("->")
    sizes: dict = {}
    for term, shape in zip(lhs.split(","), shapes):
        labels = term.replace("...", "")
        if "..." in term:
            pre = term.index("...")
            n_ell = len(shape) - len(labels)
            # ellipsis dimensions, labelled by their distance from the right
            for j in range(n_ell):
                key = ("...", n_ell - j)
                sizes[key] = max(sizes.get(key, 1), shape[pre + j])
            dims = shape[:pre] + shape[pre + n_ell :]
        else:
            dims = shape
        for c, d in zip(labels, dims):
            sizes[c] = max(sizes.get(c, 1), d)
    total = math.prod(sizes.values())
    out = set(rhs.replace("...", ""))
    inner = any(type(k) is str and k not in out for k in sizes)
    return total * (max(1, len(shapes) - 1) + inner)
