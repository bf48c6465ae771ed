"""The recurrent networks are models: fit(y) -> self, predict(h) -> the path."""

from __future__ import annotations

import numpy as np
import pytest

import unrolled
from unrolled.errors import InputError, NotFittedError
from unrolled.forecasting.ensemble.members import Candidate, digest
from unrolled.forecasting.ensemble.search import Setup, train_candidate
from unrolled.forecasting.models.networks import Network, network_class
from unrolled.models import GRU, LSTM, RNN, HoltWinters, Hybrid, Naive, Theta


def monthly(n=84, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 50 + 10 * np.sin(2 * np.pi * t / 12) + 0.1 * t + rng.standard_normal(n)


def test_a_gru_on_a_short_seasonal_series_forecasts_it_better_than_naive():
    y = monthly()
    train, test = y[:72], y[72:]
    model = GRU("diff", window=12, hidden=16, epochs=100, seed=0)
    assert model.fit(train) is model
    path = model.predict(12)
    assert path.shape == (12,) and path.dtype == np.float64
    naive = Naive().fit(train).predict(12)
    # naive misses the season by about 7; the network learnt it from 6 seasons
    assert np.mean(np.abs(path - test)) < 0.5 * np.mean(np.abs(naive - test))


@pytest.mark.parametrize("cls", [RNN, LSTM, GRU])
def test_predict_before_fit_raises_and_the_name_says_cell_and_scaling(cls):
    model = cls("logsdiff", season=12)
    with pytest.raises(NotFittedError, match=rf"{cls.__name__}\(logsdiff\) is not"):
        model.predict(3)
    assert (model.name, model.kind, model.takes_logs) == (
        f"{cls.__name__}(logsdiff)", "network", True)  # fmt: skip
    assert vars(model) == model.get_params()  # __init__ only stores them
    assert network_class(cls.cell) is network_class(cls.__name__) is cls


def test_one_global_network_fits_a_batch_and_forecasts_every_series():
    a, b = monthly(60, seed=1), 0.5 * monthly(48, seed=2)
    args = dict(window=12, hidden=4, epochs=5, seed=3)
    by_name = GRU("diff", **args).fit({"a": a, "b": b})
    assert by_name.names_ == ["a", "b"] and set(by_name.transforms_) == {"a", "b"}
    paths = by_name.predict(4)
    assert paths.shape == (2, 4)
    listed = GRU("diff", **args).fit([a, b])  # the same data, named 0 and 1
    assert listed.names_ == ["0", "1"]
    np.testing.assert_array_equal(listed.predict(4), paths)
    # one set of weights: a's row is the network's path from a's history
    one = by_name.one_step([a], [(0, len(a))], ["a"])
    assert one[0] == paths[0, 0]
    with pytest.raises(InputError, match=r"y\['b'\]: expected finite numbers"):
        GRU("diff", **args).fit({"a": a, "b": [1.0, np.nan]})
    with pytest.raises(InputError, match="y: expected at least one series"):
        GRU().fit({})


def test_the_network_is_the_searchs_member_for_the_same_candidate_and_seed():
    y = {"a": monthly(72, seed=4), "b": 2 + monthly(60, seed=5)}
    names, parts = list(y), list(y.values())
    setup = Setup("gru", 1, 16, 20, 5, 7, 1.0, None, None, names, parts, parts, [])
    cand = Candidate("logsdiff", 6, 12, 0.01, season=12)
    member = train_candidate(cand, setup, 0, 1)
    model = GRU("logsdiff", window=12, hidden=6, lr=0.01, epochs=20, season=12,
                batch_size=16, seed=7).fit(y)  # fmt: skip
    assert isinstance(member.network, GRU) and member.name == model.name
    assert digest(model.module_) == digest(member.model) != ""
    # the member's recursive path, as the ensemble computes it, is predict's
    hist = [v.copy() for v in parts]
    for k in range(3):
        step = member.one_step(hist, [(i, len(v)) for i, v in enumerate(hist)], names)
        np.testing.assert_array_equal(step, model.predict(3)[:, k])
        hist = [np.append(v, x) for v, x in zip(hist, step, strict=True)]


def test_a_hybrid_fits_and_forecasts_as_its_network_on_the_classical_errors():
    y = monthly(72, seed=6)
    net = GRU(window=12, hidden=4, epochs=5, seed=1)
    hybrid = Hybrid(HoltWinters(12, log=True), net)
    assert hybrid.name == "Hybrid(HoltWinters(log), GRU)"
    with pytest.raises(NotFittedError):
        hybrid.predict(2)
    path = hybrid.fit(y).predict(6)
    assert hybrid.network_.scaling == "loghw" and net.scaling == "diff"
    same = GRU("loghw", window=12, hidden=4, epochs=5, season=12, seed=1).fit(y)
    np.testing.assert_array_equal(path, same.predict(6))
    # a hybrid whose network learnt nothing forecasts as its classical model
    silent = Hybrid(Theta(12), GRU(window=12, epochs=1, lr=1e-12))
    np.testing.assert_allclose(silent.fit(y).predict(6), Theta(12).fit(y).predict(6),
                               rtol=1e-9)  # fmt: skip


def test_the_models_are_public_beside_the_engines_networks():
    assert unrolled.models.GRU is GRU and issubclass(GRU, Network)
    assert unrolled.GRU is not GRU and unrolled.GRU.__module__.endswith("network")
    assert "models" in unrolled.__all__
    for name in unrolled.models.__all__:
        assert getattr(unrolled.models, name).__doc__, name
