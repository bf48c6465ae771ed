"""Property-based tests (hypothesis): engine invariants and loaders under fuzzing.

Engine: predictions do not depend on the order or the company of the other
sequences in a batch, the parameter count does not depend on any length, and a
save/load round trip changes no prediction. Loaders: any corruption of a model
or checkpoint file gives a model or a ModelFileError, nothing else; any table
or bytes given to the CSV loader give a Dataset or a DataError, nothing else.
"""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unrolled
from unrolled.storage.checkpoints import load_checkpoint, save_checkpoint
from unrolled.storage.models import ModelFileError, load_model, save_model

FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# the loaders are cheap: more examples; UNROLLED_FUZZ=5000 for a long hunt
FUZZ = settings(FAST, max_examples=int(os.environ.get("UNROLLED_FUZZ", "60")))

configs = st.fixed_dictionaries(
    {
        "cell": st.sampled_from(["rnn", "lstm", "gru"]),
        "hidden_size": st.integers(1, 5),
        "num_layers": st.integers(1, 3),
        "seed": st.integers(0, 2**32 - 1),
    }
)
values = st.floats(-3, 3, allow_nan=False, width=64)
sequence = st.lists(values, min_size=1, max_size=10).map(np.array)
batches = st.lists(sequence, min_size=1, max_size=6)


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------- engine
@FAST
@given(cfg=configs, seqs=batches, data=st.data())
def test_predictions_do_not_depend_on_batch_order(cfg, seqs, data):
    net = unrolled.build_model(cfg)
    perm = data.draw(st.permutations(range(len(seqs))))
    close(net.predict([seqs[i] for i in perm]), net.predict(seqs)[perm])
    every = net.predict([seqs[i] for i in perm], all_steps=True)
    for got, i in zip(every, perm, strict=True):
        close(got, net.predict(seqs, all_steps=True)[i])


@FAST
@given(cfg=configs, seqs=batches, others=batches)
def test_a_sequence_gets_the_same_prediction_in_any_company(cfg, seqs, others):
    net = unrolled.build_model(cfg)
    together = net.predict(seqs + others)
    alone = np.array([net.predict([s])[0] for s in seqs])
    close(together[: len(seqs)], alone)


@FAST
@given(cfg=configs, seqs=batches, others=batches, data=st.data())
def test_loss_and_gradients_add_up_over_any_split_of_a_batch(cfg, seqs, others, data):
    net = unrolled.build_model(cfg)
    t1 = data.draw(st.lists(values, min_size=len(seqs), max_size=len(seqs)))
    t2 = data.draw(st.lists(values, min_size=len(others), max_size=len(others)))
    loss, grads = net.loss_and_grads(seqs + others, t1 + t2)
    l1, g1 = net.loss_and_grads(seqs, t1)
    l2, g2 = net.loss_and_grads(others, t2)
    close(loss, l1 + l2)
    for k in grads:
        close(grads[k], g1[k] + g2[k])


@FAST
@given(cfg=configs, lengths=st.lists(st.integers(1, 60), min_size=1, max_size=5))
def test_parameter_count_does_not_depend_on_sequence_length(cfg, lengths):
    net = unrolled.build_model(cfg)
    G = {"rnn": 1, "lstm": 4, "gru": 3}[cfg["cell"]] * cfg["hidden_size"]
    H, L = cfg["hidden_size"], cfg["num_layers"]
    expected = G * (1 + H + 2) + (L - 1) * G * (2 * H + 2) + H + 1
    assert net.num_parameters() == expected
    seqs = [np.linspace(-1, 1, n) for n in lengths]
    _, grads = net.loss_and_grads(seqs, np.zeros(len(seqs)))
    assert {k: g.shape for k, g in grads.items()} == {
        k: p.shape for k, p in net.params.items()
    }
    assert net.num_parameters() == expected


@FAST
@given(
    cfg=configs,
    dtype=st.sampled_from(["float64", "float32"]),
    relu=st.booleans(),
    seqs=batches,
)
def test_predictions_unchanged_by_a_save_load_round_trip(cfg, dtype, relu, seqs):
    cfg = {**cfg, "dtype": dtype}
    if cfg["cell"] == "rnn" and relu:
        cfg["nonlinearity"] = "relu"
    net = unrolled.build_model(cfg)
    with tempfile.TemporaryDirectory() as d:
        back, meta = load_model(save_model(Path(d) / "m", net, {"cfg": cfg}))
    assert meta == {"cfg": cfg}
    np.testing.assert_array_equal(back.predict(seqs), net.predict(seqs))


