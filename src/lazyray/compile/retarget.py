"""Retargeting a compiled program to another backend (a :class:`~lazyray.Function`
traced on numpy and called with torch tensors or dask arrays, :mod:`.compilers`)."""

from __future__ import annotations

import operator

import autoray
import numpy as np
from autoray import infer_backend

from ..graph.registry import resolve, resolve_numpy
from ..graph.traverse import _Ref
from ..ops.torch_numpy import plain_array
from .jit_keys import _is_array
from .tape import BINC, FREE, GEN, ArgTemplate, Program, run

__all__ = ["retarget"]


#: ops whose dask.array function fails while computing or departs from
#: numpy (``searchsorted`` of a 0-d ``v``, a cumulative sum cast to a dtype,
#: ``argmax`` of ties in several chunks, ``linspace`` from -inf: nan at ``stop``,
#: ``inv`` and ``solve`` of a matrix that needs a pivot from another chunk:
#: dask's LU pivots within each diagonal block only)
NOT_ON_DASK = frozenset(
    "searchsorted cumsum cumprod cumulative_sum cumulative_prod argmax argmin linspace "
    "linalg.inv linalg.solve".split()
)


def retarget(prog: Program, backend: str, device=None, out_info=None) -> Program:
    """The same program with its ops resolved for ``backend``.

    Registry ops are looked up again by name; user callables are kept.
    Array constants of the program's backend are converted with
    ``autoray.do("asarray", x, like=backend)``, then moved to ``device``
    (a torch device, e.g. ``"cuda:0"``) when one is given.  A program traced
    on numpy, retargeted to ``"dask"`` with ``out_info`` (the static shape
    and dtype of each output register), is :func:`on_dask`.
    """
    src = prog.backend
    # a graph traced on numpy has numpy's static dtypes: it keeps numpy's
    # meaning on the new backend
    numpy_semantics = src == "numpy" or prog.numpy_semantics
    find = resolve_numpy if numpy_semantics else resolve

    def conv(x):
        if isinstance(x, np.generic):  # (torch.as_tensor refuses np.uint64 scalars)
            x = np.asarray(x)
        if _is_array(x) and infer_backend(x) == src:
            if isinstance(x, np.ndarray):  # (torch refuses negative strides, ulonglong)
                x = plain_array(x)
            x = autoray.do("asarray", x, like=backend)
            return x if device is None else x.to(device)
        return x

    if backend == "dask" and out_info is not None and src == "numpy":
        try:
            per_op = retarget(prog, backend) if _dask_safe(prog) else None
        except ImportError:  # (dask.array has no such function)
            per_op = None
        consts = per_op.consts if per_op is not None else [conv(c) for c in prog.consts]
        return on_dask(prog, per_op, out_info, consts)
    tape = []
    for ins, op in zip(prog.tape, prog.ops):
        if op is None:
            tape.append(ins)
            continue
        code, fn, out, a, b = ins
        if type(op) is str:
            fn = find(backend, op)
        if code == BINC and op != "getitem":  # (backends index with numpy arrays)
            b = conv(b)
        tape.append((code, fn, out, a, b))
    p, consts = prog, [conv(c) for c in prog.consts]
    args = (p.node_consts, p.n_in, p.n_work, p.out_slots, backend, {}, numpy_semantics)
    return Program(tape, p.ops, consts, *args)


def _dask_safe(prog: Program) -> bool:
    """No op of :data:`NOT_ON_DASK`, and no ``getitem`` by an array (dask's
    fancy indexing beside a ``None`` fails while computing)."""
    for (code, _, _, _, b), op in zip(prog.tape, prog.ops):
        index = b if type(b) is tuple else (b,)
        if (
            op in NOT_ON_DASK
            or op == "getitem"
            and (code != BINC or any(isinstance(i, (np.ndarray, list)) for i in index))
        ):
            return False
    return True


def on_dask(prog: Program, per_op, out_info: dict, consts: list) -> Program:
    """``prog`` (traced on numpy) for dask arrays: a call builds the graph of
    ``per_op`` (dask.array's functions, chunk by chunk) and keeps it if each
    output has its static ``(shape, dtype)`` (``out_info``, by register);
    else, or for empty arrays, that call and the next run ``prog`` on numpy
    on the whole inputs in one dask task."""
    import dask
    import dask.array as da

    written = {ins[2] for ins in prog.tape if ins[0] != FREE}  # (inputs' registers too)
    outs = [s for s in dict.fromkeys(prog.out_slots) if s in written]
    # (dask.array's reductions fail on empty chunks)
    chunked = [per_op] if per_op is not None and all(0 not in out_info[s][0] for s in outs) else []

    def values(p, xs):
        r = p.registers(list(xs))
        run(p.tape, r)
        return tuple([r[s] for s in outs])

    def build(*xs):
        if chunked and all(0 not in x.shape for x in xs):
            try:
                got = values(chunked[0], xs)
                if all((g.shape, g.dtype) == out_info[s] for g, s in zip(got, outs)):
                    return got
            except Exception:  # noqa: BLE001 - whatever dask.array refuses, numpy runs
                pass
            chunked.clear()
        got = dask.delayed(values, pure=False, nout=len(outs))(prog, xs)
        return tuple([da.from_delayed(v, *out_info[s]) for v, s in zip(got, outs)])

    args = (prog.node_consts, prog.n_in, prog.n_work, prog.out_slots, "dask", {}, True)
    if not outs:  # (every output is an input or a constant)
        return Program([], [], consts, *args)
    w = outs[0]  # (the register of the tuple: its own item is taken last)
    tape = [(GEN, build, w, ArgTemplate(tuple(map(_Ref, range(prog.n_in))), None), None)]
    tape += [(BINC, operator.getitem, s, w, k) for k, s in reversed(list(enumerate(outs)))]
    return Program(tape, ["dask", *["getitem"] * len(outs)], consts, *args)
