"""Confidence intervals that belong to the seed-level tests: each test inverts itself.

* Wilcoxon signed-rank -> the Hodges–Lehmann estimate (median of the Walsh averages)
  and its exact interval from order statistics of the Walsh averages (Bauer 1972);
* sign-flip -> the interval of shifts the sign-flip test does not reject, from order
  statistics of subset means (Hartigan 1969);
* paired t -> the Student-t interval.

With few seeds an exact interval cannot reach every level: with 5 seeds the widest
finite Wilcoxon or sign-flip interval, ``[min d, max d]``, has confidence
1 − 2/32 = 0.9375. As R's ``wilcox.test(conf.int = TRUE)`` does, the interval is then
the widest finite one and ``confidence`` reports the level achieved; otherwise the
level achieved is the smallest attainable level at or above the one requested.

Every function returns an :class:`~affectctl.stats.intervals.IntervalEstimate`: the test's
estimate and its :class:`~affectctl.stats.intervals.Interval`.

References
----------
.. [1] Bauer, D. F. (1972). Constructing confidence sets using rank statistics.
       JASA 67(339), 687-690.
.. [2] Hartigan, J. A. (1969). Using subsample values as typical values. JASA 64(328),
       1303-1317.
.. [3] Hollander, M., Wolfe, D. A. & Chicken, E. (2014). Nonparametric Statistical
       Methods, 3rd ed., §3.2 (Hodges–Lehmann estimator and its interval).
"""

from __future__ import annotations

import math
import numpy as np

from affectctl.stats.intervals import Interval, IntervalEstimate

__all__ = ["IntervalEstimate", "hodges_lehmann_interval", "signflip_interval", "t_interval",
           "MAX_EXACT_SIGNFLIP_INTERVAL"]

#: The Hodges–Lehmann interval uses the exact signed-rank null up to this many pairs, a
#: normal approximation beyond (as the Wilcoxon test's p-value).
MAX_EXACT_HODGES_LEHMANN = 400
#: The sign-flip interval enumerates all 2**n subset means up to this many seeds; beyond,
#: it inverts the Monte-Carlo test (random subsets) that the p-value uses.
MAX_EXACT_SIGNFLIP_INTERVAL = 20

_HL, _SF, _T = "hodges_lehmann_walsh", "signflip_inversion", "student_t"
_NAN = float("nan")


def _signed_rank_cdf(n: int) -> np.ndarray:
    """``cdf[k] = P(T+ <= k)`` of the signed-rank statistic with ranks 1..n (no ties)."""
    total = n * (n + 1) // 2
    pmf = np.zeros(total + 1)
    pmf[0] = 1.0
    for r in range(1, n + 1):
        pmf[r:] = 0.5 * pmf[r:] + 0.5 * pmf[:-r].copy()
        pmf[:r] *= 0.5
    return np.cumsum(pmf)


