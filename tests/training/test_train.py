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
