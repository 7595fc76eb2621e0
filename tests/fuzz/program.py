"""The program model of the fuzzer: leaves, statements, and their source.

A :class:`Program` is a small DAG written as straight-line Python: leaves
(arrays with a shape, a dtype and seeded data) and statements, each of which
calls one registered lazyray op through a source *template*.  A template
names the namespace as ``{ns}`` (``np`` for the numpy oracle, ``lr`` for
lazyray) and its operands as ``{0}``, ``{1}``, ...; literals (scalars, index
lists, axes) are written into it when the statement is drawn.  The same
program therefore runs eagerly on numpy, traces on lazyray, and prints as a
runnable reproducer, and the shrinker can edit it structurally (drop a
statement, bypass it, shrink a leaf).

Where numpy has no function of an op's meaning (``complex``) or a documented
convention differs (``linalg.eig`` is always complex in lazyray), the
statement carries a separate numpy template calling :mod:`.npref`.

Examples
--------
>>> p = Program(
...     [Leaf("a0", (2,), "float64", seed=1)],
...     [Stmt(("v1",), "sin", "{ns}.sin({0})", ("a0",))],
...     ["v1"],
... )
>>> print(p.stmts[0].line("lr"))
v1 = lr.sin(a0)
>>> evaluate_numpy(p).values["v1"].shape
(2,)
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from . import npref

DTYPES = (
    "bool",
    "int8",
    "uint8",
    "int64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
)
SPECIALS = (math.nan, math.inf, -math.inf, -0.0, 0.0)


@dataclass(frozen=True)
class Leaf:
    """An input array of the program.

    Attributes
    ----------
    name : str
        Its variable name in the program (``a0``, ``a1``, ...).
    shape, dtype :
        Static shape and dtype name.
    seed : int
        Seed of its data.
    special : bool
        Sprinkle nan, +-inf and -0.0 into float and complex data.
    var : bool
        A :class:`lazyray.Variable` (a ``Function`` input) in the paths that
        take inputs; otherwise a ``lazyray.array`` constant everywhere.
    fill : str
        ``"random"``, or ``"ones"`` (data simplified by the shrinker).
    """

    name: str
    shape: tuple
    dtype: str
    seed: int = 0
    special: bool = False
    var: bool = True
    fill: str = "random"

    def data(self) -> np.ndarray:
        """The leaf's data (a fresh array at each call)."""
        return make_data(self.shape, self.dtype, self.seed, self.special, self.fill)


@dataclass(frozen=True)
class Stmt:
    """One statement ``outs = template(refs)`` calling the op ``op``.

    ``multi`` marks a statement whose result is unpacked into ``outs`` (a
    multi-output op such as ``linalg.svd``, or ``split``); ``np_template``
    replaces ``template`` on the numpy side when set.
    """

    outs: tuple
    op: str
    template: str
    refs: tuple = ()
    multi: bool = False
    np_template: str | None = None

    def expr(self, ns: str, names=None) -> str:
        """The right-hand side, in namespace ``ns`` (``"np"`` or ``"lr"``)."""
        t = self.np_template if (ns == "np" and self.np_template) else self.template
        refs = self.refs if names is None else [names.get(r, r) for r in self.refs]
        return t.format(*refs, ns=ns)

    def line(self, ns: str, names=None) -> str:
        """The statement as one line of source."""
        outs = self.outs if names is None else [names.get(o, o) for o in self.outs]
        lhs = ", ".join(outs) + ("," if self.multi and len(outs) == 1 else "")
        return f"{lhs} = {self.expr(ns, names)}"


@dataclass
class Program:
    """Leaves, statements and the names of the values it returns."""

    leaves: list
    stmts: list
    outputs: list
    seed: int = 0
    _code: dict = field(default_factory=dict, repr=False, compare=False)

    def code(self, i: int, ns: str):
        """Compiled statement ``i`` in namespace ``ns`` (cached)."""
        key = (i, ns)
        c = self._code.get(key)
        if c is None:
            c = self._code[key] = compile(self.stmts[i].line(ns), f"<stmt {i}>", "exec")
        return c

    def copy(self, **changes) -> Program:
        """A copy with some fields replaced (compiled code is not shared)."""
        fields = {
            "leaves": list(self.leaves),
            "stmts": list(self.stmts),
            "outputs": list(self.outputs),
            "seed": self.seed,
        }
        fields.update(changes)
        return Program(**fields)

    def size(self) -> tuple:
        """What the shrinker decreases, in order of importance."""
        return (
            len(self.stmts),
            len(self.outputs),
            sum(math.prod(leaf.shape) for leaf in self.leaves),
            sum(len(leaf.shape) for leaf in self.leaves),
            sum(leaf.special for leaf in self.leaves),
            sum(leaf.fill == "random" for leaf in self.leaves),
            sum(leaf.var for leaf in self.leaves),
        )

    def ops(self) -> tuple:
        """The op names of the statements, in order."""
        return tuple(s.op for s in self.stmts)


