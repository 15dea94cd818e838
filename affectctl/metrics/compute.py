"""All metrics of one dump, keyed by stable ids.

:func:`compute_metrics` is what ``affectctl audit`` prints and what ``compare`` tests.
Metric ids (``<Class>`` is the taxonomy's class name, ``<AU>`` e.g. ``AU12``):

Expression
    ``accuracy``, ``expr_macro_f1`` (mean F1 over all classes of the taxonomy),
    ``f1:<Class>``, ``uar``, ``cohen_kappa``, ``mcc``, ``pair_confusion:<A>|<B>``.
Error geometry (need a geometry)
    ``error_distance_mean``, ``quadrant_preservation``, ``expected_cost`` (needs
    probabilities), plus ``geometry_excluded_errors``, the number of errors left out
    because a class has no coordinate, and ``expected_cost_excluded_samples``.
    Policy for a class with no coordinate (e.g. ``Other``): an error whose true or
    predicted class has none is left out of ``error_distance_mean`` and
    ``quadrant_preservation`` (counted in ``geometry_excluded_errors``); a sample whose
    *true* class has none is left out of ``expected_cost`` (counted in
    ``expected_cost_excluded_samples``), and probability mass on a *predicted* class
    without a coordinate is priced at the mean defined off-diagonal cost, as the
    training losses price it (a probability vector cannot be split without changing
    the metric's meaning).
Probabilities
    ``confidence_mean`` (ARBEx, 1 − H/log K), ``ece`` (15 bins). With annotator votes as
    soft truth (``Dump.soft_true``, FERPlus): ``expected_cost_votes`` (expected cost
    against the label of a randomly drawn annotator) and ``ece_votes`` (a bin's
    accuracy is the mean vote share of the predicted class); see
    :mod:`affectctl.metrics.probability`.
Valence–arousal (pooled frames, population moments, as ABAW)
    ``va_ccc_valence``, ``va_ccc_arousal``, ``va_ccc_mean``; per-video means
    ``va_ccc_valence_per_video`` … (papers disagree on pooling; both are offered);
    ``va_rmse_*``, ``va_pcc_*``, ``va_sagr_*``.
Action units
    ``au_f1_mean`` (mean F1 over the AUs both annotated and predicted), ``au_f1:<AU>``
    (n/a for an annotated AU the predictions lack), ``au_accuracy_mean``.
Official challenge scores
    ``abaw3_expr_score`` (mean F1 over the 8 Aff-Wild2 classes; ``affwild2-expr8``),
    ``abaw3_au_score`` (mean F1 over the 12 ABAW3 AUs; needs all 12: n/a when one is
    annotated but not predicted),
    ``abaw3_va_score`` (= ``va_ccc_mean``),
    ``abaw_mtl_score`` (= ``abaw3_va_score + abaw3_expr_score + abaw3_au_score``, the
    ABAW multi-task score; needs the 8-class taxonomy, VA and the 12 AUs),
    ``abaw2_expr_score`` and ``abaw2020_expr_score`` (0.67·macro-F1 + 0.33·accuracy over
    the 7 classes of ``affwild2-expr7``: both editions used this formula),
    ``abaw2_au_score`` (0.5·mean F1 + 0.5·mean accuracy over the 12 AUs; needs all 12),
    ``abaw2020_au_score`` (the same over the 8 ABAW 2020 AUs; needs all 8),
    ``official_score``: the headline score of the file's benchmark: the taxonomy's
    (:data:`OFFICIAL_SCORE`) for expression files, ``abaw_mtl_score`` for an ABAW
    multi-task file, ``abaw3_va_score`` / ``abaw3_au_score`` for VA-only / AU-only
    files. Source: the ABAW challenge papers (Kollias et al., ABAW 2020, FG 2020;
    ABAW2, ICCV-W 2021; ABAW3, CVPR-W 2022; and later editions).

Directions, families, aliases and the sample-level statistic of every id are in
:mod:`affectctl.metrics.catalog` (``metric_direction``, ``OFFICIAL_SCORE`` and
``resolve_metric_alias`` are re-exported here).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from affectctl.domain.geometries import (
    AUTO_MIN_SAMPLES,
    Geometry,
    GeometryChoice,
    choose_geometry,
    cost_matrix,
    quadrant,
)
from affectctl.errors import DegenerateDataWarning
from affectctl.io.schema import ABAW2020_AUS, ABAW_AUS, Dump
import affectctl.metrics.confusion as cm_metrics
from affectctl.metrics.action_units import au_accuracy_per_unit, au_f1_per_unit
from affectctl.metrics.probability import (confidence, expected_calibration_error, expected_calibration_error_soft,
                          expected_cost_per_sample, expected_cost_soft_per_sample)
from affectctl.metrics.catalog import OFFICIAL_SCORE, metric_direction, resolve_metric_alias
from affectctl.metrics.regression import ccc, ccc_from_sums, pcc, rmse, sagr

__all__ = ["compute_metrics", "metric_table", "resolve_metric_alias", "resolve_geometry", "geometry_choice", "metric_direction",
           "OFFICIAL_SCORE", "official_score_id", "GeometryContext", "geometry_context"]


@dataclass(frozen=True)
class GeometryContext:
    """Geometry resolved for one taxonomy: coordinates, costs, quadrants."""

    geometry: Geometry
    coords: np.ndarray          # (K, 2), NaN rows for classes without coordinate
    cost: np.ndarray            # (K, K) VA distance, NaN where undefined (metrics)
    cost_filled: np.ndarray     # (K, K) missing costs = mean off-diagonal (losses, expected cost)
    quadrants: np.ndarray       # (K,)


def geometry_choice(spec, dump: Dump, *, min_samples: int = AUTO_MIN_SAMPLES) -> GeometryChoice:
    """Resolve ``spec`` against one dump's truth, with the reason (:func:`affectctl.domain.geometries.choose_geometry`).

    ``"auto"`` → the dump's per-class VA means when every placed class has at least
    ``min_samples`` annotated samples, else ``nrc-vad``; ``"data"`` → those means
    (an error without VA annotations); anything else → :func:`~affectctl.domain.geometries.get_geometry`.
    """
    if isinstance(spec, str) and spec == "data" and dump.va_true is None:
        from affectctl.errors import ConfigError

        raise ConfigError(f"--geometry data needs VA annotations (v_true, a_true) in {dump.source}.")
    return choose_geometry(spec, dump.y_true, dump.va_true, dump.taxonomy, min_samples=min_samples)


def resolve_geometry(spec, dump: Dump, *, min_samples: int = AUTO_MIN_SAMPLES) -> Geometry:
    """The :class:`Geometry` of :func:`geometry_choice` (``"auto"``, ``"data"``, a name, a CSV)."""
    return geometry_choice(spec, dump, min_samples=min_samples).geometry


def geometry_context(geometry: Geometry, taxonomy) -> GeometryContext:
    coords = geometry.coordinates(taxonomy)
    return GeometryContext(geometry, coords, cost_matrix(coords, missing="nan"),
                           cost_matrix(coords, missing="mean"), quadrant(coords))


def _per_video_ccc(t, p, groups) -> float:
    """Mean over videos of each video's CCC, from per-video sufficient sums.

    Videos with fewer than 2 annotated frames or a zero CCC denominator are left out.
    """
    inv, codes = pd.factorize(groups)
    sums = np.stack([np.bincount(inv, weights=w, minlength=len(codes))
                     for w in (np.ones_like(t), t, p, t * t, p * p, t * p)], axis=-1)
    vals = ccc_from_sums(sums[sums[:, 0] >= 2])
    vals = vals[np.isfinite(vals)]
    return float(vals.mean()) if vals.size else float("nan")


def _va_metrics(dump: Dump, out: dict) -> None:
    for j, dim in enumerate(("valence", "arousal")):
        t, p = dump.va_true[:, j], dump.va_pred[:, j]
        ok = ~np.isnan(t)
        if ok.sum() < 2:
            warnings.warn(f"fewer than 2 annotated {dim} frames in {dump.source}; VA metrics are NaN.",
                          DegenerateDataWarning, stacklevel=3)
            for name in ("ccc", "pcc", "rmse", "sagr"):
                out[f"va_{name}_{dim}"] = float("nan")
            out[f"va_ccc_{dim}_per_video"] = float("nan")
            continue
        out[f"va_ccc_{dim}"] = ccc(t[ok], p[ok])
        out[f"va_pcc_{dim}"] = pcc(t[ok], p[ok])
        out[f"va_rmse_{dim}"] = rmse(t[ok], p[ok])
        out[f"va_sagr_{dim}"] = sagr(t[ok], p[ok])
        if dump.group is not None:
            out[f"va_ccc_{dim}_per_video"] = _per_video_ccc(t[ok], p[ok], dump.group[ok])
    out["va_ccc_mean"] = (out["va_ccc_valence"] + out["va_ccc_arousal"]) / 2
    if "va_ccc_valence_per_video" in out:
        out["va_ccc_mean_per_video"] = (out["va_ccc_valence_per_video"]
                                        + out["va_ccc_arousal_per_video"]) / 2


def _au_metrics(dump: Dump, out: dict) -> None:
    """AU metrics; AUs annotated but not predicted (``exclusions["au_not_predicted"]``, e.g.
    AU24 for OpenFace against Aff-Wild2) get F1 n/a, and a score over a fixed AU set that
    includes one of them is n/a, never a mean over fewer AUs."""
    f1 = au_f1_per_unit(dump.au_true, dump.au_pred)
    acc = au_accuracy_per_unit(dump.au_true, dump.au_pred)
    for name, v in zip(dump.au_names, f1):
        out[f"au_f1:{name}"] = float(v)
    unpredicted = list((dump.exclusions or {}).get("au_not_predicted") or ())
    for name in unpredicted:
        out[f"au_f1:{name}"] = float("nan")
    out["au_f1_mean"] = float(f1.mean())
    out["au_accuracy_mean"] = float(np.nanmean(acc))
    names = list(dump.au_names)
    for aus, keys in ((ABAW_AUS, ("abaw3_au_score", "abaw2_au_score")), (ABAW2020_AUS, ("abaw2020_au_score",))):
        if all(a in names for a in aus):
            idx = [names.index(a) for a in aus]
            mean_f1, mean_acc = float(f1[idx].mean()), float(np.nanmean(acc[idx]))
            for key in keys:
                out[key] = mean_f1 if key == "abaw3_au_score" else 0.5 * mean_f1 + 0.5 * mean_acc
        elif all(a in names or a in unpredicted for a in aus):
            for key in keys:
                out[key] = float("nan")  # annotated, but an AU of the set has no prediction


def compute_metrics(dump: Dump, *, geometry="nrc-vad", on_empty="warn") -> dict:
    """Every metric the dump supports, as ``{metric_id: float}`` (unrounded).

    Parameters
    ----------
    dump : Dump
    geometry : str or Geometry, default "nrc-vad"
        Class coordinates for the error-geometry metrics (``"data"`` = the dump's own
        VA centroids).
    on_empty : {"warn", "nan", 0.0}
        What undefined per-class values become (see :mod:`affectctl.metrics.confusion`).

    Returns
    -------
    dict
        Metric id → value; ids absent when the dump lacks the needed columns.
    """
    tax = dump.taxonomy
    out: dict = {}
    mask = dump.expr_mask
    out["n_samples"] = float(dump.n_samples)
    out["n_expr_frames"] = float(mask.sum())
    if mask.any():
        cm = cm_metrics.confusion_matrix(dump.y_true, dump.y_pred, tax.n_classes)
        with cm_metrics.naming_classes(tax.classes):
            f1 = cm_metrics.f1_per_class(cm, on_empty=on_empty)
            uar = cm_metrics.uar_score(cm, on_empty=on_empty)
        out["accuracy"] = float(cm_metrics.accuracy_score(cm))
        out["expr_macro_f1"] = float(np.nanmean(f1))
        for name, v in zip(tax.classes, f1):
            out[f"f1:{name}"] = float(v)
        out["uar"] = float(uar)
        out["cohen_kappa"] = float(cm_metrics.cohen_kappa_score(cm))
        out["mcc"] = float(cm_metrics.mcc_score(cm))
        for a in range(tax.n_classes):
            for b in range(a + 1, tax.n_classes):
                out[f"pair_confusion:{tax.classes[a]}|{tax.classes[b]}"] = float(
                    cm_metrics.pair_confusion_rate(cm, a, b, on_empty="nan"))

        geo = geometry_context(resolve_geometry(geometry, dump), tax)
        errors_total = cm.sum() - np.trace(cm)
        usable = np.isfinite(geo.cost) & ~np.eye(tax.n_classes, dtype=bool)
        out["geometry_excluded_errors"] = float(errors_total - (cm * usable).sum())
        out["error_distance_mean"] = float(cm_metrics.error_distance(cm, geo.cost, on_empty="nan"))
        out["quadrant_preservation"] = float(
            cm_metrics.quadrant_preservation_score(cm, geo.quadrants, on_empty="nan"))
        if dump.proba is not None:
            p = dump.proba[mask]
            y = dump.y_true[mask]
            has_coord = np.isfinite(geo.coords).all(axis=1)[y]
            out["expected_cost_excluded_samples"] = float((~has_coord).sum())
            out["expected_cost"] = (float(expected_cost_per_sample(p[has_coord], y[has_coord],
                                                                   geo.cost_filled).mean())
                                    if has_coord.any() else float("nan"))
            out["confidence_mean"] = float(confidence(p).mean())
            out["ece"] = expected_calibration_error(p, y)
            if dump.soft_true is not None:
                # annotator votes as soft truth (FERPlus), on the rows with a majority label
                q = dump.soft_true[mask]
                ok = np.isfinite(q).all(axis=1)
                if ok.any():
                    out["expected_cost_votes"] = float(expected_cost_soft_per_sample(
                        p[ok], q[ok], geo.cost_filled).mean())
                    out["ece_votes"] = expected_calibration_error_soft(p[ok], q[ok])
        if tax.name == "affwild2-expr8":
            out["abaw3_expr_score"] = out["expr_macro_f1"]
        if tax.name == "affwild2-expr7":
            out["abaw2_expr_score"] = 0.67 * out["expr_macro_f1"] + 0.33 * out["accuracy"]
            out["abaw2020_expr_score"] = out["abaw2_expr_score"]
    if dump.has_va:
        _va_metrics(dump, out)
        out["abaw3_va_score"] = out["va_ccc_mean"]
    if dump.has_au:
        _au_metrics(dump, out)
    if all(k in out for k in ("abaw3_va_score", "abaw3_expr_score", "abaw3_au_score")):
        out["abaw_mtl_score"] = out["abaw3_va_score"] + out["abaw3_expr_score"] + out["abaw3_au_score"]
    official = official_score_id(dump, out)
    if official in out:
        out["official_score"] = out[official]
    return out


def official_score_id(dump: Dump, available=None) -> "str | None":
    """Which metric id ``official_score`` stands for in this dump (see the module docstring).

    ``available`` (ids computed for the dump) lets an AU file with the 8 ABAW 2020 AUs but
    not the 12 of ABAW3 fall back to ``abaw2020_au_score``.
    """
    fmt = (dump.metadata or {}).get("format", "")
    truth_fmt = (dump.metadata or {}).get("truth_format", "")
    if truth_fmt in ("abaw-va-annotations", "abaw-au-annotations"):
        fmt = truth_fmt.replace("-annotations", "-folders")  # any predictions against an ABAW folder
    if fmt == "abaw-mtl":
        return "abaw_mtl_score"
    if fmt == "abaw-va-folders":
        return "abaw3_va_score"
    if fmt == "abaw-au-folders":
        if available is not None and "abaw3_au_score" not in available and "abaw2020_au_score" in available:
            return "abaw2020_au_score"
        return "abaw3_au_score"
    return OFFICIAL_SCORE.get(dump.taxonomy.name)


def metric_table(runset, *, geometry="nrc-vad", on_empty="warn") -> pd.DataFrame:
    """Tidy table of every metric of every run of a :class:`~affectctl.io.runs.RunSet`.

    Columns ``condition, seed, metric, value``; one row per run and metric id of
    :func:`compute_metrics`.
    """
    rows = []
    for cond, by_seed in runset.runs.items():
        for seed, dump in sorted(by_seed.items()):
            for metric, value in compute_metrics(dump, geometry=geometry, on_empty=on_empty).items():
                rows.append((cond, seed, metric, value))
    return pd.DataFrame(rows, columns=["condition", "seed", "metric", "value"])
