"""docs/reference/api.md: every public name of ``affectctl`` (``affectctl.__all__``),
documented from its docstring where it is defined."""

from __future__ import annotations

import mkdocs_gen_files

import affectctl

GROUPS = {
    "Reading predictions": ["read_predictions", "load_runs", "RunSet", "Dump", "read_dump",
                            "write_dump", "dump_from_frame"],
    "Analyses": ["audit", "AuditReport", "compare", "ComparisonResult", "diagnose",
                 "DiagnosisResult", "power", "PowerReport", "compute_metrics"],
    "Reports": ["write_report"],
    "Label spaces and geometries": ["TAXONOMIES", "Taxonomy", "get_taxonomy", "GEOMETRIES",
                                    "Geometry", "get_geometry", "cost_matrix"],
    "Errors and warnings": ["AffectctlError", "ConfigError", "DumpFormatError", "PairingError",
                            "TrainingError", "DegenerateDataWarning", "InputWarning"],
}
listed = [n for names in GROUPS.values() for n in names]
public = [n for n in affectctl.__all__ if n != "__version__"]
missing = sorted(set(public) - set(listed))
if missing:  # a new public name must be placed in a group
    raise SystemExit(f"docs/gen/api_reference.py: place these public names in GROUPS: {missing}")

lines = ["# Python API", "",
         "Everything below is importable from `affectctl` (`affectctl.compare`, ...); each",
         "name loads its module on first use. Anything not listed here is internal and may",
         "change without notice.", "",
         "```python",
         "import affectctl",
         "",
         'runs = affectctl.load_runs("examples/runs", ["base", "circumplex", "uniform"])',
         'result = affectctl.compare(runs, "base", ("circumplex", "uniform"))',
         "result.to_frame()       # one tidy row per (a, b, metric, test)",
         'affectctl.write_report(result, "reports/main")',
         "```"]
for title, names in GROUPS.items():
    lines += ["", f"## {title}"]
    for name in names:
        module = affectctl._LAZY[name]
        attr = affectctl._RENAMED.get(name, name)
        lines += ["", f"::: {module}.{attr}", "    options:", "      heading_level: 3"]

with mkdocs_gen_files.open("reference/api.md", "w") as f:
    f.write("\n".join(lines) + "\n")
