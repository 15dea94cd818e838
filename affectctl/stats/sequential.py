"""Sequential Monte-Carlo tests: stop drawing null replicates once the decision is settled.

A Monte-Carlo test estimates the exact resampling p-value :math:`p` (the
probability, over the randomization distribution, of a replicate at least as
extreme as the observed statistic) from R draws. A fixed R wastes draws when
:math:`p` is far from the threshold and, close to it, leaves a sizeable chance
that the estimate lands on the other side of the threshold than :math:`p`
itself (the *resampling risk*). This module implements the confidence-sequence
method (CSM) of Ding, Gandy & Hahn (2020): draw in batches and stop as soon as
a Robbins (1970) confidence sequence for :math:`p` excludes every threshold
:math:`\\alpha_j` of a declared set. The resampling risk is then bounded
uniformly in :math:`p` by the chosen :math:`\\varepsilon`, for all thresholds
at once.

The procedure is independent of any engine: it takes a callable
``draw(n, rng)`` returning ``n`` null statistics (:func:`sequential_test`) or
``n`` exceedance indicators (:func:`sequential_test_indicators`).

How it combines with multiplicity corrections
---------------------------------------------
* **Holm.** Holm's step-down thresholds :math:`\\alpha/m, \\alpha/(m-1), \\dots,
  \\alpha` are known before any draw, so each of the m tests is run against the
  whole set (``thresholds=holm_thresholds(alpha, m)``). The confidence sequence
  of one test covers its :math:`p` at every step with probability at least
  :math:`1-\\varepsilon`, so all of that test's decisions are right together
  with that probability; Holm's step-down decisions follow from them
  (:func:`holm_decisions`) and equal Holm applied to the exact p-values of all m
  tests with probability at least :math:`1 - m\\varepsilon` (union bound).
  Bonferroni is the special case of the single threshold :math:`\\alpha/m`.
* **Benjamini–Hochberg** uses thresholds :math:`k\\alpha/m` too, so the same
  set serves; it is not wired in here (the step-up rule is not derived).
* **Westfall–Young max-T** needs the joint null of all tests' statistics from
  the same replicates and a distribution of the maximum, not a per-test
  exceedance probability: it is *not* supported sequentially (run it with a
  fixed R).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from affectctl.errors import ConfigError
from affectctl.stats._common import TIE_RTOL
from affectctl._util.validation import check_alternative, normalize_rng

__all__ = ["DEFAULT_RISK", "FIRST_BATCH", "BesagCliffordResult", "SequentialResult", "besag_clifford",
           "family_thresholds", "holm_decisions",
           "holm_thresholds", "robbins_interval", "sequential_test",
           "sequential_test_indicators"]

DEFAULT_RISK = 1e-3
"""Default bound :math:`\\varepsilon` on the resampling risk (Ding, Gandy & Hahn 2020)."""

FIRST_BATCH = 64
"""Draws before the first look; later looks come every ``max(FIRST_BATCH, n/8)`` draws."""

METHOD = "csm"
DECISIONS = ("reject", "accept", "undecided")


@dataclass(frozen=True)
class SequentialResult:
    """Outcome of a sequential Monte-Carlo test.

    Attributes
    ----------
    p_value : float
        The Monte-Carlo estimate from the ``n_resamples`` replicates drawn, in the
        same form as a fixed run: :math:`(c+1)/(n+1)` one-sided (c replicates at
        least as extreme), :math:`\\min(1, 2\\min(p_<, p_>))` two-sided. It is an
        estimate of the exact resampling p-value; because the number of draws
        depended on the draws, it is *not* itself guaranteed to be a valid p-value.
        The guarantee is carried by ``decisions``.
    decisions : tuple of (float, str)
        For every threshold :math:`\\alpha_j`, ``"reject"`` (the exact p-value is
        below it), ``"accept"`` (above it) or ``"undecided"`` (the cap was reached
        first). Each decided entry agrees with the decision the exact p-value
        would give; all of them together with probability at least
        ``1 - risk_bound``.
    p_interval : tuple of float
        The Robbins confidence sequence for the exact p-value at the stopping time
        (two-sided: twice the bounds of the smaller one-sided p, capped at 1).
    n_resamples : int
        Replicates used (drawn, minus undefined ones).
    n_undefined : int
        Replicates drawn whose statistic was NaN, left out.
    max_resamples : int
        The cap: after this many draws the test stops, undecided thresholds stay
        ``"undecided"``.
    stopped : str
        ``"decided"`` (every threshold settled) or ``"cap"``.
    risk_bound : float
        :math:`\\varepsilon`.
    method : str
        ``"csm"``: Ding, Gandy & Hahn's confidence-sequence method.
    seed : int
        Reproduces every draw.
    alternative : str
    """

    p_value: float
    decisions: tuple
    p_interval: tuple
    n_resamples: int
    n_undefined: int
    max_resamples: int
    stopped: str
    risk_bound: float
    method: str
    seed: int
    alternative: str

    def decision(self, threshold: float) -> str:
        """The decision at ``threshold`` (one of the declared thresholds)."""
        for t, d in self.decisions:
            if math.isclose(t, threshold, rel_tol=1e-12, abs_tol=0.0):
                return d
        raise ConfigError(f"threshold {threshold!r} was not declared; declared: "
                          f"{[t for t, _ in self.decisions]}.")


# ----------------------------------------------------------------------------------------------
# Robbins' confidence sequence

def _log_robbins(s: int, n: int, p: float) -> float:
    """:math:`\\log\\{(n+1)\\binom{n}{s}p^s(1-p)^{n-s}\\}`, with 0·log 0 = 0."""
    out = math.log(n + 1) + math.lgamma(n + 1) - math.lgamma(s + 1) - math.lgamma(n - s + 1)
    if s:
        out += s * math.log(p) if p > 0 else -math.inf
    if n - s:
        out += (n - s) * math.log1p(-p) if p < 1 else -math.inf
    return out


def _excluded(s: int, n: int, p: float, risk: float) -> bool:
    """Is ``p`` outside Robbins' sequence :math:`\\{p: (n+1)b(n,p,s) > \\varepsilon\\}`?"""
    return _log_robbins(s, n, p) <= math.log(risk)


