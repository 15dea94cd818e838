"""The typer application and the error boundary shared by every command."""

from __future__ import annotations

import functools
import sys
import warnings

import typer
from rich.console import Console

from ..errors import AffectctlError

app = typer.Typer(
    name="affectctl",
    help="Did a change to affect-recognition training really help, and why?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

#: Human-readable output goes to stdout; errors to stderr.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str) -> None:
    """Print ``affectctl: error: <message>`` (first line only) to stderr and exit with status 2."""
    line = message.splitlines()[0] if message else "error"
    err_console.print(f"affectctl: error: {line}", markup=False)
    raise typer.Exit(code=2)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A library warning as one line on stderr, without Python's source-line echo."""
    text = str(message).splitlines()[0] if str(message) else category.__name__
    err_console.print(f"affectctl: warning: {text}", markup=False)


def command(name: str, **kwargs):
    """Register a command on :data:`app` behind the error boundary.

    Any :class:`AffectctlError` raised by the library becomes one line on stderr and
    exit status 2, both from the console script and under ``typer.testing.CliRunner``.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kw):
            with warnings.catch_warnings():
                if not sys.warnoptions:  # -W / PYTHONWARNINGS win
                    warnings.simplefilter("default")
                warnings.showwarning = _show_warning
                try:
                    return func(*args, **kw)
                except AffectctlError as exc:
                    fail(str(exc) or exc.__class__.__name__)

        return app.command(name, **kwargs)(wrapper)

    return decorate


@app.callback()
def _root() -> None:
    """affectctl: paired statistics, official metrics and error geometry for affect recognition."""
