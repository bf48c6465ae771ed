"""How a fitted forecaster forecasts: one step, h steps, DataFrames, intervals.

:class:`Predicting` is the half of :class:`~.forecaster.Forecaster` that
needs only fitted state (``members_``, ``calibration_``, ``history_``,
``selected_``); the fitting half lives in :mod:`.forecaster`.
"""

from __future__ import annotations

import functools

import numpy as np

from ...errors import InputError
from ..features.seasons import forget as forget_seasons
from ..features.transforms import as_series, naive_unit
from ..io.history import (
    check_forecasts,
    check_known,
    frequency_warning,
    future_dates_of,
)
from ..models.baselines import baseline_paths
from ..models.chunks import CHUNK
from .covariates import for_predict
from .intervals import check_levels, level_name, paths
from .members import one_step

ENSEMBLE = "ensemble"  # the ensemble's default name: its column and key
NETWORKS = "networks"  # the key of the mean of the network members alone
OLD_NAME = "rnn"  # the ensemble's key in model files of unrolled 0.1.0
# origins whose h-step paths are computed together: each holds a copy of its
# history while they run; a multiple of CHUNK, so the forward passes are the
# same batches as with every origin at once (the same numbers, bit for bit)
ORIGINS = 4 * CHUNK


class Predicting:
    """Forecasting methods shared by every fitted forecaster."""

    def one_step(self, values, origins, names, fit_upto=None, refit_upto=None
                 ) -> np.ndarray:  # fmt: skip
        """The network's one-step forecasts from the true history up to each origin.

        Parameters
        ----------
        values : list of ndarray
            Full series.
        origins : list of (series index, position)
            Entry k forecasts ``values[i][o]`` using ``values[i][:o]`` only.
        names : list of str
            Series names (saved scalers are used for names seen in training).
        fit_upto : list of int, optional
            For series unseen in training, fit their scaling on
            ``values[i][:fit_upto[i]]`` (default: everything given).
        refit_upto : list of int, optional
            The classical members, which refit at every origin, fit on
            ``values[i][:refit_upto[i]]`` at most (a recursive path's origin).
        """
        self._check_fitted()
        return one_step(self.members_, values, origins, names, fit_upto, refit_upto)

    def _path_step(self, values, origins, names, fit_upto, refit_upto):
        """:meth:`one_step` within recursive paths, noting the members that drop out.

        ``dropouts_`` maps a series to ``(first step, scalings)``: the
        earliest step (1-based) at which a member left the combination of
        one of its paths (see :func:`.ensemble.one_step`), and those
        members (:func:`on_logs`: the networks' scalings, the classical
        models' names).
        """
        out = []
        pred = one_step(self.members_, values, origins, names, fit_upto, refit_upto,
                        out)  # fmt: skip
        seen = self.__dict__.setdefault("dropouts_", {})
        for k, member in out:
            i, o = origins[k]
            step = o - refit_upto[i] + 1
            first, scalings = seen.get(names[i], (step, ()))
            scalings = tuple(sorted({*scalings, on_logs(member)}))
            seen[names[i]] = (min(first, step), scalings)
        return pred

    def forecast_paths(self, values, origins, names, h: int, fit_upto=None,
                       method: str | None = None, steps=None
                       ) -> np.ndarray:  # fmt: skip
        """``h``-step forecasts of ``method`` from every origin: ``(len(origins), h)``.

        ``method``: the ensemble's name (``alias``), :data:`NETWORKS` (the
        weighted mean of the network members alone, :func:`network_members`)
        or a baseline's. The ensemble's and the networks' are recursive (each
        forecast is fed back in); a baseline is refitted on the history up to
        each origin. ``steps`` (recursive methods): per origin, how many steps
        its path runs (see :func:`~.intervals.paths`); NaN after them.
        """
        self._check_fitted()
        method = self.alias if method is None else method
        if method in (self.alias, NETWORKS):
            members, step = self.members_, self._path_step
            if method != self.alias:  # no dropout notes: the ensemble's say them
                members = network_members(self.members_)
                step = functools.partial(one_step, members)
            values, at, own, upto = network_context(members, values, origins,
                                                    names, fit_upto)  # fmt: skip
            try:
                return np.concatenate([
                    paths(step, values, at[k : k + ORIGINS], own, h, upto,
                          None if steps is None else steps[k : k + ORIGINS])
                    for k in range(0, max(len(at), 1), ORIGINS)
                ])  # fmt: skip
            finally:
                forget_seasons()  # the paths' seasonal steps (features.seasons)
        season = self.season_for(self.frequency_)
        return baseline_paths(method, values, origins, h, self.frequency_, season)

    def _history(self, data):
        """(names, values, dates) of ``data``, or of the training data if None."""
        if data is not None:
            import warnings

            from .covariates import read_history

            cov = getattr(self, "covariates_", None)
            ds = read_history(data, None if cov is None else cov.spec)[0]
            names, values, freq = as_series(ds)
            check_known(self.names_, names)
            if (msg := frequency_warning(self.frequency_, freq)) is not None:
                warnings.warn(msg, UserWarning, stacklevel=3)
            return names, values, {s.name: s.dates for s in ds.series}
        if not hasattr(self, "history_"):
            raise InputError("data: this forecaster keeps no history; pass data")
        return (
            list(self.history_),
            list(self.history_.values()),
            getattr(self, "dates_", {}),
        )

    def predict(self, h: int = 1, data=None, level=None, members: bool = False,
                futr_df=None, static_df=None):  # fmt: skip
        """Forecast the next ``h`` values of every series, as a long DataFrame.

        Parameters
        ----------
        h : int
            Steps ahead. Steps beyond the first feed the forecasts back in
            (recursive).
        data : Dataset, DataFrame, dict or list of arrays, optional
            Histories to forecast from; default: the training data.
        level : sequence of float, optional
            Interval levels in (0, 100), e.g. ``[80, 95]``: split-conformal
            intervals from the validation slice's residuals of the same step
            ahead (see :mod:`.intervals`); a step with too few residuals of its
            own pools every step's, scaled by a fitted growth law, and only
            where even the pool is too small are its bounds NaN
            (``interval_notes_`` says which steps pooled and which have none).

        members : bool
            Add a column per member of the ensemble: its own recursive
            forecast, named as the member (:func:`member_columns`), and a
            column ``networks``: the weighted mean of the network members
            alone (no hybrid, no classical member; :func:`network_members`),
            where the ensemble has other members too (:func:`networks_apart`).
        futr_df : DataFrame, optional
            With future covariates (``futr_exog``): ``unique_id``, ``ds`` and
            those columns at each of the ``h`` dates after every series
            (refused if one is missing: never filled in).
        static_df : DataFrame, optional
            With static covariates, for series not seen in training.

        A member on logs leaves the mean of a path that reaches a value
        <= 0 (:func:`.ensemble.one_step`); ``path_notes_`` says where.

        Returns
        -------
        pandas.DataFrame
            ``unique_id, ds, ensemble`` (the ensemble's forecast, or with
            ``select="best"`` the validated winner's; the column is named
            ``alias``), plus ``ensemble-lo-80, ensemble-hi-80, ...`` per
            level. ``ds`` continues each series' dates on its calendar
            (integer steps where there are none); with ``members``, one more
            column per member and ``networks``.
        """
        import pandas as pd

        from .bounds import check_int

        self._check_fitted()
        h = check_int("h", h)  # the command line's --horizon range
        levels = check_levels(level)
        names, values, dates = self._history(data)
        future = future_dates_of(self, names, values, dates, h)
        cov = getattr(self, "covariates_", None)
        for_predict(cov, data, futr_df, static_df, self.names_,
                    (names, values, dates), future)  # fmt: skip
        try:
            self.dropouts_ = {}
            point = self.predict_values(h, names, values)
            self.path_notes_ = dropout_notes(self.dropouts_)
            check_forecasts(names, values, [point[n] for n in names])
            own = self.member_paths(h, names, values) if members else {}
        finally:  # the training history's covariates again
            if cov is not None:
                cov.use_training(self.dates_)
        frames = []
        for n, v in zip(names, values, strict=True):
            cols = {"unique_id": n, "ds": future[n]}
            cols[self.alias] = point[n]
            unit = naive_unit(v[: self.n_train_.get(n, len(v))])
            for lv in levels:
                lo, hi = self.bounds(point[n], unit, lv)
                cols[f"{self.alias}-lo-{level_name(lv)}"] = lo
                cols[f"{self.alias}-hi-{level_name(lv)}"] = hi
            cols.update({c: path[names.index(n)] for c, path in own.items()})
            frames.append(pd.DataFrame(cols))
        cal, sel = self.calibration_, self.selected_
        self.interval_notes_ = cal.missing(sel, h, levels) + cal.pooled(sel, h, levels)
        return pd.concat(frames, ignore_index=True)

    def predict_values(self, h: int, names, values) -> dict:
        """Point forecasts ``{name: (h,) array}`` of the selected method."""
        origins = [(i, len(v)) for i, v in enumerate(values)]
        out = self.forecast_paths(values, origins, names, h, method=self.selected_)
        return {n: out[k] for k, n in enumerate(names)}

    def member_paths(self, h: int, names, values) -> dict:
        """Each member's own ``h``-step forecast from the end of every series,
        then the networks' mean: ``{column: (len(names), h) array}`` (see
        :func:`member_columns`; ``networks`` only where :func:`networks_apart`)."""
        origins = [(i, len(v)) for i, v in enumerate(values)]
        cols = member_columns(self.members_)
        out = {c: paths(m.one_step, values, origins, names, h)
               for c, m in zip(cols, self.members_, strict=True)}  # fmt: skip
        if networks_apart(self.members_):
            out[NETWORKS] = self.forecast_paths(values, origins, names, h,
                                                method=NETWORKS)  # fmt: skip
        return out

    def bounds(self, point, unit: float, level: float, method: str | None = None):
        """(lo, hi) arrays around ``point`` (steps 1..len); NaN where uncalibrated."""
        method = method or self.selected_
        w = np.array([self.calibration_.width(method, k + 1, level)
                      for k in range(len(point))], dtype=float)  # fmt: skip
        return np.asarray(point) - w * unit, np.asarray(point) + w * unit


