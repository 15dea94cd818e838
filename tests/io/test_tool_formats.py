"""Tool outputs as predictions: each test writes a file in the tool's exact format.

Headers follow the code that writes them (see each reader's module docstring):
OpenFace ``RecorderCSV.cpp`` (2.0.x separates names with ", "), py-feat's
``FEAT_*_COLUMNS`` and ``Fex``, LibreFace's ``save_facial_attributes_video``,
EmotiEffLib's ``idx_to_class``, deepface's ``analyze`` result.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score
from typer.testing import CliRunner

from affectctl.audit import audit
from affectctl.cli import app
from affectctl.errors import DumpFormatError
from affectctl.io.formats import detect_predictions
from affectctl.io.readers import read_predictions

AFFECTNET8 = ["Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt"]
AFFECTNET_HEADER = ("subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,"
                    "expression,valence,arousal")

OPENFACE_AUS_R = ["01", "02", "04", "05", "06", "07", "09", "10", "12", "14", "15", "17", "20", "23",
                  "25", "26", "45"]
OPENFACE_AUS_C = ["01", "02", "04", "05", "06", "07", "09", "10", "12", "14", "15", "17", "20", "23",
                  "25", "26", "28", "45"]
# FeatureExtraction -aus -pose -gaze, OpenFace 2.0.x: names separated by ", "
OPENFACE_HEADER = ", ".join(
    ["frame", "face_id", "timestamp", "confidence", "success",
     "gaze_0_x", "gaze_0_y", "gaze_0_z", "gaze_1_x", "gaze_1_y", "gaze_1_z", "gaze_angle_x", "gaze_angle_y",
     "pose_Tx", "pose_Ty", "pose_Tz", "pose_Rx", "pose_Ry", "pose_Rz"]
    + [f"AU{a}_r" for a in OPENFACE_AUS_R] + [f"AU{a}_c" for a in OPENFACE_AUS_C])


def _affectnet_truth(tmp_path, n, seed):
    rng = np.random.default_rng(seed)
    code = rng.integers(0, 8, n)
    code[:8] = np.arange(8)
    names = [f"{300 + i % 5}/img{i:05d}.jpg" for i in range(n)]
    truth = tmp_path / "validation.csv"
    truth.write_text(AFFECTNET_HEADER + "\n" + "".join(
        f"{names[i]},10,10,200,200,1.0;2.0,{code[i]},0.1,0.2\n" for i in range(n)))
    return truth, names, code, rng


@pytest.mark.parametrize("sep", [", ", ","])
def test_openface_au_occurrence_and_unsuccessful_frames(tmp_path, sep):
    rng = np.random.default_rng(1)
    n = 50
    success = (rng.random(n) > 0.1).astype(int)
    occ = rng.integers(0, 2, (n, len(OPENFACE_AUS_C)))
    lines = [OPENFACE_HEADER.replace(", ", sep)]
    for i in range(n):
        vals = [i + 1, 0, f"{i * 0.033:.3f}", "0.98", success[i]] + ["0.1"] * 14
        vals += [f"{x:.2f}" for x in rng.uniform(0, 5, len(OPENFACE_AUS_R))]
        vals += [str(int(x) if success[i] else 0) for x in occ[i]]
        lines.append(sep.join(map(str, vals)))
    pfile = tmp_path / "video7.csv"
    pfile.write_text("\n".join(lines) + "\n")
    assert detect_predictions(pfile).name == "openface"
    au_true = np.where(rng.random((n, 3)) < 0.8, occ[:, [0, 8, 14]], 1 - occ[:, [0, 8, 14]])
    truth = tmp_path / "au_truth.csv"
    pd.DataFrame({"sample_id": [f"video7/{i + 1:05d}" for i in range(n)], "au1_true": au_true[:, 0],
                  "au12_true": au_true[:, 1], "au25_true": au_true[:, 2]}).to_csv(truth, index=False)
    # frames with success 0 are counted once, as OpenFace's; their truth rows are not reported
    # again as lacking a prediction (filterwarnings=error: any warning fails here)
    dump = read_predictions(pfile, annotations=truth)
    ok = success == 1
    assert dump.exclusions["openface_unsuccessful"] == int((~ok).sum())
    assert dump.au_names == ("AU1", "AU12", "AU25")
    rep = audit(dump)
    ref = [f1_score(au_true[ok, j], occ[ok][:, [0, 8, 14][j]]) for j in range(3)]
    assert rep.metrics["au_f1_mean"] == pytest.approx(np.mean(ref))


def _pyfeat_header():
    return (["FaceRectX", "FaceRectY", "FaceRectWidth", "FaceRectHeight", "FaceScore"]
            + [f"x_{i}" for i in range(68)] + [f"y_{i}" for i in range(68)] + ["Pitch", "Roll", "Yaw"]
            + ["AU01", "AU02", "AU04", "AU05", "AU06", "AU07", "AU09", "AU10", "AU11", "AU12", "AU14",
               "AU15", "AU17", "AU20", "AU23", "AU24", "AU25", "AU26", "AU28", "AU43"]
            + ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral", "input", "frame"])


def test_pyfeat_fex_against_affectnet(tmp_path):
    n = 60
    truth, names, code, rng = _affectnet_truth(tmp_path, n, 2)
    pyfeat_order = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    to_canon = {"Neutral": "neutral", "Happy": "happiness", "Sad": "sadness", "Surprise": "surprise",
                "Fear": "fear", "Disgust": "disgust", "Anger": "anger"}
    rows = []
    pred_names = []
    for i in range(n):
        p = rng.dirichlet(np.ones(7))
        true_name = AFFECTNET8[code[i]]
        if true_name in to_canon and rng.random() < 0.7:
            p[pyfeat_order.index(to_canon[true_name])] += 2
            p /= p.sum()
        pred_names.append(pyfeat_order[int(p.argmax())])
        row = [10, 10, 100, 100, 0.99] + [1.0] * 136 + [0.1, 0.2, 0.3] + list(rng.random(20))
        row += list(p) + [f"/data/affectnet/{names[i]}", 0]
        rows.append(row)
    # a second, less confident face on image 0 and a row without a face
    rows.append([5, 5, 20, 20, 0.5] + rows[0][5:])
    rows.append([np.nan] * 164 + [np.nan] * 7 + ["/data/affectnet/300/none.jpg", 0])
    pfile = tmp_path / "fex.csv"
    pd.DataFrame(rows, columns=_pyfeat_header()).to_csv(pfile, index=False)
    assert detect_predictions(pfile).name == "pyfeat"
    with pytest.warns(UserWarning, match="no class Contempt"):
        dump = read_predictions(pfile, annotations=truth)
    assert dump.exclusions["pyfeat_other_faces"] == 1 and dump.exclusions["pyfeat_no_face"] == 1
    canon_to_affectnet = {v: k for k, v in to_canon.items()}
    pred = np.array([AFFECTNET8.index(canon_to_affectnet[nm]) for nm in pred_names])
    assert audit(dump).metrics["accuracy"] == pytest.approx(accuracy_score(code, pred))


def test_pyfeat_no_face_rows_are_counted(tmp_path):
    header = _pyfeat_header()
    rows = [[10, 10, 100, 100, 0.9] + [1.0] * 139 + [0.2] * 20 + [0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1, "a.jpg", 0],
            [np.nan] * 171 + ["b.jpg", 0]]
    pfile = tmp_path / "fex.csv"
    pd.DataFrame(rows, columns=header).to_csv(pfile, index=False)
    truth = tmp_path / "list_patition_label.txt"
    truth.write_text("test_0001.jpg 4\n")
    pd.DataFrame(rows[:1], columns=header).assign(input="test_0001.jpg").to_csv(pfile, index=False)
    from affectctl.io.pyfeat import read_pyfeat

    p = read_pyfeat(pfile)
    assert p.exclusions["pyfeat_no_face"] == 0
    pd.DataFrame(rows, columns=header).to_csv(pfile, index=False)
    assert read_pyfeat(pfile).exclusions["pyfeat_no_face"] == 1


LIBREFACE_DET = [1, 2, 4, 6, 7, 10, 12, 14, 15, 17, 23, 24]
LIBREFACE_INT = [1, 2, 4, 5, 6, 9, 12, 15, 17, 20, 25, 26]


def test_libreface_video_csv(tmp_path):
    rng = np.random.default_rng(3)
    n = 40
    header = (["frame_idx", "frame_time_in_ms", "pitch", "yaw", "roll"]
              + [f"au_{a}" for a in LIBREFACE_DET] + [f"au_{a}_intensity" for a in LIBREFACE_INT]
              + ["facial_expression"])
    libre = ["Neutral", "Happiness", "Sadness", "Surprise", "Fear", "Disgust", "Anger", "Contempt"]
    truth_cls = rng.integers(0, 8, n)
    pred_cls = np.where(rng.random(n) < 0.6, truth_cls, rng.integers(0, 8, n))
    det = rng.integers(0, 2, (n, len(LIBREFACE_DET)))
    rows = [[i, round(i * 33.367, 3), 1.0, 2.0, 3.0] + list(det[i]) + list(rng.uniform(0, 5, 12))
            + [libre[pred_cls[i]]] for i in range(n)]
    pfile = tmp_path / "clip.csv"
    pd.DataFrame(rows, columns=header).to_csv(pfile, index=False)
    assert detect_predictions(pfile).name == "libreface"
    truth = tmp_path / "truth.csv"
    # LibreFace frame_idx 0..n-1 are frames 1..n of the ABAW/OpenFace numbering
    pd.DataFrame({"sample_id": [f"clip/{i + 1:05d}" for i in range(n)], "y_true": truth_cls,
                  "au12_true": det[:, 6]}).to_csv(truth, index=False)
    dump = read_predictions(pfile, annotations=truth, taxonomy="affectnet8")
    rep = audit(dump)
    assert rep.metrics["accuracy"] == pytest.approx(accuracy_score(truth_cls, pred_cls))
    assert rep.metrics["au_f1:AU12"] == pytest.approx(1.0)


def test_emotiefflib_alphabetical_order_is_mapped_by_name(tmp_path):
    n = 80
    truth, names, code, rng = _affectnet_truth(tmp_path, n, 4)
    alpha = ["Anger", "Contempt", "Disgust", "Fear", "Happiness", "Neutral", "Sadness", "Surprise"]
    canon = {"Happy": "Happiness", "Sad": "Sadness"}
    logits = rng.normal(0, 1, (n, 8))
    hit = rng.random(n) < 0.7
    for i in np.flatnonzero(hit):
        logits[i, alpha.index(canon.get(AFFECTNET8[code[i]], AFFECTNET8[code[i]]))] += 5
    pred_alpha = logits.argmax(1)
    pred = np.array([AFFECTNET8.index({v: k for k, v in canon.items()}.get(alpha[j], alpha[j]))
                     for j in pred_alpha])
    frame = pd.DataFrame(logits, columns=alpha)
    frame.insert(0, "image", [nm.split("/")[1] for nm in names])
    pfile = tmp_path / "hsemotion.csv"
    frame.to_csv(pfile, index=False)
    assert detect_predictions(pfile).name == "emotiefflib"
    dump = read_predictions(pfile, annotations=truth)
    assert dump.exclusions["scores_softmaxed"] == n
    assert audit(dump).metrics["accuracy"] == pytest.approx(accuracy_score(code, pred))
    # the same scores in numbered columns: the model's alphabetical order applies
    numbered = frame.rename(columns={c: str(k) for k, c in enumerate(alpha)})
    numbered.to_csv(pfile, index=False)
    assert detect_predictions(pfile) is None
    dump2 = read_predictions(pfile, annotations=truth, format="emotiefflib")
    np.testing.assert_array_equal(dump2.y_pred, dump.y_pred)


def test_deepface_analyze_json(tmp_path):
    rng = np.random.default_rng(5)
    n = 30
    lab = rng.integers(1, 8, n)
    truth = tmp_path / "list_patition_label.txt"
    truth.write_text("".join(f"test_{i + 1:04d}.jpg {lab[i]}\n" for i in range(n)))
    raf = ["Surprise", "Fear", "Disgust", "Happiness", "Sadness", "Anger", "Neutral"]
    deep = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    to_deep = {"Surprise": "surprise", "Fear": "fear", "Disgust": "disgust", "Happiness": "happy",
               "Sadness": "sad", "Anger": "angry", "Neutral": "neutral"}
    results, pred = {}, []
    for i in range(n):
        p = rng.dirichlet(np.ones(7))
        if rng.random() < 0.6:
            p[deep.index(to_deep[raf[lab[i] - 1]])] += 1
        p = 100 * p / p.sum()
        dom = deep[int(p.argmax())]
        pred.append(raf.index({v: k for k, v in to_deep.items()}[dom]) + 1)
        results[f"/home/me/RAF/aligned/test_{i + 1:04d}_aligned.jpg"] = [{
            "emotion": dict(zip(deep, map(float, p))), "dominant_emotion": dom,
            "region": {"x": 0, "y": 0, "w": 100, "h": 100, "left_eye": None, "right_eye": None},
            "face_confidence": 0.91}]
    pfile = tmp_path / "deepface.json"
    pfile.write_text(json.dumps(results))
    res = CliRunner().invoke(app, ["audit", str(pfile), "--truth", str(truth), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["metrics"]["accuracy"] == pytest.approx(accuracy_score(lab, pred))
    assert out["taxonomy"] == "rafdb7"


def test_deepface_scores_not_percent_is_an_error(tmp_path):
    pfile = tmp_path / "d.json"
    deep = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    pfile.write_text(json.dumps({"a.jpg": {"emotion": dict.fromkeys(deep, 0.1), "dominant_emotion": "sad"}}))
    truth = tmp_path / "list_patition_label.txt"
    truth.write_text("test_0001.jpg 4\n")
    res = CliRunner().invoke(app, ["audit", str(pfile), "--truth", str(truth)])
    assert res.exit_code == 2 and "not 100" in res.stderr


def test_tool_file_without_truth_is_one_line_error(tmp_path):
    pfile = tmp_path / "v.csv"
    pfile.write_text(OPENFACE_HEADER + "\n")
    res = CliRunner().invoke(app, ["audit", str(pfile)])
    assert res.exit_code == 2 and "--truth" in res.stderr


def test_generic_map_bad_option(tmp_path):
    pfile = tmp_path / "p.csv"
    pfile.write_text("image,angry,happy\na.jpg,0.2,0.8\n")
    truth = tmp_path / "list_patition_label.txt"
    truth.write_text("test_0001.jpg 4\n")
    res = CliRunner().invoke(app, ["audit", str(pfile), "--truth", str(truth), "--map", "angry:Anger"])
    assert res.exit_code == 2 and "--map" in res.stderr


def test_compare_pairs_each_seed_file_with_the_truth(tmp_path):
    n = 120
    truth, names, code, rng = _affectnet_truth(tmp_path, n, 7)
    alpha = ["Anger", "Contempt", "Disgust", "Fear", "Happiness", "Neutral", "Sadness", "Surprise"]
    canon = {"Happy": "Happiness", "Sad": "Sadness"}
    target = np.array([alpha.index(canon.get(AFFECTNET8[c], AFFECTNET8[c])) for c in code])
    runs = tmp_path / "runs"
    for cond, strength in (("base", 1.0), ("better", 2.5)):
        (runs / cond).mkdir(parents=True)
        for seed in range(3):
            logits = rng.normal(0, 1, (n, 8))
            logits[np.arange(n), target] += strength
            frame = pd.DataFrame(logits, columns=alpha)
            frame.insert(0, "image", [nm.split("/")[1] for nm in names])
            frame.to_csv(runs / cond / f"seed-{seed}.csv", index=False)
    out = tmp_path / "report"
    res = CliRunner().invoke(app, ["compare", "base", "better", "--runs", str(runs), "--truth", str(truth),
                                   "--permutations", "99", "--no-figures", "--quiet", "--out", str(out)])
    assert res.exit_code == 0, res.output
    results = json.loads((out / "results.json").read_text())
    assert "better" in json.dumps(results)
    bad = CliRunner().invoke(app, ["compare", "base", "better", "--runs", str(runs), "--map", "a=Anger"])
    assert bad.exit_code == 2 and "--truth" in bad.stderr


# -- how a tool's scores are read: probabilities (rounded), percentages, logits -- #

def _scored_files(tmp_path, transform):
    """A --map CSV of 30 images whose score columns are ``transform(probabilities)``."""
    rng = np.random.default_rng(5)
    names = ["angry", "happy", "sad", "neutral"]
    proba = rng.dirichlet(np.ones(4) * 0.7, size=30)
    truth = tmp_path / "truth.csv"
    pd.DataFrame({"sample_id": [f"im{i:03d}.jpg" for i in range(30)],
                  "y_true": rng.integers(0, 4, 30)}).to_csv(truth, index=False)
    pfile = tmp_path / "scores.csv"
    frame = pd.DataFrame(transform(proba), columns=names)
    frame.insert(0, "img", [f"im{i:03d}.jpg" for i in range(30)])
    frame.to_csv(pfile, index=False)
    args = dict(annotations=truth, taxonomy="Anger,Happiness,Sadness,Neutral",
                mapping="angry=Anger,happy=Happiness,sad=Sadness,neutral=Neutral", id_column="img")
    return pfile, args, proba


def test_rounded_probabilities_are_renormalized_not_softmaxed(tmp_path):
    pfile, args, proba = _scored_files(tmp_path, lambda p: np.round(p, 2))
    rounded = np.round(proba, 2)
    assert (np.abs(rounded.sum(axis=1) - 1) > 1e-3).any()     # the case the old rule took for logits
    with pytest.warns(UserWarning, match=r"row\(s\) summing to within 5% of 1 \(rounded\) renormalized"):
        dump = read_predictions(pfile, **args)
    np.testing.assert_allclose(dump.proba, rounded / rounded.sum(axis=1, keepdims=True), atol=1e-12)
    assert "scores_softmaxed" not in dump.exclusions


def test_percent_scores_are_read_as_percentages(tmp_path):
    pfile, args, proba = _scored_files(tmp_path, lambda p: np.round(100 * p, 1))
    with pytest.warns(UserWarning, match="read as percentages"):
        dump = read_predictions(pfile, **args)
    np.testing.assert_allclose(dump.proba, proba, atol=2e-3)
    assert "scores_softmaxed" not in dump.exclusions


def test_logits_are_softmaxed_and_counted(tmp_path):
    pfile, args, proba = _scored_files(tmp_path, lambda p: np.log(p) + 3.0)
    dump = read_predictions(pfile, **args)
    np.testing.assert_allclose(dump.proba, proba, atol=1e-9)  # softmax(log p + c) = p
    assert dump.exclusions["scores_softmaxed"] == 30


def test_pyfeat_video_frames_are_counted_from_zero(tmp_path):
    # py-feat numbers a video's frames from 0 (VideoDataset, feat/data.py); the ids follow
    # OpenFace and ABAW, whose frame i is on line i + 1: frame 0 is <video>/00001
    rng = np.random.default_rng(8)
    n = 12
    pyfeat_order = ["anger", "disgust", "fear", "happiness", "sadness", "surprise", "neutral"]
    proba = rng.dirichlet(np.ones(7), size=n)
    rows = [[10, 10, 100, 100, 0.99] + [1.0] * 136 + [0.1, 0.2, 0.3] + list(rng.random(20))
            + list(proba[i]) + ["/videos/clip7.mp4", i] for i in range(n)]
    pfile = tmp_path / "fex_video.csv"
    pd.DataFrame(rows, columns=_pyfeat_header()).to_csv(pfile, index=False)
    truth_cls = rng.integers(0, 7, n)
    truth = tmp_path / "truth.csv"
    pd.DataFrame({"sample_id": [f"clip7/{i + 1:05d}" for i in range(n)],
                  "y_true": truth_cls}).to_csv(truth, index=False)
    names = ",".join(c.capitalize() for c in pyfeat_order)
    dump = read_predictions(pfile, annotations=truth, taxonomy=names)
    order = np.argsort(dump.sample_id)
    assert list(np.asarray(dump.sample_id)[order]) == [f"clip7/{i + 1:05d}" for i in range(n)]
    np.testing.assert_array_equal(np.asarray(dump.y_pred)[order], proba.argmax(axis=1))


def test_deepface_one_image_with_two_faces(tmp_path):
    # DeepFace.analyze on one image returns a list with a dict per face and no image id:
    # the file's stem names the image, the most confident face is kept, the other counted
    deep = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    faces = [{"emotion": dict(zip(deep, [1.0, 1.0, 1.0, 90.0, 3.0, 2.0, 2.0])), "dominant_emotion": "happy",
              "region": {"x": 0, "y": 0, "w": 90, "h": 90}, "face_confidence": 0.97},
             {"emotion": dict(zip(deep, [80.0, 5.0, 5.0, 2.0, 3.0, 2.0, 3.0])), "dominant_emotion": "angry",
              "region": {"x": 200, "y": 10, "w": 30, "h": 30}, "face_confidence": 0.41}]
    pfile = tmp_path / "test_0001.json"
    pfile.write_text(json.dumps(faces))
    truth = tmp_path / "list_patition_label.txt"
    truth.write_text("test_0001.jpg 4\n")                       # RAF-DB 4 = Happiness
    dump = read_predictions(pfile, annotations=truth)
    assert dump.exclusions["deepface_other_faces"] == 1
    assert list(dump.sample_id) == ["test_0001.jpg"] and int(dump.y_pred[0]) == 3   # Happiness
    faces[1]["img_path"] = "other.jpg"                           # ids on some faces only
    pfile.write_text(json.dumps(faces))
    with pytest.raises(DumpFormatError, match="face 0 has no image id .* while other faces"):
        read_predictions(pfile, annotations=truth)


def test_partial_map_names_the_columns_it_leaves_out(tmp_path):
    pfile, args, _ = _scored_files(tmp_path, lambda p: p)
    args["mapping"] = "angry=Anger,happy=Happiness"
    with pytest.warns(UserWarning) as caught:
        read_predictions(pfile, **args)
    text = " ".join(str(w.message) for w in caught)
    assert "--map leaves out 2 column(s) named like emotions (sad, neutral)" in text


def test_map_to_an_unknown_emotion_names_the_option(tmp_path):
    pfile, args, _ = _scored_files(tmp_path, lambda p: p)
    res = CliRunner().invoke(app, ["audit", str(pfile), "--truth", str(args["annotations"]), "--id", "img",
                                   "--taxonomy", args["taxonomy"], "--map", "angry=Angr"])
    assert res.exit_code == 2
    assert "`--map` pair 'angry=Angr': unknown emotion name 'Angr'" in res.stderr


def test_compare_says_what_the_truth_file_excluded(tmp_path):
    # AffectNet codes 8-10 and VA -2 in the truth: compare names them, per condition, as audit does
    n = 60
    truth, names, code, rng = _affectnet_truth(tmp_path, n, 4)
    lines = truth.read_text().splitlines()
    lines[1] = lines[1].replace(f",{code[0]},0.1,0.2", ",9,-2,-2")      # Uncertain, no VA
    truth.write_text("\n".join(lines) + "\n")
    alpha = ["Anger", "Contempt", "Disgust", "Fear", "Happiness", "Neutral", "Sadness", "Surprise"]
    runs = tmp_path / "runs"
    for cond in ("base", "other"):
        (runs / cond).mkdir(parents=True)
        for seed in range(2):
            frame = pd.DataFrame(rng.normal(0, 1, (n, 8)), columns=alpha)
            frame.insert(0, "image", [nm.split("/")[1] for nm in names])
            frame.to_csv(runs / cond / f"seed-{seed}.csv", index=False)
    res = CliRunner().invoke(app, ["compare", "base", "other", "--runs", str(runs), "--truth", str(truth),
                                   "--permutations", "99", "--no-figures", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    said = res.stderr.replace("\n  ", " ").splitlines()     # one line per kind over all runs
    each = "1 each (base, other × seeds 0, 1)"
    assert f"affectctl: excluded by code: expression 9 (Uncertain): {each}" in said
    assert f"affectctl: excluded by code: valence/arousal -2: {each}" in said
    assert ("affectctl: read from the tool's file: score rows taken as logits (softmax): 60 each "
            "(base, other × seeds 0, 1)") in said
    doc = json.loads((tmp_path / "r" / "results.json").read_text())
    assert doc["settings"]["exclusions"]["other"]["1"]["scores_softmaxed"] == 60
