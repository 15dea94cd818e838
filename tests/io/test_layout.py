"""The cache layout has one home (affectctl.io.layout): what a sweep names, load_runs reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from affectctl.io.dumps import dump_from_frame, write_dump
from affectctl.io.layout import BAD_SEED_FILE, SEED_FILE, SIDECAR, dump_path, seed_file_name
from affectctl.io.runs import load_runs


def test_dump_path_is_the_documented_layout_and_matches_the_seed_pattern():
    p = dump_path("cache", "sim-affwild2", "base", 3)
    assert p == Path("cache/sim-affwild2/base/seed-3.parquet")
    assert SEED_FILE.match(p.name).group(1) == "3"
    assert SEED_FILE.match(seed_file_name(0, "csv"))
    assert not SEED_FILE.match("seed--1.csv") and BAD_SEED_FILE.match("seed--1.csv")
    assert SIDECAR.match("seed-3.parquet.timing.json") and not SEED_FILE.match("seed-3.parquet.timing.json")


def test_load_runs_reads_what_dump_path_names(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(0)
    for cond in ("a", "b"):
        for seed in (0, 1):
            y = rng.integers(0, 7, 40)
            frame = pd.DataFrame({"sample_id": [f"s{i}" for i in range(40)], "y_true": y,
                                  "y_pred": rng.integers(0, 7, 40)})
            write_dump(dump_from_frame(frame, taxonomy="affectnet7"),
                       dump_path(tmp_path, "ds", cond, seed))
    runs = load_runs(tmp_path / "ds", ["a", "b"])
    assert set(runs.conditions) == {"a", "b"} and runs.seeds("a") == runs.seeds("b") == (0, 1)
