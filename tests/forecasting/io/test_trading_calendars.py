"""Trading calendars (issue 40): business days with holidays, --freq and fill=.

A stock's closes skip weekends and a few holidays. Such a series is
business-daily with holidays, named in a note, and forecasts fall on
business days; too many absent weekdays are refused naming the first one and
the --freq/freq= choice; a fill never invents weekend dates.
"""

import numpy as np
import pandas as pd
import pytest
from cli_helpers import forecast_json, refused

from unrolled.errors import DataError
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import load_csv
from unrolled.forecasting.io.dataset import future_dates

DAYS = pd.bdate_range("2021-01-04", periods=80)  # Mon 4 Jan .. Fri 23 Apr 2021


def closes(tmp_path, absent, name="b.csv"):
    days = DAYS.delete(absent)
    keep = np.setdiff1d(np.arange(80), absent)
    path = tmp_path / name
    path.write_text(
        "date,close\n"
        + "".join(f"{d.date()},{100 + k}\n" for d, k in zip(days, keep, strict=True))
    )
    return path


HOLIDAYS = [10, 30]  # Mon 18 Jan (MLK day), Mon 15 Feb (Presidents' day)


def test_business_days_with_holidays_are_business_daily_with_a_note(tmp_path):
    ds = load_csv(closes(tmp_path, HOLIDAYS))
    assert (ds.frequency, ds.pandas_freq) == ("business-daily", "B")
    assert len(ds["close"]) == 78
    assert ds.notes == [
        "close: business-daily with 2 holiday(s) absent (2021-01-18, 2021-02-15): "
        "left absent; forecasts fall on business days"
    ]
    # the last close is Friday 23 April: the next are Monday to Wednesday
    assert [str(d.date()) for d in future_dates(ds, 3)["close"]] == [
        "2021-04-26",
        "2021-04-27",
        "2021-04-28",
    ]


def test_too_many_absent_weekdays_are_refused_naming_the_first(
    tmp_path, monkeypatch, capsys
):
    closes(tmp_path, list(range(10, 20)), "gap.csv")
    line = refused(["forecast", "--data", "gap.csv"], tmp_path, monkeypatch, capsys)
    assert line == (
        "error: gap.csv, row 12, column 'close': 10 business day(s) absent from "
        "series 'close' (first: 2021-01-18), too many for holidays; pass fill="
        "'ffill'|'interpolate'|'drop' (--fill) to fill them on business days, or "
        "freq= (--freq) to state the calendar"
    )


def test_a_fill_never_invents_weekends(tmp_path):
    ds = load_csv(closes(tmp_path, list(range(10, 20))), fill="ffill")
    dates = ds["close"].dates
    assert len(dates) == 80 and (dates.day_of_week < 5).all()
    assert ds["close"].values[10:20].tolist() == [109.0] * 10
    assert ds.notes == ["filled 10 gap(s) in close by carrying the last value forward"]


@pytest.mark.parametrize("freq", ["B", "C"])
def test_freq_b_makes_every_business_day_expected(tmp_path, freq):
    path = closes(tmp_path, HOLIDAYS)
    with pytest.raises(DataError) as e:
        load_csv(path, freq=freq)
    assert str(e.value).startswith(f"{path}, row 12, column 'close': missing value")
    assert "(first: 2021-01-18)" in str(e.value)
    ds = load_csv(path, freq=freq, fill="interpolate")
    assert ds["close"].values.tolist() == (100.0 + np.arange(80)).tolist()
    assert ds.frequency == "business-daily"


def test_freq_d_on_business_days_makes_weekends_gaps(tmp_path):
    ds = load_csv(closes(tmp_path, []), freq="D", fill="ffill")
    assert ds.frequency == "daily" and len(ds["close"]) == 110  # 4 Jan .. 23 Apr
    assert str(future_dates(ds, 1)["close"][0].date()) == "2021-04-24"  # Saturday


def test_dates_off_the_stated_calendar_are_refused_naming_the_row(tmp_path):
    path = closes(tmp_path, [])
    with pytest.raises(DataError) as e:
        load_csv(path, freq="MS")
    assert str(e.value) == (
        f"{path}, row 2: date 2021-01-04 of series 'close' is not on the calendar "
        "of freq 'MS' (monthly)"
    )


def test_a_freq_that_is_no_alias_is_refused_naming_the_option(
    tmp_path, monkeypatch, capsys
):
    closes(tmp_path, HOLIDAYS)
    line = refused(
        ["forecast", "--data", "b.csv", "--freq", "fortnightly"],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert line.startswith("error: Invalid value for '--freq': 'fortnightly' is not")


def test_the_cli_forecasts_on_business_days_with_freq_and_fill(
    tmp_path, monkeypatch, capsys
):
    closes(tmp_path, HOLIDAYS)
    doc, _ = forecast_json(
        [
            "--data",
            "b.csv",
            "--freq",
            "B",
            "--fill",
            "ffill",
            "--horizon",
            "2",
            "--test",
            "3",
        ],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert doc["notes"] == [
        "filled 2 gap(s) in close by carrying the last value forward"
    ]
    assert [r["ds"][:10] for r in doc["forecasts"]] == ["2021-04-26", "2021-04-27"]


def test_forecaster_fit_takes_fill_and_freq_as_the_cli_does(tmp_path):
    df = pd.read_csv(closes(tmp_path, HOLIDAYS), parse_dates=["date"])
    fc = Forecaster(hidden=2, window=3, epochs=1, lr=0.01, scaling="minmax", ensemble=1)
    fc.fit(df, freq="B", fill="interpolate")
    assert fc.pandas_freq_ == "B" and fc.n_train_ == {"close": 80}
    out = fc.predict(2)
    assert [str(d.date()) for d in out["ds"]] == ["2021-04-26", "2021-04-27"]
    with pytest.raises(DataError, match=r"missing value in series 'close'"):
        Forecaster(hidden=2, window=3, epochs=1).fit(df, freq="B")
