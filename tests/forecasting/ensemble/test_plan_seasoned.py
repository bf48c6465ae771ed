"""A season decided on the parts long enough for it (issue 42: one short
series of M1 monthly switched the season off for the whole group)."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.ensemble.members import ClassicalMember
from unrolled.forecasting.ensemble.plan import (
    SEASONED_SHARE,
    classical_members,
    seasoned,
)
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict
from unrolled.forecasting.models.classical import (
    Airline,
    ExponentialSmoothing,
    HoltWinters,
    SeasonalNaive,
    Theta,
)

QUICK = dict(epochs=8, patience=3, seed=0)


def seasonal(lengths, seed=0):
    """Monthly series of ``lengths``: a level times a yearly season, log-noise."""
    rng = np.random.default_rng(seed)
    out = []
    for n in lengths:
        t = np.arange(n)
        season = 1 + 0.3 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6))
        out.append((100 + 0.5 * t) * season * np.exp(0.03 * rng.standard_normal(n)))
    return out


SEASONAL_KINDS = (Theta(12, True), HoltWinters(12, True), Airline(12, True),
                  SeasonalNaive(12))  # fmt: skip


def test_one_short_series_among_long_seasonal_ones_keeps_the_season():
    parts = seasonal([60, 72, 84, 96, 18])  # the last: a season and a half
    assert classical_members(parts, 12) == SEASONAL_KINDS
    assert classical_members(parts[-1:], 12) != SEASONAL_KINDS  # alone: too short


@pytest.mark.parametrize(
    ("lengths", "kept"),
    [
        ([24, 30, 18, 10], [24, 30]),  # half of them: enough
        ([24, 18, 10], []),  # a third: not
        ([36] * 3, [36] * 3),
    ],
)
def test_the_season_is_decided_on_the_parts_that_hold_it(lengths, kept):
    assert SEASONED_SHARE == 0.5
    parts = [np.ones(n) for n in lengths]
    assert [len(p) for p in seasoned(parts, 12, 2)] == kept
    assert seasoned(parts, None, 2) == [] and seasoned(parts, 1, 2) == []


def test_a_seasonal_member_forecasts_a_short_series_without_its_season():
    y = seasonal([18])[0]
    for model, short in [
        (Theta(12, True), Theta(None, True)),
        (HoltWinters(12, True), ExponentialSmoothing(None, True)),
        (Airline(12, False), ExponentialSmoothing(None, False)),
        (SeasonalNaive(12), SeasonalNaive(12)),
    ]:
        member = ClassicalMember(model)
        assert member.model_for(len(y)) == short
        assert member.model_for(24) == model  # two seasons: its own
        out = member.one_step([y], [(0, 17)], ["s"])
        assert np.isfinite(out).all()
        assert member.model == model  # the member itself is unchanged


def test_a_short_series_in_a_seasonal_group_is_forecast_finite():
    values = seasonal([72, 84, 96, 108, 22], seed=1)  # 22: under two seasons
    data = from_dict({f"s{k}": v for k, v in enumerate(values)}, freq="MS")
    fc = Forecaster(**QUICK).fit(data)
    assert fc.config_["hw"] == 1 and fc.config_["airline"] == 1
    assert fc.config_["snaive"] == 1
    pred = fc.predict(18)
    assert len(pred) == 5 * 18 and np.isfinite(pred["ensemble"]).all()
