"""Print a program and a failure as a runnable Python reproducer.

The reproducer defines the leaf data, runs the program on numpy (the
oracle) and on lazyray through the failing path, and prints both.  It needs
numpy and lazyray only, plus ``tests.fuzz.npref`` (run it from the
repository root) for the few ops numpy spells otherwise.

>>> from .program import Leaf, Program, Stmt
>>> sin = Stmt(("v0",), "sin", "{ns}.sin({0})", ("a0",))
>>> p = Program([Leaf("a0", (2,), "float64", 1)], [sin], ["v0"])
>>> exec(reproducer(p, "compute"), {})  # doctest: +ELLIPSIS
numpy:   [array([...])]
numpy static:  [((2,), 'float64')]
lazyray static: [((2,), 'float64')]
lazyray: [array([...])]
"""

from __future__ import annotations

from dataclasses import replace

from .program import Program, decoy, lit

#: how each path runs the traced outputs ``{outs}`` (inputs ``{ins}``, data ``{data}``)
SNIPPETS = {
    "compute": "got = lr.compute([{outs}])",
    "strict": "with lr.strict():\n    got = lr.compute([{outs}])",
    "shared": "got = lr.compute([{outs}])",
    "compute_opt": "got = lr.compute([{outs}], optimize=True)",
    "optimize": "got = lr.compute(lr.optimize([{outs}]))",
    "function": "f = lr.Function([{ins}], [{outs}])\ngot = f({data})",
    "function_noopt": "f = lr.Function([{ins}], [{outs}], optimize=False)\ngot = f({data})",
    "function_exact": 'f = lr.Function([{ins}], [{outs}], optimize={{"exact": True}})\n'
    "got = f({data})",
    "source": "from lazyray.compile.codegen import get_source\n"
    "params = {{}}\nsrc = get_source([{outs}], params)\nprint(src)\nexec(src, params)\n"
    "got = params['graph']()\ngot = got if isinstance(got, tuple) else [got]",
    "source_opt": "f = lr.Function([{ins}], [{outs}])\nparams = {{}}\nsrc = f.get_source(params)\n"
    "print(src)\nexec(src, params)\ngot = params['graph']({data})\n"
    "got = got if isinstance(got, tuple) else [got]",
    "pickle_function": "import pickle\nf = lr.Function([{ins}], [{outs}])\n"
    "print('before pickling:', f({data}))\n"
    "got = pickle.loads(pickle.dumps(f))({data})",
    "pickle_graph": "import pickle\ngot = lr.compute(pickle.loads(pickle.dumps([{outs}])))",
    "threads": 'got = lr.compute([{outs}], scheduler="threads",\n'
    "    workers=2, overhead=0.0, split=True)",
    "threads_reused": "for _ in range(3):  # traced thrice: the third run reuses a compiled plan\n"
    '    got = lr.compute(program(), scheduler="threads")',
    "threads_function": 'f = lr.Function([{ins}], [{outs}], scheduler="threads",\n'
    '    scheduler_options={{"workers": 2, "overhead": 0.0, "split": True}})\ngot = f({data})',
    "processes": 'got = lr.compute([{outs}], scheduler="processes", local_below=0,\n'
    "    workers=2, overhead=0.0, split=True)",
    "distributed": "from distributed import Client, LocalCluster\n"
    "client = Client(LocalCluster(n_workers=2, threads_per_worker=1))\n"
    "got = lr.compute([{outs}], scheduler=client, local_below=0, scatter_min=0,\n"
    "    workers=2, overhead=0.0, split=True)",
    "processes_function": 'f = lr.Function([{ins}], [{outs}], scheduler="processes",\n'
    '    scheduler_options={{"workers": 2, "overhead": 0.0, "split": True}})\ngot = f({data})',
    "jit": "program = lr.jit(program)\nprint('first call:', program({data}))\n"
    "got = program({data})",
    "torch": "import torch\nf = lr.Function([{ins}], [{outs}])\ngot = f({torch_data})",
    "dask_arrays": "import dask.array as da\nf = lr.Function([{ins}], [{outs}])\n"
    "got = [x.compute() for x in f({dask_data})]",
    "torch_cuda": "import torch\nf = lr.Function([{ins}], [{outs}])\ngot = f({cuda_data})",
    "cupy": "import cupy\nf = lr.Function([{ins}], [{outs}])\ngot = f({cupy_data})",
    "jax": "import jax\nwith jax.enable_x64(True):\n"
    "    f = lr.Function([{ins}], [{outs}])\n    got = f({jax_data})",
}
_MODE = {"trace:const": "compute", "trace:var": "function_noopt", "trace:shared": "shared"}
_VAR_PATHS = {"function", "function_noopt", "function_exact", "source_opt", "pickle_function"}
_VAR_PATHS |= {"threads_function", "processes_function", "jit"}
_VAR_PATHS |= {"torch", "torch_cuda", "cupy", "jax", "dask_arrays"}


