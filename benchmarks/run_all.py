"""Every figure of the speed table (issue 30) in one command, each against its goal.

Run: ``python benchmarks/run_all.py [--quick] [--only NAME ...] [--out FILE]``.

Each reading times the command a user runs, in a fresh process (``affectctl ...`` through
``python -m affectctl``, this checkout first on ``PYTHONPATH``, from bytecode as an
installed package runs: ``benchmarks/_env.py``), except the AR engine
figure, timed in this process on data already in memory as in ``bench_stats.py``. Wall and
CPU (user+sys of the child processes, or of this process for the in-process figure) are
the medians of ``--repeat`` readings (3; 1 with ``--quick``); the load average (1 min) is
read after each item, because the project's machine is shared and a loaded machine
inflates wall times, not CPU times; and a CPU probe before it
(:func:`_env.cpu_probe`), because the machine is a VM on a shared host that can be
slow with a load average of 0. The main job and ``diagnose`` run from an empty
folder each time (they train 15 and 35 runs); the training epoch time is read from the
main job's runs (``loss_history`` of each dump, ``train_seconds`` of its timing
sidecar), and the epoch time at real size from ``bench_train.py --features-size
280000x512`` (synthetic features: the cost of an epoch depends on the size, not on the
values).

Then where a compare's time goes, stage by stage (``bench_stages.py``: the 3,000-row file
compare and the main job's compare of prepared runs) and the CPU of each of the small
case's figures (``bench_figures.py``, also ``benchmarks/results/figures.json``), unless
``--only`` leaves them out.

Writes a markdown table to ``benchmarks/results/latest.md`` and the same figures as
``benchmarks/results/run_all.json``, from which ``docs/gen/performance.py`` makes the
docs' performance page. It is not a test: nothing fails when a goal is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

from _env import QUIET_PROBE_S, compile_checkout, cpu_probe, user_env  # noqa: E402

ENV = user_env()
CLI = [sys.executable, "-m", "affectctl"]


def _load() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else float("nan")


def _timed(cmd, cwd=None) -> tuple[float, float]:
    """(wall, CPU of the children) of one run of ``cmd``; its output is discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   cwd=cwd or ROOT, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _median(readings):
    return (statistics.median(r[0] for r in readings), statistics.median(r[1] for r in readings))


class Items:
    """The table's rows: ``name -> (what, goal in s or None, function(repeat) -> record)``."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self._pairs: dict = {}
        self._parquet = None
        self.main_job_dirs: list = []

    def pair(self, n: int, videos: int):
        if n not in self._pairs:
            from bench_compare import write_pair

            folder = self.tmp / f"pair{n}"
            folder.mkdir()
            self._pairs[n] = write_pair(folder, n=n, videos=videos)
        return self._pairs[n]

    def compare(self, n, videos, extra, repeat):
        a, b = self.pair(n, videos)
        cmd = [*CLI, "compare", str(a), str(b), "--taxonomy", "affwild2-expr7",
               "--out", str(self.tmp / "out"), "-q", *extra]
        return _median([_timed(cmd) for _ in range(repeat)])

    def audit(self, repeat):
        a, _ = self.pair(600, 30)
        return _median([_timed([*CLI, "audit", str(a), "--taxonomy", "affwild2-expr7"])
                        for _ in range(repeat)])

    def help(self, repeat):
        return _median([_timed([*CLI, "--help"]) for _ in range(max(repeat, 5))])

    def ar_engine(self, repeat):
        from bench_stats import make_data

        from affectctl.stats import approximate_randomization

        data = make_data(1_000_000, 8, 1000)
        readings = []
        for _ in range(repeat + 1):  # the first call warms the caches; not counted
            t0, c0 = time.perf_counter(), time.process_time()
            approximate_randomization(data, "expr_macro_f1", unit="sample", n_resamples=10_000,
                                      rng=0)
            readings.append((time.perf_counter() - t0, time.process_time() - c0))
        return _median(readings[1:])

    def parquet_pair(self):
        if self._parquet is None:
            from _synth import synthetic_frame

            paths = []
            for name, acc in (("a", 0.6), ("b", 0.62)):
                frame = synthetic_frame(n=1_000_000, seed=0, accuracy=acc, n_groups=2000,
                                        va=False, au=False, proba=False)
                path = self.tmp / f"{name}.parquet"
                frame.to_parquet(path)
                paths.append(path)
            self._parquet = paths
        return self._parquet

    def permutations_added(self, repeat):
        a, b = self.parquet_pair()

        def cmd(r):
            return [*CLI, "compare", str(a), str(b), "--taxonomy", "affwild2-expr8",
                    "--metric", "expr_macro_f1", "--unit", "sample",
                    "--permutations", str(r), "--no-figures", "-q", "--out", str(self.tmp / "pq")]
        readings = []
        for _ in range(repeat):
            w10, c10 = _timed(cmd(10))
            w, c = _timed(cmd(10_000))
            readings.append((w - w10, c - c10))
        return _median(readings)

    def main_job(self, repeat):
        readings = []
        for _ in range(repeat):
            work = Path(tempfile.mkdtemp(dir=self.tmp, prefix="main-job-"))
            readings.append(_timed([*CLI, "compare", "base", "circumplex", "uniform", "-q",
                                    "--cache", str(work / "runs"), "--out", str(work / "report")],
                                   cwd=work))
            self.main_job_dirs.append(work / "runs")
        return _median(readings)

    def diagnose(self, repeat):
        readings = []
        for _ in range(repeat):
            work = Path(tempfile.mkdtemp(dir=self.tmp, prefix="diagnose-"))
            readings.append(_timed([*CLI, "diagnose", "--dataset", "sim-affwild2", "--no-figures",
                                    "-q", "--cache", str(work / "runs"), "--out",
                                    str(work / "report")], cwd=work))
        return _median(readings)

    def epoch(self, repeat):
        """Mean training seconds per run and per epoch of the main job's runs (trained above)."""
        from affectctl.io.dumps import read_metadata

        if not self.main_job_dirs:
            self.main_job(1)
        runs, epochs = [], []
        for path in sorted(self.main_job_dirs[-1].rglob("seed-*.parquet")):
            secs = json.loads(Path(str(path) + ".timing.json").read_text())["train_seconds"]
            n = len(read_metadata(path).get("loss_history", [])) or 1
            runs.append(secs)
            epochs.append(secs / n)
        return statistics.mean(epochs), statistics.mean(runs)

    def epoch_real(self, repeat):
        """Seconds per epoch of ARBEx and of base on real-size synthetic features (280,000 x
        512 float32), both trained at once by the 2 pool workers (bench_train.py)."""
        readings = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, str(HERE / "bench_train.py"), "--features-size",
                                  "280000x512", "--epochs", "1", "--json"], check=True,
                                 capture_output=True, text=True).stdout
            per = json.loads(out.strip().splitlines()[-1])["seconds_per_epoch"]
            if per.get("arbex") is None or per.get("base") is None:
                raise SystemExit(f"bench_train.py found no training time in a dump's timing "
                                 f"sidecar: {per}")
            readings.append((per["arbex"], per["base"]))
        return _median(readings)


