"""Cutting a numbered graph into tasks by static cost: the algorithm behind
:func:`lazyray.partition`.

The graph comes as index arrays: nodes ``0 .. n-1`` in a topological order,
``deps[i]`` the tuple of the (distinct) dependencies of op node ``i`` (None
for leaves and inputs), ``w[i]`` its estimated seconds.  :func:`cut` returns
the task of every op node.  It works in four steps, all iterative:

1. **Post-dominator tree** (Cooper, Harvey & Kennedy's intersection on the
   reversed graph, one pass since the graph is acyclic).  The subtree of a
   node ``v`` is the work done *only* to compute ``v``: nothing inside it but
   ``v`` itself is read from outside.  So subtrees that hang side by side
   are independent branches, and ``W[v]``, the summed cost of the subtree,
   is the work a separate task for that branch would take away from its
   parent.
2. **Groups**, top-down from the outputs: at each node, the heaviest child
   continues the parent's group (a chain never splits: there is nothing to
   run beside it); a branch heavier than ``target / 2`` becomes a group of
   its own; lighter branches that still matter (over ``target / 32``) are
   packed in order into "bins" of equal weight, about ``target`` each
   (e.g. slices of a sliced contraction hanging off a chain of additions:
   bins differ by at most about one slice); the rest is glue that
   stays with its parent.  A node whose every consumer lies in one other
   group then moves to that group (its producer-side prologue), and the
   ``item`` nodes of a multi-output op stay with it (a boundary value is
   then always an array, never a tuple).
3. **Stages** make the task graph acyclic whatever the groups: a node's
   stage is the largest stage of its dependencies, plus one for those in
   another group, and a task is a (group, stage) pair.  Every edge between
   tasks goes to a strictly higher stage.
4. **Light tasks merged** (under ``target / 8`` or two overheads) into
   their only consumer, or into their only producer (both keep the task
   graph acyclic), until every task is worth its overhead or cannot merge.

Several targets are tried (``total / (k * workers)`` for a few ``k``), and
one task for everything; each cut is scored by a list-scheduling simulation
on ``workers`` workers with the per-task overhead (and, across processes,
the transfer of task inputs), and the fastest is kept; among the near ties
(within 3% of the fastest), the one whose critical path plus total overhead
is shortest (balanced tasks absorb the noise of real run times; tiny tasks
cost overhead).
"""

from __future__ import annotations

import heapq

__all__ = ["cut", "simulate", "critical_path", "list_order"]

#: branch / target ratios of step 2
HEAVY, LIGHT = 0.5, 1 / 32
#: the values of ``k`` tried for ``target = total / (k * workers)``
SPLITS = (1, 2, 4, 8, 16)
#: a task is never aimed below this many times the per-task overhead
MIN_TASK_OVERHEADS = 10.0
#: tasks lighter than this many overheads (or than target / 8) are merged
MERGE_BELOW_OVERHEADS = 2.0
#: cuts estimated within this fraction of the fastest are near ties
NEAR_TIE = 0.03


def _pdom(deps, ops, is_out, n):
    """Immediate post-dominator of each op node (``n`` is the virtual sink)."""
    cons = [[] for _ in range(n)]
    for i in ops:
        for d in deps[i]:
            if deps[d] is not None:
                cons[d].append(i)
    ip = [-1] * (n + 1)
    ip[n] = n
    for i in reversed(ops):
        cs = cons[i]
        if is_out[i] or not cs:
            ip[i] = n
            continue
        cur = cs[-1]  # consumers in increasing order: start from the highest
        for c in reversed(cs):
            if cur == n:
                break
            a = c
            while a != cur:
                while a < cur:
                    a = ip[a]
                while cur < a:
                    cur = ip[cur]
        ip[i] = cur
    return ip, cons


