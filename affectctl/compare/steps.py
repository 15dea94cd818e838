"""The steps of :func:`affectctl.compare.compare`, in the order it runs them.

``compare()`` is the list of these steps; each reads and fills one :class:`State`:

1. :func:`validate`: option checks, the compared pairs, their common seeds;
2. :func:`per_seed_metrics`: geometry, every metric of every run, the headline metrics,
   margins and ROPEs, the test unit, the metric contexts;
3. :func:`run_tests`: per pair and metric the seed-level tests with their effect-size
   intervals, the seed-level equivalence and Bayesian records, the sample-level test
   with the paired-bootstrap interval beside it and the bootstrap TOST; per seed the
   contingency tests (McNemar, Bowker, Stuart–Maxwell); degeneracy warnings collected;
   the confusion matrices and each condition's error-distance null (same batch);
4. :func:`comparisons_table`: the records as one table;
5. :func:`corrections`: the multiplicity correction per test family;
6. :func:`verdicts`: the primary test, the verdicts;
7. :func:`assemble`: settings and the :class:`ComparisonResult`, with per-video
   differences, reliability and the geometry permutation tests;
8. :func:`sensitivity`: geometry sensitivity (``compare`` re-run under each geometry).
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

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
    _single_run_differences, _westfall_young, _without_uncoordinated, difference_row,
    readjust_families, single_run_difference_metrics,
)
from affectctl.compare.hierarchical import hierarchical_record, hierarchical_tost_record
from affectctl.compare.result import ComparisonResult
from affectctl.compare.verdicts import choose_primary, primary_candidates, verdict_table
from affectctl.stats.effects import effect_size_intervals
from affectctl.stats.equivalence import tost_bootstrap

__all__ = ["State", "validate", "per_seed_metrics", "run_tests", "comparisons_table",
           "corrections", "verdicts", "assemble", "sensitivity", "DEFAULT_METRICS",
           "SINGLE_RUN_NOTE"]

#: Headline metrics tested when none are named (those a dump lacks are skipped).
DEFAULT_METRICS = (
    "official_score", "expr_macro_f1", "accuracy", "error_distance_mean", "expected_cost",
    "quadrant_preservation", "va_ccc_mean", "au_f1_mean", "abaw_mtl_score",
)
#: Why the seed-level tests are left out when each condition has one run.
SINGLE_RUN_NOTE = ("1 run per condition: seed-level tests need ≥ 2 runs; with n runs the "
                   "two-sided exact tests cannot go below 2/2^n")
_SAMPLE_TESTS = (*SAMPLE_TESTS, "none")


@dataclass
class State:
    """What the steps of one comparison hand on: the options (as given, then checked) and
    what each step adds. A step only reads fields set by the steps before it."""

    # the options of compare()
    runs: RunSet
    baseline: str
    others: Any
    contrasts: Any
    metrics: Any
    geometry: Any
    geometry_min_samples: int
    seed_tests: Any
    sample_test: str
    unit: str | None
    n_resamples: int
    alternative: str
    correction: str
    classifier_tests: bool
    mcnemar: str
    rng: Any
    progress: Callable | None
    sums: str
    alpha: float
    margin: Any
    rope: Any
    test_fraction: float | None
    sequential: bool
    tests_only: bool = False
    workers: int | None = None
    while_waiting: Callable | None = None
    # validate
    conditions: tuple = ()
    pairs: tuple = ()
    seeds: Any = None
    single_run: bool = False
    skipped_note: str | None = None
    sub: RunSet | None = None
    # per_seed_metrics
    first: Any = None
    tax: Any = None
    choice: Any = None
    geo: Any = None
    table: pd.DataFrame | None = None
    official: str | None = None
    headline: tuple = ()
    repeated: list = field(default_factory=list)
    margins: dict = field(default_factory=dict)
    ropes: dict = field(default_factory=dict)
    fraction_source: str | None = None
    seq_kw: dict = field(default_factory=dict)
    context: Any = None
    context_filled: Any = None
    wide: pd.DataFrame | None = None
    # run_tests
    records: list = field(default_factory=list)
    diff_records: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    nulls: dict = field(default_factory=dict)  # (a, b, metric) -> the sample test's replicates
    confusions: dict = field(default_factory=dict)
    support: Any = None
    error_null: dict = field(default_factory=dict)
    # {geometry name: {condition: ErrorDistanceNull}} of the other available geometries
    geometry_error_nulls: dict = field(default_factory=dict)
    # {geometry name: geometry_rerun(...)} of the other available geometries
    geometry_reruns: dict = field(default_factory=dict)
    # comparisons_table, corrections
    comps: pd.DataFrame | None = None
    # verdicts
    primary: str | None = None
    verdicts: pd.DataFrame | None = None
    # assemble
    result: ComparisonResult | None = None

    def about(self, a, b, s=None):
        """The context that names the pair (and seed) in a warning or an error."""
        return _About(a, b, self.seeds if s is None else (s,), self.sub)


# ----------------------------------------------------------------------------------------------
# 1. validate

def validate(st: State) -> None:
    """Check the options; set the conditions, the compared pairs and their common seeds."""
    from affectctl.stats import samples as sample_stats

    st.conditions = _iv(st.runs, st.baseline, st.others, st.n_resamples, st.alternative,
                        st.sample_test, st.unit, st.correction)
    st.alpha = _check_level("alpha", st.alpha)
    st.sums = check_choice("sums", st.sums, sample_stats.SUMS)
    for t in st.seed_tests:
        if t not in SEED_TESTS:
            raise ConfigError(f"`seed_tests` entries must be in {fmt_set(SEED_TESTS)}; got {t!r}.")
    if st.mcnemar not in ("exact", "chi2"):
        raise ConfigError(f"`mcnemar` must be one of {{'exact', 'chi2'}}; got {st.mcnemar!r}.")
    st.pairs = _pairs(st.conditions, st.baseline, st.contrasts)
    seeds = None
    for a, b in st.pairs:
        common = check_paired(st.runs, a, b)
        seeds = common if seeds is None else seeds
        if common != seeds:
            raise ConfigError(f"conditions were run with different seeds: {seeds} vs {common} ({a}, {b}).")
    st.seeds = seeds
    st.single_run = len(seeds) == 1
    st.skipped_note = SINGLE_RUN_NOTE if st.single_run and st.seed_tests else None
    if st.single_run:
        st.seed_tests = ()
    st.sub = RunSet({c: st.runs.runs[c] for c in st.conditions}, st.runs.root)


# ----------------------------------------------------------------------------------------------
# 2. per-seed metrics

def per_seed_metrics(st: State) -> None:
    """Geometry, every metric of every run, the headline metrics and what they are tested with."""
    from affectctl.stats import samples as sample_stats

    sub, conditions, seeds = st.sub, st.conditions, st.seeds
    first = st.first = sub.dump(st.baseline, seeds[0])
    tax = st.tax = first.taxonomy
    st.choice = geometry_choice(st.geometry, first, min_samples=st.geometry_min_samples)
    geo = st.geo = geometry_context(st.choice.geometry, tax)
    parts = []
    for c in conditions:          # run by run, so a warning can name its condition, seed and file
        for s in seeds:
            with _About(c, None, (s,), sub):
                parts.append(metric_table(RunSet({c: {s: sub.dump(c, s)}}), geometry=geo.geometry))
    table = st.table = pd.concat(parts, ignore_index=True)
    available = set(table["metric"])
    official = st.official = official_score_id(first, available)
    if st.metrics is None:
        headline = tuple(m for m in DEFAULT_METRICS if m in available)
        # official_score is another name for one of the metrics: keep one row, not two
        twin = {"abaw3_expr_score": "expr_macro_f1"}.get(official, official)
        if "official_score" in headline and twin in headline:
            headline = tuple(m for m in headline if m != twin)
    else:
        metrics = st.metrics = [resolve_metric_alias(m, available) for m in st.metrics]
        unknown = [m for m in metrics if m not in available]
        if unknown:
            raise ConfigError(f"metric(s) {unknown} are not available for these runs; available: "
                              f"{sorted(available)}.")
        st.repeated = sorted({m for m in metrics if metrics.count(m) > 1})
        headline = tuple(dict.fromkeys(metrics))      # a metric named twice is tested once
    st.headline = headline
    _check_metrics_everywhere(table, sub, conditions, seeds, headline)
    st.margins = _per_metric("margin", st.margin, headline)
    st.ropes = _per_metric("rope", st.rope, headline)
    st.fraction_source = None
    if st.test_fraction is not None:
        st.test_fraction = _check_fraction(st.test_fraction)
        st.fraction_source = "option"
    elif st.ropes:
        st.test_fraction = _test_fraction_from_metadata(sub, conditions, seeds)
        st.fraction_source = (None if st.test_fraction is None
                              else "run metadata (n_test/(n_train+n_test))")
    has_group = all(d.group is not None for c in conditions for d in sub.runs[c].values())
    if st.unit is None:
        st.unit = "group" if has_group else "sample"
    if st.unit == "group" and not has_group:
        c, s = next((c, s) for c in conditions for s, d in sorted(sub.runs[c].items()) if d.group is None)
        raise ConfigError(f"unit 'group' needs a group column (video or subject id) in every run; "
                          f"{sub.dump(c, s).source} (condition '{c}', seed {s}) has none.")

    st.seq_kw = _sequential_kw(st.sequential, st.sample_test, st.correction, st.alpha,
                               len(st.pairs) * sum(sample_statistic(m, official) is not None
                                                   for m in headline))
    # error distance leaves cells without a coordinate out (NaN); expected cost prices them
    # at the mean cost, as the training losses do (see affectctl.domain.geometries)
    st.context = sample_stats.MetricContext(cost=geo.cost, quadrants=geo.quadrants,
                                            class_names=tuple(tax.classes),
                                            au_names=tuple(first.au_names))
    st.context_filled = sample_stats.MetricContext(cost=geo.cost_filled, quadrants=geo.quadrants,
                                                   class_names=tuple(tax.classes),
                                                   au_names=tuple(first.au_names))
    st.wide = table.pivot_table(index=["condition", "seed"], columns="metric", values="value",
                                dropna=False)


# ----------------------------------------------------------------------------------------------
# 3. the tests, pair by pair

def run_tests(st: State, recompare=None) -> None:
    """Every test of every pair (records in a fixed order); degeneracy warnings collected;
    the confusion matrices and each condition's error-distance null.

    The tests are independent (each draws from its own generator seeded with ``rng``), so
    they run as tasks on every usable core (:func:`affectctl._util.forked.run_forked`, one
    per pair and metric, then each pair's classifier tests and single-run differences),
    with the same records, in the same order, as one after the other.
    Per-test degeneracy warnings (e.g. "5 seeds cannot reach alpha two-sided") are
    collected once and reported in ``settings["warnings"]``; the tables mark them too.

    The error-distance nulls (one task per condition, unless ``tests_only``) run in the
    same batch: they depend on the confusions only, and one fork for both saves a fork
    and the wait between two batches. With ``recompare`` (the geometry sensitivity
    follows; :func:`sensitivity`), each null is drawn for every other available geometry
    too (``st.geometry_error_nulls``): where the errors land by chance does not depend on
    the distances, so one set of draws serves every geometry
    (:func:`~affectctl.controls.error_null.error_distance_nulls`; the same values as one
    null per geometry, each seeded with ``rng``). Their warnings go to the caller, after
    the tests' own. And each other geometry's re-run of the geometry-dependent tests
    (:func:`~affectctl.controls.geometry_sensitivity.geometry_rerun`, which needs nothing
    of these tests) is a task of the batch too (``st.geometry_reruns``), first, as the
    longest.
    """
    from contextlib import nullcontext

    from affectctl._util.forked import fork_workers, run_forked
    from affectctl._util.machine import single_threaded_blas

    sub, seeds, tax = st.sub, st.seeds, st.tax
    st.confusions = {
        c: np.stack([confusion_matrix(sub.dump(c, s).y_true, sub.dump(c, s).y_pred, tax.n_classes)
                     for s in seeds]) for c in st.conditions}
    st.support = st.confusions[st.baseline][0].sum(axis=1)
    null_tasks, others = _null_tasks(st, recompare is not None)
    rerun_tasks = _rerun_tasks(st, others, recompare)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateDataWarning)
        tasks = rerun_tasks + _test_tasks(st)
        if st.progress is not None:
            st.progress(0, len(tasks) + len(null_tasks))
        done = 0

        def tick(_):
            nonlocal done
            done += 1
            if st.progress is not None:
                st.progress(done, len(tasks) + len(null_tasks))

        parallel = fork_workers(st.workers, len(tasks) + len(null_tasks)) > 1
        # one BLAS thread per process when the processes share the cores
        with single_threaded_blas() if parallel else nullcontext():
            outcomes = run_forked(tasks + null_tasks, workers=st.workers, on_done=tick,
                                  while_waiting=st.while_waiting)
        st.while_waiting = None                      # once
        st.geometry_reruns = {name: rerun for (name, _, _), rerun
                              in zip(others, outcomes[:len(rerun_tasks)], strict=True)}
        for records, nulls, diffs in outcomes[len(rerun_tasks):len(tasks)]:
            st.records.extend(records)
            st.nulls.update(nulls)
            st.diff_records.extend(diffs)
        error_nulls = outcomes[len(tasks):]
    st.notes = list(dict.fromkeys(str(w.message) for w in caught
                                  if issubclass(w.category, DegenerateDataWarning)))
    if st.sample_test != "none":  # a headline metric without a sample-level test says why
        st.notes += [f"{m}: no {st.sample_test} test: {untested_reason(m, st.official)}"
                     for m in st.headline if sample_statistic(m, st.official) is None]
    for w in caught:  # anything else goes on to the caller
        if not issubclass(w.category, DegenerateDataWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if st.tests_only:
        st.error_null = {}
        return
    per_condition = [per_cost for per_cost, _ in error_nulls]
    st.error_null = {c: per_cost[0] for c, per_cost in zip(st.conditions, per_condition,
                                                           strict=True)}
    st.geometry_error_nulls = {
        name: {c: per_cost[j] for c, per_cost in zip(st.conditions, per_condition, strict=True)}
        for j, (name, _, _) in enumerate(others, start=1)}
    for _, issued in error_nulls:
        for message, category, filename, lineno in issued:
            warnings.warn_explicit(message, category, filename, lineno)


def _rerun_tasks(st: State, others, recompare) -> list:
    """One :func:`~affectctl.controls.geometry_sensitivity.geometry_rerun` task per other
    geometry (``others`` from :func:`_null_tasks`); none without ``recompare``."""
    if recompare is None:
        return []
    from affectctl.controls.geometry_sensitivity import geometry_rerun

    first = st.sub.dump(st.baseline, st.seeds[0])
    return [partial(geometry_rerun, st.sub, first, spec, st.table, st.headline, recompare)
            for _, spec, _ in others]


def _null_tasks(st: State, every_geometry: bool) -> tuple:
    """``(tasks, others)``: one :func:`_error_nulls` task per condition (none with
    ``tests_only``), each returning ``(nulls, warnings)``, and the other geometries
    ``[(name, spec, cost)]`` whose nulls the tasks draw after the chosen one's."""
    if st.tests_only:
        return [], []
    others = []
    if every_geometry:
        from affectctl.controls.geometry_sensitivity import geometry_costs

        others = geometry_costs(st.sub.dump(st.baseline, st.seeds[0]), st.choice,
                                min_samples=st.geometry_min_samples)[1:]
    costs = [st.geo.cost] + [cost for _, _, cost in others]
    return [partial(_error_nulls, st.confusions[c].sum(axis=0), costs,
                    n_resamples=st.n_resamples, rng=st.rng) for c in st.conditions], others


def _test_tasks(st: State) -> list:
    """The tests of every pair as tasks, each returning ``(records, nulls, diff_records)``:
    per pair, one task per headline metric (seed-level, equivalence and sample-level
    records), then the classifier tests, then the single-run differences."""
    tasks = []
    for a, b in st.pairs:
        strata = _pair_strata(st, a, b)
        for metric in st.headline:
            tasks.append(partial(_metric_task, st, a, b, metric, strata))
        if st.classifier_tests:
            tasks.append(lambda a=a, b=b, strata=strata: (_contingency_records(st, a, b, strata),
                                                          {}, []))
        if st.single_run and not st.tests_only:    # one task per metric: they are many
            for metric, stat in single_run_difference_metrics(st.headline, st.official, st.tax):
                if stat is not None and not _difference_from_metric_task(st, metric):
                    tasks.append(partial(_difference_task, st, a, b, metric, strata))
    return tasks


def _difference_from_metric_task(st: State, metric) -> bool:
    """Whether a single-run difference of ``metric`` is the paired bootstrap its metric task
    draws anyway (the interval beside the sample-level test: same strata, unit, seed,
    resamples and replicate sums; its interval does not depend on the alternative, but its
    unreachable-alpha note does, hence two-sided only): then it is taken from there, not
    drawn twice (5 of a 3,000-row compare's 21 bootstraps were)."""
    return (st.single_run and not st.tests_only and st.sample_test != "none"
            and st.alternative == "two-sided" and metric in st.headline
            and sample_statistic(metric, st.official) is not None)


def _difference_task(st: State, a, b, metric, strata) -> tuple:
    return [], {}, _single_run_differences(
        a, b, strata, st.headline, st.official, st.tax, st.geo, st.context, st.context_filled,
        st.wide, st.seeds[0], unit=st.unit, n_resamples=st.n_resamples, rng=st.rng,
        about=st.about(a, b), sums=st.sums, only=(metric,))


def _metric_task(st: State, a, b, metric, strata) -> tuple:
    boots: list = []
    records = _seed_records(st, a, b, metric) + _sample_records(st, a, b, metric, strata, boots)
    key = (a, b, metric)
    diffs = []
    if _difference_from_metric_task(st, metric):
        diffs = [difference_row(a, b, metric, boot, st.wide, st.seeds[0], st.unit) for boot in boots]
    return records, ({key: st.nulls[key]} if key in st.nulls else {}), diffs


def _pair_strata(st: State, a, b) -> list:
    """One PairedPredictions of a against b per seed."""
    from affectctl.stats import samples as sample_stats

    strata = []
    for s in st.seeds:
        da, db, order = aligned(st.sub, a, b, s)
        with st.about(a, b, s):
            strata.append(sample_stats.PairedPredictions(
                y_true=da.y_true, pred_a=da.y_pred, pred_b=db.y_pred[order],
                n_classes=st.tax.n_classes, group=da.group,
                proba_a=_both(da.proba, db.proba, order)[0],
                proba_b=_both(da.proba, db.proba, order)[1],
                va_true=da.va_true if da.va_pred is not None and db.va_pred is not None else None,
                va_a=_both(da.va_pred, db.va_pred, order)[0],
                va_b=_both(da.va_pred, db.va_pred, order)[1],
                **_au_arrays(da, db, order)))
    return strata


_SEED_FNS = {"wilcoxon": "wilcoxon_test", "signflip": "signflip_test", "ttest": "paired_ttest"}


def _seed_records(st: State, a, b, metric) -> list:
    """The seed-level tests of one metric (with the effect-size intervals beside them), then
    the seed-level equivalence and Bayesian records."""
    from affectctl.stats import seeds as seed_stats

    xa = st.wide.loc[a][metric].reindex(st.seeds).to_numpy(dtype=np.float64)
    xb = st.wide.loc[b][metric].reindex(st.seeds).to_numpy(dtype=np.float64)
    effect_ci = (effect_size_intervals(xa - xb, n_resamples=st.n_resamples, rng=st.rng).to_record()
                 if st.seed_tests and not st.tests_only and np.isfinite(xa - xb).all() else {})
    out = []
    for t in st.seed_tests:
        kw = {"rng": st.rng, "n_resamples": st.n_resamples} if t == "signflip" else {}
        with st.about(a, b):
            res = getattr(seed_stats, _SEED_FNS[t])(xa, xb, alternative=st.alternative, **kw)
        out.append({"a": a, "b": b, "metric": metric, "test": t, "unit": "seed", **res.to_record(),
                    **effect_ci})
    if len(st.seeds) >= 2:
        with st.about(a, b):
            out.extend(_seed_equivalence(a, b, metric, xa, xb, st.margins.get(metric),
                                         st.ropes.get(metric), st.test_fraction, alpha=st.alpha,
                                         alternative=st.alternative, n_resamples=st.n_resamples,
                                         rng=st.rng))
    return out


def _sample_records(st: State, a, b, metric, strata, boots: "list | None" = None) -> list:
    """The sample-level test of one metric with the paired-bootstrap interval beside it (AR
    has none of its own), then the bootstrap TOST when the metric has a margin; that
    bootstrap is appended to ``boots``."""
    from affectctl.stats import samples as sample_stats

    sample_metric = sample_statistic(metric, st.official)
    if st.sample_test == "none" or sample_metric is None:
        return []
    unit = st.unit
    ctx, use = st.context, strata
    if sample_metric == "expected_cost":
        ctx, use = st.context_filled, [_without_uncoordinated(s, st.geo) for s in strata]
    with st.about(a, b):
        # the interval beside the sample-level p-value: the paired bootstrap over
        # the same unit and strata (AR has no interval of its own)
        # (the geometry-sensitivity re-runs read AR's p only: no interval beside it)
        boot = None if st.tests_only and st.sample_test == "ar" else sample_stats.paired_bootstrap(
            use, sample_metric, unit=unit, n_resamples=st.n_resamples,
            alternative=st.alternative, rng=st.rng, context=ctx, sums=st.sums,
            return_null=True)
        if boot is not None and boots is not None:
            boots.append(boot)
        res = boot
        if st.sample_test == "ar":
            res = sample_stats.approximate_randomization(
                use, sample_metric, unit=unit, n_resamples=st.n_resamples,
                alternative=st.alternative, rng=st.rng, context=ctx, sums=st.sums,
                return_null=True, **st.seq_kw)
            st.nulls[(a, b, metric)] = {"test": "ar", "statistic": res.statistic,
                                        "null": res.null_distribution, "seed": res.seed}
    rec = {"a": a, "b": b, "metric": metric, "test": st.sample_test, "unit": unit,
           **res.to_record()}
    if boot is not None:
        rec.update(_bootstrap_interval(boot, unit))
    if st.sample_test == "hierarchical":  # its own interval over seeds and units
        with st.about(a, b):
            rec = hierarchical_record(a, b, metric, use, sample_metric, unit=unit,
                                      n_resamples=st.n_resamples, alternative=st.alternative,
                                      rng=st.rng, context=ctx,
                                      keep=st.nulls.setdefault((a, b, metric), {}))
    out = [rec]
    if metric in st.margins:
        eq = tost_bootstrap(boot.null_distribution, boot.mean_diff, st.margins[metric],
                            n=boot.n, alpha=st.alpha, alternative=st.alternative,
                            seed=boot.seed, unit=unit)
        out.append({"a": a, "b": b, "metric": metric, **eq.to_record(), "unit": unit})
        if st.sample_test == "hierarchical":  # the two-level TOST beside it
            out.append(hierarchical_tost_record(a, b, metric, st.nulls[(a, b, metric)],
                                                st.margins[metric], alpha=st.alpha,
                                                alternative=st.alternative))
    return out


def _contingency_records(st: State, a, b, strata) -> list:
    """McNemar, Bowker and Stuart–Maxwell on each seed's paired predictions."""
    import affectctl.stats.contingency as cls_tests

    out = []
    k = st.tax.n_classes
    for s, p in zip(st.seeds, strata):
        with st.about(a, b, s):
            res = cls_tests.mcnemar_test(p.y_true, p.pred_a, p.pred_b,
                                         exact=st.mcnemar == "exact")
            out.append({"a": a, "b": b, "metric": "correctness", "test": "mcnemar",
                        "unit": "sample", "run_seed": s, **res.to_record()})
            res = cls_tests.bowker_test(p.pred_a, p.pred_b, k, y_true=p.y_true)
            out.append({"a": a, "b": b, "metric": "confusion_structure", "test": "bowker",
                        "unit": "sample", "run_seed": s, **res.to_record()})
            res = cls_tests.stuart_maxwell_test(p.pred_a, p.pred_b, k, y_true=p.y_true)
            out.append({"a": a, "b": b, "metric": "prediction_marginals",
                        "test": "stuart_maxwell", "unit": "sample", "run_seed": s,
                        **res.to_record()})
    return out


# ----------------------------------------------------------------------------------------------
# 4. the comparisons table

def comparisons_table(st: State) -> None:
    """The records as one table, with the integer and interval columns typed."""
    records = st.records
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
    st.comps = comps


# ----------------------------------------------------------------------------------------------
# 5. corrections

def corrections(st: State) -> None:
    """Adjusted p-values: one family per test (the equivalence tests one per procedure)."""
    from affectctl.stats.correction import adjust_pvalues

    comps, correction = st.comps, st.correction
    comps["p_adjusted"] = np.nan
    comps["p_adjust"] = "holm" if correction == "westfall-young" else correction
    # one family per test; the equivalence tests one per procedure (seed t, sign-flip, bootstrap)
    family = comps["test"].astype(str)
    if "method" in comps:
        eq = comps["test"].isin(("tost", "non_inferiority"))
        family = family.where(~eq, family + "/" + comps["method"].astype(str))
    # official_score is another name for one metric: named beside it (a plan's table may ask
    # for both), that metric's rows take official_score's adjusted p and are not counted again
    official = st.official
    twins = {m for m in (official, {"abaw3_expr_score": "expr_macro_f1"}.get(official))
             if m and m != "official_score"} if "official_score" in st.headline else set()
    twin_rows = comps["metric"].isin(twins)
    for test, idx in comps[~twin_rows].groupby(family[~twin_rows]).groups.items():
        if correction == "westfall-young" and test == "signflip":
            comps.loc[idx, "p_adjusted"] = _westfall_young(comps.loc[idx], st.wide, st.seeds,
                                                           st.alternative, st.n_resamples, st.rng)
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
    st.comps = comps


# ----------------------------------------------------------------------------------------------
# 6. verdicts

def verdicts(st: State) -> None:
    """The primary test and the verdicts (the confusions and the error-distance nulls are
    :func:`run_tests`')."""
    candidates = primary_candidates(st.seed_tests, st.sample_test)
    st.primary = choose_primary(st.comps, candidates, alpha=st.alpha)
    order = ((st.primary,) if st.primary else ()) + tuple(t for t in candidates if t != st.primary)
    st.verdicts = verdict_table(st.comps, st.pairs, st.headline, primary_order=order,
                                alpha=st.alpha, direction_of=metric_direction, margins=st.margins)


def _error_nulls(cm, costs, *, n_resamples, rng) -> tuple:
    """:func:`~affectctl.controls.error_null.error_distance_nulls` of ``costs`` (the chosen
    geometry's first) and the warnings to give as ``[(message, category, filename,
    lineno)]``: those the chosen geometry's null alone would give (the other geometries'
    nulls are the sensitivity's, which never warns about them). They are returned, not
    given, so that :func:`run_tests`, which holds the tests' degeneracy warnings back,
    passes them on to the caller."""
    from affectctl.controls.error_null import error_distance_nulls

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = error_distance_nulls(cm, costs, n_resamples=n_resamples, rng=rng)
    degenerate = [w for w in caught if issubclass(w.category, DegenerateDataWarning)]
    issued = [w for w in caught if not issubclass(w.category, DegenerateDataWarning)] + \
        (degenerate[:1] if out[0].n_errors == 0 else [])
    return out, [(w.message, w.category, w.filename, w.lineno) for w in issued]


# ----------------------------------------------------------------------------------------------
# 7. the result

def assemble(st: State) -> None:
    """Settings and the :class:`ComparisonResult`, with per-video differences, reliability
    and the geometry permutation tests."""
    from affectctl.compare.per_video import per_group_differences, reliability_table
    from affectctl.controls.geometry_permutation import geometry_permutation_tests

    sub, conditions, seeds, primary = st.sub, st.conditions, st.seeds, st.primary
    notes = st.notes
    if st.metrics is not None and st.repeated:
        notes.append(f"metric(s) {', '.join(st.repeated)} named more than once: tested once, "
                     "counted once in every correction family")
    settings = {"seed": st.rng, "n_resamples": st.n_resamples, "unit": st.unit,
                "sample_test": st.sample_test,
                "sequential_thresholds": list(st.seq_kw["thresholds"]) if st.seq_kw else None,
                "alpha": st.alpha, "primary_test": primary,
                "primary_unit": None if primary is None else ("seed" if primary in SEED_TESTS
                                                              else st.unit),
                "seed_tests": ",".join(st.seed_tests), "alternative": st.alternative,
                "correction": st.correction, "geometry": st.geo.geometry.name,
                "geometry_reason": st.choice.reason,
                # what each run's reader excluded or converted ({condition: {seed: counts}})
                "exclusions": {c: {str(s): dict(sub.dump(c, s).exclusions) for s in seeds}
                               for c in conditions},
                "runs": str(st.runs.root) if st.runs.root else None, "warnings": notes,
                "official_score": st.official, "mcnemar": st.mcnemar, "single_run": st.single_run,
                "margins": st.margins, "ropes": st.ropes, "test_fraction": st.test_fraction,
                "test_fraction_source": st.fraction_source,
                "seed_tests_skipped": st.skipped_note, "sums": st.sums}
    differences = None
    if st.single_run:
        differences = pd.DataFrame.from_records(st.diff_records, columns=_DIFF_COLUMNS)
        for col in ("n", "n_resamples"):
            differences[col] = differences[col].astype("Int64")
    result = ComparisonResult(
        st.baseline, conditions, st.pairs, st.tax, st.geo, st.headline, st.table, st.comps,
        st.confusions, tuple(seeds), st.support, st.error_null, settings,
        differences=differences, verdicts=st.verdicts, geometry_choice=st.choice,
        inputs=run_inputs(sub, conditions, seeds), sample_nulls=st.nulls,
        geometry_permutation={} if st.tests_only else geometry_permutation_tests(
            st.table, st.headline, metric_direction, n_resamples=st.n_resamples, rng=st.rng))
    if st.tests_only:
        st.result = result
        return
    st.result = dataclasses.replace(result, per_group=per_group_differences(sub, st.pairs, seeds),
                                    reliability=reliability_table(sub, conditions, seeds))


# ----------------------------------------------------------------------------------------------
# 8. geometry sensitivity

def sensitivity(st: State, recompare) -> None:
    """Geometry sensitivity of the result; ``recompare(spec, metrics)`` re-runs the comparison
    under another geometry (given by :func:`affectctl.compare.compare`, which it calls)."""
    from affectctl.controls.geometry_sensitivity import comparison_sensitivity

    result = st.result
    st.result = dataclasses.replace(result, geometry_sensitivity=comparison_sensitivity(
        st.sub, result, st.choice, recompare=recompare,
        readjust=lambda comps, wide: readjust_families(comps, wide, result),
        min_samples=st.geometry_min_samples, error_nulls=st.geometry_error_nulls,
        reruns=st.geometry_reruns))


# ----------------------------------------------------------------------------------------------
# option checks and helpers of the steps

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


