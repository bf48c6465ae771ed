"""The histories a model is saved with, and the checks before its forecasts are shown.

A saved forecaster keeps the series it was trained on (names, dates, values)
in its ``model.json``, covered by the file's content checksum, so that
``predict`` and ``evaluate`` without new data forecast exactly what the user
gave, never other data. Loading validates every field (types, lengths,
finite values within the loaders' limits). Forecasts are checked to be
finite and within a sane multiple of their history's range before they are
returned.
"""

from __future__ import annotations

import numpy as np

from ...errors import InputError
from .dataset import MAX_ABS, MIN_LENGTH, Dataset, Series

SANE_MULTIPLE = 100.0  # forecasts beyond 100 history ranges are refused


def history_to_json(names, values, dates=None, frequency=None, pandas_freq=None):
    """JSON data of the histories, compact: values and dates as space-joined text.

    ``{"frequency", "pandas_freq", "calendars": ["2020-01-31 2020-02-29 ...",
    ...], "series": [{"name", "calendar": index, "values": "1.5 2.25 ..."}]}``;
    series on one index share one calendar. ``dates`` maps names to a
    DatetimeIndex or an integer index; None stores positions 0, 1, 2, ...
    Values are written with ``repr``, so they read back exactly.
    """
    calendars: list[str] = []
    seen: dict[str, int] = {}
    series = []
    for name, v in zip(names, values, strict=True):
        d = None if dates is None else dates.get(name)
        text = " ".join(_stamps(d, len(v)))
        if text not in seen:
            seen[text] = len(calendars)
            calendars.append(text)
        series.append({"name": str(name), "calendar": seen[text],
                       "values": " ".join(repr(float(x)) for x in v)})  # fmt: skip
    return {"frequency": frequency, "pandas_freq": pandas_freq,
            "calendars": calendars, "series": series}  # fmt: skip


def _stamps(d, n: int) -> list[str]:
    """Dates as ISO text (with the time only where there is one), steps as numbers."""
    if d is None:
        return [str(k) for k in range(n)]
    if hasattr(d, "strftime"):
        if (d == d.normalize()).all():
            return list(d.strftime("%Y-%m-%d"))
        return [t.isoformat() for t in d]
    return [str(int(t)) for t in d]


def _index(text: str, field: str, bad):
    """A calendar's text -> DatetimeIndex or integer Index; ``bad`` if damaged."""
    import pandas as pd

    stamps = text.split()
    try:
        if all(t.lstrip("-").isdigit() for t in stamps):
            idx = pd.Index(np.asarray([int(t) for t in stamps], dtype=np.int64))
        else:
            idx = pd.DatetimeIndex(pd.to_datetime(stamps, format="ISO8601"))
    except (TypeError, ValueError, OverflowError):
        raise bad(field, "must be ISO dates or integers") from None
    if not idx.is_monotonic_increasing or idx.has_duplicates:
        raise bad(field, "must increase")
    return idx


def _values(text, field: str, bad) -> np.ndarray:
    try:
        arr = np.array([float(t) for t in text.split()], dtype=np.float64)
    except (AttributeError, ValueError):
        raise bad(field, "must be numbers") from None
    if not np.isfinite(arr).all() or (np.abs(arr) > MAX_ABS).any():
        raise bad(field, f"must be finite numbers <= {MAX_ABS:g}")
    if len(arr) < MIN_LENGTH:
        raise bad(field, f"holds fewer than {MIN_LENGTH} values")
    arr.setflags(write=False)
    return arr


