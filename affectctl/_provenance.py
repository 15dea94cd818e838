"""Where a JSON document came from: schema version, affectctl version, command line, inputs.

Every JSON document affectctl writes (``results.json``, ``diagnosis.json``,
``affectctl audit --json``) opens with the same four keys (:func:`document_header`):

``schema_version``
    :data:`SCHEMA_VERSION` of the document's JSON Schema
    (``affectctl/data/schemas/<document>.schema.json``, :func:`schema`).
``affectctl_version``
    The version that wrote it.
``command``
    The command line (``["affectctl", "compare", ...]``), or ``null`` when the document
    was made from Python.
``inputs``
    ``[{"path": ..., "sha256": ...}]`` for every input file (each prediction file and
    each truth file; every file below an input folder), sorted by path.

These do not change from run to run, so a document stays byte-identical when the same
command runs again on the same files. What does change (the time, the interpreter, the
library versions) goes to ``provenance.json`` (:func:`run_record`).
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from collections.abc import Iterable
from typing import Any
from datetime import datetime, timezone
from pathlib import Path

from ._version import __version__

__all__ = ["SCHEMA_VERSION", "command_line", "document_header", "dump_sources", "input_records",
           "run_inputs", "run_record", "schema", "set_command", "sha256_file"]

#: Version of the JSON documents' layout (major.minor: a new key is minor, a renamed or
#: removed one major).
SCHEMA_VERSION = "1.0"

#: The command line of the running ``affectctl`` command (set by the CLI), else None.
_COMMAND: "list[str] | None" = None


def set_command(argv: "Iterable[str] | None") -> None:
    """Record the command line of the running command (the CLI calls this; ``None`` clears)."""
    global _COMMAND
    _COMMAND = None if argv is None else [str(a) for a in argv]


def command_line() -> "list[str] | None":
    """The command line of the running ``affectctl`` command, or None from Python."""
    return None if _COMMAND is None else list(_COMMAND)


def sha256_file(path: "str | Path") -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_records(sources: Iterable[object]) -> list[dict[str, str]]:
    """``[{"path", "sha256"}]`` of the files among ``sources``, sorted by path, without repeats.

    A source that is a folder (ABAW annotation and prediction folders) contributes every
    file below it; a source that is no file (``"<memory>"``) contributes nothing.
    """
    files: set[Path] = set()
    for source in sources:
        if source is None:
            continue
        path = Path(str(source))
        try:
            if path.is_file():
                files.add(path)
            elif path.is_dir():
                files.update(p for p in path.rglob("*") if p.is_file())
        except OSError:  # a name too long for a path, say: not a file
            continue
    return [{"path": str(p), "sha256": sha256_file(p)} for p in sorted(files, key=str)]


def dump_sources(dumps: Iterable[Any]) -> list[object]:
    """The files behind dumps: each dump's ``source`` and the truth file it was paired with."""
    out = []
    for d in dumps:
        out.append(getattr(d, "source", None))
        out.append((getattr(d, "metadata", None) or {}).get("truth"))
    return out


def run_inputs(runs: Any, conditions: Iterable[str], seeds: Iterable[int]) -> tuple[dict[str, str], ...]:
    """:func:`input_records` of the runs ``runs.dump(c, s)`` for every condition and seed."""
    seeds = list(seeds)
    return tuple(input_records(dump_sources(runs.dump(c, s) for c in conditions for s in seeds)))


def document_header(inputs: "Iterable[dict[str, str]]" = ()) -> dict[str, Any]:
    """The four keys every JSON document opens with (see the module docstring)."""
    return {"schema_version": SCHEMA_VERSION, "affectctl_version": __version__,
            "command": command_line(), "inputs": list(inputs)}


def run_record(document: str) -> dict[str, Any]:
    """``provenance.json``: what changes from run to run, beside the deterministic document.

    Parameters
    ----------
    document : str
        The file this record belongs to (``"results.json"``).
    """
    import importlib.metadata as md

    versions: dict[str, str | None] = {}
    for name in ("numpy", "scipy", "pandas", "statsmodels", "scikit-learn", "pyarrow", "numba",
                 "torch"):
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = None
    return {"schema_version": SCHEMA_VERSION, "affectctl_version": __version__,
            "document": document, "command": command_line(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(), "platform": platform.platform(),
            "executable": sys.executable, "packages": versions}


def schema(document: str) -> dict[str, Any]:
    """The JSON Schema of ``document`` (``results``, ``diagnosis``, ``audit``, ``provenance``),
    shipped as ``affectctl/data/schemas/<document>.schema.json``."""
    from ._resources import shipped

    loaded: dict[str, Any] = json.loads(
        shipped("schemas").joinpath(f"{document}.schema.json").read_text("utf-8"))
    return loaded
