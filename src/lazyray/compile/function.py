""":class:`Function`: a traced graph compiled for repeated calls.

The graph is flattened once into a tape (:mod:`lazyray.compile.tape`) replayed by a
tight loop on per-call registers; :mod:`lazyray.compile.codegen` writes equivalent
Python source for reading (:meth:`Function.print_source`).
"""

from __future__ import annotations

from operator import itemgetter

from autoray import infer_backend

from ..graph import pytree
from ..graph.evaluate import _STRICT
from ..graph.node import CustomOp
from ..graph.registry import resolve, resolve_numpy
from .checks import InputChecks, ReadOnly, fast_check, protect
from .retarget import retarget
from .tape import FREE, Program, paused_gc, run
from .tapebuild import _CONTAINERS, build

__all__ = ["Function"]

#: what runs a Function's calls as dask tasks (``scheduler=``):
#: :class:`lazyray.execute.todask.ScheduledFunction`, which binds itself here
#: (the execution layer is built on this one)
SCHEDULED: dict = {}


class Function(InputChecks):
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
        keyword arguments of ``optimize``).  This is done only when every
        input is a leaf; the user's graph is not changed.  This is the engine ``optimize``
        runs (:mod:`lazyray.passes.engine`), reusing the nodes it leaves
        unchanged and leaving the constants for the tape builder to evaluate
        (the function only reads the graph).
    check_inputs : bool, optional
        Check at each call that every input array has the shape and dtype of
        its input node (default), raising ``ValueError`` (shape) or
        ``TypeError`` (dtype, or not an array) naming the input.  False skips
        the check: the caller then answers for the shapes and dtypes, which
        the static shapes and dtypes of the graph (and the optimizations made
        from them) assume (or passes objects that are not arrays to user
        callables).  In strict mode (:func:`lazyray.strict`) the outputs'
        shapes and dtypes are checked too, at each call.
    scheduler : str or distributed.Client, optional
        Run each call as dask tasks cut from the graph by cost
        (:class:`lazyray.execute.todask.ScheduledFunction`): ``"threads"``, ``"sync"``,
        ``"processes"`` or a ``distributed.Client``.  None (default) replays
        the tape in the calling thread.  A pickled Function comes back
        sequential.
    scheduler_options : dict, optional
        Keyword arguments of :class:`~lazyray.execute.todask.ScheduledFunction`.

    Notes
    -----
    A call accepts the input arrays in the structure of ``inputs`` (tuples
    and lists interchangeable, dicts by key), either as one argument or
    spread, or all ``n`` arrays flat: with ``inputs=[x, y]``, ``f(a, b)`` and
    ``f([a, b])`` both work.  Anything else raises ``TypeError``.  Outputs
    come back in the structure of ``outputs``.

    **Input checks.** An array of the input's dtype is used as it is; one
    whose dtype casts *safely* to it (numpy's ``can_cast(..., "safe")``: an
    ``int64`` or ``float32`` array for a ``float64`` input) is converted with
    ``astype``, as autoray's lazy functions accept it; any other dtype (a
    ``float64`` array for a ``float32`` or ``int64`` input) raises
    ``TypeError``.  numpy scalars (``np.float64(1.0)``)
    are arrays of shape ``()``, checked the same way.  A Python ``bool``,
    ``int``, ``float`` or ``complex`` is accepted for a 0-d input when, by
    numpy's rules for Python scalars (NEP 50), it does not change the
    input's dtype (an ``int`` for an ``int8`` or ``float32`` input, not a
    ``float`` for an ``int64`` one, nor a value out of the dtype's range),
    and is converted to a 0-d array of that dtype.  Arrays of other backends
    (torch, JAX...) are checked by shape and dtype name.  For numpy arrays
    the check costs an identity test and a tuple comparison per input.

    Each call works on its own registers, so one function may be called from
    many threads at once.  Intermediates are released after their last use.

    **Outputs are never the function's own state.** An output that does not
    depend on the inputs (a folded value, an array wrapped by
    :func:`lazyray.array`, or, with ``fold_constants=False``, a value
    computed from those, which may be a view of one) is handed out as a
    read-only view (numpy; the same view at each call for a constant), as it
    is when immutable (JAX arrays, scalars), or as a copy (torch tensors and
    other mutable arrays), so that a caller cannot change what later calls
    compute.  This costs nothing per call for most functions (those that
    return no constant), and a fraction of a microsecond per constant
    output.  An output that *is* an input is the caller's own array,
    returned as it is (as ``np.asarray`` would).

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
        "_in_info",
        "_out_info",
        "_fast_check",
        "_alt_dtypes",
        "_check",
        "_traced",
        "_sched",
        "__weakref__",
    )

    def __init__(
        self,
        inputs,
        outputs,
        fold_constants: bool = True,
        backend: str | None = None,
        optimize=True,
        check_inputs: bool = True,
        scheduler=None,
        scheduler_options: dict | None = None,
    ):
        user_graph = (inputs, outputs)
        in_nodes = []
        in_spec = pytree.flatten_nodes(inputs, in_nodes, "inputs")
        seen = set()
        for v in in_nodes:
            if id(v) in seen:
                raise ValueError(f"the same node appears twice among the inputs: {v!r}")
            seen.add(id(v))

        with paused_gc():  # optimize + build make many acyclic objects
            sub = {}  # the engine's lean result: nodes kept on new operands
            if all(v._fn is None for v in in_nodes):
                # (passes rebuild op nodes: an op node as input would be lost)
                outputs = _optimize(outputs, inputs, optimize, bool(fold_constants), sub)
            out_nodes = []
            out_spec = pytree.flatten_nodes(outputs, out_nodes, "outputs")
            unique = list(dict.fromkeys(out_nodes))  # (nodes hash by identity)
            prog, _ = build(unique, in_nodes, fold=bool(fold_constants), sub=sub, specialized=True)
        protect(prog, bool(fold_constants))
        traced = prog.backend  # whose dtype rules the static dtypes follow
        index = {id(o): k for k, o in enumerate(unique)}
        slots = [prog.out_slots[index[id(o)]] for o in out_nodes]
        in_info = [(v._shape, str(v._dtype)) for v in in_nodes]
        out_info = [(o._shape, o._dtype) for o in out_nodes]
        if backend is not None:
            prog = retarget(prog, backend, None, dict(zip(slots, out_info)))
        self._setup(prog, in_spec, out_spec, slots, backend is None, in_info, out_info)
        self._check = self._fast_check if check_inputs else None
        self._traced = traced
        if scheduler is not None:  # calls run as dask tasks (lazyray.execute.todask)
            self._sched = SCHEDULED["dask"](
                *user_graph,
                scheduler,
                fold_constants=fold_constants,
                optimize=optimize,
                **(scheduler_options or {}),
            )

    def _setup(self, prog, in_spec, out_spec, slots, auto, in_info, out_info):
        self._sched = None
        self._prog = prog
        self._in_spec = in_spec
        self._n_in = prog.n_in
        self._out_spec = out_spec
        self._n_out = len(slots)
        self._auto = auto
        self._targets = {}
        self._in_info = in_info
        self._out_info = out_info
        # per input: dtype objects of other backends that have its dtype
        self._alt_dtypes = [set() for _ in in_info]
        self._fast_check = fast_check(in_info, self._alt_dtypes)
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
        return flat_args(self._in_spec, n, args)

    def __call__(self, *args):
        sched = self._sched
        if sched is not None and sched.accepts(args):
            return sched(*args)
        flat = self._flat_args(args)
        ok = self._check
        if ok is not None:
            # numpy arrays of the inputs' shapes and dtypes pass quickly;
            # anything else is looked at (or refused) by _checked
            try:
                good = ok(flat)
            except (AttributeError, TypeError):  # not an array, unhashable dtype...
                good = False
            if not good:
                flat = self._checked(flat)
        prog = self._prog
        if flat:
            if self._auto:
                b = infer_backend(flat[0])
                if b == "torch" or (b != prog.backend and b != "builtins"):
                    prog = self._target(b, flat[0])
            elif prog.backend == "torch":
                prog = self._target("torch", flat[0])
        r = prog.registers(flat)
        run(prog.tape, r)
        if _STRICT[0]:
            self._check_outputs(r, prog.backend == self._traced)
        kind = self._out_kind
        if kind == 0:
            return r[self._out_get]
        if kind == 1:
            return self._out_spec[0](self._out_get(r))
        return pytree.rebuild(self._out_spec, iter([r[s] for s in self._out_get]))

    def _target(self, backend: str, x):
        """The program retargeted to ``backend`` (and, for torch, to the
        device of the first input ``x``: its constants are moved there)."""
        device = getattr(x, "device", None) if backend == "torch" else None
        if device is not None and getattr(device, "type", "cpu") == "cpu":
            device = None
        if device is None and backend == self._prog.backend:
            return self._prog
        key = backend if device is None else (backend, str(device))
        prog = self._targets.get(key)
        if prog is None:
            info = dict(zip(self._flat_out_slots(), self._out_info))
            prog = self._targets[key] = retarget(self._prog, backend, device, info)
        return prog

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

    def compile(self, compile: str = "jax", *, options: dict | None = None, check=None):  # noqa: A002
        """This function's graph compiled by jax (``jax.jit``) or torch
        (``torch.compile``); see :func:`lazyray.compile.compilers.compile_function`.

        >>> import lazyray
        >>> x = lazyray.Variable((3,))
        >>> lazyray.Function(x, x * 2).compile("jax")  # doctest: +SKIP
        <CompiledFunction(jax, compiled) of <Function(1 input(s)) -> 1 output(s), ...>>
        """
        from .compilers import compile_function

        return compile_function(self, compile, options=options, check=check)

    def __len__(self) -> int:
        """Number of ops of the graph run per call (not counting the
        :class:`ReadOnly` hand-out of constant outputs)."""
        p = self._prog
        return sum(
            1 for ins, op in zip(p.tape, p.ops) if op is not None and type(ins[1]) is not ReadOnly
        )

    def __repr__(self) -> str:
        return (
            f"<Function({self._n_in} input(s)) -> {self._n_out} output(s), "
            f"{len(self)} op(s), backend={self._prog.backend!r}>"
        )

    # ------------------------------------------------------------ pickling

    def __getstate__(self):
        p = self._prog
        other = p.other_backends
        find = resolve_numpy if p.numpy_semantics else resolve
        # a registry op's function is stored as its name when it is the one
        # the name resolves to; a specialised one (e.g. numpy's path-optimized
        # einsum for big contractions) is stored itself, by reference
        tape = [
            ins
            if op is None
            else (
                ins[0],
                op if type(op) is str and ins[1] is find(other.get(i, p.backend), op) else ins[1],
                *ins[2:],
            )
            for i, (ins, op) in enumerate(zip(p.tape, p.ops))
        ]
        ops = [None if op is None else (str(op), type(op) is not str) for op in p.ops]
        prog = (tape, ops, p.consts, sorted(p.node_consts), p.n_in, p.n_work, p.out_slots)
        return {
            "version": 3,
            "prog": (*prog, p.backend, other, p.numpy_semantics),
            "setup": (self._in_spec, self._out_spec, self._flat_out_slots(), self._auto),
            "info": (self._in_info, self._out_info),
            "check_inputs": self._check is not None,
            "traced": self._traced,
        }

    def _flat_out_slots(self):
        kind, get = self._out_kind, self._out_get
        if kind == 0:
            return [get]
        if kind == 1:
            return list(get.__reduce__()[1])
        return list(get)

    def __setstate__(self, state):
        if state.get("version") != 3:
            raise ValueError(
                "cannot unpickle a lazyray Function pickled by another version of lazyray; "
                "build and pickle it again"
            )
        tape, ops, consts, node_consts, n_in, n_work, out_slots, backend, other, nps = state["prog"]
        ops = [None if o is None else (CustomOp(o[0]) if o[1] else o[0]) for o in ops]
        find = resolve_numpy if nps else resolve
        tape = [
            ins
            if ins[0] == FREE or type(ins[1]) is not str
            else (ins[0], find(other.get(i, backend), ins[1]), *ins[2:])
            for i, ins in enumerate(tape)
        ]
        p = Program(
            tape, ops, consts, set(node_consts), n_in, n_work, out_slots, backend, other, nps
        )
        self._setup(p, *state["setup"], *state["info"])
        self._check = self._fast_check if state["check_inputs"] else None
        self._traced = state["traced"]


def flat_args(spec, n: int, args: tuple) -> list:
    """The ``n`` flat input arrays of a call ``f(*args)`` of a function whose
    inputs have the structure ``spec`` (see :class:`Function`'s notes)."""
    out = []
    for cand in ((args[0],) if len(args) == 1 else ()) + (args,):
        try:
            pytree.match(spec, cand, out)
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


def _optimize(outputs, inputs, optimize, fold, sub):
    if optimize is None or optimize is False:
        return outputs
    from .. import passes

    kwargs = dict(optimize) if isinstance(optimize, dict) else {}
    if optimize is not True and not isinstance(optimize, dict):
        kwargs["passes"] = list(optimize)
    names = kwargs.pop("passes", None) or passes.DEFAULT_PASSES
    if not fold:
        # fold_constants=False: constants are computed at every call
        names = [p for p in names if p != "fold"]
    kwargs.setdefault("variables", inputs)
    # the graph is only read: reuse unchanged nodes; the tape builder folds
    return passes._optimize(outputs, names, copy=False, fold="defer", sub=sub, **kwargs)
