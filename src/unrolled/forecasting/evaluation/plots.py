"""Pictures of forecasts: a report's backtest (:func:`plot_report`) and
``predict``'s output (:func:`plot`).

matplotlib is imported inside the functions (a bare :class:`Figure` with the
Agg canvas: no GUI, no pyplot state); they return the Figure, which Jupyter
shows inline (it has ``_repr_png_``), draw into the ``ax`` given if any, and
write the file atomically when a path is given: a crash or Ctrl-C never
leaves half a picture where a good one was.

What a person can read off them: the legend sits outside the data, below
the panels; naive's dashed blue line is drawn above the ensemble's, so both
stay visible where they agree; the y axis names the unit where the data say
it and only the series' name otherwise; future forecasts carry their bands;
where the history is cut for room, the x label says where the series starts.
"""

from __future__ import annotations

from ...errors import InputError
from ...storage.figures import check_plot_path, new_figure, save_figure

NET = {"color": "tab:red", "lw": 1.8, "marker": "s", "ms": 3, "zorder": 3}
NAIVE = {"color": "tab:blue", "lw": 1.2, "ls": (0, (4, 2)), "marker": "x",
         "ms": 4, "zorder": 4}  # fmt: skip
ACTUAL = {"color": "black", "lw": 1.4, "marker": "o", "ms": 3, "zorder": 5}
HISTORY = {"color": "0.35", "lw": 1.1, "zorder": 2}


def plot_report(report, path=None, context: int | None = 48, ax=None):
    """One panel per series: history, test actuals, forecasts, intervals, future.

    Each panel shows the training part (its last ``context`` points; the x
    label says where the series starts when it is cut), a dotted line where
    the history was cut, the test actuals, the ensemble's and naive's rolling
    one-step forecasts over the test part with the ensemble's interval bands
    (when the report has levels), and the forecasts of the next values with
    their bands.

    Parameters
    ----------
    report : unrolled.forecasting.evaluation.report.Report
    path : str or path-like, optional
        Write the figure there (png, pdf or svg).
    context : int or None
        Training points shown before the test part; None: all of them.
    ax : matplotlib Axes or sequence of Axes, optional
        Draw into these (one per series) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    path = check_plot_path(path) if path is not None else None
    n = len(report.series)
    h = max(len(s.horizon) for s in report.series)
    ahead = "the next value" if h == 1 else f"the next {h} values"
    title = (
        f"One-step forecasts from every test origin and {ahead} "
        f"({report.frequency}, seed {report.seed})"
    )
    fig, axes = _axes(n, ax, title)
    for k, s in enumerate(report.series):
        _panel(axes[k], s, report.levels, context, getattr(report, "unit", None))
    _legend(fig, axes, ax is None)
    if path is not None:
        save_figure(fig, path, dpi=110)
    return fig


def plot(df, forecasts, level=None, path=None, context: int | None = None,
         unit: str | None = None, ax=None):  # fmt: skip
    """History and ``predict``'s forecasts with their bands, one panel per series.

    Parameters
    ----------
    df : Dataset, DataFrame, dict or array
        The history the forecasts continue (anything the Forecaster takes).
    forecasts : pandas.DataFrame
        :meth:`Forecaster.predict`'s output: ``unique_id, ds``, a point
        column, and ``<point>-lo-<level>, <point>-hi-<level>`` bounds.
    level : sequence of float, optional
        The bands to draw; default every level ``forecasts`` has.
    path : str or path-like, optional
        Write the figure there (png, pdf or svg).
    context : int or None
        History points shown before the forecasts; None: all of them.
    unit : str, optional
        The values' unit for the y label; default the data's, if they say it.
    ax : matplotlib Axes or sequence of Axes, optional
        Draw into these (one per series) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from ..ensemble.intervals import check_levels, level_name
    from ..io.data import as_dataset

    path = check_plot_path(path) if path is not None else None
    ds = as_dataset(df)
    point = _point_column(forecasts)
    levels = check_levels(level) if level is not None else _levels(forecasts, point)
    names = [s.name for s in ds.series if (forecasts["unique_id"] == s.name).any()]
    if not names:
        raise InputError("forecasts: no unique_id matches a series of df")
    title = (
        f"Forecasts of the next {forecasts.groupby('unique_id').size().max()} values"
    )
    fig, axes = _axes(len(names), ax, title)
    for k, name in enumerate(names):
        s, part = ds[name], forecasts[forecasts["unique_id"] == name]
        a = axes[k]
        x = s.dates if s.dates is not None else range(len(s.values))
        lo = _history(a, x, s.values, context)
        bands = {}
        for lv in levels:
            key = f"{point}-lo-{level_name(lv)}"
            if key not in part:
                raise InputError(f"level: forecasts has no column {key!r}")
            hi = part[f"{point}-hi-{level_name(lv)}"]
            bands[level_name(lv)] = (part[key].to_numpy(), hi.to_numpy())
        when = part["ds"].to_numpy()
        _bands(a, when, bands, point)
        a.plot([x[-1], *when], [s.values[-1], *part[point]], label=point, **NET)
        _labels(a, s.name, s.dates is not None, unit or ds.unit, lo, s.dates)
        a.set_title(s.name, fontsize=9)
    _legend(fig, axes, ax is None)
    if path is not None:
        save_figure(fig, path, dpi=110)
    return fig


