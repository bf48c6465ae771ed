"""The classical methods as models: exponential smoothing, Holt-Winters, Theta,
the airline model and seasonal naive (also a baseline, :mod:`.baselines`).

Each is fitted on one history and forecasts recursively (a forecast is fed
back in as the next value, which for these methods is their own multi-step
forecast). The algorithms are :mod:`.smoothing`, :mod:`.theta` and
:mod:`.airline`; ``log=True`` fits them on the logs of a positive series
and forecasts ``exp`` of their forecast. In an ensemble they are refitted on
the history before every forecast origin (:attr:`~.base.Model.refits`), as statsforecast
fits a model on all the data it is given.

The one-step forecast is that of the :class:`~.residuals.Residuals` of
the method's errors with nothing added to them: the same arithmetic as the
networks on those errors (:mod:`.hybrid`) start from, so that a hybrid whose
network learnt nothing forecasts as its classical model does.
"""

from __future__ import annotations

import numpy as np

from ...engine.validate import check_finite_1d, check_positive_int
from ...errors import InputError
from ..io.dataset import season_length
from .base import Model
from .residuals import Residuals


def default_season(frequency: str | None) -> int:
    """Season length for a frequency word: 12 monthly, 4 quarterly, 7 daily, ...

    :func:`unrolled.forecasting.io.dataset.season_length`, with 1 (no
    seasonality) for yearly, irregular, unknown or None.
    """
    return season_length(frequency) or 1


class Classical(Model):
    """A classical method: the shared fit/predict plumbing.

    Parameters
    ----------
    season : int, optional
        Season length (None: no season, where the method allows it).
    log : bool
        Model the logs of a positive series.
    """

    kind = "classical"
    refits = True
    method = ""  # the name of its errors' scaling, without "log"

    def __init__(self, season: int | None = None, log: bool = False):
        self.season, self.log = season, log

    @property
    def takes_logs(self) -> bool:
        return bool(self.log)

    @property
    def scaling(self) -> str:
        """The scaling of the method's errors (a hybrid's network reads them)."""
        return ("log" if self.log else "") + self.method

    def fit(self, y, name: str = "series") -> Classical:
        """Fit the method's parameters on ``y``; returns ``self``.

        ValueError (naming ``name``) when ``y`` is too short for the season
        or not positive with ``log``.
        """
        y = np.asarray(y, dtype=np.float64)
        self.transform_ = Residuals(self.scaling, name, self.season).fit(y)
        self.history_ = y
        return self

    def one_step(self, history) -> float:
        """The next value after ``history`` with the fitted parameters."""
        self.check_fitted("transform_")
        return self.transform_.inverter(np.asarray(history, dtype=np.float64))(0.0)

    def predict(self, h: int) -> np.ndarray:
        """The next ``h`` values after the history fitted on."""
        self.check_fitted("transform_")
        h = check_positive_int("h", h)
        path = list(self.history_)
        for _ in range(h):
            path.append(self.one_step(np.asarray(path)))
        return np.asarray(path[-h:], dtype=np.float64)

    def to_dict(self) -> dict:
        """Plain JSON data naming the method and its arguments."""
        return {"model": type(self).__name__, "season": self.season, "log": self.log}

    def __eq__(self, other) -> bool:
        """The same method with the same arguments (fitted or not)."""
        return type(other) is type(self) and (other.season, other.log) == (
            self.season,
            self.log,
        )

    __hash__ = None  # mutable (fitted state), so not hashable

    def __repr__(self) -> str:
        args = [f"season={self.season}"] if self.season is not None else []
        return f"{self.name}({', '.join(args + (['log=True'] if self.log else []))})"


class ExponentialSmoothing(Classical):
    """Exponential smoothing with a damped trend (no season)."""

    method = "es"


class HoltWinters(Classical):
    """Holt-Winters: exponential smoothing with a damped trend and a season."""

    method = "hw"


class Theta(Classical):
    """The Theta method: the seasonally adjusted series smoothed with a drift."""

    method = "theta"


class Airline(Classical):
    """Box and Jenkins' airline model, ARIMA(0,1,1)(0,1,1) with season m."""

    method = "airline"


class SeasonalNaive(Classical):
    """Each future value equals the value one season earlier: y_{T+k-m}.

    One class in both roles: the baseline ``seasonal_naive`` (refitted at
    every origin, :data:`~.baselines.BASELINES`) and a classical member of
    the ensemble (its forecast is a network's on ``snaive`` that learnt
    nothing: the seasonal difference with nothing added).

    Parameters
    ----------
    season : int, optional
        Season length ``m``. Default: from ``frequency`` (12 monthly,
        4 quarterly, 7 daily, 5 business-daily, 24 hourly; 1 otherwise).
    frequency : str, optional
        A frequency word as :mod:`unrolled.forecasting.io.data` reports it.
    log : bool
        Refused (False only): the value one season back is the same on logs.

    Attributes
    ----------
    season_ : int
        The season length used.
    fell_back_ : bool
        The history was shorter than one season: it forecast as naive.
    """

    method = "snaive"

    def __init__(self, season: int | None = None, frequency: str | None = None,
                 log: bool = False):  # fmt: skip
        super().__init__(season, log)
        self.frequency = frequency

    def fit(self, y, name: str = "series") -> SeasonalNaive:
        """Remember the history (a 1-D array); returns ``self``."""
        if self.log:
            raise InputError("log: SeasonalNaive takes no logs (expected False)")
        m = self.season if self.season is not None else default_season(self.frequency)
        self.season_ = check_positive_int("season", m)
        self.history_ = check_finite_1d("history", y, nonempty=True)
        self.fell_back_ = len(self.history_) < self.season_
        return self

    def one_step(self, history) -> float:
        """The value one season before the next (the last one if fewer)."""
        self.check_fitted("history_")
        history = np.asarray(history, dtype=np.float64)
        return float(history[-self.season_ if len(history) >= self.season_ else -1])

    def predict(self, h: int = 1) -> np.ndarray:
        """The last season repeated (or the last value, if shorter): ``(h,)``."""
        self.check_fitted("history_")
        h, y, m = check_positive_int("h", h), self.history_, self.season_
        if len(y) < m:
            return np.full(h, y[-1])
        return y[-m:][np.arange(h) % m].astype(np.float64)

    def __repr__(self) -> str:
        if self.season is None and self.frequency is not None:
            return f"{self.name}(frequency={self.frequency!r})"
        return super().__repr__()


CLASSICAL = {c.__name__: c for c in (ExponentialSmoothing, HoltWinters, Theta,
                                     Airline, SeasonalNaive)}  # fmt: skip


def from_scaling(scaling: str, season: int | None) -> Classical:
    """The classical model whose errors ``scaling`` names (``loghw``: HoltWinters
    on logs)."""
    log = scaling.startswith("log")
    method = scaling[3:] if log else scaling
    for cls in CLASSICAL.values():
        if cls.method == method:
            return cls(season, log=log)
    raise ValueError(f"scaling {scaling!r}: not a classical model's")


def from_dict(d: dict) -> Classical:
    """The model :meth:`Classical.to_dict` describes; ValueError if it is not one."""
    if not isinstance(d, dict) or d.get("model") not in CLASSICAL:
        raise ValueError(f"expected a classical model, got {d!r}")
    season, log = d.get("season"), d.get("log", False)
    if not isinstance(log, bool) or (
        season is not None and not (isinstance(season, int) and season >= 2)
    ):
        raise ValueError(f"bad classical model arguments {d!r}")
    return CLASSICAL[d["model"]](season, log=log)
