"""Paired tests over seeds: exact Wilcoxon signed-rank, exact sign-flip, paired t.

Each condition is trained with the same seeds; ``a[i]`` and ``b[i]`` are the
metric of conditions A and B under seed ``i``. Every test works on the paired
differences ``d = a - b``; ``alternative="greater"`` means A is larger.

With few seeds an exact test has a floor under its p-value: with 5 seeds the
smallest two-sided p of the Wilcoxon and sign-flip tests is 2/32 = 0.0625, so they
cannot reject at 0.05 whatever the data. Every result reports that floor
(``min_pvalue``) and the tests warn (:class:`~affectctl.errors.DegenerateDataWarning`)
when it exceeds ``alpha``.

All results are :class:`~affectctl.stats.results.SeedTestResult` records.

Why one module of about 640 lines: it is one family of tests (pingouin keeps one
module per family) whose three tests share the result class, the input checks, the
p-value floor (:func:`min_attainable_pvalue`) and the one sign-flip engine, which the
joint null of Westfall–Young (:func:`joint_signflip_null`) draws from too; splitting it
would put one engine's callers in several modules.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from affectctl._util.validation import SAMPLE_TESTS, SEED_TESTS
from affectctl.errors import ConfigError, DegenerateDataWarning, PairingError
from affectctl._util.validation import (
    check_alpha, check_alternative, check_bool_or_none, check_choice, check_confidence,
    check_n_resamples, normalize_rng,
)
from affectctl.stats._common import (
    as_paired_1d, mc_min_pvalue, pick_batch, pvalue_from_null, warn_unreachable,
)
from affectctl.stats.results import PairedTestResult, SeedTestResult
from affectctl.stats.effects import ZERO_METHODS, _cohen_dz, _rank_biserial, signed_ranks
from affectctl.stats.seed_intervals import (
    MAX_EXACT_SIGNFLIP_INTERVAL, hodges_lehmann_interval, signflip_interval, t_interval,
)

__all__ = [
    "PairedTestResult",
    "SeedTestResult",
    "wilcoxon_test",
    "signflip_test",
    "paired_ttest",
    "min_attainable_pvalue",
    "JointNull",
    "joint_signflip_null",
    "MAX_EXACT_SIGNFLIP",
    "MAX_EXACT_WILCOXON",
]

#: The sign-flip test enumerates all 2**n sign assignments up to this many non-zero differences.
MAX_EXACT_SIGNFLIP = 20
#: Hard limit for ``signflip_test(..., exact=True)`` (2**24 null values, 128 MiB).
_MAX_FORCED_EXACT_SIGNFLIP = 24
#: The Wilcoxon test computes its exact null (any ties, any zeros) up to this many
#: non-zero differences; beyond, a normal approximation with tie-corrected variance.
MAX_EXACT_WILCOXON = 400

# ----------------------------------------------------------------------------------------------
# smallest attainable p-values

_MIN_P_TESTS = (*SEED_TESTS, *SAMPLE_TESTS)


def min_attainable_pvalue(test: str, n: int, alternative: str, *,
                          n_resamples: int | None = None) -> float:
    """Smallest p-value ``test`` can return with ``n`` pairs.

    Parameters
    ----------
    test : {'wilcoxon', 'signflip', 'ttest', 'ar', 'bootstrap'}
    n : int
        Number of pairs with a non-zero difference (zeros carry no sign).
    alternative : {'two-sided', 'greater', 'less'}
    n_resamples : int, optional
        For Monte-Carlo tests (``'ar'``, ``'bootstrap'``, and ``'signflip'`` when
        ``n > MAX_EXACT_SIGNFLIP``): the number of replicates R.

    Returns
    -------
    float
        * exact Wilcoxon and sign-flip: :math:`2^{-n}` one-sided, :math:`2^{1-n}`
          two-sided (all signs equal is the single most extreme assignment, and its
          mirror image counts in the two-sided test). Ties and zeros do not change it.
        * Monte Carlo with R replicates: :math:`1/(R+1)` one-sided, :math:`2/(R+1)`
          two-sided, from the add-one rule.
        * paired t: 0 (the t distribution has unbounded support) for n >= 2.
        * 1.0 when no test is possible (n = 0, or n < 2 for the t-test).

    Examples
    --------
    >>> min_attainable_pvalue("wilcoxon", 5, "two-sided")
    0.0625
    >>> min_attainable_pvalue("wilcoxon", 5, "greater")
    0.03125
    """
    check_choice("test", test, _MIN_P_TESTS)
    check_alternative(alternative)
    n = _check_n(n)
    if n_resamples is not None:
        n_resamples = check_n_resamples(n_resamples)
    if test == "ttest":
        return 0.0 if n >= 2 else 1.0
    if n == 0:
        return 1.0
    if test in SAMPLE_TESTS or (test == "signflip" and n > MAX_EXACT_SIGNFLIP):
        if n_resamples is None:
            if test == "signflip":
                n_resamples = 9999
            else:
                raise ConfigError(f"`n_resamples` must be given for test={test!r}; got None.")
        return mc_min_pvalue(n_resamples, alternative)
    k = 1 if alternative == "two-sided" else 0
    return float(min(1.0, 2.0 ** (k - n)))


def _check_n(n) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ConfigError(f"`n` must be an integer >= 0; got {n!r}.")
    return int(n)


# ----------------------------------------------------------------------------------------------
# shared pieces

def _seed_iv(a, b, alternative, confidence, alpha):
    xa, xb = as_paired_1d(a, b)
    return (xa - xb, check_alternative(alternative), check_confidence(confidence),
            check_alpha(alpha))


def _effects(d, interval, zero_method="wilcox"):
    """Mean difference, effect sizes and the test's own interval (a seed_intervals.IntervalEstimate)."""
    return dict(mean_diff=float(d.mean()), estimate=interval.estimate,
                interval=interval.interval, rank_biserial=_rank_biserial(d, zero_method),
                cohen_dz=_cohen_dz(d))


