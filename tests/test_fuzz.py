"""Hypothesis fuzzing of the shape rules against numpy.

For random inputs (valid and invalid) of broadcasting, getitem (with
advanced indexing), einsum, reshape/transpose and reductions: numpy raises if
and only if lazyray raises at trace time, and otherwise the inferred shape
(and dtype) equal numpy's result; where cheap, computed values are compared
too.  The example budget comes from the profile in ``conftest.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import lazyray

pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

dims = st.integers(0, 4)
shapes = st.lists(dims, min_size=0, max_size=4).map(tuple)
small_shapes = st.lists(st.integers(1, 3), min_size=0, max_size=4).map(tuple)


def outcome(f):
    """``("ok", value)`` or ``("error", exception)``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            return "ok", f()
    except Exception as e:  # noqa: BLE001 - the point is to compare failures
        return "error", e


def check_same(np_f, lazy_f, index_error=False, values=False):
    """numpy raises iff lazyray raises (at trace time); shapes/dtypes agree."""
    kind_np, ref = outcome(np_f)
    kind_lz, out = outcome(lazy_f)
    assert kind_np == kind_lz, f"numpy: {ref!r}  lazyray: {out!r}"
    if kind_np == "error":
        assert isinstance(out, (ValueError, TypeError, IndexError)), repr(out)
        if index_error and isinstance(ref, IndexError):
            assert isinstance(out, IndexError), f"numpy: {ref!r}  lazyray: {out!r}"
        return None
    ref = np.asarray(ref)
    assert isinstance(out, lazyray.LazyArray)
    assert (out.shape, out.dtype) == (ref.shape, ref.dtype.name)
    if values:
        got = out.compute()
        np.testing.assert_array_equal(got, ref)
    return out


# ------------------------------------------------------------ broadcasting


@given(st.lists(shapes, min_size=2, max_size=3))
def test_broadcasting(shape_list):
    var = [lazyray.Variable(s) for s in shape_list]
    a, b = shape_list[:2]
    check_same(lambda: np.ones(a) + np.ones(b), lambda: var[0] + var[1])
    if len(shape_list) == 3:
        c = shape_list[2]
        check_same(
            lambda: np.where(np.ones(a, bool), np.ones(b), np.ones(c)),
            lambda: lazyray.where(var[0] > 0, var[1], var[2]),
        )


@given(shapes, shapes, st.sampled_from(["float32", "int8", "bool", "complex64", "int64"]))
def test_broadcasting_matmul_and_dtypes(a, b, dtype):
    x, y = lazyray.Variable(a, dtype=dtype), lazyray.Variable(b, dtype="float32")
    check_same(lambda: np.ones(a, dtype) * np.ones(b, "float32"), lambda: x * y)
    check_same(lambda: np.ones(a, dtype) * 2.0, lambda: x * 2.0)
    check_same(lambda: np.matmul(np.ones(a, dtype), np.ones(b, "float32")), lambda: x @ y)


# ------------------------------------------------------------ getitem


@st.composite
def index_entries(draw, n):
    """One index entry for an axis of size ``n``."""
    kind = draw(st.sampled_from(["int", "slice", "slice", "none", "list", "array", "array2"]))
    lo, hi = -n - 1, n + 1  # sometimes out of range
    if kind == "int":
        return draw(st.integers(lo, hi))
    if kind == "slice":
        bound = st.none() | st.integers(-n - 2, n + 2)
        step = st.none() | st.integers(-3, 3).filter(lambda s: s != 0)
        return slice(draw(bound), draw(bound), draw(step))
    if kind == "none":
        return None
    values = st.integers(lo, hi - 1) if n else st.integers(-1, 0)
    if kind == "list":
        return draw(st.lists(values, min_size=0, max_size=3))
    shape = (draw(st.integers(0, 3)),) if kind == "array" else draw(small_shapes)[:2]
    size = int(np.prod(shape, dtype=int))
    return np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype=int).reshape(shape)


@st.composite
def getitem_cases(draw):
    shape = draw(shapes)
    n_idx = draw(st.integers(0, len(shape) + 1))  # sometimes too many
    key = [draw(index_entries(shape[i] if i < len(shape) else 2)) for i in range(n_idx)]
    if draw(st.booleans()):
        key.insert(draw(st.integers(0, len(key))), Ellipsis)
    if draw(st.integers(0, 9)) == 0:
        key.insert(draw(st.integers(0, len(key))), Ellipsis)  # two: an error
    if len(key) == 1 and draw(st.booleans()):
        return shape, key[0]
    return shape, tuple(key)


