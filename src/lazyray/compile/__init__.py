"""The compilation layer: a graph flattened into a tape (:mod:`.tape`,
:mod:`.tapebuild`), the :class:`~.function.Function` that replays it, its
Python source (:mod:`.codegen`), retargeting to other backends, the jax /
torch compilers and :func:`lazyray.jit`.  Built on the passes, which it runs
before building a tape."""
