"""LSTM and GRU: hand-written BPTT checked by finite differences and against torch."""

import numpy as np
import pytest
from conftest import max_rel_error, numeric_grads, ragged_batch

import unrolled

GATED = ["lstm", "gru"]


@pytest.fixture(autouse=True, params=["auto", "numpy"])
def kernels(request, monkeypatch):
    """Every test twice: the compiled time loop (when Numba is there) and the
    readable one that calls ``cells.py`` step by step."""
    from unrolled.engine import dispatch

    monkeypatch.setattr(dispatch.backend, "mode", request.param)
    return request.param


def make(cell, **kw):
    return unrolled.build_model({"cell": cell, **kw})


@pytest.mark.parametrize("cell", GATED)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("input_size", [1, 3])
def test_bptt_matches_finite_differences(rng, cell, num_layers, input_size):
    net = make(
        cell, input_size=input_size, hidden_size=3, num_layers=num_layers, seed=7
    )
    seqs = ragged_batch(rng, [5, 2, 7, 1], input_size)  # ragged: 4 lengths
    targets = rng.normal(size=4)
    _, grads = net.loss_and_grads(seqs, targets)
    num = numeric_grads(net, seqs, targets)
    assert set(grads) == set(num)
    for name in grads:
        assert max_rel_error(grads[name], num[name]) < 1e-6, name


@pytest.mark.parametrize("cell", GATED)
def test_per_step_bptt_matches_finite_differences(rng, cell):
    net = make(cell, hidden_size=2, num_layers=2, output_size=2, seed=3)
    seqs = ragged_batch(rng, [4, 6, 1])
    targets = [rng.normal(size=(len(s), 2)) for s in seqs]
    _, grads = net.loss_and_grads(seqs, targets, per_step=True)
    num = numeric_grads(net, seqs, targets, per_step=True)
    for name in grads:
        assert max_rel_error(grads[name], num[name]) < 1e-6, name


@pytest.mark.parametrize("cell", GATED)
def test_gate_layout_and_shapes_follow_pytorch(cell):
    net = make(cell, input_size=3, hidden_size=5, num_layers=2, seed=0)
    G = {"lstm": 4, "gru": 3}[cell]
    sd = net.state_dict()
    assert list(sd) == [
        "weight_ih_l0",
        "weight_hh_l0",
        "bias_ih_l0",
        "bias_hh_l0",
        "weight_ih_l1",
        "weight_hh_l1",
        "bias_ih_l1",
        "bias_hh_l1",
        "head.weight",
        "head.bias",
    ]
    assert sd["weight_ih_l0"].shape == (G * 5, 3)
    assert sd["weight_ih_l1"].shape == (G * 5, 5)
    assert sd["weight_hh_l1"].shape == (G * 5, 5)


def test_lstm_forget_gate_keeps_the_cell_state():
    """A saturated forget gate (f = 1) keeps every value written to the cell."""
    net = unrolled.LSTM(hidden_size=1, seed=0)
    big = 30.0
    sd = {
        "weight_ih_l0": [[0.0], [0.0], [1.0], [0.0]],  # g = tanh(x)
        "weight_hh_l0": [[0.0]] * 4,
        "bias_ih_l0": [big, big, 0.0, big],  # i = f = o = 1 (saturated)
        "bias_hh_l0": [0.0] * 4,
        "head.weight": [[1.0]],
        "head.bias": [0.0],
    }
    net.load_state_dict(sd)
    # c_T = sum_t tanh(x_t) with i = f = 1; h_T = tanh(c_T)
    x = np.array([0.3, -0.1, 0.2])
    assert net.predict([x])[0] == pytest.approx(np.tanh(np.tanh(x).sum()), rel=1e-12)


def test_gru_update_gate_one_copies_the_hidden_state():
    """z = 1 makes h_t = h_{t-1}: the state (zero) never changes."""
    net = unrolled.GRU(hidden_size=2, seed=0)
    sd = net.state_dict()
    sd["bias_ih_l0"][2:4] = 40.0  # z's bias: z = 1
    net.load_state_dict(sd)
    out = net.predict([np.arange(5.0)])
    assert out[0] == pytest.approx(sd["head.bias"][0], abs=1e-12)


torch = pytest.importorskip("torch")
from test_torch_parity import (  # noqa: E402
    check_parity,
    torch_last_step,
    torch_model,
)


@pytest.mark.slow
@pytest.mark.parametrize("cell", GATED)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("input_size", [1, 3])
def test_matches_torch_outputs_and_grads(rng, cell, num_layers, input_size):
    net = make(
        cell, input_size=input_size, hidden_size=4, num_layers=num_layers, seed=11
    )
    check_parity(net, rng, input_size)


@pytest.mark.slow
@pytest.mark.parametrize("cell", GATED)
def test_matches_torch_with_two_outputs(rng, cell):
    net = make(cell, input_size=2, hidden_size=3, output_size=2, seed=2)
    check_parity(net, rng, 2)


@pytest.mark.slow
@pytest.mark.parametrize("cell", GATED)
def test_weights_move_from_torch_to_unrolled(rng, cell):
    kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    torch.manual_seed(0)
    rnn = kind(2, 4, 2, dtype=torch.float64)
    head = torch.nn.Linear(4, 1, dtype=torch.float64)
    sd = dict(rnn.state_dict())
    sd.update({f"head.{k}": v for k, v in head.state_dict().items()})
    net = make(cell, input_size=2, hidden_size=4, num_layers=2).load_state_dict(sd)
    seqs = ragged_batch(rng, [3, 7, 1], 2)
    targets = rng.normal(size=3)
    pred = torch_last_step(rnn, head, seqs)
    assert max_rel_error(net.predict(seqs), pred.detach().numpy()[:, 0]) < 1e-12
    loss = ((pred[:, 0] - torch.from_numpy(targets)) ** 2).sum()
    loss.backward()
    our_loss, grads = net.loss_and_grads(seqs, targets)
    assert our_loss == pytest.approx(loss.item(), rel=1e-12)
    for k, p in rnn.named_parameters():
        assert max_rel_error(grads[k], p.grad.numpy()) < 1e-9, k
    for k, p in head.named_parameters():
        assert max_rel_error(grads[f"head.{k}"], p.grad.numpy()) < 1e-9, k


@pytest.mark.slow
@pytest.mark.parametrize("cell", GATED)
@pytest.mark.parametrize("K", [1, 3])
def test_truncated_bptt_equals_torch_with_the_state_detached(rng, cell, K):
    """tbptt=K: the gradient is BPTT through the last K copies only, the state
    entering them treated as a constant (torch: run, ``detach``, run on)."""
    net = make(cell, input_size=2, hidden_size=3, seed=5)
    seq = rng.normal(size=(7, 2))
    target = rng.normal(size=1)
    rnn, head = torch_model(net)
    x = torch.from_numpy(seq)[:, None, :]  # (T, 1, I)
    _, state = rnn(x[:-K])
    state = tuple(s.detach() for s in state) if cell == "lstm" else state.detach()
    out, _ = rnn(x[-K:], state)
    loss = ((head(out[-1]) - torch.from_numpy(target)) ** 2).sum()
    loss.backward()
    our_loss, grads = net.loss_and_grads([seq], target, tbptt=K)
    assert our_loss == pytest.approx(loss.item(), rel=1e-12)
    for k, p in rnn.named_parameters():
        assert max_rel_error(grads[k], p.grad.numpy()) < 1e-9, k
