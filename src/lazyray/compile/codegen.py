"""Python source for a graph: :func:`get_source`, :func:`as_string`.

The source is a real ``def graph(x0, x1, ...)`` with readable, deterministic
names: inputs are ``x0, x1, ...`` and each computed value is named after its
op and position (``tensordot_3``).  Backend functions and constants that are
not plain literals are bound by name in ``params`` (the globals to ``exec``
the source in); every local is deleted after its last use.

Only values whose ``repr`` is known to round-trip exactly are written as
literals: ``None``, ``bool``, ``int``, finite ``float``, ``str`` (checked with
:func:`ast.literal_eval`), slices of ints and tuples of those.  Everything
else (``nan``, ``inf``, numpy scalars, complex numbers, dtypes, ``...``,
lists, dicts, arbitrary objects) is injected as a named constant, so no user
value ever becomes code.  Keyword arguments are written ``name=value`` only
when ``name`` is a plain ASCII identifier (Python reads other identifiers in
NFKC form, and cannot assign keywords or ``__debug__``); otherwise they go
through a dict, ``**kwargs_0`` or ``**{'name': value}``.

The source is written from the same flattened program (:mod:`lazyray.compile.tape`)
that :class:`Function` runs, so what it shows is what runs.
"""

from __future__ import annotations

import ast
import keyword
import math
import re

from ..graph.node import LazyArray
from ..graph.traverse import to_list
from .tape import BIN, BINC, FREE, GEN, ITEMS, ITKW, KW, UN, Program, Slot, _Rebuild
from .tapebuild import build

__all__ = ["get_source", "as_string", "render"]

_MAX_STR = 80


def get_source(lz, params: dict | None = None) -> str:
    """Write the source of the unravelled graph behind ``lz``.

    Parameters
    ----------
    lz : pytree of LazyArray
        The output node(s).
    params : dict, optional
        Filled with the runtime objects the source needs (backend functions,
        constants); ``exec(source, params)`` then defines ``params["graph"]``.

    Returns
    -------
    str
        The source of ``def graph(x0, x1, ...)``, whose arguments are the
        variables of the graph in order of discovery, and which returns the
        output (or a tuple of the unique outputs, in order).

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> x = lazyray.Variable((2, 3))
    >>> y = lazyray.tensordot(x, x, axes=[(1,), (1,)])
    >>> params = {}
    >>> print(get_source(lazyray.tanh(y) + 1.5, params))
    def graph(x0):
        tensordot_1 = tensordot(x0, x0, axes=((1,), (1,)))
        del x0
        tanh_2 = tanh(tensordot_1)
        del tensordot_1
        add_3 = add(tanh_2, 1.5)
        del tanh_2
        return add_3
    >>> exec(get_source(lazyray.tanh(y) + 1.5, params), params)
    >>> params["graph"](np.zeros((2, 3)))
    array([[1.5, 1.5],
           [1.5, 1.5]])
    """
    prog, _ = build(to_list(lz), None, fold=False)
    return render(prog, params)


def as_string(node: LazyArray, params: dict) -> str:
    """The statement that creates ``node`` from its direct dependencies.

    The dependencies are named ``x0, x1, ...`` in the order of ``node.deps``;
    those with data are put in ``params``, as are the function and constants.

    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.arange(3.0))
    >>> params = {}
    >>> line = as_string(x * 2.0, params)
    >>> line
    'multiply_1 = multiply(x0, 2.0)'
    >>> exec(line, params)
    >>> params["multiply_1"].tolist()
    [0.0, 2.0, 4.0]
    """
    params = {} if params is None else params
    if node._fn is None or node._data is not None:
        if node._data is None:
            raise ValueError("a Variable has no source: it is an input of the graph")
        params["x0"] = node._data
        return "x0 = x0"
    deps = list(node._deps)
    prog, _ = build([node], deps, fold=False)
    names = []
    line = render(prog, params, body_only=True, input_names=names)
    for name, d in zip(names, deps):
        if d._data is not None:
            params[name] = d._data
    return line


# ------------------------------------------------------------------ literals


