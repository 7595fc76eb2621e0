"""quimb's one-node lazy decompositions, for lazyray's own autoray backend.

quimb registers one-node lazy versions of its ``svd_truncated`` and
``qr_stabilized`` only for autoray's own lazy module's backend; on any other
lazy backend it traces its composed implementation, a few dozen small nodes.
:func:`svd_truncated` and :func:`qr_stabilized` are the one-node versions for
the backend ``"lazyray"`` (registered on ``import lazyray``): ONE multi-output
node, plus an ``item`` node per output used, with static shapes and dtypes.
Inside :func:`lazyray.shared_intermediates` the same call returns the same
nodes, as quimb's ``lazy_cache`` would: each node is shared by its exact key.

lazyray does not import quimb: the caller did.  The node's function finds
quimb's implementation by name through autoray's registry when it runs
(:func:`run_svd_truncated`, :func:`run_qr_stabilized`), for the backend of its
actual input, so a :class:`~lazyray.Function` traced on numpy runs on torch
tensors with quimb's torch implementation.
"""

from __future__ import annotations

import autoray

from ..graph.dtypes import real_dtype
from ..graph.node import CustomOp, new_node
from ..graph.registry import resolve
from ..ops.common import intern_kwargs, lazy
from ..ops.linalg_api import matrix_operand

__all__ = [
    "DECOMPOSITIONS",
    "qr_stabilized",
    "run_qr_stabilized",
    "run_svd_truncated",
    "svd_truncated",
]

#: quimb's codes of ``absorb`` (``quimb.tensor.decomp``), used only when the
#: installed quimb predates its tables of which factors each mode returns
_GET_U_S_VH, _GET_S = None, 2
_BOTH_SIDES = frozenset((None, -1, 0, 1))
#: quimb's names of the ``absorb`` modes ``qr_stabilized`` accepts
_QR_MODES = ("get_U_sVH", "get_U", "get_sVH", "get_Us_VH", "get_Us", "get_VH")

_DYNAMIC = "Can't handle dynamic cutoffs in lazy mode."


def _lib_fn(x, name: str):
    """autoray's implementation of quimb's ``name`` for the backend of ``x``,
    importing quimb's decompositions if nobody has yet (a graph unpickled in
    a fresh process)."""
    backend = autoray.infer_backend(x)
    try:
        return autoray.get_lib_fn(backend, name)
    except ImportError:
        import quimb.tensor.decomp  # noqa: F401  (registers quimb's composed functions)

        return autoray.get_lib_fn(backend, name)


def run_svd_truncated(x, cutoff, cutoff_mode, max_bond, absorb, renorm):
    """quimb's ``svd_truncated`` for the backend of the concrete array ``x``
    (the function of the node :func:`svd_truncated` builds).

    Examples
    --------
    With quimb installed (plain text: quimb is optional)::

        U, s, VH = run_svd_truncated(np.ones((3, 2)), 0.0, "rel", 1, None, 0)
        U.shape, s.shape, VH.shape  # ((3, 1), (1,), (1, 2))
    """
    return _lib_fn(x, "svd_truncated")(x, cutoff, cutoff_mode, max_bond, absorb, renorm)


def run_qr_stabilized(x, **kwargs):
    """quimb's ``qr_stabilized`` for the backend of the concrete array ``x``
    (the function of the node :func:`qr_stabilized` builds).

    Examples
    --------
    With quimb installed (plain text: quimb is optional)::

        Q, _, R = run_qr_stabilized(np.ones((3, 2)), absorb=1)
        Q.shape, R.shape  # ((3, 2), (2, 2))
    """
    return _lib_fn(x, "qr_stabilized")(x, **kwargs)


run_svd_truncated.__name__ = "svd_truncated"  # the op name graphs show
run_qr_stabilized.__name__ = "qr_stabilized"


def _absorb_tables(absorb, qr: bool = False):
    """quimb's numeric ``absorb`` code and whether the left factor, the
    singular values and the right factor are returned (quimb's own tables,
    read from quimb: the caller, so already imported)."""
    from quimb.tensor import decomp as qd

    code = qd._ABSORB_MAP[absorb] if hasattr(qd, "_ABSORB_MAP") else absorb
    if qr and code not in {getattr(qd, n, 1) for n in _QR_MODES}:
        raise ValueError(f"Invalid absorb mode for qr_stabilized: {code}")
    left = getattr(qd, "_RETURNS_LEFT_ABSORBS", _BOTH_SIDES)
    right = getattr(qd, "_RETURNS_RIGHT_ABSORBS", _BOTH_SIDES)
    svals = code in (_GET_U_S_VH, getattr(qd, "get_s", _GET_S))
    return code, code in left, svals, code in right


def _multi_output(name, fn, x, args, kwargs, outputs):
    """ONE node of ``fn`` returning a 3-tuple, and an ``item`` node for each
    output ``(shape, dtype)`` that is not None (the others are None)."""
    shapes = tuple((0,) if o is None else o[0] for o in outputs)
    dts = tuple(x._dtype if o is None else o[1] for o in outputs)
    b = x._backend
    base = new_node(CustomOp(name), fn, args, kwargs, shapes, dts, b, (x,))
    item, t = resolve(b, "item"), (base,)
    return tuple(
        None if o is None else new_node("item", item, (base, i), None, o[0], o[1], b, t)
        for i, o in enumerate(outputs)
    )


