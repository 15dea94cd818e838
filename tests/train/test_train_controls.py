"""Controls that control: balanced trains as long as base, permuted is drawn per seed under a
correlation cap, the data's own geometry, label noise."""

from __future__ import annotations

import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from affectctl.domain.geometries import geometry_from_data  # noqa: E402
from affectctl.errors import ConfigError  # noqa: E402
from affectctl.train.conditions import load_condition, parse_condition  # noqa: E402
from affectctl.train.costs import (  # noqa: E402
    PERMUTATION_MAX_CORR,
    circumplex_cost,
    cost_correlation,
    resolve_cost,
)
from affectctl.train.loop import epoch_indices, noisy_labels, run_frame, train_run  # noqa: E402
from affectctl.domain.taxonomies import get_taxonomy  # noqa: E402


def _steps(n_rows: int, batch: int) -> int:
    return sum(1 for lo in range(0, n_rows, batch) if n_rows - lo >= 2)


def test_balanced_takes_as_many_steps_per_epoch_as_base(tiny_data, monkeypatch):
    y, g = tiny_data.y_train, tiny_data.group_train
    base = parse_condition("epochs = 2\nbatch_size = 64", name="b")
    bal = parse_condition('epochs = 2\nbatch_size = 64\nsampler = "balanced"\n'
                          "frames_per_video = 5\nframes_per_class = 7", name="bal")
    rng = np.random.default_rng(0)
    assert epoch_indices(bal, y, g, rng).size == epoch_indices(base, y, g, rng).size == y.size
    # counted in the training loop itself
    counts = {}
    real = torch.optim.Adam.step

    def counting(self, *a, **k):
        counts[self._tag] = counts.get(self._tag, 0) + 1
        return real(self, *a, **k)

    monkeypatch.setattr(torch.optim.Adam, "step", counting)
    for cond in (base, bal):
        monkeypatch.setattr(torch.optim.Adam, "_tag", cond.name, raising=False)
        train_run(cond, tiny_data, 0)
    assert counts["b"] == counts["bal"] == 2 * _steps(y.size, 64)


def test_balanced_grouping_is_linear_not_quadratic():
    # 224k frames in 20k videos: the old per-video loop took ~20 s; one sort takes well under 1 s
    rng = np.random.default_rng(0)
    n = 224_000
    group = rng.integers(0, 20_000, n).astype(str)
    y = rng.integers(0, 8, n)
    c = parse_condition('sampler = "balanced"\nframes_per_video = 5\nframes_per_class = 500',
                        name="b")
    start = time.perf_counter()
    idx = epoch_indices(c, y, group, np.random.default_rng(1))
    assert time.perf_counter() - start < 5.0
    assert idx.size == n
    # at most 5 distinct frames per video were pooled
    kept = np.unique(idx)
    assert np.bincount(np.unique(group[kept], return_inverse=True)[1]).max() <= 5


@pytest.mark.parametrize("tax", ["affwild2-expr8", "affectnet8", "affectnet7"])
def test_permuted_differs_per_seed_and_stays_below_the_threshold(tax):
    t = get_taxonomy(tax)
    c = load_condition("permuted")
    real = circumplex_cost(t, c.geometry)
    perms = []
    for seed in range(10):
        cost, info = resolve_cost(c, t, seed=seed)
        assert info["permutation_correlation"] <= PERMUTATION_MAX_CORR
        assert cost_correlation(cost, real) == pytest.approx(info["permutation_correlation"])
        perm = np.array(info["permutation"])
        np.testing.assert_array_equal(cost, real[np.ix_(perm, perm)])
        assert not (perm == np.arange(t.n_classes)).any()
        perms.append(tuple(perm))
    assert len(set(perms)) >= 8  # a different geometry (almost always) per seed
    # same seed, same permutation
    assert resolve_cost(c, t, seed=3)[1] == resolve_cost(c, t, seed=3)[1]


def test_permuted_run_records_its_permutation(tiny_data):
    c = parse_condition('epochs = 1\not_weight = 1.0\ncost = "permuted"', name="p")
    r = train_run(c, tiny_data, 4)
    assert r.extra["permutation_correlation"] <= PERMUTATION_MAX_CORR
    assert sorted(r.extra["permutation"]) == list(range(tiny_data.taxonomy.n_classes))


