"""How many seeds? Reachability of exact tests and power of the paired t-test.

Two different limits decide whether a seed-level comparison can succeed:

1. **Reachability.** An exact test on n seeds has a floor under its p-value
   (:func:`~affectctl.stats.seeds.min_attainable_pvalue`): the Wilcoxon and
   sign-flip tests need n >= 5 seeds to reach 0.05 one-sided and n >= 6
   two-sided, *whatever the effect*.
2. **Power.** Given the seed-to-seed standard deviation ``sd`` of the paired
   differences and the difference ``diff`` one hopes to detect, the paired
   t-test's power follows the noncentral t distribution with effect size
   :math:`d_z = \\mathrm{diff}/\\mathrm{sd}` (:func:`_power`: the noncentral t's
   tail by quadrature over the chi-square; it equals statsmodels ``TTestPower``
   wherever that is finite, which it is not near power 1, e.g. 20 seeds at
   :math:`d_z = 2`, where SciPy's ``nct`` returns NaN, scipy/scipy#25470).

:func:`power_analysis` reports both; ``affectctl power`` prints it.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import numbers
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._validation import SEED_TESTS
from ..errors import ConfigError
from ._common import (
    check_alpha,
    check_alternative,
    check_choice,
    check_positive_int,
    check_unit_interval,
    to_plain,
)
from .seeds import MAX_EXACT_SIGNFLIP, min_attainable_pvalue

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PowerReport", "power_analysis", "min_seeds_for_alpha", "ttest_power",
           "seeds_for_power", "POWER_TESTS", "WILCOXON_ARE"]

POWER_TESTS = SEED_TESTS
#: Asymptotic relative efficiency of the Wilcoxon signed-rank test against the t-test
#: for normal data, 3/π (Hodges & Lehmann 1956).
WILCOXON_ARE = 3.0 / math.pi
_MAX_SEEDS = 100_000


def min_seeds_for_alpha(test: str, alpha: float, alternative: str) -> "int | None":
    """Smallest number of seeds at which ``test`` can return ``p <= alpha`` at all.

    Exact Wilcoxon and sign-flip: smallest n with :math:`2^{-n} \\le \\alpha`
    (one-sided) or :math:`2^{1-n} \\le \\alpha` (two-sided), i.e.
    :math:`n = \\lceil \\log_2(1/\\alpha) \\rceil` (+1 two-sided), computed directly.
    The sign-flip test is exact only up to ``MAX_EXACT_SIGNFLIP`` (20) seeds and Monte
    Carlo with 9,999 replicates beyond, whose floor :math:`1/(R+1)` (one-sided) or
    :math:`2/(R+1)` (two-sided) no number of seeds lowers: when alpha needs more seeds
    than that, the sign-flip test never reaches it and the answer is None. t-test: 2.

    Examples
    --------
    >>> min_seeds_for_alpha("wilcoxon", 0.05, "two-sided")
    6
    >>> min_seeds_for_alpha("wilcoxon", 0.05, "greater")
    5
    >>> min_seeds_for_alpha("signflip", 1e-9, "two-sided") is None
    True
    """
    check_choice("test", test, POWER_TESTS)
    alpha = check_unit_interval("alpha", alpha)
    check_alternative(alternative)
    if test == "ttest":
        return 2
    k = 1 if alternative == "two-sided" else 0
    # ceil(log2(1/alpha)) in floating point, then settled against the floor itself
    n = max(1, k + math.ceil(-math.log2(alpha)))
    while min_attainable_pvalue(test, n, alternative) > alpha and n <= MAX_EXACT_SIGNFLIP + 1:
        n += 1
    while n > 1 and min_attainable_pvalue(test, n - 1, alternative) <= alpha:
        n -= 1
    if min_attainable_pvalue(test, n, alternative) > alpha:
        return None  # the sign-flip test's Monte-Carlo floor (no n reaches alpha)
    return n


def _effect(diff, sd):
    for name, v in (("diff", diff), ("sd", sd)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ConfigError(f"`{name}` must be a finite number; got {v!r}.")
    if sd <= 0:
        raise ConfigError(f"`sd` must be > 0 (the seed-to-seed SD of paired differences); got "
                          f"{sd!r}.")
    return float(diff) / float(sd)


def _power(dz, n, alpha, alternative):
    """Power of the paired t-test with ``n`` seeds at effect size ``dz`` (module docstring).

    With :math:`T = (Z + \\delta)/S`, :math:`\\delta = d_z \\sqrt n`,
    :math:`S = \\sqrt{V/\\nu}`, :math:`V \\sim \\chi^2_\\nu`, :math:`\\nu = n - 1` and
    critical value :math:`c` (:math:`t_{\\nu}` quantile at alpha, alpha/2 two-sided):

    .. math:: P(T > c) = E_V\\,\\Phi(\\delta - c S), \\qquad
              P(T < -c) = E_V\\,\\Phi(-\\delta - c S),

    the expectation taken over the chi-square's quantiles :math:`u \\in (0, 1)` by
    :data:`_GL_NODES`-point Gauss–Legendre quadrature (a bounded, smooth integrand: it
    stays finite where SciPy 1.17's noncentral t returns NaN; within 1e-6 of statsmodels
    ``TTestPower`` below power 1 - 1e-4, where that is reliable, checked in the tests).
    Two-sided uses
    :math:`|d_z|`, as ``TTestPower`` does. A critical value beyond float range (alpha
    near 1e-300) rejects nothing: power 0.
    """
    if n < 2:
        return 0.0
    import numpy as np
    from scipy import special, stats

    nu = n - 1
    es = abs(dz) if alternative == "two-sided" else dz
    delta = es * math.sqrt(n)
    q = alpha / 2 if alternative == "two-sided" else alpha
    c = float(stats.t.isf(q, nu))
    if not math.isfinite(c) or (q < 0.5 and c <= 0):  # isf under- or overflowed
        return 0.0
    x, w = _gauss_legendre(_GL_NODES)
    s = np.sqrt(stats.chi2.ppf((x + 1) / 2, nu) / nu)
    up, down = special.ndtr(delta - c * s), special.ndtr(-delta - c * s)
    f = {"two-sided": up + down, "greater": up, "less": down}[alternative]
    return min(1.0, max(0.0, float(w @ f) / 2))


#: Gauss–Legendre nodes of the power quadrature (:func:`_power`).
_GL_NODES = 400


@functools.lru_cache(maxsize=None)
def _gauss_legendre(n: int):
    """Nodes and weights on [-1, 1], computed once (~15 ms: most of a :func:`_power` call,
    which the search for the seeds needed repeats ~40 times)."""
    import numpy as np

    return np.polynomial.legendre.leggauss(n)


def ttest_power(diff: float, sd: float, n: int, *, alpha: float = 0.05,
                alternative: str = "two-sided") -> float:
    """Power of the paired t-test with ``n`` seeds to detect mean difference ``diff``.

    Noncentral t with :math:`\\delta = \\sqrt n\\, \\mathrm{diff}/\\mathrm{sd}` and
    n - 1 df (:func:`_power`; equal to statsmodels ``TTestPower().power`` where that is
    finite). ``diff`` is signed: with
    ``alternative="greater"`` a negative ``diff`` has power below ``alpha``.

    Examples
    --------
    >>> round(ttest_power(0.01, 0.02, 34, alpha=0.05), 3)
    0.808
    """
    dz = _effect(diff, sd)
    n = check_positive_int("n", n, minimum=1)
    alpha = check_unit_interval("alpha", alpha)
    check_alternative(alternative)
    return _power(dz, n, alpha, alternative)


def _seeds_for_power(dz, alpha, power, alternative):
    if _power(dz, _MAX_SEEDS, alpha, alternative) < power:
        return None
    lo, hi = 1, 2
    while _power(dz, hi, alpha, alternative) < power:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _power(dz, mid, alpha, alternative) >= power:
            hi = mid
        else:
            lo = mid
    return hi


def seeds_for_power(diff: float, sd: float, *, alpha: float = 0.05, power: float = 0.8,
                    alternative: str = "two-sided") -> int | None:
    """Smallest number of seeds at which the paired t-test reaches ``power``.

    Returns None if more than 100,000 seeds would be needed (or the effect points
    the other way for a one-sided alternative).

    Examples
    --------
    >>> seeds_for_power(0.01, 0.02, alpha=0.05, power=0.8)
    34
    """
    dz = _effect(diff, sd)
    alpha = check_unit_interval("alpha", alpha)
    power = check_unit_interval("power", power)
    check_alternative(alternative)
    return _seeds_for_power(dz, alpha, power, alternative)


@dataclass(frozen=True)
class PowerReport:
    """What ``n_seeds`` seeds can show, and how many are needed.

    Attributes
    ----------
    n_seeds, alpha, alternative
        The question asked.
    min_pvalue : dict
        ``{test: smallest attainable p with n_seeds}`` for wilcoxon, signflip, ttest.
    reachable : dict
        ``{test: min_pvalue <= alpha}``.
    min_seeds : dict
        ``{test: smallest n at which the test can reach alpha at all}``; None when no n
        can (the sign-flip test's Monte-Carlo floor, :func:`min_seeds_for_alpha`).
    diff, sd, effect_size : float or None
        Hoped-for mean difference, seed-to-seed SD of paired differences, and
        :math:`d_z` = diff/sd (None without ``--sd/--diff``).
    power_target : float
    power_at_n : float or None
        Paired t-test power with ``n_seeds`` seeds.
    seeds_needed : dict or None
        ``{test: seeds needed}``: t-test from the noncentral t; sign-flip the same
        (a permutation t-test is asymptotically as efficient) but at least its
        reachability minimum; Wilcoxon the t-test number divided by its ARE 3/π
        (rounded up), and at least its minimum. None values: more than 100,000.
    note : str
    """

    n_seeds: int
    alpha: float
    alternative: str
    min_pvalue: dict
    reachable: dict
    min_seeds: dict
    diff: float | None = None
    sd: float | None = None
    effect_size: float | None = None
    power_target: float = 0.8
    power_at_n: float | None = None
    seeds_needed: dict | None = None
    note: str = ""

    def to_record(self) -> dict:
        """Plain JSON-able dict of every field."""
        return {f.name: to_plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_dict(self) -> dict:
        """The JSON document of ``affectctl power --json`` (the same as :meth:`to_record`)."""
        return self.to_record()

    def to_frame(self) -> "pd.DataFrame":
        """One row per seed-level test: ``test, min_p_value, reachable, min_seeds`` and, with
        ``sd`` and ``diff``, ``seeds_needed``."""
        import pandas as pd

        rows = {"test": list(self.min_pvalue), "min_p_value": list(self.min_pvalue.values()),
                "reachable": [self.reachable[t] for t in self.min_pvalue],
                "min_seeds": [self.min_seeds[t] for t in self.min_pvalue]}
        if self.seeds_needed is not None:
            rows["seeds_needed"] = [self.seeds_needed.get(t) for t in self.min_pvalue]
        return pd.DataFrame(rows)

    def _headline(self) -> tuple:
        title = f"PowerReport: {self.n_seeds} seeds, alpha={self.alpha:g}, {self.alternative}"
        if self.effect_size is not None:
            title += (f"; d_z = {self.effect_size:.3g}, t-test power "
                      f"{self.power_at_n:.3g} with {self.n_seeds} seeds")
        return title, self.to_frame().set_index("test"), ""

    def __repr__(self) -> str:
        from .._display import text_view

        return text_view(*self._headline())

    def _repr_html_(self) -> str:
        from .._display import html_view

        return html_view(*self._headline())


def power_analysis(*, n_seeds: int = 5, alpha: float = 0.05, alternative: str = "two-sided",
                   sd: float | None = None, diff: float | None = None,
                   power: float = 0.8) -> PowerReport:
    """Reachability of each seed-level test with ``n_seeds``, and seeds needed for ``power``.

    Parameters
    ----------
    n_seeds : int, default 5
    alpha : float, default 0.05
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided'
    sd : float, optional
        Observed seed-to-seed standard deviation of the paired differences
        (``ddof=1``), e.g. from a pilot comparison.
    diff : float, optional
        Mean difference to detect (signed for one-sided alternatives). Give both
        ``sd`` and ``diff`` or neither.
    power : float, default 0.8

    Returns
    -------
    PowerReport

    References
    ----------
    .. [1] Cohen, J. (1988). Statistical Power Analysis for the Behavioral
           Sciences, 2nd ed., ch. 2.
    .. [2] Hodges, J. L. & Lehmann, E. L. (1956). The efficiency of some
           nonparametric competitors of the t-test. Ann. Math. Stat. 27(2), 324-335.

    Examples
    --------
    >>> r = power_analysis(n_seeds=5, alpha=0.05)
    >>> r.min_pvalue["wilcoxon"], r.reachable["wilcoxon"], r.min_seeds["wilcoxon"]
    (0.0625, False, 6)
    """
    n_seeds = check_positive_int("n_seeds", n_seeds, minimum=1)
    alpha = check_alpha(alpha)
    if alpha is None:
        raise ConfigError("`alpha` must be a number in the open interval (0, 1); got None.")
    alternative = check_alternative(alternative)
    power = check_unit_interval("power", power)
    if (sd is None) != (diff is None):
        raise ConfigError(f"`sd` and `diff` must be given together; got sd={sd!r}, diff={diff!r}.")
    min_p = {t: min_attainable_pvalue(t, n_seeds, alternative) for t in POWER_TESTS}
    reach = {t: bool(min_p[t] <= alpha) for t in POWER_TESTS}
    min_n = {t: min_seeds_for_alpha(t, alpha, alternative) for t in POWER_TESTS}
    note = ("exact Wilcoxon/sign-flip floors: 2^-n one-sided, 2^(1-n) two-sided; "
            "t-test power from the noncentral t (quadrature; statsmodels TTestPower where finite)")
    if sd is None:
        return PowerReport(n_seeds, alpha, alternative, min_p, reach, min_n, power_target=power,
                           note=note)
    dz = _effect(diff, sd)
    n_t = _seeds_for_power(dz, alpha, power, alternative)
    needed = {"ttest": n_t,
              "signflip": (None if n_t is None or min_n["signflip"] is None
                           else max(n_t, min_n["signflip"])),
              "wilcoxon": None if n_t is None else max(math.ceil(n_t / WILCOXON_ARE),
                                                       min_n["wilcoxon"])}
    note += "; Wilcoxon seeds = t-test seeds / ARE 3/pi (normal differences)"
    return PowerReport(n_seeds, alpha, alternative, min_p, reach, min_n, diff=float(diff),
                       sd=float(sd), effect_size=dz, power_target=power,
                       power_at_n=_power(dz, n_seeds, alpha, alternative), seeds_needed=needed,
                       note=note)
