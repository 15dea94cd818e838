"""Degeneracy figures: ``ax=None`` in, ``Axes`` out; PDF and PNG files from the writer."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from affectctl.diagnose import diagnose  # noqa: E402
from affectctl.controls.representation import project_embedding  # noqa: E402
from affectctl.io.dumps import write_dump  # noqa: E402
from affectctl.report.figures.diagnose import (  # noqa: E402
    STATUS_COLOURS,
    plot_pair_graph,
    plot_pair_rates,
    plot_projection,
    write_diagnose_figures,
)
from affectctl.io.runs import load_runs  # noqa: E402


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    root = tmp_path_factory.mktemp("fig")
    y = np.repeat(np.arange(8), 40)
    for c in ("base", "other"):
        for s in range(3):
            r = np.random.default_rng([s, len(c)])
            pred = y.copy()
            conf = np.isin(y, (1, 3)) & (r.random(y.size) < 0.4)  # Anger <-> Fear
            pred[conf] = np.where(y[conf] == 1, 3, 1)
            frame = pd.DataFrame({"sample_id": np.arange(y.size).astype(str), "y_true": y,
                                  "y_pred": pred})
            emb = np.eye(8)[y] * 3 + r.normal(size=(y.size, 8))
            for j in range(8):
                frame[f"emb_{j}"] = emb[:, j]
            write_dump(frame, root / c / f"seed-{s}.parquet",
                       metadata={"taxonomy": "affwild2-expr8"})
    runs = load_runs(root, ["base", "other"])
    return runs, diagnose(runs, baseline="base", representation=False)


def test_pair_graph_axes_in_axes_out(result):
    _, res = result
    ax = plot_pair_graph(res)
    assert ax.get_xlabel() == "valence" and ax.get_ylabel() == "arousal"
    red = [ln for ln in ax.lines if ln.get_color() == STATUS_COLOURS["degenerate"]]
    assert len(red) == 1  # the Anger–Fear edge
    assert red[0].get_linewidth() == pytest.approx(8.0)  # the most confused pair: full width (max_width)
    assert any("no coordinate: Other" in t.get_text() for t in ax.texts)
    fig, given = plt.subplots()
    assert plot_pair_graph(res, ax=given, condition="other") is given
    plt.close("all")


def test_pair_rates_and_projection(result):
    runs, res = result
    ax = plot_pair_rates(res, "Anger", "Fear")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["base", "other"]
    dump = runs.dump("base", 0)
    proj = project_embedding(dump.embedding, dump.y_true)
    fig, given = plt.subplots()
    assert plot_projection(proj, classes=res.classes, highlight=(1, 3), ax=given) is given
    assert {t.get_text() for t in given.get_legend().get_texts()} == set(res.classes)
    plt.close("all")


def test_writer_writes_pdf_and_png(result, tmp_path):
    runs, res = result
    dump = runs.dump("base", 0)
    paths = write_diagnose_figures(res, tmp_path, projection=project_embedding(dump.embedding,
                                                                               dump.y_true))
    names = sorted(p.name for p in paths)
    assert names == sorted(f"{s}.{e}" for s in ("pair_graph", "pair_rates", "projection")
                           for e in ("pdf", "png"))
    assert all(p.stat().st_size > 0 for p in paths)
