"""Array API data-dependent shapes, sorting and item assignment (issue 12):
``nonzero``, ``unique_*``, boolean-mask indexing, stable ``sort``/``argsort``
with ``descending``, and the refused ``__setitem__``; against eager numpy."""

from __future__ import annotations

import autoray
import numpy as np
import pytest

import lazyray as lr

NAN = np.nan
TIES = np.array([[3, 1, 2, 1, 3, 0], [2, 2, 1, 1, 0, 0]], dtype="int32")
FTIES = np.array([[1.5, NAN, -0.0, 1.5, 0.0, NAN], [2.0, 2.0, -1.0, NAN, 2.0, -1.0]])


def check(got, want):
    """Static shape and dtype before computing, then values (NaN-aware)."""
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert str(got.dtype) == want.dtype.name, (got.dtype, want.dtype)
    value = np.asarray(got.compute())
    assert value.shape == want.shape and value.dtype == want.dtype
    np.testing.assert_array_equal(value, want)


def _argsort_ref(x, axis, descending):
    """Brute-force stable (descending) argsort: sort by (key, position)."""
    x = np.moveaxis(np.asarray(x), axis, -1)
    out = np.empty(x.shape, dtype=np.int64)
    for idx in np.ndindex(x.shape[:-1]):
        row = x[idx]

        def key(i, row=row):
            v = row[i].item()
            nan = v != v
            # NaN last ascending, first descending (as numpy's flip)
            rank = (1, 0) if nan else (0, v)
            if descending:
                rank = (0, 0) if nan else (1, -v)
            return (rank, i)

        out[idx] = sorted(range(len(row)), key=key)
    return np.moveaxis(out, -1, axis)


# --------------------------------------------------------------- sorting


@pytest.mark.parametrize("x", [TIES, FTIES, TIES.astype("uint8"), TIES > 1])
@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("descending", [False, True])
def test_argsort_stable(x, axis, descending):
    key = x.astype("int64") if x.dtype == bool else x
    want = _argsort_ref(key, axis, descending)
    check(lr.argsort(lr.array(x), axis=axis, descending=descending), want)
    check(lr.argsort(lr.array(x), axis=axis, descending=descending, stable=True), want)
    if not descending:
        check(lr.argsort(lr.array(x), axis=axis), np.argsort(x, axis=axis, kind="stable"))


@pytest.mark.parametrize("x", [TIES, FTIES, TIES > 1])
@pytest.mark.parametrize("axis", [-1, 0, None])
@pytest.mark.parametrize("descending", [False, True])
def test_sort(x, axis, descending):
    want = np.sort(x, axis=axis)
    if descending:
        ax = 0 if axis is None else axis
        want = np.flip(np.sort(np.flip(x if axis is not None else x.ravel(), ax), axis=ax), ax)
    check(lr.sort(lr.array(x), axis=axis, descending=descending), want)


def test_argsort_default_is_stable_on_many_ties():
    x = np.random.default_rng(0).integers(0, 3, 500)
    check(lr.argsort(lr.array(x)), np.argsort(x, kind="stable"))
    check(lr.argsort(x, descending=True), _argsort_ref(x, 0, True))


def test_sort_numpy_kind_and_errors():
    x = np.array([3.0, 1.0, 2.0])
    for kind in ("quicksort", "mergesort", "heapsort", "stable"):
        check(lr.sort(lr.array(x), kind=kind), np.sort(x, kind=kind))
        check(lr.argsort(lr.array(x), kind=kind), np.argsort(x, kind=kind))
    check(lr.sort(lr.array(x), stable=False), np.sort(x))
    v = lr.Variable((3,))
    with pytest.raises(ValueError, match="sort: kind and stable"):
        lr.sort(v, kind="stable", stable=True)
    with pytest.raises(ValueError, match="argsort: kind"):
        lr.argsort(v, kind="bogus")
    with pytest.raises(ValueError, match="order"):
        lr.sort(v, order="a")
    with pytest.raises(ValueError, match="axis 1 is out of bounds"):
        lr.sort(v, axis=1, descending=True)


