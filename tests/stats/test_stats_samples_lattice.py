"""Sample-level tests on lattice data (ties, one-hot costs, counts) against exact oracles.

References used below:
* the exact two-sided binomial test (scipy.stats.binomtest) on the discordant samples: with
  one true class, two predicted classes and one-hot probabilities, the expected cost is the
  error rate times one cost, and the AR null of the difference is exactly the binomial
  distribution of the discordant samples (issue 23's oracle case, scaled down; the full
  case, 10**6 samples, is in benchmarks/bench_stats.py --lattice);
* complete enumeration of the 2**m swap sets of the m discordant samples (a cost matrix
  with three values);
* the closed-form mean and variance of a bootstrap mean, T and var_pop(e) / n.

Monte-Carlo tolerances are 4 standard errors of the p-value, sqrt(p (1 - p) / R) for
each tail: a planted bias of 0.15 null standard deviations (what the 16-bit grid did)
moves the p-value near 0.05 by about 0.012, 10 standard errors at R = 40,000.
"""

import itertools

import numpy as np
import pytest
from scipy import stats

from affectctl.stats.samples import (
    MetricContext,
    PairedPredictions,
    _gaussian,
    approximate_randomization,
    paired_bootstrap,
)
from affectctl.stats.samples._ties import HalfBinomials, TiedRows

R = 40_000


def binomial_case(n, n_discordant, a_errors):
    """Truth all class 0; A wrong on ``a_errors`` discordant samples, B on the others."""
    y = np.zeros(n, int)
    pa, pb = np.zeros(n, int), np.zeros(n, int)
    pa[:a_errors] = 1
    pb[a_errors:n_discordant] = 1
    eye = np.eye(2)
    return (PairedPredictions(y, pa, pb, 2, proba_a=eye[pa], proba_b=eye[pb]),
            MetricContext(cost=1.0 - np.eye(2)))


def assert_within_mc(p, ref, r):
    se = 2 * np.sqrt(max(ref / 2, 1 / r) * (1 - ref / 2) / r)  # two-sided: 2 x one tail
    assert abs(p - ref) <= 4 * se, (p, ref, se)


# -- the binomial oracle -------------------------------------------------------------------- #

@pytest.mark.parametrize("a_errors", [469, 531])   # A better, A worse
@pytest.mark.parametrize("sums", ["exact", "auto"])
def test_ar_of_expected_cost_is_the_binomial_test(sums, a_errors):
    """70,000 samples (above the Gaussian path's 2**16), 1,000 discordant: binomial p = 0.054."""
    data, ctx = binomial_case(70_000, 1000, a_errors)
    ref = stats.binomtest(a_errors, 1000).pvalue
    res = approximate_randomization(data, "expected_cost", unit="sample", n_resamples=R, rng=7,
                                    context=ctx, alpha=None, sums=sums)
    assert_within_mc(res.pvalue, ref, R)
    assert res.statistic == pytest.approx((a_errors - (1000 - a_errors)) / 70_000, rel=1e-12)
    if sums == "auto":
        assert "Gaussian sums were declined: a feature column takes 3 distinct values" in res.note


@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_one_sided_ar_is_the_one_sided_binomial_test(alternative):
    data, ctx = binomial_case(5_000, 400, 221)
    res = approximate_randomization(data, "expected_cost", unit="sample", n_resamples=R, rng=3,
                                    context=ctx, alpha=None, alternative=alternative)
    # 'greater': A's cost above B's, i.e. many A errors
    ref = stats.binomtest(221, 400, alternative=alternative).pvalue
    se = np.sqrt(ref * (1 - ref) / R)
    assert abs(res.pvalue - ref) <= 4 * se + 1 / R, (res.pvalue, ref)


def test_bootstrap_of_the_binomial_case_lies_on_the_lattice_with_the_closed_form_moments():
    """Bootstrap replicate = (1/n) sum_i w_i e_i, e_i in {-1, 0, 1}: n T* is an integer, its mean
    is n T and its variance n var_pop(e)."""
    n = 70_000
    data, ctx = binomial_case(n, 1000, 469)
    e = np.zeros(n)
    e[:469], e[469:1000] = 1.0, -1.0
    for sums in ("exact", "auto"):
        res = paired_bootstrap(data, "expected_cost", unit="sample", n_resamples=20_000, rng=2,
                               context=ctx, alpha=None, return_null=True, sums=sums)
        t = res.null_distribution * n
        np.testing.assert_allclose(t, np.rint(t), rtol=0, atol=1e-6)
        var = n * e.var()
        assert t.mean() == pytest.approx(e.sum(), abs=4 * np.sqrt(var / 20_000))
        assert t.var() == pytest.approx(var, rel=4 * np.sqrt(2 / 20_000))


