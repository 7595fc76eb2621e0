"""Contractions: tensordot, matmul, dot, einsum, kron, outer, inner, vdot.

Shape rules follow numpy: matmul's 1-d promotion and batch broadcasting,
tensordot's int or paired axes (sizes must match exactly), and einsum with
spaces, implicit output, ellipsis, repeated indices and the interleaved
``einsum(a, [0, 1], b, [1, 2])`` form, with no optional dependency.
"""

from __future__ import annotations

import operator
from functools import lru_cache, partial

from ..graph.node import _ACTIVE, SHARING, build_node
from ..graph.registry import CONTRACTION, register, resolve
from ..graph.shapes import broadcast_shapes, normalize_axis, prod
from ..graph.sharing import TENSORDOT_KEY
from . import portable
from .common import (
    LazyArray,
    array_result_type,
    info,
    intern_kwargs,
    lazy_operands,
    make,
    pair_operands,
)
from .cost import einsum_flops
from .einsum_numpy import PairEinsum, einsum_optimized

__all__ = "dot einsum inner kron matmul outer tensordot vdot vecdot".split()

# numpy's meaning on every backend (torch.dot is 1-d only...): see .portable
for _n in ("tensordot", "matmul", "dot", "einsum", "kron", "outer", "inner", "vdot"):
    register(_n, CONTRACTION, impl=partial(portable.impl, _n), impl_is_factory=True)
register("vecdot", CONTRACTION, impl=portable.vecdot_impl, impl_is_factory=True)


# ---------------------------------------------------------------- tensordot


def tensordot_axes(sa: tuple, sb: tuple, axes=2) -> tuple:
    """Normalize tensordot ``axes`` to a pair of tuples, checking sizes.

    >>> tensordot_axes((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0]))
    ((1, 2), (1, 0))
    """
    op = "tensordot"
    if isinstance(axes, (tuple, list)) and len(axes) == 2:
        ax_a, ax_b = (tuple(ax) if isinstance(ax, (tuple, list)) else (ax,) for ax in axes)
    else:
        try:
            n = operator.index(axes)
        except TypeError:
            raise TypeError(
                f"{op}: axes must be an int or a pair of sequences, got {axes!r:.60}"
            ) from None
        if n > len(sa) or n > len(sb):
            raise ValueError(f"{op}: cannot contract {n} axes of shapes {sa} and {sb}")
        # like numpy, a negative count contracts nothing (an outer product)
        n = max(n, 0)
        ax_a = tuple(range(len(sa) - n, len(sa)))
        ax_b = tuple(range(n))
    if len(ax_a) != len(ax_b):
        raise ValueError(f"{op}: axes lists have different lengths {ax_a} and {ax_b}")
    ax_a = tuple(normalize_axis(op, i, len(sa)) for i in ax_a)
    ax_b = tuple(normalize_axis(op, i, len(sb)) for i in ax_b)
    if len(set(ax_a)) != len(ax_a) or len(set(ax_b)) != len(ax_b):
        raise ValueError(f"{op}: repeated axis in {axes}")
    for i, j in zip(ax_a, ax_b):
        if sa[i] != sb[j]:
            raise ValueError(
                f"{op}: shape mismatch for sum: axis {i} of shape {sa} (size {sa[i]}) "
                f"against axis {j} of shape {sb} (size {sb[j]})"
            )
    return ax_a, ax_b


