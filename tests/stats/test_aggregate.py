"""Aggregates over several benchmarks, against rliable (Agarwal et al. 2021) and hand-worked cases."""

import warnings

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from affectctl.errors import ConfigError
from affectctl.stats.aggregate import (
    interquartile_mean,
    probability_of_improvement,
    stratified_bootstrap,
    stratified_randomization,
)

# rliable.metrics only: rliable.library imports arch, whose 7.2 release fails to import with
# pandas 3 (TypeError in deprecate_kwarg); the stratified bootstrap is checked in closed form
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    rly_metrics = pytest.importorskip("rliable.metrics")

RNG = np.random.default_rng(0)
A = {"aw2": RNG.normal(0.50, 0.02, 5), "an": RNG.normal(0.60, 0.03, 5)}
B = {"aw2": A["aw2"] + RNG.normal(0.02, 0.02, 5), "an": A["an"] + RNG.normal(-0.01, 0.02, 5)}


def test_probability_of_improvement_equals_rliable_and_mann_whitney():
    res = probability_of_improvement(B, A, n_resamples=999, rng=0)
    xb = np.stack([B["aw2"], B["an"]], axis=1)  # (runs, tasks)
    xa = np.stack([A["aw2"], A["an"]], axis=1)
    assert res["estimate"] == pytest.approx(rly_metrics.probability_of_improvement(xb, xa),
                                            abs=1e-12)
    u = mannwhitneyu(B["an"], A["an"], alternative="greater").statistic
    assert res["per_dataset"]["an"] == pytest.approx(u / 25)
    assert res["ci_low"] <= res["estimate"] <= res["ci_high"]


def test_probability_of_improvement_hand_worked():
    # B beats A on every pair in one dataset, ties everywhere in the other: (1 + 0.5) / 2
    res = probability_of_improvement({"x": [2.0, 3.0], "y": [1.0, 1.0]},
                                     {"x": [0.0, 1.0], "y": [1.0, 1.0]}, n_resamples=199, rng=0)
    assert res["estimate"] == 0.75
    assert res["ci_low"] == res["ci_high"] == 0.75


def test_interquartile_mean_equals_rliable_aggregate_iqm():
    ref = {"aw2": (0.125, 0.6), "an": (0.125, 0.7)}
    res = interquartile_mean(A, ref)
    z = np.stack([(A[d] - ref[d][0]) / (ref[d][1] - ref[d][0]) for d in ("aw2", "an")], axis=1)
    assert res["estimate"] == pytest.approx(rly_metrics.aggregate_iqm(z), abs=1e-12)
    # hand-worked: 8 values 1..8, the middle half 3..6 -> 4.5
    assert interquartile_mean({"d": np.arange(1.0, 9.0)}, {"d": (0, 1)})["estimate"] == 4.5


def test_stratified_bootstrap_variance_and_atoms_in_closed_form():
    # seeds resampled within each dataset: Var T* = (1/D^2) sum_d s_d^2 / n_d (plug-in s_d^2)
    d = {k: B[k] - A[k] for k in A}
    r = 20000
    res = stratified_bootstrap(d, n_resamples=r, rng=1)
    assert res["delta"] == pytest.approx(np.mean([d["aw2"].mean(), d["an"].mean()]))
    want_var = sum(np.var(x) / x.size for x in d.values()) / 4
    # the percentile interval of a near-normal T*: half-width ~ 1.96 sd
    half = (res["ci_high"] - res["ci_low"]) / 2
    assert half == pytest.approx(1.96 * np.sqrt(want_var), rel=0.1)
    # two seeds per dataset: each dataset's mean* is x1, (x1+x2)/2, x2 w.p. 1/4, 1/2, 1/4
    two = {"x": np.array([0.0, 1.0]), "y": np.array([0.0, 0.0])}
    res = stratified_bootstrap(two, n_resamples=4000, rng=2)
    # T* in {0, 0.25, 0.5}: the 2.5 % and 97.5 % points are 0 and 0.5
    assert (res["ci_low"], res["ci_high"]) == (0.0, 0.5)
    assert res["level"] == "seed"


def test_stratified_bootstrap_uses_two_level_replicates_when_given():
    d = {"x": np.array([0.1, 0.2]), "y": np.array([0.0, 0.0])}
    rep = {"x": np.full(100, 0.15), "y": np.full(100, 0.05)}
    res = stratified_bootstrap(d, replicates=rep, n_resamples=100, rng=0)
    assert res["level"] == "seed_and_unit" and res["ci_low"] == res["ci_high"] == 0.1
    assert res["delta"] == pytest.approx(0.075)
    with pytest.raises(ConfigError, match="at least 200"):
        stratified_bootstrap(d, replicates=rep, n_resamples=200, rng=0)


def test_stratified_randomization_and_holm():
    rng = np.random.default_rng(3)
    nulls = {"x": rng.normal(0, 1, 999), "y": rng.normal(0, 1, 999)}
    res = stratified_randomization({"x": 2.5, "y": 0.1}, nulls)
    px = (1 + np.count_nonzero(nulls["x"] >= 2.5)) / 1000
    assert res["per_dataset"]["x"]["p_value"] == pytest.approx(min(1, 2 * px))
    # Holm with two tests: the smaller p doubled, the larger max(itself, that)
    ps = sorted(v["p_value"] for v in res["per_dataset"].values())
    adj = sorted(v["p_adjusted"] for v in res["per_dataset"].values())
    assert adj[0] == pytest.approx(min(1, 2 * ps[0])) and adj[1] == pytest.approx(max(ps[1], adj[0]))
    comb = (nulls["x"] + nulls["y"]) / 2
    p_gt = (1 + np.count_nonzero(comb >= 1.3)) / 1000
    p_lt = (1 + np.count_nonzero(comb <= 1.3)) / 1000
    assert res["p_value"] == pytest.approx(min(1, 2 * min(p_gt, p_lt)))