def test_sort_dispatch_and_function():
    x = np.array([[2.0, 1.0, 2.0], [0.0, 0.0, -1.0]])
    assert autoray.do("argsort", lr.array(x), descending=True).compute().tolist() == [
        [0, 2, 1],
        [0, 1, 2],
    ]
    v = lr.Variable((2, 3))
    f = lr.Function([v], [lr.sort(v, descending=True), lr.argsort(v, axis=0, descending=True)])
    got = f(x)
    np.testing.assert_array_equal(got[0], -np.sort(-x))
    np.testing.assert_array_equal(got[1], _argsort_ref(x, 0, True))


# --------------------------------------------------------------- nonzero

NZ = [
    np.array([0.0, 2.0, 0.0, -1.0]),
    np.array([[0, 3, 0], [4, 0, 5]], dtype="int16"),
    np.array([[True, False], [True, True]]),
    np.zeros((2, 0, 3)),
    np.array([NAN, 0.0, -0.0]),
    np.array([0j, 1j]),
]


@pytest.mark.parametrize("x", NZ, ids=lambda a: f"{a.dtype}{a.shape}")
def test_nonzero_determined(x):
    got = lr.nonzero(lr.array(x))
    want = np.nonzero(x)
    assert isinstance(got, tuple) and len(got) == len(want)
    for g, w in zip(got, want):
        check(g, w.astype("int64"))
    # a determined lazy expression is computed to resolve the size
    got2 = lr.nonzero(lr.array(x) * 1)
    for g, w in zip(got2, np.nonzero(x * 1)):
        check(g, w.astype("int64"))


@pytest.mark.parametrize("size", [0, 2, 3, 6])
@pytest.mark.parametrize("fill", [0, -1])
def test_nonzero_static_size(size, fill):
    x = np.array([[0, 3, 0], [4, 0, 5]])
    v = lr.Variable(x.shape, dtype="int64")
    out = lr.nonzero(v, size=size, fill_value=fill)
    assert [o.shape for o in out] == [(size,), (size,)]
    got = lr.Function([v], list(out))(x)
    for g, w in zip(got, np.nonzero(x)):
        w = np.concatenate([w[:size], np.full(max(0, size - w.size), fill)])
        np.testing.assert_array_equal(g, w)


def test_nonzero_errors():
    v = lr.Variable((4,))
    with pytest.raises(TypeError, match=r"nonzero: .*Variable\(shape=\(4,\).*size=N"):
        lr.nonzero(v)
    with pytest.raises(TypeError, match="nonzero"):
        lr.nonzero(v + 1)
    with pytest.raises(ValueError, match="nonzero: a 0-d array"):
        lr.nonzero(lr.array(np.float64(1.0)))
    with pytest.raises(ValueError, match="size must be >= 0"):
        lr.nonzero(v, size=-1)
    with pytest.raises(TypeError, match="size must be an integer"):
        lr.nonzero(v, size=2.5)
    with lr.implicit_compute(False), pytest.raises(TypeError, match="implicit compute off"):
        lr.nonzero(lr.array(np.ones(3)) + 1)


# --------------------------------------------------------------- unique

UQ = [
    np.array([3, 1, 3, 2, 1, 1], dtype="int8"),
    np.array([[2.0, NAN, 1.0], [NAN, 2.0, -0.0]]),
    np.array([True, True]),
    np.zeros((0, 2)),
    np.array(7.0),
]


@pytest.mark.parametrize("x", UQ, ids=lambda a: f"{a.dtype}{a.shape}")
def test_unique_determined(x):
    lx = lr.array(x)
    w = np.unique_all(x)
    r = lr.unique_all(lx)
    assert type(r).__name__ == "UniqueAllResult"
    assert r._fields == ("values", "indices", "inverse_indices", "counts")
    check(r.values, w.values)
    check(r.indices, w.indices.astype("int64"))
    check(r.inverse_indices, w.inverse_indices.astype("int64").reshape(x.shape))
    check(r.counts, w.counts.astype("int64"))
    c = lr.unique_counts(lx)
    assert c._fields == ("values", "counts")
    check(c.values, np.unique_counts(x).values)
    check(c.counts, np.unique_counts(x).counts.astype("int64"))
    i = lr.unique_inverse(lx)
    assert i._fields == ("values", "inverse_indices")
    check(i.inverse_indices, np.unique_inverse(x).inverse_indices.reshape(x.shape))
    # sorted, as np.unique (numpy 2.3+: np.unique_values is not sorted)
    check(lr.unique_values(lx), np.unique(x, equal_nan=False))


