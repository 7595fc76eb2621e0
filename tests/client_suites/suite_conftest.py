"""Pytest conftest that runs quimb's or cotengra's own tests on lazyray.

``run.py`` copies this file, as ``conftest.py``, into the root of the
directory where a client's tests were extracted.  When pytest configures
itself (before any test module is imported) it switches ``autoray.lazy`` to
lazyray with :func:`lazyray.patch_autoray`, the public opt-in switch, as a
quimb or cotengra user does: their tests' ``ar.lazy.Variable``, quimb's
``from autoray.lazy import descend``, cotengra's constants expressions and
``autojit`` then trace with lazyray.  Nothing else is changed and nothing is
marked: every selected test must pass.

With ``LAZYRAY_CLIENT_SUITE_BASELINE=1`` (``run.py --baseline``) nothing is
switched: the tests run on the real ``autoray.lazy``, for comparison.

Importing this module does nothing: everything happens in pytest hooks, so the
project's own ``pytest --doctest-modules`` can import it harmlessly.
"""

from __future__ import annotations

import os

_BASELINE = os.environ.get("LAZYRAY_CLIENT_SUITE_BASELINE", "") not in ("", "0")


def pytest_configure(config):
    if _BASELINE:
        return
    import autoray

    import lazyray

    lazyray.patch_autoray()
    if autoray.lazy is not lazyray:
        raise RuntimeError(f"patch_autoray left autoray.lazy as {autoray.lazy!r}")


def pytest_report_header(config):
    if _BASELINE:
        return "client suite: baseline, on the real autoray.lazy"
    import lazyray

    return f"client suite: autoray.lazy is lazyray {lazyray.__version__} (lazyray.patch_autoray)"
