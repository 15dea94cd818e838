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

Both return a full-precision :class:`pandas.DataFrame` (what
:func:`~affectctl.report.markdown.to_csv` writes) whose ``attrs`` carry the notes of the
footnote (:mod:`affectctl.report.notes`). Where each job lives:

- building (this module): select and reshape, full precision;
- :mod:`affectctl.report.formatting`: labels, marks and :func:`format_table`, **the only
  rounding in affectctl**;
- :mod:`affectctl.report.markdown`: :func:`to_csv`, :func:`to_markdown`;
- :mod:`affectctl.report.latex`: :func:`to_latex` and the paper tables.

Significance marks use the *adjusted* p-value: ``†`` p_adj < 0.05, ``‡`` p_adj < 0.01.
``§`` marks a test that cannot reach ``alpha`` whatever the data, because its
smallest attainable p-value (``min_pvalue``) exceeds ``alpha``: with 5 seeds the
two-sided exact Wilcoxon and sign-flip tests cannot go below 2/32 = 0.0625.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import threading
from contextlib import contextmanager
from typing import Sequence

import numpy as np
import pandas as pd

from affectctl._util.validation import SAMPLE_TESTS, SEED_TESTS
from affectctl.errors import ConfigError
from affectctl.report.formatting import _MINUS, _finite, _mark, metric_label
from affectctl.report.notes import _compact_notes, _notes

__all__ = [
    "main_table",
    "compact_table",
    "full_table",
    "primary_test",
    "comparison_table",
    "degeneracy_table",
]


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



def _add_geometry_marks(result, table: pd.DataFrame, tests) -> None:
    """Append the geometry mark to ``sig_<test>`` where the conclusion depends on the geometry.

    The marks come from :attr:`ComparisonResult.geometry_sensitivity`
    (:func:`affectctl.report.sensitivity_marks.geometry_marks`).
    """
    from affectctl.report.sensitivity_marks import MARK, geometry_marks

    marks = geometry_marks(result)
    if not marks or table.empty:
        return
    for t in tests:
        col = f"sig_{t}"
        if col not in table:
            continue
        hit = [(a, b, m, t) in marks for a, b, m in zip(table["a"], table["b"], table["metric"])]
        table.loc[hit, col] = table.loc[hit, col].fillna("").astype(str) + MARK


def _pair_fields(rows: pd.DataFrame, tests: Sequence[str], alpha: float,
                 ci_from: Sequence[str] = ()) -> dict:
    """Fields of one (a, b, metric) from its test rows; NaN where a test is missing.

    The interval (``ci_low, ci_high, ci_test, ci_method, ci_level``) is the first of
    ``ci_from`` (the primary test first) that has one, each test's own interval.
    """
    out: dict = {}
    by_test = {r["test"]: r for _, r in rows.iterrows()}
    # n, mean difference and effect sizes come from a seed-level test (they are the
    # same for all of them); sample-level tests report their own n in their row.
    ref = next((by_test[t] for t in SEED_TESTS if t in by_test), None)
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
    ci = next((by_test[t] for t in (*ci_from, *SEED_TESTS, *by_test) if t in by_test
               and _finite(by_test[t].get("ci_low"))), None)
    out["ci_low"] = np.nan if ci is None else float(ci["ci_low"])
    out["ci_high"] = np.nan if ci is None else float(ci["ci_high"])
    out["ci_test"] = "" if ci is None else str(ci["test"])
    out["ci_method"] = "" if ci is None else str(ci.get("ci_method") or "")
    out["ci_level"] = np.nan if ci is None else float(ci.get("confidence", np.nan))
    out["rank_biserial"] = np.nan if ref is None else float(ref.get("rank_biserial", np.nan))
    out["cohen_dz"] = np.nan if ref is None else float(ref.get("cohen_dz", np.nan))
    return out


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
    from affectctl.metrics.compute import resolve_metric_alias

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
    from affectctl.metrics.compute import metric_direction

    primary = _library_primary(result)
    verdicts = _verdict_lookup(result)
    records = []
    for metric in metrics:
        for a, b in pairs:
            sel = _select(rows_all, a, b, metric)
            ma, sa, _ = summ.get((a, metric), (np.nan, np.nan, 0))
            mb, sb, _ = summ.get((b, metric), (np.nan, np.nan, 0))
            records.append({"metric": metric, "direction": metric_direction(metric), "a": a, "b": b,
                            "mean_a": ma, "sd_a": sa, "mean_b": mb, "sd_b": sb,
                            **_pair_fields(sel, tests, alpha, ci_from=(primary,) if primary else ()),
                            "verdict": verdicts.get((a, b, metric), "")})
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


