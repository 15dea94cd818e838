"""Write ``examples/affectnet_alphabetical.csv``: a third-party AffectNet prediction file whose
model was trained on an alphabetically sorted copy of the labels, so its class indices mean
Anger, Contempt, Disgust, Fear, Happy, Neutral, Sad, Surprise while the truth uses the
official order. ``affectctl audit`` should name the mapping.

Run: ``python examples/make_audit_example.py``
"""

from pathlib import Path

import numpy as np
import pandas as pd

from affectctl import get_taxonomy

official = get_taxonomy("affectnet8").classes
alphabetical = sorted(official)
rng = np.random.default_rng(7)
n = 4000  # AffectNet's validation set: 500 images per class
y = np.repeat(np.arange(8), n // 8)
correct = rng.random(n) < 0.6
pred_official = np.where(correct, y, rng.integers(0, 8, n))
# the model writes the index of the class *in alphabetical order*
pred_written = np.array([alphabetical.index(official[k]) for k in pred_official])
pd.DataFrame({"sample_id": [f"val/{i:05d}.jpg" for i in range(n)], "y_true": y,
              "y_pred": pred_written}).to_csv(Path(__file__).with_name("affectnet_alphabetical.csv"),
                                              index=False)