def member_columns(members) -> list[str]:
    """Column names of the members: their names, ``#2``, ``#3``, ... after a
    name already taken (``GRU(logdiff)``, ``GRU(logdiff)#2``, ``Theta(...)``)."""
    seen, out = {}, []
    for m in members:
        k = seen[m.name] = seen.get(m.name, 0) + 1
        out.append(m.name if k == 1 else f"{m.name}#{k}")
    return out


def network_members(members) -> list:
    """The members that are networks alone (RNN, LSTM, GRU over a scaling):
    neither hybrids nor classical models. Their weights are the ensemble's,
    so their mean is the ensemble's networks, renormalized."""
    return [m for m in members if getattr(m, "kind", None) == "network"]


def networks_apart(members) -> bool:
    """Whether the networks alone differ from the ensemble: there are network
    members and other members (hybrids, classical) beside them. Otherwise the
    networks' figure would be the ensemble's (or nothing), and none is given."""
    return 0 < len(network_members(members)) < len(members)


def on_logs(member) -> str:
    """What a dropout note calls a member on logs: a network's (or hybrid's)
    scaling, a classical model's name (``Theta(season=4, log=True)``)."""
    return member.name if member.kind == "classical" else member.candidate.scaling


def dropout_notes(dropouts: dict) -> list[str]:
    """One note per series whose paths lost a member (``dropouts_``)."""
    return [
        f"series {name!r}: a forecast path reached a value <= 0 (first at step "
        f"{step}); from there the members on logs ({', '.join(scalings)}) left "
        "that path's combination and the others' weights were renormalized"
        for name, (step, scalings) in dropouts.items()
    ]


def network_context(members, values, origins, names, fit_upto=None):
    """Per origin, only the history the members read: ``(values, origins, names,
    fit_upto)``.

    :func:`~.intervals.paths` gives every origin its own copy of the history
    (the forecasts are appended to it); with thousands of origins of long
    series those copies take hundreds of MB. When every series has saved
    transforms in every member and no member refits, a one-step forecast
    reads only the last ``window + lookback`` points before its origin, so
    each origin gets that tail (a view) as its own series: the forecasts are
    the same, bit for bit, and ``fit_upto`` (read only for series without
    saved transforms) is None. Otherwise (a series fitted on the fly, or a
    member refitted at each origin, needs its whole history) the arguments
    come back unchanged.
    """
    if any(
        m.refits or getattr(m, "reads_covariates", False) for m in members
    ) or not all(n in m.transforms for m in members for n in names):
        return values, origins, names, fit_upto
    keep = max(
        m.candidate.window + max((t.lookback for t in m.transforms.values()),
                                 default=0)
        for m in members
    )  # fmt: skip
    tails = [values[i][max(0, o - keep) : o] for i, o in origins]
    at = [(k, len(t)) for k, t in enumerate(tails)]
    return tails, at, [names[i] for i, _ in origins], None
