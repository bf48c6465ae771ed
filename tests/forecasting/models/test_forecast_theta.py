"""The Theta method beneath the network: the theta/logtheta scalings."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import validation_weights

from unrolled.forecasting.evaluation.report import _network_line
from unrolled.forecasting.features.seasons import seasonal_steps
from unrolled.forecasting.features.transforms import Transform
from unrolled.forecasting.models.airline import Airline
from unrolled.forecasting.models.residuals import Residuals
from unrolled.forecasting.models.smoothing import Smoothing
from unrolled.forecasting.models.theta import Theta, adjusted, smoothed
from unrolled.storage.files import content_digest
from unrolled.storage.models import ModelFileError


def seasonal(n=96, m=12, seed=0, noise=0.03, walk=0.0):
    """A level (a random walk if ``walk``) plus a fixed season plus noise, logs."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    level = 4.0 + 0.005 * t + np.cumsum(walk * rng.standard_normal(n))
    return level + 0.3 * np.sin(2 * np.pi * t / m) + noise * rng.standard_normal(n)


def test_alpha_one_is_the_last_value_plus_drift_plus_the_seasonal_step():
    b = seasonal()
    for span in (None, 5):
        f = Theta(1.0, 0.01, 12, span).forecasts(b)
        want = b + seasonal_steps(b, 12, span) + 0.01
        np.testing.assert_allclose(f[1:], want, rtol=0, atol=1e-12)
        assert f[0] == b[0]


def test_without_a_season_theta_smooths_the_values_themselves_with_a_drift():
    b = seasonal(noise=0.1)
    theta = Theta(0.3, 0.02, None)
    f = [b[0]]
    for t in range(len(b)):  # f[t + 1] = f[t] + alpha (b[t] - f[t]) + drift
        f.append(f[t] + 0.3 * (b[t] - f[t]) + 0.02)
    np.testing.assert_allclose(theta.forecasts(b)[1:], f[1:], atol=1e-12)
    # the transform: from step 2 on (as es), saved, and still only for Theta
    t = Residuals("logtheta", "s", None).fit(np.exp(b[:-12]))
    assert t.defined == 2 and t.smooth == Theta.fit(b[:-12], None, 1)
    assert t.smooth.season is None and t.to_dict().get("season") is None
    back = Residuals.from_dict(t.to_dict(), "s")
    want = np.exp(t.smooth.forecasts(b)[-1])  # the scaler keeps zero at zero
    assert back.invert(0.0, np.exp(b)) == pytest.approx(want, rel=1e-12)
    with pytest.raises(ValueError, match="'sdiff' of series 's': needs a season"):
        Transform("sdiff", "s", None)


def test_the_forecasts_are_causal():
    b = seasonal()
    theta = Theta.fit(b[:-12], 12, 18)
    full = theta.forecasts(b)
    for k in (40, 60, 95):
        np.testing.assert_allclose(theta.forecasts(b[:k]), full[: k + 1], atol=1e-12)


def test_smoothing_with_a_drift_follows_its_recursion():
    b = seasonal(n=60)
    theta = Theta(0.3, 0.02, 12, None)
    a, s = adjusted(b, 12, None)
    f = [a[0]]
    for t in range(len(a)):  # f[t + 1] = f[t] + alpha (a[t] - f[t]) + drift
        f.append(f[t] + 0.3 * (a[t] - f[t]) + 0.02)
    want = np.array(f[1:]) + (b - a) + s
    np.testing.assert_allclose(theta.forecasts(b)[1:], want, atol=1e-12)


def test_one_smoothing_weight_runs_the_scalar_loop_with_the_grids_bits(monkeypatch):
    """A fitted Theta smooths with one weight through the scalar loop
    (``smoothing.forecasts_one``): each weight gives, to the bit, the column
    that the K-wide loop of the fit's grid gives it, compiled and readable."""
    from unrolled.engine.dispatch import backend
    from unrolled.forecasting.models.smoothing import ALPHAS

    a = seasonal(n=70, noise=0.1)
    alphas = np.array(ALPHAS)
    for mode in ("numba", "numpy"):
        monkeypatch.setattr(backend, "mode", mode)
        wide = smoothed(a, alphas, 0.013)
        for k in range(len(alphas)):
            np.testing.assert_array_equal(smoothed(a, alphas[k : k + 1], 0.013),
                                          wide[:, k : k + 1])  # fmt: skip
        theta = Theta(float(alphas[3]), 0.013, 12, 5)
        b = a + 0.3 * np.sin(np.arange(70))
        got = theta.forecasts(b)
        monkeypatch.setattr(backend, "mode", "numpy")
        np.testing.assert_array_equal(got, theta.forecasts(b))


