"""A third set of real series: fpp2's panels, which no rule of the forecaster has seen.

:mod:`seasonal_real` kept R's tables of one value column, :mod:`fresh_real`
took fpp3's, and the latter has since judged one rule (seasonal naive's
member at half weight). This set had not been run when the rule below was
written down (2026-12-04, before any of its results): fpp2's monthly and
quarterly tables of several value columns that neither set used, 60 to 600
points per series, at most 8 series per table (its first 8 columns), no
gaps. That gives Australia's quarterly visitor nights for 8 regions
(``visnights``, 76 quarters from 1998) and its monthly departures of 5
kinds (``departures``, 498 months from 1976); ``prison`` (48 quarters) is
too short. The tables carry no dates: the calendar is laid from their
first period, which sets the season and nothing else.

The protocol, the columns, the summary and ``--fold K`` are
:mod:`seasonal_real`'s, as for :mod:`fresh_real`.

    python benchmarks/panels_real.py                  # every series, seed 0
    python benchmarks/panels_real.py --seeds 3 --fold 1
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from seasonal_real import cli, rdata, table_loader

TABLES = {"visnights": ("QS", "1998-01-01"), "departures": ("MS", "1976-01-01")}
PER_TABLE = 8  # series a table gives at most


@cache
def series() -> dict:
    """name: (values, pandas frequency, the last period's first day)."""
    out = {}
    for table, (freq, start) in TABLES.items():
        df = rdata("fpp2", table, "panels_real")
        columns = [c for c in df.columns if c != "rownames"][:PER_TABLE]
        for column in columns:
            values = df[column].to_numpy(np.float64)
            end = pd.date_range(start, periods=len(values), freq=freq)[-1]
            out[f"{table}.{column.strip()}"] = (values, freq, end.strftime("%Y-%m-%d"))
    return out


load = table_loader(series)

if __name__ == "__main__":
    cli(__doc__, list(series()), load)
