"""Run sets: layout, pairing by sample id, and errors that name the difference."""

from __future__ import annotations

import numpy as np
import pytest
from _synth import synthetic_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from affectctl.io.dumps import dump_from_frame, read_dump, write_dump
from affectctl.errors import ConfigError, PairingError
from affectctl.io.runs import aligned, check_paired, load_runs
from affectctl.metrics.compute import metric_table


def _runs(tmp_path, conditions=("base", "other"), seeds=(0, 1, 2), n=120, shuffle=False):
    for c in conditions:
        for s in seeds:
            f = synthetic_frame(n=n, seed=100 + s * 7 + len(c), va=False, au=False)
            # the truth is the same in every run; only predictions differ
            f["y_true"] = synthetic_frame(n=n, seed=1, va=False, au=False)["y_true"]
            if shuffle and c == "other":
                f = f.sample(frac=1.0, random_state=s)
            write_dump(f, tmp_path / c / f"seed-{s}.csv")
    return tmp_path


def test_load_and_align_shuffled_rows(tmp_path):
    runs = load_runs(_runs(tmp_path, shuffle=True), ["base", "other"])
    assert check_paired(runs, "other", "base") == (0, 1, 2)
    da, db, order = aligned(runs, "base", "other", 1)
    assert np.array_equal(da.sample_id, db.sample_id[order])
    table = metric_table(runs)
    assert set(table.columns) == {"condition", "seed", "metric", "value"}
    assert table.query("metric == 'accuracy'").shape[0] == 6


def test_different_seeds_named(tmp_path):
    _runs(tmp_path)
    (tmp_path / "other" / "seed-2.csv").unlink()
    runs = load_runs(tmp_path, ["base", "other"])
    with pytest.raises(PairingError, match=r"only in 'base': \[2\]"):
        check_paired(runs, "base", "other")


def test_different_sample_ids_named(tmp_path):
    _runs(tmp_path)
    p = tmp_path / "other" / "seed-1.csv"
    d = read_dump(p)
    f = synthetic_frame(n=120, seed=3, va=False, au=False)
    f.loc[5, "sample_id"] = "intruder"
    write_dump(f, p)
    with pytest.raises(PairingError, match="intruder"):
        check_paired(load_runs(tmp_path, ["base", "other"]), "base", "other")
    assert d.n_samples == 120


def test_different_labels_named(tmp_path):
    _runs(tmp_path)
    p = tmp_path / "other" / "seed-0.csv"
    f = read_dump(p)
    from affectctl.io.dumps import dump_to_frame

    frame = dump_to_frame(f)
    frame.loc[0, "y_true"] = (frame.loc[0, "y_true"] + 1) % 8
    write_dump(frame, p)
    with pytest.raises(PairingError, match="has label"):
        check_paired(load_runs(tmp_path, ["base", "other"]), "base", "other")


@pytest.mark.parametrize(("column", "value", "needle"), [
    ("group", "elsewhere", "is in group"),
    ("v_true", 0.123, "valence/arousal annotation"),
])
def test_different_groups_or_va_truth_named(tmp_path, column, value, needle):
    truth = synthetic_frame(n=120, seed=1, au=False)
    for c in ("base", "other"):
        for s in (0, 1):
            f = synthetic_frame(n=120, seed=100 + s * 7 + len(c), au=False)
            f[["y_true", "group", "v_true", "a_true"]] = truth[["y_true", "group", "v_true", "a_true"]]
            write_dump(f, tmp_path / c / f"seed-{s}.csv")
    check_paired(load_runs(tmp_path, ["base", "other"]), "base", "other")  # agree before the change
    p = tmp_path / "other" / "seed-1.csv"
    from affectctl.io.dumps import dump_to_frame

    frame = dump_to_frame(read_dump(p))
    frame[column] = frame[column].astype(object) if column == "group" else frame[column]
    frame.loc[7, column] = value
    write_dump(frame, p)
    with pytest.raises(PairingError, match=needle):
        check_paired(load_runs(tmp_path, ["base", "other"]), "base", "other")


def test_missing_condition_and_folder(tmp_path):
    _runs(tmp_path)
    with pytest.raises(ConfigError, match="found conditions: base, other"):
        load_runs(tmp_path, ["base", "nope"])
    with pytest.raises(ConfigError, match="does not exist"):
        load_runs(tmp_path / "missing", ["base"])


@settings(max_examples=25, deadline=None)
@given(st.integers(5, 80), st.integers(0, 10_000), st.booleans())
def test_dump_roundtrip_property(tmp_path_factory, n, seed, parquet):
    frame = synthetic_frame(n=n, seed=seed, excluded=0.2)
    d = dump_from_frame(frame)
    path = tmp_path_factory.mktemp("rt") / ("d.parquet" if parquet else "d.csv")
    back = read_dump(write_dump(d, path))
    assert np.array_equal(back.y_true, d.y_true) and np.array_equal(back.y_pred, d.y_pred)
    assert np.allclose(back.proba, d.proba, atol=1e-12)
    assert np.array_equal(np.isnan(back.va_true), np.isnan(d.va_true))
    assert np.array_equal(back.au_true, d.au_true)
    assert back.exclusions["expr"] == d.exclusions["expr"]


def test_float32_va_and_numeric_group_ids_still_pair(tmp_path):
    truth = synthetic_frame(n=120, seed=1, au=False)
    truth["group"] = np.arange(120) % 6  # integer video ids
    for c, fmt in (("base", "csv"), ("other", "parquet")):
        f = synthetic_frame(n=120, seed=50 + len(c), au=False)
        f[["y_true", "v_true", "a_true"]] = truth[["y_true", "v_true", "a_true"]]
        f["group"] = truth["group"] if fmt == "csv" else truth["group"].astype(float)
        if fmt == "parquet":
            f[["v_true", "a_true"]] = f[["v_true", "a_true"]].astype(np.float32)
        write_dump(f, tmp_path / c / f"seed-0.{fmt}")
    assert check_paired(load_runs(tmp_path, ["base", "other"]), "base", "other") == (0,)
