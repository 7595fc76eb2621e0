""":class:`Function`: a traced graph compiled for repeated calls.

The graph is flattened once into a tape (:mod:`lazyray.tape`) replayed by a
tight loop on per-call registers; :mod:`lazyray.codegen` writes equivalent
Python source for reading (:meth:`Function.print_source`).
"""

from __future__ import annotations

import gc
from operator import itemgetter

from autoray import infer_backend

from . import pytree
from .tape import BINC, FREE, Program, run
from .tapebuild import build

__all__ = ["Function"]

_CONTAINERS = (tuple, list, dict)


class Function:
    """A graph ``inputs -> outputs`` compiled into a fast, reentrant callable.

    Parameters
    ----------
    inputs : pytree of LazyArray
        The nodes whose values are supplied at each call (usually
        :func:`~lazyray.Variable` s), as a node or tuples, lists and dicts of
        nodes.  Any node may be an input: the graph below it is cut off.
    outputs : pytree of LazyArray
        The nodes to compute; other (non-lazy) leaves are returned as they are.
    fold_constants : bool, optional
        Evaluate, once and now, every node that does not depend on
        ``inputs``, and keep the values as constants of the function.
        **Folding never modifies the user's graph** (unlike
        autoray's lazy module, which computes those nodes in place): the values are
        stored in the function only, and the traced nodes stay lazy and can be
        reused, retargeted or compiled again with other inputs.
    backend : str, optional
        Resolve every op for this backend now (e.g. ``"torch"``); array
        constants are converted to it.  By default the backend is inferred
        from the first input of each call (``autoray.infer_backend``), so a
        function traced with numpy variables and called with torch tensors
        runs torch functions and returns torch tensors.
    optimize : bool or sequence of str, optional
        Run ``lazyray.passes.optimize`` on the graph before compiling it
        (``True``: its default passes; a sequence: those passes; a dict:
        keyword arguments of ``optimize``).  This is done only when the
        :mod:`lazyray.passes` module is present and every input is a leaf;
        the user's graph is not changed.  With the default passes (``True``
        or ``{"exact": ...}``), :func:`lazyray.passes.direct.direct` applies
        them while numbering the graph for the tape, without building the
        optimized graph, for the graphs it models (most); the program is the
        one ``optimize`` would give, built several times faster.

    Notes
    -----
    A call accepts the input arrays in the structure of ``inputs`` (tuples
    and lists interchangeable, dicts by key), either as one argument or
    spread, or all ``n`` arrays flat: with ``inputs=[x, y]``, ``f(a, b)`` and
    ``f([a, b])`` both work.  Anything else raises ``TypeError``.  Outputs
    come back in the structure of ``outputs``.

    Each call works on its own registers, so one function may be called from
    many threads at once.  Intermediates are released after their last use.
    Folded constants returned as outputs are the same object at every call.

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> x = lazyray.Variable((3,))
    >>> f = lazyray.Function([x], {"s": lazyray.sin(x).sum(), "d": 2 * x})
    >>> f
    <Function(1 input(s)) -> 2 output(s), 3 op(s), backend='numpy'>
    >>> f(np.zeros(3))
    {'s': np.float64(0.0), 'd': array([0., 0., 0.])}
    >>> f.print_source()
    def graph(x0):
        sin_1 = sin(x0)
        sum_2 = sum(sin_1)
        del sin_1
        multiply_3 = multiply(2, x0)
        del x0
        return (sum_2, multiply_3)
    """

    __slots__ = (
        "_prog",
        "_in_spec",
        "_in_kind",
        "_n_in",
        "_out_spec",
        "_out_kind",
        "_out_get",
        "_n_out",
        "_auto",
        "_targets",
        "__weakref__",
    )

    def __init__(
        self,
        inputs,
        outputs,
        fold_constants: bool = True,
        backend: str | None = None,
        optimize=True,
    ):
        in_nodes = []
        in_spec = pytree.flatten_nodes(inputs, in_nodes, "inputs")
        seen = set()
        for v in in_nodes:
            if id(v) in seen:
                raise ValueError(f"the same node appears twice among the inputs: {v!r}")
            seen.add(id(v))

        enabled = gc.isenabled()
        gc.disable()  # optimize + build make many acyclic objects: skip full collections
        try:
            graph = None
            out_nodes = []
            out_spec = pytree.flatten_nodes(outputs, out_nodes, "outputs")
            unique, index = _unique(out_nodes)
            if all(v._fn is None for v in in_nodes):
                # (passes copy every op node: an op node as input would be lost)
                graph = _direct(unique, in_nodes, optimize, bool(fold_constants))
                if graph is None:
                    outputs = _optimize(outputs, inputs, optimize, bool(fold_constants))
                    out_nodes = []
                    out_spec = pytree.flatten_nodes(outputs, out_nodes, "outputs")
                    unique, index = _unique(out_nodes)
            prog, _ = build(unique, in_nodes, fold=bool(fold_constants), graph=graph)
        finally:
            if enabled:
                gc.enable()
        slots = [prog.out_slots[index[id(o)]] for o in out_nodes]
        if backend is not None:
            prog = retarget(prog, backend)
        self._setup(prog, in_spec, len(in_nodes), out_spec, slots, backend is None)

    def _setup(self, prog, in_spec, n_in, out_spec, slots, auto):
        self._prog = prog
        self._in_spec = in_spec
        self._n_in = n_in
        self._out_spec = out_spec
        self._n_out = len(slots)
        self._auto = auto
        self._targets = {}
        if in_spec is pytree.LEAF:
            self._in_kind = 0
        elif in_spec[1] is None and all(s is pytree.LEAF for s in in_spec[2]):
            self._in_kind = 1
        else:
            self._in_kind = 2
        if out_spec is pytree.LEAF:
            self._out_kind, self._out_get = 0, slots[0]
        elif (
            out_spec[0] in (tuple, list)
            and all(s is pytree.LEAF for s in out_spec[2])
            and len(slots) >= 2
        ):
            self._out_kind, self._out_get = 1, itemgetter(*slots)
        else:
            self._out_kind, self._out_get = 2, tuple(slots)

    # ------------------------------------------------------------- calling

    def _flat_args(self, args):
        n = self._n_in
        if self._in_kind == 1 and len(args) == n:
            for a in args:
                if isinstance(a, _CONTAINERS):
                    break
            else:
                return args
        elif self._in_kind == 0 and len(args) == 1 and not isinstance(args[0], _CONTAINERS):
            return args
        spec = self._in_spec
        out = []
        if len(args) == 1:
            try:
                pytree.match(spec, args[0], out)
                return out
            except pytree.Mismatch:
                out.clear()
        try:
            pytree.match(spec, args, out)
            return out
        except pytree.Mismatch:
            out.clear()
        seq = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        if len(seq) == n and not any(isinstance(a, _CONTAINERS) for a in seq):
            return seq
        raise TypeError(
            f"this Function takes {n} input array(s) structured like "
            f"{pytree.describe(spec)} (or the {n} arrays flat), but was called "
            f"with {pytree.describe_value(args)}"
        )

    def __call__(self, *args):
        flat = self._flat_args(args)
        prog = self._prog
        if self._auto and flat:
            b = infer_backend(flat[0])
            if b != prog.backend and b != "builtins":
                prog = self._targets.get(b)
                if prog is None:
                    prog = self._targets[b] = retarget(self._prog, b)
        r = prog.registers(flat)
        run(prog.tape, r)
        kind = self._out_kind
        if kind == 0:
            return r[self._out_get]
        if kind == 1:
            return self._out_spec[0](self._out_get(r))
        return pytree.rebuild(self._out_spec, iter([r[s] for s in self._out_get]))

    # ------------------------------------------------------------ display

    @property
    def source(self) -> str:
        """Python source equivalent to this function (a ``def graph(...)``)."""
        return self.get_source()

    def get_source(self, params: dict | None = None) -> str:
        """The source of ``def graph(...)``, equivalent to this function.

        ``params`` is filled with the functions and constants it needs:
        ``exec(source, params)`` defines ``params["graph"]``, which takes the
        flat inputs and returns the unique outputs (a tuple when several).
        """
        from .codegen import render

        return render(self._prog, params)

    def print_source(self) -> None:
        """Print the Python source equivalent to this function."""
        print(self.source)

    def __len__(self) -> int:
        """Number of ops run per call."""
        return sum(1 for op in self._prog.ops if op is not None)

    def __repr__(self) -> str:
        return (
            f"<Function({self._n_in} input(s)) -> {self._n_out} output(s), "
            f"{len(self)} op(s), backend={self._prog.backend!r}>"
        )

    # ------------------------------------------------------------ pickling

    def __getstate__(self):
        p = self._prog
        tape = [
            ins if op is None else (ins[0], op if type(op) is str else ins[1], *ins[2:])
            for ins, op in zip(p.tape, p.ops)
        ]
        return {
            "version": 1,
            "tape": tape,
            "ops": [None if op is None else (str(op), type(op) is not str) for op in p.ops],
            "other_backends": p.other_backends,
            "consts": p.consts,
            "node_consts": sorted(p.node_consts),
            "n_in": p.n_in,
            "n_work": p.n_work,
            "out_slots": p.out_slots,
            "backend": p.backend,
            "in_spec": self._in_spec,
            "out_spec": self._out_spec,
            "slots": self._flat_out_slots(),
            "auto": self._auto,
        }

    def _flat_out_slots(self):
        kind, get = self._out_kind, self._out_get
        if kind == 0:
            return [get]
        if kind == 1:
            return list(get.__reduce__()[1])
        return list(get)

    def __setstate__(self, state):
        from .array import CustomOp
        from .ops.registry import resolve

        if state.get("version") != 1:
            raise ValueError("cannot unpickle a lazyray Function of another version")
        p = Program()
        p.ops = [None if o is None else (CustomOp(o[0]) if o[1] else o[0]) for o in state["ops"]]
        p.backend = state["backend"]
        p.other_backends = other = state["other_backends"]
        p.tape = [
            ins
            if ins[0] == FREE or type(op) is not str
            else (ins[0], resolve(other.get(i, p.backend), ins[1]), *ins[2:])
            for i, (ins, op) in enumerate(zip(state["tape"], p.ops))
        ]
        p.consts = state["consts"]
        p.node_consts = set(state["node_consts"])
        p.n_in, p.n_work = state["n_in"], state["n_work"]
        p.out_slots = state["out_slots"]
        p._tail = None
        self._setup(p, state["in_spec"], p.n_in, state["out_spec"], state["slots"], state["auto"])


