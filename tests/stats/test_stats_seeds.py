"""Seed-level tests: exact Wilcoxon, exact/Monte-Carlo sign-flip, paired t, effect sizes.

References used below:
* scipy.stats.wilcoxon(method="exact") (no ties, no zeros) and
  scipy.stats.wilcoxon(method=PermutationMethod(n_resamples=inf)) (ties/zeros);
* scipy.stats.permutation_test(..., permutation_type='samples', n_resamples=inf);
* scipy.stats.ttest_rel;
* brute-force enumeration of all 2**n sign assignments written here;
* hand values from DOMAIN.md (5 seeds: 0.0625 two-sided, 0.03125 one-sided).
"""

import itertools

import numpy as np
import pytest
import scipy
from scipy import stats

from affectctl.errors import DegenerateDataWarning
from affectctl.stats import (
    min_attainable_pvalue,
    paired_effect_sizes,
    paired_ttest,
    signflip_test,
    wilcoxon_test,
)
from affectctl.stats.effects import cles_paired, cohen_dz, mean_diff_ci, rank_biserial

# scipy.stats.wilcoxon takes method=PermutationMethod and method="asymptotic" from 1.13 on
# ("approx" before); the minimum-versions job runs with scipy 1.11.
_SCIPY = tuple(int(part) for part in scipy.__version__.split(".")[:2])
ASYMPTOTIC = "asymptotic" if _SCIPY >= (1, 13) else "approx"

ALTS = ("two-sided", "greater", "less")


def brute_signflip(d, alternative):
    """p-value of the mean-difference sign-flip test by enumerating all 2**n flips."""
    d = np.asarray(d, float)
    obs = d.mean()
    vals = np.array([np.dot(s, d) / len(d) for s in itertools.product((1, -1), repeat=len(d))])
    tol = 1e-12 * max(1.0, np.abs(d).sum())
    pg = np.mean(vals >= obs - tol)
    pl = np.mean(vals <= obs + tol)
    return {"greater": pg, "less": pl, "two-sided": min(1.0, 2 * min(pg, pl))}[alternative]


def brute_wilcoxon(d, alternative, zero_method="wilcox"):
    """Exact signed-rank p-value by enumerating all 2**m sign assignments of the mid-ranks."""
    d = np.asarray(d, float)
    if zero_method == "wilcox":
        d = d[d != 0]
        r = stats.rankdata(np.abs(d))
    else:
        r = stats.rankdata(np.abs(d))[d != 0]
        d = d[d != 0]
    obs = r[d > 0].sum()
    vals = np.array([np.dot(s, r) for s in itertools.product((0, 1), repeat=len(r))])
    pg = np.mean(vals >= obs - 1e-9)
    pl = np.mean(vals <= obs + 1e-9)
    return {"greater": pg, "less": pl, "two-sided": min(1.0, 2 * min(pg, pl))}[alternative]


