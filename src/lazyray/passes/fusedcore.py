"""Machinery of the fused default pipeline (:mod:`.fused`): the records of
the walk, the exact CSE keys, and the engine that runs the passes after
folding, exactly as the sequential passes would, on the nodes where the fused
walk cannot shortcut them.

A *record* (``State.rec``, by id of the user's node) is

* a node: the node's final node, which every pass after folding leaves as it
  is (the common case);
* a list ``[node, final, a4, a5, late, top]`` for a node whose images after
  the first simplify (``a4``) or after lowering (``a5``) differ from its
  final node (it is downstream of a lowered contraction): those images are
  built on demand by :meth:`State.image4` / :meth:`State.image5` (None until
  then); ``late`` says the image after lowering has the final structure,
  ``top`` that every image has the final node's op and static arguments (the
  image after the second simplify always has the final structure);
* a 1-tuple ``(node,)`` for a constant: a leaf, or a node that folding
  computes (its copy, as the first CSE builds it).
"""

from __future__ import annotations

import struct

from ..graph.node import LazyArray, _leaf
from ..graph.sharing import freeze, node_key
from ..graph.traverse import find_lazy
from .core import Context, _remap, rebuilt, replaces
from .dce import NARROW
from .lower import RULES as LOWER_RULES
from .simplify import RULES as SIMPLIFY_RULES

__all__ = ["State", "Fallback"]

_new = object.__new__
_pack = struct.Struct("<d").pack
_NONE = type(None)
_NONE_KEY = None  # the key of absent kwargs (frozen kwargs are tuples)
_CONTAINERS = (tuple, list, dict)
_LEAF = "<leaf>"
_KEYED = object()  # see State.ready
_NO_RULE = object()  # results of State.shallow besides a record
_MORE = object()

# what the walk does with a node of a given registry op
_T1 = 1  # only shallow simplify rules (or none): decided on the user's node
_T2 = 2  # simplify rules that look at the operands' ops
_T3 = 3  # lowering rules only
_T4 = 4  # both: always through the engine
_NARROW = 9  # DCE may narrow it: not modelled

# a record of a node whose images are not all its final node is a list:
_F, _A4, _A5, _LATE, _TOP = 1, 2, 3, 4, 5  # (index 0: the user's node)


class Fallback(Exception):
    """The fused walk cannot guarantee the sequential result for this graph."""


class _Redo(Exception):
    """Walk again in the order of :func:`.core.topo`."""


def _kinds(exact: bool) -> dict:
    """op -> (kind, its simplify rules, constant of its scalar rule or None)."""
    kinds = {}
    for r in SIMPLIFY_RULES:
        kinds.setdefault(r.op, [_T1, []])[1].append(r)
    for k in kinds.values():
        if not all(r.shallow for r in k[1]):
            k[0] = _T2
    for r in LOWER_RULES:
        if r.exact or not exact:
            k = kinds.setdefault(r.op, [_T3, []])
            if k[0] != _T3:
                k[0] = _T4
    for op in NARROW:
        kinds[op] = [_NARROW, []]
    out = {}
    for op, (k, rules) in kinds.items():
        trig = None
        if k == _T1 and len(rules) == 1:
            trig = getattr(rules[0].pre, "trigger", None)
        out[op] = (k, tuple(rules), trig)
    return out


def _uniq(nodes) -> tuple:
    if len(nodes) == 2:
        a, b = nodes
        return (a,) if a is b else (a, b)
    seen, out = set(), []
    for d in nodes:
        if id(d) not in seen:
            seen.add(id(d))
            out.append(d)
    return tuple(out)


def same_deps(hit, deps) -> None:
    """A user callable's node merged with ``hit`` must list its dependencies
    in the same order (which its caller chose), or which of the two the
    passes keep depends on their order of visit: :class:`Fallback`."""
    d = hit._deps
    if len(d) != len(deps) or any(a is not b for a, b in zip(d, deps)):
        raise Fallback("equal nodes of a user callable list their dependencies differently")


def _make(node, args, kwargs, deps):
    """A new node computing what ``node`` computes, on ``deps`` (no sharing
    lookup: passes run without sharing)."""
    f = _new(LazyArray)
    f._op = node._op
    f._fn = node._fn
    f._args = args
    f._kwargs = kwargs
    f._shape = node._shape
    f._dtype = node._dtype
    f._backend = node._backend
    f._data = None
    f._deps = deps
    if len(deps) == 1:
        f._depth = deps[0]._depth + 1
    elif deps:
        f._depth = max([d._depth for d in deps]) + 1
    else:
        f._depth = 0
    return f


