"""Analysis plans with several datasets (built-in names or NAME=DIR folders) and the
two-level test: validated with one line naming the file and line; two datasets also write
the aggregates over them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.errors import ConfigError
from affectctl.report.plans import load_plan, run_plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PLAN = """name = "two"
datasets = [{datasets}]
conditions = ["base", "circumplex"]
sample_test = "{sample_test}"
permutations = 99
figures = false

[[tables]]
name = "main"
metrics = ["accuracy"]
"""


def _plan(tmp_path, datasets, sample_test="hierarchical"):
    path = tmp_path / "two.toml"
    path.write_text(PLAN.format(datasets=", ".join(f'"{d}"' for d in datasets),
                                sample_test=sample_test))
    return path


def test_plan_with_two_folders_and_the_two_level_test_writes_the_aggregates(tmp_path):
    plan = load_plan(_plan(tmp_path, [f"aw2={EXAMPLES / 'runs'}",
                                      f"an={EXAMPLES / 'runs-affectnet'}"]))
    assert plan.datasets == ("aw2", "an") and plan.builtin_datasets == ()
    assert plan.sample_test == "hierarchical"
    written = run_plan(plan, out=tmp_path / "out")
    root = tmp_path / "out" / "two"
    doc = json.loads((root / "aggregates.json").read_text())
    assert {r["dataset"] for r in doc["records"]} == {"aw2", "an"}
    assert "hierarchical_bootstrap" in {r["test"] for r in doc["records"]}
    assert {"stratified_bootstrap", "probability_of_improvement"} <= {a["test"] for a in doc["aggregates"]}
    assert (root / "index.html").exists() and (root / "aggregates.tex").exists()
    assert ("aw2", "main") in written and (root / "an" / "main.md").exists()


@pytest.mark.parametrize("datasets, sample_test, line, message", [
    (["sim-affwild2"], "seedwise", 4, "`sample_test` must be one of ar, bootstrap, hierarchical, none"),
    (["a=x", "a=y"], "ar", 2, "`datasets` names 'a' twice"),
    (["=x"], "ar", 2, "must be a built-in dataset or NAME=DIR"),
])
def test_bad_plans_name_the_file_and_line(tmp_path, datasets, sample_test, line, message):
    path = _plan(tmp_path, datasets, sample_test)
    with pytest.raises(ConfigError, match="^" + str(path).replace(".", r"\.") + f":{line}: "):
        load_plan(path)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_plan(path)


def test_unknown_builtin_dataset_is_one_line_naming_the_line(tmp_path):
    path = _plan(tmp_path, ["sim-affwild2", "sim-nope"], "ar")
    res = CliRunner().invoke(app, ["report", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{path}:2: `datasets`: unknown dataset 'sim-nope'" in lines[0]