def _warn_all_zero(test: str) -> None:
    warnings.warn(f"{test}: every paired difference is zero (A and B are identical on every "
                  "seed); there is no evidence either way and p = 1 is returned.",
                  DegenerateDataWarning, stacklevel=3)


# ----------------------------------------------------------------------------------------------
# Wilcoxon signed-rank

def _signed_rank_pmf(doubled_ranks: np.ndarray) -> np.ndarray:
    """Exact null pmf of twice the positive-rank sum, by enumerating all sign assignments.

    Under H0 each rank carries + or - with probability 1/2 independently, so the pmf
    of :math:`2T_+ = \\sum_i s_i r'_i` (:math:`r'_i` the doubled, hence integer,
    mid-ranks; :math:`s_i \\in \\{0, 1\\}`) is the convolution of two-point
    distributions, built one rank at a time. This enumerates the 2**m assignments
    by their sums (m steps of O(sum) work), exactly for any ties: every
    intermediate value is a dyadic rational, exact in float64 for m <= 52.
    """
    total = int(doubled_ranks.sum())
    pmf = np.zeros(total + 1)
    pmf[0] = 1.0
    top = 0
    for r in doubled_ranks.tolist():
        new = 0.5 * pmf[: top + r + 1]
        new[r:] += 0.5 * pmf[: top + 1]
        top += r
        pmf[: top + 1] = new
    return pmf


