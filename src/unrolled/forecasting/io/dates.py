"""Reading a date column one way for every row, or refusing it.

Every candidate format is applied to the whole column (its distinct values,
so a million rows of a thousand dates cost a thousand parses). A format is a
reading only if it parses every row; where a day-first and a month-first
reading both do (01/02/2010), the one that gives a regular calendar wins and
a note says so; when both or neither do, the column is refused with two
example rows. Formats without a year (times alone, "01/10") are never tried,
so no date is stamped with today's or with year 1.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from ...errors import DataError
from .dataset import NA_STRINGS
from .zones import aware_index, local_clock, text_offsets

_TIMES = ("", " %H:%M", " %H:%M:%S")
DAY_FIRST = [d + t for d in ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%y",
                             "%d.%m.%y", "%d-%m-%y") for t in _TIMES]  # fmt: skip
# dotted dates (01.02.2010) are day-first wherever they are written
MONTH_FIRST = [d + t for d in ("%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y", "%m-%d-%y")
               for t in _TIMES]  # fmt: skip
NEUTRAL = ["ISO8601", "%Y/%m/%d", "%Y.%m.%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S",
           "%Y/%m", "%m/%Y", "%m.%Y", "%b %Y", "%B %Y", "%b-%Y", "%B-%Y", "%b-%y",
           "%d %b %Y", "%d %B %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %y", "%b %d, %Y",
           "%B %d, %Y", "%d/%b/%Y", "%b %d %Y", "%B %d %Y", "%a %b %d %Y"]  # fmt: skip
_TIME_ONLY = re.compile(r"^\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([ap]m)?$", re.I)
_SAMPLE = 200  # distinct values tried first, to rule formats out cheaply
EXCEL_NAMES = ("date", "datetime", "timestamp", "day")


def label(fmt: str) -> str:
    """A format as people write it: ``%d/%m/%Y`` -> ``DD/MM/YYYY``."""
    if fmt == "ISO8601":
        return "ISO 8601 (YYYY-MM-DD)"
    for a, b in [("%d", "DD"), ("%m", "MM"), ("%Y", "YYYY"), ("%y", "YY"),
                 ("%H", "hh"), ("%M", "mm"), ("%S", "ss"), ("%b", "Mon"),
                 ("%B", "Month")]:  # fmt: skip
        fmt = fmt.replace(a, b)
    return fmt


def _parse(values, fmt: str):
    """Strings -> datetime64 (naive, UTC where a zone was given); NaT where not."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
        except (ValueError, TypeError, OverflowError):
            return None
    return pd.DatetimeIndex(out).tz_convert(None)


def readings(uniq, formats):
    """{format: parsed distinct values} for every format that parses them all."""
    head = uniq[:_SAMPLE]
    if formats[0] == "ISO8601" and (p := _parse(uniq, "ISO8601")) is not None:
        if p.notna().all():  # no other format reads a YYYY-MM-DD string
            return {"ISO8601": p}
    alive = [
        f for f in formats if (p := _parse(head, f)) is not None and p.notna().all()
    ]
    out = {}
    for f in alive:
        p = _parse(uniq, f) if len(uniq) > _SAMPLE else _parse(head, f)
        if p is not None and p.notna().all():
            out[f] = p
    return out


def _regular(parsed) -> bool:
    """True when the distinct dates fall on a calendar pandas can name."""
    import pandas as pd

    d = pd.DatetimeIndex(np.unique(np.asarray(parsed.values)))
    if len(d) < 3:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.infer_freq(d) is not None
        except (TypeError, ValueError):
            return False


