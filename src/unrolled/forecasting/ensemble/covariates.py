"""Covariates in the ensemble: read for fit and predict, tried with and without.

The search (:func:`.search.run_search`) trains its candidates with the
covariates as inputs and, after its first stage, tries the best one
without them (:func:`with_and_without`); the change is kept only when it
beats the best by more than luck would (:func:`.search.improves`), as any
other change. The ensemble keeps the best networks of either kind, and
:func:`verdict` says in ``config_["covariates"]`` whether the covariates
helped on the validation slice. Baselines and classical members ignore
covariates. Reading and checking: :mod:`..io.covariates`; scaling and the
input channels: :mod:`..features.covariates`.
"""

from __future__ import annotations

import numpy as np

from ...errors import InputError
from ..features.covariates import Covariates
from ..io.covariates import (
    CovariateSpec,
    frame_columns,
    read_columns,
    read_future,
    read_static,
    target_frame,
)
from .choice import rank


def with_and_without(plan: list, start: dict, covariates, origins) -> None:
    """Start the search with the covariates and try the best without them.

    ``plan`` gets a stage after its first (``{"exog": False}``); without
    validation origins there is nothing to compare and the covariates stay.
    """
    if covariates is None:
        return
    start["exog"] = True
    if origins:
        plan.insert(1, [{"exog": False}])


def read_history(data, spec: CovariateSpec | None, fill=None, freq=None):
    """``(dataset, hist rows, future rows)`` of ``data`` (the rows are
    ``{series: (n, k)}``; None without covariates in columns)."""
    from ..io.data import as_dataset

    if spec is None or not spec.columns:
        return as_dataset(data, fill=fill, freq=freq), None, None
    cols = frame_columns(data, spec)
    ds = target_dataset(cols, spec, fill, freq)
    hist = read_columns(cols, spec.hist, ds.series)
    futr = read_columns(cols, spec.futr, ds.series)
    return ds, hist, futr


def target_dataset(cols, spec: CovariateSpec, fill=None, freq=None):
    """The target's series, read from the frame without its covariates (its
    date, series and target columns named to the reader where known)."""
    from ..io.data import as_dataset, from_frame

    table = target_frame(cols, spec)
    if cols.target is None:
        return as_dataset(table, fill=fill, freq=freq)
    return from_frame(table, cols.date_col, cols.series_col, cols.target, fill,
                      freq=freq)  # fmt: skip


def _empty(rows, names, lengths) -> dict:
    """Rows of no columns for every series, where there are none."""
    if rows is not None:
        return rows
    return {n: np.zeros((k, 0)) for n, k in zip(names, lengths, strict=True)}


def fit_covariates(spec, hist, futr, static_df, names, values, parts, dates):
    """The fitted :class:`~..features.covariates.Covariates` (None without
    covariates), reading the training history."""
    if spec is None:
        if static_df is not None:
            raise InputError("static_df: given, but no stat_exog named")
        return None
    lengths = [len(v) for v in values]
    hist, futr = _empty(hist, names, lengths), _empty(futr, names, lengths)
    stat = read_static(static_df, spec.stat, names)
    train = {n: len(p) for n, p in zip(names, parts, strict=True)}
    cov = Covariates(spec).fit(hist, futr, stat, train)
    cov.use_training(dates)
    return cov


def attach(members, covariates) -> None:
    """Give every network member that reads covariates the fitted ones."""
    for m in members:
        if getattr(m, "candidate", None) is not None and m.candidate.exog:
            m.covariates = covariates


def for_predict(cov, data, futr_df, static_df, known, history, future):
    """Set the data ``cov`` forecasts read, for :meth:`.Predicting.predict`.

    ``data``: None (the training history) or the histories given;
    ``history``: ``(names, values, dates)`` read from them; ``future``:
    ``{series: the h dates after it}``; ``known``: the series seen in
    training (their static values are kept). Refused, naming what: future
    or static covariates given to a forecaster without them, or missing.
    """
    if cov is None:
        for option, given in (("futr_df", futr_df), ("static_df", static_df)):
            if given is not None:
                raise InputError(f"{option}: this forecaster takes no covariates "
                                 "(it was fitted without them)")  # fmt: skip
        return
    rows = None
    if data is not None:
        _, hist, futr = read_history(data, cov.spec)
        rows = (hist, futr)
    use_rows(cov, rows, futr_df, static_df, known, history, future)


def use_rows(cov, rows, futr_df, static_df, known, history, future) -> None:
    """:meth:`~..features.covariates.Covariates.use` the historic and future
    ``rows`` (None: the training history's) of the series in ``history``,
    the future rows at the ``future`` dates from ``futr_df``, and the static
    values (``static_df`` for series not ``known``)."""
    names, values, dates = history
    spec = cov.spec
    if futr_df is not None and not spec.futr:
        raise InputError(
            "futr_df: this forecaster takes no future covariates (its covariates: "
            f"{', '.join(names_of(spec))})"
        )
    if rows is None:
        hist, futr = cov.raw["hist"], cov.raw["futr"]
    else:
        lengths = [len(v) for v in values]
        hist, futr = (_empty(r, names, lengths) for r in rows)
    stat = {n: cov.raw["stat"][n] for n in names if n in known}
    new = [n for n in names if n not in stat]
    if new or static_df is not None:
        stat.update(read_static(static_df, spec.stat, new or names))
    ahead = {n: np.zeros((len(future[n]), 0)) for n in names}
    if spec.futr:
        ahead = read_future(futr_df, spec.futr, {n: future[n] for n in names})
    both = {n: np.vstack([futr[n], ahead[n]]) for n in names}
    every = {n: dates[n].append(future[n]) if dates.get(n) is not None
             else None for n in names}  # fmt: skip
    cov.use({n: hist[n] for n in names}, both, stat, every)


