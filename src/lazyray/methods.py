"""Methods of :class:`lazyray.LazyArray` bound outside its class body:
operators, op-function methods and forwarding methods (statistics, drawing,
code generation).  Keeping them as tables keeps the node class thin."""

from __future__ import annotations

from .array import LazyArray


def _delegate(name, module, func, **fixed):
    """A method forwarding to ``lazyray.<module>.<func>(self, ...)``."""

    def method(self, *args, **kwargs):
        import importlib

        target = getattr(importlib.import_module(f"lazyray.{module}"), func)
        return target(self, *args, **fixed, **kwargs)

    extra = ", ".join(f"{k}={v!r}" for k, v in fixed.items())
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (
        f"Same as :func:`lazyray.{module}.{func}` (self, ...{', ' + extra if extra else ''})."
    )
    return method


_DELEGATES = {
    # name: (module, function, fixed keyword arguments)
    "get_source": ("codegen", "get_source", {}),
    "as_string": ("codegen", "as_string", {}),
    "show": ("show", "show", {}),
    "listing": ("show", "listing", {}),
    "summary": ("stats", "summary", {}),
    "history_num_nodes": ("stats", "history_num_nodes", {}),
    "history_max_size": ("stats", "history_max_size", {}),
    "history_size_footprint": ("stats", "history_size_footprint", {}),
    "history_peak_size": ("stats", "history_peak_size", {}),
    "history_total_size": ("stats", "history_total_size", {}),
    "history_stats": ("stats", "history_stats", {}),
    "history_fn_frequencies": ("stats", "history_fn_frequencies", {}),
    "history_flops": ("stats", "history_flops", {}),
    "to_nx_digraph": ("draw", "to_nx_digraph", {}),
    "to_dot": ("draw", "to_dot", {}),
    "plot": ("draw", "plot_circuit", {}),
    "plot_circuit": ("draw", "plot_circuit", {}),
    "plot_graph": ("draw", "plot_graph", {}),
    "plot_history_size_footprint": ("draw", "plot_history_size_footprint", {}),
    "plot_history_functions": ("draw", "plot_history_functions", {}),
    "plot_history_functions_scatter": ("draw", "plot_history_functions", {"kind": "scatter"}),
    "plot_history_functions_lines": ("draw", "plot_history_functions", {"kind": "lines"}),
    "plot_history_functions_image": ("draw", "plot_history_functions", {"kind": "image"}),
    "plot_history_stats": ("draw", "plot_history_stats", {}),
    "plot_history_stats_counts": ("draw", "plot_history_stats", {"fn": "count"}),
    "plot_history_stats_sizein": ("draw", "plot_history_stats", {"fn": "sizein"}),
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


#: array methods that are the op function of the same name, ``self`` first
_OP_METHODS = (
    "astype ravel flatten squeeze swapaxes sum prod mean max min all "
    "any std var argmax argmin cumsum cumprod clip trace diagonal dot sort argsort round"
).split()


def bind(ops) -> None:
    """Bind the methods of :class:`LazyArray` that live outside its class body
    (called once, when :mod:`lazyray.ops` is loaded).

    Python's operators are the op functions of the namespace ``ops``
    themselves (``x + 1`` costs one call); ``__eq__`` builds a node (graph
    code keys on identity) and ``__hash__`` stays identity-based.  Array
    methods such as ``x.sum(axis)`` are the op functions too, and statistics,
    drawing and code generation methods forward to their modules.
    """
    for name in _OP_METHODS:
        setattr(LazyArray, name, getattr(ops, name))
    from .ops.elementwise import conj_method

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
