"""Compatibility with autoray's lazy module and its clients (quimb, cotengra):
autoray's dispatch (:mod:`.autoray`), quimb's one-node decompositions
(:mod:`.quimb_decomp`), the opt-in switch (:mod:`.switch`) and the helpers of
autoray's lazy ``core`` (:mod:`.lazy_core`)."""

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
