"""Paper-ready output: LaTeX that compiles in a two-column article without overfull
boxes, the compact and full tables' content, and index.html checked in headless Chromium.

pdflatex and Chromium are the real Debian tools (.ci/run installs them); without them
these tests fail under CI=true and are skipped with a reason shown by ``pytest -ra``.
"""

import dataclasses
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from affectctl.report import write_report  # noqa: E402
from affectctl.report.latex import to_latex_compact, to_latex_full  # noqa: E402
from affectctl.report.latex import to_latex  # noqa: E402
from affectctl.report.tables import (  # noqa: E402
    compact_table,
    comparison_table,
    full_table,
    primary_test,
)

from report._paper import (  # noqa: E402
    compile_tex,
    headline_result,
    layout_problems,
    page_check,
    page_check_at,
    single_run_result,
    chromium,
    with_verdicts,
)


def _variants(result):
    return {"fixture": result, "headline": headline_result(result),
            "single-run": single_run_result(result)}


# -- content -- #

def test_primary_test_is_the_first_that_can_reach_alpha(result):
    # 5 seeds: the exact seed-level tests cannot go below 0.0625 > 0.05, AR can
    assert primary_test(result, ("wilcoxon", "signflip", "ar")) == "ar"
    comps = result.comparisons.copy()
    comps.loc[comps["test"] == "wilcoxon", "min_pvalue"] = 1 / 1024     # 10 seeds
    assert primary_test(dataclasses.replace(result, comparisons=comps),
                        ("wilcoxon", "signflip", "ar")) == "wilcoxon"
    assert primary_test(result, ("wilcoxon", "signflip")) == "wilcoxon"   # none can: the first


def test_compact_table_values_and_marks(result, seed_values):
    t = compact_table(result)
    assert t.attrs["primary"] == "ar"
    row = t[(t["metric"] == "official_score") & (t["condition"] == "circumplex")].iloc[0]
    assert row["mean"] == pytest.approx(np.mean(seed_values["circumplex"]["official_score"]))
    assert row["delta"] == pytest.approx(0.45 - 0.41)
    assert row["p_adj"] == 0.0012 and row["sig"] == "‡"               # the fixture's AR row
    tex = to_latex_compact(t, caption="c", label="tab:c")
    assert tex.startswith("% requires: booktabs, threeparttable\n")
    assert r"\begin{table}[tbp]" in tex
    assert r"+0.040 & \textsuperscript{\ddag}" in tex          # the mark in its own slot
    assert "approximate randomization" in " ".join(t.attrs["notes"])


def test_compact_table_single_run_shows_values_without_sd(result):
    res = single_run_result(result)
    t = compact_table(res)
    assert t["sd"].isna().all() and (t["n_seeds"] == 1).all()
    tex = to_latex_compact(t)
    assert r"\pm" not in tex.split(r"\midrule")[1] and r"\quad value" in tex
    assert "One run per condition" in " ".join(t.attrs["notes"])
    # no seed-level test at all: the full table still builds
    f = full_table(res)
    assert set(f.attrs["tests"]) == {"ar"}
    to_latex_full(f)
    # and with no test of any kind: plain differences, no mark
    bare = dataclasses.replace(res, comparisons=res.comparisons.iloc[0:0])
    t = compact_table(bare)
    assert t.attrs["primary"] is None and (t["sig"] == "").all()
    assert t["delta"].notna().sum() == 4


def test_full_table_has_every_test_and_the_ci(result):
    f = full_table(result)
    assert f.attrs["tests"] == ["wilcoxon", "signflip", "ar"]
    assert {("circumplex", "base"), ("uniform", "base"), ("circumplex", "uniform")} == \
        set(zip(f["a"], f["b"], strict=True))
    tex = to_latex_full(f, caption="all", label="tab:all")
    assert tex.startswith("% requires: booktabs, threeparttable")
    assert r"\begin{table*}[tbp]" in tex
    for head in ("Wilcoxon", "Sign-flip", "Approx. rand."):
        assert rf"\multicolumn{{2}}{{c}}{{{head}}}" in tex


