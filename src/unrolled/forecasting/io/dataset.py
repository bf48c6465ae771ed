"""The dataset types: named, dated series, and the reading rules they share.

A :class:`Dataset` holds :class:`Series` (name, sorted dates, float64 values)
with the inferred frequency and notes on anything a loader changed; the
constants here are the limits and column names every loader applies.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ...errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

MIN_LENGTH = 3  # the shortest series any loader accepts
MAX_ABS = 1e15  # larger magnitudes are rejected: a unit or parsing mistake
MAX_FILE_BYTES = 256 * 2**20  # a CSV bigger than this is refused up front
FILLS = ("ffill", "interpolate", "drop")

DATE_NAMES = ("date", "datetime", "time", "timestamp", "ds", "day", "month", "year")
DATE_NAMES += ("period", "week", "quarter")
SERIES_NAMES = ("symbol", "ticker", "series", "name", "id", "unique_id", "key")
SERIES_NAMES += ("company", "stock", "item", "group")
VALUE_NAMES = ("price", "value", "close", "adj_close", "adj close", "y", "target")
VALUE_NAMES += ("count", "amount", "level")
NA_STRINGS = frozenset(
    [
        "",
        "na",
        "nan",
        "nat",
        "n/a",
        "#n/a",
        "null",
        "none",
        "nil",
        "-",
        ".",
        "?",
        "missing",
    ]
)


@dataclass(frozen=True)
class Series:
    """One named time series: sorted, unique ``dates`` and float64 ``values``.

    ``dates`` is a ``pandas.DatetimeIndex``, or an integer ``pandas.Index``
    (time steps) for data that came without dates.
    """

    name: str
    dates: pd.Index
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class Dataset:
    """Several series with their inferred frequency, source and loader notes.

    ``frequency`` is a word ("monthly", "daily", "business-daily", "weekly",
    "quarterly", "yearly", "hourly", "half-hourly", "every 15 minutes", ... or
    "irregular"; "steps" for an integer time index);
    ``pandas_freq`` the pandas offset alias when one was inferred; ``unit``
    the values' unit where the data say it (the bundled sets), else None.
    """

    series: list[Series]
    frequency: str
    source: str
    notes: list[str] = field(default_factory=list)
    pandas_freq: str | None = None
    unit: str | None = None

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.series]

    @property
    def lengths(self) -> dict[str, int]:
        return {s.name: len(s) for s in self.series}

    def __len__(self) -> int:
        return len(self.series)

    def __iter__(self):
        return iter(self.series)

    def __getitem__(self, key: int | str) -> Series:
        if isinstance(key, str):
            for s in self.series:
                if s.name == key:
                    return s
            raise KeyError(f"no series {key!r}; available: {', '.join(self.names)}")
        return self.series[key]

    def to_frame(self) -> pd.DataFrame:
        """The data in long form: columns ``date``, ``series``, ``value``."""
        import pandas as pd

        parts = [
            pd.DataFrame({"date": s.dates, "series": s.name, "value": s.values})
            for s in self.series
        ]
        return pd.concat(parts, ignore_index=True)


# ----------------------------------------------------------------------------
# frequency

_FREQ_WORDS = {
    code: word
    for word, codes in [
        ("business-daily", "B C"),
        ("daily", "D"),
        ("weekly", "W"),
        ("semi-monthly", "SM SMS"),
        ("monthly", "MS ME M BMS BME"),
        ("quarterly", "QS QE Q BQS BQE"),
        ("yearly", "YS YE Y BYS BYE A AS"),
        ("hourly", "h H"),
        ("minutely", "min T"),
        ("secondly", "s S"),
    ]
    for code in codes.split()
}
# the unit of "every N <unit>" for each word, and its length in seconds
_UNITS = {
    "business-daily": ("business days", None),
    "daily": ("days", 86400),
    "weekly": ("weeks", 7 * 86400),
    "semi-monthly": ("half-months", None),
    "monthly": ("months", None),
    "quarterly": ("quarters", None),
    "yearly": ("years", None),
    "hourly": ("hours", 3600),
    "minutely": ("minutes", 60),
    "secondly": ("seconds", 1),
}
_SECONDS = {f"every {n} {unit}": n * sec for n in range(2, 3601)
            for unit, sec in [("hours", 3600), ("minutes", 60), ("seconds", 1),
                              ("days", 86400)]
            if n * sec <= 86400 * 7}  # fmt: skip
_SEASONS = {
    "business-daily": 5,
    "daily": 7,
    "weekly": 52,
    "semi-monthly": 24,
    "monthly": 12,
    "quarterly": 4,
    "hourly": 24,
    "half-hourly": 48,
    "minutely": 1440,
}


def frequency_word(alias: str | None) -> str | None:
    """The English label of a pandas offset alias, or None if it is not one we know.

    ``"MS"`` -> ``"monthly"``, ``"B"`` -> ``"business-daily"``, ``"30min"`` ->
    ``"half-hourly"``, ``"15min"`` -> ``"every 15 minutes"``, ``"2h"`` ->
    ``"every 2 hours"``.
    """
    m = re.match(r"^(\d*)([A-Za-z]+)", alias or "")
    if not m:
        return None
    mult, base = (int(m.group(1)) if m.group(1) else 1), m.group(2)
    if base not in _FREQ_WORDS:
        return None
    word = _FREQ_WORDS[base]
    if mult == 1:
        return word
    if word == "minutely" and mult == 30:
        return "half-hourly"
    return f"every {mult} {_UNITS[word][0]}"


def season_length(frequency: str | None) -> int | None:
    """The seasonal period of a frequency: how many steps make one natural cycle.

    Parameters
    ----------
    frequency : str or None
        A frequency word as in :attr:`Dataset.frequency` ("business-daily",
        "daily", "hourly", "half-hourly", "every 15 minutes", ...).

    Returns
    -------
    int or None
        business-daily 5 (a week), daily 7, hourly 24, half-hourly 48 and any
        "every N minutes/hours" that divides a day: steps per day; weekly 52,
        monthly 12, quarterly 4 (a year); None for yearly, irregular, integer
        steps and unknown words (no season).
    """
    if frequency in _SEASONS:
        return _SEASONS[frequency]
    sec = _SECONDS.get(frequency or "")
    if sec is not None and sec < 86400 and 86400 % sec == 0:
        return 86400 // sec
    return None


def infer_frequency(dates: pd.Index) -> tuple[str, str | None]:
    """Return ``(word, pandas_alias)`` for sorted dates.

    Uses ``pandas.infer_freq``; where that fails (gaps, holidays), falls back
    on the median spacing: about 1 day -> "daily", 7 -> "weekly", 28-31 ->
    "monthly", 89-92 -> "quarterly", 365-366 -> "yearly", else "irregular".
    An integer index (time steps, no dates) is ``("steps", None)``.
    """
    import pandas as pd

    if not isinstance(dates, pd.DatetimeIndex):
        return "steps", None
    alias = None
    if len(dates) >= 3:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # str vs offset: pandas 4 change
                alias = pd.infer_freq(dates)
            alias = getattr(alias, "freqstr", alias)
        except (TypeError, ValueError):
            alias = None
    word = frequency_word(alias)
    if word is not None:
        return word, alias
    if len(dates) < 2:
        return "irregular", alias
    days = median_step_ns(dates) / (86400.0 * 10**9)
    if 0.99 <= days <= 1.6 and business_days_only(dates):
        return "business-daily", alias
    for lo, hi, word in [
        (0.99, 1.01, "daily"),
        (1.0, 1.6, "business-daily"),
        (6.5, 7.5, "weekly"),
        (27.5, 31.5, "monthly"),
        (88.5, 92.5, "quarterly"),
        (364.5, 366.5, "yearly"),
        (1 / 24 - 1e-6, 1 / 24 + 1e-6, "hourly"),
        (1 / 48 - 1e-6, 1 / 48 + 1e-6, "half-hourly"),
    ]:
        if lo <= days <= hi:
            return word, alias
    return _multiples(dates), alias


def _multiples(dates) -> str:
    """ "every N minutes" (...) for steps that are all whole multiples of the
    median one (a regular calendar with gaps), else "irregular"."""
    import pandas as pd

    steps = np.diff(np.asarray(dates.values).astype("datetime64[ns]")).astype(np.int64)
    step = int(np.median(steps))
    if step <= 0 or step % 10**9 or (steps % step).any() or step > 7 * 86400 * 10**9:
        return "irregular"
    alias = pd.tseries.frequencies.to_offset(pd.Timedelta(step, unit="ns")).freqstr
    return frequency_word(alias) or "irregular"


def business_days_only(dates) -> bool:
    """True for dates on weekdays only, at one time of day, across two weekends.

    Such a series, where pandas names no frequency, is a trading calendar:
    business days with some (holi)days absent.
    """
    if len(dates) < 3 or (dates[-1] - dates[0]).days < 14:
        return False
    if (dates.day_of_week >= 5).any():
        return False
    return bool((dates == dates.normalize()).all() or len(set(dates.time)) == 1)


def calendar_offset(dates: pd.DatetimeIndex, word: str, alias: str | None = None):
    """The pandas offset of a calendar: ``alias``'s, or guessed from ``word``.

    Where pandas could not infer a frequency (gaps), monthly dates all on
    month ends give ``MonthEnd``, all on the 1st ``MonthBegin``; business-daily
    ``BDay``; others the median spacing.
    """
    import pandas as pd

    if alias:
        return pd.tseries.frequencies.to_offset(alias)

    if word == "business-daily":
        return pd.offsets.BDay()
    if word in ("monthly", "quarterly", "yearly"):
        months = {"monthly": 1, "quarterly": 3, "yearly": 12}[word]
        if dates.is_month_end.all():
            return pd.offsets.MonthEnd(months)
        if (dates.day == 1).all():
            return pd.offsets.MonthBegin(months)
        return pd.DateOffset(months=months)
    return pd.Timedelta(int(median_step_ns(dates)), unit="ns")


def median_step_ns(dates) -> float:
    """The median spacing of sorted dates in nanoseconds, whatever their unit.

    ``asi8`` counts in the index's own unit (ns under pandas 2, us for parsed
    text under pandas 3), so the spacing is taken on ``datetime64[ns]``
    differences; one date alone: a day.
    """
    if len(dates) < 2:
        return 86400.0 * 10**9
    steps = np.diff(np.asarray(dates.values).astype("datetime64[ns]"))
    return float(np.median(steps.astype(np.int64)))


def future_dates(data, h: int, frequency: str | None = None):
    """The ``h`` dates after the end of a series, on its own calendar.

    Business days skip weekends, month ends stay month ends, half-hours
    advance by 30 minutes; an integer time index continues (101, 102, ...).

    Parameters
    ----------
    data : Dataset, Series or pandas Index
        Whose end to continue. A :class:`Dataset` gives one index per series.
    h : int
        How many dates, >= 1.
    frequency : str, optional
        A pandas alias ("B", "ME", "30min") to use instead of the inferred one
        (a Dataset's ``pandas_freq`` is used when it has one).

    Returns
    -------
    pandas.DatetimeIndex or pandas.Index of int64
        For a Series or Index; for a Dataset, a dict ``{series name: index}``.
    """
    import pandas as pd

    if isinstance(h, bool) or not isinstance(h, int | np.integer) or h < 1:
        raise InputError(f"h: expected a whole number >= 1, got {h!r}")
    if isinstance(data, Dataset):
        alias = frequency or data.pandas_freq
        return {s.name: future_dates(s, int(h), alias) for s in data.series}
    dates = data.dates if isinstance(data, Series) else data
    if not isinstance(dates, pd.Index) or len(dates) == 0:
        raise InputError(
            f"data: expected a Dataset, Series or non-empty pandas Index, "
            f"got {type(data).__name__}"
        )
    if not isinstance(dates, pd.DatetimeIndex):
        ints = np.asarray(dates, dtype=np.int64)
        step = int(np.median(np.diff(ints))) if len(ints) > 1 else 1
        return pd.Index(ints[-1] + step * np.arange(1, h + 1), dtype=np.int64)
    word, alias = (None, frequency) if frequency else infer_frequency(dates)
    offset = calendar_offset(dates, word or "", alias)
    last = dates[-1]
    return pd.DatetimeIndex([last + k * offset for k in range(1, h + 1)])
