"""Covariates in the forecaster: found when they drive the series, never read
beyond the origin, tried without, saved with the model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unrolled.errors import DataError, InputError
from unrolled.forecasting.forecaster import Forecaster

N, H, NOISE = 120, 6, 0.1
FIXED = dict(scaling="standard", hidden=8, window=12, lr=0.01, ensemble=1)


def driven(seed=0, ids=("a", "b")):
    """``y[t] = 10 + 2 x[t] + noise`` with ``x`` white noise: a known covariate
    that the target's own past says nothing about. (full frame, truth)"""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2010-01-01", periods=N + H, freq="MS")
    frames = []
    for sid in ids:
        x = rng.normal(size=N + H)
        y = 10 + 2 * x + rng.normal(scale=NOISE, size=N + H)
        frames.append(pd.DataFrame({"unique_id": sid, "ds": dates, "y": y, "x": x}))
    full = pd.concat(frames, ignore_index=True)
    return full[full.ds < dates[N]], full[full.ds >= dates[N]]


@pytest.fixture(scope="module")
def fitted():
    train, future = driven()
    fc = Forecaster(futr_exog=["x"], epochs=60, **FIXED).fit(train)
    return fc, train, future


def test_a_future_covariate_that_drives_the_series_is_found(fitted):
    fc, train, future = fitted
    pred = fc.predict(H, futr_df=future[["unique_id", "ds", "x"]])
    err = np.abs(pred["ensemble"].to_numpy() - future["y"].to_numpy()).mean()
    alone = Forecaster(epochs=60, **FIXED).fit(train[["unique_id", "ds", "y"]])
    err_alone = np.abs(alone.predict(H)["ensemble"].to_numpy()
                       - future["y"].to_numpy()).mean()  # fmt: skip
    noise_mae = NOISE * np.sqrt(2 / np.pi)  # the noise floor's mean absolute error
    assert err < 3 * noise_mae  # near the noise
    assert err < 0.2 * err_alone  # far below the network without x
    assert fc.config_["covariates"]["helped"] is True
    assert fc.config_["covariates"]["text"].startswith("x helped on the validation")


def test_the_search_tries_the_networks_without_the_covariates(fitted):
    fc, _, _ = fitted
    tried = [c.exog for c in fc.search_]
    assert tried == [True, False]
    c = fc.config_["covariates"]
    assert c["val_with"] < c["val_without"]


def test_a_useless_covariate_is_dropped_and_said_so():
    train, _ = driven(seed=1)
    rng = np.random.default_rng(5)
    # y is white noise around 10 once x is gone; "noise" tells nothing of it
    train = train.drop(columns="x").assign(noise=rng.normal(size=len(train)))
    fc = Forecaster(hist_exog=["noise"], epochs=20, **FIXED).fit(train)
    c = fc.config_["covariates"]
    assert c["names"] == ["noise"]
    assert c["helped"] is (c["val_with"] <= c["val_without"])
    assert ("did not help" in c["text"]) is (not c["helped"])


def test_a_historic_covariate_is_never_read_beyond_the_origin():
    """Plant the future in the historic column after an origin: the h-step
    paths from it stay the same; change it before the origin: they move."""
    rng = np.random.default_rng(3)
    n = 80
    v = rng.normal(size=n + 1)
    y = 5 + 2 * v[:-1] + rng.normal(scale=0.1, size=n)  # y[t] from v[t]
    df = pd.DataFrame({"unique_id": "s", "ds": pd.date_range("2000-01-01",
                       periods=n, freq="MS"), "y": y, "v": v[:-1]})  # fmt: skip
    fc = Forecaster(hist_exog=["v"], val_size=0, epochs=30, **FIXED).fit(df)
    assert fc.members_[0].reads_covariates
    cov, values = fc.covariates_, [y]
    origin = 60
    base = fc.forecast_paths(values, [(0, origin)], ["s"], 5)

    def planted(at):
        rows = {"s": cov.raw["hist"]["s"].copy()}
        rows["s"][at] += 100.0
        cov.use(rows, cov.raw["futr"], cov.raw["stat"], fc.dates_)
        try:
            return fc.forecast_paths(values, [(0, origin)], ["s"], 5)
        finally:
            cov.use_training(fc.dates_)

    assert np.array_equal(planted(slice(origin, None)), base)
    assert not np.allclose(planted(slice(origin - 1, origin)), base)


