"""Compare training conditions run over the same seeds: ``compare(runs, baseline, others)``.

Every condition is compared with the baseline (difference = condition − baseline) and,
when present, the control contrast (``circumplex`` against ``uniform``) and any pair
named in ``contrasts``. For each headline metric:

- across seeds: exact Wilcoxon signed-rank, exact sign-flip and paired t tests on the
  per-seed values (:mod:`affectctl.stats.seeds`);
- across samples: approximate randomization or paired bootstrap on the pooled
  predictions, seeds as strata, the exchangeable unit being the video (``group``)
  when the dumps have one (:mod:`affectctl.stats.samples`);
- per seed: McNemar on correctness, Bowker's symmetry test on the paired predictions
  ("did the errors change, not their number") and Stuart–Maxwell's test of marginal
  homogeneity ("does either system predict some class more often").

One run per condition (two published checkpoints, two files from other labs) is a
first-class case: the seed-level tests need at least two runs and are not run (the
result says why in one line, :data:`SINGLE_RUN_NOTE`); everything else is, and the
result carries, per pair, the paired-bootstrap CI of every headline difference and of
every per-class F1 difference (``ComparisonResult.differences``).

Multiplicity: within each test family (all comparisons × metrics tested with one
test) p-values are adjusted with Holm by default (statsmodels); undefined p-values
stay NaN and are left out of the family.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ._validation import check_resamples
from ._json import plain
from .errors import ConfigError, DegenerateDataWarning
from .metrics.confusion import confusion_matrix
from .metrics.ids import metric_direction, resolve_metric_alias, sample_statistic
from .metrics.registry import (
    GeometryContext,
    geometry_choice,
    geometry_context,
    metric_table,
    official_score_id,
)
from .io.runs import RunSet, aligned, check_paired

__all__ = ["ComparisonResult", "compare", "DEFAULT_METRICS", "SEED_TESTS", "SINGLE_RUN_NOTE"]

#: Headline metrics tested when none are named (those a dump lacks are skipped).
DEFAULT_METRICS = (
    "official_score", "expr_macro_f1", "accuracy", "error_distance_mean", "expected_cost",
    "quadrant_preservation", "va_ccc_mean", "au_f1_mean", "abaw_mtl_score",
)
SEED_TESTS = ("wilcoxon", "signflip", "ttest")
#: Why the seed-level tests are left out when each condition has one run.
SINGLE_RUN_NOTE = ("1 run per condition: seed-level tests need ≥ 2 runs; with n runs the "
                   "two-sided exact tests cannot go below 2/2^n")
_SAMPLE_TESTS = ("ar", "bootstrap", "none")
_ALTERNATIVES = ("two-sided", "greater", "less")
_CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "none", "westfall-young")


@dataclass(frozen=True)
class ComparisonResult:
    """Everything ``compare`` found, as tidy tables plus the arrays figures need.

    Attributes
    ----------
    baseline : str
    conditions : tuple of str
        All conditions, baseline first.
    pairs : tuple of (str, str)
        The comparisons made, as (a, b) with difference a − b.
    taxonomy : Taxonomy
    geometry : GeometryContext
    headline_metrics : tuple of str
    metrics : DataFrame
        ``condition, seed, metric, value`` for every metric of every run.
    comparisons : DataFrame
        One row per (a, b, metric, test[, seed]): n, mean_diff, statistic, p_value,
        p_adjusted, p_adjust, min_pvalue, exact, n_resamples, seed, mc_se, ci_low,
        ci_high, rank_biserial, cohen_dz, alternative, unit, note.
    confusions : dict
        ``{condition: int64 array (n_seeds, K, K)}`` in seed order.
    seeds : tuple of int
    class_support : ndarray of int64, shape (K,)
        True-class counts of the first seed (the same for all conditions).
    error_null : dict
        ``{condition: ErrorDistanceNull}`` from :func:`affectctl.controls.error_null.error_distance_null`.
    settings : dict
        The options used (seed, n_resamples, unit, tests, correction, geometry, runs root);
        ``single_run`` (bool) and ``seed_tests_skipped`` (the one-line reason, or None).
    differences : DataFrame or None
        One run per condition only (else None): one row per (a, b, metric) for every
        headline metric the sample-level engine knows and every ``f1:<Class>``:
        ``a, b, metric, value_a, value_b, mean_diff, ci_low, ci_high, confidence,
        unit, n, n_resamples, seed, method`` — the paired-bootstrap percentile CI of
        metric(a) − metric(b) (:func:`affectctl.stats.samples.paired_bootstrap`).
    geometry_choice : GeometryChoice or None
        The geometry and why it was chosen (``auto``: the data's or ``nrc-vad``).
    geometry_sensitivity : GeometrySensitivity or None
        Every geometry-dependent conclusion under every available geometry
        (:mod:`affectctl.geometry_sensitivity`).
    """

    baseline: str
    conditions: tuple
    pairs: tuple
    taxonomy: object
    geometry: GeometryContext
    headline_metrics: tuple
    metrics: pd.DataFrame
    comparisons: pd.DataFrame
    confusions: dict
    seeds: tuple
    class_support: np.ndarray
    error_null: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    differences: pd.DataFrame | None = None
    geometry_choice: object = None
    geometry_sensitivity: object = None
    geometry_permutation: dict = field(default_factory=dict)  # metric -> GeometryPermutationResult

    @property
    def single_run(self) -> bool:
        """True when every condition has exactly one run (seed-level tests not run)."""
        return len(self.seeds) == 1

    def summary(self) -> pd.DataFrame:
        """Mean and sd over seeds of every headline metric: index condition, columns metric."""
        m = self.metrics[self.metrics["metric"].isin(self.headline_metrics)]
        g = m.groupby(["condition", "metric"])["value"]
        out = pd.DataFrame({"mean": g.mean(), "sd": g.std(ddof=1), "n": g.count()}).reset_index()
        return out

    def to_dict(self) -> dict:
        """The JSON document of ``affectctl compare --json`` (``results.json``)."""
        diffs = [] if self.differences is None else self.differences.to_dict("records")
        return plain({
            "baseline": self.baseline,
            "conditions": list(self.conditions),
            "pairs": [list(p) for p in self.pairs],
            "taxonomy": self.taxonomy.name,
            "classes": list(self.taxonomy.classes),
            "geometry": self.geometry.geometry.name,
            "seeds": list(self.seeds),
            "headline_metrics": list(self.headline_metrics),
            "settings": self.settings,
            "metrics": self.metrics.to_dict("records"),
            "comparisons": self.comparisons.to_dict("records"),
            "differences": diffs,
            "error_distance_null": [
                {"condition": c, **null.to_record()}
                for c, null in self.error_null.items()],
            **({} if self.geometry_choice is None else
               {"geometry_choice": self.geometry_choice.to_record()}),
            **({} if self.geometry_sensitivity is None else
               {"geometry_sensitivity": self.geometry_sensitivity.to_dict()}),
            "geometry_permutation": [{"real": "circumplex", "permuted": "permuted", "metric": k,
                                      **r.to_record()}
                                     for k, r in self.geometry_permutation.items()],
        }, finite=True)

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), **kwargs)


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
    if alternative not in _ALTERNATIVES:
        raise ConfigError(f"`alternative` must be one of {set(_ALTERNATIVES)}; got {alternative!r}.")
    if sample_test not in _SAMPLE_TESTS:
        raise ConfigError(f"`sample_test` must be one of {set(_SAMPLE_TESTS)}; got {sample_test!r}.")
    if unit not in (None, "sample", "group"):
        raise ConfigError(f"`unit` must be one of {{'sample', 'group'}}; got {unit!r}.")
    if not (isinstance(n_resamples, (int, np.integer)) and n_resamples >= 1):
        raise ConfigError(f"`n_resamples` must be a positive integer; got {n_resamples!r}.")
    check_resamples("n_resamples", n_resamples)  # documented limit and this machine's memory
    if correction not in _CORRECTIONS:
        raise ConfigError(f"`correction` must be one of {set(_CORRECTIONS)}; got {correction!r}.")
    return conditions


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
        (:func:`affectctl.circumplex.choose_geometry`); or a built-in name, ``"data"``,
        a CSV path.
    geometry_min_samples : int, default 30
    geometry_sensitivity : bool, default True
        Recompute every geometry-dependent test and the error-distance null under each
        available geometry (:mod:`affectctl.geometry_sensitivity`).
    seed_tests : subset of {"wilcoxon", "signflip", "ttest"}
        Not run when each condition has one run (:data:`SINGLE_RUN_NOTE`).
    sample_test : {"ar", "bootstrap", "none"}, default "ar"
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
        :func:`affectctl.stats.samples.approximate_randomization`); each test's ``note``
        says which ran.

    Returns
    -------
    ComparisonResult
    """
    from .controls.error_null import error_distance_null
    from .stats import classifier as cls_tests
    from .stats import samples as sample_stats
    from .stats import seeds as seed_stats
    from .stats.correction import adjust_pvalues

    conditions = _iv(runs, baseline, others, n_resamples, alternative, sample_test, unit, correction)
    if sums not in sample_stats.SUMS:
        allowed = ", ".join(repr(v) for v in sample_stats.SUMS)
        raise ConfigError(f"`sums` must be one of {{{allowed}}}; got {sums!r}.")
    for t in seed_tests:
        if t not in SEED_TESTS:
            raise ConfigError(f"`seed_tests` entries must be in {set(SEED_TESTS)}; got {t!r}.")
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
        headline = tuple(metrics)
    _check_metrics_everywhere(table, sub, conditions, seeds, headline)
    has_group = all(d.group is not None for c in conditions for d in sub.runs[c].values())
    if unit is None:
        unit = "group" if has_group else "sample"
    if unit == "group" and not has_group:
        c, s = next((c, s) for c in conditions for s, d in sorted(sub.runs[c].items()) if d.group is None)
        raise ConfigError(f"unit 'group' needs a group column (video or subject id) in every run; "
                          f"{sub.dump(c, s).source} (condition '{c}', seed {s}) has none.")

    seed_fns = {"wilcoxon": seed_stats.wilcoxon_test, "signflip": seed_stats.signflip_test,
                "ttest": seed_stats.paired_ttest}
    # error distance leaves cells without a coordinate out (NaN); expected cost prices them
    # at the mean cost, as the training losses do (see affectctl.circumplex)
    context = sample_stats.MetricContext(cost=geo.cost, quadrants=geo.quadrants,
                                         class_names=tuple(tax.classes))
    context_filled = sample_stats.MetricContext(cost=geo.cost_filled, quadrants=geo.quadrants,
                                                class_names=tuple(tax.classes))
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
                    va_b=_both(da.va_pred, db.va_pred, order)[1]))
        out = []
        for metric in headline:
            xa = wide.loc[a][metric].reindex(seeds).to_numpy(dtype=np.float64)
            xb = wide.loc[b][metric].reindex(seeds).to_numpy(dtype=np.float64)
            for t in seed_tests:
                kw = {"rng": rng, "n_resamples": n_resamples} if t == "signflip" else {}
                with about(a, b):
                    res = seed_fns[t](xa, xb, alternative=alternative, **kw)
                out.append({"a": a, "b": b, "metric": metric, "test": t, "unit": "seed", **res.to_record()})
            sample_metric = sample_statistic(metric, official)
            if sample_test != "none" and sample_metric is not None:
                ctx, use = context, strata
                if sample_metric == "expected_cost":
                    ctx, use = context_filled, [_without_uncoordinated(st, geo) for st in strata]
                with about(a, b):
                    if sample_test == "ar":
                        res = sample_stats.approximate_randomization(
                            use, sample_metric, unit=unit, n_resamples=n_resamples,
                            alternative=alternative, rng=rng, context=ctx, sums=sums)
                    else:
                        res = sample_stats.paired_bootstrap(
                            use, sample_metric, unit=unit, n_resamples=n_resamples,
                            alternative=alternative, rng=rng, context=ctx, sums=sums)
                out.append({"a": a, "b": b, "metric": metric, "test": sample_test, "unit": unit,
                            **res.to_record()})
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
        if single_run:
            diff_records.extend(_single_run_differences(
                a, b, strata, headline, official, tax, geo, context, context_filled, wide, seeds[0],
                unit=unit, n_resamples=n_resamples, rng=rng, about=about(a, b), sums=sums))
        return out

    if progress is not None:
        progress(0, len(pairs))
    records, diff_records = [], []
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
    for w in caught:  # anything else goes on to the caller
        if not issubclass(w.category, DegenerateDataWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    comps = pd.DataFrame.from_records(records)
    if comps.empty:  # nothing tested (one run, no sample-level test, no classifier tests)
        comps = pd.DataFrame(columns=["a", "b", "metric", "test", "unit", "statistic", "pvalue",
                                      "mean_diff", "n", "n_resamples", "seed", "run_seed"])
    # integers with gaps stay integers (no float round trip); seeds may exceed int64
    for col, dtype in (("seed", object), ("run_seed", object), ("n", "Int64"), ("n_resamples", "Int64")):
        if col in comps:
            comps[col] = pd.array([r.get(col) for r in records], dtype=dtype)
    comps["p_adjusted"] = np.nan
    comps["p_adjust"] = "holm" if correction == "westfall-young" else correction
    for test, idx in comps.groupby("test").groups.items():
        if correction == "westfall-young" and test == "signflip":
            comps.loc[idx, "p_adjusted"] = _westfall_young(comps.loc[idx], wide, seeds, alternative,
                                                           n_resamples, rng)
            comps.loc[idx, "p_adjust"] = "westfall-young"
            continue
        method = "holm" if correction == "westfall-young" else correction
        comps.loc[idx, "p_adjusted"] = adjust_pvalues(comps.loc[idx, "pvalue"].to_numpy(dtype=float),
                                                      method=method)
    comps = comps.rename(columns={"pvalue": "p_value"})
    comps["direction"] = [metric_direction(m) for m in comps["metric"]]

    confusions = {
        c: np.stack([confusion_matrix(sub.dump(c, s).y_true, sub.dump(c, s).y_pred, tax.n_classes)
                     for s in seeds]) for c in conditions}
    support = confusions[baseline][0].sum(axis=1)
    error_null = {c: error_distance_null(confusions[c].sum(axis=0), geo.cost, n_resamples=n_resamples,
                                         rng=rng) for c in conditions}
    settings = {"seed": rng, "n_resamples": n_resamples, "unit": unit, "sample_test": sample_test,
                "seed_tests": ",".join(seed_tests), "alternative": alternative,
                "correction": correction, "geometry": geo.geometry.name,
                "geometry_reason": choice.reason,
                # what each run's reader excluded or converted ({condition: {seed: counts}})
                "exclusions": {c: {str(s): dict(sub.dump(c, s).exclusions) for s in seeds}
                               for c in conditions},
                "runs": str(runs.root) if runs.root else None, "warnings": notes,
                "official_score": official, "mcnemar": mcnemar, "single_run": single_run,
                "seed_tests_skipped": skipped_note, "sums": sums}
    differences = None
    if single_run:
        differences = pd.DataFrame.from_records(diff_records, columns=_DIFF_COLUMNS)
        for col in ("n", "n_resamples"):
            differences[col] = differences[col].astype("Int64")
    from .controls.geometry_permutation import geometry_permutation_tests

    result = ComparisonResult(baseline, conditions, pairs, tax, geo, headline, table, comps, confusions,
                              tuple(seeds), support, error_null, settings, differences=differences,
                              geometry_choice=choice,
                              geometry_permutation=geometry_permutation_tests(
                                  table, headline, metric_direction, n_resamples=n_resamples, rng=rng))
    if geometry_sensitivity:
        import dataclasses

        from .geometry_sensitivity import comparison_sensitivity

        result = dataclasses.replace(result, geometry_sensitivity=comparison_sensitivity(
            sub, result, choice, min_samples=geometry_min_samples))
    return result


_DIFF_COLUMNS = ["a", "b", "metric", "value_a", "value_b", "mean_diff", "ci_low", "ci_high",
                 "confidence", "unit", "n", "n_resamples", "seed", "method"]


def _single_run_differences(a, b, strata, headline, official, tax, geo, context, context_filled, wide,
                            run_seed, *, unit, n_resamples, rng, about, sums="auto") -> list:
    """Paired-bootstrap CIs of metric(a) − metric(b) for one run per condition.

    Every headline metric the sample-level engine knows, then ``f1:<Class>`` for every
    class (the per-class F1 difference plot), resampling ``unit`` (Efron & Tibshirani
    1993, percentile interval; the same units for both systems, Koehn 2004).
    """
    from .stats import samples as sample_stats

    out = []
    wanted = [(m, sample_statistic(m, official)) for m in headline]
    wanted += [(f"f1:{c}", f"f1:{c}") for c in tax.classes if f"f1:{c}" not in headline]
    for metric, sample_metric in wanted:
        if sample_metric is None:
            continue
        ctx, use = context, strata
        if sample_metric == "expected_cost":
            ctx, use = context_filled, [_without_uncoordinated(st, geo) for st in strata]
        with about:
            res = sample_stats.paired_bootstrap(use, sample_metric, unit=unit, n_resamples=n_resamples,
                                                alternative="two-sided", rng=rng, context=ctx,
                                                sums=sums)
        va = wide.loc[(a, run_seed)].get(metric, np.nan) if metric in wide.columns else np.nan
        vb = wide.loc[(b, run_seed)].get(metric, np.nan) if metric in wide.columns else np.nan
        out.append({"a": a, "b": b, "metric": metric, "value_a": float(va), "value_b": float(vb),
                    "mean_diff": res.mean_diff, "ci_low": res.ci_low, "ci_high": res.ci_high,
                    "confidence": res.confidence, "unit": unit, "n": res.n,
                    "n_resamples": res.n_resamples, "seed": res.seed,
                    "method": "paired bootstrap, percentile interval"})
    return out


def _both(xa, xb, order):
    """(xa, xb reordered) when both runs carry the array, else (None, None)."""
    if xa is None or xb is None:
        return None, None
    return xa, xb[order]


#: Dump columns a metric needs, for saying why it is missing in one run.
def _needs(metric: str) -> str:
    if metric.startswith("va_") or metric in ("abaw3_va_score", "abaw_mtl_score"):
        return "v_pred/a_pred columns"
    if metric.startswith("au_") or metric.endswith("_au_score"):
        return "au<N>_true/au<N>_pred columns"
    if metric in ("ece", "confidence_mean", "expected_cost") or metric.startswith("brier"):
        return "p_<Class> probability columns"
    return "the columns this metric needs"


def _check_metrics_everywhere(table, runset, conditions, seeds, headline) -> None:
    """Every headline metric must be defined for every run, else name the runs that lack it.

    A metric computed for one condition but not another (say VA in A's dumps only) would
    otherwise surface deep inside a test under an internal argument name.
    """
    have = table[np.isfinite(table["value"].to_numpy(dtype=float))]
    have = set(zip(have["condition"], have["seed"], have["metric"]))
    everywhere = [m for m in headline
                  if all((c, s, m) in have for c in conditions for s in seeds)]
    hint = (f"keep the metrics every run has with {' '.join('--metric ' + m for m in everywhere)}"
            if everywhere else "choose other metrics with --metric")
    for metric in headline:
        where = [(c, s) for c in conditions for s in seeds if (c, s, metric) in have]
        lacking = [(c, s) for c in conditions for s in seeds if (c, s, metric) not in have]
        if not lacking:
            continue
        c, s = lacking[0]
        src = runset.dump(c, s).source
        if where:
            c2, s2 = where[0]
            raise ConfigError(f"{src} has no {_needs(metric)} but {runset.dump(c2, s2).source} "
                              f"has; {metric} needs both (condition '{c}', seed {s}; {hint}).")
        raise ConfigError(f"metric {metric} is not defined for any run (e.g. {src}); {hint}.")


class _About:
    """Put the conditions, seed(s) and files of a comparison on its errors and warnings.

    The statistics speak of ``a``/``b``, ``va_a``, ``proba_b``; a user of ``compare``
    knows conditions, seeds and files. Errors raised and warnings emitted inside the
    block are re-raised/re-emitted with that context in front and the internal names
    replaced.
    """

    def __init__(self, a, b, seeds, runset):
        self.a, self.b, self.seeds, self.runset = a, b, tuple(seeds), runset

    def _prefix(self) -> str:
        if self.b is None:        # one run
            s = self.seeds[0]
            return f"condition '{self.a}', seed {s} ({self.runset.dump(self.a, s).source}): "
        files = ", ".join(f"{self.runset.dump(c, s).source}" for s in self.seeds[:1]
                          for c in (self.a, self.b))
        seeds = (f"seed {self.seeds[0]}" if len(self.seeds) == 1
                 else f"seeds {', '.join(str(s) for s in self.seeds)}")
        more = ", ..." if len(self.seeds) > 1 else ""
        return f"{self.a} vs {self.b} ({seeds}; {files}{more}): "

    def _words(self, text: str) -> str:
        import re

        a, b = self.a, self.b
        subs = {"`a`": f"'{a}'", "`b`": f"'{b}'", "`pred_a`": f"{a}'s predictions",
                "`pred_b`": f"{b}'s predictions", "`proba_a`": f"{a}'s p_<Class> columns",
                "`proba_b`": f"{b}'s p_<Class> columns", "`va_a`": f"{a}'s v_pred/a_pred",
                "`va_b`": f"{b}'s v_pred/a_pred", "`va_true`": "v_true/a_true",
                "`y_true`": "y_true", "`group`": "group"}
        for k, v in subs.items():
            text = text.replace(k, v)
        text = re.sub(r"[;,] use `on_empty` to control this", "", text)   # not a compare option
        text = re.sub(r"\bA and B\b", f"{a} and {b}", text)
        text = re.sub(r"^\w+_test: ", "", text)
        return text

    def __enter__(self):
        self._cm = warnings.catch_warnings(record=True)
        self._caught = self._cm.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, exc_type, exc, tb):
        from .errors import AffectctlError

        self._cm.__exit__(None, None, None)
        for w in self._caught:
            msg = self._prefix() + self._words(str(w.message))
            warnings.warn_explicit(msg, w.category, w.filename, w.lineno)
        if exc is not None and isinstance(exc, AffectctlError):
            raise _with_message(exc, self._prefix() + self._words(str(exc))) from None
        return False


