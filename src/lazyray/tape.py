"""The engine behind :class:`lazyray.Function`: a graph flattened into a tape.

A :class:`Program` is a list of instructions ``(code, fn, out, a, b)`` that a
tight loop (:func:`run`) replays on a list of registers ``r``.  Registers
``0 .. n_in - 1`` receive the inputs; further registers hold intermediates
and are reused as soon as the value they hold is dead (the output of an op
takes the register of an input that dies there; other dying values are
cleared by a ``FREE`` instruction), so values are released right after their
last use.  Constants live at *negative* register indices, after the working
registers, so that one list ``[*inputs, *padding, *reversed(consts)]`` is the
whole state of a call: nothing is shared between calls, which makes a
program reentrant and thread-safe.

Replaying a tape costs a few tens of nanoseconds per op on top of the op
itself and builds ~100x faster than ``compile()`` of equivalent source (which
:mod:`lazyray.codegen` still writes, from the same program, on demand).

Instruction codes (``r`` the registers, ``a``/``b`` register indices unless
said otherwise)::

    BIN   r[out] = fn(r[a], r[b])
    UN    r[out] = fn(r[a])
    BINC  r[out] = fn(r[a], b)          b: a static argument
    KW    r[out] = fn(r[a], **b)        b: a dict of static keyword arguments
    ITEMS r[out] = fn(*a(r))            a: operator.itemgetter of >= 2 registers
    ITKW  r[out] = fn(*a(r), **b)
    FREE  r[s] = None for s in a
    GEN   args, kwargs = a(r); r[out] = fn(*args, **kwargs)   a: an ArgTemplate
"""

from __future__ import annotations

import gc
from operator import itemgetter

from .array import LazyArray

BIN, UN, BINC, KW, ITEMS, ITKW, FREE, GEN = range(8)

_CONTAINERS = (tuple, list, dict)


class Slot:
    """A register reference inside an :class:`ArgTemplate`."""

    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i

    def __reduce__(self):
        return (Slot, (self.i,))

    def __repr__(self):
        return f"Slot({self.i})"


_ATOMS = frozenset({int, float, str, bool, type(None), complex, slice})


def _has_lazy(x) -> bool:
    """Whether a static-looking argument hides a lazy array in its nesting."""
    t = type(x)
    if t is tuple or t is list:
        items = x
    elif t is dict:
        items = x.values()
    elif t is LazyArray:
        return True
    elif isinstance(x, dict):
        items = x.values()
    elif isinstance(x, (tuple, list)):
        items = x
    else:
        return False
    for v in items:
        tv = type(v)
        if tv in _ATOMS:
            continue
        if tv is LazyArray or _has_lazy(v):
            return True
    return False


def _sub(t, r):
    """Fill an argument template: Slot -> register value, containers rebuilt."""
    tt = type(t)
    if tt is Slot:
        return r[t.i]
    if tt is _Rebuild:
        return t.build(r)
    return t


class _Rebuild:
    """A container of a template that holds register references."""

    __slots__ = ("kind", "items")

    def __init__(self, kind, items):
        # kind: the container type; items: list of templates, or for dicts a
        # list of (key, template) pairs
        self.kind = kind
        self.items = items

    def build(self, r):
        k = self.kind
        if k is tuple or k is list:
            return k([_sub(v, r) for v in self.items])
        if k is dict:
            return {key: _sub(v, r) for key, v in self.items}
        if issubclass(k, dict):
            return k((key, _sub(v, r)) for key, v in self.items)
        if issubclass(k, tuple) and hasattr(k, "_fields"):
            return k(*[_sub(v, r) for v in self.items])
        return k([_sub(v, r) for v in self.items])

    def __reduce__(self):
        return (_Rebuild, (self.kind, self.items))


class ArgTemplate:
    """Positional and keyword arguments with register references inside."""

    __slots__ = ("args", "kwargs")

    def __init__(self, args, kwargs):
        self.args = args  # tuple of templates
        self.kwargs = kwargs  # dict name -> template, or None

    def __call__(self, r):
        args = [_sub(a, r) for a in self.args]
        kw = self.kwargs
        if kw:
            return args, {k: _sub(v, r) for k, v in kw.items()}
        return args, {}

    def __reduce__(self):
        return (ArgTemplate, (self.args, self.kwargs))


