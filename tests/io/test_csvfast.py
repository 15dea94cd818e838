"""The pyarrow dump reader returns pandas' frame, and pandas' errors on odd files."""

import numpy as np
import pandas as pd
import pytest

from affectctl.errors import DumpFormatError
from affectctl.io.csvfast import read_csv
from affectctl.io.dumps import read_dump


def _pandas(path):
    return pd.read_csv(path, dtype={"sample_id": str, "group": str}, low_memory=False)


@pytest.mark.parametrize("text", [
    "sample_id,group,y_true,y_pred,v_true\n001,,Happy,Sad,0.5\n002,g,NA,Happy,-5\n003,g,None,Happy,\n",
    "sample_id,y_true,p_Anger,p_Fear\n1,0,0.25,0.75\n2,1,1e-3,0.999\n",
    "sample_id,y_true,y_pred\n\"a,1\",1,2\nb,-1,2\n",
])
def test_same_frame_as_pandas(tmp_path, text):
    path = tmp_path / "d.csv"
    path.write_text(text)
    pd.testing.assert_frame_equal(read_csv(path), _pandas(path), check_dtype=False)
    got, ref = read_csv(path), _pandas(path)
    for c in ref.columns:
        assert (got[c].dtype.kind == "f") == (ref[c].dtype.kind == "f"), c


def test_malformed_line_keeps_pandas_message_with_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("sample_id,y_true,y_pred\na,1,2\nb,1,2,3\n")
    with pytest.raises(DumpFormatError, match="line 3"):
        read_dump(path, taxonomy="affectnet8")


def test_validation_line_numbers_unchanged(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"sample_id": [f"s{i}" for i in range(50)], "y_true": rng.integers(0, 8, 50),
                          "y_pred": rng.integers(0, 8, 50)})
    frame.loc[17, "y_pred"] = 12
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DumpFormatError, match="line 19, column 'y_pred'"):
        read_dump(path, taxonomy="affectnet8")
