"""A CSV's text or a DataFrame -> validated series: the parsing behind ``data``.

Private: :mod:`unrolled.forecasting.io.data` is the public face. The fast path
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
from functools import partial

import numpy as np
import pandas as pd

from ...errors import DataError
from .calendars import check_freq
from .dataset import FILLS, NA_STRINGS, SERIES_NAMES, Dataset
from .dates import parse_dates, second_date_column
from .dialect import Dialect, parse_numbers, sniff
from .layout import Layout, check_columns, choose, find_date_col
from .series import duplicate_date, finish_dataset, make_series
from .source import decode, read_bytes

# pandas 2's C parser reads both decimal marks with decimal="," (see _read)
PANDAS_2 = int(pd.__version__.split(".")[0]) < 3

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
    freq: str | None = None

    def check(self) -> None:
        check_freq(self.freq)
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
    raw = read_bytes(name)
    if not re.search(rb"\S", raw):
        raise DataError("file is empty", name)
    cr_only = b"\r" in raw and b"\n" not in raw
    if cr_only:  # classic Mac OS line ends: pandas would see one long line
        raw = raw.replace(b"\r", b"\n")
    head = raw[: 1 << 16].decode("utf-8-sig", errors="ignore")  # checked below
    dialect = sniff(head, name, decimal=opts.decimal, full=partial(decode, raw, name),
                    quoted=b'"' in raw)  # fmt: skip
    table, rows = parse_table(raw, name, dialect)
    del raw  # the file's bytes: not needed while the table is split (25 MB/1M rows)
    ds = build(table, rows, name, opts, dialect.decimal)
    ds.notes[:0] = dialect.notes
    if cr_only:
        ds.notes.insert(0, "lines end in a carriage return only (CR): read as lines")
    return ds


def parse_table(raw: bytes | str, name: str, dialect: Dialect):
    """CSV bytes -> (typed frame, 1-based file row of each frame row).

    Types are pandas' C parser's: numbers as float64/int64 (a numeric series
    id "007" reads as 7), everything else as text. The fast reading skips
    blank lines; when the row count shows it skipped some (or quoted fields
    span lines), the file is read again keeping every line, so that rows in
    messages are the file's.
    """
    skip = dialect.lead + (1 if dialect.header else 0)
    n = len(dialect.names)
    raw = raw.encode() if isinstance(raw, str) else raw
    df = None
    if dialect.lead == 0:
        df = _read(raw, name, dialect, header=0 if dialect.header else None)
        lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
        if len(df) != lines - skip:
            df = None  # blank lines were skipped: read again, line for line
    if df is None:
        df = _read(raw, name, dialect, header=None, skiprows=skip,
                   skip_blank_lines=False)  # fmt: skip
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


def _id_columns(dialect: Dialect) -> list[int]:
    """Positions of columns named like series ids: read as text, so that ids
    ``1`` and ``01`` stay two series (as numbers they would merge)."""
    return [j for j, c in enumerate(dialect.names) if c.strip().lower() in SERIES_NAMES]


def _read(raw: bytes, name: str, dialect: Dialect, **kw):
    """pandas' C parser over the bytes; its errors as DataError with the row."""
    if dialect.decimal == "," and PANDAS_2:
        # pandas 2's parser also reads "2.5" with decimal=","; as text, the
        # numbers go through parse_numbers, which refuses it naming the row
        kw.setdefault("dtype", str)
    ids = _id_columns(dialect)
    if ids and "dtype" not in kw:
        labels = list(range(len(dialect.names)))
        if kw.get("header") == 0:  # the file's own labels, as pandas reads them
            labels = list(_read(raw, name, dialect, header=0, nrows=0,
                                dtype=str).columns)  # fmt: skip
        kw["dtype"] = {labels[j]: str for j in ids if j < len(labels)}
    try:
        return pd.read_csv(
            io.BytesIO(raw), sep=dialect.sep, decimal=dialect.decimal,
            keep_default_na=False, na_values=NA_VALUES, engine="c",
            encoding="utf-8-sig", **kw,
        )  # fmt: skip
    except pd.errors.EmptyDataError:
        raise DataError("no data rows after the header", name) from None
    except UnicodeDecodeError:
        decode(raw, name)  # raises, naming the row and offset of the bad byte
        raise
    except (pd.errors.ParserError, ValueError, OverflowError, MemoryError) as exc:
        msg = str(exc).split("C error: ")[-1].strip()
        m = re.search(r"\bline (\d+)", msg)
        row = int(m.group(1)) if m else None  # pandas counts skipped lines too
        if row is None and (m := re.search(r"\brow (\d+)", msg)):
            row = int(m.group(1)) + 1  # these rows count from 0
        raise DataError(f"cannot parse CSV ({msg})", name, row) from None


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
        keep = (opts.series_col, opts.value_col)
        dates, joined, time_col = second_date_column(
            table, cols, date_col, dates, rows, name, keep
        )
        if time_col is not None:
            notes += joined
            table = table.drop(columns=[time_col])
            cols = [c for c in cols if c != time_col]
        repeated = has_repeats(dates)
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
    return finish_dataset(raw, name, opts.fill, notes, opts.freq)


