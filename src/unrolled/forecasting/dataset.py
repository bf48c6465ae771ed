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
    """One named time series: sorted, unique ``dates`` and float64 ``values``."""

    name: str
    dates: pd.DatetimeIndex
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class Dataset:
    """Several series with their inferred frequency, source and loader notes.

    ``frequency`` is a word ("monthly", "daily", "business-daily", "weekly",
    "quarterly", "yearly", "hourly", ... or "irregular"/"steps");
    ``pandas_freq`` the pandas offset alias when one was inferred.
    """

    series: list[Series]
    frequency: str
    source: str
    notes: list[str] = field(default_factory=list)
    pandas_freq: str | None = None

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


def infer_frequency(dates: pd.DatetimeIndex) -> tuple[str, str | None]:
    """Return ``(word, pandas_alias)`` for sorted dates.

    Uses ``pandas.infer_freq``; where that fails (gaps, holidays), falls back
    on the median spacing: about 1 day -> "daily", 7 -> "weekly", 28-31 ->
    "monthly", 89-92 -> "quarterly", 365-366 -> "yearly", else "irregular".
    """
    import pandas as pd

    alias = None
    if len(dates) >= 3:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # str vs offset: pandas 4 change
                alias = pd.infer_freq(dates)
            alias = getattr(alias, "freqstr", alias)
        except (TypeError, ValueError):
            alias = None
    if alias:
        m = re.match(r"^(\d*)([A-Za-z]+)", alias)
        mult, base = (int(m.group(1)) if m.group(1) else 1), m.group(2)
        if base in _FREQ_WORDS:
            word = _FREQ_WORDS[base]
            return (word if mult == 1 else f"every {mult} {word}"), alias
    if len(dates) < 2:
        return "irregular", alias
    steps = np.diff(np.asarray(dates.values, dtype="datetime64[s]")).astype(float)
    days = float(np.median(steps)) / 86400.0
    for lo, hi, word in [
        (0.99, 1.01, "daily"),
        (1.0, 1.6, "business-daily"),
        (6.5, 7.5, "weekly"),
        (27.5, 31.5, "monthly"),
        (88.5, 92.5, "quarterly"),
        (364.5, 366.5, "yearly"),
        (1 / 24 - 1e-6, 1 / 24 + 1e-6, "hourly"),
    ]:
        if lo <= days <= hi:
            return word, alias
    return "irregular", alias
