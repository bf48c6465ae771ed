"""Never below seasonal naive? The default forecaster on five seasonal families.

Each family is a monthly series of 144 points with a known season; every
data seed draws a new series. Under the protocol of `unrolled forecast`
(the last 12 points held out, one-step forecasts from the true history,
the forecaster with its defaults and seed 0), it prints the network's and
seasonal naive's one-step MAE as multiples of naive's, and counts the series
on which the network loses to seasonal naive:

- ``additive``: a linear trend plus a fixed season plus white noise;
- ``mult``: exponential growth times a season, log-normal noise;
- ``drifting``: a random walk plus a fixed season;
- ``strong``: a strong fixed season and little noise (seasonal naive's case);
- ``ar``: a fixed season plus AR(1) noise.

    python benchmarks/seasonal_guard.py               # 4 series a family
    python benchmarks/seasonal_guard.py --seeds 8 strong
"""

from __future__ import annotations

import numpy as np
from forecast_quality import ratios

from unrolled.forecasting.evaluation.backtest import backtest
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict

FAMILIES = ("additive", "mult", "drifting", "strong", "ar")


def family(kind: str, seed: int, n: int = 144, m: int = 12):
    """One series of a family (see the module's list), as a Dataset."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    s = np.sin(2 * np.pi * t / m) + 0.5 * np.cos(4 * np.pi * t / m)
    if kind == "additive":
        y = 50 + 0.2 * t + 5 * s + rng.normal(0, 1, n)
    elif kind == "mult":
        y = 100 * np.exp(0.01 * t) * (1 + 0.2 * s) * np.exp(rng.normal(0, 0.03, n))
    elif kind == "drifting":
        y = 50 + np.cumsum(rng.normal(0, 0.5, n)) + 5 * s
    elif kind == "strong":
        y = 100 + 20 * s + rng.normal(0, 0.5, n)
    else:  # ar
        e = np.zeros(n)
        for j in range(1, n):
            e[j] = 0.7 * e[j - 1] + rng.normal(0, 1)
        y = 60 + 6 * s + e
    return from_dict({f"{kind}{seed}": y}, freq="MS")


def network_and_seasonal_naive(kind: str, seed: int) -> tuple[float, float]:
    """(network, seasonal naive) one-step MAE over naive's on one series."""
    r = ratios(backtest(Forecaster(seed=0), family(kind, seed), test=12))
    return r["ensemble"], r["seasonal_naive"]


def main(kinds, seeds: int) -> None:
    print("one-step MAE / naive's: network, seasonal naive; LOSS: network worse")
    losses, total = 0, 0
    for kind in kinds:
        for seed in range(seeds):
            net, sn = network_and_seasonal_naive(kind, seed)
            lost = net > sn
            losses, total = losses + lost, total + 1
            flag = "  LOSS" if lost else ""
            print(f"{kind:9s} {seed}  {net:.3f}  {sn:.3f}{flag}", flush=True)
    print(f"the network loses to seasonal naive on {losses} of {total} series")


if __name__ == "__main__":
    from arguments import names_and_seeds

    kinds, seeds = names_and_seeds(
        __doc__, FAMILIES, "family", "series per family (data seeds 0..N-1)", 4
    )
    main(kinds, seeds)
