"""Built-in example computations, written once against ``autoray.do`` so they
run eagerly on any backend and trace lazily on lazyray arrays."""

from __future__ import annotations

from autoray import do


def gram_schmidt(x):
    """Modified Gram-Schmidt orthonormalization of the columns of ``x``.

    >>> import numpy as np, lazyray
    >>> x = np.random.default_rng(0).normal(size=(6, 6))
    >>> q = gram_schmidt(lazyray.array(x))
    >>> np.allclose(q.compute(), gram_schmidt(x))
    True
    """
    n = x.shape[1]
    qs = []
    for j in range(n):
        v = x[:, j]
        for q in qs:
            v = v - do("tensordot", do("conj", q), v, 1) * q
        v = v / do("linalg.norm", v)
        qs.append(v)
    return do("stack", qs, axis=1)


def mps_overlap(tensors_a, tensors_b):
    """Overlap of two open-boundary matrix product states given as lists of
    ``(left, phys, right)`` tensors (first and last with bond 1)."""
    env = do("ones", (1, 1), like=tensors_a[0])
    for a, b in zip(tensors_a, tensors_b):
        env = do("tensordot", env, a, ((0,), (0,)))
        env = do("tensordot", env, do("conj", b), ((0, 1), (0, 1)))
    return do("reshape", env, ())
