"""The library's exceptions, in one place: every layer raises these.

:class:`InputError` and its subclasses say the caller gave something wrong
(an argument, a file, data, a setting); they are ``ValueError``s, and the
command line turns them into one line and exit code 2. Anything else that
escapes the library (a bare ``ValueError``, ``KeyError``, ...) is a bug: the
command line says so and exits 1.
"""

from __future__ import annotations

from pathlib import Path

from .text import escape_name


class InputError(ValueError):
    """The caller's input is wrong: an argument, a setting, a file or its data.

    Library code that rejects what a user gave raises this (or a subclass),
    naming the argument, file, row or column; a plain ``ValueError`` from
    inside the library is a bug, not the user's mistake.
    """


class DataError(InputError):
    """Bad input data: the message names the file, row and column where it applies.

    Attributes ``file``, ``row`` (1-based, header = row 1) and ``column`` hold
    the location, or None where it does not apply.
    """

    def __init__(
        self,
        message: str,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ):
        self.file, self.row, self.column, self.reason = file, row, column, message
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = escape_name(file) if file else ""
        if where:
            prefix = f"{prefix}, {', '.join(where)}" if prefix else ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class TrainingError(RuntimeError):
    """Training cannot go on (a non-finite loss or gradient); the message says where."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`fit` with a checkpoint: the message says where it is.

    Attributes
    ----------
    checkpoint : pathlib.Path
        The checkpoint directory, holding the last completed epoch.
    epoch : int
        That epoch (-1 if none had completed: the starting state).
    """

    def __init__(self, message: str, checkpoint: Path, epoch: int):
        super().__init__(message)
        self.checkpoint, self.epoch = checkpoint, epoch

    def __str__(self) -> str:
        return self.args[0]


class ResourceLimitError(InputError):
    """The work asked for needs more memory than is available; nothing was started."""


class ModelFileError(InputError):
    """A model or checkpoint file is missing, truncated, tampered with or foreign."""


class NotFittedError(InputError, AttributeError):
    """A forecaster, scaler or baseline was used before ``fit``.

    A ``ValueError`` and an ``AttributeError``, as scikit-learn's is, so code
    written for either catches it.
    """
