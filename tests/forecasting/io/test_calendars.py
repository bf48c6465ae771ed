"""Calendars do not depend on the datetime unit (issue 40).

pandas 3 parses dates as ``datetime64[us]``, pandas 2 as ``[ns]``; a frame may
hold ``[ms]`` or ``[s]``. The whole calendar suite below (frequency, gaps
found and refused or filled, irregular dates, future dates) runs on every
unit, by converting the parsed dates with ``.astype("datetime64[unit]")``, so
one pandas covers both majors; the CSV cases read text as the installed
pandas does. Dates and values are exact.
"""

import numpy as np
import pandas as pd
import pytest

from unrolled.errors import DataError
from unrolled.forecasting.io.data import from_frame, load_csv
from unrolled.forecasting.io.dataset import future_dates

UNITS = ["ns", "us", "ms", "s"]

# name: (pandas range, positions dropped, word, alias, the next 3 dates)
CALENDARS = {
    "daily": (
        ("2021-01-01", 30, "D"),
        [9],
        "daily",
        "D",
        ["2021-01-31", "2021-02-01", "2021-02-02"],
    ),
    "weekly": (
        ("2021-01-03", 20, "W-SUN"),
        [5],
        "weekly",
        "7D",
        ["2021-05-23", "2021-05-30", "2021-06-06"],
    ),
    "hourly": (
        ("2021-03-01 00:00", 48, "h"),
        [7],
        "hourly",
        "h",
        ["2021-03-03 00:00:00", "2021-03-03 01:00:00", "2021-03-03 02:00:00"],
    ),
    "minutes": (
        ("2021-03-01 00:00", 40, "15min"),
        [3],
        "every 15 minutes",
        "15min",
        ["2021-03-01 10:00:00", "2021-03-01 10:15:00", "2021-03-01 10:30:00"],
    ),
    "monthly": (
        ("2019-01-01", 24, "MS"),
        [4],
        "monthly",
        "MS",
        ["2021-01-01", "2021-02-01", "2021-03-01"],
    ),
    "month-ends": (
        ("2019-01-31", 24, "ME"),
        [4],
        "monthly",
        "ME",
        ["2021-01-31", "2021-02-28", "2021-03-31"],
    ),
    "quarterly": (
        ("2015-01-01", 20, "QS"),
        [6],
        "quarterly",
        "QS-JAN",
        ["2020-01-01", "2020-04-01", "2020-07-01"],
    ),
    "yearly": (
        ("2000-01-01", 15, "YS"),
        [3],
        "yearly",
        "YS-JAN",
        ["2015-01-01", "2016-01-01", "2017-01-01"],
    ),
    "business-daily": (
        ("2021-01-04", 40, "B"),
        [],
        "business-daily",
        "B",
        ["2021-03-01", "2021-03-02", "2021-03-03"],
    ),
}


def frame(spec, drop, unit):
    start, n, freq = spec
    full = pd.date_range(start, periods=n, freq=freq)
    keep = np.setdiff1d(np.arange(n), drop)
    ds = pd.DatetimeIndex(full[keep]).astype(f"datetime64[{unit}]")
    assert ds.unit == unit
    return pd.DataFrame({"ds": ds, "y": 10.0 + keep}), full


def shown(index) -> list[str]:
    """Dates as text: YYYY-MM-DD, with the time when any of them has one."""
    index = pd.DatetimeIndex(index)
    days = (index == index.normalize()).all()
    return [str(d.date()) if days else str(d) for d in index]


@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("name", list(CALENDARS))
def test_the_calendar_suite_gives_the_same_answer_on_every_unit(name, unit):
    spec, drop, word, alias, nxt = CALENDARS[name]
    df, full = frame(spec, drop, unit)
    if drop:  # a date absent from the calendar is a gap: refused, naming it
        with pytest.raises(DataError) as e:
            from_frame(df)
        assert f"(first: {shown(full[drop])[0]})" in str(e.value)
        ds = from_frame(df, fill="interpolate")
        assert ds["y"].values.tolist() == (10.0 + np.arange(spec[1])).tolist()
        assert shown(ds["y"].dates) == shown(full)
        assert ds.notes[-1] == "filled 1 gap(s) in y by linear interpolation"
    ds = from_frame(df, fill="interpolate")
    assert (ds.frequency, ds.pandas_freq) == (word, alias)
    assert shown(future_dates(ds, 3)["y"]) == nxt
    # the dates of one series, as an Index, continue the same way
    assert shown(future_dates(ds["y"].dates, 3)) == nxt


