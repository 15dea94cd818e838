"""The typer application and the error boundary shared by every command."""

from __future__ import annotations

import functools
import sys
import warnings

import typer
from rich.console import Console
from typer.core import TyperCommand, TyperGroup

from affectctl.errors import AffectctlError


def _usage_error_bases() -> tuple:
    """Base classes of click's usage errors: typer up to 0.19 runs on click; later versions
    vendor it as ``typer._click`` under ``typer.exceptions.TyperException``."""
    bases = []
    try:
        from typer.exceptions import TyperException

        bases.append(TyperException)
    except ImportError:
        pass
    try:
        import click.exceptions

        bases.append(click.exceptions.ClickException)
    except ImportError:
        pass
    return tuple(bases)


_USAGE_ERRORS = _usage_error_bases()


#: The commands, in the order ``affectctl --help`` lists them, with the one-line help it
#: shows (the first line of each command's help; a test keeps the two equal). A command's
#: module (``affectctl.cli.<name>``) is imported only when that command runs.
COMMANDS = {
    "audit": "Validate FILE, print counts, exclusions, official scores, per-class F1, geometry "
             "metrics and the confusion matrix; warn when the class order looks wrong.",
    "compare": "Compare CONDITIONS against the first with paired tests over seeds and samples, "
               "and write a report (table.md/.tex/.csv, results.json, figures).",
    "power": "Smallest attainable p-value per seed-level test, and the seeds needed for a "
             "difference.",
    "train": "Train CONDITIONS over seeds and write one prediction dump per run to "
             "OUT/<dataset>/<condition>/seed-<k>.parquet.",
    "report": "Train what the plan needs (built-in datasets), run its tests and write its tables "
              "and figures.",
    "diagnose": "Rank the class pairs that stay confused whatever the training does (rare-pair "
                "degeneracy) and say what each costs.",
    "formats": "List the dataset annotation files (for --truth) and tool outputs (FILE) that "
               "audit and compare read, how each is recognised, and the taxonomy it maps to.",
    "inspect": "Show how FILE is read, without scoring it.",
    "export": "Write a dump as the official ABAW submission files.",
}

#: Exit statuses of every command (also in ``affectctl --help`` and the docs).
EXIT_CODES = {
    0: "success",
    1: "a requirement failed (audit --require) or the run was aborted (Ctrl-C)",
    2: "bad input or usage: a file, option or condition that cannot be used (one line on "
       "stderr naming it, no traceback)",
}


def _short_help(text: str, limit: int) -> str:
    """``text`` shortened as click shortens a command's help in a listing (through a
    throw-away command: click's helper itself is deprecated as a public name)."""
    return TyperCommand(name="_", help=text).get_short_help_str(limit)


def load_all_commands() -> None:
    """Import every command module (each registers its command on :data:`app`)."""
    from affectctl.cli import load_command

    for name in COMMANDS:
        load_command(name)


