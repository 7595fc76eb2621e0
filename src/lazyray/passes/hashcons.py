"""Hash-consing and node building for the rewrite engine (:mod:`.engine`):
exact CSE keys, the table of canonical nodes, and rebuilding a node on new
operands."""

from __future__ import annotations

import struct

from ..graph.node import LazyArray, build_node
from ..graph.sharing import freeze
from .core import _remap, post_order

__all__ = ["Builder"]

_pack = struct.Struct("<d").pack
_NONE = type(None)
_KEYED = object()  # users[node]: every user of the node is in the table
_ANY = object()  # dispatch: the op's rules have no common trigger
_SIMPLE = frozenset((int, str, bool, _NONE))
_ATOMS = frozenset((int, float, str, bool, complex, _NONE))
_FLAT = frozenset((int, str, bool, _NONE, type(Ellipsis)))  # freeze(x) is (type(x), x)
_COLON = (slice, (_NONE, None), (_NONE, None), (_NONE, None))  # freeze(slice(None))


def arg_items(args: tuple, deps: tuple, operand, keep: list) -> list | None:
    """Key items of a node's positional ``args``: ``operand(i)`` for the
    lazy array ``deps[i]``, static values frozen (objects keyed by identity
    are appended to ``keep``); None when a lazy argument is not in ``deps``."""
    items = []
    app = items.append
    for a in args:
        t = type(a)
        if t is LazyArray:
            for i, d in enumerate(deps):
                if d is a:
                    app(operand(i))
                    break
            else:
                return None
        elif t is float:
            app(_pack(a))  # bytes: no other item is
        elif t in _SIMPLE:
            app((t, a))
        else:
            app(_static(a, keep))
    return items


def _static(x, keep: list):
    """``freeze(x, keep)``, at once for a flat tuple of ints, None and
    slices of them (an index), the usual static argument."""
    if type(x) is not tuple:
        return freeze(x, keep)
    out = [tuple]
    app = out.append
    for v in x:
        t = type(v)
        if t in _FLAT:
            app((t, v))
        elif t is slice:
            a, b, c = v.start, v.stop, v.step
            if a is None and b is None and c is None:
                app(_COLON)
                continue
            ta, tb, tc = type(a), type(b), type(c)
            if ta in _FLAT and tb in _FLAT and tc in _FLAT:
                app((slice, (ta, a), (tb, b), (tc, c)))
            else:
                app(freeze(v, keep))
        else:
            app(freeze(v, keep))
    return tuple(out)


