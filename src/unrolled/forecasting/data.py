"""Loading time series: CSV files, DataFrames, dicts of arrays, bundled data sets.

Every loader returns a :class:`Dataset`: named series, each with sorted dates
and float64 values, plus the inferred frequency and notes on anything the
loader changed (gaps filled or dropped). Bad input raises :class:`DataError`
(a ``ValueError``) whose one-line message names the file, the row (1-based as
in the file, the header is row 1) and the column; no byte content produces
anything else.

pandas is imported inside the functions, so ``import unrolled`` stays light::

    from unrolled.forecasting.data import load_csv, load_bundled
    ds = load_csv("prices.csv")          # long, wide or single-series form
    ds = load_bundled("stocks")          # AAPL, AMZN, GOOG, IBM, MSFT monthly
"""

from __future__ import annotations

import os
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DataError
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
    import pandas as pd

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
    from .reader import build, parse_table, read_text

    name = os.fspath(path)
    text = read_text(name)
    table = parse_table(text, name)
    rows = np.asarray(table.index, dtype=np.int64)
    return build(table, rows, name, date_col, series_col, value_col, fill)


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

    from .reader import build

    if not isinstance(df, pd.DataFrame):
        raise DataError(f"expected a pandas DataFrame, got {type(df).__name__}", source)
    if isinstance(df.index, pd.DatetimeIndex):
        idx_name = df.index.name or "date"
        df = df.reset_index(names=idx_name)
        date_col = date_col or idx_name
    table = df.copy()
    table.columns = [str(c).strip() for c in table.columns]
    rows = np.arange(1, len(table) + 1)
    return build(table, rows, source, date_col, series_col, value_col, fill)


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

    from .reader import as_float, finish_series, longest

    if not isinstance(data, dict) or not data:
        raise DataError("expected a non-empty dict of name -> values", source)
    out, notes = [], []
    synthetic = False
    for key, vals in data.items():
        label = str(key)
        if isinstance(vals, pd.Series) and isinstance(vals.index, pd.DatetimeIndex):
            dates = vals.index
            arr = as_float(vals.to_numpy(), source, label)
        else:
            arr = as_float(vals, source, label)
            dates = pd.date_range(end=end, periods=len(arr), freq=freq or "D")
            synthetic = True
        out.append(finish_series(label, dates, arr, None, source, None))
    if synthetic and freq is None:
        notes.append("no dates given: values are equally spaced steps")
    ds = Dataset(out, "steps", source, notes)
    if not (synthetic and freq is None):
        ds.frequency, ds.pandas_freq = infer_frequency(longest(out).dates)
    return ds


def as_dataset(data) -> Dataset:
    """A :class:`Dataset` from anything the forecasting API takes.

    A Dataset is returned as is; a dict of arrays goes to :func:`from_dict`,
    a list or tuple of arrays is named ``series_0``, ``series_1``, ...; a
    pandas DataFrame goes to :func:`from_frame`. Anything else is a
    ValueError naming ``data``.
    """
    if isinstance(data, Dataset):
        return data
    if isinstance(data, dict):
        return from_dict(data)
    if isinstance(data, list | tuple):
        return from_dict({f"series_{i}": v for i, v in enumerate(data)})
    if type(data).__name__ == "DataFrame":
        return from_frame(data)
    raise ValueError(
        "data: expected a Dataset, DataFrame, dict or list of arrays, "
        f"got {type(data).__name__}"
    )


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

