"""Nothing merged or dropped silently (issue 40).

Levels that print alike, ids that differ as text, an all-missing id column,
complex values, a shortened window, CR-only line ends, and files with two
date-like columns (date,time,value and start,end,value): each is read
exactly, refused naming what, or said in a note.
"""

import json

import numpy as np
import pandas as pd
import pytest
from cli_helpers import refused

from unrolled.cli import run
from unrolled.errors import DataError
from unrolled.forecasting.ensemble.intervals import check_levels
from unrolled.forecasting.io.data import from_dict, from_frame, load_csv


def write(folder, name, text, mode="w"):
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def months(n=24):
    return [f"{2020 + i // 12}-{i % 12 + 1:02d}-01" for i in range(n)]


# ------------------------------------------------------------------ levels
def test_levels_that_print_alike_are_refused(tmp_path, monkeypatch, capsys):
    line = refused(
        ["forecast", "--level", "80", "80.0000001"], tmp_path, monkeypatch, capsys
    )
    assert line == (
        "error: --level: 80.0 and 80.0000001 both name the columns '-80'; give "
        "levels that differ in their first 6 digits"
    )
    with pytest.raises(ValueError, match="both name the columns '-95'"):
        check_levels([95, 95.000001])
    assert check_levels([80, 80.5]) == [80.0, 80.5]


# --------------------------------------------------------------------- ids
def test_ids_that_differ_as_text_stay_two_series(tmp_path):
    rows = "".join(f"{d},1,{k}\n{d},01,{10 * k}\n" for k, d in enumerate(months(5)))
    ds = load_csv(write(tmp_path, "ids.csv", "date,unique_id,y\n" + rows))
    assert ds.names == ["1", "01"]
    assert ds["1"].values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert ds["01"].values.tolist() == [0.0, 10.0, 20.0, 30.0, 40.0]


def test_numeric_ids_in_a_frame_keep_their_text():
    df = pd.DataFrame(
        {"unique_id": ["1"] * 4 + ["01"] * 4, "ds": list(range(4)) * 2,
         "y": np.arange(8.0)}
    )  # fmt: skip
    assert from_frame(df).names == ["1", "01"]


@pytest.mark.parametrize("cell", ["", "NA"])
def test_an_all_missing_id_column_is_refused(tmp_path, cell):
    rows = "".join(f"{cell},{d},{k}\n" for k, d in enumerate(months(6)))
    path = write(tmp_path, "noid.csv", "unique_id,ds,y\n" + rows)
    with pytest.raises(DataError) as e:
        load_csv(path)
    assert str(e.value) == (
        f"{path}, column 'unique_id': the series-name column holds no names (every "
        "cell is missing); fill it in, or drop the column to read one series"
    )
    df = pd.DataFrame({"unique_id": [np.nan] * 6, "ds": pd.to_datetime(months(6)),
                       "y": np.arange(6.0)})  # fmt: skip
    with pytest.raises(DataError, match="'unique_id': the series-name column holds"):
        from_frame(df)


# ----------------------------------------------------------------- complex
def test_complex_values_are_refused_naming_the_row():
    df = pd.DataFrame({"ds": pd.to_datetime(months(6)), "y": np.arange(6) + 2j})
    with pytest.raises(DataError) as e:
        from_frame(df)
    assert str(e.value) == (
        "DataFrame, row 1, column 'y': expected real numbers, got the complex "
        "number 2j (its imaginary part would be lost)"
    )
    obj = pd.DataFrame({"ds": pd.to_datetime(months(3)), "y": [1.0, 1 + 1j, 2.0]})
    with pytest.raises(DataError, match="row 2, column 'y': expected real numbers"):
        from_frame(obj)
    with pytest.raises(DataError, match="series 'a': expected real numbers, got"):
        from_dict({"a": np.arange(5) * (1 + 1j)})
    with pytest.raises(DataError, match="expected real numbers"):
        from_dict({"a": [1.0, 2.0, 3 + 0j]})


# ------------------------------------------------------------------ window
def test_a_shortened_window_is_said(tmp_path, monkeypatch, capsys):
    write(tmp_path, "m.csv", "date,value\n" + "".join(
        f"{d},{10 + k % 5}\n" for k, d in enumerate(months(30))))  # fmt: skip
    monkeypatch.chdir(tmp_path)
    argv = ["forecast", "--data", "m.csv", "--test", "3", "--window", "100000"]
    argv += ["--hidden", "2", "--epochs", "1", "--lr", "0.01", "-q", "--json"]
    assert run(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    shortened = [n for n in doc["notes"] if n.startswith("window 100000")]
    assert shortened == [
        f"window 100000 is longer than the longest training part: shortened to "
        f"{doc['config']['window']} steps"
    ]
    assert doc["config"]["window"] < 30


# --------------------------------------------------------------- the text
def test_cr_only_line_ends_are_read(tmp_path):
    text = "date,value\r" + "".join(f"{d},{k}\r" for k, d in enumerate(months(6)))
    ds = load_csv(write(tmp_path, "mac.csv", text.encode()))
    assert ds["value"].values.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert str(ds["value"].dates[-1].date()) == "2020-06-01"
    assert ds.notes[0] == "lines end in a carriage return only (CR): read as lines"


def test_date_and_time_columns_are_one_timestamp(tmp_path):
    rows = "".join(f"2021-01-0{1 + h // 24},{h % 24:02d}:00,{h}\n" for h in range(48))
    ds = load_csv(write(tmp_path, "dt.csv", "date,time,value\n" + rows))
    s = ds["value"]
    assert ds.frequency == "hourly" and ds.names == ["value"]
    assert [str(d) for d in s.dates[23:25]] == [
        "2021-01-01 23:00:00", "2021-01-02 00:00:00"]  # fmt: skip
    assert s.values[:3].tolist() == [0.0, 1.0, 2.0]
    assert ds.notes == ["columns 'date' and 'time' read as one timestamp"]


def test_a_time_column_beside_timestamps_is_refused_naming_both(tmp_path):
    rows = "".join(f"2021-01-01 {h:02d}:00,{h:02d}:30,{h}\n" for h in range(10))
    path = write(tmp_path, "dt2.csv", "date,time,value\n" + rows)
    with pytest.raises(DataError) as e:
        load_csv(path)
    assert str(e.value) == (
        f"{path}: columns 'date' and 'time': 'time' holds times of day, but 'date' "
        "already has times (or is not dates); give one timestamp column"
    )


def test_start_and_end_columns_are_refused_naming_both(tmp_path, monkeypatch,
                                                       capsys):  # fmt: skip
    rows = "".join(
        f"{d},{pd.Timestamp(d) + pd.offsets.MonthEnd(0):%Y-%m-%d},{k}\n"
        for k, d in enumerate(months(12))
    )
    write(tmp_path, "se.csv", "start,end,value\n" + rows)
    line = refused(["forecast", "--data", "se.csv"], tmp_path, monkeypatch, capsys)
    assert line == (
        "error: se.csv: columns 'start' and 'end' both hold dates; the values need "
        "one date column: remove the other from the data (a column of dates cannot "
        "name series)"
    )
