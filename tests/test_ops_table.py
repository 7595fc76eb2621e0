"""Every op record against eager numpy: inferred shape and dtype equal the
eager result's, and computed values equal it (exactly for integers)."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pytest

import lazyray
from lazyray import LazyArray
from lazyray.graph import dtypes
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
    got, ref, dtype = np.asarray(got), np.asarray(ref), str(dtype)
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
        assert isinstance(o.dtype, np.dtype)
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
    # finfo / iinfo return numpy's info objects, not arrays (tests/test_ops_dropin.py)
    missing = [n for n in lazyray.ops.__all__ if n not in ops and n not in ("finfo", "iinfo")]
    missing += [f"linalg.{n}" for n in lazyray.linalg.__all__ if f"linalg.{n}" not in ops]
    # the Array API's ops have tables of their own, in tests/test_api_*.py
    api_tests = " ".join(p.read_text() for p in Path(__file__).parent.glob("test_api_*.py"))
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", api_tests))
    # (the named tuples of linalg and unique_* results are checked as results)
    missing = [n for n in missing if n.split(".")[-1] not in words and not n.endswith("Result")]
    assert not missing


# ------------------------------------------------------------ error cases
#
# What numpy rejects is rejected at trace time, by an exception of numpy's
# kind (ValueError / TypeError; IndexError for indexing) whose message names
# the op and the shapes involved.  Each case is one function ``f(xp, v)``
# run twice: with ``xp = numpy`` and ``v = numpy.ones`` (numpy must raise
# too, so the case is a real one) and with ``xp = lazyray`` and
# ``v = lazyray.Variable`` (no data: the error is found from shapes alone).


def S(*dims) -> str:
    """A regex matching the shape ``dims`` as ``(3, 4)``, ``(3,4)``, ``(3,)``."""
    return r"\(" + r",\s?".join(map(str, dims)) + r",?\)"


IDX = IndexError
VT = (ValueError, TypeError)

# (id, f(xp, v), lazy exception types, regexes the message must match, numpy raises)
# fmt: off
ERRORS = [
    # broadcasting
    ("add-bcast", lambda xp, v: xp.add(v((3,)), v((4,))), ValueError, ["add", S(3), S(4)]),
    ("mul-bcast-2d", lambda xp, v: v((2, 3)) * v((3, 2)),
     ValueError, ["multiply", S(2, 3), S(3, 2)]),
    ("equal-bcast", lambda xp, v: xp.equal(v((5,)), v((2, 3))),
     ValueError, ["equal", S(5), S(2, 3)]),
    ("maximum-bcast", lambda xp, v: xp.maximum(v((2, 1, 4)), v((3, 5))), ValueError, ["maximum"]),
    ("where-y", lambda xp, v: xp.where(v((3,), bool), v((3,)), v((2, 4))),
     ValueError, ["where", S(2, 4)]),
    ("where-cond", lambda xp, v: xp.where(v((4,), bool), v((3,)), v((3,))),
     ValueError, ["where", S(4), S(3)]),
    ("clip-bounds", lambda xp, v: xp.clip(v((2, 3)), v((4,)), 1.0), ValueError, ["clip", S(4)]),
    ("isclose-bcast", lambda xp, v: xp.isclose(v((2,)), v((3,))), ValueError, ["isclose"]),
    ("allclose-bcast", lambda xp, v: xp.allclose(v((2,)), v((3,))), ValueError, ["allclose"]),
    ("broadcast_to", lambda xp, v: xp.broadcast_to(v((3, 2)), (3, 3)),
     ValueError, ["broadcast_to", S(3, 2), S(3, 3)]),
    # dtypes
    ("bitwise-float", lambda xp, v: xp.bitwise_and(v((2,)), v((2,))), TypeError, ["bitwise_and"]),
    ("invert-float", lambda xp, v: xp.invert(v((2,))), TypeError, ["invert"]),
    ("subtract-bool", lambda xp, v: xp.subtract(v((2,), bool), v((2,), bool)),
     TypeError, ["subtract"]),
    ("negative-bool", lambda xp, v: xp.negative(v((2,), bool)), TypeError, ["negative"]),
    # reshape and friends
    ("reshape-size", lambda xp, v: xp.reshape(v((2, 3)), (4,)), ValueError, ["reshape", "6", S(4)]),
    ("reshape-two-unknown", lambda xp, v: xp.reshape(v((2, 3)), (-1, -1)),
     ValueError, ["reshape", "one unknown"]),
    ("reshape-unknown-size", lambda xp, v: xp.reshape(v((2, 3)), (4, -1)),
     ValueError, ["reshape", S(2, 3), S(4, -1)]),
    ("reshape-negative", lambda xp, v: xp.reshape(v((2, 3)), (-2, -3)),
     ValueError, ["reshape", "one unknown"]),
    ("reshape-empty-unknown", lambda xp, v: xp.reshape(v((0, 3)), (3, 0, -1)),
     ValueError, ["reshape", S(0, 3)]),
    ("transpose-len", lambda xp, v: xp.transpose(v((2, 3, 4)), (0, 1)),
     ValueError, ["transpose", S(0, 1)]),
    ("transpose-repeat", lambda xp, v: xp.transpose(v((2, 3, 4)), (0, 0, 1)),
     ValueError, ["transpose", "repeated"]),
    ("transpose-range", lambda xp, v: xp.transpose(v((2, 3, 4)), (0, 1, 3)),
     ValueError, ["transpose", "3"]),
    ("swapaxes-range", lambda xp, v: xp.swapaxes(v((2, 3)), 0, 2), ValueError, ["swapaxes"]),
    ("moveaxis-range", lambda xp, v: xp.moveaxis(v((2, 3)), 0, -3), ValueError, ["moveaxis"]),
    ("moveaxis-repeat", lambda xp, v: xp.moveaxis(v((2, 3, 4)), (0, 0), (1, 2)),
     ValueError, ["moveaxis"]),
    ("expand_dims-range", lambda xp, v: xp.expand_dims(v((2, 3)), 3), ValueError, ["expand_dims"]),
    ("squeeze-nonunit", lambda xp, v: xp.squeeze(v((1, 3)), 1), ValueError, ["squeeze"]),
    ("flip-range", lambda xp, v: xp.flip(v((2, 3)), 2), ValueError, ["flip"]),
    # joining / splitting
    ("stack-shapes", lambda xp, v: xp.stack([v((2, 3)), v((3, 2))]),
     ValueError, ["stack", S(2, 3), S(3, 2)]),
    ("stack-axis", lambda xp, v: xp.stack([v((2, 3)), v((2, 3))], axis=3), ValueError, ["stack"]),
    ("stack-negaxis", lambda xp, v: xp.stack([v((2,)), v((2,))], axis=-3), ValueError, ["stack"]),
    ("stack-empty", lambda xp, v: xp.stack([]), ValueError, ["stack"]),
    ("concat-shapes", lambda xp, v: xp.concatenate([v((2, 3)), v((3, 3))], axis=1),
     ValueError, ["concatenate", S(2, 3), S(3, 3)]),
    ("concat-ndim", lambda xp, v: xp.concatenate([v((2, 3)), v((3,))]),
     ValueError, ["concatenate", S(2, 3), S(3)]),
    ("concat-0d", lambda xp, v: xp.concatenate([v(()), v(())]), ValueError, ["concatenate"]),
    ("concat-axis", lambda xp, v: xp.concatenate([v((2,)), v((2,))], axis=-2),
     ValueError, ["concatenate"]),
    ("split-unequal", lambda xp, v: xp.split(v((5, 2)), 2), ValueError, ["split", "5"]),
    ("split-axis", lambda xp, v: xp.split(v((4,)), 2, axis=1), ValueError, ["split"]),
    # contractions
    ("tensordot-size", lambda xp, v: xp.tensordot(v((2, 3)), v((4, 5)), 1),
     ValueError, ["tensordot", S(2, 3), S(4, 5)]),
    ("tensordot-pairs", lambda xp, v: xp.tensordot(v((2, 3)), v((2, 3)), ([0, 1], [1, 0])),
     ValueError, ["tensordot", S(2, 3)]),
    ("tensordot-too-many", lambda xp, v: xp.tensordot(v((2, 3)), v((3,)), 2),
     ValueError, ["tensordot"]),
    ("tensordot-lens", lambda xp, v: xp.tensordot(v((2, 3)), v((3, 2)), ([0, 1], [1])),
     ValueError, ["tensordot"]),
    ("matmul-core", lambda xp, v: v((2, 3)) @ v((4, 5)), ValueError, ["matmul", S(2, 3), S(4, 5)]),
    ("matmul-1d", lambda xp, v: xp.matmul(v((3,)), v((4,))), ValueError, ["matmul", S(3), S(4)]),
    ("matmul-0d", lambda xp, v: xp.matmul(v(()), v((3,))), ValueError, ["matmul", S(3)]),
    ("matmul-batch", lambda xp, v: xp.matmul(v((2, 3, 4)), v((3, 4, 5))),
     ValueError, ["matmul", S(2, 3, 4), S(3, 4, 5)]),
    ("dot-align", lambda xp, v: xp.dot(v((2, 3)), v((2, 3))), ValueError, ["dot", S(2, 3)]),
    ("inner-last", lambda xp, v: xp.inner(v((2, 3)), v((3, 2))),
     ValueError, ["inner", S(2, 3), S(3, 2)]),
    ("vdot-size", lambda xp, v: xp.vdot(v((2, 3)), v((5,))), ValueError, ["vdot", S(2, 3), S(5)]),
    ("einsum-char", lambda xp, v: xp.einsum("i1,j", v((2,)), v((2,))), ValueError, ["einsum", "1"]),
    ("einsum-count", lambda xp, v: xp.einsum("ij,jk->ik", v((2, 3))),
     ValueError, ["einsum", "2 operands", "1"]),
    ("einsum-count-more", lambda xp, v: xp.einsum("ij", v((2, 3)), v((3,))),
     ValueError, ["einsum"]),
    ("einsum-size", lambda xp, v: xp.einsum("ij,jk", v((2, 3)), v((4, 5))),
     ValueError, ["einsum", "'j'", S(2, 3), S(4, 5)]),
    ("einsum-ndim", lambda xp, v: xp.einsum("ijk", v((2, 3))), ValueError, ["einsum", S(2, 3)]),
    ("einsum-out-unknown", lambda xp, v: xp.einsum("ij->k", v((2, 3))),
     ValueError, ["einsum", "'k'"]),
    ("einsum-out-repeat", lambda xp, v: xp.einsum("ij->ii", v((2, 3))),
     ValueError, ["einsum", "'i'"]),
    ("einsum-repeat-size", lambda xp, v: xp.einsum("ii", v((2, 3))), ValueError, ["einsum", "'i'"]),
    ("einsum-ellipsis", lambda xp, v: xp.einsum("....i", v((2, 3))),
     ValueError, ["einsum", "ellipsis"]),
    ("einsum-arrows", lambda xp, v: xp.einsum("i->i->i", v((2,))), ValueError, ["einsum"]),
    ("einsum-ellipsis-bcast", lambda xp, v: xp.einsum("...i,...i", v((2, 3)), v((4, 3))),
     ValueError, ["einsum", S(2, 3), S(4, 3)]),
    # indexing
    ("getitem-int", lambda xp, v: v((2, 3))[2], IDX, ["getitem", "index 2", "size 2"]),
    ("getitem-negint", lambda xp, v: v((2, 3))[:, -4], IDX, ["getitem", "-4", "size 3"]),
    ("getitem-too-many", lambda xp, v: v((2, 3))[0, 0, 0], IDX, ["getitem", "too many"]),
    ("getitem-array", lambda xp, v: v((2, 3))[:, [0, 3]], IDX, ["getitem", "3", "size 3"]),
    ("getitem-array-neg", lambda xp, v: v((2, 3))[np.array([-3])], IDX, ["getitem", "-3"]),
    ("getitem-float", lambda xp, v: v((3,))[1.0], IDX, ["getitem"]),
    ("getitem-ellipses", lambda xp, v: v((2, 3))[..., ...], IDX, ["getitem", "ellipsis"]),
    ("getitem-adv-bcast", lambda xp, v: v((2, 3))[[0, 1], [0, 1, 2]], IDX, ["getitem", S(2), S(3)]),
    ("getitem-float-array", lambda xp, v: v((3,))[np.array([0.0])], IDX, ["getitem"]),
    ("take-range", lambda xp, v: xp.take(v((3,)), 5), IDX, ["take", "5", "size 3"]),
    ("take-axis-range", lambda xp, v: xp.take(v((2, 3)), [0, 3], axis=1), IDX, ["take", "3"]),
    ("take_along_axis-ndim", lambda xp, v: xp.take_along_axis(v((2, 3)), np.zeros(2, int), 1),
     (ValueError, IndexError), ["take_along_axis", S(2), S(2, 3)]),
    ("diagonal-axes", lambda xp, v: xp.diagonal(v((2, 3)), 0, 1, -1),
     ValueError, ["diagonal", S(2, 3)]),
    ("take_along_axis-bcast", lambda xp, v: xp.take_along_axis(v((3, 4)), np.zeros((5, 2), int), 0),
     IDX, ["take_along_axis", S(5, 2), S(3, 4)]),
    ("diagonal-1d", lambda xp, v: xp.diagonal(v((3,))), ValueError, ["diagonal", S(3)]),
    ("diag-3d", lambda xp, v: xp.diag(v((2, 2, 2))), ValueError, ["diag", S(2, 2, 2)]),
    ("trace-1d", lambda xp, v: xp.trace(v((3,))), ValueError, ["trace", S(3)]),
    # reductions
    ("sum-axis", lambda xp, v: xp.sum(v((2, 3)), axis=2), ValueError, ["sum", "2"]),
    ("mean-negaxis", lambda xp, v: xp.mean(v((2, 3)), axis=-3), ValueError, ["mean", "-3"]),
    ("sum-repeat", lambda xp, v: xp.sum(v((2, 3)), axis=(0, -2)), ValueError, ["sum"]),
    ("argmax-tuple", lambda xp, v: xp.argmax(v((2, 3)), axis=(0, 1)), TypeError, ["argmax"]),
    ("min-empty", lambda xp, v: xp.min(v((0, 3)), axis=0), ValueError, ["min", S(0, 3)]),
    ("argmin-empty", lambda xp, v: xp.argmin(v((0,))), ValueError, ["argmin"]),
    ("cumsum-axis", lambda xp, v: xp.cumsum(v((2, 3)), axis=2), ValueError, ["cumsum"]),
    ("sort-axis", lambda xp, v: xp.sort(v((2, 3)), axis=2), ValueError, ["sort"]),
    # creation
    ("zeros-neg", lambda xp, v: xp.zeros((-1, 2)), ValueError, ["zeros", "negative"]),
    ("ones-neg", lambda xp, v: xp.ones(-3), ValueError, ["ones", "negative"]),
    ("empty-neg", lambda xp, v: xp.empty((2, -2)), ValueError, ["empty", "negative"]),
    ("full-neg", lambda xp, v: xp.full((-2,), 1.0), ValueError, ["full", "negative"]),
    ("eye-neg", lambda xp, v: xp.eye(-1), ValueError, ["eye", "negative"]),
    ("eye-neg-M", lambda xp, v: xp.eye(2, M=-2), ValueError, ["eye", "negative"]),
    ("linspace-neg", lambda xp, v: xp.linspace(0, 1, -1), ValueError, ["linspace", "-1"]),
    ("arange-step0", lambda xp, v: xp.arange(0, 5, 0),
     (ValueError, ZeroDivisionError), ["arange", "step"]),
    ("full-overflow", lambda xp, v: xp.full((2,), 300, dtype="uint8"),
     OverflowError, ["full", "300", "uint8"]),
    ("full-negative-unsigned", lambda xp, v: xp.full((2,), -1, dtype="uint8"),
     OverflowError, ["full", "uint8"]),
    ("full_like-overflow", lambda xp, v: xp.full_like(v((2,), "int8"), 1000),
     OverflowError, ["full", "1000", "int8"]),
    ("zeros-float-shape", lambda xp, v: xp.zeros((2.5,)), TypeError, ["zeros"]),
    # linalg
    ("inv-nonsquare", lambda xp, v: xp.linalg.inv(v((2, 3))),
     ValueError, ["inv", "square", S(2, 3)]),
    ("det-1d", lambda xp, v: xp.linalg.det(v((3,))), ValueError, ["det", S(3)]),
    ("cholesky-nonsquare", lambda xp, v: xp.linalg.cholesky(v((3, 2))),
     ValueError, ["cholesky", S(3, 2)]),
    ("eig-nonsquare", lambda xp, v: xp.linalg.eig(v((3, 2))), ValueError, ["eig", S(3, 2)]),
    ("eigh-nonsquare", lambda xp, v: xp.linalg.eigh(v((2, 3, 2))), ValueError, ["eigh"]),
    ("eigvals-nonsquare", lambda xp, v: xp.linalg.eigvals(v((2, 3))), ValueError, ["eigvals"]),
    ("slogdet-nonsquare", lambda xp, v: xp.linalg.slogdet(v((2, 3))), ValueError, ["slogdet"]),
    ("solve-nonsquare", lambda xp, v: xp.linalg.solve(v((2, 3)), v((2,))), ValueError, ["solve"]),
    ("solve-mismatch", lambda xp, v: xp.linalg.solve(v((3, 3)), v((4,))),
     ValueError, ["solve", S(3, 3), S(4)]),
    ("svd-1d", lambda xp, v: xp.linalg.svd(v((3,))), ValueError, ["svd", S(3)]),
    ("qr-1d", lambda xp, v: xp.linalg.qr(v((3,))), ValueError, ["qr", S(3)]),
    ("pinv-1d", lambda xp, v: xp.linalg.pinv(v((3,))), ValueError, ["pinv"]),
    ("norm-3d-ord", lambda xp, v: xp.linalg.norm(v((2, 2, 2)), ord=2), ValueError, ["norm"]),
    ("norm-3-axes", lambda xp, v: xp.linalg.norm(v((2, 2, 2)), axis=(0, 1, 2)),
     ValueError, ["norm"]),
    ("norm-vector-fro", lambda xp, v: xp.linalg.norm(v((3, 4)), "fro", 0),
     ValueError, ["norm", "'fro'"]),
    ("norm-matrix-ord0", lambda xp, v: xp.linalg.norm(v((3, 4)), 0), ValueError, ["norm", "0"]),
    ("norm-matrix-ord3", lambda xp, v: xp.linalg.norm(v((2, 3, 4)), 3, (1, 2)),
     ValueError, ["norm", "3"]),
    ("norm-no-axes", lambda xp, v: xp.linalg.norm(v((3, 4)), axis=()),
     ValueError, ["norm", S(3, 4)]),
    ("matrix_power-nonsquare", lambda xp, v: xp.linalg.matrix_power(v((2, 3)), 2),
     ValueError, ["matrix_power", S(2, 3)]),
]
# fmt: on


def _v_numpy(shape, dtype="float64"):
    return np.ones(shape, dtype)


def _v_lazy(shape, dtype="float64"):
    return lazyray.Variable(shape, dtype=dtypes.dtype_name(dtype))


@pytest.mark.parametrize("case", ERRORS, ids=lambda e: e[0])
def test_numpy_rejects(case):
    _, f, _, _ = case
    with pytest.raises(Exception):  # noqa: B017 - any error: the case is real
        f(np, _v_numpy)


@pytest.mark.parametrize("case", ERRORS, ids=lambda e: e[0])
def test_rejected_at_trace_time(case):
    _, f, exc, patterns = case
    with pytest.raises(exc) as info:
        f(lazyray, _v_lazy)
    msg = str(info.value)
    for p in patterns:
        assert re.search(p, msg), f"{p!r} not in {msg!r}"


@pytest.mark.parametrize("rec", RECORDS[::3], ids=lambda r: r.id)
def test_record_graph_pickles(rec):
    """A record's graph survives pickling (ops are stored by name)."""
    arrays = numpy_inputs(rec)
    out = outputs(call_lazy(rec, lazy_inputs(rec, arrays)))
    back = pickle.loads(pickle.dumps(out))
    assert [(o.fn_name, o.shape, o.dtype) for o in back] == [
        (o.fn_name, o.shape, o.dtype) for o in out
    ]
    if rec.values:
        for g, r, o in zip(lazyray.compute(back), lazyray.compute(out), out):
            assert_values(g, r, o.dtype, rec.id)