def literal(x) -> str | None:
    """Source text that evaluates exactly to ``x``, or None if there is none
    that is known to be safe.

    >>> literal((1, -2.5, "it's", None)), literal(float("nan")), literal("a\\nb")
    ('(1, -2.5, "it\\'s", None)', None, "'a\\\\nb'")
    """
    text = _text(x)
    if text is None:
        return None
    if "slice(" not in text:
        # prove the round trip: the text must parse back to exactly x (the
        # repr of these types, and of tuples of them, tells their values apart)
        try:
            back = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
        if repr(back) != repr(x):
            return None
    return text


def _text(x):
    t = type(x)
    if x is None or t is bool:
        return repr(x)
    if t is int:
        return repr(x) if abs(x) < 10**30 else None
    if t is float:
        return repr(x) if math.isfinite(x) else None
    if t is str:
        r = repr(x)
        if len(r) > _MAX_STR:
            return None
        try:  # prove it (str's repr is a literal, but trust nothing)
            ok = ast.literal_eval(r) == x
        except (ValueError, SyntaxError):
            ok = False
        return r if ok else None
    if t is slice:
        parts = (x.start, x.stop, x.step)
        if all(p is None or type(p) is int for p in parts):
            return "slice(" + ", ".join(map(repr, parts)) + ")"
        return None
    if t is tuple and len(x) <= 32:
        items = [_text(v) for v in x]
        if any(i is None for i in items):
            return None
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    return None


# ----------------------------------------------------------------- rendering

_UNSAFE = re.compile(r"[^0-9A-Za-z_]")


def _ident(name: str) -> str:
    """An ASCII identifier made from ``name`` (``linalg.svd`` -> ``linalg_svd``)."""
    s = _UNSAFE.sub("_", str(name)).strip("_") or "fn"
    if s[0].isdigit():
        s = "_" + s
    return s


def _plain_name(k) -> bool:
    """Whether ``k`` can be written as ``k=...`` in a call and means ``k``
    (see the module docstring: ``"\ufb01"``, the ligature, is read as ``fi``)."""
    return (
        type(k) is str
        and k.isascii()
        and k.isidentifier()
        and not keyword.iskeyword(k)
        and k != "__debug__"
    )


class _Writer:
    def __init__(self, prog: Program, params: dict):
        self.prog = prog
        self.params = params
        # names taken: builtins used by the source, and whatever params holds
        self.taken = {"graph", "slice", *params}
        self.obj_names = {}  # id(obj) -> name, for injected objects
        self.const_refs = {}  # const index -> text
        self.keep = []  # objects whose id is a key of obj_names
        self.fn_names = {}  # (id(fn), op name) -> name
        self.count = 0  # injected constants so far
        self.texts = {}  # id(obj) -> its text in the source

    def fresh(self, base: str) -> str:
        base = _ident(base)
        if keyword.iskeyword(base) or base in ("None", "True", "False"):
            base += "_"
        name, k = base, 1
        while name in self.taken:
            name = f"{base}_{k}"
            k += 1
        self.taken.add(name)
        return name

    def inject(self, obj, base: str) -> str:
        """The name of a constant bound in params (``const_0``, ``dtype_1``...)."""
        name = self.obj_names.get(id(obj))
        if name is None:
            name = self.fresh(f"{base}_{self.count}")
            self.count += 1
            self.obj_names[id(obj)] = name
            self.keep.append(obj)
            self.params[name] = obj
        return name

    def value(self, x) -> str:
        """A static value: literal text or an injected name."""
        text = self.texts.get(id(x))
        if text is None:
            text = literal(x)
            if text is None:
                text = self.inject(x, _ident(type(x).__name__).lower())
            self.texts[id(x)] = text
            self.keep.append(x)
        return text

    def const(self, j: int) -> str:
        text = self.const_refs.get(j)
        if text is None:
            c = self.prog.consts[j]
            text = self.inject(c, "const") if j in self.prog.node_consts else self.value(c)
            self.const_refs[j] = text
        return text

    def fn(self, fn, op) -> str:
        # one name per (function, op name): ``item`` and ``getitem`` are both
        # operator.getitem, but read better under their own names
        key = (id(fn), op)
        name = self.fn_names.get(key)
        if name is None:
            prev = self.obj_names.get(id(fn))
            if prev is not None and prev.startswith(_ident(op)):
                name = prev
            else:
                name = self.fresh(op)
                self.params[name] = fn
                self.obj_names.setdefault(id(fn), name)
                self.keep.append(fn)
            self.fn_names[key] = name
        return name

    def kwargs(self, kw: dict) -> list:
        if all(_plain_name(k) for k in kw):
            return [f"{k}={self.value(v)}" for k, v in kw.items()]
        return ["**" + self.inject(kw, "kwargs")]


