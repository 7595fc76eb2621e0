"""`lazyray.fft`: the numpy / Array API `fft` namespace.

Its ops are declared in :mod:`lazyray.ops.fft`; this module keeps the
import path `lazyray.fft`.
"""

from .ops.fft import *  # noqa: F403
from .ops.fft import __all__  # noqa: F401
