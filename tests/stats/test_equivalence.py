"""TOST and non-inferiority: statsmodels, enumeration, duality with the interval, calibration."""

import itertools

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.weightstats import ttost_paired

from affectctl.errors import ConfigError
from affectctl.stats.equivalence import tost_bootstrap, tost_paired_t, tost_signflip


@pytest.mark.parametrize("shift,margin", [(0.0, 0.02), (0.01, 0.02), (0.03, 0.02), (-0.015, 0.01)])
def test_paired_t_tost_equals_statsmodels(shift, margin):
    rng = np.random.default_rng(int(1000 * (shift + 1)))
    b = rng.normal(0.6, 0.02, 6)
    a = b + shift + rng.normal(0, 0.01, 6)
    res = tost_paired_t(a, b, margin)
    p, (t1, p1, df1), (t2, p2, df2) = ttost_paired(a, b, -margin, margin)
    assert res.test == "tost" and res.method == "tost_paired_t"
    assert res.pvalue == pytest.approx(p, rel=1e-10)
    assert (res.p_lower, res.p_upper) == pytest.approx((p1, p2), rel=1e-10)
    # non-inferiority: one of the two one-sided tests
    ni = tost_paired_t(a, b, margin, alternative="greater")
    assert ni.test == "non_inferiority" and ni.pvalue == pytest.approx(p1, rel=1e-10)
    assert tost_paired_t(a, b, margin, alternative="less").pvalue == pytest.approx(p2, rel=1e-10)
    # duality: p < alpha exactly when the 1 - 2 alpha t interval lies inside the margins
    assert (res.pvalue < 0.05) == (-margin < res.ci_low and res.ci_high < margin)


def _enumerated_p(x, side):
    obs = x.mean()
    null = np.array([np.mean(np.array(s) * x) for s in itertools.product((1, -1), repeat=len(x))])
    return np.mean(null >= obs - 1e-12) if side == "greater" else np.mean(null <= obs + 1e-12)


def test_signflip_tost_by_enumeration():
    d = np.array([0.004, -0.006, 0.002, 0.003, -0.001, 0.005])
    res = tost_signflip(d, np.zeros_like(d), 0.01)
    assert res.exact
    assert res.p_lower == pytest.approx(_enumerated_p(d + 0.01, "greater"))
    assert res.p_upper == pytest.approx(_enumerated_p(d - 0.01, "less"))
    assert res.pvalue == max(res.p_lower, res.p_upper) == 1 / 64   # all seeds inside: the floor
    assert res.min_pvalue == 1 / 64
    # 5 seeds: the TOST can reach 0.05 (floor 1/32) where the test of no difference cannot
    five = tost_signflip(d[:5], np.zeros(5), 0.01)
    assert five.pvalue == 1 / 32 < 0.05


def test_bootstrap_tost_is_the_percentile_interval_inverted():
    rng = np.random.default_rng(0)
    for _ in range(50):
        boot = rng.normal(rng.uniform(-0.02, 0.02), rng.uniform(0.002, 0.01), 999)
        res = tost_bootstrap(boot, boot.mean(), 0.015, n=100, alpha=0.05)
        inside = -0.015 < res.ci_low and res.ci_high < 0.015
        assert (res.pvalue <= 0.05) == inside or abs(res.pvalue - 0.05) < 2e-3
        assert res.pvalue == max(res.p_lower, res.p_upper)


def test_bad_margin_is_refused():
    for bad in (0, -0.1, float("nan"), "0.1", True):
        with pytest.raises(ConfigError, match="`margin` must be a positive number"):
            tost_paired_t([1.0, 2.0], [1.0, 1.5], bad)


def _binomial_upper(k, n, level=0.99):
    return stats.binomtest(k, n).proportion_ci(level).high


def test_seed_level_tost_calibration_at_the_margin():
    """True difference = margin: rejection at most alpha (within its binomial interval)."""
    rng = np.random.default_rng(20261206)
    reps, n, margin, alpha = 800, 6, 0.01, 0.05
    d = margin + rng.normal(0, 0.01, (reps, n))
    rej_t = sum(tost_paired_t(x, np.zeros(n), margin).pvalue <= alpha for x in d)
    assert rej_t / reps <= alpha or stats.binomtest(rej_t, reps).proportion_ci(0.99).low <= alpha
    rej_s = sum(tost_signflip(x, np.zeros(n), margin).pvalue <= alpha for x in d[:200])
    assert stats.binomtest(rej_s, 200).proportion_ci(0.99).low <= alpha
    # power at zero difference with more seeds
    d0 = rng.normal(0, 0.004, (200, 10))
    power = np.mean([tost_paired_t(x, np.zeros(10), margin).pvalue <= alpha for x in d0])
    assert power > 0.8, f"paired-t TOST power at 0 difference, 10 seeds: {power:.2f}"


