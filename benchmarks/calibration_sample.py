"""The intervals' calibration from a sample of the validation origins.

Past :data:`~unrolled.forecasting.ensemble.intervals.MAX_PATHS` validation
origins, a fit calibrates its intervals on the paths of a fixed random
sample of that many (the point forecasts do not read the calibration). This
fits ``Forecaster(seed=0)`` once on a competition group's training parts,
then runs the calibration again from every origin, and prints, for both:
the seconds ``_validate`` took, each step's 80% and 95% half-widths (in
naive units) and the share of the test parts' points inside the intervals
(the test parts are read to score, nothing else).

    python benchmarks/calibration_sample.py                 # M3 monthly, whole
    python benchmarks/calibration_sample.py --group quarterly --sample 300
"""

from __future__ import annotations

import time

import numpy as np
from competitions import FREQ, SETS, load

from unrolled.forecasting.ensemble import intervals
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict

LEVELS = (80, 95)


def validate_again(fc, every: bool) -> tuple[float, object]:
    """(seconds, calibration) of ``_validate`` on the fitted ``fc``: from
    every origin (``every``) or from the sample, as the fit does."""
    names, values = list(fc.history_), list(fc.history_.values())
    _, parts, origins = fc._validation_plan(values)
    h = max(len(values[i]) - o for i, o in origins)
    before, saved = intervals.MAX_PATHS, fc.calibration_
    intervals.MAX_PATHS = len(origins) if every else before
    t = time.perf_counter()
    try:
        fc._validate(values, parts, origins, names, h)
        return time.perf_counter() - t, fc.calibration_
    finally:
        intervals.MAX_PATHS, fc.calibration_ = before, saved


def coverage(fc, cal, rows, forecasts) -> dict[int, float]:
    """Share of the test points inside ``cal``'s interval at every level."""
    h = rows[0]["h"]
    out = {}
    for level in LEVELS:
        w = np.array([cal.width(fc.alias, k + 1, level) for k in range(h)])
        inside = []
        for r in rows:
            unit = np.mean(np.abs(np.diff(r["x"])))
            f = forecasts[r["id"]]
            inside.extend(np.abs(r["xx"] - f) <= w * unit)
        out[level] = float(np.mean(inside))
    return out


def main(set_name: str, group: str, sample: int | None) -> None:
    rows = load(set_name, group, sample)
    ds = from_dict({r["id"]: r["x"] for r in rows}, freq=FREQ[group])
    fc = Forecaster(seed=0).fit(ds)
    h = rows[0]["h"]
    pred = fc.predict(h)
    forecasts = {n: g[fc.alias].to_numpy() for n, g in pred.groupby("unique_id")}
    n = sum(len(r) for r in fc.calibration_.residuals[fc.alias][:1])
    print(
        f"{set_name.upper()} {group}, {len(rows)} series, h={h}; "
        f"MAX_PATHS {intervals.MAX_PATHS}, step-1 residuals in the fit: {n}"
    )
    runs = {}
    for label, every in (("sample", False), ("every origin", True)):
        sec, cal = validate_again(fc, every)
        runs[label] = cal
        cov = coverage(fc, cal, rows, forecasts)
        counts = [len(r) for r in cal.residuals[fc.alias]]
        print(
            f"{label:13s} _validate {sec:6.1f} s; residuals per step "
            f"{counts[0]}..{counts[-1]}; test coverage "
            + ", ".join(f"{lv}%: {100 * c:.1f}%" for lv, c in cov.items())
        )
    for level in LEVELS:
        print(f"{level}% half-widths (naive units), step: sample / every origin")
        for k in range(h):
            a, b = (runs[x].width(fc.alias, k + 1, level) for x in runs)
            print(f"  {k + 1:2d}: {a:.3f} / {b:.3f} ({100 * (a / b - 1):+.1f}%)")


if __name__ == "__main__":
    from arguments import check_group, competition_group

    parser = competition_group(__doc__, SETS, None)
    a = parser.parse_args()
    check_group(parser, a, SETS)
    main(a.set, a.group, a.sample)
