"""Rare-pair degeneracy diagnostics: planted pairs, hand computations, validation."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import f1_score

from affectctl.diagnose import (
    DegeneracyThresholds,
    DiagnosisResult,
    bhattacharyya_coefficient,
    chance_confusion_rates,
    diagnose,
    pair_confusion_rates,
    pair_indices,
    pair_table,
    resolved_macro_f1,
    va_overlap_coefficient,
)
from affectctl.io.dumps import write_dump
from affectctl.errors import ConfigError, DegenerateDataWarning, PairingError
from affectctl.metrics.confusion import confusion_matrix
from affectctl.io.runs import load_runs
from affectctl.domain.taxonomies import get_taxonomy

TAX = get_taxonomy("affwild2-expr8")
K = TAX.n_classes


# ----------------------------------------------------------------------------------------------
# planted runs


def planted_runs(root, seed, *, conditions=("base", "fix", "noop"), n_seeds=5, n_per_class=80,
                 embeddings=False, displace=False):
    """Write a runs folder with one degenerate and one fixable pair, chosen at random.

    * degenerate pair (d1, d2): 40% of each class predicted as the other, under every
      condition; placed 0.05 apart in the geometry CSV.
    * fixable pair (f1, f2): 35% mutual confusion under every condition except
      ``fix``, where it falls to 3% and the freed samples become correct.
    * ``displace`` adds a condition of that name in which the fixable pair's
      confusions go to a third class instead (rate falls, recall does not rise).
    * everything else: 6% of the samples go to a uniformly drawn other class.

    Returns ``(root, geometry_csv, (d1, d2), (f1, f2))`` with 0-based class positions.
    """
    rng = np.random.default_rng(seed)
    d1, d2, f1, f2 = (int(x) for x in rng.choice(K, 4, replace=False))
    angles = rng.permutation(K) * (2 * np.pi / K)
    pts = np.column_stack([0.9 * np.cos(angles), 0.9 * np.sin(angles)])
    pts[d2] = pts[d1] * (1 - 0.05 / 0.9)  # 0.05 from d1, towards the origin
    geo = root / "geometry.csv"
    root.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"class": TAX.classes, "valence": pts[:, 0], "arousal": pts[:, 1]}).to_csv(
        geo, index=False)
    y = np.repeat(np.arange(K), n_per_class)
    n = y.shape[0]
    groups = np.array([f"v{i % 40:02d}" for i in range(n)])
    va = np.clip(pts[y] + rng.normal(0, 0.1, (n, 2)), -1, 1)
    third = next(k for k in range(K) if k not in (d1, d2, f1, f2))
    conds = list(conditions) + (["displace"] if displace else [])
    partner = {d1: d2, d2: d1, f1: f2, f2: f1}
    for c in conds:
        for s in range(n_seeds):
            r = np.random.default_rng([seed, s, conds.index(c)])
            u = r.random(n)
            pred = y.copy()
            noise = u < 0.06
            pred[noise] = (y[noise] + r.integers(1, K, noise.sum())) % K
            deg = np.isin(y, (d1, d2)) & (r.random(n) < 0.40)
            p_fix = 0.03 if c == "fix" else 0.35
            fixp = np.isin(y, (f1, f2)) & (r.random(n) < p_fix)
            pred[fixp] = [third if c == "displace" else partner[k] for k in y[fixp]]
            pred[deg] = [partner[k] for k in y[deg]]
            if c == "fix":  # the pair's samples not confused are all correct
                clean = np.isin(y, (f1, f2)) & ~fixp
                pred[clean] = y[clean]
            frame = pd.DataFrame({"sample_id": [f"s{i:05d}" for i in range(n)], "group": groups,
                                  "y_true": y, "y_pred": pred, "v_true": va[:, 0],
                                  "a_true": va[:, 1], "v_pred": va[:, 0], "a_pred": va[:, 1]})
            if embeddings:
                means = np.random.default_rng(seed).normal(0, 3, (K, 6))
                means[d2] = means[d1]
                emb = means[y] + r.normal(0, 1, (n, 6))
                for j in range(emb.shape[1]):
                    frame[f"emb_{j}"] = emb[:, j]
            write_dump(frame, root / c / f"seed-{s}.parquet", metadata={"taxonomy": TAX.name})
    return root, geo, (d1, d2), (f1, f2)


def _names(pair):
    a, b = sorted(pair)
    return TAX.classes[a], TAX.classes[b]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root, geo, deg, fix = planted_runs(tmp_path_factory.mktemp("runs"), 20240611, displace=True)
    runs = load_runs(root, ["base", "fix", "noop", "displace"])
    res = diagnose(runs, baseline="base", geometry=str(geo), rng=0)
    return runs, geo, deg, fix, res


# ----------------------------------------------------------------------------------------------
# the planted pairs


@pytest.mark.parametrize("seed", [1, 123])
def test_planted_pairs_random_choice(tmp_path, seed):
    root, geo, deg, fix = planted_runs(tmp_path / "runs", seed)
    res = diagnose(load_runs(root, ["base", "fix", "noop"]), baseline="base", geometry=str(geo))
    top = res.pairs.iloc[0]
    assert (top["a"], top["b"]) == _names(deg)
    assert top["degenerate"] and top["status"] == "degenerate" and top["rank"] == 1
    assert res.pairs["degenerate"].sum() == 1
    fixed = res.pairs.set_index(["a", "b"]).loc[_names(fix)]
    assert not fixed["degenerate"]
    assert fixed["status"] == "fixed"
    assert fixed["reason"].startswith("fixed by fix: ")
    assert "p=0.0312" in fixed["reason"]
    assert fixed["fixed_by"] == "fix"


def test_ranks_and_order(planted):
    *_, res = planted
    assert res.pairs["rank"].tolist() == list(range(1, K * (K - 1) // 2 + 1))
    others = res.pairs[~res.pairs["status"].isin(["degenerate", "candidate"])]
    assert others["confusion_rate"].is_monotonic_decreasing


def test_displaced_confusions_are_not_a_fix(planted):
    _, _, _, fix, res = planted
    a, b = _names(fix)
    row = res.persistence[(res.persistence["a"] == a) & (res.persistence["b"] == b)
                          & (res.persistence["condition"] == "displace")].iloc[0]
    assert row["relative_change"] < -0.5 and row["substantial"]
    assert abs(row["resolved_share"]) < 0.3
    assert not row["resolved"] and not row["fixed"]


def test_persistence_tests_against_scipy(planted):
    runs, _, _, fix, res = planted
    a, b = _names(fix)
    sel = res.per_seed[(res.per_seed["a"] == a) & (res.per_seed["b"] == b)]
    base = sel[sel["condition"] == "base"].sort_values("seed")["confusion_rate"].to_numpy()
    fx = sel[sel["condition"] == "fix"].sort_values("seed")["confusion_rate"].to_numpy()
    row = res.persistence[(res.persistence["a"] == a) & (res.persistence["b"] == b)
                          & (res.persistence["condition"] == "fix")].iloc[0]
    # scipy: wilcoxon(x, y, alternative="less", method="exact"), d = fix - base
    ref = stats.wilcoxon(fx, base, alternative="less", method="exact").pvalue
    assert row["p_wilcoxon"] == pytest.approx(ref) == pytest.approx(1 / 32)
    assert row["p_signflip"] == pytest.approx(1 / 32)
    assert row["share_seeds_reduced"] == 1.0
    assert row["change"] == pytest.approx(fx.mean() - base.mean())
    assert row["relative_change"] == pytest.approx(fx.mean() / base.mean() - 1)
    assert row["rank_biserial"] == pytest.approx(-1.0)
    # Holm over the 3 interventions of the pair: 3 * 1/32 > 0.05, so only "substantial" fixes it
    assert row["p_corr"] == pytest.approx(3 / 32)
    assert not row["significant"] and row["substantial"] and row["fixed"]
    assert any("0.09375" in n and "substantial" in n for n in res.notes)


def test_confusion_rate_by_hand(planted):
    runs, _, deg, _, res = planted
    i, j = sorted(deg)
    dump = runs.dump("noop", 3)
    y, p = dump.y_true, dump.y_pred
    mutual = np.sum((y == i) & (p == j)) + np.sum((y == j) & (p == i))
    by_hand = mutual / np.sum(np.isin(y, (i, j)))
    row = res.per_seed[(res.per_seed["condition"] == "noop") & (res.per_seed["seed"] == 3)
                       & (res.per_seed["a_index"] == i) & (res.per_seed["b_index"] == j)].iloc[0]
    assert row["confusion_rate"] == pytest.approx(by_hand)
    assert 0.3 < by_hand < 0.5


def test_cost_against_sklearn_on_edited_predictions(planted):
    runs, _, deg, _, res = planted
    i, j = sorted(deg)
    dump = runs.dump("base", 2)
    y, p = dump.y_true, dump.y_pred.copy()
    actual = f1_score(y, p, labels=range(K), average="macro", zero_division=0)
    p[(y == i) & (p == j)] = i
    p[(y == j) & (p == i)] = j
    edited = f1_score(y, p, labels=range(K), average="macro", zero_division=0)
    row = res.per_seed[(res.per_seed["condition"] == "base") & (res.per_seed["seed"] == 2)
                       & (res.per_seed["a_index"] == i) & (res.per_seed["b_index"] == j)].iloc[0]
    assert row["macro_f1"] == pytest.approx(actual)
    assert row["macro_f1_resolved"] == pytest.approx(edited)
    assert row["macro_f1_gain"] == pytest.approx(edited - actual)
    top = res.pairs.iloc[0]
    assert top["macro_f1_gain"] > 0.05


def test_va_evidence(planted):
    _, _, deg, _, res = planted
    top = res.pairs.iloc[0]
    assert top["va_distance"] == pytest.approx(0.05, abs=1e-9)
    assert top["va_distance"] <= res.va_distance_threshold
    assert top["va_overlap"] > 0.7  # two N(., 0.1^2 I) clouds 0.05 apart: BC = exp(-0.05^2/0.08)
    assert res.pairs["va_overlap"].between(0, 1).all()


def test_to_dict_is_json_in_rank_order(planted):
    *_, res = planted
    d = res.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    assert [r["rank"] for r in back["pairs"]] == list(range(1, len(back["pairs"]) + 1))
    first = back["pairs"][0]
    assert first["degenerate"] is True
    assert set(first) >= {"a", "b", "degenerate", "status", "reason", "evidence", "rates",
                          "persistence"}
    assert set(first["rates"]) == {"base", "fix", "noop", "displace"}
    assert {p["condition"] for p in first["persistence"]} == {"fix", "noop", "displace"}
    assert back["thresholds"]["min_confusion_rate"] == 0.10


def test_no_intervention_gives_candidates(planted):
    runs, geo, deg, _, _ = planted
    res = diagnose(runs, baseline="base", interventions=(), geometry=str(geo))
    top = res.pairs.iloc[0]
    assert (top["a"], top["b"]) == _names(deg)
    assert top["status"] == "candidate" and not top["degenerate"]
    assert res.persistence.empty
    assert any("no intervention" in n for n in res.notes)


def test_thresholds_are_used(planted):
    runs, geo, deg, fix, _ = planted
    strict = DegeneracyThresholds(min_confusion_rate=0.6)
    res = diagnose(runs, baseline="base", interventions=["noop"], geometry=str(geo),
                   thresholds=strict)
    assert not res.pairs["degenerate"].any()
    far = DegeneracyThresholds(va_distance_quantile=None, max_va_distance=0.01)
    res = diagnose(runs, baseline="base", interventions=["noop"], geometry=str(geo),
                   thresholds=far)
    row = res.pairs.set_index(["a", "b"]).loc[_names(deg)]
    assert row["status"] == "not-close"
    assert "VA distance 0.05 > 0.01 (max_va_distance 0.01)" in row["reason"]
    # one intervention: a family of one, p = 1/32 < 0.05 unadjusted, significant by itself
    no_sub = DegeneracyThresholds(min_relative_reduction=1.0)
    res = diagnose(runs, baseline="base", interventions=["fix"], geometry=str(geo),
                   thresholds=no_sub)
    assert res.pairs.set_index(["a", "b"]).loc[_names(fix), "status"] == "fixed"
    assert res.persistence["p_corr"].equals(res.persistence["p_wilcoxon"])
    # two interventions: Holm lifts the smallest p to 2/32 > 0.05 and, without the
    # substantial criterion, nothing can fix the pair at 5 seeds
    res = diagnose(runs, baseline="base", interventions=["fix", "noop"], geometry=str(geo),
                   thresholds=no_sub)
    row = res.pairs.set_index(["a", "b"]).loc[_names(fix)]
    assert row["status"] in ("not-close", "degenerate")
    assert row["fixed_by"] == ""


def test_geometry_data_and_missing_coordinates(planted):
    runs, _, deg, _, _ = planted
    res = diagnose(runs, baseline="base", interventions=["noop"], geometry="data")
    assert res.geometry == "data"
    assert (res.pairs.iloc[0]["a"], res.pairs.iloc[0]["b"]) == _names(deg)
    # nrc-vad: Other has no coordinate
    res = diagnose(runs, baseline="base", interventions=["noop"], geometry="nrc-vad")
    other = res.pairs[(res.pairs["a"] == "Other") | (res.pairs["b"] == "Other")]
    assert other["va_distance"].isna().all()
    assert not other["close"].any()


def test_pair_table_matches_diagnosis(planted):
    runs, geo, *_ , res = planted
    table = pair_table(runs, conditions=["base"], geometry=str(geo))
    mine = res.per_seed[res.per_seed["condition"] == "base"].reset_index(drop=True)
    pd.testing.assert_frame_equal(table, mine)


# ----------------------------------------------------------------------------------------------
# array functions against hand computations


def test_pair_rates_by_hand():
    cm = np.array([[8, 2, 0], [4, 6, 0], [0, 1, 9]])
    a, b = pair_indices(3)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 1), (0, 2), (1, 2)]
    np.testing.assert_allclose(pair_confusion_rates(cm), [6 / 20, 0 / 20, 1 / 20])
    # q = column shares = (12, 9, 9) / 30
    q = np.array([12, 9, 9]) / 30
    n = np.array([10, 10, 10])
    expect = [(n[0] * q[1] + n[1] * q[0]) / 20, (n[0] * q[2] + n[2] * q[0]) / 20,
              (n[1] * q[2] + n[2] * q[1]) / 20]
    np.testing.assert_allclose(chance_confusion_rates(cm), expect)
    stack = np.stack([cm, cm.T])
    assert pair_confusion_rates(stack).shape == (2, 3)


def test_pair_rate_undefined_without_support():
    cm = np.array([[5, 0, 0], [0, 0, 0], [0, 0, 0]])
    r = pair_confusion_rates(cm)
    assert np.isnan(r[2]) and r[0] == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_resolved_macro_f1_against_sklearn(seed):
    rng = np.random.default_rng(seed)
    k = 5
    y = rng.integers(0, k, 200)
    p = np.where(rng.random(200) < 0.5, y, rng.integers(0, k, 200))
    p[p == 4] = 3  # class 4 never predicted
    if seed == 0:
        y[y == 2] = 1  # class 2 with no true sample
    cm = confusion_matrix(y, p, k)
    got = resolved_macro_f1(cm)
    for idx, (a, b) in enumerate(zip(*pair_indices(k), strict=True)):
        q = p.copy()
        q[(y == a) & (p == b)] = a
        q[(y == b) & (p == a)] = b
        ref = f1_score(y, q, labels=range(k), average="macro", zero_division=0)
        assert got[idx] == pytest.approx(ref), (a, b)


def test_bhattacharyya_closed_forms():
    # equal isotropic covariances s^2 I: BC = exp(-|mu_a - mu_b|^2 / (8 s^2))
    s2, delta = 0.04, np.array([0.3, -0.1])
    bc = bhattacharyya_coefficient([0, 0], s2 * np.eye(2), delta, s2 * np.eye(2))
    assert bc == pytest.approx(np.exp(-(delta @ delta) / (8 * s2)))
    # diagonal covariances: product of the 1-D coefficients
    # 1-D: BC = sqrt(2 s1 s2 / (s1^2 + s2^2)) * exp(-(m1 - m2)^2 / (4 (s1^2 + s2^2)))
    def bc1(m1, s1, m2, s2_):
        v = s1**2 + s2_**2
        return np.sqrt(2 * s1 * s2_ / v) * np.exp(-(m1 - m2) ** 2 / (4 * v))
    got = bhattacharyya_coefficient([0.1, 0.5], np.diag([0.2**2, 0.1**2]),
                                    [-0.2, 0.4], np.diag([0.3**2, 0.05**2]))
    assert got == pytest.approx(bc1(0.1, 0.2, -0.2, 0.3) * bc1(0.5, 0.1, 0.4, 0.05))
    assert bhattacharyya_coefficient([1, 2], np.eye(2), [1, 2], np.eye(2)) == 1.0


def test_bhattacharyya_numerical_integral():
    # correlated case: BC = integral of sqrt(p q), on a grid
    ma, sa = np.array([0.0, 0.1]), np.array([[0.05, 0.02], [0.02, 0.03]])
    mb, sb = np.array([0.2, -0.1]), np.array([[0.02, -0.01], [-0.01, 0.06]])
    g = np.linspace(-1.5, 1.5, 601)
    xx, yy = np.meshgrid(g, g)
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    pa = stats.multivariate_normal(ma, sa).pdf(pts)
    pb = stats.multivariate_normal(mb, sb).pdf(pts)
    integral = np.sqrt(pa * pb).sum() * (g[1] - g[0]) ** 2
    assert bhattacharyya_coefficient(ma, sa, mb, sb) == pytest.approx(integral, rel=1e-4)


def test_va_overlap_from_samples():
    rng = np.random.default_rng(3)
    a = rng.normal([0.0, 0.0], 0.2, (20000, 2))
    b = rng.normal([0.2, 0.0], 0.2, (20000, 2))
    assert va_overlap_coefficient(a, b) == pytest.approx(np.exp(-0.04 / (8 * 0.04)), abs=0.01)
    assert va_overlap_coefficient(a, a) == pytest.approx(1.0)
    assert np.isnan(va_overlap_coefficient(a[:2], b))
    with_nan = np.vstack([a[:100], [[np.nan, np.nan]]])
    assert np.isfinite(va_overlap_coefficient(with_nan, b))


# ----------------------------------------------------------------------------------------------
# input validation


@pytest.mark.parametrize("kwargs, message", [
    ({"min_confusion_rate": 2}, "`min_confusion_rate` must be a number in [0, 1]; got 2."),
    ({"min_lift": -1.0}, "`min_lift` must be a number in [0, inf]; got -1.0."),
    ({"min_support": "10"}, "`min_support` must be a number in [0, inf]; got '10'."),
    ({"va_distance_quantile": 1.5}, "`va_distance_quantile` must be a number in [0, 1]; got 1.5."),
    ({"va_distance_quantile": None}, "`va_distance_quantile` and `max_va_distance` cannot both"),
    ({"alpha": 0.0}, "`alpha` must be a number in (0, 1); got 0.0."),
    ({"alpha": True}, "`alpha` must be a number in (0, 1); got True."),
    ({"correction": "sidak"}, "`correction` must be one of {'holm', 'fdr_bh', 'bonferroni', "
                              "'none'}; got 'sidak'."),
    ({"min_relative_reduction": float("nan")}, "`min_relative_reduction` must be a number"),
    ({"min_seed_share": 1.2}, "`min_seed_share` must be a number in [0, 1]; got 1.2."),
    ({"min_resolved_share": -0.1}, "`min_resolved_share` must be a number in [0, 1]; got -0.1."),
])
def test_threshold_validation(kwargs, message):
    with pytest.raises(ConfigError) as exc:
        DegeneracyThresholds(**kwargs)
    assert str(exc.value).startswith(message)


def test_diagnose_validation(planted):
    runs, geo, *_ = planted
    with pytest.raises(ConfigError, match=r"`baseline` must be one of \{'base', 'fix', 'noop', "
                                          r"'displace'\}; got 'nope'\."):
        diagnose(runs, baseline="nope")
    with pytest.raises(ConfigError, match="`interventions` must be among"):
        diagnose(runs, baseline="base", interventions=["base"])
    with pytest.raises(ConfigError, match="names a condition twice"):
        diagnose(runs, baseline="base", interventions=["fix", "fix"])
    with pytest.raises(ConfigError, match="`thresholds` must be a DegeneracyThresholds"):
        diagnose(runs, baseline="base", thresholds={"alpha": 0.1})
    with pytest.raises(ConfigError, match="`rng` must be None, an int >= 0"):
        diagnose(runs, baseline="base", rng=-1)
    with pytest.raises(ConfigError, match="`runs` must be a RunSet"):
        diagnose({"base": {}}, baseline="base")
    with pytest.raises(ConfigError, match="`geometry` must be one of"):
        diagnose(runs, baseline="base", geometry="nowhere")
    with pytest.raises(ConfigError, match="`representation=True` needs embeddings"):
        diagnose(runs, baseline="base", geometry=str(geo), representation=True)
    with pytest.raises(ConfigError, match="`n_splits` must be an integer >= 2"):
        diagnose(runs, baseline="base", n_splits=1)


@pytest.mark.parametrize("cm, message", [
    (np.zeros(3), r"`cm` must have shape \(..., K, K\) with K >= 2; got shape \(3,\)\."),
    (np.zeros((2, 3)), r"`cm` must have shape \(..., K, K\) with K >= 2; got shape \(2, 3\)\."),
    (-np.ones((2, 2)), "`cm` must hold finite, non-negative counts."),
    ("counts", "`cm` must be an array of counts; got str."),
])
def test_array_validation(cm, message):
    for func in (pair_confusion_rates, chance_confusion_rates, resolved_macro_f1):
        with pytest.raises(ConfigError, match=message):
            func(cm)


def test_absent_class_warns_and_is_low_support(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(K - 1), 30)  # no 'Other'
    for c in ("base", "other"):
        for s in range(3):
            pred = np.where(rng.random(y.size) < 0.8, y, rng.integers(0, K, y.size))
            frame = pd.DataFrame({"sample_id": np.arange(y.size).astype(str), "y_true": y,
                                  "y_pred": pred})
            write_dump(frame, tmp_path / c / f"seed-{s}.csv", metadata={"taxonomy": TAX.name})
    runs = load_runs(tmp_path, ["base", "other"])
    message = r"class\(es\) 'Other' \(seed\(s\) \[0, 1, 2\]\)"
    with pytest.warns(DegenerateDataWarning, match=message):
        res = diagnose(runs, baseline="base", geometry="nrc-vad")
    other = res.pairs[res.pairs["b"] == "Other"]
    assert (other["status"] == "low-support").all()
    assert (other["support_b"] == 0).all()
    assert other["reason"].str.startswith("support").all()


def test_unpaired_intervention_is_refused(tmp_path):
    root, geo, *_ = planted_runs(tmp_path / "runs", 5, conditions=("base", "fix"), n_seeds=3)
    (root / "fix" / "seed-2.parquet").unlink()
    runs = load_runs(root, ["base", "fix"])
    with pytest.raises(PairingError, match="different seeds"):
        diagnose(runs, baseline="base", geometry=str(geo))


def test_result_is_frozen(planted):
    *_, res = planted
    assert isinstance(res, DiagnosisResult)
    with pytest.raises(AttributeError):
        res.baseline = "x"
    with pytest.raises(AttributeError):
        res.thresholds.alpha = 0.1
