"""Geometry that follows the data, and conclusions checked under every geometry (issue 12).

The simulated disagreement case (``_geometry_case``): AffectNet-style dumps whose VA
annotations put Surprise 0.31 from Fear, where the NRC VAD lexicon puts them 1.61 apart.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _geometry_case import write_disagreement_runs
from typer.testing import CliRunner

from affectctl.domain.geometries import (
    AUTO_MIN_SAMPLES,
    GEOMETRIES,
    choose_geometry,
    cost_matrix,
    geometry_from_data,
)
from affectctl.cli import app
from affectctl.compare import compare
from affectctl.compare.parts import readjust_families
from affectctl.controls.geometry_sensitivity import MARK, RECORD_COLUMNS
from affectctl.diagnose import diagnose
from affectctl.errors import ConfigError
from affectctl.io.runs import load_runs
from affectctl.domain.taxonomies import get_taxonomy

TAX = get_taxonomy("affectnet8")
R = 199  # Monte-Carlo resamples: enough for the planted effects, quick


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory):
    return write_disagreement_runs(tmp_path_factory.mktemp("geo") / "runs",
                                   conditions=("base", "near", "noop"))


@pytest.fixture(scope="module")
def comparison(runs_root):
    runs = load_runs(runs_root, ["base", "near"])
    return compare(runs, "base", ("near",), metrics=["accuracy", "error_distance_mean",
                                                     "expected_cost", "quadrant_preservation"],
                   n_resamples=R)


# -------------------------------------------------------------------------- choosing


def _truth(counts, *, va=True, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    centres = GEOMETRIES["affectnet-sample"].coordinates(TAX)
    vat = centres[y] + rng.normal(0, 0.1, (y.size, 2)) if va else None
    return y, vat


def test_auto_uses_the_data_with_enough_samples_per_class():
    y, va = _truth([AUTO_MIN_SAMPLES] * TAX.n_classes)
    choice = choose_geometry("auto", y, va, TAX)
    assert choice.name == "data"
    assert "240 annotated samples" in choice.reason and choice.reason.startswith("auto")
    # one class one short of the minimum: the lexicon, and the reason names the class
    counts = [AUTO_MIN_SAMPLES] * TAX.n_classes
    counts[TAX.index("Contempt")] = AUTO_MIN_SAMPLES - 1
    y, va = _truth(counts)
    choice = choose_geometry("auto", y, va, TAX)
    assert choice.name == "nrc-vad"
    assert f"Contempt {AUTO_MIN_SAMPLES - 1}" in choice.reason
    # the minimum is configurable
    assert choose_geometry("auto", y, va, TAX, min_samples=29).name == "data"
    y, va = _truth([100] * TAX.n_classes)
    assert choose_geometry("auto", y, va, TAX, min_samples=101).name == "nrc-vad"


def test_auto_without_va_and_explicit_choices():
    y, _ = _truth([50] * TAX.n_classes)
    choice = choose_geometry("auto", y, None, TAX)
    assert choice.name == "nrc-vad" and "no VA annotations" in choice.reason
    # NaN VA (exclusion code -5 read as NaN) counts as not annotated
    va = np.full((y.size, 2), np.nan)
    assert choose_geometry("auto", y, va, TAX).name == "nrc-vad"
    # an explicit geometry always wins, even with plenty of annotations
    y, va = _truth([100] * TAX.n_classes)
    assert choose_geometry("russell", y, va, TAX).name == "russell"
    assert choose_geometry("nrc-vad", y, va, TAX).reason == "asked for"
    with pytest.raises(ConfigError, match="needs VA annotations"):
        choose_geometry("data", y, None, TAX)
    with pytest.raises(ConfigError, match="`geometry_min_samples` must be an integer >= 2"):
        choose_geometry("auto", y, va, TAX, min_samples=0)
    with pytest.raises(ConfigError, match="`geometry` must be one of"):
        choose_geometry("moon", y, va, TAX)


def test_other_has_no_data_place_and_does_not_block_auto():
    tax = get_taxonomy("affwild2-expr8")
    counts = [40] * tax.n_classes
    counts[tax.index("Other")] = 0          # no Other annotation at all: still 'data'
    y = np.repeat(np.arange(tax.n_classes), counts)
    va = np.random.default_rng(1).uniform(-1, 1, (y.size, 2))
    choice = choose_geometry("auto", y, va, tax)
    assert choice.name == "data"
    assert np.isnan(choice.geometry.coordinates(tax)[tax.index("Other")]).all()


def test_data_geometry_means_and_covariances_match_pandas():
    y, va = _truth([5, 7, 9, 11, 13, 15, 17, 2])
    y = np.concatenate([y, [-1, 3]])
    va = np.concatenate([va, [[0.5, 0.5], [np.nan, 0.2]]])       # excluded rows ignored
    geo = geometry_from_data(y, va, TAX)
    frame = pd.DataFrame({"y": y, "v": va[:, 0], "a": va[:, 1]})
    frame = frame[(frame["y"] >= 0) & frame[["v", "a"]].notna().all(axis=1)]
    means = frame.groupby("y")[["v", "a"]].mean()
    np.testing.assert_allclose(geo.coordinates(TAX), means.to_numpy(), rtol=1e-12)
    covs = geo.covariance_array(TAX)
    for k, g in frame.groupby("y"):
        np.testing.assert_allclose(covs[k], g[["v", "a"]].cov().to_numpy(), rtol=1e-10)
    np.testing.assert_array_equal(geo.count_array(TAX), frame.groupby("y").size().to_numpy())


# -------------------------------------------------------------------------- diagnose


def test_diagnose_auto_follows_the_data_and_ranks_the_data_pair_first(runs_root):
    runs = load_runs(runs_root, ["base"])
    res = diagnose(runs, baseline="base", interventions=())
    assert res.geometry == "data" and res.geometry_choice.requested == "auto"
    top = res.pairs.iloc[0]
    assert {top["a"], top["b"]} == {"Surprise", "Fear"} and top["status"] == "candidate"
    assert top["va_distance"] == pytest.approx(0.31, abs=0.05)
    assert res.covariances.shape == (TAX.n_classes, 2, 2)
    # the sensitivity names the disagreement: under the lexicon the pair is not close
    ch = res.geometry_sensitivity.changed
    row = ch[(ch["what"] == "closeness: Surprise–Fear") & (ch["geometry"] == "nrc-vad")]
    assert len(row) == 1 and row["verdict"].iloc[0] == "not-close"
    assert row["value"].iloc[0] == pytest.approx(1.61, abs=0.01)
    assert row["change"].iloc[0] == "candidate → not-close"
    # russell has no disgust or contempt: its verdicts are compared for the pairs it places
    rec = res.geometry_sensitivity.records
    rus = rec[rec["geometry"] == "russell"]
    assert len(rus) == 15        # C(6, 2): the pairs of the 6 classes russell places
    assert not rus["what"].str.contains("Contempt|Disgust").any()


def test_diagnose_nrc_vad_reproduces_the_lexicon_result(runs_root):
    runs = load_runs(runs_root, ["base"])
    res = diagnose(runs, baseline="base", interventions=(), geometry="nrc-vad",
                   geometry_sensitivity=False)
    assert res.geometry == "nrc-vad" and res.geometry_sensitivity is None
    cost = cost_matrix(GEOMETRIES["nrc-vad"].coordinates(TAX))
    for r in res.pairs.itertuples(index=False):
        assert r.va_distance == pytest.approx(cost[r.a_index, r.b_index], rel=1e-12)
    sf = res.pairs[(res.pairs["a"] == "Surprise") & (res.pairs["b"] == "Fear")].iloc[0]
    assert sf["status"] == "not-close" and not (res.pairs["status"] == "candidate").any()


def test_worsening_intervention_is_never_best(runs_root):
    # 'near' makes Surprise–Fear worse (its Surprise errors all go to Fear)
    runs = load_runs(runs_root, ["base", "near"])
    res = diagnose(runs, baseline="base", geometry_sensitivity=False)
    sf = res.pairs[(res.pairs["a"] == "Surprise") & (res.pairs["b"] == "Fear")].iloc[0]
    assert sf["status"] == "degenerate"
    assert sf["best_intervention"] is None or not isinstance(sf["best_intervention"], str)
    assert "none reduced it" in sf["reason"] and "+" not in sf["reason"].split("resolved it")[1]
    pers = res.persistence
    assert (pers[(pers["a"] == "Surprise") & (pers["b"] == "Fear")]["relative_change"] > 0).all()


def test_percent_change_prints_zero_not_minus_zero():
    from affectctl.diagnose import _pct

    assert _pct(-4e-16) == "0%" and _pct(0.004) == "0%" and _pct(-0.004) == "0%"
    assert _pct(-0.2) == "-20%" and _pct(0.08) == "+8%" and _pct(float("nan")) == "n/a"


# -------------------------------------------------------------------------- compare


def test_planted_geometry_dependent_conclusion_is_flagged(comparison):
    sens = comparison.geometry_sensitivity
    assert sens.default == "data"
    assert list(sens.records.columns) == RECORD_COLUMNS
    rec = sens.records
    ed = rec[(rec["metric"] == "error_distance_mean") & (rec["kind"] == "test")
             & (rec["test"] == "ar")]
    data = ed[ed["geometry"] == "data"].iloc[0]
    nrc = ed[ed["geometry"] == "nrc-vad"].iloc[0]
    # near's errors are nearer the truth under the data, farther under the lexicon
    assert data["value"] < 0 < nrc["value"]
    assert not nrc["agrees_with_default"] and "sign" in nrc["change"]
    assert data["agrees_with_default"]
    null = rec[(rec["kind"] == "error_null") & (rec["condition"] == "near")]
    assert null[null["geometry"] == "data"]["p_value"].iloc[0] < 0.05
    assert null[null["geometry"] == "nrc-vad"]["p_value"].iloc[0] > 0.05
    assert not null[null["geometry"] == "nrc-vad"]["agrees_with_default"].iloc[0]


def test_error_nulls_and_reruns_drawn_with_the_comparison_are_those_the_sensitivity_draws(
        comparison, runs_root):
    """compare() draws every geometry's error-distance null with its own (one set of draws
    per condition) and re-runs the geometry-dependent tests beside its own tests; the
    sensitivity computing both itself, from the result, must give the same records."""
    from affectctl.compare.core import _recompare_under
    from affectctl.controls.geometry_sensitivity import comparison_sensitivity
    from affectctl.domain.geometries import choose_geometry

    runs = load_runs(runs_root, list(comparison.conditions))
    first = runs.dump(comparison.baseline, comparison.seeds[0])
    choice = choose_geometry("auto", first.y_true, first.va_true, first.taxonomy)
    again = comparison_sensitivity(
        runs, comparison, choice, recompare=_recompare_under(runs, comparison),
        readjust=lambda comps, wide: readjust_families(comps, wide, comparison))
    shown = comparison.geometry_sensitivity.records
    nulls = again.records[again.records["kind"] == "error_null"].reset_index(drop=True)
    assert len(nulls) == len(comparison.conditions) * len(again.geometries) >= 6
    pd.testing.assert_frame_equal(shown[shown["kind"] == "error_null"].reset_index(drop=True),
                                  nulls)
    tests = again.records["kind"] == "test"
    assert tests.sum() >= 12 and not again.records.loc[tests, "agrees_with_default"].all()
    pd.testing.assert_frame_equal(shown, again.records)


def test_accuracy_is_never_flagged(comparison, tmp_path):
    rec = comparison.geometry_sensitivity.records
    acc = rec[rec["metric"] == "accuracy"]
    assert len(acc) == len(comparison.geometry_sensitivity.geometries) * 4   # 3 seed tests + AR
    assert acc["agrees_with_default"].all()
    for _, g in acc.groupby("test"):
        assert g["p_value"].nunique() == 1 and g["value"].nunique() == 1


def test_accuracy_never_flagged_on_random_dumps(tmp_path, frame_factory):
    from affectctl.io.dumps import dump_from_frame, write_dump

    root = tmp_path / "runs"
    for ci, cond in enumerate(("base", "other")):
        for s in range(5):
            f = frame_factory(n=480, seed=0, accuracy=0.6)
            rng = np.random.default_rng([ci, s])
            flip = rng.random(len(f)) < 0.3
            f.loc[flip, "y_pred"] = rng.integers(0, 8, flip.sum())
            write_dump(dump_from_frame(f, taxonomy="affwild2-expr8"),
                       root / cond / f"seed-{s}.parquet")
    res = compare(load_runs(root, ["base", "other"]), "base", ("other",),
                  metrics=["accuracy", "error_distance_mean"], n_resamples=R)
    rec = res.geometry_sensitivity.records
    assert set(res.geometry_sensitivity.geometries) >= {"nrc-vad", "affectnet-sample"}
    assert rec[rec["metric"] == "accuracy"]["agrees_with_default"].all()


@pytest.mark.parametrize("correction", ["holm", "westfall-young"])
def test_readjusting_the_default_reproduces_its_adjusted_pvalues(runs_root, correction):
    runs = load_runs(runs_root, ["base", "near", "noop"])
    res = compare(runs, "base", ("near", "noop"), metrics=["accuracy", "error_distance_mean"],
                  n_resamples=R, correction=correction, geometry_sensitivity=False)
    comps = res.comparisons[res.comparisons["test"].isin(["wilcoxon", "signflip", "ttest", "ar"])]
    wide = res.metrics.pivot_table(index=["condition", "seed"], columns="metric", values="value",
                                   dropna=False)
    np.testing.assert_allclose(readjust_families(comps, wide, res).to_numpy(),
                               comps["p_adjusted"].to_numpy(), rtol=1e-12)


def test_report_carries_mark_footnote_json_csv_and_figure(comparison, tmp_path):
    from affectctl.report import main_table, write_report

    table = main_table(comparison, tests=("wilcoxon", "ar"))
    marked = table[table["sig_ar"].astype(str).str.contains(MARK)]
    assert set(marked["metric"]) == {"error_distance_mean", "expected_cost"}
    assert not table[table["metric"] == "accuracy"]["sig_ar"].astype(str).str.contains(MARK).any()
    notes = " ".join(table.attrs["notes"])
    assert "depends on the geometry: see geometry_sensitivity.csv" in notes
    assert "data (auto: per-class VA means of 800 annotated samples)" in notes
    written = write_report(comparison, tmp_path / "rep", tests=("wilcoxon", "ar"))
    assert {"geometry_sensitivity.csv", "geometry_overlay.png", "geometry_overlay.pdf"} <= set(written)
    csv = pd.read_csv(tmp_path / "rep" / "geometry_sensitivity.csv")
    assert list(csv.columns) == RECORD_COLUMNS
    doc = json.loads((tmp_path / "rep" / "results.json").read_text())
    assert doc["geometry_choice"]["name"] == "data" and doc["geometry_choice"]["requested"] == "auto"
    section = doc["geometry_sensitivity"]
    assert section["default"] == "data" and section["n_changed"] > 0
    keys = {"what", "geometry", "value", "p_value", "verdict", "agrees_with_default"}
    assert all(keys <= set(r) for r in section["records"])
    assert "error-distance null: near" in section["changed"]
    assert MARK in (tmp_path / "rep" / "table.md").read_text()
    tex = (tmp_path / "rep" / "table.tex").read_text()
    assert MARK not in tex and r"\diamond" in tex


def test_no_va_means_lexicon_and_no_data_geometry(tmp_path):
    root = write_disagreement_runs(tmp_path / "runs", va=False, seeds=(0, 1, 2))
    res = compare(load_runs(root, ["base", "near"]), "base", ("near",),
                  metrics=["error_distance_mean"], n_resamples=R)
    assert res.geometry_choice.name == "nrc-vad"
    assert "no VA annotations" in res.geometry_choice.reason
    sens = res.geometry_sensitivity
    assert "data" not in sens.geometries and sens.data_covariances is None


# -------------------------------------------------------------------------- figures and CLI


def test_ellipse_points_lie_on_the_one_sd_contour():
    from affectctl.report.figures.geometry_overlay import ellipse_points

    mean, cov = np.array([0.2, -0.1]), np.array([[0.04, 0.01], [0.01, 0.02]])
    pts = ellipse_points(mean, cov)
    d = pts - mean
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d), 1.0,
                               rtol=1e-10)


def test_cli_diagnose_prints_choice_once_and_writes_sensitivity(runs_root, tmp_path):
    out = tmp_path / "diag"
    res = CliRunner().invoke(app, ["diagnose", "--runs", str(runs_root), "base", "noop",
                                   "--out", str(out), "--no-figures"])
    assert res.exit_code == 0, res.output
    assert res.output.count("geometry data (auto: per-class VA means of 800 annotated samples)") == 1
    assert "Surprise–Fear: nrc-vad: not-close" in res.output
    assert (out / "geometry_sensitivity.csv").is_file()
    doc = json.loads((out / "diagnosis.json").read_text())
    assert doc["geometry"] == "data" and doc["geometry_choice"]["reason"].startswith("auto")
    top = doc["pairs"][0]            # the data's close, heavily confused pair ranks first
    assert (top["a"], top["b"], top["status"]) == ("Surprise", "Fear", "degenerate")
    assert "closeness: Surprise–Fear" in doc["geometry_sensitivity"]["changed"]
    assert len(doc["va_covariances"]["Fear"]) == 2
    res = CliRunner().invoke(app, ["diagnose", "--runs", str(runs_root), "base", "noop",
                                   "--geometry", "nrc-vad", "--out", str(out), "--no-figures"])
    assert res.exit_code == 0, res.output
    assert "geometry nrc-vad (asked for)" in res.output
    res = CliRunner().invoke(app, ["diagnose", "--runs", str(runs_root), "--geometry-min-samples",
                                   "1", "--out", str(out)])
    assert res.exit_code == 2 and "geometry_min_samples" in res.output


def _label_boxes(ax, names):
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in ax.texts if t.get_text() in names]


def test_pair_graph_labels_legend_and_colours(runs_root):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from affectctl.report.figures._labels import boxes_overlap
    from affectctl.report.figures.diagnose import (
        STATUS_COLOURS,
        plot_pair_graph,
        plot_pair_rates,
    )

    res = diagnose(load_runs(runs_root, ["base"]), baseline="base", interventions=(),
                   geometry_sensitivity=False)
    assert set(res.pairs["status"]) >= {"candidate"} and "degenerate" not in set(res.pairs["status"])
    fig, ax = plt.subplots(figsize=(3.3, 3.3), layout="constrained")
    plot_pair_graph(res, ax=ax)
    fig.canvas.draw()
    # Anger and Contempt sit 0.09 apart in this data: their names must not cover each other
    boxes = _label_boxes(ax, set(res.classes))
    assert len(boxes) == len(res.classes) and not boxes_overlap(boxes)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["candidate", "other pairs"]          # no 'degenerate', no 'fixed'
    assert "line width: confusion rate" in ax.get_title()
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(3.3, 2.4), layout="constrained")
    plot_pair_rates(res, "Surprise", "Fear", ax=ax)
    bars = [ln for ln in ax.lines if ln.get_linewidth() == 2]
    assert bars and all(matplotlib.colors.same_color(b.get_color(), STATUS_COLOURS["candidate"])
                        for b in bars)
    assert "one seed" in ax.get_title() and "(candidate)" in ax.get_title()
    plt.close(fig)


def test_overlay_figure_labels_do_not_overlap(comparison):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from affectctl.report.figures._labels import boxes_overlap
    from affectctl.report.figures.geometry_overlay import plot_geometry_overlay

    fig = Figure(figsize=(3.3, 3.9), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    plot_geometry_overlay(comparison.geometry_sensitivity, ax=ax)
    fig.canvas.draw()
    boxes = _label_boxes(ax, set(TAX.classes))
    assert len(boxes) == TAX.n_classes and not boxes_overlap(boxes)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "data: 1 sd of annotations" and "data (chosen)" in legend
    assert "nrc-vad" in legend


def test_builtin_benchmark_knob_makes_a_disagreement_case():
    """sim-affectnet with VA drawn around AffectNet's means: auto follows the data, where
    the look-alike pair Fear–Surprise is close; the lexicon keeps it 1.61 apart."""
    from affectctl.train.datasets import make_dataset

    data = make_dataset("sim-affectnet", seed=0, va_geometry="affectnet-sample",
                        n_train_videos=2, n_test_videos=20)
    tax = data.taxonomy
    choice = choose_geometry("auto", data.y_test, data.va_test, tax)
    assert choice.name == "data"
    xy = choice.geometry.coordinates(tax)
    fear, surprise = tax.index("Fear"), tax.index("Surprise")
    assert np.linalg.norm(xy[fear] - xy[surprise]) < 0.5
    nrc = GEOMETRIES["nrc-vad"].coordinates(tax)
    assert np.linalg.norm(nrc[fear] - nrc[surprise]) == pytest.approx(1.6055, abs=1e-3)


def test_cli_compare_prints_choice_once_and_writes_sensitivity(runs_root, tmp_path):
    out = tmp_path / "cmp"
    res = CliRunner().invoke(app, ["compare", "base", "near", "--runs", str(runs_root),
                                   "--permutations", "99", "--out", str(out), "--no-figures",
                                   "--metric", "error_distance_mean", "--metric", "accuracy"])
    assert res.exit_code == 0, res.output
    assert res.output.count("geometry data (auto: per-class VA means of 800 annotated samples)") == 1
    assert (out / "geometry_sensitivity.csv").is_file()
    assert "depends on the geometry: see geometry_sensitivity.csv" in (out / "table.md").read_text()
    res = CliRunner().invoke(app, ["compare", "base", "near", "--runs", str(runs_root),
                                   "--permutations", "99", "--out", str(out), "--no-figures",
                                   "--geometry", "nrc-vad", "--metric", "accuracy"])
    assert res.exit_code == 0, res.output
    assert "geometry nrc-vad (asked for)" in res.output


def test_separation_in_units_of_spread_matches_scipy(runs_root):
    from scipy.spatial.distance import mahalanobis

    runs = load_runs(runs_root, ["base"])
    res = diagnose(runs, baseline="base", interventions=(), geometry="nrc-vad",
                   geometry_sensitivity=False)
    d = runs.dump("base", 0)
    frame = pd.DataFrame({"y": d.y_true, "v": d.va_true[:, 0], "a": d.va_true[:, 1]})
    for r in res.pairs.head(5).itertuples(index=False):
        ga = frame[frame["y"] == r.a_index][["v", "a"]]
        gb = frame[frame["y"] == r.b_index][["v", "a"]]
        pooled = (ga.cov().to_numpy() + gb.cov().to_numpy()) / 2
        ref = mahalanobis(ga.mean().to_numpy(), gb.mean().to_numpy(), np.linalg.inv(pooled))
        assert r.va_separation_sd == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize("sums", ["auto", "exact"])
def test_the_geometry_reruns_test_as_the_comparison_does(runs_root, monkeypatch, sums):
    # each re-run under another geometry takes the comparison's tests, unit, resamples,
    # replicate sums, alternative and seed (the sums were once left at their default)
    import importlib

    core = importlib.import_module("affectctl.compare.core")
    calls = []
    real = core.compare

    def spy(*args, **kw):
        if kw.get("tests_only"):
            calls.append(kw)
        return real(*args, **kw)

    monkeypatch.setattr(core, "compare", spy)
    runs = load_runs(runs_root, ["base", "near"])
    real(runs, "base", ("near",), metrics=["accuracy", "error_distance_mean"], n_resamples=R,
         sums=sums, alternative="greater", rng=7, unit="sample")
    assert calls
    for kw in calls:
        assert (kw["sums"], kw["alternative"], kw["rng"], kw["unit"], kw["n_resamples"]) == \
            (sums, "greater", 7, "sample", R)
        assert kw["correction"] == "none" and kw["geometry_sensitivity"] is False
