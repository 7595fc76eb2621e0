"""Peephole simplification: local rewrites written as a table of rules.

Every rule is bit-for-bit: the rewritten graph computes identical values
(IEEE-754 arithmetic guarantees ``x * 1 == x``, ``x / 1 == x``,
``x + (-0.0) == x`` and ``x - 0.0 == x`` for every float including ``-0.0``,
``inf`` and quiet ``nan``; data movement rules only drop or merge moves).
Identities that are *not* exact are deliberately absent or guarded:

* ``x + 0.0`` on floats (``-0.0 + 0.0`` is ``+0.0``): only ``x + (-0.0)``;
* ``x * 1`` on complex arrays (``(a + bj) * (1 + 0j)`` turns ``inf`` into
  ``nan`` and flips the sign of some zeros);
* any identity that would change the dtype (``int_array * 1.0`` is float) or
  the shape (broadcasting against a constant) -- the driver rejects every
  replacement whose shape or dtype differs from the node's.

Only Python scalars and numpy scalars count as constants (immutable); array
constants are never inspected, since they may be mutated after tracing.
"""

from __future__ import annotations

import math

import numpy as np

from ..graph import dtypes
from ..graph.node import LazyArray
from ..ops.movement import broadcast_to, reshape, transpose
from .core import Rule
from .engine import run

__all__ = ["simplify", "RULES"]

# ------------------------------------------------------------------ helpers


def _arg(node, i=0):
    """Positional argument ``i`` of ``node`` if it is a lazy array, else None."""
    a = node._args[i]
    return a if type(a) is LazyArray else None


def _is_op(x, op):
    """Whether ``x`` is an uncomputed node of registry op ``op``."""
    return type(x) is LazyArray and x._op == op and type(x._op) is str and x._fn is not None


def _same(x, node):
    return x._shape == node._shape and x._dtype == node._dtype


def _scalar(c):
    """A real Python / numpy scalar as a Python number, else None."""
    t = type(c)
    if t is int or t is float or t is bool:
        return c
    if isinstance(c, np.generic) and c.dtype.kind in "biuf":
        return c.item()
    return None


def _kind(dtype: str) -> str:
    if dtype == "bool":
        return "b"
    if dtypes.is_integer(dtype):
        return "i"
    if dtypes.is_floating(dtype):
        return "f"
    return "c"


def _neg_zero(v) -> bool:
    return v == 0 and isinstance(v, float) and math.copysign(1.0, v) < 0


def _unit(ok, commutes=True):
    """Rule: binary ``node`` -> its lazy operand ``x`` whose other operand is
    a scalar ``v`` with ``ok(v, kind of x)``, when ``x`` has the node's shape
    and dtype (``x`` only the first operand unless ``commutes``)."""

    def rule(node, ctx):
        a, b = node._args
        for x, c in ((a, b), (b, a)) if commutes else ((a, b),):
            if type(x) is LazyArray and type(c) is not LazyArray and _same(x, node):
                v = _scalar(c)
                if v is not None and ok(v, _kind(x._dtype)):
                    return x
        return None

    return rule


# -------------------------------------------------------------------- rules


_mul_one = _unit(lambda v, k: v == 1 and k != "c")
_add_zero = _unit(lambda v, k: v == 0 and (k in "bi" or (k == "f" and _neg_zero(v))))
_sub_zero = _unit(lambda v, k: v == 0 and (k == "i" or (k == "f" and not _neg_zero(v))), False)


def _involution(op):
    def rule(node, ctx):
        inner = _arg(node)
        x = _arg(inner) if _is_op(inner, op) else None
        return x if x is not None and _same(x, node) else None

    return rule


def _identity(node, ctx):
    """The operand, where it has the node's shape and dtype (``+x``, a
    reshape or broadcast to its own shape)."""
    x = _arg(node)
    return x if x is not None and _same(x, node) else None


def _abs_abs(node, ctx):
    inner = _arg(node)
    return inner if _is_op(inner, "abs") and _same(inner, node) else None


def _astype_same(node, ctx):
    x = _arg(node)
    return x if x is not None and x._dtype == node._args[1] else None


def _astype_roundtrip(node, ctx):
    inner = _arg(node)
    if not _is_op(inner, "astype"):
        return None
    x = _arg(inner)
    if x is None or x._dtype != node._dtype:
        return None
    d0, d1 = x._dtype, inner._dtype
    k0, k1 = _kind(d0), _kind(d1)
    if k0 == "b":  # bool survives any round trip
        return x
    # widening within one kind (and signedness) is lossless
    same_kind = k0 == k1 and d0.startswith("u") == d1.startswith("u")
    return x if same_kind and dtypes.itemsize(d1) >= dtypes.itemsize(d0) else None


def _transpose_identity(node, ctx):
    x, perm = node._args
    return x if type(x) is LazyArray and tuple(perm) == tuple(range(len(perm))) else None


def _transpose_transpose(node, ctx):
    inner = _arg(node)
    if not _is_op(inner, "transpose"):
        return None
    x, p = inner._args
    return ctx.norm(transpose(x, tuple(p[i] for i in node._args[1])))


