"""Forecast quality of the default `unrolled forecast` beside baselines and the autos.

Every method is scored under one protocol, the one `unrolled forecast` uses:
the last 12 points of each series are held out; at each of them every method
forecasts from the true history before it (the network trained once on what
comes before; the baselines and statsforecast's AutoETS, AutoTheta and
AutoARIMA refitted at every origin). Printed per data set:

- ``ratio``: rolling one-step MAE as a multiple of naive's (mean over the
  series) for every method; ``*`` marks the best;
- the network's MASE per step ahead (h = 1, 2, 3, from every test origin,
  no retraining) and naive's;
- the share of test points inside the network's 80% and 95% intervals
  (split conformal, calibrated on the validation slice; ``-`` where the
  validation slice is too small to give one).

The autos appear when statsforecast is installed (``pip install
'unrolled[stats]'``); the statsmodels sets when statsmodels is
(``pip install 'unrolled[bench]'``). Nothing is tuned here: the forecaster
runs with its defaults and seed 0; ``--seeds N`` trains it with seeds
0..N-1 and prints the mean of its ratios (``ens``) and their range (a
single run's ratio on 12 test points a series moves by several percent
with the seed alone; the other methods do not depend on it).

    python benchmarks/forecast_quality.py              # every set
    python benchmarks/forecast_quality.py co2 nile     # some
    python benchmarks/forecast_quality.py --seeds 3    # the network's mean of 3
"""

from __future__ import annotations

import time

import numpy as np

from unrolled.forecasting.evaluation.backtest import backtest
from unrolled.forecasting.evaluation.report import pooled_coverage
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict, load_bundled

BASE = ["ensemble", "networks", "naive", "drift", "seasonal_naive", "mean"]
AUTOS = ["AutoETS", "AutoTheta", "AutoARIMA"]


def multiplicative(seed=0, n_series=3, n=144, period=12, freq="MS"):
    """Trend times a season whose amplitude grows with the level (airline-like)."""
    rng = np.random.default_rng(seed)
    out = {}
    for k in range(n_series):
        t = np.arange(n)
        level = 100 * np.exp(rng.uniform(0.004, 0.012) * t)
        season = 1 + rng.uniform(0.15, 0.3) * np.sin(2 * np.pi * t / period + k)
        out[f"mult{k}"] = level * season * np.exp(0.03 * rng.standard_normal(n))
    return from_dict(out, freq=freq)


def daily(seed=0, n_series=2, n=730):
    """Daily demand: weekly profile x yearly wave x growth, AR(1) noise."""
    rng = np.random.default_rng(seed)
    out = {}
    for k in range(n_series):
        t = np.arange(n)
        week = 1 + rng.uniform(0.1, 0.3) * np.array([0.2, 0.5, 0.4, 0.3, 0.6, -1, -1])
        year = 1 + 0.1 * np.sin(2 * np.pi * t / 365.25 + k)
        e = np.zeros(n)
        for j in range(1, n):
            e[j] = 0.6 * e[j - 1] + 0.03 * rng.standard_normal()
        level = 200 * np.exp(rng.uniform(0.0002, 0.0008) * t)
        out[f"store{k}"] = level * week[t % 7] * year * np.exp(e)
    return from_dict(out, freq="D")


