"""The op record table on torch and jax (CPU).

For each record, the lazy graph is traced from real torch / jax arrays and
its inferred shapes and dtypes are compared with the EAGER result of the same
backend function (``autoray.do`` on the real arrays); the graph is then
computed on that backend (strict mode checks every node) and its values
compared with the eager ones.  Records the backend itself does not support
are skipped with the reason given in the record.  jax runs in its default
configuration (x64 disabled: 32-bit results).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lazyray
from lazyray import LazyArray
from lazyray.graph import dtypes
from op_records import RECORDS, backend_inputs, call_eager, call_lazy, lazy_inputs, outputs
from test_ops_table import assert_values

BACKENDS = ["torch", "jax"]


def _structure(x):
    """The type structure of an argument template (values left out)."""
    if isinstance(x, (tuple, list)):
        return (type(x).__name__, *map(_structure, x))
    return type(x).__name__


def _signature(rec) -> tuple:
    """Records with one signature test the same backend dtype rule and call
    convention; jax compiles every new call (~40 ms), so it runs one record of
    each signature (torch runs them all)."""
    return (
        rec.op,
        tuple(i.dtype for i in rec.inputs),
        tuple(sorted(rec.kwargs)),
        _structure(rec.args),
    )


_SEEN: set = set()
JAX_SUBSET = {r.id for r in RECORDS if _signature(r) not in _SEEN and not _SEEN.add(_signature(r))}


def _to_numpy(x):
    if hasattr(x, "detach"):
        x = x.detach().cpu().resolve_conj()
        if str(x.dtype) == "torch.bfloat16":  # pragma: no cover
            x = x.float()
        return x.numpy()
    return np.asarray(x)


def _info(x) -> tuple:
    """Shape and dtype name of an eager result (torch.allclose gives a bool)."""
    if type(x) is bool:
        return (), "bool"
    return tuple(x.shape), dtypes.dtype_name(x.dtype)


def _load(backend):
    pytest.importorskip(backend)
    if backend == "jax":
        import jax

        assert not jax.config.jax_enable_x64, "these tests use jax's default (32-bit) config"


CASES = [
    (backend, rec)
    for backend in BACKENDS
    for rec in RECORDS
    if backend == "torch" or rec.id in JAX_SUBSET or backend in rec.xfail
]


@pytest.mark.parametrize("backend, rec", CASES, ids=[f"{b}-{r.id}" for b, r in CASES])
def test_record_against_backend(backend, rec, request):
    _load(backend)
    if backend in rec.skip:
        pytest.skip(rec.skip[backend])
    if backend in rec.xfail:
        request.applymarker(pytest.mark.xfail(strict=True, reason=rec.xfail[backend]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jax: "explicitly requested dtype float64"
        arrays = backend_inputs(rec, backend)
        ref = outputs(call_eager(rec, arrays, backend))
        out = outputs(call_lazy(rec, lazy_inputs(rec, arrays), backend))
        assert len(out) == len(ref)
        for o, r in zip(out, ref):
            assert type(o) is LazyArray and o.backend == backend
            assert (o.shape, o.dtype) == _info(r), rec.id
        got = lazyray.compute(out)  # strict mode: every node's real shape and dtype
    for g, r, o in zip(got, ref, out):
        assert type(g) is type(r) or backend == "jax" or type(r) is bool
        if rec.values:
            assert_values(_to_numpy(g), _to_numpy(r), o.dtype, rec.id)


@pytest.mark.parametrize(
    "name, torch_name, dtype",
    [("invert", "bitwise_not", "int32"), ("mod", "remainder", "float32")],
)
def test_torch_ops_autoray_lacks(name, torch_name, dtype):
    """Ops whose torch function has another name still compute on torch."""
    torch = pytest.importorskip("torch")
    a = torch.arange(1, 7).reshape(2, 3).to(getattr(torch, dtype))
    x = lazyray.array(a)
    out = getattr(lazyray, name)(*([x] if name == "invert" else [x, 4]))
    ref = getattr(torch, torch_name)(*([a] if name == "invert" else [a, 4]))
    got = out.compute()
    assert (out.shape, out.dtype) == _info(ref)
    assert torch.equal(got, ref)
