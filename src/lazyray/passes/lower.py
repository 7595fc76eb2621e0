"""Lowering: replace calls by cheaper backend calls computing the same thing.

==========================  ==========================================  ==============
rule                        rewrite                                     values
==========================  ==========================================  ==============
``tensordot_to_dot``        ``tensordot`` of 1-d/2-d operands over one  bit-for-bit
                            axis pair -> ``dot`` (of a transpose)       (the very call
                                                                        numpy's
                                                                        tensordot makes)
``einsum_to_transpose``     one-operand einsum that only permutes       bit-for-bit
                            -> ``transpose``
``einsum_pair_int``         two-operand integer einsum ->               bit-for-bit
                            ``tensordot``/``matmul`` (+ moves)          (wrapping sums)
``einsum_pair``             two-operand float64/complex128 einsum ->    within 1e-12
                            ``tensordot``/``matmul`` (+ moves)          relative
``einsum_path_int``         3+ operand integer einsum -> pairwise       bit-for-bit
                            einsums along opt_einsum's path
``einsum_path``             3+ operand float64/complex128 einsum ->     within 1e-12
                            pairwise einsums along opt_einsum's path    relative
==========================  ==========================================  ==============

Every op a rule produces means the same on every backend a graph can be
retargeted to (``dot`` resolves to numpy's meaning everywhere, see
:mod:`lazyray.ops.portable`), so a lowered graph runs on torch or JAX too.

"Within 1e-12 relative" means: the lowered contraction sums the same
products in another order (BLAS instead of einsum's loops), so each entry
differs from the original by at most about ``n * eps`` (``n`` the number of
summed terms, ``eps = 2.2e-16``) times the same contraction of the
*absolute values* -- the standard bound of floating-point summation; it is
far below 1e-12 of that magnitude for any contraction of fewer than ~4000
terms per entry, and only float64/complex128 contractions are lowered (all
operands of one of those dtypes: mixed float32 would change precision).

A two-operand einsum is lowered when that is faster: always when it becomes a
single ``dot``, otherwise when the product of all its index sizes is at least
:data:`MIN_COST` (below that einsum's own loop beats tensordot's Python
overhead).  Only einsums whose every index appears in exactly two of (first
operand, second operand, output) are lowered (no traces, no sums over one
operand, no ellipsis, no broadcasting of size-1 indices).  Rules apply to
graphs on the backends in ``backends`` (default numpy, where the exactness
claims are checked by the tests).  The many-operand rules need the optional
``opt_einsum`` package and do nothing without it.
"""

from __future__ import annotations

from ..graph.shapes import prod
from ..ops.common import info
from ..ops.contraction import dot, einsum, matmul, tensordot
from ..ops.movement import reshape, transpose
from .core import Rule
from .engine import run

__all__ = ["lower", "RULES", "MIN_COST"]

#: smallest product of index sizes for which einsum -> tensordot pays off
MIN_COST = 4096

_FLOAT = frozenset(("float64", "complex128"))
_INT = frozenset(("int64",))


def _backend_ok(node, ctx):
    return node._backend in ctx.options.get("backends", ("numpy",))


# ---------------------------------------------------------------- tensordot


def _tensordot_dot(node, ctx):
    if not _backend_ok(node, ctx):
        return None
    a, b = node._args
    (ia, ib) = node._kwargs["axes"]
    sa, sb = info(a)[0], info(b)[0]
    if len(ia) != 1 or not (1 <= len(sa) <= 2 and 1 <= len(sb) <= 2):
        return None
    if ia[0] != len(sa) - 1:
        a = transpose(a)  # 2-d, contracting its first axis: what tensordot does too
    if ib[0] != 0:
        b = transpose(b)
    return dot(a, b)


# ------------------------------------------------------------------- einsum


def _parse(node):
    """``(input terms, output term, operands, shapes)`` of a plain einsum, or
    None when it has an ellipsis or a repeated index within a term."""
    eq, *ops = node._args
    if "." in eq:
        return None
    lhs, rhs = eq.split("->")
    terms = lhs.split(",")
    if any(len(set(t)) != len(t) for t in (*terms, rhs)):
        return None
    return terms, rhs, ops, [info(x)[0] for x in ops]


def _einsum_transpose(node, ctx):
    p = _parse(node)
    if p is None or len(p[0]) != 1 or not _backend_ok(node, ctx):
        return None
    (term,), rhs, (a,), _ = p
    perm = tuple(term.index(c) for c in rhs)
    if sorted(term) != sorted(rhs) or perm == tuple(range(len(perm))):
        # (an identity einsum stays as it is: this rule only makes transposes)
        return None
    return transpose(a, perm)


