"""The engine behind :class:`lazyray.Function`: a graph flattened into a tape.

A :class:`Program` is a list of instructions ``(code, fn, out, a, b)`` that a
tight loop (:func:`run`) replays on a list of registers ``r``.  Registers
``0 .. n_in - 1`` receive the inputs; further registers hold intermediates
and are reused as soon as the value they hold is dead (the output of an op
takes the register of an input that dies there; other dying values are
cleared by a ``FREE`` instruction), so values are released right after their
last use.  Constants live at *negative* register indices, after the working
registers, so that one list ``[*inputs, *padding, *reversed(consts)]`` is the
whole state of a call: nothing is shared between calls, which makes a
program reentrant and thread-safe.

Programs are built by :func:`lazyray.compile.tapebuild.build`.  Replaying a tape
costs a few tens of nanoseconds per op on top of the op itself, about what
the same calls cost written out in a ``def``, and a tape builds over ten
times faster than ``compile()`` of that ``def`` (which
:mod:`lazyray.compile.codegen` still writes, from the same program, on demand).

Instruction codes (``r`` the registers, ``a``/``b`` register indices unless
said otherwise)::

    BIN   r[out] = fn(r[a], r[b])
    UN    r[out] = fn(r[a])
    BINC  r[out] = fn(r[a], b)          b: a static argument
    KW    r[out] = fn(r[a], **b)        b: a dict of static keyword arguments
    ITEMS r[out] = fn(*a(r))            a: operator.itemgetter of >= 2 registers
    ITKW  r[out] = fn(*a(r), **b)
    FREE  r[s] = None for s in a
    GEN   args, kwargs = a(r); r[out] = fn(*args, **kwargs)   a: an ArgTemplate
"""

from __future__ import annotations

from ..graph.config import paused_gc
from ..graph.traverse import _Ref as Slot  # a register reference inside an ArgTemplate

__all__ = ["Program", "run", "ArgTemplate", "Slot", "paused_gc"]


BIN, UN, BINC, KW, ITEMS, ITKW, FREE, GEN = range(8)


def _sub(t, r):
    """Fill an argument template: Slot -> register value, containers rebuilt."""
    tt = type(t)
    if tt is Slot:
        return r[t.i]
    if tt is _Rebuild:
        return t.build(r)
    return t


class _Rebuild:
    """A container of a template that holds register references."""

    __slots__ = ("kind", "items")

    def __init__(self, kind, items):
        # kind: the container type; items: list of templates, or for dicts a
        # list of (key, template) pairs
        self.kind = kind
        self.items = items

    def build(self, r):
        k = self.kind
        if k is tuple or k is list:
            return k([_sub(v, r) for v in self.items])
        if k is dict:
            return {key: _sub(v, r) for key, v in self.items}
        if issubclass(k, dict):
            return k((key, _sub(v, r)) for key, v in self.items)
        if issubclass(k, tuple) and hasattr(k, "_fields"):
            return k(*[_sub(v, r) for v in self.items])
        return k([_sub(v, r) for v in self.items])

    def __reduce__(self):
        return (_Rebuild, (self.kind, self.items))


class ArgTemplate:
    """Positional and keyword arguments with register references inside."""

    __slots__ = ("args", "kwargs")

    def __init__(self, args, kwargs):
        self.args = args  # tuple of templates
        self.kwargs = kwargs  # dict name -> template, or None

    def __call__(self, r):
        args = [_sub(a, r) for a in self.args]
        kw = self.kwargs
        if kw:
            return args, {k: _sub(v, r) for k, v in kw.items()}
        return args, {}

    def __reduce__(self):
        return (ArgTemplate, (self.args, self.kwargs))


def run(tape, r) -> None:
    """Replay ``tape`` on the registers ``r`` (in place)."""
    code = fn = None
    try:
        for code, fn, out, a, b in tape:
            # the codes as literals (BIN, UN, BINC, ...): most frequent first
            if code == 0:
                r[out] = fn(r[a], r[b])
            elif code == 1:
                r[out] = fn(r[a])
            elif code == 2:
                r[out] = fn(r[a], b)
            elif code == 3:
                r[out] = fn(r[a], **b)
            elif code == 4:
                r[out] = fn(*a(r))
            elif code == 5:
                r[out] = fn(*a(r), **b)
            elif code == 6:
                for s in a:
                    r[s] = None
            else:
                args, kw = a(r)
                r[out] = fn(*args, **kw)
    except Exception as e:
        if code != FREE and hasattr(e, "add_note"):
            name = getattr(fn, "__name__", type(fn).__name__)
            e.add_note(f"(raised by {name!r} while running a lazyray Function)")
        raise


class Program:
    """A graph flattened for replay; see the module docstring.

    Attributes
    ----------
    tape : list of tuple
        The instructions ``(code, fn, out, a, b)``.
    ops : list
        The op name of each instruction (None for ``FREE``); a
        :class:`~lazyray.graph.node.CustomOp` name marks a user callable.
    other_backends : dict
        Instruction index -> backend, for the (rare) nodes whose backend is
        not :attr:`backend`.
    consts : list
        Constants; constant ``j`` sits in register ``-(j + 1)``.
    node_consts : set of int
        Indices of the constants that are array values of the graph (leaf
        data, folded intermediates), as opposed to static arguments.
    n_in, n_work : int
        Number of input registers, and of all working registers (inputs
        included).
    out_slots : list of int
        The register of each flat output.
    backend : str
        The backend the tape's functions belong to.
    numpy_semantics : bool
        Set when the tape was retargeted from numpy: its registry ops were
        resolved with numpy's meaning (:func:`lazyray.graph.registry.resolve_numpy`).
    """

    __slots__ = (
        "tape",
        "ops",
        "other_backends",
        "consts",
        "node_consts",
        "n_in",
        "n_work",
        "out_slots",
        "backend",
        "numpy_semantics",
        "_tail",
    )

    def __init__(
        self, tape, ops, consts, node_consts, n_in, n_work, out_slots, backend, other, nps
    ):
        self.tape, self.ops, self.other_backends = tape, ops, other
        self.consts, self.node_consts = consts, node_consts
        self.n_in, self.n_work, self.out_slots = n_in, n_work, out_slots
        self.backend, self.numpy_semantics = backend, nps
        self._tail = None

    def registers(self, inputs) -> list:
        """A fresh register list for one call, inputs first."""
        tail = self._tail
        if tail is None:
            tail = [None] * (self.n_work - self.n_in) + self.consts[::-1]
            self._tail = tail
        return [*inputs, *tail]

    def __len__(self) -> int:
        return len(self.tape)
