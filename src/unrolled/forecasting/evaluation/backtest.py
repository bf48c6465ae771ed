"""Honest evaluation: chronological split, rolling-origin forecasts, baselines.

The last ``test`` points of every series are held out. The ensemble is
fitted on what comes before (its own validation slice is carved from that
part too); then, at every test origin, the ensemble, its networks alone and
every baseline see
the true history up to the origin and never after it, forecast one step,
and are scored with MAE, RMSE, MAPE, MASE and directional accuracy. The
baselines are refitted at each origin; the networks' scalers stay those fitted
on the training part.

Example::

    from unrolled.forecasting.evaluation.backtest import backtest
    from unrolled.forecasting.io.data import load_bundled
    from unrolled.forecasting.forecaster import Forecaster
    report = backtest(Forecaster(seed=0), load_bundled("stocks"), test=12)
    print(report.format())
"""

from __future__ import annotations

import numpy as np

from ...errors import InputError
from ..ensemble.bounds import check_int, window_note
from ..ensemble.covariates import backtest_parts, spec_of, use_full
from ..ensemble.intervals import check_levels, coverage, level_name
from ..ensemble.plan import seasonal_test
from ..ensemble.prediction import NETWORKS, dropout_notes, networks_apart
from ..features.transforms import naive_unit
from ..io.data import as_dataset
from ..io.dataset import Dataset, Series
from ..models.baselines import BASELINES
from ..progress import stage
from .covariates import on_test_points, rival_note, rival_regressors
from .metrics import evaluate as score
from .metrics import mae, mase
from .report import Report, SeriesResult

__all__ = [
    "Report", "SeriesResult", "backtest", "evaluate_fitted", "head", "split_sizes",
]  # fmt: skip
MIN_TRAIN = 2  # training points a series keeps, whatever --test asks


def split_sizes(lengths: list[int], test: int) -> list[int]:
    """Test points per series: ``test``, leaving at least :data:`MIN_TRAIN`."""
    if isinstance(test, bool) or not isinstance(test, int | np.integer) or test < 1:
        raise InputError(f"test: expected an integer >= 1, got {test!r}")
    return [max(1, min(int(test), n - MIN_TRAIN)) for n in lengths]


def head(ds, sizes):
    """The dataset with the last ``sizes[i]`` points of series i removed."""

    parts = [
        Series(s.name, s.dates[: len(s) - k], s.values[: len(s) - k])
        for s, k in zip(ds.series, sizes, strict=True)
    ]
    return Dataset(parts, ds.frequency, ds.source, list(ds.notes), ds.pandas_freq,
                   ds.unit)  # fmt: skip


def backtest(
    forecaster, data, test: int = 12, horizon: int = 1, *, level=None, rivals=(),
    **fit_options,
) -> Report:  # fmt: skip
    """Fit ``forecaster`` on the training parts and evaluate it on the test parts.

    Parameters
    ----------
    forecaster : Forecaster
        Unfitted (it is fitted here, on the training parts only).
    data : Dataset, DataFrame, dict or list of arrays
    test : int
        Points held out at the end of each series (fewer for a series that
        would keep less than :data:`MIN_TRAIN` points).
    horizon : int
        Steps ahead: every test origin is forecast ``1..horizon`` steps
        ahead (recursive, no retraining) and every step is scored; also the
        values forecast after the end of each series.
    level : sequence of float, optional
        Interval levels (e.g. ``[80, 95]``): their coverage of the test
        points is measured for every method.
    rivals : sequence of str
        statsforecast models to compare with (``AutoETS``, ``AutoTheta``,
        ``AutoARIMA``; needs ``pip install 'unrolled[stats]'``), refitted at
        every origin.
    **fit_options
        Passed to ``forecaster.fit`` (``checkpoint``, ``resume``,
        ``callbacks``, ``on_epoch``, ``static_df``); and ``futr_df``, with
        future covariates: their values at the ``horizon`` dates after each
        series (the forecasts after its end read them). With covariates,
        ``data`` is the frame that holds their columns; the test points'
        forecasts read them up to each origin (the historic ones) and at the
        dates forecast (the future ones).

    Returns
    -------
    Report
    """
    test, horizon = check_int("test", test), check_int("h", horizon)
    spec = spec_of(forecaster)
    if spec is None:
        ds = as_dataset(data)
        sizes = split_sizes([len(s) for s in ds.series], test)
        forecaster.fit(head(ds, sizes), **fit_options)
        return evaluate_fitted(forecaster, ds, test, horizon, sizes, level=level,
                               rivals=rivals)  # fmt: skip
    futr_df = fit_options.pop("futr_df", None)  # the dates after each series
    ds, sizes, train, rows = backtest_parts(forecaster, data, spec,
                                            lambda n: split_sizes(n, test))  # fmt: skip
    forecaster.fit(head(ds, sizes) if train is None else train, **fit_options)
    use_full(forecaster, ds, rows, futr_df, horizon)  # the test points' covariates
    try:
        return evaluate_fitted(forecaster, ds, test, horizon, sizes, level=level,
                               rivals=rivals)  # fmt: skip
    finally:
        forecaster.covariates_.use_training(forecaster.dates_)


