"""Fixtures of the training-core tests: tiny data and fast condition files."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")
pytest.importorskip("ot")

#: A small sim-affwild2: 10 training and 4 test videos of ~24 frames.
TINY = {"n_train_videos": 10, "n_test_videos": 4, "frames_per_video": 24}

FAST = "epochs = 3\nbatch_size = 64\n"


@pytest.fixture(scope="session")
def tiny_data():
    from affectctl.train.datasets import make_dataset

    return make_dataset("sim-affwild2", seed=0, **TINY)


@pytest.fixture
def fast_models(tmp_path):
    """A models folder with fast copies of base, circumplex, uniform and arbex."""
    d = tmp_path / "models"
    d.mkdir()
    (d / "tiny-base.toml").write_text(FAST)
    (d / "tiny-circ.toml").write_text(FAST + 'ot_weight = 1.0\ncost = "circumplex"\n')
    (d / "tiny-uniform.toml").write_text(FAST + 'ot_weight = 1.0\ncost = "uniform"\n')
    (d / "tiny-arbex.toml").write_text(FAST + 'head = "arbex"\n')
    return d
