"""Pictures a person would show: what the figures hold, checked on the Figure.

Every method visible (naive drawn above the network), the legend outside the
panels, the unit where the data say it, the horizon in the title, future
forecasts with their bands, where a cut history starts, ``plot`` for
``predict``'s output, and an image (not a repr) when Jupyter displays one.
"""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.evaluation.backtest import backtest
from unrolled.forecasting.evaluation.plots import plot, plot_report
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict, load_bundled

QUICK = dict(hidden=8, window=12, lr=0.01, scaling="diff", epochs=8, patience=3,
             ensemble=1)  # fmt: skip


@pytest.fixture(scope="module")
def report():
    ds = load_bundled("co2")
    return backtest(Forecaster(**QUICK, seed=0), ds, test=6, horizon=3, level=[80, 95])


def _line(ax, label):
    return next(x for x in ax.get_lines() if x.get_label() == label)


def test_the_report_figure_a_person_would_show(report, tmp_path):
    fig = plot_report(report, tmp_path / "r.png")
    ax = fig.axes[0]
    assert "next 3 values" in fig._suptitle.get_text()
    assert "one-step" in fig._suptitle.get_text().lower()
    assert ax.get_legend() is None and len(fig.legends) == 1  # below the panels
    legend_box = fig.legends[0].get_window_extent()
    assert legend_box.y1 <= ax.get_window_extent().y0  # under the data, not on it
    net, naive = _line(ax, "ensemble"), _line(ax, "naive")
    assert naive.get_zorder() > net.get_zorder()
    assert naive.get_linestyle() != net.get_linestyle()
    assert naive.get_color() != net.get_color()
    assert ax.get_ylabel() == "co2 (ppm)"
    assert "the series starts 1965-01-01" in ax.get_xlabel()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "next: 80% interval" in labels and "next: 95% interval" in labels
    s = report.series[0]
    lo, hi = s.future["95"]
    assert len(lo) == 3 and (lo < np.asarray(s.horizon)).all()
    assert (np.asarray(s.horizon) < hi).all()


def test_the_whole_history_is_drawn_when_asked(report):
    fig = plot_report(report, context=None)
    ax = fig.axes[0]
    assert len(_line(ax, "history").get_xdata()) == report.series[0].n_train
    assert ax.get_xlabel() == "date"


def test_plot_draws_predicts_output_with_every_band():
    ds = from_dict({"a": 50 + np.cumsum(np.random.default_rng(1).normal(size=70)),
                    "b": 20 + np.cumsum(np.random.default_rng(2).normal(size=60))},
                   freq="MS")  # fmt: skip
    fc = Forecaster(**QUICK, seed=0).fit(ds)
    out = fc.predict(12, level=[80, 95])
    assert out.filter(like="-lo-").notna().all().all()
    fig = plot(ds, out)
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel() == "a"  # no fake unit
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == [
        "history",
        "ensemble 95% interval",
        "ensemble 80% interval",
        "ensemble",
    ]
    assert len(_line(fig.axes[1], "history").get_xdata()) == 60
    assert plot(ds, out, level=[80], unit="kg").axes[0].get_ylabel() == "a (kg)"
    with pytest.raises(ValueError, match="level"):
        plot(ds, out, level=[90])


def test_jupyter_displays_the_figures_as_images(report):
    from IPython.core.formatters import DisplayFormatter

    fmt = DisplayFormatter()
    data, _ = fmt.format(plot_report(report))
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data["image/png"]) > 10_000
