"""Several benchmarks in one comparison (library level): per-dataset records and aggregates."""

from pathlib import Path

import numpy as np
import pytest

from affectctl.compare.multi import compare_datasets
from affectctl.errors import ConfigError
from affectctl.io.runs import load_runs
from affectctl.stats.aggregate import probability_of_improvement, stratified_bootstrap

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"


def test_two_datasets_give_dataset_records_and_aggregates():
    rs = load_runs(EXAMPLES, ["base", "circumplex"])
    out = compare_datasets({"a": rs, "b": rs}, "base", ["circumplex"], metrics=["accuracy"],
                           n_resamples=199, rng=1, sample_test="bootstrap",
                           geometry_sensitivity=False, classifier_tests=False)
    assert {r["dataset"] for r in out["records"]} == {"a", "b"}
    tests = {r["test"]: r for r in out["aggregates"]}
    assert set(tests) == {"stratified_bootstrap", "probability_of_improvement", "primary_holm"}
    res = out["results"]["a"]
    m = res.metrics
    acc = {c: m[(m["condition"] == c) & (m["metric"] == "accuracy")]["value"].to_numpy()
           for c in ("base", "circumplex")}
    d = acc["circumplex"] - acc["base"]
    # the same data twice: the aggregate equals the independent functions on that data
    want = stratified_bootstrap({"a": d, "b": d}, n_resamples=199, rng=1)
    assert tests["stratified_bootstrap"]["delta"] == pytest.approx(d.mean())
    assert tests["stratified_bootstrap"]["ci_low"] == want["ci_low"]
    poi = probability_of_improvement({"a": acc["circumplex"], "b": acc["circumplex"]},
                                     {"a": acc["base"], "b": acc["base"]}, n_resamples=199, rng=1)
    assert tests["probability_of_improvement"]["estimate"] == poi["estimate"]
    holm = tests["primary_holm"]["per_dataset"]
    assert holm["a"]["p_adjusted_datasets"] == pytest.approx(min(1, 2 * holm["a"]["p_value"]))


def test_one_dataset_is_refused():
    with pytest.raises(ConfigError, match="at least two datasets"):
        compare_datasets({"a": None}, "base", ["circumplex"])


def _acc(res):
    m = res.metrics
    return {c: m[(m["condition"] == c) & (m["metric"] == "accuracy")]["value"].to_numpy()
            for c in ("base", "circumplex")}


def test_stratified_randomization_over_datasets_from_the_per_dataset_ar_nulls():
    rs = load_runs(EXAMPLES, ["base", "circumplex"])
    out = compare_datasets({"a": rs, "b": rs}, "base", ["circumplex"], metrics=["accuracy"],
                           n_resamples=199, rng=1, geometry_sensitivity=False,
                           classifier_tests=False)
    tests = {r["test"]: r for r in out["aggregates"]}
    comb = tests["stratified_ar"]
    ar = [r for r in out["records"] if r["test"] == "ar" and r["dataset"] == "a"][0]
    # the same data and rng twice: identical nulls, so the combined test is the per-dataset one
    assert comb["statistic"] == pytest.approx(ar["statistic"])
    assert comb["p_value"] == pytest.approx(ar["p_value"])
    assert comb["per_dataset"]["a"]["p_value"] == pytest.approx(ar["p_value"])
    assert comb["per_dataset"]["b"]["p_adjusted"] == pytest.approx(min(1, 2 * ar["p_value"]))
    assert comb["level"] == "unit_within_seed" and comb["unit"] == "group"
    assert comb["n_resamples"] == 199 and comb["dataset"] == "all"
    assert tests["stratified_bootstrap"]["level"] == "seed"
    assert tests["probability_of_improvement"]["level"] == "seed"


def test_hierarchical_datasets_feed_two_level_replicates_to_the_aggregate():
    rs = load_runs(EXAMPLES, ["base", "circumplex"])
    two = compare_datasets({"a": rs, "b": rs}, "base", ["circumplex"], metrics=["accuracy"],
                           n_resamples=199, rng=1, geometry_sensitivity=False,
                           classifier_tests=False, sample_test="hierarchical",
                           margin={"accuracy": 0.2})
    agg2 = {r["test"]: r for r in two["aggregates"]}["stratified_bootstrap"]
    res = two["results"]["a"]
    d = _acc(res)["circumplex"] - _acc(res)["base"]
    agg1 = stratified_bootstrap({"a": d, "b": d}, n_resamples=199, rng=1)  # seeds only
    assert agg2["level"] == "seed_and_unit" and agg2["unit"] == "seed+group"
    assert agg2["delta"] == pytest.approx(agg1["delta"])
    # seeds and videos resampled: wider than the seeds-only interval on these runs
    assert agg2["ci_high"] - agg2["ci_low"] > agg1["ci_high"] - agg1["ci_low"]
    # it is the percentile interval of the mean of the two datasets' replicates
    null = res.sample_nulls[("circumplex", "base", "accuracy")]["null"]
    want = stratified_bootstrap({"a": d, "b": d}, replicates={"a": null, "b": null},
                                n_resamples=199, rng=1)
    assert agg2["ci_low"] == pytest.approx(want["ci_low"])
    assert "stratified_ar" not in {r["test"] for r in two["aggregates"]}
    tost = [r for r in two["records"] if r.get("method") == "tost_hierarchical"]
    assert len(tost) == 2 and tost[0]["test"] == "tost" and tost[0]["level"] == "seed_and_unit"
    # the verdict's equivalence answer comes from the TOST at the primary test's level
    v = res.verdicts.iloc[0]
    assert v["test"] == "hierarchical_bootstrap"
    assert v["p_equivalence"] == pytest.approx(tost[0]["p_value"])


