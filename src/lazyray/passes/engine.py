"""The rewrite engine: one bottom-up walk that rebuilds a graph.

Every optimization of :mod:`lazyray.passes` is this one walk with some of its
features turned on (models: tinygrad's ``graph_rewrite``, pytensor's
``EquilibriumGraphRewriter``):

* **Dead code** is what the outputs do not reach: the walk starts from the
  outputs, so an unreached node is never visited.
* **CSE** is hash-consing: every node is built through one table keyed by its
  op, the identities of its (already rebuilt) operands and its static
  arguments *with their types* (``x * 2`` and ``x * 2.0`` differ; floats by
  their IEEE-754 bits); leaves by the identity of their data.  A node whose
  operand has no user yet cannot equal an earlier node: it is built without a
  key, and keyed only when a second user of that operand comes (in a chain no
  key is ever computed).
* **Folding**: a node on constants only (it depends on no variable) is not
  rewritten; where a non-constant node uses it, or an output is one, it
  becomes an ``array`` leaf whose value is computed at the end, by the very
  calls of the constant subgraph (``fold="compute"``), or it is left in the
  graph for the tape builder to evaluate once (``fold="defer"``, for
  :class:`~lazyray.Function`).
* **Rules** (:class:`.core.Rule`, tables by op name: :data:`.simplify.RULES`,
  :data:`.lower.RULES`) are tried on every other node as it is built, on its
  rebuilt operands; a rule's result goes through the same table and rules,
  so each node reaches a fixed point (a rule enabling another fires in the
  same walk) and equal results of different rules are one node.
* **Narrowing** of partly used multi-output ops (:data:`.dce.NARROW`) needs
  every use of an op: it is a rule on ``item`` nodes applied by a second walk
  over the result, made only when the first met such an op.

With ``copy=False`` a node whose operands are unchanged and that no rule
rewrites is kept as it is (no new node); otherwise every op node of the
result is new, so the user's graph is never shared, mutated or computed.
"""

from __future__ import annotations

import gc

from ..graph.evaluate import compute_nodes
from ..graph.node import LazyArray, _leaf
from ..graph.sharing import no_sharing
from ..graph.traverse import find_lazy, tree_map
from .core import topo
from .hashcons import _ANY, Builder

__all__ = ["Engine", "run", "MAX_STEPS"]

#: nested rule applications per node before the engine stops rewriting it
MAX_STEPS = 32


