"""Test-set power: which accuracy difference can a test set of N samples show?

Two models evaluated once on the same N samples are compared by the paired tests of
:mod:`affectctl.stats.contingency` and :mod:`affectctl.stats.samples`. Their power to
detect an accuracy difference :math:`\\delta = \\mathrm{acc}_B - \\mathrm{acc}_A` depends
on N and on the *disagreement* :math:`d = p_{10} + p_{01}`, the share of samples that
exactly one of the two models gets right (:math:`\\delta = p_{01} - p_{10}`, so
:math:`|\\delta| \\le d`).

Independent samples (still images): exact McNemar
    The number of discordant samples is :math:`M \\sim \\mathrm{Bin}(N, d)`; given
    :math:`M = m`, B's wins are :math:`\\mathrm{Bin}(m, \\pi)` with
    :math:`\\pi = (d + \\delta) / (2d)`, and the two-sided exact test rejects when
    :math:`2 P(X \\le \\min(b, m - b)) \\le \\alpha`, :math:`X \\sim \\mathrm{Bin}(m, 1/2)`.
    The power is computed exactly by summing over :math:`m` (Miettinen 1968; the
    unconditional power of the conditional test, cf. Connor 1987, whose normal
    approximation it replaces). Approximate randomization over samples on accuracy
    swaps only discordant samples and is the same test up to Monte-Carlo error.

Videos (frames correlated within a video): approximate randomization over videos
    With G videos of :math:`\\bar m = N/G` frames and an intra-video correlation
    :math:`\\rho` of the per-frame score difference :math:`D = 1[B\\ right] - 1[A\\
    right]`, the variance of the mean difference is inflated by the design effect
    :math:`\\mathrm{DEFF} = 1 + (\\bar m - 1)\\rho` (Kish 1965), i.e. the test set is
    worth :math:`N_\\mathrm{eff} = N / \\mathrm{DEFF}` independent samples. Power of the
    randomization test over videos, normal approximation:
    :math:`\\Phi\\big((|\\delta|\\sqrt{N_\\mathrm{eff}} - z_{1-\\alpha/2}\\sqrt d)/\\sqrt{d - \\delta^2}\\big)`.

Both are checked by simulation in the tests (empirical power at the reported smallest
difference within 3 points of the target).

References
----------
.. [1] Miettinen, O. S. (1968). The matched pairs design in the case of all-or-none
       responses. Biometrics 24(2), 339-352.
.. [2] Connor, R. J. (1987). Sample size for testing differences in proportions for
       the paired-sample design. Biometrics 43(1), 207-211.
.. [3] Kish, L. (1965). Survey Sampling. Wiley (design effect, §5.4).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from affectctl.errors import ConfigError
from affectctl._util.validation import check_unit_interval
from affectctl.stats._common import to_plain

__all__ = ["SamplePowerReport", "samples_power_analysis", "mcnemar_exact_power", "grouped_power",
           "disagreement_from_accuracy", "paired_correctness_summary"]

_MAX_N = 10**9


def _check_d(disagreement) -> float:
    d = check_unit_interval("disagreement", disagreement)
    return d


def mcnemar_exact_power(n: int, disagreement: float, diff: float, *, alpha: float = 0.05) -> float:
    """Power of the two-sided exact McNemar test with ``n`` samples.

    Parameters
    ----------
    n : int
        Samples (independent).
    disagreement : float
        :math:`d`, the share of samples exactly one model gets right.
    diff : float
        Accuracy difference :math:`\\delta`, :math:`|\\delta| \\le d`.
    alpha : float, default 0.05

    Returns
    -------
    float
        :math:`\\sum_m \\mathrm{Bin}(m; n, d)\\,P(\\text{reject} \\mid m)` (module docstring).

    Examples
    --------
    >>> round(mcnemar_exact_power(1000, 0.2, 0.0), 4) <= 0.05
    True
    """
    from scipy import stats  # here, not at import: module docstring of affectctl.stats

    d = float(disagreement)
    delta = abs(float(diff))
    if delta > d + 1e-12:
        raise ConfigError(f"an accuracy difference of {delta:g} needs at least that share of "
                          f"samples on which the models disagree; the disagreement is {d:g}.")
    n = int(n)
    if n < 1 or d <= 0:
        return 0.0
    lo = int(max(0, stats.binom.ppf(1e-12, n, d)))
    hi = int(min(n, stats.binom.isf(1e-12, n, d)))
    m = np.arange(max(lo, 1), hi + 1)
    w = stats.binom.pmf(m, n, d)
    # k_m: largest k with 2 * P(X <= k) <= alpha under Bin(m, 1/2); -1 when none
    k = stats.binom.ppf(alpha / 2.0, m, 0.5)
    k = np.where(stats.binom.cdf(k, m, 0.5) * 2.0 <= alpha * (1 + 1e-12), k, k - 1)
    pi = min(1.0, (d + delta) / (2.0 * d))
    rej = np.where(k >= 0, stats.binom.cdf(k, m, pi) + stats.binom.sf(m - k - 1, m, pi), 0.0)
    return float(np.clip(np.sum(w * rej), 0.0, 1.0))


def grouped_power(n: int, disagreement: float, diff: float, *, n_groups: int, icc: float,
                  alpha: float = 0.05) -> float:
    """Power of the randomization test over videos (normal approximation, design effect).

    Parameters
    ----------
    n : int
        Frames in the test set.
    disagreement, diff, alpha
        As :func:`mcnemar_exact_power`.
    n_groups : int
        Videos; :math:`\\bar m = n / G` frames per video.
    icc : float
        Intra-video correlation :math:`\\rho` of the per-frame score difference.

    Returns
    -------
    float
    """
    from scipy import stats  # here, not at import: module docstring of affectctl.stats

    d, delta = float(disagreement), abs(float(diff))
    deff = 1.0 + (n / n_groups - 1.0) * icc
    n_eff = n / deff
    var1 = d - delta**2
    if var1 <= 0:
        return 1.0
    z = stats.norm.ppf(1 - alpha / 2)
    return float(stats.norm.cdf((delta * math.sqrt(n_eff) - z * math.sqrt(d)) / math.sqrt(var1)))


def _solve_diff(power_fn, d, target) -> float | None:
    """Smallest delta in (0, d] with power_fn(delta) >= target (bisection), None if none."""
    if power_fn(d) < target:
        return None
    lo, hi = 0.0, d
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if power_fn(mid) >= target:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-7:
            break
    return hi


def _solve_n(power_fn, target) -> int | None:
    """Smallest n with power_fn(n) >= target (doubling, then bisection), None above 1e9."""
    hi = 2
    while power_fn(hi) < target:
        hi *= 2
        if hi > _MAX_N:
            return None
    lo = hi // 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if power_fn(mid) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def disagreement_from_accuracy(accuracy: float) -> float:
    """:math:`2a(1-a)`: the disagreement of two models of accuracy ``a`` whose errors are
    independent. Real models err on the same hard samples, so their disagreement is
    usually smaller and the smallest detectable difference smaller too: this is the
    cautious guess when nothing else is known."""
    a = check_unit_interval("accuracy", accuracy)
    return 2.0 * a * (1.0 - a)


@dataclass(frozen=True)
class SamplePowerReport:
    """What a test set of ``n_samples`` can show about an accuracy difference.

    Attributes
    ----------
    n_samples, alpha, power_target : the question asked (two-sided tests).
    disagreement : float
        Share of samples exactly one model gets right (:math:`d`).
    accuracy : float or None
        Accuracy of the first model, when given or estimated.
    source : str
        Where ``disagreement`` comes from: "given", "accuracy (independent errors)"
        or the two files it was estimated from.
    n_groups, icc, design_effect, effective_n : videos, intra-video correlation,
        :math:`1 + (N/G - 1)\\rho` and :math:`N/\\mathrm{DEFF}` (None without groups).
    min_diff : dict
        ``{test: smallest |accuracy difference| detected with power_target}``;
        ``"mcnemar"`` (independent samples) and, with groups, ``"ar_group"``;
        None when even :math:`\\delta = d` is not enough.
    diff : float or None
        The difference asked about (``--diff``).
    samples_needed : dict or None
        ``{test: test-set size reaching power_target at diff}``; for ``ar_group``
        with the same frames per video (``groups_needed`` gives the videos).
    groups_needed : int or None
    power_at_diff : dict or None
        ``{test: power with n_samples at diff}``.
    note : str
    """

    n_samples: int
    alpha: float
    power_target: float
    disagreement: float
    accuracy: float | None
    source: str
    n_groups: int | None
    icc: float | None
    design_effect: float | None
    effective_n: float | None
    min_diff: dict
    diff: float | None = None
    samples_needed: dict | None = None
    groups_needed: int | None = None
    power_at_diff: dict | None = None
    note: str = ""


    def to_record(self) -> dict:
        """Plain JSON-able dict of every field."""
        return {f.name: to_plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def samples_power_analysis(n_samples: int, *, accuracy: float | None = None,
                  disagreement: float | None = None, n_groups: int | None = None,
                  icc: float | None = None, diff: float | None = None, alpha: float = 0.05,
                  power: float = 0.8, source: str | None = None) -> SamplePowerReport:
    """Smallest detectable accuracy difference on ``n_samples``, and samples needed for ``diff``.

    Parameters
    ----------
    n_samples : int
    accuracy : float, optional
        Accuracy of the first model; without ``disagreement`` it sets
        :math:`d = 2a(1-a)` (:func:`disagreement_from_accuracy`).
    disagreement : float, optional
        Share of samples exactly one of the models gets right.
    n_groups : int, optional
        Videos (or subjects) the samples come from; needs ``icc``.
    icc : float, optional
        Intra-video correlation of the per-frame score difference, in [0, 1].
    diff : float, optional
        Accuracy difference for which to report the test-set size needed.
    alpha : float, default 0.05
    power : float, default 0.8
    source : str, optional
        Provenance of ``disagreement`` (e.g. the files it was estimated from).

    Returns
    -------
    SamplePowerReport

    Examples
    --------
    >>> r = samples_power_analysis(4000, disagreement=0.2)
    >>> round(r.min_diff["mcnemar"], 3)
    0.02
    """
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ConfigError(f"--samples must be an integer >= 2; got {n_samples!r}.")
    n = int(n_samples)
    alpha = check_unit_interval("alpha", alpha)
    power = check_unit_interval("power", power)
    if disagreement is None and accuracy is None:
        raise ConfigError("test-set power needs --accuracy, --disagreement or --from A B (to "
                          "estimate them from two runs).")
    if accuracy is not None:
        accuracy = check_unit_interval("accuracy", accuracy)
    if disagreement is None:
        d = disagreement_from_accuracy(accuracy)
        source = source or "accuracy, assuming independent errors: d = 2·acc·(1 − acc)"
    else:
        d = _check_d(disagreement)
        source = source or "given"
    if d <= 0:
        raise ConfigError("the disagreement is 0 (the models are right on the same samples): no "
                          "test can tell them apart.")
    if (n_groups is None) != (icc is None):
        raise ConfigError("--groups and --icc go together (videos and their intra-video "
                          "correlation).")
    deff = n_eff = None
    if n_groups is not None:
        if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)) \
                or not 2 <= n_groups <= n:
            raise ConfigError(f"--groups must be an integer from 2 to --samples ({n}); got "
                              f"{n_groups!r}.")
        if not (isinstance(icc, (int, float)) and 0.0 <= icc <= 1.0):
            raise ConfigError(f"--icc must be in [0, 1]; got {icc!r}.")
        deff = 1.0 + (n / n_groups - 1.0) * float(icc)
        n_eff = n / deff
    tests = {"mcnemar": lambda nn, dl: mcnemar_exact_power(nn, d, dl, alpha=alpha)}
    if n_groups is not None:
        per_video = n / n_groups
        tests["ar_group"] = lambda nn, dl: grouped_power(nn, d, dl, n_groups=max(nn / per_video, 1.0),
                                                         icc=icc, alpha=alpha)
    min_diff = {t: _solve_diff(lambda dl, f=f: f(n, dl), d, power) for t, f in tests.items()}
    needed = at = groups_needed = None
    if diff is not None:
        if not (isinstance(diff, (int, float)) and math.isfinite(diff) and diff != 0):
            raise ConfigError(f"--diff must be a non-zero accuracy difference; got {diff!r}.")
        if abs(diff) > d:
            raise ConfigError(f"--diff {diff:g} is larger than the disagreement {d:g}: an accuracy "
                              "difference needs at least that share of samples on which exactly "
                              "one model is right.")
        needed = {t: _solve_n(lambda nn, f=f: f(nn, diff), power) for t, f in tests.items()}
        at = {t: f(n, diff) for t, f in tests.items()}
        if n_groups is not None and needed["ar_group"] is not None:
            groups_needed = math.ceil(needed["ar_group"] / (n / n_groups))
    note = ("two-sided; mcnemar: exact power of the exact McNemar test (samples independent; "
            "= AR over samples on accuracy)")
    if n_groups is not None:
        note += ("; ar_group: AR over videos, normal approximation with design effect "
                 "1 + (N/G − 1)·ICC")
    return SamplePowerReport(n, alpha, power, d, accuracy, source, n_groups,
                              None if icc is None else float(icc), deff, n_eff, min_diff,
                              None if diff is None else float(diff), needed, groups_needed, at,
                              note)


def paired_correctness_summary(correct_a, correct_b, group=None) -> dict:
    """Accuracy of A, disagreement, and (with groups) videos and ICC from two runs.

    The ICC is the one-way ANOVA estimator of the intra-group correlation of
    :math:`D = 1[B\\ right] - 1[A\\ right]` for unequal group sizes, clipped to [0, 1]:
    :math:`(MSB - MSW)/(MSB + (n_0 - 1) MSW)`,
    :math:`n_0 = (N - \\sum n_g^2 / N)/(G - 1)` (Donner 1986).

    Returns
    -------
    dict
        ``n_samples, accuracy, disagreement`` and, with ``group``, ``n_groups, icc``.
    """
    ra, rb = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    n = int(ra.shape[0])
    out = {"n_samples": n, "accuracy": float(ra.mean()), "disagreement": float(np.mean(ra != rb))}
    if group is None:
        return out
    dv = rb.astype(float) - ra.astype(float)
    _, inv = np.unique(np.asarray(group).astype(str), return_inverse=True)
    g = int(inv.max()) + 1
    out["n_groups"] = g
    if g < 2 or g >= n:
        out["icc"] = 0.0
        return out
    size = np.bincount(inv, minlength=g).astype(float)
    mean_g = np.bincount(inv, weights=dv, minlength=g) / size
    grand = dv.mean()
    msb = np.sum(size * (mean_g - grand) ** 2) / (g - 1)
    msw = np.sum((dv - mean_g[inv]) ** 2) / (n - g)
    n0 = (n - np.sum(size**2) / n) / (g - 1)
    den = msb + (n0 - 1) * msw
    out["icc"] = float(np.clip((msb - msw) / den, 0.0, 1.0)) if den > 0 else 0.0
    return out
