"""A graph traced on numpy and run with jax arrays gives numpy's shape, dtype
and values (:mod:`lazyray.ops.portable_jax`), 64-bit types enabled.

The cases are those of the torch path (``test_defects_torch``,
``test_defects_torch_b``: numpy's promotion, scalars, complex orders and
special values, linalg of integers...) and those the fuzzer's ``jax`` path
found (:data:`JAX_CASES`, with their campaign seeds), each
``(name, leaves, lazy_fn, numpy_fn)``, compared as ``test_defects_torch_b``
does: nan and infinite positions exact, finite values within a few ulps.
"""

from __future__ import annotations

import numpy as np
import pytest

import lazyray as lr
from test_defects_torch import CASES as TORCH_CASES
from test_defects_torch_b import CASES as TORCH_CASES_B
from test_defects_torch_b import _same, traced

jax = pytest.importorskip("jax")

nan, inf = np.nan, np.inf
U8 = np.array([1, 0, 200], "uint8")
C_HALF = np.array([[complex(0.0, 1.573)], [complex(-1.0, 0.1)], [0j]], "complex64")
C_NAN = np.array([complex(1.0, nan), complex(nan, -0.151), complex(0.0, -0.334), 2 - 1j])
C_INF = np.array([complex(-2.0, -inf), complex(-0.664, inf), complex(inf, 0.0), 1 + 1j])
# a non-Hermitian matrix: numpy reads its lower triangle only
C_NOT_H = np.array(
    [[-0.046 - 3j, -2 + 0.061j, -2.218 + 2j], [2.111 - 0.309j, -0.811 - 0.811j, -0.3 + 0.4j]]
    + [[-2 - 2j, 2.226 + 1.11j, -2 + 1.227j]],
    "complex64",
)


def _unique_all_padded(x, size):
    """numpy's ``unique_all`` padded to ``size`` as lazyray documents it:
    values with the smallest value (0 when empty), indices and counts with 0."""
    r = np.unique_all(x.ravel())
    fill = r.values[0] if r.values.size else 0
    pad = max(0, size - r.values.size)
    values = np.concatenate([r.values, np.full(pad, fill, r.values.dtype)])[:size]
    indices = np.concatenate([r.indices, np.zeros(pad, r.indices.dtype)])[:size]
    counts = np.concatenate([r.counts, np.zeros(pad, r.counts.dtype)])[:size]
    return values, indices, r.inverse_indices.reshape(x.shape), counts


