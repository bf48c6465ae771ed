"""Does the default `unrolled forecast` beat the baselines where there is structure?

Runs the default Forecaster (no options but the seed) through the same
rolling-origin backtest as `unrolled forecast` on series of known structure
plus noise, on the bundled real series, and, if statsmodels is installed, on
two of its data sets; prints mean MASE per method and the time taken.

    python benchmarks/forecast_quality.py            # all sets
    python benchmarks/forecast_quality.py co2 ar2    # some
"""

from __future__ import annotations

import sys
import time

import numpy as np

from unrolled.forecasting.backtest import backtest
from unrolled.forecasting.data import from_dict, load_bundled
from unrolled.forecasting.forecaster import Forecaster


def seasonal(seed=0, lengths=(120, 96, 150, 70, 130), noise=0.3):
    """Sine (period 12) + trend + noise, five series of different lengths."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, n in enumerate(lengths):
        t = np.arange(n)
        a, b = rng.uniform(5, 20), rng.uniform(-0.05, 0.1)
        c, ph = rng.uniform(1, 3), rng.uniform(0, 6.28)
        y = a + b * t + c * np.sin(2 * np.pi * t / 12 + ph)
        out[f"seasonal{k}"] = y + noise * rng.standard_normal(n)
    return from_dict(out, freq="MS")


def ar2(seed=0, lengths=(120, 96, 150, 70, 130), phi=(1.5, -0.75)):
    """AR(2) pseudo-cycles (period about 12) driven by unit noise."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, n in enumerate(lengths):
        y, e = np.zeros(n + 50), rng.standard_normal(n + 50)
        for t in range(2, n + 50):
            y[t] = phi[0] * y[t - 1] + phi[1] * y[t - 2] + e[t]
        out[f"ar{k}"] = 10 + y[50:]
    return from_dict(out, freq="YS")


def statsmodels_sets() -> dict:
    """El Nino sea temperatures (monthly) and US macro series (quarterly)."""
    try:
        import statsmodels.api as sm
    except ImportError:
        return {}
    el = sm.datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy().ravel()
    mac = sm.datasets.macrodata.load_pandas().data
    cols = ["realgdp", "unemp", "infl", "cpi"]
    return {
        "elnino": lambda: from_dict({"late": el[-240:], "early": el[:300]}, freq="MS"),
        "macro": lambda: from_dict({c: mac[c].to_numpy() for c in cols}, freq="QS"),
    }


SETS = {
    "stocks": lambda: load_bundled("stocks"),
    "co2": lambda: load_bundled("co2"),
    "sunspots": lambda: load_bundled("sunspots"),
    "seasonal": seasonal,
    "seasonal-short": lambda: seasonal(3, (48, 200, 36, 100)),
    "ar2": ar2,
    "ar2-ragged": lambda: ar2(5, (60, 40, 200, 90, 30)),
    **statsmodels_sets(),
}


def main(names: list[str]) -> None:
    methods = ["rnn", "naive", "drift", "seasonal_naive", "mean"]
    print(
        f"{'data':15s} {'time':>6s}  best  " + "  ".join(f"{m:>8.8s}" for m in methods)
    )
    for name in names or list(SETS):
        ds = SETS[name]()
        t = time.perf_counter()
        report = backtest(Forecaster(seed=0), ds, test=12)
        dt = time.perf_counter() - t
        mase = {m: np.nanmean([s.metrics[m]["mase"] for s in report.series])
                for m in methods}  # fmt: skip
        best = sum(s.best == "rnn" for s in report.series)
        print(
            f"{name:15s} {dt:5.1f}s  {best}/{len(report.series)}   "
            + "  ".join(f"{mase[m]:8.3f}" for m in methods)
        )


if __name__ == "__main__":
    main(sys.argv[1:])
