"""The fast ingestion paths (issue 11 point 6) give the general paths' dumps and messages.

Validation checks int64/float64 columns with whole-array reductions and hashes Arrow
``sample_id`` strings on another thread; a column of another dtype (object, strings) takes
the general path, which is the reference here: both must give bit-identical arrays and
the same first error.
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import affectctl.io.csvfast as csvfast
from affectctl.errors import DumpFormatError
from affectctl.io.dumps import dump_from_frame, read_dump
from affectctl.domain.taxonomies import get_taxonomy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _synth import synthetic_frame  # noqa: E402

_FIELDS = ("sample_id", "y_true", "y_pred", "proba", "group", "va_true", "va_pred", "au_true", "au_pred")


def _general(frame: pd.DataFrame) -> pd.DataFrame:
    """The same table with every column as Python objects: no fast path applies."""
    return pd.DataFrame({c: pd.Series(frame[c].to_numpy(dtype=object), dtype=object) for c in frame.columns})


def _same(a, b):
    for f in _FIELDS:
        x, y = getattr(a, f), getattr(b, f)
        if x is None:
            assert y is None, f
            continue
        assert x.dtype == y.dtype and x.shape == y.shape, f
        if x.dtype.kind == "f":
            assert x.tobytes() == y.tobytes(), f  # bit for bit, NaNs included
        else:
            assert np.array_equal(x, y), f
    assert a.exclusions == b.exclusions and a.au_names == b.au_names


def _check_against_columns(dump, frame, tax):
    """Independent of the reader's helpers: the arrays written out from the frame by hand."""
    base = get_taxonomy(tax).index_base
    y = frame["y_true"].to_numpy()
    assert np.array_equal(dump.y_true, np.where(y == -1, -1, y - base))
    assert np.array_equal(dump.y_pred, frame["y_pred"].to_numpy() - base)
    if dump.proba is not None:
        p = frame[[f"p_{c}" for c in get_taxonomy(tax).classes]].to_numpy()
        np.testing.assert_allclose(dump.proba, p / p.sum(axis=1, keepdims=True), rtol=0, atol=1e-15)
    for j, au in enumerate(dump.au_names):
        assert np.array_equal(dump.au_true[:, j], frame[f"au{au[2:]}_true"].to_numpy())
        assert np.array_equal(dump.au_pred[:, j], frame[f"au{au[2:]}_pred"].to_numpy() >= 0.5)
    if dump.va_true is not None:
        v = frame["v_true"].to_numpy()
        np.testing.assert_array_equal(dump.va_true[:, 0], np.where(v == -5, np.nan, v))


@pytest.mark.parametrize("kw", [
    dict(excluded=0.1),
    dict(excluded=0.0),
    dict(taxonomy="rafdb7", excluded=0.1, au=False),   # 1-based indices with -1
    dict(taxonomy="rafdb7", excluded=0.0, va=False),   # 1-based indices, none excluded
    dict(taxonomy="affectnet7", proba=False, group=False, va=False),
])
def test_fast_paths_equal_general_paths(kw):
    frame = synthetic_frame(n=3000, seed=3, **kw)
    tax = kw.get("taxonomy", "affwild2-expr8")
    fast = dump_from_frame(frame, taxonomy=tax)
    _same(fast, dump_from_frame(_general(frame), taxonomy=tax))
    _check_against_columns(fast, frame, tax)
    assert fast.sample_id.dtype == object and isinstance(fast.sample_id[0], str)
    if fast.group is not None:
        assert fast.group.dtype == object and list(fast.group) == list(frame["group"].astype(str))


def test_probability_au_predictions_equal_general_path():
    frame = synthetic_frame(n=2000, seed=4, excluded=0.05)
    rng = np.random.default_rng(1)
    for c in [c for c in frame.columns if c.startswith("au") and c.endswith("_pred")]:
        frame[c] = rng.random(len(frame))
    frame.loc[::7, "au4_pred"] = 0.5  # the threshold itself counts as occurrence
    fast = dump_from_frame(frame)
    _same(fast, dump_from_frame(_general(frame)))
    _check_against_columns(fast, frame, "affwild2-expr8")


def _set(col, value, row=11):
    def corrupt(f):
        f = f.copy()
        f[col] = f[col].astype(object)
        f.loc[row, col] = value
        return f
    return corrupt


