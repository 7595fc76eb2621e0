"""The ``lazyray`` command line, run as a subprocess on tests/examples_cli.py."""

import json
import os
import subprocess
import sys

import pytest

import lazyray
from lazyray import cli

HERE = os.path.dirname(os.path.abspath(__file__))
CHAIN_ARGS = ["--arg", "100,200", "--arg", "200,300:float32", "--arg", "300,10"]


def run(*args, check=True):
    p = subprocess.run(
        [sys.executable, "-m", "lazyray", *args],
        capture_output=True,
        text=True,
        cwd=HERE,
        timeout=120,
    )
    if check:
        assert p.returncode == 0, p.stderr
    return p


def expected_chain_summary():
    sys.path.insert(0, HERE)
    try:
        import examples_cli
    finally:
        sys.path.remove(HERE)
    a = lazyray.Variable((100, 200))
    b = lazyray.Variable((200, 300), dtype="float32")
    c = lazyray.Variable((300, 10))
    return lazyray.summary(examples_cli.matmul_chain(a, b, c))


def test_inspect_text():
    p = run("inspect", "examples_cli:matmul_chain", *CHAIN_ARGS, "--show", "--listing")
    out = p.stdout.splitlines()
    assert out[0] == "examples_cli:matmul_chain(f64[100,200], f32[200,300], f64[300,10])"
    assert out[1] == "  -> f64[100,10]"
    assert "lazyray graph summary" in out
    text = p.stdout
    # hand counted: 2*100*200*300 + 100*300 + 2*100*300*10 FLOPs
    assert "FLOPs    12.63 M (12,630,000, estimated)" in text
    assert "nodes    6 (3 to compute, 3 inputs: 3 variable; 1 output)" in text
    peak = next(ln for ln in out if "peak (intermediates only)" in ln)
    assert peak.split()[-3:] == ["60,000", "468.75", "KiB"]  # matmul + tanh, float64
    assert "   0 matmul(#, #) → f64[100,10]" in out
    assert "x2:f64[100,300] = matmul x0 x1" in out
    assert out[-1] == "out: x5"
    # the same numbers as in-process
    assert repr(expected_chain_summary()) in text


def test_inspect_json_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "g.png"
    dot = tmp_path / "g.dot"
    p = run(
        "inspect",
        "examples_cli:matmul_chain",
        *CHAIN_ARGS,
        "--json",
        "--show",
        "--plot",
        str(png),
        "--kind",
        "footprint",
        "--dot",
        str(dot),
    )
    doc = json.loads(p.stdout)
    assert doc["function"] == "examples_cli:matmul_chain"
    assert doc["inputs"] == [
        {"shape": [100, 200], "dtype": "float64"},
        {"shape": [200, 300], "dtype": "float32"},
        {"shape": [300, 10], "dtype": "float64"},
    ]
    assert doc["outputs"] == [{"shape": [100, 10], "dtype": "float64"}]
    assert doc["summary"] == expected_chain_summary().to_dict()
    assert doc["summary"]["flops"] == 12_630_000
    assert doc["summary"]["op_counts"] == {"variable": 3, "matmul": 2, "tanh": 1}
    assert doc["listing"][-1] == "out: x5" and len(doc["listing"]) == 7
    assert doc["plot"] == str(png)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert dot.read_text().startswith("digraph lazyray {")


def test_inspect_file_path_and_multi_outputs():
    p = run(
        "inspect", os.path.join(HERE, "examples_cli.py") + ":two_outputs", "-a", "3x4", "--json"
    )
    doc = json.loads(p.stdout)
    assert doc["outputs"] == [
        {"shape": [4], "dtype": "float64"},
        {"shape": [3, 4], "dtype": "float64"},
    ]
    assert doc["summary"]["num_outputs"] == 2
    assert doc["summary"]["flops"] == 12 + 12


def test_inspect_errors():
    p = run("inspect", "examples_cli:not_lazy", "--arg", "3", check=False)
    assert p.returncode == 2
    assert "returned int, with no lazy arrays" in p.stderr
    p = run("inspect", "examples_cli:nope", "--arg", "3", check=False)
    assert p.returncode == 2 and "has no attribute 'nope'" in p.stderr
    p = run("inspect", "no_such_module_xyz:f", check=False)
    assert p.returncode == 2 and "cannot import module" in p.stderr


def test_help_and_demo():
    p = run("--help")
    assert "inspect" in p.stdout and "demo" in p.stdout
    p = run("inspect", "--help")
    for opt in ("--arg", "--show", "--listing", "--source", "--plot", "--kind", "--json", "--dot"):
        assert opt in p.stdout
    p = run("demo", "-n", "6")
    assert "matches eager numpy: yes" in p.stdout


# ------------------------------------------------------------- in process


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("100,100:float32", ((100, 100), "float32")),
        ("3x4", ((3, 4), "float64")),
        ("(2, 3)", ((2, 3), "float64")),
        ("()", ((), "float64")),
        ("scalar:int32", ((), "int32")),
        ("5:complex64", ((5,), "complex64")),
    ],
)
def test_parse_arg_spec(spec, expected):
    assert cli.parse_arg_spec(spec) == expected


@pytest.mark.parametrize("spec", ["a,b", "3,-1", "3:notadtype"])
def test_parse_arg_spec_errors(spec):
    with pytest.raises(cli.CLIError, match="bad --arg"):
        cli.parse_arg_spec(spec)


def test_inspect_source_in_process(capsys, monkeypatch):
    monkeypatch.syspath_prepend(HERE)
    try:
        lazyray.get_source  # noqa: B018
    except (ImportError, AttributeError):
        rc = cli.main(["inspect", "examples_cli:svd_recombine", "-a", "5,4", "--source"])
        assert rc == 2 and "get_source" in capsys.readouterr().err
        return
    rc = cli.main(["inspect", "examples_cli:svd_recombine", "-a", "5,4", "--source"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "generated source:" in out and "def " in out
    assert "linalg.svd" in out  # in the op table of the summary


def test_inspect_plan_matches_partition():
    args = ["--arg", "600,600", "--arg", "600,600"]
    doc = json.loads(
        run("inspect", "examples_cli:heavy_branches", *args, "--plan", "threads", "--json").stdout
    )
    sys.path.insert(0, HERE)
    try:
        import examples_cli
    finally:
        sys.path.remove(HERE)
    a, b = lazyray.Variable((600, 600)), lazyray.Variable((600, 600))
    plan = lazyray.partition(
        examples_cli.heavy_branches(a, b), variables=[a, b], scheduler="threads"
    )
    want = [
        {"ops": t.n_ops, "flops": t.flops, "bytes": t.bytes, "deps": list(t.deps)}
        for t in plan.tasks
    ]
    got = [{k: t[k] for k in ("ops", "flops", "bytes", "deps")} for t in doc["plan"]["tasks"]]
    assert got == want
    # the two heavy branches are independent tasks
    assert len(got) == 2 and all(t["deps"] == [] for t in got)
    text = run("inspect", "examples_cli:heavy_branches", *args, "--plan", "threads").stdout
    assert "Plan: 2 task(s)" in text and "critical path" in text
