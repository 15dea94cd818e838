"""Sequential Monte-Carlo tests (confidence-sequence method): Robbins' boundary against
scipy's binomial pmf, decisions against long fixed runs and the exact p-value, the
resampling risk by simulation (with a broken stopping rule as the control that the
simulation can catch), early stopping on clear cases, Holm against statsmodels."""

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from affectctl.errors import ConfigError
from affectctl.stats import sequential as seq
from affectctl.stats._common import pvalue_from_null
from affectctl.stats.sequential import (
    holm_decisions,
    holm_thresholds,
    robbins_interval,
    sequential_test,
    sequential_test_indicators,
)


def _normal(n, rng):
    return rng.standard_normal(n)


def _bernoulli(p):
    return lambda n, rng: rng.random(n) < p


@pytest.mark.parametrize("s,n,eps", [(0, 50, 1e-3), (5, 100, 1e-3), (37, 400, 0.05), (9, 9, 0.01)])
def test_robbins_interval_is_where_n_plus_1_times_binomial_pmf_equals_eps(s, n, eps):
    lo, hi = robbins_interval(s, n, eps)
    f = lambda p: (n + 1) * stats.binom.pmf(s, n, p)  # noqa: E731  Robbins (1970)
    assert lo <= s / n <= hi
    for bound, inside in ((lo, lo + 1e-6), (hi, hi - 1e-6)):
        if 0.0 < bound < 1.0:
            assert f(bound) == pytest.approx(eps, rel=1e-6)
            assert f(inside) > eps
    if s == 0:
        assert lo == 0.0
    if s == n:
        assert hi == 1.0


@pytest.mark.parametrize("observed,alternative", [(3.5, "greater"), (-3.5, "less"), (3.5, "two-sided"),
                                                  (0.3, "two-sided"), (-0.2, "greater")])
def test_clear_cases_stop_below_2000_with_the_fixed_runs_decision(observed, alternative):
    res = sequential_test(_normal, observed, alternative=alternative, rng=3)
    fixed, _ = pvalue_from_null(_normal(20_000, np.random.default_rng(4)), observed, alternative,
                                exact=False)
    assert res.stopped == "decided" and res.n_resamples < 2000
    assert res.decision(0.05) == ("reject" if fixed < 0.05 else "accept")
    assert res.method == "csm" and res.risk_bound == 1e-3 and res.seed == 3
    # the reported p-value is the fixed-run formula on the draws actually made
    again = np.random.default_rng(3)
    draws = np.concatenate([_normal(b, again) for b in _batches(res.n_resamples)])
    assert res.p_value == pvalue_from_null(draws, observed, alternative, exact=False)[0]


def _batches(n):
    out, done = [], 0
    for b in seq._looks(seq.FIRST_BATCH, 10**9):
        if done >= n:
            return out
        out.append(b)
        done += b
    return out


def test_holm_thresholds_of_a_family_of_two_clear_case_still_below_2000():
    # two-sided, thresholds 0.025 and 0.05: each side's sequence at eps/2 against 0.0125
    for seed in range(10):
        res = sequential_test(_normal, 4.0, thresholds=holm_thresholds(0.05, 2), rng=seed)
        assert res.n_resamples < 2000
        assert [d for _, d in res.decisions] == ["reject"] * 2


@pytest.mark.parametrize("p,thresholds", [(0.04, 0.05), (0.062, 0.05), (0.008, (0.01, 0.05)),
                                          (0.03, (0.025, 0.05))])
def test_borderline_decisions_agree_with_the_exact_p_and_a_long_fixed_run(p, thresholds):
    res = sequential_test_indicators(_bernoulli(p), thresholds=thresholds, rng=11,
                                     max_resamples=400_000)
    fixed = (np.count_nonzero(np.random.default_rng(12).random(400_000) < p) + 1) / 400_001
    for t, d in res.decisions:
        assert d == ("reject" if p < t else "accept") == ("reject" if fixed < t else "accept")
    assert res.n_resamples > 2000  # borderline: it has to keep drawing
    lo, hi = res.p_interval
    assert lo <= p <= hi


def test_two_sided_borderline_agrees_with_the_exact_normal_p_value():
    # exact two-sided p = 2 * sf(|t|) = 0.035 and 0.07
    for p in (0.035, 0.07):
        t = stats.norm.isf(p / 2)
        res = sequential_test(_normal, t, rng=5, max_resamples=200_000)
        assert res.decision(0.05) == ("reject" if p < 0.05 else "accept")
        assert res.p_value == pytest.approx(p, abs=0.01)


