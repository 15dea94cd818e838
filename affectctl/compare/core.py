"""The analysis :func:`compare`: option checks, the compared pairs, every test family."""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd

from affectctl._util.provenance import run_inputs
from affectctl._util.validation import (
    ALTERNATIVES, CORRECTIONS, SAMPLE_TESTS, SEED_TESTS, check_choice, check_n_resamples, check_resamples,
    fmt_set,
)
from affectctl.errors import ConfigError, DegenerateDataWarning
from affectctl.metrics.confusion import confusion_matrix
from affectctl.metrics.compute import (
    geometry_choice, geometry_context, metric_table, official_score_id,
)
from affectctl.metrics.catalog import metric_direction, resolve_metric_alias, sample_statistic, untested_reason
from affectctl.io.runs import RunSet, aligned, check_paired
from affectctl.compare.parts import (
    _DIFF_COLUMNS, _About, _au_arrays, _both, _check_metrics_everywhere,
    _single_run_differences, _westfall_young, _without_uncoordinated, readjust_families,
)
from affectctl.compare.hierarchical import hierarchical_record, hierarchical_tost_record
from affectctl.compare.result import ComparisonResult
from affectctl.compare.verdicts import choose_primary, primary_candidates, verdict_table
from affectctl.stats.effects import effect_size_intervals
from affectctl.stats.equivalence import tost_bootstrap

__all__ = ["compare", "DEFAULT_METRICS", "SINGLE_RUN_NOTE"]

#: Headline metrics tested when none are named (those a dump lacks are skipped).
DEFAULT_METRICS = (
    "official_score", "expr_macro_f1", "accuracy", "error_distance_mean", "expected_cost",
    "quadrant_preservation", "va_ccc_mean", "au_f1_mean", "abaw_mtl_score",
)
#: Why the seed-level tests are left out when each condition has one run.
SINGLE_RUN_NOTE = ("1 run per condition: seed-level tests need ≥ 2 runs; with n runs the "
                   "two-sided exact tests cannot go below 2/2^n")
_SAMPLE_TESTS = (*SAMPLE_TESTS, "none")


def _pairs(conditions, baseline, contrasts) -> tuple:
    pairs = [(c, baseline) for c in conditions if c != baseline]
    if ("circumplex" in conditions and "uniform" in conditions
            and not {("circumplex", "uniform"), ("uniform", "circumplex")} & set(pairs)):
        pairs.append(("circumplex", "uniform"))
    for a, b in contrasts:
        for name in (a, b):
            if name not in conditions:
                raise ConfigError(f"contrast {a}:{b} names '{name}', which is not among the "
                                  f"conditions {list(conditions)}.")
        if a == b:
            raise ConfigError(f"contrast {a}:{b} compares a condition with itself.")
        if (b, a) in pairs:
            # the same test with the sign flipped: a baseline comparison stays as it is, a
            # contrast takes the orientation the user asked for; either way it is tested once
            if a != baseline:
                pairs[pairs.index((b, a))] = (a, b)
        elif (a, b) not in pairs:
            pairs.append((a, b))
    return tuple(pairs)


def _sequential_kw(sequential, sample_test, correction, alpha, m):
    """AR keywords of ``sequential=True``: every threshold the family's correction may use
    (m counts the sample-level tests of the family, an upper bound; see
    :func:`affectctl.stats.sequential.family_thresholds`)."""
    from affectctl.stats.sequential import family_thresholds
    if sequential is not True and sequential is not False:
        raise ConfigError(f"`sequential` must be True or False; got {sequential!r}.")
    if not sequential:
        return {}
    if sample_test != "ar":
        raise ConfigError(f"`sequential` applies to the approximate randomization test "
                          f"(sample_test='ar'); got sample_test={sample_test!r}.")
    return {"sequential": True, "thresholds": family_thresholds(correction, alpha, max(m, 1))}


