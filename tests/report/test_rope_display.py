"""--rope: the posterior mass inside the ROPE is shown beside the verdict (console and HTML)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from affectctl.cli import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_rope_column_and_note_in_console_and_html(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    out = tmp_path / "rep"
    res = runner.invoke(app, ["compare", "base", "uniform", "--runs", str(REPO / "examples" / "runs"),
                              "--rope", "0.01", "--permutations", "99", "--no-figures", "--out", str(out)])
    assert res.exit_code == 0, res.output
    verdicts = json.loads((out / "results.json").read_text())["verdicts"]
    p_rope = {v["metric"]: v["p_rope"] for v in verdicts}
    assert all(p is not None and 0 <= p <= 1 for p in p_rope.values()), p_rope
    lines = res.stdout.splitlines()
    head = next(ln for ln in lines if ln.startswith("Condition"))
    assert "P(rope)" in head and head.index("P(rope)") < head.index("Verdict")
    acc = lines[lines.index("Accuracy ↑") + 2]          # the uniform row of the accuracy group
    assert f"{p_rope['accuracy']:.2f}" in acc, acc
    assert any(ln.startswith("P(rope): posterior probability that |Δ| < R = 0.01") for ln in lines)
    page = (out / "index.html").read_text()
    assert "P(rope)" in page and "region of practical equivalence" in page


def test_no_rope_column_without_rope(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    res = runner.invoke(app, ["compare", "base", "uniform", "--runs", str(REPO / "examples" / "runs"),
                              "--permutations", "99", "--no-figures", "--out", str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    assert "P(rope)" not in res.stdout
    assert "P(rope)" not in (tmp_path / "rep" / "index.html").read_text()