def tensordot(a, b, axes=2):
    """Contract the given axes of ``a`` and ``b``.

    >>> import lazyray
    >>> a, b = lazyray.Variable((2, 3, 4)), lazyray.Variable((4, 3, 5))
    >>> lazyray.tensordot(a, b, ([1, 2], [1, 0])).shape
    (2, 5)
    """
    cache = key = None
    if _ACTIVE[0] and type(a) is LazyArray and type(b) is LazyArray:
        cache = SHARING._cache
        if cache is not None and type(axes) is tuple:
            # while sharing, keyed by (TENSORDOT_KEY, id(a), id(b), normalized
            # axes) (see lazyray.graph.sharing); axes given as a tuple are
            # looked up as they are, before any shape rule runs (cotengra's
            # and quimb's pairs of tuples of ints are normal already)
            key = (TENSORDOT_KEY, id(a), id(b), axes)
            try:
                if (hit := cache.get(key)) is not None:
                    bytes(axes[0] + axes[1])  # a hit stands for ints (a float equals an int)
                    return hit[0]
            except (TypeError, ValueError):  # (unhashable, or not ints in 0..255)
                key = None
    a, b, sa, sb, dtype, backend = pair_operands("tensordot", a, b)
    kwargs, shape = _tensordot_kwargs(sa, sb, axes)
    if type(a) is not LazyArray or type(b) is not LazyArray:
        return make("tensordot", (a, b), kwargs, shape, dtype, backend=backend)
    if cache is not None and (key is None or kwargs["axes"] != axes):  # (else a miss again)
        key = (TENSORDOT_KEY, id(a), id(b), kwargs["axes"])
        if (hit := cache.get(key)) is not None:
            return hit[0]
    args = (a, b)
    fn, deps = resolve(backend, "tensordot"), args if a is not b else (a,)
    node = build_node("tensordot", fn, args, kwargs, shape, dtype, backend, deps)
    if cache is not None:
        cache[key] = (node, args)  # (the entry keeps a and b alive)
    return node


def _hashable(axes):
    return tuple(map(_hashable, axes)) if isinstance(axes, (list, tuple)) else axes


def _tensordot_kwargs(sa, sb, axes):
    """tensordot's kwargs and shape, cached for an int or a pair of tuples
    of ints (cotengra's and quimb's axes) and for lists of them; any other
    axes (a float, which equals and hashes like an int, a negative axis...)
    take the uncached rule, which accepts or refuses them as numpy does."""
    for key in (axes, None):
        if key is None:
            key = _hashable(axes)
        try:
            if type(key) is tuple:
                a0, a1 = key
                bytes(a0 + a1)  # raises unless every axis is an int in 0..255
            elif type(key) is not int:
                continue
            return _tensordot_rule(sa, sb, key)
        except (TypeError, ValueError):
            continue
    return _tensordot_rule.__wrapped__(sa, sb, axes)


@lru_cache(maxsize=4096, typed=True)
def _tensordot_rule(sa, sb, axes):
    ax_a, ax_b = tensordot_axes(sa, sb, axes)
    shape = tuple(d for i, d in enumerate(sa) if i not in ax_a) + tuple(
        d for i, d in enumerate(sb) if i not in ax_b
    )
    # one kwargs dict per signature, shared by its nodes (never mutated)
    return intern_kwargs({"axes": (ax_a, ax_b)})[0], shape


# ------------------------------------------------------------------ matmul


def matmul_shape(sa: tuple, sb: tuple) -> tuple:
    """numpy's matmul rule: 1-d promotion and batch broadcasting.

    >>> matmul_shape((5, 1, 2, 3), (4, 3, 6)), matmul_shape((3,), (2, 3, 4))
    ((5, 4, 2, 6), (2, 4))
    """
    op = "matmul"
    if not sa or not sb:
        raise ValueError(f"{op}: operands must be at least 1-d, got shapes {sa} and {sb}")
    a2 = (1,) + sa if len(sa) == 1 else sa
    b2 = sb + (1,) if len(sb) == 1 else sb
    if a2[-1] != b2[-2]:
        raise ValueError(
            f"{op}: core dimension mismatch: shapes {sa} and {sb} "
            f"({a2[-1]} is different from {b2[-2]})"
        )
    try:
        batch = broadcast_shapes(op, a2[:-2], b2[:-2])
    except ValueError:
        raise ValueError(
            f"{op}: batch dimensions of shapes {sa} and {sb} do not broadcast "
            f"({a2[:-2]} against {b2[:-2]})"
        ) from None
    out = batch + (a2[-2], b2[-1])
    if len(sa) == 1:
        out = out[:-2] + out[-1:]
    if len(sb) == 1:
        out = out[:-1]
    return out


