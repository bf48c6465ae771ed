"""Multi-step rolling-origin evaluation as a long DataFrame, as statsforecast gives it.

``cross_validation(forecaster, df, h=3, n_windows=4, step_size=1)`` places
``n_windows`` cutoffs at the end of every series, ``step_size`` points
apart, the last one ``h`` points before the end; from each cutoff the
ensemble (its column named as its ``alias``, ``ensemble`` by default) and
every baseline forecast ``h`` steps ahead from the true history up to the
cutoff (recursive for the ensemble; the baselines are refitted).
With ``refit=False`` (the default, like Darts' ``retrain=False``) a copy of
the forecaster is fitted once, on the data up to the first cutoff; with
``refit=True`` a fresh copy is fitted at every cutoff. The forecaster given
is never changed.

Example::

    from unrolled.forecasting.evaluation.cross_validation import cross_validation
    cv = cross_validation(Forecaster(seed=0), df, h=3, n_windows=5)
    cv.groupby("unique_id").apply(lambda g: (g.y - g.ensemble).abs().mean())
"""

from __future__ import annotations

import numpy as np

from ...errors import InputError
from ..ensemble.covariates import frame_parts, spec_of, use_known
from ..ensemble.intervals import check_levels, level_name
from ..features.transforms import naive_unit
from ..io.data import as_dataset
from ..io.dataset import Dataset, Series
from ..models.baselines import BASELINES
from ..progress import stage


def _check(h, n_windows, step_size):
    from ..ensemble.bounds import check_int  # the command line's ranges

    return (check_int("h", h), check_int("n_windows", n_windows),
            check_int("step_size", step_size))  # fmt: skip


def _cut(ds: Dataset, stop: dict) -> Dataset:
    """The dataset with series i ending just after position ``stop[name]``."""
    parts = [Series(s.name, s.dates[: stop[s.name]], s.values[: stop[s.name]])
             for s in ds.series]  # fmt: skip
    return Dataset(parts, ds.frequency, ds.source, list(ds.notes), ds.pandas_freq)


def clone(forecaster):
    """An unfitted copy with the same constructor arguments."""
    return type(forecaster)(**forecaster.get_params())


class FitTask:
    """Fit a copy of ``forecaster`` on one window's data (a backend task).

    Runs the search locally in the task; no per-epoch callbacks.
    """

    def __init__(self, forecaster, static_df=None):
        self.forecaster, self.static_df = forecaster, static_df

    def __call__(self, data):
        return clone(self.forecaster).fit(data, static_df=self.static_df)


def cross_validation(forecaster, data, h: int = 1, n_windows: int = 1,
                     step_size: int = 1, refit: bool = False, level=None,
                     rivals=(), **fit_options):  # fmt: skip
    """Forecasts from ``n_windows`` cutoffs, ``h`` steps each, as a long DataFrame.

    Parameters
    ----------
    forecaster : Forecaster
        Its parameters are used; it is copied, never fitted here.
    data : Dataset, DataFrame, dict or list of arrays
    h : int
        Steps ahead from each cutoff.
    n_windows : int
        Cutoffs per series.
    step_size : int
        Points between consecutive cutoffs.
    refit : bool
        Fit a fresh copy at every cutoff (default: once, at the first).
    level : sequence of float, optional
        Interval levels: adds ``<method>-lo-<L>``, ``<method>-hi-<L>``
        columns (split conformal from the copy's validation slice).
    rivals : sequence of str
        statsforecast models to add (see :mod:`.rivals`).
    **fit_options
        Passed to ``fit`` (``callbacks``, ``on_epoch``, ``backend``,
        ``static_df``). With ``refit`` and a Ray backend, the windows' fits
        run as its tasks (each searching locally, without the callbacks).
        With covariates, ``data`` is the frame that holds their columns:
        each window is fitted on its rows up to the cutoff, and the
        forecasts read the historic covariates up to their cutoff and the
        future ones at the dates forecast, from the same frame.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, cutoff, y, ensemble, naive, drift, seasonal_naive, mean``
        (and the rivals, and the interval columns), one row per series,
        cutoff and step.
    """
    import pandas as pd

    from .rivals import check_rivals

    h, n_windows, step_size = _check(h, n_windows, step_size)
    levels = check_levels(level)
    rivals = check_rivals(rivals)
    spec = spec_of(forecaster)
    if spec is None:
        ds, head, rows = as_dataset(data), None, None
    else:  # the target's series, the frame cut at a cutoff, the covariates
        ds, head, rows = frame_parts(data, spec)
    span = h + (n_windows - 1) * step_size
    for s in ds.series:
        if len(s) < span + 4:
            raise InputError(
                f"series {s.name!r}: {len(s)} points, too short for h={h}, "
                f"n_windows={n_windows}, step_size={step_size} (needs {span + 4})"
            )
    cut = {s.name: [len(s) - span + w * step_size for w in range(n_windows)]
           for s in ds.series}  # fmt: skip
    stops = [{n: c[w] for n, c in cut.items()} for w in range(n_windows)]
    runner = fit_options.get("backend", "local")
    remote = refit and getattr(runner, "name", "local") != "local"

    def window_data(stop):  # the data up to a cutoff (with covariates: the frame)
        if head is None:
            return _cut(ds, stop)
        return head([len(s) - stop[s.name] for s in ds.series])

    if remote:  # the windows' fits as the backend's tasks
        stage(f"cross-validation: {n_windows} fits as {runner.name} tasks")
        task = FitTask(clone(forecaster), fit_options.get("static_df"))
        fits = runner.map(task, [window_data(st) for st in stops])
    frames, fitted = [], None
    for w, stop in enumerate(stops):
        stage(f"cross-validation: window {w + 1} of {n_windows}", w, n_windows)
        if remote:
            fitted = fits[w]
        elif fitted is None or refit:
            fitted = clone(forecaster).fit(window_data(stop), **fit_options)
        if spec is not None:  # the covariates at every date of the data
            use_known(fitted, ds, rows)
        frames.append(_window(fitted, ds, stop, h, levels, rivals))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["unique_id", "cutoff", "ds"], kind="stable").reset_index(
        drop=True
    )


def _window(fc, ds: Dataset, origin: dict, h: int, levels, rivals):
    """One cutoff's rows: every series, every method, ``h`` steps."""
    import pandas as pd

    from .backtest import method_paths

    names = [s.name for s in ds.series]
    values = [np.asarray(s.values, dtype=np.float64) for s in ds.series]
    origins = [(i, origin[n]) for i, n in enumerate(names)]
    season = fc.season_for(ds.frequency)
    upto = [origin[n] for n in names]
    runs = {m: method_paths(fc, m, values, origins, names, h, upto, season, levels)
            for m in (fc.alias, *BASELINES, *rivals)}  # fmt: skip
    frames = []
    for k, s in enumerate(ds.series):
        o = origin[s.name]
        cols = {"unique_id": s.name, "ds": s.dates[o : o + h],
                "cutoff": s.dates[o - 1], "y": values[k][o : o + h]}  # fmt: skip
        unit = naive_unit(values[k][:o])
        for m, (paths, own) in runs.items():
            cols[m] = paths[k]
            for lv in levels:
                if own is not None:
                    lo, hi = own[lv][0][k], own[lv][1][k]
                else:
                    lo, hi = fc.bounds(paths[k], unit, lv, m)
                cols[f"{m}-lo-{level_name(lv)}"] = lo
                cols[f"{m}-hi-{level_name(lv)}"] = hi
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)
