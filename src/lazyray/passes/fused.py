"""The default pipeline of :func:`lazyray.optimize` in a single walk.

Running ``cse, dce, fold, simplify, lower, simplify, cse`` one pass after the
other walks the graph seven times and rebuilds much of it several times.
:func:`fused` computes the same result -- node for node the same ops,
arguments, shapes, dtypes and sharing, hence the same values -- in one walk
of the user's graph that usually builds each node of the result once.

Why it is the same graph:

* Every pass is a function of the *structure* of the graph: CSE merges nodes
  with equal keys (same op and static arguments, *identical* dependencies),
  the rules look at ops, arguments, shapes and dtypes, folding at which
  leaves are variables.  So it is enough to give each node a node of the
  structure each pass would give it, and to merge equal nodes (one table of
  the exact keys of :func:`.cse`) as they are built: the result is the
  sequential one with every node merged that the last CSE merges.
* For each user's node the walk keeps a *record*
  (:mod:`.fusedcore`): its final node when every pass leaves it as it is
  (the common case), else its final node and enough to rebuild, on demand,
  its images after the first simplify and after lowering (a node downstream
  of a lowered contraction), which later rules may have to look at.
* Rules marked ``shallow`` (see :class:`.core.Rule`) decide by the node's own
  arguments and its operands' shapes and dtypes, which no pass changes: they
  are decided once, on the user's node.  The other simplify rules and the
  lowering rules run on the node their pass would see; where that differs
  from the final one, it is rebuilt and the remaining passes run on it as the
  sequential passes would (:meth:`.fusedcore.State.engine`).
* What the walk does not model -- DCE narrowing (``split``, ``linalg.eigh``),
  a multi-output op as an output while folding, a rule still applying after
  ``max_steps``, a folded value that is the very object of another leaf --
  raises :class:`Fallback`, and :func:`lazyray.optimize` runs the passes one
  by one instead.  ``tests/test_passes_fused.py`` compares both on many
  random graphs.
"""

from __future__ import annotations

import gc
from operator import attrgetter

from ..graph.evaluate import compute_nodes
from ..graph.node import LazyArray
from ..graph.sharing import no_sharing
from ..graph.traverse import find_lazy, tree_map
from .core import rebuilt, replaces, topo
from .fusedcore import (
    _F,
    _LATE,
    _LEAF,
    _MORE,
    _NARROW,
    _NO_RULE,
    _NONE_KEY,
    _T1,
    _T2,
    _T3,
    _TOP,
    Fallback,
    State,
    _make,
    _new,
    _Redo,
    _uniq,
    same_deps,
)

__all__ = ["fused", "Fallback"]

_depth = attrgetter("_depth")
_SCALARS = frozenset((float, int, bool, str, complex, type(None)))


