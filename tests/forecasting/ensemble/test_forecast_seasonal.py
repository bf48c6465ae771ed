"""Seasonal structure the search can choose, and only where the validation says so."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.ensemble.plan import (
    HUBER,
    classical_members,
    huber_delta,
    seasonal_scalings,
    seasonal_test,
)
from unrolled.forecasting.evaluation.backtest import backtest
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict
from unrolled.forecasting.models.residuals import Residuals
from unrolled.forecasting.models.scalings import SEASONAL

QUICK = dict(epochs=15, patience=5, seed=0)


def multiplicative(n_series=3, n=120, seed=0):
    """Trend times a yearly season (amplitude grows with the level), log-noise."""
    rng = np.random.default_rng(seed)
    out = {}
    for k in range(n_series):
        t = np.arange(n)
        level = 50 + rng.uniform(0.5, 2) * t
        season = 1 + 0.3 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6))
        out[f"m{k}"] = level * season * np.exp(0.03 * rng.standard_normal(n))
    return from_dict(out, freq="MS")


def walks(n_series=3, n=120, seed=4):
    rng = np.random.default_rng(seed)
    return from_dict(
        {f"r{k}": 100 + np.cumsum(rng.standard_normal(n)) for k in range(n_series)},
        freq="MS",
    )


def mean_mase(report, method):
    return np.mean([s.metrics[method]["mase"] for s in report.series])


def test_multiplicative_seasonality_gets_a_seasonal_scaling_that_beats_seasonal_naive():
    report = backtest(Forecaster(**QUICK), multiplicative(), test=12)
    assert report.config["scaling"] in SEASONAL and report.config["season"] == 12
    assert report.config["scaling"].startswith("log")  # positive, growing
    assert mean_mase(report, "ensemble") < 0.7 * mean_mase(report, "seasonal_naive")
    assert "(season 12)" in report.format()
    assert report.config["huber"] == HUBER  # a season: Huber's loss, said so
    assert "epoch(s), Huber's loss (delta 1.0)." in report.format()


def test_a_random_walk_gets_no_seasonal_scaling():
    report = backtest(Forecaster(**QUICK), walks(), test=12)
    assert report.config["season"] is None
    assert report.config["scaling"] not in SEASONAL
    assert "season" not in report.format().split("\n")[1]
    assert report.config["huber"] is None  # no season: the SSR
    assert "Huber" not in report.format()


def test_the_snaive_scaling_is_seasonal_naive_when_the_network_is_silent():
    rng = np.random.default_rng(0)
    y = 100 + 10 * np.sin(2 * np.pi * np.arange(40) / 12) + rng.standard_normal(40)
    tf = Residuals("snaive", "s", season=12).fit(y[:24])  # two seasons suffice
    for t in (24, 31, 40):
        assert tf.invert(0.0, y[:t]) == y[t - 12]
    d = y[12:24] - y[:12]  # its changes are scaled, not centred
    rms = np.sqrt(np.mean(d**2))
    assert tf.invert(0.5, y[:30]) == pytest.approx(y[18] + 0.5 * rms, rel=1e-12)
    back = Residuals.from_dict(tf.to_dict(), "s")
    assert back.invert(0.5, y[:30]) == tf.invert(0.5, y[:30])
    with pytest.raises(ValueError, match=r"'s'.*'snaive' needs 2 seasons"):
        Residuals("snaive", "s", season=12).fit(y[:23])
    with pytest.raises(ValueError, match=r"'snaive'.*season length"):
        Residuals("snaive", "s")


def test_huber_auto_follows_the_season_and_a_given_delta_is_kept():
    parts = [s.values[:-12] for s in multiplicative().series]
    seasonal, unknown = classical_members(parts, 12), classical_members(parts, None)
    walk = classical_members([s.values[:-12] for s in walks().series], 12)
    assert huber_delta(seasonal, "auto") == HUBER == 1.0
    assert huber_delta(walk, "auto") is None
    assert huber_delta(unknown, "auto") is None  # no season length
    assert huber_delta(walk, 0.5) == 0.5 and huber_delta(seasonal, None) is None


def test_the_seasonal_candidates_follow_the_written_rules():
    ds = multiplicative()
    parts = [s.values[:-12] for s in ds.series]
    logs = ("logdiff+lag", "logsdiff", "logdiff+sa", "loghw")
    assert seasonal_scalings(parts, 12) == logs
    minus = [p - 200 for p in parts]
    assert seasonal_scalings(minus, 12) == ("diff+lag", "sdiff", "diff+sa", "hw")
    assert seasonal_scalings(parts, None) == ()  # yearly: no season
    t = np.arange(48 * 8)  # half-hours: no Holt-Winters for a season of 48
    noise = np.random.default_rng(0).standard_normal(len(t))
    day = [100 + 20 * np.sin(2 * np.pi * t / 48) + noise]
    assert seasonal_scalings(day, 48) == logs[:-1]
    assert seasonal_scalings([p[:30] for p in parts], 12) == ()  # < 3 seasons
    assert not any(seasonal_test(s.values, 12) for s in walks().series)


@pytest.mark.parametrize(
    "scaling, data, message",
    [
        ("sdiff", {"short": np.arange(1.0, 31.0)}, r"'short'.*'sdiff'.*3 seasons"),
        ("logsdiff", {"neg": np.sin(np.arange(60.0))}, r"'neg'.*'logsdiff'.*positive"),
    ],
)
def test_an_explicit_seasonal_or_log_scaling_that_cannot_work_names_the_series(
    scaling, data, message
):
    fc = Forecaster(scaling=scaling, epochs=2, hidden=4, window=8, lr=0.01)
    with pytest.raises(ValueError, match=message):
        fc.fit(from_dict(data, freq="MS"))


def test_select_best_forecasts_with_the_validated_winner_and_says_so():
    rng = np.random.default_rng(2)
    noise = from_dict({f"n{k}": 5 + rng.standard_normal(60) for k in range(3)},
                      freq="MS")  # fmt: skip
    fc = Forecaster(**QUICK, select="best", hidden=4, window=8, lr=0.01)
    report = backtest(fc, noise, test=6)
    scores = dict(fc.baseline_val_scores_, ensemble=fc.val_score_)
    assert fc.selected_ == min(scores, key=scores.get)
    out = fc.predict(2)
    if fc.selected_ != "ensemble":  # a baseline won validation: its forecasts are given
        from unrolled.forecasting.models.baselines import make_baseline

        want = make_baseline(fc.selected_, "monthly").fit(fc.history_["n0"])
        np.testing.assert_allclose(out["ensemble"][:2], want.predict(2))
        assert f"On the validation slice {fc.selected_} beat the ensemble" in (
            report.format()
        )
        assert report.to_json()["selected"] == fc.selected_


def test_the_report_says_before_the_scores_when_a_baseline_won_validation():
    from unrolled.forecasting.evaluation.report import Report, SeriesResult

    m = {"mae": 1.0, "rmse": 1.0, "mape": 1.0, "mase": 1.0, "direction": 0.5}
    s = SeriesResult(
        "A", 10, 2, 1.0, [1.0], {"ensemble": m, "naive": m}, None, np.ones(12)
    )
    r = Report(
        [s], "monthly", 0, {}, validation={"ensemble": 0.9, "seasonal_naive": 0.5}
    )
    text = r.format()
    line = "On the validation slice seasonal_naive beat the ensemble."
    assert line in text and text.index(line) < text.index("MAE")
    assert r.to_json()["validation_winner"] == "seasonal_naive"


def test_the_default_validation_slice_grows_on_a_single_long_series_only():
    from unrolled.forecasting.ensemble.plan import validation_sizes

    assert validation_sizes([297], None) == [24]  # one long series: 24 points
    assert validation_sizes([111] * 5, None) == [12] * 5  # 60 origins already
    assert validation_sizes([88], None) == [12]  # short: keeps its windows
    assert validation_sizes([297], 12) == [12]  # explicit: as given
    assert validation_sizes([160, 40], None) == [14, 10]  # a quarter at most


def test_many_random_walks_do_not_pass_the_seasonality_rule_by_chance():
    rng = np.random.default_rng(0)  # as benchmarks/scale.py writes them
    steps = rng.normal(0.0003, 0.02, size=(1000, 964))
    walks_ = list(100 * np.exp(np.cumsum(steps, axis=1)))
    passed = sum(seasonal_test(w, 5) for w in walks_)
    assert passed > 50  # more than 5% of them pass one by one ...
    assert seasonal_scalings(walks_, 5) == ()  # ... which is chance, not a season
    ds = multiplicative()  # three seasonal series among many walks: a season
    mixed = [s.values[:-12] for s in ds.series] + walks_[:3]
    assert seasonal_scalings(mixed, 12) == ("logdiff+lag", "logsdiff", "logdiff+sa",
                                            "loghw")  # fmt: skip


def test_validation_prepares_the_windows_once_and_scores_the_weights_of_now():
    from unrolled.forecasting.ensemble.members import ValidationStop

    ds = multiplicative(n_series=2)
    fc = Forecaster(**QUICK).fit(ds)
    values = [np.asarray(s.values) for s in ds.series]
    parts = [v[:-12] for v in values]
    origins = [(i, o) for i in range(2) for o in range(len(parts[i]), len(values[i]))]
    for member in fc.members_:
        if member.refits:  # a classical model: no network to score
            continue
        stop = ValidationStop(member, values, origins, fc.names_, parts, 5, None)
        first = stop.errors()
        truth = np.array([values[i][o] for i, o in origins])
        unit = np.array([np.mean(np.abs(np.diff(parts[i]))) for i, _ in origins])
        direct = member.one_step(values, origins, fc.names_)
        np.testing.assert_array_equal(first, np.abs(direct - truth) / unit)
        state = member.model.state_dict()  # new weights: the same windows,
        state["head.bias"] = state["head.bias"] + 0.5  # another forecast
        member.model.load_state_dict(state)
        again = stop.errors()
        assert stop.prepared is not None and not np.array_equal(again, first)
        direct = member.one_step(values, origins, fc.names_)
        np.testing.assert_array_equal(again, np.abs(direct - truth) / unit)
        stop.release()  # the packed windows and the tape buffers
        assert stop.prepared is None and "_workspace" not in member.model.__dict__
