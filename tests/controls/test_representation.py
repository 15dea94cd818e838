"""Representation evidence: linear-probe AUC, Fisher ratio, cluster scores, projections."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from affectctl.diagnose import diagnose
from affectctl.controls.representation import (
    Projection,
    cluster_scores,
    cluster_table,
    fisher_ratio,
    pair_separability,
    pair_seed,
    probe_auc,
    project_embedding,
    rank_auc,
    representation_table,
)
from affectctl.io.dumps import write_dump
from affectctl.errors import ConfigError
from affectctl.io.runs import load_runs


def _two_clouds(rng, n, d, shift):
    x = rng.normal(size=(2 * n, d))
    y = np.repeat([0, 1], n)
    x[y == 1, 0] += shift
    return x, y


# ----------------------------------------------------------------------------------------------
# Fisher ratio against hand computations


def test_fisher_ratio_by_hand():
    # 1-D: (mean_a - mean_b)^2 / (var_a + var_b) = (1 - 5)^2 / (2 + 2) with ddof=1 variances
    assert fisher_ratio([[0.0], [2.0]], [[4.0], [6.0]]) == pytest.approx(4.0, rel=1e-5)
    assert fisher_ratio([0.0, 2.0], [4.0, 6.0]) == pytest.approx(4.0, rel=1e-5)
    # 2-D with diagonal covariances: sum of the per-axis ratios
    xa = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    xb = xa + np.array([3.0, 2.0])
    va = xa.var(axis=0, ddof=1)  # (4/3, 1/3), the same for xb; the covariance is diagonal
    expect = 3.0**2 / (2 * va[0]) + 2.0**2 / (2 * va[1])
    assert fisher_ratio(xa, xb) == pytest.approx(expect, rel=1e-5)
    assert np.isnan(fisher_ratio([[1.0]], [[2.0], [3.0]]))


def test_fisher_ratio_shape_error():
    with pytest.raises(ConfigError, match=r"`x_a` and `x_b` must have shapes \(n_a, d\) and "
                                          r"\(n_b, d\); got \(3, 2\) and \(3, 3\)\."):
        fisher_ratio(np.zeros((3, 2)), np.zeros((3, 3)))


# ----------------------------------------------------------------------------------------------
# linear probe


@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from([-1.0, 0.0, 0.5, 0.5001, 2.0, 7.0])),
                min_size=2, max_size=60))
@settings(max_examples=300, deadline=None)
def test_rank_auc_equals_scikit_learn_with_ties(rows):
    y = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows])
    if y.min() == y.max():
        return
    assert rank_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)


def test_probe_auc_equals_a_scikit_learn_pipeline_on_the_same_folds():
    # the reference: a Pipeline(StandardScaler, LogisticRegression) per fold with every
    # scikit-learn check on, solved to a tight tolerance, scored by roc_auc_score;
    # affectctl solves the same objective by exact Newton (controls/logistic.py) and ranks
    rng = np.random.default_rng(5)
    x, y = _two_clouds(rng, 90, 12, 0.6)
    groups = np.repeat(np.arange(36), 5)
    auc, sd, n_folds, cv, _ = probe_auc(x, y, groups=groups, rng=11)
    ref = []
    for tr, te in StratifiedGroupKFold(5, shuffle=True, random_state=11).split(x, y, groups):
        model = make_pipeline(StandardScaler(), LogisticRegression(solver="newton-cg", tol=1e-9,
                                                                   max_iter=10_000))
        with warnings.catch_warnings():  # at this tolerance its line search may say it is done
            warnings.simplefilter("ignore")
            model.fit(x[tr], y[tr])
        ref.append(roc_auc_score(y[te], model.decision_function(x[te])))
    assert (n_folds, cv) == (5, "StratifiedGroupKFold")
    assert auc == pytest.approx(np.mean(ref), abs=1e-9)
    assert sd == pytest.approx(np.std(ref, ddof=1), abs=1e-9)


def test_probe_auc_identical_distributions_is_chance():
    rng = np.random.default_rng(0)
    x, y = _two_clouds(rng, 300, 5, 0.0)
    auc, sd, n_folds, cv, _ = probe_auc(x, y, rng=1)
    assert abs(auc - 0.5) < 0.08
    assert n_folds == 5 and cv == "StratifiedKFold" and sd > 0


def test_probe_auc_separated_is_one():
    rng = np.random.default_rng(1)
    x, y = _two_clouds(rng, 200, 5, 8.0)
    auc, *_ = probe_auc(x, y, rng=1)
    assert auc > 0.999


def test_probe_auc_grouped_folds_keep_videos_apart():
    # each video has its own offset, shared by its frames; a class that lives in few
    # videos is predictable from the video offset under sample-level folds only
    # 40 videos in 50 dimensions: any labelling of the videos is linearly separable, so
    # sample-level folds leak through the offsets; with 20 videos the null AUC of grouped
    # folds spread enough that another scikit-learn release's folds gave 0.85
    rng = np.random.default_rng(2)
    n_videos, per, dim = 40, 15, 50
    groups = np.repeat([f"v{i}" for i in range(n_videos)], per)
    y = np.repeat(np.arange(n_videos) % 2, per)
    offsets = rng.normal(0, 3, (n_videos, dim))
    x = np.repeat(offsets, per, axis=0) + rng.normal(0, 0.3, (n_videos * per, dim))
    auc_samples, *_ = probe_auc(x, y, rng=0)
    auc_groups, _, _, cv, _ = probe_auc(x, y, groups=groups, rng=0)
    assert cv == "StratifiedGroupKFold"
    assert auc_samples > 0.95  # leaks the video offsets
    assert auc_groups < 0.75  # no class signal beyond the videos


def test_probe_auc_too_few_samples_is_nan():
    x = np.arange(12, dtype=float).reshape(6, 2)
    y = np.array([0, 0, 0, 0, 0, 1])
    auc, sd, n_folds, _, note = probe_auc(x, y)
    assert np.isnan(auc) and n_folds == 0 and "fewer than 2" in note


def test_probe_auc_rng_reproducible():
    rng = np.random.default_rng(3)
    x, y = _two_clouds(rng, 100, 4, 0.5)
    assert probe_auc(x, y, rng=5) == probe_auc(x, y, rng=5)
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    assert probe_auc(x, y, rng=g1) == probe_auc(x, y, rng=g2)


@pytest.mark.parametrize("kwargs, message", [
    ({"y": np.zeros(10)}, "`y` must hold exactly two classes; got 1."),
    ({"y": np.zeros(3)}, r"`y` must have shape \(10,\), one label per embedding row; got shape "
                         r"\(3,\)\."),
    ({"n_splits": 1}, "`n_splits` must be an integer >= 2; got 1."),
    ({"rng": "seed"}, "`rng` must be None, an int >= 0 or a numpy.random.Generator; got 'seed'."),
    ({"x": np.zeros(10)}, r"`x` must have shape \(n_samples, n_dims\); got shape \(10,\)\."),
    ({"x": np.full((10, 2), np.nan)}, "`x` must be finite; got NaN or inf."),
])
def test_probe_auc_validation(kwargs, message):
    args = {"x": np.random.default_rng(0).normal(size=(10, 2)), "y": np.repeat([0, 1], 5)}
    args.update(kwargs)
    x, y = args.pop("x"), args.pop("y")
    with pytest.raises(ConfigError, match=message):
        probe_auc(x, y, **args)


def test_pair_separability_selects_the_pair():
    rng = np.random.default_rng(4)
    y = np.repeat([0, 1, 2, -1], 150)
    x = rng.normal(size=(600, 6))
    x[y == 2, 1] += 10.0  # class 2 far away; classes 0 and 1 identical
    same = pair_separability(x, y, 0, 1, rng=0)
    far = pair_separability(x, y, 0, 2, rng=0)
    assert (same.n_a, same.n_b) == (150, 150)
    assert abs(same.auc - 0.5) < 0.1 and far.auc > 0.999
    assert same.fisher_ratio < 0.1 < 10 < far.fisher_ratio
    assert far.davies_bouldin < same.davies_bouldin
    sel = np.isin(y, (0, 2))
    assert far.davies_bouldin == pytest.approx(davies_bouldin_score(x[sel], y[sel]))
    assert far.calinski_harabasz == pytest.approx(calinski_harabasz_score(x[sel], y[sel]))


def test_cluster_scores_match_sklearn_and_drop_excluded():
    rng = np.random.default_rng(5)
    y = np.repeat([0, 1, 2], 50)
    x = rng.normal(size=(150, 3)) + y[:, None]
    cs = cluster_scores(np.vstack([x, rng.normal(size=(5, 3))]), np.r_[y, [-1] * 5])
    assert cs.davies_bouldin == pytest.approx(davies_bouldin_score(x, y))
    assert cs.calinski_harabasz == pytest.approx(calinski_harabasz_score(x, y))
    assert (cs.n_samples, cs.n_classes) == (150, 3)
    one = cluster_scores(x[:50], y[:50])
    assert np.isnan(one.davies_bouldin) and one.n_classes == 1


# ----------------------------------------------------------------------------------------------
# projection


def test_pca_projection_matches_numpy():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(200, 4)) * np.array([5.0, 2.0, 1.0, 0.5])
    y = rng.integers(0, 3, 200)
    proj = project_embedding(x, y)
    assert isinstance(proj, Projection) and proj.coords.shape == (200, 2)
    xc = x - x.mean(axis=0)
    ev = np.linalg.eigvalsh(np.cov(xc, rowvar=False))[::-1]
    np.testing.assert_allclose(proj.explained, ev[:2] / ev.sum(), rtol=1e-8)
    np.testing.assert_allclose(proj.coords.var(axis=0, ddof=1), ev[:2], rtol=1e-8)


def test_lda_projection_and_errors():
    rng = np.random.default_rng(7)
    y = np.repeat([0, 1, 2], 40)
    x = rng.normal(size=(120, 5)) + 3 * np.eye(5)[y]
    proj = project_embedding(x, y, method="lda")
    assert proj.method == "lda" and proj.coords.shape == (120, 2) and proj.explained is None
    with pytest.raises(ConfigError,
                       match=r"`method` must be one of \{'pca', 'lda'\}; got 'tsne'\."):
        project_embedding(x, y, method="tsne")
    with pytest.raises(ConfigError, match="needs at least 3 classes"):
        project_embedding(x[:80], y[:80], method="lda")


# ----------------------------------------------------------------------------------------------
# run sets and diagnose


def _emb_runs(root, *, same_pair=(1, 3), n_seeds=3):
    """Two conditions; classes ``same_pair`` share a mean in the embedding, others apart."""
    rng = np.random.default_rng(11)
    k = 8
    y = np.repeat(np.arange(k), 40)
    n = y.shape[0]
    means = rng.normal(0, 4, (k, 6))
    means[same_pair[1]] = means[same_pair[0]]
    for c in ("base", "other"):
        for s in range(n_seeds):
            r = np.random.default_rng([s, len(c)])
            pred = y.copy()
            conf = np.isin(y, same_pair) & (r.random(n) < 0.45)
            pred[conf] = np.where(y[conf] == same_pair[0], same_pair[1], same_pair[0])
            frame = pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)],
                                  "group": [f"v{i % 16}" for i in range(n)],
                                  "y_true": y, "y_pred": pred})
            emb = means[y] + r.normal(size=(n, 6))
            for j in range(6):
                frame[f"emb_{j}"] = emb[:, j]
            write_dump(frame, root / c / f"seed-{s}.parquet",
                       metadata={"taxonomy": "affwild2-expr8"})
    return load_runs(root, ["base", "other"])


def test_representation_table_and_diagnose(tmp_path):
    runs = _emb_runs(tmp_path)
    table = representation_table(runs, [(1, 3), (1, 2)], rng=0)
    assert len(table) == 2 * 3 * 2
    same = table[(table["a_index"] == 1) & (table["b_index"] == 3)]
    apart = table[(table["a_index"] == 1) & (table["b_index"] == 2)]
    assert (same["probe_auc"] < 0.75).all() and (apart["probe_auc"] > 0.95).all()
    assert (same["cv"] == "StratifiedGroupKFold").all()
    assert table.equals(representation_table(runs, [(1, 3), (1, 2)], rng=0))
    clusters = cluster_table(runs)
    assert list(clusters.columns[:4]) == ["condition", "seed", "davies_bouldin",
                                          "calinski_harabasz"]
    res = diagnose(runs, baseline="base", geometry="nrc-vad", rng=0)
    top = res.pairs.iloc[0]
    assert (top["a"], top["b"]) == ("Anger", "Fear") and top["degenerate"]
    assert top["probe_auc"] < 0.75
    assert res.representation is not None and res.clusters is not None
    assert set(res.representation["condition"]) == {"base", "other"}
    again = diagnose(runs, baseline="base", geometry="nrc-vad", rng=0)
    pd.testing.assert_frame_equal(res.representation, again.representation)


def test_every_run_of_a_pair_shares_its_folds(tmp_path):
    # two conditions with byte-identical dumps: with common folds per pair their probe
    # results are equal (with a seed per run they differed); each row equals the uncached
    # pair_separability at the pair's seed, so reusing the folds changes nothing
    _emb_runs(tmp_path / "one")
    root = tmp_path / "twin"
    for c in ("base", "other"):
        (root / c).mkdir(parents=True)
        for s in range(3):
            (root / c / f"seed-{s}.parquet").write_bytes(
                (tmp_path / "one" / "base" / f"seed-{s}.parquet").read_bytes())
    runs = load_runs(root, ["base", "other"])
    pairs = [(1, 3), (3, 1), (0, 2)]
    table = representation_table(runs, pairs, rng=7)
    cols = ["probe_auc", "probe_auc_sd", "n_folds", "fisher_ratio"]
    base, other = (table[table["condition"] == c][cols].reset_index(drop=True)
                   for c in ("base", "other"))
    pd.testing.assert_frame_equal(base, other)
    assert pair_seed(7, 1, 3) == pair_seed(7, 3, 1) != pair_seed(7, 0, 2)
    for row in table.itertuples():
        dump = runs.dump(row.condition, row.seed)
        ref = pair_separability(dump.embedding, dump.y_true, row.a_index, row.b_index,
                                groups=dump.group, rng=pair_seed(7, row.a_index, row.b_index))
        assert (row.probe_auc, row.n_folds) == (ref.auc, ref.n_folds)
        assert row.fisher_ratio == ref.fisher_ratio


def test_representation_needs_embeddings(tmp_path):
    frame = pd.DataFrame({"sample_id": ["a", "b"], "y_true": [0, 1], "y_pred": [0, 1]})
    write_dump(frame, tmp_path / "base" / "seed-0.csv", metadata={"taxonomy": "affwild2-expr8"})
    runs = load_runs(tmp_path, ["base"])
    with pytest.raises(ConfigError, match=r"no embedding \(emb_<i> columns\)"):
        representation_table(runs, [(0, 1)])
    with pytest.raises(ConfigError, match="`conditions` must be among"):
        cluster_table(runs, conditions=["nope"])


@pytest.mark.parametrize("C", [0, -1.0, float("inf"), float("nan"), True, "1"])
def test_probe_penalty_must_be_positive_and_finite(C):
    x, y = _two_clouds(np.random.default_rng(0), 20, 3, 1.0)
    with pytest.raises(ConfigError, match=r"`C` must be a positive finite number"):
        probe_auc(x, y, C=C)


def test_two_cluster_scores_against_scikit_learn_and_long_double():
    """Davies–Bouldin and Calinski–Harabasz of a pair, by their two-cluster closed forms:
    within 1e-6 of scikit-learn (whose distances, from |x|² - 2x·c + |c|², are 2e-8 off
    here), within 1e-13 of the same formulas in long double, and scikit-learn's values on
    the degenerate cases (one point repeated; every point on its centroid)."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

    from affectctl.controls.representation import two_cluster_scores

    gen = np.random.default_rng(0)
    for trial in range(120):
        n, d = int(gen.integers(4, 200)), int(gen.integers(1, 70))
        x = gen.normal(size=(n, d)) * gen.random() * 10
        lab = (gen.random(n) < gen.random()).astype(np.int64)
        lab[:2] = (0, 1)
        if trial % 5 == 0:
            x[lab == 1] += gen.normal(size=d) * 3
        db, ch = two_cluster_scores(x, lab)
        assert db == pytest.approx(davies_bouldin_score(x, lab), rel=1e-6)
        assert ch == pytest.approx(calinski_harabasz_score(x, lab), rel=1e-10)
        xl = x.astype(np.longdouble)
        cents = [xl[lab == k].mean(axis=0) for k in (0, 1)]
        spread = [np.sqrt(((xl[lab == k] - cents[k]) ** 2).sum(axis=1)).mean() for k in (0, 1)]
        ref = float((spread[0] + spread[1]) / np.sqrt(((cents[0] - cents[1]) ** 2).sum()))
        assert db == pytest.approx(ref, rel=1e-13)
    lab = np.array([0, 0, 0, 1, 1, 1])
    for x in (np.ones((6, 3)), np.repeat([[0.0, 0.0], [1.0, 1.0]], 3, axis=0)):
        assert two_cluster_scores(x, lab) == (davies_bouldin_score(x, lab),
                                              calinski_harabasz_score(x, lab))
