"""Baseline forecasters, models of the one contract (:mod:`.base`).

``__init__`` only stores arguments; ``fit(y)`` takes a 1-D array of past
values and returns ``self``; ``predict(h=1)`` returns the next ``h`` values
as a ``(h,)`` float64 array. Calling ``predict`` before ``fit`` raises
:class:`~unrolled.errors.NotFittedError`. Seasonal naive is
:class:`~.classical.SeasonalNaive`, the same class the ensemble holds as a
classical member.

On monthly stock prices these are hard to beat, naive above all: a network
that beats naive by far there is more likely leaking the future than skilled.
"""

from __future__ import annotations

import numpy as np

from ...engine.validate import check_finite_1d, check_positive_int
from ...errors import InputError
from .base import Model
from .classical import SeasonalNaive, default_season

__all__ = ["BASELINES", "Baseline", "Drift", "Mean", "Naive", "SeasonalNaive",
           "baseline_paths", "default_season", "make_baseline"]  # fmt: skip


class Baseline(Model):
    """Shared fit/predict plumbing; subclasses define ``_forecast(y, h)``."""

    kind = "baseline"

    def fit(self, y) -> Baseline:
        """Remember the history (a 1-D array of past values); returns ``self``."""
        self.history_ = check_finite_1d("history", y, nonempty=True)
        return self

    def predict(self, h: int = 1) -> np.ndarray:
        """Forecast the next ``h`` values, shape ``(h,)``."""
        self.check_fitted("history_")
        h = check_positive_int("h", h)
        return np.asarray(self._forecast(self.history_, h), dtype=np.float64)

    def _forecast(self, y: np.ndarray, h: int) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Naive(Baseline):
    """Every future value equals the last observed one."""

    def _forecast(self, y, h):
        return np.full(h, y[-1])


class Drift(Baseline):
    """The line through the first and last values, extended: y_T + k (y_T - y_1)/(T-1).

    With a single point there is no slope and it forecasts like naive.
    """

    def _forecast(self, y, h):
        slope = (y[-1] - y[0]) / (len(y) - 1) if len(y) > 1 else 0.0
        return y[-1] + slope * np.arange(1, h + 1)


class Mean(Baseline):
    """Every future value equals the mean of the history."""

    def _forecast(self, y, h):
        return np.full(h, y.mean())


BASELINES: dict[str, type[Model]] = {
    "naive": Naive,
    "drift": Drift,
    "seasonal_naive": SeasonalNaive,
    "mean": Mean,
}


def make_baseline(
    name: str, frequency: str | None = None, season: int | None = None
) -> Model:
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
