"""Covariates read and checked: what else the user knows, beside the target.

Three kinds, named as NeuralForecast names them: future (``futr_exog``,
known for every step ahead: prices set in advance, promotions, the
calendar), historic (``hist_exog``, known up to each forecast origin only:
volume, another ticker) and static (``stat_exog``, one value per series, in
``static_df``). Calendar features (:data:`CALENDAR`) are future covariates
without a column, made from the dates.

This module reads them from the user's frames, beside the target, and
refuses what would give a different answer silently: a named column
missing, a NaN or non-numeric cell, a date of a series without a row, a
column that is also the target. Every refusal is one line naming the
column, the series and the first date at fault. Scaling and the network's
input channels: :mod:`..features.covariates`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import DataError, InputError
from .dataset import DATE_NAMES, SERIES_NAMES, VALUE_NAMES
from .layout import OHLCV, PRICE_FIELDS, find_date_col

KINDS = ("futr_exog", "hist_exog", "stat_exog")
# calendar features by name: each a future covariate computed from the dates
CALENDAR = ("month", "weekday", "hour", "dayofyear", "holiday")


@dataclass(frozen=True)
class CovariateSpec:
    """The covariates a forecaster takes: column names per kind, the calendar."""

    futr: tuple[str, ...] = ()
    hist: tuple[str, ...] = ()
    stat: tuple[str, ...] = ()
    calendar: tuple[str, ...] = ()
    country: str | None = None  # the holidays' country ("holiday" in calendar)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns read from the history's frame (future, then historic)."""
        return self.futr + self.hist

    def to_dict(self) -> dict:
        return {"futr_exog": list(self.futr), "hist_exog": list(self.hist),
                "stat_exog": list(self.stat), "calendar": list(self.calendar),
                "country": self.country}  # fmt: skip


