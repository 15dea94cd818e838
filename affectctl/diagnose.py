"""Rare-pair degeneracy diagnostics: which class pairs stay confused whatever the training does.

The study behind affectctl found that rare classes fail because they are
*degenerate*: they sit close together on the valence–arousal (VA) circumplex and
are confused with each other under every loss, cost and reweighting tried
(anger–fear on Aff-Wild2, anger–contempt on AffectNet; arXiv:2606.15763).
:func:`diagnose` turns that finding into a check any run set can be put through:

1. **Pair table.** For every unordered class pair ``(a, b)`` and every run: the
   support of both classes, the symmetric confusion rate, the rate a classifier
   with the same prediction shares but blind to the input would reach (*chance*),
   the VA distance of the class coordinates and, when the dumps carry VA
   annotations, the overlap of the two classes' VA distributions.
2. **Persistence.** For every pair and every intervention, the paired change of the
   pair's confusion rate against the baseline over seeds, with exact one-sided
   Wilcoxon and sign-flip tests (:mod:`affectctl.stats.seeds`) and effect sizes.
3. **Verdict.** A pair is *degenerate* when it is heavily confused under the
   baseline, close on the circumplex, and no intervention resolved it
   (:class:`DegeneracyThresholds` states every threshold).
4. **Cost.** The macro-F1 that resolving the pair's mutual confusions would give
   (an upper bound) and the gain over the actual macro-F1.
5. **Representation** (optional, dumps with ``emb_<i>`` columns): linear-probe AUC,
   Fisher ratio and cluster scores (:mod:`affectctl.controls.representation`).

Definitions
-----------
With ``C`` the confusion matrix of one run (rows true, columns predicted), ``n_k``
the row sums (support), ``N = sum(n)`` and ``q_k = (sum_i C_ik) / N`` the share of
predictions that are class ``k``:

confusion rate
    :math:`r_{ab} = (C_{ab} + C_{ba}) / (n_a + n_b)`, the share of the two classes'
    samples predicted as the other class of the pair
    (:func:`affectctl.metrics.confusion.pair_confusion_rate`).
chance rate
    :math:`r^0_{ab} = (n_a q_b + n_b q_a) / (n_a + n_b)`, the expected rate of a
    classifier whose predictions have the same class shares but are independent of
    the input (the expectation under independence of true and predicted labels
    used by Cohen's κ, Cohen 1960). ``lift = mean r / mean r^0`` over seeds.
VA distance
    Euclidean distance of the class coordinates of the geometry
    (:mod:`affectctl.circumplex`); ``geometry="data"`` uses the per-class mean of the
    dumps' own ``v_true, a_true``.
VA overlap
    Bhattacharyya coefficient of 2-D Gaussians fitted to the two classes' VA
    annotations (:func:`bhattacharyya_coefficient`): 1 for identical
    distributions, → 0 for disjoint ones.
resolved macro-F1
    The macro-F1 after moving ``C[a, b]`` to ``C[a, a]`` and ``C[b, a]`` to
    ``C[b, b]`` (:func:`resolved_macro_f1`): every mutual confusion of the pair
    becomes correct. An upper bound on what separating the pair could bring.

References
----------
.. [1] Bhattacharyya, A. (1943). On a measure of divergence between two statistical
       populations defined by their probability distributions. Bull. Calcutta Math.
       Soc. 35, 99–109.
.. [2] Fukunaga, K. (1990). Introduction to Statistical Pattern Recognition, 2nd ed.,
       Academic Press, eq. (3.152) (Bhattacharyya distance of two normal densities).
.. [3] Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational
       and Psychological Measurement 20(1), 37–46.
.. [4] Holm, S. (1979). A simple sequentially rejective multiple test procedure.
       Scandinavian Journal of Statistics 6(2), 65–70.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ._json import plain
from .errors import ConfigError, DegenerateDataWarning
from .metrics.confusion import confusion_matrix, f1_per_class
from .metrics.registry import geometry_choice, geometry_context, resolve_geometry
from .io.runs import RunSet, check_paired

__all__ = [
    "DegeneracyThresholds",
    "DiagnosisResult",
    "STATUSES",
    "diagnose",
    "pair_table",
    "pair_indices",
    "pair_confusion_rates",
    "chance_confusion_rates",
    "resolved_macro_f1",
    "bhattacharyya_coefficient",
    "va_overlap_coefficient",
]

#: Verdicts of a pair, in the order they are checked (the first that applies wins).
STATUSES = {
    "low-support": "a class of the pair has too few samples to judge",
    "not-confused": "the baseline does not confuse the pair heavily",
    "fixed": "an intervention resolved the pair's confusion",
    "no-coordinate": "a class of the pair has no coordinate in the geometry",
    "not-close": "the pair is not close on the circumplex",
    "candidate": "heavily confused and close, but no intervention was given to test persistence",
    "degenerate": "heavily confused, close on the circumplex, and no intervention resolved it",
}

_FLAGGED = ("degenerate", "candidate")
#: Relative changes of a pair's confusion rate within this of 0 are no change (float noise).
_NO_CHANGE = 1e-9
_CORRECTIONS = ("holm", "fdr_bh", "bonferroni", "none")


# ============================================================================ thresholds


@dataclass(frozen=True)
class DegeneracyThresholds:
    """Every threshold of the degeneracy verdict, with documented defaults.

    A pair ``(a, b)`` is **degenerate** when all of the following hold, evaluated on
    the baseline's seed means:

    * *enough support*: both classes have at least ``min_support`` true samples
      per seed on average;
    * *heavily confused*: confusion rate ``r >= min_confusion_rate`` **and**
      ``lift = r / r^0 >= min_lift`` (chance rate ``r^0``, module docstring);
    * *close on the circumplex*: VA distance ``<= max_va_distance`` **or**
      ``<=`` the ``va_distance_quantile`` quantile of all defined pair distances
      of the taxonomy (whichever are set; at least one must be);
    * *persistent*: no intervention *resolved* it (below).

    An intervention **resolved** the pair when its confusion fell *significantly or
    substantially* and the fall did not come from losing the pair's samples to
    other classes:

    * significantly: one-sided exact Wilcoxon signed-rank p (intervention < baseline,
      over seeds), adjusted with ``correction`` over the interventions tried on
      that pair, is ``< alpha``; or
    * substantially: the mean rate fell by at least ``min_relative_reduction`` of
      the baseline's **and** it fell in at least ``min_seed_share`` of the seeds;
    * and at least ``min_resolved_share`` of the confusions removed became correct
      predictions: the pair accuracy :math:`(C_{aa} + C_{bb})/(n_a + n_b)` rose by at
      least that share of the fall of the rate (same denominator). A rate that falls
      because the pair's samples now go to a third class is *displaced*, not
      resolved (``resolved_share`` near 0).

    Attributes
    ----------
    min_confusion_rate : float, default 0.10
        One in ten of the pair's samples lands on the other class of the pair.
    min_lift : float, default 2.0
        At least twice the chance rate, so that two frequent classes that absorb
        many predictions are not called degenerate for that alone.
    min_support : float, default 10
        Mean true samples per seed of each class; below it a rate is too noisy to judge.
    va_distance_quantile : float or None, default 0.25
        Close = among the closest quarter of the taxonomy's class pairs. A
        quantile is scale-free, so the same default works for ``nrc-vad`` (on
        [-1, 1]^2), ``russell`` (unit circle) and ``data`` geometries.
    max_va_distance : float or None, default None
        An absolute distance in the geometry's units, as an alternative (OR) to
        the quantile. ``None`` = not used.
    alpha : float, default 0.05
        Level of the adjusted one-sided test.
    correction : {'holm', 'fdr_bh', 'bonferroni', 'none'}, default 'holm'
        Adjustment over the interventions tried on one pair (the family behind the
        question "did any intervention fix this pair?").
    min_relative_reduction : float, default 0.25
        "Substantially": a quarter of the pair's confusions gone.
    min_seed_share : float, default 0.8
        Share of seeds whose rate fell (4 of 5 seeds): a guard against one lucky
        seed carrying the mean. Not a significance claim (the one-sided sign test of
        4/5 seeds has p = 6/32 = 0.19).
    min_resolved_share : float, default 0.5
        ``resolved_share = Δ pair accuracy / (−Δ rate)``, clipped to [0, 1], must reach
        this: at least half of the removed confusions became correct (1 when all did,
        as in the upper bound of :func:`resolved_macro_f1`; 0 when all moved to other
        classes, or when the pair's accuracy fell).

    Notes
    -----
    **What "significantly" can mean with 5 seeds.** The smallest exact two-sided
    Wilcoxon p with 5 seeds is 2/32 = 0.0625 > 0.05, so a two-sided test can never
    reject. A reduction is a directional question, so the tests here are one-sided
    (smallest p = 1/32 = 0.03125, reached when the rate falls in all 5 seeds). But
    any adjustment over m >= 2 interventions lifts the smallest adjusted p to
    m/32 (Holm), e.g. 0.1875 with 6 interventions, above any usual ``alpha``. With
    few seeds, "substantially" (a large, seed-consistent relative fall) is
    therefore the operative criterion; :attr:`DiagnosisResult.notes` says so when
    the adjusted test cannot reach ``alpha``. With more seeds the test becomes
    operative by itself, and either criterion suffices.
    """

    min_confusion_rate: float = 0.10
    min_lift: float = 2.0
    min_support: float = 10.0
    va_distance_quantile: float | None = 0.25
    max_va_distance: float | None = None
    alpha: float = 0.05
    correction: str = "holm"
    min_relative_reduction: float = 0.25
    min_seed_share: float = 0.8
    min_resolved_share: float = 0.5

    def __post_init__(self):
        _check_number("min_confusion_rate", self.min_confusion_rate, 0.0, 1.0)
        _check_number("min_lift", self.min_lift, 0.0, math.inf)
        _check_number("min_support", self.min_support, 0.0, math.inf)
        if self.va_distance_quantile is not None:
            _check_number("va_distance_quantile", self.va_distance_quantile, 0.0, 1.0)
        if self.max_va_distance is not None:
            _check_number("max_va_distance", self.max_va_distance, 0.0, math.inf)
        if self.va_distance_quantile is None and self.max_va_distance is None:
            raise ConfigError("`va_distance_quantile` and `max_va_distance` cannot both be None; "
                              "set at least one to define 'close on the circumplex'.")
        _check_number("alpha", self.alpha, 0.0, 1.0, open_=True)
        if not isinstance(self.correction, str) or self.correction not in _CORRECTIONS:
            raise ConfigError(f"`correction` must be one of {_fmt(_CORRECTIONS)}; "
                              f"got {self.correction!r}.")
        _check_number("min_relative_reduction", self.min_relative_reduction, 0.0, 1.0)
        _check_number("min_seed_share", self.min_seed_share, 0.0, 1.0)
        _check_number("min_resolved_share", self.min_resolved_share, 0.0, 1.0)

    def to_record(self) -> dict:
        return asdict(self)


def _fmt(allowed) -> str:
    return "{" + ", ".join(repr(a) for a in allowed) + "}"


def _check_number(name, value, lo, hi, *, open_=False):
    ok = (isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
          and math.isfinite(float(value)))
    if ok:
        v = float(value)
        ok = (lo < v < hi) if open_ else (lo <= v <= hi)
    if not ok:
        rng = f"({lo:g}, {hi:g})" if open_ else f"[{lo:g}, {hi:g}]"
        raise ConfigError(f"`{name}` must be a number in {rng}; got {value!r}.")


# ============================================================================ array functions


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
    a, b = pair_indices(cm.shape[-1])
    n = cm.sum(axis=-1)
    num = cm[..., a, b] + cm[..., b, a]
    den = n[..., a] + n[..., b]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


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


def bhattacharyya_coefficient(mean_a, cov_a, mean_b, cov_b) -> float:
    """Bhattacharyya coefficient of two multivariate normal densities.

    .. math::

        BC = e^{-D_B}, \\qquad
        D_B = \\tfrac18 (\\mu_a - \\mu_b)^\\top \\Sigma^{-1} (\\mu_a - \\mu_b)
              + \\tfrac12 \\ln \\frac{\\det \\Sigma}{\\sqrt{\\det\\Sigma_a \\det\\Sigma_b}},
        \\qquad \\Sigma = \\frac{\\Sigma_a + \\Sigma_b}{2}

    (Bhattacharyya 1943; Fukunaga 1990, eq. 3.152). ``BC = ∫ sqrt(p_a p_b)`` is 1 for
    identical densities and falls towards 0 as they separate.

    Parameters
    ----------
    mean_a, mean_b : array-like of shape (d,)
    cov_a, cov_b : array-like of shape (d, d)
        Symmetric positive definite.

    Returns
    -------
    float in (0, 1]

    Examples
    --------
    >>> bhattacharyya_coefficient([0, 0], [[1, 0], [0, 1]], [0, 0], [[1, 0], [0, 1]])
    1.0
    """
    ma, mb = (np.atleast_1d(np.asarray(m, dtype=np.float64)) for m in (mean_a, mean_b))
    sa, sb = (np.atleast_2d(np.asarray(s, dtype=np.float64)) for s in (cov_a, cov_b))
    d = ma.shape[0]
    if mb.shape != (d,) or sa.shape != (d, d) or sb.shape != (d, d):
        raise ConfigError(f"`mean_a`, `mean_b` must have shape (d,) and `cov_a`, `cov_b` shape "
                          f"(d, d); got {ma.shape}, {mb.shape}, {sa.shape}, {sb.shape}.")
    s = (sa + sb) / 2.0
    _, logdet = np.linalg.slogdet(s)
    sign_a, logdet_a = np.linalg.slogdet(sa)
    sign_b, logdet_b = np.linalg.slogdet(sb)
    sign, _ = np.linalg.slogdet(s)
    if min(sign, sign_a, sign_b) <= 0:
        raise ConfigError("`cov_a` and `cov_b` must be positive definite.")
    diff = ma - mb
    maha = float(diff @ np.linalg.solve(s, diff))
    db = maha / 8.0 + 0.5 * (logdet - 0.5 * (logdet_a + logdet_b))
    return float(min(1.0, math.exp(-db)))


def va_overlap_coefficient(va_a, va_b, *, min_samples: int = 3, ridge: float = 1e-6) -> float:
    """Overlap of two classes' VA annotations: Bhattacharyya coefficient of fitted Gaussians.

    Each class's annotations are summarised by their mean and covariance
    (``ddof=1``) plus ``ridge · I`` (annotations clipped to the edge of [-1, 1] can
    make a covariance singular); the coefficient is :func:`bhattacharyya_coefficient`.
    A parametric summary: two classes with the same mean and covariance but
    different shapes read as fully overlapping.

    Parameters
    ----------
    va_a, va_b : array-like of shape (n, 2)
        Valence and arousal of the samples of each class; rows with NaN are dropped.
    min_samples : int, default 3
        Fewer rows in a class give NaN.
    ridge : float, default 1e-6

    Returns
    -------
    float in (0, 1], or NaN
    """
    parts = []
    for x in (va_a, va_b):
        x = np.asarray(x, dtype=np.float64).reshape(-1, 2)
        x = x[np.isfinite(x).all(axis=1)]
        if x.shape[0] < min_samples:
            return float("nan")
        parts.append((x.mean(axis=0), np.cov(x, rowvar=False) + ridge * np.eye(2)))
    (ma, sa), (mb, sb) = parts
    return bhattacharyya_coefficient(ma, sa, mb, sb)


# ============================================================================ run-level tables


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
    if not isinstance(runs, RunSet):
        raise ConfigError("`runs` must be a RunSet (affectctl.io.runs.load_runs); "
                          f"got {type(runs).__name__}.")
    conditions = list(runs.conditions if conditions is None else conditions)
    for c in conditions:
        if c not in runs.conditions:
            raise ConfigError(f"`conditions` must be among {_fmt(runs.conditions)}; got {c!r}.")
    frames = []
    for c in conditions:
        seeds = runs.seeds(c)
        _, dist, overlap = _seed_geometry(runs, c, seeds, geometry)
        frames.append(_per_seed_frame(runs, c, seeds, _confusions(runs, c, seeds), dist, overlap))
    return pd.concat(frames, ignore_index=True)


# ============================================================================ result


@dataclass(frozen=True, eq=False)
class DiagnosisResult:
    """Outcome of :func:`diagnose`.

    Attributes
    ----------
    baseline : str
    interventions : tuple of str
    taxonomy : str
    classes : tuple of str
    geometry : str
        Name of the geometry used for VA distances.
    coords : ndarray of shape (K, 2)
        Class coordinates (mean over the baseline's seeds; NaN rows for classes
        without coordinate), for figures.
    seeds : tuple of int
        Seeds common to the baseline and every intervention.
    thresholds : DegeneracyThresholds
    va_distance_threshold : float
        The distance under which a pair counts as close (the larger of the quantile
        and ``max_va_distance`` that are set).
    pairs : DataFrame
        One row per pair **in rank order**: flagged pairs (``degenerate`` then
        ``candidate``) first, by macro-F1 gain if resolved; then the others by
        baseline confusion rate. Columns: ``rank, a, b, a_index, b_index,
        degenerate, status, reason, support_a, support_b, confusion_rate,
        confusion_rate_sd, chance_rate, lift, va_distance, va_overlap, va_separation_sd, macro_f1,
        macro_f1_resolved, macro_f1_gain, gap_share, f1_a, f1_b, heavily_confused,
        close, fixed_by, best_intervention, best_relative_change, best_p_adj,
        min_rate_condition, min_rate`` and, with embeddings, ``probe_auc,
        fisher_ratio`` (baseline means) and ``probe_auc_max, probe_auc_max_condition``.
        ``gap_share = macro_f1_gain / (1 - macro_f1)``: the share of the distance to
        a perfect macro-F1 that the pair accounts for. ``va_separation_sd``: the
        distance of the two classes' annotated VA means in units of their pooled
        spread (Mahalanobis; NaN without VA annotations): closeness relative to spread.
    per_seed : DataFrame
        :func:`pair_table` for the baseline and the interventions.
    by_condition : DataFrame
        Seed means (and ``confusion_rate_sd``) per (condition, pair).
    persistence : DataFrame
        One row per (pair, intervention): ``a, b, condition, n_seeds,
        baseline_rate, rate, change, relative_change, share_seeds_reduced,
        accuracy_change, resolved_share, wilcoxon_statistic, p_wilcoxon,
        p_wilcoxon_min, p_signflip, rank_biserial, cohen_dz, ci_low, ci_high, note,
        p_corr, p_adjust, significant, substantial, resolved, fixed``
        (``resolved_share``, ``resolved``: :class:`DegeneracyThresholds`). ``change = rate - baseline_rate``
        (negative = fewer confusions); tests are one-sided (``alternative="less"``:
        the intervention's rate is lower); ``p_corr`` is ``p_wilcoxon`` adjusted
        with ``p_adjust`` over the interventions of the pair.
    representation : DataFrame or None
        :func:`affectctl.controls.representation.representation_table` for the
        flagged and fixed pairs, when every dump has embeddings.
    clusters : DataFrame or None
        Davies–Bouldin and Calinski–Harabasz scores per (condition, seed).
    notes : tuple of str
        What the reader must know to read the verdicts (unreachable significance,
        skipped evidence).
    rng_seed : int
        Seed of every random draw (sign-flip Monte Carlo, CV splits).
    geometry_choice : GeometryChoice or None
        The geometry and why it was chosen (``auto``: the data's or ``nrc-vad``).
    covariances : ndarray of shape (K, 2, 2) or None
        Per-class covariance of the truth's VA annotations (the spread that a pair's
        closeness is relative to), when the dumps carry VA; NaN for classes without.
    geometry_sensitivity : GeometrySensitivity or None
        Every pair's verdict under each available geometry
        (:func:`affectctl.geometry_sensitivity.diagnosis_sensitivity`).
    """

    baseline: str
    interventions: tuple
    taxonomy: str
    classes: tuple
    geometry: str
    coords: np.ndarray
    seeds: tuple
    thresholds: DegeneracyThresholds
    va_distance_threshold: float
    pairs: pd.DataFrame
    per_seed: pd.DataFrame
    by_condition: pd.DataFrame
    persistence: pd.DataFrame
    representation: pd.DataFrame | None = None
    clusters: pd.DataFrame | None = None
    notes: tuple = ()
    rng_seed: int = 0
    geometry_choice: object = None
    covariances: np.ndarray | None = None
    geometry_sensitivity: object = None

    @property
    def flagged(self) -> pd.DataFrame:
        """The degenerate pairs, in rank order."""
        return self.pairs[self.pairs["degenerate"]]

    def to_dict(self) -> dict:
        """JSON-ready summary: one record per pair in rank order, with its evidence.

        Each pair record holds ``rank, a, b, degenerate, status, reason``, an
        ``evidence`` mapping (baseline confusion, chance, VA distance and overlap,
        cost, representation), ``rates`` (seed-mean confusion rate per condition)
        and ``persistence`` (one record per intervention). NaN becomes ``null``.
        """
        pers = {k: g for k, g in self.persistence.groupby(["a", "b"], sort=False)}
        rates = {k: g for k, g in self.by_condition.groupby(["a", "b"], sort=False)}
        evidence_cols = [c for c in self.pairs.columns if c not in
                         ("rank", "a", "b", "degenerate", "status", "reason")]
        records = []
        for row in self.pairs.to_dict(orient="records"):
            key = (row["a"], row["b"])
            p = pers.get(key)
            r = rates.get(key)
            records.append({
                "rank": row["rank"], "a": row["a"], "b": row["b"],
                "degenerate": bool(row["degenerate"]), "status": row["status"],
                "reason": row["reason"],
                "evidence": {c: row[c] for c in evidence_cols},
                "rates": ({} if r is None else
                          dict(zip(r["condition"], r["confusion_rate"], strict=False))),
                "persistence": ([] if p is None else
                                p.drop(columns=["a", "b"]).to_dict(orient="records")),
            })
        out = {
            "baseline": self.baseline,
            "interventions": list(self.interventions),
            "taxonomy": self.taxonomy,
            "classes": list(self.classes),
            "geometry": self.geometry,
            "seeds": list(self.seeds),
            "thresholds": self.thresholds.to_record(),
            "va_distance_threshold": self.va_distance_threshold,
            "notes": list(self.notes),
            "rng_seed": self.rng_seed,
            "n_degenerate": int(self.pairs["degenerate"].sum()),
            "pairs": records,
        }
        if self.clusters is not None:
            out["clusters"] = self.clusters.to_dict(orient="records")
        if self.geometry_choice is not None:
            out["geometry_choice"] = self.geometry_choice.to_record()
        if self.covariances is not None:
            out["va_covariances"] = {c: self.covariances[k] for k, c in enumerate(self.classes)}
        if self.geometry_sensitivity is not None:
            out["geometry_sensitivity"] = self.geometry_sensitivity.to_dict()
        return plain(out, finite=True)


# ============================================================================ diagnose


def _diagnose_iv(runs, baseline, interventions, thresholds, rng, representation, n_splits):
    if not isinstance(runs, RunSet):
        raise ConfigError("`runs` must be a RunSet (affectctl.io.runs.load_runs); "
                          f"got {type(runs).__name__}.")
    conds = runs.conditions
    if not isinstance(baseline, str) or baseline not in conds:
        raise ConfigError(f"`baseline` must be one of {_fmt(conds)}; got {baseline!r}.")
    if interventions is None:
        interventions = tuple(c for c in conds if c != baseline)
    else:
        if isinstance(interventions, str):
            interventions = (interventions,)
        interventions = tuple(interventions)
        for c in interventions:
            if c not in conds or c == baseline:
                allowed = tuple(x for x in conds if x != baseline)
                raise ConfigError(f"`interventions` must be among {_fmt(allowed)} (the conditions "
                                  f"other than the baseline); got {c!r}.")
        if len(set(interventions)) != len(interventions):
            raise ConfigError("`interventions` names a condition twice; "
                              f"got {list(interventions)}.")
    if thresholds is None:
        thresholds = DegeneracyThresholds()
    elif not isinstance(thresholds, DegeneracyThresholds):
        raise ConfigError("`thresholds` must be a DegeneracyThresholds or None; "
                          f"got {type(thresholds).__name__}.")
    if rng is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    elif isinstance(rng, np.random.Generator):
        seed = int(rng.integers(0, 2**63 - 1))
    elif isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)) and rng >= 0:
        seed = int(rng)
    else:
        raise ConfigError("`rng` must be None, an int >= 0 or a numpy.random.Generator; "
                          f"got {rng!r}.")
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


def _tests(base, other, gen):
    """One-sided exact tests of ``other < base`` over seeds; dict of evidence."""
    from .stats.seeds import signflip_test, wilcoxon_test

    out = {"wilcoxon_statistic": np.nan, "p_wilcoxon": np.nan, "p_wilcoxon_min": np.nan,
           "p_signflip": np.nan, "rank_biserial": np.nan, "cohen_dz": np.nan,
           "ci_low": np.nan, "ci_high": np.nan, "note": ""}
    ok = np.isfinite(base) & np.isfinite(other)
    if ok.sum() < len(base):
        out["note"] = f"{int((~ok).sum())} seed(s) with an undefined rate (no support); not tested"
        return out
    d = other - base
    if np.all(d == 0):
        out.update(p_wilcoxon=1.0, p_signflip=1.0, p_wilcoxon_min=1.0, wilcoxon_statistic=0.0,
                   note="identical rate on every seed; no test")
        return out
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateDataWarning)
        w = wilcoxon_test(other, base, alternative="less", alpha=None)
        sf = signflip_test(other, base, alternative="less", rng=gen, alpha=None)
    out.update(wilcoxon_statistic=w.statistic, p_wilcoxon=w.pvalue, p_wilcoxon_min=w.min_pvalue,
               p_signflip=sf.pvalue, rank_biserial=w.rank_biserial, cohen_dz=w.cohen_dz,
               ci_low=w.ci_low, ci_high=w.ci_high)
    notes = [str(c.message) for c in caught if issubclass(c.category, DegenerateDataWarning)]
    if notes:
        out["note"] = " | ".join(notes)
    return out


def _persistence(per_seed, baseline, interventions, seeds, th, gen) -> pd.DataFrame:
    from .stats.correction import adjust_pvalues

    idx = ["a_index", "b_index"]
    base = per_seed[per_seed["condition"] == baseline].set_index(idx + ["seed"]).sort_index()
    rows = []
    for (ai, bi), bgrp in base.groupby(level=[0, 1], sort=True):
        b_rate = bgrp["confusion_rate"].to_numpy()
        b_acc = bgrp["pair_accuracy"].to_numpy()
        a_name, b_name = bgrp["a"].iloc[0], bgrp["b"].iloc[0]
        for c in interventions:
            g = per_seed[(per_seed["condition"] == c) & (per_seed["a_index"] == ai)
                         & (per_seed["b_index"] == bi)].sort_values("seed")
            rate = g["confusion_rate"].to_numpy()
            acc = g["pair_accuracy"].to_numpy()
            mb, mo = np.nanmean(b_rate) if np.isfinite(b_rate).any() else np.nan, \
                np.nanmean(rate) if np.isfinite(rate).any() else np.nan
            rel = (mo - mb) / mb if mb > 0 else np.nan
            row = {"a": a_name, "b": b_name, "a_index": ai, "b_index": bi, "condition": c,
                   "n_seeds": len(seeds), "baseline_rate": mb, "rate": mo, "change": mo - mb,
                   "relative_change": rel,
                   "share_seeds_reduced": float(np.mean(rate < b_rate)),
                   "accuracy_change": (np.nanmean(acc) - np.nanmean(b_acc)
                                       if np.isfinite(acc).any() and np.isfinite(b_acc).any()
                                       else np.nan)}
            # a share: clipped to [0, 1]; outside it the pair's accuracy moved for reasons other
            # than these confusions (other errors of the pair's classes came or went), and the
            # decision against min_resolved_share in (0, 1) is the same either way
            row["resolved_share"] = (float(np.clip(row["accuracy_change"] / -row["change"], 0.0, 1.0))
                                     if row["change"] < 0 and np.isfinite(row["accuracy_change"])
                                     else np.nan)
            row.update(_tests(b_rate, rate, gen))
            rows.append(row)
    cols = ["a", "b", "a_index", "b_index", "condition", "n_seeds", "baseline_rate", "rate",
            "change", "relative_change", "share_seeds_reduced", "accuracy_change",
            "resolved_share",
            "wilcoxon_statistic", "p_wilcoxon", "p_wilcoxon_min", "p_signflip", "rank_biserial",
            "cohen_dz", "ci_low", "ci_high", "note"]
    frame = pd.DataFrame(rows, columns=cols)
    if frame.empty:
        for c in ("p_corr", "p_adjust", "significant", "substantial", "resolved", "fixed"):
            frame[c] = pd.Series(dtype=object)
        return frame
    frame["p_corr"] = frame["p_wilcoxon"]
    for _, g in frame.groupby(["a_index", "b_index"], sort=False):
        p = g["p_wilcoxon"].to_numpy()
        if np.isfinite(p).sum() > 1:  # a family of one test is left as is by every method
            frame.loc[g.index, "p_corr"] = adjust_pvalues(p, method=th.correction)
    frame["p_adjust"] = th.correction
    frame["significant"] = (frame["p_corr"] < th.alpha).fillna(False).astype(bool)
    frame["substantial"] = ((-frame["relative_change"] >= th.min_relative_reduction)
                            & (frame["share_seeds_reduced"] >= th.min_seed_share)).fillna(False)
    frame["resolved"] = (frame["resolved_share"] >= th.min_resolved_share).fillna(False)
    frame["fixed"] = ((frame["significant"] | frame["substantial"]) & frame["resolved"]
                      & (frame["change"] < 0)).astype(bool)
    return frame


def _warn_empty_classes(per_seed, tax) -> None:
    """One DegenerateDataWarning naming the classes without a true sample in some run."""
    empty = {}
    for col, idx in (("n_a", "a_index"), ("n_b", "b_index")):
        z = per_seed[per_seed[col] == 0]
        for k, c, s in zip(z[idx], z["condition"], z["seed"], strict=True):
            empty.setdefault(tax.classes[k], set()).add((c, int(s)))
    if not empty:
        return
    parts = []
    for name, runs_ in empty.items():
        seeds = sorted({s for _, s in runs_})
        parts.append(f"'{name}' (seed(s) {seeds})")
    warnings.warn(f"class(es) {', '.join(parts)} have no true sample: there a pair's confusion "
                  "rate counts only its other class's samples (NaN when neither class has one; "
                  "NaN rates are left out of seed means and their pairs are not tested), and a "
                  "pair whose mean support is below `min_support` is reported as 'low-support'.",
                  DegenerateDataWarning, stacklevel=3)


def _separation_sd(means, covs, i, j) -> float:
    """Distance of two classes' VA means in units of their pooled spread (Mahalanobis).

    .. math:: \\sqrt{(\\mu_a - \\mu_b)^\\top \\Sigma^{-1} (\\mu_a - \\mu_b)},
              \\qquad \\Sigma = (\\Sigma_a + \\Sigma_b) / 2

    from the truth's VA annotations (NaN without them, or with a singular Σ). Two
    classes 0.3 apart are far for tight clouds and close for wide ones.
    """
    if means is None or covs is None:
        return float("nan")
    d = means[i] - means[j]
    s = (covs[i] + covs[j]) / 2.0
    if not (np.isfinite(d).all() and np.isfinite(s).all()) or np.linalg.det(s) <= 0:
        return float("nan")
    return float(np.sqrt(d @ np.linalg.solve(s, d)))


def _nanmean0(x):
    """Mean over axis 0 ignoring NaN; NaN (no warning) where every value is NaN."""
    x = np.asarray(x, dtype=np.float64)
    ok = np.isfinite(x)
    cnt = ok.sum(axis=0)
    tot = np.where(ok, x, 0.0).sum(axis=0)
    return np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)


def _pct(x):
    """Signed whole percent; a change that rounds to 0 (e.g. -4e-16) prints as ``0%``."""
    if not np.isfinite(x):
        return "n/a"
    v = round(100 * float(x))
    return "0%" if v == 0 else f"{v:+d}%"


def _p(x):
    return f"{x:.3g}" if np.isfinite(x) else "n/a"


def _verdicts(agg, pers, th, dist_thr, dist_label, interventions, coord_ok):
    status, reason, fixed_by, best = [], [], [], []
    pers_by = {k: g for k, g in pers.groupby(["a_index", "b_index"], sort=False)}
    for row in agg.itertuples(index=False):
        g = pers_by.get((row.a_index, row.b_index))
        fixers = g[g["fixed"]].sort_values("relative_change") if g is not None else None
        fixed_by.append("" if fixers is None else ";".join(fixers["condition"]))
        # the best intervention is the one that reduced the pair's confusion most; one that
        # made it worse (or left it, up to rounding) is never reported as "best"
        if g is not None and len(g) and (g["relative_change"] < -_NO_CHANGE).any():
            b = g.loc[g["relative_change"].idxmin()]
            best.append((b["condition"], b["relative_change"], b["p_corr"]))
        else:
            best.append((None, np.nan, np.nan))
        heavy_txt = (f"confusion {row.confusion_rate:.1%} of the pair's samples, "
                     f"{row.lift:.1f}x chance ({row.chance_rate:.1%})")
        if not (min(row.support_a, row.support_b) >= th.min_support):
            status.append("low-support")
            reason.append(f"support {row.support_a:.0f}/{row.support_b:.0f} per seed < "
                          f"{th.min_support:g}")
        elif not row.heavily_confused:
            status.append("not-confused")
            reason.append(f"{heavy_txt}; needs >= {th.min_confusion_rate:.0%} and >= "
                          f"{th.min_lift:g}x chance")
        elif fixers is not None and len(fixers):
            status.append("fixed")
            f = fixers.iloc[0]
            reason.append(f"fixed by {f['condition']}: {_pct(f['relative_change'])}, "
                          f"p={_p(f['p_wilcoxon'])} (adj. {_p(f['p_corr'])}), "
                          f"{f['share_seeds_reduced']:.0%} of seeds lower"
                          + (f"; also {', '.join(fixers['condition'].iloc[1:])}"
                             if len(fixers) > 1 else ""))
        elif not np.isfinite(row.va_distance):
            status.append("no-coordinate")
            lacking = [n for n, i in ((row.a, row.a_index), (row.b, row.b_index))
                       if not coord_ok[i]]
            reason.append(f"{heavy_txt}; no VA coordinate for {' and '.join(lacking)} in this "
                          "geometry")
        elif not row.close:
            status.append("not-close")
            reason.append(f"{heavy_txt}; VA distance {row.va_distance:.2f} > {dist_thr:.2f} "
                          f"({dist_label})")
        elif not interventions:
            status.append("candidate")
            reason.append(f"{heavy_txt}; VA distance {row.va_distance:.2f} <= {dist_thr:.2f}; "
                          "persistence untested (no intervention given)")
        else:
            status.append("degenerate")
            bc, brel, bp = best[-1]
            tail = (f"best: {bc} {_pct(brel)}, adj. p={_p(bp)}" if bc is not None
                    else "none reduced it")
            reason.append(f"{heavy_txt}; VA distance {row.va_distance:.2f} <= {dist_thr:.2f} "
                          f"({dist_label}); no intervention resolved it ({tail})")
    return status, reason, fixed_by, best


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
        from .circumplex import geometry_from_data

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
        from .stats.seeds import min_attainable_pvalue

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
        from .controls.representation import cluster_table, representation_table

        # every pair under the baseline (the table's probe columns); flagged and fixed
        # pairs also under every intervention (did any of them separate the pair?)
        focus = agg[agg["status"].isin(_FLAGGED + ("fixed",))]
        pairs = list(zip(focus["a_index"], focus["b_index"], strict=False))
        every = list(zip(agg["a_index"], agg["b_index"], strict=False))
        if every:
            parts = [representation_table(runs, every, conditions=[baseline], seeds=seeds,
                                          n_splits=n_splits, rng=gen)]
            if pairs and len(conds) > 1:
                parts.append(representation_table(runs, pairs, conditions=conds[1:], seeds=seeds,
                                                  n_splits=n_splits, rng=gen))
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
        covariances=covariances)
    if geometry_sensitivity:
        import dataclasses

        from .geometry_sensitivity import diagnosis_sensitivity

        result = dataclasses.replace(result, geometry_sensitivity=diagnosis_sensitivity(
            runs, result, choice, min_samples=geometry_min_samples, thresholds=th, rng=seed))
    return result