def test_data_geometry_uses_the_training_labels(tiny_data):
    c = parse_condition('ot_weight = 1.0\ncost = "circumplex"\ngeometry = "data"', name="d")
    cost, info = resolve_cost(c, tiny_data.taxonomy, seed=0, y_train=tiny_data.y_train,
                              va_train=tiny_data.va_train)
    geo = geometry_from_data(tiny_data.y_train, tiny_data.va_train, tiny_data.taxonomy)
    np.testing.assert_array_equal(cost, circumplex_cost(tiny_data.taxonomy, geo))
    k = tiny_data.taxonomy.classes.index("Happiness") if "Happiness" in \
        tiny_data.taxonomy.classes else 4
    sel = (tiny_data.y_train == k) & np.isfinite(tiny_data.va_train).all(1)
    name = tiny_data.taxonomy.classes[k]
    np.testing.assert_allclose(info["geometry_coordinates"][name],
                               tiny_data.va_train[sel].mean(0))
    # not the lexicon's geometry
    assert not np.allclose(cost, circumplex_cost(tiny_data.taxonomy, "nrc-vad"))
    with pytest.raises(ConfigError, match="at least two classes; 0 class"):
        resolve_cost(c, tiny_data.taxonomy, seed=0, y_train=tiny_data.y_train,
                     va_train=np.full_like(tiny_data.va_train, np.nan))


def test_symmetric_label_noise():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 8, 20_000)
    y[::10] = -1
    noisy = noisy_labels(y, 0.3, np.random.default_rng(1))
    lab = y >= 0
    assert (noisy[~lab] == -1).all()
    flipped = noisy[lab] != y[lab]
    assert flipped.mean() == pytest.approx(0.3, abs=0.015)
    # symmetric: a flipped label goes to each other class about equally often
    shift = (noisy[lab][flipped] - y[lab][flipped]) % 8
    assert shift.min() >= 1
    np.testing.assert_allclose(np.bincount(shift, minlength=8)[1:] / flipped.sum(), 1 / 7,
                               atol=0.02)


def test_label_noise_touches_training_labels_only(tiny_data):
    c = load_condition("base@noise0.3")
    assert c.name == "base@noise0.3" and c.label_noise == 0.3
    c = parse_condition(c.text + "epochs = 1\n", name=c.name)
    r = train_run(c, tiny_data, 0)
    info = r.extra["label_noise"]
    assert info["rate"] == 0.3 and 0 < info["flipped"] < info["labelled"]
    frame = run_frame(r, tiny_data)
    np.testing.assert_array_equal(frame["y_true"].to_numpy(),
                                  np.where(tiny_data.y_test >= 0, tiny_data.y_test, -1))
    with pytest.raises(ConfigError, match="already set"):
        load_condition(str(_noisy_file(tiny_data)) + "@noise0.1")


def _noisy_file(_):
    import tempfile
    from pathlib import Path

    d = Path(tempfile.mkdtemp())
    p = d / "noisy.toml"
    p.write_text("label_noise = 0.2\n")
    return p


def test_sweep_runs_every_condition_at_every_noise_level(tmp_path, fast_models):
    from affectctl.io.dumps import read_dump
    from affectctl.train import sweep

    from .conftest import TINY

    paths = sweep(["tiny-base"], seeds=1, out=tmp_path, models_dir=fast_models, progress=False,
                  dataset_knobs=TINY, workers=1, label_noise=[0.2])
    assert sorted(n for n, _ in paths) == ["tiny-base", "tiny-base@noise0.2"]
    meta = read_dump(paths[("tiny-base@noise0.2", 0)]).metadata
    assert meta["label_noise"]["rate"] == 0.2
    with pytest.raises(ConfigError, match="label_noise"):
        sweep(["tiny-base"], seeds=1, out=tmp_path, models_dir=fast_models, progress=False,
              dataset_knobs=TINY, workers=1, label_noise=[1.5])


def test_label_noise_plan_lists_every_condition_at_every_level():

    from affectctl.report.plans import load_plan

    plan = load_plan("label-noise")
    rates = {load_condition(c).label_noise for c in plan.conditions}
    assert rates == {0.0, 0.1, 0.2, 0.3}
    clean = [c for c in plan.conditions if "@" not in c]
    for c in clean:
        for r in (0.1, 0.2, 0.3):
            assert f"{c}@noise{r:g}" in plan.conditions
    degradation = next(t for t in plan.tables if t.name == "degradation")
    assert len(degradation.pairs) == 3 * len(clean)
