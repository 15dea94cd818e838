"""docs/changelog.md: CHANGELOG.md, as it is."""

from pathlib import Path

import mkdocs_gen_files

with mkdocs_gen_files.open("changelog.md", "w") as f:
    f.write(Path("CHANGELOG.md").read_text(encoding="utf-8"))