_REUSE = threading.local()


@contextmanager
def reuse_tables():
    """In this block, :func:`main_table`, :func:`compact_table` and :func:`full_table` are
    built once per result and arguments; each call gets its own copy (``attrs``
    included). A report writes the same tables as Markdown, CSV, LaTeX and HTML: the main
    table was built three times, the compact and full tables twice each, most of a
    report's tables time. Blocks nest; per thread."""
    outer = getattr(_REUSE, "memo", None)
    if outer is None:
        _REUSE.memo = {}
    try:
        yield
    finally:
        if outer is None:
            _REUSE.memo = None


def _iterable(v) -> bool:
    return not isinstance(v, (str, bytes)) and hasattr(v, "__iter__")


def _reused(build):
    @functools.wraps(build)
    def wrapper(result, **kwargs):
        memo = getattr(_REUSE, "memo", None)
        if memo is None:
            return build(result, **kwargs)
        # iterables as tuples (also what the table is built from: an iterator is read once)
        kwargs = {k: tuple(v) if _iterable(v) else v for k, v in kwargs.items()}
        key = (build.__name__, id(result), tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:                              # an argument we cannot key on
            return build(result, **kwargs)
        if key not in memo:
            memo[key] = (result, build(result, **kwargs))   # result kept: its id stays its own
        table = memo[key][1]
        out = table.copy()
        out.attrs = copy.deepcopy(table.attrs)          # pandas < 2.1 shares them on copy
        return out
    return wrapper


@_reused
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
    from affectctl.metrics.compute import metric_direction

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
    """The first of ``tests`` that can reach ``alpha``: :meth:`ComparisonResult.choose_primary`.

    The decision is the library's; a result from :func:`affectctl.compare.compare`
    names its own primary test in ``settings["primary_test"]``, which the tables use
    by default. With 5 seeds the two-sided exact seed-level tests cannot go below
    0.0625, so the sample-level test marks the table and the caption says so; with 10
    seeds the exact Wilcoxon test does. None when the result has no test.
    """
    return result.choose_primary(list(tests), alpha=alpha)


def _library_primary(result) -> "str | None":
    """The primary test of the result (:meth:`ComparisonResult.choose_primary`), if any."""
    choose = getattr(result, "choose_primary", None)
    if choose is None:
        return (getattr(result, "settings", None) or {}).get("primary_test")
    return choose()


def _verdict_lookup(result) -> dict:
    """``{(a, b, metric): verdict}`` from ``result.verdicts`` (empty when absent)."""
    v = getattr(result, "verdicts", None)
    if v is None or len(v) == 0:
        return {}
    return {(r.a, r.b, r.metric): r.verdict for r in v.itertuples(index=False)}


def verdict_lookup(result) -> dict:
    """``{(a, b, metric): verdict record}`` from ``result.verdicts`` (empty without it).

    ``ComparisonResult.verdicts`` (one row per compared (a, b, metric): Δ, its CI, the
    primary test and the verdict) is computed by :mod:`affectctl.compare`; the report
    only looks it up.
    """
    v = getattr(result, "verdicts", None)
    if v is None or not len(v):
        return {}
    return {(r["a"], r["b"], r["metric"]): r for r in v.to_dict("records")}


def _own_interval(rows: pd.DataFrame, test: str) -> dict:
    """The CI reported by ``test``'s own row (never another test's interval); NaN if none."""
    r = rows[rows["test"] == test]
    if not len(r) or not _finite(r["ci_low"].iloc[0] if "ci_low" in r else np.nan):
        return {"ci_low": np.nan, "ci_high": np.nan}
    return {"ci_low": float(r["ci_low"].iloc[0]), "ci_high": float(r["ci_high"].iloc[0])}


@_reused
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
        ``delta`` (condition − baseline; NaN for the baseline), ``ci_low, ci_high``
        (of ``result.verdicts``, else the primary test's own row, else with one run
        per condition the paired-bootstrap interval of ``result.differences``; NaN
        otherwise), ``p_adj`` and ``min_p`` of the primary test,
        ``sig`` (its mark), ``verdict`` (from ``result.verdicts``; empty without
        it). Full precision;
        ``attrs["primary"]`` names the test, ``attrs["notes"]`` the footnote.
    """
    _check_result(result)
    alpha = _check_alpha(alpha)
    present = set(result.comparisons["test"]) if len(result.comparisons) else set()
    if primary is None:
        primary = _library_primary(result)
        if primary is None or primary not in tuple(tests):
            primary = primary_test(result, tests, alpha=alpha)
    elif primary not in present:
        raise ConfigError(f"`primary` must be one of the tests in the result {sorted(present)}; "
                          f"got {primary!r}.")
    rows_all = _test_rows(result, [primary] if primary else [], strict=False)
    summ = _summary_lookup(result, result.headline_metrics)
    from affectctl.metrics.compute import metric_direction

    pairs = {tuple(p) for p in result.pairs}
    # the verdicts are those of the library's primary test; another primary has none
    verdicts = verdict_lookup(result) if primary == _library_primary(result) else {}
    diffs = getattr(result, "differences", None)
    boot = ({(r.a, r.b, r.metric): (float(r.ci_low), float(r.ci_high))
             for r in diffs.itertuples(index=False)}
            if len(result.seeds) == 1 and diffs is not None and len(diffs) else {})
    records = []
    for metric in result.headline_metrics:
        for c in result.conditions:
            mean, sd, n_seeds = summ.get((c, metric), (np.nan, np.nan, 0))
            rec = {"metric": metric, "direction": metric_direction(metric), "condition": c,
                   "mean": mean, "sd": sd, "n_seeds": n_seeds, "delta": np.nan,
                   "ci_low": np.nan, "ci_high": np.nan, "p_adj": np.nan, "min_p": np.nan,
                   "sig": "", "verdict": ""}
            if c != result.baseline and (c, result.baseline) in pairs:
                sel = _select(rows_all, c, result.baseline, metric)
                f = _pair_fields(sel, [primary] if primary else [], alpha)
                rec["delta"] = f["mean_diff"]
                est = sel["estimate"] if "estimate" in sel else pd.Series(dtype=float)
                est = pd.to_numeric(est, errors="coerce").dropna()
                if primary and len(est):   # the primary test's own estimate (Hodges–Lehmann)
                    rec["delta"] = float(est.iloc[0])
                if not _finite(rec["delta"]) and _finite(mean):
                    base_mean = summ.get((result.baseline, metric), (np.nan,))[0]
                    rec["delta"] = mean - base_mean          # no test row: the plain difference
                if primary:
                    rec.update(p_adj=f[f"p_adj_{primary}"], min_p=f[f"min_p_{primary}"],
                               sig=f[f"sig_{primary}"])
                    rec.update(_own_interval(sel, primary))
                if not _finite(rec["ci_low"]) and (c, result.baseline, metric) in boot:
                    # one run per condition: the paired bootstrap over the sample-level unit
                    rec["ci_low"], rec["ci_high"] = boot[(c, result.baseline, metric)]
                v = verdicts.get((c, result.baseline, metric))
                if v is not None:       # contract 1: Δ, CI and verdict of the primary test
                    rec.update(delta=float(v["delta"]), ci_low=float(v["ci_low"]),
                               ci_high=float(v["ci_high"]), verdict=str(v["verdict"]))
            records.append(rec)
    table = pd.DataFrame.from_records(records)
    table["n_seeds"] = table["n_seeds"].astype("Int64")
    if primary:                    # the primary test's conclusion may depend on the geometry
        from affectctl.report.sensitivity_marks import MARK, geometry_marks

        marks = geometry_marks(result)
        hit = [(c, result.baseline, m, primary) in marks
               for c, m in zip(table["condition"], table["metric"])]
        table.loc[hit, "sig"] = table.loc[hit, "sig"].fillna("").astype(str) + MARK
    notes = _compact_notes(result, table, primary, alpha)
    used = [v for (a, b, m), v in verdicts.items() if b == result.baseline]
    if used and table["ci_low"].notna().any():       # say which interval sits beside Δ
        v = used[0]
        level = f"{100 * float(v.get('confidence', 0.95)):g}%"
        notes.append(f"{level} CI of Δ: {str(v.get('ci_method', '')).replace('_', ' ')} over "
                     f"{v.get('unit', '')}s, the unit of the test that marks Δ.")
    if primary and table["delta"].notna().any() and not table["ci_low"].notna().any():
        from affectctl.report.formatting import TEST_NAMES_IN_TEXT

        notes.append(f"No interval of Δ is shown: the {TEST_NAMES_IN_TEXT.get(primary, primary)} "
                     "test reports none (an interval from another test would not match its p).")
    if primary:
        from affectctl.report.sensitivity_marks import table_footnote

        line = table_footnote(result)
        if line:
            notes.append(line)
    table.attrs.update(kind="compact", tests=[primary] if primary else [], primary=primary,
                       alpha=alpha, notes=notes)
    return table


#: Records of ``result.comparisons`` that do not test "no difference" (no p-value column).
_NOT_DIFFERENCE_TESTS = ("tost", "non_inferiority", "bayes_signed_rank", "bayes_correlated_t")


@_reused
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
    order = (*SEED_TESTS, *SAMPLE_TESTS)
    present = list(dict.fromkeys(comps["test"])) if len(comps) else []
    # equivalence and Bayesian records answer another question (in the verdicts and
    # results.json); one column per test of no difference here
    present = [t for t in present if t not in _NOT_DIFFERENCE_TESTS]
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
        unit = next((u for t, u in zip(result.comparisons["test"], result.comparisons["unit"])
                     if t == ci[0]), "")
        how = {"hodges_lehmann_walsh": "Hodges–Lehmann interval of the Wilcoxon test over seeds",
               "signflip_inversion": "the sign-flip test inverted, over seeds",
               "student_t": "Student-t interval over seeds",
               "bootstrap_percentile": f"paired bootstrap over {unit}s, percentile"}
        methods = [m for m in table.get("ci_method", []) if m]
        what = how.get(methods[0], methods[0]) if methods else ci[0]
        from affectctl.report.formatting import TEST_LABELS

        notes.insert(1, f"CI: {pct} confidence interval of Δ ({what}), beside the "
                        f"{TEST_LABELS.get(ci[0], ci[0])} p-value it belongs to; the verdict "
                        f"follows that test.")
        table.attrs["ci_level"] = pct
    table.attrs["notes"] = notes
    return table


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
    from affectctl.diagnose import STATUSES

    for status in dict.fromkeys(table.get("status", [])):
        if status in STATUSES:
            notes.append(f"{status}: {STATUSES[status]}.")
    notes += [str(n) for n in getattr(diagnosis, "notes", ())]
    table.attrs.update(kind="degeneracy", tests=[], notes=notes)
    return table