def test_saved_and_loaded_with_its_covariates(fitted, tmp_path):
    fc, _, future = fitted
    futr = future[["unique_id", "ds", "x"]]
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    assert back.covariates_.spec == fc.covariates_.spec
    pd.testing.assert_frame_equal(back.predict(H, futr_df=futr),
                                  fc.predict(H, futr_df=futr))  # fmt: skip
    with pytest.raises(InputError, match="futr_df: this forecaster takes future"):
        back.predict(H)


def test_predict_refuses_a_future_frame_that_lacks_a_date(fitted):
    fc, _, future = fitted
    futr = future[["unique_id", "ds", "x"]]
    gap = futr.drop(index=futr.index[(futr.unique_id == "b")][2])
    with pytest.raises(DataError) as e:
        fc.predict(H, futr_df=gap)
    assert str(e.value) == (
        "futr_df, column 'x': series 'b': no row for 2020-03-01, a date of its "
        "horizon (covariates are needed at every date)"
    )


def test_predict_refuses_covariates_the_model_does_not_have(fitted):
    fc, train, future = fitted
    futr = future[["unique_id", "ds", "x"]].assign(price=1.0)
    with pytest.raises(DataError, match="column 'price' is not a future covariate"):
        fc.predict(H, futr_df=futr)
    with pytest.raises(DataError, match="futr_exog: no column 'x'"):
        fc.predict(H, data=train.drop(columns="x"), futr_df=future)
    plain = Forecaster(epochs=5, **FIXED).fit(train[["unique_id", "ds", "y"]])
    with pytest.raises(InputError, match="futr_df: this forecaster takes no"):
        plain.predict(H, futr_df=futr)


def test_calendar_features_need_no_column_and_no_future_frame():
    train, future = driven()
    df = train[["unique_id", "ds", "y"]]
    fc = Forecaster(calendar=["month", "weekday"], epochs=5, **FIXED).fit(df)
    assert fc.covariates_.n_channels == 4
    pred = fc.predict(3)
    assert list(pred["ds"][:3]) == list(future["ds"][:3])
    assert np.isfinite(pred["ensemble"]).all()


def test_static_covariates_come_from_static_df():
    train, future = driven()
    df = train[["unique_id", "ds", "y"]]
    static = pd.DataFrame({"unique_id": ["a", "b"], "size": [1.0, 3.0]})
    fc = Forecaster(stat_exog=["size"], epochs=5, **FIXED).fit(df, static_df=static)
    assert np.isfinite(fc.predict(2)["ensemble"]).all()
    with pytest.raises(DataError, match="series 'b': no row"):
        Forecaster(stat_exog=["size"], epochs=5, **FIXED).fit(
            df, static_df=static.iloc[:1]
        )


def test_the_backtest_reads_the_covariates_at_the_test_points():
    from unrolled.forecasting.evaluation.backtest import backtest

    train, future = driven()
    df = pd.concat([train, future]).sort_values(["unique_id", "ds"])
    ahead = pd.DataFrame({"unique_id": ["a", "b"], "ds": pd.Timestamp("2020-07-01"),
                          "x": [0.5, -0.5]})  # fmt: skip
    fc = Forecaster(futr_exog=["x"], epochs=60, **FIXED)
    rep = backtest(fc, df, test=12, futr_df=ahead)
    net = np.mean([r.metrics["ensemble"]["mae"] for r in rep.series])
    naive = np.mean([r.metrics["naive"]["mae"] for r in rep.series])
    assert net < 3 * NOISE and net < 0.2 * naive
    assert [r.n_train for r in rep.series] == [N + H - 12] * 2
    assert rep.series[0].next == pytest.approx(11.0, abs=0.5)  # 10 + 2 * 0.5
    # the same two networks as on validation, scored on the test points
    c = rep.covariates
    assert c["helped"] is True and c["metric"] == "mase"
    assert c["with"] < 0.2 * c["without"]
    for r in rep.series:  # the ensemble is the one network with x
        assert c["series"][r.name]["mae_with"] == pytest.approx(
            r.metrics["ensemble"]["mae"], rel=1e-12
        )
    assert c["text"].startswith("x helped on the test points: mean MASE 0.")
    assert rep.to_json()["covariates"]["text"] == c["text"]
    assert "Covariates: x helped on the test points" in " ".join(rep.format().split())
    with pytest.raises(InputError, match="futr_df: this forecaster takes future"):
        backtest(Forecaster(futr_exog=["x"], epochs=2, **FIXED), df, test=12)


