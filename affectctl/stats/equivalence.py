"""Equivalence (TOST) and non-inferiority tests of a paired difference against a margin.

"p = 0.625" is absence of evidence, not evidence of equivalence. Given a margin M
(in the metric's units) the two one-sided tests (Schuirmann 1987) reject both
H0⁻: Δ ≤ −M and H0⁺: Δ ≥ M; the p-value is the larger of the two, and rejecting at
α is the same as the 1 − 2α interval of Δ lying inside (−M, M). A non-inferiority
test is one of the two: with ``alternative="greater"`` (a is not worse by more than M
on a higher-is-better metric) H0: Δ ≤ −M; with ``"less"`` H0: Δ ≥ M.

Three procedures, one per level of the comparison:

* :func:`tost_paired_t`: paired t over seeds (equals
  ``statsmodels.stats.weightstats.ttost_paired``);
* :func:`tost_signflip`: the exact sign-flip test over seeds, shifted by ±M;
* :func:`tost_bootstrap`: the paired bootstrap over samples or videos (the replicates
  of :func:`affectctl.stats.samples.paired_bootstrap`), by inverting its percentile
  interval.

Every function returns an :class:`EquivalenceResult`.

References
----------
.. [1] Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and
       the power approach for assessing the equivalence of average bioavailability.
       J. Pharmacokinet. Biopharm. 15(6), 657-680.
.. [2] Wellek, S. (2010). Testing Statistical Hypotheses of Equivalence and
       Noninferiority, 2nd ed. CRC Press, ch. 2 and 5.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass

import numpy as np

from affectctl.errors import ConfigError, DegenerateDataWarning
from affectctl._util.validation import check_alternative, check_n_resamples, check_unit_interval
from affectctl.stats._common import as_paired_1d, to_plain
from affectctl.stats.intervals import Interval, WithInterval

__all__ = ["EquivalenceResult", "tost_paired_t", "tost_signflip", "tost_bootstrap",
           "tost_hierarchical", "check_margin"]


@dataclass(frozen=True)
class EquivalenceResult(WithInterval):
    """A TOST or non-inferiority test of Δ = a − b against a margin.

    Attributes
    ----------
    test : str
        ``"tost"`` (two-sided alternative) or ``"non_inferiority"`` (one-sided).
    method : str
        ``"tost_paired_t"``, ``"tost_signflip"``, ``"tost_bootstrap"`` or
        ``"tost_hierarchical"`` (two-level bootstrap over seeds and units).
    margin : float
        M > 0; the equivalence region is (−M, M).
    p_value : float
        ``max(p_lower, p_upper)`` for TOST; the one tested for non-inferiority.
    p_lower, p_upper : float
        p-values of H0⁻: Δ ≤ −M and of H0⁺: Δ ≥ M (NaN when not tested).
    alternative : str
    alpha : float
        Level of the interval: ``ci_low, ci_high`` is the 1 − 2α interval.
    n : int
        Pairs: seeds, or units for the bootstrap.
    estimate : float
        The estimate of Δ (mean difference).
    interval : Interval
        The 1 − 2α interval of Δ (``ci_low``, ``ci_high``, ``ci_method``), with the
        level achieved (``confidence``: an exact interval with few seeds may not reach
        1 − 2α exactly).
    exact : bool
    min_pvalue : float
        Smallest p-value the test can return.
    n_resamples : int or None
    seed : int or None
    note : str
    """

    test: str
    method: str
    margin: float
    p_value: float
    p_lower: float
    p_upper: float
    alternative: str
    alpha: float
    n: int
    estimate: float
    interval: Interval
    exact: bool
    min_pvalue: float
    n_resamples: int | None
    seed: int | None
    note: str = ""

    @property
    def pvalue(self) -> float:
        """``p_value`` under SciPy's spelling."""
        return self.p_value

    def to_record(self) -> dict:
        """Plain dict of every field, the interval spelt out (``ci_low``, ``ci_high``,
        ``confidence``, ``ci_method``); ``mean_diff`` = ``statistic`` = ``estimate`` for the
        comparisons table."""
        rec = {}
        for f in dataclasses.fields(self):
            if f.name == "interval":
                rec.update(ci_low=self.ci_low, ci_high=self.ci_high, confidence=self.confidence,
                           ci_method=self.ci_method)
            else:
                rec["pvalue" if f.name == "p_value" else f.name] = getattr(self, f.name)
        rec = {k: to_plain(v) for k, v in rec.items()}
        rec["mean_diff"] = rec["estimate"]
        rec["statistic"] = rec["estimate"]
        return rec


