"""The default pipeline of :func:`lazyray.optimize` applied while numbering a
graph for a :class:`~lazyray.Function`, without building an optimized graph.

:func:`lazyray.optimize` returns a new graph, which
:func:`lazyray.compile.tapebuild.build` then walks again to flatten it into a tape.
A :class:`~lazyray.Function` needs only the tape, so for the graphs that
:func:`direct` models it gives each *value* of the optimized graph a number
in the one walk that :mod:`lazyray.compile.tapebuild` makes anyway, and hands that
numbering to the tape builder.  The program is the one ``optimize`` followed
by ``build`` gives -- the same calls on the same values, so the same results
bit for bit -- except that its instructions may come in another (equally
valid) order.  Why it is the same, pass by pass:

* **CSE.** A value stands for one node of the optimized graph: two user's
  nodes get the same value when their keys are equal -- op, static
  arguments, shape, dtype and the *values* of their operands -- which is how
  the last CSE pass merges their images.  The key is computed only when it
  can match (the rule of :meth:`.fusedcore.State.ready`).
* **DCE.** Only what the outputs reach is numbered.
* **Folding.** A node on constants only is a constant value; the tape builder
  evaluates it once, at build time, as the fold pass would.
* **Simplify.** Shallow rules (:class:`.core.Rule`) decide by the node's own
  arguments and its operands' shapes and dtypes, which no pass changes: a
  node they reduce to an operand takes that operand's value.  Other rules
  are tried on the user's node when each operand is its own value's node
  (so a rule sees the ops the passes would show it); if one applies, the
  walk stops.
* **Lowering.** The rules of :mod:`.lower` decide by the node's static
  arguments and its operands' shapes and dtypes only: their outcome is
  worked out once per such signature and replayed.  A lowering whose result
  is more than one new node on the node's operands, or whose new node has
  simplify rules of its own, stops the walk.

When the walk stops -- for those cases, DCE narrowing (``split``,
``linalg.eigh``), a multi-output op as an output, user Variables that are
not inputs, nodes that are already computed -- it raises :class:`Fallback`,
and :class:`~lazyray.Function` runs ``optimize`` and ``build`` instead.
``tests/test_passes_direct.py`` checks both give the same program on random
graphs.  This module holds the walk itself; its state, keys and rules are in
:mod:`.directcore`.
"""

from __future__ import annotations

from ..compile.tapebuild import _ATOMS, BIN, BINC, UN, Numbered, _depth
from ..graph.node import LazyArray
from ..graph.sharing import no_sharing
from .directcore import _DEEP, _NO_MEMO, Fallback, State
from .fusedcore import _T2, _T3

__all__ = ["direct", "Fallback"]


