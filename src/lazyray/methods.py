"""Methods of :class:`lazyray.LazyArray` bound outside its class body:
operators, op-function methods and forwarding methods (statistics, drawing,
code generation).  Keeping them as tables keeps the node class thin."""

from __future__ import annotations

from . import ops
from .graph import traverse
from .graph.node import LATE, LazyArray

#: the ``lazyray`` namespace (bound by :func:`bind`: the package root imports
#: this module, so this module may not import it)
_NAMESPACE: list = [None]


def _delegate(name, module, func, **fixed):
    """A method forwarding to ``lazyray.<module>.<func>(self, ...)``."""

    def method(self, *args, **kwargs):
        import importlib

        target = getattr(importlib.import_module(f"lazyray.{module}"), func)
        return target(self, *args, **fixed, **kwargs)

    extra = "".join(f", {k}={v!r}" for k, v in fixed.items())
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Same as :func:`lazyray.{module}.{func}` (self, ...{extra})."
    return method


def _same_names(module, names):
    """Delegates named as their functions in ``module``."""
    return {name: (module, name, {}) for name in names.split()}


_DELEGATES = {
    # name: (module, function, fixed keyword arguments)
    **_same_names("compile.codegen", "get_source as_string"),
    **_same_names("inspect.show", "show listing"),
    **_same_names("inspect.summary", "summary"),
    **_same_names(
        "inspect.stats",
        "history_num_nodes history_max_size history_size_footprint history_peak_size "
        "history_total_size history_stats history_fn_frequencies history_flops",
    ),
    **_same_names(
        "inspect.draw",
        "to_nx_digraph to_dot plot_circuit plot_graph plot_history_size_footprint "
        "plot_history_functions plot_history_stats",
    ),
    "plot": ("inspect.draw", "plot_circuit", {}),
    **{
        f"plot_history_functions_{kind}": ("inspect.draw", "plot_history_functions", {"kind": kind})
        for kind in ("scatter", "lines", "image")
    },
    "plot_history_stats_counts": ("inspect.draw", "plot_history_stats", {"fn": "count"}),
    "plot_history_stats_sizein": ("inspect.draw", "plot_history_stats", {"fn": "sizein"}),
}
_BINARY_DUNDERS = {
    "add": "add",
    "sub": "subtract",
    "mul": "multiply",
    "truediv": "divide",
    "floordiv": "floor_divide",
    "mod": "mod",
    "pow": "power",
    "matmul": "matmul",
    "and": "bitwise_and",
    "or": "bitwise_or",
    "xor": "bitwise_xor",
    "lshift": "bitwise_left_shift",
    "rshift": "bitwise_right_shift",
}
#: operators that are not their op function: numpy's ``ndarray.__pow__`` has
#: fast paths (``x ** 2`` is ``square(x)``...) that ``np.power`` lacks
_OPERATORS = {"pow": "power_operator"}
_COMPARISONS = {
    "eq": "equal",
    "ne": "not_equal",
    "lt": "less",
    "le": "less_equal",
    "gt": "greater",
    "ge": "greater_equal",
}
_UNARY_DUNDERS = {"neg": "negative", "pos": "positive", "abs": "abs", "invert": "invert"}