def random_walk_like(y: np.ndarray, season: int | None) -> bool:
    """True if ``y``'s changes look like noise: no lag-1 or seasonal correlation."""
    d = np.diff(np.asarray(y, dtype=np.float64))
    if len(d) < 4 or d.std() == 0:
        return False
    r1 = float(np.corrcoef(d[1:], d[:-1])[0, 1])
    seasonal = bool(season) and seasonal_test(y, season)
    return abs(r1) < max(0.2, 2 / np.sqrt(len(d))) and not seasonal


def method_paths(forecaster, method, values, origins, names, h, cut, season, levels):
    """(paths, {level: (lo, hi)} or None) of one method from every origin."""
    from .rivals import RIVALS, rival_paths

    if method in RIVALS:
        exog = rival_regressors(forecaster, names)  # the future covariates, if any
        return rival_paths(method, values, origins, h, season, levels, exog)
    return forecaster.forecast_paths(values, origins, names, h, cut, method), None


def _steps(v, pos, path, train, bands=None) -> list[dict]:
    """MAE, MASE (and coverage per level) per step ahead, where the target is known.

    ``bands``: level -> step k -> (lo, hi) arrays over the origins, or None.
    """
    out = []
    for k in range(path.shape[1]):
        ok = pos + k < len(v)
        if not ok.any():
            break
        t, p = v[pos[ok] + k], path[ok, k]
        scaled = mase(t, p, train) if len(train) > 1 else float("nan")
        out.append({"mae": mae(t, p), "mase": scaled, "n": int(ok.sum())})
        for lv, per_step in (bands or {}).items():
            lo, hi = per_step(k)
            out[-1][f"coverage-{lv}"] = coverage(t, lo[ok], hi[ok])
    return out


def _step_bands(forecaster, method, path, unit, levels, own, rows) -> dict:
    """Level -> (step k -> (lo, hi) over the origins of one series)."""
    out = {}
    for lv in levels:
        if own is not None:
            lo, hi = own[lv]
            out[level_name(lv)] = lambda k, lo=lo, hi=hi: (lo[rows, k], hi[rows, k])
            continue

        def band(k, lv=lv):
            w = forecaster.calibration_.width(method, k + 1, lv)
            w = np.nan if w is None else w
            return path[:, k] - w * unit, path[:, k] + w * unit

        out[level_name(lv)] = band
    return out


def _coverage(truth, intervals: dict) -> dict:
    """Method -> level -> coverage, mean width, width relative to naive's, n."""
    out = {}
    for m, d in intervals.items():
        out[m] = {}
        for lv, (lo, hi) in d.items():
            width = float(np.mean(hi - lo))
            ref = intervals.get("naive", {}).get(lv)
            base = float(np.mean(ref[1] - ref[0])) if ref is not None else np.nan
            out[m][lv] = {
                "coverage": coverage(truth, lo, hi),
                "width": width,
                "relative": width / base if base > 0 else np.nan,
                "n": int(len(truth)),
            }
    return out


