"""compare(): pairs, records against direct calls, determinism, JSON, pairing errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from affectctl.compare import compare
from affectctl.errors import ConfigError, PairingError
from affectctl.io.runs import load_runs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"


@pytest.fixture(scope="module")
def runs():
    return load_runs(EXAMPLES, ["base", "circumplex", "uniform"])


@pytest.fixture(scope="module")
def result(runs):
    return compare(runs, "base", ("circumplex", "uniform"), n_resamples=999, rng=11)


def test_pairs_include_control_contrast(result):
    assert result.pairs == (("circumplex", "base"), ("uniform", "base"), ("circumplex", "uniform"))
    assert result.conditions == ("base", "circumplex", "uniform")
    assert result.settings["unit"] == "group"  # the examples have videos


def test_reversed_contrasts_are_tested_once():
    from affectctl.compare.core import _pairs

    conds = ("base", "circumplex", "uniform")
    assert _pairs(conds, "base", [("uniform", "circumplex")]) == (
        ("circumplex", "base"), ("uniform", "base"), ("uniform", "circumplex"))
    assert _pairs(conds, "base", [("base", "uniform"), ("circumplex", "uniform")]) == (
        ("circumplex", "base"), ("uniform", "base"), ("circumplex", "uniform"))


def test_seed_records_equal_direct_scipy(result):
    m = result.metrics
    comps = result.comparisons
    for (a, b) in result.pairs:  # noqa: B007 - used in query strings
        xa = m.query("condition == @a and metric == 'accuracy'").sort_values("seed")["value"].to_numpy()
        xb = m.query("condition == @b and metric == 'accuracy'").sort_values("seed")["value"].to_numpy()
        rec = comps.query("a == @a and b == @b and metric == 'accuracy' and test == 'wilcoxon'").iloc[0]
        assert rec.p_value == pytest.approx(stats.wilcoxon(xa, xb, method="exact").pvalue, abs=1e-12)
        assert rec.mean_diff == pytest.approx((xa - xb).mean())
        t = comps.query("a == @a and b == @b and metric == 'accuracy' and test == 'ttest'").iloc[0]
        assert t.p_value == pytest.approx(stats.ttest_rel(xa, xb).pvalue, abs=1e-12)


def test_adjusted_p_within_family_is_holm(result):
    from statsmodels.stats.multitest import multipletests

    fam = result.comparisons.query("test == 'signflip'")
    ref = multipletests(fam.p_value.to_numpy(), method="holm")[1]
    np.testing.assert_allclose(fam.p_adjusted.to_numpy(), ref)
    assert (result.comparisons.p_adjusted >= result.comparisons.p_value - 1e-15).all()


def test_sample_level_mean_diff_matches_seed_mean(result):
    c = result.comparisons
    for metric in ("accuracy",  # noqa: B007 - used in query strings
                   "expr_macro_f1", "error_distance_mean", "expected_cost"):
        ar = c.query("test == 'ar' and metric == @metric")
        wil = c.query("test == 'wilcoxon' and metric == @metric")
        np.testing.assert_allclose(ar.mean_diff.to_numpy(), wil.mean_diff.to_numpy(), atol=1e-12)


def test_deterministic_given_rng(runs, result):
    again = compare(runs, "base", ("circumplex", "uniform"), n_resamples=999, rng=11)
    cols = ["a", "b", "metric", "test", "p_value", "statistic"]
    assert again.comparisons[cols].equals(result.comparisons[cols])
    # another seed: the same exact tests, other Monte-Carlo draws (and the seed recorded)
    other = compare(runs, "base", ("circumplex", "uniform"), n_resamples=999, rng=12)
    key = ["a", "b", "metric", "test"]
    tests = ["wilcoxon", "signflip", "ar"]  # one record per (a, b, metric) each
    mine = result.comparisons[result.comparisons.test.isin(tests)]
    both = mine.merge(other.comparisons, on=key, suffixes=("_11", "_12"))
    assert len(both) == len(mine) and not mine.duplicated(key).any()
    exact = both[both.test.isin(["wilcoxon", "signflip"])]
    assert len(exact) and (exact.p_value_11 == exact.p_value_12).all()
    ar = both[both.test == "ar"]
    assert (ar.seed_11 == 11).all() and (ar.seed_12 == 12).all()
    assert (ar.p_value_11 != ar.p_value_12).any()


def test_monte_carlo_records_report_seed_and_resamples(result):
    ar = result.comparisons.query("test == 'ar'")
    assert (ar.n_resamples == 999).all() and (ar.seed == 11).all()
    assert (ar.p_value > 0).all()


def test_json_document(result):
    doc = json.loads(result.to_json())
    assert {"metrics", "comparisons", "settings", "pairs"} <= set(doc)
    rec = doc["comparisons"][0]
    for key in ("a", "b", "metric", "test", "n", "mean_diff", "statistic", "p_value", "p_adjusted",
                "rank_biserial", "cohen_dz", "ci_low", "ci_high"):
        assert key in rec
    assert {r["test"] for r in doc["comparisons"]} >= {"wilcoxon", "signflip", "ttest", "ar", "mcnemar"}
    assert set(doc["metrics"][0]) == {"condition", "seed", "metric", "value"}


def test_option_errors(runs):
    with pytest.raises(ConfigError, match="`alternative` must be one of"):
        compare(runs, "base", ("uniform",), alternative="both")
    with pytest.raises(ConfigError, match="not among the conditions"):
        compare(runs, "base", ("uniform",), contrasts=[("circumplex", "uniform")])
    with pytest.raises(ConfigError, match="no runs for condition"):
        compare(runs, "base", ("nope",))
    with pytest.raises(ConfigError, match="not available"):
        compare(runs, "base", ("uniform",), metrics=["au_f1_mean"])


def test_sums_reaches_the_sample_tests_and_the_settings(runs, result):
    """The examples have far fewer than 2**16 units: 'auto' and 'exact' both run the exact
    engines (byte-identical records), the choice is in the settings and each note."""
    assert result.settings["sums"] == "auto"
    exact = compare(runs, "base", ("circumplex", "uniform"), n_resamples=999, rng=11, sums="exact")
    assert exact.settings["sums"] == "exact"
    ar = result.comparisons[result.comparisons["test"] == "ar"]
    assert len(ar) and ar["note"].str.endswith("replicate sums: exact").all()
    cols = ["p_value", "mean_diff", "statistic"]
    assert ar[cols].equals(exact.comparisons[exact.comparisons["test"] == "ar"][cols])
    with pytest.raises(ConfigError, match="`sums` must be one of"):
        compare(runs, "base", ("circumplex",), n_resamples=99, sums="normal")


def test_mismatched_runs_are_named(tmp_path):
    for c in ("base", "uniform"):
        shutil.copytree(EXAMPLES / c, tmp_path / c)
    (tmp_path / "uniform" / "seed-4.csv").unlink()
    with pytest.raises(PairingError, match=r"only in 'base': \[4\]"):
        compare(load_runs(tmp_path, ["base", "uniform"]), "base", ("uniform",))


def test_westfall_young_by_enumeration(runs):
    import itertools

    res = compare(runs, "base", ("circumplex", "uniform"), n_resamples=999, rng=0,
                  correction="westfall-young", sample_test="none", classifier_tests=False)
    fam = res.comparisons.query("test == 'signflip'")
    assert (fam.p_adjust == "westfall-young").all()
    assert (res.comparisons.query("test == 'wilcoxon'").p_adjust == "holm").all()
    wide = res.metrics.pivot_table(index=["condition", "seed"], columns="metric", values="value")
    d = np.column_stack([wide.loc[r.a][r.metric].to_numpy() - wide.loc[r.b][r.metric].to_numpy()
                         for r in fam.itertuples()])
    n = d.shape[0]
    signs = np.array(list(itertools.product([1, -1], repeat=n)))          # all 2^n flips
    null = signs @ d / n                                                  # (2^n, m) mean differences
    z_null = np.abs((null - null.mean(0)) / null.std(0))
    z_obs = np.abs((d.mean(0) - null.mean(0)) / null.std(0))
    maxima = z_null.max(axis=1)
    ref = [(maxima >= z * (1 - 1e-12)).mean() for z in z_obs]
    np.testing.assert_allclose(fam.p_adjusted.to_numpy(), ref, atol=1e-12)
    assert (fam.p_adjusted.to_numpy() >= fam.p_value.to_numpy() - 1e-12).all()


def test_per_class_and_pair_metrics_get_a_sample_level_test(runs):
    res = compare(runs, "base", ("circumplex",), metrics=["f1:Fear", "pair_confusion:Anger|Fear"],
                  n_resamples=199, rng=3)
    tests = res.comparisons.groupby("metric")["test"].apply(set)
    assert "ar" in tests["f1:Fear"] and "ar" in tests["pair_confusion:Anger|Fear"]


def test_bootstrap_follows_the_alternative(runs):
    kw = dict(metrics=["expr_macro_f1"], sample_test="bootstrap", n_resamples=499, rng=5)
    rows = {alt: compare(runs, "base", ("circumplex",), alternative=alt, **kw).comparisons.query(
        "test == 'bootstrap'").iloc[0] for alt in ("two-sided", "greater", "less")}
    assert {alt: r["alternative"] for alt, r in rows.items()} == {a: a for a in rows}
    assert rows["greater"]["p_value"] != rows["less"]["p_value"]


def test_westfall_young_gives_one_to_a_test_without_any_difference(tmp_path):
    for cond in ("base", "circumplex"):
        shutil.copytree(EXAMPLES / cond, tmp_path / cond)
    shutil.copytree(EXAMPLES / "base", tmp_path / "same")
    runs = load_runs(tmp_path, ["base", "circumplex", "same"])
    res = compare(runs, "base", ("circumplex", "same"), metrics=["accuracy"], n_resamples=99, rng=0,
                  correction="westfall-young", sample_test="none", classifier_tests=False)
    fam = res.comparisons.query("test == 'signflip'").set_index("a")
    assert fam.loc["same", "p_value"] == 1.0 and fam.loc["same", "p_adjusted"] == 1.0
    assert np.isfinite(fam.loc["circumplex", "p_adjusted"])


def test_control_contrast_is_not_repeated_when_a_control_is_the_baseline():
    from affectctl.compare.core import _pairs

    assert _pairs(("uniform", "circumplex", "base"), "uniform", []) == (
        ("circumplex", "uniform"), ("base", "uniform"))


def test_monte_carlo_seed_beyond_int64_is_kept_exactly(runs):
    big = 2**63 + 5
    res = compare(runs, "base", ("circumplex",), metrics=["accuracy"], n_resamples=99, rng=big,
                  classifier_tests=False)
    doc = json.loads(res.to_json())
    assert doc["settings"]["seed"] == big
    assert {r["seed"] for r in doc["comparisons"] if r["test"] == "ar"} == {big}


def test_pair_confusion_in_either_order(runs):
    res = compare(runs, "base", ("uniform",), metrics=["pair_confusion:Fear|Anger"], n_resamples=99,
                  rng=0)
    assert res.headline_metrics == ("pair_confusion:Anger|Fear",)
