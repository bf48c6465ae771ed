"""From parsed columns to validated series: order, duplicates, gaps, calendar.

Nothing disappears silently: a missing value or a date missing from a
regular calendar is a gap, refused without ``fill`` and filled (or dropped)
with a note with it; a series on another frequency than the rest is named
in a note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from ..text import escape_name
from .dataset import (
    MAX_ABS,
    MIN_LENGTH,
    Dataset,
    Series,
    calendar_offset,
    infer_frequency,
)


@dataclass
class Raw:
    """A series before its gaps are handled: sorted dates, values with NaN."""

    label: str
    dates: pd.Index
    vals: np.ndarray
    rows: np.ndarray
    col: str | None
    absent: int = 0  # dates absent from the calendar, now NaN gaps


def make_series(label, dates, vals, rows, name, col, trim, checked=False) -> Raw:
    """Sort by date, refuse duplicate dates, trim a wide column's empty ends.

    ``checked``: the caller sorted the rows and found no duplicate date.
    """
    if not checked:
        order = np.argsort(_stamps(dates), kind="stable")
        dates, vals, rows = dates[order], vals[order], rows[order]
    d8 = _stamps(dates) if not checked else d8_none
    dup = np.flatnonzero(d8[1:] == d8[:-1])
    if dup.size:
        i = int(dup[0])
        raise duplicate_date(dates[i], label, rows[i], rows[i + 1], name)
    missing = np.isnan(vals)
    if missing.all():
        raise DataError(f"series {label!r} has no values", name, None, col)
    if trim and missing.any():
        # wide form: a series may start later or end earlier than the others
        present = np.flatnonzero(~missing)
        lo, hi = present[0], present[-1] + 1
        dates, vals, rows = dates[lo:hi], vals[lo:hi], rows[lo:hi]
    return Raw(label, dates, vals, rows, col)


d8_none = np.zeros(1, np.int64)  # a checked series: nothing to compare


def duplicate_date(date, label, row, other, name) -> DataError:
    """The error for a date that appears twice in one series, naming both rows."""
    return DataError(
        f"duplicate date {show_date(date)} in series {str(label)!r} "
        f"(rows {row} and {other})",
        name,
        int(max(row, other)),
    )


def _stamps(dates) -> np.ndarray:
    return np.asarray(dates.asi8 if hasattr(dates, "asi8") else dates, np.int64)


def show_date(d) -> str:
    """A date as YYYY-MM-DD (with the time where it has one), a step as a number."""
    if isinstance(d, pd.Timestamp):
        return str(d.date()) if d == d.normalize() else d.isoformat(sep=" ")
    return str(d)


def finish_dataset(raw: list[Raw], name: str, fill, notes: list[str]) -> Dataset:
    """Calendar gaps and missing values handled, frequency inferred, notes made."""
    longest = max(raw, key=lambda r: len(r.dates))
    word, alias = infer_frequency(longest.dates)
    offset = None
    if isinstance(longest.dates, pd.DatetimeIndex) and word not in ("irregular",):
        offset = calendar_offset(longest.dates, word, alias)
    out, calendars = [], {}
    for r in raw:
        if offset is not None:
            r = _calendar_gaps(r, offset, word, name, notes, calendars)
        out.append(_fill(r, name, fill, notes))
    _mixed_frequencies(out, word, notes)
    return Dataset(out, word, name, [escape_name(n) for n in notes], alias)


def _calendar_gaps(r: Raw, offset, word, name, notes, calendars) -> Raw:
    """Dates absent from a regular calendar become gaps (NaN) like empty cells.

    ``calendars`` caches the calendar of each span: series sharing one span
    (the usual case) build it once.
    """
    d8 = r.dates.asi8
    span = (int(d8[0]), int(d8[-1]))
    if span not in calendars:
        try:
            calendars[span] = pd.date_range(
                r.dates[0], r.dates[-1], freq=offset, unit=r.dates.unit
            )
        except (ValueError, TypeError, OverflowError):
            calendars[span] = None
    full = calendars[span]
    if full is None:
        return r
    if len(full) <= len(r.dates) or len(full) > 4 * len(r.dates):
        return r
    pos = full.get_indexer(r.dates)
    if (pos < 0).any():
        return r  # off the calendar: irregular, nothing to fill
    key = ("own", hash(r.dates.asi8.tobytes()))
    if key not in calendars:
        calendars[key] = infer_frequency(r.dates)[1]
    if calendars[key] is not None:
        return r  # regular on its own calendar: another frequency, named later
    absent = len(full) - len(r.dates)
    if word == "business-daily":
        notes.append(f"{r.label}: {absent} business day(s) absent (holidays?), "
                     "left as they are")  # fmt: skip
        return r
    vals = np.full(len(full), np.nan)
    vals[pos] = r.vals
    # an absent date is reported at the row of the next date present
    rows = r.rows[np.searchsorted(pos, np.arange(len(full)))]
    return Raw(r.label, full, vals, rows, r.col, absent)


def _fill(r: Raw, name, fill, notes) -> Series:
    """Refuse gaps without ``fill``; else fill or drop them and say so."""
    missing = np.isnan(r.vals)
    dates, vals = r.dates, r.vals
    absent = r.absent
    if missing.any():
        n = int(missing.sum())
        what = f"{n} gap(s) in all"
        if absent:
            what += f", {absent} of them dates absent from the calendar"
        if fill is None:
            i = int(np.argmax(missing))
            first = f" (first: {show_date(dates[i])})" if absent else ""
            raise DataError(
                f"missing value in series {r.label!r} ({what}){first}; pass "
                "fill='ffill'|'interpolate'|'drop' (--fill) to fill or drop them",
                name,
                int(r.rows[i]),
                r.col,
            )
        if fill == "drop":
            dates, vals = dates[~missing], vals[~missing]
            notes.append(f"dropped {n} missing value(s) in {r.label}")
        elif fill == "ffill":
            vals = pd.Series(vals).ffill().bfill().to_numpy(dtype=np.float64)
            notes.append(
                f"filled {n} gap(s) in {r.label} by carrying the last value forward"
            )
        else:
            s = pd.Series(vals).interpolate(method="linear", limit_direction="both")
            vals = s.to_numpy(dtype=np.float64)
            notes.append(f"filled {n} gap(s) in {r.label} by linear interpolation")
    return finish_series(r.label, dates, vals, r.rows, name, r.col)


def _mixed_frequencies(series, word, notes) -> None:
    """Name the series whose own frequency differs from the data set's."""
    if word in ("steps", "irregular") or len(series) < 2:
        return
    seen: dict[int, str] = {}
    for s in series:
        key = hash(s.dates.asi8.tobytes())  # series on the same dates: inferred once
        if key not in seen:
            seen[key] = infer_frequency(s.dates)[0]
        own = seen[key]
        if own not in (word, "irregular") and len(s) >= 3:
            notes.append(f"series {s.name} is {own}, the rest {word}")