class _Fused(State):
    """One fused walk."""

    def run(self, order):
        """Record every node of ``order`` (each after its dependencies)."""
        fold = self.fold
        rec = self.rec
        rget = rec.get
        final = self.final
        table = self.table
        kinds = self.kinds
        resolve = self.resolve
        users = self.users
        ready = self.ready
        for node in order:
            fn = node._fn
            if fn is None:
                self.leaf(node)
                continue
            nid = id(node)
            deps = node._deps
            if len(deps) == 1:
                d0 = deps[0]
                r = rget(id(d0))
                if r is None:
                    raise _Redo
                tr = type(r)
                if tr is LazyArray:
                    f0 = r
                    uni = late = top = True
                elif tr is list:
                    f0 = r[_F]
                    uni = False
                    late = r[_LATE]
                    top = r[_TOP]
                elif fold:
                    self.constant(node, (r,))
                    continue
                else:
                    f0 = resolve(r)
                    uni = late = top = True
                fins = None  # (f0,) when needed
            elif len(deps) == 2:
                d0, d1 = deps
                r0 = rget(id(d0))
                r1 = rget(id(d1))
                if r0 is None or r1 is None:
                    raise _Redo
                t0 = type(r0)
                t1 = type(r1)
                if fold and t0 is tuple and t1 is tuple:
                    self.constant(node, (r0, r1))
                    continue
                uni = late = top = True
                if t0 is LazyArray:
                    g0 = r0
                elif t0 is list:
                    g0 = r0[_F]
                    uni = False
                    late = r0[_LATE]
                    top = r0[_TOP]
                else:
                    g0 = resolve(r0)
                if t1 is LazyArray:
                    g1 = r1
                elif t1 is list:
                    g1 = r1[_F]
                    uni = False
                    if not r1[_LATE]:
                        late = False
                    if not r1[_TOP]:
                        top = False
                else:
                    g1 = resolve(r1)
                fins = (g0, g1)
                f0 = None
            else:
                recs = [rget(id(d)) for d in deps]
                for r in recs:
                    if r is None:
                        raise _Redo
                if fold:
                    for r in recs:
                        if type(r) is not tuple:
                            break
                    else:
                        self.constant(node, recs)
                        continue
                fins = []
                uni = late = top = True
                for r in recs:
                    tr = type(r)
                    if tr is LazyArray:
                        fins.append(r)
                    elif tr is list:
                        fins.append(r[_F])
                        uni = False
                        if not r[_LATE]:
                            late = False
                        if not r[_TOP]:
                            top = False
                    else:
                        fins.append(resolve(r))
                f0 = None
            op = node._op
            args = node._args
            k = _T1
            if type(op) is str:
                kind = kinds.get(op)
                if kind is not None:
                    k, rules, trig = kind
                    if trig is not None and len(args) == 2:
                        # a scalar identity rule (x * 1, x + 0, ...): most
                        # nodes have two lazy operands or another constant
                        a0, c = args
                        if type(c) is LazyArray:
                            c = a0
                        tc = type(c)
                        if tc is LazyArray or ((tc is float or tc is int) and c != trig):
                            rules = ()
                    if k <= _T2 and rules:
                        alias = self.shallow(node, rules)
                        if alias is _NO_RULE:
                            k = _T1
                        elif alias is not _MORE:
                            rec[nid] = alias
                            continue
                    elif k == _NARROW:
                        raise Fallback(f"{op} may be narrowed by DCE")
            if k != _T1:
                rec[nid] = self.slow(node, k, (f0,) if fins is None else fins, uni, late, top)
                continue
            # the node with final operands, which no pass changes
            if fins is None:
                nd = (f0,)
                depth = f0._depth + 1
            elif len(fins) == 2:
                g0, g1 = fins
                if g0 is g1:
                    nd = (g0,)
                    depth = g0._depth + 1
                else:
                    nd = fins
                    d0 = g0._depth
                    depth = (d0 if d0 > g1._depth else g1._depth) + 1
            else:
                nd = _uniq(fins)
                depth = max([d._depth for d in nd]) + 1 if nd else 0
            na = None
            if node._kwargs is None and type(args) is tuple:
                if fins is None:  # one dependency: the usual unary and scalar ops
                    if len(args) == 1:
                        if type(args[0]) is LazyArray:
                            na = nd
                    elif len(args) == 2:
                        a0, a1 = args
                        if type(a0) is LazyArray:
                            if type(a1) in _SCALARS:
                                na = (f0, a1)
                        elif type(a1) is LazyArray and type(a0) in _SCALARS:
                            na = (a0, f0)
                elif (
                    len(args) == 2 and len(fins) == 2 and args[0] is deps[0] and args[1] is deps[1]
                ):
                    na = fins
            # its CSE key is needed only if each of its dependencies has users
            if fins is None:
                unique = id(f0) not in users
            else:
                for d in nd:
                    if id(d) not in users:
                        unique = True
                        break
                else:
                    unique = False
            if unique:
                if na is None:
                    na, nk = self.remap_args(node, (f0,) if fins is None else fins)
                else:
                    nk = None
                f = _new(LazyArray)
                f._op = op
                f._fn = fn
                f._args = na
                f._kwargs = nk
                f._shape = node._shape
                f._dtype = node._dtype
                f._backend = node._backend
                f._data = None
                f._deps = nd
                f._depth = depth
                final.add(id(f))
                if fins is None:
                    users[id(f0)] = f
                else:
                    for d in nd:
                        if id(d) not in users:
                            users[id(d)] = f
                rec[nid] = f if uni else [node, f, None, None, late, True]
                continue
            ready(nd)
            if na is not None and (items := self.items(na)) is not None:
                nk = None
                key = self.key(node, _NONE_KEY, items)
            else:
                na, nk, key = self.remap(node, (f0,) if fins is None else fins)
            f = table.get(key)
            if f is None:
                f = _make(node, na, nk, nd)
                final.add(id(f))
                table[key] = f
            elif type(op) is not str:
                same_deps(f, nd)
            rec[nid] = f if uni else [node, f, None, None, late, True]

    def slow(self, node, k, fins, uni, late, top):
        """Record of a node with lowering rules, or simplify rules that look
        at its operands' ops."""
        table = self.table
        if k == _T3 and late:
            # no simplify rule; lowering sees the node with final operands
            na, nk, key = self.remap(node, fins)
            nd = _uniq(fins)
            if uni:
                self.ready(nd)
                hit = table.get(key)
                if hit is not None:  # a final node: no pass changes it
                    return hit
                r = self.memo.get(key)
                if r is not None:
                    return r
            F = _make(node, na, nk, nd)
            r5 = self.ctx5.norm(F)
            if r5 is F:
                self.ready(nd)
                f = table.get(key)
                if f is None:
                    table[key] = f = F
                    self.final.add(id(F))
                return f if uni else [node, f, None, None, late, True]
            final = self.final
            for d in r5._deps:
                if id(d) not in final:
                    r6 = self.img(6, r5)
                    f = self.img(7, r6)
                    break
            else:  # the common case: one node on final operands (dot)
                op = r5._op
                r6 = self.img(6, r5) if type(op) is str and op in self.ctx4.table else r5
                f = self.insert(r6) if r6 is r5 else self.img(7, r6)
            self.keep.append(F)
            if uni:
                self.m5[id(F)] = r5
                r = self.memo[key] = [node, f, F, r5, r6 is r5, False]
                return r
            return [node, f, None, r5, r6 is r5, False]
        if uni:  # the first simplify sees the node with final operands
            na, nk, key = self.remap(node, fins)
            self.ready(_uniq(fins))
            hit = table.get(key)
            if hit is not None:
                return hit
            r = self.memo.get(key)
            if r is not None:
                return r
            return self.engine(node, _make(node, na, nk, _uniq(fins)), key)
        if k == _T2 and top:
            # every operand keeps its op and static arguments through the
            # passes: the rules decide the same on the final operands
            na, nk, key = self.remap(node, fins)
            F = _make(node, na, nk, _uniq(fins))
            for rule in self.kinds[node._op][1]:
                new = rule.fn(F, self.ctx4)
                if replaces(new, F):
                    break
            else:
                self.ready(F._deps)
                f = table.get(key)
                if f is None:
                    table[key] = f = F
                    self.final.add(id(F))
                return [node, f, None, None, late, True]
        # the general case: the node as the first simplify sees it
        rec = self.rec
        x4 = rebuilt(node, {id(d): self.image4(rec[id(d)]) for d in node._deps})
        return self.engine(node, x4, None)

    def finish(self):
        if self.ctx4.exhausted or self.ctx5.exhausted:
            raise Fallback("a rule still applied after max_steps")
        rec = self.rec
        out_map = {id(o): self.resolve(rec[id(o)]) for o in find_lazy(self.outputs)}
        front = list(self.front.values())
        if front:  # compute the folded values as fold does
            const = {}
            for node in topo([c for c, _ in front]):
                const[id(node)] = node if node._fn is None else rebuilt(node, const, True)
            copies = [const[id(c)] for c, _ in front]
            del const
            compute_nodes(copies)
            seen = set(self.leaves)
            for (_, leaf), c in zip(front, copies):
                leaf._data = c._data
                k = (_LEAF, id(leaf._data), leaf._shape, leaf._dtype, leaf._backend)
                if k in seen:  # the last CSE would merge it with that leaf
                    raise Fallback("a folded value is the data of another leaf")
                seen.add(k)
            del copies
        return tree_map(lambda n: out_map[id(n)], self.outputs)


