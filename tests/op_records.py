"""The shared table of op records, checked against eager numpy / torch / jax.

Each :class:`OpRecord` describes one call of a public lazyray op: the op's
name in the ``lazyray`` namespace (``"add"``, ``"linalg.svd"``), the shapes,
dtypes and value kinds of its array inputs, and its static arguments, written
as a template in which ``X[i]`` stands for the ``i``-th array input.

The records themselves are written, by op family, in
``op_records_elementwise.py`` and ``op_records_structural.py``; backend
limitations (the skip reasons) are listed at the end of this module.

Other test files import :data:`RECORDS` and the helpers:

>>> rec = by_id("tensordot-int")
>>> arrays = numpy_inputs(rec)          # eager numpy inputs
>>> xs = lazy_inputs(rec, arrays)       # lazyray.array leaves (or variables(rec))
>>> out = call_lazy(rec, xs)            # a LazyArray, or a tuple of them
>>> ref = call_eager(rec, arrays)       # the eager numpy result
>>> out.shape == ref.shape
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import lazyray
import op_records_elementwise
import op_records_structural

# ------------------------------------------------------------------ model


@dataclass(frozen=True)
class In:
    """One array input: shape, dtype name and the kind of values it holds.

    kinds: ``normal`` (random, ints in [-5, 5]), ``positive`` (in [0.5, 2],
    ints in [1, 5]), ``unit`` (in (-0.9, 0.9)), ``ge1`` (in [1.1, 3]),
    ``nonzero`` (no zeros), ``spd`` (symmetric positive definite matrices),
    ``index:N`` (integers in [-N, N)), ``uindex:N`` (integers in [0, N)),
    ``small`` (ints in [0, 3], for powers).
    """

    shape: tuple
    dtype: str = "float64"
    kind: str = "normal"


@dataclass(frozen=True)
class _Slot:
    i: int


class _Slots:
    def __getitem__(self, i):
        return _Slot(i)


#: ``X[i]`` in an args template stands for the i-th array input
X = _Slots()


@dataclass
class OpRecord:
    """One op call to check.

    Attributes
    ----------
    id : str
        Unique test id.
    op : str
        Name in the lazyray namespace (dotted for ``lazyray.linalg``).
    inputs : tuple of In
        The array inputs.
    args, kwargs :
        Argument template (``X[i]`` for inputs); ``args`` defaults to the
        inputs in order.
    np_fn : callable, optional
        The eager numpy reference when it is not ``numpy.<op>``.
    eager_fn : callable, optional
        The eager reference on every backend (called with backend arrays)
        when not ``autoray.do(op, ...)``; overrides ``np_fn`` too.
    creation : bool
        A creation op: the backend is passed as ``like=``.
    values : bool
        Compare values (False for ``empty``).
    skip : dict
        Backend name -> reason, for backends that do not support the call.
    xfail : dict
        Backend name (or ``"numpy"``) -> reason, for known lazyray bugs in
        files this table's owner does not edit (checked strictly).
    """

    id: str
    op: str
    inputs: tuple = ()
    args: tuple | None = None
    kwargs: dict = field(default_factory=dict)
    np_fn: object = None
    eager_fn: object = None
    creation: bool = False
    values: bool = True
    skip: dict = field(default_factory=dict)
    xfail: dict = field(default_factory=dict)


# ----------------------------------------------------------- the helpers


def _fill(tree, xs):
    t = type(tree)
    if t is _Slot:
        return xs[tree.i]
    if t is tuple or t is list:
        return t(_fill(v, xs) for v in tree)
    if t is dict:
        return {k: _fill(v, xs) for k, v in tree.items()}
    return tree


def _args(rec):
    return tuple(X[i] for i in range(len(rec.inputs))) if rec.args is None else rec.args


def _attr(mod, dotted):
    for part in dotted.split("."):
        mod = getattr(mod, part)
    return mod


def _values(shape, dtype, kind, rng):
    n = int(np.prod(shape, dtype=np.int64))
    if kind.startswith(("index:", "uindex:")):
        k = int(kind.split(":")[1])
        lo = -k if kind.startswith("index") else 0
        return rng.integers(lo, k, size=shape).astype(dtype)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith(("int", "uint")):
        lo, hi = {"positive": (1, 6), "nonzero": (1, 6), "small": (0, 4)}.get(kind, (-5, 6))
        if dtype.startswith("uint"):
            lo = max(lo, 0)
        a = rng.integers(lo, hi, size=shape)
        if kind == "nonzero":
            a = a * rng.choice([-1, 1], size=shape) if not dtype.startswith("uint") else a
        return a.astype(dtype)
    if kind == "spd":
        m = rng.normal(size=shape)
        if dtype.startswith("complex"):
            m = m + 1j * rng.normal(size=shape)
        a = m @ np.conj(np.swapaxes(m, -1, -2)) + shape[-1] * np.eye(shape[-1])
        return a.astype(dtype)

    def real():
        if kind == "positive":
            return rng.uniform(0.5, 2.0, size=shape)
        if kind == "unit":
            return rng.uniform(-0.9, 0.9, size=shape)
        if kind == "ge1":
            return rng.uniform(1.1, 3.0, size=shape)
        if kind == "nonzero":
            return rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
        return rng.normal(size=shape) if n else np.zeros(shape)

    if dtype.startswith("complex"):
        return (real() + 1j * real()).astype(dtype)
    return real().astype(dtype)


def numpy_inputs(rec: OpRecord, seed: int = 0) -> list:
    """The record's array inputs as numpy arrays (deterministic for ``seed``)."""
    rng = np.random.default_rng(seed)
    return [np.asarray(_values(tuple(s.shape), s.dtype, s.kind, rng)) for s in rec.inputs]


