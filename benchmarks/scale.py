"""Many series on one machine: time per phase and peak memory vs number of series.

One command::

    python benchmarks/scale.py [--series 100,300,1000] [--days 1000] [--epochs N]
                               [--backends local,ray] [--no-cli] [--json]

For each count, a child process (so that each peak RSS is its own) writes
synthetic random walks (``seed``-ed geometric random walks, one per series,
``--days`` business days each) to a long CSV, then times, as ``unrolled
forecast`` does them: ``load`` (:func:`unrolled.load_csv`), ``search+fit``
(``Forecaster.fit`` on the training parts: the configuration search *is* the
fit, its best networks are the ensemble), ``backtest`` (rolling one-step
forecasts of the network and every baseline on the last ``--test`` points).
Peak RSS is the child's ``VmHWM`` after each phase. ``--epochs`` caps the
epochs per configuration (the default, 300, is the CLI's; early stopping
usually ends sooner). ``--backends local,ray`` runs each count on both, one
after the other: the search's speed-up on Ray (a local Ray of 2 CPUs, started
before the clock of ``search+fit`` starts and timed as ``backend_start_s``;
peak RSS is the driver's only).

Then (unless ``--no-cli``) the real command line on the same file, in a
child of its own: ``unrolled forecast --data FILE --epochs N --quiet``
through the console script's entry point, timed from start to exit (imports,
load, search, fit, backtest, report) with its ``VmHWM`` at exit: the
``cli_s`` and ``cli_peak_mb`` columns. The children compile nothing in the
background (``UNROLLED_COMPILE=wait``): a cold Numba cache is compiled in the
first child, so run the benchmark twice after a fresh install.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")


def write_csv(path: Path, n_series: int, days: int, seed: int = 0) -> None:
    """A long CSV (date, series, value) of ``n_series`` random walks."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=days)
    steps = rng.normal(0.0003, 0.02, size=(n_series, days))
    values = 100 * np.exp(np.cumsum(steps, axis=1))
    frame = pd.DataFrame({
        "date": np.tile(dates.strftime("%Y-%m-%d"), n_series),
        "series": np.repeat([f"S{i:04d}" for i in range(n_series)], days),
        "value": values.ravel().round(4),
    })  # fmt: skip
    frame.to_csv(path, index=False)


