"""From series to network inputs: per-series transforms.

A :class:`Transform` is one series' scaling, fitted on its training part
only: it turns values into the network's inputs and targets, and the
network's outputs back into values. The stretches the network trains on are
:func:`~unrolled.forecasting.features.windows.windows`.
"""

from __future__ import annotations

import numpy as np

from ...engine.validate import is_integer
from ...errors import InputError
from ..features.scaling import (
    MinMaxScaler,
    RootMeanSquareScaler,
    StandardScaler,
    checked_log,
    scaler_from_dict,
)
from ..features.seasons import (
    LAG_SEASONS,
    best_span,
    seasonal_profile,
    seasonal_steps,
)
from ..io.data import as_dataset
from .airline import Airline
from .smoothing import Smoothing
from .smoothing import start as smoothing_start
from .theta import Theta

SCALINGS = ("minmax", "standard", "log", "diff", "diff+level", "logdiff",
            "logdiff+level")  # fmt: skip
LEVEL_SCALINGS = ("minmax", "standard", "log")  # the network predicts the level
# seasonal scalings: they need the season length m (see Transform)
SEASONAL = ("diff+lag", "logdiff+lag", "sdiff", "logsdiff", "sdiff+diff", "diff+sa",
            "logdiff+sa", "hw", "loghw", "theta", "logtheta", "airline",
            "logairline", "snaive")  # fmt: skip
# the errors of exponential smoothing (with a season: Holt-Winters)
SMOOTHED = ("es", "loges", "hw", "loghw")
# the errors of the Theta method (smoothing with drift, the season taken out)
THETA = ("theta", "logtheta")
# the errors of Box and Jenkins' airline model, ARIMA(0,1,1)(0,1,1)
AIRLINE = ("airline", "logairline")
# a classical forecast over the whole history beneath the network
MODELLED = SMOOTHED + THETA + AIRLINE
# seasonal differences scaled but not centred: silent, seasonal naive itself
SNAIVE = "snaive"
# the change from one season back, y[t+1] - y[t+1-m] (of the logs: logsdiff)
SDIFFS = ("sdiff", "logsdiff", SNAIVE)
# changes of the log
LOGS = ("logdiff", "logdiff+level", "logsdiff", "logdiff+lag", "logdiff+sa", "loges",
        "loghw", "logtheta", "logairline")  # fmt: skip
SCALINGS += ("es", "loges") + SEASONAL
MIN_POINTS = 2  # the shortest history a model trains on or forecasts from
MIN_SEASONS = 3  # a seasonal scaling needs this many seasons of history ...
MIN_MODELLED_SEASONS = 2  # ... a classical model's (MODELLED) this many
ALL_HISTORY = 10**9  # lookback of a scaling that reads the whole history
RIDGE = 1.0  # the linear part's ridge penalty (inputs are standardized)


