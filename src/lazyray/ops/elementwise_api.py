"""Elementwise ops of the Array API 2024.12 that numpy spells alike:
``bitwise_left_shift``, ``bitwise_right_shift``, ``copysign``,
``logaddexp``, ``nextafter``, ``signbit`` (declared with the unary and
binary templates of :mod:`lazyray.ops.elementwise`, numpy's dtype rules) and
``round`` (numpy's ``round(x, decimals=0)``).

Where torch's function of the same name refuses numpy's call (a Python
scalar operand, integer input to ``logaddexp``, complex ``round``), the
registry resolves the op, on torch, to :mod:`lazyray.ops.portable`'s wrapper.

>>> import lazyray
>>> x = lazyray.Variable((2, 3), dtype="int16")
>>> str((x << 2).dtype), lazyray.bitwise_right_shift(x, x).shape
('int16', (2, 3))
"""

from __future__ import annotations

import numpy as np

from ..graph.dtypes import finalize
from ..graph.registry import UNARY, register
from . import portable
from .common import LazyArray, lazy, make
from .elementwise import _dtype_rule, _make_binary, _make_unary

__all__ = [
    "bitwise_left_shift",
    "bitwise_right_shift",
    "copysign",
    "logaddexp",
    "nextafter",
    "round",
    "signbit",
    "left_shift",
    "right_shift",
]

_P = portable.ELEMENTWISE
bitwise_left_shift = _make_binary("bitwise_left_shift", np.left_shift, _P["bitwise_left_shift"])
bitwise_right_shift = _make_binary("bitwise_right_shift", np.right_shift, _P["bitwise_right_shift"])
copysign = _make_binary("copysign", np.copysign, _P["copysign"])
logaddexp = _make_binary("logaddexp", np.logaddexp, _P["logaddexp"])
nextafter = _make_binary("nextafter", np.nextafter, _P["nextafter"])
signbit = _make_unary("signbit", np.signbit)
# numpy's ufunc names (``np.int8(-2) << x`` calls ``left_shift`` on x's
# ``__array_ufunc__``, which looks the op up by that name)
left_shift = bitwise_left_shift
right_shift = bitwise_right_shift


register("round", UNARY, impl=portable.round_impl, impl_is_factory=True)


def round(x, decimals: int = 0) -> LazyArray:  # noqa: A001 - numpy's and the Array API's name
    """Round to ``decimals`` decimal places, halves to even (numpy's
    ``round``; the Array API's ``round(x)`` is ``decimals=0``).

    The dtype is ``x``'s (booleans give ``float16``, as numpy's); complex
    numbers have both parts rounded; integers are unchanged unless
    ``decimals`` is negative.

    >>> import lazyray, numpy as np
    >>> lazyray.round(lazyray.array(np.array([0.5, 1.5, 2.675]))).compute()
    array([0., 2., 3.])
    >>> lazyray.round(lazyray.array(np.array([1.5 + 2.5j])), 0).compute()
    array([2.+2.j])
    """
    x = lazy("round", x)
    if type(decimals) is not int and not isinstance(decimals, np.integer):
        raise TypeError(f"round: decimals must be an integer, got {type(decimals).__name__}")
    decimals = int(decimals)
    static = (("decimals", decimals),) if decimals else ()
    keys = (x._dtype,)
    dtype = finalize(x._backend, _dtype_rule("round", np.round, keys, static), keys)
    return make("round", (x,), {"decimals": decimals or None}, x._shape, dtype)
