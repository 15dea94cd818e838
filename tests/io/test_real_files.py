"""Every tool reader on a file the tool itself wrote (``tests/data/README.md``).

Numbers are checked against pandas reading the same file and scikit-learn scoring it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score
from typer.testing import CliRunner

from affectctl.audit import audit
from affectctl.cli import app
from affectctl.errors import DegenerateDataWarning, InputWarning
from affectctl.io.formats._tables import header_fields
from affectctl.io.formats import detect_predictions
from affectctl.io.formats.pyfeat import PYFEAT_V2_EMOTIONS, pyfeat_layout, read_pyfeat
from affectctl.io.formats.read import read_predictions

DATA = Path(__file__).resolve().parents[1] / "data"
PYFEAT2 = DATA / "py-feat" / "news_sample_001.csv"
PYFEAT1 = DATA / "py-feat" / "feat_tests_001.csv"
OPENFACE = DATA / "py-feat" / "OpenFace_Test.csv"
ABAW = ["AU1", "AU2", "AU4", "AU6", "AU7", "AU10", "AU12", "AU15", "AU23", "AU24", "AU25", "AU26"]
runner = CliRunner()


def _read_v2():
    with pytest.warns(InputWarning, match="8 row.s. summing to within 5% of 1"):
        return read_pyfeat(PYFEAT2)


def test_both_pyfeat_layouts_told_apart_by_their_headers():
    assert pyfeat_layout(header_fields(PYFEAT2)) == "2.x"
    assert pyfeat_layout(header_fields(PYFEAT1)) == "0.x/1.x"
    assert detect_predictions(PYFEAT2).name == detect_predictions(PYFEAT1).name == "pyfeat"
    assert detect_predictions(OPENFACE).name == "openface"


def test_pyfeat_2x_expressions_va_and_ignored_columns_against_pandas():
    ref = pd.read_csv(PYFEAT2)
    p = _read_v2()
    assert p.classes == PYFEAT_V2_EMOTIONS
    raw = ref[list(PYFEAT_V2_EMOTIONS)].to_numpy()
    np.testing.assert_allclose(p.proba, raw / raw.sum(axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_array_equal(p.va_pred, ref[["valence", "arousal"]].to_numpy())
    assert list(p.sample_id) == [f"001/{f + 1:05d}" for f in ref["frame"]]   # frames 0, 2, 4, ...
    np.testing.assert_array_equal(p.au_pred["AU12"], ref["AU12"].to_numpy())
    ign = p.metadata["ignored_columns"]
    assert ign["identity embedding"] == 513 and ign["blendshape"] == 52 and ign["face mesh"] == 3 * 478
    n_read = len(p.metadata["columns_read"]) + ("frame" not in p.metadata["columns_read"])
    assert sum(ign.values()) + n_read == ref.shape[1]


def test_pyfeat_1x_reads_as_before_against_pandas():
    ref = pd.read_csv(PYFEAT1)
    p = read_pyfeat(PYFEAT1)
    assert p.classes[0] == "anger" and p.va_pred is None and len(p.sample_id) == len(ref) == 40
    np.testing.assert_allclose(p.proba.sum(axis=1), 1.0)
    assert (p.proba.argmax(axis=1) == ref[list(p.classes)].to_numpy().argmax(axis=1)).all()


def test_pyfeat_2x_audits_against_its_own_argmax_and_va(tmp_path):
    p = _read_v2()
    truth = tmp_path / "truth.csv"
    pd.DataFrame({"sample_id": p.sample_id, "y_true": [p.classes[k] for k in p.proba.argmax(axis=1)],
                  "v_true": p.va_pred[:, 0], "a_true": p.va_pred[:, 1]}).to_csv(truth, index=False)
    with pytest.warns((UserWarning, DegenerateDataWarning)):   # 6 of 7 classes never occur
        dump = read_predictions(PYFEAT2, annotations=truth, taxonomy="affectnet7")
        m = audit(dump).metrics
    assert set(dump.tasks) >= {"expression", "va"}
    assert m["accuracy"] == 1.0 and m["va_ccc_valence"] == pytest.approx(1.0)
    assert m["va_ccc_arousal"] == pytest.approx(1.0)
    r = runner.invoke(app, ["audit", str(PYFEAT2), "--truth", str(truth), "--taxonomy", "affectnet7"])
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.output.splitlines() if ln.startswith("columns not scored: 2152 (")]
    assert len(lines) == 1 and "identity embedding 513" in lines[0] and "blendshape 52" in lines[0]


def _openface_truth(tmp_path, seed=3):
    """An AU_Set folder for OpenFace_Test.csv (100 frames), labels drawn at random."""
    rng = np.random.default_rng(seed)
    ann = tmp_path / "AU_Set"
    ann.mkdir()
    t = rng.integers(0, 2, (100, 12))
    t[rng.random((100, 12)) < 0.1] = -1
    (ann / "OpenFace_Test.txt").write_text(",".join(ABAW) + "\n" + "".join(",".join(map(str, r)) + "\n"
                                                                            for r in t))
    return ann, t


def test_openface_real_output_scores_as_scikit_learn(tmp_path):
    ann, t = _openface_truth(tmp_path)
    ref = pd.read_csv(OPENFACE, skipinitialspace=True)
    with pytest.warns(UserWarning, match="AU24"):
        dump = read_predictions(OPENFACE, annotations=ann)
    m = audit(dump).metrics
    assert dump.n_samples == 100
    for j, au in enumerate(ABAW):
        if au == "AU24":
            continue
        keep = t[:, j] >= 0
        pred = ref[f"AU{int(au[2:]):02d}_c"].to_numpy()
        assert m[f"au_f1:{au}"] == pytest.approx(f1_score(t[keep, j], pred[keep]), abs=1e-12)
    assert np.isnan(m["abaw3_au_score"])


def test_require_on_an_na_score_names_the_reason(tmp_path):
    ann, _ = _openface_truth(tmp_path)
    r = runner.invoke(app, ["audit", str(OPENFACE), "--truth", str(ann), "--require", "abaw3_au_score>=0.1"])
    assert r.exit_code == 1, r.output
    assert "abaw3_au_score>=0.1 (n/a: AU24 not predicted)" in r.output
    assert "value nan" not in r.output
    r = runner.invoke(app, ["audit", str(OPENFACE), "--truth", str(ann), "--json",
                            "--require", "abaw3_au_score>=0.1"])
    rec = json.loads(r.stdout[r.stdout.index("{"):])["requirements"][0]
    assert rec["passed"] is False and rec["na_reason"] == "AU24 not predicted"
