"""The drawing context that op generators use to build one statement.

A :class:`Draw` holds the program drawn so far (leaves, statements, and the
eager numpy value of every name, so generators know shapes and dtypes) and
the random choices shared by all generators: shapes, dtypes, scalars, axes,
and operands that reuse an existing value (shared intermediates) or add a new
leaf.  Generators return a :class:`Call`; :mod:`.gen` evaluates it on numpy
and decides whether to keep it.

>>> d = Draw(np.random.default_rng(0))
>>> a = d.array((2, 3), "float32")
>>> d.info(a)
((2, 3), 'float32')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .program import DTYPES, Leaf, lit

INT = ("int8", "uint8", "int64")
FLOAT = ("float16", "float32", "float64")
COMPLEX = ("complex64", "complex128")
INEXACT = FLOAT + COMPLEX
NUMERIC = INT + INEXACT


def slot(i: int) -> str:
    """The template placeholder of operand ``i``: ``{i}``."""
    return "{" + str(i) + "}"


@dataclass
class Call:
    """What a generator drew: a template over operand names (see :class:`Stmt`)."""

    template: str
    refs: tuple = ()
    multi: bool = False
    np_template: str | None = None


class Draw:
    """Random choices for one program, and the program drawn so far."""

    def __init__(self, rng: np.random.Generator, max_ndim: int = 3, max_dim: int = 4):
        from .program import environment

        self.rng = rng
        self.max_ndim = max_ndim
        self.max_dim = max_dim
        self.leaves: list = []
        self.stmts: list = []
        self.env = environment()
        self.names: list = []  # value names usable as operands, in order

    # ------------------------------------------------------------ basics

    def p(self, prob: float) -> bool:
        """True with probability ``prob``."""
        return bool(self.rng.random() < prob)

    def choice(self, seq):
        """One element of ``seq``."""
        return seq[int(self.rng.integers(len(seq)))]

    def int(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]``."""
        return int(self.rng.integers(lo, hi + 1))

    def bad(self) -> bool:
        """Whether to draw a deliberately invalid argument (rarely)."""
        return self.p(0.06)

    def info(self, name: str) -> tuple:
        """Shape and dtype name of a value."""
        v = np.asarray(self.env[name])
        return v.shape, v.dtype.name

    # ------------------------------------------------------------ shapes

    def dim(self) -> int:
        """A small dimension, sometimes 0 or 1."""
        if self.p(0.04):
            return 0
        return self.int(1, self.max_dim)

    def shape(self, ndim: int | None = None, min_ndim: int = 0) -> tuple:
        """A small shape."""
        if ndim is None:
            ndim = self.int(min_ndim, max(min_ndim, self.max_ndim))
        return tuple(self.dim() for _ in range(ndim))

    def broadcastable(self, shape: tuple) -> tuple:
        """A shape that broadcasts with ``shape`` (incompatible when ``bad``)."""
        if self.bad() and shape and any(s > 1 for s in shape):
            return tuple(s + 1 if s > 1 else s for s in shape)
        keep = self.int(0, len(shape))
        out = [1 if self.p(0.3) else s for s in shape[len(shape) - keep :]]
        if self.p(0.2) and len(shape) < self.max_ndim + 1:
            out = [self.int(1, 3)] + ([1] * (len(shape) - keep) if keep < len(shape) else []) + out
        return tuple(out)

    # ------------------------------------------------------------ dtypes

    def dtype(self, among=DTYPES) -> str:
        """A dtype name among ``among``."""
        return self.choice(among)

    # ------------------------------------------------------------ operands

    def leaf(self, shape: tuple, dtype: str) -> str:
        """A new leaf, evaluated into the numpy environment."""
        name = f"a{len(self.leaves)}"
        leaf = Leaf(
            name,
            tuple(shape),
            dtype,
            seed=int(self.rng.integers(2**31)),
            special=self.p(0.3),
            var=self.p(0.7),
        )
        self.leaves.append(leaf)
        self.env[name] = leaf.data()
        self.names.append(name)
        return name

    def existing(self, pred) -> list:
        """Names of array values whose (shape, dtype) satisfy ``pred``."""
        out = []
        for n in self.names:
            v = self.env.get(n)
            if isinstance(v, (np.ndarray, np.generic)) and pred(v.shape, v.dtype.name):
                out.append(n)
        return out

    def array(
        self,
        shape: tuple | None = None,
        dtype: str | None = None,
        *,
        dtypes=DTYPES,
        ndim: int | None = None,
        min_ndim: int = 0,
        reuse: float = 0.55,
    ) -> str:
        """An operand: an existing value that fits (shared intermediates),
        or a new leaf."""

        def fits(s, dt):
            if shape is not None and s != tuple(shape):
                return False
            if dtype is not None and dt != dtype:
                return False
            if dtype is None and dt not in dtypes:
                return False
            if ndim is not None and len(s) != ndim:
                return False
            return len(s) >= min_ndim

        if self.p(reuse):
            cands = self.existing(fits)
            if cands:
                # prefer recent values: programs become chains with branches
                return cands[-1] if self.p(0.5) else self.choice(cands)
        if shape is None:
            shape = self.shape(ndim, min_ndim)
        return self.leaf(shape, dtype or self.dtype(dtypes))

    # ------------------------------------------------------------ scalars

    def scalar(self, kind: str | None = None) -> str:
        """Source of a Python or numpy scalar (``kind``: b, i, f, c)."""
        kind = kind or self.choice("bifc")
        if kind == "b":
            v = self.p(0.5)
            return lit(np.bool_(v)) if self.p(0.3) else lit(v)
        if kind == "i":
            v = self.choice([0, 1, 2, 3, -1, -2, 5, 7])
            if self.p(0.05):
                v = self.choice([127, 128, 255, 256, -129, 300, 2**31, 2**62, 2**63, -(2**63) - 1])
            if self.p(0.3):
                dt = self.choice(INT)
                info = np.iinfo(dt)
                v = v if info.min <= v <= info.max else int(info.max)
                return lit(getattr(np, dt)(v))
            return lit(v)
        if kind == "f":
            v = self.choice([0.5, 1.5, -2.0, 2.0, 0.0, 1.0, -0.25, 3.0])
            if self.p(0.12):
                v = self.choice([float("nan"), float("inf"), -float("inf"), -0.0, 1e300, 70000.0])
            if self.p(0.3):
                with np.errstate(over="ignore"):
                    return lit(getattr(np, self.choice(FLOAT))(v))
            return lit(v)
        v = complex(self.choice([0.5, 1.0, -2.0, 0.0]), self.choice([1.0, -0.5, 2.0, 0.0]))
        if self.p(0.3):
            return lit(getattr(np, self.choice(COMPLEX))(v))
        return lit(v)

    # ------------------------------------------------------------ axes

    def axis(self, ndim: int, allow_none: bool = False):
        """An axis of an ``ndim``-d array, maybe negative (out of range when
        ``bad``)."""
        if allow_none and self.p(0.2):
            return None
        if self.bad() or ndim == 0:
            return self.choice([ndim, -ndim - 1, 0])
        a = self.int(0, ndim - 1)
        return a - ndim if self.p(0.4) else a

    def axes(self, ndim: int):
        """``None``, an axis, or a tuple of axes (duplicates when ``bad``)."""
        r = self.rng.random()
        if r < 0.25:
            return None
        if r < 0.6 or ndim == 0:
            return self.axis(ndim)
        k = self.int(1, ndim)
        picked = sorted(self.rng.choice(ndim, k, replace=False).tolist())
        out = [a - ndim if self.p(0.4) else a for a in picked]
        if self.bad():
            out.append(out[0])
        self.rng.shuffle(out)
        return tuple(int(a) for a in out)
