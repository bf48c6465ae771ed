"""The engine's settings against each other and JAX, timed interleaved in one process.

Issue 45's measurements: bench.py's training step (512 float32 sequences,
lengths 5-250, forward + BPTT, batch packed once) for each row, timed in
rounds, one call of each variant per round (each round starting at the
next variant), so that load on a shared
machine slows every variant alike:

- ``jax``: bench.py's JAX step (``jit(value_and_grad)`` over ``lax.scan``);
- ``now``: unrolled as it ships (subnormals flushed, chunks taken in turn,
  threads by :mod:`unrolled.engine.cores`);
- ``1 thread``: the same with ``UNROLLED_THREADS=1``;
- ``IEEE``: subnormal numbers kept (``backend.flush_subnormals = False``);
- ``before``: the engine before issue 45: subnormals kept, one chunk per
  thread (``chunks_per_thread = 1``);
- ``own loops``: the compiled loops of ``kernels.py`` at every hidden size,
  without the BLAS loop (``blasloop.py``; ``backend.blas_min`` out of reach);
- ``1 chunk``, ``2 chunks``: 1 or 2 chunks of rows per thread
  (``backend.chunks_per_thread``; 2 by default since the quiet AMD run of
  issue 45, 4 before), subnormals flushed.

``--busy N`` starts N processes that spin on one core each beside the
timing (a competing job). Prints, per row and variant, the minimum and the
median wall time per call of ``--repeats`` rounds (each round a block of
back-to-back calls per variant lasting ``--block`` seconds, as bench.py) and
the median CPU time (of all the process's threads: on a loaded machine it
moves less than wall time), the load average before and after, and JAX time
/ variant time on each.
Usage::

    python benchmarks/engine_ab.py                      # issue 45's rows
    python benchmarks/engine_ab.py --busy 1 --repeats 5
    python benchmarks/engine_ab.py --rows rnn:32 --variants now,IEEE
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

ROWS = "rnn:1,rnn:32,rnn:256,lstm:32,lstm:256,gru:32,gru:256"
VARIANTS = (
    "jax",
    "now",
    "1 thread",
    "IEEE",
    "before",
    "own loops",
    "1 chunk",
    "2 chunks",
)


def _spin():  # pragma: no cover - a busy competitor, killed by the parent
    x = 0
    while True:
        x += 1


def variant(name, step):
    """``step`` run under the settings of variant ``name``."""
    from unrolled.engine.dispatch import backend

    settings = {
        "now": {},
        "1 thread": {"env": "1"},
        "IEEE": {"flush_subnormals": False},
        "before": {"flush_subnormals": False, "chunks_per_thread": 1},
        "own loops": {"blas_min": 1 << 30},
        "1 chunk": {"chunks_per_thread": 1},
        "2 chunks": {"chunks_per_thread": 2},
    }[name]

    def run():
        saved = {k: getattr(backend, k) for k in settings if k != "env"}
        env = os.environ.get("UNROLLED_THREADS")
        try:
            for k, v in settings.items():
                if k == "env":
                    os.environ["UNROLLED_THREADS"] = v
                else:
                    setattr(backend, k, v)
            return step()
        finally:
            for k, v in saved.items():
                setattr(backend, k, v)
            if env is None:
                os.environ.pop("UNROLLED_THREADS", None)
            else:
                os.environ["UNROLLED_THREADS"] = env

    return run


def row(cell, H, seqs, targets, names, repeats, block=bench.BLOCK):
    """{variant: [seconds per call, one per round]} for one row; each round
    runs a block of calls of each variant lasting ``block`` seconds (as
    :func:`bench.interleaved`)."""
    step, net = bench.make_unrolled(cell, H, seqs, targets)
    fns = {}
    for name in names:
        if name == "jax":
            jstep, result, _ = bench.make_jax(cell, H, seqs, targets, net.state_dict())
            ours, theirs = bench.unrolled_result(step), result()
            bench.check_same("jax", ours, theirs)
            fns[name] = jstep
        else:
            fns[name] = variant(name, step)
    for fn in fns.values():
        fn()  # warm: compiled, workspace mapped
    calls = {n: bench.block_calls(fn, block) for n, fn in fns.items()}
    times = {name: [] for name in fns}
    cpu = {name: [] for name in fns}
    order = list(fns)
    for k in range(repeats):
        # each round starts one further along: none always follows JAX, whose
        # pool threads spin for a while after a call
        for name in order[k % len(order) :] + order[: k % len(order)]:
            n = calls[name]
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(n):
                fns[name]()
            times[name].append((time.perf_counter() - t0) / n)
            cpu[name].append((time.process_time() - c0) / n)
    return times, cpu


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default=ROWS, help="cell:H list")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument(
        "--block", type=float, default=bench.BLOCK, help="seconds of calls per round"
    )
    ap.add_argument("--busy", type=int, default=0, help="spinning processes beside")
    ap.add_argument("--out", help="write the times as JSON here")
    args = ap.parse_args(argv)
    names = args.variants.split(",")
    from unrolled.engine.runinfo import engine_info

    info = engine_info()
    print(json.dumps(info))
    busy = [multiprocessing.Process(target=_spin, daemon=True)
            for _ in range(args.busy)]  # fmt: skip
    for p in busy:
        p.start()
    seqs, targets = bench.workload()
    report = {"engine": info, "busy": args.busy, "rows": []}
    try:
        for spec in args.rows.split(","):
            cell, H = spec.split(":")
            load0 = os.getloadavg()[0]
            times, cpu = row(
                cell, int(H), seqs, targets, names, args.repeats, args.block
            )
            load1 = os.getloadavg()[0]
            report["rows"].append({"cell": cell, "H": int(H), "times": times,
                                   "cpu": cpu, "load": [load0, load1]})  # fmt: skip
            print(_line(cell, H, times, cpu, load0, load1), flush=True)
    finally:
        for p in busy:
            p.kill()
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    return report


def _line(cell, H, times, cpu, load0, load1) -> str:
    """One row: min / median wall time per variant, median CPU time (all the
    process's threads), and JAX / variant on each."""
    jax, jcpu = times.get("jax"), cpu.get("jax")
    parts = []
    for name, t in times.items():
        lo, med, c = min(t), float(np.median(t)), float(np.median(cpu[name]))
        s = f"{name} {lo * 1e3:.2f}/{med * 1e3:.2f} ms cpu {c * 1e3:.2f}"
        if jax and name != "jax":
            s += f" ({min(jax) / lo:.2f}x/{np.median(jax) / med:.2f}x"
            s += f" cpu {np.median(jcpu) / c:.2f}x)"
        parts.append(s)
    return f"{cell} H={H} [load {load0:.1f}->{load1:.1f}]: " + " | ".join(parts)


if __name__ == "__main__":
    main()