def wilcoxon_test(a, b, *, alternative: str = "two-sided", confidence: float = 0.95,
                  zero_method: str = "wilcox", alpha: float | None = 0.05) -> SeedTestResult:
    """Exact Wilcoxon signed-rank test of paired per-seed values.

    Parameters
    ----------
    a, b : array-like of shape (n_seeds,)
        Metric of conditions A and B, paired by seed (same order).
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided'
        ``'greater'``: the differences ``a - b`` are symmetric about a positive value.
    confidence : float, default 0.95
        Level of the Hodges–Lehmann interval (the achieved level is reported).
    zero_method : {'wilcox', 'pratt'}, default 'wilcox'
        Zero differences: ``'wilcox'`` drops them before ranking (Wilcoxon 1945;
        SciPy's and R's default), ``'pratt'`` ranks them and then drops their ranks
        (Pratt 1959). Either way a zero carries no sign and the test runs on the
        ``m`` non-zero differences.
    alpha : float or None, default 0.05
        Warn (:class:`~affectctl.errors.DegenerateDataWarning`) if the smallest
        attainable p-value exceeds ``alpha``; None silences the check.

    Returns
    -------
    SeedTestResult
        ``statistic`` is :math:`T_+`, the sum of the ranks of the positive
        differences (SciPy reports :math:`\\min(T_+, T_-)` for the two-sided test);
        ``exact`` is True unless ``m > MAX_EXACT_WILCOXON``; ``null_distribution``
        is None (the null is a pmf, not a sample).

    Notes
    -----
    Ranks are mid-ranks of :math:`|d|` (average ranks for ties). Under H0 the
    signs of the ``m`` ranks are independent fair coins, so

    .. math::

        P(T_+ \\ge t) = 2^{-m} \\, \\#\\{s \\in \\{0,1\\}^m :
        \\textstyle\\sum_i s_i r_i \\ge t\\}

    computed exactly by enumerating the 2**m sign assignments through their sums
    (a convolution over ranks), which stays exact with ties and zeros, where the
    textbook table (and ``scipy.stats.wilcoxon(method="exact")``, which then rounds
    the statistic conservatively) does not apply. Two-sided:
    :math:`p = \\min(1, 2\\min(P(T_+ \\le t), P(T_+ \\ge t)))`, as SciPy.
    Beyond ``MAX_EXACT_WILCOXON`` non-zero differences: normal approximation with
    mean :math:`\\sum r_i / 2` and variance :math:`\\sum r_i^2 / 4` (tie-exact), no
    continuity correction.

    Every difference zero: DegenerateDataWarning, ``statistic = 0`` and ``p = 1``.

    ``estimate`` is the Hodges–Lehmann estimate (median of the Walsh averages) and
    ``ci_low, ci_high`` its exact interval from the Walsh averages, the shifts this
    test does not reject (:func:`affectctl.stats.seed_intervals.hodges_lehmann_interval`).

    References
    ----------
    .. [1] Wilcoxon, F. (1945). Individual comparisons by ranking methods.
           Biometrics Bulletin 1(6), 80-83.
    .. [2] Pratt, J. W. (1959). Remarks on zeros and ties in the Wilcoxon signed
           rank procedures. JASA 54(287), 655-667.

    Examples
    --------
    >>> a = [0.61, 0.62, 0.60, 0.64, 0.63, 0.65]
    >>> b = [0.60, 0.60, 0.61, 0.61, 0.60, 0.61]
    >>> res = wilcoxon_test(a, b, alternative="greater")
    >>> res.n, res.statistic, round(res.p_value, 4), res.min_pvalue
    (6, 19.5, 0.0469, 0.015625)
    """
    from scipy import stats  # here, not at import: module docstring of affectctl.stats

    d, alternative, confidence, alpha = _seed_iv(a, b, alternative, confidence, alpha)
    check_choice("zero_method", zero_method, ZERO_METHODS)
    n = int(d.shape[0])
    n_zero = int(np.count_nonzero(d == 0))
    ranks, signs = signed_ranks(d, zero_method)
    m = int(ranks.shape[0])
    eff = _effects(d, hodges_lehmann_interval(d, confidence), zero_method)
    note = (f"zero_method={zero_method!r}: {n_zero} zero difference(s) carry no sign; "
            f"test on {m} non-zero difference(s); mid-ranks for ties")
    if m == 0:
        _warn_all_zero("wilcoxon_test")
        return SeedTestResult("wilcoxon", 0.0, 1.0, alternative, n, exact=True,
                                min_pvalue=1.0, n_resamples=None, seed=None, mc_se=None,
                                note=note, **eff)
    t_plus = float(ranks[signs > 0].sum())
    if m <= MAX_EXACT_WILCOXON:
        doubled = np.rint(2.0 * ranks).astype(np.int64)
        pmf = _signed_rank_pmf(doubled)
        t2 = int(doubled[signs > 0].sum())
        p_greater = float(pmf[t2:].sum())
        p_less = float(pmf[: t2 + 1].sum())
        exact = True
        note += "; exact null by enumeration of all 2**m sign assignments"
    else:
        mu = ranks.sum() / 2.0
        sd = math.sqrt(float((ranks**2).sum()) / 4.0)
        z = (t_plus - mu) / sd
        p_greater, p_less = float(stats.norm.sf(z)), float(stats.norm.cdf(z))
        exact = False
        note += "; normal approximation (tie-corrected variance, no continuity correction)"
    p = {"greater": p_greater, "less": p_less,
         "two-sided": min(1.0, 2.0 * min(p_greater, p_less))}[alternative]
    min_p = min_attainable_pvalue("wilcoxon", m, alternative)
    warn_unreachable(min_p, alpha, f"wilcoxon_test with {m} non-zero paired difference(s), "
                                   f"alternative={alternative!r}")
    return SeedTestResult("wilcoxon", t_plus, float(min(max(p, 0.0), 1.0)), alternative, n,
                            exact=exact, min_pvalue=min_p, n_resamples=None, seed=None,
                            mc_se=None, note=note, **eff)


