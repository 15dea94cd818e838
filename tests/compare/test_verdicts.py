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


def test_a_repeated_metric_or_contrast_is_counted_once():
    runs = load_runs(EXAMPLES, ["base", "circumplex", "uniform"])
    kw = dict(n_resamples=199, rng=2, geometry_sensitivity=False, classifier_tests=False,
              sample_test="none", seed_tests=("ttest",))
    once = compare(runs, "base", ("circumplex",), metrics=["accuracy"], **kw)
    twice = compare(runs, "base", ("circumplex",), metrics=["accuracy", "accuracy"], **kw)
    assert twice.headline_metrics == ("accuracy",)
    assert twice.comparisons["p_adjusted"].tolist() == once.comparisons["p_adjusted"].tolist()
    assert any("named more than once" in w for w in twice.settings["warnings"])
    # the official score and the metric it names are one metric
    official = once.settings["official_score"]
    both = compare(runs, "base", ("circumplex",), metrics=["official_score", official, "accuracy"],
                   **kw)
    pair = compare(runs, "base", ("circumplex",), metrics=["official_score", "accuracy"], **kw)
    adj = both.comparisons.set_index("metric")["p_adjusted"]
    assert adj["official_score"] == adj[official] == pair.comparisons.set_index("metric")[
        "p_adjusted"]["official_score"]                  # a family of 2, not 3
    # a contrast given twice, or reversed, is one comparison
    three = compare(runs, "base", ("circumplex", "uniform"), metrics=["accuracy"],
                    contrasts=[("circumplex", "uniform"), ("uniform", "circumplex"),
                               ("uniform", "circumplex")], **kw)
    assert len(three.pairs) == 3 and len(three.comparisons) == 3


def test_rope_over_ten_seeds_agrees_with_baycomp(tmp_path):
    """compare(rope=0.01) on 10 seeds: the three probabilities within 0.03 of baycomp."""
    baycomp = pytest.importorskip("baycomp")
    from affectctl.io.dumps import write_dump
    from _synth import synthetic_frame

    rng = np.random.default_rng(8)
    for s in range(10):
        f = synthetic_frame(300, seed=s, accuracy=0.6, va=False, au=False, proba=False)
        meta = {"n_train": 900, "n_test": 300}          # as affectctl train writes them
        write_dump(f, tmp_path / "A" / f"seed-{s}.csv", meta)
        y = f["y_true"].to_numpy()
        right = rng.random(len(y)) < 0.6 + 0.005 * (s % 4)
        f["y_pred"] = np.where(right, y, (y + 1) % 8)           # else another class
        write_dump(f, tmp_path / "B" / f"seed-{s}.csv", meta)
    runs = load_runs(tmp_path, ["A", "B"], taxonomy="affwild2-expr8")
    res = compare(runs, "A", ("B",), metrics=["accuracy"], rope=0.01, margin=0.03, n_resamples=199,
                  rng=5, geometry_sensitivity=False, classifier_tests=False, sample_test="none")
    row = res.comparisons[res.comparisons["test"] == "bayes_signed_rank"].iloc[0]
    m = res.metrics[res.metrics["metric"] == "accuracy"].pivot(index="seed", columns="condition",
                                                                  values="value")
    ref = baycomp.SignedRankTest.probs(m["A"].to_numpy(), m["B"].to_numpy(), 0.01,
                                       nsamples=20000, random_state=0)
    assert (row["p_left"], row["p_rope"], row["p_right"]) == pytest.approx(ref, abs=0.03)
    assert row["n_samples"] == 50000 and row["seed"] == 5
    v = res.verdicts.iloc[0]
    assert v["p_rope"] == row["p_rope"]
    assert v["test"] == "wilcoxon" and v["ci_method"] == "hodges_lehmann_walsh"   # 10 seeds
    # the correlated t-test takes rho = n_test / (n_train + n_test) from the runs' metadata
    from affectctl.stats.bayes import bayes_correlated_t

    assert res.settings["test_fraction"] == 0.25
    ct = res.comparisons[res.comparisons["test"] == "bayes_correlated_t"].iloc[0]
    ref_t = bayes_correlated_t(m["B"].to_numpy(), m["A"].to_numpy(), 0.01, rho=0.25)
    assert (ct["p_left"], ct["p_rope"], ct["p_right"]) == pytest.approx(
        (ref_t.p_left, ref_t.p_rope, ref_t.p_right))
    # 10 seeds: bootstrap intervals of the effect sizes are given
    w = res.comparisons[res.comparisons["test"] == "wilcoxon"].iloc[0]
    assert w["effect_ci_method"] == "bootstrap_bca_seeds"
    assert w["cohen_dz_ci_low"] <= w["cohen_dz"] <= w["cohen_dz_ci_high"]


def test_equivalence_and_non_inferiority_verdicts():
    base = {"a": "x", "b": "y", "metric": "m", "unit": "sample", "min_pvalue": 0.002,
            "estimate": 0.001, "mean_diff": 0.001, "ci_low": -0.004, "ci_high": 0.006,
            "confidence": 0.95, "ci_method": "bootstrap_percentile", "p_adjust": "holm"}
    for eq_test, shown in (("tost", "equivalent"), ("non_inferiority", "non-inferior")):
        for p_eq, p_prim, want in ((0.01, 0.5, shown), (0.2, 0.5, f"not shown {shown}"),
                                   (0.2, 0.001, "better"), (0.01, 0.001, shown)):
            comps = pd.DataFrame([
                {**base, "test": "ar", "p_value": p_prim, "p_adjusted": p_prim},
                {**base, "test": eq_test, "method": "tost_bootstrap", "p_value": p_eq,
                 "p_adjusted": p_eq},
                {**base, "test": eq_test, "method": "tost_signflip", "unit": "seed",
                 "p_value": 0.9, "p_adjusted": 0.9}])     # another level: not this row's
            v = verdict_table(comps, [("x", "y")], ["m"], primary_order=("ar",), alpha=0.05,
                              direction_of=lambda m: 1, margins={"m": 0.01}).iloc[0]
            assert (v["verdict"], v["equivalence_test"], v["p_equivalence"]) == (want, eq_test, p_eq)
