"""docs/performance.md: the figures the benchmarks in benchmarks/ wrote to benchmarks/results/.

First the speed table of ``benchmarks/run_all.py`` (``benchmarks/results/latest.md``); then
each ``benchmarks/results/<name>.json`` holds one benchmark's output: ``benchmark``,
``command``, ``goal``, ``load_average`` and ``rows`` (a list of flat records), written by
the benchmark script itself (``--json``), so this page shows what the last run measured.
"""

from __future__ import annotations

import json
from pathlib import Path

import mkdocs_gen_files

RESULTS = Path("benchmarks/results")

lines = ["# Performance", "",
         "What the benchmarks in `benchmarks/` measured on this project's 2-core machine (no",
         "GPU), generated from their JSON output in `benchmarks/results/`. Re-run a benchmark",
         "with the command shown to refresh its section. The machine is shared, so each section",
         "gives the load average of its run; prefer the minimum or the median over the maximum.",
         "It is also a VM on a shared host, which can be slow with a load average of 0: the speed",
         "table's probe column is how long one core took for a fixed loop just before each item",
         "(0.40-0.46 s when the host is quiet; `benchmarks/_env.py`).",
         "Commands are timed as an installed package runs them, from bytecode",
         "(`benchmarks/_env.py`: this machine sets `PYTHONDONTWRITEBYTECODE=1`; compiling",
         "affectctl's modules from source again at every run cost a small command 0.1-0.2 s)."]
LATEST = RESULTS / "latest.md"  # python benchmarks/run_all.py: the speed table
if LATEST.is_file():
    lines += ["", "## Speed table", "",
              "Every figure of the speed table, each against its goal, written by "
              "`python benchmarks/run_all.py` (`--quick`: one reading each) to "
              "`benchmarks/results/latest.md`:", "", LATEST.read_text(encoding="utf-8").rstrip()]
for path in sorted(RESULTS.glob("*.json")):
    if path.name == "run_all.json":  # the same figures as latest.md, shown above
        continue
    doc = json.loads(path.read_text(encoding="utf-8"))
    lines += ["", f"## {doc.get('benchmark', path.stem)}", "",
              f"Command: `{doc['command']}`" + (f"; goal: {doc['goal']}" if doc.get("goal") else "")
              + (f"; load average {doc['load_average']}" if "load_average" in doc else "") + ".", ""]
    rows = doc.get("rows", [])
    if rows:
        cols = list(rows[0])
        lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for r in rows:
            lines.append("| " + " | ".join(str(r.get(c, "")).replace("|", "\\|") for c in cols) + " |")
    for key, value in doc.items():
        if key in ("benchmark", "command", "goal", "load_average", "rows"):
            continue
        lines += ["", f"`{key}`: `{json.dumps(value)}`"]

with mkdocs_gen_files.open("performance.md", "w") as f:
    f.write("\n".join(lines) + "\n")