def test_the_fit_smooths_noise_and_follows_a_walk():
    noisy = Theta.fit(seasonal(noise=0.1), 12, 18)
    walk = Theta.fit(seasonal(noise=0.0, walk=0.05), 12, 18)
    assert noisy.alpha <= 0.2 and walk.alpha >= 0.9
    # half the slope of the seasonally adjusted values (theta 2): 0.005 / 2
    assert noisy.drift == pytest.approx(0.0025, abs=0.001)


def test_a_silent_network_on_theta_errors_forecasts_theta():
    y = np.exp(seasonal())
    t = Residuals("logtheta", "s", 12).fit(y[:-12])
    theta = Theta.fit(np.log(y[:-12]), 12, t.defined - 1)
    assert t.smooth == theta and t.defined == 19
    assert t.change.inverse_transform(np.zeros(1))[0] == 0  # unbiased: no mean added
    for k in range(len(y) - 12, len(y)):
        want = np.exp(theta.forecasts(np.log(y[:k]))[-1])
        assert t.invert(0.0, y[:k]) == pytest.approx(want, rel=1e-12)
    err = np.log(y[19:-12]) - theta.forecasts(np.log(y[:-12]))[19:-1]
    np.testing.assert_allclose(t.targets(y[:-12])[18:], t.change.transform(err))


def test_theta_is_saved_and_a_bad_one_refused():
    t = Residuals("theta", "s", 12).fit(seasonal())
    d = t.to_dict()
    back = Residuals.from_dict(d, "s")
    assert back.smooth == t.smooth and back.to_dict() == d
    theta = d["smoothing"]
    bads = (None, dict(theta, alpha=0), dict(theta, drift="x"),
            dict(theta, drift=float("nan")), dict(theta, drift=1e300),
            dict(theta, span=0), dict(theta, span=True))  # fmt: skip
    for bad in bads:
        with pytest.raises(ValueError, match="series 's': bad Theta parameters"):
            Residuals.from_dict(dict(d, smoothing=bad), "s")


def test_a_theta_forecaster_reloads_to_identical_predictions(tmp_path):
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    ds = from_dict({"a": np.exp(seasonal()), "b": np.exp(seasonal(seed=1))}, freq="MS")
    fc = Forecaster(scaling="logtheta", hidden=4, window=24, epochs=4, seed=0)
    fc.fit(ds)
    assert fc.config_["scaling"] == "logtheta" and fc.config_["season"] == 12
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    assert fc.predict(3, ds, level=[80]).equals(back.predict(3, ds, level=[80]))
    theta = fc.members_[0].transforms["a"].smooth
    assert back.members_[0].transforms["a"].smooth == theta


def test_the_rms_scaler_keeps_zero_at_zero():
    from unrolled.forecasting.features.scaling import (
        RootMeanSquareScaler,
        scaler_from_dict,
    )

    s = RootMeanSquareScaler().fit(np.array([1.0, -1.0, 3.0, -3.0]))
    assert s.transform(np.array([0.0, np.sqrt(5.0)])) == pytest.approx([0.0, 1.0])
    back = scaler_from_dict(s.to_dict())
    assert back.inverse_transform(np.array([1.0]))[0] == pytest.approx(np.sqrt(5.0))
    zeros = RootMeanSquareScaler().fit(np.zeros(3))  # no division by zero
    assert zeros.inverse_transform(np.array([0.0, 1.0])).tolist() == [0.0, 1.0]


def trended(n_series=2, n=120):
    """Growth times a yearly season: the series of the seasonal tests."""
    from unrolled.forecasting.io.data import from_dict

    return from_dict(
        {f"m{k}": np.exp(seasonal(n=n, seed=k)) for k in range(n_series)}, freq="MS"
    )


QUICK = dict(epochs=3, patience=2, seed=0)


def values_of(ds):
    """The values of every series of ``ds``, as arrays."""
    return [np.asarray(s.values) for s in ds.series]


