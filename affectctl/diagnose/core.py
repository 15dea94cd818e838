"""The analysis :func:`diagnose`: pair table, persistence, verdicts, cost, representation."""

from __future__ import annotations

import numbers
from typing import Sequence

import numpy as np
import pandas as pd

from .._provenance import run_inputs
from .._validation import fmt_set
from ..errors import ConfigError
from ..metrics.registry import geometry_choice
from ..io.runs import RunSet, check_paired
from ..stats._common import normalize_rng
from .pairs import _confusions, _per_seed_frame, _seed_geometry
from .result import DiagnosisResult
from .thresholds import _FLAGGED, DegeneracyThresholds
from .verdicts import _nanmean0, _persistence, _separation_sd, _verdicts, _warn_empty_classes

__all__ = ["diagnose"]


def _diagnose_iv(runs, baseline, interventions, thresholds, rng, representation, n_splits):
    if not isinstance(runs, RunSet):
        raise ConfigError("`runs` must be a RunSet (affectctl.io.runs.load_runs); "
                          f"got {type(runs).__name__}.")
    conds = runs.conditions
    if not isinstance(baseline, str) or baseline not in conds:
        raise ConfigError(f"`baseline` must be one of {fmt_set(conds)}; got {baseline!r}.")
    if interventions is None:
        interventions = tuple(c for c in conds if c != baseline)
    else:
        if isinstance(interventions, str):
            interventions = (interventions,)
        interventions = tuple(interventions)
        for c in interventions:
            if c not in conds or c == baseline:
                allowed = tuple(x for x in conds if x != baseline)
                raise ConfigError(f"`interventions` must be among {fmt_set(allowed)} (the conditions "
                                  f"other than the baseline); got {c!r}.")
        if len(set(interventions)) != len(interventions):
            raise ConfigError("`interventions` names a condition twice; "
                              f"got {list(interventions)}.")
    if thresholds is None:
        thresholds = DegeneracyThresholds()
    elif not isinstance(thresholds, DegeneracyThresholds):
        raise ConfigError("`thresholds` must be a DegeneracyThresholds or None; "
                          f"got {type(thresholds).__name__}.")
    _, seed = normalize_rng(rng)
    if representation not in (True, False, "auto"):
        raise ConfigError("`representation` must be one of {True, False, 'auto'}; "
                          f"got {representation!r}.")
    if representation is True:
        conds = (baseline,) + tuple(interventions)
        missing = [runs.dump(c, s).source for c in conds for s in runs.seeds(c)
                   if runs.dump(c, s).embedding is None]
        if missing:
            raise ConfigError("`representation=True` needs embeddings (emb_<i> columns) in every "
                              f"dump; missing in {', '.join(missing[:3])}"
                              + (f" and {len(missing) - 3} more" if len(missing) > 3 else "") + ".")
    if isinstance(n_splits, (bool, np.bool_)) or not isinstance(n_splits, numbers.Integral) \
            or n_splits < 2:
        raise ConfigError(f"`n_splits` must be an integer >= 2; got {n_splits!r}.")
    seeds = tuple(runs.seeds(baseline))
    for c in interventions:
        seeds = check_paired(runs, baseline, c)
    return interventions, thresholds, seed, seeds


