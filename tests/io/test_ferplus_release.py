"""FERPlus as released (``tests/data/ferplus``): ``fer2013new.csv`` and the repository's
``data/FER2013Test/label.csv``, checked against pandas and scikit-learn.

The reference labels are computed here from the raw votes with pandas and a plain loop
over FERPlus's ``_process_data('majority')`` (single votes dropped, more than half of the
rest wins), independently of :func:`affectctl.io.formats.fer.ferplus_majority`.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score
from typer.testing import CliRunner

from affectctl.audit import audit
from affectctl.cli import app
from affectctl.io.formats.fer import read_ferplus
from affectctl.io.formats import detect_truth
from affectctl.io.formats.read import read_predictions

DATA = Path(__file__).resolve().parents[1] / "data" / "ferplus"
NEW = DATA / "fer2013new.csv"
LABELS = DATA / "FER2013Test_label.csv"
VOTES = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF"]
CLASSES = ["Neutral", "Happiness", "Surprise", "Sadness", "Anger", "Disgust", "Fear", "Contempt"]
runner = CliRunner()


def _majority(row) -> int:
    row = [0.0 if x <= 1 else float(x) for x in row]
    k = int(np.argmax(row))
    return k if row[k] > 0.5 * sum(row) and k < 8 else -1


def _majority_raw(row) -> int:
    """The majority class among all 10 columns (8 unknown, 9 NF), -1 without a majority."""
    row = [0.0 if x <= 1 else float(x) for x in row]
    k = int(np.argmax(row))
    return k if row[k] > 0.5 * sum(row) else -1


def _private_predictions(tmp_path, seed=0):
    """Extensionless predictions for every distinct named PrivateTest image."""
    ref = pd.read_csv(NEW, dtype={"Image name": str})
    test = ref[(ref["Usage"] == "PrivateTest") & ref["Image name"].notna()].drop_duplicates("Image name")
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.ones(8), size=len(test))
    frame = pd.DataFrame({"sample_id": test["Image name"].str.replace(".png", "", regex=False).to_numpy()})
    for k, c in enumerate(CLASSES):
        frame[f"p_{c}"] = proba[:, k]
    pfile = tmp_path / "pred.csv"
    frame.to_csv(pfile, index=False)
    return ref, test, proba, pfile


def test_released_fer2013new_with_extensionless_private_test_predictions(tmp_path):
    ref, test, proba, pfile = _private_predictions(tmp_path)
    assert len(test) == 3573 and "fer0033120" in set(pd.read_csv(pfile)["sample_id"])
    with pytest.warns(UserWarning, match=r"1 image\(s\) listed twice with different votes "
                                         r"\(fer0033120.png\) are left out; 3 repeated identical row"):
        dump = read_predictions(pfile, annotations=NEW)
    m = audit(dump).metrics
    y = np.array([_majority(r) for r in test[VOTES].to_numpy()])
    y[test["Image name"].to_numpy() == "fer0033120.png"] = -1          # its two rows disagree
    keep = y >= 0
    assert dump.n_samples == len(test) and int(dump.expr_mask.sum()) == int(keep.sum())
    assert m["accuracy"] == pytest.approx(accuracy_score(y[keep], proba[keep].argmax(1)), abs=1e-12)
    assert m["expr_macro_f1"] == pytest.approx(
        f1_score(y[keep], proba[keep].argmax(1), average="macro", labels=range(8)), abs=1e-12)
    assert dump.exclusions["by_code"]["FER+ rows disagree"] == 1
    r = runner.invoke(app, ["audit", str(pfile), "--truth", str(NEW)])
    assert r.exit_code in (0, 1) and "affectctl: error" not in r.output, r.output


def test_ids_of_nameless_rows_never_name_a_real_image():
    with pytest.warns(UserWarning, match="listed twice"):
        t = read_ferplus(NEW)
    ref = pd.read_csv(NEW, dtype={"Image name": str})
    stems = set(ref["Image name"].dropna().str.replace(".png", "", regex=False))
    nameless = t.sample_id[t.excluded["FER+ dropped image"]]
    assert len(nameless) == 173 == ref["Image name"].isna().sum()
    assert not (set(nameless) & (stems | set(ref["Image name"].dropna())))
    assert t.n_rows == len(ref) - 4        # 3 identical repeats collapsed, fer0033120 kept once
    # FERPlus's own majority mode over all 35,887 rows keeps 31,412 (4,200 without a majority,
    # 99 unknown, 176 NF); counted once, the 3 repeated images and fer0033120's Neutral row go
    y = np.array([_majority(r) for r in ref[VOTES].to_numpy()])
    top = np.array([_majority_raw(r) for r in ref[VOTES].to_numpy()])
    assert (y >= 0).sum() == 31412 and (top == 8).sum() == 99 and (top == 9).sum() == 176
    assert int((t.y_true >= 0).sum()) == 31412 - 3 - 1


def test_ferplus_label_csv_detected_by_shape_and_read_like_fer2013new(tmp_path):
    assert detect_truth(LABELS).name == "ferplus"
    ref = pd.read_csv(LABELS, header=None)
    t = read_ferplus(LABELS)
    y = np.array([_majority(r) for r in ref.iloc[:, 2:].to_numpy()])
    assert t.n_rows == len(ref) == 3573 and t.split is None
    np.testing.assert_array_equal(t.y_true, y)
    emo = ref.iloc[:, 2:10].to_numpy(float)
    np.testing.assert_allclose(t.soft_true, emo / emo.sum(1, keepdims=True))
    # the same images as fer2013new.csv's PrivateTest (whose votes differ for 282 of them:
    # the repository's label files and the later fer2013new.csv are not the same release)
    new = pd.read_csv(NEW, dtype={"Image name": str})
    assert set(t.sample_id) == set(new.loc[new["Usage"] == "PrivateTest", "Image name"].dropna())
    # and audits as truth
    _, test, proba, pfile = _private_predictions(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dump = read_predictions(pfile, annotations=LABELS)
    lab = pd.Series(y, index=ref[0].str.replace(".png", "", regex=False))
    yy = lab[pd.read_csv(pfile)["sample_id"]].to_numpy()
    keep = yy >= 0
    assert audit(dump).metrics["accuracy"] == pytest.approx(accuracy_score(yy[keep], proba[keep].argmax(1)))


def test_label_csv_bad_box_names_the_line(tmp_path):
    from affectctl.errors import DumpFormatError

    f = tmp_path / "label.csv"
    f.write_text('a.png,"(0, 0, 48, 48)",1,0,0,0,0,0,0,9,0,0\nb.png,"(0, 0, 48)",1,0,0,0,0,0,0,9,0,0\n')
    with pytest.raises(DumpFormatError, match="line 2"):
        read_ferplus(f)


def test_ferplus_names_are_not_fer2013_row_numbers():
    """fer2013.csv's truth ids (fer%07d of the row) differ from FERPlus's own image names."""
    ref = pd.read_csv(NEW, dtype={"Image name": str})
    named = ref["Image name"].notna().to_numpy()
    rows = np.array([f"fer{i:07d}.png" for i in range(len(ref))])
    assert int((named & (ref["Image name"].to_numpy() != rows)).sum()) == 35657
    assert ref["Image name"].iloc[28709] == "fer0028638.png"