# ----------------------------------------- data-dependent shapes (documented)


def test_boolean_mask_of_a_determined_value_resolves_its_shape():
    x = lazyray.array(np.arange(4.0))
    ref = np.arange(4.0)
    for key, npkey in (
        (x > 1, ref > 1),
        (np.array([True, False, True, False]),) * 2,
        ((Ellipsis, x > 0), (Ellipsis, ref > 0)),
    ):
        y = x[key]
        assert y.shape == ref[npkey].shape
        np.testing.assert_array_equal(y.compute(), ref[npkey])
    with pytest.raises(TypeError, match="Variable"):  # unknown until called
        x[lazyray.Variable((4,)) > 0]
    # (numpy's take casts a boolean array to 0/1 indices: no mask there, see
    # tests/test_defects_ops.py::test_f8_take_converts_like_numpy)


def test_one_argument_where_raises():
    with pytest.raises(ValueError, match="data-dependent"):
        lazyray.where(lazyray.Variable((3,)) > 0)


# --------------------------------------- regressions: autoray.lazy 0.11 bugs


def test_regression_broadcast_mismatch_raises():
    with pytest.raises(ValueError, match=r"add.*\(3,\).*\(4,\)"):
        lazyray.Variable((3,)) + lazyray.Variable((4,))


def test_regression_reshape_wrong_size_raises():
    with pytest.raises(ValueError, match="reshape"):
        lazyray.Variable((2, 3)).reshape(4, 2)


