"""Several benchmarks in one comparison: :func:`compare` per dataset, then the aggregates.

Each dataset keeps its own taxonomy, official score and geometry (its own
:func:`~affectctl.compare.compare` call); what is combined are per-dataset numbers
(:mod:`affectctl.stats.aggregate`), never pooled samples.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from affectctl.errors import ConfigError
from affectctl.metrics.catalog import metric_direction
from affectctl.io.normalisation import check_normalisation, read_normalisation
from affectctl.stats.aggregate import (
    interquartile_mean,
    probability_of_improvement,
    stratified_bootstrap,
    stratified_randomization,
)
from affectctl.stats.correction import adjust_pvalues
from affectctl.stats.equivalence import tost_bootstrap
from affectctl.compare.core import compare

__all__ = ["compare_datasets"]


def _seed_scores(result, condition, metric):
    m = result.metrics
    rows = m[(m["condition"] == condition) & (m["metric"] == metric)].set_index("seed")
    return rows["value"].reindex(list(result.seeds)).to_numpy(dtype=np.float64)


def _two_level(results, names, a, b, metric, n_resamples, observed):
    """{dataset: replicates} of the two-level bootstrap, for the datasets that have them
    (two or more seeds, R replicates, the same Δ as the seed scores); None if none has:
    the aggregate resamples the seeds of the others."""
    reps = {}
    for n in names:
        kept = results[n].sample_nulls.get((a, b, metric)) or {}
        null = kept.get("null")
        if (kept.get("test") == "hierarchical_bootstrap" and kept.get("level") == "seed_and_unit"
                and null is not None and len(null) >= n_resamples
                and np.isclose(kept.get("statistic", np.nan), observed[n], atol=1e-9)):
            reps[n] = null
    return reps or None


def _stratified_ar(results, names, a, b, metric, about, alternative):
    """The ``stratified_ar`` record from every dataset's AR null, or None."""
    kept = [results[n].sample_nulls.get((a, b, metric)) or {} for n in names]
    if not all(k.get("test") == "ar" and k.get("null") is not None for k in kept):
        return None
    if len({len(k["null"]) for k in kept}) != 1:
        return None
    res = stratified_randomization({n: k["statistic"] for n, k in zip(names, kept)},
                                   {n: k["null"] for n, k in zip(names, kept)},
                                   alternative=alternative)
    unit = results[names[0]].settings.get("unit")
    seeds = list(dict.fromkeys(k.get("seed") for k in kept))  # the datasets' AR generators
    return {**about, **res, "unit": unit, "seed": seeds[0] if len(seeds) == 1 else seeds,
            "level": "unit_within_seed",
            "p_method": "randomization_stratified_by_dataset_and_seed"}


def _common_margin(results, names, metric):
    """The equivalence margin of ``metric`` when every dataset's comparison has the same one
    (``--margin``), else None: one margin for the mean Δ over datasets."""
    margins = {n: (results[n].settings.get("margins") or {}).get(metric) for n in names}
    values = set(margins.values())
    return values.pop() if len(values) == 1 and None not in values else None


def _normalisation(normalisation, names) -> tuple[dict, str | None]:
    if normalisation is None:
        return {}, None
    if isinstance(normalisation, Mapping):
        ref, source = check_normalisation(normalisation), "mapping"
    else:
        ref, source = read_normalisation(normalisation), str(normalisation)
    unknown = sorted(set(ref) - set(names))
    if unknown:
        raise ConfigError(f"{source}: names dataset(s) {unknown} that are not compared "
                          f"(datasets: {names}).")
    return ref, source


