"""`affectctl compare` and `affectctl report` from the command line, on the example runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import affectctl
from affectctl.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"
runner = CliRunner()


def one_line_error(res, *needles):
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("affectctl: error: "), res.stderr
    for n in needles:
        assert n in lines[0]


def test_compare_writes_report_and_json(tmp_path):
    out = tmp_path / "rep"
    res = runner.invoke(app, ["compare", "base", "circumplex", "uniform", "--runs", str(EXAMPLES),
                              "--permutations", "499", "--seed", "3", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["settings"]["seed"] == 3 and doc["settings"]["n_resamples"] == 499
    assert ["circumplex", "uniform"] in doc["pairs"]
    for name in ("table.md", "table.tex", "table.csv", "results.json", "circumplex_map.pdf",
                 "circumplex_map.png", "confusion.png", "error_distance_null.png"):
        assert (out / name).stat().st_size > 0, name
    assert any(p.name.startswith("paired_seeds_") for p in out.iterdir())
    assert "report written to" in res.stderr
    assert json.loads((out / "results.json").read_text())["comparisons"] == doc["comparisons"]
    assert not list(out.glob("*.tmp")) and not list(out.glob(".*"))


def test_compare_prints_table_and_is_deterministic(tmp_path):
    args = ["compare", "base", "uniform", "--runs", str(EXAMPLES), "--permutations", "199",
            "--no-figures", "--out", str(tmp_path / "a")]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "uniform" in first.stdout and "Wilcoxon" in first.stdout
    second = runner.invoke(app, args[:-1] + [str(tmp_path / "b")])
    assert second.exit_code == 0
    assert (tmp_path / "a" / "table.csv").read_text() == (tmp_path / "b" / "table.csv").read_text()


@pytest.mark.parametrize("extra, needles", [
    (["--unit", "video"], ["`unit`"]),
    (["--alternative", "both"], ["`alternative`"]),
    (["--contrast", "circumplex-uniform"], ["--contrast"]),
    (["--sample-test", "exact"], ["`sample_test`"]),
    (["--dataset", "sim-affwild2"], ["either --runs"]),
])
def test_compare_bad_options(extra, needles):
    res = runner.invoke(app, ["compare", "base", "uniform", "--runs", str(EXAMPLES), *extra])
    one_line_error(res, *needles)


def test_compare_unknown_condition_and_mismatch(tmp_path):
    one_line_error(runner.invoke(app, ["compare", "base", "nope", "--runs", str(EXAMPLES)]),
                   "condition 'nope'")
    for c in ("base", "uniform"):
        shutil.copytree(EXAMPLES / c, tmp_path / c)
    frame = (tmp_path / "uniform" / "seed-0.csv").read_text().splitlines()
    (tmp_path / "uniform" / "seed-0.csv").write_text("\n".join(frame[:-1]) + "\n")
    one_line_error(runner.invoke(app, ["compare", "base", "uniform", "--runs", str(tmp_path)]),
                   "seed 0", "sample ids differ")
    one_line_error(runner.invoke(app, ["compare", "base", "--runs", str(tmp_path)]), "baseline")


def test_report_plan_on_runs_folder(tmp_path):
    runs = tmp_path / "runs" / "examples"
    shutil.copytree(EXAMPLES, runs)
    plan = tmp_path / "plan.toml"
    plan.write_text('''
name = "mini"
runs = "%s"
conditions = ["base", "circumplex", "uniform"]
permutations = 199
figures = false

[[tables]]
name = "main"
metrics = ["official_score", "expr_macro_f1"]

[[tables]]
name = "geometry"
metrics = ["error_distance_mean", "expected_cost"]
pairs = [["circumplex", "uniform"]]
''' % (tmp_path / "runs"))
    res = runner.invoke(app, ["report", str(plan), "--out", str(tmp_path / "reports")])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "reports" / "mini" / "examples"
    for stem in ("main", "geometry"):
        for ext in ("md", "tex", "csv"):
            assert (folder / f"{stem}.{ext}").stat().st_size > 0
    assert "circumplex − uniform" in (folder / "geometry.md").read_text()


@pytest.mark.parametrize("body, needle", [
    ('name = "x"\nconditions = ["a", "b"]\ndatasets = ["sim-affwild2"]\n[[tables]]\nname = "t"\n'
     'metrics = ["accuracy"]\nbogus = 1\n', "unknown key `bogus`"),
    ('name = "x"\nconditions = ["a"]\ndatasets = ["sim-affwild2"]\n[[tables]]\nname = "t"\n'
     'metrics = ["accuracy"]\n', "`conditions`"),
    ('name = "x"\nconditions = ["a", "b"]\n[[tables]]\nname = "t"\nmetrics = ["accuracy"]\n',
     "`datasets` or `runs`"),
    ("not toml [", "not valid TOML"),
])
def test_report_bad_plans(tmp_path, body, needle):
    plan = tmp_path / "bad.toml"
    plan.write_text(body)
    one_line_error(runner.invoke(app, ["report", str(plan)]), needle)


def test_shipped_plan_is_valid():
    from affectctl.plans import load_plan

    plan = load_plan("rare-class-limit")  # by name: the plans shipped in the package
    assert plan.datasets == ("sim-affwild2", "sim-affectnet")
    assert set(plan.conditions) == {"base", "circumplex", "uniform", "permuted", "au", "reweight", "balanced"}
    assert [t.name for t in plan.tables] == ["main", "error-geometry", "rare-pairs"]
    assert plan.extra_contrasts == (("circumplex", "uniform"), ("circumplex", "permuted"))


@pytest.mark.train
def test_compare_without_runs_trains_into_the_cache_then_reuses_it(tmp_path, monkeypatch):
    """The main job's path: no --runs → train on the built-in data into ./runs, analyse; a
    re-run trains nothing and writes byte-identical tables and results.

    The three conditions are the shipped files with ``epochs = 2`` (in ./models, which the
    lookup searches first): what is asserted (the cache layout, nothing retrained, the same
    bytes twice) does not depend on how long a run trains. The shipped files themselves are
    trained through the CLI by test_cli_diagnose's built-in benchmark tests."""
    pytest.importorskip("torch")
    pytest.importorskip("ot")
    from affectctl.train import runner as train_runner

    # train in this process, as on a one-core machine (see test_cli_diagnose's built-in
    # benchmark test): the pool's start-up is tested in tests/train/test_train_sweep.py
    monkeypatch.setattr(train_runner, "usable_cpus", lambda: 1)
    monkeypatch.chdir(tmp_path)
    shipped = Path(affectctl.__file__).resolve().parent / "data" / "conditions"
    (tmp_path / "models").mkdir()
    for name in ("base", "circumplex", "uniform"):
        lines = (shipped / f"{name}.toml").read_text().splitlines()
        assert not any(ln.startswith("epochs") for ln in lines)
        (tmp_path / "models" / f"{name}.toml").write_text("\n".join(lines + ["epochs = 2", ""]))
    args = ["compare", "base", "circumplex", "uniform", "--seeds", "2", "--permutations", "199",
            "--no-figures", "-q"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    dumps = sorted((tmp_path / "runs" / "sim-affwild2").glob("*/seed-*.parquet"))
    assert [p.relative_to(tmp_path / "runs" / "sim-affwild2").as_posix() for p in dumps] == [
        f"{c}/seed-{s}.parquet" for c in ("base", "circumplex", "uniform") for s in (0, 1)]
    report = tmp_path / "reports" / "sim-affwild2-base-circumplex-uniform"
    written = {n: (report / n).read_bytes() for n in ("table.md", "table.tex", "table.csv", "results.json")}
    stamps = {p: p.stat().st_mtime_ns for p in dumps}

    second = runner.invoke(app, args)
    assert second.exit_code == 0, second.output
    assert {p: p.stat().st_mtime_ns for p in dumps} == stamps  # nothing retrained
    for name, content in written.items():
        assert (report / name).read_bytes() == content, name
    doc = json.loads(written["results.json"])
    assert doc["seeds"] == [0, 1] and ["circumplex", "uniform"] in doc["pairs"]
