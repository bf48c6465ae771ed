"""The engine: ragged batches, shared weights, hand-written BPTT checked two ways."""

import numpy as np
import pytest
from conftest import max_rel_error, numeric_grads, ragged_batch

import unrolled

CELLS = [("rnn", {"nonlinearity": "relu"}), ("rnn", {"nonlinearity": "tanh"})]


def make(cell, kw, **more):
    return unrolled.build_model({"cell": cell, **kw, **more})


@pytest.mark.parametrize("cell,kw", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("input_size", [1, 3])
def test_bptt_matches_finite_differences(rng, cell, kw, num_layers, input_size):
    net = make(
        cell, kw, input_size=input_size, hidden_size=3, num_layers=num_layers, seed=7
    )
    seqs = ragged_batch(rng, [5, 2, 7, 1], input_size)
    targets = rng.normal(size=4)
    _, grads = net.loss_and_grads(seqs, targets)
    num = numeric_grads(net, seqs, targets)
    for name in grads:
        assert max_rel_error(grads[name], num[name]) < 1e-6, name


@pytest.mark.parametrize("cell,kw", CELLS)
def test_per_step_bptt_matches_finite_differences(rng, cell, kw):
    net = make(cell, kw, hidden_size=2, num_layers=2, output_size=2, seed=3)
    seqs = ragged_batch(rng, [4, 6, 1])
    targets = [rng.normal(size=(len(s), 2)) for s in seqs]
    _, grads = net.loss_and_grads(seqs, targets, per_step=True)
    num = numeric_grads(net, seqs, targets, per_step=True)
    for name in grads:
        assert max_rel_error(grads[name], num[name]) < 1e-6, name


def test_per_step_loss_is_ssr_over_every_copy(rng):
    net = unrolled.RNN(hidden_size=4, seed=1)
    seqs = ragged_batch(rng, [3, 5])
    targets = [rng.normal(size=len(s)) for s in seqs]
    outs = net.predict(seqs, all_steps=True)
    want = sum(float(np.sum((o - t) ** 2)) for o, t in zip(outs, targets, strict=True))
    assert net.loss_and_grads(seqs, targets, per_step=True)[0] == pytest.approx(want)


def test_result_does_not_depend_on_the_rest_of_the_batch(rng):
    net = unrolled.RNN(hidden_size=5, num_layers=2, nonlinearity="tanh", seed=2)
    nine_days, five_days = rng.normal(size=9), rng.normal(size=5)
    alone = net.predict([five_days])[0]
    together = net.predict([nine_days, five_days, rng.normal(size=30)])
    assert together[1] == pytest.approx(alone, rel=1e-14, abs=1e-15)
    assert net.predict([nine_days])[0] == pytest.approx(together[0], rel=1e-14)


def test_batch_order_does_not_change_predictions_or_grads(rng):
    net = unrolled.RNN(hidden_size=3, seed=4)
    seqs, targets = ragged_batch(rng, [2, 8, 5, 8]), rng.normal(size=4)
    perm = [2, 0, 3, 1]
    p1 = net.predict(seqs)
    p2 = net.predict([seqs[i] for i in perm])
    np.testing.assert_allclose(p2, p1[perm], rtol=1e-14)
    l1, g1 = net.loss_and_grads(seqs, targets)
    l2, g2 = net.loss_and_grads([seqs[i] for i in perm], targets[perm])
    assert l1 == pytest.approx(l2, rel=1e-13)
    for k in g1:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("T", [1, 10, 1000])
def test_parameter_count_does_not_depend_on_length(T):
    net = unrolled.RNN(hidden_size=4, num_layers=2, seed=0)
    before = net.num_parameters()
    net.predict([np.zeros(T)])
    assert net.num_parameters() == before == (4 + 16 + 8) + (16 + 16 + 8) + 5


def test_state_dict_round_trip_and_names():
    net = unrolled.RNN(input_size=3, hidden_size=4, num_layers=2, output_size=2, seed=0)
    sd = net.state_dict()
    assert {k: v.shape for k, v in sd.items()} == {
        "weight_ih_l0": (4, 3),
        "weight_hh_l0": (4, 4),
        "bias_ih_l0": (4,),
        "bias_hh_l0": (4,),
        "weight_ih_l1": (4, 4),
        "weight_hh_l1": (4, 4),
        "bias_ih_l1": (4,),
        "bias_hh_l1": (4,),
        "head.weight": (2, 4),
        "head.bias": (2,),
    }
    other = unrolled.RNN(
        input_size=3, hidden_size=4, num_layers=2, output_size=2, seed=9
    )
    other.load_state_dict(sd)
    x = [np.ones((3, 3))]
    np.testing.assert_array_equal(other.predict(x), net.predict(x))


def test_same_seed_same_weights():
    a, b = unrolled.RNN(hidden_size=3, seed=5), unrolled.RNN(hidden_size=3, seed=5)
    for k, v in a.state_dict().items():
        np.testing.assert_array_equal(v, b.state_dict()[k])


def test_float32_predictions_and_grads_are_float32_and_close(rng):
    n64 = unrolled.RNN(hidden_size=8, num_layers=2, seed=0)
    n32 = unrolled.RNN(hidden_size=8, num_layers=2, seed=0, dtype="float32")
    n32.load_state_dict(n64.state_dict())
    seqs, targets = ragged_batch(rng, [6, 3, 9]), rng.normal(size=3)
    p32 = n32.predict(seqs)
    assert p32.dtype == np.float32
    np.testing.assert_allclose(p32, n64.predict(seqs), rtol=1e-5, atol=1e-6)
    l32, g32 = n32.loss_and_grads(seqs, targets)
    l64, g64 = n64.loss_and_grads(seqs, targets)
    assert l32 == pytest.approx(l64, rel=1e-5)
    for k in g64:
        assert g32[k].dtype == np.float32
        np.testing.assert_allclose(g32[k], g64[k], rtol=1e-4, atol=1e-5)


def test_tbptt_window_at_least_length_equals_full_bptt(rng):
    net = unrolled.RNN(hidden_size=3, nonlinearity="tanh", seed=0)
    seqs, targets = ragged_batch(rng, [6, 4]), rng.normal(size=2)
    _, full = net.loss_and_grads(seqs, targets)
    _, trunc = net.loss_and_grads(seqs, targets, tbptt=6)
    for k in full:
        np.testing.assert_allclose(trunc[k], full[k], rtol=1e-14)
    _, short = net.loss_and_grads(seqs, targets, tbptt=1)
    assert not np.allclose(short["weight_hh_l0"], full["weight_hh_l0"])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_packed_batch_gives_the_same_results_as_the_list(rng, cell):
    seqs = [rng.normal(size=(T, 2)) for T in (4, 7, 1, 7)]
    targets = rng.normal(size=4)
    net = unrolled.build_model({"cell": cell, "input_size": 2, "hidden_size": 3})
    batch = unrolled.pack_batch(seqs, input_size=2)
    assert batch.lengths.tolist() == [7, 7, 4, 1]
    loss, grads = net.loss_and_grads(seqs, targets)
    loss_p, grads_p = net.loss_and_grads(batch, targets)
    assert loss_p == loss
    for name, g in grads.items():
        np.testing.assert_array_equal(grads_p[name], g)
    np.testing.assert_array_equal(net.predict(batch), net.predict(seqs))
    assert net.loss(batch, targets) == loss


def test_packed_batch_must_match_the_model():
    batch = unrolled.pack_batch([[1.0, 2.0]], dtype="float32")
    with pytest.raises(ValueError, match="packed as float32 with input_size 1, but"):
        unrolled.RNN(hidden_size=2).predict(batch)
    with pytest.raises(ValueError, match=r"seqs\[0\]: expected shape \(T, 2\)"):
        unrolled.pack_batch([[1.0, 2.0]], input_size=2)
