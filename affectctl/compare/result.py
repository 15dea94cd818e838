"""The result of :func:`affectctl.compare.compare`: :class:`ComparisonResult`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from affectctl._util.jsonable import plain
from affectctl._util.provenance import document_header
from affectctl.metrics.compute import GeometryContext

__all__ = ["ComparisonResult"]


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
        ci_high, confidence, ci_method, estimate, rank_biserial, cohen_dz, alternative,
        unit, note. ``ci_low, ci_high`` come from the row's own test at the row's unit
        (``ci_method``): Hodges–Lehmann (Wilcoxon), sign-flip inversion, Student t, the
        paired bootstrap over the same unit and strata for ``ar`` and ``bootstrap``
        (``ci_n_resamples`` replicates); ``confidence`` is the level achieved, NaN
        without an interval. ``estimate`` is the test's estimate of a − b.
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
        unit, n, n_resamples, seed, method, ci_method`` — the paired-bootstrap percentile CI of
        metric(a) − metric(b) (:func:`affectctl.stats.samples.paired_bootstrap`).
    geometry_choice : GeometryChoice or None
        The geometry and why it was chosen (``auto``: the data's or ``nrc-vad``).
    geometry_sensitivity : GeometrySensitivity or None
        Every geometry-dependent conclusion under every available geometry
        (:mod:`affectctl.controls.geometry_sensitivity`).
    verdicts : DataFrame or None
        One row per compared (a, b, headline metric): the primary test's estimate,
        interval, p-values and the verdict, columns
        :data:`affectctl.compare.verdicts.VERDICT_COLUMNS`; the primary test is
        ``settings["primary_test"]`` (:mod:`affectctl.compare.verdicts`).
    inputs : tuple of dict
        ``{"path", "sha256"}`` of every input file (:mod:`affectctl._util.provenance`).
    per_group : DataFrame or None
        Accuracy per group (video) of a and b over the seeds and its difference, per
        compared pair (:func:`affectctl.compare.per_video.per_group_differences`); None
        without groups.
    reliability : DataFrame or None
        Reliability-diagram bins and ECE of every run with probabilities
        (:func:`affectctl.compare.per_video.reliability_table`).
    sample_nulls : dict
        ``{(a, b, metric): {"test", "statistic", "null"}}``: the replicates of the
        sample-level test (``"ar"``: its null; ``"hierarchical_bootstrap"``: the two-level
        replicates), used by :func:`affectctl.compare.multi.compare_datasets`.
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
    verdicts: pd.DataFrame | None = None
    inputs: tuple = ()  # ({"path", "sha256"}, ...) of every input file (affectctl._util.provenance)
    per_group: pd.DataFrame | None = None      # affectctl.compare.per_video (not in results.json)
    reliability: pd.DataFrame | None = None    # affectctl.compare.per_video (not in results.json)
    # (a, b, metric) -> {"test", "statistic", "null"}: the sample-level test's replicates
    # (AR null, or the two-level bootstrap's), for compare_datasets (not in results.json)
    sample_nulls: dict = field(default_factory=dict, repr=False)

    @property
    def single_run(self) -> bool:
        """True when every condition has exactly one run (seed-level tests not run)."""
        return len(self.seeds) == 1

    def choose_primary(self, candidates=None, *, alpha: float | None = None) -> "str | None":
        """The test that marks the differences (:func:`affectctl.compare.verdicts.choose_primary`).

        Without ``candidates``: the one ``compare`` chose (``settings["primary_test"]``),
        or, for a result built otherwise, the rule applied to the tests its settings
        name. With ``candidates`` (tests in order of preference): the first that can
        reach ``alpha`` (default ``settings["alpha"]`` or 0.05), else the first present.
        """
        from affectctl.compare.verdicts import choose_primary, primary_candidates

        settings = self.settings or {}
        level = alpha if alpha is not None else float(settings.get("alpha", 0.05))
        present = set(self.comparisons["test"]) if len(self.comparisons) else set()
        if candidates is None:
            chosen = settings.get("primary_test")
            if chosen in present:
                return chosen
            seed_tests = str(settings.get("seed_tests", "wilcoxon,signflip,ttest")).split(",")
            candidates = primary_candidates(seed_tests, settings.get("sample_test", "ar"))
        return choose_primary(self.comparisons, list(candidates), alpha=level)

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
            **document_header(self.inputs),
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
            "verdicts": [] if self.verdicts is None else self.verdicts.to_dict("records"),
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


    def to_frame(self) -> pd.DataFrame:
        """The tidy comparison table (a copy of :attr:`comparisons`): one row per
        ``(a, b, metric, test[, seed])`` with ``p_value``, ``p_adjusted``, ``ci_low``,
        ``ci_high``, ``unit`` and the other columns listed under *Attributes*."""
        return self.comparisons.copy()

    def _headline(self) -> tuple:
        means = self.summary().pivot(index="metric", columns="condition", values="mean")
        means = means.reindex(index=[m for m in self.headline_metrics if m in means.index],
                              columns=list(self.conditions))
        means.columns.name = None
        runs = "1 run" if self.single_run else f"{len(self.seeds)} seeds"
        title = (f"ComparisonResult: {', '.join(self.conditions[1:])} against {self.baseline} "
                 f"({runs} each, {self.taxonomy.name}, geometry {self.geometry.geometry.name})")
        footer = (f"mean over {'the run' if self.single_run else 'seeds'} above; "
                  f"{len(self.comparisons)} test rows in .to_frame(), the JSON document in .to_dict()")
        return title, means, footer

    def __repr__(self) -> str:
        from affectctl._util.display import text_view

        return text_view(*self._headline())

    def _repr_html_(self) -> str:
        from affectctl._util.display import html_view

        return html_view(*self._headline())