def _jax_cases():
    return [
        # jax computes these in float32 or with its own promotion
        ("sinh bool is float16", [np.array([True, False])], lr.sinh, np.sinh),
        ("divide int8", [np.array([3, 2], "int8")] * 2, lr.divide, np.divide),
        ("std bool", [np.array([[True, True, False]])], lambda x: x.std(axis=-1), _std),
        (
            "solve float32 complex128",
            [C_NOT_H.real.copy(), C_NOT_H.astype("complex128")],
            lr.linalg.solve,
            np.linalg.solve,
        ),  # fmt: skip
        (
            "cross float32 int64",
            [np.ones(3, "float32"), np.array([1, 2, 3])],
            lr.linalg.cross,
            np.linalg.cross,
        ),  # fmt: skip
        # seeds 131000000000000000000927 and 132000000000000000003211, ...
        (
            "floor_divide int by False",
            [np.array([1, -7]), np.array([False, True])],
            lr.floor_divide,
            np.floor_divide,
        ),  # fmt: skip
        ("greater weak -2 uint8", [U8], lambda x: lr.greater(-2, x), lambda x: np.greater(-2, x)),
        ("equal 300 uint8", [U8], lambda x: lr.equal(x, 300), lambda x: np.equal(x, 300)),
        ("clip uint8 -1 7", [U8], lambda x: lr.clip(x, -1, 7), lambda x: np.clip(x, -1, 7)),
        ("kron -2 uint8", [U8], lambda x: lr.kron(-2, x), lambda x: np.kron(-2, x)),
        ("kron 2 uint8 200", [U8], lambda x: lr.kron(2, x), lambda x: np.kron(2, x)),
        (
            "allclose float16 1e300",
            [np.array(1.0, "float16")],
            lambda x: lr.allclose(x, 1e300),
            lambda x: np.bool_(np.allclose(x, 1e300)),
        ),  # fmt: skip
        ("all complex", [C_HALF], lambda x: lr.all(x, axis=-2), lambda x: np.all(x, axis=-2)),
        ("any complex", [C_HALF * 0], lambda x: lr.any(x), lambda x: np.any(x)),
        ("max complex nan", [C_NAN], lr.max, np.max),
        ("minimum complex nan", [C_NAN, C_NAN[::-1].copy()], lr.minimum, np.minimum),
        ("power complex inf -4", [C_INF], lambda x: lr.power(x, -4), lambda x: np.power(x, -4)),
        ("exp2 complex inf", [C_INF], lr.exp2, np.exp2),
        ("sign complex inf", [C_INF], lr.sign, np.sign),
        ("reciprocal bool", [np.array([False, True])], lr.reciprocal, np.reciprocal),
        (
            "var int ddof 2",
            [np.array([[1, 5]])],
            lambda x: lr.var(x, axis=1, ddof=2),
            lambda x: np.var(x, axis=1, ddof=2),
        ),  # fmt: skip
        ("eigvalsh not Hermitian", [C_NOT_H], lr.linalg.eigvalsh, np.linalg.eigvalsh),
        # seeds 134000000000000000000763 and 134000000000000000002855
        (
            "cholesky not symmetric",
            [np.array([[[3.0, 0.0], [1.0, 1.051]], [[3.0, -2.0], [1.0, 2.0]]])],
            lr.linalg.cholesky,
            np.linalg.cholesky,
        ),  # fmt: skip
        (
            "cumprod int8 in int64",
            [np.array([-3, 3, -2, -1, -3, 2, 3, -3], "int8")],
            lr.cumprod,
            np.cumprod,
        ),  # fmt: skip
        ("sum uint8 in uint64", [np.array([200, 100], "uint8")], lr.sum, np.sum),
        # seed 135000000000000000002493
        ("stack -1 uint8", [U8[0]], lambda x: lr.stack([-1, x]), lambda x: np.stack([-1, x])),
        (
            "stack 1e-4 float16",
            [np.array(1.0, "float16")],
            lambda x: lr.stack([x, 1e-4]),
            lambda x: np.stack([x, 1e-4]),
        ),
        (
            "linspace from inf and nan",
            [np.array([[nan, -2.237, inf], [-inf, 1.469, 0.0]])],
            lambda a: lr.linspace(a, np.float32(-2.0), 4, endpoint=False, axis=1),
            lambda a: np.linspace(a, np.float32(-2.0), 4, endpoint=False, axis=1),
        ),  # fmt: skip
        (
            "nonzero empty size",
            [np.empty((1, 0), "float32")],
            lambda x: lr.nonzero(x, size=1, fill_value=-1)[0],
            lambda x: np.array([-1]),
        ),  # fmt: skip
        *[
            (
                f"unique_all size {k}",
                [x],
                lambda x, k=k: lr.unique_all(x, size=3)[k],
                lambda x, k=k: _unique_all_padded(x, 3)[k],
            )  # fmt: skip
            for x in (np.array([2, 0], "uint8"), np.empty((0,), bool))
            for k in range(4)
        ],
    ]


def _std(x):
    return np.std(x, axis=-1)


JAX_CASES = _jax_cases()
CASES = TORCH_CASES + TORCH_CASES_B + JAX_CASES


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_jax_matches_numpy(case):
    ref, f, leaves = traced(case)
    with jax.enable_x64(True):
        got = f(*[jax.numpy.asarray(x) for x in leaves])[0]
        assert isinstance(got, jax.Array)
        _same(np.asarray(got), ref)


@pytest.mark.filterwarnings("ignore:Explicitly requested dtype float64")
def test_without_x64_jax_keeps_32_bit_types():
    """Without ``jax_enable_x64`` jax has no 64-bit arrays: numpy's float64
    results arrive as float32 (documented), with numpy's values rounded."""
    x = lr.Variable((2,), dtype="int8")
    f = lr.Function([x], [x / 3])
    got = f(jax.numpy.asarray(np.array([1, -2], "int8")))[0]
    assert got.dtype == np.float32
    np.testing.assert_allclose(np.asarray(got), np.array([1, -2]) / 3, rtol=1e-7)


def test_under_jax_jit_calls_that_numpy_would_run_are_jax_own():
    """Abstract values cannot go to the host: under ``jax.jit`` an op whose
    numpy meaning runs on the host (complex ``sqrt``, ``max``) is jax's own,
    and the rest keeps numpy's dtypes (``sinh(bool)`` float16)."""
    z = np.array([4 + 0j, -2 - 1j, 1j])
    x, b = lr.Variable((3,), dtype="complex128"), lr.Variable((2,), dtype="bool")
    f = lr.Function([x, b], [lr.sqrt(x), lr.max(x), lr.sinh(b)])
    with jax.enable_x64(True):
        jnp = jax.numpy
        got = jax.jit(lambda a, c: f(a, c))(jnp.asarray(z), jnp.asarray([True, False]))
        np.testing.assert_allclose(np.asarray(got[0]), np.asarray(jnp.sqrt(jnp.asarray(z))))
        assert complex(got[1]) == complex(jnp.max(jnp.asarray(z)))
        assert got[2].dtype == np.float16
