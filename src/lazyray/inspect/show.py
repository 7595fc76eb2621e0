"""Text views of a graph: the nested tree of ``show()`` and a listing.

- :func:`show` prints the graph as a nested directory-like tree from the
  outputs down to the inputs, one numbered line per node; a node met again
  points back to the line where it was first shown.
- :func:`listing` writes one line per node in computation order, in the
  style of a jaxpr: ``x3:f64[4,4] = tanh x2``.

Both are iterative and can be limited with ``max_lines``.
"""

from __future__ import annotations

import contextlib
import sys

from ..graph.dtypes import dtype_name
from ..graph.node import LazyArray
from ..graph.pytree import LEAF, _container_text, children, kind_of, safe_repr
from ..graph.traverse import ascend, find_lazy, to_list
from .stats import node_name

__all__ = ["show", "listing", "tree_lines", "aval", "short_dtype"]

#: dtype name prefixes and their jaxpr-style abbreviations (``bool`` stays)
_SHORT = (("bfloat", "bf"), ("float", "f"), ("complex", "c"), ("uint", "u"), ("int", "i"))

#: tree levels drawn in full before the prefix is elided
_MAX_COLUMNS = 48


def short_dtype(name: str) -> str:
    """jaxpr-style short dtype name.

    >>> short_dtype("float64"), short_dtype("complex64"), short_dtype("bool")
    ('f64', 'c64', 'bool')
    """
    for long, short in _SHORT:
        bits = name[len(long) :]
        if name.startswith(long) and bits in ("8", "16", "32", "64", "128"):
            return short + bits
    return name


def aval(node: LazyArray) -> str:
    """Dtype and shape of a node, e.g. ``f64[4,4]``; a tuple of them for a
    hidden multi-output node.

    >>> import lazyray
    >>> aval(lazyray.Variable((4, 3), dtype="float32")), aval(lazyray.Variable(()))
    ('f32[4,3]', 'f64[]')
    """
    if type(node._dtype) is tuple:
        return "(" + ", ".join(_aval(s, d) for s, d in zip(node._shape, node._dtype)) + ")"
    return _aval(node._shape, node._dtype)


def _aval(shape, dtype) -> str:
    return f"{short_dtype(dtype)}[{','.join(map(str, shape))}]"


def _fmt(x, name, limit=40) -> str:
    """Render an argument: nodes through ``name(node)``, values briefly.

    Never raises: an object whose ``repr`` (or attribute access) fails is
    shown as ``<unrepresentable T>``.
    """
    t = type(x)
    if t is LazyArray:
        return name(x)
    if t is slice:
        parts = ["" if v is None else _fmt(v, name) for v in (x.start, x.stop, x.step)]
        return ":".join(parts[:2] if x.step is None else parts)
    if x is Ellipsis:
        return "..."
    if t in _PLAIN:
        return safe_repr(x, limit)
    k = kind_of(t)
    if k is not LEAF:  # a sequence or mapping (lazyray.graph.pytree)
        keys, values = children(x, k)
        parts = [_fmt(v, name) for v in values]
        if keys is None or t is dict:
            return _container_text(t, keys, parts)
        return f"{t.__name__}({_container_text(dict, keys, parts)})"
    with contextlib.suppress(Exception):  # exotic or hostile objects: fall back to the repr
        if hasattr(x, "shape") and hasattr(x, "dtype") and not isinstance(x, (int, float, complex)):
            return f"<{t.__name__} {_aval(tuple(x.shape), dtype_name(x.dtype))}>"
    with contextlib.suppress(Exception):
        if callable(x) and isinstance(getattr(x, "__name__", None), str):
            return x.__name__
    return safe_repr(x, limit)


_PLAIN = frozenset((int, float, complex, bool, str, bytes, type(None)))


def _hash_name(node) -> str:
    return "#"


def _node_text(node, show_args: bool = True) -> str:
    """The text of one tree line (without prefix)."""
    if node._fn is None:
        if node._data is None or node._op in ("array", "variable"):
            return f"←{node_name(node)} {aval(node)}"
        return f"←{node._op} {aval(node)} (computed)"
    if not show_args:
        return f"{node._op} → {aval(node)}"
    args = [_fmt(a, _hash_name) for a in node._args]
    if node._kwargs:
        args += [f"{k}={_fmt(v, _hash_name)}" for k, v in node._kwargs.items()]
    return f"{node._op}({', '.join(args)}) → {aval(node)}"


def _limit(lines, max_lines, indent: str):
    """At most ``max_lines`` of ``lines`` in all: when some are left out, the
    last line shown says so (unless ``max_lines`` is 1)."""
    if max_lines is None or max_lines == float("inf"):
        yield from lines
        return
    max_lines = int(max_lines)
    if max_lines <= 0:
        return
    buffered = []
    for text in lines:
        if len(buffered) == max_lines:  # one more than fits: truncate
            yield from buffered[:-1] if max_lines > 1 else buffered
            if max_lines > 1:
                yield f"{indent}... (more lines not shown: max_lines={max_lines})"
            return
        buffered.append(text)
    yield from buffered


def tree_lines(lz, filler: str = " ", max_lines=None, max_depth=None, show_args: bool = True):
    """Yield the lines of :func:`show` (see there): at most ``max_lines``
    lines in all, the last of them saying that more are not shown.

    >>> import lazyray
    >>> y = lazyray.sin(lazyray.cos(lazyray.Variable((2,))))
    >>> print("\\n".join(tree_lines(y, max_lines=2)))
       0 sin(#) → f64[2]
         ... (more lines not shown: max_lines=2)
    """
    return _limit(_tree_lines(lz, filler, max_depth, show_args), max_lines, " " * 5)


