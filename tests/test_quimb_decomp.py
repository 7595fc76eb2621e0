"""quimb's one-node lazy decompositions on lazyray's own backend (issue 11).

Without :func:`lazyray.patch_autoray`, quimb's ``svd_truncated`` and
``qr_stabilized`` on lazyray arrays are lazyray's one-node versions
(:mod:`lazyray.compat.quimb_decomp`): graphs no bigger than autoray's lazy
module's, values equal to eager numpy's, on every execution path.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
import warnings

import autoray as ar
import numpy as np
import pytest

import lazyray

qtn = pytest.importorskip("quimb.tensor")
decomp = pytest.importorskip("quimb.tensor.decomp")

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::FutureWarning"),
]

_ABSORBS = [None, "both", "left", "right", "U", "VH", "Us", "sVH", "lsqrt", "rsqrt", "s"]
_QR_ABSORBS = ["right", "left", "lorthog", "rfactor", "lfactor", "rorthog"]


def _lazy(tn, wrap=lazyray.array):
    tn = tn.copy()
    tn.apply_to_arrays(wrap)
    return tn


def _names(z) -> set:
    return {n.fn_name for n in z.descend()}


def _check(got, ref, rtol=1e-10):
    assert len(got) == len(ref) == 3
    for g, r in zip(got, ref):
        assert (g is None) == (r is None)
        if r is not None:
            assert isinstance(g, lazyray.LazyArray)
            assert g.shape == r.shape and g.dtype == r.dtype
            np.testing.assert_allclose(g.compute(), r, rtol=rtol, atol=1e-12)


def _absorb_supported(absorb) -> bool:
    return absorb in getattr(decomp, "_ABSORB_MAP", {None: 0, "both": 0, "left": 0, "right": 0})


# ------------------------------------------------------------ dispatch


def test_registered_for_lazyray_backend():
    from lazyray.compat import quimb_decomp

    assert ar.get_lib_fn("lazyray", "svd_truncated") is quimb_decomp.svd_truncated
    assert ar.get_lib_fn("lazyray", "qr_stabilized") is quimb_decomp.qr_stabilized


@pytest.mark.parametrize("quimb_first", [True, False])
def test_wins_whatever_the_import_order(quimb_first):
    first, second = ("quimb.tensor", "lazyray") if quimb_first else ("lazyray", "quimb.tensor")
    code = textwrap.dedent(f"""
        import importlib, numpy as np
        importlib.import_module({first!r}); importlib.import_module({second!r})
        import lazyray
        from quimb.tensor.decomp import svd_truncated, qr_stabilized
        x = lazyray.array(np.random.rand(5, 4))
        U, s, VH = svd_truncated(x, cutoff=0.0, max_bond=2)
        Q, _, R = qr_stabilized(x)
        print(U.deps[0].fn_name, Q.deps[0].fn_name, s, U.shape, VH.shape)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == "svd_truncated qr_stabilized None (5, 2) (2, 4)".split()


def test_lazyray_does_not_import_quimb():
    code = "import sys, lazyray; print('quimb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------ quimb's functions


@pytest.mark.parametrize("absorb", _ABSORBS)
@pytest.mark.parametrize("shape", [(6, 5), (3, 7), (2, 4, 3)])
def test_svd_truncated_vs_numpy(absorb, shape):
    if not _absorb_supported(absorb):
        pytest.skip(f"this quimb has no absorb mode {absorb!r}")
    x = np.random.default_rng(0).random(shape)
    kw = {"cutoff": 0.0, "max_bond": 2, "absorb": decomp._ABSORB_MAP[absorb]}
    got = decomp.svd_truncated(lazyray.array(x), **kw)
    base = next(g for g in got if g is not None).deps[0]
    assert base.fn_name == "svd_truncated"
    assert sum(g is not None for g in got) == len({id(g) for g in got if g is not None})
    _check(got, decomp.svd_truncated(x, **kw))


@pytest.mark.parametrize("max_bond", [-1, 3, 10])
def test_svd_truncated_max_bond_and_renorm(max_bond):
    x = np.random.default_rng(1).random((6, 5))
    for renorm in (0, 2):
        kw = {"cutoff": -1.0, "max_bond": max_bond, "absorb": None, "renorm": renorm}
        _check(decomp.svd_truncated(lazyray.array(x), **kw), decomp.svd_truncated(x, **kw))


@pytest.mark.parametrize("dtype", ["float32", "complex128"])
def test_svd_truncated_dtypes(dtype):
    rng = np.random.default_rng(2)
    x = (rng.random((5, 4)) + (1j * rng.random((5, 4)) if "complex" in dtype else 0)).astype(dtype)
    U, s, VH = decomp.svd_truncated(lazyray.array(x), cutoff=0.0, max_bond=3, absorb=None)
    assert U.dtype == VH.dtype == dtype
    assert s.dtype == ("float32" if dtype == "float32" else "float64")  # s is real
    ref = decomp.svd_truncated(x, cutoff=0.0, max_bond=3, absorb=None)
    _check((U, s, VH), ref, rtol=1e-4 if dtype == "float32" else 1e-10)


