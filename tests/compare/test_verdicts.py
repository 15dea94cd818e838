"""One answer per comparison: the primary test, its own interval and the verdict (contract 1)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from affectctl.compare import compare
from affectctl.compare.verdicts import VERDICT_COLUMNS, VERDICTS, choose_primary, verdict_table
from affectctl.io.runs import load_runs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"


@pytest.fixture(scope="module")
def result():
    runs = load_runs(EXAMPLES, ["base", "circumplex", "uniform"])
    return compare(runs, "base", ("circumplex", "uniform"), n_resamples=999, rng=4,
                   metrics=["accuracy", "error_distance_mean"], geometry_sensitivity=False,
                   classifier_tests=False)


def test_verdicts_follow_the_contract(result):
    v = result.verdicts
    assert tuple(v.columns) == VERDICT_COLUMNS
    assert len(v) == len(result.pairs) * 2          # one row per (a, b, metric)
    assert set(v["verdict"]) <= set(VERDICTS)
    # 5 seeds: the exact seed tests cannot reach 0.05, so AR over videos marks the result
    assert result.settings["primary_test"] == "ar" and set(v["test"]) == {"ar"}
    assert set(v["unit"]) == {"group"} and set(v["ci_method"]) == {"bootstrap_percentile"}
    doc = json.loads(result.to_json())
    assert [list(r) for r in doc["verdicts"]][0] == list(VERDICT_COLUMNS)
    assert len(doc["verdicts"]) == len(v)


def test_direction_follows_the_metric(result):
    v = result.verdicts.set_index(["a", "b", "metric"])
    row = v.loc[("circumplex", "base", "error_distance_mean")]   # ↓ metric, circumplex lower
    assert row["direction"] == "lower" and row["delta"] < 0 and row["verdict"] == "better"
    row = v.loc[("circumplex", "base", "accuracy")]
    assert row["direction"] == "higher" and row["delta"] > 0
    assert row["verdict"] == ("better" if row["p_adjusted"] <= 0.05 else "no difference shown")


def test_every_interval_comes_from_its_own_test(result):
    from affectctl.stats import paired_bootstrap

    c = result.comparisons
    with_ci = c[c["ci_low"].notna()]
    assert with_ci["ci_method"].notna().all() and with_ci["unit"].notna().all()
    assert c.loc[c["ci_method"].isna(), "confidence"].isna().all()
    methods = dict(zip(with_ci["test"], with_ci["ci_method"]))
    assert methods == {"wilcoxon": "hodges_lehmann_walsh", "signflip": "signflip_inversion",
                       "ttest": "student_t", "ar": "bootstrap_percentile"}
    # 5 seeds: the exact intervals are [min d, max d] at 1 - 2/32
    w = with_ci[with_ci["test"] == "wilcoxon"].iloc[0]
    assert w["confidence"] == 0.9375
    # the AR row's interval is the paired bootstrap over the same unit, seeds as strata
    ar = with_ci[(with_ci["test"] == "ar") & (with_ci["metric"] == "accuracy")
                 & (with_ci["a"] == "uniform")].iloc[0]
    assert ar["unit"] == "group" and ar["ci_n_resamples"] == 999
    assert ar["ci_low"] < ar["mean_diff"] < ar["ci_high"]


def test_primary_choice_and_verdict_rules():
    comps = pd.DataFrame({
        "a": ["x", "x"], "b": ["y", "y"], "metric": ["m", "m"], "test": ["wilcoxon", "ar"],
        "unit": ["seed", "sample"], "min_pvalue": [0.0625, 0.002], "estimate": [0.1, 0.12],
        "mean_diff": [0.1, 0.12], "ci_low": [0.0, 0.05], "ci_high": [0.2, 0.2],
        "confidence": [0.9375, 0.95], "ci_method": ["hodges_lehmann_walsh", "bootstrap_percentile"],
        "p_value": [0.0625, 0.002], "p_adjusted": [0.0625, 0.004], "p_adjust": ["holm", "holm"]})
    assert choose_primary(comps, ("wilcoxon", "ar")) == "ar"
    assert choose_primary(comps, ("wilcoxon", "ar"), alpha=0.07) == "wilcoxon"
    assert choose_primary(comps, ("ttest",)) is None
    for direction, want in ((1, "better"), (-1, "worse")):
        v = verdict_table(comps, [("x", "y")], ["m"], primary_order=("ar", "wilcoxon"),
                          alpha=0.05, direction_of=lambda m, d=direction: d)
        assert v["verdict"].tolist() == [want] and v["delta"].tolist() == [0.12]
    v = verdict_table(comps, [("x", "y")], ["m"], primary_order=("wilcoxon",), alpha=0.05,
                      direction_of=lambda m: 1)
    assert v["verdict"].tolist() == ["no difference shown"]
    assert v["ci_method"].tolist() == ["hodges_lehmann_walsh"]
    assert np.isnan(v["margin"].iloc[0]) and v["equivalence_test"].iloc[0] is None
