"""One result type per family of paired tests, with the fields that mean something for it.

* :class:`SeedTestResult`: the tests over seeds (Wilcoxon, sign-flip, paired t), each
  with its own interval and the seed-level effect sizes;
* :class:`SampleTestResult`: the resampling tests over samples or groups (approximate
  randomization, paired bootstrap). Approximate randomization has no interval of its
  own (``interval`` is None; :func:`affectctl.compare.compare` takes it from the
  paired bootstrap); a sequential run sets ``risk_bound`` and ``sequential_method``;
* :class:`ContingencyTestResult`: McNemar, Bowker, Stuart–Maxwell on one seed's
  table (McNemar has the Wald interval of the accuracy difference, the others none).

The fields are named alike across the families (``p_value``, ``statistic``,
``alternative``, ``n``, ``unit``, ``exact``, ``min_pvalue``, ``note``, and
``interval``, an :class:`~affectctl.stats.intervals.Interval`, read as ``ci_low``,
``ci_high``, ``ci_method``, ``confidence``). ``pvalue`` is SciPy's spelling of
``p_value``, kept for reading.

:meth:`to_record` gives every family the one record layout of the comparisons table
(:data:`RECORD_KEYS`, the layout of ``results.json``): a field a family does not have
is NaN or None there, as before the families were split. :data:`PairedTestResult` is
the union of the three, for annotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import numpy as np

from affectctl.stats._common import to_plain
from affectctl.stats.intervals import NO_INTERVAL, Interval, WithInterval

__all__ = ["SeedTestResult", "SampleTestResult", "ContingencyTestResult", "PairedTestResult",
           "RECORD_KEYS"]

#: The keys of a test record, in order (the comparisons table of ``results.json``).
RECORD_KEYS = ("method", "statistic", "pvalue", "alternative", "n", "mean_diff", "ci_low",
               "ci_high", "confidence", "exact", "min_pvalue", "n_resamples", "seed", "mc_se",
               "rank_biserial", "cohen_dz", "note", "estimate", "ci_method", "risk_bound",
               "sequential_method")
_NAN = float("nan")


class _Common(WithInterval):
    """What the families share: the interval's fields (:class:`WithInterval`), SciPy's
    ``pvalue`` and the record layout."""

    p_value: float

    @property
    def pvalue(self) -> float:
        """``p_value`` under SciPy's spelling."""
        return self.p_value

    def _record(self, values: dict) -> dict:
        return {k: to_plain(values[k]) for k in RECORD_KEYS}


def _interval_values(iv: Interval | None) -> dict:
    iv = NO_INTERVAL if iv is None else iv
    return {"ci_low": iv.low, "ci_high": iv.high, "confidence": iv.confidence}


@dataclass(frozen=True)
class SeedTestResult(_Common):
    """A paired test over seeds: ``wilcoxon``, ``signflip`` or ``ttest``.

    Attributes
    ----------
    method : str
    statistic : float
        :math:`T_+` (Wilcoxon), the mean difference (sign-flip), t (paired t).
    p_value : float
        In (0, 1]; NaN when the test is undefined (a warning says why).
    alternative : str
        ``"two-sided"``, ``"greater"`` (A > B, difference = a - b) or ``"less"``.
    n : int
        Seeds (pairs).
    mean_diff : float
        Mean of a - b.
    estimate : float
        The test's estimate of the difference: Hodges–Lehmann (Wilcoxon), the mean
        (sign-flip, t).
    interval : Interval
        The test's own interval (:mod:`affectctl.stats.seed_intervals`) with the level
        achieved.
    exact : bool
        True when the p-value comes from the exact null (enumeration or an exact
        distribution), False for Monte Carlo or the normal approximation.
    min_pvalue : float
        Smallest p-value the test can return with this n and alternative.
    n_resamples : int or None
        Monte-Carlo replicates (None when exact).
    seed : int or None
        Seed of the Monte-Carlo draws (None when no draw was made).
    mc_se : float or None
        Monte-Carlo standard error of the p-value (None when exact).
    rank_biserial, cohen_dz : float
        Matched-pairs rank-biserial correlation and Cohen's d_z of the differences.
    null_distribution : ndarray or None
        The enumerated or drawn null (sign-flip); not part of :meth:`to_record`.
    note : str
        Zero handling, ties, how the null was computed.
    """

    method: str
    statistic: float
    p_value: float
    alternative: str
    n: int
    mean_diff: float
    estimate: float
    interval: Interval
    exact: bool
    min_pvalue: float
    n_resamples: int | None
    seed: int | None
    mc_se: float | None
    rank_biserial: float
    cohen_dz: float
    null_distribution: np.ndarray | None = field(default=None, repr=False, compare=False)
    note: str = ""

    #: The unit the test pairs over.
    unit = "seed"

    def to_record(self) -> dict:
        """The JSON-able record (:data:`RECORD_KEYS`; ``null_distribution`` left out)."""
        return self._record({**self.__dict__, "pvalue": self.p_value,
                             **_interval_values(self.interval), "ci_method": self.interval.method,
                             "risk_bound": None, "sequential_method": None})


