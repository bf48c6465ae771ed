"""The forecasting commands end to end: forecast, train, predict, evaluate, datasets."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from unrolled.cli import run

FAST = ["--hidden", "8", "--window", "12", "--lr", "0.03", "--scaling", "diff"]
FAST += ["--epochs", "40", "--patience", "8"]
KEYS = {"name", "n_train", "n_test", "next", "metrics"}
METHODS = {"ensemble", "naive", "drift", "seasonal_naive", "mean"}
METRICS = {"mae", "rmse", "mape", "mase", "direction"}


def _frame(lengths=(60, 40), seed=0):
    """Monthly seasonal series of different lengths, ending on the same month."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2020-12-01")
    out = {}
    for k, n in enumerate(lengths):
        t = np.arange(n)
        y = 50 + 0.1 * t + 5 * np.sin(2 * np.pi * t / 12 + k)
        dates = pd.date_range(end=end, periods=n, freq="MS")
        out[f"S{k}"] = pd.Series(y + 0.2 * rng.standard_normal(n), index=dates)
    return out


@pytest.fixture
def long_csv(tmp_path):
    rows = [
        (d.strftime("%Y-%m-%d"), name, round(v, 4))
        for name, s in _frame().items()
        for d, v in s.items()
    ]
    path = tmp_path / "long.csv"
    pd.DataFrame(rows, columns=["date", "symbol", "price"]).to_csv(path, index=False)
    return path


@pytest.fixture
def wide_csv(tmp_path):
    path = tmp_path / "wide.csv"
    pd.DataFrame(_frame()).rename_axis("month").to_csv(path)  # S1 starts later
    return path


@pytest.fixture
def single_csv(tmp_path):
    path = tmp_path / "one.csv"
    s = _frame((50,))["S0"]
    pd.DataFrame({"when": s.index.strftime("%Y-%m"), "sales": s.values}).to_csv(
        path, index=False
    )
    return path


def _json(capsys, argv):
    code = run(argv)
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def _check_schema(doc, names, n_test):
    assert set(doc) >= {"series", "frequency", "seed"}
    assert [s["name"] for s in doc["series"]] == names
    for s in doc["series"]:
        assert KEYS <= set(s) and set(s["metrics"]) == METHODS
        assert all(set(m) == METRICS for m in s["metrics"].values())
        assert s["n_test"] == n_test and isinstance(s["next"], float)


# ------------------------------------------------------------ the three forms
def test_long_csv_forecast_json(capsys, long_csv):
    doc = _json(capsys, ["forecast", "--data", str(long_csv), "--json", *FAST])
    _check_schema(doc, ["S0", "S1"], 12)
    assert doc["frequency"] == "monthly" and doc["seed"] == 0
    assert [s["n_train"] for s in doc["series"]] == [48, 28]
    for s in doc["series"]:  # a seasonal series: the ensemble beats naive
        assert s["metrics"]["ensemble"]["mase"] < s["metrics"]["naive"]["mase"]


def test_wide_csv_forecast_json_with_horizon(capsys, wide_csv):
    doc = _json(
        capsys,
        ["forecast", "--data", str(wide_csv), "--json", "--horizon", "3",
         "--test", "6", *FAST],
    )  # fmt: skip
    _check_schema(doc, ["S0", "S1"], 6)
    assert [s["n_train"] for s in doc["series"]] == [54, 34]
    for s in doc["series"]:
        assert len(s["horizon"]) == 3 and s["horizon"][0] == s["next"]


