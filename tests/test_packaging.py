"""What a user outside the checkout meets: the public API, the CLI's start-up surface,
the shipped plans, and the provenance of every JSON document (checked against the
shipped JSON Schemas with jsonschema).

The wheel itself (built, installed into a fresh venv and run from an empty folder) is
checked by ``.ci/run``; that ``import affectctl`` loads no heavy module is
tests/train/test_train_imports.py.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

import affectctl
from affectctl._provenance import SCHEMA_VERSION, schema
from affectctl.cli import COMMANDS, app, load_all_commands

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_RUNS = ROOT / "examples" / "runs"
runner = CliRunner()


def _validate(document: dict, name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))
    jsonschema.Draft202012Validator(schema(name)).validate(document)


# -- public API ------------------------------------------------------------------------------


def test_every_public_name_resolves_and_is_documented():
    for name in affectctl.__all__:
        obj = getattr(affectctl, name)
        if callable(obj) and not isinstance(obj, type(affectctl)):
            assert (obj.__doc__ or "").strip(), f"affectctl.{name} has no docstring"
    assert set(affectctl.__all__) <= set(dir(affectctl))
    assert affectctl.power is affectctl.stats.power.power_analysis
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        affectctl.nope  # noqa: B018


def test_read_predictions_pairs_with_truth(tmp_path):
    """``read_predictions(path, truth=...)`` is the CLI's pairing: a prediction-only file
    joined with a truth table on sample_id (rows in another order)."""
    import pandas as pd

    full = pd.read_csv(EXAMPLE_RUNS / "base" / "seed-0.csv")
    truth_cols = ["sample_id", "y_true"]
    full[truth_cols].iloc[::-1].to_csv(tmp_path / "truth.csv", index=False)
    pred_cols = ["sample_id", "y_pred"] + [c for c in full.columns if c.startswith("p_")]
    full[pred_cols].to_csv(tmp_path / "pred.csv", index=False)
    dump = affectctl.read_predictions(tmp_path / "pred.csv", truth=tmp_path / "truth.csv")
    ref = affectctl.read_predictions(EXAMPLE_RUNS / "base" / "seed-0.csv")
    order = pd.Index(dump.sample_id).get_indexer(ref.sample_id)
    assert (dump.y_true[order] == ref.y_true).all() and (dump.y_pred[order] == ref.y_pred).all()
    with pytest.raises(affectctl.DumpFormatError, match="y_true"):
        affectctl.read_predictions(tmp_path / "pred.csv")


def test_results_have_compact_views():
    runs = affectctl.load_runs(EXAMPLE_RUNS, ["base", "circumplex"])
    result = affectctl.compare(runs, "base", ("circumplex",), n_resamples=99, sample_test="none",
                               geometry_sensitivity=False)
    assert repr(runs) == (f"RunSet from {EXAMPLE_RUNS}: base (seeds 0, 1, 2, 3, 4); "
                          "circumplex (seeds 0, 1, 2, 3, 4)")
    assert repr(runs.dump("base", 0)).endswith(": 600 samples, affwild2-expr8, tasks expression, va)")
    text = repr(result)
    assert text.startswith("ComparisonResult: circumplex against base (5 seeds each")
    assert len(text.splitlines()) <= 16 and "official_score" in text
    assert "<table" in result._repr_html_()
    frame = result.to_frame()
    assert {"a", "b", "metric", "test", "p_value", "p_adjusted"} <= set(frame.columns)
    assert result.to_dict()["schema_version"] == SCHEMA_VERSION
    report = affectctl.audit(runs.dump("base", 0))
    assert repr(report).startswith("AuditReport: ") and len(repr(report).splitlines()) <= 16
    assert set(report.to_frame().columns) == {"metric", "value"}
    power = affectctl.power(n_seeds=5)
    assert repr(power).startswith("PowerReport: 5 seeds")
    assert power.to_frame()["min_p_value"].tolist()[:2] == [0.0625, 0.0625]


# -- command line ----------------------------------------------------------------------------


def test_root_help_lists_every_command_with_its_own_first_line():
    load_all_commands()
    import typer

    group = typer.main.get_command(app)
    for name, short in COMMANDS.items():
        cmd = group.get_command(None, name)
        assert cmd is not None, name
        assert cmd.get_short_help_str(limit=10_000) == short, name
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    assert all(name in res.stdout for name in COMMANDS)
    assert "Exit status" in res.stdout and "bad input or usage" in res.stdout


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout == f"affectctl {affectctl.__version__}\n"


def test_plan_by_name_and_local_override(tmp_path, monkeypatch):
    from affectctl.errors import ConfigError
    from affectctl.plans import find_plan, load_plan

    monkeypatch.chdir(tmp_path)
    assert load_plan("rare-class-limit").name == "rare-class-limit"
    (tmp_path / "analyses").mkdir()
    mine = tmp_path / "analyses" / "rare-class-limit.toml"
    shipped = find_plan("rare-class-limit").read_text()
    mine.write_text(shipped.replace('name = "rare-class-limit"', 'name = "mine"'))
    assert find_plan("rare-class-limit") == mine and load_plan("rare-class-limit").name == "mine"
    with pytest.raises(ConfigError, match=r"plans by name: \['label-noise', 'rare-class-limit'\] "
                                          r"\(searched, in order: .*analyses, affectctl's shipped"):
        find_plan("nope")


# -- provenance ------------------------------------------------------------------------------


def test_results_json_is_deterministic_has_provenance_and_validates(tmp_path, monkeypatch):
    """The same command twice: byte-identical results.json (the time goes to
    provenance.json), with the command line and the sha256 of every seed file."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLE_RUNS, tmp_path / "runs", ignore=shutil.ignore_patterns("uniform"))
    args = ["compare", "base", "circumplex", "--runs", "runs", "--permutations", "99",
            "--sample-test", "none", "--no-figures", "-q", "--out", "out"]
    texts = []
    for _ in range(2):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        texts.append((tmp_path / "out" / "results.json").read_bytes())
    assert texts[0] == texts[1]
    doc = json.loads(texts[0])
    _validate(doc, "results")
    assert doc["affectctl_version"] == affectctl.__version__
    assert doc["command"] == ["affectctl", *args]
    files = sorted((tmp_path / "runs").rglob("*.csv"))
    assert [i["path"] for i in doc["inputs"]] == [str(Path("runs") / p.relative_to(tmp_path / "runs"))
                                                  for p in files]
    assert [i["sha256"] for i in doc["inputs"]] == [hashlib.sha256(p.read_bytes()).hexdigest()
                                                    for p in files]
    prov = json.loads((tmp_path / "out" / "provenance.json").read_text())
    _validate(prov, "provenance")
    assert prov["document"] == "results.json" and prov["command"] == doc["command"]
    # strict on the top level: an unknown key fails, an extra field inside a record does not
    doc["comparisons"][0]["new_field"] = 1
    doc["verdicts"] = [{"a": "circumplex", "b": "base", "metric": "accuracy", "p_value": 0.5}]
    _validate(doc, "results")
    with pytest.raises(jsonschema.ValidationError, match="unexpected"):
        _validate({**doc, "unexpected": 1}, "results")


def test_audit_json_has_provenance_and_validates():
    path = EXAMPLE_RUNS / "base" / "seed-0.csv"
    res = runner.invoke(app, ["audit", str(path), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    _validate(doc, "audit")
    assert doc["command"] == ["affectctl", "audit", str(path), "--json"]
    assert doc["inputs"] == [{"path": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}]
    # from Python: no command line
    assert affectctl.audit(affectctl.read_dump(path)).to_dict()["command"] is None