def parse_dates(col, rows, name, column, dayfirst=None, date_format=None):
    """Parse a date column one way for every row.

    Parameters
    ----------
    col : pandas.Series
        Strings, numbers or datetimes.
    rows : numpy.ndarray
        The file row of each entry, for messages.
    name, column : str
        File and column, for messages.
    dayfirst : bool, optional
        Read ambiguous dates day-first (True) or month-first (False).
    date_format : str, optional
        A ``strftime`` format used for every row.

    Returns
    -------
    (pandas.Index, list of str)
        A DatetimeIndex (or an integer Index for whole-number time steps)
        aligned with ``col``, and notes on how the column was read.
    """
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        idx = pd.DatetimeIndex(col)
        _no_missing(idx.isna(), col, rows, name, column)
        if idx.tz is None:
            return idx, []
        idx, note = aware_index(idx, rows, name, column)
        return idx, [note]
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
        col.dtype
    ):
        return numeric_dates(col, rows, name, column)
    codes, uniq = pd.factorize(col)  # distinct values: parsed once each
    uniq = pd.Series(uniq, dtype=object).astype(str).str.strip()
    missing = (codes < 0) | uniq.str.lower().isin(NA_STRINGS).to_numpy()[codes]
    _no_missing(missing, col, rows, name, column)
    if uniq.str.fullmatch(r"[+-]?\d+").all():
        return numeric_dates(pd.to_numeric(uniq).to_numpy()[codes], rows, name, column)
    codes2, uniq = pd.factorize(uniq)  # " 2020-01-01" and "2020-01-01" are one
    codes = codes2[codes]
    uniq = np.asarray(uniq, dtype=object)
    parsed, note = _choose(uniq, col, codes, rows, name, column, dayfirst, date_format)
    notes = [note] if note else []
    first = np.asarray(rows)[pd.Series(codes).drop_duplicates().sort_values().index]
    offsets = text_offsets(uniq, first, name, column)
    if offsets is not None:  # aware dates: on their own clock, not UTC
        parsed, zone_note = local_clock(parsed, offsets, first, name, column)
        notes.append(zone_note)
    out = pd.DatetimeIndex(parsed[codes])
    return out, notes


def _no_missing(missing, col, rows, name, column) -> None:
    missing = np.asarray(missing)
    if missing.any():
        row = int(rows[int(np.argmax(missing))])
        raise DataError("missing date", name, row, column)


def _formats(dayfirst, date_format) -> list[str]:
    if date_format is not None:
        return [date_format]
    if dayfirst is True:
        return NEUTRAL + DAY_FIRST
    if dayfirst is False:
        return NEUTRAL + MONTH_FIRST
    return NEUTRAL + DAY_FIRST + MONTH_FIRST


def _choose(uniq, text, codes, rows, name, column, dayfirst, date_format):
    """The one reading of the distinct values, and a note when it was a choice."""
    found = readings(uniq, _formats(dayfirst, date_format))
    if not found:
        _refuse_unparsable(uniq, codes, rows, name, column, dayfirst, date_format)
    distinct: dict[bytes, str] = {}
    for fmt, p in found.items():
        distinct.setdefault(p.asi8.tobytes(), fmt)
    fmts = list(distinct.values())
    note = None
    if len(fmts) > 1:
        regular = [f for f in fmts if _regular(found[f])]
        if len(regular) != 1:
            _refuse_ambiguous(found, fmts, regular, codes, rows, text, name, column)
        other = next(f for f in fmts if f != regular[0])
        note = (
            f"dates in column {column!r} read as {label(regular[0])}: the only "
            f"reading that gives a regular calendar ({label(other)} does not)"
        )
        fmts = regular
    fmt = fmts[0]
    if "%y" in fmt:
        years = f"read as {label(fmt)}, two-digit years as 1969-2068"
        note = f"{note}; {years}" if note else f"dates in column {column!r} {years}"
    return found[fmt].to_numpy(), note


def _refuse_unparsable(uniq, codes, rows, name, column, dayfirst, date_format):
    """The first row no single format reads, with the format most rows follow."""
    if all(_TIME_ONLY.match(str(u)) for u in uniq[:_SAMPLE]):
        raise DataError(
            f"times without a date ({uniq[0]!r}); give full dates", name, None, column
        )
    best, best_ok = None, None
    for fmt in _formats(dayfirst, date_format):
        p = _parse(uniq, fmt)
        if p is not None and (best_ok is None or p.notna().sum() > best_ok.sum()):
            best, best_ok = fmt, p.notna()
    ok = np.zeros(len(uniq), bool) if best_ok is None else np.asarray(best_ok)
    first_bad = int(np.flatnonzero(~ok[codes])[0])
    shown = str(uniq[codes[first_bad]])
    how = ""
    if best is not None and ok.any():
        how = f" (other rows read as {label(best)}; one format per column)"
    elif date_format is not None:
        how = f" (date_format {date_format!r})"
    row = int(rows[first_bad])
    raise DataError(f"unparsable date {shown!r}{how}", name, row, column)


