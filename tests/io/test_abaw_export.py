"""``affectctl export`` writes ABAW submissions that ``audit`` scores to the dump's numbers;
``audit --check-submission`` names the first problem."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import f1_score
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.io.formats.abaw_export import check_submission, export_abaw
from affectctl.io.schema import ABAW_AUS

runner = CliRunner()
CLASSES = ["Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise", "Other"]


def _case(tmp_path, seed=0):
    """Three videos; the dump lacks some annotated frames (no face) and has a few unannotated."""
    rng = np.random.default_rng(seed)
    lengths = {"vidA": 40, "vidB": 25, "10-60-1280x720": 33}
    ann = {t: tmp_path / f"{t}_Set" for t in ("EXPR", "VA", "AU")}
    for d in ann.values():
        d.mkdir()
    rows = []
    for v, n in lengths.items():
        y = rng.integers(0, 8, n)
        y[rng.random(n) < 0.1] = -1
        va = np.round(rng.uniform(-1, 1, (n, 2)), 3)
        au = rng.integers(0, 2, (n, 12))
        (ann["EXPR"] / f"{v}.txt").write_text(",".join(CLASSES) + "\n" + "".join(f"{k}\n" for k in y))
        (ann["VA"] / f"{v}.txt").write_text("valence,arousal\n" + "".join(f"{a},{b}\n" for a, b in va))
        (ann["AU"] / f"{v}.txt").write_text(",".join(ABAW_AUS) + "\n" + "".join(",".join(map(str, r)) + "\n"
                                                                              for r in au))
        has = rng.random(n) > 0.15                      # frames with a face: in the dump
        for f in np.flatnonzero(has):
            rows.append({"sample_id": f"{v}/{f + 1:05d}", "group": v, "y_true": y[f],
                         "y_pred": y[f] if y[f] >= 0 and rng.random() < 0.5 else int(rng.integers(0, 8)),
                         "v_true": va[f, 0], "a_true": va[f, 1],
                         "v_pred": np.clip(va[f, 0] + rng.normal(0, 0.3), -1, 1),
                         "a_pred": np.clip(va[f, 1] + rng.normal(0, 0.3), -1, 1),
                         **{f"au{a[2:]}_true": au[f, j] for j, a in enumerate(ABAW_AUS)},
                         **{f"au{a[2:]}_pred": au[f, j] if rng.random() < 0.7 else 1 - au[f, j]
                            for j, a in enumerate(ABAW_AUS)}})
    frame = pd.DataFrame(rows)
    dump = tmp_path / "dump.csv"
    frame.to_csv(dump, index=False)
    missing = sum(lengths.values()) - len(frame)
    return dump, frame, ann, missing


def _audit(args):
    r = runner.invoke(app, ["audit", *args, "--json", "--taxonomy", "affwild2-expr8"])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout[r.stdout.index("{"):])


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_export_expr_then_audit_reproduces_the_dumps_macro_f1_exactly(tmp_path):
    dump, frame, ann, missing = _case(tmp_path)
    out = tmp_path / "sub"
    r = runner.invoke(app, ["export", str(dump), "--format", "abaw-expr", "--out", str(out),
                            "--taxonomy", "affwild2-expr8", "--truth", str(ann["EXPR"])])
    assert r.exit_code == 0, r.output
    assert f"{missing} frame(s) the dump lacks written as -1" in r.output
    first = (out / "vidA.txt").read_text().splitlines()
    assert first[0] == ",".join(CLASSES) and len(first) == 41
    d = _audit([str(dump)])["metrics"]
    s = _audit([str(out), "--truth", str(ann["EXPR"])])
    keep = frame["y_true"] >= 0
    ref = f1_score(frame["y_true"][keep], frame["y_pred"][keep], average="macro", labels=range(8))
    assert s["metrics"]["expr_macro_f1"] == d["expr_macro_f1"] == pytest.approx(ref, abs=1e-12)
    assert s["metrics"]["accuracy"] == d["accuracy"]
    assert s["exclusions"]["abaw_no_prediction"] == missing
    assert check_submission(out, ann["EXPR"]) is None


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("task, keys", [("va", ("va_ccc_valence", "va_ccc_arousal")),
                                        ("au", ("au_f1_mean", "abaw3_au_score"))])
def test_export_va_and_au_audit_to_the_dumps_numbers(tmp_path, task, keys):
    dump, frame, ann, missing = _case(tmp_path, seed=1)
    out = tmp_path / "sub"
    r = runner.invoke(app, ["export", str(dump), "--format", f"abaw-{task}", "--out", str(out),
                            "--taxonomy", "affwild2-expr8", "--truth", str(ann[task.upper()])])
    assert r.exit_code == 0, r.output
    assert check_submission(out, ann[task.upper()]) is None
    d = _audit([str(dump)])["metrics"]
    s = _audit([str(out), "--truth", str(ann[task.upper()])])["metrics"]
    for k in keys:
        if task == "au":                       # counts: exactly equal
            assert s[k] == d[k], k
        else:                                  # float sums over frames taken in another order
            assert s[k] == pytest.approx(d[k], rel=1e-14), k


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_export_mtl_writes_the_single_file(tmp_path):
    dump, frame, ann, _ = _case(tmp_path, seed=2)
    out = tmp_path / "mtl"
    r = runner.invoke(app, ["export", str(dump), "--format", "abaw-mtl", "--out", str(out),
                            "--taxonomy", "affwild2-expr8"])
    assert r.exit_code == 0, r.output
    lines = (out / "predictions.txt").read_text().splitlines()
    assert lines[0] == "image,valence,arousal,expression,aus" and len(lines) == len(frame) + 1
    img, v, a, e, *aus = lines[1].split(",")
    row = frame.sort_values(["group", "sample_id"]).iloc[0]
    assert img == row["sample_id"] + ".jpg" and float(v) == row["v_pred"] and int(e) == row["y_pred"]
    assert len(aus) == 12


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_check_submission_names_the_first_problem(tmp_path):
    dump, frame, ann, _ = _case(tmp_path, seed=3)
    out = tmp_path / "sub"
    assert runner.invoke(app, ["export", str(dump), "--format", "abaw-expr", "--out", str(out),
                               "--taxonomy", "affwild2-expr8", "--truth", str(ann["EXPR"])]).exit_code == 0
    r = runner.invoke(app, ["audit", "--check-submission", str(out), "--truth", str(ann["EXPR"])])
    assert r.exit_code == 0 and "matches" in r.output
    # a line too few
    f = out / "vidB.txt"
    good = f.read_text()
    f.write_text("\n".join(good.splitlines()[:-1]) + "\n")
    r = runner.invoke(app, ["audit", "--check-submission", str(out), "--truth", str(ann["EXPR"])])
    assert r.exit_code == 1 and "vidB.txt: 24 frame line(s), the annotation file" in r.output and " has 25" in r.output
    # a wrong header
    f.write_text(good.replace("Other", "Contempt", 1))
    r = runner.invoke(app, ["audit", "--check-submission", str(out), "--truth", str(ann["EXPR"])])
    assert r.exit_code == 1 and "vidB.txt, line 1: wrong header" in r.output
    # a missing video (the first in name order is named)
    f.write_text(good)
    (out / "10-60-1280x720.txt").unlink()
    r = runner.invoke(app, ["audit", "--check-submission", str(out), "--truth", str(ann["EXPR"])])
    assert r.exit_code == 1 and "missing video '10-60-1280x720'" in r.output
    assert r.output.count("\n") == 1
    # a label outside the classes
    (out / "10-60-1280x720.txt").write_text(",".join(CLASSES) + "\n" + "9\n" * 33)
    assert "line 2: '9' is not a class 0-7 or -1" in check_submission(out, ann["EXPR"])


def test_export_refuses_ids_without_frames(tmp_path):
    f = tmp_path / "d.csv"
    pd.DataFrame({"sample_id": ["a.jpg", "b.jpg"], "y_true": [0, 1], "y_pred": [0, 1]}).to_csv(f, index=False)
    r = runner.invoke(app, ["export", str(f), "--format", "abaw-expr", "--out", str(tmp_path / "o"),
                            "--taxonomy", "affwild2-expr8"])
    assert r.exit_code == 2 and "is not '<video>/<frame>'" in r.output


def test_export_a_prediction_only_dump_of_a_test_set(tmp_path):
    """Test labels are withheld: the dump has p_<Class> columns and no y_true."""
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(8), size=30)
    frame = pd.DataFrame({"sample_id": [f"clip/{f:05d}" for f in range(1, 31) if f != 7]})
    for k, c in enumerate(CLASSES):
        frame[f"p_{c}"] = np.delete(p[:, k], 6)
    f = tmp_path / "test_predictions.csv"
    frame.to_csv(f, index=False)
    out = tmp_path / "sub"
    r = runner.invoke(app, ["export", str(f), "--format", "abaw-expr", "--out", str(out)])
    assert r.exit_code == 0 and "1 frame(s) the dump lacks written as -1" in r.output, r.output
    lines = (out / "clip.txt").read_text().splitlines()
    want = np.delete(p, 6, axis=0).argmax(axis=1).tolist()
    assert lines[0] == ",".join(CLASSES) and lines[7] == "-1"
    assert [int(x) for x in lines[1:7] + lines[8:]] == want


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_export_then_read_back_pairs_every_dump_frame_with_its_prediction(tmp_path_factory, data):
    """Property: whatever frames each video lacks, the folder read back holds exactly the
    dump's frames, each with the dump's label, and counts the others as without prediction."""
    from affectctl.io.formats.abaw import read_abaw_folders

    root = tmp_path_factory.mktemp("prop")
    n_videos = data.draw(st.integers(1, 3))
    ann, rows, total = root / "EXPR", [], 0
    ann.mkdir()
    for v in range(n_videos):
        n = data.draw(st.integers(1, 12))
        total += n
        labels = data.draw(st.lists(st.integers(-1, 7), min_size=n, max_size=n))
        (ann / f"v{v}.txt").write_text(",".join(CLASSES) + "\n" + "".join(f"{k}\n" for k in labels))
        have = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
        preds = data.draw(st.lists(st.integers(0, 7), min_size=n, max_size=n))
        rows += [(f"v{v}/{f + 1:05d}", labels[f], preds[f]) for f in range(n) if have[f]]
    if not rows:
        return
    dump = root / "d.csv"
    pd.DataFrame(rows, columns=["sample_id", "y_true", "y_pred"]).to_csv(dump, index=False)
    res = export_abaw(dump, "abaw-expr", root / "sub", truth=ann, taxonomy="affwild2-expr8")
    assert res.missing == total - len(rows) and res.frames == total
    back = read_abaw_folders(root / "sub", ann)
    got = dict(zip(back.sample_id, back.y_pred))
    assert got == {s: p for s, _, p in rows}
    assert back.exclusions.get("abaw_no_prediction", 0) == total - len(rows)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_export_mtl_against_its_annotation_file_audits_to_the_dumps_numbers(tmp_path):
    dump, frame, ann, missing = _case(tmp_path, seed=5)
    # the multi-task annotation file: every frame of the per-video annotations, in video order
    lines = ["image,valence,arousal,expression,aus"]
    for v in sorted(p.stem for p in ann["EXPR"].glob("*.txt")):
        e = (ann["EXPR"] / f"{v}.txt").read_text().split()[1:]
        va = (ann["VA"] / f"{v}.txt").read_text().split()[1:]
        au = (ann["AU"] / f"{v}.txt").read_text().split()[1:]
        lines += [f"{v}/{i + 1:05d}.jpg,{va[i]},{e[i]},{au[i]}" for i in range(len(e))]
    mtl = tmp_path / "mtl_annotations.txt"
    mtl.write_text("\n".join(lines) + "\n")
    out = tmp_path / "sub"
    r = runner.invoke(app, ["export", str(dump), "--format", "abaw-mtl", "--out", str(out),
                            "--taxonomy", "affwild2-expr8", "--truth", str(mtl)])
    assert r.exit_code == 0 and f"{missing} frame(s) the dump lacks" in r.output, r.output
    assert check_submission(out, mtl) is None
    d = _audit([str(dump)])["metrics"]
    s = _audit([str(out / "predictions.txt"), "--truth", str(mtl)])
    assert s["exclusions"]["abaw_no_prediction"] == missing
    assert s["metrics"]["expr_macro_f1"] == d["expr_macro_f1"]
    assert s["metrics"]["au_f1_mean"] == d["au_f1_mean"]
    assert s["metrics"]["abaw_mtl_score"] == pytest.approx(d["abaw_mtl_score"], rel=1e-14)
