"""The two public tests, :func:`approximate_randomization` and :func:`paired_bootstrap`,
and :func:`metric_value`: validation, batching over replicates, p-values and CIs.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from functools import partial
from typing import NamedTuple

import numpy as np

from affectctl._util.machine import single_threaded_blas
from affectctl.errors import ConfigError, DegenerateDataWarning, PairingError
from affectctl._util.validation import (
    check_alpha, check_alternative, check_bool_or_none, check_choice, check_confidence,
    check_n_resamples, normalize_rng,
)
from affectctl.stats._common import TIE_RTOL, mc_min_pvalue, pick_batch, pvalue_from_null, warn_unreachable
from affectctl.stats.intervals import Interval
from affectctl.stats.results import SampleTestResult
from affectctl.stats.sequential import DEFAULT_RISK, sequential_test
from affectctl.stats.samples._containers import MetricContext, PairedPredictions
import affectctl.stats.samples._engines as _engines
from affectctl.stats.samples._engines import _AR_MAX_BATCH, _MAX_BATCH, _UnitEngine
from affectctl.stats.samples._features import _evaluate, _stratum_engine
from affectctl.stats.samples._gaussian import SUMS
from affectctl.stats.samples._registry import _parse_metric

__all__ = ["UNITS", "approximate_randomization", "paired_bootstrap", "metric_value"]

UNITS = ("group", "sample")


def checked_strata(strata) -> tuple:
    """``(strata as a list, n_classes)``: one PairedPredictions or a non-empty sequence of
    them (one per seed), all with the same number of classes; else ConfigError/PairingError."""
    if isinstance(strata, PairedPredictions):
        strata = [strata]
    if not isinstance(strata, Sequence) or isinstance(strata, (str, bytes)) or len(strata) == 0:
        raise ConfigError("`strata` must be a non-empty sequence of PairedPredictions (one per "
                          f"seed); got {strata!r}.")
    for i, s in enumerate(strata):
        if not isinstance(s, PairedPredictions):
            raise ConfigError(f"`strata[{i}]` must be a PairedPredictions; got {type(s).__name__}.")
    ks = {s.n_classes for s in strata}
    if len(ks) != 1:
        raise PairingError(f"every stratum must have the same `n_classes`; got {sorted(ks)}.")
    return list(strata), ks.pop()


class _Args(NamedTuple):
    """The checked arguments of a sample-level test."""

    strata: list
    spec: object
    unit: str
    n_resamples: int
    alternative: str
    confidence: float
    gen: np.random.Generator
    seed: int | None
    context: MetricContext | None
    return_null: bool
    alpha: float | None
    sums: str


class _Replicates(NamedTuple):
    """What :func:`_run` draws: the strata's engines, the observed metric of A and B per
    stratum, the replicates of the statistic (or the sequential result) and how each
    stratum's replicate sums were drawn."""

    engines: list
    obs_a: np.ndarray
    obs_b: np.ndarray
    null: object
    sums_notes: list


def _samples_iv(strata, metric, unit, n_resamples, alternative, confidence, rng, context,
                return_null, alpha, sums) -> _Args:
    strata, k = checked_strata(strata)
    unit = check_choice("unit", unit, UNITS)
    if unit == "group":
        missing = [i for i, s in enumerate(strata) if s.group is None]
        if missing:
            raise ConfigError(f"`unit`='group' needs `group` labels (videos) in every stratum; "
                              f"strata {missing[:10]} have none. Pass unit='sample' only if the "
                              "samples are independent (not frames of the same video).")
    if context is not None and not isinstance(context, MetricContext):
        raise ConfigError("`context` must be a MetricContext or None; got "
                          f"{type(context).__name__}.")
    spec = _parse_metric(metric, k, context)
    n_resamples = check_n_resamples(n_resamples)
    alternative = check_alternative(alternative)
    confidence = check_confidence(confidence)
    return_null = check_bool_or_none("return_null", return_null)
    alpha = check_alpha(alpha)
    sums = check_choice("sums", sums, SUMS)
    gen, seed = normalize_rng(rng)
    return _Args(list(strata), spec, unit, n_resamples, alternative, confidence, gen, seed,
                 context, bool(return_null), alpha, sums)


