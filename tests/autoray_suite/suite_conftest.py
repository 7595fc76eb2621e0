"""Pytest conftest that runs autoray's own lazy test suite against lazyray.

``run.py`` copies this file, as ``conftest.py``, into the root of the
directory where autoray's test files were extracted. When pytest configures
itself (before any test module is imported) it makes lazyray *be*
``autoray.lazy``:

- ``sys.modules["autoray.lazy"]`` (so ``from autoray import lazy`` and
  ``from autoray.lazy import descend`` find lazyray), and its submodules
  (``core``, ``linalg``, ``draw``) where lazyray has counterparts;
- the ``lazy`` attribute of ``autoray`` and of every imported ``autoray``
  submodule that bound the original with ``from . import lazy``
  (``autoray.compiler``, which ``autojit`` traces with);
- in autoray's dispatch table, the functions the original module registered
  for the backend name ``"autoray.lazy"`` (``to_device``, ``from_numpy``,
  ``astype``, ``to_numpy``, ``get_dtype_name``) are removed, and whatever
  lazyray registered for its own backend name ``"lazyray"`` is registered
  under ``"autoray.lazy"`` too, so ``like="autoray.lazy"`` means lazyray.

Nothing else of autoray is touched: where lazyray needs more from it (a
multi-dispatch priority, say), that is a lazyray gap to fix, not something
this harness may paper over.

Tests where lazyray deliberately differs from ``autoray.lazy`` (and is
better) are marked ``xfail(strict=True)`` from :data:`XFAILS`, one written
reason each, so that a test that starts passing is reported.

With ``LAZYRAY_AUTORAY_SUITE_AS_BACKEND=1`` (``run.py --as-backend``),
``autoray.lazy`` is left alone and lazyray instead joins the backends that
autoray's backend tests (``test_autoray.py``, ``test_linalg.py``) are
parametrized over (:func:`add_lazyray_backend`).  Those tests read every
result with ``ar.to_numpy``, which for a lazy array refuses an uncomputed
node (as autoray.lazy does, and its own suite checks); in this mode only,
the harness's ``to_numpy`` for the backend "lazyray" computes the node first.
Deliberate differences there are in :data:`BACKEND_XFAILS`.

With the environment variable ``LAZYRAY_AUTORAY_SUITE_BASELINE=1``
(``run.py --baseline``) nothing is replaced and nothing is marked: the suite
runs on the real ``autoray.lazy``, for comparison.

autoray's tests draw their operands from unseeded random generators (autoray
seeds jax's from ``SystemRandom``), so a test such as ``test_cholesky`` of a
random float32 Gram matrix fails now and then, on autoray.lazy too, when the
matrix drawn is numerically singular. Before each test the harness seeds
numpy's, torch's and autoray's jax generator from the test's node id: every run
draws the same operands, and a failure reproduces.

Importing this module does nothing: everything happens in pytest hooks, so the
project's own ``pytest --doctest-modules`` can import it harmlessly.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import types

import pytest

#: ``{node id pattern: reason}``. A pattern matches the end of a node id
#: (``test_lazy.py::test_x[numpy]``); ``*`` is the only wildcard, every other
#: character (brackets included) is literal. Each is ``xfail(strict=True,
#: raises=AssertionError)``: an xfailed test must fail on the assertion that
#: checks the difference, not on some other error.
XFAILS: dict[str, str] = {
    "test_lazy.py::test_lazy_mgs[*]": (
        "repr shows the static dtype: <LazyArray(fn=stack, shape=(5, 5), "
        "dtype=float64, backend=...)>; and conj of a real array is that array "
        "(as in jax and torch): 47 nodes of 8 ops, not 57 of 9 (the values match)"
    ),
    "test_lazy.py::test_manual_construct": (
        "get_source is real Python (def graph(): foo_0 = foo((const_0, ...)) ...), "
        "not autoray's pseudo-source lines"
    ),
    "test_lazy.py::test_history_fn_frequencies": (
        "op names do not depend on the backend callable: 'abs', 'divide' and "
        "leaves 'array', not numpy's 'absolute', operator's 'truediv', 'None'"
    ),
    "test_lazy.py::test_matmul_shape_error[shape13-shape23]": (
        "(2,2,3,4) @ (1,2,4,5) is valid: numpy broadcasts the batch dims to "
        "(2,2,3,5), and lazyray follows numpy"
    ),
}

#: ``{node id pattern: (reason, exception)}`` for ``--as-backend`` runs: strict
#: xfails that must fail with ``exception``
BACKEND_XFAILS: dict[str, tuple[str, type]] = {
    "test_autoray.py::test_to_device_cpu[lazyray-*]": (
        "a lazy array refuses every device move, the cpu included, as autoray.lazy "
        "does and as its own test_lazy.py::test_to_device_unsupported requires",
        TypeError,
    ),
}

_ORIGINAL: dict[str, object] = {}
_BASELINE = os.environ.get("LAZYRAY_AUTORAY_SUITE_BASELINE", "") not in ("", "0")
_AS_BACKEND = os.environ.get("LAZYRAY_AUTORAY_SUITE_AS_BACKEND", "") not in ("", "0")
_MATCHED: set[str] = set()


def _compile(pattern: str) -> re.Pattern:
    return re.compile("(?:^|.*[/:])" + re.escape(pattern).replace(r"\*", ".*") + "$")


def install_lazyray() -> types.ModuleType:
    """Make ``autoray.lazy`` (and every reference to it in autoray) be lazyray.

    Returns
    -------
    module
        The original ``autoray.lazy`` module (restored by
        :func:`uninstall_lazyray`).
    """
    import autoray
    import autoray.compiler  # noqa: F401 - binds ``lazy`` with ``from . import lazy``

    import lazyray

    original = sys.modules["autoray.lazy"]
    if original is lazyray:  # already installed
        return _ORIGINAL["autoray.lazy"]
    for name in list(sys.modules):
        if name == "autoray.lazy" or name.startswith("autoray.lazy."):
            _ORIGINAL[name] = sys.modules[name]
    sys.modules["autoray.lazy"] = lazyray
    # autoray.lazy's submodules -> lazyray's counterparts where they exist
    # (the originals are dropped where lazyray has none)
    for sub in ("core", "linalg", "draw"):
        key = f"autoray.lazy.{sub}"
        try:
            sys.modules[key] = importlib.import_module(f"lazyray.{sub}")
        except ImportError:
            sys.modules.pop(key, None)
    # every autoray module holding a reference to the original lazy module
    for name, mod in list(sys.modules.items()):
        if (name == "autoray" or name.startswith("autoray.")) and mod is not None:
            for attr, value in list(vars(mod).items()):
                if value is original:
                    _ORIGINAL[f"{name}:{attr}"] = value
                    setattr(mod, attr, lazyray)
    # autoray.lazy registered its own dispatch specials (``to_device``,
    # ``from_numpy``, ``astype``, ...) under the backend name "autoray.lazy":
    # drop them (and any cached lookup), and let that name mean lazyray, with
    # whatever lazyray registered for its own backend name
    funcs = sys.modules["autoray.autoray"]._FUNCS
    for key in [k for k in funcs if k[0] == "autoray.lazy"]:
        _ORIGINAL[f"_FUNCS:{key[1]}"] = funcs.pop(key)
    for key in [k for k in funcs if k[0] == "lazyray"]:
        funcs["autoray.lazy", key[1]] = funcs[key]
    assert autoray.lazy is lazyray
    assert sys.modules["autoray.compiler"].lazy is lazyray
    return original


def uninstall_lazyray() -> None:
    """Undo :func:`install_lazyray`."""
    funcs = sys.modules["autoray.autoray"]._FUNCS
    for key in [k for k in funcs if k[0] == "autoray.lazy"]:
        del funcs[key]
    for key, value in _ORIGINAL.items():
        if key.startswith("_FUNCS:"):
            funcs["autoray.lazy", key[len("_FUNCS:") :]] = value
        elif ":" in key:
            name, attr = key.split(":")
            setattr(sys.modules[name], attr, value)
        else:
            sys.modules[key] = value
    _ORIGINAL.clear()


def add_lazyray_backend() -> None:
    """Add ``"lazyray"`` to the backends of autoray's test conftest (before
    the test modules, which parametrize over them, are imported), and make
    ``ar.to_numpy`` compute an uncomputed lazyray node (see the module
    docstring)."""
    import autoray
    import autoray_tests.conftest as backends
    import numpy as np

    import lazyray

    if "lazyray" not in backends._ALL_BACKENDS:
        backends._ALL_BACKENDS.append("lazyray")
    backends._AVAILABLE_BACKENDS.add("lazyray")

    def to_numpy(x):
        if isinstance(x, lazyray.LazyArray):
            x = lazyray.compute(x)
        return autoray.to_numpy(x) if not isinstance(x, np.ndarray) else x

    autoray.register_function("lazyray", "to_numpy", to_numpy)


def pytest_configure(config):
    if _AS_BACKEND:
        add_lazyray_backend()
    elif not _BASELINE:
        install_lazyray()


def pytest_unconfigure(config):
    if not _AS_BACKEND:
        uninstall_lazyray()


def pytest_runtest_setup(item):
    import importlib.util
    import zlib

    import numpy as np

    seed = zlib.crc32(item.nodeid.encode())
    np.random.seed(seed)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)
    if importlib.util.find_spec("jax") is not None:
        import autoray

        autoray.do("random.seed", seed, like="jax")


def pytest_report_header(config):
    import importlib.util

    import autoray

    backends = ("numpy", "torch", "jax", "dask", "tensorflow", "cupy", "sparse", "mlx")
    found = [b for b in backends if importlib.util.find_spec(b) is not None]
    lazy = sys.modules["autoray.lazy"]
    target = "BASELINE: the real autoray.lazy" if _BASELINE else "autoray.lazy -> lazyray"
    if _AS_BACKEND:
        target = "lazyray as one more backend; autoray.lazy untouched"
    return [
        f"autoray {autoray.__version__}, {target} "
        f"{getattr(lazy, '__version__', '')} ({lazy.__file__})",
        f"backends installed: {', '.join(found)}",
        f"lazyray strict mode: {os.environ.get('LAZYRAY_STRICT', '0') not in ('', '0')}; "
        f"deliberate differences (strict xfail): {len(_xfails())} patterns",
    ]


def pytest_collection_modifyitems(config, items):
    if _BASELINE:
        return
    compiled = [(p, _compile(p), *_xfails()[p]) for p in _xfails()]
    for item in items:
        for pattern, regex, reason, raises in compiled:
            if regex.match(item.nodeid):
                _MATCHED.add(pattern)
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True, raises=raises))
                break


def _xfails() -> dict[str, tuple[str, type]]:
    """The strict xfails of this run: ``{pattern: (reason, exception)}``."""
    if _AS_BACKEND:
        return BACKEND_XFAILS
    return {p: (reason, AssertionError) for p, reason in XFAILS.items()}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    unused = [p for p in _xfails() if p not in _MATCHED]
    if unused and not _BASELINE and not config.option.keyword and not config.option.markexpr:
        terminalreporter.write_line(
            "xfail patterns that matched no collected test: " + ", ".join(unused)
        )
