"""Metrics that depend on the predictions only through the confusion matrix.

Every function takes ``cm`` of shape ``(..., K, K)`` (rows = true class, columns =
predicted class, counts) and returns an array of shape ``(...)``: one matrix gives a
scalar, a stack of replicate matrices gives one value per replicate. This is what
lets :mod:`affectctl.stats` evaluate thousands of permutation or bootstrap
replicates without touching the samples again.

Undefined values (a class with no true and no predicted sample, a pair with no
support) follow ``on_empty``, as scikit-learn's ``zero_division``:
``"warn"`` (0.0 and a :class:`~affectctl.errors.DegenerateDataWarning`), ``"nan"``
(NaN, left out of averages) or ``0.0``.
"""

from __future__ import annotations

import contextlib
import re
import warnings

import numpy as np

from affectctl.errors import ConfigError, DegenerateDataWarning

__all__ = [
    "confusion_matrix",
    "accuracy_score",
    "f1_per_class",
    "macro_f1_score",
    "recall_per_class",
    "uar_score",
    "cohen_kappa_score",
    "mcc_score",
    "pair_confusion_rate",
    "error_distance",
    "quadrant_preservation_score",
    "naming_classes",
    "name_class_indices",
]

_ON_EMPTY = ("warn", "nan", 0.0)


def _check_on_empty(on_empty):
    if not (on_empty in ("warn", "nan") or (isinstance(on_empty, (int, float)) and on_empty == 0.0)):
        raise ConfigError(f"`on_empty` must be one of {{'warn', 'nan', 0.0}}; got {on_empty!r}.")


def _fill(values: np.ndarray, undefined: np.ndarray, on_empty, what: str, *,
          per_class: bool = False) -> np.ndarray:
    """``values`` with the undefined entries set by ``on_empty``; the warning of
    ``on_empty="warn"`` names the class indices when ``per_class`` (last axis = classes)."""
    if not undefined.any():
        return values
    if on_empty == "nan":
        return np.where(undefined, np.nan, values)
    if on_empty == "warn":
        which = ""
        if per_class:
            idx = np.flatnonzero(undefined.reshape(-1, undefined.shape[-1]).any(axis=0))
            which = f" (class index {', '.join(str(int(i)) for i in idx)})"
        warnings.warn(f"{what} is undefined and set to 0.0{which}; use `on_empty` to control "
                      "this.", DegenerateDataWarning, stacklevel=3)
    return np.where(undefined, 0.0, values)


_CLASS_INDEX = re.compile(r"\(class index ([\d, ]+)\)")


def name_class_indices(text: str, class_names) -> str:
    """``(class index 3, 4)`` in ``text`` as ``(classes Fear, Happiness)``; an index outside
    ``class_names`` leaves the text as it was."""
    names = list(class_names)

    def rename(m):
        try:
            picked = [names[int(i)] for i in m.group(1).split(",")]
        except (IndexError, ValueError):
            return m.group(0)
        return f"(class{'es' if len(picked) > 1 else ''} {', '.join(picked)})"

    return _CLASS_INDEX.sub(rename, text)


@contextlib.contextmanager
def naming_classes(class_names):
    """Re-issue the ``on_empty="warn"`` warnings raised inside with the classes' names:
    ``(class index 3, 4)`` becomes ``(classes Fear, Disgust)``.

    The functions here see counts only, so their warnings can name indices; a caller that
    knows the taxonomy (:func:`affectctl.metrics.compute.compute_metrics`) names them.
    """
    names = list(class_names)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        message = w.message
        if isinstance(message, DegenerateDataWarning):
            message = DegenerateDataWarning(name_class_indices(str(message), names))
        warnings.warn_explicit(message, w.category, w.filename, w.lineno, source=w.source)


