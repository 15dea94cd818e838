"""The analysis :func:`compare`: a short pipeline over the steps of :mod:`affectctl.compare.steps`."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from affectctl._util.validation import SEED_TESTS
from affectctl.io.runs import RunSet
from affectctl.compare import steps
from affectctl.compare.result import ComparisonResult
from affectctl.compare.steps import DEFAULT_METRICS, SINGLE_RUN_NOTE, _pairs  # noqa: F401 (re-exported)

__all__ = ["compare", "DEFAULT_METRICS", "SINGLE_RUN_NOTE"]


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
    workers: int | None = None,
    while_waiting=None,
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
    workers : int, optional
        Processes the tests run in, this one included (forked on Linux; default: every
        usable core, :func:`affectctl._util.forked.fork_workers`; 1: here, one after the
        other). Each test draws from its own generator seeded with ``rng``: the result is
        the same for every ``workers``.
    while_waiting : callable, optional
        Called once, in this process, while the forked workers start on the tests: a head
        start for the caller's next step (``affectctl compare`` imports its report there;
        :func:`affectctl._util.forked.run_forked`). Its errors are dropped; not called
        when the tests run in this process only.

    Returns
    -------
    ComparisonResult
    """
    st = steps.State(
        runs, baseline, others, contrasts, metrics, geometry, geometry_min_samples, seed_tests,
        sample_test, unit, n_resamples, alternative, correction, classifier_tests, mcnemar, rng,
        progress, sums, alpha, margin, rope, test_fraction, sequential, tests_only, workers,
        while_waiting)
    steps.validate(st)              # options, pairs, common seeds
    steps.per_seed_metrics(st)      # geometry, metric table, headline metrics, unit, contexts
    # the geometry sensitivity's re-runs need nothing of the tests: they run beside them
    recompare = (_recompare_of(st, workers=workers)
                 if geometry_sensitivity and not tests_only else None)
    # seed, equivalence/Bayes, sample and contingency tests; confusions, error-distance
    # nulls; the geometry re-runs
    steps.run_tests(st, recompare=recompare)
    steps.comparisons_table(st)
    steps.corrections(st)           # adjusted p per test family
    steps.verdicts(st)              # primary test, verdicts
    steps.assemble(st)              # settings, ComparisonResult, per-video, reliability
    if recompare is not None:
        steps.sensitivity(st, recompare)
    return st.result


def _recompare_under(runs: RunSet, result: ComparisonResult, *, workers: int | None = None):
    """``recompare(spec, metrics)`` for geometry sensitivity: ``result``'s comparison re-run.

    The same runs, pairs, tests, unit, resamples, replicate sums, alternative and seed as
    ``result`` (read from its settings), only ``metrics`` under geometry ``spec``,
    uncorrected and without the classifier tests or a nested sensitivity; returns the
    comparisons table.
    """
    st = result.settings
    kw = {"seed_tests": tuple(t for t in str(st.get("seed_tests", "")).split(",") if t),
          "sample_test": st.get("sample_test", "ar"), "unit": st.get("unit"),
          "n_resamples": int(st.get("n_resamples", 9999)), "sums": st.get("sums", "auto"),
          "alternative": st.get("alternative", "two-sided"), "rng": st.get("seed", 0)}
    return _recompare(runs, result.baseline, result.conditions, result.pairs, kw, workers)


def _recompare_of(st: steps.State, *, workers: int | None = None):
    """:func:`_recompare_under` of the comparison ``st`` is computing, from its state (after
    :func:`~affectctl.compare.steps.per_seed_metrics`, which settles the unit): the
    settings it will record, so the same re-run."""
    kw = {"seed_tests": tuple(st.seed_tests), "sample_test": st.sample_test, "unit": st.unit,
          "n_resamples": st.n_resamples, "sums": st.sums, "alternative": st.alternative,
          "rng": st.rng}
    return _recompare(st.sub, st.baseline, st.conditions, st.pairs, kw, workers)


def _recompare(runs, baseline, conditions, pairs, kw: dict, workers):
    others = tuple(c for c in conditions if c != baseline)
    contrasts = [p for p in pairs if p[1] != baseline]

    def recompare(spec, metrics) -> pd.DataFrame:
        alt = compare(runs, baseline, others, contrasts=contrasts, metrics=metrics,
                      geometry=spec, correction="none", classifier_tests=False,
                      geometry_sensitivity=False, tests_only=True, workers=workers, **kw)
        return alt.comparisons

    return recompare
