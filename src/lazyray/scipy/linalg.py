"""`lazyray.scipy.linalg`: scipy's ``linalg`` functions for lazy arrays.

Its ops are declared in :mod:`lazyray.ops.scipy_linalg`; this module gives
them scipy's import path (autoray's ``do("scipy.linalg.<name>", x)`` looks
them up here for lazyray arrays).
"""

from ..ops.scipy_linalg import *  # noqa: F403
from ..ops.scipy_linalg import __all__  # noqa: F401