def test_bootstrap_tost_calibration_on_samples():
    """Paired bootstrap TOST over samples (accuracy): size at the margin, power at 0."""
    from affectctl.stats import PairedPredictions, paired_bootstrap

    rng = np.random.default_rng(7)
    n, margin, alpha, reps = 10000, 0.03, 0.05, 120

    def trial(delta):
        y = np.zeros(n, dtype=np.int64)
        u = rng.random(n)
        pa = np.where(u < 0.6 + delta, 0, 1)            # a correct with 0.6 + delta
        pb = np.where(rng.random(n) < 0.6, 0, 1)
        st = PairedPredictions(y_true=y, pred_a=pa, pred_b=pb, n_classes=2)
        boot = paired_bootstrap([st], "accuracy", unit="sample", n_resamples=399, rng=rng,
                                return_null=True, alpha=None)
        return tost_bootstrap(boot.null_distribution, boot.mean_diff, margin, n=n).pvalue <= alpha

    size = sum(trial(margin) for _ in range(reps))
    assert stats.binomtest(size, reps).proportion_ci(0.99).low <= alpha, size / reps
    power = np.mean([trial(0.0) for _ in range(40)])
    assert power > 0.7, f"bootstrap TOST power at 0 difference, n={n}: {power:.2f}"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(d=st.lists(st.floats(-0.05, 0.05, allow_nan=False), min_size=3, max_size=8),
       m1=st.floats(0.001, 0.05), m2=st.floats(0.001, 0.05))
def test_a_wider_margin_never_makes_equivalence_harder(d, m1, m2):
    d = np.array(d)
    lo, hi = sorted((m1, m2))
    for f in (tost_paired_t, tost_signflip):
        assert f(d, np.zeros_like(d), hi).pvalue <= f(d, np.zeros_like(d), lo).pvalue + 1e-12
    # swapping a and b leaves the TOST p unchanged (the margins are symmetric)
    assert tost_paired_t(d, np.zeros_like(d), lo).pvalue == pytest.approx(
        tost_paired_t(np.zeros_like(d), d, lo).pvalue)


# -- two-level TOST (tost_hierarchical) -- #

def test_tost_hierarchical_is_the_paired_t_tost_when_the_seeds_carry_all_the_variance():
    from affectctl.stats.equivalence import tost_hierarchical, tost_paired_t

    xa = np.array([0.61, 0.64, 0.58, 0.66, 0.63])
    xb = np.array([0.60, 0.59, 0.57, 0.61, 0.60])
    d = xa - xb
    se = d.std(ddof=1) / np.sqrt(5)
    got = tost_hierarchical(d.mean(), se, 4.0, 0.05, n=30, n_seeds=5)
    ref = tost_paired_t(xa, xb, 0.05)
    assert got.method == "tost_hierarchical" and got.test == "tost"
    assert got.pvalue == pytest.approx(ref.pvalue)
    assert (got.p_lower, got.p_upper) == pytest.approx((ref.p_lower, ref.p_upper))
    assert (got.ci_low, got.ci_high) == pytest.approx((ref.ci_low, ref.ci_high))
    # interval inclusion: rejected at alpha exactly when the 1 - 2 alpha interval is inside
    for m in (0.02, 0.04, 0.06, 0.1):
        r = tost_hierarchical(d.mean(), se, 4.0, m, n=30, n_seeds=5)
        assert (r.pvalue <= 0.05) == (-m < r.ci_low and r.ci_high < m)


def _two_level_tost(n_sim, delta, margin, sd_seed, seed=7):
    from affectctl.stats.equivalence import tost_hierarchical
    from affectctl.stats.samples import hierarchical_bootstrap
    from affectctl.stats.samples._simulation import seed_video_strata

    rng = np.random.default_rng(seed)
    rej = 0
    for i in range(n_sim):
        st = seed_video_strata(rng, n_seeds=5, n_videos=30, n_frames=10, delta=delta,
                               sd_seed=sd_seed, sd_video=0.02)
        h = hierarchical_bootstrap(st, "accuracy", n_resamples=99, rng=i, alpha=None)
        rej += tost_hierarchical(h.delta, h.se, h.df, margin, n=h.n, n_seeds=5).pvalue <= 0.05
    return rej / n_sim


def test_tost_hierarchical_holds_its_level_at_the_margin_and_finds_equivalence():
    from scipy.stats import binom

    n = 80
    at_margin = _two_level_tost(n, delta=0.06, margin=0.06, sd_seed=0.03)
    assert at_margin <= binom.ppf(0.995, n, 0.05) / n      # true Δ on the margin: H0 holds
    inside = _two_level_tost(40, delta=0.0, margin=0.15, sd_seed=0.02)
    assert inside >= 0.8                                   # equivalent systems: found so
