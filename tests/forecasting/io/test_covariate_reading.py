"""Covariates read right or refused: one line naming the column, the series
and the first date at fault; nothing filled in silently."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unrolled.errors import DataError, InputError
from unrolled.forecasting.ensemble.covariates import read_history
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.covariates import covariate_spec

QUICK = dict(scaling="standard", hidden=4, window=6, lr=0.01, ensemble=1, epochs=2)


def frame(n=40):
    dates = pd.date_range("2015-01-01", periods=n, freq="MS")
    rows = [pd.DataFrame({"unique_id": sid, "ds": dates, "y": np.arange(n) + k,
                          "x": np.linspace(0, 1, n), "v": np.ones(n) * k})
            for k, sid in enumerate(("a", "b"))]  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def refused(df, **params):
    with pytest.raises(InputError) as e:
        Forecaster(**QUICK, **params).fit(df)
    text = str(e.value)
    assert "\n" not in text
    return text


def test_a_named_column_that_is_missing_is_refused():
    assert refused(frame(), futr_exog=["price"]) == (
        "data: futr_exog: no column 'price'; columns: 'unique_id', 'ds', 'y', 'x', 'v'"
    )


def test_a_nan_cell_is_refused_naming_column_series_and_date():
    df = frame()
    df.loc[(df.unique_id == "b") & (df.ds == "2016-03-01"), "x"] = np.nan
    assert refused(df, futr_exog=["x"]) == (
        "data, column 'x': series 'b': the value at 2016-03-01 is empty (NaN); "
        "covariates must be known at every date (never filled silently)"
    )


def test_a_text_cell_is_refused():
    df = frame().astype({"v": object})
    df.loc[3, "v"] = "n/a?"
    assert refused(df, hist_exog=["v"]) == (
        "data, column 'v': series 'a': the value at 2015-04-01 is not a number "
        "('n/a?'); covariates must be known at every date (never filled silently)"
    )


def test_a_covariate_that_is_the_target_is_refused():
    assert refused(frame(), hist_exog=["y"]) == (
        "column 'y': is the target (the values forecast); a covariate must be "
        "another column"
    )


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(futr_exog=["x"], hist_exog=["x"]),
         "hist_exog: column 'x' is already named in futr_exog; a covariate has one "
         "kind"),
        (dict(futr_exog=["x", "x"]), "futr_exog: column 'x' is named twice"),
        (dict(futr_exog=[3]), "futr_exog: expected a list of column names, got [3]"),
        (dict(calendar=["moon"]),
         "calendar: unknown feature 'moon'; expected some of month, weekday, hour, "
         "dayofyear, holiday"),
        (dict(calendar=["holiday"]),
         "calendar: 'holiday' needs country= (e.g. 'US', 'DE')"),
    ],
)  # fmt: skip
def test_bad_covariate_options_are_refused_naming_the_option(params, message):
    assert refused(frame(), **params) == message


def test_covariates_in_columns_need_a_frame():
    text = refused({"a": np.arange(30.0)}, futr_exog=["x"])
    assert text == (
        "data: covariates (x) are read from a pandas DataFrame with their "
        "columns, got dict"
    )


def test_a_yfinance_frame_uses_volume_as_a_historic_covariate():
    n = 30
    df = pd.DataFrame({
        "Date": pd.bdate_range("2021-01-04", periods=n),
        "Open": np.arange(n) + 1.0, "High": np.arange(n) + 2.0,
        "Low": np.arange(n) + 0.5, "Close": np.arange(n) + 1.5,
        "Adj Close": np.arange(n) + 1.4, "Volume": np.arange(n) * 100.0 + 7,
    })  # fmt: skip
    spec = covariate_spec(hist_exog=["Volume", "Open", "High", "Low"])
    ds, hist, futr = read_history(df, spec)
    assert [s.name for s in ds.series] == ["Adj Close"]
    assert np.array_equal(ds.series[0].values, np.arange(n) + 1.4)
    assert np.array_equal(hist["Adj Close"][:, 0], np.arange(n) * 100.0 + 7)
    assert futr["Adj Close"].shape == (n, 0)


def test_one_series_without_an_id_column_reads_its_covariate():
    df = frame()[lambda d: d.unique_id == "a"].drop(columns=["unique_id", "v"])
    ds, hist, futr = read_history(df, covariate_spec(futr_exog=["x"]))
    assert [s.name for s in ds.series] == ["y"]
    assert np.array_equal(futr["y"][:, 0], np.linspace(0, 1, 40))


def test_holiday_flags_mark_the_countrys_public_holidays():
    pytest.importorskip("holidays")
    from unrolled.forecasting.features.covariates import calendar_features

    days = pd.date_range("2024-07-03", periods=3, freq="D")
    flags = calendar_features(("holiday",), "US", days)
    assert flags[:, 0].tolist() == [0.0, 1.0, 0.0]  # the fourth of July
    with pytest.raises(InputError, match="country: 'XX' is not a country"):
        calendar_features(("holiday",), "XX", days)


def test_a_date_filled_in_the_target_but_without_a_covariate_row_is_refused():
    df = frame()
    df = df.drop(index=df.index[(df.unique_id == "a") & (df.ds == "2015-06-01")])
    with pytest.raises(DataError) as e:
        read_history(df, covariate_spec(futr_exog=["x"]), fill="ffill")
    assert str(e.value) == (
        "data, column 'x': series 'a': no row for 2015-06-01, a date of its "
        "history (covariates are needed at every date)"
    )


@pytest.mark.parametrize(
    "columns, covariates, target",
    [
        (["unique_id", "ds", "price", "y"], ["price"], "y"),  # Nixtla's y first
        (["ds", "sales", "price"], ["price"], "sales"),  # the one column left
        (["ds", "price", "volume"], ["volume"], "price"),  # named like values
    ],
)
def test_the_target_is_the_column_no_covariate_takes(columns, covariates, target):
    from unrolled.forecasting.io.covariates import frame_columns

    df = pd.DataFrame({c: ["a"] * 3 if c == "unique_id" else np.arange(3.0)
                       for c in columns})  # fmt: skip
    df["ds"] = pd.date_range("2020-01-01", periods=3)
    cols = frame_columns(df, covariate_spec(futr_exog=covariates))
    assert cols.target == target


def test_integer_steps_and_a_numeric_id_read_their_covariate():
    df = pd.DataFrame({"unique_id": 1, "ds": np.arange(8), "y": np.arange(8.0),
                       "x": np.arange(8.0) * 3})  # fmt: skip
    ds, _, futr = read_history(df, covariate_spec(futr_exog=["x"]))
    assert [s.name for s in ds.series] == ["1"]
    assert np.array_equal(futr["1"][:, 0], np.arange(8.0) * 3)
