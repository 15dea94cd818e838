"""Several benchmarks in one comparison (library level): per-dataset records and aggregates."""

from pathlib import Path

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