def backend_inputs(rec: OpRecord, backend: str, seed: int = 0) -> list:
    """The inputs as arrays of ``backend`` (``"numpy"``, ``"torch"``, ``"jax"``)."""
    arrays = numpy_inputs(rec, seed)
    if backend == "numpy":
        return arrays
    if backend == "torch":
        import torch

        return [torch.from_numpy(np.array(a, copy=True)) for a in arrays]
    if backend == "jax":
        import jax.numpy as jnp

        return [jnp.asarray(a) for a in arrays]
    raise ValueError(backend)


def lazy_inputs(rec: OpRecord, arrays: list) -> list:
    """``lazyray.array`` leaves wrapping ``arrays``."""
    return [lazyray.array(a) for a in arrays]


def variables(rec: OpRecord, backend: str = "numpy") -> list:
    """``lazyray.Variable`` placeholders with the inputs' shapes and dtypes."""
    return [lazyray.Variable(s.shape, backend=backend, dtype=s.dtype) for s in rec.inputs]


def call_lazy(rec: OpRecord, xs: list, backend: str | None = None):
    """Call the lazyray op on the lazy inputs ``xs`` (a node or tuple of nodes)."""
    kwargs = _fill(rec.kwargs, xs)
    if rec.creation and backend not in (None, "numpy"):
        kwargs = {**kwargs, "like": backend}
    out = _attr(lazyray, rec.op)(*_fill(_args(rec), xs), **kwargs)
    return tuple(out) if isinstance(out, list) else out


def call_eager(rec: OpRecord, arrays: list, backend: str = "numpy"):
    """The eager reference result on ``backend`` arrays (tuple when several)."""
    args, kwargs = _fill(_args(rec), arrays), _fill(rec.kwargs, arrays)
    if rec.eager_fn is not None:
        out = rec.eager_fn(*args, **kwargs)
    elif backend == "numpy":
        fn = rec.np_fn if rec.np_fn is not None else _attr(np, rec.op)
        out = fn(*args, **kwargs)
    else:
        import autoray

        if isinstance(kwargs.get("dtype"), str):
            kwargs["dtype"] = autoray.to_backend_dtype(kwargs["dtype"], like=backend)
        out = autoray.do(rec.op, *args, like=backend, **kwargs)
    if isinstance(out, (list, tuple)):
        return tuple(out)
    if hasattr(out, "_fields"):  # numpy's namedtuple results (svd, qr, eigh...)
        return tuple(out)
    return out