# -- LaTeX compiles and fits -- #

@pytest.mark.parametrize("variant", ["fixture", "headline", "single-run"])
def test_tables_compile_in_a_two_column_article(result, tmp_path, variant):
    res = _variants(result)[variant]
    files = {"table.tex": to_latex_compact(compact_table(res), caption="Main", label="tab:m"),
             "table_full.tex": to_latex_full(full_table(res), caption="Full", label="tab:f"),
             "plan.tex": to_latex(comparison_table(res, ["official_score"], pairs="all",
                                                   tests=[t for t in ("wilcoxon", "ar")
                                                          if t in set(res.comparisons["test"])]),
                                  caption="Plan")}
    log = compile_tex(files, tmp_path)
    assert layout_problems(log) == []
    # the compact table is a one-column float
    assert r"\begin{table}[tbp]" in files["table.tex"]


def test_layout_check_catches_an_overfull_table(tmp_path):
    wide = ("% requires: booktabs\n\\begin{table}\\begin{tabular}{" + "r" * 30 + "}\n"
            + " & ".join(["0.123456"] * 30) + " \\\\\n\\end{tabular}\\end{table}\n")
    log = compile_tex({"wide.tex": wide}, tmp_path)
    assert any("Overfull" in p for p in layout_problems(log))


def test_written_report_tables_compile(result, tmp_path):
    out = tmp_path / "r"
    paths = write_report(headline_result(result), out, figures=False,
                         tests=("wilcoxon", "signflip", "ar"))
    texts = {n: paths[n].read_text() for n in ("table.tex", "table_full.tex")}
    assert layout_problems(compile_tex(texts, tmp_path)) == []


# -- index.html in a real browser -- #

_FLOOR_WARNING = ("{a} vs base (seeds 0, 1, 2, 3, 4; runs/{a}/seed-0.csv, ...): {t}_test with 5 "
                  "non-zero paired difference(s), alternative='two-sided': the smallest attainable "
                  "p-value is 0.0625 > alpha=0.05, so this test cannot reject at that level whatever "
                  "the data; add seeds or units (see `affectctl power`), or pass `alpha=None` to "
                  "silence this.")


def test_index_html_renders_in_headless_chromium(result_factory, tmp_path):
    res = result_factory()
    res.settings["warnings"] = [_FLOOR_WARNING.format(a=a, t=t) for a in ("circumplex", "uniform")
                                for t in ("wilcoxon", "signflip")]
    out = tmp_path / "report"
    paths = write_report(res, out, formats=("png", "pdf"), name="a <b> & c",
                         tests=("wilcoxon", "signflip", "ar"))
    html = paths["index.html"]
    text = html.read_text()
    # the answer first; warnings once per kind, in CLI words; the rest behind disclosures
    assert "alpha=None" not in text and text.count("<details>") == 2
    warn = re.search(r'<ul class="warn">(.*?)</ul>', text).group(1)
    assert warn.count("<li>") == 1 and "circumplex vs base, uniform vs base" in warn
    assert "<h1>a &lt;b&gt; &amp; c</h1>" in text
    assert '<table class="settings">' in text and "Multiple-comparison correction" in text
    assert '<abbr class="mark" title="adjusted p &lt; 0.01">‡</abbr>' in text
    # figures in reading order: the per-seed plots of the headline metrics first
    order = re.findall(r'<figure id="([^"]+)"', text)
    assert order[:2] == ["paired_seeds_official_score", "paired_seeds_error_distance_mean"]
    assert order.index("circumplex_map") < order.index("confusion")
    # self-contained: nothing is fetched from anywhere
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "@import" not in text and "url(http" not in text
    n_png = sum(1 for n in paths if n.endswith(".png"))
    assert n_png >= 5
    found = page_check(html, "--window-size=1280,2000")
    assert found["checked"], "the page's check script did not run"
    assert found["tables"] >= 2 and found["empty"] == 0
    assert found["figures"] == n_png and found["broken"] == 0
    assert found["errors"] == 0 and found["console_errors"] == []
    for name in ("table.tex", "table_full.tex", "results.json", "circumplex_map.pdf"):
        assert f'href="{name}"' in text
    # 1280 px: every primary column in view; 390 px (a phone): condition, value and Δ
    assert found["width"] == 1280 and found["in_view"] == found["columns"] >= 4
    narrow = page_check_at(html, 390)
    assert narrow["width"] == 390 and narrow["in_view"] >= 3
    shot = tmp_path / "shot.png"
    chromium(html, f"--screenshot={shot}", "--window-size=390,2000", "--hide-scrollbars")
    img = matplotlib.image.imread(shot)
    assert img.shape[:2] == (2000, 390) and img.std() > 0.05   # a page, not a blank sheet


