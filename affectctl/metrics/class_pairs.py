"""Class-pair arithmetic on confusion matrices: every unordered pair at once.

With ``C`` the confusion matrix of one run (rows true, columns predicted), ``n_k`` the
row sums (support), ``N = sum(n)`` and ``q_k = (sum_i C_ik) / N`` the share of
predictions that are class ``k``:

confusion rate
    :math:`r_{ab} = (C_{ab} + C_{ba}) / (n_a + n_b)`, the share of the two classes'
    samples predicted as the other class of the pair
    (:func:`affectctl.metrics.confusion.pair_confusion_rate`, here for every pair).
chance rate
    :math:`r^0_{ab} = (n_a q_b + n_b q_a) / (n_a + n_b)`, the expected rate of a
    classifier whose predictions have the same class shares but are independent of
    the input (the expectation under independence used by Cohen's κ, Cohen 1960).
resolved macro-F1
    The macro-F1 after moving ``C[a, b]`` to ``C[a, a]`` and ``C[b, a]`` to
    ``C[b, b]``: every mutual confusion of the pair becomes correct. An upper bound
    on what separating the pair could bring.

Pairs come in :func:`pair_indices` order (``a < b``, row-major); every function takes
``(..., K, K)`` counts and returns ``(..., n_pairs)``.

References
----------
.. [1] Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational
       and Psychological Measurement 20(1), 37–46.
"""

from __future__ import annotations

import numpy as np

from affectctl.errors import ConfigError
from affectctl.metrics.confusion import f1_per_class, pair_confusion_rate

__all__ = ["pair_indices", "pair_confusion_rates", "chance_confusion_rates", "resolved_macro_f1"]


def _as_cm(cm) -> np.ndarray:
    try:
        arr = np.asarray(cm, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"`cm` must be an array of counts; got {type(cm).__name__}.") from None
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2] or arr.shape[-1] < 2:
        raise ConfigError(f"`cm` must have shape (..., K, K) with K >= 2; got shape {arr.shape}.")
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise ConfigError("`cm` must hold finite, non-negative counts.")
    return arr


def pair_indices(n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(a, b)`` of every unordered class pair, ``a < b``, in row-major order."""
    return np.triu_indices(int(n_classes), 1)


def pair_confusion_rates(cm) -> np.ndarray:
    """Symmetric confusion rate of every pair, shape ``(..., n_pairs)``.

    .. math:: r_{ab} = \\frac{C_{ab} + C_{ba}}{n_a + n_b}

    Pairs in :func:`pair_indices` order; NaN when neither class has a true sample.
    :func:`affectctl.metrics.confusion.pair_confusion_rate` for every pair at once.

    Parameters
    ----------
    cm : array-like of shape (..., K, K)
        Confusion counts, rows = true class.

    Examples
    --------
    >>> cm = [[8, 2, 0], [4, 6, 0], [0, 0, 10]]
    >>> pair_confusion_rates(cm)  # (0,1): (2+4)/(10+10)
    array([0.3, 0. , 0. ])
    """
    cm = _as_cm(cm)
    return pair_confusion_rate(cm, *pair_indices(cm.shape[-1]), on_empty="nan")


def chance_confusion_rates(cm) -> np.ndarray:
    """Confusion rate of every pair under independence of truth and prediction.

    .. math:: r^0_{ab} = \\frac{n_a q_b + n_b q_a}{n_a + n_b},
              \\qquad q_k = \\frac{\\sum_i C_{ik}}{\\sum_{ij} C_{ij}}

    the expected rate of a classifier that keeps the observed prediction shares
    ``q`` but ignores its input (the chance model of Cohen's κ). Shape
    ``(..., n_pairs)``; NaN when neither class has a true sample.

    Examples
    --------
    >>> cm = [[8, 2, 0], [4, 6, 0], [0, 0, 10]]
    >>> chance_confusion_rates(cm).round(4)  # q = (12, 8, 10)/30
    array([0.3333, 0.3667, 0.3   ])
    """
    cm = _as_cm(cm)
    a, b = pair_indices(cm.shape[-1])
    n = cm.sum(axis=-1)
    total = n.sum(axis=-1, keepdims=True)
    q = cm.sum(axis=-2) / np.where(total > 0, total, 1.0)
    num = n[..., a] * q[..., b] + n[..., b] * q[..., a]
    den = n[..., a] + n[..., b]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def _f1_from_parts(tp, row, col):
    den = row + col
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 2.0 * tp / np.where(den > 0, den, 1.0), 0.0)


def resolved_macro_f1(cm) -> np.ndarray:
    """Macro-F1 if each pair's mutual confusions were resolved, shape ``(..., n_pairs)``.

    For pair ``(a, b)`` the counts are edited as ``C'_{aa} = C_{aa} + C_{ab}``,
    ``C'_{ab} = 0``, ``C'_{bb} = C_{bb} + C_{ba}``, ``C'_{ba} = 0`` (every sample of
    one class predicted as the other becomes correct) and the macro-F1 (mean over
    all K classes of :math:`F1_k = 2C_{kk}/(n_k + \\sum_i C_{ik})`, a class with no
    true and no predicted sample counting 0, as scikit-learn's
    ``f1_score(labels=range(K), average="macro", zero_division=0)``) is recomputed.
    Only the F1 of ``a`` and ``b`` change. It is an upper bound on what separating
    the two classes could bring: the freed samples all become correct, none of
    them moves to a third class.

    Parameters
    ----------
    cm : array-like of shape (..., K, K)

    Returns
    -------
    ndarray of shape (..., n_pairs)
        Pairs in :func:`pair_indices` order.

    Examples
    --------
    >>> cm = [[8, 2, 0], [4, 6, 0], [0, 0, 10]]
    >>> float(resolved_macro_f1(cm)[0])  # pair (0, 1): every sample correct
    1.0
    """
    cm = _as_cm(cm)
    K = cm.shape[-1]
    a, b = pair_indices(K)
    row = cm.sum(axis=-1)
    col = cm.sum(axis=-2)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    f1 = f1_per_class(cm, on_empty=0.0)
    macro = f1.mean(axis=-1, keepdims=True)
    cab, cba = cm[..., a, b], cm[..., b, a]
    f1a_new = _f1_from_parts(tp[..., a] + cab, row[..., a], col[..., a] + cab - cba)
    f1b_new = _f1_from_parts(tp[..., b] + cba, row[..., b], col[..., b] + cba - cab)
    return macro + (f1a_new - f1[..., a] + f1b_new - f1[..., b]) / K
