"""Plain-text rendering shared by the commands: aligned tables and JSON."""

from __future__ import annotations

import json

import click

from ..text import table, wrap  # noqa: F401  (the commands render with them)


def echo_json(data) -> None:
    """Print ``data`` as indented JSON."""
    click.echo(json.dumps(data, indent=2))


def parse_levels(level, more=()) -> list[float]:
    """``--level 80 95`` (or ``--level 80 --level 95``, ``--level 80,95``) as floats.

    Raises a one-line error naming ``--level`` when a value is not a number,
    is outside (0, 100) or is given twice.
    """
    from ..forecasting.ensemble.intervals import check_levels

    words = [w for item in (*level, *more) for w in str(item).split(",") if w]
    if more and not level:
        raise click.UsageError(f"unexpected argument(s): {' '.join(more)}")
    values = []
    for w in words:
        try:
            values.append(float(w))
        except ValueError:
            raise click.UsageError(f"--level: expected a number, got {w!r}") from None
    try:
        return check_levels(values)
    except ValueError as exc:
        raise click.UsageError(str(exc).replace("level:", "--level:", 1)) from None


def check_out_path(path, inputs: tuple = ()) -> None:
    """``--out`` must end in .csv or .parquet (pyarrow needed), be absent or a
    regular file, and not be one of ``inputs`` (``(path, what)`` pairs of the
    same run); exit 2 otherwise."""
    from pathlib import Path

    from ..storage.atomic import check_output

    if path is None:
        return
    try:
        check_output(path, "--out", (".csv", ".parquet"), inputs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if Path(path).suffix.lower() == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise click.UsageError(
                f"--out {path}: writing parquet needs pyarrow (pip install pyarrow)"
            ) from None


def write_frame(frame, path) -> None:
    """Write a DataFrame to ``path`` (csv or parquet), atomically.

    In a CSV, text cells that a spreadsheet would run as a formula (``=``,
    ``+``, ``-``, ``@``, tab, CR first) get a leading ``'`` and a note on
    stderr says how many; Parquet keeps every value as it is.
    """
    from pathlib import Path

    from ..storage.atomic import atomic_path
    from ..text import formula_safe

    path = Path(path)
    count = 0
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame, count = formula_safe(frame)
            frame.to_csv(tmp, index=False)
    if count:
        click.echo(
            f"note: {count} cell(s) of {path} begin with =, +, -, @, a tab or a "
            "carriage return: written with a leading ' so that spreadsheets "
            "read them as text, not as formulas",
            err=True,
        )


def frame_records(frame) -> list[dict]:
    """A forecast DataFrame as JSON rows (dates as ISO strings, NaN as null)."""
    import math

    rows = []
    for rec in frame.to_dict(orient="records"):
        row = {}
        for k, v in rec.items():
            if hasattr(v, "isoformat"):
                v = v.isoformat()
            elif isinstance(v, float) and not math.isfinite(v):
                v = None
            elif hasattr(v, "item"):
                v = v.item()
            row[k] = v
        rows.append(row)
    return rows
