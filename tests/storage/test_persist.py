"""Model files: exact round trips, and every damaged file refused by name."""

import hashlib
import json
import os
import pickle

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

import unrolled
from unrolled.storage.checkpoints import load_checkpoint, save_checkpoint
from unrolled.storage.files import content_digest
from unrolled.storage.models import (
    FORMAT_VERSION,
    ModelFileError,
    load_model,
    save_model,
)

SEQS = [np.linspace(0, 1, 7), np.array([0.3, -0.2]), np.sin(np.arange(12.0))]


def make(cell="lstm", dtype="float64", **kw):
    cfg = {"cell": cell, "hidden_size": 3, "num_layers": 2, "dtype": dtype, "seed": 0}
    return unrolled.build_model({**cfg, **kw})


def edit_json(directory, fn, name="model.json", forge=True):
    """Apply ``fn`` to the parsed JSON file and write it back.

    With ``forge``, the content checksum is recomputed, as a careful forger
    would, so that the checks behind it are what is tested.
    """
    path = directory / name
    doc = json.loads(path.read_text())
    fn(doc)
    if forge and "content_sha256" in doc:
        doc["content_sha256"] = content_digest(doc)
    path.write_text(json.dumps(doc))


def rewrite_weights(directory, fn):
    """Change the tensors and update model.json's record, as a careful forger."""
    path = directory / "weights.safetensors"
    arrays = fn(load_file(path))
    save_file(arrays, path)
    fix_record(directory)


def fix_record(directory, name="weights.safetensors"):
    """Make model.json's size and checksum agree with the weights file again."""
    data = (directory / name).read_bytes()

    def fix(doc):
        doc["weights"].update(bytes=len(data), sha256=hashlib.sha256(data).hexdigest())

    edit_json(directory, fix)


@pytest.fixture
def saved(tmp_path):
    d = tmp_path / "model"
    save_model(d, make(), metadata={"scaler": {"low": 1.0, "high": 9.5}})
    return d


# ----------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_round_trip_gives_identical_predictions(tmp_path, cell, dtype):
    net = make(cell, dtype)
    meta = {"scalers": [{"min": 0.5, "max": 2.0}], "epochs": 3, "note": "é"}
    save_model(tmp_path / "m", net, metadata=meta)
    back, got = load_model(tmp_path / "m")
    assert type(back) is type(net) and back.config() == net.config()
    assert got == meta
    for k, v in net.state_dict().items():
        assert back.params[k].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(back.params[k], v)
    np.testing.assert_array_equal(back.predict(SEQS), net.predict(SEQS))
    assert back.predict(SEQS).dtype == np.dtype(dtype)


def test_relu_rnn_keeps_its_nonlinearity(tmp_path):
    net = make("rnn", nonlinearity="relu")
    back, _ = load_model(save_model(tmp_path / "m", net))
    assert back.nonlinearity == "relu"
    np.testing.assert_array_equal(back.predict(SEQS), net.predict(SEQS))


def test_files_are_plain_json_and_safetensors(saved):
    assert sorted(os.listdir(saved)) == ["model.json", "weights.safetensors"]
    doc = json.loads((saved / "model.json").read_text())
    assert doc["format"] == "unrolled.model"
    assert doc["format_version"] == FORMAT_VERSION
    assert doc["unrolled_version"] == unrolled.__version__
    assert doc["config"]["cell"] == "lstm"
    assert sorted(load_file(saved / "weights.safetensors")) == sorted(
        make().state_dict()
    )


def test_metadata_numpy_values_become_json_and_nan_becomes_null(tmp_path):
    meta = {"low": np.float32(0.5), "w": np.arange(3), "mape": float("nan"), "t": (1,)}
    _, got = load_model(save_model(tmp_path / "m", make(), metadata=meta))
    assert got == {"low": 0.5, "w": [0, 1, 2], "mape": None, "t": [1]}


def test_saving_over_a_model_replaces_it_and_keeps_other_files(saved):
    (saved / "notes.txt").write_text("mine")
    other = make("gru")
    save_model(saved, other)
    back, meta = load_model(saved)
    assert back.cell_type == "gru" and meta == {}
    assert (saved / "notes.txt").read_text() == "mine"
    assert not [p for p in os.listdir(saved) if p.startswith(".")]


