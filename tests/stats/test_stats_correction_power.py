"""Multiplicity corrections, Westfall–Young max-T, power analysis and the `affectctl power` command.

References: statsmodels multipletests (Holm, BH, Bonferroni); Holm (1979) by hand;
Westfall & Young (1993) max-T computed here with a loop; statsmodels TTestPower;
DOMAIN.md (5 seeds cannot reach 0.05 two-sided).
"""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import TTestPower
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.errors import ConfigError
from affectctl.stats import (
    adjust_pvalues,
    min_seeds_for_alpha,
    power_analysis,
    seeds_for_power,
    ttest_power,
    westfall_young_maxt,
)


class TestAdjust:
    @pytest.mark.parametrize("method", ["holm", "fdr_bh", "bonferroni"])
    def test_against_statsmodels(self, method):
        p = np.array([0.001, 0.02, 0.04, 0.3, 0.011])
        np.testing.assert_allclose(adjust_pvalues(p, method=method),
                                   multipletests(p, method=method)[1], rtol=1e-15)

    @given(st.lists(st.sampled_from([0.0, 1e-9, 0.001, 0.01, 0.02, 0.049, 0.05, 0.3, 0.99, 1.0]),
                    min_size=1, max_size=40))
    @settings(max_examples=200, deadline=None)
    def test_holm_equals_its_definition_with_ties(self, p):
        # Holm (1979) step-down, written out: the i-th smallest p-value is adjusted to
        # max over j <= i of min(1, (m - j + 1) p_(j)); tied p-values share one value
        m = len(p)
        ordered = sorted(p)
        step_down = [max(min(1.0, (m - j) * ordered[j]) for j in range(i + 1)) for i in range(m)]
        expect = [step_down[ordered.index(v)] for v in p]
        np.testing.assert_array_equal(adjust_pvalues(p, method="holm"), expect)

    def test_holm_equals_statsmodels_with_ties(self):
        # affectctl computes Holm itself (statsmodels' branch runs gc.collect() per call,
        # which is why this reference is not called from the property test above)
        p = np.array([0.01, 0.04, 0.01, 0.3, 0.04, 0.0, 1.0, 0.02, 0.02, 0.5])
        np.testing.assert_allclose(adjust_pvalues(p, method="holm"),
                                   multipletests(p, method="holm")[1], rtol=1e-15, atol=0)

    def test_holm_by_hand(self):
        # sorted 0.01, 0.03, 0.04 -> 3*0.01, max(0.03, 2*0.03), max(0.06, 0.04)
        np.testing.assert_allclose(adjust_pvalues([0.04, 0.01, 0.03]), [0.06, 0.03, 0.06])

    def test_nan_left_out_of_family(self):
        p = np.array([0.01, np.nan, 0.04])
        out = adjust_pvalues(p, method="bonferroni")
        assert np.isnan(out[1])
        np.testing.assert_allclose(out[[0, 2]], [0.02, 0.08])  # m = 2, not 3
        assert np.isnan(adjust_pvalues([np.nan, np.nan])).all()

    def test_shape_and_none(self):
        p = np.array([[0.01, 0.2], [0.03, 0.5]])
        assert adjust_pvalues(p).shape == (2, 2)
        np.testing.assert_array_equal(adjust_pvalues(p, method="none"), p)

    def test_validation(self):
        with pytest.raises(ConfigError, match=r"`method` must be one of \{'holm', 'fdr_bh', "
                                              r"'bonferroni', 'none'\}; got 'hs'\."):
            adjust_pvalues([0.1], method="hs")
        with pytest.raises(ConfigError, match=r"`pvalues` must lie in \[0, 1\]"):
            adjust_pvalues([1.5])


