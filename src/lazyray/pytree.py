"""Flattening and rebuilding the pytrees that :class:`~lazyray.Function` takes
and returns: lazy arrays (or, at call time, any non-container object) as
leaves inside nested tuples, lists, dicts and namedtuples.

A *spec* describes a structure: ``None`` for a leaf, ``(type, keys, specs)``
for a container (``keys`` is None for sequences), or ``("const", value)`` for
a non-lazy leaf of an output pytree, returned as it is.
"""

from __future__ import annotations

from .array import LazyArray

LEAF = None


def flatten_nodes(tree, leaves: list, what: str):
    """Spec of a pytree of lazy arrays; appends its leaves to ``leaves``.

    Non-lazy leaves are an error for inputs (``what="inputs"``) and kept as
    constants for outputs.
    """
    t = type(tree)
    if t is LazyArray:
        leaves.append(tree)
        return LEAF
    if isinstance(tree, dict):
        keys = list(tree)
        return (t, keys, [flatten_nodes(tree[k], leaves, what) for k in keys])
    if isinstance(tree, (tuple, list)):
        return (t, None, [flatten_nodes(v, leaves, what) for v in tree])
    if what == "inputs":
        raise TypeError(
            f"Function inputs must be lazy arrays (in tuples, lists or dicts), got "
            f"{type(tree).__name__}"
        )
    return ("const", tree)


def rebuild(spec, values):
    """Inverse of :func:`flatten_nodes`: ``values`` is an iterator of leaves."""
    if spec is LEAF:
        return next(values)
    t = spec[0]
    if t == "const":
        return spec[1]
    _, keys, specs = spec
    if keys is not None:
        items = [(k, rebuild(s, values)) for k, s in zip(keys, specs)]
        return dict(items) if t is dict else t(items)
    items = [rebuild(s, values) for s in specs]
    if t is tuple or t is list:
        return t(items)
    if hasattr(t, "_fields"):
        return t(*items)
    return t(items)


class Mismatch(Exception):
    pass


def match(spec, value, out: list) -> None:
    """Append the leaves of ``value`` to ``out`` if it has the structure
    ``spec`` (tuples and lists are interchangeable, dicts match by key);
    otherwise raise :class:`Mismatch`."""
    if spec is LEAF:
        if isinstance(value, (tuple, list, dict)):
            raise Mismatch
        out.append(value)
        return
    _, keys, specs = spec
    if keys is not None:
        if not isinstance(value, dict) or len(value) != len(keys):
            raise Mismatch
        for k, s in zip(keys, specs):
            if k not in value:
                raise Mismatch
            match(s, value[k], out)
        return
    if not isinstance(value, (tuple, list)) or len(value) != len(specs):
        raise Mismatch
    for s, v in zip(specs, value):
        match(s, v, out)


def flat_leaves(value, out: list) -> None:
    """All leaves of a call-time pytree, in order."""
    if isinstance(value, dict):
        for v in value.values():
            flat_leaves(v, out)
    elif isinstance(value, (tuple, list)):
        for v in value:
            flat_leaves(v, out)
    else:
        out.append(value)


def describe(spec) -> str:
    """A short text for a spec, e.g. ``[array, {'a': array}]``."""
    if spec is LEAF:
        return "array"
    if spec[0] == "const":
        return repr(spec[1])
    t, keys, specs = spec
    if keys is not None:
        return "{" + ", ".join(f"{k!r}: {describe(s)}" for k, s in zip(keys, specs)) + "}"
    inner = ", ".join(describe(s) for s in specs)
    if t is list:
        return f"[{inner}]"
    return f"({inner}{',' if len(specs) == 1 else ''})"


def describe_value(value) -> str:
    """A short text for the structure of call arguments."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {describe_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (tuple, list)):
        inner = ", ".join(describe_value(v) for v in value)
        if isinstance(value, list):
            return f"[{inner}]"
        return f"({inner}{',' if len(value) == 1 else ''})"
    return type(value).__name__
