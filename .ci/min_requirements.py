"""Print the core dependencies of pyproject.toml pinned at their declared minimum.

`.ci/run` installs these into a separate virtual environment (on the lowest Python that
pyproject.toml declares) and runs the fast tests there, so the lower bounds in
pyproject.toml are tested, not just declared.

Usage: ``python .ci/min_requirements.py [--python X.Y] [EXTRA ...]``; ``--python`` is the
version of the environment the pins are for (environment markers are evaluated for it;
default: the running interpreter's).
"""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
args = sys.argv[1:]
target = sys.version_info[:2]
if args[:1] == ["--python"]:
    target = tuple(int(x) for x in args[1].split("."))
    args = args[2:]
extras = args
requirements = list(project["dependencies"])
for extra in extras:
    requirements += project["optional-dependencies"][extra]
for requirement in requirements:
    if ";" in requirement:
        spec, marker = (part.strip() for part in requirement.split(";", 1))
        if "python_version < '3.11'" in marker and target >= (3, 11):
            continue
    else:
        spec = requirement.strip()
    match = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)\s*(?:>=|==)\s*([^,\s]+)", spec)
    if not match:
        sys.exit(f"min_requirements: cannot pin {requirement!r}: give it a lower bound (>=)")
    print(f"{match.group(1)}=={match.group(2)}")
