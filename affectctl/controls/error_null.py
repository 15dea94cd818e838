"""Are errors nearer the truth than chance? A null for the mean error distance.

A model whose errors land near the true class on the circumplex (anger mistaken for
fear rather than for happiness) has a small *error distance*
(:func:`affectctl.metrics.confusion.error_distance`). But the error distance also
depends on *which* classes are confused at all: a model that only errs on anger has
its errors among anger's neighbours whatever it learned. This control keeps the
number of errors of every true class and asks where they would land by chance.

Null model
----------
For true class :math:`i` with :math:`e_i` errors, let :math:`A_i` be the set of the
other classes with a defined cost :math:`C_{ij}` (:math:`K_i = |A_i|`). Under the
null, each of the :math:`e_i` errors goes to a class drawn uniformly from
:math:`A_i`, independently, so the error counts of row :math:`i` are
:math:`\\mathrm{Multinomial}(e_i, (1/K_i, \\dots, 1/K_i))`. The statistic is the mean
error distance of the pooled confusion matrix,

.. math:: \\bar d = \\frac{\\sum_i \\sum_{j \\in A_i} n_{ij} C_{ij}}{\\sum_i e_i},

and its null mean is :math:`\\sum_i e_i \\bar C_i / \\sum_i e_i` with
:math:`\\bar C_i = K_i^{-1} \\sum_{j \\in A_i} C_{ij}`.

The p-value is one-sided, "errors are nearer the truth than chance":
:math:`p = (c + 1)/(R + 1)` with :math:`c` the number of the :math:`R` null draws
at or below the observed value (Phipson & Smyth 2010; ties within a relative tolerance
count, as in :func:`scipy.stats.permutation_test`).

Classes without a coordinate
----------------------------
A cost is undefined (NaN) when either class has no coordinate (``Other`` in
Aff-Wild2; disgust and contempt under ``russell``). Errors in such cells are **left
out** of both the observed statistic and the null, exactly as
:func:`~affectctl.metrics.confusion.error_distance` leaves them out; their number is
reported in :attr:`ErrorDistanceNull.n_excluded`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

from affectctl.errors import ConfigError, DegenerateDataWarning
from affectctl._util.validation import check_n_resamples, normalize_rng

__all__ = ["ErrorDistanceNull", "error_distance_null", "error_distance_nulls"]

#: Null values within this relative tolerance of the observed value count as ties
#: (SciPy's ``permutation_test`` uses 100 machine epsilons).
_TIE_RTOL = 100 * np.finfo(np.float64).eps
#: Replicates drawn per batch: bounds memory at about ``_BATCH * K`` int64 values per row.
_BATCH = 65536


@dataclass(frozen=True)
class ErrorDistanceNull:
    """Observed mean error distance and its null under randomly placed errors.

    Attributes
    ----------
    observed : float
        Mean error distance of the pooled confusion matrix over errors with a defined
        cost; NaN when there is no such error.
    null : ndarray of float64, shape (n_resamples,)
        Mean error distance in each null draw (errors of every true class placed
        uniformly at random among the other classes with a defined cost).
    pvalue : float
        One-sided Monte-Carlo p-value ``P(null <= observed)``, ``(c + 1)/(R + 1)``:
        small when errors are nearer the truth than chance. NaN when undefined.
    n_resamples : int
        Number of null draws R.
    seed : int or None
        Seed that reproduces the draws (``rng=seed``); None if no draw was made.
    distances : ndarray of float64, shape (m,)
        Distinct error distances of the observed errors, ascending.
    weights : ndarray of int64, shape (m,)
        Number of observed errors at each of ``distances``.
    null_distances : ndarray of float64, shape (m0,)
        Distinct distances the null can produce, ascending.
    null_weights : ndarray of float64, shape (m0,)
        Expected number of errors at each of ``null_distances`` under the null
        (analytic: class ``j`` of ``A_i`` receives ``e_i / K_i`` of true class
        ``i``'s errors); sums to ``n_errors``.
    n_errors : int
        Errors with a defined cost (the denominator of ``observed``).
    n_excluded : int
        Errors left out because the true or predicted class has no coordinate.
    null_mean : float
        Analytic mean of the null, ``sum_i e_i mean_{j in A_i} C_ij / sum_i e_i``.
    """

    observed: float
    null: np.ndarray = field(repr=False)
    pvalue: float
    n_resamples: int
    seed: int | None
    distances: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    null_distances: np.ndarray = field(repr=False)
    null_weights: np.ndarray = field(repr=False)
    n_errors: int = 0
    n_excluded: int = 0
    null_mean: float = float("nan")

    @property
    def p_value(self) -> float:
        """The p-value, named as in every affectctl record (``pvalue``: SciPy's spelling)."""
        return self.pvalue

    def to_record(self) -> dict:
        """Plain dict of the scalar fields (for JSON and tables)."""
        return {"observed": float(self.observed), "null_mean": float(self.null_mean),
                "p_value": float(self.pvalue), "n_resamples": int(self.n_resamples),
                "seed": self.seed, "n_errors": int(self.n_errors),
                "n_excluded": int(self.n_excluded)}


def _error_distance_null_iv(cm, cost, n_resamples):
    try:
        cm_f = np.asarray(cm, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"`cm` must be a square array of counts; got "
                          f"{type(cm).__name__}.") from None
    if cm_f.ndim != 2 or cm_f.shape[0] != cm_f.shape[1]:
        raise ConfigError(f"`cm` must be a square (K, K) confusion matrix; got shape {cm_f.shape}. "
                          "Pool seeds first, e.g. cms.sum(axis=0).")
    if not np.isfinite(cm_f).all() or (cm_f < 0).any() or (cm_f != np.round(cm_f)).any():
        raise ConfigError("`cm` must hold non-negative integer counts.")
    try:
        cost = np.asarray(cost, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"`cost` must be a (K, K) array of floats; got "
                          f"{type(cost).__name__}.") from None
    if cost.shape != cm_f.shape:
        raise ConfigError(f"`cost` must have the shape of `cm` {cm_f.shape}; got {cost.shape}.")
    if (cost[np.isfinite(cost)] < 0).any():
        raise ConfigError("`cost` must be non-negative where defined (NaN marks an undefined "
                          "cost).")
    return cm_f.astype(np.int64), cost, check_n_resamples(n_resamples)


def _by_distance(d: np.ndarray, w: np.ndarray, dtype) -> tuple[np.ndarray, np.ndarray]:
    """Aggregate weights ``w`` over equal distances ``d`` (zero weights dropped)."""
    keep = w > 0
    uniq, inv = np.unique(d[keep], return_inverse=True)
    return uniq, np.bincount(inv, weights=w[keep], minlength=uniq.size).astype(dtype)


def error_distance_null(cm, cost, *, n_resamples: int = 9999, rng=None) -> ErrorDistanceNull:
    """Test whether errors land nearer the true class than errors placed at random.

    Parameters
    ----------
    cm : array-like of int, shape (K, K)
        Confusion matrix (rows true, columns predicted), e.g. pooled over seeds.
    cost : array-like of float, shape (K, K)
        Distance between classes; NaN where undefined (a class without coordinate),
        e.g. :attr:`affectctl.metrics.compute.GeometryContext.cost`.
    n_resamples : int, default 9999
        Number of null draws R.
    rng : None, int or numpy.random.Generator, optional
        Source of the draws; the int seed that reproduces them is reported.

    Returns
    -------
    ErrorDistanceNull

    Warns
    -----
    DegenerateDataWarning
        When no error has a defined cost (everything is then NaN).

    Notes
    -----
    Row ``i`` of every null draw is one multinomial draw of ``e_i`` over ``K_i`` equally
    likely classes (``rng.multinomial(e_i, [1/K_i] * K_i, size=R)``), so the cost is
    O(R·K²) whatever the number of errors. Errors in cells with a NaN cost are left
    out of both the observed value and the null and counted in ``n_excluded``. See the
    module docstring for the formulas.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[0., 1., 3.], [1., 0., 2.], [3., 2., 0.]])
    >>> cm = np.array([[10, 4, 0], [0, 10, 0], [0, 0, 10]])   # 4 errors, all at distance 1
    >>> res = error_distance_null(cm, cost, n_resamples=999, rng=0)
    >>> res.observed, res.null_mean, res.n_errors
    (1.0, 2.0, 4)
    >>> bool(res.pvalue < 0.1)      # 4 errors all at the near class: P = 1/16 by chance
    True
    """
    return error_distance_nulls(cm, [cost], n_resamples=n_resamples, rng=rng, _stacklevel=4)[0]


def error_distance_nulls(cm, costs, *, n_resamples: int = 9999, rng=None,
                         _stacklevel: int = 3) -> list:
    """:func:`error_distance_null` of one confusion matrix under several cost matrices.

    Element ``k`` is exactly ``error_distance_null(cm, costs[k], n_resamples=n_resamples,
    rng=rng)`` for an int ``rng`` (each starts from the same seed), but the null
    draws are made once for every group of costs defined on the same cells: where the
    errors land does not depend on the distances, only their mean does. The geometry
    sensitivity of a comparison asks for this null under every available geometry;
    their costs are usually defined on the same cells.

    Parameters
    ----------
    cm : array-like of int, shape (K, K)
    costs : sequence of array-like of float, each shape (K, K)
    n_resamples, rng
        As :func:`error_distance_null`. A :class:`numpy.random.Generator` ``rng`` is
        used for the first group, then continues into the next; None draws a new seed
        for each group.

    Returns
    -------
    list of ErrorDistanceNull
    """
    checked = [_error_distance_null_iv(cm, cost, n_resamples) for cost in costs]
    if not checked:
        return []
    cm, _, n_resamples = checked[0]
    costs = [c for _, c, _ in checked]
    k = cm.shape[0]
    off = ~np.eye(k, dtype=bool)
    out: list = [None] * len(costs)
    groups: dict = {}                                   # defined cells -> cost indices
    for i, cost in enumerate(costs):
        groups.setdefault((np.isfinite(cost) & off).tobytes(), []).append(i)
    for members in groups.values():
        gen, seed = normalize_rng(rng)
        for i, res in zip(members, _nulls_on_cells(cm, [costs[i] for i in members], n_resamples,
                                                   gen, seed, _stacklevel)):
            out[i] = res
    return out


def _nulls_on_cells(cm, costs, n_resamples, gen, seed, stacklevel) -> list:
    """The nulls of costs defined on the same cells, from one set of draws."""
    k = cm.shape[0]
    off = ~np.eye(k, dtype=bool)
    allowed = np.isfinite(costs[0]) & off
    n_excluded = int(cm[off & ~allowed].sum())
    e = (cm * allowed).sum(axis=1)                      # errors with a defined cost, per true class
    n_errors = int(e.sum())
    rows = np.flatnonzero(e > 0)                          # every such row has K_i >= 1
    k_i = allowed.sum(axis=1)
    # analytic expected distribution: e_i / K_i errors at each C_ij, j in A_i
    exp_counts = np.divide(e[:, None] * allowed, k_i[:, None], out=np.zeros((k, k)),
                           where=k_i[:, None] > 0)
    # per cost: (distances, weights) of the observed errors, then of the null's expectation
    by_distance = [(*_by_distance(cost[allowed], cm[allowed].astype(np.float64), np.int64),
                    *_by_distance(cost[allowed], exp_counts[allowed], np.float64))
                   for cost in costs]
    if n_errors == 0:
        warnings.warn(f"error_distance_null: no error with a defined cost ({n_excluded} error(s) "
                      "left out because a class has no coordinate); the observed value, null and "
                      "p-value are NaN.", DegenerateDataWarning, stacklevel=stacklevel)
        nan = float("nan")
        return [ErrorDistanceNull(nan, np.full(n_resamples, np.nan), nan, n_resamples, seed,
                                  *spread, 0, n_excluded, nan) for spread in by_distance]

    totals = np.zeros((len(costs), n_resamples), dtype=np.float64)
    for i in rows:
        targets = np.flatnonzero(allowed[i])
        p = np.full(targets.size, 1.0 / targets.size)
        c_i = [cost[i, targets] for cost in costs]
        for start in range(0, n_resamples, _BATCH):
            stop = min(start + _BATCH, n_resamples)
            counts = gen.multinomial(int(e[i]), p, size=stop - start)   # (batch, K_i)
            if len(costs) > 1:   # cast once (int @ float casts to float64 first: same sums)
                counts = counts.astype(np.float64)
            for j, c in enumerate(c_i):
                totals[j, start:stop] += counts @ c
    out = []
    for cost, total, spread in zip(costs, totals, by_distance):
        dd = np.where(allowed, cost, 0.0)
        mean_cost = np.divide(dd.sum(axis=1), k_i, out=np.zeros(k), where=k_i > 0)
        observed = float((cm * dd).sum() / n_errors)
        null = total / n_errors
        gamma = _TIE_RTOL * max(abs(observed), float(np.nanmax(np.abs(dd))))
        c = int(np.count_nonzero(null <= observed + gamma))
        pvalue = (c + 1) / (n_resamples + 1)
        null_mean = float((e * mean_cost).sum() / n_errors)
        out.append(ErrorDistanceNull(observed, null, float(pvalue), n_resamples, seed, *spread,
                                     n_errors, n_excluded, null_mean))
    return out