class Transform:
    """One series' scaling: network inputs and targets from values, and back.

    ``minmax``/``standard``/``log`` (standardized log level) scale the level
    and the network predicts the next scaled level; ``diff`` standardizes the
    one-step changes and the network predicts the next change (a trend is
    then a constant); ``diff+level`` adds the min-max level as a second
    input; ``logdiff`` uses changes of the log (returns), for positive series,
    and ``logdiff+level`` adds the min-max log level (a cycle or a pull
    back on the log scale: with ``ar``, an AR on log levels).

    Seasonal ones, with season length ``season`` (m): ``sdiff`` predicts the
    change from one season back, ``y[t+1] - y[t+1-m]``; ``logsdiff`` the same
    on logs (multiplicative seasonality and growth); ``sdiff+diff`` first
    differences of the seasonal differences; ``diff+lag`` and ``logdiff+lag``
    predict the one-step change and get, as a second input, the change one
    season before the target, so the network sees ``y[t+1-m]`` even when its
    window is shorter than a season. ``diff+sa`` and ``logdiff+sa`` predict
    the one-step change less its seasonal part (the classical
    decomposition's seasonal index as known at each step, from the whole
    history before it or its latest five seasons when the season moves, see
    :mod:`.seasons`), which the forecast puts back: a season estimated from
    years of history, less noisy than a few lags. They need ``MIN_SEASONS``
    seasons, and learn from the step where the seasonal index is first known
    on (:attr:`defined`).

    ``es`` and ``loges`` (logs) predict the one-step error of exponential
    smoothing with a damped trend, ``hw`` and ``loghw`` that of Holt-Winters
    (a season of length m too), fitted on the training part
    (:class:`~.smoothing.Smoothing`): the network starts from the classical
    forecast and learns what its errors still hold, as in Smyl's ES-RNN. The
    smoothing reads the whole history. ``theta`` and ``logtheta`` predict
    the one-step error of the Theta method (:class:`~.theta.Theta`: the
    seasonally adjusted values of ``+sa`` smoothed with a drift), from the
    step ``+sa`` learns from on; without a season (``season`` None, the
    only seasonal scalings that allow it) the values themselves smoothed
    with a drift, from step 2 on, as ``es``. ``airline`` and ``logairline``
    predict the one-step error of Box and Jenkins' airline model,
    ARIMA(0,1,1)(0,1,1) with season m (:class:`~.airline.Airline`), from
    step m + 1 on. ``snaive`` is ``sdiff`` with its changes scaled but not
    centred, so that a silent network (a zero output) forecasts ``y[t+1-m]``:
    seasonal naive itself, as a classical member (it needs the
    ``MIN_MODELLED_SEASONS`` of the classical models).

    ``ar`` (p > 0, change scalings only) adds a linear part, fitted per series
    on its training part by ridge least squares: the next scaled change from
    the last p scaled changes, the latest step's other inputs (seasonal
    profile or level) and a constant. The network then learns what the
    linear part leaves (its targets are the residuals) and the forecast is
    their sum: the linear part carries what is linear (an AR(p) on the
    changes, the seasonal profile's weight, the pull of the level), the
    network the rest, as in LSTNet's autoregressive highway. Too little
    history for 4 fitting rows per weight leaves the linear part at zero.
    """

    def __init__(self, scaling: str, name: str = "series", season: int | None = None,
                 ar: int = 0):  # fmt: skip
        if scaling not in SCALINGS:
            raise InputError(
                f"scaling: expected one of {', '.join(SCALINGS)} or 'auto', "
                f"got {scaling!r}"
            )
        seasonless = scaling in THETA and season is None  # Theta without a season
        bad = not (isinstance(season, int) and season >= 2)
        if scaling in SEASONAL and bad and not seasonless:
            raise InputError(
                f"scaling {scaling!r} of series {name!r}: needs a season length "
                f">= 2 (from the data's frequency or season=), got {season!r}"
            )
        if isinstance(ar, bool) or not isinstance(ar, int | np.integer) or ar < 0:
            raise InputError(
                f"ar of series {name!r}: expected an integer >= 0, got {ar!r}"
            )
        if ar and scaling in LEVEL_SCALINGS:
            raise InputError(
                f"ar of series {name!r}: a linear part needs a change scaling, "
                f"not {scaling!r}"
            )
        self.scaling, self.name = scaling, name
        self.season = season if scaling in SEASONAL else None
        self.level = self.change = None
        self.ar = int(ar)
        self.coef = None  # the linear part's n_weights weights (see _lagged)
        self.smooth = None  # the smoothing (SMOOTHED), Theta (THETA) or AIRLINE
        self.span = None  # seasons a seasonal index averages (+sa; None: all)
        self._whole_last = None  # (input, output) of _whole's latest call

    @property
    def n_features(self) -> int:
        two = ("diff+level", "logdiff+level", "diff+lag", "logdiff+lag")
        return 2 if self.scaling in two else 1

    @property
    def lag(self) -> int:
        """Steps back that one change needs: 1, m or m + 1."""
        m = self.season or 0
        lags = dict.fromkeys(SDIFFS, m) | {"sdiff+diff": m + 1}
        return lags.get(self.scaling, 1)

    @property
    def defined(self) -> int:
        """The first step whose change is defined: what the network learns from.

        ``lag``, but ``m + m // 2 + 1`` for the seasonally adjusted scalings:
        before it the seasonal step is not known yet (:func:`.seasons.seasonal_steps`
        is 0 until a season and a half has a centred average) and the change
        is not adjusted, a raw seasonal swing, far larger than the adjusted
        changes, that would set their scale and teach the network and the
        linear part a season their inputs do not have.
        """
        if self.scaling.endswith("+sa") or self.scaling in THETA:
            m = self.season or 1  # Theta without a season: from step 2, as es
            return m + m // 2 + 1
        if self.scaling in SMOOTHED:
            return smoothing_start(self.season)
        if self.scaling in AIRLINE:
            return self.season + 1
        return self.lag

    @property
    def warmup(self) -> int:
        """The first step whose inputs (and linear part) are all defined."""
        back = self.defined
        if self.scaling in ("diff+lag", "logdiff+lag"):
            back = LAG_SEASONS * self.season + 1
        return back + max(self.ar - 1, 0)

    @property
    def lookback(self) -> int:
        """Points before a window's first step that its inputs need.

        The seasonally adjusted scalings estimate their season from the
        whole history, the smoothed ones run over it: :data:`ALL_HISTORY`.
        """
        whole = self.scaling.endswith("+sa") or self.scaling in MODELLED
        return ALL_HISTORY if whole else self.warmup

    def _base(self, y: np.ndarray) -> np.ndarray:
        """The values on which changes are taken (logs for the log scalings)."""
        if self.scaling not in LOGS:
            return y
        return checked_log(y, f"series {self.name!r}: scaling {self.scaling!r}")

    def _changes(self, b: np.ndarray) -> np.ndarray:
        """The changes the network predicts, for steps lag..n-1."""
        m = self.season
        if self.scaling in SDIFFS:
            return b[m:] - b[:-m]
        if self.scaling == "sdiff+diff":
            s = b[m:] - b[:-m]
            return np.diff(s)
        if self.scaling.endswith("+sa"):
            return np.diff(b) - self._whole(b)[:-1]  # .seasons.adjusted_changes
        if self.scaling in MODELLED:
            return b[1:] - self._whole(b)[1:-1]
        return np.diff(b)

    def _whole(self, b: np.ndarray) -> np.ndarray:
        """What a scaling reads the whole history for: the seasonal steps of
        ``b`` (``+sa``) or the classical one-step forecasts (:data:`MODELLED`).

        The latest call's is kept: :meth:`features` and :meth:`inverter` of
        the same history (an origin's window and inverter) compute it once.
        """
        key = b.tobytes()
        if self._whole_last is None or self._whole_last[0] != key:
            if self.scaling.endswith("+sa"):
                out = seasonal_steps(b, self.season, self.span)
            else:
                out = self.smooth.forecasts(b)
            self._whole_last = (key, out)
        return self._whole_last[1]

    def fit(self, y: np.ndarray) -> Transform:
        """Fit on ``y`` (the training part) only."""
        y = np.asarray(y, dtype=np.float64)
        self._whole_last = None  # of the parameters before
        classical = (*MODELLED, SNAIVE)  # the classical members' scalings
        need = MIN_MODELLED_SEASONS if self.scaling in classical else MIN_SEASONS
        if self.season is not None and len(y) < need * self.season:
            raise InputError(
                f"series {self.name!r}: scaling {self.scaling!r} needs "
                f"{need} seasons ({need * self.season} points) to "
                f"train on, got {len(y)}"
            )
        if self.scaling in ("minmax", "diff+level", "logdiff+level"):
            log = self.scaling == "logdiff+level"
            self.level = MinMaxScaler(log=log).fit(y, self.name)
        if self.scaling in ("standard", "log"):
            self.level = StandardScaler(log=self.scaling == "log").fit(y, self.name)
        b = self._base(y)  # the logs (checked) once, for every step below
        if self.scaling in SMOOTHED:
            self.smooth = Smoothing.fit(b, self.season)
        if self.scaling in THETA:
            self.smooth = Theta.fit(b, self.season, self.defined - 1)
        if self.scaling in AIRLINE:
            self.smooth = Airline.fit(b, self.season)
        if self.scaling.endswith("+sa"):
            self.span = best_span(b, self.season, self.defined - 1)
        if self.scaling not in LEVEL_SCALINGS:
            d = self._changes(b)[self.defined - self.lag :]
            # Theta's drift is halved on purpose; the airline model's errors
            # are its own fit's; seasonal naive's forecast is y[t+1-m] itself
            unbiased = self.scaling in (*THETA, *AIRLINE, SNAIVE)
            scaler = RootMeanSquareScaler() if unbiased else StandardScaler()
            self.change = scaler.fit(d if d.size else [0.0], self.name)
        if self.ar:
            self.coef = self._fit_linear(y)
        return self

    @property
    def n_weights(self) -> int:
        """Weights of the linear part: p changes, the other inputs, a constant."""
        return self.ar + self.n_features

    def _lagged(self, F: np.ndarray) -> np.ndarray:
        """Rows t = p-1..n-1: changes t, t-1, .., t-p+1, step t's other inputs, 1."""
        p, n = self.ar, len(F)
        cols = [F[p - 1 - k : n - k, :1] for k in range(p)]
        return np.hstack([*cols, F[p - 1 :, 1:], np.ones((n - p + 1, 1))])

    def _fit_linear(self, y: np.ndarray) -> np.ndarray:
        """Ridge weights of the linear part, fitted on the training part ``y``."""
        start = self.warmup  # every input of the first row is defined
        k = self.n_weights
        if len(y) - 1 - start < 4 * k:
            return np.zeros(k)
        F = self.features(y)  # column 0: the scaled changes
        X = self._lagged(F[:-1])[start - self.ar + 1 :]
        Y = np.ascontiguousarray(F[start + 1 :, 0])  # BLAS rounds as before
        penalty = RIDGE * np.eye(k)
        return np.linalg.solve(X.T @ X + penalty, X.T @ Y)

    def linear(self, F: np.ndarray) -> np.ndarray:
        """The linear part's output after every step of inputs ``F`` (0 before p)."""
        out = np.zeros(len(F))
        if self.coef is not None and len(F) >= self.ar:
            out[self.ar - 1 :] = self._lagged(F) @ self.coef
        return out

    def _scaled_changes(self, y: np.ndarray) -> np.ndarray:
        """Scaled change at every step of ``y`` (0 where it is undefined)."""
        out = np.zeros(len(y))
        d = self._changes(self._base(y))
        if d.size:
            out[len(y) - d.size :] = self.change.transform(d)
        return out

    def features(self, y: np.ndarray) -> np.ndarray:
        """Network inputs for every step of ``y``: ``(len(y), n_features)``."""
        y = np.asarray(y, dtype=np.float64)
        cols = []
        if self.change is not None:
            d = self._scaled_changes(y)
            cols.append(d)
            if self.season is not None and self.scaling.endswith("+lag"):
                cols.append(seasonal_profile(d, self.season))
        if self.level is not None:
            cols.append(self.level.transform(y))
        return np.stack(cols, axis=1)

    def targets(self, y: np.ndarray) -> np.ndarray:
        """What the network should output after each step but the last.

        The next scaled change (less the linear part's output, with ``ar``),
        or the next scaled level.
        """
        y = np.asarray(y, dtype=np.float64)
        if self.change is None:
            return self.level.transform(y[1:])
        if self.coef is None:
            return self._scaled_changes(y)[1:]
        F = self.features(y)  # column 0: the scaled changes
        return F[1:, 0] - self.linear(F)[:-1]

    def invert(self, out, history: np.ndarray, features=None) -> float:
        """One network output -> the next value, given the history before it.

        ``features``: ``self.features(history)`` if the caller has it (the
        linear part reads the inputs of the last ``ar`` steps).
        """
        return self.inverter(history, features)(out)

    def inverter(self, history: np.ndarray, features=None):
        """:meth:`invert` for this history, as a function of the output alone.

        Everything that does not depend on the output (the seasonal index,
        the classical forecast, the linear part) is worked out here once, so
        that scoring a network at the same origins after every epoch does not
        redo it; the function then does the same arithmetic, in the same
        order, as :meth:`invert` does (it is what :meth:`invert` calls).
        """
        if self.change is None:
            return lambda out: float(
                self.level.inverse_transform(np.atleast_1d(out))[0]
            )
        h = np.asarray(history, dtype=np.float64)
        linear = None
        if self.coef is not None:
            F = features
            if F is None:
                F = self.features(h[-(self.lookback + 1) :])
            linear = self.linear(F[-self.ar :])[-1]
        m = self.season
        if len(h) < self.lag:  # too short to look a season back: naive
            last = float(h[-1])
            return lambda out: last
        if self.scaling.endswith("+sa"):  # the season from the whole history
            b = self._base(h)
            last, season = b[-1], self._whole(b)[-1]
            return lambda out: self._level(last + self._step(out, linear) + season)
        if self.scaling in MODELLED:  # the classical forecast, corrected
            f = self._whole(self._base(h))[-1]
            return lambda out: self._level(f + self._step(out, linear))
        b = self._base(h[-(self.lag + 1) :] if len(h) > self.lag else h)
        if self.scaling in SDIFFS:
            start = b[-m]
        elif self.scaling == "sdiff+diff":
            start = b[-1] + b[-m] - b[-m - 1]
        else:
            start = b[-1]
        return lambda out: self._level(start + self._step(out, linear))

    def _step(self, out, linear) -> float:
        """The change a network output means (plus the linear part's)."""
        out = np.atleast_1d(out).astype(np.float64)
        if linear is not None:
            out = out + linear
        return float(self.change.inverse_transform(out)[0])

    def _level(self, b: float) -> float:
        """A value from its base (the log for the log scalings)."""
        if self.scaling.startswith("log"):
            return float(np.exp(min(b, 709.0)))
        return float(b)

    def to_dict(self) -> dict:
        d = {
            "scaling": self.scaling,
            "level": None if self.level is None else self.level.to_dict(),
            "change": None if self.change is None else self.change.to_dict(),
        }
        if self.season is not None:
            d["season"] = self.season
        if self.ar:
            d["ar"] = self.ar
            d["coef"] = None if self.coef is None else [float(c) for c in self.coef]
        if self.smooth is not None:
            d["smoothing"] = self.smooth.to_dict()
        if self.span is not None:
            d["span"] = self.span
        return d

    @classmethod
    def from_dict(cls, d: dict, name: str) -> Transform:
        if not isinstance(d, dict) or "scaling" not in d:
            raise InputError(f"transform of series {name!r}: expected an object")
        t = cls(d["scaling"], name, d.get("season"), d.get("ar", 0))
        if d.get("coef") is not None:
            t.coef = np.asarray(d["coef"], dtype=np.float64)
            if t.coef.shape != (t.n_weights,) or not np.all(np.isfinite(t.coef)):
                raise InputError(f"transform of series {name!r}: bad linear part")
        t.level = None if d.get("level") is None else scaler_from_dict(d["level"])
        t.change = None if d.get("change") is None else scaler_from_dict(d["change"])
        if (t.change is None) != (t.scaling in LEVEL_SCALINGS):
            raise InputError(f"transform of series {name!r}: inconsistent scalers")
        if t.scaling in SMOOTHED:
            t.smooth = Smoothing.from_dict(d.get("smoothing"), t.season, name)
        if t.scaling in THETA:
            t.smooth = Theta.from_dict(d.get("smoothing"), t.season, name)
        if t.scaling in AIRLINE:
            t.smooth = Airline.from_dict(d.get("smoothing"), t.season, name)
        t.span = d.get("span")
        good = is_integer(t.span) and t.span > 0
        if t.span is not None and not (good and t.scaling.endswith("+sa")):
            raise InputError(f"transform of series {name!r}: bad span {t.span!r}")
        return t


def as_series(data) -> tuple[list[str], list[np.ndarray], str]:
    """(names, values, frequency) from a Dataset, DataFrame, dict or list."""
    ds = as_dataset(data)
    values = [np.asarray(s.values, dtype=np.float64) for s in ds.series]
    for s, v in zip(ds.series, values, strict=True):
        if len(v) < MIN_POINTS:
            raise InputError(
                f"series {s.name!r}: {len(v)} point(s), need at least {MIN_POINTS} "
                "to train on (one input and the value after it)"
            )
    return [s.name for s in ds.series], values, ds.frequency


def naive_unit(y: np.ndarray) -> float:
    """Mean absolute one-step change (the MASE unit); never zero."""
    d = np.abs(np.diff(y))
    u = float(d.mean()) if d.size else 0.0
    return u if u > 0 else max(float(np.abs(y).mean()), 1e-12)
