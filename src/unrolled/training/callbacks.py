"""Callbacks of :func:`unrolled.fit`: early stopping, and what makes one stateful.

A callback is called as ``cb(epoch, logs)`` after every epoch and stops
training by returning True. One with ``state_dict()`` / ``load_state_dict()``
is *stateful*: a checkpoint carries its state, so a resumed run stops where
an uninterrupted one would.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError


def is_stateful(cb) -> bool:
    """Whether a callback keeps state that a checkpoint must carry."""
    return callable(getattr(cb, "state_dict", None)) and callable(
        getattr(cb, "load_state_dict", None)
    )


class EarlyStopping:
    """Keep the best-scoring weights; stop after ``patience`` epochs without one.

    Lower scores are better. :meth:`update` takes each epoch's score and the
    model; a score below the best so far records the epoch and a copy of the
    weights and resets the wait, anything else (NaN included) adds one to it.
    With ``patience=None`` it never stops, but still keeps the best weights.

    Used by :func:`unrolled.fit` on the validation loss (``val=``,
    ``patience=``) and by the forecaster's search on each member's validation
    forecasts (a subclass that is a stateful fit callback).

    Parameters
    ----------
    model : RNN, LSTM or GRU
        The model whose weights are kept (its starting weights until a score
        is recorded).
    patience : int, optional
        Epochs without a better score before :attr:`should_stop` is True.

    Attributes
    ----------
    best : float
        The lowest score so far (``inf`` before any).
    epoch : int
        The epoch of that score (-1 before any).
    wait : int
        Epochs since then.
    weights : dict of str to ndarray
        The model's weights at that epoch.
    """

    def __init__(self, model, patience: int | None = None):
        self.model, self.patience = model, patience
        self.best, self.epoch, self.wait = np.inf, -1, 0
        self.weights = model.state_dict()

    def update(self, score: float, epoch: int) -> bool:
        """Record ``score`` for ``epoch``; True if it is the best so far."""
        if score < self.best:
            self.best, self.epoch, self.wait = float(score), epoch, 0
            self.weights = self.model.state_dict()
            return True
        self.wait += 1
        return False

    @property
    def should_stop(self) -> bool:
        """Whether ``patience`` epochs have passed without a better score."""
        return self.patience is not None and self.wait >= self.patience

    def state_dict(self) -> dict:
        """Best score (None for none yet), its epoch, the wait, ``weights.*`` arrays."""
        best = float(self.best) if np.isfinite(self.best) else None
        out = {"best": best, "epoch": self.epoch, "wait": self.wait}
        out.update({f"weights.{k}": v for k, v in self.weights.items()})
        return out

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` gave; ValueError if it does not fit."""
        best, epoch, wait = state["best"], state["epoch"], state["wait"]
        numbers = (best is None or isinstance(best, float | int)) and all(
            isinstance(x, int) and not isinstance(x, bool) for x in (epoch, wait)
        )
        if not numbers or epoch < -1 or wait < 0:
            raise InputError(
                f"bad early-stopping counters {best!r}, {epoch!r}, {wait!r}"
            )
        shapes = {k: v.shape for k, v in self.model.state_dict().items()}
        weights = {k[8:]: v for k, v in state.items() if k.startswith("weights.")}
        if {k: v.shape for k, v in weights.items()} != shapes or not all(
            np.all(np.isfinite(v)) for v in weights.values()
        ):
            raise InputError("the best weights are missing, misshapen or not finite")
        self.best = np.inf if best is None else float(best)
        self.epoch, self.wait = epoch, wait
        self.weights = {k: np.array(v) for k, v in weights.items()}
