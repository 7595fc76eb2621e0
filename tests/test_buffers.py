"""lazyray's numpy tensordot into reused buffers (lazyray.ops.buffers): numpy's
results bit for bit, a buffer reused only once nothing references it, the
per-thread limit, and the same through compute, Function and threads."""

import sys
import threading

import numpy as np
import pytest

import lazyray
from lazyray.ops import buffers

pytestmark = pytest.mark.skipif(not buffers._FREE_RC, reason="no buffer reuse here")


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def random_case(rng):
    """Operands and normalized axes: 1-6 dims of sizes 1-6, float/complex/int
    dtypes, sometimes Fortran-ordered, strided or of two dtypes."""
    na, nb = rng.integers(1, 7, size=2)
    k = int(rng.integers(0, min(na, nb) + 1))
    sa, sb = list(rng.integers(1, 7, size=na)), list(rng.integers(1, 7, size=nb))
    ax_a = [int(i) for i in rng.permutation(na)[:k]]
    ax_b = [int(i) for i in rng.permutation(nb)[:k]]
    for i, j in zip(ax_a, ax_b):
        sb[j] = sa[i]
    dt = str(rng.choice(["float64", "float32", "complex128", "complex64", "int64"]))
    a, b = rng.normal(size=sa) * 10, rng.normal(size=sb) * 10
    if dt.startswith("complex"):
        a, b = a + 1j * rng.normal(size=sa), b + 1j * rng.normal(size=sb)
    a, b = a.astype(dt), b.astype(dt)
    if rng.random() < 0.3:
        a = np.asfortranarray(a)
    if rng.random() < 0.2:
        a = np.repeat(a, 2, axis=0)[::2]  # strided
    if rng.random() < 0.2 and dt.startswith("float"):
        b = b.astype("float64" if dt == "float32" else "float32")
    return a, b, (tuple(ax_a), tuple(ax_b))


@pytest.fixture
def pool_everything(monkeypatch):
    """Every operand and buffer through the pool (small ones included)."""
    monkeypatch.setattr(buffers, "MIN_BYTES", 0)
    monkeypatch.setattr(buffers, "MIN_BUFFER", 0)


def test_tensordot_is_numpy_bit_for_bit(pool_everything):
    rng = np.random.default_rng(0)
    held = []
    for _ in range(1500):
        a, b, axes = random_case(rng)
        got, want = buffers.tensordot(a, b, axes), np.tensordot(a, b, axes)
        assert same_bits(got, want), (a.shape, a.dtype, b.shape, b.dtype, axes)
        if rng.random() < 0.3:
            held.append((got, want))
    # results kept by the caller were never handed out again
    assert all(same_bits(g, w) for g, w in held)


def test_large_operands_are_numpy_bit_for_bit():
    rng = np.random.default_rng(1)
    for sa, sb, axes in [
        ((64, 32, 16), (16, 32, 8), ((1, 2), (1, 0))),
        ((2,) * 17, (2,) * 12, ((1, 6, 9, 12), (5, 6, 9, 0))),
        ((300, 200), (200, 1), ((1,), (0,))),  # a matrix-vector product
        ((1, 300, 200), (200, 300), ((1, 2), (1, 0))),  # a 1-element result
    ]:
        a, b = rng.normal(size=sa), rng.normal(size=sb)
        for _ in range(3):  # (the second and third into reused buffers)
            assert same_bits(buffers.tensordot(a, b, axes), np.tensordot(a, b, axes))


def test_a_buffer_is_reused_only_when_nothing_references_it():
    a, b = np.ones((64, 32, 16)), np.ones((16, 32, 8))
    axes = ((1, 2), (1, 0))
    r1 = buffers.tensordot(a, b, axes)
    where = r1.ctypes.data
    del r1
    r2 = buffers.tensordot(a, b, axes)
    assert r2.ctypes.data == where  # freed: reused
    view = r2.reshape(-1)[:5]
    del r2
    r3 = buffers.tensordot(a * 2, b, axes)
    assert r3.ctypes.data != where  # a view keeps its buffer
    assert (view == 512.0).all() and (r3 == 1024.0).all()