# ----------------------------------------------------------------------------------------------
# sign-flip permutation test

def _all_sign_sums(x: np.ndarray) -> np.ndarray:
    """Sums of ``±x_i`` over all 2**len(x) sign assignments (first entry: all +)."""
    s = np.zeros(1)
    for v in x.tolist():
        s = np.concatenate([s + v, s - v])
    return s


def _signflip_exact_null(d_nz: np.ndarray, n: int) -> np.ndarray:
    """Mean difference under all 2**m sign flips, by meeting in the middle."""
    h = d_nz.shape[0] // 2
    s1 = _all_sign_sums(d_nz[:h])
    s2 = _all_sign_sums(d_nz[h:])
    return ((s1[:, None] + s2[None, :]) / n).ravel()


def _signflip_mc_null(d: np.ndarray, n_resamples: int, gen: np.random.Generator) -> np.ndarray:
    """Mean difference under ``n_resamples`` random sign flips of the rows of ``d``.

    ``d`` has shape ``(n_seeds,)`` or ``(n_seeds, m)``; every replicate flips the same
    seeds in all ``m`` columns (the joint null of :func:`joint_signflip_null`). Returns
    shape ``(n_resamples,)`` or ``(n_resamples, m)``. The one Monte-Carlo sign-flip loop.
    """
    n = d.shape[0]
    m = 1 if d.ndim == 1 else d.shape[1]
    out = np.empty((n_resamples,) + d.shape[1:])
    batch = pick_batch(n_resamples, 9 * n + 8 * m)
    for start in range(0, n_resamples, batch):
        k = min(batch, n_resamples - start)
        signs = 1.0 - 2.0 * gen.integers(0, 2, size=(k, n), dtype=np.int8)
        out[start:start + k] = (signs @ d) / n
    return out


