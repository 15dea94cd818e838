"""Formatting of report tables: the only rounding in affectctl.

Readable labels (:data:`METRIC_LABELS`, :data:`TEST_LABELS`, :func:`metric_label`),
significance marks (``†`` p_adj < 0.05, ``‡`` p_adj < 0.01, ``§`` a test that cannot
reach ``alpha`` whatever the data), and :func:`format_p`, :func:`format_number`,
:func:`format_table`, which turn the full-precision tables of
:mod:`affectctl.report.tables` into text. Statistics return unrounded numbers; only
this module rounds.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["format_table", "format_p", "format_number", "metric_label", "METRIC_LABELS",
           "TEST_LABELS"]

#: Readable names of the headline metrics (the id is used for any other metric).
METRIC_LABELS = {
    "official_score": "Official score",
    "expr_macro_f1": "Macro-F1",
    "accuracy": "Accuracy",
    "uar": "UAR",
    "error_distance_mean": "Error distance",
    "expected_cost": "Expected cost",
    "quadrant_preservation": "Quadrant preservation",
    "va_ccc_mean": "VA CCC",
    "au_f1_mean": "AU F1",
    "abaw_mtl_score": "ABAW multi-task score",
    "abaw3_expr_score": "ABAW3 EXPR score",
    "abaw2_expr_score": "ABAW2 EXPR score",
}

#: Readable names of the tests in ``ComparisonResult.comparisons["test"]``.
TEST_LABELS = {
    "wilcoxon": "Wilcoxon",
    "signflip": "Sign-flip",
    "ttest": "Paired t",
    "ar": "Approx. randomization",
    "bootstrap": "Bootstrap",
    "hierarchical_bootstrap": "Two-level bootstrap",
}
#: The same tests named inside a sentence (footnotes, captions).
TEST_NAMES_IN_TEXT = {"wilcoxon": "Wilcoxon", "signflip": "sign-flip", "ttest": "paired t",
                      "ar": "approximate-randomization", "bootstrap": "bootstrap",
                      "hierarchical_bootstrap": "two-level bootstrap"}
#: The same tests in a narrow terminal column header.
TEST_SHORT_LABELS = {"wilcoxon": "Wilcoxon", "signflip": "sign-flip", "ttest": "t", "ar": "AR",
                     "bootstrap": "bootstrap", "hierarchical_bootstrap": "2-level"}

_MARKS = ((0.01, "‡"), (0.05, "†"))
_TEXT_COLUMNS = ("Metric", "Condition", "Comparison", "Pair", "Status", "Best intervention")
_FLOOR_MARK = "§"
_MINUS = "−"


def metric_label(metric: str, *, arrow: bool = True) -> str:
    """Readable metric name, with ↑ (higher is better) or ↓ (lower is better)."""
    from affectctl.metrics.compute import metric_direction

    label = METRIC_LABELS.get(metric, metric)
    if not arrow:
        return label
    return f"{label} {'↑' if metric_direction(metric) > 0 else '↓'}"


def _finite(v) -> bool:
    try:
        return v is not None and v is not pd.NA and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _mark(p_adj: float, min_p: float, alpha: float) -> str:
    if isinstance(min_p, float) and math.isfinite(min_p) and min_p > alpha:
        return _FLOOR_MARK
    if not (isinstance(p_adj, float) and math.isfinite(p_adj)):
        return ""
    for level, mark in _MARKS:
        if p_adj < level and level <= alpha + 1e-12:
            return mark
    return ""



def format_p(p, *, digits: int = 3, floor: float = 0.001) -> str:
    """p-value with ``digits`` significant digits; ``<0.001`` below ``floor``; ``–`` if NaN.

    >>> format_p(0.0625), format_p(0.03125), format_p(0.00002), format_p(1.0)
    ('0.0625', '0.0312', '<0.001', '1')
    """
    if p is None or not isinstance(p, (int, float, np.floating)) or not math.isfinite(p):
        return "–"
    if p < floor:
        return f"<{floor:g}"
    return f"{p:.{digits}g}"


def format_number(x, *, digits: int = 3, signed: bool = False) -> str:
    """Fixed-point number (unicode minus); ``–`` if NaN.

    >>> format_number(0.51234), format_number(-0.0123, signed=True), format_number(0.2, signed=True)
    ('0.512', '−0.012', '+0.200')
    """
    if x is None or not isinstance(x, (int, float, np.floating)) or not math.isfinite(x):
        return "–"
    x = float(x)
    if abs(x) >= 1000:
        digits = 0
    elif abs(x) >= 100:
        digits = min(digits, 1)
    s = f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    if float(s) == 0.0:                       # no "-0.000"
        s = ("+" if signed else "") + s.lstrip("+-")
    return s.replace("-", _MINUS)


def _fmt_mean_sd(mean, sd, digits) -> str:
    """``mean ± sd``; the value alone when there is no sd (a single run)."""
    if not (isinstance(mean, (int, float)) and math.isfinite(mean)):
        return ""
    if not _finite(sd):
        return format_number(mean, digits=digits)
    return f"{format_number(mean, digits=digits)} ± {format_number(sd, digits=digits)}"


def format_table(table: pd.DataFrame, *, digits: int = 3,
                 repeat_metric: bool = False) -> pd.DataFrame:
    """Round and label a table from :func:`main_table` or :func:`comparison_table`.

    Parameters
    ----------
    table : DataFrame
    digits : int, default 3
        Decimals of means, sds and differences (effect sizes get 2, p-values 3
        significant digits).
    repeat_metric : bool, default False
        Repeat the metric on every row (else only on the first row of its group).

    Returns
    -------
    DataFrame of str
        Display columns (``Metric``, ``Condition`` or ``Comparison``, ``Mean ± sd``,
        ``Δ``, ``<Test> p``, ``<Test> p_adj`` ..., ``r_rb``, ``d_z``, ``n``) with
        significance marks appended to the adjusted p-values. ``attrs`` is kept.
    """
    kind = table.attrs.get("kind", "main" if "label" in table.columns else "comparison")
    if kind == "degeneracy":
        return _format_degeneracy(table, digits=digits)
    tests = table.attrs.get("tests") or [c[6:] for c in table.columns if c.startswith("p_adj_")]
    single = bool(table.attrs.get("single_run")) and "ci_low" in table.columns
    rows = []
    prev = None
    for r in table.to_dict("records"):
        metric = metric_label(r["metric"])
        out = {"Metric": metric if (repeat_metric or r["metric"] != prev) else ""}
        prev = r["metric"]
        if kind == "main" and single:        # one run per condition: value, Δ and its CI
            out["Condition"] = r["label"]
            out["Value"] = (format_number(r["mean"], digits=digits)
                            if isinstance(r["mean"], float) and math.isfinite(r["mean"]) else "")
            out["Δ"] = format_number(r.get("delta", np.nan), digits=digits, signed=True) \
                if r.get("a") else ""
            out["95% CI of Δ"] = (f"[{format_number(r['ci_low'], digits=digits, signed=True)}, "
                                  f"{format_number(r['ci_high'], digits=digits, signed=True)}]"
                                  if r.get("a") else "")
        elif kind == "main":
            out["Condition"] = r["label"]
            out["Mean ± sd"] = _fmt_mean_sd(r["mean"], r["sd"], digits)
            out["Δ"] = format_number(r.get("delta", np.nan), digits=digits, signed=True) \
                if r.get("a") else ""
        else:
            out["Comparison"] = f"{r['a']} {_MINUS} {r['b']}"
            out["Mean ± sd (a)"] = _fmt_mean_sd(r["mean_a"], r["sd_a"], digits)
            out["Mean ± sd (b)"] = _fmt_mean_sd(r["mean_b"], r["sd_b"], digits)
            out["Δ"] = format_number(r["mean_diff"], digits=digits, signed=True)
            if kind == "full" and "ci_low" in r:
                out[f"{table.attrs.get('ci_level', '95%')} CI"] = (
                    f"[{format_number(r['ci_low'], digits=digits)}, "
                    f"{format_number(r['ci_high'], digits=digits)}]"
                    if _finite(r["ci_low"]) else "–")
        compared = kind != "main" or bool(r.get("a"))
        for t in tests:
            label = TEST_LABELS.get(t, t)
            out[f"{label} p"] = format_p(r.get(f"p_{t}")) if compared else ""
            out[f"{label} p_adj"] = (format_p(r.get(f"p_adj_{t}")) + (r.get(f"sig_{t}") or "")
                                     if compared else "")
        if single:                           # seed-level effect sizes need >= 2 runs
            rows.append(out)
            continue
        out["r_rb"] = (format_number(r.get("rank_biserial"), digits=2, signed=True)
                       if compared else "")
        out["d_z"] = format_number(r.get("cohen_dz"), digits=2, signed=True) if compared else ""
        n = r.get("n_seeds") if kind == "main" else r.get("n")
        finite = isinstance(n, (int, float, np.integer)) and math.isfinite(n)
        out["n"] = str(int(n)) if finite else ""
        if kind == "full" and r.get("verdict"):
            out["Verdict"] = r["verdict"]
        rows.append(out)
    shown = pd.DataFrame.from_records(rows).astype(object)
    shown.attrs.update(table.attrs)
    return shown


def _format_degeneracy(table: pd.DataFrame, *, digits: int) -> pd.DataFrame:
    def pct(v) -> str:
        return format_number(100 * v, digits=1) if isinstance(v, (int, float)) else "–"

    rows = []
    for r in table.to_dict("records"):
        out = {"#": str(r.get("rank", "")), "Pair": f"{r['a']}–{r['b']}",
               "Status": r.get("status", "")}
        if "confusion_rate" in r:
            out["Confusion %"] = pct(r["confusion_rate"])
        if "lift" in r:
            out["× chance"] = format_number(r["lift"], digits=1)
        if "va_distance" in r:
            out["VA distance"] = format_number(r["va_distance"], digits=2)
        if "macro_f1_gain" in r:
            out["ΔF1 if resolved"] = format_number(r["macro_f1_gain"], digits=digits, signed=True)
        if "best_intervention" in r:
            best = r["best_intervention"]
            change = format_number(100 * r.get("best_relative_change", np.nan), digits=0,
                                   signed=True)
            out["Best intervention"] = f"{best} ({change}%)" if isinstance(best, str) else "–"
        if "best_p_adj" in r:
            out["p_adj"] = format_p(r["best_p_adj"])
        for k, v in r.items():
            if k.startswith("rate:"):
                out[f"% {k[5:]}"] = pct(v)
        rows.append(out)
    shown = pd.DataFrame.from_records(rows).astype(object)
    shown.attrs.update(table.attrs)
    return shown


