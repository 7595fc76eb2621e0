"""Graph optimization: one rewrite engine (:mod:`.engine`), :func:`optimize`.

Every optimization is the engine's bottom-up walk with some of its features
on; each pass is the engine with a subset of them, runnable alone as a
function ``outputs -> outputs`` (same pytree):

========================  ====================================================
:func:`cse`               merge identical nodes (hash-consing, exact keys)
:func:`dce`               drop unused nodes, narrow partly used multi-output ops
:func:`fold`              compute what does not depend on the variables
:func:`simplify`          peephole rules, a table (:data:`SIMPLIFY_RULES`)
:func:`lower`             cheaper equivalent backend calls (:data:`LOWER_RULES`)
========================  ====================================================

:func:`optimize` runs passes as one engine walk with all their features (the
rules of each node applied to a fixed point), :class:`lazyray.Function` and
``compute(optimize=True)`` use the same engine, and :func:`memory_order` /
:func:`peak_memory` choose and predict a memory-aware execution order.

No pass mutates the nodes it is given: each builds new nodes, so the user's
graph is untouched and the optimized graph shares only leaves with it (see
:mod:`lazyray.passes.core`).  No pass changes a result's shape or dtype; the
values are bit-for-bit identical except for the rules documented as "within
1e-12 relative" (``exact=False``; only float64/complex128 contractions), which
``exact=True`` leaves out.
"""

from __future__ import annotations

from .cse import cse
from .dce import dce
from .engine import copy_graph
from .engine import run as _run_engine
from .fold import fold
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

#: what :func:`optimize` runs by default: consecutive named passes are one
#: engine walk with all their features, whose rules reach a fixed point on
#: each node, so their order and repetitions matter only around user passes
DEFAULT_PASSES = ("cse", "dce", "fold", "simplify", "lower", "simplify", "cse")


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
        Receives counts: ``merged`` (nodes merged away), ``folded``,
        ``narrowed``, and the number of times each rewrite rule fired.

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
    return _optimize(outputs, passes, variables, exact, stats)


#: what each pass turns on in the engine
_FEATURES = {
    "cse": ("cse",),
    "dce": ("narrow",),
    "fold": ("fold",),
    "simplify": ("simplify",),
    "lower": ("lower",),
}


def _optimize(
    outputs, passes, variables=None, exact=False, stats=None, copy=True, fold="compute", sub=None
):
    """:func:`optimize`; ``copy=False`` and ``fold="defer"`` for a graph that
    is only read (:class:`lazyray.Function`: its tape builder evaluates the
    constants); ``sub`` (a dict, with ``copy=False``): a lean result when the
    engine runs last, whose nodes kept on new operands are listed there (see
    :class:`.engine.Engine`)."""
    if passes is None:
        passes = DEFAULT_PASSES
    fresh = True  # whether the current graph may still hold the user's nodes
    group = set()  # the features of consecutive named passes: one engine walk
    for p in (*passes, None):
        if isinstance(p, str):
            try:
                group.update(_FEATURES[p])
            except KeyError:
                raise KeyError(
                    f"optimize: unknown pass {p!r}; passes are {sorted(PASSES)}"
                ) from None
            continue
        if group:
            rules = (SIMPLIFY_RULES if "simplify" in group else ()) + (
                LOWER_RULES if "lower" in group else ()
            )
            outputs = _run_engine(
                outputs,
                rules,
                cse="cse" in group,
                fold=fold if "fold" in group else None,
                narrow="narrow" in group,
                variables=variables,
                exact=exact,
                copy=copy and fresh,
                stats=stats,
                sub=sub if p is None else None,
            )
            fresh = False
            group = set()
        if p is not None:  # a user pass may return the nodes it was given
            outputs = p(outputs)
            fresh = True
    if fresh and copy:  # hand back a graph of new nodes all the same
        outputs = copy_graph(outputs)
    return outputs
