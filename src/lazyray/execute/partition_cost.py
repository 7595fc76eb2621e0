"""The static cost model of :func:`lazyray.partition`, and the numbering of
a graph it works on.

The cost model (per op, in seconds) is deliberately simple, and only used
to compare cuts of the same graph and to decide whether cutting pays::

    call + work + bytes / BYTES_PER_SECOND

``call`` is the cost of calling the op at all (:data:`CALL_SECONDS`, by
family; ``tensordot`` and ``einsum`` more), ``work`` is ``flops /
FLOPS_PER_SECOND`` for contractions and linear algebra and
``elements * ELEMENT_SECONDS`` for the others (flops and elements from
:func:`lazyray.inspect.flops.node_flops`), and ``bytes`` the bytes read and written
(a contraction's operands twice: they are usually transposed into copies),
at :data:`CACHE_BYTES_PER_SECOND` up to :data:`CACHE_BYTES` per op.
A task costs ``overhead`` more (:data:`lazyray.execute.partitioning.OVERHEAD`), and
across processes its inputs cost ``bytes / NETWORK_BYTES_PER_SECOND``.
"""

from __future__ import annotations

import math

from ..inspect.flops import node_flops, operand_shape
from ..inspect.stats_memory import nbytes

__all__ = ["costs", "number", "scan"]

#: the cost of calling an op, by family (seconds)
CALL_SECONDS = {
    "unary": 1.5e-6,
    "binary": 1.5e-6,
    "ternary": 2e-6,
    "reduction": 3e-6,
    "contraction": 3e-6,
    "linalg": 1e-5,
    "movement": 1e-6,
    "indexing": 1.5e-6,
    "creation": 2e-6,
    "combine": 3e-6,
}
#: the call of an op of another family or of a user callable
OTHER_CALL_SECONDS = 5e-6
#: extra call cost of the contractions implemented in Python (numpy's)
SLOW_CONTRACTIONS = {"tensordot": 6e-6, "einsum": 1e-5}
FLOPS_PER_SECOND = 1e10
ELEMENT_SECONDS = 1e-9
#: memory traffic of an op moving at most CACHE_BYTES, and of a bigger one
CACHE_BYTES_PER_SECOND, BYTES_PER_SECOND, CACHE_BYTES = 2e10, 4e9, 2**18
NETWORK_BYTES_PER_SECOND = 5e8


def number(outputs, inputs, with_costs: bool = False):
    """Nodes reached from ``outputs`` (inputs first, then dependencies
    before users), each op node's distinct dependency indices (None for
    leaves and inputs), and the index of each node (a dict keyed by the
    nodes themselves: they hash by identity); with
    ``with_costs``, also :func:`costs` of them, computed in the same walk."""
    pos = {}
    nodes, deps = [], []
    acc = _Costs() if with_costs else None
    for v in inputs:
        pos[v] = len(nodes)
        nodes.append(v)
        deps.append(None)
        if acc is not None:
            acc.add(v, None)
    get = pos.get
    add_node, add_deps = nodes.append, deps.append
    add_cost = acc.add if acc is not None else None
    stack = list(reversed(outputs))
    push, pop = stack.append, stack.pop
    while stack:
        node = stack[-1]
        if node in pos:
            pop()
            continue
        nd = node._deps
        if node._fn is None or node._data is not None:
            dd = None  # a leaf
        elif len(nd) == 1:
            j = get(nd[0])
            if j is None:
                push(nd[0])
                continue
            dd = (j,)
        elif len(nd) == 2:
            j0, j1 = get(nd[0]), get(nd[1])
            if j0 is None or j1 is None:
                if j1 is None:
                    push(nd[1])
                if j0 is None:
                    push(nd[0])
                continue
            dd = (j0,) if j0 == j1 else (j0, j1)
        else:
            idx = [get(d) for d in nd]
            if None in idx:
                stack.extend([d for d, j in zip(nd, idx) if j is None])
                continue
            dd = tuple(dict.fromkeys(idx))
        pop()
        pos[node] = len(nodes)
        add_node(node)
        add_deps(dd)
        if add_cost is not None:
            add_cost(node, dd)
    if acc is None:
        return nodes, deps, pos
    return nodes, deps, pos, (acc.w, acc.fl, acc.ob, acc.tb)