def test_a_seasonal_search_averages_theta_hw_airline_and_snaive_by_validation():
    from unrolled.forecasting.forecaster import Forecaster

    ds = trended()
    fc = Forecaster(**QUICK).fit(ds)
    rounds = fc.config_["searches"]
    classical = fc.members_[-4:]  # one of each, weighed by validation error
    c = fc.config_
    assert c["theta"] == c["hw"] == c["airline"] == c["snaive"] == 1
    assert fc.config_["ensemble"] == 4 * rounds and len(fc.members_) == 4 * rounds + 4
    assert [m.model.scaling for m in classical] == [
        "logtheta", "loghw", "logairline", "snaive"]  # fmt: skip
    assert [m.weight for m in fc.members_[:-4]] == [1.0] * 4 * rounds
    want = validation_weights(fc, values_of(ds))
    np.testing.assert_allclose([m.weight for m in classical], want, rtol=1e-12)
    assert len(set(want)) == 4 and all(0 < w < np.inf for w in want)
    share = sum(want) / (4 * rounds + sum(want))
    assert fc.config_["classical_share"] == pytest.approx(share, abs=5e-5)
    assert all(m.refits and m.kind == "classical" for m in classical)
    assert all(m.candidate.scaling != "logtheta" and m.candidate.hidden > 1
               for m in fc.members_[:-4])  # fmt: skip
    # the forecast: the networks' mean and each classical member in
    # proportion to their weights
    at = [(0, len(ds.series[0].values))]
    nets = np.mean([m.one_step(values_of(ds), at, fc.names_) for m in fc.members_[:-4]],
                   axis=0)  # fmt: skip
    each = [m.one_step(values_of(ds), at, fc.names_) for m in classical]
    total = 4 * rounds + sum(want)
    mixed = sum(w * e for w, e in zip(want, each, strict=True))
    want = (4 * rounds * nets + mixed) / total
    np.testing.assert_allclose(fc.one_step(values_of(ds), at, fc.names_), want,
                               rtol=1e-12)  # fmt: skip
    values = values_of(ds)
    cut = len(values[0]) - 12
    origins = [(i, o) for i in range(2) for o in range(cut, len(values[i]))]
    # the first is the Theta method itself, refitted at every origin on the
    # values before it (as the autos are) ...
    got = classical[0].one_step(values, origins, fc.names_)
    for k, (i, o) in enumerate(origins):
        past = np.log(values[i][:o])
        theta = Theta.fit(past, 12, 18)
        assert got[k] == pytest.approx(np.exp(theta.forecasts(past)[-1]))
    # ... the second Holt-Winters, plus its mean one-step error there (centred)
    got = classical[1].one_step(values, origins, fc.names_)
    for k, (i, o) in enumerate(origins):
        past = np.log(values[i][:o])
        hw = Smoothing.fit(past, 12)
        bias = np.mean(past[24:] - hw.forecasts(past)[24:-1])  # from step 2m
        assert got[k] == pytest.approx(np.exp(hw.forecasts(past)[-1] + bias))
    # ... the third the airline model (its errors are its own fit's: not centred)
    got = classical[2].one_step(values, origins, fc.names_)
    for k, (i, o) in enumerate(origins):
        past = np.log(values[i][:o])
        want = np.exp(Airline.fit(past, 12).forecasts(past)[-1])
        assert got[k] == pytest.approx(want, rel=1e-12)
    # ... the fourth seasonal naive: the value one season back, exactly
    got = classical[3].one_step(values, origins, fc.names_)
    np.testing.assert_array_equal(got, [values[i][o - 12] for i, o in origins])
    # a path of h steps refits once, at its origin: the later steps read the
    # forecasts fed back, with the parameters of the values before them
    from unrolled.forecasting.ensemble.intervals import paths

    two = paths(classical[1].one_step, values, [(0, cut)], fc.names_, 2)[0]
    past = np.log(values[0][:cut])
    hw = Smoothing.fit(past, 12)
    bias = np.mean(past[24:] - hw.forecasts(past)[24:-1])
    first = hw.forecasts(past)[-1] + bias
    assert two[0] == pytest.approx(np.exp(first))
    assert two[1] == pytest.approx(np.exp(hw.forecasts(np.append(past, first))[-1]
                                          + bias))  # fmt: skip
    line = _network_line(fc.config_, len(fc.search_))
    assert ("), and the Theta method, Holt-Winters, the airline model and seasonal "
            "naive as four more members, weighed against the networks by validation "
            f"error ({share:.0%} of the forecast);") in line  # fmt: skip


def test_no_classical_member_for_a_given_scaling_one_network_or_no_season():
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    ds = trended()
    for fc in (Forecaster(scaling="logdiff", **QUICK), Forecaster(ensemble=1, **QUICK)):
        config = fc.fit(ds).config_
        assert config["theta"] == config["hw"] == 0
    rng = np.random.default_rng(4)
    walks = {f"r{k}": 100 + np.cumsum(rng.standard_normal(120)) for k in range(2)}
    fc = Forecaster(**QUICK).fit(from_dict(walks, freq="MS"))
    assert fc.config_["theta"] == fc.config_["hw"] == 0 and fc.config_["season"] is None


