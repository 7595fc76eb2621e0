"""Graph optimization passes and :func:`optimize`, which chains them.

Each pass is a function ``outputs -> outputs`` (same pytree) in its own
module, runnable alone:

========================  ====================================================
:func:`cse`               merge identical nodes (exact keys)
:func:`dce`               drop unused nodes, narrow partly used multi-output ops
:func:`fold`              compute what does not depend on the variables
:func:`simplify`          peephole rules, a table (:data:`SIMPLIFY_RULES`)
:func:`lower`             cheaper equivalent backend calls (:data:`LOWER_RULES`)
========================  ====================================================

and :func:`memory_order` / :func:`peak_memory` choose and predict a
memory-aware execution order.  :func:`optimize` runs its default passes as a
single walk of the graph (:mod:`.fused`), which gives the very graph the
passes give one by one, several times faster; :class:`lazyray.Function`,
which needs only a tape, applies them without building the optimized graph
(:mod:`.direct`).

No pass mutates the nodes it is given: each builds new nodes, so the user's
graph is untouched and the optimized graph shares only leaves with it (see
:mod:`lazyray.passes.core`).  No pass changes a result's shape or dtype; the
values are bit-for-bit identical except for the rules documented as "within
1e-12 relative" (``exact=False``; only float64/complex128 contractions), which
``exact=True`` leaves out.
"""

from __future__ import annotations

import gc

from .core import copy_graph
from .cse import cse
from .dce import dce
from .fold import fold
from .fused import Fallback, fused
from .lower import RULES as LOWER_RULES
from .lower import lower
from .order import Schedule, compute_in_order, memory_order, peak_memory
from .simplify import RULES as SIMPLIFY_RULES
from .simplify import simplify

__all__ = [
    "optimize",
    "cse",
    "dce",
    "fold",
    "simplify",
    "lower",
    "memory_order",
    "peak_memory",
    "compute_in_order",
    "Schedule",
    "PASSES",
    "DEFAULT_PASSES",
    "SIMPLIFY_RULES",
    "LOWER_RULES",
]

#: the passes by name
PASSES = {"cse": cse, "dce": dce, "fold": fold, "simplify": simplify, "lower": lower}

#: what :func:`optimize` runs by default, in this order: merge first (so that
#: DCE sees every use of a multi-output op and folding computes shared
#: constants once), simplify again after lowering (lowering adds transposes),
#: and merge what the rewrites made identical
DEFAULT_PASSES = ("cse", "dce", "fold", "simplify", "lower", "simplify", "cse")

# the default passes without folding (``Function(..., fold_constants=False)``)
_NO_FOLD = tuple(p for p in DEFAULT_PASSES if p != "fold")


def optimize(
    outputs,
    passes=None,
    variables=None,
    *,
    exact: bool = False,
    stats: dict | None = None,
):
    """Optimize the graph behind ``outputs``; returns new outputs, same pytree.

    The user's nodes are never mutated: the result is a new graph sharing
    only leaves with the original, computing the same shapes, dtypes and
    values (bit-for-bit, except for the lowering rules documented as within
    1e-12 relative, which ``exact=True`` turns off).

    Parameters
    ----------
    outputs : pytree of LazyArray
        The graph's outputs (a lazy array, or tuples, lists and dicts).
    passes : sequence of str or callable, optional
        Pass names from :data:`PASSES` (or functions ``outputs -> outputs``),
        run in order; default :data:`DEFAULT_PASSES`.
    variables : pytree of LazyArray, optional
        The inputs whose values are not known yet: everything else that does
        not depend on them is folded into constants (``None``: every leaf is a
        variable, so only leaf-free subgraphs such as creation ops fold), and
        they are never merged with other leaves.
    exact : bool, optional
        Only bit-for-bit rewrites.
    stats : dict, optional
        Receives per-pass counts (merged, folded, narrowed, and the number of
        times each rewrite rule fired).  The counts need the passes run one by
        one; without ``stats``, the default passes (with or without ``fold``)
        run as a single walk of the graph (:func:`.fused.fused`), which gives
        the very same graph several times faster.

    Returns
    -------
    The optimized outputs, in the same pytree.

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> x = lazyray.Variable((4,))
    >>> y = lazyray.tensordot(lazyray.conj(x), x, 1) * 1 + lazyray.sum(lazyray.ones(3))
    >>> z = lazyray.optimize(y, variables=[x])
    >>> [n.fn_name for n in lazyray.ascend(z)]
    ['variable', 'dot', 'array', 'add']
    """
    if passes is None:
        passes = DEFAULT_PASSES
    if stats is None:
        names = tuple(p if isinstance(p, str) else None for p in passes)
        if names == DEFAULT_PASSES or names == _NO_FOLD:
            # the same graph as the passes one by one, in one walk (see .fused)
            try:
                return fused(outputs, variables, exact=exact, fold=names == DEFAULT_PASSES)
            except Fallback:
                pass
    enabled = gc.isenabled()
    gc.disable()  # passes make no reference cycles; collections would rescan the graph
    try:
        return _run(outputs, passes, variables, exact, stats)
    finally:
        if enabled:
            gc.enable()


def _run(outputs, passes, variables, exact, stats):
    fresh = True  # whether the current graph may still hold the user's nodes
    for p in passes:
        try:
            fn = PASSES[p] if isinstance(p, str) else p
        except KeyError:
            raise KeyError(f"optimize: unknown pass {p!r}; passes are {sorted(PASSES)}") from None
        if fn in (cse, dce, fold, simplify, lower):
            kwargs = {"copy": fresh, "stats": stats}
            if fn is cse or fn is fold:
                kwargs["variables"] = variables
            if fn is dce or fn is lower:
                kwargs["exact"] = exact
            outputs = fn(outputs, **kwargs)
            fresh = False
        else:  # a user pass may return the nodes it was given
            outputs = fn(outputs)
            fresh = True
    if fresh:  # hand back a graph of new nodes all the same
        outputs = copy_graph(outputs)
    return outputs
