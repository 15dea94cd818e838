"""Valence–arousal regression metrics (EmoNet, Toisoul et al., Nat. Mach. Intell. 2021; ABAW).

All moments are *population* moments (divide by n), as the ABAW evaluation and
EmoNet compute them; many training codes use ``torch.std`` (sample moments), which
gives a slightly different CCC.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ccc", "pcc", "rmse", "sagr", "ccc_from_sums", "pcc_from_sums", "rmse_from_sums",
           "sufficient_sums"]


def ccc(y, yhat) -> float:
    """Lin's concordance correlation coefficient.

    CCC = 2·cov(y, ŷ) / (var(y) + var(ŷ) + (mean(y) − mean(ŷ))²), population moments
    (Lin 1989, Biometrics 45:255). NaN when both series are constant and equal in mean.
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(yhat, dtype=np.float64)
    my, mx = y.mean(), x.mean()
    cov = np.mean((y - my) * (x - mx))
    den = y.var() + x.var() + (my - mx) ** 2
    return float(2.0 * cov / den) if den > 0 else float("nan")


def pcc(y, yhat) -> float:
    """Pearson correlation (population moments cancel). NaN when a series is constant."""
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(yhat, dtype=np.float64)
    yc, xc = y - y.mean(), x - x.mean()
    den = np.sqrt((yc**2).sum() * (xc**2).sum())
    return float((yc * xc).sum() / den) if den > 0 else float("nan")


def rmse(y, yhat) -> float:
    """Root-mean-square error √mean((y − ŷ)²)."""
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(yhat, dtype=np.float64)
    return float(np.sqrt(np.mean((y - x) ** 2)))


def sagr(y, yhat) -> float:
    """Sign agreement mean(sign(y) == sign(ŷ)) (EmoNet); sign(0) = 0."""
    return float(np.mean(np.sign(np.asarray(y)) == np.sign(np.asarray(yhat))))


def sufficient_sums(y, yhat) -> np.ndarray:
    """The six sums (n, Σy, Σŷ, Σy², Σŷ², Σyŷ) on which CCC, PCC and RMSE depend.

    Returns an array of shape (6,) for 1-D input; with 2-D input of shape (g, m)
    the sums run over the last axis, giving shape (g, 6) (one row per group).
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(yhat, dtype=np.float64)
    n = np.full(y.shape[:-1], y.shape[-1], dtype=np.float64)
    return np.stack([n, y.sum(-1), x.sum(-1), (y * y).sum(-1), (x * x).sum(-1), (y * x).sum(-1)],
                    axis=-1)


def _moments(s):
    """Means, population variances and covariance from sums; NaN where n = 0."""
    s = np.asarray(s, dtype=np.float64)
    n = s[..., 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        my, mx = s[..., 1] / n, s[..., 2] / n
        vy = s[..., 3] / n - my**2
        vx = s[..., 4] / n - mx**2
        cov = s[..., 5] / n - my * mx
    return my, mx, vy, vx, cov


def ccc_from_sums(s) -> np.ndarray:
    """CCC from sufficient sums of shape (..., 6); vectorised over leading axes."""
    my, mx, vy, vx, cov = _moments(s)
    den = vy + vx + (my - mx) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return 2.0 * cov / den


def pcc_from_sums(s) -> np.ndarray:
    """PCC from sufficient sums of shape (..., 6)."""
    _, _, vy, vx, cov = _moments(s)
    with np.errstate(invalid="ignore", divide="ignore"):
        return cov / np.sqrt(vy * vx)


def rmse_from_sums(s) -> np.ndarray:
    """RMSE from sufficient sums: √((Σy² − 2Σyŷ + Σŷ²)/n)."""
    s = np.asarray(s, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(np.maximum(s[..., 3] - 2 * s[..., 5] + s[..., 4], 0.0) / s[..., 0])
