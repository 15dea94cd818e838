"""The interval type every affectctl test and estimate shares.

An :class:`Interval` is a confidence interval with the name of the procedure behind it
and the level it achieved (an exact interval with few seeds may not reach the level
asked for, see :mod:`affectctl.stats.seed_intervals`). Result types hold one
(``interval``) instead of repeating ``ci_low, ci_high, confidence, ci_method``; their
records spell it out under those keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["Interval", "IntervalEstimate", "NO_INTERVAL", "WithInterval"]


@dataclass(frozen=True)
class Interval:
    """A confidence interval ``[low, high]``.

    Attributes
    ----------
    low, high : float
        The bounds; NaN when undefined (e.g. fewer than 2 pairs for a t-interval).
    method : str
        The procedure: ``"hodges_lehmann_walsh"``, ``"signflip_inversion"``,
        ``"student_t"``, ``"bootstrap_percentile"``, ``"bootstrap_bca_seeds"``, ``"wald"``;
        empty when there is none.
    confidence : float
        The level achieved; NaN when undefined.
    exact : bool, default True
        True when that level is exact (enumeration or a known distribution), False for
        Monte-Carlo or asymptotic intervals.
    """

    low: float
    high: float
    method: str
    confidence: float
    exact: bool = True


#: No interval: the value of the interval fields of a record whose test gives none.
NO_INTERVAL = Interval(float("nan"), float("nan"), "", float("nan"), False)


class IntervalEstimate(NamedTuple):
    """A test's estimate of the paired difference with that test's interval."""

    estimate: float
    interval: Interval


class WithInterval:
    """Reading access to the ``interval`` of a result under the record's names.

    ``ci_low``, ``ci_high``, ``ci_method`` and ``confidence`` (the level achieved) read
    ``self.interval``; a result without one (``interval`` None: approximate
    randomization, Bowker, Stuart–Maxwell) raises AttributeError instead of answering NaN.
    """

    interval: Interval | None

    def _interval(self) -> Interval:
        if self.interval is None:
            raise AttributeError(f"{type(self).__name__} {getattr(self, 'method', '')!r} has no "
                                 "interval of its own")
        return self.interval

    @property
    def ci_low(self) -> float:
        return self._interval().low

    @property
    def ci_high(self) -> float:
        return self._interval().high

    @property
    def ci_method(self) -> str:
        return self._interval().method

    @property
    def confidence(self) -> float:
        return self._interval().confidence
