"""Adam over one buffer takes the steps of Adam parameter by parameter, bit for
bit, and continues from a loaded state; clipping with a norm given is clipping
with the norm computed."""

import numpy as np
import pytest

import unrolled
from unrolled.engine.optim import Adam, clip_grads, global_norm


class AdamByParameter:
    """Adam as it was written parameter by parameter (the reference)."""

    def __init__(self, lr, betas=(0.9, 0.999), eps=1e-8):
        self.lr, self.betas, self.eps = lr, betas, eps
        self.t, self.m, self.v = 0, {}, {}

    def step(self, params, grads):
        b1, b2 = self.betas
        self.t += 1
        for k, g in grads.items():
            m = self.m.setdefault(k, np.zeros_like(g))
            v = self.v.setdefault(k, np.zeros_like(g))
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            m_hat = m / (1 - b1**self.t)
            v_hat = v / (1 - b2**self.t)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_adam_on_one_buffer_steps_as_adam_parameter_by_parameter(rng, dtype):
    net = unrolled.LSTM(input_size=2, hidden_size=3, num_layers=2, dtype=dtype)
    mine, ref = net.state_dict(), net.state_dict()
    opt, want = Adam(0.01, betas=(0.8, 0.99)), AdamByParameter(0.01, (0.8, 0.99))
    for _ in range(25):
        grads = {k: (rng.normal(size=p.shape) * 10).astype(dtype)
                 for k, p in mine.items()}  # fmt: skip
        opt.step(mine, grads)
        want.step(ref, grads)
    for k in ref:
        assert mine[k].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(mine[k], ref[k])
        np.testing.assert_array_equal(opt.m[k], want.m[k])
        np.testing.assert_array_equal(opt.v[k], want.v[k])


def test_adam_continues_exactly_from_a_loaded_state_and_sees_edits(rng):
    shapes = {"w": (3, 2), "b": (3,)}
    steps = [{k: rng.normal(size=s) for k, s in shapes.items()} for _ in range(6)]
    a, pa = Adam(0.05), {k: np.zeros(s) for k, s in shapes.items()}
    for g in steps:
        a.step(pa, g)
    b, pb = Adam(0.05), {k: np.zeros(s) for k, s in shapes.items()}
    for g in steps[:3]:
        b.step(pb, g)
    c = Adam(0.05)
    c.load_state_dict({k: np.array(v) for k, v in b.state_dict().items()})
    for g in steps[3:]:
        c.step(pb, g)
    for k in shapes:
        np.testing.assert_array_equal(pb[k], pa[k])
        np.testing.assert_array_equal(c.state_dict()[f"v.{k}"], a.v[k])


@pytest.mark.parametrize("max_value", [None, 0.1])
def test_clipping_with_the_norm_given_is_clipping_with_it_computed(rng, max_value):
    grads = {k: rng.normal(size=(4, 3)) * 5 for k in "abc"}
    squares = [float(np.sum(g * g)) for g in grads.values()]
    norm = float(np.sqrt(sum(squares)))
    assert norm == global_norm(grads)  # float64: the same sums
    given = clip_grads(grads, 1.0, max_value, norm=norm)
    computed = clip_grads(grads, 1.0, max_value)
    for k in grads:
        np.testing.assert_array_equal(given[k], computed[k])
