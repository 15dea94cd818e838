"""`affectctl audit` end to end: reports, JSON, CI gates, and every malformed input → exit 2, one line."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest
from _synth import synthetic_frame
from sklearn import metrics as skm
from typer.testing import CliRunner

from affectctl.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["audit", *map(str, args)])


def one_line_error(result, *needles):
    assert result.exit_code == 2, result.output
    err = result.stderr.strip().splitlines()
    assert len(err) == 1, result.stderr
    assert err[0].startswith("affectctl: error: ")
    assert "Traceback" not in result.output
    for n in needles:
        assert n in err[0], err[0]


@pytest.fixture
def good_csv(tmp_path):
    path = tmp_path / "preds.csv"
    synthetic_frame(n=300, seed=1, excluded=0.05).to_csv(path, index=False)
    return path


def test_json_metrics_reproduce_sklearn(good_csv):
    res = run(good_csv, "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    frame = pd.read_csv(good_csv)
    keep = frame.y_true >= 0
    ref = skm.f1_score(frame.y_true[keep], frame.y_pred[keep], average="macro", labels=range(8))
    assert doc["metrics"]["expr_macro_f1"] == pytest.approx(ref, abs=1e-9)
    assert doc["exclusions"]["expr"] == int((~keep).sum())
    assert doc["taxonomy"] == "affwild2-expr8"


def test_human_report_and_parquet(tmp_path):
    path = tmp_path / "p.parquet"
    synthetic_frame(n=200, seed=2).to_parquet(path)
    res = run(path)
    assert res.exit_code == 0, res.output
    assert "expr_macro_f1" in res.stdout and "Confusion matrix" in res.stdout


def test_require_gate(good_csv):
    ok = run(good_csv, "--require", "accuracy>=0.1")
    assert ok.exit_code == 0
    bad = run(good_csv, "--require", "accuracy>=0.1", "--require", "expr_macro_f1>=0.99")
    assert bad.exit_code == 1
    assert "expr_macro_f1>=0.99" in bad.stderr
    unknown = run(good_csv, "--require", "nonsense>=1")
    one_line_error(unknown, "nonsense")


def test_class_order_warning_names_swap(tmp_path):
    frame = synthetic_frame(n=600, taxonomy="affectnet8", seed=3, accuracy=0.9, va=False, au=False,
                            proba=False)
    y = frame.y_pred.to_numpy()
    frame["y_pred"] = np.where(y == 5, 6, np.where(y == 6, 5, y))  # Disgust <-> Anger
    path = tmp_path / "swapped.csv"
    frame.to_csv(path, index=False)
    res = runner.invoke(app, ["audit", str(path), "--taxonomy", "affectnet8"])
    assert res.exit_code == 0
    assert "class order looks wrong" in res.stderr
    assert "'Anger' -> 'Disgust'" in res.stderr and "'Disgust' -> 'Anger'" in res.stderr


def test_weak_model_gives_no_class_order_warning(tmp_path):
    frame = synthetic_frame(n=2000, seed=4, accuracy=0.2, va=False, au=False)
    path = tmp_path / "weak.csv"
    frame.to_csv(path, index=False)
    assert "class order" not in run(path).stderr


def _write(tmp_path, frame, name="bad.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


BASE = dict(n=50, seed=5)


@pytest.mark.parametrize(
    "mutate, needles",
    [
        (lambda f: f.drop(columns="sample_id"), ["column 'sample_id'", "missing"]),
        (lambda f: f.drop(columns="y_true"), ["column 'y_true'"]),
        (lambda f: f.assign(sample_id=["dup"] * len(f)), ["line 3", "duplicate sample_id"]),
        (lambda f: f.drop(columns="p_Fear"), ["column 'p_Fear'"]),
        (lambda f: f.assign(p_Anger=np.r_[np.nan, f.p_Anger[1:]]), ["line 2", "p_Anger", "NaN"]),
        (lambda f: f.assign(p_Anger=np.r_[f.p_Anger[:3], -0.2, f.p_Anger[4:]]), ["line 5", "negative"]),
        (lambda f: f.assign(p_Anger=f.p_Anger + 0.5), ["line 2", "sum to", "softmax"]),
        (lambda f: f.assign(y_true=np.r_[f.y_true[:6], 9, f.y_true[7:]]), ["line 8", "y_true", "out of range"]),
        (lambda f: f.assign(y_pred=["Anger"] * 9 + ["Grumpy"] + ["Anger"] * (len(f) - 10)),
         ["line 11", "unknown class name 'Grumpy'"]),
        (lambda f: f.assign(v_true=np.r_[f.v_true[:2], 1.5, f.v_true[3:]]), ["line 4", "v_true", "outside"]),
        (lambda f: f.assign(a_pred=np.r_[f.a_pred[:2], -3.0, f.a_pred[3:]]), ["line 4", "a_pred"]),
        (lambda f: f.drop(columns="a_pred"), ["column 'a_pred'"]),
        (lambda f: f.assign(au4_true=np.r_[2, f.au4_true[1:]]), ["line 2", "au4_true"]),
        (lambda f: f.drop(columns=[c for c in f.columns if c.startswith("p_")] + ["y_pred"]),
         ["taxonomy"]),
    ],
)
def test_malformed_dump_exit_2_one_line(tmp_path, mutate, needles):
    path = _write(tmp_path, mutate(synthetic_frame(**BASE)))
    one_line_error(run(path), str(path), *needles)


@pytest.mark.parametrize("blank", [None, "", "  "])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_missing_sample_id_in_csv_and_parquet(tmp_path, blank, fmt):
    frame = synthetic_frame(**BASE)
    frame["sample_id"] = frame["sample_id"].astype(object)
    frame.loc[4, "sample_id"] = blank
    path = tmp_path / f"bad.{fmt}"
    frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path)
    one_line_error(run(path), str(path), "line 6", "sample_id")


def test_missing_y_pred_and_probabilities_with_taxonomy(tmp_path):
    frame = synthetic_frame(**BASE).drop(columns=["y_pred"])
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("p_")])
    path = _write(tmp_path, frame)
    one_line_error(runner.invoke(app, ["audit", str(path), "--taxonomy", "affwild2-expr8"]), "y_pred")


def test_empty_header_only_binary_truncated(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    one_line_error(run(empty), "empty")
    header = tmp_path / "header.csv"
    header.write_text(",".join(synthetic_frame(**BASE).columns) + "\n")
    one_line_error(run(header), "no data rows")
    binary = tmp_path / "garbage.csv"
    binary.write_bytes(bytes(range(256)) * 10)
    one_line_error(run(binary), "binary")
    good = _write(tmp_path, synthetic_frame(**BASE), "full.csv")
    text = good.read_text()
    trunc = tmp_path / "trunc.csv"
    trunc.write_text(text[: len(text) - 40])  # cut inside the last row
    one_line_error(run(trunc), str(trunc), "line")
    pq = tmp_path / "trunc.parquet"
    synthetic_frame(**BASE).to_parquet(pq)
    pq.write_bytes(pq.read_bytes()[:200])
    one_line_error(run(pq), "Parquet")
    one_line_error(run(tmp_path / "nope.csv"), "does not exist")


def test_unknown_taxonomy_and_geometry(good_csv):
    one_line_error(runner.invoke(app, ["audit", str(good_csv), "--taxonomy", "affwild9"]), "taxonomy")
    one_line_error(runner.invoke(app, ["audit", str(good_csv), "--geometry", "moon"]), "geometry")


def test_probabilities_within_tolerance_are_renormalized(tmp_path):
    frame = synthetic_frame(**BASE)
    frame["p_Anger"] = frame["p_Anger"] + 5e-4
    res = run(_write(tmp_path, frame), "--json")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["exclusions"]["proba_renormalized"] == len(frame)


def test_float_rounding_of_a_written_csv_is_not_counted_as_renormalized(tmp_path):
    frame = synthetic_frame(**BASE)
    pcols = [c for c in frame.columns if c.startswith("p_")]
    frame[pcols] = frame[pcols].round(7)  # rows now sum to 1 only up to ~1e-7
    res = run(_write(tmp_path, frame), "--json")
    assert res.exit_code == 0
    sums = frame[pcols].sum(axis=1)
    assert (sums != 1.0).any()
    assert json.loads(res.stdout)["exclusions"]["proba_renormalized"] == 0


def test_geometry_data_and_csv(tmp_path, good_csv):
    res = runner.invoke(app, ["audit", str(good_csv), "--geometry", "data", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["geometry"] == "data"
    geo = tmp_path / "mine.csv"
    geo.write_text("class,valence,arousal\nanger,-0.5,0.5\nfear,-0.4,0.6\nhappiness,0.8,0.2\n")
    res = runner.invoke(app, ["audit", str(good_csv), "--geometry", str(geo), "--json"])
    assert res.exit_code == 0, res.output
    bad = tmp_path / "badgeo.csv"
    bad.write_text("class,valence,arousal\nanger,-0.5,0.5\nfear,-2,0.6\n")
    one_line_error(runner.invoke(app, ["audit", str(good_csv), "--geometry", str(bad)]), "line 3",
                   "valence")


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        ("anger,abc,0.5\n", ("line 2", "valence", "not a number")),
        ("anger,-0.5,\n", ("line 2", "arousal")),
        ("anger,-0.5,0.5\nfear,-0.4,0.6\nAnger,-0.1,0.1\n", ("line 4", "class", "twice")),
        ("joy?,0.1,0.1\n", ("line 2", "class")),
    ],
)
def test_malformed_geometry_csv(tmp_path, good_csv, body, needles):
    geo = tmp_path / "geo.csv"
    geo.write_text("class,valence,arousal\n" + body)
    one_line_error(runner.invoke(app, ["audit", str(good_csv), "--geometry", str(geo)]), str(geo), *needles)


def test_alphabetical_copy_is_named(tmp_path):
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "examples" / "make_audit_example.py"
    csv = script.with_name("affectnet_alphabetical.csv")
    res = runner.invoke(app, ["audit", str(csv), "--taxonomy", "affectnet8"])
    assert res.exit_code == 0
    assert "alphabetical class order" in res.stderr


def test_library_warnings_are_one_line_each(tmp_path):
    frame = synthetic_frame(**BASE)
    frame = frame[frame.y_true != 3]  # no true Fear: its recall is undefined
    res = run(_write(tmp_path, frame))
    assert res.exit_code == 0, res.output
    # one line per warning, wrapped between words at the terminal width (indented continuation)
    lines = [ln for ln in res.stderr.replace("\n  ", " ").splitlines() if ln.strip()]
    assert lines and all(ln.startswith("affectctl: warning: ") for ln in lines), res.stderr
    assert ".py:" not in res.stderr


def test_class_names_with_many_unannotated_frames_are_still_names(tmp_path):
    frame = synthetic_frame(**BASE)
    names = np.array(["Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Other"])
    y = frame["y_true"].to_numpy()
    frame["y_true"] = np.where(np.arange(len(frame)) % 3 == 0, names[y], "-1")  # 2/3 unannotated
    res = run(_write(tmp_path, frame), "--json", "--taxonomy", "affwild2-expr8")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["exclusions"]["expr"] == int((np.arange(len(frame)) % 3 != 0).sum())


def test_warning_settings_of_the_user_are_respected(tmp_path, monkeypatch):
    frame = synthetic_frame(**BASE)
    frame = frame[frame.y_true != 3]
    monkeypatch.setattr(sys, "warnoptions", ["ignore"])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = run(_write(tmp_path, frame))
    assert res.exit_code == 0 and "warning" not in res.stderr


def test_require_takes_a_pair_in_either_order(good_csv):
    # pair_confusion is symmetric: Fear|Anger names the Anger|Fear metric
    from affectctl.audit import audit
    from affectctl.io.dumps import read_dump

    dump = read_dump(good_csv)
    classes = dump.taxonomy.classes
    a, b = classes[1], classes[3]
    one = audit(dump, require=[f"pair_confusion:{a}|{b}>=0"])
    two = audit(dump, require=[f"pair_confusion:{b}|{a}>=0"])
    assert one.requirements[0][1] == two.requirements[0][1]


def test_undefined_class_warning_names_the_classes(tmp_path):
    """A class with no true and no predicted sample: audit's warning names it (Aff-Wild2
    order: index 3 is Fear, 4 Happiness), never by index alone."""
    frame = synthetic_frame(n=300, seed=3)
    frame = frame[~frame.y_true.isin([3, 4])].copy()
    frame.loc[frame.y_pred.isin([3, 4]), "y_pred"] = 0
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("p_")])
    path = tmp_path / "gap.csv"
    frame.to_csv(path, index=False)
    res = run(path, "--taxonomy", "affwild2-expr8")
    assert res.exit_code == 0, res.output
    assert "(classes Fear, Happiness)" in res.stderr, res.stderr
    assert "class index" not in res.stderr
