"""features/inverse: many origins' inverses as arrays give the values one at a
time does, bit for bit, for every scaling (and the classical models' errors)."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.features.inverse import Inverse, Inverses
from unrolled.forecasting.features.transforms import LEVEL_SCALINGS, SCALINGS
from unrolled.forecasting.models.residuals import RESIDUALS
from unrolled.forecasting.models.scalings import make_transform

SEASON = 12


def series(n: int = 96, seed: int = 3) -> np.ndarray:
    """A positive monthly series: trend, season and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 50 + 0.4 * t + 8 * np.sin(2 * np.pi * t / SEASON) + rng.normal(0, 2, n)


def outputs(n: int, seed: int = 0) -> np.ndarray:
    """Network outputs: ordinary ones, and some far out (the exp clip)."""
    out = np.random.default_rng(seed).normal(0, 1.5, n)
    out[::7] *= 400.0
    return out


def one_by_one(inverses, out) -> np.ndarray:
    return np.array([f(out[k]) for k, f in enumerate(inverses)], dtype=np.float64)


@pytest.mark.parametrize("ar", [0, 2])
@pytest.mark.parametrize("scaling", [*SCALINGS, *RESIDUALS])
def test_inverses_give_each_origins_value_bit_for_bit(scaling, ar):
    if ar and scaling in LEVEL_SCALINGS:
        pytest.skip("a linear part needs a change scaling")
    y = series()
    tf = make_transform(scaling, "s", SEASON, ar).fit(y[:72])
    invs = [tf.inverter(y[:o]) for o in range(60, 96)]
    out = outputs(len(invs))
    got = Inverses(invs)(out)
    np.testing.assert_array_equal(got, one_by_one(invs, out))
    assert got.dtype == np.float64 and np.isfinite(got).all()
    # and each one is what Transform.invert says for that output
    assert got[5] == tf.invert(out[5], y[:65])


def test_constants_missing_origins_other_callables_and_float32_outputs():
    y = series()
    tf = make_transform("logsdiff", "s", SEASON).fit(y[:72])
    invs = [
        tf.inverter(y[:5]),  # shorter than a season: the last value
        Inverse.constant(np.nan),  # an origin the network dropped out of
        tf.inverter(y[:80]),
        lambda out: 2.0 * float(out),  # any other callable, called as it is
        make_transform("log", "s").fit(y[:72]).inverter(y[:80]),
    ]
    out = np.array([0.3, -1.0, 0.25, 4.0, 1.1], dtype=np.float32)
    got = Inverses(invs)(out)
    assert got[0] == y[4] and np.isnan(got[1]) and got[3] == 8.0
    np.testing.assert_array_equal(got, one_by_one(invs, out))


def test_an_empty_batch_inverts_to_nothing():
    assert Inverses([])(np.zeros(0)).shape == (0,)
