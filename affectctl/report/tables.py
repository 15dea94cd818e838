"""Tables from a :class:`~affectctl.compare.ComparisonResult`: CSV, Markdown, LaTeX.

Two builders select and reshape the numbers ``compare`` computed; neither computes a
statistic (means and standard deviations come from
:meth:`ComparisonResult.summary`, differences, p-values and effect sizes from
``ComparisonResult.comparisons``):

:func:`main_table`
    The headline table of ``affectctl compare``: for every headline metric, one row
    per condition (baseline first) with mean ± sd over seeds and, for the others, the
    difference from the baseline with its raw and adjusted p-values and effect sizes;
    then one row per extra contrast (``circumplex − uniform``).
:func:`comparison_table`
    Any metrics × any compared pairs × any tests, for analysis plans
    ("error distance and expected cost, circumplex against uniform and permuted").

Both return a full-precision :class:`pandas.DataFrame` (what :func:`to_csv` writes)
whose ``attrs`` carry the notes of the footnote. :func:`to_markdown` and
:func:`to_latex` format it; **this module is the only place in affectctl that
rounds** (:func:`format_table`).

Significance marks use the *adjusted* p-value: ``†`` p_adj < 0.05, ``‡`` p_adj < 0.01.
``§`` marks a test that cannot reach ``alpha`` whatever the data, because its
smallest attainable p-value (``min_pvalue``) exceeds ``alpha``: with 5 seeds the
two-sided exact Wilcoxon and sign-flip tests cannot go below 2/32 = 0.0625.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import ConfigError

__all__ = [
    "main_table",
    "compact_table",
    "full_table",
    "primary_test",
    "comparison_table",
    "degeneracy_table",
    "format_table",
    "format_p",
    "format_number",
    "to_markdown",
    "to_latex",
    "to_csv",
    "metric_label",
    "METRIC_LABELS",
    "TEST_LABELS",
]

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
}

_MARKS = ((0.01, "‡"), (0.05, "†"))
_TEXT_COLUMNS = ("Metric", "Condition", "Comparison", "Pair", "Status", "Best intervention")
_FLOOR_MARK = "§"
_SEED_TESTS = ("wilcoxon", "signflip", "ttest")
_MINUS = "−"


def metric_label(metric: str, *, arrow: bool = True) -> str:
    """Readable metric name, with ↑ (higher is better) or ↓ (lower is better)."""
    from ..metrics.registry import metric_direction

    label = METRIC_LABELS.get(metric, metric)
    if not arrow:
        return label
    return f"{label} {'↑' if metric_direction(metric) > 0 else '↓'}"


# ----------------------------------------------------------------------------------------------
# builders (full precision)


def _check_result(result) -> None:
    for attr in ("comparisons", "metrics", "pairs", "conditions", "baseline", "summary"):
        if not hasattr(result, attr):
            raise ConfigError(f"`result` must be a ComparisonResult (affectctl.compare); got "
                              f"{type(result).__name__} without `{attr}`.")


def _test_rows(result, tests: Sequence[str], *, strict: bool) -> pd.DataFrame:
    comps = result.comparisons
    present = set(comps["test"]) if len(comps) else set()
    missing = [t for t in tests if t not in present]
    if missing and strict:
        raise ConfigError(f"`tests` entries must be among the tests in the result "
                          f"{sorted(present)}; got {missing}.")
    if "run_seed" in comps.columns:
        comps = comps[comps["run_seed"].isna()]     # per-seed classifier tests are not table rows
    return comps[comps["test"].isin(tests)]


def _select(rows: pd.DataFrame, a: str, b: str, metric: str) -> pd.DataFrame:
    return rows[(rows["a"] == a) & (rows["b"] == b) & (rows["metric"] == metric)]


def _summary_lookup(result, metrics) -> dict:
    """``{(condition, metric): (mean, sd, n)}`` from :meth:`ComparisonResult.summary`."""
    metrics = tuple(dict.fromkeys(metrics))
    if set(metrics) - set(result.headline_metrics):
        # summary() covers the headline metrics; ask it about these metrics instead
        result = dataclasses.replace(result, headline_metrics=metrics)
    s = result.summary()
    return {(r.condition, r.metric): (float(r.mean), float(r.sd), int(r.n))
            for r in s.itertuples(index=False)}


def _mark(p_adj: float, min_p: float, alpha: float) -> str:
    if isinstance(min_p, float) and math.isfinite(min_p) and min_p > alpha:
        return _FLOOR_MARK
    if not (isinstance(p_adj, float) and math.isfinite(p_adj)):
        return ""
    for level, mark in _MARKS:
        if p_adj < level and level <= alpha + 1e-12:
            return mark
    return ""


def _add_geometry_marks(result, table: pd.DataFrame, tests) -> None:
    """Append the geometry mark to ``sig_<test>`` where the conclusion depends on the geometry.

    The marks come from :attr:`ComparisonResult.geometry_sensitivity`
    (:func:`affectctl.report._geometry.geometry_marks`).
    """
    from ._geometry import MARK, geometry_marks

    marks = geometry_marks(result)
    if not marks or table.empty:
        return
    for t in tests:
        col = f"sig_{t}"
        if col not in table:
            continue
        hit = [(a, b, m, t) in marks for a, b, m in zip(table["a"], table["b"], table["metric"])]
        table.loc[hit, col] = table.loc[hit, col].fillna("").astype(str) + MARK


def _pair_fields(rows: pd.DataFrame, tests: Sequence[str], alpha: float) -> dict:
    """Fields of one (a, b, metric) from its test rows; NaN where a test is missing."""
    out: dict = {}
    by_test = {r["test"]: r for _, r in rows.iterrows()}
    # n, mean difference and effect sizes come from a seed-level test (they are the
    # same for all of them); sample-level tests report their own n in their row.
    ref = next((by_test[t] for t in _SEED_TESTS if t in by_test), None)
    if ref is None and by_test:
        ref = next(iter(by_test.values()))
    out["n"] = np.nan if ref is None else ref.get("n", np.nan)
    out["mean_diff"] = np.nan if ref is None else float(ref.get("mean_diff", np.nan))
    for t in tests:
        r = by_test.get(t)
        p = np.nan if r is None else float(r.get("p_value", np.nan))
        p_adj = np.nan if r is None else float(r.get("p_adjusted", np.nan))
        min_p = np.nan if r is None else float(r.get("min_pvalue", np.nan))
        out[f"p_{t}"] = p
        out[f"p_adj_{t}"] = p_adj
        out[f"min_p_{t}"] = min_p
        out[f"sig_{t}"] = "" if r is None else _mark(p_adj, min_p, alpha)
    ci = next((by_test[t] for t in (*_SEED_TESTS, *by_test) if t in by_test
               and _finite(by_test[t].get("ci_low"))), None)
    out["ci_low"] = np.nan if ci is None else float(ci["ci_low"])
    out["ci_high"] = np.nan if ci is None else float(ci["ci_high"])
    out["ci_test"] = "" if ci is None else str(ci["test"])
    out["ci_level"] = np.nan if ci is None else float(ci.get("confidence", np.nan))
    out["rank_biserial"] = np.nan if ref is None else float(ref.get("rank_biserial", np.nan))
    out["cohen_dz"] = np.nan if ref is None else float(ref.get("cohen_dz", np.nan))
    return out


def _finite(v) -> bool:
    try:
        return v is not None and v is not pd.NA and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _resolve_pairs(result, pairs) -> list:
    known = [tuple(p) for p in result.pairs]
    if pairs is None or (isinstance(pairs, str) and pairs == "all"):
        return known
    if isinstance(pairs, str) and pairs == "baseline":
        return [p for p in known if p[1] == result.baseline]
    if isinstance(pairs, str):
        raise ConfigError("`pairs` must be 'baseline', 'all', None or a sequence of (a, b); "
                          f"got {pairs!r}.")
    out = []
    for p in pairs:
        if not (isinstance(p, (tuple, list)) and len(p) == 2):
            raise ConfigError(f"`pairs` entries must be (a, b) tuples; got {p!r}.")
        p = (str(p[0]), str(p[1]))
        if p not in known:
            hint = (" (the result has the reverse pair; differences are a − b)"
                    if p[::-1] in known else "")
            raise ConfigError(f"pair {p[0]}:{p[1]} was not compared{hint}; compared pairs: "
                              f"{[f'{a}:{b}' for a, b in known]}.")
        out.append(p)
    return out


def _resolve_metrics(result, metrics) -> list:
    if isinstance(metrics, str):
        metrics = [metrics]
    available = set(result.metrics["metric"])
    metrics = [_pair_alias(m, available) for m in metrics]
    unknown = [m for m in metrics if m not in available]
    if unknown:
        raise ConfigError(f"metric(s) {unknown} are not in the result; available: "
                          f"{sorted(available)}.")
    untested = [m for m in metrics if m not in set(result.comparisons["metric"])]
    if untested:
        raise ConfigError(f"metric(s) {untested} were not tested; pass them to compare(metrics=[...]). "
                          f"Tested: {sorted(set(result.headline_metrics))}.")
    if not metrics:
        raise ConfigError("`metrics` must name at least one metric.")
    return list(metrics)


def _pair_alias(metric: str, available) -> str:
    """``pair_confusion:B|A`` names ``pair_confusion:A|B`` (:func:`resolve_metric_alias`)."""
    from ..metrics.registry import resolve_metric_alias

    return resolve_metric_alias(metric, available)


def _check_alpha(alpha) -> float:
    if not (isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and 0 < alpha < 1):
        raise ConfigError(f"`alpha` must be a number in (0, 1); got {alpha!r}.")
    return float(alpha)


def comparison_table(result, metrics: Sequence[str], pairs=None,
                     tests: Sequence[str] = ("wilcoxon", "signflip"), *,
                     alpha: float = 0.05) -> pd.DataFrame:
    """One row per (metric, pair): both means, the difference, p-values and effect sizes.

    Parameters
    ----------
    result : ComparisonResult
    metrics : sequence of str
        Metric ids, in the order of the rows.
    pairs : None, "all", "baseline" or sequence of (a, b), optional
        Which comparisons to show (difference a − b); every pair must be among
        ``result.pairs``. None or "all": all of them; "baseline": those against the
        baseline.
    tests : sequence of str, default ("wilcoxon", "signflip")
        Tests whose p-values to show (any ``test`` of ``result.comparisons``, e.g.
        ``"ttest"``, ``"ar"``).
    alpha : float, default 0.05
        Level of the ``§`` mark (test cannot reach it) and the largest mark shown.

    Returns
    -------
    DataFrame
        Columns ``metric, direction, a, b, mean_a, sd_a, mean_b, sd_b, n, mean_diff``;
        for each test ``t``: ``p_t`` (raw), ``p_adj_t`` (adjusted), ``min_p_t``
        (smallest attainable p), ``sig_t`` (mark); then ``rank_biserial, cohen_dz``.
        Full precision. ``attrs["notes"]`` holds the footnote lines,
        ``attrs["tests"]`` the tests.

    Examples
    --------
    An analysis plan's "error geometry" table::

        comparison_table(result, ["error_distance_mean", "expected_cost"],
                         pairs=[("circumplex", "uniform"), ("circumplex", "permuted")])
    """
    _check_result(result)
    alpha = _check_alpha(alpha)
    metrics = _resolve_metrics(result, metrics)
    metrics, aliases = _merge_aliases(result, metrics)
    pairs = _resolve_pairs(result, pairs)
    tests = list(tests)
    rows_all = _test_rows(result, tests, strict=True)
    summ = _summary_lookup(result, metrics)
    from ..metrics.registry import metric_direction

    records = []
    for metric in metrics:
        for a, b in pairs:
            sel = _select(rows_all, a, b, metric)
            ma, sa, _ = summ.get((a, metric), (np.nan, np.nan, 0))
            mb, sb, _ = summ.get((b, metric), (np.nan, np.nan, 0))
            records.append({"metric": metric, "direction": metric_direction(metric), "a": a, "b": b,
                            "mean_a": ma, "sd_a": sa, "mean_b": mb, "sd_b": sb,
                            **_pair_fields(sel, tests, alpha)})
    table = pd.DataFrame.from_records(records)
    _add_geometry_marks(result, table, tests)
    table["n"] = table["n"].astype("Int64")
    notes = _notes(result, table, tests, alpha, kind="comparison")
    for dropped, kept in aliases.items():
        notes.append(f"{metric_label(dropped, arrow=False)} ({dropped}) is another name for "
                     f"{metric_label(kept, arrow=False)} ({kept}) here (equal in every run); "
                     "shown once.")
    table.attrs.update(kind="comparison", tests=tests, alpha=alpha, aliases=aliases, notes=notes)
    return table


def _merge_aliases(result, metrics) -> tuple:
    """Drop a metric whose value equals an earlier one's in every run (e.g. ``expr_macro_f1``
    when ``official_score`` is ``abaw3_expr_score``); return (metrics kept, {dropped: kept})."""
    m = result.metrics
    values = {}
    for metric in metrics:
        sub = m[m["metric"] == metric].sort_values(["condition", "seed"])
        values[metric] = (tuple(zip(sub["condition"], sub["seed"], strict=True)),
                          sub["value"].to_numpy(dtype=float))
    kept, aliases = [], {}
    for metric in metrics:
        keys, vals = values[metric]
        twin = next((k for k in kept if values[k][0] == keys and len(vals)
                     and np.array_equal(values[k][1], vals, equal_nan=True)), None)
        if twin is None:
            kept.append(metric)
        else:
            aliases[metric] = twin
    return kept, aliases


def main_table(result, *, tests: Sequence[str] = ("wilcoxon", "signflip"),
               alpha: float = 0.05) -> pd.DataFrame:
    """The headline table: every condition and every extra contrast, per headline metric.

    Parameters
    ----------
    result : ComparisonResult
    tests : sequence of str, default ("wilcoxon", "signflip")
        Tests whose p-values to show; those absent from the result are left out.
    alpha : float, default 0.05

    Returns
    -------
    DataFrame
        One row per (headline metric, condition) in the order of
        ``result.conditions`` (baseline first), then one per (metric, extra contrast)
        (pairs whose ``b`` is not the baseline). Columns: ``metric, direction,
        section`` ("condition" or "contrast"), ``label`` (condition name or
        ``"a − b"``), ``a, b`` (the compared pair; empty for the baseline row),
        ``mean, sd`` (over seeds; NaN for contrast rows), ``n_seeds``, ``delta``
        (mean difference a − b), for each test ``t``: ``p_t, p_adj_t, min_p_t,
        sig_t``; ``rank_biserial, cohen_dz, n`` (pairs behind the test). Full
        precision; ``attrs["notes"]`` holds the footnote lines.
    """
    _check_result(result)
    alpha = _check_alpha(alpha)
    tests = [t for t in tests if t in set(result.comparisons.get("test", pd.Series(dtype=object)))]
    rows_all = _test_rows(result, tests, strict=False)
    summ = _summary_lookup(result, result.headline_metrics)
    from ..metrics.registry import metric_direction

    pairs = [tuple(p) for p in result.pairs]
    contrasts = [p for p in pairs if p[1] != result.baseline]
    records = []
    for metric in result.headline_metrics:
        direction = metric_direction(metric)
        for c in result.conditions:
            mean, sd, n_seeds = summ.get((c, metric), (np.nan, np.nan, 0))
            rec = {"metric": metric, "direction": direction, "section": "condition", "label": c,
                   "a": "", "b": "", "mean": mean, "sd": sd, "n_seeds": n_seeds}
            if c != result.baseline and (c, result.baseline) in pairs:
                sel = _select(rows_all, c, result.baseline, metric)
                f = _pair_fields(sel, tests, alpha)
                rec.update(a=c, b=result.baseline, delta=f.pop("mean_diff"), **f)
            records.append(rec)
        for a, b in contrasts:
            sel = _select(rows_all, a, b, metric)
            f = _pair_fields(sel, tests, alpha)
            n_seeds = summ.get((a, metric), (np.nan, np.nan, 0))[2]
            records.append({"metric": metric, "direction": direction, "section": "contrast",
                            "label": f"{a} {_MINUS} {b}", "a": a, "b": b, "mean": np.nan,
                            "sd": np.nan, "n_seeds": n_seeds, "delta": f.pop("mean_diff"), **f})
    cols = ["metric", "direction", "section", "label", "a", "b", "mean", "sd", "n_seeds", "delta"]
    for t in tests:
        cols += [f"p_{t}", f"p_adj_{t}", f"min_p_{t}", f"sig_{t}"]
    cols += ["rank_biserial", "cohen_dz", "n"]
    table = pd.DataFrame.from_records(records).reindex(columns=cols)
    for t in tests:
        table[f"sig_{t}"] = table[f"sig_{t}"].fillna("").astype(object)
    _add_geometry_marks(result, table, tests)
    table["n"] = table["n"].astype("Int64")
    table["n_seeds"] = table["n_seeds"].astype("Int64")
    single = _single_run_ci(result, table)
    table.attrs.update(kind="main", tests=tests, alpha=alpha, single_run=single,
                       notes=_notes(result, table, tests, alpha, kind="main"))
    return table


def _single_run_ci(result, table: pd.DataFrame) -> bool:
    """One run per condition: add ``ci_low, ci_high`` (bootstrap CI of Δ) after ``delta``.

    The values come from ``result.differences`` (computed by :func:`affectctl.compare.compare`);
    returns whether the result is a single-run comparison.
    """
    diffs = getattr(result, "differences", None)
    if not (len(getattr(result, "seeds", ())) == 1 and diffs is not None):
        return False
    ci = {(r.a, r.b, r.metric): (r.ci_low, r.ci_high) for r in diffs.itertuples(index=False)}
    lo, hi = zip(*[ci.get((r.a, r.b, r.metric), (np.nan, np.nan)) if r.a else (np.nan, np.nan)
                   for r in table.itertuples(index=False)]) if len(table) else ((), ())
    at = list(table.columns).index("delta") + 1
    table.insert(at, "ci_low", np.asarray(lo, dtype=float))
    table.insert(at + 1, "ci_high", np.asarray(hi, dtype=float))
    return True


def primary_test(result, tests: Sequence[str] = ("wilcoxon", "signflip", "ar"), *,
                 alpha: float = 0.05) -> "str | None":
    """The test whose adjusted p-values mark the differences of the compact table.

    The first of ``tests`` present in the result that *can* reach ``alpha`` (its
    smallest attainable p-value is at most ``alpha`` for every row); when none can,
    the first present. With 5 seeds the two-sided exact seed-level tests cannot go
    below 0.0625, so the sample-level test marks the table and the caption says so;
    with 10 seeds the exact Wilcoxon test does. None when the result has no test
    (e.g. one run per condition and no sample-level test).
    """
    rows = _test_rows(result, list(tests), strict=False)
    present = [t for t in tests if t in set(rows["test"])]
    for t in present:
        mins = pd.to_numeric(rows.loc[rows["test"] == t, "min_pvalue"], errors="coerce")
        if not (mins > alpha).any():
            return t
    return present[0] if present else None


def compact_table(result, *, tests: Sequence[str] = ("wilcoxon", "signflip", "ar"),
                  primary: "str | None" = None, alpha: float = 0.05) -> pd.DataFrame:
    """The compact main table: headline metrics × conditions, one primary test's marks.

    Parameters
    ----------
    result : ComparisonResult
    tests : sequence of str, default ("wilcoxon", "signflip", "ar")
        Candidates for the primary test, in order of preference (see
        :func:`primary_test`).
    primary : str, optional
        The test whose adjusted p-value marks Δ; default :func:`primary_test`.
    alpha : float, default 0.05

    Returns
    -------
    DataFrame
        One row per (headline metric, condition), baseline first: ``metric,
        direction, condition, mean, sd`` (NaN with a single run), ``n_seeds``,
        ``delta`` (condition − baseline; NaN for the baseline), ``p_adj`` and
        ``min_p`` of the primary test, ``sig`` (its mark). Full precision;
        ``attrs["primary"]`` names the test, ``attrs["notes"]`` the footnote.
    """
    _check_result(result)
    alpha = _check_alpha(alpha)
    present = set(result.comparisons["test"]) if len(result.comparisons) else set()
    if primary is None:
        primary = primary_test(result, tests, alpha=alpha)
    elif primary not in present:
        raise ConfigError(f"`primary` must be one of the tests in the result {sorted(present)}; "
                          f"got {primary!r}.")
    rows_all = _test_rows(result, [primary] if primary else [], strict=False)
    summ = _summary_lookup(result, result.headline_metrics)
    from ..metrics.registry import metric_direction

    pairs = {tuple(p) for p in result.pairs}
    records = []
    for metric in result.headline_metrics:
        for c in result.conditions:
            mean, sd, n_seeds = summ.get((c, metric), (np.nan, np.nan, 0))
            rec = {"metric": metric, "direction": metric_direction(metric), "condition": c,
                   "mean": mean, "sd": sd, "n_seeds": n_seeds, "delta": np.nan,
                   "p_adj": np.nan, "min_p": np.nan, "sig": ""}
            if c != result.baseline and (c, result.baseline) in pairs:
                sel = _select(rows_all, c, result.baseline, metric)
                f = _pair_fields(sel, [primary] if primary else [], alpha)
                rec["delta"] = f["mean_diff"]
                if not _finite(rec["delta"]) and _finite(mean):
                    base_mean = summ.get((result.baseline, metric), (np.nan,))[0]
                    rec["delta"] = mean - base_mean          # no test row: the plain difference
                if primary:
                    rec.update(p_adj=f[f"p_adj_{primary}"], min_p=f[f"min_p_{primary}"],
                               sig=f[f"sig_{primary}"])
            records.append(rec)
    table = pd.DataFrame.from_records(records)
    table["n_seeds"] = table["n_seeds"].astype("Int64")
    if primary:                    # the primary test's conclusion may depend on the geometry
        from ._geometry import MARK, geometry_marks

        marks = geometry_marks(result)
        hit = [(c, result.baseline, m, primary) in marks
               for c, m in zip(table["condition"], table["metric"])]
        table.loc[hit, "sig"] = table.loc[hit, "sig"].fillna("").astype(str) + MARK
    notes = _compact_notes(result, table, primary, alpha)
    if primary:
        from ._geometry import table_footnote

        line = table_footnote(result)
        if line:
            notes.append(line)
    table.attrs.update(kind="compact", tests=[primary] if primary else [], primary=primary,
                       alpha=alpha, notes=notes)
    return table


def full_table(result, *, alpha: float = 0.05) -> pd.DataFrame:
    """Every test of every comparison of every headline metric: the full statistics.

    A :func:`comparison_table` over all compared pairs and all tests in the result
    (seed-level and sample-level; per-seed classifier tests excluded), with the
    confidence interval of the difference (``ci_low, ci_high`` from the seed-level
    Student-t interval when present, else the first test that reports one).
    """
    _check_result(result)
    comps = result.comparisons
    if "run_seed" in comps.columns:
        comps = comps[comps["run_seed"].isna()]
    order = ("wilcoxon", "signflip", "ttest", "ar", "bootstrap")
    present = list(dict.fromkeys(comps["test"])) if len(comps) else []
    tests = [t for t in order if t in present] + [t for t in present if t not in order]
    metrics = [m for m in result.headline_metrics if m in set(comps.get("metric", ()))]
    if not metrics:
        metrics = list(result.headline_metrics)
        table = pd.DataFrame({"metric": [], "a": [], "b": []})
        table.attrs.update(kind="full", tests=[], alpha=alpha, notes=[])
        return table
    table = comparison_table(result, metrics, pairs="all", tests=tests, alpha=alpha)
    table.attrs["kind"] = "full"
    notes = list(table.attrs.get("notes", []))
    ci = [t for t in table["ci_test"] if t] if "ci_test" in table else []
    if ci:
        level = table["ci_level"].dropna()
        pct = f"{100 * float(level.iloc[0]):g}%" if len(level) else "95%"
        how = {"wilcoxon": "Student-t interval over seeds", "signflip": "Student-t interval over seeds",
               "ttest": "Student-t interval over seeds", "bootstrap": "paired bootstrap"}
        notes.insert(1, f"CI: {pct} confidence interval of Δ ({how.get(ci[0], ci[0])}).")
        table.attrs["ci_level"] = pct
    table.attrs["notes"] = notes
    return table


def _compact_notes(result, table, primary, alpha) -> list:
    settings = dict(getattr(result, "settings", {}) or {})
    comps = result.comparisons
    seeds = tuple(getattr(result, "seeds", ()))
    notes = []
    single = len(seeds) <= 1 or table["n_seeds"].fillna(0).max() <= 1
    if single:
        notes.append(f"One run per condition (the value shown, no sd); Δ = condition {_MINUS} "
                     f"{result.baseline}.")
    else:
        notes.append(f"Mean ± sd over {len(seeds)} seeds; Δ = condition {_MINUS} "
                     f"{result.baseline}; ↑/↓: higher/lower is better.")
    if primary:
        rows = comps[comps["test"] == primary]
        if primary in ("ar", "bootstrap"):
            unit = rows["unit"].iloc[0] if "unit" in rows and len(rows) else settings.get("unit")
            what = ("approximate randomization" if primary == "ar" else "paired bootstrap")
            desc = f"{what} over {unit}s" + ("" if single else ", seeds as strata")
        elif primary == "wilcoxon":
            desc = "exact Wilcoxon signed-rank test over seeds"
        elif primary == "signflip":
            desc = "sign-flip test over seeds"
        elif primary == "ttest":
            desc = "paired t-test over seeds"
        else:
            desc = TEST_LABELS.get(primary, primary)
        corr = settings.get("correction")
        if corr is None and "p_adjust" in rows.columns and len(rows):
            corr = rows["p_adjust"].iloc[0]
        levels = ", ".join(f"{mark} p_adj < {format_p(level)}" for level, mark in _MARKS[::-1]
                           if level <= alpha)
        adj = f", {corr}-adjusted" if corr and corr != "none" else ""
        notes.append(f"Marks on Δ: {desc}{adj}: {levels}.")
        if (table["sig"] == _FLOOR_MARK).any():
            notes.append(f"{_FLOOR_MARK} the test cannot reach p < {format_p(alpha)} "
                         "whatever the data.")
        seed_rows = comps[comps["test"].isin(_SEED_TESTS)]
        if primary not in _SEED_TESTS and len(seed_rows):
            floor = pd.to_numeric(seed_rows["min_pvalue"], errors="coerce").max()
            if _finite(floor) and floor > alpha:
                notes.append(f"The seed-level tests cannot go below p = {format_p(floor)} "
                             f"with {len(seeds)} seeds (full statistics table).")
    else:
        notes.append("No test: Δ is the plain difference of the values.")
    official = settings.get("official_score")
    if official and "official_score" in set(table["metric"]):
        notes.append(f"Official score = {official}.")
    return notes


def degeneracy_table(diagnosis, *, top: int | None = 10) -> pd.DataFrame:
    """Rare pairs from :func:`affectctl.diagnose.diagnose`, one row per pair.

    Parameters
    ----------
    diagnosis : DiagnosisResult
    top : int or None, default 10
        Rows kept, in the diagnosis's rank order (flagged pairs first); every
        flagged pair is kept even beyond ``top``. None keeps all pairs.

    Returns
    -------
    DataFrame
        ``rank, a, b, status, confusion_rate, chance_rate, lift, va_distance,
        va_overlap, macro_f1_gain, best_intervention, best_relative_change,
        best_p_adj`` (columns the diagnosis lacks are left out), then
        ``rate:<condition>`` (seed-mean confusion rate under the baseline and every
        intervention: persistence at a glance). Full precision; ``attrs["notes"]``
        holds the diagnosis's notes and the meaning of the statuses shown.
    """
    if not hasattr(diagnosis, "pairs") or not hasattr(diagnosis, "by_condition"):
        raise ConfigError(f"`diagnosis` must be a DiagnosisResult (affectctl.diagnose); "
                          f"got {type(diagnosis).__name__}.")
    if top is not None and not (isinstance(top, int) and not isinstance(top, bool) and top >= 0):
        raise ConfigError(f"`top` must be None or a non-negative integer; got {top!r}.")
    pairs = diagnosis.pairs
    flagged = pairs["status"].isin(("degenerate", "candidate")) if "status" in pairs else False
    keep = pairs if top is None else pairs[flagged | (np.arange(len(pairs)) < top)]
    cols = [c for c in ("rank", "a", "b", "status", "confusion_rate", "chance_rate", "lift",
                        "va_distance", "va_overlap", "macro_f1_gain", "best_intervention",
                        "best_relative_change", "best_p_adj") if c in keep.columns]
    table = keep[cols].reset_index(drop=True).copy()
    bc = diagnosis.by_condition
    conditions = [diagnosis.baseline, *diagnosis.interventions]
    if {"a", "b", "condition", "confusion_rate"} <= set(bc.columns):
        wide = bc.pivot_table(index=["a", "b"], columns="condition", values="confusion_rate",
                              aggfunc="first")
        for c in conditions:
            if c in wide.columns:
                table[f"rate:{c}"] = [wide[c].get((a, b), np.nan)
                                      for a, b in zip(table["a"], table["b"], strict=True)]
    notes = [f"Pairs in rank order (flagged first); rates are seed means of the symmetric pair "
             f"confusion rate under {diagnosis.baseline} and every intervention; "
             f"{len(diagnosis.seeds)} seeds; geometry {diagnosis.geometry}."]
    from ..diagnose import STATUSES

    for status in dict.fromkeys(table.get("status", [])):
        if status in STATUSES:
            notes.append(f"{status}: {STATUSES[status]}.")
    notes += [str(n) for n in getattr(diagnosis, "notes", ())]
    table.attrs.update(kind="degeneracy", tests=[], notes=notes)
    return table


# ----------------------------------------------------------------------------------------------
# notes (the footnote)


def _seeds_text(seeds) -> str:
    seeds = list(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(str(s) for s in seeds)


_NOTE_TEST_NAMES = {"wilcoxon": "Wilcoxon", "signflip": "sign-flip", "ttest": "paired t",
                    "ar": "approximate-randomization", "bootstrap": "bootstrap"}


def _notes(result, table: pd.DataFrame, tests, alpha: float, *, kind: str) -> list:
    settings = dict(getattr(result, "settings", {}) or {})
    comps = result.comparisons
    seeds = tuple(getattr(result, "seeds", ()))
    notes = []
    delta = (f"Δ = condition {_MINUS} {result.baseline} (contrasts: a {_MINUS} b)"
             if kind == "main" else f"Δ = a {_MINUS} b")
    if len(seeds) == 1 and "ci_low" in table.columns:
        diffs = getattr(result, "differences", None)
        unit = settings.get("unit") or "sample"
        r = settings.get("n_resamples")
        conf = (diffs["confidence"].iloc[0] if diffs is not None and len(diffs) else 0.95)
        notes.append(f"One run per condition (seed {seeds[0]}): value of that run; {delta}; "
                     f"{100 * conf:g}% CI of Δ: paired bootstrap over {unit}s (percentile"
                     + (f", {r} resamples" if r else "") + "); ↑ higher is better, ↓ lower is better.")
        if settings.get("seed_tests_skipped"):
            notes.append(f"Seed-level tests not run: {settings['seed_tests_skipped']}.")
    elif len(seeds) == 1:
        notes.append(f"One run per condition (seed {seeds[0]}): the value, no sd; {delta}; "
                     "↑ higher is better, ↓ lower is better.")
    elif seeds:
        notes.append(f"Mean ± sd over n = {len(seeds)} seeds ({_seeds_text(seeds)}); {delta}; "
                     "↑ higher is better, ↓ lower is better.")
    else:
        notes.append(f"{delta}; ↑ higher is better, ↓ lower is better.")
    alt = settings.get("alternative")
    if alt is None and "alternative" in comps.columns and len(comps):
        alt = comps["alternative"].iloc[0]
    test_bits = []
    for t in tests:
        rows = comps[comps["test"] == t]
        label = TEST_LABELS.get(t, t)
        if t == "wilcoxon":
            exact = bool(rows["exact"].all()) if "exact" in rows else True
            test_bits.append(f"{label}: {'exact ' if exact else ''}signed-rank test over seeds")
        elif t == "signflip":
            if "exact" in rows and not rows["exact"].all():
                r = rows["n_resamples"].dropna()
                test_bits.append(f"{label}: Monte-Carlo sign-flip test over seeds"
                                 + (f" ({int(r.max())} resamples)" if len(r) else ""))
            else:
                test_bits.append(f"{label}: exact sign-flip test over seeds (all sign assignments)")
        elif t in ("ar", "bootstrap"):
            unit = rows["unit"].iloc[0] if "unit" in rows and len(rows) else settings.get("unit")
            what = "approximate randomization" if t == "ar" else "paired bootstrap"
            strata = ", seeds as strata" if len(seeds) != 1 else ""
            test_bits.append(f"{label}: {what} over {unit}s{strata}")
        elif t == "ttest":
            test_bits.append(f"{label}: paired t-test over seeds")
        else:
            test_bits.append(label)
    if test_bits:
        notes.append("; ".join(test_bits) + (f"; {alt} alternative." if alt else "."))
    if len(seeds) == 1 and kind == "main":
        notes += _classifier_notes(comps, grouped=settings.get("unit") == "group")
    corr = settings.get("correction")
    if corr is None and "p_adjust" in comps.columns and len(comps):
        corr = comps["p_adjust"].iloc[0]
    if corr:
        notes.append(f"p_adj: {corr}-adjusted within each test's family (all comparisons × "
                     "metrics tested with that test).")
    levels = [f"{mark} p_adj < {format_p(level)}" for level, mark in _MARKS[::-1] if level <= alpha]
    notes.append(", ".join(levels) + ".")
    floors: dict = {}
    n_col = "n"
    for t in tests:
        col_min = f"min_p_{t}"
        if col_min not in table or n_col not in table:
            continue
        sub = table[[col_min, n_col]].dropna()
        sub = sub[sub[col_min] > alpha]
        for min_p, n in sub.drop_duplicates().itertuples(index=False):
            floors.setdefault((int(n), float(min_p)), []).append(_NOTE_TEST_NAMES.get(t, t))
    if floors:
        unit = "seeds" if seeds else "pairs"
        parts = []
        for (n, min_p), names in floors.items():
            names = list(dict.fromkeys(names))
            which = " and ".join(names) + (" tests" if len(names) > 1 else " test")
            parts.append(f"with n = {n} {unit} the {alt + ' ' if alt else ''}{which} cannot go "
                         f"below p = {format_p(min_p)}")
        notes.append(f"{_FLOOR_MARK} cannot reach p < {format_p(alpha)} whatever the data: "
                     + "; ".join(parts) + ".")
    mc = []
    if settings.get("seed") is not None:
        mc.append(f"Monte-Carlo seed {settings['seed']}")
    if settings.get("n_resamples") is not None:
        mc.append(f"{settings['n_resamples']} resamples")
    if settings.get("geometry"):
        mc.append(f"geometry {settings['geometry']}")
    if mc:
        notes.append(", ".join(mc) + ".")
    from ._geometry import table_footnote

    geo_note = table_footnote(result)
    if geo_note:
        notes.append(geo_note)
    official = settings.get("official_score")
    metrics_shown = set(table["metric"]) if "metric" in table.columns else set()
    if official and "official_score" in metrics_shown:
        notes.append(f"Official score = {official} ({_OFFICIAL_TEXT.get(official, official)}).")
    return notes


def _classifier_notes(comps: pd.DataFrame, *, grouped: bool = False) -> list:
    """One run per condition: McNemar, Bowker and Stuart–Maxwell p-values, one line per pair."""
    if "test" not in comps.columns:
        return []
    rows = comps[comps["test"].isin(("mcnemar", "bowker", "stuart_maxwell"))]
    names = {"mcnemar": "McNemar", "bowker": "Bowker", "stuart_maxwell": "Stuart–Maxwell"}
    out = []
    for (a, b), g in rows.groupby(["a", "b"], sort=False):
        bits = [f"{names[r.test]} p = {format_p(r.p_value)}" for r in g.itertuples(index=False)]
        if bits:
            out.append(f"{a} vs {b}: " + ", ".join(bits) + " (raw; right/wrong, symmetry and "
                       "marginals of the paired predictions).")
    if out and grouped:
        out.append("These three treat frames as independent; frames of a video are not, so for "
                   "video data read the tests over groups above.")
    return out


_OFFICIAL_TEXT = {
    "abaw3_expr_score": "ABAW3+ EXPR: mean F1 over the 8 Aff-Wild2 classes",
    "abaw2_expr_score": "ABAW 2020/ABAW2 EXPR: 0.67 macro-F1 + 0.33 accuracy over 7 classes",
    "accuracy": "the benchmark's top-1 accuracy",
}


# ----------------------------------------------------------------------------------------------
# formatting: the only rounding in affectctl


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


# ----------------------------------------------------------------------------------------------
# writers


def to_csv(table: pd.DataFrame) -> str:
    """The table as CSV text, full precision (no rounding), one row per table row."""
    return table.to_csv(index=False, lineterminator="\n")


def _md_cell(s: str) -> str:
    return str(s).replace("|", "\\|")


def to_markdown(table: pd.DataFrame, *, caption: str | None = None, digits: int = 3) -> str:
    """GitHub-flavoured Markdown: optional caption, a pipe table, then the notes.

    Parameters
    ----------
    table : DataFrame from :func:`main_table` or :func:`comparison_table`
    caption : str, optional
        Printed in bold above the table.
    digits : int, default 3

    Returns
    -------
    str
    """
    shown = format_table(table, digits=digits)
    cols = list(shown.columns)
    numeric = [c not in _TEXT_COLUMNS for c in cols]
    lines = []
    if caption:
        lines += [f"**{caption}**", ""]
    lines.append("| " + " | ".join(_md_cell(c) for c in cols) + " |")
    lines.append("|" + "|".join("---:" if num else ":---" for num in numeric) + "|")
    for r in shown.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in r) + " |")
    notes = table.attrs.get("notes", [])
    if notes:
        lines.append("")
        lines += [n + "  " if i < len(notes) - 1 else n for i, n in enumerate(notes)]
    return "\n".join(lines) + "\n"


_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_TEX_UNICODE = {
    "−": "$-$", "±": r"$\pm$", "Δ": r"$\Delta$", "↑": r"$\uparrow$", "↓": r"$\downarrow$",
    "†": r"\textsuperscript{\dag}", "‡": r"\textsuperscript{\ddag}",
    "§": r"\textsuperscript{\S}", "◊": r"\textsuperscript{$\diamond$}",
    "≤": r"$\le$", "≥": r"$\ge$", "<": r"$<$", ">": r"$>$", "×": r"$\times$", "–": "--",
    "α": r"$\alpha$",
}


def tex_escape(text: str) -> str:
    r"""Escape LaTeX specials (``_`` → ``\_``) and map the symbols affectctl uses to LaTeX.

    >>> tex_escape("error_distance_mean ↓"), tex_escape("0.512 ± 0.010")
    ('error\\_distance\\_mean $\\downarrow$', '0.512 $\\pm$ 0.010')
    """
    out = []
    for ch in str(text):
        out.append(_TEX_SPECIAL.get(ch) or _TEX_UNICODE.get(ch) or ch)
    return "".join(out).replace("$$", "")


_TEX_SYMBOLS = {"p_adj": r"$p_\mathrm{adj}$", "r_rb": r"$r_\mathrm{rb}$", "d_z": r"$d_z$"}


def _tex_note(text: str) -> str:
    """Escape a footnote line, setting ``p_adj``, ``r_rb``, ``d_z`` as math symbols."""
    import re

    parts = re.split(r"(p_adj|r_rb|d_z)", text)
    return "".join(_TEX_SYMBOLS.get(p) or tex_escape(p) for p in parts).replace("$$", "")


def _tex_header(cols: list, tests: list) -> list:
    """Two header lines (test names spanning p / p_adj) and the booktabs cmidrules."""
    top, sub, rules = [], [], []
    i = 0
    names = {"Mean ± sd": r"Mean $\pm$ sd", "Mean ± sd (a)": r"Mean $\pm$ sd ($a$)",
             "Mean ± sd (b)": r"Mean $\pm$ sd ($b$)", "Δ": r"$\Delta$",
             "r_rb": r"$r_\mathrm{rb}$",
             "d_z": r"$d_z$", "n": r"$n$"}
    labels = {TEST_LABELS.get(t, t): t for t in tests}
    while i < len(cols):
        c = cols[i]
        test = next((lab for lab in labels if c == f"{lab} p"), None)
        if test is not None and i + 1 < len(cols) and cols[i + 1] == f"{test} p_adj":
            top.append(rf"\multicolumn{{2}}{{c}}{{{tex_escape(test)}}}")
            sub += [r"$p$", r"$p_\mathrm{adj}$"]
            rules.append(rf"\cmidrule(lr){{{i + 1}-{i + 2}}}")
            i += 2
            continue
        top.append("")
        sub.append(names.get(c, tex_escape(c)))
        i += 1
    if not rules:
        return [" & ".join(sub) + r" \\"]
    return [" & ".join(top) + r" \\", "".join(rules), " & ".join(sub) + r" \\"]


def to_latex(table: pd.DataFrame, *, caption: str | None = None, label: str | None = None,
             digits: int = 3, environment: str | None = "auto") -> str:
    r"""A booktabs LaTeX table (``\toprule``, ``\midrule``, ``\bottomrule``) with its notes.

    Starts with ``% requires: booktabs`` (and graphicx when scaled): the packages the
    preamble needs.

    Parameters
    ----------
    table : DataFrame from :func:`main_table` or :func:`comparison_table`
    caption, label : str, optional
        ``\caption`` and ``\label`` of the float.
    digits : int, default 3
    environment : {"auto", "table", "table*", None}, default "auto"
        The float around the tabular: "auto" takes ``table`` when the table fits
        ``\columnwidth`` of a two-column article and ``table*`` otherwise; None gives
        the bare tabular and notes (for ``\input`` inside your own float). The size
        (``\footnotesize`` or ``\scriptsize``) is the largest that fits; a table too
        wide even then is scaled to the line (``\resizebox``, graphicx).

    Returns
    -------
    str
    """
    if environment not in ("auto", "table", "table*", None):
        raise ConfigError("`environment` must be one of {'auto', 'table', 'table*', None}; "
                          f"got {environment!r}.")
    from .latex import COLUMN_PT, TEXT_PT, _choose, _tabular_width

    shown = format_table(table, digits=digits)
    cols = list(shown.columns)
    tests = table.attrs.get("tests") or []
    spec = "@{}" + "".join("l" if c in _TEXT_COLUMNS else "r" for c in cols) + "@{}"
    columns = [[c] + [str(v) for v in shown[c]] for c in cols]
    if environment == "table*":
        limits = [("table*", "footnotesize", TEXT_PT), ("table*", "scriptsize", TEXT_PT)]
    elif environment == "table":
        limits = [("table", "footnotesize", COLUMN_PT), ("table", "scriptsize", COLUMN_PT)]
    else:   # "auto" and None: the column if the table fits it, else the page width
        limits = [("table", "footnotesize", COLUMN_PT), ("table", "scriptsize", COLUMN_PT),
                  ("table*", "footnotesize", TEXT_PT), ("table*", "scriptsize", TEXT_PT)]
    env, size, resize = _choose(lambda sz: _tabular_width(columns, sz, 3.0), limits)
    environment = env if environment is not None else None
    lines = ["% requires: booktabs" + (", graphicx" if resize else "")]
    if environment:
        lines += [rf"\begin{{{environment}}}[tbp]", r"\centering"]
        if caption:
            lines.append(rf"\caption{{{tex_escape(caption)}}}")
        if label:
            lines.append(rf"\label{{{label}}}")
    lines += [rf"\{size}", r"\setlength{\tabcolsep}{3pt}"]
    if resize:
        lines.append(r"\resizebox{\linewidth}{!}{%")
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
    lines += [h for h in _tex_header(cols, tests) if h]
    lines.append(r"\midrule")
    first = True
    grouped = table.attrs.get("kind") in ("main", "comparison")
    for r in shown.itertuples(index=False):
        if grouped and r[0] and not first:
            lines.append(r"\midrule")
        first = False
        lines.append(" & ".join(tex_escape(v) for v in r) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}" + ("}" if resize else "")]
    notes = table.attrs.get("notes", [])
    if notes:
        lines += [r"\par\smallskip", r"\begin{minipage}{\linewidth}\raggedright"]
        lines.append((r" \\" + "\n").join(_tex_note(n) for n in notes))
        lines.append(r"\end{minipage}")
    if environment:
        lines.append(rf"\end{{{environment}}}")
    return "\n".join(lines) + "\n"
