"""From prediction dumps to a LaTeX table with the library API (no CLI).

Run from the repository root:  ``python examples/dumps_to_latex.py``

1. load the third-party runs in ``examples/runs/`` (one CSV per condition and seed);
2. compare ``circumplex`` and ``uniform`` against ``base`` with exact tests over seeds
   and approximate randomization over videos;
3. print a booktabs table of the error-geometry metrics, circumplex against its control.
"""

from pathlib import Path

from affectctl.compare import compare
from affectctl.report import comparison_table, to_latex
from affectctl.io.runs import load_runs

RUNS = Path(__file__).resolve().parent / "runs"

runs = load_runs(RUNS, ["base", "circumplex", "uniform"])
metrics = ["error_distance_mean", "expected_cost", "expr_macro_f1"]
result = compare(runs, "base", ("circumplex", "uniform"), metrics=metrics, n_resamples=4999, rng=2024)
table = comparison_table(result, metrics,
                         pairs=[("circumplex", "uniform"), ("circumplex", "base")],
                         tests=("wilcoxon", "signflip", "ar"))
print(to_latex(table, caption="Error geometry: circumplex against the uniform-cost control.",
               label="tab:error-geometry"))