def check_margin(name: str, margin) -> float:
    """A margin or ROPE half-width: a finite number > 0 (in the metric's units)."""
    if isinstance(margin, (bool, np.bool_)) or not isinstance(margin, (int, float, np.floating)):
        raise ConfigError(f"`{name}` must be a positive number (in the metric's units); got {margin!r}.")
    margin = float(margin)
    if not (math.isfinite(margin) and margin > 0):
        raise ConfigError(f"`{name}` must be a positive number (in the metric's units); got {margin!r}.")
    return margin


def _combine(alternative, p_lower, p_upper):
    test = "tost" if alternative == "two-sided" else "non_inferiority"
    if alternative == "two-sided":
        return test, max(p_lower, p_upper), p_lower, p_upper
    if alternative == "greater":            # H0: Δ ≤ −M
        return test, p_lower, p_lower, float("nan")
    return test, p_upper, float("nan"), p_upper


def _iv(margin, alpha, alternative):
    return (check_margin("margin", margin), check_unit_interval("alpha", alpha),
            check_alternative(alternative))


def tost_paired_t(a, b, margin, *, alpha: float = 0.05,
                  alternative: str = "two-sided") -> EquivalenceResult:
    """Paired-t TOST over seeds.

    .. math:: t^- = \\frac{\\bar d + M}{s_d/\\sqrt n}, \\quad p^- = P(T_{n-1} \\ge t^-);
              \\qquad t^+ = \\frac{\\bar d - M}{s_d/\\sqrt n}, \\quad p^+ = P(T_{n-1} \\le t^+)

    Equals ``statsmodels.stats.weightstats.ttost_paired(a, b, -M, M)`` (its first
    return value is ``max(p^-, p^+)``). The interval is the 1 − 2α Student-t interval.
    Differences all equal (s_d = 0): p is 0 or 1 by whether the constant lies inside.
    """
    from scipy import stats  # here, not at import: module docstring of affectctl.stats

    xa, xb = as_paired_1d(a, b)
    margin, alpha, alternative = _iv(margin, alpha, alternative)
    d = xa - xb
    n = int(d.shape[0])
    if n < 2:
        raise ConfigError(f"the paired-t TOST needs at least 2 paired values; got {n}.")
    m = float(d.mean())
    se = float(d.std(ddof=1)) / math.sqrt(n)
    dist = stats.t(df=n - 1)
    if se == 0:
        p_lower, p_upper = float(m <= -margin), float(m >= margin)
        lo = hi = m
    else:
        p_lower = float(dist.sf((m + margin) / se))
        p_upper = float(dist.cdf((m - margin) / se))
        q = float(dist.ppf(1 - alpha))
        lo, hi = m - q * se, m + q * se
    test, p, p_lower, p_upper = _combine(alternative, p_lower, p_upper)
    return EquivalenceResult(test, "tost_paired_t", margin, p, p_lower, p_upper, alternative,
                             alpha, n, m, Interval(lo, hi, "student_t", 1 - 2 * alpha), True,
                             0.0, None, None, note=f"Student t with {n - 1} df, margins ±{margin:g}")


