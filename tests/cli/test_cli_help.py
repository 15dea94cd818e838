"""Help text, plain typer/click (no patch of click's internals): flags as flags, argument
names in usage lines, every option described and listed on its own row, within 80
columns, and `diagnose --help` naming every file."""

from __future__ import annotations

import re

import pytest
import typer.main
from typer.testing import CliRunner

from affectctl.cli import app

COMMANDS = ("audit", "compare", "diagnose", "train", "report", "power")
runner = CliRunner()


@pytest.mark.parametrize("name", COMMANDS)
def test_help_is_polished(name):
    res = runner.invoke(app, [name, "--help"], env={"COLUMNS": "80"}, terminal_width=80)
    assert res.exit_code == 0, res.output
    out = res.output
    assert "<bool>" not in out                                          # flags as flags
    usage = out.splitlines()[0]
    cmd = typer.main.get_command(app).commands[name]
    for p in cmd.params:
        if p.param_type_name == "argument":
            assert p.name.upper() in usage                              # FILE, CONDITIONS
        else:
            assert (p.help or "").strip(), f"{name} {p.opts} has no description"
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "…" not in out
    # plain click wrapping (no patch of click's private text wrapper): every option still
    # starts a row of its own, its name whole, in the left column
    for p in cmd.params:
        if p.param_type_name == "option" and not p.hidden:
            last = p.opts[-1] if p.opts[-1].startswith("--") else p.opts[0]
            assert re.search(rf"^ +(-\w, )?(--[\w-]+, )*{re.escape(last)}\b", out, re.M), (name, p.opts)


def test_flags_show_as_flags():
    out = runner.invoke(app, ["compare", "--help"], terminal_width=80).output
    assert re.search(r"^\s+--json\s{2,}Print", out, re.M)
    assert re.search(r"^\s+-q, --quiet\s{2,}", out, re.M)


def test_diagnose_help_lists_every_file_it_writes():
    out = " ".join(runner.invoke(app, ["diagnose", "--help"], terminal_width=80).output.split())
    for f in ("pairs.csv", "persistence.csv", "per_seed.csv", "by_condition.csv",
              "representation.csv", "diagnosis.json", "index.html", "pair_graph", "pair_rates",
              "projection"):
        assert f in out
