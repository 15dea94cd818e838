"""The Gaussian replicate sums (affectctl.stats.samples._gaussian) against the exact engines.

References used below:
* the exact engines of the same module (``sums="exact"``: one random bit or one
  multinomial count per unit and replicate), compared in distribution (two-sample
  Kolmogorov-Smirnov, scipy.stats.ks_2samp) and at the tails (rejection rates and CI
  ends within 3 Monte-Carlo standard errors);
* the binomial distribution of the number of rejections under H0 (calibration).

A planted error in the Gaussian moments (AR covariance /8 instead of /4, bootstrap
covariance halved) makes the comparisons on normal and skewed data fail, and the
calibration (33 rejections of 300 against at most 29); on the 'outliers' data most of
the variance sits in the units drawn exactly, so those comparisons do not see it.
"""

import numpy as np
import pytest
from scipy import stats

from affectctl.errors import ConfigError
from affectctl.stats.samples import (
    MetricContext,
    PairedPredictions,
    approximate_randomization,
    paired_bootstrap,
)
from affectctl.stats.samples import _gaussian

K = 4
R = 10_000


def make_data(rng, n, kind):
    """VA and class probabilities whose per-unit sums are normal, skewed or heavy-tailed.

    ``kind``: 'normal' (Gaussian prediction noise), 'skewed' (exponential noise,
    Dirichlet(0.2) probabilities: skewed per-unit costs), 'outliers' (normal, plus
    a few units whose predictions are off by 50 and whose cost is 500 times the rest).
    """
    y = rng.integers(1, K, n)
    vt = rng.uniform(-1, 1, (n, 2))
    if kind == "skewed":
        na, nb = rng.exponential(0.5, (n, 2)) - 0.5, rng.exponential(0.5, (n, 2)) - 0.5
        pa, pb = rng.dirichlet(np.full(K, 0.2), n), rng.dirichlet(np.full(K, 0.2), n)
    else:
        na, nb = rng.normal(0, 0.5, (n, 2)), rng.normal(0, 0.5, (n, 2))
        pa, pb = rng.dirichlet(np.ones(K), n), rng.dirichlet(np.ones(K), n)
    cost = 1.0 - np.eye(K)
    if kind == "outliers":
        out = rng.choice(n, 20, replace=False)
        na[out] += 50.0
        y[out] = 0
        pa[out] = np.array([0.0, 0.0, 0.0, 1.0])
        cost[0, 3] = 500.0
    return (PairedPredictions(y, y, y, K, va_true=vt, va_a=vt + na, va_b=0.97 * vt + nb,
                              proba_a=pa, proba_b=pb), MetricContext(cost=cost))


def assert_pvalues_within_mc(p1, p2):
    """Two-sided MC p-values 2 min(p<, p>) from two independent sets of R replicates: the SE of
    one is 2 sqrt(q (1 - q) / R) with q = p / 2."""
    q = max(0.25 * (p1 + p2), 1 / R)
    assert abs(p1 - p2) <= 3 * np.sqrt(2) * 2 * np.sqrt(q * (1 - q) / R), (p1, p2)


def assert_same_within_mc(gauss, exact, *, symmetric=False):
    """KS does not reject at 1e-3, and the exact replicates' quantiles cut the Gaussian ones at
    the same levels within 3 Monte-Carlo SE (both sides random: the SE of a difference of two
    proportions). For a symmetric null (AR) the levels are two-sided, on |null|, as the
    two-sided p-value uses them."""
    assert stats.ks_2samp(gauss, exact).pvalue > 1e-3
    if symmetric:
        qs = np.array([0.5, 0.9, 0.95, 0.99])
        gauss, exact = np.abs(gauss), np.abs(exact)
    else:
        qs = np.array([0.025, 0.05, 0.5, 0.95, 0.975])
    rates = np.array([np.mean(gauss <= c) for c in np.quantile(exact, qs)])
    se = np.sqrt(2 * qs * (1 - qs) / len(gauss))
    assert np.all(np.abs(rates - qs) <= 3 * se), (rates, qs)


# -- the AR null ---------------------------------------------------------------------------- #