def robbins_interval(s: int, n: int, risk: float) -> tuple[float, float]:
    """Robbins' (1970) confidence sequence for a Bernoulli probability.

    Parameters
    ----------
    s, n : int
        Successes (exceedances) in ``n`` draws.
    risk : float
        :math:`\\varepsilon`.

    Returns
    -------
    (low, high) : tuple of float
        :math:`I_n = \\{p\\in[0,1]: (n+1)\\binom{n}{s}p^s(1-p)^{n-s} > \\varepsilon\\}`,
        an interval (the binomial likelihood is log-concave in p) containing s/n.
        Robbins: :math:`P_p(p \\notin I_n \\text{ for some } n \\ge 0) \\le \\varepsilon`
        for every p, so the sequence may be looked at any (random) time.

    References
    ----------
    .. [1] Robbins, H. (1970). Statistical methods related to the law of the
           iterated logarithm. Ann. Math. Statist. 41(5), 1397–1409.
    """
    from scipy.optimize import brentq

    if n == 0:
        return 0.0, 1.0
    mle = s / n
    g = lambda p: _log_robbins(s, n, p) - math.log(risk)  # noqa: E731
    low = 0.0 if s == 0 or g(0.0) > 0 else brentq(g, 0.0, mle, xtol=1e-14, rtol=1e-12)
    high = 1.0 if s == n or g(1.0) > 0 else brentq(g, mle, 1.0, xtol=1e-14, rtol=1e-12)
    return float(low), float(high)


# ----------------------------------------------------------------------------------------------
# thresholds and Holm

