"""report.tables: the numbers in the tables are the result's numbers, rounded only here.

Expected means and sds are computed by hand from the per-seed values of the
``seed_values`` fixture (tests/report/conftest.py).
"""

import re

import numpy as np
import pandas as pd
import pytest

from affectctl.errors import ConfigError
from affectctl.report.formatting import format_number, format_p
from affectctl.report.latex import tex_escape, to_latex
from affectctl.report.markdown import to_csv, to_markdown
from affectctl.report.tables import comparison_table, main_table


def _row(table, metric, label):
    sel = table[(table["metric"] == metric) & (table["label"] == label)]
    assert len(sel) == 1
    return sel.iloc[0]


# -- main table: numbers -- #

def test_main_table_rows_and_order(result):
    t = main_table(result)
    assert list(t["label"]) == ["base", "circumplex", "uniform", "circumplex − uniform"] * 2
    assert list(t["metric"].unique()) == ["official_score", "error_distance_mean"]
    assert list(t["section"]) == ["condition"] * 3 + ["contrast"] + ["condition"] * 3 + ["contrast"]


def test_main_table_means_and_sds_by_hand(result, seed_values):
    t = main_table(result)
    # official_score, circumplex: 0.45, 0.44, 0.47, 0.46, 0.43 -> mean 0.45,
    # deviations 0, -.01, .02, .01, -.02 -> sum of squares .001 -> sd sqrt(.001/4) = 0.0158114
    r = _row(t, "official_score", "circumplex")
    assert r["mean"] == pytest.approx(0.45)
    assert r["sd"] == pytest.approx(np.sqrt(0.001 / 4))
    assert r["n_seeds"] == 5
    # error distance, uniform: .85 .86 .80 .84 .83 -> mean .836; sd by the textbook formula
    x = np.array([0.85, 0.86, 0.80, 0.84, 0.83])
    r = _row(t, "error_distance_mean", "uniform")
    assert r["mean"] == pytest.approx(0.836)
    assert r["sd"] == pytest.approx(np.sqrt(((x - 0.836) ** 2).sum() / 4))
    base = _row(t, "official_score", "base")
    assert base["mean"] == pytest.approx(np.mean(seed_values["base"]["official_score"]))
    assert np.isnan(base["delta"]) and np.isnan(base["p_wilcoxon"]) and base["a"] == ""


def test_main_table_differences_p_values_and_effects(result, seed_values):
    t = main_table(result)
    r = _row(t, "official_score", "circumplex")
    assert r["delta"] == pytest.approx(0.45 - 0.41)
    assert (r["a"], r["b"]) == ("circumplex", "base")
    assert r["p_wilcoxon"] == 0.0625 and r["p_adj_wilcoxon"] == 0.25
    assert r["p_signflip"] == 0.0625 and r["p_adj_signflip"] == 0.25
    assert r["min_p_wilcoxon"] == 0.0625
    d = np.subtract(seed_values["circumplex"]["official_score"],
                    seed_values["base"]["official_score"])
    assert r["cohen_dz"] == pytest.approx(d.mean() / d.std(ddof=1))
    assert r["rank_biserial"] == 1.0 and r["n"] == 5
    c = _row(t, "official_score", "circumplex − uniform")
    assert (c["a"], c["b"]) == ("circumplex", "uniform")
    assert c["p_wilcoxon"] == 0.8125 and c["p_adj_wilcoxon"] == 1.0 and c["p_signflip"] == 0.75
    assert np.isnan(c["mean"])


def test_sample_and_classifier_tests_are_not_rows(result):
    t = main_table(result)
    assert "p_ar" not in t.columns and "p_mcnemar" not in t.columns
    t2 = main_table(result, tests=("wilcoxon", "ar"))
    assert _row(t2, "official_score", "circumplex")["p_ar"] == 0.0004
    assert len(t2) == len(t)


def test_floor_mark_when_min_pvalue_exceeds_alpha(result):
    t = main_table(result)
    compared = t[t["a"] != ""]
    assert (compared["sig_wilcoxon"] == "§").all()     # min p 0.0625 > 0.05 everywhere
    notes = " ".join(t.attrs["notes"])
    assert "§" in notes and "0.0625" in notes and "n = 5 seeds" in notes
    assert "† p_adj < 0.05" in notes and "‡ p_adj < 0.01" in notes


