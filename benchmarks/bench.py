"""unrolled vs PyTorch vs JAX on the CPU: one training step on a ragged batch.

Workload (issue 5): 512 sequences, lengths uniform in [5, 250] (fixed seed),
input size 1, float32; one step = forward over the ragged batch + BPTT of the
SSR of the last-step predictions (no optimizer). Hidden sizes 1, 8, 32, 128,
256 for the RNN (relu) and 1, 8, 32, 128 for LSTM and GRU; plus inference on
one sequence of 250 steps, hidden 32, per cell.

Each library is written as its users write it:

- unrolled: ``net.loss_and_grads(batch, targets)`` on a batch packed once by
  ``unrolled.pack_batch(seqs)`` outside the timed call, as JAX's padded array
  and mask are built outside its timed call. The same call on the Python list
  (validating and packing it each time) is timed too, as ``from list``.
- PyTorch: ``nn.RNN/LSTM/GRU`` on ``pack_padded_sequence`` (inside the timed
  call) of a padded tensor, ``loss.backward()``; ``torch.set_num_threads`` =
  the usable cores.
- JAX: padded batch + mask, ``lax.scan`` over time, ``jax.jit(
  jax.value_and_grad(loss))``; timed warm, its first call reported apart.

All three load the same weights and the script checks that they compute the
same loss and gradients before timing anything. Times are the median of
``--repeats`` warm rounds, the libraries in turn; in each round a library runs
a block of calls back to back lasting at least ``--block`` seconds (0.02: one
call from rnn H=32 up) and counts their mean. GFLOP/s count the same useful
work for every library (2 flops per multiply-add of the recurrences, the input
projections and their BPTT, padding excluded), against this machine's SGEMM
peak measured in the same run (a large float32 NumPy matmul). First-call time
and peak memory come from a fresh process per library and row (``--child``).

Usage::

    python benchmarks/bench.py            # full table (about 10-20 minutes)
    python benchmarks/bench.py --quick    # fewer rows/repeats, for development
    python benchmarks/bench.py --json     # machine-readable
    python benchmarks/bench.py --tiny --peers none   # smoke test (seconds)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

SEED = 20240501
SIZES = {"rnn": [1, 8, 32, 128, 256], "lstm": [1, 8, 32, 128], "gru": [1, 8, 32, 128]}
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
PEERS = ("torch", "jax")


# ------------------------------------------------------------------ workload
def workload(tiny: bool = False):
    """The ragged batch: (list of (T_i,) float32 sequences, (B,) targets)."""
    rng = np.random.default_rng(SEED)
    B, lo, hi = (16, 3, 20) if tiny else (512, 5, 250)
    lengths = rng.integers(lo, hi + 1, size=B)
    seqs = [rng.normal(size=T).astype(np.float32) for T in lengths]
    targets = rng.normal(size=B).astype(np.float32)
    return seqs, targets


def flops(cell: str, H: int, seqs, I: int = 1) -> float:
    """Useful flops of one training step: forward + BPTT of one layer."""
    steps = sum(len(s) for s in seqs)
    G = GATES[cell] * H
    # forward: x W_ih^T and h W_hh^T; backward: dh_prev, dW_ih, dW_hh, dX
    return 2.0 * steps * G * (H + I) * 3


def threads() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def median_time(fn, repeats: int, warmup: int = 1) -> float:
    """Median wall time of ``repeats`` calls of ``fn`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


#: seconds a library's block of back-to-back calls lasts at least (--block)
BLOCK = 0.02


def interleaved(fns: dict, repeats: int, block: float = BLOCK) -> dict:
    """Median time per call of each of ``fns``, timed in turn, in rounds.

    On a shared machine a burst of load then slows every library alike,
    instead of the one whose repeats it happens to fall on. In each round
    every library runs a block of calls back to back, as a training loop
    calls its step, lasting at least ``block`` seconds (one call where a call
    takes that long: every row from rnn H=32 up), and its time per call is
    the block's mean. With ``block=0`` each round times one call of each:
    then a sub-millisecond call starts where the other library left the
    caches, which slows rnn H=1's step in both libraries by about 0.2 ms
    (docs/benchmarks/engine.md).
    """
    calls = {name: block_calls(fn, block) for name, fn in fns.items()}
    ts = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            n = calls[name]
            ts[name].append(_timed(lambda fn=fn, n=n: [fn() for _ in range(n)]) / n)
    return {name: float(np.median(t)) for name, t in ts.items()}


def block_calls(fn, block: float) -> int:
    """Calls of ``fn`` (timed once here) in a block lasting ``block`` seconds."""
    return max(1, int(np.ceil(block / _timed(fn))))


def sgemm_peak(n: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of a large float32 NumPy matmul (best of ``repeats``)."""
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    a @ a
    best = min(_timed(lambda: a @ a) for _ in range(repeats))
    return 2.0 * n**3 / best / 1e9


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


# ------------------------------------------------------------------ unrolled
def make_unrolled(cell: str, H: int, seqs, targets):
    """(step, grads-and-loss, net) for unrolled."""
    import unrolled

    net = unrolled.build_model(
        {"cell": cell, "hidden_size": H, "dtype": "float32", "seed": SEED}
    )

    batch = pack_batch(seqs)  # once, as JAX's padding

    def step():
        return net.loss_and_grads(batch, targets)

    return step, net


def unrolled_result(step):
    loss, grads = step()
    return float(loss), {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}


# --------------------------------------------------------------------- torch
def make_torch(cell: str, H: int, seqs, targets, state):
    import torch

    torch.set_num_threads(threads())
    kind = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    extra = {"nonlinearity": "relu"} if cell == "rnn" else {}
    rnn = kind(1, H, 1, **extra)
    head = torch.nn.Linear(H, 1)
    rnn.load_state_dict(
        {k: torch.from_numpy(v) for k, v in state.items() if not k.startswith("head.")}
    )
    head.load_state_dict(
        {
            "weight": torch.from_numpy(state["head.weight"]),
            "bias": torch.from_numpy(state["head.bias"]),
        }
    )
    lengths = torch.tensor([len(s) for s in seqs])
    padded = torch.nn.utils.rnn.pad_sequence(
        [torch.from_numpy(s[:, None]) for s in seqs]
    )  # (T, B, 1)
    y = torch.from_numpy(targets)
    params = list(rnn.parameters()) + list(head.parameters())

    def step():
        for p in params:
            p.grad = None
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            padded, lengths, enforce_sorted=False
        )
        _, h_n = rnn(packed)
        if cell == "lstm":
            h_n = h_n[0]
        pred = head(h_n[-1])[:, 0]  # last step of every sequence, caller's order
        loss = ((pred - y) ** 2).sum()
        loss.backward()
        return loss

    def result():
        loss = step()
        g = {k: p.grad.double().numpy() for k, p in rnn.named_parameters()}
        g.update(
            {f"head.{k}": p.grad.double().numpy() for k, p in head.named_parameters()}
        )
        return float(loss.item()), g

    def infer(seq):
        x = torch.from_numpy(seq[:, None, None])  # (T, 1, 1)
        with torch.no_grad():
            out, _ = rnn(x)
            return head(out[-1])

    return step, result, infer


# ----------------------------------------------------------------------- jax
def make_jax(cell: str, H: int, seqs, targets, state):
    import jax
    import jax.numpy as jnp

    T = max(len(s) for s in seqs)
    B = len(seqs)
    X = np.zeros((T, B, 1), np.float32)
    M = np.zeros((T, B), bool)
    for b, s in enumerate(seqs):
        X[: len(s), b, 0] = s
        M[: len(s), b] = True
    X, M, y = jnp.asarray(X), jnp.asarray(M), jnp.asarray(targets)
    params = {k: jnp.asarray(v) for k, v in state.items()}

    def cell_step(p, x, h, c):
        xp = x @ p["weight_ih_l0"].T + p["bias_ih_l0"]
        hp = h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
        if cell == "rnn":
            return jax.nn.relu(xp + hp), c
        if cell == "lstm":
            i, f, g, o = jnp.split(xp + hp, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            return jax.nn.sigmoid(o) * jnp.tanh(c), c
        xr, xz, xn = jnp.split(xp, 3, axis=-1)
        hr, hz, hn = jnp.split(hp, 3, axis=-1)
        r, z = jax.nn.sigmoid(xr + hr), jax.nn.sigmoid(xz + hz)
        n = jnp.tanh(xn + r * hn)
        return (1 - z) * n + z * h, c

    def last_hidden(p, X, M):
        h0 = jnp.zeros((X.shape[1], H), X.dtype)

        def body(carry, inp):
            h, c = carry
            x, m = inp
            h2, c2 = cell_step(p, x, h, c)
            m = m[:, None]
            return (jnp.where(m, h2, h), jnp.where(m, c2, c)), None

        (h, _), _ = jax.lax.scan(body, (h0, h0), (X, M))
        return h  # each sequence's last valid hidden state

    def loss(p, X, M, y):
        pred = last_hidden(p, X, M) @ p["head.weight"].T + p["head.bias"]
        return jnp.sum((pred[:, 0] - y) ** 2)

    vg = jax.jit(jax.value_and_grad(loss))

    def step():
        out = vg(params, X, M, y)
        jax.block_until_ready(out)
        return out

    def result():
        val, g = step()
        return float(val), {k: np.asarray(v, dtype=np.float64) for k, v in g.items()}

    @jax.jit
    def forward_one(p, X):
        M1 = jnp.ones(X.shape[:2], bool)
        return last_hidden(p, X, M1) @ p["head.weight"].T + p["head.bias"]

    def infer(seq):
        out = forward_one(params, jnp.asarray(seq[:, None, None]))
        return jax.block_until_ready(out)

    return step, result, infer


# ------------------------------------------------------------------- checking
def rel(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def check_same(name, ours, theirs, tol=2e-3) -> dict:
    """Loss and every gradient within ``tol`` (float32, relative to the norm)."""
    loss_err = abs(ours[0] - theirs[0]) / max(abs(ours[0]), 1e-30)
    grad_err = max(rel(ours[1][k], theirs[1][k]) for k in ours[1])
    ok = loss_err < tol and grad_err < tol
    if not ok:
        raise SystemExit(
            f"{name}: results differ from unrolled (loss rel err {loss_err:.2e}, "
            f"max grad rel err {grad_err:.2e}): refusing to time different work"
        )
    return {"loss_rel_err": loss_err, "grad_rel_err": grad_err}


# --------------------------------------------------------------- child process
def child(lib: str, cell: str, H: int, tiny: bool) -> dict:
    """Fresh-process measurements for one library and row.

    ``first_result_s``: from before the library's import to the first step's
    result (import, model build, any compilation, the step itself).
    ``step_peak_mb``: peak resident memory during one warm step, above the
    resident memory just before them (Linux: VmHWM reset via clear_refs).
    """
    seqs, targets = workload(tiny)
    state = None
    if lib != "unrolled":  # the shared initial weights, not part of the peer's cost
        import unrolled

        state = unrolled.build_model(
            {"cell": cell, "hidden_size": H, "dtype": "float32", "seed": SEED}
        ).state_dict()
    t0 = time.perf_counter()
    net = None
    if lib == "unrolled":
        step, net = make_unrolled(cell, H, seqs, targets)
    else:
        maker = make_torch if lib == "torch" else make_jax
        step = maker(cell, H, seqs, targets, state)[0]
    step()
    first = time.perf_counter() - t0
    hwm_first = _status("VmHWM")  # peak so far: imports, build, first step
    if net is not None:  # the tape buffers kept from the first step: the warm
        net.release_memory()  # step below allocates its whole tape again
    rss0 = _status("VmRSS")
    reset = _reset_peak()
    step()
    hwm = _status("VmHWM")
    return {
        "first_result_s": first,
        "peak_rss_mb": max(hwm_first, hwm) / 1024,
        "step_peak_mb": (hwm - rss0) / 1024 if reset else None,
        "rss_before_step_mb": rss0 / 1024,
    }


def _status(key: str) -> int:
    """A field of /proc/self/status in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def run_child(lib, cell, H, tiny, env=None) -> dict | None:
    cmd = [sys.executable, __file__, "--child", lib, cell, str(H)]
    if tiny:
        cmd.append("--tiny")
    t0 = time.perf_counter()
    p = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        print(f"  [{lib} {cell} H={H}] child failed: {p.stderr.strip()[-300:]}")
        return None
    out = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"  fresh {lib} {cell} H={H}: {out}", file=sys.stderr, flush=True)
    out["process_wall_s"] = wall  # interpreter start to exit, imports included
    return out


# ---------------------------------------------------------------------- main
def available_peers(wanted) -> list[str]:
    out = []
    for lib in wanted:
        try:
            __import__(lib)
            out.append(lib)
        except ImportError:
            print(f"{lib}: not installed, skipped (pip install '.[bench]')")
    return out


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info

        info = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        return ", ".join(
            f"{i['internal_api']} {i.get('version')} {i.get('architecture')} "
            f"x{i['num_threads']}"
            for i in info
        )
    except ImportError:
        return "threadpoolctl not installed"


def _engine_info() -> dict:
    """unrolled's own account of its threads, subnormal mode and BLAS."""
    try:
        from unrolled.engine.runinfo import engine_info
    except ImportError:  # an unrolled from before engine_info
        return {}
    return engine_info()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 repeats, fewer rows")
    ap.add_argument("--tiny", action="store_true", help="tiny workload (smoke test)")
    ap.add_argument("--json", action="store_true", help="print JSON instead")
    ap.add_argument("--peers", default="torch,jax", help="comma list, or 'none'")
    ap.add_argument("--cells", default="rnn,lstm,gru")
    ap.add_argument("--sizes", default=None, help="comma list overriding H")
    ap.add_argument(
        "--rows", default=None, help="cell:H list, e.g. rnn:1,lstm:256 (issue 45's)"
    )
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument(
        "--block",
        type=float,
        default=BLOCK,
        help="seconds of back-to-back calls per library and round (0: one call)",
    )
    ap.add_argument("--no-fresh", action="store_true", help="skip subprocesses")
    ap.add_argument("--child", nargs=3, metavar=("LIB", "CELL", "H"))
    ap.add_argument("--out", help="also write the JSON report to this file")
    ap.add_argument("--markdown", metavar="JSON", help="render a saved report")
    args = ap.parse_args(argv)

    if args.markdown:
        with open(args.markdown) as f:
            print(markdown(json.load(f)))
        return 0

    if args.child:
        lib, cell, H = args.child
        print(json.dumps(child(lib, cell, int(H), args.tiny)))
        return 0

    repeats = args.repeats or (3 if args.quick or args.tiny else 7)
    wanted = [] if args.peers == "none" else args.peers.split(",")
    peers = available_peers(wanted)
    seqs, targets = workload(args.tiny)
    cells = args.cells.split(",")
    rows_spec = []
    for cell in cells:
        sizes = SIZES[cell]
        if args.sizes:
            sizes = [int(s) for s in args.sizes.split(",")]
        elif args.tiny:
            sizes = [2]
        elif args.quick:
            sizes = [s for s in sizes if s in (1, 32, 128)]
        rows_spec += [(cell, H) for H in sizes]
    if args.rows:
        pairs = [r.split(":") for r in args.rows.split(",")]
        rows_spec = [(cell, int(H)) for cell, H in pairs]
        cells = list(dict.fromkeys(cell for cell, _ in rows_spec))

    peak = sgemm_peak(512 if args.tiny else 2048)
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "python": platform.python_version(),
        "cpu": _cpu_name(),
        "threads": threads(),
        "blas": blas_info(),
        "engine": _engine_info(),
        "sgemm_gflops": peak,
        "steps": int(sum(len(s) for s in seqs)),
        "batch": len(seqs),
        "repeats": repeats,
        "block_s": args.block,
        "load_avg": os.getloadavg(),
        "versions": _versions(peers),
        "env": {
            k: os.environ.get(k)
            for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "UNROLLED_KERNELS")
        },
    }
    if not args.json:
        print(
            f"{meta['cpu']}, {meta['threads']} threads, {meta['blas']}; "
            f"SGEMM peak {peak:.1f} GFLOP/s; {meta['batch']} sequences, "
            f"{meta['steps']} steps; median of {repeats} rounds (blocks of "
            f"{args.block:g} s); load {meta['load_avg']}"
        )

    rows = []
    for cell, H in rows_spec:
        rows.append(train_row(cell, H, seqs, targets, peers, repeats, peak, args))
        if not args.json:
            print_row(rows[-1], peers)
    infer = []
    for cell in cells:
        infer.append(infer_row(cell, 8 if args.tiny else 32, peers, repeats, args))
        if not args.json:
            print_infer(infer[-1], peers)

    cold = []
    if not args.no_fresh:
        for cell in cells:
            H = 2 if args.tiny else 32
            with tempfile.TemporaryDirectory() as d:
                r = run_child("unrolled", cell, H, args.tiny, {"NUMBA_CACHE_DIR": d})
            cold.append({"cell": cell, "H": H, **(r or {})})
            if not args.json and r:
                print(
                    f"unrolled {cell} H={H}, empty Numba cache: first result "
                    f"{r['first_result_s']:.2f} s, process {r['process_wall_s']:.2f} s"
                )
    report = {"meta": meta, "train": rows, "infer": infer, "cold_cache": cold}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    if args.json:
        print(json.dumps(report, indent=1))
    return report


def markdown(rep: dict) -> str:
    """The tables of BENCHMARKS.md from a JSON report."""
    m = rep["meta"]
    libs = [lib for lib in ("torch", "jax") if rep["train"][0]["libs"].get(lib)]
    out = [
        f"Machine: {m['cpu']}, {m['threads']} threads; BLAS {m['blas']}; "
        f"SGEMM peak {m['sgemm_gflops']:.1f} GFLOP/s (2048x2048 float32, best of 5).",
        f"Date: {m['date']}; command: `{m['command']}`; load average at start "
        f"{', '.join(f'{x:.2f}' for x in m['load_avg'])}; median of "
        f"{m['repeats']} rounds, blocks of {m.get('block_s', 0):g} s.",
        f"Versions: {', '.join(f'{k} {v}' for k, v in m['versions'].items())}.",
        "",
        f"### Training step (forward + BPTT, {m['batch']} sequences, float32)",
        "",
    ]
    head = (
        "| cell | H | unrolled | GFLOP/s (% SGEMM) | from list"
        " | engine | engine GFLOP/s (% SGEMM) |"
    )
    sep = "|---|---|---|---|---|---|---|"
    for lib in libs:
        head += f" {lib} | {lib}/unrolled |"
        sep += "---|---|"
    out += [head, sep]
    for r in rep["train"]:
        u = r["libs"]["unrolled"]
        line = (
            f"| {r['cell']} | {r['H']} | {_fmt(u['time_s'])} "
            f"| {u['gflops']:.1f} ({100 * u['peak_frac']:.0f}%) "
            f"| {_fmt(u.get('list_s', float('nan')))} | {_fmt(u['engine_s'])} "
            f"| {u['engine_gflops']:.1f} ({100 * u['engine_peak_frac']:.0f}%) |"
        )
        for lib in libs:
            d = r["libs"][lib]
            line += f" {_fmt(d['time_s'])} | **{d['ratio']:.2f}x** |"
        out.append(line)
    out += ["", "### Single-sequence inference (T = 250)", ""]
    head, sep = "| cell | H | unrolled |", "|---|---|---|"
    for lib in libs:
        head += f" {lib} | {lib}/unrolled |"
        sep += "---|---|"
    out += [head, sep]
    for r in rep["infer"]:
        line = f"| {r['cell']} | {r['H']} | {_fmt(r['libs']['unrolled']['time_s'])} |"
        for lib in libs:
            d = r["libs"][lib]
            line += f" {_fmt(d['time_s'])} | **{d['ratio']:.2f}x** |"
        out.append(line)
    out += [
        "",
        "### Fresh process: first result and peak memory",
        "",
        "First result: from the library's import to the first training step's "
        "result (import, model build, compilation, the step). Peak RSS: the "
        "process's high-water mark; step peak: above the resident memory just "
        "before one warm step.",
        "",
    ]
    head = "| cell | H |"
    sep = "|---|---|"
    for lib in ["unrolled"] + libs:
        head += f" {lib} first | {lib} peak RSS / step peak |"
        sep += "---|---|"
    out += [head, sep]
    for r in rep["train"]:
        line = f"| {r['cell']} | {r['H']} |"
        for lib in ["unrolled"] + libs:
            f = r["libs"][lib].get("fresh")
            if not f:
                line += " - | - |"
                continue
            sp = f["step_peak_mb"]
            line += (
                f" {f['first_result_s']:.2f} s | {f['peak_rss_mb']:.0f} MB / "
                f"{'-' if sp is None else f'{sp:.0f} MB'} |"
            )
        out.append(line)
    if rep.get("cold_cache"):
        out += ["", "Empty Numba cache (first run after install), unrolled:", ""]
        for c in rep["cold_cache"]:
            if "first_result_s" in c:
                out.append(
                    f"- {c['cell']} H={c['H']}: first result "
                    f"{c['first_result_s']:.1f} s (compiling the float32 kernels)"
                )
    jaxc = [
        (r["cell"], r["H"], r["libs"]["jax"]["first_call_in_process_s"])
        for r in rep["train"]
        if "jax" in r["libs"]
    ]
    if jaxc:
        out += [
            "",
            "JAX first call in the benchmark process (compile + run): "
            + ", ".join(f"{c} {h}: {t:.2f} s" for c, h, t in jaxc),
        ]
    return "\n".join(out)


def _fmt(t: float) -> str:
    return f"{t * 1e3:.2f} ms" if t < 1 else f"{t:.2f} s"


def train_row(cell, H, seqs, targets, peers, repeats, peak, args) -> dict:
    step, net = make_unrolled(cell, H, seqs, targets)
    ours = unrolled_result(step)
    fl = flops(cell, H, seqs)
    row = {"cell": cell, "H": H, "gflop": fl / 1e9, "libs": {}}
    makers = {"torch": make_torch, "jax": make_jax}
    timed = {"unrolled": step}
    for lib in peers:
        pstep, result, _ = makers[lib](cell, H, seqs, targets, net.state_dict())
        t0 = time.perf_counter()
        theirs = result()  # JAX: the first call compiles
        first = time.perf_counter() - t0
        row["libs"][lib] = {"first_call_in_process_s": first}
        row["libs"][lib].update(check_same(lib, ours, theirs))
        timed[lib] = pstep
    u_list = lambda: net.loss_and_grads(seqs, targets)  # noqa: E731
    times = interleaved({**timed, "list": u_list}, repeats, args.block)
    for lib in timed:
        t = times[lib]
        d = row["libs"].setdefault(lib, {})
        d.update(
            {"time_s": t, "gflops": fl / t / 1e9, "peak_frac": fl / t / 1e9 / peak}
        )
        if not args.no_fresh:
            fresh = run_child(lib, cell, H, args.tiny)
            if fresh:
                d["fresh"] = fresh
    u = row["libs"]["unrolled"]
    u["list_s"] = times["list"]
    u["pack_s"] = median_time(lambda: pack_batch(seqs), repeats)
    u["engine_s"] = median_time(engine_step(net, seqs), repeats)
    u["engine_gflops"] = fl / u["engine_s"] / 1e9
    u["engine_peak_frac"] = u["engine_gflops"] / peak
    base = row["libs"]["unrolled"]["time_s"]
    for lib in peers:
        row["libs"][lib]["ratio"] = row["libs"][lib]["time_s"] / base
    return row


def engine_step(net, seqs):
    """The time loops alone: ``layer_forward`` + ``layer_backward`` of the layer
    on the packed batch, with the head's gradient ``d_last`` given (what
    ``layers.py``/``kernels.py`` do of a step; not packing, not the head)."""
    from unrolled.engine.layers import layer_backward, layer_forward

    packed = pack_batch(seqs)
    w = net._layer(0)
    B = packed.data.shape[1]
    d_last = np.random.default_rng(0).normal(size=(B, net.hidden_size))
    d_last = d_last.astype(np.float32)  # dL/dh of each sequence's last copy

    def step():
        tape = layer_forward(net.cell, packed.data, packed.batch_sizes, *w)
        return layer_backward(
            net.cell, tape, None, packed.batch_sizes, *w[:2],
            d_last=d_last, need_dx=False,
        )  # fmt: skip

    return step


def pack_batch(seqs):
    """The part of unrolled's list call that validates and packs the list."""
    import unrolled

    return unrolled.pack_batch(seqs, dtype="float32")


def infer_row(cell, H, peers, repeats, args) -> dict:
    rng = np.random.default_rng(SEED + 1)
    seq = rng.normal(size=250).astype(np.float32)
    step, net = make_unrolled(cell, H, [seq], np.zeros(1, np.float32))
    ours = float(net.predict([seq])[0])
    row = {"cell": cell, "H": H, "T": 250, "libs": {}}
    fns = {"unrolled": lambda: net.predict([seq])}
    makers = {"torch": make_torch, "jax": make_jax}
    for lib in peers:
        infer = makers[lib](cell, H, [seq], np.zeros(1, np.float32), net.state_dict())[
            2
        ]
        theirs = float(np.asarray(infer(seq)).ravel()[0])
        if abs(theirs - ours) > 1e-4 * max(1.0, abs(ours)):
            raise SystemExit(f"{lib} inference differs: {theirs} vs {ours}")
        fns[lib] = lambda infer=infer: infer(seq)
    for lib, fn in fns.items():
        row["libs"][lib] = {"time_s": median_time(fn, max(repeats, 5) * 10, warmup=3)}
    base = row["libs"]["unrolled"]["time_s"]
    for lib in peers:
        row["libs"][lib]["ratio"] = row["libs"][lib]["time_s"] / base
    return row


def print_row(row, peers):
    u = row["libs"]["unrolled"]
    s = (
        f"{row['cell']:4s} H={row['H']:<3d} unrolled {_ms(u['time_s'])} "
        f"({u['gflops']:.1f} GFLOP/s, {100 * u['peak_frac']:.0f}% peak; from list "
        f"{_ms(u['list_s']).strip()}; engine {_ms(u['engine_s']).strip()}, "
        f"{100 * u['engine_peak_frac']:.0f}% peak)"
    )
    for lib in peers:
        d = row["libs"][lib]
        s += f" | {lib} {_ms(d['time_s'])} x{d['ratio']:.2f}"
    print(s, flush=True)


def print_infer(row, peers):
    u = row["libs"]["unrolled"]
    s = f"infer {row['cell']:4s} H={row['H']} T=250: unrolled {_ms(u['time_s'])}"
    for lib in peers:
        d = row["libs"][lib]
        s += f" | {lib} {_ms(d['time_s'])} x{d['ratio']:.2f}"
    print(s, flush=True)


def _ms(t: float) -> str:
    return f"{t * 1e3:8.2f} ms"


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _versions(peers) -> dict:
    import numba

    out = {"numpy": np.__version__, "numba": numba.__version__}
    for lib in peers:
        out[lib] = __import__(lib).__version__
    return out


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