def outputs(out) -> tuple:
    """A result as a flat tuple of outputs."""
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def by_id(rid: str) -> OpRecord:
    """The record with id ``rid``."""
    for r in RECORDS:
        if r.id == rid:
            return r
    raise KeyError(rid)


# ---------------------------------------------------------- the records

RECORDS: list[OpRecord] = []
_IDS: set = set()


def rec(id, op, inputs=(), args=None, kwargs=None, **extra):  # noqa: A002
    """Add a record (ids must be unique)."""
    if id in _IDS:
        raise ValueError(f"duplicate record id {id}")
    _IDS.add(id)
    inputs = tuple(i if isinstance(i, In) else In(*i) for i in inputs)
    r = OpRecord(id, op, inputs, args, dict(kwargs or {}), **extra)
    RECORDS.append(r)
    return r


# ------------------------------------------------- backend limitations
# (fnmatch pattern of record ids, backend, why the backend itself -- or
# autoray's translation for it -- cannot make the eager call)

_LIMITS = [
    ("invert-*", "torch", "autoray has no torch 'invert' (torch.bitwise_not)"),
    ("bitwise_*-alias", "torch", "autoray has no torch 'invert' (torch.bitwise_not)"),
    ("mod-*", "torch", "autoray has no torch 'mod' (torch.remainder)"),
    ("remainder-*", "torch", "autoray has no torch 'mod' (torch.remainder)"),
    ("subtract-bool-*", "torch", "torch rejects subtraction of bool tensors"),
    ("maximum-*weak*", "torch", "torch.maximum takes tensors only"),
    ("minimum-*weak*", "torch", "torch.minimum takes tensors only"),
    ("greater-weak*-reflected", "torch", "torch.greater needs a tensor first"),
    ("equal-weak*-reflected", "torch", "torch.eq needs a tensor first"),
    ("less-weak*-reflected", "torch", "torch.less needs a tensor first"),
    ("where-nonbool-cond", "torch", "torch.where needs a boolean condition"),
    ("reshape-flat", "torch", "torch.reshape needs a tuple shape"),
    ("reshape-any-negative-is-unknown", "torch", "torch.reshape only takes -1 as unknown"),
    ("reshape-any-negative-is-unknown", "jax", "jnp.reshape only takes -1 as unknown"),
    ("permute_dims", "torch", "autoray has no torch 'permute_dims'"),
    ("matrix_transpose", "torch", "autoray has no torch 'matrix_transpose'"),
    ("expand_dims-tuple*", "torch", "torch.unsqueeze takes a single dim"),
    ("getitem-slice-negstep", "torch", "torch slicing needs a positive step"),
    ("getitem-list-2d", "torch", "torch reads a nested list index as a tuple of indices"),
    ("getitem-adv-int-separated", "torch", "torch places the advanced dim after basic ints"),
    ("trace-3d-axes", "torch", "autoray's torch trace takes no axis1/axis2"),
    ("tensordot-int1", "torch", "torch.tensordot needs one dtype"),
    ("tensordot-pair-ints", "torch", "torch.tensordot needs lists of dims"),
    ("arange-empty", "torch", "torch.arange rejects an empty range with positive step"),
    ("linspace-noend", "torch", "torch.linspace has no endpoint"),
    ("complex-f64", "jax", "jax.lax.complex does not broadcast"),
    ("flatten", "jax", "autoray has no jax 'flatten'"),
    ("split-indices-neg", "jax", "jnp.split rejects out-of-range split points"),
    ("split-indices-unsorted", "jax", "jnp.split rejects unsorted split points"),
    ("getitem-list*", "jax", "jax rejects Python lists as indices"),
    ("take-axis*", "jax", "jnp.take rejects Python lists as indices"),
]


def _apply_limits():
    from fnmatch import fnmatchcase

    for pattern, backend, why in _LIMITS:
        hits = [r for r in RECORDS if fnmatchcase(r.id, pattern)]
        if not hits:
            raise ValueError(f"limit pattern {pattern!r} matches no record")
        for r in hits:
            r.skip.setdefault(backend, why)


op_records_elementwise.define(rec, In, X, by_id)
op_records_structural.define(rec, In, X, by_id)
_apply_limits()