def _unique(nodes):
    """The distinct nodes of ``nodes``, and the index of each among them."""
    unique, index = [], {}
    for o in nodes:
        if id(o) not in index:
            index[id(o)] = len(unique)
            unique.append(o)
    return unique, index


def _direct(outputs, inputs, optimize, fold):
    """The graph numbered with the default passes applied (see
    :mod:`lazyray.passes.direct`), or None where that walk does not apply."""
    if optimize is not True and not (isinstance(optimize, dict) and set(optimize) <= {"exact"}):
        return None
    try:
        from .passes.direct import Fallback, direct
    except ImportError:
        return None
    exact = bool(optimize.get("exact", False)) if isinstance(optimize, dict) else False
    try:
        return direct(outputs, inputs, exact=exact, fold=fold)
    except Fallback:
        return None


def _optimize(outputs, inputs, optimize, fold):
    if optimize is None or optimize is False:
        return outputs
    try:
        from . import passes
    except ImportError:
        if optimize is True:  # the default: optimize when passes are available
            return outputs
        raise
    kwargs = dict(optimize) if isinstance(optimize, dict) else {}
    if optimize is not True and not isinstance(optimize, dict):
        kwargs["passes"] = list(optimize)
    if not fold:
        # fold_constants=False: constants are computed at every call
        names = kwargs.get("passes") or passes.DEFAULT_PASSES
        kwargs["passes"] = [p for p in names if p != "fold"]
    return passes.optimize(outputs, variables=inputs, **kwargs)