def holm_thresholds(alpha: float, m: int) -> tuple[float, ...]:
    """Holm's step-down thresholds :math:`\\alpha/m, \\alpha/(m-1), \\dots, \\alpha`."""
    if not (isinstance(m, (int, np.integer)) and m >= 1):
        raise ConfigError(f"`m` must be a positive integer; got {m!r}.")
    return tuple(alpha / (m - j) for j in range(m))


def holm_decisions(results: Sequence[SequentialResult], alpha: float) -> list[str]:
    """Holm's step-down decisions from sequential decisions at every Holm threshold.

    With :math:`N_j = \\#\\{i: p_i \\le \\alpha/(m-j+1)\\}`, Holm rejects
    :math:`k = \\max\\{k: N_j \\ge j \\text{ for all } j \\le k\\}` hypotheses, the
    ones with :math:`p_i \\le \\alpha/(m-k+1)` (Holm 1979). Each test's decision at
    each threshold comes from its own sequential run (``thresholds =
    holm_thresholds(alpha, m)``); a test whose Holm decision depends on an
    undecided threshold is ``"undecided"``.

    Returns
    -------
    list of str
        ``"reject"``, ``"accept"`` or ``"undecided"`` per test, in input order.
    """
    m = len(results)
    ts = holm_thresholds(alpha, m)  # ts[j-1] = alpha / (m - j + 1)
    d = [[r.decision(t) for t in ts] for r in results]
    # count bounds on N_j: certain rejections (low) and possible ones (high)
    low = [sum(row[j] == "reject" for row in d) for j in range(m)]
    high = [sum(row[j] != "accept" for row in d) for j in range(m)]

    def k_of(counts):
        k = 0
        while k < m and counts[k] >= k + 1:
            k += 1
        return k

    k_low, k_high = k_of(low), k_of(high)
    out = []
    for row in d:
        if k_low == 0 and k_high == 0:
            out.append("accept")
            continue
        at_low = row[k_low - 1] if k_low else "accept"   # decision at alpha/(m-k_low+1)
        at_high = row[k_high - 1] if k_high else "accept"
        if k_low == k_high and at_low != "undecided":
            out.append(at_low)
        elif at_low == "reject":  # rejected whatever k in [k_low, k_high] is
            out.append("reject")
        elif at_high == "accept":
            out.append("accept")
        else:
            out.append("undecided")
    return out


# ----------------------------------------------------------------------------------------------
# the procedure

def _check_args(thresholds, risk, max_resamples, first_batch):
    ts = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if ts.size == 0 or not np.all((ts > 0) & (ts < 1)):
        raise ConfigError(f"`thresholds` must be one or more numbers in (0, 1); got {thresholds!r}.")
    if not (isinstance(risk, float | int) and 0 < risk < 1):
        raise ConfigError(f"`risk` must be in (0, 1); got {risk!r}.")
    for name, v in (("max_resamples", max_resamples), ("first_batch", first_batch)):
        if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1):
            raise ConfigError(f"`{name}` must be a positive integer; got {v!r}.")
    return tuple(float(t) for t in ts), float(risk), int(max_resamples), int(first_batch)