def test_unique_nans_are_distinct():
    x = np.array([NAN, 1.0, NAN, 1.0])
    assert lr.unique_values(lr.array(x)).shape == (3,)
    assert lr.unique_counts(lr.array(x)).counts.compute().tolist() == [2, 1, 1]


@pytest.mark.parametrize("size", [1, 3, 5])
def test_unique_static_size(size):
    x = np.array([3.0, 1.0, 3.0, 2.0])
    v = lr.Variable((4,))
    r = lr.unique_all(v, size=size, fill_value=-9.0)
    assert [a.shape for a in r] == [(size,), (size,), (4,), (size,)]
    got = lr.Function([v], list(r))(x)
    w = np.unique_all(x)

    def fit(a, fill):
        return np.concatenate([a[:size], np.full(max(0, size - a.size), fill, a.dtype)])

    np.testing.assert_array_equal(got[0], fit(w.values, -9.0))
    np.testing.assert_array_equal(got[1], fit(w.indices, 0))
    np.testing.assert_array_equal(got[2], w.inverse_indices)
    np.testing.assert_array_equal(got[3], fit(w.counts, 0))
    # default fill: the smallest unique value (as JAX)
    u = lr.Function([v], lr.unique_values(v, size=5))(x)
    np.testing.assert_array_equal(u, [1.0, 2.0, 3.0, 1.0, 1.0])


def test_unique_errors():
    v = lr.Variable((3,))
    for fn in (lr.unique_all, lr.unique_counts, lr.unique_inverse, lr.unique_values):
        with pytest.raises(TypeError, match=rf"{fn.__name__}: .*size=N"):
            fn(v)
    with pytest.raises(TypeError, match="fill_value must be a"):
        lr.unique_values(v, size=2, fill_value="a")


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_datadep_retargeted(backend):
    mod = pytest.importorskip(backend if backend == "torch" else "jax.numpy")
    x = np.array([2.0, NAN, 1.0, 2.0, 0.0, NAN])
    v = lr.Variable((6,))
    outs = [
        *lr.nonzero(v, size=4),
        *lr.unique_all(v, size=4),
        lr.unique_values(v, size=6, fill_value=0.0),
        lr.sort(v, descending=True),
        lr.argsort(v, descending=True),
        v[np.array([True, False, True, True, False, False])],
    ]
    f = lr.Function([v], outs)
    want = f(x)
    data = mod.tensor(x) if backend == "torch" else mod.asarray(x)
    got = f(data)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), w, equal_nan=True)


def test_datadep_torch_leaf_determined():
    torch = pytest.importorskip("torch")
    t = lr.array(torch.tensor([[0.0, 2.0], [3.0, 0.0]]))
    i, j = lr.nonzero(t)
    assert (i.shape, i.compute().tolist(), j.compute().tolist()) == ((2,), [0, 1], [1, 0])
    r = lr.unique_counts(t)
    assert r.values.compute().tolist() == [0.0, 2.0, 3.0]
    assert r.counts.compute().tolist() == [2, 1, 1]
    assert t[t > 1].compute().tolist() == [2.0, 3.0]


# --------------------------------------------------------------- masks

X = np.arange(24.0).reshape(2, 3, 4)
MASK_KEYS = [
    X > 10,
    np.array([True, False]),
    (slice(None), np.array([True, False, True])),
    (Ellipsis, np.array([False, True, True, False])),
    (0, np.array([[True, False, True, False]] * 3)),
    (np.array([True, True]), 1, slice(1, 3)),
    True,
    False,
    (True, 0),
    (None, Ellipsis, False),
    np.zeros(0, bool),
    (slice(None), np.zeros((3, 0), bool)),
    [True, False],
    np.bool_(True),
    np.array(False),
]


@pytest.mark.parametrize("key", MASK_KEYS, ids=range(len(MASK_KEYS)))
def test_mask_getitem(key):
    want = X[key]
    # a concrete mask: static shape even on a Variable
    v = lr.Variable(X.shape)
    assert v[key].shape == want.shape
    np.testing.assert_array_equal(lr.Function([v], v[key])(X), want)
    check(lr.array(X)[key], want)
    # a lazy (determined) mask is resolved by computing it
    lkey = tuple(
        lr.array(np.asarray(k)) if isinstance(k, (np.ndarray, bool, list, np.bool_)) else k
        for k in (key if isinstance(key, tuple) else (key,))
    )
    check(lr.array(X)[lkey], want)


