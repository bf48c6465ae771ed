"""The hybrid names both parts; every user-facing scaling name still builds."""

from __future__ import annotations

import numpy as np
import pytest

from unrolled.errors import InputError
from unrolled.forecasting.ensemble.members import Candidate, Member
from unrolled.forecasting.features.transforms import Transform
from unrolled.forecasting.models.classical import (
    Airline,
    HoltWinters,
    SeasonalNaive,
)
from unrolled.forecasting.models.hybrid import Hybrid
from unrolled.forecasting.models.networks import GRU
from unrolled.forecasting.models.residuals import Residuals
from unrolled.forecasting.models.scalings import (
    SCALINGS,
    make_transform,
    transform_from_dict,
)

# every name Forecaster(scaling=...) and --scaling took before the split
PUBLIC = {"minmax", "standard", "log", "diff", "diff+level", "logdiff",
          "logdiff+level", "es", "loges", "diff+lag", "logdiff+lag", "sdiff",
          "logsdiff", "sdiff+diff", "diff+sa", "logdiff+sa", "hw", "loghw",
          "theta", "logtheta", "airline", "logairline", "snaive"}  # fmt: skip


def test_a_hybrids_name_says_the_classical_model_and_the_network():
    h = Hybrid(HoltWinters(12, log=True), "GRU")
    assert h.name == "Hybrid(HoltWinters(log), GRU)"
    assert (h.kind, h.scaling, h.takes_logs) == ("hybrid", "loghw", True)
    assert Hybrid.of("theta", 12, "LSTM").name == "Hybrid(Theta, LSTM)"
    assert Hybrid(Airline(4), "RNN").name == "Hybrid(Airline, RNN)"
    tf = h.residuals("s")
    assert type(tf) is Residuals and (tf.scaling, tf.season) == ("loghw", 12)


def test_seasonal_naive_has_no_errors_to_learn_and_is_no_hybrid():
    with pytest.raises(InputError, match="classical: expected a classical model"):
        Hybrid(SeasonalNaive(12), "GRU")
    with pytest.raises(InputError, match="classical: expected"):
        Hybrid("hw", "GRU")


@pytest.mark.parametrize("scaling, kind", [("loghw", "hybrid"), ("theta", "hybrid"),
                                           ("snaive", "network"),
                                           ("logdiff", "network")])  # fmt: skip
def test_a_member_on_a_classical_models_errors_is_named_a_hybrid(scaling, kind):
    network = GRU(scaling, 4, 2, season=12)
    member = Member(Candidate(scaling, 2, 4, 0.01, season=12), network)
    assert member.kind == kind
    names = {"loghw": "Hybrid(HoltWinters(log), GRU)", "theta": "Hybrid(Theta, GRU)",
             "snaive": "GRU(snaive)", "logdiff": "GRU(logdiff)"}  # fmt: skip
    assert member.name == names[scaling]


def test_every_public_scaling_name_builds_its_transform_and_reads_back():
    assert set(SCALINGS) == PUBLIC and len(SCALINGS) == len(PUBLIC)
    y = 10 + np.sin(np.arange(48) * 2 * np.pi / 4) + 0.05 * np.arange(48)
    for scaling in SCALINGS:
        t = make_transform(scaling, "s", 4).fit(y)
        plain = scaling not in {"es", "loges", "hw", "loghw", "theta", "logtheta",
                                "airline", "logairline", "snaive"}  # fmt: skip
        assert type(t) is (Transform if plain else Residuals)
        back = transform_from_dict(t.to_dict(), "s")
        assert type(back) is type(t) and back.to_dict() == t.to_dict()
        assert back.invert(0.0, y) == t.invert(0.0, y)
    with pytest.raises(InputError, match="expected one of minmax, .*, snaive or"):
        make_transform("robust")


@pytest.mark.parametrize("scaling", ["loghw", "logtheta", "airline", "es"])
def test_transforms_share_the_classical_forecasts_of_a_history_only_when_equal(
    scaling,
):
    """A history's classical forecasts are kept for the next transform with
    the same fitted method (as the members of an ensemble that share a
    scaling): its inputs and inverters are those it computes alone."""
    from unrolled.forecasting.models import residuals

    t = np.arange(60.0)
    a = 50 + t + 8 * np.sin(t * np.pi / 6)
    b = 80 + np.cumsum(np.random.default_rng(0).normal(size=60)) + 3 * np.cos(t)
    h = np.concatenate([a[:50], b[40:48]])  # a history none was fitted on

    def fitted(y):
        return make_transform(scaling, "s", 12).fit(y)

    def read(tf):
        return tf.features(h), tf.inverter(h)(np.array([0.3]))

    residuals.SHARED.kept.clear()
    alone = read(fitted(b))
    first, same, other = fitted(a), fitted(a), fitted(b)
    assert repr(first.smooth) == repr(same.smooth) != repr(other.smooth)
    residuals.SHARED.kept.clear()
    read(first)
    assert len(residuals.SHARED.kept) == 1
    for x, y in zip(read(same), read(first), strict=True):
        np.testing.assert_array_equal(x, y)
    assert len(residuals.SHARED.kept) == 1  # the same method: shared
    for x, y in zip(read(other), alone, strict=True):
        np.testing.assert_array_equal(x, y)
    assert len(residuals.SHARED.kept) == 2


def test_the_shared_forecasts_keep_within_their_budget():
    from unrolled.forecasting.models.residuals import Shared

    kept = Shared(budget=1000)
    for k in range(20):
        out = kept.get((k, bytes(80)), lambda k=k: np.full(10, float(k)))
        assert out[0] == k and not out.flags.writeable
        assert kept.size <= 1000 and kept.size == 160 * len(kept.kept)
    assert list(kept.kept)[0][0] == 14  # the oldest dropped first
    np.testing.assert_array_equal(kept.get((19, bytes(80)), None), np.full(10, 19.0))
