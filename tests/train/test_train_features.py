"""The --features path: small Parquet and NPZ files made here, and their errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from affectctl.io.dumps import read_dump
from affectctl.errors import ConfigError, DumpFormatError
from affectctl.domain.taxonomies import get_taxonomy
from affectctl.train import sweep
from affectctl.train.features import load_features

CLASSES = get_taxonomy("affwild2-expr8").classes


def _frame(data, names=False):
    n_tr, n_te = data.y_train.size, data.y_test.size
    X = np.vstack([data.X_train, data.X_test])
    y = np.r_[data.y_train, data.y_test]
    cols = {f"f_{j}": X[:, j] for j in range(X.shape[1])}
    cols["label"] = [data.taxonomy.classes[k] for k in y] if names else y
    cols["split"] = ["train"] * n_tr + ["test"] * n_te
    va = np.vstack([data.va_train, data.va_test])
    cols["valence"], cols["arousal"] = va[:, 0], va[:, 1]
    au = np.vstack([data.au_train, data.au_test])
    for j, name in enumerate(data.au_names):
        cols[name.lower()] = au[:, j]
    cols["group"] = np.r_[data.group_train, data.group_test].astype(str)
    cols["sample_id"] = np.r_[[f"tr{i}" for i in range(n_tr)], data.sample_id_test].astype(str)
    return pd.DataFrame(cols)


def _write_parquet(frame, path, taxonomy="affwild2-expr8"):
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if taxonomy:
        meta = dict(table.schema.metadata or {})
        meta[b"affectctl"] = json.dumps({"taxonomy": taxonomy}).encode()
        table = table.replace_schema_metadata(meta)
    pq.write_table(table, path)
    return path


def test_parquet_with_class_names_trains_and_writes_dumps(tmp_path, tiny_data, fast_models):
    path = _write_parquet(_frame(tiny_data, names=True), tmp_path / "feats.parquet")
    data = load_features(path)
    np.testing.assert_array_equal(data.y_train, tiny_data.y_train)
    np.testing.assert_allclose(data.X_test, tiny_data.X_test)
    paths = sweep(["tiny-base"], features=path, seeds=1, out=tmp_path / "runs",
                  models_dir=fast_models, progress=False, workers=1)
    dump_file = paths[("tiny-base", 0)]
    assert dump_file == tmp_path / "runs" / "feats" / "tiny-base" / "seed-0.parquet"
    dump = read_dump(dump_file)
    np.testing.assert_array_equal(dump.y_true, tiny_data.y_test)
    np.testing.assert_array_equal(dump.sample_id, tiny_data.sample_id_test.astype(str))
    assert dump.au_names == tiny_data.au_names


def test_npz_with_x_array_and_indices(tmp_path, tiny_data, fast_models):
    n_tr, n_te = tiny_data.y_train.size, tiny_data.y_test.size
    path = tmp_path / "feats.npz"
    np.savez(path, X=np.vstack([tiny_data.X_train, tiny_data.X_test]),
             label=np.r_[tiny_data.y_train, tiny_data.y_test],
             split=np.array(["train"] * n_tr + ["test"] * n_te),
             taxonomy=np.array("affwild2-expr8"))
    data = load_features(path)
    assert data.au_names == () and np.isnan(data.va_test).all()
    assert list(data.group_test[:2]) == list(data.sample_id_test[:2])  # each frame its own group
    paths = sweep(["tiny-circ"], features=path, seeds=[2], out=tmp_path / "runs",
                  models_dir=fast_models, progress=False, workers=1)
    dump = read_dump(paths[("tiny-circ", 2)])
    assert dump.n_samples == n_te and dump.exclusions["valence"] == n_te


def test_taxonomy_is_required_when_undeclared(tmp_path, tiny_data):
    path = _write_parquet(_frame(tiny_data), tmp_path / "plain.parquet", taxonomy=None)
    with pytest.raises(ConfigError, match=r"does not declare its taxonomy; pass `taxonomy`"):
        load_features(path)
    assert load_features(path, taxonomy="affwild2-expr8").taxonomy.name == "affwild2-expr8"
    # the same indices read under another taxonomy are other classes: never guessed
    assert load_features(path, taxonomy="affectnet8").taxonomy.name == "affectnet8"


def _corrupt(frame, column, row, value):
    frame = frame.copy()
    if column in frame:
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
    return frame


@pytest.mark.parametrize("edit,column,row,message", [
    (lambda f: f.drop(columns="label"), "label", None, "required column is missing"),
    (lambda f: f.drop(columns="f_3"), "f_3", None, "without gaps"),
    (lambda f: _corrupt(f, "split", 4, "valid"), "split", 6, "split must be 'train' or 'test'"),
    (lambda f: _corrupt(f, "label", 2, 8), "label", 4, "not a class index 0..7"),
    (lambda f: _corrupt(f.assign(label=f["label"].map(CLASSES.__getitem__)), "label", 3, "Joy-ish"),
     "label", 5, "unknown class name 'Joy-ish'"),
    (lambda f: _corrupt(f, "f_0", 1, np.nan), "f_0", 3, "missing, NaN or infinite"),
    (lambda f: _corrupt(f, "valence", 5, 1.5), "valence", 7, "outside [-1, 1]"),
    (lambda f: _corrupt(f, "au12", 0, 2), "au12", 2, "AU annotation 2.0 is not 0, 1 or -1"),
    (lambda f: f.drop(columns="arousal"), "arousal", None, "valence and arousal come together"),
    (lambda f: f.assign(split="train"), "split", None, "no 'test' rows"),
])
def test_malformed_parquet_names_file_row_column(tmp_path, tiny_data, edit, column, row, message):
    path = tmp_path / "bad.parquet"
    _write_parquet(edit(_frame(tiny_data)), path)
    with pytest.raises(DumpFormatError) as info:
        load_features(path)
    err = info.value
    assert message in err.reason, err.reason
    assert err.column == column and err.row == row and err.file == str(path)


def test_duplicate_test_sample_id(tmp_path, tiny_data):
    frame = _frame(tiny_data)
    first_test = tiny_data.y_train.size
    frame.loc[first_test + 1, "sample_id"] = frame.loc[first_test, "sample_id"]
    with pytest.raises(DumpFormatError, match="duplicate sample_id"):
        load_features(_write_parquet(frame, tmp_path / "dup.parquet"))


def test_unreadable_files(tmp_path):
    bad = tmp_path / "x.parquet"
    bad.write_bytes(b"not parquet")
    with pytest.raises(DumpFormatError, match="not a readable Parquet file"):
        load_features(bad)
    with pytest.raises(DumpFormatError, match="does not exist"):
        load_features(tmp_path / "missing.npz")
    other = tmp_path / "x.csv"
    other.write_text("a\n1\n")
    with pytest.raises(DumpFormatError, match="must end in .parquet, .pq or .npz"):
        load_features(other)
    npz = tmp_path / "x.npz"
    np.savez(npz, X=np.zeros((4, 3)), label=np.zeros(3), split=np.array(["train"] * 4))
    with pytest.raises(DumpFormatError, match="array has 3 rows; others have 4"):
        load_features(npz, taxonomy="affwild2-expr8")


def test_features_are_float32_memory_maps_that_pickle_as_their_file(tmp_path, tiny_data):
    import pickle

    import affectctl.train.features as features

    table = pa.Table.from_pandas(_frame(tiny_data), preserve_index=False)
    table = table.replace_schema_metadata({b"affectctl": b'{"taxonomy": "affwild2-expr8"}'})
    path = tmp_path / "f.parquet"
    pq.write_table(table, path, row_group_size=37)
    # small blocks: several row groups and column blocks, both splits within a block
    old, features.BLOCK_COLUMNS = features.BLOCK_COLUMNS, 5
    try:
        data = load_features(path)
    finally:
        features.BLOCK_COLUMNS = old
    assert data.X_train.dtype == np.float32 and isinstance(data.X_train, np.memmap)
    np.testing.assert_array_equal(data.X_train, tiny_data.X_train.astype(np.float32))
    np.testing.assert_array_equal(data.X_test, tiny_data.X_test.astype(np.float32))
    # sent to a worker, the features travel as a file name, not as their bytes
    import dataclasses

    blob = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    plain = pickle.dumps(dataclasses.replace(data, X_train=np.array(data.X_train),
                                             X_test=np.array(data.X_test)),
                         protocol=pickle.HIGHEST_PROTOCOL)
    assert len(plain) - len(blob) > 0.95 * (data.X_train.nbytes + data.X_test.nbytes)
    again = pickle.loads(blob)
    assert isinstance(again.X_train, np.memmap) and again.X_train.filename == data.X_train.filename
    np.testing.assert_array_equal(again.X_test, data.X_test)
    # a slice is an ordinary array when pickled (never the whole file by mistake)
    part = pickle.loads(pickle.dumps(data.X_train[:3]))
    assert not isinstance(part, np.memmap) and part.shape == (3, data.X_train.shape[1])


def test_feature_overflowing_float32_is_named(tmp_path, tiny_data):
    frame = _frame(tiny_data)
    frame.loc[5, "f_2"] = 1e300
    path = _write_parquet(frame, tmp_path / "big.parquet")
    with pytest.raises(DumpFormatError, match=r"row 7.*f_2|f_2.*row 7|beyond float32"):
        load_features(path)


def test_npz_blocks_give_the_same_features(tmp_path, tiny_data):
    import affectctl.train.features as features

    path = tmp_path / "x.npz"
    np.savez(path, X=np.vstack([tiny_data.X_train, tiny_data.X_test]),
             label=np.r_[tiny_data.y_train, tiny_data.y_test],
             split=np.array(["train"] * tiny_data.y_train.size + ["test"] * tiny_data.y_test.size),
             taxonomy=np.array("affwild2-expr8"))
    old, features.BLOCK_ROWS = features.BLOCK_ROWS, 29
    try:
        data = load_features(path)
    finally:
        features.BLOCK_ROWS = old
    np.testing.assert_array_equal(data.X_train, tiny_data.X_train.astype(np.float32))
    np.testing.assert_array_equal(data.X_test, tiny_data.X_test.astype(np.float32))