def matmul(x1, x2):
    """Matrix product with numpy's 1-d and batch-broadcasting rules.

    >>> import lazyray
    >>> (lazyray.Variable((7, 1, 2, 3)) @ lazyray.Variable((5, 3, 4))).shape
    (7, 5, 2, 4)
    """
    a, b, sa, sb, dtype, backend = pair_operands("matmul", x1, x2)
    return make("matmul", (a, b), None, matmul_shape(sa, sb), dtype, backend=backend)


def dot(a, b):
    """numpy's ``dot``: scalar, inner, matrix or sum-product over the last
    axis of ``a`` and the second-to-last of ``b``.

    >>> import lazyray
    >>> lazyray.dot(lazyray.Variable((2, 3, 4)), lazyray.Variable((5, 4, 6))).shape
    (2, 3, 5, 6)
    """
    a, b, sa, sb, dtype, backend = pair_operands("dot", a, b)
    if not sa or not sb:
        shape = sa or sb
    else:
        k = sb[-2] if len(sb) >= 2 else sb[0]
        if sa[-1] != k:
            raise ValueError(
                f"dot: shapes {sa} and {sb} not aligned: {sa[-1]} (dim {len(sa) - 1}) != {k}"
            )
        shape = sa[:-1] + (sb[:-2] + sb[-1:] if len(sb) >= 2 else ())
    return make("dot", (a, b), None, shape, dtype, backend=backend)


def kron(x1, x2):
    """Kronecker product.

    >>> import lazyray
    >>> lazyray.kron(lazyray.Variable((2, 3)), lazyray.Variable((4,))).shape
    (2, 12)
    """
    a, b, sa, sb, dtype, backend = pair_operands("kron", x1, x2)
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    return make("kron", (a, b), None, tuple(i * j for i, j in zip(pa, pb)), dtype, backend=backend)


def outer(a, b):
    """Outer product of the flattened inputs."""
    a, b, sa, sb, dtype, backend = pair_operands("outer", a, b)
    return make("outer", (a, b), None, (prod(sa), prod(sb)), dtype, backend=backend)


def inner(a, b):
    """Inner product over the last axes."""
    a, b, sa, sb, dtype, backend = pair_operands("inner", a, b)
    if sa and sb and sa[-1] != sb[-1]:
        raise ValueError(f"inner: last dimensions of {sa} and {sb} differ")
    shape = sa[:-1] + sb[:-1] if sa and sb else sa or sb
    return make("inner", (a, b), None, shape, dtype, backend=backend)


def vdot(a, b):
    """Dot product of the flattened inputs, conjugating the first."""
    a, b, sa, sb, dtype, backend = pair_operands("vdot", a, b)
    if prod(sa) != prod(sb):
        raise ValueError(f"vdot: sizes of {sa} and {sb} differ")
    return make("vdot", (a, b), None, (), dtype, backend=backend)


def vecdot(x1, x2, /, *, axis=-1):
    """Dot product of vectors along ``axis`` (of the broadcast shape),
    conjugating ``x1`` (numpy 2's ``vecdot``); the other axes broadcast.

    >>> import lazyray
    >>> lazyray.vecdot(lazyray.Variable((2, 1, 3)), lazyray.Variable((4, 3))).shape
    (2, 4)
    """
    a, b, sa, sb, dtype, backend = pair_operands("vecdot", x1, x2)
    n = max(len(sa), len(sb))
    k = normalize_axis("vecdot", axis, n) - n  # counted from the end
    if len(sa) < -k or len(sb) < -k or sa[k] != sb[k]:
        raise ValueError(
            f"vecdot: axis {axis} of shapes {sa} and {sb} must exist in both, of one size"
        )
    rest = [s[:k] + s[k + 1 :] if k != -1 else s[:-1] for s in (sa, sb)]
    shape = broadcast_shapes("vecdot", *rest)
    return make("vecdot", (a, b), {"axis": k if k != -1 else None}, shape, dtype, backend=backend)


# ------------------------------------------------------------------ einsum

