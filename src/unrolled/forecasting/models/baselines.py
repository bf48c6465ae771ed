"""Baseline forecasters with the same contract as the network model.

``__init__`` only stores arguments; ``fit(history)`` takes a 1-D array of
past values and returns ``self``; ``predict(horizon=1)`` returns the next
``horizon`` values as a ``(horizon,)`` float64 array. Calling ``predict``
before ``fit`` raises :class:`~unrolled.forecasting.features.scaling.NotFittedError`.

On monthly stock prices these are hard to beat, naive above all: a network
that beats naive by far there is more likely leaking the future than skilled.
"""

from __future__ import annotations

import numpy as np

from ...engine.validate import check_finite_1d, check_positive_int
from ...errors import InputError, NotFittedError
from ..io.dataset import season_length


def default_season(frequency: str | None) -> int:
    """Season length for a frequency word: 12 monthly, 4 quarterly, 7 daily, ...

    :func:`unrolled.forecasting.io.dataset.season_length`, with 1 (no
    seasonality) for yearly, irregular, unknown or None.
    """
    return season_length(frequency) or 1


def _check_history(history) -> np.ndarray:
    return check_finite_1d("history", history, nonempty=True)


class Baseline:
    """Shared fit/predict plumbing; subclasses define ``_forecast(y, horizon)``."""

    name = "baseline"

    def fit(self, history) -> Baseline:
        """Remember the history (a 1-D array of past values); returns ``self``."""
        self.history_ = _check_history(history)
        return self

    def predict(self, horizon: int = 1) -> np.ndarray:
        """Forecast the next ``horizon`` values, shape ``(horizon,)``."""
        if not hasattr(self, "history_"):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted: call fit(history) first"
            )
        h = check_positive_int("horizon", horizon)
        return np.asarray(self._forecast(self.history_, h), dtype=np.float64)

    def _forecast(self, y: np.ndarray, h: int) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Naive(Baseline):
    """Every future value equals the last observed one."""

    name = "naive"

    def _forecast(self, y, h):
        return np.full(h, y[-1])


class Drift(Baseline):
    """The line through the first and last values, extended: y_T + k (y_T - y_1)/(T-1).

    With a single point there is no slope and it forecasts like naive.
    """

    name = "drift"

    def _forecast(self, y, h):
        slope = (y[-1] - y[0]) / (len(y) - 1) if len(y) > 1 else 0.0
        return y[-1] + slope * np.arange(1, h + 1)


class SeasonalNaive(Baseline):
    """Each future value equals the value one season earlier: y_{T+k-m}.

    Parameters
    ----------
    season : int, optional
        Season length ``m``. Default: from ``frequency`` (12 monthly,
        4 quarterly, 7 daily, 5 business-daily, 24 hourly; 1 otherwise).
    frequency : str, optional
        A frequency word as reported by :mod:`unrolled.forecasting.io.data`.

    With fewer than ``m`` past values it falls back to naive (``fell_back_``
    is then True).
    """

    name = "seasonal_naive"

    def __init__(self, season: int | None = None, frequency: str | None = None):
        self.season = season
        self.frequency = frequency

    def fit(self, history) -> SeasonalNaive:
        m = self.season if self.season is not None else default_season(self.frequency)
        self.season_ = check_positive_int("season", m)
        super().fit(history)
        self.fell_back_ = len(self.history_) < self.season_
        return self

    def _forecast(self, y, h):
        m = self.season_
        if len(y) < m:
            return np.full(h, y[-1])
        last_season = y[-m:]
        return last_season[np.arange(h) % m]

    def __repr__(self) -> str:
        return f"SeasonalNaive(season={self.season!r}, frequency={self.frequency!r})"


class Mean(Baseline):
    """Every future value equals the mean of the history."""

    name = "mean"

    def _forecast(self, y, h):
        return np.full(h, y.mean())


BASELINES: dict[str, type[Baseline]] = {
    "naive": Naive,
    "drift": Drift,
    "seasonal_naive": SeasonalNaive,
    "mean": Mean,
}


def make_baseline(
    name: str, frequency: str | None = None, season: int | None = None
) -> Baseline:
    """A new baseline by name; ``season`` (or else ``frequency``) sets the
    seasonal naive's season."""
    if name not in BASELINES:
        raise InputError(
            f"baseline: expected one of {', '.join(BASELINES)}, got {name!r}"
        )
    if name == "seasonal_naive":
        return SeasonalNaive(season=season, frequency=frequency)
    return BASELINES[name]()


def baseline_paths(name, values, origins, h: int, frequency=None, season=None):
    """``h``-step forecasts of a baseline refitted at every origin: ``(n, h)``.

    Entry k forecasts ``values[i][o:o + h]`` from ``values[i][:o]``, for
    ``(i, o) = origins[k]``.
    """
    out = [
        make_baseline(name, frequency, season).fit(values[i][:o]).predict(h)
        for i, o in origins
    ]
    return np.array(out, dtype=np.float64).reshape(len(origins), h)
