"""All op functions, by family; the public namespace re-exports them."""

from ..graph.dtypes import finfo, iinfo
from . import (
    datadep,
    movement_api,
    portable_cupy,  # noqa: F401 - registers numpy's meaning on cupy
)
from .contraction import dot, einsum, inner, kron, matmul, outer, tensordot, vdot
from .creation import (
    arange,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    identity,
    indices,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from .datadep import *  # noqa: F403
from .dtypes_api import can_cast, isdtype, result_type
from .elementwise import *  # noqa: F403 - the unary and binary ufunc-like ops
from .elementwise import BINARY_OPS, UNARY_OPS, power_operator
from .elementwise_general import *  # noqa: F403 - where, clip, complex, astype...
from .elementwise_general import allclose, asarray, astype, clip, complex, isclose, where
from .indexing import diag, diagonal, getitem, take, take_along_axis, trace, tril, triu
from .movement import (
    broadcast_to,
    concat,
    concatenate,
    expand_dims,
    flatten,
    flip,
    matrix_transpose,
    moveaxis,
    permute_dims,
    ravel,
    reshape,
    split,
    squeeze,
    stack,
    swapaxes,
    transpose,
)
from .movement_api import *  # noqa: F403
from .reductions import (
    all,
    any,
    argmax,
    argmin,
    count_nonzero,
    cumprod,
    cumsum,
    cumulative_prod,
    cumulative_sum,
    diff,
    max,
    mean,
    min,
    prod,
    std,
    sum,
    var,
)
from .sorting import argsort, sort

# numpy, Array API and autoray-lazy aliases
absolute = abs  # noqa: F405
conjugate = conj  # noqa: F405
truedivide = true_divide = divide  # noqa: F405
floordivide = floor_divide  # noqa: F405
remainder = mod  # noqa: F405
pow = power  # noqa: F405
asin, acos, atan = arcsin, arccos, arctan  # noqa: F405
asinh, acosh, atanh = arcsinh, arccosh, arctanh  # noqa: F405
atan2 = arctan2  # noqa: F405
bitwise_invert = bitwise_not = invert  # noqa: F405
amax, amin = max, min

__all__ = sorted(
    [*UNARY_OPS, *BINARY_OPS]
    + """dot einsum inner kron matmul outer tensordot vdot arange empty empty_like eye
    full full_like identity linspace ones ones_like zeros zeros_like allclose astype
    clip complex isclose where argsort diag diagonal getitem sort take
    take_along_axis trace tril triu broadcast_to concat concatenate expand_dims
    flatten flip matrix_transpose moveaxis permute_dims ravel reshape split squeeze
    stack swapaxes transpose all any argmax argmin count_nonzero cumprod cumsum max
    mean min prod std sum var absolute conjugate truedivide true_divide floordivide
    remainder pow asin acos atan asinh acosh atanh atan2 bitwise_invert bitwise_not
    amax amin finfo iinfo indices asarray can_cast isdtype result_type bitwise_left_shift
    bitwise_right_shift copysign logaddexp nextafter round signbit left_shift right_shift
    cumulative_sum cumulative_prod diff""".split()
    + datadep.__all__
    + movement_api.__all__
)
