"""The second hardening corpus: outputs that cannot be abused, reports whole or absent,
inputs that cannot crash or hang (issue 27).

Table-driven like :mod:`test_bad_inputs`: each :class:`Case` is a command line and what
its one stderr line must hold. ``kind`` is ``"error"`` (exit 2, one ``affectctl: error:``
line), ``"warn"`` (exit 0 and an ``affectctl: warning:`` line holding the needles) or
``"ok"`` (exit 0, no error line; the needles are in stdout or stderr). ``{w}`` is the
session's fixture folder, ``{tmp}`` a fresh folder per case. The tests below the table
check what one command line cannot: escaping in every medium (pdflatex compiles the
tables), two concurrent writers, a killed writer, a full disk, and byte-identical
results under a row shuffle.

Every case runs in-process (typer's CliRunner) on 40-row files; nothing trains.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _synth import synthetic_frame
from typer.testing import CliRunner

from affectctl.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
OSC = "x\x1b]0;pwned\x07\x1b[31mRED"


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple
    needles: tuple = ()
    kind: str = "error"

    def param(self):
        return pytest.param(self, id=self.id)


def _messages(stderr: str) -> list:
    """stderr's messages, one per item: a warning wrapped at the terminal width continues on
    lines indented by two spaces (affectctl.cli._app.err_line), joined back here."""
    out = []
    for ln in stderr.splitlines():
        if ln.startswith("  ") and out:
            out[-1] += " " + ln.strip()
        elif ln.strip():
            out.append(ln)
    return out


def C(id, *args, needles=(), kind="error"):  # noqa: N802 - table constructor
    return Case(id, tuple(args), tuple([needles] if isinstance(needles, str) else needles), kind)


# ----------------------------------------------------------------------------- the world


def _frame(seed=0):
    return synthetic_frame(n=40, seed=seed, n_groups=4)


def _read(path):
    return pd.read_csv(path, dtype={"sample_id": str, "group": str}, keep_default_na=False)


def _plan(w: Path, **over) -> str:
    base = {"name": "p", "conditions": ["base", "other"], "runs": str(w / "planruns"),
            "permutations": 9, "figures": False}
    base.update(over)
    lines = [f"{k} = {json.dumps(v)}" for k, v in base.items() if v is not None]
    return "\n".join(lines) + '\n[[tables]]\nname = "t"\nmetrics = ["accuracy"]\n'


def _runs(root: Path, names=("base", "other")):
    truth = _frame(0)
    for c, off in zip(names, (0, 10)):
        d = root / c
        d.mkdir(parents=True)
        for s in range(3):
            f = _frame(s + off)
            for col in ["y_true", "group", "sample_id"] + [x for x in f.columns if x.endswith("_true")]:
                f[col] = truth[col]
            f.to_csv(d / f"seed-{s}.csv", index=False)


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Path:
    w = tmp_path_factory.mktemp("world2")
    good = _frame(0)
    good.to_csv(w / "good.csv", index=False)
    other = _frame(3)
    for col in ["sample_id", "group"] + [c for c in good.columns if c.endswith("_true")]:
        other[col] = good[col]
    other.to_csv(w / "good2.csv", index=False)
    _runs(w / "runs")
    (w / "planruns").mkdir()
    shutil.copytree(w / "runs", w / "planruns" / "ds")
    # hostile condition folders, one runs folder each
    for tag, name in (("osc", OSC), ("newline", "a\nb"), ("rtl", "abc\u202edcba")):
        _runs(w / f"runs-{tag}", names=("base", name))
    alias = w / "runs-alias"
    _runs(alias)
    os.symlink("base", alias / "alias")
    # values
    df = _read(w / "good.csv")
    na = df.copy()
    na.loc[3, "sample_id"], na.loc[4, "sample_id"] = "NA", "None"
    na.loc[5, "group"], na.loc[6, "group"] = "null", "nan"
    na.to_csv(w / "na.csv", index=False)
    na.to_parquet(w / "na.parquet", index=False)
    empty = df.copy()
    empty.loc[7, "group"] = ""
    empty.to_csv(w / "empty-group.csv", index=False)
    empty.to_parquet(w / "empty-group.parquet", index=False)
    df.rename(columns={"group": "Video_ID"}).assign(notes="x").to_csv(w / "near-video.csv", index=False)
    df.rename(columns={"group": "Group"}).to_parquet(w / "near-group.parquet", index=False)
    df.rename(columns={"group": "video"}).to_csv(w / "near-video2.csv", index=False)
    df.assign(y_true=-1).to_csv(w / "all-minus-1.csv", index=False)
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False).append_column(
        "emb_0", pa.array([[0.1, 0.2]] * len(df), pa.list_(pa.float64())))
    pq.write_table(table, w / "list-column.parquet")
    lines = (w / "good.csv").read_text().splitlines()
    (w / "comment.csv").write_text("# exported by a tool\n" + "\n".join(lines) + "\n")
    (w / "sep.csv").write_text("sep=,\n" + "\n".join(lines) + "\n")
    nul = list(lines)
    nul[20] = nul[20].replace("v0", "v\x000", 1)
    (w / "nul.csv").write_text("\n".join(nul) + "\n")
    (w / "trailing-comma.csv").write_text(lines[0] + "\n" + "\n".join(x + "," for x in lines[1:]) + "\n")
    multi = list(lines)
    cells = multi[3].split(",")
    cells[0] = '"v003/\nx"'
    multi[3] = ",".join(cells)
    cells = multi[10].split(",")
    cells[2] = "99"
    multi[10] = ",".join(cells)
    (w / "multi-line.csv").write_text("\n".join(multi) + "\n")  # record 11 starts on line 12
    # a path holding '=' that exists, beside the file its name=path reading would name
    shutil.copy(w / "good.csv", w / "a=good2.csv")
    shutil.copy(w / "good2.csv", w / "lone=x.csv")
    shutil.copy(w / "good.csv", w / f"{OSC}.csv")  # a hostile file name (not a condition)
    shutil.copy(w / "good.csv", w / "[red]x.csv")    # Rich markup in a file name
    # special files
    os.mkfifo(w / "fifo.csv")
    os.mkfifo(w / "fifo.toml")
    # plans
    deep = "x = " + "[" * 3000 + "]" * 3000 + "\n"
    plans = {
        "plan-dup-tables": _plan(w) + '[[tables]]\nname = "t"\nmetrics = ["official_score"]\n',
        "plan-seed-negative": _plan(w, seed=-1),
        "plan-unknown-dataset": _plan(w, runs=None, datasets=["sim-nope"]),
        "plan-name-osc": _plan(w, name=OSC),
        "plan-condition-newline": _plan(w, conditions=["base", "a\nb"]),
        "plan-deep": deep + _plan(w),
        "plan-table-blank-line": _plan(w).replace('name = "t"', 'name = "t\\n\\nu"'),
    }
    for name, text in plans.items():
        (w / f"{name}.toml").write_text(text)
    m = w / "models"
    m.mkdir()
    (m / "tiny.toml").write_text("epochs = 3\nbatch_size = 64\nhidden = 16\nreduce_dim = 8\n")
    (m / "deep.toml").write_text("x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    np.savez(w / "object.npz", X=np.array([[1, "a"]], dtype=object), label=np.array([0]))
    launchers = {
        "launch-account": 'account = "a b"',
        "launch-extra-time": 'additional_parameters = {time = "10"}',
        "launch-extra-newline": 'additional_parameters = {constraint = "a\\nb"}',
        "launch-gres": 'gres = "gpu 1"',
        "launch-gpus": "gpus = 0",
        "launch-keep-logs": 'keep_logs = "yes"',
        "launch-deep": "x = " + "[" * 3000 + "]" * 3000,
    }
    for name, body in launchers.items():
        (w / f"{name}.toml").write_text("[launcher]\ntype = \"slurm\"\n" + body + "\n"
                                        if name != "launch-deep" else body + "\n")
    return w


_CMP = ("--permutations", "19", "--no-figures", "-q")
_TR = ("train", "tiny", "--models", "{w}/models", "--out", "{tmp}/o", "--workers", "1", "-q")
LONG = "n" * 300

CASES = [
    # S1-S4: names validated where they enter
    C("s1-condition-folder-osc", "compare", "base", OSC, "--runs", "{w}/runs-osc", *_CMP,
      needles=("`condition`", "printable", "U+001B", "\\x1b")),
    C("s1-name-path-osc", "compare", f"{OSC}={{w}}/good.csv", "{w}/good2.csv", *_CMP,
      needles=("name=path", "printable", "\\x1b")),
    C("s1-report-name-osc", "compare", "{w}/good.csv", "{w}/good2.csv", "--name", OSC, *_CMP,
      needles=("--name", "printable")),
    C("s1-plan-name-osc", "report", "{w}/plan-name-osc.toml", "--out", "{tmp}/r",
      needles=("plan-name-osc.toml", "`name`", "printable")),
    C("s1-diagnose-folder-osc", "diagnose", "--runs", "{w}/runs-osc", "--out", "{tmp}/d",
      "--no-figures", "-q", needles=("`condition`", "printable")),
    C("s1-audit-file-name-osc", "audit", f"{{w}}/{OSC}.csv", kind="ok", needles=("x\\x1b]0;pwned",)),
    C("s1-audit-file-name-markup", "audit", "{w}/[red]x.csv", kind="ok", needles=("[red]x.csv",)),
    C("s3-condition-folder-newline", "compare", "base", "a\nb", "--runs", "{w}/runs-newline", *_CMP,
      needles=("`condition`", "U+000A")),
    C("s3-name-path-newline", "compare", "a\nb={w}/good.csv", "{w}/good2.csv", *_CMP,
      needles=("name=path", "U+000A")),
    C("s3-plan-condition-newline", "report", "{w}/plan-condition-newline.toml", "--out", "{tmp}/r",
      needles=("`conditions`", "printable")),
    C("s3-plan-table-blank-line", "report", "{w}/plan-table-blank-line.toml", "--out", "{tmp}/r",
      needles=("`tables.name`", "printable")),
    C("s1-rtl-override", "compare", "base", "abc\u202edcba", "--runs", "{w}/runs-rtl", *_CMP,
      needles=("`condition`", "U+202E")),
    C("s4-name-path-escape", "compare", "../../esc={w}/good.csv", "{w}/good2.csv", *_CMP,
      needles=("name=path", "../../esc", "plain name")),
    C("s4-name-path-absolute", "compare", "/tmp/esc={w}/good.csv", "{w}/good2.csv", *_CMP,
      needles=("name=path", "/tmp/esc")),
    C("t3-name-path-backslash", "compare", "a\\b={w}/good.csv", "{w}/good2.csv", *_CMP,
      needles=("name=path", "separators")),
    C("s-name-too-long", "compare", f"{LONG}={{w}}/good.csv", "{w}/good2.csv", *_CMP,
      needles=("name=path", "at most 128")),
    # D2, D6, D7, D9
    C("d2-plan-duplicate-tables", "report", "{w}/plan-dup-tables.toml", "--out", "{tmp}/r",
      needles=("plan-dup-tables.toml", "`tables.name` 't'", "tables 1, 2")),
    C("d6-near-miss-video-id", "audit", "{w}/near-video.csv", kind="warn",
      needles=("near-video.csv", "'Video_ID'", "`group`", "'notes'", "2 column(s)")),
    C("d6-near-miss-video", "audit", "{w}/near-video2.csv", kind="warn", needles=("'video'", "`group`")),
    C("d6-near-miss-group-parquet", "audit", "{w}/near-group.parquet", kind="warn",
      needles=("near-group.parquet", "'Group'", "`group`")),
    C("d7-empty-group-csv", "audit", "{w}/empty-group.csv", needles=("empty-group.csv", "line 9", "group")),
    C("d7-empty-group-parquet", "audit", "{w}/empty-group.parquet",
      needles=("empty-group.parquet", "line 9", "group")),
    C("d9-symlink-alias", "compare", "base", "alias", "--runs", "{w}/runs-alias", *_CMP,
      needles=("'base'", "'alias'", "one folder")),
    C("d5-all-minus-1", "audit", "{w}/all-minus-1.csv", kind="ok", needles=("expression 40 (label -1)",)),
    # T1-T6
    C("t1-parquet-list-column", "audit", "{w}/list-column.parquet",
      needles=("list-column.parquet", "emb_0", "list<")),
    C("t2-plan-deep-toml", "report", "{w}/plan-deep.toml", "--out", "{tmp}/r",
      needles=("plan-deep.toml", "nested")),
    C("t2-condition-deep-toml", *_TR[:2], "deep", *_TR[2:], needles=("deep.toml", "nested")),
    C("t2-launcher-deep-toml", *_TR, "--launcher-config", "{w}/launch-deep.toml",
      needles=("launch-deep.toml", "nested")),
    C("t4-audit-fifo", "audit", "{w}/fifo.csv", needles=("fifo.csv", "named pipe")),
    C("t4-compare-fifo", "compare", "{w}/fifo.csv", "{w}/good2.csv", *_CMP,
      needles=("fifo.csv", "named pipe")),
    C("t4-truth-fifo", "audit", "{w}/good.csv", "--truth", "{w}/fifo.csv",
      needles=("fifo.csv", "named pipe")),
    C("t4-compare-truth-fifo", "compare", "{w}/good.csv", "{w}/good2.csv", "--truth", "{w}/fifo.csv",
      *_CMP, needles=("--truth", "fifo.csv", "named pipe")),
    C("t4-plan-fifo", "report", "{w}/fifo.toml", needles=("fifo.toml", "named pipe")),
    C("t4-launcher-fifo", *_TR, "--launcher-config", "{w}/fifo.toml", needles=("fifo.toml", "named pipe")),
    C("u2-audit-dev-zero", "audit", "/dev/zero", needles=("/dev/zero", "character device")),
    C("u2-audit-dev-urandom", "audit", "/dev/urandom", needles=("/dev/urandom", "character device")),
    C("u2-audit-proc", "audit", "/proc/self/status", needles=("/proc/self/status", "virtual file")),
    C("u2-geometry-dev-zero", "audit", "{w}/good.csv", "--geometry", "/dev/zero.csv",
      needles=("/dev/zero.csv",)),
    C("u2-features-dev-zero", *_TR, "--features", "/dev/zero", needles=("/dev/zero", "character device")),
    C("t5-power-samples-huge", "power", "--samples", "1000000000000",
      needles=("--samples", "10,000,000", "documented limit")),
    C("t5-power-samples-zero", "power", "--samples", "0", needles=("--samples",)),
    C("t6-npz-object-array", *_TR, "--features", "{w}/object.npz", needles=("object.npz", "pickle")),
    # U1, U3, U4
    C("u1-na-ids-csv", "audit", "{w}/na.csv", kind="ok", needles=("40 samples",)),
    C("u1-na-ids-parquet", "audit", "{w}/na.parquet", kind="ok", needles=("40 samples",)),
    C("u3-multi-line-field", "audit", "{w}/multi-line.csv", needles=("multi-line.csv", "line 12", "y_true")),
    C("u4-comment-line", "audit", "{w}/comment.csv", needles=("comment.csv", "line 1", "comment")),
    C("u4-sep-line", "audit", "{w}/sep.csv", needles=("sep.csv", "line 1", "'sep=,'")),
    C("u4-nul-byte", "audit", "{w}/nul.csv", needles=("nul.csv", "line 21", "NUL")),
    C("u4-trailing-comma", "audit", "{w}/trailing-comma.csv",
      needles=("trailing-comma.csv", "trailing comma")),
    # U5-U8
    C("u5-out-too-long", "compare", "{w}/good.csv", "{w}/good2.csv", "--out", f"{{tmp}}/{LONG}", *_CMP,
      needles=("--out", "255")),
    C("u5-name-too-long", "compare", "{w}/good.csv", "{w}/good2.csv", "--name", LONG, *_CMP,
      needles=("--name", "128")),
    C("u5-diagnose-out-too-long", "diagnose", "--runs", "{w}/runs", "--out", f"{{tmp}}/{LONG}",
      needles=("--out", "255")),
    # (u6 cases run in {w}: 'a=good2.csv' is a file there, and so is 'good2.csv')
    C("u6-equals-path-exists", "compare", "a=good2.csv", "good2.csv", *_CMP, "--out", "{tmp}/r",
      kind="warn", needles=("'a=good2.csv' is read as the file", "not as condition 'a'")),
    C("u6-equals-path-alone", "compare", "lone=x.csv", "good.csv", *_CMP, "--out", "{tmp}/r",
      kind="ok", needles=("report written",)),
    C("u6-neither", "compare", "q={w}/nope.csv", "{w}/good.csv", *_CMP,
      needles=("nope.csv", "neither")),
    C("u7-plan-seed-negative", "report", "{w}/plan-seed-negative.toml", "--out", "{tmp}/r",
      needles=("plan-seed-negative.toml", "`seed`")),
    C("u7-plan-unknown-dataset", "report", "{w}/plan-unknown-dataset.toml", "--out", "{tmp}/r",
      needles=("plan-unknown-dataset.toml", "unknown dataset 'sim-nope'", "sim-affwild2")),
    C("u8-diagnose-top-negative", "diagnose", "--runs", "{w}/runs", "--top", "-1",
      needles=("--top", ">= 0")),
    # Slurm launcher files
    C("slurm-account", *_TR, "--launcher-config", "{w}/launch-account.toml", needles=("account", "'a b'")),
    C("slurm-extra-managed", *_TR, "--launcher-config", "{w}/launch-extra-time.toml",
      needles=("additional_parameters", "--time", "set by affectctl")),
    C("slurm-extra-newline", *_TR, "--launcher-config", "{w}/launch-extra-newline.toml",
      needles=("additional_parameters", "--constraint")),
    C("slurm-gres", *_TR, "--launcher-config", "{w}/launch-gres.toml", needles=("gres", "gpu:1")),
    C("slurm-gpus", *_TR, "--launcher-config", "{w}/launch-gpus.toml", needles=("gpus", "positive")),
    C("slurm-keep-logs", *_TR, "--launcher-config", "{w}/launch-keep-logs.toml",
      needles=("keep_logs", "true or false")),
]


def _fmt(arg, world: Path, tmp: Path) -> str:
    return str(arg).replace("{w}", str(world)).replace("{tmp}", str(tmp))


def _unblock_fifos(world: Path, stop: threading.Event, after: float = 20.0):
    """If a reader blocks on a FIFO (the defect this corpus guards against), open its writing
    end after ``after`` seconds so the test fails instead of hanging."""
    if stop.wait(after):
        return
    for fifo in world.glob("fifo.*"):
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass


def test_corpus_covers_every_point_of_the_issue():
    ids = {c.id.split("-")[0] for c in CASES}
    assert {"s1", "s3", "s4", "d2", "d5", "d6", "d7", "d9", "t1", "t2", "t3", "t4", "u2", "t5",
            "t6", "u1", "u3", "u4", "u5", "u6", "u7", "u8", "slurm"} <= ids
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_case(case: Case, world, tmp_path, monkeypatch):
    monkeypatch.chdir(world if case.id.startswith("u6-") else tmp_path)
    monkeypatch.setenv("COLUMNS", "80")
    args = [_fmt(a, world, tmp_path) for a in case.args]
    stop = threading.Event()
    guard = threading.Thread(target=_unblock_fifos, args=(world, stop), daemon=True)
    guard.start()
    t0 = time.monotonic()
    try:
        result = runner.invoke(app, args)
    finally:
        stop.set()
        guard.join()
    err = _messages(result.stderr)
    where = f"\nargs: {args!r}\nexit {result.exit_code}\nstderr:\n{result.stderr}\nstdout:\n{result.stdout[-1500:]}"
    assert time.monotonic() - t0 < 20, "blocked (a FIFO was opened?)" + where
    assert "Traceback" not in result.output + result.stderr, where
    assert result.exception is None or isinstance(result.exception, SystemExit), where + repr(result.exception)
    assert "\x1b" not in result.stderr + result.stdout, "a raw escape reached the terminal" + where
    needles = [_fmt(n, world, tmp_path) for n in case.needles]
    if case.kind == "error":
        assert result.exit_code == 2, where
        assert len(err) == 1 and err[0].startswith("affectctl: error: "), where
        for n in needles:
            assert n in err[0], f"{n!r} not in the error line{where}"
    else:
        assert result.exit_code == 0, where
        assert not any(ln.startswith("affectctl: error:") for ln in err), where
        if case.kind == "warn":
            assert [ln for ln in err if ln.startswith("affectctl: warning:")
                    and all(n in ln for n in needles)], where
        else:
            for n in needles:
                assert n in result.stdout + result.stderr, f"{n!r} not in the output{where}"
    assert not (world.parent / "esc").exists() and not Path("/tmp/esc").exists()


# ----------------------------------------------------------------------------- every medium

#: Names a condition may have (accepted at entry) that writers must still escape.
ACCEPTED = {"formula": '=HYPERLINK("evil.example","y")', "plus": "+cmd|' -C calc'!A0", "at": "@SUM(1+1)",
            "cjk": "基线模型", "fullwidth": "ＢＡＳＥ", "html": "<i>x<i>&amp", "latex": "a_b%$#{}~^\\x"}


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """One compare report whose conditions carry every accepted hostile name."""
    w = tmp_path_factory.mktemp("hostile")
    names = [n for k, n in ACCEPTED.items() if k != "latex"]  # a backslash is not a plain name
    _runs(w / "runs", names=("base", "other"))
    for n in names:
        shutil.copytree(w / "runs" / "other", w / "runs" / n)
    shutil.rmtree(w / "runs" / "other")
    res = runner.invoke(app, ["compare", "base", *names, "--runs", str(w / "runs"), "--out",
                              str(w / "rep"), "--permutations", "19", "--no-figures", "-q"])
    assert res.exit_code == 0, res.output
    return w / "rep", names, res


def test_latex_unsettable_names_are_one_warning(hostile_report):
    _, _, res = hostile_report
    lines = [ln for ln in _messages(res.stderr) if "pdflatex cannot set" in ln]
    assert len(lines) == 1 and "基线模型" in lines[0] and "U+57FA" in lines[0], res.stderr


def test_report_tables_compile_with_hostile_names(hostile_report, tmp_path):
    sys.path.insert(0, str(REPO / "tests" / "report"))
    from _paper import compile_tex

    rep, _, _ = hostile_report
    tex = {n: (rep / n).read_text() for n in ("table.tex", "table_full.tex")}
    assert "BASE" in tex["table.tex"] and "U+57FA" in tex["table.tex"]  # folded, transliterated
    compile_tex(tex, tmp_path)


def test_csv_cells_never_start_a_formula(hostile_report):
    import csv

    rep, _, _ = hostile_report
    for name in ("table.csv", "table_full.csv", "geometry_sensitivity.csv"):
        path = rep / name
        if not path.exists():
            continue
        with open(path, newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell)
                    if cell.startswith("-"):
                        float(cell)  # only numbers start with a minus
    assert "'=HYPERLINK" in (rep / "table.csv").read_text()


def test_markdown_rows_stay_whole(hostile_report):
    rep, names, _ = hostile_report
    for name in ("table.md", "table_full.md"):
        rows = [ln for ln in (rep / name).read_text().splitlines() if ln.startswith("|")]
        widths = {ln.replace("\\|", "").count("|") for ln in rows}
        assert len(widths) == 1, (name, widths)
        assert "<i>" not in (rep / name).read_text()


def test_html_holds_no_raw_markup_from_names(hostile_report):
    rep, _, _ = hostile_report
    page = (rep / "index.html").read_text()
    assert "<i>x<i>" not in page and "&lt;i&gt;x&lt;i&gt;&amp;amp" in page
    assert "\x1b" not in page


def test_library_writers_escape_control_characters(tmp_path):
    """A name that reaches the writers through the library API (no entry check) cannot
    split a Markdown row, inject HTML, reach a terminal raw or break LaTeX."""
    from affectctl.report.escape import for_terminal
    from affectctl.report.html import table_html
    from affectctl.report.latex import tex_escape
    from affectctl.report.markdown import _md_cell, to_csv

    table = pd.DataFrame({"condition": [OSC, "a\nb|c", "=1+1"], "value": ["1", "2", "3"]})
    row = "| " + " | ".join(_md_cell(v) for v in table["condition"]) + " |"
    assert "\x1b" not in row and "\n" not in row and row.replace("\\|", "").count("|") == 4
    assert "'=1+1" in to_csv(table)
    assert "\x1b" not in table_html(table) and "\x1b" not in tex_escape(OSC)
    assert "\x1b" not in for_terminal(OSC)


def test_compare_warnings_take_names_as_text():
    """T3: a backslash in a condition name is text in compare's messages, not a regex
    template (``re.error: bad escape``)."""
    from affectctl.compare.parts import _About

    rec = _About.__new__(_About)
    rec.a, rec.b = "a\\g<0>", "b\\1"
    assert rec._words("A and B differ") == "a\\g<0> and b\\1 differ"


# ----------------------------------------------------------------------------- whole reports


def _compare(world, out, *extra):
    return [sys.executable, "-m", "affectctl", "compare", str(world / "good.csv"),
            str(world / "good2.csv"), "--out", str(out), "--permutations", "19", "-q", *extra]


def test_second_writer_is_refused_naming_the_holder(world, tmp_path):
    """D3: while one writer holds the folder, another gets one line naming the folder and
    the holder's pid; the first writes a whole report."""
    from affectctl.errors import ConfigError
    from affectctl.io.atomic import whole_folder

    out = tmp_path / "rep"
    with whole_folder(out) as tmp:
        (tmp / "results.json").write_text("{}")
        res = runner.invoke(app, ["compare", str(world / "good.csv"), str(world / "good2.csv"),
                                  "--out", str(out), "--permutations", "19", "--no-figures", "-q"])
        assert res.exit_code == 2, res.output
        err = [ln for ln in res.stderr.splitlines() if ln.startswith("affectctl: error:")]
        assert len(err) == 1 and str(out) in err[0] and f"pid {os.getpid()}" in err[0], err
        with pytest.raises(ConfigError, match="being written by another"):
            with whole_folder(out):
                pass
    assert sorted(p.name for p in out.iterdir()) == ["results.json"]
    assert not list(tmp_path.glob(".rep.*"))  # no temporary, no lock left