# ----------------------------------------------------------------------------------------------
# the two tests

def _observed(spec, engines, strata):
    obs_a = np.array([float(_evaluate(spec, e.totals_a)) for e in engines])
    obs_b = np.array([float(_evaluate(spec, e.totals_b)) for e in engines])
    if spec.check is not None:
        for i, e in enumerate(engines):
            for sysname, tot in (("A", e.totals_a), ("B", e.totals_b)):
                msg = spec.check(tot.reshape(strata[i].n_classes, -1))
                if msg:
                    warnings.warn(f"{spec.id}, stratum {i}, system {sysname}: {msg}.",
                                  DegenerateDataWarning, stacklevel=4)
    return obs_a, obs_b


def _run(strata, spec, unit, n_resamples, gen, context, test, sums,
         sequential=None) -> _Replicates:
    engines = [_stratum_engine(s, spec, unit, test, context, i) for i, s in enumerate(strata)]
    for i, e in enumerate(engines):
        if e.n_units == 0:
            raise ConfigError(f"stratum {i} has no usable sample for `metric` {spec.id!r} "
                              "(every sample excluded).")
    obs_a, obs_b = _observed(spec, engines, strata)
    fn = partial(_evaluate, spec)
    thin = any(isinstance(e.engine, _UnitEngine) and e.engine.u >= _engines._MANY_UNITS for e in engines)
    null = np.zeros(n_resamples)
    with single_threaded_blas() if thin else contextlib.nullcontext():
        sums_notes = [e.engine.choose_sums(sums, fn, test, n_resamples)
                      if isinstance(e.engine, _UnitEngine) else "exact" for e in engines]
        per_rep = sum(_bytes(e.engine, test) for e in engines)
        batch = min(pick_batch(n_resamples, per_rep), _MAX_BATCH)
        if thin:
            batch = min(batch, _AR_MAX_BATCH)
        if sequential is None:
            _draw_all(engines, spec, gen, test, batch, null)
        else:  # the sequential result takes the place of the null
            null = sequential(partial(_draw_n, engines, spec, test, batch), obs_a, obs_b)
    return _Replicates(engines, obs_a, obs_b, null, sums_notes)


def _draw_n(engines, spec, test, batch, n, gen):
    null = np.zeros(n)
    _draw_all(engines, spec, gen, test, batch, null)
    return null


def _draw_all(engines, spec, gen, test, batch, null):
    n_resamples = null.shape[0]
    for start in range(0, n_resamples, batch):
        b = min(batch, n_resamples - start)
        acc = np.zeros(b)
        for e in engines:
            eng = e.engine
            if isinstance(eng, _UnitEngine):
                fa, fb = eng.ar(gen, b) if test == "ar" else eng.boot(gen, b)
            else:
                fa, fb = eng.draw(gen, b)
            acc += _evaluate(spec, fa) - _evaluate(spec, fb)
        null[start:start + b] = acc / len(engines)


def _bytes(engine, test):
    if isinstance(engine, _UnitEngine):
        return engine.ar_bytes_per_replicate() if test == "ar" else \
            engine.boot_bytes_per_replicate()
    return engine.bytes_per_replicate()


def _drop_nan(null, what):
    bad = np.isnan(null)
    if bad.any():
        warnings.warn(f"{what}: {int(bad.sum())} of {null.shape[0]} replicates gave an undefined "
                      "metric (e.g. a class absent from a resample) and are left out; the "
                      "p-value uses the remaining replicates.", DegenerateDataWarning,
                      stacklevel=3)
        null = null[~bad]
    return null


def _note(spec, unit, engines, extra, sums_notes):
    counts = ", ".join(str(e.n_units) for e in engines)
    if len(set(sums_notes)) == 1:
        sums = sums_notes[0]
    else:
        sums = "; ".join(f"stratum {i}: {t}" for i, t in enumerate(sums_notes))
    return (f"metric={spec.id}; unit={unit}; {len(engines)} stratum(s) with {counts} unit(s); "
            f"statistic = mean over strata of metric(A) - metric(B); {extra}; replicate sums: "
            f"{sums}")


