"""CPU seconds per report figure and per format, in one process (issue 30).

Run: ``python benchmarks/bench_figures.py [--repeat R] [--json]``.

The figures of ``affectctl compare a.csv b.csv`` on the two 3,000-row files of
``bench_compare.py``: the comparison is computed once, then every figure part of its
report (:func:`affectctl.report.writer._write_figures` without the fork) is drawn and
written R times, one after the other; per figure, the median CPU (``time.process_time``)
of drawing it, and of writing each format. The report spreads these over every core
(``bench_stages.py`` gives the wall time); this is what each costs. ``--json`` writes
``benchmarks/results/figures.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

FORMATS = ("pdf", "png")


def _parts(result, out: Path) -> list:
    from affectctl.report.figures.comparison import figure_parts
    from affectctl.report.figures.geometry_overlay import write_geometry_figure
    from affectctl.report.figures.single import single_run_figure_parts

    parts = []
    if result.geometry_sensitivity is not None:
        parts.append(("geometry_overlay", partial(write_geometry_figure,
                                                  result.geometry_sensitivity, out,
                                                  formats=FORMATS)))
    return parts + figure_parts(result, out, FORMATS) + single_run_figure_parts(result, out,
                                                                                FORMATS)


def run(repeat: int = 3) -> list[dict]:
    """``[{figure, total_s, pdf_s, png_s}]``, CPU seconds, medians of ``repeat``."""
    from bench_compare import write_pair

    from affectctl.compare import compare
    from affectctl.io.runs import file_conditions, runs_from_files
    from affectctl.report.figures import save

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        a, b = write_pair(folder)
        runs = runs_from_files(file_conditions([str(a), str(b)], folders=False), truth=None,
                               taxonomy="affwild2-expr7", read=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = compare(runs, "a", ("b",))
        save.load_backends(FORMATS)
        per_format: dict = {}
        real_save = save.atomic.atomic_write

        def timed_save(path, write):
            t = time.process_time()
            try:
                return real_save(path, write)
            finally:
                per_format.setdefault(Path(path).suffix[1:], []).append(time.process_time() - t)

        save.atomic.atomic_write = timed_save
        rows = []
        try:
            for name, draw in _parts(result, folder / "out"):
                totals, formats = [], {f: [] for f in FORMATS}
                for _ in range(repeat):
                    per_format.clear()
                    t = time.process_time()
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        draw()
                    totals.append(time.process_time() - t)
                    for f in FORMATS:
                        formats[f].append(sum(per_format.get(f, [])))
                rows.append({"figure": name, "total_s": round(statistics.median(totals), 3),
                             **{f"{f}_s": round(statistics.median(v), 3)
                                for f, v in formats.items()}})
        finally:
            save.atomic.atomic_write = real_save
    return rows


def table(rows) -> str:
    lines = ["| figure | CPU s | of which PDF | of which PNG |", "|---|--:|--:|--:|"]
    lines += [f"| {r['figure']} | {r['total_s']:.2f} | {r['pdf_s']:.2f} | {r['png_s']:.2f} |"
              for r in rows]
    lines.append(f"| all | {sum(r['total_s'] for r in rows):.2f} | "
                 f"{sum(r['pdf_s'] for r in rows):.2f} | {sum(r['png_s'] for r in rows):.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = run(args.repeat)
    print(table(rows))
    print(f"(CPU seconds, median of {args.repeat}, one process; the rest of a figure's time is "
          f"drawing it; load average {os.getloadavg()[0]:.1f})")
    if args.json:
        write_json(rows, args.repeat)
    return 0


def write_json(rows, repeat: int) -> Path:
    """``benchmarks/results/figures.json`` (the docs' performance page shows it)."""
    (HERE / "results").mkdir(exist_ok=True)
    doc = {"benchmark": "CPU per report figure (3,000-row single-run compare)",
           "command": f"python benchmarks/bench_figures.py --repeat {repeat} --json",
           "load_average": round(os.getloadavg()[0], 2), "rows": rows}
    path = HERE / "results" / "figures.json"
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