# ------------------------------------------------------------- retargeting


def _is_array_of(x, backend) -> bool:
    t = type(x)
    if t in (int, float, complex, bool, str, type(None)) or isinstance(x, type):
        return False
    if not (hasattr(x, "shape") and hasattr(x, "dtype")):
        return False
    return infer_backend(x) == backend


def retarget(prog: Program, backend: str) -> Program:
    """The same program with its ops resolved for ``backend``.

    Registry ops are looked up again by name; user callables are kept.
    Array constants of the program's backend are converted with
    ``autoray.do("asarray", x, like=backend)``.
    """
    import autoray

    from .ops.registry import resolve

    src = prog.backend

    def conv(x):
        if _is_array_of(x, src):
            return autoray.do("asarray", x, like=backend)
        return x

    tape = []
    for ins, op in zip(prog.tape, prog.ops):
        if op is None:
            tape.append(ins)
            continue
        code, fn, out, a, b = ins
        if type(op) is str:
            fn = resolve(backend, op)
        if code == BINC and op != "getitem":  # (backends index with numpy arrays)
            b = conv(b)
        tape.append((code, fn, out, a, b))
    new = Program()
    new.tape = tape
    new.ops = prog.ops
    new.other_backends = {}
    new.consts = [conv(c) for c in prog.consts]
    new.node_consts = prog.node_consts
    new.n_in, new.n_work = prog.n_in, prog.n_work
    new.out_slots = prog.out_slots
    new.backend = backend
    new._tail = None
    return new
