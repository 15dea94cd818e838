"""Overlap of two classes' valence–arousal annotations: Bhattacharyya coefficient.

References
----------
.. [1] Bhattacharyya, A. (1943). On a measure of divergence between two statistical
       populations defined by their probability distributions. Bull. Calcutta Math.
       Soc. 35, 99–109.
.. [2] Fukunaga, K. (1990). Introduction to Statistical Pattern Recognition, 2nd ed.,
       Academic Press, eq. (3.152) (Bhattacharyya distance of two normal densities).
"""

from __future__ import annotations

import math

import numpy as np

from affectctl.errors import ConfigError

__all__ = ["bhattacharyya_coefficient", "va_overlap_coefficient"]


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