def test_regression_where_respects_y_shape():
    c, x, y = np.array([True, False, True]), np.arange(3.0), np.ones((2, 3))
    out = lazyray.where(lazyray.array(c), lazyray.array(x), lazyray.array(y))
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out.compute(), np.where(c, x, y))


def test_regression_stack_negative_axis():
    a, b = np.ones((2, 3)), np.zeros((2, 3))
    out = lazyray.stack([lazyray.array(a), lazyray.array(b)], axis=-1)
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out.compute(), np.stack([a, b], axis=-1))


def test_regression_trace_3d_shape():
    a = np.arange(24.0).reshape(2, 3, 4)
    out = lazyray.trace(lazyray.array(a))
    assert out.shape == (4,)
    np.testing.assert_array_equal(out.compute(), np.trace(a))


def test_regression_eye_m():
    out = lazyray.eye(3, M=5)
    assert out.shape == (3, 5)
    np.testing.assert_array_equal(out.compute(), np.eye(3, M=5))


def test_regression_matmul_batch_broadcasting():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 1, 2, 3)), rng.normal(size=(4, 3, 6))
    out = lazyray.array(a) @ lazyray.array(b)
    assert out.shape == (5, 4, 2, 6)
    np.testing.assert_allclose(out.compute(), a @ b, rtol=1e-12)