def test_page_check_detects_a_broken_page(result, tmp_path):
    """The browser check can fail: a missing image and a script error are both caught."""
    out = tmp_path / "report"
    paths = write_report(result, out, figures=False)
    html = paths["index.html"]
    html.write_text(html.read_text().replace(
        "</body>", '<img src="missing.png"><script>undefinedFunction();</script></body>'))
    found = page_check(html)
    assert found["broken"] == 1 and found["errors"] >= 1


# -- console -- #

@pytest.mark.parametrize("width", [80, 100, 200])
def test_console_table_fits_the_terminal_without_cutting_numbers(result, width):
    import io

    from rich.console import Console

    from affectctl.report import render_console
    from affectctl.report.formatting import format_table
    from affectctl.report.tables import main_table

    res = with_verdicts(headline_result(result))
    buf = io.StringIO()
    render_console(res, Console(file=buf, width=width), tests=("wilcoxon", "signflip", "ar"),
                   width=width, files_hint="reports/x/")
    out = buf.getvalue()
    assert "…" not in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= width
    shown = format_table(main_table(res, tests=("wilcoxon", "signflip", "ar")))
    cells = set(shown["Mean ± sd"]) - {""}
    assert all(c in out for c in cells)               # every mean ± sd, whole
    assert all(c in out for c in set(shown["Δ"]) - {""})   # every Δ, contrasts included
    assert out.count("circumplex − uniform") == len(res.headline_metrics)
    assert "continued" not in out                     # one block
    assert "table_full.md and table_full.csv in reports/x/" in out


def test_diagnose_and_compare_commands_write_a_checked_index_html(tmp_path):
    from pathlib import Path

    from typer.testing import CliRunner

    from affectctl.cli import app

    runs = Path(__file__).resolve().parents[2] / "examples" / "runs"
    if not runs.is_dir():
        pytest.skip("examples/runs not present")
    runner = CliRunner()
    res = runner.invoke(app, ["diagnose", "--runs", str(runs), "--out", str(tmp_path / "d"), "-q"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["compare", "base", "circumplex", "uniform", "--runs", str(runs),
                              "--out", str(tmp_path / "c"), "--permutations", "199", "--no-figures",
                              "--name", "Main job", "-q"])
    assert res.exit_code == 0, res.output
    # --name gives the caption and label even with --out
    tex = (tmp_path / "c" / "table.tex").read_text()
    assert r"\caption{Main job: circumplex, uniform against base" in tex
    assert r"\label{tab:Main-job}" in tex
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", str(runs),
                              "--figure-format", "png,tiff"])
    assert res.exit_code == 2 and "--figure-format: tiff is not a figure format" in res.output
    for folder in ("d", "c"):
        html = tmp_path / folder / "index.html"
        found = page_check(html)
        n_png = len(list((tmp_path / folder).glob("*.png")))
        assert found["checked"] and found["figures"] == n_png and found["broken"] == 0
        assert n_png >= (1 if folder == "d" else 0)
        assert found["tables"] >= 1 and found["empty"] == 0 and found["errors"] == 0
        assert found["console_errors"] == []