ROWS = [
    ("compare-600", "`compare a.csv b.csv`, two 600-row files, full report", None,
     lambda it, r: it.compare(600, 30, [], r)),
    ("compare-600-nofig", "the same with `--no-figures`", None,
     lambda it, r: it.compare(600, 30, ["--no-figures"], r)),
    ("compare-3000", "`compare a.csv b.csv`, two 3,000-row files (7 classes, 60 videos), full report",
     3.0, lambda it, r: it.compare(3000, 60, [], r)),
    ("compare-3000-nofig", "the same with `--no-figures`", 1.5,
     lambda it, r: it.compare(3000, 60, ["--no-figures"], r)),
    ("audit", "`affectctl audit file.csv` (600 rows)", 0.6, lambda it, r: it.audit(r)),
    ("help", "`affectctl --help`", 0.3, lambda it, r: it.help(r)),
    ("ar", "AR macro-F1, 10^6 samples x 10^4 replicates, after loading (in process)", 0.1,
     lambda it, r: it.ar_engine(r)),
    ("permutations", "`compare a.parquet b.parquet` (10^6 rows, macro-F1, AR by sample): "
     "added by `--permutations 10000` over `--permutations 10`", 0.5,
     lambda it, r: it.permutations_added(r)),
    ("main-job", "main job from an empty folder (`compare base circumplex uniform`, trains 15 runs)",
     25.0, lambda it, r: it.main_job(r)),
    ("diagnose", "`diagnose --dataset sim-affwild2 --no-figures` from an empty cache", 30.0,
     lambda it, r: it.diagnose(r)),
    ("epoch", "a training run of the main job (sim-affwild2): seconds per epoch (CPU column: "
     "seconds per run)", None, lambda it, r: it.epoch(r)),
    ("epoch-real", "a training epoch on real-size features (280,000 x 512 float32, synthetic), "
     "ARBEx (CPU column: base's epoch)", None, lambda it, r: it.epoch_real(r)),
]