def test_single_series_csv_table(capsys, single_csv):
    assert run(["forecast", "--data", str(single_csv), *FAST]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Rolling-origin")  # no progress bar off a terminal
    assert "sales" in out and "seasonal_naive" in out and "MASE" in out
    assert "validation (MAE / naive in-sample MAE)" in out


def test_same_seed_same_output(capsys, long_csv):
    argv = ["forecast", "--data", str(long_csv), "--json", "--seed", "5", *FAST]
    assert _json(capsys, argv) == _json(capsys, argv)


# --------------------------------------------------------- bundled, plots
def test_bundled_stocks_table_names_all_five_and_the_verdict(capsys):
    argv = ["forecast", "--json", "--quiet", *FAST[:-4], "--epochs", "15"]
    doc = _json(capsys, argv)
    _check_schema(doc, ["MSFT", "AMZN", "IBM", "GOOG", "AAPL"], 12)
    n_train = {s["name"]: s["n_train"] for s in doc["series"]}
    assert n_train["GOOG"] == 56 and n_train["AAPL"] == 111


def test_plot_writes_a_png(tmp_path, capsys, single_csv):
    png = tmp_path / "f.png"
    argv = ["forecast", "--data", str(single_csv), "--plot", str(png), *FAST]
    assert run(argv) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot written to {png}" in capsys.readouterr().out


def test_diagnose_reports_the_gradients_of_the_chosen_configuration(capsys, long_csv):
    doc = _json(
        capsys, ["forecast", "--data", str(long_csv), "--diagnose", "--json", *FAST]
    )
    diag = doc["diagnostics"]
    assert len(diag["global_norm"]) == len(diag["epochs"]) >= 1
    assert "weight_hh_l0" in diag["norms"]
    assert run(["forecast", "--data", str(long_csv), "--diagnose", *FAST]) == 0
    assert "gradients of the chosen configuration" in capsys.readouterr().out


def test_datasets_lists_the_bundled_sets(capsys):
    doc = _json(capsys, ["datasets", "--json"])
    stocks = next(d for d in doc["datasets"] if d["name"] == "stocks")
    assert stocks["lengths"]["GOOG"] == 68 and stocks["frequency"] == "monthly"
    assert run(["datasets"]) == 0 and "stocks" in capsys.readouterr().out


def test_fill_is_reported(tmp_path, capsys):
    s = _frame((40,))["S0"]
    vals = s.values.round(3).astype(object)
    vals[10] = ""
    path = tmp_path / "gap.csv"
    pd.DataFrame({"date": s.index.strftime("%Y-%m-%d"), "v": vals}).to_csv(
        path, index=False
    )
    assert run(["forecast", "--data", str(path), *FAST]) == 2
    assert "--fill" in capsys.readouterr().err
    doc = _json(
        capsys,
        ["forecast", "--data", str(path), "--fill", "interpolate", "--json", *FAST],
    )
    assert any("interpolation" in n for n in doc["notes"])


# ------------------------------------------------ train / predict / evaluate
def test_train_predict_evaluate_round_trip(tmp_path, capsys, long_csv):
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import load_csv

    out = tmp_path / "model"
    summary = _json(
        capsys, ["train", "--data", str(long_csv), "--out", str(out), "--json", *FAST]
    )
    assert summary["series"] == ["S0", "S1"] and summary["config"]["window"] == 12
    assert (out / "weights.safetensors").exists() and (out / "model.json").exists()
    pred = _json(
        capsys,
        ["predict", "--model", str(out), "--data", str(long_csv), "--horizon", "2",
         "--json"],
    )  # fmt: skip
    direct = Forecaster.load(out).predict(2, load_csv(long_csv))
    for row in pred["series"]:
        mine = direct[direct["unique_id"] == row["name"]]["ensemble"]
        assert row["horizon"] == mine.tolist()
    ev = _json(
        capsys, ["evaluate", "--model", str(out), "--data", str(long_csv), "--json"]
    )
    _check_schema(ev, ["S0", "S1"], 12)
    assert any("in-sample" in n for n in ev["notes"])  # trained on those points
    assert run(["predict", "--model", str(out), "--data", str(long_csv)]) == 0
    assert "+1" in capsys.readouterr().out


def test_train_counts_networks_and_classical_members_apart(tmp_path, capsys):
    from unrolled.forecasting.forecaster import Forecaster

    t = np.arange(120)
    rng = np.random.default_rng(0)
    y = 100 * np.exp(0.01 * t) * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
    dates = pd.date_range("2010-01-01", periods=120, freq="MS")
    frame = pd.DataFrame({"date": dates, "y": y * np.exp(0.02 * rng.normal(size=120))})
    frame.to_csv(tmp_path / "s.csv", index=False)
    argv = ["train", "--data", str(tmp_path / "s.csv"), "--out", str(tmp_path / "m"),
            "--epochs", "3", "--patience", "2"]  # fmt: skip
    assert run(argv) == 0
    line = capsys.readouterr().out.splitlines()[0]
    c = Forecaster.load(tmp_path / "m").config_
    assert c["theta"] == c["hw"] == c["airline"] == c["snaive"] == 1
    assert c["ensemble"] > 4
    assert line.startswith(
        f"trained {c['ensemble']} GRU network(s) (and 4 classical member(s)) on 1 "
        "series (monthly); the best:"
    )


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "make,argv,needle",
    [
        (None, ["forecast", "--data", "nope.csv"], "nope.csv"),
        ("empty", ["forecast", "--data", "{f}"], "empty"),
        ("binary", ["forecast", "--data", "{f}"], "binary"),
        ("dupdate", ["forecast", "--data", "{f}"], "duplicate date"),
        ("badnum", ["forecast", "--data", "{f}"], "row 3"),
        ("good", ["forecast", "--data", "{f}", "--value-col", "zzz"], "zzz"),
        ("good", ["forecast", "--data", "{f}", "--plot", "/no/such/dir/x.png"],
         "does not exist"),
        ("good", ["forecast", "--data", "{f}", "--plot", "{d}/x.txt"], ".png"),
        ("negative", ["forecast", "--data", "{f}", "--scaling", "logdiff"],
         "positive"),
        ("good", ["forecast", "--data", "{f}", "--cell", "cnn"], "cnn"),
        ("good", ["forecast", "--data", "{f}", "--epochs", "0"], "epochs"),
        (None, ["predict", "--model", "/no/such/model"], "no such model"),
        ("good", ["evaluate", "--model", "{d}", "--data", "{f}"], "model.json"),
        ("good", ["train", "--data", "{f}", "--out", "{f}"], "not a folder"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_one_line(tmp_path, capsys, make, argv, needle):
    f = tmp_path / "in.csv"
    content = {
        "empty": b"",
        "binary": b"\x00\x01\x02PNG\xff",
        "dupdate": b"date,v\n2020-01-01,1\n2020-01-01,2\n2020-02-01,3\n2020-03-01,4\n",
        "badnum": b"date,v\n2020-01-01,1\n2020-02-01,abc\n2020-03-01,3\n",
        "good": b"date,v\n"
        + b"".join(
            f"2020-{m:02d}-01,{m + 0.5 * (m % 3)}\n".encode() for m in range(1, 13)
        ),
        "negative": b"date,v\n2020-01-01,1\n2020-02-01,-2\n2020-03-01,3\n"
        b"2020-04-01,3\n2020-05-01,4\n",
    }
    if make:
        f.write_bytes(content[make])
    argv = [a.format(f=f, d=tmp_path) for a in argv]
    code = run(argv + (["--epochs", "2"] if argv[0] == "forecast" and
                       "--epochs" not in argv else []))  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert needle in err and "Traceback" not in out + err
    assert not (tmp_path / "x.png").exists()


# ------------------------------------------------ intervals, --out, rivals
def test_forecast_with_levels_and_out_writes_the_long_frame(tmp_path, capsys, long_csv):
    out = tmp_path / "f.csv"
    doc = _json(
        capsys,
        ["forecast", "--data", str(long_csv), "--json", "--horizon", "2",
         "--level", "80", "95", "--out", str(out), *FAST],
    )  # fmt: skip
    frame = pd.read_csv(out)
    assert frame.columns.tolist()[:4] == [
        "unique_id",
        "ds",
        "ensemble",
        "ensemble-lo-80",
    ]
    assert frame["unique_id"].tolist() == ["S0", "S0", "S1", "S1"]
    assert frame["ds"].tolist()[:2] == ["2021-01-01", "2021-02-01"]
    assert doc["config"]["window"] == 12 and doc["verdict"]
    assert [r["ensemble"] for r in doc["forecasts"]] == pytest.approx(frame["ensemble"])
    s0 = doc["series"][0]
    assert set(s0["coverage"]["ensemble"]) == {"80", "95"}
    assert len(s0["steps"]["naive"]) == 2 and len(s0["test"]["ensemble"]) == 12


@pytest.mark.parametrize(
    "args, message",
    [
        (["--level", "120"], "--level: expected numbers in (0, 100)"),
        (["--level", "80", "80"], "--level: 80 is given twice"),
        (["--level", "eighty"], "--level: expected a number, got 'eighty'"),
        (["--out", "f.xlsx"], "--out f.xlsx: expected a file ending in .csv"),
    ],
)
def test_bad_levels_and_out_paths_exit_2_naming_the_option(capsys, args, message):
    assert run(["forecast", *args]) == 2
    out, err = capsys.readouterr()
    assert message in err and out == "" and err.count("\n") == 1


def test_stats_baselines_without_statsforecast_exit_2_naming_the_install(
    capsys, monkeypatch
):
    import sys

    monkeypatch.setitem(sys.modules, "statsforecast", None)
    assert run(["forecast", "--baselines", "stats"]) == 2
    assert "pip install 'unrolled[stats]'" in capsys.readouterr().err