# -------------------------------------------------------------- save refusals
def test_save_refuses_non_finite_weights_and_keeps_the_old_model(saved):
    net = make()
    net.params["head.bias"][0] = np.nan
    with pytest.raises(ValueError, match="'head.bias' is not finite"):
        save_model(saved, net)
    assert load_model(saved)[1] == {"scaler": {"low": 1.0, "high": 9.5}}


def test_save_refuses_metadata_that_is_not_json(saved):
    with pytest.raises(
        ValueError, match=r"metadata\['fn'\]: cannot store a builtin_function"
    ):
        save_model(saved, make(), metadata={"fn": print})
    with pytest.raises(ValueError, match="keys must be strings"):
        save_model(saved, make(), metadata={1: 2})
    load_model(saved)


def test_save_refuses_a_file_where_the_folder_should_be(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(NotADirectoryError, match="not a folder"):
        save_model(tmp_path / "f", make())


def test_a_failing_save_leaves_the_old_model_loadable(saved, monkeypatch):
    import unrolled.storage.atomic as atomic

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        save_model(saved, make("rnn"))
    monkeypatch.undo()
    assert load_model(saved)[0].cell_type == "lstm"
    assert not [p for p in os.listdir(saved) if p.startswith(".")]


# -------------------------------------------------------------- load refusals
def test_missing_directory_or_files(tmp_path, saved):
    with pytest.raises(ModelFileError, match="no such model directory"):
        load_model(tmp_path / "nowhere")
    (saved / "weights.safetensors").unlink()
    with pytest.raises(ModelFileError, match=r"weights.safetensors: missing"):
        load_model(saved)
    (saved / "model.json").unlink()
    with pytest.raises(ModelFileError, match=r"model.json: missing"):
        load_model(saved)


def test_truncated_weights_file(saved):
    path = saved / "weights.safetensors"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ModelFileError, match=r"weights.safetensors: .* truncated"):
        load_model(saved)
    fix_record(saved)  # even when the record is made to agree
    with pytest.raises(ModelFileError, match="not a valid safetensors file"):
        load_model(saved)


def test_weights_changed_in_place_fail_the_checksum(saved):
    path = saved / "weights.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum does not match model.json"):
        load_model(saved)


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda d: d["config"].update(cell="transformer"), "cell must be one of"),
        (
            lambda d: d["config"].update(hidden_size=4),
            "holds 172 values.*describes a model with 277",
        ),
        (lambda d: d["config"].update(hidden_size=0), "hidden_size' must be an int"),
        (lambda d: d["config"].update(hidden_size=2**40), "hidden_size' must be"),
        (lambda d: d["config"].update(num_layers="2"), "num_layers' must be an int"),
        (lambda d: d["config"].update(dtype="float16"), "dtype must be"),
        (lambda d: d["config"].update(bias=False), "unknown key"),
        (lambda d: d["config"].pop("cell"), "config lacks"),
        (lambda d: d.update(config=[1, 2]), "'config' must be an object"),
        (lambda d: d.update(metadata=[1]), "'metadata' must be an object"),
        (lambda d: d.pop("weights"), "no size and checksum"),
        (lambda d: d.update(format_version="1"), "format_version must be an integer"),
        (lambda d: d.update(format="keras"), "not an unrolled.model file"),
    ],
)
def test_tampered_model_json(saved, edit, message):
    edit_json(saved, edit)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(saved)
    assert "model.json" in str(info.value) or "weights.safetensors" in str(info.value)


def test_newer_format_version_is_refused_naming_both_versions(saved):
    edit_json(saved, lambda d: d.update(format_version=FORMAT_VERSION + 1))
    with pytest.raises(ModelFileError) as info:
        load_model(saved)
    msg = str(info.value)
    assert f"format version {FORMAT_VERSION + 1}" in msg
    assert f"reads (format version {FORMAT_VERSION})" in msg and "upgrade" in msg


def rename(arrays):
    arrays["bias_ih_l9"] = arrays.pop("bias_ih_l1")
    return arrays


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda a: {**a, "head.bias": np.array([np.nan])}, "'head.bias' holds NaN"),
        (
            lambda a: {**a, "weight_hh_l0": a["weight_hh_l0"].T.copy()},
            r"'weight_hh_l0' has shape \(3, 12\)",
        ),
        (
            lambda a: {k: v.astype(np.float32) for k, v in a.items()},
            "is float32, the config says float64",
        ),
        (rename, r"names do not match.*'bias_ih_l1'.*'bias_ih_l9'"),
    ],
)
def test_forged_weights_with_a_matching_checksum(saved, change, message):
    rewrite_weights(saved, change)
    with pytest.raises(ModelFileError, match=message):
        load_model(saved)


