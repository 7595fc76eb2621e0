"""Checking the inputs (and, in strict mode, the outputs) of a
:class:`~lazyray.compile.function.Function` call against the static shapes
and dtypes of its graph, and handing out its constant outputs so that no
caller can change what later calls compute (:func:`protect`)."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

import autoray
import numpy as np
from autoray import infer_backend

from ..graph import pytree
from ..graph.dtypes import dtype_name, dtype_object
from ..graph.node import CustomOp
from .jit_keys import _is_array
from .tape import BIN, FREE, GEN, ITEMS, ITKW, UN, Program, Slot, _Rebuild

__all__ = ["InputChecks", "fast_check", "ReadOnly", "protect"]

_PY_SCALARS = frozenset((bool, int, float, complex))


def _safe_cast(src: str, dst: str) -> bool:
    """Whether numpy casts dtype ``src`` to ``dst`` safely (no loss)."""
    try:
        return bool(np.can_cast(np.dtype(src), np.dtype(dst), "safe"))
    except TypeError:  # a dtype numpy does not know (e.g. bfloat16)
        return False


class InputChecks:
    """The checking methods of :class:`~lazyray.compile.function.Function`
    (which holds ``_in_info``, ``_alt_dtypes``, ``_in_spec`` and ``_out_info``,
    and gives :meth:`_flat_out_slots`)."""

    __slots__ = ()

    def _checked(self, flat) -> list:
        """The call's flat inputs, checked against the inputs' shapes and
        dtypes (Python scalars for 0-d inputs converted); raises ``ValueError``
        or ``TypeError`` naming the input."""
        out = list(flat)
        backend = next((infer_backend(a) for a in out if _is_array(a)), None)  # the first array's
        for i, (a, (shape, dt)) in enumerate(zip(out, self._in_info)):
            if type(a) in _PY_SCALARS:
                out[i] = self._scalar(i, a, shape, dt, backend)
                continue
            if not _is_array(a):
                raise TypeError(
                    f"{self._input_name(i)} must be an array of shape {shape} and dtype "
                    f"{dt}, got {type(a).__name__}"
                )
            try:
                got = tuple(int(d) for d in a.shape)
            except (TypeError, ValueError):  # e.g. unknown sizes (dask)
                got = tuple(a.shape)
            if got != shape:
                raise ValueError(
                    f"{self._input_name(i)} has shape {shape}, but was given an array of "
                    f"shape {got}"
                )
            got = dtype_name(a.dtype)
            if got == dt:
                with contextlib.suppress(TypeError):  # (unhashable)
                    self._alt_dtypes[i].add(a.dtype)  # the fast check accepts it from now on
            elif _safe_cast(got, dt):
                # a safe cast (int64 -> float64, float32 -> float64, ...) loses
                # nothing and keeps the graph's static dtypes true
                out[i] = autoray.do("astype", a, dt, like=infer_backend(a))
            else:
                raise TypeError(
                    f"{self._input_name(i)} has dtype {dt}, but was given an array of "
                    f"dtype {got}, which does not cast safely to it; convert it "
                    f"(e.g. x.astype({dt!r})) or build the Function with "
                    "check_inputs=False"
                )
        return out

    def _scalar(self, i, a, shape, dt, backend):
        """A Python scalar given for input ``i``: a 0-d array of its dtype
        (NEP 50: the scalar may not change the dtype)."""
        if shape != ():
            raise ValueError(
                f"{self._input_name(i)} has shape {shape}, but was given a Python "
                f"{type(a).__name__}"
            )
        if np.result_type(np.dtype(dt), a) != dt:
            raise TypeError(
                f"{self._input_name(i)} has dtype {dt}, but was given a Python "
                f"{type(a).__name__} ({dt} cannot hold it without a cast)"
            )
        try:
            x = np.asarray(a, dtype=dt)
        except OverflowError as e:  # (a Python int out of the dtype's range)
            raise ValueError(f"{self._input_name(i)}: {e}") from None
        if backend not in (None, "numpy"):
            x = autoray.do("asarray", x, like=backend)
        return x

    def _input_name(self, i: int) -> str:
        """``input 1 (inputs[0]['a'])``: input ``i`` and its place in the
        inputs pytree."""
        paths = []
        stack = [(self._in_spec, "")]
        while stack:
            spec, path = stack.pop()
            if spec is pytree.LEAF:
                paths.append(path)
                continue
            specs = spec[2]
            keys = range(len(specs)) if spec[1] is None else spec[1]
            stack.extend(reversed([(s, f"{path}[{k!r}]") for k, s in zip(keys, specs)]))
        return f"input {i} (inputs{paths[i]}) of the Function"

    def _check_outputs(self, r, dtypes: bool) -> None:
        """Strict mode: each output's real shape (and dtype when ``dtypes``)
        against its static ones (``AssertionError``, as :func:`lazyray.compute`
        in strict mode).  A call retargeted to another backend follows that
        backend's dtype rules (torch: ``float32 + int64`` is ``float32``), so
        only its shapes are checked."""
        for s, (shape, dt) in zip(self._flat_out_slots(), self._out_info):
            if type(dt) is tuple:  # a multi-output node: checked through its items
                continue
            x = r[s]
            if not hasattr(x, "dtype") and type(x) not in _PY_SCALARS:
                continue  # not an array (a user callable's object)
            got = tuple(int(d) for d in getattr(x, "shape", ()))
            gdt = dtype_name(getattr(x, "dtype", type(x)))
            if got != shape or (dtypes and gdt != dt):
                raise AssertionError(
                    f"strict mode: a Function output has shape {got} dtype {gdt}, but "
                    f"shape {shape} dtype {dt} was inferred"
                )


def fast_check(info, alts):
    """``ok(flat) -> bool``: whether the flat call inputs are arrays of the
    shapes and dtypes in ``info`` (``(shape, dtype name)`` per input), by an
    identity test of the dtype object (numpy's, or one of the set
    ``alts[i]`` of other dtype objects of that name met before, e.g.
    ``torch.float64``) and a shape comparison; unrolled for one and two
    inputs.  It is the call's fast path: a false answer sends the inputs to
    :meth:`Function._checked`, which fills ``alts``."""
    pairs = tuple((dtype_object(dt), shape, alt) for (shape, dt), alt in zip(info, alts))
    if len(pairs) == 1:
        ((d0, s0, t0),) = pairs

        def ok(flat):
            a0 = flat[0]
            return (a0.dtype is d0 or a0.dtype in t0) and a0.shape == s0

    elif len(pairs) == 2:
        (d0, s0, t0), (d1, s1, t1) = pairs

        def ok(flat):
            a0, a1 = flat
            return (
                (a0.dtype is d0 or a0.dtype in t0)
                and (a1.dtype is d1 or a1.dtype in t1)
                and a0.shape == s0
                and a1.shape == s1
            )

    else:

        def ok(flat):
            for a, (d, s, t) in zip(flat, pairs):
                if (a.dtype is not d and a.dtype not in t) or a.shape != s:
                    return False
            return True

    return ok


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
        return x if backend == "jax" else autoray.do("copy", x, like=backend)

    def __reduce__(self):
        return (ReadOnly, ())

    def __repr__(self):
        return "<lazyray.compile.checks.ReadOnly>"


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
