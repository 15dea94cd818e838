"""report.writer and report.console: every file written, atomically; the terminal rendering."""

import sys
import io
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from rich.console import Console  # noqa: E402

from affectctl.io import atomic  # noqa: E402
from affectctl.errors import ConfigError  # noqa: E402
from affectctl.report import render_console, write_report, write_table  # noqa: E402
from affectctl.report.tables import main_table  # noqa: E402

TABLE_FILES = {"table.md", "table.tex", "table.csv", "table_full.tex", "table_full.md",
               "table_full.csv", "results.json", "provenance.json", "index.html"}


def test_write_report_writes_all_files(result, tmp_path):
    out = tmp_path / "reports" / "sim-base-circumplex-uniform"
    paths = write_report(result, out, formats=("png",))
    assert TABLE_FILES <= set(paths)
    assert {"circumplex_map.png", "confusion.png", "paired_seeds_official_score.png",
            "paired_seeds_error_distance_mean.png", "error_distance_null.png"} <= set(paths)
    for name, path in paths.items():
        assert path.parent == out and path.name == name and path.stat().st_size > 0
    assert sorted(p.name for p in out.iterdir()) == sorted(paths)   # nothing else, no .tmp
    doc = json.loads(paths["results.json"].read_text())
    assert doc["baseline"] == "base" and doc["settings"]["seed"] == 0
    assert "\\caption{sim-base-circumplex-uniform: circumplex, uniform against base; " in \
        paths["table.tex"].read_text()
    assert "\\label{tab:sim-base-circumplex-uniform}" in paths["table.tex"].read_text()
    assert paths["table.md"].read_text().startswith("**sim-base-circumplex-uniform")


def test_write_report_without_figures_and_named(result, tmp_path):
    paths = write_report(result, tmp_path, name="main", figures=False)
    assert set(paths) == TABLE_FILES
    assert "\\label{tab:main}" in paths["table.tex"].read_text()


def test_files_are_readable_by_others(result, tmp_path):
    paths = write_report(result, tmp_path, figures=False)
    umask = os.umask(0)
    os.umask(umask)
    for path in paths.values():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_report_is_atomic(result, tmp_path, monkeypatch):
    """A failure in the middle of writing a file leaves the previous file intact and no
    temporary file behind."""
    write_report(result, tmp_path, figures=False)
    before = (tmp_path / "table.tex").read_text()
    real = Path.write_text

    def partial(self, text, *args, **kwargs):
        if "tabular" in text:
            real(self, text[:20], *args, **kwargs)       # half-written, then the disk fills up
            raise OSError("disk full")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", partial)
    with pytest.raises(OSError, match="disk full"):
        write_report(result, tmp_path, figures=False)
    assert (tmp_path / "table.tex").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(TABLE_FILES)


def test_write_report_uses_atomic_write(result, tmp_path, monkeypatch):
    # the figures are written in forked worker processes too: the spy logs to a file
    log = tmp_path / "calls.log"
    real = atomic.atomic_write

    def spy(path, write):
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(path.name + "\n")
        return real(path, write)

    monkeypatch.setattr(atomic, "atomic_write", spy)
    paths = write_report(result, tmp_path / "report", formats=("png", "pdf"))
    assert sorted(log.read_text(encoding="utf-8").split()) == sorted(paths)


def test_write_report_rejects_non_result(tmp_path):
    with pytest.raises(ConfigError, match="must be a ComparisonResult"):
        write_report({"a": 1}, tmp_path)


def test_write_table(result, tmp_path):
    paths = write_table(main_table(result), tmp_path, "main", caption="Main")
    assert set(paths) == {"main.md", "main.tex", "main.csv"}
    assert "\\label{tab:main}" in paths["main.tex"].read_text()


def test_render_console(result):
    buf = io.StringIO()
    from report._paper import with_verdicts

    render_console(with_verdicts(result), Console(file=buf, width=160, color_system=None), width=160)
    text = buf.getvalue()
    assert "Official score ↑" in text and "Error distance ↓" in text
    assert "0.450 ± 0.016" in text and "+0.040" in text
    # extra contrasts are rows of the block, one per metric, with p (adjusted p) and the mark
    lines = [ln for ln in text.splitlines() if "circumplex − uniform" in ln]
    assert len(lines) == 2
    assert "−0.126" in lines[1] and "0.0625 (0.25)§" in lines[1]
    assert "no difference shown" in lines[1]
    assert "…" not in text and "continued" not in text
    assert "§ the test cannot reach p < 0.05 whatever the data: with n = 5 seeds" in text

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="figures are forked on Linux only")
def test_figures_drawn_in_workers_have_the_bytes_of_one_process(result, tmp_path, monkeypatch):
    # each figure is drawn and written by a task on every core; one process gives the same files
    from affectctl._util import forked

    many = write_report(result, tmp_path / "many", formats=("png", "pdf", "svg"))
    monkeypatch.setattr(forked, "MAX_WORKERS", 1)
    one = write_report(result, tmp_path / "one", formats=("png", "pdf", "svg"))
    figures = [n for n in one if n.rsplit(".", 1)[-1] in ("png", "pdf", "svg")]
    assert len(figures) >= 15 and sorted(many) == sorted(one)
    for name in figures:
        assert many[name].read_bytes() == one[name].read_bytes(), name


def test_a_worker_inside_a_batch_writes_its_figures(tmp_path):
    # a forked task inherits its parent's batch, which cannot take its figures: it writes them
    from matplotlib.figure import Figure

    from affectctl._util.forked import run_forked
    from affectctl.report.figures.save import figure_batch, write_figure

    def draw(i):
        def task():
            fig = Figure()
            fig.subplots().plot([0, i])
            return write_figure(fig, tmp_path, f"f{i}", ("png",))
        return task

    with figure_batch(workers=1):
        out = run_forked([draw(i) for i in range(4)], workers=2)
    assert all(p.exists() for files in out for p in files.values())