def _axes(n: int, ax, title: str):
    """(figure, list of n axes): new panels, or the ``ax`` given."""
    if ax is None:
        cols = 1 if n == 1 else 2
        rows = -(-n // cols)
        fig = new_figure((6.5 * cols, 3.0 * rows + 0.6))
        axes = [fig.add_subplot(rows, cols, k + 1) for k in range(n)]
        fig.suptitle(title, fontsize=10)
        return fig, axes
    axes = list(ax) if hasattr(ax, "__iter__") else [ax]
    if len(axes) < n:
        raise InputError(f"ax: expected {n} axes (one per series), got {len(axes)}")
    return axes[0].figure, axes


def _legend(fig, axes, own: bool) -> None:
    """One legend for the figure, below the panels (outside the data); beside
    the first panel when drawing into a figure of the caller's."""
    handles, labels = axes[0].get_legend_handles_labels()
    if own:
        fig.legend(handles, labels, loc="outside lower center", ncols=4, fontsize=7,
                   frameon=False)  # fmt: skip
    else:
        axes[0].legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1),
                       fontsize=7, frameon=False)  # fmt: skip


def _history(ax, x, values, context) -> int:
    """Draw the history at ``x`` (its last ``context`` points); the first shown."""
    lo = 0 if context is None else max(0, len(values) - context)
    ax.plot(x[lo:], values[lo:], label="history", **HISTORY)
    return lo


def _bands(ax, x, bands: dict, who: str) -> None:
    for lv in sorted(bands, key=float, reverse=True):
        lo, hi = bands[lv]
        ax.fill_between(x, lo, hi, color="tab:red", lw=0, zorder=1,
                        alpha=0.12 if float(lv) > 90 else 0.25,
                        label=f"{who} {lv}% interval")  # fmt: skip


def _labels(ax, name, dated: bool, unit, first: int, dates) -> None:
    """Axis labels: the unit where known; where the history shown starts."""
    xlabel = "date" if dated else "step"
    if first > 0:
        start = str(dates[0])[:10] if dated else "step 0"
        xlabel += f" (history shown from point {first + 1}; the series starts {start})"
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(f"{name} ({unit})" if unit else str(name), fontsize=8)
    ax.tick_params(labelsize=7)


def _panel(ax, s, levels, context, unit) -> None:
    """One series' panel of a report."""
    x = s.dates if s.dates is not None else range(len(s.values))
    lo = _history(ax, x[: s.n_train], s.values[: s.n_train], context)
    test = slice(s.n_train, s.n_train + s.n_test)
    joined = slice(max(0, s.n_train - 1), s.n_train + s.n_test)
    ax.axvline(x[s.n_train - 1], color="0.5", ls=":", lw=1, label="history cut")
    ens = getattr(s, "ensemble", "ensemble")
    _bands(ax, x[test], {lv: s.intervals[ens][lv] for lv in levels
                         if lv in s.intervals.get(ens, {})}, ens)  # fmt: skip
    ax.plot(x[joined], s.values[joined], label="actual", **ACTUAL)
    ax.plot(x[test], s.forecasts[ens], label=ens, **NET)
    ax.plot(x[test], s.forecasts["naive"], label="naive", **NAIVE)
    ahead = _next_positions(x, len(s.horizon))
    future = getattr(s, "future", {}) or {}
    for lv in sorted(future, key=float, reverse=True):
        f_lo, f_hi = future[lv]
        ax.fill_between(ahead, f_lo, f_hi, color="tab:purple", lw=0, zorder=1,
                        alpha=0.12 if float(lv) > 90 else 0.25,
                        label=f"next: {lv}% interval")  # fmt: skip
    ax.plot(ahead, s.horizon, color="tab:purple", marker="*", ms=8, ls=":",
            zorder=6, label="next")  # fmt: skip
    m = s.metrics
    ax.set_title(
        f"{s.name}: MASE {ens} {m[ens]['mase']:.3g}, naive {m['naive']['mase']:.3g}",
        fontsize=9,
    )
    _labels(ax, s.name, s.dates is not None, unit, lo, s.dates)


def _point_column(forecasts) -> str:
    """The point forecast's column of a ``predict`` frame (the one without a
    ``-lo-``/``-hi-`` suffix besides ``unique_id``, ``ds``, ``y``, ``cutoff``)."""
    if not hasattr(forecasts, "columns") or not {"unique_id", "ds"} <= set(
        forecasts.columns
    ):
        raise InputError("forecasts: expected predict's DataFrame (unique_id, ds, ...)")
    cols = [c for c in forecasts.columns
            if c not in ("unique_id", "ds", "y", "cutoff")
            and "-lo-" not in c and "-hi-" not in c]  # fmt: skip
    if len(cols) != 1:
        raise InputError(f"forecasts: expected one point column, got {cols}")
    return cols[0]


def _levels(forecasts, point: str) -> list[float]:
    pre = f"{point}-lo-"
    return sorted(float(c[len(pre) :]) for c in forecasts.columns if c.startswith(pre))


def _next_positions(x, h: int):
    """Positions of the ``h`` values after the last one (dates or integers)."""
    if isinstance(x, range):
        return list(range(len(x), len(x) + h))
    step = x[-1] - x[-2] if len(x) > 1 else None
    if step is None:
        return list(range(h))
    return [x[-1] + step * (i + 1) for i in range(h)]
