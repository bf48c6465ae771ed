"""Forecast accuracy: pure functions ``(y_true, y_pred, ...) -> float``.

MAE and RMSE are in the data's units; MAPE is in percent; MASE divides the
MAE by the in-sample MAE of the (seasonal) naive forecast on the training
part, so MASE < 1 means "better than naive was on the history"; directional
accuracy is the share of steps whose predicted change has the sign of the
actual change. Undefined values (MAPE with all true values zero, MASE with a
constant training part) are NaN, never an exception in the middle of a report.
"""

from __future__ import annotations

import numpy as np

from ...engine.validate import check_finite_1d
from ...errors import InputError


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    a = check_finite_1d("y_true", np.asarray(y_true, dtype=np.float64).reshape(-1))
    b = check_finite_1d("y_pred", np.asarray(y_pred, dtype=np.float64).reshape(-1))
    if a.shape != b.shape:
        raise InputError(
            f"y_true and y_pred: expected the same length, got {a.size} and {b.size}"
        )
    if a.size == 0:
        raise InputError("y_true: expected at least one value, got none")
    return a, b


def mae(y_true, y_pred) -> float:
    """Mean absolute error."""
    a, b = _pair(y_true, y_pred)
    return float(np.mean(np.abs(a - b)))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error (scaled first, so 1e-300 errors do not underflow)."""
    a, b = _pair(y_true, y_pred)
    e = np.abs(a - b)
    top = float(np.max(e)) if e.size else 0.0
    if top == 0.0 or not np.isfinite(top):
        return top
    return float(top * np.sqrt(np.mean((e / top) ** 2)))


def mape(y_true, y_pred) -> float:
    """Mean absolute percentage error, in percent, over the steps where y_true != 0.

    Steps with a true value of zero are skipped (the ratio is undefined);
    if every true value is zero the result is NaN.
    """
    a, b = _pair(y_true, y_pred)
    keep = a != 0
    if not keep.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs((a[keep] - b[keep]) / a[keep])))


def mase(y_true, y_pred, y_train, m: int = 1) -> float:
    """Mean absolute scaled error: MAE / in-sample MAE of the lag-``m`` naive.

    ``y_train`` is the training part only (the history before the test
    points); it needs more than ``m`` values. NaN if the training part is
    constant at lag ``m`` (the naive error, the denominator, is zero).
    """
    a, b = _pair(y_true, y_pred)
    y = np.asarray(y_train, dtype=np.float64).reshape(-1)
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
        raise InputError(f"m: expected an integer >= 1, got {m!r}")
    if y.size <= m:
        raise InputError(
            f"y_train: expected more than m={m} values for the naive scale, "
            f"got {y.size}"
        )
    if not np.isfinite(y).all():
        raise InputError("y_train: expected finite numbers")
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    if scale == 0.0:
        return float("nan")
    return float(np.mean(np.abs(a - b)) / scale)


def directional_accuracy(y_true, y_pred, y_prev) -> float:
    """Share (0..1) of steps where sign(y_pred - y_prev) == sign(y_true - y_prev).

    ``y_prev`` is the last actual value before each step (an array of the
    same length, or one number for all steps). A step with no actual change
    counts as right only if no change was predicted either.
    """
    a, b = _pair(y_true, y_pred)
    p = np.broadcast_to(np.asarray(y_prev, dtype=np.float64).reshape(-1), a.shape)
    if not np.isfinite(p).all():
        raise InputError("y_prev: expected finite numbers")
    return float(np.mean(np.sign(b - p) == np.sign(a - p)))


METRICS = {
    "mae": mae,
    "rmse": rmse,
    "mape": mape,
    "mase": mase,
    "direction": directional_accuracy,
}


def evaluate(y_true, y_pred, y_train, y_prev, m: int = 1) -> dict[str, float]:
    """All of :data:`METRICS` at once: ``{"mae", "rmse", "mape", "mase", "direction"}``.

    ``y_train`` scales MASE (with season ``m``); ``y_prev`` is the last actual
    value before each step, for directional accuracy. Where the training part
    is too short for lag ``m``, MASE falls back to ``m = 1``, and is NaN with
    fewer than two training values.
    """
    y = np.asarray(y_train, dtype=np.float64).reshape(-1)
    m_eff = m if y.size > m else 1
    scaled = mase(y_true, y_pred, y, m_eff) if y.size > m_eff else float("nan")
    return {
        "mae": mae(y_true, y_pred),
        "rmse": rmse(y_true, y_pred),
        "mape": mape(y_true, y_pred),
        "mase": scaled,
        "direction": directional_accuracy(y_true, y_pred, y_prev),
    }