#: einsum labels in numpy's order: character code (upper case first), which
#: orders an implicit output and maps the ints 0-51 of the interleaved form
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _interleaved(operands):
    """Convert ``einsum(a, [0, 1], b, [1, 2], [0, 2])`` to the string form."""
    out = operands[-1] if len(operands) % 2 else None
    pairs = operands[:-1] if out is not None else operands
    ops, subs = list(pairs[0::2]), list(pairs[1::2])

    def letters(sub):
        s = ""
        for i in sub:
            if i is Ellipsis:
                s += "..."
            else:
                i = operator.index(i)
                if not 0 <= i < len(_LETTERS):
                    raise ValueError(f"einsum: subscript {i} out of range [0, 52)")
                s += _LETTERS[i]
        return s

    eq = ",".join(letters(s) for s in subs)
    if out is not None:
        eq += "->" + letters(out)
    return eq, ops


def parse_einsum(eq: str, shapes: list) -> tuple:
    """Validate an einsum equation against operand shapes.

    Returns ``(canonical_equation, output_shape)``; the canonical equation has
    no spaces and an explicit output.

    >>> parse_einsum("ij, jk", [(2, 3), (3, 4)])
    ('ij,jk->ik', (2, 4))
    >>> parse_einsum("Ba,c", [(2, 3), (4,)])  # implicit output: by character code
    ('Ba,c->Bac', (2, 3, 4))
    >>> parse_einsum("...ii->...i", [(5, 3, 3)])
    ('...ii->...i', (5, 3))
    """
    op = "einsum"
    if not isinstance(eq, str):
        raise TypeError(f"{op}: subscripts must be a string, got {type(eq).__name__}")
    if "." in eq.replace("...", ""):  # before spaces go: ". . ." is no ellipsis
        raise ValueError(f"{op}: invalid ellipsis in subscripts {eq!r}: a '.' not part of '...'")
    if "-" in eq.replace("->", "") or ">" in eq.replace("->", ""):
        raise ValueError(f"{op}: subscripts {eq!r} have a '-' or '>' that is not part of '->'")
    eq = eq.replace(" ", "")
    if eq.count("->") > 1:
        raise ValueError(f"{op}: subscripts may contain '->' only once: {eq!r}")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"{op}: {len(terms)} operands in subscripts {eq!r} but {len(shapes)} arrays given"
        )
    sizes = {}
    counts = {}
    ell_shapes = []
    for term, shape in zip(terms, shapes):
        if term.count("...") > 1 or "." in term.replace("...", ""):
            raise ValueError(f"{op}: invalid ellipsis in subscripts {term!r}")
        has_ell = "..." in term
        labels = term.replace("...", "")
        for c in labels:
            if c not in _LETTERS:
                raise ValueError(
                    f"{op}: invalid subscript {c!r} in {eq!r}: only letters are allowed"
                )
        if len(labels) > len(shape) or (not has_ell and len(labels) != len(shape)):
            raise ValueError(f"{op}: operand of shape {shape} does not match subscripts {term!r}")
        n_ell = len(shape) - len(labels)
        pre = term.index("...") if has_ell else len(labels)
        ell_shapes.append(shape[pre : pre + n_ell] if has_ell else ())
        dims = shape[:pre] + shape[pre + n_ell :]
        local = {}
        for c, d in zip(labels, dims):
            if c in local and local[c] != d:
                raise ValueError(
                    f"{op}: repeated index {c!r} in operand {term!r} has sizes {local[c]} and {d}"
                )
            local[c] = d
        for c, d in local.items():
            counts[c] = counts.get(c, 0) + 1
            old = sizes.get(c, 1)
            if old != d and old != 1 and d != 1:
                raise ValueError(
                    f"{op}: size of index {c!r} is {old} in one operand "
                    f"and {d} in another (shapes {shapes})"
                )
            sizes[c] = d if old == 1 else old
        for c in labels:
            if labels.count(c) > 1:
                counts[c] += 1
    try:
        ell = broadcast_shapes(op, *ell_shapes) if len(ell_shapes) > 1 else ell_shapes[0]
    except ValueError:
        raise ValueError(f"{op}: ellipsis dimensions of {shapes} do not broadcast") from None
    any_ell = "..." in lhs
    if not arrow:
        # numpy: the ellipsis, then the labels seen once, by character code
        rhs = ("..." if any_ell else "") + "".join(sorted(c for c, n in counts.items() if n == 1))
    if rhs.count("...") > 1 or "." in rhs.replace("...", ""):
        raise ValueError(f"{op}: invalid ellipsis in output {rhs!r}")
    out_labels = rhs.replace("...", "")
    for c in out_labels:
        if c not in sizes:
            raise ValueError(
                f"{op}: output subscript {c!r} does not appear in the inputs of {eq!r}"
            )
        if out_labels.count(c) > 1:
            raise ValueError(f"{op}: output subscript {c!r} appears more than once")
    if "..." in rhs:
        pre, post = rhs.split("...")
        out = tuple(sizes[c] for c in pre) + tuple(ell) + tuple(sizes[c] for c in post)
    else:
        if ell:
            raise ValueError(
                f"{op}: output has more dimensions than subscripts in "
                f"{eq!r}, but no '...' to broadcast the extra ones"
            )
        out = tuple(sizes[c] for c in rhs)
    return f"{lhs}->{rhs}", out