def tidy(prog: Program) -> Program:
    """The program with its names renumbered: leaves ``a0..``, values ``v0..``."""
    names = {leaf.name: f"a{i}" for i, leaf in enumerate(prog.leaves)}
    for i, s in enumerate(prog.stmts):
        for j, o in enumerate(s.outs):
            names[o] = f"v{i}_{j}" if s.multi else f"v{i}"
    leaves = [replace(leaf, name=names[leaf.name]) for leaf in prog.leaves]
    stmts = [
        replace(
            s,
            outs=tuple(names[o] for o in s.outs),
            refs=tuple(names[r] for r in s.refs),
        )
        for s in prog.stmts
    ]
    return prog.copy(leaves=leaves, stmts=stmts, outputs=[names[o] for o in prog.outputs])


def reproducer(prog: Program, path: str, failure: str = "") -> str:
    """Runnable source showing ``prog`` on numpy and on lazyray's ``path``."""
    prog = tidy(prog)
    path = _MODE.get(path, path)
    var = path in _VAR_PATHS
    lines = ["import numpy as np", "from numpy import nan, inf", "", "import lazyray as lr"]
    if any("ref." in (s.np_template or "") for s in prog.stmts):
        lines.append("from tests.fuzz import npref as ref  # run from the repository root")
    if failure:
        lines += [""] + [f"# {line}" for line in str(failure).splitlines()]
    lines.append("")
    for leaf in prog.leaves:
        lines.append(f"{leaf.name}_data = {lit(leaf.data())}")
    # a rejection is about the last statement: show it when nothing else is
    outs = ", ".join(prog.outputs or prog.stmts[-1].outs)
    lines += ["", "# numpy (the oracle)", "try:"]
    for leaf in prog.leaves:
        lines.append(f"    {leaf.name} = {leaf.name}_data.copy()")
    lines += [f"    {s.line('np')}" for s in prog.stmts]
    lines += [
        f"    print('numpy:  ', [{outs}])",
        f"    print('numpy static: ', [(np.shape(x), x.dtype.name) for x in [{outs}]])",
        "except Exception as e:",
        "    print('numpy raises', repr(e))",
        "",
        f"# lazyray, path {path!r}",
    ]
    ins = []
    for leaf in prog.leaves:
        if var and leaf.var:
            if path != "jit":  # (jit: the function's parameters)
                lines.append(f"{leaf.name} = lr.Variable({leaf.shape!r}, dtype={leaf.dtype!r})")
            ins.append(leaf.name)
        else:
            lines.append(f"{leaf.name} = lr.array({leaf.name}_data.copy())")
    if path == "shared":  # each statement after its decoy, in one sharing cache
        lines.append("with lr.shared_intermediates():")
        for s in prog.stmts:
            if (other := decoy(s.line("lr"))) != s.line("lr"):
                lines += [
                    "    try:",
                    f"        {other}  # decoy",
                    "    except Exception:",
                    "        pass",
                ]
            lines.append(f"    {s.line('lr')}")
    elif path in ("jit", "threads_reused"):  # the program as a function of its var leaves
        lines.append(f"def program({', '.join(ins)}):")
        lines += [f"    {s.line('lr')}" for s in prog.stmts] + [f"    return [{outs}]"]
    else:
        lines += [s.line("lr") for s in prog.stmts]
    if path not in ("jit", "threads_reused"):
        lines.append(f"print('lazyray static:', [(x.shape, str(x.dtype)) for x in [{outs}]])")
    data = ", ".join(f"{n}_data" for n in ins)
    torch_data = ", ".join(f"torch.from_numpy({n}_data)" for n in ins)
    snippet = SNIPPETS[path].format(
        outs=outs,
        ins=", ".join(ins),
        data=data,
        torch_data=torch_data,
        cuda_data=", ".join(f"torch.from_numpy({n}_data).cuda()" for n in ins),
        cupy_data=", ".join(f"cupy.asarray({n}_data)" for n in ins),
        jax_data=", ".join(f"jax.numpy.asarray({n}_data)" for n in ins),
        dask_data=", ".join(f"da.from_array({n}_data, chunks=2)" for n in ins),
    )
    lines += snippet.splitlines()
    lines.append("print('lazyray:', list(got))")
    return "\n".join(lines) + "\n"
