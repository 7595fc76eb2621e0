"""The ``lazyray`` command line (also ``python -m lazyray``).

``lazyray demo`` traces and runs a built-in example; ``lazyray inspect``
traces a user's function on shape-only inputs and reports what running it
would cost, without running it.
"""

from __future__ import annotations

import argparse
import sys
import time

_EPILOG = """\
examples:
  lazyray demo -n 30
  lazyray inspect mymodule:forward --arg 100,100 --arg 100:float32
  lazyray inspect path/to/file.py:f --arg 64,64:complex64 --show
  lazyray inspect mymodule:f --arg 8,8 --plot graph.png --kind graph
  lazyray inspect mymodule:f --arg 8,8 --json
"""

_INSPECT_HELP = """\
Trace FUNCTION from MODULE on lazyray Variables (placeholders with a shape
and dtype but no data) and print a summary of the graph: nodes, op counts,
depth, estimated FLOPs, and peak / total / largest memory in elements and
bytes.  Nothing is computed.  The function receives one Variable per --arg,
in order, and should do its array work through lazyray or autoray.do (or
array methods and operators), returning a lazy array or a tuple, list or dict
of them.
"""


def _demo(args) -> int:
    import numpy as np

    import lazyray
    from lazyray.examples import gram_schmidt

    x = np.random.default_rng(args.seed).normal(size=(args.n, args.n))
    t0 = time.perf_counter()
    q = gram_schmidt(lazyray.array(x))
    t1 = time.perf_counter()
    nodes = sum(1 for _ in lazyray.ascend(q))
    with lazyray.strict():
        result = lazyray.compute(q)
    t2 = time.perf_counter()
    ok = bool(np.allclose(result, gram_schmidt(x), rtol=1e-10, atol=1e-12))
    print(f"modified Gram-Schmidt on a {args.n}x{args.n} matrix")
    print(f"  nodes         {nodes}")
    print(f"  output shape  {q.shape}")
    print(f"  output dtype  {q.dtype}")
    print(f"  trace time    {1e3 * (t1 - t0):.1f} ms")
    print(f"  compute time  {1e3 * (t2 - t1):.1f} ms")
    print(f"  matches eager numpy: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


# ------------------------------------------------------------------ inspect


class CLIError(Exception):
    """An error reported as ``lazyray inspect: error: ...`` (exit status 2)."""


_BRACKETS = {"(": ")", "[": "]"}


def parse_arg_spec(spec: str) -> tuple:
    """Parse ``SHAPE[:DTYPE]`` into ``(shape, dtype)``.

    SHAPE is sizes (non-negative integers) separated by ``,`` or ``x``,
    optionally in one pair of brackets, with at most one trailing comma
    (``4,`` or ``(4,)`` is 1-d); ``()``, ``""`` or ``scalar`` give a 0-d
    array.  DTYPE is a numeric dtype (booleans, integers, floating point,
    complex), float64 by default.  Anything else is a :class:`CLIError`.

    >>> parse_arg_spec("100,100:float32"), parse_arg_spec("3x4"), parse_arg_spec("():int64")
    (((100, 100), 'float32'), ((3, 4), 'float64'), ((), 'int64'))
    >>> parse_arg_spec("2x3x")
    Traceback (most recent call last):
    ...
    lazyray.cli.CLIError: bad --arg '2x3x': SHAPE must be sizes like 100,100 or 3x4
    """
    from lazyray.graph.node import supported_dtype

    shape_s, _, dtype_s = spec.partition(":")
    shape_s = shape_s.strip()
    if shape_s[:1] in _BRACKETS and shape_s[-1:] == _BRACKETS[shape_s[:1]]:
        shape_s = shape_s[1:-1].strip()
    if shape_s in ("", "scalar"):
        shape = ()
    else:
        if shape_s.endswith(","):  # a trailing comma, as in Python's (4,)
            shape_s = shape_s[:-1]
        parts = [p.strip() for p in shape_s.replace("x", ",").split(",")]
        if any(p.startswith("-") and p[1:].isdigit() and p[1:].isascii() for p in parts):
            raise CLIError(f"bad --arg {spec!r}: negative size")
        if not all(p.isdigit() and p.isascii() for p in parts):
            raise CLIError(f"bad --arg {spec!r}: SHAPE must be sizes like 100,100 or 3x4")
        shape = tuple(int(p) for p in parts)
    dtype = "float64"
    if dtype_s.strip():
        try:
            dtype = supported_dtype("--arg", dtype_s.strip())
        except (TypeError, ValueError) as e:
            raise CLIError(
                f"bad --arg {spec!r}: unknown or unsupported dtype {dtype_s.strip()!r} "
                f"({str(e).splitlines()[0]})"
            ) from None
    return shape, dtype


def load_function(target: str):
    """Import ``MODULE:FUNCTION``; MODULE is a dotted name or a ``.py`` path;
    FUNCTION may be dotted (``Class.method``)."""
    import importlib
    import importlib.util
    import os

    module_s, sep, func_s = target.rpartition(":")
    if not sep or not module_s or not func_s:
        raise CLIError(f"expected MODULE:FUNCTION, got {target!r}")
    if module_s.endswith(".py") or os.sep in module_s or "/" in module_s:
        path = os.path.abspath(module_s)
        if not os.path.isfile(path):
            raise CLIError(f"no such file: {module_s}")
        name = "_lazyray_inspect_" + os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        sys.path.insert(0, os.path.dirname(path))
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(os.path.dirname(path))
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(module_s)
        except ModuleNotFoundError as e:
            raise CLIError(f"cannot import module {module_s!r}: {e}") from None
    obj = module
    for part in func_s.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CLIError(f"{module_s!r} has no attribute {func_s!r}") from None
    if not callable(obj):
        raise CLIError(f"{target!r} is not callable")
    return obj


def _trace(args):
    import autoray

    import lazyray
    from lazyray.graph.traverse import to_list

    specs = [parse_arg_spec(s) for s in args.arg]
    try:
        autoray.get_lib_fn(args.backend, "sum")
    except Exception as e:  # noqa: BLE001 - any failure means unusable
        raise CLIError(
            f"unknown or unavailable backend {args.backend!r} ({str(e).splitlines()[0]})"
        ) from None
    fn = load_function(args.target)
    variables = [lazyray.Variable(s, backend=args.backend, dtype=d) for s, d in specs]
    out = fn(*variables)
    outputs = to_list(out)
    if not outputs:
        raise CLIError(
            f"{args.target} returned {type(out).__name__}, with no lazy arrays in it; "
            "it should compute with lazyray or autoray.do on its arguments"
        )
    return specs, variables, out, outputs


def _plot(outputs, path, kind):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .inspect import draw

    plot = {
        "circuit": draw.plot_circuit,
        "graph": draw.plot_graph,
        "footprint": draw.plot_history_size_footprint,
        "functions": draw.plot_history_functions,
        "stats": draw.plot_history_stats,
    }[kind]
    fig, _ = plot(outputs)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def _inspect(args) -> int:
    import json

    import lazyray
    from lazyray.compile.codegen import get_source
    from lazyray.inspect.summary import summary

    try:
        specs, variables, out, outputs = _trace(args)
        s = summary(outputs)
        plan = None
        if args.plan:  # the tasks compute(..., scheduler=args.plan) would run
            plan = lazyray.partition(
                outputs, variables=variables, scheduler=args.plan, workers=args.workers
            )
        source = get_source(out) if args.source else None
        if args.plot:
            _plot(outputs, args.plot, args.kind)
        if args.dot:
            from lazyray.inspect.draw import to_dot

            with open(args.dot, "w") as f:
                f.write(to_dot(outputs) + "\n")
    except CLIError as e:
        print(f"lazyray inspect: error: {e}", file=sys.stderr)
        return 2
    from lazyray.inspect.show import _aval, _listing_lines, aval, show

    if args.json:
        doc = {
            "function": args.target,
            "inputs": [{"shape": list(sh), "dtype": d} for sh, d in specs],
            "outputs": [{"shape": list(o.shape), "dtype": str(o.dtype)} for o in outputs],
            "summary": s.to_dict(),
        }
        if args.show:
            doc["listing"] = list(_listing_lines(outputs, max_lines=args.max_lines))
        if args.source:
            doc["source"] = source
        if args.plot:
            doc["plot"] = args.plot
        if plan is not None:
            doc["plan"] = _plan_doc(plan)
        print(json.dumps(doc, indent=2))
        return 0
    print(f"{args.target}({', '.join(_aval(s, d) for s, d in specs)})")  # as asked
    print(f"  -> {', '.join(aval(o) for o in outputs)}")
    print(s)
    if args.show:
        print("\ngraph (outputs first):")
        show(outputs, max_lines=args.max_lines)
    if args.listing:
        print("\nlisting (computation order):")
        show(outputs, max_lines=args.max_lines, style="listing")
    if args.source:
        print("\ngenerated source:")
        print(source)
    if plan is not None:
        print(f"\n{plan}")
    if args.plot:
        print(f"\n{args.kind} plot written to {args.plot}")
    if args.dot:
        print(f"graphviz DOT written to {args.dot}")
    return 0


def _plan_doc(plan) -> dict:
    return {
        "scheduler": plan.scheduler,
        "workers": plan.workers,
        "tasks": [
            {"ops": t.n_ops, "flops": t.flops, "bytes": t.bytes, "seconds": t.cost, "deps": t.deps}
            for t in plan.tasks
        ],
    }


# ------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="lazyray",
        description="Trace array code lazily into a graph; inspect and run it.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser("demo", help="trace modified Gram-Schmidt and check it against numpy")
    demo.add_argument("-n", type=int, default=50, help="matrix size (default 50)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.set_defaults(func=_demo)

    ins = sub.add_parser(
        "inspect",
        help="trace a function on shape-only inputs and print its cost summary",
        description=_INSPECT_HELP,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ins.add_argument(
        "target",
        metavar="MODULE:FUNCTION",
        help="the function to trace; MODULE is a dotted module name (importable from "
        "the current directory) or a path to a .py file",
    )
    ins.add_argument(
        "--arg",
        "-a",
        action="append",
        default=[],
        metavar="SHAPE[:DTYPE]",
        help="one positional argument: a Variable of this shape and dtype, e.g. "
        "100,100:float32 (sizes separated by ',' or 'x'; '()' for a scalar; "
        "dtype default float64); repeat for each argument",
    )
    ins.add_argument("--backend", default="numpy", help="backend of the Variables (default numpy)")
    ins.add_argument(
        "--show", action="store_true", help="also print the graph as a tree (outputs first)"
    )
    ins.add_argument(
        "--listing", action="store_true", help="also print one line per node in computation order"
    )
    ins.add_argument(
        "--max-lines", type=int, metavar="N", help="print at most N lines of --show / --listing"
    )
    ins.add_argument("--source", action="store_true", help="also print the generated Python source")
    ins.add_argument("--plot", metavar="FILE.png", help="save a plot of the graph (matplotlib)")
    ins.add_argument(
        "--kind",
        choices=["circuit", "graph", "footprint", "functions", "stats"],
        default="circuit",
        help="which plot --plot saves: circuit (default), graph, footprint (live memory "
        "through the computation), functions (op and size of each node), stats (op counts)",
    )
    ins.add_argument("--dot", metavar="FILE.dot", help="save the graph in graphviz DOT format")
    ins.add_argument(
        "--plan",
        choices=["threads", "processes", "sync"],
        help="also print the tasks lazyray.compute(..., scheduler=PLAN) would run: their "
        "ops, FLOPs, bytes, estimated time and the critical path",
    )
    ins.add_argument("--workers", type=int, metavar="N", help="workers of --plan (default: cores)")
    ins.add_argument(
        "--json",
        action="store_true",
        help="print a JSON object (inputs, outputs, summary; listing with --show, "
        "source with --source) instead of text",
    )
    ins.set_defaults(func=_inspect)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
