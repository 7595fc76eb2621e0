"""lazyray in autoray's dispatch (on ``import lazyray``,
:func:`register_autoray`), and the cost tables of autoray's complexity tracing
(:func:`register_complexity_costs`, for :func:`lazyray.patch_autoray`).

Registered for the backend ``"lazyray"``, as ``autoray.lazy`` registers them
for ``"autoray.lazy"``: autoray's special functions (:data:`SPECIALS`), quimb's
one-node lazy decompositions (:mod:`lazyray.compat.quimb_decomp`; set in
autoray's function cache, so they win over quimb's composed default whatever
the import order) and a multi-dispatch priority above every array library, so
``do("tensordot", torch_tensor, lazy)`` dispatches to lazyray.
"""

from __future__ import annotations

import math

import autoray

from ..graph.node import array
from ..ops.creation import is_cpu
from .quimb_decomp import DECOMPOSITIONS

__all__ = ["register_autoray", "register_complexity_costs"]

#: autoray's multi-dispatch priority of lazy arrays (numpy is -1, other
#: libraries 0, ``autoray.lazy`` 1)
PRIORITY = 1


# ------------------------------------------------ dispatch specials


def _no_device(what: str) -> TypeError:
    return TypeError(
        f"LazyArray objects cannot be moved to a device ({what}); lazyray arrays live "
        "where their backend computes them: wrap an array already on the device instead"
    )


def lazy_to_device(x, device=None):
    """``autoray.to_device``: ``device=None`` returns ``x``; any device raises
    ``TypeError``, the cpu included (as ``autoray.lazy``, whose own test
    ``test_to_device_unsupported`` requires it).

    >>> import lazyray, autoray
    >>> x = lazyray.Variable((2,))
    >>> autoray.to_device(x, None) is x
    True
    """
    if device is None:
        return x
    raise _no_device(f"to_device({device!r})")


def lazy_from_numpy(x, dtype=None, device=None):
    """``autoray.from_numpy``: a leaf wrapping ``x`` (cast when ``dtype`` is
    given); a ``device`` other than the cpu raises ``TypeError``.

    >>> import numpy as np, autoray
    >>> y = autoray.do("from_numpy", np.ones(2), dtype="float32", device="cpu", like="lazyray")
    >>> y.dtype
    dtype('float32')
    """
    if not is_cpu(device):
        raise _no_device(f"from_numpy(device={device!r})")
    return array(x) if dtype is None else lazy_astype(array(x), dtype)


def lazy_astype(x, dtype, **kwargs):
    """``autoray.astype``: :func:`lazyray.astype` (the same node when the
    dtype does not change)."""
    from .. import ops

    x = array(x)
    return x if isinstance(dtype, str) and dtype == x._dtype else ops.astype(x, dtype)


def lazy_to_numpy(x):
    """``autoray.to_numpy``: the numpy value of a computed (or leaf) lazy
    array; ``TypeError`` before it is computed (as ``autoray.lazy``).

    >>> import numpy as np, autoray, lazyray
    >>> y = lazyray.array(np.arange(3.0)) + 1
    >>> autoray.to_numpy(y)
    Traceback (most recent call last):
    ...
    TypeError: LazyArray objects cannot be converted to numpy eagerly (fn=add, ...
    >>> _ = y.compute()
    >>> autoray.to_numpy(y)
    array([1., 2., 3.])
    """
    if x._data is None:
        raise TypeError(
            f"LazyArray objects cannot be converted to numpy eagerly (fn={x._op}, "
            f"shape={x._shape}), call `.compute()` first."
        )
    return autoray.to_numpy(x._data)


def lazy_get_dtype_name(x) -> str:
    """``autoray.get_dtype_name``: the static dtype name."""
    return x._dtype


SPECIALS = {
    "to_device": lazy_to_device,
    "from_numpy": lazy_from_numpy,
    "astype": lazy_astype,
    "to_numpy": lazy_to_numpy,
    "get_dtype_name": lazy_get_dtype_name,
}


def register_autoray(backend: str = "lazyray") -> None:
    """Register lazyray's dispatch specials, quimb's one-node lazy
    decompositions and the multi-dispatch priority with autoray under
    ``backend`` (done on ``import lazyray``).

    >>> import autoray, numpy as np, lazyray
    >>> autoray.autoray.multi_class_priorities["lazyray"]
    1
    >>> y = autoray.do("tensordot", np.ones((3, 4)), lazyray.Variable((4, 2)), axes=1)
    >>> type(y).__name__, y.shape
    ('LazyArray', (3, 2))
    """
    from autoray import autoray as _ar

    for name, fn in {**SPECIALS, **DECOMPOSITIONS}.items():
        autoray.register_function(backend, name, fn)
    if _ar.multi_class_priorities.get(backend) != PRIORITY:
        _ar.multi_class_priorities[backend] = PRIORITY
        _ar._infer_class_backend_multi_cached.cache_clear()


# ------------------------------------------------ complexity tracing costs

#: lazyray op name -> the name autoray's ``complexity_tracing`` tables use
#: for the same operation (numpy's callable names, operator names)
COST_ALIASES = {
    "array": "None",
    "variable": "None",
    "item": "getitem",
    "multiply": "mul",
    "divide": "truediv",
    "true_divide": "truediv",
    "negative": "neg",
    "power": "pow",
    "power_operator": "pow",
    "square": "pow",
    "abs": "absolute",
    "linalg.svd": "svd",
    "linalg.qr": "qr",
    "linalg.eigh": "eigh",
    "linalg.norm": "norm",
}


def _wrap_tensordot(original):
    def cost_tensordot(x):
        if len(x.args) > 2:  # the axes kept positionally (autoray's nodes)
            return original(x)
        x1, x2 = x.args
        cost = math.prod(x1.shape) * math.prod(x2.shape)
        axes = x.kwargs.get("axes", 2)  # (lazyray's nodes keep it as a keyword)
        a = range(len(x1.shape) - axes, len(x1.shape)) if isinstance(axes, int) else axes[0]
        for d in (a,) if isinstance(a, int) else a:
            cost //= x1.shape[d]
        return cost

    cost_tensordot.__wrapped__ = original
    return cost_tensordot


def register_complexity_costs() -> list:
    """Teach ``autoray.experimental.complexity_tracing`` lazyray's graphs:
    lazyray's op names as aliases of its cost entries, and tensordot nodes
    with the axes as a keyword.  Done by :func:`patch_autoray`; returns the
    undo actions.

    >>> import lazyray
    >>> from autoray.experimental.complexity_tracing import compute_cost
    >>> a, b = lazyray.Variable((8, 8)), lazyray.Variable((8, 8))
    >>> undo = register_complexity_costs()
    >>> compute_cost(lazyray.tensordot(a, b, 1) * 2)
    576
    >>> for f in reversed(undo):
    ...     _ = f()
    """
    from autoray.experimental import complexity_tracing as ct

    undo = []
    for table in (ct.COSTS, ct.COST_SCALINGS):
        for ours, theirs in COST_ALIASES.items():
            if ours not in table and theirs in table:
                table[ours] = table[theirs]
                undo.append(lambda t=table, k=ours: t.pop(k, None))
        old = table.get("tensordot")
        if old is not None and not hasattr(old, "__wrapped__"):
            table["tensordot"] = _wrap_tensordot(old)
            undo.append(lambda t=table, v=old: t.__setitem__("tensordot", v))
    return undo
