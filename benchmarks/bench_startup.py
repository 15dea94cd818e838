"""Benchmark of the command line's start-up: ``affectctl --help`` and ``affectctl --version``.

Usage::

    python benchmarks/bench_startup.py                # 15 runs of each, the median and minimum
    python benchmarks/bench_startup.py --json benchmarks/results/startup.json

Each reading is the wall time of a fresh ``python -m affectctl ...`` process (interpreter
start-up included, output to /dev/null), in the environment this script runs in, from
bytecode as an installed package runs (``benchmarks/_env.py``). Also
prints the modules the start-up imports that the goal excludes (none expected) and the
ten slowest imports of ``import affectctl.cli._app``, the typer app ``--help`` builds
(``python -X importtime``). Goal: median
<= 0.3 s for both. The machine may be shared: the load average is printed with the
readings, and the minimum is the reading least disturbed by other work.

Prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _env import compile_checkout, user_env  # noqa: E402

GOAL_S = 0.3
HEAVY = ("scipy.optimize", "scipy.stats", "statsmodels", "numba", "matplotlib", "torch", "pandas")


def _time(args: list[str], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "affectctl", *args], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True, env=user_env())
        out.append(time.perf_counter() - t0)
    return out


def _bare_python(repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        out.append(time.perf_counter() - t0)
    return out


def _heavy_loaded() -> list[str]:
    code = ("import sys, affectctl, affectctl.cli\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in res.stdout.strip().split(",") if m]


def _slowest_imports(n: int = 10) -> list[tuple[str, float]]:
    # what `affectctl --help` imports (`--version` stops before the typer app)
    res = subprocess.run([sys.executable, "-X", "importtime", "-c", "import affectctl.cli._app"],
                         capture_output=True, text=True, check=True)
    rows = []
    for line in res.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((parts[2].rstrip(), int(parts[1]) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--json", type=Path, help="Also write the figures to this JSON file.")
    args = parser.parse_args()
    compile_checkout()
    load = os.getloadavg()[0]
    readings = {"affectctl --help": _time(["--help"], args.repeat),
                "affectctl --version": _time(["--version"], args.repeat),
                "python -c pass (the interpreter alone)": _bare_python(args.repeat)}
    print(f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after; "
          f"{args.repeat} readings each; goal: median <= {GOAL_S} s")
    rows = []
    for what, times in readings.items():
        med, low = statistics.median(times), min(times)
        verdict = "" if what.startswith("python") else ("  met" if med <= GOAL_S else "  MISSED")
        print(f"{what:42s} median {med:.3f} s  min {low:.3f} s  max {max(times):.3f} s{verdict}")
        rows.append({"what": what, "median_s": round(med, 4), "min_s": round(low, 4),
                     "max_s": round(max(times), 4), "readings": len(times)})
    heavy = _heavy_loaded()
    print(f"heavy modules loaded by the start-up: {', '.join(heavy) or 'none'}")
    print("slowest imports of `import affectctl.cli._app`, what --help imports (cumulative):")
    slow = _slowest_imports()
    for name, secs in slow:
        print(f"  {secs * 1000:7.1f} ms  {name.strip()}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        doc = {"benchmark": "start-up", "command": "python benchmarks/bench_startup.py",
               "goal": f"median <= {GOAL_S} s", "load_average": round(load, 2),
               "python": sys.version.split()[0], "executable": sys.executable, "rows": rows, "heavy_modules_loaded": heavy,
               "slowest_imports_ms": [[n.strip(), round(s * 1000, 1)] for n, s in slow]}
        args.json.write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
