"""`lazyray.linalg`: the numpy / Array API `linalg` namespace.

Its ops are declared in :mod:`lazyray.ops.linalg`; this module keeps the
import path `lazyray.linalg`.
"""

from .ops.linalg import *  # noqa: F403
from .ops.linalg import __all__  # noqa: F401
