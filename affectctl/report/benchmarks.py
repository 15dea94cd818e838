r"""Several benchmarks in one report: one block per dataset and an "All benchmarks" block.

:func:`affectctl.compare.multi.compare_datasets` returns one ComparisonResult per dataset
and a list of aggregate records over datasets, each naming its ``test``
(``stratified_bootstrap``, ``probability_of_improvement``, ``primary_holm``, ...). This
module selects and formats them; it computes no statistic. Every aggregate record becomes
one row whose number, interval and p-value come from that record alone, with the record's
test named beside them (:func:`aggregate_rows`). A test this module does not know is
shown by its name, with the estimate (``delta``, ``estimate`` or ``statistic``), the
interval (``ci_low``, ``ci_high``) and the p-value (``pvalue`` or ``p_value``) it
carries, so new aggregate records appear without a change here.

Writers: :func:`render_benchmarks_console` (the per-dataset console blocks of
:func:`~affectctl.report.render_console`, then the aggregates), :func:`aggregates_latex`
(``aggregates.tex``, a ``table*``), :func:`write_benchmarks_html` (``<out>/index.html``
linking the per-dataset pages). Names are escaped for each medium
(:mod:`affectctl.report.escape`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd
from rich.cells import cell_len
from rich.text import Text

from affectctl.report.escape import for_html, for_latex
from affectctl.report.formatting import format_number, format_p, metric_label
from affectctl.report.terminal import shown_name, terminal_width, wrap

__all__ = ["AGGREGATE_TEST_TEXT", "aggregate_rows", "render_benchmarks_console",
           "aggregates_latex", "write_benchmarks_html"]

#: Each aggregate test in words (the name shown beside its number); others by their name.
AGGREGATE_TEST_TEXT = {
    "stratified_bootstrap": "resampled at the {level} level within each dataset, the mean "
                            "of the datasets' Δ; p by inverting the interval",
    "probability_of_improvement": "P(a beats b) over paired seeds, averaged over datasets "
                                  "(Agarwal et al. 2021), interval by the stratified bootstrap",
    "primary_holm": "each dataset's primary test, its p Holm-adjusted over the datasets as "
                    "one family",
    "stratified_ar": "one randomization test stratified by dataset and by seed within",
    "stratified_randomization": "one randomization test stratified by dataset and by seed "
                                "within",
    "interquartile_mean": "interquartile mean of the normalised scores over runs and datasets",
    "tost": "two one-sided tests against ±margin on the mean Δ over datasets, from the "
            "stratified bootstrap's replicates; equivalent when its 1 − 2α interval lies "
            "inside the margin",
    "non_inferiority": "one-sided test against the margin on the mean Δ over datasets, "
                       "from the stratified bootstrap's replicates",
}
_SHORT = {"ar": "AR", "bootstrap": "bootstrap", "wilcoxon": "Wilcoxon", "signflip": "sign-flip",
          "ttest": "t", "hierarchical_bootstrap": "two-level bootstrap"}


def _num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


#: Each aggregate test in a console column (a footnote gives :data:`AGGREGATE_TEST_TEXT`).
AGGREGATE_TEST_SHORT = {
    "stratified_bootstrap": "stratified bootstrap", "probability_of_improvement":
    "P(improvement)", "primary_holm": "Holm over datasets", "stratified_ar":
    "stratified AR", "stratified_randomization": "stratified AR", "interquartile_mean": "IQM",
    "tost": "TOST", "non_inferiority": "non-inferiority",
}


def _what(rec) -> str:
    test = str(rec.get("test", ""))
    return {"stratified_bootstrap": "mean Δ", "probability_of_improvement": "P(a better)",
            "interquartile_mean": "IQM", "primary_holm": "", "stratified_ar": "mean Δ",
            "tost": "Δ", "non_inferiority": "Δ",
            "stratified_randomization": "mean Δ"}.get(test, "estimate")


def _decision(p, delta, rec, alpha) -> str:
    from affectctl.metrics.catalog import metric_direction

    if rec.get("test") in ("tost", "non_inferiority"):   # p ≤ alpha: inside the margin
        word = "equivalent" if rec["test"] == "tost" else "non-inferior"
        return word if _num(p) and p <= alpha else f"not shown {word}"
    if not _num(p) or p > alpha:
        return "no difference shown"
    if not _num(delta) or not rec.get("metric"):
        return "difference shown"
    return "better" if metric_direction(str(rec["metric"])) * delta > 0 else "worse"


def aggregate_rows(aggregates: Sequence[Mapping], *, alpha: float = 0.05) -> pd.DataFrame:
    """One formatted row per aggregate record, in the records' order.

    Returns
    -------
    DataFrame
        ``a, b, metric, test`` (the record's), ``dataset``, ``what`` (the quantity),
        ``test_short`` and ``test_text`` (the test in a word and in words), ``value`` (the
        estimate with its interval), ``p`` (the record's own p-value) and ``decision``
        (``better``/``worse`` in the metric's direction when the record's p ≤ ``alpha``
        and it has a Δ, ``difference shown`` without one, else
        ``no difference shown``). A ``primary_holm`` record gives one row per dataset
        (``dataset``; its primary test's p Holm-adjusted over the datasets).
    """
    rows = []
    for rec in aggregates:
        test = str(rec.get("test", ""))
        est = next((rec[k] for k in ("delta", "estimate", "statistic") if _num(rec.get(k))), None)
        # the stratified AR's statistic is the mean over datasets of their Δ
        delta = rec.get("delta", rec.get("statistic") if test == "stratified_ar" else None)
        signed = test in ("tost", "non_inferiority") or (
            test != "probability_of_improvement" and delta is not None)
        value = format_number(est, signed=signed) if est is not None else ""
        if _num(rec.get("ci_low")) and _num(rec.get("ci_high")):
            level = f"{100 * rec['confidence']:g}% " if _num(rec.get("confidence")) else ""
            value += (f" [{format_number(rec['ci_low'], signed=signed)}, "
                      f"{format_number(rec['ci_high'], signed=signed)}]") + (
                f" ({level.strip()})" if level and level != "95% " else "")
        p, decision = "", ""
        pval = rec.get("p_value")
        about = {"a": rec.get("a", ""), "b": rec.get("b", ""), "metric": rec.get("metric", ""),
                 "test": test, "test_short": AGGREGATE_TEST_SHORT.get(test, test.replace("_", " "))
                 + (f" ±{rec['margin']:g}" if test in ("tost", "non_inferiority")
                    and _num(rec.get("margin")) else ""),
                 "test_text": AGGREGATE_TEST_TEXT.get(test, test.replace("_", " ")).replace(
                     "{level}", str(rec.get("level", rec.get("unit", "seed"))))}
        if test == "primary_holm" and isinstance(rec.get("per_dataset"), Mapping):
            for ds, d in rec["per_dataset"].items():   # one row per dataset
                q = d.get("p_adjusted_datasets", d.get("p_adjusted"))
                sub = _SHORT.get(d.get("test"), str(d.get("test", "")))
                rows.append({**about, "dataset": ds, "what": f"{shown_name(ds)} ({sub})",
                             "value": "", "p": f"p_adj {format_p(q)}",
                             "decision": _decision(q, d.get("delta"), rec, alpha)})
            continue
        if _num(pval):
            p = f"p {format_p(pval)}"
            decision = _decision(pval, delta, rec, alpha)
        rows.append({**about, "dataset": rec.get("dataset", "all"), "what": _what(rec),
                     "value": value, "p": p, "decision": decision})
    return pd.DataFrame.from_records(rows, columns=["a", "b", "metric", "test", "dataset", "what",
                                                    "test_short", "test_text", "value", "p",
                                                    "decision"])


def _groups(rows: pd.DataFrame):
    for (a, b, metric), sub in rows.groupby(["a", "b", "metric"], sort=False):
        yield f"{shown_name(a)} − {shown_name(b)}, {metric_label(metric)}", sub


def render_benchmarks_console(results: Mapping, aggregates: Sequence[Mapping], console, *,
                              tests=("wilcoxon", "signflip"), alpha: float = 0.05,
                              width: int | None = None, files_hint: str | None = None) -> None:
    """One console block per dataset (:func:`render_console`), then "All benchmarks".

    Every aggregate row is ``quantity (test): estimate [interval]  p  decision``; when a
    row does not fit ``width`` its numbers go on the next line, indented.
    """
    from affectctl.report.console import render_console

    if width is None:
        width = terminal_width(console)
    for name, result in results.items():
        console.print(Text(f"Dataset {shown_name(name)}", style="bold underline"), soft_wrap=True)
        render_console(result, console, tests=tests, alpha=alpha, width=width,
                       files_hint=f"{files_hint}{name}/" if files_hint else None)
        console.print("", soft_wrap=True)
    rows = aggregate_rows(aggregates, alpha=alpha)
    names = ", ".join(shown_name(n) for n in results)
    console.print(Text(f"All benchmarks ({names})", style="bold underline"), soft_wrap=True)
    if not len(rows):
        console.print("  no aggregate: no headline metric every dataset reports", soft_wrap=True)
        return
    cells, last = [], None
    for r in rows.itertuples():   # the test named once per run of rows of the same record
        key = (r.a, r.b, r.metric, r.test)
        cells.append([shown_name(r.test_short) if key != last else "",
                      " ".join(x for x in (r.what, r.value) if x), r.p, r.decision])
        last = key
    heads = ["Test", "Estimate [95% CI]", "p", "Decision"]
    widths = [max(cell_len(c[k]) for c in cells + [heads]) for k in range(4)]
    fits = 2 + sum(widths) + 2 * 3 <= width

    def line(parts, ws, indent="  "):
        return (indent + "  ".join(x + " " * (w - cell_len(x)) for x, w in zip(parts, ws))).rstrip()

    k = 0
    for heading, sub in _groups(rows):
        console.print(Text(heading, style="bold"), soft_wrap=True)
        console.print(Text(line(heads, widths) if fits else line(heads[1:], widths[1:], "    "),
                           style="dim"), soft_wrap=True)
        for _ in range(len(sub)):
            c = cells[k]
            k += 1
            if fits:
                console.print(line(c, widths), soft_wrap=True)
                continue
            if c[0]:                    # narrow: the test on its own line, its numbers below
                console.print("  " + c[0], soft_wrap=True)
            console.print(line(c[1:], widths[1:], "    "), soft_wrap=True)
    console.print("", soft_wrap=True)
    notes = [f"Δ = a − b over the datasets {names}, each on its own official score, taxonomy "
             f"and geometry; decisions at alpha = {alpha:g}, each aggregate test's p unadjusted "
             f"(one test per contrast and metric; Holm over datasets is the adjusted row)."
             f"{_mc_note(aggregates)}"]
    for short, text in dict.fromkeys(zip(rows["test_short"], rows["test_text"])):
        notes.append(f"{shown_name(short)}: {shown_name(text)}.")
    notes.append("Every record is in aggregates.json"
                 + (f" in {files_hint}" if files_hint else "") + ".")
    for note in notes:
        for ln in wrap(note, width, indent=""):
            console.print(Text(ln, style="dim"), soft_wrap=True)


def _mc_note(aggregates) -> str:
    """`` Monte-Carlo: 9999 resamples, seed 0.`` from the records (each setting once)."""
    runs = list(dict.fromkeys((r.get("n_resamples"), r.get("seed")) for r in aggregates
                              if r.get("n_resamples") is not None))
    return (" Monte-Carlo: " + "; ".join(f"{n} resamples, seed {s}" for n, s in runs) + "."
            if runs else "")


def _tex_table_rows(rows: pd.DataFrame) -> list:
    out = []
    for (a, b, metric), sub in rows.groupby(["a", "b", "metric"], sort=False):
        head = (f"{for_latex(a)} $-$ {for_latex(b)}, "
                f"{for_latex(metric_label(metric))}")
        out.append(rf"\multicolumn{{4}}{{l}}{{\textbf{{{head}}}}}\\")
        for r in sub.itertuples():
            last = "; ".join(x for x in (r.p, r.decision) if x)
            out.append(f"{for_latex(r.what)} & {for_latex(r.test_short)} & "
                       f"{for_latex(r.value)} & {for_latex(last)}\\\\")
    return out


def aggregates_latex(aggregates: Sequence[Mapping], datasets: Sequence[str], *,
                     alpha: float = 0.05, caption: str | None = None,
                     label: str = "tab:all-benchmarks") -> str:
    """``aggregates.tex``: the "All benchmarks" rows as a ``table*`` (``\\textwidth``).

    The first line names the packages it needs (``% requires: booktabs,graphicx``); the
    tabular names each test briefly, the notes under it in words; it is scaled down to
    the text width only when still wider.
    """
    rows = aggregate_rows(aggregates, alpha=alpha)
    names = ", ".join(for_latex(d) for d in datasets)
    cap = for_latex(caption) if caption else (
        f"All benchmarks ({names}): each number from the test named beside it; decisions at "
        f"$\\alpha = {alpha:g}$")
    body = _tex_table_rows(rows) or [r"\multicolumn{4}{l}{no aggregate}\\"]
    # each test in words once, under the table (a sentence in a column would widen it)
    notes = " ".join(rf"\textit{{{for_latex(short)}}}: {for_latex(text)}."
                     for short, text in dict.fromkeys(zip(rows["test_short"], rows["test_text"])))
    lines = ["% requires: booktabs,graphicx", r"\begin{table*}[t]", r"\centering", r"\small",
             rf"\caption{{{cap}}}", rf"\label{{{label}}}",
             r"\resizebox{\ifdim\width>\textwidth\textwidth\else\width\fi}{!}{%",
             r"\begin{tabular}{llll}", r"\toprule",
             r"Quantity & Test & Estimate [95\% CI] & p; decision\\", r"\midrule",
             *body, r"\bottomrule", r"\end{tabular}}",
             *([r"\par\smallskip\begin{minipage}{\textwidth}\footnotesize\raggedright",
                notes, r"\end{minipage}"] if notes else []),
             r"\end{table*}"]
    return "\n".join(lines) + "\n"


def _tests_in_words_html(rows: pd.DataFrame) -> str:
    """Each test of the table in words, once, under it (a sentence in the Test column would
    push the numbers out of view)."""
    items = "".join(f"<li><strong>{for_html(short)}</strong>: {for_html(text)}.</li>"
                    for short, text in dict.fromkeys(zip(rows["test_short"], rows["test_text"])))
    return f'<ul class="notes">{items}</ul>' if items else ""


def write_benchmarks_html(out_dir, results: Mapping, aggregates: Sequence[Mapping], *,
                          name: str, figures: Sequence = (), alpha: float = 0.05) -> Path:
    """``<out_dir>/index.html``: the "All benchmarks" table, its figures, links per dataset."""
    from affectctl.io.atomic import write_text_atomically
    from affectctl.report.html import figure_html, render_page, table_html

    rows = aggregate_rows(aggregates, alpha=alpha)
    shown = pd.DataFrame({
        "Metric": ["" if i and k == rows.iloc[i - 1][["a", "b", "metric"]].tolist() else
                   f"{rows.a[i]} − {rows.b[i]}, {metric_label(rows.metric[i])}"
                   for i, k in enumerate(rows[["a", "b", "metric"]].values.tolist())],
        "Quantity": rows["what"], "Test": rows["test_short"], "Estimate [95% CI]": rows["value"],
        "p": rows["p"], "Decision": rows["decision"]})
    names = list(results)
    links = "<ul>" + "".join(
        f'<li><a href="{for_html(n)}/index.html">{for_html(n)}</a>: '
        f"{for_html(', '.join(c for c in r.conditions if c != r.baseline))} against "
        f"{for_html(r.baseline)}, official score "
        f"{for_html(metric_label(str(r.settings.get('official_score') or ''), arrow=False))}"
        "</li>" for n, r in results.items()) + "</ul>"
    figs = "".join(figure_html(Path(p), "Δ with its interval per dataset (one panel each) "
                               "and the mean Δ over datasets (stratified bootstrap).")
                   for p in figures)
    sections = [("All benchmarks",
                 table_html(shown, caption=f"Over {', '.join(names)}: each number from the "
                            "test named beside it; decisions at alpha = "
                            f"{alpha:g}.", group="Metric", sortable=False)
                 + _tests_in_words_html(rows)),
                ("Figures", figs), ("Datasets", links),
                ("Files", '<ul><li><a href="aggregates.json">aggregates.json</a></li>'
                          '<li><a href="aggregates.tex">aggregates.tex</a></li></ul>')]
    return write_text_atomically(Path(out_dir) / "index.html",
                                 render_page(f"{name}: all benchmarks", sections))