@pytest.mark.parametrize("kind", ["normal", "skewed", "outliers"])
@pytest.mark.parametrize("metric", ["va_ccc_valence", "va_ccc_mean", "expected_cost"])
def test_ar_gaussian_null_matches_exact(metric, kind):
    data, ctx = make_data(np.random.default_rng(1), 100_000, kind)
    res = {s: approximate_randomization(data, metric, unit="sample", n_resamples=R, rng=5,
                                        context=ctx, return_null=True, alpha=None, sums=s)
           for s in ("auto", "exact")}
    assert "replicate sums: Gaussian" in res["auto"].note
    assert res["exact"].note.endswith("replicate sums: exact")
    assert res["auto"].statistic == res["exact"].statistic
    assert_same_within_mc(res["auto"].null_distribution, res["exact"].null_distribution,
                          symmetric=True)
    assert_pvalues_within_mc(res["auto"].pvalue, res["exact"].pvalue)


def test_ar_gaussian_null_matches_exact_at_an_intermediate_pvalue():
    """Two systems close enough that p is neither 0 nor 1: the p-values agree within 3 MC SE."""
    rng = np.random.default_rng(3)
    n = 100_000
    vt = rng.uniform(-1, 1, (n, 2))
    noise = rng.normal(0, 0.5, (n, 2))
    data = PairedPredictions(np.zeros(n, int), np.zeros(n, int), np.zeros(n, int), 2,
                             va_true=vt, va_a=vt + noise,
                             va_b=vt + 0.995 * noise + rng.normal(0, 0.05, (n, 2)))
    res = {s: approximate_randomization(data, "va_ccc_mean", unit="sample", n_resamples=R,
                                        rng=2, alpha=None, sums=s) for s in ("auto", "exact")}
    assert "replicate sums: Gaussian" in res["auto"].note
    p = res["exact"].pvalue
    assert 0.02 < p < 0.98
    assert_pvalues_within_mc(res["auto"].pvalue, p)


# -- the bootstrap -------------------------------------------------------------------------- #

@pytest.mark.parametrize("kind", ["normal", "skewed", "outliers"])
@pytest.mark.parametrize("metric", ["va_ccc_mean", "expected_cost"])
def test_bootstrap_gaussian_matches_exact(monkeypatch, metric, kind):
    """On 10,000 units (Gaussian path forced below its unit threshold and regardless of the
    diagnostic, i.e. a harsher setting than the default; the exact bootstrap costs O(units)
    per replicate), the replicates, the percentile CI ends and the p-value agree with the
    exact multinomial bootstrap."""
    monkeypatch.setattr(_gaussian, "_MIN_UNITS", 2**10)
    monkeypatch.setattr(_gaussian, "_EXACT_UNITS", 256)
    monkeypatch.setattr(_gaussian, "_TOL", np.inf)
    data, ctx = make_data(np.random.default_rng(2), 10_000, kind)
    res = {s: paired_bootstrap(data, metric, unit="sample", n_resamples=R, rng=7, context=ctx,
                               return_null=True, alpha=None, sums=s) for s in ("auto", "exact")}
    assert "replicate sums: Gaussian" in res["auto"].note
    gauss, exact = res["auto"].null_distribution, res["exact"].null_distribution
    assert_same_within_mc(gauss, exact)
    se = np.sqrt(2 * 0.025 * 0.975 / R)
    assert abs(np.mean(exact <= res["auto"].ci_low) - 0.025) <= 3 * se
    assert abs(np.mean(exact <= res["auto"].ci_high) - 0.975) <= 3 * se
    assert_pvalues_within_mc(res["auto"].pvalue, res["exact"].pvalue)


@pytest.mark.slow
def test_bootstrap_gaussian_matches_exact_on_200k_units():
    """The default thresholds on 200,000 units (Gaussian path chosen by the diagnostic)."""
    data, ctx = make_data(np.random.default_rng(4), 200_000, "normal")
    r = 2000  # the exact bootstrap costs O(units) per replicate
    res = {s: paired_bootstrap(data, "va_ccc_mean", unit="sample", n_resamples=r, rng=3,
                               context=ctx, return_null=True, alpha=None, sums=s)
           for s in ("auto", "exact")}
    assert "replicate sums: Gaussian" in res["auto"].note
    assert stats.ks_2samp(res["auto"].null_distribution,
                          res["exact"].null_distribution).pvalue > 1e-3


