"""Exponential smoothing: the classical forecast a network on its errors starts from.

Additive exponential smoothing with a damped trend and, given a season
length m, a season (Holt-Winters; on logs, for the log scalings, the
multiplicative one): at each step t the forecast of ``b[t]`` is

    f[t] = level + phi trend + season[t mod m],   e = b[t] - f[t],
    level <- level + phi trend + alpha e,  trend <- phi trend + beta e,
    season[t mod m] <- season[t mod m] + gamma e

(the error-correction form of ETS(A,Ad,A), Hyndman et al. 2008). The
states start from the first values, as that book's heuristic does: with a
season and two of them, a line and a season through the first two (trend:
the change from the first season's mean to the second's, per step; season:
each slot's mean less the line, less their mean; level: where the line
stands then), so that a straight trend does not leak into the season;
with less, the first season less its mean; without a season, the first
value and no trend. The forecasts of a series depend on its whole history
from its first value. The parameters
are the point of a fixed grid (:data:`ALPHAS`, :data:`BETAS`,
:data:`GAMMAS`, :data:`PHIS`) with the least squared one-step error on the
training part, from step :func:`start` on: a grid, not an optimizer,
because a forecast that the network corrects needs to be good, not
optimal, and a grid is deterministic and fast (every point at once).

:func:`forecasts` is the readable loop; :func:`compiled` is the same
function compiled by Numba (on first use, about a second, then cached on
disk), which the transforms call at every validation origin unless the
engine runs its readable path (:func:`kernel`). A test pins the two
together.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ...engine.validate import is_real
from ...errors import InputError
from ..progress import note

ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)  # level
BETAS = (0.0, 0.02, 0.1)  # trend (at most alpha)
GAMMAS = (0.0, 0.05, 0.1, 0.2, 0.4)  # season (with a season only)
PHIS = (0.9, 0.98)  # trend damping
PARAMS = ("alpha", "beta", "gamma", "phi")  # a Smoothing's fields, grid rows


def start(season: int | None) -> int:
    """The first step whose forecast uses no value at or after it: 2m, or 2."""
    return 2 * season if season else 2


def forecasts(b, m, alpha, beta, gamma, phi):
    """One-step forecasts ``f[t]`` of ``b[t]`` from ``b[:t]``, t = 0..n.

    ``alpha``..``phi``: arrays of K parameter sets; ``m``: season length (0:
    none). Returns ``(n + 1, K)``: row n is the forecast of the next value.
    Before :func:`start` the forecasts use the values that set the states.
    """
    n, k = b.shape[0], alpha.shape[0]
    slots = max(m, 1)
    level = np.empty(k)
    trend = np.zeros(k)
    season = np.zeros((slots, k))
    if m > 0 and n >= 2 * m:  # a line plus a season through the first two
        slope = (b[m : 2 * m].mean() - b[:m].mean()) / m
        slot = np.empty(m)  # each slot's mean, the line taken out
        for j in range(m):
            slot[j] = 0.5 * (b[j] + b[m + j]) - slope * (j + 0.5 * m)
        mid = slot.mean()
        level[:] = mid - phi * slope  # so that f[0] = mid + season[0]
        trend[:] = slope
        for j in range(m):
            season[j, :] = slot[j] - mid
    elif m > 0:
        first = b[:m].mean()
        level[:] = first
        for j in range(m):
            season[j, :] = b[j] - first
    else:
        level[:] = b[0]
    out = np.empty((n + 1, k))
    for t in range(n + 1):  # every parameter set at once
        j = t % slots
        f = level + phi * trend + season[j]
        out[t] = f
        if t < n:
            e = b[t] - f
            level = level + phi * trend + alpha * e
            trend = phi * trend + beta * e
            season[j] = season[j] + gamma * e
    return out


def forecasts_one(b, m, alpha, beta, gamma, phi):
    """``forecasts(b, m, *one parameter set)[:, 0]`` with the states as scalars.

    The same operations in the same order (so the same numbers, bit for bit:
    a test compares the two), without the K-wide temporaries that every step
    of :func:`forecasts` allocates once compiled: a recursive path forecasts
    one step with one fitted set at each of its steps (for 130 points,
    compiled, about 1 against 20 microseconds; in plain Python, 70-80
    against 490-510 for the K-wide loop in NumPy, so the readable path runs
    it too: :func:`kernel_one`).
    """
    n = b.shape[0]
    slots = max(m, 1)
    season = np.zeros(slots)
    if m > 0 and n >= 2 * m:  # as forecasts: a line plus a season
        slope = (b[m : 2 * m].mean() - b[:m].mean()) / m
        slot = np.empty(m)
        for j in range(m):
            slot[j] = 0.5 * (b[j] + b[m + j]) - slope * (j + 0.5 * m)
        mid = slot.mean()
        level, trend = mid - phi * slope, slope
        for j in range(m):
            season[j] = slot[j] - mid
    elif m > 0:
        level, trend = b[:m].mean(), 0.0
        for j in range(m):
            season[j] = b[j] - level
    else:
        level, trend = b[0], 0.0
    out = np.empty(n + 1)
    for t in range(n + 1):
        j = t % slots
        f = level + phi * trend + season[j]
        out[t] = f
        if t < n:
            e = b[t] - f
            level = level + phi * trend + alpha * e
            trend = phi * trend + beta * e
            season[j] = season[j] + gamma * e
    return out


@cache
def compiled():
    """:func:`forecasts` compiled by Numba (cached on disk after the first run)."""
    import numba

    return numba.njit(cache=True)(forecasts)


def kernel():
    """:func:`compiled`, unless the engine takes its readable path
    (``UNROLLED_KERNELS=numpy``, or Numba failed): then :func:`forecasts`."""
    from ...engine.dispatch import backend

    if compiled.cache_info().currsize == 0:  # the first use in this process
        note("smoothing kernel (a first run compiles it, up to a minute)")

    return backend.kernel(compiled, forecasts)


@cache
def compiled_one():
    """:func:`forecasts_one` compiled by Numba (cached on disk)."""
    import numba

    return numba.njit(cache=True)(forecasts_one)


def kernel_one():
    """:func:`compiled_one`, unless the engine takes its readable path: then
    :func:`forecasts_one` (as :func:`kernel`)."""
    from ...engine.dispatch import backend

    if not backend.readable() and compiled_one.cache_info().currsize == 0:
        note("smoothing kernel of one parameter set (a first run compiles it)")
    return backend.kernel(compiled_one, forecasts_one)


def grid(season: int | None) -> np.ndarray:
    """The parameter sets tried, ``(4, K)``: alpha, beta, gamma, phi."""
    gammas = GAMMAS if season else (0.0,)
    rows = [
        (a, b, g, p)
        for a in ALPHAS
        for b in BETAS
        if b <= a
        for g in gammas
        for p in PHIS
    ]
    return np.array(rows, dtype=np.float64).T


def checked(b, season: int | None) -> np.ndarray:
    """``b`` as contiguous float64; ValueError if it holds less than one
    season (or nothing): the kernels index the first season's values."""
    b = np.ascontiguousarray(b, dtype=np.float64)
    if len(b) < max(season or 0, 1):
        raise ValueError(f"smoothing with season {season} needs at least "
                         f"{max(season or 0, 1)} values, got {len(b)}")  # fmt: skip
    return b


