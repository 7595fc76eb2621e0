"""All op functions, by family; the public namespace re-exports them."""

from ..graph.dtypes import finfo, iinfo
from . import (
    contraction,
    creation,
    datadep,
    dtypes_api,
    elementwise,
    elementwise_general,
    indexing,
    movement,
    movement_api,
    padding,
    portable_cupy,  # noqa: F401 - registers numpy's meaning on cupy
    portable_jax,  # noqa: F401 - registers numpy's meaning on jax
    reductions,
    sorting,
)
from .contraction import *  # noqa: F403
from .creation import *  # noqa: F403
from .datadep import *  # noqa: F403
from .dtypes_api import *  # noqa: F403
from .elementwise import *  # noqa: F403 - the unary and binary ufunc-like ops
from .elementwise import power_operator
from .elementwise_general import *  # noqa: F403 - where, clip, complex, astype...
from .indexing import *  # noqa: F403
from .movement import *  # noqa: F403
from .movement_api import *  # noqa: F403
from .padding import *  # noqa: F403
from .reductions import *  # noqa: F403
from .sorting import *  # noqa: F403

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
amax, amin = max, min  # noqa: F405

_FAMILIES = contraction, creation, datadep, dtypes_api, elementwise, elementwise_general
_FAMILIES += indexing, movement, movement_api, padding, reductions, sorting
_OTHERS = """absolute conjugate truedivide true_divide floordivide remainder pow asin acos atan
    asinh acosh atanh atan2 bitwise_invert bitwise_not amax amin finfo iinfo""".split()
__all__ = sorted({name for family in _FAMILIES for name in family.__all__}.union(_OTHERS))
