"""Hypothesis-driven properties of the paired tests (SciPy test_stats.py style).

* exact and randomized p-values agree within Monte-Carlo error (sign-flip; AR against a
  brute-force enumeration of all swaps);
* p in (0, 1]; a Monte-Carlo p is never 0;
* swapping a and b mirrors 'greater' and 'less';
* the same rng gives the identical null distribution, different seeds a different one,
  and the rng argument (not global state) controls the draws.
"""

import itertools
import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from affectctl.errors import DegenerateDataWarning
from affectctl.stats import (
    PairedPredictions,
    approximate_randomization,
    paired_bootstrap,
    paired_ttest,
    signflip_test,
    wilcoxon_test,
)

SETTINGS = settings(max_examples=40, deadline=None)

diffs = st.lists(st.floats(-5, 5, allow_nan=False, allow_subnormal=False).map(
    lambda x: round(x, 3)), min_size=3, max_size=10)


def quiet(func, *args, **kwargs):
    """Run a test, ignoring only the expected DegenerateDataWarning (zeros, floors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        return func(*args, **kwargs)


@st.composite
def small_strata(draw, max_n=8):
    n = draw(st.integers(4, max_n))
    y = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    pa = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    pb = np.array(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    return PairedPredictions(y, pa, pb, 3)


def brute_ar_accuracy(s, alternative):
    obs = np.mean(s.pred_a == s.y_true) - np.mean(s.pred_b == s.y_true)
    vals = []
    for bits in itertools.product((False, True), repeat=s.n):
        sw = np.array(bits)
        a = np.where(sw, s.pred_b, s.pred_a)
        b = np.where(sw, s.pred_a, s.pred_b)
        vals.append(np.mean(a == s.y_true) - np.mean(b == s.y_true))
    vals = np.array(vals)
    pg, pl = np.mean(vals >= obs - 1e-12), np.mean(vals <= obs + 1e-12)
    return {"greater": pg, "less": pl, "two-sided": min(1, 2 * min(pg, pl))}[alternative]


alternatives = st.sampled_from(["two-sided", "greater", "less"])


@SETTINGS
@given(d=diffs, alternative=alternatives)
def test_signflip_exact_and_randomized_agree(d, alternative):
    d = np.array(d)
    ex = quiet(signflip_test, d, np.zeros_like(d), alternative=alternative)
    mc = quiet(signflip_test, d, np.zeros_like(d), alternative=alternative, exact=False,
               n_resamples=4000, rng=17)
    assert abs(ex.pvalue - mc.pvalue) <= 5 * max(mc.mc_se, 1e-3) + 2 / 4001


@settings(max_examples=25, deadline=None)
@given(s=small_strata(), alternative=alternatives)
def test_ar_agrees_with_exact_enumeration(s, alternative):
    res = quiet(approximate_randomization, s, "accuracy", unit="sample", n_resamples=3000, rng=5,
                alternative=alternative)
    exact = brute_ar_accuracy(s, alternative)
    assert abs(res.pvalue - exact) <= 5 * max(res.mc_se, 1e-3) + 2 / 3001


@SETTINGS
@given(d=diffs, alternative=alternatives)
def test_pvalues_in_unit_interval_and_mc_never_zero(d, alternative):
    d = np.array(d)
    z = np.zeros_like(d)
    for res in (quiet(wilcoxon_test, d, z, alternative=alternative),
                quiet(signflip_test, d, z, alternative=alternative),
                quiet(signflip_test, d, z, alternative=alternative, exact=False, n_resamples=99,
                      rng=1)):
        assert 0.0 < res.pvalue <= 1.0
        assert res.pvalue >= res.min_pvalue - 1e-15
    mc = quiet(signflip_test, d, z, alternative=alternative, exact=False, n_resamples=99, rng=1)
    assert mc.pvalue >= 1 / 100


@SETTINGS
@given(d=diffs, offset=st.floats(-1, 1).map(lambda x: round(x, 2)))
def test_swapping_a_and_b_mirrors_alternatives(d, offset):
    a = np.array(d) + offset
    b = np.full_like(a, offset) + np.linspace(0, 0.01, a.shape[0])
    for func, kw in ((wilcoxon_test, {}), (signflip_test, {}),
                     (signflip_test, dict(exact=False, n_resamples=500, rng=3))):
        g = quiet(func, a, b, alternative="greater", **kw)
        ll = quiet(func, b, a, alternative="less", **kw)
        assert g.pvalue == ll.pvalue
        t1 = quiet(func, a, b, **kw)
        t2 = quiet(func, b, a, **kw)
        assert t1.pvalue == t2.pvalue
    if np.ptp(a - b) > 0:
        assert paired_ttest(a, b, alternative="greater").pvalue == \
            paired_ttest(b, a, alternative="less").pvalue


@settings(max_examples=15, deadline=None)
@given(s=small_strata(max_n=12), seed=st.integers(0, 2**32))
def test_ar_mirror_in_distribution(s, seed):
    sw = PairedPredictions(s.y_true, s.pred_b, s.pred_a, 3)
    g = quiet(approximate_randomization, s, "accuracy", unit="sample", n_resamples=4000,
              rng=seed, alternative="greater")
    ll = quiet(approximate_randomization, sw, "accuracy", unit="sample", n_resamples=4000,
               rng=seed + 1, alternative="less")
    assert abs(g.pvalue - ll.pvalue) <= 5 * np.hypot(g.mc_se, ll.mc_se) + 1e-2


@settings(max_examples=15, deadline=None)
@given(s=small_strata(max_n=30), seed=st.integers(0, 2**62))
def test_same_rng_same_null_different_seed_different_null(s, seed):
    g = s.group
    s = PairedPredictions(s.y_true, s.pred_a, s.pred_b, 3, group=np.arange(s.n) % 4 if g is None
                          else g)
    for func in (approximate_randomization, paired_bootstrap):
        for unit in ("sample", "group"):
            r1 = quiet(func, s, "accuracy", unit=unit, n_resamples=200, rng=seed,
                       return_null=True)
            r2 = quiet(func, s, "accuracy", unit=unit, n_resamples=200, rng=seed,
                       return_null=True)
            np.testing.assert_array_equal(r1.null_distribution, r2.null_distribution)
            assert r1.seed == seed
            # with any non-degenerate null, another seed gives other draws
            if np.ptp(r1.null_distribution) > 0:
                r3 = quiet(func, s, "accuracy", unit=unit, n_resamples=200, rng=seed + 1,
                           return_null=True)
                assert not np.array_equal(r1.null_distribution, r3.null_distribution)


def test_rng_argument_controls_the_draws():
    d = np.random.default_rng(1).normal(size=30)
    z = np.zeros(30)
    # a Generator is consumed: two calls sharing it differ; equal fresh Generators agree
    gen = np.random.default_rng(42)
    r1 = signflip_test(d, z, rng=gen, alpha=None)
    r2 = signflip_test(d, z, rng=gen, alpha=None)
    assert not np.array_equal(r1.null_distribution, r2.null_distribution)
    r3 = signflip_test(d, z, rng=np.random.default_rng(42), alpha=None)
    np.testing.assert_array_equal(r1.null_distribution, r3.null_distribution)
    # the reported seed reproduces each result
    np.testing.assert_array_equal(
        signflip_test(d, z, rng=r2.seed, alpha=None).null_distribution, r2.null_distribution)
    # the global numpy state plays no part
    np.random.seed(0)  # noqa: NPY002
    r4 = signflip_test(d, z, rng=7, alpha=None)
    np.random.seed(1)  # noqa: NPY002
    r5 = signflip_test(d, z, rng=7, alpha=None)
    np.testing.assert_array_equal(r4.null_distribution, r5.null_distribution)
    y = np.arange(40) % 3
    s = PairedPredictions(y, (y + (np.arange(40) % 5 == 0)) % 3, (y + (np.arange(40) % 3 == 0)) % 3,
                          3)
    gen = np.random.default_rng(3)
    b1 = paired_bootstrap(s, "accuracy", unit="sample", rng=gen, n_resamples=100,
                          return_null=True, alpha=None)
    b2 = paired_bootstrap(s, "accuracy", unit="sample", rng=gen, n_resamples=100,
                          return_null=True, alpha=None)
    assert b1.seed != b2.seed
    assert not np.array_equal(b1.null_distribution, b2.null_distribution)
