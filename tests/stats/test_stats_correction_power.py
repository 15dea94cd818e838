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
