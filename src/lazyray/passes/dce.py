"""Dead code elimination.

A lazy graph is what its outputs reach, so rebuilding from the outputs drops
every node no output needs: the branches a multi-output graph (a dict or
tuple of outputs, a :class:`~lazyray.Function`) traced but does not return,
and the ``item`` nodes of outputs of multi-output ops nobody uses.  On top of
that, a multi-output op only part of whose outputs are used is narrowed to a
cheaper op computing just those (a rule of the engine, :mod:`.engine`, on
``item`` nodes, applied by a second walk once every use is known):

==================  =======================================  ===================
op, outputs used    replaced by                              values
==================  =======================================  ===================
``split``, some     one ``getitem`` slice per used output    bit-for-bit (the
                                                             same views)
``linalg.eigh``,    ``linalg.eigvalsh``                      within 1e-12
eigenvalues only                                             relative to
                                                             ``max |w|``
                                                             (another LAPACK
                                                             driver)
==================  =======================================  ===================

``exact=True`` keeps only the bit-for-bit narrowings.
"""

from __future__ import annotations

from ..graph.node import LazyArray
from .core import Rule
from .engine import run

__all__ = ["dce", "NARROW", "NARROW_RULE"]


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


def dce(outputs, *, exact: bool = False, copy: bool = True, stats: dict | None = None):
    """Drop what the outputs do not need; narrow partly used multi-output ops.

    Parameters
    ----------
    outputs : pytree of LazyArray
        The graph's outputs.
    exact : bool, optional
        Only apply bit-for-bit narrowings (see the module table).
    copy : bool, optional
        Build new nodes for every op node (default); see
        :mod:`lazyray.passes.core`.
    stats : dict, optional
        Receives ``{"narrowed": number of multi-output ops narrowed}``.

    Returns
    -------
    The optimized outputs, in the same pytree.

    Examples
    --------
    >>> import lazyray
    >>> w, v = lazyray.linalg.eigh(lazyray.Variable((4, 4)))
    >>> [n.fn_name for n in lazyray.ascend(dce(w + 1))]
    ['variable', 'linalg.eigvalsh', 'add']
    """
    return run(outputs, cse=False, narrow=True, exact=exact, copy=copy, stats=stats)