def markdown(records, repeat) -> str:
    lines = ["| what | wall s | CPU s | goal | met | load | probe s |",
             "|---|---|---|---|---|---|---|"]
    for rec in records:
        goal = "—" if rec["goal_s"] is None else f"≤ {rec['goal_s']:g} s"
        met = "—" if rec["goal_s"] is None else ("yes" if rec["wall_s"] <= rec["goal_s"] else "no")
        lines.append(f"| {rec['what']} | {rec['wall_s']:.2f} | {rec['cpu_s']:.2f} | {goal} | {met} "
                     f"| {rec['load_average']:.1f} | {rec['probe_s']:.2f} |")
    lo, hi = QUIET_PROBE_S
    return "\n".join(lines) + (f"\n\nMedian of {repeat} reading(s) each; wall and CPU (user+sys) "
                               "seconds; load: 1-minute load average after the item (2 cores); "
                               "probe: seconds one core took for `sum(range(30_000_000))` just "
                               f"before the item ({lo:.2f}-{hi:.2f} s on a quiet host; the machine "
                               "is a VM on a shared host, whose slowness the load average does "
                               "not show: benchmarks/_env.py).\n")


def _stage_columns(stages: dict) -> str:
    """One markdown table: a row per stage, a column per case."""
    cases = list(stages)
    names = list(dict.fromkeys(r["stage"] for c in cases for r in stages[c]))
    value = {c: {r["stage"]: r["wall_s"] for r in stages[c]} for c in cases}
    lines = ["| stage | " + " | ".join(cases) + " |", "|---|" + "--:|" * len(cases)]
    for n in names:
        cells = [f"{value[c][n]:.2f}" if n in value[c] else "—" for c in cases]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one reading per item instead of three")
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--only", nargs="+", choices=[r[0] for r in ROWS] + ["stages"],
                    help="these items only (stages: the per-stage profile of bench_stages.py)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "latest.md")
    args = ap.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    records = []
    compile_checkout()   # a user's install runs from bytecode (benchmarks/_env.py)
    print(f"affectctl speed table: median of {repeat}, {os.cpu_count()} CPUs, load {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        items = Items(Path(tmp))
        for name, what, goal, fn in ROWS:
            if args.only and name not in args.only:
                continue
            probe = cpu_probe()
            try:
                wall, cpu = fn(items, repeat)
            except subprocess.CalledProcessError as exc:  # reported, and the table goes on
                print(f"{what}: FAILED ({' '.join(map(str, exc.cmd))}: exit {exc.returncode})",
                      flush=True)
                wall = cpu = float("nan")
            rec = {"name": name, "what": what, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
                   "goal_s": goal, "repeats": repeat, "load_average": _load(),
                   "probe_s": round(probe, 3)}
            records.append(rec)
            verdict = "" if goal is None else f"  goal <= {goal:g} s: {'met' if wall <= goal else 'NOT met'}"
            print(f"{what}: {wall:.2f} s wall, {cpu:.2f} s CPU (load {rec['load_average']}, probe "
                  f"{probe:.2f} s){verdict}", flush=True)
    stages = {}
    if not args.only or "stages" in args.only:  # where the time goes, per stage
        from bench_stages import run as stage_run, table as stage_table

        for case in ("small", "main"):
            stages[case] = stage_run(case, repeat)
            print(f"\nwhere the time goes ({case} case):\n" + stage_table(stages[case]), flush=True)
        import bench_figures          # the figures' CPU, each in one process

        figure_rows = bench_figures.run(repeat)
        bench_figures.write_json(figure_rows, repeat)
        print("\nCPU per figure (small case, one process):\n" + bench_figures.table(figure_rows),
              flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = markdown(records, repeat)
    if stages:
        text += (f"\n### Where the time goes\n\nWall seconds per stage (median of {repeat}), "
                 "`python benchmarks/bench_stages.py --case small|main`: `small` is the 3,000-row "
                 "`compare a.csv b.csv` above; `main` is `compare base circumplex uniform --runs "
                 "examples/runs` (the main job without its training).\n\n"
                 + _stage_columns(stages) + "\n"
                 f"\nCPU seconds per figure of the `small` case, drawn and written in one process "
                 f"(median of {repeat}, `python benchmarks/bench_figures.py`; the report spreads "
                 "them over every core):\n\n" + bench_figures.table(figure_rows) + "\n")
    args.out.write_text(text, encoding="utf-8")
    doc = {"benchmark": "speed table (issue 30)", "command": "python benchmarks/run_all.py"
           + (" --quick" if args.quick else ""), "goal": "each row's goal column",
           "load_average": _load(), "rows": [{"what": r["what"], "wall_s": r["wall_s"],
                                               "cpu_s": r["cpu_s"], "goal": "—" if r["goal_s"] is None
                                               else f"<= {r['goal_s']:g} s",
                                               "load": r["load_average"],
                                               "probe_s": r["probe_s"]} for r in records]}
    if stages:
        doc["stages"] = stages
    (args.out.parent / "run_all.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                                                  encoding="utf-8")
    print(f"wrote {args.out} and {args.out.parent / 'run_all.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
