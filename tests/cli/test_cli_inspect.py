"""``affectctl inspect``: what is read from real files, checked against pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from affectctl.cli import app

DATA = Path(__file__).resolve().parents[1] / "data"
runner = CliRunner()


def _json(args):
    r = runner.invoke(app, ["inspect", *args, "--json"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_inspect_pyfeat_2x_lists_expr_and_va_seven_classes_one_id_per_row():
    f = DATA / "py-feat" / "news_sample_001.csv"
    ref = pd.read_csv(f)
    info = _json([str(f)])
    assert info["format"] == "pyfeat" and "2.x" in info["format_reason"]
    assert info["tasks"] == ["expr", "va", "au"] and info["rows"] == len(ref) == 20
    assert info["classes"]["file"] == ["Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger"]
    assert info["ids"] == [f"001/{k + 1:05d}" for k in ref["frame"]]
    ign = info["ignored_columns"]
    assert ign["groups"]["identity embedding"] == 513 and ign["groups"]["blendshape"] == 52
    assert ign["count"] + len(info["columns_read"]) == ref.shape[1]
    r = runner.invoke(app, ["inspect", str(f)])
    assert r.exit_code == 0
    out = r.output.splitlines()
    assert "tasks: expr, va, au" in out
    assert sum(ln.startswith("columns ignored: 2152 (") for ln in out) == 1


def test_inspect_pyfeat_1x_and_openface():
    info = _json([str(DATA / "py-feat" / "feat_tests_001.csv")])
    assert info["tasks"] == ["expr", "au"] and "0.x/1.x" in info["format_reason"] and info["rows"] == 40
    of = DATA / "py-feat" / "OpenFace_Test.csv"
    info = _json([str(of)])
    ref = pd.read_csv(of, skipinitialspace=True)
    assert info["format"] == "openface" and info["tasks"] == ["au"]
    assert info["ids"] == [f"OpenFace_Test/{k:05d}" for k in ref["frame"]]


def test_inspect_ferplus_truth_files():
    info = _json([str(DATA / "ferplus" / "FER2013Test_label.csv")])
    ref = pd.read_csv(DATA / "ferplus" / "FER2013Test_label.csv", header=None)
    assert info["format"] == "ferplus" and "label.csv" in info["format_reason"]
    assert info["ids"] == list(ref[0]) and info["classes"]["taxonomy"] == "ferplus8"


def test_inspect_with_truth_reports_the_pairing(tmp_path):
    f = DATA / "py-feat" / "feat_tests_001.csv"
    ref = pd.read_csv(f)
    truth = tmp_path / "t.csv"
    pd.DataFrame({"sample_id": [f"001/{k + 1:05d}" for k in ref["frame"]],
                  "y_true": ref[["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]]
                  .to_numpy().argmax(1)}).to_csv(truth, index=False)
    info = _json([str(f), "--truth", str(truth), "--taxonomy", "Anger,Disgust,Fear,Happiness,Sadness,Surprise,Neutral"])
    assert info["paired"]["samples"] == 40
    assert info["classes"]["mapped"] == ["Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Neutral"]


def test_inspect_unknown_file_is_one_line_error(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b\n1,2\n")
    r = runner.invoke(app, ["inspect", str(f)])
    assert r.exit_code == 2 and r.output.count("\n") == 1 and "affectctl: error:" in r.output