def run(tape, r) -> None:
    """Replay ``tape`` on the registers ``r`` (in place)."""
    code = fn = None
    try:
        for code, fn, out, a, b in tape:
            if code == 0:
                r[out] = fn(r[a], r[b])
            elif code == 1:
                r[out] = fn(r[a])
            elif code == 2:
                r[out] = fn(r[a], b)
            elif code == 3:
                r[out] = fn(r[a], **b)
            elif code == 4:
                r[out] = fn(*a(r))
            elif code == 5:
                r[out] = fn(*a(r), **b)
            elif code == 6:
                for s in a:
                    r[s] = None
            else:
                args, kw = a(r)
                r[out] = fn(*args, **kw)
    except Exception as e:
        if code != FREE and hasattr(e, "add_note"):
            name = getattr(fn, "__name__", type(fn).__name__)
            e.add_note(f"(raised by {name!r} while running a lazyray Function)")
        raise


class Program:
    """A graph flattened for replay; see the module docstring.

    Attributes
    ----------
    tape : list of tuple
        The instructions ``(code, fn, out, a, b)``.
    ops : list
        The op name of each instruction (None for ``FREE``); a
        :class:`~lazyray.array.CustomOp` name marks a user callable.
    other_backends : dict
        Instruction index -> backend, for the (rare) nodes whose backend is
        not :attr:`backend`.
    consts : list
        Constants; constant ``j`` sits in register ``-(j + 1)``.
    node_consts : set of int
        Indices of the constants that are array values of the graph (leaf
        data, folded intermediates), as opposed to static arguments.
    n_in, n_work : int
        Number of input registers, and of all working registers (inputs
        included).
    out_slots : list of int
        The register of each flat output.
    backend : str
        The backend the tape's functions belong to.
    """

    __slots__ = (
        "tape",
        "ops",
        "other_backends",
        "consts",
        "node_consts",
        "n_in",
        "n_work",
        "out_slots",
        "backend",
        "_tail",
    )

    def registers(self, inputs) -> list:
        """A fresh register list for one call, inputs first."""
        tail = self._tail
        if tail is None:
            tail = [None] * (self.n_work - self.n_in) + self.consts[::-1]
            self._tail = tail
        return [*inputs, *tail]

    def __len__(self) -> int:
        return len(self.tape)


class _Builder:
    """Flattens a graph into a :class:`Program` (one use)."""

    def __init__(self):
        self.consts = []
        self.const_of = {}  # id(obj) -> register, for dedup by identity
        self.node_consts = set()

    def const(self, obj, node_value=False):
        key = id(obj)
        slot = self.const_of.get(key)
        if slot is None:
            self.consts.append(obj)
            slot = -len(self.consts)
            self.const_of[key] = slot
            if node_value:
                self.node_consts.add(len(self.consts) - 1)
        return slot


def _depth(node):
    return node._depth


class _Graph:
    """The part of a graph between inputs and outputs, numbered.

    ``nodes[j]`` is value ``j``: the inputs first, then leaves as they are met
    and op nodes in a topological, deepest-first order (that of
    :func:`lazyray.traverse.ascend`).  ``deps[j]`` is the index of the single
    dependency of an op node, a tuple of indices, or None for inputs and
    leaves; ``last[j]`` is the index of the last op node reading value ``j``.
    """

    __slots__ = ("nodes", "deps", "last", "pos")

    def __init__(self, outputs, inputs):
        pos = {id(v): j for j, v in enumerate(inputs)}
        nodes = list(inputs)
        deps_of = [None] * len(nodes)
        last = [-1] * len(nodes)
        add_node, add_deps, add_last = nodes.append, deps_of.append, last.append
        getpos = pos.get
        stack = outputs[::-1]
        push, pop = stack.append, stack.pop
        while stack:
            node = stack[-1]
            nid = id(node)
            if nid in pos:
                pop()
                continue
            if node._data is not None or node._fn is None:  # a leaf
                pop()
                pos[nid] = len(nodes)
                add_node(node)
                add_deps(None)
                add_last(-1)
                continue
            deps = node._deps
            nd = len(deps)
            if nd == 1:
                j = getpos(id(deps[0]))
                if j is None:
                    push(deps[0])
                    continue
                i = len(nodes)
                last[j] = i
                add_deps(j)
            elif nd == 2:
                d0, d1 = deps
                j0 = getpos(id(d0))
                j1 = getpos(id(d1))
                if j0 is None:
                    if j1 is None:
                        # as traverse.push_order: the deepest pops first, ties
                        # by argument order
                        if d1._depth > d0._depth:
                            push(d0)
                            push(d1)
                        else:
                            push(d1)
                            push(d0)
                    else:
                        push(d0)
                    continue
                if j1 is None:
                    push(d1)
                    continue
                i = len(nodes)
                last[j0] = i
                last[j1] = i
                add_deps((j0, j1))
            else:
                idx = [getpos(id(d)) for d in deps]
                if None in idx:
                    pending = [d for d, j in zip(deps, idx) if j is None]
                    if len(pending) > 1:
                        # as traverse.push_order: the deepest pops first, ties
                        # by argument order
                        pending.reverse()
                        pending.sort(key=_depth)
                    stack.extend(pending)
                    continue
                i = len(nodes)
                for j in idx:
                    last[j] = i
                add_deps(tuple(idx))
            pop()
            pos[nid] = i
            add_node(node)
            add_last(-1)
        self.nodes, self.deps, self.last, self.pos = nodes, deps_of, last, pos


