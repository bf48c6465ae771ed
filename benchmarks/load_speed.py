"""Loading speed: ``unrolled.load_csv`` against ``pandas.read_csv`` on one file.

Writes a long CSV of 1,000 series x 1,000 business days (1M rows, about
25 MB) into a temporary folder, then times, interleaved round by round,
``pandas.read_csv(path, parse_dates=["date"])``,
``unrolled.forecasting.io.data.load_csv(path)`` (which also validates every
row, groups the series and checks their calendars) and ``from_frame`` on the
frame pandas read. Prints the median of each and the ratios; ``--json``
prints them as JSON. Runs in well under a minute::

    python benchmarks/load_speed.py [--rounds 7] [--series 1000] [--days 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time

import numpy as np
import pandas as pd

from unrolled.forecasting.io.data import from_frame, load_csv


def write_long_csv(path: str, series: int, days: int, seed: int = 0) -> None:
    """date,symbol,price rows: random walks on business days, grouped by symbol."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-01", periods=days).strftime("%Y-%m-%d")
    steps = rng.normal(0, 0.01, (series, days))
    prices = np.round(100 * np.exp(np.cumsum(steps, axis=1)), 4).ravel()
    symbols = np.repeat([f"S{i:04d}" for i in range(series)], days)
    frame = pd.DataFrame({"date": np.tile(dates, series), "symbol": symbols,
                          "price": prices})  # fmt: skip
    frame.to_csv(path, index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--series", type=int, default=1000)
    ap.add_argument("--days", type=int, default=1000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "long.csv")
        write_long_csv(path, args.series, args.days)
        size = os.path.getsize(path)
        ds = load_csv(path)  # warm both once; check the result is the file
        ref = pd.read_csv(path, parse_dates=["date"])
        assert len(ds) == args.series and sum(ds.lengths.values()) == len(ref)
        times: dict[str, list[float]] = {"pandas": [], "unrolled": [], "frame": []}
        for _ in range(args.rounds):  # interleaved: outside load hits both
            t = time.perf_counter()
            pd.read_csv(path, parse_dates=["date"])
            times["pandas"].append(time.perf_counter() - t)
            t = time.perf_counter()
            load_csv(path)
            times["unrolled"].append(time.perf_counter() - t)
            t = time.perf_counter()
            from_frame(ref)  # the frame pandas read: validation and grouping only
            times["frame"].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    out = {
        "rows": len(ref), "series": args.series, "bytes": size,
        "pandas_s": round(med["pandas"], 4), "unrolled_s": round(med["unrolled"], 4),
        "ratio": round(med["unrolled"] / med["pandas"], 2), "rounds": args.rounds,
        "from_frame_s": round(med["frame"], 4),
        "from_frame_ratio": round(med["frame"] / med["pandas"], 2),
        "pandas": pd.__version__, "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
    }  # fmt: skip
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{out['rows']:,} rows, {args.series} series, {size / 1e6:.1f} MB, "
          f"median of {args.rounds} interleaved rounds")  # fmt: skip
    print(f"pandas.read_csv(parse_dates=['date'])  {out['pandas_s']:.3f} s")
    print(f"unrolled load_csv                       {out['unrolled_s']:.3f} s")
    print(f"ratio                                   {out['ratio']:.2f}x")
    print(
        f"from_frame on pandas' frame             {out['from_frame_s']:.3f} s "
        f"({out['from_frame_ratio']:.2f}x the pandas read)"
    )


if __name__ == "__main__":
    main()
