"""The seeded random program generator.

:func:`draw_program` draws a small DAG: a few statements, each calling one op
of the registry (family first, uniformly, then an op of it) with arguments
from :mod:`.opgen`, on operands that are new leaves or earlier values (shared
intermediates).  Each statement is evaluated on numpy as it is drawn, so the
next one knows the shapes and dtypes it works with, and:

- a statement that numpy rejects *statically* (for any data of those shapes
  and dtypes) is kept with probability ``reject_prob`` as the program's last
  statement -- lazyray must then reject it at trace time -- and redrawn
  otherwise;
- a statement that numpy rejects only for these data (a singular matrix, an
  integer to a negative power, see :func:`.program.data_dependent`) is
  redrawn: lazyray cannot know at trace time;
- a statement whose result would exceed ``MAX_SIZE`` elements, or be an
  object array, is redrawn.

The outputs are the values no later statement uses, plus a few others.

>>> p = draw_program(3)
>>> p == draw_program(3)
True
"""

from __future__ import annotations

import functools

import numpy as np

from .draw import Draw
from .opgen import fuzzed_ops, generator_for
from .program import Program, Stmt, data_dependent, numpy_result

MAX_SIZE = 256
ATTEMPTS = 30


@functools.cache
def _table() -> tuple:
    ops = fuzzed_ops()
    return tuple(sorted(ops)), {f: tuple(sorted(v)) for f, v in ops.items()}


def draw_program(
    seed: int,
    max_stmts: int = 5,
    reject_prob: float = 0.3,
    ops: tuple | None = None,
) -> Program:
    """Draw the program of ``seed`` (deterministic).

    Parameters
    ----------
    seed : int
        The program's seed.
    max_stmts : int
        At most this many statements (at least one).
    reject_prob : float
        Probability of keeping a statement numpy rejects (it ends the program).
    ops : tuple of str, optional
        Draw only these ops (default: every fuzzed op).
    """
    rng = np.random.default_rng(seed)
    d = Draw(rng)
    families, table = _table()
    n = int(rng.integers(1, max_stmts + 1))
    for k in range(n):
        stmt, rejected = None, False
        for _ in range(ATTEMPTS):
            if ops:
                op = d.choice(ops)
            else:
                op = d.choice(table[d.choice(families)])
            stmt, rejected = _try(d, op, k, reject_prob)
            if stmt is not None:
                break
        if stmt is None or rejected:
            break
    return _finish(d, seed)


def _try(d: Draw, op: str, k: int, reject_prob: float) -> tuple:
    """Draw one statement of ``op``; ``(stmt or None, rejected)``."""
    n_leaves, n_names = len(d.leaves), len(d.names)
    call = generator_for(op)(d, op)
    stmt = Stmt((f"v{k}",), op, call.template, call.refs, call.multi, call.np_template)
    ok, result = numpy_result(stmt, d.env)
    if not ok:
        if not data_dependent(stmt, d.env, result) and d.p(reject_prob):
            d.stmts.append(Stmt(stmt.outs, op, call.template, call.refs, False, call.np_template))
            return d.stmts[-1], True
    else:
        results = list(result) if call.multi else [result]
        if all(_small(r) for r in results) and results:
            outs = tuple(f"v{k}_{j}" for j in range(len(results))) if call.multi else stmt.outs
            stmt = Stmt(outs, op, call.template, call.refs, call.multi, call.np_template)
            d.stmts.append(stmt)
            for o, r in zip(outs, results):
                d.env[o] = r
                d.names.append(o)
            return stmt, False
    # redraw: forget the leaves this attempt added
    for leaf in d.leaves[n_leaves:]:
        d.env.pop(leaf.name, None)
    del d.leaves[n_leaves:], d.names[n_names:]
    return None, False


def _small(r) -> bool:
    """A small numeric result (numpy makes object arrays of Python ints
    beyond int64, which lazyray refuses, as documented: not drawn)."""
    return (
        isinstance(r, (np.ndarray, np.generic, bool))
        and np.size(r) <= MAX_SIZE
        and np.asarray(r).dtype != object
    )


def _finish(d: Draw, seed: int) -> Program:
    used = {r for s in d.stmts for r in s.refs}
    values = [o for s in d.stmts for o in s.outs]
    rejected = bool(d.stmts) and not all(o in d.env for o in d.stmts[-1].outs)
    if rejected:
        values = values[: -len(d.stmts[-1].outs)]
    outputs = [v for v in values if v not in used or d.p(0.15)]
    outputs += [leaf.name for leaf in d.leaves if leaf.var and d.p(0.04)]
    leaves = [leaf for leaf in d.leaves if leaf.name in used or leaf.name in outputs]
    return Program(leaves, list(d.stmts), outputs, seed)
