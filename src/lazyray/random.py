"""``lazyray.random``: arrays of random numbers, drawn when the function is
called.

Drawing is not deferred: each function draws its sample at once with numpy's
global generator (so ``numpy.random.seed`` makes it reproducible) and returns a
leaf holding it, on the numpy backend.  A graph built on such a leaf computes
the same values every time it runs, and a :class:`~lazyray.Function` traced
with one keeps its sample as a constant: for a new sample at every call, make
it an input.  This is what ``autoray.do("random.uniform", size=...,
like="lazyray")`` reaches (autoray's generic code draws its operands this way).
"""

from __future__ import annotations

import numpy as np

from .graph import dtypes
from .graph.node import LazyArray, array

__all__ = ["normal", "uniform"]


def _leaf(op: str, draw, params: tuple, size, dtype) -> LazyArray:
    """The leaf of ``draw(*params, size)``, cast to ``dtype`` (a real floating
    dtype; default float64, numpy's)."""
    for p in params:
        if isinstance(p, LazyArray):
            raise TypeError(
                f"random.{op}: the distribution's parameters must be numbers or numpy "
                "arrays, not lazy arrays (a sample is drawn now, not when the graph runs)"
            )
    name = "float64" if dtype is None else dtypes.supported_dtype(f"random.{op}", dtype)
    if not dtypes.is_floating(name):
        raise TypeError(f"random.{op}: dtype must be a real floating dtype, got {name}")
    return array(np.asarray(draw(*params, size), dtype=name))


#: the Parameters tail and Returns of every sampler's docstring
_SAMPLE_DOC = """size : int or tuple of ints, optional
        Shape of the sample (default: the broadcast shape of the parameters).
    dtype : str or dtype, optional
        A real floating dtype (default float64).

    Returns
    -------
    LazyArray
        A leaf holding the sample.
"""


def _sampler(fn):
    """``fn`` with the shared part of its docstring filled in."""
    fn.__doc__ = fn.__doc__.replace("{sample}", _SAMPLE_DOC)
    return fn


@_sampler
def uniform(low=0.0, high=1.0, size=None, dtype=None) -> LazyArray:
    """Samples of the uniform distribution on ``[low, high)``, drawn now.

    Parameters
    ----------
    low, high : float or array_like, optional
        Bounds of the interval (numpy's broadcasting).
    {sample}
    Examples
    --------
    >>> import numpy as np, lazyray
    >>> np.random.seed(0)
    >>> x = lazyray.random.uniform(size=(2, 3), dtype="float32")
    >>> x.shape, str(x.dtype), bool((lazyray.compute(x) < 1).all())
    ((2, 3), 'float32', True)
    """
    return _leaf("uniform", np.random.uniform, (low, high), size, dtype)


@_sampler
def normal(loc=0.0, scale=1.0, size=None, dtype=None) -> LazyArray:
    """Samples of the normal distribution of mean ``loc`` and standard
    deviation ``scale``, drawn now.

    Parameters
    ----------
    loc, scale : float or array_like, optional
        Mean and standard deviation (numpy's broadcasting).
    {sample}
    Examples
    --------
    >>> import numpy as np, lazyray
    >>> np.random.seed(0)
    >>> x = lazyray.random.normal(2.0, 0.5, size=4)
    >>> x.shape, str(x.dtype)
    ((4,), 'float64')
    >>> np.random.seed(0)
    >>> bool((lazyray.compute(x) == np.random.normal(2.0, 0.5, size=4)).all())
    True
    """
    return _leaf("normal", np.random.normal, (loc, scale), size, dtype)