def _names(option: str, value) -> tuple[str, ...]:
    """A list of column names (a single name is a list of one)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, str) and v.strip() for v in value
    ):
        raise InputError(f"{option}: expected a list of column names, got {value!r}")
    out = tuple(v.strip() for v in value)
    if len(set(out)) < len(out):
        twice = next(v for v in out if out.count(v) > 1)
        raise InputError(f"{option}: column {twice!r} is named twice")
    return out


def covariate_spec(futr_exog=None, hist_exog=None, stat_exog=None, calendar=None,
                   country=None) -> CovariateSpec | None:  # fmt: skip
    """The checked :class:`CovariateSpec`, or None when nothing is named.

    Raises :class:`InputError` naming the option: a name that is not a
    string, a column named twice or under two kinds, an unknown calendar
    feature, ``"holiday"`` without a ``country``.
    """
    spec = CovariateSpec(_names("futr_exog", futr_exog), _names("hist_exog", hist_exog),
                         _names("stat_exog", stat_exog), _names("calendar", calendar),
                         None)  # fmt: skip
    seen: dict[str, str] = {}
    for kind, cols in zip(KINDS, (spec.futr, spec.hist, spec.stat), strict=True):
        for c in cols:
            if c in seen:
                raise InputError(
                    f"{kind}: column {c!r} is already named in {seen[c]}; "
                    "a covariate has one kind"
                )
            seen[c] = kind
    bad = [c for c in spec.calendar if c not in CALENDAR]
    if bad:
        raise InputError(
            f"calendar: unknown feature {bad[0]!r}; expected some of "
            f"{', '.join(CALENDAR)}"
        )
    if country is not None and not (isinstance(country, str) and country.strip()):
        raise InputError(f"country: expected a country code such as 'US', got "
                         f"{country!r}")  # fmt: skip
    if "holiday" in spec.calendar and country is None:
        raise InputError("calendar: 'holiday' needs country= (e.g. 'US', 'DE')")
    spec = CovariateSpec(spec.futr, spec.hist, spec.stat, spec.calendar,
                         country.strip() if country else None)  # fmt: skip
    if not (spec.columns or spec.stat or spec.calendar):
        return None
    return spec


# ------------------------------------------------------------ the long frame
@dataclass
class Columns:
    """Where a frame keeps its dates, series names and target."""

    table: object  # the frame, the date index made a column
    date_col: str | None
    series_col: str | None
    target: str | None  # the value column read as the target


def frame_columns(df, spec: CovariateSpec, source: str = "data",
                  target: bool = True) -> Columns:  # fmt: skip
    """Find the date, series and (``target``) target columns of ``df`` and
    check ``spec``.

    A named covariate that is not a column, or that is the target, is refused
    (:class:`DataError` naming it).
    """
    from .frames import prepare

    if type(df).__name__ != "DataFrame":
        raise InputError(
            f"{source}: covariates ({', '.join(spec.columns)}) are read from a "
            f"pandas DataFrame with their columns, got {type(df).__name__}"
        )
    table, _, date_col = prepare(df, source)
    cols = list(table.columns)
    for kind, names in (("futr_exog", spec.futr), ("hist_exog", spec.hist)):
        for c in names:
            if c not in cols:
                raise DataError(
                    f"{kind}: no column {c!r}; columns: {', '.join(map(repr, cols))}",
                    source,
                )
    date_col = date_col or find_date_col(table, cols)
    series_col = next((c for c in cols if c.lower() in SERIES_NAMES
                       and c not in spec.columns), None)  # fmt: skip
    value = _target(cols, spec, {date_col, series_col}) if target else None
    return Columns(table, date_col, series_col, value)


def _target(cols, spec: CovariateSpec, skip) -> str | None:
    """The target column: the (adjusted) close of a yfinance-shaped frame,
    else ``y`` (Nixtla's), else the first column named like values
    (``price``, ``value``, ...) that is no covariate, else the one column
    left. A covariate that is the target (or the only column named like
    values) is refused."""
    lower = {c.lower(): c for c in cols}
    if len(set(lower) & OHLCV) >= 3:  # yfinance-shaped: the (adjusted) close
        target = next((lower[p] for p in PRICE_FIELDS if p in lower), None)
    elif "y" in lower:
        target = lower["y"]
    else:
        rest = [c for c in cols if c not in skip]
        free = [c for c in rest if c not in spec.columns]
        named = [c for c in rest if c.lower() in VALUE_NAMES]
        free_named = [c for c in free if c in named]
        target = None  # several columns, none named: the reader decides
        if free_named or len(free) == 1:
            target = (free_named or free)[0]
        elif named:  # only a covariate is named like the values
            target = named[0]
    if target is not None and target in spec.columns:
        raise DataError(
            "is the target (the values forecast); a covariate must be another "
            "column", None, None, target,
        )  # fmt: skip
    return target


def target_frame(cols: Columns, spec: CovariateSpec):
    """The frame's date, series and target columns: what the target is read
    from (the covariates, and any other column, left out)."""
    keep = [c for c in (cols.date_col, cols.series_col, cols.target) if c]
    if cols.target is None:  # no column says it: the reader decides (or refuses)
        return cols.table.drop(columns=list(spec.columns))
    return cols.table[keep]


def _keys(col, like):
    """Dates of a column as the reader reads them (wall clock), or integers."""
    import pandas as pd

    if not isinstance(like, pd.DatetimeIndex):
        return pd.Index(col).astype("int64")
    d = pd.to_datetime(pd.Series(col).reset_index(drop=True))
    if d.dt.tz is not None:
        d = d.dt.tz_localize(None)
    return pd.DatetimeIndex(d).as_unit("ns")


def shown(date) -> str:
    """A date (or an integer step) as a person reads it."""
    if not hasattr(date, "minute"):
        return str(date)
    midnight = date.hour == date.minute == date.second == 0
    return str(date.date()) if midnight else str(date)


def numeric(values, column: str, series: str, dates, source: str) -> np.ndarray:
    """Float64 values of one covariate; NaN or text refused naming the first date."""
    import pandas as pd

    raw = pd.Series(values).reset_index(drop=True)
    num = pd.to_numeric(raw, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = ~np.isfinite(num)
    if bad.any():
        k = int(np.argmax(bad))
        cell = raw.iloc[k]
        what = "is empty (NaN)" if pd.isna(cell) else f"is not a number ({cell!r})"
        raise DataError(
            f"series {series!r}: the value at {shown(dates[k])} {what}; covariates "
            "must be known at every date (never filled silently)",
            source, None, column,
        )  # fmt: skip
    return num


def read_columns(cols: Columns, names: tuple[str, ...], series, source: str = "data",
                 span: str = "history") -> dict[str, np.ndarray]:  # fmt: skip
    """``{series name: (len(dates), len(names))}``: the named columns at every
    date of every series (``series``: the target's :class:`~.dataset.Series`).

    A date of a series with no row in the frame is refused naming the column,
    the series and the first such date.
    """
    out = {}
    if not names:
        return {s.name: np.zeros((len(s.dates), 0)) for s in series}
    table = cols.table
    ids = None
    if cols.series_col is not None:
        ids = table[cols.series_col].astype(str).str.strip().to_numpy()
    for s in series:
        rows = np.arange(len(table)) if ids is None else np.flatnonzero(ids == s.name)
        sub = table.iloc[rows]
        keys = _keys(sub[cols.date_col], s.dates) if cols.date_col else None
        want = s.dates if not hasattr(s.dates, "as_unit") else s.dates.as_unit("ns")
        if keys is None:  # no dates: rows in order
            pos = np.arange(len(want)) if len(sub) >= len(want) else None
        else:
            pos = pd_indexer(keys, want)
        if pos is None or (pos < 0).any():
            k = 0 if pos is None else int(np.argmax(pos < 0))
            raise DataError(
                f"series {s.name!r}: no row for {shown(want[k])}, a date of "
                f"its {span} (covariates are needed at every date)",
                source, None, names[0],
            )  # fmt: skip
        out[s.name] = np.stack(
            [numeric(sub[c].to_numpy()[pos], c, s.name, want, source) for c in names],
            axis=1,
        )
    return out


def pd_indexer(keys, want) -> np.ndarray:
    """Row of ``keys`` holding each of ``want`` (-1: none; the first of repeats)."""
    import pandas as pd

    if len(keys) == 0:
        return np.full(len(want), -1)
    first = ~pd.Index(keys).duplicated()
    index = pd.Index(keys[first])
    rows = np.flatnonzero(first)
    found = index.get_indexer(pd.Index(want))
    return np.where(found < 0, -1, rows[np.maximum(found, 0)])


def read_static(static_df, names: tuple[str, ...], series: list[str],
                source: str = "static_df") -> dict[str, np.ndarray]:  # fmt: skip
    """``{series name: (len(names),)}`` from ``static_df`` (one row per series:
    ``unique_id`` and the static columns). A series without a row, a missing
    column or a NaN or text cell is refused naming it."""
    import pandas as pd

    if not names:
        return {s: np.zeros(0) for s in series}
    if not isinstance(static_df, pd.DataFrame):
        raise InputError(
            f"{source}: stat_exog ({', '.join(names)}) needs a DataFrame with a "
            f"row per series (unique_id and those columns), got "
            f"{type(static_df).__name__}"
        )
    table = static_df.reset_index() if static_df.index.name else static_df
    idc = next((c for c in table.columns if str(c).lower() in SERIES_NAMES), None)
    if idc is None:
        raise DataError("no series column (unique_id)", source)
    for c in names:
        if c not in table.columns:
            raise DataError(f"stat_exog: no column {c!r}", source)
    ids = table[idc].astype(str).str.strip().to_numpy()
    out = {}
    for s in series:
        rows = np.flatnonzero(ids == s)
        if not len(rows):
            raise DataError(f"series {s!r}: no row (static covariates are needed "
                            "for every series)", source, None, idc)  # fmt: skip
        row = table.iloc[rows[0]]
        vals = []
        for c in names:
            v = pd.to_numeric(pd.Series([row[c]]), errors="coerce").iloc[0]
            if not np.isfinite(v):
                raise DataError(f"series {s!r}: {row[c]!r} is not a number", source,
                                None, c)  # fmt: skip
            vals.append(float(v))
        out[s] = np.array(vals)
    return out


def read_future(futr_df, names: tuple[str, ...], future: dict,
                source: str = "futr_df") -> dict[str, np.ndarray]:  # fmt: skip
    """``{series name: (h, len(names))}``: the future covariates at the ``h``
    dates after each series (``future``: ``{name: dates}``).

    Refused, naming the column, the series and the first date missing: no
    ``futr_df`` at all, a column absent, a ``(unique_id, ds)`` of the horizon
    without a row, a NaN or text cell.
    """
    import pandas as pd

    if futr_df is None:
        raise InputError(
            f"futr_df: this forecaster takes future covariates ({', '.join(names)}); "
            "pass futr_df with unique_id, ds and those columns for every step "
            "of the horizon (they are never filled in)"
        )
    if not isinstance(futr_df, pd.DataFrame):
        raise InputError(f"futr_df: expected a DataFrame, got {type(futr_df).__name__}")
    spec = CovariateSpec(futr=names)
    cols = frame_columns(futr_df, spec, source, target=False)  # no target in it
    extra = [c for c in cols.table.columns
             if c not in (cols.date_col, cols.series_col, *names)]  # fmt: skip
    if extra:
        raise DataError(
            f"column {extra[0]!r} is not a future covariate of this forecaster "
            f"(it takes: {', '.join(names)})",
            source,
        )
    if cols.date_col is None:
        raise DataError(f"no date column (one of {', '.join(DATE_NAMES[:5])})", source)
    from .dataset import Series

    series = [Series(n, d, np.zeros(len(d))) for n, d in future.items()]
    return read_columns(cols, names, series, source, "horizon")


def head_frame(cols: Columns, series, test: list[int]):
    """The frame's rows before each series' last ``test[i]`` dates: the
    training part of a backtest, covariates included."""
    table = cols.table
    keep = np.zeros(len(table), dtype=bool)
    ids = None
    if cols.series_col is not None:
        ids = table[cols.series_col].astype(str).str.strip().to_numpy()
    for s, k in zip(series, test, strict=True):
        rows = np.arange(len(table)) if ids is None else np.flatnonzero(ids == s.name)
        if cols.date_col is None:  # rows in order
            keep[rows[: len(s.dates) - k]] = True
            continue
        dates = s.dates if not hasattr(s.dates, "as_unit") else s.dates.as_unit("ns")
        stop = dates[len(dates) - k]
        keys = _keys(table[cols.date_col].iloc[rows], dates)
        keep[rows[np.asarray(keys < stop)]] = True
    return table[keep]


def read_frame(path):
    """A data file's table as a DataFrame, its columns as the file names them:
    what covariates named by column are read from (the command line's
    ``--data`` with ``--futr-exog``/``--hist-exog``, ``--futr-data``,
    ``--static-data``). CSV as :func:`~.data.load_csv` reads it (the same
    separator, header and decimal mark; ids as text; a cell pandas cannot
    read as a number stays text, and a covariate holding one is refused by
    :func:`numeric`); Parquet through pyarrow.
    """
    import os

    import pandas as pd

    from .dialect import sniff
    from .reader import parse_table
    from .source import decode, read_bytes

    name = os.fspath(path)
    if name.lower().endswith(".parquet"):
        try:
            return pd.read_parquet(name)
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read Parquet ({exc})", name) from None
    raw = read_bytes(name)
    if b"\r" in raw and b"\n" not in raw:
        raw = raw.replace(b"\r", b"\n")
    head = raw[: 1 << 16].decode("utf-8-sig", errors="ignore")
    dialect = sniff(head, name, full=lambda: decode(raw, name), quoted=b'"' in raw)
    return parse_table(raw, name, dialect)[0]