def test_evaluation_without_the_covariates_of_the_dates_forecast_is_refused(fitted):
    from unrolled.forecasting.evaluation.backtest import evaluate_fitted
    from unrolled.forecasting.evaluation.cross_validation import cross_validation

    fc, train, future = fitted
    whole = pd.concat([train, future]).sort_values(["unique_id", "ds"])
    target = whole[["unique_id", "ds", "y"]]
    with pytest.raises(InputError, match="covariates known for 120 dates; a forecast"):
        evaluate_fitted(fc, target, test=6)
    with pytest.raises(InputError, match="data: futr_exog: no column 'x'"):
        cross_validation(fc, target, h=2)


def test_a_future_column_named_like_values_is_read_from_futr_df():
    train, future = driven()
    train, future = (f.rename(columns={"x": "price"}) for f in (train, future))
    fc = Forecaster(futr_exog=["price"], epochs=5, **FIXED).fit(train)
    pred = fc.predict(2, futr_df=future[["unique_id", "ds", "price"]])
    assert np.isfinite(pred["ensemble"]).all()


def test_the_test_points_sentence_says_when_the_covariates_did_not_help():
    from unrolled.forecasting.evaluation.covariates import summary
    from unrolled.forecasting.io.covariates import covariate_spec

    spec = covariate_spec(None, ["volume"], None, None, None)
    row = {"mae_with": 1.23, "mae_without": 1.2, "mase_with": 0.9,
           "mase_without": 0.8}  # fmt: skip
    one = summary(spec, {"s": row})
    said = "volume did not help on the test points: MAE 1.23 with, 1.2 without"
    assert one["text"] == said
    assert one["helped"] is False
    two = summary(spec, {"s": row, "t": {**row, "mase_with": 0.5}})
    assert two["text"] == ("volume helped on the test points: mean MASE 0.7 with, "
                           "0.8 without")  # fmt: skip
    same = summary(spec, {"s": {**row, "mae_with": 1.20001}})
    assert same["helped"] is False  # level as printed: not "helped"


def test_autoarima_reads_the_future_covariates_and_autoets_ignores_them():
    pytest.importorskip("statsforecast")
    from unrolled.forecasting.evaluation.backtest import backtest

    train, future = driven(ids=("a",))
    df = pd.concat([train, future])
    ahead = pd.DataFrame({"unique_id": ["a"], "ds": pd.Timestamp("2020-07-01"),
                          "x": [0.5]})  # fmt: skip
    fc = Forecaster(futr_exog=["x"], epochs=5, **FIXED)
    rep = backtest(fc, df, test=12, futr_df=ahead, rivals=("AutoARIMA", "AutoETS"))
    m = rep.series[0].metrics
    noise_mae = NOISE * np.sqrt(2 / np.pi)
    assert m["AutoARIMA"]["mae"] < 3 * noise_mae  # y = 10 + 2x found through X
    assert m["AutoARIMA"]["mae"] < 0.2 * m["AutoETS"]["mae"]  # ETS has no x
    note = next(n for n in rep.notes if n.startswith("rivals with the covariates"))
    assert "AutoARIMA read x as regressors" in note
    assert "AutoETS ignore them" in note


def test_cross_validation_fits_each_window_on_the_frame_up_to_its_cutoff():
    from unrolled.forecasting.evaluation.cross_validation import cross_validation

    train, future = driven()
    whole = pd.concat([train, future]).sort_values(["unique_id", "ds"])
    fc = Forecaster(futr_exog=["x"], epochs=60, **FIXED)
    cv = cross_validation(fc, whole, h=3, n_windows=2, step_size=3, refit=True)
    assert not hasattr(fc, "covariates_")  # the forecaster given is not fitted
    assert len(cv) == 2 * 2 * 3
    assert sorted(cv["cutoff"].unique()) == [pd.Timestamp("2019-12-01"),
                                             pd.Timestamp("2020-03-01")]  # fmt: skip
    truth = whole.set_index(["unique_id", "ds"])["y"]
    keys = list(zip(cv.unique_id, cv.ds, strict=True))
    assert np.array_equal(cv["y"], truth.loc[keys])
    err = (cv["y"] - cv["ensemble"]).abs().mean()
    naive = (cv["y"] - cv["naive"]).abs().mean()
    assert err < 3 * NOISE and err < 0.2 * naive  # x read at the dates forecast