def test_svd_truncated_dynamic_cutoff_of_variables_refused():
    x = lazyray.Variable((3, 3))
    with pytest.raises(ValueError, match="Can't handle dynamic cutoffs in lazy mode"):
        decomp.svd_truncated(x, cutoff=1e-10)
    with pytest.raises(ValueError, match="Can't handle dynamic cutoffs in lazy mode"):
        decomp.svd_truncated(lazyray.sin(x), cutoff=1e-10)


@pytest.mark.parametrize("cutoff", [1e-10, 0.3])
def test_svd_truncated_dynamic_cutoff_of_determined_arrays(cutoff):
    # quimb's composed implementation: the truncation is resolved by computing
    x = np.random.default_rng(9).random((6, 5))
    x[:, 3:] = x[:, :2]  # rank 3
    kw = {"cutoff": cutoff, "max_bond": 4, "absorb": None}
    got = decomp.svd_truncated(lazyray.array(x), **kw)
    _check(got, decomp.svd_truncated(x, **kw))


def test_svd_truncated_info_error():
    x = np.random.default_rng(10).random((6, 5))
    info, ref_info = {"error": None}, {"error": None}
    kw = {"cutoff": 0.0, "max_bond": 2, "absorb": None}
    got = decomp.svd_truncated(lazyray.Variable((6, 5)), info=info, **kw)
    assert got[0].shape == (6, 2)
    ref = decomp.svd_truncated(x, info=ref_info, **kw)
    _check(decomp.svd_truncated(lazyray.array(x), info=info, **kw), ref)
    np.testing.assert_allclose(lazyray.compute(info["error"]), ref_info["error"], rtol=1e-10)


@pytest.mark.parametrize("absorb", _QR_ABSORBS)
@pytest.mark.parametrize("shape", [(6, 4), (3, 5)])
def test_qr_stabilized_vs_numpy(absorb, shape):
    if not _absorb_supported(absorb):
        pytest.skip(f"this quimb has no absorb mode {absorb!r}")
    x = np.random.default_rng(3).random(shape)
    code = decomp._ABSORB_MAP[absorb]
    got = decomp.qr_stabilized(lazyray.array(x), absorb=absorb)  # aliases accepted
    assert got[1] is None
    _check(got, decomp.qr_stabilized(x, absorb=code))


def test_qr_stabilized_refuses_svd_modes():
    with pytest.raises(ValueError, match="Invalid absorb mode for qr_stabilized"):
        decomp.qr_stabilized(lazyray.array(np.ones((3, 3))), absorb=None)


# ------------------------------------------------------------ tensor networks


def _mpo_apply_compress(wrap, L=8, D=6):
    psi = _lazy(qtn.MPS_rand_state(L, bond_dim=D, seed=2), wrap)
    H = _lazy(qtn.MPO_ham_heis(L), wrap)
    y = qtn.tensor_network_apply_op_vec(H, psi, contract=True, compress=True, max_bond=D, cutoff=0)
    return psi.H @ y


def test_mpo_apply_compress_nodes_and_values():
    ref = _mpo_apply_compress(np.asarray)
    theirs = _mpo_apply_compress(ar.lazy.array)
    with lazyray.strict():
        z = _mpo_apply_compress(lazyray.array)
        assert z.history_num_nodes() <= theirs.history_num_nodes()
        assert "svd_truncated" in _names(z) and "linalg.svd" not in _names(z)
        np.testing.assert_allclose(z.compute(), ref, rtol=1e-10)


def test_mpo_apply_compress_shared_nodes():
    with ar.lazy.shared_intermediates():
        theirs = _mpo_apply_compress(ar.lazy.array).history_num_nodes()
    with lazyray.shared_intermediates():
        z = _mpo_apply_compress(lazyray.array)
    assert z.history_num_nodes() <= theirs


@pytest.mark.parametrize("method", ["svd", "qr", "lq"])
def test_tensor_split_max_bond(method):
    T = qtn.rand_tensor((3, 4, 5), inds="abc", seed=6)
    kw = {"method": method, "cutoff": 0.0}
    if method == "svd":
        kw["max_bond"] = 2
    ref = T.split(["a", "b"], **kw)
    L = T.copy()
    L.modify(apply=lazyray.array)
    tn = L.split(["a", "b"], **kw)
    assert [t.shape for t in tn] == [t.shape for t in ref]
    assert _names(tn.tensors[0].data) & {"svd_truncated", "qr_stabilized"}
    for t, r in zip(tn, ref):
        np.testing.assert_allclose(t.data.compute(), r.data, rtol=1e-10, atol=1e-12)


