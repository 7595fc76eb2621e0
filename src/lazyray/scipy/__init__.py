"""`lazyray.scipy`: the scipy functions lazyray traces, under scipy's module
names, so that ``autoray.do("scipy.linalg.expm", x)`` finds them for lazy
arrays (autoray imports ``lazyray.scipy.linalg``).

>>> import lazyray.scipy
>>> lazyray.scipy.linalg.expm(lazyray.Variable((2, 3, 3))).shape
(2, 3, 3)
"""

from . import linalg

__all__ = ["linalg"]