def test_two_concurrent_writers_leave_one_whole_report(world, tmp_path):
    """D3: two writers of one folder at once (two threads, each its own lock descriptor,
    as two processes would have): each finishes or is refused in one message; the folder
    is one writer's report, whole, and no temporary is left."""
    import dataclasses

    from affectctl.compare import compare
    from affectctl.errors import ConfigError
    from affectctl.io.runs import load_runs
    from affectctl.report import write_report

    runset = load_runs(world / "runs", ["base", "other"])
    results = [compare(runset, "base", ("other",), n_resamples=19, rng=s) for s in (1, 2)]
    results = [dataclasses.replace(r, settings={**r.settings, "seed": s})
               for r, s in zip(results, (1, 2))]
    out = tmp_path / "rep"
    barrier = threading.Barrier(2)
    outcome: dict = {}

    def write(i):
        barrier.wait()
        try:
            write_report(results[i], out, figures=False)
            outcome[i] = "written"
        except ConfigError as exc:
            outcome[i] = str(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert "written" in outcome.values(), outcome
    for v in outcome.values():
        assert v == "written" or ("being written by another affectctl run (pid" in v and str(out) in v)
    files = sorted(p.name for p in out.iterdir())
    assert {"results.json", "index.html", "table.tex", "table.csv"} <= set(files)
    seed = json.loads((out / "results.json").read_text())["settings"]["seed"]
    assert seed in (1, 2)
    assert not list(tmp_path.glob(".rep.*"))


def test_kill_9_leaves_the_previous_report_and_the_next_run_cleans_up(world, tmp_path):
    """D4: a writer killed mid-report leaves the previous report untouched (or nothing);
    the next run removes its temporary folder."""
    out = tmp_path / "rep"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = _compare(world, out, "--no-figures")[3:]  # in this process: no start-up to pay
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = subprocess.Popen(_compare(world, out), env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:  # figures are being written
        if any(any(t.iterdir()) for t in tmp_path.glob(".rep.tmp-*")):
            break
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert list(tmp_path.glob(".rep.tmp-*"))  # the killed run's temporary folder
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert not list(tmp_path.glob(".rep.*")), list(tmp_path.iterdir())


_HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)
os.pwrite(fd, sys.argv[2].encode() + b"\\n", 0)   # the pid of a writer that has ended
print("held", flush=True)
time.sleep(float(sys.argv[3]))
"""


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.mark.parametrize("held_s, waited", [(0.5, True), (30.0, False)])
def test_a_lock_left_by_the_workers_of_an_ended_writer_is_waited_for_briefly(
        tmp_path, monkeypatch, held_s, waited):
    """A writer killed with kill -9 leaves its lock held by its workers for an instant
    (they end with it): the next run waits for them; a lock still held after
    ORPHAN_WAIT_S is refused, saying the writer has ended."""
    from affectctl.errors import ConfigError
    from affectctl.io import atomic

    monkeypatch.setattr(atomic, "ORPHAN_WAIT_S", 1.5)
    out = tmp_path / "rep"
    dead = _dead_pid()
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(tmp_path / ".rep.lock"),
                               str(dead), str(held_s)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        if waited:
            with atomic.whole_folder(out) as tmp:
                (tmp / "results.json").write_text("{}")
            assert (out / "results.json").exists()
        else:
            with pytest.raises(ConfigError, match=f"pid {dead}, which has ended; its worker"):
                with atomic.whole_folder(out):
                    pass
    finally:
        holder.kill()
        holder.communicate()


def test_a_killed_writer_not_yet_reaped_has_ended():
    """kill -9 of a writer whose parent has not waited for it yet leaves a zombie, which
    still answers kill(pid, 0): it has ended all the same."""
    from affectctl.io.atomic import _has_ended

    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not _has_ended(str(proc.pid))
        proc.kill()
        deadline = time.monotonic() + 10
        while not _has_ended(str(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _has_ended(str(proc.pid))           # a zombie until the wait below
    finally:
        proc.wait()
    assert _has_ended(str(proc.pid)) and not _has_ended("unknown")


def test_a_lock_of_a_running_writer_is_refused_at_once(tmp_path):
    from affectctl.errors import ConfigError
    from affectctl.io.atomic import whole_folder

    holder = subprocess.Popen([sys.executable, "-c", _HOLD_LOCK, str(tmp_path / ".rep.lock"),
                               str(os.getpid()), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with pytest.raises(ConfigError, match=f"pid {os.getpid()}\\); wait"):
            with whole_folder(tmp_path / "rep"):
                pass
        assert time.monotonic() - start < 1.0
    finally:
        holder.kill()
        holder.communicate()


def test_killed_between_the_two_renames_gets_the_previous_report_back(tmp_path):
    from affectctl.io.atomic import whole_folder

    out = tmp_path / "rep"
    (tmp_path / ".rep.old-99").mkdir()
    (tmp_path / ".rep.old-99" / "results.json").write_text("previous")
    (tmp_path / ".rep.tmp-abc").mkdir()
    with pytest.raises(RuntimeError):
        with whole_folder(out):
            assert (out / "results.json").read_text() == "previous"
            raise RuntimeError("stop")
    assert (out / "results.json").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rep"]


def test_a_folder_with_other_files_is_never_replaced(world, tmp_path):
    out = tmp_path / "mine"
    (out / "data").mkdir(parents=True)
    (out / "data" / "x.parquet").write_text("mine")
    (out / "notes.txt").write_text("mine")
    runs = tmp_path / "runs" / "base"  # a condition's dumps are data, never a report
    runs.mkdir(parents=True)
    (runs / "seed-0.csv").write_text("sample_id\n")
    res = runner.invoke(app, ["compare", str(world / "good.csv"), str(world / "good2.csv"), "--out",
                              str(runs), "--permutations", "19", "--no-figures", "-q"])
    assert res.exit_code == 2 and "seed-0.csv" in res.stderr and (runs / "seed-0.csv").exists()
    res = runner.invoke(app, ["compare", str(world / "good.csv"), str(world / "good2.csv"), "--out",
                              str(out), "--permutations", "19", "--no-figures", "-q"])
    assert res.exit_code == 2 and "not part of a report" in res.stderr and "notes.txt" in res.stderr
    assert "data" in res.stderr and (out / "notes.txt").read_text() == "mine"


def test_full_disk_names_the_file(world, tmp_path, monkeypatch):
    """D4: ENOSPC while writing says which file (under --out), in one line."""
    from affectctl.io import atomic

    real = Path.write_text

    def full(self, text, *args, **kwargs):
        if self.name.startswith(".table.tex."):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    out = tmp_path / "rep"
    res = runner.invoke(app, ["compare", str(world / "good.csv"), str(world / "good2.csv"), "--out",
                              str(out), "--permutations", "19", "--no-figures", "-q"])
    err = [ln for ln in res.stderr.splitlines() if ln.startswith("affectctl: error:")]
    assert res.exit_code == 2 and len(err) == 1 and "Traceback" not in res.stderr, res.stderr
    assert f"{out / 'table.tex'}: no space left on device" in err[0], err
    assert not out.exists() and not list(tmp_path.glob(".rep.*"))
    assert atomic  # the module under test


# ----------------------------------------------------------------------------- row order


def test_results_are_identical_bytes_under_a_row_shuffle(tmp_path, monkeypatch):
    """D8: shuffling the rows of runs (examples/runs) leaves results.json byte-identical."""
    for x in ("a", "b"):
        shutil.copytree(REPO / "examples" / "runs", tmp_path / x / "runs")
    rng = np.random.default_rng(0)
    for cond, seed in (("base", 2), ("uniform", 0)):
        f = tmp_path / "b" / "runs" / cond / f"seed-{seed}.csv"
        d = _read(f)
        d.iloc[rng.permutation(len(d))].to_csv(f, index=False)
    digests = []
    for x in ("a", "b"):
        monkeypatch.chdir(tmp_path / x)
        res = runner.invoke(app, ["compare", "base", "uniform", "--runs", "runs",
                                  "--out", "rep", "--permutations", "99", "--no-figures", "-q"])
        assert res.exit_code == 0, res.output
        digests.append(json.loads((tmp_path / x / "rep" / "results.json").read_bytes()))
    # the provenance block records each input file's SHA-256, which a shuffle changes (the
    # files differ); everything computed from them must not
    inputs = [{i["path"]: i["sha256"] for i in d.pop("inputs")} for d in digests]
    changed = {p for p in inputs[0] if inputs[0][p] != inputs[1].get(p)}
    assert changed == {"runs/base/seed-2.csv", "runs/uniform/seed-0.csv"}, changed
    assert json.dumps(digests[0], indent=2) == json.dumps(digests[1], indent=2)


def test_in_sample_id_order_is_a_permutation_invariant():
    from affectctl.io.columns import dump_from_frame
    from affectctl.io.runs import in_sample_id_order

    frame = _frame(0)
    a = in_sample_id_order(dump_from_frame(frame))
    b = in_sample_id_order(dump_from_frame(frame.sample(frac=1, random_state=1)))
    for f in ("sample_id", "y_true", "y_pred", "proba", "group", "va_true", "au_true"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