def _refuse_ambiguous(found, fmts, regular, codes, rows, text, name, column):
    """Two readings, both or neither regular: name the column and two rows."""
    a, b = found[fmts[0]], found[fmts[1]]
    differ = np.flatnonzero(a.asi8[codes] != b.asi8[codes])
    ex = ", ".join(f"row {rows[i]} {str(text.iloc[i]).strip()!r}" for i in differ[:2])
    why = "both give" if len(regular) > 1 else "neither gives"
    raise DataError(
        f"dates read both as {label(fmts[0])} and as {label(fmts[1])} and {why} a "
        f"regular calendar (e.g. {ex}); pass dayfirst=True/False or date_format",
        name,
        None,
        column,
    )


def numeric_dates(col, rows, name, column):
    """Whole numbers as dates: years (2004), YYYYMMDD, or an integer time index."""
    import pandas as pd

    if hasattr(col, "to_numpy"):
        col = col.to_numpy(dtype=np.float64, na_value=np.nan)
    vals = np.asarray(col, dtype=np.float64)
    _no_missing(np.isnan(vals), col, rows, name, column)
    frac = vals != np.round(vals)
    if frac.any():
        i = int(np.argmax(frac))
        raise DataError(
            f"expected a date or a whole-number time step, got {vals[i]:g}",
            name,
            int(rows[i]),
            column,
        )
    ints = vals.astype(np.int64)
    lo, hi = int(ints.min()), int(ints.max())
    if 1000 <= lo and hi <= 2999:
        years = pd.to_datetime(ints.astype(str), format="%Y")
        return pd.DatetimeIndex(years), []
    if 19000101 <= lo and hi <= 21001231:
        parsed = _parse(ints.astype(str), "%Y%m%d")
        if parsed is not None and parsed.notna().all():
            return parsed, []
    if 20000 <= lo and hi <= 80000 and column.lower() in EXCEL_NAMES:
        raise DataError(
            f"whole numbers like {lo} look like spreadsheet serial day numbers; "
            "save the dates as text (YYYY-MM-DD)",
            name,
            None,
            column,
        )
    note = (
        f"column {column!r} holds whole numbers, not dates: read as an integer "
        "time index"
    )
    return pd.Index(ints, dtype=np.int64), [note]


def second_date_column(table, cols, date_col, dates, rows, name, keep=()):
    """``(dates, notes, time column or None)``: a time-of-day column joined to
    the dates, or refused.

    ``date,time,value``: a column of times alone beside dates without a time
    of day is read with them as one timestamp (noted); beside dates that have
    one it is refused naming both. ``start,end,value``: a second column of
    dates is refused naming both (a column of dates never names series).
    ``keep``: columns the caller chose for another role (left alone).
    """
    import pandas as pd

    for c in cols:
        if c == date_col or c in keep or pd.api.types.is_numeric_dtype(table[c]):
            continue
        text = table[c].astype(str).str.strip()
        if table[c].isna().any() or text.str.lower().isin(NA_STRINGS).any():
            continue
        uniq = text.unique()
        if all(_TIME_ONLY.match(u) for u in uniq[:_SAMPLE]) and all(
            _TIME_ONLY.match(u) for u in uniq
        ):
            return (*_joined(text, dates, rows, name, date_col, c), c)
        if isinstance(dates, pd.DatetimeIndex) and readings(
            uniq[:_SAMPLE], NEUTRAL + DAY_FIRST + MONTH_FIRST
        ):
            raise DataError(
                f"columns {date_col!r} and {c!r} both hold dates; the values need "
                "one date column: remove the other from the data (a column of "
                "dates cannot name series)",
                name,
            )
    return dates, [], None


def _joined(text, dates, rows, name, date_col, time_col):
    """Dates plus a column of times of day, as one timestamp."""
    import pandas as pd

    if not isinstance(dates, pd.DatetimeIndex) or (dates != dates.normalize()).any():
        raise DataError(
            f"columns {date_col!r} and {time_col!r}: {time_col!r} holds times of "
            f"day, but {date_col!r} already has times (or is not dates); give one "
            "timestamp column",
            name,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times = pd.to_datetime("2000-01-01 " + text, errors="coerce")
    if times.isna().any():
        i = int(np.argmax(times.isna().to_numpy()))
        raise DataError(f"unreadable time {text.iloc[i]!r}", name, int(rows[i]),
                        time_col)  # fmt: skip
    of_day = pd.DatetimeIndex(times) - pd.DatetimeIndex(times).normalize()
    out = pd.DatetimeIndex(dates + of_day.to_numpy())
    note = f"columns {date_col!r} and {time_col!r} read as one timestamp"
    return out, [note]