def names_of(spec: CovariateSpec) -> list[str]:
    """Every covariate's name (the calendar's as ``calendar:month``)."""
    return [*spec.futr, *spec.hist, *spec.stat,
            *(f"calendar:{c}" for c in spec.calendar)]  # fmt: skip


def verdict(covariates, rounds) -> tuple[dict, dict]:
    """Whether the covariates helped on the validation slice: the best
    network with them against the best without, over every search; and
    those two networks, ``{True: with, False: without}`` (a kind never
    scored is absent), for the test points
    (:func:`..evaluation.covariates.on_test_points`)."""
    trained = [m for _, t in rounds for m in t]
    best = {}
    for m in sorted(trained, key=rank):
        if np.isfinite(rank(m)):
            best.setdefault(bool(m.candidate.exog), m)
    attach(best.values(), covariates)
    score = {flag: best[flag].candidate.score if flag in best else None
             for flag in (True, False)}  # fmt: skip
    which = ", ".join(names_of(covariates.spec))
    out = {"names": names_of(covariates.spec), "val_with": score[True],
           "val_without": score[False]}  # fmt: skip
    if score[True] is None or score[False] is None:
        out["helped"] = None
        out["text"] = f"covariates ({which}): not compared (no validation slice)"
        return out, {}
    out["helped"] = bool(min(trained, key=rank).candidate.exog)
    verb = "helped" if out["helped"] else "did not help"
    out["text"] = (
        f"{which} {verb} on the validation slice: scaled error "
        f"{score[True]:.4g} with, {score[False]:.4g} without"
    )
    return out, best


def spec_of(forecaster) -> CovariateSpec | None:
    """The covariates a forecaster's parameters name (None: none)."""
    from ..io.covariates import covariate_spec

    return covariate_spec(*(getattr(forecaster, k, None) for k in
                            ("futr_exog", "hist_exog", "stat_exog", "calendar",
                             "country")))  # fmt: skip


def frame_parts(data, spec: CovariateSpec):
    """``(dataset, head, rows)`` of ``data`` with covariates: ``head(sizes)``
    is the frame without each series' last ``sizes[i]`` dates (None without
    covariate columns: cut the dataset), ``rows`` the historic and future
    columns at every date (see :func:`use_full`)."""
    from ..io.covariates import head_frame
    from ..io.data import as_dataset

    if not spec.columns:
        return as_dataset(data), None, None
    cols = frame_columns(data, spec)
    ds = target_dataset(cols, spec)
    rows = (read_columns(cols, spec.hist, ds.series),
            read_columns(cols, spec.futr, ds.series))  # fmt: skip
    return ds, (lambda sizes: head_frame(cols, ds.series, sizes)), rows


def backtest_parts(forecaster, data, spec: CovariateSpec, sizes_of):
    """``(dataset, test sizes, training frame, full rows)`` of a backtest with
    covariates: the training frame is ``data``'s rows before each series'
    test points (``sizes_of(lengths)`` says how many; None without covariate
    columns), the full rows as :func:`frame_parts` gives them."""
    ds, head, rows = frame_parts(data, spec)
    sizes = sizes_of([len(s) for s in ds.series])
    return ds, sizes, None if head is None else head(sizes), rows


def use_full(forecaster, ds, rows, futr_df, horizon: int) -> None:
    """Let ``forecaster`` read the covariates at every date of ``ds``
    (``rows``: :func:`backtest_parts`'s) and at the ``horizon`` dates after
    it (from ``futr_df``, needed with future covariates: the forecasts after
    each series' end read them)."""
    from ..io.history import future_dates_of

    names = [s.name for s in ds.series]
    values = [np.asarray(s.values, dtype=np.float64) for s in ds.series]
    dates = {s.name: s.dates for s in ds.series}
    future = future_dates_of(forecaster, names, values, dates, horizon)
    rows = rows if rows is not None else (None, None)
    use_rows(forecaster.covariates_, rows, futr_df, None, forecaster.names_,
             (names, values, dates), future)  # fmt: skip


def use_known(forecaster, ds, rows) -> None:
    """Let ``forecaster`` (fitted on the start of ``ds``'s series) read the
    covariates at every date of ``ds`` and none after (``rows``:
    :func:`frame_parts`'): for forecasts whose dates all lie in ``ds``, as
    cross-validation's windows."""
    cov = forecaster.covariates_
    names = [s.name for s in ds.series]
    lengths = [len(s) for s in ds.series]
    hist, futr = (_empty(r, names, lengths) for r in (rows or (None, None)))
    stat = {n: cov.raw["stat"][n] for n in names}
    cov.use(hist, futr, stat, {s.name: s.dates for s in ds.series})