def _pair(node, ctx, allowed):
    p = _parse(node)
    if p is None or len(p[0]) != 2 or not _backend_ok(node, ctx):
        return None
    (ta, tb), out, (a, b), (sa, sb) = p
    if info(a)[1] not in allowed or info(b)[1] not in allowed:
        return None
    size = {}
    for t, s in ((ta, sa), (tb, sb)):
        for c, d in zip(t, s):
            if size.setdefault(c, d) != d:
                return None  # a size-1 index broadcast against a larger one
    if not (set(ta) <= set(tb + out) and set(tb) <= set(ta + out)):
        return None  # a sum over one operand only
    batch = [c for c in out if c in ta and c in tb]
    con = [c for c in ta if c in tb and c not in out]
    ka = [c for c in ta if c not in tb]
    kb = [c for c in tb if c not in ta]
    single_dot = not batch and len(con) <= 1 and len(sa) <= 2 and len(sb) <= 2 and con
    if not single_dot and prod(size.values()) < MIN_COST:
        return None
    if not batch:
        r = tensordot(a, b, (tuple(ta.index(c) for c in con), tuple(tb.index(c) for c in con)))
        r = ctx.norm(r)
    else:
        bshape = tuple(size[c] for c in batch)

        def prep(x, t, first, second):
            perm = tuple(t.index(c) for c in batch + first + second)
            if perm != tuple(range(len(perm))):
                x = transpose(x, perm)
            shape = bshape + (prod(size[c] for c in first), prod(size[c] for c in second))
            return x if info(x)[0] == shape else reshape(x, shape)

        r = matmul(prep(a, ta, ka, con), prep(b, tb, con, kb))
        shape = bshape + tuple(size[c] for c in ka + kb)
        if r._shape != shape:
            r = reshape(r, shape)
    labels = batch + ka + kb
    perm = tuple(labels.index(c) for c in out)
    if perm != tuple(range(len(perm))):
        r = transpose(r, perm)
    return r


def _path(node, ctx, allowed):
    p = _parse(node)
    if p is None or len(p[0]) < 3 or not _backend_ok(node, ctx):
        return None
    terms, out, ops, shapes = p
    if not all(info(x)[1] in allowed for x in ops):
        return None
    try:
        import opt_einsum
    except ImportError:  # optional: without it many-operand einsums stay
        return None
    _, path_info = opt_einsum.contract_path(node._args[0], *shapes, shapes=True)
    ops = list(ops)
    for step in path_info.contraction_list:
        inds, einsum_str = step[0], step[2]
        args = [ops.pop(i) for i in inds]
        ops.append(ctx.norm(einsum(einsum_str, *args)))
    (r,) = ops
    return r


# Rule(name, op it rewrites, rewrite, exact): the rows of the module docstring's table; all local
# (see .rewrite): each decides by the node's static arguments and its operands' shapes and dtypes
RULES: tuple[Rule, ...] = (
    Rule("tensordot_to_dot", "tensordot", _tensordot_dot, True, local=True),
    Rule("einsum_to_transpose", "einsum", _einsum_transpose, True, local=True),
    Rule("einsum_pair_int", "einsum", lambda n, c: _pair(n, c, _INT), True, local=True),
    Rule("einsum_pair", "einsum", lambda n, c: _pair(n, c, _FLOAT), False, local=True),
    Rule("einsum_path_int", "einsum", lambda n, c: _path(n, c, _INT), True, local=True),
    Rule("einsum_path", "einsum", lambda n, c: _path(n, c, _FLOAT), False, local=True),
)


def lower(
    outputs,
    rules=None,
    *,
    exact: bool = False,
    backends=("numpy",),
    copy: bool = True,
    stats: dict | None = None,
):
    """Replace calls by cheaper equivalent backend calls (see the module table).

    Parameters
    ----------
    outputs : as in :func:`lazyray.passes.cse`
    rules : sequence of Rule, optional
        The rules to use (default: all of :data:`RULES`).
    exact : bool, optional
        Only bit-for-bit rules.
    backends : tuple of str, optional
        Backends whose nodes may be rewritten.
    copy : as in :func:`lazyray.passes.cse`
    stats : dict, optional
        Receives the number of times each rule fired, by rule name.

    Returns
    -------
    The optimized outputs, in the same pytree.

    Examples
    --------
    >>> import lazyray
    >>> u, v = lazyray.Variable((5,)), lazyray.Variable((5,))
    >>> [n.fn_name for n in lazyray.ascend(lower(lazyray.tensordot(u, v, 1)))]
    ['variable', 'variable', 'dot']
    """
    rules = RULES if rules is None else rules
    return run(outputs, rules, cse=False, exact=exact, copy=copy, stats=stats, backends=backends)