def tost_signflip(a, b, margin, *, alpha: float = 0.05, alternative: str = "two-sided",
                  n_resamples: int = 9999, rng=None) -> EquivalenceResult:
    """Sign-flip TOST over seeds: the exact sign-flip test of d + M (greater) and d − M (less).

    Under H0⁻ at its boundary, d + M is symmetric about 0, and the exact sign-flip test
    (:func:`affectctl.stats.seeds.signflip_test`, all 2**n sign assignments up to 20
    seeds) gives p⁻; likewise p⁺ from d − M. The smallest attainable p is 1/2**n
    (5 seeds: 0.031), so unlike the two-sided test of no difference the TOST can reach
    0.05 with 5 seeds. Interval: the sign-flip test inverted at 1 − 2α
    (:func:`affectctl.stats.seed_intervals.signflip_interval`).
    """
    from affectctl.stats.seed_intervals import signflip_interval
    from affectctl.stats.seeds import signflip_test

    xa, xb = as_paired_1d(a, b)
    margin, alpha, alternative = _iv(margin, alpha, alternative)
    n_resamples = check_n_resamples(n_resamples)
    d = xa - xb
    zeros = np.zeros_like(d)
    # A difference of exactly -M (or +M) on every seed is the boundary of that side's null:
    # p = 1 is right there, and the sign-flip test's "A and B are identical" warning would not be.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateDataWarning)
        lo_res = signflip_test(d + margin, zeros, alternative="greater", n_resamples=n_resamples,
                               rng=rng, alpha=None, confidence=1 - 2 * alpha)
        hi_res = signflip_test(d - margin, zeros, alternative="less", n_resamples=n_resamples,
                               rng=rng, alpha=None, confidence=1 - 2 * alpha)
    if lo_res.exact:
        iv = signflip_interval(d, 1 - 2 * alpha).interval
    else:  # the Monte-Carlo interval of d + M, shifted back
        iv = dataclasses.replace(lo_res.interval, low=lo_res.ci_low - margin,
                                 high=lo_res.ci_high - margin)
    test, p, p_lower, p_upper = _combine(alternative, lo_res.p_value, hi_res.p_value)
    return EquivalenceResult(test, "tost_signflip", margin, p, p_lower, p_upper, alternative,
                             alpha, int(d.shape[0]), float(d.mean()), iv, bool(lo_res.exact),
                             float(min(lo_res.min_pvalue, hi_res.min_pvalue)),
                             lo_res.n_resamples, lo_res.seed,
                             note=f"sign-flip tests of d + {margin:g} (greater) and d − {margin:g} "
                                  f"(less); {lo_res.note}")


def tost_bootstrap(replicates, estimate: float, margin, *, n: int, alpha: float = 0.05,
                   alternative: str = "two-sided", seed=None, unit: str = "") -> EquivalenceResult:
    """TOST from paired-bootstrap replicates of Δ, by inverting the percentile interval.

    Parameters
    ----------
    replicates : array-like of shape (R,)
        Bootstrap replicates of Δ* (not centred), e.g. ``paired_bootstrap(...,
        return_null=True).null_distribution``.
    estimate : float
        Observed Δ.
    margin : float
    n : int
        Units resampled (reported).
    alpha : float, default 0.05
    alternative : {'two-sided', 'greater', 'less'}
    seed : int, optional
        Seed of the bootstrap (reported).
    unit : str
        Unit resampled (for the note).

    Notes
    -----
    :math:`p^- = (1 + \\#\\{Δ^*_r \\le -M\\})/(R + 1)`,
    :math:`p^+ = (1 + \\#\\{Δ^*_r \\ge M\\})/(R + 1)`: the smallest level at which the
    one-sided percentile bound excludes the margin, so rejecting both at α is the 1 − 2α
    percentile interval :math:`[Δ^*_{(α)}, Δ^*_{(1-α)}]` lying inside (−M, M).
    """
    boot = np.asarray(replicates, dtype=np.float64)
    boot = boot[np.isfinite(boot)]
    margin, alpha, alternative = _iv(margin, alpha, alternative)
    r = int(boot.shape[0])
    if r == 0:
        nan = float("nan")
        test, p, pl, pu = _combine(alternative, nan, nan)
        return EquivalenceResult(test, "tost_bootstrap", margin, p, pl, pu, alternative, alpha,
                                 n, float(estimate),
                                 Interval(nan, nan, "bootstrap_percentile", nan, exact=False),
                                 False, nan, 0, seed, note="no finite bootstrap replicate")
    p_lower = (1.0 + np.count_nonzero(boot <= -margin)) / (r + 1.0)
    p_upper = (1.0 + np.count_nonzero(boot >= margin)) / (r + 1.0)
    lo, hi = np.quantile(boot, [alpha, 1 - alpha])
    test, p, p_lower, p_upper = _combine(alternative, float(p_lower), float(p_upper))
    return EquivalenceResult(test, "tost_bootstrap", margin, float(p), p_lower, p_upper,
                             alternative, alpha, int(n), float(estimate),
                             Interval(float(lo), float(hi), "bootstrap_percentile", 1 - 2 * alpha,
                                      exact=False), False, 1.0 / (r + 1.0), r, seed, note=f"paired bootstrap over {unit or 'units'}: {r} replicates; "
                                        f"p = (1 + #beyond the margin)/(R + 1)")


