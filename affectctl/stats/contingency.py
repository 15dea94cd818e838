"""Paired tests of two classifiers on the same samples: McNemar, Bowker, Stuart–Maxwell.

Three different questions about one seed's paired predictions:

* :func:`mcnemar_test`: **is one system right more often?** H0: P(A right, B
  wrong) = P(A wrong, B right), on the 2×2 table of correctness (McNemar 1947).
* :func:`bowker_test`: **did the outputs change systematically?** H0: the K×K
  table of (A's label, B's label) is symmetric, P(A=i, B=j) = P(A=j, B=i) for
  every pair of classes (Bowker 1948). It can reject when both systems are
  equally accurate but, say, A turns B's "fear" into "anger" far more often
  than the reverse: *the errors changed, not their number*.
* :func:`stuart_maxwell_test`: **do the systems predict each class equally
  often?** H0: the marginal label distributions agree, P(A=i) = P(B=i) for all i
  (Stuart 1955; Maxwell 1970). Symmetry implies marginal homogeneity, not the
  reverse.

With ``y_true`` and ``errors_only=True`` the two K×K tests look only at samples
that **both** systems get wrong: "do they make the same *kind* of error?".

All three treat samples as independent: frames of one video are not, so on
video data prefer :func:`~affectctl.stats.samples.approximate_randomization`
with ``unit="group"``.

The three are closed forms; their tails come from :mod:`affectctl.stats._tails`, with
the standard library: the exact binomial tail summed in integers (the exact rational,
rounded once), the chi-square tail on integer degrees of freedom from its finite series
(within 4e-13 relative of ``scipy.special.chdtrc``) and the normal quantile of
:class:`statistics.NormalDist`. They are checked against statsmodels'
``contingency_tables`` in ``tests/stats/test_stats_classifier.py``, the tails against
SciPy and mpmath in ``tests/stats/test_tails.py``. Not through statsmodels or SciPy:
importing statsmodels imports ``scipy.stats``, 0.6 s of start-up, and
``scipy.special`` alone 0.17-0.23 s, of a single-run ``affectctl compare`` that may take
under 2 s (issue 30); these tests are all that command needs of either.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from affectctl.errors import ConfigError, DegenerateDataWarning, PairingError
from affectctl._util.validation import check_bool_or_none, check_confidence, check_positive_int
from affectctl.stats._tails import binom_half_cdf, chi2_sf, normal_quantile
from affectctl.stats.intervals import Interval
from affectctl.stats.results import ContingencyTestResult

__all__ = ["mcnemar_test", "bowker_test", "stuart_maxwell_test"]


def _labels(name, x, n=None):
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ConfigError(f"`{name}` must be 1-D of shape (n,); got shape {arr.shape}.")
    if n is not None and arr.shape[0] != n:
        raise PairingError(f"`{name}` must have the same length as the other label arrays "
                           f"({n}); got {arr.shape[0]}.")
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all() or (arr != np.round(arr)).any():
            raise ConfigError(f"`{name}` must hold integer class labels; got NaN or non-integer "
                              "values.")
    elif arr.dtype.kind not in "iub":
        raise ConfigError(f"`{name}` must hold integer class labels; got dtype {arr.dtype}.")
    return arr.astype(np.int64)


def mcnemar_test(y_true, pred_a, pred_b, *, exact: bool = True, correction: bool = True,
                 confidence: float = 0.95) -> ContingencyTestResult:
    """McNemar's test: is system A right more (or less) often than B on the same samples?

    Parameters
    ----------
    y_true : array-like of shape (n,), int
        True class; negative = not annotated (excluded).
    pred_a, pred_b : array-like of shape (n,), int
        Predictions of A and B.
    exact : bool, default True
        Exact binomial test on the discordant pairs, at any count (it is cheap: one
        binomial tail). False: the chi-square approximation, on request only; with
        continuity correction it is conservative, e.g. 20/20 discordant pairs give
        p = 0.874 where the exact test (and R's ``mcnemar.test``) give 1.
    correction : bool, default True
        Continuity correction of the chi-square version (ignored when exact).
    confidence : float, default 0.95
        Level of the Wald interval of the accuracy difference.

    Returns
    -------
    ContingencyTestResult
        ``method="mcnemar"``, ``alternative="two-sided"``; ``statistic`` as
        statsmodels: ``min(b, c)`` for the exact test, the chi-square otherwise;
        ``n`` = annotated samples; ``mean_diff`` = accuracy(A) - accuracy(B) =
        (b - c)/n with its Wald interval.

    Notes
    -----
    With b = #(A right, B wrong) and c = #(A wrong, B right), under H0
    :math:`b \\sim \\mathrm{Binomial}(b + c, 1/2)` and the two-sided exact p-value is
    :math:`\\min(1, 2 P(X \\le \\min(b, c)))`, :math:`X \\sim \\mathrm{Bin}(b + c, 1/2)`
    (the symmetric case of ``scipy.stats.binomtest``); chi-square version
    :math:`(|b - c| - 1)^2 / (b + c)` on 1 df: the statistic and p-value of
    ``statsmodels.stats.contingency_tables.mcnemar`` (the tests check it), from
    :func:`~affectctl.stats._tails.binom_half_cdf` and ``chi2_sf`` (module docstring: why not
    through statsmodels or SciPy). Interval:
    :math:`(b-c)/n \\pm z \\sqrt{(b + c) - (b - c)^2/n}\\,/\\,n` (Agresti 2013, §11.1.1).
    No discordant sample: DegenerateDataWarning, p = 1.

    References
    ----------
    .. [1] McNemar, Q. (1947). Note on the sampling error of the difference between
           correlated proportions or percentages. Psychometrika 12(2), 153-157.
    .. [2] Agresti, A. (2013). Categorical Data Analysis, 3rd ed. Wiley.
    .. [3] Dietterich, T. G. (1998). Approximate statistical tests for comparing
           supervised classification learning algorithms. Neural Comput. 10(7).

    Examples
    --------
    >>> y = [0, 1, 2, 0, 1, 2, 0, 1]
    >>> res = mcnemar_test(y, [0, 1, 2, 0, 1, 2, 0, 0], [0, 1, 1, 1, 0, 2, 0, 1])
    >>> res.exact, res.statistic, round(res.p_value, 3)
    (True, 1.0, 0.625)
    """
    yt = _labels("y_true", y_true)
    n_all = yt.shape[0]
    pa, pb = _labels("pred_a", pred_a, n_all), _labels("pred_b", pred_b, n_all)
    if exact is None or not isinstance(exact, (bool, np.bool_)):
        raise ConfigError(f"`exact` must be True or False; got {exact!r}.")
    correction = check_bool_or_none("correction", correction)
    confidence = check_confidence(confidence)
    used = yt >= 0
    ra, rb = pa[used] == yt[used], pb[used] == yt[used]
    n = int(used.sum())
    if n == 0:
        raise ConfigError("`y_true` has no annotated sample (all negative); nothing to test.")
    n11, b = int(np.sum(ra & rb)), int(np.sum(ra & ~rb))
    c, n00 = int(np.sum(~ra & rb)), int(np.sum(~ra & ~rb))
    disc = b + c
    diff = (b - c) / n
    se = math.sqrt(max(disc - (b - c) ** 2 / n, 0.0)) / n
    z = normal_quantile(0.5 + confidence / 2.0)
    note = (f"table [[both right, A only], [B only, both wrong]] = [[{n11}, {b}], [{c}, {n00}]]; "
            + ("exact binomial" if exact else
               f"chi-square, 1 df, continuity correction={bool(correction)}"))
    common = dict(n=n, mean_diff=diff, exact=bool(exact), note=note,
                  interval=Interval(diff - z * se, diff + z * se, "wald", confidence, exact=False))
    if disc == 0:
        warnings.warn("mcnemar_test: A and B are right and wrong on exactly the same samples (no "
                      "discordant sample); p = 1.", DegenerateDataWarning, stacklevel=2)
        return ContingencyTestResult("mcnemar", 0.0, 1.0, min_pvalue=1.0, **common)
    if exact:
        statistic = float(min(b, c))
        p = min(1.0, 2.0 * binom_half_cdf(min(b, c), disc))   # P(X <= k), X ~ Bin(n, 1/2)
        min_p = min(1.0, 2.0 * 0.5**disc)
    else:
        corr = 1.0 if correction else 0.0
        statistic = (abs(b - c) - corr) ** 2 / disc
        p = chi2_sf(statistic, 1)
        min_p = chi2_sf((disc - corr) ** 2 / disc, 1)
    return ContingencyTestResult("mcnemar", statistic, p, min_pvalue=min_p, **common)


def _square_table_iv(pred_a, pred_b, n_classes, y_true, errors_only):
    k = check_positive_int("n_classes", n_classes, minimum=2)
    pa = _labels("pred_a", pred_a)
    n = pa.shape[0]
    pb = _labels("pred_b", pred_b, n)
    errors_only = check_bool_or_none("errors_only", errors_only)
    keep = np.ones(n, dtype=bool)
    if y_true is not None:
        yt = _labels("y_true", y_true, n)
        keep &= yt >= 0
        if errors_only:
            keep &= (pa != yt) & (pb != yt)
    elif errors_only:
        raise ConfigError("`errors_only`=True needs `y_true`; got None.")
    pa, pb = pa[keep], pb[keep]
    for name, p in (("pred_a", pa), ("pred_b", pb)):
        if ((p < 0) | (p >= k)).any():
            raise ConfigError(f"`{name}` must lie in [0, {k}); got values from {p.min()} to "
                              f"{p.max()}.")
    table = np.bincount(pa * k + pb, minlength=k * k).reshape(k, k)
    return table, k, bool(errors_only)


def _degenerate_square(method, table, note, what):
    n = int(table.sum())
    if n == 0:
        warnings.warn(f"{method}_test: the table is empty (no sample{what}); p = NaN.",
                      DegenerateDataWarning, stacklevel=3)
        p = float("nan")
    else:
        warnings.warn(f"{method}_test: A and B give the same label on every sample{what} (no "
                      "off-diagonal count); p = 1.", DegenerateDataWarning, stacklevel=3)
        p = 1.0
    return _chi2_result(method, 0.0 if n else float("nan"), p, n, note)


def _chi2_result(method: str, statistic: float, p: float, n: int,
                 note: str) -> ContingencyTestResult:
    """The result of an asymptotic test of a square table (Bowker, Stuart–Maxwell):
    two-sided, no estimate, no interval, not exact."""
    return ContingencyTestResult(method, statistic, p, n, mean_diff=float("nan"), interval=None,
                                 exact=False, min_pvalue=0.0, note=note)


def bowker_test(pred_a, pred_b, n_classes: int, y_true=None, *,
                errors_only: bool = False) -> ContingencyTestResult:
    """Bowker's test of symmetry of the (A's label, B's label) table.

    Parameters
    ----------
    pred_a, pred_b : array-like of shape (n,), int
        Labels predicted by A and B on the same samples, in ``[0, n_classes)``.
    n_classes : int
    y_true : array-like of shape (n,), optional
        If given, unannotated samples (negative) are left out.
    errors_only : bool, default False
        Only samples that both systems misclassify (needs ``y_true``).

    Returns
    -------
    ContingencyTestResult
        ``method="bowker"``, chi-square ``statistic``; ``n`` = samples in the table;
        ``mean_diff`` and the interval are NaN; ``note`` gives the degrees of freedom.

    Notes
    -----
    .. math:: X^2 = \\sum_{i<j} \\frac{(n_{ij} - n_{ji})^2}{n_{ij} + n_{ji}}

    on :math:`d` degrees of freedom (Bowker 1948): the statistic of statsmodels'
    ``SquareTable(table).symmetry("bowker")`` (the tests check it). statsmodels always uses
    :math:`d = K(K-1)/2`; pairs with :math:`n_{ij} + n_{ji} = 0` carry no
    information, so here :math:`d` counts only pairs with at least one
    off-diagonal sample and the p-value is ``chi2.sf(X², d)`` (identical to
    statsmodels when every pair is supported). The chi-square approximation needs
    a few counts per pair; rare pairs make it rough.

    Empty table: DegenerateDataWarning and NaN; no off-diagonal count:
    DegenerateDataWarning and p = 1.

    References
    ----------
    .. [1] Bowker, A. H. (1948). A test for symmetry in contingency tables. JASA
           43(244), 572-574.
    """
    table, k, errors_only = _square_table_iv(pred_a, pred_b, n_classes, y_true, errors_only)
    what = " that both systems misclassify" if errors_only else ""
    upper = np.triu_indices(k, 1)
    support = (table + table.T)[upper]
    df = int(np.count_nonzero(support))
    note = f"K={k}; {df} of {k * (k - 1) // 2} class pairs with off-diagonal counts (df)"
    if errors_only:
        note += "; samples both systems misclassify"
    if df == 0:
        return _degenerate_square("bowker", table, note, what)
    diff = (table.T - table)[upper].astype(np.float64)   # n_ji - n_ij over the pairs i < j
    # every pair in the sum, as statsmodels sums them (pairs without counts add 0)
    stat = float(np.where(support > 0, diff**2 / np.maximum(support, 1), 0.0).sum())
    p = chi2_sf(stat, df)
    return _chi2_result("bowker", stat, p, int(table.sum()), note)


def stuart_maxwell_test(pred_a, pred_b, n_classes: int, y_true=None, *,
                        errors_only: bool = False) -> ContingencyTestResult:
    """Stuart–Maxwell test of marginal homogeneity: do A and B predict each class equally often?

    Parameters
    ----------
    pred_a, pred_b, n_classes, y_true, errors_only
        As :func:`bowker_test`.

    Returns
    -------
    ContingencyTestResult
        ``method="stuart_maxwell"``, chi-square ``statistic`` on K' - 1 df.

    Notes
    -----
    :math:`X^2 = N\\, d^\\top V^{-1} d` with :math:`d` the differences of the two
    marginal distributions (one class dropped) and :math:`V` their covariance
    (Stuart 1955; Maxwell 1970), as statsmodels'
    ``SquareTable(table).homogeneity("stuart_maxwell")`` computes it (the tests check
    it; p from the survival function, which keeps small p-values). Classes without any
    off-diagonal count have a zero row in :math:`V` (their margins agree by
    construction) and are left out first, so K' counts classes that take part in
    some disagreement; without that, :math:`V` is singular. It is singular too when the
    disagreements fall into separate groups of classes (no disagreement links one
    group to another): rounding then decides whether the solve fails (p = NaN, with a
    warning) or gives a statistic on too many degrees of freedom, as in statsmodels.
    Not mended here; noted on issue 30's stop.

    References
    ----------
    .. [1] Stuart, A. (1955). A test for homogeneity of the marginal distributions
           in a two-way classification. Biometrika 42(3/4), 412-416.
    .. [2] Maxwell, A. E. (1970). Comparing the classification of subjects by two
           independent judges. Br. J. Psychiatry 116, 651-655.
    """
    table, k, errors_only = _square_table_iv(pred_a, pred_b, n_classes, y_true, errors_only)
    what = " that both systems misclassify" if errors_only else ""
    off = table - np.diag(np.diag(table))
    active = np.flatnonzero(off.sum(axis=0) + off.sum(axis=1) > 0)
    n_active = int(active.shape[0])
    note = f"K={k}; {n_active} class(es) with off-diagonal counts; df={max(0, n_active - 1)}"
    if errors_only:
        note += "; samples both systems misclassify"
    if active.shape[0] < 2:
        return _degenerate_square("stuart_maxwell", table, note, what)
    stat = _stuart_maxwell_statistic(table[np.ix_(active, active)])
    p = chi2_sf(stat, n_active - 1) if np.isfinite(stat) else float("nan")
    if not np.isfinite(p):
        warnings.warn("stuart_maxwell_test: the covariance of the marginal differences is "
                      "singular; p = NaN.", DegenerateDataWarning, stacklevel=2)
    return _chi2_result("stuart_maxwell", stat, p, int(table.sum()), note)


def _stuart_maxwell_statistic(table: np.ndarray) -> float:
    """:math:`N d^\\top V^{-1} d` of a K x K table (K >= 2); NaN when V is singular.

    With :math:`P` the table's proportions, the last class dropped: :math:`d` = column
    margins - row margins, :math:`V_{ij} = -(P_{ij} + P_{ji})` off the diagonal and
    :math:`V_{ii} = r_i + c_i - 2 P_{ii}` (statsmodels ``SquareTable.homogeneity``, step
    for step).
    """
    n_obs = table.sum()
    pr = table.astype(np.float64) / n_obs
    row, col = pr.sum(1)[:-1], pr.sum(0)[:-1]
    pr = pr[:-1, :-1]
    d = col - row
    vmat = -(pr + pr.T)
    np.fill_diagonal(vmat, row + col - 2 * np.diag(pr))
    try:
        return float(n_obs * np.dot(d, np.linalg.solve(vmat, d)))
    except np.linalg.LinAlgError:
        return float("nan")
