r"""LaTeX for papers: the compact main table and the full-statistics table.

:func:`to_latex_compact` sets :func:`~affectctl.report.tables.compact_table` (headline
metrics × conditions: mean ± sd with the best condition in bold, Δ with the primary
test's mark, Δ's confidence interval) as a float that fits ``\columnwidth`` of a
two-column paper; :func:`to_latex_full` sets :func:`~affectctl.report.tables.full_table`
(every test, raw and adjusted p, effect sizes, CIs) as a ``table*`` that fits
``\textwidth``. Both put the tabular and its notes in a ``threeparttable``: the notes are
a ``tablenotes`` list exactly as wide as the table. Numbers are right-aligned with the
same number of decimals and the marks in a column slot of their own (``r@{}l``), so the
decimal points of a column line up whatever the marks.

Every file starts with ``% requires: booktabs, threeparttable, ...``: the packages its
preamble needs. The tables compile without overfull boxes in ``\documentclass[twocolumn]
{article}``, IEEEtran (conference) and acmart (sigconf), checked with pdflatex by the
tests.

Why widths are still estimated (issue: "TeX measures widths itself"): TeX does lay out
every table (natural column widths, ``threeparttable`` sizing the notes), but two choices
have to be made *before* TeX sees the table: whether the float is ``table`` (one column)
or ``table*`` (both columns), and the font size. A float's environment cannot be changed
after its content is measured, and ``tabular*``/``tabularx`` only stretch or wrap columns
to a given width; they cannot make numbers narrower, so a table of six conditions would be
overfull in ``\columnwidth`` instead of moving to ``table*``. Measuring in TeX would mean
typesetting every table twice in the reader's preamble (``\settowidth`` and a
conditional float), which breaks ``\input`` into a user's own float. The estimate below
(Computer Modern advance widths, Knuth, *Computers & Typesetting*, vol. E, with a 3 %
margin; the classes above use Times or Libertine, which set these digits no wider) only
picks the environment and size; ``\resizebox`` (graphicx, then listed in
``% requires``) is the documented last resort for a table too wide even for
``\textwidth`` in ``\scriptsize``. A float too tall for a page is split into several
floats, each with the header, caption "(continued)". The page sizes are those of the
smallest of the three classes, ``\documentclass[twocolumn]{article}`` at 10 pt on letter
paper (``\columnwidth`` 229.5 pt, ``\textwidth`` 469 pt, ``\textheight`` 550 pt).

:func:`to_latex` sets any table of :mod:`affectctl.report.tables` (booktabs, notes under the
table). Numbers are formatted by :mod:`affectctl.report.formatting` (the only module that
rounds). Condition names go through :func:`affectctl.report.escape.for_latex`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from affectctl.errors import ConfigError
from affectctl.report.escape import for_latex
from affectctl.report.formatting import (
    _MINUS,
    _TEXT_COLUMNS,
    TEST_LABELS,
    _finite,
    _fmt_mean_sd,
    format_number,
    format_p,
    format_table,
    metric_label,
)

__all__ = ["to_latex", "to_latex_compact", "to_latex_full", "tex_escape", "COLUMN_WIDTH_PT", "TEXT_WIDTH_PT",
           "TEXT_HEIGHT_PT"]

#: ``\columnwidth``, ``\textwidth`` and ``\textheight`` of a 10 pt two-column article
#: (letter paper), minus a small safety margin for the width estimate.
COLUMN_WIDTH_PT = 229.5 - 2
TEXT_WIDTH_PT = 469.0 - 4
TEXT_HEIGHT_PT = 550.0

_SIZES = {"footnotesize": 8.0, "scriptsize": 7.0}
_SKIP = {"footnotesize": 9.5, "scriptsize": 8.0}
_DESIGN = {"footnotesize": 1.0625, "scriptsize": 1.17}    # cmr8, cmr7 digits against cmr10
_NUMERIC = set("0123456789.,−+±[]")

# Computer Modern Roman 10 pt advance widths (pt), rounded; others by class
_W10 = {**{d: 5.0 for d in "0123456789"}, " ": 3.33, ".": 2.78, ",": 2.78, "(": 3.89,
        ")": 3.89, "[": 2.78, "]": 2.78, "−": 7.78, "+": 7.78, "±": 7.78, "–": 5.0,
        "<": 7.78, ">": 7.78, "=": 7.78, "Δ": 8.33, "↑": 5.0, "↓": 5.0, "†": 4.44,
        "‡": 4.44, "§": 4.44, "i": 2.78, "l": 2.78, "j": 3.05, "t": 3.89, "f": 3.05,
        "r": 3.92, "m": 8.33, "w": 7.22, "M": 9.17, "W": 10.28, "%": 8.33, "×": 7.78,
        "|": 2.78, ":": 2.78, "_": 5.0, "-": 3.33}


#: The one function every user-supplied name (condition names) goes through into LaTeX.
_name_tex = for_latex


#: Test names in the full table's header (the notes name the tests in full).
_HEAD = {**TEST_LABELS, "ar": "Approx. rand."}


def _width(text: str, size: str) -> float:
    """Estimated width (pt) of ``text`` at ``size`` in Computer Modern."""
    # The smaller design sizes set digits wider than cmr10 scaled: a digit of cmr8 is
    # 4.25 pt at 8 pt (4.0 scaled), of cmr7 4.09 pt at 7 pt (3.5 scaled). Digits and the
    # signs between them take those factors (_DESIGN), which make the estimate of the
    # example compact table with intervals TeX's own width (240.2 pt at \scriptsize,
    # 253.8 pt at \footnotesize; with 1.05 for everything it was 224 pt, and a table
    # estimated to fit would have been overfull); letters keep 1.05.
    base = _SIZES[size] / 10.0
    digits = letters = 0.0
    for ch in str(text):
        if ch in _NUMERIC:
            digits += _W10[ch]
        elif ch in _W10:
            letters += _W10[ch]
        elif ch.isupper():
            letters += 7.2
        else:
            letters += 4.8
    return base * (digits * _DESIGN[size] + letters * 1.05)


def _requires(resize: bool) -> str:
    return ("% requires: booktabs, threeparttable" + (", graphicx" if resize else "") + "\n")


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
    """One float per chunk of body lines; the header repeats, later captions say continued.

    The tabular and its notes sit in a ``threeparttable``, so the notes (a
    ``tablenotes`` list) are exactly as wide as the table.
    """
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
        lines += [r"\begin{threeparttable}", rf"\begin{{tabular}}{{{spec}}}", r"\toprule",
                  *header, r"\midrule", *body, r"\bottomrule", r"\end{tabular}"]
        if notes and i == len(body_chunks) - 1:
            lines += [r"\begin{tablenotes}[flushleft]", rf"\{size}"]
            lines += [r"\item[] " + _tex_note(_paper_note(n)) for n in notes]
            lines.append(r"\end{tablenotes}")
        lines.append(r"\end{threeparttable}" + ("}" if resize else ""))
        lines.append(rf"\end{{{env}}}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _paper_note(text: str) -> str:
    """A footnote line in a paper's words: metric ids by their names, no file names."""
    import re

    from affectctl.report.formatting import METRIC_LABELS

    text = re.sub(r"see geometry_sensitivity\.csv", "see the report's geometry-sensitivity table",
                  text)
    text = re.sub(r"\s*\((?:see )?geometry_sensitivity\.csv\)", "", text)
    for mid, lab in METRIC_LABELS.items():
        text = re.sub(rf"(?<![\w:]){re.escape(mid)}(?![\w:])", lab, text)
    return text


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