@dataclass(frozen=True)
class Smoothing:
    """One series' smoothing parameters; :meth:`fit` finds them."""

    alpha: float
    beta: float
    gamma: float
    phi: float
    season: int | None = None

    @classmethod
    def fit(cls, b: np.ndarray, season: int | None, readable=False) -> Smoothing:
        """The grid point with the least squared one-step error on ``b``.

        ``readable``: run the readable loop (no compilation; about a
        millisecond for a hundred points without a season). ValueError if
        ``b`` holds less than one season (:func:`checked`).
        """
        b = checked(b, season)
        params = grid(season)
        f = (forecasts if readable else kernel())(b, season or 0, *params)
        first = min(start(season), len(b) - 1)
        sse = ((b[first:, None] - f[first:-1]) ** 2).sum(axis=0)
        best = params[:, int(np.argmin(sse))]
        return cls(*(float(x) for x in best), season=season)

    def forecasts(self, b: np.ndarray) -> np.ndarray:
        """One-step forecasts of ``b[t]`` for t = 0..len(b) (the last: the next)."""
        b = checked(b, self.season)
        params = (float(getattr(self, k)) for k in PARAMS)
        return kernel_one()(b, self.season or 0, *params)

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in PARAMS}

    @classmethod
    def from_dict(cls, d, season: int | None, name: str) -> Smoothing:
        """From :meth:`to_dict`'s output; ValueError names the series."""

        def ok(v) -> bool:
            return is_real(v) and 0 <= v <= 1

        if not isinstance(d, dict) or not all(ok(d.get(k)) for k in PARAMS):
            raise InputError(f"transform of series {name!r}: bad smoothing parameters")
        return cls(*(float(d[k]) for k in PARAMS), season=season)
