"""unrolled: recurrent neural networks on sequences of any length.

A network with a feedback loop, unrolled into one copy per input with every
weight and bias shared, trained by hand-written backpropagation through time.

This module only re-exports. The layers, lowest first: ``engine`` (cells,
unrolled loops, networks, optimizers), ``storage`` (model files,
checkpoints), ``training`` (``fit``, callbacks, gradient diagnostics),
``forecasting`` (data, baselines, the forecaster, backtests) and
``lessons`` (the StatLand lesson, namespaced: ``unrolled.lessons``). Every
forecasting method as a model of one contract: ``unrolled.models``.
"""

from . import lessons, models
from ._version import __version__
from .engine.network import GRU, LSTM, RNN, build_model
from .engine.optim import SGD, Adam, clip_grads, global_norm
from .engine.packing import Packed, pack_batch
from .errors import (
    DataError,
    InputError,
    ModelFileError,
    NotFittedError,
    ResourceLimitError,
    TrainingError,
    TrainingInterrupted,
)
from .forecasting.evaluation.backtest import Report, backtest, evaluate_fitted
from .forecasting.evaluation.cross_validation import cross_validation
from .forecasting.evaluation.metrics import METRICS
from .forecasting.evaluation.plots import plot, plot_report
from .forecasting.features.scaling import MinMaxScaler, StandardScaler, make_scaler
from .forecasting.forecaster import Forecaster
from .forecasting.io.data import (
    Dataset,
    Series,
    from_dict,
    from_frame,
    list_bundled,
    load_bundled,
    load_csv,
)
from .forecasting.models.baselines import BASELINES
from .storage.checkpoints import load_checkpoint, save_checkpoint
from .storage.models import load_model, save_model
from .training.fit import History, fit
from .training.gradflow import (
    GradientFlow,
    GradientMonitor,
    GradientWarning,
    gradient_flow,
)

__all__ = [
    "RNN",
    "LSTM",
    "GRU",
    "build_model",
    "pack_batch",
    "Packed",
    "fit",
    "History",
    "SGD",
    "Adam",
    "clip_grads",
    "global_norm",
    "save_model",
    "load_model",
    "save_checkpoint",
    "load_checkpoint",
    "load_csv",
    "load_bundled",
    "list_bundled",
    "from_frame",
    "from_dict",
    "Dataset",
    "Series",
    "MinMaxScaler",
    "StandardScaler",
    "make_scaler",
    "BASELINES",
    "METRICS",
    "Forecaster",
    "backtest",
    "cross_validation",
    "plot",
    "plot_report",
    "evaluate_fitted",
    "Report",
    "gradient_flow",
    "GradientFlow",
    "GradientMonitor",
    "GradientWarning",
    "DataError",
    "InputError",
    "ModelFileError",
    "NotFittedError",
    "ResourceLimitError",
    "TrainingError",
    "TrainingInterrupted",
    "models",
    "lessons",
    "__version__",
]
