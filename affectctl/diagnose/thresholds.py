"""Verdict names and the thresholds of :func:`affectctl.diagnose.diagnose`."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass

import numpy as np

from affectctl._util.validation import ADJUST_METHODS, fmt_set
from affectctl.errors import ConfigError

__all__ = ["STATUSES", "DegeneracyThresholds"]


#: Verdicts of a pair, in the order they are checked (the first that applies wins).
STATUSES = {
    "low-support": "a class of the pair has too few samples to judge",
    "not-confused": "the baseline does not confuse the pair heavily",
    "fixed": "an intervention resolved the pair's confusion",
    "no-coordinate": "a class of the pair has no coordinate in the geometry",
    "not-close": "the pair is not close on the circumplex",
    "candidate": "heavily confused and close, but no intervention was given to test persistence",
    "degenerate": "heavily confused, close on the circumplex, and no intervention resolved it",
}

_FLAGGED = ("degenerate", "candidate")
#: Relative changes of a pair's confusion rate within this of 0 are no change (float noise).
_NO_CHANGE = 1e-9


# ============================================================================ thresholds


@dataclass(frozen=True)
class DegeneracyThresholds:
    """Every threshold of the degeneracy verdict, with documented defaults.

    A pair ``(a, b)`` is **degenerate** when all of the following hold, evaluated on
    the baseline's seed means:

    * *enough support*: both classes have at least ``min_support`` true samples
      per seed on average;
    * *heavily confused*: confusion rate ``r >= min_confusion_rate`` **and**
      ``lift = r / r^0 >= min_lift`` (chance rate ``r^0``, module docstring);
    * *close on the circumplex*: VA distance ``<= max_va_distance`` **or**
      ``<=`` the ``va_distance_quantile`` quantile of all defined pair distances
      of the taxonomy (whichever are set; at least one must be);
    * *persistent*: no intervention *resolved* it (below).

    An intervention **resolved** the pair when its confusion fell *significantly or
    substantially* and the fall did not come from losing the pair's samples to
    other classes:

    * significantly: one-sided exact Wilcoxon signed-rank p (intervention < baseline,
      over seeds), adjusted with ``correction`` over the interventions tried on
      that pair, is ``< alpha``; or
    * substantially: the mean rate fell by at least ``min_relative_reduction`` of
      the baseline's **and** it fell in at least ``min_seed_share`` of the seeds;
    * and at least ``min_resolved_share`` of the confusions removed became correct
      predictions: the pair accuracy :math:`(C_{aa} + C_{bb})/(n_a + n_b)` rose by at
      least that share of the fall of the rate (same denominator). A rate that falls
      because the pair's samples now go to a third class is *displaced*, not
      resolved (``resolved_share`` near 0).

    Attributes
    ----------
    min_confusion_rate : float, default 0.10
        One in ten of the pair's samples lands on the other class of the pair.
    min_lift : float, default 2.0
        At least twice the chance rate, so that two frequent classes that absorb
        many predictions are not called degenerate for that alone.
    min_support : float, default 10
        Mean true samples per seed of each class; below it a rate is too noisy to judge.
    va_distance_quantile : float or None, default 0.25
        Close = among the closest quarter of the taxonomy's class pairs. A
        quantile is scale-free, so the same default works for ``nrc-vad`` (on
        [-1, 1]^2), ``russell`` (unit circle) and ``data`` geometries.
    max_va_distance : float or None, default None
        An absolute distance in the geometry's units, as an alternative (OR) to
        the quantile. ``None`` = not used.
    alpha : float, default 0.05
        Level of the adjusted one-sided test.
    correction : {'holm', 'fdr_bh', 'bonferroni', 'none'}, default 'holm'
        Adjustment over the interventions tried on one pair (the family behind the
        question "did any intervention fix this pair?").
    min_relative_reduction : float, default 0.25
        "Substantially": a quarter of the pair's confusions gone.
    min_seed_share : float, default 0.8
        Share of seeds whose rate fell (4 of 5 seeds): a guard against one lucky
        seed carrying the mean. Not a significance claim (the one-sided sign test of
        4/5 seeds has p = 6/32 = 0.19).
    min_resolved_share : float, default 0.5
        ``resolved_share = Δ pair accuracy / (−Δ rate)``, clipped to [0, 1], must reach
        this: at least half of the removed confusions became correct (1 when all did,
        as in the upper bound of :func:`resolved_macro_f1`; 0 when all moved to other
        classes, or when the pair's accuracy fell).

    Notes
    -----
    **What "significantly" can mean with 5 seeds.** The smallest exact two-sided
    Wilcoxon p with 5 seeds is 2/32 = 0.0625 > 0.05, so a two-sided test can never
    reject. A reduction is a directional question, so the tests here are one-sided
    (smallest p = 1/32 = 0.03125, reached when the rate falls in all 5 seeds). But
    any adjustment over m >= 2 interventions lifts the smallest adjusted p to
    m/32 (Holm), e.g. 0.1875 with 6 interventions, above any usual ``alpha``. With
    few seeds, "substantially" (a large, seed-consistent relative fall) is
    therefore the operative criterion; :attr:`DiagnosisResult.notes` says so when
    the adjusted test cannot reach ``alpha``. With more seeds the test becomes
    operative by itself, and either criterion suffices.
    """

    min_confusion_rate: float = 0.10
    min_lift: float = 2.0
    min_support: float = 10.0
    va_distance_quantile: float | None = 0.25
    max_va_distance: float | None = None
    alpha: float = 0.05
    correction: str = "holm"
    min_relative_reduction: float = 0.25
    min_seed_share: float = 0.8
    min_resolved_share: float = 0.5

    def __post_init__(self):
        _check_number("min_confusion_rate", self.min_confusion_rate, 0.0, 1.0)
        _check_number("min_lift", self.min_lift, 0.0, math.inf)
        _check_number("min_support", self.min_support, 0.0, math.inf)
        if self.va_distance_quantile is not None:
            _check_number("va_distance_quantile", self.va_distance_quantile, 0.0, 1.0)
        if self.max_va_distance is not None:
            _check_number("max_va_distance", self.max_va_distance, 0.0, math.inf)
        if self.va_distance_quantile is None and self.max_va_distance is None:
            raise ConfigError("`va_distance_quantile` and `max_va_distance` cannot both be None; "
                              "set at least one to define 'close on the circumplex'.")
        _check_number("alpha", self.alpha, 0.0, 1.0, open_=True)
        if not isinstance(self.correction, str) or self.correction not in ADJUST_METHODS:
            raise ConfigError(f"`correction` must be one of {fmt_set(ADJUST_METHODS)}; "
                              f"got {self.correction!r}.")
        _check_number("min_relative_reduction", self.min_relative_reduction, 0.0, 1.0)
        _check_number("min_seed_share", self.min_seed_share, 0.0, 1.0)
        _check_number("min_resolved_share", self.min_resolved_share, 0.0, 1.0)

    def to_record(self) -> dict:
        return asdict(self)


def _check_number(name, value, lo, hi, *, open_=False):
    ok = (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
          and math.isfinite(float(value)))
    if ok:
        v = float(value)
        ok = (lo < v < hi) if open_ else (lo <= v <= hi)
    if not ok:
        rng = f"({lo:g}, {hi:g})" if open_ else f"[{lo:g}, {hi:g}]"
        raise ConfigError(f"`{name}` must be a number in {rng}; got {value!r}.")