def einsum(*operands, optimize=False):
    """Einstein summation, e.g. ``einsum("ij,jk->ik", a, b)``.

    Computes what ``numpy.einsum`` computes with the same arguments
    (``optimize=False`` by default, as numpy).  On numpy, big contractions of
    operands that all share one float32/float64/complex dtype still use
    numpy's path-optimized (BLAS) einsum, where it is exact in dtype; bool,
    integer, float16 and mixed-dtype operands never do (numpy's optimized
    path computes those differently: wrong counts for bool, a lower precision
    for mixed ones).  ``optimize`` other than False asks for numpy's optimized
    path whatever the dtypes (numpy's own meaning of it).

    >>> import lazyray
    >>> a, b = lazyray.Variable((2, 3)), lazyray.Variable((3, 4))
    >>> lazyray.einsum("ij,jk", a, b).shape
    (2, 4)
    >>> lazyray.einsum(a, [0, 1], b, [1, 2], [2, 0]).shape
    (4, 2)
    """
    if not operands:
        raise TypeError("einsum: no subscripts given")
    if isinstance(operands[0], str):
        eq, arrays = operands[0], list(operands[1:])
    else:
        eq, arrays = _interleaved(operands)
    if not arrays:
        raise ValueError("einsum: no operands given")
    arrays, backend = lazy_operands("einsum", arrays)
    infos = [info(x) for x in arrays]
    shapes = tuple(s for s, _ in infos)
    try:
        eq, shape, blas, pair = _einsum_rule(eq, shapes)
    except TypeError:  # unhashable subscripts: the uncached rule says why
        eq, shape, blas, pair = _einsum_rule.__wrapped__(eq, shapes)
    keys = tuple(k for _, k in infos)
    dtype = array_result_type("einsum", backend, arrays, keys)
    node = make("einsum", (eq, *arrays), None, shape, dtype, backend=backend)
    # as autoray does lazily: numpy's BLAS-backed, path-optimized einsum for big
    # contractions (its path search costs more than it saves on small ones); a
    # pair that is one tensordot skips the search (planned from the shapes)
    optimized = optimize is not False and optimize is not None
    if backend == "numpy" and (
        optimized or (blas and dtype in _OPTIMIZE_DTYPES and all(k == dtype for k in keys))
    ):
        node._fn = pair or einsum_optimized
    return node


@lru_cache(maxsize=4096)
def _einsum_rule(eq, shapes):
    """``(canonical equation, output shape, worth numpy's optimize=True,
    its planned tensordot or None)``."""
    eq, shape = parse_einsum(eq, list(shapes))
    n = len(shapes)
    blas = n > 2 or (n == 2 and einsum_flops(eq, shapes) >= _EINSUM_BLAS_FLOPS)
    return eq, shape, blas, PairEinsum.of(eq, shapes)


#: contraction cost from which numpy's ``einsum(..., optimize=True)`` pays off
_EINSUM_BLAS_FLOPS = 8192
#: dtypes for which numpy's optimized einsum computes what its plain einsum
#: does (up to summation order), when every operand is of the result's dtype
_OPTIMIZE_DTYPES = frozenset(("float32", "float64", "complex64", "complex128"))