def _groups(ops, ip, W, n, target, cons, children, items):
    """Step 2: the group of each op node (``children``: of each node in the
    post-dominator tree; ``items``: pairs ``(item node, multi-output node)``)."""
    heavy, light = target * HEAVY, target * LIGHT
    group = [-1] * (n + 1)
    group[n] = 0
    ngroups = 1
    binned = {}  # group -> [(provisional group, weight)] of the branches to bin
    for p in [n, *reversed(ops)]:
        kids = children.get(p)
        if not kids:
            continue
        g = group[p]
        if len(kids) == 1:
            group[kids[0]] = g
            continue
        main = max(kids, key=W.__getitem__)
        # the heaviest child continues the parent's group, unless a sibling
        # to bin is as heavy (e.g. the first two slices of a sum of slices):
        # then it is binned with them (it is not the chain)
        wm = W[main]
        bin_main = light <= wm < heavy and any(c != main and W[c] >= wm * 0.99 for c in kids)
        for c in kids:
            wc = W[c]
            if wc < light or (c == main and not bin_main):
                group[c] = g
            else:
                group[c] = ngroups
                ngroups += 1
                if wc < heavy:
                    binned.setdefault(g, []).append((group[c], wc))
    if binned:
        group = _pack_bins(group, binned, ngroups, target)
    # glue read by one other group only (a prologue) moves to that group
    inherited = [group[i] == group[ip[i]] for i in range(n)]
    for i in reversed(ops):
        cs = cons[i]
        if cs and inherited[i] and W[i] < light and group[i] != group[cs[0]]:
            h = group[cs[0]]
            if all(group[c] == h for c in cs):
                group[i] = h
    for i, j in items:
        group[i] = group[j]
    return group


def _pack_bins(group, binned, ngroups, target):
    """The light branches of each group packed, in order, into bins of
    equal weight (as many as ``target`` fits in their sum): each branch goes
    to the bin holding the middle of its weight, so that bins differ by at
    most about one branch."""
    to = list(range(ngroups))
    for items in binned.values():
        total = sum(wc for _, wc in items)
        nbins = max(1, min(len(items), round(total / target)))
        per = total / nbins
        first = {}
        cum = 0.0
        for ph, wc in items:
            b = min(nbins - 1, int((cum + wc / 2) / per))
            cum += wc
            to[ph] = first.setdefault(b, ph)
    return [to[g] if g >= 0 else g for g in group]


def _stages(ops, deps, group, n):
    """Step 3: task id (dense, in topological order) of each op node."""
    stage = [0] * n
    key_of = {}
    task = [-1] * n
    for i in ops:
        g = group[i]
        s = 0
        for d in deps[i]:
            if deps[d] is None:
                continue
            sd = stage[d] + (group[d] != g)
            if sd > s:
                s = sd
        stage[i] = s
        t = key_of.get((g, s))
        if t is None:
            t = key_of[(g, s)] = len(key_of)
        task[i] = t
    return task, len(key_of)


def _task_graph(ops, deps, task, nt, w, out_bytes):
    """Predecessor sets, weights and input bytes of the tasks, and the
    bytes on each edge ``(producer, consumer)`` between tasks."""
    tw = [0.0] * nt
    edges = {}
    for i in ops:
        t = task[i]
        tw[t] += w[i]
        for d in deps[i]:
            td = task[d]
            if td != t and deps[d] is not None:
                e = (td, t)
                edges[e] = edges.get(e, 0) + out_bytes[d]
    return (*_merged_graph(range(nt), nt, tw, edges), edges)


def _merged_graph(to, nt, tw0, edges):
    """Predecessor sets, weights and input bytes of the tasks after
    renumbering task ``t`` as ``to[t]`` (merged tasks share a number), from
    the weights ``tw0`` and the bytes on the edges of the graph before."""
    pred = [set() for _ in range(nt)]
    tw = [0.0] * nt
    tin = [0] * nt
    for t, x in enumerate(tw0):
        tw[to[t]] += x
    for (a, b), nb in edges.items():
        a, b = to[a], to[b]
        if a != b:
            pred[b].add(a)
            tin[b] += nb
    return pred, tw, tin


