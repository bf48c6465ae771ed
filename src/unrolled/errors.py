"""The library's exceptions, in one place: every layer raises these.

Each is a ``ValueError`` (the caller gave something wrong) unless it says
otherwise; the command line turns them into one line and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

from .text import escape_name


class DataError(ValueError):
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


class ResourceLimitError(ValueError):
    """The work asked for needs more memory than is available; nothing was started."""


class ModelFileError(ValueError):
    """A model or checkpoint file is missing, truncated, tampered with or foreign."""


class NotFittedError(ValueError, AttributeError):
    """A forecaster, scaler or baseline was used before ``fit``.

    A ``ValueError`` and an ``AttributeError``, as scikit-learn's is, so code
    written for either catches it.
    """
