"""Two-level (seeds x units) paired bootstrap: checks against a brute-force resampler,
the variance decomposition, the one-seed fallback, and small calibration simulations."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom
from sklearn.metrics import f1_score

from affectctl.errors import DegenerateDataWarning, PairingError
from affectctl.stats.samples import (
    PairedPredictions,
    hierarchical_bootstrap,
    metric_value,
    paired_bootstrap,
    seed_correction,
    two_level_interval,
    variance_components,
)
from affectctl.stats.samples._simulation import seed_video_strata


def _strata(seed=0, **kw):
    return seed_video_strata(np.random.default_rng(seed), **kw)


def test_delta_is_the_mean_over_seeds_of_the_metric_difference_sklearn():
    st = _strata(n_seeds=4, n_videos=12, n_frames=8, n_classes=4, sd_seed=0.05)
    res = hierarchical_bootstrap(st, "expr_macro_f1", n_resamples=99, rng=0, alpha=None)
    want = np.mean([f1_score(s.y_true, s.pred_a, average="macro")
                    - f1_score(s.y_true, s.pred_b, average="macro") for s in st])
    assert res.delta == pytest.approx(want, abs=1e-12)
    assert res.seed_deltas == pytest.approx(
        [metric_value(s, "expr_macro_f1") - metric_value(s, "expr_macro_f1", system="b")
         for s in st], abs=1e-12)


def _brute_force(st, r, rng):
    """Crossed two-level bootstrap of the accuracy difference, one replicate at a time,
    the seed-level deviation (resampled seeds' mean minus all seeds' mean on the same
    units) multiplied by sqrt(S / (S - 1))."""
    s_n, g = len(st), int(st[0].group.max()) + 1
    frames = [np.flatnonzero(st[0].group == v) for v in range(g)]
    out = np.empty(r)
    for i in range(r):
        seeds = rng.integers(0, s_n, s_n)
        rows = np.concatenate([frames[v] for v in rng.integers(0, g, g)])
        d = np.array([np.mean(st[s].pred_a[rows] == st[s].y_true[rows])
                      - np.mean(st[s].pred_b[rows] == st[s].y_true[rows]) for s in range(s_n)])
        out[i] = d.mean() + np.sqrt(s_n / (s_n - 1)) * (d[seeds].mean() - d.mean())
    return out


def test_replicates_match_a_brute_force_resampler_in_distribution():
    # equal frames per video: accuracy of a resample is the mean over resampled frames
    st = _strata(n_seeds=5, n_videos=15, n_frames=6, sd_seed=0.05, sd_video=0.05)
    res = hierarchical_bootstrap(st, "accuracy", n_resamples=4000, rng=1, return_null=True,
                                 alpha=None)
    brute = _brute_force(st, 2000, np.random.default_rng(2))
    ours = res.null_distribution
    se_mean = np.sqrt(ours.var() / ours.size + brute.var() / brute.size)
    assert abs(ours.mean() - brute.mean()) < 4 * se_mean
    # sd of a sample sd ~ sd / sqrt(2n); 4 of those
    assert ours.std() == pytest.approx(brute.std(), rel=4 / np.sqrt(2 * 2000))
    # the naive independent-per-seed resampler would give a smaller spread: the test can fail
    assert res.ci_high - res.ci_low > 0


def test_variance_components_sum_to_the_variance_of_the_replicates():
    st = _strata(n_seeds=5, n_videos=20, n_frames=10, sd_seed=0.05, sd_video=0.05)
    res = hierarchical_bootstrap(st, "accuracy", n_resamples=4000, rng=3, return_null=True,
                                 alpha=None)
    total = res.variance["seed"] + res.variance["sample"]
    v = res.null_distribution.var(ddof=1)
    assert total == pytest.approx(v, rel=4 * np.sqrt(2 / 4000) + 0.02)
    assert res.variance_share["seed"] + res.variance_share["sample"] == pytest.approx(1.0)
    assert 0 <= res.variance_share["seed"] <= 1


def test_variance_components_closed_form():
    # C = I/2, mu = (0, 2), S = 2: V_seed = ((-1)^2 + 1^2) / 4 = 0.5;
    # tr C = 1, 1'C1 = 1: V_sample = (1 - 1/2 + 1) / 4 = 0.375
    v = variance_components(np.array([0.0, 2.0]), 0.5 * np.eye(2))
    assert v == {"seed": 0.5, "sample": pytest.approx(0.375)}
    # all seeds identical: the whole variance is the units'
    v = variance_components(np.array([1.0, 1.0, 1.0]), np.ones((3, 3)))
    assert v["seed"] == 0.0 and v["sample"] == pytest.approx(1.0)


def test_seed_share_tracks_the_simulated_source():
    seedy = hierarchical_bootstrap(_strata(4, sd_seed=0.1, n_frames=40), "accuracy",
                                   n_resamples=999, rng=0, alpha=None)
    videoy = hierarchical_bootstrap(_strata(4, sd_video=0.1, n_frames=40), "accuracy",
                                    n_resamples=999, rng=0, alpha=None)
    assert seedy.variance_share["seed"] > 0.7
    assert videoy.variance_share["sample"] > 0.7


def test_wider_than_the_seed_stratified_bootstrap_when_seeds_vary():
    st = _strata(5, sd_seed=0.08, n_frames=20)
    h = hierarchical_bootstrap(st, "accuracy", n_resamples=999, rng=0, alpha=None)
    b = paired_bootstrap(st, "accuracy", n_resamples=999, rng=0, alpha=None)
    assert h.ci_high - h.ci_low > 1.5 * (b.ci_high - b.ci_low)


def test_identical_systems_give_a_zero_interval_and_undefined_shares():
    st = [PairedPredictions(s.y_true, s.pred_a, s.pred_a, s.n_classes, group=s.group)
          for s in _strata(6)]
    res = hierarchical_bootstrap(st, "accuracy", n_resamples=99, rng=0, alpha=None)
    assert res.delta == 0 and res.ci_low == 0 and res.ci_high == 0 and res.pvalue == 1.0
    assert all(np.isnan(v) for v in res.variance_share.values())


def test_one_seed_falls_back_to_the_unit_level_and_says_why():
    st = _strata(7, n_seeds=1)
    res = hierarchical_bootstrap(st, "accuracy", n_resamples=999, rng=0, alpha=None)
    b = paired_bootstrap(st, "accuracy", n_resamples=999, rng=0, alpha=None)
    assert res.level == "unit" and "1 seed" in res.note
    assert np.isnan(res.variance_share["seed"])
    assert res.ci_high - res.ci_low == pytest.approx(b.ci_high - b.ci_low, rel=0.15)


def test_deterministic_and_p_consistent_with_the_interval():
    st = _strata(8, delta=0.15, n_frames=20)
    r1 = hierarchical_bootstrap(st, "accuracy", n_resamples=499, rng=5, alpha=None)
    r2 = hierarchical_bootstrap(st, "accuracy", n_resamples=499, rng=5, alpha=None)
    assert r1.to_record() == r2.to_record()
    assert (r1.pvalue <= 0.05) == (r1.ci_low > 0 or r1.ci_high < 0)
    rec = r1.to_record()
    assert rec["test"] == "hierarchical_bootstrap" and rec["unit"] == "group"
    assert rec["level"] == "seed_and_unit" and rec["ci_method"] == "two_level_t"


def test_sample_unit_count_metric_uses_the_same_samples_for_every_seed():
    st = _strata(9, n_seeds=3, n_videos=10, n_frames=10)
    res = hierarchical_bootstrap(st, "expr_macro_f1", unit="sample", n_resamples=199, rng=0,
                                 alpha=None)
    assert res.n == 100 and res.unit == "sample" and np.isfinite(res.ci_low)
    bad = [st[0], PairedPredictions(st[1].y_true[::-1], st[1].pred_a, st[1].pred_b, 3,
                                    group=st[1].group)]
    with pytest.raises(PairingError, match="same samples"):
        hierarchical_bootstrap(bad, "accuracy", unit="sample", n_resamples=99, rng=0)


def test_seeds_on_different_videos_are_refused():
    st = _strata(10, n_seeds=2)
    other = PairedPredictions(st[1].y_true, st[1].pred_a, st[1].pred_b, 3,
                              group=st[1].group + 100)
    with pytest.raises(PairingError, match="same videos"):
        hierarchical_bootstrap([st[0], other], "accuracy", n_resamples=99, rng=0)


# ------------------------------------------------------------------------------------------
# calibration (small but able to fail; benchmarks/bench_hierarchical.py --calibration is longer)

def _simulate(n_sim, *, stratified=False, **kw):
    rng = np.random.default_rng(20261206)
    cover_h = cover_s = reject = 0
    delta = kw.get("delta", 0.0)
    for i in range(n_sim):
        st = seed_video_strata(rng, **kw)
        h = hierarchical_bootstrap(st, "accuracy", n_resamples=199, rng=i, alpha=None)
        cover_h += h.ci_low <= delta <= h.ci_high
        reject += h.pvalue <= 0.05
        if stratified:
            b = paired_bootstrap(st, "accuracy", n_resamples=199, rng=i, alpha=None)
            cover_s += b.ci_low <= delta <= b.ci_high
    return cover_h / n_sim, cover_s / n_sim, reject / n_sim


def test_type_one_error_and_coverage_with_seed_and_video_effects():
    n = 200
    cover, _, rej = _simulate(n, n_seeds=5, n_videos=30, n_frames=10, sd_seed=0.02,
                              sd_video=0.05)
    # not anti-conservative: at most the upper end of the 99% binomial interval of 0.05
    assert rej <= binom.ppf(0.995, n, 0.05) / n
    assert cover >= 0.94


def test_seed_stratified_bootstrap_under_covers_when_seed_variance_dominates():
    n = 100
    cover_h, cover_s, rej = _simulate(n, stratified=True, n_seeds=5, n_videos=30, n_frames=10,
                                      sd_seed=0.08)
    assert cover_s < 0.7          # the known failure: seeds held fixed
    # two-level with the small-seed correction: the uncorrected percentile interval covered
    # 0.90 here (0.88 in this smaller run) and rejected 0.095 (benchmarks, 400 simulations)
    assert cover_h >= 0.93
    assert rej <= binom.ppf(0.995, n, 0.05) / n


# ------------------------------------------------------------------------------------------
# the small-seed correction, by hand

def test_two_level_interval_is_the_paired_t_test_when_the_seeds_carry_all_the_variance():
    from scipy.stats import ttest_rel

    xa = np.array([0.61, 0.64, 0.58, 0.66, 0.63])
    xb = np.array([0.60, 0.59, 0.57, 0.61, 0.60])
    d = xa - xb
    s = d.size
    # plug-in seed variance of the bootstrap, times S/(S-1): the unbiased var(d)/S
    v = variance_components(d, np.zeros((s, s)), small_sample=True)
    assert v["seed"] == pytest.approx(d.var(ddof=1) / s) and v["sample"] == 0
    assert seed_correction(s) ** 2 == pytest.approx(5 / 4)
    got = two_level_interval(d.mean(), v["seed"], 0.0, s, 30)
    ref = ttest_rel(xa, xb)
    ci = ref.confidence_interval(0.95)
    assert got["df"] == 4 and got["pvalue"] == pytest.approx(ref.pvalue)
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((ci.low, ci.high))
    one = two_level_interval(d.mean(), v["seed"], 0.0, s, 30, alternative="greater")
    assert one["pvalue"] == pytest.approx(ttest_rel(xa, xb, alternative="greater").pvalue)


def test_satterthwaite_degrees_of_freedom_and_corrected_components_by_hand():
    # A = B = 1, S = 5, U = 11: nu = (1 + 1)^2 / (1/4 + 1/10) = 4 / 0.35
    got = two_level_interval(0.0, 1.0, 1.0, 5, 11)
    assert got["df"] == pytest.approx(4 / 0.35) and got["se"] == pytest.approx(np.sqrt(2))
    assert got["pvalue"] == 1.0
    # only shared units: U - 1 df
    assert two_level_interval(0.3, 0.0, 0.01, 5, 11)["df"] == pytest.approx(10)
    # C = I/2, mu = (0, 2), S = 2, k^2 = 2: seed 2 * 0.5 = 1;
    # W = (1 - 1/2)/4 = 0.125, 1'C1/S^2 = 0.25: sample 2 * 0.125 + 0.25 = 0.5
    v = variance_components(np.array([0.0, 2.0]), 0.5 * np.eye(2), small_sample=True)
    assert v == {"seed": pytest.approx(1.0), "sample": pytest.approx(0.5)}


def test_reported_se_matches_the_corrected_replicates():
    st = _strata(n_seeds=5, n_videos=20, n_frames=10, sd_seed=0.05, sd_video=0.05)
    res = hierarchical_bootstrap(st, "accuracy", n_resamples=4000, rng=3, return_null=True,
                                 alpha=None)
    assert res.se ** 2 == pytest.approx(res.null_distribution.var(ddof=1), rel=0.1)
    assert res.ci_high - res.delta == pytest.approx(res.delta - res.ci_low)
    assert 4 <= res.df


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), n_seeds=st.integers(2, 4), n_videos=st.integers(3, 8))
def test_swapping_the_systems_mirrors_the_result(seed, n_seeds, n_videos):
    strata = _strata(seed, n_seeds=n_seeds, n_videos=n_videos, n_frames=3, sd_seed=0.1,
                     sd_video=0.1)
    swapped = [PairedPredictions(s.y_true, s.pred_b, s.pred_a, s.n_classes, group=s.group)
               for s in strata]
    kw = dict(n_resamples=99, rng=seed, alpha=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        r = hierarchical_bootstrap(strata, "expr_macro_f1", **kw)
        s = hierarchical_bootstrap(swapped, "expr_macro_f1", **kw)
    assert s.delta == pytest.approx(-r.delta, abs=1e-12)
    if np.isfinite(r.ci_low):
        assert s.ci_low == pytest.approx(-r.ci_high, abs=1e-12)
        assert s.pvalue == pytest.approx(r.pvalue)
    share = r.variance_share
    if np.isfinite(share["seed"]):
        assert 0 <= share["seed"] <= 1 and share["seed"] + share["sample"] == pytest.approx(1)
        assert s.variance_share["seed"] == pytest.approx(share["seed"])
