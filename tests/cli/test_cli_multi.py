"""`affectctl compare --runs NAME=DIR --runs NAME=DIR`: several benchmarks in one comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from affectctl.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runs"
runner = CliRunner()


def test_two_datasets_write_per_dataset_reports_and_aggregates(tmp_path):
    out = tmp_path / "multi"
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}",
                              "--runs", f"an={EXAMPLES}", "--metric", "accuracy",
                              "--permutations", "99", "--no-figures", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "aw2" / "results.json").exists() and (out / "an" / "results.json").exists()
    doc = json.loads((out / "aggregates.json").read_text())
    assert {r["dataset"] for r in doc["records"]} == {"aw2", "an"}
    tests = {a["test"] for a in doc["aggregates"]}
    assert {"stratified_bootstrap", "probability_of_improvement"} <= tests
    assert "All benchmarks (aw2, an)" in res.stdout and "circumplex − base, Accuracy" in res.stdout
    assert (out / "index.html").exists() and (out / "aggregates.tex").exists()


def test_one_named_dataset_is_a_one_line_error():
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}"])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("affectctl: error: ") and "at least two" in lines[0]


@pytest.mark.train
def test_dataset_twice_trains_each_benchmark_into_its_cache_folder(tmp_path, monkeypatch):
    """`--dataset sim-affwild2 --dataset sim-affectnet` trains both built-in benchmarks (the
    shipped conditions with ``epochs = 1``, 2 seeds: the cheapest run of the path) into
    ``runs/<dataset>/`` and writes the per-dataset reports and the aggregates."""
    pytest.importorskip("torch")
    pytest.importorskip("ot")
    import affectctl
    from affectctl.train import runner as train_runner

    monkeypatch.setattr(train_runner, "usable_cpus", lambda: 1)
    monkeypatch.chdir(tmp_path)
    shipped = Path(affectctl.__file__).resolve().parent / "data" / "conditions"
    (tmp_path / "models").mkdir()
    for name in ("base", "circumplex"):
        lines = (shipped / f"{name}.toml").read_text().splitlines()
        (tmp_path / "models" / f"{name}.toml").write_text("\n".join(lines + ["epochs = 1", ""]))
    res = runner.invoke(app, ["compare", "base", "circumplex", "--dataset", "sim-affwild2",
                              "--dataset", "sim-affectnet", "--seeds", "2", "--permutations",
                              "99", "--no-figures", "-q"])
    assert res.exit_code == 0, res.output
    for ds in ("sim-affwild2", "sim-affectnet"):
        dumps = sorted((tmp_path / "runs" / ds).glob("*/seed-*.parquet"))
        assert [p.relative_to(tmp_path / "runs" / ds).as_posix() for p in dumps] == [
            f"{c}/seed-{s}.parquet" for c in ("base", "circumplex") for s in (0, 1)]
    out = tmp_path / "reports" / "benchmarks"
    doc = json.loads((out / "aggregates.json").read_text())
    assert {r["dataset"] for r in doc["records"]} == {"sim-affwild2", "sim-affectnet"}
    taxonomies = {json.loads((out / ds / "results.json").read_text())["taxonomy"]
                  for ds in ("sim-affwild2", "sim-affectnet")}
    assert taxonomies == {"affwild2-expr8", "affectnet8"}   # each keeps its own label space


def test_normalisation_file_adds_interquartile_means_and_bad_files_exit_2(tmp_path):
    norm = tmp_path / "norm.toml"
    norm.write_text("[aw2]\naccuracy = { low = 0.25, high = 1.0 }\n[an]\n"
                    "accuracy = { low = 0.125, high = 0.9 }\n")
    out = tmp_path / "multi"
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}",
                              "--runs", f"an={EXAMPLES}", "--metric", "accuracy",
                              "--permutations", "99", "--no-figures", "--quiet",
                              "--normalisation", str(norm), "--out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "aggregates.json").read_text())
    iqm = [a for a in doc["aggregates"] if a["test"] == "interquartile_mean"]
    assert {a["condition"] for a in iqm} == {"base", "circumplex"}
    assert {a["test"] for a in doc["aggregates"]} >= {"stratified_ar", "primary_holm"}
    norm.write_text("[aw2]\naccuracy = { low = 1, high = 1 }\n")
    res = runner.invoke(app, ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}",
                              "--runs", f"an={EXAMPLES}", "--normalisation", str(norm),
                              "--out", str(out)])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{norm}, line 2: aw2.accuracy: low and high must differ" in lines[0]


@pytest.mark.parametrize("extra, needle", [
    (["--sequential"], "drop --sequential"),
    (["--normalisation", "{norm}"], None),
])
def test_options_that_do_not_fit_several_benchmarks_or_one_exit_2(tmp_path, extra, needle):
    """--sequential with several benchmarks (the tests over datasets need every resample),
    --normalisation with one: one line, exit 2, before any work."""
    norm = tmp_path / "norm.toml"
    norm.write_text("[aw2]\naccuracy = { low = 0.25, high = 1.0 }\n")
    extra = [e.format(norm=norm) for e in extra]
    if needle is None:   # one benchmark
        args, needle = ["--runs", str(EXAMPLES)], "--normalisation is for several benchmarks"
    else:
        args = ["--runs", f"aw2={EXAMPLES}", "--runs", f"an={EXAMPLES}"]
    res = runner.invoke(app, ["compare", "base", "circumplex", *args, *extra,
                              "--out", str(tmp_path / "r")])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], res.stderr
    assert not (tmp_path / "r").exists()


def test_several_benchmark_report_is_whole_or_absent(tmp_path, monkeypatch):
    """A failure after the per-dataset reports (here: writing the files over them) leaves
    no folder at all, and a folder written before stays as it was."""
    import affectctl.cli.compare_multi as multi_cli

    out = tmp_path / "multi"
    args = ["compare", "base", "circumplex", "--runs", f"aw2={EXAMPLES}", "--runs",
            f"an={EXAMPLES}", "--metric", "accuracy", "--permutations", "19", "--no-figures",
            "--quiet", "--out", str(out)]

    def broken(*a, **k):
        raise OSError(28, "No space left on device", str(a[0] / "aggregates.tex"))

    monkeypatch.setattr(multi_cli, "_write_all_benchmarks", broken)
    res = runner.invoke(app, args)
    assert res.exit_code != 0
    assert not out.exists() and not list(tmp_path.glob(".multi.tmp-*"))
    monkeypatch.undo()
    assert runner.invoke(app, args).exit_code == 0
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert "aw2/results.json" in before and "aggregates.json" in before
    monkeypatch.setattr(multi_cli, "_write_all_benchmarks", broken)
    assert runner.invoke(app, args).exit_code != 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before
