"""Hand a compiled :class:`~lazyray.Function`'s graph to a real compiler.

:func:`compile_function` wraps the replay of a function's program in
``jax.jit`` (XLA then fuses the whole graph) or ``torch.compile`` (dynamo +
inductor), and returns a :class:`CompiledFunction` that is called exactly like
the :class:`~lazyray.Function` it wraps.

Both compilers trace the graph once per call signature; since a lazyray
function has static shapes and dtypes, that is once.  Where the compiler
cannot run on this machine (no C compiler for inductor, an op it cannot
trace, ...) the first call warns and the function keeps running on the tape.

Notes
-----
``torch.compile`` of torch 2.13 traces ``OrderedDict.popitem(last=False)`` as
``popitem()`` (dynamo bug; see pytorch PR #155153), which silently swaps the
arguments of autoray's translated functions (``linalg.norm``, ``stack``,
...).  Those are replaced here, for the compiled graph only, by an equivalent
wrapper without ``OrderedDict``; and by default the first call of a
torch-compiled function is checked against the tape.
"""

from __future__ import annotations

import os
import sys
import threading
import types
import warnings

from ..graph import pytree
from ..graph.dtypes import dtype_name
from .tape import run

__all__ = ["compile_function", "CompiledFunction", "COMPILERS"]

#: the compilers known to :func:`compile_function`, and their backend
COMPILERS = {"jax": "jax", "torch": "torch"}


class CompiledFunction:
    """A :class:`~lazyray.Function` whose graph runs through a compiler.

    Made by :func:`compile_function` (or ``Function.compile``).  It is called
    like the function it wraps (same input and output pytrees) and returns
    arrays of the compiler's backend.

    Attributes
    ----------
    function : Function
        The lazyray function compiled (and the fallback).
    compiler : str
        ``"jax"`` or ``"torch"``.
    compiled : callable or None
        The compiler's callable (``jax.jit`` / ``torch.compile`` object) taking
        the flat inputs and returning the tuple of flat outputs; None once
        this function has fallen back to the tape.
    fallback : str or None
        Why the tape is used instead of the compiler, or None.
    """

    __slots__ = (
        "function",
        "compiler",
        "compiled",
        "fallback",
        "_call",
        "_out_spec",
        "_check",
        "_lock",
        "__weakref__",
    )

    def __init__(self, function, compiler: str, compiled, check: bool):
        self.function = function
        self.compiler = compiler
        self.compiled = compiled
        self.fallback = None
        self._out_spec = function._out_spec
        self._check = check
        self._lock = threading.Lock()
        self._call = self._first_call

    def __call__(self, *args):
        flat = self.function._flat_args(args)
        outs = self._call(flat)
        if outs is None:  # fell back: the tape's structured result
            return self.function(*flat)
        return pytree.rebuild(self._out_spec, iter(outs))

    def _first_call(self, flat):
        with self._lock:
            if self._call != self._first_call:  # another thread got there first
                return self._call(flat)
            flat = _convert_inputs(self.compiler, flat)
            try:
                outs = tuple(self.compiled(*flat))
            except Exception as e:
                self.function(*flat)  # (raises if the tape fails too: the inputs are wrong)
                self._give_up(f"{type(e).__name__}: {e}")
                return None
            if self._check:
                tape_outs = []
                pytree.flat_leaves(self.function(*flat), tape_outs)
                if not _same_results(outs, tape_outs):
                    self._give_up("its results differ from the tape's")
                    return None
            self._call = self._steady_call
            return outs

    def _steady_call(self, flat):
        return self.compiled(*_convert_inputs(self.compiler, flat))

    def _give_up(self, why: str) -> None:
        first = why.splitlines()[0] if why else why
        self.fallback = first
        self.compiled = None
        self._call = lambda flat: None  # the tape runs instead (see __call__)
        warnings.warn(
            f"lazyray: compile={self.compiler!r} is not usable for this graph ({first}); "
            "running it on the tape instead",
            RuntimeWarning,
            stacklevel=_user_stacklevel(),
        )

    # ---------------------------------------------------------- inspection

    def get_source(self, params: dict | None = None) -> str:
        """The source of the graph compiled (see ``Function.get_source``)."""
        return self.function.get_source(params)

    @property
    def source(self) -> str:
        return self.function.source

    def print_source(self) -> None:
        """Print the source of the graph compiled."""
        self.function.print_source()

    def __len__(self) -> int:
        return len(self.function)

    def __repr__(self) -> str:
        state = f"fallback={self.fallback!r}" if self.fallback else "compiled"
        return f"<CompiledFunction({self.compiler}, {state}) of {self.function!r}>"


