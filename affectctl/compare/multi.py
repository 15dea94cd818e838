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
from affectctl.stats.aggregate import probability_of_improvement, stratified_bootstrap
from affectctl.stats.correction import adjust_pvalues
from affectctl.compare.core import compare

__all__ = ["compare_datasets"]


def _seed_scores(result, condition, metric):
    m = result.metrics
    rows = m[(m["condition"] == condition) & (m["metric"] == metric)].set_index("seed")
    return rows["value"].reindex(list(result.seeds)).to_numpy(dtype=np.float64)


def compare_datasets(runsets: Mapping, baseline: str, others, *, metrics=("official_score",),
                     n_resamples: int = 9999, rng: int = 0, **compare_kw) -> dict:
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

    Returns
    -------
    dict
        ``results``: {dataset: ComparisonResult}; ``records``: every per-dataset
        comparison record with a ``dataset`` field; ``aggregates``: per (a, b, metric)
        a ``stratified_bootstrap`` record (seeds resampled within each dataset, Δ signed
        as a − b), a ``probability_of_improvement`` record (P(a better than b): scores
        negated for lower-is-better metrics) and ``primary_holm``: the per-dataset
        primary-test p-values Holm-corrected as one family (``p_adjusted_datasets``).
    """
    if not isinstance(runsets, Mapping) or len(runsets) < 2:
        raise ConfigError("several-benchmark comparison needs at least two datasets "
                          f"(NAME=DIR); got {len(runsets) if isinstance(runsets, Mapping) else runsets!r}.")
    results = {name: compare(rs, baseline, others, metrics=list(metrics), n_resamples=n_resamples,
                             rng=rng, **compare_kw) for name, rs in runsets.items()}
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
            boot = stratified_bootstrap({n: sa[n] - sb[n] for n in names},
                                        n_resamples=n_resamples, rng=rng)
            aggregates.append({**about, **boot})
            sign = 1.0 if metric_direction(metric) > 0 else -1.0
            poi = probability_of_improvement({n: sign * sa[n] for n in names},
                                             {n: sign * sb[n] for n in names},
                                             n_resamples=n_resamples, rng=rng)
            aggregates.append({**about, **poi})
            prim = {}
            for n in names:
                v = results[n].verdicts
                row = v[(v["a"] == a) & (v["b"] == b) & (v["metric"] == metric)]
                if len(row):
                    prim[n] = (row["test"].iloc[0], float(row["p_value"].iloc[0]))
            if len(prim) == len(names):
                adj = adjust_pvalues(np.array([prim[n][1] for n in names]), "holm")
                aggregates.append({**about, "test": "primary_holm", "p_adjust": "holm",
                                   "per_dataset": {n: {"test": prim[n][0], "p_value": prim[n][1],
                                                       "p_adjusted_datasets": float(q)}
                                                   for n, q in zip(names, adj)}})
    return {"results": results, "records": records, "aggregates": aggregates,
            "datasets": names}
