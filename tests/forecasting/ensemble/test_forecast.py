"""The forecasting estimator and the backtest: contract, leakage, skill, files."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.evaluation.backtest import (
    backtest,
    evaluate_fitted,
    split_sizes,
)
from unrolled.forecasting.forecaster import (
    Forecaster,
    NotFittedError,
    Transform,
    windows,
)
from unrolled.forecasting.io.data import from_dict
from unrolled.forecasting.models.scalings import (
    SCALINGS,
    SEASONAL,
    make_transform,
    transform_from_dict,
)
from unrolled.storage.models import ModelFileError, save_model

FAST = dict(hidden=8, window=12, lr=0.03, scaling="diff", epochs=60, patience=10)


def seasonal(seed=0, lengths=(96, 72, 120, 40), noise=0.1):
    """Sine with a 12-step season, a trend and a little noise: known structure."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, n in enumerate(lengths):
        t = np.arange(n)
        phase, amp, slope = (
            rng.uniform(0, 6.28),
            rng.uniform(1, 3),
            rng.uniform(0, 0.05),
        )
        y = 10 + slope * t + amp * np.sin(2 * np.pi * t / 12 + phase)
        out[f"s{k}"] = y + noise * rng.standard_normal(n)
    return from_dict(out, freq="MS")


def ar2(seed=0, lengths=(150, 100, 120), phi=(1.5, -0.75)):
    """Autoregressive pseudo-cycles (period about 12) driven by noise."""
    rng = np.random.default_rng(seed)
    out = {}
    for k, n in enumerate(lengths):
        y, e = np.zeros(n + 50), rng.standard_normal(n + 50)
        for t in range(2, n + 50):
            y[t] = phi[0] * y[t - 1] + phi[1] * y[t - 2] + e[t]
        out[f"ar{k}"] = 20 + y[50:]
    return from_dict(out, freq="YS")


def mean_mase(report, method):
    return float(np.mean([s.metrics[method]["mase"] for s in report.series]))


# ------------------------------------------------------------------ pieces
def test_windows_cover_every_input_and_short_series_is_one_window():
    assert windows(5, 24, 6) == [(0, 4)]
    assert windows(30, 12, 6) == [(17, 29), (11, 23), (5, 17), (0, 12)]
    w = windows(100, 24, 6)
    covered = set().union(*(range(a, b) for a, b in w))
    assert covered == set(range(99)) and all(b - a == 24 for a, b in w)


@pytest.mark.parametrize("scaling", SCALINGS)
def test_transform_round_trips_and_fits_on_what_it_is_given(scaling):
    y = np.array([10.0, 12.0, 11.0, 15.0, 14.0, 18.0, 16.0, 19.0, 17.0, 21.0])
    season = 2 if scaling in SEASONAL else None
    t = make_transform(scaling, season=season).fit(y[:8])
    # targets -> invert gives back the true next values (once defined)
    targets = t.targets(y)
    # a smoothing's states are set from its first two seasons: exact from then on
    first = t.defined - 1 if scaling in ("es", "loges", "hw", "loghw") else t.lag
    back = [t.invert(targets[k], y[: k + 1]) for k in range(first, len(y) - 1)]
    np.testing.assert_allclose(back, y[first + 1 :], rtol=1e-12)
    # fitted on the first eight points only: the later ones change nothing
    t2 = make_transform(scaling, season=season).fit(y[:8].copy())
    assert t.to_dict() == t2.to_dict()
    if scaling == "minmax":  # fitted on 10..19
        np.testing.assert_allclose(t.features(y)[:4, 0], [0, 2 / 9, 1 / 9, 5 / 9])
        assert t.features(y)[9, 0] == pytest.approx(11 / 9)  # beyond 1: no leak
    assert transform_from_dict(t.to_dict(), "s").to_dict() == t.to_dict()


def test_a_seasonal_scaling_on_a_series_shorter_than_three_seasons_is_refused():
    with pytest.raises(ValueError, match=r"'s'.*'sdiff'.*3 seasons"):
        Transform("sdiff", "s", season=12).fit(np.arange(30.0))
    with pytest.raises(ValueError, match=r"'sdiff'.*season length"):
        Transform("sdiff", "s")


def test_logdiff_refuses_non_positive_values_naming_the_series():
    with pytest.raises(ValueError, match=r"'bad'.*positive.*-1"):
        Transform("logdiff", "bad").fit(np.array([3.0, 2.0, -1.0]))


def test_split_keeps_two_training_points_per_series():
    assert split_sizes([123, 68, 14, 3], 12) == [12, 12, 12, 1]
    with pytest.raises(ValueError, match="test"):
        split_sizes([10], 0)


