"""`affectctl compare --sequential`: the AR test stops early on a clear case, same decision."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from affectctl.cli import app

runner = CliRunner()
N = 600
TAX = "affwild2-expr7"


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Two 7-class models on 600 samples, accuracy 0.50 and 0.65: a clear difference."""
    d = tmp_path_factory.mktemp("models")
    rng = np.random.default_rng(5)
    y = rng.integers(0, 7, N)
    for name, acc in (("base", 0.50), ("better", 0.65)):
        right = rng.random(N) < acc
        pred = np.where(right, y, (y + rng.integers(1, 7, N)) % 7)
        pd.DataFrame({"sample_id": [f"s{i}" for i in range(N)], "y_true": y,
                      "y_pred": pred}).to_csv(d / f"{name}.csv", index=False)
    return d


def _ar(models, tmp_path, *extra):
    out = tmp_path / "_".join(extra or ("fixed",))
    res = runner.invoke(app, ["compare", str(models / "base.csv"), str(models / "better.csv"),
                              "--metric", "expr_macro_f1", "--metric", "accuracy",
                              "--taxonomy", TAX, "--no-figures", "--permutations", "2999",
                              "--out", str(out), *extra], env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "results.json").read_text())
    return doc, [r for r in doc["comparisons"] if r["test"] == "ar"], " ".join(res.stdout.split())


def test_sequential_stops_below_2000_with_the_fixed_runs_decision(models, tmp_path):
    doc_f, fixed, console_f = _ar(models, tmp_path)
    doc_s, seq, console_s = _ar(models, tmp_path, "--sequential")
    assert [r["metric"] for r in seq] == [r["metric"] for r in fixed] == ["expr_macro_f1", "accuracy"]
    # a family of two AR tests under Holm: decisions at 0.025 and 0.05 (the paired bootstrap
    # beside the AR test, for the interval, is not sequential: it dominates this run's time,
    # hence the fixed run's cap of 2,999)
    assert doc_s["settings"]["sequential_thresholds"] == [0.025, 0.05]
    assert doc_f["settings"]["sequential_thresholds"] is None
    for f, s in zip(fixed, seq):
        assert f["n_resamples"] == 2999 and f["risk_bound"] is None
        assert s["n_resamples"] < 2000 and s["risk_bound"] == 0.001
        assert s["sequential_method"] == "csm" and s["seed"] == f["seed"]
        assert (s["p_adjusted"] < 0.05) == (f["p_adjusted"] < 0.05) == True  # noqa: E712
        assert "decision at 0.025: reject; 0.05: reject" in s["note"]
    used = sorted(s["n_resamples"] for s in seq)
    footer = (tmp_path / "--sequential" / "table.md").read_text()
    span = f"{used[0]}–{used[1]}" if used[0] != used[1] else str(used[0])
    assert (f"AR sequential: stopped after {span} of at most 2999 resamples once settled at "
            "every threshold of its correction (resampling risk ≤ 0.001 per test)") in footer
    assert "AR sequential" not in (tmp_path / "fixed" / "table.md").read_text()
    assert (f"(sequential: {span} of at most 2999 resamples, resampling risk ≤ 0.001, seed 0)"
            in console_s)
    assert "(2999 resamples, seed 0)" in console_f and "(sequential:" not in console_f
    v_f = {(v["metric"], v["verdict"]) for v in doc_f["verdicts"]}
    assert v_f == {(v["metric"], v["verdict"]) for v in doc_s["verdicts"]}


def test_sequential_with_the_bootstrap_test_is_an_error(models, tmp_path):
    res = runner.invoke(app, ["compare", str(models / "base.csv"), str(models / "better.csv"),
                              "--taxonomy", TAX, "--no-figures", "--sequential",
                              "--sample-test", "bootstrap", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert "affectctl: error:" in res.output and "sequential" in res.output
    assert "Traceback" not in res.output
