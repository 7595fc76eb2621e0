"""Dead code elimination.

A lazy graph is what its outputs reach, so rebuilding from the outputs drops
every node no output needs: the branches a multi-output graph (a dict or
tuple of outputs, a :class:`~lazyray.Function`) traced but does not return,
and the ``item`` nodes of outputs of multi-output ops nobody uses.  On top of
that, a multi-output op only part of whose outputs are used is narrowed to a
cheaper op computing just those (a rule of the engine, :mod:`.engine`, on
``item`` nodes (:mod:`.narrow`), applied by a second walk once every use is
known):

==================  =======================================  ===================
op, outputs used    replaced by                              values
==================  =======================================  ===================
``split``, some     one ``getitem`` slice per used output    bit-for-bit (the
                                                             same views)
``linalg.eigh``,    ``linalg.eigvalsh``                      within 1e-12
eigenvalues only                                             relative to
                                                             ``max |w|``
                                                             (another LAPACK
                                                             driver)
==================  =======================================  ===================

``exact=True`` keeps only the bit-for-bit narrowings.
"""

from __future__ import annotations

from .engine import run

__all__ = ["dce"]


def dce(outputs, *, exact: bool = False, copy: bool = True, stats: dict | None = None):
    """Drop what the outputs do not need; narrow partly used multi-output ops.

    Parameters
    ----------
    outputs : pytree of LazyArray
        The graph's outputs.
    exact : bool, optional
        Only apply bit-for-bit narrowings (see the module table).
    copy : bool, optional
        Build new nodes for every op node (default); see
        :mod:`lazyray.passes.core`.
    stats : dict, optional
        Receives ``{"narrowed": number of multi-output ops narrowed}``.

    Returns
    -------
    The optimized outputs, in the same pytree.

    Examples
    --------
    >>> import lazyray
    >>> w, v = lazyray.linalg.eigh(lazyray.Variable((4, 4)))
    >>> [n.fn_name for n in lazyray.ascend(dce(w + 1))]
    ['variable', 'linalg.eigvalsh', 'add']
    """
    return run(outputs, cse=False, narrow=True, exact=exact, copy=copy, stats=stats)
