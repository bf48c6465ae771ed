"""What the configuration search tries: its rules, written down.

Each function states the rule it applies (the scalings of the first stage,
the seasonal tests, exponential smoothing on short series, the classical
members, the validation sizes, the stages and the repeated searches on short
series). Why each rule is what it is, and what was measured to choose it, is
in ``docs/design.md`` ("The search's rules").
"""

from __future__ import annotations

import numpy as np

from ..features.seasons import seasonal_strength
from ..features.transforms import MIN_SEASONS
from ..models.classical import (
    Airline,
    Classical,
    ExponentialSmoothing,
    HoltWinters,
    SeasonalNaive,
    Theta,
)
from ..models.residuals import MIN_MODELLED_SEASONS

# searched in this order; level-only scalings are left out of the search: a
# network on scaled levels cannot extrapolate past the training range (trends,
# prices at new highs), which the validation slice does not always reveal
AUTO_SCALINGS = ("diff", "diff+level")
LOG_SCALINGS = ("logdiff", "logdiff+level")  # added for positive series, no season
DEFAULTS = {"scaling": "diff", "hidden": 16, "window": 24, "lr": 0.01}
ALTERNATIVES = {"hidden": (8, 32), "window": (12, 48), "lr": (0.003, 0.03)}
SHORT_ALTERNATIVES = {"hidden": (8,), "window": (12,), "lr": ALTERNATIVES["lr"]}
AR_ORDERS = (2, 12)  # orders of the linear part the second stage tries
KPSS_5 = 0.463  # 5% critical value of the KPSS level-stationarity statistic
MAX_SEASON_WINDOW = 96  # longest window a seasonal candidate gets
MAX_ES_ALPHA = 0.5  # es is tried where smoothing weighs the newest value this much
MAX_SMOOTHED_SEASON = 24  # longest season Holt-Winters is tried with (as ets())
VAL_SIZE = 12  # validation points per series by default
MIN_VAL_ORIGINS = 24  # the default slice grows to this many origins in all ...
LONG = 150  # ... on series at least this long (short ones keep theirs)
SEARCHES = 3  # searches averaged on short series with ...
FEW_ORIGINS = 48  # ... fewer validation origins than this in all
HUBER = 1.0  # Huber's delta of the networks' loss where a season is modelled
MIN_STRENGTH = 0.64  # seasonal strength that makes classical members (as nsdiffs)
SNAIVE_WEIGHT = 0.5  # seasonal naive's member: this share of its validation weight
SEASONED_SHARE = 0.5  # parts that must hold the seasons for the group's season
SHORT_PARTS = 40  # training parts shorter than this (the median): a short history
MIN_WINDOW = 4  # a short history's window: half its median part, at least this
MIN_DRIFT = 0.3  # median drift over noise that brings Theta and smoothing in


def short_history(parts) -> bool:
    """True if the median training part is under :data:`SHORT_PARTS` points.

    The rules of short histories (yearly series of 14 to 40 points, short
    quarterly ones) then apply: the search starts from :func:`short_window`
    (:func:`plan_stages`), and where no season is modelled the classical
    members are Theta and exponential smoothing (:func:`classical_members`)
    whatever the smoothing's weight.
    """
    return bool(len(parts)) and float(np.median([len(p) for p in parts])) < SHORT_PARTS


def short_window(parts) -> int:
    """A short history's window: half its median training part, at least
    :data:`MIN_WINDOW` steps (at most :data:`DEFAULTS`' window).

    A window as long as the part gives each series one training window; half
    of it gives each as many windows as it has steps beyond the window, and
    the network, one for the group, learns from all of them (pooling).
    """
    half = int(np.median([len(p) for p in parts])) // 2
    return max(MIN_WINDOW, min(half, DEFAULTS["window"]))


