"""Bounds and overflows (issue 40): every number the CLI and the API take.

``--tbptt 99999999999999999999`` was an OverflowError (exit 1); ``predict(10**9)``
ran on. The CLI's options and the Forecaster's arguments share one table of
ranges (``forecasting.bounds``): out of range is exit 2 naming the option,
or a ValueError naming the argument, before any work.
"""

import numpy as np
import pytest
from cli_helpers import refused

from unrolled.forecasting.ensemble.bounds import INTS, REALS, check_int
from unrolled.forecasting.evaluation.backtest import backtest
from unrolled.forecasting.forecaster import Forecaster

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "argv,option",
    [
        (["forecast", "--tbptt", HUGE], "--tbptt"),
        (["train", "--out", "m", "--tbptt", "100001"], "--tbptt"),
        (["forecast", "--checkpoint", "ck", "--checkpoint-every", HUGE],
         "--checkpoint-every"),
        (["forecast", "--clip", "1e300"], "--clip"),
        (["forecast", "--clip-value", "inf"], "--clip-value"),
        (["forecast", "--huber", "1e9"], "--huber"),
        (["forecast", "--epochs", HUGE], "--epochs"),
        (["forecast", "--horizon", "10001"], "--horizon"),
        (["forecast", "--seed", "-1"], "--seed"),
        (["gradients", "--experiment", "memory", "--tbptt", HUGE], "--tbptt"),
        (["gradients", "--seed", HUGE], "--seed"),
        (["gradients", "--clip", "1e300"], "--clip"),
    ],
)  # fmt: skip
def test_an_out_of_range_number_is_exit_2_naming_the_option(
    tmp_path, monkeypatch, capsys, argv, option
):
    line = refused(argv, tmp_path, monkeypatch, capsys)
    assert f"'{option}'" in line, line


@pytest.mark.parametrize(
    "params,message",
    [
        ({"tbptt": 10**20}, "tbptt: expected an integer from 1 to 100000"),
        ({"hidden": 5000}, "hidden: expected an integer from 1 to 4096"),
        ({"window": 1}, "window: expected an integer from 2 to 100000"),
        ({"seed": -1}, "seed: expected an integer from 0 to 4294967295"),
        ({"lr": 100.0}, "lr: expected a number > 0 and <= 10"),
        ({"ensemble": 1000}, "ensemble: expected an integer from 1 to 64"),
        ({"clip_norm": float("inf")}, "clip_norm: expected a positive number"),
        ({"huber": 1e9}, "huber: expected a number > 0 and <= 1e+06"),
    ],
)
def test_forecaster_arguments_have_the_clis_bounds(params, message):
    fc = Forecaster(epochs=1, **params)
    with pytest.raises(ValueError) as e:
        fc.fit(np.arange(30.0))
    assert str(e.value).startswith(message), str(e.value)
    assert not hasattr(fc, "members_")  # refused before any training


@pytest.fixture(scope="module")
def fitted():
    fc = Forecaster(hidden=2, window=3, epochs=1, lr=0.01, scaling="minmax")
    return fc.fit({"a": 10 + np.sin(np.arange(40.0))})


@pytest.mark.parametrize("h", [10**9, 10_001, 0, -1, 2.0, True])
def test_predict_has_the_horizon_bound_of_the_cli(fitted, h):
    with pytest.raises(ValueError) as e:
        fitted.predict(h)
    assert str(e.value) == f"h: expected an integer from 1 to 10000, got {h!r}"


def test_the_largest_horizon_is_accepted(fitted):
    out = fitted.predict(INTS["h"][1])
    assert len(out) == 10_000 and out["ds"].tolist()[:2] == [40, 41]


def test_the_table_is_the_clis():
    from unrolled.cli.forecast import forecast

    opts = {o.name: o for o in forecast.params}
    assert (opts["horizon"].type.min, opts["horizon"].type.max) == INTS["h"]
    assert (opts["hidden"].type.min, opts["hidden"].type.max) == INTS["hidden"]
    assert opts["tbptt"].type.most == INTS["tbptt"][1]
    assert opts["lr"].type.max == REALS["lr"]
    assert check_int("test", 100_000) == 100_000


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda fc, d: backtest(fc, d, test=10**9), "test: expected an integer from"),
        (lambda fc, d: backtest(fc, d, horizon=0), "h: expected an integer from 1"),
        (lambda fc, d: fc.cross_validation(d, h=10**6), "h: expected an integer"),
        (lambda fc, d: fc.cross_validation(d, n_windows=10**9), "n_windows: expected"),
        (lambda fc, d: fc.cross_validation(d, step_size=-1), "step_size: expected"),
    ],
)
def test_backtest_and_cross_validation_have_bounds_too(fitted, call, message):
    with pytest.raises(ValueError, match=message):
        call(fitted, {"a": 10 + np.sin(np.arange(40.0))})
