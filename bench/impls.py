"""The implementations compared, behind one small adapter interface.

``numpy`` runs a workload eagerly (its one phase is ``eager``); the lazy
implementations (``lazyray``, ``autoray.lazy``, ``dask``) trace a graph from
wrapped inputs (``trace``) and then run it (``compute``).  ``lazyray`` and
``autoray.lazy`` can also compile a graph traced from placeholder variables
into a ``Function`` (``build``) and call it on concrete arrays (``call``).
"""

from __future__ import annotations

import inspect


def count_graph(out) -> int:
    """Unique nodes behind a lazyray or ``autoray.lazy`` array (iterative)."""
    seen = set()
    stack = [out]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.extend(node._deps)
    return len(seen)


class Impl:
    """Adapter base: how one implementation wraps, computes and compiles."""

    name = "?"
    lazy = True
    #: ``[(label, kwargs)]`` of Function variants; empty when unsupported
    function_variants: list = []
    #: the label of the variant a plain ``Function(inputs, outputs)`` gives
    function_default: str | None = None
    #: why Function is not measured, or None
    function_na: str | None = None

    def available(self) -> str | None:
        """None if usable, else the reason it is not."""
        return None

    def version(self) -> str:
        return ""

    def wrap(self, arrays):
        return arrays

    def compute(self, out):
        return out

    def nodes(self, out) -> int | None:
        return None

    def variables(self, arrays):
        raise NotImplementedError

    def build(self, variables, out, **kwargs):
        raise NotImplementedError

    def call(self, f, arrays):
        return f(arrays)


class Numpy(Impl):
    name = "numpy"
    lazy = False

    def version(self):
        import numpy

        return numpy.__version__


class Lazyray(Impl):
    name = "lazyray"

    def __init__(self):
        import lazyray

        self.lr = lazyray
        try:
            fn = lazyray.Function
        except Exception as e:  # codegen.py not written yet
            self.function_na = f"lazyray.Function unavailable ({type(e).__name__}: {e})"
            self.function_variants = []
            return
        self.Function = fn
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            params = {}
        if "optimize" in params:
            default = params["optimize"].default
            self.function_variants = [
                ("opt=False", {"optimize": False}),
                ("opt=True", {"optimize": True}),
            ]
            self.function_default = "opt=False" if default is False else "opt=True"
        else:
            self.function_variants = [("default", {})]
            self.function_default = "default"

    def version(self):
        return getattr(self.lr, "__version__", "")

    def wrap(self, arrays):
        array = self.lr.array
        return [array(a) for a in arrays]

    def compute(self, out):
        return self.lr.compute(out)

    def nodes(self, out):
        return count_graph(out)

    def variables(self, arrays):
        v = self.lr.Variable
        return [v(a.shape, dtype=str(a.dtype)) for a in arrays]

    def build(self, variables, out, **kwargs):
        return self.Function(variables, out, **kwargs)


class AutorayLazy(Impl):
    name = "autoray.lazy"

    def __init__(self):
        from autoray import lazy

        self.al = lazy
        self.function_variants = [("default", {})]
        self.function_default = "default"

    def version(self):
        import autoray

        return autoray.__version__

    def wrap(self, arrays):
        array = self.al.array
        return [array(a) for a in arrays]

    def compute(self, out):
        return self.al.compute(out)

    def nodes(self, out):
        return count_graph(out)

    def variables(self, arrays):
        v = self.al.Variable
        return [v(a.shape, backend="numpy") for a in arrays]

    def build(self, variables, out, **kwargs):
        return self.al.Function(variables, out, **kwargs)


class Dask(Impl):
    """``dask.array`` with one chunk per input, computed with the synchronous
    scheduler (the faster of dask's local schedulers for these tiny tasks)."""

    name = "dask"
    function_na = "dask has no Function"

    def available(self):
        try:
            import dask.array  # noqa: F401
        except ImportError as e:
            return f"dask not installed ({e})"
        return None

    def version(self):
        import dask

        return dask.__version__

    def wrap(self, arrays):
        import dask.array as da

        return [da.from_array(a) for a in arrays]

    def compute(self, out):
        return out.compute(scheduler="synchronous")

    def nodes(self, out):
        return len(out.__dask_graph__())


def get_impls(names=None) -> list[Impl]:
    """The implementations to run (all available ones by default)."""
    table = {"numpy": Numpy, "lazyray": Lazyray, "autoray.lazy": AutorayLazy, "dask": Dask}
    out = []
    for name, cls in table.items():
        if names and name not in names:
            continue
        out.append(cls())
    return out


def get_impl(name: str) -> Impl:
    return get_impls([name])[0]
