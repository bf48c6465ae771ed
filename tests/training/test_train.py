"""Training: SGD and Adam learn StatLand; the guard stops on non-finite values."""

import numpy as np
import pytest

import unrolled


@pytest.mark.parametrize(
    "optimizer,lr,epochs", [("adam", 0.05, 600), ("sgd", 0.05, 3000)]
)
def test_fit_learns_the_four_statland_rows_from_a_random_start(optimizer, lr, epochs):
    seqs, targets = unrolled.lessons.statland_data()
    net = unrolled.RNN(hidden_size=4, seed=0)
    hist = unrolled.fit(
        net, seqs, targets, epochs=epochs, lr=lr, optimizer=optimizer, seed=0
    )
    assert len(hist.loss) == epochs and hist.loss[-1] < hist.loss[0]
    np.testing.assert_allclose(net.predict(seqs), targets, atol=0.1)


def test_fit_is_reproducible_with_a_seed():
    seqs, targets = unrolled.lessons.statland_data()
    runs = []
    for _ in range(2):
        net = unrolled.RNN(hidden_size=3, seed=1)
        unrolled.fit(net, seqs, targets, epochs=20, batch_size=2, seed=5)
        runs.append(net.state_dict())
    for k in runs[0]:
        np.testing.assert_array_equal(runs[0][k], runs[1][k])


def test_early_stopping_restores_the_best_validation_weights():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=5) for _ in range(8)]
    targets = rng.normal(size=8)
    net = unrolled.RNN(hidden_size=4, seed=0)
    hist = unrolled.fit(
        net,
        seqs[:6],
        targets[:6],
        epochs=300,
        lr=0.05,
        val=(seqs[6:], targets[6:]),
        patience=5,
        seed=0,
    )
    assert hist.stopped_early
    assert net.loss(seqs[6:], targets[6:]) == pytest.approx(min(hist.val_loss))


def test_non_finite_gradient_stops_with_epoch_and_parameter():
    net = unrolled.lessons.lesson_network(w2=2.0)
    seqs = [np.full(1100, 1.0)]  # 2**1100 overflows float64
    with pytest.raises(unrolled.TrainingError, match=r"epoch 0: the (loss|gradient)"):
        unrolled.fit(net, seqs, [1.0], epochs=3, optimizer="sgd")


def test_clip_grads_bounds_the_global_norm():
    grads = {"a": np.array([3.0, 4.0]), "b": np.array([12.0])}
    clipped = unrolled.clip_grads(grads, max_norm=1.0)
    assert unrolled.global_norm(clipped) == pytest.approx(1.0)
    np.testing.assert_allclose(clipped["a"] / clipped["b"][0], grads["a"] / 12.0)
    assert unrolled.clip_grads(grads, max_value=3.5)["b"].tolist() == [3.5]


def test_the_finite_guard_returns_the_squares_the_epoch_norm_is_made_of():
    from unrolled.training.fit import _check_finite

    grads = {"a": np.array([3.0, 4.0]), "b": np.array([12.0])}
    assert _check_finite(0, 1.0, grads) == [25.0, 144.0]
    huge = {"a": np.array([1e200]), "b": np.array([-1e200])}  # finite, squares not
    with np.errstate(over="ignore"):
        assert _check_finite(0, 1.0, huge) == [np.inf, np.inf]
    bad = {"a": np.array([1.0]), "b": np.array([np.nan]), "c": np.array([np.inf])}
    with pytest.raises(unrolled.TrainingError, match="gradient of 'b' is not finite"):
        _check_finite(3, 1.0, bad)


def test_the_logged_grad_norm_is_the_mean_global_norm_of_the_steps():
    seqs, targets = unrolled.lessons.statland_data()
    net = unrolled.RNN(hidden_size=3, seed=1)
    seen = []
    keep = [lambda e, logs: seen.append(logs["grads"])]
    hist = unrolled.fit(net, seqs, targets, epochs=1, seed=5, lr=1e-12, callbacks=keep)
    fresh = unrolled.RNN(hidden_size=3, seed=1)  # lr ~0: the same weights
    _, grads = fresh.loss_and_grads(seqs, targets)
    assert hist.grad_norm[0] == pytest.approx(unrolled.global_norm(grads), rel=1e-9)
    assert set(seen[0]) == set(grads)


@pytest.mark.parametrize("per_step,batch_size", [(True, 3), (False, 3), (True, 8)])
def test_fit_takes_the_steps_of_checking_and_packing_every_batch(per_step, batch_size):
    """The sequences and targets checked and packed once (a Pool) give the
    weights of the loop that checks and packs each minibatch, bit for bit."""
    rng = np.random.default_rng(3)
    seqs = [rng.normal(size=T) for T in (5, 3, 5, 2, 4, 5, 1, 3)]
    targets = [rng.normal(size=len(s)) if per_step else rng.normal() for s in seqs]
    net = unrolled.GRU(hidden_size=3, seed=0)
    ref = unrolled.GRU(hidden_size=3, seed=0)
    unrolled.fit(net, seqs, targets, epochs=4, lr=0.05, batch_size=batch_size,
                 per_step=per_step, clip_norm=0.5, seed=7)  # fmt: skip
    opt = unrolled.Adam(0.05)
    for epoch in range(4):
        perm = np.random.default_rng([7, epoch]).permutation(len(seqs))
        if batch_size >= len(seqs):
            perm = np.arange(len(seqs))
        for begin in range(0, len(seqs), batch_size):
            idx = perm[begin : begin + batch_size]
            _, grads = ref.loss_and_grads([seqs[i] for i in idx],
                                          [targets[i] for i in idx],
                                          per_step=per_step)  # fmt: skip
            opt.step(ref.params, unrolled.clip_grads(grads, 0.5))
    for k, p in ref.params.items():
        np.testing.assert_array_equal(net.params[k], p)