def _nan_result(method, alternative, n, unit, interval, n_resamples, seed, note, obs):
    return SampleTestResult(method, obs, float("nan"), alternative, n, unit, mean_diff=obs,
                            interval=interval, min_pvalue=mc_min_pvalue(n_resamples, alternative),
                            n_resamples=n_resamples, seed=seed, mc_se=None, note=note)


def approximate_randomization(strata: Sequence[PairedPredictions], metric: str, *,
                              unit: str = "group", n_resamples: int = 9999,
                              alternative: str = "two-sided", rng=None,
                              context: MetricContext | None = None, return_null: bool = False,
                              alpha: float | None = 0.05,
                              sums: str = "auto", sequential: bool = False,
                              thresholds: Sequence[float] | None = None,
                              risk: float = DEFAULT_RISK) -> SampleTestResult:
    """Approximate randomization (paired permutation) test of metric(A) - metric(B).

    Parameters
    ----------
    strata : sequence of PairedPredictions
        One per seed (or a single PairedPredictions). Every stratum must have the
        same ``n_classes``.
    metric : str
        A metric id from :data:`SAMPLE_METRICS`, e.g. ``"expr_macro_f1"``,
        ``"f1:3"``, ``"pair_confusion:Anger|Fear"``, ``"va_ccc_mean"``.
    unit : {'group', 'sample'}, default 'group'
        What is swapped: whole groups (videos; needs ``group`` in every stratum)
        or single samples (only for independent samples).
    n_resamples : int, default 9999
        Monte-Carlo replicates R.
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided'
        ``'greater'``: metric(A) > metric(B) (for a cost metric that means A is worse).
    rng : None, int or numpy.random.Generator
        Drives the draws; the seed actually used is reported (see
        :class:`~affectctl.stats.results.SampleTestResult`).
    context : MetricContext, optional
        Cost matrix, quadrants, class names for the metrics that need them.
    return_null : bool, default False
        Keep the R null replicates in ``null_distribution``.
    alpha : float or None, default 0.05
        Warn if the smallest attainable p-value, 2/(R+1) two-sided, exceeds it.
    sums : {'auto', 'exact'}, default 'auto'
        How a replicate's unit sums are drawn for continuous metrics (CCC, PCC,
        RMSE, expected cost) and group-level count metrics. ``'auto'``: with at
        least 2**16 units in a stratum, the units of largest leverage are drawn
        exactly and the sum over the others from its moment-matched normal, if the
        Edgeworth bound of that approximation is below a tenth of the Monte-Carlo
        standard error (:mod:`affectctl.stats.samples._gaussian`); the metric is
        still computed exactly from every replicate's sums; declined for lattice
        data whose atoms matter (a feature column with at most
        ``LATTICE_MAX_VALUES`` = 4096 distinct values and a lattice term above the
        same tolerance). ``'exact'``: the exact replicate distribution, one random bit (AR) or
        count (bootstrap) per unit, units sharing one feature row drawn as one
        binomial (multinomial) count per distinct row, nothing rounded (fast on
        lattice data, O(U) per replicate on continuous data). ``note`` says which
        ran, with the diagnostic.
    sequential : bool, default False
        Stop drawing once the decision at every threshold is settled with
        resampling risk at most ``risk`` (:func:`affectctl.stats.sequential.sequential_test`,
        the confidence-sequence method); ``n_resamples`` is then the cap.
        ``p_value`` is the usual estimate from the replicates actually drawn
        (``n_resamples`` of the result), ``risk_bound`` and ``sequential_method``
        are set and ``note`` lists the decision at each threshold.
    thresholds : sequence of float, optional
        The levels the sequential decision is wanted at (e.g. Holm's
        :func:`~affectctl.stats.sequential.holm_thresholds`); default ``(alpha,)``.
    risk : float, default 1e-3
        Bound on the resampling risk of the sequential test.

    Returns
    -------
    SampleTestResult
        ``method="ar"``, ``statistic = mean_diff`` = mean over strata of
        metric(A_s) - metric(B_s); ``n`` = number of units over all strata;
        ``interval`` None (no interval of its own); ``exact=False``.

    Notes
    -----
    Under H0 the two systems' outputs are exchangeable on every unit, so swapping
    them on a random subset :math:`S` of units (each unit independently with
    probability 1/2, within each stratum) leaves the distribution of the
    statistic unchanged (Noreen 1989; Riezler & Maxwell 2005). With R replicates
    and c of them at least as extreme as the observed statistic (ties within
    ``100·eps``), :math:`p = (c+1)/(R+1)`; two-sided
    :math:`p = \\min(1, 2\\min(p_<, p_>))`, as :func:`scipy.stats.permutation_test`.
    The null distribution is symmetric (swapping the complement of :math:`S`
    negates the statistic). Replicates whose metric is undefined (NaN) are left
    out with a DegenerateDataWarning. No discordant unit (A and B identical):
    DegenerateDataWarning and p = 1.

    How the replicates are computed without touching the samples: see the module
    docstring.

    References
    ----------
    .. [1] Noreen, E. W. (1989). Computer-Intensive Methods for Testing Hypotheses.
           Wiley.
    .. [2] Riezler, S. & Maxwell, J. T. (2005). On some pitfalls in automatic
           evaluation and significance testing for MT. ACL Workshop on Intrinsic
           and Extrinsic Evaluation Measures.
    .. [3] Dror, R. et al. (2018). The hitchhiker's guide to testing statistical
           significance in natural language processing. ACL.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 600)
    >>> pa = np.where(rng.random(600) < 0.8, y, rng.integers(0, 3, 600))
    >>> pb = np.where(rng.random(600) < 0.7, y, rng.integers(0, 3, 600))
    >>> s = PairedPredictions(y, pa, pb, n_classes=3, group=np.arange(600) // 20)
    >>> res = approximate_randomization([s], "expr_macro_f1", unit="group", rng=1)
    >>> res.method, res.n, res.p_value < 0.01, res.seed
    ('ar', 30, True, 1)
    """
    args = _samples_iv(strata, metric, unit, n_resamples, alternative, 0.95, rng, context,
                       return_null, alpha, sums)
    spec, unit, n_resamples, alternative = args.spec, args.unit, args.n_resamples, args.alternative
    seed, alpha = args.seed, args.alpha
    seq_run = _sequential_runner(sequential, thresholds, alpha, risk, n_resamples, alternative,
                                 seed)
    draws = _run(args.strata, spec, unit, n_resamples, args.gen, args.context, "ar", args.sums,
                 seq_run)
    engines, obs_a, obs_b, null = draws.engines, draws.obs_a, draws.obs_b, draws.null
    n_units = int(sum(e.n_units for e in engines))
    observed = float(np.mean(obs_a - obs_b))
    note = _note(spec, unit, engines, "units swapped with probability 1/2 within each stratum",
                 draws.sums_notes)
    if sequential:
        return _sequential_result(null, observed, n_units, unit, note, alternative, seed)
    if not np.isfinite(observed):
        warnings.warn(f"approximate_randomization: {spec.id} is undefined on the observed data; "
                      "p = NaN.", DegenerateDataWarning, stacklevel=2)
        return _nan_result("ar", alternative, n_units, unit, None, n_resamples, seed, note, observed)
    null = _drop_nan(null, "approximate_randomization")
    r = int(null.shape[0])
    if r == 0:
        return _nan_result("ar", alternative, n_units, unit, None, n_resamples, seed, note, observed)
    if np.all(null == observed) and observed == 0.0:
        warnings.warn("approximate_randomization: A and B give the same output on every unit "
                      "(no discordant unit); p = 1.", DegenerateDataWarning, stacklevel=2)
    scale = float(np.nanmax(np.abs(np.concatenate([obs_a, obs_b]))))
    p, se = pvalue_from_null(null, observed, alternative, exact=False, scale=scale)
    min_p = mc_min_pvalue(r, alternative)
    warn_unreachable(min_p, alpha, f"approximate_randomization with n_resamples={r}")
    return SampleTestResult("ar", observed, p, alternative, n_units, unit, mean_diff=observed,
                            interval=None, min_pvalue=min_p, n_resamples=r, seed=seed, mc_se=se,
                            null_distribution=null if args.return_null else None, note=note)


