"""Flattening a graph into a :class:`~lazyray.compile.tape.Program`: :func:`build`.

After the numbering (:func:`.numbering.number`), one pass folds what does not
depend on the inputs (into the program's constants: the graph is not
modified), assigns registers (reusing a register as soon as its value is
dead) and emits one instruction per op node, of the fastest instruction code
its arguments allow; both with the cyclic garbage collector paused.
"""

from __future__ import annotations

from operator import itemgetter

import numpy as np

from ..graph.evaluate import _STRICT, check_result
from ..graph.node import LazyArray
from ..graph.traverse import tree_map
from . import tape as tp
from .lean import into, specialize
from .numbering import _ATOMS, number
from .tape import BIN, BINC, FREE, GEN, ITEMS, ITKW, KW, UN, ArgTemplate, Slot, _Rebuild

__all__ = ["build"]

_CONTAINERS = (tuple, list, dict)
_UFUNC = np.ufunc


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


class _Builder:
    """Flattens a graph into a :class:`Program` (one use)."""

    def __init__(self):
        self.consts = []
        self.const_of = {}  # id(obj) -> register, for dedup by identity
        self.node_consts = set()
        self.getters = {}

    def getter(self, slots):
        """An ``itemgetter`` of registers (shared between instructions)."""
        get = self.getters.get(slots)
        if get is None:
            get = self.getters[slots] = itemgetter(*slots)
        return get

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


