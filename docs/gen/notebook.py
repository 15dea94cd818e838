"""docs/tutorial.md, executed: the page is docs/gen/tutorial.md with every ```` ```python run````
block run in order (one namespace, in a fresh folder holding copies of two example dumps) and
followed by what it printed, as a notebook shows it: the output of ``print`` and the ``repr``
of a block's last expression. The outputs are made at every docs build, so they cannot go
stale."""

from __future__ import annotations

import ast
import contextlib
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

import mkdocs_gen_files

ROOT = Path.cwd()
SOURCE = ROOT / "docs" / "gen" / "tutorial.md"
FILES = {"modelA.csv": "examples/runs/base/seed-0.csv", "modelB.csv": "examples/runs/uniform/seed-0.csv"}
BLOCK = re.compile(r"^```python run\n(.*?)^```\n", re.S | re.M)


def run(code: str, namespace: dict) -> str:
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(tree, "<tutorial>", "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<tutorial>", "eval"), namespace)
            if value is not None:
                print(repr(value))
    return out.getvalue().rstrip()


def render() -> str:
    text = SOURCE.read_text(encoding="utf-8")
    namespace: dict = {"__name__": "__tutorial__"}
    pieces, pos = [], 0
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="affectctl-tutorial-") as tmp:
        for name, src in FILES.items():
            shutil.copy(ROOT / src, Path(tmp) / name)
        os.chdir(tmp)
        try:
            for m in BLOCK.finditer(text):
                code = m.group(1)
                output = run(code, namespace)
                pieces.append(text[pos:m.start()])
                pieces.append(f"```python\n{code}```\n")
                if output:
                    pieces.append(f"\n```text\n{output}\n```\n")
                pos = m.end()
        finally:
            os.chdir(here)
    pieces.append(text[pos:])
    return "".join(pieces)


with mkdocs_gen_files.open("tutorial.md", "w") as f:
    f.write(render())
