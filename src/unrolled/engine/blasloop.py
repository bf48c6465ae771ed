"""The BLAS loop: a layer's time loop in Python, its matrix products in BLAS.

At large hidden sizes a step is mostly its two matrix products (the input
and the feedback loop), and BLAS runs them two to four times faster than
the compiled loops of ``kernels.py`` (fused multiply-adds, wide registers,
cache blocking); the Python loop around them costs a few microseconds per
step, small beside a product of hundreds of rows by hundreds of columns.
So for those sizes (:func:`.dispatch.use_blas_loop`) each step of a chunk
of rows runs:

- forward: ``x W_ih^T`` and ``h_prev W_hh^T`` through ``np.matmul``, then
  the cell's elementwise rest in one compiled call (``kernels.*_fstep``);
- backward: the cell's elementwise backward (``kernels.*_bstep``), which
  also writes the step's gradients at the products into a tape, then
  ``d W_hh`` (carried to the step before) and ``d W_ih`` (to the layer
  below) through ``np.matmul``.

The weight gradients are not summed step by step: the tape holds a block of
steps' gradients and inputs, and each full block adds ``D^T [x | h_prev]``
in one large product. The arrays and their meaning are those of the
row-major kernels (``Hs``, ``Cs`` (T, B, H), gates ``A`` (T, B, 4H)), so a
tape from either runs backward through either. BLAS adds each product's
terms in its own order, so the numbers differ from the compiled loops' in
the last bits (float64: ~1e-15), as the readable path's do.
"""

from __future__ import annotations

import numpy as np

from .tape import LayerTape

#: entries (rows x (gates + hidden + input)) of one tape block: about 1 MiB of
#: float32, so a block and the step's rows stay in a core's L2 (1 MiB on Zen 4)
#: while it fills; its weight-gradient product (K of 250-500 rows) still runs
#: near BLAS's peak. 16x larger blocks (before issue 45's second round) cost
#: rnn H=256 9% more CPU per step (docs/benchmarks/engine.md)
TAPE_ENTRIES = 1 << 18
#: input sizes up to which x W_ih^T is a loop of the step's kernel: BLAS runs
#: such thin products slowly (a (512 x 1) @ (1 x 256) product: ~3x the loop)
OWN_XP_MAX = 4


def forward_chunk(kind, X, bs, WiT, WhT, b_ih, b_hh, relu, lo, hi, Hs, Cs, A):
    """One chunk's (rows ``lo:hi``) forward; fills ``Hs`` (and ``Cs``, ``A``)."""
    from . import kernels

    G = WhT.shape[1]
    XP = np.empty((hi - lo, G), X.dtype)
    HP = np.zeros((hi - lo, G), X.dtype)  # h_prev W_hh^T: 0 at t = 0
    own = X.shape[2] <= OWN_XP_MAX
    for t, n in enumerate(bs):
        nb = min(hi, n) - lo
        if nb <= 0:
            break
        if not own:
            np.matmul(X[t, lo : lo + nb], WiT, out=XP[:nb])
        if t > 0:
            np.matmul(Hs[t - 1, lo : lo + nb], WhT, out=HP[:nb])
        if kind == "rnn":
            kernels.elman_fstep(X, WiT, XP, HP, b_ih, b_hh, own, relu, Hs, t, lo, nb)
        elif kind == "lstm":
            kernels.lstm_fstep(X, WiT, XP, HP, b_ih, b_hh, own, Hs, Cs, A, t, lo, nb)
        else:
            kernels.gru_fstep(X, WiT, XP, HP, b_ih, b_hh, own, Hs, A, t, lo, nb)


