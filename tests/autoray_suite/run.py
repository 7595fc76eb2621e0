"""Run autoray's own lazy test suite against lazyray.

autoray's ``tests/test_lazy.py`` and ``tests/test_autocompile.py`` are not
part of this repository: they are taken, unchanged, from the autoray sdist on
PyPI (``pip download autoray==0.11.0 --no-binary :all: --no-deps``, checked
against a pinned sha256), cached under ``.cache/autoray-suite/`` in the
repository root, and run by pytest in a subprocess, in their own rootdir, with
``suite_conftest.py`` (beside this file) as the root conftest. That conftest
swaps ``autoray.lazy`` for lazyray and marks lazyray's deliberate differences
as strict xfails. lazyray runs in strict mode (``LAZYRAY_STRICT=1`` unless set
otherwise, or ``--no-strict``), as in the project's own tests. Every backend
autoray's conftest finds installed (numpy, torch, jax, dask, ...) is exercised.

With ``--as-backend`` it runs autoray's tests of its backends instead
(``tests/test_autoray.py`` and ``tests/test_linalg.py``), lazyray added as one
more backend beside numpy, torch, jax...: the same generic calls
(``do("pad", x, ...)``, ``do("random.uniform", size=..., like=...)``,
``do("scipy.linalg.expm", x)``...) compared with numpy, lazyray's cases only.

Usage, from the repository root::

    python -m tests.autoray_suite.run            # the whole suite
    python -m tests.autoray_suite.run --as-backend  # lazyray as a backend
    python -m tests.autoray_suite.run -k mgs -x  # extra arguments go to pytest
    python -m tests.autoray_suite.run --baseline # the same on the real autoray.lazy

Exit status: pytest's (0 when everything passed or xfailed). When the sdist
cannot be downloaded (offline) the run is skipped with exit status 0 and a
message, unless the environment variable ``CI`` is set to a true value, where
it is an error. The same holds when the installed autoray is not the version
the tests come from, or when a backend named in ``--require-backends``
(default: ``numpy`` locally, ``numpy,torch,jax`` under CI) is not installed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import shutil
import sys
import tarfile
from pathlib import Path

try:  # run as ``python -m tests.autoray_suite.run``
    from tests import sdist_suites as outside
except ImportError:  # imported by pytest's doctest collection (tests/ is on sys.path)
    import sdist_suites as outside

AUTORAY_VERSION = "0.11.0"
SDIST_SHA256 = "ef9c23d8307f2e5030d10dd222d304401450157172a6fcc6f7456b6e82681bf4"
#: files taken from the sdist's ``tests/`` (the two suites, and what they import)
TEST_FILES = (
    "__init__.py",
    "conftest.py",
    "test_lazy.py",
    "test_autocompile.py",
    "test_autoray.py",
    "test_linalg.py",
)
SUITES = ("test_lazy.py", "test_autocompile.py")
#: autoray's tests of its backends, run with ``--as-backend``: lazyray joins
#: the backends they are parametrized over, and only its cases are selected
BACKEND_SUITES = ("test_autoray.py", "test_linalg.py")
#: the package the test files are extracted into (not ``tests``, which would
#: collide with this repository's own ``tests``)
PACKAGE = "autoray_tests"

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = outside.CACHE / "autoray-suite"

PYTEST_INI = """\
# written by tests/autoray_suite/run.py; keeps the repository's own pytest
# configuration (doctest-modules, testpaths) out of this run
[pytest]
addopts = -p no:doctest
filterwarnings = once
"""


def extract(sdist: Path, dest: Path) -> Path:
    """Extract the test files into ``dest/PACKAGE``; write conftest and ini."""
    pkg = dest / PACKAGE
    pkg.mkdir(parents=True, exist_ok=True)
    prefix = sdist.name[: -len(".tar.gz")] + "/tests/"
    with tarfile.open(sdist) as tar:
        for name in TEST_FILES:
            member = tar.getmember(prefix + name)
            data = tar.extractfile(member).read()
            target = pkg / name
            if not target.exists() or target.read_bytes() != data:
                target.write_bytes(data)
    shutil.copyfile(HERE / "suite_conftest.py", dest / "conftest.py")
    (dest / "pytest.ini").write_text(PYTEST_INI)
    return dest


def check_environment(version: str, required: list[str]) -> None:
    """Raise ``Unavailable`` if autoray or a required backend is wrong."""
    outside.check_installed("autoray", version)
    missing = [b for b in required if importlib.util.find_spec(b) is None]
    if missing:
        raise outside.Unavailable(f"required backends not installed: {', '.join(missing)}")


def main(argv: list[str] | None = None) -> int:
    default_backends = os.environ.get(
        "LAZYRAY_AUTORAY_SUITE_BACKENDS", "numpy,torch,jax" if outside.in_ci() else "numpy"
    )
    parser = argparse.ArgumentParser(
        allow_abbrev=False,
        prog="python -m tests.autoray_suite.run",
        description="Run autoray's test_lazy.py and test_autocompile.py against lazyray; "
        "unknown arguments are passed to pytest.",
    )
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--autoray-version", default=AUTORAY_VERSION)
    parser.add_argument(
        "--no-strict",
        action="store_true",
        help="do not run lazyray in strict mode (LAZYRAY_STRICT=1, as the project's tests)",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="run on the real autoray.lazy instead of lazyray, for comparison",
    )
    parser.add_argument(
        "--as-backend",
        action="store_true",
        help="run autoray's backend tests (test_autoray.py, test_linalg.py) with lazyray as "
        "one more backend, instead of the lazy suites",
    )
    parser.add_argument(
        "--require-backends",
        default=default_backends,
        help="comma-separated backends that must be installed (default: %(default)s)",
    )
    args, pytest_args = parser.parse_known_args(argv)
    version = args.autoray_version
    required = [b for b in args.require_backends.split(",") if b]

    try:
        check_environment(version, required)
        sha256 = SDIST_SHA256 if version == AUTORAY_VERSION else None
        sdist = outside.fetch_sdist(args.cache_dir, "autoray", version, sha256)
    except outside.Unavailable as e:
        if outside.in_ci():
            print(f"autoray suite: ERROR (CI is set): {e}", file=sys.stderr)
            return 2
        print(f"autoray suite: SKIPPED: {e}")
        return 0

    root = extract(sdist, args.cache_dir / f"autoray-{version}-tests")
    suites = [f"{PACKAGE}/{name}" for name in (BACKEND_SUITES if args.as_backend else SUITES)]
    if not any(not a.startswith("-") and PACKAGE in a for a in pytest_args):
        pytest_args = suites + pytest_args
    if args.as_backend:  # lazyray's cases only (the other backends are autoray's business)
        pytest_args = ["-k", "lazyray", *pytest_args]
    cmd = [
        sys.executable, "-m", "pytest", "-c", "pytest.ini", "--rootdir", ".",
        "-rfEX", *pytest_args,
    ]  # fmt: skip
    env = dict(os.environ)
    if args.baseline:
        env["LAZYRAY_AUTORAY_SUITE_BASELINE"] = "1"
    if args.as_backend:
        env["LAZYRAY_AUTORAY_SUITE_AS_BACKEND"] = "1"
    # every computed node's real shape and dtype checked against the inferred ones
    env.setdefault("LAZYRAY_STRICT", "0" if args.no_strict else "1")
    # the extraction root, so that ``autoray_tests`` is importable; nothing else
    env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [env.get("PYTHONPATH")])])
    print("autoray suite:", shlex.join(cmd[2:]), f"(in {root})", flush=True)
    rc, summary = outside.run_pytest(cmd, root, env)
    target = "autoray.lazy (baseline)" if args.baseline else "lazyray"
    what = "backend suite" if args.as_backend else "suite"
    print(f"autoray {version} {what} on {target}: {summary or 'no summary'} (exit {rc})")
    return rc


if __name__ == "__main__":
    sys.exit(main())
