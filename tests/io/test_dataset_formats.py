"""Dataset annotation files as --truth: AffectNet, RAF-DB, FER2013, FERPlus.

Each test writes a small file with the dataset's header verbatim and checks the scores
against scikit-learn on the rows the protocol keeps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score
from typer.testing import CliRunner

from affectctl.audit import audit
from affectctl.cli import app
from affectctl.errors import DumpFormatError
from affectctl.io.formats.fer import ferplus_majority, read_ferplus
from affectctl.io.formats.read import read_predictions
from affectctl.metrics.regression import ccc

AFFECTNET_HEADER = ("subDirectory_filePath,face_x,face_y,face_width,face_height,facial_landmarks,"
                    "expression,valence,arousal")


def _affectnet(tmp_path, n=120, seed=0):
    rng = np.random.default_rng(seed)
    code = rng.integers(0, 11, n)
    code[:8] = np.arange(8)
    v = np.round(rng.uniform(-1, 1, n), 6)
    a = np.round(rng.uniform(-1, 1, n), 6)
    unc = rng.random(n) < 0.1
    v[unc] = -2
    a[unc] = -2
    names = [f"{100 + i % 7}/{i:040x}.jpg" for i in range(n)]
    lines = [AFFECTNET_HEADER] + [
        f"{names[i]},134,134,899,899,181.64;530.91;184.82;590.0,{code[i]},{v[i]},{a[i]}" for i in range(n)]
    truth = tmp_path / "validation.csv"
    truth.write_text("\n".join(lines) + "\n")
    pred_cls = np.where(rng.random(n) < 0.6, np.minimum(code, 7), rng.integers(0, 8, n))
    pv = np.clip(np.where(unc, 0.0, v) + rng.normal(0, 0.3, n), -1, 1)
    pa = np.clip(np.where(unc, 0.0, a) + rng.normal(0, 0.3, n), -1, 1)
    classes = ["Neutral", "Happy", "Sad", "Surprise", "Fear", "Disgust", "Anger", "Contempt"]
    # predictions keyed by file name only, another extension
    pred = pd.DataFrame({"sample_id": [nm.split("/")[1].replace(".jpg", ".png") for nm in names],
                         "y_pred": [classes[k] for k in pred_cls], "v_pred": pv, "a_pred": pa})
    pfile = tmp_path / "pred.csv"
    pred.to_csv(pfile, index=False)
    return truth, pfile, code, v, a, unc, pred_cls, pv, pa


def test_affectnet_truth_excludes_codes_and_va(tmp_path):
    truth, pfile, code, v, a, unc, pred_cls, pv, pa = _affectnet(tmp_path)
    dump = read_predictions(pfile, annotations=truth)
    rep = audit(dump)
    keep = code <= 7
    assert rep.metrics["accuracy"] == pytest.approx(accuracy_score(code[keep], pred_cls[keep]))
    assert rep.metrics["expr_macro_f1"] == pytest.approx(
        f1_score(code[keep], pred_cls[keep], average="macro", labels=range(8)))
    assert rep.metrics["va_ccc_valence"] == pytest.approx(ccc(v[~unc], pv[~unc]))
    assert rep.metrics["va_ccc_arousal"] == pytest.approx(ccc(a[~unc], pa[~unc]))
    by = rep.exclusions["by_code"]
    for c, name in ((8, "None"), (9, "Uncertain"), (10, "No-Face")):
        assert by[f"expression {c} ({name})"] == int((code == c).sum())
    assert by["valence/arousal -2"] == int(unc.sum())
    assert rep.exclusions["expr"] == int((~keep).sum())


def test_affectnet7_drops_contempt(tmp_path):
    truth, pfile, code, v, a, unc, pred_cls, pv, pa = _affectnet(tmp_path, seed=1)
    # a 7-class model: no Contempt predictions
    pred = pd.read_csv(pfile)
    pred.loc[pred["y_pred"] == "Contempt", "y_pred"] = "Neutral"
    pred.to_csv(pfile, index=False)
    pred_cls = np.where(pred_cls == 7, 0, pred_cls)
    rep = audit(read_predictions(pfile, annotations=truth, taxonomy="affectnet7"))
    keep = code <= 6
    assert rep.taxonomy == "affectnet7"
    assert rep.metrics["accuracy"] == pytest.approx(accuracy_score(code[keep], pred_cls[keep]))
    assert rep.exclusions["by_code"]["Contempt (affectnet7 protocol)"] == int((code == 7).sum())
    va_keep = ~unc & (code != 7)
    assert rep.metrics["va_ccc_valence"] == pytest.approx(ccc(v[va_keep], pv[va_keep]))


def test_affectnet_cli_prints_counts_by_code(tmp_path):
    truth, pfile, code, *_ = _affectnet(tmp_path)
    res = CliRunner().invoke(app, ["audit", str(pfile), "--truth", str(truth)], env={"COLUMNS": "100"})
    assert res.exit_code == 0, res.output
    assert f"expression 9 (Uncertain) {int((code == 9).sum())}" in res.stdout


def test_affectnet_bad_code_names_line_and_column(tmp_path):
    truth = tmp_path / "training.csv"
    truth.write_text(AFFECTNET_HEADER + "\n1/a.jpg,1,1,2,2,1;2,3,0.1,0.2\n1/b.jpg,1,1,2,2,1;2,11,0.1,0.2\n")
    pred = tmp_path / "p.csv"
    pred.write_text("sample_id,y_pred\na.jpg,Happy\nb.jpg,Happy\n")
    res = CliRunner().invoke(app, ["audit", str(pred), "--truth", str(truth)])
    assert res.exit_code == 2
    assert "training.csv, line 3, column 'expression'" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_prediction_without_truth_row_is_an_error_naming_it(tmp_path):
    truth, pfile, *_ = _affectnet(tmp_path, n=30)
    pred = pd.read_csv(pfile)
    pred.loc[3, "sample_id"] = "nosuchimage.jpg"
    pred.to_csv(pfile, index=False)
    with pytest.raises(DumpFormatError, match="nosuchimage.jpg"):
        read_predictions(pfile, annotations=truth)


def test_truth_rows_without_prediction_warn_or_fail_under_strict(tmp_path):
    truth, pfile, *_ = _affectnet(tmp_path, n=30)
    pd.read_csv(pfile).iloc[:25].to_csv(pfile, index=False)
    with pytest.warns(UserWarning, match="5 of 30 truth rows have no prediction"):
        dump = read_predictions(pfile, annotations=truth)
    assert dump.n_samples == 25
    with pytest.raises(DumpFormatError, match="--strict"):
        read_predictions(pfile, annotations=truth, strict=True)


# ----------------------------------------------------------------------------- RAF-DB


def test_rafdb_one_based_labels_and_aligned_names(tmp_path):
    rng = np.random.default_rng(3)
    n = 70
    lab = rng.integers(1, 8, n)
    lines = [f"train_{i + 1:05d}.jpg {rng.integers(1, 8)}" for i in range(20)]
    lines += [f"test_{i + 1:04d}.jpg {lab[i]}" for i in range(n)]
    truth = tmp_path / "list_patition_label.txt"
    truth.write_text("\n".join(lines) + "\n")
    pred_lab = np.where(rng.random(n) < 0.7, lab, rng.integers(1, 8, n))
    names = ["Surprise", "Fear", "Disgust", "Happiness", "Sadness", "Anger", "Neutral"]
    p = pd.DataFrame({"image": [f"aligned/test_{i + 1:04d}_aligned.jpg" for i in range(n)],
                      "label": [names[k - 1].lower() for k in pred_lab]})
    pfile = tmp_path / "p.csv"
    p.to_csv(pfile, index=False)
    mapping = ",".join(f"{c.lower()}={c}" for c in names)
    # only the test split is predicted: no warning about the 20 training images
    dump = read_predictions(pfile, annotations=truth, mapping=mapping, id_column="image")
    rep = audit(dump)
    assert rep.taxonomy == "rafdb7" and dump.n_samples == n
    assert rep.metrics["accuracy"] == pytest.approx(accuracy_score(lab, pred_lab))
    assert rep.metrics["expr_macro_f1"] == pytest.approx(f1_score(lab, pred_lab, average="macro"))


def test_rafdb_label_out_of_range(tmp_path):
    truth = tmp_path / "list_patition_label.txt"
    truth.write_text("test_0001.jpg 5\ntest_0002.jpg 0\n")
    pred = tmp_path / "p.csv"
    pred.write_text("sample_id,y_pred\ntest_0001.jpg,Sadness\n")
    with pytest.raises(DumpFormatError, match="line 2, column 'label'"):
        read_predictions(pred, annotations=truth)


# ----------------------------------------------------------------------------- FER2013 / FERPlus


def test_fer2013_rows_by_number_and_usage_split(tmp_path):
    rng = np.random.default_rng(4)
    n = 60
    emo = rng.integers(0, 7, n)
    usage = np.where(np.arange(n) < 40, "Training", "PublicTest")
    truth = tmp_path / "fer2013.csv"
    truth.write_text("emotion,pixels,Usage\n" + "".join(
        f"{emo[i]},{' '.join(['70'] * 8)},{usage[i]}\n" for i in range(n)))
    test = np.arange(40, n)
    pred = rng.integers(0, 7, test.size)
    classes = ["Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral"]
    pfile = tmp_path / "p.csv"
    pd.DataFrame({"sample_id": test, "y_pred": [classes[k] for k in pred]}).to_csv(pfile, index=False)
    rep = audit(read_predictions(pfile, annotations=truth))
    assert rep.taxonomy == "fer2013-7" and rep.n_samples == test.size
    assert rep.metrics["accuracy"] == pytest.approx(accuracy_score(emo[test], pred))


FERPLUS_HEADER = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"


@pytest.mark.parametrize("votes, label", [
    ([4, 0, 0, 1, 3, 2, 0, 0, 0, 0], -1),   # after dropping single votes 4 of 9: no majority
    ([6, 0, 1, 1, 0, 0, 0, 0, 2, 0], 0),    # 6 of 8
    ([2, 0, 0, 8, 0, 0, 0, 0, 0, 0], 3),
    ([0, 0, 6, 0, 0, 0, 4, 0, 0, 0], 2),
    ([0, 0, 0, 0, 0, 0, 0, 0, 7, 3], -2),   # unknown
    ([0, 0, 0, 0, 0, 0, 0, 0, 2, 8], -3),   # not a face
    ([5, 5, 0, 0, 0, 0, 0, 0, 0, 0], -1),   # a tie is not more than half
])
def test_ferplus_majority_rule(votes, label):
    assert ferplus_majority(np.array([votes]))[0] == label


def test_ferplus_majority_against_enumeration():
    """The vectorised rule against a plain loop over FERPlus's _process_data('majority')."""
    rng = np.random.default_rng(5)
    votes = rng.multinomial(10, rng.dirichlet(np.full(10, 0.4), size=1)[0], size=500)

    def reference(row):
        row = [0.0 if x <= 1 else float(x) for x in row]
        total = sum(row)
        if max(row) > 0.5 * total:
            k = row.index(max(row))
            return {8: -2, 9: -3}.get(k, k)
        return -1

    assert ferplus_majority(votes).tolist() == [reference(r) for r in votes]