def test_without_validation_each_method_weighs_the_same():
    from unrolled.forecasting.forecaster import Forecaster

    fc = Forecaster(val_size=0, **QUICK).fit(trended())
    nets = [m for m in fc.members_ if not m.refits]
    assert len(fc.members_) - len(nets) == 4  # Theta, Holt-Winters, airline, snaive
    k = float(len(nets))
    assert [m.weight for m in fc.members_ if m.refits] == [k, k, k, k / 2]
    assert fc.config_["classical_share"] == pytest.approx(7 / 9, abs=1e-4)


def test_a_season_over_24_steps_gets_theta_and_airline_without_holt_winters():
    from unrolled.forecasting.ensemble.plan import classical_members, seasonal_scalings
    from unrolled.forecasting.models.classical import Airline, SeasonalNaive, Theta

    rng = np.random.default_rng(0)
    t = np.arange(200)
    y = 100 + 20 * np.sin(2 * np.pi * t / 48) + rng.standard_normal(200)
    assert "loghw" not in seasonal_scalings([y], 48)  # as the search's (ets())
    assert classical_members([y], 48) == (
        Theta(48, log=True), Airline(48, log=True), SeasonalNaive(48))  # fmt: skip
    assert classical_members([y], 24) == ()  # no season of 24 there


def test_the_report_names_the_theta_member():
    c = {"cell": "gru", "hidden": 16, "window": 24, "scaling": "logdiff+sa",
         "lr": 0.01, "epochs": 37, "ensemble": 4, "hedged": 1, "theta": 1}  # fmt: skip
    assert _network_line(c, 9).startswith(
        "Ensemble: the mean of 4 of 9 configurations on the validation slice, the 3 "
        "best and the best of another scaling, and the Theta method as one more "
        "member; the best: GRU"
    )
    assert "slice, and the Theta method as one more member; the best" in _network_line(
        {**c, "hedged": 0}, 9
    )
    assert "Theta" not in _network_line({**c, "theta": 0}, 9)
    both = _network_line({**c, "hw": 1}, 9)
    assert "scaling, and the Theta method and Holt-Winters as two more members;" in both
    weighed = _network_line({**c, "hw": 1, "classical_share": 0.4321}, 9)
    assert ("Holt-Winters as two more members, weighed against the networks by "
            "validation error (43% of the forecast); the best") in weighed  # fmt: skip


def test_a_forecaster_with_a_theta_member_reloads_to_identical_predictions(tmp_path):
    from unrolled.forecasting.forecaster import Forecaster

    ds = trended()
    fc = Forecaster(**QUICK).fit(ds)
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    assert back.config_["theta"] == fc.config_["theta"] > 0
    assert back.config_["hw"] == fc.config_["hw"] > 0
    assert [m.weight for m in back.members_] == [m.weight for m in fc.members_]
    assert back.members_[-1].weight != 1 and back.members_[-1].refits
    assert fc.predict(3, ds, level=[80]).equals(back.predict(3, ds, level=[80]))
    # a weight that is not a positive number is refused
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    members = doc["metadata"]["members"]
    assert "weight" not in members[0]  # 1: not written
    assert [m.name for m in back.members_] == [m.name for m in fc.members_]
    assert members[-1]["classical"] == {"model": "SeasonalNaive", "season": 12,
                                        "log": False}  # fmt: skip
    assert "classical" not in members[0] and doc["metadata"]["version"] == 2
    for key, bad in [("weight", b) for b in (0, -1.0, "3", True, None)]:
        saved = members[-1][key]
        members[-1][key] = bad
        doc["content_sha256"] = content_digest(doc)  # a careful forger's edit
        (tmp_path / "m" / "model.json").write_text(json.dumps(doc))
        with pytest.raises(ModelFileError, match=f"bad member {key}"):
            Forecaster.load(tmp_path / "m")
        members[-1][key] = saved


