"""Intervals that cover what they say, multi-step scores, cross_validation, sklearn."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.ensemble.intervals import (
    MIN_RESIDUALS,
    Calibration,
    check_levels,
    growth,
    quantile,
)
from unrolled.forecasting.evaluation.backtest import backtest
from unrolled.forecasting.evaluation.cross_validation import cross_validation
from unrolled.forecasting.evaluation.report import pooled_coverage
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict
from unrolled.forecasting.models.baselines import make_baseline

QUICK = dict(hidden=8, window=12, lr=0.01, scaling="diff", epochs=8, patience=3,
             ensemble=1)  # fmt: skip


def random_walks(n_series=40, n=80, seed=0):
    rng = np.random.default_rng(seed)
    return from_dict(
        {f"rw{k}": 100 + np.cumsum(rng.standard_normal(n)) for k in range(n_series)},
        freq="YS",
    )


def ar1(n_series=40, n=80, phi=0.6, seed=1):
    rng = np.random.default_rng(seed)
    out = {}
    for k in range(n_series):
        y = np.zeros(n + 20)
        e = rng.standard_normal(n + 20)
        for t in range(1, n + 20):
            y[t] = phi * y[t - 1] + e[t]
        out[f"ar{k}"] = 10 + y[20:]
    return from_dict(out, freq="YS")


@pytest.mark.parametrize("make", [random_walks, ar1], ids=["random walk", "AR(1)"])
def test_80_and_95_percent_intervals_cover_close_to_nominal(make):
    report = backtest(Forecaster(**QUICK, seed=0), make(), test=12, level=[80, 95])
    for method in ("ensemble", "naive"):
        cov80, _, n = pooled_coverage(report, method, "80")
        cov95, _, _ = pooled_coverage(report, method, "95")
        assert n == 480
        assert abs(cov80 - 0.80) < 0.06, (method, cov80)
        assert abs(cov95 - 0.95) < 0.04, (method, cov95)
    # the network's interval on a random walk is about naive's, not wider
    rel = pooled_coverage(report, "ensemble", "80")[1]
    assert 0.8 < rel < 1.25


def test_a_step_with_too_few_residuals_pools_the_others_and_says_so():
    rng = np.random.default_rng(3)
    ds = from_dict({"one": 50 + np.cumsum(rng.standard_normal(60))}, freq="YS")
    fc = Forecaster(**QUICK, seed=0).fit(ds)  # 12 validation points, one series
    res = fc.calibration_.residuals["ensemble"]
    assert [len(r) for r in res] == list(range(12, 0, -1))
    out = fc.predict(14, level=[80, 95])  # 14: beyond the validation slice too
    assert out.filter(like="-lo-").notna().all().all()
    assert out.filter(like="-hi-").notna().all().all()
    # steps 1-3 (12, 11, 10 residuals) keep their own 80% quantile
    unit = np.mean(np.abs(np.diff(ds.series[0].values[: fc.n_train_["one"]])))
    for k in (1, 2, 3):
        own = quantile(res[k - 1], 80) * unit
        assert out["ensemble-hi-80"][k - 1] - out["ensemble"][k - 1] == pytest.approx(
            own
        )
    # the pooled steps: wider with the step, the 95% band around the 80% one
    w80 = (out["ensemble-hi-80"] - out["ensemble"]).to_numpy()
    w95 = (out["ensemble-hi-95"] - out["ensemble"]).to_numpy()
    assert (np.diff(w80[3:]) > 0).all() and (w95 >= w80).all()
    assert any("80% interval at step(s) 4-14 pools" in n for n in fc.interval_notes_)
    assert any("95% interval at step(s) 1-14 pools" in n for n in fc.interval_notes_)
    assert not any(n.startswith("no ") for n in fc.interval_notes_)
    assert quantile(np.ones(MIN_RESIDUALS - 1), 50) is None


def test_only_a_pool_too_small_for_the_level_leaves_no_interval():
    steps = [np.ones(5), np.ones(4), np.ones(3)]  # 12 residuals in all
    cal = Calibration({"ensemble": steps})
    assert cal.width("ensemble", 2, 80) == pytest.approx(2**0.5)  # sqrt law, pooled
    assert cal.width("ensemble", 2, 95) is None  # 95% needs 19
    assert cal.missing("ensemble", 3, [80, 95]) == [
        "no 95% interval from step 1: the validation slice gave 12 residual(s) "
        "over all steps, 19 are needed"
    ]


def test_the_growth_law_is_fitted_on_the_steps_with_enough_residuals():
    steps = [np.full(20, 2.0 * k**0.8) for k in range(1, 6)] + [np.ones(3)]
    assert growth(steps) == pytest.approx(0.8)
    cal = Calibration({"ensemble": steps})
    assert cal.width("ensemble", 3, 80) == pytest.approx(2.0 * 3**0.8)  # its own
    # step 6: its 3 residuals are too few; the pool (scaled to k=1: 2.0) * 6**0.8
    assert cal.width("ensemble", 6, 80) == pytest.approx(2.0 * 6**0.8)


@pytest.mark.parametrize("bad", [[0], [100], [80, 80], ["x"], [-5], [True]])
def test_a_bad_level_is_refused_naming_it(bad):
    with pytest.raises(ValueError, match="level"):
        check_levels(bad)


def test_every_step_ahead_is_scored_for_every_method():
    ds = random_walks(n_series=3, n=60, seed=5)
    report = backtest(Forecaster(**QUICK, seed=0), ds, test=8, horizon=3, level=[80])
    s = report.series[0]
    assert all(0 <= st["coverage-80"] <= 1 for st in s.steps["ensemble"])
    v, cut = s.values, s.n_train
    assert [len(s.steps[m]) for m in ("ensemble", "naive", "mean")] == [3, 3, 3]
    # naive's 2-step forecast from origin o is v[o - 1], scored at o + 1
    pos = np.arange(cut, len(v) - 1)
    expected = np.mean(np.abs(v[pos + 1] - v[pos - 1]))
    assert s.steps["naive"][1]["mae"] == pytest.approx(expected)
    assert s.steps["ensemble"][0]["mae"] == pytest.approx(s.metrics["ensemble"]["mae"])
    text = " ".join(report.format().split())  # the prose is wrapped to 80 columns
    assert "per step ahead" in text and "ensemble 80% held" in text


@pytest.mark.parametrize("refit", [False, True])
def test_cross_validation_agrees_with_a_hand_rolled_loop_over_cutoffs(refit):
    ds = random_walks(n_series=2, n=50, seed=7)
    h, n_windows, step = 3, 3, 2
    cv = cross_validation(Forecaster(**QUICK, seed=0), ds, h=h, n_windows=n_windows,
                          step_size=step, refit=refit)  # fmt: skip
    assert list(cv.columns[:5]) == ["unique_id", "ds", "cutoff", "y", "ensemble"]
    assert len(cv) == 2 * n_windows * h
    fc = None
    for w in range(n_windows):
        stop = 50 - h - (n_windows - 1 - w) * step
        head = {s.name: s.values[:stop] for s in ds.series}
        head_ds = from_dict(head, freq="YS")
        if fc is None or refit:
            fc = Forecaster(**QUICK, seed=0).fit(head_ds)
        mine = fc.predict(h, head_ds)
        for s in ds.series:
            rows = cv[(cv.unique_id == s.name) & (cv.cutoff == s.dates[stop - 1])]
            assert rows["ds"].tolist() == list(s.dates[stop : stop + h])
            np.testing.assert_array_equal(rows["y"], s.values[stop : stop + h])
            np.testing.assert_allclose(
                rows["ensemble"], mine[mine.unique_id == s.name]["ensemble"], rtol=1e-12
            )
            drift = make_baseline("drift").fit(s.values[:stop]).predict(h)
            np.testing.assert_allclose(rows["drift"], drift)


def test_the_cross_validation_method_leaves_the_forecaster_unfitted():
    fc = Forecaster(**QUICK, seed=0)
    cv = fc.cross_validation(random_walks(2, 40), h=2, n_windows=2, level=[80])
    assert len(cv) == 8 and "ensemble-lo-80" in cv.columns
    assert not hasattr(fc, "members_")


def test_cross_validation_refuses_a_series_too_short_for_its_windows():
    with pytest.raises(ValueError, match=r"'rw0'.*too short.*n_windows=5"):
        cross_validation(Forecaster(**QUICK), random_walks(1, 10), h=4, n_windows=5)


def test_predict_returns_a_long_frame_with_future_dates_and_intervals():
    ds = random_walks(n_series=3, n=60, seed=2)
    fc = Forecaster(**QUICK, seed=0).fit(ds)
    out = fc.predict(2, level=[80])
    assert out.columns.tolist() == ["unique_id", "ds", "ensemble", "ensemble-lo-80",
                                    "ensemble-hi-80"]  # fmt: skip
    last = ds.series[0].dates[-1]
    assert out["ds"].iloc[0].year == last.year + 1
    assert (out["ensemble-lo-80"] < out["ensemble"]).all()
    assert (out["ensemble"] < out["ensemble-hi-80"]).all()


def test_sklearn_clone_get_and_set_params_round_trip():
    base = pytest.importorskip("sklearn.base")
    fc = Forecaster(hidden=8, cell="lstm", seed=4, select="best")
    copy = base.clone(fc)
    assert copy is not fc and copy.get_params() == fc.get_params()
    assert fc.set_params(hidden=16) is fc and fc.hidden == 16
    with pytest.raises(ValueError, match="unknown parameter 'hidden_units'"):
        fc.set_params(hidden_units=3)
    assert repr(Forecaster(seed=4)) == "Forecaster(seed=4)"


def test_a_report_is_a_few_lines_and_a_table_in_jupyter():
    ds = random_walks(n_series=2, n=40, seed=9)
    report = backtest(Forecaster(**QUICK, seed=0), ds, test=6, level=[80])
    assert repr(report).count("\n") == 0 and len(repr(report)) < 200
    frame = report.to_frame()
    assert {"unique_id", "method", "mae", "mase", "coverage-80"} <= set(frame.columns)
    assert len(frame) == 2 * 5 and "<table" in report._repr_html_()
    doc = report.to_json()
    assert doc["config"]["scaling"] == "diff" and doc["verdict"]
    assert len(doc["series"][0]["test"]["ensemble"]) == 6


def test_plot_returns_a_figure_draws_into_given_axes_and_shows_the_bands(tmp_path):
    from matplotlib.figure import Figure

    from unrolled.forecasting.evaluation.plots import plot_report

    ds = random_walks(n_series=2, n=40, seed=9)
    report = backtest(Forecaster(**QUICK, seed=0), ds, test=6, level=[80])
    fig = plot_report(report, tmp_path / "p.png")
    assert isinstance(fig, Figure) and (tmp_path / "p.png").stat().st_size > 0
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("date") and ax.get_ylabel() == "rw0"
    labels = fig.legends[0].get_texts()
    labels = [t.get_text() for t in labels]
    assert "history cut" in labels and "ensemble 80% interval" in labels
    mine = Figure()
    axes = mine.subplots(1, 2)
    assert plot_report(report, ax=axes) is mine and axes[1].get_title()


def test_the_report_says_in_words_when_an_interval_covers_too_little():
    from unrolled.forecasting.evaluation.report import Report, SeriesResult

    m = {"mae": 1.0, "rmse": 1.0, "mape": 1.0, "mase": 1.0, "direction": 0.5}
    s = SeriesResult("A", 10, 100, 1.0, [1.0], {"ensemble": m, "naive": m}, None,
                     np.ones(110))  # fmt: skip
    c = {"coverage": 0.61, "width": 2.0, "relative": 1.0, "n": 100}
    s.coverage = {"ensemble": {"80": c}, "naive": {"80": dict(c, coverage=0.79)}}
    text = Report([s], "monthly", 0, {}, levels=["80"]).format()
    assert "The ensemble's 80% interval held 61% of the test points." in text


def test_the_cli_gives_bounds_at_every_requested_step_on_monthly_data(tmp_path, capsys):
    import pandas as pd

    from unrolled.cli import run

    out = tmp_path / "f.csv"
    argv = ["forecast", "--data", "co2", "--horizon", "12", "--level", "80", "95",
            "--out", str(out), "-q"]  # fmt: skip
    assert run(argv) == 0
    frame = pd.read_csv(out)
    assert len(frame) == 12 and frame.filter(like="-lo-").shape[1] == 2
    assert frame.notna().all().all()  # the long steps pool: bounds at every step
    assert (
        (frame.filter(like="-lo-95") < frame.filter(like="-lo-80").values).all().all()
    )
    text = " ".join(capsys.readouterr().out.split())
    assert "95% interval at step(s)" in text and "pools every step's residuals" in text