def _user_stacklevel() -> int:
    """The ``stacklevel`` of ``warnings.warn`` that points at the first frame
    outside lazyray (called from the function that warns)."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(2), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame, level = frame.f_back, level + 1
    return level


def _convert_inputs(compiler, flat):
    if compiler != "torch":
        return flat  # jax.jit takes numpy arrays and Python scalars itself
    import torch

    return [x if isinstance(x, torch.Tensor) else torch.as_tensor(x) for x in flat]


def _same_results(a, b) -> bool:
    """Whether two flat output lists agree (to float rounding)."""
    import numpy as np
    from autoray import to_numpy

    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        try:
            x, y = np.asarray(to_numpy(x)), np.asarray(to_numpy(y))
        except Exception:
            if x is not y and x != y:
                return False
            continue
        if x.shape != y.shape:
            return False
        if x.dtype.kind in "fc":
            tol = 1e-3 if x.dtype in (np.float16, np.float32, np.complex64) else 1e-6
            if not np.allclose(x, y, rtol=tol, atol=tol * 1e-3, equal_nan=True):
                return False
        elif not np.array_equal(x, y):
            return False
    return True


# ------------------------------------------------------------ the compilers


def _input_checker(function, compiler):
    """A check of flat inputs against the function's input shapes and dtypes
    (None where the function does not record them)."""
    info = getattr(function, "_in_info", None)
    if info is None:
        return None
    expected = [(tuple(int(d) for d in shape), str(dt)) for shape, dt in info]

    def check(flat):
        if len(flat) != len(expected):
            raise TypeError(f"this function takes {len(expected)} input(s), got {len(flat)}")
        for i, (x, (shape, dt)) in enumerate(zip(flat, expected)):
            got = tuple(int(d) for d in getattr(x, "shape", ()))
            if got != shape:
                raise ValueError(
                    f"input {i} of this compiled lazyray function has shape {got}, expected {shape}"
                )
            have = dtype_name(getattr(x, "dtype", type(x)))
            if have != dt:
                hint = ""
                if compiler == "jax" and dt.endswith("64") and have.endswith("32"):
                    hint = " (jax makes 64-bit inputs 32-bit unless jax_enable_x64 is set)"
                raise TypeError(
                    f"input {i} of this compiled lazyray function has dtype {have}, "
                    f"expected {dt}{hint}"
                )

    return check


def _jax_compile(function, options: dict):
    import jax

    prog = function._target("jax", None)
    slots = function._flat_out_slots()
    tape, registers = prog.tape, prog.registers
    check = _input_checker(function, "jax")

    def replay(*flat):
        if check is not None:  # (at trace time only: jax.jit traces once per shape)
            check(flat)
        r = registers(flat)
        run(tape, r)
        return tuple([r[s] for s in slots])

    replay.__name__ = replay.__qualname__ = "lazyray_graph"
    return jax.jit(replay, **options)


def _torch_compile(function, options: dict):
    import torch

    from .codegen import render

    prog = function._target("torch", None)
    params: dict = {}
    source = render(prog, params)
    for name, value in list(params.items()):
        params[name] = _untranslate(value)
    exec(compile(source, "<lazyray torch graph>", "exec"), params)
    graph = params["graph"]
    check = _input_checker(function, "torch")
    index = {s: i for i, s in enumerate(prog.out_slots)}
    picks = [index[s] for s in function._flat_out_slots()]
    single = len(prog.out_slots) == 1

    def flat_graph(*flat):
        res = graph(*flat)
        if single:
            res = (res,)
        return tuple([res[i] for i in picks])

    flat_graph.__name__ = flat_graph.__qualname__ = "lazyray_graph"
    compiled = torch.compile(flat_graph, **{"dynamic": False, **options})
    if check is None:
        return compiled

    def checked(*flat):
        check(flat)
        return compiled(*flat)

    return checked


def _untranslate(fn, depth: int = 4):
    """autoray's ``translated_function`` rewritten without ``OrderedDict``
    (see the module notes), also inside a wrapper that holds one in a closure
    cell ``fn`` (lazyray's torch wrappers); anything else as it is."""
    code = getattr(fn, "__code__", None)
    if code is None or not fn.__closure__:
        return fn
    if code.co_name != "translated_function":
        if depth == 0 or "fn" not in code.co_freevars:
            return fn
        i = code.co_freevars.index("fn")
        try:
            inner = fn.__closure__[i].cell_contents
        except ValueError:  # an empty cell
            return fn
        new = _untranslate(inner, depth - 1)
        if new is inner:
            return fn
        cells = list(fn.__closure__)
        cells[i] = types.CellType(new)
        copy = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, tuple(cells))
        copy.__kwdefaults__ = fn.__kwdefaults__
        copy.__wrapped__ = fn
        return copy
    try:
        cells = dict(zip(code.co_freevars, (c.cell_contents for c in fn.__closure__)))
        inner, translator = cells["fn"], cells["translator"]
        order = [(k, tuple(v)) for k, v in translator.items()]
    except (KeyError, ValueError, TypeError, AttributeError):
        return fn

    def translated(*args, **kwargs):
        new = {opt[0]: value for (_, opt), value in zip(order, args)}
        rest = order[len(args) :]
        names = {k for k, _ in rest}
        new.update((k, value) for k, value in kwargs.items() if k not in names)
        for k, opt in rest:
            if k in kwargs:
                new[opt[0]] = kwargs[k]
            elif len(opt) == 2:
                new[opt[0]] = opt[1]
        return inner(**new)

    translated.__name__ = getattr(fn, "__name__", "translated")
    translated.__wrapped__ = fn
    return translated