def test_random_bytes_named_weights_safetensors(saved):
    rng = np.random.default_rng(0)
    (saved / "weights.safetensors").write_bytes(rng.bytes(1000))
    with pytest.raises(ModelFileError, match="weights.safetensors: 1000 bytes"):
        load_model(saved)
    fix_record(saved)
    with pytest.raises(ModelFileError, match="not a valid safetensors file"):
        load_model(saved)


class Trap:
    """Unpickling this would create a file: proof that something unpickled."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_a_pickle_in_place_of_the_weights_is_never_executed(saved, tmp_path):
    marker = tmp_path / "pwned"
    (saved / "weights.safetensors").write_bytes(pickle.dumps(Trap(str(marker))))
    fix_record(saved)
    with pytest.raises(ModelFileError, match="not a valid safetensors file"):
        load_model(saved)
    assert not marker.exists()


@pytest.mark.parametrize(
    "content,message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b'{"format": "unrolled.model", "conf', "not valid JSON"),
        (b"", "not valid JSON"),
        (b'{"format": "unrolled.model", "format_version": NaN}', "NaN is not allowed"),
        (b"[" * 100_000, "not valid JSON"),
        (b'"just a string"', "not an unrolled.model file"),
    ],
)
def test_foreign_or_damaged_model_json(saved, content, message):
    (saved / "model.json").write_bytes(content)
    with pytest.raises(ModelFileError, match=message) as info:
        load_model(saved)
    assert str(saved / "model.json") in str(info.value)


# ------------------------------------------------------------------ checkpoints
def trained_adam(net):
    opt = unrolled.Adam(lr=0.01, betas=(0.8, 0.99), eps=1e-7)
    for _ in range(3):
        _, g = net.loss_and_grads(SEQS, [0.1, 0.2, 0.3])
        opt.step(net.params, g)
    return opt


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_checkpoint_round_trip_restores_adam_exactly(tmp_path, dtype):
    net = make("gru", dtype)
    opt = trained_adam(net)
    best = {k: v + 1 for k, v in net.state_dict().items()}
    save_checkpoint(
        tmp_path / "ck",
        net,
        opt,
        epoch=7,
        extra={"wait": 2, "loss": [1.5, 0.25]},
        tensors={f"best.{k}": v for k, v in best.items()},
        metadata={"run": "x"},
    )
    ck = load_checkpoint(tmp_path / "ck")
    assert ck.epoch == 7 and ck.extra == {"wait": 2, "loss": [1.5, 0.25]}
    assert ck.metadata == {"run": "x"}
    assert ck.optimizer.t == 3 and ck.optimizer.betas == (0.8, 0.99)
    assert ck.optimizer.eps == 1e-7 and ck.optimizer.lr == 0.01
    for k in net.params:
        np.testing.assert_array_equal(ck.model.params[k], net.params[k])
        np.testing.assert_array_equal(ck.optimizer.m[k], opt.m[k])
        np.testing.assert_array_equal(ck.optimizer.v[k], opt.v[k])
        np.testing.assert_array_equal(ck.tensors[f"best.{k}"], best[k])
    # the checkpoint is a model directory too
    np.testing.assert_array_equal(
        load_model(tmp_path / "ck")[0].predict(SEQS), net.predict(SEQS)
    )
    # the same next step from the restored state as from the original
    _, g = net.loss_and_grads(SEQS, [0.1, 0.2, 0.3])
    opt.step(net.params, g)
    ck.optimizer.step(ck.model.params, g)
    for k in net.params:
        np.testing.assert_array_equal(ck.model.params[k], net.params[k])


def test_checkpoint_with_sgd_and_a_fresh_adam(tmp_path):
    save_checkpoint(tmp_path / "a", make(), unrolled.SGD(0.1), epoch=0)
    ck = load_checkpoint(tmp_path / "a")
    assert isinstance(ck.optimizer, unrolled.SGD) and ck.optimizer.lr == 0.1
    save_checkpoint(tmp_path / "b", make(), unrolled.Adam(0.1), epoch=-1)
    ck = load_checkpoint(tmp_path / "b")
    assert ck.optimizer.t == 0 and ck.optimizer.m == {} and ck.epoch == -1


def test_checkpoint_refuses_a_model_saved_over_it(tmp_path):
    net = make()
    save_checkpoint(tmp_path / "ck", net, trained_adam(net), epoch=1)
    save_model(tmp_path / "ck", make("rnn"))
    with pytest.raises(
        ModelFileError, match=r"model.json: \d+ bytes, but checkpoint.json"
    ):
        load_checkpoint(tmp_path / "ck")


def test_checkpoint_refuses_damaged_training_state(tmp_path):
    net = make()
    d = tmp_path / "ck"
    save_checkpoint(d, net, trained_adam(net), epoch=1)
    path = d / "training.safetensors"
    path.write_bytes(path.read_bytes()[:-4])
    with pytest.raises(ModelFileError, match=r"training.safetensors: .* truncated"):
        load_checkpoint(d)
    (d / "training.safetensors").unlink()
    with pytest.raises(ModelFileError, match="training.safetensors: missing"):
        load_checkpoint(d)
    (d / "checkpoint.json").unlink()
    with pytest.raises(ModelFileError, match="checkpoint.json: missing"):
        load_checkpoint(d)


def test_checkpoint_refuses_negative_second_moments(tmp_path):
    net = make()
    d = tmp_path / "ck"
    opt = trained_adam(net)
    opt.v["head.bias"][0] = -1.0
    save_checkpoint(d, net, opt, epoch=1)
    with pytest.raises(ModelFileError, match="second moments must be >= 0"):
        load_checkpoint(d)


def test_checkpoint_refuses_a_bad_optimizer_record(tmp_path):
    net = make()
    d = tmp_path / "ck"
    save_checkpoint(d, net, trained_adam(net), epoch=1)
    edit_json(d, lambda doc: doc["optimizer"].update(name="lbfgs"), "checkpoint.json")
    with pytest.raises(ModelFileError, match="checkpoint.json: 'optimizer' must"):
        load_checkpoint(d)


def test_one_nonlinearity_default_for_the_network_and_its_file(tmp_path):
    assert unrolled.RNN().nonlinearity == "relu"
    assert unrolled.build_model({"cell": "rnn"}).nonlinearity == "relu"
    net = make("rnn", nonlinearity="relu")
    save_model(tmp_path / "m", net)
    edit_json(tmp_path / "m", lambda d: d["config"].pop("nonlinearity"))
    loaded, _ = load_model(tmp_path / "m")
    assert loaded.nonlinearity == "relu"
    seqs = [np.array([0.5, -2.0, 0.3])]
    np.testing.assert_array_equal(loaded.predict(seqs), net.predict(seqs))


def test_a_tanh_network_loads_as_tanh(tmp_path):
    net = make("rnn", nonlinearity="tanh")
    save_model(tmp_path / "m", net)
    loaded, _ = load_model(tmp_path / "m")
    assert loaded.nonlinearity == "tanh"


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["metadata"].update(scale=1e307),
        lambda d: d["metadata"].update(extra="x"),
        lambda d: d["config"].update(hidden_size=4),
        lambda d: d["weights"].update(bytes=1),
        lambda d: d.pop("content_sha256"),
        lambda d: d.update(content_sha256="0" * 64),
    ],
)
def test_any_edit_of_model_json_content_is_refused_naming_the_field(saved, edit):
    edit_json(saved, edit, forge=False)
    with pytest.raises(ModelFileError, match=r"model.json: field 'content_sha256'"):
        load_model(saved)


# ------------------------------------------ concurrent saves and a full disk
def _fitted(seed):
    from unrolled.forecasting.forecaster import Forecaster

    t = np.arange(40.0)
    data = {"s": 10 + np.sin(t / 3) + 0.01 * t}
    fc = Forecaster(window=4, scaling="minmax", epochs=2, ensemble=2, seed=seed)
    fc.fit(data)
    assert len(fc.members_) == 6  # 2 of each of 3 searches: 5 member folders
    return fc


SAVE_MANY = """
import sys
import numpy as np
from unrolled.forecasting.forecaster import Forecaster
t = np.arange(40.0)
fc = Forecaster(window=4, scaling="minmax", epochs=2, ensemble=2,
                seed=int(sys.argv[2])).fit({"s": 10 + np.sin(t / 3) + 0.01 * t})