@given(getitem_cases())
def test_getitem(case):
    shape, key = case
    data = np.arange(int(np.prod(shape, dtype=int))).reshape(shape)
    x = lazyray.array(data)
    check_same(lambda: data[key], lambda: x[key], index_error=True, values=True)


@given(getitem_cases())
def test_getitem_variable(case):
    """Shape-only inputs reach the same verdict (bounds from shapes alone)."""
    shape, key = case
    check_same(lambda: np.empty(shape)[key], lambda: lazyray.Variable(shape)[key], True)


@given(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple), st.data())
def test_getitem_lazy_index_arrays(shape, data):
    """Lazy integer index arrays (values unknown at trace time) place their
    dimensions as numpy does."""
    arr = np.arange(int(np.prod(shape))).reshape(shape)
    key, lkey = [], []
    for n in shape:
        k = data.draw(st.sampled_from(["slice", "lazy", "int"]))
        if k == "slice":
            key.append(slice(None, None, data.draw(st.sampled_from([1, -1, 2]))))
            lkey.append(key[-1])
        elif k == "int":
            key.append(data.draw(st.integers(-n, n - 1)))
            lkey.append(key[-1])
        else:
            ishape = data.draw(small_shapes)[:2]
            idx = (
                np.array(
                    data.draw(
                        st.lists(
                            st.integers(-n, n - 1),
                            min_size=int(np.prod(ishape)),
                            max_size=int(np.prod(ishape)),
                        )
                    )
                )
                .reshape(ishape)
                .astype(np.int64)
            )
            key.append(idx)
            lkey.append(lazyray.array(idx))
    x = lazyray.array(arr)
    check_same(lambda: arr[tuple(key)], lambda: x[tuple(lkey)], True, values=True)


# ------------------------------------------------------------ einsum

LABELS = "abcde"


@st.composite
def einsum_cases(draw):
    sizes = {c: draw(st.integers(1, 3)) for c in LABELS}
    n_ops = draw(st.integers(1, 3))
    terms, op_shapes = [], []
    ell_shape = draw(small_shapes)[:2]
    use_ell = draw(st.booleans())
    for _ in range(n_ops):
        labels = draw(st.lists(st.sampled_from(LABELS), min_size=0, max_size=3))
        shape = [sizes[c] for c in labels]
        if draw(st.integers(0, 4)) == 0 and shape:
            shape[0] = 1  # broadcasting a labelled dimension of size 1
        term = "".join(labels)
        if use_ell and draw(st.booleans()):
            pos = draw(st.integers(0, len(labels)))
            k = draw(st.integers(0, len(ell_shape)))
            term = term[:pos] + "..." + term[pos:]
            shape[pos:pos] = ell_shape[len(ell_shape) - k :]
        terms.append(term)
        op_shapes.append(tuple(shape))
    eq = ",".join(terms)
    if draw(st.booleans()):
        seen = list(dict.fromkeys(c for t in terms for c in t if c != "."))
        out = draw(st.permutations(seen)) if seen else []
        out = "".join(out[: draw(st.integers(0, len(out)))])
        if "..." in eq and draw(st.booleans()):
            out = "..." + out
        eq += "->" + out
    # sometimes break it
    mutation = draw(st.integers(0, 9))
    if mutation == 0 and op_shapes[0]:
        op_shapes[0] = (op_shapes[0][0] + 3,) + op_shapes[0][1:]
    elif mutation == 1:
        eq += "" if "->" in eq else "->" + draw(st.sampled_from(LABELS + "z"))
    elif mutation == 2:
        op_shapes.append((2,))
    elif mutation == 3 and op_shapes[-1]:
        op_shapes[-1] = op_shapes[-1][:-1]
    if draw(st.booleans()):
        eq = " ".join(eq)  # spaces anywhere
    return eq, op_shapes