@dataclass(frozen=True)
class SampleTestResult(_Common):
    """A resampling test over samples or groups: ``ar`` or ``bootstrap``.

    Attributes
    ----------
    method : str
        ``"ar"`` (approximate randomization) or ``"bootstrap"`` (paired bootstrap).
    statistic : float
        Mean over strata of metric(A) - metric(B) (also ``mean_diff``).
    p_value : float
        ``(c + 1)/(R + 1)`` (two-sided: twice the smaller tail, at most 1); NaN when the
        metric is undefined on the observed data.
    alternative : str
    n : int
        Units (samples or groups) over all strata.
    unit : str
        ``"group"`` or ``"sample"``: what was swapped or resampled.
    mean_diff : float
    interval : Interval or None
        The bootstrap's percentile interval; None for approximate randomization, which
        has none.
    min_pvalue : float
        ``1/(R+1)`` one-sided, ``2/(R+1)`` two-sided.
    n_resamples : int
        Replicates used (for a sequential run: drawn).
    seed : int or None
    mc_se : float or None
        Monte-Carlo standard error of the p-value (None for a sequential run).
    null_distribution : ndarray or None
        The replicates, when ``return_null=True``; not part of :meth:`to_record`.
    note : str
        Metric, unit, strata, how the replicate sums were drawn.
    risk_bound, sequential_method : float or None, str or None
        Set by a sequential AR run (:mod:`affectctl.stats.sequential`): the bound on
        the resampling risk and the stopping method (``"csm"``).
    """

    method: str
    statistic: float
    p_value: float
    alternative: str
    n: int
    unit: str
    mean_diff: float
    interval: Interval | None
    min_pvalue: float
    n_resamples: int
    seed: int | None
    mc_se: float | None
    null_distribution: np.ndarray | None = field(default=None, repr=False, compare=False)
    note: str = ""
    risk_bound: float | None = None
    sequential_method: str | None = None

    #: Resampling tests give Monte-Carlo p-values.
    exact = False

    def to_record(self) -> dict:
        """The JSON-able record (:data:`RECORD_KEYS`; ``null_distribution`` left out).

        Approximate randomization's record keeps ``confidence`` 0.95, the level of
        the bootstrap interval :func:`affectctl.compare.compare` puts beside it, and
        ``ci_method`` is empty in both (``compare`` names the interval it adds)."""
        iv = _interval_values(self.interval)
        if self.interval is None:
            iv["confidence"] = 0.95
        return self._record({**self.__dict__, "pvalue": self.p_value, "exact": False, **iv,
                             "rank_biserial": _NAN, "cohen_dz": _NAN, "estimate": _NAN,
                             "ci_method": ""})


@dataclass(frozen=True)
class ContingencyTestResult(_Common):
    """A test on one seed's paired table: ``mcnemar``, ``bowker`` or ``stuart_maxwell``.

    Attributes
    ----------
    method : str
    statistic : float
        As statsmodels: ``min(b, c)`` (exact McNemar) or the chi-square.
    p_value : float
    n : int
        Samples in the table.
    mean_diff : float
        McNemar: accuracy(A) - accuracy(B); NaN for Bowker and Stuart–Maxwell.
    interval : Interval or None
        McNemar's Wald interval of ``mean_diff``; None for the others.
    exact : bool
        True for the exact binomial McNemar test.
    min_pvalue : float
    note : str
        The table, the variant.
    """

    method: str
    statistic: float
    p_value: float
    n: int
    mean_diff: float
    interval: Interval | None
    exact: bool
    min_pvalue: float
    note: str = ""

    #: The tables are two-sided tests over samples.
    alternative = "two-sided"
    unit = "sample"

    def to_record(self) -> dict:
        """The JSON-able record (:data:`RECORD_KEYS`)."""
        return self._record({**self.__dict__, "pvalue": self.p_value, "alternative": self.alternative,
                             **_interval_values(self.interval), "n_resamples": None, "seed": None,
                             "mc_se": None, "rank_biserial": _NAN, "cohen_dz": _NAN,
                             "estimate": _NAN, "ci_method": "", "risk_bound": None,
                             "sequential_method": None})


#: Any paired test result (for annotations).
PairedTestResult = Union[SeedTestResult, SampleTestResult, ContingencyTestResult]