def render(
    prog: Program, params: dict | None = None, body_only: bool = False, input_names=None
) -> str:
    """The source of a flattened program (see :func:`get_source`).

    ``body_only`` leaves out the ``def`` line, the ``del`` statements and the
    ``return``; the names given to the inputs are appended to
    ``input_names`` when it is a list.
    """
    params = {} if params is None else params
    w = _Writer(prog, params)
    names = {i: w.fresh(f"x{i}") for i in range(prog.n_in)}
    in_names = [names[i] for i in range(prog.n_in)]
    if input_names is not None:
        input_names.extend(in_names)

    def ref(s):
        return names[s] if s >= 0 else w.const(-s - 1)

    def tmpl(t):
        tt = type(t)
        if tt is Slot:
            return ref(t.i)
        if tt is _Rebuild:
            k = t.kind
            if k is dict:
                return "{" + ", ".join(f"{w.value(key)}: {tmpl(v)}" for key, v in t.items) + "}"
            if issubclass(k, dict):
                pairs = ", ".join(f"({w.value(key)}, {tmpl(v)})" for key, v in t.items)
                return f"{w.inject(k, k.__name__)}([{pairs}])"
            inner = ", ".join(tmpl(v) for v in t.items)
            if k is tuple:
                return f"({inner}{',' if len(t.items) == 1 else ''})"
            if k is list:
                return f"[{inner}]"
            if hasattr(k, "_fields"):
                return f"{w.inject(k, k.__name__)}({inner})"
            return f"{w.inject(k, k.__name__)}([{inner}])"
        return w.value(t)

    lines = []
    tape, ops = prog.tape, prog.ops
    count = prog.n_in
    i, n = 0, len(tape)
    while i < n:
        code, fn, out, a, b = tape[i]
        op = ops[i]
        i += 1
        if code == FREE:
            lines.append("del " + ", ".join(names.pop(s) for s in a))
            continue
        if code == BIN:
            args = [ref(a), ref(b)]
        elif code == UN:
            args = [ref(a)]
        elif code == BINC:
            args = [ref(a), w.value(b)]
        elif code == KW:
            args = [ref(a), *w.kwargs(b)]
        elif code in (ITEMS, ITKW):
            args = [ref(s) for s in a.__reduce__()[1]]
            if code == ITKW:
                args += w.kwargs(b)
        else:
            assert code == GEN
            args = [tmpl(v) for v in a.args]
            kw = a.kwargs or {}
            if all(_plain_name(k) for k in kw):
                args += [f"{k}={tmpl(v)}" for k, v in kw.items()]
            else:  # as a dict literal
                args.append("**" + tmpl(_Rebuild(dict, list(kw.items()))))
        fname = w.fn(fn, op)
        new = w.fresh(f"{_ident(op)}_{count}")
        count += 1
        dead = names.get(out)
        names[out] = new
        lines.append(f"{new} = {fname}({', '.join(args)})")
        dels = [dead] if dead is not None else []
        if i < n and tape[i][0] == FREE:
            dels += [names.pop(s) for s in tape[i][3]]
            i += 1
        if dels:
            lines.append("del " + ", ".join(dels))
    if body_only:
        return "\n".join(line for line in lines if not line.startswith("del "))
    outs = [ref(s) for s in prog.out_slots]
    ret = outs[0] if len(outs) == 1 else "(" + ", ".join(outs) + ")"
    head = f"def graph({', '.join(in_names)}):"
    return "\n".join([head, *("    " + line for line in lines), f"    return {ret}"])