for _ in range(8):
    fc.save(sys.argv[1])
"""


def test_two_processes_saving_to_one_folder_leave_one_loadable_model(tmp_path):
    import subprocess
    import sys

    from unrolled.forecasting.forecaster import Forecaster

    out = tmp_path / "out"
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    procs = [subprocess.Popen([sys.executable, "-c", SAVE_MANY, str(out), str(seed)],
                              env=env, stderr=subprocess.PIPE, text=True)
             for seed in (1, 2)]  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    fc = Forecaster.load(out)  # complete: every member matches its digest
    assert fc.predict(1)["ensemble"].shape == (1,)
    members = sorted(p.name for p in out.glob("member-*"))
    assert len(members) == 5  # the last save's members; the other's were removed
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]


def test_a_full_disk_names_the_file_and_leaves_no_member_folders(tmp_path, monkeypatch):
    import errno

    import unrolled.storage.atomic as atomic

    fc = _fitted(3)
    out = tmp_path / "out"
    real = os.fsync

    def full(fd):  # the member's files fit; the top model's weights do not
        where = os.readlink(f"/proc/self/fd/{fd}")
        if os.path.dirname(where) == str(out) and ".weights.safetensors" in where:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(OSError) as info:
        fc.save(out)
    assert str(info.value).endswith(
        "weights.safetensors: cannot write (No space left on device)"
    )
    assert str(out) in str(info.value)
    assert list(out.glob("member-*")) == []
    assert not [p for p in out.rglob("*") if p.is_file()]


def test_two_threads_saving_one_forecaster_take_turns(tmp_path):
    import threading

    from unrolled.forecasting.forecaster import Forecaster

    a, b = _fitted(4), _fitted(5)
    out = tmp_path / "out"
    errors = []

    def save(fc):
        try:
            for _ in range(5):
                fc.save(out)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(fc,)) for fc in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    loaded = Forecaster.load(out)
    assert loaded.config_ in (a.config_, b.config_)
    assert len(list(out.glob("member-*"))) == 5


CHECKPOINT_MANY = """
import sys
import numpy as np
import unrolled
from unrolled.storage.checkpoints import save_checkpoint
m = unrolled.build_model({"cell": "gru", "hidden_size": 3, "seed": int(sys.argv[2])})
opt = unrolled.Adam(lr=0.01)
for epoch in range(30):
    save_checkpoint(sys.argv[1], m, opt, epoch, extra={"who": sys.argv[2]})