def backward_chunk(kind, tape, dH, dl, bs, w_ih, w_hh, relu, kp, rec, lo, hi, out):
    """One chunk's BPTT; ``out`` = (dX, dWih, dWhh, dbih, dbhh) it adds to.

    ``dX`` is (T, B, I) or empty; the gradients are this chunk's partial sums
    (``dbhh`` is ``dbih`` except in the GRU).
    """
    from . import kernels

    X, Hs, Cs, A = tape
    dX, dWih, dWhh, dbih, dbhh = out
    dt, (T, _, I), (G, Hn) = X.dtype, X.shape, w_hh.shape
    R = max(hi - lo, TAPE_ENTRIES // (G + Hn + I))  # rows of one tape block
    D = np.empty((R, G), dt)  # gradient at x W_ih^T (and at h_prev W_hh^T)
    Dh = np.empty((R, G), dt) if kind == "gru" else D  # GRU: at h_prev W_hh^T
    P, XT = np.empty((R, Hn), dt), np.empty((R, I), dt)  # h_prev, x of each row
    carry = np.zeros((hi - lo, Hn), dt)
    state = np.zeros((hi - lo, Hn), dt)  # LSTM: dc to t - 1; GRU: h_prev's direct
    tmp = np.empty((G, Hn), dt), np.empty((G, I), dt)
    p, n1, need_dx = 0, 0, dX.shape[0] > 0
    for t in range(T - 1, -1, -1):
        nb = min(hi, bs[t]) - lo
        if nb <= 0:
            continue
        if p + nb > R:  # the block is full: its products, then a new one
            _flush(D, Dh, P, XT, p, p, dWih, dWhh, dbih, dbhh, tmp)
            p = 0
        if kind == "rnn":
            kernels.elman_bstep(dH, carry, kp, dl, Hs, X, relu, rec, t, lo, nb, n1,
                                D, P, XT, p)  # fmt: skip
        elif kind == "lstm":
            kernels.lstm_bstep(dH, carry, state, kp, dl, Hs, Cs, A, X, rec, t, lo,
                               nb, n1, D, P, XT, p)  # fmt: skip
        else:
            kernels.gru_bstep(dH, carry, state, kp, dl, Hs, A, X, rec, t, lo, nb,
                              n1, D, Dh, P, XT, p)  # fmt: skip
        if need_dx:
            np.matmul(D[p : p + nb], w_ih, out=dX[t, lo : lo + nb])
        if t > 0:
            np.matmul(Dh[p : p + nb], w_hh, out=carry[:nb])  # back through W_hh
        p, n1 = p + nb, nb
    # the last step processed is t = 0, whose h_prev is 0: no share of dW_hh
    _flush(D, Dh, P, XT, p, p - n1, dWih, dWhh, dbih, dbhh, tmp)


def _flush(D, Dh, P, XT, p, ph, dWih, dWhh, dbih, dbhh, tmp):
    """A tape block's share of the weight gradients: rows ``:p`` (``:ph`` of
    ``dW_hh``, whose rows at t = 0 carry nothing)."""
    if p == 0:
        return
    np.matmul(D[:p].T, XT[:p], out=tmp[1])
    dWih += tmp[1]
    if ph > 0:
        np.matmul(Dh[:ph].T, P[:ph], out=tmp[0])
        dWhh += tmp[0]
    dbih += D[:p].sum(axis=0)
    if Dh is not D:
        dbhh += Dh[:p].sum(axis=0)


def _kind(cell) -> str:
    """ "rnn", "lstm" or "gru"."""
    return "rnn" if cell.gates == 1 else "lstm" if cell.has_cell_state else "gru"


def forward_layer(cell, X, bs, w, bounds, zeros, run) -> LayerTape:
    """A layer's forward, its chunks through ``run``; the row-major kernels' tape."""
    from . import blas

    T, B, _ = X.shape
    Hn = w[1].shape[1]
    Hs = zeros("H", (T, B, Hn))
    C = zeros("C", (T, B, Hn)) if cell.has_cell_state else None
    A = zeros("A", (T, B, 4 * Hn)) if cell.gates > 1 else None
    kind, relu = _kind(cell), getattr(cell, "nonlinearity", None) == "relu"
    WiT, WhT = np.ascontiguousarray(w[0].T), np.ascontiguousarray(w[1].T)
    steps = bs.tolist()
    with blas.one_thread():
        run(
            forward_chunk,
            bounds,
            lambda c, lo, hi: (
                kind,
                X,
                steps,
                WiT,
                WhT,
                *w[2:],
                relu,
                lo,
                hi,
                Hs,
                C,
                A,
            ),
        )
    return LayerTape(X, Hs, None, C, A, tuple(w[2:]))


def backward_layer(cell, tape, dH, dl, bs, w_ih, w_hh, kp, rec, bounds, out, run):
    """A layer's backward, its chunks through ``run``; ``out``: per-chunk sums."""
    from . import blas

    dX, dWih, dWhh, dbih, dbhh = out
    dt = tape.X.dtype
    empty = np.zeros((0, 0, 0), dt)
    arrays = (tape.X, tape.H, empty if tape.C is None else tape.C,
              empty if tape.A is None else tape.A)  # fmt: skip
    kind, relu = _kind(cell), getattr(cell, "nonlinearity", None) == "relu"
    steps = bs.tolist()
    with blas.one_thread():
        run(
            backward_chunk,
            bounds,
            lambda c, lo, hi: (
                kind, arrays, dH, dl, steps, w_ih, w_hh, relu, kp, rec, lo, hi,
                (dX, dWih[c], dWhh[c], dbih[c], dbhh[c]),
            ),
        )  # fmt: skip