def test_mask_getitem_errors():
    x = lr.array(X)
    for key in (
        np.array([True, False, True]),
        (0, np.ones((3, 3), bool)),
        np.ones((2, 0, 1), bool),
    ):
        with pytest.raises(IndexError):
            X[key]
        with pytest.raises(IndexError, match="getitem: boolean index did not match"):
            x[key]
    with pytest.raises(IndexError, match="too many indices"):
        x[np.ones((2, 3, 4, 1), bool)]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., True, ...]
    v = lr.Variable((3,))
    with pytest.raises(TypeError, match=r"getitem: boolean mask .*Variable.*where.*size=N"):
        v[v > 0]
    with pytest.raises(TypeError, match="getitem: indexing with a 0-d boolean"):
        v[v.sum() > 0]
    # the documented escape hatch: a static size
    i = lr.nonzero(v > 0, size=3, fill_value=0)
    np.testing.assert_array_equal(lr.Function([v], v[i])(np.array([1.0, -1.0, 2.0])), [1, 2, 1])


# --------------------------------------------------------------- setitem


def test_setitem_refused():
    x = lr.array(np.arange(4.0))
    y = x * 2
    for key, value in [(x > 1, 0.0), (0, 5.0), (slice(1, 3), x[:2]), ((), 1.0)]:
        with pytest.raises(TypeError, match=r"does not support item assignment.*lazyray\.where"):
            x[key] = value
    # nothing changed, and earlier nodes keep their value
    assert x.compute().tolist() == [0.0, 1.0, 2.0, 3.0]
    assert y.compute().tolist() == [0.0, 2.0, 4.0, 6.0]
    v = lr.Variable((4,))
    with pytest.raises(TypeError, match="item assignment"):
        v[0] = 1.0
    # the recipe of the message
    m = np.zeros(4, bool)
    m[1:3] = True
    assert lr.where(m, 9.0, x).compute().tolist() == [0.0, 9.0, 9.0, 3.0]


@pytest.mark.parametrize(
    "key",
    [
        (slice(1, 3), None, Ellipsis, -1),
        1,
        slice(None, None, -2),
        [0, 2],
        (np.array([0, 1]), slice(None)),
    ],
)
def test_getitem_operands_are_x_and_lazy_indices_only(key):
    """An index without lazy arrays adds no operand (the node's deps are
    ``(x,)``; for ints, slices, None and Ellipsis found without searching
    the key); a lazy index array is an operand; values agree with numpy, and
    a static index is shared."""
    data = np.arange(24.0).reshape(4, 6)
    x = lr.array(data)
    y = x[key]
    assert y.deps == (x,)
    np.testing.assert_array_equal(y.compute(), data[key])
    if not isinstance(key, (list, tuple)) or not any(isinstance(k, np.ndarray) for k in key):
        with lr.shared_intermediates():
            a, b = x[key], x[key]
        assert (a is b) == (type(key) is not list)
    i = lr.array(np.array([3, 0]))
    z = x[i, 1:]
    assert z.deps == (x, i)
    np.testing.assert_array_equal(z.compute(), data[np.array([3, 0]), 1:])


def test_int_and_slice_keys_match_numpy_shape_and_errors():
    # the common keys (ints and slices only) take a short path: random ones,
    # out-of-range ints, zero and non-int steps included, against numpy
    import random

    rng = random.Random(0)
    x = np.arange(60.0).reshape(5, 4, 3)
    lx = lr.array(x)
    bounds = [None, -9, -2, 0, 1, 3, 8]
    for _ in range(3000):
        key = []
        for _ in range(rng.randint(0, 4)):
            if rng.random() < 0.4:
                key.append(rng.randint(-7, 7))
            else:
                step = rng.choice([None, 1, 2, -1, -2, 3, 0, 1.5])
                key.append(slice(rng.choice(bounds), rng.choice(bounds), step))
        key = key[0] if len(key) == 1 and rng.random() < 0.3 else tuple(key)
        try:
            want = x[key]
        except (IndexError, TypeError, ValueError) as e:
            with pytest.raises(type(e)):
                lx[key]
            continue
        got = lx[key]
        assert got.shape == want.shape, key
        assert np.array_equal(got.compute(), want), key
