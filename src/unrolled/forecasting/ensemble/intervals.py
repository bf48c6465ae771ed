"""Prediction intervals by split conformal prediction, per step ahead, and coverage.

The method, for the network and for every baseline alike (so they stay
comparable): on the validation slice (the last ``val_size`` points of each
series' training part, which the fitted model never trained on), forecast
from every origin ``1..H`` steps ahead, recursively, from the true history
up to the origin. Each step ``k`` gets its own residuals (those of ``k``-step
forecasts), divided by the series' naive unit (the mean absolute one-step
change of its training part) so that series of different sizes pool into
one sample. The interval at level ``L`` around a ``k``-step forecast is the
forecast plus or minus the ``ceil((n + 1) L / 100)``-th smallest of the
``n`` scaled absolute residuals of step ``k``, times the series' unit
(symmetric split-conformal; exchangeability is the assumption, and the
backtest measures whether it held). The ensemble's spread is not added.

A step with fewer than :data:`MIN_RESIDUALS` residuals, or too few for the
level (95% needs 19), or beyond the validation slice, borrows from the other
steps (the pooling statsforecast-style conformal methods use): the mean
scaled residual of the steps that have :data:`MIN_RESIDUALS` or more is
fitted by a power law ``c k**p`` (least squares on the logs; ``p = 0.5``, the
random walk's square root, when fewer than two steps qualify; ``p`` kept in
``[0, 2]``), every step's residuals are divided by ``k**p`` and pooled into
one sample, and the step's half-width is that sample's conformal quantile
times ``k**p``, never less than the step's own largest residual (so a pooled
95% band is never narrower than the step's own 80% band). Steps with enough
residuals of their own keep exactly their own quantile. Only when the pooled
sample is too small as well is there no interval: ``None``, never a made-up
width; :func:`why_missing` says why and :meth:`Calibration.pooled` names the
borrowed steps.

A group of many series has far more validation origins than a quantile
needs (M3 monthly: 17,136), and their paths are most of a fit's time: past
:data:`MAX_PATHS` origins the calibration runs the paths of a fixed random
sample of that many (:func:`calibration_origins`), as scikit-learn's
``QuantileTransformer`` estimates its quantiles on a subsample. The point
forecasts do not read the calibration.
"""

from __future__ import annotations

import math

import numpy as np

from ...engine.validate import is_real
from ...errors import InputError

MIN_RESIDUALS = 10  # fewer residuals for a step: it borrows from the other steps
DEFAULT_LEVELS = (80, 95)
DEFAULT_GROWTH = 0.5  # sqrt(k): the random walk's law, when it cannot be fitted
MAX_PATHS = 4096  # validation origins whose paths calibrate: a sample beyond
SAMPLE_SEED = 0  # the sample's (the same origins whatever the forecaster's seed)


def check_levels(level) -> list[float]:
    """Validate ``level`` (numbers in (0, 100), no repeats); returns a sorted list."""
    if level is None:
        return []
    items = [level] if isinstance(level, int | float | np.number) else list(level)
    out = []
    for v in items:
        if not is_real(v) or not 0 < float(v) < 100:
            raise InputError(f"level: expected numbers in (0, 100), got {v!r}")
        if float(v) in out:
            raise InputError(f"level: {level_name(float(v))} is given twice")
        alike = [u for u in out if level_name(u) == level_name(float(v))]
        if alike:  # one column name for two levels: one would be lost
            raise InputError(
                f"level: {alike[0]!r} and {float(v)!r} both name the columns "
                f"'-{level_name(float(v))}'; give levels that differ in their "
                "first 6 digits"
            )
        out.append(float(v))
    return sorted(out)


def level_name(level: float) -> str:
    """``80.0`` -> ``"80"``, ``97.5`` -> ``"97.5"`` (Nixtla's column suffix)."""
    return f"{level:g}"


def calibration_origins(origins: list) -> list:
    """The validation origins whose paths calibrate the intervals.

    All of them, or past :data:`MAX_PATHS` a random sample of that many
    (seeded with :data:`SAMPLE_SEED`, in their order): the step-1 quantile
    then rests on 4,096 residuals and step 12 of a 12-point slice on some
    340, where the whole of M3 monthly has 17,136 and 1,428.
    """
    if len(origins) <= MAX_PATHS:
        return list(origins)
    rng = np.random.default_rng(SAMPLE_SEED)
    keep = np.sort(rng.choice(len(origins), MAX_PATHS, replace=False))
    return [origins[k] for k in keep]


def paths(step, values, origins, names, h: int, fit_upto=None, steps=None
          ) -> np.ndarray:  # fmt: skip
    """Recursive ``h``-step forecasts from every origin: ``(len(origins), h)``.

    ``step(values, origins, names, fit_upto, refit_upto)`` is a one-step
    forecaster (the members' mean); each forecast is appended to its own copy
    of the history and fed back in. ``refit_upto`` is each path's origin: a
    member that refits does so once per path, on the values before it.
    ``steps``: how many steps each origin's path runs (at most ``h``; the
    rest of its row is NaN), e.g. only as far as the truth is known.
    """
    hist = [np.asarray(values[i][:o], dtype=np.float64) for i, o in origins]
    own = [names[i] for i, _ in origins]
    upto = None if fit_upto is None else [fit_upto[i] for i, _ in origins]
    start = [o for _, o in origins]
    todo = np.full(len(origins), h) if steps is None else np.minimum(steps, h)
    out = np.full((len(origins), h), np.nan)
    for k in range(h):
        run = np.flatnonzero(todo > k)  # the paths still running
        if not len(run):
            break
        at = [(j, len(hist[j])) for j in run]
        out[run, k] = step(hist, at, own, upto, start)
        for j in run[todo[run] > k + 1]:  # the last forecast is fed to nothing
            hist[j] = np.append(hist[j], out[j, k])
    return out


