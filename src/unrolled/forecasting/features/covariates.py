"""Covariates as the network's extra input channels: scaled, calendar, held.

:class:`Covariates` holds a forecaster's covariates (:mod:`..io.covariates`
reads and checks them): one standard scaler per column, fitted **globally**
on every series' training part pooled (so that a series unseen in training
and a static column, constant within a series, scale the same way), and the
current data of every series: its historic columns at each date of its
history, its future columns and calendar features at each date of its
history and horizon, its static values.

The input copy at position ``p`` (it reads ``y[p]`` and forecasts
``y[p + 1]``) gets, after the target's own inputs (:meth:`channels`):

- the historic covariates at ``p``, known when ``y[p]`` is; at a copy past
  the forecast origin (a recursive path's step 2 and on) they are unknown,
  so they are **held at their last value at the origin**: nothing after the
  origin is ever read (see ``docs/design.md``);
- the future covariates and calendar features at ``p + 1``, the date being
  forecast (known in advance, by definition);
- the static covariates.

Calendar features are cyclic: ``month``, ``weekday``, ``hour`` and
``dayofyear`` each give a sine and a cosine of their phase; ``holiday`` is 1
on the public holidays of ``country`` (the optional ``holidays`` package).
"""

from __future__ import annotations

import numpy as np

from ...errors import InputError
from ..io.covariates import CovariateSpec
from .scaling import StandardScaler, scaler_from_dict

PERIODS = {"month": 12, "weekday": 7, "hour": 24, "dayofyear": 365.25}
INSTALL = "pip install 'unrolled[covariates]'"


def calendar_features(names, country, dates) -> np.ndarray:
    """``(len(dates), k)`` calendar channels of ``dates`` (a DatetimeIndex)."""
    import pandas as pd

    if not isinstance(dates, pd.DatetimeIndex):
        raise InputError(
            f"calendar: {', '.join(names)} need dates; this series has integer steps"
        )
    cols = []
    for name in names:
        if name == "holiday":
            cols.append(holiday_flags(country, dates))
            continue
        phase = {
            "month": dates.month - 1,
            "weekday": dates.day_of_week,
            "hour": dates.hour,
            "dayofyear": dates.day_of_year - 1,
        }[name]
        angle = 2 * np.pi * np.asarray(phase, dtype=np.float64) / PERIODS[name]
        cols += [np.sin(angle), np.cos(angle)]
    return np.stack(cols, axis=1) if cols else np.zeros((len(dates), 0))


def holiday_flags(country: str, dates) -> np.ndarray:
    """1.0 on the public holidays of ``country``, else 0.0."""
    try:
        import holidays
    except ImportError:
        raise InputError(
            f"calendar: 'holiday' needs the holidays package: {INSTALL}"
        ) from None
    years = sorted(set(dates.year))
    try:
        days = holidays.country_holidays(country, years=years)
    except NotImplementedError:
        raise InputError(
            f"country: {country!r} is not a country the holidays package knows"
        ) from None
    return np.array([d in days for d in dates.date], dtype=np.float64)


def calendar_width(names) -> int:
    """Channels the calendar features take (two per cyclic one)."""
    return sum(1 if n == "holiday" else 2 for n in names)