def producer(prog: Program) -> dict:
    """Map each value name to the statement index that defines it (-1: leaf)."""
    where = {leaf.name: -1 for leaf in prog.leaves}
    for i, s in enumerate(prog.stmts):
        for o in s.outs:
            where[o] = i
    return where


# ---------------------------------------------------------------- data


def make_data(shape, dtype, seed, special=False, fill="random") -> np.ndarray:
    """Seeded small data: small integers and normals, specials if asked.

    >>> make_data((3,), "int8", 0).dtype
    dtype('int8')
    """
    return np.asarray(_data(shape, dtype, np.random.default_rng(seed), special, fill))


def _data(shape, dtype, rng, special, fill):
    if fill == "ones":
        return np.ones(shape, dtype)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype in ("int8", "int64"):
        return rng.integers(-4, 5, shape).astype(dtype)
    if dtype == "uint8":
        return rng.integers(0, 7, shape).astype(dtype)
    if dtype.startswith("complex"):
        part = "float32" if dtype == "complex64" else "float64"
        re = _floats(rng, shape, part, special)
        im = _floats(rng, shape, part, special)
        return npref.carray(re, im, dtype)
    return _floats(rng, shape, dtype, special)


def _floats(rng, shape, dtype, special):
    ints = rng.integers(-3, 4, shape).astype(float)
    normal = np.round(rng.normal(0.0, 1.5, shape), 3)
    x = np.where(rng.random(shape) < 0.4, ints, normal)
    if special:
        pick = rng.random(shape) < 0.25
        vals = np.array(SPECIALS)[rng.integers(0, len(SPECIALS), shape)]
        x = np.where(pick, vals, x)
    return np.asarray(x, dtype=dtype)


# ---------------------------------------------------------------- literals


def lit(x) -> str:
    """Python source that evaluates to ``x`` (scalars, dtypes, arrays, ...).

    The source relies on the names ``np``, ``nan`` and ``inf`` being
    defined, as they are in :func:`environment`.

    >>> lit(np.float32(-0.0)), lit(float("nan")), lit((1, [2, None]))
    ('np.float32(-0.0)', 'nan', '(1, [2, None])')
    """
    if x is None or isinstance(x, (bool, str)):
        return repr(x)
    if isinstance(x, np.bool_):
        return f"np.bool_({bool(x)})"
    if isinstance(x, np.generic):
        return f"np.{x.dtype.name}({lit(x.item())})"
    if isinstance(x, int):
        return repr(x)
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return repr(x)
    if isinstance(x, complex):
        return f"complex({lit(x.real)}, {lit(x.imag)})"
    if isinstance(x, np.ndarray):
        return _array_lit(x)
    if isinstance(x, slice):
        return f"slice({lit(x.start)}, {lit(x.stop)}, {lit(x.step)})"
    if x is Ellipsis:
        return "..."
    if isinstance(x, tuple):
        inner = ", ".join(lit(v) for v in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, list):
        return "[" + ", ".join(lit(v) for v in x) + "]"
    raise TypeError(f"no literal for {type(x).__name__}")


def _array_lit(a: np.ndarray) -> str:
    return f"np.array({_nested(a)}, dtype={a.dtype.name!r})"


def _nested(a: np.ndarray) -> str:
    if a.ndim == 0:
        return _short_lit(a[()])
    if a.size == 0:
        return f"np.empty({a.shape})"
    return "[" + ", ".join(_nested(v) for v in a) + "]"


def _short_lit(v) -> str:
    """``lit`` of an element, with the shortest digits that give it back in
    its (possibly narrow) dtype: ``0.631``, not ``0.6309999823570251``."""
    kind = v.dtype.kind
    if kind == "c":
        return f"complex({_short_lit(v.real)}, {_short_lit(v.imag)})"
    if kind == "f" and np.isfinite(v):
        text = repr(float(str(v)))
        if np.array(float(text), v.dtype).tobytes() == np.array(v).tobytes():
            return text
    return lit(v.item())


# ---------------------------------------------------------------- running


def environment() -> dict:
    """Globals in which the statements of both namespaces run."""
    import lazyray

    return {"np": np, "lr": lazyray, "ref": npref, "nan": math.nan, "inf": math.inf}


@dataclass
class Outcome:
    """Values of a run, or the statement that raised and the exception."""

    values: dict
    error_at: int | None = None
    error: BaseException | None = None


