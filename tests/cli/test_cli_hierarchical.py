"""`affectctl compare --sample-test hierarchical` on the example runs (5 seeds, videos)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from affectctl._util.provenance import schema
from affectctl.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"
runner = CliRunner()
METRICS = ["--metric", "accuracy", "--metric", "error_distance_mean"]


def _records(tmp_path, test):
    out = tmp_path / test
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", str(EXAMPLES),
                              "--sample-test", test, *METRICS, "--permutations", "999",
                              "--no-figures", "--quiet", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return json.loads((out / "results.json").read_text())


def test_hierarchical_records_are_wider_than_the_seed_stratified_bootstrap(tmp_path):
    doc = _records(tmp_path, "hierarchical")
    boot = _records(tmp_path, "bootstrap")
    hier = {r["metric"]: r for r in doc["comparisons"] if r["test"] == "hierarchical_bootstrap"}
    strat = {r["metric"]: r for r in boot["comparisons"] if r["test"] == "bootstrap"}
    assert set(hier) == {"accuracy", "error_distance_mean"}
    for m, r in hier.items():
        assert r["unit"] == "group" and r["level"] == "seed_and_unit" and r["n_seeds"] == 5
        assert type(r["n_seeds"]) is int  # not 5.0 (a float column in the table)
        assert r["ci_method"] == "two_level_t" and r["df"] >= 4 and r["se"] > 0
        assert r["variance_share"]["seed"] + r["variance_share"]["sample"] == pytest.approx(1.0)
        assert r["variance_share"]["seed"] > 0
        # the seeds vary (sd of accuracy 0.023 over 5 seeds): resampling them widens the CI
        assert r["ci_high"] - r["ci_low"] > strat[m]["ci_high"] - strat[m]["ci_low"]
        assert r["delta"] == pytest.approx(strat[m]["mean_diff"])
    jsonschema.Draft202012Validator(schema("results")).validate(doc)
    # the two-level test is the sample-level primary test and marks the verdicts
    assert doc["settings"]["primary_test"] == "hierarchical_bootstrap"
    v = {r["metric"]: r for r in doc["verdicts"]}
    assert v["accuracy"]["test"] == "hierarchical_bootstrap"
    assert v["accuracy"]["ci_low"] == hier["accuracy"]["ci_low"]
