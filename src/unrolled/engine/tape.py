"""The tape: what one layer's forward pass keeps for its backward pass."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LayerTape:
    """What the backward pass needs from one layer's forward pass."""

    X: np.ndarray  # (T, B, I) the layer's input
    H: np.ndarray  # (T, B, H) hidden state of every copy, zero past each end
    caches: list | None  # per step, the cell's cache (readable path)
    C: np.ndarray | None = None  # (T, B, H) LSTM cell state (compiled path)
    A: np.ndarray | None = None  # (T, B, 4H) gate activations (compiled path)
    biases: tuple = ()  # (b_ih, b_hh), to redo the forward if Numba fails later
    fm: bool = False  # compiled feature-major: X, H, C, A view (T, ., B) arrays
