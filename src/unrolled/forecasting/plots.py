"""Pictures of a forecast report: history, test actuals, network and naive.

matplotlib is imported inside the function (its Agg canvas, no GUI, no
pyplot state), and the file is written atomically: a crash or Ctrl-C never
leaves half a picture where a good one was.
"""

from __future__ import annotations

from pathlib import Path

from ..storage.figures import check_plot_path


def plot_report(report, path, context: int = 48) -> Path:
    """Draw one panel per series and write it to ``path`` (png, pdf or svg).

    Each panel shows the last ``context`` training points, the test actuals,
    the network's and naive's rolling one-step forecasts over the test part,
    and the network's forecast of the next value(s).

    Parameters
    ----------
    report : unrolled.forecasting.backtest.Report
    path : str or path-like
    context : int
        Training points shown before the test part.

    Returns
    -------
    pathlib.Path
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from ..storage.atomic import atomic_path

    path = check_plot_path(path)
    n = len(report.series)
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    fig = Figure(figsize=(6.5 * cols, 2.8 * rows), layout="constrained")
    FigureCanvasAgg(fig)
    for k, s in enumerate(report.series):
        ax = fig.add_subplot(rows, cols, k + 1)
        x = s.dates if s.dates is not None else range(len(s.values))
        lo = max(0, s.n_train - context)
        ax.plot(x[lo : s.n_train], s.values[lo : s.n_train], color="0.4", lw=1.2,
                label="history")  # fmt: skip
        test = slice(s.n_train, s.n_train + s.n_test)
        joined = slice(max(0, s.n_train - 1), s.n_train + s.n_test)
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
        ax.tick_params(labelsize=7)
        if k == 0:
            ax.legend(fontsize=7, loc="best")
    fig.suptitle(
        f"Rolling one-step forecasts ({report.frequency}, seed {report.seed})",
        fontsize=10,
    )
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lower().lstrip("."), dpi=110)
    return path


def _next_positions(x, h: int):
    """Positions of the ``h`` values after the last one (dates or integers)."""
    if isinstance(x, range):
        return list(range(len(x), len(x) + h))
    step = x[-1] - x[-2] if len(x) > 1 else None
    if step is None:
        return list(range(h))
    return [x[-1] + step * (i + 1) for i in range(h)]
