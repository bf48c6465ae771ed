"""The compiled time loops (kernels.py) pinned to the readable path (layers + cells).

Every test runs the same call twice, once with ``dispatch.backend.mode = "numpy"``
(the loop in layers.py calling each cell's step/step_backward) and once with
``"numba"``, and compares: float64 to ~1e-12, float32 close, each on both
compiled layouts (row-major, for large hidden sizes, and feature-major, for
small ones: the ``layout`` fixture). Also: ragged
batches, several layers, input_size > 1, truncated BPTT (keep), recorded
dL/dh (record), per-step targets, a batch split over several threads, the
fallback when Numba fails, and a smoke run of the benchmark script.
"""

import importlib.util
import pathlib
import platform
import warnings

import numpy as np
import pytest
from conftest import max_rel_error, ragged_batch

import unrolled
from unrolled.engine import blasloop, dispatch, layers

pytest.importorskip("numba")
X86 = platform.machine().lower() in ("x86_64", "amd64")  # FTZ/DAZ exists there

CELLS = [("rnn", "relu"), ("rnn", "tanh"), ("lstm", None), ("gru", None)]
LENGTHS = [7, 3, 9, 1, 4, 9, 2, 5, 6, 11, 8]  # ragged, with ties and a length 1


@pytest.fixture(autouse=True, params=["row-major", "feature-major", "blas"])
def layout(request, monkeypatch):
    """Every test runs on the three compiled loops: (T, B, H), (T, H, B) and the
    BLAS loop (blasloop.py, on the row-major arrays)."""
    limit = 1 << 30 if request.param == "feature-major" else 0
    monkeypatch.setattr(dispatch.backend, "feature_major_max", limit)
    blas_min = 0 if request.param == "blas" else 1 << 30
    monkeypatch.setattr(dispatch.backend, "blas_min", blas_min)
    assert dispatch.layout(5) == request.param  # the loop each test means to run
    return request.param


def make(cell, nonlinearity, dtype="float64", **kw):
    cfg = {"cell": cell, "dtype": dtype, **kw}
    if nonlinearity:
        cfg["nonlinearity"] = nonlinearity
    return unrolled.build_model(cfg)


def both(monkeypatch, fn):
    """``fn()`` on the readable path, then on the compiled path."""
    out = []
    for mode in ("numpy", "numba"):
        monkeypatch.setattr(dispatch.backend, "mode", mode)
        out.append(fn())
    return out


def assert_same(a, b, tol):
    """Loss, gradients (and recorded dL/dh if present) agree to ``tol``."""
    assert b[0] == pytest.approx(a[0], rel=tol)
    assert set(a[1]) == set(b[1])
    for k in a[1]:
        assert b[1][k].dtype == a[1][k].dtype, k
        assert max_rel_error(a[1][k], b[1][k]) <= tol, k
    if len(a) > 2:
        for x, y in zip(a[2], b[2], strict=True):
            assert max_rel_error(x, y) <= tol


@pytest.mark.parametrize("cell,nl", CELLS)
@pytest.mark.parametrize("tbptt", [None, 3])
def test_float64_matches_readable_path(monkeypatch, rng, cell, nl, tbptt):
    net = make(cell, nl, input_size=2, hidden_size=5, num_layers=2, seed=3)
    seqs = ragged_batch(rng, LENGTHS, 2)
    targets = rng.normal(size=len(seqs))
    a, b = both(
        monkeypatch,
        lambda: net.loss_and_grads(seqs, targets, tbptt=tbptt, record_hidden=True),
    )
    assert_same(a, b, 1e-12)
    p, q = both(monkeypatch, lambda: net.predict(seqs, all_steps=True))
    for x, y in zip(p, q, strict=True):
        assert max_rel_error(x, y) < 1e-12


@pytest.mark.parametrize("cell,nl", CELLS)
def test_blas_loop_tape_blocks_of_a_few_rows(monkeypatch, rng, layout, cell, nl):
    """The BLAS loop adds its weight gradients block by block; blocks that fill
    every step or two (a tape of 12 entries: one step's rows at most) give the
    readable path's gradients all the same."""
    if layout != "blas":
        pytest.skip("the tape blocks are the BLAS loop's")
    monkeypatch.setattr(blasloop, "TAPE_ENTRIES", 12)
    net = make(cell, nl, input_size=2, hidden_size=5, num_layers=2, seed=4)
    seqs = ragged_batch(rng, LENGTHS, 2)
    targets = rng.normal(size=len(seqs))
    a, b = both(monkeypatch, lambda: net.loss_and_grads(seqs, targets, tbptt=4))
    assert_same(a, b, 1e-12)


