"""The process that :func:`.warmup.start` runs: compile one key's kernels.

``python -c "from unrolled.engine.precompile import main; main(argv)"`` with
``argv = [kind, dtype, layout, lockfile]`` compiles (or loads from Numba's
cache) the forward (with and without its tape) and backward kernels of that
cell, dtype and layout on a tiny batch, through the same calls as a real
run, writes the marker that :func:`.warmup.is_cached` looks for, and removes
the lock.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from . import warmup


def compile_key(key: tuple) -> float:
    """Compile (or load) the forward (with its tape and without) and backward
    kernels of ``key``; seconds."""
    import numpy as np

    from .cells import make_cell
    from .dispatch import backend
    from .lastonly import layer_last
    from .layers import layer_backward, layer_forward

    kind, dtype, layout = key
    backend.mode, backend.broken, backend.on_compile = "numba", False, None
    hidden = 2 if layout == "feature-major" else backend.feature_major_max + 1
    backend.blas_min = 0 if layout == "blas" else 1 << 62  # that loop, at this size
    cell = make_cell(kind, "tanh" if kind == "rnn" else None)
    rng = np.random.default_rng(0)
    T, B, G = 4, 3, cell.gates * hidden
    X = rng.normal(size=(T, B, 1)).astype(dtype)
    w = [rng.normal(size=s).astype(dtype) for s in ((G, 1), (G, hidden), G, G)]
    bs = np.array([3, 3, 2, 1])
    began = time.perf_counter()
    tape = layer_forward(cell, X, bs, *w)
    dH = np.ones((T, B, hidden), dtype)
    layer_backward(cell, tape, dH, bs, w[0], w[1], need_dx=True)
    layer_last(cell, X, bs, (np.array([3, 2, 1]), np.arange(B)), *w)  # no tape
    return time.perf_counter() - began


def main(argv: list[str]) -> None:
    """``kind dtype layout lockfile``: compile, write the marker, drop the lock."""
    *key, lock = argv
    key = tuple(key)
    try:
        os.nice(19)  # the run that started us goes first on a busy machine
    except (AttributeError, OSError):
        pass
    try:
        warmup.write_marker(key, compile_key(key))
    finally:
        Path(lock).unlink(missing_ok=True)
