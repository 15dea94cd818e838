"""``affectctl diagnose``: JSON in rank order, figures, options, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from affectctl.cli import app
from affectctl.io.dumps import write_dump
from affectctl.taxonomies import get_taxonomy

TAX = get_taxonomy("affwild2-expr8")
K = TAX.n_classes


def _runs(root, seed=42, n_seeds=5, n_per_class=60):
    """base / fix / noop runs: one degenerate pair (close in the CSV geometry), one that
    ``fix`` resolves; both chosen at random. Returns (root, csv, deg names, fix names)."""
    rng = np.random.default_rng(seed)
    d1, d2, f1, f2 = (int(x) for x in rng.choice(K, 4, replace=False))
    ang = rng.permutation(K) * (2 * np.pi / K)
    pts = np.column_stack([0.9 * np.cos(ang), 0.9 * np.sin(ang)])
    pts[d2] = pts[d1] * 0.95
    root.mkdir(parents=True)
    geo = root.parent / "geometry.csv"
    pd.DataFrame({"class": TAX.classes, "valence": pts[:, 0], "arousal": pts[:, 1]}).to_csv(
        geo, index=False)
    y = np.repeat(np.arange(K), n_per_class)
    n = y.shape[0]
    partner = {d1: d2, d2: d1, f1: f2, f2: f1}
    for ci, c in enumerate(("base", "fix", "noop")):
        for s in range(n_seeds):
            r = np.random.default_rng([seed, ci, s])
            pred = y.copy()
            noise = r.random(n) < 0.05
            pred[noise] = (y[noise] + r.integers(1, K, noise.sum())) % K
            fx = np.isin(y, (f1, f2))
            pred[fx] = y[fx]
            conf = (np.isin(y, (d1, d2)) & (r.random(n) < 0.4)) | (
                fx & (r.random(n) < (0.02 if c == "fix" else 0.35)))
            pred[conf] = [partner[k] for k in y[conf]]
            frame = pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)],
                                  "group": [f"v{i % 30}" for i in range(n)],
                                  "y_true": y, "y_pred": pred})
            write_dump(frame, root / c / f"seed-{s}.parquet", metadata={"taxonomy": TAX.name})
    names = lambda p: tuple(TAX.classes[i] for i in sorted(p))  # noqa: E731
    return root, geo, names((d1, d2)), names((f1, f2))


@pytest.fixture(scope="module")
def runs_folder(tmp_path_factory):
    return _runs(tmp_path_factory.mktemp("cli") / "runs")


def _invoke(args):
    return CliRunner().invoke(app, ["diagnose", *args])


def test_json_in_rank_order(runs_folder, tmp_path):
    root, geo, deg, fix = runs_folder
    out = tmp_path / "report"
    res = _invoke(["--runs", str(root), "--geometry", str(geo), "--json", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    records = data["pairs"]
    assert [r["rank"] for r in records] == list(range(1, K * (K - 1) // 2 + 1))
    assert (records[0]["a"], records[0]["b"]) == deg
    assert records[0]["degenerate"] is True
    assert sum(r["degenerate"] for r in records) == 1
    fixed = next(r for r in records if (r["a"], r["b"]) == fix)
    assert fixed["degenerate"] is False and fixed["status"] == "fixed"
    assert fixed["reason"].startswith("fixed by fix: ")
    assert data["baseline"] == "base" and data["interventions"] == ["fix", "noop"]
    assert {"confusion_rate", "va_distance", "macro_f1_gain"} <= set(records[0]["evidence"])
    for name in ("pair_graph.pdf", "pair_graph.png", "pair_rates.png", "pairs.csv",
                 "persistence.csv", "diagnosis.json"):
        assert (out / name).is_file(), name
    assert json.loads((out / "diagnosis.json").read_text()) == data
    assert "1 degenerate pair(s)" in res.stderr
    # the shipped JSON Schemas: diagnosis.json and the provenance.json beside it
    import jsonschema

    from affectctl._provenance import schema

    jsonschema.Draft202012Validator(schema("diagnosis")).validate(data)
    assert data["command"][:2] == ["affectctl", "diagnose"] and data["inputs"]
    prov = json.loads((out / "provenance.json").read_text())
    jsonschema.Draft202012Validator(schema("provenance")).validate(prov)
    assert prov["document"] == "diagnosis.json"


def test_table_output_and_threshold_options(runs_folder, tmp_path):
    root, geo, deg, _ = runs_folder
    res = _invoke(["--runs", str(root), "--geometry", str(geo), "--out", str(tmp_path / "r"),
                   "--no-figures", "--top", "5"])
    assert res.exit_code == 0, res.output
    assert f"{deg[0]}–{deg[1]}" in res.stdout and "degenerate" in res.stdout
    assert "cost: macro-F1" in res.stdout
    assert not (tmp_path / "r" / "pair_graph.pdf").exists()
    strict = _invoke(["base", "noop", "--runs", str(root), "--geometry", str(geo), "--json",
                      "--no-figures",
                      "--out", str(tmp_path / "s"), "--min-confusion-rate", "0.9"])
    assert strict.exit_code == 0, strict.output
    data = json.loads(strict.stdout)
    assert not any(r["degenerate"] for r in data["pairs"])
    assert data["thresholds"]["min_confusion_rate"] == 0.9


def test_baseline_and_conditions(runs_folder, tmp_path):
    root, geo, *_ = runs_folder
    res = _invoke(["noop", "fix", "--runs", str(root), "--baseline", "noop", "--geometry",
                   str(geo), "--json", "--no-figures", "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["baseline"] == "noop" and data["interventions"] == ["fix"]


@pytest.mark.parametrize("args, message", [
    (["--runs", "{missing}"], "runs folder"),
    (["--runs", "{root}", "--baseline", "nope"], "`--baseline` must be one of"),
    (["--runs", "{root}", "--min-confusion-rate", "3"], "`min_confusion_rate` must be a number"),
    (["--runs", "{root}", "--va-quantile", "often"], "`--va-quantile` must be a number"),
    (["--runs", "{root}", "--correction", "sidak"], "`correction` must be one of"),
    # the library keyword min_relative_reduction is shown as the option that sets it
    (["--runs", "{root}", "--min-reduction", "3"], "`--min-reduction` must be a number in [0, 1]"),
    (["--runs", "{root}", "--dataset", "sim-affwild2"], "give either --runs"),
    (["--runs", "{root}", "--projection", "tsne"], "`--projection` must be one of"),
    (["nope", "--runs", "{root}"], "no runs for condition 'nope'"),
    (["--runs", "{parent}"], "did you mean --runs {root}?"),
    (["base", "--runs", "{parent}"], "did you mean --runs {root}?"),
])
def test_bad_input_exits_2_with_one_line(runs_folder, tmp_path, args, message):
    root, *_ = runs_folder
    args = [a.format(missing=tmp_path / "nowhere", root=root, parent=root.parent) for a in args]
    message = message.format(root=root)
    res = _invoke([*args, "--out", str(tmp_path / "r")])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("affectctl: error: ")
    assert message in lines[0]
    assert res.stdout == ""


# ----------------------------------------------------------------------------------------------
# the built-in benchmark runs (each trains 7 conditions x 5 seeds: 104-165 s in the full suite on
# 2 cores, `python -m pytest --durations=10`)


@pytest.mark.slow
@pytest.mark.train
@pytest.mark.parametrize("dataset, pair", [("sim-affwild2", ("Anger", "Fear")),
                                           ("sim-affectnet", ("Anger", "Contempt"))])
def test_builtin_benchmark_flags_the_planted_pair(tmp_path, monkeypatch, dataset, pair):
    pytest.importorskip("torch")
    pytest.importorskip("ot")
    # train in this process, as on a one-core machine: the suite's two xdist workers already
    # fill the two cores, so a pool of two training processes would only add their start-up
    # (~8 s of CPU per sweep); the dumps do not depend on the worker count
    # (tests/train/test_train_sweep.py::test_parallel_workers_give_the_serial_results)
    from affectctl.train import runner

    monkeypatch.setattr(runner, "usable_cpus", lambda: 1)
    res = _invoke(["--dataset", dataset, "--cache", str(tmp_path / "runs"), "--json",
                   "--no-figures", "--out", str(tmp_path / "report")])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    flagged = {tuple(sorted((r["a"], r["b"]))) for r in data["pairs"] if r["degenerate"]}
    assert tuple(sorted(pair)) in flagged
    top = data["pairs"][0]
    assert tuple(sorted((top["a"], top["b"]))) == tuple(sorted(pair))
    # the representation evidence agrees: a linear probe barely separates the planted pair,
    # while a typical pair is well separated (sim-affectnet's look-alike pair is hard too)
    aucs = {tuple(sorted((r["a"], r["b"]))): r["evidence"]["probe_auc"] for r in data["pairs"]}
    assert all(v is not None for v in aucs.values())
    assert aucs[tuple(sorted(pair))] < 0.7 < 0.9 < np.median(list(aucs.values()))