@pytest.mark.parametrize("nl", ["relu", "tanh"])
@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 1e-5)])
def test_one_unit_elman_layers_match_readable_path(monkeypatch, rng, nl, dtype, tol):
    """A layer of one unit (the StatLand lesson's size) takes the kernels'
    one-pass step: two layers (the top one hands a gradient to its input),
    two inputs, truncated BPTT, per-step and last-step targets."""
    net = make("rnn", nl, dtype, input_size=2, hidden_size=1, num_layers=2, seed=7)
    seqs = ragged_batch(rng, LENGTHS, 2)
    last = rng.normal(size=len(seqs))
    steps = [rng.normal(size=len(s)) for s in seqs]
    for targets, per_step in ((last, False), (steps, True)):
        a, b = both(
            monkeypatch,
            lambda t=targets, p=per_step: net.loss_and_grads(
                seqs, t, per_step=p, tbptt=3, record_hidden=True
            ),
        )
        assert_same(a, b, tol)
    p, q = both(monkeypatch, lambda: net.predict(seqs, all_steps=True))
    for x, y in zip(p, q, strict=True):
        assert max_rel_error(x, y) < tol


@pytest.mark.parametrize("cell,nl", CELLS)
def test_per_step_targets_with_truncation(monkeypatch, rng, cell, nl):
    net = make(cell, nl, hidden_size=4, num_layers=1, output_size=2, seed=5)
    seqs = ragged_batch(rng, LENGTHS)
    targets = [rng.normal(size=(len(s), 2)) for s in seqs]
    a, b = both(
        monkeypatch,
        lambda: net.loss_and_grads(seqs, targets, per_step=True, tbptt=2),
    )
    assert_same(a, b, 1e-12)


@pytest.mark.parametrize("cell,nl", CELLS)
def test_float32_close_to_readable_path(monkeypatch, rng, cell, nl):
    net = make(cell, nl, dtype="float32", hidden_size=6, num_layers=2, seed=1)
    seqs = ragged_batch(rng, LENGTHS)
    targets = rng.normal(size=len(seqs))
    a, b = both(
        monkeypatch, lambda: net.loss_and_grads(seqs, targets, record_hidden=True)
    )
    assert_same(a, b, 1e-5)
    assert all(g.dtype == np.float32 for g in b[1].values())


@pytest.mark.parametrize("cell,nl", CELLS)
def test_layer_level_arbitrary_keep_and_record(monkeypatch, cell, nl):
    """layer_forward/backward directly, with a random 0/1 keep mask."""
    rng = np.random.default_rng(11)
    net = make(cell, nl, input_size=3, hidden_size=4, seed=2)
    packed = net._pack(ragged_batch(rng, LENGTHS, 3))
    w = net._layer(0)
    T, B, _ = packed.data.shape
    keep = (rng.random((T, B)) < 0.7).astype(np.float64)
    dH = rng.normal(size=(T, B, 4)) * packed.mask()[:, :, None]
    d_last = rng.normal(size=(B, 4))  # added to dH at each row's last copy
    outs = []
    for mode in ("numpy", "numba"):
        monkeypatch.setattr(dispatch.backend, "mode", mode)
        tape = layers.layer_forward(net.cell, packed.data, packed.batch_sizes, *w)
        record = np.zeros((T, B, 4))
        dX, g = layers.layer_backward(
            net.cell, tape, dH, packed.batch_sizes, *w[:2], keep=keep, record=record,
            d_last=d_last,
        )  # fmt: skip
        dx_none, g_no_dx = layers.layer_backward(
            net.cell, tape, dH, packed.batch_sizes, *w[:2], need_dx=False
        )
        assert dx_none is None
        outs.append((tape.H, dX, record, *g, *g_no_dx))
    for x, y in zip(*outs, strict=True):
        assert x.shape == y.shape
        assert max_rel_error(x, y) < 1e-12


