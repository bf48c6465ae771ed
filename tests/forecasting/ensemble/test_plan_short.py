"""The short-history rules of the search plan: a rule's input -> its choice."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.ensemble.plan import (
    AR_ORDERS,
    DEFAULTS,
    MIN_DRIFT,
    MIN_WINDOW,
    SHORT_PARTS,
    classical_members,
    drift_ratio,
    drifting,
    plan_stages,
    short_history,
    short_window,
)
from unrolled.forecasting.models.classical import ExponentialSmoothing, Theta

START = dict(DEFAULTS)
FREE = dict.fromkeys(START)


def trends(lengths, seed=0, sign=1.0):
    """Yearly-like series: a growth of 5% a year with noise, of ``lengths``."""
    rng = np.random.default_rng(seed)
    return [sign * 1000 * np.exp(np.cumsum(0.05 + 0.08 * rng.standard_normal(n)))
            for n in lengths]  # fmt: skip


@pytest.mark.parametrize(
    ("lengths", "short"),
    [
        ([14, 20, 30], True),
        ([SHORT_PARTS - 1] * 3, True),
        ([SHORT_PARTS] * 3, False),
        ([10, 10, 200, 300, 400], False),  # the median decides, not the shortest
        ([10, 10, 10, 300, 400], True),
    ],
)
def test_a_short_history_is_a_median_part_under_the_bound(lengths, short):
    assert short_history([np.ones(n) for n in lengths]) is short


@pytest.mark.parametrize(
    ("lengths", "window"),
    [([15] * 4, 7), ([8, 9, 10], MIN_WINDOW), ([6], MIN_WINDOW), ([39, 20, 31], 15),
     ([60, 60], DEFAULTS["window"])],
)  # fmt: skip
def test_a_short_window_is_half_the_median_part_between_its_bounds(lengths, window):
    assert short_window([np.ones(n) for n in lengths]) == window


def test_a_short_history_starts_the_search_from_its_window():
    parts = trends([15, 17, 19])
    scalings = ("diff", "logdiff", "loges")
    plan = plan_stages(FREE, START, scalings, [(0, 15)], short=True, parts=parts)
    assert plan[0] == [dict(START, scaling=s, window=8) for s in scalings]
    assert plan[1:] == plan_stages(FREE, START, scalings, [(0, 15)], short=True)[1:]
    # a window given is kept; a scaling given is the one candidate
    given = dict(FREE, window=5)
    plan = plan_stages(given, dict(START, window=5), scalings, [(0, 15)], True, parts)
    assert {c["window"] for c in plan[0]} == {5}
    fixed = dict(FREE, scaling="diff")
    plan = plan_stages(fixed, START, (), [(0, 15)], short=True, parts=parts)
    assert plan[0] == [dict(START, window=8)]
    # without validation there is nothing to search on
    assert plan_stages(FREE, START, scalings, [], True, parts) == [
        [dict(START, window=8)]
    ]


def test_a_longer_history_keeps_the_whole_plan():
    parts = trends([60, 80, 100])
    plan = plan_stages(FREE, START, ("diff",), [(0, 60)], short=True, parts=parts)
    assert plan[0] == [dict(START, scaling="diff")]
    assert plan[1] == [{"ar": p} for p in AR_ORDERS]
    assert [next(iter(st[0])) for st in plan[2:]] == ["hidden", "window", "lr"]
    # and without the parts (the old call) the plan is the same
    assert plan == plan_stages(FREE, START, ("diff",), [(0, 60)], short=True)


def test_a_short_history_gets_theta_and_smoothing_whatever_the_smoothing_weight():
    # growth: the smoothing weighs the newest value fully (alpha 1), which
    # keeps longer series from the classical members; short ones get them
    short = trends([16, 20, 24, 28])
    assert classical_members(short, None) == (
        Theta(None, True), ExponentialSmoothing(None, True)
    )  # fmt: skip
    negative = trends([16, 20, 24, 28], sign=-1.0)
    assert classical_members(negative, None) == (Theta(), ExponentialSmoothing())
    # longer ones get them where they drift (the growth of 5% a year stands
    # out of its noise of 8%), not where they walk at random
    assert classical_members(trends([60, 80, 100]), None) == (
        Theta(None, True), ExponentialSmoothing(None, True)
    )  # fmt: skip
    rngs = [np.random.default_rng(k) for k in range(3)]
    walks = [1000 * np.exp(np.cumsum(0.08 * r.standard_normal(80))) for r in rngs]
    assert not drifting(walks) and classical_members(walks, None) == ()
    # a short quarterly history with a season keeps the seasonal rule's members
    rng = np.random.default_rng(2)
    season = np.tile([0.0, 40.0, -10.0, -30.0], 8)
    seasonal = [500 + np.cumsum(rng.standard_normal(32)) + season for _ in range(4)]
    kinds = classical_members(seasonal, 4)
    assert all(k.season == 4 for k in kinds[:3]) and len(kinds) == 4


def test_the_drift_ratio_is_the_mean_change_over_the_changes_spread():
    assert drift_ratio([0.0, 1.0, 3.0, 4.0, 6.0]) == 3.0  # changes 1, 2, 1, 2
    assert drift_ratio([6.0, 4.0, 3.0, 1.0, 0.0]) == 3.0  # a fall drifts too
    assert drift_ratio([0.0, 1.0, 2.0, 3.0]) == np.inf  # a straight line
    assert drift_ratio([5.0, 5.0, 5.0]) == 0.0 and drift_ratio([1.0, 2.0]) == 0.0
    # the median part decides; positive parts are read on logs
    flat = [np.array([1.0, 2.0, 1.0, 2.0, 1.0])] * 2
    steep = [np.exp(np.arange(10.0))]
    assert not drifting(flat + steep) and drifting(steep * 2 + flat)
    wiggle = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])  # mean change 0.2, spread 0.98
    assert drift_ratio(wiggle) < MIN_DRIFT and not drifting([wiggle - 5.0])


def test_a_forecaster_on_short_yearly_series_follows_the_rules():
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    values = trends([20, 22, 24, 26, 28], seed=4)
    ds = from_dict({f"s{i}": v for i, v in enumerate(values)}, freq="YS")
    fc = Forecaster(epochs=5, patience=2, seed=0).fit(ds)
    # parts of 15 to 21 points (5 to 7 validation points each): median 18
    assert fc.config_["window"] == 9
    assert fc.search_[0].window == 9  # the window stage tries 12 beside it
    assert {c.window for c in fc.search_} == {9, 12}
    assert fc.config_["theta"] == fc.config_["es"] == 1
    path = fc.predict(6)
    assert np.isfinite(path[fc.alias].to_numpy()).all()
