"""Action-unit detection metrics (ABAW AU challenge)."""

from __future__ import annotations

import numpy as np

__all__ = ["au_f1_per_unit", "au_accuracy_per_unit"]


def _counts(au_true, au_pred):
    t = np.asarray(au_true)
    p = np.asarray(au_pred)
    valid = t >= 0
    tp = ((t == 1) & (p == 1) & valid).sum(axis=0).astype(np.float64)
    fp = ((t == 0) & (p == 1) & valid).sum(axis=0).astype(np.float64)
    fn = ((t == 1) & (p == 0) & valid).sum(axis=0).astype(np.float64)
    n = valid.sum(axis=0).astype(np.float64)
    return tp, fp, fn, n


def au_f1_per_unit(au_true, au_pred) -> np.ndarray:
    """Binary F1 of each AU = 2TP / (2TP + FP + FN), frames with annotation -1 left out.

    An AU with no positive annotation and no positive prediction gets F1 = 0, as
    scikit-learn's ``f1_score`` with its default ``zero_division``.
    """
    tp, fp, fn, _ = _counts(au_true, au_pred)
    den = 2 * tp + fp + fn
    return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1.0), 0.0)


def au_accuracy_per_unit(au_true, au_pred) -> np.ndarray:
    """Accuracy of each AU over its annotated frames (ABAW 2020/ABAW2 AU score)."""
    t = np.asarray(au_true)
    p = np.asarray(au_pred)
    valid = t >= 0
    n = valid.sum(axis=0)
    hit = ((t == p) & valid).sum(axis=0)
    return np.where(n > 0, hit / np.where(n > 0, n, 1), np.nan)
