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
is bit-for-bit.  This is the rewrite engine (:mod:`.engine`) with folding and
no rule: constant nodes are never rewritten by the engine's rules either.
"""

from __future__ import annotations

from .engine import run

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
    return run(outputs, cse=False, fold="compute", variables=variables, copy=copy, stats=stats)
