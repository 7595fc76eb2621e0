"""Running a graph: :func:`compute` (optionally optimized, on dask's
schedulers, or with a progress bar: :func:`compute_with_progress`, tqdm's
when installed, else a plain text bar on standard error) and
:func:`compute_constants`."""

from __future__ import annotations

import sys
import time

from ..graph.evaluate import _STRICT, _get_data, check_result, compute_nodes, set_strict, strict
from ..graph.traverse import ascend, descend, find_lazy, to_list, tree_map

__all__ = [
    "compute",
    "compute_constants",
    "compute_with_progress",
    "compute_nodes",
    "strict",
    "set_strict",
    "check_result",
    "_STRICT",
]


def compute(lz, optimize=False, **kwargs):
    """Compute one or more lazy arrays.

    Every computed node keeps its value in ``_data`` and drops its function,
    arguments and dependencies.

    Parameters
    ----------
    lz : pytree of LazyArray
        The output(s): a lazy array, or any nesting of sequences and mappings
        of them (tuples, lists, dicts, namedtuples, ``OrderedDict``,
        ``defaultdict``...), returned with the same types; see
        :mod:`lazyray.graph.pytree` for the rule.
    optimize : bool or dict, optional
        Run :func:`lazyray.optimize` first (a dict: its keyword arguments) and
        compute the optimized graph in a memory-aware order; the outputs take
        the values, the user's intermediate nodes are left untouched.
    progbar : bool, optional
        Show a progress bar (requires tqdm).
    scheduler : str or distributed.Client, optional
        Run the graph as dask tasks cut by cost (:func:`lazyray.partition`):
        ``"threads"``, ``"sync"``, ``"processes"`` or a ``distributed.Client``;
        results are identical to the sequential run.  None (default) runs
        sequentially in this thread.  Other keywords go to
        :func:`lazyray.execute.todask.compute_with_scheduler`.

    Returns
    -------
    The computed value(s), in the same structure as ``lz``.

    Examples
    --------
    >>> import lazyray, numpy as np
    >>> x = lazyray.array(np.arange(4.0))
    >>> lazyray.compute({"s": x.sum(), "m": (x * 2)[1:]})
    {'s': np.float64(6.0), 'm': array([2., 4., 6.])}
    """
    scheduler = kwargs.pop("scheduler", None)
    if scheduler is not None:  # dask tasks (lazyray.execute.todask)
        from .todask import compute_with_scheduler

        return compute_with_scheduler(lz, scheduler, optimize=optimize or "exact", **kwargs)
    progbar = kwargs.pop("progbar", False)
    if kwargs:
        raise TypeError(f"compute() got unexpected keyword arguments {sorted(kwargs)}")
    try:
        _compute(lz, optimize, progbar)
    except Exception as e:  # the node whose op raised, named in a note
        from .todask import note_failed_node

        note_failed_node(e)
        raise
    return tree_map(_get_data, lz)


def _compute(lz, optimize, progbar) -> None:
    if optimize:
        from ..passes import compute_in_order, memory_order
        from ..passes import optimize as run_passes

        opt = run_passes(lz, **({} if optimize is True else dict(optimize)))
        if progbar:
            compute_with_progress(opt)
        else:
            compute_in_order(memory_order(opt).order)
        for node, new in zip(find_lazy(lz), find_lazy(opt)):
            if node._data is None:  # outputs take the values, as compute() does
                node._data = new._data
                node._fn = node._args = node._kwargs = None
                node._deps = ()
    elif progbar:
        compute_with_progress(lz)
    else:
        compute_nodes(to_list(lz))


def compute_constants(lz, variables) -> None:
    """Compute, in place, every node of ``lz`` that does not depend on
    ``variables``, so that only the variable-dependent part remains lazy.

    >>> import lazyray, numpy as np
    >>> x = lazyray.Variable((2,))
    >>> c = lazyray.array(np.ones(2)) * 3
    >>> y = x + c
    >>> compute_constants(y, [x])
    >>> c.fn is None, y.fn is None
    (True, False)
    """
    var_ids = {id(v) for v in find_lazy(variables)}
    dependent = set()
    frontier = []
    for node in ascend(lz):
        if id(node) in var_ids or any(id(d) in dependent for d in node._deps):
            dependent.add(id(node))
            frontier.extend(d for d in node._deps if id(d) not in dependent and d._data is None)
        elif node._data is None and node._fn is None:
            raise ValueError(
                f"compute_constants: the graph holds a Variable of shape "
                f"{node._shape} that is not among the given variables"
            )
    for out in find_lazy(lz):
        if id(out) not in dependent and out._data is None:
            frontier.append(out)
    compute_nodes(frontier)


class _TextBar:
    """A minimal stand-in for tqdm: ``[#####.....] 50% 500/1000 nodes``."""

    def __init__(self, total, file=None, width=30, min_interval=0.1):
        self.total, self.n = total, 0
        self.file = sys.stderr if file is None else file
        self.width, self.min_interval = width, min_interval
        self._last = 0.0

    def update(self, k=1):
        self.n += k
        now = time.monotonic()
        if now - self._last >= self.min_interval or self.n >= self.total:
            self._last = now
            self._draw()

    def _draw(self):
        frac = self.n / self.total if self.total else 1.0
        done = int(self.width * frac)
        bar = "#" * done + "." * (self.width - done)
        self.file.write(f"\r[{bar}] {100 * frac:3.0f}% {self.n}/{self.total} nodes")
        self.file.flush()

    def close(self):
        self._draw()
        self.file.write("\n")
        self.file.flush()


def _bar(total, **kwargs):
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _TextBar(total, file=kwargs.get("file"))
    return tqdm(total=total, **{"unit": "node", "desc": "lazyray", **kwargs})


def compute_with_progress(lz, **tqdm_kwargs) -> None:
    """Compute, in place, every node of ``lz`` with a progress bar.

    The nodes are computed one by one in :func:`lazyray.ascend` order (the
    order of :func:`lazyray.compute`), so intermediates are freed after
    their last use as usual.  ``tqdm_kwargs`` go to ``tqdm`` (e.g.
    ``file=``, ``desc=``).

    >>> import io, lazyray, numpy as np
    >>> x = lazyray.array(np.ones(3))
    >>> y = lazyray.sin(x) + 1
    >>> compute_with_progress(y, file=io.StringIO())
    >>> y.data
    array([1.84147098, 1.84147098, 1.84147098])
    """
    outputs = list(find_lazy(lz))
    total = sum(1 for node in descend(outputs) if node._fn is not None)
    bar = _bar(total, **tqdm_kwargs)
    try:
        for node in ascend(outputs):
            if node._fn is not None:
                compute_nodes([node])
                bar.update(1)
    finally:
        bar.close()
