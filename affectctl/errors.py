"""Exceptions and warnings raised by affectctl.

Library code raises :class:`AffectctlError` subclasses; only :mod:`affectctl.cli`
turns them into one line on stderr and exit status 2.
"""

from __future__ import annotations

__all__ = [
    "AffectctlError",
    "DumpFormatError",
    "PairingError",
    "ConfigError",
    "TrainingError",
    "DegenerateDataWarning",
    "InputWarning",
]


class AffectctlError(Exception):
    """Base class of every error affectctl raises on bad input or configuration."""


class DumpFormatError(AffectctlError, ValueError):
    """A prediction file does not follow the dump contract.

    Parameters
    ----------
    message : str
        What is wrong, in one sentence.
    file : str, optional
        The file that is wrong.
    row : int, optional
        1-based line number in the file (the header is line 1), when one row is at fault.
    column : str, optional
        The column at fault.
    """

    def __init__(self, message: str, *, file=None, row=None, column=None):
        self.reason = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file is not None:
            where.append(self.file)
        if self.row is not None:
            where.append(f"line {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return (", ".join(where) + ": " if where else "") + self.reason


class PairingError(AffectctlError, ValueError):
    """Runs that must be paired (same seeds, same sample ids) are not."""


class ConfigError(AffectctlError, ValueError):
    """A condition file, analysis plan or option is invalid."""


class TrainingError(AffectctlError, RuntimeError):
    """A training run could not finish: its loss became NaN or infinite (a learning rate or
    loss weight of the condition too large for the data)."""


class DegenerateDataWarning(RuntimeWarning):
    """Data are degenerate and a result may be unreliable or undefined.

    Raised for zero-support classes, all-zero differences between seeds,
    p-values that cannot reach the chosen level, and similar cases.
    """


class InputWarning(UserWarning):
    """Input was read with a documented reading, or some of it was skipped.

    The message names what (files, columns, videos) and how many, e.g. files in a
    condition folder that are not ``seed-<k>`` dumps, or prediction files without an
    annotation file. Nothing is skipped or reinterpreted without one.
    """