class State:
    """State of one fused walk and the machinery of its slow paths (see
    :mod:`.fused`)."""

    def __init__(self, outputs, variables, exact, fold, by_depth):
        self.outputs = outputs
        self.fold = fold
        self.by_depth = by_depth
        self.all_vars = variables is None
        self.protect = set() if variables is None else {id(v) for v in find_lazy(variables)}
        self.kinds = _kinds(exact)
        self.ctx4 = Context(SIMPLIFY_RULES, True, None)  # both simplify passes
        self.ctx5 = Context(LOWER_RULES, exact, None, {"backends": ("numpy",)})
        self.rec = {}  # id(user's node) -> record (see the module docstring)
        self.final = set()  # ids of final nodes (fixed points of every pass)
        self.table = {}  # exact key -> final node (the CSE table)
        self.users = {}  # id(final node) -> its unkeyed user or _KEYED (ready)
        self.memo = {}  # key of a node run through the engine -> its record
        self.leaves = {}  # CSE keys of data leaves
        self.consts = {}  # CSE table of the constant (folded) subgraph
        self.front = {}  # id(constant node) -> (constant node, its leaf)
        self.kwcache = {}  # id(static kwargs dict) -> (dict, frozen)
        self.floats = {}  # IEEE-754 bits -> the same bytes (shared keys)
        self.m5, self.m6, self.m7 = {}, {}, {}  # engine: image after each pass
        self.keep = []  # keeps alive every object whose id is a key above

    # ------------------------------------------------------------ helpers

    def frontier(self, c):
        """The leaf that constant node ``c`` folds into (valued at the end)."""
        hit = self.front.get(id(c))
        if hit is not None:
            return hit[1]
        leaf = _leaf("array", None, c._shape, c._dtype, c._backend)
        self.front[id(c)] = (c, leaf)
        self.final.add(id(leaf))
        return leaf

    def resolve(self, r):
        """The final node of record ``r``."""
        t = type(r)
        if t is LazyArray:
            return r
        if t is list:
            return r[_F]
        c = r[0]
        return c if c._fn is None else self.frontier(c)

    def frozen_kwargs(self, kw):
        """``(kw, frozen)`` for kwargs without lazy arrays, else None."""
        hit = self.kwcache.get(id(kw))
        if hit is None:
            keep = []
            fz = freeze(kw, keep)
            for o in keep:
                if type(o) is LazyArray:
                    return None
            hit = self.kwcache[id(kw)] = (kw, fz)
            self.keep.append(keep)
        return hit

    def float_key(self, a):
        """The key of a float argument: its IEEE-754 bits (a bytes object,
        which no other argument's key equals), one object per bit pattern."""
        b = _pack(a)
        return self.floats.setdefault(b, b)

    def items(self, args):
        """The keys of a node's arguments when each is a node (its id), a
        float (its bits) or an int, str, bool or None (``(type, value)``);
        None if one is anything else."""
        fa = []
        for a in args:
            t = type(a)
            if t is LazyArray:
                fa.append(id(a))
            elif t is float:
                fa.append(self.float_key(a))
            elif t is int or t is str or t is bool or t is _NONE:
                fa.append((t, a))
            else:
                return None
        return fa

    @staticmethod
    def key(node, fk, items):
        """The exact CSE key (as exact as :func:`lazyray.graph.sharing.node_key`):
        op, user callable, backend, shape, dtype, kwargs (None or frozen), then
        the arguments: :meth:`items`, or the items of ``freeze(args)`` when an
        argument is anything else (a container...)."""
        op = node._op
        fkey = None if type(op) is str else id(node._fn)
        return (op, fkey, node._backend, node._shape, node._dtype, fk, *items)

    def frozen_items(self, args):
        fz = freeze(args, self.keep)
        return fz[1:] if type(args) is tuple else ("<args>", fz)

    @staticmethod
    def remap_args(node, fins):
        """``node``'s args and kwargs with each dependency replaced by its
        entry in ``fins`` (aligned with ``node._deps``)."""
        m = {id(d): f for d, f in zip(node._deps, fins)}
        return _remap(node._args, m), _remap(node._kwargs, m)

    def remap(self, node, fins):
        """``(args, kwargs, key)``: ``node``'s arguments with each dependency
        replaced by its entry in ``fins`` (aligned with ``node._deps``), and
        the CSE key of the node they make."""
        deps = node._deps
        args = node._args
        kw = node._kwargs
        fk = _NONE_KEY
        if kw is not None:
            hit = self.frozen_kwargs(kw) if type(kw) is dict else None
            if hit is None:
                m = {id(d): f for d, f in zip(deps, fins)}
                na, nk = _remap(args, m), _remap(kw, m)
                fk = freeze(nk, self.keep)
                return na, nk, self.key(node, fk, self.frozen_items(na))
            fk = hit[1]
        if type(args) is tuple:
            # the usual flat arguments: dependencies found by identity
            na = []
            for a in args:
                if type(a) is LazyArray:
                    for d, f in zip(deps, fins):
                        if d is a:
                            a = f
                            break
                    else:
                        break
                elif type(a) in _CONTAINERS:
                    break
                na.append(a)
            else:
                na = tuple(na)
                items = self.items(na)
                if items is not None:
                    return na, kw, self.key(node, fk, items)
        m = {id(d): f for d, f in zip(deps, fins)}
        na = _remap(args, m)
        items = self.items(na) if type(na) is tuple else None
        if items is None:
            items = self.frozen_items(na)
        return na, kw, self.key(node, fk, items)

    def node_key(self, n):
        """The exact CSE key of node ``n`` (see :meth:`key`)."""
        args = n._args
        kw = n._kwargs
        if kw is None:
            fk = _NONE_KEY
        else:
            hit = self.frozen_kwargs(kw) if type(kw) is dict else None
            fk = hit[1] if hit is not None else freeze(kw, self.keep)
        items = self.items(args) if type(args) is tuple else None
        if items is None:
            items = self.frozen_items(args)
        return self.key(n, fk, items)

    def ready(self, deps):
        """Before a CSE lookup of a node on ``deps`` (final nodes): give their
        unkeyed user its key, and mark them as having keyed users only.

        ``users[id(f)]`` says which final nodes use the final node ``f``:
        none (absent), a single one whose key is not in the table yet (a
        node), or only nodes in the table (``_KEYED``).  A node one of whose
        dependencies has no user yet cannot equal an earlier node, so the walk
        builds it without computing its key (in a chain, no key at all), and
        records it as that dependency's unkeyed user; any later node on the
        same dependency keys it first, here.
        """
        users = self.users
        for d in deps:
            st = users.get(id(d))
            if st is not _KEYED:
                if st is not None:
                    self.table.setdefault(self.node_key(st), st)
                users[id(d)] = _KEYED

    def insert(self, r):
        """CSE of a node of the final graph: the equal final node, or ``r``."""
        self.ready(r._deps)
        key = self.node_key(r)
        hit = self.table.get(key)
        if hit is not None:
            if type(hit._op) is not str:
                same_deps(hit, r._deps)
            return hit
        op = r._op
        if type(op) is str and op in self.ctx5.table and self.ctx5.norm(r) is not r:
            raise Fallback("a node of the final graph can still be lowered")
        self.table[key] = r
        self.final.add(id(r))
        return r

    # -------------------------------------------------------------- engine

    def img(self, stage, z):
        """Image of ``z`` through pass ``stage`` (5: lower, 6: simplify,
        7: CSE), ``z`` being a node as that pass sees it; runs the pass on
        ``z`` and on what it depends on that the pass has not seen yet."""
        final = self.final
        if id(z) in final:
            return z
        m = self.m5 if stage == 5 else self.m6 if stage == 6 else self.m7
        r = m.get(id(z))
        if r is not None:
            return r
        for d in z._deps:
            if id(d) not in final:
                break
        else:  # the common case: a node a rule built on final nodes
            if stage == 5:
                r = self.ctx5.norm(z)
            elif stage == 6:
                op = z._op
                r = self.ctx4.norm(z) if type(op) is str and op in self.ctx4.table else z
            else:
                r = self.insert(z)
            m[id(z)] = r
            self.keep.append(z)
            return r
        stack = [z]
        while stack:
            n = stack[-1]
            ni = id(n)
            if ni in final or ni in m:
                stack.pop()
                continue
            if n._fn is None:  # a leaf a rule made
                stack.pop()
                m[ni] = self.leaf7(n) if stage == 7 else n
                self.keep.append(n)
                continue
            missing = [d for d in n._deps if id(d) not in final and id(d) not in m]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            new = [d if id(d) in final else m[id(d)] for d in n._deps]
            if all(a is b for a, b in zip(new, n._deps)):
                r = n
            else:
                r = rebuilt(n, {id(d): e for d, e in zip(n._deps, new)})
            if stage == 5:
                r = self.ctx5.norm(r)
            elif stage == 6:
                r = self.ctx4.norm(r)
            else:
                r = self.insert(r)
            m[ni] = r
            self.keep.append(n)
        return m[id(z)]

    def leaf7(self, n):
        """CSE of a leaf a rule made."""
        data = n._data
        if data is None or id(n) in self.protect:
            return n
        k = (_LEAF, id(data), n._shape, n._dtype, n._backend)
        hit = self.leaves.get(k)
        if hit is None:
            self.leaves[k] = hit = n
            self.final.add(id(n))
        return hit

    def engine(self, node, x4, key):
        """Record of ``node`` whose first simplify sees ``x4``: run the passes
        after folding on it."""
        y4 = self.ctx4.norm(x4)
        y5 = self.img(5, y4)
        y6 = self.img(6, y5)
        f = self.img(7, y6)
        self.keep.append(x4)
        r = f if y5 is y4 and y6 is y4 else [node, f, y4, y5, y6 is y5, False]
        if key is not None:
            self.memo[key] = r
        return r

    def image4(self, r):
        """Image of record ``r`` after the first simplify, built (with those
        it depends on) if needed, and registered for the engine."""
        return self._image(r, _A4, False, self._registered4)

    def _registered4(self, a4, q):
        self.m5[id(a4)] = self.image5(q)

    def image5(self, r):
        """Image of record ``r`` after lowering (see :meth:`image4`)."""
        return self._image(r, _A5, True, self._registered5)

    def _registered5(self, a5, q):
        self.m6[id(a5)] = q[_F]  # after the second simplify: the final structure

    def _image(self, r, slot, late, register):
        """Build (iteratively) the image in record slot ``slot`` of ``r`` and
        of the records it depends on; ``late`` records take their final node;
        ``register(image, record)`` is called for each image built."""
        t = type(r)
        if t is not list:
            return r if t is LazyArray else self.resolve(r)
        if r[slot] is not None:
            return r[slot]
        rec = self.rec
        stack = [r]
        while stack:
            q = stack[-1]
            if q[slot] is not None:
                stack.pop()
                continue
            if late and q[_LATE]:
                q[slot] = q[_F]
                stack.pop()
                continue
            node = q[0]
            drecs = [rec[id(d)] for d in node._deps]
            missing = [x for x in drecs if type(x) is list and x[slot] is None]
            if missing:
                stack.extend(missing)
                continue
            stack.pop()
            m = {}
            for d, x in zip(node._deps, drecs):
                m[id(d)] = x[slot] if type(x) is list else self.resolve(x)
            image = q[slot] = rebuilt(node, m)
            self.keep.append(image)
            register(image, q)
        return r[slot]

    # --------------------------------------------------------------- walk

    def leaf(self, node):
        """Record a leaf: merged with a leaf of the same data object (CSE),
        a constant unless it is a variable (folding)."""
        nid = id(node)
        data = node._data
        if data is None or nid in self.protect:
            rep = node
        else:
            k = (_LEAF, id(data), node._shape, node._dtype, node._backend)
            rep = self.leaves.get(k)
            if rep is None:
                self.leaves[k] = rep = node
            elif self.by_depth:
                raise _Redo  # which of equal leaves stands for them depends on the order
        self.final.add(id(rep))
        if self.fold and not self.all_vars and data is not None and nid not in self.protect:
            self.rec[nid] = (rep,)  # a constant
        else:
            self.rec[nid] = rep

    def constant(self, node, recs):
        """Record a node that does not depend on a variable (folded)."""
        op = node._op
        if type(op) is str and op in NARROW:  # DCE narrows before folding
            raise Fallback(f"{op} may be narrowed by DCE")
        c = rebuilt(node, {id(d): r[0] for d, r in zip(node._deps, recs)})
        key = node_key(c, self.keep)
        hit = self.consts.get(key)
        if hit is None:
            self.consts[key] = hit = c
        self.rec[id(node)] = (hit,)

    def shallow(self, node, rules):
        """Apply the leading shallow rules to the user's node: the record of
        the operand it reduces to, ``_NO_RULE``, or ``_MORE`` when a rule that
        is not shallow remains to be tried."""
        for rule in rules:
            if not rule.shallow:
                return _MORE
            pre = rule.pre
            if pre is not None and not pre(node):
                continue
            new = rule.fn(node, self.ctx4)
            if replaces(new, node):
                r = self.rec.get(id(new))
                if r is None:
                    raise Fallback(f"rule {rule.name} returned a non-operand")
                return self.resolve(r) if type(r) is tuple else r
        return _NO_RULE