def fused(outputs, variables=None, *, exact: bool = False, fold: bool = True):
    """The default passes of :func:`lazyray.optimize` in one walk.

    Gives the graph that ``cse, dce, fold, simplify, lower, simplify, cse``
    (without ``fold`` when ``fold`` is false) give one after the other, or
    raises :class:`Fallback` for the few graphs it does not model.

    >>> import lazyray
    >>> x = lazyray.Variable((3,))
    >>> y = lazyray.tensordot(lazyray.conj(x), x, 1) * 1 + lazyray.sin(x)
    >>> [n.fn_name for n in lazyray.ascend(fused(y, [x]))]
    ['variable', 'dot', 'sin', 'add']
    """
    if fold:
        for o in find_lazy(outputs):
            if o._fn is not None and type(o._dtype) is tuple:
                raise Fallback("a multi-output op is an output")
    enabled = gc.isenabled()
    gc.disable()  # no reference cycles are made; collections would rescan the graph
    try:
        with no_sharing():
            # by depth: each node is visited once; the order of topo (which
            # the passes use) matters only when two leaves wrap the same data
            w = _Fused(outputs, variables, exact, fold, True)
            try:
                w.run(_by_depth(outputs))
            except _Redo:
                w = _Fused(outputs, variables, exact, fold, False)
                w.run(topo(outputs))
            return w.finish()
    finally:
        if enabled:
            gc.enable()


def _by_depth(outputs) -> list:
    """Every node of the graph once, sorted by depth (so each comes after its
    dependencies, as long as depths are consistent: :class:`_Redo` if not)."""
    seen = set()
    add = seen.add
    order = []
    stack = []
    for o in find_lazy(outputs):
        if id(o) not in seen:
            add(id(o))
            stack.append(o)
    pop, push, app = stack.pop, stack.append, order.append
    while stack:
        n = pop()
        while True:
            app(n)
            deps = n._deps
            if len(deps) == 1:  # follow a chain without the stack
                d = deps[0]
                if id(d) in seen:
                    break
                add(id(d))
                n = d
                continue
            for d in deps:
                if id(d) not in seen:
                    add(id(d))
                    push(d)
            break
    order.reverse()
    order.sort(key=_depth)
    return order
