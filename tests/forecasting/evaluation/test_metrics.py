"""Metrics against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from unrolled.forecasting.evaluation.metrics import (
    METRICS,
    directional_accuracy,
    evaluate,
    mae,
    mape,
    mase,
    rmse,
)

T = [10.0, 12.0, 8.0, 10.0]
P = [11.0, 10.0, 8.0, 14.0]  # errors -1, 2, 0, -4


def test_mae_rmse():
    assert mae(T, P) == pytest.approx(7 / 4)
    assert rmse(T, P) == pytest.approx(math.sqrt((1 + 4 + 0 + 16) / 4))


def test_mape_percent_and_zeros():
    # |1/10| + |2/12| + 0 + |4/10| over 4 steps, in percent
    assert mape(T, P) == pytest.approx(100 * (0.1 + 2 / 12 + 0 + 0.4) / 4)
    assert mape([0.0, 4.0], [1.0, 5.0]) == pytest.approx(25.0)  # zero skipped
    assert math.isnan(mape([0.0, 0.0], [1.0, 2.0]))


def test_mase_scaled_by_in_sample_naive():
    train = [1.0, 3.0, 2.0, 6.0]  # naive abs errors 2, 1, 4 -> mean 7/3
    assert mase(T, P, train) == pytest.approx((7 / 4) / (7 / 3))
    # seasonal m=2: |2-1|, |6-3| -> mean 2
    assert mase(T, P, train, m=2) == pytest.approx((7 / 4) / 2)
    assert math.isnan(mase(T, P, [5.0, 5.0, 5.0]))
    with pytest.raises(ValueError, match="more than m=4 values"):
        mase(T, P, train, m=4)
    with pytest.raises(ValueError, match="m: expected an integer >= 1"):
        mase(T, P, train, m=0)


def test_naive_forecast_has_mase_near_one_on_a_random_walk(rng):
    y = np.cumsum(rng.normal(size=4000))
    train, test = y[:2000], y[2000:]
    prev = y[1999:-1]
    assert mase(test, prev, train) == pytest.approx(1.0, abs=0.1)


def test_directional_accuracy():
    prev = [9.0, 10.0, 12.0, 8.0]
    # actual changes +1, +2, -4, +2; predicted +2, 0, -4, +6: 3 of 4 right
    assert directional_accuracy(T, P, prev) == pytest.approx(0.75)
    assert directional_accuracy([2.0, 0.0], [3.0, 1.0], 1.0) == pytest.approx(0.5)
    assert directional_accuracy([1.0], [1.0], 1.0) == 1.0  # no change, none predicted


def test_evaluate_and_registry():
    train = [1.0, 3.0, 2.0, 6.0]
    out = evaluate(T, P, train, [9.0, 10.0, 12.0, 8.0], m=12)  # m too long -> 1
    assert set(out) == set(METRICS) == {"mae", "rmse", "mape", "mase", "direction"}
    assert out["mase"] == pytest.approx((7 / 4) / (7 / 3))
    assert out["direction"] == pytest.approx(0.75)
    assert math.isnan(evaluate(T, P, [1.0], 1.0)["mase"])


def test_bad_input():
    with pytest.raises(ValueError, match="same length, got 2 and 3"):
        mae([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="at least one value"):
        rmse([], [])
    with pytest.raises(ValueError, match="y_pred: expected finite numbers, got nan"):
        mae([1.0], [np.nan])
