"""Retargeting a compiled program to another backend (a :class:`~lazyray.Function`
traced on numpy and called with torch tensors, :mod:`.compilers`)."""

from __future__ import annotations

import autoray
import numpy as np
from autoray import infer_backend

from ..graph.registry import resolve, resolve_numpy
from ..ops.torch_numpy import plain_array
from .jit_keys import _is_array
from .tape import BINC, Program

__all__ = ["retarget"]


def retarget(prog: Program, backend: str, device=None) -> Program:
    """The same program with its ops resolved for ``backend``.

    Registry ops are looked up again by name; user callables are kept.
    Array constants of the program's backend are converted with
    ``autoray.do("asarray", x, like=backend)``, then moved to ``device``
    (a torch device, e.g. ``"cuda:0"``) when one is given.
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
