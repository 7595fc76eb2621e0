import os

import pytest

import lazyray

# every test runs in strict mode: computed shapes and dtypes must equal the
# inferred ones
lazyray.set_strict(True)

try:
    from hypothesis import settings

    settings.register_profile("ci", max_examples=150, deadline=None)
    settings.register_profile("dev", max_examples=100, deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")
except ImportError:  # pragma: no cover
    pass


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(42)
