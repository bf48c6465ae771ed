"""Loading time series: CSV files, DataFrames, dicts of arrays, bundled data sets.

Every loader returns a :class:`Dataset`: named series, each with sorted dates
and float64 values, plus the inferred frequency and notes on anything the
loader changed (gaps filled or dropped). Bad input raises :class:`DataError`
(a ``ValueError``) whose one-line message names the file, the row (1-based as
in the file, the header is row 1) and the column; no byte content produces
anything else.

pandas is imported inside the functions, so ``import unrolled`` stays light::

    from unrolled.data import load_csv, load_bundled
    ds = load_csv("prices.csv")          # long, wide or single-series form
    ds = load_bundled("stocks")          # AAPL, AMZN, GOOG, IBM, MSFT monthly
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

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

BUNDLED = {
    "stocks": {
        "file": "stocks.csv",
        "description": "Monthly closing prices of AAPL, AMZN, GOOG, IBM, MSFT, "
        "2000-01 to 2010-03 (GOOG from 2004-08); vega-datasets",
    },
    "co2": {
        "file": "co2.csv",
        "description": "Monthly mean atmospheric CO2 (ppm) at Mauna Loa, 1965-01 to "
        "2001-12: trend and yearly season; NOAA/Scripps, public domain",
    },
    "sunspots": {
        "file": "sunspots.csv",
        "description": "Yearly sunspot activity 1700-2008: the ~11-year solar cycle; "
        "NOAA NGDC, public domain",
    },
}


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
        prefix = file or ""
        if where:
            prefix = f"{prefix}, {', '.join(where)}" if prefix else ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


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
# public loaders


def load_csv(
    path: str | os.PathLike,
    date_col: str | None = None,
    series_col: str | None = None,
    value_col: str | None = None,
    fill: str | None = None,
) -> Dataset:
    """Load a CSV file in long, wide or single-series form.

    Parameters
    ----------
    path : str or path-like
        A UTF-8 text file with a header row; comma, semicolon, tab or ``|``
        separated (detected from the header).
    date_col : str, optional
        The date column. Default: a column named like ``date``/``month``/...,
        else the first column whose values parse as dates.
    series_col : str, optional
        In long form (``date, symbol, price``), the column naming the series.
        Default: a text column named like ``symbol``/``ticker``/``series``, or
        the only text column.
    value_col : str, optional
        In long form, the column holding the values; on its own, selects one
        column of a wide file as a single series. Default: the only numeric
        column, or one named like ``price``/``value``/``close``.
    fill : {"ffill", "interpolate", "drop"}, optional
        What to do with missing values inside a series. Default: refuse them
        (DataError naming the row and column). The dataset's ``notes`` say
        what was filled or dropped.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        For any problem with the file's content, naming the file, row and
        column; OSError if the file cannot be read.
    """
    from .reader import _build, _parse_table, _read_text

    name = os.fspath(path)
    text = _read_text(name)
    table = _parse_table(text, name)
    rows = np.asarray(table.index, dtype=np.int64)
    return _build(table, rows, name, date_col, series_col, value_col, fill)


def from_frame(
    df: pd.DataFrame,
    date_col: str | None = None,
    series_col: str | None = None,
    value_col: str | None = None,
    fill: str | None = None,
    source: str = "DataFrame",
) -> Dataset:
    """Build a Dataset from a pandas DataFrame (long, wide or single-series form).

    A frame indexed by dates (a ``DatetimeIndex``) is read as wide form with
    the index as the date column. Rows in error messages count from 1 (the
    first data row), as they would in the CSV the frame came from minus the
    header. See :func:`load_csv` for the parameters.
    """
    import pandas as pd

    from .reader import _build

    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(df).__name__}", source)
    if isinstance(df.index, pd.DatetimeIndex):
        idx_name = df.index.name or "date"
        df = df.reset_index(names=idx_name)
        date_col = date_col or idx_name
    table = df.copy()
    table.columns = [str(c).strip() for c in table.columns]
    rows = np.arange(1, len(table) + 1)
    return _build(table, rows, source, date_col, series_col, value_col, fill)


def from_dict(
    data: dict[str, Any],
    freq: str | None = None,
    end: str = "2000-01-01",
    source: str = "dict",
) -> Dataset:
    """Build a Dataset from ``{"name": array or pandas Series}``.

    A pandas Series with a DatetimeIndex keeps its dates. Plain arrays (of any
    lengths) are laid on a regular calendar ending at ``end`` with step
    ``freq`` (a pandas alias such as ``"MS"`` or ``"D"``); without ``freq``
    the steps are days and the frequency is reported as ``"steps"``. Values
    must be finite (no gaps): fill them before.
    """
    import pandas as pd

    from .reader import _as_float, _finish_series, _longest

    if not isinstance(data, dict) or not data:
        raise DataError("expected a non-empty dict of name -> values", source)
    out, notes = [], []
    synthetic = False
    for key, vals in data.items():
        label = str(key)
        if isinstance(vals, pd.Series) and isinstance(vals.index, pd.DatetimeIndex):
            dates = vals.index
            arr = _as_float(vals.to_numpy(), source, label)
        else:
            arr = _as_float(vals, source, label)
            dates = pd.date_range(end=end, periods=len(arr), freq=freq or "D")
            synthetic = True
        out.append(_finish_series(label, dates, arr, None, source, None))
    if synthetic and freq is None:
        notes.append("no dates given: values are equally spaced steps")
    ds = Dataset(out, "steps", source, notes)
    if not (synthetic and freq is None):
        ds.frequency, ds.pandas_freq = infer_frequency(_longest(out).dates)
    return ds


def load_bundled(name: str = "stocks") -> Dataset:
    """Load a data set shipped with the package (see :func:`list_bundled`)."""
    if name not in BUNDLED:
        raise DataError(
            f"no bundled data set {name!r}; available: {', '.join(BUNDLED)}"
        )
    ref = resources.files("unrolled.forecasting") / "datasets" / BUNDLED[name]["file"]
    with resources.as_file(ref) as path:
        ds = load_csv(path)
    ds.source = f"bundled:{name}"
    return ds


def list_bundled() -> list[dict]:
    """Describe the bundled data sets: name, description, series, lengths, frequency."""
    rows = []
    for name, info in BUNDLED.items():
        ds = load_bundled(name)
        rows.append(
            {
                "name": name,
                "description": info["description"],
                "n_series": len(ds),
                "lengths": ds.lengths,
                "frequency": ds.frequency,
            }
        )
    return rows


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