@pytest.mark.parametrize("cell,nl", CELLS)
def test_batch_split_over_threads(monkeypatch, rng, cell, nl):
    """Chunks of rows on several threads give the readable path's numbers."""
    monkeypatch.setenv("UNROLLED_THREADS", "3")
    monkeypatch.setattr(dispatch.backend, "min_work", 1)
    monkeypatch.setattr(dispatch.backend, "chunks_per_thread", 4)
    lengths = rng.integers(1, 30, size=40)
    B = len(lengths)
    # 3 threads x 4 chunks each, but no chunk under 8 rows: 5 chunks, taken in turn
    assert len(dispatch.row_chunks(np.arange(B, 0, -1), B, 4, 4, 1)) - 1 == 5
    net = make(cell, nl, hidden_size=4, num_layers=2, seed=9)
    seqs = ragged_batch(rng, lengths)
    targets = rng.normal(size=B)
    a, b = both(
        monkeypatch,
        lambda: net.loss_and_grads(seqs, targets, tbptt=5, record_hidden=True),
    )
    assert_same(a, b, 1e-12)


def test_bounds_cover_rows_and_balance_steps(monkeypatch):
    monkeypatch.setenv("UNROLLED_THREADS", "4")
    lengths = np.sort(np.random.default_rng(0).integers(1, 100, size=64))[::-1]
    bs = (lengths[None, :] > np.arange(lengths[0])[:, None]).sum(axis=1)
    monkeypatch.setattr(dispatch.backend, "chunks_per_thread", 1)
    b = dispatch.row_chunks(bs, 64, 100, 100, 1)
    assert len(b) == 5 and b[0] == 0 and b[-1] == 64 and np.all(np.diff(b) > 0)
    per_chunk = [lengths[lo:hi].sum() for lo, hi in zip(b[:-1], b[1:], strict=True)]
    assert max(per_chunk) - min(per_chunk) <= 2 * lengths[0]  # about equal steps
    monkeypatch.setattr(dispatch.backend, "chunks_per_thread", 4)  # 16, at most B/8
    b = dispatch.row_chunks(bs, 64, 100, 100, 1)
    assert len(b) == 9 and b[0] == 0 and b[-1] == 64 and np.all(np.diff(b) > 0)
    monkeypatch.setenv("UNROLLED_THREADS", "1")
    assert list(dispatch.row_chunks(bs, 64, 100, 100, 1)) == [0, 64]


@pytest.mark.parametrize("cell,nl", CELLS)
def test_same_bits_whichever_thread_takes_a_chunk(monkeypatch, rng, cell, nl, layout):
    """The chunks' numbers are the same bits on 1 thread as on 3 (same split)."""
    monkeypatch.setattr(dispatch.backend, "mode", "numba")
    monkeypatch.setattr(dispatch.backend, "min_work", 1)
    lengths = rng.integers(1, 30, size=48)
    net = make(cell, nl, hidden_size=4, seed=3)
    seqs, targets = ragged_batch(rng, lengths), rng.normal(size=len(lengths))
    monkeypatch.setenv("UNROLLED_THREADS", "3")
    splits, row_chunks = [], dispatch.row_chunks
    monkeypatch.setattr(dispatch, "row_chunks", lambda *a: splits.append(row_chunks(*a))
                        or splits[-1])  # fmt: skip
    a = net.loss_and_grads(seqs, targets)
    chunks = 3 if layout == "blas" else 6  # 3 threads x (1 or 4), at most 48 / 8
    assert [len(s) - 1 for s in splits] == [chunks, chunks]  # forward, backward
    monkeypatch.setattr(dispatch, "threads", lambda: 1)  # one thread, same chunks
    monkeypatch.setattr(dispatch, "row_chunks", lambda *a: splits.pop(0))
    b = net.loss_and_grads(seqs, targets)
    assert not splits and a[0] == b[0]
    for k in a[1]:
        np.testing.assert_array_equal(a[1][k], b[1][k], err_msg=k)


