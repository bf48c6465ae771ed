"""Loading series: CSV layouts, DataFrames, dicts, bundled data, and bad input."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unrolled.forecasting.io.data import (
    MIN_LENGTH,
    DataError,
    Dataset,
    from_dict,
    from_frame,
    infer_frequency,
    list_bundled,
    load_bundled,
    load_csv,
)

LONG = """date,symbol,price
2000-01-01,AAA,1.5
2000-02-01,AAA,2.5
2000-03-01,AAA,3.5
2000-04-01,AAA,4.5
2000-03-01,BBB,30
2000-01-01,BBB,10
2000-02-01,BBB,20
"""

WIDE = """date,AAA,BBB
2021-01-04,1,
2021-01-05,2,
2021-01-06,3,7
2021-01-07,4,8
2021-01-08,5,9
"""

SINGLE = """month;sales
2010-01;100
2010-02;110
2010-03;121
2010-04;133.1
"""


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def values(ds: Dataset) -> dict[str, list[float]]:
    return {s.name: s.values.tolist() for s in ds}


# ---------------------------------------------------------------- layouts


def test_long_form_sorted_by_date_per_series(tmp_path):
    ds = load_csv(write(tmp_path, LONG))
    assert values(ds) == {"AAA": [1.5, 2.5, 3.5, 4.5], "BBB": [10.0, 20.0, 30.0]}
    assert ds.frequency == "monthly" and ds.pandas_freq == "MS"
    assert ds["BBB"].dates[0] == pd.Timestamp("2000-01-01")
    assert ds["BBB"].values.dtype == np.float64
    assert ds.notes == []


def test_wide_form_series_may_start_later(tmp_path):
    ds = load_csv(write(tmp_path, WIDE))
    assert values(ds) == {"AAA": [1, 2, 3, 4, 5], "BBB": [7, 8, 9]}
    assert ds["BBB"].dates[0] == pd.Timestamp("2021-01-06")
    assert ds.frequency == "daily"


def test_single_series_semicolon_separated(tmp_path):
    ds = load_csv(write(tmp_path, SINGLE))
    assert values(ds) == {"sales": [100, 110, 121, 133.1]}
    assert ds.frequency == "monthly"


def test_column_overrides(tmp_path):
    text = "when,who,open,close\n"
    text += "".join(f"2001-0{m},X,{m},{10 * m}\n" for m in range(1, 5))
    path = write(tmp_path, text)
    assert values(load_csv(path)) == {"X": [10, 20, 30, 40]}  # 'when' by content
    ds = load_csv(path, date_col="when", series_col="who", value_col="close")
    assert values(ds) == {"X": [10, 20, 30, 40]}
    ds = load_csv(path, date_col="when", value_col="open")
    assert values(ds) == {"open": [1, 2, 3, 4]}  # 'who' is no key-like name
    text += "".join(f"2001-0{m},Y,{m},{20 * m}\n" for m in range(1, 4))
    ds = load_csv(write(tmp_path, text), date_col="when", value_col="close")
    assert values(ds) == {"X": [10, 20, 30, 40], "Y": [20, 40, 60]}


def test_value_col_picks_one_column_of_a_wide_file(tmp_path):
    text = "date,precipitation,temp_max,weather\n"
    text += "".join(f"2012-01-0{d},{d % 2},{10 + d},rain\n" for d in range(1, 6))
    path = write(tmp_path, text)
    with pytest.raises(DataError, match="which column holds the values") as exc:
        load_csv(path)
    assert "'precipitation', 'temp_max'" in str(exc.value)
    ds = load_csv(path, value_col="temp_max")
    assert values(ds) == {"temp_max": [11, 12, 13, 14, 15]}


def test_unnamed_index_column_and_thousands(tmp_path):
    text = ',A\n2000-01-01,"1,234.5"\n2000-01-02,$3\n2000-01-03, 4 \n'
    assert values(load_csv(write(tmp_path, text))) == {"A": [1234.5, 3, 4]}


def test_years_as_dates_and_blank_lines(tmp_path):
    text = "\nyear,count\n1990,5\n\n1991,6\n1992,7\n"
    ds = load_csv(write(tmp_path, text))
    assert values(ds) == {"count": [5, 6, 7]} and ds.frequency == "yearly"


def test_utf8_bom_is_accepted(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + SINGLE.encode())
    assert load_csv(path).names == ["sales"]


# ---------------------------------------------------------------- gaps


GAP = "date,A\n2000-01-01,1\n2000-02-01,\n2000-03-01,NA\n2000-04-01,7\n"


@pytest.mark.parametrize(
    "fill,expected,note",
    [
        ("ffill", [1, 1, 1, 7], "filled 2 gap(s) in A by carrying"),
        ("interpolate", [1, 3, 5, 7], "filled 2 gap(s) in A by linear"),
        ("drop", [1, 7], None),
    ],
)
def test_fill_options_are_noted(tmp_path, fill, expected, note):
    if fill == "drop":
        gap = GAP.replace("2000-04-01,7", "2000-04-01,7\n2000-05-01,9")
        expected = [1, 7, 9]
        note = "dropped 2 missing value(s) in A"
    else:
        gap = GAP
    ds = load_csv(write(tmp_path, gap), fill=fill)
    assert values(ds) == {"A": expected}
    assert any(note in n for n in ds.notes)


def test_gap_without_fill_names_row_and_column(tmp_path):
    with pytest.raises(DataError) as exc:
        load_csv(write(tmp_path, GAP, "gap.csv"))
    msg = str(exc.value)
    assert "gap.csv" in msg and "row 3" in msg and "column 'A'" in msg
    assert "2 gap(s)" in msg and "--fill" in msg
    assert exc.value.row == 3 and exc.value.column == "A"


def test_unknown_fill(tmp_path):
    with pytest.raises(DataError, match="fill: expected one of"):
        load_csv(write(tmp_path, LONG), fill="zero")


# ---------------------------------------------------------------- bad input


BAD = [
    (
        "date,A\n2000-01-01,1\n2000-02-01,2\nfoo,3\n",
        {},
        r"row 4, column 'date': unparsable date 'foo'",
    ),
    (
        "date,A,B\n2000-01-01,1,2\n2000-02-01,2,x\n2000-03-01,3,4\n",
        {},
        r"row 3, column 'B': expected a number, got 'x'",
    ),
    (
        "date,A\n2000-01-01,1\n2000-02-01,2\n2000-01-01,3\n2000-03-01,4\n",
        {},
        r"row 4: duplicate date 2000-01-01 in series 'A' \(rows 2 and 4\)",
    ),
    (
        LONG + "2000-02-01,BBB,25\n",
        {},
        r"row 9: duplicate date 2000-02-01 in series 'BBB'",
    ),
    (
        LONG + "2000-05-01,CCC,1\n",
        {},
        r"column 'price': series 'CCC' has 1 point\(s\); at least 3",
    ),
    (
        "date,A\n2000-01-01,1\n2000-02-01,1e300\n2000-03-01,3\n",
        {},
        r"row 3, column 'A': value 1e\+300 in series 'A' is too large",
    ),
    (
        "date,A\n2000-01-01,1\n2000-02-01,-inf\n2000-03-01,3\n",
        {},
        r"row 3, column 'A': value -inf in series 'A' is not finite",
    ),
    (
        "date,A\n2000-01-01,1\n2000-02-01,2,3\n2000-03-01,3\n",
        {},
        r"row 3: cannot parse CSV \(Expected 2 fields in line 3, saw 3\)",
    ),
    (
        'date,A\n2000-01-01,1\n"2000-02-01,2\n',
        {},
        r"row 3: cannot parse CSV \(EOF inside string",
    ),
    (
        "t,A\n1,1\n2,2\n3,3\n",
        {},
        r"no date column found \(columns: 't', 'A'\); pass date_col",
    ),
    ("date\n2000-01-01\n2000-02-01\n", {}, r"only a date column 'date'"),
    ("date,A\n", {}, r"no data rows after the header"),
    ("\n \n\n", {}, r"file is empty"),
    ("", {}, r"file is empty"),
    (
        "date,A,A\n2000-01-01,1,2\n",
        {},
        r"row 1: duplicate column name 'A' \(columns 2 and 3\)",
    ),
    (
        ",A\n,1\n2000-02-01,2\n2000-03-01,3\n",
        {},
        r"row 2, column 'unnamed_1': missing date",
    ),
    (
        LONG,
        {"value_col": "Price"},
        r"value_col: no column 'Price'; available: 'date', 'symbol', 'price'",
    ),
    (
        LONG,
        {"date_col": "day"},
        r"date_col: no column 'day'; available: 'date', 'symbol', 'price'",
    ),
    (LONG, {"series_col": "ticker"}, r"series_col: no column 'ticker'; available:"),
    (
        LONG.replace(",AAA,", ",,", 1),
        {},
        r"row 2, column 'symbol': missing series name",
    ),
    (
        "date,A,B\n2000-01-01,,1\n2000-02-01,,2\n2000-03-01,,3\n",
        {"value_col": "A"},
        r"series 'A' has no values",
    ),
    (
        "date,a,b,c\n2000-01-01,x,y,1\n2000-02-01,x,y,2\n",
        {},
        r"cannot tell which column names the series \(text columns 'a', 'b'\)",
    ),
]


@pytest.mark.parametrize("text,kw,pattern", BAD)
def test_bad_input_names_file_row_column(tmp_path, text, kw, pattern):
    path = write(tmp_path, text, "bad.csv")
    with pytest.raises(DataError, match=pattern) as exc:
        load_csv(path, **kw)
    assert str(exc.value).startswith(str(path))
    assert isinstance(exc.value, ValueError)
    assert "\n" not in str(exc.value)


def test_binary_file(tmp_path):
    path = write(tmp_path, bytes(range(256)), "photo.csv")
    with pytest.raises(DataError, match=r"photo.csv, row 1: binary file"):
        load_csv(path)


def test_spreadsheet_and_utf16(tmp_path):
    with pytest.raises(DataError, match="zip/spreadsheet archive; export it as CSV"):
        load_csv(write(tmp_path, b"PK\x03\x04rest", "book.xlsx"))
    with pytest.raises(DataError, match="UTF-16"):
        load_csv(write(tmp_path, SINGLE, "u16.csv", encoding="utf-16"))


def test_non_utf8_names_row(tmp_path):
    path = write(
        tmp_path, "date,A\n2000-01-01,1\n2000-02-01,caf\xe9\n", encoding="latin-1"
    )
    with pytest.raises(DataError, match=r"row 3: not UTF-8 text \(byte 0xe9"):
        load_csv(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="nope.csv: cannot read file"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        load_csv(tmp_path)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(blob=st.binary(max_size=300))
def test_random_bytes_give_a_dataset_or_a_data_error(tmp_path, blob):
    path = write(tmp_path, blob, "fuzz.csv")
    try:
        ds = load_csv(path)
    except DataError as exc:
        assert "\n" not in str(exc)
    else:
        assert all(len(s) >= MIN_LENGTH for s in ds)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cells=st.lists(
        st.lists(
            st.sampled_from(
                ["2000-01-01", "2001-03", "x", "", "1", "-2.5", "nan", ";"]
            ),
            min_size=3,
            max_size=3,
        ),
        max_size=8,
    )
)
def test_random_tables_give_a_dataset_or_a_data_error(tmp_path, cells):
    text = "date,A,B\n" + "".join(",".join(r) + "\n" for r in cells)
    try:
        ds = load_csv(write(tmp_path, text, "table.csv"))
    except DataError:
        return
    for s in ds:
        assert np.isfinite(s.values).all() and s.dates.is_monotonic_increasing


# ---------------------------------------------------------------- frames, dicts


def test_from_frame_long_and_datetime_index():
    df = pd.DataFrame(
        {
            "date": pd.date_range("2020-01-01", periods=4, freq="D").tolist() * 2,
            "symbol": ["A"] * 4 + ["B"] * 4,
            "price": np.arange(8.0),
        }
    )
    ds = from_frame(df)
    assert values(ds) == {"A": [0, 1, 2, 3], "B": [4, 5, 6, 7]}
    wide = pd.DataFrame(
        {"X": [1.0, 2.0, 3.0], "Y": [np.nan, 5.0, 6.0, 7.0][:3]},
        index=pd.date_range("2020-01-31", periods=3, freq="ME"),
    )
    wide.loc[wide.index[0], "Y"] = 4.0
    ds = from_frame(wide)
    assert values(ds) == {"X": [1, 2, 3], "Y": [4, 5, 6]}
    assert ds.frequency == "monthly" and ds.source == "DataFrame"


def test_from_frame_errors_count_rows_from_one():
    df = pd.DataFrame({"date": ["2020-01-01", "oops", "2020-01-03"], "v": [1, 2, 3]})
    with pytest.raises(DataError, match=r"DataFrame, row 2, column 'date'"):
        from_frame(df)
    with pytest.raises(DataError, match="expected a pandas DataFrame"):
        from_frame({"a": [1]})


def test_from_dict_arrays_and_series():
    ds = from_dict({"a": [1, 2, 3, 4], "b": np.array([5.0, 6, 7])})
    assert ds.lengths == {"a": 4, "b": 3} and ds.frequency == "steps"
    assert ds["a"].dates[-1] == ds["b"].dates[-1]  # aligned at the end
    ds = from_dict({"m": [1, 2, 3]}, freq="MS", end="2020-03-01")
    assert ds.frequency == "monthly" and ds["m"].dates[0] == pd.Timestamp("2020-01-01")
    s = pd.Series(
        [3.0, 1.0, 2.0],
        index=pd.to_datetime(["2020-01-03", "2020-01-01", "2020-01-02"]),
    )
    ds = from_dict({"s": s})
    assert values(ds) == {"s": [1, 2, 3]} and ds.frequency == "daily"
    with pytest.raises(DataError, match="series 'x' has 2 point"):
        from_dict({"x": [1.0, 2.0]})
    with pytest.raises(DataError, match="series 'x': missing value at position 1"):
        from_dict({"x": [1.0, np.nan, 2.0]})
    with pytest.raises(DataError, match="too large"):
        from_dict({"x": [1.0, 2e300, 2.0]})
    with pytest.raises(DataError, match="non-empty dict"):
        from_dict({})


def test_series_values_are_read_only(tmp_path):
    s = load_csv(write(tmp_path, LONG))["AAA"]
    with pytest.raises(ValueError):
        s.values[0] = 9.0


# ---------------------------------------------------------------- bundled, frequency


def test_bundled_stocks_shape():
    ds = load_bundled("stocks")
    assert sorted(ds.names) == ["AAPL", "AMZN", "GOOG", "IBM", "MSFT"]
    assert ds.lengths["GOOG"] == 68
    assert all(ds.lengths[n] == 123 for n in ["AAPL", "AMZN", "IBM", "MSFT"])
    assert ds.frequency == "monthly" and ds.source == "bundled:stocks"
    goog = ds["GOOG"]
    assert goog.dates[0] == pd.Timestamp("2004-08-01")
    assert goog.dates[-1] == pd.Timestamp("2010-03-01")
    assert goog.values[0] == pytest.approx(102.37)
    assert ds["MSFT"].values[0] == pytest.approx(39.81)


def test_bundled_non_financial_series():
    co2 = load_bundled("co2")
    assert co2.names == ["co2"] and co2.lengths == {"co2": 444}
    assert co2.frequency == "monthly"
    assert co2["co2"].dates[0] == pd.Timestamp("1965-01-01")
    assert co2["co2"].values[[0, -1]].tolist() == [319.40, 371.02]
    sun = load_bundled("sunspots")
    assert sun.lengths == {"sunspots": 309} and sun.frequency == "yearly"
    assert sun["sunspots"].dates[0] == pd.Timestamp("1700-01-01")
    assert sun["sunspots"].values[:2].tolist() == [5.0, 11.0]


def test_list_bundled_and_unknown_name():
    rows = {r["name"]: r for r in list_bundled()}
    assert set(rows) == {"stocks", "co2", "sunspots"}
    assert rows["stocks"]["n_series"] == 5
    assert rows["stocks"]["lengths"]["GOOG"] == 68
    assert rows["stocks"]["frequency"] == "monthly"
    with pytest.raises(
        DataError, match="no bundled data set 'nope'; available: stocks, co2, sunspots"
    ):
        load_bundled("nope")


@pytest.mark.parametrize(
    "dates,word",
    [
        (pd.date_range("2020-01-01", periods=10, freq="D"), "daily"),
        (pd.date_range("2020-01-01", periods=10, freq="B"), "business-daily"),
        (pd.date_range("2020-01-01", periods=10, freq="W"), "weekly"),
        (pd.date_range("2020-01-01", periods=10, freq="QS"), "quarterly"),
        (pd.date_range("2020-01-01", periods=10, freq="h"), "hourly"),
        (pd.date_range("2020-01-01", periods=10, freq="YS"), "yearly"),
        (
            pd.DatetimeIndex(["2020-01-01", "2020-02-01", "2020-04-01", "2020-05-01"]),
            "monthly",
        ),
        (pd.DatetimeIndex(["2020-01-01", "2020-01-03", "2020-01-13"]), "irregular"),
    ],
)
def test_infer_frequency(dates, word):
    assert infer_frequency(dates)[0] == word


def test_import_unrolled_does_not_import_pandas():
    code = (
        "import sys, unrolled, unrolled.forecasting.io.data; "
        "print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
