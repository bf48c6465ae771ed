"""The seasonal index of the +sa scalings: all years, or the latest five."""

import numpy as np
import pytest

from unrolled.forecasting.features.seasons import (
    SPANS,
    adjusted_changes,
    best_span,
    seasonal_steps,
)
from unrolled.forecasting.features.transforms import Transform

M = 12


def moving(seed: int, years: int = 20) -> np.ndarray:
    """A season that turns over halfway (its peak moves by half a year)."""
    rng = np.random.default_rng(seed)
    t = np.arange(years * M)
    phase = np.where(t < years * M // 2, 0.0, np.pi)
    return 10 + np.sin(2 * np.pi * t / M + phase) + 0.1 * rng.standard_normal(len(t))


def fixed(seed: int, years: int = 20) -> np.ndarray:
    """A fixed season under noise as large as the season."""
    rng = np.random.default_rng(seed)
    t = np.arange(years * M)
    return 10 + np.sin(2 * np.pi * t / M) + rng.standard_normal(len(t))


def test_a_span_reads_the_latest_seasons_only_and_stays_causal():
    b = moving(0)
    five, every = seasonal_steps(b, M, 5), seasonal_steps(b, M)
    for end in (40, 131, len(b) - 1):  # step t's index depends on b[: t + 1] only
        assert seasonal_steps(b[: end + 1], M, 5)[-1] == five[end]
    truth = np.diff(np.sin(2 * np.pi * np.arange(len(b)) / M + np.pi))
    late = slice(len(b) - 2 * M, len(b) - 1)  # the last two years: season B only
    assert np.max(np.abs(five[late] - truth[late])) < 0.25  # amplitude 1
    # averaged over all years, the turned season is still half the old one
    assert np.max(np.abs(every[late] - truth[late])) > 0.5
    # before five seasons are known, both are the same average
    early = slice(M + M // 2, 5 * M)
    np.testing.assert_array_equal(five[early], every[early])


@pytest.mark.parametrize("seed", range(4))
def test_the_span_follows_a_moving_season_and_keeps_a_fixed_one(seed):
    skip = M + M // 2
    assert best_span(moving(seed), M, skip) == 5
    assert best_span(fixed(seed), M, skip) is None
    b = moving(seed)  # the chosen span leaves the least varying changes
    scores = [np.var(adjusted_changes(b, M, s)[skip:]) for s in SPANS]
    assert SPANS[int(np.argmin(scores))] == 5
    assert best_span(b[: skip + 1], M, skip) is None  # nothing to score: all years


@pytest.mark.parametrize("scaling", ["diff+sa", "logdiff+sa"])
def test_a_transform_keeps_its_span_and_reloads_it(scaling):
    b = moving(1)
    tf = Transform(scaling, "s", M).fit(b[:-24])
    assert tf.span == 5
    saved = tf.to_dict()
    assert saved["span"] == 5
    again = Transform.from_dict(saved, "s")
    np.testing.assert_array_equal(again.features(b), tf.features(b))
    assert again.invert(0.3, b) == tf.invert(0.3, b)
    # the forecast of a silent network: last value, mean change, the season's
    # step as the latest five seasons know it
    base = np.log(b) if scaling.startswith("log") else b
    mean = tf.change.inverse_transform(np.zeros(1))[0]
    step = base[-1] + mean + seasonal_steps(base, M, 5)[-1]
    nxt = np.exp(step) if scaling.startswith("log") else step
    assert tf.invert(0.0, b) == pytest.approx(nxt, rel=1e-12)
    assert "span" not in Transform(scaling, "s", M).fit(fixed(1)).to_dict()


@pytest.mark.parametrize("span", [True, 0, -5, 2.0, "5"])
def test_a_bad_saved_span_is_refused(span):
    saved = Transform("diff+sa", "s", M).fit(moving(1)).to_dict()
    saved["span"] = span
    with pytest.raises(ValueError, match="series 's': bad span"):
        Transform.from_dict(saved, "s")


def test_a_span_on_a_scaling_without_a_seasonal_index_is_refused():
    saved = Transform("diff", "s").fit(moving(1)).to_dict()
    saved["span"] = 5
    with pytest.raises(ValueError, match="bad span 5"):
        Transform.from_dict(saved, "s")


@pytest.mark.parametrize("m", [2, 4, 7, 12])
@pytest.mark.parametrize("span", [None, 5])
def test_a_path_one_value_longer_extends_its_steps_bit_for_bit(m, span):
    """seasonal_steps on a history one value longer than one seen lately adds
    one step from the running sums: the same bytes as the whole computation,
    also for two different values after the same history."""
    from unrolled.forecasting.features import seasons

    rng = np.random.default_rng(m)
    b = 1000 * rng.random() + np.cumsum(rng.standard_normal(3 * m + 5))
    extended = 0
    for _ in range(3 * m):
        for nxt in (b[-1] + rng.standard_normal(), b[-1] - 7.5):
            path = np.append(b, nxt)
            prefix = (m, span, path.dtype.str, b.tobytes())
            extended += prefix in seasons.RECENT  # its history was seen
            got = seasonal_steps(path, m, span)
            whole = seasons.SeasonPath.of(path, m, span).steps
            assert got.tobytes() == whole.tobytes()
        b = path
    assert extended == 2 * (3 * m - 1)  # each step after the first extends


def test_the_recent_paths_kept_stay_under_their_byte_budget(monkeypatch):
    """Many long histories: the oldest recent paths are dropped past
    MAX_RECENT_BYTES, and the count of bytes kept is that of what remains."""
    from unrolled.forecasting.features import seasons

    monkeypatch.setattr(seasons, "RECENT", seasons.OrderedDict())
    monkeypatch.setattr(seasons, "_KEPT", [0])
    monkeypatch.setattr(seasons, "MAX_RECENT_BYTES", 200_000)
    rng = np.random.default_rng(0)
    for _ in range(40):
        b = 100 + np.cumsum(rng.standard_normal(1000))
        for nxt in (b, np.append(b, b[-1])):  # a whole history, then one longer
            seasonal_steps(nxt, 12)
    kept = sum(seasons._cost(k, p) for k, p in seasons.RECENT.items())
    assert seasons._KEPT[0] == kept <= 200_000
    assert 4 <= len(seasons.RECENT) < 80  # some kept, the oldest dropped
    seasonal_steps(b, 12)  # seen again: counted once, the newest
    assert seasons._KEPT[0] == sum(seasons._cost(k, p)
                                   for k, p in seasons.RECENT.items())  # fmt: skip
    assert next(reversed(seasons.RECENT))[-1] == b.tobytes()
