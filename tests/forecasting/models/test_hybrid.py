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
