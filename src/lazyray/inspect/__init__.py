"""The inspection layer: statistics, FLOPs, memory, summaries, text views
and plots of a graph, all before anything runs.  Built on the graph and ops
layers only; ``LazyArray`` methods such as ``x.summary()`` and
``x.plot_graph()`` are bound to it by :func:`lazyray.methods.bind`."""
