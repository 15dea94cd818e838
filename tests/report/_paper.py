"""Helpers of the paper-output tests: results shaped like the main command's, and the
real tools (pdflatex, headless Chromium) that check what the report writes."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
import pytest

HEADLINE = ("official_score", "accuracy", "error_distance_mean", "expected_cost",
            "quadrant_preservation", "va_ccc_mean", "au_f1_mean", "abaw_mtl_score")


def headline_result(result):
    """The fixture result with the main command's eight headline metrics (rows copied)."""
    src = {"official_score": "official_score", "error_distance_mean": "error_distance_mean"}
    metrics, comps = [result.metrics], [result.comparisons]
    for m in HEADLINE:
        if m in src:
            continue
        base = "error_distance_mean" if m == "expected_cost" else "official_score"
        metrics.append(result.metrics[result.metrics["metric"] == base].assign(metric=m))
        c = result.comparisons[result.comparisons["metric"] == base]
        comps.append(c.assign(metric=m))
    return dataclasses.replace(result, headline_metrics=HEADLINE,
                               metrics=pd.concat(metrics, ignore_index=True),
                               comparisons=pd.concat(comps, ignore_index=True))


def single_run_result(result):
    """One run per condition: seed 0 only, no seed-level test, the sample-level test kept."""
    m = result.metrics[result.metrics["seed"] == 0]
    c = result.comparisons[result.comparisons["test"].isin(["ar"])]
    return dataclasses.replace(result, metrics=m.reset_index(drop=True),
                               comparisons=c.reset_index(drop=True), seeds=(0,))


def require_tool(name: str) -> str:
    """Path of a tool the test needs: fail under CI when it is absent, else skip loudly."""
    path = shutil.which(name)
    if path:
        return path
    msg = (f"{name} is not installed: this test checks the report with the real {name} "
           "(Debian package installed by .ci/run); it did NOT run")
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(msg)
    pytest.skip(msg)


PREAMBLE = r"""\documentclass[twocolumn]{article}
\usepackage{%s}
\begin{document}
%s
Some text after the tables.
\end{document}
"""


def compile_tex(tex_files: dict, tmp: Path) -> str:
    """Compile ``{name: text}`` inside a two-column article with the packages each file
    lists in its ``% requires:`` line; return the log."""
    exe = require_tool("pdflatex")
    packages = []
    for text in tex_files.values():
        first = text.splitlines()[0]
        assert first.startswith("% requires: "), first
        packages += [p.strip() for p in first[len("% requires: "):].split(",")]
    for name, text in tex_files.items():
        (tmp / name).write_text(text)
    body = "\n".join(rf"\input{{{Path(n).stem}}}" for n in tex_files)
    (tmp / "doc.tex").write_text(PREAMBLE % (",".join(dict.fromkeys(packages)), body))
    proc = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp, capture_output=True, text=True, timeout=120)
    log = (tmp / "doc.log").read_text(errors="replace") if (tmp / "doc.log").exists() else ""
    assert proc.returncode == 0, proc.stdout[-3000:]
    return log


def layout_problems(log: str) -> list:
    return re.findall(r"(Overfull \\hbox.*|Float too large.*|Overfull \\vbox.*)", log)


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def chromium(html: Path, *extra: str) -> tuple:
    """Run headless Chromium on a local page; return (stdout, stderr)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        require_tool("chromium")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                               "--enable-logging=stderr", "--v=0",
                               "--virtual-time-budget=10000", *extra, html.resolve().as_uri()],
                              capture_output=True, text=True, timeout=120)
    return proc.stdout, proc.stderr


def page_check(html: Path) -> dict:
    """What the page's own check script found, and the console errors Chromium logged."""
    dom, err = chromium(html, "--dump-dom")
    m = re.search(r'data-check="([^"]*)"', dom)
    found = dict(kv.split("=") for kv in m.group(1).split()) if m else {}
    console = [ln for ln in err.splitlines() if "CONSOLE" in ln
               and ("Uncaught" in ln or "ERROR" in ln or "Failed to load" in ln)]
    return {**{k: int(v) for k, v in found.items()}, "console_errors": console,
            "checked": bool(m)}


def with_verdicts(result, alpha=0.05):
    """The result with ``verdicts`` as compare() makes them (the library's own rule)."""
    from affectctl.compare.verdicts import choose_primary, primary_candidates, verdict_table
    from affectctl.metrics.registry import metric_direction

    seed_tests = tuple(filter(None, (result.settings.get("seed_tests") or "").split(",")))
    candidates = primary_candidates(seed_tests, result.settings.get("sample_test", "ar"))
    primary = choose_primary(result.comparisons, candidates, alpha=alpha)
    order = ((primary,) if primary else ()) + tuple(t for t in candidates if t != primary)
    verdicts = verdict_table(result.comparisons, [tuple(p) for p in result.pairs],
                             result.headline_metrics, primary_order=order, alpha=alpha,
                             direction_of=metric_direction)
    return dataclasses.replace(result, verdicts=verdicts)
