"""lazyray: trace array code lazily into a computational graph.

Wrap arrays with :func:`array` (or declare shape-only inputs with
:func:`Variable`), run ordinary array code on them, and get a graph of
:class:`LazyArray` nodes with static shapes and dtypes that can be inspected,
optimized, compiled into a :class:`Function` and run on any backend.

>>> import lazyray, numpy as np
>>> x = lazyray.Variable((3, 3))
>>> y = lazyray.tanh(x @ x.T) + 1
>>> y.shape, y.dtype, len(list(lazyray.ascend(y)))
((3, 3), dtype('float64'), 5)
"""

import math as _math
import sys as _sys

import numpy as _np

from . import fft, linalg, passes, random, scipy  # (passes: now, not at the first Function)
from .compat import autoray_patched, patch_autoray, unpatch_autoray
from .compat import register_autoray as _register_autoray
from .compat.array_api import API_VERSION as _API_VERSION
from .compat.array_api import __array_namespace_info__
from .compile.autojit import autojit  # binds the functions over the submodules of their names
from .compile.jit import jit
from .execute.compute import compute, compute_constants, set_strict, strict
from .graph import config
from .graph.config import implicit_compute, set_implicit_compute
from .graph.node import LazyArray, Variable, array
from .graph.traverse import ascend, descend
from .methods import bind as _bind
from .ops import *  # noqa: F403
from .ops import __all__ as _ops_all
from .ops.buffers import set_buffer_pool

_bind(_sys.modules[__name__])  # LazyArray's operators and higher-layer methods
_register_autoray()  # lazyray in autoray's dispatch (the "lazyray" backend)

__version__ = "0.1.0"

# dtypes (numpy dtype objects, equal to their names), so that
# ``autoray.to_backend_dtype(name, like="lazyray")`` and the Array API work
bool = bool_ = _np.dtype("bool")  # noqa: A001 - the Array API's name
int8, int16, int32, int64 = map(_np.dtype, ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = map(_np.dtype, ("uint8", "uint16", "uint32", "uint64"))
float16, float32, float64 = map(_np.dtype, ("float16", "float32", "float64"))
complex64, complex128 = map(_np.dtype, ("complex64", "complex128"))

# Array API constants and version
e, pi, inf, nan = _math.e, _math.pi, _math.inf, _math.nan
newaxis = None
__array_api_version__ = _API_VERSION

_LATE = {
    "Function": ("compile.function", "Function"),
    "get_source": ("compile.codegen", "get_source"),
    "shared_intermediates": ("graph.sharing", "shared_intermediates"),
    "optimize": ("passes", "optimize"),
    "summary": ("inspect.summary", "summary"),
    "partition": ("execute.partitioning", "partition"),
    "to_dask": ("execute.todask", "to_dask"),
}


def __getattr__(name):
    # modules that grow in other issues are imported on first use
    if name in _LATE:
        import importlib

        mod, attr = _LATE[name]
        value = getattr(importlib.import_module(f".{mod}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lazyray' has no attribute {name!r}")


__all__ = sorted(
    {
        *"LazyArray Variable array compute compute_constants ascend descend linalg fft".split(),
        "random",  # (as numpy's; not "scipy": a star import must not shadow the real one)
        *"__array_namespace_info__ __array_api_version__ e pi inf nan newaxis".split(),
        *"bool int8 int16 int32 int64 uint8 uint16 uint32 uint64".split(),
        *"float32 float64 complex64 complex128".split(),
        *"config implicit_compute set_implicit_compute strict set_strict jit autojit".split(),
        *"asarray patch_autoray unpatch_autoray autoray_patched set_buffer_pool".split(),
        *_LATE,
        *_ops_all,
    }
)
