"""Multiplicity correction: Holm, Benjamini–Hochberg, Bonferroni, and Westfall–Young max-T.

A comparison table tests many (condition, metric) pairs at once; the adjusted
p-values control the family-wise error rate (Holm, Bonferroni, Westfall–Young) or
the false discovery rate (Benjamini–Hochberg) over that family. statsmodels'
``multipletests`` is always called with an explicit ``method=`` (its default is
``'hs'``, Holm–Šidák). Holm alone is computed here, by its closed form (three NumPy
lines, checked against ``multipletests`` in the tests): statsmodels' Holm branch runs a
full ``gc.collect()`` on every call (``statsmodels/stats/multitest.py``, 0.14–0.15),
which costs ~0.09 s per family in a process that holds torch and matplotlib, and a
comparison or a diagnosis adjusts dozens of families.
"""

from __future__ import annotations

import numpy as np

from affectctl.errors import ConfigError
from affectctl._util.validation import ADJUST_METHODS
from affectctl._util.validation import check_alternative, check_bool_or_none, check_choice
from affectctl.stats._common import TIE_RTOL

__all__ = ["adjust_pvalues", "westfall_young_maxt", "ADJUST_METHODS"]

#: Methods of :func:`adjust_pvalues`.


def adjust_pvalues(pvalues, method: str = "holm") -> np.ndarray:
    """Adjust a family of p-values for multiple comparisons.

    Parameters
    ----------
    pvalues : array-like of any shape
        Unadjusted p-values in [0, 1]; NaN marks a test that was not performed
        (undefined metric, degenerate data).
    method : {'holm', 'fdr_bh', 'bonferroni', 'none'}, default 'holm'
        ``'holm'``: Holm (1979) step-down, family-wise error rate;
        ``'fdr_bh'``: Benjamini & Hochberg (1995), false discovery rate;
        ``'bonferroni'``: :math:`\\min(1, m p)`; ``'none'``: unchanged.

    Returns
    -------
    ndarray of the same shape
        Adjusted p-values. NaN entries stay NaN and are **left out of the family**:
        m counts only the finite p-values, so one undefined test neither makes the
        family NaN nor loosens the others.

    Notes
    -----
    Holm: with :math:`p_{(1)} \\le \\dots \\le p_{(m)}`,
    :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m - j + 1) p_{(j)})`.
    BH: :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)} / j)`.
    BH and Bonferroni are computed by ``statsmodels.stats.multitest.multipletests(p,
    method=...)``; Holm by the formula above (:func:`_holm`; module docstring).

    References
    ----------
    .. [1] Holm, S. (1979). A simple sequentially rejective multiple test
           procedure. Scand. J. Statist. 6(2), 65-70.
    .. [2] Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery
           rate. JRSS B 57(1), 289-300.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, float("nan"), 0.03], method="holm")
    array([0.03, 0.06,  nan, 0.06])
    """
    p, method = _adjust_pvalues_iv(pvalues, method)
    out = np.full(p.shape, np.nan)
    flat = p.ravel()
    ok = np.isfinite(flat)
    res = out.ravel()
    if method == "none":
        res[ok] = flat[ok]
    elif method == "holm":
        res[ok] = _holm(flat[ok])
    elif ok.any():
        # imported here: statsmodels imports scipy.stats (0.6 s), and Holm, the default,
        # needs neither
        from statsmodels.stats.multitest import multipletests

        res[ok] = multipletests(flat[ok], method=method)[1]
    return res.reshape(p.shape)


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's adjusted p-values of a finite 1-D family (formula in :func:`adjust_pvalues`).

    Tied p-values get the same adjusted value whatever their order, so the sort need
    not be stable.
    """
    m = p.shape[0]
    order = np.argsort(p)
    adjusted = np.minimum(np.maximum.accumulate(np.arange(m, 0, -1) * p[order]), 1.0)
    out = np.empty(m)
    out[order] = adjusted
    return out


def _adjust_pvalues_iv(pvalues, method):
    method = check_choice("method", method, ADJUST_METHODS)
    try:
        p = np.asarray(pvalues, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"`pvalues` must be an array of numbers; got {pvalues!r}.") from None
    finite = p[np.isfinite(p)]
    if np.isinf(p).any() or ((finite < 0) | (finite > 1)).any():
        raise ConfigError("`pvalues` must lie in [0, 1] (NaN for tests not performed); got "
                          f"values from {np.nanmin(p)!r} to {np.nanmax(p)!r}.")
    return p, method


def westfall_young_maxt(observed, null, *, alternative: str = "two-sided",
                        exact: bool = False, standardize: bool = False) -> np.ndarray:
    """Westfall–Young single-step max-T adjusted p-values.

    Parameters
    ----------
    observed : array-like of shape (m,)
        Observed statistics of the m tests (NaN: not performed; left out).
    null : array-like of shape (R, m)
        Statistics of the same m tests recomputed on R **joint** resamples under
        the null (the same permutation or sign flip applied to every test in a
        replicate), so that their dependence is kept. NaN entries are ignored in
        the replicate maximum.
    alternative : {'two-sided', 'greater', 'less'}, default 'two-sided'
        Extremeness: :math:`|T|`, :math:`T` or :math:`-T`.
    exact : bool, default False
        True when ``null`` enumerates the whole permutation distribution (then
        :math:`p = c/R`); otherwise Monte Carlo with :math:`p = (c+1)/(R+1)`.
    standardize : bool, default False
        Centre and scale each column by its null mean and standard deviation
        before taking maxima. Max-T assumes the m statistics are on a common scale
        (e.g. t statistics); pass raw metric differences only with this on.

    Returns
    -------
    ndarray of shape (m,)
        Adjusted p-values
        :math:`\\tilde p_j = (1 + \\#\\{r : \\max_k T^*_{rk} \\ge T_j\\}) / (R + 1)`
        (single step, so monotone in :math:`T_j`). Replicate maxima within
        ``100·eps`` of :math:`T_j` count as ties.

    Notes
    -----
    Controls the family-wise error rate strongly under subset pivotality while
    using the dependence between tests, so it is less conservative than Holm
    when tests are correlated (the same seeds, overlapping metrics).

    References
    ----------
    .. [1] Westfall, P. H. & Young, S. S. (1993). Resampling-Based Multiple
           Testing. Wiley, Algorithm 2.8 (single-step max-T).

    Examples
    --------
    >>> null = np.array([[0.1, -0.2], [0.5, 0.1], [-0.3, 0.2], [0.0, 0.05]])
    >>> westfall_young_maxt([0.45, 0.15], null, alternative="greater")
    array([0.4, 0.6])
    """
    obs, nul, alternative, exact, standardize = _maxt_iv(observed, null, alternative, exact,
                                                         standardize)
    out = np.full(obs.shape, np.nan)
    use = np.isfinite(obs)
    if not use.any():
        return out
    o, z = obs[use], nul[:, use]
    if standardize:
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = np.nanmean(z, axis=0) if np.isfinite(z).any() else np.zeros(o.shape)
            sd = np.nanstd(z, axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        o = (o - mu) / sd
        z = (z - mu) / sd
    if alternative == "two-sided":
        o, z = np.abs(o), np.abs(z)
    elif alternative == "less":
        o, z = -o, -z
    zmax = np.max(np.where(np.isnan(z), -np.inf, z), axis=1)  # (R,)
    gamma = TIE_RTOL * np.abs(o)
    counts = (zmax[:, None] >= (o - gamma)[None, :]).sum(axis=0)
    r = z.shape[0]
    adj = 0 if exact else 1
    out[use] = np.minimum(1.0, (counts + adj) / (r + adj))
    return out


def _maxt_iv(observed, null, alternative, exact, standardize):
    alternative = check_alternative(alternative)
    exact = check_bool_or_none("exact", exact)
    standardize = check_bool_or_none("standardize", standardize)
    if exact is None or standardize is None:
        raise ConfigError("`exact` and `standardize` must be True or False; got None.")
    obs = np.asarray(observed, dtype=np.float64)
    nul = np.asarray(null, dtype=np.float64)
    if obs.ndim != 1:
        raise ConfigError(f"`observed` must have shape (m,); got shape {obs.shape}.")
    if nul.ndim != 2 or nul.shape[1] != obs.shape[0] or nul.shape[0] < 1:
        raise ConfigError(f"`null` must have shape (R, m) = (R, {obs.shape[0]}) with R >= 1; "
                          f"got shape {nul.shape}.")
    if np.isinf(obs).any():
        raise ConfigError("`observed` must be finite or NaN; got inf.")
    return obs, nul, alternative, exact, standardize