def _iv(runs, baseline, others, n_resamples, alternative, sample_test, unit, correction):
    if not isinstance(runs, RunSet):
        raise ConfigError(f"`runs` must be a RunSet (see affectctl.io.runs.load_runs); got {type(runs).__name__}.")
    conditions = (baseline, *others)
    missing = [c for c in conditions if c not in runs.runs]
    if missing:
        raise ConfigError(f"no runs for condition(s) {missing}; the run set has {list(runs.runs)}.")
    if len(set(conditions)) != len(conditions):
        raise ConfigError(f"a condition is named twice: {list(conditions)}.")
    if not others:
        raise ConfigError("`others` must name at least one condition to compare with the baseline.")
    check_choice("alternative", alternative, ALTERNATIVES)
    check_choice("sample_test", sample_test, _SAMPLE_TESTS)
    if unit not in (None, "sample", "group"):
        raise ConfigError(f"`unit` must be one of {{'sample', 'group'}}; got {unit!r}.")
    check_n_resamples(n_resamples)
    check_resamples("n_resamples", n_resamples)  # documented limit and this machine's memory
    check_choice("correction", correction, CORRECTIONS)
    return conditions


def _check_level(name, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ConfigError(f"`{name}` must be a number in the open interval (0, 1); got {value!r}.")
    return float(value)


def _per_metric(name, value, headline) -> dict:
    """``{metric: value}`` from one number (every headline metric) or a mapping (``"*"``: the rest)."""
    from affectctl.stats.equivalence import check_margin

    if value is None:
        return {}
    if not isinstance(value, dict):
        v = check_margin(name, value)
        return {m: v for m in headline}
    unknown = [k for k in value if k != "*" and k not in headline]
    if unknown:
        raise ConfigError(f"`{name}` names metric(s) {unknown} that are not tested; tested: "
                          f"{list(headline)}.")
    default = value.get("*")
    out = {m: check_margin(f"{name}[{m!r}]", value[m]) for m in headline if m in value}
    if default is not None:
        d = check_margin(f"{name}['*']", default)
        out.update({m: d for m in headline if m not in out})
    return {m: out[m] for m in headline if m in out}


def _check_fraction(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ConfigError(f"`test_fraction` must be a number in the open interval (0, 1) "
                          f"(n_test / (n_train + n_test)); got {value!r}.")
    return float(value)


def _test_fraction_from_metadata(runs, conditions, seeds) -> float | None:
    """n_test / (n_train + n_test) when every run's metadata gives the same counts, else None."""
    counts = set()
    for c in conditions:
        for s in seeds:
            meta = getattr(runs.dump(c, s), "metadata", None) or {}
            n_train, n_test = meta.get("n_train"), meta.get("n_test")
            if not (isinstance(n_train, int) and isinstance(n_test, int) and n_train >= 0
                    and n_test > 0):
                return None
            counts.add((n_train, n_test))
    if len(counts) != 1:
        return None
    n_train, n_test = counts.pop()
    return n_test / (n_train + n_test) if n_train > 0 else None


def _seed_equivalence(a, b, metric, xa, xb, margin, rope, test_fraction, *, alpha, alternative,
                      n_resamples, rng) -> list:
    """Seed-level equivalence (paired-t and sign-flip TOST) and Bayesian ROPE records."""
    from affectctl.stats.bayes import bayes_correlated_t, bayes_signed_rank
    from affectctl.stats.equivalence import tost_paired_t, tost_signflip

    out = []
    if not (np.isfinite(xa).all() and np.isfinite(xb).all()):
        return out
    if margin is not None:
        for res in (tost_paired_t(xa, xb, margin, alpha=alpha, alternative=alternative),
                    tost_signflip(xa, xb, margin, alpha=alpha, alternative=alternative,
                                  n_resamples=n_resamples, rng=rng)):
            out.append({"a": a, "b": b, "metric": metric, **res.to_record(), "unit": "seed"})
    if rope is not None:
        res = bayes_signed_rank(xa, xb, rope, rng=rng)
        out.append({"a": a, "b": b, "metric": metric, **res.to_record(), "unit": "seed"})
        if test_fraction is not None:
            res = bayes_correlated_t(xa, xb, rope, rho=test_fraction)
            out.append({"a": a, "b": b, "metric": metric, **res.to_record(), "unit": "seed"})
    return out


def _bootstrap_interval(boot, unit) -> dict:
    """The paired-bootstrap percentile interval of a sample-level record, named as such."""
    ok = np.isfinite(boot.ci_low) and np.isfinite(boot.ci_high)
    return {"ci_low": boot.ci_low, "ci_high": boot.ci_high,
            "confidence": boot.confidence if ok else np.nan,
            "ci_method": "bootstrap_percentile" if ok else None,
            "estimate": boot.mean_diff,
            "ci_n_resamples": boot.n_resamples}


def compare(
    runs: RunSet,
    baseline: str,
    others: Sequence[str],
    *,
    contrasts: Sequence[tuple] = (),
    metrics: Sequence[str] | None = None,
    geometry="auto",
    geometry_min_samples: int = 30,
    geometry_sensitivity: bool = True,
    seed_tests: Sequence[str] = SEED_TESTS,
    sample_test: str = "ar",
    unit: str | None = None,
    n_resamples: int = 9999,
    alternative: str = "two-sided",
    correction: str = "holm",
    classifier_tests: bool = True,
    mcnemar: str = "exact",
    rng: int = 0,
    progress=None,
    sums: str = "auto",
    alpha: float = 0.05,
    margin=None,
    rope=None,
    test_fraction: float | None = None,
    sequential: bool = False,
    tests_only: bool = False,
) -> ComparisonResult:
    """Compare conditions against a baseline with paired tests over seeds and samples.

    Parameters
    ----------
    runs : RunSet
    baseline : str
        The reference condition; every other condition is compared with it.
    others : sequence of str
    contrasts : sequence of (a, b), optional
        Extra comparisons (difference a − b). ``circumplex`` against ``uniform`` is
        added automatically when both are present.
    metrics : sequence of str, optional
        Metric ids to test; default :data:`DEFAULT_METRICS` (those available).
    geometry : str or Geometry, default "auto"
        ``"auto"``: the truth's per-class VA means when every placed class has at least
        ``geometry_min_samples`` annotated samples, else ``nrc-vad``
        (:func:`affectctl.domain.geometries.choose_geometry`); or a built-in name, ``"data"``,
        a CSV path.
    geometry_min_samples : int, default 30
    geometry_sensitivity : bool, default True
        Recompute every geometry-dependent test and the error-distance null under each
        available geometry (:mod:`affectctl.controls.geometry_sensitivity`).
    seed_tests : subset of {"wilcoxon", "signflip", "ttest"}
        Not run when each condition has one run (:data:`SINGLE_RUN_NOTE`).
    sample_test : {"ar", "bootstrap", "hierarchical", "none"}, default "ar"
        ``"hierarchical"``: the two-level bootstrap over seeds and units
        (:func:`affectctl.stats.samples.hierarchical_bootstrap`), records
        ``test="hierarchical_bootstrap"`` with their own interval and ``variance_share``.
    unit : {"sample", "group"}, optional
        Exchangeable unit of the sample-level test; default ``"group"`` when the dumps
        have a ``group`` column (correlated frames of a video are not independent).
    n_resamples : int, default 9999
        Monte-Carlo resamples (the sign-flip test over seeds is exact up to 2^20).
    alternative : {"two-sided", "greater", "less"}
        "greater" means the first condition of a pair is higher.
    correction : {"holm", "fdr_bh", "bonferroni", "none", "westfall-young"}
        ``"westfall-young"`` adjusts the sign-flip family with single-step max-T over
        one joint sign-flip null shared by every comparison and metric (the same seeds
        are flipped together, so the dependence between tests is used); the other
        families, which have no shared null, are adjusted with Holm.
    classifier_tests : bool
        Run McNemar, Bowker and Stuart–Maxwell per seed.
    mcnemar : {"exact", "chi2"}, default "exact"
        McNemar's p-value from the exact binomial test on the discordant pairs, or
        from the continuity-corrected chi-square on request.
    rng : int
        Seed of every Monte-Carlo draw; reported with the results.
    progress : callable, optional
        ``progress(done, total)`` called as comparisons finish.
    sums : {"auto", "exact"}, default "auto"
        How the sample-level tests draw a replicate's unit sums on many samples (see
        :func:`affectctl.stats.samples.approximate_randomization`: ``"exact"`` draws the
        exact null, ``"auto"`` a Gaussian approximation where it is accurate and the data
        are not a lattice); each test's ``note`` says which ran.
    alpha : float, default 0.05
        Level of the verdicts (``ComparisonResult.verdicts``) and of the primary test's
        choice (:func:`affectctl.compare.verdicts.choose_primary`).
    margin : float or dict, optional
        Equivalence margin M in the metric's units: one number for every headline
        metric, or ``{metric: M}`` (key ``"*"``: every other metric). Adds equivalence
        records (:mod:`affectctl.stats.equivalence`): ``test="tost"`` (two-sided
        ``alternative``) or ``"non_inferiority"`` (one-sided), from the paired
        bootstrap over ``unit`` (``method="tost_bootstrap"``) and, with ≥ 2 seeds,
        over seeds (``"tost_paired_t"``, ``"tost_signflip"``); the verdicts become
        equivalent / not shown equivalent.
    rope : float or dict, optional
        Half-width R of a region of practical equivalence, as ``margin``. With ≥ 2
        seeds adds ``test="bayes_signed_rank"`` records (``p_left, p_rope, p_right``
        for a − b below −R, inside, above R; :mod:`affectctl.stats.bayes`; 50000
        posterior samples seeded by ``rng``) and, with ``test_fraction``,
        ``"bayes_correlated_t"`` records; ``p_rope`` goes into the verdicts.
    test_fraction : float, optional
        n_test / (n_train + n_test) of the runs, the Nadeau–Bengio correlation of the
        Bayesian correlated t-test. Default: from the runs' metadata (``n_train``,
        ``n_test``, written by ``affectctl train``) when every run gives the same counts;
        without either the correlated t-test is not run (``settings["test_fraction"]``
        None).
    sequential : bool, default False
        Stop the AR test's draws once its decision is settled at every threshold its
        family's ``correction`` can use (Holm: alpha/m, ..., alpha, m the family's
        sample-level tests), with resampling risk at most 1e-3 per test
        (:mod:`affectctl.stats.sequential`); ``n_resamples`` is then the cap and each
        AR record's ``n_resamples`` the number drawn, with ``risk_bound`` and
        ``sequential_method``. The paired bootstrap beside it keeps ``n_resamples``.
    tests_only : bool, default False
        Only the comparisons' tests (for the geometry-sensitivity re-runs, which read the
        p-values and differences): no bootstrap interval beside AR, effect-size intervals,
        single-run differences, error-distance nulls, geometry permutation or per-video
        tables. The tests' records are the same as without it.

    Returns
    -------
    ComparisonResult
    """
    from affectctl.controls.error_null import error_distance_null
    import affectctl.stats.contingency as cls_tests
    from affectctl.stats import samples as sample_stats
    from affectctl.stats import seeds as seed_stats
    from affectctl.stats.correction import adjust_pvalues

    conditions = _iv(runs, baseline, others, n_resamples, alternative, sample_test, unit, correction)
    alpha = _check_level("alpha", alpha)
    sums = check_choice("sums", sums, sample_stats.SUMS)
    for t in seed_tests:
        if t not in SEED_TESTS:
            raise ConfigError(f"`seed_tests` entries must be in {fmt_set(SEED_TESTS)}; got {t!r}.")
    if mcnemar not in ("exact", "chi2"):
        raise ConfigError(f"`mcnemar` must be one of {{'exact', 'chi2'}}; got {mcnemar!r}.")
    pairs = _pairs(conditions, baseline, contrasts)
    seeds = None
    for a, b in pairs:
        common = check_paired(runs, a, b)
        seeds = common if seeds is None else seeds
        if common != seeds:
            raise ConfigError(f"conditions were run with different seeds: {seeds} vs {common} ({a}, {b}).")
    single_run = len(seeds) == 1
    skipped_note = SINGLE_RUN_NOTE if single_run and seed_tests else None
    if single_run:
        seed_tests = ()
    sub = RunSet({c: runs.runs[c] for c in conditions}, runs.root)
    first = sub.dump(baseline, seeds[0])
    tax = first.taxonomy
    choice = geometry_choice(geometry, first, min_samples=geometry_min_samples)
    geo = geometry_context(choice.geometry, tax)
    parts = []
    for c in conditions:          # run by run, so a warning can name its condition, seed and file
        for s in seeds:
            with _About(c, None, (s,), sub):
                parts.append(metric_table(RunSet({c: {s: sub.dump(c, s)}}), geometry=geo.geometry))
    table = pd.concat(parts, ignore_index=True)
    available = set(table["metric"])
    official = official_score_id(first, available)
    if metrics is None:
        headline = tuple(m for m in DEFAULT_METRICS if m in available)
        # official_score is another name for one of the metrics: keep one row, not two
        twin = {"abaw3_expr_score": "expr_macro_f1"}.get(official, official)
        if "official_score" in headline and twin in headline:
            headline = tuple(m for m in headline if m != twin)
    else:
        metrics = [resolve_metric_alias(m, available) for m in metrics]
        unknown = [m for m in metrics if m not in available]
        if unknown:
            raise ConfigError(f"metric(s) {unknown} are not available for these runs; available: "
                              f"{sorted(available)}.")
        repeated = sorted({m for m in metrics if metrics.count(m) > 1})
        headline = tuple(dict.fromkeys(metrics))      # a metric named twice is tested once
    _check_metrics_everywhere(table, sub, conditions, seeds, headline)
    margins = _per_metric("margin", margin, headline)
    ropes = _per_metric("rope", rope, headline)
    fraction_source = None
    if test_fraction is not None:
        test_fraction = _check_fraction(test_fraction)
        fraction_source = "option"
    elif ropes:
        test_fraction = _test_fraction_from_metadata(sub, conditions, seeds)
        fraction_source = None if test_fraction is None else "run metadata (n_test/(n_train+n_test))"
    has_group = all(d.group is not None for c in conditions for d in sub.runs[c].values())
    if unit is None:
        unit = "group" if has_group else "sample"
    if unit == "group" and not has_group:
        c, s = next((c, s) for c in conditions for s, d in sorted(sub.runs[c].items()) if d.group is None)
        raise ConfigError(f"unit 'group' needs a group column (video or subject id) in every run; "
                          f"{sub.dump(c, s).source} (condition '{c}', seed {s}) has none.")

    seq_kw = _sequential_kw(sequential, sample_test, correction, alpha, len(pairs) * sum(
        sample_statistic(m, official) is not None for m in headline))
    seed_fns = {"wilcoxon": seed_stats.wilcoxon_test, "signflip": seed_stats.signflip_test,
                "ttest": seed_stats.paired_ttest}
    # error distance leaves cells without a coordinate out (NaN); expected cost prices them
    # at the mean cost, as the training losses do (see affectctl.domain.geometries)
    context = sample_stats.MetricContext(cost=geo.cost, quadrants=geo.quadrants,
                                         class_names=tuple(tax.classes),
                                         au_names=tuple(first.au_names))
    context_filled = sample_stats.MetricContext(cost=geo.cost_filled, quadrants=geo.quadrants,
                                                class_names=tuple(tax.classes),
                                                au_names=tuple(first.au_names))
    wide = table.pivot_table(index=["condition", "seed"], columns="metric", values="value",
                             dropna=False)
    def about(a, b, s=None):
        return _About(a, b, seeds if s is None else (s,), sub)

    def pair_records(a, b):
        strata = []
        for s in seeds:
            da, db, order = aligned(sub, a, b, s)
            with about(a, b, s):
                strata.append(sample_stats.PairedPredictions(
                    y_true=da.y_true, pred_a=da.y_pred, pred_b=db.y_pred[order],
                    n_classes=tax.n_classes, group=da.group,
                    proba_a=_both(da.proba, db.proba, order)[0],
                    proba_b=_both(da.proba, db.proba, order)[1],
                    va_true=da.va_true if da.va_pred is not None and db.va_pred is not None else None,
                    va_a=_both(da.va_pred, db.va_pred, order)[0],
                    va_b=_both(da.va_pred, db.va_pred, order)[1],
                    **_au_arrays(da, db, order)))
        out = []
        for metric in headline:
            xa = wide.loc[a][metric].reindex(seeds).to_numpy(dtype=np.float64)
            xb = wide.loc[b][metric].reindex(seeds).to_numpy(dtype=np.float64)
            effect_ci = (effect_size_intervals(xa - xb, n_resamples=n_resamples, rng=rng).to_record()
                         if seed_tests and not tests_only and np.isfinite(xa - xb).all() else {})
            for t in seed_tests:
                kw = {"rng": rng, "n_resamples": n_resamples} if t == "signflip" else {}
                with about(a, b):
                    res = seed_fns[t](xa, xb, alternative=alternative, **kw)
                out.append({"a": a, "b": b, "metric": metric, "test": t, "unit": "seed", **res.to_record(),
                            **effect_ci})
            if len(seeds) >= 2:
                with about(a, b):
                    out.extend(_seed_equivalence(a, b, metric, xa, xb, margins.get(metric),
                                                 ropes.get(metric), test_fraction, alpha=alpha,
                                                 alternative=alternative, n_resamples=n_resamples,
                                                 rng=rng))
            sample_metric = sample_statistic(metric, official)
            if sample_test != "none" and sample_metric is not None:
                ctx, use = context, strata
                if sample_metric == "expected_cost":
                    ctx, use = context_filled, [_without_uncoordinated(st, geo) for st in strata]
                with about(a, b):
                    # the interval beside the sample-level p-value: the paired bootstrap over
                    # the same unit and strata (AR has no interval of its own)
                    boot = None if tests_only and sample_test == "ar" else \
                        sample_stats.paired_bootstrap(
                            use, sample_metric, unit=unit, n_resamples=n_resamples,
                            alternative=alternative, rng=rng, context=ctx, sums=sums,
                            return_null=True)
                    res = boot
                    if sample_test == "ar":
                        res = sample_stats.approximate_randomization(
                            use, sample_metric, unit=unit, n_resamples=n_resamples,
                            alternative=alternative, rng=rng, context=ctx, sums=sums,
                            return_null=True, **seq_kw)
                        nulls[(a, b, metric)] = {"test": "ar", "statistic": res.statistic,
                                                 "null": res.null_distribution, "seed": res.seed}
                rec = {"a": a, "b": b, "metric": metric, "test": sample_test, "unit": unit,
                       **res.to_record()}
                if boot is not None:
                    rec.update(_bootstrap_interval(boot, unit))
                if sample_test == "hierarchical":  # its own interval over seeds and units
                    with about(a, b):
                        rec = hierarchical_record(a, b, metric, use, sample_metric, unit=unit,
                                                  n_resamples=n_resamples, alternative=alternative,
                                                  rng=rng, context=ctx,
                                                  keep=nulls.setdefault((a, b, metric), {}))
                out.append(rec)
                if metric in margins:
                    eq = tost_bootstrap(boot.null_distribution, boot.mean_diff, margins[metric],
                                        n=boot.n, alpha=alpha, alternative=alternative,
                                        seed=boot.seed, unit=unit)
                    out.append({"a": a, "b": b, "metric": metric, **eq.to_record(), "unit": unit})
                    if sample_test == "hierarchical":  # the two-level TOST beside it
                        out.append(hierarchical_tost_record(a, b, metric, nulls[(a, b, metric)],
                                                            margins[metric], alpha=alpha,
                                                            alternative=alternative))
        if classifier_tests:
            for s, st in zip(seeds, strata):
                with about(a, b, s):
                    res = cls_tests.mcnemar_test(st.y_true, st.pred_a, st.pred_b,
                                                 exact=mcnemar == "exact")
                    out.append({"a": a, "b": b, "metric": "correctness", "test": "mcnemar",
                                "unit": "sample", "run_seed": s, **res.to_record()})
                    res = cls_tests.bowker_test(st.pred_a, st.pred_b, tax.n_classes, y_true=st.y_true)
                    out.append({"a": a, "b": b, "metric": "confusion_structure", "test": "bowker",
                                "unit": "sample", "run_seed": s, **res.to_record()})
                    res = cls_tests.stuart_maxwell_test(st.pred_a, st.pred_b, tax.n_classes,
                                                        y_true=st.y_true)
                    out.append({"a": a, "b": b, "metric": "prediction_marginals",
                                "test": "stuart_maxwell", "unit": "sample", "run_seed": s,
                                **res.to_record()})
        if single_run and not tests_only:
            diff_records.extend(_single_run_differences(
                a, b, strata, headline, official, tax, geo, context, context_filled, wide, seeds[0],
                unit=unit, n_resamples=n_resamples, rng=rng, about=about(a, b), sums=sums))
        return out

    if progress is not None:
        progress(0, len(pairs))
    records, diff_records = [], []
    nulls: dict = {}  # (a, b, metric) -> replicates of the sample-level test (sample_nulls)
    # Per-test degeneracy warnings (e.g. "5 seeds cannot reach alpha two-sided") are
    # collected once and reported in `settings["warnings"]`; the tables mark them too.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateDataWarning)
        for done, (a, b) in enumerate(pairs, start=1):
            records.extend(pair_records(a, b))
            if progress is not None:
                progress(done, len(pairs))
    notes = list(dict.fromkeys(str(w.message) for w in caught
                               if issubclass(w.category, DegenerateDataWarning)))
    if sample_test != "none":  # a headline metric without a sample-level test says why
        notes += [f"{m}: no {sample_test} test: {untested_reason(m, official)}"
                  for m in headline if sample_statistic(m, official) is None]
    for w in caught:  # anything else goes on to the caller
        if not issubclass(w.category, DegenerateDataWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    comps = pd.DataFrame.from_records(records)
    if comps.empty:  # nothing tested (one run, no sample-level test, no classifier tests)
        comps = pd.DataFrame(columns=["a", "b", "metric", "test", "unit", "statistic", "pvalue",
                                      "mean_diff", "n", "n_resamples", "seed", "run_seed"])
    # integers with gaps stay integers (no float round trip); seeds may exceed int64
    for col, dtype in (("seed", object), ("run_seed", object), ("n", "Int64"), ("n_resamples", "Int64"),
                       ("n_seeds", "Int64")):
        if col in comps:
            comps[col] = pd.array([r.get(col) for r in records], dtype=dtype)
    for col, default in (("estimate", np.nan), ("ci_method", None)):
        if col not in comps:
            comps[col] = default
    comps["ci_method"] = pd.array([m if isinstance(m, str) and m else None
                                   for m in comps["ci_method"]], dtype=object)
    # an interval's level means nothing without the interval
    if "confidence" in comps:
        comps["confidence"] = comps["confidence"].where(comps["ci_method"].notna())
    comps["p_adjusted"] = np.nan
    comps["p_adjust"] = "holm" if correction == "westfall-young" else correction
    # one family per test; the equivalence tests one per procedure (seed t, sign-flip, bootstrap)
    family = comps["test"].astype(str)
    if "method" in comps:
        eq = comps["test"].isin(("tost", "non_inferiority"))
        family = family.where(~eq, family + "/" + comps["method"].astype(str))
    # official_score is another name for one metric: named beside it (a plan's table may ask
    # for both), that metric's rows take official_score's adjusted p and are not counted again
    twins = {m for m in (official, {"abaw3_expr_score": "expr_macro_f1"}.get(official))
             if m and m != "official_score"} if "official_score" in headline else set()
    twin_rows = comps["metric"].isin(twins)
    for test, idx in comps[~twin_rows].groupby(family[~twin_rows]).groups.items():
        if correction == "westfall-young" and test == "signflip":
            comps.loc[idx, "p_adjusted"] = _westfall_young(comps.loc[idx], wide, seeds, alternative,
                                                           n_resamples, rng)
            comps.loc[idx, "p_adjust"] = "westfall-young"
            continue
        method = "holm" if correction == "westfall-young" else correction
        comps.loc[idx, "p_adjusted"] = adjust_pvalues(comps.loc[idx, "pvalue"].to_numpy(dtype=float),
                                                      method=method)
    if twin_rows.any():
        key = ["a", "b", "test"] + (["method"] if "method" in comps else [])
        official_rows = comps[comps["metric"] == "official_score"]
        lookup = {tuple(r[k] for k in key): r["p_adjusted"]
                  for r in official_rows.to_dict("records")}
        comps.loc[twin_rows, "p_adjusted"] = [
            lookup.get(tuple(r[k] for k in key), np.nan) for r in comps[twin_rows].to_dict("records")]
    comps = comps.rename(columns={"pvalue": "p_value"})
    comps["direction"] = [metric_direction(m) for m in comps["metric"]]

    confusions = {
        c: np.stack([confusion_matrix(sub.dump(c, s).y_true, sub.dump(c, s).y_pred, tax.n_classes)
                     for s in seeds]) for c in conditions}
    support = confusions[baseline][0].sum(axis=1)
    error_null = {} if tests_only else {
        c: error_distance_null(confusions[c].sum(axis=0), geo.cost, n_resamples=n_resamples, rng=rng)
        for c in conditions}
    candidates = primary_candidates(seed_tests, sample_test)
    primary = choose_primary(comps, candidates, alpha=alpha)
    order = ((primary,) if primary else ()) + tuple(t for t in candidates if t != primary)
    verdicts = verdict_table(comps, pairs, headline, primary_order=order, alpha=alpha,
                             direction_of=metric_direction, margins=margins)
    if metrics is not None and repeated:
        notes.append(f"metric(s) {', '.join(repeated)} named more than once: tested once, "
                     "counted once in every correction family")
    settings = {"seed": rng, "n_resamples": n_resamples, "unit": unit, "sample_test": sample_test,
                "sequential_thresholds": list(seq_kw["thresholds"]) if seq_kw else None,
                "alpha": alpha, "primary_test": primary,
                "primary_unit": None if primary is None else ("seed" if primary in SEED_TESTS
                                                              else unit),
                "seed_tests": ",".join(seed_tests), "alternative": alternative,
                "correction": correction, "geometry": geo.geometry.name,
                "geometry_reason": choice.reason,
                # what each run's reader excluded or converted ({condition: {seed: counts}})
                "exclusions": {c: {str(s): dict(sub.dump(c, s).exclusions) for s in seeds}
                               for c in conditions},
                "runs": str(runs.root) if runs.root else None, "warnings": notes,
                "official_score": official, "mcnemar": mcnemar, "single_run": single_run,
                "margins": margins, "ropes": ropes, "test_fraction": test_fraction,
                "test_fraction_source": fraction_source,
                "seed_tests_skipped": skipped_note, "sums": sums}
    differences = None
    if single_run:
        differences = pd.DataFrame.from_records(diff_records, columns=_DIFF_COLUMNS)
        for col in ("n", "n_resamples"):
            differences[col] = differences[col].astype("Int64")
    from affectctl.controls.geometry_permutation import geometry_permutation_tests

    result = ComparisonResult(baseline, conditions, pairs, tax, geo, headline, table, comps, confusions,
                              tuple(seeds), support, error_null, settings, differences=differences,
                              verdicts=verdicts,
                              geometry_choice=choice, inputs=run_inputs(sub, conditions, seeds),
                              sample_nulls=nulls,
                              geometry_permutation={} if tests_only else geometry_permutation_tests(
                                  table, headline, metric_direction, n_resamples=n_resamples, rng=rng))
    if tests_only:
        return result
    import dataclasses

    from affectctl.compare.per_video import per_group_differences, reliability_table

    result = dataclasses.replace(result, per_group=per_group_differences(sub, pairs, seeds),
                                 reliability=reliability_table(sub, conditions, seeds))
    if geometry_sensitivity:
        from affectctl.controls.geometry_sensitivity import comparison_sensitivity

        result = dataclasses.replace(result, geometry_sensitivity=comparison_sensitivity(
            sub, result, choice, recompare=_recompare_under(sub, result),
            readjust=lambda comps, wide: readjust_families(comps, wide, result),
            min_samples=geometry_min_samples))
    return result


def _recompare_under(runs: RunSet, result: ComparisonResult):
    """``recompare(spec, metrics)`` for geometry sensitivity: ``result``'s comparison re-run.

    The same runs, pairs, tests, unit, resamples, alternative and seed as ``result``
    (read from its settings), only ``metrics`` under geometry ``spec``, uncorrected and
    without the classifier tests or a nested sensitivity; returns the comparisons table.
    """
    st = result.settings
    others = tuple(c for c in result.conditions if c != result.baseline)
    contrasts = [p for p in result.pairs if p[1] != result.baseline]
    seed_tests = tuple(t for t in str(st.get("seed_tests", "")).split(",") if t)

    def recompare(spec, metrics) -> pd.DataFrame:
        alt = compare(runs, result.baseline, others, contrasts=contrasts, metrics=metrics,
                      geometry=spec, seed_tests=seed_tests,
                      sample_test=st.get("sample_test", "ar"), unit=st.get("unit"),
                      n_resamples=int(st.get("n_resamples", 9999)),
                      alternative=st.get("alternative", "two-sided"),
                      correction="none", classifier_tests=False, rng=st.get("seed", 0),
                      geometry_sensitivity=False, tests_only=True)
        return alt.comparisons

    return recompare

