"""Test suites of other projects, taken from their sdists on PyPI and run on lazyray.

Shared by :mod:`tests.autoray_suite.run` (autoray's own lazy tests) and
:mod:`tests.client_suites.run` (quimb's and cotengra's tests of their lazy
paths): the sdist is downloaded once with pip, checked against a pinned
sha256, cached under ``.cache/`` in the repository root, and its ``tests/``
extracted; pytest then runs in a subprocess whose summary line is kept.

Offline, or when the installed package is not the version the tests come
from, a runner reports a skip (exit status 0), unless the environment
variable ``CI`` is set to a true value, where it is an error.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache"

_SUMMARY = re.compile(r"^(\d+ \w+|no tests ran)(, \d+ \w+)* in [\d.]+s")


class Unavailable(Exception):
    """The suite cannot run here (offline, wrong version, missing backend)."""


def in_ci() -> bool:
    """Whether the environment variable ``CI`` is set to a true value."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def check_installed(package: str, version: str) -> None:
    """Raise :class:`Unavailable` unless ``package`` ``version`` is installed."""
    try:
        installed = importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        raise Unavailable(
            f"{package} is not installed (pip install {package}=={version})"
        ) from None
    if installed != version:
        raise Unavailable(
            f"installed {package} is {installed}, the suite is {package} {version}'s "
            f"(pip install {package}=={version})"
        )


def fetch_sdist(cache: Path, package: str, version: str, sha256: str | None) -> Path:
    """The cached sdist of ``package`` ``version``, downloaded with pip if
    needed and checked against ``sha256`` (when given)."""
    cache.mkdir(parents=True, exist_ok=True)
    sdist = cache / f"{package}-{version}.tar.gz"
    if not sdist.exists():
        cmd = [
            sys.executable, "-m", "pip", "download", f"{package}=={version}",
            "--no-binary", ":all:", "--no-deps", "--disable-pip-version-check",
            "--timeout", "20", "--retries", "1", "-d", str(cache),
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0 or not sdist.exists():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-5:])
            raise Unavailable(f"could not download {package}=={version} sdist:\n{tail}")
    if sha256 is not None and _sha256(sdist) != sha256:
        sdist.unlink()
        raise RuntimeError(f"{sdist.name}: sha256 mismatch (file removed, try again)")
    return sdist


def run_pytest(cmd: list, cwd: Path, env: dict) -> tuple:
    """Run ``cmd`` (a pytest command) in ``cwd``, echoing its output:
    ``(exit status, pytest's summary line or "")``."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    summary = ""
    for line in proc.stdout:
        sys.stdout.write(line)
        if _SUMMARY.match(line.strip("= \n")):
            summary = line.strip("= \n")
    return proc.wait(), summary


def run_runner(module: str, *args: str, timeout: float = 1200) -> str:
    """Run the suite runner ``python -m module *args`` from the repository
    root, as a test of ours: skipped when the runner skipped (offline, outside
    CI), failed unless it exited 0 with tests passed and none failed.  Returns
    its output."""
    import pytest

    cmd = [sys.executable, "-m", module, *args]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    tail = "\n".join(out.splitlines()[-40:])
    if proc.returncode == 0 and "SKIPPED" in out and " passed" not in out:
        pytest.skip(tail)
    assert proc.returncode == 0, tail
    assert " passed" in out and " failed" not in out, tail
    return out
