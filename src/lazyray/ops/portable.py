"""Contractions with numpy's meaning on every backend.

A graph is retargeted by op name, so an op must mean the same on every
backend.  numpy, JAX, CuPy and dask agree with numpy on the contractions
(``tensordot``, ``matmul``, ``dot``, ``einsum``, ``kron``, ``outer``,
``inner``, ``vdot``), and the registry resolves them to the backend's own
functions (on numpy: numpy's, the same calls and the same values).  Other
backends differ, so the registry resolves the contractions, for those, to
the implementations below:

* ``dot``, ``outer`` and ``vdot`` are made of the backend's ``matmul``,
  ``tensordot``, ``multiply``, ``reshape`` and 1-d ``vdot`` (``torch.dot``
  and ``torch.vdot`` take 1-d tensors only, ``torch.outer`` does not
  flatten);
* operands of different dtypes are first cast to the dtype numpy's rules
  give (the static dtype of the node): torch's contractions refuse mixed
  dtypes (``int64 @ complex128``) and its promotion differs from numpy's
  (``float16 * int64`` is ``float16``).

>>> import numpy as np
>>> dot_impl("numpy") is np.dot
True
"""

from __future__ import annotations

from functools import partial

__all__ = ["NUMPY_LIKE", "IMPLS"]

#: backends whose contractions are numpy's
NUMPY_LIKE = frozenset({"numpy", "jax", "cupy", "dask"})


def _lib(backend, name):
    import autoray

    return autoray.get_lib_fn(backend, name)


def _promoting(fn, backend, name):
    """``fn`` on its array arguments cast, when their dtypes differ, to the
    dtype numpy's rules give them."""
    import autoray
    import numpy as np

    from .dtypes import dtype_name

    def call(*args, **kwargs):
        first = None
        for a in args:
            dt = getattr(a, "dtype", None)
            if dt is not None:
                if first is None:
                    first = dt
                elif dt is not first and dt != first:
                    break
        else:  # one dtype (the usual case)
            return fn(*args, **kwargs)
        names = [dtype_name(a.dtype) if hasattr(a, "dtype") else None for a in args]
        target = np.result_type(*[n for n in names if n is not None]).name
        args = [
            a if n is None or n == target else autoray.do("astype", a, target, like=backend)
            for a, n in zip(args, names)
        ]
        return fn(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def _dot(backend):
    matmul, tensordot = _lib(backend, "matmul"), _lib(backend, "tensordot")
    multiply = _lib(backend, "multiply")

    def dot(a, b):
        na, nb = len(a.shape), len(b.shape)
        if na == 0 or nb == 0:
            return multiply(a, b)
        if na <= 2 and nb <= 2:
            return matmul(a, b)
        return tensordot(a, b, ((na - 1,), (max(nb - 2, 0),)))

    return dot


def _outer(backend):
    multiply, reshape = _lib(backend, "multiply"), _lib(backend, "reshape")

    def outer(a, b):
        return multiply(reshape(a, (-1, 1)), reshape(b, (1, -1)))

    return outer


def _vdot(backend):
    vdot_1d, reshape = _lib(backend, "vdot"), _lib(backend, "reshape")

    def vdot(a, b):
        return vdot_1d(reshape(a, (-1,)), reshape(b, (-1,)))

    return vdot


_OWN = {"dot": _dot, "outer": _outer, "vdot": _vdot}


def impl(name: str, backend: str):
    """The registry's implementation of contraction ``name`` on ``backend``
    (a factory for :func:`lazyray.ops.registry.register`, with ``name``
    bound)."""
    if backend in NUMPY_LIKE:
        return _lib(backend, name)
    own = _OWN.get(name)
    fn = own(backend) if own is not None else _lib(backend, name)
    return _promoting(fn, backend, name)


#: the factory of each contraction, for the registry
IMPLS = {
    n: partial(impl, n)
    for n in ("tensordot", "matmul", "dot", "einsum", "kron", "outer", "inner", "vdot")
}

#: ``dot``'s factory (see :data:`IMPLS`)
dot_impl = IMPLS["dot"]
