"""A trained network, unrolled over one window: what the lesson page shows of it.

The lesson's one-unit network carries one number from copy to copy; a
trained network carries ``hidden_size`` of them. :func:`hidden_states`
replays the network's copies one by one with its cell's ``step`` (the
readable loop), so every copy's hidden state can be drawn, and
:func:`trained_view` adds each copy's output and how far back the gradient
reaches (:func:`unrolled.training.gradflow.gradient_flow`).

Only engine models come in here; turning a series into the network's inputs
(scaling, windows) is the caller's business.
"""

from __future__ import annotations

import numpy as np

from ..training.gradflow import gradient_flow

#: relative ``||dL/dh_t||`` below which the signal counts as gone (as in the CLI)
FLOW_FLOOR = 1e-3


def hidden_states(model, inputs) -> np.ndarray:
    """The top layer's hidden state after every copy, replayed in float64.

    Parameters
    ----------
    model : RNN, LSTM or GRU
    inputs : array-like, ``(T,)`` or ``(T, input_size)``
        One sequence, oldest first.

    Returns
    -------
    ndarray
        ``(T, hidden_size)``: row ``t`` is ``h_t`` of the top layer.
    """
    x = np.asarray(inputs, dtype=np.float64)
    x = x.reshape(len(x), -1) if x.ndim == 1 else x
    if x.ndim != 2 or x.shape[1] != model.input_size or len(x) == 0:
        raise ValueError(
            f"inputs: expected (T, {model.input_size}) with T >= 1, got {x.shape}"
        )
    p = {k: v.astype(np.float64) for k, v in model.params.items()}
    H = model.hidden_size
    for k in range(model.num_layers):
        xp = x @ p[f"weight_ih_l{k}"].T + p[f"bias_ih_l{k}"]  # (T, G*H) every copy
        h = np.zeros((1, H))
        c = np.zeros((1, H)) if model.cell.has_cell_state else None
        out = np.empty((len(x), H))
        for t in range(len(x)):
            hp = h @ p[f"weight_hh_l{k}"].T + p[f"bias_hh_l{k}"]  # the loop
            h, c, _ = model.cell.step(xp[t : t + 1], hp, h, c)
            out[t] = h[0]
        x = out  # the next layer reads this layer's states
    return x


def trained_view(model, inputs, flow_seqs, flow_targets) -> dict:
    """A trained network's copies over ``inputs`` and the reach of its gradient.

    Parameters
    ----------
    model : RNN, LSTM or GRU
        A single-output network.
    inputs : array-like, ``(T, input_size)``
        The window the page unrolls, oldest first.
    flow_seqs, flow_targets
        Sequences and last-step targets (as for ``model.loss_and_grads``) on
        which the gradient flow is measured.

    Returns
    -------
    dict
        ``cell``, ``layers``, ``hidden_size``; ``hidden`` (``T`` lists of
        ``hidden_size`` floats), ``outputs`` (each copy's output, in the
        network's units); ``flow``: ``steps_back``, ``relative``
        (``||dL/dh_t||`` over the last copy's) ``reach`` (steps back
        before it first drops below :data:`FLOW_FLOOR`) and ``windows`` (how
        many sequences it averages).
    """
    if model.output_size != 1:
        raise ValueError(f"model: expected one output, got {model.output_size}")
    hidden = hidden_states(model, inputs)
    w = model.params["head.weight"].astype(np.float64)
    outputs = hidden @ w.T + model.params["head.bias"].astype(np.float64)
    flow = gradient_flow(model, flow_seqs, flow_targets)
    with np.errstate(all="ignore"):
        rel = np.nan_to_num(flow.relative(), nan=0.0, posinf=0.0, neginf=0.0)
    return {
        "cell": model.cell_type,
        "layers": model.num_layers,
        "hidden_size": model.hidden_size,
        "hidden": hidden.tolist(),
        "outputs": outputs[:, 0].tolist(),
        "flow": {
            "steps_back": flow.steps_back.tolist(),
            "relative": rel.tolist(),
            "reach": flow.reach(FLOW_FLOOR),
            "windows": len(flow_seqs),
        },
    }