def halfhourly(seed=0, n_series=2, days=28):
    """Half-hourly demand: a daily profile x a weekend dip, AR(1) noise of the log."""
    rng = np.random.default_rng(seed)
    out = {}
    t = np.arange(48 * days)
    for k in range(n_series):
        phase = 2 * np.pi * (t % 48) / 48
        day = 1 + rng.uniform(0.2, 0.4) * np.sin(phase - 1.5) + 0.1 * np.sin(2 * phase)
        week = np.where((t // 48) % 7 >= 5, rng.uniform(0.8, 0.9), 1.0)
        e = np.zeros(len(t))
        for j in range(1, len(t)):
            e[j] = 0.8 * e[j - 1] + 0.02 * rng.standard_normal()
        out[f"zone{k}"] = 1000 * day * week * np.exp(e)
    return from_dict(out, freq="30min")


def ar2(seed=0, lengths=(120, 96, 150), phi=(1.5, -0.75)):
    """AR(2) pseudo-cycles (period about 12 years) driven by unit noise."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, n in enumerate(lengths):
        y, e = np.zeros(n + 50), rng.standard_normal(n + 50)
        for t in range(2, n + 50):
            y[t] = phi[0] * y[t - 1] + phi[1] * y[t - 2] + e[t]
        out[f"ar{k}"] = 10 + y[50:]
    return from_dict(out, freq="YS")


def cycles(seed=0, lengths=(114, 100, 130), phi=(1.3, -0.75)):
    """Population cycles: a log-AR(2) (period about 9 years), yearly, positive."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, n in enumerate(lengths):
        z, e = np.zeros(n + 50), 0.25 * rng.standard_normal(n + 50)
        for t in range(2, n + 50):
            z[t] = phi[0] * z[t - 1] + phi[1] * z[t - 2] + e[t]
        out[f"pop{k}"] = 1000 * np.exp(z[50:])
    return from_dict(out, freq="YS")


def airline(seed=0, n_series=3, n=144, theta=0.4, big_theta=0.6, sigma=0.037):
    """The airline model: log y has ARIMA(0,1,1)(0,1,1)12 (Box and Jenkins's fit).

    ``(1 - B)(1 - B^12) log y = (1 - theta B)(1 - big_theta B^12) e``, the
    textbook model of monthly series with trend and multiplicative season,
    started from a yearly profile and a growth of 1 % a month.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for k in range(n_series):
        e = sigma * rng.standard_normal(n + 13)
        w = e[13:] - theta * e[12:-1] - big_theta * (e[1:-12] - theta * e[:-13])
        z = np.zeros(n + 13)
        first = np.arange(13)
        z[:13] = 5 + 0.01 * first + 0.1 * np.sin(2 * np.pi * first / 12 + k)
        for t in range(13, n + 13):
            z[t] = z[t - 1] + z[t - 12] - z[t - 13] + w[t - 13]
        out[f"air{k}"] = np.exp(z[13:])
    return from_dict(out, freq="MS")


def statsmodels_sets() -> dict:
    """Public series that statsmodels ships (offline)."""
    try:
        import statsmodels.api as sm
    except ImportError:
        return {}
    d = sm.datasets

    def elnino():
        el = d.elnino.load_pandas().data.iloc[:, 1:].to_numpy().ravel()
        return from_dict({"elnino": el[-240:]}, freq="MS")

    def macro():
        mac = d.macrodata.load_pandas().data
        return from_dict({c: mac[c].to_numpy() for c in ("realgdp", "cpi", "m1")},
                         freq="QS")  # fmt: skip

    def nile():
        return from_dict({"nile": d.nile.load_pandas().data["volume"].to_numpy()},
                         freq="YS")  # fmt: skip

    def inflation():
        dp = d.interest_inflation.load_pandas().data["Dp"].to_numpy()
        return from_dict({"Dp": dp}, freq="QS")

    return {"elnino": elnino, "macro": macro, "nile": nile, "inflation": inflation}


SETS = {
    "stocks": lambda: load_bundled("stocks"),
    "co2": lambda: load_bundled("co2"),
    "sunspots": lambda: load_bundled("sunspots"),
    "mult-monthly": multiplicative,
    "mult-quarterly": lambda: multiplicative(1, 3, 100, 4, "QS"),
    "airline": airline,
    "daily": daily,
    "halfhourly": halfhourly,
    "ar2": ar2,
    "cycles": cycles,
    **statsmodels_sets(),
}


# rivals left out of a set: AutoARIMA with a season of 48, refitted at every
# origin, takes minutes a fit (one did not end in ten)
SKIP = {"halfhourly": ("AutoARIMA",)}


def autos() -> list[str]:
    try:
        import statsforecast  # noqa: F401
    except ImportError:
        return []
    return AUTOS


def ratios(report) -> dict:
    """Each method's one-step MAE over naive's, the mean over the series."""
    return {
        m: float(
            np.mean(
                [s.metrics[m]["mae"] / s.metrics["naive"]["mae"] for s in report.series]
            )
        )  # fmt: skip
        for m in report.series[0].metrics
    }


def run(name: str, rivals: list[str], seeds: int = 1) -> dict:
    ds = SETS[name]()
    rivals = [r for r in rivals if r not in SKIP.get(name, ())]
    t = time.perf_counter()
    report = backtest(Forecaster(seed=0), ds, test=12, horizon=3, level=[80, 95],
                      rivals=rivals)  # fmt: skip
    dt = time.perf_counter() - t
    ratio = ratios(report)
    ratio.setdefault("networks", ratio["ensemble"])  # an ensemble of networks only
    nets = [ratio["ensemble"]]
    for seed in range(1, seeds):  # the ensemble again; the others are the same
        nets.append(ratios(backtest(Forecaster(seed=seed), ds, test=12))["ensemble"])
    ratio["ensemble"] = float(np.mean(nets))
    steps = {
        m: [
            float(np.nanmean([s.steps[m][k]["mase"] for s in report.series]))
            for k in range(3)
        ]  # fmt: skip
        for m in ("ensemble", "naive")
    }
    cover = {lv: pooled_coverage(report, "ensemble", lv)[0] for lv in ("80", "95")}
    return {"ratio": ratio, "steps": steps, "cover": cover, "time": dt,
            "config": report.config, "n": len(report.series),
            "range": (min(nets), max(nets))}  # fmt: skip


def main(names: list[str], seeds: int = 1) -> None:
    rivals = autos()
    methods = BASE + rivals
    short = {"ensemble": "ens", "networks": "nets", "seasonal_naive": "snaive",
             "AutoETS": "ETS", "AutoTheta": "Theta", "AutoARIMA": "ARIMA"}  # fmt: skip
    print("one-step MAE / naive's (mean over series), * best (nets aside: the "
          "ensemble's networks alone, seed 0's, the ensemble's own where it has no "
          "other member); ensemble MASE h=1..3; ensemble interval coverage 80/95"
          )  # fmt: skip
    heads = [short.get(m, m) for m in methods]
    print(f"{'data':15s} {'n':>2s} " + " ".join(f"{h:>7s}" for h in heads)
          + "   MASE h=1..3 (naive)        cov80 cov95  time  scaling")  # fmt: skip
    if seeds > 1:
        print(f"ens: the mean over seeds 0..{seeds - 1}, its range at the end; the "
              "MASE, coverage and scaling are seed 0's")  # fmt: skip
    for name in names or list(SETS):
        r = run(name, rivals, seeds)
        ran = [m for m in methods if m in r["ratio"]]
        best = min((m for m in ran if m != "networks"), key=lambda m: r["ratio"][m])
        cells = [f"{r['ratio'][m]:6.3f}" + ("*" if m == best else " ") if m in ran
                 else "     - " for m in methods]  # fmt: skip
        st = r["steps"]
        mase = "/".join(f"{v:.2f}" for v in st["ensemble"])
        nv = "/".join(f"{v:.2f}" for v in st["naive"])
        cov = " ".join("    -" if c != c else f"{c:5.0%}" for c in r["cover"].values())
        lo, hi = r["range"]
        spread = f" ens {lo:.3f}-{hi:.3f}" if seeds > 1 else ""
        print(f"{name:15s} {r['n']:2d} " + " ".join(cells)
              + f"   {mase:>14s} ({nv})  {cov} {r['time']:5.0f}s  "
              f"{r['config']['scaling']}{spread}", flush=True)  # fmt: skip


if __name__ == "__main__":
    from arguments import names_and_seeds

    names, seeds = names_and_seeds(
        __doc__, list(SETS), "set", "train the network with seeds 0..N-1 (default 1)"
    )
    main(names, seeds)
