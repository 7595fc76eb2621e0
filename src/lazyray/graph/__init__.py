"""The graph layer: the node (:mod:`.node`), the op registry with the shape
and dtype rules (:mod:`.registry`, :mod:`.shapes`, :mod:`.dtypes`), pytrees,
traversal, sharing and the evaluation walk.  It imports nothing else of
lazyray; the layers above bind what a node needs from them (see
:data:`.node.LATE` and :func:`lazyray.methods.bind`)."""

from . import sharing, traverse  # noqa: F401 - they bind node.LATE
