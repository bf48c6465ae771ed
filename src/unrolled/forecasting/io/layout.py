"""Which column is what: dates, series names, values, and the columns left unused.

A table is in long form (``date, symbol, price``: one row per date and
series), wide form (``date, AAA, BBB``: one column per series), single form
(one value column chosen), or has no date column at all (values only: an
integer time index). Every column the layout does not use is named in a
note; an empty column of a wide file too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...errors import DataError
from .dataset import DATE_NAMES, NA_STRINGS, SERIES_NAMES, VALUE_NAMES
from .dates import NEUTRAL, readings
from .dialect import numeric_share

# yfinance-shaped columns: the close (adjusted where present) is the series
PRICE_FIELDS = ("adj close", "adj_close", "adjclose", "close")
OHLCV = {"open", "high", "low", "close", "adj close", "adj_close", "adjclose",
         "volume", "dividends", "stock splits", "capital gains"}  # fmt: skip


@dataclass
class Layout:
    """``kind`` ("long", "wide", "single"), the columns in each role, notes."""

    kind: str
    date_col: str | None
    series_col: str | None
    value_cols: list[str]
    notes: list[str] = field(default_factory=list)


def names(cols) -> str:
    """Column names quoted and joined, or "(none)"."""
    return ", ".join(repr(c) for c in cols) if cols else "(none)"


def has_values(col) -> bool:
    """True when the column holds anything besides missing markers."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(col.dtype):
        return bool(col.notna().any())
    head = col.iloc[:50].dropna().astype(str).str.strip().str.lower()
    if (~head.isin(NA_STRINGS)).any():
        return True
    s = pd.Series(col.dropna().unique()).astype(str).str.strip().str.lower()
    return bool((~s.isin(NA_STRINGS)).any())


def find_date_col(table, cols) -> str | None:
    """A column named like a date, else the first whose values read as dates."""
    for c in cols:
        if c.lower() in DATE_NAMES:
            return c
    import pandas as pd

    for c in cols:
        col = table[c]
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            return c
        if pd.api.types.is_numeric_dtype(col.dtype):
            continue
        s = col.dropna().astype(str).str.strip()
        s = s[~s.str.lower().isin(NA_STRINGS)].iloc[:50].unique()
        if len(s) and readings(s, NEUTRAL + ["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y"]):
            return c
    return None


def check_columns(cols, name, date_col, series_col, value_col) -> None:
    """Refuse a named column that is not there, listing those that are."""
    for opt, val in (("date_col", date_col), ("series_col", series_col),
                     ("value_col", value_col)):  # fmt: skip
        if val is not None and val not in cols:
            raise DataError(f"{opt}: no column {val!r}; available: {names(cols)}", name)


def choose(table, name, date_col, series_col, value_col, decimal, repeated) -> Layout:
    """The layout of ``table``; ``repeated`` says whether dates repeat (long form)."""
    cols = list(table.columns)
    others = [c for c in cols if c != date_col]
    if not others:
        raise DataError(
            f"only a date column {date_col!r}; expected at least one value column",
            name,
        )
    numeric = {c: numeric_share(table[c], decimal) >= 0.5 for c in others}
    text = [c for c in others if not numeric[c] and has_values(table[c])]
    keyed = [c for c in others if c.lower() in SERIES_NAMES and c != value_col]
    for c in [*keyed, series_col]:
        if c is not None and c in others and not has_values(table[c]):
            raise DataError(
                "the series-name column holds no names (every cell is missing); "
                "fill it in, or drop the column to read one series",
                name,
                None,
                c,
            )
    if series_col is None and repeated and keyed:
        series_col = keyed[0]  # numeric ids (Nixtla's unique_id) name series too
    if series_col is None and value_col is None and not text:
        return _wide(table, name, date_col, others)
    if series_col is None and value_col is not None:
        keyed = [c for c in text if c.lower() in SERIES_NAMES]
        if not keyed and len(text) == 1 and repeated:
            keyed = text  # repeated dates: the one text column names series
        if not keyed:
            unused = [c for c in others if c != value_col]
            return Layout("single", date_col, None, [value_col], _unused(unused))
        series_col = keyed[0]
    if series_col is None:
        series_col = _series_col(text, name)
    if value_col is None:
        value_col = _value_col(others, numeric, series_col, cols, name)
    if value_col == series_col:
        raise DataError(
            f"series_col and value_col are the same column {value_col!r}", name
        )
    unused = [c for c in others if c not in (series_col, value_col)]
    return Layout("long", date_col, series_col, [value_col], _unused(unused))


def _unused(cols) -> list[str]:
    return [f"columns not used: {names(cols)}"] if cols else []


def _wide(table, name, date_col, others) -> Layout:
    """One series per value column; OHLCV frames keep only the close."""
    lower = {c.lower(): c for c in others}
    if len(set(lower) & OHLCV) >= 3:
        pick = next(lower[p] for p in PRICE_FIELDS if p in lower)
        rest = [c for c in others if c != pick]
        note = f"price data: forecasting {pick!r}; not used: {names(rest)}"
        return Layout("single", date_col, None, [pick], [note])
    value_cols = [c for c in others if has_values(table[c])]
    if not value_cols:
        raise DataError(f"no values in columns {names(others)}", name)
    empty = [c for c in others if c not in value_cols]
    notes = [f"empty column(s) left out: {names(empty)}"] if empty else []
    return Layout("wide", date_col, None, value_cols, notes)


def _series_col(text, name) -> str:
    keyed = [c for c in text if c.lower() in SERIES_NAMES]
    if keyed:
        return keyed[0]
    if len(text) == 1:
        return text[0]
    raise DataError(
        f"cannot tell which column names the series (text columns "
        f"{names(text)}); pass series_col",
        name,
    )


def _value_col(others, numeric, series_col, cols, name) -> str:
    cands = [c for c in others if c != series_col and numeric[c]]
    named = [c for c in cands if c.lower() in VALUE_NAMES]
    if len(cands) == 1:
        return cands[0]
    if named:
        return named[0]
    what = f"numeric columns {names(cands)}" if cands else "no numeric column"
    raise DataError(
        f"cannot tell which column holds the values ({what}; columns: "
        f"{names(cols)}); pass value_col",
        name,
    )
