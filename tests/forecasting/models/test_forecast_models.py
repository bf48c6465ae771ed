"""Forecasting methods are models of one contract, and the ensemble is a list of them.

The classical methods (``unrolled.forecasting.models.classical``) fit one
history and forecast a path; in the ensemble they are refitted before every
origin. A member on logs leaves a recursive path's combination where the path
reached a value <= 0 (the crash of issue 40 item 6 and issue 42), and the
report says so.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from unrolled.errors import NotFittedError
from unrolled.forecasting.ensemble.intervals import paths
from unrolled.forecasting.ensemble.members import ClassicalMember, one_step
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.models.classical import (
    Airline,
    ExponentialSmoothing,
    HoltWinters,
    SeasonalNaive,
    Theta,
    from_dict,
    from_scaling,
)

DATA = Path(__file__).resolve().parents[2] / "data"
MODELS = [ExponentialSmoothing(), ExponentialSmoothing(log=True),
          HoltWinters(12), HoltWinters(12, log=True), Theta(12, log=True),
          Theta(), Airline(12), Airline(12, log=True), SeasonalNaive(12)]  # fmt: skip


def monthly(n=72, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 50 + 0.3 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.standard_normal(n)


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_a_classical_model_fits_one_history_and_forecasts_its_path(model):
    y = monthly()
    with pytest.raises(NotFittedError, match="not fitted"):
        model.predict(3)
    assert model.fit(y) is model and model.kind == "classical" and model.refits
    path = model.predict(5)
    assert path.shape == (5,) and path.dtype == np.float64 and np.isfinite(path).all()
    # the path is the ensemble member's: refitted at the origin, fed back
    member = ClassicalMember(from_dict(model.to_dict()))
    want = paths(member.one_step, [y], [(0, len(y))], ["s"], 5)[0]
    np.testing.assert_array_equal(path, want)
    assert from_scaling(model.scaling, model.season) == model
    assert model.takes_logs == model.log


def test_seasonal_naive_repeats_the_last_season_exactly():
    y = monthly()
    np.testing.assert_array_equal(SeasonalNaive(12).fit(y).predict(15),
                                  np.r_[y[-12:], y[-12:-9]])  # fmt: skip


def test_a_bad_classical_model_description_is_refused():
    for bad in ({"model": "Prophet"}, {"model": "Theta", "log": "yes"},
                {"model": "HoltWinters", "season": 1}, None):  # fmt: skip
        with pytest.raises(ValueError):
            from_dict(bad)
    with pytest.raises(ValueError, match="not a classical model"):
        from_scaling("logdiff", None)


def test_a_member_on_logs_leaves_the_mean_where_a_path_is_not_positive():
    y = monthly()
    logs = ClassicalMember(Theta(None, log=True), weight=1.0)
    plain = ClassicalMember(Theta(), weight=3.0)
    both = [logs, plain]
    at = [(0, len(y))]
    a, b = logs.one_step([y], at, ["s"]), plain.one_step([y], at, ["s"])
    np.testing.assert_allclose(one_step(both, [y], at, ["s"]), (a + 3 * b) / 4,
                               rtol=1e-15)  # fmt: skip
    # a path that went below zero: fitted before it, the log member cannot read it
    path = np.append(y, -5.0)
    at, fitted = [(0, len(path))], [len(y)]
    seen = []
    got = one_step(both, [path], at, ["s"], None, fitted, seen)
    want = plain.one_step([path], at, ["s"], None, fitted)
    np.testing.assert_array_equal(got, want)
    assert [(k, m) for k, m in seen] == [(0, logs)]
    # only members on logs: the history itself, the error it always gave
    with pytest.raises(ValueError, match="needs positive values"):
        one_step([logs], [path], at, ["s"], None, fitted)


def test_m3_yearly_series_that_crashed_the_fit_are_forecast_finite():
    # issue 42: N0129 with 19 other M3 yearly series stopped fit with
    # "scaling 'logdiff' needs positive values" (a validation path went
    # negative); a log network leaves such a path's mean, and says so (the
    # test above). Since the short-history rules (Theta and smoothing in the
    # ensemble, a window of half the parts) no path of these goes negative
    d = json.loads((DATA / "m3-crash-series.json").read_text())
    yearly = {k: np.array(v) for k, v in d["yearly"].items()}
    fc = Forecaster(seed=0).fit(yearly)
    assert fc.dropouts_ == {} and fc.config_["scaling"] == "logdiff"
    out = fc.predict(6)
    assert np.isfinite(out["ensemble"]).all() and len(out) == 6 * 20
    assert fc.path_notes_ == [] or "reached a value <= 0" in fc.path_notes_[0]


def test_a_forecaster_saved_before_models_were_models_loads_and_forecasts_the_same():
    # written by the code before issue 41: its classical members were saved
    # as networks of one unit with a zero head ("refits": true)
    d = DATA / "forecaster-0.1.0-classical"
    fc = Forecaster.load(d)
    assert [m.name for m in fc.members_[-4:]] == [
        "Theta(season=12, log=True)", "HoltWinters(season=12, log=True)",
        "Airline(season=12, log=True)", "SeasonalNaive(season=12)"]  # fmt: skip
    assert {m.kind for m in fc.members_[:-4]} <= {"network", "hybrid"}
    want = json.loads((DATA / "forecaster-0.1.0-classical-predict.json").read_text())
    got = fc.predict(3, level=[80])
    assert list(got["unique_id"]) == want["unique_id"]
    # the file's numbers were written on another CPU: Numba's kernels and
    # the BLAS run the host's instructions, so the last bits may differ
    # (3.5e-16 relative on an AMD EPYC of family 26), never more
    for col in ("ensemble", "ensemble-lo-80", "ensemble-hi-80"):  # 0.1.0's "rnn"
        old = col.replace("ensemble", "rnn")
        np.testing.assert_allclose(got[col].to_numpy(), want[old], rtol=1e-13,
                                   atol=0, err_msg=col)  # fmt: skip
    assert fc.selected_ == "ensemble" and set(fc.calibration_.residuals) == {
        "ensemble", "naive", "drift", "seasonal_naive", "mean"}  # fmt: skip


def test_a_long_horizon_may_compound_but_a_first_step_far_away_is_refused():
    from unrolled.forecasting.io.history import check_forecasts

    hist = np.linspace(10, 20, 30)
    check_forecasts(["s"], [hist], [20 * 1.01 ** np.arange(1, 2001)])  # x 4e8
    with pytest.raises(ValueError, match="lies far outside"):
        check_forecasts(["s"], [hist], [np.r_[5000.0, np.ones(5)]])
    with pytest.raises(ValueError, match="not finite"):
        check_forecasts(["s"], [hist], [np.r_[np.ones(100), np.inf]])


def test_the_bundled_stocks_at_horizon_2000_are_forecast_and_the_report_says_where(
    capsys,
):
    # before: exit 2, "scaling 'logdiff' needs positive values" (MSFT's path
    # went below zero and was fed to a log network)
    from unrolled.cli import run

    argv = ["forecast", "--json", "-q", "--seed", "0", "--horizon", "2000",
            "--test", "1"]  # fmt: skip
    assert run(argv) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert all(len(s["horizon"]) == 2000 and np.isfinite(s["horizon"]).all()
               for s in doc["series"])  # fmt: skip
    [note] = [n for n in doc["notes"] if "reached a value <= 0" in n]
    assert note.startswith("series 'MSFT': a forecast path reached a value <= 0")
    assert "the members on logs (logdiff) left that path's combination" in note


def test_predict_with_members_adds_each_members_own_forecast():
    fc = Forecaster.load(DATA / "forecaster-0.1.0-classical")
    plain, got = fc.predict(3), fc.predict(3, members=True)
    cols = list(got.columns)
    assert cols[:3] == ["unique_id", "ds", "ensemble"]
    assert got["ensemble"].equals(plain["ensemble"])
    assert len(cols) == 3 + len(fc.members_) + 1 == 3 + 16 + 1
    assert "GRU(logsdiff)" in cols and "GRU(logsdiff)#2" in cols
    assert cols[-2:] == ["SeasonalNaive(season=12)", "networks"]
    # seasonal naive's column: the value one season back; the classical
    # members' weighted mean with the networks' gives the ensemble's forecast
    for name, part in got.groupby("unique_id", sort=False):
        y = fc.history_[name]
        np.testing.assert_array_equal(part["SeasonalNaive(season=12)"], y[-12:-9])
    weights = np.array([m.weight for m in fc.members_])
    first = got.groupby("unique_id", sort=False).head(1)  # step 1: no feedback
    mean = first[cols[3:-1]].to_numpy() @ weights / weights.sum()
    np.testing.assert_allclose(mean, first["ensemble"], rtol=1e-12)
    # the networks' column: the network members' weighted mean (no hybrid,
    # no classical member), at every step
    nets = [k for k, m in enumerate(fc.members_) if m.kind == "network"]
    assert len(nets) == len(fc.members_) - 4 == 12  # this file has no hybrid
    w = weights[nets]
    first_nets = first[[cols[3 + k] for k in nets]].to_numpy() @ w / w.sum()
    np.testing.assert_allclose(first_nets, first["networks"], rtol=1e-12)
    assert not np.allclose(first["networks"], first["ensemble"])


def test_the_report_scores_the_networks_alone_beside_the_ensemble():
    from unrolled.forecasting.evaluation.backtest import evaluate_fitted
    from unrolled.forecasting.io.data import from_dict

    fc = Forecaster.load(DATA / "forecaster-0.1.0-classical")
    ds = from_dict(fc.history_, freq="MS")
    report = evaluate_fitted(fc, ds, test=6, level=[80])
    nets = [m for m in fc.members_ if m.kind == "network"]
    names = list(fc.history_)
    values = [fc.history_[n] for n in names]
    for i, s in enumerate(report.series):
        assert list(s.metrics)[:3] == ["ensemble", "networks", "naive"]
        # the same test points, the network members' weighted mean
        origins = [(i, o) for o in range(s.n_train, len(values[i]))]
        want = one_step(nets, values, origins, names)
        np.testing.assert_allclose(s.forecasts["networks"], want, rtol=1e-12)
        assert not np.allclose(s.forecasts["networks"], s.forecasts["ensemble"])
        assert "networks" not in s.intervals and s.best != "networks"
    doc = report.to_json()
    assert doc["ensemble"] == "ensemble"
    assert {"ensemble", "networks"} <= set(doc["series"][0]["metrics"])
    text = report.format()
    assert any(line.split()[1:2] == ["networks"] for line in text.splitlines())
    assert "The ensemble " in text and "The network " not in text


def test_alias_names_the_ensemble_and_a_name_taken_is_refused():
    from unrolled.errors import InputError

    fc = Forecaster.load(DATA / "forecaster-0.1.0-classical")
    before = fc.predict(2, level=[80])
    fc.set_params(alias="mine")
    after = fc.predict(2, level=[80])
    assert after.columns.tolist() == ["unique_id", "ds", "mine", "mine-lo-80",
                                      "mine-hi-80"]  # fmt: skip
    np.testing.assert_array_equal(after["mine-lo-80"], before["ensemble-lo-80"])
    assert fc.selected_ == "mine" and repr(fc).endswith("alias='mine')")
    for bad in ("naive", "networks", "AutoETS", "", "a\nb", 3, "x-lo-80"):
        with pytest.raises(InputError, match="^alias: "):
            Forecaster(alias=bad).fit({"a": np.arange(30.0) + 1})
        with pytest.raises(InputError, match="^alias: "):
            fc.set_params(alias=bad)
    assert fc.alias == "mine"


def test_a_classical_member_on_logs_leaves_a_path_that_reached_zero():
    # issue 42, the whole of M3 quarterly: a recursive validation path reached
    # a value <= 0, Theta(log=True) left its combination, and noting that
    # raised AttributeError ('ClassicalMember' has no candidate): the fit died
    fc = Forecaster.load(DATA / "forecaster-0.1.0-classical")
    history = np.asarray(fc.history_["a"], float)
    path = np.r_[history, -1.0]  # the path's first step went below zero
    n = len(history)
    fc.dropouts_ = {}
    [pred] = fc._path_step([path], [(0, n + 1)], ["a"], None, [n])
    # only the member not on logs is left: seasonal naive's forecast
    snaive = fc.members_[-1]
    want = snaive.one_step([path], [(0, n + 1)], ["a"], None, [n])[0]
    assert pred == pytest.approx(want)
    step, left = fc.dropouts_["a"]
    assert step == 2 and "Theta(season=12, log=True)" in left
    assert {"logsdiff", "logdiff+sa", "Airline(season=12, log=True)"} <= set(left)
    assert "SeasonalNaive(season=12)" not in left
