"""Bad input raises ValueError naming the argument, the position, the expectation."""

import numpy as np
import pytest

import unrolled


@pytest.fixture
def net():
    return unrolled.RNN(hidden_size=2, seed=0)


@pytest.mark.parametrize(
    "seqs,match",
    [
        ([], "empty batch"),
        ([[1.0, 2.0], []], r"seqs\[1\]: expected at least one step"),
        ([[1.0, np.nan]], r"seqs\[0\]: expected finite values, got nan at step 1"),
        ([[1.0], [np.inf]], r"seqs\[1\]: expected finite values, got inf"),
        ([np.zeros((2, 2, 2))], r"seqs\[0\]: expected 1 or 2 dimensions, got 3"),
        ([np.zeros((4, 3))], r"seqs\[0\]: expected input_size 1, got 3"),
        ("abc", "expected a list of sequences"),
        ([["a", "b"]], r"seqs\[0\]: expected numbers"),
    ],
)
def test_bad_sequences(net, seqs, match):
    with pytest.raises(ValueError, match=match):
        net.predict(seqs)


def test_targets_of_wrong_length(net):
    with pytest.raises(ValueError, match=r"targets: expected shape \(2,\).*got \(3,\)"):
        net.loss_and_grads([[1.0], [2.0, 3.0]], [1.0, 2.0, 3.0])


def test_per_step_targets_must_match_each_sequence(net):
    with pytest.raises(ValueError, match=r"targets\[1\]: expected shape \(2, 1\)"):
        net.loss_and_grads([[1.0], [2.0, 3.0]], [[1.0], [1.0]], per_step=True)


def test_nan_target(net):
    with pytest.raises(ValueError, match=r"targets\[0\]: expected finite"):
        net.loss_and_grads([[1.0]], [np.nan])


@pytest.mark.parametrize(
    "mutate,match",
    [
        (lambda d: d.pop("weight_hh_l0"), r"missing key\(s\) \['weight_hh_l0'\]"),
        (
            lambda d: d.__setitem__("extra", np.zeros(1)),
            r"unexpected key\(s\) \['extra'\]",
        ),
        (
            lambda d: d.__setitem__("head.weight", np.zeros((2, 2))),
            r"state\['head.weight'\]: expected shape \(1, 2\), got \(2, 2\)",
        ),
        (
            lambda d: d["bias_ih_l0"].__setitem__(0, np.nan),
            r"state\['bias_ih_l0'\]: expected finite",
        ),
    ],
)
def test_bad_state_dict(net, mutate, match):
    sd = net.state_dict()
    mutate(sd)
    with pytest.raises(ValueError, match=match):
        net.load_state_dict(sd)


@pytest.mark.parametrize(
    "kw,match",
    [
        ({"hidden_size": 0}, "hidden_size: expected an integer >= 1"),
        ({"nonlinearity": "sigmoid"}, "nonlinearity: expected 'relu' or 'tanh'"),
        ({"dtype": "float16"}, "dtype: expected 'float64' or 'float32'"),
    ],
)
def test_bad_constructor_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        unrolled.RNN(**kw)
