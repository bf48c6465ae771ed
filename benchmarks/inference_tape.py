"""A prediction with and without the forward's tape, and JAX beside them.

``predict`` runs a GRU's last layer through ``kernels.gru_last``, which keeps
each row's state in two small buffers instead of writing every step's gates
and states (the tape, which only the backward pass reads). This times, in
one process, on the forecaster's validation passes (256 windows of ``T``
steps, 2 inputs, float64, each on one thread: ``UNROLLED_THREADS=1``, XLA's
intra-op threads 1):

- ``no tape``: ``net.predict(packed)`` as it ships;
- ``tape``: the forward that writes the tape (``net._forward(packed,
  last_only=True)``, what ``predict`` ran before), then the head;
- ``jax``: ``jit`` of a ``lax.scan`` GRU returning the last state's output
  (PyTorch's gate layout), where JAX is installed.

The three agree (unrolled's two to the bit, JAX to rounding: checked before
timing). Prints the median milliseconds per call over ``--repeats`` rounds,
each round a block of back-to-back calls per variant, and the ratios.

    python benchmarks/inference_tape.py
    python benchmarks/inference_tape.py --hidden 16,32 --steps 24,96
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("UNROLLED_THREADS", "1")  # one core each: the kernels alone
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false "
                      "intra_op_parallelism_threads=1")  # fmt: skip

import numpy as np  # noqa: E402

import unrolled  # noqa: E402

ROWS, INPUTS = 256, 2


def jax_predict(net):
    """A jitted JAX function of the packed windows (T, B, I): the outputs."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    p = {k: jnp.asarray(v) for k, v in net.params.items()}

    def cell(h, x):
        gi = x @ p["weight_ih_l0"].T + p["bias_ih_l0"]
        gh = h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
        ir, iz, in_ = jnp.split(gi, 3, axis=-1)
        hr, hz, hn = jnp.split(gh, 3, axis=-1)
        r, z = jax.nn.sigmoid(ir + hr), jax.nn.sigmoid(iz + hz)
        n = jnp.tanh(in_ + r * hn)
        return (1 - z) * n + z * h, None

    @jax.jit
    def run(X):
        h, _ = jax.lax.scan(cell, jnp.zeros((X.shape[1], net.hidden_size)), X)
        return (h @ p["head.weight"].T + p["head.bias"])[:, 0]

    return run


def block_ms(fn, seconds: float = 0.3) -> float:
    """Milliseconds per call of ``fn`` over a block of back-to-back calls."""
    fn()
    n, t = 0, time.perf_counter()
    while (dt := time.perf_counter() - t) < seconds:
        fn()
        n += 1
    return 1e3 * dt / n


def row(hidden: int, steps: int, repeats: int) -> dict:
    rng = np.random.default_rng(0)
    net = unrolled.build_model({"cell": "gru", "hidden_size": hidden,
                                "input_size": INPUTS, "seed": 0})  # fmt: skip
    X = rng.normal(size=(ROWS, steps, INPUTS))
    packed = unrolled.pack_batch(list(X), input_size=INPUTS)

    def taped():
        Y, _ = net._forward(packed, last_only=True)
        return packed.unsort(Y)[:, 0]

    fns = {"no tape": lambda: net.predict(packed), "tape": taped}
    assert np.array_equal(fns["no tape"](), fns["tape"]()), "not the same bits"
    run = jax_predict(net)
    if run is not None:
        Xj = np.ascontiguousarray(X.transpose(1, 0, 2))
        want = fns["no tape"]()
        got = np.asarray(run(Xj))
        assert np.allclose(got, want, rtol=1e-9, atol=1e-12), "JAX disagrees"
        fns["jax"] = lambda: run(Xj).block_until_ready()
    times = {k: [] for k in fns}
    for r in range(repeats):
        for k in list(fns)[r % len(fns) :] + list(fns)[: r % len(fns)]:
            times[k].append(block_ms(fns[k]))
    return {k: float(np.median(v)) for k, v in times.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hidden", default="16,32")
    ap.add_argument("--steps", default="24,96")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    print(f"GRU, {ROWS} windows x T steps, {INPUTS} inputs, float64, one thread; "
          f"median ms per call of {a.repeats} rounds")  # fmt: skip
    print(f"{'H':>3} {'T':>4} {'no tape':>9} {'tape':>9} {'jax':>9} "
          f"{'tape/no tape':>13} {'jax/no tape':>12}")  # fmt: skip
    for h in map(int, a.hidden.split(",")):
        for t in map(int, a.steps.split(",")):
            m = row(h, t, a.repeats)
            jax_ms = m.get("jax", float("nan"))
            print(f"{h:>3} {t:>4} {m['no tape']:>9.3f} {m['tape']:>9.3f} "
                  f"{jax_ms:>9.3f} {m['tape'] / m['no tape']:>12.2f}x "
                  f"{jax_ms / m['no tape']:>11.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
