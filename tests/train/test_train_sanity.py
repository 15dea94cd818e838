"""Properties of the simulated benchmarks that the rest of affectctl relies on.

Trained with the shipped ``base`` condition on the default data (one training seed):

- sim-affwild2: Anger–Fear is among the most confused pairs, and the two are close on
  the circumplex (NRC VAD: 0.195 in [-1, 1] units, i.e. ~0.10 on the lexicon's 0–1 scale).
- sim-affectnet: Anger–Contempt likewise (0.47 under NRC VAD, among the closest third of
  the 28 pairs; 0.09 under the ``affectnet-sample`` geometry), and the look-alike pair
  Fear–Surprise is confused although it is far apart on the circumplex (1.61, above the
  mean pair distance).
"""

from __future__ import annotations

import numpy as np
import pytest

from affectctl.domain.geometries import get_geometry
from affectctl.train.datasets import make_dataset
from affectctl.metrics.confusion import confusion_matrix
from affectctl.train import load_condition

pytest.importorskip("torch")


def _pair_rank(data, a, b):
    """Rank (1 = most confused) of pair {a, b} by r[a, b] + r[b, a] (row-normalised)."""
    from affectctl.train.loop import train_run

    result = train_run(load_condition("base"), data, 0)
    cm = confusion_matrix(data.y_test, result.y_pred, data.taxonomy.n_classes).astype(float)
    rate = cm / cm.sum(1, keepdims=True)
    sym = rate + rate.T
    iu = np.triu_indices(len(rate), 1)
    order = np.argsort(-sym[iu], kind="stable")
    i, j = sorted((data.taxonomy.index(a), data.taxonomy.index(b)))
    pos = [n for n in range(len(order)) if (iu[0][order[n]], iu[1][order[n]]) == (i, j)][0]
    return pos + 1, sym[i, j]


def _distance(tax, a, b, geometry="nrc-vad"):
    C = get_geometry(geometry).cost(tax, missing="nan")
    off = C[~np.eye(len(C), dtype=bool)]
    return C[tax.index(a), tax.index(b)], off[np.isfinite(off)]


@pytest.fixture(scope="module")
def affwild2():
    return make_dataset("sim-affwild2")


@pytest.fixture(scope="module")
def affectnet():
    return make_dataset("sim-affectnet")


@pytest.fixture(scope="module")
def affectnet_ranks(affectnet):
    return {pair: _pair_rank(affectnet, *pair) for pair in (("Anger", "Contempt"),
                                                            ("Fear", "Surprise"))}


def test_affwild2_anger_fear_is_degenerate(affwild2):
    rank, rate = _pair_rank(affwild2, "Anger", "Fear")
    assert rank <= 2 and rate > 0.25
    d, off = _distance(affwild2.taxonomy, "Anger", "Fear")
    assert d == pytest.approx(2 * 0.0973, abs=2e-3)  # 0.10 on the 0–1 lexicon scale, x2
    assert d < np.quantile(off, 0.1)


def test_affectnet_anger_contempt_is_degenerate(affectnet, affectnet_ranks):
    rank, rate = affectnet_ranks[("Anger", "Contempt")]
    assert rank <= 2 and rate > 0.25
    d, off = _distance(affectnet.taxonomy, "Anger", "Contempt")
    assert d == pytest.approx(0.467, abs=2e-3) and d < np.quantile(off, 0.25)
    d_sample, _ = _distance(affectnet.taxonomy, "Anger", "Contempt", "affectnet-sample")
    assert d_sample == pytest.approx(0.092, abs=2e-3)


def test_affectnet_look_alike_pair_is_confused_but_far_apart(affectnet, affectnet_ranks):
    rank, rate = affectnet_ranks[("Fear", "Surprise")]
    assert rank <= 3 and rate > 0.25
    d, off = _distance(affectnet.taxonomy, "Fear", "Surprise")
    assert d > off.mean() and d == pytest.approx(1.606, abs=2e-3)
