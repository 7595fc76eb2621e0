"""Shrink a failing program to a minimal one that fails the same way.

"The same way" is the same :attr:`.check.Failure.key` (path, kind, op,
detail).  The shrinker is greedy: it tries, in order, candidates that are
smaller by :meth:`.program.Program.size` -- one output instead of several,
dead statements removed, a statement removed or bypassed (its uses replaced
by one of its operands), a leaf made a constant, its data plain (no special
values, then ones), a dimension dropped or made smaller -- and keeps the
first that still fails the same way, until none does or the budget of checks
runs out.  The outputs and the last statement are the roots of the live
program (a rejection is about the last statement).
"""

from __future__ import annotations

from dataclasses import replace

from .check import check_program
from .paths import PATHS
from .program import Program, Stmt

_MODE_PATH = {"trace:const": "compute", "trace:var": "function_noopt"}


def fails_same(prog: Program, key: tuple) -> bool:
    """Whether ``prog`` (well formed) fails with ``key``."""
    path = _MODE_PATH.get(key[0], key[0])
    if path not in PATHS:
        return False
    try:
        report = check_program(prog, [path])
    except Exception:  # noqa: BLE001 - a candidate the fuzzer cannot run
        return False
    return any(f.key == key for f in report.failures)


def shrink(prog: Program, key: tuple, budget: int = 400) -> Program:
    """The smallest program found that still fails with ``key``."""
    best = _live(prog)
    if best is None or not fails_same(best, key):
        best = prog
    checks = 0
    improved = True
    while improved and checks < budget:
        improved = False
        for cand in _candidates(best):
            if cand is None or cand.size() >= best.size() or not _well_formed(cand):
                continue
            checks += 1
            if fails_same(cand, key):
                best, improved = cand, True
                break
            if checks >= budget:
                break
    return best


def _well_formed(prog: Program) -> bool:
    defined = {leaf.name for leaf in prog.leaves}
    for s in prog.stmts:
        if any(r not in defined for r in s.refs):
            return False
        defined.update(s.outs)
    return bool(prog.stmts) and all(o in defined for o in prog.outputs)


def _defined(prog: Program, stmts) -> list:
    """The outputs of ``prog`` still defined with only ``stmts``."""
    names = {leaf.name for leaf in prog.leaves} | {o for s in stmts for o in s.outs}
    return [o for o in prog.outputs if o in names]


def _live(prog: Program) -> Program | None:
    """Only the statements and leaves the outputs and the last statement need."""
    if not prog.stmts:
        return None
    need = set(prog.outputs) | set(prog.stmts[-1].refs)
    keep = [len(prog.stmts) - 1]
    for i in range(len(prog.stmts) - 2, -1, -1):
        s = prog.stmts[i]
        if need & set(s.outs):
            keep.append(i)
            need |= set(s.refs)
    stmts = [prog.stmts[i] for i in sorted(keep)]
    leaves = [leaf for leaf in prog.leaves if leaf.name in need]
    outputs = list(prog.outputs)
    return prog.copy(leaves=leaves, stmts=stmts, outputs=outputs)


def _candidates(prog: Program):
    """Smaller variants of ``prog``, most promising first."""
    if len(prog.outputs) > 1:
        for o in prog.outputs:
            yield _live(prog.copy(outputs=[o]))
    if prog.outputs:
        yield _live(prog.copy(outputs=[]))
    for j in range(len(prog.stmts) - 1):  # a prefix: the failure may come early
        stmts = prog.stmts[: j + 1]
        yield _live(prog.copy(stmts=stmts, outputs=_defined(prog, stmts)))
    for i in range(len(prog.stmts) - 1, -1, -1):
        yield from _bypasses(prog, i)
    for i, leaf in enumerate(prog.leaves):
        yield from _leaf_variants(prog, i, leaf)
    if len(prog.outputs) > 1:
        for o in prog.outputs:
            yield prog.copy(outputs=[x for x in prog.outputs if x != o])


def _bypasses(prog: Program, i: int):
    """Statement ``i`` removed, its uses replaced by each of its operands."""
    s = prog.stmts[i]
    for r in dict.fromkeys(s.refs):
        names = {o: r for o in s.outs}
        stmts = prog.stmts[:i] + [_rename(t, names) for t in prog.stmts[i + 1 :]]
        outputs = list(dict.fromkeys(names.get(o, o) for o in prog.outputs))
        yield _live(prog.copy(stmts=stmts, outputs=outputs))
    if len(prog.stmts) > 1:
        stmts = prog.stmts[:i] + prog.stmts[i + 1 :]
        yield _live(prog.copy(stmts=stmts, outputs=_defined(prog, stmts)))


def _rename(s: Stmt, names: dict) -> Stmt:
    return replace(s, refs=tuple(names.get(r, r) for r in s.refs))


def _leaf_variants(prog: Program, i: int, leaf):
    def changed(**kw):
        leaves = list(prog.leaves)
        leaves[i] = replace(leaf, **kw)
        return prog.copy(leaves=leaves)

    if leaf.special:
        yield changed(special=False)
    if leaf.fill != "ones":
        yield changed(fill="ones", special=False)
    for k, n in enumerate(leaf.shape):
        yield changed(shape=leaf.shape[:k] + leaf.shape[k + 1 :])
        for m in sorted({1, n - 1, n // 2}):
            if 0 < m < n:
                yield changed(shape=leaf.shape[:k] + (m,) + leaf.shape[k + 1 :])
    if leaf.var:
        yield changed(var=False)
