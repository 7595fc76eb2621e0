"""Differential fuzzer: random op programs on numpy and on every lazyray path.

A seeded generator (:mod:`.gen`) draws small DAGs of op calls from lazyray's
own op registry (:mod:`.opgen` maps each op to an argument generator;
:mod:`.ops_elementwise`, :mod:`.ops_structural`, :mod:`.ops_contraction`),
over every dtype from bool to complex128 with nan, +-inf and -0.0 in the
data.  Each program (:mod:`.program`) runs eagerly on numpy -- the oracle --
and through every lazyray execution path (:mod:`.paths`); :mod:`.check`
requires the same rejections at trace time, the same static shapes and
dtypes, and the same values at the level :mod:`.compare` states (bit for bit
where the path promises it).  A failure is shrunk (:mod:`.shrink`) and
printed as a runnable reproducer (:mod:`.repro`, :mod:`.report`).

Modules
-------
program      the program model, leaf data, literals, the numpy oracle
npref        numpy meaning of the ops numpy spells otherwise
draw         random choices shared by the generators
ops_*        argument generators by family; opgen: the op -> generator table
gen          the program generator
paths        lazyray's execution paths
compare      comparison levels and tolerances
check        one program against numpy on every path
shrink       minimal failing programs
repro        runnable reproducers; report: their text output
campaign     many programs over worker processes; __main__: the command line

``tests/test_fuzz_programs.py`` runs a fixed seeded budget in CI; a long
campaign is ``python -m tests.fuzz --programs 100000 --seed N --jobs 2``.
"""
