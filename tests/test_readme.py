"""The README never goes stale: its printed example is what examples/readme_example.py
prints (``affectctl compare base circumplex uniform --runs examples/runs`` on the committed
example dumps; no training). After a change to the console output, regenerate it with
``python examples/readme_example.py --write``."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("readme_example", ROOT / "examples" / "readme_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_example_is_what_the_script_prints():
    script = _script()
    printed = script.render()
    assert printed.startswith("```text\n$ affectctl compare base circumplex uniform --runs examples/runs\n")
    in_readme = script.readme_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert in_readme == printed, ("README.md's example is stale: run "
                                  "python examples/readme_example.py --write")


def test_readme_is_a_front_page():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    for command in ("pip install '.[train]' && affectctl compare base circumplex uniform",
                    "pip install -e '.[train,test]' && python -m pytest"):
        assert f"\n{command}\n" in text, command
    for path in ("LICENSE", "CHANGELOG.md", "CITATION.cff", "mkdocs.yml", "affectctl/py.typed"):
        assert (ROOT / path).is_file(), path


def test_readme_several_benchmark_example_is_what_the_script_prints():
    script = _script()
    printed = script.render_multi()
    assert "All benchmarks (affwild2, affectnet)" in printed
    in_readme = script.readme_block((ROOT / "README.md").read_text(encoding="utf-8"),
                                    script.MULTI_START, script.MULTI_END)
    assert in_readme == printed, ("README.md's several-benchmark example is stale: run "
                                  "python examples/readme_example.py --write")
