"""Example functions for the ``lazyray inspect`` tests (tests/test_cli.py)."""

from autoray import do


def matmul_chain(a, b, c):
    """``tanh(a @ b) @ c``: hand-countable nodes, memory and FLOPs."""
    return do("tanh", a @ b) @ c


def two_outputs(x):
    """A tuple of outputs: a reduction and an elementwise op."""
    return do("sum", x, axis=0), do("exp", x)


def svd_recombine(x):
    """A multi-output op (SVD) whose factors are multiplied back."""
    u, s, vh = do("linalg.svd", x)
    return (u * s) @ vh


def not_lazy(x):
    """Returns no lazy array: an error for ``lazyray inspect``."""
    return 3


def heavy_branches(a, b):
    """Two independent heavy branches (for ``--plan``)."""
    return [do("tanh", a @ b) @ b, do("tanh", b @ a) @ a]