def peak_mb() -> float:
    """Peak resident memory of this process so far, MB.

    ``VmHWM`` of /proc/self/status: unlike ``ru_maxrss``, it starts afresh at
    exec and does not inherit the peak of the process that started this one.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, epochs: int, test: int, backend: str) -> dict:
    """The measured run, in this (child) process."""
    sys.path.insert(0, SRC)
    from unrolled.forecasting.evaluation.backtest import (
        evaluate_fitted,
        head,
        split_sizes,
    )
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import load_csv

    out, t = {"rss_start_mb": peak_mb()}, time.perf_counter()
    ds = load_csv(path)
    out["load_s"], out["rss_load_mb"] = time.perf_counter() - t, peak_mb()
    sizes = split_sizes([len(s) for s in ds.series], test)
    runner, t = backend, time.perf_counter()
    if backend == "ray":  # started here, so that its start is timed on its own
        from unrolled.forecasting.ensemble.backends import RayBackend

        runner = RayBackend(num_cpus=2)
    out["backend_start_s"] = time.perf_counter() - t
    fc = Forecaster(epochs=epochs, seed=0)
    t = time.perf_counter()
    fc.fit(head(ds, sizes), backend=runner)
    out["search_fit_s"], out["rss_fit_mb"] = time.perf_counter() - t, peak_mb()
    out["candidates"] = len(fc.search_)
    out["epochs_run"] = [c.epochs for c in fc.search_]
    t = time.perf_counter()
    evaluate_fitted(fc, ds, test, 1, sizes)
    out["backtest_s"], out["peak_rss_mb"] = time.perf_counter() - t, peak_mb()
    out["total_s"] = out["load_s"] + out["search_fit_s"] + out["backtest_s"]
    out["val_score"] = fc.val_score_
    if runner != backend:
        runner.close()
    return out


# the console script's entry point, then this process's peak on stderr
CLI = (
    "import sys, unrolled_entry\n"
    "sys.argv[0] = 'unrolled'\n"
    "try:\n    rc = unrolled_entry.main()\n"
    "finally:\n"
    "    from pathlib import Path\n"
    "    s = Path('/proc/self/status').read_text().split('VmHWM:')[1].split()[0]\n"
    "    sys.stderr.write(f'peak_kb={s}\\n')\n"
    "sys.exit(rc)\n"
)


def cli(path: Path, epochs: int, test: int, env: dict) -> dict:
    """``unrolled forecast --data path`` in a child: wall time and peak RSS."""
    args = ["forecast", "--data", str(path), "--epochs", str(epochs),
            "--test", str(test), "--quiet"]  # fmt: skip
    t = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", CLI, *args], env=env, check=False,
                         capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - t
    if res.returncode:
        raise SystemExit(f"unrolled {' '.join(args)} failed:\n{res.stderr[-2000:]}")
    peak = res.stderr.rsplit("peak_kb=", 1)[1].split()[0]
    return {"cli_s": wall, "cli_peak_mb": int(peak) / 1024}


def measure(n: int, days: int, epochs: int, test: int, backend: str,
            with_cli: bool = True) -> dict:  # fmt: skip
    """Write the data, run :func:`child` (then the CLI) in new processes."""
    env = dict(os.environ, PYTHONPATH=SRC, UNROLLED_COMPILE="wait")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"walks-{n}.csv"
        write_csv(path, n, days)
        code = (
            f"import sys, json; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import scale; print(json.dumps(scale.child({str(path)!r}, {epochs}, "
            f"{test}, {backend!r})))"
        )
        res = subprocess.run([sys.executable, "-c", code], env=env, check=False,
                             capture_output=True, text=True)  # fmt: skip
        if res.returncode:
            raise SystemExit(f"{n} series: the run failed:\n{res.stderr[-2000:]}")
        row = json.loads(res.stdout.strip().splitlines()[-1])
        if with_cli and backend == "local":
            row.update(cli(path, epochs, test, env))
    return dict(row, series=n, days=days)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--series", default="100,300,1000")
    ap.add_argument("--days", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--test", type=int, default=12)
    ap.add_argument(
        "--backends",
        default="local",
        help="comma list of local, ray: each count on each, in turn",
    )
    ap.add_argument(
        "--no-cli",
        action="store_true",
        help="skip timing the real `unrolled forecast` on each file",
    )
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = [
        dict(
            measure(int(n), args.days, args.epochs, args.test, b, not args.no_cli),
            backend=b,
        )
        for n in args.series.split(",")
        for b in args.backends.split(",")
    ]
    report = {
        "rows": rows,
        "meta": {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "command": "python benchmarks/scale.py " + " ".join(argv or sys.argv[1:]),
        },
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return report
    print("series backend load_s search+fit_s backtest_s total_s s/series peak_MB"
          "   cli_s cli_peak_MB")  # fmt: skip
    for r in rows:
        cli_cols = (f"{r['cli_s']:7.1f} {r['cli_peak_mb']:11.0f}" if "cli_s" in r
                    else f"{'-':>7} {'-':>11}")  # fmt: skip
        print(f"{r['series']:6d} {r['backend']:>7} {r['load_s']:7.1f} "
              f"{r['search_fit_s']:13.1f} "
              f"{r['backtest_s']:11.1f} {r['total_s']:8.1f} "
              f"{r['total_s'] / r['series']:9.3f} {r['peak_rss_mb']:8.0f} "
              f"{cli_cols}")  # fmt: skip
    print(f"{report['meta']['date']}; {report['meta']['machine']}")
    return report


if __name__ == "__main__":
    main()
