"""The execution layer: :func:`lazyray.compute` (optionally optimized, with a
progress bar, or on dask's schedulers), the cost-based partition of a graph
into tasks and the dask runners.  Built on the compilation layer (tasks are
compiled pieces of the graph)."""

from . import todask  # noqa: F401 - binds Function(scheduler=...)