def _ferplus(tmp_path, n=80, seed=6):
    rng = np.random.default_rng(seed)
    votes = np.array([rng.multinomial(10, rng.dirichlet(np.r_[np.full(8, 0.5), 0.05, 0.05])) for _ in range(n)])
    names = [f"fer{i:07d}.png" for i in range(n)]
    names[5] = ""   # an image FERPlus dropped
    truth = tmp_path / "fer2013new.csv"
    truth.write_text(FERPLUS_HEADER + "\n" + "".join(
        f"PrivateTest,{names[i]},{','.join(map(str, votes[i]))}\n" for i in range(n)))
    proba = rng.dirichlet(np.ones(8), size=n)
    classes = ["Neutral", "Happiness", "Surprise", "Sadness", "Anger", "Disgust", "Fear", "Contempt"]
    keep = [i for i in range(n) if names[i]]
    frame = pd.DataFrame({"sample_id": [names[i] for i in keep]})
    for k, c in enumerate(classes):
        frame[f"p_{c}"] = proba[keep, k]
    pfile = tmp_path / "p.csv"
    frame.to_csv(pfile, index=False)
    return truth, pfile, votes, proba, keep


def test_ferplus_audit_majority_and_vote_soft_truth(tmp_path):
    truth, pfile, votes, proba, keep = _ferplus(tmp_path)
    dump = read_predictions(pfile, annotations=truth)
    label = ferplus_majority(votes)[keep]
    valid = label >= 0
    rep = audit(dump)
    assert rep.metrics["accuracy"] == pytest.approx(accuracy_score(label[valid], proba[keep].argmax(1)[valid]))
    assert dump.soft_true is not None
    soft = votes[keep, :8] / votes[keep, :8].sum(1, keepdims=True)
    np.testing.assert_allclose(dump.soft_true, soft)
    by = rep.exclusions["by_code"]
    assert by["FER+ no majority"] == int((label == -1).sum())
    assert "expected_cost_votes" in rep.metrics and "ece_votes" in rep.metrics


def test_ferplus_negative_vote_is_an_error(tmp_path):
    truth = tmp_path / "fer2013new.csv"
    truth.write_text(FERPLUS_HEADER + "\nTraining,fer0000000.png,4,0,0,1,3,2,0,0,0,0\n"
                     "Training,fer0000001.png,4,0,-1,1,3,2,0,0,0,0\n")
    with pytest.raises(DumpFormatError, match="line 3, column 'surprise'"):
        read_ferplus(truth)


def test_id_levels():
    import warnings

    from affectctl.io.sample_ids import join_ids

    truth = ["689/abc.jpg", "690/abc.jpg", "12/xyz.jpg"]
    # absolute paths under another root: the trailing relative path decides, although
    # two truth rows share the file name abc
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, t, level = join_ids(["/data/AffectNet/690/abc.png", r"C:\an\12\xyz_aligned.jpg"], truth)
    assert level == "tail" and t.tolist() == [1, 2]
    with pytest.raises(DumpFormatError, match="share a file name"):
        join_ids(["abc.jpg"], truth)
