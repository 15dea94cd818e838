"""Metrics against independent references: scikit-learn, hand-worked CCC, closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from _synth import synthetic_frame
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from affectctl.domain.geometries import GEOMETRIES, cost_matrix, get_geometry
from affectctl.io.dumps import dump_from_frame
from affectctl.metrics import confusion as cmm
from affectctl.metrics.action_units import au_f1_per_unit
from affectctl.metrics.probability import (
    confidence,
    expected_calibration_error,
    expected_cost_per_sample,
)
from affectctl.metrics.compute import compute_metrics
from affectctl.metrics.regression import ccc, ccc_from_sums, pcc, rmse, sufficient_sums
from affectctl.domain.taxonomies import get_taxonomy


def _dump(**kw):
    return dump_from_frame(synthetic_frame(**kw))


def test_classification_metrics_match_sklearn():
    d = _dump(n=1000, seed=3, excluded=0.1)
    m = compute_metrics(d)
    keep = d.y_true >= 0
    y, p = d.y_true[keep], d.y_pred[keep]
    labels = list(range(d.taxonomy.n_classes))
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y, p), abs=1e-12)
    assert m["expr_macro_f1"] == pytest.approx(skm.f1_score(y, p, average="macro", labels=labels), abs=1e-12)
    per = skm.f1_score(y, p, average=None, labels=labels)
    for c, v in zip(d.taxonomy.classes, per):
        assert m[f"f1:{c}"] == pytest.approx(v, abs=1e-12)
    assert m["uar"] == pytest.approx(skm.balanced_accuracy_score(y, p), abs=1e-12)
    assert m["cohen_kappa"] == pytest.approx(skm.cohen_kappa_score(y, p), abs=1e-12)
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, p), abs=1e-12)
    assert m["abaw3_expr_score"] == m["expr_macro_f1"]
    assert m["n_expr_frames"] == keep.sum()


def test_abaw2_expr_score_formula():
    # Aff-Wild2's 7 classes in its order (Neutral, then alphabetical) fit AffectNet, RAF-DB and
    # FER2013 as well, so the file's p_ columns alone do not name the taxonomy: it is given
    d = dump_from_frame(synthetic_frame(n=500, taxonomy="affwild2-expr7", seed=4), taxonomy="affwild2-expr7")
    m = compute_metrics(d)
    y, p = d.y_true, d.y_pred
    ref = 0.67 * skm.f1_score(y, p, average="macro", labels=range(7)) + 0.33 * skm.accuracy_score(y, p)
    assert m["abaw2_expr_score"] == pytest.approx(ref, abs=1e-12)
    assert m["official_score"] == m["abaw2_expr_score"] == m["abaw2020_expr_score"]


def test_ccc_hand_worked():
    # y = (0, 1), yhat = (0, 0.5): means 0.5 and 0.25; population variances 0.25 and 0.0625;
    # cov = ((-0.5)(-0.25) + (0.5)(0.25)) / 2 = 0.125;
    # CCC = 2(0.125) / (0.25 + 0.0625 + 0.25**2) = 0.25 / 0.375 = 2/3.
    assert ccc([0.0, 1.0], [0.0, 0.5]) == pytest.approx(2 / 3, abs=1e-15)
    # sample moments (n - 1) would give 0.25 / (0.5 + 0.125 + 0.0625) = 0.3636...
    assert ccc([0.0, 1.0], [0.0, 0.5]) != pytest.approx(0.25 / 0.6875)


def test_va_metrics_match_reference_formulas():
    d = _dump(n=2000, seed=5, excluded=0.05)
    m = compute_metrics(d)
    for j, dim in enumerate(("valence", "arousal")):
        t, p = d.va_true[:, j], d.va_pred[:, j]
        ok = ~np.isnan(t)
        t, p = t[ok], p[ok]
        # population moments, frames pooled (ABAW)
        ref = 2 * np.cov(t, p, bias=True)[0, 1] / (t.var() + p.var() + (t.mean() - p.mean()) ** 2)
        assert m[f"va_ccc_{dim}"] == pytest.approx(ref, abs=1e-12)
        assert m[f"va_pcc_{dim}"] == pytest.approx(np.corrcoef(t, p)[0, 1], abs=1e-12)
        assert m[f"va_rmse_{dim}"] == pytest.approx(np.sqrt(skm.mean_squared_error(t, p)), abs=1e-12)
        assert m[f"va_sagr_{dim}"] == pytest.approx(np.mean(np.sign(t) == np.sign(p)), abs=1e-12)
    assert m["va_ccc_mean"] == pytest.approx((m["va_ccc_valence"] + m["va_ccc_arousal"]) / 2)
    assert d.exclusions["valence"] == np.isnan(d.va_true[:, 0]).sum() > 0


def test_sample_moments_differ_from_population_ccc():
    rng = np.random.default_rng(1)
    y, x = rng.normal(size=20), rng.normal(size=20)
    sample = 2 * np.cov(y, x, ddof=1)[0, 1] / (y.var(ddof=1) + x.var(ddof=1) + (y.mean() - x.mean()) ** 2)
    assert ccc(y, x) != pytest.approx(sample, abs=1e-6)


def test_per_video_ccc_is_mean_of_video_cccs():
    d = _dump(n=600, seed=6, n_groups=6)
    m = compute_metrics(d)
    vals = []
    for g in np.unique(d.group):
        s = d.group == g
        vals.append(ccc(d.va_true[s, 0], d.va_pred[s, 0]))
    assert m["va_ccc_valence_per_video"] == pytest.approx(np.mean(vals), abs=1e-12)


def test_au_metrics_match_sklearn():
    d = _dump(n=800, seed=7, excluded=0.1)
    m = compute_metrics(d)
    f1s = []
    for j, name in enumerate(d.au_names):
        ok = d.au_true[:, j] >= 0
        f1s.append(skm.f1_score(d.au_true[ok, j], d.au_pred[ok, j], zero_division=0))
        assert m[f"au_f1:{name}"] == pytest.approx(f1s[-1], abs=1e-12)
    assert m["au_f1_mean"] == pytest.approx(np.mean(f1s), abs=1e-12)
    assert m["abaw3_au_score"] == pytest.approx(np.mean(f1s), abs=1e-12)
    acc = [skm.accuracy_score(d.au_true[d.au_true[:, j] >= 0, j], d.au_pred[d.au_true[:, j] >= 0, j])
           for j in range(len(d.au_names))]
    assert m["abaw2_au_score"] == pytest.approx(0.5 * np.mean(f1s) + 0.5 * np.mean(acc), abs=1e-12)
    assert m["abaw_mtl_score"] == pytest.approx(m["va_ccc_mean"] + m["expr_macro_f1"] + m["au_f1_mean"])


def test_au_f1_zero_when_absent():
    t = np.zeros((5, 1), dtype=int)
    assert au_f1_per_unit(t, t)[0] == 0.0


def test_geometry_metrics_by_hand():
    tax = get_taxonomy("affectnet8")
    geo = get_geometry("nrc-vad")
    cost = geo.cost(tax)
    # 3 errors: Anger->Contempt twice, Happy->Sad once; 2 correct
    y = np.array([6, 6, 1, 0, 0])
    p = np.array([7, 7, 2, 0, 0])
    cm = cmm.confusion_matrix(y, p, 8)
    ref = (2 * cost[6, 7] + cost[1, 2]) / 3
    assert cmm.error_distance(cm, cost) == pytest.approx(ref, abs=1e-15)
    # nrc-vad anger (-.666,.73) and contempt (-.588,.27) share quadrant 1; happy (.92,.464) vs sad (-.896,-.424) not
    from affectctl.domain.geometries import quadrant
    q = quadrant(geo.coordinates(tax))
    assert cmm.quadrant_preservation_score(cm, q) == pytest.approx(2 / 3)


def test_expected_cost_is_one_hot_ot_and_confidence_bounds():
    rng = np.random.default_rng(0)
    k = 8
    p = rng.dirichlet(np.ones(k), 50)
    y = rng.integers(0, k, 50)
    c = cost_matrix(rng.uniform(-1, 1, (k, 2)))
    ref = np.array([sum(p[i, j] * c[j, y[i]] for j in range(k)) for i in range(50)])
    np.testing.assert_allclose(expected_cost_per_sample(p, y, c), ref, atol=1e-14)
    assert confidence(np.full((1, k), 1 / k))[0] == pytest.approx(0.0, abs=1e-12)
    assert confidence(np.eye(k)[:1])[0] == pytest.approx(1.0)


def test_ece_hand_worked():
    # two samples, confidences 0.9 (correct) and 0.6 (wrong): bins 14 and 9 (15 bins)
    p = np.array([[0.9, 0.1], [0.6, 0.4]])
    y = np.array([0, 1])
    assert expected_calibration_error(p, y) == pytest.approx(0.5 * 0.1 + 0.5 * 0.6)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-1, 1), st.floats(-1, 1)), min_size=2, max_size=8))
def test_cost_matrix_is_a_metric(points):
    c = cost_matrix(np.array(points))
    assert np.allclose(np.diag(c), 0)
    assert np.allclose(c, c.T)
    assert (c >= 0).all()
    n = len(points)
    for i in range(n):
        for j in range(n):
            assert (c[i, j] <= c[i, :] + c[:, j] + 1e-12).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), st.integers(5, 60), st.integers(0, 2**31 - 1))
def test_batched_confusion_metrics_equal_single(k, n, seed):
    rng = np.random.default_rng(seed)
    cms = np.stack([cmm.confusion_matrix(rng.integers(0, k, n), rng.integers(0, k, n), k) for _ in range(3)])
    batched = cmm.macro_f1_score(cms, on_empty=0.0)
    single = [cmm.macro_f1_score(c, on_empty=0.0) for c in cms]
    np.testing.assert_allclose(batched, single)
    np.testing.assert_allclose(cmm.mcc_score(cms), [cmm.mcc_score(c) for c in cms])


def test_sums_give_the_same_ccc():
    rng = np.random.default_rng(2)
    y, x = rng.normal(size=500), rng.normal(size=500)
    assert ccc_from_sums(sufficient_sums(y, x)) == pytest.approx(ccc(y, x), abs=1e-12)
    assert pcc(y, x) == pytest.approx(np.corrcoef(y, x)[0, 1])
    assert rmse(y, x) == pytest.approx(np.sqrt(np.mean((y - x) ** 2)))


def test_undefined_f1_warns_and_nan_policy_excludes():
    from affectctl.errors import DegenerateDataWarning

    cm = np.array([[3, 1, 0], [1, 2, 0], [0, 0, 0]])
    with pytest.warns(DegenerateDataWarning, match="on_empty"):
        warn = cmm.macro_f1_score(cm)
    nan = cmm.macro_f1_score(cm, on_empty="nan")
    f1 = skm.f1_score([0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 1, 0, 1, 1], average=None)
    assert warn == pytest.approx(f1.sum() / 3)
    assert nan == pytest.approx(f1.mean())


@pytest.mark.parametrize("name", sorted(GEOMETRIES))
def test_geometries_in_range(name):
    pts = np.array(list(GEOMETRIES[name].points.values()))
    assert ((pts >= -1) & (pts <= 1)).all()


def test_nrc_anger_fear_close_and_affectnet_sample_anger_contempt_close():
    nrc = get_geometry("nrc-vad")
    d = np.hypot(*(np.array(nrc.points["anger"]) - np.array(nrc.points["fear"])))
    assert d == pytest.approx(2 * np.hypot(0.167 - 0.073, 0.865 - 0.840))
    s = get_geometry("affectnet-sample")
    assert np.hypot(*(np.array(s.points["anger"]) - np.array(s.points["contempt"]))) == pytest.approx(
        np.hypot(0.09, 0.02))


def test_expected_cost_policy_for_classes_without_a_coordinate():
    """True Other: sample left out (counted); predicted Other mass: priced at the mean cost."""
    d = _dump(n=400, seed=11)  # affwild2-expr8: Other (index 7) has no nrc-vad coordinate
    m = compute_metrics(d)
    tax, geo = d.taxonomy, get_geometry("nrc-vad")
    coords = geo.coordinates(tax)
    assert np.isnan(coords[7]).all() and np.isfinite(coords[:7]).all()
    c = cost_matrix(coords[:7])
    mean_off = c[~np.eye(7, dtype=bool)].mean()
    keep = (d.y_true >= 0) & (d.y_true != 7)
    ref = [sum(d.proba[i, j] * (c[j, d.y_true[i]] if j < 7 else mean_off) for j in range(8))
           for i in np.flatnonzero(keep)]
    assert m["expected_cost"] == pytest.approx(np.mean(ref), abs=1e-12)
    assert m["expected_cost_excluded_samples"] == ((d.y_true == 7).sum())
