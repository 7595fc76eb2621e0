"""Check one program: numpy (the oracle) against every lazyray path.

:func:`check_program` runs the program eagerly on numpy, then:

- if numpy rejects it (statically: see :func:`.program.data_dependent`),
  lazyray must reject the same statement at trace time, in both trace modes,
  with ``ValueError``, ``TypeError`` or ``IndexError`` (or the very class
  numpy raised, e.g. ``OverflowError`` for an out-of-range Python int under
  NEP 50);
- otherwise both traces must succeed, every statement must give
  ``LazyArray`` s whose static shape and dtype are numpy's, and each path's
  outputs must agree with numpy's in type, shape, dtype and values at the
  level :mod:`.compare` gives them.

A numpy ``DeprecationWarning`` counts as a rejection (as in
``tests/test_fuzz.py``): a deprecated call is one numpy no longer promises,
and lazyray should not trace what numpy is about to refuse.

Each problem is a :class:`Failure`; its :attr:`~Failure.key` (path, kind,
op, detail) identifies "the same failure" for deduplication and shrinking.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np

from lazyray import LazyArray

from .compare import LEVEL_NAMES, agree, levels
from .paths import PATHS, trace
from .program import Program, data_dependent, evaluate_numpy, producer

REJECTIONS = (ValueError, TypeError, IndexError)


@dataclass(frozen=True)
class Failure:
    """One disagreement between numpy and a lazyray path.

    ``path`` is a path name or ``trace:const`` / ``trace:var`` / ``trace:shared``; ``kind`` one
    of ``rejects-valid``, ``accepts-invalid``, ``wrong-error``, ``not-lazy``,
    ``static-shape``, ``static-dtype``, ``crash``, ``type``, ``shape``,
    ``dtype``, ``value``; ``op`` the op of the statement concerned ('' when
    unknown); ``detail`` the exception class (and its message's gist) or the
    comparison level.
    """

    path: str
    kind: str
    op: str
    detail: str
    message: str

    @property
    def key(self) -> tuple:
        return (self.path, self.kind, self.op, self.detail)

    def __str__(self) -> str:
        return f"[{self.path}] {self.kind} {self.op} {self.detail}: {self.message}"


@dataclass
class Report:
    """Outcome of :func:`check_program`: ``status`` is ``ok``, ``rejected``
    (numpy and lazyray both reject), ``indeterminate`` (numpy rejects for
    these data only) or ``failed``."""

    status: str
    failures: list


_TYPE_WORDS = re.compile(
    r"\b(Complex)?(Bool|Byte|Char|Short|Int|Long|Half|Float|Double|BFloat16)\b"
    r"|\b(unsigned char|signed char|long int|bool|double|float|c10::Half|int|long)\b"
    r"|\b(u?int|float|complex)\d+\b|\d+"
)


def _gist(e: BaseException) -> str:
    """Exception class and the first words of its message, numbers and type
    names blanked (``Long did not match Half`` and ``Bool did not match
    Float`` are the same failure)."""
    msg = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {_TYPE_WORDS.sub('#', msg)[:60]}"


def _short(x, n: int = 300) -> str:
    s = repr(x).replace("\n", " ")
    return s if len(s) <= n else s[:n] + "..."


def check_program(prog: Program, paths) -> Report:
    """Check ``prog`` on the paths named ``paths`` (see :data:`.paths.PATHS`)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # torch: read-only arrays
        return _check(prog, paths)


def _check(prog: Program, paths) -> Report:
    oracle = evaluate_numpy(prog)
    modes = sorted({PATHS[p].mode for p in paths})
    if oracle.error is not None:
        stmt = prog.stmts[oracle.error_at]
        if data_dependent(stmt, oracle.values, oracle.error):
            return Report("indeterminate", [])
        failures = [f for m in modes for f in _rejection(prog, trace(prog, m), oracle, m)]
        return Report("failed" if failures else "rejected", failures)
    failures, ok_modes = [], set()
    for m in modes:
        fs = _static(prog, trace(prog, m), oracle.values, m)
        failures += fs
        if not any(f.kind == "rejects-valid" for f in fs):
            ok_modes.add(m)
    lv = {}
    for name in paths:
        path = PATHS[name]
        if path.mode not in ok_modes or (path.needs_inputs and not any(x.var for x in prog.leaves)):
            continue
        if path.kind not in lv:
            lv[path.kind] = levels(prog, oracle.values, path.kind)
        try:
            got = path.run(trace(prog, path.mode))
        except Exception as e:  # noqa: BLE001 - a crash is a finding
            if isinstance(e, np.linalg.LinAlgError) and any(st.op == "empty" for st in prog.stmts):
                continue  # (a singular matrix of undefined values: not a finding)
            failures.append(Failure(name, "crash", "", _gist(e), _short(e, 500)))
            continue
        failures += _values(prog, name, got, oracle.values, lv[path.kind])
    return Report("failed" if failures else "ok", failures)


def _rejection(prog, t, oracle, mode) -> list:
    i, ref = oracle.error_at, oracle.error
    out, e = t.outcome, t.outcome.error
    where = f"trace:{mode}"
    if e is None or out.error_at > i:
        op = prog.stmts[i].op
        return [Failure(where, "accepts-invalid", op, type(ref).__name__, _short(ref))]
    if out.error_at < i:
        op = prog.stmts[out.error_at].op
        return [Failure(where, "rejects-valid", op, _gist(e), _short(e))]
    if not isinstance(e, REJECTIONS + (type(ref),)):
        op = prog.stmts[i].op
        msg = f"numpy: {_short(ref)}  lazyray: {_short(e)}"
        return [Failure(where, "wrong-error", op, _gist(e), msg)]
    return []


def _static(prog, t, values, mode) -> list:
    where = f"trace:{mode}"
    out = t.outcome
    if out.error is not None:
        op = prog.stmts[out.error_at].op
        return [Failure(where, "rejects-valid", op, _gist(out.error), _short(out.error))]
    failures = []
    for s in prog.stmts:
        for o in s.outs:
            node, ref = out.values[o], values[o]
            if not isinstance(node, LazyArray):
                failures.append(Failure(where, "not-lazy", s.op, type(node).__name__, o))
            elif tuple(node.shape) != ref.shape:
                msg = f"{o}: numpy {ref.shape}, lazyray {node.shape}"
                failures.append(Failure(where, "static-shape", s.op, "", msg))
            elif str(node.dtype) != ref.dtype.name:
                msg = f"{o}: numpy {ref.dtype.name}, lazyray {node.dtype}"
                failures.append(Failure(where, "static-dtype", s.op, "", msg))
            else:
                continue
            break
    return failures


def _values(prog, path, got, values, lv) -> list:
    if len(got) != len(prog.outputs):
        return [Failure(path, "type", "", "count", f"{len(got)} outputs for {len(prog.outputs)}")]
    where = producer(prog)
    failures = []
    for name, g in zip(prog.outputs, got):
        ref = np.asarray(values[name])
        i = where[name]
        op = prog.stmts[i].op if i >= 0 else "leaf"
        try:
            arr, err = _as_numpy(g, path)
        except Exception as e:  # noqa: BLE001 - a result its own library cannot read back
            failures.append(Failure(path, "type", op, "unreadable", f"{name}: {e!r}"))
            continue
        if err:
            kind = "dtype" if err.startswith("torch.") else "type"
            failures.append(Failure(path, kind, op, err, f"{name}: {_short(g)}"))
            continue
        msg = f"{name}: numpy {_short(ref)}, lazyray {_short(arr)}"
        if arr.shape != ref.shape:
            failures.append(Failure(path, "shape", op, "", msg))
        elif arr.dtype != ref.dtype:
            failures.append(Failure(path, "dtype", op, "", msg))
        elif not agree(arr, ref, lv[name]):
            failures.append(Failure(path, "value", op, LEVEL_NAMES[lv[name].level], msg))
    return failures


def _as_numpy(g, path) -> tuple:
    """``(array, '')`` or ``(None, why the type is wrong)``: an array of the
    path's library, or a Python scalar."""
    if path in ("torch", "torch_cuda"):
        import torch

        if isinstance(g, torch.Tensor):
            g = g.detach().resolve_conj().resolve_neg().cpu()
            if g.dtype in (torch.complex32, torch.bfloat16):  # no numpy dtype
                return None, str(g.dtype)
            return g.numpy(), ""
    elif path == "jax":
        import jax

        if isinstance(g, jax.Array):
            return np.asarray(g), ""
    elif path == "cupy":
        import cupy

        if isinstance(g, cupy.ndarray):
            return cupy.asnumpy(g), ""
    elif isinstance(g, (np.ndarray, np.generic)):
        return np.asarray(g), ""
    if isinstance(g, (bool, int, float, complex)):  # as numpy's allclose, torch's too
        return np.asarray(g), ""
    return None, type(g).__name__
