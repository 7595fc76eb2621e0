"""Narrowing of partly used multi-output ops: the rule the engine's
narrowing walk applies to ``item`` nodes (:mod:`.engine`, :func:`lazyray.passes.dce`)."""

from __future__ import annotations

from ..graph.node import LazyArray
from .core import Rule

__all__ = ["NARROW", "NARROW_RULE"]


def _split_item(base, i, x):
    """Output ``i`` of ``split`` as the slice numpy's ``array_split`` takes."""
    from ..ops.indexing import getitem

    _, static = base._args
    axis = base._kwargs["axis"]
    n = x._shape[axis]
    if isinstance(static, tuple):
        bounds = [0, *static, n]
        start, stop = bounds[i], bounds[i + 1]
    else:
        size = n // static
        start, stop = i * size, (i + 1) * size
    return getitem(x, (slice(None),) * axis + (slice(start, stop),))


def _eigvalsh(base, i, x):
    from ..ops.linalg import eigvalsh

    return eigvalsh(x) if i == 0 else None


# op of a multi-output node: (builder of a replacement for used output i, exact)
NARROW = {
    "split": (_split_item, True),  # each used piece becomes a basic slice (a view)
    "linalg.eigh": (_eigvalsh, False),  # eigenvalues only: eigvalsh (no eigenvectors)
}


def _narrow(node, ctx):
    """Output ``i`` of a partly used multi-output op, computed alone."""
    base, i = node._args
    if type(base) is not LazyArray or base._fn is None or type(base._op) is not str:
        return None
    entry = NARROW.get(base._op)
    used = ctx.used.get(id(base))
    if entry is None or (ctx.exact and not entry[1]) or used is None:
        return None
    if len(used) >= len(base._dtype):
        return None  # every output used: nothing to save
    new = entry[0](base, i, base._args[0])
    if new is not None:
        ctx.narrowed.add(id(base))
    return new


#: the narrowing rule, applied by the engine's narrowing walk (``ctx.used``:
#: the outputs used of each multi-output node; exactness is per op, above)
NARROW_RULE = Rule("narrow", "item", _narrow)
