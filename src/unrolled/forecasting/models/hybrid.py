"""A network on a classical model's errors: the hybrid, named by both parts.

The ES-RNN idea of the M4 winner: a classical method (Holt-Winters, Theta,
the airline model, exponential smoothing) forecasts, and a recurrent
network trained on its one-step errors (:class:`~.residuals.Residuals`)
corrects the forecast. :class:`Hybrid` names the pair, e.g.
``Hybrid(HoltWinters(log), GRU)``.

Here too is every scaling name a user may give (``Forecaster(scaling=...)``,
``--scaling``): the plain ones of :mod:`..features.transforms` and the
classical errors of :mod:`.residuals`, and :func:`make_transform` /
:func:`transform_from_dict` build the one a name says.
"""

from __future__ import annotations

from ...errors import InputError
from ..features import transforms as plain
from .base import Model
from .classical import Classical, from_scaling
from .residuals import MODELLED, Residuals

SCALINGS = (*plain.SCALINGS, *Residuals.RECIPES)  # every scaling's name
SEASONAL = plain.SEASONAL + tuple(
    s for s, r in Residuals.RECIPES.items() if r.seasonal
)  # they need the season length
LOGS = plain.LOGS + tuple(s for s, r in Residuals.RECIPES.items() if r.logs)


def make_transform(scaling: str, name: str = "series", season: int | None = None,
                   ar: int = 0) -> plain.Transform:  # fmt: skip
    """The transform ``scaling`` names: a plain scaling or a classical model's
    errors (:class:`~.residuals.Residuals`), not yet fitted."""
    if scaling in Residuals.RECIPES:
        return Residuals(scaling, name, season, ar)
    if scaling not in plain.RECIPES:
        raise InputError(
            f"scaling: expected one of {', '.join(SCALINGS)} or 'auto', got {scaling!r}"
        )
    return plain.Transform(scaling, name, season, ar)


def transform_from_dict(d: dict, name: str) -> plain.Transform:
    """The fitted transform :meth:`~..features.transforms.Transform.to_dict`
    wrote (either kind)."""
    ours = isinstance(d, dict) and d.get("scaling") in Residuals.RECIPES
    return (Residuals if ours else plain.Transform).from_dict(d, name)


class Hybrid(Model):
    """A recurrent network on the one-step errors of a classical model.

    Parameters
    ----------
    classical : Classical
        The model beneath, e.g. ``HoltWinters(12, log=True)``; its errors
        are :class:`~.residuals.Residuals` of scaling :attr:`scaling`.
    network : str
        The network's cell, as its class is named (``"RNN"``, ``"LSTM"``,
        ``"GRU"``).

    The network is trained by the forecaster's search (a member over the
    scaling :attr:`scaling`); this class says what the member is.
    """

    kind = "hybrid"

    def __init__(self, classical: Classical, network: str = "GRU"):
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
        c = self.classical
        return f"Hybrid({type(c).__name__}{'(log)' * c.log}, {self.network})"

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