def build(outputs, inputs=None, fold=True, sub=None, specialized=False) -> tuple[tp.Program, list]:
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
    sub : dict, optional
        The rewrite engine's lean result (see :func:`.numbering.number`).
    specialized : bool
        Let instructions call numpy functions specialized on the static
        shapes (:mod:`.lean`; a :class:`~lazyray.Function`'s tape), rather
        than the op's own function (a program rendered as source to read).

    Returns
    -------
    program : Program
    inputs : list of LazyArray
        The inputs (the discovered variables when ``inputs`` was None).
    """
    with tp.paused_gc():
        return _build(outputs, inputs, fold, sub, specialized)


def _build(outputs, inputs, fold, sub, specialized):
    g = number(outputs, inputs or (), sub)
    nodes, deps_of, last, pos = g.nodes, g.deps, g.last, g.pos
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
        last[pos[o]] = len(nodes)

    bld = _Builder()
    vals = {}  # value index -> value of a folded node (build-time only)
    free = []
    nwork = len(inputs)
    tape = []
    ops = []
    others = {}
    emit = tape.append
    add_op = ops.append
    check = check_result if fold and _STRICT[0] else None

    def const_reg(j):
        s = reg[j]
        if s is None:
            node = nodes[j]
            s = reg[j] = bld.const(node._data if node._data is not None else vals[j], True)
        return s

    def lookup(d):
        # register of a dependency, allocating a constant register if needed
        return const_reg(pos[d])

    i = -1
    for node, di, sp in zip(nodes, deps_of, g.specs):
        i += 1
        if di is None:
            continue
        dying = None
        instr = None
        if sp is not None and not vals:
            # the usual nodes, on registers only: UN, BINC or BIN, emitted
            # from the spec without reading the node again
            code, fn, b, op, backend = sp
            if specialized and code != BINC and type(fn) is _UFUNC:
                fn = into(fn, node)  # (what specialize does with a ufunc)
            out = -1  # the register of a dying operand, if any
            if code == BIN:
                j0, j1 = di
                s0 = reg[j0]
                b = reg[j1]  # (the second operand's register)
                ok = s0 is not None and s0 >= 0 and b is not None and b >= 0
                if ok:
                    if last[j1] == i:
                        out = b
                        if last[j0] == i:
                            dying = [s0]
                    elif last[j0] == i:
                        out = s0
            else:
                s0 = reg[di]
                ok = s0 is not None and s0 >= 0
                if ok and last[di] == i:
                    out = s0
            if ok:
                if out < 0:
                    if free:
                        out = free.pop()
                    else:
                        out = nwork
                        nwork += 1
                instr = (code, fn, out, s0, b)
        if instr is None:
            op = node._op
            backend = node._backend
            if type(di) is int:  # one dependency: the most common case
                s0 = reg[di]
                if s0 is not None and s0 >= 0:
                    if last[di] == i:
                        dying = [s0]
                elif fold:
                    _fold(node, i, di, nodes, vals, last, check)
                    continue
                else:
                    s0 = const_reg(di)
                if vals and last[di] == i:
                    vals.pop(di, None)
            elif len(di) == 2:  # two dependencies: the next most common
                j0, j1 = di
                s0 = reg[j0]
                s1 = reg[j1]
                if s0 is not None and s0 >= 0:
                    if last[j0] == i:
                        dying = [s0]
                    if s1 is not None and s1 >= 0 and last[j1] == i:
                        if dying is None:
                            dying = [s1]
                        else:
                            dying.append(s1)
                elif s1 is not None and s1 >= 0:
                    if last[j1] == i:
                        dying = [s1]
                    s0 = const_reg(j0)
                elif fold:
                    _fold(node, i, di, nodes, vals, last, check)
                    continue
                else:
                    s0 = const_reg(j0)
            else:
                dependent = not fold
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
                s0 = const_reg(di[0]) if di else None

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
            if s0 is not None:
                deps = node._deps
                d0 = deps[0]
                if na == 2:
                    a0, a1 = args
                    if a0 is d0:
                        t1 = type(a1)
                        if t1 is LazyArray:
                            if a1 is d0:
                                s1 = s0
                            elif len(deps) > 1 and a1 is deps[1]:
                                s1 = reg[di[1]]
                                if s1 is None:
                                    s1 = const_reg(di[1])
                            else:
                                s1 = lookup(a1)
                            if not kw:
                                if specialized:
                                    fn = specialize(fn, node, None)
                                instr = (BIN, fn, out, s0, s1)
                            elif not _has_lazy(kw):
                                if specialized:
                                    fn = specialize(fn, node, kw)
                                instr = (ITKW, fn, out, bld.getter((s0, s1)), kw)
                        elif kw:
                            pass
                        elif t1 in _ATOMS or not _has_lazy(a1):
                            if specialized:
                                fn = specialize(fn, node, None)
                            instr = (BINC, fn, out, s0, a1)
                elif na == 1 and args[0] is d0:
                    if not kw:
                        if specialized:
                            fn = specialize(fn, node, None)
                        instr = (UN, fn, out, s0, None)
                    elif not _has_lazy(kw):
                        instr = (KW, fn, out, s0, kw)
            if instr is None:
                code, fn, a, b = _general(fn, args, kw, lookup, bld)
                instr = (code, fn, out, a, b)
        if vals and type(di) is not int:
            # folded values are registered as constants above: now forget the
            # ones this node was the last user of
            for j in di:
                if last[j] == i:
                    vals.pop(j, None)
        # an instruction identical to one of the last two (long chains of the
        # same ops) shares its tuple: less memory, a cache-friendly replay
        if len(tape) > 1:
            prev = tape[-2]
            if prev[1] is fn and prev[2] == out and prev[3] is instr[3] and prev[4] is instr[4]:
                if prev[0] == instr[0]:
                    instr = prev
            else:
                prev = tape[-1]
                if (
                    prev[1] is fn
                    and prev[2] == out
                    and prev[3] is instr[3]
                    and prev[4] is instr[4]
                    and prev[0] == instr[0]
                ):
                    instr = prev
        emit(instr)
        add_op(op)
        if backend != main:
            others[len(tape) - 1] = backend
        reg[i] = out
        if dying:
            dying = tuple(dying)
            emit((FREE, None, -1, dying, None))
            add_op(None)
            free.extend(dying)

    out_slots = [lookup(o) for o in outputs]
    consts = bld.consts, bld.node_consts
    prog = tp.Program(tape, ops, *consts, len(inputs), nwork, out_slots, main, others, False)
    return prog, inputs


def _fold(node, i, di, nodes, vals, last, check):
    """Evaluate a node that does not depend on the inputs, at build time
    (its dependencies' values ``di`` are aligned with ``node._deps``: a node
    of the engine's lean result reads them through its old operands)."""
    idx = (di,) if type(di) is int else di
    val_of = dict(zip(node._deps, idx))  # (lazy arrays hash by identity)

    def lookup(d):
        j = val_of[d]
        data = nodes[j]._data
        return data if data is not None else vals[j]

    args = tree_map(lookup, node._args)
    kw = node._kwargs
    val = node._fn(*args, **tree_map(lookup, kw)) if kw else node._fn(*args)
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


def _template(x, lookup):
    """Template of one argument: registers for lazy arrays, constants kept."""
    t = type(x)
    if t is LazyArray:
        return Slot(lookup(x))
    if isinstance(x, _CONTAINERS) and _has_lazy(x):
        if isinstance(x, dict):
            items = [(k, _template(v, lookup)) for k, v in x.items()]
        else:
            items = [_template(v, lookup) for v in x]
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
            get = bld.getter(tuple(slots))
            if kwargs:
                return (ITKW, fn, get, kwargs)
            return (ITEMS, fn, get, None)
    tmpl = ArgTemplate(
        tuple(_template(a, lookup) for a in args),
        {k: _template(v, lookup) for k, v in kwargs.items()} if kwargs else None,
    )
    return (GEN, fn, tmpl, None)