# -- a cost matrix with three values: enumeration --------------------------------------------- #

def three_cost_case():
    rng = np.random.default_rng(5)
    k, n, m = 3, 300, 14
    cost = np.array([[0.0, 1.0, 3.0], [1.0, 0.0, 2.0], [3.0, 2.0, 0.0]])  # costs 1, 2, 3
    y = rng.integers(0, k, n)
    pa = y.copy()
    pb = y.copy()
    idx = rng.choice(n, m, replace=False)
    pa[idx[:9]] = (y[idx[:9]] + 1) % k       # A wrong on 9, B on 5 others, both on none
    pb[idx[9:]] = (y[idx[9:]] + 2) % k
    eye = np.eye(k)
    data = PairedPredictions(y, pa, pb, k, proba_a=eye[pa], proba_b=eye[pb])
    d = cost[y, pb] - cost[y, pa]            # B - A per sample
    return data, MetricContext(cost=cost), d, n


def test_ar_with_three_cost_values_matches_enumeration():
    data, ctx, d, n = three_cost_case()
    dd = d[d != 0]
    assert np.unique(np.abs(dd)).tolist() == [1.0, 2.0, 3.0]
    t_obs = -dd.sum() / n                    # metric(A) - metric(B)
    signs = np.array(list(itertools.product((0, 1), repeat=dd.shape[0])), dtype=float)
    null = t_obs + 2 * (signs @ dd) / n      # a swap adds d to A's sum and takes it from B's
    eps = 1e-12
    p_gt, p_lt = np.mean(null >= t_obs - eps), np.mean(null <= t_obs + eps)
    ref = min(1.0, 2 * min(p_gt, p_lt))
    for sums in ("exact", "auto"):
        res = approximate_randomization(data, "expected_cost", unit="sample", n_resamples=R,
                                        rng=11, context=ctx, alpha=None, sums=sums,
                                        return_null=True)
        assert res.statistic == pytest.approx(t_obs, rel=1e-12)
        assert_within_mc(res.pvalue, ref, R)
        support = np.unique(np.round(null * n, 9))
        assert np.isin(np.round(res.null_distribution * n, 9), support).all()


# -- nothing rounds tied features ------------------------------------------------------------- #

@pytest.mark.parametrize("unit", ["sample", "group"])
def test_no_path_rounds_tied_features(unit):
    """Differences -c, 0, +c with c = 0.1234567 (off every dyadic grid), on 2**16 + 100 samples
    (above the old 2**15 float32 / bit-plane threshold and the Gaussian path's threshold).
    Every replicate of n T / c must be an integer to float64 precision: a grid or float32
    rounding shared by the tied units would show as a common offset."""
    n, c = 2**16 + 100, 0.1234567
    rng = np.random.default_rng(9)
    y = np.zeros(n, int)
    who = rng.integers(0, 3, n)                 # 0: both right, 1: A wrong, 2: B wrong
    pa, pb = (who == 1).astype(int), (who == 2).astype(int)
    pa[:3], pb[:3] = 1, 1                        # a few samples both wrong
    eye = np.eye(2)
    data = PairedPredictions(y, pa, pb, 2, proba_a=eye[pa], proba_b=eye[pb],
                             group=np.arange(n) // 4 if unit == "group" else None)
    ctx = MetricContext(cost=c * (1.0 - np.eye(2)))
    for test in (approximate_randomization, paired_bootstrap):
        for sums in ("exact", "auto"):
            res = test(data, "expected_cost", unit=unit, n_resamples=400, rng=1, context=ctx,
                       alpha=None, sums=sums, return_null=True)
            t = res.null_distribution * n / c
            np.testing.assert_allclose(t, np.rint(t), rtol=0, atol=1e-6)
            assert "replicate sums: exact" in res.note


# -- the grouping itself -------------------------------------------------------------------- #

def test_tied_rows_match_numpy_unique():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, (3000, 3)).astype(float)
    x[:50] = rng.normal(size=(50, 3))           # unique rows
    x[60, 0] = -0.0                             # -0.0 and 0.0 are one value
    t = TiedRows(x)
    rows, inv, cnt = np.unique(x + 0.0, axis=0, return_inverse=True, return_counts=True)
    shared = cnt >= 2
    np.testing.assert_array_equal(t.values, rows[shared])
    np.testing.assert_array_equal(t.counts, cnt[shared])
    np.testing.assert_array_equal(t.single, np.flatnonzero(~shared[inv.reshape(-1)]))
    assert t.n_tied + t.single.shape[0] == 3000