def has_repeats(dates) -> bool:
    """True if a date occurs twice (``dates.has_duplicates``, without its cache).

    An Index answers from a hash table it then keeps as long as it lives
    (34 MB at a million rows, alive through the whole load); the one here
    is freed on return.
    """
    stamp = np.asarray(dates.asi8 if hasattr(dates, "asi8") else dates)
    return len(pd.unique(stamp)) < len(stamp)


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
    codes, uniq = pd.factorize(col)  # distinct names first: a million rows, few names
    if pd.api.types.is_float_dtype(uniq.dtype):
        v = np.asarray(uniq, dtype=np.float64)
        whole = v == np.round(v)
        shown = [str(int(x)) if w else str(x) for x, w in zip(v, whole, strict=True)]
    else:
        shown = [str(x) for x in uniq]
    keys = pd.Series(shown, dtype=object).str.strip()
    empty = (codes < 0) | ((keys == "") | keys.str.lower().isin(NA_STRINGS)).to_numpy()[
        codes
    ]
    if empty.any():
        r = int(rows[int(np.argmax(empty))])
        raise DataError("missing series name", name, r, label)
    again, keys = pd.factorize(keys)  # " A" and "A" are one series
    return again[codes], np.asarray(keys, dtype=object)


def grouped_and_sorted(codes: np.ndarray, stamp: np.ndarray) -> bool:
    """True if rows come series by series, each in increasing date order."""
    step_c, step_d = np.diff(codes), np.diff(stamp)
    return bool(((step_c > 0) | ((step_c == 0) & (step_d > 0))).all())


def detached(arr: np.ndarray) -> np.ndarray:
    """``arr``, or a copy if it views a larger buffer (a DataFrame's 2-D block).

    The series' values are slices of it: they must not keep a caller's
    whole frame alive.
    """
    base = arr
    while isinstance(base.base, np.ndarray):
        base = base.base
    return arr.copy() if base.nbytes > arr.nbytes else arr


def _index(arr: np.ndarray, shared: dict) -> pd.Index:
    """An immutable Index of ``arr``, reusing an equal one made before."""
    key = (arr[0], arr[-1], len(arr))
    for prev, idx in shared.get(key, ()):
        if np.array_equal(prev, arr):
            return idx
    idx = pd.Index(arr)
    shared.setdefault(key, []).append((arr, idx))
    return idx


def _long(table, rows, dates, layout: Layout, name, decimal) -> list:
    """Long form: group rows by series with one factorize and one sort."""
    value_col, series_col = layout.value_cols[0], layout.series_col
    codes, keys = series_names(table[series_col], rows, name, series_col)
    vals = parse_numbers(table[value_col], rows, name, value_col, decimal)
    stamp = np.asarray(dates.asi8 if hasattr(dates, "asi8") else dates, np.int64)
    if isinstance(dates, pd.DatetimeIndex):
        dates = dates.values  # numpy slices are cheap; an Index per series later
    if grouped_and_sorted(codes, stamp):  # as they are: no copies
        vals = detached(vals)
    else:
        order = np.lexsort((stamp, codes))
        dates, vals, rows = dates[order], vals[order], rows[order]
        codes, stamp = codes[order], stamp[order]
    bounds = np.searchsorted(codes, np.arange(len(keys) + 1))
    out = []
    dup = np.flatnonzero((codes[1:] == codes[:-1]) & (stamp[1:] == stamp[:-1]))
    if dup.size:  # one check for every series: the rows are sorted by (series, date)
        i = int(dup[0])
        date = pd.Index(dates[i : i + 1])[0]
        raise duplicate_date(date, keys[codes[i]], rows[i], rows[i + 1], name)
    shared: dict[tuple, list] = {}  # series on the same dates share one Index
    for k, key in enumerate(keys):
        sel = slice(bounds[k], bounds[k + 1])
        out.append(
            make_series(str(key), _index(dates[sel], shared), vals[sel], rows[sel],
                        name, value_col, trim=False, checked=True)
        )  # fmt: skip
    return out
