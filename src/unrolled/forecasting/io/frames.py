"""DataFrames in the shapes users already have, made ready for the reader.

A frame indexed by dates gets its index as a date column; yfinance's
MultiIndex columns (``('Close', 'AAPL')`` or ``('AAPL', 'Close')``) become
one column per ticker holding the adjusted close where present, else the
close, with a note naming what was left out; column names that are the same
as text (``1`` and ``"1"``) are refused.
"""

from __future__ import annotations

from ...errors import DataError
from .layout import PRICE_FIELDS, names

_FIELDS = {"open", "high", "low", "close", "adj close", "volume", "dividends",
           "stock splits", "capital gains", "price"}  # fmt: skip


def _yfinance(df, source):
    """MultiIndex columns -> one price column per ticker, and a note."""
    if df.columns.nlevels != 2:
        raise DataError(
            f"columns with {df.columns.nlevels} levels; expected 1, or 2 as "
            "yfinance writes them (field, ticker)",
            source,
        )
    levels = [[str(v).strip().lower() for v in df.columns.get_level_values(k)]
              for k in (0, 1)]  # fmt: skip
    k = (
        0
        if sum(v in _FIELDS for v in levels[0]) >= sum(v in _FIELDS for v in levels[1])
        else 1
    )
    fields = sorted(set(levels[k]), key=levels[k].index)
    pick = next((p for p in PRICE_FIELDS if p in fields), None)
    if pick is None:
        raise DataError(
            f"two-level columns without a close price (fields: {names(fields)}); "
            "select one column per series first",
            source,
        )
    mask = [v == pick for v in levels[k]]
    out = df.loc[:, mask]
    out.columns = [str(c[1 - k]) for c in out.columns]
    label = str(df.columns[mask.index(True)][k])
    rest = [f for f in fields if f != pick]
    note = (
        f"price data: forecasting {label!r} of {', '.join(out.columns)}; "
        f"not used: {', '.join(rest)}"
    )
    return out, note


def prepare(df, source):
    """(a copy of ``df`` with text column names, notes, the date column or None)."""
    import pandas as pd

    notes = []
    if isinstance(df.columns, pd.MultiIndex):
        df, note = _yfinance(df, source)
        notes.append(note)
    date_col = None
    if isinstance(df.index, pd.DatetimeIndex):
        date_col = str(df.index.name or "date")
        if date_col in {str(c).strip() for c in df.columns}:
            raise DataError(f"the index and a column are both named {date_col!r}",
                            source)  # fmt: skip
        df = df.reset_index(names=date_col)
    table = df.copy()
    seen: dict[str, object] = {}
    for c in table.columns:
        key = str(c).strip()
        if key in seen:
            raise DataError(
                f"two columns named {key!r} ({seen[key]!r} and {c!r}); one would "
                "be lost",
                source,
            )
        seen[key] = c
    table.columns = list(seen)
    return table, notes, date_col
