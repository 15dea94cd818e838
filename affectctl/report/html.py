"""``index.html``: one self-contained page per report, readable offline.

The page holds the tables as HTML tables, every PNG figure embedded as a ``data:``
URI, the settings, the footnotes and relative links to the report's files. It makes
no external request: no remote script, style sheet, font or image (a test opens it in
headless Chromium and checks that). A short inline script checks, once the page has
loaded, that every table has rows and every figure decoded, and writes the outcome
into ``<body data-check="...">`` (what the test reads back from the DOM).

Numbers are formatted by :mod:`affectctl.report.formatting` (the only module that rounds).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from affectctl.io.atomic import write_text_atomically
from affectctl.report.escape import for_html
from affectctl.report.warnings import aggregate_warnings

__all__ = ["write_html", "write_diagnose_html", "write_plan_html", "render_page"]

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;
max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.5em;overflow-wrap:anywhere}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:separate;border-spacing:0;margin:.5em 0;font-variant-numeric:tabular-nums;
font-size:13px}
caption{text-align:left;font-size:13px;color:#555;padding-bottom:.3em}
th,td{padding:2px 8px;text-align:right;white-space:nowrap;background:#fff}
thead th{border-bottom:1px solid #444;vertical-align:bottom}
tbody:last-child tr:last-child td{border-bottom:1px solid #444}
th.group{text-align:left;font-weight:600;padding-top:.5em;border-bottom:1px solid #ddd}
td:first-child,th:first-child,td.text,th.text{text-align:left}
td:first-child,thead th:first-child{position:sticky;left:0;z-index:1;box-shadow:1px 0 0 #ddd}
th.sortable{cursor:pointer}th.sortable:after{content:" \\2195";color:#aaa;font-size:11px}
th[aria-sort=ascending]:after{content:" \\2191";color:#222}
th[aria-sort=descending]:after{content:" \\2193";color:#222}
abbr.mark{text-decoration:none;border-bottom:1px dotted #888;cursor:help}
.scroll{overflow-x:auto;max-width:100%}
details{margin:1em 0}summary{cursor:pointer;font-weight:600}
figure{margin:1.2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:13px;color:#555;max-width:60em}
.notes{font-size:13px;color:#444;padding-left:1.2em}.warn{background:#fff4e0;
border-left:4px solid #e69f00;padding:.3em .8em .3em 1.8em;font-size:13px;margin:.5em 0}
table.settings td:first-child{color:#555}table.settings td{text-align:left;white-space:normal}
@media (max-width:600px){body{font-size:14px;padding:0 .5em;margin:.8em auto}
table{font-size:12px}th,td{padding:2px 4px}h1{font-size:1.25em}
td:first-child{white-space:normal;min-width:5em;max-width:7.5em}}
"""

# Runs after load: every table has a body row, every image decoded; errors counted.
_CHECK = """
<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  window.__errors.push((e.target && e.target.tagName) ? 'load:' + e.target.tagName : String(e.message));
}, true);
window.addEventListener('load', function () {
  var tables = document.querySelectorAll('table');
  var emptyTables = Array.prototype.filter.call(tables, function (t) {
    return t.querySelectorAll('tbody tr').length === 0; }).length;
  var imgs = document.querySelectorAll('img');
  var broken = Array.prototype.filter.call(imgs, function (i) {
    return !(i.complete && i.naturalWidth > 0); }).length;
  // columns of the first table whose right edge is inside the window (none scrolled)
  var heads = tables.length ? tables[0].querySelectorAll('thead th') : [];
  var inView = Array.prototype.filter.call(heads, function (th) {
    return th.getBoundingClientRect().right <= window.innerWidth + 0.5; }).length;
  document.body.setAttribute('data-check',
    'tables=' + tables.length + ' empty=' + emptyTables + ' figures=' + imgs.length +
    ' broken=' + broken + ' errors=' + window.__errors.length +
    ' columns=' + heads.length + ' in_view=' + inView + ' width=' + window.innerWidth);
});
</script>
"""

