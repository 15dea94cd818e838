"""Produce the printed example of the README, and check or rewrite the README's copy of it.

    python examples/readme_example.py            # print the block
    python examples/readme_example.py --check    # exit 1 when README.md's block differs
    python examples/readme_example.py --write    # rewrite README.md's block in place
    python examples/readme_example.py --main-job [--workdir DIR]   # the trained main job

The README's example is ``affectctl compare base circumplex uniform --runs examples/runs``
on the committed example dumps (no training: a few seconds). It runs in a new temporary
folder (the report goes to its ``reports/runs-base-circumplex-uniform/``, as from the
checkout's root) with the output piped and ``COLUMNS=100``, and the block is the command line
followed by what it prints on stdout: the table's first ``--rows`` metric groups
(default 3), ``...``, then the notes. The README holds the block between the lines
``<!-- readme-example:start -->`` and ``<!-- readme-example:end -->``;
``tests/test_readme.py`` fails when the two differ.

The second block (between ``<!-- readme-multi:start -->`` and ``<!-- readme-multi:end -->``)
is the several-benchmark comparison on the prepared ``examples/runs`` (Aff-Wild2-like,
30 videos) and ``examples/runs-affectnet`` (AffectNet-like, 400 images):
``--runs affwild2=examples/runs --runs affectnet=examples/runs-affectnet``, from its
"All benchmarks" block on (the per-dataset blocks before it are left out). With
``--dataset sim-affwild2 --dataset sim-affectnet`` instead, the same command trains both
built-in benchmarks first.

``--main-job`` runs the main job instead (``affectctl compare base circumplex uniform``:
trains 3 conditions x 5 seeds on ``sim-affwild2``, about a minute), prints the same excerpt
and the SHA-256 of every dump and of ``results.json``, to compare two machines or two runs
(the docs' "main job" page shows its output). On one machine the same seed gives
byte-identical dumps, tables and ``results.json``; across CPUs, trained metrics may differ
in the third decimal (floating-point summation order in BLAS kernels differs).
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
README = ROOT / "README.md"
START, END = "<!-- readme-example:start -->", "<!-- readme-example:end -->"
MULTI_START, MULTI_END = "<!-- readme-multi:start -->", "<!-- readme-multi:end -->"
#: The README's command (run from the checkout's root, as a reader would).
COMMAND = ["compare", "base", "circumplex", "uniform", "--runs", "examples/runs"]
#: The README's several-benchmark command: the study's design on two prepared benchmarks.
MULTI_COMMAND = ["compare", "base", "circumplex", "uniform", "--runs", "affwild2=examples/runs",
                 "--runs", "affectnet=examples/runs-affectnet", "--margin", "official_score=0.03"]


def _run(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-m", "affectctl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"affectctl {' '.join(args)} failed:\n{proc.stderr}")
    return proc.stdout


def excerpt(stdout: str, rows: int) -> str:
    """The table's title, header and first ``rows`` metric groups, ``...``, then the notes.

    The console separates the metric groups, and the notes after the last group, by one
    blank line each.
    """
    paragraphs, current = [], []
    for line in stdout.splitlines():
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    table, notes = paragraphs[:-1], paragraphs[-1]
    shown = [ln for para in table[:rows] for ln in [*para, ""]]
    if len(table) > rows:
        shown.append("...")
        shown.append("")
    return "\n".join(shown + notes)


def render(rows: int = 3) -> str:
    """The README's block: the command, then its excerpt (in a fenced ``text`` block)."""
    with tempfile.TemporaryDirectory(prefix="affectctl-readme-") as tmp:
        # in an empty folder, so the report goes where a reader's would (reports/<name>/,
        # named after the runs folder) without touching the checkout; no figures (the
        # printed text is the same)
        stdout = _run([*COMMAND[:-1], str(ROOT / COMMAND[-1]), "--no-figures"], cwd=Path(tmp))
    return "\n".join(["```text", "$ affectctl " + " ".join(COMMAND), excerpt(stdout, rows), "```"])


def all_benchmarks(stdout: str) -> str:
    """The several-benchmark output from its "All benchmarks" block to the end (the
    per-dataset blocks before it are the single-dataset console's)."""
    lines = stdout.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("All benchmarks"))
    return "\n".join(ln.rstrip() for ln in lines[first:])


def render_multi() -> str:
    """The README's several-benchmark block: the command, then its "All benchmarks" block."""
    with tempfile.TemporaryDirectory(prefix="affectctl-readme-") as tmp:
        args = [a.split("=")[0] + "=" + str(ROOT / a.split("=")[1])
                if a.split("=")[-1].startswith("examples/") else a for a in MULTI_COMMAND]
        stdout = _run([*args, "--no-figures"], cwd=Path(tmp))
    return "\n".join(["```text", "$ affectctl " + " ".join(MULTI_COMMAND) + "  # excerpt",
                      "...", all_benchmarks(stdout), "```"])


def readme_block(text: str, start: str = START, end: str = END) -> str:
    """What README.md holds between the markers (without them)."""
    if start not in text or end not in text:
        raise SystemExit(f"README.md has no {start} ... {end} block")
    return text.split(start, 1)[1].split(end, 1)[0].strip("\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=3, help="metric groups to print")
    ap.add_argument("--check", action="store_true", help="exit 1 when README.md's block differs")
    ap.add_argument("--write", action="store_true", help="rewrite README.md's block")
    ap.add_argument("--main-job", action="store_true", help="train and run the main job instead")
    ap.add_argument("--workdir", type=Path, default=None, help="folder of the main job's runs")
    args = ap.parse_args()
    if args.main_job:
        work = args.workdir or Path(tempfile.mkdtemp(prefix="affectctl-main-job-"))
        work.mkdir(parents=True, exist_ok=True)
        print(excerpt(_run(["compare", "base", "circumplex", "uniform"], cwd=work), args.rows + 1))
        for path in sorted((work / "runs").rglob("*.parquet")) + sorted(
                (work / "reports").rglob("results.json")):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            print(f"sha256 {digest}  {path.relative_to(work)}", file=sys.stderr)
        return 0
    blocks = {(START, END): render(args.rows), (MULTI_START, MULTI_END): render_multi()}
    if args.check:
        text = README.read_text(encoding="utf-8")
        same = all(readme_block(text, *k) == b for k, b in blocks.items())
        print("README.md's examples are current" if same else
              "README.md's examples are stale: run python examples/readme_example.py --write")
        return 0 if same else 1
    if args.write:
        text = README.read_text(encoding="utf-8")
        for (start, end), block in blocks.items():
            head, rest = text.split(start, 1)
            text = head + start + "\n" + block + "\n" + end + rest.split(end, 1)[1]
        README.write_text(text, encoding="utf-8")
        return 0
    print("\n\n".join(blocks.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
