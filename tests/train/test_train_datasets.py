"""Simulated benchmarks: reproducible, shaped like the benchmarks, knobs validated."""

from __future__ import annotations


import numpy as np
import pytest

from affectctl.train.datasets import DATASETS, au_prototype_matrix, list_datasets, make_dataset
from affectctl.errors import ConfigError
from affectctl.io.schema import ABAW_AUS

SMALL = {"n_train_videos": 12, "n_test_videos": 6, "frames_per_video": 30}


@pytest.mark.parametrize("name,tax", [("sim-affwild2", "affwild2-expr8"),
                                      ("sim-affectnet", "affectnet8")])
def test_shapes_dtypes_and_taxonomy(name, tax):
    d = make_dataset(name, **SMALL)
    assert d.taxonomy.name == tax and d.au_names == ABAW_AUS
    n, m = d.X_train.shape[0], d.X_test.shape[0]
    assert d.X_train.shape[1] == d.X_test.shape[1] == DATASETS[name]["knobs"]["n_features"]
    assert d.y_train.dtype == np.int64 and d.y_train.shape == (n,)
    assert d.va_train.shape == (n, 2) and d.va_test.shape == (m, 2)
    assert np.abs(d.va_train).max() <= 1 and np.abs(d.va_test).max() <= 1
    assert d.au_train.dtype == np.int8 and d.au_train.shape == (n, 12)
    assert set(np.unique(d.au_test)) <= {0, 1}
    assert len(set(d.sample_id_test)) == m
    assert not set(d.group_train) & set(d.group_test)  # videos never straddle the split
    assert d.knobs["seed"] == 0


def test_same_seed_same_data_other_seed_other_data():
    a = make_dataset("sim-affwild2", seed=3, **SMALL)
    b = make_dataset("sim-affwild2", seed=3, **SMALL)
    for field in ("X_train", "y_train", "va_train", "au_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    c = make_dataset("sim-affwild2", seed=4, **SMALL)
    assert not np.array_equal(a.X_train[:10], c.X_train[:10])


@pytest.mark.parametrize("name", list_datasets())
def test_class_shares_follow_the_prior(name):
    d = make_dataset(name)
    prior = np.asarray(DATASETS[name]["knobs"]["class_prior"], dtype=float)
    prior /= prior.sum()
    share = np.bincount(d.y_train, minlength=8) / d.y_train.size
    np.testing.assert_allclose(share, prior, atol=0.01)
    assert (np.bincount(d.y_train, minlength=8) > 0).all()


def test_sim_affectnet_test_split_is_balanced():
    d = make_dataset("sim-affectnet")
    counts = np.bincount(d.y_test, minlength=8)
    assert counts.max() - counts.min() <= 2


def test_frames_within_a_video_are_correlated():
    d = make_dataset("sim-affwild2")
    x, g = d.X_train, d.group_train
    same = g[1:] == g[:-1]
    resid = x - np.stack([x[d.y_train == k].mean(0) for k in range(8)])[d.y_train]
    lag1 = np.mean([np.corrcoef(resid[:-1][same][:, j], resid[1:][same][:, j])[0, 1]
                    for j in range(x.shape[1])])
    assert lag1 > 0.5


def test_au_annotations_follow_the_emfacs_prototypes():
    d = make_dataset("sim-affwild2")
    proto = au_prototype_matrix(d.taxonomy)
    rate = np.stack([d.au_train[d.y_train == k].mean(0) for k in range(8)])
    assert rate[proto == 1].mean() > 0.5 > 0.2 > rate[proto == 0].mean()


def test_confusable_pairs_are_close_in_feature_space():
    d = make_dataset("sim-affectnet")
    mu = np.stack([d.X_train[d.y_train == k].mean(0) for k in range(8)])
    dist = np.linalg.norm(mu[:, None] - mu[None], axis=-1)
    i = d.taxonomy.index
    off = dist[~np.eye(8, dtype=bool)]
    for a, b in (("Anger", "Contempt"), ("Fear", "Surprise")):
        assert dist[i(a), i(b)] < np.quantile(off, 0.1)


@pytest.mark.parametrize("knobs,pattern", [
    ({"n_feature": 3}, r"unknown knob 'n_feature' for dataset 'sim-affwild2'; allowed knobs"),
    ({"n_features": 0}, r"knob `n_features` .* must be a positive integer; got 0"),
    ({"n_features": 4},
     r"knob `n_features` .* must be at least the number of classes \(8\); got 4"),
    ({"frame_rho": 1.0}, r"knob `frame_rho` .* must be a number in \[0, 1\); got 1\.0"),
    ({"class_prior": (1, 2)}, r"knob `class_prior` .* must be 8 non-negative shares"),
    ({"confusable_pairs": (("Anger", "Joyful"),)}, r"knob `confusable_pairs`"),
    ({"au_base_rate": 1.5}, r"knob `au_base_rate` .* must be a probability in \[0, 1\]; got 1\.5"),
])
def test_bad_knobs_raise_configerror(knobs, pattern):
    with pytest.raises(ConfigError, match=pattern):
        make_dataset("sim-affwild2", **knobs)


def test_unknown_dataset_and_bad_seed():
    with pytest.raises(ConfigError, match=r"`dataset` must be one of \['sim-affectnet', "
                                          r"'sim-affwild2'\]; got 'affwild2'"):
        make_dataset("affwild2")
    with pytest.raises(ConfigError, match="`seed` must be a non-negative integer; got -1"):
        make_dataset("sim-affwild2", seed=-1)


def test_class_prior_by_name():
    d = make_dataset("sim-affwild2", class_prior={"Neutral": 1, "Anger": 1}, **SMALL)
    assert set(np.unique(d.y_train)) == {0, 1}


# that the generator at work loads neither torch nor POT: tests/train/test_train_imports.py
