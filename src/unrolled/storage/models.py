"""Model and checkpoint files: safetensors weights plus JSON, verified on load.

A model directory holds two files::

    weights.safetensors   every parameter under PyTorch's names (plain tensors)
    model.json            {"format": "unrolled.model", "format_version": 1,
                           "unrolled_version": ..., "config": model.config(),
                           "weights": {"file", "bytes", "sha256"},
                           "metadata": {...anything JSON: scalers, training...}}

A checkpoint directory (:mod:`unrolled.checkpoint`) is a model directory
plus the training state.

Nothing is ever unpickled: safetensors holds only named arrays, JSON only
data. Every file is written atomically (:mod:`unrolled.atomic`); the JSON
file is moved into place last and records the checksum of the tensors, so a
hard kill between two renames is detected on load instead of silently pairing
new weights with old settings. Loading checks everything it reads and raises
:class:`ModelFileError` naming the file and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np

from .atomic import atomic_write_many
from ..engine.network import MODELS, build_model

FORMAT_VERSION = 1  # the newest format this library reads and the one it writes
WEIGHTS, CONFIG = "weights.safetensors", "model.json"
MAX_JSON_BYTES = 64 * 2**20  # a model.json is a few kB; refuse absurd ones unread
HEADER_SLACK = 2**20  # bytes a safetensors header may take beyond the tensor data
GATES = {"rnn": 1, "lstm": 4, "gru": 3}
CONFIG_KEYS = {"cell", "input_size", "hidden_size", "num_layers", "output_size"}


class ModelFileError(ValueError):
    """A model or checkpoint file is missing, truncated, tampered with or foreign."""


# ----------------------------------------------------------------- writing
def _jsonable(obj, where: str):
    """Plain-JSON copy of ``obj``: NumPy scalars/arrays unwrapped, NaN/inf -> None."""
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, np.generic):
        return _jsonable(obj.item(), where)
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist(), where)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if isinstance(obj, list | tuple):
        return [_jsonable(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise ValueError(f"{where}: keys must be strings, got {k!r}")
            out[k] = _jsonable(v, f"{where}[{k!r}]")
        return out
    raise ValueError(f"{where}: cannot store a {type(obj).__name__} in JSON")


def _dumps(doc: dict) -> bytes:
    """Pretty, standard JSON (no NaN tokens) as UTF-8 bytes."""
    return (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode("utf-8")


def _tensor_bytes(tensors: dict[str, np.ndarray], kind: str) -> bytes:
    """Serialize named arrays to safetensors bytes."""
    from safetensors.numpy import save

    arrays = {k: np.ascontiguousarray(v) for k, v in tensors.items()}
    return save(arrays, metadata={"format": kind})


def _file_record(name: str, data: bytes) -> dict:
    """What a JSON file records about a companion file, to detect changes."""
    return {
        "file": name,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _model_files(directory: Path, model, metadata) -> dict[Path, bytes]:
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
    weights = _tensor_bytes(state, "unrolled.model")
    doc = {
        "format": "unrolled.model",
        "format_version": FORMAT_VERSION,
        "unrolled_version": __version__,
        "config": model.config(),
        "weights": _file_record(WEIGHTS, weights),
        "metadata": _jsonable({} if metadata is None else metadata, "metadata"),
    }
    if not isinstance(doc["metadata"], dict):
        raise ValueError(f"metadata: expected a dict, got {type(metadata).__name__}")
    return {directory / WEIGHTS: weights, directory / CONFIG: _dumps(doc)}


def _prepare_dir(directory) -> Path:
    """Create the folder (and its parents) if needed; refuse a file in the way."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"{directory}: exists and is not a folder")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise type(exc)(
            exc.errno, f"{directory}: cannot create the folder ({exc.strerror})"
        ) from None
    return directory


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
    directory = _prepare_dir(directory)
    atomic_write_many(_model_files(directory, model, metadata))
    return directory


# ----------------------------------------------------------------- reading
def _reject_constant(token: str):
    """json.loads hook: standard JSON has no NaN or Infinity."""
    raise ValueError(f"{token} is not allowed")


