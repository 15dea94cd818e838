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

from ..io.atomic import write_text_atomically
from .escape import for_html

__all__ = ["write_html", "write_diagnose_html", "write_plan_html", "render_page"]

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;
max-width:1200px;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0;font-variant-numeric:tabular-nums;font-size:13px}
th,td{padding:2px 8px;text-align:right;white-space:nowrap}
th{border-bottom:1px solid #444}tr:last-child td{border-bottom:1px solid #444}
td:first-child,th:first-child,td.text,th.text{text-align:left}
.scroll{overflow-x:auto}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:13px;color:#555}
.notes{font-size:13px;color:#444}.warn{background:#fff4e0;border-left:4px solid #e69f00;
padding:.4em .8em;font-size:13px}
dl.settings{display:grid;grid-template-columns:max-content 1fr;gap:2px 1em;font-size:13px}
dl.settings dt{color:#555}dl.settings dd{margin:0}
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
  document.body.setAttribute('data-check',
    'tables=' + tables.length + ' empty=' + emptyTables + ' figures=' + imgs.length +
    ' broken=' + broken + ' errors=' + window.__errors.length);
});
</script>
"""


def _esc(text) -> str:
    return for_html(text)


def table_html(shown: pd.DataFrame, *, caption: str | None = None) -> str:
    """A formatted (string) table as an HTML ``<table>`` inside a scrolling box."""
    text_cols = {"Metric", "Condition", "Comparison", "Pair", "Status", "Best intervention",
                 "metric", "condition", "pair", "verdict", "Verdict"}
    head = "".join(f'<th class="text">{_esc(c)}</th>' if c in text_cols else f"<th>{_esc(c)}</th>"
                   for c in shown.columns)
    body = []
    for r in shown.itertuples(index=False):
        cells = "".join(f'<td class="text">{_esc(v)}</td>' if c in text_cols
                        else f"<td>{_esc(v)}</td>" for c, v in zip(shown.columns, r, strict=True))
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{_esc(caption)}</caption>" if caption else ""
    return (f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def notes_html(notes: Iterable[str]) -> str:
    items = "".join(f"<li>{_esc(n)}</li>" for n in notes)
    return f'<ul class="notes">{items}</ul>' if items else ""


def figure_html(path: Path, caption: str = "") -> str:
    """A PNG embedded as a data URI, with a link to the file and its PDF twin."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    links = [f'<a href="{_esc(path.name)}">{_esc(path.name)}</a>']
    pdf = path.with_suffix(".pdf")
    if pdf.exists():
        links.append(f'<a href="{_esc(pdf.name)}">{_esc(pdf.name)}</a>')
    return (f'<figure id="{_esc(path.stem)}"><img alt="{_esc(path.stem)}" '
            f'src="data:image/png;base64,{data}"><figcaption>{_esc(caption)} '
            f"({' · '.join(links)})</figcaption></figure>")


def settings_html(settings: Mapping) -> str:
    rows = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in settings.items()
                   if v is not None and k != "warnings")
    return f'<dl class="settings">{rows}</dl>'


def files_html(files: Iterable) -> str:
    names = sorted({Path(p).name for p in files} - {"index.html"})
    return "<ul>" + "".join(f'<li><a href="{_esc(n)}">{_esc(n)}</a></li>' for n in names) + "</ul>"


def render_page(title: str, sections: Sequence[tuple]) -> str:
    """A complete HTML page: ``sections`` are ``(heading, html)`` pairs."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             # no request may leave the page, not even for a favicon
             '<link rel="icon" href="data:,">',
             f"<title>{_esc(title)}</title><style>{_STYLE}</style>{_CHECK}</head><body>",
             f"<h1>{_esc(title)}</h1>"]
    for heading, body in sections:
        if body:
            parts.append(f"<section><h2>{_esc(heading)}</h2>{body}</section>" if heading
                         else body)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _pngs(files) -> list:
    return [Path(p) for p in files if str(p).endswith(".png")]


_FIGURE_CAPTIONS = {
    "circumplex_map": "Circumplex map: change of the most frequent confusions against the baseline.",
    "confusion": "Confusion matrices (row-normalised) and their differences from the baseline.",
    "error_distance_null": "Error distances against a null of errors placed at random.",
}


def _caption_for(stem: str) -> str:
    if stem.startswith("paired_seeds_"):
        return f"Per-seed values of {stem[len('paired_seeds_'):]}."
    return _FIGURE_CAPTIONS.get(stem, stem.replace("_", " "))


def write_html(result, out_dir, *, name: str, tests: Sequence[str] = ("wilcoxon", "signflip"),
               alpha: float = 0.05, files: Mapping | None = None) -> dict:
    """Write ``index.html`` of a comparison report.

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

    Returns
    -------
    dict
        ``{"index.html": Path}``.
    """
    from .formatting import format_table
    from .tables import full_table, main_table

    out_dir = Path(out_dir)
    files = dict(files or {})
    main = main_table(result, tests=tests, alpha=alpha)
    full = full_table(result, alpha=alpha)
    others = ", ".join(c for c in result.conditions if c != result.baseline)
    sections = []
    warnings = list((getattr(result, "settings", {}) or {}).get("warnings") or [])
    if warnings:
        sections.append(("Warnings", "".join(f'<p class="warn">{_esc(w)}</p>' for w in warnings)))
    sections.append((f"{others} against {result.baseline}",
                     table_html(format_table(main, repeat_metric=False))
                     + notes_html(main.attrs.get("notes", []))))
    if len(full):
        sections.append(("Full statistics: every test",
                         table_html(format_table(full)) + notes_html(full.attrs.get("notes", []))))
    figs = "".join(figure_html(p, _caption_for(p.stem)) for p in _pngs(files.values()))
    sections.append(("Figures", figs or "<p>No PNG figures were written.</p>"))
    settings = {"conditions": ", ".join(result.conditions), "baseline": result.baseline,
                "seeds": ", ".join(str(s) for s in result.seeds),
                "taxonomy": getattr(result.taxonomy, "name", result.taxonomy),
                **(getattr(result, "settings", {}) or {})}
    sections.append(("Settings", settings_html(settings)))
    sections.append(("Files", files_html(list(files.values()) + [out_dir / "index.html"])))
    path = write_text_atomically(out_dir / "index.html", render_page(name, sections))
    return {path.name: path}


def write_diagnose_html(result, out_dir, *, name: str, files: Iterable = ()) -> dict:
    """Write ``index.html`` of a ``diagnose`` report (pairs table, figures, notes, files)."""
    from .formatting import format_table
    from .tables import degeneracy_table

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
    from .formatting import format_table

    out_dir = Path(out_dir)
    files = [Path(p) for p in files]
    sections = []
    if getattr(plan, "description", ""):
        sections.append(("", f"<p>{_esc(plan.description)}</p>"))
    for tname, (table, caption) in tables.items():
        sections.append((caption or tname, table_html(format_table(table))
                         + notes_html(table.attrs.get("notes", []))))
    figs = "".join(figure_html(p, _caption_for(p.stem)) for p in _pngs(files))
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
