"""The graph node, :class:`LazyArray`: slots, leaves, properties and dunders.

Everything that is not intrinsic to a node (ops, traversal, execution,
statistics, drawing, code generation) lives in its own module; the methods
here only delegate.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import autoray
import numpy as np

from .conversion import ConversionMixin
from .dtypes import _SUPPORTED, dtype_name, dtype_object, itemsize, supported_dtype
from .shapes import check_shape, prod

__all__ = ["LazyArray", "array", "Variable", "new_node", "CustomOp", "supported_dtype"]


class CustomOp(str):
    """The name of a node computed by a user callable rather than a registry op.

    A plain ``str`` op name always means a registry op; passes and rules test
    ``type(node.fn_name) is str`` before trusting the name.
    """

    __slots__ = ()


class _Sharing(threading.local):
    """Thread-local sharing cache; a global count of active caches lets the
    tracing hot path skip the thread-local lookup when no thread shares."""

    _cache = None

    @property
    def cache(self):
        return self._cache

    @cache.setter
    def cache(self, value):
        with _ACTIVE_LOCK:
            _ACTIVE[0] += (value is not None) - (self._cache is not None)
            self._cache = value


class _Late:
    """Functions of the modules built on this one that a node needs: those
    modules import this one, so each binds its function here when imported
    (this module never imports them)."""

    #: :func:`lazyray.graph.traverse.to_list` (the lazy arrays in a pytree)
    find_lazy: Callable
    #: :func:`lazyray.graph.sharing.share_new` and ``share_leaf``
    share_new: Callable
    share_leaf: Callable
    #: :func:`lazyray.stack` (``lazyray.array`` of nested lists of lazy arrays)
    stack: Callable


LATE = _Late()

_ACTIVE = [0]
_ACTIVE_LOCK = threading.Lock()

#: thread-local state of :func:`lazyray.shared_intermediates`
SHARING = _Sharing()

_new = object.__new__
_NDARRAY = np.ndarray


def new_node(op, fn, args, kwargs, shape, dtype, backend, deps):
    """Create an op node (the hot path of tracing: no validation here).

    ``deps`` is the tuple of lazy arrays found in ``args``/``kwargs``.
    """
    if _ACTIVE[0]:
        cache = SHARING._cache
        if cache is not None:  # the node of the cache, or a new one inserted
            return LATE.share_new(cache, op, fn, args, kwargs, shape, dtype, backend, deps)
    return build_node(op, fn, args, kwargs, shape, dtype, backend, deps)


def build_node(op, fn, args, kwargs, shape, dtype, backend, deps):
    """A new op node, never a shared one (:func:`new_node` outside a sharing
    context; the sharing cache and the optimizer build theirs with it)."""
    node = _new(LazyArray)
    node._op = op
    node._fn = fn
    node._args = args
    node._kwargs = kwargs
    node._shape = shape
    node._dtype = dtype
    node._backend = backend
    node._deps = deps
    node._data = None
    n = len(deps)
    if n == 1:
        node._depth = deps[0]._depth + 1
    elif n == 2:
        d0, d1 = deps[0]._depth, deps[1]._depth
        node._depth = (d0 if d0 > d1 else d1) + 1
    else:
        node._depth = max([d._depth for d in deps], default=-1) + 1
    return node


def _leaf(op, data, shape, dtype, backend):
    node = _new(LazyArray)
    node._op = op
    node._fn = None
    node._args = None
    node._kwargs = None
    node._shape = shape
    node._dtype = dtype
    node._backend = backend
    node._deps = ()
    node._data = data
    node._depth = 0
    return node


class LazyArray(ConversionMixin):
    """A lazy array: a node of a computational graph.

    Parameters
    ----------
    backend : str
        The backend the array would be computed with (``"numpy"``,
        ``"torch"``...).
    fn : callable
        The function computing the array, or None for a leaf.
    args : tuple
        Positional arguments of ``fn``; may hold lazy arrays (in nested
        tuples, lists and dicts too).
    kwargs : dict
        Keyword arguments of ``fn``; may hold lazy arrays.
    shape : tuple of int
        The shape ``fn(*args, **kwargs)`` will have.
    deps : tuple of LazyArray, optional
        The lazy arrays ``fn`` depends on; found from ``args`` and ``kwargs``
        when omitted.
    dtype : str, optional
        The dtype name of the result; when omitted, that of the first
        dependency (or ``"float64"``).

    Examples
    --------
    >>> import lazyray
    >>> x = lazyray.Variable((4, 4))
    >>> y = lazyray.tanh(x @ x)
    >>> y
    <LazyArray(fn=tanh, shape=(4, 4), dtype=float64, backend='numpy')>
    >>> y.depth, y.fn_name, y.dtype
    (2, 'tanh', dtype('float64'))
    """

    __module__ = "lazyray"  # its public home, whatever the layout inside

    __slots__ = (
        "_op",
        "_fn",
        "_args",
        "_kwargs",
        "_shape",
        "_dtype",
        "_backend",
        "_deps",
        "_data",
        "_depth",
    )

    def __init__(self, backend, fn, args, kwargs, shape, deps=None, dtype=None):
        deps = tuple(LATE.find_lazy((args, kwargs)) if deps is None else deps)
        if dtype is None:
            dtype = deps[0]._dtype if deps else "float64"
        self._op = CustomOp(getattr(fn, "__name__", type(fn).__name__))
        self._fn = fn
        self._args = tuple(args) if args is not None else ()
        self._kwargs = dict(kwargs) if kwargs else None
        self._shape = check_shape("LazyArray", shape)
        self._dtype = dtype_name(dtype)
        self._backend = backend
        self._deps = deps
        self._data = None
        self._depth = max((d._depth for d in deps), default=-1) + 1

    # ------------------------------------------------------------ creation

    @classmethod
    def from_data(cls, data) -> LazyArray:
        """Create a leaf holding a concrete array.

        >>> import numpy as np
        >>> LazyArray.from_data(np.ones((2, 3))).shape
        (2, 3)
        """
        if type(data) is _NDARRAY:  # the usual leaf: no dispatch to ask
            backend = "numpy"
        else:
            backend = autoray.infer_backend(data)
            if backend == "builtins" or isinstance(data, (list, tuple)):
                data, backend = np.asarray(data), "numpy"
        shape = data.shape
        if backend != "numpy":  # numpy shapes are already tuples of ints
            shape = tuple(map(int, shape))
        dtype = dtype_name(data.dtype)
        if dtype not in _SUPPORTED:
            supported_dtype("array", data.dtype)
        return _leaf("array", data, shape, dtype, backend)

    @classmethod
    def from_shape(cls, shape, backend="numpy", dtype="float64") -> LazyArray:
        """Create a placeholder leaf of given shape (a :func:`Variable`).

        >>> LazyArray.from_shape((3,), dtype="int32").dtype
        dtype('int32')
        """
        shape, dtype = check_shape("Variable", shape), supported_dtype("Variable", dtype)
        return _leaf("variable", None, shape, dtype, backend)

    def to(
        self, fn, args=None, kwargs=None, backend=None, shape=None, deps=None, dtype=None
    ) -> LazyArray:
        """A new node computed by ``fn``, inheriting backend, shape and dtype.

        ``args`` defaults to ``(self,)``; when ``args`` is given without
        ``deps`` the dependencies are found from ``args`` and ``kwargs``.

        >>> import lazyray, numpy as np
        >>> x = lazyray.array(np.arange(3.0))
        >>> y = x.to(np.cumsum)
        >>> y.fn_name, y.compute().tolist()
        ('cumsum', [0.0, 1.0, 3.0])
        """
        if args is None:
            args = (self,)
            if deps is None:
                deps = (self,)
        backend = self._backend if backend is None else backend
        shape = self._shape if shape is None else shape
        dtype = self._dtype if dtype is None else dtype
        return LazyArray(backend, fn, args, kwargs, shape, deps, dtype)

    # ---------------------------------------------------------- properties

    @property
    def fn(self) -> Callable | None:
        """The function computing this array (None once computed or a leaf)."""
        return self._fn

    @property
    def fn_name(self) -> str:
        """The canonical op name (``"add"``, ``"tensordot"``); ``"variable"``
        for a placeholder and ``"array"`` for a leaf holding data, including
        a node already computed (as :meth:`history_fn_frequencies` counts it;
        ``repr`` and ``show`` still name the op that computed it).

        >>> import lazyray, numpy as np
        >>> y = lazyray.sin(lazyray.array(np.ones(2)))
        >>> y.fn_name, lazyray.Variable((2,)).fn_name
        ('sin', 'variable')
        >>> _ = y.compute()
        >>> y.fn_name
        'array'
        """
        if self._fn is None:
            return "variable" if self._data is None else "array"
        return self._op

    @property
    def args(self) -> tuple:
        return self._args if self._args is not None else ()

    @property
    def kwargs(self) -> dict:
        """A copy of the keyword arguments (the node's dict may be shared)."""
        return dict(self._kwargs) if self._kwargs is not None else {}

    @property
    def shape(self) -> tuple:
        """The static shape; for the hidden node of a multi-output op
        (``linalg.svd``...), the tuple of its outputs' shapes."""
        return self._shape

    @property
    def ndim(self) -> int:
        """The number of dimensions, ``len(shape)`` (so the number of outputs
        for the hidden node of a multi-output op)."""
        return len(self._shape)

    @property
    def size(self) -> int:
        """The number of elements, an exact Python int (for the hidden node of
        a multi-output op, the total over its outputs).

        >>> import lazyray
        >>> u, s, vh = lazyray.linalg.svd(lazyray.Variable((4, 3)))
        >>> u.size, u.deps[0].size, u.deps[0].ndim
        (12, 24, 3)
        """
        return sum(map(prod, self._shape)) if type(self._dtype) is tuple else prod(self._shape)

    @property
    def dtype(self):
        """The static dtype, a ``numpy.dtype`` (it compares equal to its name:
        ``x.dtype == "float64"``); a tuple of them for the hidden node of a
        multi-output op.

        >>> import lazyray
        >>> x = lazyray.Variable((2,), dtype="float32")
        >>> x.dtype, x.dtype == "float32", x.dtype.itemsize
        (dtype('float32'), True, 4)
        """
        d = self._dtype
        return tuple(map(dtype_object, d)) if type(d) is tuple else dtype_object(d)

    @property
    def itemsize(self):
        """Bytes per element (a tuple, one per output, for the hidden node of
        a multi-output op)."""
        if type(self._dtype) is tuple:
            return tuple(itemsize(d) for d in self._dtype)
        return itemsize(self._dtype)

    @property
    def nbytes(self) -> int:
        """The number of bytes, an exact Python int (the total over the outputs
        for the hidden node of a multi-output op)."""
        if type(self._dtype) is tuple:
            return sum(prod(s) * itemsize(d) for s, d in zip(self._shape, self._dtype))
        return prod(self._shape) * itemsize(self._dtype)

    @property
    def backend(self) -> str:
        return self._backend

    @property
    def deps(self) -> tuple:
        """The lazy arrays this array directly depends on."""
        return self._deps

    @property
    def depth(self) -> int:
        """The longest distance to a leaf of the graph."""
        return self._depth

    @property
    def data(self):
        """The computed value, or None."""
        return self._data

    # Traversal, execution, op-function methods (``x.T``, ``x[...]``,
    # ``x.reshape``, ``x.compute()``) and numpy's protocols belong to higher
    # layers: lazyray.methods.bind() binds them.

    # ---------------------------------------------------- python protocol

    def __repr__(self) -> str:
        return (
            f"<LazyArray(fn={self._op}, shape={self._shape}, "
            f"dtype={self._dtype}, backend={self._backend!r})>"
        )

    __hash__ = object.__hash__

    def __len__(self) -> int:
        """The first dimension (the number of outputs for the hidden node of a
        multi-output op)."""
        if not self._shape:
            raise TypeError("len() of a 0-d LazyArray")
        if type(self._dtype) is tuple:
            return len(self._shape)
        return self._shape[0]

    def __iter__(self) -> Iterator[LazyArray]:
        if type(self._dtype) is tuple:  # the outputs of a multi-output op
            from .registry import resolve

            fn, t = resolve(self._backend, "item"), (self,)
            for i, (s, d) in enumerate(zip(self._shape, self._dtype)):
                yield new_node("item", fn, (self, i), None, s, d, self._backend, t)
            return
        for i in range(len(self)):
            yield self[i]


def array(x) -> LazyArray:
    """Wrap a concrete array as a leaf of a lazy graph.

    Inside :func:`lazyray.shared_intermediates`, wrapping the same object
    twice gives the same node.

    >>> import numpy as np, lazyray
    >>> x = lazyray.array(np.ones((2, 3), dtype="float32"))
    >>> x.shape, x.dtype, x.backend
    ((2, 3), dtype('float32'), 'numpy')

    A (nested) list or tuple holding lazy arrays becomes a ``stack`` of them
    (Python numbers become constants, with numpy's dtype rules), so the
    dependencies stay in the graph, Variables included:

    >>> a, b = lazyray.Variable(()), lazyray.Variable((), dtype="float32")
    >>> y = lazyray.array([[a, 1.0], [b, 2]])
    >>> y.fn_name, y.shape, y.dtype, len(list(lazyray.ascend(y)))
    ('stack', (2, 2), dtype('float64'), 5)
    """
    if type(x) is not _NDARRAY:  # (a numpy array, the usual leaf, is neither)
        if isinstance(x, LazyArray):
            return x
        if isinstance(x, (list, tuple)) and _holds_lazy(x):
            return _stack_nested(x)
    if _ACTIVE[0]:
        cache = SHARING._cache
        if cache is not None:
            return LATE.share_leaf(cache, x)
    return LazyArray.from_data(x)


def _holds_lazy(x) -> bool:
    """Does the (nested) list or tuple ``x`` hold a LazyArray? (iterative)"""
    stack = [x]
    while stack:
        for v in stack.pop():
            if type(v) is LazyArray or isinstance(v, LazyArray):
                return True
            if isinstance(v, (list, tuple)):
                stack.append(v)
    return False


def _stack_nested(x) -> LazyArray:
    """``stack`` of the nested lists and tuples ``x`` (innermost first,
    iteratively); sub-lists without a LazyArray become one constant each."""

    # post-order over the lists that hold lazy arrays: children before parents
    order, todo = [], [x]
    while todo:
        seq = todo.pop()
        order.append(seq)
        todo.extend(v for v in seq if isinstance(v, (list, tuple)) and _holds_lazy(v))
    built: dict = {}
    for seq in reversed(order):
        items = []
        for v in seq:
            if isinstance(v, (list, tuple)):
                v = built[id(v)] if id(v) in built else np.asarray(v)
            items.append(v)
        built[id(seq)] = LATE.stack(items)
    return built[id(x)]


def Variable(shape, backend=None, dtype="float64") -> LazyArray:  # noqa: N802
    """A placeholder leaf of known shape and dtype but no data.

    >>> import lazyray
    >>> v = lazyray.Variable((2, 3), dtype="complex64")
    >>> (v.shape, v.dtype, v.backend)
    ((2, 3), dtype('complex64'), 'numpy')
    """
    return LazyArray.from_shape(shape, backend=backend or "numpy", dtype=dtype)
