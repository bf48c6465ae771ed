"""A series' calendar: the one stated (``freq=``), or the one its dates follow.

Dates absent from a regular calendar are gaps (refused, filled or dropped by
:mod:`.series`); a business-daily series whose absent weekdays look like
exchange holidays keeps them absent, named in a note; dates on no calendar
(irregular) become integer time steps, with a note. Every step is counted on
the dates themselves, never on ``asi8`` (whose unit is ns under pandas 2 and
us under pandas 3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from .dataset import calendar_offset, frequency_word, infer_frequency

HOLIDAY_SHARE = 0.06  # absent weekdays up to this share of a trading calendar
HOLIDAY_RUN = 4  # and never more than this many in a row (else: a gap)
SHOWN = 3  # absent dates named in a note or message


def check_freq(freq, name: str | None = None):
    """The pandas offset of a ``freq=`` alias ("D", "B", "C", "MS", "h", "15min").

    Raises
    ------
    DataError
        Naming ``freq`` (``--freq`` on the command line) for anything else.
    """
    if freq is None:
        return None
    if not isinstance(freq, str) or not freq.strip():
        raise DataError(f"freq: expected a pandas offset alias such as 'D', 'B' or "
                        f"'MS', got {freq!r}", name)  # fmt: skip
    try:
        offset = pd.tseries.frequencies.to_offset(freq.strip())
    except (ValueError, TypeError):
        offset = None
    if offset is None or frequency_word(offset.freqstr) is None:
        raise DataError(
            f"freq: {freq!r} is not a pandas offset alias this reader knows (e.g. "
            "D, B, C, W, MS, ME, QS, YS, h, 30min)",
            name,
        )
    return offset


def calendar_of(dates, freq=None):
    """``(word, alias, offset)`` of the dates, or of ``freq`` when it is given.

    ``offset`` is None where the dates follow no calendar (irregular, or an
    integer time index).
    """
    if freq is not None:
        offset = check_freq(freq)
        return frequency_word(offset.freqstr), offset.freqstr, offset
    word, alias = infer_frequency(dates)
    if not isinstance(dates, pd.DatetimeIndex) or word == "irregular":
        return word, alias, None
    offset = calendar_offset(dates, word, alias)
    if alias is None:
        alias = _anchored(offset, word, dates[0]) or _alias(offset)
        if alias is not None:
            offset = pd.tseries.frequencies.to_offset(alias)
    return word, alias, offset


def _anchored(offset, word, first) -> str | None:
    """Quarters and years of month starts or ends as pandas names them,
    anchored on the first date's month ("QS-FEB", "YE-DEC")."""
    if word not in ("quarterly", "yearly"):
        return None
    kind = {pd.offsets.MonthBegin: "S", pd.offsets.MonthEnd: "E"}.get(type(offset))
    if kind is None:
        return None
    month = pd.Timestamp(first).strftime("%b").upper()
    return f"{'Q' if word == 'quarterly' else 'Y'}{kind}-{month}"


def _alias(offset) -> str | None:
    """A pandas alias for an offset found without one (None for ``DateOffset``)."""
    if isinstance(offset, pd.Timedelta):
        days = offset / pd.Timedelta(days=1)
        if days == int(days):  # pandas 3 would say "24h"
            return "D" if days == 1 else f"{int(days)}D"
        offset = pd.tseries.frequencies.to_offset(offset)
    text = getattr(offset, "freqstr", None)
    return text if text and not text.startswith("<") else None


def full_calendar(dates: pd.DatetimeIndex, offset):
    """Every date of the calendar from the first to the last (None if none)."""
    try:
        full = pd.date_range(dates[0], dates[-1], freq=offset, unit=dates.unit)
    except (ValueError, TypeError, OverflowError):
        return None
    return full if len(full) and full[0] == dates[0] else None


def off_calendar(dates: pd.DatetimeIndex, offset) -> int | None:
    """The position of the first date not on the calendar (None: all are)."""
    full = full_calendar(dates, offset)
    if full is None:
        return 0
    pos = full.get_indexer(dates)
    bad = np.flatnonzero(pos < 0)
    return int(bad[0]) if bad.size else None


def holidays(full: pd.DatetimeIndex, pos: np.ndarray) -> pd.DatetimeIndex | None:
    """The absent business days, if they look like holidays (few, short runs)."""
    present = np.zeros(len(full), bool)
    present[pos] = True
    absent = np.flatnonzero(~present)
    if len(absent) > HOLIDAY_SHARE * len(full):
        return None
    runs = np.split(absent, np.flatnonzero(np.diff(absent) != 1) + 1)
    if max(len(r) for r in runs) > HOLIDAY_RUN:
        return None
    return full[absent]


def shown(dates) -> str:
    """The first few dates as YYYY-MM-DD, and how many more."""
    text = ", ".join(str(d.date()) for d in dates[:SHOWN])
    return text + (f" and {len(dates) - SHOWN} more" if len(dates) > SHOWN else "")


def as_steps(dates) -> pd.Index:
    """An integer time index 0, 1, 2, ... in place of irregular dates."""
    return pd.Index(np.arange(len(dates), dtype=np.int64))


def irregular_note(dates) -> str:
    """Why irregular dates became time steps: their shortest and longest spacing."""
    steps = np.diff(np.asarray(dates.values).astype("datetime64[s]")).astype(np.int64)
    lo, hi = (pd.Timedelta(int(v), unit="s") for v in (steps.min(), steps.max()))
    return (
        f"the dates follow no regular calendar (spacing from {lo} to {hi}): read "
        "as time steps 0, 1, 2, ...; forecasts are numbered steps (pass freq= / "
        "--freq to state a calendar)"
    )