def test_significance_marks_use_adjusted_p(result_factory):
    res = result_factory()
    comps = res.comparisons.copy()
    comps["min_pvalue"] = 1 / 1024            # 10 seeds: reachable
    sel = (comps["a"] == "circumplex") & (comps["b"] == "base")
    cols = ["p_value", "p_adjusted"]
    comps.loc[sel & (comps["metric"] == "official_score"), cols] = [0.001, 0.004]
    comps.loc[sel & (comps["metric"] == "error_distance_mean"), cols] = [0.01, 0.03]
    # raw p < 0.05 but adjusted p >= 0.05: no mark
    comps.loc[(comps["a"] == "uniform") & (comps["metric"] == "official_score"),
              ["p_value", "p_adjusted"]] = [0.02, 0.08]
    import dataclasses

    t = main_table(dataclasses.replace(res, comparisons=comps))
    assert _row(t, "official_score", "circumplex")["sig_wilcoxon"] == "‡"
    assert _row(t, "error_distance_mean", "circumplex")["sig_signflip"] == "†"
    assert _row(t, "official_score", "uniform")["sig_wilcoxon"] == ""
    assert not any("§" in n for n in t.attrs["notes"])
    md = to_markdown(t)
    assert "0.004‡" in md and "0.03†" in md


def test_notes_name_settings(result):
    notes = " ".join(main_table(result).attrs["notes"])
    for text in ("5 seeds (0–4)", "holm", "two-sided", "Monte-Carlo seed 0", "9999 resamples",
                 "geometry nrc-vad", "exact signed-rank", "exact sign-flip"):
        assert text in notes


# -- comparison_table -- #

def test_comparison_table_selects_pairs_metrics_tests(result, seed_values):
    t = comparison_table(result, ["error_distance_mean", "official_score"],
                         pairs=[("circumplex", "uniform")], tests=["wilcoxon"])
    assert list(t["metric"]) == ["error_distance_mean", "official_score"]
    assert set(zip(t["a"], t["b"], strict=True)) == {("circumplex", "uniform")}
    r = t.iloc[0]
    assert r["mean_a"] == pytest.approx(np.mean(seed_values["circumplex"]["error_distance_mean"]))
    assert r["mean_b"] == pytest.approx(np.mean(seed_values["uniform"]["error_distance_mean"]))
    assert r["mean_diff"] == pytest.approx(0.71 - 0.836)
    assert r["p_adj_wilcoxon"] == 0.25 and "p_signflip" not in t.columns
    assert r["direction"] == -1


def test_comparison_table_pairs_keywords(result):
    assert len(comparison_table(result, ["official_score"])) == 3
    assert len(comparison_table(result, ["official_score"], pairs="baseline")) == 2


def test_comparison_table_refuses_untested_metric(result):
    # a metric that compare() did not test must not appear with blank p-values
    with pytest.raises(ConfigError, match=r"\['f1:Anger'\] were not tested"):
        comparison_table(result, ["f1:Anger"], pairs=[("circumplex", "base")])


@pytest.mark.parametrize("kwargs, message", [
    ({"metrics": ["nope"]}, r"metric\(s\) \['nope'\] are not in the result"),
    ({"metrics": []}, "at least one metric"),
    ({"pairs": [("base", "circumplex")]}, "reverse pair"),
    ({"pairs": [("x", "y")]}, "pair x:y was not compared"),
    ({"pairs": "some"}, "`pairs` must be"),
    ({"tests": ["bowker"]}, "`tests` entries must be among"),
    ({"alpha": 1.5}, r"`alpha` must be a number in \(0, 1\)"),
])
def test_comparison_table_validation(result, kwargs, message):
    args = {"metrics": ["official_score"], **kwargs}
    with pytest.raises(ConfigError, match=message):
        comparison_table(result, **args)


def test_not_a_result():
    with pytest.raises(ConfigError, match="must be a ComparisonResult"):
        main_table(object())


# -- writers -- #

def test_markdown_structure(result):
    md = to_markdown(main_table(result), caption="Main results")
    lines = md.splitlines()
    assert lines[0] == "**Main results**"
    header = lines[2]
    assert header.startswith("| Metric | Condition | Mean ± sd | Δ | Wilcoxon p | Wilcoxon p_adj")
    assert re.fullmatch(r"\|(:?-+:?\|)+", lines[3])
    n_cols = header.count("|")
    table_lines = [ln for ln in lines if ln.startswith("|")]
    assert len(table_lines) == 2 + 8 and all(ln.count("|") == n_cols for ln in table_lines)
    assert "| Official score ↑ | base | 0.410 ± 0.016 |" in md
    assert "| circumplex | 0.450 ± 0.016 | +0.040 | 0.0625 | 0.25§ |" in md
    assert "| Error distance ↓ | base | 0.900 ± 0.016 |" in md
    assert "circumplex − uniform |  | −0.126 |" in md
    assert "§ cannot reach p < 0.05" in md