#: families whose cost is a function of the op, the result's shape and
#: dtype and the bytes of the operands (no FLOPs, or one per element) ...
_BY_RESULT = frozenset(
    ("unary", "binary", "ternary", "movement", "indexing", "creation", "combine")
)
#: ... but for these ops (FLOPs from an operand's shape and an axis)
_BY_ARGS_TOO = frozenset(("trace", "sort", "argsort"))
#: contractions whose FLOPs are a function of the shapes of their two
#: operands and of the result (``tensordot``: the contracted size is the
#: size of ``a`` over that of its free axes, the leading axes of the result)
_BY_SHAPES = frozenset(("tensordot", "matmul", "dot", "inner"))


def _op_info(op):
    """``(family, call seconds, copies operands, memo)`` of an op name;
    ``memo`` tells what a node's cost is a function of (:func:`_memo_key`)."""
    from ..graph.registry import OPS

    opdef = OPS.get(op) if type(op) is str else None
    family = opdef.family if opdef is not None else None
    memo = 0
    if family in _BY_RESULT and op not in _BY_ARGS_TOO:
        memo = 1
    elif family == "contraction" and op in _BY_SHAPES:
        memo = 2
    if op in SLOW_CONTRACTIONS and type(op) is str:
        return family, CALL_SECONDS["contraction"] + SLOW_CONTRACTIONS[op], True, memo
    return family, CALL_SECONDS.get(family, OTHER_CALL_SECONDS), False, memo


def _memo_key(node, memo, b):
    """The key of a node's cost among nodes of the same op (``memo`` from
    :func:`_op_info`; ``b`` the bytes of its operands): many nodes of a
    graph share it (the slices of a sliced contraction).  None when the
    cost is not remembered."""
    if memo == 1:
        return (node._op, node._shape, node._dtype, b)
    args = node._args
    if memo != 2 or len(args or ()) < 2:
        return None
    return (node._op, node._shape, node._dtype, b, operand_shape(args[0]), operand_shape(args[1]))


def scan(outputs, stop=(), until=None) -> tuple:
    """One walk of the graph, each node once (in no useful order): the number
    of op nodes, their summed ``(seconds, FLOPs, bytes)`` (see
    :func:`costs`), and the leaves met (the nodes with nothing to compute,
    and those in ``stop``).  Cheaper than :func:`number`, for the graphs
    that will not be cut.

    ``until``, a function of the number of op nodes, stops the sum as soon
    as the seconds exceed ``until(n_ops)``: the totals are then a lower
    bound, enough to tell that a graph is worth cutting.

    >>> import lazyray
    >>> x = lazyray.Variable((100, 100))
    >>> n_ops, (seconds, flops, moved), leaves = scan([lazyray.tanh(x @ x)])
    >>> n_ops, flops, moved, leaves == [x]
    (2, 2010000, 320000, True)
    """
    # sets of the nodes themselves: they hash by identity (no id() calls)
    stop_set = set(stop)
    seen = set()
    leaves, ops = [], []
    stack = list(outputs)
    pop, push, mark = stack.pop, stack.append, seen.add
    add_leaf, add_op = leaves.append, ops.append
    while stack:
        node = pop()
        if node in seen:
            continue
        mark(node)
        if node._fn is None or node._data is not None or node in stop_set:
            add_leaf(node)
            continue
        add_op(node)
        for d in node._deps:
            if d not in seen:
                push(d)
    limit = math.inf if until is None else until(len(ops))
    return len(ops), _summed(ops, limit), leaves


