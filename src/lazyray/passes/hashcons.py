"""Hash-consing and node building for the rewrite engine (:mod:`.engine`):
exact CSE keys, the table of canonical nodes, and rebuilding a node on new
operands."""

from __future__ import annotations

import struct

from ..graph.node import LazyArray, build_node
from ..graph.sharing import freeze
from .core import _remap

__all__ = ["Builder"]

_pack = struct.Struct("<d").pack
_NONE = type(None)
_KEYED = object()  # users[node]: every user of the node is in the table
_ANY = object()  # dispatch: the op's rules have no common trigger
_SIMPLE = frozenset((int, str, bool, _NONE))
_ATOMS = frozenset((int, float, str, bool, complex, _NONE))


class Builder:
    """The hash-consing half of :class:`.engine.Engine`: ``table`` (key ->
    canonical node), ``users`` (canonical node -> its unkeyed user,
    or ``_KEYED``), ``rewritten``, ``kwcache`` and ``keep`` are set up by the
    engine."""

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
            hit = self.kwcache[id(kw)] = (kw, fk)
            self.keep.append(keep)
        return hit

    def key(self, n) -> tuple:
        """The exact CSE key of op node ``n`` (on canonical operands)."""
        op = n._op
        kw = n._kwargs
        if kw is None:
            fk = None
        else:
            fk = (self.kwcache.get(id(kw)) or self.kwinfo(kw))[1] if type(kw) is dict else None
            if fk is None:
                fk = freeze(kw, self.keep)
        fid = None if type(op) is str else id(n._fn)
        args = n._args
        only = args is n._deps  # operands only
        if self.sub:
            cd = self.sub.get(n)
            if cd is not None:  # a node kept on new operands (lean result)
                args = cd if only else (cd[0], args[1])
        if only:  # the usual: the items the loop below makes, at once
            if len(args) == 1:
                return (op, fid, n._backend, n._shape, n._dtype, fk, id(args[0]))
            if len(args) == 2:
                return (op, fid, n._backend, n._shape, n._dtype, fk, id(args[0]), id(args[1]))
        items = [op, fid, n._backend, n._shape, n._dtype, fk]
        if type(args) is tuple:
            app = items.append
            for a in args:
                t = type(a)
                if t is LazyArray:
                    app(id(a))
                elif t is float:
                    app(_pack(a))  # bytes: no other item is
                elif t in _SIMPLE:
                    app((t, a))
                else:
                    app(freeze(a, self.keep))
        else:
            items.append(("<args>", freeze(args, self.keep)))
        return tuple(items)

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
