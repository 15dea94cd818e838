"""Geometry permutation test: does the real circumplex beat permuted geometries?

The ``permuted`` training condition uses the circumplex cost with the classes'
coordinates shuffled, a *different* shuffle for every seed (the same multiset of cost
values, no geometry). If the circumplex's benefit comes from its geometry, the
circumplex runs should rank above the permuted runs; if any assignment of the same
cost values does as well, they should not.

Statistic and null
------------------
With per-run metric values ``r_1..r_m`` (circumplex, one per seed) and
``q_1..q_n`` (permuted, one geometry per seed), oriented so that higher is better
(``s = +1`` or ``-1`` from the metric's direction),

.. math:: T = s\\,(\\bar r - \\bar q).

Under the null hypothesis that the real geometry is just one more assignment of the
cost values, the ``m + n`` runs are exchangeable, so the null distribution of ``T``
is obtained by relabelling which ``m`` runs are "circumplex": all
``C(m + n, m)`` splits when there are at most ``max_exact`` of them (exact test),
otherwise ``n_resamples`` random splits with the ``+1`` adjustment of Phipson & Smyth
(2010), so a Monte-Carlo p-value is never 0. One-sided: ``p = P(T* >= T)``, with
null values within ``100·eps·|T|`` of ``T`` counted as ties (as SciPy's
``permutation_test``). The result also reports the *rank* of the circumplex mean
among the permuted runs (1 = better than every permuted geometry).

References
----------
Good, P. (2005). *Permutation, Parametric, and Bootstrap Tests of Hypotheses*, 3rd ed.,
Springer (two-sample permutation test).
Phipson, B. & Smyth, G. K. (2010). Permutation p-values should never be zero.
*Statistical Applications in Genetics and Molecular Biology* 9(1).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass

import numpy as np

from affectctl._util.validation import check_n_resamples, check_positive_int

__all__ = ["GeometryPermutationResult", "geometry_permutation_test", "geometry_permutation_tests"]


@dataclass(frozen=True)
class GeometryPermutationResult:
    """Outcome of :func:`geometry_permutation_test`.

    Attributes
    ----------
    statistic : float
        ``T = s (mean real - mean permuted)``, higher = the real geometry does better.
    pvalue : float
        One-sided ``P(T* >= T)``.
    rank : int
        1 + number of permuted runs strictly better than the real runs' mean.
    n_real, n_permuted : int
    real_mean, permuted_mean : float
    direction : int
        +1 when higher metric values are better, -1 when lower are.
    exact : bool
        All relabellings enumerated.
    n_resamples : int
        Relabellings used (all of them when exact).
    min_pvalue : float
        Smallest attainable p-value.
    seed : int or None
        Monte-Carlo seed (None when exact).
    """

    statistic: float
    pvalue: float
    rank: int
    n_real: int
    n_permuted: int
    real_mean: float
    permuted_mean: float
    direction: int
    exact: bool
    n_resamples: int
    min_pvalue: float
    seed: "int | None"

    @property
    def p_value(self) -> float:
        """The p-value, named as in every affectctl record (``pvalue``: SciPy's spelling)."""
        return self.pvalue

    def to_record(self) -> dict:
        return asdict(self)


def _iv(real, permuted, direction, n_resamples, max_exact):
    r = np.asarray(real, dtype=np.float64).reshape(-1)
    q = np.asarray(permuted, dtype=np.float64).reshape(-1)
    r, q = r[np.isfinite(r)], q[np.isfinite(q)]
    if r.size < 1 or q.size < 1:
        raise ValueError(f"`real` and `permuted` need at least one finite value each; got "
                         f"{r.size} and {q.size}.")
    if direction not in (1, -1):
        raise ValueError(f"`direction` must be one of {{1, -1}}; got {direction!r}.")
    check_n_resamples(n_resamples)
    check_positive_int("max_exact", max_exact)
    return r, q


def geometry_permutation_test(real, permuted, *, direction: int = 1, n_resamples: int = 9999,
                              max_exact: int = 100_000, rng=None) -> GeometryPermutationResult:
    """Rank the real geometry's runs against runs with permuted geometries.

    Parameters
    ----------
    real : array-like of shape (m,)
        Metric values of the circumplex runs (one per seed).
    permuted : array-like of shape (n,)
        Metric values of the permuted runs (one geometry per seed).
    direction : {1, -1}, default 1
        +1 when higher values are better.
    n_resamples : int, default 9999
        Random relabellings when the exact enumeration is larger than ``max_exact``.
    max_exact : int, default 100000
        Largest ``C(m + n, m)`` enumerated exactly.
    rng : int or numpy Generator, optional
        Seed of the Monte-Carlo relabellings.

    Returns
    -------
    GeometryPermutationResult

    Examples
    --------
    >>> res = geometry_permutation_test([0.8, 0.82, 0.81], [0.7, 0.72, 0.71])
    >>> res.rank, round(res.pvalue, 4)   # exact: 1 of C(6, 3) = 20 splits
    (1, 0.05)
    """
    r, q = _iv(real, permuted, direction, n_resamples, max_exact)
    m, n = r.size, q.size
    pooled = np.concatenate([r, q]) * direction
    total = pooled.sum()

    def stat(sum_real):
        return sum_real / m - (total - sum_real) / n

    observed = stat(pooled[:m].sum())
    n_splits = math.comb(m + n, m)
    seed = None
    if n_splits <= max_exact:
        sums = np.array([pooled[list(c)].sum() for c in itertools.combinations(range(m + n), m)])
        null = stat(sums)
        exact, used, adjust = True, n_splits, 0
    else:
        gen = np.random.default_rng(rng)
        seed = rng if isinstance(rng, (int, np.integer)) else None
        keys = gen.random((n_resamples, m + n))
        idx = np.argpartition(keys, m - 1, axis=1)[:, :m]
        null = stat(pooled[idx].sum(1))
        exact, used, adjust = False, n_resamples, 1
    tol = 100 * np.finfo(np.float64).eps * max(abs(observed), 1e-300)
    count = int((null >= observed - tol).sum())
    pvalue = (count + adjust) / (used + adjust)
    rank = 1 + int((q * direction > r.mean() * direction).sum())
    return GeometryPermutationResult(
        statistic=float(observed), pvalue=float(pvalue), rank=rank, n_real=m, n_permuted=n,
        real_mean=float(r.mean()), permuted_mean=float(q.mean()), direction=int(direction),
        exact=exact, n_resamples=int(used), min_pvalue=1.0 / (used + adjust), seed=seed)


def geometry_permutation_tests(table, metrics, direction_of, *, real: str = "circumplex",
                               permuted: str = "permuted", n_resamples: int = 9999,
                               rng=None) -> dict:
    """:func:`geometry_permutation_test` for every metric when both conditions were run.

    Parameters
    ----------
    table : DataFrame
        Tidy ``condition, seed, metric, value`` (a metric table).
    metrics : sequence of str
    direction_of : callable
        ``metric id -> +1 | -1`` (higher or lower is better).
    real, permuted : str
        Condition names of the real geometry and of the permuted-geometry runs.

    Returns
    -------
    dict
        ``{metric: GeometryPermutationResult}``; empty when either condition is absent.
    """
    conds = set(table["condition"])
    if real not in conds or permuted not in conds:
        return {}
    out = {}
    for metric in metrics:
        m = table[table["metric"] == metric]
        r = m.loc[m["condition"] == real, "value"].to_numpy(dtype=np.float64)
        q = m.loc[m["condition"] == permuted, "value"].to_numpy(dtype=np.float64)
        if np.isfinite(r).any() and np.isfinite(q).any():
            out[metric] = geometry_permutation_test(r, q, direction=direction_of(metric),
                                                    n_resamples=n_resamples, rng=rng)
    return out
