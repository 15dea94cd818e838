"""Several benchmarks in one report: the per-dataset blocks and the "All benchmarks" block
(console at 80 and 100 columns, aggregates.tex through the real pdflatex, index.html in
headless Chromium, the per-dataset figure), and `--dataset` given twice."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.compare.multi import compare_datasets
from affectctl.io.runs import load_runs
from affectctl.report.benchmarks import (aggregate_rows, aggregates_latex,
                                         render_benchmarks_console, write_benchmarks_html)

from report._paper import compile_tex, layout_problems, page_check

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"
runner = CliRunner()
ODD = "a_b&<i>"          # a dataset name with LaTeX specials and HTML


@pytest.fixture(scope="module")
def multi():
    runs = load_runs(EXAMPLES, ["base", "circumplex"])
    return compare_datasets({"aw2": runs, ODD: runs}, "base", ("circumplex",), n_resamples=99,
                            rng=0, metrics=["official_score", "accuracy"])


def test_every_aggregate_record_is_a_row_naming_its_test_and_unknown_tests_show_generically():
    aggs = [{"a": "x", "b": "y", "metric": "accuracy", "test": "stratified_bootstrap",
             "delta": 0.05, "ci_low": 0.01, "ci_high": 0.09, "confidence": 0.95, "p_value": 0.02},
            {"a": "x", "b": "y", "metric": "accuracy", "test": "primary_holm",
             "per_dataset": {"d1": {"test": "ar", "p_value": 0.01, "p_adjusted_datasets": 0.02},
                             "d2": {"test": "ar", "p_value": 0.3, "p_adjusted_datasets": 0.3}}},
            {"a": "x", "b": "y", "metric": "error_distance_mean", "test": "new_test",
             "statistic": 1.5, "p_value": 0.0004}]
    rows = aggregate_rows(aggs)
    assert list(rows["test"]) == ["stratified_bootstrap", "primary_holm", "primary_holm",
                                  "new_test"]
    assert rows["value"][0] == "+0.050 [+0.010, +0.090]" and rows["p"][0] == "p 0.02"
    assert rows["decision"][0] == "better"          # p ≤ alpha, Δ > 0, higher is better
    assert list(rows["decision"][1:3]) == ["difference shown", "no difference shown"]
    assert list(rows["p"][1:3]) == ["p_adj 0.02", "p_adj 0.3"]
    # with each dataset's Δ the Holm row says which way, in the metric's direction
    aggs[1]["per_dataset"]["d1"]["delta"] = -0.03
    assert aggregate_rows(aggs)["decision"][1] == "worse"
    aggs[1]["metric"] = "error_distance_mean"            # lower is better
    assert aggregate_rows(aggs)["decision"][1] == "better"
    # the stratified AR's statistic is its mean Δ
    sar = {"a": "x", "b": "y", "metric": "accuracy", "test": "stratified_ar",
           "statistic": -0.04, "p_value": 0.001}
    row = aggregate_rows([sar]).iloc[0]
    assert (row["what"], row["value"], row["decision"]) == ("mean Δ", "−0.040", "worse")
    assert rows["test_text"][3] == "new test" and rows["value"][3] == "1.500"
    assert rows["p"][3] == "p <0.001"


@pytest.mark.parametrize("width", [80, 100])
def test_console_fits_80_and_100_columns_and_names_every_test(multi, width):
    buf = io.StringIO()
    render_benchmarks_console(multi["results"], multi["aggregates"],
                              Console(file=buf, width=width, color_system=None), width=width)
    text = buf.getvalue()
    lines = text.splitlines()
    assert max(cell_len(ln) for ln in lines) <= width
    assert "Dataset aw2" in text and f"Dataset {ODD}" in text
    block = text[text.index("All benchmarks"):]
    for word in ("stratified bootstrap", "P(improvement)", "Holm over datasets", "mean Δ",
                 "p_adj"):
        assert word in block, word
    assert block.count("circumplex − base,") == 2          # official score and accuracy


def test_aggregates_tex_compiles_with_pdflatex(multi, tmp_path):
    tex = aggregates_latex(multi["aggregates"], list(multi["results"]))
    assert r"a\_b\&" in tex and "<i>" not in tex
    log = compile_tex({"aggregates.tex": tex}, tmp_path)
    assert not layout_problems(log)


def test_index_html_escapes_names_and_loads_in_chromium(multi, tmp_path):
    path = write_benchmarks_html(tmp_path, multi["results"], multi["aggregates"], name="study")
    page = path.read_text()
    assert "<i>" not in page and "a_b&amp;&lt;i&gt;" in page
    assert 'href="aw2/index.html"' in page
    found = page_check(path)
    assert found["checked"] and found["empty"] == 0 and found["errors"] == 0


def test_figure_has_one_panel_per_dataset_and_the_aggregate(multi, tmp_path):
    from affectctl.report.figures.benchmarks import save_benchmark_figures

    files = save_benchmark_figures(multi["results"], multi["aggregates"], tmp_path,
                                   formats=("svg",))
    assert list(files) == ["benchmarks_circumplex-vs-base.svg"]
    svg = files["benchmarks_circumplex-vs-base.svg"].read_text()
    for title in ("aw2: circumplex", "All benchmarks: circumplex"):
        assert title in svg


# ------------------------------------------------------------------ --dataset given twice

@pytest.mark.parametrize("args, message", [
    (["--dataset", "sim-affwild2", "--dataset", "sim-affwild2"], "given twice"),
    (["--dataset", "sim-affwild2", "--dataset", "sim-nope"], "not a built-in dataset"),
    (["--dataset", "sim-affwild2", "--dataset", "sim-affectnet", "--runs", f"a={EXAMPLES}",
      "--runs", f"b={EXAMPLES}"], "not both"),
    (["--dataset", "sim-affwild2", "--runs", f"a={EXAMPLES}", "--runs", f"b={EXAMPLES}"],
     "not both"),
    (["--dataset", "sim-affwild2", "--dataset", "sim-affectnet", "--seeds", "0"], "--seeds"),
])
def test_bad_dataset_combinations_are_one_line_errors(args, message):
    res = runner.invoke(app, ["compare", "base", "circumplex", *args])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("affectctl: error: ") and message in lines[0]


def test_dataset_twice_with_file_conditions_is_a_one_line_error(tmp_path):
    a, b = EXAMPLES / "base" / "seed-0.csv", EXAMPLES / "circumplex" / "seed-0.csv"
    res = runner.invoke(app, ["compare", f"a={a}", f"b={b}", "--dataset", "sim-affwild2",
                              "--dataset", "sim-affectnet"])
    assert res.exit_code == 2 and "drop --dataset" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_two_datasets_train_into_one_cache_folder_each_then_compare(tmp_path, monkeypatch):
    """The wiring of ``--dataset A --dataset B``: one ``ensure_runs`` per dataset (its own
    cache folder), then the multi-dataset path named by the datasets. Training itself is
    replaced by copying the example runs (the training path is tested in test_cli_compare)."""
    import shutil

    import affectctl.cli._runs as runs_mod

    calls = []

    def fake_ensure(conditions, *, dataset, seeds, cache, **kw):
        calls.append((tuple(conditions), dataset, seeds))
        folder = Path(cache) / dataset
        if not folder.exists():
            shutil.copytree(EXAMPLES, folder)
        return folder

    monkeypatch.setattr(runs_mod, "ensure_runs", fake_ensure)
    out = tmp_path / "study"
    res = runner.invoke(app, ["compare", "base", "circumplex", "--dataset", "sim-affwild2",
                              "--dataset", "sim-affectnet", "--seeds", "2", "--cache",
                              str(tmp_path / "cache"), "--permutations", "99", "--no-figures",
                              "--metric", "accuracy", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert calls == [(("base", "circumplex"), "sim-affwild2", 2),
                     (("base", "circumplex"), "sim-affectnet", 2)]
    doc = json.loads((out / "aggregates.json").read_text())
    assert doc["datasets"] == {d: str(tmp_path / "cache" / d)
                               for d in ("sim-affwild2", "sim-affectnet")}
    assert {r["dataset"] for r in doc["records"]} == {"sim-affwild2", "sim-affectnet"}
    assert (out / "index.html").exists() and (out / "aggregates.tex").exists()
    assert "All benchmarks (sim-affwild2, sim-affectnet)" in res.stdout