def finish_series(label, dates, vals, rows, name, col) -> Series:
    """Check magnitude, finiteness and length; return an immutable Series."""
    vals = np.ascontiguousarray(vals, dtype=np.float64)
    if not (np.abs(vals) <= MAX_ABS).all():  # NaN, inf or too large (rare path)
        bad = ~np.isfinite(vals) | (np.abs(np.nan_to_num(vals)) > MAX_ABS)
        i = int(np.argmax(bad))
        r = None if rows is None or len(rows) != len(vals) else int(rows[i])
        what = "is not finite" if not np.isfinite(vals[i]) else "is too large"
        raise DataError(
            f"value {vals[i]:g} in series {label!r} {what} "
            f"(expected finite numbers with |x| <= {MAX_ABS:g})",
            name,
            r,
            col,
        )
    if len(vals) < MIN_LENGTH:
        raise DataError(
            f"series {label!r} has {len(vals)} point(s); "
            f"at least {MIN_LENGTH} are needed",
            name,
            None,
            col,
        )
    if not isinstance(dates, pd.DatetimeIndex):
        dates = pd.Index(np.asarray(dates, dtype=np.int64))
    if not dates.is_monotonic_increasing or dates.has_duplicates:
        order = np.argsort(_stamps(dates), kind="stable")
        dates, vals = dates[order], vals[order]
        if dates.has_duplicates:
            raise DataError(f"duplicate dates in series {label!r}", name)
    vals.setflags(write=False)
    return Series(label, dates, vals)


def as_float(vals, name, label) -> np.ndarray:
    """Values given in Python (list, array) -> 1-D float64, with no gaps."""
    try:
        arr = np.asarray(vals, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"series {label!r}: expected numbers ({exc})", name) from None
    if arr.ndim != 1:
        raise DataError(
            f"series {label!r}: expected 1-D values, got shape {arr.shape}", name
        )
    if np.isnan(arr).any():
        i = int(np.argmax(np.isnan(arr)))
        raise DataError(f"series {label!r}: missing value at position {i}", name)
    return arr
