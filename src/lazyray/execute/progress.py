"""Computing with a progress bar: ``lazyray.compute(x, progbar=True)``.

The bar counts the nodes left to compute.  tqdm is used when installed;
otherwise a plain text bar is written to standard error.
"""

from __future__ import annotations

import sys
import time

from ..graph.traverse import ascend, descend, find_lazy

__all__ = ["compute_with_progress"]


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
    kwargs.setdefault("unit", "node")
    kwargs.setdefault("desc", "lazyray")
    return tqdm(total=total, **kwargs)


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
    from ..graph.evaluate import compute_nodes

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
