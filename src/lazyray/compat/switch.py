"""The opt-in switch (:func:`patch_autoray`, :func:`unpatch_autoray`,
:func:`autoray_patched`): autoray's lazy module and its submodules replaced
by lazyray in ``sys.modules`` and in the namespaces that bound them."""

from __future__ import annotations

import sys
import threading
import types

from ..graph.node import LazyArray
from .autoray import SPECIALS, register_complexity_costs

_LOCK = threading.RLock()
_STATE = {"depth": 0, "undo": []}
_LAZY = "autoray.lazy"  # the module key this opt-in switch replaces (never imported)
#: autoray's lazy submodules, and the submodules autoray imports by name for
#: ``do("fft.fft", x)``, ``do("scipy.linalg.expm", x)``, ``do("random.uniform",
#: like=...)`` on the backend :data:`_LAZY`: the lazyray modules standing in
#: for them (else autoray would import a second copy of lazyray's modules
#: under that package name, whose arrays are of another class)
_SUBMODULES = {
    "core": "core",
    "linalg": "linalg",
    "draw": "inspect.draw",
    "fft": "fft",
    "random": "random",
    "scipy": "scipy",
    "scipy.linalg": "scipy.linalg",
}


def _namespace():
    """The package root, :mod:`lazyray`: always imported before its
    submodules, and bound late here since the root imports this layer."""
    return sys.modules[__name__.split(".")[0]]


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
    """Make autoray's lazy module be lazyray, for code that hard-codes it.

    After this call:

    * ``autoray.lazy`` (the attribute, ``sys.modules["autoray.lazy"]`` and
      the ``lazy`` that ``autoray.compiler`` bound with ``from . import
      lazy``, which ``autoray.autojit`` traces with) is :mod:`lazyray`, and
      ``autoray.lazy.core``/``.linalg``/``.draw`` are :mod:`lazyray.core`,
      :mod:`lazyray.linalg`, :mod:`lazyray.inspect.draw` (and ``.fft``,
      ``.random``, ``.scipy.linalg``, which autoray imports for
      ``do("fft.fft", x)``..., lazyray's own); other imported modules
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
    lazyray autoray.lazy
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


def _set(mapping: dict, key, value, undo: list) -> None:
    """``mapping[key] = value``, undone by :func:`_restore`."""
    old = mapping.get(key, _MISSING)
    mapping[key] = value
    undo.append(lambda: _restore(mapping, key, old))


def _restore(mapping: dict, key, old) -> None:
    """Put ``old`` back under ``key`` (remove the key where it was missing)."""
    if old is _MISSING:
        mapping.pop(key, None)
    else:
        mapping[key] = old


_MISSING = object()


def _install(undo: list) -> None:
    import importlib

    import autoray.compiler  # noqa: F401 - binds ``lazy`` with ``from . import lazy``
    from autoray import autoray as _ar

    lazyray = _namespace()
    ours = {_LAZY: lazyray}
    for sub in _SUBMODULES:
        ours[f"{_LAZY}.{sub}"] = importlib.import_module(f"lazyray.{_SUBMODULES[sub]}")
    originals = {k: sys.modules.get(k) for k in ours}
    if originals[_LAZY] is lazyray:  # already installed by other means (a test harness)
        originals = {}
    # 1. the modules themselves
    for key, mod in ours.items():
        _set(sys.modules, key, mod, undo)
    # 2. references to the original modules and to their public objects, in
    # every imported module (``autoray``, ``autoray.compiler``, quimb's
    # ``from autoray import lazy``...)
    swap = _swap_table(originals, ours)
    if swap:
        _rebind(swap, set(map(id, originals.values())), undo)
    # 3. autoray's dispatch: lazyray arrays are the backend "autoray.lazy"
    funcs = _ar._FUNCS
    for key in [k for k in funcs if k[0] == _LAZY and _defined_in(funcs[k])]:
        fn = funcs.pop(key)
        undo.append(lambda k=key, f=fn: funcs.__setitem__(k, f))
    for name, fn in SPECIALS.items():
        _set(funcs, (_LAZY, name), fn, undo)
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
                _set(vars(core), name, getattr(lazy_core, name), undo)
    # 5. complexity tracing
    undo.extend(register_complexity_costs())


def _defined_in(obj, prefix: str = _LAZY) -> bool:
    return str(getattr(obj, "__module__", "") or "").startswith(prefix)


def _drop_ours(funcs: dict) -> None:
    """Forget the lookups of lazyray functions cached under "autoray.lazy"."""
    for key in [k for k in funcs if k[0] == _LAZY and _defined_in(funcs[k], "lazyray")]:
        del funcs[key]


def _restore_namespaces(spaces: dict, saved: dict) -> None:
    for key in [k for k in spaces if k[0] == _LAZY]:
        del spaces[key]
    spaces.update(saved)


def _restore_backend(_ar, old) -> None:
    _restore(_ar._CUSTOM_BACKENDS, LazyArray, old)
    _ar._invalidate_backend_inference_caches()


def _swap_table(originals: dict, ours: dict) -> dict:
    """``{id(original object): (original, replacement)}``: the original
    modules, and the public functions and classes of ``autoray.lazy`` that
    lazyray has under the same name."""
    swap = {id(mod): (mod, ours[key]) for key, mod in originals.items() if mod is not None}
    original = originals.get(_LAZY)
    if original is not None:
        lazyray = _namespace()
        for name in getattr(original, "__all__", ()):
            obj = getattr(original, name, None)
            new = getattr(lazyray, name, None)
            if new is not None and isinstance(obj, (type, types.FunctionType)) and _defined_in(obj):
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