def _fill(x, lookup):
    t = type(x)
    if t is LazyArray:
        return lookup(x)
    if t is tuple or t is list:
        return t([_fill(v, lookup) for v in x])
    if t is dict:
        return {k: _fill(v, lookup) for k, v in x.items()}
    if isinstance(x, _CONTAINERS):
        from .traverse import tree_map

        return tree_map(lookup, x)
    return x


def build(outputs, inputs=None, fold=True) -> tuple[Program, list]:
    """Flatten the graph from ``inputs`` to ``outputs`` into a :class:`Program`.

    Parameters
    ----------
    outputs : list of LazyArray
        Unique output nodes.
    inputs : list of LazyArray or None
        Unique input nodes; None makes every variable of the graph an input,
        in order of discovery.
    fold : bool
        Evaluate now the nodes that do not depend on inputs, and keep their
        values as constants.  The graph itself is not modified.

    Returns
    -------
    program : Program
    inputs : list of LazyArray
        The inputs (the discovered variables when ``inputs`` was None).
    """
    # the loops below create many small objects: the cyclic garbage collector
    # would otherwise traverse the (possibly huge) graph again and again
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(outputs, inputs, fold)
    finally:
        if enabled:
            gc.enable()


def _build(outputs, inputs, fold):
    g = _Graph(outputs, inputs or ())
    nodes, deps_of, last, pos = g.nodes, g.deps, g.last, g.pos
    del g
    variables = [
        j
        for j, d in enumerate(deps_of)
        if d is None and j >= len(inputs or ()) and nodes[j]._data is None
    ]
    reg = [None] * len(nodes)  # value index -> register
    if inputs is None:
        inputs = [nodes[j] for j in variables]
        for k, j in enumerate(variables):
            reg[j] = k
    else:
        if variables:
            v = nodes[variables[0]]
            raise ValueError(
                f"the outputs depend on a Variable of shape {v._shape} and dtype "
                f"{v._dtype} that is not among the inputs of the Function"
            )
        for k in range(len(inputs)):
            reg[k] = k
    main = _main_backend(outputs, inputs)
    for o in outputs:
        last[pos[id(o)]] = len(nodes)

    bld = _Builder()
    vals = {}  # value index -> value of a folded node (build-time only)
    free = []
    nwork = len(inputs)
    tape = []
    ops = []
    other_backends = {}
    emit = tape.append
    add_op = ops.append
    check = None
    if fold:
        from .execute import _STRICT, check_result

        if _STRICT[0]:
            check = check_result

    def const_reg(j):
        s = reg[j]
        if s is None:
            node = nodes[j]
            s = reg[j] = bld.const(node._data if node._data is not None else vals[j], True)
        return s

    def lookup(d):
        # register of a dependency, allocating a constant register if needed
        return const_reg(pos[id(d)])

    i = -1
    for node, di in zip(nodes, deps_of):
        i += 1
        if di is None:
            continue
        dying = None
        dependent = not fold
        if type(di) is int:
            s = reg[di]
            if s is not None and s >= 0:
                dependent = True
                if last[di] == i:
                    dying = [s]
        else:
            for j in di:
                s = reg[j]
                if s is not None and s >= 0:
                    dependent = True
                    if last[j] == i:
                        if dying is None:
                            dying = [s]
                        else:
                            dying.append(s)
        if not dependent:
            _fold(node, i, di, nodes, vals, last, check)
            continue
        if vals:
            for j in (di,) if type(di) is int else di:
                if last[j] == i:
                    vals.pop(j, None)

        if dying is not None:
            out = dying.pop()
        elif free:
            out = free.pop()
        else:
            out = nwork
            nwork += 1

        fn = node._fn
        args = node._args
        kw = node._kwargs
        na = len(args)
        instr = None
        deps = node._deps
        if not kw:
            if na == 2:
                a0, a1 = args
                if deps and a0 is deps[0]:
                    s0 = const_reg(di if type(di) is int else di[0])
                    if type(a1) is LazyArray:
                        instr = (BIN, fn, out, s0, lookup(a1))
                    elif not isinstance(a1, _CONTAINERS) or not _has_lazy(a1):
                        instr = (BINC, fn, out, s0, a1)
            elif na == 1 and deps and args[0] is deps[0]:
                instr = (UN, fn, out, const_reg(di if type(di) is int else di[0]), None)
        elif na == 1 and deps and args[0] is deps[0] and not _has_lazy(kw):
            instr = (KW, fn, out, const_reg(di if type(di) is int else di[0]), kw)
        if instr is None:
            code, fn, a, b = _general(fn, args, kw, lookup, bld)
            instr = (code, fn, out, a, b)
        emit(instr)
        add_op(node._op)
        if node._backend != main:
            other_backends[len(tape) - 1] = node._backend
        reg[i] = out
        if dying:
            emit((FREE, None, -1, tuple(dying), None))
            add_op(None)
            free.extend(dying)

    out_slots = [lookup(o) for o in outputs]
    prog = Program()
    prog.tape = tape
    prog.ops = ops
    prog.other_backends = other_backends
    prog.consts = bld.consts
    prog.node_consts = bld.node_consts
    prog.n_in = len(inputs)
    prog.n_work = nwork
    prog.out_slots = out_slots
    prog.backend = main
    prog._tail = None
    return prog, inputs


