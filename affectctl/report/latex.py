r"""LaTeX for papers: the compact main table and the full-statistics table.

:func:`to_latex_compact` sets :func:`~affectctl.report.tables.compact_table` (headline
metrics × conditions, mean ± sd and Δ with the primary test's marks) as a float that
fits ``\columnwidth`` of a two-column article; :func:`to_latex_full` sets
:func:`~affectctl.report.tables.full_table` (every test, raw and adjusted p, effect
sizes, CIs) as a ``table*`` that fits ``\textwidth``.

Every file starts with ``% requires: booktabs, ...``: the packages its preamble needs.
Widths are estimated from the character widths of Computer Modern at the chosen size
(Knuth, *Computers & Typesetting*, vol. E); when a table would still be too wide it
moves to ``table*`` (compact) or a smaller size, and as a last resort is scaled to the
line with ``\resizebox`` (graphicx, then listed in ``% requires``). A float too tall for
a page is split into several floats, each with the header, caption "(continued)".
The page sizes are those of ``\documentclass[twocolumn]{article}`` at 10 pt on letter
paper (``\columnwidth`` 229.5 pt, ``\textwidth`` 469 pt, ``\textheight`` 550 pt).

:func:`to_latex` sets any table of :mod:`affectctl.report.tables` (booktabs, notes under the
table). Numbers are formatted by :mod:`affectctl.report.formatting` (the only module that rounds).
"""

from __future__ import annotations

import math

import pandas as pd

from ..errors import ConfigError
from .escape import for_latex
from .formatting import (
    _MINUS,
    _TEXT_COLUMNS,
    TEST_LABELS,
    _fmt_mean_sd,
    format_number,
    format_p,
    format_table,
    metric_label,
)

__all__ = ["to_latex", "to_latex_compact", "to_latex_full", "tex_escape", "COLUMN_PT", "TEXT_PT",
           "TEXT_HEIGHT_PT"]

#: ``\columnwidth``, ``\textwidth`` and ``\textheight`` of a 10 pt two-column article
#: (letter paper), minus a small safety margin for the width estimate.
COLUMN_PT = 229.5 - 2
TEXT_PT = 469.0 - 4
TEXT_HEIGHT_PT = 550.0

_SIZES = {"footnotesize": 8.0, "scriptsize": 7.0}
_SKIP = {"footnotesize": 9.5, "scriptsize": 8.0}

# Computer Modern Roman 10 pt advance widths (pt), rounded; others by class
_W10 = {**{d: 5.0 for d in "0123456789"}, " ": 3.33, ".": 2.78, ",": 2.78, "(": 3.89,
        ")": 3.89, "[": 2.78, "]": 2.78, "−": 7.78, "+": 7.78, "±": 7.78, "–": 5.0,
        "<": 7.78, ">": 7.78, "=": 7.78, "Δ": 8.33, "↑": 5.0, "↓": 5.0, "†": 4.44,
        "‡": 4.44, "§": 4.44, "i": 2.78, "l": 2.78, "j": 3.05, "t": 3.89, "f": 3.05,
        "r": 3.92, "m": 8.33, "w": 7.22, "M": 9.17, "W": 10.28, "%": 8.33, "×": 7.78,
        "|": 2.78, ":": 2.78, "_": 5.0, "-": 3.33}


#: Test names in the full table's header (the notes name the tests in full).
_HEAD = {**TEST_LABELS, "ar": "Approx. rand."}


def _width(text: str, size: str) -> float:
    """Estimated width (pt) of ``text`` at ``size`` in Computer Modern."""
    scale = _SIZES[size] / 10.0 * 1.05       # the smaller design sizes are a little wider
    w = 0.0
    for ch in str(text):
        if ch in _W10:
            w += _W10[ch]
        elif ch.isupper():
            w += 7.2
        else:
            w += 4.8
    return w * scale


def _requires(resize: bool) -> str:
    return "% requires: booktabs" + (", graphicx" if resize else "") + "\n"


