"""A classical method's one-step errors as a scaling: what a hybrid's network
reads, and what a classical model forecasts through.

``es`` and ``loges`` (logs) are the one-step errors of exponential smoothing
with a damped trend, ``hw`` and ``loghw`` those of Holt-Winters (a season of
length m too), fitted on the training part (:class:`~.smoothing.Smoothing`):
a network on them starts from the classical forecast and learns what its
errors still hold, as in Smyl's ES-RNN. The smoothing reads the whole
history. ``theta`` and ``logtheta`` are the one-step errors of the Theta
method (:class:`~.theta.Theta`: the seasonally adjusted values of ``+sa``
smoothed with a drift), from the step ``+sa`` learns from on; without a
season (the only seasonal ones that allow it) the values themselves smoothed
with a drift, from step 2 on, as ``es``. ``airline`` and ``logairline`` are
those of Box and Jenkins' airline model, ARIMA(0,1,1)(0,1,1) with season m
(:class:`~.airline.Airline`), from step m + 1 on. ``snaive`` is ``sdiff``
with its changes scaled but not centred, so that a silent network (a zero
output) forecasts ``y[t+1-m]``: seasonal naive itself.

They need :data:`MIN_MODELLED_SEASONS` seasons of history, fewer than the
plain seasonal scalings' :data:`~..features.transforms.MIN_SEASONS`. A
shorter series in a group whose network reads one of them reads :data:`SHORT`'s
scaling instead (:func:`.scalings.fit_transforms`), as the forecaster's
classical members fall back to their variants without a season.
"""

from __future__ import annotations

import numpy as np

from ..features.transforms import Recipe, Transform
from .airline import Airline
from .smoothing import Smoothing
from .smoothing import start as smoothing_start
from .theta import Theta

MIN_MODELLED_SEASONS = 2  # a classical model's errors need this many seasons

# the change "errors": the one-step errors of a fitted classical method
RECIPES = {
    "es": Recipe("errors"),
    "loges": Recipe("errors", logs=True),
    "hw": Recipe("errors", seasonal=True),
    "loghw": Recipe("errors", logs=True, seasonal=True),
    "theta": Recipe("errors", seasonal=True),
    "logtheta": Recipe("errors", logs=True, seasonal=True),
    "airline": Recipe("errors", seasonal=True),
    "logairline": Recipe("errors", logs=True, seasonal=True),
    "snaive": Recipe("sdiff", seasonal=True),
}
RESIDUALS = tuple(RECIPES)
# a series too short for the seasonal ones (see the module): the errors of
# the method without a season (Theta without one, exponential smoothing for
# Holt-Winters and the airline model); seasonal naive has none
SHORT = {
    "hw": "es",
    "loghw": "loges",
    "airline": "es",
    "logairline": "loges",
    "theta": "theta",
    "logtheta": "logtheta",
}
# a classical forecast over the whole history beneath the network
MODELLED = tuple(s for s, r in RECIPES.items() if r.change == "errors")
# the method of each (the name without "log") -> its algorithm (None: seasonal
# naive, a seasonal difference) and whether its errors are left uncentred
# (Theta's drift is halved on purpose; the airline model's errors are its own
# fit's; seasonal naive's forecast is y[t+1-m] itself)
METHODS = {
    "es": (Smoothing, False),
    "hw": (Smoothing, False),
    "theta": (Theta, True),
    "airline": (Airline, True),
    "snaive": (None, True),
}


class Residuals(Transform):
    """A classical method's one-step errors, scaled (see the module).

    The same arithmetic as :class:`~..features.transforms.Transform` on
    ``diff`` (or ``sdiff``), with the classical method's one-step forecast
    where a plain scaling has the last value: its ``smooth`` (the fitted
    :class:`~.smoothing.Smoothing`, :class:`~.theta.Theta` or
    :class:`~.airline.Airline`) runs over the whole history.
    """

    RECIPES = RECIPES
    min_seasons = MIN_MODELLED_SEASONS

    def __init__(self, scaling: str, name: str = "series", season: int | None = None,
                 ar: int = 0):  # fmt: skip
        super().__init__(scaling, name, season, ar)
        self.method = scaling[3:] if self.recipe.logs else scaling
        self.algorithm, self._unbiased = METHODS[self.method]
        self.smooth = None  # the fitted algorithm

    def _seasonless(self, scaling: str, season) -> bool:
        return season is None and scaling in ("theta", "logtheta")

    @property
    def defined(self) -> int:
        """The first step whose error is defined (see the module)."""
        if self.algorithm is Theta:
            m = self.season or 1  # Theta without a season: from step 2, as es
            return m + m // 2 + 1
        if self.algorithm is Smoothing:
            return smoothing_start(self.season)
        if self.algorithm is Airline:
            return self.season + 1
        return self.lag

    @property
    def reads_whole(self) -> bool:
        """The classical method runs over the whole history."""
        return self.algorithm is not None

    def _changes(self, b: np.ndarray) -> np.ndarray:
        if self.algorithm is None:
            return super()._changes(b)
        return b[1:] - self._whole(b)[1:-1]

    def _whole_of(self, b: np.ndarray) -> np.ndarray:
        """The classical one-step forecasts over ``b``."""
        return self.smooth.forecasts(b)

    def _fit_base(self, b: np.ndarray) -> None:
        if self.algorithm is Theta:
            self.smooth = Theta.fit(b, self.season, self.defined - 1)
        elif self.algorithm is not None:
            self.smooth = self.algorithm.fit(b, self.season)

    def _next(self, h: np.ndarray, linear):
        if self.algorithm is None:
            return super()._next(h, linear)
        f = self._whole(self._base(h))[-1]  # the classical forecast, corrected
        return self._inverse(f, linear)

    def to_dict(self) -> dict:
        d = super().to_dict()
        if self.smooth is not None:
            d["smoothing"] = self.smooth.to_dict()
        return d

    def _load(self, d: dict, name: str) -> None:
        if self.algorithm is not None:
            saved = d.get("smoothing")
            self.smooth = self.algorithm.from_dict(saved, self.season, name)
