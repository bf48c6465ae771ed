"""From series to network inputs: per-series scalings.

A :class:`Transform` is one series' scaling, fitted on its training part
only: it turns values into the network's inputs and targets, and the
network's outputs back into values. The stretches the network trains on are
:func:`~unrolled.forecasting.features.windows.windows`. A classical model's
errors beneath a network (a hybrid) are a scaling built on this one, in
:mod:`unrolled.forecasting.models.residuals`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...engine.validate import is_integer
from ...errors import InputError
from ..io.data import as_dataset
from .inverse import Inverse
from .scaling import (
    MinMaxScaler,
    RootMeanSquareScaler,
    StandardScaler,
    checked_log,
    scaler_from_dict,
)
from .seasons import LAG_SEASONS, best_span, seasonal_profile, seasonal_steps

MIN_POINTS = 2  # the shortest history a model trains on or forecasts from
MIN_SEASONS = 3  # a seasonal scaling needs this many seasons of history
ALL_HISTORY = 10**9  # lookback of a scaling that reads the whole history
RIDGE = 1.0  # the linear part's ridge penalty (inputs are standardized)


class Recipe(NamedTuple):
    """What a scaling's name means.

    ``change``: what the network predicts, None (the scaled level itself),
    ``"diff"`` (the one-step change), ``"lag"`` (the one-step change, with
    the change one season back as a second input), ``"sdiff"`` (the change
    from one season back), ``"sdiff+diff"`` (its first difference) or
    ``"sa"`` (the one-step change less its seasonal part); ``logs``: changes
    of the log; ``level``: the level's scaler (a class and its ``log``), the
    network's only input without a change, else a second input;
    ``seasonal``: it needs a season length.
    """

    change: str | None
    logs: bool = False
    level: tuple | None = None
    seasonal: bool = False


RECIPES = {
    "minmax": Recipe(None, level=(MinMaxScaler, False)),
    "standard": Recipe(None, level=(StandardScaler, False)),
    "log": Recipe(None, level=(StandardScaler, True)),
    "diff": Recipe("diff"),
    "diff+level": Recipe("diff", level=(MinMaxScaler, False)),
    "logdiff": Recipe("diff", logs=True),
    "logdiff+level": Recipe("diff", logs=True, level=(MinMaxScaler, True)),
    "diff+lag": Recipe("lag", seasonal=True),
    "logdiff+lag": Recipe("lag", logs=True, seasonal=True),
    "sdiff": Recipe("sdiff", seasonal=True),
    "logsdiff": Recipe("sdiff", logs=True, seasonal=True),
    "sdiff+diff": Recipe("sdiff+diff", seasonal=True),
    "diff+sa": Recipe("sa", seasonal=True),
    "logdiff+sa": Recipe("sa", logs=True, seasonal=True),
}
SCALINGS = tuple(RECIPES)  # the plain scalings (no model beneath the network)
# the network predicts the level
LEVEL_SCALINGS = tuple(s for s, r in RECIPES.items() if r.change is None)
# seasonal scalings: they need the season length m (see Transform)
SEASONAL = tuple(s for s, r in RECIPES.items() if r.seasonal)
LOGS = tuple(s for s, r in RECIPES.items() if r.logs)  # changes of the log
# a series too short for a seasonal scaling, in a group whose network reads
# that scaling (..models.scalings.fit_transforms), reads instead the scaling
# without a season with the same inputs: the changes (of the log) ...
SHORT = {
    "sdiff": "diff",
    "logsdiff": "logdiff",
    "sdiff+diff": "diff",
    "diff+sa": "diff",
    "logdiff+sa": "logdiff",
}
# ... or, for these, the scaling itself: its seasonal input averages the
# seasons the series holds (0 before the first), as a long series' first
# steps do; its linear part stays at zero (too few rows)
ANY_LENGTH = ("diff+lag", "logdiff+lag")


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

    ``ar`` (p > 0, change scalings only) adds a linear part, fitted per series
    on its training part by ridge least squares: the next scaled change from
    the last p scaled changes, the latest step's other inputs (seasonal
    profile or level) and a constant. The network then learns what the
    linear part leaves (its targets are the residuals) and the forecast is
    their sum: the linear part carries what is linear (an AR(p) on the
    changes, the seasonal profile's weight, the pull of the level), the
    network the rest, as in LSTNet's autoregressive highway. Too little
    history for 4 fitting rows per weight leaves the linear part at zero.

    What each name means is its :class:`Recipe` (:data:`RECIPES`); a
    subclass with its own ``RECIPES`` adds scalings (a classical model's
    errors: :class:`~unrolled.forecasting.models.residuals.Residuals`).
    """

    RECIPES = RECIPES
    min_seasons = MIN_SEASONS  # a seasonal scaling needs this many seasons

    def __init__(self, scaling: str, name: str = "series", season: int | None = None,
                 ar: int = 0):  # fmt: skip
        if scaling not in self.RECIPES:
            raise InputError(
                f"scaling: expected one of {', '.join(self.RECIPES)} or 'auto', "
                f"got {scaling!r}"
            )
        self.recipe = recipe = self.RECIPES[scaling]
        bad = not (isinstance(season, int) and season >= 2)
        if recipe.seasonal and bad and not self._seasonless(scaling, season):
            raise InputError(
                f"scaling {scaling!r} of series {name!r}: needs a season length "
                f">= 2 (from the data's frequency or season=), got {season!r}"
            )
        if isinstance(ar, bool) or not isinstance(ar, int | np.integer) or ar < 0:
            raise InputError(
                f"ar of series {name!r}: expected an integer >= 0, got {ar!r}"
            )
        if ar and recipe.change is None:
            raise InputError(
                f"ar of series {name!r}: a linear part needs a change scaling, "
                f"not {scaling!r}"
            )
        self.scaling, self.name = scaling, name
        self.season = season if recipe.seasonal else None
        self.level = self.change = None
        self.ar = int(ar)
        self.coef = None  # the linear part's n_weights weights (see _lagged)
        self.span = None  # seasons a seasonal index averages (+sa; None: all)
        self._whole_last = None  # (input, output) of _whole's latest call

    def _seasonless(self, scaling: str, season) -> bool:
        """Whether a seasonal ``scaling`` may go without a season (none may)."""
        return False

    @property
    def n_features(self) -> int:
        r = self.recipe
        return 2 if r.change == "lag" or (r.change and r.level) else 1

    @property
    def lag(self) -> int:
        """Steps back that one change needs: 1, m or m + 1."""
        m = self.season or 0
        return {"sdiff": m, "sdiff+diff": m + 1}.get(self.recipe.change, 1)

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
        if self.recipe.change == "sa":
            m = self.season
            return m + m // 2 + 1
        return self.lag

    @property
    def warmup(self) -> int:
        """The first step whose inputs (and linear part) are all defined."""
        back = self.defined
        if self.recipe.change == "lag":
            back = LAG_SEASONS * self.season + 1
        return back + max(self.ar - 1, 0)

    @property
    def reads_whole(self) -> bool:
        """Whether its changes read the whole history (``+sa``: the season)."""
        return self.recipe.change == "sa"

    @property
    def lookback(self) -> int:
        """Points before a window's first step that its inputs need.

        The seasonally adjusted scalings estimate their season from the
        whole history (:attr:`reads_whole`): :data:`ALL_HISTORY`.
        """
        return ALL_HISTORY if self.reads_whole else self.warmup

    def _base(self, y: np.ndarray) -> np.ndarray:
        """The values on which changes are taken (logs for the log scalings)."""
        if not self.recipe.logs:
            return y
        return checked_log(y, f"series {self.name!r}: scaling {self.scaling!r}")

    def _changes(self, b: np.ndarray) -> np.ndarray:
        """The changes the network predicts, for steps lag..n-1."""
        m, change = self.season, self.recipe.change
        if change == "sdiff":
            return b[m:] - b[:-m]
        if change == "sdiff+diff":
            s = b[m:] - b[:-m]
            return np.diff(s)
        if change == "sa":
            return np.diff(b) - self._whole(b)[:-1]  # .seasons.adjusted_changes
        return np.diff(b)

    def _whole(self, b: np.ndarray) -> np.ndarray:
        """What a scaling reads the whole history for (:meth:`_whole_of`).

        The latest call's is kept: :meth:`features` and :meth:`inverter` of
        the same history (an origin's window and inverter) compute it once.
        """
        key = b.tobytes()
        if self._whole_last is None or self._whole_last[0] != key:
            self._whole_last = (key, self._whole_of(b))
        return self._whole_last[1]

    def _whole_of(self, b: np.ndarray) -> np.ndarray:
        """The seasonal steps of ``b`` (``+sa``)."""
        return seasonal_steps(b, self.season, self.span)

    def fit(self, y: np.ndarray, seasons: int | None = None) -> Transform:
        """Fit on ``y`` (the training part) only.

        ``seasons``: the fewest seasons ``y`` must hold (default
        :attr:`min_seasons`; 0 for a short series of a group that reads a
        ``+lag`` scaling, :data:`ANY_LENGTH`).
        """
        y = np.asarray(y, dtype=np.float64)
        self._whole_last = None  # of the parameters before
        need = self.min_seasons if seasons is None else seasons
        if self.too_short(len(y), need):
            raise InputError(
                f"series {self.name!r}: scaling {self.scaling!r} needs "
                f"{need} seasons ({need * self.season} points) to "
                f"train on, got {len(y)}"
            )
        if self.recipe.level is not None:
            scaler, log = self.recipe.level
            self.level = scaler(log=log).fit(y, self.name)
        b = self._base(y)  # the logs (checked) once, for every step below
        self._fit_base(b)
        if self.recipe.change is not None:
            d = self._changes(b)[self.defined - self.lag :]
            scaler = RootMeanSquareScaler() if self._unbiased else StandardScaler()
            self.change = scaler.fit(d if d.size else [0.0], self.name)
        if self.ar:
            self.coef = self._fit_linear(y)
        return self

    def too_short(self, n: int, seasons: int | None = None) -> bool:
        """Whether a history of ``n`` points is under ``seasons`` seasons (by
        default :attr:`min_seasons`: :meth:`fit` refuses it)."""
        need = self.min_seasons if seasons is None else seasons
        return self.season is not None and n < need * self.season

    def _fit_base(self, b: np.ndarray) -> None:
        """Fit what the changes of ``b`` need (``+sa``: the seasons averaged)."""
        if self.recipe.change == "sa":
            self.span = best_span(b, self.season, self.defined - 1)

    _unbiased = False  # the changes scaled but not centred (a subclass's)

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
            if self.recipe.change == "lag":
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
        redo it: an :class:`~.inverse.Inverse`, which then does the arithmetic
        that depends on the output (it is what :meth:`invert` calls; many
        at once: :class:`~.inverse.Inverses`).
        """
        if self.change is None:
            return Inverse(self.level)
        h = np.asarray(history, dtype=np.float64)
        linear = None
        if self.coef is not None:
            F = features
            if F is None:
                F = self.features(h[-(self.lookback + 1) :])
            linear = self.linear(F[-self.ar :])[-1]
        if len(h) < self.lag:  # too short to look a season back: naive
            return Inverse.constant(float(h[-1]))
        return self._next(h, linear)

    def _next(self, h: np.ndarray, linear):
        """:meth:`inverter` past its common part: the next value from the
        network's output, after a history ``h`` at least :attr:`lag` long."""
        m, change = self.season, self.recipe.change
        if change == "sa":  # the season from the whole history
            b = self._base(h)
            last, season = b[-1], self._whole(b)[-1]
            return self._inverse(last, linear, season)
        b = self._base(h[-(self.lag + 1) :] if len(h) > self.lag else h)
        if change == "sdiff":
            start = b[-m]
        elif change == "sdiff+diff":
            start = b[-1] + b[-m] - b[-m - 1]
        else:
            start = b[-1]
        return self._inverse(start, linear)

    def _inverse(self, start, linear, season=None) -> Inverse:
        """``start`` plus the change an output means (plus the linear part's),
        plus ``season``: the next value (of the log for the log scalings)."""
        return Inverse(self.change, start, linear, season, self.recipe.logs)

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
        if (t.change is None) != (t.recipe.change is None):
            raise InputError(f"transform of series {name!r}: inconsistent scalers")
        t._load(d, name)
        t.span = d.get("span")
        good = is_integer(t.span) and t.span > 0
        if t.span is not None and not (good and t.recipe.change == "sa"):
            raise InputError(f"transform of series {name!r}: bad span {t.span!r}")
        return t

    def _load(self, d: dict, name: str) -> None:
        """Read what a subclass saves besides (a plain scaling saves nothing)."""


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