def signflip_test(a, b, *, alternative: str = "two-sided", n_resamples: int = 9999,
                  confidence: float = 0.95, rng=None, exact: bool | None = None,
                  alpha: float | None = 0.05) -> SeedTestResult:
    """Sign-flip permutation test of the mean paired difference over seeds.

    Parameters
    ----------
    a, b : array-like of shape (n_seeds,)
        Metric of conditions A and B, paired by seed.
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided'
    n_resamples : int, default 9999
        Monte-Carlo replicates when the test is not exact.
    confidence : float, default 0.95
        Level of the interval by test inversion (the achieved level is reported).
    rng : None, int or numpy.random.Generator
        Drives the Monte-Carlo draws (see ``seed`` in :class:`SeedTestResult`:
        an int is reported as is; from a Generator a seed is drawn first).
        Unused when exact.
    exact : bool or None, default None
        None: enumerate all :math:`2^m` sign assignments when the number m of
        non-zero differences is at most ``MAX_EXACT_SIGNFLIP`` (20), Monte Carlo
        beyond. True forces enumeration (m <= 24); False forces Monte Carlo.
    alpha : float or None, default 0.05
        Warn if the smallest attainable p-value exceeds ``alpha``.

    Returns
    -------
    SeedTestResult
        ``statistic`` is the mean difference :math:`\\bar d`;
        ``null_distribution`` holds the :math:`2^m` enumerated values or the R
        Monte-Carlo replicates.

    Notes
    -----
    Under H0 (d symmetric about 0) every sign assignment
    :math:`\\epsilon \\in \\{-1, 1\\}^n` is equally likely, so the null distribution
    of :math:`T(\\epsilon) = \\frac1n \\sum_i \\epsilon_i d_i` is uniform over the
    assignments (Fisher 1935; Good 2005, §3). Zero differences flip onto themselves
    and are left out of the enumeration (the p-value is unchanged). Exact p-values
    count null values within ``100·eps`` (relative to ``max(|T|, mean|d|)``) of the
    observed one as ties; they equal ``scipy.stats.permutation_test(...,
    permutation_type='samples', n_resamples=np.inf)``. Monte Carlo:
    :math:`p = (c + 1)/(R + 1)`; two-sided :math:`p = \\min(1, 2\\min(p_<, p_>))`.
    Every difference zero: DegenerateDataWarning, ``statistic = 0`` and ``p = 1``.
    ``ci_low, ci_high`` invert this test: the shifts θ for which the test of
    :math:`d - θ` is not rejected (:func:`affectctl.stats.seed_intervals.signflip_interval`).

    References
    ----------
    .. [1] Fisher, R. A. (1935). The Design of Experiments, §21.
    .. [2] Phipson, B. & Smyth, G. K. (2010). Permutation p-values should never be
           zero. Stat. Appl. Genet. Mol. Biol. 9(1), 39.

    Examples
    --------
    >>> res = signflip_test([0.61, 0.62, 0.60, 0.64, 0.63, 0.65],
    ...                     [0.60, 0.60, 0.61, 0.61, 0.60, 0.61], alternative="greater")
    >>> res.exact, round(res.p_value, 4), res.min_pvalue
    (True, 0.0469, 0.015625)
    """
    d, alternative, confidence, alpha = _seed_iv(a, b, alternative, confidence, alpha)
    n_resamples = check_n_resamples(n_resamples)
    exact = check_bool_or_none("exact", exact)
    n = int(d.shape[0])
    d_nz = d[d != 0]
    m = int(d_nz.shape[0])
    if exact is None:
        exact = m <= MAX_EXACT_SIGNFLIP
    elif exact and m > _MAX_FORCED_EXACT_SIGNFLIP:
        raise ConfigError(f"`exact`=True enumerates 2**m sign assignments and allows at most "
                          f"m={_MAX_FORCED_EXACT_SIGNFLIP} non-zero differences; got m={m}.")
    gen, seed = (None, None) if exact else normalize_rng(rng)
    observed = float(d.mean())
    scale = float(np.abs(d).mean())
    note = f"{n - m} zero difference(s) flip onto themselves"
    if exact or n <= MAX_EXACT_SIGNFLIP_INTERVAL:
        eff = _effects(d, signflip_interval(d, confidence))
    else:  # its own random subsets, drawn from the test's seed after the test's null
        eff = None
    if m == 0:
        eff = eff or _effects(d, signflip_interval(d, confidence, n_resamples=n_resamples,
                                                   gen=np.random.default_rng([seed, 1])))
        _warn_all_zero("signflip_test")
        return SeedTestResult("signflip", 0.0, 1.0, alternative, n, exact=bool(exact),
                                min_pvalue=1.0, n_resamples=None if exact else n_resamples,
                                seed=seed, mc_se=None if exact else 0.0, note=note,
                                null_distribution=np.zeros(1 if exact else n_resamples), **eff)
    if exact:
        null = _signflip_exact_null(d_nz, n)
        min_p = min_attainable_pvalue("signflip", m, alternative) if m <= MAX_EXACT_SIGNFLIP \
            else float(min(1.0, 2.0 ** ((alternative == "two-sided") - m)))
        note += f"; exact: all 2**{m} sign assignments enumerated"
    else:
        null = _signflip_mc_null(d, n_resamples, gen)
        if eff is None:
            eff = _effects(d, signflip_interval(d, confidence, n_resamples=n_resamples,
                                                gen=np.random.default_rng([seed, 1])))
        min_p = mc_min_pvalue(n_resamples, alternative)
        note += f"; Monte Carlo: {n_resamples} random sign assignments, p = (c+1)/(R+1)"
    p, se = pvalue_from_null(null, observed, alternative, exact=exact, scale=scale)
    warn_unreachable(min_p, alpha, f"signflip_test with {m} non-zero paired difference(s), "
                                   f"alternative={alternative!r}")
    return SeedTestResult("signflip", observed, p, alternative, n, exact=bool(exact),
                            min_pvalue=min_p, n_resamples=None if exact else n_resamples,
                            seed=seed, mc_se=se, null_distribution=null, note=note, **eff)


