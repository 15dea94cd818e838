"""docs/reference/cli.md: the help of every command, generated from the typer app."""

from __future__ import annotations

import mkdocs_gen_files
import typer

from affectctl.cli import COMMANDS, app, load_all_commands
from affectctl.cli._app import EXIT_CODES

load_all_commands()
group = typer.main.get_command(app)


def _help(cmd, name: str, parent=None) -> str:
    ctx = type(group).context_class(cmd, info_name=name, parent=parent,
                                    max_content_width=100, terminal_width=100)
    return cmd.get_help(ctx)


root = type(group).context_class(group, info_name="affectctl", max_content_width=100,
                                 terminal_width=100)
lines = ["# Command-line reference", "",
         "Generated from the command line itself (`affectctl COMMAND --help`), so it always",
         "matches the installed version.", "",
         "```text", _help(group, "affectctl"), "```", "",
         "## Exit status", "", "| status | meaning |", "|---|---|"]
lines += [f"| {code} | {text} |" for code, text in EXIT_CODES.items()]
for name in COMMANDS:
    cmd = group.get_command(root, name)
    lines += ["", f"## affectctl {name}", "", "```text", _help(cmd, name, root), "```"]

with mkdocs_gen_files.open("reference/cli.md", "w") as f:
    f.write("\n".join(lines) + "\n")
