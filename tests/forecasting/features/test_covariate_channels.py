"""The covariates' input channels: which date each copy reads, scaled how."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unrolled.errors import InputError
from unrolled.forecasting.features.covariates import Covariates
from unrolled.forecasting.io.covariates import covariate_spec


def fitted(n=10):
    spec = covariate_spec(futr_exog=["f"], hist_exog=["h"], stat_exog=["s"])
    hist = {"a": np.arange(n, dtype=float)[:, None]}
    futr = {"a": 100 + np.arange(n, dtype=float)[:, None]}
    stat = {"a": np.array([3.0])}
    cov = Covariates(spec).fit(hist, futr, stat, {"a": 6})
    cov.use(hist, futr, stat, {"a": None})
    return cov


def test_each_copy_reads_history_at_its_date_the_future_at_the_next():
    cov = fitted()
    ch = cov.channels("a", 2, 5, upto=5)  # copies at 2, 3, 4
    h = cov.scalers["h"].transform(np.array([2.0, 3.0, 4.0]))
    f = cov.scalers["f"].transform(np.array([103.0, 104.0, 105.0]))
    assert np.array_equal(ch[:, 0], h)
    assert np.array_equal(ch[:, 1], f)
    assert np.array_equal(ch[:, 2], [0.0, 0.0, 0.0])  # one series: its mean


def test_historic_channels_are_held_at_the_origin_beyond_it():
    cov = fitted()
    ch = cov.channels("a", 3, 8, upto=5)  # copies at 3..7, origin 5
    held = cov.scalers["h"].transform(np.array([3.0, 4.0, 4.0, 4.0, 4.0]))
    assert np.array_equal(ch[:, 0], held)


def test_scalers_are_fitted_on_the_training_part_only():
    cov = fitted()
    assert cov.scalers["h"].shift == np.mean(np.arange(6.0))


def test_a_round_trip_through_json_keeps_spec_scalers_and_rows():
    cov = fitted()
    back = Covariates.from_dict(cov.to_dict())
    back.use_training({"a": pd.date_range("2000-01-01", periods=10, freq="D")})
    assert back.spec == cov.spec
    assert np.array_equal(back.channels("a", 0, 9, 9), cov.channels("a", 0, 9, 9))


def test_a_first_step_without_its_covariate_rows_is_refused():
    cov = fitted()
    with pytest.raises(InputError, match="covariates known for 10 dates; a forecast"):
        cov.channels("a", 0, 10, upto=10)  # the date forecast, 10, has no row