def _tabular_width(columns: list, size: str, sep: float, spans: list = ()) -> float:
    """Width of a tabular with ``@{}`` edges: column widths plus inner separations."""
    widths = [max((_width(c, size) for c in col), default=0.0) for col in columns]
    total = sum(widths) + 2 * sep * (len(columns) - 1)
    for text, first, last in spans:             # a spanning cell can widen its columns
        inner = sum(widths[first:last + 1]) + 2 * sep * (last - first)
        total += max(0.0, _width(text, size) - inner)
    return total


def _choose(width_at, limits) -> tuple:
    """First (environment, size) whose width fits; else the last, scaled to the line."""
    for env, size, limit in limits:
        if 1.03 * width_at(size) <= limit:          # the estimate errs by a few per cent
            return env, size, False
    env, size, _ = limits[-1]
    return env, size, True


def _float(env: str, caption, label, size: str, sep: float, spec: str, header: list,
           body_chunks: list, notes: list, resize: bool) -> str:
    """One float per chunk of body lines; the header repeats, later captions say continued."""
    out = []
    for i, body in enumerate(body_chunks):
        lines = [rf"\begin{{{env}}}[tbp]", r"\centering"]
        if caption:
            cap = tex_escape(caption) + (" (continued)" if i else "")
            lines.append(rf"\caption{{{cap}}}")
        if label:
            lines.append(rf"\label{{{label}}}" if i == 0 else rf"\label{{{label}-{i + 1}}}")
        lines += [rf"\{size}", rf"\setlength{{\tabcolsep}}{{{sep:g}pt}}"]
        if resize:
            lines.append(r"\resizebox{\linewidth}{!}{%")
        lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", *header, r"\midrule", *body,
                  r"\bottomrule", r"\end{tabular}" + ("}" if resize else "")]
        if notes and i == len(body_chunks) - 1:
            lines += [r"\par\smallskip", r"\begin{minipage}{\linewidth}\raggedright"]
            lines.append((r" \\" + "\n").join(_tex_note(n) for n in notes))
            lines.append(r"\end{minipage}")
        lines.append(rf"\end{{{env}}}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _chunks(groups: list, size: str, fixed_lines: int, notes_lines: int) -> list:
    """Split groups of body lines so that each float fits ``\\textheight``."""
    skip = _SKIP[size]
    budget = TEXT_HEIGHT_PT - 60.0               # caption, rules, float separation
    out, cur, used = [], [], fixed_lines * skip
    for g in groups:
        h = len(g) * skip + 3.0
        if cur and used + h + notes_lines * skip > budget:
            out.append(cur)
            cur, used = [], fixed_lines * skip
        cur += g
        used += h
    out.append(cur)
    return out


def _notes_lines(notes: list, width_pt: float, size: str) -> int:
    return sum(max(1, math.ceil(_width(n, size) / max(width_pt, 50.0))) for n in notes)


def to_latex_compact(table: pd.DataFrame, *, caption: str | None = None,
                     label: str | None = None, digits: int = 3) -> str:
    r"""The compact main table as a float that fits ``\columnwidth``.

    Parameters
    ----------
    table : DataFrame from :func:`~affectctl.report.tables.compact_table`
    caption, label : str, optional
    digits : int, default 3

    Returns
    -------
    str
        ``% requires: booktabs`` then one ``table`` float (``table*`` when the
        conditions do not fit one column). Metrics are group headings; under each, a
        row of mean ± sd (the value alone with one run) and a row of Δ against the
        baseline with the primary test's mark.
    """
    if table.attrs.get("kind") != "compact":
        raise ConfigError("`table` must come from compact_table().")
    conditions = list(dict.fromkeys(table["condition"]))
    single = table["n_seeds"].fillna(0).max() <= 1 or table["sd"].isna().all()
    stat = "value" if single else "mean ± sd"
    groups_text = []                 # (metric label, [stat cells], [delta cells])
    for metric, sub in table.groupby("metric", sort=False):
        by = {r["condition"]: r for r in sub.to_dict("records")}
        stats, deltas = [], []
        for c in conditions:
            r = by.get(c)
            if r is None:
                stats.append("–")
                deltas.append("")
                continue
            if isinstance(r["sd"], float) and math.isfinite(r["sd"]) and not single:
                stats.append(_fmt_mean_sd(r["mean"], r["sd"], digits))
            else:
                stats.append(format_number(r["mean"], digits=digits))
            d = r["delta"]
            deltas.append("" if not (isinstance(d, float) and math.isfinite(d))
                          else format_number(d, digits=digits, signed=True) + (r["sig"] or ""))
        groups_text.append((metric_label(metric), stats, deltas))
    first_col = [stat, "Δ"]
    columns = [first_col] + [[c] + [g[1][j] for g in groups_text] + [g[2][j] for g in groups_text]
                             for j, c in enumerate(conditions)]
    spans = [(g[0], 0, len(conditions)) for g in groups_text]
    sep = 4.0
    env, size, resize = _choose(
        lambda sz: _tabular_width(columns, sz, sep, spans) + 10.0,   # \quad indent
        [("table", "footnotesize", COLUMN_PT), ("table", "scriptsize", COLUMN_PT),
         ("table*", "footnotesize", TEXT_PT), ("table*", "scriptsize", TEXT_PT)])
    n = len(conditions) + 1
    spec = "@{}l" + "r" * len(conditions) + "@{}"
    header = [" & ".join([""] + [tex_escape(c) for c in conditions]) + r" \\"]
    groups = []
    for i, (lab, stats, deltas) in enumerate(groups_text):
        g = [rf"\multicolumn{{{n}}}{{@{{}}l}}{{{tex_escape(lab)}}} \\"]
        g.append(r"\quad " + tex_escape(stat) + " & " + " & ".join(tex_escape(v) for v in stats)
                 + r" \\")
        g.append(r"\quad $\Delta$ & " + " & ".join(tex_escape(v) for v in deltas) + r" \\")
        if i < len(groups_text) - 1:
            g.append(r"\addlinespace")
        groups.append(g)
    notes = table.attrs.get("notes", [])
    width = COLUMN_PT if env == "table" else TEXT_PT
    chunks = _chunks(groups, size, 2, _notes_lines(notes, width, size))
    return _requires(resize) + _float(env, caption, label, size, sep, spec, header, chunks,
                                      notes, resize)


def to_latex_full(table: pd.DataFrame, *, caption: str | None = None,
                  label: str | None = None, digits: int = 3) -> str:
    r"""The full-statistics table as a ``table*`` that fits ``\textwidth``.

    Parameters
    ----------
    table : DataFrame from :func:`~affectctl.report.tables.full_table`
    caption, label : str, optional
    digits : int, default 3

    Returns
    -------
    str
        ``% requires: booktabs`` then ``table*`` float(s): per metric (a group
        heading), one row per comparison with Δ, its confidence interval, raw and
        adjusted p of every test (marks on the adjusted p), rank-biserial r, d_z
        and n.
    """
    if table.attrs.get("kind") != "full":
        raise ConfigError("`table` must come from full_table().")
    tests = list(table.attrs.get("tests") or [])
    has_ci = "ci_low" in table and table["ci_low"].notna().any()
    head = ["Comparison", "Δ"] + (["CI"] if has_ci else [])
    for t in tests:
        head += [f"{t} p", f"{t} p_adj"]
    n_values = pd.to_numeric(table["n"], errors="coerce").dropna().unique() if "n" in table else []
    show_n = len(n_values) != 1
    head += ["r_rb", "d_z"] + (["n"] if show_n else [])
    groups_text = []
    for metric, sub in table.groupby("metric", sort=False):
        rows = []
        for r in sub.to_dict("records"):
            cells = [f"{r['a']} {_MINUS} {r['b']}",
                     format_number(r["mean_diff"], digits=digits, signed=True)]
            if has_ci:
                lo, hi = r.get("ci_low"), r.get("ci_high")
                cells.append(f"[{format_number(lo, digits=digits)}, "
                             f"{format_number(hi, digits=digits)}]"
                             if isinstance(lo, float) and math.isfinite(lo) else "–")
            for t in tests:
                cells += [format_p(r.get(f"p_{t}")),
                          format_p(r.get(f"p_adj_{t}")) + (r.get(f"sig_{t}") or "")]
            cells += [format_number(r.get("rank_biserial"), digits=2, signed=True),
                      format_number(r.get("cohen_dz"), digits=2, signed=True)]
            n = r.get("n")
            if show_n:
                cells.append(str(int(n)) if n is not None and n is not pd.NA
                             and isinstance(n, (int, float)) and math.isfinite(n) else "–")
            rows.append(cells)
        groups_text.append((metric_label(metric), rows))
    ncol = len(head)
    shown_head = ["Comparison", "Δ"] + ([f"{table.attrs.get('ci_level', '95%')} CI"] if has_ci
                                        else []) + ["p", "p_adj"] * len(tests) + ["r", "d"] + (["n"] if show_n else [])
    columns = [[shown_head[j]] + [row[j] for _, rows in groups_text for row in rows]
               for j in range(ncol)]
    spans = [(g[0], 0, ncol - 1) for g in groups_text]
    test_spans = []
    first_p = 3 if has_ci else 2
    for i, t in enumerate(tests):
        test_spans.append((_HEAD.get(t, t), first_p + 2 * i, first_p + 2 * i + 1))
    sep = 2.5
    env, size, resize = _choose(
        lambda sz: _tabular_width(columns, sz, sep, spans + test_spans) + 10.0,
        [("table*", "footnotesize", TEXT_PT), ("table*", "scriptsize", TEXT_PT)])
    spec = "@{}l" + "r" * (ncol - 1) + "@{}"
    top = [""] * first_p
    rules = []
    for i, t in enumerate(tests):
        top.append(rf"\multicolumn{{2}}{{c}}{{{tex_escape(_HEAD.get(t, t))}}}")
        c0 = first_p + 2 * i + 1
        rules.append(rf"\cmidrule(lr){{{c0}-{c0 + 1}}}")
    top += [""] * (3 if show_n else 2)
    sub = ["Comparison", r"$\Delta$"] + ([tex_escape(f"{table.attrs.get('ci_level', '95%')} CI")]
                                         if has_ci else [])
    sub += [r"$p$", r"$p_\mathrm{adj}$"] * len(tests) + [r"$r_\mathrm{rb}$", r"$d_z$"]
    sub += [r"$n$"] if show_n else []
    header = ([" & ".join(top) + r" \\", "".join(rules)] if tests else []) + \
        [" & ".join(sub) + r" \\"]
    groups = []
    for i, (lab, rows) in enumerate(groups_text):
        g = [rf"\multicolumn{{{ncol}}}{{@{{}}l}}{{\textit{{{tex_escape(lab)}}}}} \\"]
        g += [r"\quad " + " & ".join(tex_escape(v) for v in row) + r" \\" for row in rows]
        if i < len(groups_text) - 1:
            g.append(r"\addlinespace")
        groups.append(g)
    notes = list(table.attrs.get("notes", []))
    n_text = ("n: pairs behind the seed-level tests" if show_n else
              f"n = {int(n_values[0])} pairs behind every seed-level test" if len(n_values) else "")
    notes.append("r_rb: matched-pairs rank-biserial correlation; d_z: Cohen's d of the paired "
                 "differences" + (f"; {n_text}." if n_text else "."))
    if not groups:
        groups = [[r"\multicolumn{%d}{@{}l}{no comparisons} \\" % ncol]]
    chunks = _chunks(groups, size, len(header), _notes_lines(notes, TEXT_PT, size))
    return _requires(resize) + _float(env, caption, label, size, sep, spec, header, chunks,
                                      notes, resize)


# ----------------------------------------------------------------------------------------------
# the generic writer: any table of affectctl.report.tables


def tex_escape(text: str) -> str:
    r"""Escape LaTeX specials (``_`` → ``\_``) and map the symbols affectctl uses to LaTeX.

    >>> tex_escape("error_distance_mean ↓"), tex_escape("0.512 ± 0.010")
    ('error\\_distance\\_mean $\\downarrow$', '0.512 $\\pm$ 0.010')
    """
    return for_latex(text)


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
