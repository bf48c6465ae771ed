"""Remedies and checkpoints of the forecaster: --clip, --tbptt, --checkpoint, --resume.

A forecaster's fit is a search over several configurations, each with its own
early stopping; a run interrupted anywhere and resumed must end with exactly,
bit for bit, the forecaster (and saved files) of an uninterrupted run.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import unrolled.forecasting.ensemble.search as smod
from unrolled.cli import run
from unrolled.errors import TrainingInterrupted
from unrolled.forecasting.forecaster import Forecaster
from unrolled.forecasting.io.data import from_dict
from unrolled.storage.models import ModelFileError

# auto search: several configurations, a few epochs each, early stops included
PARAMS = dict(epochs=6, patience=2, ensemble=3, seed=3, val_size=6, lr=0.1)


def data(seed=0, lengths=(40, 28)):
    rng = np.random.default_rng(seed)
    out = {}
    for k, n in enumerate(lengths):
        t = np.arange(n)
        out[f"s{k}"] = 10 + 0.05 * t + np.sin(t / 2 + k) + 0.1 * rng.normal(size=n)
    return from_dict(out, freq="MS")


def ctrl_c_at(call):
    """A fit callback that presses Ctrl-C at its ``call``-th call (0-based)."""
    calls = []

    def cb(epoch, logs):
        calls.append(epoch)
        if len(calls) - 1 == call:
            raise KeyboardInterrupt

    return cb


def files(folder):
    """Every file under a folder, relative name -> bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted fit: its search, predictions and saved files."""
    fc = Forecaster(**PARAMS).fit(data())
    out = tmp_path_factory.mktemp("ref") / "model"
    fc.save(out)
    return fc, fc.predict(3), files(out)


def assert_same(fc, reference, tmp_path):
    ref, ref_pred, ref_files = reference
    assert [c.__dict__ for c in fc.search_] == [c.__dict__ for c in ref.search_]
    assert fc.predict(3).equals(ref_pred)
    fc.save(tmp_path / "model")
    assert files(tmp_path / "model") == ref_files  # weights and JSON, byte for byte


def test_the_reference_search_has_several_configurations_and_early_stops(reference):
    """The interruption points below assume this search (epochs per configuration)."""
    ref = reference[0]
    # short series, 12 validation points: three searches (seeds 3, 4, 5)
    assert len(ref.search_) == 24 and len(ref.members_) == 9
    assert [c.seed for c in ref.search_] == [3] * 8 + [4] * 8 + [5] * 8
    assert [c.epochs for c in ref.search_[:2]] == [6, 6]
    assert ref.search_[2].scaling == "logdiff"  # positive series: the logs too
    assert ref.search_[2].epochs == 3  # best at epoch 2, stopped after epoch 4


def test_checkpointing_alone_changes_nothing(tmp_path, reference):
    fc = Forecaster(**PARAMS).fit(data(), checkpoint=tmp_path / "ck")
    assert_same(fc, reference, tmp_path)
    assert (tmp_path / "ck" / "run.json").is_file()
    n = len(reference[0].search_)
    assert sorted(p.name for p in (tmp_path / "ck").glob("candidate-*")) == sorted(
        f"candidate-{k}" for k in range(n)
    )


# calls of the user callback (it runs before the early stopping): 0 = the first
# epoch of all, 5 = the last of the first configuration, 9 = in the middle of
# the second one, 16 = the epoch at which the third one stops early, 47 = in
# the first configuration of the second search (seed 4), 130 = in the last
# configuration of the third
@pytest.mark.parametrize("call", [0, 5, 9, 16, 47, 130])
@pytest.mark.parametrize("every", [1, 4])
def test_interrupted_and_resumed_equals_uninterrupted(tmp_path, reference, call, every):
    ck = tmp_path / "ck"
    fc = Forecaster(**PARAMS)
    with pytest.raises(TrainingInterrupted) as info:
        fc.fit(data(), checkpoint=ck, checkpoint_every=every,
               callbacks=[ctrl_c_at(call)])  # fmt: skip
    assert isinstance(info.value, KeyboardInterrupt) and info.value.checkpoint == ck
    assert f"the checkpoint is in {ck} (continue with resume={ck})" in str(info.value)
    fc = Forecaster(**PARAMS).fit(data(), resume=ck, checkpoint_every=every)
    assert_same(fc, reference, tmp_path)


def test_ctrl_c_after_the_early_stopping_state_moved_on_still_resumes_exactly(
    tmp_path, reference
):
    """Ctrl-C inside the progress hook, after the stopper updated its state."""
    calls = []

    def progress(e):
        calls.append(e)
        if len(calls) in (5, 11):
            raise KeyboardInterrupt

    ck = tmp_path / "ck"
    with pytest.raises(TrainingInterrupted):
        Forecaster(**PARAMS).fit(data(), checkpoint=ck, on_epoch=progress)
    with pytest.raises(TrainingInterrupted):  # twice in a row
        Forecaster(**PARAMS).fit(data(), resume=ck, on_epoch=progress)
    fc = Forecaster(**PARAMS).fit(data(), resume=ck)
    assert_same(fc, reference, tmp_path)


def test_ctrl_c_between_two_configurations_resumes_exactly(
    tmp_path, reference, monkeypatch
):
    real, trained = smod.train_candidate, []

    def train(*args, **kwargs):
        if len(trained) == 2:  # the third configuration is about to start
            raise KeyboardInterrupt
        trained.append(1)
        return real(*args, **kwargs)

    ck = tmp_path / "ck"
    monkeypatch.setattr(smod, "train_candidate", train)
    with pytest.raises(TrainingInterrupted, match="configuration 3 of"):
        Forecaster(**PARAMS).fit(data(), checkpoint=ck)
    monkeypatch.setattr(smod, "train_candidate", real)
    fc = Forecaster(**PARAMS).fit(data(), resume=ck)
    assert_same(fc, reference, tmp_path)


def test_resuming_a_finished_run_gives_it_back(tmp_path, reference):
    ck = tmp_path / "ck"
    Forecaster(**PARAMS).fit(data(), checkpoint=ck)
    fc = Forecaster(**PARAMS).fit(data(), resume=ck)
    assert_same(fc, reference, tmp_path)


@pytest.mark.parametrize(
    "change,message",
    [
        (dict(data=data(seed=1)), "different data"),
        (dict(params=dict(hidden=8)), "hidden=None, got hidden=8"),
        (dict(params=dict(tbptt=4)), "tbptt=None, got tbptt=4"),
        (dict(params=dict(seed=4)), "seed=3, got seed=4"),
    ],
)
def test_resume_refuses_other_data_or_options(tmp_path, change, message):
    ck = tmp_path / "ck"
    with pytest.raises(TrainingInterrupted):
        Forecaster(**PARAMS).fit(data(), checkpoint=ck, callbacks=[ctrl_c_at(1)])
    fc = Forecaster(**dict(PARAMS, **change.get("params", {})))
    with pytest.raises(ValueError, match=message):
        fc.fit(change.get("data", data()), resume=ck)


def test_checkpoint_refuses_a_folder_that_is_not_empty(tmp_path):
    ck = tmp_path / "ck"
    Forecaster(**dict(PARAMS, epochs=1)).fit(data(), checkpoint=ck)
    with pytest.raises(ValueError, match=f"continue it with resume={ck}"):
        Forecaster(**PARAMS).fit(data(), checkpoint=ck)
    with pytest.raises(ValueError, match="differ"):
        Forecaster(**PARAMS).fit(data(), checkpoint=tmp_path / "x", resume=ck)
    with pytest.raises(ModelFileError, match="run.json"):
        Forecaster(**PARAMS).fit(data(), resume=tmp_path)


def test_a_run_checkpointed_before_huber_resumes_with_the_ssr_only(tmp_path):
    ck, first = tmp_path / "ck", Forecaster(**dict(PARAMS, huber=None))
    with pytest.raises(TrainingInterrupted):
        first.fit(data(), checkpoint=ck, callbacks=[ctrl_c_at(2)])
    doc = json.loads((ck / "run.json").read_text())
    del doc["params"]["huber"]  # as written before the parameter existed
    (ck / "run.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="started with huber=None, got huber='auto'"):
        Forecaster(**PARAMS).fit(data(), resume=ck)
    fc = Forecaster(**dict(PARAMS, huber=None)).fit(data(), resume=ck)
    ref = Forecaster(**dict(PARAMS, huber=None)).fit(data())
    assert fc.predict(3).equals(ref.predict(3))


def test_damaged_early_stopping_state_is_a_model_file_error(tmp_path):
    ck = tmp_path / "ck"
    with pytest.raises(TrainingInterrupted):
        Forecaster(**PARAMS).fit(data(), checkpoint=ck, callbacks=[ctrl_c_at(2)])
    path = ck / "candidate-0" / "checkpoint.json"
    doc = json.loads(path.read_text())
    doc["extra"]["callbacks"][0]["wait"] = "many"
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="ValidationStop"):
        Forecaster(**PARAMS).fit(data(), resume=ck)


# --------------------------------------------------------------- remedies
def test_clip_tbptt_clip_value_and_huber_reach_fit(monkeypatch):
    from unrolled.forecasting.models import networks  # the search trains these

    seen = []
    real = networks.fit_network
    keys = ("clip_norm", "clip_value", "tbptt", "huber")

    def spy(*args, **kwargs):
        seen.append({k: kwargs[k] for k in keys})
        return real(*args, **kwargs)

    monkeypatch.setattr(networks, "fit_network", spy)
    fixed = dict(hidden=4, window=8, lr=0.03, scaling="diff", epochs=2)
    Forecaster(**fixed, clip_norm=0.5, clip_value=0.1, tbptt=3, huber=0.5).fit(data())
    Forecaster(**fixed).fit(data())
    assert seen == [
        {"clip_norm": 0.5, "clip_value": 0.1, "tbptt": 3, "huber": 0.5},
        # the defaults (huber "auto": no season here, so the SSR)
        {"clip_norm": 1.0, "clip_value": None, "tbptt": None, "huber": None},
    ]


@pytest.mark.parametrize(
    "name,value",
    [("clip_norm", 0), ("clip_value", -1.0), ("tbptt", 0), ("tbptt", 2.5),
     ("huber", 0), ("huber", float("nan")), ("huber", "1")],
)  # fmt: skip
def test_non_positive_remedies_are_refused(name, value):
    with pytest.raises(ValueError, match=name):
        Forecaster(**{name: value}).fit(data())


def _weights(folder):
    return (folder / "weights.safetensors").read_bytes()


FAST = ["--hidden", "4", "--window", "8", "--lr", "0.03", "--scaling", "diff"]
FAST += ["--epochs", "4", "--patience", "2", "-q"]


@pytest.fixture
def csv(tmp_path):
    """The same two series as :func:`data`, as a wide CSV."""
    import pandas as pd

    cols = {s.name: pd.Series(s.values, index=s.dates) for s in data().series}
    path = tmp_path / "d.csv"
    pd.DataFrame(cols).rename_axis("date").to_csv(path)
    return path


def test_cli_tbptt_and_clip_change_the_weights(tmp_path, csv, capsys):
    out = {}
    for key, extra in {
        "plain": [],
        "tbptt": ["--tbptt", "1"],
        "clip": ["--clip", "off"],
        "value": ["--clip-value", "1e-4"],
        "huber": ["--huber", "1.0"],
    }.items():
        argv = ["train", "--data", str(csv), "--out", str(tmp_path / key), *FAST]
        assert run(argv + extra) == 0, capsys.readouterr().err
        out[key] = _weights(tmp_path / key)
    assert len(set(out.values())) == 5
    params = json.loads((tmp_path / "tbptt" / "model.json").read_text())
    assert params["metadata"]["params"]["tbptt"] == 1
    assert params["metadata"]["params"]["huber"] == "auto"
    params = json.loads((tmp_path / "huber" / "model.json").read_text())
    assert params["metadata"]["params"]["huber"] == 1.0


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["--clip", "0"], "'--clip': expected a number > 0 and <= 1e+06 or 'off', got"),
        (["--clip", "-2"], "'--clip': expected a number > 0"),
        (["--clip-value", "0"], "'--clip-value': expected a number > 0 and <= 1e+06,"),
        (["--tbptt", "0"], "'--tbptt': expected a whole number of steps > 0"),
        (["--huber", "0"], "'--huber': expected a number > 0 and <= 1e+06 or 'off' or"),
        (["--huber", "nan"], "'--huber': expected a number > 0 and <= 1e+06 or 'off'"),
        (["--tbptt", "-3"], "'--tbptt': expected a whole number of steps > 0"),
        (["--checkpoint-every", "0"], "'--checkpoint-every': expected a whole"),
        (["--checkpoint-every", "2"], "--checkpoint-every needs --checkpoint"),
        (["--resume", "{d}/none"], "no such folder"),
        (["--resume", "{d}/ck", "--diagnose"], "--diagnose cannot be combined"),
    ],
)
@pytest.mark.parametrize("command", ["forecast", "train"])
def test_cli_bad_remedy_and_checkpoint_options_exit_2(
    tmp_path, csv, capsys, command, argv, needle
):
    argv = [a.replace("{d}", str(tmp_path)) for a in argv]
    extra = ["--out", str(tmp_path / "m")] if command == "train" else []
    code = run([command, "--data", str(csv), *FAST, *extra, *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.count("\n") == 1 and needle in err


def test_cli_train_ctrl_c_then_resume_saves_the_uninterrupted_model(
    tmp_path, csv, capsys, monkeypatch
):
    from unrolled.forecasting.ensemble.members import ValidationStop

    base = ["train", "--data", str(csv), "--epochs", "5", "--patience", "2", "-q"]
    base += ["--hidden", "4", "--window", "8"]  # a search over scaling and lr
    assert run([*base, "--out", str(tmp_path / "ref")]) == 0
    real, calls = ValidationStop.__call__, []

    def ctrl_c(self, epoch, logs):  # Ctrl-C at the end of the 7th epoch trained
        stop = real(self, epoch, logs)
        calls.append(epoch)
        if len(calls) == 7:
            raise KeyboardInterrupt
        return stop

    monkeypatch.setattr(ValidationStop, "__call__", ctrl_c)
    ck = tmp_path / "ck"
    argv = [*base, "--out", str(tmp_path / "m"), "--checkpoint", str(ck)]
    capsys.readouterr()
    assert run([*argv, "--checkpoint-every", "2"]) == 130
    out, err = capsys.readouterr()
    assert err.strip().count("\n") == 0  # one line (after the ^C newline)
    assert err.strip() == (
        f"error: interrupted while training configuration 2 of 24 (its epoch 3 is "
        f"saved); the checkpoint is in {ck} (continue with --resume {ck})"
    )
    assert not (tmp_path / "m").exists()
    monkeypatch.setattr(ValidationStop, "__call__", real)
    assert run([*base, "--out", str(tmp_path / "other"), "--resume", str(ck),
                "--seed", "1"]) == 2  # fmt: skip
    assert "seed=0, got seed=1" in capsys.readouterr().err
    argv = [*base, "--out", str(tmp_path / "m"), "--resume", str(ck), "--json"]
    assert run([*argv, "--checkpoint-every", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["checkpoint"] == str(ck)
    assert files(tmp_path / "m") == files(tmp_path / "ref")


def test_cli_forecast_with_checkpoint_and_resume_prints_the_same_report(
    tmp_path, csv, capsys
):
    argv = ["forecast", "--data", str(csv), "--test", "4", "--json", *FAST]
    assert run(argv) == 0
    plain = capsys.readouterr().out
    assert run([*argv, "--checkpoint", str(tmp_path / "ck")]) == 0
    assert capsys.readouterr().out == plain
    assert run([*argv, "--resume", str(tmp_path / "ck")]) == 0
    assert capsys.readouterr().out == plain


# ------------------------------------------------------ fit's stateful callbacks
class Counter:
    """A stateful callback: counts epochs, keeps an array, stops after ``stop``."""

    def __init__(self, stop=None, boom=None):
        self.n, self.trace, self.stop, self.boom = 0, np.zeros(3), stop, boom

    def __call__(self, epoch, logs):
        if epoch == self.boom:
            raise KeyboardInterrupt
        self.n += 1
        self.trace = self.trace + logs["loss"]
        return self.stop is not None and self.n >= self.stop

    def state_dict(self):
        return {"n": self.n, "trace": self.trace}

    def load_state_dict(self, state):
        self.n, self.trace = state["n"], np.array(state["trace"])


def test_fit_carries_stateful_callbacks_and_a_callback_stop_through_resume(tmp_path):
    import unrolled

    rng = np.random.default_rng(0)
    seqs, tgs = [rng.normal(size=5) for _ in range(6)], rng.normal(size=6)
    args = dict(epochs=10, lr=0.05, batch_size=2, seed=1)

    def net():
        return unrolled.build_model({"cell": "gru", "hidden_size": 3, "seed": 0})

    ref, ref_cb = net(), Counter(stop=6)
    unrolled.fit(ref, seqs, tgs, callbacks=[ref_cb], **args)
    m, cb = net(), Counter(stop=6, boom=3)
    with pytest.raises(TrainingInterrupted):
        unrolled.fit(m, seqs, tgs, callbacks=[cb], checkpoint=tmp_path / "a", **args)
    cb = Counter(stop=6)
    h = unrolled.fit(m, seqs, tgs, callbacks=[cb], resume=tmp_path / "a", **args)
    assert cb.n == ref_cb.n == 6 and h.stopped_early and len(h.loss) == 6
    np.testing.assert_array_equal(cb.trace, ref_cb.trace)
    for k in ref.params:
        np.testing.assert_array_equal(m.params[k], ref.params[k])
    # a run stopped by a callback stays stopped: resuming it trains nothing
    again = Counter(stop=6)
    h = unrolled.fit(m, seqs, tgs, callbacks=[again], resume=tmp_path / "a", **args)
    assert len(h.loss) == 6 and again.n == 6
    for k in ref.params:
        np.testing.assert_array_equal(m.params[k], ref.params[k])
    with pytest.raises(ValueError, match="1 stateful callback"):
        unrolled.fit(net(), seqs, tgs, resume=tmp_path / "a", **args)


@pytest.mark.slow
def test_a_real_sigint_during_train_exits_130_and_resumes_exactly(tmp_path, csv):
    import signal
    import subprocess

    from terminal import SRC, unrolled_script

    base = ["train", "--data", str(csv), "--hidden", "4", "--window", "8"]
    base += ["--scaling", "diff", "--epochs", "40", "--patience", "40"]
    ck = tmp_path / "ck"
    env = dict(os.environ, PYTHONPATH=str(SRC))
    child = subprocess.Popen(  # the console script, saying its steps on stderr
        [unrolled_script(), *base, "--progress", "--out", str(tmp_path / "m"),
         "--checkpoint", str(ck)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        for line in child.stderr:  # Ctrl-C once the second configuration trains
            if b"search: config 2/" in line:
                break
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, err
    assert f"continue with --resume {ck}".encode() in err
    assert b"Traceback" not in err and not (tmp_path / "m").exists()
    base.append("-q")
    assert run([*base, "--out", str(tmp_path / "m"), "--resume", str(ck)]) == 0
    assert run([*base, "--out", str(tmp_path / "ref")]) == 0
    assert files(tmp_path / "m") == files(tmp_path / "ref")
