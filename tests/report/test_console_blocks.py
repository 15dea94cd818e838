"""The console view of ``affectctl compare``: one block, every contrast, lines that fit.

The end-to-end checks run the README's main job on the committed example dumps
(``examples/runs``: 3 conditions × 5 seeds, 8 classes, no training) at 80 and 100
columns; the others render a hand-built result (tests/report/conftest.py).
"""

import dataclasses
import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.report import render_console
from affectctl.report.console import console_rows
from affectctl.report.terminal import shown_name, terminal_width, wrap

from report._paper import headline_result, single_run_result, with_verdicts

RUNS = Path(__file__).resolve().parents[2] / "examples" / "runs"
CONTRAST = "circumplex − uniform"


def _render(result, width):
    buf = io.StringIO()
    render_console(result, Console(file=buf, width=width, color_system=None), width=width,
                   files_hint="reports/x/")
    return buf.getvalue()


def _with_intervals(result):
    """The result's verdicts (contract 1) with an interval on every row, as AR over groups."""
    v = with_verdicts(result).verdicts.copy()
    v["ci_low"], v["ci_high"] = v["delta"] - 0.048, v["delta"] + 0.047
    v["confidence"], v["ci_method"], v["test"], v["unit"] = 0.95, "bootstrap_percentile", "ar", "group"
    return dataclasses.replace(result, verdicts=v)


# -- the README's main job, end to end -- #

@pytest.mark.skipif(not RUNS.is_dir(), reason="examples/runs not present")
@pytest.mark.parametrize("columns,extra", [("100", []), ("80", []), ("100", ["-q"])])
def test_main_job_console(tmp_path, columns, extra):
    res = CliRunner().invoke(app, ["compare", "base", "circumplex", "uniform", "--runs", str(RUNS),
                                   "--out", str(tmp_path / "r"), "--permutations", "99",
                                   "--no-figures", *extra], env={"COLUMNS": columns})
    assert res.exit_code == 0, res.output
    err = [ln for ln in res.stderr.splitlines() if ln.strip() and not ln.startswith(("tests ", "figures "))]
    said = [ln for ln in res.stderr.replace("\n  ", " ").splitlines() if ln.startswith("affectctl:")]
    if extra == ["-q"]:
        assert res.stdout == ""
        assert len(said) == 1 and said[0].startswith("affectctl: report written to "), res.stderr
        return
    out = res.stdout.splitlines()
    width = int(columns)
    assert max(len(ln) for ln in out + err) <= width, [ln for ln in out + err if len(ln) > width]
    assert all(ln == ln.rstrip() for ln in out + err)          # no trailing spaces
    assert sum(ln.startswith("Condition ") for ln in out) == 1   # one block
    assert "continued" not in res.stdout and "…" not in res.stdout
    rows = [ln for ln in out if ln.strip().startswith(CONTRAST)]
    assert len(rows) == 6                                       # the control, for every metric
    assert all(re.search(r"[+−]\d\.\d{3}", ln) and ("better" in ln or "worse" in ln
                                                     or "no difference shown" in ln) for ln in rows)
    # at most 3 lines before the table (at 100 columns; at 80 a message may wrap): the
    # geometry and one line per kind of reader count
    before = res.stderr[:res.stderr.index("affectctl: report written")]
    before = [ln for ln in before.splitlines() if ln.strip() and not ln.startswith("tests ")]
    assert 1 <= len(said) - 1 <= 3 and (width < 100 or len(before) <= 3), res.stderr
    assert err[0].startswith("affectctl: geometry ")
    assert not any("excluded: " in ln or ": 0 " in ln for ln in err)
    assert any(ln.startswith("affectctl: probability rows renormalized: ") and "per run" in ln
               for ln in err)
    assert "0.125" not in res.stdout                            # the 5-seed floor is 0.0625
    assert "cannot go below p = 0.0625" in res.stdout.replace("\n", " ")


# -- the layout -- #

@pytest.mark.parametrize("width", [80, 100, 120])
def test_block_with_intervals_fits_and_keeps_every_contrast(result, width):
    out = _render(_with_intervals(headline_result(result)), width)
    lines = out.splitlines()
    assert max(len(ln) for ln in lines) <= width and all(ln == ln.rstrip() for ln in lines)
    assert sum(CONTRAST in ln for ln in lines) == 8
    full = width >= 100
    assert ("Δ [95% CI]" in out) == full                        # the interval in the full block
    assert ("p (adj)" in out) == full and ("p_adj" in lines[1]) == (not full)
    if full:
        assert "[−0.238, −0.143]" in out                        # error distance: −0.190 ± CI
        assert "paired-bootstrap percentile interval" in out.replace("\n", " ")