def test_limit_zero_turns_reuse_off_and_drops_buffers():
    a, b = np.ones((64, 32, 16)), np.ones((16, 32, 8))
    buffers.tensordot(a, b, ((1, 2), (1, 0)))
    old = lazyray.set_buffer_pool(0)
    try:
        assert buffers._POOL.buffers.nbytes == 0 and not buffers._POOL.buffers.lists
        r = buffers.tensordot(a, b, ((1, 2), (1, 0)))
        assert same_bits(r, np.tensordot(a, b, ((1, 2), (1, 0))))
        assert buffers._POOL.buffers.nbytes == 0
    finally:
        assert lazyray.set_buffer_pool(old) == 0
    with pytest.raises(ValueError, match="set_buffer_pool"):
        lazyray.set_buffer_pool(-1)


def test_the_limit_bounds_the_bytes_kept(pool_everything):
    old = lazyray.set_buffer_pool(1 << 20)
    try:
        rng = np.random.default_rng(2)
        held = []
        for _ in range(300):
            a, b, axes = random_case(rng)
            held.append(buffers.tensordot(a, b, axes))
            assert buffers._POOL.buffers.nbytes <= 1 << 20
    finally:
        lazyray.set_buffer_pool(old)


def test_each_thread_has_its_own_buffers():
    a, b = np.ones((64, 32, 16)), np.ones((16, 32, 8))
    axes = ((1, 2), (1, 0))
    got = {}

    def work(i):
        r = buffers.tensordot(a * (i + 1), b, axes)
        got[i] = (r, buffers._POOL.buffers)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(p) for _, p in got.values()}) == 4
    for i, (r, _) in got.items():
        assert (r == 512.0 * (i + 1)).all()


def test_other_operands_and_axes_go_to_numpy():
    a, b = np.ones((64, 32, 16)), np.ones((16, 32, 8))
    c = np.ones((32, 16, 8))
    assert same_bits(buffers.tensordot(a, c, 2), np.tensordot(a, c, 2))
    for axes in ([[1, 2], [1, 0]], ((-2, 2), (1, 0))):
        assert same_bits(buffers.tensordot(a, b, axes), np.tensordot(a, b, axes))
    with pytest.raises(ValueError, match="shape-mismatch"):  # numpy's own errors
        buffers.tensordot(a, b, ((0,), (0,)))
    with pytest.raises(TypeError):
        buffers.tensordot(a, b, ((1, 2), (1, 0.0)))
    m = np.ma.ones((64, 64))
    assert type(buffers.tensordot(m, m, ((1,), (0,)))) is type(np.tensordot(m, m, ((1,), (0,))))


def test_compute_function_and_threads_match_eager_numpy():
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=(2,) * n) for n in (14, 13, 12)]

    def program(x, y, z):
        t = lazyray.tensordot(x, y, ((0, 3, 5), (1, 2, 4)))
        t = lazyray.tensordot(t, z, ((1, 2, 7), (0, 5, 3)))
        return [t, lazyray.tensordot(t, t, t.ndim)]

    want = [
        np.tensordot(
            np.tensordot(arrays[0], arrays[1], ((0, 3, 5), (1, 2, 4))),
            arrays[2],
            ((1, 2, 7), (0, 5, 3)),
        )
    ]
    want.append(np.tensordot(want[0], want[0], want[0].ndim))
    xs = [lazyray.Variable(a.shape) for a in arrays]
    f = lazyray.Function(xs, program(*xs))
    for _ in range(3):  # later calls into reused buffers
        outs = [
            lazyray.compute(program(*map(lazyray.array, arrays))),
            f(*arrays),
            lazyray.compute(program(*map(lazyray.array, arrays)), scheduler="threads"),
        ]
        for got in outs:
            assert all(same_bits(g, w) for g, w in zip(got, want))


def test_results_outlive_their_computation():
    """A result kept by the user is never overwritten by later computations."""
    x = lazyray.Variable((2,) * 16)
    f = lazyray.Function([x], lazyray.tensordot(x, x, ((0, 1, 2), (2, 1, 0))))
    rng = np.random.default_rng(4)
    inputs = [rng.normal(size=(2,) * 16) for _ in range(6)]
    kept = [f(v) for v in inputs]
    for v, r in zip(inputs, kept):
        assert same_bits(r, np.tensordot(v, v, ((0, 1, 2), (2, 1, 0))))
    assert sys.getrefcount(kept[0]) >= 2


# ------------------------------------------- ufuncs of a compiled tape (lean.into)

_UNARY = [np.tanh, np.exp, np.sin, np.negative, np.sqrt, np.log1p, np.abs, np.square]
_BINARY = [np.add, np.subtract, np.multiply, np.divide, np.maximum, np.power, np.arctan2]


