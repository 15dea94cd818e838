"""report.write_plan_tables: an analysis plan's comparison and degeneracy tables."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from affectctl.errors import ConfigError  # noqa: E402

from affectctl.report.plans import AnalysisPlan, TableSpec  # noqa: E402
from affectctl.report import (  # noqa: E402
    degeneracy_table,
    to_latex,
    to_markdown,
    write_plan_tables,
)

EXAMPLE_RUNS = Path(__file__).resolve().parents[2] / "examples" / "runs"


def _plan(tables):
    return AnalysisPlan(name="plan", conditions=("base", "circumplex", "uniform"), baseline="base",
                        runs=str(EXAMPLE_RUNS), tables=tuple(tables))


def test_comparison_tables_of_a_plan(result, tmp_path):
    plan = _plan([
        TableSpec(name="main", metrics=("official_score",), pairs="baseline"),
        TableSpec(name="error-geometry", caption="Error geometry",
                  metrics=("error_distance_mean",), pairs=(("circumplex", "uniform"),),
                  tests=("wilcoxon",)),
    ])
    written = write_plan_tables(result, plan, tmp_path, figures=False)
    assert set(written) == {"main", "error-geometry", "results", "html"}
    assert set(written["main"]) == {"main.md", "main.tex", "main.csv"}
    md = written["error-geometry"]["error-geometry.md"].read_text()
    assert md.startswith("**Error geometry**")
    assert ("| Error distance ↓ | circumplex − uniform | 0.710 ± 0.016 | 0.836 ± 0.023 | −0.126 |"
            in md)
    assert "Sign-flip" not in md.splitlines()[2]
    tex = written["error-geometry"]["error-geometry.tex"].read_text()
    assert "\\label{tab:plan-error-geometry}" in tex
    main_md = written["main"]["main.md"].read_text()
    assert "circumplex − base" in main_md and "circumplex − uniform" not in main_md


def test_plan_tables_show_the_sample_level_test_and_aliases_once(result, tmp_path):
    import dataclasses

    import pandas as pd

    m, c = result.metrics, result.comparisons
    twin = dataclasses.replace(
        result,
        metrics=pd.concat([m, m[m["metric"] == "official_score"].assign(metric="expr_macro_f1")]),
        comparisons=pd.concat([c, c[c["metric"] == "official_score"].assign(
            metric="expr_macro_f1")]))
    plan = _plan([TableSpec(name="main", caption="Scores.",
                            metrics=("official_score", "expr_macro_f1"), pairs="baseline")])
    written = write_plan_tables(twin, plan, tmp_path, figures=False)
    md = written["main"]["main.md"].read_text()
    header = md.splitlines()[2]
    assert "Approx. randomization p" in header          # the plan's sample-level test
    assert md.startswith("**Scores (Official score = Macro-F1, shown once).**")
    assert "Macro-F1 ↑" not in md and md.count("Official score ↑") == 1
    assert "is another name for Official score" in md
    assert "index.html" in {p.name for p in written["html"].values()}


@pytest.mark.skipif(not EXAMPLE_RUNS.is_dir(), reason="examples/runs not present")
def test_degeneracy_table_of_a_plan(result, tmp_path):
    from affectctl.io.runs import load_runs

    from affectctl.diagnose import diagnose

    runset = load_runs(EXAMPLE_RUNS, ["base", "circumplex", "uniform"])
    plan = _plan([TableSpec(name="rare-pairs", kind="degeneracy")])
    with pytest.raises(ConfigError, match="degeneracy table: pass the diagnosis"):
        write_plan_tables(result, plan, tmp_path, figures=False)
    diagnosis = diagnose(runset, baseline="base", interventions=("circumplex", "uniform"), rng=0)
    written = write_plan_tables(result, plan, tmp_path, diagnosis=diagnosis, figures=True,
                                formats=("png",))
    assert set(written) == {"rare-pairs", "results", "figures", "html"}
    md = written["rare-pairs"]["rare-pairs.md"].read_text()
    header = md.splitlines()[0]
    for col in ("Pair", "Status", "Confusion %", "% base", "% circumplex", "% uniform"):
        assert col in header
    tex = written["rare-pairs"]["rare-pairs.tex"].read_text()
    assert "\\toprule" in tex and "Confusion \\%" in tex
    assert "circumplex_map.png" in written["figures"]


@pytest.mark.skipif(not EXAMPLE_RUNS.is_dir(), reason="examples/runs not present")
def test_degeneracy_table_numbers():
    from affectctl.diagnose import diagnose
    from affectctl.io.runs import load_runs

    runset = load_runs(EXAMPLE_RUNS, ["base", "circumplex", "uniform"])
    diag = diagnose(runset, baseline="base", interventions=("circumplex", "uniform"))
    t = degeneracy_table(diag, top=3)
    assert len(t) >= 3 and list(t["rank"])[:3] == list(diag.pairs["rank"])[:3]
    first = diag.pairs.iloc[0]
    assert t.iloc[0]["confusion_rate"] == first["confusion_rate"]        # unrounded
    bc = diag.by_condition
    sel = bc[(bc["a"] == first["a"]) & (bc["b"] == first["b"]) & (bc["condition"] == "uniform")]
    assert t.iloc[0]["rate:uniform"] == sel["confusion_rate"].iloc[0]
    assert len(degeneracy_table(diag, top=None)) == len(diag.pairs)
    md = to_markdown(t)
    assert f"{first['a']}–{first['b']}" in md
    assert "\\begin{tabular}" in to_latex(t)