def test_half_binomials_are_binomial():
    counts = np.array([2, 64, 65, 513, 10_000])
    k = HalfBinomials(counts).draw(np.random.default_rng(4), 20_000)
    for j, nv in enumerate(counts):
        assert stats.ks_2samp(k[:, j], np.random.default_rng(j).binomial(nv, 0.5, 20_000)
                              ).pvalue > 1e-3
        assert k[:, j].mean() == pytest.approx(nv / 2, abs=4 * np.sqrt(nv / 4 / 20_000))
        assert k[:, j].min() >= 0 and k[:, j].max() <= nv


# -- the Gaussian gate's lattice term ------------------------------------------------------- #

def test_lattice_term_of_the_binomial_case():
    """Differences -c, 0, c on m discordant units: gap c, sd of the AR sum c sqrt(m) / 2, so
    the term is phi(0)/2 * 2 / sqrt(m) = 0.0126 at m = 1000."""
    d = np.zeros((70_000, 1))
    d[:469], d[469:1000] = 0.3, -0.3
    bound, values = _gaussian.lattice_bound([d], lambda c: 0.5 * np.sqrt(np.dot(c, c)))
    assert values == 3
    assert bound == pytest.approx(stats.norm.pdf(0) / np.sqrt(1000), rel=1e-12)
    cont = np.random.default_rng(0).normal(size=(70_000, 1))
    assert _gaussian.lattice_bound([cont], np.std) == (0.0, None)


def test_a_fine_lattice_keeps_the_gaussian_sums():
    """Truth annotated to 0.01 (201 values) on 2**16 + 10 frames: the bootstrap's lattice term
    is ~1e-5, below the tolerance, and the Gaussian sums run; differences of 3 values do not."""
    rng = np.random.default_rng(4)
    n = 2**16 + 10
    vt = np.round(rng.uniform(-1, 1, (n, 2)), 2)
    data = PairedPredictions(np.zeros(n, int), np.zeros(n, int), np.zeros(n, int), 2,
                             va_true=vt, va_a=vt + rng.normal(0, 0.4, (n, 2)),
                             va_b=vt + rng.normal(0, 0.5, (n, 2)))
    res = paired_bootstrap(data, "va_ccc_mean", unit="sample", n_resamples=200, rng=1,
                           alpha=None)
    assert "replicate sums: Gaussian" in res.note
    coarse, ctx = binomial_case(n, 1000, 480)
    res = paired_bootstrap(coarse, "expected_cost", unit="sample", n_resamples=200, rng=1,
                           context=ctx, alpha=None)
    assert "a lattice whose atoms bound the normal's error by" in res.note


def test_inverse_binomial_table_and_draws():
    """The tabulated distribution against scipy.stats.binom, and the draws' frequencies against
    the binomial probabilities (chi-square over the central values)."""
    from affectctl.stats.samples._ties import InverseHalfBinomials

    ns = np.array([513, 4000, 123_457])
    inv = InverseHalfBinomials(ns)
    for j, n in enumerate(ns):
        a, m = inv.off[j], (inv.off[j + 1] if j + 1 < len(ns) else inv.cdf.shape[0]) - inv.off[j]
        k = inv.lo[j] + np.arange(m)
        cdf = inv.cdf[a:a + m].copy()
        cdf[-1] = stats.binom.cdf(k[-1], n, 0.5)
        # near F = 1 a double resolves 1.1e-16 (as does the 53-bit uniform): absolute there;
        # the cumulative sum of some 3,500 terms adds up to ~2e-13
        np.testing.assert_allclose(np.diff(cdf), stats.binom.pmf(k[1:], n, 0.5), rtol=1e-11,
                                   atol=5e-13)
        np.testing.assert_allclose(cdf[:m // 2], stats.binom.cdf(k[:m // 2], n, 0.5),
                                   rtol=1e-11, atol=1e-21)  # the mass below the table
        assert stats.binom.cdf(k[0] - 1, n, 0.5) < 1e-21        # the mass left out below
        assert stats.binom.sf(k[-1], n, 0.5) < 1e-21            # and above
    x = inv.draw(np.random.default_rng(3), 40_000)
    for j, n in enumerate(ns):
        sd = np.sqrt(n) / 2
        edges = np.floor(n / 2 + sd * np.array([-np.inf, -2, -1, -0.5, 0, 0.5, 1, 2, np.inf]))
        obs = np.histogram(x[:, j], bins=np.r_[-1, edges[1:-1], n] + 0.5)[0]
        cdf = stats.binom.cdf(np.r_[edges[1:-1], n], n, 0.5)
        exp = np.diff(np.r_[0.0, cdf]) * x.shape[0]
        assert stats.chisquare(obs, exp).pvalue > 1e-3, (n, obs, exp)
