"""McNemar, Bowker and Stuart–Maxwell against statsmodels and hand computations.

References: statsmodels.stats.contingency_tables (mcnemar, SquareTable.symmetry /
homogeneity); scipy.stats.binomtest for the exact McNemar p-value; Bowker's statistic
computed by hand from its formula.
"""

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import SquareTable, mcnemar

from affectctl.errors import ConfigError, DegenerateDataWarning, PairingError
from affectctl.stats import bowker_test, mcnemar_test, stuart_maxwell_test


def labels_from_table(table, y_fixed=0):
    """Predictions (a, b) realising a K×K (A label, B label) table."""
    a, b = [], []
    for i in range(table.shape[0]):
        for j in range(table.shape[1]):
            a += [i] * int(table[i, j])
            b += [j] * int(table[i, j])
    return np.array(a), np.array(b)


class TestMcNemar:
    def test_exact_against_binomial(self):
        # b = 3 (A right only), c = 12 (B right only)
        y = np.zeros(40, int)
        pa = np.array([0] * 20 + [0] * 3 + [1] * 12 + [1] * 5)
        pb = np.array([0] * 20 + [1] * 3 + [0] * 12 + [1] * 5)
        res = mcnemar_test(y, pa, pb)
        assert res.exact and res.method == "mcnemar"
        assert res.pvalue == pytest.approx(stats.binomtest(3, 15, 0.5).pvalue, rel=1e-12)
        assert res.mean_diff == pytest.approx((3 - 12) / 40)
        assert res.min_pvalue == pytest.approx(2 * 0.5**15)
        assert res.ci_low < res.mean_diff < res.ci_high

    def test_exact_by_default_at_any_count_and_chi2_on_request(self):
        rng = np.random.default_rng(1)
        y = rng.integers(0, 3, 500)
        pa = np.where(rng.random(500) < 0.8, y, (y + 1) % 3)
        pb = np.where(rng.random(500) < 0.7, y, (y + 2) % 3)
        ra, rb = pa == y, pb == y
        b, c = int(np.sum(ra & ~rb)), int(np.sum(~ra & rb))
        assert b + c > 100
        res = mcnemar_test(y, pa, pb)
        assert res.exact
        assert res.pvalue == pytest.approx(stats.binomtest(b, b + c, 0.5).pvalue, rel=1e-9)
        table = [[np.sum(ra & rb), b], [c, np.sum(~ra & ~rb)]]
        chi2 = mcnemar_test(y, pa, pb, exact=False)
        ref = mcnemar(table, exact=False, correction=True)
        assert not chi2.exact
        assert chi2.statistic == pytest.approx(ref.statistic)
        assert chi2.pvalue == pytest.approx(ref.pvalue)

    @pytest.mark.parametrize("b, c", [(20, 20), (0, 7), (1, 30), (13, 29), (120, 151), (400, 330)])
    def test_exact_equals_scipy_binomtest_on_discordant_counts(self, b, c):
        # b samples only A gets right, c only B gets right, plus concordant samples
        y = np.zeros(b + c + 30, int)
        pa = np.r_[np.zeros(b, int), np.ones(c, int), np.zeros(20, int), np.ones(10, int)]
        pb = np.r_[np.ones(b, int), np.zeros(c, int), np.zeros(20, int), np.ones(10, int)]
        res = mcnemar_test(y, pa, pb)
        assert res.pvalue == pytest.approx(stats.binomtest(b, b + c, 0.5).pvalue, rel=1e-12)

    def test_balanced_20_20_gives_one(self):
        # the continuity-corrected chi-square gives 0.874 here; exact test and R's mcnemar.test 1
        y = np.zeros(40, int)
        pa, pb = np.r_[np.zeros(20, int), np.ones(20, int)], np.r_[np.ones(20, int), np.zeros(20, int)]
        assert mcnemar_test(y, pa, pb).pvalue == 1.0
        assert mcnemar_test(y, pa, pb, exact=False).pvalue == pytest.approx(
            stats.chi2.sf(1 / 40, 1))

    def test_unannotated_samples_are_dropped(self):
        y = np.array([0, 1, -1, 1])
        res = mcnemar_test(y, [0, 1, 5, 0], [1, 1, 5, 1])
        assert res.n == 3

    def test_no_discordant(self):
        with pytest.warns(DegenerateDataWarning, match="no discordant"):
            res = mcnemar_test([0, 1, 2], [0, 1, 1], [0, 1, 1])
        assert res.pvalue == 1.0

    def test_validation(self):
        with pytest.raises(PairingError, match="same length"):
            mcnemar_test([0, 1], [0, 1, 1], [0, 1])
        with pytest.raises(ConfigError, match=r"`exact` must be True or False"):
            mcnemar_test([0, 1], [0, 1], [0, 1], exact="yes")
        with pytest.raises(ConfigError, match="integer class labels"):
            mcnemar_test([0, np.nan], [0, 1], [0, 1])


