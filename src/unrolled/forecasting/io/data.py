"""Loading time series: CSV files, DataFrames, dicts of arrays, bundled data sets.

Every loader returns a :class:`Dataset`: named series, each with sorted dates
and float64 values, plus the inferred frequency and notes on anything the
loader changed (gaps filled or dropped). Bad input raises :class:`DataError`
(a ``ValueError``) whose one-line message names the file, the row (1-based as
in the file, the header is row 1) and the column; no byte content produces
anything else.

pandas is imported inside the functions, so ``import unrolled`` stays light::

    from unrolled.forecasting.io.data import load_csv, load_bundled
    ds = load_csv("prices.csv")          # long, wide or single-series form
    ds = from_frame(df)                  # Nixtla, yfinance, wide, Series
    ds = load_bundled("stocks")          # AAPL, AMZN, GOOG, IBM, MSFT monthly
"""

from __future__ import annotations

import os
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import DataError, InputError
from .dataset import (  # noqa: F401  (re-exported: the loaders' public names)
    DATE_NAMES,
    FILLS,
    MAX_ABS,
    MAX_FILE_BYTES,
    MIN_LENGTH,
    NA_STRINGS,
    SERIES_NAMES,
    VALUE_NAMES,
    Dataset,
    Series,
    infer_frequency,
)

if TYPE_CHECKING:  # pragma: no cover
    pass

BUNDLED = {
    "stocks": {
        "file": "stocks.csv",
        "description": "Monthly closing prices of AAPL, AMZN, GOOG, IBM, MSFT, "
        "2000-01 to 2010-03 (GOOG from 2004-08); vega-datasets",
        "unit": "USD",
    },
    "co2": {
        "file": "co2.csv",
        "description": "Monthly mean atmospheric CO2 (ppm) at Mauna Loa, 1965-01 to "
        "2001-12: trend and yearly season; NOAA/Scripps, public domain",
        "unit": "ppm",
    },
    "sunspots": {
        "file": "sunspots.csv",
        "description": "Yearly sunspot activity 1700-2008: the ~11-year solar cycle; "
        "NOAA NGDC, public domain",
        "unit": "sunspot number",
    },
}


# ----------------------------------------------------------------------------
# public loaders


def load_csv(
    path: str | os.PathLike,
    date_col: str | None = None,
    series_col: str | None = None,
    value_col: str | None = None,
    fill: str | None = None,
    *,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    decimal: str | None = None,
    freq: str | None = None,
) -> Dataset:
    """Load a CSV file in long, wide or single-series form (or a Parquet file).

    Parameters
    ----------
    path : str or path-like
        A UTF-8 text file, comma, semicolon, tab or ``|`` separated (detected),
        with or without a header row (detected: a first row shaped like the
        second is data). A name ending in ``.parquet`` is read with pyarrow.
    date_col : str, optional
        The date column. Default: a column named like ``date``/``ds``/...,
        else the first column whose values parse as dates. Without one, a
        file of numbers only is read with an integer time index (noted).
    series_col : str, optional
        In long form (``date, symbol, price``), the column naming the series.
        Default: a column named like ``symbol``/``unique_id`` (numeric ids
        too), or the only text column.
    value_col : str, optional
        In long form, the column holding the values; on its own, selects one
        column of a wide file as a single series.
    fill : {"ffill", "interpolate", "drop"}, optional
        What to do with gaps: empty cells and dates absent from a regular
        calendar. Default: refuse them (DataError naming the row and column).
    dayfirst : bool, optional
        Read ambiguous dates (01/02/2010) day-first (True) or month-first
        (False). Default: the reading that gives a regular calendar, refused
        when both or neither do.
    date_format : str, optional
        A ``strftime`` format for every date (``"%d.%m.%Y"``).
    decimal : {".", ","}, optional
        The decimal mark of every number in the file. Default: decided by the
        evidence of the whole file; refused when "1,602" could be either.
    freq : str, optional
        The calendar, as a pandas offset alias ("D", "B", "C", "W", "MS",
        "h", "15min"): every date must be on it, and its dates absent from a
        series are gaps (refused, or handled by ``fill``; business-daily
        fills never add weekends). Default: the calendar the dates follow;
        business days with a few weekdays absent are business-daily with
        holidays (named in a note); dates on no calendar become integer
        steps (noted).

    Returns
    -------
    Dataset
        Its ``notes`` say what was chosen, filled, dropped or left unused.

    Raises
    ------
    DataError
        For any problem with the file's content, naming the file, row and
        column.
    """
    from .reader import Options, load_text

    name = os.fspath(path)
    opts = Options(
        date_col, series_col, value_col, fill, dayfirst, date_format, decimal, freq
    )
    if name.lower().endswith(".parquet"):
        return load_parquet(name, opts)
    return load_text(name, opts)