def _sequential_runner(sequential, thresholds, alpha, risk, cap, alternative, seed):
    """The callable `_run` hands its replicate draw to, or None for a fixed run."""
    if not check_bool_or_none("sequential", sequential):
        return None
    if thresholds is None:
        if alpha is None:
            raise ConfigError("`sequential=True` needs `thresholds` or `alpha`.")
        thresholds = (alpha,)

    def run(draw, obs_a, obs_b):
        observed = float(np.mean(obs_a - obs_b))
        if not np.isfinite(observed):
            return None
        scale = float(np.nanmax(np.abs(np.concatenate([obs_a, obs_b]))))
        return sequential_test(draw, observed, alternative=alternative, thresholds=thresholds,
                               risk=risk, max_resamples=cap, rng=seed,
                               tol=TIE_RTOL * max(abs(observed), scale))
    return run


def _sequential_result(res, observed, n_units, unit, note, alternative, seed):
    if res is None:
        warnings.warn("approximate_randomization: the metric is undefined on the observed data; "
                      "p = NaN.", DegenerateDataWarning, stacklevel=3)
        return _nan_result("ar", alternative, n_units, unit, None, 0, seed, note, observed)
    if res.n_undefined:
        warnings.warn(f"approximate_randomization: {res.n_undefined} of "
                      f"{res.n_undefined + res.n_resamples} replicates gave an undefined metric "
                      "(e.g. a class absent from a resample) and are left out; the p-value uses "
                      "the remaining replicates.", DegenerateDataWarning, stacklevel=3)
    decided = "; ".join(f"{t:.4g}: {d}" for t, d in res.decisions)
    note = (f"{note}; sequential ({res.method}, resampling risk <= {res.risk_bound:g}): "
            f"{res.n_resamples} of at most {res.max_resamples} replicates, {res.stopped}; "
            f"decision at {decided}")
    return SampleTestResult("ar", observed, res.p_value, res.alternative, n_units, unit,
                            mean_diff=observed, interval=None,
                            min_pvalue=mc_min_pvalue(res.n_resamples, res.alternative),
                            n_resamples=res.n_resamples, seed=res.seed, mc_se=None, note=note,
                            risk_bound=res.risk_bound, sequential_method=res.method)


