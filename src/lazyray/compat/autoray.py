"""lazyray in autoray's dispatch, and the opt-in ``autoray.lazy`` switch.

Always (on ``import lazyray``, :func:`register_autoray`):

* autoray's special functions for the backend ``"lazyray"``, as
  ``autoray.lazy`` registers them for ``"autoray.lazy"``: ``to_device``
  (``None`` returns the array, any device raises ``TypeError``),
  ``from_numpy``, ``astype``, ``to_numpy`` (a value only once computed) and
  ``get_dtype_name``;
* a multi-dispatch priority above every array library (autoray's
  ``multi_class_priorities``), so ``do("tensordot", torch_tensor, lazy)``
  and ``do("einsum", eq, numpy_array, lazy)`` dispatch to lazyray.

On request (:func:`patch_autoray`, undone by :func:`unpatch_autoray` or by
leaving its ``with`` block): lazyray *becomes* ``autoray.lazy``, so code
that hard-codes ``autoray.lazy`` (cotengra's
``array_contract_expression(constants=...)`` and ``CompressedTracedObjective``,
``autoray.autojit``, quimb's lazy ``svd_truncated``/``qr_stabilized`` and
``tnvmc``) runs on lazyray.
"""

from __future__ import annotations

import sys
import threading
import types

from ..array import LazyArray, array

