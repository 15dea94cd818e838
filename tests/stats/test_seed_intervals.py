"""Each seed-level test's interval is the test inverted: checked by enumeration and scipy."""

import itertools

import numpy as np
import pytest
from scipy import stats

from affectctl.stats import paired_ttest, signflip_test, wilcoxon_test
from affectctl.stats.seed_intervals import (
    hodges_lehmann_interval, signflip_interval, t_interval,
)


def _signed_rank_p(d, theta, side):
    """Exact one-sided signed-rank p of d − θ by enumerating the 2**n signs (no ties)."""
    x = d - theta
    r = stats.rankdata(np.abs(x))
    t_obs = r[x > 0].sum()
    sums = np.array([sum(ri for ri, s in zip(r, signs) if s)
                     for signs in itertools.product((0, 1), repeat=len(x))])
    return np.mean(sums >= t_obs - 1e-9) if side == "greater" else np.mean(sums <= t_obs + 1e-9)


@pytest.mark.parametrize("n", [5, 7, 9])
def test_hodges_lehmann_interval_is_the_inverted_signed_rank_test(n):
    rng = np.random.default_rng(n)
    d = rng.normal(0.02, 0.03, n)
    iv = hodges_lehmann_interval(d, 0.95)
    walsh = [(d[i] + d[j]) / 2 for i in range(n) for j in range(i, n)]
    assert iv.estimate == pytest.approx(np.median(walsh))
    tail = (1 - iv.interval.confidence) / 2
    # inside the interval no one-sided p is at most the achieved tail; just outside one is
    eps = 1e-9
    for theta in (iv.interval.low + eps, iv.interval.high - eps, iv.estimate):
        assert _signed_rank_p(d, theta, "greater") > tail - 1e-12
        assert _signed_rank_p(d, theta, "less") > tail - 1e-12
    assert _signed_rank_p(d, iv.interval.low - eps, "greater") <= tail + 1e-12
    assert _signed_rank_p(d, iv.interval.high + eps, "less") <= tail + 1e-12


def test_hodges_lehmann_levels_as_r():
    # R: wilcox.test(x, conf.int = TRUE) with n = 5 cannot reach 95%: it returns
    # [min, max] of the Walsh averages at 1 - 2/32 = 0.9375 ("requested conf.level not
    # achievable"); n = 10: qsignrank(0.025, 10) = 9, level 1 - 2 psignrank(8, 10)
    d5 = np.array([0.01, 0.03, -0.02, 0.05, 0.04])
    iv = hodges_lehmann_interval(d5)
    assert (iv.interval.low, iv.interval.high, iv.interval.confidence) == (d5.min(), d5.max(), 0.9375)
    d10 = np.linspace(-0.3, 1.2, 10) ** 3
    iv = hodges_lehmann_interval(d10)
    w = np.sort([(d10[i] + d10[j]) / 2 for i in range(10) for j in range(i, 10)])
    n_low = sum(1 for signs in itertools.product((0, 1), repeat=10)
                if sum(r for r, s in zip(range(1, 11), signs) if s) <= 8)
    assert n_low == 25                                  # psignrank(8, 10) = 25/1024
    assert iv.interval.confidence == 1 - 2 * 25 / 1024
    assert (iv.interval.low, iv.interval.high) == (w[8], w[-9])     # R: diffs[qu], diffs[N - qu + 1]


def _signflip_p(d, theta, side):
    res = signflip_test(d - theta, np.zeros_like(d), alternative=side, alpha=None)
    return res.pvalue


@pytest.mark.parametrize("n", [5, 6, 8])
def test_signflip_interval_is_the_inverted_signflip_test(n):
    rng = np.random.default_rng(10 + n)
    d = rng.normal(0.01, 0.02, n)
    iv = signflip_interval(d, 0.9 if n < 6 else 0.95)
    tail = (1 - iv.interval.confidence) / 2
    eps = 1e-9
    # at θ inside the interval the two-sided sign-flip test keeps θ; just outside it rejects
    for theta in (iv.interval.low + eps, iv.interval.high - eps, d.mean()):
        assert min(_signflip_p(d, theta, "greater"), _signflip_p(d, theta, "less")) > tail
    assert _signflip_p(d, iv.interval.low - eps, "greater") <= tail + 1e-12
    assert _signflip_p(d, iv.interval.high + eps, "less") <= tail + 1e-12


