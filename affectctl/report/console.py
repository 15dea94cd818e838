"""Terminal rendering of a :class:`~affectctl.compare.ComparisonResult`: one block, one answer.

Every comparison of the result is one row of one block, under its metric's heading:
the condition's value (mean ± sd over seeds, or the single run's value), the
difference Δ with its confidence interval, the primary test's p-value and adjusted
p-value with its mark, and the verdict (``ComparisonResult.verdicts``: Δ, interval,
p-values and verdict come from the same test at the same unit). Every other test
lives in ``table_full.*``. When the block does not fit the terminal (below ~100
columns for 20-character names) the compact view drops the interval and the raw
p-value, and keeps every row, the extra contrasts (``circumplex − uniform``) included.

Numbers are formatted by :mod:`affectctl.report.formatting` (the only module that
rounds). Lines are built here, not by rich's table layout, so that no cell is ever cut
or padded: every line is at most the terminal's width (``COLUMNS``, or 100 when piped)
unless a single name is wider, and carries no trailing spaces; footnotes wrap between
words. Names the user supplied go through :func:`affectctl.report.terminal.shown_name`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from rich.text import Text

from affectctl.report.formatting import (
    _FLOOR_MARK,
    _MARKS,
    _MINUS,
    TEST_SHORT_LABELS,
    _finite,
    _fmt_mean_sd,
    _mark,
    format_number,
    format_p,
    metric_label,
)
from affectctl.report.terminal import shown_name, terminal_width, wrap

__all__ = ["render_console", "console_rows"]


def _cell_width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(str(text))


def _verdicts(result) -> pd.DataFrame:
    """``result.verdicts`` (contract 1): empty for a result built without them (report
    computes nothing; such a result shows its values and plain differences)."""
    from affectctl.compare.verdicts import VERDICT_COLUMNS

    table = getattr(result, "verdicts", None)
    return pd.DataFrame(columns=list(VERDICT_COLUMNS)) if table is None else table


#: How each interval was computed, in a footnote's words (``ci_method`` of the verdicts).
_CI_TEXT = {
    "hodges_lehmann_walsh": "Hodges–Lehmann estimate and its exact interval from the Walsh "
                            "averages over seeds",
    "signflip_inversion": "interval by inverting the sign-flip test over seeds",
    "student_t": "Student-t interval over seeds",
    "bootstrap_percentile": "paired-bootstrap percentile interval",
}


def _test_text(test: str, unit, n_seeds: int) -> str:
    if test in ("ar", "bootstrap"):
        what = "approximate randomization" if test == "ar" else "paired bootstrap"
        return f"{what} over {unit or 'sample'}s" + (", seeds as strata" if n_seeds > 1 else "")
    return {"wilcoxon": "exact Wilcoxon signed-rank test over seeds",
            "signflip": "sign-flip test over seeds",
            "ttest": "paired t-test over seeds"}.get(test, test)


def _min_p(result, a, b, metric, test) -> float:
    c = result.comparisons
    sel = c[(c["a"] == a) & (c["b"] == b) & (c["metric"] == metric) & (c["test"] == test)]
    if "run_seed" in sel.columns:
        sel = sel[sel["run_seed"].isna()]
    return float(sel["min_pvalue"].iloc[0]) if len(sel) and "min_pvalue" in sel else np.nan


def console_rows(result, *, alpha: float = 0.05) -> pd.DataFrame:
    """The rows the console prints, full precision and formatted side by side.

    Parameters
    ----------
    result : ComparisonResult
    alpha : float, default 0.05

    Returns
    -------
    DataFrame
        One row per (headline metric, condition) (the baseline and every other
        condition, in ``result.conditions`` order), then one per extra contrast
        (pairs whose ``b`` is not the baseline): ``metric, label, a, b, value``
        (formatted mean ± sd or single value; empty for a contrast), ``delta``,
        ``delta_ci`` (Δ and its interval when the verdict has one), ``p``
        (``p (p_adj)``), ``p_adj``, ``mark`` (``†``/``‡`` on p_adj, ``§`` the test
        cannot reach alpha, ``◊`` depends on the geometry), ``verdict`` and ``test``,
        ``unit``, ``ci_method`` from the verdicts.
    """
    from affectctl.report.sensitivity_marks import MARK, geometry_marks
    from affectctl.report.tables import _summary_lookup

    verdicts = _verdicts(result)
    if len(verdicts) and "alpha" in verdicts and verdicts["alpha"].notna().any():
        alpha = float(verdicts["alpha"].dropna().iloc[0])     # the verdicts' level marks them
    by_key = {(r["a"], r["b"], r["metric"]): r for r in verdicts.to_dict("records")}
    summ = _summary_lookup(result, result.headline_metrics)
    geo = geometry_marks(result)
    single = len(getattr(result, "seeds", ())) <= 1
    pairs = [tuple(p) for p in result.pairs]
    contrasts = [p for p in pairs if p[1] != result.baseline]
    records = []
    for metric in result.headline_metrics:
        rows = [(c, (c, result.baseline) if (c, result.baseline) in pairs else None)
                for c in result.conditions]
        rows += [(f"{shown_name(a)} {_MINUS} {shown_name(b)}", (a, b)) for a, b in contrasts]
        for label, pair in rows:
            contrast = pair is not None and pair[1] != result.baseline
            rec = {"metric": metric, "label": label if contrast else shown_name(label),
                   "a": pair[0] if pair else label, "b": pair[1] if pair else "",
                   "value": "", "delta": "", "delta_ci": "", "p": "", "p_adj": "", "mark": "",
                   "verdict": "", "test": "", "unit": "", "ci_method": "", "p_rope": ""}
            if not contrast:
                mean, sd, _ = summ.get((label, metric), (np.nan, np.nan, 0))
                rec["value"] = (format_number(mean) if single or not _finite(sd)
                                else _fmt_mean_sd(mean, sd, 3))
            v = by_key.get(pair + (metric,)) if pair else None
            if v is not None:
                mark = _mark(float(v["p_adjusted"]), _min_p(result, *pair, metric, v["test"]),
                             alpha)
                if (*pair, metric, v["test"]) in geo:
                    mark += MARK
                d = format_number(v["delta"], signed=True)
                ci = ""
                if _finite(v["ci_low"]) and _finite(v["ci_high"]):
                    ci = (f" [{format_number(v['ci_low'], signed=True)}, "
                          f"{format_number(v['ci_high'], signed=True)}]")
                adj = format_p(v["p_adjusted"])
                rec.update(delta=d, delta_ci=d + ci, p=f"{format_p(v['p_value'])} ({adj})",
                           p_adj=adj, mark=mark, verdict=str(v["verdict"]), test=v["test"],
                           unit=v.get("unit") or "", ci_method=v.get("ci_method") or "")
                if _finite(v.get("p_rope")):
                    rec["p_rope"] = f"{float(v['p_rope']):.2f}"
            elif pair is not None and not contrast:   # compared, but no test: the plain difference
                mb = summ.get((result.baseline, metric), (np.nan,))[0]
                ma = summ.get((label, metric), (np.nan,))[0]
                rec["delta"] = rec["delta_ci"] = format_number(ma - mb, signed=True)
            records.append(rec)
    table = pd.DataFrame.from_records(records)
    table.attrs.update(verdicts=verdicts, alpha=alpha)
    return table


def _layout(table: pd.DataFrame, columns: list, heads: dict, *, indent: int, gap: int) -> tuple:
    """Widths of the columns and the total line width."""
    widths = []
    for c in columns:
        cells = [_cell_width(x) for x in table[c]] + [_cell_width(heads[c])]
        widths.append(max(cells) + (indent if c == "label" else 0))
    return widths, sum(widths) + gap * (len(widths) - 1)


def _lines(table, columns, heads, widths, *, indent: int, gap: int) -> list:
    """The block as ``(text, style)`` lines: header, rule, metric headings and rows."""
    sep = " " * gap

    def line(cells):
        parts = []
        for c, w, x in zip(columns, widths, cells):
            left = c in ("label", "verdict", "test_shown")
            pad = " " * (w - _cell_width(x))
            parts.append(x + pad if left else pad + x)
        return sep.join(parts).rstrip()

    total = sum(widths) + gap * (len(widths) - 1)
    out = [(line([heads[c] for c in columns]), "bold"), ("─" * total, "")]
    prev = None
    for r in table.to_dict("records"):
        if r["metric"] != prev:
            if prev is not None:
                out.append(("", ""))
            out.append((metric_label(r["metric"]), "bold"))
            prev = r["metric"]
        cells = [(" " * indent + r[c]) if c == "label" else r[c] for c in columns]
        out.append((line(cells), ""))
    return out


def _floor_note(result, verdicts, alpha: float) -> list:
    """The seed-level tests' floor, right for the seeds that differ (a zero difference has
    no sign: with 5 seeds the exact two-sided floor is 2/2**5 = 0.0625, 0.125 with one tie)."""
    from affectctl.report.notes import _signed_count

    comps = result.comparisons
    seed_rows = comps[comps["test"].isin(("wilcoxon", "signflip"))]
    if "run_seed" in seed_rows.columns:
        seed_rows = seed_rows[seed_rows["run_seed"].isna()]
    if seed_rows.empty:
        return []
    alt = str(seed_rows["alternative"].iloc[0]) if "alternative" in seed_rows else "two-sided"
    n = int(seed_rows["n"].max())
    k = 1.0 if alt in ("greater", "less") else 2.0
    floor = k / 2.0**n
    primary = set(verdicts["test"]) if len(verdicts) else set()
    ties = sorted({_signed_count(int(r.n), float(r.min_pvalue), alt)
                   for r in seed_rows.itertuples(index=False)
                   if _finite(r.min_pvalue)} - {n})
    if floor <= alpha and not ties:
        return []
    where = "" if primary & {"wilcoxon", "signflip"} else " (table_full.*)"
    text = (f"With n = {n} seeds the {alt} Wilcoxon and sign-flip tests{where} cannot go below "
            f"p = {format_p(floor)}")
    if ties:
        text += ("; where a seed's difference is zero (no sign), the floor is that of the "
                 + ", ".join(f"{m} seeds that differ (p = {format_p(k / 2.0**m)})" for m in ties))
    return [text + "."]


def _notes(result, table, verdicts, alpha: float, *, compact: bool, files_hint) -> list:
    from affectctl.report.sensitivity_marks import table_footnote
    from affectctl.report.notes import _seeds_text, official_score_note

    settings = dict(getattr(result, "settings", {}) or {})
    seeds = tuple(getattr(result, "seeds", ()))
    base = shown_name(result.baseline)
    delta = f"Δ = condition {_MINUS} {base} (contrasts: a {_MINUS} b)"
    if len(seeds) > 1:
        notes = [f"Mean ± sd over n = {len(seeds)} seeds ({_seeds_text(seeds)}); {delta}; "
                 "↑ higher is better, ↓ lower is better."]
    else:
        notes = [f"One run per condition{f' (seed {seeds[0]})' if seeds else ''}: its value; "
                 f"{delta}; ↑ higher is better, ↓ lower is better."]
        if settings.get("seed_tests_skipped"):
            notes.append(f"Seed-level tests not run: {settings['seed_tests_skipped']}.")
    tests = list(dict.fromkeys(verdicts["test"])) if len(verdicts) else []
    if not tests:
        notes.append("No test: Δ is the plain difference of the values.")
    for test in tests:
        v = verdicts[verdicts["test"] == test]
        unit = v["unit"].dropna().iloc[0] if v["unit"].notna().any() else None
        corr = v["p_adjust"].dropna().iloc[0] if v["p_adjust"].notna().any() else None
        what = _test_text(test, unit, len(seeds))
        mc = ""
        if test in ("ar", "bootstrap", "signflip") and settings.get("n_resamples"):
            rows = result.comparisons[result.comparisons["test"] == test]
            if "exact" not in rows or not rows["exact"].fillna(False).astype(bool).all():
                mc = f" ({settings['n_resamples']} resamples, seed {settings.get('seed', 0)})"
            if test == "ar" and settings.get("sequential_thresholds") and "n_resamples" in rows:
                n = rows["n_resamples"].dropna().astype(int)
                used = f"{n.min()}–{n.max()}" if n.min() != n.max() else f"{n.min()}"
                mc = (f" (sequential: {used} of at most {settings['n_resamples']} resamples, "
                      f"resampling risk ≤ {rows['risk_bound'].max():g}, seed "
                      f"{settings.get('seed', 0)})")
        adj = (f"{corr}-adjusted over all comparisons × metrics" if corr and corr != "none"
               else "not adjusted")
        head = "p_adj" if compact else "p (adj)"
        if len(tests) > 1:
            head += f" ({TEST_SHORT_LABELS.get(test, test)})"
        notes.append(f"{head}: {what}{mc}, {adj}; "
                     + ", ".join(f"{m} p_adj < {format_p(lv)}" for lv, m in _MARKS[::-1]
                                 if lv <= alpha) + ".")
    methods = [m for m in dict.fromkeys(verdicts.get("ci_method", pd.Series(dtype=object)))
               if isinstance(m, str) and m]
    if methods and not compact:
        conf = verdicts["confidence"].dropna()
        pct = f"{100 * float(conf.iloc[0]):g}%" if len(conf) else "95%"
        units = verdicts["unit"].dropna()
        over = ""
        if "bootstrap_percentile" in methods and len(units) and units.iloc[0] != "seed":
            over = f" over {units.iloc[0]}s" + (", seeds as strata" if len(seeds) > 1 else "")
        notes.append(f"[CI]: {pct} confidence interval of Δ, "
                     + "; ".join(_CI_TEXT.get(m, m) + (over if m == "bootstrap_percentile" else "")
                                 for m in methods) + ".")
    if len(verdicts):
        margins = pd.to_numeric(verdicts.get("margin"), errors="coerce")
        plain = "better or worse when p_adj ≤ alpha, else no difference shown"
        if margins.isna().all():
            notes.append(f"Verdict: the condition (a) against {base} (b) at alpha = "
                         f"{format_p(alpha)}, in the metric's direction: {plain}.")
        else:
            eq = set(verdicts["equivalence_test"].dropna())
            word = "non-inferior" if eq == {"non_inferiority"} else "equivalent"
            how = ("the non-inferiority test rejects" if word == "non-inferior"
                   else "the two one-sided tests (TOST) reject")
            values = sorted(set(margins.dropna()))
            m = f"M = {values[0]:g}" if len(values) == 1 else "M per metric"
            rest = ("; without a margin, " + plain) if margins.isna().any() else ""
            notes.append(f"Verdict: the condition (a) against {base} (b) at alpha = "
                         f"{format_p(alpha)}, in the metric's direction, with the margin {m} "
                         f"(--margin): {word} when {how} at alpha (p_equivalence in "
                         f"results.json), else better or worse when p_adj ≤ alpha, else not shown "
                         f"{word}{rest}.")
    if table["p_rope"].astype(bool).any():
        ropes = (result.settings or {}).get("ropes") or {}
        r = sorted({float(x) for x in ropes.values()}) if isinstance(ropes, dict) else []
        shown = f"R = {r[0]:g}" if len(r) == 1 else "R per metric"
        notes.append(f"P(rope): posterior probability that |Δ| < {shown} (--rope), Bayesian "
                     "signed-rank test over seeds (Benavoli et al. 2017); P(a − b < −R) and "
                     "P(a − b > R) are in results.json (p_left, p_right).")
    if len(seeds) == 1:
        from affectctl.report.notes import _classifier_notes

        notes += _classifier_notes(result.comparisons, grouped=settings.get("unit") == "group")
    floor = _floor_note(result, verdicts, alpha)
    if table["mark"].str.contains(_FLOOR_MARK, regex=False).any():
        why = (": " + floor[0][:1].lower() + floor[0][1:]) if floor else "."
        floor = [f"{_FLOOR_MARK} the test cannot reach p < {format_p(alpha)} whatever the data"
                 + why]
    notes += floor
    geo = table_footnote(result)
    if geo:
        notes.append(geo)
    official = settings.get("official_score")
    if official and "official_score" in set(table["metric"]):
        notes.append(official_score_note(official))
    where = f" in {files_hint}" if files_hint else ""
    what = ("Δ's interval, the raw p-values, every other test and the effect sizes" if compact
            else "Every other test and the effect sizes")
    notes.append(f"{what} are in table_full.md and table_full.csv{where}.")
    return notes


_FULL = ["label", "value", "delta_ci", "p_shown", "verdict"]
_COMPACT = ["label", "value", "delta", "p_adj_shown", "verdict"]


def render_console(result, console, *, tests: Sequence[str] = ("wilcoxon", "signflip"),
                   alpha: float = 0.05, width: int | None = None,
                   files_hint: str | None = None) -> None:
    """Print the comparisons of ``result`` as one block, then its footnotes.

    Parameters
    ----------
    result : ComparisonResult
    console : rich.console.Console
    tests : sequence of str, default ("wilcoxon", "signflip")
        Kept for compatibility; the block shows the primary test of the verdicts
        (every test is in ``table_full.*``).
    alpha : float, default 0.05
    width : int, optional
        Columns to fit; default the terminal's width, else ``COLUMNS``, else 100
        (:func:`affectctl.report.terminal.terminal_width`).
    files_hint : str, optional
        The report folder, named in the last footnote.

    Notes
    -----
    The full block (value, Δ [CI], p (adj), verdict) is printed when it fits
    ``width``; otherwise the compact one (value, Δ, p_adj, verdict), which keeps every
    row. Neither cuts a cell: a block wider than the terminal (very long names) is
    printed whole.
    """
    if width is None:
        width = terminal_width(console)
    table = console_rows(result, alpha=alpha)
    verdicts, alpha = table.attrs["verdicts"], table.attrs["alpha"]
    slot = max([_cell_width(m) for m in table["mark"]] + [0])   # marks in a slot of their own
    for col in ("p", "p_adj"):                                  # so that the numbers align
        table[f"{col}_shown"] = [x + m + " " * (slot - _cell_width(m)) if x else ""
                                 for x, m in zip(table[col], table["mark"])]
    single = len(getattr(result, "seeds", ())) <= 1
    tests_shown = list(dict.fromkeys(verdicts["test"])) if len(verdicts) else []
    mixed = len(tests_shown) > 1           # a metric the primary test did not cover
    short = "" if mixed else "".join(TEST_SHORT_LABELS.get(t, t) for t in tests_shown)
    table["test_shown"] = [TEST_SHORT_LABELS.get(t, t) if t else "" for t in table["test"]]
    conf = verdicts["confidence"].dropna() if len(verdicts) else pd.Series(dtype=float)
    pct = f"{100 * float(conf.iloc[0]):g}%" if len(conf) else "95%"
    heads = {"label": "Condition", "value": "Value" if single else "Mean ± sd",
             "delta_ci": f"Δ [{pct} CI]", "delta": "Δ",
             "p_shown": f"{short} p (adj)".strip() + " " * slot,
             "p_adj_shown": f"{short} p_adj".strip() + " " * slot,
             "verdict": "Verdict", "test_shown": "Test"}
    if table["delta_ci"].eq(table["delta"]).all():
        heads["delta_ci"] = "Δ"
    full, small = list(_FULL), list(_COMPACT)
    if mixed:                              # then each row names its test
        full.insert(full.index("p_shown"), "test_shown")
        small.insert(small.index("p_adj_shown"), "test_shown")
    if table["p_rope"].astype(bool).any():  # --rope: the posterior mass inside the ROPE
        heads["p_rope"] = "P(rope)"
        full.insert(full.index("verdict"), "p_rope")
        small.insert(small.index("verdict"), "p_rope")
    compact = True
    for columns, indent, gap in ((full, 2, 3), (full, 2, 2), (full, 0, 2)):
        widths, total = _layout(table, columns, heads, indent=indent, gap=gap)
        if total <= width:
            compact = False
            break
    if compact:
        for columns, indent, gap in ((small, 2, 3), (small, 2, 2), (small, 0, 2), (small, 0, 1)):
            widths, total = _layout(table, columns, heads, indent=indent, gap=gap)
            if total <= width:
                break
    if not len(verdicts):                 # nothing tested: no p-value or verdict column
        columns = [c for c in columns if c not in ("p_shown", "p_adj_shown", "verdict")]
        widths, total = _layout(table, columns, heads, indent=indent, gap=gap)
    others = [shown_name(c) for c in result.conditions if c != result.baseline]
    console.print(Text(f"{', '.join(others)} against {shown_name(result.baseline)}", style="bold"),
                  soft_wrap=True)
    for text, style in _lines(table, columns, heads, widths, indent=indent, gap=gap):
        console.print(Text(text, style=style), soft_wrap=True)
    console.print("", soft_wrap=True)
    for note in _notes(result, table, verdicts, alpha, compact=compact, files_hint=files_hint):
        for ln in wrap(note, width, indent=""):
            console.print(Text(ln, style="dim"), soft_wrap=True)
