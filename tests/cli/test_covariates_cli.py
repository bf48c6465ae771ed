"""Covariates on the command line: named columns of --data, --futr-data and
--static-data, as the Python API takes them; each bad value refused in one
line naming its option."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_helpers import QUICK, forecast_json, refused

from unrolled.cli import run

N = 60


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    d = pd.date_range("2015-01-01", periods=N + 3, freq="MS")
    x = rng.normal(size=N + 3)
    y = 10 + 2 * x + rng.normal(scale=0.1, size=N + 3)
    pd.DataFrame({"unique_id": "a", "ds": d[:N], "y": y[:N], "price": x[:N]}).to_csv(
        tmp_path / "sales.csv", index=False
    )
    pd.DataFrame({"unique_id": "a", "ds": d[N:], "price": x[N:]}).to_csv(
        tmp_path / "ahead.csv", index=False
    )
    p = 100 + rng.normal(size=N).cumsum()
    pd.DataFrame({
        "Date": pd.bdate_range("2023-01-02", periods=N).strftime("%Y-%m-%d"),
        "Open": p, "High": p + 1, "Low": p - 1, "Close": p + 0.2,
        "Adj Close": p + 0.1, "Volume": rng.integers(1000, 2000, N),
    }).to_csv(tmp_path / "aapl.csv", index=False)  # fmt: skip
    return tmp_path


def test_a_yfinance_file_uses_volume_and_ohl_as_historic_covariates(
    folder, monkeypatch, capsys
):
    doc, _ = forecast_json(["--data", "aapl.csv", "--hist-exog",
                            "Volume,Open,High,Low", "--test", "6"], folder,
                           monkeypatch, capsys)  # fmt: skip
    assert [s["name"] for s in doc["series"]] == ["Adj Close"]
    assert doc["config"]["covariates"]["names"] == ["Volume", "Open", "High", "Low"]


def test_future_covariates_from_futr_data_train_and_predict(
    folder, monkeypatch, capsys
):
    doc, _ = forecast_json(["--data", "sales.csv", "--futr-exog", "price",
                            "--futr-data", "ahead.csv", "--test", "6",
                            "--horizon", "3"], folder, monkeypatch, capsys)  # fmt: skip
    assert [f["ds"][:10] for f in doc["forecasts"]] == [
        "2020-01-01", "2020-02-01", "2020-03-01"]  # fmt: skip
    assert run(["train", "--data", "sales.csv", "--futr-exog", "price", "--out",
                "m", *QUICK]) == 0  # fmt: skip
    capsys.readouterr()
    code = run(["predict", "--model", "m", "--horizon", "3", "--futr-data",
                "ahead.csv", "--json"])  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and len(out["series"][0]["horizon"]) == 3


@pytest.mark.parametrize(
    "argv, line",
    [
        (["forecast", "--data", "sales.csv", "--futr-exog", "price"],
         "error: --futr-data: needed with future covariates (price): a file with "
         "unique_id, ds and their values at the dates forecast"),
        (["forecast", "--data", "sales.csv", "--calendar", "moon"],
         "error: --calendar: unknown feature 'moon'; expected some of month, "
         "weekday, hour, dayofyear, holiday"),
        (["forecast", "--data", "sales.csv", "--hist-exog", "price,,"],
         "error: Invalid value for '--hist-exog': expected COL[,COL...], got "
         "'price,,'"),
        (["forecast", "--hist-exog", "Volume"],
         "error: --hist-exog: the bundled data sets have no covariate columns; "
         "give --data FILE with them"),
        (["forecast", "--data", "sales.csv", "--hist-exog", "cost"],
         "error: data: hist_exog: no column 'cost'; columns: 'unique_id', 'ds', "
         "'y', 'price'"),
        (["forecast", "--data", "sales.csv", "--hist-exog", "y"],
         "error: column 'y': is the target (the values forecast); a covariate "
         "must be another column"),
        (["forecast", "--data", "sales.csv", "--futr-data", "ahead.csv"],
         "error: --futr-data: only with --futr-exog"),
        (["forecast", "--data", "sales.csv", "--hist-exog", "price", "--fill",
          "ffill"],
         "error: --fill: not yet with --hist-exog; name the columns date (or ds), "
         "unique_id and y, and give the covariates at every date"),
    ],
)  # fmt: skip
def test_bad_covariate_options_are_refused_in_one_line(
    argv, line, folder, monkeypatch, capsys
):
    assert refused([*argv, *QUICK], folder, monkeypatch, capsys) == line
