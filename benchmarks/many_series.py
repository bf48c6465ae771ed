"""Write a deterministic file of 300 monthly series (long form) for the numbers check.

Each series is a level times a yearly season times noise, positive, of 48 to 96
months, from one seeded generator: the same file on every machine.

    python benchmarks/many_series.py out.csv            # 300 series
    python benchmarks/many_series.py out.csv --n 50     # fewer
"""

from __future__ import annotations

import argparse
import csv

import numpy as np


def many_series(n_series=300, seed=0):
    """Rows (unique_id, ds, y) of `n_series` monthly series."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n_series):
        n = int(rng.integers(48, 97))
        t = np.arange(n)
        level = rng.uniform(50, 500) * np.exp(rng.uniform(-0.004, 0.012) * t)
        amp = rng.uniform(0.0, 0.25)
        season = 1 + amp * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi))
        y = level * season * np.exp(rng.uniform(0.01, 0.06) * rng.standard_normal(n))
        start = 2026 * 12 - n  # every series ends in Dec 2025
        for i in range(n):
            year, month = divmod(start + i, 12)
            rows.append((f"s{k:03d}", f"{year}-{month + 1:02d}-01", f"{y[i]:.4f}"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    with open(args.out, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["unique_id", "ds", "y"])
        writer.writerows(many_series(args.n))


if __name__ == "__main__":
    main()
