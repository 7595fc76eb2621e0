"""quimb's and cotengra's own tests of their lazy paths, run against lazyray,
as one test of ours.

The tests (from the quimb 1.16.0 and cotengra 0.8.3 sdists, unchanged) are
downloaded, cached and run by :mod:`tests.client_suites.run` in a subprocess
of its own, under :func:`lazyray.patch_autoray`, in strict mode.  Every test
selected there must pass: nothing is marked.  Offline and outside CI the
runner reports a skip; under ``CI=true`` a missing download is a failure.
"""

from __future__ import annotations

import pytest

from sdist_suites import run_runner


@pytest.mark.parametrize("client", ["quimb", "cotengra"])
def test_client_suite_passes_on_lazyray(client):
    assert f"{client} " in run_runner("tests.client_suites.run", client, timeout=900)