class Engine(Builder):
    """One configuration of the rewrite engine (see the module docstring).

    Parameters
    ----------
    rules : sequence of Rule
        The rewrite rules (any op); non-exact ones are dropped if ``exact``.
    cse : bool
        Hash-cons nodes (merge equal nodes and leaves of one data object).
    fold : None, "compute" or "defer"
        Fold what does not depend on ``variables`` (see the module docstring).
    narrow : bool
        Narrow partly used multi-output ops (a second walk, when needed).
    variables : pytree of LazyArray, optional
        Never merged; with ``fold``, the inputs (None: every leaf).
    exact : bool
        Only bit-for-bit rules and narrowings.
    copy : bool
        Build a new node for every op node of the result.
    stats : dict, optional
        Receives counts: ``merged``, ``folded``, ``narrowed``, and each rule's
        name.
    backends : tuple of str
        The backends whose nodes the rules may rewrite (``ctx.options``).
    """

    def __init__(
        self,
        rules=(),
        *,
        cse=True,
        fold=None,
        narrow=False,
        variables=None,
        exact=False,
        copy=True,
        stats=None,
        backends=("numpy",),
    ):
        by_op = {}
        for r in rules:
            if r.exact or not exact:
                by_op.setdefault(r.op, []).append(r)
        # op -> (its rules as (fn, name), their common trigger or _ANY)
        self.dispatch = {}
        for op, rs in by_op.items():
            trig = rs[0].trigger
            if trig is None or any(r.trigger != trig for r in rs):
                trig = _ANY
            self.dispatch[op] = (tuple((r.fn, r.name) for r in rs), trig)
        self.cse = cse
        self.fold = fold
        self.narrow = narrow
        self.exact = exact
        self.copy = copy
        self.stats = stats
        self.options = {"backends": tuple(backends)}
        self.all_vars = variables is None
        self.protect = set() if variables is None else {id(v) for v in find_lazy(variables)}
        self.used = {}  # narrowing walk: id(multi-output node) -> indices used
        self.narrowed = set()  # narrowing walk: ids of the nodes narrowed
        self.narrowable = False  # met an op that narrowing may rewrite
        self.table = {}  # key -> canonical node (CSE), or the result of a rewrite
        self.users = {}  # id(canonical) -> its unkeyed user, or _KEYED
        self.rewritten = {}  # id(unkeyed user the rules rewrote) -> the result
        self.leaves = {}  # (id(data), shape, dtype, backend) -> leaf
        self.kwcache = {}  # id(kwargs) -> (kwargs, its key, or None if it holds nodes)
        self.consts = set()  # ids of canonical nodes that depend on no variable
        self.front = {}  # id(constant node) -> (it, the leaf it folds into)
        self.keep = []  # keeps alive the objects whose ids are in keys
        self.level = 0  # nesting of rule applications
        self.cur = None  # the node the rules are rewriting
        self.stop = None  # ids of nodes ctx.norm need not look into
        self.counts = {"merged": 0, "folded": 0}

    def front_leaf(self, c):
        """The leaf that constant node ``c`` folds into (valued at the end)."""
        hit = self.front.get(id(c))
        if hit is None:
            hit = self.front[id(c)] = (c, _leaf("array", None, c._shape, c._dtype, c._backend))
        return hit[1]

    # ------------------------------------------------------------- rules

    def apply(self, cand, rs):
        """The canonical result of the first rule of ``rs`` that rewrites
        ``cand``, or None."""
        if self.level >= MAX_STEPS:
            return None
        saved = self.cur, self.stop
        self.cur, self.stop = cand, None
        self.level += 1
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
                    return self.norm(new)
            return None
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
                if id(d) not in users:
                    break
            else:
                self.ready(deps)
                k = self.key(cand)
                hit = self.table.get(k)
                if hit is not None:
                    return hit
        op = cand._op
        entry = self.dispatch.get(op) if type(op) is str else None
        res = self.apply(cand, entry[0]) if entry is not None else None
        if res is None:
            if self.cse:
                self.enter(cand, deps, k)
            if self.narrow and op in _narrow_ops():
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
        stack = [n]
        while stack:
            x = stack[-1]
            if id(x) in local:
                stack.pop()
                continue
            pending = [
                d for d in x._deps if d._fn is not None and id(d) not in stop and id(d) not in local
            ]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            cd = [local.get(id(d), d) for d in x._deps]
            same = True
            for a, b in zip(cd, x._deps):
                if a is not b:
                    same = False
                    break
            r = local[id(x)] = self.settle(x if same else self.rebuild(x, cd))
            stop.add(id(r))
        return local[id(n)]

    # -------------------------------------------------------------- walk

    def leaf(self, node):
        """The canonical node of a leaf (merged with a leaf of the same data
        object) and whether it is a constant."""
        data = node._data
        if data is None or id(node) in self.protect:
            return node
        rep = node
        if self.cse:
            k = (id(data), node._shape, node._dtype, node._backend)
            rep = self.leaves.get(k)
            if rep is None:
                self.leaves[k] = rep = node
            else:
                self.counts["merged"] += 1
        if self.fold is not None and not self.all_vars:
            self.consts.add(id(rep))
        return rep

    def walk(self, roots) -> dict:
        """Rebuild the graph behind ``roots``: ``{id(node): canonical}``."""
        m = {}
        mget = m.get
        consts = self.consts
        users = self.users
        dispatch = self.dispatch
        cse, copy, fold = self.cse, self.copy, self.fold
        compute = fold == "compute"
        narrow_ops = _narrow_ops() if self.narrow else ()
        rebuild, apply, table = self.rebuild, self.apply, self.table
        stack = list(roots)[::-1]
        push, pop = stack.append, stack.pop
        while stack:
            node = stack[-1]
            nid = id(node)
            if nid in m:
                pop()
                continue
            if node._fn is None:
                pop()
                m[nid] = self.leaf(node)
                continue
            deps = node._deps
            nd = len(deps)
            if nd == 1:
                d = deps[0]
                c = mget(id(d))
                if c is None:
                    push(d)
                    continue
                cd = [c]
                changed = c is not d
            elif nd == 2:
                d0, d1 = deps
                c0 = mget(id(d0))
                c1 = mget(id(d1))
                if c0 is None or c1 is None:
                    if c1 is None:
                        push(d1)
                    if c0 is None:
                        push(d0)
                    continue
                cd = [c0, c1]
                changed = c0 is not d0 or c1 is not d1
            else:
                cd = [mget(id(d)) for d in deps]
                changed = False
                missing = False
                for d, c in zip(deps, cd):
                    if c is None:
                        push(d)
                        missing = True
                    elif c is not d:
                        changed = True
                if missing:
                    continue
            pop()
            op = node._op
            if fold is not None:
                for c in cd:
                    if id(c) not in consts:
                        break
                else:  # a constant (also: no operand): merged, never rewritten
                    cand = rebuild(node, cd) if changed or copy or compute else node
                    m[nid] = self.constant(cand)
                    continue
                if compute:  # constant operands are folded into leaves
                    for i, c in enumerate(cd):
                        if c._fn is not None and id(c) in consts:
                            cd[i] = self.front_leaf(c)
                            changed = True
            rs = None
            entry = dispatch.get(op)
            if entry is not None:
                rs, trig = entry
                if trig is not _ANY:  # only with a scalar operand equal to trig
                    args = node._args
                    if args is deps:
                        rs = None
                    else:
                        for a in args:
                            t = type(a)
                            if t is LazyArray or ((t is float or t is int) and a != trig):
                                continue
                            break
                        else:
                            rs = None
            cand = rebuild(node, cd) if changed or copy else node
            if cse:
                # a node with an operand that has no user yet cannot equal an
                # earlier node: no key needed
                if nd == 1:
                    ic = id(cd[0])
                    unique = ic not in users
                else:
                    unique = False
                    for c in cd:
                        if id(c) not in users:
                            unique = True
                            break
                k = None
                if not unique:
                    self.ready(cd)
                    k = self.key(cand)
                    hit = table.get(k)
                    if hit is not None:
                        self.counts["merged"] += 1
                        m[nid] = hit
                        continue
                if rs is not None:
                    res = apply(cand, rs)
                    if res is not None:
                        self.remember(cand, res, k)
                        m[nid] = res
                        continue
                if k is not None:
                    table[k] = cand
                elif nd == 1:
                    users[ic] = cand
                else:
                    for c in cd:
                        if id(c) not in users:
                            users[id(c)] = cand
            elif rs is not None:
                res = apply(cand, rs)
                if res is not None:
                    m[nid] = res
                    continue
            if narrow_ops and op in narrow_ops:
                self.narrowable = True
            m[nid] = cand
        return m

    def constant(self, cand):
        """The canonical node of a constant node (merged, not rewritten)."""
        if self.cse:
            self.ready(cand._deps)
            k = self.key(cand)
            hit = self.table.get(k)
            if hit is not None:
                self.counts["merged"] += 1
                return hit
            self.table[k] = cand
        self.consts.add(id(cand))
        self.counts["folded"] += 1
        if self.narrow and cand._op in _narrow_ops():
            self.narrowable = True
        return cand

    # ------------------------------------------------------------- entry

    def run(self, outputs):
        """The optimized outputs (same pytree)."""
        roots = list(find_lazy(outputs))
        enabled = gc.isenabled()
        gc.disable()  # no reference cycles are made; collections would rescan the graph
        try:
            with no_sharing():
                m = self.walk(roots)
                final = {id(o): m[id(o)] for o in roots}
                del m
                if self.fold == "compute":
                    self.fold_outputs(final)
                if self.narrowable:
                    self.narrow_walk(final)
                self.finish()
            return tree_map(lambda n: final[id(n)], outputs)
        finally:
            if enabled:
                gc.enable()

    def fold_outputs(self, final) -> None:
        """Constant outputs become leaves (a multi-output one stays, on
        leaves)."""
        consts = self.consts
        for i, c in final.items():
            if c._fn is None or id(c) not in consts:
                continue
            if type(c._dtype) is tuple:
                cd = [self.front_leaf(d) if d._fn is not None else d for d in c._deps]
                final[i] = self.rebuild(c, cd)
            else:
                final[i] = self.front_leaf(c)

    def narrow_walk(self, final) -> None:
        """Narrow partly used multi-output ops: a second walk over the result
        (and the constants still to fold) with the narrowing rule."""
        from .dce import NARROW_RULE

        srcs = [c for c, _ in self.front.values()]
        roots = list(final.values()) + srcs
        used = {}
        for n in topo(roots):
            if n._op == "item" and n._fn is not None and type(n._op) is str:
                base, i = n._args
                used.setdefault(id(base), set()).add(i)
        sub = Engine((NARROW_RULE,), exact=self.exact, copy=False, stats=None)
        sub.used = used
        m = sub.walk(roots)
        for i, c in final.items():
            final[i] = m[id(c)]
        self.front = {id(m[id(c)]): (m[id(c)], leaf) for c, leaf in self.front.values()}
        self.counts["merged"] += sub.counts["merged"]
        self.counts["narrowed"] = len(sub.narrowed)

    def finish(self) -> None:
        """Compute the folded constants; report the counts."""
        front = list(self.front.values())
        self.table = self.users = self.keep = self.leaves = None
        if front:
            srcs = [c for c, _ in front]
            compute_nodes(srcs)
            for c, leaf in front:
                leaf._data = c._data
            del srcs
        st = self.stats
        if st is not None:
            counts = self.counts
            if self.cse:
                st["merged"] = st.get("merged", 0) + counts["merged"]
            if self.fold is not None:
                st["folded"] = st.get("folded", 0) + counts["folded"]
            if self.narrow:
                st["narrowed"] = st.get("narrowed", 0) + counts.get("narrowed", 0)


def _narrow_ops():
    from .dce import NARROW

    return NARROW


def run(outputs, rules=(), **options):
    """Run the engine (see :class:`Engine` for ``options``) on ``outputs``.

    >>> import lazyray
    >>> from lazyray.passes.simplify import RULES
    >>> x = lazyray.Variable((3,))
    >>> y = lazyray.sin(x * 1) + lazyray.sin(x)
    >>> [n.fn_name for n in lazyray.ascend(run(y, RULES))]
    ['variable', 'sin', 'add']
    """
    return Engine(rules, **options).run(outputs)
