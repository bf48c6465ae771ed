"""Reading a CSV's text and turning a table into series: the parsing behind ``data``.

Private: :mod:`unrolled.forecasting.data` is the public face. Everything here raises
:class:`~unrolled.forecasting.data.DataError` naming the file, row and column; pandas is
imported by the caller's functions before these run.
"""

from __future__ import annotations

import io
import os
import re
import warnings

import numpy as np
import pandas as pd

from ..errors import DataError
from .dataset import (
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


def read_text(name: str) -> str:
    """Read a file as UTF-8 text, refusing empty, binary and non-UTF-8 content."""
    try:
        size = os.path.getsize(name)
    except OSError as exc:
        raise DataError(f"cannot read file ({exc.strerror or exc})", name) from None
    if os.path.isdir(name):
        raise DataError("is a directory, expected a CSV file", name)
    if size > MAX_FILE_BYTES:
        raise DataError(
            f"file is {size / 2**20:.0f} MiB; the limit is "
            f"{MAX_FILE_BYTES / 2**20:.0f} MiB (aggregate or split it first)",
            name,
        )
    try:
        with open(name, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise DataError(f"cannot read file ({exc.strerror or exc})", name) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataError("file is UTF-16 text; save it as UTF-8 CSV", name)
    if raw.startswith(b"PK\x03\x04"):
        raise DataError("file is a zip/spreadsheet archive; export it as CSV", name)
    nul = raw.find(b"\x00")
    if nul >= 0:
        row = raw.count(b"\n", 0, nul) + 1
        raise DataError(
            f"binary file (NUL byte at offset {nul}), expected CSV", name, row
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw.count(b"\n", 0, exc.start) + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise DataError(
            f"not UTF-8 text (byte 0x{bad} at offset {exc.start}); save it as UTF-8",
            name,
            row,
        ) from None
    if not text.strip():
        raise DataError("file is empty", name)
    return text


def parse_table(text: str, name: str) -> pd.DataFrame:
    """Parse CSV text into a frame of strings indexed by 1-based file row."""
    import pandas as pd

    lines = text.split("\n")
    lead = 0  # blank lines above the header
    while lead < len(lines) and not lines[lead].strip():
        lead += 1
    text = "\n".join(lines[lead:])
    first = lines[lead] if lead < len(lines) else ""
    sep = max([",", ";", "\t", "|"], key=first.count)
    if first.count(sep) == 0:
        sep = ","
    try:
        raw = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise DataError("file is empty", name) from None
    except (pd.errors.ParserError, ValueError, OverflowError, MemoryError) as exc:
        msg = str(exc).split("C error: ")[-1].strip()
        m = re.search(r"\bline (\d+)", msg)
        row = int(m.group(1)) + lead if m else None
        if row is None and (m := re.search(r"\brow (\d+)", msg)):
            row = int(m.group(1)) + 1 + lead  # these rows count from 0
        raise DataError(f"cannot parse CSV ({msg})", name, row) from None
    raw = raw.fillna("")
    blank = (raw.apply(lambda c: c.astype(str).str.strip()) == "").all(axis=1)
    header = [str(v).strip() for v in raw.iloc[0]]
    header = [h or f"unnamed_{j + 1}" for j, h in enumerate(header)]
    seen = {}
    for j, h in enumerate(header):
        if h in seen:
            raise DataError(
                f"duplicate column name {h!r} (columns {seen[h] + 1} and {j + 1})",
                name,
                lead + 1,
            )
        seen[h] = j
    body = raw.iloc[1:].copy()
    body.columns = header
    body.index = np.arange(lead + 2, lead + len(raw) + 1)  # 1-based file rows
    body = body[~blank.iloc[1:].to_numpy()]
    if len(body) == 0:
        raise DataError("no data rows after the header", name)
    return body


# ----------------------------------------------------------------------------
# building series


def build(table, rows, name, date_col, series_col, value_col, fill):
    """Detect the layout, parse dates and numbers, split into validated series."""
    import pandas as pd

    if fill is not None and fill not in FILLS:
        raise DataError(
            f"fill: expected one of {', '.join(FILLS)} or None, got {fill!r}"
        )
    cols = [str(c) for c in table.columns]
    table.columns = cols
    for opt, val in (("date_col", date_col), ("series_col", series_col)):
        if val is not None and val not in cols:
            raise DataError(
                f"{opt}: no column {val!r}; available: {_names(cols)}", name
            )
    if value_col is not None and value_col not in cols:
        raise DataError(
            f"value_col: no column {value_col!r}; available: {_names(cols)}", name
        )
    table = table.reset_index(drop=True)
    if len(table) == 0:
        raise DataError("no data rows", name)

    if date_col is None:
        date_col = _find_date_col(table, cols, name)
    dates = _parse_dates(table[date_col], rows, name, date_col)
    others = [c for c in cols if c != date_col]
    if not others:
        raise DataError(
            f"only a date column {date_col!r}; expected at least one value column",
            name,
        )
    numeric = {c: _numeric_share(table[c]) >= 0.5 for c in others}
    text_cols = [c for c in others if not numeric[c] and _has_values(table[c])]

    if series_col is None and value_col is None and not text_cols:
        layout, value_cols = "wide", [c for c in others if _has_values(table[c])]
        if not value_cols:
            raise DataError(f"no values in columns {_names(others)}", name)
    elif series_col is None and value_col is not None:
        keyed = [c for c in text_cols if c.lower() in SERIES_NAMES]
        if not keyed and len(text_cols) == 1 and dates.has_duplicates:
            keyed = text_cols  # repeated dates: the one text column names series
        if keyed:
            layout, series_col = "long", keyed[0]
        else:
            layout = "single"
    else:
        layout = "long"
        if series_col is None:
            keyed = [c for c in text_cols if c.lower() in SERIES_NAMES]
            if keyed:
                series_col = keyed[0]
            elif len(text_cols) == 1:
                series_col = text_cols[0]
            else:
                raise DataError(
                    f"cannot tell which column names the series (text columns "
                    f"{_names(text_cols)}); pass series_col / --series-col",
                    name,
                )
        if value_col is None:
            cands = [c for c in others if c != series_col and numeric[c]]
            named = [c for c in cands if c.lower() in VALUE_NAMES]
            if len(cands) == 1:
                value_col = cands[0]
            elif named:
                value_col = named[0]
            else:
                what = (
                    f"numeric columns {_names(cands)}" if cands else "no numeric column"
                )
                raise DataError(
                    f"cannot tell which column holds the values ({what}; columns: "
                    f"{_names(cols)}); pass value_col / --value-col",
                    name,
                )
        if value_col == series_col:
            raise DataError(
                f"series_col and value_col are the same column {value_col!r}", name
            )

    notes: list[str] = []
    out: list[Series] = []
    if layout == "long":
        keys = table[series_col].astype(str).str.strip()
        vals = _parse_numbers(table[value_col], rows, name, value_col)
        empty_key = (keys == "") | keys.str.lower().isin(["nan", "none"])
        if empty_key.any():
            r = int(rows[int(np.argmax(empty_key.to_numpy()))])
            raise DataError("missing series name", name, r, series_col)
        for key in pd.unique(keys):
            sel = (keys == key).to_numpy()
            out.append(
                _make_series(
                    key,
                    dates[sel],
                    vals[sel],
                    rows[sel],
                    name,
                    value_col,
                    fill,
                    notes,
                    trim=False,
                )
            )
    else:
        value_cols = value_cols if layout == "wide" else [value_col]
        for c in value_cols:
            vals = _parse_numbers(table[c], rows, name, c)
            out.append(
                _make_series(c, dates, vals, rows, name, c, fill, notes, trim=True)
            )
    freq, alias = infer_frequency(longest(out).dates)
    return Dataset(out, freq, name, notes, alias)


def _make_series(label, dates, vals, rows, name, col, fill, notes, trim):
    """Sort by date, check duplicates, handle gaps, validate values."""
    order = np.argsort(dates.asi8, kind="stable")
    dates, vals, rows = dates[order], vals[order], rows[order]
    d8 = dates.asi8
    dup = np.flatnonzero(d8[1:] == d8[:-1])
    if dup.size:
        i = int(dup[0])
        raise DataError(
            f"duplicate date {dates[i].date()} in series {label!r} "
            f"(rows {rows[i]} and {rows[i + 1]})",
            name,
            int(max(rows[i], rows[i + 1])),
        )
    missing = np.isnan(vals)
    if trim and missing.any() and not missing.all():
        # wide form: a series may start later or end earlier than the others
        present = np.flatnonzero(~missing)
        lo, hi = present[0], present[-1] + 1
        dates, vals, rows, missing = (
            dates[lo:hi],
            vals[lo:hi],
            rows[lo:hi],
            missing[lo:hi],
        )
    if missing.all():
        raise DataError(f"series {label!r} has no values", name, None, col)
    if missing.any():
        n = int(missing.sum())
        if fill is None:
            r = int(rows[int(np.argmax(missing))])
            raise DataError(
                f"missing value in series {label!r} ({n} gap(s) in all); pass "
                "fill='ffill'|'interpolate'|'drop' (--fill) to fill or drop them",
                name,
                r,
                col,
            )
        if fill == "drop":
            keep = ~missing
            dates, vals = dates[keep], vals[keep]
            notes.append(f"dropped {n} missing value(s) in {label}")
        else:
            import pandas as pd

            s = pd.Series(vals)
            if fill == "ffill":
                s = s.ffill().bfill()
                notes.append(
                    f"filled {n} gap(s) in {label} by carrying the last value forward"
                )
            else:
                s = s.interpolate(method="linear", limit_direction="both")
                notes.append(f"filled {n} gap(s) in {label} by linear interpolation")
            vals = s.to_numpy(dtype=np.float64)
    return finish_series(label, dates, vals, rows, name, col)


def finish_series(label, dates, vals, rows, name, col) -> Series:
    """Check magnitude, finiteness and length; return an immutable Series."""
    import pandas as pd

    vals = np.ascontiguousarray(vals, dtype=np.float64)
    bad = ~np.isfinite(vals) | (np.abs(np.nan_to_num(vals)) > MAX_ABS)
    if bad.any():
        i = int(np.argmax(bad))
        r = None if rows is None else int(rows[i])
        what = "is not finite" if not np.isfinite(vals[i]) else "is too large"
        raise DataError(
            f"value {vals[i]:g} in series {label!r} {what} "
            f"(expected finite numbers with |x| <= {MAX_ABS:g})",
            name,
            r,
            col,
        )
    if len(vals) < MIN_LENGTH:
        raise DataError(
            f"series {label!r} has {len(vals)} point(s); "
            f"at least {MIN_LENGTH} are needed",
            name,
            None,
            col,
        )
    dates = pd.DatetimeIndex(dates)
    if not dates.is_monotonic_increasing or dates.has_duplicates:
        order = np.argsort(dates.asi8, kind="stable")
        dates, vals = dates[order], vals[order]
        if dates.has_duplicates:
            raise DataError(f"duplicate dates in series {label!r}", name)
    vals.setflags(write=False)
    return Series(label, dates, vals)


_NUMERIC_DATE = re.compile(r"^\d{4}$|^\d{8}$|^\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def _find_date_col(table, cols, name) -> str:
    for c in cols:
        if c.lower() in DATE_NAMES:
            return c
    for c in cols:
        col = table[c].astype(str).str.strip()
        vals = col[~col.str.lower().isin(NA_STRINGS)]
        if len(vals) and _date_share(vals) >= 0.8:
            return c
    raise DataError(
        f"no date column found (columns: {_names(cols)}); pass date_col / --date-col",
        name,
    )


def _to_datetime(vals):
    """Strings -> datetimes (NaT where impossible): format inferred, then mixed."""
    import pandas as pd

    vals = vals.astype(str).str.strip()
    # pure numbers are dates only as years (2004) or YYYYMMDD; never "1" or "3.5"
    numberish = vals.str.match(_PLAIN_NUMBER) & ~vals.str.match(_NUMERIC_DATE)
    vals = vals.where(~numberish, "")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "could not infer format": we check
            out = pd.to_datetime(vals, errors="coerce", utc=True)
    except (ValueError, TypeError, OverflowError):
        out = pd.Series(pd.NaT, index=vals.index, dtype="datetime64[ns]")
    wanted = vals != ""
    if (out.isna() & wanted).any():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mixed = pd.to_datetime(vals, errors="coerce", format="mixed", utc=True)
            if mixed.isna().sum() < out.isna().sum():
                out = mixed
        except (ValueError, TypeError, OverflowError):
            pass
    return out.dt.tz_convert(None)  # time zones -> naive UTC


def _date_share(vals) -> float:
    sample = vals.iloc[:50]
    try:
        return float(_to_datetime(sample).notna().mean())
    except Exception:  # noqa: BLE001 - a guess, never an error
        return 0.0


def _parse_dates(col, rows, name, label):
    import pandas as pd

    try:
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            parsed = col if col.dt.tz is None else col.dt.tz_convert(None)
        else:
            parsed = _to_datetime(col)
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. mixed time zones
        raise DataError(f"cannot parse dates ({exc})", name, None, label) from None
    bad = parsed.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        shown = str(col.iloc[i]).strip()
        what = f"unparsable date {shown!r}" if shown else "missing date"
        raise DataError(what, name, int(rows[i]), label)
    return pd.DatetimeIndex(parsed)


def _clean_numbers(col):
    s = col.astype(str).str.strip()
    s = s.str.replace(r"^[$€£¥]", "", regex=True)
    thousands = s.str.match(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
    return s.where(~thousands, s.str.replace(",", "", regex=False))


def _numeric_share(col) -> float:
    import pandas as pd

    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
        col.dtype
    ):
        return 1.0
    s = _clean_numbers(col)
    s = s[~s.str.lower().isin(NA_STRINGS)]
    if len(s) == 0:
        return 1.0  # an empty column is not a text column
    return float(pd.to_numeric(s, errors="coerce").notna().mean())


def _has_values(col) -> bool:
    s = col.astype(str).str.strip().str.lower()
    return bool((~s.isin(NA_STRINGS)).any())


def _parse_numbers(col, rows, name, label) -> np.ndarray:
    """Strings (or numbers) -> float64 with NaN for missing; DataError on junk."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(col.dtype):
        raise DataError("expected numbers, got booleans", name, None, label)
    if pd.api.types.is_numeric_dtype(col.dtype):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    s = _clean_numbers(col)
    missing = s.str.lower().isin(NA_STRINGS).to_numpy()
    vals = pd.to_numeric(s.where(~missing, "nan"), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = np.isnan(vals) & ~missing
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"expected a number, got {str(col.iloc[i]).strip()!r}",
            name,
            int(rows[i]),
            label,
        )
    return vals


def as_float(vals, name, label) -> np.ndarray:
    try:
        arr = np.asarray(vals, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"series {label!r}: expected numbers ({exc})", name) from None
    if arr.ndim != 1:
        raise DataError(
            f"series {label!r}: expected 1-D values, got shape {arr.shape}", name
        )
    if np.isnan(arr).any():
        i = int(np.argmax(np.isnan(arr)))
        raise DataError(f"series {label!r}: missing value at position {i}", name)
    return arr


def longest(series: list[Series]) -> Series:
    return max(series, key=len)


def _names(cols) -> str:
    return ", ".join(repr(c) for c in cols) if cols else "(none)"
