"""One recurrent layer unrolled over a packed batch: the time loop and its reverse.

Forward: one matrix product gives every copy's input projection; then, step
by step, only the rows still running (``batch_sizes[t]``) take the hidden
projection and the cell. Backward replays the loop in reverse, carrying the
hidden-state gradient back one copy at a time, then sums the weight gradients
of all copies in one matrix product each: the copies share their weights, so
their gradients add up.

That loop, read here, is the definition. ``kernels.py`` holds the same
arithmetic compiled with Numba (one call per layer instead of a dozen NumPy
calls per step), and both functions below use it when it is available
(``dispatch.py`` decides: ``UNROLLED_KERNELS=numpy`` in the environment, or
``dispatch.set_backend("numpy")``, forces the readable path);
``tests/test_kernels.py`` pins the two together.
It runs at every hidden size: its products reach single-threaded OpenBLAS
speed on these shapes (one chunk of rows per core), and the readable path
pays Python overhead per step on top of one BLAS call (BENCHMARKS.md).
Hidden sizes up to ``FEATURE_MAJOR_MAX`` run kernels that store the tape
feature-major, (T, H, B), so that their loops run over a step's rows; the
tape then holds (T, B, H) views of those arrays, and nothing outside this
module sees the difference.

A last-step loss passes ``d_last``, the (B, H) gradient of each row's last
copy, rather than a (T, B, H) ``dH`` that is zero everywhere else.
"""

from __future__ import annotations

import numpy as np

from .dispatch import backend, backward_compiled, forward_compiled
from .tape import LayerTape


def layer_forward(
    cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh, workspace=None
) -> LayerTape:
    """Unroll one layer over a packed batch ``X`` (T, B, I), starting from h = 0.

    ``workspace``: an optional ``(Workspace, role)`` to take the tape's large
    arrays from. Their rows past each sequence's end then hold whatever the
    step before left there: only for callers that never read those rows.
    """
    if backend.compiled(X):
        tape = backend.run(
            forward_compiled, cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh, workspace
        )
        if tape is not None:
            return tape
    T, B, _ = X.shape
    Hn = w_hh.shape[1]
    XP = X @ w_ih.T + b_ih  # (T, B, G*H) input projection of every copy at once
    Hs = np.zeros((T, B, Hn), dtype=X.dtype)
    Cs = np.zeros((T, B, Hn), dtype=X.dtype) if cell.has_cell_state else None
    zero = np.zeros((B, Hn), dtype=X.dtype)
    caches = []
    for t in range(T):
        n = batch_sizes[t]
        h_prev = Hs[t - 1, :n] if t else zero[:n]
        c_prev = (Cs[t - 1, :n] if t else zero[:n]) if Cs is not None else None
        hp = h_prev @ w_hh.T + b_hh  # (n, G*H) the feedback loop
        h, c, cache = cell.step(XP[t, :n], hp, h_prev, c_prev)
        Hs[t, :n] = h
        if Cs is not None:
            Cs[t, :n] = c
        caches.append(cache)
    return LayerTape(X, Hs, caches)


def layer_backward(
    cell,
    tape: LayerTape,
    dH,
    batch_sizes,
    w_ih,
    w_hh,
    keep=None,
    record=None,
    d_last=None,
    need_dx=True,
):
    """Backpropagate through time over one layer.

    Parameters
    ----------
    dH : (T, B, H) gradient of the loss with respect to each copy's hidden
        state from above (the head or the next layer), zero past each end;
        or None for zero.
    keep : optional (T, B) array of 0/1; where 0, the gradient is not carried
        from copy t back to copy t-1 (truncated BPTT).
    record : optional (T, B, H) array, filled with the total gradient reaching
        each copy's hidden state (for gradient-flow diagnostics).
    d_last : optional (B, H) gradient reaching each row's last copy, added to
        ``dH`` there: a last-step loss needs no (T, B, H) array of zeros.
    need_dx : bool
        False for the bottom layer: nothing below takes ``dX``.

    Returns
    -------
    dX, (d_weight_ih, d_weight_hh, d_bias_ih, d_bias_hh)
        ``dX`` (T, B, I) is None when ``need_dx`` is False.
    """
    if tape.caches is None:  # the forward ran compiled
        grads = backend.run(
            backward_compiled,
            *(cell, tape, dH, d_last, batch_sizes, w_ih, w_hh, keep, record, need_dx),
        )
        if grads is not None:
            return grads
        tape = layer_forward(cell, tape.X, batch_sizes, w_ih, w_hh, *tape.biases)
    X, Hs = tape.X, tape.H
    dH = _dense(dH, d_last, batch_sizes, Hs.shape, Hs.dtype)
    T, B, Hn = Hs.shape
    G = w_hh.shape[0]
    dXP = np.zeros((T, B, G), dtype=Hs.dtype)
    dHP = np.zeros((T, B, G), dtype=Hs.dtype) if cell.gates == 3 else dXP
    dh = np.zeros((B, Hn), dtype=Hs.dtype)  # gradient carried back from copy t+1
    dc = np.zeros((B, Hn), dtype=Hs.dtype) if cell.has_cell_state else None
    for t in range(T - 1, -1, -1):
        n = batch_sizes[t]
        dh_t = dH[t, :n] + dh[:n]  # from above, and from the next copy
        if record is not None:
            record[t, :n] = dh_t
        dxp, dhp, dh_direct, dc_prev = cell.step_backward(
            dh_t, dc[:n] if dc is not None else None, tape.caches[t]
        )
        dXP[t, :n] = dxp
        if dHP is not dXP:
            dHP[t, :n] = dhp
        dh_prev = dhp @ w_hh  # back through the feedback loop: W_hh once per copy
        if dh_direct is not None:
            dh_prev += dh_direct
        if keep is not None:
            dh_prev *= keep[t, :n, None]
            if dc_prev is not None:
                dc_prev = dc_prev * keep[t, :n, None]
        dh[:n] = dh_prev
        if dc is not None:
            dc[:n] = dc_prev
    H_prev = np.concatenate([np.zeros((1, B, Hn), dtype=Hs.dtype), Hs[:-1]])
    # every copy shares the weights, so their gradients add up over (T, B)
    d_w_ih = dXP.reshape(-1, G).T @ X.reshape(-1, X.shape[2])
    d_w_hh = dHP.reshape(-1, G).T @ H_prev.reshape(-1, Hn)
    d_b_ih = dXP.sum(axis=(0, 1))
    d_b_hh = dHP.sum(axis=(0, 1))
    dX = dXP @ w_ih if need_dx else None  # (T, B, I) to the layer below
    return dX, (d_w_ih, d_w_hh, d_b_ih, d_b_hh)


def _dense(dH, d_last, batch_sizes, shape, dtype):
    """``dH`` (zeros if None) with ``d_last`` added at each row's last copy."""
    if d_last is None:
        return dH
    dH = np.zeros(shape, dtype) if dH is None else np.array(dH, dtype=dtype)
    B = shape[1]
    last = (np.asarray(batch_sizes)[:, None] > np.arange(B)[None, :]).sum(0) - 1
    dH[last, np.arange(B)] += d_last
    return dH
