"""The summary of a lazy graph (:func:`summary`, ``x.summary()``): nodes,
ops, memory and FLOPs in one view, and the unit formatting it uses."""

from __future__ import annotations

import collections
from dataclasses import asdict, dataclass, field

import numpy as np

from ..graph.traverse import to_list, topological
from .flops import node_flops
from .stats import _largest, node_name
from .stats_memory import elements, memory_plan, nbytes, peak


def format_bytes(n: float) -> str:
    """A byte count in binary units.

    >>> format_bytes(512), format_bytes(3 * 2**20), format_bytes(1.5 * 2**30)
    ('512 B', '3.00 MiB', '1.50 GiB')
    """
    return _scaled(n, 1024, ("B", "KiB", "MiB", "GiB", "TiB", "PiB"))


def format_si(n: float) -> str:
    """A count with an SI prefix (``k``, ``M``, ``G``...).

    >>> format_si(999), format_si(12345), format_si(2.5e9)
    ('999', '12.35 k', '2.50 G')
    """
    return _scaled(n, 1000, ("", "k", "M", "G", "T", "P", "E"))


def _scaled(n: float, base: int, units: tuple) -> str:
    """``n`` divided by the power of ``base`` that brings it below ``base``
    (the last unit's at most), with that power's unit."""
    if abs(n) < base:
        return f"{int(n)} {units[0]}".rstrip()
    for unit in units[1:-1]:
        n /= base
        if abs(n) < base:
            return f"{n:.2f} {unit}"
    return f"{n / base:.2f} {units[-1]}"


