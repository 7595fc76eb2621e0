"""Common subexpression elimination over a whole graph.

Two op nodes are merged when they have the same exact key (the key of
:mod:`lazyray.graph.sharing`: op name, dependency identities after merging, and
every static argument with its type and, for floats, its IEEE-754 bits), so
the result is the graph :func:`lazyray.shared_intermediates` would have built.
Two leaves are merged when they wrap the very same data object (with the same
shape, dtype and backend).  Variables and the given ``variables`` are never
merged.  Bit-for-bit: merged nodes compute the same call on the same inputs.
"""

from __future__ import annotations

from ..graph.sharing import no_sharing, node_key
from ..graph.traverse import find_lazy
from .core import map_outputs, rebuilt, topo

__all__ = ["cse"]


def cse(outputs, variables=None, *, copy: bool = True, stats: dict | None = None):
    """Merge identical nodes of the graph behind ``outputs``.

    Parameters
    ----------
    outputs : pytree of LazyArray
        The graph's outputs.
    variables : pytree of LazyArray, optional
        Inputs that must stay distinct nodes even if they wrap the same data.
    copy : bool, optional
        Build a new node for every op node (default), so that the user's
        nodes are never shared with the result; see :mod:`.core`.
    stats : dict, optional
        Receives ``{"merged": number of nodes merged away}``.

    Returns
    -------
    The optimized outputs, in the same pytree.

    Examples
    --------
    >>> import lazyray
    >>> x = lazyray.Variable((3,))
    >>> y = lazyray.sin(x) * 2 + lazyray.sin(x) * 2
    >>> len(list(lazyray.ascend(y))), len(list(lazyray.ascend(cse(y))))
    (6, 4)
    """
    protect = {id(v) for v in find_lazy(variables)} if variables is not None else set()
    table = {}
    mapping = {}
    merged = 0
    keep = []
    with no_sharing():
        for node in topo(outputs):
            if node._fn is None:
                data = node._data
                if data is None or id(node) in protect:
                    mapping[id(node)] = node
                    continue
                key = ("<leaf>", id(data), node._shape, node._dtype, node._backend)
            else:
                node_new = rebuilt(node, mapping, copy)
                key = node_key(node_new, keep)
                keep.clear()  # the graph itself keeps those objects alive
            hit = table.get(key)
            if hit is None:
                new = node if node._fn is None else node_new
                table[key] = new
            else:
                new = hit
                merged += 1
            mapping[id(node)] = new
        out = map_outputs(outputs, mapping)
    if stats is not None:
        stats["merged"] = stats.get("merged", 0) + merged
    return out
