"""Per-series scalers: min-max to [low, high] and standardization, optionally on logs.

A scaler is fitted on exactly the values it is given (the forecasting code
gives it a series' training part only), so a later, higher test point maps
above ``high``: nothing about the test part leaks into the scaling. Every
scaler is an affine map ``y = (f(x) - shift) / scale`` with ``f = log`` or the
identity, and serialises to plain JSON data (:meth:`to_dict`), never pickle.

Example::

    sc = MinMaxScaler().fit(train)          # the lesson's Low=0 ... High=1
    z = sc.transform(train)                 # in [0, 1]
    prices = sc.inverse_transform(z_pred)   # back to prices
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...engine.validate import check_finite_1d
from ...errors import InputError, NotFittedError

LOG_MAX = 709.0  # exp(709) is near the float64 limit: clip instead of inf


def _as_1d(values, name: str, what: str = "values") -> np.ndarray:
    return check_finite_1d(f"{what} of series {name!r}", values)


def checked_log(x: np.ndarray, what: str) -> np.ndarray:
    """``np.log(x)``, refusing non-positive values; ``what`` names the series."""
    if (x <= 0).any():
        i = int(np.argmax(x <= 0))
        raise InputError(f"{what} needs positive values, got {x[i]:g} at position {i}")
    return np.log(x)


class _AffineScaler:
    """Shared machinery: optional log, then ``(v - shift) / scale``."""

    kind = ""

    def __init__(self, log: bool = False):
        self.log = bool(log)
        self.shift: float | None = None
        self.scale: float | None = None
        self.name = "series"

    # -- the part each scaler defines
    def _shift_scale(self, v: np.ndarray) -> tuple[float, float]:
        raise NotImplementedError

    # -- shared
    def _forward(self, x: np.ndarray) -> np.ndarray:
        if not self.log:
            return x
        return checked_log(x, f"log scaling of series {self.name!r}")

    def fit(self, values, name: str = "series") -> _AffineScaler:
        """Fit on ``values`` (1-D) only; ``name`` is used in error messages."""
        self.name = str(name)
        x = _as_1d(values, self.name)
        if x.size == 0:
            raise InputError(
                f"values of series {self.name!r}: expected at least 1 value"
            )
        self.shift, self.scale = self._shift_scale(self._forward(x))
        return self

    def _check_fitted(self) -> None:
        if self.scale is None:
            raise NotFittedError(
                f"{type(self).__name__} is not fitted: call fit(values) first"
            )

    def transform(self, values) -> np.ndarray:
        """Map values to the scaled space (same shape as given)."""
        self._check_fitted()
        x = np.asarray(values, dtype=np.float64)
        flat = _as_1d(x.reshape(-1), self.name)
        return ((self._forward(flat) - self.shift) / self.scale).reshape(x.shape)

    def inverse_transform(self, values) -> np.ndarray:
        """Map scaled values back to the original units (same shape as given)."""
        self._check_fitted()
        y = np.asarray(values, dtype=np.float64)
        v = y * self.scale + self.shift
        if self.log:
            v = np.exp(np.minimum(v, LOG_MAX))
        return v

    def fit_transform(self, values, name: str = "series") -> np.ndarray:
        return self.fit(values, name).transform(values)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data that :func:`scaler_from_dict` turns back into a scaler."""
        self._check_fitted()
        d = {"kind": self.kind, "log": self.log, "name": self.name}
        d.update(self._params())
        d.update({"shift": float(self.shift), "scale": float(self.scale)})
        return d

    def _params(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> _AffineScaler:
        """Rebuild a fitted scaler from :meth:`to_dict` output (validated)."""
        if not isinstance(d, dict):
            raise InputError(f"scaler: expected a JSON object, got {type(d).__name__}")
        if d.get("kind") != cls.kind:
            raise InputError(
                f"scaler: expected kind {cls.kind!r}, got {d.get('kind')!r}"
            )
        need = ["log", "shift", "scale", *cls._param_names()]
        missing = [k for k in need if k not in d]
        if missing:
            raise InputError(f"scaler: missing keys {', '.join(missing)}")
        nums = {}
        for k in ["shift", "scale", *cls._param_names()]:
            v = d[k]
            if (
                isinstance(v, bool)
                or not isinstance(v, int | float)
                or not math.isfinite(v)
            ):
                raise InputError(f"scaler: {k!r} must be a finite number, got {v!r}")
            if abs(v) > 1e16:  # data are |x| <= 1e15: larger is a tampered file
                raise InputError(f"scaler: {k!r} must be within +-1e16, got {v!r}")
            nums[k] = float(v)
        if nums["scale"] <= 0:
            raise InputError(f"scaler: 'scale' must be > 0, got {nums['scale']!r}")
        if not isinstance(d["log"], bool):
            raise InputError(f"scaler: 'log' must be true or false, got {d['log']!r}")
        obj = cls(log=d["log"], **{k: nums[k] for k in cls._param_names()})
        obj.shift, obj.scale = nums["shift"], nums["scale"]
        obj.name = str(d.get("name", "series"))
        return obj

    @classmethod
    def _param_names(cls) -> list[str]:
        return []

    def __repr__(self) -> str:
        state = "fitted" if self.scale is not None else "not fitted"
        return f"{type(self).__name__}(log={self.log}, {state})"


def _spread_of_constant(v: np.ndarray) -> float:
    """A unit for a (near-)constant series: its magnitude, or 1 for zeros."""
    m = float(np.max(np.abs(v)))
    return m if m > 0 else 1.0


class MinMaxScaler(_AffineScaler):
    """Map the fitted values' range to ``[low, high]`` (the lesson's 0 ... 1).

    A constant series maps to the middle of the interval, with its own
    magnitude as the unit (no division by zero).
    """

    kind = "minmax"

    def __init__(self, low: float = 0.0, high: float = 1.0, log: bool = False):
        super().__init__(log)
        if not (math.isfinite(low) and math.isfinite(high) and high > low):
            raise InputError(
                f"low, high: expected finite low < high, got {low}, {high}"
            )
        self.low, self.high = float(low), float(high)

    def _shift_scale(self, v):
        lo, hi = float(v.min()), float(v.max())
        width = self.high - self.low
        if hi - lo <= 1e-12 * _spread_of_constant(v):
            scale = _spread_of_constant(v) / width
            return lo - (self.low + width / 2) * scale, scale
        scale = (hi - lo) / width
        return lo - self.low * scale, scale

    def _params(self):
        return {"low": self.low, "high": self.high}

    @classmethod
    def _param_names(cls):
        return ["low", "high"]


class StandardScaler(_AffineScaler):
    """Subtract the mean and divide by the standard deviation (of logs if ``log``).

    A constant series gets its own magnitude as the unit (no division by zero).
    """

    kind = "standard"

    def _shift_scale(self, v):
        m = _spread_of_constant(v)
        u = v / m  # robust for tiny (1e-300) or huge magnitudes
        mean, std = float(u.mean()) * m, float(u.std()) * m
        if std <= 1e-12 * m:
            return mean, m
        return mean, std


class RootMeanSquareScaler(_AffineScaler):
    """Divide by the root mean square, subtract nothing: for the errors of a
    forecast that is meant to be unbiased (zero stays zero, "as forecast").

    All zeros get 1 as the unit.
    """

    kind = "rms"

    def _shift_scale(self, v):
        m = _spread_of_constant(v)
        rms = float(np.sqrt(np.mean((v / m) ** 2))) * m
        return 0.0, rms if rms > 1e-12 * m else m


SCALERS = {
    "minmax": lambda: MinMaxScaler(),
    "standard": lambda: StandardScaler(),
    "log-minmax": lambda: MinMaxScaler(log=True),
    "log-standard": lambda: StandardScaler(log=True),
}
_KINDS = {"minmax": MinMaxScaler, "standard": StandardScaler,
          "rms": RootMeanSquareScaler}  # fmt: skip


def make_scaler(name: str) -> _AffineScaler:
    """A new, unfitted scaler: minmax, standard, log-minmax or log-standard."""
    if name not in SCALERS:
        raise InputError(f"scaler: expected one of {', '.join(SCALERS)}, got {name!r}")
    return SCALERS[name]()


def scaler_from_dict(d: dict[str, Any]) -> _AffineScaler:
    """Rebuild any fitted scaler from its :meth:`to_dict` data."""
    kind = d.get("kind") if isinstance(d, dict) else None
    if kind not in _KINDS:
        raise InputError(
            f"scaler: unknown kind {kind!r}; expected one of {', '.join(_KINDS)}"
        )
    return _KINDS[kind].from_dict(d)
