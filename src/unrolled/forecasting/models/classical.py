"""The classical methods as models: exponential smoothing, Holt-Winters, Theta,
the airline model and seasonal naive.

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

from ...engine.validate import check_positive_int
from .base import Model
from .residuals import Residuals


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
    """The value one season back (the naive one where the history is shorter)."""

    method = "snaive"


CLASSICAL = {c.__name__: c for c in (ExponentialSmoothing, HoltWinters, Theta,
                                     Airline, SeasonalNaive)}  # fmt: skip


def from_scaling(scaling: str, season: int | None) -> Classical:
    """The classical model whose errors ``scaling`` names (``loghw``: HoltWinters
    on logs)."""
    log = scaling.startswith("log")
    method = scaling[3:] if log else scaling
    for cls in CLASSICAL.values():
        if cls.method == method:
            return cls(season, log)
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
    return CLASSICAL[d["model"]](season, log)
