"""Pictures of a forecast report: history, test actuals, network, naive, intervals.

matplotlib is imported inside the function (a bare :class:`Figure` with the
Agg canvas: no GUI, no pyplot state); the function returns the Figure, draws
into the ``ax`` given if any, and writes the file atomically when a path is
given: a crash or Ctrl-C never leaves half a picture where a good one was.
"""

from __future__ import annotations

from ..errors import InputError
from ..storage.figures import check_plot_path, new_figure, save_figure


def plot_report(report, path=None, context: int = 48, ax=None):
    """One panel per series: where the history was cut, test, forecasts, intervals.

    Each panel shows the last ``context`` training points, a dotted line where
    the history was cut, the test actuals, the network's and naive's rolling
    one-step forecasts over the test part, the network's interval bands
    (when the report has levels), and the forecast of the next value(s).
    Axes are labelled (date, value in the series' units).

    Parameters
    ----------
    report : unrolled.forecasting.report.Report
    path : str or path-like, optional
        Write the figure there (png, pdf or svg).
    context : int
        Training points shown before the test part.
    ax : matplotlib Axes or sequence of Axes, optional
        Draw into these (one per series) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    path = check_plot_path(path) if path is not None else None
    n = len(report.series)
    if ax is None:
        cols = 1 if n == 1 else 2
        rows = -(-n // cols)
        fig = new_figure((6.5 * cols, 3.0 * rows))
        axes = [fig.add_subplot(rows, cols, k + 1) for k in range(n)]
        fig.suptitle(
            f"Rolling one-step forecasts ({report.frequency}, seed {report.seed})",
            fontsize=10,
        )
    else:
        axes = list(ax) if hasattr(ax, "__iter__") else [ax]
        if len(axes) < n:
            raise InputError(f"ax: expected {n} axes (one per series), got {len(axes)}")
        fig = axes[0].figure
    for k, s in enumerate(report.series):
        _panel(axes[k], s, report.levels, context, legend=k == 0)
    if path is not None:
        save_figure(fig, path, dpi=110)
    return fig


def _panel(ax, s, levels, context: int, legend: bool) -> None:
    """One series' panel."""
    x = s.dates if s.dates is not None else range(len(s.values))
    lo = max(0, s.n_train - context)
    ax.plot(x[lo : s.n_train], s.values[lo : s.n_train], color="0.4", lw=1.2,
            label="history")  # fmt: skip
    test = slice(s.n_train, s.n_train + s.n_test)
    joined = slice(max(0, s.n_train - 1), s.n_train + s.n_test)
    ax.axvline(x[s.n_train - 1], color="0.5", ls=":", lw=1, label="history cut")
    for lv in sorted(levels, key=float, reverse=True):
        band = s.intervals.get("rnn", {}).get(lv)
        if band is not None:
            ax.fill_between(x[test], band[0], band[1], color="tab:red",
                            alpha=0.12 if float(lv) > 90 else 0.22, lw=0,
                            label=f"network {lv}% interval")  # fmt: skip
    ax.plot(x[joined], s.values[joined], color="black", lw=1.6, marker="o", ms=3,
            label="actual")  # fmt: skip
    ax.plot(x[test], s.forecasts["rnn"], color="tab:red", lw=1.4, marker="s",
            ms=3, label="network")  # fmt: skip
    ax.plot(x[test], s.forecasts["naive"], color="tab:blue", lw=1.0, ls="--",
            label="naive")  # fmt: skip
    ahead = _next_positions(x, len(s.horizon))
    ax.plot(ahead, s.horizon, color="tab:red", marker="*", ms=9, ls=":",
            label="next")  # fmt: skip
    m = s.metrics
    ax.set_title(
        f"{s.name}: MASE network {m['rnn']['mase']:.3g}, "
        f"naive {m['naive']['mase']:.3g}",
        fontsize=9,
    )
    ax.set_xlabel("date" if s.dates is not None else "step", fontsize=8)
    ax.set_ylabel(f"{s.name} (series units)", fontsize=8)
    ax.tick_params(labelsize=7)
    if legend:
        ax.legend(fontsize=7, loc="best")


def _next_positions(x, h: int):
    """Positions of the ``h`` values after the last one (dates or integers)."""
    if isinstance(x, range):
        return list(range(len(x), len(x) + h))
    step = x[-1] - x[-2] if len(x) > 1 else None
    if step is None:
        return list(range(h))
    return [x[-1] + step * (i + 1) for i in range(h)]
