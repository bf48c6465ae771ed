"""The networks' loss, A/B: the SSR against the default on real series.

On the 23 real seasonal series of :mod:`seasonal_real` (or the 9 of
:mod:`yearly_real`, or any of them by name), the network's one-step MAE as
a multiple of naive's under the same protocol, trained with
``huber=None`` (the SSR) and with the default ``huber="auto"`` (Huber's
loss where the series have a season, see ``forecasting/ensemble/plan.py``), each the
mean over the seeds given. Any seeds, so that a gain measured on seeds
0-2 can be checked on others. Printed per series: both ratios; at the end
their geometric means and on how many series the default is lower or
higher (by more than 0.0005).

    python benchmarks/loss_ab.py --seeds 3,4,5             # the 23 seasonal
    python benchmarks/loss_ab.py --seeds 0 mdeaths nhtemp  # some, one seed
    python benchmarks/loss_ab.py --fold 1                  # an earlier window

``--fold K``: the 12 test points that end 12K before the last, as in
:mod:`seasonal_real`.
"""

from __future__ import annotations

import argparse

import numpy as np
from forecast_quality import ratios
from seasonal_real import SERIES, TEST, earlier, window
from yearly_real import REAL, real

from unrolled.forecasting.evaluation.backtest import backtest
from unrolled.forecasting.forecaster import Forecaster

LOSSES = {"SSR": None, "auto": "auto"}  # column: Forecaster(huber=...)


def ratio(name: str, huber, seeds: list[int], fold: int = 0) -> float:
    """The network's ratio on one series, the mean over ``seeds``."""
    ds = earlier(real(name), fold)
    runs = [backtest(Forecaster(seed=s, huber=huber), ds, test=TEST) for s in seeds]
    return float(np.mean([ratios(r)["ensemble"] for r in runs]))


def main(names: list[str], seeds: list[int], fold: int = 0) -> None:
    where = f", {window(fold)}" if fold else ""
    print(f"network's one-step MAE / naive's, the mean over seeds {seeds}{where}")
    print(f"{'series':16s}" + "".join(f"{k:>8s}" for k in LOSSES))
    rows = []
    for name in names:
        rows.append([ratio(name, h, seeds, fold) for h in LOSSES.values()])
        print(f"{name:16s}" + "".join(f"{v:8.3f}" for v in rows[-1]), flush=True)
    a = np.array(rows)
    geo = np.exp(np.log(a).mean(axis=0))
    pairs = zip(LOSSES, geo, strict=True)
    print("geometric mean: " + ", ".join(f"{k} {g:.4f}" for k, g in pairs))
    lower, higher = (a[:, 1] < a[:, 0] - 5e-4).sum(), (a[:, 1] > a[:, 0] + 5e-4).sum()
    print(f"auto against the SSR: lower on {lower}, higher on {higher} of {len(a)}")


if __name__ == "__main__":
    from arguments import add_fold

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="SERIES",
        help=f"series (default: the 23 seasonal): {', '.join(REAL)}",
    )
    parser.add_argument("--seeds", default="0,1,2", help="seeds, e.g. 3,4,5")
    add_fold(parser)
    args = parser.parse_args()
    unknown = [n for n in args.names if n not in REAL]
    if unknown:
        parser.error(f"unknown series {unknown[0]!r}; the series: {', '.join(REAL)}")
    try:
        seeds = [int(s) for s in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds: expected integers joined by commas, got {args.seeds!r}")
    main(args.names or list(SERIES), seeds, args.fold)