def _tree_lines(lz, filler, max_depth, show_args):
    max_depth = float("inf") if max_depth is None else max_depth
    bar, space = f"│{filler}", f"{filler}{filler}"
    junction, bend = "├─", "╰─"
    seen: dict = {}
    # stack entries: (node, columns), columns a linked list (islast, parent, depth)
    stack = [(node, None) for node in reversed(to_list(lz))]
    line = 0
    while stack:
        node, cols = stack.pop()
        prefix = ""
        depth = 0
        if cols is not None:
            depth = cols[2]
            flags = []
            c = cols
            while c is not None and len(flags) < _MAX_COLUMNS:
                flags.append(c[0])
                c = c[1]
            flags.reverse()
            prefix = "".join(space if last else bar for last in flags[:-1])
            prefix += bend if flags[-1] else junction
            if c is not None:
                prefix = f"⋯({depth - len(flags)} levels){filler}" + prefix
        text = _node_text(node, show_args)
        first = seen.get(id(node))
        if first is not None:
            yield f"{line:>4} {prefix} ... [{text} from line {first}]"
            line += 1
            continue
        yield f"{line:>4} {prefix}{text}"
        seen[id(node)] = line
        line += 1
        if depth < max_depth and node._deps:
            # operands in argument order, repeats included (``x @ x``)
            deps = list(find_lazy((node._args, node._kwargs)))
            deps.sort(key=LazyArray.depth.fget, reverse=True)
            stack.extend((d, (i == 0, cols, depth + 1)) for i, d in enumerate(deps))


def show(
    lz,
    filler: str = " ",
    max_lines: int | None = None,
    max_depth: int | None = None,
    show_args: bool = True,
    *,
    style: str = "tree",
    file=None,
) -> None:
    """Print the graph behind ``lz``.

    Parameters
    ----------
    lz : pytree of LazyArray
        The output(s) of the graph.
    filler : str, optional
        The string used to fill the space left of the tree's branches.
    max_lines : int, optional
        The maximum number of lines to show (all by default).  When lines
        are left out, the last line printed says so.
    max_depth : int, optional
        Do not descend further than this many levels (tree style only).
    show_args : bool, optional
        Show each op's arguments (default); with False, a line is just the
        op name and its result, ``tanh → f64[4,4]`` (as autoray's lazy module's
        ``show(show_args=False)``).
    style : {"tree", "listing"}, optional
        ``"tree"`` (default): the graph as a nested tree, outputs first, one
        numbered line per node ``op(args) → dtype[shape]`` (``#`` marks a
        lazy argument, ``←`` an input); a node met again points back to its
        first line.  ``"listing"``: one line per node in computation order
        (see :func:`listing`).
    file : file-like, optional
        Where to print (default: standard output).

    Examples
    --------
    >>> import lazyray
    >>> x = lazyray.Variable((4, 4))
    >>> y = lazyray.tanh(x @ x).sum(axis=0)
    >>> show(y)
       0 sum(#, axis=0) → f64[4]
       1 ╰─tanh(#) → f64[4,4]
       2   ╰─matmul(#, #) → f64[4,4]
       3     ├─←variable f64[4,4]
       4     ╰─ ... [←variable f64[4,4] from line 3]
    >>> show(y, max_lines=3, show_args=False)
       0 sum → f64[4]
       1 ╰─tanh → f64[4,4]
         ... (more lines not shown: max_lines=3)
    >>> show(y, style="listing")
    x0:f64[4,4] = variable
    x1:f64[4,4] = matmul x0 x0
    x2:f64[4,4] = tanh x1
    x3:f64[4] = sum[axis=0] x2
    out: x3
    """
    file = sys.stdout if file is None else file
    if style == "tree":
        lines = tree_lines(lz, filler, max_lines, max_depth, show_args)
    elif style == "listing":
        lines = _listing_lines(lz, max_lines=max_lines, show_args=show_args)
    else:
        raise ValueError(f"show: style must be 'tree' or 'listing', got {style!r}")
    for text in lines:
        print(text, file=file)


def _listing_lines(lz, max_lines=None, show_args=True):
    return _limit(_all_listing_lines(lz, show_args), max_lines, "")


def _all_listing_lines(lz, show_args):
    names: dict = {}

    def name(node):
        return names[id(node)]

    outputs = to_list(lz)
    for i, node in enumerate(ascend(outputs)):
        names[id(node)] = n = f"x{i}"
        if node._fn is None:
            rhs = node_name(node)
            if node._data is not None and node._op not in ("array", "variable"):
                rhs += f"  # computed {node._op}"
        else:
            rhs = str(node._op)
            if show_args and node._kwargs:
                params = ", ".join(f"{k}={_fmt(v, name)}" for k, v in node._kwargs.items())
                rhs += f"[{params}]"
            if show_args and node._args:
                rhs += " " + " ".join(_fmt(a, name) for a in node._args)
        yield f"{n}:{aval(node)} = {rhs}"
    yield "out: " + ", ".join(names[id(o)] for o in outputs)


def listing(lz, max_lines: int | None = None, show_args: bool = True) -> str:
    """One line per node, in computation order, as a string.

    Each line reads ``name:dtype[shape] = op[params] operands``; names are
    ``x0``, ``x1``... in :func:`lazyray.ascend` order, inputs are
    ``variable`` or ``array``, and the last line names the outputs.

    >>> import lazyray
    >>> x = lazyray.Variable((3,), dtype="float32")
    >>> print(listing(lazyray.sin(x[1:]) * 2))
    x0:f32[3] = variable
    x1:f32[2] = getitem x0 1:
    x2:f32[2] = sin x1
    x3:f32[2] = multiply x2 2
    out: x3
    """
    return "\n".join(_listing_lines(lz, max_lines=max_lines, show_args=show_args))
