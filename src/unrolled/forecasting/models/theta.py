"""The Theta method's forecast: what the ``theta`` scalings' network starts from.

The Theta method (Assimakopoulos and Nikolopoulos 2000) won the M3
competition and is, in the form of Hyndman and Billah (2003), simple
exponential smoothing with a drift of half the slope of a straight line
through the series, on the series with its season taken out. Here the
season is the classical decomposition's index as known at each step
(:func:`.seasons.seasonal_steps`, from the whole history before it or its
latest five seasons, :func:`.seasons.best_span`), so the values without it,

    a[t] = b[t] - (the seasonal steps into t),

are smoothed with a drift ``d``, a level seen through noise that grows:

    f[t + 1] = level[t] + d,   level[t] = f[t] + alpha (a[t] - f[t]),

and the forecast of ``b[t + 1]`` is ``f[t + 1]`` with the season put back.
With ``alpha`` 1 and the mean change as drift it is the forecast the
``+sa`` scalings start from (last value, drift, seasonal step); a smaller
``alpha`` averages out noise that the last value carries whole. The drift
is half the least-squares slope of ``a`` over the training part (theta 2),
``alpha`` the point of :data:`.smoothing.ALPHAS` with the least squared
one-step error there: like :class:`.smoothing.Smoothing`, a grid, not an
optimizer. Smoothing with a drift is smoothing without one on ``a[t] - d
t``, plus ``d (t + 1)``: the same compiled loop runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...engine.validate import is_integer, is_real
from ..features.seasons import best_span, seasonal_steps
from .smoothing import ALPHAS, kernel, kernel_one


def adjusted(b: np.ndarray, m: int | None,
             span: int | None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(``b`` less its season, the seasonal steps): both causal; ``m`` None: no
    season (``b`` itself and zeros)."""
    s = seasonal_steps(b, m, span) if m else np.zeros(len(b))
    return b - np.concatenate(([0.0], np.cumsum(s[:-1]))), s


def smoothed(a: np.ndarray, alphas: np.ndarray, drift: float) -> np.ndarray:
    """One-step forecasts of ``a[t]``, t = 0..n, for each of ``alphas``: (n + 1, K)."""
    t = np.arange(len(a) + 1, dtype=np.float64)
    x = np.ascontiguousarray(a - drift * t[:-1])
    k = len(alphas)
    if k == 1:  # a fitted forecast: the scalar loop, the same numbers
        f = kernel_one()(x, 0, float(alphas[0]), 0.0, 0.0, 1.0)
        return (f + drift * t)[:, None]
    zeros = np.zeros(k)
    return kernel()(x, 0, alphas, zeros, zeros, np.ones(k)) + drift * t[:, None]


@dataclass(frozen=True)
class Theta:
    """One series' Theta forecast: its smoothing weight, drift and season
    (None: no season, the values themselves smoothed with a drift)."""

    alpha: float
    drift: float
    season: int | None
    span: int | None = None

    @classmethod
    def fit(cls, b: np.ndarray, season: int | None, skip: int) -> Theta:
        """Drift, span and ``alpha`` from the training part ``b``.

        ``alpha`` is scored on the one-step errors from step ``skip`` on.
        """
        b = np.asarray(b, dtype=np.float64)
        span = best_span(b, season, skip) if season else None
        a, s = adjusted(b, season, span)
        tail = a[skip:]
        drift = 0.0
        if len(tail) >= 2:
            drift = 0.5 * float(np.polyfit(np.arange(len(tail)), tail, 1)[0])
        back = (b - a + s)[:-1, None]  # the season put back into each forecast
        f = smoothed(a, np.array(ALPHAS), drift)[1:-1] + back
        err = b[skip + 1 :, None] - f[skip:]
        alpha = ALPHAS[int(np.argmin((err**2).sum(axis=0)))] if err.size else 1.0
        return cls(float(alpha), drift, season, span)

    def forecasts(self, b: np.ndarray) -> np.ndarray:
        """One-step forecasts of ``b[t]`` for t = 0..len(b) (the last: the next)."""
        b = np.asarray(b, dtype=np.float64)
        a, s = adjusted(b, self.season, self.span)
        f = smoothed(a, np.array([self.alpha]), self.drift)[:, 0]
        out = np.empty(len(b) + 1)
        out[0] = b[0]
        out[1:] = f[1:] + (b - a) + s
        return out

    def to_dict(self) -> dict:
        return {"alpha": self.alpha, "drift": self.drift, "span": self.span}

    @classmethod
    def from_dict(cls, d, season: int | None, name: str) -> Theta:
        """From :meth:`to_dict`'s output; ValueError names the series."""
        bad = ValueError(f"transform of series {name!r}: bad Theta parameters")
        if not isinstance(d, dict):
            raise bad
        alpha, drift, span = d.get("alpha"), d.get("drift"), d.get("span")
        if not (is_real(alpha) and 0 < alpha <= 1 and is_real(drift)):
            raise bad
        if not (np.isfinite(drift) and abs(drift) <= 1e16):  # as the scalers
            raise bad
        if span is not None and not (is_integer(span) and span > 0):
            raise bad
        return cls(float(alpha), float(drift), season, span)
