"""Constant outputs of a :class:`~lazyray.compile.function.Function`,
handed out so that no caller can change what later calls compute."""

from __future__ import annotations

from collections.abc import Mapping

import autoray
import numpy as np
from autoray import infer_backend

from ..graph.node import CustomOp
from .tape import BIN, FREE, GEN, ITEMS, ITKW, UN, Program, Slot, _Rebuild

__all__ = ["ReadOnly", "protect"]

_PY_SCALARS = frozenset((bool, int, float, complex))

#: the op name of the instruction that hands out a constant output
_READONLY = CustomOp("readonly")


class ReadOnly:
    """Hands out a constant output: a read-only view of a numpy array (made
    once per constant and handed out at every call: marking a view read-only
    costs a microsecond, handing it out nothing), the value itself when it is
    immutable (numpy and Python scalars, JAX arrays), else a copy (e.g. a
    torch tensor), so that no caller can change what later calls compute.

    One instance per instruction (see :func:`protect`); it is stateless but
    for that cache, which pickling drops.

    >>> import numpy as np
    >>> c = np.ones(2)
    >>> h = ReadOnly()
    >>> h(c).flags.writeable, h(c) is h(c), c.flags.writeable
    (False, True, True)
    """

    __slots__ = ("_cache", "__weakref__")
    __name__ = "readonly"

    def __init__(self):
        self._cache = None  # (constant, its read-only view)

    def __call__(self, x):
        c = self._cache
        if c is not None and c[0] is x:
            return c[1]
        if isinstance(x, np.ndarray):
            v = x.view()
            v.setflags(write=False)
            self._cache = (x, v)  # (one tuple: threads see a consistent pair)
            return v
        if type(x) in _PY_SCALARS or isinstance(x, np.generic) or not hasattr(x, "shape"):
            return x
        backend = infer_backend(x)
        if backend == "jax":
            return x
        return autoray.do("copy", x, like=backend)

    def __reduce__(self):
        return (ReadOnly, ())

    def __repr__(self):
        return "<lazyray.compile.readonly.ReadOnly>"


def protect(prog: Program, fold: bool) -> None:
    """Hand out each output of ``prog`` that is a constant (leaf data or a
    folded value) or, without folding, computed from constants only (it may
    be a view of one: ``c.T``) through a :class:`ReadOnly` (one instruction
    at the end of the tape), so that the caller cannot mutate a constant."""
    computed = set() if fold else _constant_registers(prog)
    done = {}  # register -> the register of its handed-out value
    for k, s in enumerate(prog.out_slots):
        if (s < 0 and -s - 1 in prog.node_consts) or s in computed:
            out = done.get(s)
            if out is None:
                out = done[s] = prog.n_work
                prog.n_work += 1
                prog.tape.append((UN, ReadOnly(), out, s, None))
                prog.ops.append(_READONLY)
            prog.out_slots[k] = out
    prog._tail = None


def _constant_registers(prog: Program) -> set:
    """The working registers that hold, at the end of the tape, a value
    computed from constants only."""
    const = set()
    for code, _, out, a, b in prog.tape:
        if code == FREE:
            const.difference_update(a)
            continue
        if code == BIN:
            reads = (a, b)
        elif code in (ITEMS, ITKW):
            reads = a.__reduce__()[1]
        elif code == GEN:
            reads = []
            stack = [*a.args, *(a.kwargs or {}).values()]
            while stack:
                t = stack.pop()
                if type(t) is Slot:
                    reads.append(t.i)
                elif type(t) is _Rebuild:
                    if issubclass(t.kind, Mapping):  # (key, template) pairs
                        stack.extend(v for _, v in t.items)
                    else:
                        stack.extend(t.items)
        else:  # UN, BINC, KW
            reads = (a,)
        if all(r < 0 or r in const for r in reads):
            const.add(out)
        else:
            const.discard(out)
    return const
