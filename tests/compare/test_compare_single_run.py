"""Single-run and third-party comparisons: any number of seeds >= 1, files as conditions.

References: the AR p-value of a small single-run case against exact enumeration of all
2^n swaps (statistic = macro-F1 from scikit-learn); McNemar against
scipy.stats.binomtest on the discordant counts.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import f1_score
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.compare import SINGLE_RUN_NOTE, compare
from affectctl.errors import DegenerateDataWarning
from affectctl.io.dumps import write_dump
from affectctl.io.runs import load_runs
from affectctl.domain.taxonomies import get_taxonomy
from _synth import synthetic_frame

runner = CliRunner()
K = 8


def write_runs(root, n_seeds, *, conditions=("A", "B"), n=240, va=True):
    """``root/<condition>/seed-<k>.csv`` with the same truth and different predictions."""
    for j, c in enumerate(conditions):
        (root / c).mkdir(parents=True, exist_ok=True)
        for s in range(n_seeds):
            truth = synthetic_frame(n, seed=100 + s, au=False, va=va)
            pred = synthetic_frame(n, seed=100 + s + 1000 * (j + 1), au=False, va=va,
                                   accuracy=0.55 + 0.1 * j)
            frame = truth.copy()
            for col in frame.columns:
                if col.startswith("p_") or col in ("y_pred", "v_pred", "a_pred"):
                    frame[col] = pred[col]
            write_dump(frame, root / c / f"seed-{s}.csv")
    return root


@pytest.mark.parametrize("n_seeds", [1, 2, 5])
def test_any_number_of_seeds(tmp_path, n_seeds):
    runs = load_runs(write_runs(tmp_path, n_seeds), ["A", "B"])
    res = compare(runs, "A", ("B",), n_resamples=199, rng=1)
    tests = set(res.comparisons["test"])
    assert {"ar", "mcnemar", "bowker", "stuart_maxwell"} <= tests
    mcn = res.comparisons[res.comparisons["test"] == "mcnemar"]
    assert len(mcn) == n_seeds and mcn["p_value"].between(0, 1).all()
    doc = json.loads(res.to_json())
    if n_seeds == 1:
        assert res.single_run and not tests & {"wilcoxon", "signflip", "ttest"}
        assert res.settings["seed_tests_skipped"] == SINGLE_RUN_NOTE
        assert doc["settings"]["seed_tests_skipped"].startswith("1 run per condition")
        d = res.differences
        f1 = d[d["metric"].str.startswith("f1:")]
        assert list(f1["metric"]) == [f"f1:{c}" for c in res.taxonomy.classes]
        # the CI brackets the observed difference, which is value_a - value_b
        assert (d["ci_low"] <= d["mean_diff"] + 1e-12).all()
        assert (d["mean_diff"] <= d["ci_high"] + 1e-12).all()
        ok = d["value_a"].notna()
        np.testing.assert_allclose(d.loc[ok, "mean_diff"], d.loc[ok, "value_a"] - d.loc[ok, "value_b"],
                                   atol=1e-9)
        assert len(doc["differences"]) == len(d)
    else:
        assert {"wilcoxon", "signflip", "ttest"} <= tests
        assert not res.single_run and res.differences is None
        assert res.settings["seed_tests_skipped"] is None
        wil = res.comparisons[res.comparisons["test"] == "wilcoxon"]
        assert (wil["n"] == n_seeds).all()


def test_ar_pvalue_equals_exact_enumeration(tmp_path):
    """14 samples: all 2^14 swaps of A's and B's predictions give the exact AR p-value."""
    rng = np.random.default_rng(7)
    n = 14
    tax = get_taxonomy("affwild2-expr8")
    y = rng.integers(0, K, n)
    pa = np.where(rng.random(n) < 0.8, y, (y + 1) % K)
    pb = np.where(rng.random(n) < 0.35, y, (y + 2) % K)
    for name, p in (("A", pa), ("B", pb)):
        (tmp_path / name).mkdir()
        pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)], "y_true": y, "y_pred": p}).to_csv(
            tmp_path / name / "seed-0.csv", index=False)
    runs = load_runs(tmp_path, ["A", "B"], taxonomy=tax)
    R = 19999
    with warnings.catch_warnings():   # classes without samples in 14 rows: F1 counts as 0
        warnings.simplefilter("ignore", DegenerateDataWarning)
        res = compare(runs, "A", ("B",), metrics=["expr_macro_f1"], n_resamples=R, rng=3,
                      classifier_tests=False)
    ar = res.comparisons[res.comparisons["test"] == "ar"].iloc[0]

    def mf1(t, p):
        """Macro-F1 over all K classes of rows of p (absent classes count 0), vectorised."""
        p = np.atleast_2d(p)
        hit = (p == t)
        f1 = []
        for k in range(K):
            tp = np.sum(hit & (t == k), axis=1)
            fp = np.sum((p == k) & (t != k), axis=1)
            fn = np.sum((p != k) & (t == k), axis=1)
            den = 2 * tp + fp + fn
            f1.append(np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0))
        return np.mean(f1, axis=0)

    assert mf1(y, pa)[0] == pytest.approx(f1_score(y, pa, labels=range(K), average="macro",
                                                   zero_division=0))
    # pairs are (B, A): the difference is B - A
    obs = float(mf1(y, pb)[0] - mf1(y, pa)[0])
    swaps = np.array(list(itertools.product((False, True), repeat=n)))
    first, second = np.where(swaps, pa, pb), np.where(swaps, pb, pa)
    null = mf1(y, first) - mf1(y, second)
    tol = 1e-12
    exact = min(1.0, 2 * min(np.mean(null >= obs - tol), np.mean(null <= obs + tol)))
    assert ar["mean_diff"] == pytest.approx(obs)
    assert ar["unit"] == "sample" and ar["n_resamples"] == R
    assert abs(ar["p_value"] - exact) <= 4 * ar["mc_se"] + 2 / (R + 1), (ar["p_value"], exact)


def test_mcnemar_record_equals_binomtest(tmp_path):
    runs = load_runs(write_runs(tmp_path, 1), ["A", "B"])
    res = compare(runs, "A", ("B",), n_resamples=99, rng=0, sample_test="none")
    da, db = runs.dump("A", 0), runs.dump("B", 0)
    ra, rb = da.y_pred == da.y_true, db.y_pred == db.y_true
    b, c = int(np.sum(ra & ~rb)), int(np.sum(~ra & rb))
    row = res.comparisons[res.comparisons["test"] == "mcnemar"].iloc[0]
    assert row["p_value"] == pytest.approx(stats.binomtest(b, b + c, 0.5).pvalue, rel=1e-12)
    assert bool(row["exact"])
    chi2 = compare(runs, "A", ("B",), n_resamples=99, rng=0, sample_test="none", mcnemar="chi2")
    assert not bool(chi2.comparisons[chi2.comparisons["test"] == "mcnemar"].iloc[0]["exact"])


# --------------------------------------------------------------------------------------------
# command line


def test_cli_one_seed_per_condition_in_runs_folder(tmp_path):
    root = write_runs(tmp_path / "runs", 1)
    out = tmp_path / "rep"
    res = runner.invoke(app, ["compare", "A", "B", "--runs", str(root), "--permutations", "199",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    shown = res.stdout.replace("\n", " ")                    # footnotes wrap between words
    assert "Seed-level tests not run: 1 run per condition" in shown
    assert "Δ [95% CI]" in res.stdout and "± –" not in res.stdout
    assert (out / "f1_difference_B-vs-A.png").stat().st_size > 0
    assert not list(out.glob("paired_seeds_*"))
    md = (out / "table.md").read_text()
    assert "| Value |" in md and "95% CI of Δ" in md and "Seed-level tests not run" in md


@pytest.mark.parametrize("sample_test", ["ar", "bootstrap"])
def test_cli_two_files(tmp_path, monkeypatch, sample_test):
    root = write_runs(tmp_path / "runs", 1)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "modelA.csv").write_bytes((root / "A" / "seed-0.csv").read_bytes())
    frame = pd.read_csv(root / "B" / "seed-0.csv")
    frame.to_parquet(tmp_path / "modelB.parquet")
    res = runner.invoke(app, ["compare", "modelA.csv", "modelB.parquet", "--permutations", "199",
                              "--sample-test", sample_test, "--json", "--no-figures"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["conditions"] == ["modelA", "modelB"]
    tests = {c["test"] for c in doc["comparisons"]}
    assert {sample_test, "mcnemar"} <= tests
    for c in doc["comparisons"]:
        if c["test"] in (sample_test, "mcnemar"):
            assert 0 < c["p_value"] <= 1
    assert (tmp_path / "reports" / "modelA-modelB" / "table.md").is_file()


def test_cli_renamed_files_and_equal_stems(tmp_path, monkeypatch):
    root = write_runs(tmp_path / "runs", 1)
    monkeypatch.chdir(tmp_path)
    for d in ("x", "y"):
        (tmp_path / d).mkdir()
    (tmp_path / "x" / "model.csv").write_bytes((root / "A" / "seed-0.csv").read_bytes())
    (tmp_path / "y" / "model.csv").write_bytes((root / "B" / "seed-0.csv").read_bytes())
    res = runner.invoke(app, ["compare", "x/model.csv", "y/model.csv"])
    assert res.exit_code == 2
    err = res.stderr.strip()
    assert "x/model.csv" in err and "y/model.csv" in err and "condition 'model'" in err
    assert "name=path" in err
    res = runner.invoke(app, ["compare", "x/model.csv", "tuned=y/model.csv", "--permutations", "99",
                              "--no-figures", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["conditions"] == ["model", "tuned"]


def test_cli_prediction_only_files_with_truth(tmp_path, monkeypatch):
    root = write_runs(tmp_path / "runs", 1)
    monkeypatch.chdir(tmp_path)
    truth_cols = ["sample_id", "group", "y_true", "v_true", "a_true"]
    full = {c: pd.read_csv(root / c / "seed-0.csv") for c in ("A", "B")}
    full["A"][truth_cols].sample(frac=1.0, random_state=0).to_csv("truth.csv", index=False)
    for c, f in full.items():
        f.drop(columns=truth_cols[1:]).to_csv(f"pred{c}.csv", index=False)
    args = ["--permutations", "199", "--no-figures", "--json"]
    res = runner.invoke(app, ["compare", "predA.csv", "predB.csv", "--truth", "truth.csv", *args])
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    ref = runner.invoke(app, ["compare", "predA=runs/A/seed-0.csv", "predB=runs/B/seed-0.csv", *args])
    want = json.loads(ref.stdout)
    assert [m["value"] for m in got["metrics"]] == pytest.approx([m["value"] for m in want["metrics"]])
    assert [c["p_value"] for c in got["comparisons"]] == pytest.approx(
        [c["p_value"] for c in want["comparisons"]], nan_ok=True)

    # without --truth: the file is named and --truth suggested
    res = runner.invoke(app, ["compare", "predA.csv", "predB.csv"])
    assert res.exit_code == 2 and "predA.csv" in res.stderr and "--truth" in res.stderr
    # a prediction without a truth row: an error with the count and the first few ids
    full["A"][truth_cols].iloc[:-7].to_csv("short.csv", index=False)
    res = runner.invoke(app, ["compare", "predA.csv", "predB.csv", "--truth", "short.csv"])
    err = res.stderr.strip()
    assert res.exit_code == 2 and len(err.splitlines()) == 1
    assert "predA.csv" in err and "7 of 240 predictions have no row in the truth file short.csv" in err
    assert repr(str(full["A"]["sample_id"].iloc[-7])) in err
    extra = pd.concat([full["A"][truth_cols],
                       full["A"][truth_cols].iloc[:2].assign(sample_id=["zz1", "zz2"])])
    extra.to_csv("extra.csv", index=False)
    # truth rows without a prediction: counted and warned, an error under --strict
    res = runner.invoke(app, ["compare", "predA.csv", "predB.csv", "--truth", "extra.csv", *args])
    assert res.exit_code == 0, res.output
    assert "2 of 242 truth rows have no prediction" in res.stderr and "'zz1'" in res.stderr
    res = runner.invoke(app, ["compare", "predA.csv", "predB.csv", "--truth", "extra.csv", "--strict", *args])
    err = res.stderr.strip()
    assert res.exit_code == 2 and len(err.splitlines()) == 1
    assert "extra.csv" in err and "2 of 242 truth rows have no prediction" in err and "--strict" in err


def one_line(res):
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("affectctl: error: "), res.stderr
    return lines[0]


def test_errors_name_files_not_arguments(tmp_path, monkeypatch):
    root = write_runs(tmp_path / "runs", 2)
    monkeypatch.chdir(tmp_path)
    # VA in A's dumps only
    for s in range(2):
        p = root / "B" / f"seed-{s}.csv"
        pd.read_csv(p).drop(columns=["v_true", "a_true", "v_pred", "a_pred"]).to_csv(p, index=False)
    err = one_line(runner.invoke(app, ["compare", "A", "B", "--runs", str(root)]))
    assert "B/seed-0.csv has no v_pred/a_pred columns but" in err and "A/seed-0.csv has" in err
    assert "--metric" in err
    for internal in ("`a`", "`b`", "va_true", "va_a", "proba_a"):
        assert internal not in err
    # different seeds: the runs folder is named
    (root / "B" / "seed-1.csv").rename(root / "B" / "seed-7.csv")
    err = one_line(runner.invoke(app, ["compare", "A", "B", "--runs", str(root), "--metric",
                                       "accuracy"]))
    assert str(root) in err and "seed" in err
    # a file that does not exist, files mixed with names
    err = one_line(runner.invoke(app, ["compare", "runs/A/seed-0.csv", "nope.csv"]))
    assert "nope.csv" in err
    err = one_line(runner.invoke(app, ["compare", "runs/A/seed-0.csv", "B"]))
    assert "'B'" in err and "file" in err
    # a dump that has y_true, given --truth
    err = one_line(runner.invoke(app, ["compare", "runs/A/seed-0.csv", "b=runs/A/seed-0.csv",
                                       "--truth", "runs/A/seed-0.csv"]))
    assert "runs/A/seed-0.csv" in err and "y_true" in err


def test_warnings_name_conditions_seed_and_files(tmp_path):
    root = write_runs(tmp_path, 1)
    runs = load_runs(root, ["A"])
    # B identical to A: McNemar has no discordant sample
    runs = type(runs)({"A": runs.runs["A"], "B": runs.runs["A"]}, root)
    res = compare(runs, "A", ("B",), n_resamples=99, rng=0, metrics=["accuracy"])
    notes = res.settings["warnings"]
    mc = [w for w in notes if "discordant" in w]
    assert mc and all(w.startswith("B vs A (seed 0; ") and "seed-0.csv" in w for w in mc)
    assert not any("A and B" in w for w in mc)


def test_cli_abaw_folders_and_mtl_files_with_truth(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    classes = "Neutral,Anger,Disgust,Fear,Happiness,Sadness,Surprise,Other"
    for d in ("ann", "predA", "predB"):
        (tmp_path / d).mkdir()
    for vid in ("video1", "video2", "video3"):
        t = rng.integers(-1, 8, 50)
        (tmp_path / "ann" / f"{vid}.txt").write_text(classes + "\n" + "\n".join(map(str, t)) + "\n")
        for d, acc in (("predA", 0.5), ("predB", 0.7)):
            p = np.where(rng.random(50) < acc, np.clip(t, 0, 7), rng.integers(0, 8, 50))
            (tmp_path / d / f"{vid}.txt").write_text(classes + "\n" + "\n".join(map(str, p)) + "\n")
    res = runner.invoke(app, ["compare", "predA", "predB", "--truth", "ann", "--permutations", "199",
                              "--no-figures", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["conditions"] == ["predA", "predB"] and doc["settings"]["unit"] == "group"
    assert {"ar", "mcnemar"} <= {c["test"] for c in doc["comparisons"]}

    images = [f"v{i // 20}/{i:05d}.jpg" for i in range(60)]
    head = "image,valence,arousal,expression,aus\n"

    def mtl(e):
        return head + "\n".join(f"{im},{rng.uniform(-1, 1):.3f},{rng.uniform(-1, 1):.3f},{x},"
                                + ",".join(map(str, rng.integers(0, 2, 12)))
                                for im, x in zip(images, e)) + "\n"

    (tmp_path / "truth.txt").write_text(mtl(rng.integers(0, 8, 60)))
    (tmp_path / "teamA.txt").write_text(mtl(rng.integers(0, 8, 60)))
    (tmp_path / "teamB.txt").write_text(mtl(rng.integers(0, 8, 60)))
    res = runner.invoke(app, ["compare", "teamA.txt", "teamB.txt", "--truth", "truth.txt",
                              "--permutations", "199", "--no-figures", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["conditions"] == ["teamA", "teamB"]


def test_truth_va_without_va_predictions(tmp_path):
    # a classifier's prediction-only file against truth with VA: no VA metric, but the
    # annotations are kept (they place the classes for --geometry auto)
    from affectctl.errors import DumpFormatError
    from affectctl.io.formats.read import read_predictions

    rng = np.random.default_rng(2)
    n = 40
    ids = [f"im{i}" for i in range(n)]
    pd.DataFrame({"sample_id": ids, "y_pred": rng.integers(0, 8, n)}).to_csv(tmp_path / "p.csv", index=False)
    va = rng.uniform(-1, 1, (n, 2))
    va[3] = -5
    truth = pd.DataFrame({"sample_id": ids[::-1], "y_true": rng.integers(0, 8, n),
                          "v_true": va[::-1, 0], "a_true": va[::-1, 1]})
    truth.to_csv(tmp_path / "t.csv", index=False)
    dump = read_predictions(tmp_path / "p.csv", annotations=tmp_path / "t.csv", taxonomy="affectnet8")
    assert dump.va_pred is None and not dump.has_va
    # the one join returns the truth file's order: line up by id
    pos = [ids.index(s) for s in dump.sample_id]
    got = np.empty((n, 2))
    got[pos] = dump.va_true
    np.testing.assert_allclose(got[np.arange(n) != 3], va[np.arange(n) != 3])
    assert np.isnan(got[3]).all() and dump.exclusions["valence"] == 1
    truth.loc[5, "a_true"] = 1.5                       # line 7 of the truth file
    truth.to_csv(tmp_path / "t.csv", index=False)
    with pytest.raises(DumpFormatError, match=r"t\.csv, line 7, column 'a_true'"):
        read_predictions(tmp_path / "p.csv", annotations=tmp_path / "t.csv", taxonomy="affectnet8")


@pytest.mark.parametrize("n_seeds", [1, 3])
def test_the_result_does_not_depend_on_the_worker_processes(tmp_path, n_seeds):
    # the tests, the single-run differences and the geometry re-runs are tasks on every
    # core; each draws from its own generator, so one process gives the same bytes
    runs = load_runs(write_runs(tmp_path, n_seeds, conditions=("A", "B", "C")), ["A", "B", "C"])
    one = compare(runs, "A", ("B", "C"), n_resamples=199, rng=3, workers=1)
    two = compare(runs, "A", ("B", "C"), n_resamples=199, rng=3, workers=2)
    assert one.to_json() == two.to_json()
    pd.testing.assert_frame_equal(one.geometry_sensitivity.records,
                                  two.geometry_sensitivity.records)
    if n_seeds == 1:
        pd.testing.assert_frame_equal(one.differences, two.differences)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_while_waiting_is_a_head_start_beside_the_forked_tests(tmp_path):
    runs = load_runs(write_runs(tmp_path, 1, conditions=("A", "B")), ["A", "B"])
    calls = []
    two = compare(runs, "A", ("B",), n_resamples=99, rng=3, workers=2,
                  while_waiting=lambda: calls.append(os.getpid()))
    assert calls == [os.getpid()]                    # once (not again in the re-runs), here
    one = compare(runs, "A", ("B",), n_resamples=99, rng=3, workers=1,
                  while_waiting=lambda: calls.append("serial"))
    assert calls == [os.getpid()]                    # nothing forked: no head start
    assert one.to_json() == two.to_json()



def test_single_run_differences_taken_from_the_tests_bootstrap_are_the_ones_drawn_apart(tmp_path):
    """Two-sided, a headline metric's difference is the bootstrap beside its sample-level
    test (not drawn twice); one-sided, that bootstrap's note differs, so the differences
    are drawn by their own tasks. Both paths must give the same rows, in the same order,
    and every headline row carries the interval of the test's record."""
    runs = load_runs(write_runs(tmp_path, 1), ["A", "B"])
    kw = dict(n_resamples=299, rng=5, workers=1)
    two = compare(runs, "A", ("B",), alternative="two-sided", **kw)
    one = compare(runs, "A", ("B",), alternative="greater", **kw)
    pd.testing.assert_frame_equal(two.differences, one.differences)
    ar = two.comparisons[two.comparisons["test"] == "ar"].set_index("metric")
    shown = two.differences[two.differences["metric"].isin(ar.index)]
    assert len(shown) >= 3
    for row in shown.itertuples():
        assert (row.ci_low, row.ci_high) == (ar.loc[row.metric, "ci_low"],
                                             ar.loc[row.metric, "ci_high"]), row.metric
