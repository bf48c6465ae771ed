"""unrolled: recurrent neural networks on sequences of any length.

A network with a feedback loop, unrolled into one copy per input with every
weight and bias shared, trained by hand-written backpropagation through time.
"""

from .forecasting.backtest import Report, backtest, evaluate_fitted
from .forecasting.baselines import BASELINES
from .storage.checkpoints import load_checkpoint, save_checkpoint
from .forecasting.data import (
    DataError,
    Dataset,
    Series,
    from_dict,
    from_frame,
    list_bundled,
    load_bundled,
    load_csv,
)
from .lessons.explain import explain
from .forecasting.forecaster import Forecaster
from .training.gradflow import (
    GradientFlow,
    GradientMonitor,
    GradientWarning,
    closed_form_factor,
    gradient_flow,
    w2_demo,
)
from .lessons.memory import memory_experiment, memory_task
from .forecasting.metrics import METRICS
from .engine.network import GRU, LSTM, RNN, build_model
from .engine.optim import SGD, Adam, clip_grads, global_norm
from .engine.packing import Packed, pack_batch
from .storage.models import ModelFileError, load_model, save_model
from .forecasting.scaling import MinMaxScaler, StandardScaler, make_scaler
from .lessons.statland import SCENARIOS, seed_network, statland_data, statland_table
from .training.fit import History, TrainingError, fit

from ._version import __version__

__all__ = [
    "RNN",
    "LSTM",
    "GRU",
    "build_model",
    "pack_batch",
    "Packed",
    "seed_network",
    "statland_data",
    "statland_table",
    "SCENARIOS",
    "explain",
    "fit",
    "History",
    "TrainingError",
    "SGD",
    "Adam",
    "clip_grads",
    "global_norm",
    "save_model",
    "load_model",
    "save_checkpoint",
    "load_checkpoint",
    "ModelFileError",
    "load_csv",
    "load_bundled",
    "list_bundled",
    "from_frame",
    "from_dict",
    "Dataset",
    "Series",
    "DataError",
    "MinMaxScaler",
    "StandardScaler",
    "make_scaler",
    "BASELINES",
    "METRICS",
    "Forecaster",
    "backtest",
    "evaluate_fitted",
    "Report",
    "w2_demo",
    "closed_form_factor",
    "gradient_flow",
    "GradientFlow",
    "GradientMonitor",
    "GradientWarning",
    "memory_experiment",
    "memory_task",
    "__version__",
]
