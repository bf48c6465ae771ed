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

from ...errors import DataError
from ...text import escape_name
from .calendars import (
    as_steps,
    calendar_of,
    full_calendar,
    holidays,
    irregular_note,
    off_calendar,
    shown,
)
from .dataset import MAX_ABS, MIN_LENGTH, Dataset, Series, infer_frequency


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
    if isinstance(d, pd.Timestamp):  # isoformat: years before 1 too (no .date())
        text = d.isoformat(sep=" ")
        return text.split(" ")[0] if d == d.normalize() else text
    return str(d)


def finish_dataset(
    raw: list[Raw], name: str, fill, notes: list[str], freq=None
) -> Dataset:
    """Calendar gaps and missing values handled, frequency inferred, notes made.

    ``freq``: a pandas alias stating the calendar (every date must be on it,
    every date of it absent from a series is a gap); default: the calendar
    the longest series follows. Dates on none become integer steps (noted).
    """
    longest = max(raw, key=lambda r: len(r.dates))
    dated = isinstance(longest.dates, pd.DatetimeIndex)
    if freq is not None and not dated:
        raise DataError(f"freq: the data have no dates to put on the {freq!r} "
                        "calendar", name)  # fmt: skip
    word, alias, offset = (
        calendar_of(longest.dates, freq) if dated else ("steps", None, None)
    )
    if dated and freq is None and offset is not None:
        if off_calendar(longest.dates, offset) is not None:
            offset = None  # pandas' guess from the median spacing does not hold
    if dated and offset is None and len(longest.dates) >= MIN_LENGTH:
        notes.append(irregular_note(longest.dates))
        raw = [Raw(r.label, as_steps(r.dates), r.vals, r.rows, r.col) for r in raw]
        word, alias = "steps", None
    out, calendars = [], {}
    for r in raw:
        if offset is not None:
            r = _calendar_gaps(r, offset, word, name, notes, calendars, fill, freq)
        out.append(_fill(r, name, fill, notes))
    _mixed_frequencies(out, word, notes)
    return Dataset(out, word, name, [escape_name(n) for n in notes], alias)


def _calendar_gaps(r: Raw, offset, word, name, notes, calendars, fill, freq) -> Raw:
    """Dates absent from a regular calendar become gaps (NaN) like empty cells.

    A business-daily series whose absent weekdays look like holidays keeps
    them absent, with a note naming them. ``calendars`` caches the calendar
    of each span: series sharing one span (the usual case) build it once.
    """
    span = (r.dates[0], r.dates[-1])
    if span not in calendars:
        calendars[span] = full_calendar(r.dates, offset)
    full = calendars[span]
    pos = full.get_indexer(r.dates) if full is not None else None
    if freq is not None and (pos is None or (pos < 0).any()):
        i = 0 if pos is None else int(np.argmax(pos < 0))
        raise DataError(
            f"date {show_date(r.dates[i])} of series {r.label!r} is not on the "
            f"calendar of freq {freq!r} ({word})",
            name,
            int(r.rows[i]),
        )
    if full is None or (pos < 0).any() or len(full) <= len(r.dates):
        return r  # off the calendar (another series' own), or complete
    if freq is None:
        if len(full) > 4 * len(r.dates):
            return r
        key = ("own", r.dates[0], r.dates[-1], len(r.dates))
        if key not in calendars:
            calendars[key] = infer_frequency(r.dates)[1]
        if calendars[key] is not None:
            return r  # regular on its own calendar: another frequency, named later
    absent = len(full) - len(r.dates)
    # an absent date is reported at the row of the next date present
    rows = r.rows[np.searchsorted(pos, np.arange(len(full)))]
    if word == "business-daily" and freq is None:
        hol = holidays(full, pos)
        if hol is not None:
            notes.append(
                f"{r.label}: business-daily with {len(hol)} holiday(s) absent "
                f"({shown(hol)}): left absent; forecasts fall on business days"
            )
            return r
        if fill is None:
            first = int(np.flatnonzero(~np.isin(np.arange(len(full)), pos))[0])
            raise DataError(
                f"{absent} business day(s) absent from series {r.label!r} (first: "
                f"{show_date(full[first])}), too many for holidays; pass fill="
                "'ffill'|'interpolate'|'drop' (--fill) to fill them on business "
                "days, or freq= (--freq) to state the calendar",
                name,
                int(rows[first]),
                r.col,
            )
    vals = np.full(len(full), np.nan)
    vals[pos] = r.vals
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
        given = np.asarray(vals)
    except (TypeError, ValueError):
        given = np.asarray([], dtype=np.float64)
    if given.dtype.kind == "c" or (
        given.dtype == object and any(isinstance(v, complex) for v in given.ravel())
    ):
        raise DataError(f"series {label!r}: expected real numbers, got complex "
                        "ones (their imaginary part would be lost)", name)  # fmt: skip
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