__all__ = [
    "register_autoray",
    "patch_autoray",
    "unpatch_autoray",
    "autoray_patched",
    "AutorayPatch",
    "register_complexity_costs",
]

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
    ``TypeError`` (as ``autoray.lazy``).

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
    given); any ``device`` raises ``TypeError``.

    >>> import numpy as np, autoray
    >>> autoray.do("from_numpy", np.ones(2), dtype="float32", like="lazyray").dtype
    dtype('float32')
    """
    if device is not None:
        raise _no_device(f"from_numpy(device={device!r})")
    lx = array(x)
    if dtype is not None:
        lx = lazy_astype(lx, dtype)
    return lx


def lazy_astype(x, dtype, **kwargs):
    """``autoray.astype``: :func:`lazyray.astype` (the same node when the
    dtype does not change)."""
    from .. import ops

    x = array(x)
    if isinstance(dtype, str) and dtype == x._dtype:
        return x
    return ops.astype(x, dtype)


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
    import autoray

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
    """Register lazyray's dispatch specials and multi-dispatch priority with
    autoray under ``backend`` (done on ``import lazyray``).

    >>> import autoray, numpy as np, lazyray
    >>> autoray.autoray.multi_class_priorities["lazyray"]
    1
    >>> y = autoray.do("tensordot", np.ones((3, 4)), lazyray.Variable((4, 2)), axes=1)
    >>> type(y).__name__, y.shape
    ('LazyArray', (3, 2))
    """
    import autoray
    from autoray import autoray as _ar

    for name, fn in SPECIALS.items():
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


def _tensordot_axes(x):
    """The ``((a...), (b...))`` axes of a tensordot node, kept positionally
    (autoray) or as a keyword (lazyray)."""
    args = x.args
    axes = args[2] if len(args) > 2 else x.kwargs.get("axes", 2)
    if isinstance(axes, int):
        n1 = len(args[0].shape)
        return tuple(range(n1 - axes, n1)), tuple(range(axes))
    return axes


def _wrap_tensordot(original):
    import math

    def cost_tensordot(x):
        if len(x.args) > 2:
            return original(x)
        x1, x2 = x.args[:2]
        cost = math.prod(x1.shape) * math.prod(x2.shape)
        a, _ = _tensordot_axes(x)
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


# ------------------------------------------------ the switch

_LOCK = threading.RLock()
_STATE = {"depth": 0, "undo": []}
_LAZY = "autoray.lazy"
_SUBMODULES = ("core", "linalg", "draw")


class AutorayPatch:
    """The handle :func:`patch_autoray` returns: a context manager whose exit
    undoes that call (once)."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open = True

    def __enter__(self) -> AutorayPatch:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Undo the :func:`patch_autoray` call that returned this handle."""
        if self._open:
            self._open = False
            unpatch_autoray()

    def __repr__(self) -> str:
        return f"<AutorayPatch {'active' if self._open else 'closed'}>"


def autoray_patched() -> bool:
    """Whether :func:`patch_autoray` is in effect.

    >>> import lazyray
    >>> autoray_patched()
    False
    >>> with lazyray.patch_autoray():
    ...     autoray_patched()
    True
    """
    return _STATE["depth"] > 0


def patch_autoray() -> AutorayPatch:
    """Make ``autoray.lazy`` be lazyray, for code that hard-codes it.

    After this call:

    * ``autoray.lazy`` (the attribute, ``sys.modules["autoray.lazy"]`` and
      the ``lazy`` that ``autoray.compiler`` bound with ``from . import
      lazy``, which ``autoray.autojit`` traces with) is :mod:`lazyray`, and
      ``autoray.lazy.core``/``.linalg``/``.draw`` are :mod:`lazyray.core`,
      :mod:`lazyray.linalg`, :mod:`lazyray.draw`; other imported modules
      that bound the original module (``from autoray import lazy``, as quimb
      does) see lazyray too;
    * lazyray arrays are autoray's backend ``"autoray.lazy"``: what client
      libraries registered for that backend (quimb's one-node lazy
      ``svd_truncated`` and ``qr_stabilized``) applies to them, and
      ``like="autoray.lazy"`` creates lazyray arrays; the original module's
      own registrations are set aside;
    * quimb's ``lazy_cache``-decorated functions share through
      :func:`lazyray.shared_intermediates`;
    * ``autoray.experimental.complexity_tracing`` knows lazyray's op names
      (see :func:`register_complexity_costs`).

    The switch is process-wide (all threads see it).  Calls nest: each call
    is undone by one :func:`unpatch_autoray` (or by leaving the ``with``
    block of the handle it returns), and the original state comes back when
    the last one is undone.  Nodes built by the original ``autoray.lazy``
    stay its nodes: build graphs entirely inside or entirely outside the
    switch.

    Returns
    -------
    AutorayPatch
        A context manager; its exit undoes this call.

    Examples
    --------
    >>> import autoray, lazyray
    >>> with lazyray.patch_autoray():
    ...     x = autoray.lazy.Variable((2, 3))
    ...     print(type(x).__module__, autoray.infer_backend(x))
    lazyray.array autoray.lazy
    >>> autoray.lazy is lazyray
    False
    """
    with _LOCK:
        _STATE["depth"] += 1
        if _STATE["depth"] == 1:
            undo: list = []
            try:
                _install(undo)
            except BaseException:
                _run(undo)
                _STATE["depth"] = 0
                raise
            _STATE["undo"] = undo
    return AutorayPatch()


def unpatch_autoray() -> bool:
    """Undo one :func:`patch_autoray` call; the original ``autoray.lazy``
    comes back when the last one is undone.  Returns whether a patch was in
    effect.

    >>> import lazyray
    >>> _ = lazyray.patch_autoray()
    >>> lazyray.unpatch_autoray(), lazyray.unpatch_autoray()
    (True, False)
    """
    with _LOCK:
        if _STATE["depth"] == 0:
            return False
        _STATE["depth"] -= 1
        if _STATE["depth"] == 0:
            undo, _STATE["undo"] = _STATE["undo"], []
            _run(undo)
        return True


def _run(undo: list) -> None:
    """Run undo actions, last first (all of them, re-raising the first error)."""
    error = None
    while undo:
        try:
            undo.pop()()
        except Exception as e:  # pragma: no cover - defensive
            error = error or e
    if error is not None:  # pragma: no cover
        raise error


def _set_module(key: str, value, undo: list) -> None:
    old = sys.modules.get(key, _MISSING)
    sys.modules[key] = value
    undo.append(lambda: _restore_module(key, old))


def _restore_module(key: str, old) -> None:
    if old is _MISSING:
        sys.modules.pop(key, None)
    else:
        sys.modules[key] = old


_MISSING = object()


def _install(undo: list) -> None:
    import importlib

    import autoray.compiler  # noqa: F401 - binds ``lazy`` with ``from . import lazy``
    from autoray import autoray as _ar

    import lazyray

    ours = {_LAZY: lazyray}
    for sub in _SUBMODULES:
        ours[f"{_LAZY}.{sub}"] = importlib.import_module(f"lazyray.{sub}")
    originals = {k: sys.modules.get(k) for k in ours}
    original = originals[_LAZY]
    if original is lazyray:  # already installed by other means (a test harness)
        originals = {}
    # 1. the modules themselves
    for key, mod in ours.items():
        _set_module(key, mod, undo)
    # 2. references to the original modules and to their public objects, in
    # every imported module (``autoray``, ``autoray.compiler``, quimb's
    # ``from autoray import lazy``...)
    swap = _swap_table(originals, ours)
    if swap:
        _rebind(swap, set(map(id, originals.values())), undo)
    # 3. autoray's dispatch: lazyray arrays are the backend "autoray.lazy"
    funcs = _ar._FUNCS
    for key in [k for k in funcs if k[0] == _LAZY and _from_original(funcs[k])]:
        fn = funcs.pop(key)
        undo.append(lambda k=key, f=fn: funcs.__setitem__(k, f))
    for name, fn in SPECIALS.items():
        old = funcs.get((_LAZY, name), _MISSING)
        funcs[_LAZY, name] = fn
        undo.append(lambda n=name, o=old: _restore_func(funcs, (_LAZY, n), o))
    undo.append(lambda: _drop_ours(funcs))
    # namespaces (``get_namespace("autoray.lazy")``, as cotengra's contraction
    # expressions use) cache the functions they looked up: set them aside
    spaces = getattr(_ar, "_NAMESPACE_CACHE", {})
    saved = {k: spaces.pop(k) for k in [k for k in spaces if k[0] == _LAZY]}
    undo.append(lambda: _restore_namespaces(spaces, saved))
    old_backend = _ar._CUSTOM_BACKENDS.get(LazyArray, _MISSING)
    _ar.register_backend(LazyArray, _LAZY)
    undo.append(lambda: _restore_backend(_ar, old_backend))
    # 4. lazy_cache wrappers made by the original module share through lazyray
    core = originals.get(f"{_LAZY}.core")
    if core is not None:
        from . import lazy_core

        for name in ("currently_sharing", "get_sharing_cache"):
            if hasattr(core, name):
                old = getattr(core, name)
                setattr(core, name, getattr(lazy_core, name))
                undo.append(lambda n=name, o=old: setattr(core, n, o))
    # 5. complexity tracing
    undo.extend(register_complexity_costs())


def _from_original(fn) -> bool:
    return str(getattr(fn, "__module__", "") or "").startswith(_LAZY)


def _restore_func(funcs: dict, key, old) -> None:
    if old is _MISSING:
        funcs.pop(key, None)
    else:
        funcs[key] = old


def _drop_ours(funcs: dict) -> None:
    """Forget the lookups of lazyray functions cached under "autoray.lazy"."""
    for key in [k for k in funcs if k[0] == _LAZY]:
        if str(getattr(funcs[key], "__module__", "") or "").startswith("lazyray"):
            del funcs[key]


def _restore_namespaces(spaces: dict, saved: dict) -> None:
    for key in [k for k in spaces if k[0] == _LAZY]:
        del spaces[key]
    spaces.update(saved)


def _restore_backend(_ar, old) -> None:
    if old is _MISSING:
        _ar._CUSTOM_BACKENDS.pop(LazyArray, None)
    else:
        _ar._CUSTOM_BACKENDS[LazyArray] = old
    _ar._invalidate_backend_inference_caches()


def _swap_table(originals: dict, ours: dict) -> dict:
    """``{id(original object): (original, replacement)}``: the original
    modules, and the public functions and classes of ``autoray.lazy`` that
    lazyray has under the same name."""
    swap = {}
    for key, mod in originals.items():
        if mod is not None:
            swap[id(mod)] = (mod, ours[key])
    original = originals.get(_LAZY)
    if original is not None:
        import lazyray

        for name in getattr(original, "__all__", ()):
            obj = getattr(original, name, None)
            new = getattr(lazyray, name, None)
            if (
                new is not None
                and isinstance(obj, (type, types.FunctionType))
                and str(getattr(obj, "__module__", "")).startswith(_LAZY)
            ):
                swap[id(obj)] = (obj, new)
    return swap


#: top-level packages that never reference ``autoray.lazy`` (lazyray itself,
#: and large libraries below autoray), not scanned by :func:`_rebind`
_UNRELATED = frozenset(
    "lazyray torch jax jaxlib numpy scipy matplotlib sympy pandas numba llvmlite "
    "networkx _pytest pytest hypothesis IPython ipykernel setuptools pkg_resources "
    "pip tensorflow cupy dask distributed".split()
)


def _rebind(swap: dict, skip: set, undo: list) -> None:
    """Point every module-level reference to an original object at its
    replacement (lazyray's and the original modules themselves excepted)."""
    ids = set(swap)
    for mod in list(sys.modules.values()):
        if mod is None or id(mod) in skip:
            continue
        modname = str(getattr(mod, "__name__", ""))
        if modname.partition(".")[0] in _UNRELATED or modname.startswith(_LAZY):
            continue
        try:
            namespace = vars(mod)
            if ids.isdisjoint(map(id, list(namespace.values()))):  # the fast path, in C
                continue
            items = list(namespace.items())
        except TypeError:
            continue
        for attr, value in items:
            hit = swap.get(id(value))
            if hit is not None and hit[0] is value:
                try:
                    setattr(mod, attr, hit[1])
                except (AttributeError, TypeError):  # pragma: no cover - read-only
                    continue
                undo.append(lambda m=mod, a=attr, v=value: setattr(m, a, v))
