"""The airline model's forecast: what the ``airline`` scalings start from.

Box and Jenkins' airline model, ARIMA(0,1,1)(0,1,1) with season m, the
classical model of monthly series with a trend and a season (on logs, for
the log scalings: a season that grows with the level): the changes of the
seasonal changes are a moving average of the one-step errors,

    b[t] - b[t-1] - b[t-m] + b[t-m-1]
        = e[t] - theta e[t-1] - Theta e[t-m] + theta Theta e[t-m-1],

so the forecast of ``b[t]`` is ``b[t-1] + b[t-m] - b[t-m-1] - theta e[t-1]
- Theta e[t-m] + theta Theta e[t-m-1]`` and ``e[t]`` its error. The errors
before step m + 1 are taken as 0 and those forecasts as the last value (the
conditional sum of squares start). ``theta`` and ``Theta`` are the point of
a fixed grid (:data:`THETAS`, :data:`SEASONAL_THETAS`, all invertible) with
the least squared one-step error over the history given, from step m + 1:
like :class:`.smoothing.Smoothing`, a grid, not an optimizer, every point
at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ...engine.validate import is_real
from ..progress import note

THETAS = (-0.6, -0.4, -0.2, 0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SEASONAL_THETAS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def forecasts(b, m, theta, stheta):
    """One-step forecasts ``f[t]`` of ``b[t]`` from ``b[:t]``, t = 0..n.

    ``theta``, ``stheta``: arrays of K parameter sets; ``m``: the season.
    Returns ``(n + 1, K)``: row n is the forecast of the next value.
    """
    n, k = b.shape[0], theta.shape[0]
    out = np.empty((n + 1, k))
    e = np.zeros((n + 1, k))
    for t in range(n + 1):
        if t == 0:
            out[t] = b[0]
            continue
        if t <= m:
            out[t] = b[t - 1]
            continue
        out[t] = (b[t - 1] + b[t - m] - b[t - m - 1] - theta * e[t - 1]
                  - stheta * e[t - m] + theta * stheta * e[t - m - 1])  # fmt: skip
        if t < n:
            e[t] = b[t] - out[t]
    return out


def forecasts_one(b, m, theta, stheta):
    """``forecasts(b, m, [theta], [stheta])[:, 0]`` with scalars: the same
    operations in the same order (the same numbers, bit for bit), without
    the temporaries every step of :func:`forecasts` allocates once compiled,
    and faster in plain Python too (see :func:`.smoothing.forecasts_one`)."""
    n = b.shape[0]
    out = np.empty(n + 1)
    e = np.zeros(n + 1)
    for t in range(n + 1):
        if t == 0:
            out[t] = b[0]
            continue
        if t <= m:
            out[t] = b[t - 1]
            continue
        out[t] = (b[t - 1] + b[t - m] - b[t - m - 1] - theta * e[t - 1]
                  - stheta * e[t - m] + theta * stheta * e[t - m - 1])  # fmt: skip
        if t < n:
            e[t] = b[t] - out[t]
    return out


@cache
def compiled_one():
    """:func:`forecasts_one` compiled by Numba (cached on disk)."""
    import numba

    return numba.njit(cache=True)(forecasts_one)


@cache
def compiled():
    """:func:`forecasts` compiled by Numba (cached on disk after the first run)."""
    import numba

    return numba.njit(cache=True)(forecasts)


def kernel_one():
    """:func:`compiled_one`, or :func:`forecasts_one` on the engine's readable
    path (as :func:`kernel`)."""
    from ...engine.dispatch import backend

    if not backend.readable() and compiled_one.cache_info().currsize == 0:
        note("airline kernel of one parameter set (a first run compiles it)")
    return backend.kernel(compiled_one, forecasts_one)


def kernel():
    """:func:`compiled`, or :func:`forecasts` on the engine's readable path."""
    from ...engine.dispatch import backend

    if compiled.cache_info().currsize == 0:  # the first use in this process
        note("airline kernel (a first run compiles it, up to a minute)")

    return backend.kernel(compiled, forecasts)


def grid() -> np.ndarray:
    """The parameter sets tried, ``(2, K)``: theta, Theta."""
    return np.array([(a, s) for a in THETAS for s in SEASONAL_THETAS]).T


def checked(b) -> np.ndarray:
    """``b`` as contiguous float64; ValueError if it is empty."""
    b = np.ascontiguousarray(b, dtype=np.float64)
    if len(b) == 0:
        raise ValueError("the airline model needs at least one value, got none")
    return b


@dataclass(frozen=True)
class Airline:
    """One series' airline-model parameters; :meth:`fit` finds them."""

    theta: float
    stheta: float
    season: int

    @classmethod
    def fit(cls, b: np.ndarray, season: int) -> Airline:
        """The grid point with the least squared one-step error on ``b``;
        ValueError if ``b`` is empty (the kernels read its first value)."""
        b = checked(b)
        g = grid()
        f = kernel()(b, season, g[0], g[1])
        err = b[season + 1 :, None] - f[season + 1 : len(b)]
        best = int(np.argmin((err**2).sum(axis=0))) if err.size else 0
        return cls(float(g[0, best]), float(g[1, best]), season)

    def forecasts(self, b: np.ndarray) -> np.ndarray:
        """One-step forecasts of ``b[t]`` for t = 0..len(b) (the last: the next)."""
        b = checked(b)
        return kernel_one()(b, self.season, float(self.theta), float(self.stheta))

    def to_dict(self) -> dict:
        return {"theta": self.theta, "stheta": self.stheta}

    @classmethod
    def from_dict(cls, d, season: int, name: str) -> Airline:
        """From :meth:`to_dict`'s output; ValueError names the series."""
        bad = ValueError(f"transform of series {name!r}: bad airline parameters")
        if not isinstance(d, dict):
            raise bad
        theta, stheta = d.get("theta"), d.get("stheta")
        if not (is_real(theta) and is_real(stheta)):
            raise bad
        if not (abs(theta) < 1 and abs(stheta) < 1):  # invertible
            raise bad
        return cls(float(theta), float(stheta), season)
