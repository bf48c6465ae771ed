"""The airline model beneath the network: the airline/logairline scalings."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.features.transforms import Transform
from unrolled.forecasting.models.airline import (
    Airline,
    compiled,
    compiled_one,
    forecasts,
    grid,
)
from unrolled.forecasting.models.residuals import Residuals


def simulated(theta, stheta, m=12, n=240, seed=0):
    """An airline-model series: changes of seasonal changes an MA of noise."""
    rng = np.random.default_rng(seed)
    e = rng.standard_normal(n + m + 1)
    w = e[m + 1 :] - theta * e[m:-1] - stheta * e[1:-m] + theta * stheta * e[: -m - 1]
    b = np.zeros(n + m + 1)
    for t in range(m + 1, n + m + 1):  # integrate: b[t] = w + b[t-1] + b[t-m] - ...
        b[t] = w[t - m - 1] + b[t - 1] + b[t - m] - b[t - m - 1]
    return b[m + 1 :] + 0.5 * np.sin(2 * np.pi * np.arange(n) / m)


@pytest.mark.parametrize("m", [4, 12])
def test_one_parameter_set_gives_the_grids_column_bit_for_bit(m, monkeypatch):
    """A fitted model's forecasts run the scalar loop (forecasts_one): each
    point of the grid gives that column of the K-wide loop, to the bit,
    compiled and on the readable path (the loop in Python)."""
    from unrolled.engine.dispatch import backend

    b = simulated(0.4, 0.6, m, n=80, seed=m + 1)
    params = grid()
    wide = compiled()(b, m, *params)
    for k in range(params.shape[1]):
        one = compiled_one()(b, m, *(float(v) for v in params[:, k]))
        np.testing.assert_array_equal(one, wide[:, k])
    fitted = Airline(float(params[0, 7]), float(params[1, 7]), m)
    np.testing.assert_array_equal(fitted.forecasts(b), wide[:, 7])
    monkeypatch.setattr(backend, "mode", "numpy")
    np.testing.assert_array_equal(fitted.forecasts(b), forecasts(b, m, *params)[:, 7])


@pytest.mark.parametrize("m", [4, 12])
def test_the_compiled_loop_is_the_readable_one(m):
    b = simulated(0.4, 0.6, m, n=80, seed=m)
    params = grid()[:, ::5]
    np.testing.assert_allclose(
        compiled()(b, m, *params), forecasts(b, m, *params), rtol=0, atol=1e-12
    )


def test_an_empty_history_is_refused_not_read_past():
    with pytest.raises(ValueError, match="at least one value, got none"):
        Airline.fit(np.array([]), 12)
    fitted = Airline.fit(np.arange(1.0, 30.0), 12)
    with pytest.raises(ValueError, match="got none"):
        fitted.forecasts([])
    np.testing.assert_array_equal(fitted.forecasts([5.0]), [5.0, 5.0])


def test_the_forecast_is_the_model_equation_with_its_own_errors():
    b = simulated(0.4, 0.6, n=60)
    model = Airline.fit(b, 12)
    f = model.forecasts(b)
    assert f[0] == b[0] and np.array_equal(f[1:13], b[:12])  # before m + 1: naive
    e = np.zeros(len(b))
    th, sth = model.theta, model.stheta
    for t in range(13, len(b) + 1):
        want = (b[t - 1] + b[t - 12] - b[t - 13] - th * e[t - 1] - sth * e[t - 12]
                + th * sth * e[t - 13])  # fmt: skip
        assert f[t] == pytest.approx(want, abs=1e-10)
        if t < len(b):
            e[t] = b[t] - f[t]


@pytest.mark.parametrize("theta,stheta", [(0.4, 0.6), (-0.2, 0.8), (0.7, 0.2)])
def test_the_fit_finds_the_parameters_of_a_simulated_series(theta, stheta):
    model = Airline.fit(simulated(theta, stheta, n=480, seed=3), 12)
    assert abs(model.theta - theta) <= 0.1 + 1e-9
    assert abs(model.stheta - stheta) <= 0.1 + 1e-9


def test_a_fixed_season_on_a_straight_line_is_forecast_exactly():
    t = np.arange(48, dtype=np.float64)
    b = 2.0 + 0.1 * t + np.tile([1.0, 3.0, -2.0, 0.5], 12)
    f = Airline.fit(b, 4).forecasts(b)
    np.testing.assert_allclose(f[5:-1], b[5:], atol=1e-12)
    assert f[-1] == pytest.approx(b[-4] + 0.4)  # one season on, 4 steps of 0.1


def test_the_transform_predicts_the_errors_and_reloads():
    y = np.exp(simulated(0.4, 0.6, n=120) / 20 + 3)
    tf = Residuals("logairline", "s", season=12).fit(y[:96])
    model = tf.smooth
    assert isinstance(model, Airline)
    d = np.log(y[1:]) - model.forecasts(np.log(y))[1:-1]
    np.testing.assert_allclose(tf.features(y)[13:, 0], tf.change.transform(d[12:]))
    # a zero output is the airline forecast itself (the errors are not centred)
    assert tf.invert(0.0, y) == pytest.approx(np.exp(model.forecasts(np.log(y))[-1]))
    back = Residuals.from_dict(tf.to_dict(), "s")
    assert back.smooth == model and back.invert(0.3, y) == tf.invert(0.3, y)


@pytest.mark.parametrize(
    "bad", [None, {}, {"theta": 1.0, "stheta": 0.5}, {"theta": 0.2, "stheta": -1.0},
            {"theta": "0.2", "stheta": 0.5}, {"theta": 0.2, "stheta": float("nan")}]
)  # fmt: skip
def test_bad_airline_parameters_are_refused_on_load(bad):
    d = Residuals("airline", "s", season=4).fit(simulated(0.4, 0.6, 4, 40)).to_dict()
    d["smoothing"] = bad
    with pytest.raises(ValueError, match="series 's': bad airline parameters"):
        Residuals.from_dict(d, "s")


def test_under_two_seasons_the_airline_scaling_is_refused():
    with pytest.raises(ValueError, match=r"'airline' needs 2 seasons \(24 points\)"):
        Residuals("airline", "s", season=12).fit(np.arange(23.0))
    Residuals("airline", "s", season=12).fit(np.arange(1.0, 25.0))  # two: accepted
    with pytest.raises(ValueError, match="'sdiff' needs 3 seasons"):  # a network's
        Transform("sdiff", "s", season=12).fit(np.arange(30.0))