@pytest.mark.parametrize("cell,nl", CELLS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("threads", ["1", "3"])
def test_a_prediction_keeping_no_tape_gives_the_taped_bits(
    monkeypatch, rng, cell, nl, dtype, threads, layout
):
    """predict() runs its last layer through a kernel that keeps no tape
    where there is one (a GRU on the row-major loop): each sequence's output
    is the taped forward's, bit for bit, on ragged batches of one and two
    layers, in one chunk or split over threads; elsewhere the taped forward
    runs. The kernel is counted, so a path that never reaches it fails."""
    from unrolled.engine import kernels

    monkeypatch.setattr(dispatch.backend, "mode", "numba")
    monkeypatch.setenv("UNROLLED_THREADS", threads)
    monkeypatch.setattr(dispatch.backend, "min_work", 1)
    calls, real = [], kernels.gru_last  # each call's rows (lo, hi)
    spy = lambda *a: calls.append(a[6:8]) or real(*a)  # noqa: E731
    monkeypatch.setattr(kernels, "gru_last", spy)
    for layers_ in (1, 2):
        net = make(cell, nl, dtype, hidden_size=5, num_layers=layers_, input_size=2,
                   seed=4)  # fmt: skip
        seqs = ragged_batch(rng, LENGTHS * 3, 2)
        packed = unrolled.pack_batch(seqs, input_size=2, dtype=dtype)
        Y, _ = net._forward(packed, last_only=True)
        taped = packed.unsort(Y)[:, 0]
        got = net.predict(seqs)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, taped)
    if cell != "gru" or layout != "row-major":
        assert calls == []
        return
    chunks = len(calls) // 2  # two predictions, the same split
    assert chunks == 1 if threads == "1" else chunks == 4  # 33 rows, 8 at least
    for one in (calls[:chunks], calls[chunks:]):  # every row once
        bounds = sorted(one)
        assert bounds[0][0] == 0 and bounds[-1][1] == len(seqs)
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))


@pytest.mark.parametrize("flush", [True, False])
def test_subnormal_numbers_flush_to_zero_in_the_kernels_only(monkeypatch, flush):
    """float32 values below 1.2e-38 come out 0 from the kernels (as from XLA),
    and the caller's arithmetic keeps its subnormals afterwards."""
    monkeypatch.setattr(dispatch.backend, "mode", "numba")
    monkeypatch.setattr(dispatch.backend, "flush_subnormals", flush)
    net = make("rnn", "relu", dtype="float32", hidden_size=2, seed=0)
    net.params["weight_ih_l0"][:] = 1e-20
    net.params["weight_hh_l0"][:] = 0.0
    for b in ("bias_ih_l0", "bias_hh_l0"):
        net.params[b][:] = 0.0
    packed = unrolled.pack_batch([np.full(3, 1e-19, np.float32)] * 2, dtype="float32")
    tape = layers.layer_forward(net.cell, packed.data, packed.batch_sizes,
                                *net._layer(0))  # fmt: skip
    h = np.asarray(tape.H)
    tiny = np.float32(1e-20) * np.float32(1e-19)  # 1e-39: subnormal, here too
    assert tiny > 0
    if X86:
        assert np.all(h == 0) if flush else np.allclose(h, tiny, rtol=1e-2, atol=0)
    else:
        assert np.allclose(h, tiny, rtol=1e-2, atol=0)


@pytest.mark.parametrize("error", ["typing", "cache write"])
def test_numba_failure_falls_back_to_readable_path(monkeypatch, rng, error):
    from numba.core.errors import TypingError

    from unrolled.engine import kernels

    def broken(*args):
        if error == "typing":
            raise TypingError("simulated")
        raise OSError(28, "No space left on device")  # saving the cache

    for name in ("elman_forward", "elman_forward_fm", "elman_fstep"):
        monkeypatch.setattr(kernels, name, broken)
    monkeypatch.setattr(dispatch.backend, "broken", False)
    monkeypatch.setattr(dispatch.backend, "mode", "auto")
    net = make("rnn", "relu", hidden_size=3, seed=0)
    seqs = ragged_batch(rng, [4, 2, 5])
    with pytest.warns(RuntimeWarning, match="NumPy path"):
        got = net.loss_and_grads(seqs, [0.5, 1.0, -1.0])
    assert dispatch.backend.broken
    monkeypatch.setattr(dispatch.backend, "mode", "numpy")
    want = net.loss_and_grads(seqs, [0.5, 1.0, -1.0])
    assert_same(want, got, 0.0)


