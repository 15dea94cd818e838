"""A single-run ``affectctl compare`` with its full report loads neither ``scipy.stats``
nor statsmodels nor seaborn (issue 30): importing them costs 0.56 s and 0.5 s, and the
command needs none of them (``affectctl/stats/__init__.py``, ``stats/contingency.py``,
``report/figures/confusion.py`` say why). The other commands may load them when a test
they run needs one; that is what the lazy imports are for.

One fresh interpreter, on one usable core so that every test and figure runs in it (no
forked worker whose imports it would not see), imports the analysis and report
packages, then runs the command on two small prediction files (the ``compare a.csv
b.csv`` format of the README) with ``-q`` and reports which of the three modules got
loaded, after each step.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

HEAVY = ["scipy.stats", "statsmodels", "seaborn"]
CLASSES = ["Neutral", "Anger", "Disgust", "Fear", "Happiness", "Sadness", "Surprise"]


def _write_pair(folder, n=240, videos=12):
    rng = np.random.default_rng(7)
    k = len(CLASSES)
    y = rng.integers(0, k, n)
    group = np.arange(n) * videos // n
    vt = rng.uniform(-1, 1, (n, 2))
    paths = []
    for name, acc in (("a", 0.55), ("b", 0.62)):
        pred = np.where(rng.random(n) < acc, y, (y + rng.integers(1, k, n)) % k)
        logits = rng.normal(size=(n, k))
        logits[np.arange(n), pred] += 3.0
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        cols = {"sample_id": [f"v{g:03d}/{i:06d}" for i, g in enumerate(group)],
                "group": [f"v{g:03d}" for g in group], "y_true": y, "y_pred": pred}
        for j, c in enumerate(CLASSES):
            cols[f"p_{c}"] = p[:, j].round(6)
        vp = np.clip(vt + rng.normal(0, 0.3, (n, 2)), -1, 1)
        cols.update(v_true=vt[:, 0].round(4), a_true=vt[:, 1].round(4),
                    v_pred=vp[:, 0].round(4), a_pred=vp[:, 1].round(4))
        path = folder / f"{name}.csv"
        pd.DataFrame(cols).to_csv(path, index=False)
        paths.append(str(path))
    return paths


def test_single_run_compare_and_report_load_no_scipy_stats_statsmodels_or_seaborn(tmp_path):
    a, b = _write_pair(tmp_path)
    out = tmp_path / "out"
    code = (
        "import json, os, sys\n"
        "if hasattr(os, 'sched_setaffinity'):  # one core: no fork (elsewhere none anyway)\n"
        "    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
        "def report(step):\n"
        f"    print(json.dumps([step, [m for m in {HEAVY!r} if m in sys.modules]]), flush=True)\n"
        "import affectctl.cli.compare, affectctl.compare, affectctl.report, affectctl.stats\n"
        "import affectctl.report.figures.confusion\n"
        "report('import')\n"
        "sys.argv = ['affectctl', 'compare', sys.argv[1], sys.argv[2], '--taxonomy',\n"
        "            'affwild2-expr7', '--out', sys.argv[3], '-q']\n"
        "from affectctl.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "report('compare')\n")
    done = subprocess.run([sys.executable, "-c", code, a, b, str(out)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("[")]
    assert [r[0] for r in rows] == ["import", "compare"]
    assert rows == [["import", []], ["compare", []]], f"loaded: {rows}"
    # the report is whole, every figure drawn in this process (one usable core)
    assert (out / "confusion.pdf").is_file() and (out / "confusion.png").is_file()
    assert (out / "index.html").is_file()
