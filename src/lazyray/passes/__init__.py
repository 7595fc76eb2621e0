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

No pass mutates the nodes it is given (see :mod:`lazyray.passes.core`), nor
changes a result's shape or dtype; the values are bit-for-bit identical except
for the rules documented as "within 1e-12 relative" (``exact=False``; only
float64/complex128 contractions), which ``exact=True`` leaves out.
"""

from __future__ import annotations

from .engine import copy_graph
from .engine import run as _run_engine
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


def cse(outputs, variables=None, *, copy: bool = True, stats: dict | None = None):
    """Merge identical nodes of the graph behind ``outputs``.

    Op nodes merge when their exact keys (:mod:`lazyray.graph.sharing`) are
    equal, giving the graph :func:`lazyray.shared_intermediates` would have
    built; leaves merge when they wrap the very same data object (Variables
    and ``variables`` never do).  Bit-for-bit: merged nodes compute the same
    call on the same inputs.

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
    return _run_engine(outputs, variables=variables, copy=copy, stats=stats)


def dce(outputs, *, exact: bool = False, copy: bool = True, stats: dict | None = None):
    """Drop what the outputs do not need; narrow partly used multi-output ops.

    Rebuilding from the outputs drops every node no output needs (the
    branches a multi-output graph traced but does not return, the ``item``
    nodes nobody uses).  A multi-output op only part of whose outputs are
    used is narrowed to a cheaper op computing just those (:mod:`.narrow`):
    ``split`` to one ``getitem`` slice per used output (bit-for-bit: the same
    views), ``linalg.eigh`` whose eigenvalues only are used to
    ``linalg.eigvalsh`` (within 1e-12 relative to ``max |w|``: another
    LAPACK driver).

    Parameters
    ----------
    outputs : as in :func:`cse`
    exact : bool, optional
        Only apply bit-for-bit narrowings (see above).
    copy : as in :func:`cse`
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
    return _run_engine(outputs, cse=False, narrow=True, exact=exact, copy=copy, stats=stats)


def fold(outputs, variables=None, *, copy: bool = True, stats: dict | None = None):
    """Compute every part of the graph that does not depend on ``variables``.

    Only the *frontier* (the constants a variable-dependent node or the
    caller uses) becomes an ``array`` leaf; constant intermediates are freed
    once used, and creation ops fold too.  The values come from the same
    backend calls on copies of the user's nodes: bit-for-bit.

    Parameters
    ----------
    outputs : as in :func:`cse`
    variables : pytree of LazyArray, optional
        The inputs whose values are not known yet: those lazy arrays and
        every data-less :func:`~lazyray.Variable`; all other leaves are
        constants.  ``None``: every leaf is a variable, so only leaf-free
        subgraphs (creation ops and what is built from them) fold.
    copy : as in :func:`cse`
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
    return _run_engine(
        outputs, cse=False, fold="compute", variables=variables, copy=copy, stats=stats
    )


#: the passes by name
PASSES = {"cse": cse, "dce": dce, "fold": fold, "simplify": simplify, "lower": lower}

#: what :func:`optimize` runs by default: consecutive named passes are one
#: engine walk with all their features, whose rules reach a fixed point on
#: each node, so their order and repetitions matter only around user passes
DEFAULT_PASSES = ("cse", "dce", "fold", "simplify", "lower", "simplify", "cse")


def optimize(
    outputs, passes=None, variables=None, *, exact: bool = False, stats: dict | None = None
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


def _optimize(
    outputs, passes, variables=None, exact=False, stats=None, copy=True, fold="compute", sub=None
):
    """:func:`optimize`; ``copy=False`` and ``fold="defer"`` for a graph that
    is only read (:class:`lazyray.Function`: its tape builder evaluates the
    constants); ``sub`` (a dict, with ``copy=False``): a lean result when the
    engine runs last, whose nodes kept on new operands are listed there (see
    :class:`.engine.Engine`)."""
    passes = DEFAULT_PASSES if passes is None else passes
    fresh = True  # whether the current graph may still hold the user's nodes
    group = set()  # the features of consecutive named passes: one engine walk
    for p in (*passes, None):
        if isinstance(p, str):
            if p not in PASSES:
                raise KeyError(f"optimize: unknown pass {p!r}; passes are {sorted(PASSES)}")
            group.add("narrow" if p == "dce" else p)  # the engine feature of the pass
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
