"""quimb and cotengra workloads for :mod:`bench.clients_bench`.

Each workload is written once against the client library and run with its
leaf arrays wrapped by one implementation: eager numpy (no wrapping),
``lazyray.array``, ``autoray.lazy.array`` or ``dask.array.from_array`` (one
chunk).  ``prepare()`` makes the untimed, fresh client state of one run (a
new circuit: quimb caches a circuit's simplified light cones), ``run(state,
wrap)`` is the timed part (wrapping the leaves included) and returns a list
of outputs.  ``function_graph(lib)`` traces the same computation with
``lib.Variable`` leaves and returns ``(inputs, outputs, call_args)`` for a
``Function`` (or None where that makes no sense).
"""

from __future__ import annotations

import numpy as np

QUICK = "quick"
FULL = "full"


def _ident(a):
    return a


class Workload:
    name = ""
    label = ""
    dask = False  # dask.array makes sense here (few, big ops)
    hardcoded = False  # quimb hard-codes autoray's lazy module here: also run lazyray patched

    def prepare(self):
        return None

    def run(self, state, wrap):
        raise NotImplementedError

    def function_graph(self, lib):
        return None


def _lazy_variable(lib, a):
    if "lazyray" in lib.__name__:
        return lib.Variable(a.shape, backend="numpy", dtype=a.dtype)
    return lib.Variable(a.shape, backend="numpy")


# ------------------------------------------------------------------ quimb