def _best(values: list, direction: int) -> set:
    """Indices of the best finite value (ties included) under ``direction`` (+1 higher)."""
    finite = [(i, v) for i, v in enumerate(values) if _finite(v)]
    if not finite:
        return set()
    best = max(direction * v for _, v in finite)
    return {i for i, v in finite if direction * v == best}


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
        ``% requires: booktabs, threeparttable`` then one ``table`` float
        (``table*`` when the conditions do not fit one column). Metrics are group
        headings; under each, a row of mean ± sd (the value alone with one run; the
        best condition's in bold, following the metric's direction), a row of Δ
        against the baseline with the primary test's mark, and a row with Δ's
        confidence interval when the table has one. Every condition is two columns,
        ``r@{}l``: the number right-aligned (so the decimal points of a column line
        up: every number has ``digits`` decimals) and a fixed slot for the mark (the
        interval's closing bracket sits in it too). The notes are a ``tablenotes``
        list of the ``threeparttable``, as wide as the table.
    """
    if table.attrs.get("kind") != "compact":
        raise ConfigError("`table` must come from compact_table().")
    conditions = list(dict.fromkeys(table["condition"]))
    single = table["n_seeds"].fillna(0).max() <= 1 or table["sd"].isna().all()
    stat = "value" if single else "mean ± sd"
    has_ci = "ci_low" in table and table["ci_low"].notna().any()
    groups_text = []                 # (metric label, [(stat, bold)], [(Δ, mark)], [(CI, "]")])
    for metric, sub in table.groupby("metric", sort=False):
        by = {r["condition"]: r for r in sub.to_dict("records")}
        direction = int(sub["direction"].iloc[0]) if "direction" in sub else 1
        means = [by[c]["mean"] if c in by else np.nan for c in conditions]
        best = _best(means, direction) if len(conditions) > 1 else set()
        stats, deltas, cis = [], [], []
        for j, c in enumerate(conditions):
            r = by.get(c)
            if r is None:
                stats.append(("–", False))
                deltas.append(("", ""))
                cis.append(("", ""))
                continue
            if _finite(r["sd"]) and not single:
                stats.append((_fmt_mean_sd(r["mean"], r["sd"], digits), j in best))
            else:
                stats.append((format_number(r["mean"], digits=digits), j in best))
            d = r["delta"]
            deltas.append(("", "") if not _finite(d)
                          else (format_number(d, digits=digits, signed=True), r["sig"] or ""))
            lo, hi = r.get("ci_low"), r.get("ci_high")
            # bounds signed only when negative: a plus sign is as wide as a digit pair
            cis.append((f"[{format_number(lo, digits=digits)}, "
                        f"{format_number(hi, digits=digits)}", "]")
                       if _finite(lo) and _finite(hi) else ("", ""))
        groups_text.append((metric_label(metric), stats, deltas, cis))
    ci_name = f"{_ci_level(table)} CI"
    first_col = [stat, "Δ"] + ([ci_name] if has_ci else [])
    # a condition's width: its name, or its widest cell plus the widest mark of its column
    columns = [first_col]
    for j, c in enumerate(conditions):
        cells = [g[1][j][0] for g in groups_text] + [g[2][j][0] for g in groups_text]
        cells += [g[3][j][0] for g in groups_text] if has_ci else []
        marks = [g[2][j][1] for g in groups_text] + (["]"] if has_ci else [])
        mark = max(marks, key=lambda m: _width(m, "footnotesize"), default="")
        columns.append([c] + [cell + mark for cell in cells])
    spans = [(g[0], 0, len(conditions)) for g in groups_text]
    sep = 4.0
    env, size, resize = _choose(
        lambda sz: _tabular_width(columns, sz, sep, spans) + 10.0,   # \quad indent
        [("table", "footnotesize", COLUMN_WIDTH_PT), ("table", "scriptsize", COLUMN_WIDTH_PT),
         ("table*", "footnotesize", TEXT_WIDTH_PT), ("table*", "scriptsize", TEXT_WIDTH_PT)])
    n = 2 * len(conditions) + 1
    spec = "@{}l" + "r@{}l" * len(conditions) + "@{}"
    header = [" & ".join([""] + [rf"\multicolumn{{2}}{{c}}{{{_name_tex(c)}}}"
                                 for c in conditions]) + r" \\"]

    def pair(value: str, mark: str, bold: bool = False) -> str:
        v = tex_escape(value)
        if bold and value:
            v = r"\textbf{" + v.replace(r" $\pm$ ", r"} $\pm$ ", 1) + ("" if r"$\pm$" in v else "}")
        return f"{v} & {tex_escape(mark)}" if mark else f"{v} & "

    groups = []
    for i, (lab, stats, deltas, cis) in enumerate(groups_text):
        g = [rf"\multicolumn{{{n}}}{{@{{}}l}}{{{tex_escape(lab)}}} \\"]
        g.append(r"\quad " + tex_escape(stat) + " & "
                 + " & ".join(pair(v, "", b) for v, b in stats) + r" \\")
        g.append(r"\quad $\Delta$ & " + " & ".join(pair(v, m) for v, m in deltas) + r" \\")
        if has_ci:
            g.append(r"\quad " + tex_escape(ci_name) + " & "
                     + " & ".join(pair(v, m) for v, m in cis) + r" \\")
        if i < len(groups_text) - 1:
            g.append(r"\addlinespace")
        groups.append(g)
    notes = list(table.attrs.get("notes", []))
    if any(g[1] for g in groups_text) and len(conditions) > 1:
        notes.insert(1, "Bold: the best condition per metric (↑ highest, ↓ lowest mean).")
    width = COLUMN_WIDTH_PT if env == "table" else TEXT_WIDTH_PT
    chunks = _chunks(groups, size, 2, _notes_lines(notes, width, size))
    return _requires(resize) + _float(env, caption, label, size, sep, spec, header, chunks,
                                      notes, resize)


def _ci_level(table) -> str:
    level = table.attrs.get("ci_level")
    if isinstance(level, str):
        return level
    return f"{100 * float(level):g}%" if _finite(level) else "95%"


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
        [("table*", "footnotesize", TEXT_WIDTH_PT), ("table*", "scriptsize", TEXT_WIDTH_PT)])
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
    chunks = _chunks(groups, size, len(header), _notes_lines(notes, TEXT_WIDTH_PT, size))
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
    # widths as set: a test's "<Test> p" / "<Test> p_adj" headers are "p" and "p_adj" under
    # one spanning test name (see _tex_header)
    labels = [TEST_LABELS.get(t, t) for t in tests]
    heads, spans = [], []
    for j, c in enumerate(cols):
        lab = next((lab for lab in labels if c in (f"{lab} p", f"{lab} p_adj")), None)
        heads.append(c if lab is None else c[len(lab) + 1:])
        if lab is not None and c == f"{lab} p" and j + 1 < len(cols) and cols[j + 1] == f"{lab} p_adj":
            spans.append((lab, j, j + 1))
    columns = [[h] + [str(v) for v in shown[c]] for h, c in zip(heads, cols)]
    if environment == "table*":
        limits = [("table*", "footnotesize", TEXT_WIDTH_PT), ("table*", "scriptsize", TEXT_WIDTH_PT)]
    elif environment == "table":
        limits = [("table", "footnotesize", COLUMN_WIDTH_PT), ("table", "scriptsize", COLUMN_WIDTH_PT)]
    else:   # "auto" and None: the column if the table fits it, else the page width
        limits = [("table", "footnotesize", COLUMN_WIDTH_PT), ("table", "scriptsize", COLUMN_WIDTH_PT),
                  ("table*", "footnotesize", TEXT_WIDTH_PT), ("table*", "scriptsize", TEXT_WIDTH_PT)]
    env, size, resize = _choose(lambda sz: _tabular_width(columns, sz, 3.0, spans), limits)
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
