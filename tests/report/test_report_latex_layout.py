"""table.tex for papers: Δ with its interval, the best condition in bold, decimal points
aligned with the marks in their own slot, notes as wide as the table (threeparttable),
and no overfull box in two-column article, IEEEtran and acmart (real pdflatex)."""

import re

import numpy as np
import pandas as pd
import pytest

from affectctl.report.latex import to_latex_compact, to_latex_full
from affectctl.report.tables import compact_table, full_table

from report._paper import compile_tex, headline_result, layout_problems

# the three document classes a paper's table lands in (texlive-publishers)
CLASSES = {
    "article": r"\documentclass[twocolumn]{article}",
    "IEEEtran": r"\documentclass[conference]{IEEEtran}",
    "acmart": r"\documentclass[sigconf]{acmart}",
}


def with_verdicts(result):
    """The result with a contract-1 verdicts table (hand-chosen intervals)."""
    rows = []
    for a, b in result.pairs:
        for m in result.headline_metrics:
            va = result.metrics.query("condition == @a and metric == @m")["value"].mean()
            vb = result.metrics.query("condition == @b and metric == @m")["value"].mean()
            d = float(va - vb)
            rows.append({"a": a, "b": b, "metric": m, "direction": "higher", "delta": d,
                         "ci_low": d - 0.015, "ci_high": d + 0.015, "confidence": 0.95,
                         "ci_method": "bootstrap-percentile", "test": "ar", "unit": "group",
                         "p_value": 0.0004, "p_adjusted": 0.0012, "p_adjust": "holm",
                         "alpha": 0.05, "margin": np.nan, "equivalence_test": None,
                         "p_equivalence": np.nan, "p_rope": np.nan,
                         "verdict": "better" if d > 0 else "worse"})
    object.__setattr__(result, "verdicts", pd.DataFrame(rows))  # frozen dataclass
    return result


def test_compact_table_takes_delta_interval_and_verdict_from_the_verdicts(result):
    res = with_verdicts(result)
    t = compact_table(res)
    row = t[(t["metric"] == "official_score") & (t["condition"] == "circumplex")].iloc[0]
    assert row["delta"] == pytest.approx(0.45 - 0.41)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.04 - 0.015, 0.04 + 0.015))
    assert row["verdict"] == "better" and row["sig"] == "‡"      # the mark: the AR row's
    tex = to_latex_compact(t, caption="Main", label="tab:m")
    body = tex[tex.index(r"\midrule"):tex.index(r"\bottomrule")]
    # Δ with its interval; the closing bracket and the mark sit in the slot after the number
    assert r"\quad 95\% CI & " in body
    assert r"[0.025, 0.055 & ]" in body and r"+0.040 & \textsuperscript{\ddag}" in body
    # every row: the label, then (number & slot) per condition
    for line in body.splitlines():
        if line.startswith(r"\quad"):
            assert line.count(" & ") == 2 * 3
    # the best condition per metric in bold, by the metric's direction
    assert r"\textbf{0.450} $\pm$ 0.016" in body       # official score ↑: circumplex
    assert r"\textbf{0.710} $\pm$ 0.016" in body       # error distance ↓: circumplex
    assert body.count(r"\textbf") == 2
    assert "Bold: the best condition per metric" in tex
    # notes: a tablenotes list inside the threeparttable, in a paper's words
    assert tex.index(r"\begin{tablenotes}") < tex.index(r"\end{threeparttable}")
    assert r"\begin{minipage}" not in tex


def test_notes_use_metric_names_not_ids(result):
    res = headline_result(result)
    res.settings["official_score"] = "abaw3_expr_score"
    t = compact_table(res)
    t.attrs["notes"].append("◊ depends on the geometry: see geometry_sensitivity.csv (2 change).")
    tex = to_latex_compact(t)
    assert "abaw3" not in tex and "ABAW3 EXPR score" in tex
    assert ".csv" not in tex and "geometry-sensitivity table" in tex


@pytest.mark.parametrize("cls", list(CLASSES))
def test_paper_tables_compile_without_overfull_boxes(result, tmp_path, cls):
    res = with_verdicts(headline_result(result))
    files = {"table.tex": to_latex_compact(compact_table(res), caption="Main", label="tab:m"),
             "table_full.tex": to_latex_full(full_table(res), caption="Full", label="tab:f")}
    log = compile_tex(files, tmp_path, documentclass=CLASSES[cls])
    assert layout_problems(log) == []
    assert re.search(r"Output written on doc\.pdf \((\d+) pages?", log)