class CircuitExpectation(Workload):
    """Local ZZ expectations of a random brickwork circuit (RY/RX + CZ)."""

    def __init__(self, mode):
        self.n, self.depth, self.nwhere = (8, 6, 2) if mode == QUICK else (12, 8, 4)
        self.name = "circuit_local_expectation"
        self.label = (
            f"quimb Circuit n={self.n} depth={self.depth}: {self.nwhere} local <ZZ> "
            "(simplify_sequence='R', greedy)"
        )
        rng = np.random.default_rng(0)
        self.params = rng.uniform(0, 2 * np.pi, self.n * self.depth)
        step = max(1, (self.n - 1) // self.nwhere)
        self.where = [(i, i + 1) for i in range(0, self.n - 1, step)][: self.nwhere]

    def circuit(self, params):
        import quimb.tensor as qtn

        c = qtn.Circuit(self.n)
        k = 0
        for d in range(self.depth):
            for i in range(self.n):
                c.apply_gate("RY" if d % 2 == 0 else "RX", params[k], i)
                k += 1
            for i in range(d % 2, self.n - 1, 2):
                c.apply_gate("CZ", i, i + 1)
        return c

    def prepare(self):
        return self.circuit(self.params)

    def _expectations(self, c):
        import quimb as qu

        zz = qu.pauli("Z") & qu.pauli("Z")
        kw = {"optimize": "greedy", "simplify_sequence": "R"}
        return [c.local_expectation(zz, w, **kw) for w in self.where]

    def run(self, c, wrap):
        if wrap is not _ident:
            c.apply_to_arrays(wrap)
        return self._expectations(c)

    def function_graph(self, lib):
        # the gate parameters are the inputs (quimb builds the gates from them)
        vs = [lib.Variable((), backend="numpy") for _ in self.params]
        return vs, self._expectations(self.circuit(vs)), list(self.params)


class MPSEnergy(Workload):
    """<psi|H|psi> of a random MPS and the Heisenberg MPO, contracted site by
    site (``expec_TN_1D``: the environment sweep of DMRG)."""

    def __init__(self, mode):
        import quimb.tensor as qtn

        self.L, self.D = (12, 8) if mode == QUICK else (32, 24)
        self.name = "mps_energy"
        self.label = f"quimb MPS L={self.L} D={self.D}: expec_TN_1D(psi.H, MPO_ham_heis, psi)"
        self.dask = True
        self.psi = qtn.MPS_rand_state(self.L, bond_dim=self.D, seed=1)
        self.H = qtn.MPO_ham_heis(self.L)

    def _energy(self, psi, H):
        import quimb.tensor as qtn

        return [qtn.expec_TN_1D(psi.H, H, psi)]

    def _wrapped(self, wrap):
        psi, H = self.psi.copy(), self.H.copy()
        if wrap is not _ident:
            psi.apply_to_arrays(wrap)
            H.apply_to_arrays(wrap)
        return psi, H

    def run(self, state, wrap):
        return self._energy(*self._wrapped(wrap))

    def function_graph(self, lib):
        psi, H = self.psi.copy(), self.H.copy()
        args = list(psi.arrays) + list(H.arrays)
        psi.apply_to_arrays(lambda a: _lazy_variable(lib, a))
        H.apply_to_arrays(lambda a: _lazy_variable(lib, a))
        inputs = list(psi.arrays) + list(H.arrays)
        return inputs, self._energy(psi, H), args


class MPOApplyCompress(Workload):
    """``tensor_network_apply_op_vec(MPO, MPS, contract=True, compress=True)``
    then the overlap with the original state: per-site contractions, then
    quimb's canonize + SVD compression sweep."""

    def __init__(self, mode):
        import quimb.tensor as qtn

        self.L, self.D = (8, 6) if mode == QUICK else (16, 12)
        self.name = "mpo_apply_compress"
        self.label = (
            f"quimb tensor_network_apply_op_vec(MPO_ham_heis, MPS L={self.L} D={self.D}), "
            f"compress to D={self.D}, overlap"
        )
        self.hardcoded = True  # quimb's one-node lazy svd_truncated / qr_stabilized
        self.psi = qtn.MPS_rand_state(self.L, bond_dim=self.D, seed=2)
        self.H = qtn.MPO_ham_heis(self.L)

    def _apply(self, psi, H):
        import quimb.tensor as qtn

        y = qtn.tensor_network_apply_op_vec(
            H, psi, contract=True, compress=True, max_bond=self.D, cutoff=0.0
        )
        return [psi.H @ y]

    def run(self, state, wrap):
        psi, H = self.psi.copy(), self.H.copy()
        if wrap is not _ident:
            psi.apply_to_arrays(wrap)
            H.apply_to_arrays(wrap)
        return self._apply(psi, H)

    def function_graph(self, lib):
        psi, H = self.psi.copy(), self.H.copy()
        args = list(psi.arrays) + list(H.arrays)
        psi.apply_to_arrays(lambda a: _lazy_variable(lib, a))
        H.apply_to_arrays(lambda a: _lazy_variable(lib, a))
        return list(psi.arrays) + list(H.arrays), self._apply(psi, H), args


# ------------------------------------------------------------------ cotengra


class CotengraTree(Workload):
    """``ContractionTree.contract`` (greedy tree, fixed seed), optionally sliced."""

    def __init__(self, mode, kind):
        import cotengra as ctg

        self.kind = kind
        rng = np.random.default_rng(7)
        if kind == "rrg":
            n = 18 if mode == QUICK else 36
            inputs, output, shapes, size = ctg.utils.rand_equation(
                n, 3, n_out=2, d_min=2, d_max=3, seed=7
            )
            self.name = "cotengra_rrg"
            self.label = f"cotengra random 3-regular graph, {n} tensors, greedy tree"
            self.dask = True
            nslices = 1
        else:
            side = 5 if mode == QUICK else 7
            inputs, output, shapes, size = ctg.utils.lattice_equation([side, side], d_max=3, seed=7)
            shapes = [tuple(size[i] for i in t) for t in inputs]
            nslices = 8 if mode == QUICK else 16
            self.name = "cotengra_lattice_sliced"
            self.label = f"cotengra {side}x{side} lattice, greedy tree sliced into ~{nslices}"
        tree = ctg.array_contract_tree(inputs, output, size, optimize="greedy")
        self.tree = tree.slice(target_slices=nslices, seed=0) if nslices > 1 else tree
        if nslices > 1:
            self.label += f" ({self.tree.nslices} slices)"
        self.arrays = [rng.normal(size=s) / 1.3 for s in shapes]
        self.shapes = shapes

    def run(self, state, wrap):
        return [self.tree.contract([wrap(a) for a in self.arrays])]

    def function_graph(self, lib):
        vs = [_lazy_variable(lib, a) for a in self.arrays]
        return vs, [self.tree.contract(vs)], list(self.arrays)


def workloads(mode, only=None):
    makers = {
        "circuit_local_expectation": lambda: CircuitExpectation(mode),
        "mps_energy": lambda: MPSEnergy(mode),
        "mpo_apply_compress": lambda: MPOApplyCompress(mode),
        "cotengra_rrg": lambda: CotengraTree(mode, "rrg"),
        "cotengra_lattice_sliced": lambda: CotengraTree(mode, "lattice"),
    }
    return [make() for name, make in makers.items() if not only or name in only]


NAMES = (
    "circuit_local_expectation",
    "mps_energy",
    "mpo_apply_compress",
    "cotengra_rrg",
    "cotengra_lattice_sliced",
)