def _collapse(op, build):
    """``op(op(x, s1), s2)`` -> ``op(x, s2)``, ``build`` making ``op``."""

    def rule(node, ctx):
        inner = _arg(node)
        return ctx.norm(build(inner._args[0], node._shape)) if _is_op(inner, op) else None

    return rule


def _reshape_unit_transpose(node, ctx):
    inner = _arg(node)
    if not _is_op(inner, "transpose"):
        return None
    x, perm = inner._args
    moved = [i for i in perm if x._shape[i] != 1]
    return ctx.norm(reshape(x, node._shape)) if moved == sorted(moved) else None


def _getitem_full(node, ctx):
    x, key = node._args
    if type(x) is not LazyArray or x._shape != node._shape:
        return None
    key = key if type(key) is tuple else (key,)
    full = all(k is Ellipsis or (type(k) is slice and k == slice(None)) for k in key)
    return x if full else None


# Rule(name, op it rewrites, rewrite); all bit-for-bit (see the module docstring).
# trigger=v: applies only if an operand is a scalar equal to v (see Rule)
RULES: tuple[Rule, ...] = (
    # x * 1 and 1 * x -> x, for bool, int and real float x only
    Rule("mul_one", "multiply", _mul_one, trigger=1),
    # x + 0 -> x for bool/int x; for floats only x + (-0.0) (-0.0 + 0.0 is +0.0)
    Rule("add_zero", "add", _add_zero, trigger=0),
    # x - 0 -> x for int x; for floats x - (+0.0)
    Rule("sub_zero", "subtract", _sub_zero, trigger=0),
    # x / 1 -> x for real floats (int / 1 is float: rejected by the dtype check)
    Rule("div_one", "divide", _unit(lambda v, k: v == 1 and k == "f", False), trigger=1),
    # x // 1 -> x for ints
    Rule("floordiv_one", "floor_divide", _unit(lambda v, k: v == 1 and k == "i", False), trigger=1),
    # --x -> x (sign flips twice, wrapping ints included)
    Rule("neg_neg", "negative", _involution("negative")),
    # +x -> x (numpy's positive is a copy)
    Rule("positive", "positive", _identity),
    # conj(conj(x)) -> x
    Rule("conj_conj", "conj", _involution("conj")),
    # ~~x -> x for ints and bools
    Rule("invert_invert", "invert", _involution("invert")),
    # not not x -> x for bools (the dtype check rejects other dtypes)
    Rule("not_not", "logical_not", _involution("logical_not")),
    # abs(abs(x)) -> abs(x)
    Rule("abs_abs", "abs", _abs_abs),
    # x.astype(x.dtype) -> x
    Rule("astype_same", "astype", _astype_same),
    # x.astype(wider).astype(x.dtype) -> x when the widening is lossless
    Rule("astype_roundtrip", "astype", _astype_roundtrip),
    # transpose(x, identity) -> x
    Rule("transpose_identity", "transpose", _transpose_identity),
    # transpose(transpose(x, p), q) -> transpose(x, p[q])
    Rule("transpose_transpose", "transpose", _transpose_transpose),
    # reshape(x, x.shape) -> x
    Rule("reshape_identity", "reshape", _identity),
    # reshape(reshape(x, s1), s2) -> reshape(x, s2) (C order composes)
    Rule("reshape_reshape", "reshape", _collapse("reshape", reshape)),
    # reshape(transpose(x, p), s) -> reshape(x, s) when p moves only unit axes
    Rule("reshape_unit_transpose", "reshape", _reshape_unit_transpose),
    # broadcast_to(x, x.shape) -> x
    Rule("broadcast_identity", "broadcast_to", _identity),
    # broadcast_to(broadcast_to(x, s1), s2) -> broadcast_to(x, s2)
    Rule("broadcast_broadcast", "broadcast_to", _collapse("broadcast_to", broadcast_to)),
    # x[:], x[...], x[:, :] -> x
    Rule("getitem_full", "getitem", _getitem_full),
)


def simplify(
    outputs, rules=None, *, exact: bool = True, copy: bool = True, stats: dict | None = None
):
    """Apply the peephole rules of :data:`RULES` until none applies.

    Parameters
    ----------
    outputs : as in :func:`lazyray.passes.cse`
    rules : sequence of Rule, optional
        The rules to use (default: all of :data:`RULES`).
    exact : bool, optional
        Only bit-for-bit rules (all of :data:`RULES` are).
    copy : as in :func:`lazyray.passes.cse`
    stats : as in :func:`lazyray.passes.lower`

    Returns
    -------
    The optimized outputs, in the same pytree.

    Examples
    --------
    >>> import lazyray
    >>> x = lazyray.Variable((2, 3))
    >>> y = -(-(x.T.T * 1))
    >>> [n.fn_name for n in lazyray.ascend(simplify(y + 1))]
    ['variable', 'add']
    """
    rules = RULES if rules is None else rules
    return run(outputs, rules, cse=False, exact=exact, copy=copy, stats=stats)
