"""A corpus of bad and odd inputs: every one exits 2 with one line, or is read as documented.

The README promises: errors in input or options print one line naming the file, line
and column (or the option) and exit with status 2, without a traceback; nothing is
skipped or reinterpreted without a warning that names and counts it. This file holds
that promise for every command (audit, compare, diagnose, train, report) over one
parametrized table, :data:`CASES`. To add a case, append a :class:`Case`:

- ``args``: the command line; ``{name}`` is replaced by the path of fixture file
  ``name`` (see :func:`_world`: the good files, and one bad file per maker in
  :data:`DUMP_BREAKS`, :data:`FILES`), ``{tmp}`` by a fresh folder per test;
- ``needles``: words the one stderr line must contain (the file, the column, the option);
- ``warn=True``: a documented reading, so exit 0 and a ``affectctl: warning:`` line
  holding the needles instead of an error.

Everything is made here, tiny (40-row dumps, 3 seeds), and run in-process with typer's
CliRunner; only the two determinism tests train (3 epochs of a small model).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _synth import synthetic_frame
from typer.testing import CliRunner

from affectctl.cli import app

runner = CliRunner()

# ----------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple
    needles: tuple = ()
    warn: bool = False
    setup: object = None  # optional callable(world, tmp) run before the command

    def param(self):
        return pytest.param(self, id=self.id)


def C(id, *args, needles=(), warn=False, setup=None):  # noqa: N802 - table constructor
    return Case(id, tuple(args), tuple([needles] if isinstance(needles, str) else needles), warn, setup)


def _frame(n=40, seed=0):
    return synthetic_frame(n=n, seed=seed, n_groups=4)


def _with(col, values):
    def f(df):
        df = df.copy()
        df[col] = values(df) if callable(values) else values
        return df
    return f


def _set(col, row, value):
    def f(df):
        df = df.copy()
        df[col] = df[col].astype(object)
        df.loc[row, col] = value
        return df
    return f


def _drop(*cols):
    return lambda df: df.drop(columns=list(cols))


def _dup(col, new_pos=3):
    def f(df):
        cols = list(df.columns)
        data = [df[c] for c in cols]
        cols.insert(new_pos, col)
        data.insert(new_pos, df[col])
        out = pd.concat(data, axis=1)
        out.columns = cols
        return out
    return f


def _names(df):
    from affectctl.taxonomies import get_taxonomy

    classes = get_taxonomy("affwild2-expr8").classes
    df = df.copy()
    df["y_true"] = [classes[i] if i >= 0 else "-1" for i in df["y_true"]]
    df["y_pred"] = [classes[i] for i in df["y_pred"]]
    return df


def _rows(n):
    return lambda df: df.iloc[:n]


def _pscale(factor):
    def f(df):
        df = df.copy()
        for c in [c for c in df.columns if c.startswith("p_")]:
            df[c] = df[c] * factor
        return df
    return f


#: name -> (frame transformation, needles in the one error line, formats it applies to).
DUMP_BREAKS = {
    "no-sample-id": (_drop("sample_id"), ("column 'sample_id'", "required column"), "cp"),
    "no-y-true": (_drop("y_true"), ("column 'y_true'",), "cp"),
    "blank-sample-id": (_set("sample_id", 4, ""), ("line 6", "sample_id"), "cp"),
    "dup-sample-id": (_set("sample_id", 7, "v000/000000"), ("line 9", "duplicate sample_id"), "cp"),
    "y-true-fraction": (_with("y_true", lambda d: d["y_true"] + 0.5), ("line 2", "y_true", "not an integer"), "cp"),
    "y-true-99": (_set("y_true", 3, 99), ("line 5", "y_true", "out of range"), "cp"),
    "y-true-name-typo": (lambda d: _set("y_true", 5, "Joyful")(_names(d)), ("line 7", "Joyful"), "cp"),
    "y-true-name-in-indices": (_set("y_true", 2, "Anger"), ("line 4", "y_true", "not a class index"), "c"),
    "y-true-nan": (_set("y_true", 6, np.nan), ("line 8", "missing class label"), "cp"),
    "y-pred-99": (_set("y_pred", 1, 99), ("line 3", "y_pred", "out of range"), "cp"),
    "y-pred-minus-1": (_set("y_pred", 9, -1), ("line 11", "y_pred"), "cp"),
    "y-pred-bool": (_with("y_pred", lambda d: d["y_pred"] > 3), ("y_pred", "true/false"), "cp"),
    "y-true-bool": (_with("y_true", lambda d: d["y_true"] > 3), ("y_true", "true/false"), "cp"),
    "second-y-pred": (_dup("y_pred", 4), ("column 'y_pred'", "appears 2 times"), "c"),
    "dup-p-anger": (_dup("p_Anger", 6), ("column 'p_Anger'", "appears 2 times"), "c"),
    "dup-sample-id-column": (_dup("sample_id", 2), ("column 'sample_id'", "appears 2 times"), "c"),
    "no-p-fear": (_drop("p_Fear"), ("p_Fear", "missing"), "cp"),
    "zero-p-contempt": (_with("p_Contempt", 0.0), ("p_Contempt", "0 in every row", "affwild2-expr8"), "cp"),
    "p-nan": (_set("p_Anger", 3, np.nan), ("line 5", "p_Anger", "NaN"), "cp"),
    "p-inf": (_set("p_Fear", 8, np.inf), ("line 10", "p_Fear"), "cp"),
    "p-negative": (_set("p_Sadness", 2, -0.25), ("line 4", "p_Sadness", "negative"), "cp"),
    "p-logits": (_pscale(3.0), ("line 2", "sum to", "softmax"), "cp"),
    "p-text": (_set("p_Anger", 5, "high"), ("line 7", "p_Anger"), "c"),
    "p-unknown-class": (lambda d: d.rename(columns={"p_Other": "p_Joyful"}), ("p_Joyful",), "cp"),
    "v-true-1.5": (_set("v_true", 3, 1.5), ("line 5", "v_true", "outside [-1, 1]"), "cp"),
    "a-pred-2": (_set("a_pred", 0, 2.0), ("line 2", "a_pred", "outside"), "cp"),
    "v-pred-text": (_set("v_pred", 11, "high"), ("line 13", "v_pred", "non-numeric"), "c"),
    "va-partial": (_drop("a_true"), ("a_true", "VA columns"), "cp"),
    "au-true-2": (_set("au12_true", 5, 2), ("line 7", "au12_true", "not 0, 1 or -1"), "cp"),
    "au-pred-1.5": (_set("au4_pred", 6, 1.5), ("line 8", "au4_pred", "outside [0, 1]"), "cp"),
    "au-unpaired": (_drop("au25_pred"), ("au25_true", "partner"), "cp"),
    "group-missing": (_set("group", 9, np.nan), ("line 11", "group"), "cp"),
    "emb-text": (lambda d: d.assign(emb_0="x"), ("emb_0", "non-numeric"), "cp"),
    "header-only": (_rows(0), ("no data rows",), "cp"),
    "no-pred-no-proba": (_drop("y_pred", *[f"p_{c}" for c in ("Neutral", "Anger", "Disgust", "Fear",
                                                              "Happiness", "Sadness", "Surprise", "Other")]),
                         ("cannot infer the taxonomy", "--taxonomy"), "cp"),
    "whitespace-dup": (lambda d: d.rename(columns={"y_pred": " y_true"}), ("column 'y_true'", "appears 2"), "c"),
}

def _csv_bytes(df=None):
    return (_frame() if df is None else df).to_csv(index=False).encode()


def _non_utf8():
    lines = _csv_bytes().split(b"\n")
    lines[6] = lines[6].replace(b"v0", b"v\xff\xfe0", 1)
    return b"\n".join(lines)


#: Raw files: name -> (bytes maker, or None when built in :func:`_build_raw`; needles).
RAW_FILES = {
    "empty.csv": (lambda: b"", ("empty.csv", "empty")),
    "semicolon.csv": (lambda: _frame().to_csv(index=False, sep=";").encode(), ("semicolon", "sample_id")),
    "tab.csv": (lambda: _frame().to_csv(index=False, sep="\t").encode(), ("tab-delimited",)),
    "latin1.csv": (_non_utf8, ("latin1.csv", "line 7", "UTF-8")),
    "binary.csv": (lambda: bytes(range(256)) * 8, ("binary data",)),
    "truncated.parquet": (None, ("truncated.parquet", "Parquet")),
    "ragged.csv": (lambda: b"sample_id,y_true,y_pred\na,1,2\nb,1,2,3,4\n", ("ragged.csv",)),
    "blank-lines.csv": (lambda: b"\n\n\n", ("blank-lines.csv",)),
    "bad-meta.parquet": (None, ("bad-meta.parquet", "metadata")),
    "bad-sidecar.csv": (None, ("bad-sidecar.csv.meta.json", "JSON")),
}


def _build_raw(world: Path):
    for name, (make, _) in RAW_FILES.items():
        if make is not None:
            (world / name).write_bytes(make())
    good = world / "good.parquet"
    (world / "truncated.parquet").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(_frame(), preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                           b"affectctl": json.dumps({"taxonomy": "nope"}).encode()})
    pq.write_table(table, world / "bad-meta.parquet")
    _frame().to_csv(world / "bad-sidecar.csv", index=False)
    (world / "bad-sidecar.csv.meta.json").write_text("{not json")


def _write(df: pd.DataFrame, path: Path):
    if path.suffix == ".csv":
        df.to_csv(path, index=False)
    else:
        df = df.copy()
        for c in df.columns[df.dtypes == object]:
            if df[c].map(type).nunique() > 1:
                df[c] = df[c].map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
        df.to_parquet(path, index=False)


# ABAW per-video folders and multi-task files


def _abaw(world: Path):
    rng = np.random.default_rng(0)
    header = "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other"
    for kind in ("pred", "ann"):
        d = world / f"abaw-{kind}"
        d.mkdir()
        for v in ("vid1", "vid2"):
            vals = rng.integers(0, 8, 20)
            (d / f"{v}.txt").write_text(header + "\n" + "\n".join(map(str, vals)) + "\n")
    rows = [f"vid1/{i:05d}.jpg,0.1,0.2,{i % 8}," + ",".join(["0"] * 12) for i in range(1, 11)]
    (world / "mtl-ann.txt").write_text("image,valence,arousal,expression,aus\n" + "\n".join(rows) + "\n")
    (world / "mtl-pred.txt").write_text("image,valence,arousal,expression,aus\n" + "\n".join(rows) + "\n")


def _abaw_variant(world: Path, tmp: Path, change) -> None:
    for kind in ("pred", "ann"):
        shutil.copytree(world / f"abaw-{kind}", tmp / f"abaw-{kind}")
    change(tmp)


def _edit(rel, fn):
    def change(tmp):
        p = tmp / rel
        p.write_text(fn(p.read_text()))
    return change


def _mtl_variant(world, tmp, fn):
    for n in ("mtl-ann.txt", "mtl-pred.txt"):
        shutil.copy(world / n, tmp / n)
    p = tmp / "mtl-pred.txt"
    p.write_text(fn(p.read_text()))


# runs folders


def _runs(world: Path):
    """runs/{base,other}/seed-{0,1,2}.csv: paired, 40 samples, 4 videos."""
    truth = _frame(seed=0)
    for c, off in (("base", 0), ("other", 10)):
        d = world / "runs" / c
        d.mkdir(parents=True)
        for s in range(3):
            f = _frame(seed=s + off)
            f["y_true"], f["group"], f["sample_id"] = truth["y_true"], truth["group"], truth["sample_id"]
            for col in ("v_true", "a_true") + tuple(c for c in f.columns if c.endswith("_true") and c.startswith("au")):
                f[col] = truth[col]
            f.to_csv(d / f"seed-{s}.csv", index=False)


def _runs_variant(world, tmp, change):
    shutil.copytree(world / "runs", tmp / "runs")
    change(tmp / "runs")


def _touch(rel, data="x"):
    def change(runs):
        (runs / rel).write_text(data)
    return change


def _replace_seed(name, df_fn):
    def change(runs):
        _write(df_fn(pd.read_csv(runs / "base" / "seed-1.csv", dtype={"sample_id": str, "group": str})),
               runs / "base" / name)
        if name != "seed-1.csv":
            (runs / "base" / "seed-1.csv").unlink()
    return change


# plans


def _plan(world: Path, **over) -> str:
    base = {"name": "p", "conditions": ["base", "other"], "runs": str(world / "planruns"),
            "permutations": 9, "figures": False}
    base.update(over)
    lines = []
    for k, v in base.items():
        lines.append(f"{k} = {json.dumps(v)}")
    lines.append('[[tables]]\nname = "t"\nmetrics = ["accuracy"]')
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- the world


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> Path:
    w = tmp_path_factory.mktemp("world")
    good = _frame()
    good.to_csv(w / "good.csv", index=False)
    good.to_parquet(w / "good.parquet", index=False)
    for name, (fn, _, fmts) in DUMP_BREAKS.items():
        for ext, code in ((".csv", "c"), (".parquet", "p")):
            if code in fmts:
                _write(fn(good), w / f"{name}{ext}")
    _build_raw(w)
    _abaw(w)
    _runs(w)
    (w / "planruns").mkdir()
    shutil.copytree(w / "runs", w / "planruns" / "ds")
    (w / "a-file").write_text("not a folder")
    (w / "empty-dir").mkdir()
    (w / "csv-dir").mkdir()
    good.to_csv(w / "csv-dir" / "one.csv", index=False)
    (w / "dir-of-dirs" / "sub").mkdir(parents=True)
    (w / "other-files").mkdir()
    (w / "other-files" / "notes.md").write_text("x")
    os.symlink("loop", w / "loop")
    os.symlink(w / "nowhere.csv", w / "broken.csv")
    (w / "outside").mkdir()
    _frame().to_csv(w / "outside" / "seed-0.csv", index=False)
    geo = pd.DataFrame({"class": ["Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise"],
                        "valence": [0.0, -0.5, -0.6, -0.6, 0.8, -0.6, 0.4],
                        "arousal": [0.0, 0.6, 0.3, 0.7, 0.5, -0.4, 0.8]})
    geo.to_csv(w / "geo.csv", index=False)
    geo.assign(valence=0.1, arousal=0.1).to_csv(w / "geo-one-point.csv", index=False)
    geo.assign(valence=[0.0, -0.5, -0.5, -0.6, 0.8, -0.6, 0.4],
               arousal=[0.0, 0.6, 0.6, 0.7, 0.5, -0.4, 0.8]).to_csv(w / "geo-shared.csv", index=False)
    geo.drop(columns="arousal").to_csv(w / "geo-no-arousal.csv", index=False)
    geo.assign(valence=[0.0, -0.5, -0.6, -0.6, 1.8, -0.6, 0.4]).to_csv(w / "geo-range.csv", index=False)
    geo.assign(**{"class": ["Neutral", "Anger", "Anger", "Fear", "Happiness", "Sadness", "Surprise"]}).to_csv(
        w / "geo-dup.csv", index=False)
    geo.assign(**{"class": ["Neutral", "Angst", "Disgust", "Fear", "Happiness", "Sadness", "Surprise"]}).to_csv(
        w / "geo-unknown.csv", index=False)
    geo.assign(arousal=["0", "x", "0", "0", "0", "0", "0"]).to_csv(w / "geo-text.csv", index=False)
    # plans
    (w / "plan-ok.toml").write_text(_plan(w))
    plans = {
        "plan-name-up": _plan(w, name="../escape"),
        "plan-name-abs": _plan(w, name="/tmp/escape"),
        "plan-name-slash": _plan(w, name="a/b"),
        "plan-name-dots": _plan(w, name=".."),
        "plan-perm-huge": _plan(w, permutations=3_000_000_000),
        "plan-perm-zero": _plan(w, permutations=0),
        "plan-perm-text": _plan(w, permutations="many"),
        "plan-seeds-huge": _plan(w, seeds=1_000_000),
        "plan-dataset-up": _plan(w, runs=None, datasets=["../x"]),
        "plan-one-condition": _plan(w, conditions=["base"]),
        "plan-baseline": _plan(w, baseline="nope"),
        "plan-unknown-key": _plan(w, permutatoins=9),
        "plan-condition-up": _plan(w, conditions=["base", "../other"]),
        "plan-runs-file": _plan(w, runs=str(w / "a-file")),
        "plan-runs-missing": _plan(w, runs=str(w / "nope")),
    }
    for name, text in plans.items():
        (w / f"{name}.toml").write_text(text.replace("runs = null\n", ""))
    (w / "plan-table-up.toml").write_text(_plan(w).replace('name = "t"', 'name = "../t"'))
    (w / "plan-not-toml.toml").write_text("name = [unclosed\n")
    (w / "plan-latin1.toml").write_bytes(b'name = "caf\xe9"\n')
    # training condition files
    m = w / "models"
    m.mkdir()
    (m / "tiny.toml").write_text("epochs = 3\nbatch_size = 64\nhidden = 16\nreduce_dim = 8\n")
    (m / "batch-huge.toml").write_text("batch_size = 1000000000000\n")
    (m / "epochs-huge.toml").write_text("epochs = 1000000000\n")
    (m / "hidden-huge.toml").write_text("hidden = 1000000000\n")
    (m / "typo.toml").write_text("ot_wieght = 1.0\n")
    (m / "batch-text.toml").write_text('batch_size = "big"\n')
    (m / "not-toml.toml").write_text("epochs = = 3\n")
    return w


def _fmt(arg, world: Path, tmp: Path) -> str:
    return str(arg).format(w=world, tmp=tmp)


# --- audit: every broken dump, as CSV and as Parquet
AUDIT_DUMPS = [
    C(f"audit-{name}-{ext}", "audit", f"{{w}}/{name}.{ext}", needles=(f"{name}.{ext}", *needles))
    for name, (_, needles, fmts) in DUMP_BREAKS.items()
    for ext, code in (("csv", "c"), ("parquet", "p")) if code in fmts
]

AUDIT_FILES = [C(f"audit-raw-{name}", "audit", f"{{w}}/{name}", needles=needles)
               for name, (_, needles) in RAW_FILES.items()]

AUDIT_OTHER = [
    C("audit-missing-file", "audit", "{w}/missing.csv", needles=("missing.csv", "does not exist")),
    C("audit-symlink-loop", "audit", "{w}/loop", needles=("loop", "symbolic link loop")),
    C("audit-broken-symlink", "audit", "{w}/broken.csv", needles=("broken.csv", "broken symbolic link")),
    C("audit-empty-folder", "audit", "{w}/empty-dir", needles=("empty-dir", "empty folder")),
    C("audit-folder-of-csvs", "audit", "{w}/csv-dir", needles=("csv-dir", "1 CSV/Parquet file", "one.csv")),
    C("audit-folder-of-folders", "audit", "{w}/dir-of-dirs", needles=("dir-of-dirs", "only 1 folder")),
    C("audit-folder-other-files", "audit", "{w}/other-files", needles=("other-files", "notes.md")),
    C("audit-taxonomy-comma", "audit", "{w}/good.csv", "--taxonomy", ",", needles=("taxonomy", "two classes")),
    C("audit-taxonomy-one-class", "audit", "{w}/good.csv", "--taxonomy", "Anger,",
      needles=("taxonomy", "two classes")),
    C("audit-taxonomy-double-comma", "audit", "{w}/good.csv", "--taxonomy", "Anger,,Fear",
      needles=("taxonomy", "single commas")),
    C("audit-taxonomy-unknown", "audit", "{w}/good.csv", "--taxonomy", "affwild9", needles=("taxonomy", "affwild9")),
    C("audit-taxonomy-twice", "audit", "{w}/good.csv", "--taxonomy", "Anger,angry", needles=("same emotion twice",)),
    C("audit-taxonomy-unknown-name", "audit", "{w}/good.csv", "--taxonomy", "Anger,Joyful", needles=("Joyful",)),
    C("audit-taxonomy-wrong-size", "audit", "{w}/good.csv", "--taxonomy", "affectnet7",
      needles=("good.csv", "affectnet7")),
    C("audit-geometry-unknown", "audit", "{w}/good.csv", "--geometry", "nrc", needles=("geometry", "nrc")),
    C("audit-geometry-missing-csv", "audit", "{w}/good.csv", "--geometry", "{w}/nope.csv",
      needles=("nope.csv", "does not exist")),
    C("audit-geometry-no-arousal", "audit", "{w}/good.csv", "--geometry", "{w}/geo-no-arousal.csv",
      needles=("geo-no-arousal.csv", "arousal")),
    C("audit-geometry-range", "audit", "{w}/good.csv", "--geometry", "{w}/geo-range.csv",
      needles=("geo-range.csv", "line 6", "valence", "outside")),
    C("audit-geometry-dup", "audit", "{w}/good.csv", "--geometry", "{w}/geo-dup.csv",
      needles=("geo-dup.csv", "line 4", "twice")),
    C("audit-geometry-unknown-class", "audit", "{w}/good.csv", "--geometry", "{w}/geo-unknown.csv",
      needles=("geo-unknown.csv", "line 3", "Angst")),
    C("audit-geometry-text", "audit", "{w}/good.csv", "--geometry", "{w}/geo-text.csv",
      needles=("geo-text.csv", "line 3", "arousal")),
    C("audit-geometry-one-point", "audit", "{w}/good.csv", "--geometry", "{w}/geo-one-point.csv",
      needles=("geo-one-point.csv", "all 7 classes sit at one point"), warn=True),
    C("audit-geometry-shared-point", "audit", "{w}/good.csv", "--geometry", "{w}/geo-shared.csv",
      needles=("geo-shared.csv", "1 class(es) share a point"), warn=True),
    C("audit-require-syntax", "audit", "{w}/good.csv", "--require", "accuracy>>0.4", needles=("require",)),
    C("audit-require-unknown", "audit", "{w}/good.csv", "--require", "acc>=0.4", needles=("acc",)),
    C("audit-require-text", "audit", "{w}/good.csv", "--require", "accuracy>=high", needles=("require",)),
    C("audit-unknown-option", "audit", "{w}/good.csv", "--geomtery", "x", needles=("No such option", "--geomtery")),
    C("audit-missing-argument", "audit", needles=("Missing argument",)),
    C("audit-truth-with-dump", "audit", "{w}/good.csv", "--truth", "{w}/abaw-ann", needles=("--truth",)),
    C("audit-abaw-no-truth", "audit", "{w}/abaw-pred", needles=("abaw-pred", "--truth")),
    C("audit-abaw-truth-missing", "audit", "{w}/abaw-pred", "--truth", "{w}/nope",
      needles=("nope", "not a folder")),
    C("audit-abaw-truth-empty", "audit", "{w}/abaw-pred", "--truth", "{w}/empty-dir",
      needles=("empty-dir", "no .txt")),
    C("audit-abaw-missing-prediction", "audit", "{tmp}/abaw-pred", "--truth", "{tmp}/abaw-ann",
      needles=("vid2.txt", "no prediction file"),
      setup=lambda w, t: _abaw_variant(w, t, lambda d: (d / "abaw-pred" / "vid2.txt").unlink())),
    C("audit-abaw-truth-missing-video", "audit", "{tmp}/abaw-pred", "--truth", "{tmp}/abaw-ann",
      needles=("1 of 2 prediction files", "vid2.txt", "left out"), warn=True,
      setup=lambda w, t: _abaw_variant(w, t, lambda d: (d / "abaw-ann" / "vid2.txt").unlink())),
    C("audit-abaw-frames-differ", "audit", "{tmp}/abaw-pred", "--truth", "{tmp}/abaw-ann",
      needles=("vid1.txt", "frames"),
      setup=lambda w, t: _abaw_variant(w, t, _edit("abaw-pred/vid1.txt", lambda s: s + "3\n"))),
    C("audit-abaw-non-numeric", "audit", "{tmp}/abaw-pred", "--truth", "{tmp}/abaw-ann",
      needles=("vid1.txt", "line 4", "non-numeric"),
      setup=lambda w, t: _abaw_variant(w, t, _edit("abaw-pred/vid1.txt",
                                                    lambda s: s.replace("\n", "\nx", 3).replace("\nx", "\n", 2)))),
    C("audit-abaw-out-of-range", "audit", "{tmp}/abaw-pred", "--truth", "{tmp}/abaw-ann",
      needles=("vid2.txt", "line 2", "expression", "out of range"),
      setup=lambda w, t: _abaw_variant(w, t, _edit("abaw-pred/vid2.txt",
                                                    lambda s: s.split("\n", 1)[0] + "\n42\n" + s.split("\n", 2)[2]))),
    C("audit-abaw-header", "audit", "{tmp}/abaw-pred", "--truth", "{tmp}/abaw-ann",
      needles=("vid1.txt", "line 2", "expected 2 value(s)"),
      setup=lambda w, t: _abaw_variant(w, t, _edit("abaw-pred/vid1.txt",
                                                    lambda s: "valence,arousal\n" + s.split("\n", 1)[1]))),
    C("audit-abaw-empty-file", "audit", "{tmp}/abaw-pred", "--truth", "{tmp}/abaw-ann",
      needles=("vid1.txt", "empty"),
      setup=lambda w, t: _abaw_variant(w, t, _edit("abaw-pred/vid1.txt", lambda s: ""))),
    C("audit-abaw-header-only", "audit", "{tmp}/abaw-pred", "--truth", "{tmp}/abaw-ann",
      needles=("vid1.txt", "no frames"),
      setup=lambda w, t: _abaw_variant(w, t, _edit("abaw-pred/vid1.txt", lambda s: s.split("\n", 1)[0] + "\n"))),
    C("audit-mtl-no-truth", "audit", "{w}/mtl-pred.txt", needles=("mtl-pred.txt", "--truth")),
    C("audit-mtl-width", "audit", "{tmp}/mtl-pred.txt", "--truth", "{tmp}/mtl-ann.txt",
      needles=("mtl-pred.txt", "line 3", "expected 16 values"),
      setup=lambda w, t: _mtl_variant(w, t, lambda s: s.replace(",0\nvid1/00002.jpg", ",0\nvid1/00002.jpg,1", 1))),
    C("audit-mtl-duplicate", "audit", "{tmp}/mtl-pred.txt", "--truth", "{tmp}/mtl-ann.txt",
      needles=("mtl-pred.txt", "duplicate image"),
      setup=lambda w, t: _mtl_variant(w, t, lambda s: s.replace("vid1/00003.jpg", "vid1/00002.jpg"))),
    C("audit-mtl-missing-image", "audit", "{tmp}/mtl-pred.txt", "--truth", "{tmp}/mtl-ann.txt",
      needles=("mtl-pred.txt", "vid1/00004.jpg", "no prediction"),
      setup=lambda w, t: _mtl_variant(w, t, lambda s: s.replace("vid1/00004.jpg", "vid9/00004.jpg"))),
    C("audit-mtl-text", "audit", "{tmp}/mtl-pred.txt", "--truth", "{tmp}/mtl-ann.txt",
      needles=("mtl-pred.txt", "non-numeric"),
      setup=lambda w, t: _mtl_variant(w, t, lambda s: s.replace("vid1/00005.jpg,0.1", "vid1/00005.jpg,abc"))),
    C("audit-mtl-valence-range", "audit", "{tmp}/mtl-pred.txt", "--truth", "{tmp}/mtl-ann.txt",
      needles=("mtl-pred.txt", "line 6", "valence"),
      setup=lambda w, t: _mtl_variant(w, t, lambda s: s.replace("vid1/00005.jpg,0.1", "vid1/00005.jpg,7"))),
]

# --- audit with --truth: the one join of predictions with a truth file (any format x any format)
_AUS = "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26"
_OF_HEADER = ", ".join(["frame", "face_id", "timestamp", "confidence", "success", "AU01_c", "AU02_c",
                        "AU04_c", "AU12_c"])


def _texts(**files):
    """A setup writing text files under the test's folder: ``AU_Set__vidA__txt`` is
    ``AU_Set/vidA.txt`` (the last ``__`` is the dot, the others are ``/``)."""
    def setup(world, tmp):
        for rel, text in files.items():
            stem, ext = rel.rsplit("__", 1)
            p = tmp / (stem.replace("__", "/") + "." + ext)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
    return setup


def _au_rows(n, bad=None):
    rows = [",".join(["0", "1"] * 6) for _ in range(n)]
    if bad is not None:
        i, text = bad
        rows[i] = text
    return "\n".join(rows) + "\n"


_OF = _OF_HEADER + "\n" + "".join(f"{i}, 0, 0.0, 0.9, 1, 0, 1, 0, 1\n" for i in range(1, 5))
_PRED = "sample_id,p_Neutral,p_Happy\n" + "".join(f"s{i},0.4,0.6\n" for i in range(4))
_TRUTH = "sample_id,y_true\n" + "".join(f"s{i},{i % 2}\n" for i in range(4))
_TAX = ("--taxonomy", "Neutral,Happy")

AUDIT_TRUTH = [
    C("truth-abaw-au-code", "audit", "{tmp}/vidA.csv", "--truth", "{tmp}/AU_Set",
      needles=("vidA.txt", "line 3", "AU4", "not 0, 1 or -1"),
      setup=_texts(vidA__csv=_OF, AU_Set__vidA__txt=_AUS + "\n" + _au_rows(4, (1, "0,1,2,0,1,0,1,0,1,0,1,0")))),
    C("truth-abaw-au-text", "audit", "{tmp}/vidA.csv", "--truth", "{tmp}/AU_Set",
      needles=("vidA.txt", "line 2", "non-numeric"),
      setup=_texts(vidA__csv=_OF, AU_Set__vidA__txt=_AUS + "\n" + _au_rows(4, (0, "0,1,x,0,1,0,1,0,1,0,1,0")))),
    C("truth-abaw-au-width", "audit", "{tmp}/vidA.csv", "--truth", "{tmp}/AU_Set",
      needles=("vidA.txt", "line 4", "expected 12 value(s)"),
      setup=_texts(vidA__csv=_OF, AU_Set__vidA__txt=_AUS + "\n" + _au_rows(4, (2, "0,1")))),
    C("truth-abaw-blank-line", "audit", "{tmp}/vidA.csv", "--truth", "{tmp}/AU_Set",
      needles=("vidA.txt", "line 3", "expected 12 value(s)"),
      setup=_texts(vidA__csv=_OF, AU_Set__vidA__txt=_AUS + "\n" + _au_rows(4).replace("\n", "\n\n", 1))),
    C("truth-abaw-header-differs", "audit", "{tmp}/vidA.csv", "--truth", "{tmp}/AU_Set",
      needles=("vidB.txt", "line 1", "header differs"),
      setup=_texts(vidA__csv=_OF, AU_Set__vidA__txt=_AUS + "\n" + _au_rows(4),
                   AU_Set__vidB__txt="AU1,AU2\n0,1\n")),
    C("truth-abaw-va-range", "audit", "{tmp}/p.csv", "--truth", "{tmp}/VA_Set/vidA.txt",
      needles=("vidA.txt", "line 3", "valence", "outside [-1, 1]"),
      setup=_texts(p__csv="sample_id,v_pred,a_pred\nvidA/00001,0.1,0.1\nvidA/00002,0.2,0.2\n",
                   VA_Set__vidA__txt="valence,arousal\n0.1,0.2\n1.5,0.2\n")),
    C("truth-abaw-expr-range", "audit", "{tmp}/p.csv", "--truth", "{tmp}/EXPR_Set",
      needles=("vidA.txt", "line 3", "expression", "out of range"),
      setup=_texts(p__csv="sample_id,y_pred\nvidA/00001,Anger\nvidA/00002,Fear\n",
                   EXPR_Set__vidA__txt="Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other\n1\n9\n")),
    C("truth-folder-not-abaw", "audit", "{tmp}/p.csv", "--truth", "{tmp}/stuff",
      needles=("stuff", "not an ABAW annotation folder"),
      setup=_texts(p__csv=_PRED, stuff__notes__txt="hello\n")),
    C("truth-table-au-code", "audit", "{tmp}/vidA.csv", "--truth", "{tmp}/au.csv",
      needles=("au.csv", "line 3", "au12_true", "not 0, 1 or -1"),
      setup=_texts(vidA__csv=_OF, au__csv="sample_id,au12_true\nvidA/00001,1\nvidA/00002,2\n")),
    C("truth-table-duplicate-id", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv", *_TAX,
      needles=("t.csv", "line 4", "sample_id", "duplicate"),
      setup=_texts(p__csv=_PRED, t__csv="sample_id,y_true\ns0,0\ns1,1\ns1,0\n")),
    C("truth-table-label-range", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv", *_TAX,
      needles=("t.csv", "line 3", "y_true", "out of range"),
      setup=_texts(p__csv=_PRED, t__csv="sample_id,y_true\ns0,0\ns1,5\n")),
    C("truth-table-with-predictions", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv", "--format", "truth-table",
      *_TAX, needles=("t.csv", "y_pred", "holds predictions"),
      setup=_texts(p__csv=_PRED, t__csv="sample_id,y_true,y_pred\ns0,0,0\n")),
    C("truth-table-no-taxonomy", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv",
      needles=("t.csv", "y_true", "--taxonomy"),
      setup=_texts(p__csv="sample_id,y_pred\ns0,0\ns1,1\n", t__csv="sample_id,y_true\ns0,0\ns1,1\n")),
    C("pred-dump-proba-sum", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv",
      needles=("p.csv", "line 3", "p_Neutral", "sum to 0.5"),
      setup=_texts(p__csv="sample_id,p_Neutral,p_Happy\ns0,0.4,0.6\ns1,0.2,0.3\n", t__csv=_TRUTH)),
    C("pred-dump-duplicate-id", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv",
      needles=("p.csv", "line 4", "sample_id", "duplicate"),
      setup=_texts(p__csv="sample_id,p_Neutral,p_Happy\ns0,0.4,0.6\ns1,0.2,0.8\ns0,0.5,0.5\n", t__csv=_TRUTH)),
    C("pred-dump-va-range", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv", *_TAX,
      needles=("p.csv", "line 3", "v_pred", "outside [-1, 1]"),
      setup=_texts(p__csv="sample_id,y_pred,v_pred,a_pred\ns0,0,0.1,0.1\ns1,1,3,0.1\n",
                   t__csv="sample_id,y_true,v_true,a_true\ns0,0,0.1,0.1\ns1,1,0.2,0.2\n")),
    C("pred-dump-au-range", "audit", "{tmp}/p.csv", "--truth", "{tmp}/au.csv",
      needles=("p.csv", "line 2", "au12_pred", "outside [0, 1]"),
      setup=_texts(p__csv="sample_id,y_pred,au12_pred\nvidA/00001,0,1.5\n",
                   au__csv="sample_id,au12_true\nvidA/00001,1\n")),
    C("pred-dump-missing-id", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv",
      needles=("p.csv", "line 3", "missing sample_id"),
      setup=_texts(p__csv="sample_id,p_Neutral,p_Happy\ns0,0.4,0.6\n,0.2,0.8\n", t__csv=_TRUTH)),
    C("pred-full-dump-with-truth", "audit", "{w}/good.csv", "--truth", "{tmp}/t.csv",
      needles=("good.csv", "y_true", "--truth"), setup=_texts(t__csv=_TRUTH)),
    C("pred-not-in-truth", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv",
      needles=("p.csv", "1 of 5 predictions have no row", "'zz9'"),
      setup=_texts(p__csv=_PRED + "zz9,0.5,0.5\n", t__csv=_TRUTH)),
    C("truth-rows-without-prediction", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv",
      needles=("t.csv", "2 of 4 truth rows have no prediction", "'s2'"), warn=True,
      setup=_texts(p__csv="sample_id,p_Neutral,p_Happy\ns0,0.4,0.6\ns1,0.2,0.8\n", t__csv=_TRUTH)),
    C("truth-rows-without-prediction-strict", "audit", "{tmp}/p.csv", "--truth", "{tmp}/t.csv", "--strict",
      needles=("t.csv", "2 of 4 truth rows have no prediction", "--strict"),
      setup=_texts(p__csv="sample_id,p_Neutral,p_Happy\ns0,0.4,0.6\ns1,0.2,0.8\n", t__csv=_TRUTH)),
    C("openface-folder-other-csv", "audit", "{tmp}/of", "--truth", "{tmp}/AU_Set",
      needles=("notes.csv", "line 1", "not an OpenFace"),
      setup=_texts(of__vidA__csv=_OF, of__notes__csv="a,b\n1,2\n", AU_Set__vidA__txt=_AUS + "\n" + _au_rows(4))),
    C("openface-success-code", "audit", "{tmp}/vidA.csv", "--truth", "{tmp}/AU_Set",
      needles=("vidA.csv", "line 3", "success"),
      setup=_texts(vidA__csv=_OF.replace("2, 0, 0.0, 0.9, 1,", "2, 0, 0.0, 0.9, 7,"),
                   AU_Set__vidA__txt=_AUS + "\n" + _au_rows(4))),
]

# --- compare
_CMP = ("compare", "base", "other", "--runs", "{w}/runs", "--permutations", "9", "--no-figures", "-q")
_CMP_T = ("compare", "base", "other", "--runs", "{tmp}/runs", "--permutations", "9", "--no-figures", "-q")

COMPARE = [
    C("compare-name-up", *_CMP, "--name", "../../x", needles=("--name", "../../x")),
    C("compare-name-abs", *_CMP, "--name", "/tmp/x", needles=("--name", "/tmp/x")),
    C("compare-name-slash", *_CMP, "--name", "a/b", needles=("--name", "a/b")),
    C("compare-name-backslash", *_CMP, "--name", "a\\b", needles=("--name",)),
    C("compare-name-dotdot", *_CMP, "--name", "..", needles=("--name", "'..'")),
    C("compare-name-empty", *_CMP, "--name", "", needles=("--name", "non-empty")),
    C("compare-condition-up", "compare", "base", "../outside", "--runs", "{w}/runs",
      needles=("condition", "../outside")),
    C("compare-condition-abs", "compare", "base", "{w}/outside", "--runs", "{w}/runs",
      needles=("condition", "outside")),
    C("compare-condition-slash", "compare", "base", "other/x", "--runs", "{w}/runs", needles=("condition", "other/x")),
    C("compare-condition-dotdot", "compare", "base", "..", "--runs", "{w}/runs", needles=("condition", "'..'")),
    C("compare-condition-symlink-out", *_CMP_T[:2], "linked", *_CMP_T[3:], needles=("condition", "outside", "resolves"),
      setup=lambda w, t: _runs_variant(w, t, lambda r: os.symlink(w / "outside", r / "linked"))),
    C("compare-seed-symlink-out", *_CMP_T, needles=("condition", "resolves", "outside"),
      setup=lambda w, t: _runs_variant(w, t, lambda r: (
          (r / "base" / "seed-1.csv").unlink(),
          os.symlink(w / "outside" / "seed-0.csv", r / "base" / "seed-1.csv")))),
    C("compare-out-is-file", *_CMP, "--out", "{w}/a-file", needles=("--out", "a-file", "is a file")),
    C("compare-out-under-file", *_CMP, "--out", "{w}/a-file/sub", needles=("--out", "a-file", "which is a file")),
    C("compare-reports-is-file", *_CMP, needles=("--out", "reports", "is a file"),
      setup=lambda w, t: (t / "reports").write_text("x")),
    C("compare-permutations-text", *_CMP, "--permutations", "abc", needles=("--permutations",)),
    C("compare-permutations-zero", *_CMP, "--permutations", "0", needles=("--permutations", ">= 1")),
    C("compare-permutations-negative", *_CMP, "--permutations", "-5", needles=("--permutations",)),
    C("compare-permutations-3e9", *_CMP, "--permutations", "3000000000", needles=("--permutations", "10,000,000")),
    C("compare-permutations-1e12", *_CMP, "--permutations", "1000000000000",
      needles=("--permutations", "10,000,000", "available")),
    C("compare-permutations-float", *_CMP, "--permutations", "1e3", needles=("--permutations",)),
    C("compare-seeds-huge", "compare", "base", "other", "--seeds", "1000000", "--cache", "{tmp}/c",
      needles=("--seeds", "10,000")),
    C("compare-seed-negative", *_CMP, "--seed", "-1", needles=("--seed", ">= 0")),
    C("compare-seeds-text", "compare", "base", "other", "--seeds", "many", needles=("--seeds",)),
    C("compare-cache-is-file", "compare", "base", "other", "--cache", "{w}/a-file", needles=("--cache", "is a file")),
    C("compare-unit", *_CMP, "--unit", "video", needles=("unit", "video")),
    C("compare-alternative", *_CMP, "--alternative", "both", needles=("alternative", "both")),
    C("compare-correction", *_CMP, "--correction", "sidak", needles=("correction", "sidak")),
    C("compare-sample-test", *_CMP, "--sample-test", "t", needles=("sample_test",)),
    C("compare-contrast", *_CMP, "--contrast", "base-other", needles=("--contrast", "base-other")),
    C("compare-metric", *_CMP, "--metric", "accuracyy", needles=("accuracyy",)),
    C("compare-geometry", *_CMP, "--geometry", "round", needles=("geometry", "round")),
    C("compare-taxonomy-comma", *_CMP, "--taxonomy", ",", needles=("taxonomy", "two classes")),
    C("compare-runs-missing", "compare", "base", "other", "--runs", "{w}/nope", needles=("nope", "does not exist")),
    C("compare-runs-file", "compare", "base", "other", "--runs", "{w}/a-file", needles=("a-file", "is a file")),
    C("compare-runs-loop", "compare", "base", "other", "--runs", "{w}/loop", needles=("loop", "symbolic link loop")),
    C("compare-runs-and-dataset", *_CMP, "--dataset", "sim-affwild2", needles=("--runs", "--dataset")),
    C("compare-one-condition", "compare", "base", "--runs", "{w}/runs", needles=("baseline",)),
    C("compare-twice", "compare", "base", "base", "--runs", "{w}/runs", needles=("named twice",)),
    C("compare-unknown-condition", "compare", "base", "nope", "--runs", "{w}/runs",
      needles=("nope", "found conditions")),
    C("compare-unknown-option", *_CMP, "--permutation", "9", needles=("No such option",)),
    C("compare-seed-minus-1", *_CMP_T, needles=("seed--1.csv", "not seed-<k>", "non-negative integer"),
      setup=lambda w, t: _runs_variant(w, t, _touch("base/seed--1.csv"))),
    C("compare-seed-a", *_CMP_T, needles=("seed-a.csv", "not seed-<k>"),
      setup=lambda w, t: _runs_variant(w, t, _touch("base/seed-a.csv"))),
    C("compare-seed-01", *_CMP_T, needles=("seed-01.csv", "leading zeros"),
      setup=lambda w, t: _runs_variant(w, t, _touch("other/seed-01.csv"))),
    C("compare-seed-upper", *_CMP_T, needles=("SEED-3.CSV", "lower case"),
      setup=lambda w, t: _runs_variant(w, t, _touch("base/SEED-3.CSV"))),
    C("compare-seed-bak", *_CMP_T, needles=("1 file(s)", "seed-0.csv.bak", "skipped", "[0, 1, 2]"), warn=True,
      setup=lambda w, t: _runs_variant(w, t, _touch("base/seed-0.csv.bak"))),
    C("compare-seed-notes", *_CMP_T, needles=("2 file(s)", "notes.txt", "README"), warn=True,
      setup=lambda w, t: _runs_variant(w, t, lambda r: (_touch("base/notes.txt")(r), _touch("base/README")(r)))),
    C("compare-condition-empty", *_CMP_T, needles=("base", "holds no seed-<k>"),
      setup=lambda w, t: _runs_variant(w, t, lambda r: [p.unlink() for p in (r / "base").iterdir()])),
    C("compare-seeds-differ", *_CMP_T, needles=("different seeds", "only in 'other': [2]"),
      setup=lambda w, t: _runs_variant(w, t, lambda r: (r / "base" / "seed-2.csv").unlink())),
    C("compare-labels-differ", *_CMP_T, needles=("seed 1", "label"),
      setup=lambda w, t: _runs_variant(w, t, _replace_seed("seed-1.csv",
                                                           lambda d: d.assign(y_true=(d.y_true + 1) % 8)))),
    C("compare-ids-differ", *_CMP_T, needles=("seed 1", "sample ids differ"),
      setup=lambda w, t: _runs_variant(w, t, _replace_seed("seed-1.csv",
                                                           lambda d: d.assign(sample_id=d.sample_id + "x")))),
    C("compare-seed-parquet-and-csv", *_CMP_T, needles=("seed 1", "two files"),
      setup=lambda w, t: _runs_variant(w, t, lambda r: pd.read_csv(r / "base" / "seed-1.csv").to_parquet(
          r / "base" / "seed-1.parquet", index=False))),
]
# every broken dump as a seed file of a runs folder
COMPARE += [
    C(f"compare-dump-{name}", *_CMP_T, needles=("seed-1.csv", *needles[:1]),
      setup=(lambda fn: lambda w, t: _runs_variant(w, t, _replace_seed("seed-1.csv", fn)))(fn))
    for name, (fn, needles, fmts) in DUMP_BREAKS.items() if "c" in fmts and name not in ("header-only",)
]

# --- diagnose
_DIAG = ("diagnose", "--runs", "{w}/runs", "--no-figures", "-q")
DIAGNOSE = [
    C("diagnose-seed-negative", *_DIAG, "--seed", "-3", needles=("--seed", ">= 0")),
    C("diagnose-top-text", *_DIAG, "--top", "abc", needles=("--top",)),
    C("diagnose-alpha-text", *_DIAG, "--alpha", "x", needles=("--alpha",)),
    C("diagnose-alpha-2", *_DIAG, "--alpha", "2", needles=("alpha",)),
    C("diagnose-min-lift", *_DIAG, "--min-lift", "-1", needles=("min_lift",)),
    C("diagnose-rate", *_DIAG, "--min-confusion-rate", "1.5", needles=("min_confusion_rate",)),
    C("diagnose-quantile-text", *_DIAG, "--va-quantile", "abc", needles=("--va-quantile",)),
    C("diagnose-projection", *_DIAG, "--projection", "tsne", needles=("--projection", "tsne")),
    C("diagnose-correction", *_DIAG, "--correction", "sidak", needles=("correction",)),
    C("diagnose-runs-missing", "diagnose", "--runs", "{w}/nope", needles=("nope", "does not exist")),
    C("diagnose-runs-file", "diagnose", "--runs", "{w}/a-file", needles=("a-file",)),
    C("diagnose-runs-empty", "diagnose", "--runs", "{w}/empty-dir", needles=("empty-dir", "holds no")),
    C("diagnose-out-file", *_DIAG, "--out", "{w}/a-file", needles=("--out", "is a file")),
    C("diagnose-out-under-file", *_DIAG, "--out", "{w}/a-file/x", needles=("--out", "which is a file")),
    C("diagnose-baseline", *_DIAG, "--baseline", "nope", needles=("--baseline", "nope")),
    C("diagnose-condition-up", "diagnose", "base", "../outside", "--runs", "{w}/runs", needles=("condition",)),
    C("diagnose-condition-abs", "diagnose", "base", "/etc", "--runs", "{w}/runs", needles=("condition", "/etc")),
    C("diagnose-seeds-huge", "diagnose", "--seeds", "99999", "--cache", "{tmp}/c", needles=("--seeds", "10,000")),
    C("diagnose-cache-file", "diagnose", "--cache", "{w}/a-file", needles=("--cache", "is a file")),
    C("diagnose-runs-and-dataset", *_DIAG, "--dataset", "sim-affwild2", needles=("--runs", "--dataset")),
    C("diagnose-unknown-option", *_DIAG, "--topp", "3", needles=("No such option",)),
    C("diagnose-taxonomy-comma", *_DIAG, "--taxonomy", ",", needles=("taxonomy", "two classes")),
    C("diagnose-geometry", *_DIAG, "--geometry", "{w}/geo-no-arousal.csv", needles=("geo-no-arousal.csv",)),
    C("diagnose-seed-a", "diagnose", "--runs", "{tmp}/runs", "--no-figures", "-q", needles=("seed-a.csv",),
      setup=lambda w, t: _runs_variant(w, t, _touch("other/seed-a.csv"))),
]

# --- train (all fail before any training starts)
_TR = ("train", "tiny", "--models", "{w}/models", "--out", "{tmp}/o", "--workers", "1", "-q")
TRAIN = [
    C("train-seeds-text", *_TR, "--seeds", "abc", needles=("--seeds",)),
    C("train-seeds-zero", *_TR, "--seeds", "0", needles=("seeds",)),
    C("train-seeds-huge", *_TR, "--seeds", "100000", needles=("--seeds", "10,000")),
    C("train-workers-zero", *_TR[:-3], "--workers", "0", needles=("workers",)),
    C("train-workers-many", *_TR[:-3], "--workers", "4096", needles=("--workers", "at most")),
    C("train-workers-text", *_TR[:-3], "--workers", "two", needles=("--workers",)),
    C("train-out-file", "train", "tiny", "--models", "{w}/models", "--out", "{w}/a-file",
      needles=("--out", "is a file")),
    C("train-out-under-file", "train", "tiny", "--models", "{w}/models", "--out", "{w}/a-file/o",
      needles=("--out", "which is a file")),
    C("train-dataset", *_TR, "--dataset", "sim-fer", needles=("dataset", "sim-fer")),
    C("train-unknown-condition", "train", "nope", "--models", "{w}/models", "--out", "{tmp}/o", needles=("nope",)),
    C("train-condition-up", "train", "../tiny", "--models", "{w}/models", "--out", "{tmp}/o", needles=("../tiny",)),
    C("train-batch-huge", "train", "batch-huge", "--models", "{w}/models", "--out", "{tmp}/o",
      needles=("batch-huge.toml", "batch_size", "1,048,576")),
    C("train-epochs-huge", "train", "epochs-huge", "--models", "{w}/models", "--out", "{tmp}/o",
      needles=("epochs-huge.toml", "epochs", "100,000")),
    C("train-hidden-huge", "train", "hidden-huge", "--models", "{w}/models", "--out", "{tmp}/o",
      needles=("hidden-huge.toml", "hidden", "65,536")),
    C("train-batch-text", "train", "batch-text", "--models", "{w}/models", "--out", "{tmp}/o",
      needles=("batch-text.toml", "batch_size")),
    C("train-typo", "train", "typo", "--models", "{w}/models", "--out", "{tmp}/o", needles=("typo.toml", "ot_wieght")),
    C("train-not-toml", "train", "not-toml", "--models", "{w}/models", "--out", "{tmp}/o", needles=("not-toml.toml",)),
    C("train-features-missing", *_TR, "--features", "{w}/nope.npz", needles=("nope.npz",)),
    C("train-features-and-dataset", *_TR, "--features", "{w}/good.parquet", "--dataset", "sim-affwild2",
      needles=("features",)),
    C("train-taxonomy-no-features", *_TR, "--taxonomy", "affectnet8", needles=("taxonomy",)),
    C("train-models-missing", "train", "tiny", "--models", "{w}/nope", "--out", "{tmp}/o",
      needles=("nope", "not a folder")),
    C("train-no-condition", "train", needles=("Missing argument",)),
    C("train-unknown-option", *_TR, "--epochs", "3", needles=("No such option", "--epochs")),
]

# --- report (analysis plans)
REPORT = [
    C(f"report-{name}", "report", f"{{w}}/{name}.toml", "--out", "{tmp}/r", needles=(f"{name}.toml", *needles))
    for name, needles in (
        ("plan-name-up", ("name", "../escape")), ("plan-name-abs", ("name", "/tmp/escape")),
        ("plan-name-slash", ("name", "a/b")), ("plan-name-dots", ("name", "'..'")),
        ("plan-perm-huge", ("permutations", "10,000,000")), ("plan-perm-zero", ("permutations",)),
        ("plan-perm-text", ("permutations",)), ("plan-seeds-huge", ("seeds", "10,000")),
        ("plan-dataset-up", ("datasets", "../x")), ("plan-one-condition", ("conditions",)),
        ("plan-baseline", ("baseline", "nope")), ("plan-unknown-key", ("permutatoins",)),
        ("plan-table-up", ("tables.name", "../t")), ("plan-not-toml", ("TOML",)),
        ("plan-latin1", ("plan-latin1.toml",)),
    )
] + [
    C("report-plan-condition-up", "report", "{w}/plan-condition-up.toml", "--out", "{tmp}/r",
      needles=("condition", "../other")),
    C("report-plan-runs-file", "report", "{w}/plan-runs-file.toml", "--out", "{tmp}/r", needles=("a-file",)),
    C("report-plan-runs-missing", "report", "{w}/plan-runs-missing.toml", "--out", "{tmp}/r", needles=("nope",)),
    C("report-plan-missing", "report", "{w}/nope.toml", needles=("nope.toml", "does not exist")),
    C("report-plan-folder", "report", "{w}/empty-dir", needles=("empty-dir",)),
    C("report-out-file", "report", "{w}/plan-ok.toml", "--out", "{w}/a-file", needles=("--out", "is a file")),
    C("report-out-under-file", "report", "{w}/plan-ok.toml", "--out", "{w}/a-file/r",
      needles=("--out", "which is a file")),
    C("report-cache-file", "report", "{w}/plan-ok.toml", "--out", "{tmp}/r", "--cache", "{w}/a-file",
      needles=("--cache", "is a file")),
    C("report-no-plan", "report", needles=("Missing argument",)),
    C("report-unknown-option", "report", "{w}/plan-ok.toml", "--outt", "x", needles=("No such option",)),
]

# --- power (and the top level)
OTHER = [
    C("power-seeds-text", "power", "--seeds", "x", needles=("--seeds",)),
    C("unknown-command", "audt", needles=("No such command", "audt")),
]

CASES = AUDIT_DUMPS + AUDIT_FILES + AUDIT_OTHER + AUDIT_TRUTH + COMPARE + DIAGNOSE + TRAIN + REPORT + OTHER


def test_corpus_is_large_and_covers_every_command():
    assert len(CASES) >= 150, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES)
    commands = {c.args[0] for c in CASES if c.args}
    assert {"audit", "compare", "diagnose", "train", "report"} <= commands


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_bad_input(case: Case, world, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")  # one line even in a narrow terminal
    if case.setup is not None:
        case.setup(world, tmp_path)
    args = [_fmt(a, world, tmp_path) for a in case.args]
    result = runner.invoke(app, args)
    # a warning wraps between words at the terminal width: its continuation lines are indented
    err = [ln for ln in result.stderr.replace("\n  ", " ").splitlines() if ln.strip()]
    where = f"\nargs: {args}\nexit {result.exit_code}\nstderr:\n{result.stderr}\nstdout:\n{result.stdout[-2000:]}"
    assert "Traceback" not in result.output + result.stderr, where
    assert result.exception is None or isinstance(result.exception, SystemExit), where + repr(result.exception)
    needles = [_fmt(n, world, tmp_path) for n in case.needles]
    if case.warn:
        assert result.exit_code == 0, where
        assert not any(ln.startswith("affectctl: error:") for ln in err), where
        hits = [ln for ln in err if ln.startswith("affectctl: warning:") and all(n in ln for n in needles)]
        assert hits, where
    else:
        assert result.exit_code == 2, where
        assert len(err) == 1, where
        assert err[0].startswith("affectctl: error: "), where
        for n in needles:
            assert n in err[0], f"{n!r} not in the error line{where}"
    # nothing escaped its folder
    assert not (world / "escape").exists() and not Path("/tmp/escape").exists()


# ----------------------------------------------------------------------------- bytes


@pytest.mark.train
def test_train_twice_same_seed_gives_identical_bytes(world, tmp_path, monkeypatch):
    """Two clean runs of ``affectctl train`` with the same seed: the same dump bytes (sha256);
    the wall-clock time is in the ``.timing.json`` sidecar, not in the dump."""
    pytest.importorskip("torch")
    pytest.importorskip("ot")
    monkeypatch.chdir(tmp_path)
    digests = []
    for run in ("one", "two"):
        res = runner.invoke(app, ["train", "tiny", "--models", str(world / "models"), "--seeds", "1",
                                  "--out", str(tmp_path / run), "--workers", "1", "-q",
                                  "--dataset", "sim-affectnet"])
        assert res.exit_code == 0, res.output
        dump = tmp_path / run / "sim-affectnet" / "tiny" / "seed-0.parquet"
        digests.append(hashlib.sha256(dump.read_bytes()).hexdigest())
        timing = json.loads(Path(str(dump) + ".timing.json").read_text())
        assert timing["train_seconds"] > 0
        from affectctl.io.dumps import read_dump

        assert "train_seconds" not in read_dump(dump).metadata
    assert digests[0] == digests[1]


def test_alphabetical_affectnet_with_a_zero_class_is_a_reordering_not_padding(tmp_path):
    """Zero probability for Contempt in an alphabetical AffectNet-8 file is a model that never
    predicts Contempt: the file is read (as the documented reordering), not refused."""
    from affectctl.io.dumps import read_dump

    frame = synthetic_frame(n=40, taxonomy="affectnet8", va=False, au=False)
    frame["p_Contempt"] = 0.0
    p = frame[[c for c in frame.columns if c.startswith("p_")]]
    frame[p.columns] = p.div(p.sum(axis=1), axis=0)
    order = ["sample_id", "group", "y_true", "y_pred"] + sorted(p.columns)
    frame = frame.drop(columns="y_pred")[[c for c in order if c != "y_pred"]]
    frame.to_csv(tmp_path / "alpha.csv", index=False)
    dump = read_dump(tmp_path / "alpha.csv")
    assert dump.taxonomy.name == "custom" and dump.taxonomy.n_classes == 8
    assert dump.taxonomy.classes == tuple(sorted(dump.taxonomy.classes))


def test_timing_sidecars_are_not_warned_about(world, tmp_path, monkeypatch):
    """The sidecars training writes beside its dumps are expected, not 'strange files'."""
    import warnings

    from affectctl.io.runs import find_dump_files

    shutil.copytree(world / "runs", tmp_path / "runs")
    (tmp_path / "runs" / "base" / "seed-0.csv.timing.json").write_text("{}")
    (tmp_path / "runs" / "base" / "seed-0.csv.meta.json").write_text("{}")
    (tmp_path / "runs" / "base" / ".seed-0.csv.abc.tmp").write_text("")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sorted(find_dump_files(tmp_path / "runs", "base")) == [0, 1, 2]
