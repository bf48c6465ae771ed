"""Baselines: hand-computed forecasts and the shared fit/predict contract."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.features.scaling import NotFittedError
from unrolled.forecasting.models.baselines import (
    BASELINES,
    Drift,
    Mean,
    Naive,
    SeasonalNaive,
    default_season,
    make_baseline,
)

Y = [3.0, 5.0, 4.0, 8.0, 9.0]


def test_naive():
    assert Naive().fit(Y).predict(3).tolist() == [9.0, 9.0, 9.0]


def test_drift():
    # slope (9 - 3) / 4 = 1.5
    assert Drift().fit(Y).predict(3).tolist() == [10.5, 12.0, 13.5]
    assert Drift().fit([7.0]).predict(2).tolist() == [7.0, 7.0]


def test_mean():
    assert Mean().fit(Y).predict(2).tolist() == [5.8, 5.8]


def test_seasonal_naive_repeats_last_season():
    y = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 11.0]
    model = SeasonalNaive(season=3).fit(y)
    # last season: 20, 30, 11 -> the next 5 values cycle through it
    assert model.predict(5).tolist() == [20.0, 30.0, 11.0, 20.0, 30.0]
    assert model.fell_back_ is False


def test_seasonal_naive_season_from_frequency_and_fallback():
    y = np.arange(30.0)
    assert SeasonalNaive(frequency="monthly").fit(y).season_ == 12
    assert SeasonalNaive(frequency="monthly").fit(y).predict(2).tolist() == [18.0, 19.0]
    short = SeasonalNaive(frequency="monthly").fit([1.0, 2.0, 3.0])
    assert short.fell_back_ is True and short.predict(2).tolist() == [3.0, 3.0]
    assert SeasonalNaive().fit(Y).predict(1).tolist() == [9.0]  # season 1 = naive


@pytest.mark.parametrize(
    "freq,m",
    [
        ("monthly", 12),
        ("quarterly", 4),
        ("daily", 7),
        ("business-daily", 5),
        ("hourly", 24),
        ("weekly", 52),
        ("yearly", 1),
        ("irregular", 1),
        (None, 1),
    ],
)
def test_default_season(freq, m):
    assert default_season(freq) == m


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_contract(name):
    model = make_baseline(name, frequency="monthly")
    with pytest.raises(NotFittedError, match="call fit"):
        model.predict()
    assert model.fit(Y) is model
    out = model.predict()
    assert out.shape == (1,) and out.dtype == np.float64
    assert model.predict(4).shape == (4,)
    assert model.fit(np.array(Y)[:, None]).predict(1).shape == (1,)  # (T, 1) works
    with pytest.raises(ValueError, match="h: expected an integer >= 1"):
        model.predict(0)
    with pytest.raises(ValueError, match="history: expected finite numbers, got nan"):
        model.fit([1.0, np.nan])
    with pytest.raises(ValueError, match="history: expected a non-empty 1-D array"):
        model.fit([])


def test_the_baseline_seasonal_naive_is_the_ensembles_classical_member():
    from unrolled.forecasting.models import classical

    assert BASELINES["seasonal_naive"] is SeasonalNaive is classical.SeasonalNaive
    model = make_baseline("seasonal_naive", season=3).fit(Y)
    assert model.kind == "classical" and repr(model) == "SeasonalNaive(season=3)"
    assert classical.from_dict(model.to_dict()) == model
    # the member's one step from each origin is the baseline's first step
    for o in range(3, len(Y) + 1):
        first = SeasonalNaive(3).fit(Y[:o]).predict(1)[0]
        assert model.one_step(Y[:o]) == first == Y[o - 3]


def test_init_only_stores_arguments():
    m = SeasonalNaive(season=4, frequency="daily")
    assert vars(m) == {"season": 4, "frequency": "daily", "log": False}
    with pytest.raises(ValueError, match="season: expected an integer >= 1"):
        SeasonalNaive(season=0).fit(Y)
    with pytest.raises(ValueError, match="baseline: expected one of naive"):
        make_baseline("arima")
