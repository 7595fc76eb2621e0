"""numpy references for the few ops numpy does not spell like lazyray.

Each function is the eager meaning of a lazyray op, written with numpy only;
reproducers print their source, so they must stay self-contained (only
``np`` is used).
"""

from __future__ import annotations

import numpy as np


def carray(re, im, dtype):
    """A complex array with exactly these real and imaginary parts.

    ``re + 1j * im`` is not that: ``1j * inf`` has a nan real part.

    >>> carray([1.0], [float("inf")], "complex128")
    array([1.+infj])
    """
    re, im = np.asarray(re), np.asarray(im)
    z = np.empty(np.broadcast_shapes(re.shape, im.shape), dtype)
    z.real, z.imag = re, im
    return z


def complex(re, im):  # noqa: A001 - the name of the op
    """``lazyray.complex``: ``re + i im``, with exactly these parts when both
    are real (``1j * inf`` would make a nan real part).

    The dtype is that of numpy's ``re + 1j * im`` for these very operands
    (NEP 50: Python scalars, and ``np.float64``, a ``float`` subclass, are
    weak there), which is what lazyray's ``complex`` computes on numpy
    (autoray's meaning).

    >>> complex(np.float32(1.0), 2.0).dtype
    dtype('complex64')
    """
    z = re + 1j * im
    if np.iscomplexobj(re) or np.iscomplexobj(im):
        return np.asarray(z)
    return carray(re, im, z.dtype)


def _as_complex(w):
    c = "complex64" if w.dtype.name in ("float32", "complex64") else "complex128"
    return w.astype(c)


def eig(a):
    """``lazyray.linalg.eig``: numpy's, always complex (documented)."""
    w, v = np.linalg.eig(a)
    return _as_complex(w), _as_complex(v)


def eigvals(a):
    """``lazyray.linalg.eigvals``: numpy's, always complex (as ``eig``)."""
    return _as_complex(np.linalg.eigvals(a))