def test_forcing_numba_raises_instead_of_falling_back(monkeypatch, rng):
    from numba.core.errors import TypingError

    from unrolled.engine import kernels

    def broken(*args):
        raise TypingError("simulated")

    for name in ("gru_forward", "gru_forward_fm", "gru_fstep"):
        monkeypatch.setattr(kernels, name, broken)
    monkeypatch.setattr(dispatch.backend, "broken", False)
    monkeypatch.setattr(dispatch.backend, "mode", "numba")
    net = make("gru", None, hidden_size=3, seed=0)
    with warnings.catch_warnings(), pytest.raises(TypingError):
        warnings.simplefilter("error")
        net.loss_and_grads(ragged_batch(rng, [4, 2]), [0.5, 1.0])


def test_kernels_compile_without_a_writable_cache(monkeypatch):
    """No cache location at all (read-only install, no home): compile per process."""
    import numba

    from unrolled.engine import kernels

    real = numba.njit

    def njit(*args, cache=False, **kw):
        if cache:
            raise RuntimeError("cannot cache function: no locator available")
        return real(*args, **kw)

    monkeypatch.setattr(kernels.numba, "njit", njit)

    def add_one(x):
        return x + 1

    assert kernels._jit()(add_one)(1) == 2


def load_bench():
    """benchmarks/bench.py as a module."""
    path = pathlib.Path(__file__).parents[2] / "benchmarks" / "bench.py"
    spec = importlib.util.spec_from_file_location("bench", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_benchmark_rounds_time_blocks_of_calls():
    """bench.py's rounds: a call shorter than the block runs back to back in
    blocks (time per call: the block's mean); a longer one once per round."""
    import time

    calls = {"fast": 0, "slow": 0}

    def fast():
        calls["fast"] += 1

    def slow():
        calls["slow"] += 1
        time.sleep(0.004)

    out = load_bench().interleaved({"fast": fast, "slow": slow}, 3, block=0.002)
    assert calls["slow"] == 1 + 3  # the sizing call, then one per round
    assert calls["fast"] > 1 + 3 * 10  # blocks of many calls
    assert 0.004 <= out["slow"] < 0.1 and out["fast"] < out["slow"] / 10
    one = load_bench().interleaved({"slow": slow}, 2, block=0)
    assert calls["slow"] == 4 + 1 + 2 and one["slow"] >= 0.004


def test_benchmark_script_runs_on_a_tiny_workload(monkeypatch):
    """Smoke test: the script runs end to end (peers only if installed)."""
    bench = load_bench()
    peers = [p for p in ("torch", "jax") if importlib.util.find_spec(p)]
    argv = ["--tiny", "--cells", "rnn", "--no-fresh", "--repeats", "1", "--json"]
    monkeypatch.setattr(dispatch.backend, "mode", "auto")
    report = bench.main(argv + ["--peers", ",".join(peers) or "none"])
    (row,) = report["train"]
    assert row["cell"] == "rnn" and row["H"] == 2
    assert row["libs"]["unrolled"]["time_s"] > 0
    for p in peers:  # the peers computed the same loss and gradients
        assert row["libs"][p]["loss_rel_err"] < 2e-3
        assert row["libs"][p]["ratio"] > 0
    assert report["infer"][0]["libs"]["unrolled"]["time_s"] > 0
    assert report["meta"]["sgemm_gflops"] > 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exp_tanh_sigmoid_match_numpy(dtype):
    """The kernels' branch-free exp, tanh and sigmoid: within a few ulp of the
    correctly rounded result where that is a normal number, within the
    smallest normal number below it (the exp's floor), and NaN for NaN."""
    import numba

    from unrolled.engine import kernels

    @numba.njit
    def run(x):
        C = kernels._consts(x)
        out = np.empty((4, x.shape[0]), x.dtype)
        for i in range(x.shape[0]):
            out[0, i], out[1, i] = kernels._exp_neg(-abs(x[i]), C)
            out[2, i] = kernels._tanh(x[i], C)
            out[3, i] = kernels._sigmoid(x[i], C)
        return out

    rng = np.random.default_rng(0)
    x = np.concatenate(
        [np.linspace(-900, 900, 20001), rng.normal(size=2000), [0.0, 1e-30, -1e-30]]
    ).astype(dtype)
    got = run(x).astype(np.float64)
    a = np.abs(x.astype(np.float64))
    with np.errstate(over="ignore"):
        want = [np.exp(-a), np.expm1(-a), np.tanh(x.astype(np.float64)),
                1 / (1 + np.exp(-x.astype(np.float64)))]  # fmt: skip
    info = np.finfo(dtype)
    for g, w in zip(got, want, strict=True):
        w = w.astype(dtype).astype(np.float64)  # the correctly rounded result
        normal = np.abs(w) >= info.tiny
        rel = np.abs(g - w)[normal] / np.abs(w)[normal]
        assert rel.max() <= 4 * info.eps
        assert np.abs(g - w)[~normal].max(initial=0) <= info.tiny
    assert np.isnan(run(np.array([np.nan], dtype))).all()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("UNROLLED_KERNELS", "fast", "UNROLLED_KERNELS: expected one of auto"),
        ("UNROLLED_THREADS", "two", "UNROLLED_THREADS: expected a positive integer"),
        ("UNROLLED_THREADS", "0", "UNROLLED_THREADS: expected a positive integer"),
    ],
)
def test_a_bad_environment_variable_is_named_not_defaulted(
    monkeypatch, variable, value, message
):
    monkeypatch.setenv(variable, value)
    read = dispatch.mode_from_env if variable.endswith("KERNELS") else dispatch.threads
    with pytest.raises(ValueError, match=message):
        read()