def test_mps_compress():
    psi = qtn.MPS_rand_state(10, bond_dim=8, seed=7)
    ref = psi.copy()
    ref.compress(max_bond=4, cutoff=0.0)
    lz = _lazy(psi)
    lz.compress(max_bond=4, cutoff=0.0)
    theirs = _lazy(psi, ar.lazy.array)
    theirs.compress(max_bond=4, cutoff=0.0)
    assert lz.max_bond() == 4
    z = lz.H @ lz
    assert z.history_num_nodes() <= (theirs.H @ theirs).history_num_nodes()
    np.testing.assert_allclose(z.compute(), ref.H @ ref, rtol=1e-10)


def test_peps_contract_boundary():
    def norm(wrap):
        tn = _lazy(qtn.PEPS.rand(3, 3, bond_dim=2, seed=8).make_norm(), wrap)
        return tn.contract_boundary(max_bond=4, cutoff=0.0)

    ref, theirs, z = norm(np.asarray), norm(ar.lazy.array), norm(lazyray.array)
    assert z.history_num_nodes() <= theirs.history_num_nodes()
    np.testing.assert_allclose(z.compute(), ref, rtol=1e-10)


# ------------------------------------------------------------ execution paths


def _split_graph(dtype="float64"):
    x = lazyray.Variable((6, 5), dtype=dtype)
    U, s, VH = decomp.svd_truncated(x, cutoff=0.0, max_bond=3, absorb=None)
    Q, _, R = decomp.qr_stabilized(x)
    return x, [U, s, VH, Q, R]


def _eager(a):
    return [
        *decomp.svd_truncated(a, cutoff=0.0, max_bond=3, absorb=None),
        *decomp.qr_stabilized(a)[::2],
    ]


def test_function_numpy_and_torch():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(4).random((6, 5))
    x, outs = _split_graph()
    f = lazyray.Function([x], outs)
    for got, ref in zip(f(a), _eager(a)):
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got_t = f(torch.tensor(a))
    assert all(isinstance(g, torch.Tensor) for g in got_t)
    for got, ref in zip(got_t, _eager(a)):
        np.testing.assert_allclose(got.numpy(), ref, rtol=1e-10, atol=1e-12)


def test_pickle_graph_and_function():
    a = np.random.default_rng(5).random((6, 5))
    _, outs = _split_graph()
    y = outs[0] @ lazyray.diag(outs[1]) @ outs[2] + outs[3] @ outs[4]
    leaf = lazyray.array(a)
    U, s, VH = decomp.svd_truncated(leaf, cutoff=0.0, max_bond=3, absorb=None)
    z = pickle.loads(pickle.dumps(U @ lazyray.diag(s) @ VH))
    e = decomp.svd_truncated(a, cutoff=0.0, max_bond=3, absorb=None)
    np.testing.assert_allclose(z.compute(), e[0] @ np.diag(e[1]) @ e[2], rtol=1e-10)
    xs = [n for n in y.descend() if n.fn_name == "variable"]
    f = pickle.loads(pickle.dumps(lazyray.Function(xs, y)))
    ee = _eager(a)
    ref = ee[0] @ np.diag(ee[1]) @ ee[2] + ee[3] @ ee[4]
    np.testing.assert_allclose(f(a), ref, rtol=1e-10)


def test_unpickled_in_fresh_process_imports_quimb():
    a = np.random.default_rng(6).random((4, 4))
    U, s, VH = decomp.svd_truncated(lazyray.array(a), cutoff=0.0, absorb=None)
    blob = pickle.dumps(U @ lazyray.diag(s) @ VH)
    code = (
        "import sys, pickle, numpy as np; import lazyray; "
        "z = pickle.loads(sys.stdin.buffer.read()); "
        "assert 'quimb' not in sys.modules; print(float(np.abs(z.compute()).sum()))"
    )
    out = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    assert float(out.stdout) == pytest.approx(np.abs(a).sum(), rel=1e-10)


def test_shared_intermediates_same_call_same_node():
    x = lazyray.array(np.random.default_rng(7).random((5, 4)))
    with lazyray.shared_intermediates():
        a = decomp.svd_truncated(x, cutoff=0.0, max_bond=2)
        b = decomp.svd_truncated(x, cutoff=0.0, max_bond=2)
        c = decomp.qr_stabilized(x)
        d = decomp.qr_stabilized(x)
    assert a[0] is b[0] and a[2] is b[2] and c[0] is d[0] and c[2] is d[2]
    e = decomp.svd_truncated(x, cutoff=0.0, max_bond=2)
    assert e[0] is not a[0]
    with lazyray.shared_intermediates():
        f = decomp.svd_truncated(x, cutoff=0.0, max_bond=3)
    assert f[0].shape == (5, 3)


def test_optimize_keeps_decompositions():
    a = np.random.default_rng(8).random((6, 5))
    x, outs = _split_graph()
    plain = lazyray.Function([x], outs, optimize=False)
    optimized = lazyray.Function([x], outs + [outs[0]], optimize=True)
    for got, ref in zip(optimized(a), plain(a) + [plain(a)[0]]):
        np.testing.assert_allclose(got, ref, rtol=1e-12)
    src = optimized.get_source()
    assert src.count("svd_truncated(") == 1 and src.count("qr_stabilized(") == 1