def _merge_light(pred, tw, tin, min_task):
    """Step 4: merge light tasks; returns the representative of each task."""
    nt = len(tw)
    succ = [set() for _ in range(nt)]
    for t in range(nt):
        for p in pred[t]:
            succ[p].add(t)
    rep = list(range(nt))
    alive = [True] * nt
    queue = [t for t in range(nt) if tw[t] < min_task]
    while queue:
        a = queue.pop()
        if not alive[a] or tw[a] >= min_task:
            continue
        if len(succ[a]) == 1:
            (b,) = succ[a]
        elif len(pred[a]) == 1:
            (b,) = pred[a]
        else:
            continue
        alive[a] = False
        rep[a] = b
        tw[b] += tw[a]
        tin[b] += tin[a]
        for near, far in ((pred, succ), (succ, pred)):  # a's neighbours become b's
            for c in near[a]:
                far[c].discard(a)
                if c != b:
                    far[c].add(b)
                    near[b].add(c)
        pred[b].discard(a)
        succ[b].discard(a)
        pred[a] = succ[a] = set()
        if tw[b] < min_task:
            queue.append(b)
    for t in range(nt):  # path compression
        r = t
        while rep[r] != r:
            r = rep[r]
        rep[t] = r
    return rep


def _renumber(ops, task, rep, pred_all):
    """Dense task ids in a topological order of the task graph: the task
    of every node, and the new id of every task before the merge."""
    live = sorted({rep[t] for t in range(len(rep))})
    pred = {t: set() for t in live}  # of the merged tasks: all their members'
    for t, ps in enumerate(pred_all):
        pred[rep[t]].update(rep[p] for p in ps)
    for t in live:
        pred[t].discard(t)
    # Kahn's algorithm, smallest id first (ids follow the node order)
    succ = {t: [] for t in live}
    indeg = {t: len(pred[t]) for t in live}
    for t in live:
        for p in pred[t]:
            succ[p].append(t)
    ready = [t for t in live if not indeg[t]]
    heapq.heapify(ready)
    new = {}
    while ready:
        t = heapq.heappop(ready)
        new[t] = len(new)
        for s in succ[t]:
            indeg[s] -= 1
            if not indeg[s]:
                heapq.heappush(ready, s)
    if len(new) != len(live):  # pragma: no cover - the stages forbid cycles
        raise AssertionError("lazyray.partition: the task graph has a cycle")
    to = [new[rep[t]] for t in range(len(rep))]
    return [to[t] if t >= 0 else -1 for t in task], to


def simulate(weights, preds, in_bytes, workers, overhead, comm_rate):
    """Estimated run time of a task graph (tasks in topological order) by
    list scheduling on ``workers`` workers, the task of longest remaining
    path first; each task costs its weight plus ``overhead`` plus its input
    bytes over ``comm_rate`` (``None``: shared memory, no transfer).

    >>> simulate([1.0, 1.0, 0.5], [(), (), (0, 1)], [0, 0, 0], 2, 0.0, None)
    1.5
    """
    nt = len(weights)
    cost = [
        weights[t] + overhead + (in_bytes[t] / comm_rate if comm_rate else 0.0) for t in range(nt)
    ]
    free = [0.0] * max(1, workers)
    finish = [0.0] * nt
    for t in list_order(cost, preds):
        avail = max((finish[p] for p in preds[t]), default=0.0)
        start = max(heapq.heappop(free), avail)
        finish[t] = start + cost[t]
        heapq.heappush(free, finish[t])
    return max(finish, default=0.0)