def scaled_residuals(pred: np.ndarray, values, origins, units) -> list[np.ndarray]:
    """Per step k (0-based): |truth - forecast| / unit where the truth is known."""
    out = []
    for k in range(pred.shape[1]):
        res = [
            abs(values[i][o + k] - pred[j, k]) / units[j]
            for j, (i, o) in enumerate(origins)
            if o + k < len(values[i])
        ]
        out.append(np.asarray(res, dtype=np.float64))
    return out


def quantile(residuals: np.ndarray, level: float) -> float | None:
    """The conformal quantile of scaled residuals at ``level``; None if too few."""
    n = len(residuals)
    rank = math.ceil((n + 1) * level / 100.0)
    if n < MIN_RESIDUALS or rank > n:
        return None
    return float(np.sort(residuals)[rank - 1])


def why_missing(n: int, level: float, step: int) -> str:
    """The sentence the report gives when an interval cannot be calibrated."""
    need = needed(level)
    return (
        f"no {level_name(level)}% interval from step {step}: the validation slice gave "
        f"{n} residual(s) over all steps, {need} are needed"
    )


def needed(level: float) -> int:
    """The fewest residuals that give a ``level`` quantile (95% needs 19)."""
    return max(MIN_RESIDUALS, math.ceil(level / (100.0 - level)))


def growth(steps: list[np.ndarray]) -> float:
    """The power ``p`` of ``mean scaled residual ~ c k**p`` over the steps with
    :data:`MIN_RESIDUALS` or more; :data:`DEFAULT_GROWTH` below two such steps."""
    ks = [k + 1 for k, r in enumerate(steps) if len(r) >= MIN_RESIDUALS]
    means = [float(np.mean(steps[k - 1])) for k in ks]
    if len(ks) < 2 or min(means) <= 0:
        return DEFAULT_GROWTH
    p = np.polyfit(np.log(ks), np.log(means), 1)[0]
    return float(np.clip(p, 0.0, 2.0))


def pooled_width(steps: list[np.ndarray], step: int, level: float) -> float | None:
    """Half-width at ``step`` (1-based) from every step's residuals over ``k**p``."""
    p = growth(steps)
    pool = [r / (k + 1) ** p for k, r in enumerate(steps) if len(r)]
    q = quantile(np.concatenate(pool), level) if pool else None
    if q is None:
        return None
    own = steps[step - 1] if step <= len(steps) else np.empty(0)
    floor = float(np.max(own)) if len(own) >= MIN_RESIDUALS else 0.0
    return max(q * step**p, floor)


class Calibration:
    """Scaled absolute residuals per method and step; quantiles on demand.

    Attributes
    ----------
    residuals : dict
        method -> list (one per step ahead) of 1-D arrays of scaled residuals.
    """

    def __init__(self, residuals: dict[str, list[np.ndarray]] | None = None):
        self.residuals = residuals or {}

    def own(self, method: str, step: int, level: float) -> float | None:
        """The step's own quantile (``step`` 1-based); None with too few residuals."""
        steps = self.residuals.get(method, [])
        return quantile(steps[step - 1], level) if step <= len(steps) else None

    def width(self, method: str, step: int, level: float) -> float | None:
        """Half-width in naive units at ``step`` (1-based): the step's own
        quantile, else the pooled one (module docstring); None if neither."""
        w = self.own(method, step, level)
        if w is not None:
            return w
        return pooled_width(self.residuals.get(method, []), step, level)

    def missing(self, method: str, h: int, levels) -> list[str]:
        """Sentences for every level that gets no interval from some step on."""
        out = []
        n = sum(len(r) for r in self.residuals.get(method, []))
        for lv in levels:
            for k in range(1, h + 1):
                if self.width(method, k, lv) is None:
                    out.append(why_missing(n, lv, k))
                    break
        return out

    def pooled(self, method: str, h: int, levels) -> list[str]:
        """Sentences naming the steps whose interval borrows from the others."""
        steps = self.residuals.get(method, [])
        out = []
        for lv in levels:
            ks = [k for k in range(1, h + 1) if self.own(method, k, lv) is None
                  and self.width(method, k, lv) is not None]  # fmt: skip
            if ks:
                out.append(
                    f"the {level_name(lv)}% interval at step(s) {_ranges(ks)} pools "
                    f"every step's residuals scaled by k**{growth(steps):.2f} (each "
                    f"has fewer than {needed(lv)} residuals of its own)"
                )
        return out

    def to_dict(self) -> dict:
        return {m: [r.tolist() for r in steps] for m, steps in self.residuals.items()}

    @classmethod
    def from_dict(cls, d: dict) -> Calibration:
        return cls({m: [np.asarray(r, dtype=np.float64) for r in s]
                    for m, s in (d or {}).items()})  # fmt: skip


def _ranges(ks: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3, 5"``."""
    runs: list[list[int]] = []
    for k in ks:
        if runs and k == runs[-1][-1] + 1:
            runs[-1].append(k)
        else:
            runs.append([k])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else f"{r[0]}" for r in runs)


def coverage(truth, lo, hi) -> float:
    """Share (0..1) of ``truth`` inside ``[lo, hi]``; NaN where nothing is defined."""
    t, a, b = (np.asarray(x, dtype=np.float64) for x in (truth, lo, hi))
    keep = np.isfinite(a) & np.isfinite(b)
    if not keep.any():
        return float("nan")
    return float(np.mean((t[keep] >= a[keep]) & (t[keep] <= b[keep])))
