"""Every forecasting method as a model of one contract, as statsforecast's models.

``from unrolled.models import GRU, HoltWinters, Hybrid, SeasonalNaive, Naive``.
Each class's ``__init__`` only stores its arguments; ``fit(y)`` learns from
one history (a 1-D array, oldest first; the networks and hybrids also from a
batch: a list or a dict of 1-D arrays, one global network) and returns the
model; ``predict(h)`` returns the next ``h`` values, ``(h,)`` (``(n, h)``
after a batch of ``n``); ``predict`` before ``fit`` raises
:class:`~unrolled.errors.NotFittedError`. ``name`` is the model's column in
the ensemble (e.g. ``GRU(logsdiff)``, ``Hybrid(HoltWinters(log), GRU)``),
``kind`` its family (network, hybrid, classical, baseline).

The networks here are models over a scaling (the series in, forecasts
out); ``unrolled.RNN``, ``unrolled.LSTM`` and ``unrolled.GRU`` are the
engine's networks they train (sequences in, outputs out). The
:class:`~unrolled.Forecaster` is an ensemble of these models, chosen and
weighed on a validation slice.
"""

from .forecasting.models.base import Model
from .forecasting.models.baselines import Drift, Mean, Naive
from .forecasting.models.classical import (
    Airline,
    ExponentialSmoothing,
    HoltWinters,
    SeasonalNaive,
    Theta,
)
from .forecasting.models.hybrid import Hybrid
from .forecasting.models.networks import GRU, LSTM, RNN, Network

__all__ = [
    "Model",
    "Naive",
    "Drift",
    "Mean",
    "SeasonalNaive",
    "ExponentialSmoothing",
    "HoltWinters",
    "Theta",
    "Airline",
    "Network",
    "RNN",
    "LSTM",
    "GRU",
    "Hybrid",
]
