"""`affectctl compare --runs NAME=DIR --runs NAME=DIR`: several benchmarks in one comparison."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from affectctl.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"
runner = CliRunner()


def test_two_datasets_write_per_dataset_reports_and_aggregates(tmp_path):
    out = tmp_path / "multi"
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}",
                              "--runs", f"an={EXAMPLES}", "--metric", "accuracy",
                              "--permutations", "99", "--no-figures", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "aw2" / "results.json").exists() and (out / "an" / "results.json").exists()
    doc = json.loads((out / "aggregates.json").read_text())
    assert {r["dataset"] for r in doc["records"]} == {"aw2", "an"}
    tests = {a["test"] for a in doc["aggregates"]}
    assert {"stratified_bootstrap", "probability_of_improvement"} <= tests
    assert "All benchmarks (aw2, an)" in res.stdout and "circumplex − base, Accuracy" in res.stdout
    assert (out / "index.html").exists() and (out / "aggregates.tex").exists()


def test_one_named_dataset_is_a_one_line_error():
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}"])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("affectctl: error: ") and "at least two" in lines[0]
