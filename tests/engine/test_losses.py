"""Training losses: the SSR and Huber's, their gradients through BPTT, and fit."""

import numpy as np
import pytest
from conftest import max_rel_error, numeric_grads, ragged_batch

import unrolled
from unrolled.engine.losses import check_huber, residual_loss


def test_ssr_and_huber_of_known_residuals():
    r = np.array([0.5, -2.0, 3.0, -0.25])
    assert residual_loss(r) == (pytest.approx(13.3125), pytest.approx(2 * r))
    loss, grad = residual_loss(r, huber=1.0)
    # inside: r**2 (0.25, 0.0625); beyond: 2|r| - 1 (3, 5)
    assert loss == pytest.approx(0.25 + 3.0 + 5.0 + 0.0625)
    np.testing.assert_allclose(grad, [1.0, -2.0, 2.0, -0.5])


def test_huber_equals_the_ssr_where_no_residual_reaches_delta(rng):
    r = rng.uniform(-0.9, 0.9, size=(7, 3, 1))
    ssr, g = residual_loss(r)
    assert residual_loss(r, 0.9) == (ssr, pytest.approx(g))


def test_huber_keeps_float32():
    r = np.array([[0.5], [-3.0]], dtype=np.float32)
    assert residual_loss(r, 1.0)[1].dtype == np.float32


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), True, "1"])
def test_check_huber_refuses_what_is_not_a_positive_number(bad):
    with pytest.raises(ValueError, match="huber: expected None or a positive"):
        check_huber(bad)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize("per_step", [False, True])
def test_huber_bptt_matches_finite_differences(rng, cell, per_step):
    net = unrolled.build_model({"cell": cell, "hidden_size": 3, "seed": 5})
    seqs = ragged_batch(rng, [6, 3, 8])
    preds = net.predict(seqs, all_steps=per_step)
    # residuals of both branches: inside delta and beyond it
    offsets = [rng.choice([-2.5, -0.4, 0.3, 1.7], size=np.shape(p)) for p in preds]
    targets = [p + o for p, o in zip(preds, offsets, strict=True)]
    r = np.abs(np.concatenate([np.ravel(o) for o in offsets]))
    assert (r < 1).any() and (r > 1).any()
    _, grads = net.loss_and_grads(seqs, targets, per_step=per_step, huber=1.0)
    num = numeric_grads(net, seqs, targets, per_step=per_step, huber=1.0)
    for name in grads:
        assert max_rel_error(grads[name], num[name]) < 1e-6, name
    ssr = net.loss(seqs, targets, per_step=per_step)
    assert net.loss(seqs, targets, per_step=per_step, huber=1.0) < ssr


def test_huber_fit_is_pulled_less_by_an_outlier():
    # the same input every time; the targets: 0 nineteen times, 50 once. The
    # SSR's best constant is their mean, 2.5; Huber's (delta 1) is within
    # delta of the median, 0, where one outlier weighs no more than delta.
    seqs = [np.ones(3)] * 20
    targets = [0.0] * 19 + [50.0]
    got = {}
    for huber in (None, 1.0):
        net = unrolled.build_model({"cell": "gru", "hidden_size": 2, "seed": 0})
        unrolled.fit(net, seqs, targets, epochs=400, lr=0.05, huber=huber, seed=0)
        got[huber] = float(net.predict([seqs[0]])[0])
    assert got[None] == pytest.approx(2.5, abs=0.1)
    assert abs(got[1.0]) < 1.0 / 19 + 0.05  # (19 x 2 x m = 2 x 1 at the optimum)


def test_fit_refuses_a_bad_huber():
    net = unrolled.build_model({"cell": "gru", "hidden_size": 2, "seed": 0})
    with pytest.raises(ValueError, match="huber: expected None or a positive"):
        unrolled.fit(net, [np.ones(3)], [1.0], epochs=1, huber=-1)
