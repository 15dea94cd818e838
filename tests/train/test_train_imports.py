"""``import affectctl`` (and the CLI, the analysis packages and ``affectctl.train``) load
neither torch nor POT, nor does generating the built-in data; ``import affectctl`` and
``import affectctl.cli`` (what ``affectctl --help`` and ``--version`` run) load none of
SciPy's optimisers or statistics, statsmodels, numba, matplotlib, pandas (the public
names and the commands load lazily).

One fresh interpreter imports the modules one after another and reports, after each,
whether torch or POT is loaded, so a failure names the first module that pulled one in
(each module's import includes its parents'). One interpreter instead of one per module:
each start-up costs ~2.5 s of CPU.
"""

from __future__ import annotations

import json
import subprocess
import sys

MODULES = ["affectctl", "affectctl.cli", "affectctl.compare", "affectctl.diagnose",
           "affectctl.report", "affectctl.train", "affectctl.train.datasets",
           "affectctl.train.features"]


#: Modules the start-up (``import affectctl``, ``import affectctl.cli``) must not load.
START_UP_HEAVY = ["scipy.optimize", "scipy.stats", "statsmodels", "numba", "matplotlib", "torch",
                  "ot", "pandas"]
START_UP = ["affectctl", "affectctl.cli"]

#: Last step: the built-in data generator at work needs numpy only.
GENERATE = "make_dataset('sim-affwild2', n_train_videos=2, n_test_videos=1)"


def test_import_is_light():
    code = ("import importlib, json, sys\n"
            "def report(step):\n"
            "    print(json.dumps([step, 'torch' in sys.modules, 'ot' in sys.modules,\n"
            f"                      [h for h in {START_UP_HEAVY!r} if h in sys.modules]]))\n"
            f"for m in {MODULES!r}:\n"
            "    importlib.import_module(m)\n"
            "    report(m)\n"
            "from affectctl.train.datasets import make_dataset\n"
            f"{GENERATE}\n"
            f"report({GENERATE!r})\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r[0] for r in rows] == MODULES + [GENERATE]
    heavy = [r for r in rows if r[1] or r[2]]
    assert not heavy, f"{heavy[0][0]} loads torch={heavy[0][1]}, POT={heavy[0][2]}"
    start_up = {r[0]: r[3] for r in rows if r[0] in START_UP}
    assert start_up == {m: [] for m in START_UP}, f"the start-up loads {start_up}"