def _fold(node, i, di, nodes, vals, last, check):
    """Evaluate a node that does not depend on the inputs, at build time."""
    idx = (di,) if type(di) is int else di
    values = {}
    for j in idx:
        d = nodes[j]
        values[id(d)] = d._data if d._data is not None else vals[j]
    get = values.__getitem__

    def lookup(d):
        return get(id(d))

    args = [_fill(a, lookup) for a in node._args]
    kw = node._kwargs
    val = node._fn(*args, **_fill(kw, lookup)) if kw else node._fn(*args)
    if check is not None:
        check(node, val)
    vals[i] = val
    for j in idx:
        if last[j] == i:
            vals.pop(j, None)


def _main_backend(outputs, inputs):
    for x in (*inputs, *outputs):
        if x._backend is not None:
            return x._backend
    return "numpy"


def _template(x, lookup, bld, top=False):
    """Template of one argument: registers for lazy arrays, constants kept."""
    t = type(x)
    if t is LazyArray:
        return Slot(lookup(x))
    if isinstance(x, _CONTAINERS) and _has_lazy(x):
        if isinstance(x, dict):
            items = [(k, _template(v, lookup, bld)) for k, v in x.items()]
        else:
            items = [_template(v, lookup, bld) for v in x]
        return _Rebuild(type(x), items)
    return x


def _general(fn, args, kwargs, lookup, bld):
    lazy_kw = bool(kwargs) and _has_lazy(kwargs)
    if not lazy_kw and len(args) >= 2:
        slots = []
        for a in args:
            if type(a) is LazyArray:
                slots.append(lookup(a))
            elif isinstance(a, _CONTAINERS) and _has_lazy(a):
                break
            else:
                slots.append(bld.const(a))
        else:
            get = itemgetter(*slots)
            if kwargs:
                return (ITKW, fn, get, kwargs)
            return (ITEMS, fn, get, None)
    tmpl = ArgTemplate(
        tuple(_template(a, lookup, bld) for a in args),
        {k: _template(v, lookup, bld) for k, v in kwargs.items()} if kwargs else None,
    )
    return (GEN, fn, tmpl, None)
