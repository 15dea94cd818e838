"""Two-level paired bootstrap: new seeds *and* new test units at once.

:func:`paired_bootstrap` with seeds as strata resamples test units within each seed
and keeps the seeds fixed: its interval says what another draw of the test set
would do with *these* seeds. :func:`hierarchical_bootstrap` also resamples the
seeds, so its interval answers "would the difference hold with new seeds and new
test videos?" (Bouthillier et al. 2021 recommend resampling every source of
variation together).

Design: seeds x units, crossed
------------------------------
Every seed is evaluated on the same test set, so seeds and test units (videos, or
samples) are *crossed*, not nested: a video that is hard for one seed's model is
hard for the others too. One replicate therefore draws

1. seed counts ``m ~ Multinomial(S, 1/S)`` (the S seeds resampled with replacement,
   each seed a paired run of both conditions), and
2. one unit resample ``w ~ Multinomial(U, 1/U)`` **shared by all seeds** (the
   same new test set for every seed, both conditions on the same units),

and computes :math:`T^* = \\frac1S \\sum_s m_s\\,[\\mathrm{metric}(A_s; w) -
\\mathrm{metric}(B_s; w)]`. Resampling the units independently within each seed
would shrink the shared video effect by a factor S and under-cover (the
calibration tests show it).

Sufficient statistics: the per-unit feature rows of every seed (the same additive
features the exact engines use, :mod:`._features`) are put side by side, units
with equal rows are merged (:class:`._ties.TiedRows`), and a batch of replicates is
one product of the ``(B, D)`` count matrix with the ``(D, 2SF)`` row matrix; no
Python loop over samples or units.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from affectctl.errors import ConfigError, DegenerateDataWarning, PairingError
from affectctl.stats._common import pick_batch, to_plain
from affectctl._util.validation import check_alpha, check_alternative, check_choice, check_confidence, check_n_resamples, normalize_rng
from affectctl.stats.samples._containers import MetricContext, PairedPredictions
from affectctl.stats.samples._features import _evaluate, _parts_used, _stratum_engine
from affectctl.stats.samples._paired import checked_strata
from affectctl.stats.samples._registry import _parse_metric
from affectctl.stats.samples._ties import TiedRows

__all__ = ["HierarchicalResult", "hierarchical_bootstrap", "seed_correction", "two_level_interval",
           "variance_components"]

_MAX_BATCH = 1024


@dataclass(frozen=True)
class HierarchicalResult:
    """Result of :func:`hierarchical_bootstrap` (``to_record()`` gives the JSON record).

    Attributes
    ----------
    delta : float
        Observed mean over seeds of metric(A) - metric(B).
    ci_low, ci_high : float
        t interval from the two-level variance, seed part corrected by S/(S-1), on
        Satterthwaite degrees of freedom ``df`` (``ci_method="two_level_t"``,
        :func:`two_level_interval`).
    pvalue : float
        From the same t (``p_method="t_interval_inversion"``): p <= 1 - confidence
        exactly when the interval excludes 0.
    se, df : float
        The standard error and the degrees of freedom of that interval.
    unit : {'group', 'sample'}
        The test unit resampled within the seeds.
    level : {'seed_and_unit', 'unit'}
        ``'seed_and_unit'``: two-level; ``'unit'``: one seed, units only (fallback).
    variance_share : dict
        ``{"seed": s, "sample": t}``, s + t = 1 (NaN when the replicates do not vary
        or with one seed): see :func:`variance_components`.
    """

    delta: float
    ci_low: float
    ci_high: float
    confidence: float
    pvalue: float
    alternative: str
    unit: str
    level: str
    n_seeds: int
    n: int
    n_resamples: int
    seed: int
    min_pvalue: float
    mc_se: float | None
    variance_share: dict
    variance: dict
    seed_deltas: tuple
    note: str
    se: float = float("nan")
    df: float = float("nan")
    test: str = "hierarchical_bootstrap"
    method: str = "hierarchical_bootstrap"
    ci_method: str = "two_level_t"
    p_method: str = "t_interval_inversion"
    exact: bool = False
    null_distribution: np.ndarray | None = field(default=None, repr=False)

    @property
    def statistic(self) -> float:
        return self.delta

    @property
    def mean_diff(self) -> float:
        return self.delta

    def to_record(self) -> dict:
        """Plain JSON-able dict (no replicates), with ``statistic``/``mean_diff`` = ``delta``."""
        out = {k: to_plain(getattr(self, k)) for k in (
            "test", "method", "delta", "ci_low", "ci_high", "confidence", "ci_method", "pvalue",
            "p_method", "alternative", "unit", "level", "n_seeds", "n", "n_resamples", "seed",
            "se", "df", "min_pvalue", "mc_se", "exact", "note")}
        out["statistic"] = out["mean_diff"] = to_plain(self.delta)
        out["variance_share"] = {k: to_plain(v) for k, v in self.variance_share.items()}
        out["variance"] = {k: to_plain(v) for k, v in self.variance.items()}
        out["seed_deltas"] = [to_plain(v) for v in self.seed_deltas]
        return out


def variance_components(mu: np.ndarray, cov: np.ndarray, *, small_sample: bool = False) -> dict:
    """Variance of the two-level statistic split into seed and unit parts.

    With ``m ~ Multinomial(S, 1/S)`` independent of the unit resample ``w`` and
    :math:`T = \\frac1S m^\\top \\Delta(w)`, where :math:`\\mu = E_w\\Delta(w)` and
    :math:`C = \\mathrm{Cov}_w\\Delta(w)` (S x S), the law of total variance over the
    seed draw gives

    .. math::

        \\mathrm{Var}\\,T = \\underbrace{\\mathrm{Var}_m E[T\\mid m]}_{V_\\mathrm{seed}}
        + \\underbrace{E_m \\mathrm{Var}[T\\mid m]}_{V_\\mathrm{sample}},\\quad
        V_\\mathrm{seed} = \\frac{1}{S^2}\\sum_s(\\mu_s-\\bar\\mu)^2,\\quad
        V_\\mathrm{sample} = \\frac{1}{S^2}\\Big(\\mathrm{tr}\\,C - \\frac{1^\\top C 1}{S}
        + 1^\\top C 1\\Big),

    using :math:`E m = 1`, :math:`\\mathrm{Cov}\\,m = I - J/S`. The shares are
    :math:`V/(V_\\mathrm{seed}+V_\\mathrm{sample})` (NaN if both are 0).
    :math:`V_\\mathrm{seed}` is the between-seed variance of a one-way random-effects
    layout (seeds as groups, plug-in moments); :math:`1^\\top C 1/S^2` is the part of
    the unit variance shared by all seeds, which more seeds do not reduce.

    With ``small_sample=True`` the parts that come from resampling the S seeds are
    multiplied by :math:`S/(S-1)` (:func:`seed_correction`): ``seed`` becomes
    :math:`\\frac{S}{S-1}V_\\mathrm{seed} = s^2/S` with :math:`s^2` the unbiased variance
    of the :math:`\\mu_s`, and ``sample`` becomes
    :math:`\\frac{S}{S-1}W + 1^\\top C 1/S^2`, :math:`W = (\\mathrm{tr}\\,C -
    1^\\top C 1/S)/S^2` (the seed-specific part of the unit variance, also seen through
    the seed draw).

    Returns
    -------
    dict
        ``{"seed": V_seed, "sample": V_sample}``.
    """
    mu = np.asarray(mu, dtype=np.float64)
    cov = np.asarray(cov, dtype=np.float64)
    s = mu.shape[0]
    k2 = s / (s - 1) if small_sample and s >= 2 else 1.0
    v_seed = float(np.sum((mu - mu.mean()) ** 2) / s**2)
    tot = float(cov.sum())
    within = float((np.trace(cov) - tot / s) / s**2)
    v_unit = k2 * within + tot / s**2
    return {"seed": k2 * v_seed, "sample": max(v_unit, 0.0)}


def seed_correction(n_seeds: int) -> float:
    """The factor :math:`\\sqrt{S/(S-1)}` applied to the seed-level deviations (1 for S = 1).

    A bootstrap over S top-level units is a plug-in: the variance of the resampled
    mean of :math:`x_1..x_S` is :math:`\\frac1{S^2}\\sum_s(x_s-\\bar x)^2 =
    \\frac{S-1}{S}\\cdot\\frac{s^2}{S}`. Multiplying the deviation of each replicate from
    the mean of its seeds' values by :math:`\\sqrt{S/(S-1)}` makes it
    :math:`s^2/S`, the usual unbiased variance of a mean (Davison & Hinkley 1997, §3.8,
    the adjustment of the top-stage resample of a two-stage design; Hesterberg 2015,
    the :math:`\\sqrt{n/(n-1)}` of the "expanded" percentile interval).
    """
    return float(np.sqrt(n_seeds / (n_seeds - 1))) if n_seeds >= 2 else 1.0


def two_level_interval(delta: float, v_seed_draw: float, v_shared: float, n_seeds: int,
                       n_units: int, *, confidence: float = 0.95,
                       alternative: str = "two-sided") -> dict:
    """t interval and p-value from the two-level variance, Satterthwaite degrees of freedom.

    Parameters
    ----------
    delta : float
        The observed mean over seeds of the paired differences.
    v_seed_draw : float
        The variance seen through the seed draw, already corrected by :math:`S/(S-1)`:
        :math:`A = \\frac{S}{S-1}(V_\\mathrm{seed} + W)` (:func:`variance_components`);
        estimated from S seeds, S - 1 degrees of freedom.
    v_shared : float
        The unit variance shared by all seeds, :math:`B = 1^\\top C 1/S^2`; estimated
        from U units, U - 1 degrees of freedom.
    n_seeds, n_units : int

    Returns
    -------
    dict
        ``se`` :math:`=\\sqrt{A+B}`, ``df`` :math:`\\nu`, ``ci_low``, ``ci_high``
        :math:`= \\Delta \\pm t_{\\nu,(1+c)/2}\\,\\mathrm{se}`, ``pvalue`` from
        :math:`t = \\Delta/\\mathrm{se}` on :math:`\\nu` degrees of freedom.

    Notes
    -----
    :math:`\\nu = (A+B)^2 / (A^2/(S-1) + B^2/(U-1))` (Satterthwaite 1946, the degrees of
    freedom of a sum of variance components; a term whose degrees of freedom are 0 is
    left out). When the seeds dominate (B = 0) this is the paired t-test over seeds
    (:func:`scipy.stats.ttest_rel` on the per-seed scores: interval and p-value
    alike); when the shared units dominate, a t interval over the U units. The p-value
    is the interval inverted: two-sided p <= 1 - c exactly when the interval excludes 0.
    With se = 0 the interval is the point and p is 1 if Δ = 0, else 0.
    """
    from scipy.stats import t as student_t

    a, b = max(float(v_seed_draw), 0.0), max(float(v_shared), 0.0)
    var = a + b
    se = float(np.sqrt(var))
    den = (a * a / (n_seeds - 1) if n_seeds >= 2 and a > 0 else 0.0) + \
          (b * b / (n_units - 1) if n_units >= 2 and b > 0 else 0.0)
    df = float(var * var / den) if den > 0 else float("inf")
    if se == 0.0:
        p = 1.0 if delta == 0.0 else 0.0
        if alternative == "greater" and delta < 0 or alternative == "less" and delta > 0:
            p = 1.0
        return {"se": 0.0, "df": df, "ci_low": float(delta), "ci_high": float(delta), "pvalue": p}
    q = float(student_t.ppf((1.0 + confidence) / 2.0, df))
    tstat = delta / se
    if alternative == "greater":
        p = float(student_t.sf(tstat, df))
    elif alternative == "less":
        p = float(student_t.cdf(tstat, df))
    else:
        p = float(min(1.0, 2.0 * student_t.sf(abs(tstat), df)))
    return {"se": se, "df": df, "ci_low": float(delta - q * se), "ci_high": float(delta + q * se),
            "pvalue": p}


def _shares(var: dict) -> dict:
    tot = var["seed"] + var["sample"]
    if not np.isfinite(tot) or tot <= 0:
        return {"seed": float("nan"), "sample": float("nan")}
    return {"seed": var["seed"] / tot, "sample": var["sample"] / tot}


def _used(stratum, spec):
    if spec.kind in ("confusion", "cost"):
        return stratum.y_true >= 0
    if spec.kind == "parts":
        return _parts_used(stratum, spec, 0)
    return np.isfinite(stratum.va_true[:, list(spec.dims)]).any(axis=1)


def _crossed_rows(strata, spec, unit, context):
    """Per-unit feature rows of all seeds side by side, merged where equal.

    Returns (rows (D, 2SF), counts (D,), F, observed totals A and B per seed, U).
    """
    s_n = len(strata)
    if unit == "group":
        recoded = [_stratum_engine(st, spec, "group", "boot", context, i)  # raises if unusable
                   for i, st in enumerate(strata)]
        used = [_used(st, spec) for st in strata]
        same = all(np.array_equal(st.group, strata[0].group) and np.array_equal(m, used[0])
                   for st, m in zip(strata[1:], used[1:]))
        if not same:  # the engines' rows follow the sorted labels of the used samples
            present = [np.unique(st.group[m]) for st, m in zip(strata, used)]
            for i, p in enumerate(present[1:], start=1):
                if p.shape != present[0].shape or not np.array_equal(p, present[0]):
                    raise PairingError(
                        "hierarchical_bootstrap resamples the same videos for every seed: "
                        f"seeds 0 and {i} do not have the same videos with usable samples "
                        f"({present[0].shape[0]} and {p.shape[0]} videos); every seed must be "
                        "evaluated on the same test set.")
        engines = [e.engine for e in recoded]
        u = engines[0].u
        f = engines[0].fa.shape[1]
        big = np.concatenate([np.concatenate([e.fa, e.fb], axis=1) for e in engines], axis=1)
    else:
        for i, st in enumerate(strata[1:], start=1):
            if st.n != strata[0].n or not np.array_equal(st.y_true, strata[0].y_true):
                raise PairingError(
                    "hierarchical_bootstrap with unit='sample' resamples the same samples for "
                    f"every seed: seed {i} does not have the same samples (y_true differs from "
                    "seed 0's); give every seed the test set in the same row order.")
        if spec.kind == "confusion":
            used = strata[0].y_true >= 0
            k = strata[0].n_classes
            t = strata[0].y_true[used]
            codes = np.stack([(t * k + st.pred_a[used]) * k + st.pred_b[used] for st in strata],
                             axis=1)
            uniq, cnt = np.unique(codes, axis=0, return_counts=True)
            kk = k * k
            f = kk
            rows = np.zeros((uniq.shape[0], 2 * s_n * kk))
            r = np.arange(uniq.shape[0])
            for j in range(s_n):
                tt, rem = np.divmod(uniq[:, j], kk)
                a, b = np.divmod(rem, k)
                rows[r, j * 2 * kk + tt * k + a] = 1.0
                rows[r, j * 2 * kk + kk + tt * k + b] = 1.0
            return rows, cnt.astype(np.int64), f, int(used.sum())
        engines = [_stratum_engine(st, spec, "sample", "boot", context, i).engine
                   for i, st in enumerate(strata)]
        u = engines[0].u
        f = engines[0].fa.shape[1]
        big = np.concatenate([np.concatenate([e.fa, e.fb], axis=1) for e in engines], axis=1)
    ties = TiedRows(big)
    rows = np.concatenate([ties.values, big[ties.single]], axis=0)
    counts = np.concatenate([ties.counts, np.ones(ties.single.shape[0], np.int64)])
    return rows, counts, f, u


def _seed_deltas(spec, sums, s_n, f):
    """metric(A_s) - metric(B_s) for every seed, from (B, 2SF) sums -> (B, S)."""
    out = np.empty((sums.shape[0], s_n))
    for j in range(s_n):
        blk = sums[:, j * 2 * f:(j + 1) * 2 * f]
        out[:, j] = _evaluate(spec, blk[:, :f]) - _evaluate(spec, blk[:, f:])
    return out


def hierarchical_bootstrap(strata: Sequence[PairedPredictions], metric: str, *,
                           unit: str = "group", n_resamples: int = 9999,
                           confidence: float = 0.95, alternative: str = "two-sided", rng=None,
                           context: MetricContext | None = None, alpha: float | None = 0.05,
                           return_null: bool = False) -> HierarchicalResult:
    """Two-level paired bootstrap of the mean over seeds of metric(A) - metric(B).

    Parameters
    ----------
    strata : sequence of PairedPredictions
        One per seed, every seed evaluated on the same test set (same videos for
        ``unit='group'``; the same samples in the same row order for ``unit='sample'``).
    metric : str
        A metric id from :data:`SAMPLE_METRICS`.
    unit : {'group', 'sample'}, default 'group'
        The test unit resampled (videos; samples only for independent samples).
    n_resamples : int, default 9999
    confidence : float, default 0.95
    alternative : {'two-sided', 'greater', 'less'}
    rng : None, int or numpy.random.Generator
    context : MetricContext, optional
    alpha : float or None, default 0.05
        Checked only: the p-value comes from a t distribution, so it has no Monte Carlo
        floor (``min_pvalue`` is 0).
    return_null : bool, default False
        Keep the R replicates in ``null_distribution``, their seed-level deviations
        rescaled by :math:`\\sqrt{S/(S-1)}` (their variance is about ``se**2``).

    Returns
    -------
    HierarchicalResult

    Notes
    -----
    Replicate (module docstring): seeds ``m ~ Multinomial(S, 1/S)`` and one unit
    resample ``w ~ Multinomial(U, 1/U)`` shared by the seeds (seeds and units are
    crossed), :math:`T^* = \\frac1S\\sum_s m_s\\Delta_s(w)`. Both draws are exact
    multinomials; the metric is computed exactly from each replicate's feature sums.

    Small-seed correction. The replicates' variance is
    :math:`V_\\mathrm{seed} + W + B` (:func:`variance_components`: :math:`W` the
    seed-specific and :math:`B = 1^\\top C 1/S^2` the shared part of the unit
    variance). The first two are seen through the draw of S seeds, a plug-in with
    :math:`(S-1)/S` of the variance it estimates, so they are multiplied by
    :math:`S/(S-1)` (:func:`seed_correction`); and S seeds estimate them with S - 1
    degrees of freedom, so the interval is a t interval,
    :math:`\\Delta \\pm t_{\\nu,(1+c)/2}\\sqrt{A + B}`, :math:`A = \\frac{S}{S-1}
    (V_\\mathrm{seed} + W)`, with Satterthwaite's :math:`\\nu`
    (:func:`two_level_interval`); p from the same t. The uncorrected percentile
    interval covered 0.90 at 5 seeds when the seed variance dominated; at its limits the
    corrected one is the paired t-test over seeds (B = 0) and a t interval over the
    units (one seed). ``ci_method="two_level_t"``.

    ``variance_share``: :func:`variance_components` (``small_sample=True``) with
    :math:`\\mu` the observed per-seed differences (``seed_deltas``) and :math:`C` the
    covariance over replicates of :math:`\\Delta(w)`; ``variance`` holds the two
    components themselves (they sum to ``se**2``).

    With one seed the seeds cannot be resampled: the result is the unit-level
    bootstrap of that seed (``level='unit'``), ``variance_share`` NaN, and ``note``
    says so.

    References
    ----------
    .. [1] Bouthillier, X. et al. (2021). Accounting for variance in machine learning
           benchmarks. MLSys.
    .. [2] Davison, A. C. & Hinkley, D. V. (1997). Bootstrap Methods and their
           Application, §3.8 (hierarchical data). Cambridge University Press.
    .. [3] Hesterberg, T. C. (2015). What teachers should know about the bootstrap:
           resampling in the undergraduate statistics curriculum. The American
           Statistician 69(4), 371-386 (the sqrt(n/(n-1)) and t quantiles of the
           expanded percentile interval).
    .. [4] Satterthwaite, F. E. (1946). An approximate distribution of estimates of
           variance components. Biometrics Bulletin 2(6), 110-114.
    """
    strata, n_classes = checked_strata(strata)
    unit = check_choice("unit", unit, ("group", "sample"))
    if unit == "group":
        missing = [i for i, s in enumerate(strata) if s.group is None]
        if missing:
            raise ConfigError(f"`unit`='group' needs `group` labels (videos) in every stratum; "
                              f"strata {missing[:10]} have none.")
    spec = _parse_metric(metric, n_classes, context)
    n_resamples = check_n_resamples(n_resamples)
    confidence = check_confidence(confidence)
    alternative = check_alternative(alternative)
    alpha = check_alpha(alpha)
    gen, seed = normalize_rng(rng)
    strata = list(strata)
    s_n = len(strata)
    rows, counts, f, u = _crossed_rows(strata, spec, unit, context)
    if u == 0:
        raise ConfigError(f"no usable unit for `metric` {spec.id!r} (every sample excluded).")
    tot = counts.astype(np.float64) @ rows
    obs = _seed_deltas(spec, tot[None, :], s_n, f)[0]
    delta = float(obs.mean())
    d = rows.shape[0]
    integer_path = u <= 4 * d  # few merged rows: multinomial over rows; else unit indices
    unit_row = np.repeat(np.arange(d), counts) if integer_path else None
    p_rows = counts / u
    per_rep = 8 * (d + rows.shape[1] + 2 * s_n) + (8 * u if integer_path else 0)
    batch = min(pick_batch(n_resamples, per_rep), _MAX_BATCH)
    boot = np.empty(n_resamples)
    k_seed = seed_correction(s_n)
    dsum = np.zeros(s_n)
    dcross = np.zeros((s_n, s_n))
    n_ok = 0
    for start in range(0, n_resamples, batch):
        b = min(batch, n_resamples - start)
        if integer_path:
            idx = unit_row[gen.integers(0, u, size=(b, u))]
            idx += (np.arange(b) * d)[:, None]
            w = np.bincount(idx.reshape(-1), minlength=b * d).reshape(b, d).astype(np.float64)
        else:
            w = gen.multinomial(u, p_rows, size=b).astype(np.float64)
        dl = _seed_deltas(spec, w @ rows, s_n, f)
        m = gen.multinomial(s_n, np.full(s_n, 1.0 / s_n), size=b)
        raw = np.where(m > 0, m * dl, 0.0).sum(axis=1) / s_n
        centre = dl.mean(axis=1)  # the replicate's seed-level deviation is raw - centre
        boot[start:start + b] = centre + k_seed * (raw - centre)
        ok = np.isfinite(dl).all(axis=1)
        good = dl[ok]
        dsum += good.sum(axis=0)
        dcross += good.T @ good
        n_ok += int(ok.sum())
    note = (f"metric={spec.id}; unit={unit}; {s_n} seed(s) x {u} unit(s), crossed: each "
            "replicate resamples the seeds (paired runs) and one set of units shared by them; "
            "statistic = mean over seeds of metric(A) - metric(B); seed-level part of the "
            "variance x S/(S-1); t interval on Satterthwaite degrees of freedom, p-value from "
            "the same t")
    bad = np.isnan(boot)
    if bad.any():
        warnings.warn(f"hierarchical_bootstrap: {int(bad.sum())} of {n_resamples} replicates gave "
                      "an undefined metric and are left out.", DegenerateDataWarning, stacklevel=2)
        boot = boot[~bad]
    r = int(boot.shape[0])
    if n_ok >= 2:
        mu = dsum / n_ok
        cov = (dcross - n_ok * np.outer(mu, mu)) / (n_ok - 1)
        var = variance_components(obs, cov, small_sample=True) if s_n >= 2 else {
            "seed": float("nan"), "sample": float(cov[0, 0])}
        shared = float(cov.sum()) / s_n**2
        draw = max(float(np.nan_to_num(var["seed"])) + var["sample"] - shared, 0.0)
    else:
        var = {"seed": float("nan"), "sample": float("nan")}
        shared = draw = float("nan")
    level = "seed_and_unit"
    shares = _shares(var)
    if s_n == 1:
        level = "unit"
        shares = {"seed": float("nan"), "sample": float("nan")}
        note += ("; 1 seed: the seeds cannot be resampled, so this is the unit-level bootstrap "
                 "of that seed (level='unit') and the seed share of the variance is unknown")
    if not np.isfinite(delta) or r == 0:
        nan = float("nan")
        return HierarchicalResult(delta, nan, nan, confidence, nan, alternative, unit, level, s_n,
                                  u, r, seed, 0.0, None, shares, var, tuple(obs.tolist()), note,
                                  se=nan, df=nan)
    if not (np.isfinite(draw) and np.isfinite(shared)):
        # fewer than 2 finite replicates of the per-seed differences: their spread
        draw, shared = (float(boot.var(ddof=1)) if r >= 2 else float("nan")), 0.0
    ti = two_level_interval(delta, draw, shared, s_n, u, confidence=confidence,
                            alternative=alternative)
    return HierarchicalResult(delta, ti["ci_low"], ti["ci_high"], confidence, ti["pvalue"],
                              alternative, unit, level, s_n, u, r, seed, 0.0, None, shares, var,
                              tuple(float(x) for x in obs), note, se=ti["se"], df=ti["df"],
                              null_distribution=boot if return_null else None)