def list_order(cost, preds):
    """The tasks of a task graph (in topological order) in the order list
    scheduling takes them: of the tasks whose ``preds`` are all taken, the
    one with the longest remaining path (by ``cost``) first."""
    nt = len(cost)
    succ = [[] for _ in range(nt)]
    for t in range(nt):
        for p in preds[t]:
            succ[p].append(t)
    bl = [0.0] * nt
    for t in range(nt - 1, -1, -1):
        bl[t] = cost[t] + max((bl[s] for s in succ[t]), default=0.0)
    indeg = [len(p) for p in preds]
    ready = [(-bl[t], t) for t in range(nt) if not indeg[t]]
    heapq.heapify(ready)
    while ready:
        _, t = heapq.heappop(ready)
        yield t
        for s in succ[t]:
            indeg[s] -= 1
            if not indeg[s]:
                heapq.heappush(ready, (-bl[s], s))


def critical_path(weights, preds, overhead=0.0):
    """The longest path (task indices, first to last) of a task graph whose
    tasks are in topological order, and its length in seconds.

    >>> critical_path([1.0, 2.0, 0.5], [(), (), (0, 1)])
    ([1, 2], 2.5)
    """
    nt = len(weights)
    best = [0.0] * nt
    back = [-1] * nt
    for t in range(nt):
        b, arg = 0.0, -1
        for p in preds[t]:
            if best[p] > b:
                b, arg = best[p], p
        best[t] = b + weights[t] + overhead
        back[t] = arg
    if not nt:
        return [], 0.0
    t = max(range(nt), key=best.__getitem__)
    length = best[t]
    path = []
    while t >= 0:
        path.append(t)
        t = back[t]
    return path[::-1], length


def cut(
    deps,
    w,
    out_bytes,
    is_out,
    item_of,
    workers: int,
    overhead: float,
    comm_rate=None,
    split: bool = True,
):
    """The task of every node (-1 for leaves and inputs), tasks numbered in
    a topological order of the task graph.

    ``item_of(i)`` gives the multi-output node that op node ``i`` reads an
    item of, or None.  With ``split=False`` (or nothing to gain by
    splitting), every op node is in task 0.
    """
    n = len(deps)
    ops = [i for i in range(n) if deps[i] is not None]
    one = [0 if deps[i] is not None else -1 for i in range(n)]
    total = sum(w[i] for i in ops)
    if not split or workers <= 1 or len(ops) <= 1:
        return one
    ip, cons = _pdom(deps, ops, is_out, n)
    W = [0.0] * (n + 1)
    children = {}
    for i in ops:
        W[i] += w[i]
        W[ip[i]] += W[i]
        children.setdefault(ip[i], []).append(i)
    items = [(i, j) for i, j in ((i, item_of(i)) for i in ops) if j is not None]
    cands = [(total + overhead, total + 2 * overhead, one)]
    seen = set()
    for k in SPLITS:
        target = max(total / (k * workers), MIN_TASK_OVERHEADS * overhead)
        group = _groups(ops, ip, W, n, target, cons, children, items)
        task, nt = _stages(ops, deps, group, n)
        if nt == 1:
            continue
        pred, tw, tin, edges = _task_graph(ops, deps, task, nt, w, out_bytes)
        pred0, tw0 = [set(p) for p in pred], list(tw)
        rep = _merge_light(pred, tw, tin, max(MERGE_BELOW_OVERHEADS * overhead, target / 8))
        final, to = _renumber(ops, task, rep, pred0)
        sig = tuple(final)  # leaves are -1 in every cut
        if sig in seen:
            continue
        seen.add(sig)
        nt = max(to) + 1
        if nt == 1:
            continue
        preds, tw, tin = _merged_graph(to, nt, tw0, edges)
        est = simulate(tw, preds, tin, workers, overhead, comm_rate)
        tie = critical_path(tw, preds, overhead)[1] + nt * overhead
        cands.append((est, tie, final))
    # among the cuts within NEAR_TIE of the fastest: the shortest critical
    # path (balance against noise), counting the overheads (fewer tasks when
    # tasks are small); the first of equals (the coarser cut)
    fastest = min(c[0] for c in cands)
    near = [c for c in cands if c[0] <= fastest * (1 + NEAR_TIE)]
    return min(near, key=lambda c: c[1])[2]
