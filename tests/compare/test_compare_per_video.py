"""compare.per_video: accuracy per video of each compared pair, and reliability bins per run,
checked against a plain per-sample recomputation (pandas) and the ECE of metrics.probability."""

import numpy as np
import pandas as pd
import pytest

from affectctl.compare.per_video import N_BINS, per_group_differences, reliability_table
from affectctl.io.columns import dump_from_frame
from affectctl.io.runs import RunSet
from affectctl.metrics.probability import expected_calibration_error
from _synth import synthetic_frame


def runset(n=300, seeds=(0, 1), shuffle_b=True):
    """Conditions A and B on the same truth; B's rows in another order (alignment)."""
    runs = {"A": {}, "B": {}}
    frames = {}
    for s in seeds:
        truth = synthetic_frame(n, seed=10 + s, au=False, va=False, n_groups=7)
        for j, c in enumerate(("A", "B")):
            pred = synthetic_frame(n, seed=50 + s + 100 * j, au=False, va=False, n_groups=7,
                                   accuracy=0.5 + 0.2 * j)
            frame = truth.copy()
            for col in frame.columns:
                if col.startswith("p_") or col == "y_pred":
                    frame[col] = pred[col]
            if c == "B" and shuffle_b:
                frame = frame.sample(frac=1.0, random_state=s).reset_index(drop=True)
            frames[(c, s)] = frame
            runs[c][s] = dump_from_frame(frame, "affwild2-expr8")
    return RunSet(runs), frames


def test_per_group_accuracy_matches_a_plain_recomputation():
    runs, frames = runset()
    out = per_group_differences(runs, [("B", "A")], (0, 1))
    # by hand: join B to A on sample_id, per video the share of correct predictions
    rows = []
    for s in (0, 1):
        a = frames[("A", s)].set_index("sample_id")
        b = frames[("B", s)].set_index("sample_id").loc[a.index]
        rows.append(pd.DataFrame({"group": a["group"], "ca": a["y_pred"] == a["y_true"],
                                  "cb": b["y_pred"] == a["y_true"]}))
    ref = pd.concat(rows).groupby("group").agg(n=("ca", "size"), acc_b=("cb", "mean"),
                                               acc_a=("ca", "mean"))
    got = out.set_index("group").loc[ref.index]
    assert (got["a"] == "B").all() and (got["b"] == "A").all()
    np.testing.assert_array_equal(got["n"], ref["n"])
    np.testing.assert_allclose(got["acc_a"], ref["acc_b"])      # a of the pair is B
    np.testing.assert_allclose(got["delta"], ref["acc_b"] - ref["acc_a"])
    assert list(out["delta"]) == sorted(out["delta"])            # sorted: the strip's order
    assert out["n"].sum() == 2 * 300


def test_per_group_is_none_without_groups():
    runs, _ = runset()
    for c in runs.runs:
        for d in runs.runs[c].values():
            object.__setattr__(d, "group", None)
    assert per_group_differences(runs, [("B", "A")], (0, 1)) is None


def test_reliability_bins_give_the_ece_of_metrics_probability():
    runs, _ = runset(seeds=(0,))
    rel = reliability_table(runs, ("A", "B"), (0,))
    for c, sub in rel.groupby("condition"):
        d = runs.dump(c, 0)
        assert sub["n"].sum() == len(d.y_true)
        # ECE = Σ_b (n_b / n) |acc_b − conf_b| (Guo et al. 2017), from the bins
        ece = float((sub["n"] / sub["n"].sum() * (sub["accuracy"] - sub["confidence"]).abs()).sum())
        assert ece == pytest.approx(expected_calibration_error(d.proba, d.y_true), abs=1e-12)
        assert sub["ece"].iloc[0] == pytest.approx(ece, abs=1e-12)
        assert ((sub["confidence"] > sub["lo"] - 1e-12) & (sub["confidence"] <= sub["hi"] + 1e-12)).all()
        assert sub["bin"].between(0, N_BINS - 1).all()


def test_reliability_is_none_without_probabilities():
    runs, _ = runset(seeds=(0,))
    for c in runs.runs:
        object.__setattr__(runs.runs[c][0], "proba", None)
    assert reliability_table(runs, ("A", "B"), (0,)) is None
