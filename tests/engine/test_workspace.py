"""Tape buffers reused between steps: results identical to fresh memory."""

import copy
import threading

import numpy as np
import pytest
from conftest import ragged_batch

import unrolled
from unrolled.engine import layers
from unrolled.engine.workspace import Workspace

CELLS = ["rnn", "lstm", "gru"]


def test_take_reuses_and_grows():
    ws = Workspace()
    a = ws.take("H", (3, 4), np.float32)
    a[...] = 7
    b = ws.take("H", (2, 5), np.float32)  # smaller: the same memory, stale
    assert np.shares_memory(a, b) and b.ravel()[0] == 7
    c = ws.take("H", (10, 10), np.float64)  # larger: a new, zeroed buffer
    assert not np.shares_memory(a, c) and not c.any()
    assert ws.nbytes() == 800
    ws.clear()
    assert ws.nbytes() == 0


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("hidden", [3, 12])  # feature-major and row-major kernels
def test_reused_tapes_give_the_results_of_fresh_ones(rng, cell, hidden):
    """Batches of other shapes in between leave stale values past each end of
    the reused buffers; no result may depend on them."""
    cfg = {"cell": cell, "hidden_size": hidden, "num_layers": 2, "seed": 4}
    net = unrolled.build_model(cfg)
    batches = [ragged_batch(rng, lengths) for lengths in ([9, 3, 7], [2, 12], [5] * 6)]
    targets = [rng.normal(size=len(b)) for b in batches]
    for _ in range(2):  # the second round runs on buffers written by the first
        for seqs, tg in zip(batches, targets, strict=True):
            got = net.loss_and_grads(seqs, tg)
            fresh = unrolled.build_model(cfg).loss_and_grads(seqs, tg)
            assert got[0] == fresh[0]
            for name, g in fresh[1].items():
                np.testing.assert_array_equal(got[1][name], g)
            np.testing.assert_array_equal(
                net.predict(seqs), unrolled.build_model(cfg).predict(seqs)
            )
    assert net._workspace.nbytes() > 0
    net.release_memory()
    assert "_workspace" not in vars(net)


def test_a_second_thread_gets_fresh_memory(monkeypatch, rng):
    """While one step holds the workspace, another on the same model allocates."""
    net = unrolled.LSTM(hidden_size=16, seed=1)
    seqs, tg = ragged_batch(rng, [30, 20, 10] * 4), rng.normal(size=12)
    want = net.loss_and_grads(seqs, tg)
    started, go = threading.Event(), threading.Event()
    real = layers.layer_forward

    def slow(*args, **kw):  # the first step waits, holding the workspace
        if threading.current_thread() is not threading.main_thread():
            started.set()
            go.wait(10)
        return real(*args, **kw)

    monkeypatch.setattr("unrolled.engine.network.layer_forward", slow)
    out = {}
    worker = threading.Thread(target=lambda: out.update(r=net.loss_and_grads(seqs, tg)))
    worker.start()
    assert started.wait(10)
    mine = net.loss_and_grads(seqs, tg)  # workspace busy: fresh zeros
    go.set()
    worker.join(10)
    for got in (mine, out["r"]):
        assert got[0] == want[0]
        for name, g in want[1].items():
            np.testing.assert_array_equal(got[1][name], g)


def test_models_with_a_workspace_copy_and_train(rng):
    net = unrolled.GRU(hidden_size=4, seed=0)
    seqs = ragged_batch(rng, [6, 4, 5])
    net.loss_and_grads(seqs, [0.1, 0.2, 0.3])
    twin = copy.deepcopy(net)  # the buffers are not copied
    assert "_workspace" not in vars(twin)
    assert twin.loss(seqs, [0.1, 0.2, 0.3]) == net.loss(seqs, [0.1, 0.2, 0.3])
    unrolled.fit(net, seqs, [0.1, 0.2, 0.3], epochs=2, lr=0.01)
    assert "_workspace" not in vars(net)  # fit releases them at its end


def test_a_second_thread_takes_a_spare_workspace_kept_until_released(rng):
    """While one pass holds the network's workspace, another thread's pass
    takes a spare one (the same predictions), kept for its next pass."""
    net = unrolled.build_model({"cell": "gru", "hidden_size": 4, "seed": 0})
    seqs = ragged_batch(rng, [5, 9, 3])
    expected = net.predict(seqs)
    got = []
    with net._tape_memory(True) as held:  # this thread's pass holds it
        assert held is net._workspace
        t = threading.Thread(target=lambda: got.append(net.predict(seqs)))
        t.start()
        t.join()
    assert np.array_equal(got[0], expected)
    (spare,) = net._spare_workspaces
    assert spare is not net._workspace and spare.nbytes() > 0
    net.release_memory()
    assert "_spare_workspaces" not in vars(net) and "_workspace" not in vars(net)