def _read_json(path: Path, kind: str) -> dict:
    """Read and parse a JSON file of the given ``format``; ModelFileError otherwise."""
    if not path.is_file():
        what = "model" if kind == "unrolled.model" else "checkpoint"
        raise ModelFileError(f"{path}: missing (not a {what} directory?)")
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ModelFileError(f"{path}: {size} bytes, too large for a {kind} file")
    raw = path.read_bytes()
    try:
        doc = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ModelFileError(f"{path}: not UTF-8 text (a binary file?)") from None
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{path}: not valid JSON ({exc.msg}: line {exc.lineno}, "
            f"column {exc.colno}); the file is truncated or damaged"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ModelFileError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != kind:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ModelFileError(f"{path}: not an {kind} file (format is {got!r})")
    _check_version(path, doc)
    return doc


def _check_version(path: Path, doc: dict) -> None:
    """Refuse a format version this library does not know."""
    from .._version import __version__

    v = doc.get("format_version")
    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
        raise ModelFileError(
            f"{path}: format_version must be an integer >= 1, got {v!r}"
        )
    if v > FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {v} (written by unrolled "
            f"{doc.get('unrolled_version', '?')}) is newer than this unrolled "
            f"{__version__} reads (format version {FORMAT_VERSION}); "
            "upgrade unrolled to load it"
        )


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
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 2**31:
            raise ModelFileError(
                f"{path}: config {key} must be an integer >= 1, got {v!r}"
            )
    if cfg.get("dtype", "float64") not in ("float64", "float32"):
        raise ModelFileError(
            f"{path}: config dtype must be 'float64' or 'float32', got {cfg['dtype']!r}"
        )
    if cfg["cell"] == "rnn" and cfg.get("nonlinearity", "tanh") not in ("tanh", "relu"):
        raise ModelFileError(
            f"{path}: config nonlinearity must be 'tanh' or 'relu', got "
            f"{cfg['nonlinearity']!r}"
        )
    return dict(cfg)


def _param_count(cfg: dict) -> int:
    """Number of scalars a model with this config holds (before building it)."""
    G, H = GATES[cfg["cell"]] * cfg["hidden_size"], cfg["hidden_size"]
    inputs = [cfg["input_size"]] + [H] * (cfg["num_layers"] - 1)
    O = cfg["output_size"]
    return sum(G * i + G * H + 2 * G for i in inputs) + O * H + O


def _check_record(path: Path, record, json_path: Path, data: bytes | None = None):
    """Compare a file with the size and checksum its JSON recorded."""
    if not isinstance(record, dict) or not {"bytes", "sha256"} <= set(record):
        raise ModelFileError(f"{json_path}: no size and checksum for {path.name}")
    size = path.stat().st_size if data is None else len(data)
    if size != record["bytes"]:
        raise ModelFileError(
            f"{path}: {size} bytes, but {json_path.name} records {record['bytes']}; "
            "the file is truncated, was replaced, or a save was interrupted"
        )
    if data is not None and hashlib.sha256(data).hexdigest() != record["sha256"]:
        raise ModelFileError(
            f"{path}: its checksum does not match {json_path.name}; the file was "
            "changed after saving or a save was interrupted"
        )


def _read_tensors(
    path: Path, record, json_path: Path, max_bytes: int | None = None
) -> dict:
    """Read a safetensors file, checked against its JSON record; never unpickles."""
    if not path.is_file():
        raise ModelFileError(f"{path}: missing (listed in {json_path.name})")
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise ModelFileError(
            f"{path}: {size} bytes, more than the {max_bytes} its config allows"
        )
    _check_record(path, record, json_path)
    from ..engine.sizing import check_memory

    check_memory(2 * size, f"loading {path}")
    data = path.read_bytes()
    _check_record(path, record, json_path, data)
    from safetensors.numpy import load

    try:
        return load(data)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # SafetensorError, or a Rust panic
        raise ModelFileError(f"{path}: not a valid safetensors file ({exc})") from None


def _check_arrays(path: Path, arrays: dict, expected: dict, dtype: np.dtype) -> None:
    """Names, shapes, dtypes and finiteness against ``expected`` {name: shape}."""
    missing = [k for k in expected if k not in arrays]
    extra = [k for k in arrays if k not in expected]
    if missing or extra:
        raise ModelFileError(
            f"{path}: tensor names do not match the config "
            f"(missing {missing}, unexpected {extra})"
        )
    for name, shape in expected.items():
        a = arrays[name]
        if a.dtype != dtype:
            raise ModelFileError(
                f"{path}: tensor {name!r} is {a.dtype}, the config says {dtype}"
            )
        if a.shape != tuple(shape):
            raise ModelFileError(
                f"{path}: tensor {name!r} has shape {a.shape}, the config says "
                f"{tuple(shape)}"
            )
        if not np.all(np.isfinite(a)):
            raise ModelFileError(f"{path}: tensor {name!r} holds NaN or infinity")


def _load_model_dir(directory: Path):
    """(model, metadata, model.json document) from a verified model directory."""
    json_path = directory / CONFIG
    doc = _read_json(json_path, "unrolled.model")
    cfg = _check_config(json_path, doc.get("config"))
    dtype = np.dtype(cfg.get("dtype", "float64"))
    nbytes = _param_count(cfg) * dtype.itemsize
    arrays = _read_tensors(
        directory / WEIGHTS, doc.get("weights"), json_path, nbytes + HEADER_SLACK
    )
    held = sum(int(a.size) for a in arrays.values())
    if held != _param_count(cfg):
        raise ModelFileError(
            f"{directory / WEIGHTS}: holds {held} values, but the config in "
            f"{CONFIG} describes a model with {_param_count(cfg)}"
        )
    model = build_model(cfg)
    _check_arrays(directory / WEIGHTS, arrays, model._shapes(), model.dtype)
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
    model, metadata, _ = _load_model_dir(directory)
    return model, metadata


def __getattr__(name: str):
    """``persist.save_checkpoint`` and friends live in :mod:`unrolled.checkpoint`."""
    if name in ("Checkpoint", "save_checkpoint", "load_checkpoint"):
        from . import checkpoints as checkpoint

        return getattr(checkpoint, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