class Builder:
    """The hash-consing half of :class:`.engine.Engine`: ``table`` (key ->
    canonical node), ``users`` (canonical node -> its unkeyed user,
    or ``_KEYED``), ``rewritten``, ``kwcache``, ``kwtok`` and ``keep`` are set
    up by the engine."""

    # ------------------------------------------------------------- keys

    def kwinfo(self, kw):
        """``(kw, key)`` of a kwargs dict; key None when it holds a node."""
        hit = self.kwcache.get(id(kw))
        if hit is None:
            keep = []
            fk = freeze(kw, keep)
            for o in keep:
                if type(o) is LazyArray:
                    fk = None
                    break
            if fk is not None:  # equal kwargs, one small int: a key hashes it at once
                fk = self.kwtok.setdefault(fk, len(self.kwtok))
            hit = self.kwcache[id(kw)] = (kw, fk)
            self.keep.append(keep)
        return hit

    def key(self, n) -> tuple:
        """The exact CSE key of op node ``n`` (on canonical operands; a node
        kept on new operands, in ``sub``, on these)."""
        cd = self.sub.get(n) if self.sub else None
        return Builder.key_of(self, n, n._deps if cd is None else cd, self.keep)

    def key_of(self, node, cd, keep=None):
        """``key(rebuild(node, cd))`` without rebuilding ``node`` (a node
        merged into an earlier one is never built).  Without ``keep``, None
        when that key is not plain to see (kwargs or static arguments holding
        nodes or objects keyed by identity: the caller rebuilds and keys the
        candidate); with it, those are keyed too and appended to ``keep``."""
        kw = node._kwargs
        fk = None
        if kw is not None:
            fk = (self.kwcache.get(id(kw)) or self.kwinfo(kw))[1] if type(kw) is dict else None
            if fk is None:
                if keep is None:
                    return None
                fk = freeze(kw, keep)
        op = node._op
        fid = None if type(op) is str else id(node._fn)
        deps = node._deps
        args = node._args
        if args is deps:  # the operands, as rebuild aligns them
            if len(cd) == 1:
                return (op, fid, node._backend, node._shape, node._dtype, fk, id(cd[0]))
            if len(cd) == 2:
                c0, c1 = cd
                return (op, fid, node._backend, node._shape, node._dtype, fk, id(c0), id(c1))
            return (op, fid, node._backend, node._shape, node._dtype, fk, *[id(c) for c in cd])
        kp = [] if keep is None else keep
        items = arg_items(args, deps, lambda i: id(cd[i]), kp) if type(args) is tuple else None
        if keep is None and (items is None or kp):  # kp: a node, or an object rebuild may copy
            return None
        if items is None:
            items = [("<args>", freeze(args, keep))]
        return (op, fid, node._backend, node._shape, node._dtype, fk, *items)

    def ready(self, deps) -> None:
        """Before looking up a node on ``deps``: key their unkeyed users."""
        users = self.users
        for d in deps:
            st = users.get(d)
            if st is not _KEYED:
                if st is not None:
                    self.table.setdefault(self.key(st), self.rewritten.get(st, st))
                users[d] = _KEYED

    def enter(self, cand, deps, k) -> None:
        """Record ``cand`` (on canonical ``deps``) in the table under ``k``,
        or, with ``k`` None (a node no earlier node can equal), as the
        unkeyed user of its operands that have no user yet."""
        if k is None:
            users = self.users
            for d in deps:
                if d not in users:
                    users[d] = cand
        else:
            self.table[k] = cand

    def remember(self, cand, res, k) -> None:
        """Nodes equal to ``cand``, which the rules rewrote, give ``res``:
        under its key ``k``, or (``k`` None) as the unkeyed user of its
        operands that still have none, keyed only if another user comes."""
        self.keep.append(cand)
        if k is not None:
            self.table[k] = res
            return
        users = self.users
        for d in cand._deps:
            if d not in users:
                users[d] = cand
                self.rewritten[cand] = res

    # ---------------------------------------------------------- building

    def rebuild(self, node, cd):
        """A new node computing what ``node`` does on ``cd`` (its operands'
        replacements, aligned with ``node._deps``)."""
        deps = node._deps
        args = node._args
        kw = node._kwargs
        m = None
        if len(cd) == 1:
            c = cd[0]
            nd = (c,)
            if args is deps:
                na = nd
            elif type(args) is tuple and len(args) == 2 and args[0] is deps[0]:
                a1 = args[1]
                if type(a1) in _ATOMS:
                    na = (c, a1)
                else:
                    m = {id(deps[0]): c}
                    na = _remap(args, m)
            else:
                m = {id(deps[0]): c}
                na = _remap(args, m)
        else:
            if len(cd) == 2:
                c0, c1 = cd
                nd = (c0,) if c0 is c1 else (c0, c1)
            else:
                seen = set()
                nd = []
                for c in cd:
                    if id(c) not in seen:
                        seen.add(id(c))
                        nd.append(c)
                nd = tuple(nd)
            if args is deps:
                na = tuple(cd)
                if len(nd) == len(na):
                    nd = na  # keep ``args is deps`` (the tape builder's fast path)
            elif (
                len(cd) == 2
                and type(args) is tuple
                and len(args) == 2
                and args[0] is deps[0]
                and args[1] is deps[1]
            ):
                na = tuple(cd)
                if len(nd) == 2:
                    # its arguments are its operands: one tuple, so that
                    # ``args is deps`` (the tape builder's fast path)
                    nd = na
            else:
                m = {id(d): c for d, c in zip(deps, cd)}
                na = _remap(args, m)
        if kw is not None and (type(kw) is not dict or self.kwinfo(kw)[1] is None):
            if m is None:
                m = {id(d): c for d, c in zip(deps, cd)}
            kw = _remap(kw, m)  # (static kwargs are shared, as the tracer does)
        return build_node(node._op, node._fn, na, kw, node._shape, node._dtype, node._backend, nd)

    def materialize(self, final) -> None:
        """Rebuild the nodes kept on new operands (``sub``) as new nodes on
        them, so that the result is an ordinary graph."""
        sub = self.sub
        done = {}

        def make(x):
            cd = [done[id(d)] for d in sub.get(x, x._deps)]
            if x in sub or any(c is not d for c, d in zip(cd, x._deps)):
                return self.rebuild(x, cd)
            return x

        post_order(final.values(), done, lambda x: sub.get(x, x._deps), make)
        for i, c in final.items():
            final[i] = done[id(c)]
        sub.clear()
