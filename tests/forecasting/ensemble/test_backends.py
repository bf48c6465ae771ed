"""Backends without Ray: the local backend, data-parallel sums, the error contract."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from unrolled.cli import run
from unrolled.engine.network import build_model
from unrolled.forecasting.ensemble import backends
from unrolled.forecasting.forecaster import Forecaster


def _data(rng, n=6):
    seqs = [rng.normal(size=(int(rng.integers(3, 9)), 1)) for _ in range(n)]
    return seqs, [rng.normal(size=len(s)) for s in seqs]


def test_local_backend_maps_in_order():
    assert backends.LocalBackend().map(lambda x: x * x, [3, 1, 2]) == [9, 1, 4]


@pytest.mark.parametrize("n, shards", [(7, 3), (2, 5), (10, 1)])
def test_shards_cover_every_item_once_in_order(n, shards):
    bounds = backends.shard_bounds(n, shards)
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(a < b for a, b in bounds)
    assert all(b == c for (_, b), (c, _) in zip(bounds[:-1], bounds[1:], strict=True))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("huber", [None, 0.5])
def test_sharded_gradients_sum_to_the_whole_batch(cell, huber):
    """The loss is a sum: three shards train the weights one batch does."""
    seqs, tgs = _data(np.random.default_rng(0))
    cfg = {"cell": cell, "input_size": 1, "hidden_size": 4, "seed": 1}
    one, three = build_model(cfg), build_model(cfg)
    kw = dict(epochs=20, lr=0.01, huber=huber)
    a = backends.data_parallel_fit(one, seqs, tgs, shards=1, **kw)
    b = backends.data_parallel_fit(three, seqs, tgs, shards=3, **kw)
    start = build_model(cfg)  # the loss it reports is the one it minimises
    want = start.loss(seqs, tgs, per_step=True, huber=huber)
    assert a[0] == pytest.approx(want, rel=1e-12)
    if huber is not None:
        assert want < start.loss(seqs, tgs, per_step=True)  # Huber's, not the SSR
    np.testing.assert_allclose(a, b, rtol=1e-12)
    for k, w in one.state_dict().items():
        np.testing.assert_allclose(three.state_dict()[k], w, rtol=1e-9, atol=1e-12)
    assert a[-1] < a[0]  # and it learns


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match="backend: expected one of local, ray"):
        backends.make_backend("spark")


def test_missing_ray_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ValueError, match=r"pip install 'unrolled\[ray\]'"):
        backends.make_backend("ray")


def test_cli_without_ray_exits_2_with_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)
    assert run(["forecast", "--backend", "ray", "--epochs", "2"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "Ray is not installed" in err and "unrolled[ray]" in err


def test_address_without_ray_backend_exits_2(capsys):
    assert run(["forecast", "--address", "127.0.0.1:1", "--epochs", "2"]) == 2
    assert "--address: only with --backend ray" in capsys.readouterr().err


def test_checkpoints_need_the_local_backend(tmp_path):
    with pytest.raises(ValueError, match="only with backend='local'"):
        Forecaster(epochs=2).fit(
            {"a": np.arange(40.0)}, checkpoint=tmp_path / "ck", backend="ray"
        )
    assert not (tmp_path / "ck").exists()


class Staged(backends.LocalBackend):
    """The local backend, taking the stage-at-once path a Ray backend takes."""

    name = "staged"


def test_the_stage_at_once_search_gives_the_local_numbers():
    """The search as on Ray (each stage's candidates at once) equals the loop."""
    rng = np.random.default_rng(3)
    data = {n: np.cumsum(rng.normal(size=60)) + 50 for n in "abc"}
    here = Forecaster(epochs=4, seed=0).fit(data)
    staged = Forecaster(epochs=4, seed=0).fit(data, backend=Staged())
    assert len(here.search_) > 2
    assert here.config_["searches"] == staged.config_["searches"] == 3  # short
    assert [c.__dict__ for c in staged.search_] == [c.__dict__ for c in here.search_]
    names, values = list(data), list(data.values())
    want = here.predict_values(2, names, values)
    for k, v in staged.predict_values(2, names, values).items():
        np.testing.assert_array_equal(v, want[k])