class TestWestfallYoung:
    def test_against_loop(self):
        rng = np.random.default_rng(3)
        null = rng.normal(size=(999, 4))
        obs = np.array([2.5, -1.0, 0.3, 3.1])
        out = westfall_young_maxt(obs, null)
        mx = np.abs(null).max(axis=1)
        ref = [(1 + np.sum(mx >= abs(o))) / 1000 for o in obs]
        np.testing.assert_allclose(out, ref)
        # single step max-T is at least the unadjusted permutation p and monotone in |T|
        raw = (1 + (np.abs(null) >= np.abs(obs)).sum(0)) / 1000
        assert np.all(out >= raw)
        assert out[3] <= out[0] <= out[2]

    def test_less_exact_and_nan(self):
        null = np.array([[0.0, 1.0], [-2.0, 0.5], [1.0, -1.0], [-0.5, 0.0]])
        out = westfall_young_maxt([-1.5, np.nan], null, alternative="less", exact=True)
        # -T maxima per row: 0 (NaN column ignored: uses only col 0 when obs NaN) ...
        assert np.isnan(out[1])
        assert out[0] == pytest.approx(np.mean(np.max(-null[:, :1], axis=1) >= 1.5))

    def test_standardize(self):
        rng = np.random.default_rng(4)
        null = rng.normal(size=(500, 2)) * np.array([1.0, 100.0])
        out = westfall_young_maxt([3.0, 300.0], null, standardize=True)
        assert out[0] == pytest.approx(out[1], abs=0.02)

    def test_validation(self):
        with pytest.raises(ConfigError, match=r"`null` must have shape \(R, m\)"):
            westfall_young_maxt([1.0, 2.0], np.zeros((10, 3)))
        with pytest.raises(ConfigError, match=r"`alternative` must be one of"):
            westfall_young_maxt([1.0], np.zeros((10, 1)), alternative="both")


class TestPower:
    def test_min_seeds(self):
        assert min_seeds_for_alpha("wilcoxon", 0.05, "two-sided") == 6
        assert min_seeds_for_alpha("signflip", 0.05, "greater") == 5
        assert min_seeds_for_alpha("ttest", 0.05, "less") == 2
        assert min_seeds_for_alpha("wilcoxon", 0.01, "two-sided") == 8

    def test_ttest_power_against_statsmodels(self):
        assert ttest_power(0.01, 0.02, 10) == pytest.approx(
            TTestPower().power(0.5, 10, 0.05, alternative="two-sided"))
        n = seeds_for_power(0.01, 0.02, power=0.9, alternative="greater")
        exact = TTestPower().solve_power(0.5, power=0.9, alpha=0.05, alternative="larger")
        assert n == int(np.ceil(exact))
        assert seeds_for_power(-0.01, 0.02, alternative="greater") is None

    @pytest.mark.parametrize("alternative, sm", [("two-sided", "two-sided"),
                                                 ("greater", "larger"), ("less", "smaller")])
    def test_power_equals_statsmodels_where_statsmodels_is_finite(self, alternative, sm):
        # affectctl integrates the noncentral t over the chi-square itself: SciPy 1.17's nct
        # (behind TTestPower) returns NaN near power 1 (scipy/scipy#25470)
        import warnings

        from affectctl.stats.power import _power

        compared = 0
        for alpha in (0.05, 0.01, 1e-4):
            for n in (2, 3, 5, 8, 20, 55, 200, 10**5):
                for dz in (-0.5, 0.01, 0.3, 0.8, 2.0):
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        ref = TTestPower().power(effect_size=abs(dz) if alternative == "two-sided"
                                                 else dz, nobs=n, alpha=alpha, alternative=sm)
                    mine = _power(dz, n, alpha, alternative)
                    assert 0.0 <= mine <= 1.0
                    # near power 1 the reference is NaN (SciPy 1.17) or rounds to 1.0 (the
                    # minimum versions: 1.0 where the power is 0.9999954)
                    if np.isfinite(ref) and 0.0 <= ref <= 1.0 - 1e-4:
                        assert mine == pytest.approx(ref, abs=1e-6), (alpha, n, dz)
                        compared += 1
        assert compared > 60  # of 120 cells

    def test_power_near_one_where_statsmodels_gives_nan(self):
        import warnings

        with warnings.catch_warnings():  # NaN with SciPy 1.17, 1.0 with older versions
            warnings.simplefilter("ignore")
            ref = TTestPower().power(effect_size=2.0, nobs=20, alpha=0.05)
        assert np.isnan(ref) or ref == pytest.approx(1.0)
        # d_z = 2 with 20 seeds: the t statistic is ~8.9 against a critical 2.09
        powers = [ttest_power(2.0, 1.0, n) for n in (5, 10, 20, 40)]
        assert powers[2] > 1 - 1e-9 and powers == sorted(powers)
        assert power_analysis(n_seeds=30, sd=1.0, diff=2.0).power_at_n == pytest.approx(1.0)

    def test_min_seeds_is_the_floor_definition_and_is_immediate_for_tiny_alpha(self):
        import time

        for alternative in ("two-sided", "greater"):
            k = 1 if alternative == "two-sided" else 0
            for alpha in (0.9, 0.5, 0.05, 0.01, 1e-4, 2.0**-20, 1e-9, 1e-12):
                n = 1
                while 2.0 ** (k - n) > alpha:  # the smallest n whose floor reaches alpha
                    n += 1
                assert min_seeds_for_alpha("wilcoxon", alpha, alternative) == n
                # sign-flip: exact to 20 seeds, then a Monte-Carlo floor of 9,999 replicates
                expect = n if n <= 20 else None
                assert min_seeds_for_alpha("signflip", alpha, alternative) == expect
        start = time.perf_counter()  # was an endless loop: no n lowers the Monte-Carlo floor
        assert min_seeds_for_alpha("signflip", 1e-320, "two-sided") is None
        assert min_seeds_for_alpha("wilcoxon", 1e-320, "two-sided") == 1065
        assert time.perf_counter() - start < 5

    def test_report(self):
        rep = power_analysis(n_seeds=5, sd=0.02, diff=0.01)
        assert rep.min_pvalue == {"wilcoxon": 0.0625, "signflip": 0.0625, "ttest": 0.0}
        assert rep.reachable["wilcoxon"] is False and rep.reachable["ttest"] is True
        assert rep.seeds_needed["ttest"] == 34
        assert rep.seeds_needed["wilcoxon"] == int(np.ceil(34 * np.pi / 3))
        json.dumps(rep.to_record())

    def test_validation(self):
        with pytest.raises(ConfigError, match="`sd` and `diff` must be given together"):
            power_analysis(sd=0.1)
        with pytest.raises(ConfigError, match=r"`sd` must be > 0"):
            power_analysis(sd=0.0, diff=0.1)
        with pytest.raises(ConfigError, match=r"`n_seeds` must be an integer >= 1; got 0"):
            power_analysis(n_seeds=0)


