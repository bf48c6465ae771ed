"""Memory with many series: prediction passes that keep nothing they do not need."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import ragged_batch

import unrolled
from unrolled.forecasting.data import from_dict
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.intervals import paths
from unrolled.forecasting.prediction import network_context
from unrolled.forecasting.windows import predict_in_chunks


def seasonal(seed=0, lengths=(96, 72, 120)):
    rng = np.random.default_rng(seed)
    out = {}
    for k, n in enumerate(lengths):
        t = np.arange(n)
        y = 10 + 0.03 * t + 2 * np.sin(2 * np.pi * t / 12 + k)
        out[f"s{k}"] = y + 0.1 * rng.standard_normal(n)
    return from_dict(out, freq="MS")


@pytest.fixture(scope="module", params=["diff", "logdiff+lag"])
def fitted(request):
    """A small fitted forecaster; logdiff+lag reads three seasons back."""
    fc = Forecaster(hidden=6, window=12, lr=0.03, scaling=request.param, epochs=4,
                    seed=0)  # fmt: skip
    ds = seasonal()
    fc.fit(ds)
    return fc, [s.name for s in ds.series], [np.asarray(s.values) for s in ds.series]


def test_network_paths_from_tails_equal_those_from_whole_histories(fitted):
    fc, names, values = fitted
    origins = [(i, o) for i, v in enumerate(values) for o in (13, 40, len(v) - 5)]
    whole = paths(fc.one_step, values, origins, names, 4)
    assert np.array_equal(fc.forecast_paths(values, origins, names, 4), whole)


def test_network_context_is_the_tail_the_members_read(fitted):
    fc, names, values = fitted
    keep = max(m.candidate.window + next(iter(m.transforms.values())).lookback
               for m in fc.members_)  # fmt: skip
    tails, at, own, upto = network_context(fc.members_, values, [(1, 60)], names)
    assert np.shares_memory(tails[0], values[1])  # a view, not a copy
    assert np.array_equal(tails[0], values[1][60 - keep : 60])
    assert at == [(0, keep)] and own == [names[1]] and upto is None


def test_network_context_keeps_whole_histories_of_unseen_series(fitted):
    fc, names, values = fitted
    args = (values, [(0, 50)], ["new", *names[1:]], [30, 40, 50])
    out = network_context(fc.members_, *args)
    assert all(a is b for a, b in zip(out, args, strict=True))


@pytest.mark.parametrize("chunk", [4, 64])
def test_chunked_prediction_equals_one_pass_and_keeps_no_tapes(rng, chunk):
    net = unrolled.build_model({"cell": "gru", "hidden_size": 5, "seed": 1})
    seqs = ragged_batch(rng, rng.integers(2, 15, size=30).tolist())
    once = net.predict(seqs)
    net.release_memory()
    got = predict_in_chunks(net, seqs, chunk)
    np.testing.assert_allclose(got, once, rtol=1e-12, atol=1e-15)
    if chunk >= len(seqs):
        assert np.array_equal(got, once)
    assert "_workspace" not in net.__dict__  # the tape buffers were given back