def validation_sizes(lengths: list[int], val_size: int | None) -> list[int]:
    """Validation points per series: at most a quarter of each.

    An explicit ``val_size`` is used as given. The default (None) holds out
    :data:`VAL_SIZE` points per series and, when that gives fewer than
    :data:`MIN_VAL_ORIGINS` origins in all, raises the share of the series
    of at least :data:`LONG` points (equally) until it does: one long
    series then validates on 24 points instead of 12 (a steadier choice,
    and enough residuals for a 95% interval). Short series keep 12: their
    training windows are too few to give up.
    """
    size = VAL_SIZE if val_size is None else int(val_size)
    base = [min(size, n // 4) for n in lengths]
    long = [k for k, n in enumerate(lengths) if n >= LONG]
    missing = MIN_VAL_ORIGINS - sum(base)
    if val_size is not None or missing <= 0 or not long:
        return base
    extra = -(-missing // len(long))
    for k in long:
        base[k] = min(base[k] + extra, lengths[k] // 4)
    return base


def lag_autocorrelation(y: np.ndarray, m: int) -> tuple[float, float] | None:
    """(r_m, its variance under no season) of the first differences of ``y``.

    Bartlett's variance ``(1 + 2 sum_{k<m} r_k^2) / n``; None when ``y`` is
    too short (two seasons of changes) or constant.
    """
    d = np.diff(np.asarray(y, dtype=np.float64))
    n = len(d)
    if m < 2 or n <= 2 * m:
        return None
    d = d - d.mean()
    var = float(d @ d)
    if var == 0:
        return None
    r = np.array([float(d[k:] @ d[:-k]) / var for k in range(1, m + 1)])
    return float(r[-1]), float((1 + 2 * np.sum(r[:-1] ** 2)) / n)


def seasonal_test(y: np.ndarray, m: int) -> bool:
    """True if the first differences of ``y`` autocorrelate at lag ``m`` (90%)."""
    return pooled_seasonal_test([y], m)


def pooled_seasonal_test(series, m: int) -> bool:
    """The test on the mean lag-``m`` autocorrelation of all ``series`` (90%).

    One series: the classical test. Many: their mean ``r_m`` against
    ``1.645 sqrt(sum var_i) / N``, so that 1,000 random walks, of which 5% or
    so pass one by one, do not make a season by their number.
    """
    stats = [s for s in (lag_autocorrelation(y, m) for y in series) if s]
    if not stats:
        return False
    r, var = np.array(stats).T
    return bool(r.mean() > 1.645 * np.sqrt(var.sum()) / len(r))


def all_positive(parts) -> bool:
    """True if every value of every part is > 0 (the log scalings need it)."""
    return all((np.asarray(p) > 0).all() for p in parts)


def seasoned(parts, season: int | None, seasons: int = MIN_SEASONS) -> list:
    """The parts that hold ``seasons`` seasons, if they are at least
    :data:`SEASONED_SHARE` of the group; else ``[]``.

    What the classical members' season is decided on (:func:`classical_members`):
    a few short series (M1 monthly has training parts of 18 to 30 months among
    longer ones) neither switch the season off for the whole group nor enter
    the test, whose lag-m autocorrelation they cannot estimate.
    """
    if not season or season < 2 or not len(parts):
        return []
    long = [p for p in parts if len(p) >= seasons * season]
    return long if len(long) >= SEASONED_SHARE * len(parts) else []


def seasonal_scalings(parts, season: int | None) -> tuple[str, ...]:
    """The seasonal scalings the first stage adds (none if the rules say no).

    Decided, as the classical members' season, on the parts that hold
    :data:`~.transforms.MIN_SEASONS` seasons, if they are at least
    :data:`SEASONED_SHARE` of the group (:func:`seasoned`): those must pass
    the pooled seasonality test. A network is one model for the group, on
    one scaling; a shorter series reads that scaling's counterpart without
    the season (:func:`.models.scalings.fit_transforms`: the changes for
    ``sdiff`` and ``+sa``, exponential smoothing's errors for ``hw``) or, for
    ``+lag``, the seasons it holds. The log forms where every part is
    positive.
    """
    long = seasoned(parts, season)
    if not long or not pooled_seasonal_test(long, season):
        return ()
    smoothed = season <= MAX_SMOOTHED_SEASON
    if all_positive(parts):
        return ("logdiff+lag", "logsdiff", "logdiff+sa", *("loghw",) * smoothed)
    return ("diff+lag", "sdiff", "diff+sa", *("hw",) * smoothed)


def classical_members(parts, season: int | None) -> tuple[Classical, ...]:
    """The classical members (unfitted :mod:`.models.classical` models), or ``()``.

    :class:`Theta` (on logs for positive series), for seasons of at most
    :data:`MAX_SMOOTHED_SEASON` steps :class:`HoltWinters`, :class:`Airline`
    (the same on logs) and :class:`SeasonalNaive`, all with ``season``:
    where the parts that hold :data:`~.transforms.MIN_MODELLED_SEASONS`
    seasons, if they are at least :data:`SEASONED_SHARE` of the group
    (:func:`seasoned`), pass the pooled seasonality test; or where the test
    alone keeps them out but the mean seasonal strength
    (:func:`.seasons.seasonal_strength`, of the logs on positive series) of
    the parts that hold :data:`~.transforms.MIN_SEASONS` seasons (again at
    least that share) exceeds :data:`MIN_STRENGTH`. Parts of two to three
    seasons count for the test alone: there a random walk's strength is
    often above 0.9. A series too short for a seasonal member is forecast
    by its variant without a season (:meth:`.ClassicalMember.model_for`).
    Otherwise, where the search tries exponential smoothing
    (:func:`smoothing_scaling`), :class:`Theta` and
    :class:`ExponentialSmoothing` without a season (on logs for ``loges``);
    on a :func:`short_history`, or where the parts drift (:func:`drifting`),
    the same pair whatever the smoothing's weight (on logs for positive
    parts).
    """
    if long := seasoned(parts, season, MIN_MODELLED_SEASONS):
        logs = all_positive(parts)
        seasonal = pooled_seasonal_test(long, season)
        if not seasonal and (longer := seasoned(parts, season)):
            bases = [np.log(p) if logs else np.asarray(p, np.float64) for p in longer]
            strength = np.mean([seasonal_strength(b, season) for b in bases])
            seasonal = strength > MIN_STRENGTH
        if seasonal:
            hw = (HoltWinters,) if season <= MAX_SMOOTHED_SEASON else ()
            kinds = (k(season, logs) for k in (Theta, *hw, Airline))
            return (*kinds, SeasonalNaive(season))
    es = smoothing_scaling(parts)
    if es is None and not short_history(parts) and not drifting(parts):
        return ()
    logs = es == "loges" if es is not None else all_positive(parts)
    return (Theta(None, logs), ExponentialSmoothing(None, logs))


def drift_ratio(y: np.ndarray) -> float:
    """The mean change over the changes' standard deviation, in absolute value
    (inf for a straight line; 0 for a constant or fewer than two changes)."""
    d = np.diff(np.asarray(y, dtype=np.float64))
    if len(d) < 2:
        return 0.0
    sd = float(d.std())
    return abs(float(d.mean())) / sd if sd > 0 else (np.inf if d.mean() else 0.0)


def drifting(parts) -> bool:
    """True if the median :func:`drift_ratio` of the parts (of their logs
    when all are positive) exceeds :data:`MIN_DRIFT`: a drift that stands
    out of the noise of the changes, which Theta's drift and a damped trend
    model and a random walk lacks (the bundled stock prices: 0.03-0.15).
    Where no season is modelled it brings in Theta and exponential smoothing
    (:func:`classical_members`) whatever the smoothing's weight."""
    logs = all_positive(parts)
    ratios = [drift_ratio(np.log(p) if logs else p) for p in parts]
    return bool(np.median(ratios) > MIN_DRIFT)


def huber_delta(kinds, huber) -> float | None:
    """The networks' Huber delta (None: the SSR) for the forecaster's ``huber``.

    ``kinds``: :func:`classical_members` of the series. ``"auto"``:
    :data:`HUBER` where they model a season (whether or not the scaling is
    searched), else None; any other value is used as it is.
    """
    if huber != "auto":
        return huber
    return HUBER if any(k.season is not None for k in kinds) else None


def smoothing_scaling(parts) -> str | None:
    """``loges`` (positive parts) or ``es`` where short series get it, else None.

    Short: every part under :data:`LONG` points; and the smoothing must weigh
    the newest value little (:func:`smooths`). Only for series without a
    season: the caller checks that.
    """
    if max(len(p) for p in parts) >= LONG:
        return None
    logs = all_positive(parts)
    if not smooths(parts, logs):
        return None
    return "loges" if logs else "es"


def kpss(y: np.ndarray) -> float:
    """KPSS statistic of level stationarity (Kwiatkowski et al. 1992).

    The partial sums of the demeaned series over ``n^2`` times their
    long-run variance (Bartlett window of ``4 (n / 100)^(1/4)`` lags, as in
    auto.arima); above :data:`KPSS_5` the series is not level-stationary at 5%.
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    e = y - y.mean()
    s = np.cumsum(e)
    lags = min(int(4 * (n / 100) ** 0.25), n - 1)
    lr = float(e @ e) / n
    for k in range(1, lags + 1):
        lr += 2 * (1 - k / (lags + 1)) * float(e[k:] @ e[:-k]) / n
    return float(s @ s) / (n * n * lr) if lr > 0 else np.inf


def smooths(parts, logs: bool) -> bool:
    """True if exponential smoothing fitted on at least half the parts (their
    logs if ``logs``) weighs the newest value at most :data:`MAX_ES_ALPHA`.
    """
    from ..models.smoothing import Smoothing

    bases = (np.log(p) if logs else np.asarray(p, dtype=np.float64) for p in parts)
    alphas = [Smoothing.fit(b, None, readable=True).alpha for b in bases]
    return bool(np.mean(np.array(alphas) <= MAX_ES_ALPHA) >= 0.5)


def first_scalings(parts, seasonal: tuple[str, ...]) -> tuple[str, ...]:
    """The first stage's scalings: the plain ones and the seasonal ``seasonal``.

    Positive series without a season also get the log changes
    (:data:`LOG_SCALINGS`): growth that compounds, cycles on a log scale.
    The scalings that give the network the level (``+level``) stay only if
    at least half the parts are level-stationary by the KPSS test at 5% (the
    test auto.arima uses to choose between levels and changes): a random
    walk's level says nothing of its next change, and a network given it
    learns a pull back that the validation slice may reward by luck.
    """
    logs = not seasonal and all_positive(parts)
    out = (*AUTO_SCALINGS, *(LOG_SCALINGS if logs else ()), *seasonal)
    if not seasonal and (es := smoothing_scaling(parts)) is not None:
        out += (es,)
    if np.mean([kpss(p) < KPSS_5 for p in parts]) < 0.5:
        out = tuple(s for s in out if not s.endswith("+level"))
    return out


def plan_stages(fixed: dict, start: dict, scalings, origins, short=False,
                parts=None) -> list:  # fmt: skip
    """The search stages: lists of changes to the best configuration so far.

    ``scalings``: the first stage's (see :func:`first_scalings`); ``short``:
    the training parts are short (see the module's rules); ``parts``: the
    training parts, where a :func:`short_history` starts from its
    :func:`short_window` (unless the window is given).
    """
    if parts is not None and short_history(parts) and fixed["window"] is None:
        start = dict(start, window=short_window(parts))
    if fixed["scaling"] is not None or not origins:
        plan = [[start]]
    else:
        plan = [[dict(start, scaling=s) for s in scalings]]
        plan.append([{"ar": p} for p in AR_ORDERS])
    if origins:
        for k, alts in (SHORT_ALTERNATIVES if short else ALTERNATIVES).items():
            if fixed[k] is None:
                plan.append([{k: a} for a in alts])
    return plan


def season_window(window: int, season: int | None, longest: int) -> int:
    """A seasonal candidate's window: two seasons when the parts allow it."""
    if not season:
        return window
    two = min(2 * season, MAX_SEASON_WINDOW)
    return max(window, two) if longest >= 4 * two else window


def searches(parts, origins, fixed: dict) -> int:
    """How many searches the forecaster averages (see the module's rules).

    One if nothing is searched (every key of ``fixed`` given).
    """
    short = max(len(p) for p in parts) < LONG
    searched = any(v is None for v in fixed.values())
    return SEARCHES if searched and short and 0 < len(origins) < FEW_ORIGINS else 1