def load_parquet(path, opts=None) -> Dataset:
    """Read a Parquet file through pyarrow, then as :func:`from_frame` does."""
    from .reader import Options

    name = os.fspath(path)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(
            "reading Parquet needs pyarrow: pip install 'unrolled[parquet]'", name
        ) from None
    try:
        size = os.stat(name).st_size
    except OSError as exc:
        raise DataError(f"cannot read file ({exc.strerror or exc})", name) from None
    if size > MAX_FILE_BYTES:
        raise DataError(f"file is larger than the limit of "
                        f"{MAX_FILE_BYTES / 2**20:.0f} MiB", name)  # fmt: skip
    try:
        df = pq.read_table(name).to_pandas()
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds
        raise DataError(
            f"cannot read Parquet ({type(exc).__name__}: {exc})", name
        ) from None
    opts = opts or Options()
    return _frame(df, opts, name)


def from_frame(
    df,
    date_col: str | None = None,
    series_col: str | None = None,
    value_col: str | None = None,
    fill: str | None = None,
    source: str = "DataFrame",
    *,
    dayfirst: bool | None = None,
    date_format: str | None = None,
    freq: str | None = None,
) -> Dataset:
    """Build a Dataset from a pandas DataFrame or Series, in any common shape.

    Accepted: long frames (Nixtla's ``unique_id, ds, y`` with datetime or
    integer ``ds`` and text or numeric ids), wide frames, frames indexed by
    dates, a Series with a DatetimeIndex, and yfinance-shaped frames (flat
    OHLCV or MultiIndex columns such as ``('Close', 'AAPL')``: the adjusted
    close where present, else the close, is forecast, with a note). Columns
    not used are named in the notes. Rows in error messages count from 1
    (the first data row). See :func:`load_csv` for the parameters.
    """
    from .reader import Options

    opts = Options(date_col, series_col, value_col, fill, dayfirst, date_format,
                   freq=freq)  # fmt: skip
    return _frame(df, opts, source)


def _frame(df, opts, source: str) -> Dataset:
    import pandas as pd

    from .frames import prepare
    from .reader import build

    if isinstance(df, pd.Series):
        df = df.to_frame(name=str(df.name) if df.name is not None else "value")
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(df).__name__}", source)
    table, notes, date_col = prepare(df, source)
    if date_col is not None and opts.date_col is None:
        opts.date_col = date_col
    rows = np.arange(1, len(table) + 1)
    ds = build(table, rows, source, opts)
    ds.notes[:0] = notes
    return ds