class TestWilcoxon:
    def setup_method(self):
        self.rng = np.random.default_rng(7170559330470561044)

    # -- Test Against External References -- #
    @pytest.mark.parametrize("n", [6, 7, 9, 12, 15])
    @pytest.mark.parametrize("alternative", ALTS)
    def test_against_scipy_exact(self, n, alternative):
        a = self.rng.normal(size=n)
        b = a + self.rng.normal(0.4, 1.0, size=n)
        res = wilcoxon_test(a, b, alternative=alternative, alpha=None)
        ref = stats.wilcoxon(a, b, alternative=alternative, method="exact")
        assert res.exact
        assert abs(res.pvalue - ref.pvalue) <= 1e-12
        assert abs(res.pvalue - brute_wilcoxon(a - b, alternative)) <= 1e-12
        d = a - b
        assert res.statistic == pytest.approx(stats.rankdata(np.abs(d))[d > 0].sum())

    @pytest.mark.parametrize("zero_method", ["wilcox", "pratt"])
    @pytest.mark.parametrize("alternative", ALTS)
    def test_ties_and_zeros_exact_enumeration(self, zero_method, alternative):
        # ties in |d| and zeros: scipy's method="exact" table does not apply; our null is exact
        d = np.array([1.0, 1.0, 2.0, 2.0, -1.0, 3.0, 0.0, 3.0, 4.0, -2.0, 0.0, 5.0])
        res = wilcoxon_test(d, np.zeros_like(d), alternative=alternative, zero_method=zero_method,
                            alpha=None)
        assert abs(res.pvalue - brute_wilcoxon(d, alternative, zero_method)) <= 1e-12
        # scipy's own exact permutation of the signed-rank statistic (same zero handling)
        if _SCIPY >= (1, 13):
            ref = stats.wilcoxon(d, alternative=alternative, zero_method=zero_method,
                                 method=stats.PermutationMethod(n_resamples=np.inf))
            assert abs(res.pvalue - ref.pvalue) <= 1e-12
        assert "zero difference" in res.note

    def test_domain_five_seeds(self):
        # DOMAIN.md: with 5 seeds, smallest exact two-sided p is 0.0625, one-sided 0.03125
        a = np.array([0.70, 0.71, 0.72, 0.73, 0.74])
        b = a - np.array([0.01, 0.02, 0.03, 0.04, 0.05])
        one = wilcoxon_test(a, b, alternative="greater")
        assert one.pvalue == 0.03125 and one.min_pvalue == 0.03125
        with pytest.warns(DegenerateDataWarning, match="cannot reject"):
            two = wilcoxon_test(a, b)
        assert two.pvalue == 0.0625 and two.min_pvalue == 0.0625

    def test_domain_paper_value(self):
        # DOMAIN.md: "p = 0.625, two-sided Wilcoxon, n = 5". By hand: T+ = 1 + 4 = 5 and
        # #{T+ <= 5} = 1+1+1+2+2+3 = 10 of 32 sign assignments, so p = 2 * 10/32 = 0.625
        d = np.array([0.01, 0.04, -0.02, -0.03, -0.05])
        with pytest.warns(DegenerateDataWarning):
            res = wilcoxon_test(d, np.zeros(5))
        assert res.statistic == 5.0 and res.pvalue == 0.625

    def test_alpha_keyword_controls_warning(self):
        a, b = np.arange(5.0), np.arange(5.0) - 1
        wilcoxon_test(a, b, alpha=0.1)  # 0.0625 <= 0.1: no warning (filterwarnings=error)
        with pytest.warns(DegenerateDataWarning):
            wilcoxon_test(a, b, alpha=0.05)
        wilcoxon_test(a, b, alpha=None)

    def test_all_zero_differences(self):
        with pytest.warns(DegenerateDataWarning, match="every paired difference is zero"):
            res = wilcoxon_test([0.5, 0.6, 0.7], [0.5, 0.6, 0.7])
        assert res.pvalue == 1.0 and res.statistic == 0.0

    def test_large_n_normal_approximation(self):
        from affectctl.stats.seeds import MAX_EXACT_WILCOXON

        n = MAX_EXACT_WILCOXON + 50
        d = self.rng.normal(0.1, 1, size=n)
        res = wilcoxon_test(d, np.zeros(n), alpha=None)
        ref = stats.wilcoxon(d, method=ASYMPTOTIC, correction=False)
        assert not res.exact
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)

    def test_exact_at_moderate_n_against_scipy(self):
        d = self.rng.normal(0.2, 1, size=40)
        res = wilcoxon_test(d, np.zeros(40), alpha=None)
        assert abs(res.pvalue - stats.wilcoxon(d, method="exact").pvalue) <= 1e-12