def compare_datasets(runsets: Mapping, baseline: str, others, *, metrics=("official_score",),
                     n_resamples: int = 9999, rng: int = 0, normalisation=None,
                     **compare_kw) -> dict:
    """Compare conditions on several datasets and aggregate the evidence over them.

    Parameters
    ----------
    runsets : mapping {dataset name: RunSet}
        At least two datasets, each with runs of every condition.
    baseline, others
        As :func:`affectctl.compare.compare`.
    metrics : sequence of str, default ("official_score",)
        Headline metrics; the aggregates use those every dataset reports.
    n_resamples, rng, **compare_kw
        Passed to every :func:`compare` call (the same ``rng`` for each dataset) and to
        the aggregates.
    normalisation : path or mapping, optional
        Per-dataset reference scores ``{dataset: {metric: (low, high)}}``, or a TOML file
        of them (:mod:`affectctl.io.normalisation`); with it, ``interquartile_mean``
        records for every condition and every metric referenced for all datasets.

    Returns
    -------
    dict
        ``results``: {dataset: ComparisonResult}; ``records``: every per-dataset
        comparison record with a ``dataset`` field; ``aggregates``: per (a, b, metric)
        a ``stratified_bootstrap`` record (seeds resampled within each dataset, Δ signed
        as a − b), a ``probability_of_improvement`` record (P(a better than b): scores
        negated for lower-is-better metrics) and ``primary_holm``: the per-dataset
        primary-test p-values Holm-corrected as one family (``p_adjusted_datasets``).
        Every aggregate record has ``level``: what its interval or test resampled
        (docs/guide/evidence.md, "Several benchmarks"):

        * ``stratified_bootstrap``: ``"seed"`` (seeds within each dataset), or
          ``"seed_and_unit"`` when every dataset ran ``sample_test="hierarchical"``
          (each dataset's two-level replicates: seeds and units), ``"mixed"`` when only
          some datasets have them (one seed, say: the others' seeds are resampled);
        * ``probability_of_improvement``: ``"seed"``;
        * ``primary_holm``: ``"per_dataset_test"`` (no resampling of its own);
        * ``stratified_ar`` (with ``sample_test="ar"``, the default): one approximate
          randomization test stratified by dataset and by seed within, swaps of
          ``unit`` (``"unit_within_seed"``), ``statistic`` the mean over datasets of
          Δ, ``p_value``, and ``per_dataset`` {dataset: {p_value, p_adjusted}} Holm over
          the datasets;
        * ``interquartile_mean`` (with ``normalisation``): per ``condition`` and metric,
          the IQM of the normalised per-seed scores over all datasets' runs
          (``level="none"``: a point estimate), ``reference`` {dataset: [low, high]}.
    """
    if not isinstance(runsets, Mapping) or len(runsets) < 2:
        raise ConfigError("several-benchmark comparison needs at least two datasets "
                          f"(NAME=DIR); got {len(runsets) if isinstance(runsets, Mapping) else runsets!r}.")
    reference, ref_source = _normalisation(normalisation, [str(n) for n in runsets])
    results = {name: compare(rs, baseline, others, metrics=list(metrics), n_resamples=n_resamples,
                             rng=rng, **compare_kw) for name, rs in runsets.items()}
    alternative = compare_kw.get("alternative", "two-sided")
    records = []
    for name, res in results.items():
        for rec in res.comparisons.to_dict("records"):
            records.append({"dataset": name, **rec})
    names = list(results)
    first = results[names[0]]
    aggregates = []
    for a, b in first.pairs:
        for metric in first.headline_metrics:
            if not all(metric in set(r.headline_metrics) for r in results.values()):
                continue
            sa = {n: _seed_scores(results[n], a, metric) for n in names}
            sb = {n: _seed_scores(results[n], b, metric) for n in names}
            if any(not np.isfinite(np.r_[sa[n], sb[n]]).all() for n in names):
                continue
            about = {"a": a, "b": b, "metric": metric, "dataset": "all", "unit": "seed"}
            deltas = {n: sa[n] - sb[n] for n in names}
            reps = _two_level(results, names, a, b, metric, n_resamples,
                              {n: float(deltas[n].mean()) for n in names})
            boot = stratified_bootstrap(deltas, replicates=reps, n_resamples=n_resamples, rng=rng,
                                        return_null=True)
            replicates = boot.pop("null_distribution")
            boot_unit = ("seed+" + str(results[names[0]].settings.get("unit"))
                         if reps is not None and len(reps) == len(names) else "seed")
            aggregates.append({**about, **boot, "unit": boot_unit})
            margin = _common_margin(results, names, metric)
            if margin is not None:   # equivalence over the datasets, from the same replicates
                eq = tost_bootstrap(replicates, boot["delta"], margin, n=len(names),
                                    alpha=first.settings.get("alpha", 0.05),
                                    alternative=alternative, seed=boot["seed"], unit=boot_unit)
                eq_rec = eq.to_record()
                eq_rec["p_value"] = eq_rec.pop("pvalue")
                aggregates.append({**about, **eq_rec, "method": "tost_stratified_bootstrap",
                                   "unit": boot_unit, "level": boot["level"],
                                   "note": "stratified bootstrap over the datasets (the "
                                           "replicates of the stratified_bootstrap record): "
                                           f"{eq.n_resamples} replicates; p = (1 + #beyond "
                                           "the margin)/(R + 1)"})
            sign = 1.0 if metric_direction(metric) > 0 else -1.0
            poi = probability_of_improvement({n: sign * sa[n] for n in names},
                                             {n: sign * sb[n] for n in names},
                                             n_resamples=n_resamples, rng=rng)
            aggregates.append({**about, **poi, "level": "seed"})
            combined = _stratified_ar(results, names, a, b, metric, about, alternative)
            if combined is not None:
                aggregates.append(combined)
            prim = {}
            for n in names:
                v = results[n].verdicts
                row = v[(v["a"] == a) & (v["b"] == b) & (v["metric"] == metric)]
                if len(row):
                    prim[n] = (row["test"].iloc[0], float(row["p_value"].iloc[0]),
                               float(row["delta"].iloc[0]), row["unit"].iloc[0])
            if len(prim) == len(names):
                adj = adjust_pvalues(np.array([prim[n][1] for n in names]), "holm")
                aggregates.append({**about, "test": "primary_holm", "p_adjust": "holm",
                                   "level": "per_dataset_test",
                                   "per_dataset": {n: {"test": prim[n][0], "unit": prim[n][3],
                                                       "delta": prim[n][2], "p_value": prim[n][1],
                                                       "p_adjusted_datasets": float(q)}
                                                   for n, q in zip(names, adj)}})
    for metric in first.headline_metrics if reference else ():
        if not all(metric in reference.get(n, {}) for n in names):
            continue
        for cond in first.conditions:
            scores = {n: _seed_scores(results[n], cond, metric) for n in names}
            if any(not np.isfinite(v).all() for v in scores.values()):
                continue
            iqm = interquartile_mean(scores, {n: reference[n][metric] for n in names})
            aggregates.append({"condition": cond, "metric": metric, "dataset": "all",
                               "unit": "seed", **iqm, "level": "none",
                               "reference": {n: list(reference[n][metric]) for n in names},
                               "normalisation": ref_source})
    return {"results": results, "records": records, "aggregates": aggregates,
            "datasets": names}