@pytest.mark.parametrize("unit", UNITS)
def test_irregular_dates_become_steps_with_a_note_on_every_unit(unit):
    dates = pd.to_datetime(
        [
            "2021-01-01",
            "2021-01-03",
            "2021-01-04",
            "2021-01-09",
            "2021-01-10",
            "2021-01-20",
            "2021-01-21",
        ]
    )
    df = pd.DataFrame({"ds": dates.astype(f"datetime64[{unit}]"), "y": range(7)})
    ds = from_frame(df)
    assert ds.frequency == "steps" and ds.pandas_freq is None
    assert ds["y"].dates.tolist() == list(range(7))
    assert future_dates(ds, 2)["y"].tolist() == [7, 8]
    assert ds.notes == [
        "the dates follow no regular calendar (spacing from 1 days 00:00:00 to 10 "
        "days 00:00:00): read as time steps 0, 1, 2, ...; forecasts are numbered "
        "steps (pass freq= / --freq to state a calendar)"
    ]


@pytest.mark.parametrize("unit", UNITS)
def test_a_day_is_a_day_whatever_the_unit(unit):
    """The pandas 3 defect: a median step read as ns made a day 86.4 s."""
    dates = pd.date_range("2021-04-01", periods=30, freq="D").delete([3, 17])
    df = pd.DataFrame({"ds": dates.astype(f"datetime64[{unit}]"), "y": range(28)})
    ds = from_frame(df, fill="drop")
    assert ds.frequency == "daily"
    assert shown(future_dates(ds, 2)["y"]) == ["2021-05-01", "2021-05-02"]


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_csv_with_a_missing_day_is_refused_naming_the_day(tmp_path):
    days = pd.date_range("2021-01-01", periods=20, freq="D").delete(12)
    path = write(
        tmp_path,
        "d.csv",
        "date,value\n" + "".join(f"{d.date()},{k}\n" for k, d in enumerate(days)),
    )
    with pytest.raises(DataError) as e:
        load_csv(path)
    assert str(e.value).startswith(f"{path}, row 14, column 'value': missing value")
    assert "(first: 2021-01-13)" in str(e.value)
    ds = load_csv(path, fill="ffill")
    assert len(ds["value"]) == 20 and ds["value"].values[12] == 11.0
    assert shown(future_dates(ds, 1)["value"]) == ["2021-01-21"]


def test_an_hourly_csv_with_a_gap_forecasts_the_next_hours(tmp_path):
    hours = pd.date_range("2021-06-01", periods=30, freq="h").delete(5)
    path = write(
        tmp_path,
        "h.csv",
        "time,value\n"
        + "".join(f"{d:%Y-%m-%d %H:%M},{k}\n" for k, d in enumerate(hours)),
    )
    ds = load_csv(path, fill="interpolate")
    assert ds.frequency == "hourly" and ds["value"].values[5] == 4.5
    assert shown(future_dates(ds, 2)["value"]) == [
        "2021-06-02 06:00:00",
        "2021-06-02 07:00:00",
    ]


def test_a_weekly_csv_with_a_gap_is_refused_then_dropped(tmp_path):
    weeks = pd.date_range("2020-01-06", periods=12, freq="W-MON").delete(4)
    path = write(
        tmp_path,
        "w.csv",
        "date,value\n" + "".join(f"{d.date()},{k}\n" for k, d in enumerate(weeks)),
    )
    with pytest.raises(DataError, match=r"first: 2020-02-03"):
        load_csv(path)
    ds = load_csv(path, fill="drop")
    assert len(ds["value"]) == 11 and ds.notes == [
        "dropped 1 missing value(s) in value"
    ]
    assert shown(future_dates(ds, 1)["value"]) == ["2020-03-30"]
