"""Applying rules, the rewriting half of the engine (:mod:`.engine`): a node
is tried against its op's rules (:class:`.core.Rule`), the result is brought
to its canonical node through the table and the rules in turn, and the
outcome of *local* rules is worked out once per signature and replayed.

A rule marked ``local`` decides by the node's op, backend, shape, dtype and
static arguments and by its operands' shapes and dtypes only, and builds its
result on the node's operands.  When every rule of an op is local, the
engine keys the outcome of trying them on a node by that signature (and by
which operands coincide): the first node of a signature calls the rules; the
others replay the result -- the operand it reduced to, or its new nodes
rebuilt on their own operands (no constructor call), which go through the
table and the rules as a rule's result does -- or skip the rules when none
applied.
"""

from __future__ import annotations

from ..graph.node import LazyArray, build_node
from .core import post_order
from .hashcons import arg_items

__all__ = ["Rewriter", "MAX_STEPS"]

#: nested rule applications per node before the engine stops rewriting it
MAX_STEPS = 32

_MISS = object()


class Rewriter:
    """The rule-applying half of :class:`.engine.Engine` (which sets up
    ``memo``, ``level``, ``cur``, ``stop``, ``stats`` and the table)."""

    def apply(self, cand, rs, local=False, sig=None):
        """The canonical result of the first rule of ``rs`` that rewrites
        ``cand``, or None; ``local``: every rule of ``rs`` is local (see the
        module docstring), so the outcome is memoized by signature (``sig``:
        ``cand``'s, if known)."""
        if self.level >= MAX_STEPS:
            return None
        if local and self.level == 0:
            if sig is None:
                sig = self.signature(cand)
        else:
            sig = None
        if sig is not None:
            hit = self.memo.get(sig, _MISS)
            if hit is not _MISS:
                return None if hit is None else self.replay(cand, hit)
        saved = self.cur, self.stop
        self.cur, self.stop = cand, None
        self.level += 1
        if sig is not None:
            self.made = set()  # the nodes the rules' results settle into
        try:
            for fn, name in rs:
                new = fn(cand, self)
                if (
                    new is not None
                    and new is not cand
                    and new._shape == cand._shape
                    and new._dtype == cand._dtype
                ):
                    st = self.stats
                    if st is not None:
                        st[name] = st.get(name, 0) + 1
                    res = self.norm(new)
                    if sig is not None and self.template_ok(res, cand._deps):
                        self.memo[sig] = self.outcome(res, cand._deps, name)
                    return res
            if sig is not None:
                self.memo[sig] = None
            return None
        finally:
            self.level -= 1
            self.cur, self.stop = saved
            if sig is not None:
                self.made = None

    def shortcut(self, node, cd):
        """``(outcome, signature)`` of the local rules on ``node`` rebuilt on
        its operands' replacements ``cd``, without rebuilding it: the outcome
        is the memoized result replayed on ``cd`` when a memoized rule
        rewrote its signature into one new node on its operands; else None
        (the walk builds the candidate, with that signature).  The walk asks
        only for a node that cannot equal an earlier one (with CSE, an operand
        has no user yet; else it is keyed by the candidate)."""
        users = self.users
        n = len(cd)
        if (cd[0] is cd[1]) if n == 2 else (n > 2 and len({id(c) for c in cd}) < n):
            return None, None  # (the candidate's operands are fewer)
        # the candidate's signature: same positions, operands of the same
        # shapes and dtypes
        sig = self.signature(node)
        hit = None if sig is None else self.memo.get(sig)
        if hit is None or hit[3] is None:
            return None, sig
        res, deps, name, on, direct = hit
        st = self.stats
        if st is not None:
            st[name] = st.get(name, 0) + 1
        if direct:
            # one new node on two distinct operands, built at once: as
            # settle(rebuild(res, ...)) when no earlier node can equal it
            # (an operand has no user yet) and its op has no rule
            c0 = cd[on[0]]
            c1 = cd[on[1]]
            if c0 is not c1 and not (self.cse and c0 in users and c1 in users):
                na = (c0, c1)
                out = build_node(
                    res._op, res._fn, na, None, res._shape, res._dtype, res._backend, na
                )
                if self.cse:
                    if c0 not in users:
                        users[c0] = out
                    if c1 not in users:
                        users[c1] = out
                    if n == 2:  # every operand has a user now: nothing to remember
                        return out, sig
            else:
                out = self.settle(self.rebuild(res, [c0, c1]))
        else:
            for i, d in enumerate(deps):
                if res is d:
                    out = cd[i]
                    break
            else:
                out = self.settle(self.rebuild(res, [cd[i] for i in on]))
        if self.cse:  # as remember(candidate, out, None)
            cand = None
            for c in cd:
                if c not in users:
                    if cand is None:
                        cand = self.rebuild(node, cd)
                        self.keep.append(cand)
                    users[c] = cand
                    self.rewritten[cand] = out
        return out, sig

    def outcome(self, res, deps, name):
        """The memo entry of a rewrite of a node on ``deps`` into ``res``:
        ``(res, deps, name, on, direct)``, ``on`` the positions in ``deps``
        of the operands of ``res`` (None when one is not among them) and
        ``direct`` whether ``res`` is one new node on two distinct operands
        of ``deps``, with these operands as its arguments, no keyword
        argument and an op with no rule (:meth:`shortcut` builds it at
        once)."""
        on = _on(res, deps)
        rd = res._deps
        ra = res._args
        op = res._op
        direct = (
            on is not None
            and len(on) == 2
            and on[0] != on[1]
            and res._fn is not None
            and res._kwargs is None
            and type(ra) is tuple
            and len(ra) == 2
            and ra[0] is rd[0]
            and ra[1] is rd[1]
            and type(op) is str
            and op not in self.dispatch
            and op not in self.narrow_ops
        )
        for d in deps:
            if res is d:
                direct = False
        return (res, deps, name, on, direct)

    def template_ok(self, res, deps) -> bool:
        """Whether ``res`` is an operand of ``deps`` or built on them by
        nodes the rules made (not, say, an operand's own operand that a
        simplification reached: that is no outcome of the signature)."""
        made = self.made
        seen = {id(d) for d in deps}
        stack = [res]
        while stack:
            x = stack.pop()
            if id(x) in seen:
                continue
            if id(x) not in made or x._fn is None:
                return False
            seen.add(id(x))
            stack.extend(x._deps)
        return True

    def signature(self, n):
        """What local rules decide by (see the module docstring), or None
        when a static argument is not simple."""
        kw = n._kwargs
        fk = None
        if kw is not None:
            if type(kw) is not dict:
                return None
            fk = (self.kwcache.get(id(kw)) or self.kwinfo(kw))[1]
            if fk is None:
                return None
        deps = n._deps
        args = n._args
        if args is deps:  # the usual: the items made below, at once
            if len(deps) == 2:
                d0, d1 = deps
                s0, t0, s1, t1 = d0._shape, d0._dtype, d1._shape, d1._dtype
                return (n._op, n._backend, n._shape, n._dtype, fk, 2, s0, t0, s1, t1)
            if len(deps) == 1:
                d0 = deps[0]
                return (n._op, n._backend, n._shape, n._dtype, fk, 1, d0._shape, d0._dtype)
        items = [n._op, n._backend, n._shape, n._dtype, fk]
        app = items.append
        if args is deps:
            app(len(deps))
        elif type(args) is tuple:
            keep = []
            got = arg_items(args, deps, int, keep)
            if got is None or any(type(o) is LazyArray for o in keep):
                return None
            items += got
            if keep:
                self.keep.append(keep)
        else:
            return None
        for d in deps:
            app(d._shape)
            app(d._dtype)
        return tuple(items)

    def replay(self, cand, hit):
        """The memoized outcome ``hit`` of the local rules on a node of
        ``cand``'s signature, rebuilt on ``cand``'s operands."""
        res, deps, name, on, _ = hit
        st = self.stats
        if st is not None:
            st[name] = st.get(name, 0) + 1
        new = cand._deps
        for i, d in enumerate(deps):
            if res is d:
                return new[i]
        if on is not None:  # the usual: one new node on the operands
            return self.settle(self.rebuild(res, [new[i] for i in on]))
        m = {id(d): c for d, c in zip(deps, new)}

        def make(x):  # the result's new nodes, rebuilt on cand's operands
            return x if x._fn is None else self.rebuild(x, [m[id(d)] for d in x._deps])

        post_order([res], m, lambda x: x._deps if x._fn is not None else (), make)
        saved = self.cur, self.stop
        self.cur, self.stop = cand, None
        self.level += 1
        try:
            return self.norm(m[id(res)])
        finally:
            self.level -= 1
            self.cur, self.stop = saved

    def settle(self, cand):
        """The canonical node for ``cand``, a node on canonical operands."""
        deps = cand._deps
        k = None
        if self.cse:
            users = self.users
            for d in deps:
                if d not in users:
                    break
            else:
                self.ready(deps)
                k = self.key(cand)
                hit = self.table.get(k)
                if hit is not None:
                    if self.made is not None:
                        self.made.add(id(hit))
                    return hit
        op = cand._op
        entry = self.dispatch.get(op) if type(op) is str else None
        res = self.apply(cand, entry[0]) if entry is not None else None
        if res is None:
            if self.made is not None:
                self.made.add(id(cand))
            if self.cse:
                self.enter(cand, deps, k)
            if op in self.narrow_ops:
                self.narrowable = True
            return cand
        if self.cse:
            self.remember(cand, res, k)
        return res

    def norm(self, n):
        """The canonical node of ``n``, a node a rule built on the operands of
        the node being rewritten and their operands: its new nodes are
        rebuilt bottom-up, each through the table and the rules.  Rules call
        it as ``ctx.norm``."""
        m = self.m
        if m is not None:
            h = m.get(n)  # a node of the walk's input: its canonical node
            if h is not None:
                return h
        if n._fn is None:
            return n
        ops = self.cur._deps
        for c in ops:
            if n is c:
                return n  # an operand
        for d in n._deps:
            if d._fn is not None:
                for c in ops:
                    if d is c:
                        break
                else:
                    break
        else:  # the usual: one new node on the operands
            r = self.settle(n)
            if self.stop is not None:
                self.stop.add(id(r))
            return r
        stop = self.stop
        if stop is None:
            stop = self.stop = set()
            for d in self.cur._deps:
                stop.add(id(d))
                for e in d._deps:
                    stop.add(id(e))
        if id(n) in stop:
            return n
        local = {}

        def make(x):
            cd = []
            for d in x._deps:
                c = local.get(id(d))
                if c is None:
                    c = d if m is None else m.get(d, d)
                cd.append(c)
            same = all(a is b for a, b in zip(cd, x._deps))
            r = self.settle(x if same else self.rebuild(x, cd))
            stop.add(id(r))
            return r

        def below(x):
            return [d for d in x._deps if d._fn is not None and id(d) not in stop]

        post_order([n], local, below, make)
        return local[id(n)]


def _on(res, deps):
    """The positions in ``deps`` of the operands of ``res``, or None when
    one is not among them."""
    on = []
    for d in res._deps:
        for i, c in enumerate(deps):
            if c is d:
                on.append(i)
                break
        else:
            return None
    return on
