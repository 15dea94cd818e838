"""One answer per comparison: the primary test, its interval and the verdict.

For every compared pair (a, b) and headline metric, :func:`verdict_table` gives one row:
the difference a − b as the primary test estimates it, that test's interval, its raw
and adjusted p-value, and what a is relative to b. The primary test is chosen here,
once per result (:func:`choose_primary`), so every table, figure and console line
that marks a difference marks it with the same test at the same unit.

The verdict (``verdict``) follows the metric's direction (↓ metrics: lower is better):

* without a margin: ``"better"`` / ``"worse"`` when the primary test's adjusted
  p-value is at most ``alpha``, else ``"no difference shown"``;
* with a margin M (:mod:`affectctl.stats.equivalence`): ``"equivalent"`` when the
  two one-sided tests reject at ``alpha`` (the difference lies within ±M), else
  ``"better"`` / ``"worse"`` when the primary test is significant, else
  ``"not shown equivalent"``; with a one-sided ``alternative`` the equivalence test is
  a non-inferiority test and the words ``"non-inferior"`` / ``"not shown
  non-inferior"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from affectctl._util.validation import SAMPLE_TESTS, sample_test_record

__all__ = ["VERDICT_COLUMNS", "VERDICTS", "choose_primary", "primary_candidates",
           "verdict_table", "equivalence_method_for"]

#: Columns of ``ComparisonResult.verdicts`` and of ``results.json["verdicts"]`` records.
VERDICT_COLUMNS = ("a", "b", "metric", "direction", "delta", "ci_low", "ci_high", "confidence",
                   "ci_method", "test", "unit", "p_value", "p_adjusted", "p_adjust", "alpha",
                   "margin", "equivalence_test", "p_equivalence", "p_rope", "verdict")

#: Every value ``verdict`` can take.
VERDICTS = ("better", "worse", "no difference shown", "equivalent", "not shown equivalent",
            "non-inferior", "not shown non-inferior")

#: Exact seed-level tests in order of preference for the primary test.
_EXACT_SEED_ORDER = ("wilcoxon", "signflip")


def primary_candidates(seed_tests, sample_test) -> tuple:
    """Candidates for the primary test, in order of preference.

    The exact seed-level tests that were run (Wilcoxon, then sign-flip), then the
    sample-level test (``"ar"`` or ``"bootstrap"``; none for ``"none"``), then the
    paired t-test (its normality cannot be checked on a few seeds, so it marks a
    result only when nothing else was run).
    """
    seed_tests = tuple(seed_tests)
    seed = tuple(t for t in _EXACT_SEED_ORDER if t in seed_tests)
    sample = (sample_test_record(sample_test),) if sample_test in SAMPLE_TESTS else ()
    return seed + sample + (("ttest",) if "ttest" in seed_tests else ())


def _headline_rows(comparisons: pd.DataFrame) -> pd.DataFrame:
    """Rows of the comparisons table that test a headline difference (not per-seed tables)."""
    if comparisons is None or comparisons.empty:
        return pd.DataFrame(columns=["a", "b", "metric", "test"])
    rows = comparisons
    if "run_seed" in rows.columns:
        rows = rows[rows["run_seed"].isna()]
    return rows


def choose_primary(comparisons: pd.DataFrame, candidates, *, alpha: float = 0.05) -> "str | None":
    """The test that marks the differences of a result: the first candidate that can reach alpha.

    Parameters
    ----------
    comparisons : DataFrame
        ``ComparisonResult.comparisons``.
    candidates : sequence of str
        Tests in order of preference (:func:`primary_candidates`).
    alpha : float, default 0.05

    Returns
    -------
    str or None
        The first of ``candidates`` present whose smallest attainable p-value is at
        most ``alpha`` on every row; when none can, the first present; None when
        none is present. With 5 seeds the two-sided exact seed-level tests cannot go
        below 0.0625, so the sample-level test marks the result; with 10 seeds the
        exact Wilcoxon test does.
    """
    rows = _headline_rows(comparisons)
    present = [t for t in candidates if t in set(rows["test"])]
    for t in present:
        mins = pd.to_numeric(rows.loc[rows["test"] == t, "min_pvalue"], errors="coerce")
        if not (mins > alpha).any():
            return t
    return present[0] if present else None


def equivalence_method_for(test: str) -> str:
    """The equivalence procedure at the primary test's level (``method`` of its TOST row).

    Sample level: the paired-bootstrap TOST; the two-level bootstrap: the two-level TOST
    (``tost_hierarchical``); seed level: the paired-t TOST for the t test, the exact
    sign-flip TOST for the Wilcoxon and sign-flip tests.
    """
    if test == "hierarchical_bootstrap":
        return "tost_hierarchical"
    if test in SAMPLE_TESTS:
        return "tost_bootstrap"
    return "tost_paired_t" if test == "ttest" else "tost_signflip"


def _better_or_worse(delta: float, direction: str) -> str:
    sign = np.sign(delta) * (1.0 if direction == "higher" else -1.0)
    if sign > 0:
        return "better"
    if sign < 0:
        return "worse"
    return "no difference shown"


def _verdict(p_adj, delta, direction, alpha, eq_test, p_eq) -> str:
    significant = bool(np.isfinite(p_adj) and p_adj <= alpha)
    if eq_test is None:
        return _better_or_worse(delta, direction) if significant else "no difference shown"
    shown = "equivalent" if eq_test == "tost" else "non-inferior"
    if np.isfinite(p_eq) and p_eq <= alpha:
        return shown
    if significant:
        return _better_or_worse(delta, direction)
    return f"not shown {shown}"


def verdict_table(comparisons: pd.DataFrame, pairs, metrics, *, primary_order, alpha: float,
                  direction_of, margins: dict | None = None) -> pd.DataFrame:
    """One row per compared (a, b, metric): the primary test's answer and the verdict.

    Parameters
    ----------
    comparisons : DataFrame
        ``ComparisonResult.comparisons`` (with ``p_adjusted``).
    pairs : sequence of (a, b)
    metrics : sequence of str
        Headline metrics.
    primary_order : sequence of str
        The primary test first, then the fallbacks for a metric it did not test.
    alpha : float
    direction_of : callable
        ``metric -> +1`` (higher is better) or ``-1`` (lower is better).
    margins : dict, optional
        ``{metric: M}``; metrics without a margin get NaN.

    Returns
    -------
    DataFrame
        Columns :data:`VERDICT_COLUMNS`. A (pair, metric) no test covered has no row.
        ``delta`` is the primary test's ``estimate`` (Hodges–Lehmann for Wilcoxon, the
        mean difference otherwise); ``p_equivalence`` the adjusted p-value of the
        equivalence test at the primary test's level; ``p_rope`` the posterior
        probability of the region of practical equivalence (Bayesian signed-rank).
    """
    margins = dict(margins or {})
    rows = _headline_rows(comparisons)
    by_key = {}
    for rec in rows.to_dict("records"):
        by_key.setdefault((rec["a"], rec["b"], rec["metric"]), []).append(rec)
    out = []
    for metric in metrics:
        direction = "higher" if direction_of(metric) > 0 else "lower"
        for a, b in pairs:
            recs = by_key.get((a, b, metric), [])
            tests = {r["test"]: r for r in recs}
            prim = next((tests[t] for t in primary_order if t in tests), None)
            if prim is None:
                continue
            estimate = prim.get("estimate", np.nan)
            delta = float(estimate) if _finite(estimate) else float(prim.get("mean_diff", np.nan))
            margin = float(margins.get(metric, np.nan))
            eq = [r for r in recs if r["test"] in ("tost", "non_inferiority")
                  and r.get("method") == equivalence_method_for(prim["test"])]
            eq_test = eq[0]["test"] if eq else None
            p_eq = float(eq[0].get("p_adjusted", np.nan)) if eq else np.nan
            rope = [r for r in recs if r["test"] == "bayes_signed_rank"]
            p_rope = float(rope[0].get("p_rope", np.nan)) if rope else np.nan
            p_adj = float(prim.get("p_adjusted", np.nan))
            out.append({
                "a": a, "b": b, "metric": metric, "direction": direction, "delta": delta,
                "ci_low": float(prim.get("ci_low", np.nan)),
                "ci_high": float(prim.get("ci_high", np.nan)),
                "confidence": float(prim.get("confidence", np.nan)),
                "ci_method": prim.get("ci_method") or None, "test": prim["test"],
                "unit": prim.get("unit"), "p_value": float(prim.get("p_value", np.nan)),
                "p_adjusted": p_adj, "p_adjust": prim.get("p_adjust"), "alpha": float(alpha),
                "margin": margin, "equivalence_test": eq_test, "p_equivalence": p_eq,
                "p_rope": p_rope,
                "verdict": _verdict(p_adj, delta, direction, alpha, eq_test, p_eq),
            })
    return pd.DataFrame.from_records(out, columns=list(VERDICT_COLUMNS))


def _finite(x) -> bool:
    try:
        return bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False

