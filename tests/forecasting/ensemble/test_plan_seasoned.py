"""A season decided on the parts long enough for it (issue 42: one short
series of M1 monthly switched the season off for the whole group), for the
classical members and for the networks' seasonal scalings, a too-short
series forecast by the member's variant without the season."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.ensemble.members import ClassicalMember
from unrolled.forecasting.ensemble.plan import (
    SEASONED_SHARE,
    classical_members,
    seasonal_scalings,
    seasoned,
)
from unrolled.forecasting.features.transforms import ANY_LENGTH, Transform
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict
from unrolled.forecasting.models.classical import (
    Airline,
    ExponentialSmoothing,
    HoltWinters,
    SeasonalNaive,
    Theta,
)
from unrolled.forecasting.models.networks import GRU
from unrolled.forecasting.models.residuals import Residuals
from unrolled.forecasting.models.scalings import SEASONAL, SHORT, fit_transforms

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


LOG_SEASONAL = ("logdiff+lag", "logsdiff", "logdiff+sa", "loghw")


def test_a_few_short_series_keep_the_groups_seasonal_scalings():
    parts = seasonal([60, 72, 84, 96, 22])  # the last: under two seasons
    assert seasonal_scalings(parts, 12) == LOG_SEASONAL
    assert seasonal_scalings(parts[-1:], 12) == ()  # alone: too short
    # fewer than SEASONED_SHARE long enough: none, as for the classical members
    assert seasonal_scalings(seasonal([60, 72, 22, 20, 18]), 12) == ()
    walks = [100 + np.cumsum(np.random.default_rng(k).standard_normal(n))
             for k, n in enumerate([60, 72, 84, 96, 22])]  # fmt: skip
    assert seasonal_scalings(walks, 12) == ()  # the long ones show no season


@pytest.mark.parametrize("scaling", [s for s in SEASONAL if s != "snaive"])
def test_a_short_series_reads_the_fallback_with_the_same_inputs(scaling):
    long, short = seasonal([60, 20])
    tfs = fit_transforms(scaling, ["a", "b"], [long, short], 12)
    assert tfs["a"].scaling == scaling and tfs["a"].season == 12
    b = tfs["b"]
    assert b.scaling == (scaling if scaling in ANY_LENGTH else SHORT[scaling])
    assert b.n_features == tfs["a"].n_features
    assert (b.season == 12) == (scaling in ANY_LENGTH)
    x = b.features(short)
    assert x.shape == (20, b.n_features) and np.isfinite(x).all()
    assert np.isfinite(b.invert(0.3, short))


@pytest.mark.parametrize(
    ("scaling", "n", "reads"),
    [
        ("hw", 24, "es"),  # two seasons, but its errors start at step 24
        ("hw", 25, "hw"),
        ("loghw", 2, "logdiff"),  # es's errors too start past the end
        ("hw", 3, "es"),
        ("logsdiff", 2, "logdiff"),
        ("logdiff+lag", 2, "logdiff+lag"),
    ],
)
def test_every_series_of_a_seasonal_group_has_a_change_to_learn_from(scaling, n, reads):
    long, short = seasonal([60, n])
    tf = fit_transforms(scaling, ["a", "b"], [long, short], 12)["b"]
    assert tf.scaling == reads
    net = GRU(scaling, window=12, hidden=4, season=12, epochs=2)
    net.fit({"a": long, "b": short})  # every window holds a step
    assert np.isfinite(net.predict(3)).all()


def test_alone_or_without_a_fallback_a_short_series_is_refused():
    long, short = seasonal([60, 20])
    with pytest.raises(ValueError, match="'sdiff' needs 3 seasons"):
        fit_transforms("sdiff", ["b"], [short], 12)  # no long series beside it
    with pytest.raises(ValueError, match="'snaive' needs 2 seasons"):
        fit_transforms("snaive", ["a", "b"], [long, short], 12)
    with pytest.raises(ValueError, match="'sdiff' needs 3 seasons"):
        Transform("sdiff", "s", season=12).fit(short)  # the transform itself
    tf = fit_transforms("hw", ["b"], [short], 12, fallback=True)["b"]
    assert isinstance(tf, Residuals) and tf.scaling == "es"


def test_a_seasonal_network_forecasts_its_short_series_with_the_fallback():
    values = seasonal([60, 72, 84, 20], seed=2)
    batch = {f"s{k}": v for k, v in enumerate(values)}
    net = GRU("logsdiff", window=12, hidden=4, season=12, epochs=3).fit(batch)
    assert [t.scaling for t in net.transforms_.values()] == ["logsdiff"] * 3 + [
        "logdiff"
    ]
    pred = net.predict(18)
    assert pred.shape == (4, 18) and np.isfinite(pred).all()
    # a silent network forecasts what its scaling implies: the short series
    # goes on with its mean log change, not its value a season back
    state = net.module_.state_dict()
    state["head.weight"][:] = 0.0
    state["head.bias"][:] = 0.0
    net.module_.load_state_dict(state)
    silent = net.predict(2)[3]
    step = np.mean(np.diff(np.log(values[3])))
    assert silent[0] == pytest.approx(values[3][-1] * np.exp(step), rel=1e-9)


def test_a_group_with_a_few_short_series_searches_the_seasonal_scalings():
    values = seasonal([72, 84, 96, 108, 120, 30], seed=1)  # 30: parts under 3 seasons
    data = from_dict({f"s{k}": v for k, v in enumerate(values)}, freq="MS")
    fc = Forecaster(**QUICK).fit(data)
    tried = {c.scaling for c in fc.search_}
    assert set(LOG_SEASONAL) <= tried
    pred = fc.predict(18)
    assert len(pred) == 6 * 18 and np.isfinite(pred["ensemble"]).all()
    networks = [m for m in fc.members_ if m.kind != "classical"]
    assert networks
    for m in networks:  # the short series reads the fallback (or the scaling)
        scaling = m.candidate.scaling
        assert m.transforms["s5"].scaling == SHORT.get(scaling, scaling)
