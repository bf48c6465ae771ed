"""Coverage of the forecaster's 80% and 95% intervals per step ahead.

For each bundled data set the last ``test`` points of every series are held
out; the forecaster (defaults, seed 0) trains on what comes before and, from
every test origin, forecasts 1..12 steps ahead from the true history with
its split-conformal intervals (see ``unrolled.forecasting.intervals``).
Printed per set and step: how many (origin, series) targets the step has,
the share of them inside the 80% and 95% bands of the selected method
(``rnn``), and naive's for comparison. ``*`` marks a step whose interval
pools every step's validation residuals scaled by the fitted growth law
``k**p`` (too few residuals of its own at that level; before pooling such a
step had no interval).

    python benchmarks/interval_coverage.py              # stocks, co2, sunspots
    python benchmarks/interval_coverage.py co2          # some
"""

from __future__ import annotations

import sys
import time

from unrolled.forecasting.backtest import backtest
from unrolled.forecasting.data import load_bundled
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.intervals import growth

HORIZON = 12
LEVELS = (80, 95)
TEST = {"stocks": 24, "co2": 36, "sunspots": 36}  # held-out points per series


def coverage_rows(name: str) -> tuple[list[dict], float, float]:
    """Per step: n, rnn's and naive's coverage per level, pooled flags."""
    fc = Forecaster(seed=0)
    t0 = time.perf_counter()
    report = backtest(fc, load_bundled(name), test=TEST[name], horizon=HORIZON,
                      level=list(LEVELS))  # fmt: skip
    seconds = time.perf_counter() - t0
    cal = fc.calibration_
    method = fc.selected_
    rows = []
    for k in range(HORIZON):
        row = {"step": k + 1, "n": 0}
        hits = {(m, lv): 0.0 for m in (method, "naive") for lv in LEVELS}
        for s in report.series:
            for m in (method, "naive"):
                st = s.steps[m][k] if k < len(s.steps.get(m, [])) else None
                if st is None:
                    continue
                for lv in LEVELS:
                    hits[m, lv] += st[f"coverage-{lv}"] * st["n"]
            if k < len(s.steps.get(method, [])):
                row["n"] += s.steps[method][k]["n"]
        for (m, lv), h in hits.items():
            row[f"{'rnn' if m == method else m}-{lv}"] = h / row["n"]
        for lv in LEVELS:
            row[f"pooled-{lv}"] = cal.own(method, k + 1, lv) is None
        rows.append(row)
    return rows, growth(cal.residuals.get(method, [])), seconds


def table(name: str, rows: list[dict], p: float, seconds: float) -> str:
    head = (
        f"{name}: last {TEST[name]} points held out, growth k**{p:.2f}, "
        f"{seconds:.0f} s\n"
        "step    n   rnn 80%   rnn 95%   naive 80%  naive 95%"
    )
    lines = [head]
    for r in rows:
        cells = []
        for lv in LEVELS:
            mark = "*" if r[f"pooled-{lv}"] else " "
            cells.append(f"{r[f'rnn-{lv}']:8.0%}{mark}")
        cells += [f"{r[f'naive-{lv}']:9.0%} " for lv in LEVELS]
        lines.append(f"{r['step']:>4} {r['n']:>4} " + " ".join(cells))
    return "\n".join(lines)


def main(names: list[str]) -> None:
    for name in names or list(TEST):
        rows, p, seconds = coverage_rows(name)
        print(table(name, rows, p, seconds), flush=True)
        print()
    print("* the step's interval pools every step's residuals (too few of its own)")


if __name__ == "__main__":
    main(sys.argv[1:])