class TestSignflip:
    def setup_method(self):
        self.rng = np.random.default_rng(3581)

    @pytest.mark.parametrize("n", [4, 7, 10, 13])
    @pytest.mark.parametrize("alternative", ALTS)
    def test_exact_against_scipy_and_brute_force(self, n, alternative):
        a = self.rng.normal(size=n)
        b = a + self.rng.normal(0.3, 1, size=n)
        res = signflip_test(a, b, alternative=alternative, alpha=None)
        ref = stats.permutation_test((a, b), lambda x, y, axis: np.mean(x - y, axis=axis),
                                     permutation_type="samples", n_resamples=np.inf,
                                     alternative=alternative)
        assert res.exact and res.seed is None and res.mc_se is None and res.n_resamples is None
        assert abs(res.pvalue - ref.pvalue) <= 1e-12
        assert abs(res.pvalue - brute_signflip(a - b, alternative)) <= 1e-12
        assert res.null_distribution.shape == (2**n,)
        assert res.statistic == pytest.approx(np.mean(a - b))

    def test_exact_up_to_twenty(self):
        # SciPy's exact permutation test is the reference at n = 14; at n = 20 (2**20 sign
        # vectors, 7 s in SciPy) the reference is this test's own enumeration of every
        # sign vector, in chunks of 2**16 (the bits of the vector's index are the signs)
        d14 = self.rng.normal(0.2, 1, size=14)
        ref = stats.permutation_test((d14, np.zeros(14)),
                                     lambda x, y, axis: np.mean(x - y, axis=axis),
                                     permutation_type="samples", n_resamples=np.inf)
        assert abs(signflip_test(d14, np.zeros(14), alpha=None).pvalue - ref.pvalue) <= 1e-12
        d = self.rng.normal(0.2, 1, size=20)
        res = signflip_test(d, np.zeros(20), alpha=None)
        assert res.exact and res.null_distribution.shape == (2**20,)
        observed, at_least = abs(d.mean()), 0
        for start in range(0, 2**20, 2**16):
            index = np.arange(start, start + 2**16)[:, None]
            signs = 1 - 2 * ((index >> np.arange(20)) & 1)
            at_least += int(np.count_nonzero(np.abs(signs @ d) / 20 >= observed * (1 - 1e-12)))
        assert abs(res.pvalue - at_least / 2**20) <= 1e-12
        res21 = signflip_test(np.append(d, 0.3), np.zeros(21), rng=0, alpha=None)
        assert not res21.exact and res21.n_resamples == 9999 and res21.seed == 0

    @pytest.mark.parametrize("alternative", ALTS)
    def test_monte_carlo_within_binomial_error_of_exact(self, alternative):
        d = self.rng.normal(0.35, 1, size=12)
        exact = signflip_test(d, np.zeros(12), alternative=alternative, alpha=None)
        mc = signflip_test(d, np.zeros(12), alternative=alternative, exact=False,
                           n_resamples=20000, rng=11, alpha=None)
        assert not mc.exact and mc.mc_se > 0
        # (c+1)/(R+1) adds < 1/R of bias; allow 4 standard errors
        assert abs(mc.pvalue - exact.pvalue) <= 4 * mc.mc_se + 2 / 20001
        # the reported SE matches the binomial formula
        q = mc.pvalue / 2 if alternative == "two-sided" else mc.pvalue
        k = 2 if alternative == "two-sided" else 1
        assert mc.mc_se == pytest.approx(k * np.sqrt(q * (1 - q) / 20000), rel=1e-6)

    def test_monte_carlo_add_one_and_min_p(self):
        d = np.full(30, 1.0) + self.rng.normal(0, 0.01, 30)
        res = signflip_test(d, np.zeros(30), n_resamples=999, rng=1, alternative="greater")
        assert res.pvalue == 1 / 1000 == res.min_pvalue  # never 0
        res2 = signflip_test(d, np.zeros(30), n_resamples=999, rng=1)
        assert res2.pvalue == 2 / 1000 == res2.min_pvalue

    def test_zeros_do_not_change_the_pvalue(self):
        d = np.array([0.3, -0.1, 0.5, 0.2, 0.4, 0.6])
        dz = np.append(d, [0.0, 0.0])
        p1 = signflip_test(d, np.zeros(6), alpha=None).pvalue
        p2 = signflip_test(dz, np.zeros(8), alpha=None).pvalue
        ref = stats.permutation_test((dz, np.zeros(8)),
                                     lambda x, y, axis: np.mean(x - y, axis=axis),
                                     permutation_type="samples", n_resamples=np.inf)
        assert p1 == pytest.approx(p2, abs=1e-15) and abs(p2 - ref.pvalue) <= 1e-12

    def test_all_zero(self):
        with pytest.warns(DegenerateDataWarning, match="every paired difference is zero"):
            res = signflip_test([1.0, 2.0], [1.0, 2.0])
        assert res.pvalue == 1.0

    def test_int_seed_reported_and_generator_seed_drawn(self):
        d = self.rng.normal(size=25)
        r1 = signflip_test(d, np.zeros(25), rng=123, alpha=None)
        assert r1.seed == 123
        r2 = signflip_test(d, np.zeros(25), rng=np.random.default_rng(5), alpha=None)
        r3 = signflip_test(d, np.zeros(25), rng=r2.seed, alpha=None)  # the seed reproduces it
        np.testing.assert_array_equal(r2.null_distribution, r3.null_distribution)
        r4 = signflip_test(d, np.zeros(25), alpha=None)  # None: a fresh seed, reported
        assert isinstance(r4.seed, int)
        r5 = signflip_test(d, np.zeros(25), rng=r4.seed, alpha=None)
        assert r5.pvalue == r4.pvalue


