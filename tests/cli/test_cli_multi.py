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
    assert "all benchmarks, circumplex - base, accuracy" in res.stderr


def test_one_named_dataset_is_a_one_line_error():
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}"])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("affectctl: error: ") and "at least two" in lines[0]


def test_normalisation_file_adds_interquartile_means_and_bad_files_exit_2(tmp_path):
    norm = tmp_path / "norm.toml"
    norm.write_text("[aw2]\naccuracy = { low = 0.25, high = 1.0 }\n[an]\n"
                    "accuracy = { low = 0.125, high = 0.9 }\n")
    out = tmp_path / "multi"
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}",
                              "--runs", f"an={EXAMPLES}", "--metric", "accuracy",
                              "--permutations", "99", "--no-figures", "--quiet",
                              "--normalisation", str(norm), "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "aggregates.json").read_text())
    iqm = [a for a in doc["aggregates"] if a["test"] == "interquartile_mean"]
    assert {a["condition"] for a in iqm} == {"base", "circumplex"}
    assert {a["test"] for a in doc["aggregates"]} >= {"stratified_ar", "primary_holm"}
    norm.write_text("[aw2]\naccuracy = { low = 1, high = 1 }\n")
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}",
                              "--runs", f"an={EXAMPLES}", "--normalisation", str(norm),
                              "--out", str(out)])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{norm}, line 2: aw2.accuracy: low and high must differ" in lines[0]
