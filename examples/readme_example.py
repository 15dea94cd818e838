"""Produce the printed example of the README: run the main command and print its table.

    python examples/readme_example.py [--workdir DIR] [--rows N]

Runs ``python -m affectctl compare base circumplex uniform`` in ``DIR`` (default: a new
temporary folder, so that the runs are trained from scratch as on a fresh clone; a
folder whose ``runs/`` already holds them reuses them), with the output piped (the
table is then laid out for 200 columns), and prints what the README shows: the table's
first ``N`` metric groups (default 4) and the notes. Then it prints the SHA-256 of every
dump and of ``results.json``, to compare two machines or two runs.

What to expect: on one machine, the same seed gives byte-identical dumps, tables and
``results.json``; across CPUs, trained metrics may differ in the third decimal
(floating-point summation order in BLAS kernels differs), so the README's numbers are
those of this project's machine.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--rows", type=int, default=4, help="metric groups to print")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="affectctl-readme-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("COLUMNS", None)
    proc = subprocess.run([sys.executable, "-m", "affectctl", "compare", "base", "circumplex",
                           "uniform"], cwd=work, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        return proc.returncode
    lines = proc.stdout.splitlines()
    # the table: title, blank, header, rule, then groups separated by blank lines; then notes
    groups, shown, i = 0, [], 0
    while i < len(lines):
        line = lines[i]
        if not line.strip() and shown and len(shown) > 4:
            groups += 1
            if groups == args.rows:
                break
        shown.append(line.rstrip())
        i += 1
    notes = [ln.rstrip() for ln in lines if ln.strip() and not ln.startswith(" ")][1:]
    print("\n".join(shown + ["..."] + notes))
    print()
    for path in sorted((work / "runs").rglob("*.parquet")) + sorted(
            (work / "reports").rglob("results.json")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        print(f"sha256 {digest}  {path.relative_to(work)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
