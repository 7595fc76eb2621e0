"""Every op record against eager numpy: inferred shape and dtype equal the
eager result's, and computed values equal it (exactly for integers)."""

from __future__ import annotations

import numpy as np
import pytest

import lazyray
from lazyray import LazyArray
from op_records import (
    RECORDS,
    call_eager,
    call_lazy,
    lazy_inputs,
    numpy_inputs,
    outputs,
    variables,
)


def assert_values(got, ref, dtype: str, what: str = "") -> None:
    """Values equal: exactly for integer and boolean dtypes, else to a tight
    tolerance for the precision."""
    got, ref = np.asarray(got), np.asarray(ref)
    assert got.shape == ref.shape, what
    if dtype == "bool" or dtype.startswith(("int", "uint")):
        np.testing.assert_array_equal(got, ref, err_msg=what)
    else:
        single = dtype in ("float32", "complex64", "float16", "bfloat16")
        rtol, atol = (2e-6, 1e-6) if single else (1e-12, 1e-12)
        np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol, err_msg=what)


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r.id)
def test_record_against_numpy(rec):
    arrays = numpy_inputs(rec)
    ref = outputs(call_eager(rec, arrays))
    out = outputs(call_lazy(rec, lazy_inputs(rec, arrays)))
    assert len(out) == len(ref)
    for o, r in zip(out, ref):
        r = np.asarray(r)
        assert type(o) is LazyArray
        assert type(o.dtype) is str
        assert (o.shape, o.dtype) == (r.shape, r.dtype.name), rec.id
    # strict mode (conftest) also checks every computed node
    got = lazyray.compute(out)
    if rec.values:
        for g, r, o in zip(got, ref, out):
            assert_values(g, r, o.dtype, rec.id)


@pytest.mark.parametrize("rec", [r for r in RECORDS if r.inputs], ids=lambda r: r.id)
def test_record_variables_infer_same(rec):
    """Tracing from shape-only Variables infers what tracing from data does."""
    arrays = numpy_inputs(rec)
    ref = outputs(call_lazy(rec, lazy_inputs(rec, arrays)))
    out = outputs(call_lazy(rec, variables(rec)))
    assert [(o.shape, o.dtype) for o in out] == [(r.shape, r.dtype) for r in ref]


def test_every_public_op_has_a_record():
    import lazyray.ops

    ops = {r.op for r in RECORDS}
    missing = [n for n in lazyray.ops.__all__ if n not in ops]
    missing += [f"linalg.{n}" for n in lazyray.linalg.__all__ if f"linalg.{n}" not in ops]
    assert not missing