def from_dict(
    data: dict[str, Any],
    freq: str | None = None,
    end: str = "2000-01-01",
    source: str = "dict",
) -> Dataset:
    """Build a Dataset from ``{"name": array or pandas Series}``.

    A pandas Series with a DatetimeIndex keeps its dates. Plain arrays (of any
    lengths) get an integer time index 0, 1, 2, ... (frequency ``"steps"``),
    or, with ``freq`` (a pandas alias such as ``"MS"`` or ``"D"``), a regular
    calendar ending at ``end``. Values must be finite (no gaps): fill them
    before. Two keys with the same text (``1`` and ``"1"``) are refused.
    """
    import pandas as pd

    from .series import as_float, finish_series

    if not isinstance(data, dict) or not data:
        raise DataError("expected a non-empty dict of name -> values", source)
    out, seen = [], {}
    longest_n = max(np.size(v) for v in data.values())
    for key, vals in data.items():
        label = str(key)
        if label in seen:
            raise DataError(
                f"two series named {label!r} (keys {seen[label]!r} and {key!r})",
                source,
            )
        seen[label] = key
        if isinstance(vals, pd.Series) and isinstance(vals.index, pd.DatetimeIndex):
            dates = vals.index
            arr = as_float(vals.to_numpy(), source, label)
        else:
            arr = as_float(vals, source, label)
            if freq is None:
                # arrays of different lengths end together, as dated ones would
                dates = pd.Index(np.arange(longest_n - len(arr), longest_n))
            else:
                dates = pd.date_range(end=end, periods=len(arr), freq=freq)
        out.append(finish_series(label, dates, arr, None, source, None))
    kinds = {isinstance(s.dates, pd.DatetimeIndex) for s in out}
    if len(kinds) > 1:
        raise DataError("some series have dates and some do not; give all or none",
                        source)  # fmt: skip
    steps = "no dates given: values are time steps 0, 1, 2, ..."
    notes = [] if True in kinds else [steps]
    freq_word, alias = infer_frequency(max(out, key=len).dates)
    return Dataset(out, freq_word, source, notes, alias)


def as_dataset(data, fill: str | None = None, freq: str | None = None) -> Dataset:
    """A :class:`Dataset` from anything the forecasting API takes.

    ``fill`` and ``freq`` are :func:`load_csv`'s: with either, the data are
    read again through :func:`from_frame` (a Dataset from its long form).
    Without them, a Dataset is returned as is; a dict of arrays goes to
    :func:`from_dict`;
    a 1-D array or list of numbers is one series named ``series_0`` with an
    integer time index; a list or tuple of arrays is named ``series_0``,
    ``series_1``, ...; a pandas DataFrame or Series goes to
    :func:`from_frame`. Anything else is a ValueError naming ``data``.
    """
    if fill is not None or freq is not None:
        return _restated(data, fill, freq)
    if isinstance(data, Dataset):
        return data
    if isinstance(data, dict):
        return from_dict(data)
    if type(data).__name__ in ("DataFrame", "Series"):
        return from_frame(data)
    if isinstance(data, np.ndarray):
        if data.ndim != 1:
            raise InputError(
                f"data: expected a 1-D array (one series), got shape {data.shape}; "
                "pass a DataFrame or a dict of named columns"
            )
        return from_dict({"series_0": data})
    if isinstance(data, list | tuple):
        if data and all(np.ndim(v) == 0 for v in data):
            return from_dict({"series_0": data})
        return from_dict({f"series_{i}": v for i, v in enumerate(data)})
    raise InputError(
        "data: expected a Dataset, DataFrame, Series, dict, array or list, "
        f"got {type(data).__name__}"
    )


def _restated(data, fill, freq) -> Dataset:
    """``data`` read with ``fill``/``freq``, through its long form."""
    if type(data).__name__ in ("DataFrame", "Series"):
        return from_frame(data, fill=fill, freq=freq)
    ds = as_dataset(data)
    import pandas as pd

    if not all(isinstance(s.dates, pd.DatetimeIndex) for s in ds.series):
        if freq is not None:
            raise DataError(f"freq: the data have no dates to put on the {freq!r} "
                            "calendar", ds.source)  # fmt: skip
        if fill is not None and fill not in FILLS:
            raise DataError(f"fill: expected one of {', '.join(FILLS)} or None, "
                            f"got {fill!r}", ds.source)  # fmt: skip
        return ds  # values given in Python have no gaps to fill
    long = ds.to_frame()
    out = from_frame(long, "date", "series", "value", fill, ds.source, freq=freq)
    out.notes[:0] = [n for n in ds.notes if n not in out.notes]
    return out


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
    ds.unit = BUNDLED[name]["unit"]
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
