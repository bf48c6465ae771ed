"""The contract every forecasting method keeps (as statsforecast's models, Darts').

A model's ``__init__`` only stores its arguments; ``fit(y)`` learns from one
history (a 1-D array, oldest first; the global networks learn from a batch
of them) and returns ``self``; ``predict(h)`` returns the next ``h`` values
as a ``(h,)`` float64 array, steps beyond the first fed back in where the
method is recursive; calling ``predict`` before ``fit`` raises
:class:`~unrolled.errors.NotFittedError`. Learned state ends in ``_``.

What an ensemble needs besides: :attr:`Model.kind` (the family its share is
reported under), :attr:`Model.name` (its column), :attr:`Model.refits`
(refitted on the history before every forecast origin, as the classical
models are, rather than kept from training) and :attr:`Model.takes_logs`
(it cannot read a value <= 0).
"""

from __future__ import annotations

import numpy as np

from ...errors import NotFittedError

KINDS = ("network", "hybrid", "classical", "baseline")  # the families, in order


class Model:
    """Base class of every forecasting method (see the module)."""

    kind = "model"  # one of KINDS in a subclass
    refits = False  # refitted on the history before every forecast origin
    takes_logs = False  # reads the log of the values: needs them > 0

    @property
    def name(self) -> str:
        """The model's name, as its column says it."""
        return type(self).__name__

    def fit(self, y) -> Model:
        """Learn from the history ``y``; returns ``self``."""
        raise NotImplementedError

    def predict(self, h: int) -> np.ndarray:
        """The next ``h`` values, ``(h,)`` float64."""
        raise NotImplementedError

    def check_fitted(self, attribute: str) -> None:
        """NotFittedError unless ``attribute`` (a learned state) is set."""
        if not hasattr(self, attribute):
            raise NotFittedError(
                f"{self.name} is not fitted: call fit(y) before predict(h)"
            )

    def __repr__(self) -> str:
        return self.name