class _Methods:
    """The methods of :class:`LazyArray` that need the layers above the node
    (ops, traversal, execution, compilation); :func:`bind` copies them onto
    the class."""

    T = property(ops.transpose)
    mT = property(ops.matrix_transpose)
    real = property(ops.real)
    imag = property(ops.imag)

    @property
    def H(self) -> LazyArray:
        """Conjugate transpose."""
        return ops.transpose(ops.conj(self))

    def get_function(self, variables, fold_constants=True, **kwargs):
        """A compiled :class:`lazyray.Function` from ``variables`` to this array."""
        from .compile.function import Function

        return Function(variables, self, fold_constants=fold_constants, **kwargs)

    # the graph's walks from this array: x.descend() is descend(x)
    descend = traverse.descend
    ascend = traverse.ascend

    def compute(self, **kwargs):
        """Compute this array, keep the result and drop the graph behind it.

        >>> import lazyray, numpy as np
        >>> (lazyray.array(np.ones(2)) * 3).compute()
        array([3., 3.])
        """
        from .execute.compute import compute

        return compute(self, **kwargs)

    def compute_constants(self, variables) -> None:
        """Compute, in place, every node that does not depend on ``variables``."""
        from .execute.compute import compute_constants

        compute_constants(self, variables)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        fn = getattr(ops, ufunc.__name__, None)
        if method != "__call__" or fn is None or kwargs.get("out") is not None:
            return NotImplemented
        kwargs.pop("out", None)
        return fn(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        mod = _NAMESPACE[0]
        for part in func.__module__.split(".")[1:]:
            if part == "linalg":
                mod = mod.linalg
        fn = getattr(mod, func.__name__, None)
        if fn is None or not callable(fn):
            return NotImplemented
        return fn(*args, **kwargs)

    def __array_namespace__(self, *, api_version=None):
        """The Array API namespace of lazy arrays: :mod:`lazyray` (standard
        2024.12; ``api_version`` may name it or an earlier version)."""
        if api_version not in (None, "2021.12", "2022.12", "2023.12", "2024.12"):
            raise ValueError(f"unsupported Array API version {api_version!r}; lazyray has 2024.12")
        return _NAMESPACE[0]

    def __reduce_ex__(self, protocol):
        return traverse.reduce_node(self)

    def __getitem__(self, key):
        return ops.getitem(self, key)

    def reshape(self, *shape, order="C", copy=None, **kwargs) -> LazyArray:
        """numpy's ``x.reshape(shape)`` or ``x.reshape(*shape)`` (or
        ``shape=``), ``order`` and ``copy`` as :func:`lazyray.reshape`."""
        if kwargs:
            if shape or set(kwargs) - {"shape"}:
                raise TypeError(f"reshape: unexpected arguments {sorted(kwargs)}")
            shape = (kwargs["shape"],)
        if len(shape) == 1 and not isinstance(shape[0], int):
            shape = shape[0]
        return ops.reshape(self, shape, order, copy=copy)

    def transpose(self, *axes) -> LazyArray:
        if len(axes) == 1 and not isinstance(axes[0], int):
            axes = axes[0]
        return ops.transpose(self, axes or None)


_PROTOCOL = ("__array_ufunc__", "__array_function__", "__array_namespace__", "__reduce_ex__")
_PROTOCOL += ("__getitem__",)

#: array methods that are the op function of the same name, ``self`` first
_OP_METHODS = (
    "astype ravel flatten squeeze swapaxes sum prod mean max min all "
    "any std var argmax argmin cumsum cumprod clip trace diagonal dot sort argsort round"
).split()


def bind(namespace) -> None:
    """Bind the methods of :class:`LazyArray` that live outside its class body
    (called once, by the package root ``namespace``, :mod:`lazyray`).

    Python's operators are the op functions of the namespace ``ops``
    themselves (``x + 1`` costs one call); ``__eq__`` builds a node (graph
    code keys on identity) and ``__hash__`` stays identity-based.  Array
    methods such as ``x.sum(axis)`` are the op functions too, and statistics,
    drawing and code generation methods forward to their modules.
    """
    _NAMESPACE[0] = namespace
    LATE.stack = ops.stack
    for name, value in vars(_Methods).items():
        if not name.startswith("__") or name in _PROTOCOL:
            setattr(LazyArray, name, value)
    for name in _OP_METHODS:
        setattr(LazyArray, name, getattr(ops, name))
    from .ops.elementwise_general import conj_method

    # ``ndarray.conj()`` keeps bool, where the function ``np.conj`` gives int8
    LazyArray.conj = LazyArray.conjugate = conj_method
    for name, (module, func, fixed) in _DELEGATES.items():
        setattr(LazyArray, name, _delegate(name, module, func, **fixed))
    from .ops.elementwise import REFLECTED

    def rmatmul(self, other):
        return ops.matmul(other, self)

    for dunder, name in _BINARY_DUNDERS.items():
        setattr(LazyArray, f"__{dunder}__", getattr(ops, name))
        setattr(LazyArray, f"__r{dunder}__", REFLECTED.get(name, rmatmul))
    for dunder, name in {**_OPERATORS, **_COMPARISONS, **_UNARY_DUNDERS}.items():
        setattr(LazyArray, f"__{dunder}__", getattr(ops, name))
    LazyArray.__hash__ = object.__hash__