_BUILDERS = {"jax": _jax_compile, "torch": _torch_compile}


def compile_function(
    function,
    compile: str = "jax",  # noqa: A002  (the name used by ``lazyray.jit``)
    *,
    options: dict | None = None,
    check: bool | None = None,
) -> CompiledFunction:
    """Compile a :class:`~lazyray.Function`'s graph with jax or torch.

    Parameters
    ----------
    function : Function
        The function to compile (it is not changed, and stays the fallback).
    compile : {"jax", "torch"}
        ``"jax"``: the replay of the graph on jax is wrapped in ``jax.jit``
        (no argument is donated), so that XLA fuses the whole graph.
        ``"torch"``: the graph's source, written for torch, is compiled by
        ``torch.compile`` (``dynamic=False``: the shapes are static).
    options : dict, optional
        Keyword arguments of ``jax.jit`` or ``torch.compile``.
    check : bool, optional
        On the first call, also run the tape and compare the results; on a
        mismatch, warn and keep using the tape.  Default: True for torch,
        False for jax.

    Returns
    -------
    CompiledFunction
        Called like ``function``; returns arrays of the compiler's backend
        (jax arrays, torch tensors).  numpy inputs are accepted (converted).
        If the compiler fails on the first call while the tape runs, a
        ``RuntimeWarning`` says why and the tape is used from then on.

    Raises
    ------
    ValueError
        For an unknown compiler.
    ImportError
        When jax or torch is not installed.

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> x = lazyray.Variable((3,))
    >>> f = lazyray.Function(x, lazyray.sin(x) * 2)
    >>> g = compile_function(f, "jax")  # doctest: +SKIP
    >>> np.allclose(g(np.ones(3)), 2 * np.sin(1.0))  # doctest: +SKIP
    True
    """
    if compile not in _BUILDERS:
        raise ValueError(f"unknown compiler {compile!r}; choose one of {sorted(_BUILDERS)}")
    if isinstance(function, CompiledFunction):
        function = function.function
    compiled = _BUILDERS[compile](function, dict(options or {}))
    check = compile == "torch" if check is None else check
    return CompiledFunction(function, compile, compiled, bool(check))