# Click a column header to sort the rows of every group (tbody) by it; again to reverse.
# Numbers sort by value (unicode minus, marks and "<" ignored), blanks last.
_SORT = """
<script>
(function () {
  function key(td) {
    var t = (td ? td.textContent : '').replace(/\\u2212/g, '-').replace(/^[<\\s]+/, '');
    var m = t.match(/^[+-]?\\d+(\\.\\d+)?(e[+-]?\\d+)?/i);
    return m ? [0, parseFloat(m[0])] : (t.trim() ? [1, t.toLowerCase()] : [2, '']);
  }
  function cmp(a, b) { return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0); }
  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('table.sortable').forEach(function (table) {
      var heads = table.querySelectorAll('thead tr:last-child th');
      heads.forEach(function (th, col) {
        th.classList.add('sortable');
        th.setAttribute('title', 'sort by ' + th.textContent);
        th.addEventListener('click', function () {
          var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
          heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
          th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
          table.querySelectorAll('tbody').forEach(function (body) {
            var rows = Array.prototype.filter.call(body.rows, function (r) {
              return !r.classList.contains('group'); });
            rows.sort(function (a, b) {
              var ka = key(a.cells[col]), kb = key(b.cells[col]);
              return ka[0] === 2 || kb[0] === 2 ? ka[0] - kb[0] : dir * cmp(ka, kb); });
            rows.forEach(function (r) { body.appendChild(r); });
          });
        });
      });
    });
  });
})();
</script>
"""


#: The one function every user-supplied name goes through on its way into HTML.
_name = for_html


def _esc(text) -> str:
    return for_html(text)


#: What each mark means (tooltips; the notes under each table say it in full).
MARK_MEANINGS = {
    "‡": "adjusted p < 0.01",
    "†": "adjusted p < 0.05",
    "§": "this test cannot reach p < alpha whatever the data (too few seeds or resamples)",
    "◊": "the conclusion depends on the emotion geometry (see the geometry sensitivity)",
}


def _cell(value) -> str:
    """Escape a cell and wrap every mark in an ``<abbr>`` whose title says what it means."""
    text = _esc(value)
    for mark, meaning in MARK_MEANINGS.items():
        text = text.replace(mark, f'<abbr class="mark" title="{_esc(meaning)}">{mark}</abbr>')
    return text


_TEXT_COLS = {"Metric", "Condition", "Comparison", "Pair", "Status", "Best intervention",
              "metric", "condition", "pair", "verdict", "Verdict", "Quantity", "Test", "Decision"}


def table_html(shown: pd.DataFrame, *, caption: str | None = None,
               group: str | None = "Metric", sortable: bool = True) -> str:
    """A formatted (string) table as an HTML ``<table>`` inside a scrolling box.

    With ``group`` (a column of ``shown`` that is blank after the first row of each
    group, as :func:`~affectctl.report.formatting.format_table` writes ``Metric``), each
    group is one ``<tbody>`` headed by a row spanning the table, and the column is
    dropped: the first remaining column stays in view when the table scrolls sideways
    (sticky), and sorting (click a header) sorts the rows within each group.
    """
    cols = list(shown.columns)
    grouped = group in cols
    if grouped:
        cols.remove(group)
    head = "".join(f'<th class="text">{_esc(c)}</th>' if c in _TEXT_COLS else f"<th>{_esc(c)}</th>"
                   for c in cols)
    bodies, rows = [], []
    for r in shown.to_dict("records"):
        if grouped and r[group]:
            if rows:
                bodies.append(rows)
            rows = [f'<tr class="group"><th class="group" colspan="{len(cols)}">'
                    f"{_cell(r[group])}</th></tr>"]
        cells = "".join(f'<td class="text">{_cell(r[c])}</td>' if c in _TEXT_COLS
                        else f"<td>{_cell(r[c])}</td>" for c in cols)
        rows.append(f"<tr>{cells}</tr>")
    if rows:
        bodies.append(rows)
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    cls = ' class="sortable"' if sortable else ""
    body = "".join(f"<tbody>{''.join(b)}</tbody>" for b in bodies) or "<tbody></tbody>"
    return (f'<div class="scroll"><table{cls}>{cap}<thead><tr>{head}</tr></thead>'
            f"{body}</table></div>")


def notes_html(notes: Iterable[str]) -> str:
    items = "".join(f"<li>{_esc(n)}</li>" for n in notes)
    return f'<ul class="notes">{items}</ul>' if items else ""


def _png_size(data: bytes) -> tuple:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


#: CSS pixels per inch of print size a figure is shown at (1.5 x print size at 96 px/in:
#: a 3.3 in column figure is ~475 px wide, a 6.9 in page figure ~990 px).
_CSS_PX_PER_IN = 144
_DPI = 300


