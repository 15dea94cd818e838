"""The pair table: every unordered class pair × every run, with rates, distance and overlap."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from affectctl.metrics.confusion import confusion_matrix, f1_per_class
from affectctl.metrics.class_pairs import (
    chance_confusion_rates, pair_confusion_rates, pair_indices, resolved_macro_f1,
)
from affectctl.metrics.compute import geometry_context, resolve_geometry
from affectctl.io.runs import RunSet, checked_conditions
from affectctl.diagnose.overlap import va_overlap_coefficient

__all__ = ["pair_table"]


def _confusions(runs: RunSet, condition: str, seeds) -> np.ndarray:
    K = runs.taxonomy.n_classes
    dumps = [runs.dump(condition, s) for s in seeds]
    return np.stack([confusion_matrix(d.y_true, d.y_pred, K) for d in dumps])


def _seed_geometry(runs: RunSet, condition: str, seeds, geometry):
    """Per-seed class coordinates (S, K, 2), VA distances (S, P) and VA overlaps (S, P)."""
    tax = runs.taxonomy
    a, b = pair_indices(tax.n_classes)
    coords, dist, overlap = [], [], []
    for s in seeds:
        dump = runs.dump(condition, s)
        ctx = geometry_context(resolve_geometry(geometry, dump), tax)
        coords.append(ctx.coords)
        dist.append(ctx.cost[a, b])
        ov = np.full(a.shape[0], np.nan)
        if dump.va_true is not None:
            y = dump.y_true
            by_class = [dump.va_true[y == k] for k in range(tax.n_classes)]
            for p, (i, j) in enumerate(zip(a, b, strict=False)):
                ov[p] = va_overlap_coefficient(by_class[i], by_class[j])
        overlap.append(ov)
    return np.stack(coords), np.stack(dist), np.stack(overlap)


def _per_seed_frame(runs, condition, seeds, cms, dist, overlap) -> pd.DataFrame:
    tax = runs.taxonomy
    a, b = pair_indices(tax.n_classes)
    S, P = cms.shape[0], a.shape[0]
    n = cms.sum(axis=-1)
    diag = np.diagonal(cms, axis1=-2, axis2=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(n > 0, diag / np.where(n > 0, n, 1), np.nan)
    f1 = f1_per_class(cms, on_empty=0.0)
    macro = f1.mean(axis=-1)
    resolved = resolved_macro_f1(cms)
    frame = pd.DataFrame({
        "condition": condition,
        "seed": np.repeat(np.asarray(seeds, dtype=np.int64), P),
        "a": np.tile(np.asarray(tax.classes, dtype=object)[a], S),
        "b": np.tile(np.asarray(tax.classes, dtype=object)[b], S),
        "a_index": np.tile(a, S),
        "b_index": np.tile(b, S),
        "n_a": n[:, a].ravel().astype(np.int64),
        "n_b": n[:, b].ravel().astype(np.int64),
        "confusions_ab": cms[:, a, b].ravel().astype(np.int64),
        "confusions_ba": cms[:, b, a].ravel().astype(np.int64),
        "confusion_rate": pair_confusion_rates(cms).ravel(),
        "chance_rate": chance_confusion_rates(cms).ravel(),
        "recall_a": recall[:, a].ravel(),
        "recall_b": recall[:, b].ravel(),
        "f1_a": f1[:, a].ravel(),
        "f1_b": f1[:, b].ravel(),
        "macro_f1": np.repeat(macro, P),
        "macro_f1_resolved": resolved.ravel(),
        "va_distance": dist.ravel(),
        "va_overlap": overlap.ravel(),
    })
    frame["macro_f1_gain"] = frame["macro_f1_resolved"] - frame["macro_f1"]
    support = (n[:, a] + n[:, b]).ravel()
    correct = (diag[:, a] + diag[:, b]).ravel()
    frame["pair_accuracy"] = np.where(support > 0, correct / np.where(support > 0, support, 1),
                                      np.nan)
    return frame


def pair_table(runs: RunSet, *, conditions: Sequence[str] | None = None,
               geometry="auto") -> pd.DataFrame:
    """Per-run evidence of every class pair: one row per (condition, seed, pair).

    Parameters
    ----------
    runs : RunSet
    conditions : sequence of str, optional
        Default: every condition of ``runs``.
    geometry : str or Geometry, default "auto"
        Class coordinates for the VA distance (``"data"``: the per-class mean of
        each dump's ``v_true, a_true``; ``"auto"``: those means when every placed class
        has at least 30 annotated samples, else ``nrc-vad``).

    Returns
    -------
    DataFrame
        Columns ``condition, seed, a, b, a_index, b_index, n_a, n_b, confusions_ab,
        confusions_ba, confusion_rate, chance_rate, recall_a, recall_b, f1_a, f1_b,
        macro_f1, macro_f1_resolved, macro_f1_gain, pair_accuracy, va_distance,
        va_overlap`` (module docstring for the definitions; ``va_overlap`` is NaN
        without VA annotations). Full precision.
    """
    conditions = checked_conditions(runs, conditions)
    frames = []
    for c in conditions:
        seeds = runs.seeds(c)
        _, dist, overlap = _seed_geometry(runs, c, seeds, geometry)
        frames.append(_per_seed_frame(runs, c, seeds, _confusions(runs, c, seeds), dist, overlap))
    return pd.concat(frames, ignore_index=True)


# ============================================================================ result
