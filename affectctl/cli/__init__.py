"""The ``affectctl`` command line: thin typer commands over the library.

One module per command (spaCy's layout); each declares its options with
``Annotated`` and calls a library function. Library code raises
:class:`~affectctl.errors.AffectctlError`; the :func:`~affectctl.cli._app.command`
decorator turns it into one line on stderr and exit status 2, without a traceback.

Command modules are imported lazily: ``affectctl --help`` and ``affectctl --version``
import none of them (the root help lists :data:`~affectctl.cli._app.COMMANDS`), and
``affectctl compare ...`` imports only ``cli/compare.py``. :func:`load_all_commands`
registers every command at once (the documentation's CLI reference needs them all).
"""

from __future__ import annotations

from ._app import COMMANDS, app, load_all_commands

__all__ = ["COMMANDS", "app", "load_all_commands", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