def figure_html(path: Path, caption: str = "") -> str:
    """A PNG (or SVG) embedded as a data URI at 1.5 x its print size, with links to its twins.

    The figures are written at 300 dpi; the image is shown ``width = pixels / 300 * 144``
    CSS pixels wide (never wider than the page), so a one-column figure stays
    column-sized instead of filling a wide screen.
    """
    raw = Path(path).read_bytes()
    data = base64.b64encode(raw).decode("ascii")
    w, h = _png_size(raw)
    mime = "image/svg+xml" if Path(path).suffix == ".svg" else "image/png"
    size = (f' width="{round(w * _CSS_PX_PER_IN / _DPI)}" height="{round(h * _CSS_PX_PER_IN / _DPI)}"'
            if w and h else "")
    links = [f'<a href="{_esc(path.name)}">{_esc(path.name)}</a>']
    for ext in (".pdf", ".svg"):
        twin = path.with_suffix(ext)
        if twin.exists() and twin != path:
            links.append(f'<a href="{_esc(twin.name)}">{_esc(twin.name)}</a>')
    return (f'<figure id="{_esc(path.stem)}"><img alt="{_esc(path.stem)}"{size} '
            f'src="data:{mime};base64,{data}"><figcaption>{_esc(caption)} '
            f"({' · '.join(links)})</figcaption></figure>")


#: Readable names of the settings ``compare`` records (others are shown by their key).
SETTING_LABELS = {
    "conditions": "Conditions", "baseline": "Baseline", "seeds": "Seeds",
    "taxonomy": "Taxonomy", "seed": "Monte-Carlo seed", "n_resamples": "Resamples",
    "unit": "Resampling unit", "sample_test": "Sample-level test",
    "seed_tests": "Seed-level tests", "alternative": "Alternative",
    "correction": "Multiple-comparison correction", "geometry": "Geometry", "runs": "Runs",
    "official_score": "Official score", "exclusions": "Excluded samples",
    "sums": "Replicate sums", "mcnemar": "McNemar p-value",
}


def _setting_text(value) -> str:
    """One setting as text: mappings as ``key: value`` lines, sequences comma-separated."""
    if isinstance(value, Mapping):
        parts = [f"{k}: {_setting_text(v)}" for k, v in value.items() if v not in (None, {}, [])]
        return "; ".join(parts) if parts else "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(_setting_text(v) for v in value)
    return str(value)


def settings_html(settings: Mapping) -> str:
    """The settings as a two-column table (readable names; nested values flattened)."""
    rows = "".join(f"<tr><td>{_esc(SETTING_LABELS.get(k, k.replace('_', ' ')))}</td>"
                   f"<td>{_name(_setting_text(v))}</td></tr>"
                   for k, v in settings.items() if v is not None and k != "warnings")
    return f'<table class="settings"><tbody>{rows}</tbody></table>'


def warnings_html(warnings) -> str:
    """The run's warnings, aggregated (:func:`aggregate_warnings`), as one list."""
    lines = aggregate_warnings(list(warnings))
    if not lines:
        return ""
    return '<ul class="warn">' + "".join(f"<li>{_name(w)}</li>" for w in lines) + "</ul>"


def files_html(files: Iterable) -> str:
    names = sorted({Path(p).name for p in files} - {"index.html"})
    return "<ul>" + "".join(f'<li><a href="{_esc(n)}">{_esc(n)}</a></li>' for n in names) + "</ul>"


def render_page(title: str, sections: Sequence[tuple]) -> str:
    """A complete HTML page: ``sections`` are ``(heading, html)`` pairs."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             # no request may leave the page, not even for a favicon
             '<link rel="icon" href="data:,">',
             f"<title>{_name(title)}</title><style>{_STYLE}</style>{_CHECK}{_SORT}"
             "</head><body>", f"<h1>{_name(title)}</h1>"]
    for heading, body in sections:
        if body:
            parts.append(f"<section><h2>{_name(heading)}</h2>{body}</section>" if heading
                         else body)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _pngs(files) -> list:
    """The figures to embed: each figure's PNG, else its SVG (``--figure-format svg``)."""
    paths = [Path(p) for p in files]
    pngs = {p.with_suffix("") for p in paths if p.suffix == ".png"}
    return [p for p in paths if p.suffix == ".png"
            or (p.suffix == ".svg" and p.with_suffix("") not in pngs)]


