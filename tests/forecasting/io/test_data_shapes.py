"""Every input shape a user already has: Nixtla, yfinance, Series, arrays, one column.

Each shape is built here and checked for the exact names, dates and values
read, and for the notes that say what was chosen or left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unrolled.cli import run
from unrolled.forecasting.io.data import (
    DataError,
    as_dataset,
    from_dict,
    from_frame,
    load_csv,
)
from unrolled.forecasting.io.dataset import future_dates


def test_a_nixtla_frame_with_datetime_ds():
    df = pd.DataFrame({
        "unique_id": ["a"] * 4 + ["b"] * 4,
        "ds": list(pd.date_range("2024-01-01", periods=4, freq="MS")) * 2,
        "y": [1.0, 2, 3, 4, 10, 20, 30, 40],
    })  # fmt: skip
    ds = from_frame(df)
    assert ds.names == ["a", "b"] and ds.frequency == "monthly"
    assert ds["b"].values.tolist() == [10, 20, 30, 40]
    assert list(future_dates(ds["a"], 2)) == [pd.Timestamp("2024-05-01"),
                                              pd.Timestamp("2024-06-01")]  # fmt: skip


def test_a_nixtla_frame_with_integer_ds_and_numeric_ids():
    df = pd.DataFrame({"unique_id": [1, 1, 1, 2, 2, 2], "ds": [1, 2, 3, 1, 2, 3],
                       "y": [5.0, 6, 7, 50, 60, 70]})  # fmt: skip
    ds = from_frame(df)
    assert ds.names == ["1", "2"] and ds.frequency == "steps"
    assert ds["2"].dates.tolist() == [1, 2, 3]
    assert ds["2"].values.tolist() == [50, 60, 70]
    assert list(future_dates(ds["1"], 2)) == [4, 5]
    assert ds.notes == [
        "column 'ds' holds whole numbers, not dates: read as an integer time index"
    ]


def test_a_series_with_a_datetime_index():
    s = pd.Series([3.0, 4, 5, 6], name="sales",
                  index=pd.bdate_range("2024-01-04", periods=4))  # fmt: skip
    ds = as_dataset(s)
    assert ds.names == ["sales"]
    assert [str(d.date()) for d in ds["sales"].dates] == [
        "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09"]  # fmt: skip
    assert ds["sales"].values.tolist() == [3, 4, 5, 6]


@pytest.mark.parametrize("data", [np.array([1.0, 2, 3, 4]), [1, 2, 3, 4], (1, 2, 3, 4)])
def test_an_array_or_list_is_one_series_on_integer_steps(data):
    ds = as_dataset(data)
    assert ds.names == ["series_0"] and ds.frequency == "steps"
    assert ds["series_0"].dates.tolist() == [0, 1, 2, 3]
    assert ds["series_0"].values.tolist() == [1, 2, 3, 4]
    assert ds.notes == ["no dates given: values are time steps 0, 1, 2, ..."]


def test_a_one_column_csv_without_dates(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("visitors\n120\n130\n125\n140\n")
    ds = load_csv(path)
    assert ds.names == ["visitors"] and ds.frequency == "steps"
    assert ds["visitors"].dates.tolist() == [0, 1, 2, 3]
    assert ds["visitors"].values.tolist() == [120, 130, 125, 140]
    assert ds.notes == ["no date column: the rows are read as time steps 0, 1, 2, ..."]


def yfinance(group_by_ticker=False, adj=True):
    dates = pd.bdate_range("2024-01-02", periods=5, name="Date")
    fields = ["Open", "High", "Low", "Close", *(["Adj Close"] if adj else []), "Volume"]
    cols, data = [], {}
    for t, base in (("AAPL", 100.0), ("MSFT", 300.0)):
        for f in fields:
            key = (t, f) if group_by_ticker else (f, t)
            cols.append(key)
            if f == "Volume":
                data[key] = [1e7] * 5
            else:
                shift = {"Adj Close": -1.0}.get(f, 0.0)
                data[key] = [base + k + shift for k in range(5)]
    return pd.DataFrame(data, index=dates, columns=pd.MultiIndex.from_tuples(cols))


@pytest.mark.parametrize("group_by_ticker", [False, True])
def test_a_yfinance_multiindex_frame_forecasts_the_adjusted_close(group_by_ticker):
    ds = from_frame(yfinance(group_by_ticker))
    assert ds.names == ["AAPL", "MSFT"] and ds.frequency == "business-daily"
    assert ds["MSFT"].values.tolist() == [299, 300, 301, 302, 303]  # adjusted
    assert ds.notes[0] == (
        "price data: forecasting 'Adj Close' of AAPL, MSFT; not used: open, high, "
        "low, close, volume"
    )


def test_a_yfinance_frame_without_adjusted_close_uses_the_close():
    ds = from_frame(yfinance(adj=False))
    assert ds["AAPL"].values.tolist() == [100, 101, 102, 103, 104]
    assert "forecasting 'Close'" in ds.notes[0]


def test_a_flat_ohlcv_frame_never_mixes_volume_in():
    df = yfinance().xs("AAPL", axis=1, level=1)
    ds = from_frame(df)
    assert ds.names == ["Adj Close"]
    assert ds["Adj Close"].values.tolist() == [99, 100, 101, 102, 103]
    assert ds.notes == [
        "price data: forecasting 'Adj Close'; not used: 'Open', 'High', 'Low', "
        "'Close', 'Volume'"
    ]


def test_exogenous_columns_are_named_not_dropped_silently():
    df = pd.DataFrame({"unique_id": ["a"] * 3, "ds": pd.date_range("2024-01-01",
                       periods=3), "y": [1.0, 2, 3], "temp": [20, 21, 22],
                       "promo": [0, 1, 0]})  # fmt: skip
    ds = from_frame(df)
    assert ds["a"].values.tolist() == [1, 2, 3]
    assert ds.notes == ["columns not used: 'temp', 'promo'"]


@pytest.mark.parametrize(
    "make,message",
    [(lambda: from_dict({1: [1.0, 2, 3], "1": [4.0, 5, 6]}),
      "two series named '1' (keys 1 and '1')"),
     (lambda: from_frame(pd.DataFrame({"date": pd.date_range("2024-01-01",
                                       periods=3), 1: [1.0, 2, 3], "1": [4.0, 5, 6]})),
      "two columns named '1' (1 and '1'); one would be lost"),
     (lambda: from_dict({"a": [1.0, 2, 3], "b": pd.Series(
         [1.0, 2, 3], index=pd.date_range("2024-01-01", periods=3))}),
      "some series have dates and some do not"),
     (lambda: as_dataset(np.ones((3, 2))), "data: expected a 1-D array (one "
      "series), got shape (3, 2)"),
     (lambda: from_frame(pd.DataFrame({"ds": [1.5, 2.5, 3.5], "y": [1.0, 2, 3]})),
      "row 1, column 'ds': expected a date or a whole-number time step, got 1.5")],
)  # fmt: skip
def test_shapes_that_would_lose_or_invent_data_are_refused(make, message):
    with pytest.raises(ValueError) as info:  # DataError is a ValueError
        make()
    assert message in str(info.value)


def test_a_single_value_csv_runs_through_the_cli_with_a_note(tmp_path, capsys):
    path = tmp_path / "one.csv"
    path.write_text("".join(f"{10 + (k % 5)}\n" for k in range(40)))
    code = run(
        [
            "forecast",
            "--data",
            str(path),
            "--epochs",
            "2",
            "--hidden",
            "2",
            "--window",
            "4",
            "--lr",
            "0.01",
            "--test",
            "5",
            "-q",
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    import json

    doc = json.loads(out)
    assert doc["frequency"] == "steps"
    assert "no date column: the rows are read as time steps 0, 1, 2, ..." in doc[
        "notes"]  # fmt: skip


def test_parquet_input_reads_like_the_frame(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3,
                       "ds": list(pd.date_range("2024-01-01", periods=3)) * 2,
                       "y": [1.0, 2, 3, 4, 5, 6]})  # fmt: skip
    path = tmp_path / "prices.parquet"
    df.to_parquet(path)
    ds = load_csv(path)
    assert ds.names == ["a", "b"] and ds["b"].values.tolist() == [4, 5, 6]
    assert [str(d.date()) for d in ds["a"].dates] == [
        "2024-01-01", "2024-01-02", "2024-01-03"]  # fmt: skip
    path.write_bytes(b"PAR1 not really")
    code = run(["forecast", "--data", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "prices.parquet: cannot read Parquet" in err


def test_parquet_without_pyarrow_says_how_to_install(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_arrow(name, *a, **kw):
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_arrow)
    with pytest.raises(DataError, match=r"pip install 'unrolled\[parquet\]'"):
        load_csv(tmp_path / "x.parquet")