# ---------------------------------------------------------------- model files
@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A saved model and a saved checkpoint, copied for every example."""
    root = tmp_path_factory.mktemp("pristine")
    net = unrolled.LSTM(hidden_size=2, num_layers=2, seed=0)
    save_model(root / "model", net, {"scaler": {"low": 0.0, "high": 1.0}})
    opt = unrolled.Adam(0.01)
    _, g = net.loss_and_grads([np.ones(3)], [0.5])
    opt.step(net.params, g)
    save_checkpoint(root / "ck", net, opt, 0, {"wait": 0}, {"best.x": np.ones(2)})
    return root


def corrupt(data: bytes, draw) -> bytes:
    """Damage ``data`` in one of several ways chosen by hypothesis."""
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "replace", "splice"]))
    n = len(data)
    if kind == "truncate":
        return data[: draw(st.integers(0, max(n - 1, 0)))]
    if kind == "flip":
        out = bytearray(data)
        for i in draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=4)):
            out[i] ^= draw(st.integers(1, 255))
        return bytes(out)
    if kind == "insert":
        i = draw(st.integers(0, n))
        return data[:i] + draw(st.binary(min_size=1, max_size=16)) + data[i:]
    if kind == "replace":
        return draw(st.binary(max_size=2000))
    i, j = sorted(draw(st.lists(st.integers(0, n), min_size=2, max_size=2)))
    return data[:i] + data[j:] + data[i:j]  # move a block


def refresh_records(d: Path) -> None:
    """Make the JSON files' sizes and checksums agree with the damaged files, if
    they still parse, so that the damage reaches the deeper checks."""
    for jname, key, fname in (
        ("model.json", "weights", "weights.safetensors"),
        ("checkpoint.json", "files", "training.safetensors"),
        ("checkpoint.json", "files", "model.json"),
    ):
        jpath, fpath = d / jname, d / fname
        if not (jpath.exists() and fpath.exists()):
            continue
        try:
            doc = json.loads(jpath.read_text())
            rec = doc[key] if key == "weights" else doc[key][fname]
            data = fpath.read_bytes()
            rec["bytes"], rec["sha256"] = len(data), hashlib.sha256(data).hexdigest()
            jpath.write_text(json.dumps(doc))
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            pass


@FUZZ
@given(data=st.data())
def test_corrupted_model_files_give_a_model_or_a_model_file_error(pristine, data):
    name = data.draw(st.sampled_from(["weights.safetensors", "model.json"]))
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "m"
        shutil.copytree(pristine / "model", d)
        (d / name).write_bytes(corrupt((d / name).read_bytes(), data.draw))
        if data.draw(st.booleans()):
            refresh_records(d)
        try:
            net, meta = load_model(d)
        except ModelFileError as exc:
            assert str(d) in str(exc)
        else:
            assert np.all(np.isfinite(net.predict([np.ones(4)])))
            assert isinstance(meta, dict)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@FUZZ
@given(data=st.data(), value=json_values)
def test_any_value_in_any_model_json_field_is_handled(pristine, data, value):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "m"
        shutil.copytree(pristine / "model", d)
        doc = json.loads((d / "model.json").read_text())
        target = doc
        path = data.draw(
            st.sampled_from(
                [
                    ("format_version",),
                    ("config",),
                    ("config", "cell"),
                    ("config", "hidden_size"),
                    ("config", "num_layers"),
                    ("config", "input_size"),
                    ("config", "dtype"),
                    ("config", "extra"),
                    ("weights",),
                    ("weights", "bytes"),
                    ("metadata",),
                    ("format",),
                ]
            )
        )
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        (d / "model.json").write_text(json.dumps(doc))
        try:
            load_model(d)
        except ModelFileError:
            pass


@FUZZ
@given(data=st.data())
def test_corrupted_checkpoints_give_a_checkpoint_or_a_model_file_error(pristine, data):
    name = data.draw(
        st.sampled_from(
            [
                "training.safetensors",
                "checkpoint.json",
                "model.json",
                "weights.safetensors",
            ]
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "ck"
        shutil.copytree(pristine / "ck", d)
        (d / name).write_bytes(corrupt((d / name).read_bytes(), data.draw))
        if data.draw(st.booleans()):
            refresh_records(d)
        try:
            ck = load_checkpoint(d)
        except ModelFileError as exc:
            assert str(d) in str(exc)
        else:
            assert ck.epoch >= -1 and isinstance(ck.extra, dict)


# ---------------------------------------------------------------- CSV loader
data_module = pytest.importorskip("unrolled.forecasting.io.data")
DataError = data_module.DataError

cells = st.one_of(
    st.sampled_from(["", "NaN", "nan", "-", "null", "1e300", "-1e-300", "inf"]),
    st.sampled_from(["2020-01-31", "2020-02-29", "2021-13-01", "31/12/2020", "x"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.dates().map(str),
    st.text(alphabet="abc ,;\"'\t|\n\r0123456789.-eE", max_size=8),
)
headers = st.lists(
    st.sampled_from(["date", "symbol", "price", "value", "a", "b", "", "date"]),
    min_size=1,
    max_size=4,
)


def check_csv(path: Path) -> None:
    """The contract: a Dataset, or DataError naming the file."""
    try:
        ds = data_module.load_csv(path)
    except DataError as exc:
        assert str(path) in str(exc)
        assert "\n" not in str(exc)
    else:
        for s in ds:
            assert len(s.values) >= data_module.MIN_LENGTH
            assert np.all(np.isfinite(s.values))


@FUZZ
@given(head=headers, rows=st.lists(st.lists(cells, max_size=5), max_size=12))
def test_csv_loader_on_random_tables(head, rows):
    sep = ","
    lines = [sep.join(head)] + [sep.join(r) for r in rows]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        path.write_text("\n".join(lines), encoding="utf-8")
        check_csv(path)


@FUZZ
@given(
    rows=st.lists(
        st.tuples(st.dates(), st.sampled_from(["A", "B", "C"]), values),
        min_size=0,
        max_size=15,
    ),
    wide=st.booleans(),
)
def test_csv_loader_on_random_but_well_formed_long_and_wide_tables(rows, wide):
    lines = ["date,symbol,price"] + [f"{d},{s},{v!r}" for d, s, v in rows]
    if wide:
        lines = ["date,A,B"] + [f"{d},{v!r},{-v!r}" for d, _, v in rows]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        path.write_text("\n".join(lines), encoding="utf-8")
        check_csv(path)


@FUZZ
@given(raw=st.binary(max_size=600) | st.binary(max_size=60).map(lambda b: b * 20))
def test_csv_loader_on_random_bytes(raw):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        path.write_bytes(raw)
        check_csv(path)
