"""Model and checkpoint files: safetensors weights plus JSON, verified on load.

A model directory holds two files::

    weights.safetensors   every parameter under PyTorch's names (plain tensors)
    model.json            {"format": "unrolled.model", "format_version": 2,
                           "unrolled_version": ..., "config": model.config(),
                           "weights": {"file", "bytes", "sha256"},
                           "metadata": {...anything JSON: scalers, training...},
                           "content_sha256": SHA-256 of config+weights+metadata}

A checkpoint directory (:mod:`unrolled.storage.checkpoints`) is a model directory
plus the training state.

Nothing is ever unpickled: safetensors holds only named arrays, JSON only
data. Every file is written atomically (:mod:`unrolled.storage.atomic`); the JSON
file is moved into place last and records the checksum of the tensors, so a
hard kill between two renames is detected on load instead of silently pairing
new weights with old settings. Loading checks everything it reads and raises
:class:`ModelFileError` naming the file and what is wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..engine.cells import DEFAULT_NONLINEARITY
from ..engine.network import MODELS, build_model
from ..engine.sizing import parameter_count
from ..errors import InputError, ModelFileError
from .atomic import atomic_write_many, locked_dir
from .files import (
    FORMAT_VERSION,
    HEADER_SLACK,
    MAX_JSON_BYTES,
    check_arrays,
    check_content,
    content_digest,
    dumps,
    file_record,
    jsonable,
    prepare_dir,
    read_json,
    read_tensors,
    tensor_bytes,
)

WEIGHTS, CONFIG = "weights.safetensors", "model.json"
CONFIG_KEYS = {"cell", "input_size", "hidden_size", "num_layers", "output_size"}
# the largest sizes a model file may describe: the command line's limits for
# hidden size and layers; inputs and outputs far beyond any series model
MAX_SIZES = {"hidden_size": 4096, "num_layers": 16, "input_size": 4096,
             "output_size": 4096}  # fmt: skip


# ----------------------------------------------------------------- writing


def model_files(directory: Path, model, metadata) -> dict[Path, bytes]:
    """The two files of a model directory, as bytes, weights first."""
    from .._version import __version__

    if not (hasattr(model, "config") and hasattr(model, "state_dict")):
        raise ValueError(
            f"model: expected an RNN, LSTM or GRU, got {type(model).__name__}"
        )
    state = model.state_dict()
    for name, a in state.items():
        if not np.all(np.isfinite(a)):
            raise ValueError(f"model: parameter {name!r} is not finite; not saving it")
    weights = tensor_bytes(state, "unrolled.model")
    doc = {
        "format": "unrolled.model",
        "format_version": FORMAT_VERSION,
        "unrolled_version": __version__,
        "config": model.config(),
        "weights": file_record(WEIGHTS, weights),
        "metadata": jsonable({} if metadata is None else metadata, "metadata"),
    }
    if not isinstance(doc["metadata"], dict):
        raise ValueError(f"metadata: expected a dict, got {type(metadata).__name__}")
    doc["content_sha256"] = content_digest(doc)
    text = dumps(doc)
    if len(text) > MAX_JSON_BYTES:  # loading would refuse it: refuse to write it
        raise InputError(
            f"metadata: {directory / CONFIG} would be {len(text) / 2**20:.0f} MiB, "
            f"over the {MAX_JSON_BYTES / 2**20:.0f} MiB a model file may hold "
            "(fewer or shorter series)"
        )
    return {directory / WEIGHTS: weights, directory / CONFIG: text}


def save_model(directory, model, metadata: dict | None = None) -> Path:
    """Save a model to a directory as ``weights.safetensors`` + ``model.json``.

    Parameters
    ----------
    directory : str or path-like
        Created if missing (with its parents). Other files in it are left alone.
    model : RNN, LSTM or GRU
        Its parameters must be finite.
    metadata : dict, optional
        Anything JSON can hold (scalers, training information); NumPy scalars
        and arrays are converted to numbers and lists, and non-finite floats
        are stored as ``null``.

    Returns
    -------
    pathlib.Path
        The directory.

    Raises
    ------
    ValueError
        If the model has non-finite weights or the metadata is not JSON data.
    OSError
        If the directory cannot be written; an existing model there is then
        left as it was.
    """
    directory = prepare_dir(directory)
    files = model_files(directory, model, metadata)
    with locked_dir(directory):  # two writers take turns: never a mixed pair
        atomic_write_many(files)
    return directory


# ----------------------------------------------------------------- reading


def _check_config(path: Path, cfg) -> dict:
    """Validate a model config from a file before anything is allocated."""
    if not isinstance(cfg, dict):
        raise ModelFileError(f"{path}: 'config' must be an object, got {cfg!r}")
    missing = sorted(CONFIG_KEYS - set(cfg))
    if missing:
        raise ModelFileError(f"{path}: config lacks {missing}")
    if not isinstance(cfg["cell"], str) or cfg["cell"] not in MODELS:
        raise ModelFileError(
            f"{path}: config cell must be one of {sorted(MODELS)}, got {cfg['cell']!r}"
        )
    allowed = (
        CONFIG_KEYS | {"dtype"} | ({"nonlinearity"} if cfg["cell"] == "rnn" else set())
    )
    extra = sorted(set(cfg) - allowed)
    if extra:
        raise ModelFileError(f"{path}: config has unknown key(s) {extra}")
    for key in sorted(CONFIG_KEYS - {"cell"}):
        v = cfg[key]
        hi = MAX_SIZES[key]
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= hi:
            raise ModelFileError(
                f"{path}: field 'config.{key}' must be an integer in 1..{hi}, got {v!r}"
            )
    if cfg.get("dtype", "float64") not in ("float64", "float32"):
        raise ModelFileError(
            f"{path}: config dtype must be 'float64' or 'float32', got {cfg['dtype']!r}"
        )
    act = cfg.get("nonlinearity", DEFAULT_NONLINEARITY)
    if cfg["cell"] == "rnn" and act not in ("tanh", "relu"):
        raise ModelFileError(
            f"{path}: config nonlinearity must be 'tanh' or 'relu', got "
            f"{cfg['nonlinearity']!r}"
        )
    return dict(cfg)


def _param_count(cfg: dict) -> int:
    """Number of scalars a model with this config holds (before building it)."""
    keys = ("cell", "input_size", "hidden_size", "num_layers", "output_size")
    return parameter_count(*(cfg[k] for k in keys))


def load_model_dir(directory: Path):
    """(model, metadata, model.json document) from a verified model directory."""
    json_path = directory / CONFIG
    doc = read_json(json_path, "unrolled.model")
    check_content(json_path, doc)
    cfg = _check_config(json_path, doc.get("config"))
    dtype = np.dtype(cfg.get("dtype", "float64"))
    nbytes = _param_count(cfg) * dtype.itemsize
    arrays = read_tensors(
        directory / WEIGHTS, doc.get("weights"), json_path, nbytes + HEADER_SLACK
    )
    held = sum(int(a.size) for a in arrays.values())
    if held != _param_count(cfg):
        raise ModelFileError(
            f"{directory / WEIGHTS}: holds {held} values, but the config in "
            f"{CONFIG} describes a model with {_param_count(cfg)}"
        )
    model = build_model(cfg)
    check_arrays(directory / WEIGHTS, arrays, model._shapes(), model.dtype)
    model.load_state_dict(arrays)
    metadata = doc.get("metadata", {})
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{json_path}: 'metadata' must be an object")
    return model, metadata, doc


def load_model(directory):
    """Load and verify a model saved by :func:`save_model`.

    Parameters
    ----------
    directory : str or path-like
        A model directory (or a checkpoint directory, which holds a model).

    Returns
    -------
    model : RNN, LSTM or GRU
    metadata : dict
        What was passed to :func:`save_model` (``{}`` if nothing).

    Raises
    ------
    ModelFileError
        A ValueError naming the file, if a file is missing, is not JSON or
        safetensors, has a newer format version than this library reads, a
        config that does not describe a model, tensors whose names, shapes or
        dtypes do not match the config, non-finite values, or a size or
        checksum that differs from what ``model.json`` recorded.
    """
    directory = Path(directory)
    if not directory.is_dir():
        what = "is a file, not a" if directory.exists() else "no such"
        raise ModelFileError(f"{directory}: {what} model directory")
    model, metadata, _ = load_model_dir(directory)
    return model, metadata
