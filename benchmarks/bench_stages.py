"""Where a compare's time goes: wall seconds per stage of the CLI's path (issue 30).

Run: ``python benchmarks/bench_stages.py [--case small|main] [--repeat R] [--json]``.

``small``: ``affectctl compare a.csv b.csv`` on the two 3,000-row files of
``bench_compare.py`` (7 classes, 60 videos; one run each). ``main``: ``affectctl compare
base circumplex uniform --runs examples/runs`` (5 seeds, prepared runs: the main job
without its training). Each reading is a fresh interpreter that does what the command
does (read, :func:`affectctl.compare.compare`, :func:`affectctl.report.write_report`,
the console summary into a null console) with a clock around each stage; the stages
are the compare pipeline's steps (``affectctl.compare.steps``) and the report's parts.
``interpreter`` is the child's whole wall time less its stages (start-up, exit). Median
of R readings per stage. Prints a table; ``--json`` also writes
``benchmarks/results/stages.json`` (the docs' performance page shows it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _env import compile_checkout, user_env  # noqa: E402


def _child(case: str, folder: Path) -> dict:
    """The stages of one run of the command, in this (fresh) process."""
    clock = {}

    def add(stage, seconds):
        clock[stage] = clock.get(stage, 0.0) + seconds

    t = time.perf_counter()
    import affectctl.cli.compare  # noqa: F401  (what the command imports before it works)
    from affectctl.compare import compare, steps
    from affectctl.report import write_report
    add("imports: CLI, compare, report (numpy, pandas, pyarrow, typer)",
        time.perf_counter() - t)

    nested = [0]
    for name, label in (("validate", "compare: validate"),
                        ("per_seed_metrics", "compare: per-seed metrics"),
                        ("run_tests", "compare: the tests (AR, bootstrap, seed tests, McNemar..., error-distance nulls)"),
                        ("comparisons_table", "compare: table, corrections"),
                        ("corrections", "compare: table, corrections"),
                        ("verdicts", "compare: verdicts"),
                        ("assemble", "compare: assemble (per-video tables)"),
                        ("sensitivity", "compare: geometry re-runs")):
        def timed(*a, _f=getattr(steps, name), _label=label, **k):
            # the geometry re-runs call the steps again (a comparison under each other
            # geometry): only the outermost step is counted, else their time went twice
            if nested[0]:
                return _f(*a, **k)
            nested[0] += 1
            t0 = time.perf_counter()
            try:
                return _f(*a, **k)
            finally:
                nested[0] -= 1
                add(_label, time.perf_counter() - t0)
        setattr(steps, name, timed)

    from affectctl.report import html as html_mod
    from affectctl.report import writer

    write_figures = writer._write_figures

    def timed_figures(*a, **k):
        t0 = time.perf_counter()
        try:
            return write_figures(*a, **k)
        finally:
            add("report: draw and write the figures (PNG 300 dpi + PDF, every core)",
                time.perf_counter() - t0)

    writer._write_figures = timed_figures
    write_html = html_mod.write_html

    def timed_html(*a, **k):
        t0 = time.perf_counter()
        try:
            return write_html(*a, **k)
        finally:
            add("report: index.html", time.perf_counter() - t0)

    html_mod.write_html = timed_html

    t = time.perf_counter()
    if case == "small":
        from affectctl.io.runs import file_conditions, runs_from_files

        files = file_conditions([str(folder / "a.csv"), str(folder / "b.csv")], folders=False)
        runs = runs_from_files(files, truth=None, taxonomy="affwild2-expr7", read=None)
        args = ("a", ("b",))
    else:
        from affectctl.io.runs import load_runs

        runs = load_runs(ROOT / "examples" / "runs", ["base", "circumplex", "uniform"])
        args = ("base", ("circumplex", "uniform"))
    add("read the runs", time.perf_counter() - t)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # as the command: the report is imported while the workers start on the tests
        from functools import partial

        from affectctl.cli.compare import import_the_report

        result = compare(runs, *args, while_waiting=partial(import_the_report, ("pdf", "png")))
        t = time.perf_counter()
        import matplotlib  # noqa: F401
        import affectctl.report.figures  # noqa: F401
        add("imports: matplotlib and the figure modules (left after the head start)",
            time.perf_counter() - t)
        t = time.perf_counter()
        write_report(result, folder / "out")
        report = time.perf_counter() - t
        add("report: the rest (tables, results.json: a task beside the figures)", report - sum(
            v for k, v in clock.items() if k.startswith("report: ")))
        t = time.perf_counter()
        from rich.console import Console

        from affectctl.report import render_console

        with open(os.devnull, "w", encoding="utf-8") as null:
            render_console(result, Console(file=null, width=100))
        add("console summary", time.perf_counter() - t)
    return clock


def reading(case: str, folder: Path) -> dict:
    """One reading in a fresh interpreter: ``{stage: seconds}``, ``interpreter`` included."""
    t = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", case, "--folder", str(folder)],
                         check=True, capture_output=True, text=True, cwd=ROOT,
                         env=user_env())
    wall = time.perf_counter() - t
    stages = json.loads(out.stdout.strip().splitlines()[-1])
    stages["interpreter (start-up, exit)"] = wall - sum(stages.values())
    stages["total"] = wall
    return stages


def run(case: str = "small", repeat: int = 3) -> list[dict]:
    """``[{stage, wall_s}]``: the median of ``repeat`` readings per stage."""
    compile_checkout()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if case == "small":
            sys.path.insert(0, str(HERE))
            from bench_compare import write_pair

            write_pair(folder)
        readings = [reading(case, folder) for _ in range(repeat)]
    return [{"stage": stage, "wall_s": round(statistics.median(r[stage] for r in readings), 3)}
            for stage in readings[0]]


def table(rows) -> str:
    lines = ["| stage | wall s |", "|---|--:|"]
    lines += [f"| {r['stage']} | {r['wall_s']:.2f} |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", choices=["small", "main"], default="small")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", choices=["small", "main"], help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.folder)))
        return 0
    rows = run(args.case, args.repeat)
    print(table(rows))
    print(f"(median of {args.repeat}; load average {os.getloadavg()[0]:.1f})")
    if args.json:
        (HERE / "results").mkdir(exist_ok=True)
        doc = {"benchmark": f"where the time goes: compare, {args.case} case",
               "command": f"python benchmarks/bench_stages.py --case {args.case} --repeat "
                          f"{args.repeat} --json",
               "load_average": round(os.getloadavg()[0], 2), "rows": rows}
        name = "stages.json" if args.case == "small" else f"stages_{args.case}.json"
        (HERE / "results" / name).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
