"""Evidence over several benchmarks (datasets): pure functions on per-dataset results.

Each dataset keeps its own taxonomy and official score, so what is combined is per-dataset
numbers, never pooled samples:

* :func:`stratified_bootstrap` — CI of the mean over datasets of Δ = mean over seeds of
  B − A, resampling seeds within each dataset (rliable's stratified bootstrap, Agarwal et
  al. 2021, with paired seeds), or using each dataset's two-level replicates (seeds and
  units, :func:`affectctl.stats.samples.hierarchical_bootstrap`).
* :func:`probability_of_improvement` — P(B > A) averaged over datasets (Agarwal et al.
  2021), with a paired stratified-bootstrap CI.
* :func:`interquartile_mean` — IQM of normalised scores over runs and datasets.
* :func:`stratified_randomization` — one randomization test stratified by dataset (and by
  seed within), from the per-dataset null replicates, and the per-dataset p-values
  Holm-corrected as one family.

Every function returns one plain record (``test``, ``ci_method``, ``n_resamples``,
``seed`` ...), ready for ``results.json``.

References
----------
.. [1] Agarwal, R., Schwarzer, M., Castro, P. S., Courville, A. & Bellemare, M. G. (2021).
       Deep reinforcement learning at the edge of the statistical precipice. NeurIPS.
.. [2] Bouthillier, X. et al. (2021). Accounting for variance in machine learning
       benchmarks. MLSys.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from affectctl.errors import ConfigError
from affectctl.stats._common import pvalue_from_null
from affectctl._util.validation import check_alternative, check_confidence, check_n_resamples, normalize_rng
from affectctl.stats.correction import adjust_pvalues

__all__ = ["interquartile_mean", "probability_of_improvement", "stratified_bootstrap",
           "stratified_randomization"]


def _datasets(name, mapping) -> list:
    if not isinstance(mapping, Mapping) or len(mapping) == 0:
        raise ConfigError(f"`{name}` must be a non-empty mapping {{dataset: ...}}; got "
                          f"{mapping!r}.")
    return list(mapping)


def _vector(name, ds, x, min_len=1) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim != 1 or arr.shape[0] < min_len or not np.isfinite(arr).all():
        raise ConfigError(f"`{name}[{ds!r}]` must be a finite 1-D array of at least {min_len} "
                          f"value(s); got shape {arr.shape}.")
    return arr


def _percentile(boot, confidence):
    lo, hi = np.quantile(boot, [(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0])
    return float(lo), float(hi)


def _inverted_p(boot, null_value=0.0) -> float:
    """Two-sided p by inverting the percentile interval (as hierarchical_bootstrap)."""
    r = boot.shape[0]
    p_gt = (1 + np.count_nonzero(boot <= null_value)) / (r + 1)
    p_lt = (1 + np.count_nonzero(boot >= null_value)) / (r + 1)
    return float(min(1.0, 2.0 * min(p_gt, p_lt)))


def stratified_bootstrap(deltas: Mapping, *, replicates: Mapping | None = None,
                         n_resamples: int = 9999, confidence: float = 0.95, rng=None,
                         return_null: bool = False) -> dict:
    """CI of the mean over datasets of the mean paired difference, resampled within datasets.

    Parameters
    ----------
    deltas : mapping {dataset: array of shape (n_seeds,)}
        Per-seed paired differences B − A of each dataset (its official score, say).
    replicates : mapping {dataset: array of shape (R_d,)}, optional
        Bootstrap replicates of a dataset's mean Δ drawn elsewhere, e.g. the two-level
        ``hierarchical_bootstrap(..., return_null=True).null_distribution`` (seeds *and*
        units); used instead of resampling that dataset's seeds here. Each needs at
        least ``n_resamples`` replicates.
    n_resamples : int, default 9999
    confidence : float, default 0.95
    rng : None, int or numpy.random.Generator
    return_null : bool, default False
        Also return the replicates :math:`T^*_r` (``null_distribution``, an array: not a
        JSON value), e.g. for the equivalence test over datasets.

    Returns
    -------
    dict
        ``test="stratified_bootstrap"``, ``delta`` = :math:`\\frac1D\\sum_d \\bar\\Delta_d`,
        ``ci_low``, ``ci_high`` (``ci_method="bootstrap_percentile"``), ``p_value`` by
        inverting the interval, ``level`` (``"seed"``, or ``"seed_and_unit"`` when every
        dataset gave replicates, ``"mixed"`` otherwise), ``datasets``, ``n_resamples``,
        ``seed``.

    Notes
    -----
    Replicate r: for each dataset independently, its seeds resampled with replacement
    (n_d of n_d, the pairs kept: B − A of the same seed), :math:`T^*_r = \\frac1D\\sum_d
    \\bar\\Delta^*_{d,r}`. This is rliable's ``StratifiedBootstrap`` (tasks as strata, runs
    resampled within each) applied to the matrix of paired differences with the mean as
    the aggregate; the datasets themselves are not resampled (rliable's
    ``task_bootstrap=False``).
    """
    names = _datasets("deltas", deltas)
    n_resamples = check_n_resamples(n_resamples)
    confidence = check_confidence(confidence)
    gen, seed = normalize_rng(rng)
    replicates = dict(replicates or {})
    unknown = sorted(set(replicates) - set(names))
    if unknown:
        raise ConfigError(f"`replicates` names dataset(s) {unknown} that `deltas` does not have.")
    boot = np.zeros(n_resamples)
    observed = []
    for ds in names:
        x = _vector("deltas", ds, deltas[ds])
        observed.append(float(x.mean()))
        if ds in replicates:
            rep = _vector("replicates", ds, replicates[ds], min_len=n_resamples)
            boot += rep[:n_resamples]
        else:
            idx = gen.integers(0, x.shape[0], size=(n_resamples, x.shape[0]))
            boot += x[idx].mean(axis=1)
    boot /= len(names)
    lo, hi = _percentile(boot, confidence)
    level = ("seed_and_unit" if len(replicates) == len(names)
             else "seed" if not replicates else "mixed")
    return {"test": "stratified_bootstrap", "delta": float(np.mean(observed)), "ci_low": lo,
            "ci_high": hi, "confidence": confidence, "ci_method": "bootstrap_percentile",
            "p_value": _inverted_p(boot), "p_method": "percentile_interval_inversion",
            "level": level, "datasets": names, "dataset_deltas": observed,
            "n_resamples": n_resamples, "seed": seed,
            **({"null_distribution": boot} if return_null else {})}


def _poi(xb, xa) -> float:
    """P(B > A) over all pairs of runs, ties counting 1/2 (U / (n_b n_a), Mann-Whitney)."""
    diff = xb[:, None] - xa[None, :]
    return float(np.mean((diff > 0) + 0.5 * (diff == 0)))


def probability_of_improvement(scores_b: Mapping, scores_a: Mapping, *, n_resamples: int = 9999,
                               confidence: float = 0.95, rng=None) -> dict:
    """Probability that B improves on A, averaged over datasets, with a paired stratified CI.

    Parameters
    ----------
    scores_b, scores_a : mapping {dataset: array of shape (n_seeds,)}
        Per-seed scores (higher is better), seed i of B paired with seed i of A.
    n_resamples, confidence, rng
        As :func:`stratified_bootstrap`.

    Returns
    -------
    dict
        ``test="probability_of_improvement"``, ``estimate``
        :math:`\\frac1D\\sum_d P(B_d > A_d)`, ``ci_low``, ``ci_high``, ``per_dataset``,
        ``null_value`` 0.5.

    Notes
    -----
    Per dataset :math:`P(B > A) = \\frac{1}{n_B n_A}\\sum_{i,j} \\big([b_i > a_j] + \\tfrac12
    [b_i = a_j]\\big)` = U / (n_B n_A), the Mann–Whitney U of B over A: rliable's
    ``metrics.probability_of_improvement`` (Agarwal et al. 2021, eq. in §A.3), which
    averages it over tasks. For a lower-is-better metric pass the negated scores. CI:
    percentile, seeds resampled within each dataset with the pairs kept (rliable resamples
    the runs of X and Y independently, ``StratifiedIndependentBootstrap``; here the runs
    are paired by seed, so the pair is the unit).
    """
    names = _datasets("scores_b", scores_b)
    if sorted(names) != sorted(_datasets("scores_a", scores_a)):
        raise ConfigError(f"`scores_b` and `scores_a` must name the same datasets; got {names} "
                          f"and {list(scores_a)}.")
    n_resamples = check_n_resamples(n_resamples)
    confidence = check_confidence(confidence)
    gen, seed = normalize_rng(rng)
    per, boot = {}, np.zeros(n_resamples)
    for ds in names:
        xb, xa = _vector("scores_b", ds, scores_b[ds]), _vector("scores_a", ds, scores_a[ds])
        if xb.shape != xa.shape:
            raise ConfigError(f"dataset {ds!r}: B has {xb.shape[0]} seed(s), A {xa.shape[0]}; "
                              "the seeds must be paired.")
        per[ds] = _poi(xb, xa)
        n = xb.shape[0]
        idx = gen.integers(0, n, size=(n_resamples, n))
        diff = xb[idx][:, :, None] - xa[idx][:, None, :]
        boot += ((diff > 0) + 0.5 * (diff == 0)).mean(axis=(1, 2))
    boot /= len(names)
    lo, hi = _percentile(boot, confidence)
    return {"test": "probability_of_improvement", "estimate": float(np.mean(list(per.values()))),
            "ci_low": lo, "ci_high": hi, "confidence": confidence,
            "ci_method": "bootstrap_percentile", "null_value": 0.5, "per_dataset": per,
            "datasets": names, "unit": "seed", "n_resamples": n_resamples, "seed": seed}


def interquartile_mean(scores: Mapping, reference: Mapping) -> dict:
    """Interquartile mean of min-max normalised scores over all runs of all datasets.

    Parameters
    ----------
    scores : mapping {dataset: array of shape (n_seeds,)}
    reference : mapping {dataset: (low, high)}
        Reference scores of each dataset (e.g. chance level and a published best):
        :math:`z = (x - \\mathrm{low}) / (\\mathrm{high} - \\mathrm{low})`.

    Returns
    -------
    dict
        ``test="interquartile_mean"``, ``estimate`` = the 25 % trimmed mean of all z
        (:func:`scipy.stats.trim_mean` with ``proportiontocut=0.25`` over the pooled runs,
        as rliable's ``aggregate_iqm``), ``normalised`` per dataset.
    """
    from scipy.stats import trim_mean  # here, not at import: module docstring of affectctl.stats

    names = _datasets("scores", scores)
    missing = [ds for ds in names if ds not in reference]
    if missing:
        raise ConfigError(f"`reference` has no (low, high) for dataset(s) {missing}.")
    z = {}
    for ds in names:
        ref = reference[ds]
        if not (isinstance(ref, (tuple, list)) and len(ref) == 2):
            raise ConfigError(f"`reference[{ds!r}]` must be (low, high); got {ref!r}.")
        low, high = float(ref[0]), float(ref[1])
        if not (np.isfinite(low) and np.isfinite(high) and high != low):
            raise ConfigError(f"`reference[{ds!r}]` must hold two different finite numbers; got "
                              f"{ref!r}.")
        z[ds] = (_vector("scores", ds, scores[ds]) - low) / (high - low)
    pooled = np.concatenate([z[ds] for ds in names])
    return {"test": "interquartile_mean", "estimate": float(trim_mean(pooled, 0.25)),
            "normalised": {ds: v.tolist() for ds, v in z.items()}, "datasets": names}


def stratified_randomization(observed: Mapping, nulls: Mapping, *,
                             alternative: str = "two-sided") -> dict:
    """One randomization test over datasets, and the per-dataset tests Holm-corrected.

    Parameters
    ----------
    observed : mapping {dataset: float}
        Each dataset's observed statistic (mean over seeds of metric(A) − metric(B)).
    nulls : mapping {dataset: array of shape (R,)}
        Its approximate-randomization null replicates, swaps within each seed
        (``approximate_randomization(..., return_null=True).null_distribution``), drawn
        independently per dataset; the same R for all.
    alternative : {'two-sided', 'greater', 'less'}

    Returns
    -------
    dict
        ``test="stratified_ar"``, ``statistic`` :math:`\\frac1D\\sum_d T_d`, ``p_value``,
        ``per_dataset`` {dataset: {"p_value", "p_adjusted"}} (Holm over the D datasets,
        ``p_adjust="holm"``).

    Notes
    -----
    Swapping A and B within each (dataset, seed) stratum independently gives the joint
    null of the per-dataset statistics, so the replicate of the combined statistic is the
    mean over datasets of their replicates. p-values: add-one rule (Phipson & Smyth 2010)
    via :func:`affectctl.stats._common.pvalue_from_null`.
    """
    names = _datasets("observed", observed)
    if sorted(names) != sorted(_datasets("nulls", nulls)):
        raise ConfigError("`observed` and `nulls` must name the same datasets.")
    alternative = check_alternative(alternative)
    arrs = {ds: _vector("nulls", ds, nulls[ds]) for ds in names}
    lengths = {a.shape[0] for a in arrs.values()}
    if len(lengths) != 1:
        raise ConfigError(f"every dataset's null must have the same number of replicates; got "
                          f"{sorted(lengths)}.")
    obs = {ds: float(observed[ds]) for ds in names}
    per_p = {ds: pvalue_from_null(arrs[ds], obs[ds], alternative, exact=False)[0]
             for ds in names}
    comb_null = np.mean([arrs[ds] for ds in names], axis=0)
    comb_obs = float(np.mean(list(obs.values())))
    p, se = pvalue_from_null(comb_null, comb_obs, alternative, exact=False)
    adj = adjust_pvalues(np.array([per_p[ds] for ds in names]), "holm")
    return {"test": "stratified_ar", "statistic": comb_obs, "p_value": float(p), "mc_se": se,
            "alternative": alternative, "n_resamples": lengths.pop(), "datasets": names,
            "per_dataset": {ds: {"p_value": float(per_p[ds]), "p_adjusted": float(a)}
                            for ds, a in zip(names, adj)}, "p_adjust": "holm"}