"""


def test_two_processes_checkpointing_to_one_folder_leave_a_whole_checkpoint(
    tmp_path,
):
    import subprocess
    import sys

    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src))
    ck = tmp_path / "ck"
    procs = [subprocess.Popen([sys.executable, "-c", CHECKPOINT_MANY, str(ck),
                               str(seed)], env=env, stderr=subprocess.PIPE, text=True)
             for seed in (1, 2)]  # fmt: skip
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    state = load_checkpoint(ck)  # every file matches the records of one writer
    assert state is not None
    assert not [p for p in ck.iterdir() if ".tmp" in p.name]


def test_a_killed_saver_releases_the_folder(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         f"fd = os.open({str(out)!r}, os.O_RDONLY)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\n"
         "time.sleep(600)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    save_model(out, make())  # the lock went with the process: no wait, no error
    assert load_model(out)[0].config()["hidden_size"] == 3


def test_an_interrupted_save_keeps_the_previous_model(tmp_path, monkeypatch):
    import unrolled.storage.models as models
    from unrolled.forecasting.forecaster import Forecaster

    out = tmp_path / "out"
    first = _fitted(6)
    first.save(out)
    before = {p.name for p in out.glob("member-*")}
    real = models.atomic_write_many

    def interrupted(files):
        if any(p.parent == out for p in map(type(out), files)):
            raise KeyboardInterrupt
        return real(files)

    monkeypatch.setattr(models, "atomic_write_many", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _fitted(7).save(out)
    monkeypatch.undo()
    assert {p.name for p in out.glob("member-*")} == before  # the new one removed
    assert Forecaster.load(out).config_ == first.config_
