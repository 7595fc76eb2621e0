"""Dead code elimination.

A lazy graph is what its outputs reach, so rebuilding from the outputs drops
every node no output needs: the branches a multi-output graph (a dict or
tuple of outputs, a :class:`~lazyray.Function`) traced but does not return,
and the ``item`` nodes of outputs of multi-output ops nobody uses.  On top of
that, a multi-output op only part of whose outputs are used is narrowed to a
cheaper op computing just those:

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

from ..graph.sharing import no_sharing
from .core import map_outputs, rebuilt, topo

__all__ = ["dce"]


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
    nodes = list(topo(outputs))
    used = {}  # id(multi-output base) -> indices of its items the graph uses
    for node in nodes:
        if node._op == "item" and type(node._op) is str and node._fn is not None:
            base, i = node._args
            used.setdefault(id(base), set()).add(i)
    mapping = {}
    narrowed = set()
    with no_sharing():
        for node in nodes:
            if node._fn is None:
                mapping[id(node)] = node
                continue
            if node._op == "item" and type(node._op) is str:
                base, i = node._args
                rule = NARROW.get(base._op) if type(base._op) is str else None
                if (
                    rule is not None
                    and base._fn is not None
                    and (rule[1] or not exact)
                    and len(used[id(base)]) < len(base._dtype)
                ):
                    x = mapping[id(base._args[0])]
                    new = rule[0](base, i, x)
                    if new is not None and new._shape == node._shape and new._dtype == node._dtype:
                        mapping[id(node)] = new
                        narrowed.add(id(base))
                        continue
            mapping[id(node)] = rebuilt(node, mapping, copy)
        # the copy of a narrowed base (built before its items were visited) is
        # reachable from no output, so it is not part of the result
        out = map_outputs(outputs, mapping)
    if stats is not None:
        stats["narrowed"] = stats.get("narrowed", 0) + len(narrowed)
    return out