def smooth_season(n=60, seed=0):
    """Four or five years of a smooth yearly swing through noise (like mdeaths)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 30 * np.sin(2 * np.pi * t / 12) + 8 * rng.standard_normal(n)


def test_a_strong_season_that_fails_the_test_gets_the_classical_members_alone():
    from unrolled.forecasting.ensemble.plan import classical_members, seasonal_scalings
    from unrolled.forecasting.features.seasons import seasonal_strength
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    y = smooth_season()
    part = y[:48]  # the training part of the forecaster below
    assert seasonal_scalings([part], 12) == ()  # the autocorrelation test fails
    assert seasonal_strength(np.log(part), 12) > 0.9
    assert [(k.scaling, k.season) for k in classical_members([part], 12)] == [
        ("logtheta", 12), ("loghw", 12), ("logairline", 12),
        ("snaive", 12)]  # fmt: skip
    assert [(k.scaling, k.season) for k in classical_members([part - 200], 12)] == [
        ("theta", 12), ("hw", 12), ("airline", 12), ("snaive", 12)]  # fmt: skip
    # 2-3 seasons: the test alone (it fails here), not the strength
    assert seasonal_strength(np.log(part[:30]), 12) > 0.9
    # (a short history: Theta and smoothing without a season, as on any)
    assert [k.season for k in classical_members([part[:30]], 12)] == [None, None]
    fc = Forecaster(**QUICK).fit(from_dict({"d": y}, freq="MS"))
    assert fc.config_["season"] is None  # no seasonal scaling searched ...
    assert fc.config_["theta"] == fc.config_["hw"] == 1  # ... but the classical
    np.testing.assert_allclose([m.weight for m in fc.members_[-4:]],  # members
                               validation_weights(fc, [y]), rtol=1e-12)  # fmt: skip


def test_the_seasonal_strength_of_random_walks_stays_under_the_bound():
    from unrolled.forecasting.ensemble.plan import (
        MIN_STRENGTH,
        classical_members,
        seasonal_scalings,
    )
    from unrolled.forecasting.features.seasons import seasonal_strength

    rng = np.random.default_rng(0)
    walks = np.cumsum(rng.standard_normal((200, 100)), axis=1)
    strengths = [seasonal_strength(w, 12) for w in walks]
    assert max(strengths) < MIN_STRENGTH and np.median(strengths) < 0.3
    for m in (4, 12):  # the strength adds no classical member to a refused walk
        refused = [w for w in walks[:50] if not seasonal_scalings([w], m)]
        assert len(refused) >= 40
        seasons = {k.season for w in refused for k in classical_members([w], m)}
        assert seasons <= {None}  # no seasonal member (es's pair: plan rule)
    t = np.arange(100)
    assert seasonal_strength(np.sin(2 * np.pi * t / 12), 12) == pytest.approx(1.0)
    assert seasonal_strength(np.ones(100), 12) == 0.0  # no variance: no season
    assert seasonal_strength(np.ones(20), 12) == 0.0  # too short to decompose


def test_a_series_with_negative_values_gets_the_additive_classical_members():
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    y = 20 * (seasonal(n=120) - 4.3)  # a season around zero: no logs
    assert (y < 0).any() and (y > 0).any()
    fc = Forecaster(**QUICK).fit(from_dict({"s": y}, freq="MS"))
    classical = [m.model.scaling for m in fc.members_[-4:]]
    assert classical == ["theta", "hw", "airline", "snaive"]
    assert fc.config_["theta"] == fc.config_["hw"] == 1
    assert np.isfinite(fc.predict(3, from_dict({"s": y}, freq="MS"))["ensemble"]).all()


def test_two_to_three_seasons_get_the_classical_members_by_the_test_alone():
    """Parts of 24-35 monthly points: the classical members where the
    seasonality test passes; the seasonal strength, which random walks of
    that length often push above 0.9, is not asked."""
    from unrolled.forecasting.ensemble.plan import classical_members, seasonal_test
    from unrolled.forecasting.features.seasons import seasonal_strength
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    rng = np.random.default_rng(0)
    profile = 20 * rng.standard_normal(12)  # a jagged season, as USAccDeaths'
    y = 100 + np.tile(profile, 4)[:45] + 3 * rng.standard_normal(45)
    part = y[:30]
    assert seasonal_test(part, 12)
    assert [(k.scaling, k.season) for k in classical_members([part], 12)] == [
        ("logtheta", 12), ("loghw", 12), ("logairline", 12),
        ("snaive", 12)]  # fmt: skip

    def seasonal(p):
        return any(k.season is not None for k in classical_members([p], 12))

    assert not seasonal(part[:23])  # under two seasons
    walks = [np.cumsum(rng.standard_normal(30)) for _ in range(200)]
    strong = sum(seasonal_strength(w, 12) > 0.64 for w in walks)
    members = sum(map(seasonal, walks))
    assert strong > 40 and members <= 4  # the strength would pass a fifth or more
    fc = Forecaster(**QUICK).fit(from_dict({"d": y[:-6]}, freq="MS"))
    assert fc.config_["season"] is None  # no seasonal network under three seasons
    assert (fc.config_["theta"], fc.config_["hw"], fc.config_["airline"]) == (1, 1, 1)
