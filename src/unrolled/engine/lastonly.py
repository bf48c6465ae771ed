"""A prediction's last layer without its tape: each row's last hidden state.

A forecast reads each sequence's last output only, but the forward pass
(:func:`.layers.layer_forward`) writes every step's gates and states: the
tape, which only the backward pass reads. :func:`layer_last` gives the last
states alone. For a GRU on the row-major loop (hidden sizes 9 to 52, the
forecaster's) it runs ``kernels.gru_last``, the same arithmetic in the same
order as ``kernels.gru_forward`` with each row's state in two small buffers
instead of the tape: the same numbers, bit for bit
(``tests/engine/test_kernels.py``), 1.2-1.3x faster on the forecaster's
validation passes (``benchmarks/inference_tape.py``). Elsewhere it runs the
taped forward and reads its last states.
"""

from __future__ import annotations

import numpy as np

from .dispatch import backend, kernel_key, layout, row_chunks, run_chunks
from .layers import layer_forward


def layer_last(cell, X, batch_sizes, last, w_ih, w_hh, b_ih, b_hh, workspace=None):
    """Each row's last hidden state, (B, H): ``layer_forward(...).H[last]``
    (``last``: :meth:`~.packing.Packed.last_index`), through a kernel that
    keeps no tape where there is one (:func:`last_compiled`)."""
    if backend.compiled(X):
        out = backend.run(last_compiled, cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh)
        if out is not None:
            return out
    tape = layer_forward(cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh, workspace)
    return tape.H[last]


def last_compiled(cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh):
    """Each row's last hidden state (B, H) through ``kernels.gru_last``, or
    None where there is no such kernel (not a GRU on the row-major loop) or
    it is being compiled elsewhere: the caller then runs the taped forward.
    The rows split into chunks and threads as the taped forward's do."""
    from . import kernels

    dt = X.dtype
    T, B, I = X.shape
    G, Hn = w_hh.shape
    if cell.gates != 3 or layout(Hn, 3) != "row-major":
        return None
    if not backend.ready(kernel_key(cell, dt, Hn)):
        return None
    bs = np.ascontiguousarray(batch_sizes, dtype=np.int64)
    w = [np.ascontiguousarray(a, dtype=dt) for a in (w_ih, w_hh, b_ih, b_hh)]
    bounds = row_chunks(bs, B, G, Hn, I)
    X, out = np.ascontiguousarray(X), np.zeros((B, Hn), dt)
    run_chunks(kernels.gru_last, bounds, lambda c, lo, hi: (X, bs, *w, lo, hi, out))
    return out
