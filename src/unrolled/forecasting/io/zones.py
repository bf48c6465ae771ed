"""Dates with a time zone, read on their own clock.

``2000-01-01T00:00:00+02:00`` is the first of January where it was written;
converted to UTC it would be the 31st of December at 22:00, and a monthly
series would become month ends of the month before. So aware dates keep
their wall-clock dates and times (the zone is named in a note) and forecasts
are dated on that clock. Two offsets are accepted only as daylight saving
(two offsets an hour or less apart, changing a few times a year): daily or
coarser dates keep their local dates; hourly ones, where the local clock
repeats or skips an hour, are read on the clock of the last offset, where
they stay regular. Any other mix of offsets changes the calendar and is
refused, naming two rows.
"""

from __future__ import annotations

import math
import re

import numpy as np

from ...errors import DataError

_OFFSET = r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)$"


def offset_text(minutes: int) -> str:
    """+02:00, -05:30, +00:00."""
    sign = "-" if minutes < 0 else "+"
    h, m = divmod(abs(int(minutes)), 60)
    return f"{sign}{h:02d}:{m:02d}"


def text_offsets(uniq, first_rows, name, column) -> np.ndarray | None:
    """Minutes east of UTC of each distinct date text; None when none has a zone.

    Raises
    ------
    DataError
        When some dates carry an offset and some do not, naming one of each.
    """
    import pandas as pd

    found = (
        pd.Series(uniq, dtype=object)
        .astype(str)
        .str.extract(_OFFSET, flags=re.I, expand=False)
    )
    has = found.notna().to_numpy()
    if not has.any():
        return None
    if not has.all():
        a, b = int(np.argmax(has)), int(np.argmax(~has))
        raise DataError(
            f"some dates carry a UTC offset and some do not (row {first_rows[a]} "
            f"{uniq[a]!r}, row {first_rows[b]} {uniq[b]!r}); give all in one zone",
            name,
            None,
            column,
        )
    out = np.zeros(len(uniq), np.int64)
    for k, text in enumerate(found):
        if text.upper() == "Z":
            continue
        digits = text[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
        out[k] = minutes if text[0] == "+" else -minutes
    return out


def local_clock(utc, offsets, first_rows, name, column, zone=None):
    """(wall-clock dates, note) of instants ``utc`` written at ``offsets`` (minutes).

    ``utc`` and ``offsets`` are aligned arrays (distinct dates, or rows);
    ``first_rows`` the file row of each, for messages; ``zone`` the zone's
    name where one is known (a DataFrame's tz).
    """
    utc = np.asarray(utc)
    offsets = np.asarray(offsets, np.int64)
    wall = utc + offsets.astype("timedelta64[m]")
    kinds = np.unique(offsets)
    where = f"zone {zone}" if zone else "UTC offset"
    if len(kinds) == 1:
        what = f"{where} {offset_text(kinds[0])}" if not zone else where
        return wall, (
            f"dates in column {column!r} carry the {what}: read on that clock "
            "(their own dates and times); forecasts are dated on it"
        )
    order = np.argsort(utc, kind="stable")
    ordered = offsets[order]
    changes = int(np.count_nonzero(ordered[1:] != ordered[:-1]))
    years = (utc.max() - utc.min()) / np.timedelta64(365 * 86400, "s")
    dst = len(kinds) == 2 and kinds[1] - kinds[0] <= 60
    if not dst or changes > 2 * math.ceil(float(years)) + 2:
        a = int(np.argmin(first_rows))
        other = offsets != offsets[a]
        b = int(np.flatnonzero(other)[np.argmin(first_rows[other])])
        raise DataError(
            f"dates carry different UTC offsets, {offset_text(offsets[a])} (row "
            f"{first_rows[a]}) and {offset_text(offsets[b])} (row {first_rows[b]}), "
            "which change the calendar; give every date in one zone",
            name,
            None,
            column,
        )
    both = " and ".join(offset_text(k) for k in kinds)
    days = wall.astype("datetime64[D]")
    one_time = len(np.unique(wall - days)) == 1
    if one_time and len(np.unique(wall)) == len(np.unique(utc)):
        return wall, (
            f"dates in column {column!r} carry the UTC offsets {both} (daylight "
            "saving): read on the local clock; forecasts are dated on it"
        )
    last = int(ordered[-1])
    return utc + np.timedelta64(last, "m"), (
        f"dates in column {column!r} carry the UTC offsets {both} (daylight "
        "saving), where the local clock repeats or skips an hour: read on the "
        f"clock of the last offset, {offset_text(last)}; forecasts are dated on it"
    )


def aware_index(idx, rows, name, column):
    """(naive wall-clock DatetimeIndex, note) of a time-zone-aware one."""
    import pandas as pd

    utc = idx.tz_convert(None)
    minutes = (idx.tz_localize(None) - utc) // pd.Timedelta(minutes=1)
    wall, note = local_clock(
        utc.to_numpy(), np.asarray(minutes, np.int64), np.asarray(rows), name,
        column, zone=str(idx.tz),
    )  # fmt: skip
    return pd.DatetimeIndex(wall), note
