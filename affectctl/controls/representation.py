"""Representation evidence for degenerate pairs, from the embeddings stored in dumps.

A pair that no loss or reweighting separates may be inseparable *in the
representation*: the trunk maps both classes to the same region, and no
classifier head can undo that. These functions read the test embeddings a dump
carries (``emb_<i>`` columns, :attr:`affectctl.io.schema.Dump.embedding`) and measure
how separable two classes are in them.

linear-probe AUC
    ROC AUC of a cross-validated L2-penalized logistic regression on standardized
    embeddings (scikit-learn's ``StandardScaler`` + ``LogisticRegression`` objective,
    solved by :mod:`affectctl.controls.logistic`) trained to tell class ``a``
    from class ``b``; folds are grouped by video (``StratifiedGroupKFold``) when the
    dumps have a ``group`` column, so frames of one video never sit on both sides
    of a split. 0.5 = inseparable, 1 = linearly separable. The AUC is computed per
    test fold and averaged over the folds that hold both classes.
Fisher ratio
    :func:`fisher_ratio` computes
    :math:`J = (\\mu_a - \\mu_b)^\\top (\\Sigma_a + \\Sigma_b)^{-1} (\\mu_a - \\mu_b)`,
    the maximum over directions ``w`` of Fisher's criterion
    :math:`(w^\\top(\\mu_a-\\mu_b))^2 / (w^\\top(\\Sigma_a+\\Sigma_b)w)`, reached at
    :math:`w \\propto (\\Sigma_a+\\Sigma_b)^{-1}(\\mu_a-\\mu_b)` (Fisher 1936;
    Bishop 2006, §4.1.4), with class covariances (``ddof=1``) plus a ridge. In
    sample it is optimistic when the dimension is large against the class sizes
    (64 dimensions, 80 samples per class), so :func:`pair_separability` reports
    the one-dimensional ratio :math:`(m_a - m_b)^2 / (s_a^2 + s_b^2)` of the
    probe's held-out scores instead, averaged over the cross-validation folds.
Davies–Bouldin, Calinski–Harabasz
    scikit-learn's ``davies_bouldin_score`` (lower = better separated clusters;
    Davies & Bouldin 1979) and ``calinski_harabasz_score`` (higher = better;
    Caliński & Harabasz 1974), with the true classes as clusters. The issue asking
    for them (#6) cites their use by ARBEx (Wasi et al. 2023) for embedding quality
    (*unverified*).

scikit-learn (a core dependency) is imported on first use, so ``import affectctl``
stays light.

References
----------
.. [1] Fisher, R. A. (1936). The use of multiple measurements in taxonomic problems.
       Annals of Eugenics 7(2), 179–188.
.. [2] Bishop, C. M. (2006). Pattern Recognition and Machine Learning, Springer, §4.1.4.
.. [3] Davies, D. L. & Bouldin, D. W. (1979). A cluster separation measure. IEEE TPAMI
       1(2), 224–227.
.. [4] Caliński, T. & Harabasz, J. (1974). A dendrite method for cluster analysis.
       Communications in Statistics 3(1), 1–27.
.. [5] Hanley, J. A. & McNeil, B. J. (1982). The meaning and use of the area under a
       receiver operating characteristic (ROC) curve. Radiology 143(1), 29–36.
"""

from __future__ import annotations

from functools import partial

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from affectctl.errors import ConfigError
from affectctl.io.runs import RunSet, checked_conditions

__all__ = [
    "PairSeparability",
    "ClusterScores",
    "Projection",
    "fisher_ratio",
    "probe_auc",
    "pair_separability",
    "pair_seed",
    "cluster_scores",
    "project_embedding",
    "representation_table",
    "cluster_table",
]

PROJECTIONS = ("pca", "lda")


def _seed_from(rng) -> int:
    if rng is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(0, 2**32 - 1))
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)) and rng >= 0:
        return int(rng) % (2**32)
    raise ConfigError(f"`rng` must be None, an int >= 0 or a numpy.random.Generator; got {rng!r}.")


def _as_embedding(x, name="embedding") -> np.ndarray:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"`{name}` must be a 2-D array of numbers; "
                          f"got {type(x).__name__}.") from None
    if arr.ndim != 2:
        raise ConfigError(f"`{name}` must have shape (n_samples, n_dims); got shape {arr.shape}.")
    if not np.isfinite(arr).all():
        raise ConfigError(f"`{name}` must be finite; got NaN or inf.")
    return arr


