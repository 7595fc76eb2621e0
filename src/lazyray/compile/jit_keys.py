"""The cache keys of :func:`lazyray.jit`: static arguments, array leaves
turned into Variables, and the messages naming what cannot be traced."""

from __future__ import annotations

import inspect

from autoray import infer_backend

from ..graph.dtypes import dtype_name
from ..graph.node import LazyArray, Variable


class _Inline(Exception):
    """Raised while reading a signature when an argument is already lazy."""


_TREE = "tree"  # marks the general form of a key (the fast form is a tuple of triples)


def _is_array(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, type)


def _static_key(v, where: str):
    """The cache-key form of a static value: its type and value (floats by
    ``hex``, so that ``-0.0``/``0.0`` differ and ``nan`` hits)."""
    t = type(v)
    if t is float:
        return (t, v.hex())
    if t is complex:
        return (t, v.real.hex(), v.imag.hex())
    try:
        hash(v)
    except TypeError:
        raise TypeError(
            f"lazyray.jit: {where} is a {t.__name__}, which is neither an array nor "
            "hashable; non-array arguments are static (part of the cache key) and must be "
            "hashable: pass a tuple instead of a list, or an array"
        ) from None
    return (t, v)


def _walk(x, where: str, parts: list, leaves: list) -> None:
    """Append the key tokens of the pytree ``x`` to ``parts`` and its array
    leaves to ``leaves``."""
    if isinstance(x, LazyArray):
        raise _Inline
    if isinstance(x, (tuple, list)):
        parts.append((type(x), len(x)))
        for i, v in enumerate(x):
            _walk(v, f"{where}[{i}]", parts, leaves)
    elif isinstance(x, dict):
        parts.append((type(x), tuple(x)))
        for k, v in x.items():
            _walk(v, f"{where}[{k!r}]", parts, leaves)
    elif _is_array(x):
        parts.append((type(x), x.shape, x.dtype))
        leaves.append(x)
    else:
        parts.append(_static_key(x, where))


def _map_arrays(x, f):
    """``x`` with each array leaf ``a`` replaced by ``f(a)``, in order."""
    if isinstance(x, (tuple, list)):
        items = [_map_arrays(v, f) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
    if isinstance(x, dict):
        return type(x)([(k, _map_arrays(v, f)) for k, v in x.items()])
    return f(x) if _is_array(x) else x


def _describe(x) -> str:
    if isinstance(x, (tuple, list)):
        inner = ", ".join(_describe(v) for v in x)
        return f"[{inner}]" if isinstance(x, list) else f"({inner}{',' * (len(x) == 1)})"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {_describe(v)}" for k, v in x.items()) + "}"
    if _is_array(x):
        shape = ",".join(str(int(d)) for d in x.shape)
        return f"{infer_backend(x)}:{dtype_name(x.dtype)}[{shape}]"
    return repr(x)


def _variable(x) -> LazyArray:
    return Variable(tuple(int(d) for d in x.shape), infer_backend(x), dtype_name(x.dtype))


def _static_sets(fn, nums, names):
    """Normalize ``static_argnums`` / ``static_argnames`` and, where the
    signature of ``fn`` allows, make each imply the other (as ``jax.jit``)."""
    nums = (nums,) if isinstance(nums, int) else tuple(nums)
    names = (names,) if isinstance(names, str) else tuple(names)
    if not all(isinstance(i, int) for i in nums):
        raise TypeError(f"static_argnums must be ints, got {nums!r}")
    if not all(isinstance(n, str) for n in names):
        raise TypeError(f"static_argnames must be strings, got {names!r}")
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return nums, frozenset(names)
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p.name for p in params if p.kind in kinds]
    var = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params)
    out_nums = set()
    for i in nums:
        if i < 0 and not var:
            i += len(positional)
        out_nums.add(i)
        if 0 <= i < len(positional) and params[i].kind is not inspect.Parameter.POSITIONAL_ONLY:
            names += (positional[i],)
    for n in names:
        if n in positional:
            out_nums.add(positional.index(n))
    return tuple(sorted(out_nums)), frozenset(names)