def tost_hierarchical(estimate: float, se: float, df: float, margin, *, n: int, n_seeds: int,
                      alpha: float = 0.05, alternative: str = "two-sided", seed=None,
                      unit: str = "") -> EquivalenceResult:
    """TOST from the two-level (seeds x units) bootstrap: its t interval inside ±margin.

    Parameters
    ----------
    estimate, se, df : float
        Δ, its standard error and degrees of freedom from
        :func:`affectctl.stats.samples.hierarchical_bootstrap` (``delta``, ``se``,
        ``df``: the two-level variance with the seed part corrected by S/(S − 1),
        Satterthwaite degrees of freedom).
    margin : float
    n, n_seeds : int
        Units and seeds resampled (reported; ``n`` is the units).
    alpha, alternative, seed, unit
        As :func:`tost_bootstrap`.

    Notes
    -----
    .. math:: p^- = P\\Big(T_\\nu \\ge \\frac{\\Delta + M}{\\mathrm{se}}\\Big),\\qquad
              p^+ = P\\Big(T_\\nu \\le \\frac{\\Delta - M}{\\mathrm{se}}\\Big),

    so both are ≤ α exactly when the 1 − 2α interval :math:`\\Delta \\pm
    t_{\\nu,1-\\alpha}\\,\\mathrm{se}` of the two-level test lies inside (−M, M): the
    interval-inclusion form of TOST (Schuirmann 1987). With se = 0, p is 0 or 1 by
    whether Δ lies inside. ``method="tost_hierarchical"``.

    References
    ----------
    .. [1] Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure
           and the power approach for assessing the equivalence of average
           bioavailability. J. Pharmacokinet. Biopharm. 15(6), 657-680.
    """
    from scipy import stats  # here, not at import: module docstring of affectctl.stats

    margin, alpha, alternative = _iv(margin, alpha, alternative)
    m, se, df = float(estimate), float(se), float(df)
    note = (f"two-level bootstrap over seeds and {unit or 'units'} ({n_seeds} seeds): t with "
            f"{df:.1f} Satterthwaite df, margins ±{margin:g}")
    if not (math.isfinite(m) and math.isfinite(se)):
        nan = float("nan")
        test, p, pl, pu = _combine(alternative, nan, nan)
        return EquivalenceResult(test, "tost_hierarchical", margin, p, pl, pu, alternative, alpha,
                                 int(n), m, Interval(nan, nan, "two_level_t", nan, exact=False),
                                 False, 0.0, None, seed, note="undefined two-level estimate")
    if se == 0:
        p_lower, p_upper = float(m <= -margin), float(m >= margin)
        lo = hi = m
    else:
        dist = stats.t(df=df)
        p_lower = float(dist.sf((m + margin) / se))
        p_upper = float(dist.cdf((m - margin) / se))
        q = float(dist.ppf(1 - alpha))
        lo, hi = m - q * se, m + q * se
    test, p, p_lower, p_upper = _combine(alternative, p_lower, p_upper)
    return EquivalenceResult(test, "tost_hierarchical", margin, p, p_lower, p_upper, alternative,
                             alpha, int(n), m,
                             Interval(float(lo), float(hi), "two_level_t", 1 - 2 * alpha,
                                      exact=False),
                             False, 0.0, None, seed, note=note)