_FIGURE_CAPTIONS = {
    "circumplex_map": "Circumplex map: change of the most frequent confusions against the baseline.",
    "confusion": "Confusion matrices (row-normalised) and their differences from the baseline.",
    "error_distance_null": "Error distances against a null of errors placed at random.",
    "geometry_overlay": "The emotion geometries the conclusions were checked under.",
    "reliability": "Reliability diagrams: accuracy against mean confidence in 15 equal-width "
                   "confidence bins, one line per run, dot area ∝ samples in the bin (ECE in "
                   "each panel title; the diagonal is perfect calibration).",
    "per_group_accuracy": "Where each comparison is won and lost: accuracy difference per video "
                          "(pooled over seeds), videos sorted by it.",
}

#: Reading order of a report's figures: the answer first, then where it comes from.
_FIGURE_ORDER = ("delta_intervals_", "paired_seeds_", "f1_difference_", "per_group_",
                 "circumplex_map", "confusion", "error_distance_null", "reliability",
                 "geometry_overlay")


def _caption_for(stem: str) -> str:
    if stem.startswith("paired_seeds_"):
        from affectctl.report.formatting import METRIC_LABELS

        metric = stem[len("paired_seeds_"):]
        return (f"Per-seed values of {METRIC_LABELS.get(metric, metric)}, each condition "
                "paired with the baseline.")
    if stem.startswith("delta_intervals_"):
        pair = stem[len("delta_intervals_"):].replace("-vs-", " − ")
        return (f"{pair}: Δ with its confidence interval per metric, the primary test's mark "
                "and the verdict beside it.")
    if stem.startswith("f1_difference_"):
        return f"Per-class F1 difference {stem[len('f1_difference_'):].replace('-vs-', ' − ')}."
    return _FIGURE_CAPTIONS.get(stem, stem.replace("_", " "))


def ordered_figures(pngs, metrics: Sequence[str] = ()) -> list:
    """PNG paths in reading order (:data:`_FIGURE_ORDER`; per-metric figures in ``metrics``
    order); figures of no known kind last, by name."""
    pngs = list(pngs)
    if not pngs:  # --no-figures: nothing to order, and no matplotlib to import
        return []
    from affectctl.report.figures.save import safe_name

    rank_metric = {safe_name(m): i for i, m in enumerate(metrics)}

    def key(p):
        stem = Path(p).stem
        for i, prefix in enumerate(_FIGURE_ORDER):
            if stem == prefix or (prefix.endswith("_") and stem.startswith(prefix)):
                rest = stem[len(prefix):]
                return (i, rank_metric.get(rest, len(rank_metric)), stem)
        return (len(_FIGURE_ORDER), 0, stem)

    return sorted(pngs, key=key)


