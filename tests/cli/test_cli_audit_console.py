"""`affectctl audit` on the console: warnings before the tables, the affected scores
marked in place, confusion-matrix headers never cut."""

from __future__ import annotations

import re

import numpy as np
from _synth import synthetic_frame
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.cli.audit import _matrix_headers

runner = CliRunner()


def _swapped(tmp_path):
    frame = synthetic_frame(n=600, taxonomy="affectnet8", seed=3, accuracy=0.9, va=False, au=False,
                            proba=False)
    y = frame.y_pred.to_numpy()
    frame["y_pred"] = np.where(y == 5, 6, np.where(y == 6, 5, y))  # Disgust <-> Anger
    path = tmp_path / "swapped.csv"
    frame.to_csv(path, index=False)
    return path


def test_class_order_warning_comes_first_and_marks_the_scores(tmp_path):
    res = runner.invoke(app, ["audit", str(_swapped(tmp_path)), "--taxonomy", "affectnet8"],
                        terminal_width=120)
    assert res.exit_code == 0, res.output
    out = res.output                                   # stdout and stderr in print order
    assert out.index("class order looks wrong") < out.index("Scores")
    line = next(ln for ln in res.stdout.splitlines() if "official_score" in ln)
    assert "! class order?" in line
    assert "see the warning above" in res.stdout


def test_confusion_headers_are_whole_names_or_keyed_prefixes():
    classes = ["Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Other"]
    counts = np.full((8, 8), 123)
    heads, key = _matrix_headers(classes, counts, 200)
    assert heads == classes and key == []
    heads, key = _matrix_headers(classes, counts, 60)
    assert len(set(heads)) == 8 and all(c.startswith(h) and len(h) >= 3
                                        for h, c in zip(heads, classes))
    assert dict(key)["Sad"] == "Sadness" and dict(key)["Sur"] == "Surprise"


def test_audit_matrix_never_cuts_a_header(tmp_path):
    res = runner.invoke(app, ["audit", str(_swapped(tmp_path)), "--taxonomy", "affectnet8"],
                        terminal_width=80)
    block = res.stdout[res.stdout.index("Confusion matrix"):]
    header = next(ln for ln in block.splitlines() if "Neu" in ln or "Neutral" in ln)
    assert "…" not in block and not re.search(r"\bNeutr\b|\bSurpr\b", header)
