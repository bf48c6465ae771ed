"""Time zones kept (issue 40): aware dates are read on their own clock.

Converted to UTC, ``2000-01-01T00:00:00+02:00`` became the 31st of December
at 22:00 and a monthly series month ends of the month before. Now the wall
clock of the series' own zone is kept and forecasts are dated on it; two
offsets are daylight saving (hourly data on the clock of the last offset),
any other mix is refused naming two rows.
"""

import pandas as pd
import pytest
from cli_helpers import forecast_json, refused

from unrolled.errors import DataError
from unrolled.forecasting.io.data import from_frame, load_csv
from unrolled.forecasting.io.dataset import future_dates


def csv(tmp_path, stamps, name="z.csv"):
    path = tmp_path / name
    path.write_text(
        "date,value\n" + "".join(f"{s},{10 + k % 7}\n" for k, s in enumerate(stamps))
    )
    return path


def months_at(offset, n=60):
    return [f"{2000 + i // 12}-{i % 12 + 1:02d}-01T00:00:00{offset}" for i in range(n)]


def test_monthly_dates_with_an_offset_stay_on_the_first_of_the_month(tmp_path):
    ds = load_csv(csv(tmp_path, months_at("+02:00")))
    s = ds["value"]
    assert (ds.frequency, ds.pandas_freq) == ("monthly", "MS")
    assert [str(d.date()) for d in s.dates[:2]] == ["2000-01-01", "2000-02-01"]
    assert [str(d) for d in future_dates(ds, 2)["value"]] == [
        "2005-01-01 00:00:00",
        "2005-02-01 00:00:00",
    ]
    assert ds.notes == [
        "dates in column 'date' carry the UTC offset +02:00: read on that clock "
        "(their own dates and times); forecasts are dated on it"
    ]


def test_daily_dates_east_of_utc_keep_their_day(tmp_path):
    days = pd.date_range("2021-01-01", periods=40, freq="D")
    ds = load_csv(csv(tmp_path, [f"{d.date()}T00:00:00+05:00" for d in days]))
    assert ds.frequency == "daily"
    assert str(ds["value"].dates[0]) == "2021-01-01 00:00:00"
    assert [str(d.date()) for d in future_dates(ds, 2)["value"]] == [
        "2021-02-10",
        "2021-02-11",
    ]


def test_utc_z_is_an_offset_of_zero(tmp_path):
    hours = pd.date_range("2021-06-01", periods=30, freq="h")
    ds = load_csv(csv(tmp_path, [f"{d:%Y-%m-%dT%H:%M:%S}Z" for d in hours]))
    assert ds.frequency == "hourly" and "+00:00" in ds.notes[0]
    assert str(future_dates(ds, 1)["value"][0]) == "2021-06-02 06:00:00"


def test_a_tz_aware_frame_keeps_its_wall_clock():
    ds_col = pd.date_range("2000-01-01", periods=60, freq="MS", tz="Asia/Kolkata")
    ds = from_frame(pd.DataFrame({"ds": ds_col, "y": range(60)}))
    assert str(ds["y"].dates[0]) == "2000-01-01 00:00:00"
    assert [str(d.date()) for d in future_dates(ds, 1)["y"]] == ["2005-01-01"]
    assert "zone Asia/Kolkata" in ds.notes[0]


def test_daily_local_dates_across_daylight_saving_keep_their_dates(tmp_path):
    days = pd.date_range("2021-03-01", "2021-04-30", freq="D", tz="Europe/Berlin")
    ds = load_csv(csv(tmp_path, [d.isoformat() for d in days]))
    assert ds.frequency == "daily" and len(ds["value"]) == 61
    assert str(ds["value"].dates[-1]) == "2021-04-30 00:00:00"
    assert ds.notes == [
        "dates in column 'date' carry the UTC offsets +01:00 and +02:00 (daylight "
        "saving): read on the local clock; forecasts are dated on it"
    ]


def test_hourly_local_data_across_the_spring_change_stay_hourly(tmp_path):
    hours = pd.date_range("2021-03-27", "2021-03-29", freq="h", tz="Europe/Berlin")
    ds = load_csv(csv(tmp_path, [d.isoformat() for d in hours]))
    assert ds.frequency == "hourly" and len(ds["value"]) == 48
    # on the clock of the last offset (+02:00), the series ends at 00:00 local
    assert str(ds["value"].dates[-1]) == "2021-03-29 00:00:00"
    assert str(future_dates(ds, 1)["value"][0]) == "2021-03-29 01:00:00"
    assert "clock of the last offset, +02:00" in ds.notes[0]


def test_hourly_local_data_across_the_autumn_change_are_not_duplicates(tmp_path):
    hours = pd.date_range("2021-10-30", "2021-11-01", freq="h", tz="Europe/Berlin")
    ds = load_csv(csv(tmp_path, [d.isoformat() for d in hours]))
    assert ds.frequency == "hourly" and len(ds["value"]) == 50
    assert str(future_dates(ds, 1)["value"][0]) == "2021-11-01 01:00:00"


def test_alternating_offsets_are_refused_naming_two_rows(tmp_path, monkeypatch, capsys):
    days = pd.date_range("2021-01-01", periods=40, freq="D")
    stamps = [
        f"{d.date()}T00:00:00{'+05:00' if k % 2 else '+00:00'}"
        for k, d in enumerate(days)
    ]
    csv(tmp_path, stamps, "alt.csv")
    line = refused(["forecast", "--data", "alt.csv"], tmp_path, monkeypatch, capsys)
    assert line == (
        "error: alt.csv, column 'date': dates carry different UTC offsets, +00:00 "
        "(row 2) and +05:00 (row 3), which change the calendar; give every date "
        "in one zone"
    )


def test_some_dates_with_an_offset_and_some_without_are_refused(tmp_path):
    stamps = months_at("+02:00", 12)
    stamps[5] = stamps[5][:10]
    with pytest.raises(DataError) as e:
        load_csv(csv(tmp_path, stamps))
    assert "some dates carry a UTC offset and some do not (row 2" in str(e.value)
    assert "row 7 '2000-06-01'" in str(e.value)


def test_the_cli_dates_forecasts_in_the_series_zone(tmp_path, monkeypatch, capsys):
    csv(tmp_path, months_at("+02:00"), "m.csv")
    doc, _ = forecast_json(
        ["--data", "m.csv", "--horizon", "2", "--test", "3"],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert [r["ds"] for r in doc["forecasts"]] == [
        "2005-01-01T00:00:00",
        "2005-02-01T00:00:00",
    ]