def primary_html_table(result, *, tests: Sequence[str], alpha: float) -> tuple:
    """The primary columns: Condition, value, Δ [CI], the primary test's adjusted p with its
    mark, and the verdict when the result has verdicts; one group per metric, contrasts
    (``a − b``) included. Returns (shown DataFrame of str, primary test, notes)."""
    from affectctl.report.formatting import (
        TEST_SHORT_LABELS,
        _finite,
        _fmt_mean_sd,
        format_number,
        format_p,
        metric_label,
    )
    from affectctl.report.tables import _own_interval, compact_table, main_table, verdict_lookup

    compact = compact_table(result, tests=tuple(dict.fromkeys((*tests, "ar", "bootstrap"))),
                            alpha=alpha)
    primary = compact.attrs.get("primary")
    main = main_table(result, tests=[primary] if primary else [], alpha=alpha)
    verdicts = verdict_lookup(result)
    comps = result.comparisons
    if "run_seed" in comps.columns:
        comps = comps[comps["run_seed"].isna()]
    single = len(result.seeds) == 1
    diffs = getattr(result, "differences", None)
    boot = ({(r.a, r.b, r.metric): (r.ci_low, r.ci_high) for r in diffs.itertuples(index=False)}
            if single and diffs is not None and len(diffs) else {})
    rows, prev = [], None
    p_col = f"p_adj ({TEST_SHORT_LABELS.get(primary, primary)})" if primary else "p_adj"
    for r in main.to_dict("records"):
        out = {"Metric": metric_label(r["metric"]) if r["metric"] != prev else ""}
        prev = r["metric"]
        out["Condition"] = r["label"]
        out["Value" if single else "Mean ± sd"] = _fmt_mean_sd(r["mean"], r["sd"], 3)
        key = (r["a"], r["b"], r["metric"])
        if r["a"]:
            v = verdicts.get(key)
            delta = float(v["delta"]) if v is not None else r.get("delta")
            if v is not None:
                lo, hi = float(v["ci_low"]), float(v["ci_high"])
            else:
                sel = comps[(comps["a"] == r["a"]) & (comps["b"] == r["b"])
                            & (comps["metric"] == r["metric"])]
                ci = _own_interval(sel, primary) if primary else {"ci_low": float("nan")}
                lo, hi = ci["ci_low"], ci.get("ci_high", float("nan"))
                if not _finite(lo) and key in boot:
                    lo, hi = boot[key]
            ci_text = (f" [{format_number(lo)}, {format_number(hi)}]"
                       if _finite(lo) and _finite(hi) else "")
            out["Δ [95% CI]"] = format_number(delta, signed=True) + ci_text
            out[p_col] = (format_p(r.get(f"p_adj_{primary}")) + (r.get(f"sig_{primary}") or "")
                          if primary else "")
            rope = v.get("p_rope") if v is not None else None
            out["P(rope)"] = f"{float(rope):.2f}" if _finite(rope) else ""
            out["Verdict"] = "" if v is None else str(v["verdict"])
        else:
            out["Δ [95% CI]"] = out[p_col] = out["P(rope)"] = out["Verdict"] = ""
        rows.append(out)
    shown = pd.DataFrame.from_records(rows).astype(object)
    if not shown["P(rope)"].astype(bool).any():       # --rope not given
        shown = shown.drop(columns=["P(rope)"])
    if not shown["Δ [95% CI]"].str.contains("[", regex=False).any():
        shown = shown.rename(columns={"Δ [95% CI]": "Δ"})     # no interval to show
    if not verdicts:
        shown = shown.drop(columns=["Verdict"])
    if not primary:
        shown = shown.drop(columns=[p_col])
    notes = list(compact.attrs.get("notes", []))
    if "P(rope)" in shown.columns:
        notes.append("P(rope): posterior probability that |Δ| lies inside the region of practical "
                     "equivalence (--rope), Bayesian signed-rank test over seeds (Benavoli et al. "
                     "2017); p_left and p_right are in results.json.")
    return shown, primary, notes


def comparison_html_parts(result, *, tests: Sequence[str] = ("wilcoxon", "signflip"),
                          alpha: float = 0.05) -> dict:
    """The parts of a comparison's ``index.html`` that do not depend on its figures, as
    HTML strings: ``{"head": [(heading, html), ...], "settings": (heading, html)}``.

    :func:`write_html` computes them itself when not given them; ``write_report``
    computes them beside the figures, in the task that writes the tables (built once
    for both, :func:`~affectctl.report.tables.reuse_tables`), so that only the figures
    are left to embed when the figures are done.
    """
    from affectctl.report.formatting import format_table
    from affectctl.report.tables import full_table, main_table, reuse_tables

    with reuse_tables():
        main = main_table(result, tests=tests, alpha=alpha)
        full = full_table(result, alpha=alpha)
        primary_shown, primary, primary_notes = primary_html_table(result, tests=tests,
                                                                   alpha=alpha)
    others = ", ".join(c for c in result.conditions if c != result.baseline)
    head = [(f"{others} against {result.baseline}",
             table_html(primary_shown) + notes_html(primary_notes))]
    warnings = list((getattr(result, "settings", {}) or {}).get("warnings") or [])
    if warnings:
        head.append(("Warnings", warnings_html(warnings)))
    head.append(("", "<details><summary>Every test of the main table</summary>"
                 + table_html(format_table(main, repeat_metric=False))
                 + notes_html(main.attrs.get("notes", [])) + "</details>"))
    if len(full):
        head.append(("", "<details><summary>Full statistics: every test, raw and adjusted p, "
                     "effect sizes, CIs</summary>" + table_html(format_table(full))
                     + notes_html(full.attrs.get("notes", [])) + "</details>"))
    settings = {"conditions": ", ".join(result.conditions), "baseline": result.baseline,
                "seeds": ", ".join(str(s) for s in result.seeds),
                "taxonomy": getattr(result.taxonomy, "name", result.taxonomy),
                **(getattr(result, "settings", {}) or {})}
    return {"head": head, "settings": ("Settings", settings_html(settings))}