def test_set_backend_is_the_explicit_switch(monkeypatch):
    monkeypatch.setattr(dispatch.backend, "mode", "auto")
    dispatch.set_backend("numpy")
    assert not dispatch.backend.compiled(np.zeros((1, 1, 1)))
    with pytest.raises(ValueError, match="mode: expected one of auto, numba, numpy"):
        dispatch.set_backend("gpu")


@pytest.mark.parametrize("policy", ["background", "wait"])
def test_first_run_policy_with_kernels_missing_from_the_cache(monkeypatch, rng, policy):
    """Missing kernels: "background" runs the readable path while another process
    compiles, "wait" compiles here; either way the hook hears of it once."""
    from unrolled.engine import warmup

    started, told = [], []
    monkeypatch.setattr(warmup, "is_cached", lambda key: False)
    monkeypatch.setattr(warmup, "start", lambda key: started.append(key) or True)
    monkeypatch.setattr(dispatch.backend, "ready_keys", {})
    monkeypatch.setattr(dispatch.backend, "on_compile", told.append)
    monkeypatch.setattr(dispatch.backend, "first_run", policy)
    monkeypatch.setattr(dispatch.backend, "mode", "auto")
    net = make("gru", None, hidden_size=3, seed=0)
    seqs = ragged_batch(rng, [4, 2, 5])
    got = [net.loss_and_grads(seqs, [0.5, 1.0, -1.0]) for _ in range(2)]
    compiled = dispatch.backend.ready_keys[dispatch.kernel_key("gru", "float64", 3)]
    assert compiled == (policy == "wait")
    assert len(told) == 1 and told[0]["background"] == (policy == "background")
    assert len(started) == (policy == "background")
    monkeypatch.setattr(dispatch.backend, "mode", "numpy")
    want = net.loss_and_grads(seqs, [0.5, 1.0, -1.0])
    assert_same(want, got[0], 0.0 if policy == "background" else 1e-12)
    assert_same(got[0], got[1], 0.0)  # one path for the whole process


def test_precompile_leaves_the_marker_a_warm_run_looks_for(monkeypatch, tmp_path):
    """The background process's work: compile (or load) one key, mark it cached."""
    from unrolled.engine import precompile, warmup

    for name in ("mode", "broken", "on_compile"):  # main() sets them: restore
        monkeypatch.setattr(dispatch.backend, name, getattr(dispatch.backend, name))
    key = ("rnn", "float64", "feature-major")
    lock = tmp_path / "lock"
    lock.touch()
    precompile.main([*key, str(lock)])
    assert warmup.is_cached(key) and not lock.exists()


def test_bad_compile_policy_is_named(monkeypatch):
    monkeypatch.setenv("UNROLLED_COMPILE", "later")
    with pytest.raises(ValueError, match="UNROLLED_COMPILE: expected one of wait"):
        dispatch.first_run_from_env()