# ----------------------------------------------------------------------------------------------
# paired t

def paired_ttest(a, b, *, alternative: str = "two-sided", confidence: float = 0.95,
                 alpha: float | None = 0.05) -> SeedTestResult:
    """Paired Student t-test of the mean difference over seeds.

    Parameters
    ----------
    a, b : array-like of shape (n_seeds,)
        Paired per-seed values; at least 2 pairs.
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided'
    confidence : float, default 0.95
        Level of the two-sided t-interval of the mean difference.
    alpha : float or None, default 0.05
        Kept for a uniform signature; the t-test can reach any level with n >= 2.

    Returns
    -------
    SeedTestResult
        ``statistic`` is :math:`t = \\bar d / (s_d/\\sqrt n)` with n - 1 degrees of
        freedom: computed by ``scipy.stats.ttest_rel(a, b, alternative=...)``.

    Notes
    -----
    Assumes the differences are roughly normal; with 3–10 seeds that cannot be
    checked, which is why the exact tests are the default elsewhere.
    Every difference zero: DegenerateDataWarning, ``t = 0``, ``p = 1``.
    ``ci_low, ci_high`` are the Student-t interval, as
    ``scipy.stats.ttest_rel(a, b).confidence_interval(confidence)``.
    Constant non-zero differences (``s_d = 0``): DegenerateDataWarning, ``t = ±inf``
    and ``p = NaN`` (the test is undefined; use :func:`signflip_test`).

    References
    ----------
    .. [1] Student (1908). The probable error of a mean. Biometrika 6(1), 1-25.

    Examples
    --------
    >>> res = paired_ttest([0.61, 0.62, 0.60, 0.64, 0.63], [0.60, 0.60, 0.61, 0.61, 0.60])
    >>> res.n, round(res.statistic, 3), round(res.p_value, 3)
    (5, 2.138, 0.099)
    """
    from scipy import stats  # here, not at import: module docstring of affectctl.stats

    d, alternative, confidence, alpha = _seed_iv(a, b, alternative, confidence, alpha)
    n = int(d.shape[0])
    if n < 2:
        raise ConfigError(f"`a` and `b` need at least 2 paired values for a t-test; got {n}.")
    eff = _effects(d, t_interval(d, confidence))
    common = dict(alternative=alternative, n=n, exact=True, min_pvalue=0.0, n_resamples=None,
                  seed=None, mc_se=None, note=f"Student t with {n - 1} df")
    if np.all(d == 0):
        _warn_all_zero("paired_ttest")
        return SeedTestResult("ttest", 0.0, 1.0, **common, **eff)
    m = d.mean()
    sd = d.std(ddof=1)
    if sd == 0:
        warnings.warn("paired_ttest: the paired differences are a non-zero constant, so the t "
                      "statistic is infinite and the test undefined; p = NaN. Use "
                      "signflip_test or wilcoxon_test.", DegenerateDataWarning, stacklevel=2)
        return SeedTestResult("ttest", float(np.copysign(np.inf, m)), float("nan"), **common,
                                **eff)
    # SciPy's paired t-test itself (ttest_rel(a, b) is ttest_1samp(a - b, 0); d = a - b)
    res = stats.ttest_rel(d, np.zeros_like(d), alternative=alternative)
    return SeedTestResult("ttest", float(res.statistic), float(min(res.pvalue, 1.0)), **common,
                            **eff)


