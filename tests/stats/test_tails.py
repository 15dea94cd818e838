"""The contingency tests' tail probabilities (affectctl.stats._tails) against independent
references: exact rational arithmetic (math.comb), mpmath's regularized incomplete gamma
at 40 digits, scipy.special and scipy.stats."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import special, stats

from affectctl.stats import _tails
from affectctl.stats._tails import binom_half_cdf, chi2_sf, normal_quantile

mpmath = pytest.importorskip("mpmath")   # in the test extra: absent only outside it


def _exact_cdf(k, n):
    return Fraction(sum(math.comb(n, j) for j in range(k + 1)), 2**n)


def test_binomial_tail_is_the_exact_rational_rounded_once():
    for n in range(0, 70):
        for k in range(-1, n + 2):
            want = float(_exact_cdf(k, n)) if 0 <= k else 0.0
            assert binom_half_cdf(k, n) == want, (k, n)


def test_binomial_tail_agrees_with_scipy_on_large_and_random_cases():
    gen = np.random.default_rng(0)
    ns = gen.integers(70, _tails.EXACT_MAX, size=15)
    for n in ns:
        for k in (0, 1, int(n) // 3, int(n) // 2 - 1, int(n) // 2):
            got = binom_half_cdf(k, int(n))
            want = stats.binom.cdf(k, int(n), 0.5)
            if want > 1e-100:   # deeper, SciPy's incomplete beta drifts (below)
                assert got == pytest.approx(want, rel=1e-12, abs=0), (k, n)
    # against mpmath's incomplete beta at 40 digits, in both branches of the sum; at
    # (3219, 9657), P = 5.2e-240, scipy.stats.binom.cdf and betainc are 1.1e-12 relative
    # off, this is exact
    mpmath.mp.dps = 40
    for k, n in ((1234, 5000), (2500, 5000), (2499, 4999), (3219, 9657)):
        want = float(mpmath.betainc(n - k, k + 1, 0, 0.5, regularized=True))
        assert binom_half_cdf(k, n) == want, (k, n)


def test_binomial_tail_above_the_exact_bound_is_scipys_incomplete_beta():
    n = _tails.EXACT_MAX + 11
    for k in (3, n // 2 - 50, n // 2):
        assert binom_half_cdf(k, n) == float(special.betainc(n - k, k + 1, 0.5))


@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 6, 7, 12, 21, 28, 45, 120])
def test_chi_square_tail_against_mpmath_at_40_digits(df):
    mpmath.mp.dps = 40
    xs = np.concatenate([np.geomspace(1e-8, 1.0, 15), np.linspace(1.0, 3.0 * df + 60, 40),
                         np.geomspace(3.0 * df + 60, 1400.0, 10)])
    for x in xs:
        want = float(mpmath.gammainc(df / 2, x / 2, mpmath.inf, regularized=True))
        got = chi2_sf(x, df)
        assert got == pytest.approx(want, rel=2e-13, abs=0), (x, df)
        assert got == pytest.approx(float(special.chdtrc(df, x)), rel=3e-13, abs=0), (x, df)


def test_chi_square_tail_edges():
    assert chi2_sf(0.0, 3) == 1.0 and chi2_sf(-1.0, 1) == 1.0
    assert chi2_sf(math.inf, 4) == 0.0 and math.isnan(chi2_sf(math.nan, 2))
    assert chi2_sf(1e6, 7) == 0.0                       # underflows as SciPy's does
    for df in (0, -2):
        with pytest.raises(ValueError):
            chi2_sf(1.0, df)


def test_normal_quantile_against_scipy():
    for p in np.concatenate([np.geomspace(1e-300, 0.5, 60), [0.9, 0.95, 0.975, 0.995, 1 - 1e-12]]):
        assert normal_quantile(p) == pytest.approx(float(special.ndtri(p)), rel=1e-14, abs=1e-15)


def test_edges_a_caller_can_reach():
    # a confidence just below 1 (accepted by check_confidence) rounds 0.5 + c/2 to 1
    assert normal_quantile(0.5 + 0.9999999999999999 / 2) == math.inf == float(special.ndtri(1.0))
    assert normal_quantile(0.0) == -math.inf and math.isnan(normal_quantile(1.5))
    assert chi2_sf(5e-324, 3) == 1.0 == float(special.chdtrc(3, 5e-324))
