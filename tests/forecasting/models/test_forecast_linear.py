"""The linear part beneath the network (``ar``): fitted per series, exact round trip."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.forecasting.ensemble.members import Candidate, Member
from unrolled.forecasting.ensemble.plan import AR_ORDERS, plan_stages
from unrolled.forecasting.features.transforms import Transform


def ar_changes(n=3000, phi=(0.6, -0.3), seed=0):
    """A series whose one-step changes are an AR(2) process."""
    rng = np.random.default_rng(seed)
    d = np.zeros(n)
    for t in range(2, n):
        d[t] = phi[0] * d[t - 1] + phi[1] * d[t - 2] + rng.standard_normal()
    return 100 + np.cumsum(d)


def seasonal(n=120, seed=1):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return (
        (50 + t)
        * (1 + 0.3 * np.sin(2 * np.pi * t / 12))
        * np.exp(0.02 * rng.standard_normal(n))
    )


def test_the_linear_part_recovers_an_ar_process_of_the_changes():
    t = Transform("diff", "s", ar=2).fit(ar_changes())
    # scaled changes keep the AR weights (same scale in and out); newest first
    np.testing.assert_allclose(t.coef[:2], [0.6, -0.3], atol=0.04)
    assert abs(t.coef[2]) < 0.05  # standardized changes: no constant left


@pytest.mark.parametrize(
    "scaling, season, ar",
    [("diff", None, 2), ("diff+level", None, 12), ("logdiff+lag", 12, 2),
     ("sdiff", 12, 12), ("logsdiff", 12, 2), ("logdiff+sa", 12, 0),
     ("diff+sa", 12, 2), ("logdiff+level", None, 2)],
)  # fmt: skip
def test_inverting_a_target_gives_back_the_next_value(scaling, season, ar):
    y = seasonal()
    t = Transform(scaling, "s", season, ar).fit(y[:90])
    assert not ar or np.any(t.coef != 0)
    targets = t.targets(y)
    for pos in range(t.warmup + 1, len(y) - 1):  # every defined step
        history = y[: pos + 1]
        nxt = t.invert(targets[pos], history)
        assert nxt == pytest.approx(y[pos + 1], rel=1e-9)
        # the caller's features give the same value
        ctx = history[-(t.lookback + 5) :]  # +sa: the whole history
        assert t.invert(targets[pos], ctx, t.features(ctx)) == pytest.approx(nxt)


def test_too_short_a_part_leaves_the_linear_part_at_zero():
    y = ar_changes(n=40)
    t = Transform("diff", "s", ar=12).fit(y)  # 13 weights need 52 rows
    assert not np.any(t.coef)
    np.testing.assert_array_equal(t.targets(y), Transform("diff").fit(y).targets(y))


def test_the_linear_part_is_saved_and_a_bad_one_refused():
    t = Transform("diff+level", "s", ar=2).fit(ar_changes(n=300))
    d = t.to_dict()
    back = Transform.from_dict(d, "s")
    np.testing.assert_array_equal(back.coef, t.coef)
    assert back.to_dict() == d
    for coef in (d["coef"][:-1], [*d["coef"][:-1], float("nan")]):
        with pytest.raises(ValueError, match="series 's': bad linear part"):
            Transform.from_dict(dict(d, coef=coef), "s")
    assert "ar" not in Transform("diff").fit(ar_changes(n=50)).to_dict()


def test_a_level_scaling_or_a_bad_order_is_refused_naming_the_series():
    with pytest.raises(ValueError, match="ar of series 'x'.*'minmax'"):
        Transform("minmax", "x", ar=2)
    for bad in (-1, 2.5, True, "2"):
        with pytest.raises(ValueError, match="ar of series 'x': expected an integer"):
            Transform("diff", "x", ar=bad)


def test_a_member_forecasts_with_the_linear_part_added():
    y = ar_changes(n=1000)

    class Zero:  # a network that outputs 0: the forecast is the linear part's
        def predict(self, seqs):
            return np.zeros((len(seqs), 1))

    from unrolled.forecasting.models.networks import GRU

    cand = Candidate("diff", 8, 12, 0.01, ar=2)
    tf = Transform("diff", "s", ar=2).fit(y[:300])
    member = Member(cand, GRU("diff", 12, 8, ar=2).restore(Zero(), {"s": tf}))
    pred = member.one_step([y], [(0, o) for o in range(300, 1000)], ["s"])
    d = np.diff(y)
    sd, mu = tf.change.scale, tf.change.shift
    z = (d - mu) / sd
    expect = [y[o - 1] + mu + sd * (tf.coef[0] * z[o - 2] + tf.coef[1] * z[o - 3]
                                   + tf.coef[2]) for o in range(300, 1000)]  # fmt: skip
    np.testing.assert_allclose(pred, expect, rtol=1e-12)
    # and it beats naive on an AR(2) of the changes (by 15% in expectation)
    assert np.mean(np.abs(pred - y[300:])) < 0.92 * np.mean(np.abs(d[299:]))


def test_the_search_tries_the_linear_part_only_when_the_scaling_is_searched():
    start = {"scaling": "diff", "hidden": 16, "window": 24, "lr": 0.01}
    free = dict.fromkeys(start)
    plan = plan_stages(free, start, (), origins=[(0, 10)])
    assert plan[1] == [{"ar": p} for p in AR_ORDERS]
    fixed = dict(free, scaling="diff")
    assert all("ar" not in c for stage in plan_stages(fixed, start, (), [(0, 10)])
               for c in stage)  # fmt: skip


def test_a_network_starts_as_the_forecast_its_scaling_implies_and_never_ends_worse():
    from unrolled.forecasting.features.transforms import naive_unit
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    rng = np.random.default_rng(0)  # a walk on which training does not help
    y = 50 + np.cumsum(rng.standard_normal(80))
    fc = Forecaster(scaling="diff", hidden=4, window=8, lr=0.01, epochs=4,
                    val_size=10, seed=0)  # fmt: skip
    fc.fit(from_dict({"w": y}))
    part, origins = y[:70], [(0, o) for o in range(70, 80)]
    # a silent network forecasts last value + the training part's mean change
    drift = np.array([y[o - 1] + np.mean(np.diff(part)) for _, o in origins])
    start = np.mean(np.abs(drift - y[70:]) / naive_unit(part))
    cand = fc.search_[0]
    assert cand.score == pytest.approx(start) and cand.epochs == 0
    # training never beat the start on validation: the start is the member
    np.testing.assert_allclose(fc.one_step([y], origins, ["w"]), drift)


def test_a_change_is_kept_only_beyond_one_standard_error():
    from unrolled.forecasting.ensemble.search import improves

    def member(errors):
        errors = np.asarray(errors, dtype=float)
        cand = Candidate("diff", 8, 12, 0.01, score=float(errors.mean()))
        return Member(cand, None, errors)

    base = member([1.0, 2.0, 1.0, 2.0])
    assert improves(member([0.5, 1.5, 0.5, 1.5]), base)  # same gain everywhere
    noisy = member([0.0, 2.5, 0.0, 2.5])  # better on average, by luck
    assert noisy.candidate.score < base.candidate.score * 0.9
    assert not improves(noisy, base)
    assert improves(noisy, base, paired=False)  # the first stage: scores alone
    assert improves(base, None)


@pytest.mark.parametrize("n", [120, 400])
def test_short_series_search_fewer_sizes(n):
    from unrolled.forecasting.ensemble.plan import SHORT_ALTERNATIVES

    start = {"scaling": "diff", "hidden": 16, "window": 24, "lr": 0.01}
    plan = plan_stages(dict.fromkeys(start), start, (), [(0, 10)], short=n < 150)
    sizes = {k: [c[k] for c in st] for st in plan[2:] for k in st[0]}
    if n < 150:
        assert sizes == {k: list(v) for k, v in SHORT_ALTERNATIVES.items()}
        assert sizes["hidden"] == [8] and sizes["window"] == [12]
    else:
        assert sizes["hidden"] == [8, 32] and sizes["window"] == [12, 48]


def test_the_seasonal_steps_are_causal_and_find_the_season():
    from unrolled.forecasting.features.seasons import seasonal_steps

    rng = np.random.default_rng(3)
    t = np.arange(150)
    season = 0.3 * np.sin(2 * np.pi * t / 12)
    b = 0.01 * t + season + 0.02 * rng.standard_normal(150)
    g = seasonal_steps(b, 12)
    for end in (30, 77, 149):  # what step t knows depends on b[: t + 1] only
        assert seasonal_steps(b[: end + 1], 12)[-1] == g[end]
    truth = np.diff(season)
    assert np.max(np.abs(g[60:-1] - truth[60:])) < 0.03  # amplitude 0.3
    assert not np.any(seasonal_steps(b[:12], 12))  # no full season yet: zeros


@pytest.mark.parametrize("m", [4, 7, 12])
def test_adjusted_changes_start_where_the_seasonal_step_is_known(m):
    """Before it, a change is a raw seasonal swing: not learnt from, not scaled."""
    from unrolled.forecasting.features.seasons import seasonal_steps
    from unrolled.forecasting.models.networks import GRU

    rng = np.random.default_rng(4)
    t = np.arange(12 * m)
    y = 100 + 20 * np.sin(2 * np.pi * t / m + 0.5) + 0.5 * rng.standard_normal(len(t))
    tf = Transform("diff+sa", "s", m, ar=2).fit(y)
    steps = seasonal_steps(y, m, tf.span)
    first = np.flatnonzero(steps)[0] + 1  # the first change with its seasonal step
    assert tf.defined == first == m + m // 2 + 1
    adjusted = np.diff(y)[first - 1 :] - steps[first - 1 : -1]
    # the change scaler: the adjusted changes' scale, not the swings' (sd ~ 10)
    assert tf.change.to_dict()["scale"] == pytest.approx(np.std(adjusted), rel=1e-9)
    # white noise of the level: its adjusted changes are an MA(1) with -1, whose
    # AR weights are negative (the raw swings before would give +0.9, -0.6)
    assert tf.coef[0] < -0.4 and tf.coef[1] < -0.1
    # the first training target is the change into that step
    net = GRU("diff+sa", len(y) - first, 4, season=m, ar=2).start({"s": y})
    assert net.transforms_["s"].to_dict() == tf.to_dict()
    _, targets = net.training_windows()
    assert targets[0][0] == tf.targets(y)[first - 1]


def test_a_forecaster_with_a_linear_part_saves_and_reloads_to_the_same_forecast(
    tmp_path,
):
    from unrolled.forecasting.forecaster import Forecaster
    from unrolled.forecasting.io.data import from_dict

    data = from_dict({"a": ar_changes(n=300), "b": ar_changes(n=260, seed=1)})
    fc = Forecaster(epochs=4, patience=2, hidden=4, window=8, lr=0.01, seed=0)
    fc.fit(data)
    assert any(m.candidate.ar for m in fc.members_)  # an AR process: it is kept
    fc.save(tmp_path / "m")
    back = Forecaster.load(tmp_path / "m")
    np.testing.assert_array_equal(
        back.predict(3)["ensemble"], fc.predict(3)["ensemble"]
    )
