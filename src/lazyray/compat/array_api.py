"""The Array API (2024.12) inspection namespace of lazyray.

``lazyray.__array_namespace_info__()`` returns an :class:`Info`: what
lazyray can do (``capabilities``), its device (lazy arrays are traced on
the host: ``"cpu"``), its default dtypes and the dtypes it supports.
"""

from __future__ import annotations

from ..graph.dtypes import dtype_object
from ..ops.dtypes_api import DTYPE_NAMES, isdtype

__all__ = ["API_VERSION", "DEVICE", "Info", "__array_namespace_info__"]

API_VERSION = "2024.12"

#: the one device of lazy arrays: graphs are traced on the host
DEVICE = "cpu"


def _check_device(device) -> None:
    if device is not None and device != DEVICE:
        raise ValueError(f"unsupported device {device!r}; lazyray arrays live on {DEVICE!r}")


class Info:
    """The Array API inspection object (``xp.__array_namespace_info__()``).

    >>> import lazyray
    >>> info = lazyray.__array_namespace_info__()
    >>> info.default_device(), info.default_dtypes()["real floating"]
    ('cpu', dtype('float64'))
    >>> sorted(info.dtypes(kind="unsigned integer"))
    ['uint16', 'uint32', 'uint64', 'uint8']
    """

    __module__ = "lazyray"

    def capabilities(self) -> dict:
        """``{"boolean indexing": True, "data-dependent shapes": True,
        "max dimensions": None}``: data-dependent shapes are resolved when
        the value is determined (see :func:`lazyray.nonzero`)."""
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": None}

    def default_device(self) -> str:
        """The default device, ``"cpu"``."""
        return DEVICE

    def devices(self) -> list:
        """The devices lazy arrays can be on: ``["cpu"]``."""
        return [DEVICE]

    def default_dtypes(self, *, device=None) -> dict:
        """The default real, complex, integer and index dtypes (numpy's)."""
        _check_device(device)
        return {
            "real floating": dtype_object("float64"),
            "complex floating": dtype_object("complex128"),
            "integral": dtype_object("int64"),
            "indexing": dtype_object("int64"),
        }

    def dtypes(self, *, device=None, kind=None) -> dict:
        """``{name: dtype}`` of the supported dtypes, optionally of one
        ``kind`` (a kind name, a dtype, or a tuple of them)."""
        _check_device(device)
        return {n: dtype_object(n) for n in DTYPE_NAMES if kind is None or isdtype(n, kind)}

    def __repr__(self) -> str:
        return "lazyray.__array_namespace_info__()"


_INFO = Info()


def __array_namespace_info__() -> Info:  # noqa: N807 - the spec's name
    """The Array API inspection namespace of lazyray (an :class:`Info`).

    >>> import lazyray
    >>> lazyray.__array_namespace_info__().devices()
    ['cpu']
    """
    return _INFO
