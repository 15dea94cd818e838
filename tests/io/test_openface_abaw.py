"""OpenFace output against an Aff-Wild2/ABAW AU annotation folder (AU_Set).

Both count frames from 1: OpenFace's ``frame`` n of ``video.csv`` and line n+1 of
``video.txt`` (image ``video/<n:05d>.jpg``) are the same frame. F1 per AU is checked
against scikit-learn on the frames that are annotated (not -1) and tracked
(OpenFace ``success`` 1); AU24, which OpenFace does not predict, is named, its F1
and the 12-AU ABAW score are n/a.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import f1_score
from typer.testing import CliRunner

from affectctl.audit import audit
from affectctl.cli import app
from affectctl.io.readers import read_predictions

runner = CliRunner()
ABAW = ["AU1", "AU2", "AU4", "AU6", "AU7", "AU10", "AU12", "AU15", "AU23", "AU24", "AU25", "AU26"]
OPENFACE_C = ["01", "02", "04", "05", "06", "07", "09", "10", "12", "14", "15", "17", "20", "23", "25", "26",
              "28", "45"]
OPENFACE_R = [a for a in OPENFACE_C if a != "28"]


def _write(tmp_path, seed=0):
    rng = np.random.default_rng(seed)
    ann, of = tmp_path / "AU_Set", tmp_path / "openface"
    ann.mkdir()
    of.mkdir()
    header = ", ".join(["frame", "face_id", "timestamp", "confidence", "success"]
                       + [f"AU{a}_r" for a in OPENFACE_R] + [f"AU{a}_c" for a in OPENFACE_C])
    truth, pred, ok = [], [], []
    for vid, n in (("10-60-1280x720", 60), ("video22", 45)):
        t = rng.integers(0, 2, (n, 12))
        t[rng.random((n, 12)) < 0.1] = -1           # not annotated
        (ann / f"{vid}.txt").write_text(",".join(ABAW) + "\n"
                                        + "\n".join(",".join(map(str, r)) for r in t) + "\n")
        occ = rng.integers(0, 2, (n, len(OPENFACE_C)))
        success = (rng.random(n) > 0.15).astype(int)
        lines = [header]
        for i in range(n):
            c = occ[i] if success[i] else np.zeros(len(OPENFACE_C), int)   # WriteLine writes zeros
            lines.append(", ".join(map(str, [i + 1, 0, f"{i / 30:.3f}", 0.97, success[i]]
                                       + ["0.00"] * len(OPENFACE_R) + list(c))))
        (of / f"{vid}.csv").write_text("\n".join(lines) + "\n")
        truth.append(t)
        pred.append(occ)
        ok.append(success == 1)
    return ann, of, np.vstack(truth), np.vstack(pred), np.concatenate(ok)


def test_openface_folder_against_au_set_per_au_f1(tmp_path):
    ann, of, t, occ, ok = _write(tmp_path)
    with pytest.warns(UserWarning, match="no prediction for AU24 of the 12 AUs"):
        dump = read_predictions(of, annotations=ann)
    assert dump.exclusions["openface_unsuccessful"] == int((~ok).sum())
    assert dump.exclusions["au_not_predicted"] == ["AU24"]
    assert dump.n_samples == int(ok.sum())
    assert dump.exclusions["au"] == int((t[ok][:, [j for j, a in enumerate(ABAW) if a != "AU24"]] < 0).sum())
    assert "expr" not in dump.exclusions and dump.tasks == ("au",)
    rep = audit(dump)
    m = rep.metrics
    f1s = []
    for j, au in enumerate(ABAW):
        if au == "AU24":
            assert np.isnan(m["au_f1:AU24"])
            continue
        k = OPENFACE_C.index(f"{int(au[2:]):02d}")
        keep = ok & (t[:, j] >= 0)
        ref = f1_score(t[keep, j], occ[keep, k])
        assert m[f"au_f1:{au}"] == pytest.approx(ref)
        f1s.append(ref)
    assert m["au_f1_mean"] == pytest.approx(np.mean(f1s))
    # the 12-AU ABAW score is not a mean over 11
    assert np.isnan(m["abaw3_au_score"]) and np.isnan(m["official_score"])
    assert rep.au_support["AU1"] == (int((ok & (t[:, 0] >= 0)).sum()), int((ok & (t[:, 0] < 0)).sum()))
    assert rep.au_support["AU24"] == (None, None)


def test_openface_single_video_against_its_annotation_file(tmp_path):
    ann, of, t, occ, ok = _write(tmp_path, seed=1)
    with pytest.warns(UserWarning, match="AU24"):
        one = read_predictions(of / "video22.csv", annotations=ann / "video22.txt")
    n1 = 60
    keep = ok[n1:]
    assert one.n_samples == int(keep.sum())
    assert list(one.sample_id[:2]) == [f"video22/{i + 1:05d}" for i in np.flatnonzero(keep)[:2]]
    j = ABAW.index("AU12")
    sel = keep & (t[n1:, j] >= 0)
    assert audit(one).metrics["au_f1:AU12"] == pytest.approx(
        f1_score(t[n1:][sel, j], occ[n1:][sel, OPENFACE_C.index("12")]))


def test_one_video_against_the_whole_folder_warns_or_fails_strict(tmp_path):
    ann, of, *_ = _write(tmp_path)
    res = runner.invoke(app, ["audit", str(of / "video22.csv"), "--truth", str(ann), "--json"])
    assert res.exit_code == 0, res.output
    said = res.stderr.replace("\n  ", " ")             # warnings wrap between words
    assert "1 of 2 videos have no prediction at all (first: '10-60-1280x720')" in said
    res = runner.invoke(app, ["audit", str(of / "video22.csv"), "--truth", str(ann), "--strict"])
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("affectctl: error: ")
    assert "1 of 2 videos have no prediction at all" in lines[0] and str(ann) in lines[0]


@pytest.mark.parametrize("columns", ["80", "100"])
def test_au_only_console_prints_what_applies(tmp_path, columns):
    ann, of, t, occ, ok = _write(tmp_path)
    res = runner.invoke(app, ["audit", str(of), "--truth", str(ann)], env={"COLUMNS": columns})
    assert res.exit_code == 0, res.output
    out = res.stdout
    first = out.splitlines()[0]
    assert first.endswith("action units") and "taxonomy" not in first and "geometry" not in first
    assert "expression" not in out.lower() and "Per class" not in out and "Confusion" not in out
    assert "excluded: AU values " in out and f"OpenFace frames with success 0 {int((~ok).sum())}" in out
    assert "not predicted: AU24" in out
    assert "Action units" in out and "AU24" in out and "not predicted" in out
    assert "au_f1_mean: mean F1 over the 11 predicted AUs, not all 12." in out
    assert max(len(line) for line in out.splitlines()[1:]) <= int(columns)  # line 1: the (long) path
    doc = json.loads(runner.invoke(app, ["audit", str(of), "--truth", str(ann), "--json"]).stdout)
    assert doc["tasks"] == ["au"] and doc["au_support"]["AU24"] == {"annotated": None, "excluded": None}