# ----------------------------------------------------------------------------------------------
# joint sign-flip null over several metrics (for Westfall–Young max-T)

@dataclass(frozen=True)
class JointNull:
    """Mean paired differences of m metrics and their joint sign-flip null.

    Attributes
    ----------
    observed : ndarray of shape (m,)
    null : ndarray of shape (R, m)
        Row r applies one sign assignment to the seed differences of every metric.
    exact : bool
        True when the rows enumerate all 2**n assignments.
    seed : int or None
    """

    observed: np.ndarray = field(repr=False)
    null: np.ndarray = field(repr=False)
    exact: bool
    seed: int | None


def joint_signflip_null(a, b, *, n_resamples: int = 9999, rng=None,
                        exact: bool | None = None) -> JointNull:
    """Joint sign-flip null of the mean differences of several metrics over the same seeds.

    Feed it to :func:`affectctl.stats.correction.westfall_young_maxt` (with
    ``exact=result.exact``, and ``standardize=True`` when the metrics have
    different scales): the same sign flip is applied to every metric of a seed, so
    their dependence is kept.

    Parameters
    ----------
    a, b : array-like of shape (n_seeds, m)
        Per-seed values of m metrics for conditions A and B, paired by row.
    n_resamples : int, default 9999
    rng : None, int or numpy.random.Generator
    exact : bool or None, default None
        None: enumerate all 2**n_seeds assignments when n_seeds <= 20.

    Returns
    -------
    JointNull

    Examples
    --------
    >>> a = [[0.61, 0.30], [0.62, 0.31], [0.60, 0.35], [0.64, 0.33], [0.63, 0.36]]
    >>> b = [[0.60, 0.29], [0.60, 0.30], [0.61, 0.33], [0.61, 0.30], [0.60, 0.30]]
    >>> j = joint_signflip_null(a, b)
    >>> j.exact, j.null.shape
    (True, (32, 2))
    """
    xa = np.asarray(a, dtype=np.float64)
    xb = np.asarray(b, dtype=np.float64)
    for name, x in (("a", xa), ("b", xb)):
        if x.ndim != 2:
            raise ConfigError(f"`{name}` must have shape (n_seeds, m); got shape {x.shape}.")
        if not np.isfinite(x).all():
            raise ConfigError(f"`{name}` must be finite; got NaN or inf.")
    if xa.shape != xb.shape:
        raise PairingError(f"`a` and `b` must have the same shape (n_seeds, m); got {xa.shape} "
                           f"and {xb.shape}.")
    n_resamples = check_n_resamples(n_resamples)
    exact = check_bool_or_none("exact", exact)
    d = xa - xb
    n = d.shape[0]
    if exact is None:
        exact = n <= MAX_EXACT_SIGNFLIP
    elif exact and n > _MAX_FORCED_EXACT_SIGNFLIP:
        raise ConfigError(f"`exact`=True allows at most {_MAX_FORCED_EXACT_SIGNFLIP} seeds; "
                          f"got {n}.")
    observed = d.mean(axis=0)
    if exact:
        codes = np.arange(2**n, dtype=np.int64)[:, None]
        signs = 1.0 - 2.0 * ((codes >> np.arange(n)) & 1)
        return JointNull(observed, (signs @ d) / n, True, None)
    gen, seed = normalize_rng(rng)
    return JointNull(observed, _signflip_mc_null(d, n_resamples, gen), False, seed)
