"""Exponential smoothing beneath the network: the hw/loghw/es/loges scalings."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.features.transforms import Transform
from unrolled.forecasting.models.residuals import Residuals
from unrolled.forecasting.models.smoothing import (
    Smoothing,
    compiled,
    compiled_one,
    forecasts,
    grid,
    kernel_one,
)


def seasonal(n=96, m=12, seed=0, noise=0.03):
    """Growth times a yearly season, log-normal noise (positive)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    season = 1 + 0.3 * np.sin(2 * np.pi * t / m)
    return 100 * np.exp(0.01 * t) * season * np.exp(noise * rng.standard_normal(n))


@pytest.mark.parametrize("m", [0, 4, 12])
def test_the_compiled_loop_is_the_readable_one(m):
    b = np.log(seasonal(60, max(m, 2), seed=m))
    params = grid(m or None)[:, ::7]  # a spread of the grid's points
    np.testing.assert_allclose(
        compiled()(b, m, *params), forecasts(b, m, *params), rtol=0, atol=1e-12
    )


@pytest.mark.parametrize("m", [0, 4, 12])
@pytest.mark.parametrize("n", [12, 25, 60])
def test_one_parameter_set_gives_the_grids_column_bit_for_bit(m, n, monkeypatch):
    """A fitted model's forecasts run the scalar loop (forecasts_one): every
    point of the grid gives that column of the K-wide loop, to the bit,
    compiled, and on the readable path (kernel_one: the loop in Python)."""
    from unrolled.engine.dispatch import backend

    b = np.log(seasonal(n, max(m, 2), seed=n + m))
    params = grid(m or None)
    wide = compiled()(b, m, *params)
    for k in range(params.shape[1]):
        one = compiled_one()(b, m, *(float(v) for v in params[:, k]))
        np.testing.assert_array_equal(one, wide[:, k])
        np.testing.assert_array_equal(kernel_one()(b, m, *params[:, k]), wide[:, k])
    monkeypatch.setattr(backend, "mode", "numpy")
    readable = forecasts(b, m, *params)
    for k in range(0, params.shape[1], 5):
        np.testing.assert_array_equal(kernel_one()(b, m, *params[:, k]),
                                      readable[:, k])  # fmt: skip
    fitted = Smoothing.fit(b, m or None)
    monkeypatch.setattr(backend, "mode", "numba")
    assert fitted.forecasts(b).shape == (n + 1,)


@pytest.mark.parametrize("readable", [False, True])
def test_less_than_one_season_is_refused_not_read_past(readable):
    """The kernels set the season from the first m values: with fewer, the
    compiled loop read memory past the array; the model refuses them."""
    b = np.array([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="season 4 needs at least 4 values, got 3"):
        Smoothing.fit(b, 4, readable=readable)
    with pytest.raises(ValueError, match="season None needs at least 1 values, got 0"):
        Smoothing.fit(b[:0], None, readable=readable)
    fitted = Smoothing.fit(np.arange(1.0, 9.0), 4, readable=readable)
    with pytest.raises(ValueError, match="got 3"):
        fitted.forecasts(b)
    assert fitted.forecasts([1.0, 2.0, 3.0, 4.0]).shape == (5,)  # one season


def test_alpha_one_without_trend_or_season_is_naive():
    b = np.random.default_rng(1).standard_normal(30).cumsum()
    one, zero = np.ones(1), np.zeros(1)
    f = forecasts(b, 0, one, zero, zero, one)[:, 0]
    np.testing.assert_array_equal(f[1:], b)  # the forecast of b[t] is b[t - 1]


def test_a_fixed_season_on_a_flat_level_is_forecast_exactly():
    b = np.tile([1.0, 3.0, -2.0, 0.5], 10)
    s = Smoothing.fit(b, 4)
    np.testing.assert_allclose(s.forecasts(b)[4:], np.r_[b[4:], b[0]], atol=1e-12)


@pytest.mark.parametrize("m", [4, 7, 12])
def test_the_start_takes_a_line_and_a_season_from_the_first_two_seasons(m):
    """Detrended: the start alone (no smoothing, no damping) forecasts them exactly."""
    t = np.arange(6 * m)
    shape = np.random.default_rng(m).standard_normal(m)
    b = 5.0 - 0.3 * t + shape[t % m]
    one, zero = np.ones(1), np.zeros(1)
    f = forecasts(b, m, zero, zero, zero, one)[:, 0]
    np.testing.assert_allclose(f[:-1], b, atol=1e-12)
    # damped, the start's trend fades, but the first step is still the line's
    assert forecasts(b, m, zero, zero, zero, 0.9 * one)[0, 0] == pytest.approx(b[0])


def test_the_fit_finds_the_local_level_models_smoothing_weight():
    # y = level + noise, level a random walk with the noise's variance (q = 1):
    # the optimal weight is (sqrt(q^2 + 4q) - q) / 2 = 0.618
    rng = np.random.default_rng(2)
    y = np.cumsum(rng.standard_normal(3000)) + rng.standard_normal(3000)
    s = Smoothing.fit(y, None)
    assert 0.5 <= s.alpha <= 0.7
    assert s.beta == 0.0 and s.gamma == 0.0


def test_a_silent_network_on_holt_winters_errors_forecasts_holt_winters():
    y = seasonal()
    t = Residuals("loghw", "s", 12).fit(y[:-12])
    smooth = Smoothing.fit(np.log(y[:-12]), 12)
    assert t.smooth == smooth
    mean = float(t.change.inverse_transform(np.zeros(1))[0])  # the mean error
    for k in range(len(y) - 12, len(y)):
        want = np.exp(smooth.forecasts(np.log(y[:k]))[-1] + mean)
        assert t.invert(0.0, y[:k]) == pytest.approx(want, rel=1e-12)
    # the targets are the smoothing's scaled one-step errors from 2 seasons on
    err = np.log(y[25:-12]) - smooth.forecasts(np.log(y[:-12]))[25:-1]
    np.testing.assert_allclose(t.targets(y[:-12])[24:], t.change.transform(err))


def test_the_smoothing_is_saved_and_a_bad_one_refused():
    t = Residuals("hw", "s", 12).fit(seasonal())
    d = t.to_dict()
    back = Residuals.from_dict(d, "s")
    assert back.smooth == t.smooth and back.to_dict() == d
    smoothing = d["smoothing"]
    bads = (None, dict(smoothing, alpha=1.5), dict(smoothing, phi="x"),
            dict(smoothing, beta=True))  # fmt: skip
    for bad in bads:
        with pytest.raises(ValueError, match="series 's': bad smoothing parameters"):
            Residuals.from_dict(dict(d, smoothing=bad), "s")
    assert "smoothing" not in Transform("diff").fit(seasonal()).to_dict()


def test_a_holt_winters_forecaster_reloads_to_identical_predictions(tmp_path):
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    ds = from_dict({"a": seasonal(), "b": seasonal(seed=1)}, freq="MS")
    fc = Forecaster(scaling="loghw", hidden=4, window=24, epochs=4, seed=0)
    fc.fit(ds)
    assert fc.config_["scaling"] == "loghw" and fc.config_["season"] == 12
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    p1, p2 = fc.predict(3, ds, level=[80]), back.predict(3, ds, level=[80])
    assert p1.equals(p2)
    smooth = fc.members_[0].transforms["a"].smooth
    assert back.members_[0].transforms["a"].smooth == smooth