def history_from_json(doc, source: str) -> Dataset:
    """The saved histories as a Dataset; ValueError naming the field if damaged."""

    def bad(field, why):
        return ValueError(f"{source}: field 'history.{field}' {why}")

    if not isinstance(doc, dict) or not isinstance(doc.get("series"), list):
        raise bad("series", "must be a list")
    cals = doc.get("calendars")
    if not isinstance(cals, list) or not all(isinstance(c, str) for c in cals):
        raise bad("calendars", "must be a list of text")
    indexes = [_index(c, f"calendars[{k}]", bad) for k, c in enumerate(cals)]
    out, seen = [], set()
    for i, s in enumerate(doc["series"]):
        if not isinstance(s, dict) or not isinstance(s.get("name"), str):
            raise bad(f"series[{i}].name", "must be text")
        if s["name"] in seen:
            raise bad(f"series[{i}].name", f"repeats {s['name']!r}")
        seen.add(s["name"])
        k = s.get("calendar")
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < len(cals):
            raise bad(f"series[{i}].calendar", f"must be an index below {len(cals)}")
        arr = _values(s.get("values"), f"series[{i}].values", bad)
        if len(arr) != len(indexes[k]):
            raise bad(f"series[{i}].values", f"must be as many as calendars[{k}]")
        out.append(Series(s["name"], indexes[k], arr))
    if not out:
        raise bad("series", "is empty")
    freq, alias = doc.get("frequency"), doc.get("pandas_freq")
    if not isinstance(freq, str | None) or not isinstance(alias, str | None):
        raise bad("frequency", "must be text")
    return Dataset(out, freq or "irregular", f"{source} (saved history)", [], alias)


def check_known(known: list[str], names: list[str], source: str = "data") -> None:
    """Refuse series a model was not trained on, naming the ones it knows."""
    unknown = [n for n in names if n not in set(known)]
    if unknown:
        shown = ", ".join(repr(n) for n in known[:10])
        more = f" and {len(known) - 10} more" if len(known) > 10 else ""
        raise InputError(
            f"{source}: series {unknown[0]!r} is unknown to this model, which "
            f"knows {shown}{more}; rename the column or train on it"
        )


def frequency_warning(trained: str | None, given: str | None) -> str | None:
    """The warning when a model meets data of another frequency, or None."""
    if not trained or not given or trained == given:
        return None
    return (
        f"the model was trained on {trained} data and is applied to {given} "
        "data; its forecasts may not fit"
    )


def check_forecasts(names, histories, forecasts) -> None:
    """Refuse forecasts that are not finite or lie far outside their history.

    A forecast within as many steps as the history has points, and more than
    :data:`SANE_MULTIPLE` times the history's range away from it, comes from a
    damaged model file or a diverged model, never from data: a ValueError
    names the series and the value. Further steps are only checked to be
    finite: over a horizon longer than the history a trend compounds (on
    logs, a growth of 0.2% a step is a factor 100 in 2,000 steps).
    """
    for name, hist, f in zip(names, histories, forecasts, strict=True):
        f = np.asarray(f, dtype=np.float64)
        h = np.asarray(hist, dtype=np.float64)
        lo, hi = float(h.min()), float(h.max())
        span = max(hi - lo, abs(hi), abs(lo), 1e-12)
        near = f[: len(h)]
        far = ~np.isfinite(f)
        far[: len(h)] |= (near < lo - SANE_MULTIPLE * span) | (
            near > hi + SANE_MULTIPLE * span
        )
        if far.any():
            v = float(f[int(np.argmax(far))])
            raise InputError(
                f"forecast {v:g} for series {name!r} is not finite or lies far "
                f"outside its history [{lo:g}, {hi:g}]; the model file may be "
                "damaged or the model diverged"
            )


def future_dates_of(fc, names, values, dates, h: int) -> dict:
    """``{series: its h dates after the end}`` on the calendar of the fitted
    forecaster ``fc`` (its ``pandas_freq_``; integer steps without dates)."""
    freq = getattr(fc, "pandas_freq_", None)
    return {n: future_index(dates.get(n), len(v), h, freq)
            for n, v in zip(names, values, strict=True)}  # fmt: skip


def future_index(dates, n: int, h: int, freq):
    """The ``h`` dates after a series' end (integers after ``n`` without dates)."""
    import pandas as pd

    from .dataset import future_dates

    if dates is None or len(dates) == 0:
        return pd.Index(range(n, n + h), dtype="int64")
    try:
        return future_dates(dates, h, freq if isinstance(dates, pd.DatetimeIndex)
                            else None)  # fmt: skip
    except ValueError:
        return future_dates(dates, h)