def _as_labels(y, n, name="y") -> np.ndarray:
    arr = np.asarray(y)
    if arr.shape != (n,):
        raise ConfigError(f"`{name}` must have shape ({n},), one label per embedding row; "
                          f"got shape {arr.shape}.")
    return arr


# ============================================================================ results


@dataclass(frozen=True)
class PairSeparability:
    """How separable two classes are in an embedding.

    Attributes
    ----------
    n_a, n_b : int
        Samples of each class.
    auc : float
        Mean cross-validated linear-probe ROC AUC over the usable folds (NaN if none).
    auc_sd : float
        Standard deviation of the fold AUCs (``ddof=1``; NaN with < 2 folds).
    n_folds : int
        Folds whose test part held both classes.
    cv : str
        ``"StratifiedGroupKFold"`` (grouped by video) or ``"StratifiedKFold"``.
    fisher_ratio : float
        One-dimensional Fisher ratio of the probe's held-out scores (fold mean).
    davies_bouldin : float
        Of the two classes as two clusters (lower = better separated).
    calinski_harabasz : float
        Of the two classes as two clusters (higher = better separated).
    note : str
    """

    n_a: int
    n_b: int
    auc: float
    auc_sd: float
    n_folds: int
    cv: str
    fisher_ratio: float
    davies_bouldin: float
    calinski_harabasz: float
    note: str = ""

    def to_record(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ClusterScores:
    """Cluster quality of an embedding with the true classes as clusters.

    Attributes
    ----------
    davies_bouldin : float
        Lower = better separated (NaN with fewer than 2 classes).
    calinski_harabasz : float
        Higher = better separated (NaN with fewer than 2 classes).
    n_samples, n_classes : int
    """

    davies_bouldin: float
    calinski_harabasz: float
    n_samples: int
    n_classes: int


@dataclass(frozen=True, eq=False)
class Projection:
    """A 2-D projection of an embedding, for figures.

    Attributes
    ----------
    coords : ndarray of shape (n, 2)
    labels : ndarray of shape (n,)
        The class label of each row.
    method : {"pca", "lda"}
    explained : tuple of float or None
        Share of variance of each PCA axis (None for LDA).
    """

    coords: np.ndarray
    labels: np.ndarray
    method: str
    explained: tuple | None = None


# ============================================================================ functions


def fisher_ratio(x_a, x_b, *, ridge: float = 1e-6) -> float:
    """Multivariate Fisher ratio of two samples.

    .. math::

        J = (\\mu_a - \\mu_b)^\\top (\\Sigma_a + \\Sigma_b + \\lambda I)^{-1}
            (\\mu_a - \\mu_b)

    with sample means, covariances (``ddof=1``) and
    :math:`\\lambda = \\text{ridge} \\cdot \\operatorname{tr}(\\Sigma_a+\\Sigma_b)/d`.
    In one dimension :math:`J = (\\mu_a-\\mu_b)^2/(\\sigma_a^2+\\sigma_b^2)`
    (Fisher 1936; Bishop 2006, eq. 4.26).

    Parameters
    ----------
    x_a, x_b : array-like of shape (n_a, d), (n_b, d)
        Embeddings of the two classes (a 1-D array is one dimension).
    ridge : float, default 1e-6

    Returns
    -------
    float
        NaN when a class has fewer than 2 samples.

    Examples
    --------
    >>> round(fisher_ratio([[0.0], [2.0]], [[4.0], [6.0]]), 4)  # (1 - 5)^2 / (2 + 2)
    4.0
    """
    xa = np.asarray(x_a, dtype=np.float64)
    xb = np.asarray(x_b, dtype=np.float64)
    xa = xa[:, None] if xa.ndim == 1 else xa
    xb = xb[:, None] if xb.ndim == 1 else xb
    if xa.ndim != 2 or xb.ndim != 2 or xa.shape[1] != xb.shape[1]:
        raise ConfigError(f"`x_a` and `x_b` must have shapes (n_a, d) and (n_b, d); got "
                          f"{xa.shape} and {xb.shape}.")
    if xa.shape[0] < 2 or xb.shape[0] < 2:
        return float("nan")
    d = xa.shape[1]
    s = np.atleast_2d(np.cov(xa, rowvar=False)) + np.atleast_2d(np.cov(xb, rowvar=False))
    lam = ridge * float(np.trace(s)) / d if np.trace(s) > 0 else ridge
    diff = xa.mean(axis=0) - xb.mean(axis=0)
    return float(diff @ np.linalg.solve(s + lam * np.eye(d), diff))


def _cv_scores(x, y, groups, n_splits, C, rng, cache=None):
    """Held-out probe scores per fold: ``([(y_test, scores), ...], cv name, note)``.

    ``cache`` (a dict, or None) keeps the folds of each (splitter, k, seed) with the labels
    and groups they were made for; a later call with the same seed and equal labels and
    groups reuses them instead of rerunning the splitter, whose folds they equal.
    """
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    from affectctl._util.machine import single_threaded_blas
    from affectctl.controls.logistic import fit_probe

    classes = np.unique(y)
    if classes.shape[0] != 2:
        raise ConfigError(f"`y` must hold exactly two classes; got {classes.shape[0]}.")
    if isinstance(n_splits, (bool, np.bool_)) or not isinstance(n_splits, numbers.Integral) \
            or n_splits < 2:
        raise ConfigError(f"`n_splits` must be an integer >= 2; got {n_splits!r}.")
    if isinstance(C, (bool, np.bool_)) or not isinstance(C, numbers.Real) \
            or not 0 < C < float("inf"):
        raise ConfigError(f"`C` must be a positive finite number; got {C!r}.")
    yb = (y == classes[1]).astype(np.int64)
    seed = _seed_from(rng)
    if groups is not None:
        per_class = min(np.unique(groups[yb == k]).shape[0] for k in (0, 1))
        cv_name, unit = "StratifiedGroupKFold", "groups"
    else:
        per_class = int(min(np.count_nonzero(yb == 0), np.count_nonzero(yb == 1)))
        cv_name, unit = "StratifiedKFold", "samples"
    k = min(int(n_splits), per_class)
    if k < 2:
        return [], cv_name, f"a class has fewer than 2 {unit}; no cross-validation possible"
    hit = None if cache is None else cache.get((cv_name, k, seed))
    if hit is not None and np.array_equal(hit[0], yb) and (
            groups is None or np.array_equal(hit[1], groups)):
        splits = hit[2]
    else:
        if groups is not None:
            splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
            splits = list(splitter.split(x, yb, groups))
        else:
            splits = list(StratifiedKFold(n_splits=k, shuffle=True,
                                          random_state=seed).split(x, yb))
        if cache is not None:
            cache[(cv_name, k, seed)] = (yb, groups, splits)
    folds, skipped = [], 0
    with single_threaded_blas():  # ~65-column Newton steps: threads would only spin
        for tr, te in splits:  # x is finite (_as_embedding), as fit_probe requires
            if np.unique(yb[tr]).shape[0] < 2 or np.unique(yb[te]).shape[0] < 2:
                skipped += 1
                continue
            folds.append((yb[te], fit_probe(x[tr], yb[tr], x[te], C=C)))
    note = f"{skipped} fold(s) without both classes skipped" if skipped else ""
    return folds, cv_name, note


def rank_auc(y_true: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC of scores for a 0/1 label, by the Mann–Whitney rank formula.

    .. math:: \\mathrm{AUC} = \\frac{R_1 - n_1 (n_1 + 1) / 2}{n_1 n_0}

    with :math:`R_1` the sum of the positives' mid-ranks among all scores, so a tie
    between a positive and a negative counts one half, as in the trapezoidal ROC area
    of ``sklearn.metrics.roc_auc_score`` (Hanley & McNeil 1982; equality checked in the
    tests). One ``scipy.stats.rankdata`` call instead of the ROC curve and
    scikit-learn's input checks: ~50x faster per fold.
    """
    from scipy.stats import rankdata

    pos = y_true == 1
    n1 = int(np.count_nonzero(pos))
    n0 = y_true.shape[0] - n1
    r1 = float(rankdata(scores)[pos].sum())
    return (r1 - n1 * (n1 + 1) / 2.0) / (n1 * n0)


def _fold_auc(folds):
    aucs = [rank_auc(yt, s) for yt, s in folds]
    if not aucs:
        return float("nan"), float("nan")
    return float(np.mean(aucs)), (float(np.std(aucs, ddof=1)) if len(aucs) > 1 else float("nan"))


def _fold_fisher(folds):
    vals = [fisher_ratio(s[yt == 0], s[yt == 1]) for yt, s in folds]
    vals = [v for v in vals if np.isfinite(v)]
    return float(np.mean(vals)) if vals else float("nan")


def probe_auc(x, y, *, groups=None, n_splits: int = 5, C: float = 1.0, rng=None) -> tuple:
    """Cross-validated ROC AUC of a linear probe on a two-class problem.

    Parameters
    ----------
    x : array-like of shape (n, d)
    y : array-like of shape (n,)
        Two distinct labels; the larger one is the positive class (the AUC of a
        two-class problem does not depend on that choice beyond ``1 - AUC``
        symmetry, and a trained probe orients itself).
    groups : array-like of shape (n,), optional
        Video (or subject) of each row: folds never split a group
        (``StratifiedGroupKFold``). Without it, ``StratifiedKFold``.
    n_splits : int, default 5
        Lowered to the number of samples (or groups) of the smaller class when
        that is fewer; with fewer than 2 the AUC is NaN.
    C : float, default 1.0
        Inverse L2 penalty of the logistic regression on standardized inputs
        (scikit-learn's ``LogisticRegression`` objective, unpenalized intercept;
        solved by :func:`affectctl.controls.logistic.fit_probe`).
    rng : None, int >= 0 or numpy.random.Generator
        Shuffles the folds.

    Returns
    -------
    (auc, auc_sd, n_folds, cv, note)
        Mean and standard deviation (``ddof=1``) of the per-fold AUCs over the
        folds whose test part holds both classes; their number; the splitter's
        name; what was skipped.
    """
    x = _as_embedding(x, "x")
    y = _as_labels(y, x.shape[0])
    g = None if groups is None else _as_labels(groups, x.shape[0], "groups")
    folds, cv_name, note = _cv_scores(x, y, g, n_splits, C, rng)
    if not folds:
        return float("nan"), float("nan"), 0, cv_name, note or "no usable fold"
    auc, sd = _fold_auc(folds)
    return auc, sd, len(folds), cv_name, note


def pair_separability(embedding, y, a, b, *, groups=None, n_splits: int = 5, C: float = 1.0,
                      rng=None) -> PairSeparability:
    """Linear-probe AUC, held-out Fisher ratio and two-cluster scores of classes ``a`` and ``b``.

    Parameters
    ----------
    embedding : array-like of shape (n, d)
    y : array-like of shape (n,)
        Class of each row (other classes and -1 are ignored).
    a, b : label
        The two classes.
    groups : array-like of shape (n,), optional
        Video of each row, for grouped cross-validation (:func:`probe_auc`).
    n_splits : int, default 5
    C : float, default 1.0
    rng : None, int >= 0 or numpy.random.Generator

    Returns
    -------
    PairSeparability
        ``auc`` as :func:`probe_auc`; ``fisher_ratio`` is the one-dimensional
        :func:`fisher_ratio` of the probe's **held-out** scores, averaged over the
        same folds (the in-sample multivariate ratio overfits when the embedding
        dimension is large against the class sizes, so it is not used here);
        ``davies_bouldin`` and ``calinski_harabasz`` treat the two classes as two
        clusters of the full embedding.
    """
    return _pair_separability(embedding, y, a, b, groups, n_splits, C, rng, None)


def two_cluster_scores(x: np.ndarray, lab: np.ndarray) -> tuple:
    r"""Davies–Bouldin and Calinski–Harabasz scores of two clusters (``lab`` 0/1, both
    present; ``x`` finite), as :func:`sklearn.metrics.davies_bouldin_score` and
    :func:`~sklearn.metrics.calinski_harabasz_score` define them.

    With centroids :math:`c_k`, mean distances :math:`s_k = \overline{\lVert x - c_k\rVert}`
    over cluster :math:`k` and :math:`d = \lVert c_0 - c_1\rVert`, Davies–Bouldin (1979)
    is :math:`(s_0 + s_1)/d` for two clusters (0 when both :math:`s_k` or :math:`d` are
    0 within ``numpy.isclose``, as in scikit-learn); Calinski–Harabasz (1974) is
    :math:`\frac{B}{W}\,\frac{n - 2}{2 - 1}` with :math:`B = \sum_k n_k \lVert c_k -
    \bar x\rVert^2` and :math:`W = \sum_k \sum_{x \in k} \lVert x - c_k\rVert^2` (1 when
    :math:`W = 0`). scikit-learn's functions took 4 ms a call, most of it their label
    encoding and pairwise-distance set-up, over the ~200 pairs of a diagnosis (0.4 s of
    its 6 s of analysis on one core); ``tests/controls/test_representation.py`` checks
    these against them.
    """
    n = x.shape[0]
    parts = [x[lab == k] for k in (0, 1)]
    cents = [p.mean(axis=0) for p in parts]
    intra = [float(np.sqrt(((p - c) ** 2).sum(axis=1)).mean()) for p, c in zip(parts, cents)]
    d = float(np.sqrt(((cents[0] - cents[1]) ** 2).sum()))
    if np.allclose(intra, 0.0) or np.isclose(d, 0.0):
        db = 0.0
    else:
        db = (intra[0] + intra[1]) / d
    mean = x.mean(axis=0)
    extra = sum(p.shape[0] * float(((c - mean) ** 2).sum()) for p, c in zip(parts, cents))
    within = sum(float(((p - c) ** 2).sum()) for p, c in zip(parts, cents))
    ch = 1.0 if within == 0.0 else extra * (n - 2) / (within * (2 - 1.0))
    return float(db), float(ch)


def _pair_separability(embedding, y, a, b, groups, n_splits, C, rng, cache):
    x = _as_embedding(embedding)
    y = _as_labels(y, x.shape[0])
    sel = (y == a) | (y == b)
    xs, ys = x[sel], y[sel]
    gs = None if groups is None else _as_labels(groups, x.shape[0], "groups")[sel]
    n_a, n_b = int(np.count_nonzero(ys == a)), int(np.count_nonzero(ys == b))
    if n_a < 2 or n_b < 2:
        return PairSeparability(n_a, n_b, float("nan"), float("nan"), 0, "none", float("nan"),
                                float("nan"), float("nan"), "a class has fewer than 2 samples")
    folds, cv, note = _cv_scores(xs, ys, gs, n_splits, C, rng, cache)
    auc, sd = _fold_auc(folds) if folds else (float("nan"), float("nan"))
    lab = (ys == b).astype(np.int64)
    db, ch = two_cluster_scores(xs, lab)
    return PairSeparability(n_a, n_b, auc, sd, len(folds), cv, _fold_fisher(folds), db, ch,
                            note or ("" if folds else "no usable fold"))


def cluster_scores(embedding, labels) -> ClusterScores:
    """Davies–Bouldin and Calinski–Harabasz scores with the given labels as clusters.

    Rows with a negative label (not annotated) are left out.

    Parameters
    ----------
    embedding : array-like of shape (n, d)
    labels : array-like of int, shape (n,)

    Returns
    -------
    ClusterScores
    """
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    x = _as_embedding(embedding)
    y = _as_labels(labels, x.shape[0], "labels")
    keep = np.asarray(y).astype(np.int64) >= 0
    x, y = x[keep], y[keep]
    k = np.unique(y).shape[0]
    if k < 2 or k >= x.shape[0]:
        return ClusterScores(float("nan"), float("nan"), int(x.shape[0]), int(k))
    return ClusterScores(float(davies_bouldin_score(x, y)), float(calinski_harabasz_score(x, y)),
                         int(x.shape[0]), int(k))


def project_embedding(embedding, y, *, method: str = "pca") -> Projection:
    """Project an embedding to 2-D for a figure.

    Parameters
    ----------
    embedding : array-like of shape (n, d)
    y : array-like of shape (n,)
        Class of each row; rows with a negative label are dropped.
    method : {"pca", "lda"}, default "pca"
        ``"pca"``: the two leading principal axes of the centred embedding (SVD);
        ``"lda"``: scikit-learn's ``LinearDiscriminantAnalysis(n_components=2)``,
        the two directions that best separate the classes (needs >= 3 classes).

    Returns
    -------
    Projection
    """
    if method not in PROJECTIONS:
        raise ConfigError(f"`method` must be one of {{'pca', 'lda'}}; got {method!r}.")
    x = _as_embedding(embedding)
    y = _as_labels(y, x.shape[0])
    keep = np.asarray(y).astype(np.int64) >= 0
    x, y = x[keep], y[keep]
    if method == "pca":
        xc = x - x.mean(axis=0)
        _, s, vt = np.linalg.svd(xc, full_matrices=False)
        comps = vt[:2]
        coords = xc @ comps.T
        if coords.shape[1] < 2:
            coords = np.column_stack([coords, np.zeros(coords.shape[0])])
        var = s**2
        explained = tuple(float(v) for v in (var[:2] / var.sum() if var.sum() > 0 else var[:2]))
        return Projection(coords, y, "pca", explained)
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    if np.unique(y).shape[0] < 3:
        raise ConfigError(f"`method='lda'` needs at least 3 classes for 2 axes; got "
                          f"{np.unique(y).shape[0]}. Use method='pca'.")
    coords = LinearDiscriminantAnalysis(n_components=2).fit_transform(x, y)
    return Projection(coords, y, "lda", None)


# ============================================================================ run sets


def _runs_iv(runs, conditions, seeds):
    conditions = tuple(checked_conditions(runs, conditions))
    out = []
    for c in conditions:
        for s in (runs.seeds(c) if seeds is None else seeds):
            dump = runs.dump(c, s)
            if dump.embedding is None:
                raise ConfigError(f"{dump.source}: no embedding (emb_<i> columns); representation "
                                  "evidence needs one in every dump.")
            out.append((c, s, dump))
    return out


def pair_seed(seed: int, a: int, b: int) -> int:
    """The fold seed of pair {a, b} under ``seed``: the first word of
    ``numpy.random.SeedSequence([seed, min(a, b), max(a, b)])`` (order-free)."""
    lo, hi = sorted((int(a), int(b)))
    return int(np.random.SeedSequence([int(seed), lo, hi]).generate_state(1, np.uint32)[0])


def representation_table(runs: RunSet, pairs, *, conditions=None, seeds=None, n_splits: int = 5,
                         rng=None) -> pd.DataFrame:
    """:func:`pair_separability` of the given class pairs in every run.

    Parameters
    ----------
    runs : RunSet
        Every dump must carry an embedding.
    pairs : sequence of (int, int)
        0-based class positions.
    conditions : sequence of str, optional
        Default every condition.
    seeds : sequence of int, optional
        Default every seed of each condition.
    n_splits : int, default 5
    rng : None, int >= 0 or numpy.random.Generator
        One seed is drawn; each pair's folds are shuffled by a seed derived from it
        and the pair (:func:`pair_seed`), so every run of a pair is cross-validated
        on the same folds when the runs share their test samples (as paired runs
        do): the probe AUCs of two conditions then differ by their embeddings, not by
        their folds, and the folds are computed once per pair.

    Returns
    -------
    DataFrame
        ``condition, seed, a, b, a_index, b_index, n_a, n_b, probe_auc, probe_auc_sd,
        n_folds, cv, fisher_ratio, davies_bouldin, calinski_harabasz, note``.
    """
    from affectctl._util.forked import run_forked
    from affectctl._util.machine import single_threaded_blas

    jobs = _runs_iv(runs, conditions, seeds)
    base = _seed_from(rng)
    names = runs.taxonomy.classes
    cache: dict = {}     # the folds of a pair, computed once per process

    def probes(c, s, dump) -> list:
        rows = []
        for a, b in pairs:
            sep = _pair_separability(dump.embedding, dump.y_true, int(a), int(b),
                                     groups=dump.group, n_splits=n_splits, C=1.0,
                                     rng=pair_seed(base, int(a), int(b)), cache=cache)
            rows.append({"condition": c, "seed": s, "a": names[a], "b": names[b], "a_index": int(a),
                         "b_index": int(b), "n_a": sep.n_a, "n_b": sep.n_b, "probe_auc": sep.auc,
                         "probe_auc_sd": sep.auc_sd, "n_folds": sep.n_folds, "cv": sep.cv,
                         "fisher_ratio": sep.fisher_ratio, "davies_bouldin": sep.davies_bouldin,
                         "calinski_harabasz": sep.calinski_harabasz, "note": sep.note})
        return rows

    # one task per run on every usable core; the folds depend on the pair and seed only, so
    # the rows are those of one process (~65-column Newton steps: one BLAS thread each)
    with single_threaded_blas():
        per_run = run_forked([partial(probes, c, s, dump) for c, s, dump in jobs])
    rows = [row for run_rows in per_run for row in run_rows]
    return pd.DataFrame(rows, columns=["condition", "seed", "a", "b", "a_index", "b_index", "n_a",
                                       "n_b", "probe_auc", "probe_auc_sd", "n_folds", "cv",
                                       "fisher_ratio", "davies_bouldin", "calinski_harabasz",
                                       "note"])


def cluster_table(runs: RunSet, *, conditions=None, seeds=None) -> pd.DataFrame:
    """:func:`cluster_scores` of every run: ``condition, seed, davies_bouldin,
    calinski_harabasz, n_samples, n_classes``."""
    rows = []
    for c, s, dump in _runs_iv(runs, conditions, seeds):
        cs = cluster_scores(dump.embedding, dump.y_true)
        rows.append({"condition": c, "seed": s, **cs.__dict__})
    return pd.DataFrame(rows, columns=["condition", "seed", "davies_bouldin", "calinski_harabasz",
                                       "n_samples", "n_classes"])
