"""The headline score of a 7-class Aff-Wild2 file (ABAW2: 0.67 macro-F1 + 0.33 accuracy) is
tested in a single-run compare: an AR record and a paired-bootstrap CI in results.json.

References: the record's values against compute_metrics on each file (the observed scores,
checked against the ABAW2 formula in tests/metrics/test_metrics_reference.py), the CI
bracketing the observed difference; the AR/bootstrap engines themselves are checked against
naive recomputation in tests/stats/test_stats_samples_composites.py.
"""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.io.dumps import read_dump, write_dump
from affectctl.metrics.compute import compute_metrics
from _synth import synthetic_frame

runner = CliRunner()


def write_two_files(tmp_path):
    tax = "affwild2-expr7"
    truth = synthetic_frame(300, taxonomy=tax, seed=3, va=False, au=False)
    for name, seed, acc in (("modelA", 11, 0.55), ("modelB", 12, 0.7)):
        pred = synthetic_frame(300, taxonomy=tax, seed=seed, va=False, au=False, accuracy=acc)
        frame = truth.copy()
        for col in frame.columns:
            if col.startswith("p_") or col == "y_pred":
                frame[col] = pred[col]
        write_dump(frame, tmp_path / f"{name}.csv", metadata={"taxonomy": tax})


def test_single_run_compare_tests_the_abaw2_official_score(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_two_files(tmp_path)
    res = runner.invoke(app, ["compare", "modelA.csv", "modelB.csv", "--permutations", "499",
                              "--no-figures", "--out", "rep"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "rep" / "results.json").read_text())
    assert doc["settings"]["official_score"] == "abaw2_expr_score"
    ar = [c for c in doc["comparisons"] if c["metric"] == "official_score" and c["test"] == "ar"]
    assert len(ar) == 1 and 0 < ar[0]["p_value"] <= 1 and ar[0]["unit"] == "group"
    assert "metric=abaw2_expr_score" in ar[0]["note"]
    ci = [d for d in doc["differences"] if d["metric"] == "official_score"]
    assert len(ci) == 1
    ci = ci[0]
    assert (ci["a"], ci["b"]) == (ar[0]["a"], ar[0]["b"]) == ("modelB", "modelA")
    scores = [compute_metrics(read_dump(tmp_path / f"{n}.csv"))["abaw2_expr_score"]
              for n in (ci["a"], ci["b"])]
    assert ci["value_a"] == scores[0] and ci["value_b"] == scores[1]
    assert np.isclose(ci["mean_diff"], scores[0] - scores[1], atol=1e-12)
    assert np.isclose(ar[0]["mean_diff"], scores[0] - scores[1], atol=1e-12)
    assert np.isfinite([ci["ci_low"], ci["ci_high"]]).all()
    assert ci["ci_low"] <= ci["mean_diff"] <= ci["ci_high"]


def test_a_metric_without_sample_level_test_says_why(tmp_path):
    from affectctl.compare import compare
    from affectctl.io.runs import RunSet

    write_two_files(tmp_path)
    runs = RunSet({n: {0: read_dump(tmp_path / f"{n}.csv")} for n in ("modelA", "modelB")})
    res = compare(runs, "modelA", ("modelB",), metrics=["ece", "official_score"],
                  n_resamples=99, geometry_sensitivity=False, classifier_tests=False)
    notes = res.settings["warnings"]
    assert any(n.startswith("ece: no ar test: the sample-level engines have no unit sums")
               for n in notes), notes
    assert not any(n.startswith("official_score: no") for n in notes)
    tested = res.comparisons[res.comparisons["test"] == "ar"]["metric"].tolist()
    assert tested == ["official_score"]