def _operand(rng, shape, dt):
    x = rng.uniform(0.1, 2.0, size=shape)
    if dt.startswith("complex"):
        x = x + 1j * rng.uniform(0.1, 2.0, size=shape)
    return x.astype(dt)


def test_ufunc_and_matmul_into_are_numpy_bit_for_bit():
    """Into kept buffers (the second and third calls reuse them) or handed
    to numpy (strided, Fortran-ordered, broadcast, another dtype or shape):
    numpy's values, dtype and C order every time."""
    rng = np.random.default_rng(7)
    for dt in ["float64", "float32", "complex128", "complex64"]:
        d = np.dtype(dt)
        shape = (96, 200)
        nbytes = 96 * 200 * d.itemsize
        x, y = _operand(rng, shape, dt), _operand(rng, shape, dt)
        half = (x.real if x.dtype.kind == "c" else x).astype("float16")
        others = [x[:, ::-1], np.asfortranarray(x), half, x[:1], x.ravel()]
        for uf in _UNARY:
            if dt.startswith("complex") and uf in (np.log1p,):
                continue
            for _ in range(3):
                assert same_bits(buffers.ufunc_into(uf, shape, d, nbytes, x), uf(x)), uf
            for o in others:
                assert same_bits(buffers.ufunc_into(uf, shape, d, nbytes, o), uf(o)), uf
        for uf in _BINARY:
            if dt.startswith("complex") and uf in (np.maximum, np.arctan2):
                continue
            for _ in range(3):
                assert same_bits(buffers.ufunc_into(uf, shape, d, nbytes, x, y), uf(x, y)), uf
            for o in others[:4]:  # (broadcast against y, or of another dtype)
                assert same_bits(buffers.ufunc_into(uf, shape, d, nbytes, o, y), uf(o, y)), uf
                assert same_bits(buffers.ufunc_into(uf, shape, d, nbytes, x, y[:1]), uf(x, y[:1]))
        a, b = _operand(rng, (3, 64, 80), dt), _operand(rng, (3, 80, 120), dt)
        want = np.matmul(a, b)
        nb = want.nbytes
        for _ in range(3):
            assert same_bits(buffers.matmul_into(want.shape, d, nb, a, b), want)
        for a2, b2 in [(a[0], b), (np.asfortranarray(a), b), (a, b[:, :, ::2]), (a[0], b[0])]:
            assert same_bits(buffers.matmul_into(want.shape, d, nb, a2, b2), np.matmul(a2, b2))


def test_function_runs_large_ufuncs_into_kept_buffers():
    """A Function's large float ufunc and matmul nodes write into kept
    buffers (small, integer or constant-operand ones call numpy as they
    are); values equal eager numpy's bit for bit, call after call, with
    results kept or dropped, and the temporaries of one call are reused by
    the next."""
    from lazyray.compile.lean import into

    x = lazyray.Variable((256, 256), dtype="float64", backend="numpy")
    s = lazyray.Variable((4, 4), dtype="float64", backend="numpy")
    y = lazyray.tanh(x @ x) * x - lazyray.exp(-x) + x * 0.5
    f = lazyray.Function([x, s], [y, lazyray.tanh(s), lazyray.sum(y)])
    fns = [getattr(ins[1], "func", ins[1]) for ins in f._prog.tape]
    assert buffers.matmul_into in fns and fns.count(buffers.ufunc_into) >= 4
    assert np.tanh in fns  # (the small tanh(s))
    i = lazyray.Variable((256, 256), dtype="int64", backend="numpy")
    assert into(np.add, lazyray.add(i, i)) is np.add
    rng = np.random.default_rng(3)
    kept = []
    for _ in range(4):
        a, b = rng.normal(size=(256, 256)), rng.normal(size=(4, 4))
        want = np.tanh(a @ a) * a - np.exp(-a) + a * 0.5
        got = f(a, b)
        assert same_bits(got[0], want) and same_bits(got[1], np.tanh(b))
        assert same_bits(got[2], np.sum(want))
        kept.append((got[0], want))
    assert all(same_bits(g, w) for g, w in kept)  # no kept result was overwritten
    kept.clear()
    pool = buffers._POOL.buffers
    f(a, b)
    before = pool.nbytes
    for _ in range(3):
        f(a, b)
    assert pool.nbytes == before > 0  # the same buffers, again