class TestTtest:
    @pytest.mark.parametrize("alternative", ALTS)
    def test_against_scipy(self, alternative):
        rng = np.random.default_rng(2)
        a, b = rng.normal(size=8), rng.normal(size=8)
        res = paired_ttest(a, b, alternative=alternative)
        ref = stats.ttest_rel(a, b, alternative=alternative)
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
        ci = stats.ttest_rel(a, b).confidence_interval(0.95)
        assert (res.ci_low, res.ci_high) == pytest.approx((ci.low, ci.high), rel=1e-12)
        assert res.min_pvalue == 0.0

    def test_degenerate(self):
        with pytest.warns(DegenerateDataWarning, match="every paired difference is zero"):
            assert paired_ttest([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]).pvalue == 1.0
        with pytest.warns(DegenerateDataWarning, match="non-zero constant"):
            res = paired_ttest([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
        assert np.isnan(res.pvalue) and res.statistic == np.inf


class TestMinAttainable:
    def test_values(self):
        assert min_attainable_pvalue("wilcoxon", 5, "two-sided") == 0.0625
        assert min_attainable_pvalue("signflip", 5, "less") == 0.03125
        assert min_attainable_pvalue("ttest", 5, "two-sided") == 0.0
        assert min_attainable_pvalue("ar", 100, "greater", n_resamples=999) == 1 / 1000
        assert min_attainable_pvalue("bootstrap", 100, "two-sided", n_resamples=999) == 2 / 1000
        assert min_attainable_pvalue("wilcoxon", 0, "two-sided") == 1.0
        assert min_attainable_pvalue("signflip", 25, "greater") == 1 / 10000

    @pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
    @pytest.mark.parametrize("alternative", ALTS)
    def test_attained_by_extreme_data(self, n, alternative):
        # all differences of one sign reach the floor, exactly
        d = np.arange(1.0, n + 1)
        if alternative == "less":
            d = -d
        for test in (wilcoxon_test, signflip_test):
            res = test(d, np.zeros(n), alternative=alternative, alpha=None)
            assert res.pvalue == pytest.approx(min_attainable_pvalue(
                "wilcoxon", n, alternative), abs=1e-15)
            assert res.min_pvalue == res.pvalue


class TestEffects:
    def test_rank_biserial_kerby(self):
        # Kerby (2014) simple difference: (T+ - T-)/(T+ + T-); d = 1, 2, -3, 4 -> ranks 1,2,3,4
        assert rank_biserial([1, 2, -3, 4], [0, 0, 0, 0]) == pytest.approx((7 - 3) / 10)
        assert np.isnan(rank_biserial([1, 1], [1, 1]))

    def test_cohen_dz_and_cles(self):
        d = np.array([0.1, 0.3, -0.1, 0.2])
        assert cohen_dz(d, np.zeros(4)) == pytest.approx(d.mean() / d.std(ddof=1))
        assert cles_paired([1, 2, 3, 4], [0, 2, 4, 0]) == pytest.approx((2 + 0.5) / 4)
        assert cohen_dz([1.0, 2.0], [0.0, 1.0]) == np.inf

    def test_mean_diff_ci_matches_scipy_t_interval(self):
        rng = np.random.default_rng(9)
        a, b = rng.normal(size=10), rng.normal(size=10)
        m, lo, hi = mean_diff_ci(a, b, confidence=0.9)
        ci = stats.ttest_1samp(a - b, 0).confidence_interval(0.9)
        assert (lo, hi) == pytest.approx((ci.low, ci.high), rel=1e-12)
        es = paired_effect_sizes(a, b, confidence=0.9)
        assert es.ci_low == lo and es.mean_diff == pytest.approx(m)
        assert set(es.to_record()) >= {"rank_biserial", "cohen_dz", "cles"}

    def test_results_carry_effects(self):
        a = np.array([0.61, 0.62, 0.60, 0.64, 0.63, 0.65])
        b = np.array([0.60, 0.60, 0.61, 0.61, 0.60, 0.61])
        res = signflip_test(a, b, alternative="greater")
        assert res.rank_biserial == pytest.approx(rank_biserial(a, b))
        assert res.cohen_dz == pytest.approx(cohen_dz(a, b))
        rec = res.to_record()
        assert "null_distribution" not in rec and rec["method"] == "signflip"
        import json

        json.dumps(rec)
