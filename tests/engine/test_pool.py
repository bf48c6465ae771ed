"""A Pool packs any subset of its sequences and targets as pack and pack_targets
do, bit for bit, and a step on them equals the step that checks and packs."""

import numpy as np
import pytest

import unrolled
from unrolled.engine.packing import Pool, pack, pack_targets
from unrolled.engine.validate import check_sequences, check_targets
from unrolled.errors import InputError

LENGTHS = (4, 7, 1, 7, 3, 4, 7, 2)  # ties: the stable order matters


def data(rng, per_step, input_size=2, dtype="float64"):
    seqs = [rng.normal(size=(T, input_size)).astype(dtype) for T in LENGTHS]
    if per_step:
        return seqs, [rng.normal(size=T) for T in LENGTHS]
    return seqs, list(rng.normal(size=len(LENGTHS)))


@pytest.mark.parametrize("per_step", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_pool_batch_is_what_pack_and_pack_targets_make(rng, per_step, dtype):
    seqs, targets = data(rng, per_step, dtype=dtype)
    arrays = check_sequences(seqs, 2, np.dtype(dtype))
    pool = Pool(arrays, targets, 1, per_step, dtype)
    for idx in ([3, 0, 5, 1], [2], list(range(8)), [7, 6, 1, 3, 4]):
        packed, tg = pool.batch(idx)
        want = pack([arrays[i] for i in idx], np.dtype(dtype))
        for field in ("data", "lengths", "batch_sizes", "order"):
            a, b = getattr(packed, field), getattr(want, field)
            assert a.dtype == b.dtype and a.flags.c_contiguous
            np.testing.assert_array_equal(a, b)
        sub = [targets[i] for i in idx]
        ok = check_targets(sub, want.caller_lengths, 1, per_step, np.dtype(dtype))
        if per_step:
            np.testing.assert_array_equal(tg.data, pack_targets(ok, want))
            np.testing.assert_array_equal(tg.mask[:, :, 0], want.mask())
        else:
            np.testing.assert_array_equal(tg.data, np.asarray(ok)[want.order])
        assert tg.data.dtype == np.dtype(dtype) and tg.per_step == per_step


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("per_step", [True, False])
@pytest.mark.parametrize("huber", [None, 0.5])
def test_the_step_on_a_pool_batch_equals_the_checked_step_exactly(
    rng, cell, per_step, huber
):
    seqs, targets = data(rng, per_step)
    net = unrolled.build_model({"cell": cell, "input_size": 2, "hidden_size": 3,
                                "seed": 0})  # fmt: skip
    pool = Pool(check_sequences(seqs, 2, net.dtype), targets, 1, per_step, net.dtype)
    idx = [6, 2, 0, 3, 5]
    packed, tg = pool.batch(idx)
    kw = {"per_step": per_step, "huber": huber}
    loss, grads = net.loss_and_grads(packed, tg, **kw)
    loss_c, grads_c = net.loss_and_grads(
        [seqs[i] for i in idx], [targets[i] for i in idx], **kw
    )
    assert loss == loss_c
    for name, g in grads_c.items():
        np.testing.assert_array_equal(grads[name], g)
    assert net.loss(packed, tg, **kw) == loss_c


def test_packed_targets_go_only_with_their_own_batch(rng):
    seqs, targets = data(rng, True)
    net = unrolled.GRU(input_size=2, hidden_size=3)
    pool = Pool(check_sequences(seqs, 2, net.dtype), targets, 1, True, net.dtype)
    packed, tg = pool.batch([0, 1])
    other, _ = pool.batch([0, 1])
    with pytest.raises(InputError, match="packed for another batch"):
        net.loss_and_grads(other, tg, per_step=True)
    with pytest.raises(InputError, match="with another per_step"):
        net.loss_and_grads(packed, tg, per_step=False)


def test_a_pool_checks_the_targets_once_naming_the_sequence(rng):
    seqs, targets = data(rng, True)
    targets[5] = np.ones(2)  # sequence 5 has 4 steps
    with pytest.raises(InputError, match=r"targets\[5\]: expected shape \(4, 1\)"):
        Pool(check_sequences(seqs, 2, np.float64), targets, 1, True, "float64")
    seqs, targets = data(rng, False)
    targets[3] = np.nan
    with pytest.raises(InputError, match=r"targets\[3\]: expected finite"):
        Pool(check_sequences(seqs, 2, np.float64), targets, 1, False, "float64")