@pytest.mark.parametrize("width", [80, 200])
def test_console_single_run(result, width):
    import io

    from rich.console import Console

    from affectctl.report import render_console

    buf = io.StringIO()
    render_console(with_verdicts(single_run_result(result)), Console(file=buf, width=width),
                   tests=("wilcoxon", "signflip", "ar"), width=width)
    out = buf.getvalue()
    rows = [ln for ln in out.splitlines()
            if ln.startswith(" ") and re.search(r"\b(base|circumplex|uniform)\s", ln)]
    assert len(rows) >= 6 and "0.450" in out
    assert not any("±" in ln for ln in rows)            # one run: the value, no "± sd"
    assert max(len(line.rstrip()) for line in out.splitlines()) <= width


def test_figures_report_progress(result, tmp_path):
    from affectctl.report.figures import save_figures

    calls = []
    paths = save_figures(result, tmp_path, formats=("png",),
                         progress=lambda done, total, name: calls.append((done, total, name)))
    assert [c[0] for c in calls] == list(range(1, len(paths) + 1))
    assert all(c[1] == len(paths) for c in calls)


def test_floor_footnote_counts_the_seeds_that_differ(result):
    # a zero seed difference has no sign: with one tie among 5 seeds the exact tests' floor
    # is that of 4 (0.125), and the footnote says so instead of "n = 5 ... 0.125"
    comps = result.comparisons.copy()
    rows = comps.index[(comps["test"] == "wilcoxon")][:1]
    comps.loc[rows, "min_pvalue"] = 0.125
    res = dataclasses.replace(result, comparisons=comps)
    metrics = ["official_score", "error_distance_mean"]
    notes = " ".join(comparison_table(res, metrics).attrs["notes"])
    assert "with n = 5 seeds the two-sided Wilcoxon and sign-flip tests cannot go below p = 0.0625" in notes
    assert ("with n = 5 seeds of which 4 differ (a zero difference has no sign) the two-sided "
            "Wilcoxon test cannot go below p = 0.125") in notes
    from affectctl.report.notes import _signed_count

    assert [_signed_count(5, p, "two-sided") for p in (0.0625, 0.125, 0.25, 1.0, 0.01)] == [5, 4, 3, 1, 5]
    assert [_signed_count(5, p, "greater") for p in (1 / 32, 1 / 16, 0.5)] == [5, 4, 1]


def test_clicking_a_header_sorts_the_rows_of_each_metric(result, tmp_path):
    """The page's sort script, run in Chromium: a click on "Mean ± sd" orders every group."""
    paths = write_report(result, tmp_path / "r", figures=False, tests=("wilcoxon", "ar"))
    html = paths["index.html"]
    probe = ("<script>window.addEventListener('load', function () {"
             "var t = document.querySelector('table.sortable');"
             "t.querySelectorAll('thead th')[1].click();"
             "var out = Array.prototype.map.call(t.tBodies, function (b) {"
             "return Array.prototype.filter.call(b.rows, function (r) {"
             "return !r.classList.contains('group'); }).map(function (r) {"
             "return r.cells[1].textContent; }).join(';'); }).join('|');"
             "document.body.setAttribute('data-sorted', out); });</script></body>")
    html.write_text(html.read_text().replace("</body>", probe))
    dom, _ = chromium(html, "--dump-dom")
    groups = re.search(r'data-sorted="([^"]*)"', dom).group(1).split("|")
    assert len(groups) == 2                                  # two headline metrics
    for g in groups:
        values = [float(v.split(" ")[0]) for v in g.split(";") if v]
        # in data order neither group is sorted (0.41, 0.45, 0.446; 0.90, 0.71, 0.836)
        assert len(values) == 3 and values == sorted(values)  # ascending by the mean