def _looks(first: int, cap: int):
    """Batch sizes: ``first``, then ``max(first, ceil(n/8))`` (n drawn so far), up to ``cap``."""
    n = 0
    while n < cap:
        b = min(cap - n, first if n == 0 else max(first, -(-n // 8)))
        yield b
        n += b


def _decide(counts, n, ts, risk, two_sided):
    """Decision per threshold from the exceedance counts after ``n`` usable draws.

    One-sided: ``counts = (c,)``, the confidence sequence at ``risk`` excludes
    alpha: reject if c/n < alpha, accept otherwise. Two-sided:
    ``counts = (c_less, c_greater)``, one sequence per side at ``risk/2`` each,
    compared with alpha/2: reject if either excludes alpha/2 from above (that
    one-sided p is below alpha/2), accept if both exclude it from below.
    """
    out = []
    for t in ts:
        if not two_sided:
            c = counts[0]
            ex = n > 0 and _excluded(c, n, t, risk)
            out.append(("reject" if c < t * n else "accept") if ex else "undecided")
            continue
        h = t / 2.0
        side = [("below" if c < h * n else "above") if n > 0 and _excluded(c, n, h, risk / 2.0)
                else None for c in counts]
        if "below" in side:
            out.append("reject")
        elif side == ["above", "above"]:
            out.append("accept")
        else:
            out.append("undecided")
    return tuple(out)


def _sequence(next_counts, two_sided, ts, risk, cap, first, seed, alternative):
    n_used = n_undefined = 0
    counts = [0, 0] if two_sided else [0]
    decisions = ("undecided",) * len(ts)
    for b in _looks(first, cap):
        add, used = next_counts(b)
        counts = [c + a for c, a in zip(counts, add)]
        n_used += used
        n_undefined += b - used
        decisions = _decide(counts, n_used, ts, risk, two_sided)
        if "undecided" not in decisions:
            break
    stopped = "cap" if "undecided" in decisions else "decided"
    if n_used == 0:
        p, interval = float("nan"), (float("nan"), float("nan"))
    elif two_sided:
        q = min(counts)
        p = min(1.0, 2.0 * (q + 1) / (n_used + 1))
        lo, hi = robbins_interval(q, n_used, risk / 2.0)
        interval = (min(1.0, 2 * lo), min(1.0, 2 * hi))
    else:
        p = (counts[0] + 1) / (n_used + 1)
        interval = robbins_interval(counts[0], n_used, risk)
    return SequentialResult(float(p), tuple(zip(ts, decisions)), interval, int(n_used),
                            int(n_undefined), cap, stopped, risk, METHOD, seed, alternative)


def sequential_test(draw: Callable[[int, np.random.Generator], np.ndarray], observed: float, *,
                    alternative: str = "two-sided", thresholds: float | Sequence[float] = 0.05,
                    risk: float = DEFAULT_RISK, max_resamples: int = 9999,
                    first_batch: int = FIRST_BATCH, rng=None, tol: float | None = None,
                    ) -> SequentialResult:
    """Sequential Monte-Carlo test of ``observed`` against replicates from ``draw``.

    Parameters
    ----------
    draw : callable
        ``draw(n, rng)`` returns ``n`` statistics drawn from the null (a 1-D
        array); NaN entries are counted as undefined and left out.
    observed : float
        The observed statistic.
    alternative : {'two-sided', 'greater', 'less'}
        As in a fixed run: ``'greater'`` counts replicates >= observed, ``'less'``
        <= observed; two-sided is :math:`\\min(1, 2\\min(p_<, p_>))`.
    thresholds : float or sequence of float, default 0.05
        Every level the decision is wanted at (e.g. :func:`holm_thresholds`).
    risk : float, default 1e-3
        :math:`\\varepsilon`, the bound on the probability that any decision
        differs from the exact p-value's.
    max_resamples : int, default 9999
        Cap on the draws; a threshold not settled by then is ``"undecided"``.
    first_batch : int, default 64
        Draws before the first look.
    rng : None, int or numpy.random.Generator
        Seed (see :func:`affectctl.stats._common.normalize_rng`); reported.
    tol : float, optional
        Replicates within ``tol`` of ``observed`` count as at least as extreme;
        default ``100·eps·|observed|`` (as :func:`scipy.stats.permutation_test`).

    Returns
    -------
    SequentialResult

    Notes
    -----
    Let :math:`p` be the exact resampling p-value (one-sided) and :math:`S_n` the
    number of exceedances in n draws. Robbins' confidence sequence
    :math:`I_n = \\{q: (n+1)\\binom{n}{S_n}q^{S_n}(1-q)^{n-S_n} > \\varepsilon\\}`
    covers p at every n simultaneously with probability at least
    :math:`1-\\varepsilon` (Robbins 1970). The test looks after the batches
    ``first_batch``, then every ``max(first_batch, n/8)`` draws, and stops at the
    first look where no threshold lies in :math:`I_n` (Ding, Gandy & Hahn 2020);
    the decision at :math:`\\alpha_j` is *reject* if :math:`I_n` lies below it. Since
    a decision can be wrong only when :math:`p \\notin I_n`, the probability that
    *any* decision differs from the one the exact p gives is at most
    :math:`\\varepsilon`, whatever p is (uniformly bounded resampling risk, Gandy
    2009). Two-sided: one sequence for each one-sided p at :math:`\\varepsilon/2`,
    compared with :math:`\\alpha_j/2`. If p equals a threshold the expected number
    of draws is infinite; the cap ``max_resamples`` then stops the test undecided.
    Looking only after batches keeps the bound (it holds for every stopping time).

    Under H0 the exact p-value is valid, so rejecting when the sequential test
    says *reject* at :math:`\\alpha` has level at most :math:`\\alpha+\\varepsilon`.

    References
    ----------
    .. [1] Ding, D., Gandy, A. & Hahn, G. (2020). A simple method for implementing
           Monte Carlo tests. Computational Statistics 35, 1373–1392.
    .. [2] Gandy, A. (2009). Sequential implementation of Monte Carlo tests with
           uniformly bounded resampling risk. JASA 104(488), 1504–1511.
    .. [3] Robbins, H. (1970). Statistical methods related to the law of the
           iterated logarithm. Ann. Math. Statist. 41(5), 1397–1409.

    Examples
    --------
    >>> draw = lambda n, rng: rng.standard_normal(n)
    >>> res = sequential_test(draw, 3.5, alternative="greater", rng=0)
    >>> res.decisions, res.n_resamples < 2000
    (((0.05, 'reject'),), True)
    """
    alternative = check_alternative(alternative)
    ts, risk, cap, first = _check_args(thresholds, risk, max_resamples, first_batch)
    observed = float(observed)
    if not math.isfinite(observed):
        raise ConfigError(f"`observed` must be finite; got {observed!r}.")
    gamma = TIE_RTOL * abs(observed) if tol is None else float(tol)
    gen, seed = normalize_rng(rng)

    def next_counts(b):
        null = np.asarray(draw(b, gen), dtype=np.float64).reshape(-1)
        if null.shape[0] != b:
            raise ConfigError(f"`draw({b}, rng)` returned {null.shape[0]} values.")
        null = null[~np.isnan(null)]
        less = int(np.count_nonzero(null <= observed + gamma))
        greater = int(np.count_nonzero(null >= observed - gamma))
        add = {"less": (less,), "greater": (greater,)}.get(alternative, (less, greater))
        return add, int(null.shape[0])

    return _sequence(next_counts, alternative == "two-sided", ts, risk, cap, first, seed,
                     alternative)


def sequential_test_indicators(draw: Callable[[int, np.random.Generator], np.ndarray], *,
                               thresholds: float | Sequence[float] = 0.05,
                               risk: float = DEFAULT_RISK, max_resamples: int = 9999,
                               first_batch: int = FIRST_BATCH, rng=None) -> SequentialResult:
    """One-sided sequential test from exceedance indicators.

    ``draw(n, rng)`` returns ``n`` booleans (or 0/1), true when a replicate is at
    least as extreme as the observed statistic; the exact p-value is their
    probability. Otherwise as :func:`sequential_test` with a one-sided
    alternative (``alternative`` is reported as ``"indicator"``).
    """
    ts, risk, cap, first = _check_args(thresholds, risk, max_resamples, first_batch)
    gen, seed = normalize_rng(rng)

    def next_counts(b):
        x = np.asarray(draw(b, gen)).reshape(-1)
        if x.shape[0] != b:
            raise ConfigError(f"`draw({b}, rng)` returned {x.shape[0]} values.")
        return (int(np.count_nonzero(x)),), b

    return _sequence(next_counts, False, ts, risk, cap, first, seed, "indicator")


def family_thresholds(correction: str, alpha: float, m: int) -> tuple[float, ...]:
    """The thresholds a sequential test in a family of ``m`` tests must decide.

    ``"holm"`` (and ``"westfall-young"``, whose non-sign-flip families are Holm, and
    ``"fdr_bh"``, whose step-up thresholds :math:`k\\alpha/m` are the same set):
    :func:`holm_thresholds`; ``"bonferroni"``: :math:`\\alpha/m`; ``"none"``:
    :math:`\\alpha`. With an upper bound on ``m`` the set only grows (more draws,
    the same guarantee at every threshold).
    """
    if correction == "none":
        return (float(alpha),)
    if correction == "bonferroni":
        return (float(alpha) / m,)
    return holm_thresholds(alpha, m)


# ----------------------------------------------------------------------------------------------
# Besag & Clifford: a valid p-value from a sequential draw

@dataclass(frozen=True)
class BesagCliffordResult:
    """A Besag–Clifford sequential p-value.

    Attributes
    ----------
    p_value : float
        :math:`h/l` if the h-th exceedance came at draw l, else :math:`(g+1)/n`
        with g < h exceedances in the :math:`n-1` draws allowed. A valid p-value:
        :math:`P_{H_0}(p \\le u) \\le u` for every u.
    n_resamples : int
        Draws used (l, or n − 1); draws of the last batch after the stop are discarded.
    h, max_resamples : int
        The stopping count and the cap n − 1.
    method : str
        ``"besag_clifford"``.
    seed : int
    alternative : str
    """

    p_value: float
    n_resamples: int
    h: int
    max_resamples: int
    method: str
    seed: int
    alternative: str


def besag_clifford(draw: Callable[[int, np.random.Generator], np.ndarray], *, h: int = 10,
                   max_resamples: int = 9999, first_batch: int = FIRST_BATCH,
                   rng=None) -> BesagCliffordResult:
    """Besag & Clifford's (1991) sequential Monte-Carlo p-value from exceedance indicators.

    Parameters
    ----------
    draw : callable
        ``draw(n, rng)`` returns ``n`` booleans, true when a null replicate is at
        least as extreme as the observed statistic (one-sided).
    h : int, default 10
        Stop at the h-th exceedance.
    max_resamples : int, default 9999
        At most n − 1 = ``max_resamples`` draws.
    first_batch : int, default 64
        Draw sizes as :func:`sequential_test`'s looks; only the draws up to the
        stop count.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    BesagCliffordResult

    Notes
    -----
    Draw until h replicates are at least as extreme as the observed one, or
    n − 1 draws. Stopped at draw l: :math:`p = h/l`; otherwise, with g < h
    exceedances: :math:`p = (g+1)/n`. Under H0 (exchangeable observed and null
    statistics) :math:`P(p \\le u) \\le u` (Besag & Clifford 1991, §2), so the
    value is a p-value in its own right, unlike the estimate of a test that stops
    on the decision. It saves draws when p is large (about h/p of them) and none
    when p is small: a clear rejection still takes n − 1 draws. Use
    :func:`sequential_test` to stop early on a clear rejection.

    References
    ----------
    .. [1] Besag, J. & Clifford, P. (1991). Sequential Monte Carlo p-values.
           Biometrika 78(2), 301–304.
    """
    for name, v in (("h", h), ("max_resamples", max_resamples), ("first_batch", first_batch)):
        if not (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1):
            raise ConfigError(f"`{name}` must be a positive integer; got {v!r}.")
    gen, seed = normalize_rng(rng)
    cap, used, g = int(max_resamples), 0, 0
    for b in _looks(int(first_batch), cap):
        x = np.asarray(draw(b, gen)).reshape(-1)
        if x.shape[0] != b:
            raise ConfigError(f"`draw({b}, rng)` returned {x.shape[0]} values.")
        hits = np.flatnonzero(x)
        if g + hits.shape[0] >= h:
            l_stop = used + int(hits[h - g - 1]) + 1
            return BesagCliffordResult(h / l_stop, l_stop, int(h), cap, "besag_clifford", seed,
                                       "indicator")
        g += int(hits.shape[0])
        used += b
    return BesagCliffordResult((g + 1) / (cap + 1), cap, int(h), cap, "besag_clifford", seed,
                               "indicator")
