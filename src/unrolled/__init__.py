"""unrolled: recurrent neural networks on sequences of any length.

A network with a feedback loop, unrolled into one copy per input with every
weight and bias shared, trained by hand-written backpropagation through time.
"""

from .backtest import Report, backtest, evaluate_fitted
from .baselines import BASELINES
from .checkpoint import load_checkpoint, save_checkpoint
from .data import (
    DataError,
    Dataset,
    Series,
    from_dict,
    from_frame,
    list_bundled,
    load_bundled,
    load_csv,
)
from .explain import explain
from .forecast import Forecaster
from .gradflow import (
    GradientFlow,
    GradientMonitor,
    GradientWarning,
    closed_form_factor,
    gradient_flow,
    w2_demo,
)
from .memory import memory_experiment, memory_task
from .metrics import METRICS
from .network import GRU, LSTM, RNN, build_model
from .optim import SGD, Adam, clip_grads, global_norm
from .packing import Packed, pack_batch
from .persist import ModelFileError, load_model, save_model
from .scaling import MinMaxScaler, StandardScaler, make_scaler
from .statland import SCENARIOS, seed_network, statland_data, statland_table
from .train import History, TrainingError, fit

__version__ = "0.1.0"

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