class TestPowerCLI:
    def test_text(self):
        res = CliRunner().invoke(app, ["power", "--seeds", "5"])
        assert res.exit_code == 0, res.output
        assert "0.0625" in res.stdout and "NO" in res.stdout and "no floor" in res.stdout

    def test_json_with_effect(self):
        res = CliRunner().invoke(app, ["power", "--seeds", "5", "--sd", "0.02", "--diff", "0.01",
                                       "--alternative", "greater", "--json"])
        assert res.exit_code == 0, res.output
        rec = json.loads(res.stdout)
        assert rec["min_pvalue"]["wilcoxon"] == 0.03125 and rec["seeds_needed"]["ttest"] == 27

    def test_an_alpha_no_sign_flip_count_reaches_says_never(self):
        res = CliRunner().invoke(app, ["power", "--alpha", "1e-12", "--sd", "1", "--diff", "0.5"])
        assert res.exit_code == 0, res.output
        line = next(ln for ln in res.stdout.splitlines() if ln.startswith("signflip"))
        assert line.split()[-1] == "never"
        assert "signflip never" in res.stdout

    def test_bad_option_is_one_line_exit_2(self):
        res = CliRunner().invoke(app, ["power", "--alternative", "both"])
        assert res.exit_code == 2
        assert "`alternative` must be one of {'two-sided', 'greater', 'less'}; got 'both'." in \
            res.output


class TestJointNullWithMaxT:
    def test_identical_metrics_give_the_single_test_pvalue(self):
        # m copies of one metric: the replicate maximum is that metric, so max-T adjusted
        # p equals the unadjusted exact sign-flip p (no price for duplicated tests)
        from affectctl.stats import joint_signflip_null, signflip_test

        rng = np.random.default_rng(8)
        a = rng.normal(0.3, 1, size=9)
        b = np.zeros(9)
        j = joint_signflip_null(np.column_stack([a, a, a]), np.column_stack([b, b, b]))
        assert j.exact and j.null.shape == (512, 3)
        adj = westfall_young_maxt(j.observed, j.null, exact=True)
        p = signflip_test(a, b, alpha=None).pvalue
        np.testing.assert_allclose(adj, p, rtol=1e-12)
        # Bonferroni would triple it
        assert adjust_pvalues([p, p, p], method="bonferroni")[0] == pytest.approx(min(1, 3 * p))

    def test_monte_carlo_and_validation(self):
        from affectctl.errors import PairingError
        from affectctl.stats import joint_signflip_null

        rng = np.random.default_rng(9)
        a, b = rng.normal(size=(25, 2)), rng.normal(size=(25, 2))
        j = joint_signflip_null(a, b, n_resamples=500, rng=3)
        assert not j.exact and j.seed == 3 and j.null.shape == (500, 2)
        adj = westfall_young_maxt(j.observed, j.null)
        assert np.all((adj > 0) & (adj <= 1))
        with pytest.raises(PairingError, match="same shape"):
            joint_signflip_null(a, b[:, :1])
