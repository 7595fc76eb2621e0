"""Op records: movement, indexing, contractions, creation and linalg.
See :mod:`op_records`.
"""

from __future__ import annotations

import operator

import numpy as np


def define(rec, In, X, by_id) -> None:  # noqa: N803 - the model's names
    """Add this family's records with ``rec`` (see :mod:`op_records`)."""
    _F = ("float32", "float64", "complex64", "complex128")
    _NO_INT_TORCH = "torch: op not implemented for integer tensors"
    _NO_BOOL_TORCH = "torch: op not implemented for bool tensors"

    # -------------------------------------------------------------- movement

    rec("reshape-minus1", "reshape", [In((2, 3, 4))], (X[0], (4, -1)))
    rec("reshape-flat", "reshape", [In((2, 3))], (X[0], -1))
    rec("reshape-int", "reshape", [In((6,))], (X[0], (2, 3)))
    rec("reshape-scalar", "reshape", [In((1, 1))], (X[0], ()))
    rec("reshape-empty", "reshape", [In((0, 3))], (X[0], (3, 0, 2)))
    rec("reshape-empty-minus1", "reshape", [In((4, 0))], (X[0], (-1, 2)))
    rec("reshape-any-negative-is-unknown", "reshape", [In((2, 3))], (X[0], (-2, 3)))
    rec("reshape-same", "reshape", [In((2, 3), "int32")], (X[0], (2, 3)))
    rec("transpose-default", "transpose", [In((2, 3, 4))])
    rec("transpose-perm", "transpose", [In((2, 3, 4))], (X[0], (1, 2, 0)))
    rec("transpose-negperm", "transpose", [In((2, 3, 4))], (X[0], (-1, 0, -2)))
    rec("transpose-1d", "transpose", [In((3,), "int32")])
    rec("permute_dims", "permute_dims", [In((2, 3, 4))], (X[0], (2, 0, 1)))
    rec("swapaxes", "swapaxes", [In((2, 3, 4))], (X[0], 0, -1))
    rec("swapaxes-same", "swapaxes", [In((2, 3))], (X[0], 1, -1))
    rec("moveaxis", "moveaxis", [In((2, 3, 4))], (X[0], 0, -1))
    rec("moveaxis-neg", "moveaxis", [In((2, 3, 4, 5))], (X[0], -1, 1))
    rec("moveaxis-multi", "moveaxis", [In((2, 3, 4, 5))], (X[0], (0, 1), (-1, 0)))
    rec("matrix_transpose", "matrix_transpose", [In((2, 3, 4))])
    rec("expand_dims", "expand_dims", [In((2, 3))], (X[0], 0))
    rec("expand_dims-neg", "expand_dims", [In((2, 3))], (X[0], -1))
    rec("expand_dims-tuple", "expand_dims", [In((2, 3))], (X[0], (0, -1)))
    rec("expand_dims-tuple-mid", "expand_dims", [In((2, 3))], (X[0], (1, 3)))
    rec("squeeze-all", "squeeze", [In((1, 3, 1))])
    rec("squeeze-axis", "squeeze", [In((1, 3, 1))], (X[0], -1))
    rec("squeeze-tuple", "squeeze", [In((1, 3, 1))], (X[0], (0, 2)))
    rec("ravel", "ravel", [In((2, 3, 4))])
    rec("flatten", "flatten", [In((2, 3))], np_fn=np.ravel, eager_fn=None)
    rec("broadcast_to", "broadcast_to", [In((3, 1))], (X[0], (2, 3, 4)))
    rec("broadcast_to-0d", "broadcast_to", [In(())], (X[0], (2, 2)))
    rec("flip-all", "flip", [In((2, 3))])
    rec("flip-axis", "flip", [In((2, 3, 4))], (X[0], -1))
    rec("flip-tuple", "flip", [In((2, 3, 4))], (X[0], (0, 2)))

    _SEQ = lambda n: [X[i] for i in range(n)]  # noqa: E731
    for _ax in (0, 1, 2, -1, -2, -3):
        rec(f"stack-axis{_ax}", "stack", [In((2, 3)), In((2, 3))], (_SEQ(2),), {"axis": _ax})
    rec(
        "stack-dtypes",
        "stack",
        [In((3,), "float32"), In((3,), "int64"), In((3,), "int32")],
        (_SEQ(3),),
    )
    rec("stack-single", "stack", [In((2,), "int32")], ((X[0],),))
    rec("stack-0d", "stack", [In(()), In(())], (_SEQ(2),), {"axis": -1})
    for _ax in (0, 1, -1, -2):
        rec(
            f"concatenate-axis{_ax}",
            "concatenate",
            [In((2, 3)), In((2, 3))],
            (_SEQ(2),),
            {"axis": _ax},
        )
    rec(
        "concatenate-axisNone",
        "concatenate",
        [In((2, 3)), In((4,)), In((1, 1, 2))],
        (_SEQ(3),),
        {"axis": None},
        skip={"torch": "torch.cat has no axis=None"},
    )
    rec(
        "concatenate-sizes",
        "concatenate",
        [In((2, 3)), In((2, 5), "float32")],
        (_SEQ(2),),
        {"axis": -1},
    )
    rec("concatenate-dtypes", "concatenate", [In((2,), "int32"), In((3,), "float32")], (_SEQ(2),))
    rec("concat", "concat", [In((2, 3)), In((1, 3))], (_SEQ(2),))

    _SPLIT_SKIP = {"torch": "torch.tensor_split takes sections, not numpy's equal-division rule"}
    rec("split-sections", "split", [In((6, 2))], (X[0], 3))
    rec("split-sections-axis", "split", [In((2, 6))], (X[0], 2), {"axis": -1})
    rec("split-indices", "split", [In((7, 2))], (X[0], [2, 5]))
    rec("split-indices-neg", "split", [In((2, 7))], (X[0], [-3, 10]), {"axis": 1})
    rec("split-indices-unsorted", "split", [In((7,))], (X[0], [5, 2]))
    rec("split-indices-empty", "split", [In((4,), "int32")], (X[0], []))

    # -------------------------------------------------------------- indexing

    _GETITEM_KEYS = {
        "int": 1,
        "negint": -1,
        "slice": slice(1, None),
        "slice-step": slice(None, None, 2),
        "slice-negstep": slice(None, None, -2),
        "slice-big": slice(-10, 10, 3),
        "slice-empty": slice(3, 1),
        "tuple-int-slice": (0, slice(1, 3)),
        "none": None,
        "none-mid": (slice(None), None, 0),
        "ellipsis": Ellipsis,
        "ellipsis-int": (Ellipsis, -1),
        "ellipsis-mid": (0, Ellipsis, 1),
        "ellipsis-none": (None, Ellipsis, None),
        "all-ints": (1, 2, 3),
        "list": [0, 1, -2],
        "list-neg": ([-1, 0],),
        "list-2d": [[0, 1], [1, 0]],
        "nparray": np.array([1, 0]),
        "nparray-2d": (slice(None), np.array([[0, 1, 2], [2, 1, 0]])),
        "adv-adjacent": (slice(None), [0, 1], [1, 2]),
        "adv-separated": ([0, 1], slice(None), [1, 2]),
        "adv-int-separated": (0, slice(None), [0, 3]),
        "adv-bcast": (np.array([[0], [1]]), np.array([0, 2, 1])),
        "adv-slice-none": (None, [1, 0], None, slice(1, 3)),
        "adv-ellipsis": (Ellipsis, [0, 3, 3]),
        "adv-empty-list": ([],),
        "adv-int-adjacent": (slice(None), 1, [0, 2]),
        "int-arr-int": (1, [0, 2], 2),
        "nparray-int8": np.array([1, 0], dtype="int8"),
        "np-integer": np.int64(1),
    }
    for _kid, _key in _GETITEM_KEYS.items():
        rec(
            f"getitem-{_kid}",
            "getitem",
            [In((2, 3, 4))],
            (X[0], _key),
            np_fn=operator.getitem,
            eager_fn=operator.getitem,
        )
    rec(
        "getitem-lazy-index",
        "getitem",
        [In((5, 3)), In((2, 2), "int64", "index:5")],
        (X[0], X[1]),
        eager_fn=operator.getitem,
    )
    rec(
        "getitem-lazy-index-tuple",
        "getitem",
        [In((5, 3)), In((4,), "int32", "uindex:3")],
        (X[0], (slice(1, 3), X[1])),
        eager_fn=operator.getitem,
        skip={
            "torch": "torch indexes with int32 tensors as numpy does, but broadcasts differently"
        },
    )
    rec("getitem-0d-ellipsis", "getitem", [In(())], (X[0], ...), eager_fn=operator.getitem)
    rec("getitem-0d-none", "getitem", [In((), "int32")], (X[0], None), eager_fn=operator.getitem)

    for _ax, _ind in [(None, [0, 5, -1]), (0, [1, 0, 1]), (1, [[0, 2], [1, -1]]), (-1, 2)]:
        rec(
            f"take-axis{_ax}",
            "take",
            [In((2, 3))],
            (X[0], _ind),
            {"axis": _ax} if _ax is not None else {},
            skip={"torch": "torch.take has no axis and no negative indices"},
        )
    rec(
        "take-lazy-ind",
        "take",
        [In((4, 3)), In((2, 2), "int64", "uindex:4")],
        kwargs={"axis": 0},
        skip={"torch": "torch.take has no axis"},
    )
    rec(
        "take_along_axis",
        "take_along_axis",
        [In((3, 4)), In((3, 2), "int64", "uindex:4")],
        kwargs={"axis": 1},
    )
    rec(
        "take_along_axis-bcast",
        "take_along_axis",
        [In((3, 4, 2)), In((5, 1, 2), "int64", "uindex:3")],
        kwargs={"axis": 0},
        skip={"torch": "torch.take_along_dim broadcasting differs"},
    )
    rec(
        "take_along_axis-neg",
        "take_along_axis",
        [In((3, 4)), In((3, 4), "int64", "uindex:4")],
        kwargs={"axis": -1},
    )

    rec("diagonal", "diagonal", [In((3, 4))])
    rec(
        "diagonal-offset", "diagonal", [In((3, 4, 5))], kwargs={"offset": 1, "axis1": 0, "axis2": 2}
    )
    rec(
        "diagonal-negoffset",
        "diagonal",
        [In((3, 4, 5))],
        kwargs={"offset": -1, "axis1": -1, "axis2": 0},
    )
    rec("diagonal-empty", "diagonal", [In((3, 4))], kwargs={"offset": 5})
    rec(
        "diagonal-positional",
        "diagonal",
        [In((3, 4, 5))],
        (X[0], 1, 0, 2),
        skip={"torch": "autoray's torch translator rejects positional axis1/axis2"},
    )
    rec("diag-1d", "diag", [In((3,))])
    rec("diag-1d-k", "diag", [In((3,), "int32")], (X[0], -2))
    rec("diag-2d", "diag", [In((3, 4))])
    rec("diag-2d-k", "diag", [In((3, 4))], (X[0], 1))
    rec("trace-2d", "trace", [In((3, 4))])
    rec("trace-3d", "trace", [In((2, 3, 4))])
    rec("trace-3d-axes", "trace", [In((2, 3, 4))], (X[0], 0, -1, 0))
    rec(
        "trace-offset",
        "trace",
        [In((4, 4), "int32")],
        (X[0], 1),
        skip={"torch": "torch.trace has no offset"},
    )
    rec("trace-int8", "trace", [In((3, 3), "int8")])
    rec("trace-bool", "trace", [In((3, 3), "bool")], skip={"torch": _NO_BOOL_TORCH})
    for _ax in (-1, 0, None):
        rec(
            f"sort-axis{_ax}",
            "sort",
            [In((3, 4))],
            (X[0],),
            {"axis": _ax},
            skip={"torch": "torch.sort returns (values, indices)"},
        )
        rec(
            f"argsort-axis{_ax}",
            "argsort",
            [In((3, 4))],
            (X[0],),
            {"axis": _ax},
            skip={"torch": "torch.argsort has no axis=None"} if _ax is None else {},
        )
    rec(
        "sort-int",
        "sort",
        [In((5,), "int32")],
        skip={"torch": "torch.sort returns (values, indices)"},
    )
    rec("argsort-int", "argsort", [In((5,), "int32")])
    for _name in ("tril", "triu"):
        rec(f"{_name}", _name, [In((3, 4))])
        rec(f"{_name}-k", _name, [In((3, 4))], (X[0], -1))
        rec(f"{_name}-batch", _name, [In((2, 3, 3), "int32")], (X[0], 1))

    # ----------------------------------------------------------- contraction

    rec("tensordot-int", "tensordot", [In((2, 3, 4)), In((3, 4, 5))], (X[0], X[1], 2))
    rec("tensordot-int0", "tensordot", [In((2, 3)), In((4,))], (X[0], X[1], 0))
    rec("tensordot-int1", "tensordot", [In((2, 3)), In((3, 4), "float32")], (X[0], X[1], 1))
    rec(
        "tensordot-pairs",
        "tensordot",
        [In((2, 3, 4)), In((4, 3, 5))],
        (X[0], X[1], ([1, 2], [1, 0])),
    )
    rec("tensordot-pair-ints", "tensordot", [In((2, 3)), In((3, 4))], (X[0], X[1], (1, 0)))
    rec("tensordot-neg", "tensordot", [In((2, 3)), In((5, 3))], (X[0], X[1], ((-1,), (-1,))))
    rec("tensordot-default", "tensordot", [In((2, 3, 4)), In((3, 4))])
    rec(
        "tensordot-complex-int",
        "tensordot",
        [In((2, 3), "complex64"), In((3,), "int32")],
        (X[0], X[1], 1),
        skip={"torch": "torch.tensordot needs one dtype"},
    )

    _MATMUL_SHAPES = [
        ((2, 3), (3, 4)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((3,), (3,)),
        ((5, 1, 2, 3), (4, 3, 6)),
        ((3,), (2, 3, 4)),
        ((2, 2, 3), (3,)),
        ((1, 2, 3), (5, 3, 2)),
    ]
    for _sa, _sb in _MATMUL_SHAPES:
        rec(f"matmul-{_sa}-{_sb}", "matmul", [In(_sa), In(_sb)])
    rec(
        "matmul-f32-f64",
        "matmul",
        [In((2, 3), "float32"), In((3, 2), "float64")],
        skip={"torch": "torch.matmul needs one dtype"},
    )
    rec("matmul-int", "matmul", [In((2, 3), "int32"), In((3, 2), "int32")])
    rec("matmul-complex", "matmul", [In((2, 3), "complex64"), In((3, 2), "complex64")])
    rec(
        "matmul-bool",
        "matmul",
        [In((2, 3), "bool"), In((3, 2), "bool")],
        skip={"torch": "torch.matmul rejects bool"},
    )
    for _sa, _sb in [
        ((2, 3), (3, 4)),
        ((3,), (3,)),
        ((2, 3, 4), (5, 4, 6)),
        ((), (2, 3)),
        ((2, 3), (3,)),
    ]:
        rec(
            f"dot-{_sa}-{_sb}",
            "dot",
            [In(_sa), In(_sb)],
            skip={"torch": "torch.dot is for 1-d only"} if len(_sa) != 1 else {},
        )
    for _sa, _sb in [((2, 3), (4,)), ((2,), (3, 2)), ((), (3,))]:
        rec(
            f"kron-{_sa}-{_sb}",
            "kron",
            [In(_sa), In(_sb)],
            skip={"torch": "torch.kron needs tensors"} if not _sa else {},
        )
    rec(
        "kron-int-f32",
        "kron",
        [In((2,), "int32"), In((2, 2), "float32")],
        skip={"torch": "torch.kron needs one dtype"},
    )
    rec("outer", "outer", [In((3,)), In((4,))])
    rec(
        "outer-2d", "outer", [In((2, 3)), In((4,), "float32")], skip={"torch": "torch.outer is 1-d"}
    )
    for _sa, _sb in [((3,), (3,)), ((2, 3), (4, 3)), ((), (2, 2)), ((2, 3, 2), (2,))]:
        rec(
            f"inner-{_sa}-{_sb}",
            "inner",
            [In(_sa), In(_sb)],
            skip={"torch": "torch.inner needs tensors"} if not _sa else {},
        )
    rec("vdot", "vdot", [In((3,), "complex64"), In((3,), "complex64")])
    rec("vdot-2d", "vdot", [In((2, 3)), In((3, 2))], skip={"torch": "torch.vdot is 1-d"})

    _EINSUM = [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("ij,jk", [(2, 3), (3, 4)]),
        ("ij, jk -> ki", [(2, 3), (3, 4)]),
        (" i j , j k ", [(2, 3), (3, 4)]),
        ("ii->i", [(3, 3)]),
        ("ii", [(3, 3)]),
        ("iij->j", [(3, 3, 2)]),
        ("ij->", [(2, 3)]),
        ("ba", [(2, 3)]),
        ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
        ("...ij,...jk", [(5, 1, 2, 3), (4, 3, 2)]),
        ("i...->...", [(2, 3, 4)]),
        ("...ii->...i", [(2, 3, 3)]),
        ("i...i", [(3, 2, 3)]),
        ("ij...,jk...->ik...", [(2, 3, 5), (3, 4, 1)]),
        ("i,i,i->", [(3,), (3,), (3,)]),
        ("i,j->ij", [(2,), (3,)]),
        ("ij,ij->ij", [(2, 1), (2, 3)]),
        ("abc,cd,dbe->ae", [(2, 3, 4), (4, 5), (5, 3, 2)]),
        ("...", [(2, 3)]),
        ("->", [()]),
        ("i->", [(4,)]),
        ("Ab,bC->AC", [(2, 3), (3, 4)]),
    ]
    for _k, (_eq, _shapes) in enumerate(_EINSUM):
        rec(
            f"einsum-{_k}-{_eq.replace(' ', '_')}",
            "einsum",
            [In(s) for s in _shapes],
            (_eq, *_SEQ(len(_shapes))),
        )
    rec(
        "einsum-dtypes",
        "einsum",
        [In((2, 3), "float32"), In((3,), "int64")],
        ("ij,j->i", X[0], X[1]),
        skip={"torch": "torch.einsum needs one dtype"},
    )
    rec(
        "einsum-complex",
        "einsum",
        [In((2, 3), "complex64"), In((3,), "complex64")],
        ("ij,j->i", X[0], X[1]),
    )
    rec(
        "einsum-interleaved",
        "einsum",
        [In((2, 3)), In((3, 4))],
        (X[0], [0, 1], X[1], [1, 2], [2, 0]),
        skip={
            "torch": "autoray passes the interleaved form to torch.einsum unchanged",
            "jax": "autoray passes the interleaved form to jnp.einsum unchanged",
        },
    )
    rec(
        "einsum-interleaved-implicit",
        "einsum",
        [In((2, 3)), In((3, 4))],
        (X[0], [0, 1], X[1], [1, 2]),
        skip={"torch": "interleaved form", "jax": "interleaved form"},
    )
    rec(
        "einsum-interleaved-ellipsis",
        "einsum",
        [In((5, 2, 3))],
        (X[0], [..., 0, 1], [..., 1]),
        skip={"torch": "interleaved form", "jax": "interleaved form"},
    )

    # -------------------------------------------------------------- creation

    _CREATE = {"creation": True}
    for _name in ("zeros", "ones"):
        rec(f"{_name}", _name, (), ((2, 3),), **_CREATE)
        rec(f"{_name}-int32", _name, (), ((3,),), {"dtype": "int32"}, **_CREATE)
        rec(f"{_name}-int-shape", _name, (), (4,), {"dtype": "float32"}, **_CREATE)
        rec(f"{_name}-empty", _name, (), ((0, 2),), {"dtype": "complex64"}, **_CREATE)
    rec("empty", "empty", (), ((2, 3),), values=False, **_CREATE)
    rec("empty-bool", "empty", (), ((2,),), {"dtype": "bool"}, values=False, **_CREATE)
    rec("full-int", "full", (), ((2, 3), 7), **_CREATE)
    rec("full-float", "full", (), ((2,), 1.5), **_CREATE)
    rec("full-bool", "full", (), ((2,), True), **_CREATE)
    rec("full-dtype", "full", (), ((2,), 3), {"dtype": "float32"}, **_CREATE)
    rec("full-complex", "full", (), ((2,), 1j), **_CREATE)
    rec("eye", "eye", (), (3,), **_CREATE)
    rec("eye-M", "eye", (), (3,), {"M": 5}, **_CREATE)
    rec(
        "eye-k",
        "eye",
        (),
        (4,),
        {"M": 3, "k": 1, "dtype": "int32"},
        **_CREATE,
        skip={"torch": "torch.eye has no k"},
    )
    rec("eye-kneg", "eye", (), (3,), {"k": -1}, **_CREATE, skip={"torch": "torch.eye has no k"})
    # the eager torch reference through autoray is a meshgrid tuple without dtype
    _idx = {"torch": "autoray's torch indices is a meshgrid tuple without dtype"}
    rec("indices", "indices", (), ((2, 3),), skip=_idx, **_CREATE)
    rec("indices-int32", "indices", (), ((3, 1, 2),), {"dtype": "int32"}, skip=_idx, **_CREATE)
    rec("indices-sparse", "indices", (), ((2, 3),), {"sparse": True}, skip=_idx, **_CREATE)
    rec("identity", "identity", (), (3,), **_CREATE)
    rec("identity-int", "identity", (), (2,), {"dtype": "int64"}, **_CREATE)
    rec("arange-stop", "arange", (), (5,), **_CREATE)
    rec("arange-start-stop-step", "arange", (), (1, 10, 3), **_CREATE)
    rec("arange-float", "arange", (), (0.0, 1.0, 0.25), **_CREATE)
    rec("arange-negstep", "arange", (), (5, 1, -2), **_CREATE)
    rec("arange-empty", "arange", (), (5, 1), **_CREATE)
    rec("arange-dtype", "arange", (), (4,), {"dtype": "float32"}, **_CREATE)
    rec("arange-float-step", "arange", (), (1, 2, 0.1), **_CREATE)
    rec("linspace", "linspace", (), (0.0, 1.0, 5), **_CREATE)
    rec("linspace-noend", "linspace", (), (0, 1), {"num": 4, "endpoint": False}, **_CREATE)
    rec("linspace-dtype", "linspace", (), (0, 1, 3), {"dtype": "float32"}, **_CREATE)
    for _name in ("zeros_like", "ones_like"):
        rec(f"{_name}", _name, [In((2, 3), "float32")])
        rec(f"{_name}-dtype", _name, [In((2,), "int32")], kwargs={"dtype": "float64"})
    rec("empty_like", "empty_like", [In((2, 3), "int32")], values=False)
    rec("full_like", "full_like", [In((2, 3), "float32")], (X[0], 2))
    rec(
        "full_like-int",
        "full_like",
        [In((2,), "int64")],
        (X[0], 2.7),
        skip={"torch": "torch.full_like keeps the float fill for int tensors differently"},
    )

    # ---------------------------------------------------------------- linalg

    def _eig_complex(a):
        w, v = np.linalg.eig(a)
        c = np.result_type(a.dtype, np.complex64)
        return w.astype(c), v.astype(c)

    _L = "linalg."
    for _dt in ("float64", "float32", "complex64"):
        rec(f"svd-{_dt}", _L + "svd", [In((4, 3), _dt)], kwargs={"full_matrices": False})
    rec(
        "svd-default-reduced",
        _L + "svd",
        [In((3, 5))],
        np_fn=lambda a: np.linalg.svd(a, full_matrices=False),
    )
    rec("svd-full", _L + "svd", [In((4, 3))], kwargs={"full_matrices": True})
    rec("svd-batch", _L + "svd", [In((2, 3, 4), "float32")], kwargs={"full_matrices": False})
    rec("qr", _L + "qr", [In((4, 3))])
    rec("qr-wide", _L + "qr", [In((3, 5), "float32")])
    rec("qr-complete", _L + "qr", [In((4, 3))], kwargs={"mode": "complete"})
    rec("qr-batch", _L + "qr", [In((2, 4, 3), "complex128")])
    rec("eig", _L + "eig", [In((4, 4))], np_fn=_eig_complex)
    rec("eig-f32", _L + "eig", [In((3, 3), "float32")], np_fn=_eig_complex)
    rec("eigvals", _L + "eigvals", [In((4, 4))], np_fn=lambda a: _eig_complex(a)[0])
    rec("eigh", _L + "eigh", [In((4, 4), "float64", "spd")])
    rec("eigh-c64", _L + "eigh", [In((3, 3), "complex64", "spd")])
    rec("eigvalsh", _L + "eigvalsh", [In((2, 3, 3), "float32", "spd")])
    rec("inv", _L + "inv", [In((3, 3), "float64", "spd")])
    rec("inv-batch-f32", _L + "inv", [In((2, 3, 3), "float32", "spd")])
    rec("pinv", _L + "pinv", [In((4, 3))])
    rec("det", _L + "det", [In((3, 3))])
    rec("det-batch-c", _L + "det", [In((2, 3, 3), "complex64")])
    rec("slogdet", _L + "slogdet", [In((3, 3))])
    rec("slogdet-c64", _L + "slogdet", [In((2, 3, 3), "complex64")])
    rec("cholesky", _L + "cholesky", [In((4, 4), "float64", "spd")])
    rec("cholesky-f32", _L + "cholesky", [In((2, 3, 3), "float32", "spd")])
    rec("solve-vec", _L + "solve", [In((3, 3), "float64", "spd"), In((3,))])
    rec("solve-mat", _L + "solve", [In((3, 3), "float64", "spd"), In((3, 2))])
    rec(
        "solve-batch",
        _L + "solve",
        [In((2, 3, 3), "float64", "spd"), In((1, 3, 2))],
        skip={"torch": "torch.linalg.solve broadcasting of b differs"},
    )
    rec("solve-f32", _L + "solve", [In((3, 3), "float32", "spd"), In((3,), "float32")])
    for _kid, _x, _kw in [
        ("vec", (5,), {}),
        ("vec-ord1", (5,), {"ord": 1}),
        ("vec-ordinf", (5,), {"ord": np.inf}),
        ("vec-ord0", (5,), {"ord": 0}),
        ("mat", (3, 4), {}),
        ("mat-fro", (3, 4), {"ord": "fro"}),
        ("mat-nuc", (3, 4), {"ord": "nuc"}),
        ("mat-ord2", (3, 4), {"ord": 2}),
        ("mat-ord-inf", (3, 4), {"ord": -np.inf}),
        ("axis1", (3, 4), {"axis": 1}),
        ("axis-neg-kd", (2, 3, 4), {"axis": -1, "keepdims": True}),
        ("axis-pair", (2, 3, 4), {"axis": (0, 2)}),
        ("axis-pair-ord1", (2, 3, 4), {"axis": (-1, 0), "ord": 1}),
        ("nd", (2, 3, 4), {}),
        ("kd", (3, 4), {"keepdims": True}),
    ]:
        rec(f"norm-{_kid}", _L + "norm", [In(_x)], kwargs=_kw)
    rec("norm-c64", _L + "norm", [In((3,), "complex64")])
    rec("norm-f32-axis", _L + "norm", [In((3, 4), "float32")], kwargs={"axis": 0})
    rec("norm-int", _L + "norm", [In((3,), "int32")], skip={"torch": _NO_INT_TORCH})
    for _n in (0, 1, 3, -2):
        rec(f"matrix_power-{_n}", _L + "matrix_power", [In((3, 3), "float64", "spd")], (X[0], _n))
    rec("matrix_power-int", _L + "matrix_power", [In((2, 2), "int64")], (X[0], 2))