# ---------------------------------------------------------------- contract
def test_init_stores_arguments_and_predict_before_fit_is_a_clear_error():
    fc = Forecaster(hidden=5, cell="lstm", seed=3)
    assert fc.get_params()["hidden"] == 5 and fc.get_params()["cell"] == "lstm"
    assert not [k for k in vars(fc) if k.endswith("_")]
    with pytest.raises(NotFittedError, match="not fitted yet: call fit"):
        fc.predict(1, {"a": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="cell"):
        Forecaster(cell="transformer").fit({"a": np.arange(10.0)})
    with pytest.raises(ValueError, match="hidden"):
        Forecaster(hidden=0).fit({"a": np.arange(10.0)})


def test_fit_returns_self_with_learned_state_and_keeps_every_series():
    data = {"long": np.sin(np.arange(60) / 2) + 5, "short": np.array([5.0, 5.5, 5.2])}
    fc = Forecaster(**FAST, seed=0)
    assert fc.fit(data) is fc
    assert fc.names_ == ["long", "short"] and fc.n_train_ == {"long": 60, "short": 3}
    assert set(fc.members_[0].transforms) == {"long", "short"}
    assert len(fc.members_) == 1  # every argument given: nothing to search
    assert fc.config_["window"] == 12 and fc.config_["epochs"] >= 1
    out = fc.predict(2)
    assert out.columns.tolist() == ["unique_id", "ds", "ensemble"]
    assert out["unique_id"].tolist() == ["long", "long", "short", "short"]
    assert np.all(np.isfinite(out["ensemble"]))


def test_horizon_feeds_forecasts_back_in():
    fc = Forecaster(**FAST, seed=0).fit(seasonal())
    one = fc.predict(1).set_index("unique_id")["ensemble"]
    three = fc.predict(3).groupby("unique_id")["ensemble"].apply(list)
    for name in one.index:
        assert three[name][0] == one[name]
    # step 2 is the one-step forecast from the history extended by step 1
    hist = {n: np.append(v, three[n][0]) for n, v in fc.history_.items()}
    two = fc.predict(1, from_dict(hist, freq="MS"))
    assert two["ensemble"][0] == pytest.approx(three["s0"][1], rel=1e-12)


# ----------------------------------------------------------------- leakage
def test_rolling_origin_never_sees_the_future():
    ds = seasonal()
    fc = Forecaster(**FAST, seed=0)
    report = backtest(fc, ds, test=12)
    first = {s.name: s.forecasts["ensemble"][0] for s in report.series}
    # scramble every test point after the first origin: the forecast made at
    # the first origin (and the scalers) must not move
    changed = {
        s.name: np.concatenate(
            [s.values[: s.n_train + 1], s.values[s.n_train + 1 :] * 3]
        )
        for s in report.series
    }
    again = evaluate_fitted(fc, from_dict(changed, freq="MS"), test=12)
    for s in again.series:
        assert s.forecasts["ensemble"][0] == first[s.name]
        assert s.forecasts["naive"][0] == s.values[s.n_train - 1]


def test_scalers_are_fitted_on_the_training_part_only():
    ds = seasonal(lengths=(60, 48))
    fc = Forecaster(**dict(FAST, scaling="diff+level"), val_size=12, seed=0)
    backtest(fc, ds, test=12)
    for s in ds.series:
        fit_part = s.values[: len(s) - 12 - 12]  # minus test, minus validation
        lvl = fc.members_[0].transforms[s.name].level
        assert lvl.shift == fit_part.min()
        assert lvl.scale == pytest.approx(fit_part.max() - fit_part.min())


# ------------------------------------------------------------------- skill
def test_network_beats_every_baseline_on_a_clean_seasonal_series():
    report = backtest(Forecaster(**FAST, seed=0), seasonal(), test=12)
    net = mean_mase(report, "ensemble")
    for b in ("naive", "drift", "seasonal_naive", "mean"):
        assert net < 0.8 * mean_mase(report, b), (b, net, mean_mase(report, b))
    assert net < 0.6


def test_network_beats_naive_on_ar2_cycles():
    fc = Forecaster(**dict(FAST, hidden=16, lr=0.01, window=24), seed=0)
    report = backtest(fc, ar2(), test=12)
    assert mean_mase(report, "ensemble") < 0.85 * mean_mase(report, "naive")


def test_auto_search_picks_on_validation_and_records_every_candidate():
    fc = Forecaster(epochs=25, patience=5, seed=1)
    fc.fit(seasonal(lengths=(46, 40)))
    # short series, 21 validation points: three searches, seeds 1, 2 and 3
    assert fc.config_["searches"] == 3
    assert [c.seed for c in fc.search_] == sorted(c.seed for c in fc.search_)
    assert {c.seed for c in fc.search_} == {1, 2, 3}
    networks = [m for m in fc.members_ if not m.refits]
    for seed in (1, 2, 3):
        tried = [c for c in fc.search_ if c.seed == seed]
        keys = [c.key() for c in tried]
        assert len(keys) == len(set(keys)) >= 7
        # parts of 35 and 30 points, < 3 seasons: no seasonal scaling (with
        # one of 48, half the group, there would be); positive and
        # level-stationary:
        # the log changes and the levels
        assert {k[0] for k in keys} == {"diff", "diff+level", "logdiff",
                                        "logdiff+level"}  # fmt: skip
        # the members: each search's three best on validation and the best
        # of a scaling they lack (the fourth best if they lack none)
        mine = [m.candidate for m in networks if m.candidate.seed == seed]
        ranked = sorted(tried, key=lambda c: c.score)
        taken = {c.scaling for c in ranked[:3]}
        hedge = [c for c in ranked[3:] if c.scaling not in taken] or ranked[3:]
        assert [c.score for c in mine] == [c.score for c in ranked[:3] + hedge[:1]]
    assert len(networks) == 12
    scores = [m.candidate.score for m in networks]
    assert scores == sorted(scores)  # the best first
    # parts of two to three seasons that pass the seasonality test: the
    # classical members too, after the networks
    assert [m.model.scaling for m in fc.members_[12:]] == [
        "logtheta", "loghw", "logairline", "snaive"]  # fmt: skip
    assert fc.config_["hidden"] == fc.members_[0].candidate.hidden
    assert fc.val_score_ < 0.5 * fc.naive_val_score_


def test_the_report_says_which_searches_the_networks_come_from():
    fc = Forecaster(hidden=4, window=8, scaling="diff", epochs=3, seed=5)
    text = " ".join(backtest(fc, seasonal(lengths=(40,)), test=6).format().split())
    assert (  # lr searched on a short series: three searches, seeds 5, 6, 7
        "Ensemble: the mean of 9 networks, the best ones of 3 searches, each with "
        "its own seed, on the validation slice (9 configurations in all); the "
        "best: GRU, 1 layer(s), hidden 4, window 8, scaling diff, lr "
    ) in text
    assert {c.seed for c in fc.search_} == {5, 6, 7}


def test_long_or_many_series_get_one_search():
    """Three searches only where the validation slice is small (the rule)."""
    from unrolled.forecasting.ensemble.plan import searches

    free = dict.fromkeys(("scaling", "hidden", "window", "lr"))
    short, long = [np.ones(100)], [np.ones(150)]
    assert searches(short, [(0, k) for k in range(12)], free) == 3
    assert searches(short * 3, [(0, k) for k in range(36)], free) == 3
    assert searches(short * 4, [(0, k) for k in range(48)], free) == 1
    assert searches(long, [(0, k) for k in range(24)], free) == 1
    assert searches(short, [], free) == 1  # no validation: nothing to search
    given = dict(scaling="diff", hidden=8, window=12, lr=0.01)
    assert searches(short, [(0, k) for k in range(12)], given) == 1


def test_explicit_arguments_are_never_searched():
    fc = Forecaster(hidden=6, window=10, lr=0.02, scaling="minmax", epochs=5)
    fc.fit(seasonal(lengths=(40,)))
    assert len(fc.search_) == 1
    assert fc.config_ | {"epochs": 0} == {
        "scaling": "minmax", "hidden": 6, "window": 10, "lr": 0.02,
        "epochs": 0, "cell": "gru", "layers": 1, "ensemble": 1, "season": None, "ar": 0,
        "searches": 1, "hedged": 0, "theta": 0, "hw": 0, "es": 0, "airline": 0,
        "snaive": 0, "classical_share": 0.0, "huber": None,
        "shares": {"networks": 1.0, "hybrids": 0.0, "classical": 0.0},
    }  # fmt: skip


# ------------------------------------------------------- reproducible, files
def test_same_seed_same_numbers_other_seed_other_numbers():
    ds = seasonal(lengths=(50, 30))
    a = backtest(Forecaster(**FAST, seed=7), ds).to_json()
    b = backtest(Forecaster(**FAST, seed=7), ds).to_json()
    c = backtest(Forecaster(**FAST, seed=8), ds).to_json()
    assert a == b
    assert a["series"][0]["next"] != c["series"][0]["next"]


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_saved_model_reloads_to_identical_predictions(tmp_path, cell):
    ds = seasonal(lengths=(40, 25))
    fc = Forecaster(**dict(FAST, epochs=10), cell=cell, seed=0).fit(ds)
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    assert back.config_ == fc.config_ and back.get_params() == fc.get_params()
    p1, p2 = fc.predict(4, ds, level=[80]), back.predict(4, ds, level=[80])
    assert p1.equals(p2)
    r1, r2 = evaluate_fitted(fc, ds, 6), evaluate_fitted(back, ds, 6)
    assert r1.to_json() == r2.to_json()


def test_an_ensemble_saves_every_member_and_refuses_a_swapped_one(tmp_path):

    ds = seasonal(lengths=(40, 30))
    fc = Forecaster(hidden=6, epochs=4, patience=2, ensemble=3, seed=0).fit(ds)
    # the 3 best of each of 3 searches; a short history (parts of 30 and 22):
    # Theta and exponential smoothing after them (not saved as folders)
    assert len(fc.members_) == 9 + 2 and fc.config_["theta"] == fc.config_["es"] == 1
    fc.save(tmp_path / "m")
    subs = sorted(p.name for p in (tmp_path / "m").glob("member-*"))
    assert len(subs) == 8
    back = Forecaster.load(tmp_path / "m")
    p1, p2 = fc.predict(2, ds), back.predict(2, ds)
    assert p1.equals(p2)
    # the mean of the members, not the best one alone
    values, names = list(fc.history_.values()), list(fc.history_)
    alone = fc.members_[0].one_step(values, [(0, 40)], names)
    assert alone[0] != p1["ensemble"][0]
    # saving another forecaster over it replaces the members, leaves no stale one
    other = Forecaster(hidden=5, epochs=3, patience=2, ensemble=2, seed=1).fit(ds)
    other.save(tmp_path / "m")
    assert len(list((tmp_path / "m").glob("member-*"))) == 5
    assert Forecaster.load(tmp_path / "m").config_ == other.config_
    # a member folder swapped for another one is refused
    fc.save(tmp_path / "m")
    a, b = (tmp_path / "m" / subs[0]), (tmp_path / "m" / subs[1])
    a.rename(tmp_path / "tmp")
    b.rename(a)
    (tmp_path / "tmp").rename(b)
    with pytest.raises(ModelFileError, match="stale or swapped"):
        Forecaster.load(tmp_path / "m")


def test_loading_a_plain_network_is_refused(tmp_path):
    from unrolled import RNN

    save_model(tmp_path / "net", RNN(hidden_size=2, seed=0), {"anything": 1})
    with pytest.raises(ModelFileError, match="not a forecaster"):
        Forecaster.load(tmp_path / "net")


def test_tampered_scalers_are_refused(tmp_path):
    import json

    fc = Forecaster(**dict(FAST, epochs=3), seed=0).fit(seasonal(lengths=(30,)))
    fc.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    doc["metadata"]["members"][0]["transforms"]["s0"]["change"] = None
    from unrolled.storage.files import content_digest

    doc["content_sha256"] = content_digest(doc)  # a careful forger's edit
    (tmp_path / "m" / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="forecaster metadata"):
        Forecaster.load(tmp_path / "m")


def _result(name, net_mae, naive_mae, drift_mae=9.0):
    from unrolled.forecasting.evaluation.backtest import SeriesResult

    m = {"mase": 1.0, "rmse": 1.0, "mape": 1.0, "direction": 0.5}
    metrics = {
        "ensemble": dict(m, mae=net_mae),
        "naive": dict(m, mae=naive_mae),
        "drift": dict(m, mae=drift_mae),
    }
    return SeriesResult(name, 10, 2, 1.0, [1.0], metrics, None, np.ones(12))


def test_verdict_says_plainly_when_the_network_does_not_beat_naive():
    from unrolled.forecasting.evaluation.backtest import Report

    lose = Report([_result("A", 2.0, 1.0), _result("B", 3.0, 2.5)], "monthly", 0, {})
    text = " ".join(lose.verdict())
    assert "does not beat the naive forecast (last value) on any series" in text
    assert "best of all methods on 0 of 2" in text
    near = Report([_result("A", 0.95, 1.0), _result("B", 3.0, 2.5)], "monthly", 0, {})
    text = " ".join(near.verdict())
    assert "beats naive on 1 of 2" in text and "by 5% at most" in text
    far = Report([_result("A", 0.3, 1.0)], "monthly", 0, {})
    assert "leak of the future" not in " ".join(far.verdict())  # not a walk
    far.series[0].random_walk = True
    assert "leak of the future" in " ".join(far.verdict())
    assert "naive was the best on A, B." in " ".join(lose.verdict())
    assert "A" in far.format() and "*: the best MAE of the series" in far.format()


def _members(*pairs):
    from unrolled.forecasting.ensemble.members import Candidate, Member

    return [Member(Candidate(s, 8, 12, 0.01, score), None) for s, score in pairs]


def test_the_last_member_of_an_ensemble_is_the_best_of_another_scaling():
    from unrolled.forecasting.ensemble.choice import hedged, pick

    trained = _members(("loghw", 0.30), ("logsdiff", 0.36), ("loghw", 0.31),
                       ("diff", 0.50), ("loghw", 0.32), ("loghw", 0.33))  # fmt: skip
    picked = [(m.candidate.scaling, m.candidate.score) for m in pick(trained, 4)]
    assert picked == [("loghw", 0.30), ("loghw", 0.31), ("loghw", 0.32),
                      ("logsdiff", 0.36)]  # fmt: skip
    # the best ones span two scalings already: the last is still a third one
    trained = _members(("a", 0.1), ("b", 0.2), ("a", 0.3), ("c", 0.9), ("a", 0.4))
    picked = [m.candidate.scaling for m in pick(trained, 3)]
    assert picked == ["a", "b", "c"]
    # one scaling only, or the other one diverged (NaN): the k best
    one = _members(("diff", 0.4), ("diff", 0.2), ("diff", 0.3), ("diff", 0.1))
    assert [m.candidate.score for m in pick(one, 3)] == [0.1, 0.2, 0.3]
    nan = _members(("diff", 0.4), ("es", float("nan")), ("diff", 0.3), ("diff", 0.1))
    assert [m.candidate.score for m in pick(nan, 3)] == [0.1, 0.3, 0.4]
    # an ensemble of one is the best member
    assert [m.candidate.score for m in pick(trained, 1)] == [0.1]
    two = _members(("a", 1), ("b", 2))
    assert hedged(pick(trained, 3)) and hedged(pick(two, 2))
    assert not hedged(pick(one, 3)) and not hedged(pick(trained, 1))


def test_the_report_names_the_member_of_another_scaling():
    from unrolled.forecasting.evaluation.report import _network_line

    c = {"cell": "gru", "hidden": 16, "window": 24, "scaling": "logdiff",
         "lr": 0.01, "epochs": 37, "ensemble": 4}  # fmt: skip
    assert _network_line({**c, "hedged": 1}, 8).startswith(
        "Ensemble: the mean of 4 of 8 configurations on the validation slice, the 3 "
        "best and the best of another scaling; the best: GRU, 1 layer(s), hidden 16"
    )
    # a model file from before the hedge, or one scaling only: the k best
    assert _network_line(c, 8).startswith("Ensemble: the mean of the 4 best of 8 ")
    three = _network_line({**c, "ensemble": 12, "searches": 3, "hedged": 2}, 24)
    assert "all; in 2 of the searches the last member is the best of another" in three


def test_the_networks_mean_and_each_classical_member_share_by_inverse_error():
    from unrolled.forecasting.ensemble.members import (
        ClassicalMember,
        weigh_by_validation,
    )
    from unrolled.forecasting.models.classical import SeasonalNaive

    # a straight line, naive unit 1: the value m steps back is m units off
    y = np.arange(1.0, 11.0)
    values, names, parts, origins = [y], ["a"], [y[:8]], [(0, 8), (0, 9)]
    # two stand-in networks, 1 and 3 units off: their mean is 2 off
    networks = [ClassicalMember(SeasonalNaive(1)), ClassicalMember(SeasonalNaive(3))]
    classical = [
        ClassicalMember(SeasonalNaive(m)).validate(values, origins, names, parts)
        for m in (2, 4)
    ]
    assert [m.score for m in classical] == [2.0, 4.0]
    weigh_by_validation(networks, classical, values, origins, names, parts)
    # 1/2 : 1/2 : 1/4 for the networks' mean and the two members; the mean of
    # two networks weighing 1 each holds 2, so the members weigh 2 and 1
    assert [m.weight for m in classical] == [2.0, 1.0]
    assert [m.weight for m in networks] == [1.0, 1.0]
    # no validation origins: each classical member as much as all the networks
    weigh_by_validation(networks, classical, values, [], names, parts)
    assert [m.weight for m in classical] == [2.0, 2.0]