@given(einsum_cases())
def test_einsum(case):
    eq, op_shapes = case
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=s) for s in op_shapes]
    xs = [lazyray.array(a) for a in arrays]
    out = check_same(lambda: np.einsum(eq, *arrays), lambda: lazyray.einsum(eq, *xs))
    if out is not None:
        np.testing.assert_allclose(out.compute(), np.einsum(eq, *arrays), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------- reshape / transpose


@st.composite
def reshape_cases(draw):
    shape = draw(shapes)
    size = int(np.prod(shape, dtype=int))
    if draw(st.booleans()) and size:
        # a valid factorization of the size, maybe with one -1
        new, rest = [], size
        while rest > 1 and len(new) < 4:
            f = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
            new.append(f)
            rest //= f
        new.append(rest)
        new = draw(st.permutations(new))
        new = list(new)
        if draw(st.booleans()):
            new[draw(st.integers(0, len(new) - 1))] = -1
    else:
        new = draw(st.lists(st.integers(-2, 5), min_size=0, max_size=4))
    return shape, tuple(new)


@given(reshape_cases())
def test_reshape(case):
    shape, new = case
    data = np.arange(int(np.prod(shape, dtype=int))).reshape(shape)
    check_same(lambda: data.reshape(new), lambda: lazyray.array(data).reshape(new), values=True)


@given(shapes, st.data())
def test_transpose(shape, data):
    n = len(shape)
    if data.draw(st.booleans()):
        perm = list(data.draw(st.permutations(range(n))))
        perm = [p - n if data.draw(st.booleans()) else p for p in perm]
    else:
        perm = data.draw(st.lists(st.integers(-n - 1, n), min_size=max(n - 1, 0), max_size=n + 1))
    arr = np.arange(int(np.prod(shape, dtype=int))).reshape(shape)
    x = lazyray.array(arr)
    check_same(lambda: np.transpose(arr, perm), lambda: lazyray.transpose(x, perm), values=True)
    i, j = data.draw(st.integers(-n - 1, n)), data.draw(st.integers(-n - 1, n))
    check_same(lambda: np.swapaxes(arr, i, j), lambda: lazyray.swapaxes(x, i, j), values=True)
    check_same(lambda: np.moveaxis(arr, i, j), lambda: lazyray.moveaxis(x, i, j), values=True)


# ------------------------------------------------------------ reductions

REDUCTIONS = ["sum", "prod", "mean", "max", "min", "any", "all", "std", "var", "count_nonzero"]


@st.composite
def axes(draw, ndim):
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim - 1, ndim))
    return tuple(draw(st.lists(st.integers(-ndim - 1, ndim), max_size=ndim + 1)))


@given(
    shapes,
    st.sampled_from(REDUCTIONS + ["argmax", "argmin", "cumsum"]),
    st.sampled_from(["float64", "float32", "int32", "bool"]),
    st.booleans(),
    st.data(),
)
def test_reductions(shape, name, dtype, keepdims, data):
    axis = data.draw(axes(len(shape)))
    arr = (np.arange(int(np.prod(shape, dtype=int))) % 3).reshape(shape).astype(dtype)
    x = lazyray.array(arr)
    kw = {"axis": axis}
    if name != "cumsum":
        kw["keepdims"] = keepdims
    check_same(
        lambda: getattr(np, name)(arr, **kw),
        lambda: getattr(lazyray, name)(x, **kw),
        values=name not in ("mean", "std", "var"),
    )


# ------------------------------------------------- joining and contracting


@given(st.lists(small_shapes, min_size=1, max_size=3), st.integers(-5, 4), st.booleans())
def test_stack_concatenate(shape_list, axis, flat):
    arrays = [np.full(s, i, dtype="int32" if i else "float32") for i, s in enumerate(shape_list)]
    xs = [lazyray.array(a) for a in arrays]
    check_same(
        lambda: np.stack(arrays, axis=axis), lambda: lazyray.stack(xs, axis=axis), values=True
    )
    ax = None if flat else axis
    check_same(
        lambda: np.concatenate(arrays, axis=ax),
        lambda: lazyray.concatenate(xs, axis=ax),
        values=True,
    )


@given(shapes, shapes, st.data())
def test_tensordot(a, b, data):
    if data.draw(st.booleans()):
        axes = data.draw(st.integers(-1, 3))
    else:
        n = data.draw(st.integers(0, 3))
        axes = (
            data.draw(st.lists(st.integers(-4, 3), min_size=n, max_size=n)),
            data.draw(
                st.lists(st.integers(-4, 3), min_size=n, max_size=n + data.draw(st.integers(0, 1)))
            ),
        )
    x, y = np.ones(a), np.ones(b)
    check_same(
        lambda: np.tensordot(x, y, axes),
        lambda: lazyray.tensordot(lazyray.Variable(a), lazyray.Variable(b), axes),
    )


@given(shapes, st.data())
def test_squeeze_expand_dims(shape, data):
    n = len(shape)
    axis = data.draw(
        st.none()
        | st.integers(-n - 2, n + 1)
        | st.lists(st.integers(-n - 2, n + 1), max_size=3).map(tuple)
    )
    x, v = np.ones(shape), lazyray.Variable(shape)
    check_same(lambda: np.squeeze(x, axis), lambda: lazyray.squeeze(v, axis))
    if axis is not None:
        check_same(lambda: np.expand_dims(x, axis), lambda: lazyray.expand_dims(v, axis))