def test_at_the_threshold_it_stops_at_the_cap_undecided():
    res = sequential_test_indicators(_bernoulli(0.05), rng=2, max_resamples=3000)
    assert res.stopped == "cap" and res.decisions == ((0.05, "undecided"),)
    assert res.n_resamples == 3000 and res.max_resamples == 3000


def _risk(p, eps, reps):
    wrong = 0
    truth = "reject" if p < 0.05 else "accept"
    for r in range(reps):
        d = sequential_test_indicators(_bernoulli(p), risk=eps, rng=r,
                                       max_resamples=100_000).decisions[0][1]
        wrong += d not in (truth, "undecided")
    return wrong


def _allowed(eps, reps):
    return stats.binom.ppf(0.999, reps, eps)  # a true risk <= eps exceeds this 1 time in 1000


@pytest.mark.parametrize("p", [0.043, 0.0495, 0.057])
def test_resampling_risk_is_within_its_bound(p):
    eps, reps = 0.1, 200
    assert _risk(p, eps, reps) <= _allowed(eps, reps)


def test_the_risk_simulation_catches_a_stopping_rule_without_a_uniform_bound(monkeypatch):
    # control: a pointwise 90% normal interval looked at after every batch (no confidence
    # sequence) has a risk far above 0.1 near the threshold; the same harness must see it
    def pointwise(s, n, t, risk):
        return abs(s / n - t) > stats.norm.isf(risk / 2) * math.sqrt(t * (1 - t) / n)
    monkeypatch.setattr(seq, "_excluded", pointwise)
    monkeypatch.setattr(seq, "robbins_interval", lambda s, n, eps: (0.0, 1.0))
    assert _risk(0.0495, 0.1, 200) > _allowed(0.1, 200)  # 58 wrong of 200 (allowed 34)


def test_same_seed_same_result_and_seed_reported():
    a = sequential_test(_normal, 2.1, rng=7, max_resamples=50_000)
    b = sequential_test(_normal, 2.1, rng=7, max_resamples=50_000)
    assert a == b
    c = sequential_test(_normal, 2.1, rng=np.random.default_rng(1), max_resamples=50_000)
    assert sequential_test(_normal, 2.1, rng=c.seed, max_resamples=50_000) == c


def test_undefined_replicates_are_left_out_and_counted():
    def draw(n, rng):
        x = rng.standard_normal(n)
        x[::4] = np.nan
        return x
    res = sequential_test(draw, 3.5, rng=0)
    assert res.n_undefined > 0 and res.decision(0.05) == "reject"
    assert res.n_undefined == pytest.approx(res.n_resamples / 3, abs=2 * len(_batches(res.n_resamples)))


def test_holm_from_sequential_decisions_equals_statsmodels_holm_on_the_exact_p_values():
    rng = np.random.default_rng(0)
    for _ in range(4):
        m = 4
        p = rng.choice([0.0005, 0.003, 0.02, 0.2, 0.6], size=m)
        res = [sequential_test_indicators(_bernoulli(q), thresholds=holm_thresholds(0.05, m),
                                          rng=i, max_resamples=200_000) for i, q in enumerate(p)]
        want = multipletests(p, alpha=0.05, method="holm")[0]
        assert holm_decisions(res, 0.05) == ["reject" if w else "accept" for w in want]


def test_holm_undecided_only_where_it_matters():
    def fake(decisions):
        return seq.SequentialResult(0.0, tuple(zip(holm_thresholds(0.05, 2), decisions)), (0, 1),
                                    1, 0, 1, "cap", 1e-3, "csm", 0, "greater")
    # test 1 below alpha/2, test 2 undecided at alpha: test 1 rejected, test 2 undecided
    assert holm_decisions([fake(("reject", "reject")), fake(("accept", "undecided"))],
                          0.05) == ["reject", "undecided"]
    # test 1 undecided at alpha/2, test 2 accepted at alpha: nothing can be rejected at step 2
    assert holm_decisions([fake(("undecided", "reject")), fake(("accept", "accept"))],
                          0.05) == ["undecided", "accept"]


@pytest.mark.parametrize("kw", [{"thresholds": 0}, {"thresholds": (0.05, 1.2)}, {"risk": 0},
                                {"max_resamples": 0}, {"first_batch": 2.5}, {"alternative": "up"}])
