"""Compatibility with autoray's lazy module and its clients (quimb, cotengra).

* :mod:`lazyray.compat.autoray`: lazyray in autoray's dispatch (registered
  on ``import lazyray``);
* :mod:`lazyray.compat.quimb_decomp`: quimb's one-node lazy ``svd_truncated``
  and ``qr_stabilized`` for lazy arrays (registered with autoray; quimb is
  looked up only when a graph runs);
* :mod:`lazyray.compat.switch`: the opt-in switch :func:`patch_autoray` that
  makes autoray's lazy module be lazyray for code that hard-codes it;
* :mod:`lazyray.compat.lazy_core`: the helpers of autoray's lazy ``core``
  that clients import (``lazy_cache``...), re-exported by
  :mod:`lazyray.core`.
"""

from __future__ import annotations

from .autoray import register_autoray, register_complexity_costs
from .switch import AutorayPatch, autoray_patched, patch_autoray, unpatch_autoray

__all__ = [
    "AutorayPatch",
    "autoray_patched",
    "patch_autoray",
    "register_autoray",
    "register_complexity_costs",
    "unpatch_autoray",
]
