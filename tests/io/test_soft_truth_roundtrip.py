"""Soft truth (FERPlus vote shares) survives write_dump / read_dump, as CSV and as Parquet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from affectctl.audit import audit
from affectctl.errors import DumpFormatError
from affectctl.io.dumps import read_dump, write_dump
from affectctl.io.formats.read import read_predictions

FERPLUS_HEADER = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"
CLASSES = ["Neutral", "Happiness", "Surprise", "Sadness", "Anger", "Disgust", "Fear", "Contempt"]


def _ferplus_dump(tmp_path, n=60, seed=0):
    rng = np.random.default_rng(seed)
    votes = np.array([rng.multinomial(10, rng.dirichlet(np.r_[np.full(8, 0.6), 0.05, 0.05])) for _ in range(n)])
    votes[4] = [0] * 8 + [10, 0]          # only "unknown": no vote distribution over the classes
    names = [f"fer{i:07d}.png" for i in range(n)]
    truth = tmp_path / "fer2013new.csv"
    truth.write_text(FERPLUS_HEADER + "\n" + "".join(
        f"PrivateTest,{names[i]},{','.join(map(str, votes[i]))}\n" for i in range(n)))
    frame = pd.DataFrame(rng.dirichlet(np.ones(8), size=n), columns=[f"p_{c}" for c in CLASSES])
    frame.insert(0, "sample_id", names)
    frame.to_csv(tmp_path / "p.csv", index=False)
    return read_predictions(tmp_path / "p.csv", annotations=truth), votes


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_soft_truth_round_trip(tmp_path, suffix):
    dump, votes = _ferplus_dump(tmp_path)
    assert dump.soft_true is not None
    emo = votes[:, :8].astype(float)
    want = np.where(emo.sum(1, keepdims=True) > 0, emo / np.maximum(emo.sum(1, keepdims=True), 1), np.nan)
    pos = [int(s[3:10]) for s in dump.sample_id]
    np.testing.assert_allclose(dump.soft_true, want[pos], equal_nan=True)
    path = write_dump(dump, tmp_path / f"again.{suffix}")
    back = read_dump(path)
    assert back.soft_true is not None
    np.testing.assert_allclose(back.soft_true, dump.soft_true, rtol=1e-12, equal_nan=True)
    # the vote-based metrics are the same before and after the round trip
    m0, m1 = audit(dump).metrics, audit(back).metrics
    for key in ("expected_cost_votes", "ece_votes"):
        assert key in m0 and m1[key] == pytest.approx(m0[key], rel=1e-9)
    # and once more: written from the read dump, the same bytes' worth of columns
    again = read_dump(write_dump(back, tmp_path / f"third.{suffix}"))
    np.testing.assert_array_equal(np.isnan(again.soft_true), np.isnan(back.soft_true))


def _dump_frame(**soft):
    frame = pd.DataFrame({"sample_id": ["a", "b"], "y_true": [0, 1], "p_Neutral": [0.6, 0.3],
                          "p_Happiness": [0.4, 0.7]})
    for k, v in soft.items():
        frame[k] = v
    return frame


@pytest.mark.parametrize("soft, needle", [
    ({"soft_Neutral": [0.5, 0.2], "soft_Happiness": [0.5, 0.3]}, r"line 3, column 'soft_Neutral'.*sum to 0\.5"),
    ({"soft_Neutral": [0.5, -0.2], "soft_Happiness": [0.5, 1.2]}, r"line 3, column 'soft_Neutral'.*vote share"),
    ({"soft_Neutral": [0.5, np.nan], "soft_Happiness": [0.5, 1.0]}, r"line 3, column 'soft_Neutral'"),
    ({"soft_Neutral": [0.5, 0.5]}, r"column 'soft_Happiness'.*missing"),
    ({"soft_Neutral": [1, 0], "soft_Happiness": [0, 1], "soft_Fear": [0, 0]}, r"column 'soft_Fear'"),
])
def test_bad_soft_truth_names_line_and_column(tmp_path, soft, needle):
    path = tmp_path / "d.csv"
    _dump_frame(**soft).to_csv(path, index=False)
    with pytest.raises(DumpFormatError, match=needle):
        read_dump(path, taxonomy="Neutral,Happiness")
