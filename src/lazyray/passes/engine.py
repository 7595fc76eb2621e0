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
  key is ever computed).  Any other node is looked up by the key it would
  have before it is built (:meth:`.hashcons.Builder.key_of`): a merged node is
  never built.
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
* **Narrowing** of partly used multi-output ops (:data:`.narrow.NARROW`) needs
  every use of an op: it is a rule on ``item`` nodes applied by a second walk
  over the result, made only when the first met such an op.

With ``copy=False`` a node whose operands are unchanged and that no rule
rewrites is kept as it is (no new node); otherwise every op node of the
result is new, so the user's graph is never shared, mutated or computed.

**Lean result** (``sub``, for :class:`~lazyray.Function`, whose tape builder
only reads the result): a node whose operands changed, that no rule is
tried on and whose arguments are its operands (plus a scalar) is kept too,
and ``sub[node]`` lists its new operands, which the tape builder's
numbering (:func:`lazyray.compile.numbering.number`) reads instead of its
own.  Downstream nodes then see it unchanged: no cascade of rebuilt nodes
after a rewrite or a merge.  The same walk, one more output; narrowing,
which needs an ordinary graph, rebuilds those nodes first.
"""

from __future__ import annotations

from ..graph.config import paused_gc
from ..graph.evaluate import compute_nodes
from ..graph.node import LazyArray, _leaf
from ..graph.sharing import no_sharing
from ..graph.traverse import descend, find_lazy, tree_map
from .hashcons import _ANY, _ATOMS, _KEYED, Builder
from .narrow import NARROW, NARROW_RULE
from .rewrite import Rewriter

__all__ = ["Engine", "run", "copy_graph"]


class Engine(Rewriter, Builder):
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
    sub : dict, optional
        With ``copy=False``, the *lean* result for the tape builder (see the
        module docstring): receives ``{node: its operands}`` for the
        nodes kept on operands other than their own.
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
        sub=None,
    ):
        by_op = {}
        for r in rules:
            if r.exact or not exact:
                by_op.setdefault(r.op, []).append(r)
        # op -> (its rules as (fn, name), their common trigger or _ANY,
        # whether they are all local: memoized by signature)
        self.dispatch = {}
        for op, rs in by_op.items():
            trig = rs[0].trigger
            if trig is None or any(r.trigger != trig for r in rs):
                trig = _ANY
            local = all(r.local for r in rs)
            self.dispatch[op] = (tuple((r.fn, r.name) for r in rs), trig, local)
        self.cse = cse
        self.fold = fold
        self.narrow = narrow
        self.narrow_ops = NARROW if narrow else ()
        self.lean = sub is not None and not copy and fold != "compute"
        self.sub = sub if self.lean else {}  # kept node -> its new operands
        self.m = None  # the walk's map: user's node -> canonical node
        self.exact = exact
        self.copy = copy
        self.stats = stats
        self.options = {"backends": tuple(backends)}
        self.all_vars = variables is None
        self.protect = set() if variables is None else set(find_lazy(variables))
        self.used = {}  # narrowing walk: id(multi-output node) -> indices used
        self.narrowed = set()  # narrowing walk: ids of the nodes narrowed
        self.narrowable = False  # met an op that narrowing may rewrite
        self.table = {}  # key -> canonical node (CSE), or the result of a rewrite
        self.users = {}  # canonical node -> its unkeyed user, or _KEYED
        self.rewritten = {}  # unkeyed user the rules rewrote -> the result
        self.leaves = {}  # (id(data), shape, dtype, backend) -> leaf
        self.kwcache = {}  # id(kwargs) -> (kwargs, its key, or None if it holds nodes)
        self.kwtok = {}  # frozen static kwargs -> their key (a small int)
        self.consts = set()  # canonical nodes that depend on no variable
        self.front = {}  # constant node -> (it, the leaf it folds into)
        self.keep = []  # keeps alive the objects whose ids are in keys
        self.memo = {}  # signature -> outcome of local rules (see .rewrite)
        self.made = None  # nodes a memoized rule application made
        self.level = 0  # nesting of rule applications
        self.cur = None  # the node the rules are rewriting
        self.stop = None  # ids of nodes ctx.norm need not look into
        self.counts = {"merged": 0, "folded": 0}

    def front_leaf(self, c):
        """The leaf that constant node ``c`` folds into (valued at the end)."""
        hit = self.front.get(c)
        if hit is None:
            hit = self.front[c] = (c, _leaf("array", None, c._shape, c._dtype, c._backend))
        return hit[1]

    # -------------------------------------------------------------- walk

    def leaf(self, node):
        """The canonical node of a leaf (merged with a leaf of the same data
        object) and whether it is a constant."""
        data = node._data
        if data is None or node in self.protect:
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
            self.consts.add(rep)
        return rep

    def walk(self, roots) -> dict:
        """Rebuild the graph behind ``roots``: ``{node: canonical}`` (keyed by
        the nodes themselves: they hash by identity, and no ``id()`` call is
        made per lookup)."""
        m = {}
        mget = m.get
        consts = self.consts
        users = self.users
        dispatch = self.dispatch
        cse, copy, fold = self.cse, self.copy, self.fold
        compute = fold == "compute"
        narrow_ops = self.narrow_ops
        lean, sub = self.lean, self.sub
        self.m = m
        rebuild, apply, table = self.rebuild, self.apply, self.table
        key_of, kwinfo, kwget = self.key_of, self.kwinfo, self.kwcache.get
        uget = users.get
        merged = 0  # (added to the counts at the end)
        stack = list(roots)[::-1]
        push, pop = stack.append, stack.pop
        while stack:
            node = stack[-1]
            if node in m:
                pop()
                continue
            if node._fn is None:
                pop()
                m[node] = self.leaf(node)
                continue
            deps = node._deps
            nd = len(deps)
            if nd == 1:
                d = deps[0]
                c = mget(d)
                if c is None:
                    push(d)
                    # descend a run of one-operand nodes at once
                    while d._fn is not None:
                        dd = d._deps
                        if len(dd) != 1:
                            break
                        d = dd[0]
                        if d in m:
                            break
                        push(d)
                    continue
                cd = (c,)
                changed = c is not d
            elif nd == 2:
                d0, d1 = deps
                c0 = mget(d0)
                c1 = mget(d1)
                if c0 is None or c1 is None:
                    if c1 is None:
                        push(d1)
                    if c0 is None:
                        push(d0)
                    continue
                cd = (c0, c1)
                changed = c0 is not d0 or c1 is not d1
            else:
                cd = [mget(d) for d in deps]
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
            if fold is not None and (consts or not cd):  # (no constant operand yet)
                for c in cd:
                    if c not in consts:
                        break
                else:  # a constant (also: no operand): merged, never rewritten
                    cand = rebuild(node, cd) if changed or copy or compute else node
                    m[node] = self.constant(cand)
                    continue
                if compute:  # constant operands are folded into leaves
                    cd = list(cd)
                    for i, c in enumerate(cd):
                        if c._fn is not None and c in consts:
                            cd[i] = self.front_leaf(c)
                            changed = True
            rs = sig = None
            entry = dispatch.get(op)
            if entry is not None:
                rs, trig, local = entry
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
            k = None
            if cse:
                # a node with an operand that has no user yet cannot equal an
                # earlier node: no key needed
                unique = False
                keyed = True  # (usually all are)
                for c in cd:
                    u = uget(c)
                    if u is None:
                        unique = True
                        break
                    if u is not _KEYED:
                        keyed = False
                if not unique:  # looked up before it is built: merged, never built
                    if not keyed:
                        self.ready(cd)
                    kw = node._kwargs
                    if (
                        node._args is deps
                        and 0 < nd < 3
                        and type(op) is str
                        and (kw is None or type(kw) is dict)
                    ):  # key_of(node, cd), at once for the usual
                        fk = None if kw is None else (kwget(id(kw)) or kwinfo(kw))[1]
                        if fk is not None or kw is None:
                            b, sh, dt = node._backend, node._shape, node._dtype
                            if nd == 2:
                                c0, c1 = cd
                                k = (op, None, b, sh, dt, fk, id(c0), id(c1))
                            else:
                                k = (op, None, b, sh, dt, fk, id(cd[0]))
                    else:
                        k = key_of(node, cd)
                    if k is not None:
                        hit = table.get(k)
                        if hit is not None:
                            merged += 1
                            m[node] = hit
                            continue
            if rs is not None and local and (not cse or unique):
                # a memoized rewrite needs no candidate
                res, sig = self.shortcut(node, cd)
                if res is not None:
                    m[node] = res
                    continue
            if not changed and not copy:
                cand = node
            elif (
                lean
                and rs is None
                and node._kwargs is None
                and (
                    (node._args is deps and (nd == 1 or (nd == 2 and cd[0] is not cd[1])))
                    or (
                        nd == 1
                        and len(node._args) == 2
                        and node._args[0] is deps[0]
                        and type(node._args[1]) in _ATOMS
                    )
                )
            ):
                cand = node  # kept, on its new operands (no new node)
                sub[node] = tuple(cd)
            else:
                cand = rebuild(node, cd)
            if cse:
                if not unique and k is None:
                    k = self.key(cand)
                    hit = table.get(k)
                    if hit is not None:
                        merged += 1
                        m[node] = hit
                        continue
                if rs is not None:
                    res = apply(cand, rs, local, sig)
                    if res is not None:
                        self.remember(cand, res, k)
                        m[node] = res
                        continue
                if k is not None:
                    table[k] = cand
                elif nd == 1:
                    users[c] = cand
                else:
                    for c in cd:
                        if c not in users:
                            users[c] = cand
            elif rs is not None:
                res = apply(cand, rs, local, sig)
                if res is not None:
                    m[node] = res
                    continue
            if narrow_ops and op in narrow_ops:
                self.narrowable = True
            m[node] = cand
        self.counts["merged"] += merged
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
        self.consts.add(cand)
        self.counts["folded"] += 1
        if cand._op in self.narrow_ops:
            self.narrowable = True
        return cand

    # ------------------------------------------------------------- entry

    def run(self, outputs):
        """The optimized outputs (same pytree)."""
        roots = list(find_lazy(outputs))
        with paused_gc(), no_sharing():
            m = self.walk(roots)
            final = {id(o): m[o] for o in roots}
            del m
            if self.fold == "compute":
                self.fold_outputs(final)
            if self.narrowable:
                if self.sub:
                    self.materialize(final)
                self.narrow_walk(final)
            self.finish()
        return tree_map(lambda n: final[id(n)], outputs)

    def fold_outputs(self, final) -> None:
        """Constant outputs become leaves (a multi-output one stays, on
        leaves)."""
        consts = self.consts
        for i, c in final.items():
            if c._fn is None or c not in consts:
                continue
            if type(c._dtype) is tuple:
                cd = [self.front_leaf(d) if d._fn is not None else d for d in c._deps]
                final[i] = self.rebuild(c, cd)
            else:
                final[i] = self.front_leaf(c)

    def narrow_walk(self, final) -> None:
        """Narrow partly used multi-output ops: a second walk over the result
        (and the constants still to fold) with the narrowing rule."""
        roots = list(final.values()) + [c for c, _ in self.front.values()]
        used = {}
        for n in descend(roots):
            if n._op == "item" and n._fn is not None and type(n._op) is str:
                base, i = n._args
                used.setdefault(id(base), set()).add(i)
        sub = Engine((NARROW_RULE,), exact=self.exact, copy=False, stats=None)
        sub.used = used
        m = sub.walk(roots)
        for i, c in final.items():
            final[i] = m[c]
        # (keyed by leaf: two constants may narrow to one node, each leaf needs its value)
        self.front = {leaf: (m[c], leaf) for c, leaf in self.front.values()}
        self.counts["merged"] += sub.counts["merged"]
        self.counts["narrowed"] = len(sub.narrowed)

    def finish(self) -> None:
        """Compute the folded constants; report the counts."""
        front = list(self.front.values())
        self.table = self.users = self.keep = self.leaves = self.m = self.memo = None
        if front:
            srcs = [c for c, _ in front]
            compute_nodes(srcs)
            for c, leaf in front:
                leaf._data = c._data
            del srcs
        st = self.stats
        if st is not None:
            on = {"merged": self.cse, "folded": self.fold is not None, "narrowed": self.narrow}
            for key in [k for k, v in on.items() if v]:
                st[key] = st.get(key, 0) + self.counts.get(key, 0)


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


def copy_graph(outputs):
    """A copy of the graph: new op nodes, the same leaves (the engine with no
    rule, no merging and no folding).

    >>> import lazyray
    >>> x = lazyray.Variable((2,))
    >>> y = lazyray.sin(x)
    >>> z = copy_graph(y)
    >>> z is y, z.deps[0] is x
    (False, True)
    """
    return run(outputs, cse=False)
