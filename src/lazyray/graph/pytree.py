"""Pytrees: the nested containers of lazy arrays that :func:`lazyray.compute`,
:class:`~lazyray.Function` (inputs and outputs), node arguments and
dependency discovery all walk.

The rule
--------
- A **mapping** is any :class:`collections.abc.Mapping` (``dict``,
  ``OrderedDict``, ``defaultdict``, ``Counter``, ``MappingProxyType``, user
  mappings): its *values* are its children, in iteration order; keys are
  kept as they are.
- A **sequence** is any :class:`collections.abc.Sequence` (``tuple``,
  ``list``, namedtuples, ``deque``, ``UserList``, subclasses), except
  ``str``, ``bytes``, ``bytearray``, ``memoryview`` and ``range``, which are
  leaves.
- Everything else (lazy arrays, arrays, scalars, strings, callables...) is a
  **leaf**.

A container is rebuilt with its own type: a ``dict``, ``list`` or ``tuple``
directly; a namedtuple field by field; a ``defaultdict`` with its
``default_factory``; a ``deque`` with its ``maxlen``; any other mapping as
``type(x)(dict_of_values)`` and any other sequence as
``type(x)(list_of_values)``.  A type whose constructor does not accept that
raises a ``TypeError`` naming it (use a dict, list or tuple instead).

A *spec* describes a structure: ``None`` for a leaf, ``(type, keys, specs,
aux)`` for a container (``keys`` is None for sequences; ``aux`` is the
``default_factory`` or ``maxlen`` when the type needs one), or ``("const",
value)`` for a non-lazy leaf of an output pytree, returned as it is.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping, Sequence

from .node import LazyArray

__all__ = [
    "LEAF",
    "MAP",
    "SEQ",
    "kind_of",
    "children",
    "container_aux",
    "make_container",
    "rebuild_container",
    "flatten_nodes",
    "rebuild",
    "match",
    "describe",
    "describe_value",
    "safe_repr",
]

LEAF = None
#: :func:`kind_of` values
MAP, SEQ = 1, 2

#: sequence types that are leaves
_ATOMIC_SEQUENCES = (str, bytes, bytearray, memoryview, range)

# kind by type, filled on first sight (one dict lookup afterwards)
_KINDS: dict = {tuple: SEQ, list: SEQ, dict: MAP, LazyArray: LEAF}
for _t in (int, float, complex, bool, str, bytes, type(None), slice, type(Ellipsis)):
    _KINDS[_t] = LEAF
_BASE_KINDS = dict(_KINDS)
_MAX_KINDS = 4096


def kind_of(t: type):
    """:data:`MAP`, :data:`SEQ` or :data:`LEAF` (None) for the type ``t``.

    >>> import collections
    >>> kind_of(collections.OrderedDict) == MAP, kind_of(str) is LEAF
    (True, True)
    """
    try:
        return _KINDS[t]
    except KeyError:
        pass
    except TypeError:  # pragma: no cover - unhashable metaclass instance
        return _kind(t)
    if len(_KINDS) > _MAX_KINDS:  # types made on the fly: keep the cache bounded
        _KINDS.clear()
        _KINDS.update(_BASE_KINDS)
    k = _KINDS[t] = _kind(t)
    return k


def _kind(t):
    if t is LazyArray or not isinstance(t, type):
        return LEAF
    if issubclass(t, Mapping):
        return MAP
    if issubclass(t, Sequence) and not issubclass(t, _ATOMIC_SEQUENCES):
        return SEQ
    return LEAF


def children(x, k) -> tuple:
    """``(keys, values)`` of a container of kind ``k`` (keys None for sequences)."""
    if k == MAP:
        keys = list(x)
        return keys, [x[key] for key in keys]
    return None, list(x)


def container_aux(x):
    """What rebuilding ``x`` needs beside its type and values: a
    ``defaultdict``'s ``default_factory``, a ``deque``'s ``maxlen``, else None.

    >>> import collections
    >>> container_aux(collections.defaultdict(list)), container_aux([])
    (<class 'list'>, None)
    """
    if isinstance(x, collections.defaultdict):
        return x.default_factory
    if isinstance(x, collections.deque):
        return x.maxlen
    return None


def make_container(t: type, keys, values, aux=None):
    """A container of type ``t`` holding ``values`` (under ``keys`` for a
    mapping); see the module docstring for the rule.

    >>> make_container(dict, ["a"], [1]), make_container(tuple, None, [1, 2])
    ({'a': 1}, (1, 2))
    """
    if t is tuple or t is list:
        return t(values)
    if t is dict:
        return dict(zip(keys, values))
    try:
        if keys is not None:
            if issubclass(t, collections.defaultdict):
                return t(aux, zip(keys, values))
            return t(dict(zip(keys, values)))
        if issubclass(t, tuple) and hasattr(t, "_fields"):
            return t(*values)
        if issubclass(t, collections.deque):
            return t(values, aux)
        return t(values)
    except Exception as e:
        what = "type(x)(dict)" if keys is not None else "type(x)(list)"
        raise TypeError(
            f"cannot rebuild a {t.__name__} container of lazy arrays: lazyray rebuilds "
            f"it as {what}, which raised {type(e).__name__}: {e}; use a dict, list or "
            "tuple instead"
        ) from None


def rebuild_container(x, keys, values):
    """A container like ``x`` (same type, same ``default_factory`` or
    ``maxlen``) holding ``values``.

    >>> import collections
    >>> d = rebuild_container(collections.defaultdict(list), ["a"], [1])
    >>> d.default_factory, dict(d)
    (<class 'list'>, {'a': 1})
    """
    return make_container(type(x), keys, values, container_aux(x))


# ------------------------------------------------------- Function pytrees


def flatten_nodes(tree, leaves: list, what: str):
    """Spec of a pytree of lazy arrays; appends its leaves to ``leaves``.

    Non-lazy leaves are an error for inputs (``what="inputs"``) and kept as
    constants for outputs.  A container type that cannot be rebuilt (see
    the module docstring) is a ``TypeError`` here, not at call time.
    """
    t = type(tree)
    if t is LazyArray:
        leaves.append(tree)
        return LEAF
    k = kind_of(t)
    if k is not LEAF:
        keys, values = children(tree, k)
        aux = container_aux(tree)
        if t is not tuple and t is not list and t is not dict:
            make_container(t, keys, values, aux)  # rebuildable? (TypeError if not)
        return (t, keys, [flatten_nodes(v, leaves, what) for v in values], aux)
    if what == "inputs":
        raise TypeError(
            f"Function inputs must be lazy arrays (in tuples, lists, dicts or other "
            f"sequences and mappings), got {type(tree).__name__}"
        )
    return ("const", tree)


def rebuild(spec, values):
    """Inverse of :func:`flatten_nodes`: ``values`` is an iterator of leaves."""
    if spec is LEAF:
        return next(values)
    t = spec[0]
    if t == "const":
        return spec[1]
    _, keys, specs, aux = spec
    return make_container(t, keys, [rebuild(s, values) for s in specs], aux)


class Mismatch(Exception):
    pass


def match(spec, value, out: list) -> None:
    """Append the leaves of ``value`` to ``out`` if it has the structure
    ``spec`` (any sequence matches a sequence, any mapping matches a
    mapping by key); otherwise raise :class:`Mismatch`."""
    if spec is LEAF:
        if kind_of(type(value)) is not LEAF:
            raise Mismatch
        out.append(value)
        return
    keys, specs = spec[1], spec[2]
    k = kind_of(type(value))
    if keys is not None:
        if k != MAP or len(value) != len(keys):
            raise Mismatch
        for key, s in zip(keys, specs):
            if key not in value:
                raise Mismatch
            match(s, value[key], out)
        return
    if k != SEQ or len(value) != len(specs):
        raise Mismatch
    for s, v in zip(specs, value):
        match(s, v, out)


def flat_leaves(value, out: list) -> None:
    """All leaves of a call-time pytree, in order."""
    k = kind_of(type(value))
    if k is LEAF:
        out.append(value)
        return
    for v in children(value, k)[1]:
        flat_leaves(v, out)


def safe_repr(x, limit: int | None = None) -> str:
    """``repr(x)``, or ``<unrepresentable T>`` when that raises; cut to
    ``limit`` characters (ending in ``...``) if given.

    >>> class Bad:
    ...     def __repr__(self):
    ...         raise RuntimeError
    >>> safe_repr(Bad()), safe_repr("abcdef", limit=5)
    ('<unrepresentable Bad>', "'a...")
    """
    try:
        r = repr(x)
        if type(r) is not str:
            raise TypeError
    except Exception:
        r = f"<unrepresentable {type(x).__name__}>"
    if limit is not None and len(r) > limit:
        r = r[: limit - 3] + "..."
    return r


def _container_text(t, keys, parts: list) -> str:
    """The texts ``parts`` of the items of a container of type ``t`` (with
    ``keys``, a mapping's) in its brackets."""
    if keys is not None:
        inner = ", ".join(f"{safe_repr(k, 40)}: {p}" for k, p in zip(keys, parts))
        return ("" if t is dict else t.__name__) + "{" + inner + "}"
    inner = ", ".join(parts)
    if t is list:
        return f"[{inner}]"
    if t is tuple:
        return f"({inner}{',' if len(parts) == 1 else ''})"
    return f"{t.__name__}({inner})"


def describe(spec) -> str:
    """A short text for a spec, e.g. ``[array, {'a': array}]``."""
    if spec is LEAF:
        return "array"
    if spec[0] == "const":
        return safe_repr(spec[1], 40)
    return _container_text(spec[0], spec[1], [describe(s) for s in spec[2]])


def describe_value(value) -> str:
    """A short text for the structure of call arguments."""
    t = type(value)
    k = kind_of(t)
    if k is LEAF:
        return t.__name__
    keys, values = children(value, k)
    return _container_text(t, keys if k == MAP else None, [describe_value(v) for v in values])