def _walsh_averages(d: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(d.shape[0])
    return np.sort((d[i] + d[j]) / 2.0)


def hodges_lehmann_interval(d, confidence: float = 0.95) -> IntervalEstimate:
    """Hodges–Lehmann estimate and exact interval of the centre of the paired differences.

    Parameters
    ----------
    d : array-like of shape (n,)
        Paired differences a − b (finite).
    confidence : float, default 0.95

    Returns
    -------
    IntervalEstimate
        ``estimate`` the median of the :math:`N = n(n+1)/2` Walsh averages
        :math:`(d_i + d_j)/2, i \\le j`; ``[W_{(k)}, W_{(N+1-k)}]`` with
        :math:`k = \\max(1, q)`, :math:`q` the smallest integer with
        :math:`P(T_+ \\le q) \\ge (1 - c)/2` under the signed-rank null of n pairs (R's
        ``qsignrank``);
        achieved level :math:`1 - 2P(T_+ \\le k - 1)`.

    Notes
    -----
    The interval is the set of shifts θ that the two-sided signed-rank test of
    :math:`d - θ` does not reject (Bauer 1972), using the null of n untied ranks as R's
    ``wilcox.test(x, conf.int = TRUE, exact = TRUE)`` does; with ties or zero
    differences that null is approximate (R then switches to a normal approximation).
    Equals R's ``wilcox.test(d, conf.int = TRUE)$conf.int`` and ``$estimate`` for
    untied data (checked in ``tests/stats/test_seed_intervals.py``). The interval uses all
    n differences; the test's p-value drops zero differences (``zero_method``), so with
    zeros the two agree only approximately. Beyond ``MAX_EXACT_HODGES_LEHMANN`` pairs, k
    comes from the normal approximation of the null (``exact=False``).
    """
    from scipy import stats  # here, not at import: module docstring of affectctl.stats

    d = np.asarray(d, dtype=np.float64)
    n = int(d.shape[0])
    if n == 0:
        return IntervalEstimate(_NAN,
                            Interval(_NAN, _NAN, _HL, _NAN, True))
    w = _walsh_averages(d)
    big_n = w.shape[0]
    tail = (1.0 - confidence) / 2.0
    if n > MAX_EXACT_HODGES_LEHMANN:
        # normal approximation of the signed-rank null (mean N/2, variance n(n+1)(2n+1)/24)
        sd = math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
        k = max(1, int(math.floor(big_n / 2.0 - float(stats.norm.isf(tail)) * sd)))
        achieved = 1.0 - 2.0 * float(stats.norm.cdf((k - 0.5 - big_n / 2.0) / sd))
        return IntervalEstimate(float(np.median(w)),
                            Interval(float(w[k - 1]), float(w[big_n - k]), _HL, achieved, False))
    cdf = _signed_rank_cdf(n)
    # k = R's qsignrank(tail, n): the smallest q with P(T+ <= q) >= tail (R's fuzz of
    # 10 eps); the interval cuts k − 1 Walsh averages from each end
    k = int(np.searchsorted(cdf, tail - 10 * np.finfo(np.float64).eps, side="left"))
    k = max(k, 1)
    achieved = 1.0 - 2.0 * float(cdf[k - 1])
    return IntervalEstimate(float(np.median(w)),
                            Interval(float(w[k - 1]), float(w[big_n - k]), _HL, achieved, True))


def _subset_means_exact(d: np.ndarray) -> np.ndarray:
    """Means of all 2**n − 1 non-empty subsets of d (sorted)."""
    n = d.shape[0]
    sums = np.zeros(1)
    counts = np.zeros(1, dtype=np.int64)
    for v in d.tolist():
        sums = np.concatenate([sums, sums + v])
        counts = np.concatenate([counts, counts + 1])
    keep = counts > 0
    return np.sort(sums[keep] / counts[keep]) if n else np.zeros(0)


def signflip_interval(d, confidence: float = 0.95, *, n_resamples: int | None = None,
                      gen: np.random.Generator | None = None) -> IntervalEstimate:
    """Interval of the mean paired difference by inverting the sign-flip test.

    Parameters
    ----------
    d : array-like of shape (n,)
    confidence : float, default 0.95
    n_resamples : int, optional
        Monte-Carlo subsets when ``n > MAX_EXACT_SIGNFLIP_INTERVAL`` (required then).
    gen : numpy.random.Generator, optional
        Generator of those subsets.

    Returns
    -------
    IntervalEstimate
        ``estimate`` the mean of d; ``interval.method="signflip_inversion"``.

    Notes
    -----
    Flipping the signs of a subset S of :math:`d - θ` makes the mean statistic at least
    its observed value exactly when the mean of :math:`d` over S is at most θ, so
    :math:`p_>(θ) = (1 + \\#\\{S \\ne \\emptyset: \\bar d_S \\le θ\\})/2^n` and the shifts the
    two-sided test keeps (each one-sided p above :math:`(1-c)/2`) are
    :math:`[M_{(k)}, M_{(N+1-k)}]`, :math:`M` the :math:`N = 2^n - 1` sorted subset means
    and :math:`k = \\lfloor (1-c) 2^{n-1} \\rfloor` (Hartigan 1969). When k = 0 the
    requested level cannot be reached; the widest finite interval (k = 1,
    ``[min d, max d]``) is reported with its level :math:`1 - 2/2^n`. Beyond 20 seeds
    the same order statistics are taken over ``n_resamples`` random subsets with the
    +1 convention of the Monte-Carlo p-value (``exact=False``).
    """
    d = np.asarray(d, dtype=np.float64)
    n = int(d.shape[0])
    if n == 0:
        return IntervalEstimate(_NAN,
                            Interval(_NAN, _NAN, _SF, _NAN, True))
    exact = n <= MAX_EXACT_SIGNFLIP_INTERVAL
    if exact:
        means = _subset_means_exact(d)
        total = 2 ** n                       # the p-value's denominator
    else:
        if n_resamples is None or gen is None:
            raise ValueError("signflip_interval needs n_resamples and gen beyond "
                             f"{MAX_EXACT_SIGNFLIP_INTERVAL} pairs")
        flip = gen.integers(0, 2, size=(n_resamples, n), dtype=np.int8).astype(np.float64)
        cnt = flip.sum(axis=1)
        sums = flip @ d
        # an empty subset (probability 2**-n) leaves the statistic unchanged; dropping it
        # moves the bounds by at most one order statistic
        means = np.sort(sums[cnt > 0] / cnt[cnt > 0])
        total = n_resamples + 1
    k = int(math.floor((1.0 - confidence) * total / 2.0 + 1e-9))
    k = max(k, 1)
    achieved = 1.0 - 2.0 * k / total
    return IntervalEstimate(float(d.mean()),
                            Interval(float(means[k - 1]), float(means[-k]), _SF, achieved, exact))


def t_interval(d, confidence: float = 0.95) -> IntervalEstimate:
    """Student-t interval of the mean paired difference.

    .. math:: \\bar d \\pm t_{(1+c)/2,\\,n-1}\\, s_d / \\sqrt n

    Equals ``scipy.stats.ttest_rel(a, b).confidence_interval(confidence)``. NaN bounds
    when n < 2; both bounds equal the mean when the differences are constant.
    """
    from scipy import stats  # here, not at import: module docstring of affectctl.stats

    d = np.asarray(d, dtype=np.float64)
    n = int(d.shape[0])
    m = float(d.mean()) if n else float("nan")
    if n < 2:
        return IntervalEstimate(m,
                            Interval(_NAN, _NAN, _T, _NAN, True))
    se = float(d.std(ddof=1)) / math.sqrt(n)
    if se == 0:
        return IntervalEstimate(m,
                            Interval(m, m, _T, confidence, True))
    t = float(stats.t.ppf(0.5 + confidence / 2.0, df=n - 1))
    return IntervalEstimate(m,
                            Interval(m - t * se, m + t * se, _T, confidence, True))
