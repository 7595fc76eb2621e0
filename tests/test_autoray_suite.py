"""autoray's own lazy test suite, run against lazyray, as one test of ours.

The suite (autoray 0.11.0's ``tests/test_lazy.py`` and
``tests/test_autocompile.py``, unchanged) is downloaded, cached and run by
:mod:`tests.autoray_suite.run` in a subprocess of its own, so that its
conftest can put lazyray in place of ``autoray.lazy`` without touching this
process. Every test there passes or is a strict xfail with a written reason
(``tests/autoray_suite/suite_conftest.py``). Offline and outside CI the runner
reports a skip; under ``CI=true`` a missing download is a failure.
"""

from __future__ import annotations

from sdist_suites import run_runner


def test_autoray_lazy_suite_passes_on_lazyray():
    run_runner("tests.autoray_suite.run")


def test_autoray_backend_suite_passes_on_lazyray():
    # autoray's tests of its backends (test_autoray.py, test_linalg.py) with
    # lazyray as one more backend: pad, random draws, scipy.linalg...
    run_runner("tests.autoray_suite.run", "--as-backend")
