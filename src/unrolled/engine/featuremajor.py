"""A layer through the feature-major kernels: small hidden sizes, (T, H, B) arrays.

``dispatch.py`` decides the path and cuts the rows into chunks; here the
arrays are laid out feature-major (``kernels.py`` says why), the chunks run
through ``run`` (``dispatch.run_chunks``: threads, subnormals flushed) and the
results come back as views in the caller's (T, B, ...) layout.
"""

from __future__ import annotations

import numpy as np

from .tape import LayerTape


def forward_layer(cell, X, bs, w, bounds, zeros, run) -> LayerTape:
    """The forward through the feature-major kernels; the tape holds views."""
    from . import kernels

    Xt = np.ascontiguousarray(X.transpose(0, 2, 1))  # (T, I, B): free after a fm layer
    T, I, B = Xt.shape
    Hn = w[1].shape[1]
    Ht = zeros("H", (T, Hn, B))
    Ct = At = None
    if cell.gates == 1:
        relu = cell.nonlinearity == "relu"
        args = lambda c, lo, hi: (Xt, bs, *w, relu, lo, hi, Ht)  # noqa: E731
        run(kernels.elman_forward_fm, bounds, args)
    elif cell.has_cell_state:
        Ct, At = zeros("C", (T, Hn, B)), zeros("A", (T, 4 * Hn, B))
        args = lambda c, lo, hi: (Xt, bs, *w, lo, hi, Ht, Ct, At)  # noqa: E731
        run(kernels.lstm_forward_fm, bounds, args)
    else:
        At = zeros("A", (T, 4 * Hn, B))
        args = lambda c, lo, hi: (Xt, bs, *w, lo, hi, Ht, At)  # noqa: E731
        run(kernels.gru_forward_fm, bounds, args)
    views = [None if a is None else a.transpose(0, 2, 1) for a in (Xt, Ht, Ct, At)]
    return LayerTape(views[0], views[1], None, views[2], views[3], tuple(w[2:]), True)


def backward_layer(cell, tape, dH, d_last, bs, w, kp, record, need_dx, bounds, run):
    """The backward through the feature-major kernels; ``dX`` is a view."""
    from . import kernels

    Xt, Ht = tape.X.transpose(0, 2, 1), tape.H.transpose(0, 2, 1)  # contiguous
    dt = Xt.dtype
    T, I, B = Xt.shape
    G, Hn = w[1].shape
    nc = len(bounds) - 1
    empty3 = np.zeros((0, 0, 0), dt)
    dHt = empty3 if dH is None else np.ascontiguousarray(dH.transpose(0, 2, 1), dt)
    dl = np.zeros((0, 0), dt) if d_last is None else np.ascontiguousarray(d_last.T, dt)
    rec, own = empty3, True
    if record is not None:
        rec = record.transpose(0, 2, 1)
        own = rec.dtype == dt and rec.flags.c_contiguous  # filled in place
        rec = rec if own else np.zeros((T, Hn, B), dt)
    dXt = np.zeros((T, I, B), dt) if need_dx else empty3
    dWih = np.zeros((nc, G, I), dtype=dt)  # per-chunk partial sums
    dWhh = np.zeros((nc, G, Hn), dtype=dt)
    db = np.zeros((nc, G, 2), dtype=dt)
    tail = (kp, rec)
    if cell.gates == 1:
        fn, head = kernels.elman_backward_fm, (Xt, Ht, dHt, dl, bs, *w)
        tail = (cell.nonlinearity == "relu", *tail)
    elif cell.has_cell_state:
        Ct, At = tape.C.transpose(0, 2, 1), tape.A.transpose(0, 2, 1)
        fn, head = kernels.lstm_backward_fm, (Xt, Ht, Ct, At, dHt, dl, bs, *w)
    else:
        At = tape.A.transpose(0, 2, 1)
        fn, head = kernels.gru_backward_fm, (Xt, Ht, At, dHt, dl, bs, *w)
    run(
        fn,
        bounds,
        lambda c, lo, hi: (*head, *tail, lo, hi, dXt, dWih[c], dWhh[c], db[c]),
    )
    if not own:
        record[...] = rec.transpose(0, 2, 1)
    dX = dXt.transpose(0, 2, 1) if need_dx else None
    d_b = db.sum(0)  # the chunks' partial sums, added in a fixed order
    return dX, (dWih.sum(0), dWhh.sum(0), d_b[:, 0].copy(), d_b[:, 1].copy())