class _OneLineErrors(TyperGroup):
    """The root command group: click's usage errors (a bad option value, an unknown option,
    a missing argument) become one line ``affectctl: error: ...`` and exit status 2, for
    every command, instead of click's boxed usage message.

    Commands load lazily: :meth:`get_command` imports ``affectctl.cli.<name>`` the first
    time ``name`` is asked for and builds its click command; the root help lists
    :data:`COMMANDS` without importing any of them.
    """

    def list_commands(self, ctx) -> list:
        return list(COMMANDS) + [n for n in self.commands if n not in COMMANDS]

    def get_command(self, ctx, cmd_name):
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            from affectctl.cli import load_command

            load_command(cmd_name)
            for info in app.registered_commands:
                if info.name == cmd_name:
                    self.commands[cmd_name] = typer.main.get_command_from_info(
                        info, pretty_exceptions_short=app.pretty_exceptions_short,
                        rich_markup_mode=app.rich_markup_mode)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx, args):
        try:
            return super().resolve_command(ctx, args)
        except _USAGE_ERRORS as exc:  # typer suggests among loaded commands only: all of them here
            message = getattr(exc, "message", None)
            if args and isinstance(message, str) and "Did you mean" not in message:
                import difflib

                matches = difflib.get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    exc.message = (f"{message.rstrip('.')}. Did you mean "
                                   f"{', '.join(repr(m) for m in matches)}?")
            raise

    def format_commands(self, ctx, formatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [(n, _short_help(COMMANDS[n], limit) if n in COMMANDS
                 else self.commands[n].get_short_help_str(limit)) for n in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def format_epilog(self, ctx, formatter) -> None:
        with formatter.section("Exit status"):
            formatter.write_dl([(str(k), v) for k, v in EXIT_CODES.items()])
        super().format_epilog(ctx, formatter)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from affectctl._util.provenance import set_command

        # the command line, for the JSON documents' `command` key (cleared afterwards, so a
        # later Python call in the same process records none)
        set_command(["affectctl", *(sys.argv[1:] if args is None else args)])
        try:
            return self._main(args, prog_name, complete_var, standalone_mode, **extra)
        finally:
            set_command(None)

    def _main(self, args, prog_name, complete_var, standalone_mode, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _USAGE_ERRORS as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":  # bare `affectctl`: the help, as before
                return super().main(args, prog_name, complete_var, standalone_mode=True, **extra)
            message = " ".join(exc.format_message().split()) or exc.__class__.__name__
            ctx = getattr(exc, "ctx", None)
            where = f"{ctx.info_name}: " if ctx is not None and ctx.parent is not None else ""
            err_console.print(f"affectctl: error: {where}{message}", markup=False)
            sys.exit(2)
        except typer.Abort:
            err_console.print("affectctl: aborted.", markup=False)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    cls=_OneLineErrors,
    name="affectctl",
    help="Did a change to affect-recognition training really help, and why?",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # click's plain help, unpatched: wraps at any width and never cuts an option name or a
    # word with "…", as rich's boxed panels do below ~100 columns
    rich_markup_mode=None,
    # as wide as the terminal (click stops at 80 otherwise)
    context_settings={"max_content_width": 160},
)

#: Human-readable output goes to stdout; errors to stderr.
console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


#: The one mapping from a library keyword to the command-line option that sets it, where
#: the two are named differently (elsewhere ``--name-of-option`` sets ``name_of_option``).
#: Errors the library raises name the keyword (`` `n_resamples` ``); on the command line
#: :func:`fail` shows the option instead, when the running command has that option.
OPTION_FOR_KEYWORD = {
    "n_resamples": "--permutations",     # compare
    "rng": "--seed",                     # compare, diagnose
    "metrics": "--metric",               # compare (repeatable)
    "contrasts": "--contrast",           # compare (repeatable)
    "min_relative_reduction": "--min-reduction",   # diagnose
    "va_distance_quantile": "--va-quantile",       # diagnose
    "n_seeds": "--seeds",                # power
    "annotations": "--truth",            # audit
}


#: Options of the commands running (innermost last), for warnings.
_OPTIONS: list = []


def option_names(message: str, options=()) -> str:
    """``message`` with each `` `keyword` `` of :data:`OPTION_FOR_KEYWORD` whose option is
    in ``options`` (the running command's) written as that option.

    >>> option_names("`n_resamples` must be a positive integer; got 0.", {"--permutations"})
    '`--permutations` must be a positive integer; got 0.'
    >>> option_names("`n_resamples` must be a positive integer; got 0.", {"--seed"})
    '`n_resamples` must be a positive integer; got 0.'
    """
    import re

    def sub(m):
        opt = OPTION_FOR_KEYWORD.get(m.group(1))
        return f"`{opt}`" if opt in options else m.group(0)

    return re.sub(r"`([a-z_]+)`", sub, message)


def _options_of(kw) -> set:
    """The options of a running command, from its parameter names (``min_reduction`` ->
    ``--min-reduction``), enough to find those of :data:`OPTION_FOR_KEYWORD`."""
    return {"--" + name.replace("_", "-") for name in kw}


def fail(message: str) -> None:
    """Print ``affectctl: error: <message>`` to stderr and exit with status 2.

    The message is one line: a line break or escape sequence in it (a hostile name the
    library quotes) is shown as a visible escape
    (:func:`affectctl.report.escape.for_terminal`).
    """
    from affectctl.report.escape import for_terminal

    line = for_terminal(message.strip()) if message else "error"
    flush_warnings()
    err_console.print(f"affectctl: error: {line}", markup=False)
    raise typer.Exit(code=2)


def err_line(text: str, *, first: str = "affectctl: ") -> None:
    """One message on stderr, wrapped between words at the terminal width (``COLUMNS`` or
    100 when piped), continuation lines indented by two spaces."""
    from affectctl.report.terminal import terminal_width, wrap

    for ln in wrap(text, terminal_width(err_console), first=first):
        err_console.print(ln, markup=False, highlight=False)


#: Warnings held back by the running command (innermost last) to be printed aggregated.
_PENDING: list = []


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A library warning as one line on stderr, without Python's source-line echo; held
    back for :func:`flush_warnings` while a command collects its warnings."""
    import re

    from affectctl.report.escape import for_terminal

    text = for_terminal(str(message).strip()) if str(message) else category.__name__
    # the library's knob for undefined metrics is a Python keyword, not a command-line option
    text = re.sub(r"[;,] use `on_empty` to control this", "", text)
    text = option_names(text, _OPTIONS[-1] if _OPTIONS else ())
    if _PENDING and _PENDING[-1] is not None:
        _PENDING[-1].append(text)
    else:
        err_line(text, first="affectctl: warning: ")


def flush_warnings(*, verbose: bool = False, quiet: bool = False) -> int:
    """Print the warnings the running command held back, one line per kind
    (:func:`affectctl.report.warnings.aggregate_warnings`), or each as it came with
    ``verbose``; nothing with ``quiet``. Returns the number of kinds."""
    if not _PENDING or not _PENDING[-1]:
        return 0
    held, _PENDING[-1][:] = list(_PENDING[-1]), []
    from affectctl.report.warnings import aggregate_warnings

    lines = aggregate_warnings(held)
    if not quiet:
        for text in (list(dict.fromkeys(held)) if verbose else lines):
            err_line(text, first="affectctl: warning: ")
    return len(lines)


def command(name: str, *, collect_warnings: bool = False, **kwargs):
    """Register a command on :data:`app` behind the error boundary.

    Any :class:`AffectctlError` raised by the library becomes one line on stderr and
    exit status 2, both from the console script and under ``typer.testing.CliRunner``.
    With ``collect_warnings`` the command's warnings are held back until it calls
    :func:`flush_warnings` (printed one line per kind), at the latest when it ends.
    """

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kw):
            from affectctl.cli import resume_collection

            resume_collection()
            with warnings.catch_warnings():
                if not sys.warnoptions:  # -W / PYTHONWARNINGS win
                    warnings.simplefilter("default")
                warnings.showwarning = _show_warning
                _OPTIONS.append(_options_of(kw))
                _PENDING.append([] if collect_warnings else None)
                try:
                    return func(*args, **kw)
                except AffectctlError as exc:
                    fail(option_names(str(exc), _options_of(kw)) or exc.__class__.__name__)
                except MemoryError:
                    fail("out of memory; lower the option that sizes the work (e.g. --permutations, "
                         "--seeds) or free memory.")
                except OSError as exc:  # last line of defence: the options are checked up front
                    what = exc.strerror or exc.__class__.__name__
                    where = f"{exc.filename}: " if exc.filename else ""
                    fail(f"{where}{what[0].lower() + what[1:]}.")
                finally:
                    flush_warnings()
                    _PENDING.pop()
                    _OPTIONS.pop()

        return app.command(name, **kwargs)(wrapper)

    return decorate


def _print_version(value: bool) -> None:
    if value:
        from affectctl._version import __version__

        typer.echo(f"affectctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_print_version,
                                 help="Print affectctl's version and exit."),
) -> None:
    """affectctl: paired statistics, official metrics and error geometry for affect recognition."""
