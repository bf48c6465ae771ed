"""Checkpoints and resume: a resumed run ends with exactly the uninterrupted weights."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import unrolled
from unrolled.errors import TrainingError, TrainingInterrupted
from unrolled.storage.checkpoints import load_checkpoint

RNG = np.random.default_rng(0)
SEQS = [RNG.normal(size=int(n)) for n in RNG.integers(2, 9, size=10)]
TARGETS = RNG.normal(size=10)
VAL = ([RNG.normal(size=4) for _ in range(3)], RNG.normal(size=3))
ARGS = dict(epochs=12, lr=0.05, batch_size=3, seed=7, clip_norm=5.0)


def make(cell="gru"):
    return unrolled.build_model({"cell": cell, "hidden_size": 4, "seed": 1})


def interrupt_at(epoch):
    """A callback that presses Ctrl-C at the end of ``epoch``."""

    def cb(e, logs):
        if e == epoch:
            raise KeyboardInterrupt

    return cb


def assert_same(a, b):
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k], err_msg=k)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_resume_after_ctrl_c_equals_an_uninterrupted_run(tmp_path, cell):
    ref = make(cell)
    ref_hist = unrolled.fit(ref, SEQS, TARGETS, **ARGS)
    net = make(cell)
    ck = tmp_path / "ck"
    with pytest.raises(TrainingInterrupted) as info:
        unrolled.fit(
            net,
            SEQS,
            TARGETS,
            checkpoint=ck,
            checkpoint_every=4,
            callbacks=[interrupt_at(5)],
            **ARGS,
        )
    assert isinstance(info.value, KeyboardInterrupt)
    assert info.value.epoch == 4 and info.value.checkpoint == ck
    assert f"checkpoint of epoch 4 is in {ck}" in str(info.value)
    assert f"resume={ck}" in str(info.value)
    assert load_checkpoint(ck).epoch == 4
    fresh = make(cell)
    hist = unrolled.fit(fresh, SEQS, TARGETS, resume=ck, checkpoint=ck, **ARGS)
    assert_same(fresh, ref)
    assert hist == ref_hist
    assert load_checkpoint(ck).epoch == ARGS["epochs"] - 1


def test_ctrl_c_in_the_middle_of_an_epoch_saves_the_last_completed_one(tmp_path):
    ref = make()
    unrolled.fit(ref, SEQS, TARGETS, optimizer="adam", **ARGS)
    net = make()
    calls, real = [0], net.loss_and_grads

    def flaky(*a, **k):  # 4 batches per epoch: call 18 is in the middle of epoch 4
        calls[0] += 1
        if calls[0] == 18:
            raise KeyboardInterrupt
        return real(*a, **k)

    net.loss_and_grads = flaky
    ck = tmp_path / "ck"
    with pytest.raises(TrainingInterrupted, match="during epoch 4; .* epoch 3 is in"):
        unrolled.fit(net, SEQS, TARGETS, checkpoint=ck, checkpoint_every=100, **ARGS)
    fresh = make()
    unrolled.fit(fresh, SEQS, TARGETS, resume=ck, **ARGS)
    assert_same(fresh, ref)


def test_resume_with_early_stopping_and_sgd_equals_uninterrupted(tmp_path):
    args = dict(ARGS, epochs=60, optimizer="sgd", val=VAL, patience=4)
    ref = make("lstm")
    ref_hist = unrolled.fit(ref, SEQS, TARGETS, **args)
    assert ref_hist.stopped_early  # the test needs a run that stops early
    stop = len(ref_hist.loss) - 1
    for cut in (2, stop - 1, stop):  # before, just before and after the stop
        net = make("lstm")
        ck = tmp_path / f"ck{cut}"
        with pytest.raises(KeyboardInterrupt):
            unrolled.fit(
                net, SEQS, TARGETS, checkpoint=ck, callbacks=[interrupt_at(cut)], **args
            )
        fresh = make("lstm")
        hist = unrolled.fit(fresh, SEQS, TARGETS, resume=ck, **args)
        assert_same(fresh, ref)
        assert hist == ref_hist


def test_resuming_a_finished_run_changes_nothing_and_more_epochs_continue(tmp_path):
    ck = tmp_path / "ck"
    done = make()
    unrolled.fit(done, SEQS, TARGETS, checkpoint=ck, checkpoint_every=5, **ARGS)
    again = make()
    unrolled.fit(again, SEQS, TARGETS, resume=ck, **ARGS)
    assert_same(again, done)
    longer = make()
    unrolled.fit(longer, SEQS, TARGETS, resume=ck, **dict(ARGS, epochs=15))
    ref = make()
    unrolled.fit(ref, SEQS, TARGETS, **dict(ARGS, epochs=15))
    assert_same(longer, ref)


def test_seed_may_be_left_out_when_resuming(tmp_path):
    ck = tmp_path / "ck"
    with pytest.raises(KeyboardInterrupt):
        unrolled.fit(
            make(), SEQS, TARGETS, checkpoint=ck, callbacks=[interrupt_at(3)], **ARGS
        )
    fresh = make()
    hist = unrolled.fit(fresh, SEQS, TARGETS, resume=ck, **dict(ARGS, seed=None))
    ref = make()
    unrolled.fit(ref, SEQS, TARGETS, **ARGS)
    assert hist.seed == 7
    assert_same(fresh, ref)


@pytest.mark.parametrize(
    "change,message",
    [
        (dict(lr=0.1), "trained with lr=0.05, got lr=0.1"),
        (dict(batch_size=4), "batch_size=3, got batch_size=4"),
        (dict(seed=8), "seed=7, got seed=8"),
        (dict(optimizer="sgd"), "optimizer='adam', got optimizer='sgd'"),
        (dict(huber=1.0), "huber=None, got huber=1.0"),
        (dict(targets=TARGETS + 1), "different data"),
        (dict(cell="lstm"), "holds a GRU"),
    ],
)
def test_resume_refuses_different_arguments_data_or_model(tmp_path, change, message):
    ck = tmp_path / "ck"
    unrolled.fit(make(), SEQS, TARGETS, checkpoint=ck, **dict(ARGS, epochs=2))
    change = dict(change)
    targets = change.pop("targets", TARGETS)
    net = make(change.pop("cell", "gru"))
    with pytest.raises(ValueError, match=message):
        unrolled.fit(net, SEQS, targets, resume=ck, **{**ARGS, **change})


def test_resume_from_a_missing_checkpoint_is_a_model_file_error(tmp_path):
    with pytest.raises(unrolled.ModelFileError, match="no such checkpoint directory"):
        unrolled.fit(make(), SEQS, TARGETS, resume=tmp_path / "none", **ARGS)


def test_non_finite_loss_leaves_the_last_good_checkpoint(tmp_path):
    ref = make()
    unrolled.fit(ref, SEQS, TARGETS, **dict(ARGS, epochs=4))
    net = make()
    calls, real = [0], net.loss_and_grads

    def blows_up(*a, **k):  # epoch 4's second batch
        calls[0] += 1
        loss, grads = real(*a, **k)
        return (np.inf if calls[0] == 18 else loss), grads

    net.loss_and_grads = blows_up
    ck = tmp_path / "ck"
    with pytest.raises(TrainingError, match=r"epoch 4: the loss is inf") as info:
        unrolled.fit(net, SEQS, TARGETS, checkpoint=ck, checkpoint_every=2, **ARGS)
    assert f"the last good checkpoint is in {ck} (epoch 3)" in str(info.value)
    saved = load_checkpoint(ck)
    assert saved.epoch == 3
    assert_same(saved.model, ref)


def test_ctrl_c_without_a_checkpoint_is_a_plain_keyboard_interrupt():
    with pytest.raises(KeyboardInterrupt) as info:
        unrolled.fit(make(), SEQS, TARGETS, callbacks=[interrupt_at(1)], **ARGS)
    assert type(info.value) is KeyboardInterrupt


def test_checkpoint_is_a_model_directory_with_metadata(tmp_path):
    ck = tmp_path / "ck"
    net = make()
    unrolled.fit(net, SEQS, TARGETS, checkpoint=ck, metadata={"scaler": [0, 1]}, **ARGS)
    model, meta = unrolled.load_model(ck)
    assert meta == {"scaler": [0, 1]}
    np.testing.assert_array_equal(model.predict(SEQS), net.predict(SEQS))


CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    import unrolled
    sys.path.insert(0, sys.argv[2])
    from test_resume import SEQS, TARGETS, ARGS, make

    def slow(epoch, logs):
        print(epoch, flush=True)
        if epoch >= 3:
            time.sleep(30)

    unrolled.fit(make(), SEQS, TARGETS, checkpoint=sys.argv[1], checkpoint_every=100,
                 callbacks=[slow], **ARGS)
    """
)


def test_a_real_sigint_saves_a_checkpoint_that_resumes_exactly(tmp_path):
    ck = tmp_path / "ck"
    here = os.path.dirname(__file__)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ck), here],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for line in child.stdout:
            if line.strip() == b"3":
                break
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode != 0
    assert b"TrainingInterrupted" in err and b"checkpoint of epoch 2" in err
    fresh = make()
    unrolled.fit(fresh, SEQS, TARGETS, resume=ck, **ARGS)
    ref = make()
    unrolled.fit(ref, SEQS, TARGETS, **ARGS)
    assert_same(fresh, ref)