def write_html(result, out_dir, *, name: str, tests: Sequence[str] = ("wilcoxon", "signflip"),
               alpha: float = 0.05, files: Mapping | None = None,
               parts: Mapping | None = None) -> dict:
    """Write ``index.html`` of a comparison report.

    The page opens with the answer: per metric, each condition's value, Δ with its
    interval, the primary test's adjusted p and mark (and the verdict when the result
    has verdicts), first column fixed while the table scrolls sideways. The run's
    warnings follow, aggregated to one line per kind. The main table with every test
    and the full statistics are behind disclosures (``<details>``); then the figures
    in reading order at 1.5 x print size, the settings as a table and the files.
    Every table sorts by a click on a column header (inline script); every mark has a
    tooltip saying what it means.

    Parameters
    ----------
    result : ComparisonResult
    out_dir : str or Path
    name : str
        Report name (the page title).
    tests : sequence of str
        Tests of the main table.
    alpha : float, default 0.05
    files : mapping, optional
        ``{file name: Path}`` already written (figures are embedded from their PNGs,
        every file is linked).
    parts : mapping, optional
        :func:`comparison_html_parts` of the same result, tests and alpha, computed
        already.

    Returns
    -------
    dict
        ``{"index.html": Path}``.
    """
    out_dir = Path(out_dir)
    files = dict(files or {})
    if parts is None:
        parts = comparison_html_parts(result, tests=tests, alpha=alpha)
    sections = list(parts["head"])
    pngs = ordered_figures(_pngs(files.values()), result.headline_metrics)
    figs = "".join(figure_html(p, _caption_for(p.stem)) for p in pngs)
    sections.append(("Figures", figs or "<p>No PNG figures were written.</p>"))
    sections.append(tuple(parts["settings"]))
    sections.append(("Files", files_html(list(files.values()) + [out_dir / "index.html"])))
    path = write_text_atomically(out_dir / "index.html", render_page(name, sections))
    return {path.name: path}


def write_diagnose_html(result, out_dir, *, name: str, files: Iterable = ()) -> dict:
    """Write ``index.html`` of a ``diagnose`` report (pairs table, figures, notes, files)."""
    from affectctl.report.formatting import format_table
    from affectctl.report.tables import degeneracy_table

    out_dir = Path(out_dir)
    files = [Path(p) for p in files]
    table = degeneracy_table(result, top=None)
    sections = [("Class pairs", table_html(format_table(table))
                 + notes_html(table.attrs.get("notes", [])))]
    figs = "".join(figure_html(p, p.stem.replace("_", " ")) for p in _pngs(files))
    sections.append(("Figures", figs or "<p>No PNG figures were written.</p>"))
    sections.append(("Settings", settings_html({
        "baseline": result.baseline, "interventions": ", ".join(result.interventions),
        "seeds": ", ".join(str(s) for s in result.seeds), "taxonomy": result.taxonomy,
        "geometry": result.geometry})))
    sections.append(("Files", files_html(files)))
    path = write_text_atomically(out_dir / "index.html", render_page(name, sections))
    return {path.name: path}


def write_plan_html(plan, out_dir, tables: Mapping, files: Iterable = ()) -> dict:
    """Write ``index.html`` of one dataset of an analysis plan.

    ``tables`` is ``{table name: (full-precision DataFrame, caption)}``.
    """
    from affectctl.report.formatting import format_table

    out_dir = Path(out_dir)
    files = [Path(p) for p in files]
    sections = []
    if getattr(plan, "description", ""):
        sections.append(("", f"<p>{_esc(plan.description)}</p>"))
    for tname, (table, caption) in tables.items():
        sections.append((caption or tname, table_html(format_table(table))
                         + notes_html(table.attrs.get("notes", []))))
    figs = "".join(figure_html(p, _caption_for(p.stem)) for p in ordered_figures(_pngs(files)))
    if figs:
        sections.append(("Figures", figs))
    sections.append(("Settings", settings_html({
        "plan": plan.source, "conditions": ", ".join(plan.conditions), "baseline": plan.baseline,
        "seeds": plan.seeds, "geometry": plan.geometry, "sample test": plan.sample_test,
        "permutations": plan.permutations, "Monte-Carlo seed": plan.seed,
        "correction": plan.correction, "alternative": plan.alternative})))
    sections.append(("Files", files_html(files)))
    path = write_text_atomically(out_dir / "index.html",
                                 render_page(f"{plan.name}: {out_dir.name}", sections))
    return {path.name: path}