def _summed(ops, limit):
    """Summed ``(seconds, FLOPs, bytes)`` of the op nodes ``ops``, stopped
    once the seconds exceed ``limit``."""
    acc = _Costs()
    sget, size, cost = acc.sizes.get, acc.size, acc.cost
    w, fl, tb = 0.0, 0, 0
    for node in ops:
        b = 0
        for d in node._deps:
            sz = sget((d._shape, d._dtype))
            b += (size(d) if sz is None else sz)[1]
        got = cost(node, b)
        w += got[0]
        fl += got[1]
        tb += got[2]
        if w > limit:
            break
    return w, fl, tb


def _size(node):
    el = math.prod(node._shape) if type(node._dtype) is not tuple else 0
    return el, nbytes(node)


def _cost(node, info, sz, b):
    """``(seconds, flops, bytes)`` of an op node: ``info`` from
    :func:`_op_info`, ``sz`` its ``(elements, bytes)``, ``b`` the bytes of
    its operands."""
    family, call, copies, _ = info
    f = node_flops(node)
    if f is None:  # a user callable: one operation per output element
        f = sz[0]
    if copies:  # operands transposed into copies
        b *= 2
    b += sz[1]
    work = f / FLOPS_PER_SECOND if family in _FLOP_FAMILIES else f * ELEMENT_SECONDS
    rate = CACHE_BYTES_PER_SECOND if b <= CACHE_BYTES else BYTES_PER_SECOND
    return call + work + b / rate, f, b


class _Costs:
    """Accumulates :func:`costs` node by node, in numbering order."""

    __slots__ = ("w", "fl", "ob", "tb", "sizes", "infos", "memo")

    def __init__(self):
        self.w, self.fl, self.ob, self.tb = [], [], [], []
        self.sizes = {}  # (shape, dtype) -> (elements, bytes)
        self.infos = {}  # op -> _op_info(op)
        self.memo = {}  # _memo_key -> _cost

    def size(self, node):
        """``(elements, bytes)`` of a node's value."""
        key = (node._shape, node._dtype)
        sz = self.sizes.get(key)
        if sz is None:
            sz = self.sizes[key] = _size(node)
        return sz

    def cost(self, node, b):
        """:func:`_cost` of an op node whose operands hold ``b`` bytes,
        remembered for the ops whose cost :func:`_memo_key` determines (the
        node's own size is only needed on a miss)."""
        op = node._op
        info = self.infos.get(op)
        if info is None:
            info = self.infos[op] = _op_info(op)
        key = _memo_key(node, info[3], b)
        got = None if key is None else self.memo.get(key)
        if got is None:
            got = _cost(node, info, self.size(node), b)
            if key is not None:
                self.memo[key] = got
        return got

    def add(self, node, d):
        sz = self.sizes.get((node._shape, node._dtype))
        ob = self.ob
        ob.append((self.size(node) if sz is None else sz)[1])
        if d is None:
            s, f, b = 0.0, 0, 0
        else:
            b = 0
            for j in d:
                b += ob[j]
            s, f, b = self.cost(node, b)
        self.w.append(s)
        self.fl.append(f)
        self.tb.append(b)


def costs(nodes, deps):
    """Per node: estimated seconds, FLOPs, bytes of its value, and bytes its
    op reads and writes (zeros for leaves); see the module docstring.

    >>> import lazyray
    >>> x = lazyray.Variable((100, 100))
    >>> nodes, deps, _ = number([x @ x], [])
    >>> w, flops, out_bytes, moved = costs(nodes, deps)
    >>> flops, out_bytes, moved
    ([0, 2000000], [80000, 80000], [0, 160000])
    """
    acc = _Costs()
    for node, d in zip(nodes, deps):
        acc.add(node, d)
    return acc.w, acc.fl, acc.ob, acc.tb


_FLOP_FAMILIES = frozenset(("contraction", "linalg"))