def paired_bootstrap(strata: Sequence[PairedPredictions], metric: str, *, unit: str = "group",
                     n_resamples: int = 9999, confidence: float = 0.95,
                     alternative: str = "two-sided", rng=None,
                     context: MetricContext | None = None, return_null: bool = False,
                     alpha: float | None = 0.05, sums: str = "auto") -> SampleTestResult:
    """Paired bootstrap of metric(A) - metric(B): percentile CI and shifted-null p-value.

    Parameters
    ----------
    strata : sequence of PairedPredictions
        One per seed (or a single PairedPredictions).
    metric : str
        A metric id from :data:`SAMPLE_METRICS`.
    unit : {'group', 'sample'}, default 'group'
        What is resampled with replacement: whole groups (videos) or samples.
    n_resamples : int, default 9999
        Bootstrap replicates R.
    confidence : float, default 0.95
        Level of the percentile interval.
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided'
    rng : None, int or numpy.random.Generator
    context : MetricContext, optional
    return_null : bool, default False
        Keep the R bootstrap replicates of the statistic (not centred) in
        ``null_distribution``.
    alpha : float or None, default 0.05
    sums : {'auto', 'exact'}, default 'auto'
        How a replicate's unit sums are drawn: as in :func:`approximate_randomization`
        (one count per unit instead of one random bit).

    Returns
    -------
    SampleTestResult
        ``method="bootstrap"``; ``statistic = mean_diff``; ``interval`` the
        percentile interval (``ci_method="bootstrap_percentile"``).

    Notes
    -----
    Each replicate draws, within each stratum independently, as many units as the
    stratum has, with replacement, and evaluates **both** systems on the same
    drawn units; the paired design is kept. (Resampling the two systems
    independently ignores their correlation and inflates the interval: a common
    bug; ``tests/stats/test_stats_samples.py`` checks against it.)

    CI: percentile interval :math:`[T^*_{((1-c)/2)}, T^*_{((1+c)/2)}]` (Efron &
    Tibshirani 1993, §13.3). p-value: shifted null (Hall & Wilson 1991, guideline
    1): the centred replicates :math:`T^*_r - \\hat T` stand for the null
    distribution of :math:`T`, so :math:`p_> = (1 + \\#\\{T^*_r - \\hat T \\ge \\hat T\\})/(R + 1)`;
    two-sided :math:`\\min(1, 2\\min(p_<, p_>))`. Replicates with an undefined
    metric are left out with a DegenerateDataWarning.

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
           Chapman & Hall.
    .. [2] Hall, P. & Wilson, S. R. (1991). Two guidelines for bootstrap hypothesis
           testing. Biometrics 47(2), 757-762.
    .. [3] Koehn, P. (2004). Statistical significance tests for machine translation
           evaluation. EMNLP.
    """
    args = _samples_iv(strata, metric, unit, n_resamples, alternative, confidence, rng, context,
                       return_null, alpha, sums)
    spec, unit, n_resamples, alternative = args.spec, args.unit, args.n_resamples, args.alternative
    confidence, seed, alpha = args.confidence, args.seed, args.alpha
    draws = _run(args.strata, spec, unit, n_resamples, args.gen, args.context, "boot", args.sums)
    engines, obs_a, obs_b, boot = draws.engines, draws.obs_a, draws.obs_b, draws.null
    n_units = int(sum(e.n_units for e in engines))
    observed = float(np.mean(obs_a - obs_b))
    note = _note(spec, unit, engines, "units resampled with replacement within each stratum, "
                                      "the same units for A and B; percentile CI; shifted-null "
                                      "p-value", draws.sums_notes)
    if not np.isfinite(observed):
        warnings.warn(f"paired_bootstrap: {spec.id} is undefined on the observed data; p = NaN.",
                      DegenerateDataWarning, stacklevel=2)
        return _nan_result("bootstrap", alternative, n_units, unit, _no_percentile(confidence),
                           n_resamples, seed, note, observed)
    boot = _drop_nan(boot, "paired_bootstrap")
    r = int(boot.shape[0])
    if r == 0:
        return _nan_result("bootstrap", alternative, n_units, unit, _no_percentile(confidence),
                           n_resamples, seed, note, observed)
    if np.all(boot == 0.0) and observed == 0.0:
        warnings.warn("paired_bootstrap: A and B give the same output on every unit; the "
                      "difference is 0 in every replicate and p = 1.", DegenerateDataWarning,
                      stacklevel=2)
    lo, hi = np.quantile(boot, [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0])
    scale = float(np.nanmax(np.abs(np.concatenate([obs_a, obs_b]))))
    p, se = pvalue_from_null(boot - observed, observed, alternative, exact=False, scale=scale)
    min_p = mc_min_pvalue(r, alternative)
    warn_unreachable(min_p, alpha, f"paired_bootstrap with n_resamples={r}")
    return SampleTestResult("bootstrap", observed, p, alternative, n_units, unit,
                            mean_diff=observed,
                            interval=Interval(float(lo), float(hi), "bootstrap_percentile",
                                              confidence, exact=False),
                            min_pvalue=min_p, n_resamples=r, seed=seed, mc_se=se,
                            null_distribution=boot if args.return_null else None, note=note)


def _no_percentile(confidence: float) -> Interval:
    """The bootstrap's interval when the metric is undefined: NaN bounds at the level asked."""
    return Interval(float("nan"), float("nan"), "bootstrap_percentile", confidence, exact=False)


def metric_value(stratum: PairedPredictions, metric: str, *, system: str = "a",
                 context: MetricContext | None = None) -> float:
    """The metric of one system on one stratum, computed as the tests compute it.

    Useful to check a test's ``mean_diff`` and to compare with scikit-learn.

    Parameters
    ----------
    stratum : PairedPredictions
    metric : str
        A metric id from :data:`SAMPLE_METRICS`.
    system : {'a', 'b'}, default 'a'
    context : MetricContext, optional
    """
    if not isinstance(stratum, PairedPredictions):
        raise ConfigError(f"`stratum` must be a PairedPredictions; got {type(stratum).__name__}.")
    check_choice("system", system, ("a", "b"))
    spec = _parse_metric(metric, stratum.n_classes, context)
    eng = _stratum_engine(stratum, spec, "sample", "boot", context, 0)
    return float(_evaluate(spec, eng.totals_a if system == "a" else eng.totals_b))
