"""Print the core dependencies of pyproject.toml pinned at their declared minimum.

`.ci/run` installs these into a separate virtual environment and runs the fast tests
there, so the lower bounds in pyproject.toml are tested, not just declared.
"""

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
extras = sys.argv[1:]
requirements = list(project["dependencies"])
for extra in extras:
    requirements += project["optional-dependencies"][extra]
for requirement in requirements:
    if ";" in requirement:
        spec, marker = (part.strip() for part in requirement.split(";", 1))
        if "python_version < '3.11'" in marker and sys.version_info >= (3, 11):
            continue
    else:
        spec = requirement.strip()
    match = re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)\s*(?:>=|==)\s*([^,\s]+)", spec)
    if not match:
        sys.exit(f"min_requirements: cannot pin {requirement!r}: give it a lower bound (>=)")
    print(f"{match.group(1)}=={match.group(2)}")
