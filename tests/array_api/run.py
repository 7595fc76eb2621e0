"""Run the official Array API test suite (data-apis/array-api-tests) on lazyray.

The suite is read from ``../shared/oracles/array-api-tests`` beside the
checkout (or ``$ARRAY_API_TESTS_DIR``), copied to a temporary folder (it
writes hypothesis' database) and run in a subprocess with
``ARRAY_API_TESTS_MODULE=lazyray`` and ``ARRAY_API_TESTS_VERSION=2024.12``.
Tests listed in ``xfails.txt`` (each with its reason) are expected to fail;
any other failure makes the run fail.

    python -m tests.array_api.run                   # CI settings
    python -m tests.array_api.run --max-examples 20 # the issue's settings
    python -m tests.array_api.run --module array_api_compat.numpy  # control run
    python -m tests.array_api.run -- array_api_tests/test_linalg.py -x  # part of it

Without the suite the run is skipped (exit 0 with ``SKIPPED``), except under
``CI=true``, where a missing suite is a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_SUITE = REPO.parent / "shared" / "oracles" / "array-api-tests"


def suite_dir() -> Path:
    return Path(os.environ.get("ARRAY_API_TESTS_DIR", DEFAULT_SUITE))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-examples", type=int, default=10)
    ap.add_argument("--module", default="lazyray", help="namespace under test")
    ap.add_argument("--no-xfails", action="store_true", help="run without xfails.txt")
    ap.add_argument("--json", help="also write the summary counts here")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = ap.parse_args(argv)

    src = suite_dir()
    if not (src / "array_api_tests").is_dir():
        msg = f"SKIPPED: the Array API test suite is not at {src}"
        print(msg)
        return 1 if os.environ.get("CI") == "true" else 0

    with tempfile.TemporaryDirectory(prefix="lazyray-aat-") as tmp:
        work = Path(tmp) / "array-api-tests"
        shutil.copytree(src, work, ignore=shutil.ignore_patterns(".git", ".hypothesis"))
        report = Path(tmp) / "report.json"
        env = dict(
            os.environ,
            ARRAY_API_TESTS_MODULE=args.module,
            ARRAY_API_TESTS_VERSION="2024.12",
            PYTHONPATH=os.pathsep.join(
                p for p in (str(REPO / "src"), os.environ.get("PYTHONPATH")) if p
            ),
        )
        cmd = [
            sys.executable,
            "-m",
            "pytest",
            # the whole suite, unless test files or ids of it are given
            *(
                []
                if any(a.startswith("array_api_tests/") for a in args.pytest_args)
                else ["array_api_tests"]
            ),
            f"--max-examples={args.max_examples}",
            "--derandomize",
            "--disable-deadline",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.array_api.plugin",
            "--json-report",
            f"--json-report-file={report}",
            "-q",
            "-rfE",
            *args.pytest_args,
        ]
        if not args.no_xfails and args.module == "lazyray":
            cmd.append(f"--xfails-file={HERE / 'xfails.txt'}")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env["PYTHONPATH"]])
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=work, env=env)
        elapsed = time.perf_counter() - t0
        counts = {}
        if report.exists():
            counts = json.loads(report.read_text()).get("summary", {})
        counts["seconds"] = round(elapsed, 1)
        print("array-api-tests summary:", json.dumps(counts, sort_keys=True))
        if args.json:
            Path(args.json).write_text(json.dumps(counts, indent=1, sort_keys=True))
        return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