def test_rows_are_the_verdicts_and_marks_come_from_the_adjusted_p(result):
    rows = console_rows(with_verdicts(result))
    v = rows[(rows["metric"] == "official_score") & (rows["a"] == "circumplex")
             & (rows["b"] == "base")].iloc[0]
    assert v["test"] == "ar" and v["p"] == "<0.001 (0.0012)" and v["mark"] == "‡"
    assert v["verdict"] == "better"                             # higher is better, p_adj < 0.05
    c = rows[(rows["label"] == CONTRAST) & (rows["metric"] == "error_distance_mean")].iloc[0]
    assert c["test"] == "wilcoxon" and c["mark"] == "§" and c["verdict"] == "no difference shown"
    assert c["delta"] == "−0.126"


def test_floor_footnote_says_0_0625_and_names_the_ties(result):
    result = with_verdicts(result)
    out = _render(result, 100).replace("\n", " ")
    assert "with n = 5 seeds the two-sided Wilcoxon and sign-flip tests cannot go below p = 0.0625." in out
    comps = result.comparisons.copy()
    comps.loc[comps.index[comps["test"] == "wilcoxon"][:1], "min_pvalue"] = 0.125   # one tied seed
    out = _render(dataclasses.replace(result, comparisons=comps), 100).replace("\n", " ")
    assert "cannot go below p = 0.0625; where a seed's difference is zero" in out
    assert "4 seeds that differ (p = 0.125)" in out


def test_single_run_shows_the_value_without_sd(result):
    out = _render(with_verdicts(single_run_result(result)), 100)
    assert "Value" in out and "±" not in out and "0.450" in out


# -- terminal helpers -- #

def test_wrap_breaks_between_words_only():
    text = "see geometry_sensitivity.csv and the sim-affectnet data " * 6
    lines = wrap(text, 40, first="affectctl: warning: ")
    assert all(len(ln) <= 40 for ln in lines) and all(ln == ln.rstrip() for ln in lines)
    assert " ".join(ln.strip() for ln in lines) == "affectctl: warning: " + " ".join(text.split())
    assert all(ln.startswith("  ") for ln in lines[1:])
    assert wrap("x" * 60, 40) == ["x" * 60]                     # a long word is never cut


def test_piped_width_is_columns_or_100(monkeypatch):
    piped = Console(file=io.StringIO())
    monkeypatch.delenv("COLUMNS", raising=False)
    assert terminal_width(piped) == 100
    monkeypatch.setenv("COLUMNS", "72")
    assert terminal_width(piped) == 72
    monkeypatch.setenv("COLUMNS", "wide")
    assert terminal_width(piped) == 100


def test_names_on_the_terminal_have_no_control_characters():
    shown = shown_name("base\x1b[31m\n")
    assert not any(ord(ch) < 32 for ch in shown) and shown.startswith("base")
    assert shown_name("circumplex") == "circumplex"


def test_a_result_without_verdicts_shows_values_and_plain_differences(result):
    out = _render(result, 100)                     # report computes nothing: no test, no verdict
    assert "0.450 ± 0.016" in out and "+0.040" in out and CONTRAST in out
    assert "Verdict" not in out and "p (adj)" not in out
    assert "No test: Δ is the plain difference of the values." in out


def test_margin_verdicts_and_their_footnote(result):
    res = _with_intervals(result)
    v = res.verdicts.copy()
    on = v["metric"] == "official_score"
    v.loc[on, "margin"], v.loc[on, "equivalence_test"] = 0.02, "tost"
    v.loc[on, "verdict"] = ["better", "not shown equivalent", "equivalent"]
    out = _render(dataclasses.replace(res, verdicts=v), 100)
    lines = out.splitlines()
    assert max(len(ln) for ln in lines) <= 100
    row = next(ln for ln in lines if ln.strip().startswith(CONTRAST))   # official score comes first
    assert row.endswith("equivalent") and "not shown" not in row
    text = out.replace("\n", " ")
    assert "with the margin M = 0.02 (--margin): equivalent when the two one-sided tests (TOST)" in text
    assert "without a margin, better or worse when p_adj ≤ alpha, else no difference shown." in text
