"""docs/reference/schema.md: the JSON documents affectctl writes, from the shipped schemas."""

from __future__ import annotations

import json

import mkdocs_gen_files

from affectctl._provenance import SCHEMA_VERSION, schema

DOCUMENTS = {
    "results": "`results.json` (`affectctl compare`, also `compare --json`)",
    "diagnosis": "`diagnosis.json` (`affectctl diagnose`, also `diagnose --json`)",
    "audit": "`affectctl audit FILE --json`",
    "provenance": "`provenance.json` (beside `results.json` and `diagnosis.json`)",
}


def _type(spec: dict) -> str:
    t = spec.get("type", "any")
    return " or ".join(t) if isinstance(t, list) else t


lines = ["# JSON schema", "",
         f"Every JSON document affectctl writes follows a JSON Schema (draft 2020-12) shipped in",
         "the package (`affectctl/data/schemas/<document>.schema.json`; in Python",
         "`affectctl._provenance.schema(\"results\")`). This page is generated from those files.",
         "",
         f"The current layout is `schema_version` **{SCHEMA_VERSION}**: a new key raises the",
         "minor number, a renamed or removed key the major one. The top level of each document",
         "is strict (no key outside the list below); records inside it may carry more fields",
         "than listed, as new analyses add them.",
         "",
         "`results.json`, `diagnosis.json` and `audit --json` open with the same four keys:",
         "`schema_version`, `affectctl_version`, `command` (the command line, `null` from",
         "Python) and `inputs` (path and SHA-256 of every input file). They do not change from",
         "run to run, so the document is byte-identical when the same command runs again on the",
         "same files; the time, interpreter and library versions go to `provenance.json`."]
for name, where in DOCUMENTS.items():
    s = schema(name)
    required = set(s.get("required", ()))
    lines += ["", f"## {s['title']}", "", f"{where}. {s.get('description', '')}", "",
              "| key | type | required | meaning |", "|---|---|---|---|"]
    for key, spec in s["properties"].items():
        desc = " ".join(str(spec.get("description", "")).split()).replace("|", "\\|")
        lines.append(f"| `{key}` | {_type(spec)} | {'yes' if key in required else ''} | {desc} |")
    lines += ["", '??? note "The schema file"', "", "    ```json"]
    lines += ["    " + ln for ln in json.dumps(s, indent=2).splitlines()]
    lines += ["    ```"]

with mkdocs_gen_files.open("reference/schema.md", "w") as f:
    f.write("\n".join(lines) + "\n")
