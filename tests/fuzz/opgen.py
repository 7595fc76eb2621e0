"""The table op -> argument generator, drawn from lazyray's op registry.

Every op of ``lazyray.graph.registry.OPS`` is fuzzed: by an explicit entry of
:data:`GENERATORS`, or by its family's default generator
(:data:`FAMILY_DEFAULTS`, which spells the op ``{ns}.<name>(...)`` and so
works for any new unary, binary or reduction op that numpy and lazyray both
name), unless it is listed, with the reason, in :data:`EXCLUDED`.
``tests/test_fuzz_programs.py`` fails when a registered op has none of the
three, so a new op is fuzzed the day it is registered.

>>> generator_for("sin").__name__, generator_for("tensordot").__name__
('unary', 'tensordot')
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import lazyray
from lazyray.graph import registry

from . import ops_api_datadep, ops_api_elementwise, ops_api_linalg, ops_api_movement
from . import ops_contraction as oc
from . import ops_elementwise as oe
from . import ops_structural as os_

_API = (ops_api_elementwise, ops_api_movement, ops_api_linalg, ops_api_datadep)

#: ops that are not drawn on their own, and why
EXCLUDED = {
    # the selector of one output of a multi-output node: every unpacked
    # linalg decomposition and every split draws it
    "item": "internal selector of multi-output ops (drawn through linalg and split)",
    **{k: v for m in _API for k, v in m.EXCLUDED.items()},
}

#: explicit generators, by registry op name
GENERATORS: dict[str, Callable] = {
    "astype": oe.astype,
    "complex": oe.complex_,
    "isclose": oe.isclose,
    "allclose": oe.isclose,
    "where": oe.where,
    "clip": oe.clip,
    "reshape": os_.reshape,
    "transpose": os_.transpose,
    "broadcast_to": os_.broadcast_to,
    "flip": os_.flip,
    "stack": os_.stack,
    "concatenate": os_.concatenate,
    "split": os_.split,
    "getitem": os_.getitem,
    "take": os_.take,
    "take_along_axis": os_.take_along_axis,
    "diagonal": os_.diagonal,
    "diag": os_.diag,
    "trace": os_.trace,
    "sort": os_.sort,
    "argsort": os_.sort,
    "tril": os_.tril,
    "triu": os_.tril,
    "tensordot": oc.tensordot,
    "einsum": oc.einsum,
    **{op: oc.product for op in ("matmul", "dot", "inner", "outer", "kron", "vdot")},
    **{op: oc.filled for op in ("zeros", "ones", "empty", "full")},
    "eye": oc.eye,
    "indices": oc.indices,
    "arange": oc.arange,
    "linspace": oc.linspace,
    **{op: oc.decomposition for op in oc._DECOMP},
    **{f"linalg.{n}": oc.matrix_fn for n in ("eigvals", "eigvalsh", "inv", "pinv", "det")},
    "linalg.cholesky": oc.cholesky,
    "linalg.solve": oc.solve,
    "linalg.norm": oc.norm,
    "linalg.matrix_power": oc.matrix_power,
    **{k: v for m in _API for k, v in m.GENERATORS.items()},
}

#: default generators of the families whose ops are all spelled alike
FAMILY_DEFAULTS: dict[str, Callable] = {
    registry.UNARY: oe.unary,
    registry.BINARY: oe.binary,
    registry.REDUCTION: os_.reduction,
}


def _public_in_both(name: str) -> bool:
    return hasattr(np, name) and hasattr(lazyray, name)


def generator_for(op: str) -> Callable | None:
    """The generator of a registered op, or ``None`` if it has none."""
    if op in GENERATORS:
        return GENERATORS[op]
    opdef = registry.OPS.get(op)
    if opdef is not None and opdef.family in FAMILY_DEFAULTS and _public_in_both(op):
        return FAMILY_DEFAULTS[opdef.family]
    return None


def fuzzed_ops() -> dict:
    """``{family: [op, ...]}`` of every registered op that has a generator."""
    out: dict = {}
    for name, opdef in registry.OPS.items():
        if name not in EXCLUDED and generator_for(name) is not None:
            out.setdefault(opdef.family, []).append(name)
    return out


def missing_generators() -> list:
    """Registered ops with no generator and no entry in :data:`EXCLUDED`."""
    return sorted(n for n in registry.OPS if n not in EXCLUDED and generator_for(n) is None)
