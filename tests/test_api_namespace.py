"""The Array API (2024.12) namespace of lazyray: names, dtypes, inspection,
the data type functions and the array object's attributes.

The list of names is read from the standard's own stubs (the
``array-api/`` folder of the array-api-tests oracle in ``../shared``); the
data type functions are checked against numpy's over every pair of the 13
dtypes.
"""

from __future__ import annotations

import ast
import itertools
import math
from pathlib import Path

import numpy as np
import pytest

import lazyray

STUBS = (
    Path(__file__).resolve().parents[2]
    / "shared/oracles/array-api-tests/array-api/src/array_api_stubs/_2024_12"
)
DTYPES = (
    "bool int8 int16 int32 int64 uint8 uint16 uint32 uint64 float32 float64 complex64 complex128"
).split()


def _stub_all(name: str) -> list:
    tree = ast.parse((STUBS / f"{name}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", "") == "__all__" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"no __all__ in {name}.py")


def _spec_names() -> dict:
    """``{where: [names]}`` of the 2024.12 standard, from its stubs."""
    if not STUBS.is_dir():
        pytest.skip(f"the Array API stubs are not at {STUBS}")
    main = []
    for f in sorted(STUBS.glob("*_functions.py")):
        main += _stub_all(f.stem)
    info = _stub_all("info")
    tree = ast.parse((STUBS / "array_object.py").read_text())
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    attrs = [m.name for m in cls.body if isinstance(m, ast.FunctionDef) and m.name != "__init__"]
    return {
        "main": main + ["__array_namespace_info__", "__array_api_version__"],
        "constants": _stub_all("constants"),
        "dtypes": DTYPES,
        "linalg": _stub_all("linalg"),
        "fft": _stub_all("fft"),
        "info": [n for n in info if n != "__array_namespace_info__"],
        "array": attrs,
    }


def test_all_236_names_of_the_2024_12_standard():
    spec = _spec_names()
    x = lazyray.Variable((2, 2))
    where = {
        "main": lazyray,
        "constants": lazyray,
        "dtypes": lazyray,
        "linalg": lazyray.linalg,
        "fft": lazyray.fft,
        "info": lazyray.__array_namespace_info__(),
        "array": x,
    }
    missing = [f"{k}.{n}" for k, names in spec.items() for n in names if not hasattr(where[k], n)]
    assert missing == []
    assert sum(map(len, spec.values())) == 236
    for mod in ("main", "linalg", "fft"):  # functions are callable and public
        public = set(getattr(where[mod], "__all__", ()))
        for n in spec[mod]:
            if n != "__array_api_version__":
                assert callable(getattr(where[mod], n)), n
                assert mod == "main" or n in public, n


def test_constants_version_and_namespace():
    assert lazyray.__array_api_version__ == "2024.12"
    assert (lazyray.e, lazyray.pi) == (math.e, math.pi)
    assert lazyray.inf == math.inf and math.isnan(lazyray.nan) and lazyray.newaxis is None
    x = lazyray.Variable((3,))
    assert x.__array_namespace__() is lazyray
    assert x.__array_namespace__(api_version="2023.12") is lazyray
    with pytest.raises(ValueError, match="2024.12"):
        x.__array_namespace__(api_version="1999.01")
    assert x[lazyray.newaxis].shape == (1, 3)


@pytest.mark.parametrize("name", DTYPES)
def test_dtypes_are_numpy_dtype_objects_equal_to_their_names(name):
    dt = getattr(lazyray, name)
    assert isinstance(dt, np.dtype) and dt == np.dtype(name) and dt == name
    x = lazyray.Variable((2,), dtype=dt)
    assert x.dtype == dt and isinstance(x.dtype, np.dtype)
    assert lazyray.zeros((2,), dtype=dt).compute().dtype == np.dtype(name)
    assert (x + x).dtype == (np.zeros(2, name) + np.zeros(2, name)).dtype


def test_namespace_info():
    info = lazyray.__array_namespace_info__()
    caps = info.capabilities()
    assert caps["boolean indexing"] is True and caps["data-dependent shapes"] is True
    assert info.default_device() == "cpu" and info.devices() == ["cpu"]
    d = info.default_dtypes()
    assert d == {
        "real floating": np.float64,
        "complex floating": np.complex128,
        "integral": np.int64,
        "indexing": np.int64,
    }
    assert list(info.dtypes()) == DTYPES
    assert list(info.dtypes(kind="integral")) == DTYPES[1:9]
    assert list(info.dtypes(kind=("bool", "complex floating"))) == ["bool", *DTYPES[-2:]]
    assert list(info.dtypes(kind="float32")) == ["float32"]
    with pytest.raises(ValueError, match="device"):
        info.dtypes(device="cuda:0")


@pytest.mark.parametrize("a, b", list(itertools.product(DTYPES, repeat=2)))
def test_can_cast_and_result_type_match_numpy(a, b):
    assert lazyray.can_cast(a, b) == np.can_cast(a, b)
    x = lazyray.Variable((2,), dtype=a)
    assert lazyray.can_cast(x, getattr(lazyray, b)) == np.can_cast(a, b)
    assert lazyray.result_type(a, b) == np.result_type(a, b)
    assert lazyray.result_type(x, lazyray.Variable((), dtype=b)) == np.result_type(a, b)


@pytest.mark.parametrize("a", DTYPES)
def test_result_type_with_python_scalars_is_weak(a):
    x = lazyray.Variable((2,), dtype=a)
    for s in (True, 1, 1.0, 1j):
        try:
            ref = np.result_type(np.zeros(2, a), s)
        except (TypeError, OverflowError):
            continue
        assert lazyray.result_type(x, s) == ref
        assert lazyray.result_type(x, s) == (x + s).dtype
    with pytest.raises(TypeError, match="result_type"):
        lazyray.result_type(1, 2.0)


KINDS = {
    "bool": "b",
    "signed integer": "i",
    "unsigned integer": "u",
    "integral": "iu",
    "real floating": "f",
    "complex floating": "c",
    "numeric": "iufc",
}


@pytest.mark.parametrize("name", DTYPES)
def test_isdtype(name):
    for kind, codes in KINDS.items():
        assert lazyray.isdtype(getattr(lazyray, name), kind) == (np.dtype(name).kind in codes)
    assert lazyray.isdtype(name, name) and not lazyray.isdtype(
        name, "float16" if name != "float16" else "int8"
    )
    assert lazyray.isdtype(name, ("bool", "numeric"))
    with pytest.raises(ValueError, match="kind"):
        lazyray.isdtype(name, "floating")


def test_array_object_attributes():
    a = np.arange(6.0).reshape(2, 3)
    x = lazyray.array(a) * 2
    assert x.device == "cpu" and x.to_device("cpu") is x
    with pytest.raises(ValueError, match="device"):
        x.to_device("cuda:0")
    assert x.mT.shape == (3, 2)
    np.testing.assert_array_equal(x.mT.compute(), (a * 2).T)
    # DLPack of a determined value computes it; of a Variable, TypeError
    np.testing.assert_array_equal(np.from_dlpack(x), a * 2)
    assert x.__dlpack_device__() == a.__dlpack_device__()
    with pytest.raises(TypeError, match="Variable"):
        np.from_dlpack(lazyray.Variable((2,)) + 1)
    assert (lazyray.array(np.int64(3)) << 2).compute() == 12
