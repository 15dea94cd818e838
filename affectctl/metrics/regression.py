"""Valence–arousal regression metrics (EmoNet, Toisoul et al., Nat. Mach. Intell. 2021; ABAW).

All moments are *population* moments (divide by n), as the ABAW evaluation and
EmoNet compute them; many training codes use ``torch.std`` (sample moments), which
gives a slightly different CCC.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ccc", "pcc", "rmse", "sagr", "ccc_from_sums", "pcc_from_sums", "rmse_from_sums",
           "sufficient_sums"]


def _ratio(num, den):
    """``num / den`` where ``den`` is finite and positive, else NaN.

    The one edge-case rule of CCC, PCC and RMSE, computed directly or from sums: an
    undefined value (a constant series, no samples, a denominator that rounding made zero
    or negative) is NaN, never ±inf. Scalars in, a float out; arrays in, an array out.
    """
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    ok = np.isfinite(den) & (den > 0)
    np.divide(num, den, out=out, where=ok)
    return out if out.ndim else float(out)


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
    return _ratio(2.0 * cov, den)


def pcc(y, yhat) -> float:
    """Pearson correlation (population moments cancel). NaN when a series is constant."""
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(yhat, dtype=np.float64)
    yc, xc = y - y.mean(), x - x.mean()
    den = np.sqrt((yc**2).sum() * (xc**2).sum())
    return _ratio((yc * xc).sum(), den)


def rmse(y, yhat) -> float:
    """Root-mean-square error √mean((y − ŷ)²); NaN without samples."""
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(yhat, dtype=np.float64)
    return float(np.sqrt(_ratio(((y - x) ** 2).sum(), y.size)))


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
    return _ratio(2.0 * cov, vy + vx + (my - mx) ** 2)


def pcc_from_sums(s) -> np.ndarray:
    """PCC from sufficient sums of shape (..., 6)."""
    _, _, vy, vx, cov = _moments(s)
    return _ratio(cov, np.sqrt(np.maximum(vy * vx, 0.0)))


def rmse_from_sums(s) -> np.ndarray:
    """RMSE from sufficient sums: √((Σy² − 2Σyŷ + Σŷ²)/n)."""
    s = np.asarray(s, dtype=np.float64)
    return np.sqrt(_ratio(np.maximum(s[..., 3] - 2 * s[..., 5] + s[..., 4], 0.0), s[..., 0]))
