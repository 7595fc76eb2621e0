"""State and rules of the direct walk (:mod:`.direct`): the values of the
optimized graph as they are numbered, their exact CSE keys, and what the
passes' rules do to a node, worked out once per signature."""

from __future__ import annotations

from ..compile.tapebuild import spec
from ..graph.node import LazyArray
from ..graph.sharing import freeze
from .core import Context, _remap, replaces
from .fusedcore import _NARROW, _T2, _T3, Fallback, _kinds, _make, _pack
from .lower import RULES as LOWER_RULES
from .simplify import RULES as SIMPLIFY_RULES

__all__ = ["State", "Fallback"]

_NONE = type(None)
_KEYED = object()  # users[v]: every user of value v is in the CSE table
_NO_MEMO = object()
_DEEP = object()  # simplify rules that look at the operands remain
_STATIC = (int, str, bool, _NONE)


class State:
    """State of one direct walk (see :mod:`.direct`), and its slow paths."""

    def __init__(self, inputs, exact, fold):
        self.fold = fold
        self.kinds = _kinds(exact)
        self.ctx4 = Context(SIMPLIFY_RULES, True, None)
        self.ctx5 = Context(LOWER_RULES, exact, None, {"backends": ("numpy",)})
        n = len(inputs)
        self.pos = {v: j for j, v in enumerate(inputs)}  # node -> value
        self.nodes = list(inputs)
        self.deps = [None] * n
        self.last = [-1] * n
        self.specs = [None] * n  # see tapebuild.Numbered
        self.const = set()  # constant values (leaf data, folded nodes)
        self.users = [None] * n  # value -> None, its unkeyed user value, or _KEYED
        self.table = {}  # CSE key -> value
        self.leaves = {}  # (id(data), shape, dtype, backend) -> value
        self.kwcache = {}  # id(kwargs dict) -> frozen, or None if it holds nodes
        self.memo = {}  # lowering signature -> template or None
        self.keep = []  # keeps alive every object whose id is in a key

    # ------------------------------------------------------------------ keys

    def frozen_kwargs(self, kw):
        """The key of a static kwargs dict, None if it holds a node."""
        k = id(kw)
        if k in self.kwcache:
            return self.kwcache[k]
        keep = []
        fz = freeze(kw, keep)
        if any(type(o) is LazyArray for o in keep):
            fz = None
        self.kwcache[k] = fz
        self.keep.append(kw)
        self.keep.append(keep)
        return fz

    def key(self, node):
        """The exact CSE key of ``node`` on the values of its operands."""
        op = node._op
        pos = self.pos
        kw = node._kwargs
        fk = None if kw is None else self.frozen_kwargs(kw)
        items = [op, None if type(op) is str else id(node._fn), node._backend]
        items += (node._shape, node._dtype, fk)
        args = node._args
        if fk is not None or kw is None:
            if type(args) is tuple:
                for a in args:
                    t = type(a)
                    if t is LazyArray:
                        items.append(pos[a])  # a value: a bare int
                    elif t is float:
                        items.append(_pack(a))
                    elif t in _STATIC:
                        items.append((t, a))
                    else:
                        break
                else:
                    return tuple(items)
                del items[6:]
        # anything else (containers, nodes inside kwargs): freeze with every
        # node replaced by its value's node (frozen as its id)
        nodes = self.nodes
        m = {id(d): nodes[pos[d]] for d in node._deps}
        items[5] = None if kw is None else freeze(_remap(kw, m), self.keep)
        items.append("<args>")
        items.append(freeze(_remap(args, m), self.keep))
        return tuple(items)

    def ready(self, dvals):
        """Key the pending unkeyed users of ``dvals`` (see
        :meth:`.fusedcore.State.ready`)."""
        users = self.users
        for dv in dvals:
            st = users[dv]
            if st is not _KEYED:
                if st is not None:
                    self.table.setdefault(self.key(self.nodes[st]), st)
                users[dv] = _KEYED

    # ------------------------------------------------------------- rules

    def pristine(self, node) -> bool:
        """Whether each operand of ``node`` is a leaf or an op node that is
        its own value's node and is not folded: then the rules see the ops
        and static arguments that the passes would show them."""
        pos, nodes, const = self.pos, self.nodes, self.const
        for d in node._deps:
            if d._fn is not None:
                v = pos[d]
                if nodes[v] is not d or v in const:
                    return False
        return True

    def decide(self, node, k, rules):
        """What the rules do to ``node``, worked out once per
        :meth:`signature`: the index of the operand a shallow rule reduces
        it to, a lowering template (see :meth:`template`), ``_DEEP`` when
        simplify rules that look at the operands' ops remain to be tried,
        or None."""
        sig = self.signature(node)
        out = _NO_MEMO if sig is None else self.memo.get(sig, _NO_MEMO)
        if out is _NO_MEMO:
            out = self.shallow(node, rules) if k <= _T2 else self.lowering(node)
            if sig is not None:
                self.memo[sig] = out
        return out

    def shallow(self, node, rules):
        """Apply the leading shallow rules: the index of the operand one
        reduces ``node`` to, ``_DEEP`` or None."""
        ctx = self.ctx4
        for rule in rules:
            if not rule.shallow:
                return _DEEP
            pre = rule.pre
            if pre is not None and not pre(node):
                continue
            new = rule.fn(node, ctx)
            if replaces(new, node):
                return _index(node._deps, new)
        return None

    def deep(self, node, rules):
        """Stop the walk if a rule that looks at the operands' ops applies."""
        if not self.pristine(node):
            raise Fallback(f"{node._op}: its operands were rewritten")
        for rule in rules:
            new = rule.fn(node, self.ctx4)
            if replaces(new, node):
                raise Fallback(f"rule {rule.name} applies")

    def signature(self, node):
        """What the rules of the walk decide by -- op, backend, shape, dtype,
        static arguments and the operands' shapes and dtypes -- or None if a
        static argument is not simple."""
        kw = node._kwargs
        fk = None if kw is None else self.frozen_kwargs(kw)
        if kw is not None and fk is None:
            return None
        args = node._args
        if type(args) is not tuple:
            return None
        deps = node._deps
        items = [node._op, node._backend, node._shape, node._dtype, fk]
        for a in args:
            t = type(a)
            if t is LazyArray:
                items.append(_index(deps, a))
            elif t is float:
                items.append(_pack(a))
            elif t in _STATIC:
                items.append((t, a))
            else:
                return None
        for d in deps:
            items.append(d._shape)
            items.append(d._dtype)
        return tuple(items)

    def lowering(self, node):
        """The lowering template of ``node``, or None when no rule applies."""
        r = self.ctx5.norm(node)
        if self.ctx5.exhausted:
            raise Fallback("a rule still applied after max_steps")
        return None if r is node else self.template(node, r)

    def template(self, node, r):
        """``(r, spec, dspec)``: how to rebuild ``r`` on another node's
        operands (``spec`` None when its arguments and dependencies are the
        node's operands, in order); stops the walk unless ``r`` is one node
        on ``node``'s operands that no later pass changes."""
        op = r._op
        deps = node._deps
        if (
            r._fn is None
            or r._data is not None
            or type(op) is not str
            or op in self.ctx4.table
            or op in self.ctx5.table
            or type(r._args) is not tuple
            or not all(_among(d, deps) for d in r._deps)
            or (r._kwargs is not None and self.frozen_kwargs(r._kwargs) is None)
        ):
            raise Fallback(f"{node._op} lowers to more than one new node")
        spec = []
        for a in r._args:
            if type(a) is LazyArray:
                spec.append((True, _index(deps, a)))
            elif isinstance(a, (tuple, list, dict)):
                raise Fallback(f"{node._op} lowers to a node with nested arguments")
            else:
                spec.append((False, a))
        dspec = tuple(_index(deps, d) for d in r._deps)
        plain = tuple(range(len(deps)))
        if dspec == plain and tuple(spec) == tuple((True, i) for i in plain):
            return r, None, None
        return r, tuple(spec), dspec

    @staticmethod
    def instance(tpl, node):
        """The node of lowering template ``tpl`` on ``node``'s operands."""
        proto, spec, dspec = tpl
        deps = node._deps
        if spec is None:
            args = deps
        else:
            args = tuple([deps[s] if k else s for k, s in spec])
            deps = tuple([deps[i] for i in dspec])
        return _make(proto, args, proto._kwargs, deps)

    # -------------------------------------------------------------- walk

    def add(self, node, dvals, const=False):
        """Give ``node`` (whose deps have the distinct values ``dvals``) a
        new value."""
        v = len(self.nodes)
        self.nodes.append(node)
        last = self.last
        for dv in dvals:
            last[dv] = v
        self.deps.append(dvals[0] if len(dvals) == 1 else dvals)
        last.append(-1)
        self.users.append(None)
        self.specs.append(spec(node) if len(dvals) <= 2 else None)
        if const:
            self.const.add(v)
        return v

    def value(self, node, dvals):
        """The value of op node ``node`` (operands numbered as ``dvals``)."""
        const = self.const
        if self.fold:
            for dv in dvals:
                if dv not in const:
                    break
            else:
                return self.constant(node, dvals)
        op = node._op
        instr = node
        if type(op) is str:
            kind = self.kinds.get(op)
            if kind is not None:
                k, rules, trig = kind
                if trig is not None and len(node._args) == 2:
                    # a scalar identity rule: skip it unless the scalar matches
                    a0, c = node._args
                    if type(c) is LazyArray:
                        c = a0
                    tc = type(c)
                    if tc is LazyArray or ((tc is float or tc is int) and c != trig):
                        rules = ()
                if k > _T3:
                    raise Fallback(f"{op}: not modelled (DCE narrowing or mixed rules)")
                if rules or k == _T3:
                    out = self.decide(node, k, rules)
                    if type(out) is int:
                        return self.pos[node._deps[out]]
                    if out is _DEEP:
                        self.deep(node, rules)
                    elif out is not None:
                        instr = self.instance(out, node)
                        if out[1] is not None:
                            dvals = tuple([self.pos[d] for d in instr._deps])
        return self.settle(instr, dvals, op)

    def settle(self, instr, dvals, op):
        """The value of ``instr``, a node that no rule changes (``dvals``: the
        values of its dependencies; ``op``: the user's node's op)."""
        if len(dvals) > 1 and len(set(dvals)) < len(dvals):
            # operands merged into one value: one dependency per value, and
            # every argument that was a dropped dependency now names the kept
            # one (the arguments hold no node that is not a dependency)
            first, deps, uniq, m = {}, [], [], {}
            for d, dv in zip(instr._deps, dvals):
                kept = first.get(dv)
                if kept is None:
                    first[dv] = d
                    deps.append(d)
                    uniq.append(dv)
                    kept = d
                m[id(d)] = kept
            instr = _make(instr, _remap(instr._args, m), _remap(instr._kwargs, m), tuple(deps))
            dvals = tuple(uniq)
        users = self.users
        for dv in dvals:
            if users[dv] is None:
                # it cannot equal an earlier node: no key needed
                v = self.add(instr, dvals)
                for dv in dvals:
                    if users[dv] is None:
                        users[dv] = v
                return v
        return self.keyed(instr, dvals, op)

    def keyed(self, instr, dvals, op):
        """The value of ``instr`` looked up (or entered) in the CSE table."""
        self.ready(dvals)
        key = self.key(instr)
        v = self.table.get(key)
        if v is None:
            v = self.table[key] = self.add(instr, dvals)
        elif type(op) is not str and self.deps[v] != (dvals[0] if len(dvals) == 1 else dvals):
            raise Fallback("equal nodes of a user callable list their dependencies differently")
        return v

    def constant(self, node, dvals):
        """The value of a node on constants only (folded at build time)."""
        op = node._op
        if type(op) is str and self.kinds.get(op, (None,))[0] == _NARROW:
            raise Fallback(f"{op} may be narrowed by DCE")
        if len(set(dvals)) < len(dvals):
            raise Fallback("constants merged into one value")
        key = self.key(node)
        v = self.table.get(key)
        if v is None:
            v = self.table[key] = self.add(node, dvals, True)
        return v

    def leaf(self, node):
        """The value of a data leaf (leaves of one data object are merged)."""
        data = node._data
        if data is None:
            raise Fallback("a Variable that is not an input")
        k = (id(data), node._shape, node._dtype, node._backend)
        v = self.leaves.get(k)
        if v is None:
            v = self.leaves[k] = len(self.nodes)
            self.nodes.append(node)
            self.deps.append(None)
            self.last.append(-1)
            self.users.append(None)
            self.specs.append(None)
            self.const.add(v)
        return v


def _among(x, nodes) -> bool:
    """``x in nodes`` by identity (``==`` on lazy arrays builds a node)."""
    for n in nodes:
        if n is x:
            return True
    return False


def _index(nodes, x) -> int:
    """``nodes.index(x)`` by identity."""
    for i, n in enumerate(nodes):
        if n is x:
            return i
    raise Fallback("an argument that is not a dependency")
