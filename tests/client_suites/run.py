"""Run quimb's and cotengra's own tests of their lazy paths against lazyray.

The tests are not part of this repository: they are taken, unchanged, from
the quimb and cotengra sdists on PyPI (the versions CI installs, checked
against pinned sha256s), cached under ``.cache/client-suites/`` in the
repository root, and run by pytest in a subprocess, in their own rootdir,
with ``suite_conftest.py`` (beside this file) as the root conftest: it
switches ``autoray.lazy`` to lazyray with :func:`lazyray.patch_autoray`, as
a quimb or cotengra user does.  lazyray runs in strict mode
(``LAZYRAY_STRICT=1`` unless set otherwise), as in the project's own tests.

The selection (:data:`SUITES`) is every test of theirs that builds
``autoray.lazy`` graphs: quimb's ``ar.lazy.Variable`` tensor networks
(boundary contraction, HOTRG and CTMRG coarse graining, cyclic 3D networks,
the density-matrix boundary method checked with ``autoray.lazy.descend``) and
lazy decompositions; cotengra's ``einsum_expression`` with constants and
``autojit`` (traced with ``autoray.lazy``) and its lazy sliced contraction.
The four cyclic 3D cases periodic along z but not y are left out: cotengra's
optimal path search takes ~20 s on the first of them (on autoray.lazy too),
and they run no lazy code their siblings do not.

Usage, from the repository root::

    python -m tests.client_suites.run                # quimb and cotengra
    python -m tests.client_suites.run cotengra -x    # one; the rest goes to pytest
    python -m tests.client_suites.run --baseline     # on the real autoray.lazy

Exit status: 0 when every selected test passed.  Offline, or with other
versions installed, the run is skipped with exit status 0 and a message,
unless ``CI`` is set (see :mod:`tests.sdist_suites`).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tarfile
from pathlib import Path
from typing import NamedTuple

try:  # run as ``python -m tests.client_suites.run``
    from tests import sdist_suites as outside
except ImportError:  # imported by pytest's doctest collection (tests/ is on sys.path)
    import sdist_suites as outside

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = outside.CACHE / "client-suites"

PYTEST_INI = """\
# written by tests/client_suites/run.py; keeps the repository's own pytest
# configuration (doctest-modules, testpaths) out of this run
[pytest]
addopts = -p no:doctest -p no:cacheprovider
filterwarnings = ignore::UserWarning
"""


class Suite(NamedTuple):
    """A client's tests: ``version`` and ``sha256`` of its sdist, the test
    files and ``-k`` expression selected, and node ids left out."""

    version: str
    sha256: str
    files: tuple
    keyword: str
    deselect: tuple = ()


SUITES = {
    "quimb": Suite(
        "1.16.0",
        "b5ba4b7172fb516d053ed52150f8b04196fb13f1f226e9e691f61cf2de4b67f1",
        (
            "test_tensor/test_decomp.py",
            "test_tensor/test_tn1d/test_compress.py",
            "test_tensor/test_tn2d/test_core.py",
            "test_tensor/test_tn3d/test_core.py",
        ),
        "lazy or stopping_criterion or coarse_grain_basics or contract_cyclic"
        " or dm_layered_norm_decomposition_size",
        tuple(  # (ids: mode-cyclicz-cyclicy-cyclicx)
            f"test_tensor/test_tn3d/test_core.py::Test3DManualContract::test_contract_cyclic[{m}]"
            for m in (
                "hotrg-True-False-False",
                "ctmrg-True-False-False",
                "hotrg-True-False-True",
                "ctmrg-True-False-True",
            )
        ),
    ),
    "cotengra": Suite(
        "0.8.3",
        "848ca60c61d932d1747774fe40d87de90c899d0327c7d6f90c5eff1d617126bc",
        ("test_compute.py",),
        # (the HyperOptimizer cases of einsum_expression: 2-3 s of path search each)
        "(einsum_expression and not optimizer) or lazy or exponent_stripping",
    ),
}


def extract(sdist: Path, dest: Path, package: str) -> Path:
    """Extract the sdist's ``tests/`` as the package ``<package>_tests`` of
    ``dest`` (not ``tests``: this repository's own); write conftest and ini."""
    top = sdist.name[: -len(".tar.gz")] + "/tests/"
    pkg = f"{package}_tests/"
    with tarfile.open(sdist) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(top):
                target = dest / (pkg + member.name[len(top) :])
                data = tar.extractfile(member).read()
                if not target.exists() or target.read_bytes() != data:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
    shutil.copyfile(HERE / "suite_conftest.py", dest / "conftest.py")
    (dest / "pytest.ini").write_text(PYTEST_INI)
    return dest


def run_suite(name: str, cache: Path, baseline: bool, pytest_args: list) -> tuple:
    """Run the selection of client ``name``: ``(exit status, summary)``."""
    suite = SUITES[name]
    outside.check_installed(name, suite.version)
    sdist = outside.fetch_sdist(cache, name, suite.version, suite.sha256)
    root = extract(sdist, cache / f"{name}-{suite.version}-tests", name)
    pkg = f"{name}_tests/"
    cmd = [sys.executable, "-m", "pytest", "-c", "pytest.ini", "--rootdir", ".", "-q", "-rfE"]
    cmd += [pkg + f for f in suite.files] + ["-k", suite.keyword]
    cmd += [a for d in suite.deselect for a in ("--deselect", pkg + d)] + pytest_args
    env = dict(os.environ)
    if baseline:
        env["LAZYRAY_CLIENT_SUITE_BASELINE"] = "1"
    env.setdefault("LAZYRAY_STRICT", "1")
    env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [env.get("PYTHONPATH")])])
    print(f"{name} suite:", shlex.join(cmd[2:]), f"(in {root})", flush=True)
    return outside.run_pytest(cmd, root, env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        allow_abbrev=False,
        prog="python -m tests.client_suites.run",
        description="Run quimb's and cotengra's tests of their lazy paths on lazyray; "
        "unknown arguments are passed to pytest.",
    )
    parser.add_argument("clients", nargs="*", choices=[[], *SUITES], default=[])
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument(
        "--baseline", action="store_true", help="run on the real autoray.lazy, for comparison"
    )
    args, pytest_args = parser.parse_known_args(argv)
    target = "autoray.lazy (baseline)" if args.baseline else "lazyray"
    worst = 0
    for name in args.clients or list(SUITES):
        try:
            rc, summary = run_suite(name, args.cache_dir, args.baseline, pytest_args)
        except outside.Unavailable as e:
            if outside.in_ci():
                print(f"{name} suite: ERROR (CI is set): {e}", file=sys.stderr)
                return 2
            print(f"{name} suite: SKIPPED: {e}")
            continue
        summary = summary or "no summary"
        print(f"{name} {SUITES[name].version} suite on {target}: {summary} (exit {rc})")
        worst = worst or rc
    return worst


if __name__ == "__main__":
    sys.exit(main())