def test_regression_dtype_is_a_dtype_object_equal_to_its_name():
    x = lazyray.Variable((3, 3), dtype="float32")
    u, s, vh = lazyray.linalg.svd(x)
    for node in (x, x + 1, (x > 0), s, u, lazyray.sum(x)):
        assert isinstance(node.dtype, np.dtype)
        assert node.dtype == str(node.dtype)
    assert (x + 1).dtype == "float32" and s.dtype == "float32" and (x > 0).dtype == "bool"
    assert (x + 1).nbytes == 9 * 4


def test_regression_bool_is_numpys_not_len_fallback():
    x = lazyray.array(np.zeros(3)) + 1  # len() is 3: bool() must not use it
    with pytest.raises(ValueError, match="ambiguous"):  # numpy's own error
        bool(x)
    assert bool(lazyray.array(np.zeros(1)) + 1) is True
    with pytest.raises(TypeError, match="Variable"):
        if lazyray.Variable((2,)):
            pass


def test_regression_pickle_deep_graph():
    x = lazyray.array(np.linspace(0.0, 1.0, 4))
    y = x
    for i in range(3000):
        y = lazyray.sin(y) * 0.5 + x[::-1] if i % 2 else lazyray.tanh(y)
    y2 = pickle.loads(pickle.dumps(y))
    assert y2.depth == y.depth and y2.shape == y.shape
    np.testing.assert_array_equal(lazyray.compute(y2), lazyray.compute(y))