def test_group_level_counts_are_lattice_data_and_declined(monkeypatch):
    """unit='group' of a count metric: per-video confusion counts are integers taking a few
    values; their lattice term (half an atom) is far above the tolerance, so the Gaussian
    sums are declined for that reason, and 'auto' gives the exact bytes."""
    monkeypatch.setattr(_gaussian, "_MIN_UNITS", 2**10)
    rng = np.random.default_rng(12)
    n, k = 30_000, 4
    y = rng.integers(0, k, n)
    pa = np.where(rng.random(n) < 0.7, y, rng.integers(0, k, n))
    pb = np.where(rng.random(n) < 0.7, y, rng.integers(0, k, n))
    data = PairedPredictions(y, pa, pb, k, group=np.arange(n) // 10)
    res = {s: approximate_randomization(data, "expr_macro_f1", unit="group", n_resamples=999,
                                        rng=3, return_null=True, alpha=None, sums=s)
           for s in ("auto", "exact")}
    assert "Gaussian sums were declined: a feature column takes" in res["auto"].note
    assert "a lattice whose atoms bound the normal's error by" in res["auto"].note
    assert res["auto"].null_distribution.tobytes() == res["exact"].null_distribution.tobytes()


# -- when the Gaussian path is declined ----------------------------------------------------- #

def test_ar_falls_back_to_exact_when_a_few_units_dominate_the_rest():
    """More dominant units than the exact set holds: the rest's max leverage is large, the
    Edgeworth bound exceeds the tolerance, and the exact engine runs (same bytes as 'exact')."""
    rng = np.random.default_rng(5)
    n = 2**16 + 1000
    vt = rng.uniform(-1, 1, (n, 2))
    va = vt + rng.normal(0, 0.5, (n, 2))
    vb = va + rng.normal(0, 0.01, (n, 2))
    big = rng.choice(n, _gaussian._EXACT_UNITS + 40, replace=False)
    vb[big] += 100.0 * rng.choice([-1, 1], (big.shape[0], 2))
    data = PairedPredictions(np.zeros(n, int), np.zeros(n, int), np.zeros(n, int), 2,
                             va_true=vt, va_a=va, va_b=vb)
    auto = approximate_randomization(data, "va_ccc_valence", unit="sample", n_resamples=999,
                                     rng=1, return_null=True, alpha=None)
    exact = approximate_randomization(data, "va_ccc_valence", unit="sample", n_resamples=999,
                                      rng=1, return_null=True, alpha=None, sums="exact")
    assert "Gaussian sums were declined" in auto.note
    assert auto.null_distribution.tobytes() == exact.null_distribution.tobytes()


def test_bootstrap_falls_back_to_exact_on_strongly_skewed_sums(monkeypatch):
    """Skewness spread over the bulk of the units (not only a few outliers): declined."""
    monkeypatch.setattr(_gaussian, "_EXACT_UNITS", 256)
    rng = np.random.default_rng(6)
    n = 2**16
    y = np.ones(n, int)
    pa = np.zeros((n, 2))
    pa[:, 1] = np.where(rng.random(n) < 0.02, 1.0, 0.0)  # cost 1 on 2 % of the units, else 0
    pa[:, 0] = 1.0 - pa[:, 1]
    pb = np.full((n, 2), 0.5)
    data = PairedPredictions(y, y, y, 2, proba_a=pa[:, ::-1], proba_b=pb)
    ctx = MetricContext(cost=1.0 - np.eye(2))
    auto = paired_bootstrap(data, "expected_cost", unit="sample", n_resamples=999, rng=1,
                            context=ctx, return_null=True, alpha=None)
    assert "Gaussian sums were declined" in auto.note
    exact = paired_bootstrap(data, "expected_cost", unit="sample", n_resamples=999, rng=1,
                             context=ctx, return_null=True, alpha=None, sums="exact")
    assert auto.null_distribution.tobytes() == exact.null_distribution.tobytes()


# -- contract ------------------------------------------------------------------------------- #

def test_gaussian_path_is_deterministic_and_below_threshold_is_exact():
    data, ctx = make_data(np.random.default_rng(7), 2**16 + 5, "normal")
    runs = [paired_bootstrap(data, "va_ccc_mean", unit="sample", n_resamples=300, rng=11,
                             return_null=True, alpha=None) for _ in range(2)]
    assert "replicate sums: Gaussian" in runs[0].note
    assert runs[0].null_distribution.tobytes() == runs[1].null_distribution.tobytes()
    other = paired_bootstrap(data, "va_ccc_mean", unit="sample", n_resamples=300, rng=12,
                             return_null=True, alpha=None)
    assert other.null_distribution.tobytes() != runs[0].null_distribution.tobytes()
    small, _ = make_data(np.random.default_rng(7), 2**16 - 1, "normal")
    res = approximate_randomization(small, "va_ccc_mean", unit="sample", n_resamples=50, rng=1,
                                    alpha=None)
    assert res.note.endswith("replicate sums: exact")


@pytest.mark.parametrize("bad", ["gaussian", "", None, 1])
def test_sums_is_validated(bad):
    data, _ = make_data(np.random.default_rng(0), 50, "normal")
    with pytest.raises(ConfigError, match=r"`sums` must be one of \{'auto', 'exact'\}"):
        approximate_randomization(data, "va_ccc_mean", unit="sample", sums=bad)
    with pytest.raises(ConfigError, match="`sums`"):
        paired_bootstrap(data, "va_ccc_mean", unit="sample", sums=bad)


def test_gaussian_moments_of_the_ar_sum_are_exact():
    """Mean and covariance of the drawn sums against 1/2 sum d and 1/4 sum d d^T (the exact
    moments of a sum of Bernoulli(1/2)-weighted rows), within sampling error."""
    rng = np.random.default_rng(8)
    d = np.column_stack([rng.exponential(size=20_000), rng.normal(size=20_000)])
    d[:, 1] += 0.5 * d[:, 0]
    g = _gaussian.GaussianSums([d], "ar")
    s = g.ar(np.random.default_rng(1), 20_000)
    cov = 0.25 * d.T @ d
    np.testing.assert_allclose(s.mean(axis=0), 0.5 * d.sum(axis=0),
                               atol=4 * np.sqrt(np.diag(cov) / 20_000).max())
    np.testing.assert_allclose(np.cov(s.T), cov, rtol=0.05)


# -- calibration ---------------------------------------------------------------------------- #

@pytest.mark.slow
def test_ar_type1_error_with_gaussian_sums_is_within_binomial_bounds(monkeypatch):
    """300 null datasets (A and B exchangeable on every unit), AR at alpha 0.05
    through the Gaussian path on 5,000 units (thresholds lowered and the diagnostic ignored: a
    harsher setting than the default)."""
    monkeypatch.setattr(_gaussian, "_MIN_UNITS", 4096)
    monkeypatch.setattr(_gaussian, "_EXACT_UNITS", 256)
    monkeypatch.setattr(_gaussian, "_TOL", np.inf)
    rng = np.random.default_rng(9)
    n, sims, alpha = 5000, 300, 0.05
    rejections = 0
    for _ in range(sims):
        vt = rng.uniform(-1, 1, (n, 2))
        noise = rng.normal(0, 0.5, (2, n, 2))  # the normal part carries most of the variance
        data = PairedPredictions(np.zeros(n, int), np.zeros(n, int), np.zeros(n, int), 2,
                                 va_true=vt, va_a=vt + noise[0], va_b=vt + noise[1])
        res = approximate_randomization(data, "va_ccc_mean", unit="sample", n_resamples=499,
                                        rng=rng, alpha=None)
        assert "replicate sums: Gaussian" in res.note
        rejections += res.pvalue <= alpha
    lo, hi = stats.binom.ppf(0.0005, sims, alpha), stats.binom.isf(0.0005, sims, alpha)
    assert lo <= rejections <= hi, rejections


@pytest.mark.parametrize("k", [2, 3, 5])
def test_edgeworth_constants_are_the_suprema_of_phi_times_hermite(k):
    # sup |phi He_k| at a root of He_{k+1}: against closed forms (k = 2: phi(0); k = 3: at
    # x^2 = 3 - sqrt 6) and a bounded scalar maximisation from a grid's best point
    from numpy.polynomial import hermite_e
    from scipy.optimize import minimize_scalar

    from affectctl.stats.samples._gaussian import _sup_phi_hermite

    def f(x):
        return abs(hermite_e.hermeval(x, [0] * k + [1])) * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)

    grid = np.linspace(-12, 12, 24_001)
    x0 = grid[np.argmax([f(x) for x in grid])]
    best = -minimize_scalar(lambda x: -f(x), bounds=(x0 - 0.01, x0 + 0.01), method="bounded",
                            options={"xatol": 1e-12}).fun
    assert _sup_phi_hermite(k) == pytest.approx(best, rel=1e-12, abs=0)
    if k == 2:
        assert _sup_phi_hermite(2) == pytest.approx(1 / np.sqrt(2 * np.pi), rel=1e-15)
    if k == 3:
        x = np.sqrt(3 - np.sqrt(6))
        assert _sup_phi_hermite(3) == pytest.approx(x * (3 - x * x) * np.exp(-x * x / 2)
                                                    / np.sqrt(2 * np.pi), rel=1e-14)
