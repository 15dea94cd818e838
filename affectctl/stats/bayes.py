"""Bayesian comparisons over seeds with a region of practical equivalence (ROPE).

With 5 seeds no exact two-sided test can reach 0.05; the posterior probabilities below
grade the evidence instead, and the ROPE (−R, R), in the metric's units, says how large
a difference has to be to matter.

Sides, for both tests: with Δ = a − b,

* ``p_left``: the probability that Δ < −R (a lower than b by more than R);
* ``p_rope``: the probability that −R ≤ Δ ≤ R (practically equivalent);
* ``p_right``: the probability that Δ > R (a higher than b by more than R).

So for a higher-is-better metric ``p_right`` is "a better", for a lower-is-better one
(error distance, expected cost) ``p_left`` is. These are baycomp's ``(p_left, p_rope,
p_right)`` for ``x = b, y = a``.

* :func:`bayes_signed_rank`: the Bayesian signed-rank test (Benavoli et al. 2014, 2017):
  a Dirichlet process on the paired differences, Monte Carlo, numpy only;
* :func:`bayes_correlated_t`: the Bayesian correlated t-test (Corani & Benavoli 2015),
  closed form, with the Nadeau–Bengio correction ρ = n_test / (n_train + n_test).

References
----------
.. [1] Benavoli, A., Corani, G., Mangili, F., Zaffalon, M. & Ruggeri, F. (2014). A
       Bayesian Wilcoxon signed-rank test based on the Dirichlet process. ICML, PMLR 32.
.. [2] Benavoli, A., Corani, G., Demšar, J. & Zaffalon, M. (2017). Time for a change: a
       tutorial for comparing multiple classifiers through Bayesian analysis. JMLR 18(77).
.. [3] Corani, G. & Benavoli, A. (2015). A Bayesian approach for comparing cross-validated
       algorithms on multiple data sets. Machine Learning 100, 285-304.
.. [4] Nadeau, C. & Bengio, Y. (2003). Inference for the generalization error. Machine
       Learning 52, 239-281.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from affectctl.errors import ConfigError
from affectctl._util.validation import check_n_resamples, normalize_rng
from affectctl.stats._common import as_paired_1d, pick_batch, to_plain
from affectctl.stats.equivalence import check_margin

__all__ = ["BayesResult", "bayes_signed_rank", "bayes_correlated_t"]


@dataclass(frozen=True)
class BayesResult:
    """Posterior probabilities of Δ = a − b left of, inside and right of the ROPE.

    Attributes
    ----------
    test : str
        ``"bayes_signed_rank"`` or ``"bayes_correlated_t"``.
    rope : float
        R; the ROPE is [−R, R].
    p_left, p_rope, p_right : float
        See the module notes (they sum to 1).
    n : int
        Seeds.
    estimate : float
        Mean of the differences.
    n_samples : int or None
        Monte-Carlo posterior samples (None for the closed form).
    seed : int or None
        Seed of the Monte-Carlo draws.
    prior : float or None
        Signed-rank: weight of the pseudo-observation at 0; None for the t-test.
    rho : float or None
        Correlated t: the correlation ρ of the Nadeau–Bengio correction.
    note : str
    """

    test: str
    rope: float
    p_left: float
    p_rope: float
    p_right: float
    n: int
    estimate: float
    n_samples: int | None
    seed: int | None
    prior: float | None
    rho: float | None
    note: str = ""

    def to_record(self) -> dict:
        rec = {f.name: to_plain(getattr(self, f.name)) for f in dataclasses.fields(self)}
        rec["mean_diff"] = rec["estimate"]
        return rec


def _heaviside(x, threshold):
    return (x > threshold).astype(np.float64) + 0.5 * (x == threshold)


def bayes_signed_rank(a, b, rope, *, prior: float = 0.5, n_samples: int = 50000,
                      rng=None) -> BayesResult:
    """Bayesian signed-rank test of Δ = a − b with a ROPE (Benavoli et al. 2014, 2017).

    Parameters
    ----------
    a, b : array-like of shape (n_seeds,)
        Paired per-seed values.
    rope : float
        Half-width R > 0 of the ROPE, in the metric's units.
    prior : float, default 0.5
        Weight s of the Dirichlet process's prior pseudo-observation at 0 (baycomp's
        default).
    n_samples : int, default 50000
        Posterior samples.
    rng : None, int or numpy.random.Generator

    Returns
    -------
    BayesResult

    Notes
    -----
    With :math:`z_0 = 0` (weight s) and the differences :math:`z_1..z_n` (weight 1 each),
    each posterior sample draws :math:`w \\sim \\mathrm{Dirichlet}(s, 1, \\ldots, 1)` and
    computes :math:`θ_l = \\sum_{i,j} w_i w_j H(-z_i - z_j - 2R)`,
    :math:`θ_r = \\sum_{i,j} w_i w_j H(z_i + z_j - 2R)`, :math:`θ_e = 1 - θ_l - θ_r`
    (H the Heaviside function, ½ at 0): the posterior masses of the Walsh averages
    left of, inside and right of the ROPE. ``p_left`` is the share of samples in which
    :math:`θ_l` is the largest of the three (likewise ``p_rope``, ``p_right``), as in
    baycomp's ``SignedRankTest.probs``. Monte-Carlo standard error at most
    :math:`\\sqrt{0.25/S}` (0.0022 for S = 50000).
    """
    xa, xb = as_paired_1d(a, b)
    rope = check_margin("rope", rope)
    if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not prior > 0:
        raise ConfigError(f"`prior` must be a positive number; got {prior!r}.")
    n_samples = check_n_resamples(n_samples)
    gen, seed = normalize_rng(rng)
    z = np.concatenate([[0.0], xa - xb])
    sums = z[:, None] + z[None, :]
    below = _heaviside(-sums, 2 * rope)
    above = _heaviside(sums, 2 * rope)
    weights = np.ones(z.shape[0])
    weights[0] = float(prior)
    wins = np.zeros(3, dtype=np.int64)
    batch = pick_batch(n_samples, 8 * 3 * z.shape[0])
    for start in range(0, n_samples, batch):
        k = min(batch, n_samples - start)
        w = gen.dirichlet(weights, size=k)
        left = np.einsum("si,ij,sj->s", w, below, w)
        right = np.einsum("si,ij,sj->s", w, above, w)
        theta = np.column_stack([left, 1.0 - left - right, right])
        wins += np.bincount(np.argmax(theta, axis=1), minlength=3)
    p = wins / float(n_samples)
    return BayesResult("bayes_signed_rank", rope, float(p[0]), float(p[1]), float(p[2]),
                       int(xa.shape[0]), float((xa - xb).mean()), n_samples, seed, float(prior),
                       None, note=f"Dirichlet process, prior pseudo-observation at 0 with weight "
                                  f"{prior:g}; {n_samples} posterior samples, seed {seed}; "
                                  "p = share of samples in which the region has the most mass")


def bayes_correlated_t(a, b, rope, *, rho: float) -> BayesResult:
    """Bayesian correlated t-test of Δ = a − b with a ROPE (Corani & Benavoli 2015).

    Parameters
    ----------
    a, b : array-like of shape (n,)
        Paired per-run values (runs that share data, e.g. seeds or resampled splits).
    rope : float
        Half-width R > 0 of the ROPE.
    rho : float
        Correlation between runs, in [0, 1): the Nadeau–Bengio value
        ρ = n_test / (n_train + n_test).

    Notes
    -----
    The posterior of the mean difference is a Student t with n − 1 degrees of freedom,
    location :math:`\\bar d` and scale :math:`\\sqrt{(1/n + ρ/(1-ρ))\\, s_d^2}` (Nadeau &
    Bengio 2003's corrected variance); ``p_left = F(−R)``, ``p_rope = F(R) − F(−R)``,
    ``p_right = 1 − F(R)``. Equals ``baycomp.CorrelatedTTest.probs(b, a, rope, runs)``
    for ρ = runs / n. Constant differences: the posterior is a point mass.
    """
    from scipy import stats  # here, not at import: module docstring of affectctl.stats

    xa, xb = as_paired_1d(a, b)
    rope = check_margin("rope", rope)
    if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not 0 <= rho < 1:
        raise ConfigError(f"`rho` (test fraction) must be a number in [0, 1); got {rho!r}.")
    d = xa - xb
    n = int(d.shape[0])
    if n < 2:
        raise ConfigError(f"the correlated t-test needs at least 2 paired values; got {n}.")
    m = float(d.mean())
    var = float(d.var(ddof=1)) * (1.0 / n + rho / (1.0 - rho))
    if var == 0:
        pl, pr = float(m < -rope), float(m > rope)
    else:
        dist = stats.t(df=n - 1, loc=m, scale=math.sqrt(var))
        pl, pr = float(dist.cdf(-rope)), float(dist.sf(rope))
    return BayesResult("bayes_correlated_t", rope, pl, 1.0 - pl - pr, pr, n, m, None, None, None,
                       float(rho), note=f"Student t posterior, {n - 1} df, Nadeau–Bengio "
                                        f"correction rho = {rho:g}")
