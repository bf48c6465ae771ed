"""Parity with torch.nn.RNN: same names, same numbers, weights moving both ways."""

import numpy as np
import pytest
from conftest import max_rel_error, ragged_batch

import unrolled

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.slow  # a real PyTorch, beside the engine


def torch_model(net):
    """A torch RNN + Linear head holding ``net``'s weights (loaded by name)."""
    cfg = net.config()
    kind = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[
        cfg["cell"]
    ]
    extra = {"nonlinearity": cfg["nonlinearity"]} if cfg["cell"] == "rnn" else {}
    rnn = kind(
        cfg["input_size"],
        cfg["hidden_size"],
        cfg["num_layers"],
        **extra,
        dtype=torch.float64,
    )
    head = torch.nn.Linear(cfg["hidden_size"], cfg["output_size"], dtype=torch.float64)
    sd = net.state_dict()
    rnn.load_state_dict(
        {k: torch.from_numpy(v) for k, v in sd.items() if not k.startswith("head.")}
    )
    head.load_state_dict(
        {
            "weight": torch.from_numpy(sd["head.weight"]),
            "bias": torch.from_numpy(sd["head.bias"]),
        }
    )
    return rnn, head


def torch_last_step(rnn, head, seqs):
    """Last-step predictions of a ragged batch through pack_padded_sequence."""
    lengths = torch.tensor([len(s) for s in seqs])
    padded = torch.nn.utils.rnn.pad_sequence(
        [torch.from_numpy(np.asarray(s, dtype=np.float64)) for s in seqs]
    )
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        padded, lengths, enforce_sorted=False
    )
    out, _ = rnn(packed)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out)
    last = out[lengths - 1, torch.arange(len(seqs))]
    return head(last)


def check_parity(net, rng, input_size, huber=None):
    seqs = ragged_batch(rng, [9, 5, 1, 12, 5], input_size)
    targets = rng.normal(size=(5, net.output_size))
    rnn, head = torch_model(net)
    pred = torch_last_step(rnn, head, seqs)
    if huber is None:
        loss = ((pred - torch.from_numpy(targets)) ** 2).sum()
    else:  # ours is the SSR where |r| <= delta: twice torch's
        loss = 2 * torch.nn.HuberLoss(reduction="sum", delta=huber)(
            pred, torch.from_numpy(targets)
        )
    loss.backward()
    ours = net.predict(seqs).reshape(5, -1)
    assert max_rel_error(ours, pred.detach().numpy()) < 1e-9
    if huber is not None:  # residuals inside delta and beyond it
        r = np.abs(ours - targets)
        assert (r < huber).any() and (r > huber).any()
    our_loss, grads = net.loss_and_grads(seqs, targets, huber=huber)
    assert our_loss == pytest.approx(loss.item(), rel=1e-9)
    theirs = {k: p.grad.numpy() for k, p in rnn.named_parameters()}
    theirs.update({f"head.{k}": p.grad.numpy() for k, p in head.named_parameters()})
    assert set(theirs) == set(grads)
    for k in grads:
        assert max_rel_error(grads[k], theirs[k]) < 1e-9, k


@pytest.mark.parametrize("nonlinearity", ["relu", "tanh"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("input_size", [1, 3])
def test_rnn_matches_torch_outputs_and_grads(rng, nonlinearity, num_layers, input_size):
    net = unrolled.RNN(
        input_size,
        hidden_size=6,
        num_layers=num_layers,
        nonlinearity=nonlinearity,
        seed=11,
    )
    check_parity(net, rng, input_size)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_huber_loss_and_grads_match_torchs_huber_loss(rng, cell):
    net = unrolled.build_model(
        {"cell": cell, "input_size": 2, "hidden_size": 5, "output_size": 2, "seed": 3}
    )
    check_parity(net, rng, 2, huber=0.5)


def test_weights_move_from_torch_to_unrolled(rng):
    rnn = torch.nn.RNN(2, 4, 2, nonlinearity="relu", dtype=torch.float64)
    head = torch.nn.Linear(4, 1, dtype=torch.float64)
    sd = dict(rnn.state_dict())
    sd.update({f"head.{k}": v for k, v in head.state_dict().items()})
    net = unrolled.RNN(2, 4, 2, nonlinearity="relu").load_state_dict(sd)
    seqs = ragged_batch(rng, [3, 7], 2)
    want = torch_last_step(rnn, head, seqs).detach().numpy()[:, 0]
    assert max_rel_error(net.predict(seqs), want) < 1e-12