def svd_truncated(
    x, cutoff: float = -1.0, cutoff_mode=2, max_bond: int = -1, absorb=0, renorm=0, info=None
) -> tuple:
    """quimb's ``svd_truncated`` on a lazy array, as one node: ``(U, s, VH)``
    truncated to ``max_bond`` (when positive), the singular values absorbed
    as quimb's ``absorb`` code says (``s`` is None unless returned, and so is
    a factor ``absorb`` does not return).  The node computes quimb's
    ``svd_truncated`` for the backend of its input, looked up through
    autoray when it runs.

    A dynamic truncation (positive ``cutoff``) or a request for the
    truncation error (``info``) is not one node: it runs quimb's composed
    implementation, as on any lazy backend, whose truncation is resolved by
    computing the singular values, so it works only on a graph that depends
    on no :func:`~lazyray.Variable`; on one that does, a positive ``cutoff``
    raises quimb's ``ValueError``.

    Parameters
    ----------
    x : LazyArray
        A matrix or a batch of matrices, ``(..., m, n)``.
    cutoff : float, optional
        Drop the singular values below it (``cutoff_mode``); not positive:
        only ``max_bond`` truncates.
    cutoff_mode : int or str, optional
        quimb's cutoff mode (passed on).
    max_bond : int, optional
        Keep at most this many singular values (``-1``: all).
    absorb : int, str or None, optional
        quimb's absorb mode (``0``/``"both"``, ``-1``/``"left"``,
        ``1``/``"right"``, ``None``: ``U, s, VH``...).
    renorm : int, optional
        quimb's renormalization power (passed on).
    info : dict, optional
        quimb's dict receiving the truncation error (key ``"error"``).

    Returns
    -------
    U, s, VH : LazyArray or None
        ``(..., m, k)``, ``(..., k)`` (real) and ``(..., k, n)`` with
        ``k = min(m, n, max_bond)``.

    Examples
    --------
    With quimb installed (plain text: quimb is optional), quimb's
    ``svd_truncated`` dispatches here for lazyray arrays::

        from quimb.tensor.decomp import svd_truncated
        U, s, VH = svd_truncated(lazyray.Variable((6, 4)), cutoff=0.0, max_bond=3)
        U.shape, s, VH.shape  # ((6, 3), None, (3, 4))
        U.deps[0].fn_name  # 'svd_truncated': one node, and an item per output
    """
    if cutoff > 0.0 or info is not None:
        return _svd_composed(x, cutoff, cutoff_mode, max_bond, absorb, renorm, info)
    return _svd_one_node(x, cutoff, cutoff_mode, max_bond, absorb, renorm)


def _svd_composed(x, cutoff, cutoff_mode, max_bond, absorb, renorm, info):
    """quimb's composed ``svd_truncated`` (lazyray's graph before issue 11)."""
    from quimb.tensor import decomp as qd

    x = lazy("svd_truncated", x)
    if cutoff > 0.0 and x._data is None and x._free_variables():
        raise ValueError(
            f"{_DYNAMIC} (the array depends on a lazyray Variable: its singular "
            "values, hence the truncated shapes, are unknown; use max_bond with cutoff=0.0)"
        )
    kw = {"cutoff_mode": cutoff_mode, "max_bond": max_bond, "absorb": absorb, "renorm": renorm}
    return qd.svd_truncated._default_fn(x, cutoff=cutoff, info=info, **kw)


def _svd_one_node(x, cutoff, cutoff_mode, max_bond, absorb, renorm):
    x, b, m, n, d = matrix_operand("svd_truncated", x)
    code, left, svals, right = _absorb_tables(absorb)
    k = min(m, n, max_bond) if max_bond > 0 else min(m, n)
    args = (x, cutoff, cutoff_mode, max_bond, code, renorm)
    outputs = [
        ((*b, m, k), d) if left else None,
        ((*b, k), real_dtype(d)) if svals else None,
        ((*b, k, n), d) if right else None,
    ]
    return _multi_output("svd_truncated", run_svd_truncated, x, args, None, outputs)


def qr_stabilized(x, absorb=1, **kwargs) -> tuple:
    """quimb's ``qr_stabilized`` on a lazy array, as one node: ``(Q, None,
    R)`` (or the LQ-like factors, as quimb's ``absorb`` says; a factor it
    does not return is None).

    The node computes quimb's ``qr_stabilized`` for the backend of its
    input, looked up through autoray when it runs; ``kwargs`` (e.g.
    ``stabilized``) are passed on.

    Parameters
    ----------
    x : as in :func:`svd_truncated`
    absorb : int or str, optional
        quimb's absorb mode (``1``/``"right"``: QR, ``-1``/``"left"``: LQ,
        ``"lorthog"``, ``"rfactor"``...).
    **kwargs
        Passed on to quimb's function.

    Returns
    -------
    Q, None, R : LazyArray or None
        ``(..., m, k)`` and ``(..., k, n)`` with ``k = min(m, n)``.

    Examples
    --------
    With quimb installed (plain text: quimb is optional)::

        from quimb.tensor.decomp import qr_stabilized
        Q, _, R = qr_stabilized(lazyray.Variable((6, 4)))
        Q.shape, R.shape  # ((6, 4), (4, 4))
    """
    x, b, m, n, d = matrix_operand("qr_stabilized", x)
    code, left, _, right = _absorb_tables(absorb, qr=True)
    k = min(m, n)
    kwargs["absorb"] = code
    if all(v is not None for v in kwargs.values()):  # one dict per content: cheaper to share
        kwargs = intern_kwargs(kwargs)[0]
    outputs = [((*b, m, k), d) if left else None, None, ((*b, k, n), d) if right else None]
    return _multi_output("qr_stabilized", run_qr_stabilized, x, (x,), kwargs, outputs)


#: autoray function name -> lazyray's implementation, registered for the
#: backend ``"lazyray"``
DECOMPOSITIONS = {"svd_truncated": svd_truncated, "qr_stabilized": qr_stabilized}