def test_latex_structure(result):
    tex = to_latex(main_table(result), caption="Main results_1", label="tab:main")
    assert tex.startswith("% requires: booktabs\n")
    assert tex.count(r"\begin{tabular}{@{}llrrrrrrrrr@{}}") == 1 and r"\end{tabular}" in tex
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert rule in tex
    assert tex.index(r"\toprule") < tex.index(r"\midrule") < tex.index(r"\bottomrule")
    assert r"\caption{Main results\_1}" in tex and r"\label{tab:main}" in tex
    assert r"\multicolumn{2}{c}{Wilcoxon}" in tex and r"\cmidrule(lr){5-6}" in tex
    assert r"0.450 $\pm$ 0.016" in tex and "±" not in tex and "−" not in tex
    assert r"0.25\textsuperscript{\S}" in tex
    assert r"$p_\mathrm{adj}$ $<$ 0.05" in tex
    # every data row has as many cells as the column spec
    body = tex[tex.index(r"\midrule"):tex.index(r"\bottomrule")]
    for line in body.splitlines():
        if line.endswith(r"\\"):
            assert line.count(" & ") == 10
    # no unescaped underscore outside math
    text = re.sub(r"\$[^$]*\$", "", tex)
    assert not re.search(r"(?<!\\)_", text.replace(r"\_", ""))
    assert tex.count("{") == tex.count("}")


def test_latex_escapes_ids_and_bare_tabular(result):
    t = comparison_table(result, ["official_score", "error_distance_mean"], pairs="baseline")
    t.loc[t["metric"] == "official_score", "metric"] = "f1:Anger_x"  # an id no label covers
    tex = to_latex(t, environment=None)
    assert r"\begin{table}" not in tex and r"\begin{table*}" not in tex
    assert tex.startswith("% requires: booktabs")
    assert r"\begin{tabular}" in tex
    assert r"f1:Anger\_x" in tex
    assert r"Error distance $\downarrow$" in tex
    assert (tex_escape("a_b & 50% #1 {x} ~ ^")
            == r"a\_b \& 50\% \#1 \{x\} \textasciitilde{} \textasciicircum{}")
    with pytest.raises(ConfigError, match="`environment` must be one of"):
        to_latex(t, environment="figure")


def test_csv_keeps_full_precision(result):
    t = main_table(result)
    back = pd.read_csv(__import__("io").StringIO(to_csv(t)))
    assert list(back.columns) == list(t.columns)
    sd = back[(back["metric"] == "official_score") & (back["label"] == "circumplex")]["sd"].iloc[0]
    assert sd == pytest.approx(np.sqrt(0.001 / 4), rel=1e-15)
    assert "0.0158113883" in to_csv(t)


def test_formatting_helpers():
    assert format_p(0.0625) == "0.0625" and format_p(0.00002) == "<0.001"
    assert format_p(np.nan) == "–"
    assert format_number(-0.0001, signed=True) == "+0.000"
    assert format_number(-0.0123, signed=True) == "−0.012"
    assert format_number(1234.56) == "1235" and format_number(123.456) == "123.5"


def test_reused_tables_are_built_once_and_each_call_gets_its_own_copy(result):
    """A report writes each table in several formats inside reuse_tables(): built once
    per result and arguments, equal to a table built outside the block, and a caller's
    change to its copy (attrs included) reaches no other call."""
    from affectctl.report import tables

    built = []
    real = tables.main_table.__wrapped__
    outside = tables.main_table(result, tests=("wilcoxon",))
    counting = tables._reused(lambda res, **kw: built.append(kw) or real(res, **kw))
    with tables.reuse_tables():
        first = counting(result, tests=["wilcoxon"])
        first.iloc[0, 0] = "changed"
        first.attrs.setdefault("notes", []).append("changed")
        with tables.reuse_tables():                   # nested: the same memo
            second = counting(result, tests=("wilcoxon",))
        other = counting(result, tests=("signflip",))
    after = counting(result, tests=("wilcoxon",))     # outside: built again
    assert len(built) == 3 and built[1] == {"tests": ("signflip",)}
    pd.testing.assert_frame_equal(second, outside)
    assert second.attrs == outside.attrs and "changed" not in second.attrs.get("notes", [])
    pd.testing.assert_frame_equal(after, outside)
    assert not other.equals(outside)
    with tables.reuse_tables():                       # arguments of any iterable kind
        for tests in (iter(["wilcoxon"]), {"wilcoxon"}, np.array(["wilcoxon"])):
            pd.testing.assert_frame_equal(tables.main_table(result, tests=tests), outside)