class _Walk(State):
    """One numbering walk (see the module docstring)."""

    def run(self, outputs):
        """Number every node the outputs reach, dependencies first (deepest
        first, as :func:`lazyray.graph.traverse.ascend`).

        The loop handles the common node inline -- an op without rules to try
        whose operands are distinct values, one of which has no user yet (so
        no key is needed) -- and calls :meth:`value` for the others.
        """
        pos = self.pos
        getpos = pos.get
        value = self.value
        kinds_get = self.kinds.get
        nodes, deps_of, last = self.nodes, self.deps, self.last
        const, users = self.const, self.users
        add_spec = self.specs.append
        fold = self.fold
        fast = {}  # see below
        backend0 = outputs[0]._backend if outputs else None
        stack = outputs[::-1]
        push, pop = stack.append, stack.pop
        while stack:
            node = stack[-1]
            if node in pos:
                pop()
                continue
            if node._fn is None:
                pop()
                pos[node] = self.leaf(node)
                continue
            if node._data is not None:
                raise Fallback("an op node that is already computed")
            deps = node._deps
            nd = len(deps)
            if nd == 1:
                j0 = getpos(deps[0])
                if j0 is None:
                    push(deps[0])
                    continue
                if fold and j0 in const:
                    pop()
                    pos[node] = self.constant(node, (j0,))
                    continue
            elif nd == 2:
                d0, d1 = deps
                j0 = getpos(d0)
                j1 = getpos(d1)
                if j0 is None:
                    if j1 is None:
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
                if j0 == j1 or (fold and j0 in const and j1 in const):
                    pop()
                    pos[node] = value(node, (j0, j1))
                    continue
            else:
                idx = [getpos(d) for d in deps]
                if None in idx:
                    pending = [d for d, j in zip(deps, idx) if j is None]
                    if len(pending) > 1:
                        pending.reverse()
                        pending.sort(key=_depth)
                    stack.extend(pending)
                    continue
                pop()
                pos[node] = value(node, tuple(idx))
                continue
            pop()
            op = node._op
            instr = node  # the node that computes the value
            if type(op) is str:
                kind = kinds_get(op)
                if kind is not None:
                    k, rules, trig = kind
                    if trig is not None:
                        # a scalar identity rule: skip it unless the scalar matches
                        args = node._args
                        if args is deps:  # no scalar operand
                            rules = ()
                        elif len(args) == 2:
                            a0, c = args
                            if type(c) is LazyArray:
                                c = a0
                            tc = type(c)
                            if tc is LazyArray or ((tc is float or tc is int) and c != trig):
                                rules = ()
                    if rules or k > _T2:
                        if node._args is not deps or k > _T3:
                            pos[node] = value(node, (j0,) if nd == 1 else (j0, j1))
                            continue
                        # the operands are the arguments (the tuple itself):
                        # what the rules do is memoized by op, static options,
                        # shapes and dtypes
                        # (kwargs by id: kept alive by the node)
                        d0 = deps[0]
                        kwid = id(node._kwargs)
                        shape, dtype = node._shape, node._dtype
                        if nd == 1:
                            sig = (op, kwid, shape, dtype, d0._shape, d0._dtype)
                        else:
                            d1 = deps[1]
                            s1, t1 = d1._shape, d1._dtype
                            sig = (op, kwid, shape, dtype, d0._shape, d0._dtype, s1, t1)
                        out = fast.get(sig, _NO_MEMO)
                        if out is _NO_MEMO or node._backend != backend0:
                            out = self.decide(node, k, rules)
                            if node._backend == backend0:
                                fast[sig] = out
                        if out is not None:
                            if type(out) is int:
                                pos[node] = pos[deps[out]]
                                continue
                            if out is _DEEP:
                                self.deep(node, rules)
                            else:  # lowered: a node of the template
                                instr = self.instance(out, node)
                                if out[1] is not None:  # on other operands
                                    dvals = tuple([getpos(d) for d in instr._deps])
                                    pos[node] = self.settle(instr, dvals, op)
                                    continue
            # no rule to try: the node itself computes its value
            if nd == 1:
                if users[j0] is None:
                    v = len(nodes)
                    users[j0] = v
                    users.append(None)
                    last[j0] = v
                    nodes.append(instr)
                    deps_of.append(j0)
                    last.append(-1)
                    pos[node] = v
                    args = instr._args
                    if instr._kwargs is not None:
                        add_spec(None)
                    elif args is deps:
                        add_spec((UN, instr._fn, None, instr._op, instr._backend))
                    elif len(args) == 2 and args[0] is deps[0] and type(args[1]) in _ATOMS:
                        add_spec((BINC, instr._fn, args[1], instr._op, instr._backend))
                    else:
                        add_spec(None)
                    continue
            else:
                u0 = users[j0] is None
                if u0 or users[j1] is None:
                    v = len(nodes)
                    if u0:
                        users[j0] = v
                    if users[j1] is None:
                        users[j1] = v
                    users.append(None)
                    last[j0] = v
                    last[j1] = v
                    nodes.append(instr)
                    deps_of.append((j0, j1))
                    last.append(-1)
                    pos[node] = v
                    if instr._args is deps and instr._kwargs is None:
                        add_spec((BIN, instr._fn, None, instr._op, instr._backend))
                    else:
                        add_spec(None)
                    continue
            pos[node] = self.keyed(instr, (j0,) if nd == 1 else (j0, j1), op)


def direct(outputs, inputs, *, exact: bool = False, fold: bool = True) -> Numbered:
    """Number the optimized graph of ``outputs`` (a list of nodes) for
    :func:`lazyray.compile.tapebuild.build`, or raise :class:`Fallback`.

    ``inputs`` (leaves) are the variables; ``exact`` and ``fold`` are those
    of :func:`lazyray.optimize`'s default passes (``fold=False``: without the
    fold pass).

    >>> import lazyray
    >>> x = lazyray.Variable((3,))
    >>> y = lazyray.tensordot(lazyray.conj(x), x, 1) * 1 + lazyray.sin(x)
    >>> g = direct([y], [x])
    >>> [n.fn_name for n in g.nodes]
    ['variable', 'dot', 'sin', 'add']
    """
    if fold:
        for o in outputs:
            if o._fn is not None and type(o._dtype) is tuple:
                raise Fallback("a multi-output op is an output")
    w = _Walk(inputs, exact, fold)
    with no_sharing():
        w.run(outputs)
    return Numbered(w.nodes, w.deps, w.last, w.pos, w.specs)
