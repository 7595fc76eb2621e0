"""Common subexpression elimination over a whole graph.

Two op nodes are merged when they have the same exact key (op name,
dependency identities after merging, and every static argument with its type
and, for floats, its IEEE-754 bits: the keys of :mod:`lazyray.sharing`), so
the result is the graph :func:`lazyray.shared_intermediates` would have built.
Two leaves are merged when they wrap the very same data object (with the same
shape, dtype and backend).  Variables and the given ``variables`` are never
merged.  Bit-for-bit: merged nodes compute the same call on the same inputs.

This is the rewrite engine (:mod:`.engine`) with hash-consing and no rule.
"""

from __future__ import annotations

from .engine import run

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
    return run(outputs, variables=variables, copy=copy, stats=stats)