@pytest.mark.parametrize("corrupt", [
    _set("y_true", 9), _set("y_pred", -1), _set("y_true", -2), _set("p_Fear", -0.25),
    _set("p_Fear", np.inf), _set("p_Fear", np.nan), _set("p_Fear", 0.9), _set("v_true", 1.5),
    _set("v_pred", -5), _set("a_true", np.nan), _set("au4_true", 2), _set("au4_true", -5),
    _set("au4_pred", 1.5), _set("au4_pred", np.nan), _set("au4_pred", -0.1),
    _set("sample_id", "v000/000000"), _set("group", np.nan),
])
def test_first_error_same_on_fast_and_general_paths(corrupt):
    frame = corrupt(synthetic_frame(n=500, seed=5, excluded=0.05))
    # the corrupted column is object now; its numeric twin takes the fast path
    numeric = frame.copy()
    for c in numeric.columns:
        if c not in ("sample_id", "group"):
            numeric[c] = pd.to_numeric(numeric[c])
    with pytest.raises(DumpFormatError) as general:
        dump_from_frame(_general(frame))
    with pytest.raises(DumpFormatError) as fast:
        dump_from_frame(numeric)
    assert str(fast.value) == str(general.value)
    assert "line 13" in str(fast.value)


@pytest.mark.parametrize("ids", ["arrow", "object"])
def test_duplicate_id_is_reported_before_a_later_column_error(ids):
    frame = synthetic_frame(n=400, seed=6)
    frame.loc[300, "sample_id"] = frame.loc[20, "sample_id"]
    frame.loc[5, "y_pred"] = 99  # checked after the ids: the duplicate is the error named
    if ids == "object":
        frame["sample_id"] = frame["sample_id"].astype(object)
    with pytest.raises(DumpFormatError, match=r"line 302, column 'sample_id': duplicate sample_id"):
        dump_from_frame(frame)
    frame.loc[300, "sample_id"] = "unique"
    with pytest.raises(DumpFormatError, match=r"line 7, column 'y_pred'"):
        dump_from_frame(frame)


def test_csv_read_uses_every_allowed_core_and_restores_arrow(monkeypatch, tmp_path):
    path = tmp_path / "d.csv"
    synthetic_frame(n=50, seed=7).to_csv(path, index=False)
    seen = []
    import pyarrow.csv as pacsv

    real = pacsv.read_csv

    def spy(*args, **kwargs):
        seen.append(pa.cpu_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(pacsv, "read_csv", spy)
    monkeypatch.setattr(csvfast, "csv_threads", lambda: 2)
    before = pa.cpu_count()
    pa.set_cpu_count(1)  # what OMP_NUM_THREADS=1 makes of Arrow's pool
    try:
        frame = csvfast.read_csv(path)
        assert seen == [2] and pa.cpu_count() == 1
    finally:
        pa.set_cpu_count(before)
    pd.testing.assert_frame_equal(frame, pd.read_csv(path, dtype={"sample_id": str, "group": str}),
                                  check_dtype=False)


def test_text_in_a_float_column_reads_as_pandas_does(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("sample_id,y_true,p_Anger,p_Fear,v_true,a_true,v_pred,a_pred\n"
                    "a,0,0.25,0.75,0.1,0.2,0.1,0.2\nb,1,n/a,1.0,0.1,0.2,0.1,0.2\n"
                    "c,1,high,1.0,0.1,0.2,0.1,0.2\n")
    ref = pd.read_csv(path, dtype={"sample_id": str, "group": str})
    got = csvfast.read_csv(path)
    assert list(got["p_Anger"].astype(object).where(got["p_Anger"].notna(), None)) == \
        list(ref["p_Anger"].astype(object).where(ref["p_Anger"].notna(), None))
    with pytest.raises(DumpFormatError, match=r"line 3, column 'p_Anger': probability is NaN"):
        read_dump(path, taxonomy="Anger,Fear")


def test_integer_valued_float_columns_validate_as_before(tmp_path):
    """p_/VA columns written as integers are typed float64 by the reader, int64 by pandas:
    the dump is the same."""
    path = tmp_path / "d.csv"
    path.write_text("sample_id,y_true,p_Anger,p_Fear,v_true,a_true,v_pred,a_pred\n"
                    "a,0,1,0,1,-5,0,1\nb,1,0,1,-1,0,1,-1\n")
    fast = read_dump(path, taxonomy="Anger,Fear")
    ref = dump_from_frame(pd.read_csv(path, dtype={"sample_id": str}), taxonomy="Anger,Fear")
    _same(fast, ref)