class Covariates:
    """A forecaster's covariates: the spec, the scalers, the current data.

    ``fit`` scales on the training parts; ``use`` sets the data a forecast
    reads (the training history, or the history and horizon given to
    ``predict``); ``channels`` gives the network's extra inputs.
    """

    def __init__(self, spec: CovariateSpec):
        self.spec = spec
        self.scalers: dict[str, StandardScaler] = {}
        self.raw: dict = {}  # the training history's columns, as read (saved)
        self._hist: dict = {}  # series -> (n, kh) scaled
        self._futr: dict = {}  # series -> (n + horizon, kf + calendar) scaled
        self._stat: dict = {}  # series -> (ks,) scaled

    @property
    def n_channels(self) -> int:
        s = self.spec
        return (len(s.hist) + len(s.futr) + calendar_width(s.calendar)
                + len(s.stat))  # fmt: skip

    @property
    def channel_names(self) -> list[str]:
        """A name per channel, in :meth:`channels`' order: ``"v (historic)"``,
        ``"x (future)"``, ``"month sin"``, ``"month cos"``, ``"holiday"``,
        ``"size (static)"``."""
        s = self.spec
        cal = []
        for c in s.calendar:
            cal += ["holiday"] if c == "holiday" else [f"{c} sin", f"{c} cos"]
        return [*(f"{c} (historic)" for c in s.hist),
                *(f"{c} (future)" for c in s.futr), *cal,
                *(f"{c} (static)" for c in s.stat)]  # fmt: skip

    def fit(self, hist: dict, futr: dict, stat: dict, train: dict) -> Covariates:
        """One scaler per column over every series' first ``train[name]`` rows."""
        s = self.spec
        for cols, data in ((s.hist, hist), (s.futr, futr)):
            for j, c in enumerate(cols):
                pooled = np.concatenate([v[: train[n], j] for n, v in data.items()])
                self.scalers[c] = StandardScaler().fit(pooled, c)
        for j, c in enumerate(s.stat):
            self.scalers[c] = StandardScaler().fit([v[j] for v in stat.values()], c)
        self.raw = {"hist": hist, "futr": futr, "stat": stat}
        return self

    def _scaled(self, cols, values: np.ndarray) -> np.ndarray:
        out = np.empty_like(values, dtype=np.float64)
        for j, c in enumerate(cols):
            out[..., j] = self.scalers[c].transform(values[..., j])
        return out

    def use(self, hist: dict, futr: dict, stat: dict, dates: dict) -> None:
        """Set the data forecasts read: per series, historic rows (history),
        future rows (history and horizon), static values, and the dates of
        the history and horizon (for the calendar)."""
        s = self.spec
        self._hist = {n: self._scaled(s.hist, v) for n, v in hist.items()}
        self._stat = {n: self._scaled(s.stat, v) for n, v in stat.items()}
        self._futr = {}
        for n, v in futr.items():
            parts = [self._scaled(s.futr, v)]
            if s.calendar:
                cal = calendar_features(s.calendar, s.country, dates[n])
                if len(cal) != len(v):
                    raise ValueError(f"covariates of {n!r}: {len(v)} future rows "
                                     f"for {len(cal)} dates")  # fmt: skip
                parts.append(cal)
            self._futr[n] = np.hstack(parts)

    def use_training(self, dates: dict) -> None:
        """Read the training history again (see :meth:`use`)."""
        self.use(self.raw["hist"], self.raw["futr"], self.raw["stat"], dates)

    def channels(self, name: str, start: int, stop: int, upto: int) -> np.ndarray:
        """``(stop - start, n_channels)`` extra inputs of the copies at positions
        ``start .. stop - 1`` of series ``name``, for a forecast from origin
        ``upto`` (the historic columns are held at ``upto - 1`` beyond it)."""
        p = np.arange(start, stop)
        parts = []
        hist, futr = self._hist.get(name), self._futr.get(name)
        for rows, need in ((hist, upto), (futr, min(upto, stop) + 1)):
            if rows is not None and rows.shape[1] and len(rows) < need:
                raise InputError(
                    f"series {name!r}: covariates known for {len(rows)} dates; a "
                    f"forecast from its date {upto} needs {need} (give the frame "
                    "with their columns up to the dates forecast)"
                )
        if hist is not None and hist.shape[1]:
            parts.append(hist[np.minimum(p, upto - 1)])
        if futr is not None and futr.shape[1]:
            # beyond the rows known (a recursive path's later steps), the last
            # one: only the validation paths past the history's end read there,
            # scored against nothing (predict and the backtest have every row)
            parts.append(futr[np.minimum(p + 1, len(futr) - 1)])
        stat = self._stat.get(name)
        if stat is not None and stat.size:
            parts.append(np.broadcast_to(stat, (len(p), stat.size)))
        if not parts:
            return np.zeros((len(p), 0))
        return np.hstack(parts)

    def future_rows(self, name: str) -> np.ndarray | None:
        """Series ``name``'s future covariates and calendar at every date of
        its history and horizon, scaled: ``(n + horizon, k)`` (None where
        there are none); row ``t`` is the value at date ``t``."""
        rows = self._futr.get(name)
        return rows if rows is not None and rows.shape[1] else None

    def to_dict(self) -> dict:
        """Plain JSON data: the spec, the scalers and the training columns."""

        def rows(d):
            return {n: np.asarray(v, dtype=np.float64).tolist() for n, v in d.items()}

        return {
            "spec": self.spec.to_dict(),
            "scalers": {c: sc.to_dict() for c, sc in self.scalers.items()},
            "hist": rows(self.raw["hist"]),
            "futr": rows(self.raw["futr"]),
            "stat": rows(self.raw["stat"]),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Covariates:
        """Rebuild from :meth:`to_dict`'s data (ValueError on a bad shape)."""
        from ..io.covariates import covariate_spec

        sp = d["spec"]
        spec = covariate_spec(sp["futr_exog"], sp["hist_exog"], sp["stat_exog"],
                              sp["calendar"], sp["country"])  # fmt: skip
        if spec is None:
            raise ValueError("covariates: empty spec")
        out = cls(spec)
        out.scalers = {c: scaler_from_dict(v) for c, v in d["scalers"].items()}
        missing = [c for c in (*spec.columns, *spec.stat) if c not in out.scalers]
        if missing:
            raise ValueError(f"covariates: no scaler for {missing[0]!r}")
        widths = {"hist": len(spec.hist), "futr": len(spec.futr),
                  "stat": len(spec.stat)}  # fmt: skip
        out.raw = {}
        for kind, k in widths.items():
            data = {}
            for n, v in d[kind].items():
                shape = (k,) if kind == "stat" else (len(v), k)
                data[n] = np.asarray(v, dtype=np.float64).reshape(shape)
            out.raw[kind] = data
        return out
