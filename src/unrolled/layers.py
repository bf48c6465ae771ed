"""One recurrent layer unrolled over a packed batch: the time loop and its reverse.

Forward: one matrix product gives every copy's input projection; then, step
by step, only the rows still running (``batch_sizes[t]``) take the hidden
projection and the cell. Backward replays the loop in reverse, carrying the
hidden-state gradient back one copy at a time, then sums the weight gradients
of all copies in one matrix product each: the copies share their weights, so
their gradients add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LayerTape:
    """What the backward pass needs from one layer's forward pass."""

    X: np.ndarray  # (T, B, I) the layer's input
    H: np.ndarray  # (T, B, H) hidden state of every copy, zero past each end
    caches: list  # per step, the cell's cache


def layer_forward(cell, X, batch_sizes, w_ih, w_hh, b_ih, b_hh) -> LayerTape:
    """Unroll one layer over a packed batch ``X`` (T, B, I), starting from h = 0."""
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
    cell, tape: LayerTape, dH, batch_sizes, w_ih, w_hh, keep=None, record=None
):
    """Backpropagate through time over one layer.

    Parameters
    ----------
    dH : (T, B, H) gradient of the loss with respect to each copy's hidden
        state from above (the head or the next layer), zero past each end.
    keep : optional (T, B) array of 0/1; where 0, the gradient is not carried
        from copy t back to copy t-1 (truncated BPTT).
    record : optional (T, B, H) array, filled with the total gradient reaching
        each copy's hidden state (for gradient-flow diagnostics).

    Returns
    -------
    dX, (d_weight_ih, d_weight_hh, d_bias_ih, d_bias_hh)
    """
    X, Hs = tape.X, tape.H
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
    dX = dXP @ w_ih  # (T, B, I) to the layer below
    return dX, (d_w_ih, d_w_hh, d_b_ih, d_b_hh)
