"""The cells: one unrolled copy's elementwise arithmetic, its backward beside it.

A cell never touches a weight matrix. The unroll loop (``layers.py``) computes
``xp = x @ W_ih.T + b_ih`` for all steps in one matrix product and
``hp = h_prev @ W_hh.T + b_hh`` once per step, then calls ``step``; in reverse
it calls ``step_backward`` and does the matching matrix products. So a cell
is the lesson's chain rule for one copy, readable on one screen.

Gate layouts follow PyTorch: Elman has one block, LSTM four (i, f, g, o),
GRU three (r, z, n) with ``n = tanh(xp_n + r * hp_n)``.

``step(xp, hp, h_prev, c_prev) -> (h, c, cache)``
``step_backward(dh, dc, cache) -> (dxp, dhp, dh_prev_direct, dc_prev)``
where ``dxp``/``dhp`` are the gradients of the input/hidden projections and
``dh_prev_direct`` is any path from ``h_prev`` to ``h`` that bypasses ``W_hh``
(GRU's ``z * h_prev``), or None.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic function, stable for large |a|."""
    out = np.empty_like(a)
    pos = a >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-a[pos]))
    e = np.exp(a[~pos])
    out[~pos] = e / (1.0 + e)
    return out


class Elman:
    """``h = act(x W_ih^T + b_ih + h_prev W_hh^T + b_hh)``, act = relu or tanh."""

    gates = 1
    has_cell_state = False

    def __init__(self, nonlinearity: str = "relu"):
        if nonlinearity not in ("relu", "tanh"):
            raise InputError(
                f"nonlinearity: expected 'relu' or 'tanh', got {nonlinearity!r}"
            )
        self.nonlinearity = nonlinearity

    def step(self, xp, hp, h_prev, c_prev):
        """One copy forward: pre-activation, then relu/tanh."""
        pre = xp + hp  # (n, H)
        h = np.maximum(pre, 0.0) if self.nonlinearity == "relu" else np.tanh(pre)
        return h, None, h

    def step_backward(self, dh, dc, cache):
        """One copy backward: through relu (h > 0) or tanh (1 - h^2)."""
        h = cache
        if self.nonlinearity == "relu":
            dpre = dh * (h > 0)  # backprop through relu
        else:
            dpre = dh * (1.0 - h * h)  # backprop through tanh
        return dpre, dpre, None, None


class LSTM:
    """Long short-term memory, gates i, f, g, o as in ``torch.nn.LSTM``."""

    gates = 4
    has_cell_state = True

    def step(self, xp, hp, h_prev, c_prev):
        """One copy forward: gates, cell state, hidden state."""
        a = xp + hp  # (n, 4H)
        H = a.shape[1] // 4
        i = sigmoid(a[:, :H])
        f = sigmoid(a[:, H : 2 * H])
        g = np.tanh(a[:, 2 * H : 3 * H])
        o = sigmoid(a[:, 3 * H :])
        c = f * c_prev + i * g
        tc = np.tanh(c)
        h = o * tc
        return h, c, (i, f, g, o, c_prev, tc)

    def step_backward(self, dh, dc, cache):
        """One copy backward: through h = o * tanh(c) and c = f * c_prev + i * g."""
        i, f, g, o, c_prev, tc = cache
        do = dh * tc  # h = o * tanh(c)
        dc = dc + dh * o * (1.0 - tc * tc)  # ... and through tanh(c)
        di, df, dg = dc * g, dc * c_prev, dc * i  # c = f * c_prev + i * g
        da = np.concatenate(
            [di * i * (1 - i), df * f * (1 - f), dg * (1 - g * g), do * o * (1 - o)],
            axis=1,
        )  # backprop through the gate nonlinearities
        return da, da, None, dc * f


class GRU:
    """Gated recurrent unit, gates r, z, n as in ``torch.nn.GRU``."""

    gates = 3
    has_cell_state = False

    def step(self, xp, hp, h_prev, c_prev):
        """One copy forward: reset, update, new gate, then the blend."""
        H = xp.shape[1] // 3
        r = sigmoid(xp[:, :H] + hp[:, :H])
        z = sigmoid(xp[:, H : 2 * H] + hp[:, H : 2 * H])
        hn = hp[:, 2 * H :]
        n = np.tanh(xp[:, 2 * H :] + r * hn)
        h = (1.0 - z) * n + z * h_prev
        return h, None, (r, z, n, hn, h_prev)

    def step_backward(self, dh, dc, cache):
        """One copy backward: through the blend, the new gate, then r and z."""
        r, z, n, hn, h_prev = cache
        dn = dh * (1.0 - z)  # h = (1 - z) * n + z * h_prev
        dz = dh * (h_prev - n)
        dn_pre = dn * (1.0 - n * n)  # backprop through tanh
        dr_pre = dn_pre * hn * r * (1.0 - r)  # n's pre-activation has r * hp_n
        dz_pre = dz * z * (1.0 - z)
        dxp = np.concatenate([dr_pre, dz_pre, dn_pre], axis=1)
        dhp = np.concatenate([dr_pre, dz_pre, dn_pre * r], axis=1)
        return dxp, dhp, dh * z, None


#: the plain RNN's activation unless one is given (the lesson's relu; note that
#: ``torch.nn.RNN`` defaults to tanh): the one default the network, its
#: builder and the model-file reader share
DEFAULT_NONLINEARITY = "relu"
#: the cells by name; each class says how many gates it has
CELLS = {"rnn": Elman, "lstm": LSTM, "gru": GRU}
#: gates per cell: rows of weight_ih / weight_hh are gates * hidden_size
GATES = {name: cls.gates for name, cls in CELLS.items()}


def make_cell(cell: str, nonlinearity: str | None = None):
    """Build a cell from its name: ``"rnn"``, ``"lstm"`` or ``"gru"``."""
    if cell not in CELLS:
        raise InputError(f"cell: expected 'rnn', 'lstm' or 'gru', got {cell!r}")
    if cell == "rnn":
        return Elman(nonlinearity or DEFAULT_NONLINEARITY)
    return CELLS[cell]()
