"""The competitions' scores: sMAPE as in M3, MASE, naive-2 and M4's OWA.

Plain functions of numpy arrays, one series at a time (the averages over a
group are :mod:`competitions`'s):

- :func:`smape`: ``mean(200 |y - f| / (|y| + |f|))`` over the horizon, in
  percent. Makridakis and Hibon (2000) write ``|y - f| / ((y + f) / 2)``;
  every M1 and M3 value is positive, so the two agree wherever the
  forecast is positive too. The absolute values (as in M4) keep a negative
  forecast from giving a negative error; 0 where ``y`` and ``f`` are both 0.
- :func:`mase`: the forecast's mean absolute error over the in-sample mean
  absolute error of the seasonal naive forecast (lag ``m``: 12 monthly, 4
  quarterly, 1 yearly and other), as in M4.
- :func:`naive2`: M4's naive 2, the last value of the seasonally adjusted
  series carried forward and the season put back. Seasonal adjustment by
  the classical multiplicative decomposition (a centred 2 x m moving average
  for even m, an m-term one for odd m; the indices are the means of the
  ratios to it at each position of the season, scaled to mean 1), and only
  where the 90% autocorrelation test finds a season (:func:`seasonal`):
  ``|r_m| > 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n)``, never with fewer than
  3 m points. This is the test and decomposition of M4's R benchmarks
  (``SeasonalityTest`` and ``decompose(type="multiplicative")``); M4's
  Python port differs in two details (it does not square ``r_1`` and picks
  the moving average by the parity of the series' length), which are not
  followed here.
- :func:`owa`: ``(sMAPE / sMAPE of naive 2 + MASE / MASE of naive 2) / 2``,
  each the mean over the same series (M4's overall weighted average).
"""

from __future__ import annotations

import numpy as np

Z90 = 1.645  # the two-sided 90% normal quantile of M4's seasonality test


def smape(y, f) -> float:
    """Symmetric MAPE in percent, the mean over the horizon (module docstring)."""
    y, f = np.asarray(y, float), np.asarray(f, float)
    den = np.abs(y) + np.abs(f)
    err = np.divide(200 * np.abs(y - f), den, out=np.zeros_like(den), where=den > 0)
    return float(err.mean())


def mase(y, f, x, m: int) -> float:
    """Mean absolute scaled error of ``f`` against ``y``; ``x``: the training
    part, whose lag-``m`` naive errors are the scale (NaN where they are all 0)."""
    y, f, x = np.asarray(y, float), np.asarray(f, float), np.asarray(x, float)
    scale = np.mean(np.abs(x[m:] - x[:-m]))
    return float(np.mean(np.abs(y - f)) / scale) if scale > 0 else float("nan")


def acf(x, k: int) -> float:
    """The lag-``k`` sample autocorrelation (the denominator over all of ``x``)."""
    d = np.asarray(x, float) - np.mean(x)
    return float(np.sum(d[k:] * d[:-k]) / np.sum(d * d))


def seasonal(x, m: int) -> bool:
    """M4's 90% test: does ``x`` have a season of ``m`` steps?"""
    n = len(x)
    if m <= 1 or n < 3 * m:
        return False
    if np.all(x == x[0]):
        return False
    r = [acf(x, k) for k in range(1, m + 1)]
    limit = Z90 * np.sqrt((1 + 2 * np.sum(np.square(r[:-1]))) / n)
    return abs(r[-1]) > limit


def moving_average(x, m: int) -> np.ndarray:
    """The centred m-term (odd m) or 2 x m (even m) moving average; NaN at the ends."""
    x = np.asarray(x, float)
    w = np.ones(m) if m % 2 else np.r_[0.5, np.ones(m - 1), 0.5]
    w /= m
    half = len(w) // 2
    out = np.full(len(x), np.nan)
    out[half : len(x) - half] = np.convolve(x, w, mode="valid")
    return out


def seasonal_indices(x, m: int) -> np.ndarray:
    """The ``m`` multiplicative indices of the classical decomposition, mean 1;
    index ``j`` belongs to the positions ``j, j + m, ...`` of ``x``."""
    x = np.asarray(x, float)
    ratio = x / moving_average(x, m)
    pad = np.full(-len(x) % m, np.nan)
    si = np.nanmean(np.r_[ratio, pad].reshape(-1, m), axis=0)
    return si / si.mean()


def naive2(x, h: int, m: int) -> np.ndarray:
    """M4's naive 2: naive on the seasonally adjusted series (module docstring)."""
    x = np.asarray(x, float)
    if not seasonal(x, m):
        return np.full(h, x[-1])
    si = seasonal_indices(x, m)
    n = len(x)
    adjusted_last = x[-1] / si[(n - 1) % m]
    return adjusted_last * si[(n + np.arange(h)) % m]


def owa(smape_: float, mase_: float, smape_naive2: float, mase_naive2: float
        ) -> float:  # fmt: skip
    """M4's overall weighted average of one method's mean sMAPE and MASE."""
    return 0.5 * (smape_ / smape_naive2 + mase_ / mase_naive2)