class TestSquareTables:
    def setup_method(self):
        self.table = np.array([[50, 12, 3], [4, 40, 9], [2, 3, 30]])
        self.a, self.b = labels_from_table(self.table)

    def test_bowker_against_statsmodels_and_formula(self):
        res = bowker_test(self.a, self.b, 3)
        ref = SquareTable(self.table, shift_zeros=False).symmetry("bowker")
        t = self.table
        hand = sum((t[i, j] - t[j, i]) ** 2 / (t[i, j] + t[j, i])
                   for i in range(3) for j in range(i + 1, 3))
        assert res.statistic == pytest.approx(hand) == pytest.approx(ref.statistic)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
        assert res.n == t.sum() and res.method == "bowker"

    def test_bowker_drops_empty_pairs_from_df(self):
        t = np.array([[10, 5, 0], [1, 10, 0], [0, 0, 10]])
        a, b = labels_from_table(t)
        res = bowker_test(a, b, 3)
        assert res.pvalue == pytest.approx(stats.chi2.sf(16 / 6, 1))
        assert "1 of 3 class pairs" in res.note

    def test_stuart_maxwell_against_statsmodels(self):
        res = stuart_maxwell_test(self.a, self.b, 3)
        ref = SquareTable(self.table, shift_zeros=False).homogeneity("stuart_maxwell")
        assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9)

    def test_stuart_maxwell_with_an_inactive_class(self):
        t = np.array([[20, 6, 0], [1, 20, 0], [0, 0, 15]])
        a, b = labels_from_table(t)
        res = stuart_maxwell_test(a, b, 3)
        ref = SquareTable(t[:2, :2], shift_zeros=False).homogeneity("stuart_maxwell")
        assert res.statistic == pytest.approx(ref.statistic)
        # for two active classes Stuart–Maxwell is McNemar without continuity correction
        assert res.pvalue == pytest.approx(mcnemar([[20, 6], [1, 20]], exact=False,
                                                   correction=False).pvalue)

    @pytest.mark.parametrize("seed", range(12))
    def test_random_tables_against_statsmodels(self, seed):
        # the closed forms are computed here, not by statsmodels: every statistic and
        # p-value it gives, on tables from 2 to 8 classes, sparse and dense
        rng = np.random.default_rng(seed)
        k = int(rng.integers(2, 9))
        t = rng.poisson(rng.choice([0.5, 3.0, 40.0]), size=(k, k)) + np.diag(rng.integers(0, 50, k))
        t[0, 1] += 1                                       # at least one disagreement
        a, b = labels_from_table(t)
        bow = bowker_test(a, b, k)
        ref = SquareTable(t, shift_zeros=False).symmetry("bowker")
        assert bow.statistic == pytest.approx(ref.statistic, rel=1e-12, abs=1e-300)
        support = (t + t.T)[np.triu_indices(k, 1)]
        assert bow.pvalue == pytest.approx(stats.chi2.sf(ref.statistic, np.count_nonzero(support)),
                                           rel=1e-12)
        off = t - np.diag(np.diag(t))
        active = np.flatnonzero(off.sum(0) + off.sum(1) > 0)
        sm = stuart_maxwell_test(a, b, k)
        if active.size >= 2:
            ref = SquareTable(t[np.ix_(active, active)], shift_zeros=False).homogeneity(
                "stuart_maxwell")
            assert sm.statistic == pytest.approx(ref.statistic, rel=1e-10)
            assert sm.pvalue == pytest.approx(stats.chi2.sf(ref.statistic, ref.df), rel=1e-10)
        # McNemar on the same labels, with class 0 as the truth: exact and both chi-squares
        y = np.zeros_like(a)
        ra, rb = a == 0, b == 0
        n1, n2 = int(np.sum(ra & ~rb)), int(np.sum(~ra & rb))
        table = [[int(np.sum(ra & rb)), n1], [n2, int(np.sum(~ra & ~rb))]]
        if n1 + n2:
            for exact, corr in ((True, True), (False, True), (False, False)):
                got = mcnemar_test(y, a, b, exact=exact, correction=corr)
                ref = mcnemar(table, exact=exact, correction=corr)
                assert got.statistic == pytest.approx(ref.statistic, rel=1e-12)
                assert got.pvalue == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-15)

    def test_same_accuracy_different_errors(self):
        # both systems are right on the diagonal samples; on the 60 errors of true class 0,
        # A says 1 where B says 2 and never the reverse: same accuracy, different errors
        y = np.array([0] * 60 + [1] * 30 + [2] * 30)
        pa = np.array([1] * 40 + [2] * 20 + [1] * 30 + [2] * 30)
        pb = np.array([2] * 40 + [1] * 20 + [1] * 30 + [2] * 30)
        assert np.mean(pa == y) == np.mean(pb == y)
        with pytest.warns(DegenerateDataWarning, match="no discordant"):
            assert mcnemar_test(y, pa, pb).pvalue == 1.0
        assert bowker_test(pa, pb, 3, y).pvalue < 0.05
        res = bowker_test(pa, pb, 3, y, errors_only=True)
        assert res.n == 60 and res.pvalue < 0.05

    def test_degenerate_tables(self):
        with pytest.warns(DegenerateDataWarning, match="same label on every sample"):
            assert bowker_test([0, 1, 2], [0, 1, 2], 3).pvalue == 1.0
        with pytest.warns(DegenerateDataWarning, match="same label on every sample"):
            assert stuart_maxwell_test([0, 1, 2], [0, 1, 2], 3).pvalue == 1.0
        with pytest.warns(DegenerateDataWarning, match="table is empty"):
            res = bowker_test([0, 1], [0, 1], 3, y_true=[0, 1], errors_only=True)
        assert np.isnan(res.pvalue)

    def test_validation(self):
        with pytest.raises(ConfigError, match="`errors_only`=True needs `y_true`"):
            bowker_test([0], [0], 2, errors_only=True)
        with pytest.raises(ConfigError, match=r"`pred_b` must lie in \[0, 3\)"):
            stuart_maxwell_test([0, 1], [0, 3], 3)
        with pytest.raises(ConfigError, match="`n_classes` must be an integer >= 2; got 1"):
            bowker_test([0], [0], 1)
