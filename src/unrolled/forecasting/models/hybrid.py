"""A network on a classical model's errors: the hybrid, named by both parts.

The ES-RNN idea of the M4 winner: a classical method (Holt-Winters, Theta,
the airline model, exponential smoothing) forecasts, and a recurrent
network trained on its one-step errors (:class:`~.residuals.Residuals`)
corrects the forecast. :class:`Hybrid` names the pair, e.g.
``Hybrid(HoltWinters(log), GRU)``, and fits and forecasts as its network
over those errors (:class:`~.networks.Network`).

Every scaling name is :mod:`.scalings`'.
"""

from __future__ import annotations

import numpy as np

from ...errors import InputError
from .base import Model
from .classical import Classical, from_scaling
from .networks import Network, network_class
from .residuals import MODELLED, Residuals


class Hybrid(Model):
    """A recurrent network on the one-step errors of a classical model.

    Parameters
    ----------
    classical : Classical
        The model beneath, e.g. ``HoltWinters(12, log=True)``; its errors
        are :class:`~.residuals.Residuals` of scaling :attr:`scaling`.
    network : Network or str
        The network (e.g. ``GRU(window=12, hidden=8)``: its ``scaling`` and
        ``season`` are replaced by the classical model's errors' and season),
        or its cell, as its class is named (``"RNN"``, ``"LSTM"``, ``"GRU"``:
        one with the default arguments).

    Attributes
    ----------
    network_ : Network
        The fitted network over :attr:`scaling`.

    The forecaster's search trains hybrids as networks over :attr:`scaling`
    (a member whose name is the hybrid's); ``fit`` and ``predict`` are theirs.

    Examples
    --------
    >>> import numpy as np
    >>> from unrolled.models import GRU, HoltWinters, Hybrid
    >>> y = 10 + np.sin(np.arange(48) * np.pi / 6) + 0.05 * np.arange(48)
    >>> model = Hybrid(HoltWinters(12), GRU(window=12, hidden=4, epochs=3))
    >>> model.name, model.fit(y).predict(3).shape
    ('Hybrid(HoltWinters, GRU)', (3,))
    """

    kind = "hybrid"

    def __init__(self, classical: Classical, network: Network | str = "GRU"):
        if not isinstance(classical, Classical) or classical.method not in MODELLED:
            raise InputError(
                f"classical: expected a classical model with errors to learn "
                f"(ExponentialSmoothing, HoltWinters, Theta, Airline), "
                f"got {classical!r}"
            )
        self.classical, self.network = classical, network

    @classmethod
    def of(cls, scaling: str, season: int | None, network: str) -> Hybrid:
        """The hybrid whose network reads ``scaling`` (one of :data:`MODELLED`)."""
        return cls(from_scaling(scaling, season), network)

    @property
    def name(self) -> str:
        """Both parts, e.g. ``Hybrid(HoltWinters(log), GRU)``."""
        c, net = self.classical, self.network
        cell = type(net).__name__ if isinstance(net, Network) else net
        return f"Hybrid({type(c).__name__}{'(log)' * c.log}, {cell})"

    def network_model(self) -> Network:
        """The network, not yet fitted, over the classical model's errors."""
        net = self.network
        if not isinstance(net, Network):
            net = network_class(net)()
        params = dict(net.get_params(), scaling=self.scaling,
                      season=self.classical.season)  # fmt: skip
        return type(net)(**params)

    def fit(self, y) -> Hybrid:
        """Fit the network over the classical model's errors on one history or
        a batch (as :meth:`.networks.Network.fit`); returns ``self``."""
        self.network_ = self.network_model().fit(y)
        return self

    def predict(self, h: int) -> np.ndarray:
        """The next ``h`` values: the classical forecast and the network's
        correction, step by step (``(h,)``, or ``(n, h)`` after a batch)."""
        self.check_fitted("network_")
        return self.network_.predict(h)

    @property
    def scaling(self) -> str:
        """The scaling the network reads: the classical model's errors."""
        return self.classical.scaling

    @property
    def takes_logs(self) -> bool:
        return self.classical.takes_logs

    def residuals(self, name: str = "series", ar: int = 0) -> Residuals:
        """The classical model's errors on series ``name``, not yet fitted."""
        return Residuals(self.scaling, name, self.classical.season, ar)


def is_hybrid(scaling: str) -> bool:
    """Whether a network on ``scaling`` is a hybrid (a classical model's
    errors; ``snaive`` is a seasonal difference, not one)."""
    return scaling in MODELLED
