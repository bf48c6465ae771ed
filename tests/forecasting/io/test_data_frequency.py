"""Frequency words, season lengths and the dates after a series' end."""

from __future__ import annotations

import pandas as pd
import pytest

from unrolled.forecasting.io.dataset import (
    Series,
    frequency_word,
    future_dates,
    infer_frequency,
    season_length,
)


@pytest.mark.parametrize(
    "freq,word,season",
    [
        ("B", "business-daily", 5),
        ("D", "daily", 7),
        ("h", "hourly", 24),
        ("30min", "half-hourly", 48),
        ("15min", "every 15 minutes", 96),
        ("2h", "every 2 hours", 12),
        ("W-SUN", "weekly", 52),
        ("MS", "monthly", 12),
        ("ME", "monthly", 12),
        ("QS", "quarterly", 4),
        ("YS", "yearly", None),
    ],
)
def test_each_frequency_has_an_english_word_and_its_season(freq, word, season):
    dates = pd.date_range("2021-03-01", periods=20, freq=freq)
    assert infer_frequency(dates)[0] == word
    assert season_length(word) == season


def test_labels_read_as_english_not_pandas_codes():
    assert frequency_word("30min") == "half-hourly"
    assert frequency_word("45min") == "every 45 minutes"
    assert frequency_word("3D") == "every 3 days"
    assert frequency_word("2MS") == "every 2 months"
    assert frequency_word("nonsense") is None


@pytest.mark.parametrize("word", ["irregular", "steps", "yearly", None, "fortnightly"])
def test_no_season_where_there_is_no_natural_cycle(word):
    assert season_length(word) is None


def test_business_days_skip_the_weekend():
    dates = pd.bdate_range("2024-01-01", "2024-01-12")  # two weeks, Mon..Fri
    assert list(future_dates(dates, 3)) == list(
        pd.DatetimeIndex(["2024-01-15", "2024-01-16", "2024-01-17"])
    )


def test_month_ends_stay_month_ends_even_after_gaps():
    dates = pd.DatetimeIndex(["2023-11-30", "2023-12-31", "2024-02-29", "2024-03-31"])
    assert list(future_dates(dates, 2)) == list(
        pd.DatetimeIndex(["2024-04-30", "2024-05-31"])
    )


def test_half_hours_continue_past_midnight():
    dates = pd.date_range("2024-01-01 22:00", periods=4, freq="30min")
    assert list(future_dates(dates, 2)) == list(
        pd.DatetimeIndex(["2024-01-02 00:00", "2024-01-02 00:30"])
    )


def test_an_integer_index_continues():
    s = Series("x", pd.Index([10, 11, 12]), None)
    assert list(future_dates(s, 3)) == [13, 14, 15]


@pytest.mark.parametrize("h", [0, -1, 1.5, True])
def test_a_horizon_that_is_not_a_positive_whole_number_is_refused(h):
    with pytest.raises(ValueError, match="^h: expected a whole number >= 1"):
        future_dates(pd.Index([1, 2, 3]), h)