def test_interquartile_mean_of_normalised_scores_from_a_toml(tmp_path):
    rs = load_runs(EXAMPLES, ["base", "circumplex"])
    f = tmp_path / "norm.toml"
    f.write_text("[a]\naccuracy = { low = 0.25, high = 1.0 }\n\n[b]\n"
                 "accuracy = { low = 0.0, high = 0.5 }\n")
    out = compare_datasets({"a": rs, "b": rs}, "base", ["circumplex"], metrics=["accuracy"],
                           n_resamples=99, rng=1, sample_test="none", geometry_sensitivity=False,
                           classifier_tests=False, normalisation=f)
    iqm = {r["condition"]: r for r in out["aggregates"] if r["test"] == "interquartile_mean"}
    assert set(iqm) == {"base", "circumplex"}
    acc = _acc(out["results"]["a"])["base"]
    z = np.r_[(acc - 0.25) / 0.75, acc / 0.5]
    # hand-worked IQM: sort the 2n values, drop the lowest and highest quarter, mean the rest
    n_cut = int(0.25 * z.size)
    assert iqm["base"]["estimate"] == pytest.approx(np.sort(z)[n_cut:z.size - n_cut].mean())
    rly = pytest.importorskip("rliable.metrics")
    assert iqm["base"]["estimate"] == pytest.approx(rly.aggregate_iqm(z[:, None]))
    assert iqm["base"]["reference"] == {"a": [0.25, 1.0], "b": [0.0, 0.5]}
    assert iqm["base"]["level"] == "none" and iqm["base"]["normalisation"] == str(f)


@pytest.mark.parametrize("text, match", [
    ("[a]\naccuracy = { low = 0.5, high = 0.5 }\n", r"norm\.toml, line 2: a\.accuracy: low and high must differ"),
    ("[a]\naccuracy = { low = 0.0 }\n", r"line 2: a\.accuracy must have exactly the keys low and high; missing \['high'\]"),
    ("[a]\n\n[a.x]\nlow = true\nhigh = 1\n", r"line 3: a\.x: low and high must be finite numbers"),
    ("[a]\naccuracy = 0.5\n", r"line 2: a\.accuracy must be \{low"),
    ("[zz]\naccuracy = { low = 0.0, high = 1.0 }\n", r"names dataset\(s\) \['zz'\] that are not compared"),
    ("[a\n", r"not valid TOML"),
])
def test_bad_normalisation_files_are_one_line_errors_naming_file_and_line(tmp_path, text, match):
    f = tmp_path / "norm.toml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=match):
        compare_datasets({"a": None, "b": None}, "base", ["circumplex"], normalisation=f)


def test_two_level_replicates_are_taken_only_where_they_answer_the_same_question():
    from types import SimpleNamespace

    from affectctl.compare.multi import _two_level

    key = ("x", "y", "m")
    good = {"test": "hierarchical_bootstrap", "level": "seed_and_unit", "statistic": 0.1,
            "null": np.zeros(10)}
    res = {"a": SimpleNamespace(sample_nulls={key: good}),
           "b": SimpleNamespace(sample_nulls={key: {**good, "level": "unit"}}),   # one seed
           "c": SimpleNamespace(sample_nulls={key: {**good, "statistic": 0.2}}),  # another Δ
           "d": SimpleNamespace(sample_nulls={key: {**good, "null": np.zeros(5)}}),  # short
           "e": SimpleNamespace(sample_nulls={})}
    obs = dict.fromkeys("abcde", 0.1)
    assert list(_two_level(res, list("abcde"), *key, 10, obs)) == ["a"]
    assert _two_level(res, list("bcde"), *key, 10, obs) is None
    d = {"a": np.array([0.1, 0.1]), "b": np.array([0.0, 0.2])}
    mixed = stratified_bootstrap(d, replicates={"a": np.zeros(10)}, n_resamples=10, rng=0)
    assert mixed["level"] == "mixed"


@pytest.mark.parametrize("margin", [0.02, 0.2])
def test_margin_gives_a_tost_over_datasets_from_the_stratified_replicates(margin):
    """With --margin the mean Δ over datasets has its own TOST: p⁻, p⁺ counted on the
    stratified bootstrap's replicates (drawn again here from the per-seed Δ), equivalent
    exactly when the 1 − 2α percentile interval lies inside ±margin."""
    rs = load_runs(EXAMPLES, ["base", "circumplex"])
    out = compare_datasets({"a": rs, "b": rs}, "base", ["circumplex"], metrics=["accuracy"],
                           n_resamples=999, rng=3, sample_test="bootstrap", margin=margin,
                           geometry_sensitivity=False, classifier_tests=False)
    (tost,) = [r for r in out["aggregates"] if r.get("method") == "tost_stratified_bootstrap"]
    m = out["results"]["a"].metrics
    acc = {c: m[(m["condition"] == c) & (m["metric"] == "accuracy")]["value"].to_numpy()
           for c in ("base", "circumplex")}
    d = acc["circumplex"] - acc["base"]
    boot = stratified_bootstrap({"a": d, "b": d}, n_resamples=999, rng=3,
                                return_null=True)["null_distribution"]
    p_lo = (1 + np.count_nonzero(boot <= -margin)) / 1000
    p_hi = (1 + np.count_nonzero(boot >= margin)) / 1000
    assert tost["test"] == "tost" and tost["dataset"] == "all" and tost["margin"] == margin
    assert tost["p_value"] == pytest.approx(max(p_lo, p_hi))
    lo, hi = np.quantile(boot, [0.05, 0.95])
    assert (tost["ci_low"], tost["ci_high"]) == pytest.approx((lo, hi))
    assert (tost["p_value"] <= 0.05) == (-margin < lo and hi < margin)
