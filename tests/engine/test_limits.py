"""Memory limits: estimates that match the engine, refusals with tiny fake limits."""

import tracemalloc

import numpy as np
import pytest

import unrolled
from unrolled.engine import dispatch
from unrolled.engine.sizing import (
    ResourceLimitError,
    available_memory,
    check_file_size,
    check_memory,
    check_training_memory,
    estimate_training_bytes,
    format_bytes,
)


@pytest.mark.parametrize(
    "cell,T,B,H,L",
    [("rnn", 120, 8, 16, 2), ("lstm", 80, 6, 12, 1), ("gru", 60, 10, 8, 3)],
)
def test_estimate_errs_high_by_less_than_two_on_the_numpy_path(
    monkeypatch, cell, T, B, H, L
):
    monkeypatch.setattr(dispatch.backend, "mode", "numpy")
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=T) for _ in range(B)]
    net = unrolled.build_model({"cell": cell, "hidden_size": H, "num_layers": L})
    tracemalloc.start()
    try:
        net.loss_and_grads(seqs, rng.normal(size=B))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    ratio = estimate_training_bytes(cell, H, L, T, B) / peak
    assert 1.0 <= ratio <= 1.8


def test_estimate_grows_with_every_size_and_halves_for_float32():
    base = estimate_training_bytes("lstm", 32, 2, 100, 8)
    for kw in ({"hidden_size": 64}, {"num_layers": 3}, {"total_steps": 200}):
        args = {"hidden_size": 32, "num_layers": 2, "total_steps": 100, **kw}
        assert estimate_training_bytes("lstm", batch=8, **args) > base
    assert estimate_training_bytes("lstm", 32, 2, 100, 8, dtype="float32") == base // 2
    with pytest.raises(ValueError, match="cell: expected"):
        estimate_training_bytes("tcn", 1, 1, 1, 1)


def test_check_memory_refuses_with_the_estimate_and_what_is_available():
    check_memory(800, "training", available=1000)  # 80% is allowed
    with pytest.raises(ResourceLimitError) as info:
        check_memory(3 * 2**30, "training", available=2**30, hint="use --tbptt")
    assert str(info.value) == (
        "training would need about 3.0 GiB of memory, but only 1.0 GiB is "
        "available; use --tbptt"
    )
    assert isinstance(info.value, ValueError)  # the CLI's exit code 2


def test_available_memory_is_read_from_the_system_and_capped_by_the_env(monkeypatch):
    monkeypatch.delenv("UNROLLED_MEMORY_LIMIT", raising=False)
    free = available_memory()
    assert free is None or free > 0
    monkeypatch.setenv("UNROLLED_MEMORY_LIMIT", "1M")
    assert available_memory() == 2**20
    monkeypatch.setenv("UNROLLED_MEMORY_LIMIT", "1.5GiB")
    assert available_memory() == min(free or 2**62, int(1.5 * 2**30))
    monkeypatch.setenv("UNROLLED_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="UNROLLED_MEMORY_LIMIT: expected a size"):
        available_memory()


def test_training_that_would_not_fit_is_refused_up_front(monkeypatch):
    with pytest.raises(ResourceLimitError, match="hidden size 512 on 64 sequence"):
        check_training_memory("gru", 512, 2, 10_000, 64, available=2**30)
    monkeypatch.setenv("UNROLLED_MEMORY_LIMIT", "64K")
    epochs = []
    net = unrolled.LSTM(hidden_size=16, seed=0)
    with pytest.raises(ResourceLimitError, match="up to 500 steps.*64.0 KiB"):
        unrolled.fit(
            net,
            [np.zeros(500), np.zeros(3)],
            [0.0, 1.0],
            epochs=2,
            callbacks=[lambda e, logs: epochs.append(e)],
        )
    assert epochs == []  # refused before the first epoch


def test_a_csv_bigger_than_memory_is_refused(tmp_path):
    f = tmp_path / "big.csv"
    f.write_bytes(b"x" * 1000)
    assert check_file_size(f, available=10_000) == 1000
    with pytest.raises(ResourceLimitError, match=r"reading big.csv \(1000 B\)"):
        check_file_size(f, "big.csv", available=3000)
    assert check_file_size(tmp_path / "missing.csv", available=1) == 0


def test_format_bytes():
    assert [format_bytes(n) for n in (5, 1536, 3 * 2**20, 2**43)] == [
        "5 B",
        "1.5 KiB",
        "3.0 MiB",
        "8.0 TiB",
    ]