#: a number in a statement (not part of a name such as ``v0_1``)
_NUMBER = re.compile(r"(?<![\w.])(\d+\.\d*(?:e[-+]?\d+)?|\d+)(?![\w.])")


def decoy(line: str) -> str:
    """``line`` with every number changed (floats + 1.5, ints + 1): the same
    call with other static arguments, for the ``shared`` path.

    >>> decoy("v0_1 = lr.sum(a0, axis=-1) * 2.0")
    'v0_1 = lr.sum(a0, axis=-2) * 3.5'
    """
    return _NUMBER.sub(lambda m: str(float(m[1]) + 1.5 if "." in m[1] else int(m[1]) + 1), line)


def run_statements(prog: Program, ns: str, env: dict, before=None) -> Outcome:
    """Run the statements in ``env`` (leaves already bound); stop at an error.

    numpy's ``RuntimeWarning`` s are ignored; a ``DeprecationWarning`` is
    raised as an error (see :mod:`tests.fuzz` for why).  ``before(i, env)``,
    if given, is called before statement ``i`` runs, with the same warnings.
    """
    for i in range(len(prog.stmts)):
        try:
            if ns == "np":
                guard(prog.stmts[i], env)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                warnings.simplefilter("error", DeprecationWarning)
                if before is not None:
                    before(i, env)
                exec(prog.code(i, ns), env)
            if ns == "np":
                for o in prog.stmts[i].outs:
                    env[o] = as_array(env[o])
        except Exception as e:  # noqa: BLE001 - any rejection is an outcome
            return Outcome(env, i, e)
    return Outcome(env)


def as_array(x):
    """numpy scalars (and Python bools) as 0-d arrays: the oracle of a 0-d
    lazy array is a 0-d array (``.mT`` and friends differ on scalars)."""
    if isinstance(x, (np.generic, bool)):
        return np.asarray(x)
    return x


def numpy_result(stmt: Stmt, env: dict) -> tuple:
    """``(True, value)`` of a statement's right-hand side on numpy, or
    ``(False, exception)``."""
    try:
        guard(stmt, env)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("error", DeprecationWarning)
            r = eval(stmt.expr("np"), env)
        return True, (tuple(map(as_array, r)) if stmt.multi else as_array(r))
    except Exception as e:  # noqa: BLE001 - any rejection is an outcome
        return False, e


_DATA_ERRORS = ("ingular", "positive definite", "converge")


def guard(stmt: Stmt, env: dict) -> None:
    """Refuse to run a ``linalg`` op on nan or inf: LAPACK may never return.

    Raises a ``LinAlgError`` that :func:`data_dependent` recognises.
    """
    if stmt.op.startswith("linalg.") and stmt.op != "linalg.norm":
        for r in stmt.refs:
            v = env.get(r)
            if isinstance(v, (np.ndarray, np.generic)) and v.dtype.kind in "fc":
                if not np.isfinite(v).all():
                    raise np.linalg.LinAlgError("non-finite input: LAPACK may not converge")


def data_dependent(stmt: Stmt, env: dict, exc: BaseException) -> bool:
    """Whether numpy rejected ``stmt`` only for the data it got.

    A ``LinAlgError`` about a singular, non positive definite or
    non-converging input is; otherwise the statement is rerun with every
    operand replaced by ones of the same shape and dtype, and the rejection
    is data-dependent if that run succeeds (an integer array to a negative
    power, for one).  lazyray cannot be asked to reject those at trace time.
    """
    if isinstance(exc, np.linalg.LinAlgError) and any(m in str(exc) for m in _DATA_ERRORS):
        return True
    ones = dict(env)
    for r in stmt.refs:
        v = np.asarray(env[r])
        ones[r] = np.ones(v.shape, v.dtype)
    return numpy_result(stmt, ones)[0]


def evaluate_numpy(prog: Program) -> Outcome:
    """Run the program eagerly on numpy (the oracle)."""
    env = environment()
    for leaf in prog.leaves:
        env[leaf.name] = leaf.data()
    return run_statements(prog, "np", env)


def without(prog: Program, stmt_index: int) -> Program:
    """The program with statement ``stmt_index`` removed (uses left dangling)."""
    stmts = prog.stmts[:stmt_index] + prog.stmts[stmt_index + 1 :]
    return prog.copy(stmts=stmts)


def with_leaf(prog: Program, i: int, **changes) -> Program:
    """The program with leaf ``i`` changed."""
    leaves = list(prog.leaves)
    leaves[i] = replace(leaves[i], **changes)
    return prog.copy(leaves=leaves)