@pytest.mark.parametrize(
    "f",
    [
        lambda v: v((3,), "uint8") + 300,
        lambda v: v((3,), "uint8") - (-1),
        lambda v: v((3,), "int8") * 1000,
        lambda v: 2**70 + v((3,), "int64"),
    ],
    ids=["uint8+300", "uint8--1", "int8*1000", "reflected-2**70"],
)
def test_weak_int_out_of_bounds_rejected(f):
    with pytest.raises(OverflowError):
        f(_v_numpy)
    try:
        f(_v_lazy)
    except OverflowError:
        return
    raise AssertionError("lazyray accepted an out-of-bounds Python int")


def test_integer_power_negative_python_int_rejected():
    with pytest.raises(ValueError):
        np.ones(3, "int64") ** -1
    try:
        lazyray.Variable((3,), dtype="int64") ** -1
    except ValueError:
        return
    raise AssertionError("lazyray accepted int ** -1")


# ------------------------------------------------------ NEP 50, spelled out


@pytest.mark.parametrize(
    "f, dtype",
    [
        (lambda v: v((3,), "float32") * 2.0, "float32"),
        (lambda v: 2.0 * v((3,), "float32"), "float32"),
        (lambda v: v((3,), "float32") + 1, "float32"),
        (lambda v: v((3,), "int32") * 2, "int32"),
        (lambda v: v((3,), "int32") * 2.5, "float64"),
        (lambda v: v((3,), "uint8") + 3, "uint8"),
        (lambda v: v((3,), "int64") / v((3,), "int64"), "float64"),
        (lambda v: v((3,), "int32") / 2, "float64"),
        (lambda v: v((3,), "float32") > 0.5, "bool"),
        (lambda v: v((3,), "int64") == v((3,), "float32"), "bool"),
        (lambda v: abs(v((3,), "complex64")), "float32"),
        (lambda v: v((3,), "complex64").real, "float32"),
        (lambda v: v((3,), "complex64").imag, "float32"),
        (lambda v: v((3,), "float32") + 1j, "complex64"),
        (lambda v: v((3,), "float32") * np.float64(2.0), "float64"),
        (lambda v: v((3,), "float32") + v((), "float64"), "float64"),
    ],
)
def test_nep50(f, dtype):
    assert f(_v_lazy).dtype == dtype
    assert f(_v_numpy).dtype == dtype  # numpy agrees


@pytest.mark.parametrize(
    "re, im, dtype", [("float32", "float32", "complex64"), ("float64", "float32", "complex128")]
)
def test_complex_from_parts(re, im, dtype):
    r, i = np.arange(3, dtype=re), np.ones(3, dtype=im)
    z = lazyray.complex(lazyray.array(r), lazyray.array(i))
    assert z.dtype == dtype
    np.testing.assert_array_equal(z.compute(), r + 1j * i)
