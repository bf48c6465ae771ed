"""The first search stage's scalings: logs for positive series, levels if stationary."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import validation_weights

from unrolled.forecasting.ensemble.plan import KPSS_5, first_scalings, kpss, smooths


def cycles(n_series=3, n=110, seed=0):
    """Positive log-AR(2) population cycles (level-stationary on the log scale)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_series):
        z, e = np.zeros(n + 50), 0.25 * rng.standard_normal(n + 50)
        for t in range(2, n + 50):
            z[t] = 1.3 * z[t - 1] - 0.75 * z[t - 2] + e[t]
        out.append(1000 * np.exp(z[50:]))
    return out


def walks(n_series=3, n=300, seed=0):
    """Positive random walks of the log (prices)."""
    rng = np.random.default_rng(seed)
    return [100 * np.exp(np.cumsum(0.02 * rng.standard_normal(n)))
            for _ in range(n_series)]  # fmt: skip


def test_kpss_is_statsmodels_statistic_and_tells_a_walk_from_noise():
    rng = np.random.default_rng(1)
    noise, walk = rng.normal(size=120), np.cumsum(rng.normal(size=300))
    # statsmodels.tsa.stattools.kpss(y, "c", nlags=int(4 * (n / 100) ** 0.25))
    assert kpss(noise) == pytest.approx(0.0438333267076610, rel=1e-12)
    assert kpss(walk) == pytest.approx(4.707414616498951, rel=1e-12)
    assert kpss(noise) < KPSS_5 < kpss(walk)
    assert kpss(np.ones(20)) == np.inf  # constant: no variance, not stationary


def test_positive_series_get_log_changes_and_stationary_ones_their_level():
    assert first_scalings(cycles(), ()) == (
        "diff", "diff+level", "logdiff", "logdiff+level"
    )  # fmt: skip
    # random walks: their level says nothing of the next change
    assert first_scalings(walks(), ()) == ("diff", "logdiff")
    # a value <= 0: no logs
    signed = [c - 1000 for c in cycles()]
    assert first_scalings(signed, ()) == ("diff", "diff+level")
    # a season brings its own log scalings; the plain logs stay out
    seasonal = ("logdiff+lag", "logsdiff", "logdiff+sa")
    assert first_scalings(cycles(), seasonal) == ("diff", "diff+level", *seasonal)


def levels(n_series=2, n=100, seed=3):
    """A level that wanders slowly, seen through noise three times its steps."""
    rng = np.random.default_rng(seed)
    return [500 + np.cumsum(10 * rng.standard_normal(n)) + 30 * rng.standard_normal(n)
            for _ in range(n_series)]  # fmt: skip


def test_short_noisy_levels_get_exponential_smoothing_and_walks_do_not():
    # the local-level model with q = 1/9: smoothing weighs the newest value 0.28
    assert smooths(levels(), logs=True)
    assert first_scalings(levels(), ())[-1] == "loges"
    assert first_scalings([p - 600 for p in levels()], ())[-1] == "es"
    # random walks: smoothing is the last value (alpha 1), which diff starts from
    assert not smooths(walks(n=100), logs=True)
    assert "loges" not in first_scalings(walks(n=100), ())
    # long series learn their level themselves
    assert "loges" not in first_scalings(levels(n=200), ())


def test_the_search_tries_the_logs_on_population_cycles_and_beats_naive():
    from unrolled.forecasting.evaluation.backtest import backtest
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    data = from_dict({f"pop{k}": c for k, c in enumerate(cycles())}, freq="YS")
    fc = Forecaster(seed=0)
    report = backtest(fc, data, test=12)
    tried = {c.scaling for c in fc.search_}
    assert {"logdiff", "logdiff+level", "diff+level"} <= tried
    ratio = [
        s.metrics["ensemble"]["mae"] / s.metrics["naive"]["mae"] for s in report.series
    ]
    assert np.mean(ratio) < 0.8  # naive is poor on a cycle (0.61 measured)


def test_where_the_search_tries_es_theta_and_the_smoothing_are_two_more_members(
    tmp_path,
):
    from unrolled.forecasting.ensemble.plan import classical_members
    from unrolled.forecasting.evaluation.report import _network_line
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict
    from unrolled.forecasting.models.classical import ExponentialSmoothing, Theta
    from unrolled.forecasting.models.smoothing import Smoothing
    from unrolled.forecasting.models.theta import Theta as ThetaMethod

    # the same rule as the search's es candidate (the test above), no season
    logs = (Theta(None, log=True), ExponentialSmoothing(None, log=True))
    assert classical_members(levels(), None) == logs
    assert classical_members(levels(), 12) == classical_members(levels(), None)
    negative = [p - 600 for p in levels()]
    assert classical_members(negative, None) == (Theta(), ExponentialSmoothing())
    assert classical_members(walks(n=100), None) == ()
    assert classical_members(levels(n=200), None) == ()
    values = levels()
    ds = from_dict({"a": values[0], "b": values[1]}, freq="YS")
    fc = Forecaster(epochs=3, patience=2, seed=0).fit(ds)
    fc.save(tmp_path / "m")  # the seasonless Theta saves and reloads
    assert Forecaster.load(tmp_path / "m").predict(3).equals(fc.predict(3))
    assert fc.config_["theta"] == fc.config_["es"] == 1 and fc.config_["hw"] == 0
    classical = fc.members_[-2:]  # one of each, weighed by validation error
    assert [m.model for m in classical] == list(logs)  # no season
    np.testing.assert_allclose([m.weight for m in classical],
                               validation_weights(fc, values), rtol=1e-12)  # fmt: skip
    assert len(fc.members_) == fc.config_["ensemble"] + 2
    # refitted at every origin on the values before it: Theta itself; the
    # smoothing plus its mean one-step error there (from step 2, the first
    # whose forecast is defined)
    assert all(m.refits for m in classical) and not any(
        m.refits for m in fc.members_[:-2]
    )
    cut = len(values[0]) - 12
    origins = [(i, o) for i in range(2) for o in range(cut, len(values[i]))]
    theta = classical[0].one_step(values, origins, fc.names_)
    es = classical[1].one_step(values, origins, fc.names_)
    for k, (i, o) in enumerate(origins):
        past = np.log(values[i][:o])
        want = np.exp(ThetaMethod.fit(past, None, 1).forecasts(past)[-1])
        assert theta[k] == pytest.approx(want, rel=1e-12)
        smooth = Smoothing.fit(past, None)
        bias = np.mean(past[2:] - smooth.forecasts(past)[2:-1])
        want = np.exp(smooth.forecasts(past)[-1] + bias)
        assert es[k] == pytest.approx(want, rel=1e-12)
    line = _network_line(fc.config_, len(fc.search_))
    share = fc.config_["classical_share"]
    assert ("), and the Theta method and exponential smoothing as two more members, "
            f"weighed against the networks by validation error ({share:.0%} of the "
            "forecast);") in line  # fmt: skip