def _nanmean_last(values: np.ndarray) -> np.ndarray:
    """Mean over the last axis ignoring NaN; NaN (without a warning) where all are NaN."""
    ok = ~np.isnan(values)
    count = ok.sum(axis=-1)
    total = np.where(ok, values, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of samples of true class ``i`` predicted as ``j`` (int64).

    Samples with a negative true label (not annotated) are left out. Label order is
    the taxonomy's, never inferred from the data.
    """
    t = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(y_pred, dtype=np.int64)
    keep = t >= 0
    flat = t[keep] * n_classes + p[keep]
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def accuracy_score(cm) -> np.ndarray:
    """Accuracy = trace(C) / sum(C)."""
    cm = np.asarray(cm, dtype=np.float64)
    return np.trace(cm, axis1=-2, axis2=-1) / cm.sum(axis=(-2, -1))


def f1_per_class(cm, *, on_empty="warn") -> np.ndarray:
    """Per-class F1 = 2·C_kk / (row_k + col_k), shape ``(..., K)``.

    Equals scikit-learn's ``f1_score(average=None, labels=range(K))``. Undefined
    when class k has neither true nor predicted samples.
    """
    _check_on_empty(on_empty)
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    denom = cm.sum(axis=-1) + cm.sum(axis=-2)
    undefined = denom == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = 2.0 * tp / np.where(undefined, 1.0, denom)
    return _fill(f1, undefined, on_empty, "F1 of a class with no true and no predicted sample",
                 per_class=True)


def macro_f1_score(cm, *, on_empty="warn") -> np.ndarray:
    """Unweighted mean of per-class F1 over all K classes (ABAW3+ P_EXPR).

    With ``on_empty="nan"`` undefined classes are left out of the mean.
    """
    return _nanmean_last(f1_per_class(cm, on_empty=on_empty))


def recall_per_class(cm, *, on_empty="warn") -> np.ndarray:
    """Recall_k = C_kk / row_k, shape ``(..., K)``; undefined for a class with no true sample."""
    _check_on_empty(on_empty)
    cm = np.asarray(cm, dtype=np.float64)
    support = cm.sum(axis=-1)
    undefined = support == 0
    rec = np.diagonal(cm, axis1=-2, axis2=-1) / np.where(undefined, 1.0, support)
    return _fill(rec, undefined, on_empty, "recall of a class with no true sample", per_class=True)


def uar_score(cm, *, on_empty="warn") -> np.ndarray:
    """Unweighted average recall (balanced accuracy) = mean_k recall_k."""
    return _nanmean_last(recall_per_class(cm, on_empty=on_empty))


def cohen_kappa_score(cm) -> np.ndarray:
    """Cohen's κ = (p_o − p_e) / (1 − p_e), p_e = Σ_k row_k·col_k / n² (Cohen 1960)."""
    cm = np.asarray(cm, dtype=np.float64)
    n = cm.sum(axis=(-2, -1))
    po = np.trace(cm, axis1=-2, axis2=-1) / n
    pe = (cm.sum(axis=-1) * cm.sum(axis=-2)).sum(axis=-1) / n**2
    with np.errstate(invalid="ignore", divide="ignore"):
        return (po - pe) / (1.0 - pe)


def mcc_score(cm) -> np.ndarray:
    """Multi-class Matthews correlation (Gorodkin 2004), as scikit-learn computes it.

    MCC = (c·s − Σ_k p_k t_k) / sqrt((s² − Σ p_k²)(s² − Σ t_k²)), with c = trace,
    s = n, t = row sums, p = column sums; 0 when the denominator is 0 (as scikit-learn).
    """
    cm = np.asarray(cm, dtype=np.float64)
    t = cm.sum(axis=-1)
    p = cm.sum(axis=-2)
    c = np.trace(cm, axis1=-2, axis2=-1)
    s = cm.sum(axis=(-2, -1))
    num = c * s - (p * t).sum(axis=-1)
    den = np.sqrt((s**2 - (p**2).sum(axis=-1)) * (s**2 - (t**2).sum(axis=-1)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den == 0, 0.0, num / np.where(den == 0, 1.0, den))


def pair_confusion_rate(cm, a: int, b: int, *, on_empty="warn") -> np.ndarray:
    """Symmetric confusion rate of classes a and b: (C[a,b] + C[b,a]) / (row_a + row_b).

    The share of the two classes' samples that were predicted as the other class of
    the pair. Undefined when neither class has a true sample.
    """
    _check_on_empty(on_empty)
    cm = np.asarray(cm, dtype=np.float64)
    num = cm[..., a, b] + cm[..., b, a]
    den = cm[..., a, :].sum(axis=-1) + cm[..., b, :].sum(axis=-1)
    undefined = den == 0
    return _fill(num / np.where(undefined, 1.0, den), undefined, on_empty,
                 f"confusion rate of pair ({a}, {b})")


def error_distance(cm, cost, *, on_empty="warn") -> np.ndarray:
    """Mean VA distance between true and predicted class over misclassified samples.

    error_distance = Σ_{i≠j} C_ij·D_ij / Σ_{i≠j} C_ij, over the cells whose cost D_ij
    is defined (classes without a coordinate are left out). Lower is better: errors
    land nearer the truth on the circumplex.
    """
    _check_on_empty(on_empty)
    cm = np.asarray(cm, dtype=np.float64)
    d = np.asarray(cost, dtype=np.float64)
    use = np.isfinite(d) & ~np.eye(d.shape[0], dtype=bool)
    dd = np.where(use, d, 0.0)
    num = (cm * dd).sum(axis=(-2, -1))
    den = (cm * use).sum(axis=(-2, -1))
    undefined = den == 0
    return _fill(num / np.where(undefined, 1.0, den), undefined, on_empty,
                 "error distance with no misclassified sample")


def quadrant_preservation_score(cm, quadrants, *, on_empty="warn") -> np.ndarray:
    """Share of errors whose predicted class lies in the true class's VA quadrant.

    Over misclassified samples whose true and predicted classes both have a quadrant
    (:func:`affectctl.domain.geometries.quadrant`; a class on an axis or without coordinate
    has none).
    """
    _check_on_empty(on_empty)
    cm = np.asarray(cm, dtype=np.float64)
    q = np.asarray(quadrants)
    defined = (q[:, None] >= 0) & (q[None, :] >= 0) & ~np.eye(len(q), dtype=bool)
    same = defined & (q[:, None] == q[None, :])
    num = (cm * same).sum(axis=(-2, -1))
    den = (cm * defined).sum(axis=(-2, -1))
    undefined = den == 0
    return _fill(num / np.where(undefined, 1.0, den), undefined, on_empty,
                 "quadrant preservation with no misclassified sample")
