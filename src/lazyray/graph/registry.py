"""The op registry: every op is declared once, with its rules beside it.

An :class:`OpDef` names an op, its family, the backend function to resolve
through ``autoray.get_lib_fn`` (or a backend-independent implementation), a
shape rule and a dtype rule.  Passes and statistics ask questions about an op
through its *name* (``node.fn_name in CONTRACTION``), never by comparing
backend callables, so a graph can be retargeted to another backend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import autoray

# families
UNARY = "unary"
BINARY = "binary"
TERNARY = "ternary"
REDUCTION = "reduction"
MOVEMENT = "movement"
INDEXING = "indexing"
CONTRACTION = "contraction"
LINALG = "linalg"
CREATION = "creation"
COMBINE = "combine"
LEAF = "leaf"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class OpDef:
    """Declaration of one op.

    Attributes
    ----------
    name : str
        Canonical op name (numpy's where numpy has one), e.g. ``"tensordot"``.
    family : str
        One of the family constants of this module.
    fn_name : str or None
        Name looked up with ``autoray.get_lib_fn(backend, fn_name)``.
    impl : callable or None
        A backend-independent implementation, used instead of ``fn_name``
        (e.g. ``operator.getitem``); or a factory ``impl(backend) -> callable``
        when ``impl_is_factory`` is set.
    nout : int
        Number of outputs (> 1 for multi-output ops such as ``linalg.svd``).
    """

    name: str
    family: str
    fn_name: str | None = None
    impl: Callable | None = None
    impl_is_factory: bool = False
    nout: int = 1
    np_fn: Callable | None = None


OPS: dict[str, OpDef] = {}


def register(
    name, family, fn_name=None, *, impl=None, impl_is_factory=False, nout=1, np_fn=None
) -> OpDef:
    """Declare an op; each name may be declared only once."""
    if name in OPS:
        raise ValueError(f"op {name!r} is already registered")
    if fn_name is None and impl is None:
        fn_name = name
    OPS[name] = op = OpDef(name, family, fn_name, impl, impl_is_factory, nout, np_fn)
    return op


def get_op(name: str) -> OpDef:
    """Look up an op by name, with a helpful error.

    >>> get_op("tensordot").family
    'contraction'
    """
    try:
        return OPS[name]
    except KeyError:
        close = sorted(n for n in OPS if n[:3] == name[:3])
        raise KeyError(
            f"unknown op {name!r}" + (f"; did you mean one of {close}?" if close else "")
        ) from None


_FNS: dict = {}


def resolve(backend: str | None, name: str) -> Callable:
    """The callable that computes op ``name`` on ``backend`` (cached).

    >>> import numpy as np
    >>> resolve("numpy", "matmul") is np.matmul
    True
    """
    key = (backend, name)
    try:
        return _FNS[key]
    except KeyError:
        pass
    op = get_op(name)
    if op.impl is not None:
        fn = op.impl(backend or "numpy") if op.impl_is_factory else op.impl
    else:
        fn = autoray.get_lib_fn(backend or "numpy", op.fn_name)
    _FNS[key] = fn
    return fn


#: ``(backend, op name) -> wrapper`` giving a backend function numpy's
#: meaning where the op's implementation cannot (filled by the op modules,
#: e.g. :data:`lazyray.ops.torch_numpy.TORCH_NUMPY_WRAPS`)
NUMPY_WRAPS: dict = {}

#: ``backend -> factory(fn or None, op name)``: a backend callable given
#: numpy's meaning as a whole, computing on the host what the backend lacks
#: or refuses (``None``: the backend has no such function); filled by the
#: op modules, e.g. :mod:`lazyray.ops.portable_cupy`
NUMPY_HOSTS: dict = {}


def resolve_numpy(backend: str | None, name: str) -> Callable:
    """The callable that computes op ``name`` on ``backend`` with numpy's
    meaning (numpy's result dtypes, numpy's forms of the arguments): what a
    graph traced on numpy runs when it is retargeted to ``backend`` (cached).

    Ops whose backend function differs from numpy's declare it with an
    ``impl`` factory flagged ``numpy_semantics`` (see
    :func:`lazyray.ops.portable_torch.numpy_typed`); the others resolve as
    :func:`resolve` does.

    >>> import numpy as np
    >>> resolve_numpy("numpy", "sin") is np.sin
    True
    """
    key = (backend, name, "numpy")
    try:
        return _FNS[key]
    except KeyError:
        pass
    op = get_op(name)
    host = NUMPY_HOSTS.get(backend)
    try:
        if op.impl_is_factory and getattr(op.impl, "numpy_semantics", False):
            fn = op.impl(backend or "numpy", numpy_semantics=True)
        else:
            fn = resolve(backend, name)
            wrap = NUMPY_WRAPS.get((backend, name))
            fn = fn if wrap is None else wrap(fn)
    except ImportError:  # the backend has no such function
        if host is None:
            raise
        fn = None
    if host is not None:
        fn = host(fn, name)
    _FNS[key] = fn
    return fn
