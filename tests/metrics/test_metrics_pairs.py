"""metrics.pairs: every pair at once agrees with the one-pair metric and with hand counts."""

import numpy as np

from affectctl.metrics.confusion import pair_confusion_rate
from affectctl.metrics.class_pairs import pair_confusion_rates, pair_indices


def test_pair_rates_hand_worked_with_an_empty_class():
    # class 2 is only predicted, class 3 never appears
    cm = np.array([[5, 1, 2, 0], [3, 4, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    got = pair_confusion_rates(cm)
    # pairs (0,1) (0,2) (0,3) (1,2) (1,3) (2,3); rows 0 and 1 hold 8 and 7 samples
    want = [(1 + 3) / (8 + 7), (2 + 0) / 8, 0 / 8, 0 / 7, 0 / 7, np.nan]
    np.testing.assert_allclose(got, want)


def test_pair_rates_match_the_one_pair_metric_on_batches():
    rng = np.random.default_rng(16)
    for _ in range(50):
        k = int(rng.integers(2, 7))
        cm = rng.integers(0, 6, size=(3, k, k)) * (rng.random((3, k, 1)) > 0.3)
        got = pair_confusion_rates(cm)
        for p, (a, b) in enumerate(zip(*pair_indices(k))):
            one = pair_confusion_rate(cm, int(a), int(b), on_empty="nan")
            np.testing.assert_allclose(got[:, p], one)
