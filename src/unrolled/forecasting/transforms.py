"""From series to network inputs: per-series transforms and training windows.

A :class:`Transform` is one series' scaling, fitted on its training part
only: it turns values into the network's inputs and targets, and the
network's outputs back into values. :func:`windows` cuts a series into the
overlapping stretches the network trains on.
"""

from __future__ import annotations

import numpy as np

from .data import as_dataset
from .scaling import MinMaxScaler, StandardScaler, checked_log, scaler_from_dict

SCALINGS = ("minmax", "standard", "log", "diff", "diff+level", "logdiff")
MIN_POINTS = 2  # the shortest history a model trains on or forecasts from


class Transform:
    """One series' scaling: network inputs and targets from values, and back.

    ``minmax``/``standard``/``log`` (standardized log level) scale the level
    and the network predicts the next scaled level; ``diff`` standardizes the
    one-step changes and the network predicts the next change (a trend is
    then a constant); ``diff+level`` adds the min-max level as a second
    input; ``logdiff`` uses changes of the log (returns), for positive series.
    """

    def __init__(self, scaling: str, name: str = "series"):
        if scaling not in SCALINGS:
            raise ValueError(
                f"scaling: expected one of {', '.join(SCALINGS)} or 'auto', "
                f"got {scaling!r}"
            )
        self.scaling, self.name = scaling, name
        self.level = self.change = None

    @property
    def n_features(self) -> int:
        return 2 if self.scaling == "diff+level" else 1

    def _base(self, y: np.ndarray) -> np.ndarray:
        """The values on which changes are taken (logs for ``logdiff``)."""
        if self.scaling != "logdiff":
            return y
        return checked_log(y, f"series {self.name!r}: scaling 'logdiff'")

    def fit(self, y: np.ndarray) -> Transform:
        """Fit on ``y`` (the training part) only."""
        if self.scaling in ("minmax", "diff+level"):
            self.level = MinMaxScaler().fit(y, self.name)
        if self.scaling in ("standard", "log"):
            self.level = StandardScaler(log=self.scaling == "log").fit(y, self.name)
        if self.scaling in ("diff", "diff+level", "logdiff"):
            d = np.diff(self._base(y))
            self.change = StandardScaler().fit(d if d.size else [0.0], self.name)
        return self

    def features(self, y: np.ndarray) -> np.ndarray:
        """Network inputs for every step of ``y``: ``(len(y), n_features)``."""
        cols = []
        if self.change is not None:
            d = self.change.transform(np.diff(self._base(y)))
            cols.append(np.concatenate([[0.0], d]))  # no change before step 0
        if self.level is not None:
            cols.append(self.level.transform(y))
        return np.stack(cols, axis=1)

    def targets(self, y: np.ndarray) -> np.ndarray:
        """What the network should output after each step but the last."""
        if self.change is not None:
            return self.change.transform(np.diff(self._base(y)))
        return self.level.transform(y[1:])

    def invert(self, out: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Network outputs -> next values, given the last known values."""
        if self.change is None:
            return self.level.inverse_transform(out)
        step = self.change.inverse_transform(out)
        if self.scaling == "logdiff":
            return np.exp(np.minimum(np.log(last) + step, 709.0))
        return last + step

    def to_dict(self) -> dict:
        return {
            "scaling": self.scaling,
            "level": None if self.level is None else self.level.to_dict(),
            "change": None if self.change is None else self.change.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict, name: str) -> Transform:
        if not isinstance(d, dict) or "scaling" not in d:
            raise ValueError(f"transform of series {name!r}: expected an object")
        t = cls(d["scaling"], name)
        t.level = None if d.get("level") is None else scaler_from_dict(d["level"])
        t.change = None if d.get("change") is None else scaler_from_dict(d["change"])
        if (t.change is None) == (t.scaling in ("diff", "diff+level", "logdiff")):
            raise ValueError(f"transform of series {name!r}: inconsistent scalers")
        return t


def as_series(data) -> tuple[list[str], list[np.ndarray], str]:
    """(names, values, frequency) from a Dataset, DataFrame, dict or list."""
    ds = as_dataset(data)
    values = [np.asarray(s.values, dtype=np.float64) for s in ds.series]
    for s, v in zip(ds.series, values, strict=True):
        if len(v) < MIN_POINTS:
            raise ValueError(
                f"series {s.name!r}: {len(v)} point(s), need at least {MIN_POINTS} "
                "to train on (one input and the value after it)"
            )
    return [s.name for s in ds.series], values, ds.frequency


def windows(n: int, length: int, stride: int) -> list[tuple[int, int]]:
    """(start, stop) of the windows over the ``n - 1`` inputs of an n-point series.

    Windows end at the last input and step back by ``stride``; the first one
    starts at 0. A series with ``n - 1 <= length`` inputs is one window.
    """
    last = n - 1
    if last <= length:
        return [(0, last)]
    out = [(e - length, e) for e in range(last, length - 1, -stride)]
    if out[-1][0] > 0:
        out.append((0, length))
    return out


def naive_unit(y: np.ndarray) -> float:
    """Mean absolute one-step change (the MASE unit); never zero."""
    d = np.abs(np.diff(y))
    u = float(d.mean()) if d.size else 0.0
    return u if u > 0 else max(float(np.abs(y).mean()), 1e-12)