def test_five_seeds_signflip_interval_is_the_widest_finite_one():
    d = np.array([0.01, 0.03, -0.02, 0.05, 0.04])
    iv = signflip_interval(d)
    assert (iv.interval.low, iv.interval.high, iv.interval.confidence) == (d.min(), d.max(), 1 - 2 / 32)


def test_t_interval_equals_scipy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(0.6, 0.02, 6), rng.normal(0.59, 0.02, 6)
    ci = stats.ttest_rel(a, b).confidence_interval(0.9)
    iv = t_interval(a - b, 0.9)
    assert (iv.interval.low, iv.interval.high) == pytest.approx((ci.low, ci.high), rel=1e-12)


def test_each_test_reports_its_own_interval():
    a = np.array([0.61, 0.62, 0.60, 0.64, 0.63, 0.65, 0.66])
    b = np.array([0.60, 0.60, 0.61, 0.61, 0.60, 0.61, 0.62])
    w, s, t = wilcoxon_test(a, b), signflip_test(a, b), paired_ttest(a, b)
    assert (w.ci_method, s.ci_method, t.ci_method) == (
        "hodges_lehmann_walsh", "signflip_inversion", "student_t")
    assert w.estimate == pytest.approx(hodges_lehmann_interval(a - b).estimate)
    assert (w.ci_low, w.ci_high) == (hodges_lehmann_interval(a - b).interval.low,
                                     hodges_lehmann_interval(a - b).interval.high)
    assert (s.ci_low, s.ci_high) == (signflip_interval(a - b).interval.low,
                                     signflip_interval(a - b).interval.high)
    ci = stats.ttest_rel(a, b).confidence_interval()
    assert (t.ci_low, t.ci_high) == pytest.approx((ci.low, ci.high))
    # the p-value and the interval agree: p <= 1 - level exactly when 0 is outside
    for r in (w, s):
        outside = not (r.ci_low <= 0 <= r.ci_high)
        assert outside == (r.pvalue <= 1 - r.confidence + 1e-12)


def test_monte_carlo_signflip_interval_beyond_twenty_seeds():
    rng = np.random.default_rng(5)
    d = rng.normal(0.01, 0.02, 24)
    iv = signflip_interval(d, 0.95, n_resamples=4999, gen=np.random.default_rng(1))
    assert not iv.interval.exact and iv.interval.low < d.mean() < iv.interval.high
    # close to the t interval for roughly normal differences
    t = t_interval(d)
    assert iv.interval.low == pytest.approx(t.interval.low, abs=0.004)
    assert iv.interval.high == pytest.approx(t.interval.high, abs=0.004)


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_diffs = st.lists(st.floats(-1, 1, allow_nan=False, width=32), min_size=2, max_size=9).map(np.array)


@settings(max_examples=60, deadline=None)
@given(d=_diffs, shift=st.floats(-1, 1, allow_nan=False, width=32))
def test_intervals_bracket_their_estimate_and_move_with_a_shift(d, shift):
    for f in (hodges_lehmann_interval, signflip_interval, t_interval):
        iv = f(d)
        assert iv.interval.low <= iv.estimate + 1e-12 and iv.estimate <= iv.interval.high + 1e-12
        moved = f(d + shift)               # equivariant: the interval of d + c is the interval + c
        assert moved.interval.low == pytest.approx(iv.interval.low + shift, abs=1e-9)
        assert moved.interval.high == pytest.approx(iv.interval.high + shift, abs=1e-9)
        assert moved.interval.confidence == iv.interval.confidence
