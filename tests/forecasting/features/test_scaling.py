"""Scalers: hand-computed values, round trips, no leakage, degenerate input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from unrolled.forecasting.features.scaling import (
    SCALERS,
    MinMaxScaler,
    NotFittedError,
    StandardScaler,
    make_scaler,
    scaler_from_dict,
)


def test_minmax_hand_values():
    sc = MinMaxScaler().fit([2.0, 4.0, 6.0])
    assert sc.transform([2.0, 4.0, 6.0]).tolist() == [0.0, 0.5, 1.0]
    assert sc.inverse_transform([0.25]).tolist() == [3.0]
    sc = MinMaxScaler(low=-1, high=1).fit([0.0, 10.0])
    assert sc.transform([0.0, 5.0, 10.0]).tolist() == [-1.0, 0.0, 1.0]


def test_standard_hand_values():
    sc = StandardScaler().fit([1.0, 3.0])  # mean 2, population std 1
    assert sc.transform([1.0, 2.0, 3.0, 5.0]).tolist() == [-1.0, 0.0, 1.0, 3.0]
    sc = StandardScaler(log=True).fit([1.0, np.e**2])  # logs 0, 2: mean 1, std 1
    np.testing.assert_allclose(sc.transform([np.e, np.e**3]), [0.0, 2.0])


def test_fit_never_sees_later_points():
    prices = np.array([10.0, 12.0, 11.0, 14.0, 20.0, 25.0])
    train, test = prices[:4], prices[4:]
    sc = MinMaxScaler().fit(train)
    z = sc.transform(test)
    assert (z > 1).all()  # the test part is higher than anything fitted on
    np.testing.assert_allclose(z, [2.5, 3.75])  # (20-10)/4, (25-10)/4
    st = StandardScaler().fit(train)
    assert st.shift == pytest.approx(train.mean())
    assert st.scale == pytest.approx(train.std())


@pytest.mark.parametrize("name", sorted(SCALERS))
def test_round_trip_and_json(name, rng):
    x = rng.uniform(5, 50, size=40)
    sc = make_scaler(name).fit(x, name="AAPL")
    np.testing.assert_allclose(sc.inverse_transform(sc.transform(x)), x, rtol=1e-12)
    data = json.loads(json.dumps(sc.to_dict()))
    back = scaler_from_dict(data)
    assert type(back) is type(sc) and back.log == sc.log and back.name == "AAPL"
    np.testing.assert_array_equal(back.transform(x), sc.transform(x))
    assert sc.transform(x.reshape(-1, 1)).shape == (40, 1)


@pytest.mark.parametrize("cls", [MinMaxScaler, StandardScaler])
@pytest.mark.parametrize("c", [0.0, 7.5, -3.0, 1e-300])
def test_constant_series_does_not_divide_by_zero(cls, c):
    sc = cls().fit([c, c, c])
    z = sc.transform([c, c])
    assert np.isfinite(z).all() and sc.scale > 0
    np.testing.assert_allclose(sc.inverse_transform(z), [c, c])
    if cls is MinMaxScaler:
        assert z.tolist() == [0.5, 0.5]


@pytest.mark.parametrize("mag", [1e-300, 1e-8, 1e12])
def test_extreme_magnitudes_stay_finite(mag):
    x = mag * np.array([1.0, 2.0, 3.0, 4.0])
    for sc in (MinMaxScaler().fit(x), StandardScaler().fit(x)):
        z = sc.transform(x)
        assert np.isfinite(z).all() and np.ptp(z) > 0.5
        np.testing.assert_allclose(sc.inverse_transform(z), x, rtol=1e-9)


def test_log_needs_positive_values_and_names_series():
    with pytest.raises(ValueError, match=r"series 'GOOG' needs positive values, got 0"):
        StandardScaler(log=True).fit([1.0, 0.0, 2.0], name="GOOG")
    sc = MinMaxScaler(log=True).fit([1.0, 2.0], name="IBM")
    with pytest.raises(ValueError, match=r"series 'IBM' needs positive values, got -1"):
        sc.transform([-1.0])
    assert np.isfinite(sc.inverse_transform([1e6])).all()  # clipped, not inf


def test_bad_values_and_not_fitted():
    with pytest.raises(
        ValueError, match=r"series 'X': expected finite numbers, got nan"
    ):
        MinMaxScaler().fit([1.0, np.nan], name="X")
    with pytest.raises(ValueError, match="expected a 1-D array"):
        MinMaxScaler().fit(np.ones((2, 2)))
    with pytest.raises(ValueError, match="at least 1 value"):
        StandardScaler().fit([])
    with pytest.raises(NotFittedError, match="call fit"):
        MinMaxScaler().transform([1.0])
    with pytest.raises(ValueError, match="low < high"):
        MinMaxScaler(low=1, high=1)
    with pytest.raises(ValueError, match="expected one of minmax"):
        make_scaler("robust")


@pytest.mark.parametrize(
    "patch,pattern",
    [
        ({"kind": "robust"}, "unknown kind 'robust'"),
        ({"scale": 0.0}, "'scale' must be > 0"),
        ({"scale": float("nan")}, "'scale' must be a finite number"),
        ({"shift": "1"}, "'shift' must be a finite number"),
        ({"log": "yes"}, "'log' must be true or false"),
    ],
)
def test_from_dict_refuses_tampered_data(patch, pattern):
    d = MinMaxScaler().fit([1.0, 2.0]).to_dict()
    d.update(patch)
    with pytest.raises(ValueError, match=pattern):
        scaler_from_dict(d)
    d = MinMaxScaler().fit([1.0, 2.0]).to_dict()
    del d["low"]
    with pytest.raises(ValueError, match="missing keys low"):
        scaler_from_dict(d)
