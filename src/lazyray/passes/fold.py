"""Constant folding.

Every op node that does not depend on a variable is computed now and
replaced by an ``array`` leaf holding its value.  Only the *frontier* (the
constant nodes that a variable-dependent node, or the caller, uses) becomes
a leaf; constant intermediates are freed as soon as they have been used.
Creation ops (``zeros``, ``eye``, ``arange``...) fold too.

What is a variable: with ``variables=None`` every leaf is (arrays too), so
only subgraphs without leaves (creation ops and what is built from them)
fold; given ``variables``, those lazy arrays and every data-less
:func:`~lazyray.Variable` are, and all other array leaves are constants.

The folded values are computed by the very same backend calls on copies of
the constant nodes (the user's nodes are never computed nor mutated), so this
is bit-for-bit.
"""

from __future__ import annotations

from ..graph.evaluate import compute_nodes
from ..graph.node import _leaf
from ..graph.sharing import no_sharing
from ..graph.traverse import find_lazy
from .core import map_outputs, rebuilt, topo, variable_ids

__all__ = ["fold"]


def fold(outputs, variables=None, *, copy: bool = True, stats: dict | None = None):
    """Compute every part of the graph that does not depend on ``variables``.

    Parameters
    ----------
    outputs : pytree of LazyArray
        The graph's outputs.
    variables : pytree of LazyArray, optional
        The inputs whose values are not known yet (see the module docstring
        for ``None``).
    copy : bool, optional
        Build new nodes for every op node (default); see
        :mod:`lazyray.passes.core`.
    stats : dict, optional
        Receives ``{"folded": number of nodes computed away}``.

    Returns
    -------
    The optimized outputs, in the same pytree.

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> x = lazyray.Variable((3,))
    >>> c = lazyray.array(np.arange(3.0))
    >>> y = x + lazyray.exp(c) * 2
    >>> [n.fn_name for n in lazyray.ascend(fold(y, variables=[x]))]
    ['variable', 'array', 'add']
    """
    nodes = list(topo(outputs))
    var = variable_ids(nodes, variables)
    out_ids = {id(n) for n in find_lazy(outputs)}
    dependent = set()
    frontier = {}
    for node in nodes:
        if node._fn is None:
            if id(node) in var:
                dependent.add(id(node))
            continue
        deps = node._deps
        if any(id(d) in dependent for d in deps) or (
            type(node._dtype) is tuple and id(node) in out_ids
        ):
            # (a multi-output node folds through its items; as an output it stays)
            dependent.add(id(node))
            for d in deps:
                if id(d) not in dependent and d._fn is not None:
                    frontier[id(d)] = d
        elif id(node) in out_ids:
            frontier[id(node)] = node
    mapping = {}
    with no_sharing():
        if frontier:
            const = {}
            for node in topo(list(frontier.values())):
                const[id(node)] = node if node._fn is None else rebuilt(node, const, True)
            copies = [const[i] for i in frontier]
            del const  # let constant intermediates go as soon as they are used
            compute_nodes(copies)
            for i, c in zip(frontier, copies):
                f = frontier[i]
                mapping[i] = _leaf("array", c._data, f._shape, f._dtype, f._backend)
            del copies
        n_const = 0
        for node in nodes:
            nid = id(node)
            if nid in mapping:
                continue
            if node._fn is None or nid in dependent:
                mapping[nid] = node if node._fn is None else rebuilt(node, mapping, copy)
            else:
                n_const += 1  # an interior constant: nothing refers to it any more
        out = map_outputs(outputs, mapping)
    if stats is not None:
        stats["folded"] = stats.get("folded", 0) + n_const + len(frontier)
    return out