@dataclass
class Summary:
    """Statistics of a graph, from :func:`summary`; its ``repr`` is a table.

    Memory counts are in elements (``*_size``) and bytes (``*_bytes``); see
    the module docstring for the conventions.  ``peak_*`` counts the inputs
    as present at the start and freed after their last use;
    ``peak_intermediate_*`` leaves the inputs out.
    """

    num_nodes: int
    num_ops: int
    num_inputs: int
    num_outputs: int
    depth: int
    flops: int
    unknown_flops: int
    peak_size: int
    peak_bytes: int
    peak_intermediate_size: int
    peak_intermediate_bytes: int
    total_size: int
    total_bytes: int
    max_size: int
    max_bytes: int
    input_size: int
    input_bytes: int
    output_size: int
    output_bytes: int
    op_counts: dict = field(default_factory=dict)
    op_flops: dict = field(default_factory=dict)
    op_bytes: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The summary as a dict of plain numbers (JSON-serializable)."""
        return asdict(self)

    def __repr__(self) -> str:
        inputs = ", ".join(
            f"{self.op_counts[k]} {k}" for k in ("array", "variable") if self.op_counts.get(k)
        )
        n_unknown = self.unknown_flops
        unknown = f"; {n_unknown} node(s) of unknown cost not counted" if n_unknown else ""
        lines = [
            "lazyray graph summary",
            f"  nodes    {self.num_nodes:,} ({self.num_ops:,} to compute, "
            f"{self.num_inputs:,} inputs{': ' + inputs if inputs else ''}; "
            f"{self.num_outputs} output{'s' if self.num_outputs != 1 else ''})",
            f"  depth    {self.depth:,}",
            f"  FLOPs    {format_si(self.flops)} ({self.flops:,}, estimated{unknown})",
            "",
            f"  {'memory':<28}{'elements':>16}{'bytes':>14}",
        ]
        rows = [
            ("peak (inputs included)", self.peak_size, self.peak_bytes),
            (
                "peak (intermediates only)",
                self.peak_intermediate_size,
                self.peak_intermediate_bytes,
            ),
            ("total (all arrays)", self.total_size, self.total_bytes),
            ("largest array", self.max_size, self.max_bytes),
            ("inputs", self.input_size, self.input_bytes),
            ("outputs", self.output_size, self.output_bytes),
        ]
        lines += [f"  {name:<28}{n:>16,}{format_bytes(b):>14}" for name, n, b in rows]
        lines += ["", f"  {'op':<28}{'count':>10}{'FLOPs':>12}{'bytes out':>14}"]
        ops = sorted(self.op_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        for name, count in ops[:_MAX_OPS_SHOWN]:
            f = self.op_flops.get(name)
            lines.append(
                f"  {name:<28}{count:>10,}{'?' if f is None else format_si(f):>12}"
                f"{format_bytes(self.op_bytes.get(name, 0)):>14}"
            )
        if len(ops) > _MAX_OPS_SHOWN:
            rest = sum(c for _, c in ops[_MAX_OPS_SHOWN:])
            lines.append(f"  ... {len(ops) - _MAX_OPS_SHOWN} more ops ({rest:,} nodes)")
        return "\n".join(lines)


_MAX_OPS_SHOWN = 40


def summary(lz) -> Summary:
    """Statistics of the graph behind ``lz``: nodes, memory, FLOPs, depth.

    Available as ``lazyray.summary``.  The result's ``repr`` is a readable
    table; :meth:`Summary.to_dict` gives the numbers.

    Parameters
    ----------
    lz : as in :func:`lazyray.inspect.show.show`

    Examples
    --------
    >>> import lazyray
    >>> a, b = lazyray.Variable((100, 100)), lazyray.Variable((100, 100))
    >>> s = summary(lazyray.tanh(a @ b))
    >>> s.num_nodes, s.flops, s.peak_bytes
    (4, 2010000, 240000)
    >>> print(s)  # doctest: +ELLIPSIS
    lazyray graph summary
      nodes    4 (2 to compute, 2 inputs: 2 variable; 1 output)
    ...
    """
    outputs = to_list(lz)
    nodes = topological(outputs)
    plan = memory_plan(nodes, outputs)
    size_e, size_b = plan.size
    own_e, own_b = plan.own
    names = [node_name(x) for x in nodes]
    op_bytes: dict = collections.defaultdict(int)
    op_flops: dict = {}
    flops = unknown = 0
    for name, x, b in zip(names, nodes, own_b.tolist()):
        op_bytes[name] += b
        f = node_flops(x)
        if f is None:
            unknown += 1
            op_flops[name] = None
        else:
            flops += f
            if op_flops.get(name, 0) is not None:
                op_flops[name] = op_flops.get(name, 0) + f
    # the largest single array: of a plain node or one output of a multi-output one
    plain = np.array([type(x._dtype) is not tuple for x in nodes], dtype=bool)
    multi = [x for x, p in zip(nodes, plain.tolist()) if not p]
    max_size = max([int(size_e[plain].max(initial=0)), *(_largest(x, False) for x in multi)])
    max_bytes = max([int(size_b[plain].max(initial=0)), *(_largest(x, True) for x in multi)])
    is_input = plan.is_input
    return Summary(
        num_nodes=len(nodes),
        num_ops=len(nodes) - int(is_input.sum()),
        num_inputs=int(is_input.sum()),
        num_outputs=len(outputs),
        depth=max((n._depth for n in outputs), default=0),
        flops=flops,
        unknown_flops=unknown,
        peak_size=peak(plan, True, False),
        peak_bytes=peak(plan, True, True),
        peak_intermediate_size=peak(plan, False, False),
        peak_intermediate_bytes=peak(plan, False, True),
        total_size=int(own_e.sum()),
        total_bytes=int(own_b.sum()),
        max_size=max_size,
        max_bytes=max_bytes,
        input_size=int(size_e[is_input].sum()),
        input_bytes=int(size_b[is_input].sum()),
        output_size=sum(elements(n) for n in outputs),
        output_bytes=sum(nbytes(n) for n in outputs),
        op_counts=dict(collections.Counter(names)),
        op_flops=op_flops,
        op_bytes=dict(op_bytes),
    )
