"""A CSV's text or a DataFrame -> validated series: the parsing behind ``data``.

Private: :mod:`unrolled.forecasting.data` is the public face. The fast path
is pandas' typed C parser and whole-column operations (one date format per
column, parsed on the distinct values; one ``factorize`` to group rows by
series); the slow path only runs to find the row and column of an error.
Everything here raises :class:`~unrolled.errors.DataError` naming the file,
row and column.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataError
from .dataset import FILLS, NA_STRINGS, SERIES_NAMES, Dataset
from .dates import parse_dates
from .dialect import Dialect, parse_numbers, sniff
from .layout import Layout, check_columns, choose, find_date_col
from .series import finish_dataset, make_series
from .source import read_text

NA_VALUES = sorted({v for s in NA_STRINGS for v in (s, s.upper(), s.title())})


@dataclass
class Options:
    """What the caller said about the file; None lets the evidence decide."""

    date_col: str | None = None
    series_col: str | None = None
    value_col: str | None = None
    fill: str | None = None
    dayfirst: bool | None = None
    date_format: str | None = None
    decimal: str | None = None

    def check(self) -> None:
        if self.fill is not None and self.fill not in FILLS:
            raise DataError(
                f"fill: expected one of {', '.join(FILLS)} or None, got {self.fill!r}"
            )
        if self.dayfirst is not None and not isinstance(self.dayfirst, bool):
            raise DataError(f"dayfirst: expected True, False or None, got "
                            f"{self.dayfirst!r}")  # fmt: skip
        if self.date_format is not None and "%" not in str(self.date_format):
            raise DataError(
                f"date_format: expected a strftime format such as '%d/%m/%Y', got "
                f"{self.date_format!r}"
            )


def load_text(name: str, opts: Options) -> Dataset:
    """Read, sniff, parse and build: the whole of ``load_csv``."""
    opts.check()
    text = read_text(name)
    dialect = sniff(text, name, decimal=opts.decimal)
    table, rows = parse_table(text, name, dialect)
    ds = build(table, rows, name, opts, dialect.decimal)
    ds.notes[:0] = dialect.notes
    return ds


def parse_table(text: str, name: str, dialect: Dialect):
    """CSV text -> (typed frame, 1-based file row of each frame row)."""
    skip = dialect.lead + (1 if dialect.header else 0)
    n = len(dialect.names)
    # series names stay text ("007" is not 7)
    keep_str = {j: str for j, c in enumerate(dialect.names)
                if c.lower() in SERIES_NAMES}  # fmt: skip
    try:
        df = pd.read_csv(
            io.StringIO(text), sep=dialect.sep, header=None, skiprows=skip,
            decimal=dialect.decimal, keep_default_na=False, na_values=NA_VALUES,
            skip_blank_lines=False, dtype=keep_str or None, engine="c",
        )  # fmt: skip
    except pd.errors.EmptyDataError:
        raise DataError("no data rows after the header", name) from None
    except (pd.errors.ParserError, ValueError, OverflowError, MemoryError) as exc:
        msg = str(exc).split("C error: ")[-1].strip()
        m = re.search(r"\bline (\d+)", msg)
        row = int(m.group(1)) if m else None  # pandas counts skipped lines too
        if row is None and (m := re.search(r"\brow (\d+)", msg)):
            row = int(m.group(1)) + 1  # these rows count from 0
        raise DataError(f"cannot parse CSV ({msg})", name, row) from None
    if df.shape[1] != n:
        raise DataError(
            f"rows have {df.shape[1]} fields, the header {n}", name, skip + 1
        )
    df.columns = dialect.names
    rows = np.arange(skip + 1, skip + 1 + len(df))
    blank = df.isna().all(axis=1).to_numpy()
    if blank.any():
        df, rows = df[~blank], rows[~blank]
    if len(df) == 0:
        raise DataError("no data rows after the header", name)
    return df.reset_index(drop=True), rows


def build(table, rows, name, opts: Options, decimal: str = ".") -> Dataset:
    """Detect the layout, parse dates and numbers, split into validated series."""
    opts.check()
    cols = [str(c) for c in table.columns]
    table.columns = cols
    check_columns(cols, name, opts.date_col, opts.series_col, opts.value_col)
    if len(table) == 0:
        raise DataError("no data rows", name)
    date_col = opts.date_col or find_date_col(table, cols)
    notes: list[str] = []
    if date_col is None:
        dates = _no_dates(table, cols, name, notes)
        repeated = False
    else:
        dates, date_notes = parse_dates(
            table[date_col], rows, name, date_col, opts.dayfirst, opts.date_format
        )
        notes += date_notes
        repeated = dates.has_duplicates
    layout = choose(
        table, name, date_col, opts.series_col, opts.value_col, decimal, repeated
    )
    notes += layout.notes
    if layout.kind == "long":
        raw = _long(table, rows, dates, layout, name, decimal)
    else:
        raw = [
            make_series(c, dates, parse_numbers(table[c], rows, name, c, decimal),
                        rows, name, c, trim=layout.kind == "wide")
            for c in layout.value_cols
        ]  # fmt: skip
    return finish_dataset(raw, name, opts.fill, notes)


def _no_dates(table, cols, name, notes) -> pd.Index:
    """One column of numbers and no dates: an integer time index 0, 1, 2, ..."""
    if len(cols) != 1 or not pd.api.types.is_numeric_dtype(table[cols[0]].dtype):
        raise DataError(
            f"no date column found (columns: {', '.join(map(repr, cols))}); pass "
            "date_col / --date-col",
            name,
        )
    notes.append("no date column: the rows are read as time steps 0, 1, 2, ...")
    return pd.Index(np.arange(len(table), dtype=np.int64))


def series_names(col, rows, name, label) -> tuple[np.ndarray, np.ndarray]:
    """(codes, names) of a series column; numeric ids as text ("1", not "1.0")."""
    if pd.api.types.is_float_dtype(col.dtype):
        v = col.to_numpy(dtype=np.float64, na_value=np.nan)
        whole = np.isfinite(v) & (v == np.round(v))
        text = np.where(whole, np.nan_to_num(v).astype(np.int64).astype(str),
                        v.astype(str))  # fmt: skip
        col = pd.Series(text, dtype=object).where(~np.isnan(v))
    else:
        col = col.astype(object).where(col.notna())
    keys = col.astype(str).str.strip()
    empty = (col.isna() | (keys == "") | keys.str.lower().isin(NA_STRINGS)).to_numpy()
    if empty.any():
        r = int(rows[int(np.argmax(empty))])
        raise DataError("missing series name", name, r, label)
    codes, uniq = pd.factorize(keys)
    return codes, np.asarray(uniq, dtype=object)


def _long(table, rows, dates, layout: Layout, name, decimal) -> list:
    """Long form: group rows by series with one factorize and one sort."""
    value_col, series_col = layout.value_cols[0], layout.series_col
    codes, keys = series_names(table[series_col], rows, name, series_col)
    vals = parse_numbers(table[value_col], rows, name, value_col, decimal)
    stamp = np.asarray(dates.asi8 if hasattr(dates, "asi8") else dates, np.int64)
    order = np.lexsort((stamp, codes))
    bounds = np.searchsorted(codes[order], np.arange(len(keys) + 1))
    out = []
    for k, key in enumerate(keys):
        sel = order[bounds[k] : bounds[k + 1]]
        out.append(
            make_series(str(key), dates[sel], vals[sel], rows[sel], name, value_col,
                        trim=False, sorted_=True)
        )  # fmt: skip
    return out