def diagnose(runs: RunSet, *, baseline: str, interventions: Sequence[str] | None = None,
             geometry="auto", thresholds: DegeneracyThresholds | None = None, rng=0,
             representation="auto", n_splits: int = 5, geometry_min_samples: int = 30,
             geometry_sensitivity: bool = True, _persistence_of=None) -> DiagnosisResult:
    """Find the class pairs that stay confused whatever the training does, and what they cost.

    Parameters
    ----------
    runs : RunSet
        Dumps of the baseline and the interventions (:func:`affectctl.io.runs.load_runs`).
    baseline : str
        Reference condition: the verdict's confusion, closeness and cost are read
        on it, and every intervention is compared with it, paired by seed.
    interventions : sequence of str, optional
        Conditions tested against the baseline. Default: every other condition.
    geometry : str or Geometry, default "auto"
        Class coordinates (``"auto"``, ``"nrc-vad"``, ``"russell"``,
        ``"affectnet-sample"``, ``"data"``, or a CSV ``class,valence,arousal``).
        ``"auto"`` is ``"data"`` (each seed's per-class VA means) when the baseline's
        truth has at least ``geometry_min_samples`` VA-annotated samples of every class
        with a place on the circumplex, else ``"nrc-vad"``.
    thresholds : DegeneracyThresholds, optional
        Default ``DegeneracyThresholds()`` (see its docstring for every criterion).
    rng : None, int >= 0 or numpy.random.Generator, default 0
        Seeds the sign-flip tests (Monte Carlo only beyond 20 seeds) and the
        cross-validation splits of the representation probes. The seed used is
        :attr:`DiagnosisResult.rng_seed`.
    representation : {True, False, "auto"}, default "auto"
        Linear-probe and cluster evidence from the dumps' embeddings
        (:mod:`affectctl.controls.representation`, scikit-learn): ``"auto"``
        when every dump has them, ``True`` requires them, ``False`` skips. Computed for the flagged,
        candidate and fixed pairs, in every run.
    n_splits : int, default 5
        Folds of the probe's cross-validation.
    geometry_min_samples : int, default 30
        See ``geometry``.
    geometry_sensitivity : bool, default True
        Recompute every pair's verdict under each available geometry and mark those
        that change (:attr:`DiagnosisResult.geometry_sensitivity`).

    Returns
    -------
    DiagnosisResult
        ``pairs`` in rank order, ``per_seed``, ``by_condition``, ``persistence``,
        ``representation``, ``clusters``, ``notes``.

    Raises
    ------
    ConfigError
        Unknown baseline or intervention, bad thresholds or options, unknown
        geometry; embeddings required but missing.
    PairingError
        An intervention was not run with the baseline's seeds and samples.

    Notes
    -----
    Tests are one-sided exact Wilcoxon signed-rank tests of "the intervention's rate
    is lower" over seeds (primary; the sign-flip test of the mean difference is
    reported alongside), adjusted over the interventions of each pair.
    With 5 seeds the smallest one-sided p is 1/32; after adjustment over several
    interventions no test can reach 0.05, and the *substantial* criterion of
    :class:`DegeneracyThresholds` is the one that can mark a pair fixed. The
    result's ``notes`` say when that is so.

    Examples
    --------
    >>> from affectctl.io.runs import load_runs                    # doctest: +SKIP
    >>> res = diagnose(load_runs("runs/sim-affwild2", ["base", "reweight"]),
    ...                baseline="base")                         # doctest: +SKIP
    >>> res.pairs[["a", "b", "status", "reason"]].head()        # doctest: +SKIP

    Anything but a :class:`~affectctl.io.runs.RunSet` is refused up front:

    >>> diagnose({"base": {}}, baseline="base")
    Traceback (most recent call last):
    ...
    affectctl.errors.ConfigError: `runs` must be a RunSet (affectctl.io.runs.load_runs); got dict.
    """
    interventions, th, seed, seeds = _diagnose_iv(runs, baseline, interventions, thresholds, rng,
                                                  representation, n_splits)
    gen = np.random.default_rng(seed)
    tax = runs.taxonomy
    conds = (baseline,) + interventions
    notes = []

    first = runs.dump(baseline, seeds[0])
    choice = geometry_choice(geometry, first, min_samples=geometry_min_samples)
    # the data's geometry stays per seed (each seed's own truth), as with geometry="data"
    spec = "data" if choice.name == "data" and isinstance(geometry, str) else choice.geometry
    coords, dist, overlap = _seed_geometry(runs, baseline, seeds, spec)
    geo_name = choice.name
    covariances = data_means = None
    if first.va_true is not None:
        from ..circumplex import geometry_from_data

        data_geo = geometry_from_data(first.y_true, first.va_true, tax)
        covariances, data_means = data_geo.covariance_array(tax), data_geo.coordinates(tax)
    frames = [_per_seed_frame(runs, c, seeds, _confusions(runs, c, seeds), dist, overlap)
              for c in conds]
    per_seed = pd.concat(frames, ignore_index=True)
    _warn_empty_classes(per_seed, tax)

    num_cols = ["n_a", "n_b", "confusion_rate", "chance_rate", "recall_a", "recall_b", "f1_a",
                "f1_b", "macro_f1", "macro_f1_resolved", "macro_f1_gain", "pair_accuracy",
                "va_distance", "va_overlap"]
    grouped = per_seed.groupby(["condition", "a_index", "b_index"], sort=False)
    by_condition = grouped[num_cols].mean()
    by_condition["confusion_rate_sd"] = grouped["confusion_rate"].std(ddof=1)
    by_condition = by_condition.reset_index()
    names = np.asarray(tax.classes, dtype=object)
    by_condition.insert(1, "a", names[by_condition["a_index"].to_numpy()])
    by_condition.insert(2, "b", names[by_condition["b_index"].to_numpy()])
    by_condition["lift"] = by_condition["confusion_rate"] / by_condition["chance_rate"]

    # --- closeness threshold from all defined pair distances
    mean_dist = _nanmean0(dist)
    defined = mean_dist[np.isfinite(mean_dist)]
    thr_parts, labels = [], []
    if th.va_distance_quantile is not None and defined.size:
        thr_parts.append(float(np.quantile(defined, th.va_distance_quantile)))
        labels.append(f"{th.va_distance_quantile:.0%} quantile of the {defined.size} "
                      "pair distances")
    if th.max_va_distance is not None:
        thr_parts.append(float(th.max_va_distance))
        labels.append(f"max_va_distance {th.max_va_distance:g}")
    dist_thr = max(thr_parts) if thr_parts else float("nan")
    dist_label = " or ".join(labels)
    if not defined.size:
        notes.append(f"geometry '{geo_name}' gives no class of {tax.name} a coordinate: "
                     "no pair can be judged close.")

    # --- persistence
    if _persistence_of is not None:
        # the same runs, seeds and thresholds under another geometry: the persistence
        # tests do not depend on the geometry (geometry sensitivity reuses them)
        persistence = _persistence_of.persistence.copy()
        index = {c: i for i, c in enumerate(tax.classes)}
        persistence.insert(2, "a_index", persistence["a"].map(index).astype(np.int64))
        persistence.insert(3, "b_index", persistence["b"].map(index).astype(np.int64))
    else:
        persistence = _persistence(per_seed, baseline, interventions, seeds, th, gen)
    if interventions:
        from ..stats.seeds import min_attainable_pvalue

        m = len(interventions)
        min_p = min_attainable_pvalue("wilcoxon", len(seeds), "less")
        min_adj = min(1.0, min_p * (m if th.correction in ("holm", "bonferroni") else 1))
        if min_adj >= th.alpha:
            notes.append(
                f"with {len(seeds)} seeds the smallest one-sided exact Wilcoxon p is {min_p:.4g}; "
                f"adjusted ({th.correction}) over {m} intervention(s) it is {min_adj:.4g} >= "
                f"alpha={th.alpha:g}, so no test can be significant: only the 'substantial' "
                f"criterion (>= {th.min_relative_reduction:.0%} fewer confusions in >= "
                f"{th.min_seed_share:.0%} of seeds, >= {th.min_resolved_share:.0%} of them "
                "turned correct) can mark a pair fixed.")
    else:
        notes.append("no intervention given: persistence is untested and heavily confused, close "
                     "pairs are reported as candidates, not as degenerate.")

    # --- aggregate on the baseline
    agg = by_condition[by_condition["condition"] == baseline].drop(columns="condition").copy()
    agg = agg.rename(columns={"n_a": "support_a", "n_b": "support_b"})
    agg["heavily_confused"] = ((agg["confusion_rate"] >= th.min_confusion_rate)
                               & (agg["lift"] >= th.min_lift)).fillna(False).astype(bool)
    agg["close"] = (np.isfinite(agg["va_distance"]) & (agg["va_distance"] <= dist_thr)).astype(bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        agg["gap_share"] = agg["macro_f1_gain"] / (1.0 - agg["macro_f1"])
    agg["va_separation_sd"] = [_separation_sd(data_means, covariances, i, j)
                               for i, j in zip(agg["a_index"], agg["b_index"])]
    coord_ok = np.isfinite(coords).all(axis=-1).all(axis=0)  # (K,)

    status, reason, fixed_by, best = _verdicts(agg, persistence, th, dist_thr, dist_label,
                                               interventions, coord_ok)
    agg["status"] = status
    agg["reason"] = reason
    agg["degenerate"] = agg["status"] == "degenerate"
    agg["fixed_by"] = fixed_by
    agg["best_intervention"] = [b[0] for b in best]
    agg["best_relative_change"] = [b[1] for b in best]
    agg["best_p_adj"] = [b[2] for b in best]
    minc = (by_condition.sort_values("confusion_rate")
            .groupby(["a_index", "b_index"], sort=False).first())
    key = list(zip(agg["a_index"], agg["b_index"], strict=False))
    agg["min_rate_condition"] = [minc.loc[k, "condition"] for k in key]
    agg["min_rate"] = [minc.loc[k, "confusion_rate"] for k in key]

    # --- representation
    rep_table, clusters = None, None
    has_emb = all(runs.dump(c, s).embedding is not None for c in conds for s in seeds)
    if representation is not False and has_emb:
        from ..controls.representation import cluster_table, representation_table

        # every pair under the baseline (the table's probe columns); flagged and fixed
        # pairs also under every intervention (did any of them separate the pair?)
        focus = agg[agg["status"].isin(_FLAGGED + ("fixed",))]
        pairs = list(zip(focus["a_index"], focus["b_index"], strict=False))
        every = list(zip(agg["a_index"], agg["b_index"], strict=False))
        if every:
            # one probe seed for both tables: a pair has the same folds under every condition
            probe_seed = int(gen.integers(0, 2**32 - 1))
            parts = [representation_table(runs, every, conditions=[baseline], seeds=seeds,
                                          n_splits=n_splits, rng=probe_seed)]
            if pairs and len(conds) > 1:
                parts.append(representation_table(runs, pairs, conditions=conds[1:], seeds=seeds,
                                                  n_splits=n_splits, rng=probe_seed))
            rep_table = pd.concat(parts, ignore_index=True)
            rb = rep_table[rep_table["condition"] == baseline].groupby(["a_index", "b_index"])
            rmean = rb[["probe_auc", "fisher_ratio"]].mean()
            allc = rep_table.groupby(["condition", "a_index", "b_index"])["probe_auc"].mean()
            allc = allc.reset_index().sort_values("probe_auc", ascending=False)
            top = allc.groupby(["a_index", "b_index"]).first()
            agg["probe_auc"] = [rmean["probe_auc"].get(k, np.nan) for k in key]
            agg["fisher_ratio"] = [rmean["fisher_ratio"].get(k, np.nan) for k in key]
            agg["probe_auc_max"] = [top["probe_auc"].get(k, np.nan) for k in key]
            agg["probe_auc_max_condition"] = [top["condition"].get(k, None)
                                              if np.isfinite(top["probe_auc"].get(k, np.nan)) else None
                                              for k in key]
        clusters = cluster_table(runs, conditions=conds, seeds=seeds)
    elif representation == "auto":
        notes.append("no embeddings (emb_<i> columns) in the dumps: representation evidence "
                     "skipped.")

    # --- rank
    flagged_order = {"degenerate": 0, "candidate": 1}
    agg["_group"] = [flagged_order.get(s, 2) for s in agg["status"]]
    agg["_key"] = np.where(agg["_group"] < 2, -agg["macro_f1_gain"].fillna(-np.inf),
                           -agg["confusion_rate"].fillna(-np.inf))
    agg = agg.sort_values(["_group", "_key", "a_index", "b_index"], kind="mergesort")
    agg.insert(0, "rank", np.arange(1, len(agg) + 1))
    cols = ["rank", "a", "b", "a_index", "b_index", "degenerate", "status", "reason", "support_a",
            "support_b", "confusion_rate", "confusion_rate_sd", "chance_rate", "lift",
            "va_distance", "va_overlap", "va_separation_sd", "macro_f1", "macro_f1_resolved",
            "macro_f1_gain", "gap_share", "f1_a", "f1_b", "heavily_confused", "close", "fixed_by",
            "best_intervention", "best_relative_change", "best_p_adj", "min_rate_condition",
            "min_rate"]
    cols += [c for c in ("probe_auc", "fisher_ratio", "probe_auc_max", "probe_auc_max_condition")
             if c in agg.columns]
    pairs_df = agg[cols].reset_index(drop=True)
    persistence = persistence.drop(columns=["a_index", "b_index"])

    result = DiagnosisResult(
        baseline=baseline, interventions=interventions, taxonomy=tax.name, classes=tax.classes,
        geometry=geo_name, coords=_nanmean0(coords), seeds=tuple(int(s) for s in seeds),
        thresholds=th,
        va_distance_threshold=dist_thr, pairs=pairs_df, per_seed=per_seed,
        by_condition=by_condition, persistence=persistence, representation=rep_table,
        clusters=clusters, notes=tuple(notes), rng_seed=seed, geometry_choice=choice,
        covariances=covariances, inputs=run_inputs(runs, (baseline, *interventions), seeds))
    if geometry_sensitivity:
        import dataclasses

        from ..geometry_sensitivity import diagnosis_sensitivity

        result = dataclasses.replace(result, geometry_sensitivity=diagnosis_sensitivity(
            runs, result, choice, min_samples=geometry_min_samples, thresholds=th, rng=seed))
    return result