def test_bad_arguments_are_config_errors(kw):
    with pytest.raises(ConfigError):
        sequential_test(_normal, 1.0, **kw)


def test_draw_returning_the_wrong_length_is_an_error():
    with pytest.raises(ConfigError, match="returned 3 values"):
        sequential_test(lambda n, rng: np.zeros(3), 1.0)


def _strata(acc_b, n=600):
    from affectctl.stats.samples import PairedPredictions
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, n)
    pa = np.where(rng.random(n) < 0.8, y, rng.integers(0, 3, n))
    pb = np.where(rng.random(n) < acc_b, y, rng.integers(0, 3, n))
    return [PairedPredictions(y, pa, pb, n_classes=3, group=np.arange(n) // 20)]


@pytest.mark.parametrize("acc_b,unit", [(0.7, "group"), (0.7, "sample"), (0.77, "sample")])
def test_sequential_approximate_randomization_agrees_with_the_fixed_run(acc_b, unit):
    from affectctl.stats.samples import approximate_randomization
    strata = _strata(acc_b)
    fixed = approximate_randomization(strata, "expr_macro_f1", unit=unit, rng=1,
                                      n_resamples=20_000)
    res = approximate_randomization(strata, "expr_macro_f1", unit=unit, rng=1, sequential=True)
    assert res.n_resamples < 2000 and res.risk_bound == 1e-3 and res.sequential_method == "csm"
    assert (res.pvalue < 0.05) == (fixed.pvalue < 0.05)
    assert res.statistic == fixed.statistic and res.seed == 1
    assert ("decision at 0.05: " + ("reject" if fixed.pvalue < 0.05 else "accept")) in res.note
    assert fixed.risk_bound is None and fixed.sequential_method is None
    again = approximate_randomization(strata, "expr_macro_f1", unit=unit, rng=1, sequential=True)
    assert (again.pvalue, again.n_resamples, again.note) == (res.pvalue, res.n_resamples, res.note)


def test_family_thresholds_follow_the_correction():
    from affectctl.stats.sequential import family_thresholds
    assert family_thresholds("holm", 0.05, 4) == pytest.approx((0.0125, 0.05 / 3, 0.025, 0.05))
    assert family_thresholds("fdr_bh", 0.05, 2) == family_thresholds("westfall-young", 0.05, 2) \
        == pytest.approx((0.025, 0.05))
    assert family_thresholds("bonferroni", 0.05, 4) == (0.0125,)
    assert family_thresholds("none", 0.05, 4) == (0.05,)


def test_besag_clifford_hand_worked():
    from affectctl.stats.sequential import besag_clifford
    # exceedances at draws 3, 7 and 8: with h = 2 it stops at l = 7, p = 2/7
    seq7 = np.zeros(64, bool)
    seq7[[2, 6, 7]] = True
    res = besag_clifford(lambda n, rng: seq7[:n], h=2, rng=0)
    assert (res.p_value, res.n_resamples, res.method) == (2 / 7, 7, "besag_clifford")
    # never h exceedances in n - 1 = 99 draws: g = 1, p = (g + 1)/n = 2/100
    def one_hit(n, rng, state={"done": False}):
        x = np.zeros(n, bool)
        if not state["done"]:
            x[0], state["done"] = True, True
        return x
    res = besag_clifford(one_hit, h=5, max_resamples=99, rng=0)
    assert (res.p_value, res.n_resamples) == (0.02, 99)


def test_besag_clifford_is_a_valid_p_value_exact_at_attainable_levels():
    # under H0 the exact exceedance probability is uniform; P(p <= u) = u at u = h/l and
    # u = (g+1)/n (Besag & Clifford 1991); both branches: 0.05, 0.1, 0.5 stop at h = 5,
    # 0.02 = (3+1)/200 comes from the cap
    from affectctl.stats.sequential import besag_clifford
    outer = np.random.default_rng(0)
    reps = 4000
    ps = np.array([besag_clifford(_bernoulli(outer.random()), h=5, max_resamples=199,
                                  rng=i).p_value for i in range(reps)])
    for u in (0.02, 0.05, 0.1, 0.5):
        assert np.mean(ps <= u + 1e-12) == pytest.approx(u, abs=4 * math.sqrt(u * (1 - u) / reps))