def _with_message(exc, message):
    """A copy of an AffectctlError whose one-line message is ``message``."""
    from .errors import ConfigError

    try:
        new = type(exc)(message)
    except TypeError:
        new = ConfigError(message)
    return new


def _without_uncoordinated(stratum, geo: GeometryContext):
    """The stratum with samples whose true class has no coordinate marked excluded (-1).

    ``expected_cost`` leaves those samples out (see :func:`affectctl.metrics.registry.compute_metrics`);
    the sample-level test must test the same quantity.
    """
    import dataclasses

    has = np.isfinite(geo.coords).all(axis=1)
    y = stratum.y_true
    keep = (y < 0) | has[np.clip(y, 0, None)]
    if keep.all():
        return stratum
    return dataclasses.replace(stratum, y_true=np.where(keep, y, -1))


def _westfall_young(rows: pd.DataFrame, wide: pd.DataFrame, seeds, alternative, n_resamples, rng):
    """Max-T adjusted p-values of the sign-flip family from one joint sign-flip null.

    Columns are the (pair, metric) tests; each replicate flips the same seeds in every
    column. Statistics are standardised by their null sd (metrics differ in scale).
    Tests whose per-seed values are not all finite get NaN; tests whose differences are
    all zero (raw p = 1, no null spread to standardise by) get 1, as under Holm.
    """
    from .stats.correction import westfall_young_maxt
    from .stats.seeds import joint_signflip_null

    xa = np.column_stack([wide.loc[r.a][r.metric].reindex(seeds).to_numpy(dtype=np.float64)
                          for r in rows.itertuples()])
    xb = np.column_stack([wide.loc[r.b][r.metric].reindex(seeds).to_numpy(dtype=np.float64)
                          for r in rows.itertuples()])
    finite = np.isfinite(xa).all(axis=0) & np.isfinite(xb).all(axis=0)
    ok = finite & ((xa - xb) != 0).any(axis=0)
    out = np.where(finite & ~ok, 1.0, np.nan)
    if ok.any():
        joint = joint_signflip_null(xa[:, ok], xb[:, ok], n_resamples=n_resamples, rng=rng)
        out[ok] = westfall_young_maxt(joint.observed, joint.null, alternative=alternative,
                                      exact=joint.exact, standardize=True)
    return out
