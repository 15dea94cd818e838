"""One join of predictions with a truth file, every prediction format x every truth format.

The issue's rule (issue 11), checked through the CLI for each pair: ids are
normalized (relative path, base name, ``_aligned`` suffix, extension); truth rows
without a prediction are counted and warned about, and are an error under
``--strict``; a prediction without a truth row is an error naming it. Files are
written in each format's own layout (see the readers' module docstrings); each
prediction file names its images the way that tool would be given them, which is
not how the truth file writes them.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from affectctl.cli import app

runner = CliRunner()
N = 24          # truth rows
DROP = (3, 17)  # truth rows without a prediction
EXTRA = "zz_not_in_truth"

AFFECTNET_HEADER = ("subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,"
                    "expression,valence,arousal")
FERPLUS_HEADER = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"
ABAW_EXPR_HEADER = "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other"
ABAW_AUS = "AU1,AU2,AU4,AU6,AU7,AU10,AU12,AU15,AU23,AU24,AU25,AU26"
# the seven basic emotions every expression tool predicts, as canonical names
BASIC = ["neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger"]


# ------------------------------------------------------------------ truth files
# each returns (path, ids as the predictions name them, ids as the truth names them, extra CLI args)


def truth_table(d, rng):
    ids = [f"img_{i:04d}" for i in range(N)]
    pd.DataFrame({"sample_id": ids, "y_true": rng.integers(0, 7, N)}).to_csv(d / "truth.csv", index=False)
    return d / "truth.csv", [f"{s}.jpg" for s in ids], ids, ["--taxonomy", "affectnet8"]


def truth_affectnet(d, rng):
    names = [f"{300 + i % 3}/{i:06x}.jpg" for i in range(N)]
    code = rng.integers(0, 8, N)
    (d / "validation.csv").write_text(AFFECTNET_HEADER + "\n" + "".join(
        f"{names[i]},10,10,200,200,1.0;2.0,{code[i]},0.1,-0.2\n" for i in range(N)))
    return d / "validation.csv", [f"/data/AffectNet/Manually_Annotated/{n}" for n in names], names, []


def truth_rafdb(d, rng):
    names = [f"test_{i + 1:04d}.jpg" for i in range(N)]
    lab = rng.integers(1, 8, N)
    (d / "list_patition_label.txt").write_text("".join(f"{n} {k}\n" for n, k in zip(names, lab)))
    return d / "list_patition_label.txt", [n.replace(".jpg", "_aligned.jpg") for n in names], names, []


def truth_fer2013(d, rng):
    lab = rng.integers(0, 7, N)
    (d / "fer2013.csv").write_text("emotion,pixels,Usage\n" + "".join(
        f"{k},{' '.join(['70'] * 16)},PrivateTest\n" for k in lab))
    ids = [f"fer{i:07d}" for i in range(N)]
    return d / "fer2013.csv", [f"{s}.png" for s in ids], ids, []


def truth_ferplus(d, rng):
    names = [f"fer{i:07d}.png" for i in range(N)]
    rows = []
    for i in range(N):
        votes = np.zeros(10, int)
        votes[i % 8] = 8       # a clear majority
        votes[(i + 1) % 8] += 2
        rows.append(f"PrivateTest,{names[i]},{','.join(map(str, votes))}\n")
    (d / "fer2013new.csv").write_text(FERPLUS_HEADER + "\n" + "".join(rows))
    return d / "fer2013new.csv", [n.removesuffix(".png") for n in names], names, []


def truth_abaw_expr(d, rng):
    ann = d / "EXPR_Set"
    ann.mkdir()
    ids = []
    for vid, n in (("video1", N // 2), ("video2", N - N // 2)):
        lab = rng.integers(-1, 8, n)
        (ann / f"{vid}.txt").write_text(ABAW_EXPR_HEADER + "\n" + "\n".join(map(str, lab)) + "\n")
        ids += [f"{vid}/{i + 1:05d}" for i in range(n)]
    return ann, [f"{s}.jpg" for s in ids], ids, []


EXPR_TRUTHS = {"table": truth_table, "affectnet": truth_affectnet, "rafdb": truth_rafdb,
               "fer2013": truth_fer2013, "ferplus": truth_ferplus, "abaw": truth_abaw_expr}


# ------------------------------------------------------------------ prediction files
# each writes predictions for ``ids`` and returns (path, extra CLI args)


def _proba(rng, k):
    return rng.dirichlet(np.ones(k), size=1)[0]


def pred_dump(d, ids, rng):
    classes = ["Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt"]
    p = rng.dirichlet(np.ones(8), size=len(ids))
    frame = pd.DataFrame(p, columns=[f"p_{c}" for c in classes])
    frame.insert(0, "sample_id", ids)
    frame.to_csv(d / "pred.csv", index=False)
    return d / "pred.csv", []


def pred_pyfeat(d, ids, rng):
    emo = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    aus = ["AU01", "AU02", "AU04", "AU06", "AU12"]
    header = ["FaceRectX", "FaceRectY", "FaceRectWidth", "FaceRectHeight", "FaceScore"] + aus + emo + ["input", "frame"]
    rows = [[10, 10, 100, 100, 0.99] + list(rng.random(len(aus))) + list(_proba(rng, 7)) + [s, 0] for s in ids]
    pd.DataFrame(rows, columns=header).to_csv(d / "fex.csv", index=False)
    return d / "fex.csv", []


def pred_libreface(d, ids, rng):
    libre = ["Neutral", "Happiness", "Sadness", "Surprise", "Fear", "Disgust", "Anger", "Contempt"]
    header = ["input_image_path", "pitch", "yaw", "roll", "au_1", "au_2", "au_12", "facial_expression"]
    # the seven basic classes: a hard label outside a 7-class truth is an error by design
    rows = [[s, 1.0, 2.0, 3.0, 0, 1, 0, libre[int(rng.integers(0, 7))]] for s in ids]
    pd.DataFrame(rows, columns=header).to_csv(d / "libreface.csv", index=False)
    return d / "libreface.csv", []


def pred_emotiefflib(d, ids, rng):
    alpha = ["Anger", "Contempt", "Disgust", "Fear", "Happiness", "Neutral", "Sadness", "Surprise"]
    frame = pd.DataFrame(rng.dirichlet(np.ones(8), size=len(ids)), columns=alpha)
    frame.insert(0, "image", ids)
    frame.to_csv(d / "hsemotion.csv", index=False)
    return d / "hsemotion.csv", []


def pred_deepface(d, ids, rng):
    deep = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    out = {}
    for s in ids:
        p = 100 * _proba(rng, 7)
        out[s] = [{"emotion": dict(zip(deep, map(float, p))), "dominant_emotion": deep[int(p.argmax())],
                   "region": {"x": 0, "y": 0, "w": 50, "h": 50}, "face_confidence": 0.9}]
    (d / "deepface.json").write_text(json.dumps(out))
    return d / "deepface.json", []


def pred_generic(d, ids, rng):
    cols = ["ang", "hap", "sad", "sur", "fea", "dis", "neu"]
    frame = pd.DataFrame(rng.dirichlet(np.ones(7), size=len(ids)), columns=cols)
    frame.insert(0, "picture", ids)
    frame.to_csv(d / "other.csv", index=False)
    return d / "other.csv", ["--map", "ang=Anger,hap=Happy,sad=Sad,sur=Surprise,fea=Fear,dis=Disgust,neu=Neutral",
                             "--id", "picture"]


EXPR_PREDICTIONS = {"dump": pred_dump, "pyfeat": pred_pyfeat, "libreface": pred_libreface,
                    "emotiefflib": pred_emotiefflib, "deepface": pred_deepface, "generic": pred_generic}


def _error_line(res) -> str:
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    errors = [ln for ln in lines if ln.startswith("affectctl: error: ")]
    assert len(errors) == 1 and errors[0] == lines[-1], res.stderr
    assert "Traceback" not in res.output
    return errors[0]


def _check_rule(tmp_path, truth_path, truth_ids, write_pred, pred_ids, extra):
    """The three cases of the rule for one (prediction format, truth format) pair."""
    rng = np.random.default_rng(7)
    keep = [i for i in range(N) if i not in DROP]
    for sub in ("warn", "extra"):
        (tmp_path / sub).mkdir()
    pred, args = write_pred(tmp_path / "warn", [pred_ids[i] for i in keep], rng)
    # 1. truth rows without a prediction: counted, warned, scored without them
    res = runner.invoke(app, ["audit", str(pred), "--truth", str(truth_path), "--json", *args, *extra])
    assert res.exit_code == 0, res.output
    warned = [ln for ln in res.stderr.splitlines() if "truth rows have no prediction" in ln]
    assert len(warned) == 1 and f"{len(DROP)} of {N} truth rows have no prediction" in warned[0], res.stderr
    assert repr(truth_ids[DROP[0]]) in warned[0]
    assert json.loads(res.stdout)["n_samples"] == N - len(DROP)
    # 2. the same under --strict: one error line naming the truth file
    err = _error_line(runner.invoke(app, ["audit", str(pred), "--truth", str(truth_path), "--strict",
                                          *args, *extra]))
    assert str(truth_path) in err and f"{len(DROP)} of {N} truth rows have no prediction" in err
    # 3. a prediction with no truth row: an error naming the prediction file and the id
    pred2, args2 = write_pred(tmp_path / "extra", list(pred_ids) + [EXTRA], rng)
    err = _error_line(runner.invoke(app, ["audit", str(pred2), "--truth", str(truth_path), *args2, *extra]))
    assert str(pred2) in err and f"1 of {N + 1} predictions have no row in the truth file" in err
    assert repr(getattr(write_pred, "extra_id", EXTRA)) in err


@pytest.mark.parametrize("truth_format", sorted(EXPR_TRUTHS))
@pytest.mark.parametrize("pred_format", sorted(EXPR_PREDICTIONS))
def test_expression_predictions_x_truth_formats(tmp_path, pred_format, truth_format):
    rng = np.random.default_rng(1)
    (tmp_path / "t").mkdir()
    truth_path, pred_ids, truth_ids, extra = EXPR_TRUTHS[truth_format](tmp_path / "t", rng)
    _check_rule(tmp_path, truth_path, truth_ids, EXPR_PREDICTIONS[pred_format], pred_ids, extra)


# ------------------------------------------------------------------ AU-only predictions

OPENFACE_AUS_C = ["01", "02", "04", "05", "06", "07", "09", "10", "12", "14", "15", "17", "20", "23",
                  "25", "26", "28", "45"]


def pred_openface(d, ids, rng):
    """One FeatureExtraction CSV per video (OpenFace 2.0.x: names separated by ', ');
    ``ids`` are ``video/NNNNN`` or the extra id, which becomes frame 99 of video1."""
    header = ", ".join(["frame", "face_id", "timestamp", "confidence", "success"]
                       + [f"AU{a}_c" for a in OPENFACE_AUS_C])
    by_video: dict = {}
    for s in ids:
        vid, fr = ("video1", 99) if s == EXTRA else (s.split("/")[0], int(s.split("/")[1]))
        by_video.setdefault(vid, []).append(fr)
    out = d / "openface"
    out.mkdir()
    for vid, frames in by_video.items():
        lines = [header] + [", ".join(map(str, [f, 0, f"{(f - 1) / 30:.3f}", 0.98, 1]
                                          + list(rng.integers(0, 2, len(OPENFACE_AUS_C)))))
                            for f in frames]
        (out / f"{vid}.csv").write_text("\n".join(lines) + "\n")
    return out, []


pred_openface.extra_id = "video1/00099"  # how OpenFace names the extra frame


def truth_abaw_au(d, rng):
    ann = d / "AU_Set"
    ann.mkdir()
    ids = []
    for vid, n in (("video1", N // 2), ("video2", N - N // 2)):
        lab = rng.integers(0, 2, (n, 12))
        (ann / f"{vid}.txt").write_text(ABAW_AUS + "\n" + "\n".join(",".join(map(str, r)) for r in lab) + "\n")
        ids += [f"{vid}/{i + 1:05d}" for i in range(n)]
    return ann, ids, ids, []


def truth_table_au(d, rng):
    ids = [f"video{1 + (i >= N // 2)}/{i % (N // 2) + 1:05d}" for i in range(N)]
    frame = pd.DataFrame({"sample_id": ids})
    for a in (1, 2, 12, 24):
        frame[f"au{a}_true"] = rng.integers(0, 2, N)
    frame.to_csv(d / "au_truth.csv", index=False)
    return d / "au_truth.csv", ids, ids, []


@pytest.mark.parametrize("truth_writer", [truth_abaw_au, truth_table_au], ids=["abaw", "table"])
def test_au_predictions_x_au_truth_formats(tmp_path, truth_writer):
    rng = np.random.default_rng(2)
    (tmp_path / "t").mkdir()
    truth_path, pred_ids, truth_ids, extra = truth_writer(tmp_path / "t", rng)
    _check_rule(tmp_path, truth_path, truth_ids, pred_openface, pred_ids, extra)


def test_predictions_with_nothing_the_truth_annotates(tmp_path):
    """OpenFace (AUs only) against AffectNet (expression, VA): one error line, no scores."""
    rng = np.random.default_rng(3)
    truth_path, _, names, _ = truth_affectnet(tmp_path, rng)
    pred, _ = pred_openface(tmp_path, [f"video1/{i + 1:05d}" for i in range(4)], rng)
    err = _error_line(runner.invoke(app, ["audit", str(pred), "--truth", str(truth_path)]))
    assert str(pred) in err


# ------------------------------------------------------------------ VA-only predictions


def pred_dump_va(d, ids, rng):
    frame = pd.DataFrame({"sample_id": ids, "v_pred": rng.uniform(-1, 1, len(ids)).round(4),
                          "a_pred": rng.uniform(-1, 1, len(ids)).round(4)})
    frame.to_csv(d / "va_pred.csv", index=False)
    return d / "va_pred.csv", []


def truth_abaw_va(d, rng):
    ann = d / "VA_Set"
    ann.mkdir()
    ids = []
    for vid, n in (("video1", N // 2), ("video2", N - N // 2)):
        va = rng.uniform(-1, 1, (n, 2)).round(4)
        va[0] = -5
        (ann / f"{vid}.txt").write_text("valence,arousal\n" + "\n".join(f"{v},{a}" for v, a in va) + "\n")
        ids += [f"{vid}/{i + 1:05d}" for i in range(n)]
    return ann, [f"{s}.jpg" for s in ids], ids, []


def truth_table_va(d, rng):
    ids = [f"clip{i % 3}/{i:05d}" for i in range(N)]
    pd.DataFrame({"sample_id": ids, "v_true": rng.uniform(-1, 1, N).round(4),
                  "a_true": rng.uniform(-1, 1, N).round(4)}).to_csv(d / "va_truth.csv", index=False)
    return d / "va_truth.csv", ids, ids, []


@pytest.mark.parametrize("truth_writer", [truth_abaw_va, truth_table_va], ids=["abaw", "table"])
def test_va_predictions_x_va_truth_formats(tmp_path, truth_writer):
    rng = np.random.default_rng(4)
    (tmp_path / "t").mkdir()
    truth_path, pred_ids, truth_ids, extra = truth_writer(tmp_path / "t", rng)
    _check_rule(tmp_path, truth_path, truth_ids, pred_dump_va, pred_ids, extra)


def test_va_only_scores_against_abaw_folder(tmp_path):
    """CCC of a VA-only prediction dump against VA_Set, -5 frames excluded (Lin's CCC with
    population moments, as ABAW computes it, written out here)."""
    rng = np.random.default_rng(5)
    truth_path, pred_ids, truth_ids, _ = truth_abaw_va(tmp_path, rng)
    pred, _ = pred_dump_va(tmp_path, pred_ids, rng)
    res = runner.invoke(app, ["audit", str(pred), "--truth", str(truth_path), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["tasks"] == ["va"] and doc["exclusions"]["valence"] == 2
    t = np.vstack([np.loadtxt(truth_path / f"video{k}.txt", delimiter=",", skiprows=1) for k in (1, 2)])
    p = pd.read_csv(pred)[["v_pred", "a_pred"]].to_numpy()
    ok = t[:, 0] != -5
    x, y = t[ok, 0], p[ok, 0]
    ref = 2 * np.mean((x - x.mean()) * (y - y.mean())) / (x.var() + y.var() + (x.mean() - y.mean()) ** 2)
    assert doc["metrics"]["va_ccc_valence"] == pytest.approx(ref)
    assert doc["metrics"]["official_score"] == pytest.approx(doc["metrics"]["abaw3_va_score"])
    out = runner.invoke(app, ["audit", str(pred), "--truth", str(truth_path)], env={"COLUMNS": "80"}).stdout
    assert out.splitlines()[0].endswith("valence/arousal") and "expression" not in out.lower()


def test_parquet_prediction_dump_and_truth_table_with_metadata(tmp_path):
    """Parquet on both sides: the taxonomy from the files' metadata, the group from the truth."""
    from sklearn.metrics import accuracy_score

    from affectctl.audit import audit
    from affectctl.io.dumps import write_dump
    from affectctl.io.formats.read import read_predictions

    rng = np.random.default_rng(6)
    ids = [f"s{i:03d}" for i in range(N)]
    y = rng.integers(0, 8, N)
    yp = np.where(rng.random(N) < 0.6, y, rng.integers(0, 8, N))
    write_dump(pd.DataFrame({"sample_id": ids, "y_true": y, "group": [f"g{i % 4}" for i in range(N)]}),
               tmp_path / "t.parquet", metadata={"taxonomy": "affectnet8"})
    write_dump(pd.DataFrame({"sample_id": ids[::-1], "y_pred": yp[::-1]}), tmp_path / "p.parquet",
               metadata={"taxonomy": "affectnet8"})
    dump = read_predictions(tmp_path / "p.parquet", annotations=tmp_path / "t.parquet")
    assert dump.taxonomy.name == "affectnet8" and list(dump.sample_id) == ids
    assert list(dump.group[:4]) == ["g0", "g1", "g2", "g3"]
    assert audit(dump).metrics["accuracy"] == pytest.approx(accuracy_score(y, yp))
