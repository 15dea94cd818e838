"""The ``affectctl`` command line: thin typer commands over the library.

One module per command (spaCy's layout); each declares its options with
``Annotated`` and calls a library function. Library code raises
:class:`~affectctl.errors.AffectctlError`; the :func:`~affectctl.cli._app.command`
decorator turns it into one line on stderr and exit status 2, without a traceback.

Command modules are imported lazily: ``affectctl --help`` imports none of them (the root
help lists :data:`~affectctl.cli._app.COMMANDS`), ``affectctl compare ...`` imports only
``cli/compare.py``, and ``affectctl --version`` not even typer. :func:`load_all_commands`
registers every command at once (the documentation's CLI reference needs them all).
"""

from __future__ import annotations

import sys

__all__ = ["COMMANDS", "app", "load_all_commands", "main"]


def __getattr__(name: str) -> object:
    if name in ("COMMANDS", "app", "load_all_commands"):
        from . import _app

        return getattr(_app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point."""
    if sys.argv[1:] == ["--version"]:  # the one answer that needs no command line parser
        from .._version import __version__

        print(f"affectctl {__version__}")
        return
    from ._app import app

    app()
