"""pytest plugin loaded into the Array API suite's run (``-p``).

The suite's conftest loads a hypothesis profile of its own; this plugin
loads, after it, the same settings without the *shrink* phase, so that a
failing test reports its first failing example instead of spending minutes
minimizing it (the reproducer is still printed). The outcome of each test
is unchanged.
"""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    base = settings()
    settings.register_profile(
        "lazyray-array-api",
        parent=base,
        phases=[p for p in Phase if p is not Phase.shrink],
    )
    settings.load_profile("lazyray-array-api")
