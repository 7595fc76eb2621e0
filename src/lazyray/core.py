"""The core names of autoray's lazy module, on lazyray (a thin re-export).

Code written against the ``core`` submodule of autoray's lazy module (quimb's
``lazy.core.lazy_cache``, for instance) finds here the helpers of
:mod:`lazyray.compat.lazy_core` and, through the module ``__getattr__``,
every name of the :mod:`lazyray` namespace (``LazyArray``, ``Variable``,
``tensordot``...).  Under :func:`lazyray.patch_autoray` this module *is*
that ``core`` submodule.

>>> import lazyray.core
>>> lazyray.core.lazy_cache is lazyray.compat.lazy_core.lazy_cache
True
>>> lazyray.core.Variable is lazyray.Variable
True
"""

from __future__ import annotations

from .compat.lazy_core import *  # noqa: F403
from .compat.lazy_core import __all__ as _helpers


def __getattr__(name: str):
    import lazyray

    try:
        return getattr(lazyray, name)
    except AttributeError:
        raise AttributeError(f"module 'lazyray.core' has no attribute {name!r}") from None


def __dir__() -> list:
    import lazyray

    return sorted(set(_helpers) | set(lazyray.__all__))


__all__ = list(_helpers)