def evaluate_fitted(
    forecaster, data, test: int = 12, horizon: int = 1, sizes=None, *,
    level=None, rivals=(),
) -> Report:  # fmt: skip
    """Rolling-origin evaluation of an already fitted forecaster on ``data``.

    Series the forecaster has not seen get their scaling fitted on their part
    before the test points. ``horizon``, ``level`` and ``rivals`` as in
    :func:`backtest`. Returns a :class:`Report`.
    """
    from .rivals import check_rivals

    ds = as_dataset(data)
    levels = check_levels(level)
    rivals = check_rivals(rivals)
    names = [s.name for s in ds.series]
    values = [np.asarray(s.values, dtype=np.float64) for s in ds.series]
    if sizes is None:
        sizes = split_sizes([len(v) for v in values], test)
    cut = [len(v) - k for v, k in zip(values, sizes, strict=True)]
    origins = [(i, o) for i, v in enumerate(values) for o in range(cut[i], len(v))]
    season = forecaster.season_for(ds.frequency)
    nets = [NETWORKS] if networks_apart(forecaster.members_) else []
    methods = [forecaster.alias, *nets, *BASELINES, *rivals]
    runs = {}
    for k, m in enumerate(methods):
        text = f"backtest: {m} ({k + 1} of {len(methods)}) from {len(origins)} origins"
        stage(text, k, len(methods))
        runs[m] = method_paths(
            forecaster, m, values, origins, names, horizon, cut, season, levels
        )  # fmt: skip
    ahead = forecaster.predict_values(horizon, names, values)
    first = np.cumsum([0] + [len(v) - c for v, c in zip(values, cut, strict=True)])
    results = []
    for i, (name, v) in enumerate(zip(names, values, strict=True)):
        rows = np.arange(first[i], first[i + 1])  # series i's origins, in order
        pos = np.arange(cut[i], len(v))
        train = v[: cut[i]]
        unit = naive_unit(train)
        preds = {m: runs[m][0][rows, 0] for m in methods}
        metrics = {m: score(v[pos], p, train, v[pos - 1]) for m, p in preds.items()}
        res = SeriesResult(
            name, int(cut[i]), int(len(pos)), float(ahead[name][0]),
            [float(x) for x in ahead[name]], metrics, ds.series[i].dates, v, preds,
        )  # fmt: skip
        res.ensemble = forecaster.alias
        bands = {  # no intervals for the networks alone: none were calibrated
            m: _step_bands(forecaster, m, runs[m][0][rows], unit, levels, runs[m][1],
                           rows)
            for m in methods if m != NETWORKS
        }  # fmt: skip
        if horizon > 1:
            res.steps = {
                m: _steps(v, pos, runs[m][0][rows], train, bands.get(m))
                for m in methods
            }
        if levels:  # the one-step intervals: step 0 of each band
            res.intervals = {
                m: {lv: band(0) for lv, band in bands[m].items()} for m in bands
            }
            res.coverage = _coverage(v[pos], res.intervals)
        res.random_walk = random_walk_like(train, season)
        res.future = {level_name(lv): forecaster.bounds(ahead[name], unit, lv)
                      for lv in levels}  # fmt: skip
        results.append(res)
    notes = list(ds.notes) + window_note(forecaster)
    if levels:
        cal = forecaster.calibration_
        notes += cal.missing(forecaster.alias, horizon, levels)
        notes += cal.pooled(forecaster.alias, horizon, levels)
    notes += dropout_notes(getattr(forecaster, "dropouts_", {}))
    notes += rival_note(forecaster, rivals)
    val = dict(getattr(forecaster, "baseline_val_scores_", {}) or {})
    if val and forecaster.val_score_ is not None:
        val[forecaster.alias] = forecaster.val_score_
    report = Report(
        results, ds.frequency, int(forecaster.seed), dict(forecaster.config_),
        notes, list(getattr(forecaster, "search_", [])),
        [level_name(x) for x in levels],
        val, getattr(forecaster, "selected_", forecaster.alias), ds.unit,
        forecaster.alias,
    )  # fmt: skip
    report.covariates = on_test_points(forecaster, values, origins, names, cut)
    return report
