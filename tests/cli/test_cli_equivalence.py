"""`affectctl compare --margin / --rope`: equivalence verdicts from the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from affectctl.cli import app

runner = CliRunner()
N = 200_000
TAX = "affwild2-expr8"


def _write(path, y, pred):
    pd.DataFrame({"sample_id": [f"s{i}" for i in range(len(y))], "y_true": y,
                  "y_pred": pred}).to_csv(path, index=False)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Three 8-class models on 200,000 samples: A and B equally accurate (0.60), C +0.05."""
    d = tmp_path_factory.mktemp("models")
    rng = np.random.default_rng(11)
    y = rng.integers(0, 8, N)
    for name, acc in (("A", 0.60), ("B", 0.60), ("C", 0.65)):
        right = rng.random(N) < acc
        _write(d / f"{name}.csv", y, np.where(right, y, (y + rng.integers(1, 8, N)) % 8))
    return d


def _verdict(models, tmp_path, a, b, *extra):
    out = tmp_path / f"{a}{b}"
    # the first file is the baseline: the verdict row is a − b
    res = runner.invoke(app, ["compare", str(models / f"{b}.csv"), str(models / f"{a}.csv"),
                              "--metric", "accuracy", "--margin", "0.01", "--permutations", "199", "--taxonomy", TAX,
                              "--no-figures", "--out", str(out), "--json", *extra])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    (v,) = doc["verdicts"]
    assert (v["a"], v["b"]) == (a, b)
    tost = [r for r in doc["comparisons"] if r["test"] == "tost"]
    return v, tost


def test_equal_models_are_shown_equivalent(models, tmp_path):
    v, tost = _verdict(models, tmp_path, "B", "A")
    assert abs(v["delta"]) < 0.005
    assert v["margin"] == 0.01 and v["equivalence_test"] == "tost"
    assert [t["method"] for t in tost] == ["tost_bootstrap"]      # one run: sample level only
    assert tost[0]["p_value"] < 0.05 and v["p_equivalence"] < 0.05
    assert v["verdict"] == "equivalent"
    assert v["test"] == "ar" and v["unit"] == "sample" and v["ci_method"] == "bootstrap_percentile"


def test_a_better_model_is_better_not_equivalent(models, tmp_path):
    v, tost = _verdict(models, tmp_path, "C", "A")
    assert v["delta"] == pytest.approx(0.05, abs=0.006)
    assert tost[0]["p_value"] > 0.05
    assert v["verdict"] == "better"


def test_non_inferiority_with_a_one_sided_alternative(models, tmp_path):
    v, tost = _verdict(models, tmp_path, "B", "A", "--alternative", "greater")
    assert tost == [] and v["equivalence_test"] == "non_inferiority"
    assert v["verdict"] == "non-inferior"


@pytest.mark.parametrize("args, needle", [
    (["--margin", "abc"], "`--margin` must look like"),
    (["--margin", "accuracy=0"], "must be a positive number"),
    (["--rope", "nosuch=0.1"], "names metric(s) ['nosuch']"),
])
def test_bad_margins_are_one_line_errors(models, tmp_path, args, needle):
    res = runner.invoke(app, ["compare", str(models / "A.csv"), str(models / "B.csv"),
                              "--metric", "accuracy", "--permutations", "99", "--no-figures", "--taxonomy", TAX,
                              "--out", str(tmp_path / "x"), *args])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("affectctl: error: ") and needle in lines[0]
