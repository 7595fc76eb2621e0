"""opt_einsum's own test equations as an outside oracle for lazyray's einsum.

The equations are opt_einsum's (``opt_einsum.tests.test_contract.tests``,
shipped in its wheel, and its seeded ``rand_equation`` cases), with operands
from its ``build_views``; they cover scalars, hadamard products, traces and
diagonals (``"aab,bcc->ac"``), collapses, outer products and equations that
once broke opt_einsum.  Each is traced by lazyray in three ways and compared
with eager ``numpy.einsum``:

* ``lazyray.einsum`` on wrapped arrays, computed;
* ``opt_einsum.contract(..., backend="lazyray")`` for each of opt_einsum's
  own path options (its pairwise ``tensordot``/``einsum``/``transpose``
  calls are traced by lazyray), computed;
* a :class:`lazyray.Function` of Variables, called with the arrays.
"""

from __future__ import annotations

import numpy as np
import pytest

import lazyray

oe = pytest.importorskip("opt_einsum")
contract_tests = pytest.importorskip("opt_einsum.tests.test_contract")
from opt_einsum.paths import _PATH_OPTIONS  # noqa: E402
from opt_einsum.testing import build_views, rand_equation  # noqa: E402


def _opt_einsums(fn) -> bool:
    return getattr(getattr(fn, "func", fn), "__module__", "").startswith("opt_einsum")


#: opt_einsum's own path options (cotengra, once imported, registers more,
#: e.g. a "random" that opt_einsum 3.4 calls with an argument too many)
PATHS = sorted(name for name, fn in _PATH_OPTIONS.items() if _opt_einsums(fn))


def _check(got, expected, what):
    got = np.asarray(got)
    assert got.shape == np.shape(expected), what
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12, err_msg=what)


def _lazy(views):
    return [lazyray.array(v) for v in views]


def _all_ways(eq, views):
    expected = np.einsum(eq, *views)
    _check(lazyray.einsum(eq, *_lazy(views)).compute(), expected, f"lazyray.einsum {eq}")
    for path in PATHS:
        out = oe.contract(eq, *_lazy(views), optimize=path, backend="lazyray")
        assert isinstance(out, lazyray.LazyArray), path
        _check(out.compute(), expected, f"contract {eq} optimize={path}")
    variables = [lazyray.Variable(np.shape(v)) for v in views]
    f = lazyray.Function(variables, lazyray.einsum(eq, *variables))
    _check(f(*views), expected, f"Function {eq}")


@pytest.mark.parametrize("eq", contract_tests.tests)
def test_opt_einsum_equations(eq):
    _all_ways(eq, build_views(eq))


@pytest.mark.parametrize("n, reg, n_out", [(4, 2, 0), (5, 3, 2), (5, 3, 4), (6, 3, 1)])
@pytest.mark.parametrize("global_dim", [False, True])
def test_opt_einsum_random_equations(n, reg, n_out, global_dim):
    eq, _, size = rand_equation(
        n, reg, n_out, d_min=2, d_max=5, seed=42, global_dim=global_dim, return_size_dict=True
    )
    _all_ways(eq, build_views(eq, size))
